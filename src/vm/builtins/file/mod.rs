//! Files, directories and streams: `fopen` and the `f*` family over resources,
//! `file_get_contents`/`file_put_contents`, `file`, `readfile`, the `is_*`/`file*`
//! stat family, `mkdir`/`rmdir`/`unlink`/`rename`/`copy`/`touch`/`chmod`, `tempnam`,
//! `tmpfile`, `realpath`, `getcwd`/`chdir`, `scandir`, `glob`, `fnmatch`, directory
//! handles, CSV lines, and the `STDIN`/`STDOUT`/`STDERR` constants.
//!
//! Streams and the resource representation are in `stream.rs`. Paths are bytes; they
//! become OS paths through `OsStr::from_bytes` (Unix only, like the rest of rhvm).
//! Not here: stream contexts and wrappers beyond `php://` (http, ftp, zlib), locking
//! (`LOCK_EX` is accepted and ignored only by `file_put_contents`, where one write is
//! atomic enough for a single process), `umask`.

pub mod stream;

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::super::array::{ArrayKey, PhpArray};
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::host::Host;
use super::super::value::{PhpStr, Value};
use super::args::{bool_or, int_or, opt, str_at};
use super::{BuiltinDef, ConstVal};
use stream::{new_resource, take_stream, with_stream, Backend, Stream};

/// Resets per-request state (resource numbering).
pub fn reset_request_state() {
    stream::reset_request_state();
}

/// Defines `STDIN`, `STDOUT` and `STDERR` (resources 1-3) in a fresh engine.
pub fn define_std_streams(vm: &mut super::super::interp::Vm) {
    let streams = [
        ("STDIN", 1, Backend::Stdin, true, false, "php://stdin"),
        ("STDOUT", 2, Backend::Stdout, false, true, "php://stdout"),
        ("STDERR", 3, Backend::Stderr, false, true, "php://stderr"),
    ];
    for (name, id, backend, r, w, uri) in streams {
        let mut s = Stream::new(backend, r, w);
        s.uri = PhpStr::from(uri);
        if let Ok(obj) = stream::make_resource(vm, id, s) {
            vm.constants.insert(PhpStr::from(name), Value::Object(obj));
        }
    }
}

fn path_of(s: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(s))
}

/// The OS error message without Rust's ` (os error N)` suffix.
pub(crate) fn os_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

macro_rules! defs {
    ($($name:literal, $sig:literal, $func:ident;)*) => {
        /// The builtins of this family.
        pub const FUNCTIONS: &[BuiltinDef] = &[
            $(BuiltinDef { name: $name, sig: $sig, func: $func },)*
        ];
    };
}

defs! {
    "fopen", "string $filename, string $mode, bool $use_include_path = false, $context = null", fopen;
    "fclose", "$stream", fclose;
    "fread", "$stream, int $length", fread;
    "fwrite", "$stream, string $data, ?int $length = null", fwrite;
    "fputs", "$stream, string $data, ?int $length = null", fwrite;
    "fgets", "$stream, ?int $length = null", fgets;
    "fgetc", "$stream", fgetc;
    "feof", "$stream", feof;
    "fflush", "$stream", fflush;
    "ftell", "$stream", ftell;
    "fseek", "$stream, int $offset, int $whence = SEEK_SET", fseek;
    "rewind", "$stream", rewind;
    "ftruncate", "$stream, int $size", ftruncate;
    "fstat", "$stream", fstat;
    "fpassthru", "$stream", fpassthru;
    "stream_get_contents", "$stream, ?int $length = null, int $offset = -1", stream_get_contents;
    "stream_get_meta_data", "$stream", stream_get_meta_data;
    "fgetcsv", "$stream, ?int $length = null, string $separator = \",\", string $enclosure = \"\\\"\", string $escape = \"\\\\\"", fgetcsv;
    "fputcsv", "$stream, array $fields, string $separator = \",\", string $enclosure = \"\\\"\", string $escape = \"\\\\\", string $eol = \"\\n\"", fputcsv;
    "fprintf", "$stream, string $format, mixed ...$values", fprintf;
    "vfprintf", "$stream, string $format, array $values", vfprintf;
    "is_resource", "mixed $value", is_resource;
    "get_resource_type", "$resource", get_resource_type;
    "get_resource_id", "$resource", get_resource_id;
    "file_get_contents", "string $filename, bool $use_include_path = false, $context = null, int $offset = 0, ?int $length = null", file_get_contents;
    "file_put_contents", "string $filename, mixed $data, int $flags = 0, $context = null", file_put_contents;
    "file", "string $filename, int $flags = 0, $context = null", file;
    "readfile", "string $filename, bool $use_include_path = false, $context = null", readfile;
    "is_file", "string $filename", is_file;
    "is_dir", "string $filename", is_dir;
    "is_link", "string $filename", is_link;
    "file_exists", "string $filename", file_exists;
    "is_readable", "string $filename", is_readable;
    "is_writable", "string $filename", is_writable;
    "is_writeable", "string $filename", is_writable;
    "is_executable", "string $filename", is_executable;
    "filesize", "string $filename", filesize;
    "filemtime", "string $filename", filemtime;
    "fileatime", "string $filename", fileatime;
    "filectime", "string $filename", filectime;
    "fileperms", "string $filename", fileperms;
    "filetype", "string $filename", filetype;
    "stat", "string $filename", stat;
    "lstat", "string $filename", lstat;
    "clearstatcache", "bool $clear_realpath_cache = false, string $filename = \"\"", clearstatcache;
    "touch", "string $filename, ?int $mtime = null, ?int $atime = null", touch;
    "unlink", "string $filename, $context = null", unlink;
    "mkdir", "string $directory, int $permissions = 0777, bool $recursive = false, $context = null", mkdir;
    "rmdir", "string $directory, $context = null", rmdir;
    "rename", "string $from, string $to, $context = null", rename;
    "copy", "string $from, string $to, $context = null", copy;
    "chmod", "string $filename, int $permissions", chmod;
    "tempnam", "string $directory, string $prefix", tempnam;
    "tmpfile", "", tmpfile;
    "sys_get_temp_dir", "", sys_get_temp_dir;
    "realpath", "string $path", realpath;
    "getcwd", "", getcwd;
    "chdir", "string $directory", chdir;
    "scandir", "string $directory, int $sorting_order = SCANDIR_SORT_ASCENDING, $context = null", scandir;
    "glob", "string $pattern, int $flags = 0", glob;
    "fnmatch", "string $pattern, string $filename, int $flags = 0", fnmatch;
    "opendir", "string $directory, $context = null", opendir;
    "readdir", "$dir_handle = null", readdir;
    "rewinddir", "$dir_handle = null", rewinddir;
    "closedir", "$dir_handle = null", closedir;
    "putenv", "string $assignment", putenv;
}

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("SEEK_SET", ConstVal::Int(0)),
    ("SEEK_CUR", ConstVal::Int(1)),
    ("SEEK_END", ConstVal::Int(2)),
    ("LOCK_SH", ConstVal::Int(1)),
    ("LOCK_EX", ConstVal::Int(2)),
    ("LOCK_UN", ConstVal::Int(3)),
    ("LOCK_NB", ConstVal::Int(4)),
    ("FILE_USE_INCLUDE_PATH", ConstVal::Int(1)),
    ("FILE_IGNORE_NEW_LINES", ConstVal::Int(2)),
    ("FILE_SKIP_EMPTY_LINES", ConstVal::Int(4)),
    ("FILE_APPEND", ConstVal::Int(8)),
    ("FILE_NO_DEFAULT_CONTEXT", ConstVal::Int(16)),
    ("SCANDIR_SORT_ASCENDING", ConstVal::Int(0)),
    ("SCANDIR_SORT_DESCENDING", ConstVal::Int(1)),
    ("SCANDIR_SORT_NONE", ConstVal::Int(2)),
    ("GLOB_BRACE", ConstVal::Int(1024)),
    ("GLOB_MARK", ConstVal::Int(2)),
    ("GLOB_NOSORT", ConstVal::Int(4)),
    ("GLOB_NOCHECK", ConstVal::Int(16)),
    ("GLOB_NOESCAPE", ConstVal::Int(64)),
    ("GLOB_ERR", ConstVal::Int(1)),
    ("GLOB_ONLYDIR", ConstVal::Int(8192)),
    ("GLOB_AVAILABLE_FLAGS", ConstVal::Int(9303)),
    ("FNM_NOESCAPE", ConstVal::Int(2)),
    ("FNM_PATHNAME", ConstVal::Int(1)),
    ("FNM_PERIOD", ConstVal::Int(4)),
    ("FNM_CASEFOLD", ConstVal::Int(16)),
    ("DIRECTORY_SEPARATOR", ConstVal::Str("/")),
    ("PATH_SEPARATOR", ConstVal::Str(":")),
];

// ---------------------------------------------------------------------------------------
// Opening

/// Opens `name` with `mode` as PHP's plain-files and `php://` wrappers do.
fn open_stream(
    host: &mut dyn Host,
    func: &str,
    name: &[u8],
    mode: &[u8],
) -> PhpResult<Option<Stream>> {
    let base = mode.iter().find(|c| !matches!(c, b'b' | b't')).copied();
    let plus = mode.contains(&b'+');
    let readable = base == Some(b'r') || plus;
    let writable = base != Some(b'r') || plus;
    if name.len() >= 6 && name[..6].eq_ignore_ascii_case(b"php://") {
        let target = name[6..].to_ascii_lowercase();
        let backend = if target == b"memory" || target.starts_with(b"temp") {
            Backend::Memory(Vec::new())
        } else if target == b"input" {
            Backend::Memory(crate::vm::web::request_input())
        } else if target == b"stdin" {
            Backend::Stdin
        } else if target == b"stdout" {
            Backend::Stdout
        } else if target == b"stderr" {
            Backend::Stderr
        } else if target == b"output" {
            Backend::Output
        } else {
            host.raise(
                ErrorLevel::Warning,
                &format!("{func}(): Invalid php:// URL specified"),
            )?;
            host.raise(
                ErrorLevel::Warning,
                &format!(
                    "{func}({}): Failed to open stream: operation failed",
                    String::from_utf8_lossy(name)
                ),
            )?;
            return Ok(None);
        };
        let is_memory = matches!(backend, Backend::Memory(_));
        let (r, w) = match &backend {
            Backend::Memory(_) if target == b"input" => (true, false),
            Backend::Memory(_) => (true, true),
            Backend::Stdin => (true, false),
            _ => (false, true),
        };
        let mut s = Stream::new(backend, r, w);
        let _ = is_memory;
        s.uri = PhpStr::from(name);
        s.mode = PhpStr::from(mode);
        return Ok(Some(s));
    }
    if !matches!(base, Some(b'r' | b'w' | b'a' | b'x' | b'c')) {
        return Err(Fault::value_error(format!(
            "{func}(): Argument #2 ($mode) must be a valid mode"
        )));
    }
    let mut opts = OpenOptions::new();
    opts.read(readable);
    match base {
        Some(b'w') => {
            opts.write(true).create(true).truncate(true);
        }
        Some(b'a') => {
            opts.append(true).create(true);
        }
        Some(b'x') => {
            opts.write(true).create_new(true);
        }
        Some(b'c') => {
            opts.write(true).create(true);
        }
        _ => {
            opts.write(plus);
        }
    }
    if name.is_empty() {
        return Err(Fault::value_error(format!("Path cannot be empty")));
    }
    match opts.open(path_of(name)) {
        Ok(f) => {
            let mut s = Stream::new(Backend::File(f), readable, writable);
            s.append = base == Some(b'a');
            s.uri = PhpStr::from(name);
            s.mode = PhpStr::from(mode);
            Ok(Some(s))
        }
        Err(e) => {
            host.raise(
                ErrorLevel::Warning,
                &format!(
                    "{func}({}): Failed to open stream: {}",
                    String::from_utf8_lossy(name),
                    os_message(&e)
                ),
            )?;
            Ok(None)
        }
    }
}

fn fopen(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let mode = str_at(args, 1);
    if name.is_empty() {
        return Err(Fault::value_error("Path cannot be empty"));
    }
    match open_stream(host, "fopen", &name, &mode)? {
        Some(s) => new_resource(host, s),
        None => Ok(Value::Bool(false)),
    }
}

fn fclose(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let s = take_stream("fclose", &args[0])?;
    if let Some(p) = &s.delete_on_close {
        let _ = fs::remove_file(p);
    }
    Ok(Value::Bool(true))
}

// ---------------------------------------------------------------------------------------
// Reading and writing

/// Runs a read `f` on the stream argument `v`. Reads of pipes wait in slices and give up
/// when the time limit passes (`Stream::fill`): the process at the other end is then
/// killed and the request ends with the limit's fatal error. An interrupted read consumed
/// nothing, so a wake-up that turns out not to be a fault makes it again.
fn read_checked<R>(
    host: &mut dyn Host,
    func: &str,
    v: &Value,
    mut f: impl FnMut(&mut Stream) -> R,
) -> PhpResult<R> {
    loop {
        let (r, interrupted) = with_stream(func, v, |s| {
            let r = f(s);
            (r, std::mem::take(&mut s.interrupted))
        })?;
        if !interrupted {
            return Ok(r);
        }
        if let Err(fault) = host.check_limits() {
            with_stream(func, v, Stream::kill_child)?;
            return Err(fault);
        }
    }
}

fn fread(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let n = int_or(args, 1, 0);
    if n <= 0 {
        return Err(Fault::value_error(
            "fread(): Argument #2 ($length) must be greater than 0",
        ));
    }
    let r = read_checked(host, "fread", &args[0], |s| {
        if !s.readable {
            return None;
        }
        Some(s.read(n as usize))
    })?;
    Ok(match r {
        Some(bytes) => Value::str(bytes),
        None => Value::Bool(false),
    })
}

/// Writes to a stream argument, with PHP's notice for streams not open for writing.
fn write_to(host: &mut dyn Host, func: &str, target: &Value, bytes: &[u8]) -> PhpResult<Value> {
    // Output streams need the host while the stream is borrowed: take the stream out for
    // the write and put it back.
    let mut s = take_stream(func, target)?;
    let r = s.write(host, bytes);
    put_back(target, s);
    match r {
        Some(n) => Ok(Value::Int(n as i64)),
        None => {
            host.raise(
                ErrorLevel::Notice,
                &format!(
                    "{func}(): Write of {} bytes failed with errno=9 Bad file descriptor",
                    bytes.len()
                ),
            )?;
            Ok(Value::Bool(false))
        }
    }
}

/// Returns a taken stream to its resource.
fn put_back(target: &Value, s: Stream) {
    if let Value::Object(o) = target.deref_clone() {
        let mut data = o.borrow_mut();
        if let Some(res) = data
            .internal
            .as_mut()
            .and_then(|i| i.downcast_mut::<stream::Resource>())
        {
            res.stream = Some(s);
        }
    }
}

fn fwrite(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let data = str_at(args, 1);
    let bytes: &[u8] = match opt(args, 2) {
        Some(Value::Int(n)) => &data[..(*n).clamp(0, data.len() as i64) as usize],
        _ => &data,
    };
    write_to(host, "fwrite", &args[0], bytes)
}

fn fgets(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let max = match opt(args, 1) {
        Some(Value::Int(n)) if *n <= 0 => {
            return Err(Fault::value_error(
                "fgets(): Argument #2 ($length) must be greater than 0",
            ))
        }
        Some(Value::Int(n)) => Some((*n - 1) as usize),
        _ => None,
    };
    let r = read_checked(host, "fgets", &args[0], |s| {
        if !s.readable {
            return None;
        }
        s.read_line(max)
    })?;
    Ok(r.map_or(Value::Bool(false), Value::str))
}

fn fgetc(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let r = read_checked(host, "fgetc", &args[0], |s| s.read(1))?;
    Ok(if r.is_empty() {
        Value::Bool(false)
    } else {
        Value::str(r)
    })
}

fn feof(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(with_stream("feof", &args[0], |s| {
        // A memory stream at its end reports EOF only after a read hit it, like files.
        s.eof
    })?))
}

fn fflush(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let mut s = take_stream("fflush", &args[0])?;
    let ok = s.flush(host);
    put_back(&args[0], s);
    Ok(Value::Bool(ok))
}

fn ftell(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let r = with_stream("ftell", &args[0], |s| s.tell())?;
    Ok(r.map_or(Value::Bool(false), Value::Int))
}

fn fseek(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let (offset, whence) = (int_or(args, 1, 0), int_or(args, 2, 0));
    let ok = with_stream("fseek", &args[0], |s| s.seek(offset, whence))?;
    Ok(Value::Int(if ok { 0 } else { -1 }))
}

fn rewind(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(with_stream("rewind", &args[0], |s| {
        s.seek(0, 0)
    })?))
}

fn ftruncate(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let size = int_or(args, 1, 0);
    if size < 0 {
        return Err(Fault::value_error(
            "ftruncate(): Argument #2 ($size) must be greater than or equal to 0",
        ));
    }
    Ok(Value::Bool(with_stream("ftruncate", &args[0], |s| {
        s.truncate(size as u64)
    })?))
}

fn fstat(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let r = with_stream("fstat", &args[0], |s| match &s.backend {
        Backend::File(f) => f.metadata().ok().map(|m| stat_array(&m)),
        Backend::Memory(b) => {
            let mut a = PhpArray::new();
            let vals = [
                ("dev", 12),
                ("ino", 0),
                ("mode", 33206),
                ("nlink", 1),
                ("uid", 0),
                ("gid", 0),
                ("rdev", -1),
                ("size", b.len() as i64),
                ("atime", 0),
                ("mtime", 0),
                ("ctime", 0),
                ("blksize", -1),
                ("blocks", -1),
            ];
            for (i, (_, v)) in vals.iter().enumerate() {
                a.insert(ArrayKey::Int(i as i64), Value::Int(*v));
            }
            for (k, v) in vals {
                a.insert(ArrayKey::Str(PhpStr::from(k)), Value::Int(v));
            }
            Some(a)
        }
        _ => None,
    })?;
    Ok(r.map_or(Value::Bool(false), Value::array))
}

fn fpassthru(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let data = read_checked(host, "fpassthru", &args[0], Stream::read_all)?;
    host.echo(&data);
    Ok(Value::Int(data.len() as i64))
}

fn stream_get_contents(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let length = match opt(args, 1) {
        Some(Value::Int(n)) if *n >= 0 => Some(*n as usize),
        _ => None,
    };
    let offset = int_or(args, 2, -1);
    if offset >= 0 {
        with_stream("stream_get_contents", &args[0], |s| s.seek(offset, 0))?;
    }
    let data = read_checked(host, "stream_get_contents", &args[0], |s| match length {
        Some(n) => {
            let mut out = Vec::new();
            while out.len() < n {
                let chunk = s.read(n - out.len());
                if chunk.is_empty() {
                    break;
                }
                out.extend_from_slice(&chunk);
            }
            out
        }
        None => s.read_all(),
    })?;
    Ok(Value::str(data))
}

fn stream_get_meta_data(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let r = with_stream("stream_get_meta_data", &args[0], |s| {
        let (wrapper, stype) = match &s.backend {
            Backend::File(_) => ("plainfile", "STDIO"),
            Backend::Memory(_) if s.uri.eq_ignore_ascii_case(b"php://memory") => ("PHP", "MEMORY"),
            Backend::Memory(_) => ("PHP", "TEMP"),
            Backend::Dir(..) => ("plainfile", "dir"),
            _ => ("PHP", "STDIO"),
        };
        let mut a = PhpArray::new();
        let mut put = |k: &str, v: Value| a.insert(ArrayKey::Str(PhpStr::from(k)), v);
        put("timed_out", Value::Bool(false));
        put("blocked", Value::Bool(true));
        put("eof", Value::Bool(s.eof));
        put("wrapper_type", Value::str(wrapper));
        put("stream_type", Value::str(stype));
        put("mode", Value::Str(s.mode.clone()));
        put("unread_bytes", Value::Int(0));
        put(
            "seekable",
            Value::Bool(matches!(s.backend, Backend::File(_) | Backend::Memory(_))),
        );
        put("uri", Value::Str(s.uri.clone()));
        a
    })?;
    Ok(Value::array(r))
}

// ---------------------------------------------------------------------------------------
// CSV

/// Parses one CSV record from `line` (which may span several physical lines: `more`
/// supplies the next one when an enclosure is open).
fn parse_csv(
    mut line: Vec<u8>,
    sep: u8,
    enc: Option<u8>,
    esc: Option<u8>,
    more: &mut dyn FnMut() -> Option<Vec<u8>>,
) -> Vec<Value> {
    // Strip the line ending.
    let strip = |l: &mut Vec<u8>| {
        if l.last() == Some(&b'\n') {
            l.pop();
            if l.last() == Some(&b'\r') {
                l.pop();
            }
        } else if l.last() == Some(&b'\r') {
            l.pop();
        }
    };
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        // Leading spaces before an enclosure are skipped.
        let mut field = Vec::new();
        let mut j = i;
        while j < line.len()
            && (line[j] == b' ' || line[j] == b'\t')
            && Some(line[j]) != enc.filter(|_| false)
        {
            j += 1;
        }
        if enc.is_some() && j < line.len() && Some(line[j]) == enc {
            let e = line[j];
            j += 1;
            loop {
                if j >= line.len() {
                    match more() {
                        Some(next) => {
                            line.extend_from_slice(&next);
                            continue;
                        }
                        None => break,
                    }
                }
                let c = line[j];
                if Some(c) == esc && esc != Some(e) && j + 1 < line.len() {
                    field.push(c);
                    field.push(line[j + 1]);
                    j += 2;
                } else if c == e {
                    if j + 1 < line.len() && line[j + 1] == e {
                        field.push(e);
                        j += 2;
                    } else {
                        j += 1;
                        break;
                    }
                } else {
                    field.push(c);
                    j += 1;
                }
            }
            // Text after the closing enclosure up to the separator is kept.
            while j < line.len() && line[j] != sep {
                if line[j] != b'\n' && line[j] != b'\r' {
                    field.push(line[j]);
                }
                j += 1;
            }
        } else {
            j = i;
            while j < line.len() && line[j] != sep {
                field.push(line[j]);
                j += 1;
            }
            strip(&mut field);
        }
        fields.push(Value::str(field));
        if j < line.len() && line[j] == sep {
            i = j + 1;
        } else {
            break;
        }
    }
    fields
}

fn csv_char(
    host: &mut dyn Host,
    func: &str,
    n: usize,
    name: &str,
    s: &[u8],
    allow_empty: bool,
) -> PhpResult<Option<u8>> {
    match s.len() {
        0 if allow_empty => Ok(None),
        0 => Err(Fault::value_error(format!(
            "{func}(): Argument #{n} (${name}) must be a single character"
        ))),
        1 => Ok(Some(s[0])),
        _ => {
            let _ = host;
            Err(Fault::value_error(format!(
                "{func}(): Argument #{n} (${name}) must be a single character"
            )))
        }
    }
}

fn fgetcsv(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let sep = match opt(args, 2) {
        Some(v) => {
            csv_char(host, "fgetcsv", 3, "separator", &v.scalar_to_str(), false)?.unwrap_or(b',')
        }
        None => b',',
    };
    let enc = match opt(args, 3) {
        Some(v) => csv_char(host, "fgetcsv", 4, "enclosure", &v.scalar_to_str(), false)?,
        None => Some(b'"'),
    };
    let esc = match opt(args, 4) {
        Some(v) => csv_char(host, "fgetcsv", 5, "escape", &v.scalar_to_str(), true)?,
        None => Some(b'\\'),
    };
    let r = read_checked(host, "fgetcsv", &args[0], |s| {
        let line = s.read_line(None)?;
        if line == b"\n" || line == b"\r\n" {
            return Some(vec![Value::Null]);
        }
        let mut more = || s.read_line(None);
        Some(parse_csv(line, sep, enc, esc, &mut more))
    })?;
    Ok(match r {
        Some(fields) => Value::array(PhpArray::from_values(fields)),
        None => Value::Bool(false),
    })
}

fn fputcsv(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let sep = if opt(args, 2).is_some() {
        csv_char(host, "fputcsv", 3, "separator", &str_at(args, 2), false)?.unwrap_or(b',')
    } else {
        b','
    };
    let enc = if opt(args, 3).is_some() {
        csv_char(host, "fputcsv", 4, "enclosure", &str_at(args, 3), false)?.unwrap_or(b'"')
    } else {
        b'"'
    };
    let esc = if opt(args, 4).is_some() {
        csv_char(host, "fputcsv", 5, "escape", &str_at(args, 4), true)?
    } else {
        Some(b'\\')
    };
    let eol = if opt(args, 5).is_some() {
        str_at(args, 5).to_vec()
    } else {
        b"\n".to_vec()
    };
    let fields = super::args::array_at(args, 1);
    let mut out = Vec::new();
    for (n, (_, v)) in fields.iter().enumerate() {
        if n > 0 {
            out.push(sep);
        }
        let s = host.to_str(&v.deref_clone())?;
        let needs = s.iter().any(|&c| {
            c == sep
                || c == enc
                || c == b'\n'
                || c == b'\r'
                || c == b'\t'
                || c == b' '
                || Some(c) == esc
        });
        if needs {
            out.push(enc);
            let mut escaped = false;
            for &c in s.iter() {
                if escaped {
                    escaped = false;
                } else if Some(c) == esc {
                    escaped = true;
                } else if c == enc {
                    out.push(enc);
                }
                out.push(c);
            }
            out.push(enc);
        } else {
            out.extend_from_slice(&s);
        }
    }
    out.extend_from_slice(&eol);
    write_to(host, "fputcsv", &args[0], &out)
}

fn fprintf(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let mut out = Vec::new();
    super::format::format_into(host, &mut out, &str_at(args, 1), &args[2..], 2, "fprintf")?;
    let len = out.len();
    write_to(host, "fprintf", &args[0], &out)?;
    Ok(Value::Int(len as i64))
}

fn vfprintf(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let values: Vec<Value> = super::args::array_at(args, 2)
        .iter()
        .map(|(_, v)| v.deref_clone())
        .collect();
    let mut out = Vec::new();
    super::format::format_into(host, &mut out, &str_at(args, 1), &values, -1, "vfprintf")?;
    let len = out.len();
    write_to(host, "vfprintf", &args[0], &out)?;
    Ok(Value::Int(len as i64))
}

// ---------------------------------------------------------------------------------------
// Resources

fn is_resource(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(
        stream::resource_info(&args[0]).is_some_and(|(_, t)| t != "Unknown"),
    ))
}

fn resource_arg(func: &str, v: &Value) -> PhpResult<(i64, &'static str)> {
    stream::resource_info(v).ok_or_else(|| {
        Fault::type_error(format!(
            "{func}(): Argument #1 ($resource) must be of type resource, {} given",
            v.type_name()
        ))
    })
}

fn get_resource_type(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::str(resource_arg("get_resource_type", &args[0])?.1))
}

fn get_resource_id(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(resource_arg("get_resource_id", &args[0])?.0))
}

// ---------------------------------------------------------------------------------------
// Whole files

fn file_get_contents(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    if name.is_empty() {
        return Err(Fault::value_error("Path cannot be empty"));
    }
    let offset = int_or(args, 3, 0);
    let length = match opt(args, 4) {
        Some(Value::Int(n)) if *n < 0 => {
            return Err(Fault::value_error(
                "file_get_contents(): Argument #5 ($length) must be greater than or equal to 0",
            ))
        }
        Some(Value::Int(n)) => Some(*n as usize),
        _ => None,
    };
    stream::skip_id();
    let Some(mut s) = open_stream(host, "file_get_contents", &name, b"rb")? else {
        return Ok(Value::Bool(false));
    };
    if offset != 0 && !s.seek(offset, if offset < 0 { 2 } else { 0 }) {
        host.raise(
            ErrorLevel::Warning,
            &format!("file_get_contents(): Failed to seek to position {offset} in the stream"),
        )?;
        return Ok(Value::Bool(false));
    }
    if let Backend::File(f) = &s.backend {
        if f.metadata().is_ok_and(|m| m.is_dir()) {
            host.raise(
                ErrorLevel::Notice,
                "file_get_contents(): Read of 8192 bytes failed with errno=21 Is a directory",
            )?;
            return Ok(Value::str(""));
        }
    }
    let mut data = s.read_all();
    if let Some(n) = length {
        data.truncate(n);
    }
    Ok(Value::str(data))
}

fn file_put_contents(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let flags = int_or(args, 2, 0);
    let data: Vec<u8> = match args[1].deref_clone() {
        Value::Array(a) => {
            let mut out = Vec::new();
            for (_, v) in a.iter() {
                out.extend_from_slice(&host.to_str(&v.deref_clone())?);
            }
            out
        }
        v @ Value::Object(_) if stream::resource_info(&v).is_some() => {
            with_stream("file_put_contents", &v, |s| s.read_all())?
        }
        v => host.to_str(&v)?.to_vec(),
    };
    let mode: &[u8] = if flags & 8 != 0 { b"ab" } else { b"wb" };
    stream::skip_id();
    let Some(mut s) = open_stream(host, "file_put_contents", &name, mode)? else {
        return Ok(Value::Bool(false));
    };
    match s.write(host, &data) {
        Some(n) => Ok(Value::Int(n as i64)),
        None => Ok(Value::Bool(false)),
    }
}

fn file(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let flags = int_or(args, 1, 0);
    if name.is_empty() {
        return Err(Fault::value_error("Path cannot be empty"));
    }
    stream::skip_id();
    let Some(mut s) = open_stream(host, "file", &name, b"rb")? else {
        return Ok(Value::Bool(false));
    };
    let data = s.read_all();
    let mut lines = Vec::new();
    let mut start = 0;
    let push = |lines: &mut Vec<Value>, mut l: &[u8]| {
        if flags & 2 != 0 {
            l = l.strip_suffix(b"\n").unwrap_or(l);
        }
        if flags & 4 != 0 && flags & 2 != 0 && l.is_empty() {
            return;
        }
        lines.push(Value::str(l));
    };
    for (i, &c) in data.iter().enumerate() {
        if c == b'\n' {
            push(&mut lines, &data[start..=i]);
            start = i + 1;
        }
    }
    if start < data.len() {
        push(&mut lines, &data[start..]);
    }
    Ok(Value::array(PhpArray::from_values(lines)))
}

fn readfile(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    if name.is_empty() {
        return Err(Fault::value_error("Path cannot be empty"));
    }
    stream::skip_id();
    let Some(mut s) = open_stream(host, "readfile", &name, b"rb")? else {
        return Ok(Value::Bool(false));
    };
    let data = s.read_all();
    host.echo(&data);
    Ok(Value::Int(data.len() as i64))
}

// ---------------------------------------------------------------------------------------
// Stat family

fn is_file(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(
        fs::metadata(path_of(&str_at(args, 0))).is_ok_and(|m| m.is_file()),
    ))
}

fn is_dir(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(
        fs::metadata(path_of(&str_at(args, 0))).is_ok_and(|m| m.is_dir()),
    ))
}

fn is_link(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(
        fs::symlink_metadata(path_of(&str_at(args, 0))).is_ok_and(|m| m.file_type().is_symlink()),
    ))
}

fn file_exists(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(fs::metadata(path_of(&str_at(args, 0))).is_ok()))
}

/// Whether the current user may access the file in `mask` (4 read, 2 write, 1 execute).
/// Without a syscall binding the effective uid comes from `/proc/self/status`.
fn may_access(name: &[u8], mask: u32) -> bool {
    let Ok(m) = fs::metadata(path_of(name)) else {
        return false;
    };
    let (uid, gid) = effective_ids();
    let mode = m.mode();
    if uid == 0 {
        // Root reads and writes anything; executes when any execute bit is set.
        return mask != 1 || mode & 0o111 != 0 || m.is_dir();
    }
    let bits = if m.uid() == uid {
        mode >> 6
    } else if m.gid() == gid {
        mode >> 3
    } else {
        mode
    };
    bits & mask != 0
}

fn effective_ids() -> (u32, u32) {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(2))
            .and_then(|v| v.parse().ok())
            .unwrap_or(u32::MAX)
    };
    (field("Uid:"), field("Gid:"))
}

fn is_readable(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(may_access(&str_at(args, 0), 4)))
}

fn is_writable(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(may_access(&str_at(args, 0), 2)))
}

fn is_executable(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let is_file = fs::metadata(path_of(&name)).is_ok_and(|m| m.is_file());
    Ok(Value::Bool(is_file && may_access(&name, 1)))
}

/// A stat-based function: the metadata or PHP's "stat failed" warning and false.
fn stat_of(
    host: &mut dyn Host,
    func: &str,
    name: &[u8],
    link: bool,
) -> PhpResult<Option<fs::Metadata>> {
    let r = if link {
        fs::symlink_metadata(path_of(name))
    } else {
        fs::metadata(path_of(name))
    };
    match r {
        Ok(m) => Ok(Some(m)),
        Err(_) => {
            let what = if link { "Lstat" } else { "stat" };
            host.raise(
                ErrorLevel::Warning,
                &format!(
                    "{func}(): {what} failed for {}",
                    String::from_utf8_lossy(name)
                ),
            )?;
            Ok(None)
        }
    }
}

fn stat_field(
    host: &mut dyn Host,
    args: &[Value],
    func: &str,
    f: fn(&fs::Metadata) -> Value,
) -> PhpResult<Value> {
    Ok(match stat_of(host, func, &str_at(args, 0), false)? {
        Some(m) => f(&m),
        None => Value::Bool(false),
    })
}

fn filesize(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    stat_field(host, args, "filesize", |m| Value::Int(m.size() as i64))
}

fn filemtime(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    stat_field(host, args, "filemtime", |m| Value::Int(m.mtime()))
}

fn fileatime(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    stat_field(host, args, "fileatime", |m| Value::Int(m.atime()))
}

fn filectime(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    stat_field(host, args, "filectime", |m| Value::Int(m.ctime()))
}

fn fileperms(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    stat_field(host, args, "fileperms", |m| Value::Int(i64::from(m.mode())))
}

fn filetype(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(match stat_of(host, "filetype", &str_at(args, 0), true)? {
        Some(m) => {
            let t = m.file_type();
            Value::str(if t.is_symlink() {
                "link"
            } else if t.is_dir() {
                "dir"
            } else if t.is_file() {
                "file"
            } else {
                "unknown"
            })
        }
        None => Value::Bool(false),
    })
}

fn stat_array(m: &fs::Metadata) -> PhpArray {
    let vals = [
        ("dev", m.dev() as i64),
        ("ino", m.ino() as i64),
        ("mode", i64::from(m.mode())),
        ("nlink", m.nlink() as i64),
        ("uid", i64::from(m.uid())),
        ("gid", i64::from(m.gid())),
        ("rdev", m.rdev() as i64),
        ("size", m.size() as i64),
        ("atime", m.atime()),
        ("mtime", m.mtime()),
        ("ctime", m.ctime()),
        ("blksize", m.blksize() as i64),
        ("blocks", m.blocks() as i64),
    ];
    let mut a = PhpArray::new();
    for (i, (_, v)) in vals.iter().enumerate() {
        a.insert(ArrayKey::Int(i as i64), Value::Int(*v));
    }
    for (k, v) in vals {
        a.insert(ArrayKey::Str(PhpStr::from(k)), Value::Int(v));
    }
    a
}

fn stat(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(match stat_of(host, "stat", &str_at(args, 0), false)? {
        Some(m) => Value::array(stat_array(&m)),
        None => Value::Bool(false),
    })
}

fn lstat(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(match stat_of(host, "lstat", &str_at(args, 0), true)? {
        Some(m) => Value::array(stat_array(&m)),
        None => Value::Bool(false),
    })
}

fn clearstatcache(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    // rhvm keeps no stat cache: every stat call asks the OS.
    Ok(Value::Null)
}

// ---------------------------------------------------------------------------------------
// Changing the file system

/// Raises `func(args): message` from an OS error and returns false.
fn fs_warning(host: &mut dyn Host, what: &str, e: &std::io::Error) -> PhpResult<Value> {
    host.raise(ErrorLevel::Warning, &format!("{what}: {}", os_message(e)))?;
    Ok(Value::Bool(false))
}

fn touch(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let now = std::time::SystemTime::now();
    let at = |v: Option<&Value>| match v {
        Some(Value::Int(t)) => {
            std::time::UNIX_EPOCH + std::time::Duration::from_secs((*t).max(0) as u64)
        }
        _ => now,
    };
    let mtime = at(opt(args, 1));
    let atime = match opt(args, 2) {
        Some(Value::Int(_)) => at(opt(args, 2)),
        _ => mtime,
    };
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path_of(&name));
    match file {
        Ok(f) => {
            let times = fs::FileTimes::new().set_modified(mtime).set_accessed(atime);
            let _ = f.set_times(times);
            Ok(Value::Bool(true))
        }
        Err(e) => {
            host.raise(
                ErrorLevel::Warning,
                &format!(
                    "touch(): Unable to create file {} because {}",
                    String::from_utf8_lossy(&name),
                    os_message(&e)
                ),
            )?;
            Ok(Value::Bool(false))
        }
    }
}

fn unlink(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let p = path_of(&name);
    if fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) {
        return fs_warning(
            host,
            &format!("unlink({})", String::from_utf8_lossy(&name)),
            &std::io::Error::from_raw_os_error(21),
        );
    }
    match fs::remove_file(p) {
        Ok(()) => Ok(Value::Bool(true)),
        Err(e) => fs_warning(
            host,
            &format!("unlink({})", String::from_utf8_lossy(&name)),
            &e,
        ),
    }
}

fn mkdir(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let mode = int_or(args, 1, 0o777) as u32;
    let recursive = bool_or(args, 2, false);
    let mut b = fs::DirBuilder::new();
    std::os::unix::fs::DirBuilderExt::mode(&mut b, mode);
    b.recursive(recursive);
    if recursive && fs::metadata(path_of(&name)).is_ok() {
        return fs_warning(host, "mkdir()", &std::io::Error::from_raw_os_error(17));
    }
    match b.create(path_of(&name)) {
        Ok(()) => Ok(Value::Bool(true)),
        Err(e) => fs_warning(host, "mkdir()", &e),
    }
}

fn rmdir(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    match fs::remove_dir(path_of(&name)) {
        Ok(()) => Ok(Value::Bool(true)),
        Err(e) => fs_warning(
            host,
            &format!("rmdir({})", String::from_utf8_lossy(&name)),
            &e,
        ),
    }
}

fn rename(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let (from, to) = (str_at(args, 0), str_at(args, 1));
    match fs::rename(path_of(&from), path_of(&to)) {
        Ok(()) => Ok(Value::Bool(true)),
        Err(e) => fs_warning(
            host,
            &format!(
                "rename({},{})",
                String::from_utf8_lossy(&from),
                String::from_utf8_lossy(&to)
            ),
            &e,
        ),
    }
}

fn copy(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let (from, to) = (str_at(args, 0), str_at(args, 1));
    if let Err(e) = File::open(path_of(&from)) {
        host.raise(
            ErrorLevel::Warning,
            &format!(
                "copy({}): Failed to open stream: {}",
                String::from_utf8_lossy(&from),
                os_message(&e)
            ),
        )?;
        return Ok(Value::Bool(false));
    }
    stream::skip_id();
    stream::skip_id();
    match fs::copy(path_of(&from), path_of(&to)) {
        Ok(_) => Ok(Value::Bool(true)),
        Err(e) => {
            host.raise(
                ErrorLevel::Warning,
                &format!(
                    "copy({}): Failed to open stream: {}",
                    String::from_utf8_lossy(&to),
                    os_message(&e)
                ),
            )?;
            Ok(Value::Bool(false))
        }
    }
}

fn chmod(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let mode = int_or(args, 1, 0) as u32 & 0o7777;
    match fs::set_permissions(path_of(&name), fs::Permissions::from_mode(mode)) {
        Ok(()) => Ok(Value::Bool(true)),
        Err(e) => fs_warning(host, "chmod()", &e),
    }
}

/// A name unlikely to exist: time, process id and a counter.
fn unique_suffix() -> String {
    thread_local! {
        static COUNTER: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }
    let n = COUNTER.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut x = u64::from(nanos) ^ (u64::from(std::process::id()) << 20) ^ (n << 40);
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut out = String::new();
    for _ in 0..6 {
        out.push(CHARS[(x % 62) as usize] as char);
        x = x / 62 + n * 7919;
    }
    out
}

fn tempnam(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let dir = str_at(args, 0);
    let prefix: Vec<u8> = str_at(args, 1).iter().take(63).copied().collect();
    let mut base = PathBuf::from(OsStr::from_bytes(&dir));
    if dir.is_empty() || !base.is_dir() {
        host.raise(
            ErrorLevel::Notice,
            "tempnam(): file created in the system's temporary directory",
        )?;
        base = std::env::temp_dir();
    }
    let base = fs::canonicalize(&base).unwrap_or(base);
    for _ in 0..100 {
        let mut name = prefix.clone();
        name.extend_from_slice(unique_suffix().as_bytes());
        let p = base.join(OsStr::from_bytes(&name));
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        if opts.open(&p).is_ok() {
            return Ok(Value::str(p.as_os_str().as_bytes()));
        }
    }
    Ok(Value::Bool(false))
}

fn tmpfile(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let dir = std::env::temp_dir();
    for _ in 0..100 {
        let p = dir.join(format!("php{}", unique_suffix()));
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&p);
        if let Ok(f) = f {
            let mut s = Stream::new(Backend::File(f), true, true);
            s.uri = PhpStr::from(p.as_os_str().as_bytes());
            s.mode = PhpStr::from("r+b");
            s.delete_on_close = Some(p);
            return new_resource(host, s);
        }
    }
    Ok(Value::Bool(false))
}

fn sys_get_temp_dir(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let dir = std::env::temp_dir();
    let bytes = dir.as_os_str().as_bytes();
    let trimmed = if bytes.len() > 1 {
        bytes.strip_suffix(b"/").unwrap_or(bytes)
    } else {
        bytes
    };
    Ok(Value::str(trimmed))
}

fn realpath(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let name: &[u8] = if name.is_empty() { b"." } else { &name };
    Ok(match fs::canonicalize(path_of(name)) {
        Ok(p) => Value::str(p.as_os_str().as_bytes()),
        Err(_) => Value::Bool(false),
    })
}

fn getcwd(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    Ok(match std::env::current_dir() {
        Ok(p) => Value::str(p.as_os_str().as_bytes()),
        Err(_) => Value::Bool(false),
    })
}

fn chdir(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    match std::env::set_current_dir(path_of(&name)) {
        Ok(()) => Ok(Value::Bool(true)),
        Err(e) => {
            host.raise(
                ErrorLevel::Warning,
                &format!(
                    "chdir(): {} (errno {})",
                    os_message(&e),
                    e.raw_os_error().unwrap_or(0)
                ),
            )?;
            Ok(Value::Bool(false))
        }
    }
}

/// Directory entries including `.` and `..`.
fn dir_entries(name: &[u8]) -> std::io::Result<Vec<PhpStr>> {
    let mut out = vec![PhpStr::from("."), PhpStr::from("..")];
    for e in fs::read_dir(path_of(name))? {
        out.push(PhpStr::from(e?.file_name().as_bytes()));
    }
    Ok(out)
}

fn scandir(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    if name.is_empty() {
        return Err(Fault::value_error(
            "scandir(): Argument #1 ($directory) cannot be empty",
        ));
    }
    stream::skip_id();
    match dir_entries(&name) {
        Ok(mut entries) => {
            match int_or(args, 1, 0) {
                0 => entries.sort(),
                1 => {
                    entries.sort();
                    entries.reverse();
                }
                _ => {}
            }
            Ok(Value::array(PhpArray::from_values(
                entries.into_iter().map(Value::Str).collect(),
            )))
        }
        Err(e) => {
            let n = String::from_utf8_lossy(&name).into_owned();
            host.raise(
                ErrorLevel::Warning,
                &format!("scandir({n}): Failed to open directory: {}", os_message(&e)),
            )?;
            host.raise(
                ErrorLevel::Warning,
                "scandir(): (errno 2): No such file or directory",
            )?;
            Ok(Value::Bool(false))
        }
    }
}

fn opendir(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    match dir_entries(&name) {
        Ok(entries) => {
            let mut s = Stream::new(Backend::Dir(entries, 0), true, false);
            s.uri = name.clone();
            new_resource(host, s)
        }
        Err(e) => {
            host.raise(
                ErrorLevel::Warning,
                &format!(
                    "opendir({}): Failed to open directory: {}",
                    String::from_utf8_lossy(&name),
                    os_message(&e)
                ),
            )?;
            Ok(Value::Bool(false))
        }
    }
}

fn dir_arg(func: &str, args: &[Value]) -> PhpResult<Value> {
    match opt(args, 0) {
        Some(v) if !v.is_null() => Ok(v.clone()),
        _ => Err(Fault::type_error(format!(
            "{func}(): Argument #1 ($dir_handle) must be of type resource or null, null given"
        ))),
    }
}

fn readdir(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let h = dir_arg("readdir", args)?;
    let r = with_stream("readdir", &h, |s| match &mut s.backend {
        Backend::Dir(entries, pos) => {
            let e = entries.get(*pos).cloned();
            *pos += 1;
            e
        }
        _ => None,
    })?;
    Ok(r.map_or(Value::Bool(false), Value::Str))
}

fn rewinddir(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let h = dir_arg("rewinddir", args)?;
    with_stream("rewinddir", &h, |s| {
        if let Backend::Dir(_, pos) = &mut s.backend {
            *pos = 0;
        }
    })?;
    Ok(Value::Null)
}

fn closedir(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let h = dir_arg("closedir", args)?;
    take_stream("closedir", &h)?;
    Ok(Value::Null)
}

fn putenv(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = str_at(args, 0);
    let s = a.to_string_lossy();
    if s.is_empty() || s.starts_with('=') {
        return Err(Fault::value_error(
            "putenv(): Argument #1 ($assignment) must have a valid syntax",
        ));
    }
    match s.split_once('=') {
        Some((k, v)) => std::env::set_var(k, v),
        None => std::env::remove_var(&s),
    }
    Ok(Value::Bool(true))
}

// ---------------------------------------------------------------------------------------
// Patterns

/// `fnmatch(3)` over bytes.
pub fn fnmatch_bytes(pat: &[u8], name: &[u8], flags: i64) -> bool {
    let noescape = flags & 2 != 0;
    let pathname = flags & 1 != 0;
    let period = flags & 4 != 0;
    let casefold = flags & 16 != 0;
    let eq = |a: u8, b: u8| {
        if casefold {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    fn go(
        p: &[u8],
        n: &[u8],
        at_start: bool,
        o: (bool, bool, bool),
        eq: &dyn Fn(u8, u8) -> bool,
    ) -> bool {
        let (noescape, pathname, period) = o;
        let leading_period =
            |n: &[u8], at_start: bool| period && at_start && n.first() == Some(&b'.');
        match p.first() {
            None => n.is_empty(),
            Some(b'*') => {
                if leading_period(n, at_start) {
                    return false;
                }
                let rest = &p[1..];
                for i in 0..=n.len() {
                    if go(rest, &n[i..], at_start && i == 0, o, eq) {
                        return true;
                    }
                    if i < n.len() && pathname && n[i] == b'/' {
                        return false;
                    }
                }
                false
            }
            Some(b'?') => {
                if n.is_empty() || (pathname && n[0] == b'/') || leading_period(n, at_start) {
                    return false;
                }
                go(&p[1..], &n[1..], false, o, eq)
            }
            Some(b'[') => {
                let Some(&c) = n.first() else {
                    return false;
                };
                if (pathname && c == b'/') || leading_period(n, at_start) {
                    return false;
                }
                let mut i = 1;
                let negate = matches!(p.get(1), Some(b'!' | b'^'));
                if negate {
                    i += 1;
                }
                let mut matched = false;
                let mut first = true;
                while i < p.len() && (p[i] != b']' || first) {
                    first = false;
                    let lo = p[i];
                    if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|&x| x != b']') {
                        let hi = p[i + 2];
                        if lo <= c && c <= hi {
                            matched = true;
                        }
                        i += 3;
                    } else {
                        if eq(lo, c) {
                            matched = true;
                        }
                        i += 1;
                    }
                }
                if i >= p.len() {
                    // No closing bracket: `[` is literal.
                    return c == b'[' && go(&p[1..], &n[1..], false, o, eq);
                }
                matched != negate && go(&p[i + 1..], &n[1..], false, o, eq)
            }
            Some(b'\\') if !noescape && p.len() > 1 => {
                n.first().is_some_and(|&c| eq(c, p[1])) && go(&p[2..], &n[1..], false, o, eq)
            }
            Some(&pc) => {
                n.first().is_some_and(|&c| eq(c, pc))
                    && go(&p[1..], &n[1..], pathname && pc == b'/', o, eq)
            }
        }
    }
    go(pat, name, true, (noescape, pathname, period), &eq)
}

fn fnmatch(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(fnmatch_bytes(
        &str_at(args, 0),
        &str_at(args, 1),
        int_or(args, 2, 0),
    )))
}

/// Expands `{a,b}` alternatives (GLOB_BRACE).
fn expand_braces(p: &[u8]) -> Vec<Vec<u8>> {
    let Some(open) = p.iter().position(|&c| c == b'{') else {
        return vec![p.to_vec()];
    };
    let mut depth = 0;
    let mut close = None;
    let mut commas = Vec::new();
    for (i, &c) in p.iter().enumerate().skip(open) {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            b',' if depth == 1 => commas.push(i),
            _ => {}
        }
    }
    let Some(close) = close else {
        return vec![p.to_vec()];
    };
    let mut out = Vec::new();
    let mut start = open + 1;
    for end in commas.into_iter().chain([close]) {
        let mut v = p[..open].to_vec();
        v.extend_from_slice(&p[start..end]);
        v.extend_from_slice(&p[close + 1..]);
        out.extend(expand_braces(&v));
        start = end + 1;
    }
    out
}

/// Matches one glob pattern (no braces) against the file system.
fn glob_one(pattern: &[u8], flags: i64, out: &mut Vec<Vec<u8>>) {
    let absolute = pattern.first() == Some(&b'/');
    let parts: Vec<&[u8]> = pattern
        .split(|&c| c == b'/')
        .filter(|s| !s.is_empty())
        .collect();
    let mut current: Vec<Vec<u8>> = vec![if absolute { b"/".to_vec() } else { Vec::new() }];
    let fnflags = 1 | 4 | if flags & 64 != 0 { 2 } else { 0 };
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let mut next = Vec::new();
        let has_magic = part.iter().any(|c| matches!(c, b'*' | b'?' | b'['));
        for base in &current {
            let join = |name: &[u8]| {
                let mut p = base.clone();
                if !p.is_empty() && p.last() != Some(&b'/') {
                    p.push(b'/');
                }
                p.extend_from_slice(name);
                p
            };
            if !has_magic {
                let unescaped: Vec<u8> = if flags & 64 == 0 {
                    part.iter().copied().filter(|&c| c != b'\\').collect()
                } else {
                    part.to_vec()
                };
                let p = join(&unescaped);
                if fs::symlink_metadata(path_of(&p)).is_ok() {
                    next.push(p);
                }
                continue;
            }
            let dir: &[u8] = if base.is_empty() { b"." } else { base };
            let Ok(rd) = fs::read_dir(path_of(dir)) else {
                continue;
            };
            let mut names: Vec<Vec<u8>> = rd
                .filter_map(Result::ok)
                .map(|e| e.file_name().as_bytes().to_vec())
                .filter(|n| fnmatch_bytes(part, n, fnflags))
                .collect();
            names.sort();
            for n in names {
                let p = join(&n);
                if !last && !fs::metadata(path_of(&p)).is_ok_and(|m| m.is_dir()) {
                    continue;
                }
                next.push(p);
            }
        }
        current = next;
    }
    for p in current {
        if p.is_empty() {
            continue;
        }
        let is_dir = fs::metadata(path_of(&p)).is_ok_and(|m| m.is_dir());
        if flags & 8192 != 0 && !is_dir {
            continue;
        }
        let mut p = p;
        if flags & 2 != 0 && is_dir {
            p.push(b'/');
        }
        out.push(p);
    }
}

fn glob(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let pattern = str_at(args, 0);
    let flags = int_or(args, 1, 0);
    let patterns = if flags & 1024 != 0 {
        expand_braces(&pattern)
    } else {
        vec![pattern.to_vec()]
    };
    let mut out = Vec::new();
    for p in &patterns {
        glob_one(p, flags, &mut out);
    }
    if out.is_empty() && flags & 16 != 0 {
        out.push(pattern.to_vec());
    }
    Ok(Value::array(PhpArray::from_values(
        out.into_iter().map(Value::str).collect(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_cases() {
        assert!(fnmatch_bytes(b"*.txt", b"a.txt", 0));
        assert!(!fnmatch_bytes(b"*.txt", b"a.txb", 0));
        assert!(fnmatch_bytes(b"[a-c]?", b"bz", 0));
        assert!(!fnmatch_bytes(b"[!a-c]?", b"bz", 0));
        assert!(!fnmatch_bytes(b"*", b"a/b", 1));
        assert!(fnmatch_bytes(b"*", b"a/b", 0));
        assert!(!fnmatch_bytes(b"*", b".hidden", 4));
        assert!(fnmatch_bytes(b"A*", b"abc", 16));
    }

    #[test]
    fn braces_expand() {
        assert_eq!(
            expand_braces(b"a{b,c}d"),
            vec![b"abd".to_vec(), b"acd".to_vec()]
        );
    }
}
