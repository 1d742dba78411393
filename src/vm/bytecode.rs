//! The bytecode: one instruction table (`Op`), operands, and compiled functions/units.
//!
//! rhvm's bytecode is a register machine. Every function has `n_slots` registers: the first
//! `n_locals` are its named local variables (resolved at compile time), the rest are
//! temporaries. Operands that only read may also name a constant of the function
//! (`Operand::is_const`), so `$i < 100` is one instruction. Jumps are absolute instruction
//! indices. Lvalue chains (`$a[1]['x']->p[] = v`) are described by a `Path` in a side table
//! and executed by one instruction, so the interpreter never holds a pointer into a value
//! across instructions.
//!
//! Stack effects: there is no operand stack; each op's doc says what it reads and writes.
//! Calls use a separate pending-call stack in the interpreter: `Init*` pushes a call,
//! `Send*` adds arguments to the newest one, `DoCall` pops it and runs it.

use std::rc::Rc;

use super::ast::{BinOp, CastType, Visibility};
use super::coerce::TypeSpec;
use super::value::{PhpStr, Value};

/// Bytecode format version; part of every translation-cache key.
pub const FORMAT_VERSION: u32 = 6;

/// A register index in the current frame.
pub type Slot = u32;

/// An instruction index.
pub type Label = u32;

/// A read operand: a register, or (high bit set) an index into the function's constants.
#[derive(Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Operand(pub u32);

impl Operand {
    const CONST_BIT: u32 = 1 << 31;

    /// An operand reading register `slot`.
    pub fn slot(slot: Slot) -> Operand {
        Operand(slot)
    }

    /// An operand reading constant `idx`.
    pub fn constant(idx: u32) -> Operand {
        Operand(idx | Self::CONST_BIT)
    }

    pub fn is_const(self) -> bool {
        self.0 & Self::CONST_BIT != 0
    }

    /// The register or constant index.
    pub fn index(self) -> u32 {
        self.0 & !Self::CONST_BIT
    }
}

impl std::fmt::Debug for Operand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_const() {
            write!(f, "c{}", self.index())
        } else {
            write!(f, "r{}", self.index())
        }
    }
}

/// Where an lvalue path starts.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum PathBase {
    /// A local variable slot.
    Local(Slot),
    /// A variable found by name at run time (`$$name`): the operand holds the name.
    VarVar(Operand),
    /// An object value (`$obj->...`, `$this->...`, `f()->...`): the operand holds the object.
    Object(Operand),
    /// The running frame's `$this` (`$this->name` with a constant name; longer chains on
    /// `$this` load it into a register and use `Object`). Without one: "Using $this when not
    /// in object context", raised when the path op runs (after its operands, as in PHP).
    This,
    /// `Class::$prop` with the class name (or object / class-name string) in the operand and
    /// the property name.
    StaticProp(ClassOperand, Operand),
    /// A temporary array value (only for reads/unset of non-variables, e.g. `f()[0]`).
    Temp(Operand),
    /// A superglobal (`$_GET`, `$GLOBALS`, ...): the operand holds its name without `$`.
    Superglobal(Operand),
}

/// One step of an lvalue path.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub enum PathElem {
    /// `[key]`
    Dim(Operand),
    /// `[]`
    Append,
    /// `->name` (name operand is a string)
    Prop(Operand),
}

/// A compiled lvalue: base plus steps. Key operands are evaluated before the path op runs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Path {
    pub base: PathBase,
    pub elems: Vec<PathElem>,
    pub line: u32,
}

/// What a path instruction does at the end of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PathAction {
    /// Store `val` (copy semantics); `dst` receives the stored value.
    Assign,
    /// Compound assignment `op=` with `val`; `dst` receives the result.
    AssignOp(BinOp),
    /// `++` before: `dst` gets the new value.
    PreInc,
    PreDec,
    PostInc,
    PostDec,
    /// Make the location a reference (creating it as null if missing) and put the
    /// `Value::Ref` in `dst`.
    GetRef,
    /// Bind the location to the reference held in `val` (`$a[1] = &$x`).
    AssignRef,
    /// `unset(...)`.
    Unset,
    /// Read with warnings ("Undefined array key"); `dst` gets the value.
    Fetch,
    /// `isset(...)` into `dst` (bool), no warnings.
    Isset,
    /// `empty(...)` into `dst` (bool), no warnings.
    Empty,
    /// Quiet read for `??`: `dst` gets the value or null, no warnings.
    FetchQuiet,
}

/// Where a property instruction (`PropGet`, `PropSet`) finds its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PropObj {
    /// The running frame's `$this` (an `Error` without one, as `PathBase::This`).
    This,
    /// A register: a local variable (read with its undefined-variable warning) or a
    /// temporary holding the object.
    Reg(Slot),
}

/// The property-access site of one `PropGet`/`PropSet` instruction.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PropSite {
    /// The property name: the index of a string constant of the function.
    pub name: u32,
    /// The site's inline cache (`props::PropIc`); never serialised: a function loaded from
    /// the translation cache starts cold.
    #[serde(skip)]
    pub ic: super::props::PropIc,
}

/// The class part of a static access.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub enum ClassOperand {
    /// A resolved class name (constant string operand).
    Named(Operand),
    SelfClass,
    Parent,
    Static,
    /// A run-time value: an object or a class name string.
    Dynamic(Operand),
}

/// Kinds of include.
pub use super::ast::IncludeKind;

/// Magic constants resolved at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Special {
    /// `$this` (Error "Using $this when not in object context" if absent).
    This,
    /// `static::class`
    StaticClassName,
    /// `func_get_args()`
    FuncGetArgs,
    /// `func_num_args()`
    FuncNumArgs,
    /// `get_called_class()`
    CalledClass,
    /// `__FILE__`: the running function's file, so one compiled unit can serve several
    /// paths with the same content (translation cache).
    File,
    /// `__DIR__`: the directory of `__FILE__`.
    Dir,
}

/// The instruction set. Operands are `Operand` (read) or `Slot` (write).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Op {
    Nop,
    /// `dst = src` (a plain register copy; `dst` is a temporary or a local known not to be a
    /// reference target... in practice the interpreter writes through references).
    Move {
        dst: Slot,
        src: Operand,
    },
    /// Local variable assignment `$x = src`: writes through a reference in `dst`; the value
    /// is copied (arrays are copy-on-write). A temporary `src` is consumed (moved out and
    /// left unset), so an array produced by an expression is not shared with a stale
    /// register and stays writable in place.
    AssignLocal {
        dst: Slot,
        src: Operand,
    },
    /// Read a local variable with the "Undefined variable $x" warning: `dst = local`.
    /// (Plain operand reads of locals also warn; this exists for expression results that
    /// must be materialised.)
    FetchLocal {
        dst: Slot,
        src: Slot,
    },
    /// `dst = a <op> b` for arithmetic, bitwise, concat and comparison ops (not the
    /// short-circuit ones, not `??`).
    Binary {
        op: BinOp,
        dst: Slot,
        a: Operand,
        b: Operand,
    },
    /// `$local = a <op> b` for the same ops as `Binary`, storing into the local variable
    /// `dst` (through a reference if the slot holds one). Emitted for `$x = a op b` and
    /// `$x op= b` (then `a` is `$x` itself), saving the temporary and the `AssignLocal`.
    BinaryLocal {
        op: BinOp,
        dst: Slot,
        a: Operand,
        b: Operand,
    },
    /// `dst = !a`
    Not {
        dst: Slot,
        a: Operand,
    },
    /// `dst = -a`
    Neg {
        dst: Slot,
        a: Operand,
    },
    /// `dst = +a`
    Plus {
        dst: Slot,
        a: Operand,
    },
    /// `dst = ~a`
    BitNot {
        dst: Slot,
        a: Operand,
    },
    /// `dst = (bool) a`
    ToBool {
        dst: Slot,
        a: Operand,
    },
    /// `dst = (ty) a`
    Cast {
        dst: Slot,
        a: Operand,
        ty: CastType,
    },
    /// Append `a` (converted to string) to the string in temporary `dst` (string building for
    /// interpolation and concatenation chains).
    ConcatTo {
        dst: Slot,
        a: Operand,
    },
    /// `dst` = the string forms of the operands of `Func::arg_lists[parts]` concatenated
    /// in order, built once at its final size (interpolation and `.` chains). Each operand
    /// is read and converted in turn (undefined-variable warnings, `__toString`, "Array to
    /// string conversion"), so the compiler lets a local stay an operand only while no later
    /// operand in the list has side effects. The list may start with `dst` itself: the
    /// string an earlier `ConcatN` built there (a temporary), continued. `dst` may be a
    /// local (`$x = "..."`), written through its reference.
    ConcatN {
        dst: Slot,
        parts: u32,
    },
    /// `$local .= a` in place when the local's string is not shared.
    ConcatAssignLocal {
        dst: Slot,
        a: Operand,
        result: Option<Slot>,
    },
    /// `++$local`, `$local++`, ... on a local slot; `result` receives the expression value.
    IncDecLocal {
        slot: Slot,
        kind: PathAction,
        result: Option<Slot>,
    },
    /// Unconditional jump.
    Jmp {
        target: Label,
    },
    /// Jump when `cond` is truthy.
    JmpIf {
        cond: Operand,
        target: Label,
    },
    /// Jump when `cond` is falsy.
    JmpIfNot {
        cond: Operand,
        target: Label,
    },
    /// Jump when `a` is not null (for `??` after a quiet fetch).
    JmpNotNull {
        a: Operand,
        target: Label,
    },
    /// Fused compare-and-branch: jump when `!(a < b)` (loop conditions).
    JmpNotLt {
        a: Operand,
        b: Operand,
        target: Label,
    },
    /// Fused compare-and-branch: jump when `!(a <= b)`.
    JmpNotLe {
        a: Operand,
        b: Operand,
        target: Label,
    },
    /// Fused compare-and-branch: jump when `a < b` (loop conditions, tested at the bottom
    /// of the loop).
    JmpLt {
        a: Operand,
        b: Operand,
        target: Label,
    },
    /// Fused compare-and-branch: jump when `a <= b`.
    JmpLe {
        a: Operand,
        b: Operand,
        target: Label,
    },
    /// `echo a`
    Echo {
        a: Operand,
    },
    /// Runs an lvalue path instruction (see `PathAction`); `val` is the right-hand side for
    /// assignments, `dst` receives the result where the action has one.
    PathOp {
        path: u32,
        action: PathAction,
        val: Option<Operand>,
        dst: Option<Slot>,
    },
    /// `dst = obj->name` with warnings, for a constant name (`Func::prop_sites[site].name`):
    /// exactly `PathOp Fetch` on the one-step path `obj->name`, with a per-instruction inline
    /// cache (`PropSite::ic`: the slot of an accessible declared property for the last class
    /// and calling scope seen), so the usual case is a class compare and a slot load.
    PropGet {
        dst: Slot,
        obj: PropObj,
        site: u32,
    },
    /// `obj->name = val` (`Assign`), `obj->name op= val` (`AssignOp`, not `??=`) and
    /// `++`/`--` (`PreInc`, `PreDec`, `PostInc`, `PostDec`: `val` is `None`) for a constant
    /// name: exactly `PathOp` with that action on the one-step path `obj->name` (`val` read
    /// first, then the object), with the site's inline cache; `dst` receives what the
    /// `PathOp` would give. The cached write stores values the property's type accepts as
    /// they are into a live, non-reference, non-readonly slot; anything else (coercion,
    /// `__set`, readonly, references) takes the `PathOp` code.
    PropSet {
        obj: PropObj,
        site: u32,
        action: PathAction,
        val: Option<Operand>,
        dst: Option<Slot>,
    },
    /// `dst = base[key]` with warnings (rvalue read of a temporary or local).
    FetchDim {
        dst: Slot,
        base: Operand,
        key: Operand,
    },
    /// `dst = base[key]` for `list()`/`[...]` destructuring: arrays warn on a missing key,
    /// `ArrayAccess` objects are asked, anything else (strings included) gives null silently.
    FetchListItem {
        dst: Slot,
        base: Operand,
        key: Operand,
    },
    /// `dst = obj->name` with warnings.
    FetchProp {
        dst: Slot,
        obj: Operand,
        name: Operand,
        nullsafe: bool,
    },
    /// `dst = []` with capacity hint.
    NewArray {
        dst: Slot,
        cap: u32,
    },
    /// `arr[] = val` on the temporary array `arr` (array literals).
    ArrayPush {
        arr: Slot,
        val: Operand,
    },
    /// `arr[key] = val` on the temporary array `arr` (array literals).
    ArraySet {
        arr: Slot,
        key: Operand,
        val: Operand,
    },
    /// `arr[] = &ref` / `arr[key] = &ref` where `val` holds a `Value::Ref`.
    ArraySetRef {
        arr: Slot,
        key: Option<Operand>,
        val: Operand,
    },
    /// `...src` spread into the temporary array `arr`.
    ArraySpread {
        arr: Slot,
        src: Operand,
    },
    /// Bind local `slot` to global variable `name` (`global $name`).
    BindGlobal {
        slot: Slot,
        name: Operand,
    },
    /// Bind local `slot` to the function's static variable `idx`, initialising it from
    /// `init` the first time.
    BindStatic {
        slot: Slot,
        idx: u32,
        init: Option<Operand>,
    },
    /// Static variable initialiser that needs code: jump to `target` when static `idx` is
    /// already initialised, otherwise fall through to compute the initial value.
    JmpStaticInit {
        idx: u32,
        target: Label,
    },
    /// `unset($local)`.
    UnsetLocal {
        slot: Slot,
    },
    /// `isset($local)` into `dst`.
    IssetLocal {
        dst: Slot,
        slot: Slot,
    },
    /// Special values (`$this`, `func_get_args()`, ...).
    LoadSpecial {
        dst: Slot,
        what: Special,
    },
    /// A constant by name (`FOO`, `\ns\FOO` with fallback name `FOO`).
    FetchConst {
        dst: Slot,
        name: Operand,
        fallback: Option<Operand>,
    },
    /// `Class::NAME`
    FetchClassConst {
        dst: Slot,
        class: ClassOperand,
        name: Operand,
    },
    /// `Class::class` / `$obj::class`.
    ClassName {
        dst: Slot,
        class: ClassOperand,
    },
    /// `define`-like declaration of `const NAME = value` at top level.
    DeclareConst {
        name: Operand,
        val: Operand,
    },
    /// Declare the function with index `idx` in the unit (conditional declarations).
    DeclareFunction {
        idx: u32,
    },
    /// Declare the class with index `idx` in the unit.
    DeclareClass {
        idx: u32,
    },
    /// Make a closure from `children[func]` of the current function, capturing the
    /// variables its `captures` list names (by value, or by reference: the parent's slot is
    /// turned into a reference), bound to `$this` and the current class unless static.
    /// Arrow functions capture by value every parent variable they use.
    MakeClosure {
        dst: Slot,
        func: u32,
    },
    /// Start a call to a named function (resolved at run time; `fallback` is the global
    /// name for unqualified calls inside a namespace).
    InitFCall {
        name: Operand,
        fallback: Option<Operand>,
        n_args: u32,
    },
    /// Start a call to a callable value (closure, string, array, invokable).
    InitDynCall {
        callee: Operand,
        n_args: u32,
    },
    /// Start a method call `obj->name(...)`.
    InitMethodCall {
        obj: Operand,
        name: Operand,
        nullsafe: bool,
        n_args: u32,
    },
    /// Start a static call `Class::name(...)` (also `parent::f()`, which keeps `$this`).
    InitStaticCall {
        class: ClassOperand,
        name: Operand,
        n_args: u32,
    },
    /// Start `new Class(...)`: creates the object into `dst` and calls the constructor if
    /// any (the `DoCall` result is discarded).
    InitNew {
        dst: Slot,
        class: ClassOperand,
        n_args: u32,
    },
    /// Pass an argument by value (a temporary: an `Error` if the parameter is by-reference).
    SendVal {
        val: Operand,
    },
    /// Pass a function call's result (or `$this`): by reference if the parameter is (with
    /// PHP's "Only variables should be passed by reference" notice when `notice` is set and
    /// the result is not a reference), else its value.
    SendVar {
        val: Operand,
        notice: bool,
    },
    /// Pass an lvalue: by reference if the callee's parameter is by-reference (creating the
    /// location), else its value (with undefined warnings).
    SendPath {
        path: u32,
    },
    /// Pass `...val` (array or Traversable; string keys become named arguments).
    SendUnpack {
        val: Operand,
    },
    /// Pass a named argument.
    SendNamed {
        name: Operand,
        val: Operand,
    },
    /// Pass a named argument from an lvalue (by reference if the parameter is).
    SendNamedPath {
        name: Operand,
        path: u32,
    },
    /// Run the pending call; the return value goes to `dst` (if any).
    DoCall {
        dst: Option<Slot>,
    },
    /// Turn the pending call into a Closure (first-class callable syntax `f(...)`).
    CallableFromPending {
        dst: Slot,
    },
    /// Return `val` (or null) from the current function.
    Return {
        val: Option<Operand>,
    },
    /// Return a reference: the operand holds a `Value::Ref` produced by `PathOp GetRef`.
    ReturnRef {
        val: Operand,
    },
    /// Initialise parameter `idx` from its default when the caller did not pass it: jump
    /// to `target` when it was passed.
    JmpIfArgPassed {
        idx: u32,
        target: Label,
    },
    /// Check/coerce parameter `idx` against its declared type (after defaults).
    VerifyParam {
        idx: u32,
    },
    /// Constructor promotion: assign every promoted parameter (after defaults and type
    /// checks) to the property of the same name on `$this`.
    PromoteParams,
    /// Check/coerce the return value in `val` against the declared return type.
    VerifyReturn {
        val: Slot,
    },
    /// Falling off the end of a function with a return type: PHP's TypeError
    /// ("none returned", or "never-returning function must not implicitly return").
    VerifyNoReturn,
    /// Foreach: prepare iteration over `subject` into iterator register `iter`; jump to
    /// `end` when empty. `by_ref` iterates the variable behind `path` in place.
    IterInit {
        iter: Slot,
        subject: Operand,
        by_ref_path: Option<u32>,
        end: Label,
    },
    /// Foreach step: jump to `end` when exhausted, else write the current value to `val`
    /// (a local slot; by reference when by_ref) and the key to `key`.
    IterNext {
        iter: Slot,
        val: Option<Slot>,
        key: Option<Slot>,
        by_ref: bool,
        end: Label,
    },
    /// Foreach cleanup (drops the iterator).
    IterFree {
        iter: Slot,
    },
    /// `throw val`
    Throw {
        val: Operand,
    },
    /// Enter a `try` region: handlers are in the function's exception table.
    /// (Regions are static; this op is a no-op marker for the disassembler.)
    TryMarker,
    /// At the start of a catch block: `dst` receives the caught exception.
    Catch {
        dst: Option<Slot>,
    },
    /// End of a `finally` block: resume the pending action (rethrow, return, jump).
    EndFinally,
    /// Jump out of try blocks through their finally blocks to `target`.
    JmpThroughFinally {
        target: Label,
    },
    /// `include`/`require` the path in `path`; `dst` gets its result.
    Include {
        dst: Slot,
        path: Operand,
        kind: IncludeKind,
    },
    /// `eval(code)`.
    Eval {
        dst: Slot,
        code: Operand,
    },
    /// `exit(val)`.
    Exit {
        val: Option<Operand>,
    },
    /// `clone val`
    Clone {
        dst: Slot,
        val: Operand,
    },
    /// `dst = val instanceof class`
    InstanceOf {
        dst: Slot,
        val: Operand,
        class: ClassOperand,
    },
    /// Start/stop `@` error suppression (`BeginSilence` saves the level in `slot`).
    BeginSilence {
        slot: Slot,
    },
    EndSilence {
        slot: Slot,
    },
    /// `yield key => val` (generator); `dst` gets the sent value.
    Yield {
        dst: Option<Slot>,
        key: Option<Operand>,
        val: Option<Operand>,
    },
    /// `yield from src`; `dst` gets the inner generator's return value.
    YieldFrom {
        dst: Option<Slot>,
        src: Operand,
    },
    /// `match` found no arm: throws `UnhandledMatchError` for `val`.
    MatchError {
        val: Operand,
    },
    /// Switch/match jump table lookup on an int or string subject: jump to the mapped
    /// target or `default`. `strict` for match.
    Switch {
        subject: Operand,
        table: u32,
        default: Label,
        strict: bool,
    },
    /// Variable-variable read `$$name` into `dst`.
    FetchVarVar {
        dst: Slot,
        name: Operand,
        quiet: bool,
    },
    /// Calls a frame-aware builtin (`compact`, `extract`, `get_defined_vars`,
    /// `func_get_args`, ...) with `n` arguments taken from registers `args..args+n`.
    CallIntrinsic {
        dst: Option<Slot>,
        which: Intrinsic,
        args: Slot,
        n: u32,
    },
    /// Calls builtin number `builtin` (`builtins::by_index`) with the operands of
    /// `Func::arg_lists[args]` as positional arguments, read left to right when the op runs
    /// (temporaries are moved out, locals read with their undefined warning, constants
    /// cloned). The compiler emits it instead of `InitFCall`/`Send*`/`DoCall` only for a call
    /// that cannot resolve to anything else (a global name of a builtin without by-reference
    /// parameters) with plain positional arguments; a local operand is only left to be read
    /// here when no later argument can have side effects. `dst` may be a local (`$x =
    /// f(...)`), written through its reference after the call returned.
    CallBuiltin {
        dst: Option<Slot>,
        builtin: u32,
        args: u32,
    },
}

/// Built-in functions that need the caller's frame (compiled specially when called by
/// their literal name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Intrinsic {
    Compact,
    Extract,
    GetDefinedVars,
    FuncGetArgs,
    FuncNumArgs,
    FuncGetArg,
}

/// A run-time parameter description.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ParamInfo {
    pub name: PhpStr,
    pub by_ref: bool,
    pub variadic: bool,
    /// Has a default value (the function's prologue computes it).
    pub optional: bool,
    /// The default as PHP prints it in signature messages (`= null`, `= 'abc...'`).
    pub default_text: Option<String>,
    pub ty: Option<TypeSpec>,
    /// Constructor promotion: assign to this property.
    pub promote: Option<Visibility>,
}

/// A try/catch/finally region of a function.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TryRegion {
    /// Instructions `[start, end)` are protected.
    pub start: Label,
    pub end: Label,
    /// Catch clauses: (lower-cased class names, handler label).
    pub catches: Vec<(Vec<PhpStr>, Label)>,
    /// The finally block's label, if any.
    pub finally: Option<Label>,
    /// The first instruction after the whole try statement.
    pub after: Label,
}

/// A compiled function body (function, method, closure, or a file's top-level code).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Func {
    /// Name as declared (`{closure}` for closures, `` for pseudo-main).
    pub name: PhpStr,
    pub code: Vec<Op>,
    /// Source line per instruction.
    pub lines: Vec<u32>,
    pub consts: Vec<Value>,
    pub paths: Vec<Path>,
    /// Operand lists of `CallBuiltin` (arguments) and `ConcatN` (pieces) ops.
    pub arg_lists: Vec<Vec<Operand>>,
    /// Property-access sites of `PropGet`/`PropSet` ops (name and inline cache).
    pub prop_sites: Vec<PropSite>,
    pub switch_tables: Vec<Vec<(Value, Label)>>,
    /// Total registers.
    pub n_slots: u32,
    /// Names of the first `local_names.len()` registers (named locals).
    pub local_names: Vec<PhpStr>,
    pub params: Vec<ParamInfo>,
    /// Captured variables for closures: (slot in this function, by_ref, slot in parent).
    pub captures: Vec<(Slot, bool, Slot)>,
    pub by_ref_return: bool,
    pub return_type: Option<TypeSpec>,
    pub is_generator: bool,
    pub is_static: bool,
    /// Whether variables may be accessed by name (`$$x`, `extract`, `include`, ...), which
    /// forces name-based binding.
    pub dynamic_vars: bool,
    pub tries: Vec<TryRegion>,
    /// Number of static variables.
    pub n_statics: u32,
    /// Nested functions/closures compiled with this one (indices used by `MakeClosure`).
    pub children: Vec<Rc<Func>>,
    /// `declare(strict_types=1)` in the file.
    pub strict_types: bool,
    /// The file this function comes from.
    pub file: PhpStr,
    pub line_start: u32,
    pub line_end: u32,
    /// The class that declares this method (original case), for `__CLASS__`/scope.
    pub class_name: Option<PhpStr>,
    /// Unique id (per process) for per-request state such as static variables.
    pub id: u64,
    /// JIT profile and compiled code (`jit_hook`); never serialised.
    #[serde(skip)]
    pub jit: super::jit_hook::FuncJit,
}

/// A value computed once from a constant expression: either known at compile time, or a
/// small function (no parameters) whose return value is the result (`const A = B * 2;`,
/// property defaults referring to constants, `new` in initialisers).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum ConstInit {
    Value(Value),
    Code(Rc<Func>),
}

/// A class constant declaration.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ConstDef {
    pub name: PhpStr,
    pub value: ConstInit,
    pub visibility: Visibility,
    pub is_final: bool,
}

/// A property declaration.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PropDef {
    pub name: PhpStr,
    /// `None`: untyped without default is null; typed without default is uninitialised.
    pub default: Option<ConstInit>,
    pub ty: Option<TypeSpec>,
    pub visibility: Visibility,
    pub is_static: bool,
    pub is_readonly: bool,
}

/// A method declaration.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MethodDef {
    pub func: Rc<Func>,
    pub visibility: Visibility,
    pub is_static: bool,
    pub is_abstract: bool,
    pub is_final: bool,
}

/// A trait method adaptation, resolved names (lower-case trait names).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum TraitRule {
    Insteadof {
        trait_: PhpStr,
        method: PhpStr,
        instead_of: Vec<PhpStr>,
    },
    Alias {
        trait_: Option<PhpStr>,
        method: PhpStr,
        visibility: Option<Visibility>,
        alias: Option<PhpStr>,
    },
}

/// A compiled class, interface, trait or enum declaration. Linked into a run-time
/// `object::Class` when declared.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ClassDef {
    /// Fully qualified name as declared.
    pub name: PhpStr,
    pub kind: super::ast::ClassKind,
    pub is_abstract: bool,
    pub is_final: bool,
    pub is_readonly: bool,
    /// Declared with `#[AllowDynamicProperties]` (subclasses inherit it at link time).
    pub allow_dynamic_properties: bool,
    /// Fully qualified parent name.
    pub parent: Option<PhpStr>,
    /// Fully qualified interface names (for interfaces: the interfaces they extend).
    pub interfaces: Vec<PhpStr>,
    pub traits: Vec<PhpStr>,
    pub trait_rules: Vec<TraitRule>,
    pub consts: Vec<ConstDef>,
    pub props: Vec<PropDef>,
    pub methods: Vec<MethodDef>,
    /// Enum cases: name and backing value.
    pub cases: Vec<(PhpStr, Option<ConstInit>)>,
    /// `int` or `string` for backed enums.
    pub enum_backing: Option<TypeSpec>,
    pub line_start: u32,
    pub line_end: u32,
}

/// One compiled source file.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Unit {
    /// The file's top-level code.
    pub main: Rc<Func>,
    /// Every named function declared anywhere in the file (`DeclareFunction` indices).
    pub functions: Vec<Rc<Func>>,
    /// Every class declared anywhere in the file (`DeclareClass` indices).
    pub classes: Vec<Rc<ClassDef>>,
    /// Functions declared unconditionally at top level: declared before `main` runs.
    pub hoisted_functions: Vec<u32>,
    /// Classes declared unconditionally at top level, in order (declared before `main`
    /// runs when their parents/interfaces are available, else when reached).
    pub hoisted_classes: Vec<u32>,
    pub file: PhpStr,
    /// Compile-time warnings and deprecations, printed when the file is loaded.
    pub diagnostics: Vec<super::error::Diagnostic>,
}
