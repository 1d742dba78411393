//! Program execution: `shell_exec` (and the backtick operator, which compiles to a call of
//! it), `exec`, `system`, `passthru`, `popen`/`pclose`, `proc_open` and friends,
//! `escapeshellarg`/`escapeshellcmd`.
//!
//! Processes are started by the `Spawner` installed on the `Vm` (`vm::process`), never by
//! forking here. Pipes are `std::io::pipe`s; the parent ends become ordinary stream
//! resources (`file::stream`), so `fgets`, `fwrite`, `stream_get_contents`, ... work on them.
//! `system` and `passthru` copy the child's output as it arrives, never buffered whole.

use std::fs::File;
use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};

use super::super::array::{ArrayKey, PhpArray};
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::host::Host;
use super::super::object::{Obj, RESOURCE_ID_BIT};
use super::super::process::{Child, ChildState, Program, SpawnRequest};
use super::super::value::{PhpStr, Value};
use super::args::{int_or, opt, ref_at, str_at};
use super::file::stream::{
    new_resource_plain, next_plain_id, take_stream, Backend, SharedChild, Stream, RESOURCE_CLASS,
};
use super::BuiltinDef;

pub static FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "shell_exec",
        sig: "string $command",
        func: shell_exec,
    },
    BuiltinDef {
        name: "exec",
        sig: "string $command, &$output = null, &$result_code = null",
        func: exec,
    },
    BuiltinDef {
        name: "system",
        sig: "string $command, &$result_code = null",
        func: system,
    },
    BuiltinDef {
        name: "passthru",
        sig: "string $command, &$result_code = null",
        func: passthru,
    },
    BuiltinDef {
        name: "escapeshellarg",
        sig: "string $arg",
        func: escapeshellarg,
    },
    BuiltinDef {
        name: "escapeshellcmd",
        sig: "string $command",
        func: escapeshellcmd,
    },
    BuiltinDef {
        name: "popen",
        sig: "string $command, string $mode",
        func: popen,
    },
    BuiltinDef {
        name: "pclose",
        sig: "$handle",
        func: pclose,
    },
    BuiltinDef {
        name: "proc_open",
        sig: "array|string $command, array $descriptor_spec, &$pipes, ?string $cwd = null, ?array $env_vars = null, ?array $options = null",
        func: proc_open,
    },
    BuiltinDef {
        name: "proc_close",
        sig: "$process",
        func: proc_close,
    },
    BuiltinDef {
        name: "proc_get_status",
        sig: "$process",
        func: proc_get_status,
    },
    BuiltinDef {
        name: "proc_terminate",
        sig: "$process, int $signal = 15",
        func: proc_terminate,
    },
    BuiltinDef {
        name: "proc_nice",
        sig: "int $priority",
        func: proc_nice,
    },
];

/// The native state of a `proc_open` resource (type `process`, `Unknown` once closed).
pub struct ProcResource {
    pub id: i64,
    proc: Option<ProcState>,
}

/// An open `proc_open` process.
struct ProcState {
    /// Shared with the pipes (`Stream::owner`), which kill it on a time-limit fault.
    child: SharedChild,
    /// `proc_get_status`'s `command`.
    command: PhpStr,
    /// The pipe resources handed out, closed by `proc_close`.
    pipes: Vec<Value>,
    /// PHP 8.2 reaps the child in the first `proc_get_status` that sees it exit; later
    /// calls (and `proc_close`) report exit code -1. Kept for byte-for-byte behaviour.
    reaped: bool,
}

impl ProcResource {
    /// Whether `proc_close` has not run yet.
    pub fn is_open(&self) -> bool {
        self.proc.is_some()
    }
}

/// PHP's checks on a command argument: not empty, no NUL bytes.
fn check_command(func: &str, cmd: &[u8]) -> PhpResult<()> {
    if cmd.is_empty() {
        return Err(Fault::value_error(format!(
            "{func}(): Argument #1 ($command) cannot be empty"
        )));
    }
    if cmd.contains(&0) {
        return Err(Fault::value_error(format!(
            "{func}(): Argument #1 ($command) must not contain any null bytes"
        )));
    }
    Ok(())
}

/// Flushes program output that reached the sink, so a child writing to our stdout comes
/// after it.
fn flush_sink(host: &mut dyn Host) {
    if let Some(vm) = host.engine() {
        vm.out.flush();
    }
}

/// Starts `req` with the engine's spawner.
fn spawn(host: &mut dyn Host, req: SpawnRequest) -> std::io::Result<Box<dyn Child>> {
    flush_sink(host);
    match host.engine() {
        Some(vm) => vm.spawner().spawn(req),
        None => super::super::process::StdSpawner.spawn_boxed(req),
    }
}

impl super::super::process::StdSpawner {
    /// `spawn` without an engine (unit tests).
    fn spawn_boxed(self, req: SpawnRequest) -> std::io::Result<Box<dyn Child>> {
        use super::super::process::Spawner;
        self.spawn(req)
    }
}

/// Starts `/bin/sh -c cmd` with its stdout on a pipe; the read end and the child.
fn spawn_reading(host: &mut dyn Host, cmd: &[u8]) -> std::io::Result<(File, Box<dyn Child>)> {
    let (reader, writer) = std::io::pipe()?;
    let child = spawn(
        host,
        SpawnRequest {
            program: Program::Shell(cmd.to_vec()),
            cwd: None,
            env: None,
            fds: vec![(1, OwnedFd::from(writer))],
        },
    )?;
    Ok((File::from(OwnedFd::from(reader)), child))
}

/// The status `pclose`/`exec` report: the exit code, or the raw wait status of a signal.
fn close_status(state: std::io::Result<ChildState>) -> i64 {
    match state {
        Ok(ChildState::Exited(code)) => i64::from(code),
        Ok(ChildState::Signaled(sig)) => i64::from(sig),
        Ok(ChildState::Stopped(sig)) => (i64::from(sig) << 8) | 0x7f,
        Ok(ChildState::Running) | Err(_) => -1,
    }
}

/// Reads the child's output pipe, waking every 50 ms to check the execution limit; when
/// the request has to end, the child is killed (`Child::cancel`) and reaped first.
fn read_checked(
    host: &mut dyn Host,
    pipe: &mut File,
    buf: &mut [u8],
    child: &mut Box<dyn Child>,
) -> PhpResult<std::io::Result<usize>> {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    loop {
        if let Err(fault) = host.check_limits() {
            child.cancel();
            let _ = child.wait();
            return Err(fault);
        }
        let mut fds = [PollFd::new(pipe.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::from(50u16)) {
            Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
            _ => return Ok(pipe.read(buf)),
        }
    }
}

/// Waits for the child to end, checking the execution limit (polling with a backoff up
/// to 50 ms); when the request has to end, the child is killed and reaped.
fn wait_checked(
    host: &mut dyn Host,
    child: &mut Box<dyn Child>,
) -> PhpResult<std::io::Result<ChildState>> {
    let mut pause = std::time::Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(ChildState::Running | ChildState::Stopped(_)) => {}
            done => return Ok(done),
        }
        if let Err(fault) = host.check_limits() {
            child.cancel();
            let _ = child.wait();
            return Err(fault);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(std::time::Duration::from_millis(50));
    }
}

fn shell_exec(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let cmd = str_at(args, 0);
    check_command("shell_exec", cmd.as_bytes())?;
    next_plain_id();
    let (mut out, mut child) = match spawn_reading(host, cmd.as_bytes()) {
        Ok(x) => x,
        Err(_) => {
            host.raise(
                ErrorLevel::Warning,
                &format!(
                    "shell_exec(): Unable to execute '{}'",
                    String::from_utf8_lossy(cmd.as_bytes())
                ),
            )?;
            return Ok(Value::Bool(false));
        }
    };
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 8192];
    loop {
        match read_checked(host, &mut out, &mut chunk, &mut child)? {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    drop(out);
    let _ = wait_checked(host, &mut child)?;
    Ok(if buf.is_empty() {
        Value::Null
    } else {
        Value::str(buf)
    })
}

/// How `php_exec` hands the child's output back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExecMode {
    /// `exec`: lines into an array, trailing whitespace trimmed.
    Lines,
    /// `system`: each line echoed as it arrives.
    Echo,
    /// `passthru`: raw bytes echoed as they arrive.
    Raw,
}

/// Whether `c` is C's `isspace`.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `line` without trailing C whitespace.
fn rtrim(line: &[u8]) -> &[u8] {
    let end = line
        .iter()
        .rposition(|&c| !is_space(c))
        .map_or(0, |i| i + 1);
    &line[..end]
}

/// Echoes bytes and, outside output buffering, pushes them to the client at once.
fn echo_now(host: &mut dyn Host, bytes: &[u8]) {
    host.echo(bytes);
    if let Some(vm) = host.engine() {
        if vm.out.buffers.is_empty() {
            vm.out.flush();
        }
    }
}

/// PHP's `php_exec`: runs `cmd`, hands its output back as `mode` says, and returns the
/// last line (trimmed) and the exit status; `None` when no process could be started.
fn php_exec(
    host: &mut dyn Host,
    func: &str,
    cmd: &[u8],
    mode: ExecMode,
    lines: &mut Option<PhpArray>,
) -> PhpResult<Option<(Vec<u8>, i64)>> {
    next_plain_id();
    let (mut out, mut child) = match spawn_reading(host, cmd) {
        Ok(x) => x,
        Err(_) => {
            host.raise(
                ErrorLevel::Warning,
                &format!(
                    "{func}(): Unable to fork [{}]",
                    String::from_utf8_lossy(cmd)
                ),
            )?;
            return Ok(None);
        }
    };
    let mut chunk = vec![0u8; 8192];
    let mut pending: Vec<u8> = Vec::new();
    let mut last: Vec<u8> = Vec::new();
    loop {
        let n = match read_checked(host, &mut out, &mut chunk, &mut child)? {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let bytes = &chunk[..n];
        if mode == ExecMode::Raw {
            echo_now(host, bytes);
            continue;
        }
        pending.extend_from_slice(bytes);
        while let Some(i) = pending.iter().position(|&c| c == b'\n') {
            let line: Vec<u8> = pending.drain(..=i).collect();
            take_line(host, mode, lines, &line);
            last = line;
        }
    }
    if !pending.is_empty() {
        take_line(host, mode, lines, &pending);
        last = pending;
    }
    drop(out);
    let status = close_status(wait_checked(host, &mut child)?);
    Ok(Some((rtrim(&last).to_vec(), status)))
}

/// One complete line of `exec`/`system` output.
fn take_line(host: &mut dyn Host, mode: ExecMode, lines: &mut Option<PhpArray>, line: &[u8]) {
    match mode {
        ExecMode::Lines => {
            if let Some(arr) = lines {
                arr.push(Value::str(rtrim(line).to_vec()));
            }
        }
        ExecMode::Echo => echo_now(host, line),
        ExecMode::Raw => {}
    }
}

/// Stores `v` into by-reference argument `i`, when one was passed.
fn set_ref(args: &[Value], i: usize, v: Value) {
    if let Some(r) = ref_at(args, i) {
        *r.borrow_mut() = v;
    }
}

fn exec(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let cmd = str_at(args, 0);
    check_command("exec", cmd.as_bytes())?;
    let mut lines = ref_at(args, 1).map(|r| match r.borrow().deref_clone() {
        Value::Array(a) => (*a).clone(),
        _ => PhpArray::new(),
    });
    let result = php_exec(host, "exec", cmd.as_bytes(), ExecMode::Lines, &mut lines)?;
    if let Some(arr) = lines {
        set_ref(args, 1, Value::array(arr));
    }
    Ok(match result {
        Some((last, status)) => {
            set_ref(args, 2, Value::Int(status));
            Value::str(last)
        }
        None => Value::Bool(false),
    })
}

fn system(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let cmd = str_at(args, 0);
    check_command("system", cmd.as_bytes())?;
    Ok(
        match php_exec(host, "system", cmd.as_bytes(), ExecMode::Echo, &mut None)? {
            Some((last, status)) => {
                set_ref(args, 1, Value::Int(status));
                Value::str(last)
            }
            None => Value::Bool(false),
        },
    )
}

fn passthru(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let cmd = str_at(args, 0);
    check_command("passthru", cmd.as_bytes())?;
    Ok(
        match php_exec(host, "passthru", cmd.as_bytes(), ExecMode::Raw, &mut None)? {
            Some((_, status)) => {
                set_ref(args, 1, Value::Int(status));
                Value::Null
            }
            None => Value::Bool(false),
        },
    )
}

fn escapeshellarg(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let arg = str_at(args, 0);
    if arg.as_bytes().contains(&0) {
        return Err(Fault::value_error(
            "escapeshellarg(): Argument #1 ($arg) must not contain any null bytes",
        ));
    }
    let mut out = Vec::with_capacity(arg.len() + 2);
    out.push(b'\'');
    for &c in arg.as_bytes() {
        // PHP skips what `mblen` rejects: in the C locale every byte above 0x7f.
        if c >= 0x80 {
            continue;
        }
        if c == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(c);
        }
    }
    out.push(b'\'');
    Ok(Value::str(out))
}

fn escapeshellcmd(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let cmd = str_at(args, 0);
    let s = cmd.as_bytes();
    if s.contains(&0) {
        return Err(Fault::value_error(
            "escapeshellcmd(): Argument #1 ($command) must not contain any null bytes",
        ));
    }
    let mut out = Vec::with_capacity(s.len() * 2);
    // PHP's rule: a quote is left alone when it has a partner later in the string.
    let mut open: Option<usize> = None;
    for (x, &c) in s.iter().enumerate() {
        // PHP skips what `mblen` rejects: in the C locale every byte above 0x7f.
        if c >= 0x80 {
            continue;
        }
        match c {
            b'"' | b'\'' => {
                if open.is_none() {
                    open = s[x + 1..].iter().position(|&d| d == c).map(|i| x + 1 + i);
                    if open.is_none() {
                        out.push(b'\\');
                    }
                } else if open.is_some_and(|p| s[p] == c) {
                    open = None;
                } else {
                    out.push(b'\\');
                }
                out.push(c);
            }
            b'#' | b'&' | b';' | b'`' | b'|' | b'*' | b'?' | b'~' | b'<' | b'>' | b'^' | b'('
            | b')' | b'[' | b']' | b'{' | b'}' | b'$' | b'\\' | b'\n' => {
                out.push(b'\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    Ok(Value::str(out))
}

fn popen(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let cmd = str_at(args, 0);
    let mode = str_at(args, 1);
    if cmd.as_bytes().contains(&0) {
        return Err(Fault::value_error(
            "popen(): Argument #1 ($command) must not contain any null bytes",
        ));
    }
    let reading = match mode.as_bytes() {
        b"r" | b"rb" => true,
        b"w" | b"wb" => false,
        _ => {
            return Err(Fault::value_error(
                "popen(): Argument #2 ($mode) must be one of \"r\", \"rb\", \"w\", or \"wb\"",
            ))
        }
    };
    let started = std::io::pipe().and_then(|(reader, writer)| {
        let (ours, theirs, target) = if reading {
            (OwnedFd::from(reader), OwnedFd::from(writer), 1)
        } else {
            (OwnedFd::from(writer), OwnedFd::from(reader), 0)
        };
        let child = spawn(
            host,
            SpawnRequest {
                program: Program::Shell(cmd.as_bytes().to_vec()),
                cwd: None,
                env: None,
                fds: vec![(target, theirs)],
            },
        )?;
        Ok((ours, child))
    });
    let (fd, child) = match started {
        Ok(x) => x,
        Err(e) => {
            host.raise(
                ErrorLevel::Warning,
                &format!(
                    "popen({},{}): {}",
                    String::from_utf8_lossy(cmd.as_bytes()),
                    String::from_utf8_lossy(mode.as_bytes()),
                    strerror(&e)
                ),
            )?;
            return Ok(Value::Bool(false));
        }
    };
    let mut stream = Stream::new(Backend::File(File::from(fd)), reading, !reading);
    stream.uri = cmd;
    stream.mode = mode;
    stream.child = Some(child);
    new_resource_plain(host, stream)
}

/// An I/O error as C's `strerror` words it.
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn pclose(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let mut stream = take_stream("pclose", &args[0])?;
    let child = stream.child.take();
    drop(stream);
    Ok(Value::Int(match child {
        Some(mut c) => close_status(wait_checked(host, &mut c)?),
        None => -1,
    }))
}

/// One entry of `proc_open`'s descriptor spec, resolved: what the child gets, and what
/// the parent keeps (a pipe end for `$pipes`).
struct Slot {
    child_fd: i32,
    theirs: OwnedFd,
    ours: Option<(OwnedFd, bool)>,
}

/// A `ValueError`/`TypeError` about the descriptor spec, in PHP's words.
fn spec_error(msg: &str) -> Fault {
    Fault::value_error(format!("proc_open(): {msg}"))
}

/// Opens a `["file", path, mode]` descriptor like `fopen` would.
fn open_file(path: &[u8], mode: &[u8]) -> std::io::Result<File> {
    use std::os::unix::ffi::OsStrExt;
    let mut o = std::fs::OpenOptions::new();
    let plus = mode.contains(&b'+');
    match mode.first() {
        Some(b'r') => {
            o.read(true).write(plus);
        }
        Some(b'w') => {
            o.write(true).create(true).truncate(true).read(plus);
        }
        Some(b'a') => {
            o.append(true).create(true).read(plus);
        }
        Some(b'x') => {
            o.write(true).create_new(true).read(plus);
        }
        Some(b'c') => {
            o.write(true).create(true).read(plus);
        }
        _ => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "invalid mode",
            ))
        }
    }
    o.open(std::ffi::OsStr::from_bytes(path))
}

/// A descriptor of ours for an open stream resource given in the spec.
fn stream_fd(host: &mut dyn Host, v: &Value) -> PhpResult<Option<OwnedFd>> {
    flush_sink(host);
    let fd = super::file::stream::with_stream("proc_open", v, |s| match &s.backend {
        Backend::File(f) => f.as_fd().try_clone_to_owned().ok(),
        Backend::Stdin => std::io::stdin().as_fd().try_clone_to_owned().ok(),
        Backend::Stdout | Backend::Output => std::io::stdout().as_fd().try_clone_to_owned().ok(),
        Backend::Stderr => std::io::stderr().as_fd().try_clone_to_owned().ok(),
        _ => None,
    })?;
    Ok(fd)
}

fn proc_open(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let command = args[0].deref_clone();
    let (program, command_str) = match &command {
        Value::Array(a) => {
            if a.len() == 0 {
                return Err(Fault::value_error(
                    "proc_open(): Argument #1 ($command) must have at least one element",
                ));
            }
            let mut argv = Vec::with_capacity(a.len());
            for (_, v) in a.iter() {
                let s = host.to_str(v)?;
                if s.as_bytes().contains(&0) {
                    return Err(Fault::value_error(
                        "proc_open(): Argument #1 ($command) must not contain any null bytes",
                    ));
                }
                argv.push(s.as_bytes().to_vec());
            }
            let first = PhpStr::from(argv[0].clone());
            (Program::Argv(argv), first)
        }
        other => {
            let s = host.to_str(other)?;
            check_command("proc_open", s.as_bytes())?;
            (Program::Shell(s.as_bytes().to_vec()), s)
        }
    };
    let Value::Array(spec) = args[1].deref_clone() else {
        return Err(Fault::type_error(
            "proc_open(): Argument #2 ($descriptor_spec) must be of type array",
        ));
    };
    let cwd = match opt(args, 3) {
        Some(Value::Null) | None => None,
        Some(v) => Some(host.to_str(v)?.as_bytes().to_vec()),
    };
    let env = match opt(args, 4) {
        Some(Value::Array(a)) => {
            let mut env = Vec::new();
            for (k, v) in a.iter() {
                let val = host.to_str(v)?;
                let mut entry = match k {
                    ArrayKey::Str(s) => s.as_bytes().to_vec(),
                    ArrayKey::Int(_) => Vec::new(),
                };
                if !entry.is_empty() {
                    entry.push(b'=');
                }
                entry.extend_from_slice(val.as_bytes());
                env.push(entry);
            }
            Some(env)
        }
        _ => None,
    };

    let mut slots: Vec<Slot> = Vec::new();
    for (key, desc) in spec.iter() {
        let ArrayKey::Int(n) = key else {
            return Err(spec_error(
                "Argument #2 ($descriptor_spec) must be an integer indexed array",
            ));
        };
        let child_fd = i32::try_from(n).map_err(|_| {
            spec_error("Argument #2 ($descriptor_spec) must be an integer indexed array")
        })?;
        let desc = desc.deref_clone();
        let slot = match &desc {
            Value::Object(_) => match stream_fd(host, &desc)? {
                Some(fd) => Slot {
                    child_fd,
                    theirs: fd,
                    ours: None,
                },
                None => {
                    host.raise(
                        ErrorLevel::Warning,
                        "proc_open(): Cannot represent a stream of type MEMORY as a File Descriptor",
                    )?;
                    return Ok(Value::Bool(false));
                }
            },
            Value::Array(d) => {
                let kind = match d.get_int(0) {
                    Some(v) => host.to_str(v)?,
                    None => {
                        return Err(spec_error("Missing handle qualifier in array"));
                    }
                };
                let io_err = |e: std::io::Error| e;
                let made: std::io::Result<Slot> = match kind.as_bytes() {
                    b"pipe" => {
                        let Some(mode) = d.get_int(1) else {
                            return Err(spec_error("Missing mode parameter for \"pipe\""));
                        };
                        let mode = host.to_str(mode)?;
                        let child_reads = mode.as_bytes().first() == Some(&b'r');
                        std::io::pipe().map_err(io_err).map(|(r, w)| {
                            let (theirs, ours) = if child_reads {
                                (OwnedFd::from(r), OwnedFd::from(w))
                            } else {
                                (OwnedFd::from(w), OwnedFd::from(r))
                            };
                            Slot {
                                child_fd,
                                theirs,
                                ours: Some((ours, !child_reads)),
                            }
                        })
                    }
                    b"file" => {
                        let (Some(path), Some(mode)) = (d.get_int(1), d.get_int(2)) else {
                            return Err(spec_error("Missing file name parameter for \"file\""));
                        };
                        let path = host.to_str(path)?;
                        let mode = host.to_str(mode)?;
                        match open_file(path.as_bytes(), mode.as_bytes()) {
                            Ok(f) => Ok(Slot {
                                child_fd,
                                theirs: OwnedFd::from(f),
                                ours: None,
                            }),
                            Err(e) => {
                                host.raise(
                                    ErrorLevel::Warning,
                                    &format!(
                                        "proc_open({}): Failed to open stream: {}",
                                        String::from_utf8_lossy(path.as_bytes()),
                                        strerror(&e)
                                    ),
                                )?;
                                return Ok(Value::Bool(false));
                            }
                        }
                    }
                    b"redirect" => {
                        let Some(target) = d.get_int(1) else {
                            return Err(spec_error("Missing redirection target"));
                        };
                        let target = target.to_int();
                        let found = slots
                            .iter()
                            .find(|s| i64::from(s.child_fd) == target)
                            .map(|s| s.theirs.try_clone());
                        let fd = match found {
                            Some(fd) => fd,
                            None => {
                                match target {
                                    0 => std::io::stdin().as_fd().try_clone_to_owned(),
                                    1 => std::io::stdout().as_fd().try_clone_to_owned(),
                                    2 => std::io::stderr().as_fd().try_clone_to_owned(),
                                    _ => {
                                        host.raise(
                                        ErrorLevel::Warning,
                                        &format!("proc_open(): Redirection target {target} not found"),
                                    )?;
                                        return Ok(Value::Bool(false));
                                    }
                                }
                            }
                        };
                        fd.map(|theirs| Slot {
                            child_fd,
                            theirs,
                            ours: None,
                        })
                    }
                    b"null" => std::fs::OpenOptions::new()
                        .read(true)
                        .write(true)
                        .open("/dev/null")
                        .map(|f| Slot {
                            child_fd,
                            theirs: OwnedFd::from(f),
                            ours: None,
                        }),
                    other => {
                        return Err(spec_error(&format!(
                            "{} is not a valid descriptor spec/mode",
                            String::from_utf8_lossy(other)
                        )))
                    }
                };
                match made {
                    Ok(s) => s,
                    Err(e) => {
                        host.raise(
                            ErrorLevel::Warning,
                            &format!("proc_open(): Unable to create pipe {}", strerror(&e)),
                        )?;
                        return Ok(Value::Bool(false));
                    }
                }
            }
            _ => {
                return Err(spec_error(
                    "Argument #2 ($descriptor_spec) must only contain arrays and streams",
                ))
            }
        };
        slots.push(slot);
    }

    let mut fds = Vec::with_capacity(slots.len());
    let mut ours = Vec::new();
    for s in slots {
        fds.push((s.child_fd, s.theirs));
        if let Some((fd, readable)) = s.ours {
            ours.push((s.child_fd, fd, readable));
        }
    }
    let child = match spawn(
        host,
        SpawnRequest {
            program,
            cwd,
            env,
            fds,
        },
    ) {
        Ok(c) => c,
        Err(e) => {
            host.raise(
                ErrorLevel::Warning,
                &format!("proc_open(): Exec failed: {}", strerror(&e)),
            )?;
            return Ok(Value::Bool(false));
        }
    };
    let child: SharedChild = std::rc::Rc::new(std::cell::RefCell::new(child));
    let mut pipes = PhpArray::new();
    let mut pipe_values = Vec::new();
    for (n, fd, readable) in ours {
        let mut stream = Stream::new(Backend::File(File::from(fd)), readable, !readable);
        stream.mode = PhpStr::from(if readable { "r" } else { "w" });
        stream.owner = Some(child.clone());
        let res = new_resource_plain(host, stream)?;
        pipes.insert(ArrayKey::Int(i64::from(n)), res.clone());
        pipe_values.push(res);
    }
    set_ref(args, 2, Value::array(pipes));
    let id = next_plain_id();
    let class = host
        .engine()
        .and_then(|vm| vm.find_class(RESOURCE_CLASS))
        .ok_or_else(|| Fault::fatal("resources need the engine"))?;
    let obj = Obj::new(class, PhpArray::new(), RESOURCE_ID_BIT | id);
    obj.borrow_mut().internal = Some(Box::new(ProcResource {
        id: id as i64,
        proc: Some(ProcState {
            child,
            command: command_str,
            pipes: pipe_values,
            reaped: false,
        }),
    }));
    Ok(Value::Object(obj))
}

/// Runs `f` on an open process resource, with PHP's errors otherwise.
fn with_proc<R>(
    func: &str,
    v: &Value,
    f: impl FnOnce(&mut Option<ProcState>) -> R,
) -> PhpResult<R> {
    let v = v.deref_clone();
    let type_err = || {
        Fault::type_error(format!(
            "{func}(): Argument #1 ($process) must be of type resource, {} given",
            v.type_name()
        ))
    };
    let Value::Object(o) = &v else {
        return Err(type_err());
    };
    let mut data = o.borrow_mut();
    let Some(internal) = data.internal.as_mut() else {
        return Err(type_err());
    };
    if internal.is::<super::file::stream::Resource>() {
        return Err(Fault::type_error(format!(
            "{func}(): supplied resource is not a valid process resource"
        )));
    }
    let Some(res) = internal.downcast_mut::<ProcResource>() else {
        return Err(type_err());
    };
    if res.proc.is_none() {
        return Err(Fault::type_error(format!(
            "{func}(): supplied resource is not a valid process resource"
        )));
    }
    Ok(f(&mut res.proc))
}

fn proc_close(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let state = with_proc("proc_close", &args[0], |p| p.take())?;
    let Some(state) = state else {
        return Ok(Value::Int(-1));
    };
    for pipe in &state.pipes {
        let _ = take_stream("proc_close", pipe);
    }
    let status = close_status(wait_checked(host, &mut state.child.borrow_mut())?);
    Ok(Value::Int(if state.reaped { -1 } else { status }))
}

fn proc_get_status(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let (command, pid, now) = with_proc("proc_get_status", &args[0], |p| {
        let p = p.as_mut()?;
        let now = if p.reaped {
            Err(())
        } else {
            p.child.borrow_mut().try_wait().map_err(|_| ())
        };
        if matches!(now, Ok(s) if s != ChildState::Running) {
            p.reaped = true;
        }
        let pid = p.child.borrow().pid();
        Some((p.command.clone(), pid, now))
    })?
    .ok_or_else(|| Fault::fatal("proc_get_status(): process vanished"))?;
    let (running, signaled, stopped, exitcode, termsig, stopsig) = match now {
        Ok(ChildState::Running) => (true, false, false, -1, 0, 0),
        Ok(ChildState::Exited(c)) => (false, false, false, i64::from(c), 0, 0),
        Ok(ChildState::Signaled(s)) => (false, true, false, -1, i64::from(s), 0),
        Ok(ChildState::Stopped(s)) => (true, false, true, -1, 0, i64::from(s)),
        Err(()) => (false, false, false, -1, 0, 0),
    };
    let mut a = PhpArray::new();
    let mut put = |k: &str, v: Value| a.insert(ArrayKey::Str(PhpStr::from(k)), v);
    put("command", Value::Str(command));
    put("pid", Value::Int(i64::from(pid)));
    put("running", Value::Bool(running));
    put("signaled", Value::Bool(signaled));
    put("stopped", Value::Bool(stopped));
    put("exitcode", Value::Int(exitcode));
    put("termsig", Value::Int(termsig));
    put("stopsig", Value::Int(stopsig));
    Ok(Value::array(a))
}

fn proc_terminate(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let sig = int_or(args, 1, 15);
    let ok = with_proc("proc_terminate", &args[0], |p| {
        p.as_mut().is_some_and(|p| {
            i32::try_from(sig)
                .ok()
                .is_some_and(|sig| p.child.borrow_mut().signal(sig).is_ok())
        })
    })?;
    Ok(Value::Bool(ok))
}

fn proc_nice(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let inc = int_or(args, 0, 0);
    let Ok(inc) = i32::try_from(inc) else {
        return Err(Fault::value_error(
            "proc_nice(): Argument #1 ($priority) is out of range",
        ));
    };
    let result = match host.engine() {
        Some(vm) => vm.spawner().nice(inc),
        None => Err(std::io::Error::from(std::io::ErrorKind::Unsupported)),
    };
    match result {
        Ok(()) => Ok(Value::Bool(true)),
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
            host.raise(
                ErrorLevel::Warning,
                "proc_nice(): Only a super user may attempt to increase the priority of a process",
            )?;
            Ok(Value::Bool(false))
        }
        Err(e) => {
            host.raise(
                ErrorLevel::Warning,
                &format!(
                    "proc_nice(): Error while altering the process priority: {}",
                    strerror(&e)
                ),
            )?;
            Ok(Value::Bool(false))
        }
    }
}
