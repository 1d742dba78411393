//! The fixture conformance harness: runs every `tests/fixtures/**/*.php` through `rhvm run`
//! and compares the merged stdout+stderr and the exit status with what PHP 8.2 produced.
//!
//! This is not a unit test of any engine API: it only drives the binary, so the engine can be
//! rewritten freely underneath it. Expected outputs (`NAME.out`, and `NAME.status` when the exit
//! status is non-zero) are produced by `scripts/regen-fixtures.sh` from real PHP and never
//! written by hand.
//!
//! Path convention (shared with the regenerator): the working directory is the fixture's own
//! directory, the script is passed by its absolute path under the canonical repository root,
//! and every occurrence of `<root>/` in the output is replaced by `%ROOT%/` before comparing.
//!
//! Knobs for developers:
//! - `RHVM_FIXTURES=substring` runs only fixtures whose path (relative to `tests/fixtures/`)
//!   contains the substring.
//! - `RHVM_BIN=/path/to/binary` runs another binary (or script) instead of the built `rhvm`;
//!   it is called as `BIN run FILE`. Used to check the corpus against real PHP.
//! - `RHVM_BLESS_KNOWN=1` rewrites `tests/fixtures/known_failures.txt` to exactly the set of
//!   fixtures that currently fail (for the integrator).
//! - `RHVM_FIXTURE_TIMEOUT=secs` overrides the per-fixture timeout (default 20 s).
//!
//! `fixtures_jit_forced` runs the corpus once more with the JIT forced on (every function
//! compiled at its first call or backward jump, `-d hhvm.jit_threshold=0`) and in its
//! side-exit test mode (`-d hhvm.jit_fail_guards_once=1`: every guarded instruction of
//! compiled code leaves for the interpreter the first time it runs), expecting the same
//! output. Known failures are skipped there.
//!
//! `known_failures.txt` lists fixtures (paths relative to `tests/fixtures/`, `#` comments) that
//! are allowed to fail. A listed fixture that passes fails the run, so the list only shrinks and
//! no fixture silently stops being able to fail.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// The token that stands for the canonical repository root (without its trailing `/`).
const ROOT_TOKEN: &[u8] = b"%ROOT%/";

/// Upper bound on worker threads: the machines we run on have 2 cores and the
/// fixtures are small, so more workers only add contention.
const MAX_WORKERS: usize = 4;

/// One fixture's verdict.
enum Outcome {
    Pass,
    /// A human-readable description of the first difference.
    Fail(String),
}

/// What we learned from running one fixture.
struct Report {
    /// Path relative to `tests/fixtures/`, with `/` separators.
    name: String,
    outcome: Outcome,
}

/// The repository root, canonicalised so that it matches the paths PHP resolves.
fn repo_root() -> PathBuf {
    let root = match option_env!("CARGO_MANIFEST_DIR") {
        Some(dir) => PathBuf::from(dir),
        // Compiled outside cargo (e.g. `rustc --test`): use RHVM_REPO_ROOT or the cwd.
        None => match std::env::var_os("RHVM_REPO_ROOT") {
            Some(dir) => PathBuf::from(dir),
            None => std::env::current_dir().expect("the current directory must be readable"),
        },
    };
    root.canonicalize()
        .expect("the repository root must exist and be canonicalisable")
}

/// The binary under test: `RHVM_BIN` if set, else the `rhvm` binary cargo built.
fn binary_under_test() -> PathBuf {
    if let Some(bin) = std::env::var_os("RHVM_BIN") {
        return PathBuf::from(bin);
    }
    match option_env!("CARGO_BIN_EXE_rhvm") {
        Some(bin) => PathBuf::from(bin),
        None => panic!("no binary to test: build with cargo or set RHVM_BIN"),
    }
}

/// Every `*.php` under `dir`, recursively, skipping `inc/` helper directories, sorted.
fn find_fixtures(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("cannot read fixture directory {}: {err}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entries must be readable").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "inc") {
                continue;
            }
            find_fixtures(&path, out);
        } else if path.extension().is_some_and(|e| e == "php") {
            out.push(path);
        }
    }
}

/// Replaces every occurrence of `from` in `haystack` by `to`.
fn replace_bytes(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    if from.is_empty() {
        return haystack.to_vec();
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// Applies the `%ROOT%` convention: `<root>/` becomes `%ROOT%/`.
fn normalise(output: &[u8], root: &Path) -> Vec<u8> {
    let mut prefix = root.as_os_str().as_encoded_bytes().to_vec();
    prefix.push(b'/');
    replace_bytes(output, &prefix, ROOT_TOKEN)
}

/// Shows a line of output readably (escapes control characters and invalid UTF-8).
fn show(line: Option<&[u8]>) -> String {
    match line {
        None => "<end of output>".to_string(),
        Some(bytes) => format!("{:?}", String::from_utf8_lossy(bytes)),
    }
}

/// A short unified-ish diff: the first differing line, expected vs actual.
fn first_difference(expected: &[u8], actual: &[u8]) -> Option<String> {
    if expected == actual {
        return None;
    }
    let exp_lines: Vec<&[u8]> = expected.split(|&b| b == b'\n').collect();
    let act_lines: Vec<&[u8]> = actual.split(|&b| b == b'\n').collect();
    let mut line_no = 0;
    while line_no < exp_lines.len().max(act_lines.len()) {
        let exp = exp_lines.get(line_no).copied();
        let act = act_lines.get(line_no).copied();
        if exp != act {
            // A missing final newline shows up as an extra empty last "line"; say so plainly.
            return Some(format!(
                "output differs at line {}:\n    - expected {}\n    + actual   {}",
                line_no + 1,
                show(exp),
                show(act)
            ));
        }
        line_no += 1;
    }
    Some("output differs (no line-level difference found)".to_string())
}

/// The `key=value` settings of an area's `fixture.ini` (one per line, `;` comments),
/// given as `-d` to both PHP and rhvm, e.g. `extension=apcu` and `apc.enable_cli=1`.
fn area_ini(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("fixture.ini"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with(';'))
        .map(str::to_string)
        .collect()
}

/// Runs `bin run file` in `cwd` with stdout and stderr on one pipe, killing it after `timeout`.
///
/// # Returns
/// The merged output and the exit status, or a description of why it could not be obtained.
fn run_merged(
    bin: &Path,
    file: &Path,
    cwd: &Path,
    repo: &Path,
    timeout: Duration,
    extra: &[&str],
) -> Result<(Vec<u8>, ExitStatus), String> {
    // One pipe for both streams, as `2>&1` does, so the interleaving is the real one.
    let (mut reader, writer) =
        std::io::pipe().map_err(|err| format!("cannot create pipe: {err}"))?;
    let writer_clone = writer
        .try_clone()
        .map_err(|err| format!("cannot clone pipe: {err}"))?;
    let mut command = Command::new(bin);
    command.arg("run");
    command
        .arg("-d")
        .arg(format!("hhvm.repo.central.path={}", repo.display()));
    for setting in area_ini(cwd) {
        command.arg("-d").arg(setting);
    }
    for setting in extra {
        command.arg("-d").arg(setting);
    }
    command
        .arg(file)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer_clone);
    let mut child = command
        .spawn()
        .map_err(|err| format!("cannot start {}: {err}", bin.display()))?;
    // The Command holds our copies of the pipe's write end; drop it so EOF can arrive.
    drop(command);

    let collector = thread::spawn(move || {
        let mut buf = Vec::new();
        let result = reader.read_to_end(&mut buf);
        result.map(|_| buf)
    });

    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                // The reader ends once the child (and anything holding the pipe) is gone.
                return Err(format!("timed out after {} s (killed)", timeout.as_secs()));
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(err) => return Err(format!("cannot wait for child: {err}")),
        }
    };
    let output = collector
        .join()
        .map_err(|_| "output reader thread panicked".to_string())?
        .map_err(|err| format!("cannot read output: {err}"))?;
    Ok((output, status))
}

/// Runs one fixture and compares it with its `.out` and `.status`.
/// Runs one fixture twice against a fresh translation cache: cold (compiled, then stored)
/// and warm (loaded from the cache), so a unit that does not survive the cache fails.
fn check_fixture(bin: &Path, root: &Path, file: &Path, repo: &Path, timeout: Duration) -> Outcome {
    match check_fixture_once(bin, root, file, repo, timeout, &[]) {
        Outcome::Pass => match check_fixture_once(bin, root, file, repo, timeout, &[]) {
            Outcome::Fail(why) => Outcome::Fail(format!("(from the translation cache) {why}")),
            pass => pass,
        },
        fail => fail,
    }
}

fn check_fixture_once(
    bin: &Path,
    root: &Path,
    file: &Path,
    repo: &Path,
    timeout: Duration,
    extra: &[&str],
) -> Outcome {
    let out_path = file.with_extension("out");
    let status_path = file.with_extension("status");
    let expected = match std::fs::read(&out_path) {
        Ok(bytes) => bytes,
        Err(err) => {
            return Outcome::Fail(format!(
                "cannot read {} ({err}); run scripts/regen-fixtures.sh",
                out_path.display()
            ))
        }
    };
    let expected_status: i32 = match std::fs::read_to_string(&status_path) {
        Ok(text) => match text.trim().parse() {
            Ok(code) => code,
            Err(_) => return Outcome::Fail(format!("bad status file {}", status_path.display())),
        },
        Err(_) => 0,
    };
    let cwd = file
        .parent()
        .expect("a fixture file always has a parent directory");
    let (output, status) = match run_merged(bin, file, cwd, repo, timeout, extra) {
        Ok(result) => result,
        Err(why) => return Outcome::Fail(why),
    };
    let actual = normalise(&output, root);
    let mut problems = Vec::new();
    if let Some(diff) = first_difference(&expected, &actual) {
        problems.push(diff);
    }
    match status.code() {
        Some(code) if code == expected_status => {}
        Some(code) => problems.push(format!(
            "exit status: expected {expected_status}, actual {code}"
        )),
        None => problems.push(format!("killed by a signal ({status})")),
    }
    if problems.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(problems.join("\n    "))
    }
}

/// Parses `known_failures.txt`: one fixture path per line, `#` starts a comment.
fn parse_known_failures(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

/// The header kept at the top of `known_failures.txt` when it is rewritten.
const KNOWN_FAILURES_HEADER: &str = "\
# Fixtures that are allowed to fail for now, one path per line, relative to tests/fixtures/.
# A listed fixture that passes fails the run: remove it from this list.
# RHVM_BLESS_KNOWN=1 cargo test --release --test fixtures rewrites this list to the currently
# failing set. The list must only ever shrink.
";

#[test]
fn fixtures() {
    let root = repo_root();
    let fixtures_dir = root.join("tests").join("fixtures");
    let bin = binary_under_test();
    let filter = std::env::var("RHVM_FIXTURES")
        .ok()
        .filter(|f| !f.is_empty());
    let bless = std::env::var("RHVM_BLESS_KNOWN").is_ok_and(|v| v == "1");
    let timeout = Duration::from_secs(
        std::env::var("RHVM_FIXTURE_TIMEOUT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20),
    );

    // A translation cache of this run only (each fixture runs cold, then warm from it).
    let repo = std::env::temp_dir().join(format!("rhvm-fixtures-{}.sqlite", std::process::id()));
    let remove_repo = || {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", repo.display()));
        }
    };
    remove_repo();

    let mut files = Vec::new();
    find_fixtures(&fixtures_dir, &mut files);
    files.sort();
    let relative = |path: &Path| -> String {
        let rel = path
            .strip_prefix(&fixtures_dir)
            .expect("fixtures are found under the fixture directory");
        rel.to_string_lossy().replace('\\', "/")
    };
    let selected: Vec<(String, PathBuf)> = files
        .iter()
        .map(|path| (relative(path), path.clone()))
        .filter(|(name, _)| filter.as_ref().is_none_or(|f| name.contains(f.as_str())))
        .collect();
    // A harness that finds nothing must not report success.
    assert!(
        !selected.is_empty(),
        "no fixture found under {} (filter: {:?})",
        fixtures_dir.display(),
        filter
    );

    let known_path = fixtures_dir.join("known_failures.txt");
    let known = parse_known_failures(&std::fs::read_to_string(&known_path).unwrap_or_default());

    let workers = thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, MAX_WORKERS);
    let next = AtomicUsize::new(0);
    let reports: Mutex<Vec<Report>> = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some((name, path)) = selected.get(index) else {
                    break;
                };
                let outcome = check_fixture(&bin, &root, path, &repo, timeout);
                reports
                    .lock()
                    .expect("no worker panics while holding the lock")
                    .push(Report {
                        name: name.clone(),
                        outcome,
                    });
            });
        }
    });
    remove_repo();
    let mut reports = reports.into_inner().expect("workers have finished");
    reports.sort_by(|a, b| a.name.cmp(&b.name));

    let mut passed = 0;
    let mut failed = Vec::new();
    let mut known_failed = Vec::new();
    let mut unexpectedly_passing = Vec::new();
    let mut failing_now = BTreeSet::new();
    for report in &reports {
        let listed = known.contains(&report.name);
        match &report.outcome {
            Outcome::Pass => {
                passed += 1;
                if listed {
                    unexpectedly_passing.push(report.name.clone());
                }
            }
            Outcome::Fail(why) => {
                failing_now.insert(report.name.clone());
                // Blessing makes every current failure a known one.
                if listed || bless {
                    known_failed.push(report.name.clone());
                } else {
                    failed.push(format!("FAIL {}\n    {why}", report.name));
                }
            }
        }
    }
    // Entries naming fixtures that no longer exist would make the list lie.
    let all_names: BTreeSet<String> = files.iter().map(|p| relative(p)).collect();
    let stale: Vec<&String> = known.iter().filter(|k| !all_names.contains(*k)).collect();

    if bless {
        // Keep entries for fixtures that were not run this time (filtered out).
        let ran: BTreeSet<&String> = selected.iter().map(|(name, _)| name).collect();
        let mut blessed: BTreeSet<String> = known
            .iter()
            .filter(|k| all_names.contains(*k) && !ran.contains(k))
            .cloned()
            .collect();
        blessed.extend(failing_now.iter().cloned());
        let mut text = KNOWN_FAILURES_HEADER.to_string();
        for name in &blessed {
            text.push_str(name);
            text.push('\n');
        }
        std::fs::write(&known_path, text).expect("known_failures.txt must be writable");
        println!(
            "RHVM_BLESS_KNOWN: wrote {} entries to {}",
            blessed.len(),
            known_path.display()
        );
    }

    for line in &failed {
        println!("{line}");
    }
    for name in &known_failed {
        println!("known failure {name}");
    }
    let mut list_problems = Vec::new();
    if !bless {
        for name in &unexpectedly_passing {
            list_problems.push(format!(
                "{name} passes: remove {name} from known_failures.txt"
            ));
        }
        if filter.is_none() {
            for name in &stale {
                list_problems.push(format!(
                    "{name} is not a fixture: remove {name} from known_failures.txt"
                ));
            }
        }
    }
    for problem in &list_problems {
        println!("{problem}");
    }
    println!("{} known failures", known_failed.len());
    println!("{} passed, {} failed", passed, failed.len());
    assert!(
        failed.is_empty() && list_problems.is_empty(),
        "{} fixture(s) failed, {} known_failures.txt problem(s); see the lines above",
        failed.len(),
        list_problems.len()
    );
}

/// The comparison helpers must be able to say "different"; otherwise every fixture passes.
#[test]
fn comparison_detects_differences() {
    assert_eq!(first_difference(b"a\nb\n", b"a\nb\n"), None);
    let diff = first_difference(b"a\nb\n", b"a\nc\n").expect("b vs c differ");
    assert!(diff.contains("line 2"), "{diff}");
    assert!(first_difference(b"a\n", b"a").is_some());
    assert!(first_difference(b"a\n", b"a\n\n").is_some());
    let root = Path::new("/repo/x");
    assert_eq!(
        normalise(b"in /repo/x/tests/a.php on line 3 /repo/xy", root),
        b"in %ROOT%/tests/a.php on line 3 /repo/xy".to_vec()
    );
    let known = parse_known_failures("# c\n\nlexer/a.php # why\n  ops/b.php\n");
    assert_eq!(
        known.into_iter().collect::<Vec<_>>(),
        vec!["lexer/a.php".to_string(), "ops/b.php".to_string()]
    );
}

/// The `-d` settings of the forced-JIT run.
const JIT_FORCED: &[&str] = &[
    "hhvm.jit=1",
    "hhvm.jit_threshold=0",
    "hhvm.jit_fail_guards_once=1",
];

#[test]
fn fixtures_jit_forced() {
    let root = repo_root();
    let fixtures_dir = root.join("tests").join("fixtures");
    let bin = binary_under_test();
    let filter = std::env::var("RHVM_FIXTURES")
        .ok()
        .filter(|f| !f.is_empty());
    let timeout = Duration::from_secs(
        std::env::var("RHVM_FIXTURE_TIMEOUT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20),
    );
    let repo =
        std::env::temp_dir().join(format!("rhvm-fixtures-jit-{}.sqlite", std::process::id()));
    let remove_repo = || {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", repo.display()));
        }
    };
    remove_repo();
    let mut files = Vec::new();
    find_fixtures(&fixtures_dir, &mut files);
    files.sort();
    let known = parse_known_failures(
        &std::fs::read_to_string(fixtures_dir.join("known_failures.txt")).unwrap_or_default(),
    );
    let selected: Vec<(String, PathBuf)> = files
        .iter()
        .map(|path| {
            let rel = path
                .strip_prefix(&fixtures_dir)
                .expect("fixtures are found under the fixture directory");
            (rel.to_string_lossy().replace('\\', "/"), path.clone())
        })
        .filter(|(name, _)| !known.contains(name))
        .filter(|(name, _)| filter.as_ref().is_none_or(|f| name.contains(f.as_str())))
        .collect();
    assert!(!selected.is_empty(), "no fixture found");
    let workers = thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, MAX_WORKERS);
    let next = AtomicUsize::new(0);
    let failed: Mutex<Vec<String>> = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some((name, path)) = selected.get(index) else {
                    break;
                };
                if let Outcome::Fail(why) =
                    check_fixture_once(&bin, &root, path, &repo, timeout, JIT_FORCED)
                {
                    failed
                        .lock()
                        .expect("no worker panics while holding the lock")
                        .push(format!("FAIL (jit forced) {name}\n    {why}"));
                }
            });
        }
    });
    remove_repo();
    let mut failed = failed.into_inner().expect("workers have finished");
    failed.sort();
    for line in &failed {
        println!("{line}");
    }
    println!(
        "jit forced: {} passed, {} failed",
        selected.len() - failed.len(),
        failed.len()
    );
    assert!(failed.is_empty(), "fixtures differ with the JIT forced on");
}
