//! One request of a `WebEngine`: resolve the script, build a fresh `Vm` with the request's
//! superglobals and an output sink to the response state, run the script (shutdown
//! functions and destructors included), and end the response.
//!
//! What a request may reuse from the previous one on the same engine is only what is
//! immutable or provably unchanged: compiled units, the ini table when no `ini_set`
//! (nor anything else that goes through `Vm::set_ini`) ran during the request, which
//! `host::ini_generation` tells, the class table when the request declared no class (it
//! then holds only the thread's shared built-in classes), and a template of `$_SERVER`
//! that each request copies (`request::ServerTemplate`). Everything else (globals, functions, classes, constants,
//! statics, output buffers, headers, handlers) lives in the `Vm` and the `ResponseState`,
//! both made afresh for every request.
//!
//! Compiled units are kept across requests in `UnitCache`, keyed by path and revalidated by
//! `stat` (mtime, ctime, inode, device, size): an unchanged file is not recompiled, an
//! edited one takes effect on the next request. It sits behind the interpreter's `Loader`
//! trait, so a persistent translation cache can replace it later.

use std::cell::RefCell;
use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::rc::Rc;

use super::request::{self, Input, Limits};
use super::resolve::{self, NotFound};
use super::response::{self, ResponseState, WebSink};
use super::{EnginePanic, SharedWriter, WebOutcome, WebRequest, WebSettings, WEB_INI_DEFAULTS};
use crate::vm::array::PhpArray;
use crate::vm::bytecode::Unit;
use crate::vm::interp::{BuiltinClasses, IniMap, LoadError, Loader, Vm};
use crate::vm::value::{PhpStr, Value};

/// What identifies one version of a file on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    mtime: (i64, i64),
    ctime: (i64, i64),
    ino: u64,
    dev: u64,
    size: u64,
}

impl FileStamp {
    fn of(md: &std::fs::Metadata) -> FileStamp {
        FileStamp {
            mtime: (md.mtime(), md.mtime_nsec()),
            ctime: (md.ctime(), md.ctime_nsec()),
            ino: md.ino(),
            dev: md.dev(),
            size: md.size(),
        }
    }
}

/// Compiled units of one `WebEngine`, by path.
#[derive(Default)]
pub(crate) struct UnitCache {
    units: HashMap<Vec<u8>, (FileStamp, Rc<Unit>)>,
    /// The translation cache behind this one (units by content, across restarts).
    pub(crate) store: Option<std::sync::Arc<dyn crate::vm::unit_codec::UnitStore>>,
}

/// The `Loader` of web requests: compiles through the thread's `UnitCache`.
struct CachedLoader(Rc<RefCell<UnitCache>>);

impl CachedLoader {
    /// The repo of repo-authoritative mode, if that is how this engine runs.
    fn authoritative(&self) -> Option<std::sync::Arc<dyn crate::vm::unit_codec::UnitStore>> {
        self.0.borrow().store.clone().filter(|s| s.authoritative())
    }
}

impl Loader for CachedLoader {
    fn file_exists(&self, path: &std::path::Path) -> bool {
        match self.authoritative() {
            Some(repo) => crate::vm::unit_codec::repo_has(&*repo, path),
            None => path.is_file(),
        }
    }

    fn canonical(&self, path: &std::path::Path) -> Option<std::path::PathBuf> {
        match self.authoritative() {
            Some(_) => Some(crate::vm::unit_codec::lexical_normal(path)),
            None => std::fs::canonicalize(path).ok(),
        }
    }

    fn load(&mut self, path: &[u8]) -> Result<Option<Rc<Unit>>, LoadError> {
        if let Some(repo) = self.authoritative() {
            // The repo never changes under a running server: a unit decoded once stays.
            let normal = crate::vm::unit_codec::lexical_normal(std::path::Path::new(
                std::ffi::OsStr::from_bytes(path),
            ));
            let normal = normal.as_os_str().as_bytes();
            if let Some((_, unit)) = self.0.borrow().units.get(normal) {
                return Ok(Some(unit.clone()));
            }
            let unit = crate::vm::unit_codec::load_through(&*repo, normal)?;
            if let Some(unit) = &unit {
                let stamp = FileStamp {
                    mtime: (0, 0),
                    ctime: (0, 0),
                    ino: 0,
                    dev: 0,
                    size: 0,
                };
                self.0
                    .borrow_mut()
                    .units
                    .insert(normal.to_vec(), (stamp, unit.clone()));
            }
            return Ok(unit);
        }
        let os_path = std::path::Path::new(std::ffi::OsStr::from_bytes(path));
        let Ok(md) = std::fs::metadata(os_path) else {
            return Ok(None);
        };
        if !md.is_file() {
            return Ok(None);
        }
        let stamp = FileStamp::of(&md);
        if let Some((cached, unit)) = self.0.borrow().units.get(path) {
            if *cached == stamp {
                return Ok(Some(unit.clone()));
            }
        }
        let Ok(src) = std::fs::read(os_path) else {
            return Ok(None);
        };
        let store = self.0.borrow().store.clone();
        let unit = match store {
            Some(store) => crate::vm::unit_codec::compile_through(&*store, &src, path)?,
            None => crate::vm::compile_source(&src, path)?,
        };
        // A file that changed while it was read gets a stamp that never matches, so the
        // next request compiles it again.
        let stamp = match std::fs::metadata(os_path) {
            Ok(after) if FileStamp::of(&after) == stamp && after.len() == src.len() as u64 => stamp,
            _ => FileStamp {
                size: u64::MAX,
                ..stamp
            },
        };
        self.0
            .borrow_mut()
            .units
            .insert(path.to_vec(), (stamp, unit.clone()));
        Ok(Some(unit))
    }
}

/// An ini table and the `error_reporting` level that goes with it.
type IniTable = (IniMap, i64);

/// What a `WebEngine` keeps between requests.
pub(super) struct EngineLocal {
    settings: Rc<WebSettings>,
    cache: Rc<RefCell<UnitCache>>,
    roots: resolve::RootCache,
    /// The ini table every request starts from: the engine defaults plus the web settings,
    /// built by the first request.
    template: Option<IniTable>,
    /// The previous request's ini table, when it ended equal to `template`.
    spare_ini: Option<IniMap>,
    /// The previous request's class table, when it declared no class.
    spare_classes: Option<BuiltinClasses>,
    /// The previous request's `$_SERVER`, which the next one copies when its CGI
    /// variables have the same names in the same order.
    server: Option<request::ServerTemplate>,
}

/// Clears the current request state of this thread when dropped (also when the engine
/// panics, so a later request on the thread never sees a stale state).
struct CurrentGuard;

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        response::set_current(None);
    }
}

impl EngineLocal {
    pub(super) fn new(settings: WebSettings) -> EngineLocal {
        let store = settings.unit_store.as_ref().map(|s| s.0.clone());
        EngineLocal {
            roots: resolve::RootCache::for_store(store.as_ref()),
            cache: Rc::new(RefCell::new(UnitCache {
                units: HashMap::new(),
                store,
            })),
            settings: Rc::new(settings),
            template: None,
            spare_ini: None,
            spare_classes: None,
            server: None,
        }
    }

    /// Runs one request to its end.
    pub(super) fn run(&mut self, req: WebRequest, out: SharedWriter) -> WebOutcome {
        let WebRequest { params, body } = req;
        let state = Rc::new(RefCell::new(ResponseState::new(
            out,
            body,
            self.settings.chunk_size,
        )));
        response::set_current(Some(state.clone()));
        let _guard = CurrentGuard;
        self.run_request(&state, params)
    }

    /// A fresh `Vm` for a request, starting from the spare ini table when there is one.
    fn new_vm(&mut self, state: &Rc<RefCell<ResponseState>>) -> Vm {
        let mut vm = self.new_vm_inner(state);
        if let Some(jit) = &self.settings.jit {
            (jit.0)(&mut vm);
        }
        vm
    }

    fn new_vm_inner(&mut self, state: &Rc<RefCell<ResponseState>>) -> Vm {
        let sink = Box::new(WebSink(state.clone()));
        let loader = Box::new(CachedLoader(self.cache.clone()));
        let Some((table, error_reporting)) = &self.template else {
            let mut vm = Vm::with_ini(sink, loader, crate::vm::interp::default_ini());
            let mut ini: Vec<(Vec<u8>, Vec<u8>)> = WEB_INI_DEFAULTS
                .iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
                .collect();
            ini.extend(self.settings.ini.iter().cloned());
            for (k, v) in &ini {
                vm.set_ini(k, v);
            }
            self.template = Some((vm.ini.clone(), vm.error_reporting));
            return vm;
        };
        let ini = match self.spare_ini.take() {
            Some(ini) => ini,
            None => table.clone(),
        };
        let mut vm = Vm::with_ini_and_classes(sink, loader, ini, self.spare_classes.take());
        vm.error_reporting = *error_reporting;
        vm
    }

    /// Keeps the ini table of a request that did not change it, for the next request.
    fn recycle(&mut self, mut vm: Vm, ini_generation: u64) {
        let unchanged = crate::vm::host::ini_generation() == ini_generation;
        let ini = std::mem::take(&mut vm.ini);
        let classes = vm.take_builtin_classes();
        drop(vm);
        self.spare_classes = classes;
        if unchanged {
            self.spare_ini = Some(ini);
        }
    }
}
/// Answers a request whose script could not be found or opened, as php-fpm does.
fn not_found(state: &Rc<RefCell<ResponseState>>, why: NotFound, env: &resolve::Env) -> WebOutcome {
    let mut st = state.borrow_mut();
    let (status, body, log): (u16, &[u8], Vec<u8>) = match why {
        NotFound::Denied => {
            let mut line = b"Unable to open primary script: ".to_vec();
            line.extend_from_slice(env.get(b"SCRIPT_FILENAME").unwrap_or(b""));
            line.extend_from_slice(b" (Permission denied)");
            (403, b"Access denied.\n", line)
        }
        NotFound::Missing | NotFound::OutsideRoot => (
            404,
            b"File not found.\n",
            b"Primary script unknown".to_vec(),
        ),
    };
    st.log(log);
    st.status = status;
    st.write_body(body);
    end_response(&mut st);
    WebOutcome {
        status: st.sent_status,
        body_bytes: st.body_bytes,
        script: Vec::new(),
        fatal: false,
    }
}

/// Sends what is left of the response: the head if no body byte went out, the last
/// chunk, and the end.
fn end_response(st: &mut ResponseState) {
    st.send_head();
    if !st.finished {
        st.finish_request();
    }
}

impl EngineLocal {
    fn run_request(
        &mut self,
        state: &Rc<RefCell<ResponseState>>,
        params: Vec<(Vec<u8>, Vec<u8>)>,
    ) -> WebOutcome {
        let time = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let settings = self.settings.clone();
        let settings = &*settings;
        let resolved =
            match resolve::resolve(params, settings.source_root.as_deref(), &mut self.roots) {
                Ok(r) => r,
                Err((why, env)) => return not_found(state, why, &env),
            };
        let mut vm = self.new_vm(state);
        // Every change of the ini table from here on moves the generation.
        let ini_generation = crate::vm::host::ini_generation();
        // PHP-FPM's SAPI name: scripts (and APC's CLI switch) tell web requests by it.
        vm.set_sapi("fpm-fcgi");
        if let Some(spawner) = &settings.spawner {
            vm.set_spawner(spawner.0.clone());
        }
        {
            let mut st = state.borrow_mut();
            let ini_val = |name: &[u8]| -> Vec<u8> {
                vm.ini
                    .get(name)
                    .map(|v| v.as_bytes().to_vec())
                    .unwrap_or_default()
            };
            st.default_mimetype = ini_val(b"default_mimetype");
            st.default_charset = ini_val(b"default_charset");
            st.expose_php = vm.ini_flag(b"expose_php", false);
            if st.expose_php {
                st.headers.push(b"X-Powered-By: PHP/8.2.36".to_vec());
            }
            st.ignore_user_abort = vm.ini_flag(b"ignore_user_abort", false);
            st.head_request = resolved.env.get(b"REQUEST_METHOD") == Some(b"HEAD");
            st.request_headers = request_headers(&resolved.env);
        }
        // `output_buffering`: a buffer around the whole script (`On` is unlimited).
        let buffering = request::parse_size(
            vm.ini
                .get(b"output_buffering".as_slice())
                .map(|v| v.as_bytes())
                .unwrap_or(b"0"),
        );
        let buffering = if vm.ini_flag(b"output_buffering", false) && buffering == 0 {
            1
        } else {
            buffering
        };
        if buffering > 0 {
            vm.out
                .buffers
                .push(crate::vm::interp::output::OutputBuffer {
                    data: Vec::new(),
                    callback: None,
                    chunk_size: if buffering > 1 { buffering as usize } else { 0 },
                    started: false,
                });
        }
        for (name, builtin) in crate::vm::builtins::web_only_table() {
            vm.functions.insert(
                PhpStr::from(*name),
                crate::vm::interp::FnEntry::Builtin(builtin),
            );
        }
        if settings.debug_panic_trigger {
            for (name, builtin) in crate::vm::builtins::debug_panic_table() {
                vm.functions.insert(
                    PhpStr::from(*name),
                    crate::vm::interp::FnEntry::Builtin(builtin),
                );
            }
        }
        let warnings =
            build_superglobals(&mut vm, settings, state, &resolved, time, &mut self.server);
        for (label, msg) in &warnings {
            vm.print_diagnostic(label, msg, b"Unknown", 0);
        }
        let script = resolved.script.clone();
        let unit = CachedLoader(self.cache.clone()).load(&script);
        let mut fatal = false;
        match unit {
            Ok(Some(unit)) => {
                let run =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| vm.run_main(unit)));
                if let Err(payload) = run {
                    // An engine bug: note where the script was, disarm this thread's limits
                    // and drop the engine's state (each step contained: a second panic
                    // while unwinding would abort the process), then let the caller, which
                    // replaces this engine, handle the panic.
                    let (file, line) =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            let at = (vm.current_file().as_bytes().to_vec(), vm.current_line());
                            vm.end_limits();
                            at
                        }))
                        .unwrap_or_else(|_| (script.clone(), 0));
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(vm)));
                    let file = if file.is_empty() {
                        script.clone()
                    } else {
                        file
                    };
                    std::panic::resume_unwind(Box::new(EnginePanic {
                        message: EnginePanic::message_of(&*payload),
                        file,
                        line,
                    }));
                }
            }
            Ok(None) => {
                // Resolution saw a file; it cannot be read (or vanished since).
                self.recycle(vm, ini_generation);
                let why = if std::fs::metadata(std::ffi::OsStr::from_bytes(&script)).is_ok() {
                    NotFound::Denied
                } else {
                    NotFound::Missing
                };
                return not_found(state, why, &resolved.env);
            }
            Err(e) => {
                let (label, message, line) = match e {
                    LoadError::Parse { message, line } => ("Parse error", message, line),
                    LoadError::Compile { message, line } => ("Fatal error", message, line),
                };
                vm.print_diagnostic(label, &message, &script, line);
                fatal = true;
            }
        }
        self.recycle(vm, ini_generation);
        let mut st = state.borrow_mut();
        for path in std::mem::take(&mut st.uploaded) {
            let _ = std::fs::remove_file(path);
        }
        end_response(&mut st);
        WebOutcome {
            status: st.sent_status,
            body_bytes: st.body_bytes,
            script,
            fatal: fatal || st.fatal,
        }
    }
}

/// The request headers as `getallheaders()` names them: `HTTP_X_FOO` is `X-Foo`, and
/// CONTENT_TYPE / CONTENT_LENGTH are included.
fn request_headers(env: &resolve::Env) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for (k, v) in env.server_order() {
        let raw: &[u8] = if let Some(rest) = k.strip_prefix(b"HTTP_") {
            rest
        } else if k == b"CONTENT_TYPE" || k == b"CONTENT_LENGTH" {
            k
        } else {
            continue;
        };
        let mut name = Vec::with_capacity(raw.len());
        let mut upper = true;
        for &c in raw {
            if c == b'_' {
                name.push(b'-');
                upper = true;
            } else if upper {
                name.push(c.to_ascii_uppercase());
                upper = false;
            } else {
                name.push(c.to_ascii_lowercase());
            }
        }
        out.push((name, v.clone()));
    }
    out
}

/// The superglobals a web request fills, in the order `build_superglobals` sets them.
const SUPERGLOBALS: [&str; 7] = [
    "_SERVER", "_GET", "_POST", "_COOKIE", "_FILES", "_REQUEST", "_ENV",
];

thread_local! {
    /// `SUPERGLOBALS` as engine strings, made once per thread (names are immutable).
    static SUPERGLOBAL_NAMES: [PhpStr; 7] = SUPERGLOBALS.map(PhpStr::from);
}

fn set_superglobals(vm: &mut Vm, arrays: [PhpArray; 7]) {
    vm.superglobals.reserve(arrays.len());
    SUPERGLOBAL_NAMES.with(|names| {
        for (name, arr) in names.iter().zip(arrays) {
            vm.superglobals
                .insert(name.clone(), Value::new_ref(Value::array(arr)));
        }
    });
}

/// Fills `$_SERVER`, `$_GET`, `$_POST`, `$_COOKIE`, `$_FILES`, `$_REQUEST`, `$_ENV`;
/// returns the request-startup warnings to print.
fn build_superglobals(
    vm: &mut Vm,
    settings: &WebSettings,
    state: &Rc<RefCell<ResponseState>>,
    resolved: &resolve::Resolved,
    time: f64,
    template: &mut Option<request::ServerTemplate>,
) -> Vec<request::StartupWarning> {
    let ini = |name: &[u8]| -> Vec<u8> {
        vm.ini
            .get(name)
            .map(|v| v.as_bytes().to_vec())
            .unwrap_or_default()
    };
    let limits = Limits {
        post_max_size: request::parse_size(&ini(b"post_max_size")),
        upload_max_filesize: request::parse_size(&ini(b"upload_max_filesize")),
        max_file_uploads: request::parse_size(&ini(b"max_file_uploads")),
        file_uploads: vm.ini_flag(b"file_uploads", true),
        enable_post_data_reading: vm.ini_flag(b"enable_post_data_reading", true),
        upload_tmp_dir: {
            let dir = ini(b"upload_tmp_dir");
            if dir.is_empty() {
                settings.upload_tmp_dir.clone()
            } else {
                Some(std::path::PathBuf::from(std::ffi::OsStr::from_bytes(&dir)))
            }
        },
        arg_separator: {
            let s = ini(b"arg_separator.input");
            if s.is_empty() {
                b"&".to_vec()
            } else {
                s
            }
        },
        register_argc_argv: vm.ini_flag(b"register_argc_argv", true),
    };
    let request_order = {
        let r = ini(b"request_order");
        if r.is_empty() {
            ini(b"variables_order")
        } else {
            r
        }
    };
    let env = &resolved.env;
    let mut warnings = Vec::new();
    let query = env.get_raw(b"QUERY_STRING");
    let input = Input {
        server: env.server_order().collect(),
        request_uri: resolved.request_uri.as_deref(),
        time,
    };
    let server = request::server_array(&input, &limits, query, template);
    let mut get = PhpArray::new();
    if let Some(q) = query {
        request::parse_query_into(&mut get, q, &limits.arg_separator);
    }
    let cookie = match env.get_raw(b"HTTP_COOKIE") {
        Some(c) => request::parse_cookies(c),
        None => PhpArray::new(),
    };
    let mut post = PhpArray::new();
    let mut files = PhpArray::new();
    if env.get(b"REQUEST_METHOD") == Some(b"POST") && limits.enable_post_data_reading {
        let content_type = env.get(b"CONTENT_TYPE").unwrap_or(b"");
        let media = request::media_type(content_type);
        let length: Option<u64> = env
            .get(b"CONTENT_LENGTH")
            .and_then(|l| std::str::from_utf8(l).ok())
            .and_then(|l| l.trim().parse().ok());
        let too_big = limits.post_max_size > 0 && length.is_some_and(|l| l > limits.post_max_size);
        if too_big {
            // The multipart parser words it without the request-startup prefix.
            let prefix = if media == b"multipart/form-data" {
                ""
            } else {
                "PHP Request Startup: "
            };
            warnings.push((
                "Warning",
                format!(
                    "{prefix}POST Content-Length of {} bytes exceeds the limit of {} bytes",
                    length.unwrap_or(0),
                    limits.post_max_size
                ),
            ));
        } else if media == b"application/x-www-form-urlencoded" {
            let mut st = state.borrow_mut();
            st.read_all_input();
            request::parse_query_into(&mut post, &st.input, b"&");
        } else if media == b"multipart/form-data" {
            match request::boundary_of(content_type) {
                None => warnings.push((
                    "Warning",
                    "Missing boundary in multipart/form-data POST data".to_string(),
                )),
                Some(boundary) => {
                    let mut st = state.borrow_mut();
                    st.read_all_input();
                    let parsed = request::parse_multipart(&st.input, &boundary, &limits);
                    // php://input is empty after a multipart body was parsed.
                    st.input.clear();
                    st.uploaded.extend(parsed.stored);
                    post = parsed.post;
                    files = parsed.files;
                    warnings.extend(parsed.warnings);
                }
            }
        }
    }
    let mut req = PhpArray::new();
    for c in request_order.to_ascii_lowercase() {
        match c {
            b'g' => request::merge(&mut req, &get),
            b'p' => request::merge(&mut req, &post),
            b'c' => request::merge(&mut req, &cookie),
            _ => {}
        }
    }
    set_superglobals(vm, [server, get, post, cookie, files, req, PhpArray::new()]);
    warnings
}
