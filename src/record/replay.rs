//! `rhvm replay DIR...`: sends recorded requests through the engine in-process (no network)
//! or to a running server (`--fcgi ADDR`), compares each response with its recording, and
//! prints a unified diff per difference and a summary; the exit status is 1 when anything
//! differs or fails. `--update` writes the new responses into the recordings.
//!
//! `--rebase FROM=TO` replays recordings made under another directory: params that start
//! with FROM start with TO instead, and TO in the replayed response reads as FROM again
//! before the comparison, so a recording stays valid wherever the code is checked out.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::{compare, hex, Bytes, Recording, Response};
use crate::fcgi::{encode_request, parse_cgi_response, ClientConn, Response as FcgiResponse};
use crate::vm::web::{ResponseWriter, WebEngine, WebRequest, WebSettings};

const USAGE: &str = "usage: rhvm replay [--fcgi HOST:PORT] [--count N] [--concurrency N] \
[--update] [--ignore-header NAME]... [--rebase FROM=TO]... [-c server.ini]... [-d key=value]... \
DIR|FILE...";

/// Bodies up to this size are kept in full when `--update` rewrites a recording.
const UPDATE_BODY_LIMIT: u64 = 1 << 20;

/// One recording file.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    /// The file name, for messages.
    pub name: String,
    pub recording: Recording,
}

/// Reads the recordings in `paths`: files as given, directories' `*.json` files in name
/// order (recordings are named in arrival order).
///
/// # Errors
///
/// A path that cannot be read or a file that is not a recording.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Entry>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    files
        .into_iter()
        .map(|path| {
            let recording = Recording::read(&path)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(Entry {
                path,
                name,
                recording,
            })
        })
        .collect()
}

/// Where replayed requests go.
pub trait Target {
    /// Sends one request and returns the response.
    ///
    /// # Errors
    ///
    /// The request could not be sent or its answer was unreadable.
    fn send(&mut self, params: &[(Vec<u8>, Vec<u8>)], body: &[u8]) -> Result<Response, String>;
}

/// The engine in this process.
pub struct InProcess(pub WebEngine);

/// Collects a response in memory.
#[derive(Default)]
struct Collect {
    response: Response,
    finished: bool,
}

impl ResponseWriter for Collect {
    fn head(&mut self, status: u16, _: &[u8], headers: &[Vec<u8>]) -> std::io::Result<()> {
        self.response.status = status;
        self.response.headers = headers.to_vec();
        Ok(())
    }

    fn body(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if !self.finished {
            self.response.body.extend_from_slice(bytes);
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.finished = true;
        Ok(())
    }

    fn aborted(&self) -> bool {
        false
    }

    fn error_log(&mut self, _: &[u8]) {}
}

impl Target for InProcess {
    fn send(&mut self, params: &[(Vec<u8>, Vec<u8>)], body: &[u8]) -> Result<Response, String> {
        let out = std::rc::Rc::new(std::cell::RefCell::new(Collect::default()));
        let outcome = self.0.run(
            WebRequest {
                params: params.to_vec(),
                body: Box::new(std::io::Cursor::new(body.to_vec())),
            },
            out.clone(),
        );
        let mut response = std::mem::take(&mut out.borrow_mut().response);
        response.fatal = outcome.fatal;
        Ok(response)
    }
}

/// A FastCGI server, over one keep-alive connection (reopened after a failure).
pub struct Fcgi {
    addr: String,
    stream: Option<TcpStream>,
}

impl Fcgi {
    pub fn new(addr: &str) -> Fcgi {
        Fcgi {
            addr: addr.to_string(),
            stream: None,
        }
    }

    fn exchange(&mut self, request: &[u8]) -> Result<FcgiResponse, String> {
        if self.stream.is_none() {
            let stream =
                TcpStream::connect(&self.addr).map_err(|e| format!("{}: {e}", self.addr))?;
            let _ = stream.set_nodelay(true);
            self.stream = Some(stream);
        }
        let Some(stream) = self.stream.as_mut() else {
            return Err("no connection".into());
        };
        stream
            .write_all(request)
            .map_err(|e| format!("{}: {e}", self.addr))?;
        let mut conn = ClientConn::new();
        let mut response = FcgiResponse::default();
        let mut events = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = stream
                .read(&mut buf)
                .map_err(|e| format!("{}: {e}", self.addr))?;
            if n == 0 {
                return Err(format!("{}: connection closed mid-response", self.addr));
            }
            conn.feed(&buf[..n], &mut events)
                .map_err(|e| format!("{}: {e}", self.addr))?;
            let mut done = false;
            for event in events.drain(..) {
                done |= response.add(1, event);
            }
            if done {
                return Ok(response);
            }
        }
    }
}

impl Target for Fcgi {
    fn send(&mut self, params: &[(Vec<u8>, Vec<u8>)], body: &[u8]) -> Result<Response, String> {
        let pairs: Vec<(&[u8], &[u8])> = params
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_slice()))
            .collect();
        let mut request = Vec::new();
        encode_request(1, true, &pairs, body, &mut request);
        let response = match self.exchange(&request) {
            Ok(r) => r,
            Err(e) => {
                self.stream = None;
                return Err(e);
            }
        };
        let cgi = parse_cgi_response(&response.stdout)
            .ok_or_else(|| "the server's answer is not a CGI response".to_string())?;
        Ok(Response {
            status: cgi.status,
            headers: cgi
                .headers
                .iter()
                .filter(|(name, _)| !name.eq_ignore_ascii_case(b"status"))
                .map(|(name, value)| [*name, b": ", *value].concat())
                .collect(),
            body: cgi.body.to_vec(),
            fatal: false,
        })
    }
}

/// How a replay runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Requests to send in all (recordings are cycled); `None`: each recording once.
    pub count: Option<usize>,
    pub concurrency: usize,
    /// Header names left out of comparisons, besides [`super::VOLATILE_HEADERS`].
    pub ignore_headers: Vec<String>,
    /// `(FROM, TO)` path prefixes.
    pub rebase: Vec<(String, String)>,
}

/// What one replayed request came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Index into the entries.
    pub entry: usize,
    pub result: Result<(Response, Option<String>), String>,
}

/// Replaces every `from` in `bytes` with `to`.
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    if from.is_empty() {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(pos) = memchr::memmem::find(&bytes[at..], from) {
        out.extend_from_slice(&bytes[at..at + pos]);
        out.extend_from_slice(to);
        at += pos + from.len();
    }
    out.extend_from_slice(&bytes[at..]);
    out
}

/// The recording's params with path prefixes rebased.
pub fn rebased_params(
    recording: &Recording,
    rebase: &[(String, String)],
) -> Vec<(Vec<u8>, Vec<u8>)> {
    recording
        .params
        .iter()
        .map(|(k, v)| {
            let mut value = v.0.clone();
            for (from, to) in rebase {
                if let Some(rest) = value.strip_prefix(from.as_bytes()) {
                    value = [to.as_bytes(), rest].concat();
                }
            }
            (k.0.clone(), value)
        })
        .collect()
}

/// A replayed response as it would read under the recording's paths.
fn unrebased(mut response: Response, rebase: &[(String, String)]) -> Response {
    for (from, to) in rebase {
        response.body = replace(&response.body, to.as_bytes(), from.as_bytes());
        for header in &mut response.headers {
            *header = replace(header, to.as_bytes(), from.as_bytes());
        }
    }
    response
}

/// Replays `entries` (cycled up to `options.count` requests) over `concurrency` threads,
/// each with its own target from `make_target`; outcomes come back in request order.
pub fn run(
    entries: &[Entry],
    options: &Options,
    make_target: &(dyn Fn() -> Result<Box<dyn Target>, String> + Sync),
    stack_size: usize,
) -> Vec<Outcome> {
    if entries.is_empty() {
        return Vec::new();
    }
    let total = options.count.unwrap_or(entries.len());
    let next = AtomicUsize::new(0);
    let outcomes = Mutex::new(Vec::with_capacity(total));
    std::thread::scope(|scope| {
        for _ in 0..options.concurrency.max(1).min(total.max(1)) {
            let worker = || {
                let mut target = make_target();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let index = i % entries.len();
                    let entry = &entries[index];
                    let result = match (&mut target, entry.recording.body()) {
                        (Err(e), _) => Err(e.clone()),
                        (_, Err(e)) => Err(format!("{}: bad request body: {e}", entry.name)),
                        (Ok(target), Ok(body)) => {
                            let params = rebased_params(&entry.recording, &options.rebase);
                            target.send(&params, &body).map(|response| {
                                let response = unrebased(response, &options.rebase);
                                let diff = compare(
                                    &entry.name,
                                    &entry.recording.response,
                                    &response,
                                    &options.ignore_headers,
                                );
                                (response, diff)
                            })
                        }
                    };
                    if let Ok(mut all) = outcomes.lock() {
                        all.push((
                            i,
                            Outcome {
                                entry: index,
                                result,
                            },
                        ));
                    }
                }
            };
            let spawned = std::thread::Builder::new()
                .name("replay".into())
                .stack_size(stack_size)
                .spawn_scoped(scope, worker);
            if let Err(e) = spawned {
                eprintln!("rhvm replay: cannot start a thread: {e}");
            }
        }
    });
    let mut all = outcomes.into_inner().unwrap_or_default();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, o)| o).collect()
}

/// Writes `response` into the recording at `entry.path`.
///
/// # Errors
///
/// The file cannot be written.
pub fn update(entry: &Entry, response: &Response) -> Result<(), String> {
    let mut recording = entry.recording.clone();
    let r = &mut recording.response;
    r.status = response.status;
    r.headers = response.headers.iter().cloned().map(Bytes).collect();
    r.body_sha256 = hex(&Sha256::digest(&response.body));
    r.body_bytes = response.body.len() as u64;
    r.body = (r.body.is_some() || r.body_bytes <= UPDATE_BODY_LIMIT)
        .then(|| Bytes(response.body.clone()));
    r.fatal = response.fatal;
    std::fs::write(&entry.path, recording.to_json())
        .map_err(|e| format!("{}: {e}", entry.path.display()))
}

/// Parsed `rhvm replay` arguments.
#[derive(Debug, Default)]
struct Args {
    paths: Vec<PathBuf>,
    fcgi: Option<String>,
    update: bool,
    options: Options,
    config_files: Vec<String>,
    defines: Vec<String>,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut out = Args {
        options: Options {
            concurrency: 1,
            ..Options::default()
        },
        ..Args::default()
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let number = |v: String| {
            v.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{flag}: {v:?} is not a positive number"))
        };
        match flag {
            "--fcgi" => out.fcgi = Some(value()?),
            "--count" => out.options.count = Some(number(value()?)?),
            "--concurrency" => out.options.concurrency = number(value()?)?,
            "--update" => out.update = true,
            "--ignore-header" => out.options.ignore_headers.push(value()?),
            "--rebase" => {
                let v = value()?;
                let (from, to) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--rebase {v}: expected FROM=TO"))?;
                out.options.rebase.push((from.to_string(), to.to_string()));
            }
            "-c" | "--config" => out.config_files.push(value()?),
            "-d" | "--define" => out.defines.push(value()?),
            s if s.starts_with("-d") && s.len() > 2 => out.defines.push(s[2..].to_string()),
            s if s.starts_with('-') => return Err(format!("unknown argument {s}")),
            path => out.paths.push(PathBuf::from(path)),
        }
    }
    if out.paths.is_empty() {
        return Err("no recordings given".into());
    }
    Ok(out)
}

/// Runs `rhvm replay ARGS` (the arguments after `replay`); returns the exit status.
pub fn main_with_args(args: &[String]) -> i32 {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return 0;
    }
    let args = match parse_args(args) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("rhvm replay: {msg}\n{USAGE}");
            return 2;
        }
    };
    let entries = match load(&args.paths) {
        Ok(e) => e,
        Err(msg) => {
            eprintln!("rhvm replay: {msg}");
            return 2;
        }
    };
    let settings: WebSettings = match &args.fcgi {
        Some(_) => WebSettings::default(),
        None => match crate::server::config_from(&args.config_files, &args.defines) {
            Ok((config, warnings)) => {
                for w in warnings {
                    eprintln!("rhvm replay: {w}");
                }
                crate::server::web_settings(&config)
            }
            Err(msg) => {
                eprintln!("rhvm replay: {msg}");
                return 2;
            }
        },
    };
    // The engine runs on the replay threads: give them the executor threads' native stack.
    let stack = 64 << 20;
    let make_target = |fcgi: &Option<String>| -> Result<Box<dyn Target>, String> {
        Ok(match fcgi {
            Some(addr) => Box::new(Fcgi::new(addr)),
            None => Box::new(InProcess(WebEngine::new(settings.clone()))),
        })
    };
    let fcgi = args.fcgi.clone();
    let outcomes = run(&entries, &args.options, &|| make_target(&fcgi), stack);
    let (mut same, mut different, mut failed) = (0usize, 0usize, 0usize);
    let mut updated = vec![false; entries.len()];
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for outcome in &outcomes {
        let entry = &entries[outcome.entry];
        match &outcome.result {
            Ok((_, None)) => same += 1,
            Ok((response, Some(diff))) => {
                different += 1;
                let _ = write!(out, "{diff}");
                if args.update && !updated[outcome.entry] {
                    updated[outcome.entry] = true;
                    match update(entry, response) {
                        Ok(()) => {
                            let _ = writeln!(out, "updated {}", entry.path.display());
                        }
                        Err(e) => {
                            let _ = writeln!(out, "cannot update: {e}");
                        }
                    }
                }
            }
            Err(e) => {
                failed += 1;
                let _ = writeln!(
                    out,
                    "failed {} ({} {}): {e}",
                    entry.name, entry.recording.method, entry.recording.uri
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "replayed {} requests from {} recordings: {same} same, {different} different, {failed} failed",
        outcomes.len(),
        entries.len()
    );
    i32::from(different + failed > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_all_occurrences() {
        assert_eq!(replace(b"a/x/b/x", b"/x", b"/yy"), b"a/yy/b/yy".to_vec());
        assert_eq!(replace(b"abc", b"", b"z"), b"abc".to_vec());
    }

    #[test]
    fn arguments() {
        let a: Vec<String> = ["--count", "5", "--concurrency=2", "--rebase", "/a=/b", "d"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let args = parse_args(&a).expect("valid");
        assert_eq!(args.options.count, Some(5));
        assert_eq!(args.options.concurrency, 2);
        assert_eq!(args.options.rebase, vec![("/a".into(), "/b".into())]);
        assert_eq!(args.paths, vec![PathBuf::from("d")]);
        assert!(parse_args(&["--count".to_string(), "0".to_string(), "d".to_string()]).is_err());
        assert!(parse_args(&[]).is_err());
    }
}
