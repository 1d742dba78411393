//! The response side of one web request: status and header list (what `header()`,
//! `http_response_code()`, `setcookie()` change), the output sink that sends the head with
//! the first body byte and hands body bytes to the caller's `ResponseWriter` in chunks,
//! `fastcgi_finish_request()`, error-log lines, and the request body reader.
//!
//! The state is reached by the output sink (which the `Vm` owns) and by the web builtins
//! (through `with_current`), so it lives in an `Rc<RefCell<_>>` registered in a
//! thread-local for the duration of the request. Outside a web request (the CLI) there is
//! no current state and the builtins behave as php-cli's do.

use std::cell::RefCell;
use std::io;
use std::path::PathBuf;
use std::rc::Rc;

use super::SharedWriter;

/// The response state of the running request.
pub(crate) struct ResponseState {
    /// Where the response goes (the caller's writer, called on this thread).
    pub out: SharedWriter,
    /// The request body, read on demand.
    pub body_in: Box<dyn io::Read>,
    /// The HTTP status (`http_response_code`).
    pub status: u16,
    /// The status the head went out with.
    pub sent_status: u16,
    /// A reason phrase given by an `HTTP/1.x NNN Reason` header line.
    pub reason: Option<Vec<u8>>,
    /// Header lines in order, `Name: value`.
    pub headers: Vec<Vec<u8>>,
    /// Whether the head has gone out (first body byte, or the end).
    pub headers_sent: bool,
    /// After `fastcgi_finish_request()`: output is discarded.
    pub finished: bool,
    /// Body bytes collected but not yet handed over.
    pub chunk: Vec<u8>,
    pub chunk_size: usize,
    /// Body bytes sent.
    pub body_bytes: u64,
    /// `default_mimetype` and `default_charset` of the request (for the default
    /// Content-type), `expose_php`.
    pub default_mimetype: Vec<u8>,
    pub default_charset: Vec<u8>,
    pub expose_php: bool,
    /// Whether the default Content-type is still to be sent (a `Content-Type` header set
    /// by the script turns it off for good).
    pub send_default_type: bool,
    /// Whether the request method is HEAD (no body is sent).
    pub head_request: bool,
    /// Files stored for this request's uploads (deleted at the end unless moved).
    pub uploaded: Vec<PathBuf>,
    /// The request body as read so far (`php://input`), and whether it is complete.
    pub input: Vec<u8>,
    pub input_complete: bool,
    /// `ignore_user_abort` setting of the request.
    pub ignore_user_abort: bool,
    /// The request headers (`getallheaders()`), in param order.
    pub request_headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// A fatal error happened (for `WebOutcome::fatal`).
    pub fatal: bool,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<RefCell<ResponseState>>>> = const { RefCell::new(None) };
}

/// Makes `state` the current request's state (or clears it with `None`).
pub(crate) fn set_current(state: Option<Rc<RefCell<ResponseState>>>) {
    CURRENT.with(|c| *c.borrow_mut() = state);
}

/// The current request's state, if a web request is running on this thread.
pub(crate) fn current() -> Option<Rc<RefCell<ResponseState>>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Runs `f` on the current request's state; `None` outside a web request.
pub(crate) fn with_current<R>(f: impl FnOnce(&mut ResponseState) -> R) -> Option<R> {
    let state = current()?;
    let mut st = state.borrow_mut();
    Some(f(&mut st))
}

/// The reason phrase PHP's SAPI writes for a status code (`main/http_status_codes.h`,
/// measured against php-fpm 8.2); empty for codes PHP has no phrase for (418, 299, ...),
/// which php-fpm sends as a bare `Status: 418`.
pub(crate) fn reason_phrase(code: u16) -> &'static [u8] {
    match code {
        100 => b"Continue",
        101 => b"Switching Protocols",
        200 => b"OK",
        201 => b"Created",
        202 => b"Accepted",
        203 => b"Non-Authoritative Information",
        204 => b"No Content",
        205 => b"Reset Content",
        206 => b"Partial Content",
        300 => b"Multiple Choices",
        301 => b"Moved Permanently",
        302 => b"Found",
        303 => b"See Other",
        304 => b"Not Modified",
        305 => b"Use Proxy",
        307 => b"Temporary Redirect",
        308 => b"Permanent Redirect",
        400 => b"Bad Request",
        401 => b"Unauthorized",
        402 => b"Payment Required",
        403 => b"Forbidden",
        404 => b"Not Found",
        405 => b"Method Not Allowed",
        406 => b"Not Acceptable",
        407 => b"Proxy Authentication Required",
        408 => b"Request Timeout",
        409 => b"Conflict",
        410 => b"Gone",
        411 => b"Length Required",
        412 => b"Precondition Failed",
        413 => b"Request Entity Too Large",
        414 => b"Request-URI Too Long",
        415 => b"Unsupported Media Type",
        416 => b"Requested Range Not Satisfiable",
        417 => b"Expectation Failed",
        426 => b"Upgrade Required",
        428 => b"Precondition Required",
        429 => b"Too Many Requests",
        431 => b"Request Header Fields Too Large",
        451 => b"Unavailable For Legal Reasons",
        500 => b"Internal Server Error",
        501 => b"Not Implemented",
        502 => b"Bad Gateway",
        503 => b"Service Unavailable",
        504 => b"Gateway Timeout",
        505 => b"HTTP Version Not Supported",
        506 => b"Variant Also Negotiates",
        511 => b"Network Authentication Required",
        _ => b"",
    }
}

impl ResponseState {
    /// A fresh state for a request.
    pub fn new(out: SharedWriter, body_in: Box<dyn io::Read>, chunk_size: usize) -> ResponseState {
        ResponseState {
            out,
            body_in,
            status: 200,
            sent_status: 200,
            reason: None,
            headers: Vec::new(),
            headers_sent: false,
            finished: false,
            chunk: Vec::new(),
            chunk_size: chunk_size.max(1),
            body_bytes: 0,
            default_mimetype: b"text/html".to_vec(),
            default_charset: b"UTF-8".to_vec(),
            expose_php: false,
            send_default_type: true,
            head_request: false,
            uploaded: Vec::new(),
            input: Vec::new(),
            input_complete: false,
            ignore_user_abort: false,
            request_headers: Vec::new(),
            fatal: false,
        }
    }

    /// The head as it goes out: status, reason and header lines with the defaults PHP adds
    /// (`X-Powered-By` when `expose_php`, the default Content-type).
    pub fn build_head(&self) -> (u16, Vec<u8>, Vec<Vec<u8>>) {
        let mut headers = Vec::with_capacity(self.headers.len() + 1);
        let mut status = self.status;
        let mut reason = match &self.reason {
            Some(r) => r.clone(),
            None => reason_phrase(self.status).to_vec(),
        };
        for h in &self.headers {
            // A `Status:` header decides the status (php-fpm passes it on as is and then
            // writes no status line of its own).
            if h.len() > 7 && h[..7].eq_ignore_ascii_case(b"status:") {
                let v = h[7..].trim_ascii();
                let digits = v.iter().take_while(|c| c.is_ascii_digit()).count();
                if let Some(code) = std::str::from_utf8(&v[..digits])
                    .ok()
                    .and_then(|d| d.parse::<u16>().ok())
                {
                    status = code;
                    reason = v[digits..].trim_ascii().to_vec();
                }
                continue;
            }
            headers.push(h.clone());
        }
        if let Some(ct) = self.default_content_type() {
            headers.push(ct);
        }
        (status, reason, headers)
    }

    /// The default `Content-type` line, while it is still to be sent.
    fn default_content_type(&self) -> Option<Vec<u8>> {
        if !self.send_default_type || self.default_mimetype.is_empty() {
            return None;
        }
        let mut ct = b"Content-type: ".to_vec();
        ct.extend_from_slice(&self.default_mimetype);
        if !self.default_charset.is_empty()
            && self.default_mimetype.len() >= 5
            && self.default_mimetype[..5].eq_ignore_ascii_case(b"text/")
        {
            ct.extend_from_slice(b"; charset=");
            ct.extend_from_slice(&self.default_charset);
        }
        Some(ct)
    }

    /// Sends the head (once).
    pub fn send_head(&mut self) {
        if self.headers_sent {
            return;
        }
        self.headers_sent = true;
        // Once sent, the default Content-type is one of the headers (`headers_list()`).
        if let Some(ct) = self.default_content_type() {
            self.headers.push(ct);
            self.send_default_type = false;
        }
        let (status, reason, headers) = self.build_head();
        self.sent_status = status;
        // A failed write means the client is gone; the writer reports it by `aborted`.
        let _ = self.out.borrow_mut().head(status, &reason, &headers);
    }

    /// Program output reaching the SAPI.
    pub fn write_body(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.send_head();
        if self.finished || self.head_request {
            return;
        }
        self.chunk.extend_from_slice(bytes);
        if self.chunk.len() >= self.chunk_size {
            self.take_chunk();
        }
    }

    /// PHP's `flush()`: the collected body bytes go to the client now.
    pub fn flush_body(&mut self) {
        self.take_chunk();
        let _ = self.out.borrow_mut().flush();
    }

    /// Hands the collected body bytes to the writer, in pieces of at most `chunk_size`
    /// bytes (one big `echo` still reaches the server in pieces).
    pub fn take_chunk(&mut self) {
        if self.chunk.is_empty() {
            return;
        }
        self.body_bytes += self.chunk.len() as u64;
        let mut out = self.out.borrow_mut();
        for piece in self.chunk.chunks(self.chunk_size) {
            let _ = out.body(piece);
        }
        self.chunk.clear();
    }

    /// `fastcgi_finish_request()`: everything so far goes out and the response ends.
    pub fn finish_request(&mut self) {
        if self.finished {
            return;
        }
        self.send_head();
        self.take_chunk();
        self.finished = true;
        let _ = self.out.borrow_mut().finish();
    }

    /// Writes a line to the server's error log.
    pub fn log(&mut self, line: Vec<u8>) {
        self.out.borrow_mut().error_log(&line);
    }

    /// Whether the client went away.
    pub fn client_aborted(&mut self) -> bool {
        self.out.borrow().aborted()
    }

    /// Reads up to `max` more request-body bytes into `input`; false at the end.
    pub fn read_more_input(&mut self, max: usize) -> bool {
        if self.input_complete {
            return false;
        }
        let start = self.input.len();
        self.input.resize(start + max.clamp(1, 1 << 20), 0);
        let n = loop {
            match self.body_in.read(&mut self.input[start..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break 0,
            }
        };
        self.input.truncate(start + n);
        if n == 0 {
            self.input_complete = true;
        }
        n > 0
    }

    /// Reads the whole request body into `input`.
    pub fn read_all_input(&mut self) {
        while self.read_more_input(64 * 1024) {}
    }
}

/// Whether header line `line` (`Name: value`) has the (lower-case) name `lc_name`.
pub(crate) fn header_name_is(line: &[u8], lc_name: &[u8]) -> bool {
    let name_end = line.iter().position(|&c| c == b':').unwrap_or(line.len());
    line[..name_end].trim_ascii().eq_ignore_ascii_case(lc_name)
}

/// The `Vm`'s output sink in a web request.
pub(crate) struct WebSink(pub Rc<RefCell<ResponseState>>);

impl io::Write for WebSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write_body(buf);
        Ok(buf.len())
    }

    /// Hands the collected bytes to the writer without asking it to flush: the engine
    /// flushes its sink at the very end of every request, where the writer's finish sends
    /// them anyway. PHP's `flush()` pushes them out (`web::flush_now`).
    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().take_chunk();
        Ok(())
    }
}
