//! One FastCGI connection, served by the executor thread that runs its requests (php-fpm's
//! model: the thread that runs the script reads the request and writes the response on
//! the socket itself, so a request costs no thread hand-off).
//!
//! A connection is a `Conn` (the non-blocking socket and its `fcgi::ServerConn` decoder)
//! that travels as `Work::Conn` through the executor queue. An executor thread takes it
//! when bytes are waiting, decodes records, runs each complete request (params arrived)
//! on its engine, streams the response as the script produces it, and when no complete
//! request is left it either keeps the connection ("sticky": waits in `poll` for the next
//! request, as long as no other work is queued, which `Kick` wakes it for) or parks it:
//! hands it to the actix runtime, which waits until the socket is readable and queues it
//! again (`park`). A peer that trickles its params therefore never holds a thread; a
//! script's body reads and response writes do, as they did before (the script waits for
//! its client).
//!
//! Connection rules (see `../shared/recipes/README.md`): END_REQUEST waits until the whole
//! body was read (an early reply must not leave STDIN unread, or Apache corrupts a reused
//! connection): the unread rest is read when the response ends and kept for the script
//! (after `fastcgi_finish_request`, `php://input` still reads it); FCGI_KEEP_CONN=0 closes
//! after END_REQUEST (nginx waits for that close); a peer closing mid-request or
//! FCGI_ABORT_REQUEST marks the request aborted (seen when the script reads its body or
//! writes its response, as in php-fpm) and its further output is dropped. Malformed input
//! closes only this connection, after the replies decoded before it. A write that cannot
//! progress for `WRITE_TIMEOUT` drops the connection; a slow client slows the script.
//! A small response (head, body, end) is one `write`.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::fcgi::{self, Event, ProtocolStatus, ServerConn};
use crate::vm::web::ResponseWriter;

/// How long one write to the front end may wait for the socket before the connection is
/// dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a script may wait for the next piece of its request body.
pub(super) const BODY_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Body bytes gathered before they are written as STDOUT records.
const OUTPUT_CHUNK: usize = 32 * 1024;

/// How long an executor thread keeps an idle keep-alive connection before parking it
/// (only while no other work is queued: queued work wakes it at once).
const STICKY_WAIT: Duration = Duration::from_secs(2);

/// Bytes read from the socket at once.
const READ_BUF: usize = 64 * 1024;

/// A connected socket of either kind, non-blocking.
pub enum Sock {
    Tcp(std::net::TcpStream),
    Unix(std::os::unix::net::UnixStream),
}

impl Sock {
    fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Sock::Tcp(s) => s.as_fd(),
            Sock::Unix(s) => s.as_fd(),
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Sock::Tcp(s) => s.read(buf),
            Sock::Unix(s) => s.read(buf),
        }
    }

    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sock::Tcp(s) => s.write(buf),
            Sock::Unix(s) => s.write(buf),
        }
    }

    fn shutdown(&self) {
        let _ = match self {
            Sock::Tcp(s) => s.shutdown(std::net::Shutdown::Write),
            Sock::Unix(s) => s.shutdown(std::net::Shutdown::Write),
        };
    }

    /// Waits (on the actix runtime) until the socket is readable or closed.
    async fn readable(self) -> io::Result<Sock> {
        match self {
            Sock::Tcp(s) => {
                let s = tokio::net::TcpStream::from_std(s)?;
                s.readable().await?;
                Ok(Sock::Tcp(s.into_std()?))
            }
            Sock::Unix(s) => {
                let s = tokio::net::UnixStream::from_std(s)?;
                s.readable().await?;
                Ok(Sock::Unix(s.into_std()?))
            }
        }
    }
}

/// Waits until `fd` is ready for `flags` or `timeout` passes; false on timeout.
fn wait_fd(fd: BorrowedFd<'_>, flags: nix::poll::PollFlags, timeout: Duration) -> bool {
    use nix::poll::{poll, PollFd, PollTimeout};
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(fd, flags)];
        match poll(&mut fds, ms) {
            Ok(0) if left.is_zero() => return false,
            Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
            _ => return true,
        }
    }
}

/// Wakes executor threads that wait on an idle connection when work is queued (a pipe
/// they poll beside their socket).
pub struct Kick {
    rx: OwnedFd,
    tx: OwnedFd,
    /// Threads waiting on an idle connection right now.
    sticky: AtomicUsize,
}

impl Kick {
    /// # Errors
    ///
    /// The pipe cannot be made.
    pub fn new() -> io::Result<Kick> {
        use nix::fcntl::OFlag;
        let (rx, tx) = nix::unistd::pipe2(OFlag::O_NONBLOCK | OFlag::O_CLOEXEC)?;
        Ok(Kick {
            rx,
            tx,
            sticky: AtomicUsize::new(0),
        })
    }

    /// Called after work was queued: wakes the sticky threads, if any.
    pub fn notify(&self) {
        // SeqCst pairs with `wait_idle`'s increment before it looks at the queue: either
        // that thread sees the new work or this sees the thread.
        if self.sticky.load(Ordering::SeqCst) > 0 {
            let _ = nix::unistd::write(&self.tx, &[1]);
        }
    }

    fn drain(&self) {
        use std::os::fd::AsRawFd;
        let mut buf = [0u8; 64];
        while matches!(nix::unistd::read(self.rx.as_raw_fd(), &mut buf), Ok(n) if n > 0) {}
    }
}

/// What became of an idle connection that a thread waited on.
pub(super) enum Idle {
    /// Bytes arrived: go on serving it.
    Readable,
    /// Other work is waiting, or nothing came: park it.
    Park,
}

/// Waits on an idle connection for up to `STICKY_WAIT` while `queue_empty` holds.
pub(super) fn wait_idle(conn: &Conn, kick: &Kick, queue_empty: &dyn Fn() -> bool) -> Idle {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    kick.sticky.fetch_add(1, Ordering::SeqCst);
    let deadline = Instant::now() + STICKY_WAIT;
    let result = loop {
        if !queue_empty() {
            break Idle::Park;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break Idle::Park;
        }
        let ms = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
        let mut fds = [
            PollFd::new(conn.sock.fd(), PollFlags::POLLIN),
            PollFd::new(kick.rx.as_fd(), PollFlags::POLLIN),
        ];
        match poll(&mut fds, ms) {
            Ok(n) if n > 0 => {
                let ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
                if ready(&fds[1]) {
                    kick.drain();
                }
                if ready(&fds[0]) {
                    break Idle::Readable;
                }
            }
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(_) => break Idle::Park,
        }
    };
    kick.sticky.fetch_sub(1, Ordering::SeqCst);
    result
}

/// A FastCGI connection between (or within) requests.
pub struct Conn {
    sock: Sock,
    codec: ServerConn,
    /// Decoded events not handled yet.
    events: VecDeque<Event>,
    scratch: Vec<Event>,
    /// Bytes to write before anything else (management replies, refusals).
    out: Vec<u8>,
    /// No more bytes will be read: the peer closed, the socket failed, or the input was
    /// malformed.
    eof: bool,
    /// Close once `out` is written.
    close_after: bool,
    /// The peer address, for the access log when the params carry no REMOTE_ADDR.
    pub peer: String,
}

impl Conn {
    /// A connection accepted on a listening socket.
    ///
    /// # Errors
    ///
    /// The socket cannot be made non-blocking.
    pub fn new(sock: Sock, peer: String, limits: fcgi::Limits) -> io::Result<Conn> {
        match &sock {
            Sock::Tcp(s) => s.set_nonblocking(true)?,
            Sock::Unix(s) => s.set_nonblocking(true)?,
        }
        Ok(Conn {
            sock,
            codec: ServerConn::new(limits),
            events: VecDeque::new(),
            scratch: Vec::new(),
            out: Vec::new(),
            eof: false,
            close_after: false,
            peer,
        })
    }

    /// Reads once if bytes are waiting (`wait`: waiting up to that long for them) and
    /// decodes them. `Ok(false)`: nothing arrived within `wait`.
    fn fill(&mut self, buf: &mut Vec<u8>, wait: Option<Duration>) -> io::Result<bool> {
        if self.eof {
            return Ok(true);
        }
        buf.resize(READ_BUF, 0);
        loop {
            match self.sock.read(buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(true);
                }
                Ok(n) => {
                    let result = self.codec.feed(&buf[..n], &mut self.scratch);
                    self.events.extend(self.scratch.drain(..));
                    if let Err(error) = result {
                        tracing::warn!(
                            "fastcgi connection from {}: {error}; closing it",
                            self.peer
                        );
                        self.eof = true;
                        self.close_after = true;
                    }
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => match wait {
                    Some(wait) if wait_fd(self.sock.fd(), nix::poll::PollFlags::POLLIN, wait) => {}
                    _ => return Ok(false),
                },
                Err(e) => {
                    self.eof = true;
                    return Err(e);
                }
            }
        }
    }

    /// Writes all of `bytes`, waiting for the socket while it is full; false when the
    /// connection is unusable (then it is marked closed).
    fn write_all(&mut self, mut bytes: &[u8]) -> bool {
        while !bytes.is_empty() {
            match self.sock.write(bytes) {
                Ok(0) => break,
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !wait_fd(self.sock.fd(), nix::poll::PollFlags::POLLOUT, WRITE_TIMEOUT) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        if !bytes.is_empty() {
            self.eof = true;
            self.close_after = true;
            return false;
        }
        true
    }

    /// Moves the replies among the decoded events (answers to management records, the
    /// refusal of a second BEGIN) into `out`: they go out before anything else, as soon as
    /// the connection writes.
    fn take_replies(&mut self) {
        if !self.events.iter().any(|e| matches!(e, Event::Reply(_))) {
            return;
        }
        let mut rest = VecDeque::with_capacity(self.events.len());
        for event in self.events.drain(..) {
            match event {
                Event::Reply(bytes) => self.out.extend_from_slice(&bytes),
                event => rest.push_back(event),
            }
        }
        self.events = rest;
    }

    /// Writes `out` (pending replies).
    fn write_out(&mut self) -> bool {
        if self.out.is_empty() {
            return true;
        }
        let out = std::mem::take(&mut self.out);
        let ok = self.write_all(&out);
        self.out = out;
        self.out.clear();
        ok
    }
}

/// A request to run, taken off a connection.
pub(super) struct Begun {
    pub request_id: u16,
    pub keep_conn: bool,
    pub params: Vec<(Vec<u8>, Vec<u8>)>,
}

/// What the thread serving a connection does next.
pub(super) enum Step {
    /// Run this request (`Live::new` then the engine).
    Run(Begun),
    /// No complete request is waiting: wait for one (sticky) or park.
    Idle,
    /// The connection is finished: it has been closed.
    Closed,
}

/// Handles the events between requests until a request can start; reads what is waiting
/// on the socket without blocking.
pub(super) fn next_step(conn: &mut Conn, buf: &mut Vec<u8>) -> Step {
    loop {
        while let Some(event) = conn.events.pop_front() {
            match event {
                Event::Reply(bytes) => conn.out.extend_from_slice(&bytes),
                Event::Request {
                    request_id,
                    keep_conn,
                    params,
                } => {
                    conn.take_replies();
                    if !conn.write_out() {
                        return close(conn);
                    }
                    return Step::Run(Begun {
                        request_id,
                        keep_conn,
                        params,
                    });
                }
                Event::Abort { request_id } if conn.codec.active_request() == Some(request_id) => {
                    // Aborted before its params ended: nothing ran, only answer it.
                    let keep_conn = conn.codec.keep_conn().unwrap_or(true);
                    fcgi::encode_end_request(
                        request_id,
                        0,
                        ProtocolStatus::RequestComplete,
                        &mut conn.out,
                    );
                    conn.codec.request_done();
                    if !keep_conn {
                        conn.close_after = true;
                    }
                }
                // STDIN of a request that was answered or refused: dropped.
                _ => {}
            }
        }
        if !conn.write_out() || conn.close_after || conn.eof {
            return close(conn);
        }
        match conn.fill(buf, None) {
            Ok(true) => {}
            Ok(false) => return Step::Idle,
            Err(_) => return close(conn),
        }
    }
}

fn close(conn: &mut Conn) -> Step {
    conn.sock.shutdown();
    Step::Closed
}

/// Hands an idle connection to the actix runtime, which queues it again with `submit`
/// once the socket is readable (or closed).
pub(super) fn park(
    conn: Conn,
    runtime: Option<&tokio::runtime::Handle>,
    submit: impl FnOnce(Conn) + Send + 'static,
) {
    let Some(runtime) = runtime else {
        return;
    };
    runtime.spawn(async move {
        // `readable` takes the socket by value (it passes through tokio's type and back).
        if let Ok(sock) = conn.sock.readable().await {
            submit(Conn { sock, ..conn });
        }
    });
}

/// The state of the request running on a connection, shared by the script's body reader
/// and its response writer.
pub(super) struct Live {
    pub conn: Conn,
    buf: Vec<u8>,
    request_id: u16,
    keep_conn: bool,
    stdin_done: bool,
    /// Body chunks read ahead of the script (at the end of the response).
    stash: VecDeque<Vec<u8>>,
    /// FCGI_ABORT_REQUEST, the peer gone, or a failed write: output is dropped.
    aborted: bool,
    head_sent: bool,
    finished: bool,
    /// The encoded head, until it goes out with the first body bytes or the end.
    head: Vec<u8>,
    pending: Vec<u8>,
    pub body_bytes: u64,
}

impl Live {
    pub(super) fn new(conn: Conn, buf: Vec<u8>, begun: &Begun) -> Live {
        Live {
            conn,
            buf,
            request_id: begun.request_id,
            keep_conn: begun.keep_conn,
            stdin_done: false,
            stash: VecDeque::new(),
            aborted: false,
            head_sent: false,
            finished: false,
            head: Vec::new(),
            pending: Vec::new(),
            body_bytes: 0,
        }
    }

    /// The connection and read buffer back, and whether the connection can serve another
    /// request (if not, it has been closed).
    pub(super) fn into_conn(self) -> (Conn, Vec<u8>, bool) {
        let reusable = self.keep_conn && !self.conn.eof && !self.conn.close_after;
        if !reusable {
            self.conn.sock.shutdown();
        }
        (self.conn, self.buf, reusable)
    }

    /// The next body chunk of the current request; `None` at its end (or when the body
    /// can no longer arrive).
    fn next_chunk(&mut self, wait: Duration) -> io::Result<Option<Vec<u8>>> {
        if let Some(chunk) = self.stash.pop_front() {
            return Ok(Some(chunk));
        }
        loop {
            while let Some(event) = self.conn.events.pop_front() {
                match event {
                    Event::Stdin { request_id, data } if request_id == self.request_id => {
                        if !self.stdin_done {
                            return Ok(Some(data));
                        }
                    }
                    Event::StdinEnd { request_id } if request_id == self.request_id => {
                        self.stdin_done = true;
                        return Ok(None);
                    }
                    Event::Abort { request_id } if request_id == self.request_id => {
                        self.aborted = true;
                        self.stdin_done = true;
                        return Ok(None);
                    }
                    Event::Reply(bytes) => {
                        // Answered now: the peer may wait for it before sending more.
                        self.conn.out.extend_from_slice(&bytes);
                        self.conn.write_out();
                    }
                    // A second BEGIN is refused by the codec itself (a `Reply`).
                    _ => {}
                }
            }
            if self.stdin_done {
                return Ok(None);
            }
            if self.conn.eof {
                // The peer is gone (or sent garbage) mid-request.
                self.aborted = true;
                self.stdin_done = true;
                return Ok(None);
            }
            let mut buf = std::mem::take(&mut self.buf);
            let got = self.conn.fill(&mut buf, Some(wait));
            self.buf = buf;
            match got {
                Ok(true) => {}
                Ok(false) => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "timed out waiting for the request body",
                    ))
                }
                Err(_) => {
                    self.aborted = true;
                    self.stdin_done = true;
                    return Ok(None);
                }
            }
        }
    }

    /// Reads the rest of the body into the stash, so END_REQUEST can follow the response.
    fn read_rest_of_body(&mut self) {
        let mut rest = VecDeque::new();
        while let Ok(Some(chunk)) = self.next_chunk(BODY_READ_TIMEOUT) {
            rest.push_back(chunk);
        }
        // `next_chunk` gives the stash first: what was stashed stays in front.
        self.stash.extend(rest);
        if !self.stdin_done {
            // Timed out: the peer stalls mid-body; give up on the connection.
            self.aborted = true;
            self.conn.eof = true;
        }
    }

    /// Writes the head (if not written yet), the pending body and, with `end`, the end of
    /// the response, in one write.
    fn send(&mut self, end: bool) -> io::Result<()> {
        if self.aborted {
            self.head.clear();
            self.pending.clear();
            if !end {
                return Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "the client connection is gone",
                ));
            }
        }
        self.conn.take_replies();
        let id = self.request_id;
        let out = &mut self.conn.out;
        if !self.head.is_empty() {
            fcgi::encode_stdout(id, &self.head, out);
            self.head.clear();
        }
        if !self.pending.is_empty() {
            fcgi::encode_stdout(id, &self.pending, out);
            self.pending.clear();
        }
        if end {
            if !self.stdin_done {
                self.read_rest_of_body();
            }
            if !self.conn.eof || self.stdin_done {
                fcgi::encode_stdout(id, &[], &mut self.conn.out);
                fcgi::encode_end_request(
                    id,
                    0,
                    ProtocolStatus::RequestComplete,
                    &mut self.conn.out,
                );
            }
            self.conn.codec.request_done();
            if !self.keep_conn {
                self.conn.close_after = true;
            }
        }
        if self.conn.eof && !self.stdin_done {
            return Ok(());
        }
        if !self.conn.write_out() {
            self.aborted = true;
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the client connection is gone",
            ));
        }
        Ok(())
    }

    /// The answer when the engine panicked: a 500 if nothing was sent yet.
    pub(super) fn internal_error(&mut self) {
        if !self.head_sent {
            let _ = self.head(
                500,
                b"Internal Server Error",
                &[b"Content-Type: text/plain".to_vec()],
            );
            let _ = self.body(b"Internal Server Error\n");
        }
    }

    /// Completes the response if the engine did not (always called after `run`).
    pub(super) fn end(&mut self) {
        if !self.head_sent {
            let _ = self.head(500, b"Internal Server Error", &[]);
        }
        let _ = self.finish();
    }
}

impl ResponseWriter for Live {
    fn head(&mut self, status: u16, reason: &[u8], headers: &[Vec<u8>]) -> io::Result<()> {
        if self.head_sent || self.finished {
            return Ok(());
        }
        self.head_sent = true;
        let mut bytes = format!("Status: {status} ").into_bytes();
        bytes.extend_from_slice(reason);
        bytes.extend_from_slice(b"\r\n");
        for header in headers {
            bytes.extend_from_slice(header);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
        self.head = bytes;
        Ok(())
    }

    fn body(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.finished {
            return Ok(());
        }
        self.body_bytes += bytes.len() as u64;
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= OUTPUT_CHUNK {
            self.send(false)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.finished || (self.head.is_empty() && self.pending.is_empty()) {
            return Ok(());
        }
        self.send(false)
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        self.send(true)
    }

    fn aborted(&self) -> bool {
        self.aborted
    }

    fn error_log(&mut self, line: &[u8]) {
        tracing::error!(target: crate::server::log::PHP, "{}", String::from_utf8_lossy(line).trim_end());
    }
}

/// The request body as the script reads it: chunks off the connection.
pub(super) struct ConnBody {
    pub live: std::rc::Rc<std::cell::RefCell<Live>>,
    current: Vec<u8>,
    pos: usize,
}

impl ConnBody {
    pub(super) fn new(live: std::rc::Rc<std::cell::RefCell<Live>>) -> ConnBody {
        ConnBody {
            live,
            current: Vec::new(),
            pos: 0,
        }
    }
}

impl Read for ConnBody {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.current.len() {
            let Ok(mut live) = self.live.try_borrow_mut() else {
                return Err(io::Error::other("the response is being written"));
            };
            match live.next_chunk(BODY_READ_TIMEOUT)? {
                Some(chunk) => {
                    self.current = chunk;
                    self.pos = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
