//! The compiler: AST (`ast`) -> bytecode (`bytecode`). Unit and function plumbing lives
//! here (name resolution, slot allocation, emission helpers, functions, closures, classes);
//! expressions are in `expr.rs`, statements in `stmt.rs`, mirroring `ast.rs`.
//!
//! Conventions (the interpreter relies on them; see also the report in the branch history):
//! - named locals are slots `0..local_names.len()`, parameters first, then every variable
//!   the body uses (first occurrence order), then temporaries (reused per statement);
//! - `Func::tries` lists regions outer before inner (a region is pushed when its `try`
//!   starts), a region's catch handlers and finally follow its body;
//! - hoisted classes also get a `DeclareClass` at their statement position (a no-op when
//!   the hoisting already declared them).

mod checks;
mod export;
mod expr;
mod stmt;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::array::{ArrayKey, PhpArray};
use super::ast::{self, BinOp, ClassKind, Expr, ExprKind, Name, NameKind, QName, Stmt, StmtKind};
use super::bytecode::{
    ClassDef, ConstDef, ConstInit, Func, Label, MethodDef, Op, Operand, ParamInfo, Path,
    PathAction, PathBase, PathElem, PropDef, PropObj, PropSite, Slot, TraitRule, TryRegion, Unit,
};
use super::coerce::{SimpleType, TypeMember, TypeSpec};
use super::error::CompileError;
use super::value::{PhpStr, Value};

type R<T> = Result<T, CompileError>;

fn err<T>(message: impl Into<String>, line: u32) -> R<T> {
    Err(CompileError {
        message: message.into(),
        line,
    })
}

static NEXT_FUNC_ID: AtomicU64 = AtomicU64::new(1);

/// A function id not used before in this process (units loaded from a cache get fresh
/// ones).
pub(crate) fn fresh_func_id() -> u64 {
    NEXT_FUNC_ID.fetch_add(1, Ordering::Relaxed)
}

const SUPERGLOBALS: &[&[u8]] = &[
    b"GLOBALS",
    b"_SERVER",
    b"_GET",
    b"_POST",
    b"_COOKIE",
    b"_FILES",
    b"_ENV",
    b"_REQUEST",
    b"_SESSION",
];

/// Whether `$name` is a superglobal (never a local).
pub(crate) fn is_superglobal(name: &[u8]) -> bool {
    SUPERGLOBALS.contains(&name)
}

/// Compiles a parsed file. `file` is the absolute path (`__FILE__`, `Func::file`).
pub fn compile(program: &ast::Program, file: &[u8]) -> Result<Unit, CompileError> {
    let mut unit = UnitCtx::new(file, program);
    let main = {
        let mut fc = FuncCompiler::new_main(&mut unit, &program.stmts)?;
        fc.top_level = true;
        fc.block(&program.stmts)?;
        fc.emit(Op::Return { val: None });
        fc.finish()?
    };
    Ok(Unit {
        main: Rc::new(main),
        functions: unit.functions,
        classes: unit.classes,
        hoisted_functions: unit.hoisted_functions,
        hoisted_classes: unit.hoisted_classes,
        file: PhpStr::from(file),
        diagnostics: program
            .diagnostics
            .iter()
            .cloned()
            .chain(super::error::take_diagnostics())
            .collect(),
    })
}

/// Per-file state: declarations and the current namespace/imports.
pub(crate) struct UnitCtx {
    pub file: Vec<u8>,
    pub strict_types: bool,
    pub functions: Vec<Rc<Func>>,
    pub classes: Vec<Rc<ClassDef>>,
    pub hoisted_functions: Vec<u32>,
    pub hoisted_classes: Vec<u32>,
    /// Lower-cased name -> line of unconditional top-level functions (redeclaration check).
    pub top_functions: HashMap<Vec<u8>, u32>,
    pub anon_classes: u32,
    pub ns: Vec<u8>,
    /// Lower-cased alias -> full name.
    pub use_class: HashMap<Vec<u8>, Vec<u8>>,
    pub use_function: HashMap<Vec<u8>, Vec<u8>>,
    /// Case-sensitive alias -> full name.
    pub use_const: HashMap<Vec<u8>, Vec<u8>>,
}

impl UnitCtx {
    fn new(file: &[u8], program: &ast::Program) -> UnitCtx {
        let strict_types = program.stmts.iter().any(|s| match &s.kind {
            StmtKind::Declare { directives, .. } => directives.iter().any(|(n, v)| {
                n.eq_ignore_ascii_case(b"strict_types") && matches!(v.kind, ExprKind::Int(1))
            }),
            _ => false,
        });
        UnitCtx {
            file: file.to_vec(),
            strict_types,
            functions: Vec::new(),
            classes: Vec::new(),
            hoisted_functions: Vec::new(),
            hoisted_classes: Vec::new(),
            top_functions: HashMap::new(),
            anon_classes: 0,
            ns: Vec::new(),
            use_class: HashMap::new(),
            use_function: HashMap::new(),
            use_const: HashMap::new(),
        }
    }

    fn prefixed(&self, name: &[u8]) -> Vec<u8> {
        if self.ns.is_empty() {
            name.to_vec()
        } else {
            let mut v = self.ns.clone();
            v.push(b'\\');
            v.extend_from_slice(name);
            v
        }
    }

    /// Resolves a class name (not self/parent/static) to its fully qualified form.
    pub fn resolve_class(&self, q: &QName) -> Vec<u8> {
        match q.kind {
            NameKind::FullyQualified => q.name.clone(),
            NameKind::Relative => self.prefixed(&q.name),
            NameKind::Unqualified | NameKind::Qualified => {
                let (first, rest) = split_first_segment(&q.name);
                if let Some(full) = self.use_class.get(&first.to_ascii_lowercase()) {
                    let mut v = full.clone();
                    if let Some(rest) = rest {
                        v.push(b'\\');
                        v.extend_from_slice(rest);
                    }
                    return v;
                }
                self.prefixed(&q.name)
            }
        }
    }

    /// Resolves a function name: (name, fallback global name).
    pub fn resolve_function(&self, q: &QName) -> (Vec<u8>, Option<Vec<u8>>) {
        match q.kind {
            NameKind::Unqualified => {
                if let Some(full) = self.use_function.get(&q.name.to_ascii_lowercase()) {
                    return (full.clone(), None);
                }
                if self.ns.is_empty() {
                    (q.name.clone(), None)
                } else {
                    (self.prefixed(&q.name), Some(q.name.clone()))
                }
            }
            _ => (self.resolve_class(q), None),
        }
    }

    /// Resolves a constant name: (name, fallback global name).
    pub fn resolve_const(&self, q: &QName) -> (Vec<u8>, Option<Vec<u8>>) {
        match q.kind {
            NameKind::Unqualified => {
                if let Some(full) = self.use_const.get(&q.name) {
                    return (full.clone(), None);
                }
                if self.ns.is_empty() {
                    (q.name.clone(), None)
                } else {
                    (self.prefixed(&q.name), Some(q.name.clone()))
                }
            }
            _ => (self.resolve_class(q), None),
        }
    }
}

fn split_first_segment(name: &[u8]) -> (&[u8], Option<&[u8]>) {
    match name.iter().position(|&c| c == b'\\') {
        Some(i) => (&name[..i], Some(&name[i + 1..])),
        None => (name, None),
    }
}

fn last_segment(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&c| c == b'\\') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// The class a function body is compiled in.
#[derive(Clone, Default)]
pub(crate) struct ClassCtx {
    /// Fully qualified name as declared.
    pub name: Vec<u8>,
    pub parent: Option<Vec<u8>>,
    pub is_trait: bool,
}

/// What a `break`/`continue` can target.
pub(crate) struct LoopCtx {
    pub is_switch: bool,
    /// Jumps to patch to the loop end.
    pub breaks: Vec<usize>,
    /// Jumps to patch to the continue target.
    pub continues: Vec<usize>,
    /// Number of enclosing try-with-finally at loop entry.
    pub finally_depth: u32,
    /// Foreach iterator to free when leaving the loop by `break N`/`continue N` (N > 1).
    pub iter: Option<Slot>,
    /// Number of enclosing `finally` bodies at loop entry (leaving one is an error).
    pub fin_bodies: usize,
}

/// Constant pool dedupe key.
#[derive(PartialEq, Eq, Hash)]
enum ConstKey {
    Null,
    Bool(bool),
    Int(i64),
    Float(u64),
    Str(Vec<u8>),
}

/// Compiles one function body.
pub(crate) struct FuncCompiler<'u> {
    pub unit: &'u mut UnitCtx,
    pub code: Vec<Op>,
    pub lines: Vec<u32>,
    pub consts: Vec<Value>,
    const_map: HashMap<ConstKey, u32>,
    pub paths: Vec<Path>,
    /// Sites of `PropGet`/`PropSet` ops (`prop_op`).
    pub prop_sites: Vec<PropSite>,
    /// Argument lists of `CallBuiltin` ops.
    pub arg_lists: Vec<Vec<Operand>>,
    pub locals: Vec<PhpStr>,
    local_map: HashMap<Vec<u8>, Slot>,
    next_temp: Slot,
    max_slots: Slot,
    temp_floor: Slot,
    /// Depth of compound statements around the current one (0: directly at top level).
    pub nested: u32,
    /// Set right before compiling the object/base of a `->`/`[]`/method-call step: that
    /// expression belongs to the same nullsafe chain.
    pub spine_next: bool,
    /// Per open nullsafe chain: the jumps taken when a `?->` object is null.
    pub nullsafe_jumps: Vec<Vec<usize>>,
    pub line: u32,
    pub loops: Vec<LoopCtx>,
    pub finally_depth: u32,
    /// Labels: their position and the `finally` bodies they are in.
    pub labels: HashMap<Vec<u8>, (Label, Vec<u32>)>,
    /// (op index, label name, line, `finally` bodies it is in) for gotos to patch at the end.
    pub gotos: Vec<(usize, Vec<u8>, u32, Vec<u32>)>,
    /// Ids of the `finally` bodies around the current statement, outermost first.
    pub fin_bodies: Vec<u32>,
    /// Next id for `fin_bodies`.
    pub next_fin: u32,
    pub children: Vec<Rc<Func>>,
    pub tries: Vec<TryRegion>,
    pub n_statics: u32,
    pub dynamic_vars: bool,
    pub is_generator: bool,
    /// Name as declared (`{closure}` for closures, empty for the pseudo-main).
    pub name: Vec<u8>,
    /// `__FUNCTION__`
    pub func_name: Vec<u8>,
    pub class: Option<ClassCtx>,
    pub top_level: bool,
    pub by_ref_return: bool,
    pub has_return_type: bool,
    pub params: Vec<ParamInfo>,
    pub return_type: Option<TypeSpec>,
    pub is_static: bool,
    /// A static method, or a closure inside one (or itself static): `$this` is not
    /// guaranteed to exist even in a class (PHP's `this_guaranteed_exists`).
    pub static_context: bool,
    pub captures: Vec<(Slot, bool, Slot)>,
    pub line_start: u32,
    pub line_end: u32,
}

impl<'u> FuncCompiler<'u> {
    fn blank(unit: &'u mut UnitCtx, class: Option<ClassCtx>) -> FuncCompiler<'u> {
        FuncCompiler {
            unit,
            code: Vec::new(),
            lines: Vec::new(),
            consts: Vec::new(),
            const_map: HashMap::new(),
            paths: Vec::new(),
            prop_sites: Vec::new(),
            arg_lists: Vec::new(),
            locals: Vec::new(),
            local_map: HashMap::new(),
            next_temp: 0,
            max_slots: 0,
            temp_floor: 0,
            nested: 0,
            spine_next: false,
            nullsafe_jumps: Vec::new(),
            line: 1,
            loops: Vec::new(),
            finally_depth: 0,
            labels: HashMap::new(),
            gotos: Vec::new(),
            fin_bodies: Vec::new(),
            next_fin: 0,
            children: Vec::new(),
            tries: Vec::new(),
            n_statics: 0,
            dynamic_vars: false,
            is_generator: false,
            name: Vec::new(),
            func_name: Vec::new(),
            class,
            top_level: false,
            by_ref_return: false,
            has_return_type: false,
            params: Vec::new(),
            return_type: None,
            is_static: false,
            static_context: false,
            captures: Vec::new(),
            line_start: 1,
            line_end: 1,
        }
    }

    fn new_main(unit: &'u mut UnitCtx, stmts: &[Stmt]) -> R<FuncCompiler<'u>> {
        let mut fc = FuncCompiler::blank(unit, None);
        let mut vars = VarCollector::default();
        vars.block(stmts);
        fc.set_locals(&[], vars.names)?;
        fc.dynamic_vars = vars.dynamic;
        fc.is_generator = false;
        fc.line_end = stmts.last().map(|s| s.line).unwrap_or(1);
        Ok(fc)
    }

    fn set_locals(&mut self, first: &[Vec<u8>], rest: Vec<Vec<u8>>) -> R<()> {
        for n in first.iter().chain(rest.iter()) {
            if !self.local_map.contains_key(n) {
                self.local_map.insert(n.clone(), self.locals.len() as Slot);
                self.locals.push(PhpStr::from(n.as_slice()));
            }
        }
        self.next_temp = self.locals.len() as Slot;
        self.max_slots = self.next_temp;
        Ok(())
    }

    /// The slot of named local `name` (collected beforehand; added if missed).
    pub fn local(&mut self, name: &[u8]) -> Slot {
        if let Some(&s) = self.local_map.get(name) {
            return s;
        }
        // Not collected (a collector gap): give it a dedicated slot above every temporary
        // so far and keep later temporaries above it. It is then not a named local.
        let s = self.max_slots.max(self.next_temp);
        self.max_slots = s + 1;
        self.temp_floor = s + 1;
        self.next_temp = self.next_temp.max(s + 1);
        self.local_map.insert(name.to_vec(), s);
        s
    }

    pub fn temp(&mut self) -> Slot {
        let t = self.next_temp;
        self.next_temp += 1;
        self.max_slots = self.max_slots.max(self.next_temp);
        t
    }

    pub fn temp_mark(&self) -> Slot {
        self.next_temp
    }

    pub fn reset_temps(&mut self, mark: Slot) {
        self.next_temp = mark.max(self.temp_floor);
    }

    pub fn emit(&mut self, op: Op) -> usize {
        let op = self.prop_op(op);
        self.code.push(op);
        self.lines.push(self.line);
        self.code.len() - 1
    }

    /// A `PathOp` on a one-step path `obj->name` with a constant name (`obj` being `$this`,
    /// a local or a temporary) becomes `PropGet` (`Fetch`) or `PropSet` (assignments,
    /// compound assignments but `??=`, increments), which run the same code behind a
    /// per-instruction inline cache. Other ops and actions are returned unchanged.
    fn prop_op(&mut self, op: Op) -> Op {
        let Op::PathOp {
            path,
            action,
            val,
            dst,
        } = op
        else {
            return op;
        };
        let Some(p) = self.paths.get(path as usize) else {
            return op;
        };
        let [PathElem::Prop(name)] = p.elems.as_slice() else {
            return op;
        };
        if !matches!(self.const_value(*name), Some(Value::Str(_))) {
            return op;
        }
        let obj = match p.base {
            PathBase::This => PropObj::This,
            PathBase::Local(s) => PropObj::Reg(s),
            PathBase::Object(o) if !o.is_const() => PropObj::Reg(o.index()),
            _ => return op,
        };
        let name = name.index();
        let mut site = || {
            self.prop_sites.push(PropSite {
                name,
                ic: Default::default(),
            });
            (self.prop_sites.len() - 1) as u32
        };
        match (action, dst) {
            (PathAction::Fetch, Some(dst)) => Op::PropGet {
                dst,
                obj,
                site: site(),
            },
            (
                PathAction::Assign
                | PathAction::PreInc
                | PathAction::PreDec
                | PathAction::PostInc
                | PathAction::PostDec,
                _,
            ) => Op::PropSet {
                obj,
                site: site(),
                action,
                val,
                dst,
            },
            (PathAction::AssignOp(o), _) if o != BinOp::Coalesce => Op::PropSet {
                obj,
                site: site(),
                action,
                val,
                dst,
            },
            _ => op,
        }
    }

    /// Emits a jump-like op whose target is patched later with `patch_jump`.
    pub fn emit_jump(&mut self, op: Op) -> usize {
        self.emit(op)
    }

    pub fn here(&self) -> Label {
        self.code.len() as Label
    }

    /// Points the jump at `at` to `target`.
    pub fn patch_jump(&mut self, at: usize, target: Label) {
        match &mut self.code[at] {
            Op::Jmp { target: t }
            | Op::JmpIf { target: t, .. }
            | Op::JmpIfNot { target: t, .. }
            | Op::JmpNotNull { target: t, .. }
            | Op::JmpNotLt { target: t, .. }
            | Op::JmpNotLe { target: t, .. }
            | Op::JmpLt { target: t, .. }
            | Op::JmpLe { target: t, .. }
            | Op::JmpStaticInit { target: t, .. }
            | Op::JmpThroughFinally { target: t }
            | Op::JmpIfArgPassed { target: t, .. }
            | Op::IterInit { end: t, .. }
            | Op::IterNext { end: t, .. } => *t = target,
            other => panic!("patch_jump on a non-jump op {other:?}"),
        }
    }

    /// Patches the jump at `at` to the current position.
    pub fn patch_here(&mut self, at: usize) {
        let h = self.here();
        self.patch_jump(at, h);
    }

    pub fn constant(&mut self, v: Value) -> Operand {
        let key = match &v {
            Value::Null => Some(ConstKey::Null),
            Value::Bool(b) => Some(ConstKey::Bool(*b)),
            Value::Int(i) => Some(ConstKey::Int(*i)),
            Value::Float(f) => Some(ConstKey::Float(f.to_bits())),
            Value::Str(s) => Some(ConstKey::Str(s.to_vec())),
            _ => None,
        };
        if let Some(k) = &key {
            if let Some(&i) = self.const_map.get(k) {
                return Operand::constant(i);
            }
        }
        let i = self.consts.len() as u32;
        self.consts.push(v);
        if let Some(k) = key {
            self.const_map.insert(k, i);
        }
        Operand::constant(i)
    }

    pub fn str_const(&mut self, s: &[u8]) -> Operand {
        self.constant(Value::str(s))
    }

    pub fn add_path(&mut self, p: Path) -> u32 {
        self.paths.push(p);
        (self.paths.len() - 1) as u32
    }

    /// The compile-time value of a constant operand.
    pub fn const_value(&self, o: Operand) -> Option<&Value> {
        if o.is_const() {
            self.consts.get(o.index() as usize)
        } else {
            None
        }
    }

    fn finish(mut self) -> R<Func> {
        for (at, name, line, fins) in std::mem::take(&mut self.gotos) {
            match self.labels.get(&name) {
                Some((l, label_fins)) => {
                    // PHP's zend_check_finally_breakout.
                    if fins.iter().any(|f| !label_fins.contains(f)) {
                        return err("jump out of a finally block is disallowed", line);
                    }
                    if label_fins.iter().any(|f| !fins.contains(f)) {
                        return err("jump into a finally block is disallowed", line);
                    }
                    let l = *l;
                    self.patch_jump(at, l)
                }
                None => {
                    return err(
                        format!(
                            "'goto' to undefined label '{}'",
                            String::from_utf8_lossy(&name)
                        ),
                        line,
                    )
                }
            }
        }
        let n_slots = self
            .max_slots
            .max(self.next_temp)
            .max(self.locals.len() as Slot);
        Ok(Func {
            name: PhpStr::from(self.name),
            code: self.code,
            lines: self.lines,
            consts: self.consts,
            paths: self.paths,
            prop_sites: self.prop_sites,
            arg_lists: self.arg_lists,
            switch_tables: Vec::new(),
            n_slots,
            local_names: self.locals,
            params: self.params,
            captures: self.captures,
            by_ref_return: self.by_ref_return,
            return_type: self.return_type,
            is_generator: self.is_generator,
            is_static: self.is_static,
            dynamic_vars: self.dynamic_vars,
            tries: self.tries,
            n_statics: self.n_statics,
            children: self.children,
            strict_types: self.unit.strict_types,
            file: PhpStr::from(self.unit.file.as_slice()),
            line_start: self.line_start,
            line_end: self.line_end,
            class_name: self.class.as_ref().map(|c| PhpStr::from(c.name.as_slice())),
            id: NEXT_FUNC_ID.fetch_add(1, Ordering::Relaxed),
            jit: Default::default(),
        })
    }

    // ----- functions -----

    /// Compiles a function, method or closure declaration. `parent_slot` resolves captured
    /// names to the parent's slots (closures only).
    pub fn compile_function(
        &mut self,
        decl: &ast::FunctionDecl,
        kind: FnKind,
        class: Option<ClassCtx>,
    ) -> R<Func> {
        // Captures are resolved against this (the parent) function.
        let mut capture_names: Vec<(Vec<u8>, bool)> = Vec::new();
        match kind {
            FnKind::Closure => {
                for u in &decl.uses {
                    if u.name == b"this" {
                        return err("Cannot use $this as lexical variable", decl.line);
                    }
                    if decl.params.iter().any(|p| p.name == u.name) {
                        return err(
                            format!(
                                "Cannot use lexical variable ${} as a parameter name",
                                String::from_utf8_lossy(&u.name)
                            ),
                            decl.line,
                        );
                    }
                    capture_names.push((u.name.clone(), u.by_ref));
                }
            }
            FnKind::Arrow => {
                for n in arrow_free_vars(decl) {
                    capture_names.push((n, false));
                }
            }
            _ => {}
        }
        let parent_slots: Vec<Slot> = capture_names.iter().map(|(n, _)| self.local(n)).collect();
        let mut fc = FuncCompiler::blank(&mut *self.unit, class);
        fc.line = decl.line;
        fc.line_start = decl.line;
        fc.line_end = decl.end_line;
        fc.by_ref_return = decl.by_ref_return;
        fc.is_static = decl.is_static;
        fc.static_context = decl.is_static
            || (matches!(kind, FnKind::Closure | FnKind::Arrow) && self.static_context);
        fc.name = match kind {
            FnKind::Closure | FnKind::Arrow => b"{closure}".to_vec(),
            FnKind::Function => fc.unit.prefixed(&decl.name),
            FnKind::Method => decl.name.clone(),
        };
        fc.func_name = fc.name.clone();
        // Params first, then captures, then the body's variables.
        let mut first: Vec<Vec<u8>> = Vec::new();
        for p in &decl.params {
            if p.name == b"this" {
                return err("Cannot use $this as parameter", p.line);
            }
            if first.contains(&p.name) {
                return err(
                    format!(
                        "Redefinition of parameter ${}",
                        String::from_utf8_lossy(&p.name)
                    ),
                    p.line,
                );
            }
            first.push(p.name.clone());
        }
        for (n, _) in &capture_names {
            first.push(n.clone());
        }
        let mut vars = VarCollector::default();
        if let Some(body) = &decl.body {
            vars.block(body);
        }
        fc.set_locals(&first, vars.names)?;
        fc.dynamic_vars = vars.dynamic;
        fc.is_generator = vars.generator;
        for ((n, by_ref), ps) in capture_names.iter().zip(parent_slots) {
            let s = fc.local(n);
            fc.captures.push((s, *by_ref, ps));
        }
        // Parameters.
        for p in &decl.params {
            if let Some(t) = &p.ty {
                checks::check_type(t, p.line)?;
            }
            if p.variadic && p.default.is_some() {
                return err("Variadic parameter cannot have a default value", p.line);
            }
            let mut ty = p.ty.as_ref().map(|t| fc.type_spec(t));
            if let (Some(t), Some(d)) = (&mut ty, &p.default) {
                if is_null_literal(d) && !t.members.contains(&TypeMember::Simple(SimpleType::Null))
                {
                    t.members.push(TypeMember::Simple(SimpleType::Null));
                }
            }
            let promote = match (&p.promote, kind) {
                (Some(m), FnKind::Method) => Some(m.visibility.unwrap_or(ast::Visibility::Public)),
                (Some(_), _) => {
                    return err(
                        "Cannot declare promoted property outside a constructor",
                        p.line,
                    )
                }
                (None, _) => None,
            };
            fc.params.push(ParamInfo {
                name: PhpStr::from(p.name.as_slice()),
                by_ref: p.by_ref,
                variadic: p.variadic,
                optional: p.default.is_some(),
                default_text: p.default.as_ref().map(|d| fc.default_text(d)),
                ty,
                promote,
            });
        }
        if let Some(rt) = &decl.return_type {
            checks::check_type(rt, decl.line)?;
            let t = fc.type_spec(rt);
            let is_void = t.members == [TypeMember::Simple(SimpleType::Void)];
            fc.has_return_type = !is_void && !fc.is_generator;
            fc.return_type = Some(t);
        }
        // Prologue: defaults, then type checks.
        for (i, p) in decl.params.iter().enumerate() {
            if let Some(d) = &p.default {
                fc.line = p.line;
                let j = fc.emit_jump(Op::JmpIfArgPassed {
                    idx: i as u32,
                    target: 0,
                });
                let mark = fc.temp_mark();
                let v = fc.expr(d)?;
                fc.emit(Op::AssignLocal {
                    dst: i as Slot,
                    src: v,
                });
                fc.reset_temps(mark);
                fc.patch_here(j);
            }
        }
        for (i, p) in decl.params.iter().enumerate() {
            if p.ty.is_some() {
                fc.line = p.line;
                fc.emit(Op::VerifyParam { idx: i as u32 });
            }
        }
        if decl.params.iter().any(|p| p.promote.is_some()) {
            fc.line = decl.line;
            fc.emit(Op::PromoteParams);
        }
        fc.line = decl.line;
        if let Some(body) = &decl.body {
            fc.block(body)?;
        }
        fc.line = decl.end_line;
        if fc.has_return_type {
            // Falling off the end of a function with a return type is a TypeError.
            fc.emit(Op::VerifyNoReturn);
        }
        fc.emit(Op::Return { val: None });
        fc.finish()
    }

    /// Converts a type declaration.
    pub fn type_spec(&self, t: &ast::TypeHint) -> TypeSpec {
        let mut members = Vec::new();
        self.type_members(t, &mut members);
        TypeSpec { members }
    }

    fn type_members(&self, t: &ast::TypeHint, out: &mut Vec<TypeMember>) {
        match t {
            ast::TypeHint::Named(q) => out.push(TypeMember::Simple(self.simple_type(q))),
            ast::TypeHint::Nullable(inner) => {
                self.type_members(inner, out);
                out.push(TypeMember::Simple(SimpleType::Null));
            }
            ast::TypeHint::Union(items) => {
                for i in items {
                    self.type_members(i, out);
                }
            }
            ast::TypeHint::Intersection(items) => {
                let names = items
                    .iter()
                    .filter_map(|i| match i {
                        ast::TypeHint::Named(q) => match self.simple_type(q) {
                            SimpleType::Class(c) => Some(c),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect();
                out.push(TypeMember::Intersection(names));
            }
        }
    }

    fn simple_type(&self, q: &QName) -> SimpleType {
        if q.kind == NameKind::Unqualified {
            let lc = q.name.to_ascii_lowercase();
            let s = match lc.as_slice() {
                b"int" => Some(SimpleType::Int),
                b"float" => Some(SimpleType::Float),
                b"string" => Some(SimpleType::String),
                b"bool" => Some(SimpleType::Bool),
                b"false" => Some(SimpleType::False),
                b"true" => Some(SimpleType::True),
                b"null" => Some(SimpleType::Null),
                b"array" => Some(SimpleType::Array),
                b"object" => Some(SimpleType::Object),
                b"callable" => Some(SimpleType::Callable),
                b"iterable" => Some(SimpleType::Iterable),
                b"mixed" => Some(SimpleType::Mixed),
                b"void" => Some(SimpleType::Void),
                b"never" => Some(SimpleType::Never),
                b"static" => Some(SimpleType::Static),
                b"self" => self
                    .class
                    .as_ref()
                    .map(|c| SimpleType::Class(c.name.to_vec())),
                b"parent" => self
                    .class
                    .as_ref()
                    .and_then(|c| c.parent.as_ref())
                    .map(|p| SimpleType::Class(p.to_vec())),
                _ => None,
            };
            if let Some(s) = s {
                return s;
            }
        }
        SimpleType::Class(self.unit.resolve_class(q))
    }

    /// Declares a function statement: hoisted when `top`, else `DeclareFunction`.
    pub fn function_decl(&mut self, decl: &ast::FunctionDecl, line: u32) -> R<()> {
        let f = self.compile_function(decl, FnKind::Function, None)?;
        let lc = f.name.to_ascii_lowercase();
        let idx = self.unit.functions.len() as u32;
        self.unit.functions.push(Rc::new(f));
        if self.top_level && self.nested == 0 {
            if let Some(prev) = self.unit.top_functions.get(&lc) {
                return err(
                    format!(
                        "Cannot redeclare {}() (previously declared in {}:{})",
                        String::from_utf8_lossy(&self.unit.prefixed(&decl.name)),
                        String::from_utf8_lossy(&self.unit.file),
                        prev
                    ),
                    line,
                );
            }
            self.unit.top_functions.insert(lc, line);
            self.unit.hoisted_functions.push(idx);
        } else {
            self.line = line;
            self.emit(Op::DeclareFunction { idx });
        }
        Ok(())
    }

    /// Declares a class statement (hoisted at top level; `DeclareClass` emitted in all
    /// cases).
    pub fn class_decl(&mut self, decl: &ast::ClassDecl, line: u32) -> R<()> {
        let name = decl.name.as_deref().unwrap_or(b"class@anonymous");
        let full = self.unit.prefixed(name);
        let idx = self.compile_class(decl, full)?;
        if self.top_level && self.nested == 0 {
            self.unit.hoisted_classes.push(idx);
        }
        self.line = line;
        self.emit(Op::DeclareClass { idx });
        Ok(())
    }

    /// Compiles an anonymous class and returns its index and generated name.
    pub fn anon_class(&mut self, decl: &ast::ClassDecl) -> R<(u32, Vec<u8>)> {
        let base: Vec<u8> = match (&decl.parent, decl.interfaces.first()) {
            (Some(p), _) => self.unit.resolve_class(p),
            (None, Some(i)) => self.unit.resolve_class(i),
            (None, None) => b"class".to_vec(),
        };
        let mut name = base;
        name.extend_from_slice(b"@anonymous\0");
        name.extend_from_slice(&self.unit.file);
        name.extend_from_slice(format!(":{}${:x}", decl.line, self.unit.anon_classes).as_bytes());
        self.unit.anon_classes += 1;
        let idx = self.compile_class(decl, name.clone())?;
        Ok((idx, name))
    }

    fn compile_class(&mut self, decl: &ast::ClassDecl, name: Vec<u8>) -> R<u32> {
        checks::check_class(decl, &name)?;
        let parent = decl.parent.as_ref().map(|p| self.unit.resolve_class(p));
        let ctx = ClassCtx {
            name: name.clone(),
            parent: parent.clone(),
            is_trait: decl.kind == ClassKind::Trait,
        };
        let mut def = ClassDef {
            name: PhpStr::from(name.as_slice()),
            kind: decl.kind,
            is_abstract: decl.modifiers.is_abstract,
            is_final: decl.modifiers.is_final,
            is_readonly: decl.modifiers.is_readonly,
            allow_dynamic_properties: decl.attributes.iter().any(|a| {
                self.unit
                    .resolve_class(a)
                    .eq_ignore_ascii_case(b"AllowDynamicProperties")
            }),
            parent: parent.map(PhpStr::from),
            interfaces: decl
                .interfaces
                .iter()
                .map(|i| PhpStr::from(self.unit.resolve_class(i)))
                .collect(),
            traits: Vec::new(),
            trait_rules: Vec::new(),
            consts: Vec::new(),
            props: Vec::new(),
            methods: Vec::new(),
            cases: Vec::new(),
            enum_backing: None,
            line_start: decl.line,
            line_end: decl.end_line,
        };
        if let Some(b) = &decl.enum_backing {
            def.enum_backing = Some(self.type_spec(b));
        }
        let mut cc = FuncCompiler::blank(&mut *self.unit, Some(ctx.clone()));
        for m in &decl.members {
            match m {
                ast::ClassMember::Property {
                    modifiers,
                    ty,
                    props,
                    line,
                } => {
                    cc.line = *line;
                    let ty = ty.as_ref().map(|t| cc.type_spec(t));
                    for (pname, default) in props {
                        let default = match default {
                            Some(e) => Some(cc.const_init(e, &ctx)?),
                            None => None,
                        };
                        def.props.push(PropDef {
                            name: PhpStr::from(pname.as_slice()),
                            default,
                            ty: ty.clone(),
                            visibility: modifiers.visibility.unwrap_or(ast::Visibility::Public),
                            is_static: modifiers.is_static,
                            is_readonly: modifiers.is_readonly || decl.modifiers.is_readonly,
                        });
                    }
                }
                ast::ClassMember::Const {
                    modifiers,
                    items,
                    line,
                } => {
                    cc.line = *line;
                    for (cname, e) in items {
                        let value = cc.const_init(e, &ctx)?;
                        def.consts.push(ConstDef {
                            name: PhpStr::from(cname.as_slice()),
                            value,
                            visibility: modifiers.visibility.unwrap_or(ast::Visibility::Public),
                            is_final: modifiers.is_final,
                        });
                    }
                }
                ast::ClassMember::Method {
                    modifiers,
                    decl: fdecl,
                } => {
                    let f = cc.compile_function(fdecl, FnKind::Method, Some(ctx.clone()))?;
                    let is_ctor = fdecl.name.eq_ignore_ascii_case(b"__construct");
                    if is_ctor {
                        for p in &fdecl.params {
                            if let Some(pm) = &p.promote {
                                def.props.push(PropDef {
                                    name: PhpStr::from(p.name.as_slice()),
                                    default: None,
                                    ty: p.ty.as_ref().map(|t| cc.type_spec(t)),
                                    visibility: pm.visibility.unwrap_or(ast::Visibility::Public),
                                    is_static: false,
                                    is_readonly: pm.is_readonly || decl.modifiers.is_readonly,
                                });
                            }
                        }
                    }
                    def.methods.push(MethodDef {
                        func: Rc::new(f),
                        visibility: modifiers.visibility.unwrap_or(ast::Visibility::Public),
                        is_static: modifiers.is_static,
                        is_abstract: modifiers.is_abstract || (decl.kind == ClassKind::Interface),
                        is_final: modifiers.is_final,
                    });
                }
                ast::ClassMember::TraitUse {
                    traits,
                    adaptations,
                    ..
                } => {
                    for t in traits {
                        def.traits.push(PhpStr::from(cc.unit.resolve_class(t)));
                    }
                    for a in adaptations {
                        let lc_trait = |cc: &FuncCompiler<'_>, q: &QName| {
                            PhpStr::from(cc.unit.resolve_class(q).to_ascii_lowercase())
                        };
                        def.trait_rules.push(match a {
                            ast::TraitAdaptation::Insteadof {
                                trait_,
                                method,
                                instead_of,
                            } => TraitRule::Insteadof {
                                trait_: lc_trait(&cc, trait_),
                                method: PhpStr::from(method.as_slice()),
                                instead_of: instead_of.iter().map(|q| lc_trait(&cc, q)).collect(),
                            },
                            ast::TraitAdaptation::Alias {
                                trait_,
                                method,
                                visibility,
                                alias,
                            } => TraitRule::Alias {
                                trait_: trait_.as_ref().map(|q| lc_trait(&cc, q)),
                                method: PhpStr::from(method.as_slice()),
                                visibility: *visibility,
                                alias: alias.as_ref().map(|a| PhpStr::from(a.as_slice())),
                            },
                        });
                    }
                }
                ast::ClassMember::EnumCase { name, value, line } => {
                    cc.line = *line;
                    let v = match value {
                        Some(e) => Some(cc.const_init(e, &ctx)?),
                        None => None,
                    };
                    def.cases.push((PhpStr::from(name.as_slice()), v));
                }
            }
        }
        drop(cc);
        let idx = self.unit.classes.len() as u32;
        self.unit.classes.push(Rc::new(def));
        Ok(idx)
    }

    /// A constant initialiser: a folded literal, or a tiny function returning the value.
    pub fn const_init(&mut self, e: &Expr, ctx: &ClassCtx) -> R<ConstInit> {
        if let Some(v) = self.literal_value(e) {
            return Ok(ConstInit::Value(v));
        }
        let mut fc = FuncCompiler::blank(&mut *self.unit, Some(ctx.clone()));
        fc.line = e.line;
        fc.line_start = e.line;
        fc.line_end = e.line;
        fc.name = b"{constant}".to_vec();
        let v = fc.expr(e)?;
        fc.emit(Op::Return { val: Some(v) });
        Ok(ConstInit::Code(Rc::new(fc.finish()?)))
    }

    /// A parameter default as PHP prints it in "Declaration of ..." messages
    /// (`zend_get_function_declaration`).
    fn default_text(&self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Const(q) if const_literal(q).is_none() => {
                String::from_utf8_lossy(&q.name).into_owned()
            }
            ExprKind::ClassConst {
                class: ast::ClassRef::Name(q),
                name,
            } => {
                let lc = q.name.to_ascii_lowercase();
                let class = if matches!(lc.as_slice(), b"self" | b"parent" | b"static") {
                    q.name.clone()
                } else {
                    self.unit.resolve_class(q)
                };
                format!(
                    "{}::{}",
                    String::from_utf8_lossy(&class),
                    String::from_utf8_lossy(name)
                )
            }
            _ => match self.literal_value(e) {
                Some(Value::Null) => "null".into(),
                Some(Value::Bool(b)) => if b { "true" } else { "false" }.into(),
                Some(Value::Int(i)) => i.to_string(),
                Some(Value::Float(f)) => {
                    String::from_utf8_lossy(&crate::vm::convert::float_to_string(f, 14))
                        .into_owned()
                }
                Some(Value::Str(s)) => {
                    let b = s.as_bytes();
                    let head = String::from_utf8_lossy(&b[..b.len().min(10)]).into_owned();
                    let more = if b.len() > 10 { "..." } else { "" };
                    format!("'{head}{more}'")
                }
                Some(Value::Array(a)) if a.is_empty() => "[]".into(),
                Some(Value::Array(_)) => "[...]".into(),
                _ => "<expression>".into(),
            },
        }
    }

    /// The compile-time value of a literal expression (scalars, folded arithmetic, literal
    /// arrays), if it has one.
    pub fn literal_value(&self, e: &Expr) -> Option<Value> {
        match &e.kind {
            ExprKind::Int(i) => Some(Value::Int(*i)),
            ExprKind::Float(f) => Some(Value::Float(*f)),
            ExprKind::Str(s) => Some(Value::str(s.as_slice())),
            ExprKind::Const(q) => const_literal(q),
            ExprKind::Unary { op, expr } => {
                let v = self.literal_value(expr)?;
                expr::fold_unary(*op, &v)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let a = self.literal_value(lhs)?;
                let b = self.literal_value(rhs)?;
                expr::fold_binary(*op, &a, &b)
            }
            ExprKind::Array(items) => {
                // `[]` is PHP's shared empty array (next append key 0); a literal with
                // elements is a fresh array.
                let mut arr = if items.is_empty() {
                    PhpArray::empty_literal()
                } else {
                    PhpArray::new()
                };
                for it in items {
                    if it.by_ref || it.unpack {
                        return None;
                    }
                    let v = self.literal_value(&it.value)?;
                    match &it.key {
                        Some(k) => {
                            let k = array_key(&self.literal_value(k)?)?;
                            arr.insert(k, v);
                        }
                        None => {
                            if !arr.push(v) {
                                return None;
                            }
                        }
                    }
                }
                Some(Value::array(arr))
            }
            ExprKind::MagicConst(_) => None,
            _ => None,
        }
    }
}

/// Array key for a literal (None when PHP would warn or throw).
pub(crate) fn array_key(v: &Value) -> Option<ArrayKey> {
    match v {
        Value::Int(i) => Some(ArrayKey::Int(*i)),
        Value::Str(s) => Some(ArrayKey::from_bytes(s)),
        Value::Bool(b) => Some(ArrayKey::Int(*b as i64)),
        Value::Null => Some(ArrayKey::Str(PhpStr::new())),
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18 => {
            Some(ArrayKey::Int(*f as i64))
        }
        _ => None,
    }
}

/// `true`, `false`, `null` (any case, unqualified or fully qualified).
pub(crate) fn const_literal(q: &QName) -> Option<Value> {
    if !matches!(q.kind, NameKind::Unqualified | NameKind::FullyQualified) {
        return None;
    }
    let lc = q.name.to_ascii_lowercase();
    match lc.as_slice() {
        b"true" => Some(Value::Bool(true)),
        b"false" => Some(Value::Bool(false)),
        b"null" => Some(Value::Null),
        _ => None,
    }
}

fn is_null_literal(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Const(q) if matches!(const_literal(q), Some(Value::Null)))
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum FnKind {
    Function,
    Method,
    Closure,
    Arrow,
}

/// Free variables of an arrow function: every variable it (or a nested arrow function)
/// uses that is not one of its parameters.
fn arrow_free_vars(decl: &ast::FunctionDecl) -> Vec<Name> {
    let mut vars = VarCollector::default();
    if let Some(body) = &decl.body {
        vars.block(body);
    }
    vars.names
        .into_iter()
        .filter(|n| !decl.params.iter().any(|p| &p.name == n))
        .collect()
}

/// Collects the variable names a function body uses (not inside nested functions, classes
/// or closures; closure `use` names and arrow functions' free variables count).
#[derive(Default)]
pub(crate) struct VarCollector {
    pub names: Vec<Name>,
    pub dynamic: bool,
    pub generator: bool,
}

impl VarCollector {
    fn add(&mut self, n: &[u8]) {
        if n != b"this" && !is_superglobal(n) && !self.names.iter().any(|x| x == n) {
            self.names.push(n.to_vec());
        }
    }

    pub fn block(&mut self, b: &[Stmt]) {
        for s in b {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::Echo(es) | StmtKind::Unset(es) => es.iter().for_each(|e| self.expr(e)),
            StmtKind::InlineHtml(_) => {}
            StmtKind::If {
                cond,
                then,
                elseifs,
                else_,
            } => {
                self.expr(cond);
                self.block(then);
                for (c, b) in elseifs {
                    self.expr(c);
                    self.block(b);
                }
                if let Some(b) = else_ {
                    self.block(b);
                }
            }
            StmtKind::While { cond, body } | StmtKind::DoWhile { body, cond } => {
                self.expr(cond);
                self.block(body);
            }
            StmtKind::For {
                init,
                cond,
                step,
                body,
            } => {
                init.iter()
                    .chain(cond)
                    .chain(step)
                    .for_each(|e| self.expr(e));
                self.block(body);
            }
            StmtKind::Foreach {
                subject,
                key,
                value,
                body,
                ..
            } => {
                self.expr(subject);
                if let Some(k) = key {
                    self.expr(k);
                }
                self.expr(value);
                self.block(body);
            }
            StmtKind::Switch { subject, cases } => {
                self.expr(subject);
                for c in cases {
                    if let Some(e) = &c.cond {
                        self.expr(e);
                    }
                    self.block(&c.body);
                }
            }
            StmtKind::Return(e) => {
                if let Some(e) = e {
                    self.expr(e);
                }
            }
            StmtKind::Global(ns) => ns.iter().for_each(|n| self.add(n)),
            StmtKind::Static(items) => {
                for (n, e) in items {
                    self.add(n);
                    if let Some(e) = e {
                        self.expr(e);
                    }
                }
            }
            StmtKind::Block(b) => self.block(b),
            StmtKind::Try {
                body,
                catches,
                finally,
            } => {
                self.block(body);
                for c in catches {
                    if let Some(v) = &c.var {
                        self.add(v);
                    }
                    self.block(&c.body);
                }
                if let Some(f) = finally {
                    self.block(f);
                }
            }
            StmtKind::Namespace { body: Some(b), .. } => self.block(b),
            StmtKind::Declare { body: Some(b), .. } => self.block(b),
            StmtKind::Const(items) => items.iter().for_each(|(_, e)| self.expr(e)),
            _ => {}
        }
    }

    fn args(&mut self, args: &[ast::Arg]) {
        args.iter().for_each(|a| self.expr(&a.value));
    }

    fn member(&mut self, m: &ast::Member) {
        if let ast::Member::Expr(e) = m {
            self.expr(e);
        }
    }

    fn class_ref(&mut self, c: &ast::ClassRef) {
        if let ast::ClassRef::Expr(e) = c {
            self.expr(e);
        }
    }

    pub fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Const(_)
            | ExprKind::MagicConst(_) => {}
            ExprKind::Interp(parts) | ExprKind::ShellExec(parts) => {
                for p in parts {
                    if let ast::InterpPart::Expr(e) = p {
                        self.expr(e);
                    }
                }
            }
            ExprKind::Var(n) => self.add(n),
            ExprKind::VarVar(e) => {
                self.dynamic = true;
                self.expr(e);
            }
            ExprKind::Array(items) => items.iter().for_each(|i| {
                if let Some(k) = &i.key {
                    self.expr(k);
                }
                self.expr(&i.value);
            }),
            ExprKind::List(items) => items.iter().flatten().for_each(|i| {
                if let Some(k) = &i.key {
                    self.expr(k);
                }
                self.expr(&i.value);
            }),
            ExprKind::Index { base, index } => {
                self.expr(base);
                if let Some(i) = index {
                    self.expr(i);
                }
            }
            ExprKind::Prop { obj, name, .. } => {
                self.expr(obj);
                self.member(name);
            }
            ExprKind::StaticProp { class, name } => {
                self.class_ref(class);
                self.member(name);
            }
            ExprKind::ClassConst { class, .. } => self.class_ref(class),
            ExprKind::Call { func, args } => {
                match func {
                    ast::Callee::Name(q) => {
                        let lc = last_segment(&q.name).to_ascii_lowercase();
                        if matches!(
                            lc.as_slice(),
                            b"compact" | b"extract" | b"get_defined_vars" | b"parse_str"
                        ) {
                            self.dynamic = true;
                        }
                    }
                    ast::Callee::Expr(e) => self.expr(e),
                }
                self.args(args);
            }
            ExprKind::New { class, args } => {
                self.class_ref(class);
                self.args(args);
            }
            ExprKind::MethodCall {
                obj, name, args, ..
            } => {
                self.expr(obj);
                self.member(name);
                self.args(args);
            }
            ExprKind::StaticCall { class, name, args } => {
                self.class_ref(class);
                self.member(name);
                self.args(args);
            }
            ExprKind::CallableConvert(e)
            | ExprKind::Unary { expr: e, .. }
            | ExprKind::Empty(e)
            | ExprKind::Cast { expr: e, .. }
            | ExprKind::Silence(e)
            | ExprKind::Print(e)
            | ExprKind::Clone(e)
            | ExprKind::Throw(e) => self.expr(e),
            ExprKind::Include { path, .. } => {
                self.dynamic = true;
                self.expr(path);
            }
            ExprKind::Eval(e) => {
                self.dynamic = true;
                self.expr(e);
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Assign { target, value }
            | ExprKind::AssignRef { target, value }
            | ExprKind::AssignOp { target, value, .. } => {
                self.expr(target);
                self.expr(value);
            }
            ExprKind::IncDec { target, .. } => self.expr(target),
            ExprKind::Ternary { cond, then, else_ } => {
                self.expr(cond);
                if let Some(t) = then {
                    self.expr(t);
                }
                self.expr(else_);
            }
            ExprKind::Isset(es) => es.iter().for_each(|e| self.expr(e)),
            ExprKind::Closure(decl) => decl.uses.iter().for_each(|u| self.add(&u.name)),
            ExprKind::ArrowFn(decl) => {
                for n in arrow_free_vars(decl) {
                    self.add(&n);
                }
            }
            ExprKind::Match { subject, arms } => {
                self.expr(subject);
                for a in arms {
                    if let Some(cs) = &a.conds {
                        cs.iter().for_each(|c| self.expr(c));
                    }
                    self.expr(&a.body);
                }
            }
            ExprKind::Exit(e) => {
                if let Some(e) = e {
                    self.expr(e);
                }
            }
            ExprKind::Instanceof { expr, class } => {
                self.expr(expr);
                self.class_ref(class);
            }
            ExprKind::Yield { key, value } => {
                self.generator = true;
                if let Some(k) = key {
                    self.expr(k);
                }
                if let Some(v) = value {
                    self.expr(v);
                }
            }
            ExprKind::YieldFrom(e) => {
                self.generator = true;
                self.expr(e);
            }
        }
    }
}
