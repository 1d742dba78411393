//! Bytecode to Cranelift IR (`FunctionTranslator`): which instructions compile, where
//! compiled code may be entered, and one `translate_*` method per instruction family.
//!
//! The compiled function works on a copy of the frame's registers as tagged 16-byte slots
//! (`JSlot`): a register's tag and bits live in Cranelift variables (so arithmetic runs in
//! machine registers) and every write is also stored to its slot ("write-through"), so at
//! any instruction boundary the slots in memory are the registers' true values. A side
//! exit is therefore just "return the pc": nothing needs to be spilled, and `compiled.rs`
//! turns the slots back into `Value`s.
//!
//! Every translated instruction first checks (guards) that its operands have the types its
//! fast path handles, exactly the interpreter's fast paths in `vm/interp/mod.rs`
//! (`fast_binary`, the fused compare-and-branch ops, `IncDecLocal`); anything else exits to
//! the interpreter *before* any write, at the instruction itself, which the interpreter
//! then runs with its full semantics (warnings, conversions, errors). Int overflow of `+`,
//! `-` and `*` is computed in machine code exactly as the interpreter does (`x as f64 op
//! y as f64`); `++`/`--` overflow exits.
//!
//! Registers holding strings, arrays, objects and references are `TAG_OPAQUE`, and any
//! instruction reading or overwriting one exits, with one exception: array element
//! instructions on a local (`translate_path`) read and write the scalar elements of a packed
//! array in place, through a view (`ArrayView`) that the `array_view` helper establishes
//! once per run and array register.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::Value as ClifValue;
use cranelift_codegen::ir::{types, AbiParam, Block, InstBuilder, MemFlagsData, SigRef, Signature};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, Switch, Variable};

use crate::vm::ast::BinOp;
use crate::vm::bytecode::{Func, Op, Operand, PathAction, PathBase, PathElem, Slot};
use crate::vm::coerce::{SimpleType, TypeMember, TypeSpec};
use crate::vm::value::Value;

/// Tag of an unset register (`Value::Undef`).
pub(crate) const TAG_UNDEF: i64 = 0;
/// Tag of `null`.
pub(crate) const TAG_NULL: i64 = 1;
/// Tag of a bool (bits 0 or 1).
pub(crate) const TAG_BOOL: i64 = 2;
/// Tag of an int (bits: the `i64`).
pub(crate) const TAG_INT: i64 = 3;
/// Tag of a float (bits: `f64::to_bits`).
pub(crate) const TAG_FLOAT: i64 = 4;
/// Anything compiled code does not handle (string, array, object, reference): its `Value`
/// stays in the frame untouched.
pub(crate) const TAG_OPAQUE: i64 = 5;

/// One register as compiled code sees it.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct JSlot {
    pub tag: i64,
    pub bits: i64,
}

/// Byte size of a `JSlot` (the stride of the slot array).
const SLOT_SIZE: i32 = 16;

/// What compiled code gets besides the slots: one per run of compiled code (`run`), shared
/// by the functions the run calls directly.
#[repr(C)]
pub(crate) struct Ctx {
    /// The engine thread's interrupt flag (time and memory limits), read at backward jumps
    /// and direct calls.
    pub interrupt: *const u8,
    /// Written at exit: backward jumps taken.
    pub back_edges: i64,
    /// The engine's epoch (`JitHook::epoch`; 0: no direct calls in this run): a call site
    /// whose cached callee has this epoch calls its code directly.
    pub epoch: u64,
    /// Direct calls this run may still nest (decremented around each).
    pub depth_left: i64,
    /// The lowest native stack pointer a direct call may start at.
    pub stack_limit: usize,
    /// Direct calls made (statistics).
    pub direct_calls: i64,
    /// The engine, for the helpers (`compiled.rs`); the frame's registers are
    /// `stack[base..base + n_slots]`.
    pub vm: *mut crate::vm::interp::Vm,
    pub base: usize,
    /// The slot array of the run (`n_slots` of them), for the call helpers, which write
    /// the registers back before a call and read them again after it.
    pub slots: *mut JSlot,
    pub n_slots: usize,
    /// Written by `array_view`: the elements of the array it looked at, and their number.
    pub view_ptr: *mut Value,
    pub view_len: i64,
    /// Written by the code at a `Return` (exit code `RETURN_FLAG | pc`): the value.
    pub ret_tag: i64,
    pub ret_bits: i64,
    /// Set by the call helper when a call failed (exit code `EXIT_FAULT`).
    pub fault: Option<crate::vm::error::Fault>,
    /// Set by a helper that caught a panic of the engine (exit code `EXIT_FAULT`): resumed
    /// once the code has returned (a panic must not unwind through machine code).
    pub panic: Option<Box<dyn std::any::Any + Send>>,
    /// Frames of directly called functions that left machine code (`EXIT_DEOPT`),
    /// innermost first: the run materialises them as interpreter frames.
    pub deopts: Vec<crate::vm::jit_hook::JitFrame>,
    /// Whether the first of `deopts` left machine code by its own doing (a guard, a call
    /// it cannot make directly), not because direct calls ran out of depth or stack.
    pub blame: bool,
}

/// The cache of one fused call site (`FusedCall`) for direct calls: the callee's code,
/// valid while `epoch` is the running engine's (`Ctx::epoch`). Filled by `call_fused`
/// (`compiled.rs`) when the callee is compiled and takes the call's arguments by value.
#[repr(C)]
pub(crate) struct DirectSite {
    /// The engine epoch this entry was filled for (0: empty).
    pub epoch: std::cell::Cell<u64>,
    /// The callee's code, entered at `DIRECT_ENTRY`.
    pub code: std::cell::Cell<*const u8>,
    /// The callee (for its interpreter frame when it leaves machine code).
    pub callee: std::cell::RefCell<std::rc::Weak<Func>>,
    /// The callee's `CompiledFn` (kept alive by the engine, `Vm::jit_keep`).
    pub callee_code: std::cell::Cell<*const super::CompiledFn>,
}

impl DirectSite {
    pub(crate) fn empty() -> DirectSite {
        DirectSite {
            epoch: std::cell::Cell::new(0),
            code: std::cell::Cell::new(std::ptr::null()),
            callee: std::cell::RefCell::new(std::rc::Weak::new()),
            callee_code: std::cell::Cell::new(std::ptr::null()),
        }
    }
}

const SITE_EPOCH: i32 = std::mem::offset_of!(DirectSite, epoch) as i32;
const SITE_CODE: i32 = std::mem::offset_of!(DirectSite, code) as i32;
const SITE_SIZE: i64 = std::mem::size_of::<DirectSite>() as i64;

/// The entry "pc" of a direct call: the slots argument points to the caller's argument
/// area, which starts with the arguments (one `JSlot` per parameter) and is the callee's
/// register file (`DIRECT_AREA_SLOTS`); every exit but a `Return` first records the frame
/// (`Helpers::deopt_save`) and ends with `EXIT_DEOPT`.
pub(crate) const DIRECT_ENTRY: u32 = 0x7fff_fff0;
/// Registers of a function that a call site may call directly: the caller's argument
/// area (a stack slot of its frame) is the callee's register file.
pub(crate) const DIRECT_AREA_SLOTS: usize = 24;
/// Exit code of a directly called function that left machine code (its frame recorded in
/// `Ctx::deopts`), and of a run whose direct call did.
pub(crate) const EXIT_DEOPT: u32 = u32::MAX - 1;
/// Exit code of a run ended by a `Return` at pc `code & !RETURN_FLAG`.
pub(crate) const RETURN_FLAG: u32 = 1 << 31;
/// Exit code of a run ended by a failed call (`Ctx::fault`) or a panic (`Ctx::panic`).
pub(crate) const EXIT_FAULT: u32 = u32::MAX;

/// Byte offset of `Ctx::view_ptr` / `Ctx::view_len`.
const CTX_VIEW_PTR: i32 = std::mem::offset_of!(Ctx, view_ptr) as i32;
const CTX_VIEW_LEN: i32 = std::mem::offset_of!(Ctx, view_len) as i32;
const CTX_BACK_EDGES: i32 = std::mem::offset_of!(Ctx, back_edges) as i32;
const CTX_RET_TAG: i32 = std::mem::offset_of!(Ctx, ret_tag) as i32;
const CTX_RET_BITS: i32 = std::mem::offset_of!(Ctx, ret_bits) as i32;
const CTX_INTERRUPT: i32 = std::mem::offset_of!(Ctx, interrupt) as i32;
const CTX_EPOCH: i32 = std::mem::offset_of!(Ctx, epoch) as i32;
const CTX_DEPTH_LEFT: i32 = std::mem::offset_of!(Ctx, depth_left) as i32;
const CTX_STACK_LIMIT: i32 = std::mem::offset_of!(Ctx, stack_limit) as i32;
const CTX_DIRECT_CALLS: i32 = std::mem::offset_of!(Ctx, direct_calls) as i32;

/// Byte size of a `Value`, the stride of a packed array's elements. `Value` is
/// `repr(u8)`: its tag byte is at offset 0 and equals the `TAG_*` constants for undef to
/// float, a bool is the byte at offset 1, an int or float the 8 bytes at offset 8.
const VALUE_SIZE: i64 = std::mem::size_of::<Value>() as i64;

/// Addresses of the runtime helpers compiled code calls (`compiled.rs`), each
/// `extern "C"` with the host's default calling convention.
#[derive(Clone, Copy)]
pub(crate) struct Helpers {
    /// `fn(ctx: *mut Ctx, reg: u64, want: u64) -> u64`: how far register `reg` may be
    /// used as an array, up to `want`: `VIEW_WRITE` (a packed array no other value
    /// shares), `VIEW_READ` (a packed array) or `VIEW_NONE`; when not none, its elements
    /// and their number are in `ctx.view_ptr` and `ctx.view_len`.
    pub array_view: usize,
    /// `fn(ctx: *mut Ctx, reg: u64, tag: i64, bits: i64) -> u64`: appends the scalar to
    /// the uniquely owned array in register `reg` (`$a[] = v`); 1 when done, 0 when not
    /// (nothing changed).
    pub array_push: usize,
    /// `fn(ctx: *mut Ctx, pc: u64) -> u64`: `InitFCall` at `pc`; 1 when done, 0 when not
    /// (nothing changed).
    pub call_init: usize,
    /// `fn(ctx: *mut Ctx, tag: i64, bits: i64) -> u64`: sends the scalar as the next
    /// argument; 1 when done, 0 when not (a by-reference parameter; nothing changed).
    pub call_send: usize,
    /// `fn(ctx: *mut Ctx, pc: u64, dst: i64) -> u64`: `DoCall` at `pc` into register `dst`
    /// (-1: none), with the registers written back before and read again into the slots
    /// after: `CALL_DONE`, `CALL_DECLINED` (nothing changed) or `CALL_FAULT`.
    pub call_do: usize,
    /// `fn(ctx: *mut Ctx, pcs: i64, dst: i64, args: *const JSlot, n: i64,
    /// site: *const DirectSite) -> i64`: a fused call (`fused_calls`): `InitFCall` at
    /// `pcs & 0xffff_ffff`, the `n` scalar arguments `args`, `DoCall` at `pcs >> 32` into
    /// `dst` (-1: none); registers written back and read again as for `call_do`, same
    /// results (declined: nothing changed). Fills `site` for direct calls when it can.
    pub call_fused: usize,
    /// `fn(ctx: *mut Ctx, slots: *const JSlot, n_pc: i64) -> i64`: a directly called
    /// function leaves machine code at pc `n_pc & 0xffff_ffff` with its `n_pc >> 32`
    /// registers `slots`: records the frame in `Ctx::deopts`.
    pub deopt_save: usize,
    /// `fn(ctx: *mut Ctx, site: *const DirectSite, call_dst: i64) -> i64`: the direct
    /// call at `site` (its `DoCall` at `call_dst & 0xffff_ffff`, result register
    /// `call_dst >> 32`, `u32::MAX`: none) came back with `EXIT_DEOPT`: completes the
    /// callee's record (the newest) with its function and its caller's side.
    pub deopt_link: usize,
}

pub(crate) const CALL_DONE: i64 = 0;
pub(crate) const CALL_DECLINED: i64 = 1;
pub(crate) const CALL_FAULT: i64 = 2;

/// The signature of every compiled function:
/// `extern "C" fn(slots: *mut JSlot, entry_pc: u32, ctx: *mut Ctx) -> u32` (the exit pc).
pub(crate) fn signature(
    ptr: types::Type,
    call_conv: cranelift_codegen::isa::CallConv,
) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(types::I32));
    sig.params.push(AbiParam::new(ptr));
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

/// Whether `func`, compiled with `entries`, may be called directly (`DIRECT_ENTRY`): it is
/// entered at its first instruction, and everything in it that needs the engine is a
/// fused call (whose direct path needs nothing of it) or an exit; no array registers.
pub(crate) fn direct_capable(func: &Func, entries: &[u32]) -> bool {
    if !entries.contains(&0) || !array_regs(func).is_empty() {
        return false;
    }
    let fused = fused_calls(func);
    func.code.iter().enumerate().all(|(pc, op)| {
        let pc = pc as u32;
        match op {
            Op::InitFCall { .. } => fused.iter().any(|f| f.init == pc),
            Op::SendVal { .. } | Op::SendPath { .. } | Op::DoCall { .. } => {
                fused.iter().any(|f| f.init < pc && pc <= f.call)
            }
            _ => true,
        }
    })
}

/// Whether `op` reads as a value compiled code can hold: a register in range, or a
/// null/bool/int/float constant.
fn scalar_operand(func: &Func, op: Operand) -> bool {
    if op.is_const() {
        matches!(
            func.consts.get(op.index() as usize),
            Some(Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_))
        )
    } else {
        op.index() < func.n_slots
    }
}

/// The array element a path instruction works on, when it is one compiled code handles:
/// one step into a local variable, `$a[$k]` or `$a[]`.
#[derive(Clone, Copy)]
enum Elem {
    Dim { arr: Slot, key: Operand },
    Append { arr: Slot },
}

fn array_elem(func: &Func, path: u32) -> Option<Elem> {
    let path = func.paths.get(path as usize)?;
    let PathBase::Local(arr) = path.base else {
        return None;
    };
    if !slot_ok(func, arr) {
        return None;
    }
    match path.elems.as_slice() {
        [PathElem::Dim(key)] if scalar_operand(func, *key) => Some(Elem::Dim { arr, key: *key }),
        [PathElem::Append] => Some(Elem::Append { arr }),
        _ => None,
    }
}

/// Compound assignments with a machine-code fast path (`$a[$k] op= v`).
fn assign_op_supported(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::Div
            | BinOp::Mod
            | BinOp::BitAnd
            | BinOp::BitOr
            | BinOp::BitXor
            | BinOp::Shl
            | BinOp::Shr
    )
}

/// Whether a path instruction has a translation.
fn path_supported(
    func: &Func,
    path: u32,
    action: PathAction,
    val: Option<Operand>,
    dst: Option<Slot>,
) -> bool {
    let Some(elem) = array_elem(func, path) else {
        return false;
    };
    if !dst.is_none_or(|d| slot_ok(func, d)) {
        return false;
    }
    let val_ok = val.is_some_and(|v| scalar_operand(func, v));
    match (action, elem) {
        (PathAction::Fetch, Elem::Dim { .. }) => dst.is_some(),
        (PathAction::Assign, _) => val_ok,
        (PathAction::AssignOp(op), Elem::Dim { .. }) => assign_op_supported(op) && val_ok,
        _ => false,
    }
}

/// Whether a compiled array instruction writes the array in register `reg`.
fn array_written(func: &Func, reg: Slot) -> bool {
    func.code.iter().any(|op| match op {
        Op::PathOp {
            path,
            action: action @ (PathAction::Assign | PathAction::AssignOp(_)),
            val,
            dst,
        } if path_supported(func, *path, *action, *val, *dst) => matches!(
            array_elem(func, *path),
            Some(Elem::Dim { arr, .. } | Elem::Append { arr }) if arr == reg
        ),
        _ => false,
    })
}

/// The registers that compiled array instructions use as arrays.
fn array_regs(func: &Func) -> Vec<Slot> {
    let mut regs: Vec<Slot> = func
        .code
        .iter()
        .filter_map(|op| match op {
            Op::PathOp {
                path,
                action,
                val,
                dst,
            } if path_supported(func, *path, *action, *val, *dst) => {
                match array_elem(func, *path)? {
                    Elem::Dim { arr, .. } | Elem::Append { arr } => Some(arr),
                }
            }
            _ => None,
        })
        .collect();
    regs.sort_unstable();
    regs.dedup();
    regs
}

fn slot_ok(func: &Func, s: Slot) -> bool {
    s < func.n_slots
}

fn target_ok(func: &Func, t: u32) -> bool {
    (t as usize) < func.code.len()
}

/// Binary operators with a machine-code fast path.
fn binop_supported(op: BinOp) -> bool {
    assign_op_supported(op)
        || matches!(
            op,
            BinOp::Lt
                | BinOp::Le
                | BinOp::Gt
                | BinOp::Ge
                | BinOp::Eq
                | BinOp::NotEq
                | BinOp::Identical
                | BinOp::NotIdentical
                | BinOp::Spaceship
        )
}

/// Whether the instruction has a translation (its guards may still exit at run time).
pub(crate) fn supported(func: &Func, op: &Op) -> bool {
    match op {
        Op::Nop | Op::TryMarker => true,
        Op::Move { dst, src } | Op::AssignLocal { dst, src } => {
            slot_ok(func, *dst) && scalar_operand(func, *src)
        }
        Op::Binary { op, dst, a, b } | Op::BinaryLocal { op, dst, a, b } => {
            binop_supported(*op)
                && slot_ok(func, *dst)
                && scalar_operand(func, *a)
                && scalar_operand(func, *b)
        }
        Op::Not { dst, a } | Op::ToBool { dst, a } | Op::Neg { dst, a } => {
            slot_ok(func, *dst) && scalar_operand(func, *a)
        }
        Op::IncDecLocal { slot, kind, result } => {
            slot_ok(func, *slot)
                && result.is_none_or(|r| slot_ok(func, r))
                && matches!(
                    kind,
                    PathAction::PreInc
                        | PathAction::PostInc
                        | PathAction::PreDec
                        | PathAction::PostDec
                )
        }
        Op::Jmp { target } => target_ok(func, *target),
        Op::JmpIf { cond, target } | Op::JmpIfNot { cond, target } => {
            target_ok(func, *target) && scalar_operand(func, *cond)
        }
        Op::JmpNotLt { a, b, target }
        | Op::JmpNotLe { a, b, target }
        | Op::JmpLt { a, b, target }
        | Op::JmpLe { a, b, target } => {
            target_ok(func, *target) && scalar_operand(func, *a) && scalar_operand(func, *b)
        }
        Op::PathOp {
            path,
            action,
            val,
            dst,
        } => path_supported(func, *path, *action, *val, *dst),
        Op::InitFCall { name, fallback, .. } => {
            name.is_const() && fallback.is_none_or(|f| f.is_const())
        }
        Op::SendVal { val } => scalar_operand(func, *val),
        Op::SendPath { path } => plain_local(func, *path).is_some(),
        Op::DoCall { dst } => dst.is_none_or(|d| slot_ok(func, d)),
        // A file's top-level code returns through the interpreter (`include`'s value,
        // globals), and so does a return that must run a `finally` first.
        Op::Return { val } => {
            !func.name.is_empty()
                && func.tries.is_empty()
                && val.is_none_or(|v| scalar_operand(func, v))
        }
        Op::VerifyParam { idx } => {
            slot_ok(func, *idx)
                && func
                    .params
                    .get(*idx as usize)
                    .is_some_and(|p| type_check(p.ty.as_ref()).is_some())
        }
        Op::VerifyReturn { val } => {
            slot_ok(func, *val) && type_check(func.return_type.as_ref()).is_some()
        }
        _ => false,
    }
}

/// The local variable a `SendPath` passes when it is a plain one (`f($x)`).
fn plain_local(func: &Func, path: u32) -> Option<Slot> {
    let p = func.paths.get(path as usize)?;
    match (&p.base, p.elems.as_slice()) {
        (PathBase::Local(s), []) if slot_ok(func, *s) => Some(*s),
        _ => None,
    }
}

/// The machine-code form of a declared parameter or return type check, for the types the
/// interpreter checks inline (`quick_accepts`): anything else is not translated.
#[derive(Clone, Copy)]
enum TypeCheck {
    /// No declared type: nothing to check.
    None,
    /// Exactly this tag passes (`int`, `float`, `bool`); others go to the interpreter's
    /// full check (coercion, `TypeError`).
    Tag(i64),
    /// `mixed`: anything but an unset register.
    Defined,
}

fn type_check(ty: Option<&TypeSpec>) -> Option<TypeCheck> {
    let Some(ty) = ty else {
        return Some(TypeCheck::None);
    };
    match ty.members.as_slice() {
        [TypeMember::Simple(SimpleType::Int)] => Some(TypeCheck::Tag(TAG_INT)),
        [TypeMember::Simple(SimpleType::Float)] => Some(TypeCheck::Tag(TAG_FLOAT)),
        [TypeMember::Simple(SimpleType::Bool)] => Some(TypeCheck::Tag(TAG_BOOL)),
        [TypeMember::Simple(SimpleType::Mixed)] => Some(TypeCheck::Defined),
        _ => None,
    }
}

/// A call compiled code makes in one helper call: `InitFCall` at `init`, then only
/// instructions that compute into temporaries and the `SendVal`/`SendPath` of scalars at
/// `sends`, then the `DoCall` at `call`. Every exit in `init + 1..=call` resumes the
/// interpreter at `init` (nothing of the call has happened then, and the instructions in
/// between write only temporaries, which they first read after writing, so running them
/// again gives the same values).
pub(crate) struct FusedCall {
    pub init: u32,
    pub call: u32,
    pub sends: Vec<u32>,
}

/// The fusable calls of `func` (see `FusedCall`).
pub(crate) fn fused_calls(func: &Func) -> Vec<FusedCall> {
    let n_locals = func.local_names.len() as u32;
    let targets: Vec<u32> = func.code.iter().filter_map(jump_target).collect();
    let mut out = Vec::new();
    for (i, op) in func.code.iter().enumerate() {
        let Op::InitFCall { n_args, .. } = op else {
            continue;
        };
        if !supported(func, op) {
            continue;
        }
        let mut written: Vec<Slot> = Vec::new();
        let mut sends = Vec::new();
        // A temporary read must have been written inside the sequence.
        let reads_ok = |o: Operand, written: &Vec<Slot>| {
            o.is_const() || o.index() < n_locals || written.contains(&o.index())
        };
        let mut call = None;
        for (k, op) in func.code.iter().enumerate().skip(i + 1) {
            if !supported(func, op) {
                break;
            }
            let ok = match op {
                Op::DoCall { .. } => {
                    call = Some(k as u32);
                    break;
                }
                Op::Move { dst, src } => *dst >= n_locals && reads_ok(*src, &written),
                Op::Binary { dst, a, b, .. } => {
                    *dst >= n_locals && reads_ok(*a, &written) && reads_ok(*b, &written)
                }
                Op::Not { dst, a } | Op::ToBool { dst, a } | Op::Neg { dst, a } => {
                    *dst >= n_locals && reads_ok(*a, &written)
                }
                Op::SendVal { val } => {
                    sends.push(k as u32);
                    reads_ok(*val, &written)
                }
                Op::SendPath { .. } => {
                    sends.push(k as u32);
                    true
                }
                _ => false,
            };
            if !ok {
                break;
            }
            if let Op::Move { dst, .. }
            | Op::Binary { dst, .. }
            | Op::Not { dst, .. }
            | Op::ToBool { dst, .. }
            | Op::Neg { dst, .. } = op
            {
                written.push(*dst);
            }
        }
        let Some(call) = call else { continue };
        let jumped_into = targets.iter().any(|&t| t > i as u32 && t <= call);
        if !jumped_into && sends.len() == *n_args as usize {
            out.push(FusedCall {
                init: i as u32,
                call,
                sends,
            });
        }
    }
    out
}

/// The jump target of a control-flow instruction that compiled code translates.
fn jump_target(op: &Op) -> Option<u32> {
    match op {
        Op::Jmp { target }
        | Op::JmpIf { target, .. }
        | Op::JmpIfNot { target, .. }
        | Op::JmpNotLt { target, .. }
        | Op::JmpNotLe { target, .. }
        | Op::JmpLt { target, .. }
        | Op::JmpLe { target, .. } => Some(*target),
        _ => None,
    }
}

/// The instructions where compiled code may be entered: loop headers (targets of backward
/// jumps whose whole loop body, header to backward jump, translates, so that a loop
/// entered runs in machine code until it ends or a guard fails) and 0 for a function
/// translated whole. Sorted, without duplicates.
pub(crate) fn entry_points(func: &Func) -> Vec<u32> {
    let ok: Vec<bool> = func.code.iter().map(|op| supported(func, op)).collect();
    let mut entries = Vec::new();
    for (pc, op) in func.code.iter().enumerate() {
        let Some(t) = jump_target(op) else { continue };
        let t = t as usize;
        if t <= pc && ok[t..=pc].iter().all(|&b| b) {
            entries.push(t as u32);
        }
    }
    // A function translated whole (the unreachable `VerifyNoReturn` at its end aside) is
    // also entered at its first instruction, when a frame of it starts: its calls then
    // run compiled from start to `Return`. Not a file's top-level code (run once, and its
    // `Return` is the interpreter's) nor a generator (whose body starts at its first
    // resumption, not at the call).
    let whole = !func.is_generator
        && !func.name.is_empty()
        && func
            .code
            .iter()
            .zip(&ok)
            .all(|(op, &ok)| ok || matches!(op, Op::VerifyNoReturn));
    if whole && !func.code.is_empty() {
        entries.push(0);
    }
    entries.sort_unstable();
    entries.dedup();
    entries
}

/// Translates one function (see the module doc for the execution model).
pub(crate) struct FunctionTranslator<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    func: &'a Func,
    ptr: types::Type,
    /// Per register: its tag and its bits.
    tags: Vec<Variable>,
    bits: Vec<Variable>,
    /// Backward jumps taken so far in this run.
    edges: Variable,
    slots: ClifValue,
    ctx: ClifValue,
    interrupt: ClifValue,
    fired: ClifValue,
    /// The block of each instruction.
    blocks: Vec<Block>,
    /// The side exit of the instruction being translated (created on first use).
    exit_here: Option<Block>,
    /// Exit blocks created while translating the current instruction, filled after it
    /// (a block is only switched to once the current one is terminated).
    pending_exits: Vec<(Block, u32)>,
    /// The instruction being translated.
    pc: u32,
    fail_guards_once: bool,
    helpers: Helpers,
    /// Signatures of the helpers: `array_view`, `call_send` and `call_do` take the context
    /// and two words; `array_push` the context and three; `call_init` the context and one.
    view_sig: SigRef,
    push_sig: SigRef,
    init_sig: SigRef,
    fused_sig: SigRef,
    /// The fused calls (`fused_calls`), and per instruction the one it is part of.
    fused: Vec<FusedCall>,
    fused_at: Vec<Option<usize>>,
    /// Per fused call: the stack slot its arguments are collected in.
    fused_args: Vec<cranelift_codegen::ir::StackSlot>,
    /// Per register used as an array (`array_regs`): what this run knows of it
    /// (`VIEW_*`), and its elements and their number when known.
    views: Vec<(Slot, ArrayView)>,
    /// For a function that may be called directly (`direct_capable`): whether this
    /// activation was (entered at `DIRECT_ENTRY`), an i8 truth value.
    is_direct: Option<ClifValue>,
    /// Address of the `DirectSite` array (one per fused call).
    sites: usize,
    /// Signatures of a compiled function (direct calls) and of the deopt helpers.
    direct_sig: SigRef,
    deopt_sig: SigRef,
}

/// Where the translated code's per-function memory is (owned by its `CompiledFn`).
pub(crate) struct CodeMemory {
    /// One byte per instruction for the "fail every guard once" test mode.
    pub fired: usize,
    /// The `DirectSite`s of the fused calls (`fused_calls` order).
    pub sites: usize,
    /// Whether the function may be called directly (`direct_capable`).
    pub direct: bool,
}

/// Compiled code's knowledge of one array register (Cranelift variables): `state` is
/// `VIEW_NONE`, `VIEW_READ` (a packed array: `ptr`/`len` are its elements) or
/// `VIEW_WRITE` (also uniquely owned, so its elements may be written in place). It is
/// taken once when the run starts (before any loop, so loops make no call for it) and
/// again after each append to the array. Nothing in compiled code but the array
/// instructions changes an array register or its array (copies of it, which would share
/// it, are `TAG_OPAQUE` moves that exit), so a view stays true for the run.
#[derive(Clone, Copy)]
struct ArrayView {
    state: Variable,
    ptr: Variable,
    len: Variable,
}

pub(crate) const VIEW_NONE: i64 = 0;
pub(crate) const VIEW_READ: i64 = 1;
pub(crate) const VIEW_WRITE: i64 = 2;

impl<'a, 'b> FunctionTranslator<'a, 'b> {
    /// Emits the whole function into `b` (whose signature is `signature()`), entered at
    /// `entries`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn translate(
        b: &'a mut FunctionBuilder<'b>,
        func: &'a Func,
        ptr: types::Type,
        entries: &[u32],
        fail_guards_once: bool,
        helpers: Helpers,
        call_conv: CallConv,
        memory: CodeMemory,
    ) {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let params = b.block_params(entry).to_vec();
        let (p_slots, entry_pc, ctx) = (params[0], params[1], params[2]);
        let n = func.n_slots as usize;
        let mut tags = Vec::with_capacity(n);
        let mut bits = Vec::with_capacity(n);
        let flags = MemFlagsData::trusted();
        for _ in 0..n {
            tags.push(b.declare_var(types::I64));
            bits.push(b.declare_var(types::I64));
        }
        let edges = b.declare_var(types::I64);
        let zero = b.ins().iconst(types::I64, 0);
        b.def_var(edges, zero);
        let interrupt = b.ins().load(ptr, flags, ctx, CTX_INTERRUPT);
        let fired = b.ins().iconst(ptr, memory.fired as i64);
        // The registers: the frame's slots, or for a direct call the caller's argument
        // area (`DIRECT_AREA_SLOTS` slots at least), starting with the arguments; the
        // rest are unset.
        let slots = p_slots;
        let (is_direct, load_block) = if memory.direct {
            let de = b.ins().iconst(types::I32, i64::from(DIRECT_ENTRY));
            let is_direct = b.ins().icmp(IntCC::Equal, entry_pc, de);
            let direct = b.create_block();
            let load = b.create_block();
            b.ins().brif(is_direct, direct, &[], load, &[]);
            b.switch_to_block(direct);
            let n_params = func.params.len().min(n);
            for i in 0..n {
                let off = i as i32 * SLOT_SIZE;
                let (tv, bv) = if i < n_params {
                    (
                        b.ins().load(types::I64, flags, slots, off),
                        b.ins().load(types::I64, flags, slots, off + 8),
                    )
                } else {
                    // Only the tag: an unset register's bits are never read.
                    let u = b.ins().iconst(types::I64, TAG_UNDEF);
                    b.ins().store(flags, u, slots, off);
                    (u, b.ins().iconst(types::I64, 0))
                };
                b.def_var(tags[i], tv);
                b.def_var(bits[i], bv);
            }
            (Some(is_direct), Some((direct, load)))
        } else {
            (None, None)
        };
        if let Some((_, load)) = load_block {
            b.switch_to_block(load);
        }
        for i in 0..n {
            let off = i as i32 * SLOT_SIZE;
            let tv = b.ins().load(types::I64, flags, p_slots, off);
            let bv = b.ins().load(types::I64, flags, p_slots, off + 8);
            b.def_var(tags[i], tv);
            b.def_var(bits[i], bv);
        }
        let mut views = Vec::new();
        for reg in array_regs(func) {
            let v = ArrayView {
                state: b.declare_var(types::I64),
                ptr: b.declare_var(ptr),
                len: b.declare_var(types::I64),
            };
            let none = b.ins().iconst(types::I64, VIEW_NONE);
            let null = b.ins().iconst(ptr, 0);
            b.def_var(v.state, none);
            b.def_var(v.ptr, null);
            b.def_var(v.len, none);
            views.push((reg, v));
        }
        let sig = |n: usize| {
            let mut sig = Signature::new(call_conv);
            sig.params.push(AbiParam::new(ptr));
            for _ in 0..n {
                sig.params.push(AbiParam::new(types::I64));
            }
            sig.returns.push(AbiParam::new(types::I64));
            sig
        };
        let view_sig = b.import_signature(sig(2));
        let push_sig = b.import_signature(sig(3));
        let init_sig = b.import_signature(sig(1));
        let mut fsig = Signature::new(call_conv);
        for t in [ptr, types::I64, types::I64, ptr, types::I64] {
            fsig.params.push(AbiParam::new(t));
        }
        fsig.returns.push(AbiParam::new(types::I64));
        fsig.params.push(AbiParam::new(ptr));
        let fused_sig = b.import_signature(fsig);
        let direct_sig = b.import_signature(signature(ptr, call_conv));
        let mut dsig = Signature::new(call_conv);
        for t in [ptr, ptr, types::I64] {
            dsig.params.push(AbiParam::new(t));
        }
        dsig.returns.push(AbiParam::new(types::I64));
        let deopt_sig = b.import_signature(dsig);
        let fused = fused_calls(func);
        let mut fused_at = vec![None; func.code.len()];
        let mut fused_args = Vec::new();
        // One argument area for all fused calls (their sequences never overlap), large
        // enough to be the registers of a directly called callee (`DIRECT_AREA_SLOTS`).
        let most_args = fused.iter().map(|f| f.sends.len()).max().unwrap_or(0);
        let area = (!fused.is_empty()).then(|| {
            b.create_sized_stack_slot(cranelift_codegen::ir::StackSlotData::new(
                cranelift_codegen::ir::StackSlotKind::ExplicitSlot,
                (most_args.max(DIRECT_AREA_SLOTS) as u32) * SLOT_SIZE as u32,
                3,
            ))
        });
        for (k, f) in fused.iter().enumerate() {
            for pc in f.init + 1..=f.call {
                if let Some(x) = fused_at.get_mut(pc as usize) {
                    *x = Some(k);
                }
            }
            if let Some(area) = area {
                fused_args.push(area);
            }
        }
        let blocks: Vec<Block> = (0..func.code.len()).map(|_| b.create_block()).collect();
        let mut t = FunctionTranslator {
            b,
            func,
            ptr,
            tags,
            bits,
            edges,
            slots,
            ctx,
            interrupt,
            fired,
            blocks,
            exit_here: None,
            pending_exits: Vec::new(),
            pc: 0,
            fail_guards_once,
            helpers,
            view_sig,
            push_sig,
            init_sig,
            fused_sig,
            fused,
            fused_at,
            fused_args,
            views,
            is_direct,
            sites: memory.sites,
            direct_sig,
            deopt_sig,
        };
        // Views of every array register, taken once per run before any loop (so loops make
        // no calls for them).
        t.take_views();
        // Dispatch on the entry pc; anything else (never asked for) exits at once.
        let mut switch = Switch::new();
        for &e in entries {
            switch.set_entry(u128::from(e), t.blocks[e as usize]);
        }
        let bad = t.b.create_block();
        switch.emit(t.b, entry_pc, bad);
        t.b.switch_to_block(bad);
        t.b.ins().return_(&[entry_pc]);
        // A direct call starts at the first instruction (no array views to take: a
        // function called directly has no array registers).
        if let Some((direct, _)) = load_block {
            t.b.switch_to_block(direct);
            let first = t.blocks[0];
            t.b.ins().jump(first, &[]);
        }

        for pc in 0..func.code.len() {
            t.pc = pc as u32;
            t.exit_here = None;
            let block = t.blocks[pc];
            t.b.switch_to_block(block);
            t.translate_op(&func.code[pc]);
            for (block, at) in std::mem::take(&mut t.pending_exits) {
                t.b.switch_to_block(block);
                t.emit_exit(at);
            }
        }
        t.b.seal_all_blocks();
    }

    // ----- helpers -----

    fn iconst(&mut self, v: i64) -> ClifValue {
        self.b.ins().iconst(types::I64, v)
    }

    /// Calls the runtime helper at `addr` (signature `sig`); its one result.
    fn call_helper(&mut self, addr: usize, sig: SigRef, args: &[ClifValue]) -> ClifValue {
        let f = self.b.ins().iconst(self.ptr, addr as i64);
        let call = self.b.ins().call_indirect(sig, f, args);
        self.b.inst_results(call)[0]
    }

    /// Takes the view of every array register (writable where the function writes the
    /// array): when the run starts, and after a call.
    fn take_views(&mut self) {
        for i in 0..self.views.len() {
            let (reg, view) = self.views[i];
            let want = if array_written(self.func, reg) {
                VIEW_WRITE
            } else {
                VIEW_READ
            };
            let r = self.iconst(i64::from(reg));
            let w = self.iconst(want);
            let got = self.call_helper(self.helpers.array_view, self.view_sig, &[self.ctx, r, w]);
            let flags = MemFlagsData::trusted();
            let p = self.b.ins().load(self.ptr, flags, self.ctx, CTX_VIEW_PTR);
            let n = self.b.ins().load(types::I64, flags, self.ctx, CTX_VIEW_LEN);
            self.b.def_var(view.state, got);
            self.b.def_var(view.ptr, p);
            self.b.def_var(view.len, n);
        }
    }

    /// Reads every register again from the slot array (after a call, which may have
    /// changed them: the result, a global, a reference).
    fn reload_all(&mut self) {
        let flags = MemFlagsData::trusted();
        for i in 0..self.tags.len() {
            let off = i as i32 * SLOT_SIZE;
            let t = self.b.ins().load(types::I64, flags, self.slots, off);
            let v = self.b.ins().load(types::I64, flags, self.slots, off + 8);
            self.b.def_var(self.tags[i], t);
            self.b.def_var(self.bits[i], v);
        }
    }

    /// The block that leaves compiled code at the current instruction.
    fn exit_block(&mut self) -> Block {
        if let Some(b) = self.exit_here {
            return b;
        }
        let block = self.b.create_block();
        self.exit_here = Some(block);
        let at = self.exit_pc();
        self.pending_exits.push((block, at));
        block
    }

    /// Where an exit at the current instruction resumes the interpreter: the instruction
    /// itself, or the `InitFCall` of the fused call it is part of (`fused_calls`).
    fn exit_pc(&self) -> u32 {
        match self.fused_at.get(self.pc as usize) {
            Some(&Some(i)) => self.fused[i].init,
            _ => self.pc,
        }
    }

    /// Returns to the interpreter at `pc` (the slots in memory are already current); in a
    /// directly called activation, records the frame first and ends with `EXIT_DEOPT`.
    fn emit_exit(&mut self, pc: u32) {
        self.emit_leave(pc, pc);
    }

    /// Leaves compiled code: a directly called activation records its frame at `frame_pc`
    /// and ends with `EXIT_DEOPT` (`emit_deopt`); any other returns `code`.
    fn emit_leave(&mut self, frame_pc: u32, code: u32) {
        if let Some(is_direct) = self.is_direct {
            let deopt = self.b.create_block();
            let normal = self.b.create_block();
            self.b.ins().brif(is_direct, deopt, &[], normal, &[]);
            self.b.switch_to_block(deopt);
            self.emit_deopt(frame_pc);
            self.b.switch_to_block(normal);
        }
        self.emit_return_code(code);
    }

    /// Records this (directly called) activation's frame at `pc` and ends with
    /// `EXIT_DEOPT`.
    fn emit_deopt(&mut self, pc: u32) {
        let n_pc = ((self.tags.len() as i64) << 32) | i64::from(pc);
        let n_pc = self.iconst(n_pc);
        let f = self
            .b
            .ins()
            .iconst(self.ptr, self.helpers.deopt_save as i64);
        self.b
            .ins()
            .call_indirect(self.deopt_sig, f, &[self.ctx, self.slots, n_pc]);
        self.emit_return_code(EXIT_DEOPT);
    }

    /// Ends the run with exit code `code` (a pc, `RETURN_FLAG | pc` or `EXIT_FAULT`).
    fn emit_return_code(&mut self, code: u32) {
        let e = self.b.use_var(self.edges);
        self.b
            .ins()
            .store(MemFlagsData::trusted(), e, self.ctx, CTX_BACK_EDGES);
        let pcv = self.b.ins().iconst(types::I32, i64::from(code));
        self.b.ins().return_(&[pcv]);
    }

    /// Continues only when `ok` (an i8 truth value) holds; otherwise exits at this
    /// instruction, which has written nothing yet.
    fn guard(&mut self, ok: ClifValue) {
        let exit = self.exit_block();
        let cont = self.b.create_block();
        self.b.ins().brif(ok, cont, &[], exit, &[]);
        self.b.switch_to_block(cont);
    }

    /// An operand's tag and bits.
    fn operand(&mut self, op: Operand) -> (ClifValue, ClifValue) {
        if op.is_const() {
            let (tag, bits) = match self.func.consts.get(op.index() as usize) {
                Some(Value::Null) => (TAG_NULL, 0),
                Some(Value::Bool(b)) => (TAG_BOOL, i64::from(*b)),
                Some(Value::Int(i)) => (TAG_INT, *i),
                Some(Value::Float(f)) => (TAG_FLOAT, f.to_bits() as i64),
                // `supported` admits only the constants above; an opaque tag would make
                // every guard on it exit.
                _ => (TAG_OPAQUE, 0),
            };
            (self.iconst(tag), self.iconst(bits))
        } else {
            let i = op.index() as usize;
            (self.b.use_var(self.tags[i]), self.b.use_var(self.bits[i]))
        }
    }

    /// Writes register `slot` (variables and memory).
    fn write(&mut self, slot: Slot, tag: ClifValue, bits: ClifValue) {
        let i = slot as usize;
        self.b.def_var(self.tags[i], tag);
        self.b.def_var(self.bits[i], bits);
        let off = slot as i32 * SLOT_SIZE;
        let flags = MemFlagsData::trusted();
        self.b.ins().store(flags, tag, self.slots, off);
        self.b.ins().store(flags, bits, self.slots, off + 8);
    }

    /// Guards that register `slot` may be overwritten: it holds no heap value or reference
    /// (those need the interpreter's store or write-through).
    fn guard_writable(&mut self, slot: Slot) {
        let t = self.b.use_var(self.tags[slot as usize]);
        let ok = self.b.ins().icmp_imm_s(IntCC::NotEqual, t, TAG_OPAQUE);
        self.guard(ok);
    }

    fn tag_is(&mut self, tag: ClifValue, want: i64) -> ClifValue {
        self.b.ins().icmp_imm_s(IntCC::Equal, tag, want)
    }

    /// Int or float.
    fn is_num(&mut self, tag: ClifValue) -> ClifValue {
        let i = self.tag_is(tag, TAG_INT);
        let f = self.tag_is(tag, TAG_FLOAT);
        self.b.ins().bor(i, f)
    }

    /// Null, bool, int or float (a value with a defined truthiness here).
    fn is_scalar(&mut self, tag: ClifValue) -> ClifValue {
        let off = self.b.ins().iadd_imm_s(tag, -TAG_NULL);
        self.b
            .ins()
            .icmp_imm_s(IntCC::UnsignedLessThan, off, TAG_FLOAT - TAG_NULL + 1)
    }

    /// The operand as an f64 (ints converted as `i as f64`).
    fn to_f64(&mut self, tag: ClifValue, bits: ClifValue) -> ClifValue {
        let is_int = self.tag_is(tag, TAG_INT);
        let fi = self.b.ins().fcvt_from_sint(types::F64, bits);
        let ff = self.b.ins().bitcast(types::F64, MemFlagsData::new(), bits);
        self.b.ins().select(is_int, fi, ff)
    }

    fn f64_bits(&mut self, f: ClifValue) -> ClifValue {
        self.b.ins().bitcast(types::I64, MemFlagsData::new(), f)
    }

    fn bool_bits(&mut self, b: ClifValue) -> ClifValue {
        self.b.ins().uextend(types::I64, b)
    }

    /// PHP truthiness of a null/bool/int/float (guarded by the caller).
    fn truthy(&mut self, tag: ClifValue, bits: ClifValue) -> ClifValue {
        let is_float = self.tag_is(tag, TAG_FLOAT);
        let nz = self.b.ins().icmp_imm_s(IntCC::NotEqual, bits, 0);
        let f = self.b.ins().bitcast(types::F64, MemFlagsData::new(), bits);
        let zero = self.b.ins().f64const(0.0);
        // NaN is true: only +0.0 and -0.0 are false.
        let fnz = self.b.ins().fcmp(FloatCC::NotEqual, f, zero);
        self.b.ins().select(is_float, fnz, nz)
    }

    /// At a backward jump: leave for the interpreter when the thread's interrupt flag is
    /// set (limits are the interpreter's business), and count the jump.
    fn back_edge_check(&mut self) {
        let flag = self
            .b
            .ins()
            .atomic_load(types::I8, MemFlagsData::trusted(), self.interrupt);
        let clear = self.b.ins().icmp_imm_s(IntCC::Equal, flag, 0);
        self.guard(clear);
        let e = self.b.use_var(self.edges);
        let e1 = self.b.ins().iadd_imm_s(e, 1);
        self.b.def_var(self.edges, e1);
    }

    /// Jumps to instruction `target` (through the back-edge check when it goes backward).
    fn jump_to(&mut self, target: u32) {
        if target <= self.pc {
            self.back_edge_check();
        }
        let block = self.blocks[target as usize];
        self.b.ins().jump(block, &[]);
    }

    /// Branches to `target` when `cond` holds, else falls through to the next instruction.
    fn branch(&mut self, cond: ClifValue, target: u32) {
        let next = self.next_block();
        if target <= self.pc {
            let taken = self.b.create_block();
            self.b.ins().brif(cond, taken, &[], next, &[]);
            self.b.switch_to_block(taken);
            self.jump_to(target);
        } else {
            let block = self.blocks[target as usize];
            self.b.ins().brif(cond, block, &[], next, &[]);
        }
    }

    /// The block of the next instruction; past the end, an exit there.
    fn next_block(&mut self) -> Block {
        let next = self.pc as usize + 1;
        match self.blocks.get(next) {
            Some(b) => *b,
            None => {
                let block = self.b.create_block();
                self.pending_exits.push((block, next as u32));
                block
            }
        }
    }

    fn fall_through(&mut self) {
        let next = self.next_block();
        self.b.ins().jump(next, &[]);
    }

    /// In the "fail every guard once" test mode: the first time this instruction runs in
    /// this compiled code, exit before it as a failed guard would.
    fn maybe_fail_once(&mut self) {
        if !self.fail_guards_once {
            return;
        }
        let flags = MemFlagsData::trusted();
        let at = self.b.ins().iadd_imm_s(self.fired, i64::from(self.pc));
        let done = self.b.ins().load(types::I8, flags, at, 0);
        let fire = self.b.create_block();
        let cont = self.b.create_block();
        self.b.ins().brif(done, cont, &[], fire, &[]);
        self.b.switch_to_block(fire);
        let one = self.b.ins().iconst(types::I8, 1);
        self.b.ins().store(flags, one, at, 0);
        self.emit_exit(self.exit_pc());
        self.b.switch_to_block(cont);
    }

    // ----- instructions -----

    fn translate_op(&mut self, op: &Op) {
        if !supported(self.func, op) {
            self.emit_exit(self.exit_pc());
            return;
        }
        if !matches!(op, Op::Nop | Op::TryMarker | Op::Jmp { .. }) {
            self.maybe_fail_once();
        }
        match op {
            Op::Nop | Op::TryMarker => self.fall_through(),
            Op::Move { dst, src } => self.translate_move(*dst, *src, false),
            Op::AssignLocal { dst, src } => self.translate_move(*dst, *src, true),
            Op::Binary { op, dst, a, b } | Op::BinaryLocal { op, dst, a, b } => {
                self.guard_writable(*dst);
                let (tag, bits) = self.translate_binary(*op, *a, *b);
                self.write(*dst, tag, bits);
                self.fall_through();
            }
            Op::Not { dst, a } | Op::ToBool { dst, a } => {
                self.guard_writable(*dst);
                let (ta, va) = self.operand(*a);
                let ok = self.is_scalar(ta);
                self.guard(ok);
                let mut t = self.truthy(ta, va);
                if matches!(op, Op::Not { .. }) {
                    t = self.b.ins().bxor_imm_s(t, 1);
                }
                let tag = self.iconst(TAG_BOOL);
                let bits = self.bool_bits(t);
                self.write(*dst, tag, bits);
                self.fall_through();
            }
            Op::Neg { dst, a } => self.translate_neg(*dst, *a),
            Op::IncDecLocal { slot, kind, result } => self.translate_incdec(*slot, *kind, *result),
            Op::PathOp {
                path,
                action,
                val,
                dst,
            } => self.translate_path(*path, *action, *val, *dst),
            Op::Jmp { target } => self.jump_to(*target),
            Op::JmpIf { cond, target } | Op::JmpIfNot { cond, target } => {
                let (tc, vc) = self.operand(*cond);
                let ok = self.is_scalar(tc);
                self.guard(ok);
                let mut t = self.truthy(tc, vc);
                if matches!(op, Op::JmpIfNot { .. }) {
                    t = self.b.ins().bxor_imm_s(t, 1);
                }
                self.branch(t, *target);
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
                let op = if le { BinOp::Le } else { BinOp::Lt };
                let mut holds = self.compare(op, *a, *b);
                if !when {
                    holds = self.b.ins().bxor_imm_s(holds, 1);
                }
                self.branch(holds, *target);
            }
            Op::InitFCall { .. } if self.fused.iter().any(|f| f.init == self.pc) => {
                // Made by the fused call at its `DoCall`.
                self.fall_through();
            }
            Op::SendVal { val } if self.fused_at[self.pc as usize].is_some() => {
                self.translate_fused_send(*val);
            }
            Op::SendPath { path } if self.fused_at[self.pc as usize].is_some() => {
                match plain_local(self.func, *path) {
                    Some(s) => self.translate_fused_send(Operand::slot(s)),
                    None => self.emit_exit(self.exit_pc()),
                }
            }
            Op::DoCall { dst } if self.fused_at[self.pc as usize].is_some() => {
                self.translate_fused_call(*dst);
            }
            Op::InitFCall { .. } => {
                let pc = self.iconst(i64::from(self.pc));
                let r = self.call_helper(self.helpers.call_init, self.init_sig, &[self.ctx, pc]);
                let ok = self.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
                self.guard(ok);
                self.fall_through();
            }
            Op::SendVal { val } => {
                // A temporary is consumed, as by the interpreter.
                let consumes =
                    !val.is_const() && val.index() as usize >= self.func.local_names.len();
                self.translate_send(*val, consumes);
            }
            Op::SendPath { path } => match plain_local(self.func, *path) {
                Some(s) => self.translate_send(Operand::slot(s), false),
                None => self.emit_exit(self.exit_pc()),
            },
            Op::DoCall { dst } => self.translate_do_call(*dst),
            Op::Return { val } => self.translate_return(*val),
            Op::VerifyParam { idx } => {
                let check = self
                    .func
                    .params
                    .get(*idx as usize)
                    .and_then(|p| type_check(p.ty.as_ref()));
                self.translate_type_check(*idx, check);
            }
            Op::VerifyReturn { val } => {
                let check = type_check(self.func.return_type.as_ref());
                self.translate_type_check(*val, check);
            }
            // `supported` admits nothing else.
            _ => self.emit_exit(self.exit_pc()),
        }
    }

    /// `SendVal`/`SendPath` of a null/bool/int/float (anything else, an unset variable
    /// included, is the interpreter's); exits when the helper declines (a by-reference
    /// parameter).
    fn translate_send(&mut self, val: Operand, consumes: bool) {
        let (t, v) = self.operand(val);
        let ok = self.is_scalar(t);
        self.guard(ok);
        let r = self.call_helper(self.helpers.call_send, self.view_sig, &[self.ctx, t, v]);
        let ok = self.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
        self.guard(ok);
        if consumes {
            let undef = self.iconst(TAG_UNDEF);
            let zero = self.iconst(0);
            self.write(val.index(), undef, zero);
        }
        self.fall_through();
    }

    /// A send of a fused call: the scalar goes to the call's argument slot (the
    /// temporary it came from is consumed at the `DoCall`).
    fn translate_fused_send(&mut self, val: Operand) {
        let Some(k) = self.fused_at[self.pc as usize] else {
            self.emit_exit(self.exit_pc());
            return;
        };
        let Some(j) = self.fused[k].sends.iter().position(|&p| p == self.pc) else {
            self.emit_exit(self.exit_pc());
            return;
        };
        let (t, v) = self.operand(val);
        let ok = self.is_scalar(t);
        self.guard(ok);
        let slot = self.fused_args[k];
        let off = j as i32 * SLOT_SIZE;
        self.b.ins().stack_store(self.ptr, t, slot, off);
        self.b.ins().stack_store(self.ptr, v, slot, off + 8);
        self.fall_through();
    }

    /// The `DoCall` of a fused call: consumes the sent temporaries (as the interpreter's
    /// `SendVal` does), then one helper call makes the whole call; declined, the
    /// interpreter runs it from its `InitFCall`.
    fn translate_fused_call(&mut self, dst: Option<Slot>) {
        let Some(k) = self.fused_at[self.pc as usize] else {
            self.emit_exit(self.exit_pc());
            return;
        };
        let n_locals = self.func.local_names.len() as u32;
        let sends = self.fused[k].sends.clone();
        for s in sends.iter() {
            if let Some(Op::SendVal { val }) = self.func.code.get(*s as usize) {
                if !val.is_const() && val.index() >= n_locals {
                    let undef = self.iconst(TAG_UNDEF);
                    let zero = self.iconst(0);
                    self.write(val.index(), undef, zero);
                }
            }
        }
        let init = self.fused[k].init;
        let site = self
            .b
            .ins()
            .iconst(self.ptr, (self.sites as i64) + k as i64 * SITE_SIZE);
        let args = self.b.ins().stack_addr(self.ptr, self.fused_args[k], 0);
        self.translate_direct_call(site, args, dst);
        // The engine's call path (in a directly called activation: left to the
        // interpreter, from the `InitFCall`).
        if let Some(is_direct) = self.is_direct {
            let leave = self.b.create_block();
            let engine = self.b.create_block();
            self.b.ins().brif(is_direct, leave, &[], engine, &[]);
            self.b.switch_to_block(leave);
            self.emit_exit(init);
            self.b.switch_to_block(engine);
        }
        let pcs = i64::from(init) | (i64::from(self.pc) << 32);
        let pcs = self.iconst(pcs);
        let d = self.iconst(dst.map_or(-1, i64::from));
        let n = self.iconst(sends.len() as i64);
        let r = self.call_helper(
            self.helpers.call_fused,
            self.fused_sig,
            &[self.ctx, pcs, d, args, n, site],
        );
        self.after_call(r);
    }

    /// The direct path of a fused call: when `site` holds the callee's code for this
    /// engine, no limit is near (interrupt flag, nesting, native stack), calls it with the
    /// arguments at `args` and continues with its result in `dst`; otherwise continues
    /// in the block this leaves current (the engine's path). A callee that left machine
    /// code (`EXIT_DEOPT`) makes this activation leave too, after its `DoCall`, the callee
    /// frame to be materialised above it.
    fn translate_direct_call(&mut self, site: ClifValue, args: ClifValue, dst: Option<Slot>) {
        let flags = MemFlagsData::trusted();
        let se = self.b.ins().load(types::I64, flags, site, SITE_EPOCH);
        let ce = self.b.ins().load(types::I64, flags, self.ctx, CTX_EPOCH);
        let hit = self.b.ins().icmp(IntCC::Equal, se, ce);
        let flag = self.b.ins().atomic_load(types::I8, flags, self.interrupt);
        let clear = self.b.ins().icmp_imm_s(IntCC::Equal, flag, 0);
        let dl = self
            .b
            .ins()
            .load(types::I64, flags, self.ctx, CTX_DEPTH_LEFT);
        let deep_ok = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, dl, 0);
        let sp = self.b.ins().get_stack_pointer(self.ptr);
        let lim = self
            .b
            .ins()
            .load(self.ptr, flags, self.ctx, CTX_STACK_LIMIT);
        let stack_ok = self.b.ins().icmp(IntCC::UnsignedGreaterThan, sp, lim);
        let ok = self.b.ins().band(hit, clear);
        let ok = self.b.ins().band(ok, deep_ok);
        let ok = self.b.ins().band(ok, stack_ok);
        let direct = self.b.create_block();
        let engine = self.b.create_block();
        self.b.ins().brif(ok, direct, &[], engine, &[]);

        self.b.switch_to_block(direct);
        let dl1 = self.b.ins().iadd_imm_s(dl, -1);
        self.b.ins().store(flags, dl1, self.ctx, CTX_DEPTH_LEFT);
        let nc = self
            .b
            .ins()
            .load(types::I64, flags, self.ctx, CTX_DIRECT_CALLS);
        let nc = self.b.ins().iadd_imm_s(nc, 1);
        self.b.ins().store(flags, nc, self.ctx, CTX_DIRECT_CALLS);
        let code = self.b.ins().load(self.ptr, flags, site, SITE_CODE);
        let ep = self.b.ins().iconst(types::I32, i64::from(DIRECT_ENTRY));
        let call = self
            .b
            .ins()
            .call_indirect(self.direct_sig, code, &[args, ep, self.ctx]);
        let r = self.b.inst_results(call)[0];
        self.b.ins().store(flags, dl, self.ctx, CTX_DEPTH_LEFT);
        let deopt_code = self.b.ins().iconst(types::I32, i64::from(EXIT_DEOPT));
        let left = self.b.ins().icmp(IntCC::Equal, r, deopt_code);
        let returned = self.b.create_block();
        let deopt = self.b.create_block();
        self.b.ins().brif(left, deopt, &[], returned, &[]);

        self.b.switch_to_block(returned);
        let t = self.b.ins().load(types::I64, flags, self.ctx, CTX_RET_TAG);
        let v = self.b.ins().load(types::I64, flags, self.ctx, CTX_RET_BITS);
        if let Some(d) = dst {
            self.write(d, t, v);
        }
        self.fall_through();

        self.b.switch_to_block(deopt);
        let call_dst = i64::from(self.pc) | (i64::from(dst.unwrap_or(u32::MAX)) << 32);
        let call_dst = self.iconst(call_dst);
        let f = self
            .b
            .ins()
            .iconst(self.ptr, self.helpers.deopt_link as i64);
        self.b
            .ins()
            .call_indirect(self.deopt_sig, f, &[self.ctx, site, call_dst]);
        // This activation continues after the `DoCall` once the callee has returned.
        self.emit_leave(self.pc + 1, EXIT_DEOPT);
        self.b.switch_to_block(engine);
    }

    /// After a call helper returned `r`: continue (registers reloaded), exit (declined)
    /// or leave with the fault.
    fn after_call(&mut self, r: ClifValue) {
        let done = self.b.create_block();
        let not_done = self.b.create_block();
        let fault = self.b.create_block();
        let is_done = self.b.ins().icmp_imm_s(IntCC::Equal, r, CALL_DONE);
        self.b.ins().brif(is_done, done, &[], not_done, &[]);
        self.b.switch_to_block(not_done);
        let exit = self.exit_block();
        let is_fault = self.b.ins().icmp_imm_s(IntCC::Equal, r, CALL_FAULT);
        self.b.ins().brif(is_fault, fault, &[], exit, &[]);
        self.b.switch_to_block(fault);
        self.emit_return_code(EXIT_FAULT);
        self.b.switch_to_block(done);
        self.reload_all();
        self.take_views();
        self.fall_through();
    }

    /// `DoCall`: the helper writes the registers back, makes the call and reads them
    /// again (the result included) into the slot array; the code then reloads every
    /// register and array view. A declined call exits here (nothing happened); a failed
    /// one leaves with `EXIT_FAULT` (the call is over: the interpreter handles the fault
    /// as this instruction's).
    fn translate_do_call(&mut self, dst: Option<Slot>) {
        let pc = self.iconst(i64::from(self.pc));
        let d = self.iconst(dst.map_or(-1, i64::from));
        let r = self.call_helper(self.helpers.call_do, self.view_sig, &[self.ctx, pc, d]);
        self.after_call(r);
    }

    /// `Return` of a null/bool/int/float: the value goes to the context and the run ends
    /// with `RETURN_FLAG | pc` (the slots are current, so the interpreter may also run the
    /// `Return` itself).
    fn translate_return(&mut self, val: Option<Operand>) {
        let (t, v) = match val {
            Some(v) => self.operand(v),
            None => (self.iconst(TAG_NULL), self.iconst(0)),
        };
        let ok = self.is_scalar(t);
        self.guard(ok);
        let flags = MemFlagsData::trusted();
        self.b.ins().store(flags, t, self.ctx, CTX_RET_TAG);
        self.b.ins().store(flags, v, self.ctx, CTX_RET_BITS);
        self.emit_return_code(RETURN_FLAG | self.pc);
    }

    /// `VerifyParam`/`VerifyReturn` of register `slot`: passes what the interpreter's
    /// inline check passes; anything else exits to its full check.
    fn translate_type_check(&mut self, slot: Slot, check: Option<TypeCheck>) {
        let t = self.b.use_var(self.tags[slot as usize]);
        match check {
            Some(TypeCheck::None) => {}
            Some(TypeCheck::Tag(want)) => {
                let ok = self.tag_is(t, want);
                self.guard(ok);
            }
            Some(TypeCheck::Defined) => {
                let ok = self.b.ins().icmp_imm_s(IntCC::NotEqual, t, TAG_UNDEF);
                self.guard(ok);
            }
            None => {
                self.emit_exit(self.exit_pc());
                return;
            }
        }
        self.fall_through();
    }

    /// `Move` (a plain copy) and `AssignLocal` (which consumes a temporary source).
    fn translate_move(&mut self, dst: Slot, src: Operand, assign: bool) {
        self.guard_writable(dst);
        let (t, v) = self.operand(src);
        let ok = self.is_scalar(t);
        self.guard(ok);
        let consumes = assign
            && !src.is_const()
            && src.index() as usize >= self.func.local_names.len()
            && src.index() != dst;
        self.write(dst, t, v);
        if consumes {
            let undef = self.iconst(TAG_UNDEF);
            let zero = self.iconst(0);
            self.write(src.index(), undef, zero);
        }
        self.fall_through();
    }

    /// `a < b` / `a <= b` / ... on ints and floats (mixed: as floats), as an i8 truth value;
    /// exits for any other operand types.
    fn compare(&mut self, op: BinOp, a: Operand, b: Operand) -> ClifValue {
        let (ta, va) = self.operand(a);
        let (tb, vb) = self.operand(b);
        self.compare_values(op, ta, va, tb, vb)
    }

    /// `compare` on values already read.
    fn compare_values(
        &mut self,
        op: BinOp,
        ta: ClifValue,
        va: ClifValue,
        tb: ClifValue,
        vb: ClifValue,
    ) -> ClifValue {
        let an = self.is_num(ta);
        let bn = self.is_num(tb);
        let ok = self.b.ins().band(an, bn);
        self.guard(ok);
        let ai = self.tag_is(ta, TAG_INT);
        let bi = self.tag_is(tb, TAG_INT);
        let both_int = self.b.ins().band(ai, bi);
        let (icc, fcc) = match op {
            BinOp::Lt => (IntCC::SignedLessThan, FloatCC::LessThan),
            BinOp::Le => (IntCC::SignedLessThanOrEqual, FloatCC::LessThanOrEqual),
            BinOp::Gt => (IntCC::SignedGreaterThan, FloatCC::GreaterThan),
            BinOp::Ge => (IntCC::SignedGreaterThanOrEqual, FloatCC::GreaterThanOrEqual),
            BinOp::Eq => (IntCC::Equal, FloatCC::Equal),
            _ => (IntCC::NotEqual, FloatCC::NotEqual),
        };
        // Ints compare as ints; the float comparison is off the int path.
        let ri = self.b.ins().icmp(icc, va, vb);
        let r = self.b.declare_var(types::I8);
        self.b.def_var(r, ri);
        let mixed = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().brif(both_int, done, &[], mixed, &[]);
        self.b.switch_to_block(mixed);
        let fa = self.to_f64(ta, va);
        let fb = self.to_f64(tb, vb);
        let rf = self.b.ins().fcmp(fcc, fa, fb);
        self.b.def_var(r, rf);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        self.b.use_var(r)
    }

    /// The result (tag, bits) of `a op b`, after guards; writes nothing.
    fn translate_binary(&mut self, op: BinOp, a: Operand, b: Operand) -> (ClifValue, ClifValue) {
        let (ta, va) = self.operand(a);
        let (tb, vb) = self.operand(b);
        self.binary_values(op, ta, va, tb, vb)
    }

    /// `translate_binary` on values already read (the interpreter's `fast_binary`).
    fn binary_values(
        &mut self,
        op: BinOp,
        ta: ClifValue,
        va: ClifValue,
        tb: ClifValue,
        vb: ClifValue,
    ) -> (ClifValue, ClifValue) {
        match op {
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::NotEq => {
                let r = self.compare_values(op, ta, va, tb, vb);
                let tag = self.iconst(TAG_BOOL);
                let bits = self.bool_bits(r);
                return (tag, bits);
            }
            _ => {}
        }
        let ai = self.tag_is(ta, TAG_INT);
        let bi = self.tag_is(tb, TAG_INT);
        let both_int = self.b.ins().band(ai, bi);
        let int_tag = self.iconst(TAG_INT);
        let float_tag = self.iconst(TAG_FLOAT);
        match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul => {
                let an = self.is_num(ta);
                let bn = self.is_num(tb);
                let ok = self.b.ins().band(an, bn);
                self.guard(ok);
                let (ri, of) = match op {
                    BinOp::Add => self.b.ins().sadd_overflow(va, vb),
                    BinOp::Sub => self.b.ins().ssub_overflow(va, vb),
                    _ => self.b.ins().smul_overflow(va, vb),
                };
                let no_of = self.b.ins().bxor_imm_s(of, 1);
                let use_int = self.b.ins().band(both_int, no_of);
                let rt = self.b.declare_var(types::I64);
                let rb = self.b.declare_var(types::I64);
                self.b.def_var(rt, int_tag);
                self.b.def_var(rb, ri);
                let float = self.b.create_block();
                let done = self.b.create_block();
                self.b.ins().brif(use_int, done, &[], float, &[]);
                // Off the int path: a float operand, or int overflow, which gives the
                // float of the exact operands, as in PHP.
                self.b.switch_to_block(float);
                let fa = self.to_f64(ta, va);
                let fb = self.to_f64(tb, vb);
                let rf = match op {
                    BinOp::Add => self.b.ins().fadd(fa, fb),
                    BinOp::Sub => self.b.ins().fsub(fa, fb),
                    _ => self.b.ins().fmul(fa, fb),
                };
                let rf = self.f64_bits(rf);
                self.b.def_var(rt, float_tag);
                self.b.def_var(rb, rf);
                self.b.ins().jump(done, &[]);
                self.b.switch_to_block(done);
                (self.b.use_var(rt), self.b.use_var(rb))
            }
            BinOp::Div => {
                let an = self.is_num(ta);
                let bn = self.is_num(tb);
                let nums = self.b.ins().band(an, bn);
                // Int divisors 0 and -1 go to the interpreter (DivisionByZeroError, and
                // PHP_INT_MIN / -1); so do float zero divisors.
                let b0 = self.b.ins().icmp_imm_s(IntCC::NotEqual, vb, 0);
                let bm1 = self.b.ins().icmp_imm_s(IntCC::NotEqual, vb, -1);
                let int_div_ok = self.b.ins().band(b0, bm1);
                let fa = self.to_f64(ta, va);
                let fb = self.to_f64(tb, vb);
                let fzero = self.b.ins().f64const(0.0);
                let f_div_ok = self.b.ins().fcmp(FloatCC::NotEqual, fb, fzero);
                let div_ok = self.b.ins().select(both_int, int_div_ok, f_div_ok);
                let ok = self.b.ins().band(nums, div_ok);
                self.guard(ok);
                // A divisor that cannot trap, for the int path computed unconditionally.
                let one = self.iconst(1);
                let safe_ok = self.b.ins().band(both_int, int_div_ok);
                let safe_b = self.b.ins().select(safe_ok, vb, one);
                let rem = self.b.ins().srem(va, safe_b);
                let q = self.b.ins().sdiv(va, safe_b);
                let exact = self.b.ins().icmp_imm_s(IntCC::Equal, rem, 0);
                let rf = self.b.ins().fdiv(fa, fb);
                let rf = self.f64_bits(rf);
                let use_int = self.b.ins().band(both_int, exact);
                let tag = self.b.ins().select(use_int, int_tag, float_tag);
                let bits = self.b.ins().select(use_int, q, rf);
                (tag, bits)
            }
            BinOp::Identical | BinOp::NotIdentical => {
                let same = self.b.ins().icmp(IntCC::Equal, ta, tb);
                let bl = self.tag_is(ta, TAG_BOOL);
                let num = self.is_num(ta);
                let kind_ok = self.b.ins().bor(bl, num);
                let ok = self.b.ins().band(same, kind_ok);
                self.guard(ok);
                let (icc, fcc) = if op == BinOp::Identical {
                    (IntCC::Equal, FloatCC::Equal)
                } else {
                    (IntCC::NotEqual, FloatCC::NotEqual)
                };
                let ri = self.b.ins().icmp(icc, va, vb);
                let fa = self.b.ins().bitcast(types::F64, MemFlagsData::new(), va);
                let fb = self.b.ins().bitcast(types::F64, MemFlagsData::new(), vb);
                let rf = self.b.ins().fcmp(fcc, fa, fb);
                let is_float = self.tag_is(ta, TAG_FLOAT);
                let r = self.b.ins().select(is_float, rf, ri);
                let tag = self.iconst(TAG_BOOL);
                let bits = self.bool_bits(r);
                (tag, bits)
            }
            _ => {
                // Int-only operators.
                let mut ok = both_int;
                match op {
                    BinOp::Mod => {
                        let b0 = self.b.ins().icmp_imm_s(IntCC::NotEqual, vb, 0);
                        let bm1 = self.b.ins().icmp_imm_s(IntCC::NotEqual, vb, -1);
                        let d = self.b.ins().band(b0, bm1);
                        ok = self.b.ins().band(ok, d);
                    }
                    BinOp::Shl | BinOp::Shr => {
                        let r = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, vb, 64);
                        ok = self.b.ins().band(ok, r);
                    }
                    _ => {}
                }
                self.guard(ok);
                let bits = match op {
                    BinOp::Mod => self.b.ins().srem(va, vb),
                    BinOp::BitAnd => self.b.ins().band(va, vb),
                    BinOp::BitOr => self.b.ins().bor(va, vb),
                    BinOp::BitXor => self.b.ins().bxor(va, vb),
                    BinOp::Shl => self.b.ins().ishl(va, vb),
                    BinOp::Shr => self.b.ins().sshr(va, vb),
                    _ => {
                        // Spaceship.
                        let gt = self.b.ins().icmp(IntCC::SignedGreaterThan, va, vb);
                        let lt = self.b.ins().icmp(IntCC::SignedLessThan, va, vb);
                        let gt = self.b.ins().uextend(types::I64, gt);
                        let lt = self.b.ins().uextend(types::I64, lt);
                        self.b.ins().isub(gt, lt)
                    }
                };
                (int_tag, bits)
            }
        }
    }

    fn translate_neg(&mut self, dst: Slot, a: Operand) {
        self.guard_writable(dst);
        let (ta, va) = self.operand(a);
        let is_int = self.tag_is(ta, TAG_INT);
        let is_float = self.tag_is(ta, TAG_FLOAT);
        let not_min = self.b.ins().icmp_imm_s(IntCC::NotEqual, va, i64::MIN);
        let int_ok = self.b.ins().band(is_int, not_min);
        let ok = self.b.ins().bor(int_ok, is_float);
        self.guard(ok);
        let ri = self.b.ins().ineg(va);
        let f = self.b.ins().bitcast(types::F64, MemFlagsData::new(), va);
        let rf = self.b.ins().fneg(f);
        let rf = self.f64_bits(rf);
        let bits = self.b.ins().select(is_int, ri, rf);
        self.write(dst, ta, bits);
        self.fall_through();
    }

    fn translate_incdec(&mut self, slot: Slot, kind: PathAction, result: Option<Slot>) {
        let t = self.b.use_var(self.tags[slot as usize]);
        let v = self.b.use_var(self.bits[slot as usize]);
        let is_int = self.tag_is(t, TAG_INT);
        let one = self.iconst(1);
        let (new, of) = match kind {
            PathAction::PreInc | PathAction::PostInc => self.b.ins().sadd_overflow(v, one),
            _ => self.b.ins().ssub_overflow(v, one),
        };
        // Overflow (int to float) is left to the interpreter.
        let no_of = self.b.ins().bxor_imm_s(of, 1);
        let ok = self.b.ins().band(is_int, no_of);
        self.guard(ok);
        if let Some(r) = result {
            self.guard_writable(r);
        }
        self.write(slot, t, new);
        if let Some(r) = result {
            let out = match kind {
                PathAction::PostInc | PathAction::PostDec => v,
                _ => new,
            };
            self.write(r, t, out);
        }
        self.fall_through();
    }
    // ----- packed arrays -----

    /// The view of array register `reg` (see `ArrayView`, taken at the start of the run
    /// and after appends); exits here when it is not good enough: the register holds no
    /// packed array, or (for `write`) one that is shared.
    ///
    /// # Returns
    /// The elements' address and their number.
    fn array_view(&mut self, reg: Slot, write: bool) -> (ClifValue, ClifValue) {
        let Some(&(_, view)) = self.views.iter().find(|(r, _)| *r == reg) else {
            // `array_regs` lists every register an array instruction names.
            self.emit_exit(self.exit_pc());
            let dead = self.b.create_block();
            self.b.switch_to_block(dead);
            let z = self.iconst(0);
            return (z, z);
        };
        let need = if write { VIEW_WRITE } else { VIEW_READ };
        let state = self.b.use_var(view.state);
        let known = self
            .b
            .ins()
            .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, state, need);
        self.guard(known);
        let p = self.b.use_var(view.ptr);
        let n = self.b.use_var(view.len);
        (p, n)
    }

    /// Takes the view of array register `reg` again (after an append moved its elements).
    fn refresh_view(&mut self, reg: Slot) {
        let Some(&(_, view)) = self.views.iter().find(|(r, _)| *r == reg) else {
            return;
        };
        let f = self
            .b
            .ins()
            .iconst(self.ptr, self.helpers.array_view as i64);
        let r = self.iconst(i64::from(reg));
        let w = self.iconst(VIEW_WRITE);
        let call = self
            .b
            .ins()
            .call_indirect(self.view_sig, f, &[self.ctx, r, w]);
        let got = self.b.inst_results(call)[0];
        let flags = MemFlagsData::trusted();
        let p = self.b.ins().load(self.ptr, flags, self.ctx, CTX_VIEW_PTR);
        let n = self.b.ins().load(types::I64, flags, self.ctx, CTX_VIEW_LEN);
        self.b.def_var(view.state, got);
        self.b.def_var(view.ptr, p);
        self.b.def_var(view.len, n);
    }

    /// The address of element `key` of array register `arr` (an int key in range of a
    /// packed array, else exits), and its current tag and bits.
    fn element(
        &mut self,
        arr: Slot,
        key: Operand,
        write: bool,
    ) -> (ClifValue, ClifValue, ClifValue) {
        let (tk, vk) = self.operand(key);
        let key_int = self.tag_is(tk, TAG_INT);
        self.guard(key_int);
        let (p, n) = self.array_view(arr, write);
        let in_range = self.b.ins().icmp(IntCC::UnsignedLessThan, vk, n);
        self.guard(in_range);
        let off = self.b.ins().imul_imm_s(vk, VALUE_SIZE);
        let off = if self.ptr == types::I64 {
            off
        } else {
            self.b.ins().ireduce(self.ptr, off)
        };
        let addr = self.b.ins().iadd(p, off);
        let flags = MemFlagsData::trusted();
        let tag8 = self.b.ins().load(types::I8, flags, addr, 0);
        let tag = self.b.ins().uextend(types::I64, tag8);
        // Only null, bool, int and float elements are handled (a reference into the
        // array, a string, an array or an object exits).
        let scalar = self.is_scalar(tag);
        self.guard(scalar);
        // Int and float (the common case): the 8 bytes at 8; bool: the byte at 1; null: 0.
        let wide = self.b.ins().load(types::I64, flags, addr, 8);
        let bits = self.b.declare_var(types::I64);
        self.b.def_var(bits, wide);
        let is_wide = self
            .b
            .ins()
            .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, tag, TAG_INT);
        let narrow = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().brif(is_wide, done, &[], narrow, &[]);
        self.b.switch_to_block(narrow);
        let b8 = self.b.ins().load(types::I8, flags, addr, 1);
        let b8 = self.b.ins().uextend(types::I64, b8);
        let is_bool = self.tag_is(tag, TAG_BOOL);
        let zero = self.iconst(0);
        let nb = self.b.ins().select(is_bool, b8, zero);
        self.b.def_var(bits, nb);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        let bits = self.b.use_var(bits);
        (addr, tag, bits)
    }

    /// Stores a null/bool/int/float over an element that holds one (no destructor to run):
    /// the tag byte, the bool byte and the 8-byte payload.
    fn store_element(&mut self, addr: ClifValue, tag: ClifValue, bits: ClifValue) {
        let flags = MemFlagsData::trusted();
        let t8 = self.b.ins().ireduce(types::I8, tag);
        let b8 = self.b.ins().ireduce(types::I8, bits);
        self.b.ins().store(flags, t8, addr, 0);
        self.b.ins().store(flags, b8, addr, 1);
        self.b.ins().store(flags, bits, addr, 8);
    }

    /// `PathOp` on `$a[$k]` / `$a[]` of a packed array in a local (`path_supported`).
    fn translate_path(
        &mut self,
        path: u32,
        action: PathAction,
        val: Option<Operand>,
        dst: Option<Slot>,
    ) {
        let Some(elem) = array_elem(self.func, path) else {
            self.emit_exit(self.exit_pc());
            return;
        };
        if let Some(d) = dst {
            self.guard_writable(d);
        }
        let (tv, vv) = match val {
            Some(v) => {
                let (t, b) = self.operand(v);
                let ok = self.is_scalar(t);
                self.guard(ok);
                (t, b)
            }
            None => {
                let t = self.iconst(TAG_NULL);
                (t, self.iconst(0))
            }
        };
        let result = match (action, elem) {
            (PathAction::Fetch, Elem::Dim { arr, key }) => {
                let (_, tag, bits) = self.element(arr, key, false);
                (tag, bits)
            }
            (PathAction::Assign, Elem::Dim { arr, key }) => {
                let (addr, _, _) = self.element(arr, key, true);
                self.store_element(addr, tv, vv);
                (tv, vv)
            }
            (PathAction::Assign, Elem::Append { arr }) => {
                let f = self
                    .b
                    .ins()
                    .iconst(self.ptr, self.helpers.array_push as i64);
                let r = self.iconst(i64::from(arr));
                let call = self
                    .b
                    .ins()
                    .call_indirect(self.push_sig, f, &[self.ctx, r, tv, vv]);
                let done = self.b.inst_results(call)[0];
                let ok = self.b.ins().icmp_imm_s(IntCC::NotEqual, done, 0);
                self.guard(ok);
                self.refresh_view(arr);
                (tv, vv)
            }
            (PathAction::AssignOp(op), Elem::Dim { arr, key }) => {
                let (addr, tag, bits) = self.element(arr, key, true);
                let (nt, nb) = self.binary_values(op, tag, bits, tv, vv);
                self.store_element(addr, nt, nb);
                (nt, nb)
            }
            _ => {
                // `path_supported` admits nothing else.
                self.emit_exit(self.exit_pc());
                let dead = self.b.create_block();
                self.b.switch_to_block(dead);
                let z = self.iconst(0);
                (z, z)
            }
        };
        if let Some(d) = dst {
            self.write(d, result.0, result.1);
        }
        self.fall_through();
    }
}
