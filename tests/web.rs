//! Web fixtures: every `tests/web/NAME.req` (CGI params, ini, body; format in
//! `scripts/fcgi-request.py`) runs through `WebEngine` with a collecting `ResponseWriter`,
//! and status, reason, headers, body and error-log lines are compared with what php-fpm
//! 8.2 answered (`NAME.out`, `NAME.err`, recorded by `scripts/regen-web-fixtures.sh`).
//!
//! Normalised on both sides: the fixture directory (`%DIR%`) and upload temp names
//! (`/tmp/phpXXXXXX`). `RHVM_WEB_FIXTURES=substr` runs only matching fixtures.
//!
//! Below the fixtures, behaviour tests for what the oracle cannot show (php-fpm has no
//! source-root check; streaming happens in several `body` calls).

use std::cell::RefCell;
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use rhvm::vm::web::{ResponseWriter, WebEngine, WebRequest, WebSettings};

/// Everything a request produced.
#[derive(Default, Debug)]
struct Collect {
    head: Option<(u16, Vec<u8>, Vec<Vec<u8>>)>,
    body: Vec<u8>,
    body_calls: usize,
    finished: bool,
    log: Vec<Vec<u8>>,
    log_after_finish: Vec<Vec<u8>>,
    /// Calls in order, to check the contract (head once, before body; finish last).
    calls: Vec<&'static str>,
}

impl ResponseWriter for Collect {
    fn head(&mut self, status: u16, reason: &[u8], headers: &[Vec<u8>]) -> io::Result<()> {
        self.calls.push("head");
        self.head = Some((status, reason.to_vec(), headers.to_vec()));
        Ok(())
    }
    fn body(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.calls.push("body");
        self.body.extend_from_slice(bytes);
        self.body_calls += 1;
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        self.calls.push("finish");
        self.finished = true;
        Ok(())
    }
    fn aborted(&self) -> bool {
        false
    }
    fn error_log(&mut self, line: &[u8]) {
        // php-fpm cannot send log lines once the request is finished (the FastCGI request
        // is closed); rhvm still hands them to the server, but the oracle has none.
        if !self.finished {
            self.log.push(line.to_vec());
        } else {
            self.log_after_finish.push(line.to_vec());
        }
    }
}

fn fixture_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web");
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

fn unescape(s: &str, dir: &str) -> Vec<u8> {
    let s = s.replace("%DIR%", dir);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'r' => {
                    out.push(b'\r');
                    i += 2;
                    continue;
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                b't' => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                b'\\' => {
                    out.push(b'\\');
                    i += 2;
                    continue;
                }
                b'x' if i + 3 < b.len() => {
                    if let Ok(v) = u8::from_str_radix(&s[i + 2..i + 4], 16) {
                        out.push(v);
                        i += 4;
                        continue;
                    }
                }
                _ => {}
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// A parsed `.req`.
struct Req {
    params: Vec<(Vec<u8>, Vec<u8>)>,
    ini: Vec<(Vec<u8>, Vec<u8>)>,
    body: Vec<u8>,
}

fn parse_req(text: &str, dir: &str) -> Req {
    let mut req = Req {
        params: Vec::new(),
        ini: Vec::new(),
        body: Vec::new(),
    };
    for line in text.lines() {
        if let Some(p) = line.strip_prefix("param ") {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            req.params.push((unescape(k, dir), unescape(v, dir)));
        } else if let Some(p) = line.strip_prefix("ini ") {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            req.ini.push((unescape(k, dir), unescape(v, dir)));
        } else if let Some(b) = line.strip_prefix("body ") {
            req.body.extend(unescape(b, dir));
        }
    }
    req
}

/// Runs `req` on `engine` with `out` as the writer and gives the writer back.
fn exec<W: ResponseWriter + 'static>(engine: &mut WebEngine, req: WebRequest, out: W) -> W {
    let shared = Rc::new(RefCell::new(out));
    engine.run(req, shared.clone());
    match Rc::try_unwrap(shared) {
        Ok(cell) => cell.into_inner(),
        Err(_) => panic!("the engine kept the writer after the request"),
    }
}

fn run(settings: WebSettings, req: &Req) -> Collect {
    let mut engine = WebEngine::new(settings);
    let mut out = Collect::default();
    out = exec(
        &mut engine,
        WebRequest {
            params: req.params.clone(),
            body: Box::new(io::Cursor::new(req.body.clone())),
        },
        out,
    );
    out
}

fn replace_all(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    if from.is_empty() {
        return hay.to_vec();
    }
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

/// Replaces the fixture directory and upload temp names.
fn normalise(bytes: &[u8], dir: &str) -> Vec<u8> {
    let mut out = replace_all(bytes, dir.as_bytes(), b"%DIR%");
    let tmp = std::env::temp_dir();
    let tmp = tmp.to_string_lossy();
    let marker = format!("{}/php", tmp.trim_end_matches('/'));
    let mut i = 0;
    let mut res = Vec::with_capacity(out.len());
    while i < out.len() {
        if out[i..].starts_with(marker.as_bytes())
            && out.len() >= i + marker.len() + 6
            && out[i + marker.len()..i + marker.len() + 6]
                .iter()
                .all(u8::is_ascii_alphanumeric)
        {
            res.extend_from_slice(b"%TMP%/phpXXXXXX");
            i += marker.len() + 6;
        } else {
            res.push(out[i]);
            i += 1;
        }
    }
    std::mem::swap(&mut out, &mut res);
    out
}

/// php-fpm's raw response split into status, reason (when a Status line was sent),
/// headers and body.
fn parse_fpm(raw: &[u8]) -> (u16, Option<Vec<u8>>, Vec<Vec<u8>>, Vec<u8>) {
    // No header at all: the response starts with the blank line.
    let split = if raw.starts_with(b"\r\n") {
        (0, 2)
    } else {
        raw.windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|p| (p, 4))
            .unwrap_or((raw.len(), 0))
    };
    let head = &raw[..split.0];
    let body = raw[(split.0 + split.1).min(raw.len())..].to_vec();
    let mut status = 200;
    let mut reason = None;
    let mut headers = Vec::new();
    for line in head.split(|&c| c == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if line.len() > 7 && line[..7].eq_ignore_ascii_case(b"status:") {
            let v = line[7..].trim_ascii();
            let digits = v.iter().take_while(|c| c.is_ascii_digit()).count();
            status = std::str::from_utf8(&v[..digits])
                .ok()
                .and_then(|d| d.parse().ok())
                .unwrap_or(0);
            reason = Some(v[digits..].trim_ascii().to_vec());
            continue;
        }
        headers.push(line.to_vec());
    }
    (status, reason, headers, body)
}

/// php-fpm's FCGI_STDERR as separate log messages.
fn parse_fpm_log(raw: &[u8]) -> Vec<Vec<u8>> {
    const PREFIX: &[u8] = b"PHP message: ";
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut i = 0;
    let mut cur: Option<Vec<u8>> = None;
    while i < raw.len() {
        if raw[i..].starts_with(PREFIX) {
            if let Some(c) = cur.take() {
                out.push(c);
            }
            cur = Some(Vec::new());
            i += PREFIX.len();
            continue;
        }
        cur.get_or_insert_with(Vec::new).push(raw[i]);
        i += 1;
    }
    if let Some(c) = cur {
        out.push(c);
    }
    out.into_iter()
        .map(|mut m| {
            // php-fpm joins the messages of one STDERR write with "; ".
            if m.ends_with(b"; ") {
                m.truncate(m.len() - 2);
            }
            while m.last() == Some(&b'\n') || m.last() == Some(&0) {
                m.pop();
            }
            m
        })
        .filter(|m| !m.is_empty())
        .collect()
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn web_fixtures() {
    let dir = fixture_dir();
    let dir_s = dir.to_string_lossy().into_owned();
    let filter = std::env::var("RHVM_WEB_FIXTURES").unwrap_or_default();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/web exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "req"))
        .filter(|p| p.to_string_lossy().contains(&filter))
        .collect();
    names.sort();
    assert!(!names.is_empty() || !filter.is_empty(), "no web fixtures");
    let mut failures = Vec::new();
    for req_path in &names {
        let name = req_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        let text = std::fs::read_to_string(req_path).expect("read .req");
        let req = parse_req(&text, &dir_s);
        let expected_raw = std::fs::read(req_path.with_extension("out")).unwrap_or_default();
        let expected_err = std::fs::read(req_path.with_extension("err")).unwrap_or_default();
        let (exp_status, exp_reason, exp_headers, exp_body) = parse_fpm(&expected_raw);
        let exp_log = parse_fpm_log(&expected_err);
        let settings = WebSettings {
            ini: req.ini.clone(),
            ..WebSettings::default()
        };
        let got = run(settings, &req);
        let mut problems = Vec::new();
        let Some((status, reason, headers)) = got.head.clone() else {
            failures.push(format!("{name}: no head"));
            continue;
        };
        if status != exp_status {
            problems.push(format!("status {status}, expected {exp_status}"));
        }
        if let Some(r) = &exp_reason {
            if &reason != r {
                problems.push(format!(
                    "reason {:?}, expected {:?}",
                    show(&reason),
                    show(r)
                ));
            }
        }
        let headers: Vec<Vec<u8>> = headers.iter().map(|h| normalise(h, &dir_s)).collect();
        let exp_headers: Vec<Vec<u8>> = exp_headers.iter().map(|h| normalise(h, &dir_s)).collect();
        if headers != exp_headers {
            problems.push(format!(
                "headers {:?}, expected {:?}",
                headers.iter().map(|h| show(h)).collect::<Vec<_>>(),
                exp_headers.iter().map(|h| show(h)).collect::<Vec<_>>()
            ));
        }
        let body = normalise(&got.body, &dir_s);
        let exp_body = normalise(&exp_body, &dir_s);
        if body != exp_body {
            problems.push(format!(
                "body differs:\n--- got\n{}\n--- expected\n{}",
                show(&body),
                show(&exp_body)
            ));
        }
        let log: Vec<Vec<u8>> = got.log.iter().map(|l| normalise(l, &dir_s)).collect();
        let exp_log: Vec<Vec<u8>> = exp_log.iter().map(|l| normalise(l, &dir_s)).collect();
        if log != exp_log {
            problems.push(format!(
                "log {:?}, expected {:?}",
                log.iter().map(|h| show(h)).collect::<Vec<_>>(),
                exp_log.iter().map(|h| show(h)).collect::<Vec<_>>()
            ));
        }
        if got.calls.first() != Some(&"head") || got.calls.last() != Some(&"finish") {
            problems.push(format!("call order {:?}", got.calls));
        }
        if !problems.is_empty() {
            failures.push(format!("{name}:\n  {}", problems.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} web fixtures failed:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!("rhvm-web-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(std::fs::canonicalize(&p).expect("canonical temp dir"))
    }
    fn path(&self) -> &Path {
        &self.0
    }
    fn s(&self) -> String {
        self.0.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn params(list: &[(&str, String)]) -> Vec<(Vec<u8>, Vec<u8>)> {
    list.iter()
        .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

fn get(engine: &mut WebEngine, script: &str, docroot: &str) -> Collect {
    let mut out = Collect::default();
    out = exec(
        engine,
        WebRequest {
            params: params(&[
                ("REQUEST_METHOD", "GET".into()),
                ("SCRIPT_FILENAME", script.into()),
                ("DOCUMENT_ROOT", docroot.into()),
            ]),
            body: Box::new(io::empty()),
        },
        out,
    );
    out
}

fn assert_404(out: &Collect) {
    let (status, _, _) = out.head.clone().expect("head sent");
    assert_eq!(status, 404);
    assert_eq!(out.body, b"File not found.\n");
    assert_eq!(out.log, vec![b"Primary script unknown".to_vec()]);
    assert!(out.finished);
}

#[test]
fn scripts_outside_the_root_are_404() {
    let tmp = TempDir::new("root");
    let root = tmp.path().join("www");
    std::fs::create_dir_all(&root).expect("mkdir");
    std::fs::write(tmp.path().join("secret.php"), "<?php echo 'secret';").expect("write");
    std::fs::write(root.join("ok.php"), "<?php echo 'ok';").expect("write");
    std::os::unix::fs::symlink(tmp.path().join("secret.php"), root.join("link.php"))
        .expect("symlink");
    let root_s = root.to_string_lossy().into_owned();
    let mut engine = WebEngine::new(WebSettings::default());
    // Inside the document root: runs.
    let ok = get(&mut engine, &format!("{root_s}/ok.php"), &root_s);
    assert_eq!(ok.body, b"ok");
    // `..`, a symlink out of the root, a plain path outside: 404, nothing runs.
    assert_404(&get(
        &mut engine,
        &format!("{root_s}/../secret.php"),
        &root_s,
    ));
    assert_404(&get(&mut engine, &format!("{root_s}/link.php"), &root_s));
    assert_404(&get(
        &mut engine,
        &format!("{}/secret.php", tmp.s()),
        &root_s,
    ));
    assert_404(&get(&mut engine, &format!("{root_s}/missing.php"), &root_s));
    // A configured source root wins over DOCUMENT_ROOT.
    let mut rooted = WebEngine::new(WebSettings {
        source_root: Some(root.clone()),
        ..WebSettings::default()
    });
    assert_404(&get(
        &mut rooted,
        &format!("{}/secret.php", tmp.s()),
        &tmp.s(),
    ));
    assert_eq!(
        get(&mut rooted, &format!("{root_s}/ok.php"), &tmp.s()).body,
        b"ok"
    );
}

#[test]
fn percent_encoded_proxypassmatch_filename_is_decoded() {
    // php-fpm answers 404 here (Apache's ProxyPassMatch sends URL text); rhvm decodes it.
    let tmp = TempDir::new("enc");
    std::fs::write(
        tmp.path().join("sp ace.php"),
        "<?php echo $_SERVER['SCRIPT_FILENAME'], '|', $_SERVER['PATH_INFO'] ?? '-', '|', $_SERVER['SCRIPT_NAME'];",
    )
    .expect("write");
    let mut engine = WebEngine::new(WebSettings::default());
    let mut out = Collect::default();
    out = exec(
        &mut engine,
        WebRequest {
            params: params(&[
                ("REQUEST_METHOD", "GET".into()),
                (
                    "SCRIPT_FILENAME",
                    format!("proxy:fcgi://127.0.0.1:9000{}/sp%20ace.php/a%20b", tmp.s()),
                ),
                ("SCRIPT_NAME", "/sp ace.php/a b".into()),
                ("DOCUMENT_ROOT", tmp.s()),
            ]),
            body: Box::new(io::empty()),
        },
        out,
    );
    assert_eq!(
        show(&out.body),
        format!("{}/sp ace.php|/a b|/sp ace.php", tmp.s())
    );
}

#[test]
fn body_without_content_length_reaches_php_input() {
    // php-fpm reads only CONTENT_LENGTH bytes (none here: a large chunked upload through
    // Apache); rhvm reads the body to its end.
    let dir = fixture_dir().join("docroot");
    let mut engine = WebEngine::new(WebSettings::default());
    let mut out = Collect::default();
    out = exec(
        &mut engine,
        WebRequest {
            params: params(&[
                ("REQUEST_METHOD", "POST".into()),
                ("SCRIPT_FILENAME", format!("{}/post.php", dir.display())),
                ("DOCUMENT_ROOT", dir.display().to_string()),
                ("CONTENT_TYPE", "application/octet-stream".into()),
                ("HTTP_TRANSFER_ENCODING", "chunked".into()),
            ]),
            body: Box::new(io::Cursor::new(b"raw body without length".to_vec())),
        },
        out,
    );
    let body = show(&out.body);
    assert!(body.contains("\"input_len\":23"), "{body}");
}

#[test]
fn big_output_is_streamed_in_chunks() {
    let dir = fixture_dir().join("docroot");
    let dir_s = dir.display().to_string();
    let mut engine = WebEngine::new(WebSettings::default());
    let out = get(&mut engine, &format!("{dir_s}/big.php"), &dir_s);
    assert_eq!(out.body.len(), 1 << 20);
    assert!(out.body_calls >= 8, "{} body calls", out.body_calls);
    assert_eq!(out.calls.first(), Some(&"head"));
    assert_eq!(out.calls.last(), Some(&"finish"));
    assert_eq!(out.calls.iter().filter(|c| **c == "head").count(), 1);
}

#[test]
fn flush_pushes_output_out() {
    let tmp = TempDir::new("flush");
    let script = tmp.path().join("f.php");
    std::fs::write(
        &script,
        "<?php echo 'a'; flush(); echo 'b'; flush(); echo 'c';",
    )
    .expect("write");
    let mut engine = WebEngine::new(WebSettings::default());
    let out = get(&mut engine, &script.display().to_string(), &tmp.s());
    assert_eq!(out.body, b"abc");
    assert_eq!(out.body_calls, 3);
}

#[test]
fn requests_are_isolated_and_edits_take_effect() {
    let tmp = TempDir::new("cache");
    let script = tmp.path().join("s.php");
    let script_s = script.display().to_string();
    std::fs::write(
        &script,
        "<?php function f() { return 1; } class C { static $n = 0; } C::$n++; $GLOBALS['g'] = ($GLOBALS['g'] ?? 0) + 1; echo f(), C::$n, $g, ini_get('precision'); ini_set('precision', '5');",
    )
    .expect("write");
    let mut engine = WebEngine::new(WebSettings::default());
    assert_eq!(get(&mut engine, &script_s, &tmp.s()).body, b"11114");
    assert_eq!(get(&mut engine, &script_s, &tmp.s()).body, b"11114");
    // Same size, new contents: the stat stamp (mtime/ctime/inode) changes.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(
        &script,
        "<?php function f() { return 2; } class C { static $n = 0; } C::$n++; $GLOBALS['g'] = ($GLOBALS['g'] ?? 0) + 1; echo f(), C::$n, $g, ini_get('precision'); ini_set('precision', '5');",
    )
    .expect("write");
    assert_eq!(get(&mut engine, &script_s, &tmp.s()).body, b"21114");
}

/// A writer whose client went away.
struct Gone(Collect);

impl ResponseWriter for Gone {
    fn head(&mut self, status: u16, reason: &[u8], headers: &[Vec<u8>]) -> io::Result<()> {
        self.0.head(status, reason, headers)
    }
    fn body(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.body(bytes)
    }
    fn finish(&mut self) -> io::Result<()> {
        self.0.finish()
    }
    fn aborted(&self) -> bool {
        true
    }
    fn error_log(&mut self, line: &[u8]) {
        self.0.error_log(line)
    }
}

#[test]
fn connection_state_is_asked_of_the_writer() {
    let tmp = TempDir::new("abort");
    let script = tmp.path().join("a.php");
    std::fs::write(
        &script,
        "<?php echo connection_aborted(), connection_status(), ignore_user_abort(true), ignore_user_abort();",
    )
    .expect("write");
    let mut engine = WebEngine::new(WebSettings::default());
    let mut out = Gone(Collect::default());
    out = exec(
        &mut engine,
        WebRequest {
            params: params(&[
                ("REQUEST_METHOD", "GET".into()),
                ("SCRIPT_FILENAME", script.display().to_string()),
            ]),
            body: Box::new(io::empty()),
        },
        out,
    );
    assert_eq!(out.0.body, b"1101");
    let normal = get(&mut engine, &script.display().to_string(), &tmp.s());
    assert_eq!(normal.body, b"0001");
}

#[test]
fn uploads_are_removed_at_request_end() {
    let tmp = TempDir::new("upl");
    let uploads = tmp.path().join("uploads");
    std::fs::create_dir_all(&uploads).expect("mkdir");
    let script = tmp.path().join("u.php");
    std::fs::write(&script, "<?php echo $_FILES['f']['error'], ' ', dirname($_FILES['f']['tmp_name']) === ini_get('upload_tmp_dir') || dirname($_FILES['f']['tmp_name']) !== '' ? 'stored' : 'lost';").expect("write");
    let body = b"--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nabc\r\n--B--\r\n".to_vec();
    let mut engine = WebEngine::new(WebSettings {
        upload_tmp_dir: Some(uploads.clone()),
        ..WebSettings::default()
    });
    let mut out = Collect::default();
    out = exec(
        &mut engine,
        WebRequest {
            params: params(&[
                ("REQUEST_METHOD", "POST".into()),
                ("SCRIPT_FILENAME", script.display().to_string()),
                ("CONTENT_TYPE", "multipart/form-data; boundary=B".into()),
                ("CONTENT_LENGTH", body.len().to_string()),
            ]),
            body: Box::new(io::Cursor::new(body)),
        },
        out,
    );
    assert_eq!(show(&out.body), "0 stored");
    let left: Vec<_> = std::fs::read_dir(&uploads).expect("read dir").collect();
    assert!(left.is_empty(), "upload temp files left behind: {left:?}");
}

#[test]
fn no_state_leaks_between_requests_on_one_engine() {
    // Two requests on the same engine (so the same thread): everything the first one
    // changes must be gone for the second, whatever the engine reuses between them.
    let tmp = TempDir::new("leak");
    let first = tmp.path().join("first.php");
    std::fs::write(
        &first,
        r#"<?php
$GLOBALS['leak'] = 1;
function declared_by_first() {}
class DeclaredByFirst {}
define('LEAK_CONST', 1);
ini_set('precision', '5');
ini_set('default_charset', 'ISO-8859-1');
header('X-Leak: 1');
http_response_code(201);
set_error_handler(function () { echo 'handler'; return true; });
set_exception_handler(function () { echo 'exception handler'; });
register_shutdown_function(function () { echo 'shutdown'; });
function counter() { static $n = 0; return ++$n; }
echo counter(), counter(), ' ', ini_get('precision'), ' ';
ob_start();
echo 'buffered';
"#,
    )
    .expect("write");
    let second = tmp.path().join("second.php");
    std::fs::write(
        &second,
        r#"<?php
echo isset($GLOBALS['leak']) ? 'global ' : '',
    function_exists('declared_by_first') ? 'function ' : '',
    class_exists('DeclaredByFirst', false) ? 'class ' : '',
    defined('LEAK_CONST') ? 'const ' : '',
    in_array('X-Leak: 1', headers_list()) ? 'header ' : '',
    ini_get('precision'), ' ', ini_get('default_charset'), ' ',
    ob_get_level(), ' ', http_response_code(), "\n";
trigger_error('plain notice', E_USER_NOTICE);
"#,
    )
    .expect("write");
    let (first_s, second_s) = (first.display().to_string(), second.display().to_string());
    let mut engine = WebEngine::new(WebSettings {
        ini: vec![(b"display_errors".to_vec(), b"0".to_vec())],
        ..WebSettings::default()
    });
    for round in 0..2 {
        let one = get(&mut engine, &first_s, &tmp.s());
        assert_eq!(show(&one.body), "12 5 bufferedshutdown", "round {round}");
        let (status, _, headers) = one.head.clone().expect("head");
        assert_eq!(status, 201);
        assert!(headers.contains(&b"X-Leak: 1".to_vec()), "{headers:?}");
        let two = get(&mut engine, &second_s, &tmp.s());
        assert_eq!(show(&two.body), "14 UTF-8 0 200\n", "round {round}");
        let (status, _, headers) = two.head.clone().expect("head");
        assert_eq!(status, 200);
        assert!(!headers.contains(&b"X-Leak: 1".to_vec()), "{headers:?}");
        // The notice went to the default handler (the log), not the first request's.
        assert!(
            two.log.iter().any(|l| show(l).contains("plain notice")),
            "{:?}",
            two.log
        );
    }
}
