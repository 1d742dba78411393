//! The executor pool: `thread_count` std threads, each owning one PHP engine (engines are
//! not `Send`, so each is created on its own thread), fed by one flume queue, behind the
//! `Executor` actor. Requests wait in the queue when every thread is busy; `Load` counts
//! running and queued requests for the admin endpoint.
//!
//! The queue carries `Work`: a FastCGI connection with bytes waiting (`Work::Conn`, served
//! on the thread itself, see `connection.rs`), or a `Job` from the development HTTP
//! listener or warm-up, whose body arrives as a flume channel of chunks (read by a
//! blocking `Read` on the executor thread) and whose response leaves as `Output` messages
//! over a bounded channel, so a slow client slows the script instead of buffering the
//! whole page. The PHP script runs on the executor thread itself. The threads are
//! plain threads rather than a `SyncArbiter` because the engine needs a large native stack
//! (the CLI uses 64 MiB) and `SyncArbiter` cannot set one.

use std::cell::RefCell;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;

use super::connection::{self, Conn, ConnBody, Idle, Kick, Live, Step};
use crate::server::log::{access_line, AccessRecord, ACCESS, PHP};
use crate::vm::limits;
use crate::vm::web::{EnginePanic, ResponseWriter, SharedWriter, WebOutcome, WebRequest};

/// Native stack of each executor thread, as the CLI's engine thread.
const ENGINE_STACK_SIZE: usize = 64 << 20;

/// Body bytes gathered before they are sent to the connection as one message.
const OUTPUT_CHUNK: usize = 32 * 1024;

/// A request whose allocations peaked above this many bytes over the thread's idle level
/// hands its freed memory back to the OS when it ends (`alloc::release_unused_memory`), so
/// a memory bomb (up to `memory_limit` per thread) does not stay resident.
const RELEASE_AFTER_PEAK: isize = 32 << 20;

/// An executor thread that has served requests and then finds no work for this long hands
/// the memory its freed blocks leave unused back to the OS (once per idle spell): an idle
/// server's RSS is then what it holds, not what its busiest moment left in the allocator.
/// A busy thread never waits this long, so it costs nothing under load.
const IDLE_RELEASE_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Output messages that may wait for the connection before the script blocks.
pub const OUTPUT_QUEUE: usize = 8;

use connection::BODY_READ_TIMEOUT;

/// What runs a request: the PHP engine in production, a stand-in in unit tests.
pub trait Engine {
    /// Runs one request to its end, writing the response to `out`.
    fn run(&mut self, request: WebRequest, out: SharedWriter) -> WebOutcome;
}

/// Makes one engine; called on each executor thread (and again after a panic).
pub type EngineFactory = Arc<dyn Fn() -> Box<dyn Engine> + Send + Sync>;

/// Requests running and waiting, shared by the pool and whoever reports load.
#[derive(Debug, Default)]
pub struct Load {
    running: AtomicUsize,
    queued: AtomicUsize,
    /// Requests whose engine panicked (each answered 500, its engine replaced).
    panics: AtomicU64,
    /// What each executor thread is doing (`/status.json`).
    threads: std::sync::Mutex<Vec<ThreadStatus>>,
}

/// One executor thread as the admin endpoint shows it.
#[derive(Debug, Clone)]
pub struct ThreadStatus {
    pub index: usize,
    /// The request being run, if any.
    pub busy: Option<Busy>,
    /// Requests finished by this thread.
    pub requests: u64,
}

/// The request a thread is running.
#[derive(Debug, Clone)]
pub struct Busy {
    pub method: String,
    pub uri: String,
    pub since: Instant,
}

impl Load {
    /// A snapshot of every executor thread's state.
    pub fn threads(&self) -> Vec<ThreadStatus> {
        self.threads.lock().map(|t| t.clone()).unwrap_or_default()
    }

    fn set_busy(&self, index: usize, busy: Option<Busy>) {
        if let Ok(mut t) = self.threads.lock() {
            if let Some(st) = t.get_mut(index) {
                if busy.is_none() {
                    st.requests += 1;
                }
                st.busy = busy;
            }
        }
    }
}

impl Load {
    /// Requests an executor thread is running now.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::Relaxed)
    }

    /// Requests waiting for a free executor thread.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Requests whose engine panicked since the server started.
    pub fn panics(&self) -> u64 {
        self.panics.load(Ordering::Relaxed)
    }
}

/// The response head: status, reason phrase and `Name: value` header lines.
#[derive(Debug, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    pub reason: Vec<u8>,
    pub headers: Vec<Vec<u8>>,
}

/// The next piece of a response, from the executor thread to the connection that owns the
/// client: the head (in the first message only), body bytes, and whether the response is
/// complete (the script ended or called `fastcgi_finish_request`).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub head: Option<Head>,
    pub body: Vec<u8>,
    pub end: bool,
}

/// One request for the pool.
pub struct Job {
    /// CGI params as the front end sent them.
    pub params: Vec<(Vec<u8>, Vec<u8>)>,
    /// Body chunks; the sender's drop is the end of the body.
    pub body: flume::Receiver<Vec<u8>>,
    /// Where the response goes (bounded: `OUTPUT_QUEUE`).
    pub output: flume::Sender<Output>,
    /// Set by the connection when the client went away (`connection_aborted()`).
    pub aborted: Arc<AtomicBool>,
    /// The peer address, for the access log when the params carry no REMOTE_ADDR.
    pub peer: String,
}

/// What the executor threads take off the queue.
pub enum Work {
    /// A request with channels for its body and response.
    Job(Job),
    /// A FastCGI connection with bytes waiting, served on the thread.
    Conn(Conn),
}

/// The handle that queues work for the executor threads (cloned into the listeners).
#[derive(Clone)]
pub struct Pool {
    queue: flume::Sender<Work>,
    load: Arc<Load>,
    kick: Arc<Kick>,
}

impl Pool {
    /// Queues `work` and wakes a thread for it.
    pub fn submit(&self, work: Work) {
        self.load.queued.fetch_add(1, Ordering::Relaxed);
        if self.queue.send(work).is_err() {
            // Every thread is gone (only after a failed engine factory): the work is
            // dropped, which a job's connection sees as a closed output channel.
            self.load.queued.fetch_sub(1, Ordering::Relaxed);
            tracing::error!("no executor thread left to run a request");
            return;
        }
        self.kick.notify();
    }
}

/// Runs a request on the pool; the answer arrives on the job's output channel.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Execute(pub Job);

/// Asks for the shared load counters.
#[derive(Message)]
#[rtype(result = "Arc<Load>")]
pub struct GetLoad;

/// The actor in front of the executor threads.
pub struct Executor {
    pool: Option<Pool>,
    load: Arc<Load>,
}

impl Executor {
    /// Starts `threads` executor threads, each calling `factory` once to make its engine.
    ///
    /// # Errors
    ///
    /// The OS refused to start a thread.
    pub fn start_threads(threads: usize, factory: EngineFactory) -> io::Result<Executor> {
        let (queue, jobs) = flume::unbounded::<Work>();
        let load = Arc::new(Load::default());
        let pool = Pool {
            queue,
            load: load.clone(),
            kick: Arc::new(Kick::new()?),
        };
        // Where idle connections are parked (the actix runtime serving the listeners).
        let runtime = tokio::runtime::Handle::try_current().ok();
        if let Ok(mut t) = load.threads.lock() {
            *t = (0..threads.max(1))
                .map(|index| ThreadStatus {
                    index,
                    busy: None,
                    requests: 0,
                })
                .collect();
        }
        for index in 0..threads.max(1) {
            let jobs = jobs.clone();
            let factory = factory.clone();
            let pool = pool.clone();
            let runtime = runtime.clone();
            std::thread::Builder::new()
                .name(format!("php-{index}"))
                .stack_size(ENGINE_STACK_SIZE)
                .spawn(move || worker(index, jobs, factory, pool, runtime))?;
        }
        Ok(Executor {
            pool: Some(pool),
            load,
        })
    }

    /// The queue handle for listeners.
    pub fn pool(&self) -> Option<Pool> {
        self.pool.clone()
    }

    /// The shared load counters.
    pub fn load(&self) -> Arc<Load> {
        self.load.clone()
    }
}

impl Actor for Executor {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Self::Context) {
        self.pool = None;
    }
}

impl Handler<Execute> for Executor {
    type Result = ();

    fn handle(&mut self, Execute(job): Execute, _: &mut Self::Context) {
        if let Some(pool) = &self.pool {
            pool.submit(Work::Job(job));
        }
    }
}

impl Handler<GetLoad> for Executor {
    type Result = MessageResult<GetLoad>;

    fn handle(&mut self, _: GetLoad, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.load.clone())
    }
}

/// One executor thread: make an engine, then take work until the queue closes.
fn worker(
    index: usize,
    jobs: flume::Receiver<Work>,
    factory: EngineFactory,
    pool: Pool,
    runtime: Option<tokio::runtime::Handle>,
) {
    let Some(engine) = make_engine(&factory) else {
        return;
    };
    let mut worker = Worker {
        index,
        engine,
        factory,
        pool,
        jobs,
        runtime,
        buf: Vec::new(),
    };
    let mut served_since_release = false;
    loop {
        let work = match worker.jobs.recv_timeout(IDLE_RELEASE_AFTER) {
            Ok(work) => work,
            Err(flume::RecvTimeoutError::Timeout) => {
                if served_since_release {
                    crate::alloc::release_unused_memory();
                    served_since_release = false;
                }
                continue;
            }
            Err(flume::RecvTimeoutError::Disconnected) => return,
        };
        served_since_release = true;
        worker.pool.load.queued.fetch_sub(1, Ordering::Relaxed);
        let alive = match work {
            Work::Job(job) => worker.run_job(job),
            Work::Conn(conn) => worker.serve(conn),
        };
        if !alive {
            return;
        }
    }
}

/// A response writer the pool can complete whatever the engine did.
trait PoolWriter: ResponseWriter + 'static {
    /// The answer when the engine panicked: a 500 if nothing was sent yet.
    fn internal_error(&mut self);
    /// Completes the response if the engine did not.
    fn end(&mut self);
    /// Body bytes written.
    fn body_bytes(&self) -> u64;
}

impl PoolWriter for ChannelWriter {
    fn internal_error(&mut self) {
        ChannelWriter::internal_error(self);
    }
    fn end(&mut self) {
        ChannelWriter::end(self);
    }
    fn body_bytes(&self) -> u64 {
        self.body_bytes
    }
}

impl PoolWriter for Live {
    fn internal_error(&mut self) {
        Live::internal_error(self);
    }
    fn end(&mut self) {
        Live::end(self);
    }
    fn body_bytes(&self) -> u64 {
        self.body_bytes
    }
}

/// One executor thread's state.
struct Worker {
    index: usize,
    engine: Box<dyn Engine>,
    factory: EngineFactory,
    pool: Pool,
    jobs: flume::Receiver<Work>,
    runtime: Option<tokio::runtime::Handle>,
    /// The socket read buffer, kept across connections.
    buf: Vec<u8>,
}

impl Worker {
    fn run_job(&mut self, job: Job) -> bool {
        let writer = Rc::new(RefCell::new(ChannelWriter::new(job.output, job.aborted)));
        let body = Box::new(BodyReader::new(job.body));
        self.run(job.params, body, writer, &job.peer)
    }

    /// Serves a connection's requests until it has none ready, then keeps it (while no
    /// other work waits) or parks it. False when the engine is gone.
    fn serve(&mut self, mut conn: Conn) -> bool {
        let mut buf = std::mem::take(&mut self.buf);
        let mut alive = true;
        loop {
            match connection::next_step(&mut conn, &mut buf) {
                Step::Closed => break,
                Step::Run(begun) => {
                    let peer = conn.peer.clone();
                    let live = Rc::new(RefCell::new(Live::new(conn, buf, &begun)));
                    let body = Box::new(ConnBody::new(live.clone()));
                    alive = self.run(begun.params, body, live.clone(), &peer);
                    let Ok(live) = Rc::try_unwrap(live) else {
                        // Something of the request outlived it (never expected): the
                        // connection goes with it.
                        tracing::error!("internal error: a request kept its connection");
                        buf = Vec::new();
                        break;
                    };
                    let (back, back_buf, reusable) = live.into_inner().into_conn();
                    conn = back;
                    buf = back_buf;
                    if !reusable || !alive {
                        break;
                    }
                }
                Step::Idle => {
                    let jobs = &self.jobs;
                    match connection::wait_idle(&conn, &self.pool.kick, &|| jobs.is_empty()) {
                        Idle::Readable => {}
                        Idle::Park => {
                            let pool = self.pool.clone();
                            connection::park(conn, self.runtime.as_ref(), move |conn| {
                                pool.submit(Work::Conn(conn));
                            });
                            break;
                        }
                    }
                }
            }
        }
        self.buf = buf;
        alive
    }

    /// Runs one request on the engine, containing a panic (500, logged, fresh engine);
    /// false when no engine could be made again.
    fn run<W: PoolWriter>(
        &mut self,
        params: Vec<(Vec<u8>, Vec<u8>)>,
        body: Box<dyn io::Read>,
        writer: Rc<RefCell<W>>,
        peer: &str,
    ) -> bool {
        let load = self.pool.load.clone();
        let index = self.index;
        load.running.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let param = |name: &[u8]| -> String {
            params
                .iter()
                .rev()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
                .unwrap_or_else(|| "-".to_string())
        };
        let mut client = param(b"REMOTE_ADDR");
        if client == "-" {
            client = peer.to_string();
        }
        let (method, uri, protocol) = (
            param(b"REQUEST_METHOD"),
            param(b"REQUEST_URI"),
            param(b"SERVER_PROTOCOL"),
        );
        load.set_busy(
            index,
            Some(Busy {
                method: method.clone(),
                uri: uri.clone(),
                since: started,
            }),
        );
        let request = WebRequest { params, body };
        let shared: SharedWriter = writer.clone();
        let idle_net = limits::net_allocated();
        let engine = &mut self.engine;
        let outcome = match catch_unwind(AssertUnwindSafe(|| engine.run(request, shared))) {
            Ok(outcome) => outcome,
            Err(panic) => {
                load.panics.fetch_add(1, Ordering::Relaxed);
                let what = EnginePanic::message_of(&*panic);
                let (script, place) = match panic.downcast_ref::<EnginePanic>() {
                    Some(p) => {
                        let file = String::from_utf8_lossy(&p.file).into_owned();
                        let place = format!(" in {file} on line {}", p.line);
                        (p.file.clone(), place)
                    }
                    None => (Vec::new(), String::new()),
                };
                tracing::error!(
                    "internal error: the engine panicked on {method} {uri}: {what}{place}"
                );
                writer.borrow_mut().internal_error();
                // The engine's state after a panic is unknown: start afresh.
                match make_engine(&self.factory) {
                    Some(fresh) => self.engine = fresh,
                    None => {
                        writer.borrow_mut().end();
                        load.running.fetch_sub(1, Ordering::Relaxed);
                        return false;
                    }
                }
                WebOutcome {
                    status: 500,
                    body_bytes: writer.borrow().body_bytes(),
                    script,
                    fatal: true,
                }
            }
        };
        writer.borrow_mut().end();
        let script = String::from_utf8_lossy(&outcome.script);
        let record = AccessRecord {
            client: &client,
            method: &method,
            uri: &uri,
            protocol: &protocol,
            status: outcome.status,
            bytes: outcome.body_bytes,
            duration: started.elapsed(),
            script: if script.is_empty() { "-" } else { &script },
        };
        tracing::info!(target: ACCESS, "{}", access_line(&record, jiff::Timestamp::now()));
        drop(writer);
        if limits::peak_allocated().saturating_sub(idle_net) > RELEASE_AFTER_PEAK {
            crate::alloc::release_unused_memory();
        }
        load.set_busy(index, None);
        load.running.fetch_sub(1, Ordering::Relaxed);
        true
    }
}

/// Calls the factory, containing a panic (then this thread gives up, logged).
fn make_engine(factory: &EngineFactory) -> Option<Box<dyn Engine>> {
    match catch_unwind(AssertUnwindSafe(|| factory())) {
        Ok(engine) => Some(engine),
        Err(_) => {
            tracing::error!("internal error: could not create a PHP engine");
            None
        }
    }
}

/// The request body as a blocking reader over the connection's chunks.
struct BodyReader {
    chunks: flume::Receiver<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
}

impl BodyReader {
    fn new(chunks: flume::Receiver<Vec<u8>>) -> Self {
        BodyReader {
            chunks,
            current: Vec::new(),
            pos: 0,
        }
    }
}

impl io::Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.current.len() {
            match self.chunks.recv_timeout(BODY_READ_TIMEOUT) {
                Ok(chunk) => {
                    self.current = chunk;
                    self.pos = 0;
                }
                Err(flume::RecvTimeoutError::Disconnected) => return Ok(0),
                Err(flume::RecvTimeoutError::Timeout) => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "timed out waiting for the request body",
                    ))
                }
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The engine's `ResponseWriter`: the head and body chunks over the output channel. The
/// head waits for the first body chunk (or the end), so a small page is one message.
struct ChannelWriter {
    output: flume::Sender<Output>,
    aborted: Arc<AtomicBool>,
    head_sent: bool,
    finished: bool,
    /// The head, until it goes out with the first message.
    head: Option<Head>,
    pending: Vec<u8>,
    body_bytes: u64,
}

impl ChannelWriter {
    fn new(output: flume::Sender<Output>, aborted: Arc<AtomicBool>) -> Self {
        ChannelWriter {
            output,
            aborted,
            head_sent: false,
            finished: false,
            head: None,
            pending: Vec::new(),
            body_bytes: 0,
        }
    }

    /// Sends the head (if not sent yet), the pending body bytes and, with `end`, the end.
    fn send(&mut self, end: bool) -> io::Result<()> {
        let message = Output {
            head: self.head.take(),
            body: std::mem::take(&mut self.pending),
            end,
        };
        if message.head.is_none() && message.body.is_empty() && !end {
            return Ok(());
        }
        if self.output.send(message).is_err() {
            // The connection is gone: the client aborted.
            self.aborted.store(true, Ordering::Relaxed);
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the client connection is gone",
            ));
        }
        Ok(())
    }

    /// The answer when the engine panicked: a 500 if nothing was sent yet.
    fn internal_error(&mut self) {
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
    fn end(&mut self) {
        if !self.head_sent {
            let _ = self.head(500, b"Internal Server Error", &[]);
        }
        let _ = self.finish();
    }
}

impl ResponseWriter for ChannelWriter {
    fn head(&mut self, status: u16, reason: &[u8], headers: &[Vec<u8>]) -> io::Result<()> {
        if self.head_sent || self.finished {
            return Ok(());
        }
        self.head_sent = true;
        self.head = Some(Head {
            status,
            reason: reason.to_vec(),
            headers: headers.to_vec(),
        });
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
        if self.finished {
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
        self.aborted.load(Ordering::Relaxed)
    }

    fn error_log(&mut self, line: &[u8]) {
        tracing::error!(target: PHP, "{}", String::from_utf8_lossy(line).trim_end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Echoes the body, or panics when the body says so.
    struct EchoEngine;

    impl Engine for EchoEngine {
        fn run(&mut self, mut request: WebRequest, out: SharedWriter) -> WebOutcome {
            let mut body = Vec::new();
            let _ = request.body.read_to_end(&mut body);
            if body == b"panic" {
                panic!("asked to");
            }
            let mut out = out.borrow_mut();
            let _ = out.head(200, b"OK", &[b"X-A: 1".to_vec()]);
            let _ = out.body(&body);
            WebOutcome {
                status: 200,
                body_bytes: body.len() as u64,
                script: b"/echo.php".to_vec(),
                fatal: false,
            }
        }
    }

    fn run_one(executor: &Executor, body: &[u8]) -> Vec<Output> {
        let (body_tx, body_rx) = flume::unbounded();
        let (out_tx, out_rx) = flume::bounded(OUTPUT_QUEUE);
        let job = Job {
            params: vec![(b"REQUEST_METHOD".to_vec(), b"POST".to_vec())],
            body: body_rx,
            output: out_tx,
            aborted: Arc::new(AtomicBool::new(false)),
            peer: "test".into(),
        };
        executor.pool().expect("running").submit(Work::Job(job));
        for piece in body.chunks(3) {
            body_tx.send(piece.to_vec()).expect("reader alive");
        }
        drop(body_tx);
        out_rx.iter().collect()
    }

    #[test]
    fn runs_requests_and_survives_a_panicking_engine() {
        let factory: EngineFactory = Arc::new(|| Box::new(EchoEngine) as Box<dyn Engine>);
        let executor = Executor::start_threads(1, factory).expect("threads");
        let out = run_one(&executor, b"hello body");
        // A small response is one message: head, body and end.
        assert_eq!(
            out,
            vec![Output {
                head: Some(Head {
                    status: 200,
                    reason: b"OK".to_vec(),
                    headers: vec![b"X-A: 1".to_vec()]
                }),
                body: b"hello body".to_vec(),
                end: true,
            }]
        );
        let out = run_one(&executor, b"panic");
        assert!(
            matches!(out[0].head, Some(Head { status: 500, .. })),
            "{out:?}"
        );
        assert!(out.last().is_some_and(|o| o.end), "{out:?}");
        // The same single thread, with a fresh engine, serves the next request.
        let out = run_one(&executor, b"again");
        assert_eq!(out[0].body, b"again".to_vec());
        assert_eq!(executor.load.panics(), 1);
    }
}
