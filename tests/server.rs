//! End-to-end tests of `rhvm serve` over raw FastCGI on an ephemeral loopback port: the
//! request shapes Apache and nginx send, the connection rules (KEEP_CONN, GET_VALUES, no
//! multiplexing, aborts, garbage, oversized params), streaming of large responses, error
//! statuses, the development HTTP listener and graceful stop. The FastCGI client here is
//! written from the spec (not `rhvm::fcgi`), so the codec is checked against an independent
//! reading. Every server is killed by PID when its guard drops; every socket has timeouts.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::Serve;

const TIMEOUT: Duration = Duration::from_secs(20);

/// A running `rhvm serve` with its own docroot; killed (by PID) and cleaned up on drop.
struct Server {
    serve: Serve,
    port: u16,
    docroot: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.serve.child.kill();
        let _ = self.serve.child.wait();
        let _ = std::fs::remove_dir_all(&self.docroot);
    }
}

const SCRIPTS: &[(&str, &str)] = &[
    (
        "hello.php",
        "<?php header('X-Hello: yes'); echo 'Hello ', $_GET['name'] ?? 'world', \"\\n\";",
    ),
    (
        "echo.php",
        "<?php $in = file_get_contents('php://input'); echo strlen($in), ':', $_SERVER['REQUEST_METHOD'], ':', $in;",
    ),
    (
        "big.php",
        "<?php $line = str_repeat('x', 99) . \"\\n\"; for ($i = 0; $i < 10000; $i++) { echo $line; }",
    ),
    (
        "fatal.php",
        "<?php throw new RuntimeException('boom');",
    ),
    (
        "apc.php",
        "<?php $n = apcu_inc('hits', 1, $ok); echo apcu_enabled() ? 'on' : 'off', ' ', $n, ' ', php_sapi_name();",
    ),
    (
        "slow.php",
        "<?php if (isset($_GET['mark'])) { file_put_contents(__DIR__ . '/started', '1'); } $n = (int)($_GET['ms'] ?? 500); $end = microtime(true) + $n / 1000; while (microtime(true) < $end) { usleep(10000); } echo 'slept';",
    ),
];

/// A fresh document root holding `SCRIPTS`, `index.php` and `plain.txt`.
fn new_docroot() -> PathBuf {
    let docroot = std::env::temp_dir().join(format!(
        "rhvm-server-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&docroot).expect("create docroot");
    for (name, text) in SCRIPTS {
        std::fs::write(docroot.join(name), text).expect("write script");
    }
    std::fs::write(docroot.join("index.php"), "<?php echo 'dev ', $_SERVER['REQUEST_METHOD'], ' ', $_SERVER['SCRIPT_NAME'], ' ', $_GET['q'] ?? '';").expect("write");
    std::fs::write(docroot.join("plain.txt"), "static file\n").expect("write");
    docroot
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        Server::start_at(new_docroot(), extra)
    }

    /// Starts a server on `docroot`; `{docroot}` in an argument stands for it.
    fn start_at(docroot: PathBuf, extra: &[&str]) -> Server {
        let root = docroot.to_string_lossy().to_string();
        let mut args = Vec::new();
        if !extra.contains(&"--http") {
            args.extend(["-d".to_string(), "hhvm.server.port=0".into()]);
        }
        // `{docroot}` in an argument stands for this server's document root.
        args.extend(extra.iter().map(|a| a.replace("{docroot}", &root)));
        let serve = Serve::start(&args);
        let Some(port) = serve.port(&["fastcgi", "http"], TIMEOUT) else {
            panic!(
                "rhvm serve did not announce its port; stderr: {:?}",
                serve.log()
            )
        };
        Server {
            serve,
            port,
            docroot,
        }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        stream.set_write_timeout(Some(TIMEOUT)).expect("timeout");
        stream
    }

    /// The CGI params nginx would send for `uri` (path plus query).
    fn params(&self, method: &str, uri: &str, body_len: usize) -> Vec<(String, Vec<u8>)> {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let root = self.docroot.to_string_lossy().to_string();
        let mut params = vec![
            ("REQUEST_METHOD".to_string(), method.as_bytes().to_vec()),
            (
                "SCRIPT_FILENAME".into(),
                format!("{root}{path}").into_bytes(),
            ),
            ("SCRIPT_NAME".into(), path.as_bytes().to_vec()),
            ("REQUEST_URI".into(), uri.as_bytes().to_vec()),
            ("QUERY_STRING".into(), query.as_bytes().to_vec()),
            ("DOCUMENT_ROOT".into(), root.into_bytes()),
            ("SERVER_PROTOCOL".into(), b"HTTP/1.1".to_vec()),
            ("REMOTE_ADDR".into(), b"127.0.0.1".to_vec()),
            ("HTTP_HOST".into(), b"test.local".to_vec()),
        ];
        if body_len > 0 {
            params.push(("CONTENT_LENGTH".into(), body_len.to_string().into_bytes()));
            params.push(("CONTENT_TYPE".into(), b"application/octet-stream".to_vec()));
        }
        params
    }

    /// Waits until a stderr line contains `needle`.
    fn wait_for_log(&self, needle: &str) -> String {
        self.serve
            .wait_for(TIMEOUT, |l| l.contains(needle).then(|| l.to_string()))
            .unwrap_or_else(|| panic!("no log line with {needle:?}: {:?}", self.serve.log()))
    }
}

static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

// ---- a FastCGI client written from the spec ----

const BEGIN_REQUEST: u8 = 1;
const ABORT_REQUEST: u8 = 2;
const END_REQUEST: u8 = 3;
const PARAMS: u8 = 4;
const STDIN: u8 = 5;
const STDOUT: u8 = 6;
const STDERR: u8 = 7;
const GET_VALUES: u8 = 9;
const GET_VALUES_RESULT: u8 = 10;

fn record(ty: u8, id: u16, content: &[u8], out: &mut Vec<u8>) {
    let len = u16::try_from(content.len()).expect("record fits");
    let pad = (8 - content.len() % 8) % 8;
    out.extend_from_slice(&[
        1,
        ty,
        (id >> 8) as u8,
        id as u8,
        (len >> 8) as u8,
        len as u8,
        pad as u8,
        0,
    ]);
    out.extend_from_slice(content);
    out.extend(std::iter::repeat(0).take(pad));
}

fn stream_records(ty: u8, id: u16, data: &[u8], chunk: usize, out: &mut Vec<u8>) {
    for piece in data.chunks(chunk) {
        record(ty, id, piece, out);
    }
    record(ty, id, b"", out);
}

fn pair_len(n: usize, out: &mut Vec<u8>) {
    if n < 128 {
        out.push(n as u8);
    } else {
        out.extend_from_slice(&((n as u32) | 0x8000_0000).to_be_bytes());
    }
}

fn pairs(params: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in params {
        pair_len(k.len(), &mut out);
        pair_len(v.len(), &mut out);
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(v);
    }
    out
}

fn begin(id: u16, keep_conn: bool, out: &mut Vec<u8>) {
    record(
        BEGIN_REQUEST,
        id,
        &[0, 1, keep_conn as u8, 0, 0, 0, 0, 0],
        out,
    );
}

fn request(
    id: u16,
    keep_conn: bool,
    params: &[(String, Vec<u8>)],
    body: &[u8],
    stdin_chunk: usize,
) -> Vec<u8> {
    let mut out = Vec::new();
    begin(id, keep_conn, &mut out);
    stream_records(PARAMS, id, &pairs(params), 65535, &mut out);
    stream_records(STDIN, id, body, stdin_chunk, &mut out);
    out
}

/// One record, or `None` at a clean end of stream.
fn read_record(stream: &mut TcpStream) -> Option<(u8, u16, Vec<u8>)> {
    let mut header = [0u8; 8];
    let mut got = 0;
    while got < 8 {
        match stream.read(&mut header[got..]) {
            Ok(0) => {
                assert_eq!(got, 0, "the server closed inside a record header");
                return None;
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return None,
            Err(e) => panic!("reading a record: {e}"),
        }
    }
    assert_eq!(header[0], 1, "version");
    let id = u16::from_be_bytes([header[2], header[3]]);
    let len = u16::from_be_bytes([header[4], header[5]]) as usize;
    let mut content = vec![0u8; len + header[6] as usize];
    stream.read_exact(&mut content).expect("record content");
    content.truncate(len);
    Some((header[1], id, content))
}

#[derive(Debug, Default)]
struct Response {
    stdout: Vec<u8>,
    stdout_records: usize,
    stderr: Vec<u8>,
    /// The empty STDOUT record came, and before END_REQUEST.
    stdout_closed: bool,
    app_status: u32,
    protocol_status: u8,
}

impl Response {
    fn head(&self) -> String {
        let end = find(&self.stdout, b"\r\n\r\n").expect("a CGI head");
        String::from_utf8_lossy(&self.stdout[..end]).into_owned()
    }

    fn body(&self) -> &[u8] {
        let end = find(&self.stdout, b"\r\n\r\n").expect("a CGI head");
        &self.stdout[end + 4..]
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads records until END_REQUEST of `id`.
fn read_response(stream: &mut TcpStream, id: u16) -> Response {
    let mut response = Response::default();
    loop {
        let Some((ty, rid, content)) = read_record(stream) else {
            panic!("connection closed before END_REQUEST: {response:?}");
        };
        assert_eq!(rid, id, "record for another request");
        match ty {
            STDOUT if content.is_empty() => response.stdout_closed = true,
            STDOUT => {
                assert!(
                    !response.stdout_closed,
                    "STDOUT after the empty STDOUT record"
                );
                response.stdout_records += 1;
                response.stdout.extend_from_slice(&content);
            }
            STDERR => response.stderr.extend_from_slice(&content),
            END_REQUEST => {
                response.app_status =
                    u32::from_be_bytes([content[0], content[1], content[2], content[3]]);
                response.protocol_status = content[4];
                return response;
            }
            other => panic!("unexpected record type {other}"),
        }
    }
}

/// Asserts that the server closes the connection (EOF or reset), with no record first.
fn assert_closed(stream: &mut TcpStream) {
    assert!(
        read_record(stream).is_none(),
        "expected the server to close"
    );
}

fn get(server: &Server, uri: &str) -> Response {
    let mut stream = server.connect();
    stream
        .write_all(&request(1, false, &server.params("GET", uri, 0), b"", 8192))
        .expect("send");
    let response = read_response(&mut stream, 1);
    assert_closed(&mut stream);
    response
}

// ---- the tests ----

#[test]
fn get_and_post_and_keep_conn() {
    let server = Server::start(&[
        "-d",
        "hhvm.server.thread_count=2",
        "-d",
        "hhvm.log.access.file=/dev/stderr",
    ]);

    // GET, KEEP_CONN=0: head, body, empty STDOUT, END_REQUEST, then the server closes.
    let response = get(&server, "/hello.php?name=fcgi");
    assert!(
        response.head().starts_with("Status: 200 OK\r\n"),
        "{}",
        response.head()
    );
    assert!(
        response.head().contains("\r\nX-Hello: yes"),
        "{}",
        response.head()
    );
    assert_eq!(response.body(), b"Hello fcgi\n");
    assert!(response.stdout_closed);
    assert_eq!(response.protocol_status, 0);

    // POST with a 200 KB body in 1000-byte STDIN records (nginx pads, Apache uses 8 KiB).
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let mut stream = server.connect();
    stream
        .write_all(&request(
            1,
            false,
            &server.params("POST", "/echo.php", body.len()),
            &body,
            1000,
        ))
        .expect("send");
    let response = read_response(&mut stream, 1);
    let mut expected = format!("{}:POST:", body.len()).into_bytes();
    expected.extend_from_slice(&body);
    assert!(
        response.body() == expected.as_slice(),
        "echoed body differs"
    );
    assert_closed(&mut stream);

    // KEEP_CONN=1: three requests on one socket, which stays open.
    let mut stream = server.connect();
    for round in 0..3 {
        let uri = format!("/hello.php?name=r{round}");
        stream
            .write_all(&request(1, true, &server.params("GET", &uri, 0), b"", 8192))
            .expect("send");
        let response = read_response(&mut stream, 1);
        assert_eq!(response.body(), format!("Hello r{round}\n").as_bytes());
    }
    // An early reply: hello.php never reads its 300 KB body. The body is still drained
    // before END_REQUEST, so the next request on the same connection parses cleanly.
    let body = vec![b'z'; 300_000];
    stream
        .write_all(&request(
            1,
            true,
            &server.params("POST", "/hello.php", body.len()),
            &body,
            8192,
        ))
        .expect("send");
    assert_eq!(read_response(&mut stream, 1).body(), b"Hello world\n");
    stream
        .write_all(&request(
            1,
            true,
            &server.params("GET", "/hello.php?name=after", 0),
            b"",
            8192,
        ))
        .expect("send");
    assert_eq!(read_response(&mut stream, 1).body(), b"Hello after\n");
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let mut byte = [0u8; 1];
    match stream.read(&mut byte) {
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) => {}
        other => panic!("a KEEP_CONN=1 connection must stay open and quiet, got {other:?}"),
    }

    // The access log has a line per request.
    let line = server.wait_for_log("\"GET /hello.php?name=r2 HTTP/1.1\" 200");
    assert!(line.contains("127.0.0.1 - - ["), "{line}");
}

#[test]
fn management_records_and_no_multiplexing() {
    let server = Server::start(&["-d", "hhvm.server.thread_count=1"]);
    let mut stream = server.connect();

    // GET_VALUES is answered on the management id.
    let mut out = Vec::new();
    record(
        GET_VALUES,
        0,
        &pairs(&[("FCGI_MPXS_CONNS".into(), Vec::new())]),
        &mut out,
    );
    stream.write_all(&out).expect("send");
    let (ty, id, content) = read_record(&mut stream).expect("GET_VALUES_RESULT");
    assert_eq!((ty, id), (GET_VALUES_RESULT, 0));
    assert_eq!(content, pairs(&[("FCGI_MPXS_CONNS".into(), b"0".to_vec())]));

    // A second BEGIN while request 1 runs: END_REQUEST(CANT_MPX_CONN) for id 2, and
    // request 1 still completes.
    let mut out = Vec::new();
    begin(1, true, &mut out);
    stream_records(
        PARAMS,
        1,
        &pairs(&server.params("GET", "/hello.php", 0)),
        65535,
        &mut out,
    );
    begin(2, true, &mut out);
    stream.write_all(&out).expect("send");
    let (ty, id, content) = read_record(&mut stream).expect("refusal");
    assert_eq!((ty, id, content[4]), (END_REQUEST, 2, 1), "CANT_MPX_CONN");
    let mut out = Vec::new();
    record(STDIN, 1, b"", &mut out);
    stream.write_all(&out).expect("send");
    assert_eq!(read_response(&mut stream, 1).body(), b"Hello world\n");

    // FCGI_ABORT_REQUEST ends a running request with END_REQUEST.
    let mut out = Vec::new();
    begin(1, true, &mut out);
    stream_records(
        PARAMS,
        1,
        &pairs(&server.params("GET", "/slow.php?ms=300", 0)),
        65535,
        &mut out,
    );
    record(ABORT_REQUEST, 1, b"", &mut out);
    stream.write_all(&out).expect("send");
    let response = read_response(&mut stream, 1);
    assert_eq!(response.protocol_status, 0);
    // The connection goes on.
    stream
        .write_all(&request(
            1,
            false,
            &server.params("GET", "/hello.php", 0),
            b"",
            8192,
        ))
        .expect("send");
    assert_eq!(read_response(&mut stream, 1).body(), b"Hello world\n");
}

#[test]
fn bad_peers_affect_only_their_connection() {
    // One executor thread: each check below also shows that it was freed.
    let server = Server::start(&["-d", "hhvm.server.thread_count=1"]);

    // A connection killed mid-request (params sent, body half sent): the script reading
    // the body sees its end, the thread is freed, the next request works.
    let mut stream = server.connect();
    let mut out = Vec::new();
    begin(1, false, &mut out);
    stream_records(
        PARAMS,
        1,
        &pairs(&server.params("POST", "/echo.php", 100_000)),
        65535,
        &mut out,
    );
    record(STDIN, 1, &[b'a'; 5000], &mut out);
    stream.write_all(&out).expect("send");
    drop(stream);
    assert_eq!(get(&server, "/hello.php").body(), b"Hello world\n");

    // Garbage: that connection is closed, the next one works.
    let mut stream = server.connect();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("send");
    assert_closed(&mut stream);
    assert_eq!(get(&server, "/hello.php").body(), b"Hello world\n");

    // A 10 MB params block is refused (the connection closes) without taking memory for
    // ever; the next request works.
    let mut stream = server.connect();
    let mut params = server.params("GET", "/hello.php", 0);
    params.push(("HTTP_X_HUGE".into(), vec![b'h'; 10 << 20]));
    let mut out = Vec::new();
    begin(1, false, &mut out);
    stream_records(PARAMS, 1, &pairs(&params), 65535, &mut out);
    // The server may close while we still write: a failed write is part of the expectation.
    let _ = stream.write_all(&out);
    let _ = stream.shutdown(Shutdown::Write);
    assert_closed(&mut stream);
    assert_eq!(get(&server, "/hello.php").body(), b"Hello world\n");
}

#[test]
fn large_responses_stream_and_fatal_errors_are_500() {
    let server = Server::start(&["-d", "display_errors=0"]);

    // 1 MB arrives in several STDOUT records (no record exceeds 65535 bytes anyway, but
    // the server must not hold the page back to one burst either).
    let response = get(&server, "/big.php");
    assert_eq!(response.body().len(), 1_000_000);
    assert!(response
        .body()
        .chunks(100)
        .all(|l| l == [&[b'x'; 99][..], b"\n"].concat()));
    assert!(
        response.stdout_records > 1,
        "{} records",
        response.stdout_records
    );

    // An uncaught exception: 500 (display_errors=0, as in production) and the message in
    // the error log.
    let response = get(&server, "/fatal.php");
    assert!(
        response
            .head()
            .starts_with("Status: 500 Internal Server Error"),
        "{}",
        response.head()
    );
    server.wait_for_log("Uncaught RuntimeException: boom");

    // A missing script is a 404.
    let response = get(&server, "/missing.php");
    assert!(
        response.head().starts_with("Status: 404"),
        "{}",
        response.head()
    );
}

#[test]
fn development_http_listener() {
    let server = Server::start(&["--http", "127.0.0.1:0", "--docroot", "{docroot}"]);
    let http = |path: &str| -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut text = String::new();
        stream.read_to_string(&mut text).expect("read");
        text
    };
    let page = http("/?q=1");
    assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
    assert!(page.contains("dev GET /index.php 1"), "{page}");
    let file = http("/plain.txt");
    assert!(
        file.contains("content-type: text/plain") && file.ends_with("static file\n"),
        "{file}"
    );
    assert!(http("/nope.txt").starts_with("HTTP/1.1 404"));
}

#[test]
fn sigterm_lets_running_requests_finish() {
    let mut server = Server::start(&["-d", "hhvm.server.graceful_shutdown_wait=10"]);
    let mut stream = server.connect();
    stream
        .write_all(&request(
            1,
            false,
            &server.params("GET", "/slow.php?ms=500&mark=1", 0),
            b"",
            8192,
        ))
        .expect("send");
    // Once the script runs (it leaves a mark), ask the server to stop.
    let deadline = Instant::now() + TIMEOUT;
    while !server.docroot.join("started").exists() {
        assert!(Instant::now() < deadline, "the script did not start");
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = Command::new("kill")
        .args(["-TERM", &server.serve.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let response = read_response(&mut stream, 1);
    assert_eq!(response.body(), b"slept");
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = server.serve.child.try_wait().expect("wait") {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Nothing listens any more.
    assert!(TcpStream::connect(("127.0.0.1", server.port)).is_err());
}

/// `GET path` on the admin endpoint; the status code and body.
fn admin_get(port: u16, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect admin");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("read");
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn apc_is_shared_by_requests_and_the_admin_endpoint_reports_it() {
    let mut server = Server::start(&[
        "-d",
        "hhvm.admin_server.port=0",
        "-d",
        "hhvm.admin_server.password=s3cret",
    ]);
    let admin = server
        .serve
        .port(&["admin"], TIMEOUT)
        .expect("no admin port announced");
    let first = get(&server, "/apc.php");
    let second = get(&server, "/apc.php");
    let (first, second) = (
        String::from_utf8_lossy(first.body()).into_owned(),
        String::from_utf8_lossy(second.body()).into_owned(),
    );
    assert_eq!(
        (first.as_str(), second.as_str()),
        ("on 1 fpm-fcgi", "on 2 fpm-fcgi")
    );

    let (status, health) = admin_get(admin, "/check-health");
    assert_eq!(status, 200, "{health}");
    for key in [
        "\"load\":",
        "\"queued\":",
        "\"units\":",
        "\"funcs\":",
        "\"threads\":",
        "\"uptime\":",
    ] {
        assert!(health.contains(key), "{key} in {health}");
    }
    assert_eq!(admin_get(admin, "/status.json").0, 401);
    assert_eq!(admin_get(admin, "/status.json?auth=wrong").0, 401);
    let (status, st) = admin_get(admin, "/status.json?auth=s3cret");
    assert_eq!(status, 200);
    assert!(
        st.contains("\"threads\":[") && st.contains("\"requests\":"),
        "{st}"
    );
    let (_, apc) = admin_get(admin, "/dump-apc-info?auth=s3cret");
    assert!(
        apc.contains("Entries count: 1\n") && apc.contains("Key size: 4\n"),
        "{apc}"
    );
    let (_, mem) = admin_get(admin, "/memory.json?auth=s3cret");
    assert!(mem.starts_with("{\"Memory\":{"), "{mem}");
    let (_, tc) = admin_get(admin, "/vm-tcspace?auth=s3cret");
    assert!(
        tc.lines()
            .all(|l| l.starts_with("mcg: ") && l.contains(" bytes (")),
        "{tc}"
    );
    assert_eq!(admin_get(admin, "/no-such-endpoint?auth=s3cret").0, 404);
    assert_eq!(admin_get(admin, "/no-such-endpoint").0, 401);

    // Every endpoint but /check-health wants the password.
    let (status, list) = admin_get(admin, "/?auth=s3cret");
    assert_eq!(status, 200);
    let listed: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for path in listed.iter().filter(|p| **p != "/check-health") {
        assert_eq!(admin_get(admin, path).0, 401, "{path} without the password");
    }
    for path in [
        "/check-health",
        "/status.json",
        "/memory.json",
        "/dump-apc-info",
        "/dump-apc",
        "/vm-tcspace",
        "/repo-stats",
        "/set-log-level",
        "/build-id",
        "/stop",
    ] {
        assert!(listed.contains(&path), "{path} listed in {list}");
    }
    let status = admin_json(admin, "/status.json?auth=s3cret");
    let lp = &status["status"]["light-processes"];
    for key in ["alive", "busy", "respawned", "calls", "waits", "wait_us"] {
        assert!(lp[key].is_u64(), "{key} in {status}");
    }
    let health = admin_json(admin, "/check-health");
    assert!(
        health
            .as_object()
            .is_some_and(|o| o.values().all(serde_json::Value::is_u64)),
        "{health}"
    );
    let repo = admin_json(admin, "/repo-stats?auth=s3cret");
    for key in [
        "hits",
        "misses",
        "stored",
        "stored_bytes",
        "loaded",
        "compiled",
    ] {
        assert!(repo[key].is_u64(), "{key} in {repo}");
    }
    assert!(repo["hit_rate"].is_number(), "{repo}");
    let (status, id) = admin_get(admin, "/build-id?auth=s3cret");
    assert_eq!((status, id.starts_with("rhvm-")), (200, true), "{id}");
    assert_eq!(
        admin_get(admin, "/set-log-level?level=warn&auth=s3cret").0,
        200
    );
    assert_eq!(
        admin_get(admin, "/set-log-level?level=loud&auth=s3cret").0,
        400
    );
    // /dump-apc writes a plain file name inside the dump directory, never a path.
    let name = format!("rhvm-dump-apc-{}.txt", std::process::id());
    let (status, said) = admin_get(admin, &format!("/dump-apc?file={name}&auth=s3cret"));
    assert_eq!(status, 200, "{said}");
    assert!(said.starts_with("dumped 1 entries to "), "{said}");
    let dump_path = std::env::temp_dir().join(&name);
    let dumped = std::fs::read_to_string(&dump_path).expect("dump file");
    let _ = std::fs::remove_file(&dump_path);
    assert!(dumped.starts_with("hits ttl=0 size="), "{dumped}");
    assert_eq!(admin_get(admin, "/dump-apc?file=../x&auth=s3cret").0, 400);

    // `rhvm admin` reads the port and password from the same settings.
    let cli = |password: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_rhvm"))
            .arg("admin")
            .args(args)
            .arg("-d")
            .arg(format!("hhvm.admin_server.port={admin}"))
            .arg("-d")
            .arg(format!("hhvm.admin_server.password={password}"))
            .output()
            .expect("rhvm admin")
    };
    let out = cli("s3cret", &["dump-apc-info"]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Entries count: 1\n"));
    assert!(!cli("wrong", &["dump-apc-info"]).status.success());
    let out = cli("s3cret", &["set-log-level", "--level=info"]);
    assert!(out.status.success(), "{out:?}");

    assert_eq!(admin_get(admin, "/stop?auth=s3cret").0, 200);
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Ok(Some(status)) = server.serve.child.try_wait() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `GET path` on the admin endpoint, parsed as JSON.
fn admin_json(port: u16, path: &str) -> serde_json::Value {
    let (status, body) = admin_get(port, path);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

#[test]
fn sixty_four_concurrent_requests_share_apc_and_compile_the_page_once() {
    let docroot = new_docroot();
    // A page big enough that its compile overlaps the other threads' lookups: each of the
    // 4 executor threads meets it cold, yet the translation cache compiles it once.
    let mut page = String::from(
        "<?php\nif (!apcu_exists('blob')) { apcu_add('blob', array_fill(0, 32, str_repeat('v', 24))); }\n\
         $blob = apcu_fetch('blob', $ok);\n\
         $n = apcu_inc('counter', 1, $inc_ok);\n\
         $won = apcu_add('winner', $n);\n\
         usleep(20000);\n\
         echo $ok && $inc_ok && count($blob) === 32 && $blob[31] === str_repeat('v', 24) ? 'ok' : 'bad', ' ', $n, $won ? ' won' : '';\n",
    );
    for i in 0..300 {
        page.push_str(&format!(
            "function f{i}($a) {{ $s = 0; foreach ($a as $k => $v) {{ $s += $k * $v; }} return $s; }}\n"
        ));
    }
    std::fs::write(docroot.join("load.php"), page).expect("write");
    std::fs::write(
        docroot.join("count.php"),
        "<?php echo apcu_fetch('counter');",
    )
    .expect("write");
    let repo = docroot.join("repo.sqlite").to_string_lossy().into_owned();
    let server = Server::start_at(
        docroot,
        &[
            "-d",
            "hhvm.server.thread_count=4",
            "-d",
            "hhvm.admin_server.port=0",
            "-d",
            &format!("hhvm.repo.central.path={repo}"),
        ],
    );
    let admin = server
        .serve
        .port(&["admin"], TIMEOUT)
        .expect("no admin port announced");
    let done = std::sync::atomic::AtomicBool::new(false);
    let (answers, health) = std::thread::scope(|s| {
        let monitor = s.spawn(|| {
            // (answers, answers that saw requests running or queued)
            let mut seen = (0, 0);
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let h = admin_json(admin, "/check-health");
                let busy =
                    h["load"].as_u64().expect("load") + h["queued"].as_u64().expect("queued");
                seen.0 += 1;
                seen.1 += usize::from(busy > 0);
            }
            seen
        });
        let clients: Vec<_> = (0..64)
            .map(|_| {
                s.spawn(|| String::from_utf8_lossy(get(&server, "/load.php").body()).into_owned())
            })
            .collect();
        let answers: Vec<String> = clients
            .into_iter()
            .map(|c| c.join().expect("client thread"))
            .collect();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        (answers, monitor.join().expect("monitor thread"))
    });
    let winners = answers.iter().filter(|a| a.ends_with(" won")).count();
    assert_eq!(winners, 1, "apcu_add races have one winner: {answers:?}");
    let mut counts: Vec<u64> = answers
        .iter()
        .map(|a| a.strip_suffix(" won").unwrap_or(a))
        .map(|a| {
            let n = a
                .strip_prefix("ok ")
                .unwrap_or_else(|| panic!("answer {a:?}"));
            n.parse().unwrap_or_else(|_| panic!("answer {a:?}"))
        })
        .collect();
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=64).collect::<Vec<u64>>(),
        "each increment seen once"
    );
    assert!(
        health.1 > 0,
        "/check-health answered {} times, never while requests ran",
        health.0
    );
    let stats = admin_json(admin, "/repo-stats");
    assert_eq!(stats["compiled"], 1, "{stats}");
    // The other three threads took the unit from the cache, then kept it.
    assert_eq!(stats["loaded"], 3, "{stats}");
    assert_eq!(get(&server, "/count.php").body(), b"64");
}

#[test]
fn repo_authoritative_serves_with_the_sources_deleted() {
    let docroot = new_docroot();
    std::fs::create_dir_all(docroot.join("lib")).expect("mkdir");
    std::fs::write(
        docroot.join("front.php"),
        "<?php require __DIR__ . '/lib/greet.php'; include 'lib/twice.php'; echo greet(twice('a')), ' ', basename(__FILE__), ' ', (int) file_exists(__FILE__);",
    )
    .expect("write");
    std::fs::write(
        docroot.join("lib/greet.php"),
        "<?php function greet($n) { return \"hello $n\"; }",
    )
    .expect("write");
    std::fs::write(
        docroot.join("lib/twice.php"),
        "<?php function twice($s) { return $s . $s; }",
    )
    .expect("write");
    let repo = std::env::temp_dir().join(format!(
        "rhvm-server-test-repo-{}-{}.sqlite",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let out = Command::new(env!("CARGO_BIN_EXE_rhvm"))
        .arg("compile")
        .arg("--repo")
        .arg(&repo)
        .arg(&docroot)
        .output()
        .expect("rhvm compile");
    assert!(out.status.success(), "{out:?}");
    // Every PHP source goes; a new file appears that the repo does not have.
    for f in ["front.php", "lib/greet.php", "lib/twice.php", "hello.php"] {
        std::fs::remove_file(docroot.join(f)).expect("remove source");
    }
    std::fs::write(docroot.join("late.php"), "<?php echo 'from disk';").expect("write");
    let repo_arg = format!("hhvm.repo.path={}", repo.display());
    let server = Server::start_at(
        docroot,
        &["-d", "hhvm.repo.authoritative=true", "-d", &repo_arg],
    );
    let response = get(&server, "/front.php");
    assert_eq!(response.body(), b"hello aa front.php 0");
    // Another page of the repo, compiled from the fixed scripts.
    assert_eq!(get(&server, "/hello.php?name=repo").body(), b"Hello repo\n");
    // Only the repo counts: a file on disk that it lacks is not served.
    assert!(get(&server, "/late.php").head().starts_with("Status: 404"));
    let _ = std::fs::remove_file(&repo);
}

/// The children of process `pid` (its main thread's, where the light processes are).
fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Whether `pid` is gone (or a zombie waiting for its new parent to reap it).
fn gone(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| {
        s.rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
    })
}

#[test]
fn shell_outs_through_five_light_processes_and_helpers_die_with_the_server() {
    let docroot = new_docroot();
    std::fs::write(
        docroot.join("shell.php"),
        "<?php echo trim(shell_exec('echo $$'));",
    )
    .expect("write");
    let mut server = Server::start_at(
        docroot,
        &[
            "-d",
            "hhvm.server.thread_count=20",
            "-d",
            "hhvm.server.light_process_count=5",
            "-d",
            "hhvm.admin_server.port=0",
        ],
    );
    let admin = server
        .serve
        .port(&["admin"], TIMEOUT)
        .expect("no admin port announced");
    let pid = server.serve.child.id();
    let helpers = children(pid);
    assert_eq!(helpers.len(), 5, "helpers {helpers:?}");
    // 200 concurrent shell-outs (20 clients x 10 requests) over 5 helpers: all answered.
    let answers: Vec<String> = std::thread::scope(|s| {
        let clients: Vec<_> = (0..20)
            .map(|_| {
                s.spawn(|| {
                    (0..10)
                        .map(|_| {
                            String::from_utf8_lossy(get(&server, "/shell.php").body()).into_owned()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        clients
            .into_iter()
            .flat_map(|c| c.join().expect("client thread"))
            .collect()
    });
    assert_eq!(answers.len(), 200);
    for a in &answers {
        assert!(
            !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()),
            "a shell's pid, got {a:?}"
        );
    }
    let status = admin_json(admin, "/status.json");
    let lp = &status["status"]["light-processes"];
    assert_eq!(lp["alive"], 5, "{status}");
    assert_eq!(lp["respawned"], 0, "{status}");
    assert!(lp["calls"].as_u64().is_some_and(|c| c >= 200), "{status}");
    assert_eq!(children(pid), helpers, "the same helpers served every call");

    // SIGKILL leaves the server no chance to clean up: the helpers' parent-death signal
    // takes them down.
    server.serve.child.kill().expect("kill the server");
    let _ = server.serve.child.wait();
    let deadline = Instant::now() + TIMEOUT;
    while !helpers.iter().all(|h| gone(*h)) {
        assert!(
            Instant::now() < deadline,
            "helpers {helpers:?} outlived the server"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let noise: Vec<String> = server
        .serve
        .log()
        .into_iter()
        .filter(|l| l.to_ascii_lowercase().contains("parent"))
        .collect();
    assert!(noise.is_empty(), "helpers printed {noise:?}");
}

#[test]
fn the_translation_cache_defaults_to_beside_the_file_socket() {
    let server = Server::start(&[
        "-d",
        "hhvm.server.file_socket={docroot}/rhvm.sock",
        "-d",
        "hhvm.admin_server.port=",
    ]);
    server
        .serve
        .wait_for(TIMEOUT, |l| l.contains("fastcgi unix:").then_some(()))
        .expect("unix socket announced");
    let response = get(&server, "/hello.php?name=sock");
    assert!(
        response.head().starts_with("Status: 200"),
        "{}",
        response.head()
    );
    assert!(server.docroot.join("rhvm.sock").exists());
    assert!(
        server.docroot.join("rhvm-repo.sqlite").exists(),
        "the repo lives beside the server's socket"
    );
}
