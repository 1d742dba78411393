//! The server: actors on actix-rt. The only module that knows actix (`tests/tidy.rs`
//! checks). `serve` starts the executor pool, the FastCGI listeners (TCP and/or a Unix
//! socket), the optional development HTTP listener, and stops gracefully on SIGTERM or
//! SIGINT (running requests get `hhvm.server.graceful_shutdown_wait` seconds to finish).
//!
//! - `listener`: accepts connections, one `Connection` actor each.
//! - `connection`: FastCGI records in and out for one connection.
//! - `executor`: the `Executor` actor and its threads, each owning a PHP engine.
//! - `http`: the development HTTP listener (actix-web).

pub mod admin;
pub mod connection;
pub mod executor;
pub mod http;
pub mod listener;

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use anyhow::Context as _;

use crate::server::config::ServerConfig;
use crate::vm::web::{ResponseWriter, WebEngine, WebOutcome, WebRequest, WebSettings};
use executor::{Engine, EngineFactory, Executor};
use listener::{ConnLimits, Listener, StopListening};

impl Engine for WebEngine {
    fn run(&mut self, request: WebRequest, out: &mut dyn ResponseWriter) -> WebOutcome {
        WebEngine::run(self, request, out)
    }
}

/// The engine settings a configuration asks for.
fn web_settings(config: &ServerConfig) -> WebSettings {
    let mut settings = WebSettings::default();
    if let Some(timeout) = config.request_timeout {
        // HHVM's request timeout is PHP's max_execution_time for web requests; an explicit
        // max_execution_time (later in the list) still wins.
        settings.ini.push((
            b"max_execution_time".to_vec(),
            timeout.as_secs().to_string().into_bytes(),
        ));
    }
    for (key, value) in &config.php_ini {
        settings
            .ini
            .push((key.clone().into_bytes(), value.clone().into_bytes()));
    }
    settings.source_root = config.source_root.clone();
    if let Some((_, dir)) = config
        .php_ini
        .iter()
        .rev()
        .find(|(k, _)| k == "upload_tmp_dir")
    {
        if !dir.is_empty() {
            settings.upload_tmp_dir = Some(dir.into());
        }
    }
    settings
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
        None => match crate::repo::default_cli_path() {
            Some(path) => crate::repo::Repo::open_central(&path, true),
            None => crate::repo::Repo::in_memory_only(),
        },
    });
    let mut settings = web_settings(&config);
    settings.unit_store = Some(crate::vm::unit_codec::SharedStore(repo.clone()));
    settings.spawner = Some(crate::vm::web::SharedSpawner(
        crate::lightproc::engine_spawner(),
    ));
    let factory: EngineFactory =
        Arc::new(move || Box::new(WebEngine::new(settings.clone())) as Box<dyn Engine>);
    let executor = Executor::start_threads(config.thread_count, factory)
        .context("cannot start the executor threads")?;
    let load = executor.load();
    let executor = executor.start();
    let limits = ConnLimits {
        max_params_bytes: config.max_params_bytes,
        max_reqs: u32::try_from(config.thread_count).unwrap_or(u32::MAX),
    };

    let mut listeners = Vec::new();
    if config.listen_tcp {
        let (listener, local) =
            Listener::start_tcp(&config.ip, config.port, executor.clone(), limits)
                .await
                .with_context(|| format!("cannot listen on {}:{}", config.ip, config.port))?;
        listeners.push(listener);
        announce(&format!("fastcgi {local}"));
    }
    if let Some(path) = &config.file_socket {
        let listener = Listener::start_unix(path, executor.clone(), limits)
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
    tracing::info!("stopped");
    Ok(())
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
