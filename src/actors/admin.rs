//! The admin endpoint (HTTP, 127.0.0.1:`hhvm.admin_server.port` by default), with HHVM's
//! paths and formats because existing monitoring parses them: `/check-health`,
//! `/status.json`, `/memory.json`, `/dump-apc-info`, `/dump-apc`, `/vm-tcspace`,
//! `/repo-stats`, `/jit-stats`, `/stop`, `/set-log-level`, `/build-id`, and `/` listing
//! them. With `hhvm.admin_server.password` set, every endpoint but `/check-health` needs
//! `?auth=PASSWORD` (compared in constant time; 401 otherwise). Unknown paths get 404.
//!
//! Also here: the APC actor's periodic purge of expired entries.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

use super::executor::Load;
use crate::vm::apc::{unix_now, ApcStore};

/// What the admin endpoint reads and controls.
#[derive(Clone)]
pub struct AdminState {
    pub load: Arc<Load>,
    pub threads: usize,
    pub started: Instant,
    pub password: Option<String>,
    /// Where `/dump-apc?file=NAME` may write (`hhvm.admin_server.dump_dir`, default the
    /// system temp dir).
    pub dump_dir: PathBuf,
    /// The translation cache (`/repo-stats`).
    pub repo: Arc<crate::repo::Repo>,
    /// Asks the server to stop gracefully.
    pub stop: tokio::sync::mpsc::UnboundedSender<()>,
    /// Start-up warm-up (`hhvm.server.warmup_requests`).
    pub warmup: Arc<Warmup>,
}

const ENDPOINTS: &[(&str, &str)] = &[
    ("/check-health", "load, queued and other counters (JSON)"),
    ("/status.json", "executor threads and what they run (JSON)"),
    ("/memory.json", "process and subsystem memory (JSON)"),
    ("/dump-apc-info", "APC counters (text)"),
    (
        "/dump-apc",
        "write every APC entry to ?file= in the dump directory",
    ),
    ("/vm-tcspace", "JIT code areas (text)"),
    ("/jit-stats", "JIT counters (JSON)"),
    ("/repo-stats", "translation cache counters (JSON)"),
    ("/set-log-level", "?level=error|warn|info|debug|trace"),
    ("/build-id", "the running build"),
    ("/stop", "stop gracefully"),
];

/// The state of the start-up warm-up, for `/check-health`.
#[derive(Debug, Default)]
pub struct Warmup {
    pub running: std::sync::atomic::AtomicBool,
    pub requests: std::sync::atomic::AtomicU64,
}

impl Warmup {
    /// 1 while the warm-up runs (monitoring reads `/check-health` values as integers).
    fn running(&self) -> u64 {
        u64::from(self.running.load(std::sync::atomic::Ordering::Relaxed))
    }
}

/// Starts the admin HTTP server on `addr`; returns its handle and bound addresses.
///
/// # Errors
///
/// The address cannot be bound.
pub fn start(
    addr: &str,
    state: AdminState,
) -> std::io::Result<(actix_web::dev::ServerHandle, Vec<std::net::SocketAddr>)> {
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .default_service(web::to(dispatch))
    })
    .workers(1)
    .disable_signals()
    .bind(addr)?;
    let addrs = server.addrs();
    let server = server.run();
    let handle = server.handle();
    actix_rt::spawn(server);
    Ok((handle, addrs))
}

/// Constant-time comparison of the given and configured passwords.
fn password_ok(given: &[u8], want: &[u8]) -> bool {
    let mut diff = u8::from(given.len() != want.len());
    for (i, w) in want.iter().enumerate() {
        diff |= w ^ given.get(i).copied().unwrap_or(0);
    }
    diff == 0
}

fn query(req: &HttpRequest) -> HashMap<String, String> {
    web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default()
}

fn json(v: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(format!("{v}\n"))
}

fn text(s: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(s)
}

async fn dispatch(req: HttpRequest, state: web::Data<AdminState>) -> HttpResponse {
    let path = req.path().to_string();
    let q = query(&req);
    if path != "/check-health" {
        if let Some(want) = &state.password {
            let given = q.get("auth").map(String::as_bytes).unwrap_or_default();
            if !password_ok(given, want.as_bytes()) {
                return HttpResponse::Unauthorized().body("Unauthorized\n");
            }
        }
    }
    match path.as_str() {
        "/" => text(
            ENDPOINTS
                .iter()
                .map(|(p, what)| format!("{p:<16} {what}\n"))
                .collect(),
        ),
        "/check-health" => json(check_health(&state)),
        "/status.json" => json(status(&state)),
        "/memory.json" => json(memory()),
        "/dump-apc-info" => text(apc_info()),
        "/dump-apc" => dump_apc(&state, q.get("file").map(String::as_str)),
        "/vm-tcspace" => text(
            ["main", "cold", "frozen", "prof", "data"]
                .iter()
                .map(|area| format!("mcg: 0 bytes (0.00%) in code.{area}\n"))
                .collect(),
        ),
        "/jit-stats" => json(crate::jit::stats_json()),
        "/repo-stats" => json(repo_stats(&state.repo)),
        "/build-id" => text(format!("rhvm-{}\n", env!("CARGO_PKG_VERSION"))),
        "/set-log-level" => match q.get("level").map(String::as_str) {
            Some(level @ ("error" | "warn" | "info" | "debug" | "trace")) => {
                match crate::server::log::set_level(level) {
                    Ok(()) => text(format!("log level set to {level}\n")),
                    Err(e) => HttpResponse::InternalServerError().body(format!("{e}\n")),
                }
            }
            _ => HttpResponse::BadRequest()
                .body("level must be one of error, warn, info, debug, trace\n"),
        },
        "/stop" => {
            let _ = state.stop.send(());
            text("OK\n".to_string())
        }
        _ => HttpResponse::NotFound().body("Not Found\n"),
    }
}

fn check_health(state: &AdminState) -> serde_json::Value {
    let units = crate::vm::stats::units_compiled();
    let loaded = state
        .repo
        .stats()
        .loaded
        .load(std::sync::atomic::Ordering::Relaxed);
    serde_json::json!({
        "load": state.load.running(),
        "queued": state.load.queued(),
        // Requests an engine bug (a Rust panic) ended with a 500.
        "panics": state.load.panics(),
        "threads": state.threads,
        // Units compiled here plus units loaded from the translation cache.
        "units": units.0 + loaded,
        "funcs": units.1,
        "light-processes": light_stats().alive,
        "light-processes-busy": light_stats().busy,
        // Monitoring polls this: the entry count, not `stats()`, which walks the cache.
        "apc-entries": ApcStore::global().len(),
        "uptime": state.started.elapsed().as_secs(),
        "warmup-running": state.warmup.running(),
        "warmup-requests": state.warmup.requests.load(std::sync::atomic::Ordering::Relaxed),
    })
}

/// The light-process pool's counters (all 0 without a pool).
fn light_stats() -> crate::lightproc::LightStats {
    crate::lightproc::LightPool::installed()
        .map(crate::lightproc::LightPool::stats)
        .unwrap_or_default()
}

fn status(state: &AdminState) -> serde_json::Value {
    let threads: Vec<serde_json::Value> = state
        .load
        .threads()
        .into_iter()
        .map(|t| {
            serde_json::json!({
                "id": t.index,
                "state": if t.busy.is_some() { "processing" } else { "idle" },
                "url": t.busy.as_ref().map(|b| b.uri.clone()).unwrap_or_default(),
                "method": t.busy.as_ref().map(|b| b.method.clone()).unwrap_or_default(),
                "elapsed_ms": t.busy.as_ref().map_or(0, |b| b.since.elapsed().as_millis() as u64),
                "requests": t.requests,
            })
        })
        .collect();
    let lp = light_stats();
    serde_json::json!({
        "status": {
            "load": state.load.running(),
            "queued": state.load.queued(),
            "panics": state.load.panics(),
            "uptime": state.started.elapsed().as_secs(),
            "threads": threads,
            "light-processes": {
                "alive": lp.alive,
                "busy": lp.busy,
                "respawned": lp.respawned,
                "calls": lp.calls,
                "waits": lp.waits,
                "wait_us": lp.wait_us,
            },
        }
    })
}

/// Resident set size of this process, from `/proc/self/statm`.
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|n| n.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

fn memory() -> serde_json::Value {
    let apc = ApcStore::global();
    serde_json::json!({
        "Memory": {
            "Process Stats (bytes)": { "RSS": rss_bytes() },
            "Breakdown": {
                "APC": { "Bytes": apc.used_bytes(), "Limit": apc.config().size_limit },
                "JIT": { "Bytes": crate::jit::stats_json()["bytes"].clone() },
            }
        }
    })
}

fn apc_info() -> String {
    let st = ApcStore::global().stats();
    format!(
        "Entries count: {}\nKey size: {}\nValue size: {}\nHits: {}\nMisses: {}\nInserts: {}\nEvictions: {}\nExpunges: {}\nSize limit: {}\nPending deletes via treadmill size: 0\n",
        st.entries,
        st.key_bytes,
        st.value_bytes,
        st.hits,
        st.misses,
        st.inserts,
        st.evictions,
        st.expunges,
        st.size_limit
    )
}

fn dump_apc(state: &AdminState, file: Option<&str>) -> HttpResponse {
    let Some(name) = file.filter(|f| !f.is_empty() && !f.contains('/') && !f.starts_with('.'))
    else {
        return HttpResponse::BadRequest().body("?file=NAME (a plain file name) is required\n");
    };
    let path = state.dump_dir.join(name);
    let entries = ApcStore::global().entries(unix_now());
    let mut out = String::new();
    for (k, e) in &entries {
        out.push_str(&format!(
            "{} ttl={} size={} hits={}\n",
            String::from_utf8_lossy(k),
            e.ttl,
            e.size,
            e.hits.load(std::sync::atomic::Ordering::Relaxed)
        ));
    }
    match std::fs::write(&path, out) {
        Ok(()) => text(format!(
            "dumped {} entries to {}\n",
            entries.len(),
            path.display()
        )),
        Err(e) => HttpResponse::InternalServerError().body(format!("{}: {e}\n", path.display())),
    }
}

fn repo_stats(repo: &crate::repo::Repo) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (k, v) in repo.stats().snapshot() {
        m.insert(k.to_string(), v.into());
    }
    // Percent of units served from the cache, with two decimals.
    m.insert(
        "hit_rate".to_string(),
        ((repo.stats().hit_rate() * 100.0).round() / 100.0).into(),
    );
    m.insert(
        "path".to_string(),
        repo.path()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
            .into(),
    );
    serde_json::Value::Object(m)
}

/// The APC actor: purges expired entries every `interval`.
pub struct ApcPurger {
    pub interval: Duration,
}

impl Actor for ApcPurger {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.interval, |_, _| {
            let gone = ApcStore::global().purge_expired(unix_now());
            if gone > 0 {
                tracing::debug!("apc: purged {gone} expired entries");
            }
        });
    }
}
