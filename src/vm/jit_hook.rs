//! The interpreter's side of the JIT: per-function profiling counters and the hook through
//! which a machine-code tier (`src/jit/`, installed by the embedder) runs hot loops.
//!
//! `vm` never names the JIT. It defines two traits, `JitBackend` (compile a function) and
//! `JitCode` (run compiled code from a loop header over a frame's registers), and the CLI or
//! the server installs an implementation with `Vm::set_jit`. Without one, the counters below
//! are all the interpreter pays: one decrement and branch per call and per taken backward
//! jump of a function (`FuncJit`).
//!
//! The contract with compiled code is instruction-boundary exact: compiled code is entered
//! at a loop header, or at the first instruction of a new frame of a function compiled
//! whole, with the frame's registers as they are, runs some instructions with the
//! interpreter's exact semantics, writes every register it changed back into the frame, and
//! says at which instruction the interpreter continues. Anything the compiled code does not
//! handle (a type it does not expect, an overflow whose result the interpreter must build,
//! a warning to raise, a call it cannot make) is such an exit, so PHP-visible behaviour
//! stays the interpreter's. The calls it does make go through this module
//! (`Vm::jit_do_call`, `Vm::jit_call_fused`): the engine's own call path, in a frame of the
//! callee's, with the caller's registers written back around the call; a call that ran is
//! never repeated (its result is stored, or its fault handed back as the `DoCall`'s).
//! Compiled code may also call compiled code directly, with no frame here; when such a
//! callee leaves machine code, its frames are pushed as the interpreter's own calls would
//! have pushed them (`Vm::jit_materialize`) and the interpreter continues in the innermost.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::bytecode::{Func, Op, Slot};
use super::error::{Fault, PhpResult};
use super::interp::call::CallTarget;
use super::interp::{FnEntry, Vm};
use super::value::Value;

/// Compiles functions to machine code (implemented by `src/jit/`).
pub trait JitBackend {
    /// Compiles `func`; `None` when nothing of it can be compiled (it stays interpreted).
    fn compile(&self, func: &Func) -> Option<Rc<dyn JitCode>>;
}

/// A compiled function: machine code with entry points at some loop headers and, for a
/// function it translates whole, at its first instruction.
pub trait JitCode {
    /// Whether the code can be entered at instruction `pc` (a loop header, or 0).
    fn is_entry(&self, pc: u32) -> bool;

    /// Runs the code from entry `pc` over the registers of the engine's innermost frame
    /// (`vm.stack[base..]`, the frame of the compiled function). The code may call back into
    /// the engine (`Vm::jit_init_call`, `Vm::jit_send`, `Vm::jit_do_call`), so it gets the
    /// whole engine, not just the registers.
    ///
    /// # Returns
    /// How the run ended, with every register the code changed written back into the
    /// frame; `None` when the code was not entered (nothing changed).
    fn run(&self, vm: &mut Vm, base: usize, pc: u32) -> Option<RunExit>;

    /// The code as `Any`, so the backend can find its own type again (a call site of
    /// compiled code that calls this function's code directly, `Vm::jit_direct_target`).
    fn into_any(self: Rc<Self>) -> Rc<dyn Any>;
}

/// How a run of compiled code ended.
#[derive(Debug)]
pub struct RunExit {
    /// The instruction where the interpreter continues (for `returned`, the `Return`).
    pub pc: u32,
    /// Backward jumps taken inside compiled code (0: the run made no progress through a
    /// loop, e.g. a guard failed at once).
    pub back_edges: u64,
    /// The code reached the function's `Return` at `pc` with this scalar (the registers
    /// are written back, so the interpreter may also just run that `Return`).
    pub returned: Option<Value>,
    /// A call made by the code failed with this fault: the call is over (the frame's pc
    /// is already after its `DoCall`), the fault is to be handled as that `DoCall`'s.
    pub fault: Option<Fault>,
    /// Frames of calls compiled code made directly (machine code to machine code, without
    /// interpreter frames) were pushed above the run's frame (`Vm::jit_materialize`): the
    /// interpreter continues in the innermost of them, and every frame's pc is set (`pc`
    /// is then meaningless).
    pub pushed: bool,
}

/// A frame of a function that compiled code called directly and that left machine code
/// before returning (a guard failed, or a call it makes needs the engine): what
/// `Vm::jit_materialize` turns into an interpreter frame.
#[derive(Debug)]
pub struct JitFrame {
    /// The function (set by its caller's code once the callee has left).
    pub func: Option<Rc<Func>>,
    /// Its registers.
    pub regs: Vec<Value>,
    /// The instruction where the interpreter continues it.
    pub pc: u32,
    /// The caller's register for the result.
    pub ret_dst: Option<Slot>,
    /// The caller's pc while the call runs (after its `DoCall`).
    pub caller_pc: u32,
}

/// The `u32` `Vm::jit_event` gives for "continue in the innermost frame" (`RunExit::pushed`).
pub(crate) const RESUME_TOP: u32 = u32::MAX;

/// Direct calls (compiled code to compiled code) one run of compiled code may nest on the
/// native stack; past it the call is left to the engine. Bounds the frames to
/// materialise at once and the native stack of one run.
pub const MAX_DIRECT_DEPTH: usize = 512;

/// Identities of engines with a JIT (`JitHook::epoch`): a call site's cached callee is
/// valid for the engine that resolved it, never for another one (function names resolve
/// per request).
static EPOCHS: AtomicU64 = AtomicU64::new(1);

/// What `Vm::jit_do_call` did.
#[derive(Debug)]
pub enum JitCall {
    /// The call ran; its result is in the destination register.
    Done,
    /// Not made (not a plain user function, too deep, destructors due): nothing changed,
    /// the interpreter runs the `DoCall` itself.
    Declined,
    /// The call ran and failed (or its destructors did) with this fault.
    Fault(Fault),
}

/// Calls made by compiled code nest on the native stack (compiled code, helper, callee's
/// compiled code, ...). Past this depth compiled code leaves the call to the interpreter,
/// whose PHP-to-PHP calls use no native stack, so deep PHP recursion stays bounded by
/// `Limits::max_depth` and the memory limit, as without the JIT.
pub const MAX_NATIVE_CALL_DEPTH: u32 = 256;

/// JIT settings of one engine (from `hhvm.jit*` ini keys).
#[derive(Debug, Clone, Copy)]
pub struct JitConfig {
    /// Calls plus backward jumps of a function before it is compiled; 0 compiles a function
    /// the first time one of its loops jumps back or it is called.
    pub threshold: u32,
    /// Runs that make no progress through a loop (guards failing at once) before a
    /// function is left to the interpreter; 0 never gives up (test modes).
    pub max_unproductive: u32,
}

impl Default for JitConfig {
    fn default() -> Self {
        JitConfig {
            threshold: 1000,
            max_unproductive: 64,
        }
    }
}

/// Per-function JIT state and profile, owned by the `Func` (not serialised: a function
/// loaded from the translation cache starts cold).
#[derive(Default)]
pub struct FuncJit {
    /// Calls plus backward jumps left before the next look at the JIT; 0 means "not yet
    /// initialised" (the first event initialises it from the engine's threshold).
    countdown: Cell<u32>,
    /// Profile: calls and backward jumps seen by the slow path (the countdown's consumed
    /// ticks are added to it each time it runs out).
    events: Cell<u64>,
    /// Runs of compiled code that made no progress.
    unproductive: Cell<u32>,
    /// The compiled code has an entry at the first instruction (a whole function
    /// translated): frames of the function start in compiled code.
    at_start: Cell<bool>,
    state: RefCell<State>,
}

#[derive(Default)]
enum State {
    #[default]
    Cold,
    Compiled(Rc<dyn JitCode>),
    /// Not compilable, or given up on: interpreted from now on.
    Interpreted,
}

impl Clone for FuncJit {
    /// A cloned function starts cold (compiled code is tied to one bytecode body).
    fn clone(&self) -> Self {
        FuncJit::default()
    }
}

impl std::fmt::Debug for FuncJit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &*self.state.borrow() {
            State::Cold => "cold",
            State::Compiled(_) => "compiled",
            State::Interpreted => "interpreted",
        };
        write!(f, "FuncJit({state}, {} events)", self.events.get())
    }
}

/// Ticks given to the countdown of a function that will never be compiled.
const NEVER: u32 = u32::MAX;

/// Ticks between looks at the JIT while a compiled function runs a loop that has no entry
/// point (keeps the slow path rare in interpreted loops of compiled functions).
const NOT_ENTRY_TICKS: u32 = 64;

impl FuncJit {
    /// Counts one call or backward jump; true when the slow path (`Vm::jit_event`) must run.
    #[inline(always)]
    pub(crate) fn tick(&self) -> bool {
        let c = self.countdown.get();
        if c <= 1 {
            return true;
        }
        self.countdown.set(c - 1);
        false
    }

    /// Calls plus backward jumps counted so far (profile; approximate while counting down).
    pub fn events(&self) -> u64 {
        self.events.get()
    }

    /// Whether machine code exists for the function.
    pub fn is_compiled(&self) -> bool {
        matches!(&*self.state.borrow(), State::Compiled(_))
    }

    /// Whether a new frame of the function starts in compiled code (`Vm::jit_enter_start`).
    #[inline(always)]
    pub(crate) fn enters_at_start(&self) -> bool {
        self.at_start.get()
    }

    /// Leaves the function to the interpreter from now on.
    fn give_up(&self) {
        *self.state.borrow_mut() = State::Interpreted;
        self.at_start.set(false);
        self.countdown.set(NEVER);
    }

    fn rearm(&self, ticks: u32) {
        self.countdown.set(ticks.max(2));
    }
}

/// The engine's installed JIT: the backend and its settings.
#[derive(Clone)]
pub(crate) struct JitHook {
    pub backend: Rc<dyn JitBackend>,
    pub config: JitConfig,
    /// Calls made by compiled code that are running now (native nesting).
    pub depth: u32,
    /// This engine's identity for call-site caches of compiled code (never 0): a function
    /// name resolves to one function for the engine's lifetime (`fn_cache`).
    pub epoch: u64,
    /// Functions and code that call sites of compiled code point to for this engine's
    /// lifetime (`Vm::jit_keep`): kept alive here, not by the sites, so that code calling
    /// itself is no reference cycle.
    pub keep: Vec<Rc<dyn Any>>,
}

impl Vm {
    /// Installs a JIT backend: hot loops of this engine's functions run as machine code.
    pub fn set_jit(&mut self, backend: Rc<dyn JitBackend>, config: JitConfig) {
        self.jit = Some(JitHook {
            backend,
            config,
            depth: 0,
            epoch: EPOCHS.fetch_add(1, Ordering::Relaxed),
            keep: Vec::new(),
        });
    }

    /// The slow path of `FuncJit::tick`, for a call (`target` is `None`: the function is
    /// compiled when hot, and its frames start in compiled code from then on when it has an
    /// entry at its first instruction) or a backward jump to `target` in the running frame
    /// (whose registers start at `base`).
    ///
    /// # Returns
    /// The instruction to continue at when compiled code ran, or the fault of a call it
    /// made (the frame's pc is then after that call).
    #[cold]
    #[inline(never)]
    pub(crate) fn jit_event(
        &mut self,
        func: &Func,
        base: usize,
        target: Option<u32>,
    ) -> Option<PhpResult<u32>> {
        let fj = &func.jit;
        let Some(hook) = &self.jit else {
            fj.countdown.set(NEVER);
            return None;
        };
        let config = hook.config;
        let code = {
            let mut state = fj.state.borrow_mut();
            match &*state {
                State::Interpreted => {
                    fj.countdown.set(NEVER);
                    return None;
                }
                State::Compiled(code) => code.clone(),
                State::Cold => {
                    let first = fj.countdown.get() == 0;
                    if first && config.threshold > 1 {
                        fj.events.set(1);
                        fj.rearm(config.threshold);
                        return None;
                    }
                    fj.events
                        .set(fj.events.get() + u64::from(config.threshold.max(1)));
                    match hook.backend.compile(func) {
                        Some(code) => {
                            fj.at_start.set(code.is_entry(0));
                            *state = State::Compiled(code.clone());
                            code
                        }
                        None => {
                            *state = State::Interpreted;
                            fj.countdown.set(NEVER);
                            return None;
                        }
                    }
                }
            }
        };
        let Some(pc) = target else {
            fj.rearm(NOT_ENTRY_TICKS);
            return None;
        };
        if !code.is_entry(pc) {
            fj.rearm(NOT_ENTRY_TICKS);
            return None;
        }
        // Every backward jump to an entry goes straight back into compiled code.
        fj.countdown.set(1);
        let exit = code.run(self, base, pc)?;
        if exit.pushed {
            return Some(Ok(RESUME_TOP));
        }
        if exit.back_edges == 0 && exit.fault.is_none() && config.max_unproductive > 0 {
            let u = fj.unproductive.get() + 1;
            fj.unproductive.set(u);
            if u >= config.max_unproductive {
                fj.give_up();
            }
        }
        Some(match exit.fault {
            Some(f) => Err(f),
            None => Ok(exit.pc),
        })
    }

    /// Starts the innermost frame (a new frame of `func`, registers at `base`, at its first
    /// instruction) in compiled code, when `func.jit.enters_at_start()`.
    ///
    /// # Returns
    /// How the run ended (`None`: not entered, the interpreter starts at 0). On a fault the
    /// frame's pc is already after the failed call.
    #[cold]
    #[inline(never)]
    pub(crate) fn jit_enter_start(&mut self, func: &Func, base: usize) -> Option<RunExit> {
        self.enter_start(func, base)
    }

    /// `jit_enter_start`, inlined into the call path of compiled code.
    #[inline(always)]
    fn enter_start(&mut self, func: &Func, base: usize) -> Option<RunExit> {
        let fj = &func.jit;
        let code = match &*fj.state.borrow() {
            State::Compiled(code) => code.clone(),
            _ => return None,
        };
        let max_unproductive = self.jit.as_ref()?.config.max_unproductive;
        let exit = code.run(self, base, 0)?;
        if exit.pc == 0
            && exit.returned.is_none()
            && exit.fault.is_none()
            && !exit.pushed
            && max_unproductive > 0
        {
            // A guard at the very first instruction failed: nothing was gained.
            let u = fj.unproductive.get() + 1;
            fj.unproductive.set(u);
            if u >= max_unproductive {
                fj.give_up();
            }
        }
        Some(exit)
    }

    /// Registers `base..base + n` of the engine's stack (the frame compiled code runs over).
    pub(crate) fn jit_regs(&mut self, base: usize, n: usize) -> Option<&mut [Value]> {
        self.stack.get_mut(base..base.checked_add(n)?)
    }

    /// Compiled code's `InitFCall` at `pc` of the innermost frame's function: starts the
    /// call as the interpreter does. False when it cannot (an undefined function: nothing
    /// changed, the interpreter runs the instruction and raises the error).
    pub(crate) fn jit_init_call(&mut self, pc: u32) -> bool {
        let Some(func) = self.frames.last().map(|f| f.func.clone()) else {
            return false;
        };
        let Some(Op::InitFCall {
            name,
            fallback,
            n_args,
        }) = func.code.get(pc as usize)
        else {
            return false;
        };
        if let Some(f) = self.frames.last_mut() {
            f.pc = pc as usize + 1;
        }
        self.init_fcall(&func, *name, *fallback, *n_args).is_ok()
    }

    /// Compiled code's `SendVal`/`SendPath` of a scalar: the next positional argument of the
    /// newest pending call. False (nothing changed) when the parameter is by reference or
    /// the call has named arguments: the interpreter sends it (and binds or raises).
    pub(crate) fn jit_send(&mut self, v: Value) -> bool {
        let Some(call) = self.calls.last() else {
            return false;
        };
        if !call.named.is_empty() {
            return false;
        }
        let idx = self.args.len().saturating_sub(call.args_base);
        if call.target.param_by_ref(idx) {
            return false;
        }
        self.args.push(v);
        true
    }

    /// Compiled code's `DoCall` at `pc` of the innermost frame (whose registers compiled
    /// code has written back): runs the newest pending call, when it is a plain call of a
    /// user function, to its end, in a frame of its own (which starts in compiled code when
    /// the callee has some), and stores the result into `dst` as the interpreter's `DoCall`
    /// does. Anything else is declined before it changes anything.
    pub(crate) fn jit_do_call(&mut self, pc: u32, dst: Option<Slot>) -> JitCall {
        let Some(hook) = &self.jit else {
            return JitCall::Declined;
        };
        if hook.depth >= MAX_NATIVE_CALL_DEPTH || self.check_native_stack().is_err() {
            return JitCall::Declined;
        }
        let plain = self.calls.last().is_some_and(|c| {
            c.magic.is_none()
                && c.new_obj.is_none()
                && c.named.is_empty()
                && matches!(&c.target, CallTarget::User { func, closure: None, .. } if !func.is_generator)
        });
        // The interpreter's `DoCall` runs due destructors first: left to it.
        if !plain || super::object::destructs_pending() {
            return JitCall::Declined;
        }
        let Some(frame) = self.frames.last_mut() else {
            return JitCall::Declined;
        };
        frame.pc = pc as usize + 1;
        let base = frame.base;
        let Some(call) = self.calls.pop() else {
            return JitCall::Declined;
        };
        // `plain` above: no closure to bind.
        let CallTarget::User {
            func,
            this,
            scope,
            static_class,
            ..
        } = call.target
        else {
            // Checked above.
            return JitCall::Fault(Fault::fatal("jit: call target changed"));
        };
        let pushed = |vm: &mut Vm| {
            vm.push_plain_frame(
                func,
                call.args_base,
                this,
                scope,
                static_class,
                None,
                None,
                true,
            )
        };
        self.jit_call_pushed(base, dst, pushed)
    }

    /// Compiled code's fused call: `InitFCall` at `init` of the innermost frame's function,
    /// the scalar arguments `args` (which the code sent in between, computing them only in
    /// temporaries) and the `DoCall` at `pc` into `dst`, made at once as `jit_do_call` makes
    /// it, when the function is a plain user function taking exactly these arguments by
    /// value. Declined before anything changed otherwise: the interpreter then runs the
    /// whole sequence from `init`.
    pub(crate) fn jit_call_fused(
        &mut self,
        init: u32,
        pc: u32,
        dst: Option<Slot>,
        args: impl ExactSizeIterator<Item = Value>,
    ) -> JitCall {
        let Some(hook) = &self.jit else {
            return JitCall::Declined;
        };
        if hook.depth >= MAX_NATIVE_CALL_DEPTH
            || self.check_native_stack().is_err()
            || super::object::destructs_pending()
        {
            return JitCall::Declined;
        }
        let Some(caller) = self.frames.last().map(|f| f.func.clone()) else {
            return JitCall::Declined;
        };
        let Some(Op::InitFCall { name, fallback, .. }) = caller.code.get(init as usize) else {
            return JitCall::Declined;
        };
        let Ok(FnEntry::User(func)) = self.resolve_fcall(&caller, *name, *fallback) else {
            return JitCall::Declined;
        };
        let plain = !func.is_generator
            && func.params.len() == args.len()
            && func.params.iter().all(|p| !p.by_ref && !p.variadic);
        if !plain {
            return JitCall::Declined;
        }
        let Some(frame) = self.frames.last_mut() else {
            return JitCall::Declined;
        };
        frame.pc = pc as usize + 1;
        let base = frame.base;
        let args_base = self.args.len();
        self.args.extend(args);
        let pushed =
            |vm: &mut Vm| vm.push_plain_frame(func, args_base, None, None, None, None, None, true);
        self.jit_call_pushed(base, dst, pushed)
    }

    /// The rest of a call compiled code makes, once its frame is to be pushed (`push`,
    /// a stop frame): runs it to its end, stores the result into register `dst` of the
    /// caller's frame (registers at `base`) and runs due destructors, as the interpreter's
    /// `Return` into its caller does.
    #[inline(always)]
    fn jit_call_pushed(
        &mut self,
        base: usize,
        dst: Option<Slot>,
        push: impl FnOnce(&mut Vm) -> PhpResult<()>,
    ) -> JitCall {
        if let Some(h) = self.jit.as_mut() {
            h.depth += 1;
        }
        let depth = self.frames.len();
        let pushed = push(self);
        if self.frames.len() > depth {
            if let Some(f) = self.frames.last_mut() {
                f.jit_call = true;
            }
        }
        let r = self.jit_run_call(depth, pushed);
        if let Some(h) = self.jit.as_mut() {
            h.depth = h.depth.saturating_sub(1);
        }
        if r.is_err() {
            self.note_fatal_location(&r);
            self.drop_frames_above(depth);
        }
        let r = match r {
            Ok(v) => v,
            Err(e) => return JitCall::Fault(e),
        };
        if let Some(d) = dst {
            if let Some(cell) = self.stack.get_mut(base + d as usize) {
                super::interp::store(cell, r);
            }
        }
        if super::object::destructs_pending() {
            if let Err(e) = self.run_pending_destructors() {
                return JitCall::Fault(e);
            }
        }
        JitCall::Done
    }

    /// Runs the stop frame `jit_do_call` pushed above `depth` (or the fault of pushing it)
    /// to its end, as `run` would, starting in compiled code when the callee has some.
    #[inline(always)]
    fn jit_run_call(&mut self, depth: usize, pushed: PhpResult<()>) -> PhpResult<Value> {
        if let Err(e) = pushed {
            if self.frames.len() <= depth {
                // Refused before a frame existed (nesting limit, interrupt).
                return Err(e);
            }
            // Raised inside the new frame (missing arguments), as `run` would handle it.
            self.handle_fault(e)?;
            return self.run();
        }
        let Some((func, base)) = self.frames.last().map(|f| (f.func.clone(), f.base)) else {
            return self.run();
        };
        if func.jit.enters_at_start() {
            if let Some(exit) = self.enter_start(&func, base) {
                if exit.pushed {
                    return self.run();
                }
                if let Some(v) = exit.returned {
                    // `Return` of a stop frame: the value goes to the native caller.
                    if let Some(v) = self.return_from_frame(v) {
                        return Ok(v);
                    }
                    return self.run();
                }
                if let Some(f) = exit.fault {
                    self.handle_fault(f)?;
                } else if let Some(f) = self.frames.last_mut() {
                    f.pc = exit.pc as usize;
                }
            }
        }
        self.run()
    }
}

impl Vm {
    /// What compiled code entered now may do with direct calls: the engine's epoch (0 when
    /// destructors are due: calls are then left to the engine, which runs them first), the
    /// direct calls it may nest (`MAX_DIRECT_DEPTH`, and the nesting limit counting the
    /// frames already running), and the lowest native stack address they may reach.
    pub(crate) fn jit_direct_budget(&self) -> (u64, i64, usize) {
        let Some(hook) = &self.jit else {
            return (0, 0, usize::MAX);
        };
        let epoch = if super::object::destructs_pending() {
            0
        } else {
            hook.epoch
        };
        let depth = self
            .limits
            .max_depth
            .saturating_sub(self.frames.len())
            .min(MAX_DIRECT_DEPTH) as i64;
        let base = self.lim.stack_base;
        let limit = if base == 0 {
            usize::MAX
        } else {
            base.saturating_sub(super::interp::limits::NATIVE_STACK_BUDGET)
        };
        (epoch, depth, limit)
    }

    /// The function the `InitFCall` at `init` of the innermost frame calls, with its
    /// compiled code, when it is a named user function (not a generator) whose code exists.
    pub(crate) fn jit_direct_target(&mut self, init: u32) -> Option<(Rc<Func>, Rc<dyn JitCode>)> {
        let caller = self.frames.last()?.func.clone();
        let Some(Op::InitFCall { name, fallback, .. }) = caller.code.get(init as usize) else {
            return None;
        };
        let Ok(FnEntry::User(func)) = self.resolve_fcall(&caller, *name, *fallback) else {
            return None;
        };
        if func.is_generator {
            return None;
        }
        let code = match &*func.jit.state.borrow() {
            State::Compiled(code) => code.clone(),
            _ => return None,
        };
        Some((func, code))
    }

    /// Keeps `v` alive as long as the engine (see `JitHook::keep`).
    pub(crate) fn jit_keep(&mut self, v: Rc<dyn Any>) {
        if let Some(h) = self.jit.as_mut() {
            h.keep.push(v);
        }
    }

    /// Pushes interpreter frames for calls compiled code made directly and that left
    /// machine code before returning (`frames`, innermost first) above the innermost frame
    /// (the frame compiled code ran over), as the interpreter's own calls would have: the
    /// caller continues after its `DoCall` and receives the result in `ret_dst`.
    ///
    /// # Errors
    /// A fatal error when a frame's function is unknown (a translator bug).
    pub(crate) fn jit_materialize(&mut self, frames: Vec<JitFrame>) -> PhpResult<()> {
        for jf in frames.into_iter().rev() {
            let Some(func) = jf.func else {
                return Err(Fault::fatal("jit: a directly called frame has no function"));
            };
            let Some(caller) = self.frames.last_mut() else {
                return Err(Fault::fatal("jit: a directly called frame has no caller"));
            };
            caller.pc = jf.caller_pc as usize;
            let call_line = caller
                .func
                .lines
                .get((jf.caller_pc as usize).saturating_sub(1))
                .copied()
                .unwrap_or(0);
            let n_slots = func.n_slots as usize;
            let base = self.alloc_regs(n_slots);
            for (cell, v) in self.stack[base..base + n_slots].iter_mut().zip(jf.regs) {
                super::interp::store(cell, v);
            }
            let mut frame = super::interp::Frame::new(func, base, false);
            frame.pc = jf.pc as usize;
            frame.ret_dst = jf.ret_dst;
            frame.n_args = frame.func.params.len();
            frame.call_line = call_line;
            self.frames.push(frame);
        }
        Ok(())
    }
}
