//! The recorder actor: writes request recordings (`crate::record`) into the recording
//! directory on its own thread, within the configured caps on files and bytes, and
//! `RecordingEngine`, the executor-side tee that captures a sampled request and its
//! response and hands the recording over without waiting.
//!
//! Recording never slows or fails the request it records: the copy is pushed onto a shared
//! bounded queue (a full queue drops the recording and counts it) that the recorder drains
//! every `DRAIN_INTERVAL`, so a request costs no message and no thread wake-up; every
//! file-system problem (full disk, caps reached, unwritable directory) drops recordings
//! and is logged once, not per request.
//!
//! The request's thread only copies what it must (params, the body as read, the response
//! up to the body limit, a running digest) into a `Capture`; the recorder turns captures
//! into JSON with the hand-written writer (`record::json`) in one reused buffer and writes
//! each as its own file (created aside and renamed, never fsynced).

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::prelude::*;

use super::executor::Engine;
use crate::record::{Capture, TeeBody, TeeWriter};
use crate::server::config::RecordConfig;
use crate::vm::web::{SharedWriter, WebOutcome, WebRequest};

/// Recordings that may wait for the recorder before new ones are dropped.
const RECORDER_QUEUE: usize = 16_384;

/// How often the recorder writes what is queued.
const DRAIN_INTERVAL: Duration = Duration::from_millis(20);

/// Recordings waiting for the recorder, filled by the executor threads.
#[derive(Default)]
pub struct RecordQueue {
    waiting: Mutex<Vec<Capture>>,
}

impl RecordQueue {
    /// Queues a recording; `false` (and the recording dropped) when the queue is full.
    fn push(&self, recording: Capture) -> bool {
        match self.waiting.lock() {
            Ok(mut waiting) if waiting.len() < RECORDER_QUEUE => {
                waiting.push(recording);
                true
            }
            _ => false,
        }
    }

    fn take(&self) -> Vec<Capture> {
        self.waiting
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default()
    }
}

/// Writes everything queued so far; answered when it is on disk (graceful stop).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Flush;

impl Handler<Flush> for Recorder {
    type Result = ();

    fn handle(&mut self, _: Flush, _: &mut Self::Context) {
        self.drain();
    }
}

/// Counters shared by the tee and the recorder.
#[derive(Debug, Default)]
pub struct RecordStats {
    pub written: AtomicU64,
    pub dropped: AtomicU64,
}

/// The actor owning the recording directory.
pub struct Recorder {
    queue: Arc<RecordQueue>,
    dir: PathBuf,
    max_files: u64,
    max_bytes: u64,
    files: u64,
    bytes: u64,
    seq: u64,
    stats: Arc<RecordStats>,
    /// A cap or a write error was logged (once per kind).
    cap_logged: bool,
    error_logged: bool,
    /// The JSON of the recording being written (reused).
    buf: Vec<u8>,
    /// `YYYYmmddTHHMMSS` of `stamp_second` (file names are made in the same second many
    /// times over).
    stamp_second: i64,
    stamp: String,
}

impl Recorder {
    /// A recorder for `config.dir` (created if missing); what is already there counts
    /// toward the caps.
    ///
    /// # Errors
    ///
    /// The directory cannot be created or read.
    pub fn new(
        config: &RecordConfig,
        queue: Arc<RecordQueue>,
        stats: Arc<RecordStats>,
    ) -> std::io::Result<Recorder> {
        std::fs::create_dir_all(&config.dir)?;
        let (mut files, mut bytes) = (0u64, 0u64);
        for entry in std::fs::read_dir(&config.dir)?.flatten() {
            if entry.path().extension().is_some_and(|x| x == "json") {
                files += 1;
                bytes += entry.metadata().map_or(0, |m| m.len());
            }
        }
        Ok(Recorder {
            queue,
            dir: config.dir.clone(),
            max_files: config.max_files,
            max_bytes: config.max_bytes,
            files,
            bytes,
            seq: 0,
            stats,
            cap_logged: false,
            error_logged: false,
            buf: Vec::with_capacity(8192),
            stamp_second: i64::MIN,
            stamp: String::new(),
        })
    }

    fn drop_one(&self) {
        self.stats.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Writes every queued recording.
    fn drain(&mut self) {
        for capture in self.queue.take() {
            self.save(capture);
        }
    }

    /// `STAMP-PID-SEQ.json`: the arrival time to the microsecond, in UTC.
    fn file_name(&mut self, arrival: &jiff::Timestamp) -> String {
        let second = arrival.as_second();
        if second != self.stamp_second {
            self.stamp_second = second;
            self.stamp = arrival.strftime("%Y%m%dT%H%M%S").to_string();
        }
        let micros = arrival.subsec_microsecond().max(0);
        format!(
            "{}.{micros:06}-{}-{:06}.json",
            self.stamp,
            std::process::id(),
            self.seq
        )
    }

    fn save(&mut self, mut capture: Capture) {
        let mut text = std::mem::take(&mut self.buf);
        text.clear();
        capture.write_json(&mut text);
        self.write(&text, &capture.arrival);
        self.buf = text;
    }

    fn write(&mut self, text: &[u8], arrival: &jiff::Timestamp) {
        let len = text.len() as u64;
        if self.files + 1 > self.max_files || self.bytes + len > self.max_bytes {
            if !self.cap_logged {
                self.cap_logged = true;
                tracing::warn!(
                    "recording: {} holds {} files, {} bytes (caps {}, {}); further requests are not recorded",
                    self.dir.display(),
                    self.files,
                    self.bytes,
                    self.max_files,
                    self.max_bytes
                );
            }
            return self.drop_one();
        }
        self.seq += 1;
        let name = self.file_name(arrival);
        let tmp = self.dir.join(format!(".{name}.tmp"));
        // Written aside and renamed, so a reader never sees half a recording.
        let written =
            std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, self.dir.join(&name)));
        match written {
            Ok(()) => {
                self.files += 1;
                self.bytes += len;
                self.stats.written.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                if !self.error_logged {
                    self.error_logged = true;
                    tracing::warn!(
                        "recording: cannot write into {}: {e}; recordings are dropped while this lasts",
                        self.dir.display()
                    );
                }
                self.drop_one();
            }
        }
    }
}

impl Actor for Recorder {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(DRAIN_INTERVAL, |recorder, _| recorder.drain());
    }
}

/// Starts the recorder on its own arbiter thread.
///
/// # Errors
///
/// The recording directory cannot be created or read.
pub fn start(
    config: &RecordConfig,
    queue: Arc<RecordQueue>,
    stats: Arc<RecordStats>,
) -> std::io::Result<Addr<Recorder>> {
    let recorder = Recorder::new(config, queue, stats)?;
    let arbiter = Arbiter::new();
    Ok(Recorder::start_in_arbiter(&arbiter.handle(), move |_| {
        recorder
    }))
}

/// An engine that records what the engine inside it runs.
pub struct RecordingEngine {
    pub inner: Box<dyn Engine>,
    pub queue: Arc<RecordQueue>,
    pub config: RecordConfig,
    /// Recording starts once the server takes traffic (warm-up requests are not
    /// recorded).
    pub live: Arc<AtomicBool>,
    pub stats: Arc<RecordStats>,
    /// Sampling credit in parts per million: a request is recorded each time it reaches
    /// a million (deterministic, so a rate of 0.1 records every tenth request).
    credit: u32,
}

impl RecordingEngine {
    pub fn new(
        inner: Box<dyn Engine>,
        queue: Arc<RecordQueue>,
        config: RecordConfig,
        live: Arc<AtomicBool>,
        stats: Arc<RecordStats>,
    ) -> Self {
        RecordingEngine {
            inner,
            queue,
            config,
            live,
            stats,
            credit: 0,
        }
    }

    fn sampled(&mut self) -> bool {
        self.credit += self.config.sample_ppm;
        if self.credit >= 1_000_000 {
            self.credit -= 1_000_000;
            true
        } else {
            false
        }
    }
}

impl Engine for RecordingEngine {
    fn run(&mut self, request: WebRequest, out: SharedWriter) -> WebOutcome {
        if !self.live.load(Ordering::Relaxed) || !self.sampled() {
            return self.inner.run(request, out);
        }
        let arrival = jiff::Timestamp::now();
        let started = Instant::now();
        let params = request.params.clone();
        let (body, body_copy) = TeeBody::new(request.body, self.config.body_limit);
        let tee = Rc::new(RefCell::new(TeeWriter::new(out, self.config.body_limit)));
        let outcome = self.inner.run(
            WebRequest {
                params: request.params,
                body: Box::new(body),
            },
            tee.clone(),
        );
        let mut captured = std::mem::take(&mut tee.borrow_mut().captured);
        let duration = started.elapsed();
        if captured.status == 0 {
            // No head went through the tee: the pool completes such a response.
            captured.status = outcome.status;
        }
        if self.config.clear_input_on_success && outcome.status < 500 && !outcome.fatal {
            return outcome;
        }
        let body = match Arc::try_unwrap(body_copy) {
            Ok(copy) => copy.into_inner().unwrap_or_default(),
            // The engine still holds the body reader (it never should after `run`).
            Err(shared) => match shared.lock() {
                Ok(mut copy) => std::mem::take(&mut *copy),
                Err(_) => return outcome,
            },
        };
        let recording = Capture {
            arrival,
            params,
            body,
            captured,
            body_limit: self.config.body_limit,
            fatal: outcome.fatal,
            duration,
        };
        if !self.queue.push(recording) {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
        }
        outcome
    }
}
