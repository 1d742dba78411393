//! Request recording and replay: the recorded requests in `tests/recordings/` replayed
//! in-process with their responses asserted through insta snapshots (`snapshots/`), and
//! `rhvm serve --record` end to end: record, replay without differences, a changed page
//! reported, `clear_input_on_success`, and warm-up from recordings.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::Serve;
use rhvm::record::replay::{self, Entry, Fcgi, InProcess, Options, Target};
use rhvm::record::{comparable_headers, Response};
use rhvm::vm::web::{WebEngine, WebSettings};

const TIMEOUT: Duration = Duration::from_secs(30);

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn in_process(entries: &[Entry], rebase: &[(String, String)]) -> Vec<replay::Outcome> {
    let options = Options {
        concurrency: 1,
        rebase: rebase.to_vec(),
        ..Options::default()
    };
    let make = || -> Result<Box<dyn Target>, String> {
        let mut settings = WebSettings::default();
        settings
            .ini
            .push((b"display_errors".to_vec(), b"0".to_vec()));
        Ok(Box::new(InProcess(WebEngine::new(settings))))
    };
    replay::run(entries, &options, &make, 64 << 20)
}

/// The response as a snapshot shows it: status, headers minus volatile ones, body (long
/// bodies by length and digest).
fn render(response: &Response) -> String {
    let mut text = format!("Status: {}\n", response.status);
    for line in comparable_headers(&response.headers, &[]) {
        text.push_str(&String::from_utf8_lossy(&line));
        text.push('\n');
    }
    text.push('\n');
    if response.body.len() > 4096 {
        use sha2::Digest;
        let digest = rhvm::record::hex(&sha2::Sha256::digest(&response.body));
        text.push_str(&format!(
            "({} bytes, sha256 {digest})\n",
            response.body.len()
        ));
    } else {
        text.push_str(&String::from_utf8_lossy(&response.body));
    }
    text
}

#[test]
fn recorded_pages_match_their_snapshots() {
    let shared = manifest().join("../shared");
    let shared = std::fs::canonicalize(&shared).expect("../shared beside the repository");
    let entries = replay::load(&[manifest().join("tests/recordings")]).expect("recordings");
    assert!(
        entries.len() >= 10,
        "tests/recordings holds the recorded requests"
    );
    let rebase = vec![("/rhvm-shared".to_string(), shared.display().to_string())];
    let outcomes = in_process(&entries, &rebase);
    assert_eq!(outcomes.len(), entries.len());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for outcome in outcomes {
            let entry = &entries[outcome.entry];
            let (response, _) = outcome.result.expect("replayed");
            let name = entry.name.trim_end_matches(".json");
            insta::assert_snapshot!(format!("replay_{name}"), render(&response));
        }
    });
}

/// A document root with three pages, in a fresh temporary directory.
fn site(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rhvm-record-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).expect("write");
    write(
        "a.php",
        "<?php header('X-Page: a'); setcookie('sid', uniqid()); echo 'page a ', $_GET['n'] ?? '', \"\\n\";",
    );
    write(
        "b.php",
        "<?php echo strtoupper(file_get_contents('php://input')), \"\\n\";",
    );
    write("fail.php", "<?php throw new RuntimeException('boom');");
    dir
}

fn params(root: &Path, script: &str, query: &str, body: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let method = if body.is_empty() { "GET" } else { "POST" };
    let uri = if query.is_empty() {
        format!("/{script}")
    } else {
        format!("/{script}?{query}")
    };
    [
        ("REQUEST_METHOD", method.to_string()),
        ("SCRIPT_FILENAME", root.join(script).display().to_string()),
        ("SCRIPT_NAME", format!("/{script}")),
        ("REQUEST_URI", uri),
        ("QUERY_STRING", query.to_string()),
        ("DOCUMENT_ROOT", root.display().to_string()),
        ("CONTENT_LENGTH", body.len().to_string()),
        ("CONTENT_TYPE", "text/plain".to_string()),
        ("SERVER_PROTOCOL", "HTTP/1.1".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.as_bytes().to_vec(), v.into_bytes()))
    .collect()
}

/// Waits until `dir` holds `count` recordings (the recorder writes after the response).
fn wait_for_recordings(dir: &Path, count: usize) -> Vec<Entry> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Ok(entries) = replay::load(&[dir.to_path_buf()]) {
            if entries.len() >= count {
                return entries;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no {count} recordings in {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn serve(extra: &[&str]) -> (Serve, u16) {
    let mut args: Vec<String> = [
        "-d",
        "hhvm.server.port=0",
        "-d",
        "hhvm.server.thread_count=1",
        "-d",
        "hhvm.repo.central.path=",
        "-d",
        "display_errors=0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let server = Serve::start(&args);
    let port = server.port(&["fastcgi"], TIMEOUT).expect("fastcgi port");
    (server, port)
}

#[test]
fn record_then_replay_finds_exactly_the_changed_page() {
    let root = site("replay");
    let rec = root.join("recordings");
    let (server, port) = serve(&[
        "-d",
        "hhvm.admin_server.port=",
        "--record",
        &rec.display().to_string(),
    ]);
    let mut client = Fcgi::new(&format!("127.0.0.1:{port}"));
    let sent = [
        ("a.php", "n=1", &b""[..]),
        ("b.php", "", &b"hello body"[..]),
        ("a.php", "n=2", &b""[..]),
        ("fail.php", "", &b""[..]),
    ];
    for (script, query, body) in sent {
        client
            .send(&params(&root, script, query, body), body)
            .expect("answered");
    }
    let entries = wait_for_recordings(&rec, sent.len());
    drop(server);
    assert_eq!(entries.len(), sent.len());
    let fail = entries
        .iter()
        .find(|e| e.recording.script.ends_with("fail.php"))
        .expect("fail.php recorded");
    assert_eq!(fail.recording.response.status, 500);
    assert!(fail.recording.response.fatal);
    let post = entries
        .iter()
        .find(|e| e.recording.script.ends_with("b.php"))
        .expect("b.php recorded");
    assert_eq!(post.recording.body().expect("base64"), b"hello body");

    // The same code: no differences (cookie values and Date are volatile).
    let outcomes = in_process(&entries, &[]);
    for o in &outcomes {
        let (_, diff) = o.result.as_ref().expect("replayed");
        assert_eq!(diff, &None, "{}", entries[o.entry].name);
    }

    // One page changed: exactly its two recordings differ, with a diff of the change.
    std::fs::write(root.join("a.php"), "<?php header('X-Page: a'); setcookie('sid', 'x'); echo 'page A ', $_GET['n'] ?? '', \"\\n\";").expect("edit");
    let outcomes = in_process(&entries, &[]);
    let differing: Vec<&str> = outcomes
        .iter()
        .filter(|o| matches!(&o.result, Ok((_, Some(_)))))
        .map(|o| entries[o.entry].recording.uri.as_str())
        .collect();
    assert_eq!(differing, vec!["/a.php?n=1", "/a.php?n=2"]);
    let Ok((_, Some(diff))) = &outcomes[0].result else {
        panic!("a.php differs")
    };
    assert!(diff.contains("-page a 1\n+page A 1\n"), "{diff}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn clear_input_on_success_keeps_only_failures_and_warm_up_replays_them() {
    let root = site("clear");
    let rec = root.join("recordings");
    let (server, port) = serve(&[
        "-d",
        "hhvm.admin_server.port=",
        "-d",
        "hhvm.debug.record_input=1",
        "-d",
        &format!("hhvm.debug.record_dir={}", rec.display()),
        "-d",
        "hhvm.debug.clear_input_on_success=1",
    ]);
    let mut client = Fcgi::new(&format!("127.0.0.1:{port}"));
    for script in ["a.php", "fail.php", "b.php"] {
        client
            .send(&params(&root, script, "", b""), b"")
            .expect("answered");
    }
    // One thread runs the requests in order, so once the last one answered the recorder
    // has been handed all there is; the one failure arrives.
    let entries = wait_for_recordings(&rec, 1);
    drop(server);
    assert_eq!(entries.len(), 1);
    assert!(entries[0].recording.script.ends_with("fail.php"));

    // Warm-up: the recordings run before traffic, and /check-health says so.
    let (server, _) = serve(&[
        "-d",
        "hhvm.admin_server.port=0",
        "-d",
        &format!("hhvm.server.warmup_requests={}", rec.display()),
    ]);
    let admin = server.port(&["admin"], TIMEOUT).expect("admin port");
    server
        .wait_for(TIMEOUT, |l| l.contains("warm-up: 1 requests").then_some(()))
        .expect("warm-up logged");
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", admin)).expect("admin");
    stream
        .write_all(b"GET /check-health HTTP/1.0\r\n\r\n")
        .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(answer.contains("\"warmup-running\":0"), "{answer}");
    assert!(answer.contains("\"warmup-requests\":1"), "{answer}");
    let _ = std::fs::remove_dir_all(&root);
}
