//! `CompiledFn`: one function's machine code, the `JITModule` that owns its memory, and the
//! checked way to run it over a frame's registers (`vm::jit_hook::JitCode`).
//!
//! The only `unsafe` of the JIT is here: `call_raw` turns the code pointer into a callable
//! (the one place that does), and `Drop` and `discard` free code memory.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU8, Ordering};

use cranelift_jit::JITModule;

use super::translate::{Ctx, JSlot, TAG_BOOL, TAG_FLOAT, TAG_INT, TAG_NULL, TAG_OPAQUE, TAG_UNDEF};
use super::STATS;
use crate::vm::jit_hook::{JitCode, RunExit};
use crate::vm::value::Value;

/// The type of every compiled function (`translate::signature`).
type RawFn = unsafe extern "C" fn(*mut JSlot, u32, *mut Ctx) -> u32;

/// A compiled function, entered at loop headers.
pub struct CompiledFn {
    /// Owns the code memory; `None` only while dropping.
    module: Option<JITModule>,
    /// The finalized code of the function, valid while `module` lives.
    code: *const u8,
    /// Loop headers where the code may be entered (sorted).
    entries: Vec<u32>,
    /// Registers of the function (`Func::n_slots`).
    n_slots: usize,
    /// Instructions of the function: every exit pc is below this.
    n_code: u32,
    /// One byte per instruction for the "fail every guard once" test mode.
    fired: RefCell<Vec<u8>>,
    /// Machine code bytes.
    code_bytes: usize,
}

impl CompiledFn {
    pub(crate) fn new(
        module: JITModule,
        code: *const u8,
        entries: Vec<u32>,
        n_slots: usize,
        n_code: usize,
        code_bytes: usize,
    ) -> CompiledFn {
        CompiledFn {
            module: Some(module),
            code,
            entries,
            n_slots,
            n_code: n_code as u32,
            fired: RefCell::new(vec![0; n_code]),
            code_bytes,
        }
    }

    /// Machine code bytes.
    pub fn code_bytes(&self) -> usize {
        self.code_bytes
    }

    /// Loop headers where the code may be entered.
    pub fn entries(&self) -> &[u32] {
        &self.entries
    }

    /// Calls the machine code.
    fn call_raw(&self, slots: &mut [JSlot], pc: u32, ctx: &mut Ctx) -> u32 {
        debug_assert_eq!(slots.len(), self.n_slots);
        // SAFETY: `code` is the finalized entry of a function compiled with exactly the
        // `RawFn` signature (`translate::signature`, the host's default calling convention,
        // which is `extern "C"`), and `self.module` keeps its memory mapped and executable
        // for as long as `self` lives. The code reads and writes only `slots` (`n_slots`
        // elements, checked by the caller), `ctx`, the byte behind `ctx.interrupt` and
        // `ctx.fired[..n_code]`, all live for this call; it calls nothing and cannot unwind.
        unsafe {
            let f = std::mem::transmute::<*const u8, RawFn>(self.code);
            f(slots.as_mut_ptr(), pc, ctx)
        }
    }
}

/// A register as compiled code sees it.
fn to_slot(v: &Value) -> JSlot {
    let (tag, bits) = match v {
        Value::Undef => (TAG_UNDEF, 0),
        Value::Null => (TAG_NULL, 0),
        Value::Bool(b) => (TAG_BOOL, i64::from(*b)),
        Value::Int(i) => (TAG_INT, *i),
        Value::Float(f) => (TAG_FLOAT, f.to_bits() as i64),
        _ => (TAG_OPAQUE, 0),
    };
    JSlot { tag, bits }
}

impl JitCode for CompiledFn {
    fn is_entry(&self, pc: u32) -> bool {
        self.entries.binary_search(&pc).is_ok()
    }

    fn run(&self, regs: &mut [Value], pc: u32, interrupt: &AtomicU8) -> Option<RunExit> {
        if regs.len() != self.n_slots || !self.is_entry(pc) {
            return None;
        }
        let mut slots: Vec<JSlot> = regs.iter().map(to_slot).collect();
        let mut fired = self.fired.try_borrow_mut().ok()?;
        let mut ctx = Ctx {
            interrupt: interrupt.as_ptr().cast_const(),
            fired: fired.as_mut_ptr(),
            back_edges: 0,
        };
        let exit = self.call_raw(&mut slots, pc, &mut ctx);
        drop(fired);
        // Registers the code could not hold (opaque) were never written; the others are
        // their current values.
        for (reg, slot) in regs.iter_mut().zip(&slots) {
            *reg = match slot.tag {
                TAG_UNDEF => Value::Undef,
                TAG_NULL => Value::Null,
                TAG_BOOL => Value::Bool(slot.bits != 0),
                TAG_INT => Value::Int(slot.bits),
                TAG_FLOAT => Value::Float(f64::from_bits(slot.bits as u64)),
                _ => continue,
            };
        }
        STATS.runs.fetch_add(1, Ordering::Relaxed);
        STATS
            .back_edges
            .fetch_add(ctx.back_edges as u64, Ordering::Relaxed);
        // Every exit pc names an instruction of the function (the translator only
        // emits those); anything else would be a translator bug: resume at the header,
        // whose registers are consistent, rather than index out of range.
        let exit = if exit < self.n_code { exit } else { pc };
        Some(RunExit {
            pc: exit,
            back_edges: ctx.back_edges as u64,
        })
    }
}

/// Frees the memory of a module whose function failed to compile.
pub(crate) fn discard(module: JITModule) {
    // SAFETY: the module's code was never finalized into a `CompiledFn`, so no pointer to
    // it was taken and nothing of it can be running.
    unsafe { module.free_memory() };
}

impl Drop for CompiledFn {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: the code pointer is used only inside `call_raw`, which borrows
            // `self`; no call can be running while `self` is dropped, and no copy of the
            // pointer survives it.
            unsafe { module.free_memory() };
        }
    }
}
