//! Statements: control flow, loops, try/catch/finally, declarations, namespaces.

use super::expr::is_lvalue;
use super::{err, is_superglobal, FuncCompiler, LoopCtx, R};
use crate::vm::ast::{Block, Expr, ExprKind, Stmt, StmtKind, SwitchCase, UseKind};
use crate::vm::bytecode::{Op, Operand, PathAction, Slot, TryRegion};
use crate::vm::coerce::SimpleType;
use crate::vm::value::{PhpStr, Value};

impl FuncCompiler<'_> {
    pub fn block(&mut self, b: &[Stmt]) -> R<()> {
        for s in b {
            if matches!(s.kind, StmtKind::HaltCompiler) {
                break;
            }
            self.stmt(s)?;
        }
        Ok(())
    }

    /// A block nested in a compound statement (declarations in it are conditional).
    fn nested_block(&mut self, b: &[Stmt]) -> R<()> {
        self.nested += 1;
        let r = self.block(b);
        self.nested -= 1;
        r
    }

    pub fn stmt(&mut self, s: &Stmt) -> R<()> {
        self.line = s.line;
        let mark = self.temp_mark();
        let r = self.stmt_inner(s);
        self.reset_temps(mark);
        r
    }

    fn stmt_inner(&mut self, s: &Stmt) -> R<()> {
        let line = s.line;
        match &s.kind {
            StmtKind::Expr(e) => self.expr_discard(e),
            StmtKind::Echo(es) => {
                for e in es {
                    let mark = self.temp_mark();
                    let a = self.expr(e)?;
                    self.line = line;
                    self.emit(Op::Echo { a });
                    self.reset_temps(mark);
                }
                Ok(())
            }
            StmtKind::InlineHtml(text) => {
                let a = self.str_const(text);
                self.emit(Op::Echo { a });
                Ok(())
            }
            StmtKind::If {
                cond,
                then,
                elseifs,
                else_,
            } => {
                let mut ends = Vec::new();
                let mut jf = self.cond_jump_false(cond)?;
                self.nested_block(then)?;
                for (c, b) in elseifs {
                    ends.push(self.emit_jump(Op::Jmp { target: 0 }));
                    for j in jf {
                        self.patch_here(j);
                    }
                    self.line = c.line;
                    jf = self.cond_jump_false(c)?;
                    self.nested_block(b)?;
                }
                if let Some(b) = else_ {
                    ends.push(self.emit_jump(Op::Jmp { target: 0 }));
                    for j in jf {
                        self.patch_here(j);
                    }
                    self.nested_block(b)?;
                } else {
                    for j in jf {
                        self.patch_here(j);
                    }
                }
                for j in ends {
                    self.patch_here(j);
                }
                Ok(())
            }
            StmtKind::While { cond, body } => {
                // The condition is tested at the bottom (one jump per iteration instead of
                // two); the loop is entered by jumping to the test.
                let entry = self.emit_jump(Op::Jmp { target: 0 });
                let top = self.here();
                self.push_loop(false, None);
                self.nested_block(body)?;
                self.line = line;
                let cont = self.here();
                self.patch_jump(entry, cont);
                let mark = self.temp_mark();
                let jt = self.cond_jump_true(cond)?;
                self.reset_temps(mark);
                for j in jt {
                    self.patch_jump(j, top);
                }
                let end = self.here();
                self.pop_loop(cont, end);
                Ok(())
            }
            StmtKind::DoWhile { body, cond } => {
                let top = self.here();
                self.push_loop(false, None);
                self.nested_block(body)?;
                let cont = self.here();
                self.line = cond.line;
                let mark = self.temp_mark();
                let c = self.expr(cond)?;
                self.emit(Op::JmpIf {
                    cond: c,
                    target: top,
                });
                self.reset_temps(mark);
                let end = self.here();
                self.pop_loop(cont, end);
                Ok(())
            }
            StmtKind::For {
                init,
                cond,
                step,
                body,
            } => {
                for e in init {
                    let mark = self.temp_mark();
                    self.expr_discard(e)?;
                    self.reset_temps(mark);
                }
                // The conditions are tested at the bottom, after the step expressions (one
                // jump per iteration instead of two); the loop is entered by jumping there.
                let entry = (!cond.is_empty()).then(|| self.emit_jump(Op::Jmp { target: 0 }));
                let top = self.here();
                self.push_loop(false, None);
                self.nested_block(body)?;
                let cont = self.here();
                self.line = line;
                for e in step {
                    let mark = self.temp_mark();
                    self.expr_discard(e)?;
                    self.reset_temps(mark);
                }
                self.line = line;
                if let Some(entry) = entry {
                    self.patch_here(entry);
                }
                let mut jt = Vec::new();
                if cond.is_empty() {
                    jt.push(self.emit_jump(Op::Jmp { target: 0 }));
                }
                for (i, c) in cond.iter().enumerate() {
                    let mark = self.temp_mark();
                    if i + 1 == cond.len() {
                        jt = self.cond_jump_true(c)?;
                    } else {
                        self.expr_discard(c)?;
                    }
                    self.reset_temps(mark);
                }
                for j in jt {
                    self.patch_jump(j, top);
                }
                let end = self.here();
                self.pop_loop(cont, end);
                Ok(())
            }
            StmtKind::Foreach {
                subject,
                key,
                value,
                by_ref,
                body,
            } => self.foreach(subject, key.as_ref(), value, *by_ref, body, line),
            StmtKind::Switch { subject, cases } => self.switch(subject, cases, line),
            StmtKind::Break(n) => self.break_continue(*n, false, line),
            StmtKind::Continue(n) => self.break_continue(*n, true, line),
            StmtKind::Return(e) => self.return_stmt(e.as_ref(), line),
            StmtKind::Global(names) => {
                for n in names {
                    if n == b"this" {
                        return err("Cannot use $this as global variable", line);
                    }
                    if is_superglobal(n) {
                        continue;
                    }
                    let slot = self.local(n);
                    let name = self.str_const(n);
                    self.emit(Op::BindGlobal { slot, name });
                }
                Ok(())
            }
            StmtKind::Static(items) => {
                for (n, init) in items {
                    if n == b"this" {
                        return err("Cannot use $this as static variable", line);
                    }
                    let slot = self.local(n);
                    let idx = self.n_statics;
                    self.n_statics += 1;
                    match init {
                        None => {
                            self.emit(Op::BindStatic {
                                slot,
                                idx,
                                init: None,
                            });
                        }
                        Some(e) => match self.literal_value(e) {
                            Some(v) => {
                                let c = self.constant(v);
                                self.emit(Op::BindStatic {
                                    slot,
                                    idx,
                                    init: Some(c),
                                });
                            }
                            None => {
                                let j = self.emit_jump(Op::JmpStaticInit { idx, target: 0 });
                                let mark = self.temp_mark();
                                let v = self.expr(e)?;
                                self.emit(Op::BindStatic {
                                    slot,
                                    idx,
                                    init: Some(v),
                                });
                                self.reset_temps(mark);
                                let jend = self.emit_jump(Op::Jmp { target: 0 });
                                self.patch_here(j);
                                self.emit(Op::BindStatic {
                                    slot,
                                    idx,
                                    init: None,
                                });
                                self.patch_here(jend);
                            }
                        },
                    }
                }
                Ok(())
            }
            StmtKind::Unset(items) => {
                for e in items {
                    let mark = self.temp_mark();
                    self.unset(e)?;
                    self.reset_temps(mark);
                }
                Ok(())
            }
            StmtKind::Block(b) => self.block(b),
            StmtKind::FunctionDecl(decl) => self.function_decl(decl, line),
            StmtKind::ClassDecl(decl) => self.class_decl(decl, line),
            StmtKind::Try {
                body,
                catches,
                finally,
            } => self.try_stmt(body, catches, finally.as_ref(), line),
            StmtKind::Goto(name) => {
                let j = if self.finally_depth > 0 {
                    self.emit_jump(Op::JmpThroughFinally { target: 0 })
                } else {
                    self.emit_jump(Op::Jmp { target: 0 })
                };
                self.gotos
                    .push((j, name.clone(), line, self.fin_bodies.clone()));
                Ok(())
            }
            StmtKind::Label(name) => {
                if self.labels.contains_key(name) {
                    return err(
                        format!("Label '{}' already defined", String::from_utf8_lossy(name)),
                        line,
                    );
                }
                let h = self.here();
                self.labels
                    .insert(name.clone(), (h, self.fin_bodies.clone()));
                Ok(())
            }
            StmtKind::Namespace { name, body } => {
                self.unit.ns = name.clone().unwrap_or_default();
                self.unit.use_class.clear();
                self.unit.use_function.clear();
                self.unit.use_const.clear();
                if let Some(b) = body {
                    self.block(b)?;
                    self.unit.ns.clear();
                    self.unit.use_class.clear();
                    self.unit.use_function.clear();
                    self.unit.use_const.clear();
                }
                Ok(())
            }
            StmtKind::Use { kind, items } => {
                for it in items {
                    let k = if *kind == UseKind::Class {
                        it.kind
                    } else {
                        *kind
                    };
                    let alias = it
                        .alias
                        .clone()
                        .unwrap_or_else(|| super::last_segment(&it.name).to_vec());
                    match k {
                        UseKind::Class => {
                            self.unit
                                .use_class
                                .insert(alias.to_ascii_lowercase(), it.name.clone());
                        }
                        UseKind::Function => {
                            self.unit
                                .use_function
                                .insert(alias.to_ascii_lowercase(), it.name.clone());
                        }
                        UseKind::Const => {
                            self.unit.use_const.insert(alias, it.name.clone());
                        }
                    }
                }
                Ok(())
            }
            StmtKind::Const(items) => {
                for (n, e) in items {
                    let mark = self.temp_mark();
                    let val = self.expr(e)?;
                    let full = self.unit.prefixed(n);
                    let name = self.str_const(&full);
                    self.line = line;
                    self.emit(Op::DeclareConst { name, val });
                    self.reset_temps(mark);
                }
                Ok(())
            }
            StmtKind::Declare { directives, body } => {
                for (name, value) in directives {
                    if !name.eq_ignore_ascii_case(b"strict_types") {
                        continue;
                    }
                    if !self.unit.leading_declares.contains(&(s as *const Stmt)) {
                        return err(
                            "strict_types declaration must be the very first statement in the script",
                            s.line,
                        );
                    }
                    if body.is_some() {
                        return err("strict_types declaration must not use block mode", s.line);
                    }
                    if !matches!(value.kind, ExprKind::Int(0 | 1)) {
                        return err(
                            "strict_types declaration must have 0 or 1 as its value",
                            s.line,
                        );
                    }
                }
                match body {
                    Some(b) => self.block(b),
                    None => Ok(()),
                }
            }
            StmtKind::HaltCompiler | StmtKind::Nop => Ok(()),
        }
    }

    fn unset(&mut self, e: &Expr) -> R<()> {
        match &e.kind {
            ExprKind::Var(n) if n == b"this" => err("Cannot unset $this", e.line),
            ExprKind::Var(n) if !is_superglobal(n) => {
                let slot = self.local(n);
                self.emit(Op::UnsetLocal { slot });
                Ok(())
            }
            _ if is_lvalue(e) => {
                if matches!(&e.kind, ExprKind::Prop { nullsafe: true, .. }) {
                    return err("Can't use nullsafe operator in write context", e.line);
                }
                let path = self.write_path(e)?;
                self.emit(Op::PathOp {
                    path,
                    action: PathAction::Unset,
                    val: None,
                    dst: None,
                });
                Ok(())
            }
            _ => err("Cannot use temporary expression in write context", e.line),
        }
    }

    fn return_stmt(&mut self, e: Option<&Expr>, line: u32) -> R<()> {
        self.check_return(e, line)?;
        let Some(e) = e else {
            self.emit(Op::Return { val: None });
            return Ok(());
        };
        let referenceable = is_lvalue(e) && !matches!(&e.kind, ExprKind::Var(n) if n == b"this");
        if self.by_ref_return && referenceable && !self.is_generator {
            let r = self.get_ref(e)?;
            self.line = line;
            self.emit(Op::ReturnRef {
                val: Operand::slot(r),
            });
            return Ok(());
        }
        if self.by_ref_return && !self.is_generator {
            // Not a variable: ReturnRef passes a call's returned reference through and
            // wraps anything else (with PHP's notice).
            let t = self.expr_temp(e)?;
            self.line = line;
            if self.has_return_type {
                self.emit(Op::VerifyReturn { val: t });
            }
            self.emit(Op::ReturnRef {
                val: Operand::slot(t),
            });
        } else if self.has_return_type && !self.is_generator {
            let t = self.expr_temp(e)?;
            self.line = line;
            self.emit(Op::VerifyReturn { val: t });
            self.emit(Op::Return {
                val: Some(Operand::slot(t)),
            });
        } else {
            let v = self.expr(e)?;
            self.line = line;
            self.emit(Op::Return { val: Some(v) });
        }
        Ok(())
    }

    /// PHP's compile-time rules for `return` against the declared return type.
    fn check_return(&self, e: Option<&Expr>, line: u32) -> R<()> {
        let Some(t) = &self.return_type else {
            return Ok(());
        };
        if self.is_generator {
            return Ok(());
        }
        if t.has(&SimpleType::Void) {
            if let Some(e) = e {
                let is_null = matches!(&e.kind, ExprKind::Const(q)
                    if matches!(super::const_literal(q), Some(Value::Null)));
                return if is_null {
                    err("A void function must not return a value (did you mean \"return;\" instead of \"return null;\"?)", line)
                } else {
                    err("A void function must not return a value", line)
                };
            }
            return Ok(());
        }
        if t.has(&SimpleType::Never) {
            return err("A never-returning function must not return", line);
        }
        if e.is_none() {
            return if t.allows_null() {
                err("A function with return type must return a value (did you mean \"return null;\" instead of \"return;\"?)", line)
            } else {
                err("A function with return type must return a value", line)
            };
        }
        Ok(())
    }

    fn push_loop(&mut self, is_switch: bool, iter: Option<Slot>) {
        self.loops.push(LoopCtx {
            is_switch,
            breaks: Vec::new(),
            continues: Vec::new(),
            finally_depth: self.finally_depth,
            iter,
            fin_bodies: self.fin_bodies.len(),
        });
    }

    fn pop_loop(&mut self, cont: u32, end: u32) {
        let l = self.loops.pop().expect("loop pushed");
        for j in l.breaks {
            self.patch_jump(j, end);
        }
        for j in l.continues {
            self.patch_jump(j, cont);
        }
    }

    fn break_continue(&mut self, n: u32, is_continue: bool, line: u32) -> R<()> {
        let word = if is_continue { "continue" } else { "break" };
        if n == 0 {
            return err(
                format!("'{word}' operator accepts only positive integers"),
                line,
            );
        }
        if self.loops.is_empty() {
            return err(
                format!("'{word}' not in the 'loop' or 'switch' context"),
                line,
            );
        }
        let n = n as usize;
        if n > self.loops.len() {
            return err(format!("Cannot '{word}' {n} levels"), line);
        }
        let target = self.loops.len() - n;
        if self.fin_bodies.len() > self.loops[target].fin_bodies {
            return err("jump out of a finally block is disallowed", line);
        }
        // `continue` targeting a switch acts like `break` (PHP warns at compile time).
        let as_continue = is_continue && !self.loops[target].is_switch;
        // Iterators of foreach loops left behind are freed first.
        let iters: Vec<Slot> = self.loops[target + 1..]
            .iter()
            .filter_map(|l| l.iter)
            .collect();
        for it in iters.into_iter().rev() {
            self.emit(Op::IterFree { iter: it });
        }
        let through = self.finally_depth > self.loops[target].finally_depth;
        let j = if through {
            self.emit_jump(Op::JmpThroughFinally { target: 0 })
        } else {
            self.emit_jump(Op::Jmp { target: 0 })
        };
        if as_continue {
            self.loops[target].continues.push(j);
        } else {
            self.loops[target].breaks.push(j);
        }
        Ok(())
    }

    fn switch(&mut self, subject: &Expr, cases: &[SwitchCase], line: u32) -> R<()> {
        let subj = self.expr(subject)?;
        let subj = if subj.is_const() || self.is_temp(subj) {
            subj
        } else {
            let t = self.temp();
            self.emit(Op::Move { dst: t, src: subj });
            Operand::slot(t)
        };
        let mut case_jumps = Vec::new();
        for c in cases {
            match &c.cond {
                Some(cond) => {
                    self.line = c.line;
                    let mark = self.temp_mark();
                    let v = self.expr(cond)?;
                    let t = self.temp();
                    self.emit(Op::Binary {
                        op: crate::vm::ast::BinOp::Eq,
                        dst: t,
                        a: subj,
                        b: v,
                    });
                    case_jumps.push(Some(self.emit_jump(Op::JmpIf {
                        cond: Operand::slot(t),
                        target: 0,
                    })));
                    self.reset_temps(mark);
                }
                None => case_jumps.push(None),
            }
        }
        self.line = line;
        let to_default = self.emit_jump(Op::Jmp { target: 0 });
        let mut default_found = false;
        self.push_loop(true, None);
        for (c, j) in cases.iter().zip(case_jumps) {
            match j {
                Some(j) => self.patch_here(j),
                None => {
                    default_found = true;
                    self.patch_here(to_default);
                }
            }
            self.nested_block(&c.body)?;
        }
        let end = self.here();
        if !default_found {
            self.patch_jump(to_default, end);
        }
        self.pop_loop(end, end);
        Ok(())
    }

    fn foreach(
        &mut self,
        subject: &Expr,
        key: Option<&Expr>,
        value: &Expr,
        by_ref: bool,
        body: &Block,
        line: u32,
    ) -> R<()> {
        if matches!(&value.kind, ExprKind::Var(n) if n == b"this") {
            return err("Cannot re-assign $this", value.line);
        }
        if let Some(k) = key {
            if matches!(&k.kind, ExprKind::Var(n) if n == b"this") {
                return err("Cannot re-assign $this", k.line);
            }
            if matches!(k.kind, ExprKind::Array(_) | ExprKind::List(_)) {
                return err("Cannot use list as key element", k.line);
            }
        }
        if by_ref && key.is_some() && matches!(value.kind, ExprKind::Array(_) | ExprKind::List(_)) {
            // Allowed by PHP only with by-ref items inside the pattern; keep simple.
        }
        let subject_ref = by_ref
            && is_lvalue(subject)
            && !matches!(&subject.kind, ExprKind::Var(n) if n == b"this");
        let (subj, by_ref_path) = if subject_ref {
            let p = self.write_path(subject)?;
            (self.constant(Value::Null), Some(p))
        } else {
            (self.expr(subject)?, None)
        };
        let iter = self.temp();
        self.line = line;
        let init = self.emit_jump(Op::IterInit {
            iter,
            subject: subj,
            by_ref_path,
            end: 0,
        });
        let local_of = |fc: &mut Self, e: &Expr| match &e.kind {
            ExprKind::Var(n) if !is_superglobal(n) => Some(fc.local(n)),
            _ => None,
        };
        let val_local = local_of(self, value);
        let key_local = key.and_then(|k| local_of(self, k));
        let val_slot = match val_local {
            Some(s) => s,
            None => self.temp(),
        };
        let key_slot = match (key, key_local) {
            (None, _) => None,
            (Some(_), Some(s)) => Some(s),
            (Some(_), None) => Some(self.temp()),
        };
        let head = self.here();
        let next = self.emit_jump(Op::IterNext {
            iter,
            val: Some(val_slot),
            key: key_slot,
            by_ref,
            end: 0,
        });
        if let (Some(k), None, Some(ks)) = (key, key_local, key_slot) {
            self.assign_from(k, Operand::slot(ks))?;
        }
        if val_local.is_none() {
            if by_ref {
                if matches!(value.kind, ExprKind::Array(_) | ExprKind::List(_)) {
                    self.destructure(value, Operand::slot(val_slot), None)?;
                } else {
                    self.bind_ref(value, Operand::slot(val_slot))?;
                }
            } else {
                self.destructure(value, Operand::slot(val_slot), None)?;
            }
        }
        self.push_loop(false, Some(iter));
        self.nested_block(body)?;
        self.line = line;
        self.emit(Op::Jmp { target: head });
        let end = self.here();
        self.patch_jump(init, end);
        self.patch_jump(next, end);
        self.emit(Op::IterFree { iter });
        self.pop_loop(head, end);
        Ok(())
    }

    fn try_stmt(
        &mut self,
        body: &Block,
        catches: &[crate::vm::ast::Catch],
        finally: Option<&Block>,
        line: u32,
    ) -> R<()> {
        let region = self.tries.len();
        self.tries.push(TryRegion {
            start: 0,
            end: 0,
            catches: Vec::new(),
            finally: None,
            after: 0,
        });
        self.emit(Op::TryMarker);
        let start = self.here();
        if finally.is_some() {
            self.finally_depth += 1;
        }
        self.nested_block(body)?;
        let end = self.here();
        self.line = line;
        let mut exits = vec![self.emit_jump(Op::Jmp { target: 0 })];
        let mut handlers = Vec::new();
        for c in catches {
            let label = self.here();
            self.line = c.line;
            let dst = match &c.var {
                Some(v) if v == b"this" => return err("Cannot re-assign $this", c.line),
                Some(v) => Some(self.local(v)),
                None => None,
            };
            self.emit(Op::Catch { dst });
            let names: Vec<PhpStr> = c
                .types
                .iter()
                .map(|q| PhpStr::from(self.unit.resolve_class(q).to_ascii_lowercase()))
                .collect();
            handlers.push((names, label));
            self.nested_block(&c.body)?;
            exits.push(self.emit_jump(Op::Jmp { target: 0 }));
        }
        let fin = match finally {
            Some(f) => {
                self.finally_depth -= 1;
                let l = self.here();
                self.fin_bodies.push(self.next_fin);
                self.next_fin += 1;
                let compiled = self.nested_block(f);
                self.fin_bodies.pop();
                compiled?;
                self.emit(Op::EndFinally);
                Some(l)
            }
            None => None,
        };
        let after = self.here();
        for j in exits {
            self.patch_jump(j, fin.unwrap_or(after));
        }
        self.tries[region] = TryRegion {
            start,
            end,
            catches: handlers,
            finally: fin,
            after,
        };
        Ok(())
    }
}
