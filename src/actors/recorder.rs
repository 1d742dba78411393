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

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::prelude::*;

use super::executor::Engine;
use crate::record::{recording_of, Recording, TeeBody, TeeWriter};
use crate::server::config::RecordConfig;
use crate::vm::web::{SharedWriter, WebOutcome, WebRequest};

/// Recordings that may wait for the recorder before new ones are dropped.
const RECORDER_QUEUE: usize = 16_384;

/// How often the recorder writes what is queued.
const DRAIN_INTERVAL: Duration = Duration::from_millis(20);

/// Recordings waiting for the recorder, filled by the executor threads.
#[derive(Default)]
pub struct RecordQueue {
    waiting: Mutex<Vec<Recording>>,
}

impl RecordQueue {
    /// Queues a recording; `false` (and the recording dropped) when the queue is full.
    fn push(&self, recording: Recording) -> bool {
        match self.waiting.lock() {
            Ok(mut waiting) if waiting.len() < RECORDER_QUEUE => {
                waiting.push(recording);
                true
            }
            _ => false,
        }
    }

    fn take(&self) -> Vec<Recording> {
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
        })
    }

    fn drop_one(&self) {
        self.stats.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Writes every queued recording.
    fn drain(&mut self) {
        for recording in self.queue.take() {
            self.save(&recording);
        }
    }

    fn save(&mut self, recording: &Recording) {
        let text = recording.to_json();
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
        let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%S%.6f");
        let name = format!("{stamp}-{}-{:06}.json", std::process::id(), self.seq);
        let tmp = self.dir.join(format!(".{name}.tmp"));
        // Written aside and renamed, so a reader never sees half a recording.
        let written =
            std::fs::write(&tmp, &text).and_then(|()| std::fs::rename(&tmp, self.dir.join(&name)));
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
        let mut tee = tee.borrow_mut();
        let duration = started.elapsed();
        if tee.captured.status == 0 {
            // No head went through the tee: the pool completes such a response.
            tee.captured.status = outcome.status;
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
        let recording = recording_of(
            arrival,
            params,
            body,
            std::mem::take(&mut tee.captured),
            self.config.body_limit,
            outcome.fatal,
            duration,
        );
        if !self.queue.push(recording) {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
        }
        outcome
    }
}
