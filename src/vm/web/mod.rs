//! The engine's side of a web request ("web PHP"): what a server hands the engine (CGI
//! params and a body reader) and what the engine hands back (status, headers, body chunks,
//! error-log lines), with no knowledge of FastCGI, sockets or actors.
//!
//! A server thread owns one `WebEngine` and calls `WebEngine::run(request, writer)` per
//! request. The server implements `ResponseWriter` over its transport (FastCGI STDOUT
//! records, an HTTP response).
//!
//! # Layout
//!
//! | file | what it does |
//! | --- | --- |
//! | `mod.rs` | the contract (`WebRequest`, `ResponseWriter`, `WebOutcome`), `WebSettings`, and `WebEngine` |
//! | `engine.rs` | per-request `Vm` setup (reusing the thread's ini table), the compiled-unit cache, running the script and its end |
//! | `resolve.rs` | SCRIPT_FILENAME / PATH_INFO / SCRIPT_NAME resolution as php-fpm's `cgi.fix_pathinfo=1`, and the source-root check |
//! | `request.rs` | `$_SERVER`, `$_GET`, `$_POST`, `$_COOKIE`, `$_FILES`, `$_REQUEST`: query strings, cookies, url-encoded and multipart bodies, uploads |
//! | `response.rs` | the per-request response state (status, headers, cookies, body chunking, `fastcgi_finish_request`) and the output sink |
//!
//! # Threads and output
//!
//! The script runs on the caller's thread, which must have a large native stack (the
//! server's executor threads and the CLI's engine thread have 64 MiB). PHP output reaches
//! `ResponseWriter::body` while the script runs (a 1 MiB page is streamed, `flush()` pushes
//! bytes out, `fastcgi_finish_request()` completes the response and lets the script go
//! on): the interpreter's output sink is a `Box<dyn Write>` owned by the `Vm`, so the writer
//! is shared with it as a `SharedWriter` (`Rc<RefCell<dyn ResponseWriter>>`) rather than
//! borrowed. A panic in the engine (an engine bug) unwinds out of `run`, carrying an
//! `EnginePanic` (message, script and line) when it happened inside the script; the caller
//! catches it, answers 500, logs it and replaces the engine (the server's executor does).

use std::io;
use std::path::PathBuf;

mod engine;
pub(crate) mod request;
pub(crate) mod resolve;
pub(crate) mod response;

/// A request as the front end described it.
pub struct WebRequest {
    /// CGI params in arrival order, duplicates kept (nginx repeats `HTTP_COOKIE`); an
    /// empty value counts as absent where PHP-FPM treats it so.
    pub params: Vec<(Vec<u8>, Vec<u8>)>,
    /// The request body (FastCGI STDIN), read on demand: `$_POST` parsing reads it all
    /// before the script starts, `php://input` streams it. Blocking reads; end of body is
    /// end of stream.
    pub body: Box<dyn io::Read>,
}

/// Where the engine writes the response. Calls arrive in order: `head` exactly once,
/// then `body` any number of times, then possibly `finish`; `error_log` at any time.
pub trait ResponseWriter {
    /// The response head, sent before the first body byte (or at the end when there is
    /// no body): status code, reason phrase, and header lines in order as
    /// `Name: value` (no CRLF).
    fn head(&mut self, status: u16, reason: &[u8], headers: &[Vec<u8>]) -> io::Result<()>;

    /// Body bytes, as PHP flushes them.
    fn body(&mut self, bytes: &[u8]) -> io::Result<()>;

    /// PHP's `flush()`: pass on what `body` collected now rather than when convenient.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// `fastcgi_finish_request()` or the end of the request: the response is complete;
    /// later output of a still-running script is discarded.
    fn finish(&mut self) -> io::Result<()>;

    /// Whether the client has gone away (`connection_aborted()`).
    fn aborted(&self) -> bool;

    /// One line for the server's error log, already in PHP's log format
    /// (`PHP Fatal error:  Uncaught Exception: boom in /x.php:3`).
    fn error_log(&mut self, line: &[u8]);
}

/// What a request came to, for the access log and the caller's accounting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebOutcome {
    /// The HTTP status sent.
    pub status: u16,
    /// Body bytes sent.
    pub body_bytes: u64,
    /// The script that ran (after resolution), empty when none did (404).
    pub script: Vec<u8>,
    /// Whether the request ended in a PHP fatal error (uncaught exception included).
    pub fatal: bool,
}

/// Engine-wide settings of web requests (one value per server, cloned into each engine).
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// ini settings applied to every request, after `WEB_INI_DEFAULTS` (later entries win).
    pub ini: Vec<(Vec<u8>, Vec<u8>)>,
    /// Scripts must live under this directory (`hhvm.server.source_root`); when `None`,
    /// under the request's DOCUMENT_ROOT. A script outside (by `..` or symlink) is a 404.
    pub source_root: Option<PathBuf>,
    /// Where uploaded files are stored (`upload_tmp_dir`); the system temp dir when
    /// `None`.
    pub upload_tmp_dir: Option<PathBuf>,
    /// Body bytes collected before they are handed to `ResponseWriter::body` when the
    /// script does not flush (PHP's SAPI writes each echo; we batch up to this size).
    pub chunk_size: usize,
    /// The translation cache compiled units go through (`None`: compile in memory).
    pub unit_store: Option<crate::vm::unit_codec::SharedStore>,
    /// How scripts start processes (`shell_exec`, `proc_open`, ...): the server's light
    /// processes; `None` keeps the engine's default (posix_spawn).
    pub spawner: Option<SharedSpawner>,
    /// Installs the machine-code tier on each request's engine (`Vm::set_jit`); the server
    /// provides it, `vm` never names the JIT. `None`: interpreted only.
    pub jit: Option<JitInstaller>,
    /// Declares `rhvm_debug_panic()` in every request (tests of panic containment only;
    /// set by the hidden `rhvm serve --debug-panic-trigger`, never by configuration).
    pub debug_panic_trigger: bool,
}

/// Sets up the JIT on a fresh request engine (see `WebSettings::jit`).
#[derive(Clone)]
pub struct JitInstaller(pub std::sync::Arc<dyn Fn(&mut crate::vm::interp::Vm) + Send + Sync>);

impl std::fmt::Debug for JitInstaller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JitInstaller")
    }
}

/// The payload a panic inside a script carries out of `WebEngine::run`: the panic's
/// message and where the script was when it happened, for the server's error log.
#[derive(Debug, Clone)]
pub struct EnginePanic {
    /// The original panic message.
    pub message: String,
    /// The script (file) that was running, empty when unknown.
    pub file: Vec<u8>,
    /// Its line, 0 when unknown.
    pub line: u32,
}

impl EnginePanic {
    /// The message of any panic payload (`&str`, `String` or an `EnginePanic`).
    pub fn message_of(payload: &(dyn std::any::Any + Send)) -> String {
        if let Some(p) = payload.downcast_ref::<EnginePanic>() {
            return p.message.clone();
        }
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    }
}

/// A process spawner shared by a server's engine threads.
#[derive(Clone)]
pub struct SharedSpawner(pub std::sync::Arc<dyn crate::vm::process::Spawner>);

impl std::fmt::Debug for SharedSpawner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedSpawner")
    }
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            ini: Vec::new(),
            source_root: None,
            upload_tmp_dir: None,
            chunk_size: 32 * 1024,
            unit_store: None,
            spawner: None,
            jit: None,
            debug_panic_trigger: false,
        }
    }
}

/// ini defaults of web requests: PHP's built-in values as php-fpm has them without a
/// php.ini (`display_errors=1`, `html_errors=1`), except two deliberate choices:
/// `log_errors=1` (errors always reach the server's error log, as HHVM did) and
/// `expose_php=0` (no `X-Powered-By: PHP/...` unless configured, as HHVM sent none by
/// default). Set `display_errors=0` for production: only then does a fatal error turn a
/// 200 into a 500, exactly as in PHP.
pub const WEB_INI_DEFAULTS: &[(&str, &str)] = &[
    ("display_errors", "1"),
    ("html_errors", "1"),
    ("log_errors", "1"),
    ("expose_php", "0"),
    ("implicit_flush", "0"),
    ("default_mimetype", "text/html"),
    ("post_max_size", "8M"),
    ("upload_max_filesize", "2M"),
    ("max_file_uploads", "20"),
    ("file_uploads", "1"),
    ("enable_post_data_reading", "1"),
    ("request_order", ""),
    ("variables_order", "EGPCS"),
    ("max_input_vars", "1000"),
    ("max_input_nesting_level", "64"),
    ("register_argc_argv", "1"),
    ("ignore_user_abort", "0"),
    ("error_prepend_string", ""),
    ("error_append_string", ""),
];

/// The caller's `ResponseWriter` as the engine holds it during a request.
pub type SharedWriter = std::rc::Rc<std::cell::RefCell<dyn ResponseWriter>>;

/// Runs web requests; one per server thread. Each request gets a fresh PHP state; compiled
/// units are cached across requests (revalidated by `stat`), and so is the ini table while
/// no request changes it.
pub struct WebEngine {
    local: engine::EngineLocal,
}

impl WebEngine {
    /// An engine with `settings`.
    pub fn new(settings: WebSettings) -> WebEngine {
        WebEngine {
            local: engine::EngineLocal::new(settings),
        }
    }

    /// Runs one request to completion on this thread, writing the response to `out`.
    pub fn run(&mut self, req: WebRequest, out: SharedWriter) -> WebOutcome {
        self.local.run(req, out)
    }
}

/// Sends a line to the error log: the running web request's (`ResponseWriter::error_log`),
/// or stderr outside a web request (as php-cli logs without `error_log` set).
pub(crate) fn log_line(line: Vec<u8>) {
    match response::current() {
        Some(state) => state.borrow_mut().log(line),
        None => {
            use std::io::Write as _;
            let mut err = io::stderr();
            let _ = err.write_all(&line);
            let _ = err.write_all(b"\n");
        }
    }
}

/// Logs `line` as PHP's `php_log_err` does: appended with a timestamp to the file named by
/// the `error_log` ini setting when there is one, else to the server's log (or stderr).
/// Returns whether it was written.
pub(crate) fn log_message(error_log_file: Option<&[u8]>, line: Vec<u8>) -> bool {
    match error_log_file.filter(|f| !f.is_empty()) {
        Some(file) => {
            use std::io::Write as _;
            use std::os::unix::ffi::OsStrExt;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            let mut entry = format!("[{}] ", log_timestamp(now)).into_bytes();
            entry.extend_from_slice(&line);
            entry.push(b'\n');
            std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(std::ffi::OsStr::from_bytes(file))
                .and_then(|mut f| f.write_all(&entry))
                .is_ok()
        }
        None => {
            log_line(line);
            true
        }
    }
}

/// `d-M-Y H:i:s UTC` of a Unix time, as PHP stamps error-log lines.
fn log_timestamp(t: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil date from days since the epoch (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{:02}-{}-{} {:02}:{:02}:{:02} UTC",
        d,
        MONTHS[(m - 1) as usize],
        y,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// A fatal error happened in the running web request: PHP answers 500 instead of 200
/// when the error is not displayed and no header went out yet.
pub(crate) fn fatal_error(displayed: bool) {
    response::with_current(|st| {
        st.fatal = true;
        if !displayed && !st.headers_sent && st.status == 200 {
            st.status = 500;
            st.reason = None;
        }
    });
}

/// Appends `text` HTML-escaped as PHP's error display does (`&`, `<`, `>`, `"`).
pub(crate) fn escape_html_into(out: &mut Vec<u8>, text: &[u8]) {
    for &c in text {
        match c {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            _ => out.push(c),
        }
    }
}

/// PHP's `flush()`: what the script printed so far goes to the client now.
pub(crate) fn flush_now() {
    response::with_current(|st| {
        if !st.finished {
            st.flush_body();
        }
    });
}

/// The request body for `php://input`: all of it (read now if needed); empty outside a
/// web request.
pub(crate) fn request_input() -> Vec<u8> {
    response::with_current(|st| {
        st.read_all_input();
        st.input.clone()
    })
    .unwrap_or_default()
}
