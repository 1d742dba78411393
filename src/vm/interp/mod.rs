//! The interpreter: runs compiled units (`bytecode::Unit`) over PHP values.
//!
//! One `Vm` is one PHP request (or CLI script run): it owns the register stack, the call
//! frames, the function/class/constant tables declared so far, output buffering and the
//! per-request state of builtins. PHP-to-PHP calls do not recurse in Rust: `run` is one loop
//! over a frame stack, so deep PHP recursion costs heap, not native stack. Builtins that call
//! back into PHP (`usort`, `array_map`) re-enter `run` with a "stop" frame that returns to
//! them.
//!
//! Submodules: `call` (calls, callables, argument binding), `path` (lvalue paths: nested
//! array/property reads and writes), `class` (class linking, objects, properties, built-in
//! classes), `output` (ob_* buffers and diagnostics), `host` (the `Host` impl for builtins),
//! `intrinsics` (frame-aware builtins such as `compact` and `ob_start`).

pub(crate) mod apc_iterator;
pub(crate) mod call;
mod class;
pub(crate) use class::allows_dynamic_props;
mod closure;
pub mod date_classes;
mod destruct;
mod generator;
mod host_impl;
mod inherit;
mod intrinsics;
pub(crate) mod limits;
pub mod output;
mod path;
mod prop_ic;
mod reflect_class;
mod reflect_fn;
mod reflection;
mod spl;
mod spl_array;
mod spl_dllist;
mod spl_fixed;
mod spl_heap;
mod spl_storage;
mod strings;

use std::collections::HashMap;
use std::rc::Rc;

use super::array::{ArrayKey, PhpArray};
use super::ast::BinOp;
use super::builtins::Builtin;
use super::bytecode::{Func, Op, Operand, PathAction, Slot, Unit};
use super::error::{ErrorLevel, Fault, PhpResult};
use super::object::{Class, NameMap, Obj};
use super::ops;
use super::value::{PhpRef, PhpStr, Value};

pub(crate) use call::type_for_error;
pub use call::CallTarget;
pub(crate) use class::trace_frames_string as trace_text;
use output::Output;
pub(crate) use spl::debug_props as spl_debug_props;

/// A function visible by name.
#[derive(Clone)]
pub enum FnEntry {
    User(Rc<Func>),
    Builtin(&'static Builtin),
}

impl FnEntry {
    /// The call target of a plain call by name: no `$this`, scope or closure.
    pub(crate) fn into_target(self) -> call::CallTarget {
        match self {
            FnEntry::User(func) => call::CallTarget::User {
                func,
                this: None,
                scope: None,
                static_class: None,
                closure: None,
            },
            FnEntry::Builtin(b) => call::CallTarget::Builtin(b),
        }
    }
}

/// A `foreach` in progress.
pub(crate) enum IterState {
    /// By value over an array snapshot (copy-on-write keeps it stable).
    Array { arr: Rc<PhpArray>, pos: usize },
    /// By reference over a variable's array, in place.
    ArrayRef { cell: PhpRef, pos: usize },
    /// Over an object's properties (by value).
    Props { obj: Obj, pos: usize },
    /// Over an `Iterator` object.
    Iterator { obj: Obj, started: bool },
    /// Finished or freed.
    Done,
}

/// A call frame.
pub(crate) struct Frame {
    pub func: Rc<Func>,
    /// Index of the next instruction when this frame is not running.
    pub pc: usize,
    /// Index of register 0 in `Vm::stack`.
    pub base: usize,
    pub this: Option<Obj>,
    /// The class whose code is running (for `self::` and visibility).
    pub scope: Option<Rc<Class>>,
    /// The late-static-binding class (`static::`).
    pub static_class: Option<Rc<Class>>,
    /// Where the caller wants the return value.
    pub ret_dst: Option<Slot>,
    /// Number of arguments actually passed.
    pub n_args: usize,
    /// Variables without a slot (created by name: `$$x`, `extract`, `include`).
    pub dyn_vars: Option<Box<HashMap<PhpStr, PhpRef>>>,
    /// Rarely used per-frame state (foreach iterators, extra arguments, pending
    /// `finally` actions), boxed on first use so that plain calls push and pop a small frame.
    pub ext: Option<Box<FrameExt>>,
    /// Returning from this frame returns from `Vm::run` (a native caller is waiting).
    pub stop: bool,
    /// The frame's result is the constructed object (`new`), not the return value.
    pub discard_result: bool,
    /// A `stop` frame of a call compiled code made (`jit_hook`): a PHP call site, not a
    /// native caller, for stack traces.
    pub jit_call: bool,
    /// Line of the call site in the caller (for stack traces and "called in" messages).
    pub call_line: u32,
    /// The closure object being run, if any (for static variables of closures and
    /// `Closure` scope).
    pub closure: Option<Obj>,
    /// The Generator object this frame belongs to, while it runs.
    pub generator: Option<Obj>,
}

/// The rarely needed part of a `Frame`.
#[derive(Default)]
pub(crate) struct FrameExt {
    /// Arguments beyond the declared parameters (for `func_get_args`).
    pub extra_args: Vec<Value>,
    /// `foreach` iterators of this frame, indexed by the value in the iterator register.
    pub iters: Vec<IterState>,
    /// Pending `finally` actions of this frame.
    pub finally_stack: Vec<FinallyAction>,
}

/// What to do when a `finally` block ends.
#[derive(Clone)]
pub(crate) enum FinallyAction {
    /// Rethrow this exception.
    Rethrow(Value),
    /// Return this value.
    Return(Value),
    /// Jump to this label.
    Jump(u32),
    /// Nothing pending (normal completion).
    Normal,
}

/// A cached declared-property location (see `Vm::prop_cache`).
pub(crate) struct PropSlot {
    /// The property's slot number in `layout`.
    pub pos: usize,
    /// The layout of the class the entry was made for (held, so that its address stays
    /// unique while the entry exists; objects are checked against it).
    pub layout: Rc<super::props::PropLayout>,
    /// The declared type, checked on the fast assignment path.
    pub ty: Option<super::coerce::TypeSpec>,
    pub readonly: bool,
}

/// Runtime limits checked by the interpreter.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Maximum PHP call depth. PHP itself has none (unbounded recursion ends at
    /// `memory_limit`, which frames count towards here too); this bounds it when
    /// `memory_limit` is -1. PHP-to-PHP calls use no native stack, so deep recursion
    /// (100,000 frames and more) works.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 1_000_000,
        }
    }
}

/// The ini table: setting name to value, as `ini_get` returns it.
pub type IniMap = HashMap<Vec<u8>, PhpStr, foldhash::fast::RandomState>;

/// The thread's built-in class table, passed from one request's `Vm` to the next
/// (`Vm::take_builtin_classes`, `Vm::with_ini_and_classes`).
pub struct BuiltinClasses(NameMap<Rc<Class>>);

/// The interpreter state of one request.
pub struct Vm {
    /// The register stack: frame registers are `stack[frame.base..]`, the innermost frame's
    /// end at `sp`. Everything from `sp` on is kept `Undef` (a returning frame unsets its
    /// registers instead of popping them), so pushing a frame only moves `sp` and writes
    /// its arguments: see `alloc_regs`/`free_regs`.
    pub(crate) stack: Vec<Value>,
    /// The end of the innermost frame's registers in `stack`.
    pub(crate) sp: usize,
    pub(crate) frames: Vec<Frame>,
    pub(crate) calls: Vec<call::PendingCall>,
    pub(crate) args: Vec<Value>,
    pub(crate) functions: NameMap<FnEntry>,
    /// Property positions for `$obj->name` sites with a constant name, keyed by (class,
    /// name constant, calling scope) addresses; see `path::prop_op_single`.
    pub(crate) prop_cache: HashMap<(usize, usize, usize), PropSlot, foldhash::fast::RandomState>,
    /// Resolved class names, keyed by the address of the name constant.
    pub(crate) class_cache: HashMap<usize, Rc<Class>, foldhash::fast::RandomState>,
    /// Resolved named calls, keyed by the address of the call site's name constant.
    pub(crate) fn_cache: HashMap<usize, FnEntry, foldhash::fast::RandomState>,
    /// A direct-mapped front of `fn_cache` (`call::FN_SITES` entries of (key, entry)): a
    /// call site found here costs a compare instead of a hash lookup.
    pub(crate) fn_sites: Vec<(usize, Option<FnEntry>)>,
    /// Resolved `$obj->name()` calls with a constant name, keyed by (class, name constant)
    /// addresses: a class's method table never changes once linked.
    pub(crate) method_cache:
        HashMap<(usize, usize), Rc<class::MethodRt>, foldhash::fast::RandomState>,
    /// Resolved `Class::name()` calls with a constant name, keyed by (class, name constant)
    /// addresses, as `method_cache` (a separate table: what `find_method` found, before the
    /// instance-call checks `method_cache` entries skip).
    pub(crate) static_cache:
        HashMap<(usize, usize), Rc<class::MethodRt>, foldhash::fast::RandomState>,
    pub(crate) classes: NameMap<Rc<Class>>,
    pub(crate) constants: NameMap<Value>,
    /// Constant fetches the engine's own tables answered (`fetch_const`): name constant ->
    /// (value, whether the namespace fallback gave it). Only names no `define`d constant
    /// had, so the table is valid while `constants` keeps the length `const_cache_len`
    /// (constants are never removed).
    pub(crate) const_cache: NameMap<(Value, bool)>,
    pub(crate) const_cache_len: usize,
    /// Files already included (for `_once`), by resolved path.
    pub(crate) included: HashMap<PhpStr, Rc<Unit>>,
    /// Static variables by (function id, index).
    pub(crate) statics: HashMap<(u64, u32), PhpRef>,
    pub(crate) out: Output,
    pub(crate) ini: IniMap,
    pub error_reporting: i64,
    /// `@` nesting: diagnostics are suppressed while > 0.
    pub(crate) silence: u32,
    pub(crate) next_obj_id: u64,
    pub(crate) limits: Limits,
    /// The exception being handled by a `Catch` op.
    pub(crate) caught: Option<Value>,
    pub(crate) script_path: PhpStr,
    pub(crate) argv: Vec<PhpStr>,
    pub(crate) shutdown_functions: Vec<(Value, Vec<Value>)>,
    pub(crate) error_handler: Option<Value>,
    /// Handlers replaced by `set_error_handler`, for `restore_error_handler`.
    pub(crate) error_handler_stack: Vec<Option<Value>>,
    pub(crate) exception_handler: Option<Value>,
    /// Compiles included files: provided by the embedder (CLI or server) so that caching
    /// policy stays outside the engine.
    pub(crate) loader: Box<dyn Loader>,
    /// The method name of a pending `__call`/`__callStatic` dispatch.
    pub(crate) magic_name: Option<PhpStr>,
    /// Superglobals of this request (`$_SERVER`, `$_GET`, ...), by name without `$`.
    pub(crate) superglobals: NameMap<PhpRef>,
    /// Set by `yield`: what the suspended generator frame produced.
    pub(crate) pending_yield: Option<generator::YieldInfo>,
    /// Callables registered with `spl_autoload_register`, in call order.
    pub(crate) autoloaders: Vec<Value>,
    /// Lower-case names of classes being autoloaded (an autoloader asking for the same
    /// class again gets "not found" instead of recursing).
    pub(crate) autoloading: Vec<PhpStr>,
    /// The main script's global variables, kept after its frame returns so that the end of
    /// the request can destroy them in PHP's order (`destruct.rs`).
    pub(crate) saved_globals: Vec<Value>,
    /// The last diagnostic for `error_get_last`: (type, message, file, line).
    pub(crate) last_error: Option<(i64, PhpStr, PhpStr, u32)>,
    /// The server API name (`php_sapi_name()`, `PHP_SAPI`): "cli", or the server's.
    pub(crate) sapi: &'static str,
    /// Starts processes for `shell_exec`, `proc_open`, ... (`vm::process`).
    pub(crate) spawner: std::sync::Arc<dyn super::process::Spawner>,
    /// Time and memory limits of the running request (`limits.rs`).
    pub(crate) lim: limits::LimitState,
    /// Magic property methods running now, as (object id, property, `MagicGuard` bit):
    /// inside `__get('x')` of an object, reading its `x` again is a plain property read, as
    /// PHP's per-property guards make it (usually empty, so a linear scan).
    pub(crate) magic_guards: Vec<(u64, PhpStr, u8)>,
    /// The machine-code tier, when the embedder installed one (`jit_hook`).
    pub(crate) jit: Option<super::jit_hook::JitHook>,
}

/// How the engine turns a path into a compiled unit (the CLI compiles directly; the
/// server goes through the translation cache).
pub trait Loader {
    /// Reads and compiles `path`. `Ok(None)` when the file cannot be opened.
    fn load(&mut self, path: &[u8]) -> Result<Option<Rc<Unit>>, LoadError>;

    /// Whether `path` names a loadable file (include resolution). A repo-authoritative
    /// loader answers from its repo without touching the disk.
    fn file_exists(&self, path: &std::path::Path) -> bool {
        path.is_file()
    }

    /// The canonical form of a path `file_exists` accepted.
    fn canonical(&self, path: &std::path::Path) -> Option<std::path::PathBuf> {
        std::fs::canonicalize(path).ok()
    }
}

/// A failed load: a parse or compile error with its PHP message.
#[derive(Debug, Clone)]
pub enum LoadError {
    /// `Parse error: {message} in {file} on line {line}`.
    Parse { message: String, line: u32 },
    /// `Fatal error: {message} in {file} on line {line}`.
    Compile { message: String, line: u32 },
}

/// How a script run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Ran to the end (or `exit`) with this status.
    Exit(i32),
}

impl Vm {
    /// A fresh engine writing output to `sink`.
    /// The CLI's engine: PHP's default ini table and the `STDIN`/`STDOUT`/`STDERR`
    /// constants, which only the CLI SAPI defines.
    pub fn new(sink: Box<dyn std::io::Write>, loader: Box<dyn Loader>) -> Vm {
        let mut vm = Vm::with_ini(sink, loader, default_ini());
        super::builtins::file::define_std_streams(&mut vm);
        vm
    }

    /// A fresh engine whose ini table is `ini` instead of PHP's defaults (a server starts
    /// each request from a table it keeps), without the CLI's standard-stream constants.
    pub fn with_ini(sink: Box<dyn std::io::Write>, loader: Box<dyn Loader>, ini: IniMap) -> Vm {
        Vm::with_ini_and_classes(sink, loader, ini, None)
    }

    /// `with_ini` starting from the class table a previous `Vm` of this thread left with
    /// `take_builtin_classes` (saves copying the built-in classes per web request).
    pub fn with_ini_and_classes(
        sink: Box<dyn std::io::Write>,
        loader: Box<dyn Loader>,
        ini: IniMap,
        classes: Option<BuiltinClasses>,
    ) -> Vm {
        let mut vm = Vm {
            stack: Vec::new(),
            sp: 0,
            frames: Vec::new(),
            calls: Vec::new(),
            args: Vec::new(),
            functions: NameMap::default(),
            fn_cache: HashMap::default(),
            fn_sites: vec![(0, None); call::FN_SITES],
            method_cache: HashMap::default(),
            static_cache: HashMap::default(),
            prop_cache: HashMap::default(),
            class_cache: HashMap::default(),
            classes: NameMap::default(),
            constants: NameMap::default(),
            const_cache: NameMap::default(),
            const_cache_len: 0,
            included: HashMap::new(),
            statics: HashMap::new(),
            out: Output::new(sink),
            ini,
            error_reporting: 32767,
            silence: 0,
            next_obj_id: 1,
            limits: Limits::default(),
            caught: None,
            script_path: PhpStr::new(),
            argv: Vec::new(),
            shutdown_functions: Vec::new(),
            error_handler: None,
            error_handler_stack: Vec::new(),
            exception_handler: None,
            loader,
            magic_name: None,
            superglobals: NameMap::default(),
            pending_yield: None,
            autoloaders: Vec::new(),
            autoloading: Vec::new(),
            saved_globals: Vec::new(),
            last_error: None,
            sapi: "cli",
            spawner: super::process::default_spawner(),
            lim: limits::LimitState::new(),
            magic_guards: Vec::new(),
            jit: None,
        };
        match classes {
            Some(BuiltinClasses(classes)) => vm.classes = classes,
            None => class::install_builtin_classes(&mut vm),
        }
        super::builtins::reset_request_state();
        super::object::reset_free_ids();
        super::object::set_destructors_done(false);
        vm.float_precisions_changed();
        vm
    }

    /// The class table for the next `Vm` of this thread, when it holds exactly the shared
    /// built-in classes: no class or alias was declared (declarations only add entries,
    /// never replace or remove one, so the count tells).
    pub fn take_builtin_classes(&mut self) -> Option<BuiltinClasses> {
        let builtin = class::builtin_class_count()?;
        (self.classes.len() == builtin).then(|| BuiltinClasses(std::mem::take(&mut self.classes)))
    }

    /// Hands `precision` and `serialize_precision` to float printing (`convert`), which reads
    /// them on every conversion without access to the engine.
    fn float_precisions_changed(&self) {
        let int_ini = |key: &[u8], default: i32| {
            self.ini
                .get(key)
                .and_then(|v| std::str::from_utf8(v.as_bytes()).ok()?.trim().parse().ok())
                .unwrap_or(default)
        };
        super::convert::set_float_precisions(
            int_ini(b"precision", 14),
            int_ini(b"serialize_precision", -1),
        );
    }

    /// Sets an ini value from the command line or config (`-d key=value`).
    pub fn set_ini(&mut self, key: &[u8], value: &[u8]) {
        if key == b"error_reporting" {
            self.error_reporting = ini_int_expression(value);
        }
        self.ini.insert(key.to_vec(), PhpStr::from(value));
        if key == b"precision" || key == b"serialize_precision" {
            self.float_precisions_changed();
        }
        super::host::note_ini_change();
        self.limits_ini_changed(key);
    }

    /// Sets the server API name (`php_sapi_name()`); the CLI's is "cli".
    pub fn set_sapi(&mut self, sapi: &'static str) {
        self.sapi = sapi;
    }

    /// Installs what starts processes (the server's light process pool).
    pub fn set_spawner(&mut self, spawner: std::sync::Arc<dyn super::process::Spawner>) {
        self.spawner = spawner;
    }

    /// What starts processes for this engine.
    pub fn spawner(&self) -> std::sync::Arc<dyn super::process::Spawner> {
        self.spawner.clone()
    }

    /// Whether this engine runs the command line (not a server request).
    pub fn is_cli(&self) -> bool {
        self.sapi == "cli"
    }

    /// Sets `$argv`.
    pub fn set_argv(&mut self, argv: Vec<PhpStr>) {
        self.argv = argv;
    }

    /// Runs a compiled main script to completion, including shutdown functions and the
    /// final flush of output buffers.
    pub fn run_main(&mut self, unit: Rc<Unit>) -> Outcome {
        self.script_path = unit.file.clone();
        self.included.insert(unit.file.clone(), unit.clone());
        self.begin_limits();
        let result = self.run_unit_as_main(&unit);
        let status = self.finish(result);
        self.end_limits();
        Outcome::Exit(status)
    }

    fn run_unit_as_main(&mut self, unit: &Rc<Unit>) -> PhpResult<Value> {
        let func = unit.main.clone();
        let base = self.alloc_regs(func.n_slots as usize);
        // $argv/$argc are globals of the main script.
        self.init_main_globals(&func, base);
        self.frames.push(Frame::new(func, base, true));
        self.report_compile_diagnostics(unit);
        self.declare_hoisted(unit)?;
        if let Some(f) = self.frames.last_mut() {
            f.pc = 0;
        }
        self.run()
    }

    /// Prints a unit's compile-time warnings and deprecations, as PHP does when it
    /// compiles a file.
    pub(crate) fn report_compile_diagnostics(&mut self, unit: &Unit) {
        for d in &unit.diagnostics {
            if self.error_reporting & d.level.bits() == 0 {
                continue;
            }
            self.print_diagnostic(d.level.label(), &d.message, &unit.file, d.line);
        }
    }

    fn init_main_globals(&mut self, func: &Func, base: usize) {
        // No argv at all (a web request): `$argv`/`$argc` are not globals, as in php-fpm.
        if self.argv.is_empty() {
            return;
        }
        let argv: Vec<Value> = self.argv.iter().map(|a| Value::Str(a.clone())).collect();
        let argc = argv.len() as i64;
        for (i, name) in func.local_names.iter().enumerate() {
            match name.as_bytes() {
                b"argv" => self.stack[base + i] = Value::array(PhpArray::from_values(argv.clone())),
                b"argc" => self.stack[base + i] = Value::Int(argc),
                _ => {}
            }
        }
    }

    /// Handles the end of the script: uncaught exceptions, fatal errors, exit status,
    /// shutdown functions and buffer flushing. Returns the exit status.
    fn finish(&mut self, result: PhpResult<Value>) -> i32 {
        let mut status = match result {
            Ok(_) => 0,
            Err(fault) => self.report_fault(fault),
        };
        // Shutdown functions run even after exit() and fatal errors.
        self.limits_for_shutdown();
        let funcs = std::mem::take(&mut self.shutdown_functions);
        for (callable, args) in funcs {
            self.unwind_all();
            if let Err(fault) = self.call_value(&callable, &args) {
                status = self.report_fault(fault);
            }
        }
        self.unwind_all();
        if let Some(s) = self.call_end_destructors() {
            status = s;
        }
        self.flush_all_buffers();
        self.out.flush();
        status
    }

    /// Prints what an uncaught fault prints and returns the exit status it implies.
    pub(crate) fn report_fault(&mut self, fault: Fault) -> i32 {
        match fault {
            Fault::Exit(status) => status,
            Fault::Fatal(msg) => {
                let (file, line) = match self.lim.fatal_at.take() {
                    Some(at) => at,
                    None => (self.current_file(), self.current_line()),
                };
                self.print_diagnostic("Fatal error", &msg, &file, line);
                255
            }
            Fault::Error(e) => match self.create_throwable(e.class, &e.message, e.code) {
                Ok(v) => self.report_uncaught(v),
                Err(_) => 255,
            },
            Fault::Throw(exc) => self.report_uncaught(exc),
        }
    }

    fn report_uncaught(&mut self, exc: Value) -> i32 {
        if let Some(handler) = self.exception_handler.take() {
            self.unwind_all();
            return match self.call_value(&handler, &[exc]) {
                Ok(_) => 255,
                Err(f) => self.report_fault(f),
            };
        }
        let Value::Object(obj) = &exc else {
            return 255;
        };
        // An uncaught ParseError (from eval or include) prints as a plain parse error.
        if obj.class().lc_name.as_bytes() == b"parseerror" {
            let msg = match obj.borrow().props.get_str(b"message") {
                Some(v) => v.scalar_to_str().to_string_lossy(),
                None => String::new(),
            };
            let (file, line) = class::throwable_location(obj);
            self.print_diagnostic("Parse error", &msg, &file, line);
            return 255;
        }
        let text = self.uncaught_text(obj);
        let (file, line) = class::throwable_location(obj);
        self.print_diagnostic("Fatal error", &text, &file, line);
        255
    }

    /// Pops frames (and their registers) until `depth` remain.
    pub(crate) fn drop_frames_above(&mut self, depth: usize) {
        while self.frames.len() > depth {
            if let Some(f) = self.frames.pop() {
                self.unset_regs_from(f.base);
            }
        }
    }

    /// Drops every frame (after a fault has ended the script).
    fn unwind_all(&mut self) {
        self.save_globals();
        self.frames.clear();
        self.calls.clear();
        self.args.clear();
        self.stack.clear();
        self.sp = 0;
    }

    /// Reports a diagnostic as PHP's error callback does: logged when `log_errors` is on
    /// (`PHP Warning:  msg in file on line N`, to the web request's error log or stderr),
    /// displayed when `display_errors` is on (plain text, or HTML with `html_errors`), and
    /// for fatal errors of a web request, the 500 status PHP sets when nothing is displayed.
    pub(crate) fn print_diagnostic(&mut self, label: &str, msg: &str, file: &[u8], line: u32) {
        let display = self.ini_flag(b"display_errors", true);
        if self.ini_flag(b"log_errors", false) {
            let mut entry = Vec::with_capacity(msg.len() + 64);
            entry.extend_from_slice(b"PHP ");
            entry.extend_from_slice(label.as_bytes());
            entry.extend_from_slice(b":  ");
            entry.extend_from_slice(msg.as_bytes());
            entry.extend_from_slice(b" in ");
            entry.extend_from_slice(file);
            entry.extend_from_slice(format!(" on line {line}").as_bytes());
            let file = self.ini.get(b"error_log".as_slice()).cloned();
            super::web::log_message(file.as_deref(), entry);
        }
        if display {
            let mut text = Vec::with_capacity(msg.len() + 64);
            let prepend = self.ini.get(b"error_prepend_string".as_slice()).cloned();
            let append = self.ini.get(b"error_append_string".as_slice()).cloned();
            if let Some(p) = &prepend {
                text.extend_from_slice(p);
            }
            if self.ini_flag(b"html_errors", false) {
                text.extend_from_slice(b"<br />\n<b>");
                text.extend_from_slice(label.as_bytes());
                text.extend_from_slice(b"</b>:  ");
                // PHP escapes only E_ERROR / E_PARSE messages (uncaught exceptions included).
                if matches!(label, "Fatal error" | "Parse error") {
                    super::web::escape_html_into(&mut text, msg.as_bytes());
                } else {
                    text.extend_from_slice(msg.as_bytes());
                }
                text.extend_from_slice(b" in <b>");
                text.extend_from_slice(file);
                text.extend_from_slice(format!("</b> on line <b>{line}</b><br />\n").as_bytes());
            } else {
                text.extend_from_slice(b"\n");
                text.extend_from_slice(label.as_bytes());
                text.extend_from_slice(b": ");
                text.extend_from_slice(msg.as_bytes());
                text.extend_from_slice(b" in ");
                text.extend_from_slice(file);
                text.extend_from_slice(format!(" on line {line}\n").as_bytes());
            }
            if let Some(a) = &append {
                text.extend_from_slice(a);
            }
            self.out.write(&text);
            if self.out.origin_pending {
                self.note_output_origin();
            }
        }
        if matches!(
            label,
            "Fatal error" | "Parse error" | "Recoverable fatal error"
        ) {
            super::web::fatal_error(display);
        }
    }

    /// An ini setting read as a boolean flag (`On`, `1`, `yes`, `stderr`... are on).
    pub(crate) fn ini_flag(&self, name: &[u8], default: bool) -> bool {
        match self.ini.get(name) {
            Some(v) => {
                !(v.is_empty()
                    || [&b"0"[..], b"off", b"no", b"false", b"none"]
                        .iter()
                        .any(|word| v.eq_ignore_ascii_case(word)))
            }
            None => default,
        }
    }

    /// Records where output first reached the sink (see `Output::origin`).
    pub(crate) fn note_output_origin(&mut self) {
        self.out.origin_pending = false;
        let file = self.current_file();
        let line = self.current_line();
        self.out.origin = Some((file, line));
    }

    /// The line of the instruction running in the innermost frame.
    pub(crate) fn current_line(&self) -> u32 {
        match self.frames.last() {
            Some(f) => f
                .func
                .lines
                .get(f.pc.saturating_sub(1))
                .copied()
                .unwrap_or(0),
            None => 0,
        }
    }

    /// The file of the innermost frame.
    pub(crate) fn current_file(&self) -> PhpStr {
        match self.frames.last() {
            Some(f) => f.func.file.clone(),
            None => self.script_path.clone(),
        }
    }

    /// Raises a diagnostic at the current position (respecting `@` and error_reporting,
    /// calling the user error handler).
    pub(crate) fn raise(&mut self, level: ErrorLevel, msg: &str) -> PhpResult<()> {
        if let Some(handler) = self.error_handler.clone() {
            if self.error_reporting & level.bits() != 0 {
                let file = self.current_file();
                let line = self.current_line();
                let args = [
                    Value::Int(level.bits()),
                    Value::str(msg),
                    Value::Str(file),
                    Value::Int(i64::from(line)),
                ];
                let handled = self.call_value(&handler, &args)?;
                if !matches!(handled, Value::Bool(false)) {
                    return Ok(());
                }
            }
        }
        // `error_get_last` sees every diagnostic no user handler took, silenced or not.
        self.last_error = Some((
            level.bits(),
            PhpStr::from(msg),
            self.current_file(),
            self.current_line(),
        ));
        if self.silence > 0 || self.error_reporting & level.bits() == 0 {
            return Ok(());
        }
        let file = self.current_file();
        let line = self.current_line();
        self.print_diagnostic(level.label(), msg, &file, line);
        Ok(())
    }

    /// Allocates an object id (`spl_object_id` reuses freed ids as PHP does).
    pub(crate) fn alloc_obj_id(&mut self) -> u64 {
        if let Some(id) = super::object::take_free_id() {
            return id;
        }
        let id = self.next_obj_id;
        self.next_obj_id += 1;
        id
    }

    /// End of the request: every buffer is flushed through its callback (final mode).
    fn flush_all_buffers(&mut self) {
        while let Some(buf) = self.out.buffers.pop() {
            let mut data = buf.data;
            if let Some(cb) = &buf.callback {
                let mode = 8 | if buf.started { 0 } else { 1 };
                match self.call_value(cb, &[Value::str(data.clone()), Value::Int(mode)]) {
                    Ok(Value::Bool(false)) | Err(_) => {}
                    Ok(v) => {
                        if let Ok(s) = self.to_php_str(&v) {
                            data = s.into_vec();
                        }
                    }
                }
            }
            self.out.write(&data);
            if self.out.origin_pending {
                self.note_output_origin();
            }
        }
    }

    /// Declares the unit's hoisted functions and classes.
    pub(crate) fn declare_hoisted(&mut self, unit: &Rc<Unit>) -> PhpResult<()> {
        for &idx in &unit.hoisted_functions {
            self.declare_function(unit.functions[idx as usize].clone())?;
        }
        for &idx in &unit.hoisted_classes {
            let def = unit.classes[idx as usize].clone();
            // Errors while declaring report the class's position: point the running frame
            // at its `DeclareClass`.
            if let Some(f) = self.frames.last_mut() {
                if Rc::ptr_eq(&f.func, &unit.main) {
                    if let Some(pos) = unit
                        .main
                        .code
                        .iter()
                        .position(|op| matches!(op, Op::DeclareClass { idx: i } if *i == idx))
                    {
                        f.pc = pos + 1;
                    }
                }
            }
            // Classes whose parent is not declared yet are declared when reached; so are
            // classes that implement interfaces or use traits (enums implement `UnitEnum`),
            // which PHP never binds early.
            let early = def.interfaces.is_empty()
                && def.traits.is_empty()
                && def.kind != super::ast::ClassKind::Enum;
            if early && self.class_deps_available(&def) {
                self.declare_class_early(def, unit)?;
            }
        }
        Ok(())
    }

    pub(crate) fn declare_function(&mut self, func: Rc<Func>) -> PhpResult<()> {
        let lc = PhpStr::from(func.name.to_ascii_lowercase());
        if self.functions.contains_key(&lc) || super::builtins::lookup(&lc).is_some() {
            return Err(Fault::fatal(format!(
                "Cannot redeclare {}()",
                func.name.to_string_lossy()
            )));
        }
        self.functions.insert(lc, FnEntry::User(func));
        Ok(())
    }

    /// Finds a function by name (case-insensitive).
    pub(crate) fn find_function(&self, name: &[u8]) -> Option<FnEntry> {
        let lc = name.to_ascii_lowercase();
        let lc = lc.strip_prefix(b"\\").unwrap_or(&lc);
        if let Some(f) = self.functions.get(lc) {
            return Some(f.clone());
        }
        super::builtins::lookup(lc).map(FnEntry::Builtin)
    }

    // ----- register access -----

    /// Reads an operand (dereferenced; an unset local warns and reads as null).
    #[inline]
    pub(crate) fn read(&mut self, func: &Func, base: usize, op: Operand) -> PhpResult<Value> {
        if op.is_const() {
            return Ok(func.consts[op.index() as usize].clone());
        }
        let slot = op.index() as usize;
        match &self.stack[base + slot] {
            Value::Ref(r) => Ok(r.borrow().clone()),
            Value::Undef => {
                self.warn_undefined_var(func, slot)?;
                Ok(Value::Null)
            }
            v => Ok(v.clone()),
        }
    }

    /// Reads an operand its instruction consumes: a temporary is moved out (so a value
    /// such as an object passed on inside an array literal is not kept alive by the
    /// register: PHP frees temporaries when they are used, which decides when destructors
    /// run and which object ids are free), a local or constant is read as by `read`.
    #[inline]
    pub(crate) fn consume(&mut self, func: &Func, base: usize, op: Operand) -> PhpResult<Value> {
        if !op.is_const() && op.index() as usize >= func.local_names.len() {
            return Ok(
                match std::mem::take(&mut self.stack[base + op.index() as usize]) {
                    Value::Undef => Value::Null,
                    v => v.into_deref(),
                },
            );
        }
        self.read(func, base, op)
    }

    pub(crate) fn warn_undefined_var(&mut self, func: &Func, slot: usize) -> PhpResult<()> {
        match func.local_names.get(slot) {
            Some(name) => {
                let msg = format!("Undefined variable ${}", name.to_string_lossy());
                self.raise(ErrorLevel::Warning, &msg)
            }
            None => Ok(()),
        }
    }

    /// Writes a register, through a reference if the slot holds one.
    #[inline(always)]
    pub(crate) fn write_local(&mut self, base: usize, slot: Slot, v: Value) {
        let cell = &mut self.stack[base + slot as usize];
        match cell {
            Value::Ref(r) => *r.borrow_mut() = v,
            _ => store(cell, v),
        }
    }

    /// Reserves `n` registers on top of the register stack for a new frame and returns
    /// their base. They are `Undef` already (the free part of the stack is kept unset), so
    /// a call writes only its arguments.
    #[inline(always)]
    pub(crate) fn alloc_regs(&mut self, n: usize) -> usize {
        let base = self.sp;
        let top = base + n;
        if top > self.stack.len() {
            self.grow_regs(top);
        }
        self.sp = top;
        base
    }

    #[cold]
    #[inline(never)]
    fn grow_regs(&mut self, top: usize) {
        let len = top.max(self.stack.len() * 2).max(1024);
        self.stack.resize(len, Value::Undef);
    }

    /// Unsets the registers from `base` to `sp` (a returning frame's), last first, and
    /// makes `base` the top. Scalars, the usual contents, need no destructor, so only
    /// registers holding a heap value run one.
    #[inline(always)]
    pub(crate) fn free_regs(&mut self, base: usize) {
        let top = self.sp;
        if let Some(regs) = self.stack.get_mut(base..top) {
            for r in regs.iter_mut().rev() {
                match r {
                    Value::Undef => {}
                    Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
                        std::mem::forget(std::mem::replace(r, Value::Undef));
                    }
                    _ => *r = Value::Undef,
                }
            }
        }
        self.sp = base.min(top);
    }

    /// `free_regs` in register order (frames dropped by unwinding, as `Vec::truncate` did).
    pub(crate) fn unset_regs_from(&mut self, base: usize) {
        let top = self.sp;
        if let Some(regs) = self.stack.get_mut(base..top) {
            for r in regs {
                *r = Value::Undef;
            }
        }
        self.sp = base.min(top);
    }

    /// Moves the registers from `base` to `sp` out (a suspending generator's) and makes
    /// `base` the top.
    pub(crate) fn take_regs(&mut self, base: usize) -> Vec<Value> {
        let top = self.sp;
        let regs = match self.stack.get_mut(base..top) {
            Some(regs) => regs.iter_mut().map(std::mem::take).collect(),
            None => Vec::new(),
        };
        self.sp = base.min(top);
        regs
    }

    /// The main loop: runs frames until the innermost `stop` frame returns.
    pub(crate) fn run(&mut self) -> PhpResult<Value> {
        // Nested runs (PHP called back from builtins) use the native stack.
        self.check_native_stack()?;
        loop {
            match self.run_inner() {
                Ok(v) => return Ok(v),
                Err(fault) => {
                    // Try to find a handler in the frames of this run.
                    match self.handle_fault(fault) {
                        Ok(()) => continue,
                        Err(fault) => return Err(fault),
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    fn run_inner(&mut self) -> PhpResult<Value> {
        let (mut func, mut base, mut pc) = {
            let f = self.frames.last().expect("run with a frame");
            (f.func.clone(), f.base, f.pc)
        };
        // The VM is reborrowed opaquely (`black_box`) here and again after each call and
        // return (`reload!`): a loop-carried `vm` keeps LLVM from hoisting the addresses of
        // dozens of `Vm` fields out of the loop and spilling them, a prologue of ~90
        // instructions paid on every entry, i.e. on every callback a builtin (`array_map`,
        // `usort`) makes.
        let mut vm: &mut Vm = std::hint::black_box(&mut *self);
        macro_rules! sync_pc {
            () => {
                if let Some(f) = vm.frames.last_mut() {
                    f.pc = pc;
                }
            };
        }
        macro_rules! reload {
            () => {{
                vm = std::hint::black_box(&mut *self);
                let f = vm.frames.last().expect("frame after call");
                func = f.func.clone();
                base = f.base;
                pc = f.pc;
            }};
        }
        // Every fallible arm syncs the frame's pc before its first fallible call, so an
        // error needs no sync here (and must not: a failed call may have pushed the callee's
        // frame already, whose pc would be overwritten).
        macro_rules! tryop {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => return Err(e),
                }
            };
        }
        // A jump reads the thread's interrupt flag (time and memory limits, `limits.rs`):
        // one relaxed load and a branch; the rest is out of line.
        // A backward jump also counts towards the function's JIT threshold (`jit_hook`);
        // when compiled code ran from the loop header, the interpreter continues where it
        // left off.
        macro_rules! back_edge {
            ($target:expr) => {
                if vm.lim.flag.load(std::sync::atomic::Ordering::Relaxed) != 0 {
                    tryop!(vm.interrupted_at(pc));
                }
                if ($target as usize) < pc && func.jit.tick() {
                    if let Some(to) = vm.jit_event(&func, base, Some($target)) {
                        let to = tryop!(to);
                        if to == crate::vm::jit_hook::RESUME_TOP {
                            // Directly called frames were pushed above this one.
                            reload!();
                        } else {
                            pc = to as usize;
                        }
                        continue;
                    }
                }
            };
        }
        // A new frame of a function compiled whole starts in compiled code (`jit_hook`);
        // the interpreter continues where it left off (at the `Return` when it returned).
        macro_rules! start_compiled {
            () => {
                if pc == 0 && func.jit.enters_at_start() {
                    if let Some(exit) = vm.jit_enter_start(&func, base) {
                        if let Some(fault) = exit.fault {
                            return Err(fault);
                        }
                        if exit.pushed {
                            // Directly called frames were pushed above this one.
                            reload!();
                        } else {
                            pc = exit.pc as usize;
                        }
                    }
                }
            };
        }
        start_compiled!();
        loop {
            let op = &func.code[pc];
            pc += 1;
            match op {
                Op::Nop | Op::TryMarker => {}
                Op::Move { dst, src } => {
                    let v = if src.is_const() {
                        func.consts[src.index() as usize].clone()
                    } else {
                        match &vm.stack[base + src.index() as usize] {
                            Value::Ref(r) => r.borrow().clone(),
                            Value::Undef => {
                                sync_pc!();
                                tryop!(vm.warn_undefined_var(&func, src.index() as usize));
                                Value::Null
                            }
                            v => v.clone(),
                        }
                    };
                    store(&mut vm.stack[base + *dst as usize], v);
                }
                Op::AssignLocal { dst, src } => {
                    let v = if src.is_const() {
                        func.consts[src.index() as usize].clone()
                    } else if src.index() as usize >= func.local_names.len() {
                        std::mem::take(&mut vm.stack[base + src.index() as usize])
                    } else {
                        match &vm.stack[base + src.index() as usize] {
                            Value::Ref(r) => r.borrow().clone(),
                            Value::Undef => {
                                sync_pc!();
                                tryop!(vm.warn_undefined_var(&func, src.index() as usize));
                                Value::Null
                            }
                            v => v.clone(),
                        }
                    };
                    vm.write_local(base, *dst, v);
                }
                Op::FetchLocal { dst, src } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, Operand::slot(*src)));
                    store(&mut vm.stack[base + *dst as usize], v);
                }
                Op::Binary { op, dst, a, b } => {
                    let (op, dst, a, b) = (*op, *dst, *a, *b);
                    // Int/float fast paths without cloning.
                    let fast =
                        fast_binary(op, vm.stored(&func, base, a), vm.stored(&func, base, b));
                    let v = match fast {
                        Some(v) => v,
                        None => {
                            sync_pc!();
                            let va = tryop!(vm.read(&func, base, a));
                            let vb = tryop!(vm.read(&func, base, b));
                            tryop!(vm.binary_slow(op, &va, &vb))
                        }
                    };
                    store(&mut vm.stack[base + dst as usize], v);
                }
                Op::BinaryLocal { op, dst, a, b } => {
                    let (op, dst, a, b) = (*op, *dst, *a, *b);
                    let fast =
                        fast_binary(op, vm.stored(&func, base, a), vm.stored(&func, base, b));
                    let v = match fast {
                        Some(v) => v,
                        None => {
                            sync_pc!();
                            let va = tryop!(vm.read(&func, base, a));
                            let vb = tryop!(vm.read(&func, base, b));
                            tryop!(vm.binary_slow(op, &va, &vb))
                        }
                    };
                    vm.write_local(base, dst, v);
                }
                Op::Not { dst, a } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *a));
                    store(
                        &mut vm.stack[base + *dst as usize],
                        Value::Bool(!v.to_bool()),
                    );
                }
                Op::ToBool { dst, a } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *a));
                    store(
                        &mut vm.stack[base + *dst as usize],
                        Value::Bool(v.to_bool()),
                    );
                }
                Op::Neg { dst, a } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *a));
                    let r = match v {
                        Value::Int(i) if i != i64::MIN => Value::Int(-i),
                        Value::Float(f) => Value::Float(-f),
                        other => tryop!(ops::negate(vm, &other)),
                    };
                    store(&mut vm.stack[base + *dst as usize], r);
                }
                Op::Plus { dst, a } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *a));
                    let r = tryop!(ops::unary_plus(vm, &v));
                    store(&mut vm.stack[base + *dst as usize], r);
                }
                Op::BitNot { dst, a } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *a));
                    let r = match &v {
                        Value::Int(i) => Value::Int(!i),
                        _ => tryop!(ops::bit_not_with(vm, &v)),
                    };
                    store(&mut vm.stack[base + *dst as usize], r);
                }
                Op::Cast { dst, a, ty } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *a));
                    let r = tryop!(vm.cast(v, *ty));
                    store(&mut vm.stack[base + *dst as usize], r);
                }
                Op::ConcatTo { dst, a } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *a));
                    let piece = match &v {
                        Value::Str(s) => s.clone(),
                        Value::Int(i) => super::convert::int_to_str(*i),
                        other => tryop!(vm.to_php_str(other)),
                    };
                    let cell = &mut vm.stack[base + *dst as usize];
                    match cell {
                        Value::Str(s) => s.make_mut().extend_from_slice(&piece),
                        other => {
                            let mut s = other.scalar_to_str().into_vec();
                            s.extend_from_slice(&piece);
                            *other = Value::Str(PhpStr::from(s));
                        }
                    }
                    // A growing string may have passed memory_limit (`limits.rs`).
                    tryop!(vm.check_interrupt());
                }
                Op::ConcatN { dst, parts } => {
                    sync_pc!();
                    tryop!(vm.concat_n(&func, base, *dst, *parts));
                }
                Op::ConcatAssignLocal { dst, a, result } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *a));
                    let piece = match &v {
                        Value::Str(s) => s.clone(),
                        Value::Int(i) => super::convert::int_to_str(*i),
                        other => tryop!(vm.to_php_str(other)),
                    };
                    let idx = base + *dst as usize;
                    // Take the current value out so its buffer is uniquely owned when possible.
                    let cur = match &mut vm.stack[idx] {
                        Value::Ref(r) => std::mem::take(&mut *r.borrow_mut()),
                        cell => std::mem::take(cell),
                    };
                    let new = match cur {
                        Value::Str(mut s) => {
                            s.make_mut().extend_from_slice(&piece);
                            Value::Str(s)
                        }
                        Value::Undef => {
                            tryop!(vm.warn_undefined_var(&func, *dst as usize));
                            Value::Str(piece)
                        }
                        other => {
                            let mut s = tryop!(vm.to_php_str(&other)).into_vec();
                            s.extend_from_slice(&piece);
                            Value::str(s)
                        }
                    };
                    if let Some(r) = result {
                        store(&mut vm.stack[base + *r as usize], new.clone());
                    }
                    vm.write_local(base, *dst, new);
                    // A growing string may have passed memory_limit (`limits.rs`).
                    tryop!(vm.check_interrupt());
                }
                Op::IncDecLocal { slot, kind, result } => {
                    let idx = base + *slot as usize;
                    // Fast path: plain int in the slot.
                    if let Value::Int(i) = &mut vm.stack[idx] {
                        let old = *i;
                        let new = match kind {
                            PathAction::PreInc | PathAction::PostInc => old.checked_add(1),
                            _ => old.checked_sub(1),
                        };
                        if let Some(n) = new {
                            *i = n;
                            if let Some(r) = result {
                                let out = match kind {
                                    PathAction::PostInc | PathAction::PostDec => Value::Int(old),
                                    _ => Value::Int(n),
                                };
                                store(&mut vm.stack[base + *r as usize], out);
                            }
                            continue;
                        }
                    }
                    sync_pc!();
                    let cur = match &vm.stack[idx] {
                        Value::Ref(r) => r.borrow().clone(),
                        Value::Undef => {
                            tryop!(vm.warn_undefined_var(&func, *slot as usize));
                            Value::Null
                        }
                        v => v.clone(),
                    };
                    let new = match kind {
                        PathAction::PreInc | PathAction::PostInc => ops::increment(&cur),
                        _ => ops::decrement(&cur),
                    };
                    if let Some(r) = result {
                        let out = match kind {
                            PathAction::PostInc | PathAction::PostDec => cur,
                            _ => new.clone(),
                        };
                        store(&mut vm.stack[base + *r as usize], out);
                    }
                    vm.write_local(base, *slot, new);
                }
                Op::Jmp { target } => {
                    back_edge!(*target);
                    pc = *target as usize;
                }
                Op::JmpIf { cond, target } => {
                    let t = match vm.peek(&func, base, *cond) {
                        Some(Value::Bool(b)) => *b,
                        _ => {
                            sync_pc!();
                            tryop!(vm.read(&func, base, *cond)).to_bool()
                        }
                    };
                    if t {
                        back_edge!(*target);
                        pc = *target as usize;
                    }
                }
                Op::JmpIfNot { cond, target } => {
                    let t = match vm.peek(&func, base, *cond) {
                        Some(Value::Bool(b)) => *b,
                        _ => {
                            sync_pc!();
                            tryop!(vm.read(&func, base, *cond)).to_bool()
                        }
                    };
                    if !t {
                        back_edge!(*target);
                        pc = *target as usize;
                    }
                }
                Op::JmpNotNull { a, target } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *a));
                    if !v.is_null() {
                        pc = *target as usize;
                    }
                }
                Op::JmpNotLt { a, b, target }
                | Op::JmpNotLe { a, b, target }
                | Op::JmpLt { a, b, target }
                | Op::JmpLe { a, b, target } => {
                    let (le, when) = match op {
                        Op::JmpNotLt { .. } => (false, false),
                        Op::JmpNotLe { .. } => (true, false),
                        Op::JmpLt { .. } => (false, true),
                        _ => (true, true),
                    };
                    let fast = match (vm.peek(&func, base, *a), vm.peek(&func, base, *b)) {
                        (Some(Value::Int(x)), Some(Value::Int(y))) => {
                            Some(if le { x <= y } else { x < y })
                        }
                        (Some(Value::Float(x)), Some(Value::Float(y))) => {
                            Some(if le { x <= y } else { x < y })
                        }
                        (Some(Value::Int(x)), Some(Value::Float(y))) => {
                            let x = *x as f64;
                            Some(if le { x <= *y } else { x < *y })
                        }
                        (Some(Value::Float(x)), Some(Value::Int(y))) => {
                            let y = *y as f64;
                            Some(if le { *x <= y } else { *x < y })
                        }
                        _ => None,
                    };
                    let holds = match fast {
                        Some(h) => h,
                        None => {
                            sync_pc!();
                            let va = tryop!(vm.read(&func, base, *a));
                            let vb = tryop!(vm.read(&func, base, *b));
                            let op = if le { BinOp::Le } else { BinOp::Lt };
                            tryop!(vm.binary_slow(op, &va, &vb)).to_bool()
                        }
                    };
                    if holds == when {
                        back_edge!(*target);
                        pc = *target as usize;
                    }
                }
                Op::Echo { a } => {
                    sync_pc!();
                    if super::object::destructs_pending() {
                        tryop!(vm.run_pending_destructors());
                    }
                    let v = tryop!(vm.read(&func, base, *a));
                    match &v {
                        Value::Str(s) => vm.out.write(s),
                        Value::Int(i) => vm.out.write(i.to_string().as_bytes()),
                        other => {
                            let s = tryop!(vm.to_php_str(other));
                            vm.out.write(&s);
                        }
                    }
                    if vm.out.origin_pending {
                        vm.note_output_origin();
                    }
                }
                Op::PathOp {
                    path,
                    action,
                    val,
                    dst,
                } => {
                    sync_pc!();
                    let val = match val {
                        Some(v) if *action == PathAction::AssignRef => {
                            // The operand holds a Value::Ref: read it raw. A call that
                            // returned by value gets a fresh reference, with PHP's notice.
                            match vm.raw(&func, base, *v) {
                                Value::Ref(r) => Some(Value::Ref(r)),
                                other => {
                                    tryop!(vm.raise(
                                        ErrorLevel::Notice,
                                        "Only variables should be assigned by reference"
                                    ));
                                    Some(other)
                                }
                            }
                        }
                        Some(v) => Some(tryop!(vm.read(&func, base, *v))),
                        None => None,
                    };
                    let r = tryop!(vm.path_op(&func, base, *path, *action, val));
                    if let Some(d) = dst {
                        store(&mut vm.stack[base + *d as usize], r);
                    }
                }
                Op::PropGet { dst, obj, site } => {
                    let v = match vm.prop_get_cached(&func, base, *obj, *site) {
                        Some(v) => v,
                        None => {
                            sync_pc!();
                            tryop!(vm.prop_get_slow(&func, base, *obj, *site))
                        }
                    };
                    store(&mut vm.stack[base + *dst as usize], v);
                }
                Op::PropSet {
                    obj,
                    site,
                    action,
                    val,
                    dst,
                } => {
                    sync_pc!();
                    let val = match val {
                        Some(v) => Some(tryop!(vm.read(&func, base, *v))),
                        None => None,
                    };
                    let r =
                        match vm.prop_set_cached(&func, base, *obj, *site, *action, val.as_ref()) {
                            Some(r) => r,
                            None => {
                                tryop!(vm.prop_set_slow(&func, base, *obj, *site, *action, val))
                            }
                        };
                    if let Some(d) = dst {
                        store(&mut vm.stack[base + *d as usize], r);
                    }
                }
                Op::FetchDim { dst, base: b, key } => {
                    sync_pc!();
                    let container = tryop!(vm.read(&func, base, *b));
                    let key = tryop!(vm.read(&func, base, *key));
                    let v = tryop!(vm.fetch_dim_value(&container, &key, false));
                    store(&mut vm.stack[base + *dst as usize], v);
                }
                Op::FetchListItem { dst, base: b, key } => {
                    sync_pc!();
                    let container = tryop!(vm.read(&func, base, *b));
                    let v = match &container {
                        Value::Array(_) | Value::Object(_) => {
                            let key = tryop!(vm.read(&func, base, *key));
                            tryop!(vm.fetch_dim_value(&container, &key, false))
                        }
                        _ => Value::Null,
                    };
                    store(&mut vm.stack[base + *dst as usize], v);
                }
                Op::FetchProp {
                    dst,
                    obj,
                    name,
                    nullsafe,
                } => {
                    sync_pc!();
                    // A temporary object (`(new D)->prop`) is freed by the fetch, as in PHP.
                    let o = tryop!(vm.consume(&func, base, *obj));
                    let name = tryop!(vm.read(&func, base, *name));
                    let v = if *nullsafe && o.is_null() {
                        Value::Null
                    } else {
                        tryop!(vm.fetch_prop_value(&o, &name, false))
                    };
                    store(&mut vm.stack[base + *dst as usize], v);
                }
                Op::NewArray { dst, cap } => {
                    let arr = if *cap == 0 {
                        PhpArray::empty_literal()
                    } else {
                        PhpArray::with_capacity(*cap as usize)
                    };
                    store(&mut vm.stack[base + *dst as usize], Value::array(arr));
                }
                Op::ArrayPush { arr, val } => {
                    sync_pc!();
                    let v = tryop!(vm.consume(&func, base, *val));
                    if let Value::Array(a) = &mut vm.stack[base + *arr as usize] {
                        if !Rc::make_mut(a).push(v) {
                            tryop!(Err(Fault::error(
                                "Error",
                                "Cannot add element to the array as the next element is already occupied"
                            )));
                        }
                    }
                }
                Op::ArraySet { arr, key, val } => {
                    sync_pc!();
                    let k = tryop!(vm.read(&func, base, *key));
                    let v = tryop!(vm.consume(&func, base, *val));
                    let k = tryop!(vm.to_array_key(&k));
                    if let Value::Array(a) = &mut vm.stack[base + *arr as usize] {
                        Rc::make_mut(a).insert(k, v);
                    }
                }
                Op::ArraySetRef { arr, key, val } => {
                    sync_pc!();
                    let r = vm.raw(&func, base, *val);
                    let k = match key {
                        Some(k) => {
                            let k = tryop!(vm.read(&func, base, *k));
                            Some(tryop!(vm.to_array_key(&k)))
                        }
                        None => None,
                    };
                    if let Value::Array(a) = &mut vm.stack[base + *arr as usize] {
                        let a = Rc::make_mut(a);
                        match k {
                            Some(k) => a.insert(k, r),
                            None => {
                                a.push(r);
                            }
                        }
                    }
                }
                Op::ArraySpread { arr, src } => {
                    sync_pc!();
                    let s = tryop!(vm.read(&func, base, *src));
                    tryop!(vm.array_spread(base, *arr, s));
                }
                Op::BindGlobal { slot, name } => {
                    sync_pc!();
                    let name = tryop!(vm.read(&func, base, *name));
                    let r = vm.global_ref(&name.scalar_to_str());
                    store(&mut vm.stack[base + *slot as usize], Value::Ref(r));
                }
                Op::BindStatic { slot, idx, init } => {
                    sync_pc!();
                    let key = vm.static_key(&func, *idx);
                    let r = match vm.statics.get(&key) {
                        Some(r) => r.clone(),
                        None => {
                            let v = match init {
                                Some(i) => tryop!(vm.read(&func, base, *i)),
                                None => Value::Null,
                            };
                            let r = Value::new_ref(v);
                            vm.statics.insert(key, r.clone());
                            r
                        }
                    };
                    store(&mut vm.stack[base + *slot as usize], Value::Ref(r));
                }
                Op::JmpStaticInit { idx, target } => {
                    let key = vm.static_key(&func, *idx);
                    if vm.statics.contains_key(&key) {
                        pc = *target as usize;
                    }
                }
                Op::UnsetLocal { slot } => {
                    store(&mut vm.stack[base + *slot as usize], Value::Undef);
                }
                Op::IssetLocal { dst, slot } => {
                    let set = match &vm.stack[base + *slot as usize] {
                        Value::Ref(r) => !r.borrow().is_null(),
                        v => !v.is_null(),
                    };
                    store(&mut vm.stack[base + *dst as usize], Value::Bool(set));
                }
                Op::LoadSpecial { dst, what } => {
                    sync_pc!();
                    let v = tryop!(vm.load_special(*what));
                    store(&mut vm.stack[base + *dst as usize], v);
                }
                Op::FetchConst {
                    dst,
                    name,
                    fallback,
                } => {
                    sync_pc!();
                    let v = tryop!(vm.fetch_const(&func, *name, *fallback));
                    store(&mut vm.stack[base + *dst as usize], v);
                }
                Op::FetchClassConst { dst, class, name } => {
                    sync_pc!();
                    let v = tryop!(vm.fetch_class_const(&func, base, *class, *name));
                    store(&mut vm.stack[base + *dst as usize], v);
                }
                Op::ClassName { dst, class } => {
                    sync_pc!();
                    tryop!(vm.check_class_name_scope(*class));
                    let c = tryop!(vm.resolve_class_operand(&func, base, *class));
                    store(
                        &mut vm.stack[base + *dst as usize],
                        Value::Str(c.name.clone()),
                    );
                }
                Op::DeclareConst { name, val } => {
                    sync_pc!();
                    let n = tryop!(vm.read(&func, base, *name)).scalar_to_str();
                    let v = tryop!(vm.read(&func, base, *val));
                    tryop!(vm.define_constant(n, v));
                }
                Op::DeclareFunction { idx } => {
                    sync_pc!();
                    let unit = tryop!(vm.unit_of(&func));
                    tryop!(vm.declare_function(unit.functions[*idx as usize].clone()));
                }
                Op::DeclareClass { idx } => {
                    sync_pc!();
                    let unit = tryop!(vm.unit_of(&func));
                    let def = unit.classes[*idx as usize].clone();
                    let lc = PhpStr::from(def.name.to_ascii_lowercase());
                    // Hoisted classes are already declared.
                    let already = vm
                        .classes
                        .get(&lc)
                        .is_some_and(|c| class::is_from_def(c, &def));
                    if !already {
                        tryop!(vm.declare_class(def, &unit));
                    }
                }
                Op::MakeClosure { dst, func: idx } => {
                    sync_pc!();
                    let v = tryop!(vm.make_closure(&func, base, *idx));
                    store(&mut vm.stack[base + *dst as usize], v);
                }
                Op::InitFCall {
                    name,
                    fallback,
                    n_args,
                } => {
                    sync_pc!();
                    tryop!(vm.init_fcall(&func, *name, *fallback, *n_args));
                }
                Op::InitDynCall { callee, n_args } => {
                    sync_pc!();
                    let c = tryop!(vm.read(&func, base, *callee));
                    tryop!(vm.init_dyncall(&c, *n_args));
                }
                Op::InitMethodCall {
                    obj,
                    name,
                    nullsafe,
                    n_args: _,
                } => {
                    sync_pc!();
                    // A temporary receiver (`(new D)->m()`, `f()->m()`) is moved into the
                    // call, so the object dies when the call returns, as in PHP.
                    let o = tryop!(vm.consume(&func, base, *obj));
                    // A constant name is the call site's cache key (`method_cache`).
                    let site = match name.is_const() {
                        true => match &func.consts[name.index() as usize] {
                            Value::Str(s) => s.as_bytes().as_ptr() as usize,
                            _ => 0,
                        },
                        false => 0,
                    };
                    let o = if site != 0 {
                        match tryop!(vm.init_method_cached(o, site)) {
                            Ok(()) => continue,
                            Err(o) => o,
                        }
                    } else {
                        o
                    };
                    let n = tryop!(vm.read(&func, base, *name));
                    tryop!(vm.init_method_call(o, n, *nullsafe, site));
                }
                Op::InitStaticCall {
                    class,
                    name,
                    n_args,
                } => {
                    sync_pc!();
                    tryop!(vm.init_static_call(&func, base, *class, *name, *n_args));
                }
                Op::InitNew { dst, class, n_args } => {
                    sync_pc!();
                    let obj = tryop!(vm.init_new(&func, base, *class, *n_args));
                    store(&mut vm.stack[base + *dst as usize], Value::Object(obj));
                }
                Op::SendVal { val } => {
                    sync_pc!();
                    // A temporary is consumed by the call (PHP's SEND_VAL moves TMPs), so an
                    // object passed as `f(new X)` dies when the call is done, as in PHP.
                    let v = if !val.is_const() && val.index() as usize >= func.local_names.len() {
                        std::mem::take(&mut vm.stack[base + val.index() as usize])
                    } else {
                        tryop!(vm.read(&func, base, *val))
                    };
                    tryop!(vm.send_value(v));
                }
                Op::SendVar { val, notice } => {
                    sync_pc!();
                    let v = if !val.is_const() && val.index() as usize >= func.local_names.len() {
                        std::mem::take(&mut vm.stack[base + val.index() as usize])
                    } else {
                        vm.raw(&func, base, *val)
                    };
                    tryop!(vm.send_var(v, *notice));
                }
                Op::SendPath { path } => {
                    if let Some(v) = vm.send_local_fast(&func, base, *path) {
                        vm.args.push(v);
                        continue;
                    }
                    sync_pc!();
                    tryop!(vm.send_path(&func, base, *path, None));
                }
                Op::SendUnpack { val } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *val));
                    tryop!(vm.send_unpack(v));
                }
                Op::SendNamed { name, val } => {
                    sync_pc!();
                    let n = tryop!(vm.read(&func, base, *name)).scalar_to_str();
                    let v = tryop!(vm.read(&func, base, *val));
                    tryop!(vm.send_named(n, v));
                }
                Op::SendNamedPath { name, path } => {
                    sync_pc!();
                    let n = tryop!(vm.read(&func, base, *name)).scalar_to_str();
                    tryop!(vm.send_path(&func, base, *path, Some(n)));
                }
                Op::DoCall { dst } => {
                    sync_pc!();
                    if super::object::destructs_pending() {
                        tryop!(vm.run_pending_destructors());
                    }
                    match tryop!(vm.do_call(*dst)) {
                        call::Called::Done(v) => {
                            if let Some(d) = dst {
                                store(&mut vm.stack[base + *d as usize], v);
                            }
                        }
                        call::Called::Pushed => {
                            reload!();
                            start_compiled!();
                        }
                    }
                }
                Op::CallBuiltin { dst, builtin, args } => {
                    sync_pc!();
                    if super::object::destructs_pending() {
                        tryop!(vm.run_pending_destructors());
                    }
                    let v = tryop!(vm.call_builtin_op(&func, base, *builtin, *args));
                    if let Some(d) = dst {
                        // A local when the compiler fused `$x = f(...)`: written through
                        // its reference. A temporary is overwritten as it is.
                        if (*d as usize) < func.local_names.len() {
                            vm.write_local(base, *d, v);
                        } else {
                            store(&mut vm.stack[base + *d as usize], v);
                        }
                    }
                }
                Op::CallableFromPending { dst } => {
                    sync_pc!();
                    let v = tryop!(vm.callable_from_pending());
                    store(&mut vm.stack[base + *dst as usize], v);
                }
                Op::Return { val } => {
                    sync_pc!();
                    let v = match val {
                        // A temporary is consumed (the frame ends or runs a `finally` that
                        // cannot name it): moved out, not cloned.
                        Some(v)
                            if !v.is_const() && v.index() as usize >= func.local_names.len() =>
                        {
                            match std::mem::take(&mut vm.stack[base + v.index() as usize]) {
                                Value::Undef => Value::Null,
                                Value::Ref(r) => r.borrow().clone(),
                                v => v,
                            }
                        }
                        Some(v) => tryop!(vm.read(&func, base, *v)),
                        // Falling off the end of a file's top-level code: `include`
                        // evaluates to 1.
                        None if func.name.is_empty() && pc == func.code.len() => Value::Int(1),
                        None => Value::Null,
                    };
                    if func.tries.is_empty() {
                        // No `finally` can intervene.
                    } else if let Some(target) = vm.finally_for_return(&func, pc - 1) {
                        let f = vm.frames.last_mut().expect("frame");
                        f.ext_mut().finally_stack.push(FinallyAction::Return(v));
                        pc = target as usize;
                        continue;
                    }
                    if vm.frames.len() == 1 {
                        vm.save_globals();
                    }
                    match vm.return_from_frame(v) {
                        Some(v) => return Ok(v),
                        None => {
                            reload!();
                            if super::object::destructs_pending() {
                                tryop!(vm.run_pending_destructors());
                            }
                        }
                    }
                }
                Op::ReturnRef { val } => {
                    sync_pc!();
                    let v = match vm.raw(&func, base, *val) {
                        Value::Ref(r) => Value::Ref(r),
                        v => {
                            tryop!(vm.raise(
                                ErrorLevel::Notice,
                                "Only variable references should be returned by reference"
                            ));
                            Value::Ref(Value::new_ref(v.undef_to_null()))
                        }
                    };
                    match vm.return_from_frame(v) {
                        Some(v) => return Ok(v),
                        None => reload!(),
                    }
                }
                Op::JmpIfArgPassed { idx, target } => {
                    let f = vm.frames.last().expect("frame");
                    if (*idx as usize) < f.n_args
                        && !matches!(vm.stack[base + *idx as usize], Value::Undef)
                    {
                        pc = *target as usize;
                    }
                }
                Op::VerifyParam { idx } => {
                    let ok = match &func.params[*idx as usize].ty {
                        Some(ty) => quick_accepts(ty, &vm.stack[base + *idx as usize]),
                        None => true,
                    };
                    if !ok {
                        sync_pc!();
                        tryop!(vm.verify_param(&func, base, *idx));
                    }
                }
                Op::PromoteParams => {
                    sync_pc!();
                    tryop!(vm.promote_params(&func, base));
                }
                Op::VerifyReturn { val } => {
                    let ok = match &func.return_type {
                        Some(ty) => quick_accepts(ty, &vm.stack[base + *val as usize]),
                        None => true,
                    };
                    if !ok {
                        sync_pc!();
                        tryop!(vm.verify_return(&func, base, *val));
                    }
                }
                Op::VerifyNoReturn => {
                    sync_pc!();
                    tryop!(Err(vm.none_returned(&func)));
                }
                Op::IterInit {
                    iter,
                    subject,
                    by_ref_path,
                    end,
                } => {
                    sync_pc!();
                    let empty = tryop!(vm.iter_init(&func, base, *iter, *subject, *by_ref_path));
                    if empty {
                        pc = *end as usize;
                    }
                }
                Op::IterNext {
                    iter,
                    val,
                    key,
                    by_ref,
                    end,
                } => {
                    sync_pc!();
                    let more = tryop!(vm.iter_next(&func, base, *iter, *val, *key, *by_ref));
                    if !more {
                        pc = *end as usize;
                    }
                }
                Op::IterFree { iter } => {
                    vm.iter_free(base, *iter);
                }
                Op::Throw { val } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *val));
                    tryop!(vm.throw_value(v));
                }
                Op::Catch { dst } => {
                    let exc = vm.caught.take().unwrap_or(Value::Null);
                    if let Some(d) = dst {
                        vm.write_local(base, *d, exc);
                    }
                }
                Op::EndFinally => {
                    sync_pc!();
                    let action = vm
                        .frames
                        .last_mut()
                        .and_then(|f| f.ext.as_mut().and_then(|e| e.finally_stack.pop()))
                        .unwrap_or(FinallyAction::Normal);
                    match action {
                        FinallyAction::Normal => {}
                        FinallyAction::Jump(t) => {
                            back_edge!(t);
                            pc = t as usize;
                        }
                        FinallyAction::Rethrow(e) => tryop!(Err(Fault::Throw(e))),
                        FinallyAction::Return(v) => {
                            if func.tries.is_empty() {
                                // No `finally` can intervene.
                            } else if let Some(target) = vm.finally_for_return(&func, pc - 1) {
                                let f = vm.frames.last_mut().expect("frame");
                                f.ext_mut().finally_stack.push(FinallyAction::Return(v));
                                pc = target as usize;
                                continue;
                            }
                            match vm.return_from_frame(v) {
                                Some(v) => return Ok(v),
                                None => reload!(),
                            }
                        }
                    }
                }
                Op::JmpThroughFinally { target } => {
                    match vm.finally_for_jump(&func, pc - 1, *target) {
                        Some(fin) => {
                            let f = vm.frames.last_mut().expect("frame");
                            f.ext_mut().finally_stack.push(FinallyAction::Jump(*target));
                            pc = fin as usize;
                        }
                        None => pc = *target as usize,
                    }
                }
                Op::Include { dst, path, kind } => {
                    sync_pc!();
                    let p = tryop!(vm.read(&func, base, *path));
                    match tryop!(vm.include(&func, base, p, *kind, *dst)) {
                        call::Called::Done(v) => {
                            store(&mut vm.stack[base + *dst as usize], v);
                        }
                        call::Called::Pushed => reload!(),
                    }
                }
                Op::Eval { dst, code } => {
                    sync_pc!();
                    let c = tryop!(vm.read(&func, base, *code));
                    match tryop!(vm.eval(&func, base, c, *dst)) {
                        call::Called::Done(v) => {
                            store(&mut vm.stack[base + *dst as usize], v);
                        }
                        call::Called::Pushed => reload!(),
                    }
                }
                Op::Exit { val } => {
                    sync_pc!();
                    let status = match val {
                        Some(v) => match tryop!(vm.read(&func, base, *v)) {
                            Value::Int(i) => i as i32,
                            other => {
                                let s = tryop!(vm.to_php_str(&other));
                                vm.out.write(&s);
                                0
                            }
                        },
                        None => 0,
                    };
                    return Err(Fault::Exit(status));
                }
                Op::Clone { dst, val } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *val));
                    let c = tryop!(vm.clone_object(v));
                    store(&mut vm.stack[base + *dst as usize], c);
                }
                Op::InstanceOf { dst, val, class } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *val));
                    let r = tryop!(vm.instance_of(&func, base, &v, *class));
                    store(&mut vm.stack[base + *dst as usize], Value::Bool(r));
                }
                Op::BeginSilence { slot } => {
                    store(
                        &mut vm.stack[base + *slot as usize],
                        Value::Int(i64::from(vm.silence)),
                    );
                    vm.silence += 1;
                }
                Op::EndSilence { slot } => {
                    if let Value::Int(level) = vm.stack[base + *slot as usize] {
                        vm.silence = level as u32;
                    }
                }
                Op::Yield { dst, key, val } => {
                    sync_pc!();
                    let k = match key {
                        Some(k) => Some(tryop!(vm.read(&func, base, *k))),
                        None => None,
                    };
                    let v = match val {
                        Some(v) => tryop!(vm.read(&func, base, *v)),
                        None => Value::Null,
                    };
                    vm.pending_yield = Some(generator::YieldInfo {
                        key: k,
                        value: v,
                        dst: *dst,
                    });
                    return Ok(Value::Null);
                }
                Op::YieldFrom { dst, src } => {
                    sync_pc!();
                    let s = tryop!(vm.read(&func, base, *src));
                    match tryop!(vm.yield_from_step(s)) {
                        Some(result) => {
                            if let Some(d) = dst {
                                store(&mut vm.stack[base + *d as usize], result);
                            }
                        }
                        None => {
                            // Suspend here and run this instruction again on resume.
                            pc -= 1;
                            sync_pc!();
                            return Ok(Value::Null);
                        }
                    }
                }
                Op::MatchError { val } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *val));
                    let desc = vm.match_error_text(&v);
                    tryop!(Err(Fault::error("UnhandledMatchError", desc)));
                }
                Op::Switch {
                    subject,
                    table,
                    default,
                    strict,
                } => {
                    sync_pc!();
                    let v = tryop!(vm.read(&func, base, *subject));
                    let mut target = *default;
                    for (case, label) in &func.switch_tables[*table as usize] {
                        let hit = if *strict {
                            ops::strict_eq(&v, case)
                        } else {
                            tryop!(ops::loose_eq(vm, &v, case))
                        };
                        if hit {
                            target = *label;
                            break;
                        }
                    }
                    pc = target as usize;
                }
                Op::FetchVarVar { dst, name, quiet } => {
                    sync_pc!();
                    let n = tryop!(vm.read(&func, base, *name));
                    let n = tryop!(vm.to_php_str(&n));
                    let v = tryop!(vm.fetch_var_by_name(&func, base, &n, *quiet));
                    store(&mut vm.stack[base + *dst as usize], v);
                }
                Op::CallIntrinsic {
                    dst,
                    which,
                    args,
                    n,
                } => {
                    sync_pc!();
                    let v = tryop!(vm.call_intrinsic(&func, base, *which, *args, *n));
                    if let Some(d) = dst {
                        store(&mut vm.stack[base + *d as usize], v);
                    }
                }
            }
        }
    }

    /// A non-cloning look at an operand's stored value (`None` for references and unset
    /// locals, which need the slow path).
    #[inline]
    fn peek<'a>(&'a self, func: &'a Func, base: usize, op: Operand) -> Option<&'a Value> {
        match self.stored(func, base, op) {
            Value::Ref(_) | Value::Undef => None,
            v => Some(v),
        }
    }

    /// Where an operand's value is stored: a constant or a register, as is (references
    /// and unset locals included).
    #[inline(always)]
    fn stored<'a>(&'a self, func: &'a Func, base: usize, op: Operand) -> &'a Value {
        if op.is_const() {
            &func.consts[op.index() as usize]
        } else {
            &self.stack[base + op.index() as usize]
        }
    }

    /// The operand's stored value without dereferencing (to pass references around).
    pub(crate) fn raw(&self, func: &Func, base: usize, op: Operand) -> Value {
        self.stored(func, base, op).clone()
    }

    /// Binary operators beyond the fast paths.
    pub(crate) fn binary_slow(&mut self, op: BinOp, a: &Value, b: &Value) -> PhpResult<Value> {
        use std::cmp::Ordering;
        Ok(match op {
            BinOp::Eq => Value::Bool(self.loose_eq(a, b)?),
            BinOp::NotEq => Value::Bool(!self.loose_eq(a, b)?),
            BinOp::Identical => Value::Bool(ops::strict_eq(a, b)),
            BinOp::NotIdentical => Value::Bool(!ops::strict_eq(a, b)),
            BinOp::Lt => Value::Bool(self.less(a, b, false)?),
            BinOp::Le => Value::Bool(self.less(a, b, true)?),
            BinOp::Gt => Value::Bool(self.less(b, a, false)?),
            BinOp::Ge => Value::Bool(self.less(b, a, true)?),
            BinOp::Spaceship => Value::Int(match ops::compare(self, a, b)? {
                Ordering::Less => -1,
                Ordering::Equal => 0,
                Ordering::Greater => 1,
            }),
            BinOp::Concat => {
                let mut s = self.to_php_str(a)?.into_vec();
                s.extend_from_slice(&self.to_php_str(b)?);
                Value::str(s)
            }
            _ => ops::binary_op(self, op, a, b)?,
        })
    }

    fn loose_eq(&mut self, a: &Value, b: &Value) -> PhpResult<bool> {
        match (a, b) {
            (Value::Float(x), Value::Float(y)) => Ok(x == y),
            _ => ops::loose_eq(self, a, b),
        }
    }

    /// `a < b` (or `a <= b`) with PHP's rules; float comparisons are native so NaN
    /// compares false.
    fn less(&mut self, a: &Value, b: &Value, or_equal: bool) -> PhpResult<bool> {
        use std::cmp::Ordering;
        let floats = match (a, b) {
            (Value::Float(x), Value::Float(y)) => Some((*x, *y)),
            (Value::Int(x), Value::Float(y)) => Some((*x as f64, *y)),
            (Value::Float(x), Value::Int(y)) => Some((*x, *y as f64)),
            _ => None,
        };
        if let Some((x, y)) = floats {
            return Ok(if or_equal { x <= y } else { x < y });
        }
        let ord = ops::compare(self, a, b)?;
        Ok(match ord {
            Ordering::Less => true,
            Ordering::Equal => or_equal,
            Ordering::Greater => false,
        })
    }

    /// Converts any value to a string (objects via `__toString`, arrays warn).
    pub(crate) fn to_php_str(&mut self, v: &Value) -> PhpResult<PhpStr> {
        match v {
            Value::Str(s) => Ok(s.clone()),
            Value::Array(_) => {
                self.raise(ErrorLevel::Warning, "Array to string conversion")?;
                Ok(PhpStr::from("Array"))
            }
            Value::Object(o) => self.object_to_string(o),
            Value::Ref(r) => {
                let inner = r.borrow().clone();
                self.to_php_str(&inner)
            }
            other => Ok(other.scalar_to_str()),
        }
    }

    /// Converts a value to an array key with PHP's rules and warnings.
    pub(crate) fn to_array_key(&mut self, k: &Value) -> PhpResult<ArrayKey> {
        Ok(match k {
            Value::Int(i) => ArrayKey::Int(*i),
            Value::Str(s) => ArrayKey::from_str(s.clone()),
            Value::Bool(b) => ArrayKey::Int(i64::from(*b)),
            Value::Null | Value::Undef => ArrayKey::Str(PhpStr::new()),
            Value::Float(f) => {
                let i = super::convert::float_to_int(*f);
                if f.is_finite() && (i as f64) != *f {
                    let msg = format!(
                        "Implicit conversion from float {} to int loses precision",
                        String::from_utf8_lossy(&super::convert::float_to_repr(*f))
                    );
                    self.raise(ErrorLevel::Deprecated, &msg)?;
                }
                ArrayKey::Int(i)
            }
            Value::Ref(r) => {
                let inner = r.borrow().clone();
                return self.to_array_key(&inner);
            }
            Value::Array(_) => return Err(Fault::type_error("Illegal offset type")),
            Value::Object(_) => return Err(Fault::type_error("Illegal offset type")),
        })
    }

    fn cast(&mut self, v: Value, ty: super::ast::CastType) -> PhpResult<Value> {
        use super::ast::CastType;
        Ok(match ty {
            CastType::Int => match &v {
                // A resource casts to its number (builtins/file/stream.rs).
                Value::Object(_) if super::builtins::file::stream::resource_info(&v).is_some() => {
                    Value::Int(super::builtins::file::stream::resource_info(&v).map_or(0, |r| r.0))
                }
                Value::Object(o) => {
                    let msg = format!(
                        "Object of class {} could not be converted to int",
                        o.class_display_name()
                    );
                    self.raise(ErrorLevel::Warning, &msg)?;
                    Value::Int(1)
                }
                _ => Value::Int(v.to_int()),
            },
            CastType::Float => match &v {
                Value::Object(_) if super::builtins::file::stream::resource_info(&v).is_some() => {
                    Value::Float(
                        super::builtins::file::stream::resource_info(&v).map_or(0, |r| r.0) as f64,
                    )
                }
                Value::Object(o) => {
                    let msg = format!(
                        "Object of class {} could not be converted to float",
                        o.class_display_name()
                    );
                    self.raise(ErrorLevel::Warning, &msg)?;
                    Value::Float(1.0)
                }
                _ => Value::Float(v.to_float()),
            },
            CastType::String => Value::Str(self.to_php_str(&v)?),
            CastType::Bool => Value::Bool(v.to_bool()),
            CastType::Array => match v {
                Value::Array(_) => v,
                Value::Null | Value::Undef => Value::empty_array(),
                Value::Object(o) => Value::array(self.object_to_array(&o)),
                other => Value::array(PhpArray::from_values(vec![other])),
            },
            CastType::Object => match v {
                Value::Object(_) => v,
                Value::Array(a) => {
                    let props = PhpArray::from_entries(a.iter().map(|(k, v)| {
                        (
                            ArrayKey::Str(match &k {
                                ArrayKey::Int(i) => PhpStr::from(i.to_string()),
                                ArrayKey::Str(s) => s.clone(),
                            }),
                            v.clone(),
                        )
                    }));
                    Value::Object(self.new_std_object(props))
                }
                Value::Null | Value::Undef => Value::Object(self.new_std_object(PhpArray::new())),
                other => {
                    let mut props = PhpArray::new();
                    props.insert(ArrayKey::Str(PhpStr::from("scalar")), other);
                    Value::Object(self.new_std_object(props))
                }
            },
            CastType::Unset => Value::Null,
        })
    }

    fn match_error_text(&mut self, v: &Value) -> String {
        match v {
            Value::Str(s) => {
                let mut out = String::from("Unhandled match case ");
                out.push_str(&String::from_utf8_lossy(&export_string(s)));
                out
            }
            Value::Int(i) => format!("Unhandled match case {i}"),
            Value::Float(f) => format!(
                "Unhandled match case {}",
                String::from_utf8_lossy(&super::convert::float_to_repr(*f))
            ),
            Value::Bool(b) => format!("Unhandled match case {}", if *b { "true" } else { "false" }),
            Value::Null | Value::Undef => "Unhandled match case NULL".to_string(),
            _ => format!("Unhandled match case of type {}", v.type_name()),
        }
    }

    fn static_key(&self, func: &Func, idx: u32) -> (u64, u32) {
        // Closures share the statics of their function; methods inherited by subclasses
        // have their own copy in PHP 8.1+... we key by function id.
        (func.id, idx)
    }

    pub(crate) fn unit_of(&self, func: &Func) -> PhpResult<Rc<Unit>> {
        self.included
            .get(&func.file)
            .cloned()
            .ok_or_else(|| Fault::fatal("internal error: unit not loaded"))
    }

    /// Defines a global constant (`define`/`const`).
    pub(crate) fn define_constant(&mut self, name: PhpStr, v: Value) -> PhpResult<bool> {
        if self.constants.contains_key(&name) {
            let msg = format!("Constant {} already defined", name.to_string_lossy());
            self.raise(ErrorLevel::Warning, &msg)?;
            return Ok(false);
        }
        self.constants.insert(name, v);
        Ok(true)
    }

    fn fetch_const(
        &mut self,
        func: &Func,
        name: Operand,
        fallback: Option<Operand>,
    ) -> PhpResult<Value> {
        let n = func.consts[name.index() as usize].scalar_to_str();
        if self.const_cache_len != self.constants.len() {
            self.const_cache.clear();
            self.const_cache_len = self.constants.len();
        }
        if let Some((v, via_fallback)) = self.const_cache.get(&n) {
            if !via_fallback || fallback.is_some() {
                return Ok(v.clone());
            }
        }
        if let Some(v) = self.user_constant(&n) {
            return Ok(v);
        }
        if let Some(v) = self.engine_constant(&n) {
            self.const_cache.insert(n, (v.clone(), false));
            return Ok(v);
        }
        if let Some(fb) = fallback {
            let f = func.consts[fb.index() as usize].scalar_to_str();
            if let Some(v) = self.user_constant(&f) {
                return Ok(v);
            }
            if let Some(v) = self.engine_constant(&f) {
                self.const_cache.insert(n, (v.clone(), true));
                return Ok(v);
            }
            return Err(Fault::error(
                "Error",
                format!("Undefined constant \"{}\"", n.to_string_lossy()),
            ));
        }
        Err(Fault::error(
            "Error",
            format!("Undefined constant \"{}\"", n.to_string_lossy()),
        ))
    }

    pub(crate) fn lookup_constant(&self, name: &[u8]) -> Option<Value> {
        self.user_constant(name)
            .or_else(|| self.engine_constant(name))
    }

    /// A constant `define`d (or declared with `const`) in this request.
    fn user_constant(&self, name: &[u8]) -> Option<Value> {
        let name = name.strip_prefix(b"\\").unwrap_or(name);
        self.constants.get(name).cloned()
    }

    /// A constant of the engine itself (its value never changes within a request).
    fn engine_constant(&self, name: &[u8]) -> Option<Value> {
        let name = name.strip_prefix(b"\\").unwrap_or(name);
        if name.eq_ignore_ascii_case(b"true") {
            return Some(Value::Bool(true));
        }
        if name.eq_ignore_ascii_case(b"false") {
            return Some(Value::Bool(false));
        }
        if name.eq_ignore_ascii_case(b"null") {
            return Some(Value::Null);
        }
        if name == b"PHP_SAPI" {
            return Some(Value::str(self.sapi));
        }
        core_constant(name).or_else(|| super::builtins::constant(name))
    }
}

/// The exact-type check of the commonest declarations (a single scalar or array type),
/// inlined into the dispatch loop; `false` means "ask the full check" (which also handles
/// classes, unions and coercion), never "rejected".
#[inline(always)]
fn quick_accepts(ty: &super::coerce::TypeSpec, v: &Value) -> bool {
    use super::coerce::{SimpleType, TypeMember};
    matches!(
        (ty.members.as_slice(), v),
        ([TypeMember::Simple(SimpleType::Int)], Value::Int(_))
            | ([TypeMember::Simple(SimpleType::Float)], Value::Float(_))
            | ([TypeMember::Simple(SimpleType::String)], Value::Str(_))
            | ([TypeMember::Simple(SimpleType::Bool)], Value::Bool(_))
            | ([TypeMember::Simple(SimpleType::Array)], Value::Array(_))
            | ([TypeMember::Simple(SimpleType::Mixed)], _)
    ) && !matches!(v, Value::Undef)
        || matches!(
            (ty.members.as_slice(), v),
            ([TypeMember::Simple(SimpleType::Class(c))], Value::Object(o))
                if o.borrow().class.lc_name.eq_ignore_ascii_case(c)
        )
}

/// Drops the values above `base` (arguments a call has bound). Scalars, the usual
/// contents, need no destructor, so only values on the heap run one (`Vec::truncate`
/// would call the out-of-line `Value` destructor for each).
#[inline]
pub(crate) fn truncate_regs(stack: &mut Vec<Value>, base: usize) {
    while stack.len() > base {
        match stack.pop() {
            Some(
                v @ (Value::Undef | Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_)),
            ) => {
                std::mem::forget(v);
            }
            other => drop(other),
        }
    }
}

/// Stores `v` into a register cell. Overwriting a scalar needs no destructor, so the
/// out-of-line `drop_in_place` call is only made when the old value owns heap data (the
/// common register write in arithmetic loops replaces an int or float).
#[inline(always)]
pub(crate) fn store(cell: &mut Value, v: Value) {
    match cell {
        Value::Undef | Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
            std::mem::forget(std::mem::replace(cell, v));
        }
        _ => *cell = v,
    }
}

impl Frame {
    /// The frame's rarely used state, created on first use.
    pub(crate) fn ext_mut(&mut self) -> &mut FrameExt {
        self.ext.get_or_insert_with(Default::default)
    }

    pub(crate) fn new(func: Rc<Func>, base: usize, stop: bool) -> Frame {
        Frame {
            func,
            pc: 0,
            base,
            this: None,
            scope: None,
            static_class: None,
            ret_dst: None,
            n_args: 0,
            dyn_vars: None,
            ext: None,
            stop,
            discard_result: false,
            jit_call: false,
            call_line: 0,
            closure: None,
            generator: None,
        }
    }
}

/// Int/float fast paths for binary operators: `None` means "use the general path".
/// Inlined into the dispatch loop for the int and float cases (the hot ones); string and
/// bool operands go to `fast_binary_other`.
#[inline(always)]
// Overflow checks are `match`es, not `map_or(Value::Float(..), ..)`: the unused default
// would be dropped through an out-of-line `drop_in_place::<Value>` call on every add.
fn fast_binary(op: BinOp, a: &Value, b: &Value) -> Option<Value> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            let (x, y) = (*x, *y);
            Some(match op {
                BinOp::Add => match x.checked_add(y) {
                    Some(r) => Value::Int(r),
                    None => Value::Float(x as f64 + y as f64),
                },
                BinOp::Sub => match x.checked_sub(y) {
                    Some(r) => Value::Int(r),
                    None => Value::Float(x as f64 - y as f64),
                },
                BinOp::Mul => match x.checked_mul(y) {
                    Some(r) => Value::Int(r),
                    None => Value::Float(x as f64 * y as f64),
                },
                BinOp::Mod if y != 0 && y != -1 => Value::Int(x % y),
                BinOp::BitAnd => Value::Int(x & y),
                BinOp::BitOr => Value::Int(x | y),
                BinOp::BitXor => Value::Int(x ^ y),
                BinOp::Shl if (0..64).contains(&y) => Value::Int(x.wrapping_shl(y as u32)),
                BinOp::Shr if (0..64).contains(&y) => Value::Int(x >> y),
                BinOp::Lt => Value::Bool(x < y),
                BinOp::Le => Value::Bool(x <= y),
                BinOp::Gt => Value::Bool(x > y),
                BinOp::Ge => Value::Bool(x >= y),
                BinOp::Eq | BinOp::Identical => Value::Bool(x == y),
                BinOp::NotEq | BinOp::NotIdentical => Value::Bool(x != y),
                BinOp::Spaceship => Value::Int((x > y) as i64 - (x < y) as i64),
                BinOp::Div if y != 0 => {
                    // `i64::MIN % -1` overflows in Rust: test that case first.
                    if !(x == i64::MIN && y == -1) && x % y == 0 {
                        Value::Int(x / y)
                    } else {
                        Value::Float(x as f64 / y as f64)
                    }
                }
                _ => return None,
            })
        }
        (Value::Float(_), Value::Float(_))
        | (Value::Int(_), Value::Float(_))
        | (Value::Float(_), Value::Int(_)) => {
            let x = match a {
                Value::Int(i) => *i as f64,
                Value::Float(f) => *f,
                _ => return None,
            };
            let y = match b {
                Value::Int(i) => *i as f64,
                Value::Float(f) => *f,
                _ => return None,
            };
            Some(match op {
                BinOp::Add => Value::Float(x + y),
                BinOp::Sub => Value::Float(x - y),
                BinOp::Mul => Value::Float(x * y),
                BinOp::Div if y != 0.0 => Value::Float(x / y),
                BinOp::Lt => Value::Bool(x < y),
                BinOp::Le => Value::Bool(x <= y),
                BinOp::Gt => Value::Bool(x > y),
                BinOp::Ge => Value::Bool(x >= y),
                BinOp::Eq => Value::Bool(x == y),
                BinOp::NotEq => Value::Bool(x != y),
                BinOp::Identical if matches!((a, b), (Value::Float(_), Value::Float(_))) => {
                    Value::Bool(x == y)
                }
                BinOp::NotIdentical if matches!((a, b), (Value::Float(_), Value::Float(_))) => {
                    Value::Bool(x != y)
                }
                _ => return None,
            })
        }
        _ => fast_binary_other(op, a, b),
    }
}

/// `fast_binary` for string and bool operands.
#[inline(never)]
fn fast_binary_other(op: BinOp, a: &Value, b: &Value) -> Option<Value> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => match op {
            BinOp::Identical => Some(Value::Bool(x.as_bytes() == y.as_bytes())),
            BinOp::NotIdentical => Some(Value::Bool(x.as_bytes() != y.as_bytes())),
            BinOp::Concat => {
                // Built in place as the result's own block (one allocation).
                let mut s = PhpStr::with_capacity(x.len() + y.len());
                s.make_mut().extend_from_slice(x);
                s.make_mut().extend_from_slice(y);
                Some(Value::Str(s))
            }
            _ => None,
        },
        (Value::Str(x), Value::Int(y)) if op == BinOp::Concat => {
            let mut digits = itoa::Buffer::new();
            let digits = digits.format(*y).as_bytes();
            let mut s = PhpStr::with_capacity(x.len() + digits.len());
            s.make_mut().extend_from_slice(x);
            s.make_mut().extend_from_slice(digits);
            Some(Value::Str(s))
        }
        (Value::Int(x), Value::Str(y)) if op == BinOp::Concat => {
            let mut digits = itoa::Buffer::new();
            let digits = digits.format(*x).as_bytes();
            let mut s = PhpStr::with_capacity(digits.len() + y.len());
            s.make_mut().extend_from_slice(digits);
            s.make_mut().extend_from_slice(y);
            Some(Value::Str(s))
        }
        (Value::Bool(x), Value::Bool(y)) => match op {
            BinOp::Identical | BinOp::Eq => Some(Value::Bool(x == y)),
            BinOp::NotIdentical | BinOp::NotEq => Some(Value::Bool(x != y)),
            _ => None,
        },
        _ => None,
    }
}

/// A string as `var_export` writes it (`'it\'s'`), used in error texts.
pub(crate) fn export_string(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 2);
    out.push(b'\'');
    for &c in s {
        if c == b'\'' || c == b'\\' {
            out.push(b'\\');
        }
        out.push(c);
    }
    out.push(b'\'');
    out
}

/// Constants of the engine core (`PHP_VERSION`, `E_*`, `PHP_EOL`, ...).
fn core_constant(name: &[u8]) -> Option<Value> {
    Some(match name {
        b"PHP_VERSION" => Value::str("8.2.36"),
        b"PHP_MAJOR_VERSION" => Value::Int(8),
        b"PHP_MINOR_VERSION" => Value::Int(2),
        b"PHP_RELEASE_VERSION" => Value::Int(36),
        b"PHP_VERSION_ID" => Value::Int(80236),
        b"PHP_EXTRA_VERSION" => Value::str(""),
        b"PHP_OS" => Value::str("Linux"),
        b"PHP_OS_FAMILY" => Value::str("Linux"),
        b"PHP_EOL" => Value::str("\n"),
        b"DIRECTORY_SEPARATOR" => Value::str("/"),
        b"PATH_SEPARATOR" => Value::str(":"),
        b"PHP_INT_MAX" => Value::Int(i64::MAX),
        b"PHP_INT_MIN" => Value::Int(i64::MIN),
        b"PHP_INT_SIZE" => Value::Int(8),
        b"PHP_FLOAT_EPSILON" => Value::Float(f64::EPSILON),
        b"PHP_FLOAT_MAX" => Value::Float(f64::MAX),
        b"PHP_FLOAT_MIN" => Value::Float(f64::MIN_POSITIVE),
        b"PHP_FLOAT_DIG" => Value::Int(15),
        b"NAN" => Value::Float(f64::NAN),
        b"INF" => Value::Float(f64::INFINITY),
        b"PHP_SAPI" => Value::str("cli"),
        b"E_ERROR" => Value::Int(1),
        b"E_WARNING" => Value::Int(2),
        b"E_PARSE" => Value::Int(4),
        b"E_NOTICE" => Value::Int(8),
        b"E_CORE_ERROR" => Value::Int(16),
        b"E_CORE_WARNING" => Value::Int(32),
        b"E_COMPILE_ERROR" => Value::Int(64),
        b"E_COMPILE_WARNING" => Value::Int(128),
        b"E_USER_ERROR" => Value::Int(256),
        b"E_USER_WARNING" => Value::Int(512),
        b"E_USER_NOTICE" => Value::Int(1024),
        b"E_STRICT" => Value::Int(2048),
        b"E_RECOVERABLE_ERROR" => Value::Int(4096),
        b"E_DEPRECATED" => Value::Int(8192),
        b"E_USER_DEPRECATED" => Value::Int(16384),
        b"E_ALL" => Value::Int(32767),
        _ => return None,
    })
}

/// Evaluates an ini integer expression as php.ini does for `error_reporting`:
/// numbers and `E_*` constants combined with `~`, `&`, `|`, `^`, `!` and parentheses.
pub(crate) fn ini_int_expression(text: &[u8]) -> i64 {
    struct P<'a> {
        s: &'a [u8],
        i: usize,
    }
    impl P<'_> {
        fn ws(&mut self) {
            while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }
        fn or(&mut self) -> i64 {
            let mut v = self.xor();
            loop {
                self.ws();
                if self.s.get(self.i) == Some(&b'|') {
                    self.i += 1;
                    v |= self.xor();
                } else {
                    return v;
                }
            }
        }
        fn xor(&mut self) -> i64 {
            let mut v = self.and();
            loop {
                self.ws();
                if self.s.get(self.i) == Some(&b'^') {
                    self.i += 1;
                    v ^= self.and();
                } else {
                    return v;
                }
            }
        }
        fn and(&mut self) -> i64 {
            let mut v = self.unary();
            loop {
                self.ws();
                if self.s.get(self.i) == Some(&b'&') {
                    self.i += 1;
                    v &= self.unary();
                } else {
                    return v;
                }
            }
        }
        fn unary(&mut self) -> i64 {
            self.ws();
            match self.s.get(self.i) {
                Some(b'~') => {
                    self.i += 1;
                    !self.unary()
                }
                Some(b'!') => {
                    self.i += 1;
                    i64::from(self.unary() == 0)
                }
                Some(b'(') => {
                    self.i += 1;
                    let v = self.or();
                    self.ws();
                    if self.s.get(self.i) == Some(&b')') {
                        self.i += 1;
                    }
                    v
                }
                _ => {
                    let start = self.i;
                    while self.i < self.s.len()
                        && (self.s[self.i].is_ascii_alphanumeric()
                            || self.s[self.i] == b'_'
                            || self.s[self.i] == b'-')
                    {
                        self.i += 1;
                    }
                    let word = &self.s[start..self.i];
                    match core_constant(word) {
                        Some(Value::Int(i)) => i,
                        _ => super::convert::str_to_int(word),
                    }
                }
            }
        }
    }
    let mut p = P { s: text, i: 0 };
    p.or()
}

/// The ini table of a fresh engine (built once per thread, cloned for each `Vm`).
pub(crate) fn default_ini() -> IniMap {
    thread_local! {
        static DEFAULT_INI: IniMap = build_default_ini();
    }
    DEFAULT_INI.with(IniMap::clone)
}

fn build_default_ini() -> IniMap {
    let mut m = IniMap::default();
    for (k, v) in [
        ("precision", "14"),
        ("serialize_precision", "-1"),
        ("display_errors", "1"),
        ("error_reporting", "32767"),
        ("memory_limit", "128M"),
        ("max_execution_time", "0"),
        ("include_path", ".:/usr/share/php"),
        ("pcre.backtrack_limit", "1000000"),
        ("pcre.recursion_limit", "100000"),
        ("pcre.jit", "1"),
        ("mbstring.internal_encoding", ""),
        ("date.timezone", "UTC"),
        ("default_charset", "UTF-8"),
        ("output_buffering", "0"),
        ("arg_separator.output", "&"),
        ("arg_separator.input", "&"),
        ("implicit_flush", "1"),
        ("zend.exception_ignore_args", "0"),
        ("zend.exception_string_param_max_len", "15"),
    ] {
        m.insert(k.as_bytes().to_vec(), PhpStr::from(v));
    }
    m
}
