//! The helper side: the loop a light process runs, forked at start-up or started as
//! `rhvm --light-process-helper=FD` when the pool replaces a dead one.
//!
//! A helper is single-threaded, so `fork` in it is safe. It answers one request at a time
//! over its socket, never prints anything of its own, and exits when the socket closes
//! (the server went away) or, through `PR_SET_PDEATHSIG`, when its parent dies.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{ForkResult, Pid};

use super::protocol::{self, Reply, Request};

/// The hidden argument that starts `rhvm` as a helper on an inherited socket descriptor.
pub const HELPER_ARG: &str = "--light-process-helper";

/// If `args` asks for helper mode, runs the helper loop and never returns.
pub fn maybe_run_from_args(args: &[String]) {
    let Some(arg) = args.get(1) else { return };
    let Some(fd) = arg
        .strip_prefix(HELPER_ARG)
        .and_then(|rest| rest.strip_prefix('='))
    else {
        return;
    };
    let Ok(fd) = fd.parse::<RawFd>() else {
        exit_now(2);
    };
    if fd < 3 || nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFD).is_err() {
        exit_now(2);
    }
    // SAFETY: the server passed this descriptor to us for exactly this purpose and nothing
    // else in this fresh process refers to it.
    let sock = unsafe { UnixStream::from_raw_fd(fd) };
    run(sock)
}

/// Ends the process at once: no atexit handlers, no flushing of buffers copied from the
/// parent at fork (a helper prints nothing).
fn exit_now(code: i32) -> ! {
    // SAFETY: `_exit` is async-signal-safe and ends the process; nothing needs unwinding.
    unsafe { libc::_exit(code) }
}

/// Closes every descriptor but 0-2 and `keep`: a helper must not hold other helpers'
/// sockets (that would hide their end of stream from the server) or anything else.
fn close_other_fds(keep: RawFd) {
    let fds: Vec<RawFd> = match std::fs::read_dir("/proc/self/fd") {
        Ok(dir) => dir
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect(),
        Err(_) => (3..1024).collect(),
    };
    for fd in fds {
        if fd > 2 && fd != keep {
            let _ = nix::unistd::close(fd);
        }
    }
}

/// Asks the kernel to kill this process when its parent dies; exits now if the parent is
/// already gone (`expected_parent` no longer our parent).
pub fn die_with_parent(expected_parent: Pid) {
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number and touches no memory of ours.
    let rc = unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) };
    if rc != 0 || nix::unistd::getppid() != expected_parent {
        exit_now(0);
    }
}

/// The helper loop over `sock`; never returns.
pub fn run(sock: UnixStream) -> ! {
    close_other_fds(sock.as_raw_fd());
    let _ = nix::fcntl::fcntl(
        sock.as_raw_fd(),
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
    );
    die_with_parent(nix::unistd::getppid());
    loop {
        let (body, fds) = match protocol::recv(&sock) {
            Ok(Some(m)) => m,
            _ => exit_now(0),
        };
        let reply = match Request::decode(&body) {
            Some(req) => handle(req, fds),
            None => Reply::Err(libc::EINVAL),
        };
        if protocol::send(&sock, &reply.encode(), &[]).is_err() {
            exit_now(0);
        }
    }
}

/// Answers one request.
fn handle(req: Request, fds: Vec<OwnedFd>) -> Reply {
    match req {
        Request::Spawn {
            shell,
            argv,
            cwd,
            env,
            fd_targets,
        } => {
            if fd_targets.len() != fds.len() {
                return Reply::Err(libc::EINVAL);
            }
            match spawn(
                shell,
                &argv,
                cwd.as_deref(),
                env.as_deref(),
                &fd_targets,
                &fds,
            ) {
                Ok(pid) => Reply::Ok(i64::from(pid)),
                Err(e) => Reply::Err(e.raw_os_error().unwrap_or(libc::EIO)),
            }
        }
        Request::Wait { pid } => wait(pid, None),
        Request::Status { pid } => wait(pid, Some(WaitPidFlag::WNOHANG | WaitPidFlag::WUNTRACED)),
        Request::Signal { pid, sig } => {
            let r = nix::sys::signal::Signal::try_from(sig)
                .and_then(|s| nix::sys::signal::kill(Pid::from_raw(pid), s));
            match r {
                Ok(()) => Reply::Ok(0),
                Err(e) => Reply::Err(e as i32),
            }
        }
        Request::Ping => Reply::Ok(0),
    }
}

/// `waitpid` on a child of ours, as a reply.
fn wait(pid: i32, flags: Option<WaitPidFlag>) -> Reply {
    loop {
        return match waitpid(Pid::from_raw(pid), flags) {
            Ok(WaitStatus::Exited(_, code)) => Reply::State(1, code),
            Ok(WaitStatus::Signaled(_, sig, _)) => Reply::State(2, sig as i32),
            Ok(WaitStatus::Stopped(_, sig)) => Reply::State(3, sig as i32),
            Ok(_) => Reply::State(0, 0),
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => Reply::Err(e as i32),
        };
    }
}

/// A C string from bytes, or EINVAL for bytes with NUL.
fn cstr(b: &[u8]) -> io::Result<CString> {
    CString::new(b).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

/// Forks and execs one child with `fds` at `targets`; the pid, or the errno of a failed
/// `chdir`/`exec` reported back over a close-on-exec pipe.
fn spawn(
    shell: bool,
    argv: &[Vec<u8>],
    cwd: Option<&[u8]>,
    env: Option<&[Vec<u8>]>,
    targets: &[i32],
    fds: &[OwnedFd],
) -> io::Result<i32> {
    // Everything the child needs is built before fork.
    let (path, args): (CString, Vec<CString>) = if shell {
        let line = argv.first().map(Vec::as_slice).unwrap_or_default();
        (
            cstr(b"/bin/sh")?,
            vec![cstr(b"sh")?, cstr(b"-c")?, cstr(line)?],
        )
    } else {
        let Some(first) = argv.first() else {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        };
        (
            cstr(first)?,
            argv.iter().map(|a| cstr(a)).collect::<io::Result<_>>()?,
        )
    };
    let env: Option<Vec<CString>> = match env {
        Some(e) => Some(e.iter().map(|v| cstr(v)).collect::<io::Result<_>>()?),
        None => None,
    };
    let cwd = cwd.map(cstr).transpose()?;
    let (err_r, err_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let raw: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();

    // SAFETY: the helper is single-threaded, so the child may do anything the parent
    // could; it still sticks to plain system calls and ends in exec or `_exit`.
    match unsafe { nix::unistd::fork() }? {
        ForkResult::Child => {
            drop(err_r);
            child_exec(
                &path,
                &args,
                env.as_deref(),
                cwd.as_deref(),
                targets,
                &raw,
                err_w,
            )
        }
        ForkResult::Parent { child } => {
            drop(err_w);
            let mut buf = [0u8; 4];
            let mut file = std::fs::File::from(err_r);
            let n = io::Read::read(&mut file, &mut buf).unwrap_or(0);
            if n == 4 {
                let _ = waitpid(child, None);
                return Err(io::Error::from_raw_os_error(i32::from_le_bytes(buf)));
            }
            Ok(child.as_raw())
        }
    }
}

/// The child after fork: places the descriptors, resets signals, changes directory and
/// execs; reports errno on `err` and exits 127 if anything fails.
fn child_exec(
    path: &CString,
    args: &[CString],
    env: Option<&[CString]>,
    cwd: Option<&std::ffi::CStr>,
    targets: &[i32],
    raw: &[RawFd],
    err: OwnedFd,
) -> ! {
    let fail = |e: nix::errno::Errno| -> ! {
        let _ = nix::unistd::write(&err, &(e as i32).to_le_bytes());
        exit_now(127)
    };
    // Its own process group, so that cancelling a request's shell-out (`LightPool::
    // kill_children_of`) also reaches what the shell started.
    let _ = nix::unistd::setpgid(nix::unistd::Pid::from_raw(0), nix::unistd::Pid::from_raw(0));
    // Move every passed descriptor out of the way first, so placing one cannot clobber
    // another that still has to be placed.
    let mut high = Vec::with_capacity(raw.len());
    for &fd in raw {
        match nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(256)) {
            Ok(h) => high.push(h),
            Err(e) => fail(e),
        }
    }
    for (&target, &h) in targets.iter().zip(&high) {
        if let Err(e) = nix::unistd::dup2(h, target) {
            fail(e);
        }
    }
    // Rust ignores SIGPIPE; an exec'd program must get the default back, and no blocked
    // signals.
    // SAFETY: setting a default disposition installs no handler code.
    unsafe {
        let _ = nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGPIPE,
            nix::sys::signal::SigHandler::SigDfl,
        );
    }
    let _ = nix::sys::signal::sigprocmask(
        nix::sys::signal::SigmaskHow::SIG_SETMASK,
        Some(&nix::sys::signal::SigSet::empty()),
        None,
    );
    if let Some(dir) = cwd {
        if let Err(e) = nix::unistd::chdir(dir) {
            fail(e);
        }
    }
    let e = match env {
        Some(env) => nix::unistd::execvpe(path, args, env),
        None => nix::unistd::execvp(path, args),
    };
    match e {
        Err(e) => fail(e),
        Ok(never) => match never {},
    }
}
