//! PHP resources and the streams behind them.
//!
//! The engine has no resource value type: adding a `Value` variant would touch every match
//! in the crate. A resource is instead an object of the hidden built-in class `__resource`
//! whose native state (`Obj::internal`) is a `Resource`. Its object id carries
//! `RESOURCE_ID_BIT` so it never consumes or recycles the ids of real objects, and the few
//! places that must tell resources from objects (`gettype`, `var_dump`, casts, ...) ask
//! `resource_info`.
//!
//! A stream is a local file (read-ahead buffer for `fgets`), an in-memory buffer
//! (`php://memory`, `php://temp`, `php://input`), the process's standard streams,
//! `php://output` (through output buffering), or a directory listing (`opendir`).
//!
//! Reads from a pipe, socket or character device (`popen`, `proc_open` pipes, FIFOs) never
//! block for long: `fill` waits with `poll` in 50 ms slices and looks at the thread's
//! interrupt flag in between. When the time limit has passed it gives up with the stream's
//! `interrupted` set and the bytes read so far kept in the read-ahead buffer, so the
//! builtin (`file::read_checked`) can end the request with the limit's fatal error.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::rc::Rc;

use super::super::super::error::{Fault, PhpResult};
use super::super::super::host::Host;
use super::super::super::object::{Obj, RESOURCE_ID_BIT};
use super::super::super::process::Child;
use super::super::super::value::{PhpStr, Value};

thread_local! {
    /// The next resource number (PHP numbers STDIN/STDOUT/STDERR 1-3).
    static NEXT_ID: Cell<u64> = const { Cell::new(4) };
    /// Whether the default stream context (a resource too) exists yet: PHP makes it the
    /// first time a function that takes a context runs, taking the next number.
    static CONTEXT_MADE: Cell<bool> = const { Cell::new(false) };
}

/// Starts resource numbering afresh for a new request.
pub fn reset_request_state() {
    NEXT_ID.with(|n| n.set(4));
    CONTEXT_MADE.with(|c| c.set(false));
}

/// Numbers the default stream context the first time a context-taking function runs.
fn ensure_context() {
    if !CONTEXT_MADE.with(|c| c.replace(true)) {
        next_plain_id();
    }
}

/// Uses up a resource number without creating a resource: PHP's `file_get_contents`,
/// `file`, `copy`, `scandir`, ... open a stream resource internally, and the numbers a
/// script sees later (`var_dump($fp)`, `(int)$fp`) count them.
pub fn skip_id() {
    ensure_context();
    NEXT_ID.with(|n| n.set(n.get() + 1));
}

/// The lower-case name of the hidden class that carries resources.
pub const RESOURCE_CLASS: &[u8] = b"__resource";

/// Where a stream's bytes go or come from.
pub enum Backend {
    File(File),
    /// `php://memory`, `php://temp`, `php://input`.
    Memory(Vec<u8>),
    Stdin,
    Stdout,
    Stderr,
    /// `php://output`: program output through `ob_*`.
    Output,
    /// A directory handle from `opendir`: the entries and the read position.
    Dir(Vec<PhpStr>, usize),
}

/// An open stream.
pub struct Stream {
    pub backend: Backend,
    /// Position in a memory stream (files use the OS position).
    pub pos: usize,
    /// Bytes read ahead from a file or stdin but not yet consumed.
    pub rbuf: Vec<u8>,
    pub readable: bool,
    pub writable: bool,
    pub append: bool,
    /// Set when a read hit the end (`feof`).
    pub eof: bool,
    /// The name it was opened with (`stream_get_meta_data`'s `uri`).
    pub uri: PhpStr,
    /// The mode it was opened with.
    pub mode: PhpStr,
    /// `tmpfile()`'s file, deleted on close.
    pub delete_on_close: Option<std::path::PathBuf>,
    /// `popen()`'s process, waited for when the stream closes (`pclose`).
    pub child: Option<Box<dyn Child>>,
    /// The `proc_open` process at the other end of this pipe (killed when a read of it
    /// runs into the time limit).
    pub owner: Option<SharedChild>,
    /// Whether reads wait with `poll` (pipes, sockets, devices); found on the first read.
    pub waits: Option<bool>,
    /// Set when a read gave up because the request's time limit passed.
    pub interrupted: bool,
}

/// A process as `proc_open`'s resource and its pipes share it.
pub type SharedChild = Rc<RefCell<Box<dyn Child>>>;

/// Whether reads of `f` can block indefinitely (anything but a regular file or directory).
fn waits_for_data(f: &File) -> bool {
    use std::os::unix::fs::FileTypeExt;
    f.metadata().is_ok_and(|m| {
        let t = m.file_type();
        t.is_fifo() || t.is_socket() || t.is_char_device()
    })
}

/// Waits until `f` has data (or its writer closed it), waking every 50 ms to look at the
/// thread's interrupt flag; `false` when the time limit passed first.
fn wait_readable(f: &File) -> bool {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::os::fd::AsFd;
    use std::sync::atomic::Ordering;
    let flag = super::super::super::limits::thread_flag();
    loop {
        if flag.load(Ordering::Relaxed) & super::super::super::limits::TIMED_OUT != 0 {
            return false;
        }
        let mut fds = [PollFd::new(f.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::from(50u16)) {
            Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
            _ => return true,
        }
    }
}

/// A resource's native state: `None` once closed.
pub struct Resource {
    pub id: i64,
    pub stream: Option<Stream>,
}

impl Stream {
    pub fn new(backend: Backend, readable: bool, writable: bool) -> Stream {
        Stream {
            backend,
            pos: 0,
            rbuf: Vec::new(),
            readable,
            writable,
            append: false,
            eof: false,
            uri: PhpStr::new(),
            mode: PhpStr::from("r"),
            delete_on_close: None,
            child: None,
            owner: None,
            waits: None,
            interrupted: false,
        }
    }

    /// Kills the process at the other end of this stream (`popen`, `proc_open` pipes), so
    /// that closing the stream or its process does not wait for it.
    pub fn kill_child(&mut self) {
        if let Some(c) = self.child.as_mut() {
            c.cancel();
        }
        if let Some(owner) = &self.owner {
            if let Ok(mut c) = owner.try_borrow_mut() {
                c.cancel();
            }
        }
    }

    /// Reads more bytes into the read-ahead buffer; 0 at end of file. A wait cut short by
    /// the time limit sets `interrupted` and fails.
    fn fill(&mut self) -> std::io::Result<usize> {
        let mut chunk = [0u8; 8192];
        let n = match &mut self.backend {
            Backend::File(f) => {
                if *self.waits.get_or_insert_with(|| waits_for_data(f)) && !wait_readable(f) {
                    self.interrupted = true;
                    return Err(std::io::Error::from(std::io::ErrorKind::Interrupted));
                }
                f.read(&mut chunk)?
            }
            Backend::Stdin => std::io::stdin().read(&mut chunk)?,
            _ => 0,
        };
        self.rbuf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// Reads up to `n` bytes (fewer at end of file, which sets `eof`).
    pub fn read(&mut self, n: usize) -> Vec<u8> {
        match &mut self.backend {
            Backend::Memory(buf) => {
                let start = self.pos.min(buf.len());
                let end = (start + n).min(buf.len());
                let out = buf[start..end].to_vec();
                self.pos = end;
                if out.len() < n {
                    self.eof = true;
                }
                out
            }
            Backend::File(_) | Backend::Stdin => {
                while self.rbuf.len() < n {
                    match self.fill() {
                        // Nothing consumed: the read can be made again.
                        Err(_) if self.interrupted => return Vec::new(),
                        Ok(0) | Err(_) => {
                            self.eof = true;
                            break;
                        }
                        Ok(_) => {
                            // A plain file read returns what one read(2) gave, as PHP does.
                            if matches!(self.backend, Backend::Stdin) {
                                break;
                            }
                        }
                    }
                }
                let take = n.min(self.rbuf.len());
                self.rbuf.drain(..take).collect()
            }
            _ => {
                self.eof = true;
                Vec::new()
            }
        }
    }

    /// Reads a line including its `\n` (at most `max` bytes); `None` at end of file.
    pub fn read_line(&mut self, max: Option<usize>) -> Option<Vec<u8>> {
        let limit = max.unwrap_or(usize::MAX);
        if let Backend::Memory(buf) = &self.backend {
            let start = self.pos.min(buf.len());
            if start >= buf.len() {
                self.eof = true;
                return None;
            }
            let rest = &buf[start..];
            let mut len = rest
                .iter()
                .position(|&c| c == b'\n')
                .map_or(rest.len(), |i| i + 1);
            len = len.min(limit);
            let out = rest[..len].to_vec();
            self.pos = start + len;
            if self.pos >= buf.len() && out.last() != Some(&b'\n') {
                self.eof = true;
            }
            return Some(out);
        }
        loop {
            if let Some(i) = self.rbuf.iter().position(|&c| c == b'\n') {
                let len = (i + 1).min(limit);
                return Some(self.rbuf.drain(..len).collect());
            }
            if self.rbuf.len() >= limit {
                return Some(self.rbuf.drain(..limit).collect());
            }
            match self.fill() {
                Err(_) if self.interrupted => return None,
                Ok(0) | Err(_) => {
                    self.eof = true;
                    if self.rbuf.is_empty() {
                        return None;
                    }
                    return Some(std::mem::take(&mut self.rbuf));
                }
                Ok(_) => {}
            }
        }
    }

    /// Everything from the position to the end.
    pub fn read_all(&mut self) -> Vec<u8> {
        if matches!(self.backend, Backend::File(_) | Backend::Stdin) {
            // Into the read-ahead buffer first, so an interrupted read loses nothing.
            loop {
                match self.fill() {
                    Err(_) if self.interrupted => return Vec::new(),
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            self.eof = true;
            return std::mem::take(&mut self.rbuf);
        }
        let mut out = Vec::new();
        loop {
            let chunk = self.read(8192);
            if chunk.is_empty() {
                break;
            }
            out.extend_from_slice(&chunk);
        }
        self.eof = true;
        out
    }

    /// Drops read-ahead bytes, moving the file position back over them.
    fn discard_read_ahead(&mut self) {
        if !self.rbuf.is_empty() {
            if let Backend::File(f) = &mut self.backend {
                let _ = f.seek(SeekFrom::Current(-(self.rbuf.len() as i64)));
            }
            self.rbuf.clear();
        }
    }

    /// Writes bytes; returns how many were written. Output streams need the host.
    pub fn write(&mut self, host: &mut dyn Host, bytes: &[u8]) -> Option<usize> {
        if !self.writable {
            return None;
        }
        self.discard_read_ahead();
        match &mut self.backend {
            Backend::File(f) => {
                if self.append {
                    let _ = f.seek(SeekFrom::End(0));
                }
                f.write_all(bytes).ok()?;
            }
            Backend::Memory(buf) => {
                if self.append {
                    self.pos = buf.len();
                }
                let end = self.pos + bytes.len();
                if buf.len() < self.pos {
                    buf.resize(self.pos, 0);
                }
                let overlap = end.min(buf.len()) - self.pos;
                buf[self.pos..self.pos + overlap].copy_from_slice(&bytes[..overlap]);
                buf.extend_from_slice(&bytes[overlap..]);
                self.pos = end;
            }
            Backend::Output => host.echo(bytes),
            Backend::Stdout => match host.engine() {
                // STDOUT bypasses output buffering but shares the engine's sink, so its
                // bytes interleave correctly with echo output.
                Some(vm) => vm.out.write_sink(bytes),
                None => host.echo(bytes),
            },
            Backend::Stderr => {
                if let Some(vm) = host.engine() {
                    vm.out.flush();
                }
                let _ = std::io::stderr().write_all(bytes);
            }
            Backend::Stdin | Backend::Dir(..) => return None,
        }
        Some(bytes.len())
    }

    /// The position (`ftell`).
    pub fn tell(&mut self) -> Option<i64> {
        match &mut self.backend {
            Backend::File(f) => {
                let p = f.stream_position().ok()? as i64;
                Some(p - self.rbuf.len() as i64)
            }
            Backend::Memory(_) => Some(self.pos as i64),
            _ => Some(0),
        }
    }

    /// `fseek`: true on success.
    pub fn seek(&mut self, offset: i64, whence: i64) -> bool {
        let cur = self.tell().unwrap_or(0);
        self.rbuf.clear();
        let ok = match &mut self.backend {
            Backend::File(f) => {
                let target = match whence {
                    1 => SeekFrom::Start((cur + offset).max(-1) as u64),
                    2 => SeekFrom::End(offset),
                    _ if offset < 0 => return false,
                    _ => SeekFrom::Start(offset as u64),
                };
                if whence == 1 && cur + offset < 0 {
                    let _ = f.seek(SeekFrom::Start(cur as u64));
                    return false;
                }
                f.seek(target).is_ok()
            }
            Backend::Memory(buf) => {
                let target = match whence {
                    1 => cur + offset,
                    2 => buf.len() as i64 + offset,
                    _ => offset,
                };
                if target < 0 {
                    return false;
                }
                self.pos = target as usize;
                true
            }
            _ => false,
        };
        if ok {
            self.eof = false;
        }
        ok
    }

    /// `ftruncate`.
    pub fn truncate(&mut self, size: u64) -> bool {
        if !self.writable {
            return false;
        }
        self.discard_read_ahead();
        match &mut self.backend {
            Backend::File(f) => f.set_len(size).is_ok(),
            Backend::Memory(buf) => {
                buf.resize(size as usize, 0);
                true
            }
            _ => false,
        }
    }

    /// `fflush`.
    pub fn flush(&mut self, host: &mut dyn Host) -> bool {
        match &mut self.backend {
            Backend::File(f) => f.flush().is_ok(),
            Backend::Stdout | Backend::Stderr => {
                if let Some(vm) = host.engine() {
                    vm.out.flush();
                }
                true
            }
            _ => true,
        }
    }

    /// The size in bytes (`fstat`'s `size`) for memory streams.
    pub fn memory_len(&self) -> Option<usize> {
        match &self.backend {
            Backend::Memory(b) => Some(b.len()),
            _ => None,
        }
    }
}

/// Wraps a stream into a new resource value.
///
/// # Errors
///
/// Only if the engine is missing (unit tests): resources need the hidden class.
pub fn new_resource(host: &mut dyn Host, stream: Stream) -> PhpResult<Value> {
    ensure_context();
    new_resource_plain(host, stream)
}

/// Wraps a stream made without a stream context (`popen`, `proc_open`'s pipes) into a new
/// resource value.
///
/// # Errors
///
/// Only if the engine is missing (unit tests): resources need the hidden class.
pub fn new_resource_plain(host: &mut dyn Host, stream: Stream) -> PhpResult<Value> {
    let id = next_plain_id();
    Ok(Value::Object(make_resource(host, id, stream)?))
}

/// Takes the next resource number for a resource made without a stream context.
pub fn next_plain_id() -> u64 {
    NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    })
}

/// A resource object with a given number (STDIN/STDOUT/STDERR use 1-3).
pub fn make_resource(host: &mut dyn Host, id: u64, stream: Stream) -> PhpResult<Obj> {
    let class = host
        .engine()
        .and_then(|vm| vm.find_class(RESOURCE_CLASS))
        .ok_or_else(|| Fault::fatal("resources need the engine"))?;
    let obj = Obj::new(
        class,
        super::super::super::array::PhpArray::new(),
        RESOURCE_ID_BIT | id,
    );
    obj.borrow_mut().internal = Some(Box::new(Resource {
        id: id as i64,
        stream: Some(stream),
    }));
    Ok(obj)
}

/// If `v` is a resource: its number and type name (`stream`, or `Unknown` once closed).
/// The engine's type-sensitive code (`gettype`, `var_dump`, casts) calls this.
pub fn resource_info(v: &Value) -> Option<(i64, &'static str)> {
    let Value::Object(o) = v else {
        return match v {
            Value::Ref(r) => resource_info(&r.borrow()),
            _ => None,
        };
    };
    let data = o.borrow();
    let internal = data.internal.as_ref()?;
    if let Some(p) = internal.downcast_ref::<super::super::process::ProcResource>() {
        return Some((p.id, if p.is_open() { "process" } else { "Unknown" }));
    }
    let res = internal.downcast_ref::<Resource>()?;
    Some((
        res.id,
        if res.stream.is_some() {
            "stream"
        } else {
            "Unknown"
        },
    ))
}

/// Whether an object is a resource (any state).
pub fn is_resource_obj(o: &Obj) -> bool {
    o.borrow()
        .internal
        .as_ref()
        .is_some_and(|i| i.is::<Resource>() || i.is::<super::super::process::ProcResource>())
}

/// Runs `f` on the open stream of argument `v`, with PHP's errors for non-resources and
/// closed resources (`func` names the builtin in messages).
pub fn with_stream<R>(func: &str, v: &Value, f: impl FnOnce(&mut Stream) -> R) -> PhpResult<R> {
    let v = v.deref_clone();
    let Value::Object(o) = &v else {
        return Err(Fault::type_error(format!(
            "{func}(): Argument #1 ($stream) must be of type resource, {} given",
            type_for_error(&v)
        )));
    };
    let mut data = o.borrow_mut();
    let Some(res) = data
        .internal
        .as_mut()
        .and_then(|i| i.downcast_mut::<Resource>())
    else {
        return Err(Fault::type_error(format!(
            "{func}(): Argument #1 ($stream) must be of type resource, {} given",
            type_for_error(&v)
        )));
    };
    match &mut res.stream {
        Some(s) => Ok(f(s)),
        None => Err(Fault::type_error(format!(
            "{func}(): supplied resource is not a valid stream resource"
        ))),
    }
}

/// Takes the stream out of a resource (closing it); the resource stays, closed.
pub fn take_stream(func: &str, v: &Value) -> PhpResult<Stream> {
    let v = v.deref_clone();
    let err = || {
        Fault::type_error(format!(
            "{func}(): Argument #1 ($stream) must be of type resource, {} given",
            type_for_error(&v)
        ))
    };
    let Value::Object(o) = &v else {
        return Err(err());
    };
    let mut data = o.borrow_mut();
    let res = data
        .internal
        .as_mut()
        .and_then(|i| i.downcast_mut::<Resource>())
        .ok_or_else(err)?;
    res.stream.take().ok_or_else(|| {
        Fault::type_error(format!(
            "{func}(): supplied resource is not a valid stream resource"
        ))
    })
}

/// A value's type as argument type errors name it.
pub fn type_for_error(v: &Value) -> String {
    v.type_name()
}
