//! Server logging on `tracing`: the error log (server messages and the engine's
//! `error_log` lines) and the access log (one Apache-like line per request), each to
//! stderr or to a file. This module only sets the subscriber up and formats access lines;
//! callers log with `tracing` macros and the two targets below.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use tracing_subscriber::filter::{filter_fn, LevelFilter};
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::prelude::*;

use super::config::ServerConfig;

/// The `tracing` target of access-log lines (the only events the access log receives).
pub const ACCESS: &str = "rhvm::access";

/// The `tracing` target of the PHP engine's `error_log` lines.
pub const PHP: &str = "rhvm::php";

/// Installs the global subscriber for `rhvm serve`.
///
/// # Errors
///
/// A log file that cannot be opened for appending.
pub fn init(config: &ServerConfig) -> anyhow::Result<()> {
    let level = match config.log_level.as_str() {
        "error" => LevelFilter::ERROR,
        "warning" => LevelFilter::WARN,
        "verbose" | "debug" => LevelFilter::DEBUG,
        _ => LevelFilter::INFO,
    };
    store_level(level);
    let (error_writer, error_ansi) = writer(config.error_log.as_deref())?;
    // HHVM and php-fpm write no access log unless one is configured.
    let access_writer = match config.access_log.as_deref() {
        Some(path) => Some(writer(Some(path))?.0),
        None => None,
    };
    let error_layer = tracing_subscriber::fmt::layer()
        .with_writer(error_writer)
        .with_ansi(error_ansi)
        .with_target(false)
        // actix's own start-up chatter stays out of the log unless it is a problem.
        .with_filter(filter_fn(|meta| {
            meta.target() != ACCESS
                && (!meta.target().starts_with("actix") || *meta.level() <= tracing::Level::WARN)
        }))
        .with_filter(filter_fn(|meta| *meta.level() <= current_level()));
    let access_layer = access_writer.map(|access_writer| {
        tracing_subscriber::fmt::layer()
            .with_writer(access_writer)
            .with_ansi(false)
            .without_time()
            .with_level(false)
            .with_target(false)
            .with_filter(filter_fn(|meta| meta.target() == ACCESS))
    });
    tracing_subscriber::registry()
        .with(error_layer)
        .with(access_layer)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot install the log subscriber: {e}"))
}

/// The error log's level, changeable while running (`/set-log-level`): 0 error .. 4 trace.
static LEVEL: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(2);

fn store_level(level: LevelFilter) {
    let n = match level {
        LevelFilter::ERROR => 0,
        LevelFilter::WARN => 1,
        LevelFilter::INFO => 2,
        LevelFilter::DEBUG => 3,
        _ => 4,
    };
    LEVEL.store(n, std::sync::atomic::Ordering::Relaxed);
}

fn current_level() -> LevelFilter {
    match LEVEL.load(std::sync::atomic::Ordering::Relaxed) {
        0 => LevelFilter::ERROR,
        1 => LevelFilter::WARN,
        2 => LevelFilter::INFO,
        3 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// Changes the error log's level (`error`, `warn`, `info`, `debug`, `trace`).
///
/// # Errors
///
/// An unknown level name.
pub fn set_level(name: &str) -> Result<(), String> {
    let level = match name {
        "error" => LevelFilter::ERROR,
        "warn" => LevelFilter::WARN,
        "info" => LevelFilter::INFO,
        "debug" => LevelFilter::DEBUG,
        "trace" => LevelFilter::TRACE,
        other => return Err(format!("unknown log level {other}")),
    };
    store_level(level);
    Ok(())
}

/// Stderr (colours only on a terminal) or an append-mode file.
fn writer(path: Option<&Path>) -> anyhow::Result<(BoxMakeWriter, bool)> {
    match path {
        None => {
            let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
            Ok((BoxMakeWriter::new(std::io::stderr), tty))
        }
        Some(path) => {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| anyhow::anyhow!("cannot open log file {}: {e}", path.display()))?;
            Ok((BoxMakeWriter::new(Mutex::new(file)), false))
        }
    }
}

/// What the access log says about one request.
pub struct AccessRecord<'a> {
    /// The client as the front end reported it (REMOTE_ADDR), else the peer address.
    pub client: &'a str,
    /// REQUEST_METHOD.
    pub method: &'a str,
    /// REQUEST_URI, as sent (still percent-encoded).
    pub uri: &'a str,
    /// SERVER_PROTOCOL.
    pub protocol: &'a str,
    /// The HTTP status sent.
    pub status: u16,
    /// Body bytes sent.
    pub bytes: u64,
    /// Time from the request's arrival at the executor queue to its end.
    pub duration: Duration,
    /// The script that ran, `-` when none did.
    pub script: &'a str,
}

/// Formats one access line in Apache's common log style plus duration and script:
/// `127.0.0.1 - - [28/Nov/2026:00:30:00 +0000] "GET /x.php HTTP/1.1" 200 123 456us "/srv/x.php"`.
pub fn access_line(record: &AccessRecord<'_>, now: jiff::Timestamp) -> String {
    thread_local! {
        /// The last second formatted on this thread, and its text: formatting the time
        /// once a second instead of once a request.
        static LAST: std::cell::RefCell<(i64, String)> =
            const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let time = LAST.with(|last| {
        let mut last = last.borrow_mut();
        let second = now.as_second();
        if last.0 != second {
            *last = (second, now.strftime("%d/%b/%Y:%H:%M:%S +0000").to_string());
        }
        last.1.clone()
    });
    format!(
        "{} - - [{time}] \"{} {} {}\" {} {} {}us \"{}\"",
        record.client,
        record.method,
        record.uri,
        record.protocol,
        record.status,
        record.bytes,
        record.duration.as_micros(),
        record.script
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_line_format() {
        let record = AccessRecord {
            client: "10.0.0.7",
            method: "GET",
            uri: "/index.php?a=1",
            protocol: "HTTP/1.1",
            status: 200,
            bytes: 1234,
            duration: Duration::from_micros(567),
            script: "/srv/www/index.php",
        };
        let now: jiff::Timestamp = "2026-11-28T00:30:05Z".parse().expect("timestamp");
        assert_eq!(
            access_line(&record, now),
            "10.0.0.7 - - [28/Nov/2026:00:30:05 +0000] \"GET /index.php?a=1 HTTP/1.1\" 200 1234 567us \"/srv/www/index.php\""
        );
    }
}
