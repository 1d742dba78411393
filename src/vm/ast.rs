//! The PHP abstract syntax tree: what the parser produces and the compiler consumes.
//!
//! Names and string literals are bytes (`Vec<u8>`), never UTF-8 `String`: PHP source is a
//! byte stream. Every statement and expression carries the 1-based source line it starts on,
//! which is what PHP's diagnostics report. The tree is deliberately close to the surface
//! syntax; resolving names against `namespace`/`use`, deciding what is a constant and
//! rejecting invalid assignment targets is the compiler's job.

use std::rc::Rc;

/// An identifier or variable name as written (without the `$` for variables).
pub type Name = Vec<u8>;

/// A sequence of statements.
pub type Block = Vec<Stmt>;

/// A whole source file.
#[derive(Debug, Clone)]
pub struct Program {
    pub stmts: Vec<Stmt>,
    /// Warnings and deprecations found while parsing (printed before the file runs).
    pub diagnostics: Vec<super::error::Diagnostic>,
}

/// A statement with the line it starts on.
#[derive(Debug, Clone)]
pub struct Stmt {
    pub kind: StmtKind,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub enum StmtKind {
    /// An expression followed by `;`.
    Expr(Expr),
    /// `echo a, b;` and `<?= a ?>`.
    Echo(Vec<Expr>),
    /// Text outside `<?php ... ?>`, printed as is. A single newline directly after `?>` is
    /// already removed by the lexer, as PHP does.
    InlineHtml(Vec<u8>),
    If {
        cond: Expr,
        then: Block,
        elseifs: Vec<(Expr, Block)>,
        else_: Option<Block>,
    },
    While {
        cond: Expr,
        body: Block,
    },
    DoWhile {
        body: Block,
        cond: Expr,
    },
    /// `for (init; cond; step)`: each part is a comma list; the loop condition is the last
    /// expression of `cond` (all are evaluated), and an empty `cond` means "true".
    For {
        init: Vec<Expr>,
        cond: Vec<Expr>,
        step: Vec<Expr>,
        body: Block,
    },
    /// `foreach (subject as key => value)`. `value` is a variable, property, index or a
    /// `List`/`Array` destructuring target; `by_ref` is `&$value`.
    Foreach {
        subject: Expr,
        key: Option<Expr>,
        value: Expr,
        by_ref: bool,
        body: Block,
    },
    Switch {
        subject: Expr,
        cases: Vec<SwitchCase>,
    },
    /// `break N;` (N is 1 when omitted).
    Break(u32),
    /// `continue N;` (N is 1 when omitted).
    Continue(u32),
    Return(Option<Expr>),
    /// `global $a, $b;`
    Global(Vec<Name>),
    /// `static $a = 1, $b;`
    Static(Vec<(Name, Option<Expr>)>),
    /// `unset($a, $b[1]);`
    Unset(Vec<Expr>),
    /// `{ ... }` used as a statement.
    Block(Block),
    FunctionDecl(Rc<FunctionDecl>),
    ClassDecl(Rc<ClassDecl>),
    Try {
        body: Block,
        catches: Vec<Catch>,
        finally: Option<Block>,
    },
    Goto(Name),
    Label(Name),
    /// `namespace Foo;` (body `None`: applies until the next namespace statement) or
    /// `namespace Foo { ... }` (body `Some`). `name` is `None` for the global namespace block
    /// `namespace { ... }`.
    Namespace {
        name: Option<Name>,
        body: Option<Block>,
    },
    /// `use A\B as C, D;`, `use function ...`, `use const ...`, and group use
    /// `use A\{B, C as D}` (flattened into items with full names by the parser).
    Use {
        kind: UseKind,
        items: Vec<UseItem>,
    },
    /// `const A = 1, B = 2;` at top level or in a namespace.
    Const(Vec<(Name, Expr)>),
    /// `declare(strict_types=1);` (body `None`) or `declare(ticks=1) { ... }`.
    Declare {
        directives: Vec<(Name, Expr)>,
        body: Option<Block>,
    },
    /// `__halt_compiler();` — nothing after it is parsed.
    HaltCompiler,
    /// An empty statement `;`.
    Nop,
}

#[derive(Debug, Clone)]
pub struct SwitchCase {
    /// `None` for `default:`.
    pub cond: Option<Expr>,
    pub body: Block,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct Catch {
    /// `catch (A | B $e)`: the class names.
    pub types: Vec<QName>,
    /// `None` for `catch (Exception)` without a variable.
    pub var: Option<Name>,
    pub body: Block,
    pub line: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UseKind {
    Class,
    Function,
    Const,
}

#[derive(Debug, Clone)]
pub struct UseItem {
    /// The full name being imported, without a leading backslash.
    pub name: Name,
    /// The alias (`as X`), if any.
    pub alias: Option<Name>,
    /// For mixed group use (`use A\{function f, const C}`), the kind of this item.
    pub kind: UseKind,
}

/// How a name was written: `Foo`, `A\Foo`, `\A\Foo` or `namespace\Foo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Unqualified,
    Qualified,
    FullyQualified,
    Relative,
}

/// A possibly qualified name, e.g. a class, function or constant reference.
/// `name` holds the name without a leading `\` or `namespace\` prefix, with `\` separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QName {
    pub name: Name,
    pub kind: NameKind,
}

/// An expression with the line it starts on.
#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    /// Integer literal (decimal, hex, octal `0o`/leading 0, binary, with `_` separators).
    /// A literal too big for i64 is a `Float`, as PHP does.
    Int(i64),
    Float(f64),
    /// A string literal with escapes already processed.
    Str(Vec<u8>),
    /// A double-quoted string or heredoc with interpolation.
    Interp(Vec<InterpPart>),
    /// `$name`
    Var(Name),
    /// `$$expr` / `${expr}`
    VarVar(Box<Expr>),
    /// `[a, 'k' => b, ...c, &$d]` and `array(...)`. On the left of `=` or in foreach it is a
    /// destructuring pattern; the compiler decides.
    Array(Vec<ArrayItem>),
    /// `list(a, , 'k' => b)`: holes are `None`.
    List(Vec<Option<ArrayItem>>),
    /// `base[index]`, `base{index}` is not PHP 8; `index: None` is `base[]`.
    Index {
        base: Box<Expr>,
        index: Option<Box<Expr>>,
    },
    /// `obj->name`, `obj?->name`, `obj->$name`, `obj->{expr}`.
    Prop {
        obj: Box<Expr>,
        name: Member,
        nullsafe: bool,
    },
    /// `Class::$name`, `Class::$$name`.
    StaticProp {
        class: ClassRef,
        name: Member,
    },
    /// `Class::NAME` and `Class::class`.
    ClassConst {
        class: ClassRef,
        name: Name,
    },
    /// A bare constant name, including `true`, `false`, `null` in any case.
    Const(QName),
    /// `f(args)`, `$f(args)`, `'f'(args)`.
    Call {
        func: Callee,
        args: Vec<Arg>,
    },
    /// `new C(args)`, `new $c`, `new class(args) { ... }`.
    New {
        class: ClassRef,
        args: Vec<Arg>,
    },
    /// `obj->m(args)`, `obj?->m(args)`, `obj->$m(args)`.
    MethodCall {
        obj: Box<Expr>,
        name: Member,
        args: Vec<Arg>,
        nullsafe: bool,
    },
    /// `C::m(args)`, `C::$m(args)`, `parent::m()`.
    StaticCall {
        class: ClassRef,
        name: Member,
        args: Vec<Arg>,
    },
    /// First-class callable syntax `f(...)`, `$o->m(...)`, `C::m(...)`: wraps a `Call`,
    /// `MethodCall` or `StaticCall` whose `args` are empty.
    CallableConvert(Box<Expr>),
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    /// All binary operators, including the short-circuiting `&&`, `||`, `and`, `or`, `xor`
    /// and `??`.
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `target = value` (target may be an `Array`/`List` destructuring pattern).
    Assign {
        target: Box<Expr>,
        value: Box<Expr>,
    },
    /// `target = &value`.
    AssignRef {
        target: Box<Expr>,
        value: Box<Expr>,
    },
    /// `target op= value`, including `??=` (`op` = `Coalesce`).
    AssignOp {
        op: BinOp,
        target: Box<Expr>,
        value: Box<Expr>,
    },
    /// `++$x`, `$x++`, `--$x`, `$x--`.
    IncDec {
        prefix: bool,
        inc: bool,
        target: Box<Expr>,
    },
    /// `cond ? then : else_`; `then: None` is the short form `cond ?: else_`.
    Ternary {
        cond: Box<Expr>,
        then: Option<Box<Expr>>,
        else_: Box<Expr>,
    },
    Isset(Vec<Expr>),
    Empty(Box<Expr>),
    Cast {
        ty: CastType,
        expr: Box<Expr>,
    },
    /// `@expr`
    Silence(Box<Expr>),
    /// `function (...) use (...) { ... }` and `static function ...`.
    Closure(Rc<FunctionDecl>),
    /// `fn (...) => expr` (`body` is a single `Return` statement).
    ArrowFn(Rc<FunctionDecl>),
    Match {
        subject: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    /// `exit`, `exit(expr)`, `die(...)`.
    Exit(Option<Box<Expr>>),
    Print(Box<Expr>),
    Include {
        kind: IncludeKind,
        path: Box<Expr>,
    },
    Eval(Box<Expr>),
    Clone(Box<Expr>),
    Instanceof {
        expr: Box<Expr>,
        class: ClassRef,
    },
    /// `throw expr` (an expression since PHP 8).
    Throw(Box<Expr>),
    /// `yield`, `yield v`, `yield k => v`.
    Yield {
        key: Option<Box<Expr>>,
        value: Option<Box<Expr>>,
    },
    YieldFrom(Box<Expr>),
    /// Backticks: `` `ls $dir` ``.
    ShellExec(Vec<InterpPart>),
    /// `__FILE__`, `__DIR__`, `__FUNCTION__`, ... (`__LINE__` is turned into `Int` by the
    /// parser).
    MagicConst(MagicConst),
}

/// A piece of an interpolated string.
#[derive(Debug, Clone)]
pub enum InterpPart {
    Lit(Vec<u8>),
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub struct ArrayItem {
    pub key: Option<Expr>,
    pub value: Expr,
    pub by_ref: bool,
    /// `...expr` spread.
    pub unpack: bool,
}

#[derive(Debug, Clone)]
pub struct Arg {
    pub value: Expr,
    /// `...expr` argument unpacking.
    pub unpack: bool,
    /// Named argument `name: expr`.
    pub name: Option<Name>,
}

/// The function part of a call.
#[derive(Debug, Clone)]
pub enum Callee {
    /// A literal function name `foo(...)`, `\ns\foo(...)`.
    Name(QName),
    /// Anything else: `$f(...)`, `($obj->prop)(...)`, `'strlen'(...)`.
    Expr(Box<Expr>),
}

/// The member part of `->`/`::` accesses.
#[derive(Debug, Clone)]
pub enum Member {
    /// A literal identifier: `->foo`, `::foo()`, `::$foo`.
    Name(Name),
    /// A computed name: `->$foo`, `->{expr}`, `::$$foo`.
    Expr(Box<Expr>),
}

/// The class part of `new`, `::`, `instanceof`.
#[derive(Debug, Clone)]
pub enum ClassRef {
    /// A literal name, including `self`, `parent` and `static`.
    Name(QName),
    /// `$obj::X`, `new $cls`, `new (expr)`.
    Expr(Box<Expr>),
    /// `new class(...) { ... }`.
    Anon(Rc<ClassDecl>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `+x`
    Plus,
    /// `!x`
    Not,
    /// `~x`
    BitNot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Concat,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    /// `&&` and `and`.
    And,
    /// `||` and `or`.
    Or,
    /// `xor`
    Xor,
    Eq,
    NotEq,
    Identical,
    NotIdentical,
    Lt,
    Le,
    Gt,
    Ge,
    Spaceship,
    Coalesce,
}

impl BinOp {
    /// The operator as PHP writes it (in source and in "Unsupported operand types"
    /// messages); `and`/`or` share `&&`/`||`.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::Concat => ".",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::And => "&&",
            BinOp::Or => "||",
            BinOp::Xor => "xor",
            BinOp::Eq => "==",
            BinOp::NotEq => "!=",
            BinOp::Identical => "===",
            BinOp::NotIdentical => "!==",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Spaceship => "<=>",
            BinOp::Coalesce => "??",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CastType {
    Int,
    Float,
    String,
    Bool,
    Array,
    Object,
    /// `(unset)` is a parse error in PHP 8; kept out. This variant is never produced.
    Unset,
}

#[derive(Debug, Clone)]
pub struct MatchArm {
    /// `None` for `default`.
    pub conds: Option<Vec<Expr>>,
    pub body: Expr,
    pub line: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IncludeKind {
    Include,
    IncludeOnce,
    Require,
    RequireOnce,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MagicConst {
    File,
    Dir,
    Function,
    Class,
    Method,
    Namespace,
    Trait,
}

/// A function, method, closure or arrow function.
#[derive(Debug, Clone)]
pub struct FunctionDecl {
    /// Empty for closures and arrow functions.
    pub name: Name,
    pub params: Vec<Param>,
    /// `function &f()`.
    pub by_ref_return: bool,
    pub return_type: Option<TypeHint>,
    /// `None` for abstract and interface methods.
    pub body: Option<Block>,
    /// Closure `use (...)` list.
    pub uses: Vec<ClosureUse>,
    /// `static function` / `static fn`.
    pub is_static: bool,
    pub line: u32,
    /// The line of the closing `}` (or of the arrow function's expression end).
    pub end_line: u32,
}

#[derive(Debug, Clone)]
pub struct ClosureUse {
    pub name: Name,
    pub by_ref: bool,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: Name,
    pub ty: Option<TypeHint>,
    pub default: Option<Expr>,
    pub by_ref: bool,
    pub variadic: bool,
    /// Constructor promotion: `public readonly int $x`.
    pub promote: Option<Modifiers>,
    pub line: u32,
}

/// A type declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeHint {
    /// A single name: `int`, `string`, `Foo`, `\A\B`, `self`, `static`, `mixed`, `null`...
    Named(QName),
    /// `?T`
    Nullable(Box<TypeHint>),
    /// `A|B|null`
    Union(Vec<TypeHint>),
    /// `A&B`
    Intersection(Vec<TypeHint>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ClassKind {
    Class,
    Interface,
    Trait,
    Enum,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Visibility {
    Public,
    Protected,
    Private,
}

/// Member and class modifiers. `visibility` is `None` when not written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Modifiers {
    pub visibility: Option<Visibility>,
    pub is_static: bool,
    pub is_abstract: bool,
    pub is_final: bool,
    pub is_readonly: bool,
}

#[derive(Debug, Clone)]
pub struct ClassDecl {
    /// `None` for anonymous classes.
    pub name: Option<Name>,
    pub kind: ClassKind,
    pub modifiers: Modifiers,
    /// `extends` of a class.
    pub parent: Option<QName>,
    /// `implements` of a class or enum; `extends` of an interface.
    pub interfaces: Vec<QName>,
    /// `enum Suit: string`.
    pub enum_backing: Option<TypeHint>,
    pub members: Vec<ClassMember>,
    /// The names of the attributes on the declaration (`#[AllowDynamicProperties]`), as
    /// written; their arguments are not kept.
    pub attributes: Vec<QName>,
    pub line: u32,
    pub end_line: u32,
}

#[derive(Debug, Clone)]
pub enum ClassMember {
    Property {
        modifiers: Modifiers,
        ty: Option<TypeHint>,
        props: Vec<(Name, Option<Expr>)>,
        line: u32,
    },
    Const {
        modifiers: Modifiers,
        items: Vec<(Name, Expr)>,
        line: u32,
    },
    Method {
        modifiers: Modifiers,
        decl: Rc<FunctionDecl>,
    },
    TraitUse {
        traits: Vec<QName>,
        adaptations: Vec<TraitAdaptation>,
        line: u32,
    },
    EnumCase {
        name: Name,
        value: Option<Expr>,
        line: u32,
    },
}

#[derive(Debug, Clone)]
pub enum TraitAdaptation {
    /// `A::foo insteadof B, C;`
    Insteadof {
        trait_: QName,
        method: Name,
        instead_of: Vec<QName>,
    },
    /// `foo as protected bar;`, `A::foo as bar;`, `foo as private;`
    Alias {
        trait_: Option<QName>,
        method: Name,
        visibility: Option<Visibility>,
        alias: Option<Name>,
    },
}
