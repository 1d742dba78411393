//! Light processes: small helper processes that start children for the server, so the big
//! multithreaded server never forks (HHVM's `hhvm.server.light_process_count`).
//!
//! **`LightPool::start` must run in `main` before any thread exists** (before the actix
//! system, the CLI engine thread, a logger thread...): it forks, and forking a threaded
//! process is only safe until `exec`. It checks `/proc/self/status` and refuses (an error)
//! when the process already has more than one thread.
//!
//! Each helper talks to the server over its own Unix socketpair (`protocol.rs`: length-
//! prefixed messages, descriptors passed with `SCM_RIGHTS`) and runs `helper::run`. The
//! pool gives each request to a free helper (one request per helper at a time; callers wait
//! in line when all are busy, counted in `waits`). A helper whose socket fails or that does
//! not answer within the timeout is killed and replaced by starting our own binary in
//! helper mode (`rhvm --light-process-helper=FD`, spawned without forking the server); the
//! call that hit it fails (the PHP function warns and returns false). A request that could
//! not even be sent is retried once on the replacement.
//!
//! `LightSpawner` is the engine's `vm::process::Spawner` over the pool; `DirectSpawner` is
//! the one for `light_process_count = 0` and the CLI (std's posix_spawn, plus `nice`).
//!
//! Layout: `protocol.rs` (wire format), `helper.rs` (the helper side), this file (the pool).

pub mod helper;
pub mod protocol;

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, Pid};

use crate::vm::process::{Child, ChildState, Program, SpawnRequest, Spawner, StdSpawner};

use protocol::{Reply, Request};

/// How long a helper may take to answer a request other than a blocking wait.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Counters for `/check-health` and `/status.json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LightStats {
    /// Helpers alive now.
    pub alive: u64,
    /// Helpers serving a request now.
    pub busy: u64,
    /// Helpers replaced after dying or hanging.
    pub respawned: u64,
    /// Requests served.
    pub calls: u64,
    /// Requests that had to wait for a free helper.
    pub waits: u64,
    /// Total time those requests waited in line, in microseconds.
    pub wait_us: u64,
}

/// One helper as the server sees it.
struct Helper {
    sock: UnixStream,
    pid: Pid,
    /// Bumped on each replacement, so a child of a dead helper is not asked about.
    generation: u64,
}

/// A helper slot: the helper (None while being replaced) and whether it is in use.
struct Slot {
    helper: Option<Helper>,
    busy: bool,
    generation: u64,
}

/// The shared state of a pool.
struct Inner {
    slots: Mutex<Vec<Slot>>,
    freed: Condvar,
    timeout: Duration,
    respawned: AtomicU64,
    calls: AtomicU64,
    waits: AtomicU64,
    wait_us: AtomicU64,
    /// Children not yet known to have ended, by the thread that started them.
    running: Mutex<HashMap<ThreadId, Vec<i32>>>,
}

/// A pool of light processes. Cheap to clone (shared).
#[derive(Clone)]
pub struct LightPool {
    inner: Arc<Inner>,
}

/// The pool `main` started, for the engines to find.
static INSTALLED: OnceLock<LightPool> = OnceLock::new();

/// Threads of this process now (`/proc/self/status`).
fn thread_count() -> io::Result<usize> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| io::Error::other("no thread count in /proc/self/status"))
}

impl LightPool {
    /// Forks `count` helpers. Call it in `main` BEFORE ANY THREAD EXISTS.
    ///
    /// # Errors
    ///
    /// When the process already has threads (forking would be unsafe), or a socketpair or
    /// fork fails.
    pub fn start(count: usize) -> io::Result<LightPool> {
        if thread_count()? > 1 {
            return Err(io::Error::other(
                "light processes must be started before any thread exists",
            ));
        }
        let parent = nix::unistd::getpid();
        let mut slots = Vec::with_capacity(count);
        for _ in 0..count {
            let (ours, theirs) = UnixStream::pair()?;
            // SAFETY: the process is single-threaded (checked above), so the child is a
            // full copy that may run any code; it runs the helper loop and never returns.
            match unsafe { nix::unistd::fork() }? {
                ForkResult::Child => {
                    drop(ours);
                    helper::die_with_parent(parent);
                    helper::run(theirs)
                }
                ForkResult::Parent { child } => {
                    drop(theirs);
                    slots.push(Slot {
                        helper: Some(Helper {
                            sock: ours,
                            pid: child,
                            generation: 0,
                        }),
                        busy: false,
                        generation: 0,
                    });
                }
            }
        }
        Ok(LightPool {
            inner: Arc::new(Inner {
                slots: Mutex::new(slots),
                freed: Condvar::new(),
                timeout: DEFAULT_TIMEOUT,
                respawned: AtomicU64::new(0),
                calls: AtomicU64::new(0),
                waits: AtomicU64::new(0),
                wait_us: AtomicU64::new(0),
                running: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Makes this pool the process-wide one (`installed`); false if one already was.
    pub fn install(self) -> bool {
        INSTALLED.set(self).is_ok()
    }

    /// The pool `main` installed, if any.
    pub fn installed() -> Option<&'static LightPool> {
        INSTALLED.get()
    }

    /// The counters now.
    pub fn stats(&self) -> LightStats {
        let (alive, busy) = match self.inner.slots.lock() {
            // A busy slot's helper is out on loan (taken from the slot while it works).
            Ok(s) => (
                s.iter().filter(|s| s.helper.is_some() || s.busy).count() as u64,
                s.iter().filter(|s| s.busy).count() as u64,
            ),
            Err(_) => (0, 0),
        };
        LightStats {
            alive,
            busy,
            respawned: self.inner.respawned.load(Ordering::Relaxed),
            calls: self.inner.calls.load(Ordering::Relaxed),
            waits: self.inner.waits.load(Ordering::Relaxed),
            wait_us: self.inner.wait_us.load(Ordering::Relaxed),
        }
    }

    /// The pids of the helpers now (tests and diagnostics).
    pub fn helper_pids(&self) -> Vec<i32> {
        match self.inner.slots.lock() {
            Ok(s) => s
                .iter()
                .filter_map(|s| s.helper.as_ref().map(|h| h.pid.as_raw()))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Kills (SIGKILL, whole process group) every child that `thread` started through this
    /// pool and that has not been seen to end; returns how many. The cancel entry point
    /// for a request that outlived its time limit: the script's blocked read of the
    /// command's output then ends. Callable from any thread.
    pub fn kill_children_of(&self, thread: ThreadId) -> usize {
        let pids = match self.inner.running.lock() {
            Ok(r) => r.get(&thread).cloned().unwrap_or_default(),
            Err(_) => return 0,
        };
        for &pid in &pids {
            // The child leads its own group (the helper set it up so); a child that has
            // ended is a zombie until its helper reaps it, so its pid is not reused yet.
            let _ = kill(Pid::from_raw(-pid), Signal::SIGKILL);
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        pids.len()
    }

    fn track(&self, thread: ThreadId, pid: i32, running: bool) {
        if let Ok(mut r) = self.inner.running.lock() {
            if running {
                r.entry(thread).or_default().push(pid);
            } else if let Some(list) = r.get_mut(&thread) {
                list.retain(|&p| p != pid);
                if list.is_empty() {
                    r.remove(&thread);
                }
            }
        }
    }

    /// The engine's spawner over this pool.
    pub fn spawner(&self) -> Arc<dyn Spawner> {
        Arc::new(LightSpawner { pool: self.clone() })
    }

    /// Takes a free helper (any when `want` is None, else that slot and generation),
    /// waiting in line while all are busy.
    fn acquire(&self, want: Option<(usize, u64)>) -> io::Result<(usize, Helper)> {
        let mut slots = self
            .inner
            .slots
            .lock()
            .map_err(|_| io::Error::other("light process pool poisoned"))?;
        if slots.is_empty() {
            return Err(io::Error::other("no light processes"));
        }
        let mut waited: Option<std::time::Instant> = None;
        loop {
            let found = match want {
                None => slots.iter().position(|s| !s.busy),
                Some((i, generation)) => match slots.get(i) {
                    Some(s) if s.generation != generation => {
                        return Err(io::Error::from_raw_os_error(libc::ECHILD))
                    }
                    Some(s) if !s.busy => Some(i),
                    Some(_) => None,
                    None => return Err(io::Error::from_raw_os_error(libc::ECHILD)),
                },
            };
            if let Some(i) = found {
                if let Some(since) = waited {
                    let us = u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX);
                    self.inner.wait_us.fetch_add(us, Ordering::Relaxed);
                }
                slots[i].busy = true;
                let helper = match slots[i].helper.take() {
                    Some(h) => h,
                    None => {
                        // Replaced earlier but the replacement failed: try again now.
                        drop(slots);
                        let h = self.respawn(i);
                        return match h {
                            Ok(h) => Ok((i, h)),
                            Err(e) => {
                                self.release(i, None);
                                Err(e)
                            }
                        };
                    }
                };
                return Ok((i, helper));
            }
            if waited.is_none() {
                waited = Some(std::time::Instant::now());
                self.inner.waits.fetch_add(1, Ordering::Relaxed);
            }
            slots = self
                .inner
                .freed
                .wait(slots)
                .map_err(|_| io::Error::other("light process pool poisoned"))?;
        }
    }

    /// Gives slot `i` back (with its helper, or empty when it could not be replaced).
    fn release(&self, i: usize, helper: Option<Helper>) {
        if let Ok(mut slots) = self.inner.slots.lock() {
            if let Some(s) = slots.get_mut(i) {
                if let Some(h) = &helper {
                    s.generation = h.generation;
                }
                s.helper = helper;
                s.busy = false;
            }
        }
        self.inner.freed.notify_all();
    }

    /// Kills a failed helper and starts a new one in its place, by spawning our own binary
    /// in helper mode (posix_spawn; the server does not fork).
    fn replace(&self, i: usize, old: Helper) -> io::Result<Helper> {
        let _ = kill(old.pid, Signal::SIGKILL);
        let _ = waitpid(old.pid, None);
        drop(old);
        self.respawn(i)
    }

    /// Starts a helper process for slot `i`.
    fn respawn(&self, i: usize) -> io::Result<Helper> {
        let (ours, theirs) = UnixStream::pair()?;
        // The helper's end must survive exec: clear close-on-exec on it (the helper closes
        // every other descriptor it may inherit from a concurrent spawn).
        nix::fcntl::fcntl(
            theirs.as_raw_fd(),
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
        )?;
        let exe = std::env::current_exe()?;
        let child = std::process::Command::new(exe)
            .arg(format!("{}={}", helper::HELPER_ARG, theirs.as_raw_fd()))
            .stdin(std::process::Stdio::null())
            .spawn()?;
        drop(theirs);
        let generation = self
            .inner
            .slots
            .lock()
            .map(|s| s.get(i).map_or(0, |s| s.generation) + 1)
            .unwrap_or(1);
        self.inner.respawned.fetch_add(1, Ordering::Relaxed);
        Ok(Helper {
            sock: ours,
            pid: Pid::from_raw(child.id() as i32),
            generation,
        })
    }

    /// Sends `req` (with `fds`) to a helper and returns its reply, replacing the helper if
    /// it failed. `want` pins the helper (a child's own); `timeout` None = wait forever.
    fn call(
        &self,
        want: Option<(usize, u64)>,
        req: &Request,
        fds: &[RawFd],
        timeout: Option<Duration>,
    ) -> io::Result<(usize, u64, Reply)> {
        self.inner.calls.fetch_add(1, Ordering::Relaxed);
        let body = req.encode();
        let (i, mut helper) = self.acquire(want)?;
        let mut retried = false;
        loop {
            let result = protocol::send(&helper.sock, &body, fds);
            if let Err(e) = result {
                // Not delivered: the helper is gone. Replace it; retry a fresh request once.
                let replaced = self.replace(i, helper);
                match replaced {
                    Ok(h) if !retried && want.is_none() => {
                        helper = h;
                        retried = true;
                        continue;
                    }
                    Ok(h) => {
                        self.release(i, Some(h));
                        return Err(e);
                    }
                    Err(re) => {
                        self.release(i, None);
                        return Err(re);
                    }
                }
            }
            let _ = helper.sock.set_read_timeout(timeout);
            let reply = match protocol::recv(&helper.sock) {
                Ok(Some((body, _))) => Reply::decode(&body)
                    .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad reply")),
                Ok(None) => Err(io::ErrorKind::UnexpectedEof.into()),
                Err(e) => Err(e),
            };
            return match reply {
                Ok(r) => {
                    let generation = helper.generation;
                    self.release(i, Some(helper));
                    Ok((i, generation, r))
                }
                Err(e) => {
                    match self.replace(i, helper) {
                        Ok(h) => self.release(i, Some(h)),
                        Err(_) => self.release(i, None),
                    }
                    Err(e)
                }
            };
        }
    }
}

/// The engine's spawner over a light process pool.
pub struct LightSpawner {
    pool: LightPool,
}

impl Spawner for LightSpawner {
    fn spawn(&self, req: SpawnRequest) -> io::Result<Box<dyn Child>> {
        let (shell, argv) = match req.program {
            Program::Shell(line) => (true, vec![line]),
            Program::Argv(argv) => (false, argv),
        };
        let (targets, fds): (Vec<i32>, Vec<OwnedFd>) = req.fds.into_iter().unzip();
        let raw: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
        let request = Request::Spawn {
            shell,
            argv,
            cwd: req.cwd,
            env: req.env,
            fd_targets: targets,
        };
        let (slot, generation, reply) =
            self.pool
                .call(None, &request, &raw, Some(self.pool.inner.timeout))?;
        drop(fds);
        match reply {
            Reply::Ok(pid) => {
                let thread = std::thread::current().id();
                self.pool.track(thread, pid as i32, true);
                Ok(Box::new(LightChild {
                    pool: self.pool.clone(),
                    slot,
                    generation,
                    pid: pid as i32,
                    thread,
                    done: None,
                }))
            }
            Reply::Err(e) => Err(io::Error::from_raw_os_error(e)),
            Reply::State(..) => Err(io::Error::other("unexpected reply")),
        }
    }

    fn nice(&self, increment: i32) -> io::Result<()> {
        DirectSpawner.nice(increment)
    }
}

/// A child started by a helper; waits and signals go through that same helper.
struct LightChild {
    pool: LightPool,
    slot: usize,
    generation: u64,
    pid: i32,
    /// The thread that started it (`LightPool::kill_children_of`).
    thread: ThreadId,
    done: Option<ChildState>,
}

impl LightChild {
    /// Asks the child's helper for its state.
    fn ask(&mut self, req: Request, timeout: Option<Duration>) -> io::Result<ChildState> {
        if let Some(s) = self.done {
            return Ok(s);
        }
        let (_, _, reply) =
            self.pool
                .call(Some((self.slot, self.generation)), &req, &[], timeout)?;
        let state = match reply {
            Reply::State(0, _) => return Ok(ChildState::Running),
            Reply::State(1, c) => ChildState::Exited(c),
            Reply::State(2, s) => ChildState::Signaled(s),
            Reply::State(3, s) => return Ok(ChildState::Stopped(s)),
            Reply::Err(e) => return Err(io::Error::from_raw_os_error(e)),
            _ => return Err(io::Error::other("unexpected reply")),
        };
        self.done = Some(state);
        self.pool.track(self.thread, self.pid, false);
        Ok(state)
    }
}

impl Child for LightChild {
    fn pid(&self) -> u32 {
        self.pid as u32
    }

    fn try_wait(&mut self) -> io::Result<ChildState> {
        let timeout = Some(self.pool.inner.timeout);
        self.ask(Request::Status { pid: self.pid }, timeout)
    }

    fn wait(&mut self) -> io::Result<ChildState> {
        self.ask(Request::Wait { pid: self.pid }, None)
    }

    fn signal(&mut self, sig: i32) -> io::Result<()> {
        if self.done.is_some() {
            return Err(io::Error::from_raw_os_error(libc::ESRCH));
        }
        let req = Request::Signal { pid: self.pid, sig };
        let timeout = Some(self.pool.inner.timeout);
        match self
            .pool
            .call(Some((self.slot, self.generation)), &req, &[], timeout)?
        {
            (_, _, Reply::Ok(_)) => Ok(()),
            (_, _, Reply::Err(e)) => Err(io::Error::from_raw_os_error(e)),
            _ => Err(io::Error::other("unexpected reply")),
        }
    }

    fn cancel(&mut self) {
        if self.done.is_some() {
            return;
        }
        // The child leads its own group (see `kill_children_of`); not yet reaped, so
        // neither id can have been reused.
        let _ = kill(Pid::from_raw(-self.pid), Signal::SIGKILL);
        let _ = kill(Pid::from_raw(self.pid), Signal::SIGKILL);
    }
}

impl Drop for LightChild {
    fn drop(&mut self) {
        // Reap it in its helper, as PHP waits for a process whose resource is freed.
        let _ = self.wait();
        self.pool.track(self.thread, self.pid, false);
    }
}

/// The spawner without light processes: std's posix_spawn from this process, plus
/// `proc_nice`. For the CLI and `light_process_count = 0`.
#[derive(Debug, Default, Clone, Copy)]
pub struct DirectSpawner;

impl DirectSpawner {
    /// As a shared spawner.
    pub fn shared() -> Arc<dyn Spawner> {
        Arc::new(DirectSpawner)
    }
}

impl Spawner for DirectSpawner {
    fn spawn(&self, req: SpawnRequest) -> io::Result<Box<dyn Child>> {
        StdSpawner.spawn(req)
    }

    fn nice(&self, increment: i32) -> io::Result<()> {
        nix::errno::Errno::clear();
        // SAFETY: nice() only changes this thread's scheduling priority.
        let r = unsafe { libc::nice(increment) };
        if r == -1 && nix::errno::Errno::last_raw() != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// The light process count asked for on a command line (`-d
/// hhvm.server.light_process_count=N` or `-dhhvm...`), if any.
pub fn count_from_args(args: &[String]) -> Option<usize> {
    const KEY: &str = "hhvm.server.light_process_count=";
    let mut found = None;
    let mut iter = args.iter().peekable();
    while let Some(a) = iter.next() {
        let setting = if a == "-d" {
            iter.next().map(String::as_str)
        } else {
            a.strip_prefix("-d")
        };
        if let Some(v) = setting.and_then(|s| s.strip_prefix(KEY)) {
            found = v.trim().parse().ok();
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_is_read_from_d_options() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(count_from_args(&args(&["rhvm", "run", "x.php"])), None);
        assert_eq!(
            count_from_args(&args(&["rhvm", "-d", "hhvm.server.light_process_count=3"])),
            Some(3)
        );
        assert_eq!(
            count_from_args(&args(&["rhvm", "-dhhvm.server.light_process_count=0"])),
            Some(0)
        );
    }

    #[test]
    fn start_refuses_a_threaded_process() {
        // Hold a second thread for the check, whatever the harness does.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || rx.recv());
        assert!(LightPool::start(1).is_err());
        drop(tx);
        let _ = t.join();
    }
}

/// What `main` calls first, before any thread: runs the helper loop when started as a
/// helper (never returns then), and otherwise starts and installs the pool the command
/// line asks for (`-d hhvm.server.light_process_count=N`; default 5 for `serve`, else 0).
pub fn init_from_args(args: &[String]) {
    helper::maybe_run_from_args(args);
    let serving = args.get(1).is_some_and(|a| a == "serve");
    let count = count_from_args(args).unwrap_or(if serving { 5 } else { 0 });
    if count == 0 {
        return;
    }
    match LightPool::start(count) {
        Ok(pool) => {
            pool.install();
        }
        Err(e) => eprintln!("rhvm: light processes not started ({e}); shelling out directly"),
    }
}

/// The spawner an engine of this process should use: the installed pool's, or direct.
pub fn engine_spawner() -> Arc<dyn Spawner> {
    match LightPool::installed() {
        Some(pool) => pool.spawner(),
        None => DirectSpawner::shared(),
    }
}
