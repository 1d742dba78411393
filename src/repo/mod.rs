//! The translation cache ("repo"): encoded units in a SQLite file, so a restarted server
//! or a new CLI run does not recompile unchanged code, and a prebuilt repo can be shipped
//! (`rhvm compile --repo`, `hhvm.repo.authoritative`).
//!
//! `Repo` implements the engine's `UnitStore`: lookups read through one shared connection;
//! stores go over a channel to a writer thread that batches them in transactions, off the
//! request's path. Faults never stop the caller: a file that is not a database, has the
//! wrong schema or turns out corrupt is moved aside and started afresh; an unwritable
//! location, a full disk or a locked database are logged once and the engine keeps
//! compiling in memory.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

pub mod build;

use crate::vm::unit_codec::{DecodeError, UnitKey, UnitStore};

/// Schema version of the SQLite file (the bytecode format is in each unit's key).
const SCHEMA: &str = "1";

/// How long a connection waits for a lock held by another process before giving up.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Counters for the admin endpoint (`/repo-stats`).
#[derive(Debug, Default)]
pub struct RepoStats {
    /// Lookups answered from the file (or from units queued for it).
    pub hits: AtomicU64,
    /// Lookups that found nothing (the caller compiled).
    pub misses: AtomicU64,
    /// Units handed to the writer.
    pub queued: AtomicU64,
    /// Units written (committed).
    pub stored: AtomicU64,
    /// Bytes of units written.
    pub stored_bytes: AtomicU64,
    /// Rows that failed to decode and were dropped.
    pub corrupt: AtomicU64,
    /// Writes lost to faults (full disk, locked database).
    pub write_errors: AtomicU64,
    /// Units decoded from the cache and run.
    pub loaded: AtomicU64,
    /// Units compiled from source (a miss, or a unit that could not be used).
    pub compiled: AtomicU64,
    /// Compiles that waited for another thread compiling the same source.
    pub compile_waits: AtomicU64,
}

impl RepoStats {
    /// The counters as `(name, value)` pairs.
    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        vec![
            ("hits", g(&self.hits)),
            ("misses", g(&self.misses)),
            ("queued", g(&self.queued)),
            ("stored", g(&self.stored)),
            ("stored_bytes", g(&self.stored_bytes)),
            ("corrupt", g(&self.corrupt)),
            ("write_errors", g(&self.write_errors)),
            ("loaded", g(&self.loaded)),
            ("compiled", g(&self.compiled)),
            ("compile_waits", g(&self.compile_waits)),
        ]
    }

    /// Percent of units that came from the cache rather than the compiler.
    pub fn hit_rate(&self) -> f64 {
        let loaded = self.loaded.load(Ordering::Relaxed) as f64;
        let compiled = self.compiled.load(Ordering::Relaxed) as f64;
        if loaded + compiled == 0.0 {
            0.0
        } else {
            100.0 * loaded / (loaded + compiled)
        }
    }
}

enum WriteMsg {
    Unit(UnitKey, Vec<u8>),
    Path(Vec<u8>, UnitKey),
    Delete(UnitKey),
    /// Commit what is queued and answer.
    Flush(flume::Sender<()>),
}

/// Units handed to the writer and not yet committed, so that other threads find them.
type Pending = Arc<Mutex<HashMap<UnitKey, Vec<u8>>>>;

/// The translation cache file.
pub struct Repo {
    path: Option<PathBuf>,
    reader: Mutex<Option<Connection>>,
    writer: Option<flume::Sender<WriteMsg>>,
    pending: Pending,
    /// Keys being compiled now, and the signal that one finished.
    compiling: Mutex<HashSet<UnitKey>>,
    compiled: Condvar,
    /// Authoritative mode: every path the repo has (it never changes while open).
    paths: HashSet<Vec<u8>>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    authoritative: bool,
    stats: Arc<RepoStats>,
    warned: Arc<AtomicBool>,
}

/// Logs a fault once per repo (the server's error log; silent in the CLI unless a
/// subscriber is installed).
fn warn_once(flag: &AtomicBool, msg: &str) {
    if !flag.swap(true, Ordering::Relaxed) {
        tracing::warn!("translation cache: {msg}");
    }
}

fn open_conn(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Creates the tables (if missing) and checks the schema; `Err` means "not ours / corrupt".
fn prepare(conn: &Connection, check: bool) -> Result<(), String> {
    let r: rusqlite::Result<()> = (|| {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS units(key BLOB PRIMARY KEY, bytes BLOB NOT NULL);
             CREATE TABLE IF NOT EXISTS paths(path BLOB PRIMARY KEY, key BLOB NOT NULL);
             INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '1');",
        )?;
        Ok(())
    })();
    r.map_err(|e| e.to_string())?;
    let schema: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| e.to_string())?;
    if schema.as_deref() != Some(SCHEMA) {
        return Err(format!("unknown schema {schema:?}"));
    }
    if check {
        let ok: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        if ok != "ok" {
            return Err(format!("integrity check failed: {ok}"));
        }
    }
    Ok(())
}

/// Moves a bad file (and its WAL/SHM companions) aside as `NAME.corrupt-UNIXTIME`.
fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let stamp = crate::vm::apc::unix_now();
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".corrupt-{stamp}"));
    let aside = PathBuf::from(aside);
    std::fs::rename(path, &aside)?;
    for ext in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(ext);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
    Ok(aside)
}

impl Repo {
    /// A repo that stores nothing (caching off, or the file could not be used).
    pub fn in_memory_only() -> Repo {
        Repo {
            path: None,
            reader: Mutex::new(None),
            writer: None,
            pending: Pending::default(),
            compiling: Mutex::new(HashSet::new()),
            compiled: Condvar::new(),
            paths: HashSet::new(),
            writer_thread: Mutex::new(None),
            authoritative: false,
            stats: Arc::new(RepoStats::default()),
            warned: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Opens (or creates) the central repo at `path`. Never fails: on a fault it logs one
    /// line and returns a repo that compiles in memory. `check` runs SQLite's
    /// `quick_check` first (server start-up).
    pub fn open_central(path: &Path, check: bool) -> Repo {
        let warned = Arc::new(AtomicBool::new(false));
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut attempt = 0;
        let conn = loop {
            let result = open_conn(path, flags)
                .map_err(|e| e.to_string())
                .and_then(|c| {
                    prepare(&c, check)?;
                    Ok(c)
                });
            match result {
                Ok(c) => break Some(c),
                Err(e) if attempt == 0 && path.exists() && is_corruption(&e) => {
                    attempt += 1;
                    match move_aside(path) {
                        Ok(aside) => tracing::warn!(
                            "translation cache: {} is unusable ({e}); moved to {} and starting afresh",
                            path.display(),
                            aside.display()
                        ),
                        Err(io) => {
                            warn_once(
                                &warned,
                                &format!(
                                    "{} is unusable ({e}) and cannot be moved aside ({io}); compiling in memory",
                                    path.display()
                                ),
                            );
                            break None;
                        }
                    }
                }
                Err(e) => {
                    warn_once(
                        &warned,
                        &format!("cannot use {} ({e}); compiling in memory", path.display()),
                    );
                    break None;
                }
            }
        };
        let Some(conn) = conn else {
            return Repo::in_memory_only();
        };
        let stats = Arc::new(RepoStats::default());
        let pending = Pending::default();
        let (tx, rx) = flume::unbounded();
        let writer = open_conn(path, flags).ok().and_then(|wconn| {
            let stats = stats.clone();
            let warned = warned.clone();
            let pending = pending.clone();
            std::thread::Builder::new()
                .name("repo-writer".into())
                .spawn(move || writer_loop(wconn, rx, &stats, &warned, &pending))
                .ok()
        });
        Repo {
            path: Some(path.to_path_buf()),
            reader: Mutex::new(Some(conn)),
            writer: writer.is_some().then_some(tx),
            pending,
            compiling: Mutex::new(HashSet::new()),
            compiled: Condvar::new(),
            paths: HashSet::new(),
            writer_thread: Mutex::new(writer),
            authoritative: false,
            stats,
            warned,
        }
    }

    /// Opens a prebuilt repo read-only for repo-authoritative serving.
    ///
    /// # Errors
    ///
    /// The file cannot be opened or is not a repo: authoritative mode has no sources to
    /// fall back on, so the server must not start.
    pub fn open_authoritative(path: &Path) -> Result<Repo, String> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = open_conn(path, flags).map_err(|e| format!("{}: {e}", path.display()))?;
        let schema: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if schema.as_deref() != Some(SCHEMA) {
            return Err(format!("{}: not a repo of this rhvm", path.display()));
        }
        let paths = conn
            .prepare("SELECT path FROM paths")
            .and_then(|mut st| {
                st.query_map([], |r| r.get::<_, Vec<u8>>(0))?
                    .collect::<rusqlite::Result<HashSet<Vec<u8>>>>()
            })
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut repo = Repo::in_memory_only();
        repo.paths = paths;
        repo.path = Some(path.to_path_buf());
        repo.reader = Mutex::new(Some(conn));
        repo.authoritative = true;
        Ok(repo)
    }

    /// The counters.
    pub fn stats(&self) -> &RepoStats {
        &self.stats
    }

    /// The file in use, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Records that `path` has the unit `key` (repo building for authoritative mode).
    pub fn put_path(&self, path: &[u8], key: UnitKey) {
        if let Some(w) = &self.writer {
            let _ = w.send(WriteMsg::Path(path.to_vec(), key));
        }
    }

    /// Waits until everything queued so far is committed.
    pub fn flush(&self) {
        if let Some(w) = &self.writer {
            let (tx, rx) = flume::bounded(1);
            if w.send(WriteMsg::Flush(tx)).is_ok() {
                let _ = rx.recv();
            }
        }
    }

    fn with_reader<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        let guard = self.reader.lock().ok()?;
        let conn = guard.as_ref()?;
        match f(conn) {
            Ok(v) => Some(v),
            Err(e) => {
                warn_once(&self.warned, &format!("read failed ({e})"));
                None
            }
        }
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        self.flush();
        self.writer = None;
        if let Ok(mut t) = self.writer_thread.lock() {
            if let Some(t) = t.take() {
                let _ = t.join();
            }
        }
    }
}

fn is_corruption(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("not a database")
        || m.contains("malformed")
        || m.contains("corrupt")
        || m.contains("unknown schema")
        || m.contains("integrity check")
        || m.contains("no such table")
}

fn writer_loop(
    mut conn: Connection,
    rx: flume::Receiver<WriteMsg>,
    stats: &RepoStats,
    warned: &AtomicBool,
    pending: &Mutex<HashMap<UnitKey, Vec<u8>>>,
) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < 512 {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let mut flushes = Vec::new();
        let written: Vec<UnitKey> = batch
            .iter()
            .filter_map(|m| match m {
                WriteMsg::Unit(key, _) => Some(*key),
                _ => None,
            })
            .collect();
        let mut units = 0u64;
        let mut bytes = 0u64;
        let result: rusqlite::Result<()> = (|| {
            let tx = conn.transaction()?;
            for m in batch {
                match m {
                    WriteMsg::Unit(key, data) => {
                        tx.execute(
                            "INSERT OR REPLACE INTO units(key, bytes) VALUES (?1, ?2)",
                            rusqlite::params![&key[..], &data],
                        )?;
                        units += 1;
                        bytes += data.len() as u64;
                    }
                    WriteMsg::Path(path, key) => {
                        tx.execute(
                            "INSERT OR REPLACE INTO paths(path, key) VALUES (?1, ?2)",
                            rusqlite::params![&path, &key[..]],
                        )?;
                    }
                    WriteMsg::Delete(key) => {
                        tx.execute("DELETE FROM units WHERE key = ?1", [&key[..]])?;
                    }
                    WriteMsg::Flush(done) => flushes.push(done),
                }
            }
            tx.commit()
        })();
        match result {
            Ok(()) => {
                stats.stored.fetch_add(units, Ordering::Relaxed);
                stats.stored_bytes.fetch_add(bytes, Ordering::Relaxed);
            }
            Err(e) => {
                stats.write_errors.fetch_add(units, Ordering::Relaxed);
                warn_once(warned, &format!("write failed ({e}); units stay in memory"));
            }
        }
        if let Ok(mut p) = pending.lock() {
            for key in &written {
                p.remove(key);
            }
        }
        for f in flushes {
            let _ = f.send(());
        }
    }
}

impl UnitStore for Repo {
    fn get(&self, key: &UnitKey) -> Option<Vec<u8>> {
        let queued = self.pending.lock().ok().and_then(|p| p.get(key).cloned());
        if queued.is_some() {
            self.stats.hits.fetch_add(1, Ordering::Relaxed);
            return queued;
        }
        let found = self.with_reader(|c| {
            c.query_row("SELECT bytes FROM units WHERE key = ?1", [&key[..]], |r| {
                r.get::<_, Vec<u8>>(0)
            })
            .optional()
        })?;
        match &found {
            Some(_) => self.stats.hits.fetch_add(1, Ordering::Relaxed),
            None => self.stats.misses.fetch_add(1, Ordering::Relaxed),
        };
        found
    }

    fn put(&self, key: UnitKey, bytes: Vec<u8>) {
        if let Some(w) = &self.writer {
            self.stats.queued.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut p) = self.pending.lock() {
                p.insert(key, bytes.clone());
            }
            let _ = w.send(WriteMsg::Unit(key, bytes));
        }
    }

    fn begin_compile(&self, key: &UnitKey) -> bool {
        let Ok(mut busy) = self.compiling.lock() else {
            return false;
        };
        let mut waited = false;
        while busy.contains(key) {
            waited = true;
            busy = match self.compiled.wait(busy) {
                Ok(b) => b,
                Err(_) => return waited,
            };
        }
        busy.insert(*key);
        if waited {
            self.stats.compile_waits.fetch_add(1, Ordering::Relaxed);
        }
        waited
    }

    fn end_compile(&self, key: &UnitKey) {
        if let Ok(mut busy) = self.compiling.lock() {
            busy.remove(key);
        }
        self.compiled.notify_all();
    }

    fn note(&self, loaded: bool) {
        let counter = if loaded {
            &self.stats.loaded
        } else {
            &self.stats.compiled
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn authoritative(&self) -> bool {
        self.authoritative
    }

    fn get_by_path(&self, path: &[u8]) -> Option<Vec<u8>> {
        self.with_reader(|c| {
            c.query_row(
                "SELECT units.bytes FROM paths JOIN units ON units.key = paths.key WHERE paths.path = ?1",
                [path],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()
        })?
    }

    fn has_path(&self, path: &[u8]) -> bool {
        self.paths.contains(path)
    }

    fn report_bad(&self, key: &UnitKey, why: &DecodeError) {
        self.stats.corrupt.fetch_add(1, Ordering::Relaxed);
        warn_once(&self.warned, &format!("dropping a stored unit: {why}"));
        if let Some(w) = &self.writer {
            let _ = w.send(WriteMsg::Delete(*key));
        }
    }
}

/// The default central repo path: `$XDG_CACHE_HOME/rhvm/repo.sqlite` or
/// `~/.cache/rhvm/repo.sqlite` (CLI mode).
pub fn default_cli_path() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x).join("rhvm").join("repo.sqlite"));
    }
    std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| {
        PathBuf::from(h)
            .join(".cache")
            .join("rhvm")
            .join("repo.sqlite")
    })
}

#[cfg(test)]
mod tests;
