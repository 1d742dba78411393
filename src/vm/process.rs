//! Process creation as the engine sees it: the `Spawner` trait behind `shell_exec`,
//! `exec`, `system`, `passthru`, `popen` and `proc_open`.
//!
//! The engine never forks. It builds a `SpawnRequest` (a shell command line or an argv,
//! working directory, environment, and the file descriptors the child gets) and hands it
//! to the `Spawner` installed on the `Vm`. The default, `StdSpawner`, uses
//! `std::process::Command` (posix_spawn or vfork+exec on Linux): right for the CLI and for
//! a server with `hhvm.server.light_process_count = 0`. The server installs the light
//! process pool (`crate::lightproc`) instead, so a big multithreaded process never forks.
//!
//! Pipes are made here (`std::io::pipe`) and passed to the spawner as plain descriptors, so
//! a spawner only has to place descriptors at child fd numbers; the parent ends stay in
//! the engine as stream resources.

use std::io;
use std::os::fd::OwnedFd;
use std::sync::Arc;

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    /// A command line for `/bin/sh -c`.
    Shell(Vec<u8>),
    /// An argv run directly (looked up in `PATH`), no shell: `proc_open([...])`.
    Argv(Vec<Vec<u8>>),
}

/// One process to start.
#[derive(Debug)]
pub struct SpawnRequest {
    pub program: Program,
    /// The child's working directory; `None` inherits ours.
    pub cwd: Option<Vec<u8>>,
    /// The child's whole environment as `KEY=VALUE` entries; `None` inherits ours.
    pub env: Option<Vec<Vec<u8>>>,
    /// Descriptors the child gets, by child fd number. Fds 0-2 not listed are inherited;
    /// every other descriptor of ours is closed in the child.
    pub fds: Vec<(i32, OwnedFd)>,
}

/// How a child process ended, or that it has not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildState {
    Running,
    Exited(i32),
    Signaled(i32),
    Stopped(i32),
}

/// A started child process.
pub trait Child: Send {
    /// The process id.
    fn pid(&self) -> u32;
    /// The state now, without blocking (`proc_get_status`).
    fn try_wait(&mut self) -> io::Result<ChildState>;
    /// Blocks until the child ends (`pclose`, `proc_close`); never `Running`.
    fn wait(&mut self) -> io::Result<ChildState>;
    /// Sends a signal (`proc_terminate`).
    fn signal(&mut self, sig: i32) -> io::Result<()>;
    /// Kills the child for a request that has to end (time limit): SIGKILL, to its whole
    /// process group when it leads one, so what a shell started dies with it.
    fn cancel(&mut self) {
        let _ = self.signal(libc::SIGKILL);
    }
}

/// Something that starts processes for the engine.
pub trait Spawner: Send + Sync {
    /// Starts the process described by `req`.
    ///
    /// # Errors
    ///
    /// When no process could be started (the builtin then warns and returns false).
    fn spawn(&self, req: SpawnRequest) -> io::Result<Box<dyn Child>>;

    /// Adds `increment` to the calling thread's nice value (`proc_nice`). Safe Rust has no
    /// way to do it, so the default says unsupported; `crate::lightproc` spawners do it.
    ///
    /// # Errors
    ///
    /// `EPERM` when lowering the value without privilege; unsupported by default.
    fn nice(&self, increment: i32) -> io::Result<()> {
        let _ = increment;
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "changing the priority needs a platform spawner",
        ))
    }
}

/// The default spawner, over `std::process::Command` (no fork of this process).
#[derive(Debug, Default, Clone, Copy)]
pub struct StdSpawner;

/// The shared default spawner.
pub fn default_spawner() -> Arc<dyn Spawner> {
    Arc::new(StdSpawner)
}

impl Spawner for StdSpawner {
    fn spawn(&self, req: SpawnRequest) -> io::Result<Box<dyn Child>> {
        use std::os::unix::ffi::OsStrExt;
        use std::process::{Command, Stdio};
        let mut cmd = match &req.program {
            Program::Shell(line) => {
                let mut c = Command::new("/bin/sh");
                c.arg("-c").arg(std::ffi::OsStr::from_bytes(line));
                c
            }
            Program::Argv(argv) => {
                let Some((first, rest)) = argv.split_first() else {
                    return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty argv"));
                };
                let mut c = Command::new(std::ffi::OsStr::from_bytes(first));
                c.args(rest.iter().map(|a| std::ffi::OsStr::from_bytes(a)));
                c
            }
        };
        if let Some(dir) = &req.cwd {
            cmd.current_dir(std::ffi::OsStr::from_bytes(dir));
        }
        if let Some(env) = &req.env {
            cmd.env_clear();
            for entry in env {
                let (k, v) = match entry.iter().position(|&c| c == b'=') {
                    Some(i) => (&entry[..i], &entry[i + 1..]),
                    None => (&entry[..], &b""[..]),
                };
                cmd.env(
                    std::ffi::OsStr::from_bytes(k),
                    std::ffi::OsStr::from_bytes(v),
                );
            }
        }
        for (target, fd) in req.fds {
            match target {
                0 => cmd.stdin(Stdio::from(fd)),
                1 => cmd.stdout(Stdio::from(fd)),
                2 => cmd.stderr(Stdio::from(fd)),
                _ => {
                    return Err(io::Error::new(
                        io::ErrorKind::Unsupported,
                        "descriptors above 2 need light processes",
                    ))
                }
            };
        }
        let child = cmd.spawn()?;
        Ok(Box::new(StdChild { child, done: None }))
    }
}

/// A child started by `StdSpawner`.
#[derive(Debug)]
struct StdChild {
    child: std::process::Child,
    done: Option<ChildState>,
}

impl StdChild {
    /// `waitpid` on the child, reaping it once it ended.
    fn wait_flags(&mut self, flags: Option<nix::sys::wait::WaitPidFlag>) -> io::Result<ChildState> {
        use nix::sys::wait::{waitpid, WaitStatus};
        if let Some(s) = self.done {
            return Ok(s);
        }
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        loop {
            let state = match waitpid(pid, flags) {
                Ok(WaitStatus::Exited(_, code)) => ChildState::Exited(code),
                Ok(WaitStatus::Signaled(_, sig, _)) => ChildState::Signaled(sig as i32),
                Ok(WaitStatus::Stopped(_, sig)) => return Ok(ChildState::Stopped(sig as i32)),
                Ok(_) => return Ok(ChildState::Running),
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(io::Error::from(e)),
            };
            self.done = Some(state);
            return Ok(state);
        }
    }
}

impl Child for StdChild {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn try_wait(&mut self) -> io::Result<ChildState> {
        use nix::sys::wait::WaitPidFlag;
        self.wait_flags(Some(WaitPidFlag::WNOHANG | WaitPidFlag::WUNTRACED))
    }

    fn wait(&mut self) -> io::Result<ChildState> {
        self.wait_flags(None)
    }

    fn signal(&mut self, sig: i32) -> io::Result<()> {
        if self.done.is_some() {
            return Err(io::Error::from_raw_os_error(libc::ESRCH));
        }
        let sig = nix::sys::signal::Signal::try_from(sig).map_err(io::Error::from)?;
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), sig)
            .map_err(io::Error::from)
    }
}

impl Drop for StdChild {
    fn drop(&mut self) {
        // A child nobody waited for must not stay a zombie in a long-running server.
        let _ = self.wait_flags(None);
    }
}
