//! The machine-code tier: hot loops of PHP functions compiled with Cranelift.
//!
//! `Jit` implements `vm::jit_hook::JitBackend`; the CLI and the server's executors install
//! it on their engines (`Vm::set_jit`). The interpreter counts calls and backward jumps per
//! function; when a function is hot, `Jit::compile` translates it (`translate.rs`) and the
//! interpreter enters the machine code at loop headers (`compiled.rs`). What the code does
//! not handle leaves it at an instruction boundary with the registers written back, and
//! the interpreter continues there. "Cannot compile this" is a value (`JitError`): the
//! function stays interpreted.
//!
//! What compiles today: loops whose every instruction is a register move, int/float/bool
//! arithmetic and comparison, `++`/`--`, `!`, unary minus, a jump, a scalar element
//! access of a packed array in a local (`$a[$i]`, `$a[$i] = v`, `$a[$i] op= v`, `$a[] = v`)
//! or a call of a named function with null/bool/int/float arguments (the shape of counting
//! loops, float kernels and list loops), in any function including a file's top-level code
//! (entered at the loop header, i.e. on-stack); and functions made only of those plus
//! scalar type checks and `return` of a scalar, entered at their first instruction when a
//! frame of them starts (so a recursive `fib` runs compiled from call to return). A call
//! of a compiled function that can be called directly (`translate::direct_capable`) is a
//! native call from machine code to machine code, through a per-site cache
//! (`translate::DirectSite`); when the callee leaves machine code before returning, its
//! frame and those of its direct callers are materialised as interpreter frames
//! (`Vm::jit_materialize`). Other calls made by compiled code run through the engine's
//! call path in a frame of their own (`Vm::jit_do_call`), starting in the callee's
//! compiled code when it has some. Strings, hash arrays, objects, builtins and
//! by-reference arguments exit to the interpreter.
//!
//! Compilation is synchronous, on the engine's thread, the first time a function crosses
//! the threshold (a compiler thread the executors never wait on is still to come).
//!
//! # Safety policy
//!
//! `unsafe` appears only in `compiled.rs`: `CompiledFn::call_raw` is the one place that
//! turns a code pointer into a callable; `Drop` and `discard` free code memory; the helpers
//! reach the engine (the frame's registers, the call path) and the run's slots through the
//! context, and read a fused call's arguments from the code's stack slot. Each block has a
//! `// SAFETY:` comment. Machine code touches only the slot array and context it is given,
//! its own stack slots, and the elements of packed arrays the `array_view` helper handed it,
//! within their bounds (taken again after every call). A panic of the engine inside a
//! helper is caught there and resumed after the code returned.

mod compiled;
mod translate;

use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Module};

pub use compiled::CompiledFn;

use crate::vm::bytecode::Func;
use crate::vm::jit_hook::{JitBackend, JitCode};

/// Why a function was not compiled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JitError {
    /// Nothing of the function can be compiled yet (no loop of supported instructions, and
    /// not every instruction supported).
    #[error("cannot compile this yet: {0}")]
    Unsupported(&'static str),
    /// The host has no Cranelift backend.
    #[error("host machine not supported: {0}")]
    Host(String),
    /// Cranelift refused the function (a translator bug; the function stays interpreted).
    #[error("code generation failed: {0}")]
    Codegen(String),
}

/// JIT options from configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct JitOptions {
    /// Test mode: every guarded instruction of compiled code exits to the interpreter the
    /// first time it runs (proves the side exits, `hhvm.jit_fail_guards_once`).
    pub fail_guards_once: bool,
}

/// Process-wide JIT counters.
pub struct JitStats {
    pub compiled: AtomicU64,
    pub rejected: AtomicU64,
    pub compile_ns: AtomicU64,
    pub code_bytes: AtomicU64,
    /// Runs of compiled code that ended in a side exit (not a `return`).
    pub runs: AtomicU64,
    /// Backward jumps taken in compiled code.
    pub back_edges: AtomicU64,
    /// User-function calls made by compiled code.
    pub calls: AtomicU64,
    /// Calls compiled code left to the interpreter (not a plain user function, or too deep).
    pub calls_declined: AtomicU64,
    /// Direct calls (compiled code to compiled code) whose callee left machine code before
    /// returning, each level counted (its frame was materialised for the interpreter).
    pub deopts: AtomicU64,
}

pub(crate) static STATS: JitStats = JitStats {
    compiled: AtomicU64::new(0),
    rejected: AtomicU64::new(0),
    compile_ns: AtomicU64::new(0),
    code_bytes: AtomicU64::new(0),
    runs: AtomicU64::new(0),
    back_edges: AtomicU64::new(0),
    calls: AtomicU64::new(0),
    calls_declined: AtomicU64::new(0),
    deopts: AtomicU64::new(0),
};

/// The JIT counters so far, as `name: value` lines (`RHVM_JIT_STATS=1` prints them).
pub fn stats_text() -> String {
    let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
    format!(
        "functions compiled: {}\nfunctions not compiled: {}\ncompile time us: {}\ncode bytes: {}\nruns (side exits): {}\nback edges in compiled code: {}\ncalls from compiled code: {}\ncalls left to the interpreter: {}\ndirect calls materialised: {}\n",
        l(&STATS.compiled),
        l(&STATS.rejected),
        l(&STATS.compile_ns) / 1000,
        l(&STATS.code_bytes),
        l(&STATS.runs),
        l(&STATS.back_edges),
        l(&STATS.calls),
        l(&STATS.calls_declined),
        l(&STATS.deopts),
    )
}

/// The JIT counters as the admin endpoint's `/jit-stats` JSON.
pub fn stats_json() -> serde_json::Value {
    let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
    serde_json::json!({
        "translations": l(&STATS.compiled),
        "not_compiled": l(&STATS.rejected),
        "compile_us": l(&STATS.compile_ns) / 1000,
        "bytes": l(&STATS.code_bytes),
        "runs": l(&STATS.runs),
        "side_exits": l(&STATS.runs),
        "back_edges": l(&STATS.back_edges),
        "calls": l(&STATS.calls),
        "calls_declined": l(&STATS.calls_declined),
        "deopts": l(&STATS.deopts),
    })
}

/// The compiler: the host ISA and options.
pub struct Jit {
    isa: OwnedTargetIsa,
    options: JitOptions,
}

impl Jit {
    /// A compiler for the host machine.
    ///
    /// # Errors
    /// `JitError::Host` when Cranelift has no backend for this machine.
    pub fn new(options: JitOptions) -> Result<Jit, JitError> {
        let mut flags = settings::builder();
        for (k, v) in [
            ("use_colocated_libcalls", "false"),
            ("is_pic", "false"),
            ("opt_level", "speed"),
        ] {
            flags
                .set(k, v)
                .map_err(|e| JitError::Host(format!("{k}: {e}")))?;
        }
        let isa = cranelift_native::builder()
            .map_err(|e| JitError::Host(e.to_string()))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| JitError::Host(e.to_string()))?;
        Ok(Jit { isa, options })
    }

    /// Compiles `func` (entered at its loop headers, and at 0 when translated whole).
    ///
    /// # Errors
    /// `JitError::Unsupported` when no loop of the function can be compiled and the
    /// function is not translatable whole,
    /// `JitError::Codegen` when Cranelift rejects the translation.
    pub fn compile_func(&self, func: &Func) -> Result<CompiledFn, JitError> {
        let entries = translate::entry_points(func);
        if entries.is_empty() {
            return Err(JitError::Unsupported(
                "no loop of supported instructions, and not translatable whole",
            ));
        }
        let started = Instant::now();
        let mut module = JITModule::new(JITBuilder::with_isa(
            self.isa.clone(),
            default_libcall_names(),
        ));
        let ptr = module.target_config().pointer_type();
        let sig = translate::signature(ptr, module.target_config().default_call_conv);
        let id = module
            .declare_anonymous_function(&sig)
            .map_err(|e| JitError::Codegen(e.to_string()))?;
        let mut ctx: Context = module.make_context();
        ctx.func.signature = sig;
        let mut fctx = FunctionBuilderContext::new();
        let target = module.target_config();
        let call_conv = target.default_call_conv;
        // Memory the code addresses directly; owned by the `CompiledFn` (boxed, so its
        // address does not change when the boxes move there).
        let fired: Box<[std::cell::Cell<u8>]> = (0..func.code.len())
            .map(|_| std::cell::Cell::new(0))
            .collect();
        let sites: Box<[translate::DirectSite]> = translate::fused_calls(func)
            .iter()
            .map(|_| translate::DirectSite::empty())
            .collect();
        let direct = translate::direct_capable(func, &entries);
        let memory = translate::CodeMemory {
            fired: fired.as_ptr() as usize,
            sites: sites.as_ptr() as usize,
            direct,
        };
        {
            let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
            translate::FunctionTranslator::translate(
                &mut b,
                func,
                ptr,
                &entries,
                self.options.fail_guards_once,
                compiled::helpers(),
                call_conv,
                memory,
            );
            b.finalize(target);
        }
        if let Err(e) = module.define_function(id, &mut ctx) {
            compiled::discard(module);
            return Err(JitError::Codegen(format!("{e:?}")));
        }
        let code_bytes = ctx
            .compiled_code()
            .map_or(0, |c| c.code_info().total_size as usize);
        module.clear_context(&mut ctx);
        if let Err(e) = module.finalize_definitions() {
            compiled::discard(module);
            return Err(JitError::Codegen(e.to_string()));
        }
        let code = module.get_finalized_function(id);
        STATS.compiled.fetch_add(1, Ordering::Relaxed);
        STATS
            .compile_ns
            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        STATS
            .code_bytes
            .fetch_add(code_bytes as u64, Ordering::Relaxed);
        Ok(CompiledFn::new(
            module,
            code,
            entries,
            func.n_slots as usize,
            func.code.len(),
            code_bytes,
            compiled::CodeParts {
                fired,
                sites,
                direct,
            },
        ))
    }
}

impl JitBackend for Jit {
    fn compile(&self, func: &Func) -> Option<Rc<dyn JitCode>> {
        match self.compile_func(func) {
            Ok(code) => Some(Rc::new(code)),
            Err(JitError::Unsupported(_)) => {
                STATS.rejected.fetch_add(1, Ordering::Relaxed);
                None
            }
            Err(e) => {
                STATS.rejected.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(function = %func.name.to_string_lossy(), "jit: {e}");
                None
            }
        }
    }
}

/// The `hhvm.jit*` settings of an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitSettings {
    /// `hhvm.jit` (default on): off leaves everything to the interpreter.
    pub enabled: bool,
    /// `hhvm.jit_threshold`: calls plus backward jumps before a function is compiled
    /// (0: on the first one, the forced mode the tests use).
    pub threshold: u32,
    /// `hhvm.jit_fail_guards_once`: the side-exit test mode (see `JitOptions`).
    pub fail_guards_once: bool,
}

impl Default for JitSettings {
    fn default() -> Self {
        JitSettings {
            enabled: true,
            threshold: crate::vm::jit_hook::JitConfig::default().threshold,
            fail_guards_once: false,
        }
    }
}

impl JitSettings {
    /// Reads the `hhvm.jit*` keys among `settings` (later ones win); other keys are ignored.
    pub fn from_ini<'a>(settings: impl IntoIterator<Item = (&'a str, &'a str)>) -> JitSettings {
        let mut s = JitSettings::default();
        for (k, v) in settings {
            s.apply(k, v);
        }
        s
    }

    /// Applies one setting; keys other than `hhvm.jit*` and bad counts are ignored.
    pub fn apply(&mut self, key: &str, value: &str) {
        let flag = |v: &str| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "on" | "yes"
            )
        };
        match key.trim() {
            "hhvm.jit" => self.enabled = flag(value),
            "hhvm.jit_threshold" => {
                if let Ok(n) = value.trim().parse() {
                    self.threshold = n;
                }
            }
            "hhvm.jit_fail_guards_once" => self.fail_guards_once = flag(value),
            _ => {}
        }
    }
}

thread_local! {
    /// The engine thread's compiler (one ISA description per thread, built on first use).
    static THREAD_JIT: std::cell::RefCell<Option<(bool, Option<Rc<Jit>>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Installs the JIT on `vm` as `settings` say (nothing when disabled, or when the host has
/// no Cranelift backend: then everything is interpreted, as with `hhvm.jit = false`).
pub fn install(vm: &mut crate::vm::interp::Vm, settings: &JitSettings) {
    if !settings.enabled {
        return;
    }
    let jit = THREAD_JIT.with(|cell| {
        let mut cell = cell.borrow_mut();
        match &*cell {
            Some((fail, jit)) if *fail == settings.fail_guards_once => jit.clone(),
            _ => {
                let jit = match Jit::new(JitOptions {
                    fail_guards_once: settings.fail_guards_once,
                }) {
                    Ok(j) => Some(Rc::new(j)),
                    Err(e) => {
                        tracing::warn!("jit disabled: {e}");
                        None
                    }
                };
                *cell = Some((settings.fail_guards_once, jit.clone()));
                jit
            }
        }
    });
    if let Some(jit) = jit {
        let config = crate::vm::jit_hook::JitConfig {
            threshold: settings.threshold,
            // The test mode makes runs fail on purpose; never give up on a function there.
            max_unproductive: if settings.fail_guards_once {
                0
            } else {
                crate::vm::jit_hook::JitConfig::default().max_unproductive
            },
        };
        vm.set_jit(jit, config);
    }
}
