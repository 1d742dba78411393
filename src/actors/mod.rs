//! The server: actors on actix-rt. The only module that knows actix (`tests/tidy.rs`
//! checks). `serve` starts the executor pool, the FastCGI listeners (TCP and/or a Unix
//! socket), the optional development HTTP listener, and stops gracefully on SIGTERM or
//! SIGINT (running requests get `hhvm.server.graceful_shutdown_wait` seconds to finish).
//!
//! - `listener`: accepts connections and parks them until their first bytes arrive.
//! - `connection`: FastCGI records in and out for one connection, on the executor thread
//!   that runs its requests.
//! - `executor`: the `Executor` actor and its threads, each owning a PHP engine.
//! - `http`: the development HTTP listener (actix-web).
//! - `admin`: the admin endpoint and the APC purge actor.
//! - `recorder`: request recordings (`hhvm.debug.record_input`) and the tee that feeds it.

pub mod admin;
pub mod connection;
pub mod executor;
pub mod http;
pub mod listener;
pub mod recorder;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use anyhow::Context as _;

use crate::server::config::ServerConfig;
use crate::vm::web::{SharedWriter, WebEngine, WebOutcome, WebRequest};
use executor::{Engine, EngineFactory, Executor};
use listener::{ConnLimits, Listener, StopListening};

impl Engine for WebEngine {
    fn run(&mut self, request: WebRequest, out: SharedWriter) -> WebOutcome {
        WebEngine::run(self, request, out)
    }
}

/// The translation cache's default place in server mode: beside the server's runtime files
/// (the directory of `hhvm.server.file_socket`, else of `hhvm.log.file`), as HHVM kept its
/// repo beside its pid file and socket; the CLI's default under the user's cache
/// directory when the server has no runtime file.
fn server_repo_path(config: &ServerConfig) -> Option<std::path::PathBuf> {
    let runtime_dir = [&config.file_socket, &config.error_log]
        .into_iter()
        .flatten()
        .find_map(|file| file.parent().filter(|d| !d.as_os_str().is_empty()));
    match runtime_dir {
        Some(dir) => Some(dir.join("rhvm-repo.sqlite")),
        None => crate::repo::default_cli_path(),
    }
}

/// Runs the server until SIGTERM/SIGINT.
///
/// # Errors
///
/// A socket cannot be bound, or the executor threads cannot start.
pub fn serve(config: ServerConfig) -> anyhow::Result<()> {
    let system = actix_rt::System::new();
    let result = system.block_on(run(config));
    System::current().stop();
    result
}

async fn run(config: ServerConfig) -> anyhow::Result<()> {
    if !crate::vm::apc::configure_global(config.apc.clone()) {
        tracing::warn!("apc: the cache existed before the server configured it; settings ignored");
    }
    let repo = Arc::new(match config.repo_central_path.as_deref() {
        // Authoritative mode has no sources to fall back on: a missing repo stops start-up.
        _ if config.repo_authoritative => {
            let path = config
                .repo_path
                .as_deref()
                .or(config.repo_central_path.as_deref())
                .context("hhvm.repo.authoritative needs hhvm.repo.path")?;
            crate::repo::Repo::open_authoritative(std::path::Path::new(path))
                .map_err(anyhow::Error::msg)
                .context("cannot open the repo for authoritative mode")?
        }
        Some("") => crate::repo::Repo::in_memory_only(),
        Some(path) => crate::repo::Repo::open_central(std::path::Path::new(path), true),
        None => match server_repo_path(&config) {
            Some(path) => crate::repo::Repo::open_central(&path, true),
            None => crate::repo::Repo::in_memory_only(),
        },
    });
    let mut settings = crate::server::web_settings(&config);
    settings.unit_store = Some(crate::vm::unit_codec::SharedStore(repo.clone()));
    settings.spawner = Some(crate::vm::web::SharedSpawner(
        crate::lightproc::engine_spawner(),
    ));
    if config.jit.enabled {
        let jit = config.jit;
        settings.jit = Some(crate::vm::web::JitInstaller(Arc::new(move |vm| {
            crate::jit::install(vm, &jit)
        })));
    }
    let mut factory: EngineFactory =
        Arc::new(move || Box::new(WebEngine::new(settings.clone())) as Box<dyn Engine>);
    // Recording (and so warm-up's exclusion from it) starts when traffic does.
    let live = Arc::new(AtomicBool::new(false));
    let record_stats = Arc::new(recorder::RecordStats::default());
    let mut recorder_addr = None;
    if config.record.enabled {
        let stats = record_stats.clone();
        let queue = Arc::new(recorder::RecordQueue::default());
        match recorder::start(&config.record, queue.clone(), stats.clone()) {
            Ok(addr) => {
                tracing::info!("recording requests into {}", config.record.dir.display());
                recorder_addr = Some(addr.clone());
                let (inner, record, live) = (factory, config.record.clone(), live.clone());
                factory = Arc::new(move || {
                    Box::new(recorder::RecordingEngine::new(
                        inner(),
                        queue.clone(),
                        record.clone(),
                        live.clone(),
                        stats.clone(),
                    )) as Box<dyn Engine>
                });
            }
            Err(e) => tracing::warn!(
                "recording: cannot use {}: {e}; requests are not recorded",
                config.record.dir.display()
            ),
        }
    }
    let executor = Executor::start_threads(config.thread_count, factory)
        .context("cannot start the executor threads")?;
    let load = executor.load();
    let pool = executor
        .pool()
        .context("the executor threads stopped at once")?;
    let executor = executor.start();
    let limits = ConnLimits {
        max_params_bytes: config.max_params_bytes,
        max_reqs: u32::try_from(config.thread_count).unwrap_or(u32::MAX),
    };

    let warmup = Arc::new(admin::Warmup::default());
    let (stop_tx, mut stop_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut admin_server = None;
    if let Some(port) = config.admin_port {
        let state = admin::AdminState {
            load: load.clone(),
            threads: config.thread_count,
            started: Instant::now(),
            password: config.admin_password.clone(),
            dump_dir: std::env::temp_dir(),
            repo: repo.clone(),
            stop: stop_tx,
            warmup: warmup.clone(),
        };
        let addr = format!("{}:{port}", config.admin_ip);
        match admin::start(&addr, state) {
            Ok((handle, addrs)) => {
                for local in addrs {
                    announce(&format!("admin {local}"));
                }
                admin_server = Some(handle);
            }
            // The admin endpoint is for operators; a taken port must not stop serving.
            Err(e) => tracing::warn!("admin endpoint: cannot listen on {addr}: {e}"),
        }
    }

    if let Some(dir) = &config.warmup_requests {
        warm_up(dir, &executor, &warmup).await;
    }
    live.store(true, Ordering::Relaxed);

    let mut listeners = Vec::new();
    if config.listen_tcp {
        let (listener, local) = Listener::start_tcp(&config.ip, config.port, pool.clone(), limits)
            .await
            .with_context(|| format!("cannot listen on {}:{}", config.ip, config.port))?;
        listeners.push(listener);
        announce(&format!("fastcgi {local}"));
    }
    if let Some(path) = &config.file_socket {
        let listener = Listener::start_unix(path, pool.clone(), limits)
            .with_context(|| format!("cannot listen on {}", path.display()))?;
        listeners.push(listener);
        announce(&format!("fastcgi unix:{}", path.display()));
    }
    let mut http_server = None;
    if let (Some(addr), Some(docroot)) = (&config.http, &config.docroot) {
        let (handle, addrs) = http::start(addr, docroot.clone(), executor.clone())
            .with_context(|| format!("cannot listen on http {addr}"))?;
        for local in addrs {
            announce(&format!("http {local} (docroot {})", docroot.display()));
        }
        http_server = Some(handle);
    }
    if listeners.is_empty() && http_server.is_none() {
        anyhow::bail!("nothing to listen on");
    }
    let _purger = admin::ApcPurger {
        interval: Duration::from_secs(60),
    }
    .start();
    tokio::select! {
        r = wait_for_stop_signal() => r?,
        // `None` (no admin endpoint holds a sender) disables this branch.
        Some(()) = stop_rx.recv() => tracing::info!("stop requested through the admin endpoint"),
    }
    if let Some(handle) = &admin_server {
        drop(handle.stop(false));
    }
    tracing::info!(
        "stopping: {} running, {} queued requests get up to {}s",
        load.running(),
        load.queued(),
        config.graceful_shutdown_wait.as_secs()
    );
    for listener in &listeners {
        listener.do_send(StopListening);
    }
    if let Some(handle) = &http_server {
        // Stops accepting; in-flight HTTP requests are waited for below through `load`.
        drop(handle.stop(false));
    }
    let deadline = Instant::now() + config.graceful_shutdown_wait;
    while load.running() + load.queued() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if load.running() + load.queued() > 0 {
        tracing::warn!(
            "stopping with {} requests still running",
            load.running() + load.queued()
        );
    }
    // Give the connections a moment to write the ends of the last responses.
    tokio::time::sleep(Duration::from_millis(50)).await;
    if let Some(recorder) = recorder_addr {
        // The recordings of the last requests are written before the process ends.
        let left = deadline.saturating_duration_since(Instant::now()) + Duration::from_secs(1);
        if tokio::time::timeout(left, recorder.send(recorder::Flush))
            .await
            .is_err()
        {
            tracing::warn!("recording: stopping before the last recordings were written");
        }
        let written = record_stats.written.load(Ordering::Relaxed);
        match record_stats.dropped.load(Ordering::Relaxed) {
            0 => tracing::info!("recording: {written} requests recorded"),
            dropped => tracing::warn!(
                "recording: {written} requests recorded, {dropped} dropped (the recorder fell behind, or hit a cap or a write error)"
            ),
        }
    }
    tracing::info!("stopped");
    Ok(())
}

/// Replays the recordings in `dir` through the executor pool before traffic is accepted,
/// so every thread's caches are warm; the responses are discarded.
async fn warm_up(dir: &std::path::Path, executor: &Addr<Executor>, warmup: &admin::Warmup) {
    let started = Instant::now();
    warmup.running.store(true, Ordering::Relaxed);
    let entries = match crate::record::replay::load(&[dir.to_path_buf()]) {
        Ok(entries) => entries,
        Err(e) => {
            tracing::warn!("warm-up: {e}; starting cold");
            Vec::new()
        }
    };
    let mut pending = Vec::new();
    for entry in &entries {
        let Ok(body) = entry.recording.body() else {
            continue;
        };
        let (body_tx, body_rx) = flume::unbounded();
        let _ = body_tx.send(body);
        drop(body_tx);
        let (out_tx, out_rx) = flume::bounded(executor::OUTPUT_QUEUE);
        executor.do_send(executor::Execute(executor::Job {
            params: crate::record::replay::rebased_params(&entry.recording, &[]),
            body: body_rx,
            output: out_tx,
            aborted: Arc::new(AtomicBool::new(false)),
            peer: "warm-up".into(),
        }));
        pending.push(async move { while out_rx.recv_async().await.is_ok() {} });
    }
    futures_util::future::join_all(pending).await;
    warmup
        .requests
        .store(entries.len() as u64, Ordering::Relaxed);
    warmup.running.store(false, Ordering::Relaxed);
    tracing::info!(
        "warm-up: {} requests from {} in {} ms",
        entries.len(),
        dir.display(),
        started.elapsed().as_millis()
    );
}

/// The one line a starting server prints on stderr per listener (tests read the port).
fn announce(what: &str) {
    eprintln!("rhvm: listening on {what}");
    tracing::info!("listening on {what}");
}

async fn wait_for_stop_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    futures_util::future::select(Box::pin(term.recv()), Box::pin(int.recv())).await;
    Ok(())
}
