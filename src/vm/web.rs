//! The engine's side of a web request: what a server hands the engine (CGI params and a
//! body reader) and what the engine hands back (status, headers, body chunks, error-log
//! lines), with no knowledge of FastCGI, sockets or actors.
//!
//! A server thread owns one `WebEngine` and calls
//! `WebEngine::run(request, &mut writer)` per request. The server implements
//! `ResponseWriter` over its transport (FastCGI STDOUT records, an HTTP response).

use std::io;

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
