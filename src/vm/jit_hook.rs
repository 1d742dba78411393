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
//! at a loop header with the frame's registers as they are, runs some instructions with the
//! interpreter's exact semantics, writes every register it changed back into the frame, and
//! says at which instruction the interpreter continues. Anything the compiled code does not
//! handle (a type it does not expect, an overflow whose result the interpreter must build,
//! a warning to raise, a call) is such an exit, so PHP-visible behaviour stays the
//! interpreter's.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::AtomicU8;

use super::bytecode::Func;
use super::interp::Vm;
use super::value::Value;

/// Compiles functions to machine code (implemented by `src/jit/`).
pub trait JitBackend {
    /// Compiles `func`; `None` when nothing of it can be compiled (it stays interpreted).
    fn compile(&self, func: &Func) -> Option<Rc<dyn JitCode>>;
}

/// A compiled function: machine code with entry points at some loop headers.
pub trait JitCode {
    /// Whether the code can be entered at instruction `pc` (the target of a backward jump).
    fn is_entry(&self, pc: u32) -> bool;

    /// Runs the code from loop header `pc` over the frame's registers `regs`.
    ///
    /// # Returns
    /// The instruction at which the interpreter continues, with every register the code
    /// changed written back into `regs`; `None` when the code was not entered (`regs` is
    /// then untouched).
    fn run(&self, regs: &mut [Value], pc: u32, interrupt: &AtomicU8) -> Option<RunExit>;
}

/// How a run of compiled code ended.
#[derive(Debug, Clone, Copy)]
pub struct RunExit {
    /// The instruction where the interpreter continues.
    pub pc: u32,
    /// Backward jumps taken inside compiled code (0: the run made no progress through a
    /// loop, e.g. a guard failed at once).
    pub back_edges: u64,
}

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

    fn rearm(&self, ticks: u32) {
        self.countdown.set(ticks.max(2));
    }
}

/// The engine's installed JIT: the backend and its settings.
#[derive(Clone)]
pub(crate) struct JitHook {
    pub backend: Rc<dyn JitBackend>,
    pub config: JitConfig,
}

impl Vm {
    /// Installs a JIT backend: hot loops of this engine's functions run as machine code.
    pub fn set_jit(&mut self, backend: Rc<dyn JitBackend>, config: JitConfig) {
        self.jit = Some(JitHook { backend, config });
    }

    /// The slow path of `FuncJit::tick`, for a call (`target` is `None`: the function is
    /// compiled when hot so that its loops can enter at once) or a backward jump to
    /// `target` in the running frame (whose registers start at `base`).
    ///
    /// # Returns
    /// The instruction to continue at when compiled code ran.
    #[cold]
    #[inline(never)]
    pub(crate) fn jit_event(
        &mut self,
        func: &Func,
        base: usize,
        target: Option<u32>,
    ) -> Option<u32> {
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
        let n = func.n_slots as usize;
        let regs = self.stack.get_mut(base..base + n)?;
        let exit = code.run(regs, pc, self.lim.flag)?;
        if exit.back_edges == 0 && config.max_unproductive > 0 {
            let u = fj.unproductive.get() + 1;
            fj.unproductive.set(u);
            if u >= config.max_unproductive {
                *fj.state.borrow_mut() = State::Interpreted;
                fj.countdown.set(NEVER);
            }
        }
        Some(exit.pc)
    }
}
