//! Measures the in-process cost of web requests: runs N requests for each given script
//! through one `WebEngine` with a writer that drops everything, and prints µs/request,
//! both wall-clock and CPU (user+system of the whole process, from
//! `/proc/self/stat`; on a loaded machine the CPU figure is the one to compare).
//!
//! ```sh
//! cargo run --release --example web_bench -- [N] [SCRIPT.php ...]
//! ```
//! Default: 20000 requests each of `../shared/bench/www/hello.php` and `page.php`.

/// The allocator of the `rhvm` binary, so that the figures match the server's.
#[global_allocator]
static GLOBAL: rhvm::alloc::Counting = rhvm::alloc::Counting;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::Instant;

use rhvm::vm::web::{ResponseWriter, WebEngine, WebRequest, WebSettings};

/// Counts bytes and drops them.
#[derive(Default)]
struct Null {
    bytes: u64,
    status: u16,
}

impl ResponseWriter for Null {
    fn head(&mut self, status: u16, _reason: &[u8], _headers: &[Vec<u8>]) -> io::Result<()> {
        self.status = status;
        Ok(())
    }
    fn body(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.bytes += bytes.len() as u64;
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn aborted(&self) -> bool {
        false
    }
    fn error_log(&mut self, _line: &[u8]) {}
}

/// CPU time (user + system) of this process in seconds, from `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the full line (11 and 12 after the name).
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let mut scripts: Vec<String> = args.collect();
    if scripts.is_empty() {
        let base = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/bench/www");
        scripts = vec![format!("{base}/hello.php"), format!("{base}/page.php")];
    }
    let mut engine = WebEngine::new(WebSettings::default());
    for script in &scripts {
        let script = std::fs::canonicalize(script)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| script.clone());
        let docroot = std::path::Path::new(&script)
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let request = || WebRequest {
            params: vec![
                (b"REQUEST_METHOD".to_vec(), b"GET".to_vec()),
                (b"SCRIPT_FILENAME".to_vec(), script.as_bytes().to_vec()),
                (b"SCRIPT_NAME".to_vec(), b"/bench.php".to_vec()),
                (b"DOCUMENT_ROOT".to_vec(), docroot.as_bytes().to_vec()),
                (b"REQUEST_URI".to_vec(), b"/bench.php".to_vec()),
                (b"QUERY_STRING".to_vec(), Vec::new()),
                (b"HTTP_HOST".to_vec(), b"localhost".to_vec()),
                (b"SERVER_PROTOCOL".to_vec(), b"HTTP/1.1".to_vec()),
            ],
            body: Box::new(io::empty()),
        };
        // Warm up: compile and cache the unit.
        let warm = Rc::new(RefCell::new(Null::default()));
        for _ in 0..100 {
            engine.run(request(), warm.clone());
        }
        let counted = Rc::new(RefCell::new(Null::default()));
        let start = Instant::now();
        let cpu_start = cpu_seconds();
        for _ in 0..n {
            engine.run(request(), counted.clone());
        }
        let out = counted.borrow();
        let elapsed = start.elapsed();
        let cpu = cpu_seconds() - cpu_start;
        println!(
            "{script}: {n} requests, wall {:.1} µs/request, CPU {:.1} µs/request, status {}, {} body bytes/request",
            elapsed.as_secs_f64() * 1e6 / n as f64,
            cpu * 1e6 / n as f64,
            out.status,
            out.bytes / n as u64
        );
    }
}
