//! The library corpus: real PHP libraries from Debian (Parsedown, Twig, league/commonmark),
//! unchanged, driven through `rhvm run` by the cases under `tests/libs/<library>/*.php`, and
//! compared byte for byte with what PHP 8.2 printed running the same Debian files
//! (`NAME.out`, `NAME.status`, recorded by `scripts/regen-libs.sh`, never by hand).
//!
//! The libraries are not in the repository: `scripts/fetch-php-libs.sh` downloads and
//! unpacks the Debian packages (`.ci/run` calls it). This harness finds them in
//! `$RHVM_PHP_LIBS` or in `target/php-libs/root/usr/share/php`; when they are missing it
//! fails under `CI` and otherwise prints a skip notice.
//!
//! Each case runs twice against a fresh translation cache (cold, then warm), like the
//! fixtures, with `-d include_path=LIBS`. In outputs the libraries' directory reads
//! `%LIBS%/` and the repository root `%ROOT%/`. `tests/libs/known_failures.txt` lists
//! cases allowed to fail (one path per line relative to `tests/libs/`, `#` comments); a
//! listed case that passes fails the run, so the list only shrinks.
//!
//! Knobs: `RHVM_LIBS=substring` runs only matching cases; `RHVM_BLESS_KNOWN=1` rewrites the
//! known-failure list to the cases failing now; `RHVM_LIBS_TIMEOUT=secs` (default 120).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .expect("the repository root must exist")
}

/// The directory holding `Parsedown/`, `Twig/`, `League/`..., or `None`.
fn libs_dir(root: &Path) -> Option<PathBuf> {
    let dir = match std::env::var_os("RHVM_PHP_LIBS") {
        Some(d) => PathBuf::from(d),
        None => root.join("target/php-libs/root/usr/share/php"),
    };
    let ok = ["Parsedown", "Twig", "League/CommonMark"]
        .iter()
        .all(|lib| dir.join(lib).join("autoload.php").is_file());
    if ok {
        dir.canonicalize().ok()
    } else {
        None
    }
}

fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if !needle.is_empty() && haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// Runs one case; returns merged output and exit code.
fn run_case(
    file: &Path,
    libs: &Path,
    repo: &Path,
    timeout: Duration,
) -> Result<(Vec<u8>, i32), String> {
    let (mut reader, writer) = std::io::pipe().map_err(|e| format!("pipe: {e}"))?;
    let writer2 = writer.try_clone().map_err(|e| format!("pipe: {e}"))?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rhvm"));
    cmd.arg("run")
        .arg("-d")
        .arg(format!("hhvm.repo.central.path={}", repo.display()))
        .arg("-d")
        .arg(format!("include_path={}", libs.display()))
        .arg(file)
        .current_dir(file.parent().expect("a case lives in a directory"))
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer2);
    let mut child = cmd.spawn().map_err(|e| format!("cannot start rhvm: {e}"))?;
    drop(cmd);
    let collector = thread::spawn(move || {
        let mut buf = Vec::new();
        reader.read_to_end(&mut buf).map(|_| buf)
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {} s", timeout.as_secs()));
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("wait: {e}")),
        }
    };
    let out = collector
        .join()
        .map_err(|_| "reader panicked".to_string())?
        .map_err(|e| format!("read: {e}"))?;
    Ok((out, status.code().unwrap_or(-1)))
}

fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    let at = expected
        .iter()
        .zip(actual)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    let line = expected[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let ctx = |s: &[u8]| {
        let start = at.saturating_sub(60);
        let end = (at + 100).min(s.len());
        String::from_utf8_lossy(&s[start.min(end)..end]).into_owned()
    };
    format!(
        "output differs at byte {at} (line {line}):\n  expected: {:?}\n  actual:   {:?}",
        ctx(expected),
        ctx(actual)
    )
}

fn check_once(
    root: &Path,
    libs: &Path,
    file: &Path,
    repo: &Path,
    timeout: Duration,
) -> Option<String> {
    let expected = match std::fs::read(file.with_extension("out")) {
        Ok(b) => b,
        Err(e) => return Some(format!("no .out ({e}); run scripts/regen-libs.sh")),
    };
    let expected_status: i32 = std::fs::read_to_string(file.with_extension("status"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let (out, status) = match run_case(file, libs, repo, timeout) {
        Ok(r) => r,
        Err(e) => return Some(e),
    };
    let mut libs_prefix = libs.as_os_str().as_encoded_bytes().to_vec();
    libs_prefix.push(b'/');
    let mut root_prefix = root.as_os_str().as_encoded_bytes().to_vec();
    root_prefix.push(b'/');
    let out = replace_all(&out, &libs_prefix, b"%LIBS%/");
    let out = replace_all(&out, &root_prefix, b"%ROOT%/");
    if out != expected {
        return Some(first_difference(&expected, &out));
    }
    if status != expected_status {
        return Some(format!("exit status {status}, expected {expected_status}"));
    }
    None
}

fn find_cases(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if let Ok(inner) = std::fs::read_dir(&p) {
                for f in inner.flatten() {
                    let f = f.path();
                    if f.extension().is_some_and(|x| x == "php") {
                        out.push(f);
                    }
                }
            }
        }
    }
    out.sort();
    out
}

fn read_known(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn library_corpus() {
    let root = repo_root();
    let corpus = root.join("tests/libs");
    let Some(libs) = libs_dir(&root) else {
        let msg = "the PHP libraries of tests/libs are missing: run scripts/fetch-php-libs.sh \
                   (or set RHVM_PHP_LIBS to a directory with Parsedown/, Twig/, League/)";
        if std::env::var_os("CI").is_some() {
            panic!("{msg}");
        }
        eprintln!("SKIPPED library_corpus: {msg}");
        return;
    };
    let filter = std::env::var("RHVM_LIBS").ok().filter(|f| !f.is_empty());
    let timeout = Duration::from_secs(
        std::env::var("RHVM_LIBS_TIMEOUT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(120),
    );
    let repo = std::env::temp_dir().join(format!("rhvm-libs-{}.sqlite", std::process::id()));
    let remove_repo = || {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", repo.display()));
        }
    };
    remove_repo();

    let cases: Vec<(String, PathBuf)> = find_cases(&corpus)
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&corpus)
                .expect("cases are under tests/libs")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, p)
        })
        .filter(|(rel, _)| filter.as_ref().is_none_or(|f| rel.contains(f.as_str())))
        .collect();
    assert!(
        !cases.is_empty(),
        "no library cases found under {}",
        corpus.display()
    );

    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(String, Option<String>)>> = Mutex::new(Vec::new());
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((rel, path)) = cases.get(i) else {
                    break;
                };
                let verdict = match check_once(&root, &libs, path, &repo, timeout) {
                    None => check_once(&root, &libs, path, &repo, timeout)
                        .map(|why| format!("(from the translation cache) {why}")),
                    fail => fail,
                };
                results
                    .lock()
                    .expect("no worker panics holding the lock")
                    .push((rel.clone(), verdict));
            });
        }
    });
    remove_repo();

    let mut results = results.into_inner().expect("workers finished");
    results.sort();
    let known_path = corpus.join("known_failures.txt");
    let known = read_known(&known_path);
    let mut problems = Vec::new();
    let mut passed = 0;
    let mut known_failing = 0;
    for (rel, verdict) in &results {
        match (verdict, known.contains(rel)) {
            (None, false) => passed += 1,
            (None, true) => problems.push(format!(
                "{rel}: passes now, remove it from known_failures.txt"
            )),
            (Some(_), true) => known_failing += 1,
            (Some(why), false) => problems.push(format!("{rel}: {why}")),
        }
    }
    if filter.is_none() {
        let names: BTreeSet<&String> = results.iter().map(|(r, _)| r).collect();
        for k in &known {
            if !names.contains(k) {
                problems.push(format!("known_failures.txt names no case: {k}"));
            }
        }
    }
    if std::env::var("RHVM_BLESS_KNOWN").is_ok_and(|v| v == "1") {
        let mut failing: BTreeSet<String> = results
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(r, _)| r.clone())
            .collect();
        if filter.is_some() {
            failing.extend(
                known
                    .iter()
                    .filter(|k| !results.iter().any(|(r, _)| r == *k))
                    .cloned(),
            );
        }
        let mut text = String::from(
            "# Library corpus cases allowed to fail for now (tests/libs.rs); the list only shrinks.\n",
        );
        for f in &failing {
            text.push_str(f);
            text.push('\n');
        }
        std::fs::write(&known_path, text).expect("known_failures.txt is writable");
        eprintln!("blessed {} known failure(s)", failing.len());
        return;
    }
    eprintln!(
        "library corpus: {passed} passed, {known_failing} known failures, {} problems, of {}",
        problems.len(),
        results.len()
    );
    for (rel, verdict) in &results {
        eprintln!(
            "  {} {rel}",
            match verdict {
                None => "pass",
                Some(_) => "FAIL",
            }
        );
    }
    assert!(
        problems.is_empty(),
        "library corpus:\n{}",
        problems.join("\n\n")
    );
}
