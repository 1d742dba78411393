//! Expressions: rvalues, lvalue paths, assignments, calls, constant folding.

use std::rc::Rc;

use super::{err, is_superglobal, FnKind, FuncCompiler, R};
use crate::vm::ast::{
    Arg, ArrayItem, BinOp, Callee, CastType, ClassRef, Expr, ExprKind, InterpPart, MagicConst,
    Member, NameKind, UnaryOp,
};
use crate::vm::bytecode::{
    ClassOperand, Intrinsic, Op, Operand, Path, PathAction, PathBase, PathElem, Slot, Special,
};
use crate::vm::value::Value;

/// Folds a unary operator on a literal where PHP cannot warn or throw.
pub(crate) fn fold_unary(op: UnaryOp, v: &Value) -> Option<Value> {
    match (op, v) {
        (UnaryOp::Neg, Value::Int(i)) => Some(match i.checked_neg() {
            Some(n) => Value::Int(n),
            None => Value::Float(-(*i as f64)),
        }),
        (UnaryOp::Neg, Value::Float(f)) => Some(Value::Float(-f)),
        (UnaryOp::Plus, Value::Int(_) | Value::Float(_)) => Some(v.clone()),
        (UnaryOp::Not, Value::Bool(b)) => Some(Value::Bool(!b)),
        (UnaryOp::BitNot, Value::Int(i)) => Some(Value::Int(!i)),
        _ => None,
    }
}

/// Folds a binary operator on literals where PHP cannot warn or throw.
pub(crate) fn fold_binary(op: BinOp, a: &Value, b: &Value) -> Option<Value> {
    use Value::{Float, Int, Str};
    let num = |v: &Value| match v {
        Int(i) => Some(*i as f64),
        Float(f) => Some(*f),
        _ => None,
    };
    match (op, a, b) {
        (BinOp::Add, Int(x), Int(y)) => {
            Some(x.checked_add(*y).map_or(Float(*x as f64 + *y as f64), Int))
        }
        (BinOp::Sub, Int(x), Int(y)) => {
            Some(x.checked_sub(*y).map_or(Float(*x as f64 - *y as f64), Int))
        }
        (BinOp::Mul, Int(x), Int(y)) => {
            Some(x.checked_mul(*y).map_or(Float(*x as f64 * *y as f64), Int))
        }
        (BinOp::Div, Int(x), Int(y)) if *y != 0 => {
            if x % y == 0 && !(*x == i64::MIN && *y == -1) {
                Some(Int(x / y))
            } else {
                Some(Float(*x as f64 / *y as f64))
            }
        }
        (BinOp::Add | BinOp::Sub | BinOp::Mul, Int(_) | Float(_), Int(_) | Float(_)) => {
            let (x, y) = (num(a)?, num(b)?);
            Some(Float(match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                _ => x * y,
            }))
        }
        (BinOp::Div, Int(_) | Float(_), Int(_) | Float(_)) => {
            let (x, y) = (num(a)?, num(b)?);
            (y != 0.0).then(|| Float(x / y))
        }
        (BinOp::BitAnd, Int(x), Int(y)) => Some(Int(x & y)),
        (BinOp::BitOr, Int(x), Int(y)) => Some(Int(x | y)),
        (BinOp::BitXor, Int(x), Int(y)) => Some(Int(x ^ y)),
        (BinOp::Shl, Int(x), Int(y)) if (0..64).contains(y) => Some(Int(x.wrapping_shl(*y as u32))),
        (BinOp::Shr, Int(x), Int(y)) if (0..64).contains(y) => Some(Int(x >> y)),
        (BinOp::Concat, Str(x), Str(y)) => {
            let mut v = x.to_vec();
            v.extend_from_slice(y);
            Some(Value::str(v))
        }
        (BinOp::Concat, Str(x), Int(y)) => {
            let mut v = x.to_vec();
            v.extend_from_slice(y.to_string().as_bytes());
            Some(Value::str(v))
        }
        (BinOp::Concat, Int(x), Str(y)) => {
            let mut v = x.to_string().into_bytes();
            v.extend_from_slice(y);
            Some(Value::str(v))
        }
        _ => None,
    }
}

/// Whether an expression names a storage location (variable, element, property).
pub(crate) fn is_lvalue(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Var(_) | ExprKind::VarVar(_) | ExprKind::StaticProp { .. } => true,
        ExprKind::Index { .. } | ExprKind::Prop { .. } => true,
        _ => false,
    }
}

/// Whether a chain can be read with one `PathOp`: its root is a variable or static property
/// and no step is nullsafe.
fn path_readable(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Var(_) | ExprKind::VarVar(_) | ExprKind::StaticProp { .. } => true,
        ExprKind::Index { base, index } => index.is_some() && path_readable(base),
        ExprKind::Prop { obj, nullsafe, .. } => !nullsafe && path_readable(obj),
        _ => false,
    }
}

fn has_nullsafe(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Prop { nullsafe: true, .. } => true,
        ExprKind::Prop { obj, .. } => has_nullsafe(obj),
        ExprKind::Index { base, .. } => has_nullsafe(base),
        ExprKind::MethodCall { nullsafe: true, .. } => true,
        ExprKind::MethodCall { obj, .. } => has_nullsafe(obj),
        _ => false,
    }
}

impl FuncCompiler<'_> {
    /// Whether `o` is a temporary register of this function.
    pub fn is_temp(&self, o: Operand) -> bool {
        !o.is_const() && o.index() as usize >= self.locals.len()
    }

    /// Compiles `e` for its value.
    pub fn expr(&mut self, e: &Expr) -> R<Operand> {
        self.expr_w(e, true)
    }

    /// Compiles `e` for its side effects only.
    pub fn expr_discard(&mut self, e: &Expr) -> R<()> {
        self.expr_w(e, false).map(|_| ())
    }

    /// Compiles `e` into register `dst`.
    pub fn expr_into(&mut self, e: &Expr, dst: Slot) -> R<()> {
        let v = self.expr(e)?;
        if v != Operand::slot(dst) {
            self.emit(Op::Move { dst, src: v });
        }
        Ok(())
    }

    /// Compiles `e` into a fresh temporary (never a local's slot: the value is snapshotted).
    pub fn expr_temp(&mut self, e: &Expr) -> R<Slot> {
        let v = self.expr(e)?;
        if self.is_temp(v) {
            return Ok(v.index());
        }
        let t = self.temp();
        self.emit(Op::Move { dst: t, src: v });
        Ok(t)
    }

    /// The null constant: the value of expressions whose result is unused or never
    /// produced (`throw`, `exit`, discarded calls).
    fn null(&mut self) -> Operand {
        self.constant(Value::Null)
    }

    fn expr_w(&mut self, e: &Expr, want: bool) -> R<Operand> {
        let saved = self.line;
        self.line = e.line;
        let spine = std::mem::take(&mut self.spine_next);
        let r = if !spine && has_nullsafe(e) {
            self.nullsafe_chain(e, want)
        } else {
            self.expr_inner(e, want)
        };
        self.line = saved;
        r
    }

    /// The outermost expression of a chain containing `?->`: a null object short-circuits
    /// the rest of the chain (arguments included) to a null result.
    fn nullsafe_chain(&mut self, e: &Expr, want: bool) -> R<Operand> {
        self.nullsafe_jumps.push(Vec::new());
        let r = self.expr_inner(e, want);
        let jumps = self.nullsafe_jumps.pop().unwrap_or_default();
        let r = r?;
        if jumps.is_empty() {
            return Ok(r);
        }
        let t = if self.is_temp(r) {
            r.index()
        } else {
            let t = self.temp();
            self.emit(Op::Move { dst: t, src: r });
            t
        };
        let over = self.emit_jump(Op::Jmp { target: 0 });
        for j in jumps {
            self.patch_here(j);
        }
        let n = self.null();
        self.emit(Op::Move { dst: t, src: n });
        self.patch_here(over);
        Ok(Operand::slot(t))
    }

    /// After evaluating the object of a `?->` step: leave the chain when it is null.
    fn nullsafe_check(&mut self, obj: Operand) {
        if self.nullsafe_jumps.is_empty() {
            return;
        }
        let skip = self.emit_jump(Op::JmpNotNull { a: obj, target: 0 });
        let out = self.emit_jump(Op::Jmp { target: 0 });
        self.patch_here(skip);
        if let Some(js) = self.nullsafe_jumps.last_mut() {
            js.push(out);
        }
    }

    /// Compiles the object/base of a chain step (same nullsafe chain).
    fn spine(&mut self, e: &Expr) -> R<Operand> {
        self.spine_next = true;
        let r = self.expr(e);
        self.spine_next = false;
        r
    }

    fn expr_inner(&mut self, e: &Expr, want: bool) -> R<Operand> {
        if let Some(v) = self.literal_value(e) {
            return Ok(self.constant(v));
        }
        match &e.kind {
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Str(_) => {
                unreachable!("literals fold")
            }
            ExprKind::Interp(parts) => self.interp(parts),
            ExprKind::ShellExec(parts) => {
                let name = self.str_const(b"shell_exec");
                self.emit(Op::InitFCall {
                    name,
                    fallback: None,
                    n_args: 1,
                });
                let s = self.interp(parts)?;
                self.emit(Op::SendVal { val: s });
                let t = self.temp();
                self.emit(Op::DoCall { dst: Some(t) });
                Ok(Operand::slot(t))
            }
            ExprKind::Var(n) if n == b"this" => {
                let t = self.temp();
                self.emit(Op::LoadSpecial {
                    dst: t,
                    what: Special::This,
                });
                Ok(Operand::slot(t))
            }
            ExprKind::Var(n) if !is_superglobal(n) => Ok(Operand::slot(self.local(n))),
            ExprKind::VarVar(inner) => {
                let name = self.expr(inner)?;
                let t = self.temp();
                self.emit(Op::FetchVarVar {
                    dst: t,
                    name,
                    quiet: false,
                });
                Ok(Operand::slot(t))
            }
            ExprKind::Var(_)
            | ExprKind::Index { .. }
            | ExprKind::Prop { .. }
            | ExprKind::StaticProp { .. } => self.read_chain(e),
            ExprKind::Array(items) => self.array_literal(items),
            // A literal with holes (`[, 1]`) outside a destructuring.
            ExprKind::List(items) if items.iter().any(Option::is_none) => {
                err("Cannot use empty array elements in arrays", e.line)
            }
            ExprKind::List(_) => err("Cannot use list() as standalone expression", e.line),
            ExprKind::ClassConst { class, name } => self.class_const(class, name),
            ExprKind::Const(q) => {
                let (name, fallback) = self.unit.resolve_const(q);
                let name = self.str_const(&name);
                let fallback = fallback.map(|f| self.str_const(&f));
                let t = self.temp();
                self.emit(Op::FetchConst {
                    dst: t,
                    name,
                    fallback,
                });
                Ok(Operand::slot(t))
            }
            ExprKind::Call { .. }
            | ExprKind::New { .. }
            | ExprKind::MethodCall { .. }
            | ExprKind::StaticCall { .. } => {
                let dst = if want || matches!(e.kind, ExprKind::New { .. }) {
                    Some(self.temp())
                } else {
                    None
                };
                self.call(e, dst, false)?;
                Ok(match dst {
                    Some(d) => Operand::slot(d),
                    None => self.null(),
                })
            }
            ExprKind::CallableConvert(inner) => {
                if matches!(inner.kind, ExprKind::MethodCall { nullsafe: true, .. }) {
                    return err(
                        "Cannot combine nullsafe operator with Closure creation",
                        e.line,
                    );
                }
                let t = self.temp();
                self.call(inner, Some(t), true)?;
                Ok(Operand::slot(t))
            }
            ExprKind::Unary { op, expr } => {
                let a = self.expr(expr)?;
                if let Some(v) = self.const_value(a).and_then(|v| fold_unary(*op, v)) {
                    return Ok(self.constant(v));
                }
                let dst = self.temp();
                self.emit(match op {
                    UnaryOp::Neg => Op::Neg { dst, a },
                    UnaryOp::Plus => Op::Plus { dst, a },
                    UnaryOp::Not => Op::Not { dst, a },
                    UnaryOp::BitNot => Op::BitNot { dst, a },
                });
                Ok(Operand::slot(dst))
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs),
            ExprKind::Assign { target, value } => self.assign(target, value, want),
            ExprKind::AssignRef { target, value } => self.assign_ref(target, value),
            ExprKind::AssignOp { op, target, value } => self.assign_op(*op, target, value, want),
            ExprKind::IncDec {
                prefix,
                inc,
                target,
            } => {
                let kind = match (prefix, inc) {
                    (true, true) => PathAction::PreInc,
                    (true, false) => PathAction::PreDec,
                    (false, true) => PathAction::PostInc,
                    (false, false) => PathAction::PostDec,
                };
                let result = want.then(|| self.temp());
                match &target.kind {
                    ExprKind::Var(n) if n == b"this" => {
                        return err("Cannot re-assign $this", target.line)
                    }
                    ExprKind::Var(n) if !is_superglobal(n) => {
                        let slot = self.local(n);
                        self.emit(Op::IncDecLocal { slot, kind, result });
                    }
                    _ => {
                        let path = self.write_path(target)?;
                        self.emit(Op::PathOp {
                            path,
                            action: kind,
                            val: None,
                            dst: result,
                        });
                    }
                }
                Ok(match result {
                    Some(r) => Operand::slot(r),
                    None => self.null(),
                })
            }
            ExprKind::Ternary { cond, then, else_ } => {
                let dst = self.temp();
                match then {
                    Some(then) => {
                        let jf = self.cond_jump_false(cond)?;
                        self.expr_into(then, dst)?;
                        let jend = self.emit_jump(Op::Jmp { target: 0 });
                        for j in jf {
                            self.patch_here(j);
                        }
                        self.expr_into(else_, dst)?;
                        self.patch_here(jend);
                    }
                    None => {
                        self.expr_into(cond, dst)?;
                        let j = self.emit_jump(Op::JmpIf {
                            cond: Operand::slot(dst),
                            target: 0,
                        });
                        self.expr_into(else_, dst)?;
                        self.patch_here(j);
                    }
                }
                Ok(Operand::slot(dst))
            }
            ExprKind::Isset(items) => {
                let dst = self.temp();
                let mut jumps = Vec::new();
                for (i, it) in items.iter().enumerate() {
                    self.isset_into(it, dst)?;
                    if i + 1 < items.len() {
                        jumps.push(self.emit_jump(Op::JmpIfNot {
                            cond: Operand::slot(dst),
                            target: 0,
                        }));
                    }
                }
                for j in jumps {
                    self.patch_here(j);
                }
                Ok(Operand::slot(dst))
            }
            ExprKind::Empty(inner) => {
                let dst = self.temp();
                if is_lvalue(inner) && !matches!(&inner.kind, ExprKind::Var(n) if n == b"this") {
                    let path = self.read_path(inner)?;
                    self.emit(Op::PathOp {
                        path,
                        action: PathAction::Empty,
                        val: None,
                        dst: Some(dst),
                    });
                } else {
                    let v = self.expr(inner)?;
                    self.emit(Op::ToBool { dst, a: v });
                    self.emit(Op::Not {
                        dst,
                        a: Operand::slot(dst),
                    });
                }
                Ok(Operand::slot(dst))
            }
            ExprKind::Cast { ty, expr } => {
                let a = self.expr(expr)?;
                let dst = self.temp();
                if *ty == CastType::Bool {
                    self.emit(Op::ToBool { dst, a });
                } else {
                    self.emit(Op::Cast { dst, a, ty: *ty });
                }
                Ok(Operand::slot(dst))
            }
            ExprKind::Silence(inner) => {
                let slot = self.temp();
                self.emit(Op::BeginSilence { slot });
                let dst = self.temp();
                self.expr_into(inner, dst)?;
                self.emit(Op::EndSilence { slot });
                Ok(Operand::slot(dst))
            }
            ExprKind::Closure(decl) | ExprKind::ArrowFn(decl) => {
                let kind = if matches!(e.kind, ExprKind::Closure(_)) {
                    FnKind::Closure
                } else {
                    FnKind::Arrow
                };
                let class = self.class.clone();
                let f = self.compile_function(decl, kind, class)?;
                self.children.push(Rc::new(f));
                let func = (self.children.len() - 1) as u32;
                let dst = self.temp();
                self.line = e.line;
                self.emit(Op::MakeClosure { dst, func });
                Ok(Operand::slot(dst))
            }
            ExprKind::Match { subject, arms } => self.match_expr(subject, arms),
            ExprKind::Exit(v) => {
                let val = match v {
                    Some(v) => Some(self.expr(v)?),
                    None => None,
                };
                self.emit(Op::Exit { val });
                Ok(self.null())
            }
            ExprKind::Print(v) => {
                let a = self.expr(v)?;
                self.emit(Op::Echo { a });
                Ok(self.constant(Value::Int(1)))
            }
            ExprKind::Include { kind, path } => {
                self.dynamic_vars = true;
                let p = self.expr(path)?;
                let dst = self.temp();
                self.emit(Op::Include {
                    dst,
                    path: p,
                    kind: *kind,
                });
                Ok(Operand::slot(dst))
            }
            ExprKind::Eval(code) => {
                self.dynamic_vars = true;
                let c = self.expr(code)?;
                let dst = self.temp();
                self.emit(Op::Eval { dst, code: c });
                Ok(Operand::slot(dst))
            }
            ExprKind::Clone(v) => {
                let val = self.expr(v)?;
                let dst = self.temp();
                self.emit(Op::Clone { dst, val });
                Ok(Operand::slot(dst))
            }
            ExprKind::Instanceof { expr, class } => {
                let val = self.expr(expr)?;
                let class = self.class_operand(class)?;
                let dst = self.temp();
                self.emit(Op::InstanceOf { dst, val, class });
                Ok(Operand::slot(dst))
            }
            ExprKind::Throw(v) => {
                let val = self.expr(v)?;
                self.emit(Op::Throw { val });
                Ok(self.null())
            }
            ExprKind::Yield { key, value } => {
                self.is_generator = true;
                let key = match key {
                    Some(k) => Some(self.expr(k)?),
                    None => None,
                };
                let val = match value {
                    Some(v) => Some(self.expr(v)?),
                    None => None,
                };
                let dst = want.then(|| self.temp());
                self.emit(Op::Yield { dst, key, val });
                Ok(match dst {
                    Some(d) => Operand::slot(d),
                    None => self.null(),
                })
            }
            ExprKind::YieldFrom(src) => {
                if self.by_ref_return {
                    return err(
                        "Cannot use \"yield from\" inside a by-reference generator",
                        self.line,
                    );
                }
                self.is_generator = true;
                let src = self.expr(src)?;
                let dst = want.then(|| self.temp());
                self.emit(Op::YieldFrom { dst, src });
                Ok(match dst {
                    Some(d) => Operand::slot(d),
                    None => self.null(),
                })
            }
            ExprKind::MagicConst(m) => self.magic(*m),
        }
    }

    fn magic(&mut self, m: MagicConst) -> R<Operand> {
        let class_name = self.class.as_ref().map(|c| c.name.clone());
        let v: Vec<u8> = match m {
            // The file is read at run time (the unit may be shared by identical files).
            MagicConst::File | MagicConst::Dir => {
                let dst = self.temp();
                let what = if m == MagicConst::File {
                    Special::File
                } else {
                    Special::Dir
                };
                self.emit(Op::LoadSpecial { dst, what });
                return Ok(Operand::slot(dst));
            }
            MagicConst::Function => self.func_name.clone(),
            MagicConst::Namespace => self.unit.ns.clone(),
            MagicConst::Class => match &self.class {
                Some(c) if c.is_trait => {
                    let dst = self.temp();
                    self.emit(Op::ClassName {
                        dst,
                        class: ClassOperand::SelfClass,
                    });
                    return Ok(Operand::slot(dst));
                }
                Some(c) => c.name.clone(),
                None => Vec::new(),
            },
            MagicConst::Trait => match &self.class {
                Some(c) if c.is_trait => c.name.clone(),
                _ => Vec::new(),
            },
            MagicConst::Method => match class_name {
                Some(c) if self.func_name != b"{closure}" && !self.func_name.is_empty() => {
                    let mut v = c;
                    v.extend_from_slice(b"::");
                    v.extend_from_slice(&self.func_name);
                    v
                }
                _ => self.func_name.clone(),
            },
        };
        Ok(self.str_const(&v))
    }

    fn interp(&mut self, parts: &[InterpPart]) -> R<Operand> {
        let pieces: Vec<Piece> = parts
            .iter()
            .map(|p| match p {
                InterpPart::Lit(s) => Piece::Lit(s),
                InterpPart::Expr(e) => Piece::Expr(e),
            })
            .collect();
        self.build_string(&pieces, false)
    }

    /// A string built from `pieces` (interpolation, `.` chains) with `ConcatN` ops: the
    /// pieces' operands are collected and concatenated by one op, which converts each in
    /// order. Before a piece that may have side effects is evaluated, the pending
    /// operands are concatenated if any of them is not a constant, so a local is read and
    /// every value converted exactly where PHP does it. `chain` is PHP's `a . b . c`, whose
    /// first `CONCAT` runs only after both `a` and `b` are evaluated (an interpolation's
    /// `ROPE_ADD` takes each piece as it comes). Adjacent string and int constants are
    /// merged at compile time; a string made only of them is a constant.
    fn build_string(&mut self, pieces: &[Piece], chain: bool) -> R<Operand> {
        let outer = self.temp_mark();
        let dst = self.temp();
        let mark = self.temp_mark();
        let mut pending: Vec<Operand> = Vec::new();
        let mut started = false;
        for (i, p) in pieces.iter().enumerate() {
            let v = match p {
                Piece::Lit(s) => self.str_const(s),
                Piece::Expr(e) => {
                    let second_of_chain = chain && i == 1;
                    if !second_of_chain
                        && !self.is_quiet_arg(e)
                        && pending.iter().any(|o| !o.is_const())
                    {
                        self.flush_concat(dst, &mut pending, &mut started);
                        self.reset_temps(mark);
                    }
                    self.expr(e)?
                }
            };
            self.push_piece(&mut pending, v);
        }
        if !started {
            match pending.as_slice() {
                [] => {
                    self.reset_temps(outer);
                    return Ok(self.str_const(b""));
                }
                [c] if c.is_const() && matches!(self.const_value(*c), Some(Value::Str(_))) => {
                    let c = *c;
                    self.reset_temps(outer);
                    return Ok(c);
                }
                _ => {}
            }
        }
        self.flush_concat(dst, &mut pending, &mut started);
        self.reset_temps(mark);
        Ok(Operand::slot(dst))
    }

    /// Adds an operand to a `ConcatN` list, merging it into a preceding string or int
    /// constant when it is one too (their string forms do not depend on anything).
    fn push_piece(&mut self, pending: &mut Vec<Operand>, v: Operand) {
        fn const_bytes(v: Option<&Value>) -> Option<Vec<u8>> {
            match v? {
                Value::Str(s) => Some(s.as_bytes().to_vec()),
                Value::Int(i) => Some(crate::vm::convert::int_to_str(*i).as_bytes().to_vec()),
                _ => None,
            }
        }
        if v.is_const() {
            if let Some(&last) = pending.last() {
                if last.is_const() {
                    if let (Some(mut a), Some(b)) = (
                        const_bytes(self.const_value(last)),
                        const_bytes(self.const_value(v)),
                    ) {
                        a.extend_from_slice(&b);
                        let c = self.str_const(&a);
                        if let Some(slot) = pending.last_mut() {
                            *slot = c;
                        }
                        return;
                    }
                }
            }
            if matches!(self.const_value(v), Some(Value::Str(s)) if s.is_empty()) {
                return;
            }
        }
        pending.push(v);
    }

    /// Emits `ConcatN` for the pending operands (after `dst`'s string when one was already
    /// built).
    fn flush_concat(&mut self, dst: Slot, pending: &mut Vec<Operand>, started: &mut bool) {
        if pending.is_empty() && *started {
            return;
        }
        let mut list = Vec::with_capacity(pending.len() + 1);
        if *started {
            list.push(Operand::slot(dst));
        }
        list.append(pending);
        let parts = self.arg_lists.len() as u32;
        self.arg_lists.push(list);
        self.emit(Op::ConcatN { dst, parts });
        *started = true;
    }

    fn array_literal(&mut self, items: &[ArrayItem]) -> R<Operand> {
        let arr = self.temp();
        self.emit(Op::NewArray {
            dst: arr,
            cap: items.len() as u32,
        });
        for it in items {
            if it.unpack {
                let src = self.expr(&it.value)?;
                self.emit(Op::ArraySpread { arr, src });
            } else if it.by_ref {
                let key = match &it.key {
                    Some(k) => Some(self.expr(k)?),
                    None => None,
                };
                let val = self.get_ref(&it.value)?;
                self.emit(Op::ArraySetRef {
                    arr,
                    key,
                    val: Operand::slot(val),
                });
            } else if let Some(k) = &it.key {
                let key = self.expr(k)?;
                let val = self.expr(&it.value)?;
                self.emit_at(it.value.line, Op::ArraySet { arr, key, val });
            } else {
                let val = self.expr(&it.value)?;
                self.emit_at(it.value.line, Op::ArrayPush { arr, val });
            }
        }
        Ok(Operand::slot(arr))
    }

    /// Emits `op` as if at `line` (PHP reports an element of a multi-line array literal,
    /// e.g. an undefined variable in it, at the element's own line).
    fn emit_at(&mut self, line: u32, op: Op) {
        let saved = std::mem::replace(&mut self.line, line);
        self.emit(op);
        self.line = saved;
    }

    /// `PathOp GetRef` on a referenceable expression into a temp.
    pub fn get_ref(&mut self, e: &Expr) -> R<Slot> {
        let path = self.write_path(e)?;
        let t = self.temp();
        self.emit(Op::PathOp {
            path,
            action: PathAction::GetRef,
            val: None,
            dst: Some(t),
        });
        Ok(t)
    }

    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr) -> R<Operand> {
        match op {
            BinOp::And | BinOp::Or => {
                let dst = self.temp();
                let a = self.expr(lhs)?;
                self.emit(Op::ToBool { dst, a });
                let j = if op == BinOp::And {
                    self.emit_jump(Op::JmpIfNot {
                        cond: Operand::slot(dst),
                        target: 0,
                    })
                } else {
                    self.emit_jump(Op::JmpIf {
                        cond: Operand::slot(dst),
                        target: 0,
                    })
                };
                let b = self.expr(rhs)?;
                self.emit(Op::ToBool { dst, a: b });
                self.patch_here(j);
                Ok(Operand::slot(dst))
            }
            BinOp::Xor => {
                let a = self.expr(lhs)?;
                let b = self.expr(rhs)?;
                let (ta, tb) = (self.temp(), self.temp());
                self.emit(Op::ToBool { dst: ta, a });
                self.emit(Op::ToBool { dst: tb, a: b });
                self.emit(Op::Binary {
                    op: BinOp::NotIdentical,
                    dst: ta,
                    a: Operand::slot(ta),
                    b: Operand::slot(tb),
                });
                Ok(Operand::slot(ta))
            }
            BinOp::Coalesce => {
                let dst = self.temp();
                self.quiet_into(lhs, dst)?;
                let j = self.emit_jump(Op::JmpNotNull {
                    a: Operand::slot(dst),
                    target: 0,
                });
                self.expr_into(rhs, dst)?;
                self.patch_here(j);
                Ok(Operand::slot(dst))
            }
            BinOp::Concat
                if matches!(
                    lhs.kind,
                    ExprKind::Binary {
                        op: BinOp::Concat,
                        ..
                    }
                ) =>
            {
                let mut parts = vec![rhs];
                let mut cur = lhs;
                while let ExprKind::Binary {
                    op: BinOp::Concat,
                    lhs: l,
                    rhs: r,
                } = &cur.kind
                {
                    parts.push(r);
                    cur = l;
                }
                parts.push(cur);
                parts.reverse();
                let pieces: Vec<Piece> = parts.into_iter().map(Piece::Expr).collect();
                self.build_string(&pieces, true)
            }
            _ => {
                let a = self.expr(lhs)?;
                let b = self.expr(rhs)?;
                if let (Some(x), Some(y)) = (self.const_value(a), self.const_value(b)) {
                    if let Some(v) = fold_binary(op, x, y) {
                        return Ok(self.constant(v));
                    }
                }
                let dst = self.temp();
                // PHP evaluates `a > b` as `b < a` (and `>=` likewise).
                let (op, a, b) = match op {
                    BinOp::Gt => (BinOp::Lt, b, a),
                    BinOp::Ge => (BinOp::Le, b, a),
                    _ => (op, a, b),
                };
                self.emit(Op::Binary { op, dst, a, b });
                Ok(Operand::slot(dst))
            }
        }
    }

    /// Quiet read for `??`: the value or null into `dst`, without warnings.
    fn quiet_into(&mut self, e: &Expr, dst: Slot) -> R<()> {
        match &e.kind {
            ExprKind::Var(n) if n == b"this" => self.expr_into(e, dst),
            _ if is_lvalue(e) && !has_nullsafe(e) => {
                let path = self.read_path(e)?;
                self.emit(Op::PathOp {
                    path,
                    action: PathAction::FetchQuiet,
                    val: None,
                    dst: Some(dst),
                });
                Ok(())
            }
            _ => self.expr_into(e, dst),
        }
    }

    fn isset_into(&mut self, e: &Expr, dst: Slot) -> R<()> {
        match &e.kind {
            ExprKind::Var(n) if n == b"this" => {
                // `$this` can only exist in code compiled inside a class (methods and their
                // closures); elsewhere isset($this) is false.
                if self.class.is_some() && !self.is_static {
                    let t = self.temp();
                    self.emit(Op::LoadSpecial { dst: t, what: Special::This });
                    let n = self.null();
                    self.emit(Op::Binary { op: BinOp::NotIdentical, dst, a: Operand::slot(t), b: n });
                } else {
                    let f = self.constant(Value::Bool(false));
                    self.emit(Op::Move { dst, src: f });
                }
                Ok(())
            }
            ExprKind::Var(n) if !is_superglobal(n) => {
                let slot = self.local(n);
                self.emit(Op::IssetLocal { dst, slot });
                Ok(())
            }
            _ if is_lvalue(e) => {
                let path = self.read_path(e)?;
                self.emit(Op::PathOp { path, action: PathAction::Isset, val: None, dst: Some(dst) });
                Ok(())
            }
            _ => err(
                "Cannot use isset() on the result of an expression (you can use \"null !== expression\" instead)",
                e.line,
            ),
        }
    }

    /// Emits a conditional jump taken when `cond` is false; returns the jumps to patch.
    pub fn cond_jump_false(&mut self, cond: &Expr) -> R<Vec<usize>> {
        let saved = self.line;
        self.line = cond.line;
        let r = self.cond_jump_false_inner(cond);
        self.line = saved;
        r
    }

    /// Emits a conditional jump taken when `cond` is true (loop conditions tested at the
    /// bottom of the loop); returns the jumps to patch.
    pub fn cond_jump_true(&mut self, cond: &Expr) -> R<Vec<usize>> {
        let saved = self.line;
        self.line = cond.line;
        let r = self.cond_jump_true_inner(cond);
        self.line = saved;
        r
    }

    fn cond_jump_true_inner(&mut self, cond: &Expr) -> R<Vec<usize>> {
        if let Some(v) = self.literal_value(cond) {
            let truthy = match v {
                Value::Bool(b) => Some(b),
                Value::Null => Some(false),
                Value::Int(i) => Some(i != 0),
                _ => None,
            };
            match truthy {
                Some(true) => return Ok(vec![self.emit_jump(Op::Jmp { target: 0 })]),
                Some(false) => return Ok(Vec::new()),
                None => {}
            }
        }
        if let ExprKind::Binary { op, lhs, rhs } = &cond.kind {
            match op {
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                    let a = self.expr(lhs)?;
                    let b = self.expr(rhs)?;
                    let op = match op {
                        BinOp::Lt => Op::JmpLt { a, b, target: 0 },
                        BinOp::Le => Op::JmpLe { a, b, target: 0 },
                        BinOp::Gt => Op::JmpLt {
                            a: b,
                            b: a,
                            target: 0,
                        },
                        _ => Op::JmpLe {
                            a: b,
                            b: a,
                            target: 0,
                        },
                    };
                    return Ok(vec![self.emit_jump(op)]);
                }
                BinOp::And => {
                    // Jump when both hold: fall through (past the jump) when either fails.
                    let skip = self.cond_jump_false(lhs)?;
                    let jt = self.cond_jump_true(rhs)?;
                    let after = self.here();
                    for j in skip {
                        self.patch_jump(j, after);
                    }
                    return Ok(jt);
                }
                BinOp::Or => {
                    let mut jt = self.cond_jump_true(lhs)?;
                    jt.extend(self.cond_jump_true(rhs)?);
                    return Ok(jt);
                }
                _ => {}
            }
        }
        if let ExprKind::Unary {
            op: UnaryOp::Not,
            expr,
        } = &cond.kind
        {
            let v = self.expr(expr)?;
            return Ok(vec![self.emit_jump(Op::JmpIfNot { cond: v, target: 0 })]);
        }
        let v = self.expr(cond)?;
        Ok(vec![self.emit_jump(Op::JmpIf { cond: v, target: 0 })])
    }

    fn cond_jump_false_inner(&mut self, cond: &Expr) -> R<Vec<usize>> {
        if let Some(v) = self.literal_value(cond) {
            let truthy = match v {
                Value::Bool(b) => Some(b),
                Value::Null => Some(false),
                Value::Int(i) => Some(i != 0),
                _ => None,
            };
            match truthy {
                Some(true) => return Ok(Vec::new()),
                Some(false) => return Ok(vec![self.emit_jump(Op::Jmp { target: 0 })]),
                None => {}
            }
        }
        if let ExprKind::Binary { op, lhs, rhs } = &cond.kind {
            match op {
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                    let a = self.expr(lhs)?;
                    let b = self.expr(rhs)?;
                    let op = match op {
                        BinOp::Lt => Op::JmpNotLt { a, b, target: 0 },
                        BinOp::Le => Op::JmpNotLe { a, b, target: 0 },
                        BinOp::Gt => Op::JmpNotLt {
                            a: b,
                            b: a,
                            target: 0,
                        },
                        _ => Op::JmpNotLe {
                            a: b,
                            b: a,
                            target: 0,
                        },
                    };
                    return Ok(vec![self.emit_jump(op)]);
                }
                BinOp::And => {
                    let mut j = self.cond_jump_false(lhs)?;
                    j.extend(self.cond_jump_false(rhs)?);
                    return Ok(j);
                }
                _ => {}
            }
        }
        if let ExprKind::Unary {
            op: UnaryOp::Not,
            expr,
        } = &cond.kind
        {
            let v = self.expr(expr)?;
            return Ok(vec![self.emit_jump(Op::JmpIf { cond: v, target: 0 })]);
        }
        let v = self.expr(cond)?;
        Ok(vec![self.emit_jump(Op::JmpIfNot { cond: v, target: 0 })])
    }

    fn match_expr(&mut self, subject: &Expr, arms: &[crate::vm::ast::MatchArm]) -> R<Operand> {
        // UnhandledMatchError reports the line where the match starts.
        let match_line = self.line;
        let subj = self.expr(subject)?;
        let subj = if subj.is_const() || self.is_temp(subj) {
            subj
        } else {
            let t = self.temp();
            self.emit(Op::Move { dst: t, src: subj });
            Operand::slot(t)
        };
        let dst = self.temp();
        let mut arm_jumps: Vec<Vec<usize>> = Vec::new();
        let mut default = None;
        for (i, arm) in arms.iter().enumerate() {
            let mut js = Vec::new();
            match &arm.conds {
                Some(conds) => {
                    for c in conds {
                        self.line = c.line;
                        let mark = self.temp_mark();
                        let v = self.expr(c)?;
                        let t = self.temp();
                        self.emit(Op::Binary {
                            op: BinOp::Identical,
                            dst: t,
                            a: subj,
                            b: v,
                        });
                        js.push(self.emit_jump(Op::JmpIf {
                            cond: Operand::slot(t),
                            target: 0,
                        }));
                        self.reset_temps(mark);
                    }
                }
                None => default = Some(i),
            }
            arm_jumps.push(js);
        }
        let no_match = match default {
            Some(_) => Some(self.emit_jump(Op::Jmp { target: 0 })),
            None => {
                self.line = match_line;
                self.emit(Op::MatchError { val: subj });
                None
            }
        };
        let mut ends = Vec::new();
        for (i, arm) in arms.iter().enumerate() {
            for j in std::mem::take(&mut arm_jumps[i]) {
                self.patch_here(j);
            }
            if default == Some(i) {
                if let Some(j) = no_match {
                    self.patch_here(j);
                }
            }
            self.line = arm.line;
            let mark = self.temp_mark();
            self.expr_into(&arm.body, dst)?;
            self.reset_temps(mark);
            ends.push(self.emit_jump(Op::Jmp { target: 0 }));
        }
        for j in ends {
            self.patch_here(j);
        }
        Ok(Operand::slot(dst))
    }

    // ----- class references and constants -----

    pub fn class_operand(&mut self, c: &ClassRef) -> R<ClassOperand> {
        Ok(match c {
            ClassRef::Name(q) => {
                if q.kind == NameKind::Unqualified {
                    let lc = q.name.to_ascii_lowercase();
                    match lc.as_slice() {
                        b"self" => return Ok(ClassOperand::SelfClass),
                        b"parent" => return Ok(ClassOperand::Parent),
                        b"static" => return Ok(ClassOperand::Static),
                        _ => {}
                    }
                }
                let n = self.unit.resolve_class(q);
                ClassOperand::Named(self.str_const(&n))
            }
            ClassRef::Expr(e) => ClassOperand::Dynamic(self.expr(e)?),
            ClassRef::Anon(decl) => {
                let (idx, name) = self.anon_class(decl)?;
                self.emit(Op::DeclareClass { idx });
                ClassOperand::Named(self.str_const(&name))
            }
        })
    }

    fn class_const(&mut self, class: &ClassRef, name: &[u8]) -> R<Operand> {
        let c = self.class_operand(class)?;
        if name.eq_ignore_ascii_case(b"class") {
            let known = match c {
                ClassOperand::Named(o) => self.const_value(o).cloned(),
                ClassOperand::SelfClass => match &self.class {
                    Some(cc) if !cc.is_trait => Some(Value::str(cc.name.as_slice())),
                    _ => None,
                },
                ClassOperand::Parent => match &self.class {
                    Some(cc) if !cc.is_trait => {
                        cc.parent.as_ref().map(|p| Value::str(p.as_slice()))
                    }
                    _ => None,
                },
                _ => None,
            };
            if let Some(v) = known {
                return Ok(self.constant(v));
            }
            let dst = self.temp();
            self.emit(Op::ClassName { dst, class: c });
            return Ok(Operand::slot(dst));
        }
        let name = self.str_const(name);
        let dst = self.temp();
        self.emit(Op::FetchClassConst {
            dst,
            class: c,
            name,
        });
        Ok(Operand::slot(dst))
    }

    fn member(&mut self, m: &Member) -> R<Operand> {
        match m {
            Member::Name(n) => Ok(self.str_const(n)),
            Member::Expr(e) => self.expr(e),
        }
    }

    // ----- lvalue paths -----

    /// A path for reading (`Fetch`, `Isset`, `Empty`, `FetchQuiet`).
    pub fn read_path(&mut self, e: &Expr) -> R<u32> {
        self.path(e, false)
    }

    /// A path for writing (assignment, reference, unset, by-ref argument).
    pub fn write_path(&mut self, e: &Expr) -> R<u32> {
        self.path(e, true)
    }

    fn path(&mut self, e: &Expr, write: bool) -> R<u32> {
        let line = e.line;
        // `$this->name` in a method, where `$this` is guaranteed (PHP's
        // `this_guaranteed_exists`; an unbound closure still finds none): the path op reads
        // the frame's `$this` itself (no register), and `emit` turns the common actions
        // into `PropGet`/`PropSet`. Elsewhere `$this` is loaded first, so that its absence
        // is reported before the operands run, as PHP's `FETCH_THIS` does.
        if let (
            ExprKind::Prop {
                obj,
                name: Member::Name(n),
                nullsafe: false,
            },
            Some(_),
            false,
        ) = (&e.kind, &self.class, self.static_context)
        {
            if matches!(&obj.kind, ExprKind::Var(v) if v == b"this") {
                let name = self.str_const(n);
                return Ok(self.add_path(Path {
                    base: PathBase::This,
                    elems: vec![PathElem::Prop(name)],
                    line,
                }));
            }
        }
        let (base, elems) = self.path_parts(e, write)?;
        Ok(self.add_path(Path { base, elems, line }))
    }

    fn path_parts(&mut self, e: &Expr, write: bool) -> R<(PathBase, Vec<PathElem>)> {
        match &e.kind {
            ExprKind::Var(n) if n == b"this" => {
                if write {
                    return err("Cannot re-assign $this", e.line);
                }
                let t = self.temp();
                self.emit(Op::LoadSpecial {
                    dst: t,
                    what: Special::This,
                });
                Ok((PathBase::Temp(Operand::slot(t)), Vec::new()))
            }
            ExprKind::Var(n) if is_superglobal(n) => {
                Ok((PathBase::Superglobal(self.str_const(n)), Vec::new()))
            }
            ExprKind::Var(n) => Ok((PathBase::Local(self.local(n)), Vec::new())),
            ExprKind::VarVar(inner) => {
                self.dynamic_vars = true;
                Ok((PathBase::VarVar(self.expr(inner)?), Vec::new()))
            }
            ExprKind::StaticProp { class, name } => {
                let c = self.class_operand(class)?;
                let n = self.member(name)?;
                Ok((PathBase::StaticProp(c, n), Vec::new()))
            }
            ExprKind::Index { base, index } => {
                let (b, mut elems) = self.path_prefix(base, write, false)?;
                match index {
                    Some(i) => elems.push(PathElem::Dim(self.expr(i)?)),
                    None if write => elems.push(PathElem::Append),
                    None => return err("Cannot use [] for reading", e.line),
                }
                Ok((b, elems))
            }
            ExprKind::Prop {
                obj,
                name,
                nullsafe,
            } => {
                if *nullsafe && write {
                    return err("Can't use nullsafe operator in write context", e.line);
                }
                let (b, mut elems) = self.path_prefix(obj, write, true)?;
                elems.push(PathElem::Prop(self.member(name)?));
                Ok((b, elems))
            }
            ExprKind::Call { .. } | ExprKind::StaticCall { .. } if write => {
                err("Can't use function return value in write context", e.line)
            }
            ExprKind::MethodCall { .. } if write => {
                err("Can't use method return value in write context", e.line)
            }
            _ => {
                let v = self.expr(e)?;
                Ok((PathBase::Temp(v), Vec::new()))
            }
        }
    }

    /// The path of the container of a dim/prop step.
    fn path_prefix(
        &mut self,
        e: &Expr,
        write: bool,
        for_prop: bool,
    ) -> R<(PathBase, Vec<PathElem>)> {
        match &e.kind {
            ExprKind::Var(n) if n == b"this" => {
                let t = self.temp();
                self.emit(Op::LoadSpecial {
                    dst: t,
                    what: Special::This,
                });
                Ok((PathBase::Object(Operand::slot(t)), Vec::new()))
            }
            _ if is_lvalue(e) => self.path_parts(e, write),
            _ => {
                let v = self.expr(e)?;
                Ok((
                    if for_prop {
                        PathBase::Object(v)
                    } else {
                        PathBase::Temp(v)
                    },
                    Vec::new(),
                ))
            }
        }
    }

    /// Rvalue read of a variable/dim/prop chain.
    fn read_chain(&mut self, e: &Expr) -> R<Operand> {
        if path_readable(e) {
            let path = self.read_path(e)?;
            let dst = self.temp();
            self.emit(Op::PathOp {
                path,
                action: PathAction::Fetch,
                val: None,
                dst: Some(dst),
            });
            return Ok(Operand::slot(dst));
        }
        match &e.kind {
            ExprKind::Index { base, index } => {
                let b = self.spine(base)?;
                let Some(index) = index else {
                    return err("Cannot use [] for reading", e.line);
                };
                let key = self.expr(index)?;
                let dst = self.temp();
                self.emit(Op::FetchDim { dst, base: b, key });
                Ok(Operand::slot(dst))
            }
            ExprKind::Prop {
                obj,
                name,
                nullsafe,
            } => {
                let o = self.spine(obj)?;
                if *nullsafe {
                    self.nullsafe_check(o);
                }
                let n = self.member(name)?;
                let dst = self.temp();
                self.emit(Op::FetchProp {
                    dst,
                    obj: o,
                    name: n,
                    nullsafe: *nullsafe,
                });
                Ok(Operand::slot(dst))
            }
            _ => {
                let path = self.read_path(e)?;
                let dst = self.temp();
                self.emit(Op::PathOp {
                    path,
                    action: PathAction::Fetch,
                    val: None,
                    dst: Some(dst),
                });
                Ok(Operand::slot(dst))
            }
        }
    }

    // ----- assignment -----

    /// The value of an assignment expression, snapshotted so later writes to the local do
    /// not change it.
    fn assigned_value(&mut self, v: Operand, want: bool) -> Operand {
        if !want || v.is_const() || self.is_temp(v) {
            return v;
        }
        let t = self.temp();
        self.emit(Op::Move { dst: t, src: v });
        Operand::slot(t)
    }

    /// `$x = a op b` where the last op computed `a op b` into the temporary `v`: rewrites
    /// it to store straight into the local (`BinaryLocal`). Only for plain binary operators,
    /// whose code has no jump to the position after their final op.
    fn fuse_binary_into_local(&mut self, value: &Expr, v: Operand, slot: Slot) -> bool {
        let ExprKind::Binary { op, .. } = &value.kind else {
            return false;
        };
        if matches!(
            op,
            BinOp::And | BinOp::Or | BinOp::Xor | BinOp::Coalesce | BinOp::Concat
        ) || v.is_const()
            || !self.is_temp(v)
        {
            return false;
        }
        match self.code.last() {
            Some(&Op::Binary { op, dst, a, b }) if dst == v.index() => {
                let at = self.code.len() - 1;
                self.code[at] = Op::BinaryLocal {
                    op,
                    dst: slot,
                    a,
                    b,
                };
                true
            }
            _ => false,
        }
    }

    /// `$x = f(...)` (a `CallBuiltin`) or `$x = "..."` (a string built by `ConcatN`) where
    /// the last op wrote the value into the temporary `v`: rewrites it to write the local
    /// itself (through its reference if it holds one), saving the `AssignLocal`. Neither op
    /// writes its destination before it has read all of its operands, and no jump in the
    /// value's code targets the position after its last op.
    fn fuse_result_into_local(&mut self, value: &Expr, v: Operand, slot: Slot) -> bool {
        if v.is_const() || !self.is_temp(v) {
            return false;
        }
        match (&value.kind, self.code.last_mut()) {
            (ExprKind::Call { .. }, Some(Op::CallBuiltin { dst, .. }))
                if *dst == Some(v.index()) =>
            {
                *dst = Some(slot);
            }
            (
                ExprKind::Interp(_)
                | ExprKind::Binary {
                    op: BinOp::Concat, ..
                },
                Some(Op::ConcatN { dst, .. }),
            ) if *dst == v.index() => {
                *dst = slot;
            }
            _ => return false,
        }
        true
    }

    fn assign(&mut self, target: &Expr, value: &Expr, want: bool) -> R<Operand> {
        match &target.kind {
            ExprKind::Var(n) if n == b"this" => err("Cannot re-assign $this", target.line),
            ExprKind::Var(n) if !is_superglobal(n) => {
                let slot = self.local(n);
                let v = self.expr(value)?;
                self.line = target.line;
                if !want
                    && (self.fuse_binary_into_local(value, v, slot)
                        || self.fuse_result_into_local(value, v, slot))
                {
                    return Ok(Operand::slot(slot));
                }
                if want && self.is_temp(v) {
                    // `AssignLocal` consumes a temporary source (as PHP's ASSIGN frees its
                    // TMP operand), so the expression's value is read back from the local.
                    self.emit(Op::AssignLocal { dst: slot, src: v });
                    let t = self.temp();
                    self.emit(Op::Move {
                        dst: t,
                        src: Operand::slot(slot),
                    });
                    return Ok(Operand::slot(t));
                }
                let r = self.assigned_value(v, want);
                self.emit(Op::AssignLocal { dst: slot, src: v });
                // A new object's temporary must not keep it alive after the statement, or
                // `unset($x)`/`$x = null` would not run its destructor when PHP does.
                if !want
                    && !v.is_const()
                    && self.is_temp(v)
                    && matches!(value.kind, ExprKind::New { .. })
                {
                    self.emit(Op::UnsetLocal { slot: v.index() });
                }
                Ok(r)
            }
            ExprKind::Array(_) | ExprKind::List(_) => {
                let src = self.expr_temp(value)?;
                self.destructure(target, Operand::slot(src), Some(value))?;
                Ok(Operand::slot(src))
            }
            _ if is_lvalue(target) => {
                let path = self.write_path(target)?;
                let v = self.expr(value)?;
                let dst = want.then(|| self.temp());
                self.emit(Op::PathOp {
                    path,
                    action: PathAction::Assign,
                    val: Some(v),
                    dst,
                });
                Ok(match dst {
                    Some(d) => Operand::slot(d),
                    None => v,
                })
            }
            ExprKind::Call { .. } | ExprKind::StaticCall { .. } => err(
                "Can't use function return value in write context",
                target.line,
            ),
            ExprKind::MethodCall { .. } => err(
                "Can't use method return value in write context",
                target.line,
            ),
            _ => err("Cannot assign to this expression", target.line),
        }
    }

    /// Assigns the value in `v` to `target` (a variable, dim, prop or nested pattern).
    pub fn assign_from(&mut self, target: &Expr, v: Operand) -> R<()> {
        match &target.kind {
            ExprKind::Var(n) if n == b"this" => err("Cannot re-assign $this", target.line),
            ExprKind::Var(n) if !is_superglobal(n) => {
                let slot = self.local(n);
                self.emit(Op::AssignLocal { dst: slot, src: v });
                Ok(())
            }
            ExprKind::Array(_) | ExprKind::List(_) => self.destructure(target, v, None),
            _ if is_lvalue(target) => {
                let path = self.write_path(target)?;
                self.emit(Op::PathOp {
                    path,
                    action: PathAction::Assign,
                    val: Some(v),
                    dst: None,
                });
                Ok(())
            }
            _ => err("Cannot assign to this expression", target.line),
        }
    }

    /// `[a, 'k' => b, [c]] = src`. `src_expr` is the source expression when it is a
    /// variable (needed for by-reference items).
    pub fn destructure(&mut self, pattern: &Expr, src: Operand, src_expr: Option<&Expr>) -> R<()> {
        let items: Vec<Option<&ArrayItem>> = match &pattern.kind {
            ExprKind::Array(items) => items.iter().map(Some).collect(),
            ExprKind::List(items) => items.iter().map(|i| i.as_ref()).collect(),
            _ => return self.assign_from(pattern, src),
        };
        if items.iter().all(|i| i.is_none()) {
            return err("Cannot use empty list", pattern.line);
        }
        let has_keys = items.iter().flatten().any(|i| i.key.is_some());
        let mut pos = 0i64;
        for it in items {
            let Some(it) = it else {
                pos += 1;
                continue;
            };
            if it.unpack {
                return err(
                    "Spread operator is not supported in assignments",
                    it.value.line,
                );
            }
            let mark = self.temp_mark();
            let key = match &it.key {
                Some(k) => self.expr(k)?,
                None => {
                    if has_keys {
                        return err(
                            "Cannot mix keyed and unkeyed array entries in assignments",
                            it.value.line,
                        );
                    }
                    pos += 1;
                    self.constant(Value::Int(pos - 1))
                }
            };
            if it.by_ref {
                let Some(se) = src_expr.filter(|s| is_lvalue(s)) else {
                    return err(
                        "Cannot assign reference to non referenceable value",
                        it.value.line,
                    );
                };
                let (base, mut elems) = self.path_parts(se, true)?;
                elems.push(PathElem::Dim(key));
                let line = it.value.line;
                let p = self.add_path(Path { base, elems, line });
                let r = self.temp();
                self.emit(Op::PathOp {
                    path: p,
                    action: PathAction::GetRef,
                    val: None,
                    dst: Some(r),
                });
                self.bind_ref(&it.value, Operand::slot(r))?;
            } else {
                let t = self.temp();
                self.emit(Op::FetchListItem {
                    dst: t,
                    base: src,
                    key,
                });
                // A nested pattern may bind references into the source element: give it
                // the element's own lvalue (`$src[key]`).
                let nested_src = match (src_expr, &it.value.kind) {
                    (Some(se), ExprKind::Array(_) | ExprKind::List(_)) if is_lvalue(se) => {
                        let index = match &it.key {
                            Some(k) => k.clone(),
                            None => Expr {
                                kind: ExprKind::Int(pos - 1),
                                line: it.value.line,
                            },
                        };
                        Some(Expr {
                            kind: ExprKind::Index {
                                base: Box::new(se.clone()),
                                index: Some(Box::new(index)),
                            },
                            line: se.line,
                        })
                    }
                    _ => None,
                };
                self.destructure(&it.value, Operand::slot(t), nested_src.as_ref())?;
            }
            self.reset_temps(mark);
        }
        Ok(())
    }

    /// Binds `target` to the reference in `r` (`PathOp AssignRef`).
    pub fn bind_ref(&mut self, target: &Expr, r: Operand) -> R<()> {
        if matches!(&target.kind, ExprKind::Var(n) if n == b"this") {
            return err("Cannot re-assign $this", target.line);
        }
        if !is_lvalue(target) {
            return err(
                "Cannot assign reference to non referenceable value",
                target.line,
            );
        }
        let path = self.write_path(target)?;
        self.emit(Op::PathOp {
            path,
            action: PathAction::AssignRef,
            val: Some(r),
            dst: None,
        });
        Ok(())
    }

    fn assign_ref(&mut self, target: &Expr, value: &Expr) -> R<Operand> {
        let r = if is_lvalue(value) && !matches!(&value.kind, ExprKind::Var(n) if n == b"this") {
            if has_nullsafe(value) {
                return err("Cannot take reference of a nullsafe chain", value.line);
            }
            self.get_ref(value)?
        } else if matches!(
            value.kind,
            ExprKind::Call { .. } | ExprKind::MethodCall { .. } | ExprKind::StaticCall { .. }
        ) {
            // A by-ref returning call yields a `Value::Ref`; otherwise the interpreter binds
            // to a fresh reference holding the value (PHP's "Only variables should be
            // assigned by reference" notice).
            self.expr_temp(value)?
        } else {
            return err(
                "Cannot assign reference to non referenceable value",
                value.line,
            );
        };
        self.bind_ref(target, Operand::slot(r))?;
        Ok(Operand::slot(r))
    }

    fn assign_op(&mut self, op: BinOp, target: &Expr, value: &Expr, want: bool) -> R<Operand> {
        if matches!(&target.kind, ExprKind::Var(n) if n == b"this") {
            return err("Cannot re-assign $this", target.line);
        }
        if !is_lvalue(target) {
            return err("Cannot assign to this expression", target.line);
        }
        if op == BinOp::Coalesce {
            let dst = self.temp();
            let local = match &target.kind {
                ExprKind::Var(n) if !is_superglobal(n) => Some(self.local(n)),
                _ => None,
            };
            match local {
                Some(slot) => {
                    let path = self.add_path(Path {
                        base: PathBase::Local(slot),
                        elems: Vec::new(),
                        line: target.line,
                    });
                    self.emit(Op::PathOp {
                        path,
                        action: PathAction::FetchQuiet,
                        val: None,
                        dst: Some(dst),
                    });
                    let j = self.emit_jump(Op::JmpNotNull {
                        a: Operand::slot(dst),
                        target: 0,
                    });
                    self.expr_into(value, dst)?;
                    self.emit(Op::AssignLocal {
                        dst: slot,
                        src: Operand::slot(dst),
                    });
                    self.patch_here(j);
                }
                None => {
                    let path = self.write_path(target)?;
                    self.emit(Op::PathOp {
                        path,
                        action: PathAction::FetchQuiet,
                        val: None,
                        dst: Some(dst),
                    });
                    let j = self.emit_jump(Op::JmpNotNull {
                        a: Operand::slot(dst),
                        target: 0,
                    });
                    self.expr_into(value, dst)?;
                    self.emit(Op::PathOp {
                        path,
                        action: PathAction::Assign,
                        val: Some(Operand::slot(dst)),
                        dst: None,
                    });
                    self.patch_here(j);
                }
            }
            return Ok(Operand::slot(dst));
        }
        let result = want.then(|| self.temp());
        match &target.kind {
            ExprKind::Var(n) if !is_superglobal(n) => {
                let slot = self.local(n);
                let v = self.expr(value)?;
                if op == BinOp::Concat {
                    self.emit(Op::ConcatAssignLocal {
                        dst: slot,
                        a: v,
                        result,
                    });
                } else if !matches!(op, BinOp::Coalesce) {
                    // `$x op= v` reads `$x` after `v` is evaluated, as PHP's ASSIGN_OP does.
                    self.emit(Op::BinaryLocal {
                        op,
                        dst: slot,
                        a: Operand::slot(slot),
                        b: v,
                    });
                    if let Some(r) = result {
                        self.emit(Op::Move {
                            dst: r,
                            src: Operand::slot(slot),
                        });
                    }
                } else {
                    let path = self.add_path(Path {
                        base: PathBase::Local(slot),
                        elems: Vec::new(),
                        line: target.line,
                    });
                    self.emit(Op::PathOp {
                        path,
                        action: PathAction::AssignOp(op),
                        val: Some(v),
                        dst: result,
                    });
                }
            }
            _ => {
                let path = self.write_path(target)?;
                let v = self.expr(value)?;
                self.emit(Op::PathOp {
                    path,
                    action: PathAction::AssignOp(op),
                    val: Some(v),
                    dst: result,
                });
            }
        }
        Ok(match result {
            Some(r) => Operand::slot(r),
            None => self.null(),
        })
    }

    // ----- calls -----

    fn intrinsic(name: &[u8]) -> Option<Intrinsic> {
        Some(match name.to_ascii_lowercase().as_slice() {
            b"compact" => Intrinsic::Compact,
            b"extract" => Intrinsic::Extract,
            b"get_defined_vars" => Intrinsic::GetDefinedVars,
            b"func_get_args" => Intrinsic::FuncGetArgs,
            b"func_num_args" => Intrinsic::FuncNumArgs,
            b"func_get_arg" => Intrinsic::FuncGetArg,
            _ => return None,
        })
    }

    /// Compiles a call (`Call`, `New`, `MethodCall`, `StaticCall`) with its result in `dst`;
    /// `callable` makes it a first-class callable (`CallableFromPending`).
    fn call(&mut self, e: &Expr, dst: Option<Slot>, callable: bool) -> R<()> {
        let line = e.line;
        // `assert(x)` passes its own source text as the failure message (PHP's
        // zend_compile_assert), so the call is compiled with this two-argument list.
        let assert_args: Vec<Arg>;
        let args: &[Arg] = match &e.kind {
            ExprKind::Call { func, args } => {
                let args: &[Arg] = match func {
                    Callee::Name(q)
                        if !callable
                            && matches!(
                                q.kind,
                                NameKind::Unqualified | NameKind::FullyQualified
                            )
                            && q.name.eq_ignore_ascii_case(b"assert")
                            && args.len() == 1
                            && !args[0].unpack
                            && args[0].name.is_none() =>
                    {
                        assert_args = vec![
                            args[0].clone(),
                            Arg {
                                value: Expr {
                                    kind: ExprKind::Str(super::export::assert_message(
                                        &args[0].value,
                                    )),
                                    line,
                                },
                                unpack: false,
                                name: None,
                            },
                        ];
                        &assert_args
                    }
                    _ => args,
                };
                if let Callee::Name(q) = func {
                    let plain = matches!(q.kind, NameKind::Unqualified | NameKind::FullyQualified)
                        && !q.name.contains(&b'\\')
                        && !self
                            .unit
                            .use_function
                            .contains_key(&q.name.to_ascii_lowercase());
                    let simple_args = args.iter().all(|a| !a.unpack && a.name.is_none());
                    if plain && simple_args && !callable {
                        if let Some(which) = Self::intrinsic(&q.name) {
                            if matches!(
                                which,
                                Intrinsic::Compact | Intrinsic::Extract | Intrinsic::GetDefinedVars
                            ) {
                                self.dynamic_vars = true;
                            }
                            let n = args.len() as u32;
                            let base = self.temp_mark();
                            for _ in 0..n {
                                self.temp();
                            }
                            for (i, a) in args.iter().enumerate() {
                                self.expr_into(&a.value, base + i as u32)?;
                            }
                            self.line = line;
                            self.emit(Op::CallIntrinsic {
                                dst,
                                which,
                                args: base,
                                n,
                            });
                            return Ok(());
                        }
                        if let Some(builtin) = self.direct_builtin(q, args.len()) {
                            return self.builtin_call(builtin, args, dst, line);
                        }
                        if q.name.eq_ignore_ascii_case(b"get_called_class") && args.is_empty() {
                            if let Some(d) = dst {
                                self.emit(Op::LoadSpecial {
                                    dst: d,
                                    what: Special::CalledClass,
                                });
                            }
                            return Ok(());
                        }
                    }
                    let (name, fallback) = self.unit.resolve_function(q);
                    let name = self.str_const(&name);
                    let fallback = fallback.map(|f| self.str_const(&f));
                    self.emit(Op::InitFCall {
                        name,
                        fallback,
                        n_args: args.len() as u32,
                    });
                } else if let Callee::Expr(c) = func {
                    let callee = self.expr(c)?;
                    self.line = line;
                    self.emit(Op::InitDynCall {
                        callee,
                        n_args: args.len() as u32,
                    });
                }
                args
            }
            ExprKind::New { class, args } => {
                let class = self.class_operand(class)?;
                let d = dst.expect("new always has a destination");
                self.line = line;
                self.emit(Op::InitNew {
                    dst: d,
                    class,
                    n_args: args.len() as u32,
                });
                self.send_args(args)?;
                self.line = line;
                self.emit(Op::DoCall { dst: None });
                return Ok(());
            }
            ExprKind::MethodCall {
                obj,
                name,
                args,
                nullsafe,
            } => {
                let o = self.spine(obj)?;
                if *nullsafe {
                    self.nullsafe_check(o);
                }
                let n = self.member(name)?;
                self.line = line;
                self.emit(Op::InitMethodCall {
                    obj: o,
                    name: n,
                    nullsafe: *nullsafe,
                    n_args: args.len() as u32,
                });
                args
            }
            ExprKind::StaticCall { class, name, args } => {
                let c = self.class_operand(class)?;
                let n = self.member(name)?;
                self.line = line;
                self.emit(Op::InitStaticCall {
                    class: c,
                    name: n,
                    n_args: args.len() as u32,
                });
                args
            }
            _ => return err("Cannot create Closure for new expression", line),
        };
        if callable {
            self.line = line;
            self.emit(Op::CallableFromPending {
                dst: dst.expect("callable has a destination"),
            });
            return Ok(());
        }
        self.send_args(args)?;
        self.line = line;
        self.emit(Op::DoCall { dst });
        Ok(())
    }

    /// The `builtins::by_index` number of the builtin a call by name `q` always reaches: a
    /// global name (no namespace fallback, so no user function can take the call) of a
    /// builtin none of whose first `n_args` parameters is by reference. `None` leaves the
    /// call to `InitFCall`.
    fn direct_builtin(&self, q: &crate::vm::ast::QName, n_args: usize) -> Option<u32> {
        let (name, fallback) = self.unit.resolve_function(q);
        if fallback.is_some() {
            return None;
        }
        let lc = name.to_ascii_lowercase();
        let lc = lc.strip_prefix(b"\\").unwrap_or(&lc);
        // `assert` has its own compile-time message; `array_multisort` prefers references.
        if lc == b"assert" || lc == b"array_multisort" {
            return None;
        }
        let b = crate::vm::builtins::lookup(lc)?;
        // By-reference parameters beyond the arguments passed (`str_replace`'s `&$count`)
        // do not matter.
        let by_ref = |i: usize| match b.params.get(i) {
            Some(p) => p.by_ref,
            None => b.params.last().is_some_and(|p| p.variadic && p.by_ref),
        };
        if (0..n_args).any(by_ref) {
            return None;
        }
        crate::vm::builtins::index_of(b)
    }

    /// An argument whose evaluation cannot change a variable or raise anything: a literal
    /// or a plain local (its undefined warning, if any, is raised by the call in order).
    fn is_quiet_arg(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Var(n) => n != b"this" && !is_superglobal(n),
            _ => self.literal_value(e).is_some(),
        }
    }

    /// `CallBuiltin`: positional arguments compiled to operands read by the op itself. A
    /// local is passed as its slot (read when the call runs) only when every later
    /// argument is quiet and on the call's line; otherwise it is copied into a temporary
    /// right away, as `SendPath` would, so later arguments cannot change what is passed.
    fn builtin_call(&mut self, builtin: u32, args: &[Arg], dst: Option<Slot>, line: u32) -> R<()> {
        let mark = self.temp_mark();
        let mut ops = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            let v = self.expr(&a.value)?;
            let gap_local = matches!(&a.value.kind, ExprKind::Var(_)) && self.is_temp(v);
            let keep = v.is_const()
                || (self.is_temp(v) && !gap_local)
                || (a.value.line == line
                    && args[i + 1..]
                        .iter()
                        .all(|b| b.value.line == line && self.is_quiet_arg(&b.value)));
            if keep {
                ops.push(v);
            } else {
                let t = self.temp();
                self.line = a.value.line;
                self.emit(Op::Move { dst: t, src: v });
                ops.push(Operand::slot(t));
            }
        }
        self.line = line;
        let list = self.arg_lists.len() as u32;
        self.arg_lists.push(ops);
        self.emit(Op::CallBuiltin {
            dst,
            builtin,
            args: list,
        });
        self.reset_temps(mark);
        Ok(())
    }

    fn send_args(&mut self, args: &[Arg]) -> R<()> {
        let mut named_seen = false;
        for a in args {
            let mark = self.temp_mark();
            let referenceable = is_lvalue(&a.value)
                && !has_nullsafe(&a.value)
                && !matches!(&a.value.kind, ExprKind::Var(n) if n == b"this");
            if a.unpack {
                if named_seen {
                    return err(
                        "Cannot use argument unpacking after named arguments",
                        a.value.line,
                    );
                }
                let val = self.expr(&a.value)?;
                self.emit(Op::SendUnpack { val });
            } else if let Some(name) = &a.name {
                named_seen = true;
                let n = self.str_const(name);
                if referenceable {
                    let path = self.write_path(&a.value)?;
                    self.emit(Op::SendNamedPath { name: n, path });
                } else {
                    let val = self.expr(&a.value)?;
                    self.emit(Op::SendNamed { name: n, val });
                }
            } else {
                if named_seen {
                    return err(
                        "Cannot use positional argument after named argument",
                        a.value.line,
                    );
                }
                if referenceable {
                    let path = self.write_path(&a.value)?;
                    self.emit(Op::SendPath { path });
                } else if is_call_result(&a.value) {
                    let val = self.expr(&a.value)?;
                    self.emit(Op::SendVar { val, notice: true });
                } else if matches!(&a.value.kind, ExprKind::Var(n) if n == b"this") {
                    let val = self.expr(&a.value)?;
                    self.emit(Op::SendVar { val, notice: false });
                } else {
                    let val = self.expr(&a.value)?;
                    self.emit(Op::SendVal { val });
                }
            }
            // Argument temporaries are consumed by the Send op.
            self.reset_temps(mark);
        }
        Ok(())
    }
}

/// A call (or `new`) whose result PHP treats as a variable when passed by reference.
fn is_call_result(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Call { .. }
        | ExprKind::MethodCall { .. }
        | ExprKind::StaticCall { .. }
        | ExprKind::New { .. }
        | ExprKind::AssignRef { .. } => true,
        ExprKind::Silence(inner) => is_call_result(inner),
        _ => false,
    }
}

/// A piece of a string being built by `build_string`.
enum Piece<'a> {
    Lit(&'a [u8]),
    Expr(&'a Expr),
}
