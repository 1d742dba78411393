//! `soak`: a bounded soak test of a running `rhvm serve` (issue 10), driven by
//! `scripts/soak.sh`. It writes its PHP pages into `--docroot`, then keeps `--connections`
//! FastCGI clients busy for `--duration` seconds (or `--requests` requests) with a mix of
//! normal pages, whose bodies are checked byte for byte, and faulty requests: endless
//! loops, memory bombs, unbounded recursion, fatal errors, uncaught exceptions, malformed
//! FastCGI records, oversized params and requests the client abandons midway. It samples
//! the server's RSS from /proc, and at the end checks that the server is alive, answers
//! the admin endpoint, and serves a final run of normal pages correctly.
//!
//! RSS is judged at quiet points: after the first minute (the first tenth of a shorter run),
//! every `--quiet-every` seconds after it (the trend) and at the end, the clients pause until the admin endpoint reports no request running
//! or queued, and the RSS is read then. Samples taken under traffic are printed too, but
//! they catch memory bombs in flight (up to `memory_limit` per thread) and say little
//! about growth.
//!
//! ```sh
//! cargo run --release --example soak -- --addr 127.0.0.1:9000 --docroot /abs/dir \
//!     --server-pid PID [--admin 127.0.0.1:9001] [--duration 600] [--connections 3]
//! ```
//!
//! Exit status 0 when no normal page failed, the server survived, and its quiet RSS at the
//! end is within 10% of its quiet RSS after the first minute. Needs `--admin` for the
//! quiet points.
//! Loopback only.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use rhvm::fcgi::{encode_record, encode_request, parse_cgi_response, ClientConn, RecordType};
use rhvm::fcgi::{ClientEvent, Response};

/// Command-line options.
#[derive(Parser, Debug)]
#[command(about = "soak test of rhvm serve over FastCGI (loopback only)")]
struct Args {
    /// The server's FastCGI address (loopback).
    #[arg(long)]
    addr: String,
    /// The admin endpoint (loopback), for `/check-health` at the end.
    #[arg(long)]
    admin: Option<String>,
    /// Directory the pages are written to (the server must be allowed to run them).
    #[arg(long)]
    docroot: PathBuf,
    /// The server's process id (RSS sampling, liveness).
    #[arg(long)]
    server_pid: u32,
    /// Seconds to run.
    #[arg(long, default_value_t = 60.0)]
    duration: f64,
    /// Stop after this many requests (whichever comes first).
    #[arg(long)]
    requests: Option<u64>,
    /// Concurrent clients.
    #[arg(long, default_value_t = 3)]
    connections: usize,
    /// Seconds between RSS samples.
    #[arg(long, default_value_t = 10.0)]
    sample: f64,
    /// Seconds between quiet points after the first (the trend of the quiet RSS).
    #[arg(long, default_value_t = 120.0)]
    quiet_every: f64,
    /// Seed of the request mix.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// The pages, by file name.
const PAGES: &[(&str, &str)] = &[
    ("hello.php", "<?php echo \"hello from rhvm\\n\";"),
    (
        "page.php",
        "<?php $n = (int)($_GET['n'] ?? 0); $a = [];\n\
         for ($i = 0; $i < 200; $i++) { $a[\"k$i\"] = $i * $n; }\n\
         $s = str_repeat('ab', $n % 1000);\n\
         echo 'page ', $n, ' ', array_sum($a), ' ', strlen($s), ' ', count(explode('b', $s)), \"\\n\";",
    ),
    ("spin.php", "<?php while (true) {}"),
    ("bomb.php", "<?php $s = str_repeat('x', 10 << 30); echo strlen($s);"),
    (
        "grow.php",
        "<?php $a = []; while (true) { $a[] = str_repeat('x', 1 << 20); }",
    ),
    (
        "recurse.php",
        "<?php function f($n) { return f($n + 1) + 1; } f(0);",
    ),
    ("fatal.php", "<?php undefined_function_for_soak();"),
    ("exception.php", "<?php throw new RuntimeException('soak');"),
];

/// What the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Hello,
    Page,
    Spin,
    Bomb,
    Grow,
    Recurse,
    Fatal,
    Exception,
    Garbage,
    BadVersion,
    HugeParams,
    Abandoned,
}

impl Kind {
    /// The mix: (kind, weight).
    const MIX: &'static [(Kind, u32)] = &[
        (Kind::Hello, 25),
        (Kind::Page, 40),
        (Kind::Spin, 2),
        (Kind::Bomb, 4),
        (Kind::Grow, 2),
        (Kind::Recurse, 3),
        (Kind::Fatal, 5),
        (Kind::Exception, 5),
        (Kind::Garbage, 4),
        (Kind::BadVersion, 3),
        (Kind::HugeParams, 3),
        (Kind::Abandoned, 4),
    ];

    fn normal(self) -> bool {
        matches!(self, Kind::Hello | Kind::Page)
    }

    fn script(self) -> Option<&'static str> {
        Some(match self {
            Kind::Hello => "hello.php",
            Kind::Page => "page.php",
            Kind::Spin => "spin.php",
            Kind::Bomb => "bomb.php",
            Kind::Grow => "grow.php",
            Kind::Recurse => "recurse.php",
            Kind::Fatal => "fatal.php",
            Kind::Exception => "exception.php",
            Kind::Abandoned => "spin.php",
            _ => return None,
        })
    }
}

/// The body `page.php?n=N` must answer.
fn expected_page(n: u64) -> String {
    let len = 2 * (n % 1000);
    let parts = if len == 0 { 1 } else { n % 1000 + 1 };
    format!("page {n} {} {len} {parts}\n", n * 19900)
}

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn kind(&mut self) -> Kind {
        let total: u32 = Kind::MIX.iter().map(|(_, w)| w).sum();
        let mut pick = (self.next() % u64::from(total)) as u32;
        for (kind, weight) in Kind::MIX {
            if pick < *weight {
                return *kind;
            }
            pick -= weight;
        }
        Kind::Hello
    }
}

/// Counts per kind: (as expected, unexpected), and the first unexpected answers.
#[derive(Default)]
struct Tally {
    by_kind: BTreeMap<Kind, (u64, u64)>,
    samples: Vec<String>,
    total: u64,
}

impl Tally {
    fn add(&mut self, kind: Kind, ok: Result<(), String>) {
        self.total += 1;
        let entry = self.by_kind.entry(kind).or_default();
        match ok {
            Ok(()) => entry.0 += 1,
            Err(why) => {
                entry.1 += 1;
                if self.samples.len() < 20 {
                    self.samples.push(format!("{kind:?}: {why}"));
                }
            }
        }
    }
}

/// CGI params of `GET /script?query` as nginx sends them.
fn request(docroot: &std::path::Path, script: &str, query: &str, keep: bool) -> Vec<u8> {
    let file = docroot.join(script);
    let file = file.as_os_str().as_encoded_bytes();
    let uri = format!("/{script}");
    let request_uri = format!("/{script}?{query}");
    let root = docroot.as_os_str().as_encoded_bytes();
    let params: Vec<(&[u8], &[u8])> = vec![
        (b"QUERY_STRING", query.as_bytes()),
        (b"REQUEST_METHOD", b"GET"),
        (b"SCRIPT_NAME", uri.as_bytes()),
        (b"REQUEST_URI", request_uri.as_bytes()),
        (b"DOCUMENT_URI", uri.as_bytes()),
        (b"DOCUMENT_ROOT", root),
        (b"SERVER_PROTOCOL", b"HTTP/1.1"),
        (b"GATEWAY_INTERFACE", b"CGI/1.1"),
        (b"REMOTE_ADDR", b"127.0.0.1"),
        (b"SERVER_NAME", b"localhost"),
        (b"SCRIPT_FILENAME", file),
        (b"HTTP_HOST", b"localhost"),
    ];
    let mut wire = Vec::new();
    encode_request(1, keep, &params, b"", &mut wire);
    wire
}

/// Sends `wire` and reads one whole response.
fn exchange(stream: &mut TcpStream, wire: &[u8]) -> Result<Response, String> {
    stream.write_all(wire).map_err(|e| format!("write: {e}"))?;
    let mut conn = ClientConn::new();
    let mut response = Response::default();
    let mut events = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = stream.read(&mut buf).map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("connection closed mid-response".into());
        }
        conn.feed(&buf[..n], &mut events)
            .map_err(|e| format!("protocol: {e}"))?;
        let mut done = false;
        for event in events.drain(..) {
            if matches!(event, ClientEvent::End { .. }) || !done {
                done = response.add(1, event);
            }
        }
        if done {
            return Ok(response);
        }
    }
}

/// Whether the server closes the connection after `wire` (within the read timeout).
fn expect_close(stream: &mut TcpStream, wire: &[u8]) -> Result<(), String> {
    let _ = stream.write_all(wire);
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => continue, // an END_REQUEST or UNKNOWN_TYPE reply may come first
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok(()),
            Err(e) => return Err(format!("connection not closed: {e}")),
        }
    }
}

struct Client {
    addr: SocketAddr,
    docroot: PathBuf,
    stream: Option<TcpStream>,
}

impl Client {
    fn connect(&self) -> Result<TcpStream, String> {
        let stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(10))
            .map_err(|e| format!("connect: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| e.to_string())?;
        Ok(stream)
    }

    /// One well-formed request on the kept connection; the status and body.
    fn get(&mut self, script: &str, query: &str) -> Result<(u16, Vec<u8>), String> {
        let mut stream = match self.stream.take() {
            Some(s) => s,
            None => self.connect()?,
        };
        let response = exchange(&mut stream, &request(&self.docroot, script, query, true))?;
        self.stream = Some(stream);
        let cgi = parse_cgi_response(&response.stdout).ok_or("malformed CGI response")?;
        Ok((cgi.status, cgi.body.to_vec()))
    }

    fn run(&mut self, kind: Kind, n: u64) -> Result<(), String> {
        match kind {
            Kind::Hello => {
                let (status, body) = self.get("hello.php", "")?;
                if status != 200 || body != b"hello from rhvm\n" {
                    return Err(format!("{status} {:?}", String::from_utf8_lossy(&body)));
                }
                Ok(())
            }
            Kind::Page => {
                let (status, body) = self.get("page.php", &format!("n={n}"))?;
                if status != 200 || body != expected_page(n).as_bytes() {
                    return Err(format!("{status} {:?}", String::from_utf8_lossy(&body)));
                }
                Ok(())
            }
            Kind::Spin
            | Kind::Bomb
            | Kind::Grow
            | Kind::Recurse
            | Kind::Fatal
            | Kind::Exception => {
                let script = kind.script().unwrap_or("hello.php");
                let (status, _) = self.get(script, "")?;
                if status != 500 {
                    return Err(format!("status {status}"));
                }
                Ok(())
            }
            Kind::Garbage => {
                let mut stream = self.connect()?;
                let junk: Vec<u8> = (0..64).map(|i| (n.wrapping_mul(31) + i) as u8).collect();
                let mut wire = b"GET / HTTP/1.1\r\n".to_vec();
                wire.extend_from_slice(&junk);
                expect_close(&mut stream, &wire)
            }
            Kind::BadVersion => {
                let mut stream = self.connect()?;
                let mut wire = request(&self.docroot, "hello.php", "", true);
                wire[0] = 7;
                expect_close(&mut stream, &wire)
            }
            Kind::HugeParams => {
                let mut stream = self.connect()?;
                let mut wire = Vec::new();
                rhvm::fcgi::encode_begin_request(1, true, &mut wire);
                let big = vec![b'x'; 60_000];
                let mut pairs = Vec::new();
                rhvm::fcgi::encode_pairs(&[(b"HTTP_X_BIG".as_slice(), big.as_slice())], &mut pairs);
                // Twenty records of 60 kB: over the server's 1 MiB params limit.
                for _ in 0..20 {
                    encode_record(RecordType::Params, 1, &pairs, 0, &mut wire);
                }
                expect_close(&mut stream, &wire)
            }
            Kind::Abandoned => {
                // Start an endless script and hang up: the server must free the thread when
                // its time limit ends it.
                let mut stream = self.connect()?;
                let wire = request(&self.docroot, "spin.php", "", false);
                stream.write_all(&wire).map_err(|e| format!("write: {e}"))?;
                drop(stream);
                Ok(())
            }
        }
    }
}

/// Lets the main thread stop the clients between requests (for a quiet RSS sample).
#[derive(Default)]
struct Traffic {
    paused: Mutex<bool>,
    wake: std::sync::Condvar,
    /// Clients waiting in `wait_while_paused`.
    waiting: AtomicUsize,
    /// Clients that ended.
    finished: AtomicUsize,
}

impl Traffic {
    /// A client's check between requests: blocks while paused.
    fn wait_while_paused(&self) {
        let Ok(mut paused) = self.paused.lock() else {
            return;
        };
        if *paused {
            self.waiting.fetch_add(1, Ordering::SeqCst);
            while *paused {
                paused = match self.wake.wait(paused) {
                    Ok(p) => p,
                    Err(_) => return,
                };
            }
            self.waiting.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Pauses the clients and returns once each of them waits or has ended.
    fn pause(&self, clients: usize) {
        if let Ok(mut p) = self.paused.lock() {
            *p = true;
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.waiting.load(Ordering::SeqCst) + self.finished.load(Ordering::SeqCst) < clients
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn resume(&self) {
        if let Ok(mut p) = self.paused.lock() {
            *p = false;
        }
        self.wake.notify_all();
    }
}

/// The server's RSS once the admin endpoint reports nothing running or queued (requests the
/// clients abandoned run on to their time limit) and the RSS has settled: executor threads
/// hand freed memory back to the OS after a second without work (a thread first keeps an
/// idle keep-alive connection for up to two), so it is read until it has not fallen for
/// four seconds (at most 20). `None` without `--admin`, or when the server
/// never went quiet.
fn quiet_rss(args: &Args) -> Option<u64> {
    let admin = args.admin.as_ref()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let health = admin_get(admin, "/check-health").ok()?;
        let v: serde_json::Value = serde_json::from_str(&health).ok()?;
        let busy = v["load"].as_u64().unwrap_or(1) + v["queued"].as_u64().unwrap_or(1);
        if busy == 0 {
            break;
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let settle_deadline = Instant::now() + Duration::from_secs(20);
    let mut low = rss_kb(args.server_pid)?;
    let mut low_since = Instant::now();
    while low_since.elapsed() < Duration::from_secs(4) && Instant::now() < settle_deadline {
        std::thread::sleep(Duration::from_millis(250));
        let now = rss_kb(args.server_pid)?;
        if now < low {
            low = now;
            low_since = Instant::now();
        }
    }
    Some(low)
}

/// VmRSS of `pid` in kB.
fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

/// `GET path` on the admin endpoint; the body.
fn admin_get(addr: &str, path: &str) -> Result<String, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut text = String::new();
    stream
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    match text.split_once("\r\n\r\n") {
        Some((head, body)) if head.starts_with("HTTP/1.1 200") => Ok(body.trim().to_string()),
        _ => Err(format!("unexpected answer: {text:?}")),
    }
}

fn loopback(addr: &str) -> Result<SocketAddr, String> {
    let resolved = addr
        .to_socket_addrs()
        .map_err(|e| format!("{addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("{addr}: no address"))?;
    if !resolved.ip().is_loopback() {
        return Err(format!("{addr}: only loopback addresses are allowed"));
    }
    Ok(resolved)
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("soak: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<bool, String> {
    let addr = loopback(&args.addr)?;
    if let Some(admin) = &args.admin {
        loopback(admin)?;
    }
    for (name, text) in PAGES {
        std::fs::write(args.docroot.join(name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    let docroot = std::fs::canonicalize(&args.docroot).map_err(|e| e.to_string())?;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let start = Instant::now();
    let duration = Duration::from_secs_f64(args.duration);
    let limit = args.requests.unwrap_or(u64::MAX);
    let mut rss: Vec<(f64, u64)> = Vec::new();
    if let Some(r) = rss_kb(args.server_pid) {
        rss.push((0.0, r));
    }
    let traffic = Arc::new(Traffic::default());
    let workers: Vec<_> = (0..args.connections.max(1))
        .map(|i| {
            let tally = tally.clone();
            let traffic = traffic.clone();
            let docroot = docroot.clone();
            let seed = args.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i as u64 + 1);
            std::thread::spawn(move || {
                let mut client = Client {
                    addr,
                    docroot,
                    stream: None,
                };
                let mut rng = Rng(seed | 1);
                while start.elapsed() < duration {
                    traffic.wait_while_paused();
                    if tally.lock().map(|t| t.total >= limit).unwrap_or(true) {
                        break;
                    }
                    let kind = rng.kind();
                    let n = rng.next() % 5000;
                    let result = client.run(kind, n);
                    if result.is_err() {
                        client.stream = None;
                    }
                    if let Ok(mut t) = tally.lock() {
                        t.add(kind, result);
                    }
                }
                traffic.finished.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    let sample = Duration::from_secs_f64(args.sample.max(0.5));
    let mut next = sample;
    let first_quiet_at = if args.duration >= 600.0 {
        60.0
    } else {
        args.duration * 0.1
    };
    let mut quiet: Vec<(f64, Option<u64>)> = Vec::new();
    let mut next_quiet = first_quiet_at;
    while workers.iter().any(|w| !w.is_finished()) {
        std::thread::sleep(Duration::from_millis(200));
        let now = start.elapsed().as_secs_f64();
        if now >= next_quiet && now < args.duration - 5.0 {
            next_quiet += args.quiet_every.max(1.0);
            traffic.pause(workers.len());
            quiet.push((start.elapsed().as_secs_f64(), quiet_rss(args)));
            traffic.resume();
        }
        if start.elapsed() >= next {
            next += sample;
            if let Some(r) = rss_kb(args.server_pid) {
                rss.push((start.elapsed().as_secs_f64(), r));
            }
        }
    }
    for w in workers {
        let _ = w.join();
    }
    let elapsed = start.elapsed().as_secs_f64();
    quiet.push((start.elapsed().as_secs_f64(), quiet_rss(args)));
    if let Some(r) = rss_kb(args.server_pid) {
        rss.push((start.elapsed().as_secs_f64(), r));
    }
    // The final check: the server is alive and every normal page is right.
    let mut final_failures = Vec::new();
    let mut client = Client {
        addr,
        docroot: docroot.clone(),
        stream: None,
    };
    for n in 0..200 {
        let kind = if n % 2 == 0 { Kind::Hello } else { Kind::Page };
        if let Err(e) = client.run(kind, n) {
            final_failures.push(format!("{kind:?} {n}: {e}"));
        }
    }
    let is_alive = alive(args.server_pid);
    let health = args.admin.as_ref().map(|a| admin_get(a, "/check-health"));

    let t = tally.lock().map_err(|_| "tally lock")?;
    println!("== soak: {elapsed:.0} s, {} connections", args.connections);
    println!("requests: {} ({:.1}/s)", t.total, t.total as f64 / elapsed);
    println!("{:<12} {:>9} {:>11}", "kind", "expected", "unexpected");
    let mut normal_failed = 0;
    let mut faults = 0;
    for (kind, (ok, bad)) in &t.by_kind {
        println!("{:<12} {ok:>9} {bad:>11}", format!("{kind:?}"));
        if kind.normal() {
            normal_failed += bad;
        } else {
            faults += ok + bad;
        }
    }
    println!("faulty requests sent: {faults}");
    for s in &t.samples {
        println!("  unexpected: {s}");
    }
    let at = |frac: f64| -> Option<u64> {
        let target = elapsed * frac;
        rss.iter()
            .min_by(|a, b| (a.0 - target).abs().total_cmp(&(b.0 - target).abs()))
            .map(|s| s.1)
    };
    let fmt = |v: Option<u64>| v.map_or("?".to_string(), |k| format!("{} MB", k / 1024));
    println!(
        "server RSS under traffic: start {}, middle {}",
        fmt(at(0.0)),
        fmt(at(0.5)),
    );
    let first = quiet.first().and_then(|q| q.1);
    let end = quiet.last().and_then(|q| q.1);
    println!(
        "server RSS at quiet points: {}",
        quiet
            .iter()
            .map(|(t, r)| format!("{t:.0} s: {}", fmt(*r)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rss_ok = match (first, end) {
        (Some(a), Some(b)) if quiet.len() >= 2 => (b as f64) <= a as f64 * 1.10,
        _ => false,
    };
    println!(
        "RSS samples (s:MB): {}",
        rss.iter()
            .map(|(s, k)| format!("{s:.0}:{}", k / 1024))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("normal pages failed during the run: {normal_failed}");
    println!(
        "final check: server alive {is_alive}, {} of 200 normal pages failed",
        final_failures.len()
    );
    for f in final_failures.iter().take(5) {
        println!("  {f}");
    }
    match &health {
        Some(Ok(body)) => println!("check-health: {body}"),
        Some(Err(e)) => println!("check-health failed: {e}"),
        None => {}
    }
    let pass = normal_failed == 0
        && final_failures.is_empty()
        && is_alive
        && rss_ok
        && !matches!(health, Some(Err(_)));
    println!(
        "RESULT {} requests={} normal_failed={normal_failed} final_failed={} quiet_rss_end_within_10pct={rss_ok}",
        if pass { "PASS" } else { "FAIL" },
        t.total,
        final_failures.len()
    );
    Ok(pass)
}
