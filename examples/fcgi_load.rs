//! `fcgi_load`: a FastCGI load generator for benchmarking a backend directly (rhvm serve,
//! php-fpm), without a web server in front.
//!
//! N keep-alive connections (KEEP_CONN=1), each on its own thread with a blocking socket,
//! send the same GET request for one script, nginx-style params, one request at a time per
//! connection. Only loopback addresses (or a unix socket) are accepted: this is a
//! benchmark tool, not something to point at other people's servers.
//!
//! ```sh
//! cargo run --release --example fcgi_load -- --addr 127.0.0.1:9000 \
//!     --script /abs/path/hello.php [--uri /hello.php] [--connections 8] [--duration 10] \
//!     [--requests N] [--warmup 1] [--server-pid PID[,PID...]] [--unix PATH]
//! ```
//!
//! It prints requests, errors (a non-200 `Status:`, a malformed response, or a connection
//! failure), requests/s, latency percentiles and bytes per response, then one
//! `RESULT key=value ...` line for scripts. With `--server-pid`, the server's CPU time
//! (utime+stime from /proc, all threads, plus every descendant process such as php-fpm
//! workers) is sampled before and after the measured window and divided by requests.
//!
//! The FastCGI encoding and decoding is `rhvm::fcgi`, the codec the server uses.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use rhvm::fcgi::{encode_request, parse_cgi_response, ClientConn, ClientEvent, Response};

/// Command-line options.
#[derive(Parser, Debug)]
#[command(about = "FastCGI load generator (loopback only)")]
struct Args {
    /// Backend TCP address; must be a loopback address.
    #[arg(long, default_value = "127.0.0.1:9000")]
    addr: String,
    /// Connect to this unix socket instead of `--addr`.
    #[arg(long)]
    unix: Option<PathBuf>,
    /// Absolute path of the script (sent as SCRIPT_FILENAME).
    #[arg(long)]
    script: PathBuf,
    /// Request URI path (default: `/` + the script's file name).
    #[arg(long)]
    uri: Option<String>,
    /// Query string (without `?`).
    #[arg(long, default_value = "")]
    query: String,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// Seconds to measure (default 10 unless `--requests` is given).
    #[arg(long)]
    duration: Option<f64>,
    /// Stop after this many measured requests.
    #[arg(long)]
    requests: Option<u64>,
    /// Seconds of unmeasured warm-up before the measured window.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Server process ids whose CPU time (threads and descendants included) is measured.
    #[arg(long, value_delimiter = ',')]
    server_pid: Vec<u32>,
    /// Per-operation socket timeout in seconds.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
}

/// A connected socket of either kind.
trait Stream: Read + Write + Send {}
impl Stream for TcpStream {}
impl Stream for UnixStream {}

/// Where to connect.
#[derive(Clone, Debug)]
enum Target {
    /// A loopback TCP address.
    Tcp(SocketAddr),
    /// A unix socket path.
    Unix(PathBuf),
}

impl Target {
    /// Opens a connection with `timeout` on connect, reads and writes.
    fn connect(&self, timeout: Duration) -> std::io::Result<Box<dyn Stream>> {
        match self {
            Target::Tcp(addr) => {
                let stream = TcpStream::connect_timeout(addr, timeout)?;
                stream.set_nodelay(true)?;
                stream.set_read_timeout(Some(timeout))?;
                stream.set_write_timeout(Some(timeout))?;
                Ok(Box::new(stream))
            }
            Target::Unix(path) => {
                let stream = UnixStream::connect(path)?;
                stream.set_read_timeout(Some(timeout))?;
                stream.set_write_timeout(Some(timeout))?;
                Ok(Box::new(stream))
            }
        }
    }
}

/// What one worker thread measured.
#[derive(Default)]
struct WorkerStats {
    /// Latency of each measured successful request, in microseconds.
    latencies_us: Vec<u64>,
    /// Measured responses that were not `200`, or not valid CGI.
    bad_status: u64,
    /// Measured connection failures (connect, write, read, protocol, early close).
    conn_errors: u64,
    /// Sum of STDOUT bytes of measured successful responses.
    stdout_bytes: u64,
    /// Sum of wire bytes read for measured successful responses.
    wire_bytes: u64,
    /// The first error seen, for the report.
    first_error: Option<String>,
}

impl WorkerStats {
    /// Records an error if measuring; keeps the first message.
    fn error(&mut self, measuring: bool, conn: bool, message: String) {
        if measuring {
            if conn {
                self.conn_errors += 1;
            } else {
                self.bad_status += 1;
            }
        }
        self.first_error.get_or_insert(message);
    }
}

/// State shared by the workers and the main thread.
struct Shared {
    /// Set when the measured window starts (after warm-up).
    measuring: AtomicBool,
    /// Set when workers must stop starting requests.
    stop: AtomicBool,
    /// Measured requests claimed so far (for `--requests`).
    claimed: AtomicU64,
    /// `--requests`, if given.
    budget: Option<u64>,
    /// Signalled when the budget is used up.
    budget_done: (Mutex<bool>, Condvar),
}

impl Shared {
    /// Whether a new request may start, and whether it is measured.
    fn next_request(&self) -> Option<bool> {
        if self.stop.load(Ordering::Acquire) {
            return None;
        }
        let measuring = self.measuring.load(Ordering::Acquire);
        if measuring {
            if let Some(budget) = self.budget {
                let n = self.claimed.fetch_add(1, Ordering::AcqRel) + 1;
                if n > budget {
                    return None;
                }
                if n == budget {
                    let (lock, cvar) = &self.budget_done;
                    *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
                    cvar.notify_all();
                }
            }
        }
        Some(measuring)
    }
}

/// Outcome of one request on a connection.
enum Outcome {
    /// A complete response: stdout and wire byte counts; the connection is reusable.
    Done(Response, usize),
    /// The connection failed; reconnect before the next request.
    Failed(String),
}

/// Sends `request` and reads one response.
fn one_request(stream: &mut dyn Stream, request: &[u8], buf: &mut [u8]) -> Outcome {
    if let Err(err) = stream.write_all(request) {
        return Outcome::Failed(format!("write: {err}"));
    }
    let mut conn = ClientConn::new();
    let mut response = Response::default();
    let mut events = Vec::new();
    let mut wire = 0;
    loop {
        let n = match stream.read(buf) {
            Ok(0) => return Outcome::Failed("server closed the connection mid-response".into()),
            Ok(n) => n,
            Err(err) => return Outcome::Failed(format!("read: {err}")),
        };
        wire += n;
        if let Err(err) = conn.feed(&buf[..n], &mut events) {
            return Outcome::Failed(format!("protocol: {err}"));
        }
        let mut done = false;
        for event in events.drain(..) {
            if let ClientEvent::End { request_id, .. } = event {
                if request_id != 1 {
                    return Outcome::Failed(format!("end_request for request {request_id}"));
                }
            }
            done = response.add(1, event);
        }
        if done {
            return Outcome::Done(response, wire);
        }
    }
}

/// One connection's loop: request after request until told to stop.
fn worker(
    target: Target,
    request: Arc<Vec<u8>>,
    shared: Arc<Shared>,
    timeout: Duration,
) -> WorkerStats {
    let mut stats = WorkerStats::default();
    let mut stream: Option<Box<dyn Stream>> = None;
    let mut buf = vec![0u8; 64 * 1024];
    while let Some(measuring) = shared.next_request() {
        let conn = match stream.as_mut() {
            Some(conn) => conn,
            None => match target.connect(timeout) {
                Ok(conn) => stream.insert(conn),
                Err(err) => {
                    stats.error(measuring, true, format!("connect: {err}"));
                    // Do not spin on a server that is down.
                    thread::sleep(Duration::from_millis(10));
                    continue;
                }
            },
        };
        let start = Instant::now();
        match one_request(conn.as_mut(), &request, &mut buf) {
            Outcome::Failed(message) => {
                stream = None;
                stats.error(measuring, true, message);
            }
            Outcome::Done(response, wire) => {
                let elapsed = start.elapsed();
                let status = parse_cgi_response(&response.stdout).map(|cgi| cgi.status);
                if status != Some(200) {
                    let head =
                        String::from_utf8_lossy(&response.stdout[..response.stdout.len().min(200)])
                            .into_owned();
                    stats.error(measuring, false, format!("status {status:?}: {head:?}"));
                } else if measuring {
                    stats.latencies_us.push(elapsed.as_micros() as u64);
                    stats.stdout_bytes += response.stdout.len() as u64;
                    stats.wire_bytes += wire as u64;
                }
            }
        }
    }
    stats
}

/// Accepts only loopback TCP addresses.
fn loopback_target(addr: &str) -> Result<Target, String> {
    let resolved: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|err| format!("cannot resolve {addr}: {err}"))?
        .collect();
    match resolved.iter().find(|a| a.ip().is_loopback()) {
        Some(first) if resolved.iter().all(|a| a.ip().is_loopback()) => Ok(Target::Tcp(*first)),
        _ => Err(format!(
            "refusing {addr}: fcgi_load only talks to loopback addresses"
        )),
    }
}

/// Clock ticks per second for /proc times.
fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

/// utime+stime of one process (all its threads), in ticks.
fn process_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Field 3 (state) is fields[0]; utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// `pid` and all its descendants.
fn process_tree(pid: u32) -> Vec<u32> {
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) {
            for task in tasks.flatten() {
                if let Ok(children) = std::fs::read_to_string(task.path().join("children")) {
                    out.extend(
                        children
                            .split_whitespace()
                            .filter_map(|c| c.parse::<u32>().ok()),
                    );
                }
            }
        }
        i += 1;
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// CPU ticks of every process in the trees of `pids`, per process id.
fn cpu_snapshot(pids: &[u32]) -> Vec<(u32, u64)> {
    let mut all: Vec<u32> = pids.iter().flat_map(|&p| process_tree(p)).collect();
    all.sort_unstable();
    all.dedup();
    all.into_iter()
        .filter_map(|p| process_ticks(p).map(|t| (p, t)))
        .collect()
}

/// Ticks used between two snapshots; processes that appeared count from zero.
fn cpu_delta(before: &[(u32, u64)], after: &[(u32, u64)]) -> u64 {
    after
        .iter()
        .map(|(pid, t)| {
            let prev = before.iter().find(|(p, _)| p == pid).map_or(0, |(_, t)| *t);
            t.saturating_sub(prev)
        })
        .sum()
}

/// The `q`-quantile (0..=1) of sorted `values`, nearest rank.
fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The params nginx's stock `fastcgi_params` would send for `GET uri?query`.
fn build_request(script: &Path, uri: &str, query: &str, host: &str) -> Vec<u8> {
    let script_bytes = script.as_os_str().as_encoded_bytes();
    let doc_root = script
        .parent()
        .map(|p| p.as_os_str().as_encoded_bytes())
        .unwrap_or(b"/");
    let request_uri = if query.is_empty() {
        uri.to_string()
    } else {
        format!("{uri}?{query}")
    };
    let params: Vec<(&[u8], &[u8])> = vec![
        (b"QUERY_STRING", query.as_bytes()),
        (b"REQUEST_METHOD", b"GET"),
        (b"CONTENT_TYPE", b""),
        (b"CONTENT_LENGTH", b""),
        (b"SCRIPT_NAME", uri.as_bytes()),
        (b"REQUEST_URI", request_uri.as_bytes()),
        (b"DOCUMENT_URI", uri.as_bytes()),
        (b"DOCUMENT_ROOT", doc_root),
        (b"SERVER_PROTOCOL", b"HTTP/1.1"),
        (b"REQUEST_SCHEME", b"http"),
        (b"GATEWAY_INTERFACE", b"CGI/1.1"),
        (b"SERVER_SOFTWARE", b"fcgi_load"),
        (b"REMOTE_ADDR", b"127.0.0.1"),
        (b"REMOTE_PORT", b"40000"),
        (b"SERVER_ADDR", b"127.0.0.1"),
        (b"SERVER_PORT", b"80"),
        (b"SERVER_NAME", b"localhost"),
        (b"REDIRECT_STATUS", b"200"),
        (b"SCRIPT_FILENAME", script_bytes),
        (b"PATH_INFO", b""),
        (b"HTTP_HOST", host.as_bytes()),
        (b"HTTP_USER_AGENT", b"fcgi_load"),
        (b"HTTP_ACCEPT", b"*/*"),
    ];
    let mut wire = Vec::new();
    encode_request(1, true, &params, b"", &mut wire);
    wire
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("fcgi_load: {message}");
            ExitCode::from(2)
        }
    }
}

/// Runs the benchmark and prints the report.
fn run(args: &Args) -> Result<ExitCode, String> {
    if !args.script.is_absolute() {
        return Err(format!(
            "--script must be an absolute path: {}",
            args.script.display()
        ));
    }
    if args.connections == 0 {
        return Err("--connections must be at least 1".into());
    }
    let target = match &args.unix {
        Some(path) => Target::Unix(path.clone()),
        None => loopback_target(&args.addr)?,
    };
    let duration = match (args.duration, args.requests) {
        (Some(d), _) => Some(Duration::from_secs_f64(d.max(0.0))),
        (None, Some(_)) => None,
        (None, None) => Some(Duration::from_secs(10)),
    };
    let file_name = args
        .script
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let uri = args.uri.clone().unwrap_or_else(|| format!("/{file_name}"));
    let request = Arc::new(build_request(&args.script, &uri, &args.query, "localhost"));
    let timeout = Duration::from_secs_f64(args.timeout.max(0.1));
    let shared = Arc::new(Shared {
        measuring: AtomicBool::new(false),
        stop: AtomicBool::new(false),
        claimed: AtomicU64::new(0),
        budget: args.requests,
        budget_done: (Mutex::new(false), Condvar::new()),
    });

    let handles: Vec<_> = (0..args.connections)
        .map(|_| {
            let (target, request, shared) = (target.clone(), request.clone(), shared.clone());
            thread::spawn(move || worker(target, request, shared, timeout))
        })
        .collect();

    thread::sleep(Duration::from_secs_f64(args.warmup.max(0.0)));
    let ticks_before = cpu_snapshot(&args.server_pid);
    let start = Instant::now();
    shared.measuring.store(true, Ordering::Release);
    {
        // Wait for the duration to pass or the request budget to be used up.
        let (lock, cvar) = &shared.budget_done;
        let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        let _guard = match duration {
            Some(d) => cvar
                .wait_timeout_while(guard, d, |done| !*done)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0),
            None => cvar
                .wait_while(guard, |done| !*done)
                .unwrap_or_else(|e| e.into_inner()),
        };
    }
    shared.stop.store(true, Ordering::Release);
    let mut stats = WorkerStats::default();
    for handle in handles {
        let s = handle
            .join()
            .map_err(|_| "a worker thread panicked".to_string())?;
        stats.latencies_us.extend(s.latencies_us);
        stats.bad_status += s.bad_status;
        stats.conn_errors += s.conn_errors;
        stats.stdout_bytes += s.stdout_bytes;
        stats.wire_bytes += s.wire_bytes;
        if stats.first_error.is_none() {
            stats.first_error = s.first_error;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let ticks_after = cpu_snapshot(&args.server_pid);

    let ok = stats.latencies_us.len() as u64;
    let errors = stats.bad_status + stats.conn_errors;
    let mut lat = std::mem::take(&mut stats.latencies_us);
    lat.sort_unstable();
    let rps = ok as f64 / elapsed.max(1e-9);
    let (p50, p90, p99, max) = (
        percentile(&lat, 0.50),
        percentile(&lat, 0.90),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0),
    );
    let per = |total: u64| if ok == 0 { 0 } else { total / ok };
    let target_text = match &target {
        Target::Tcp(addr) => addr.to_string(),
        Target::Unix(path) => format!("unix:{}", path.display()),
    };
    println!(
        "fcgi_load: {target_text} {} (uri {uri}), {} connections, {elapsed:.2} s measured after {:.1} s warm-up",
        args.script.display(),
        args.connections,
        args.warmup
    );
    println!(
        "requests: {ok} ok, {errors} errors ({} bad status, {} connection)",
        stats.bad_status, stats.conn_errors
    );
    if let Some(first) = &stats.first_error {
        println!("first error: {first}");
    }
    println!("requests/s: {rps:.1}");
    println!("latency us: p50 {p50}  p90 {p90}  p99 {p99}  max {max}");
    println!(
        "bytes/response: stdout {}  wire {}",
        per(stats.stdout_bytes),
        per(stats.wire_bytes)
    );
    let mut result = format!(
        "RESULT requests={ok} errors={errors} rps={rps:.1} p50_us={p50} p90_us={p90} p99_us={p99} max_us={max} stdout_bytes={} wire_bytes={}",
        per(stats.stdout_bytes),
        per(stats.wire_bytes)
    );
    if !args.server_pid.is_empty() {
        let ticks = cpu_delta(&ticks_before, &ticks_after);
        let cpu_us = ticks as f64 * 1e6 / clock_ticks() as f64;
        let per_req = if ok == 0 { 0.0 } else { cpu_us / ok as f64 };
        println!(
            "server CPU: {:.3} s total, {per_req:.1} us/request ({} processes)",
            cpu_us / 1e6,
            ticks_after.len()
        );
        result.push_str(&format!(" server_cpu_us_per_req={per_req:.1}"));
    }
    println!("{result}");
    Ok(if ok == 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
