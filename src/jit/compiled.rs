//! `CompiledFn`: one function's machine code, the `JITModule` that owns its memory, and the
//! checked way to run it over a frame's registers (`vm::jit_hook::JitCode`).
//!
//! The only `unsafe` of the JIT is here: `call_raw` turns the code pointer into a callable
//! (the one place that does), `Drop` and `discard` free code memory, and the runtime
//! helpers that compiled code calls reach the engine through the context pointer and then
//! use its safe API: `array_view` and `array_push` (the frame's array registers) and
//! `call_init`, `call_send`, `call_do` (a call of a user function, made through the
//! engine's own call path, `Vm::jit_do_call`).

use std::cell::Cell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::Ordering;

use cranelift_jit::JITModule;

use super::translate::{
    Ctx, DirectSite, Helpers, JSlot, CALL_DECLINED, CALL_DONE, CALL_FAULT, EXIT_DEOPT, EXIT_FAULT,
    RETURN_FLAG, TAG_BOOL, TAG_FLOAT, TAG_INT, TAG_NULL, TAG_OPAQUE, TAG_UNDEF, VIEW_NONE,
    VIEW_READ, VIEW_WRITE,
};
use super::STATS;
use crate::vm::interp::Vm;
use crate::vm::jit_hook::{JitCall, JitCode, JitFrame, RunExit};
use crate::vm::value::Value;

/// The type of every compiled function (`translate::signature`).
type RawFn = unsafe extern "C" fn(*mut JSlot, u32, *mut Ctx) -> u32;

/// A compiled function, entered at loop headers (and at 0 when translated whole).
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
    /// One byte per instruction for the "fail every guard once" test mode (shared by
    /// nested runs of the function: a recursive call runs the same code; its address is
    /// in the code, which is all that reads it).
    #[allow(dead_code)] // Read by the machine code only.
    fired: Box<[Cell<u8>]>,
    /// The direct-call caches of the fused calls (their addresses are in the code; the
    /// helpers reach them through those).
    #[allow(dead_code)] // Read by the machine code and the helpers only.
    sites: Box<[DirectSite]>,
    /// Whether the code may be called directly (`translate::direct_capable`).
    direct: bool,
    /// Whether call sites may still start calling it directly: false once direct calls
    /// of it left machine code `MAX_DEOPTS` times by its own doing.
    direct_ok: Cell<bool>,
    /// Direct calls of it that left machine code by its own doing.
    deopts: Cell<u32>,
    /// Machine code bytes.
    code_bytes: usize,
}

/// The per-function memory the code was translated against (`translate::CodeMemory`).
pub(crate) struct CodeParts {
    pub fired: Box<[Cell<u8>]>,
    pub sites: Box<[DirectSite]>,
    pub direct: bool,
}

/// Direct calls of a function that leave machine code (guards failing, calls it cannot
/// make directly) before call sites stop calling it directly.
const MAX_DEOPTS: u32 = 64;

impl CompiledFn {
    pub(crate) fn new(
        module: JITModule,
        code: *const u8,
        entries: Vec<u32>,
        n_slots: usize,
        n_code: usize,
        code_bytes: usize,
        parts: CodeParts,
    ) -> CompiledFn {
        CompiledFn {
            module: Some(module),
            code,
            entries,
            n_slots,
            n_code: n_code as u32,
            fired: parts.fired,
            sites: parts.sites,
            direct: parts.direct,
            direct_ok: Cell::new(true),
            deopts: Cell::new(0),
            code_bytes,
        }
    }

    /// Machine code bytes.
    pub fn code_bytes(&self) -> usize {
        self.code_bytes
    }

    /// Instructions where the code may be entered.
    pub fn entries(&self) -> &[u32] {
        &self.entries
    }

    /// Calls the machine code over the slots and context `ctx` names.
    fn call_raw(&self, pc: u32, ctx: &mut Ctx) -> u32 {
        debug_assert_eq!(ctx.n_slots, self.n_slots);
        let slots = ctx.slots;
        // SAFETY: `code` is the finalized entry of a function compiled with exactly the
        // `RawFn` signature (`translate::signature`, the host's default calling convention,
        // which is `extern "C"`), and `self.module` keeps its memory mapped and executable
        // for as long as `self` lives. The code reads and writes only the slots (`n_slots`
        // of them, built by `run`), `ctx`, the byte behind `ctx.interrupt`, its own
        // `fired[..n_code]` and `sites` (owned by `self`), its own stack slots, and the
        // elements of packed arrays that `array_view` handed it (in bounds, checked in the
        // code; taken again after every call), all live for this call. The functions it
        // calls are the `helpers()`, which do not unwind (panics are caught and kept in
        // `ctx.panic`), and, directly, the code of `CompiledFn`s that a site of the same
        // engine epoch names (`fill_site`): the engine keeps those alive for its lifetime
        // (`Vm::jit_keep`), which covers this run (`ctx.epoch` is the engine's), and their
        // code obeys this same contract with the arguments at `DIRECT_ENTRY`.
        unsafe {
            let f = std::mem::transmute::<*const u8, RawFn>(self.code);
            f(slots, pc, ctx)
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

/// Writes the slots compiled code holds (all but the opaque ones, whose `Value` it never
/// changed) back into the registers.
fn write_back(regs: &mut [Value], slots: &[JSlot]) {
    for (reg, slot) in regs.iter_mut().zip(slots) {
        let v = match slot.tag {
            TAG_UNDEF => Value::Undef,
            TAG_NULL => Value::Null,
            TAG_BOOL => Value::Bool(slot.bits != 0),
            TAG_INT => Value::Int(slot.bits),
            TAG_FLOAT => Value::Float(f64::from_bits(slot.bits as u64)),
            _ => continue,
        };
        crate::vm::interp::store(reg, v);
    }
}

thread_local! {
    /// Counters of this thread not yet added to `STATS` (runs, back edges, calls, declined
    /// calls), and the nesting of `CompiledFn::run`: the outermost run adds them when it
    /// ends, so the hot path makes no atomic operation.
    static LOCAL_STATS: Cell<([u64; 5], u32)> = const { Cell::new(([0; 5], 0)) };
}

/// Adds to this thread's counter `i` (see `LOCAL_STATS`).
fn count(i: usize, n: u64) {
    LOCAL_STATS.with(|c| {
        let (mut v, d) = c.get();
        v[i] += n;
        c.set((v, d));
    });
}

/// Enters (`true`) or leaves a run; the outermost leave publishes the counters.
fn nest(enter: bool) {
    LOCAL_STATS.with(|c| {
        let (v, d) = c.get();
        if enter {
            c.set((v, d + 1));
        } else if d <= 1 {
            let add = |a: &std::sync::atomic::AtomicU64, n: u64| {
                if n > 0 {
                    a.fetch_add(n, Ordering::Relaxed);
                }
            };
            add(&STATS.runs, v[0]);
            add(&STATS.back_edges, v[1]);
            add(&STATS.calls, v[2]);
            add(&STATS.calls_declined, v[3]);
            add(&STATS.deopts, v[4]);
            c.set(([0; 5], 0));
        } else {
            c.set((v, d - 1));
        }
    });
}

/// Registers held in a fixed array on the native stack (larger frames use a vector).
const INLINE_SLOTS: usize = 16;

impl JitCode for CompiledFn {
    fn is_entry(&self, pc: u32) -> bool {
        self.entries.binary_search(&pc).is_ok()
    }

    fn run(&self, vm: &mut Vm, base: usize, pc: u32) -> Option<RunExit> {
        if !self.is_entry(pc) {
            return None;
        }
        let n = self.n_slots;
        let mut inline = [JSlot { tag: 0, bits: 0 }; INLINE_SLOTS];
        let mut heap = Vec::new();
        let slots: &mut [JSlot] = if n <= INLINE_SLOTS {
            &mut inline[..n]
        } else {
            heap.resize(n, JSlot { tag: 0, bits: 0 });
            &mut heap
        };
        {
            let regs = vm.jit_regs(base, n)?;
            for (slot, reg) in slots.iter_mut().zip(regs.iter()) {
                *slot = to_slot(reg);
            }
        }
        let interrupt = vm.lim.flag.as_ptr().cast_const();
        let (epoch, depth_left, stack_limit) = vm.jit_direct_budget();
        // `vm` is not used again until the code has returned: the helpers reach the engine
        // through this pointer meanwhile.
        let mut ctx = Ctx {
            interrupt,
            back_edges: 0,
            epoch,
            depth_left,
            stack_limit,
            direct_calls: 0,
            vm: std::ptr::from_mut(vm),
            base,
            slots: slots.as_mut_ptr(),
            n_slots: n,
            view_ptr: std::ptr::null_mut(),
            view_len: 0,
            ret_tag: TAG_NULL,
            ret_bits: 0,
            fault: None,
            panic: None,
            deopts: Vec::new(),
            blame: false,
        };
        nest(true);
        let code = self.call_raw(pc, &mut ctx);
        // Registers the code could not hold (opaque) were never written; the others are
        // their current values.
        if let Some(regs) = vm.jit_regs(base, n) {
            write_back(regs, slots);
        }
        let back_edges = ctx.back_edges as u64;
        // A return is not a side exit.
        count(
            0,
            u64::from(code & RETURN_FLAG == 0 || code == EXIT_FAULT || code == EXIT_DEOPT),
        );
        count(1, back_edges);
        count(2, ctx.direct_calls as u64);
        nest(false);
        if let Some(p) = ctx.panic.take() {
            resume_unwind(p);
        }
        if code == EXIT_DEOPT {
            // A direct call left machine code: its frames (and those of the calls it made
            // directly) become interpreter frames above this one.
            let frames = std::mem::take(&mut ctx.deopts);
            return Some(match vm.jit_materialize(frames) {
                Ok(()) => RunExit {
                    pc,
                    back_edges,
                    returned: None,
                    fault: None,
                    pushed: true,
                },
                Err(f) => RunExit {
                    pc,
                    back_edges,
                    returned: None,
                    fault: Some(f),
                    pushed: false,
                },
            });
        }
        if code == EXIT_FAULT {
            return Some(RunExit {
                pc,
                back_edges,
                returned: None,
                fault: ctx.fault.take(),
                pushed: false,
            });
        }
        let (exit, returned) = if code & RETURN_FLAG != 0 {
            let v = from_slot(JSlot {
                tag: ctx.ret_tag,
                bits: ctx.ret_bits,
            });
            (code & !RETURN_FLAG, v)
        } else {
            (code, None)
        };
        // Every exit pc names an instruction of the function (the translator only
        // emits those); anything else would be a translator bug: resume at the entry,
        // whose registers are consistent, rather than index out of range.
        let exit = if exit < self.n_code { exit } else { pc };
        Some(RunExit {
            pc: exit,
            back_edges,
            returned,
            fault: None,
            pushed: false,
        })
    }

    fn into_any(self: Rc<Self>) -> Rc<dyn std::any::Any> {
        self
    }
}

/// A null/bool/int/float slot as a `Value` (`None` for undef and opaque).
fn from_slot(slot: JSlot) -> Option<Value> {
    Some(match slot.tag {
        TAG_NULL => Value::Null,
        TAG_BOOL => Value::Bool(slot.bits != 0),
        TAG_INT => Value::Int(slot.bits),
        TAG_FLOAT => Value::Float(f64::from_bits(slot.bits as u64)),
        _ => return None,
    })
}

/// The helper addresses compiled code is built with.
pub(crate) fn helpers() -> Helpers {
    Helpers {
        array_view: array_view as *const () as usize,
        array_push: array_push as *const () as usize,
        call_init: call_init as *const () as usize,
        call_send: call_send as *const () as usize,
        call_do: call_do as *const () as usize,
        call_fused: call_fused as *const () as usize,
        deopt_save: deopt_save as *const () as usize,
        deopt_link: deopt_link as *const () as usize,
    }
}

/// The engine compiled code runs in, and its context.
///
/// # Safety
/// `ctx` is the context `CompiledFn::run` built for the call that is running (its only
/// caller passes it): `ctx.vm` is the engine, which nothing else accesses while the helper
/// runs (`run` does not touch it until the code returns), and the returned references are
/// dropped before the helper returns.
unsafe fn engine<'a>(ctx: *mut Ctx) -> (&'a mut Vm, &'a mut Ctx) {
    // SAFETY: per this function's contract; `Ctx` and `Vm` are distinct objects.
    unsafe {
        let ctx = &mut *ctx;
        (&mut *ctx.vm, ctx)
    }
}

/// The run's slot array.
///
/// # Safety
/// As `engine`: `ctx.slots` points to the run's `ctx.n_slots` slots, which the code does
/// not access while the helper runs.
unsafe fn slot_array<'a>(ctx: &Ctx) -> &'a mut [JSlot] {
    // SAFETY: per this function's contract.
    unsafe { std::slice::from_raw_parts_mut(ctx.slots, ctx.n_slots) }
}

/// Compiled code's `Helpers::call_init`. Cannot unwind (a panic is kept for `run`).
extern "C" fn call_init(ctx: *mut Ctx, pc: u64) -> u64 {
    // SAFETY: compiled code passes the context of the running `run` call; see `engine`.
    let (vm, ctx) = unsafe { engine(ctx) };
    let Ok(pc) = u32::try_from(pc) else { return 0 };
    match catch_unwind(AssertUnwindSafe(|| vm.jit_init_call(pc))) {
        Ok(done) => u64::from(done),
        Err(p) => {
            ctx.panic = Some(p);
            0
        }
    }
}

/// Compiled code's `Helpers::call_send`. Cannot panic.
extern "C" fn call_send(ctx: *mut Ctx, tag: i64, bits: i64) -> u64 {
    let Some(v) = from_slot(JSlot { tag, bits }) else {
        return 0;
    };
    // SAFETY: compiled code passes the context of the running `run` call; see `engine`.
    let (vm, _) = unsafe { engine(ctx) };
    u64::from(vm.jit_send(v))
}

/// Compiled code's `Helpers::call_do`: makes the call (`Vm::jit_do_call`) in
/// `around_call`. Cannot unwind.
extern "C" fn call_do(ctx: *mut Ctx, pc: u64, dst: i64) -> i64 {
    let Ok(pc) = u32::try_from(pc) else {
        return CALL_DECLINED;
    };
    let dst = u32::try_from(dst).ok();
    // SAFETY: compiled code passes the context of the running `run` call.
    unsafe { around_call(ctx, |vm| vm.jit_do_call(pc, dst)) }
}

/// Compiled code's `Helpers::call_fused`: makes the fused call (`Vm::jit_call_fused`) in
/// `around_call`, then fills the call site's direct-call cache when the callee can be
/// called directly. Cannot unwind.
extern "C" fn call_fused(
    ctx: *mut Ctx,
    pcs: i64,
    dst: i64,
    args: *const JSlot,
    n: i64,
    site: *const DirectSite,
) -> i64 {
    let (init, pc) = (pcs as u32, (pcs >> 32) as u32);
    let dst = u32::try_from(dst).ok();
    let Ok(n) = usize::try_from(n) else {
        return CALL_DECLINED;
    };
    // SAFETY: the code passes the address of its argument stack slot for this call, which
    // holds `n` slots it stored (scalars, guarded), live during the helper call.
    let args = unsafe { std::slice::from_raw_parts(args, n) };
    if args.iter().any(|a| from_slot(*a).is_none()) {
        return CALL_DECLINED;
    }
    let vals = args.iter().map(|a| from_slot(*a).unwrap_or(Value::Null));
    // SAFETY: compiled code passes the context of the running `run` call.
    let r = unsafe { around_call(ctx, |vm| vm.jit_call_fused(init, pc, dst, vals)) };
    if r == CALL_DONE {
        // SAFETY: as above (the call is over; nothing else uses the engine or context),
        // and `site` is the address of one of the running code's own `DirectSite`s.
        let (vm, ctx, site) = unsafe {
            let (vm, ctx) = engine(ctx);
            (vm, ctx, &*site)
        };
        if ctx.epoch != 0 && site.epoch.get() != ctx.epoch {
            let epoch = ctx.epoch;
            if catch_unwind(AssertUnwindSafe(|| fill_site(vm, epoch, site, init, n))).is_err() {
                // Resolving the callee again cannot fail after it was called; a panic
                // there leaves the site empty.
                site.epoch.set(0);
            }
        }
    }
    r
}

/// Points `site` (whose `InitFCall` is at `init` of the innermost frame's function, with
/// `n_args` arguments) at the callee's code for the engine `epoch`, when the callee is
/// compiled for direct calls and takes exactly these arguments by value.
fn fill_site(vm: &mut Vm, epoch: u64, site: &DirectSite, init: u32, n_args: usize) {
    let Some((func, code)) = vm.jit_direct_target(init) else {
        return;
    };
    if func.params.len() != n_args || func.params.iter().any(|p| p.by_ref || p.variadic) {
        return;
    }
    let Ok(code) = code.into_any().downcast::<CompiledFn>() else {
        return;
    };
    if !code.direct
        || !code.direct_ok.get()
        || !code.is_entry(0)
        || code.n_slots > super::translate::DIRECT_AREA_SLOTS
    {
        return;
    }
    site.code.set(code.code);
    site.callee.replace(Rc::downgrade(&func));
    site.callee_code.set(Rc::as_ptr(&code));
    site.epoch.set(epoch);
    vm.jit_keep(func);
    vm.jit_keep(code);
}

/// Compiled code's `Helpers::deopt_save`: a directly called activation leaves machine code
/// at `n_pc & 0xffff_ffff` with its `n_pc >> 32` registers at `slots`; its frame is
/// recorded (the function and the caller's side follow in `deopt_link`). Cannot unwind.
extern "C" fn deopt_save(ctx: *mut Ctx, slots: *const JSlot, n_pc: i64) -> i64 {
    let (n, pc) = ((n_pc >> 32) as usize, n_pc as u32);
    // SAFETY: compiled code passes the context of the running `run` call and its own
    // slot array of `n` slots, live and not accessed while the helper runs.
    let (ctx, slots) = unsafe { (&mut *ctx, std::slice::from_raw_parts(slots, n)) };
    if ctx.deopts.is_empty() {
        // The activation that leaves first: its own doing unless direct calls ran out
        // (nesting or native stack), which is nobody's fault.
        let marker = 0u8;
        let sp = std::hint::black_box(&marker) as *const u8 as usize;
        ctx.blame = ctx.depth_left > 0 && sp > ctx.stack_limit.saturating_add(1 << 16);
    }
    let regs = slots
        .iter()
        .map(|s| from_slot(*s).unwrap_or(Value::Undef))
        .collect();
    ctx.deopts.push(JitFrame {
        func: None,
        regs,
        pc,
        ret_dst: None,
        caller_pc: 0,
    });
    0
}

/// Compiled code's `Helpers::deopt_link`: the direct call at `site` came back with
/// `EXIT_DEOPT`; the newest record (the callee's frame) gets its function, its result
/// register and its caller's pc (`call_dst`: the `DoCall`'s pc, and the register above
/// bit 32, `u32::MAX` for none). Cannot unwind.
extern "C" fn deopt_link(ctx: *mut Ctx, site: *const DirectSite, call_dst: i64) -> i64 {
    let (call, dst) = (call_dst as u32, (call_dst >> 32) as u32);
    // SAFETY: compiled code passes the context of the running `run` call and the address
    // of one of its own `DirectSite`s, whose callee it just called (so the engine keeps
    // `callee_code` alive, `fill_site`).
    let (ctx, site) = unsafe { (&mut *ctx, &*site) };
    let origin = ctx.deopts.len() == 1;
    if let Some(rec) = ctx.deopts.last_mut() {
        rec.func = site.callee.borrow().upgrade();
        rec.ret_dst = (dst != u32::MAX).then_some(dst);
        rec.caller_pc = call.saturating_add(1);
    }
    let callee = site.callee_code.get();
    if origin && ctx.blame && !callee.is_null() {
        // SAFETY: see above: the callee's code is alive while the engine is.
        let callee = unsafe { &*callee };
        let n = callee.deopts.get() + 1;
        callee.deopts.set(n);
        if n >= MAX_DEOPTS {
            // Keeps leaving machine code: called through the engine from now on.
            callee.direct_ok.set(false);
        }
    }
    if !callee.is_null() {
        // SAFETY: as above.
        let callee = unsafe { &*callee };
        if !callee.direct_ok.get() {
            site.epoch.set(0);
        }
    }
    count(4, 1);
    0
}

/// Writes the registers back, makes the call `call` and reads the registers again into
/// the slots; the helpers' result code (a fault or a caught panic is kept in the context).
///
/// # Safety
/// As `engine`.
unsafe fn around_call(ctx: *mut Ctx, call: impl FnOnce(&mut Vm) -> JitCall) -> i64 {
    // SAFETY: per this function's contract.
    let (vm, ctx) = unsafe { engine(ctx) };
    // SAFETY: as above; the code waits for this helper.
    let slots = unsafe { slot_array(ctx) };
    let (base, n) = (ctx.base, ctx.n_slots);
    match vm.jit_regs(base, n) {
        Some(regs) => write_back(regs, slots),
        None => return CALL_DECLINED,
    }
    let r = catch_unwind(AssertUnwindSafe(|| call(vm)));
    if let Some(regs) = vm.jit_regs(base, n) {
        for (slot, reg) in slots.iter_mut().zip(regs.iter()) {
            *slot = to_slot(reg);
        }
    }
    match r {
        Ok(JitCall::Done) => {
            count(2, 1);
            CALL_DONE
        }
        Ok(JitCall::Declined) => {
            count(3, 1);
            CALL_DECLINED
        }
        Ok(JitCall::Fault(f)) => {
            ctx.fault = Some(f);
            CALL_FAULT
        }
        Err(p) => {
            ctx.panic = Some(p);
            CALL_FAULT
        }
    }
}

/// Register `reg` of the frame compiled code runs over.
///
/// # Safety
/// As `engine`.
unsafe fn reg_mut<'a>(ctx: *mut Ctx, reg: u64) -> Option<&'a mut Value> {
    // SAFETY: per this function's contract.
    let (vm, ctx) = unsafe { engine(ctx) };
    let i = usize::try_from(reg).ok().filter(|&i| i < ctx.n_slots)?;
    vm.jit_regs(ctx.base, ctx.n_slots)?.get_mut(i)
}

/// Compiled code's `Helpers::array_view`: how far register `reg` may be used as an array,
/// up to `want` (`VIEW_WRITE`: a packed array no other value shares, so writing its
/// elements needs no copy; `VIEW_READ`: a packed array; `VIEW_NONE`), with its elements'
/// address and number stored in the context when not none. Cannot panic (an `extern "C"`
/// function must not unwind).
extern "C" fn array_view(ctx: *mut Ctx, reg: u64, want: u64) -> u64 {
    // SAFETY: compiled code passes the context of the running `run` call (its only
    // caller); see `reg_mut`.
    let Some(Value::Array(a)) = (unsafe { reg_mut(ctx, reg) }) else {
        return VIEW_NONE as u64;
    };
    let view = if want >= VIEW_WRITE as u64 {
        Rc::get_mut(a)
            .and_then(|a| a.packed_values_mut())
            .map(|v| (v.as_mut_ptr(), v.len(), VIEW_WRITE))
    } else {
        None
    };
    let view = view.or_else(|| {
        a.packed_values()
            .map(|v| (v.as_ptr().cast_mut(), v.len(), VIEW_READ))
    });
    let Some((ptr, len, got)) = view else {
        return VIEW_NONE as u64;
    };
    // SAFETY: as above, `ctx` is the live context; no other reference to it exists while
    // the helper runs.
    let ctx = unsafe { &mut *ctx };
    ctx.view_ptr = ptr;
    ctx.view_len = len as i64;
    got as u64
}

/// Compiled code's `Helpers::array_push` (`$a[] = v` for a null/bool/int/float `v`):
/// appends to the array of register `reg` when no other value shares it and returns 1;
/// else (not an array, shared, next index taken, not a scalar) returns 0, changing
/// nothing. Cannot panic.
extern "C" fn array_push(ctx: *mut Ctx, reg: u64, tag: i64, bits: i64) -> u64 {
    let v = match tag {
        TAG_NULL => Value::Null,
        TAG_BOOL => Value::Bool(bits != 0),
        TAG_INT => Value::Int(bits),
        TAG_FLOAT => Value::Float(f64::from_bits(bits as u64)),
        _ => return 0,
    };
    // SAFETY: compiled code passes the context of the running `run` call (its only
    // caller); see `reg_mut`.
    let Some(Value::Array(a)) = (unsafe { reg_mut(ctx, reg) }) else {
        return 0;
    };
    match Rc::get_mut(a) {
        Some(a) => u64::from(a.push(v)),
        None => 0,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout `translate.rs` reads and writes array elements with (`Value` is
    /// `repr(u8)`): tag byte at 0 equal to the `TAG_*` constants, bool at 1, int and
    /// float at 8.
    #[test]
    fn value_layout_matches_tags() {
        fn bytes(v: &Value) -> (u8, u8, i64) {
            let p = (v as *const Value).cast::<u8>();
            // SAFETY: `Value` is `repr(u8)` (a tagged union of `repr(C)` variants): byte 0
            // is the tag; the caller reads byte 1 only for `Bool` and bytes 8..16 only for
            // `Int` and `Float`, where those are the initialised payload.
            unsafe {
                let tag = *p;
                let b = if tag == TAG_BOOL as u8 { *p.add(1) } else { 0 };
                let w = if tag == TAG_INT as u8 || tag == TAG_FLOAT as u8 {
                    p.add(8).cast::<i64>().read_unaligned()
                } else {
                    0
                };
                (tag, b, w)
            }
        }
        assert_eq!(bytes(&Value::Undef).0, TAG_UNDEF as u8);
        assert_eq!(bytes(&Value::Null).0, TAG_NULL as u8);
        assert_eq!(bytes(&Value::Bool(true)), (TAG_BOOL as u8, 1, 0));
        assert_eq!(bytes(&Value::Bool(false)), (TAG_BOOL as u8, 0, 0));
        assert_eq!(bytes(&Value::Int(-5)), (TAG_INT as u8, 0, -5));
        let f = Value::Float(1.5);
        assert_eq!(bytes(&f), (TAG_FLOAT as u8, 0, 1.5f64.to_bits() as i64));
        assert_eq!(std::mem::size_of::<Value>(), 16);
    }
}
