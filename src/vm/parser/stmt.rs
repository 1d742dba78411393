//! Statement and declaration parsing: control flow (both brace and alternative `:` ...
//! `endif;` syntax), functions, classes, interfaces, traits, enums, namespaces and `use`.
//!
//! Attributes (`#[...]`) are parsed for syntax and dropped: the AST has no place for them
//! and the engine does not implement reflection on them.

use std::rc::Rc;

use super::super::ast::*;
use super::super::token::{Kw, Op, Tok};
use super::Parser;
use crate::vm::error::ParseError;

type PResult<T> = Result<T, ParseError>;

/// Where a statement list stops.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The file level: `namespace`, `use`, `const`, `__halt_compiler` are allowed.
    Top,
    /// Inside braces or an alternative-syntax body.
    Inner,
}

impl Parser<'_> {
    pub(super) fn parse_top_statements(&mut self) -> PResult<Vec<Stmt>> {
        let mut stmts = Vec::new();
        while !matches!(self.peek(), Tok::Eof) {
            if let Tok::Error(_) = self.peek() {
                return Err(self.unexpected());
            }
            let stmt = self.parse_statement(Scope::Top)?;
            let halt = matches!(stmt.kind, StmtKind::HaltCompiler);
            stmts.push(stmt);
            if halt {
                break;
            }
        }
        Ok(stmts)
    }

    /// Statements until one of the given terminator keywords (not consumed).
    fn parse_inner_until(&mut self, stop: &[Kw]) -> PResult<Vec<Stmt>> {
        let mut stmts = Vec::new();
        loop {
            match self.peek() {
                Tok::Kw(kw) if stop.contains(kw) => return Ok(stmts),
                Tok::Eof | Tok::Error(_) => return Err(self.unexpected()),
                _ => stmts.push(self.parse_statement(Scope::Inner)?),
            }
        }
    }

    /// `{ statements }` (the current token must be `{`).
    fn parse_block(&mut self) -> PResult<Vec<Stmt>> {
        self.expect_op(Op::LBrace)?;
        self.parse_block_rest()
    }

    /// Statements up to and including `}`.
    fn parse_block_rest(&mut self) -> PResult<Vec<Stmt>> {
        let mut stmts = Vec::new();
        while !self.at_op(Op::RBrace) {
            if matches!(self.peek(), Tok::Eof | Tok::Error(_)) {
                return Err(self.unexpected());
            }
            stmts.push(self.parse_statement(Scope::Inner)?);
        }
        self.bump();
        Ok(stmts)
    }

    pub(super) fn parse_fn_body(&mut self) -> PResult<Vec<Stmt>> {
        self.expect_op(Op::LBrace)?;
        self.parse_block_rest()
    }

    /// `;` ending a simple statement (`?>` arrives as `;` too).
    fn end_statement(&mut self) -> PResult<()> {
        self.expect_op_plain(Op::Semi)
    }

    fn parse_statement(&mut self, scope: Scope) -> PResult<Stmt> {
        self.enter()?;
        // Blocks skip the large dispatcher: they are what nests deepest.
        let stmt = if self.at_op(Op::LBrace) {
            self.parse_block_statement()?
        } else {
            self.parse_statement_inner(scope)?
        };
        self.leave();
        Ok(stmt)
    }

    #[inline(never)]
    fn parse_block_statement(&mut self) -> PResult<Stmt> {
        let line = self.bump().line;
        Ok(Stmt {
            kind: StmtKind::Block(self.parse_block_rest()?),
            line,
        })
    }

    #[inline(never)]
    fn parse_statement_inner(&mut self, scope: Scope) -> PResult<Stmt> {
        let line = self.line();
        let kind = match self.peek().clone() {
            Tok::InlineHtml(html) => {
                self.bump();
                StmtKind::InlineHtml(html)
            }
            Tok::Op(Op::LBrace) => {
                self.bump();
                StmtKind::Block(self.parse_block_rest()?)
            }
            Tok::Op(Op::Semi) => {
                self.bump();
                StmtKind::Nop
            }
            Tok::Op(Op::Attribute) => {
                let attributes = self.parse_attributes()?;
                return self.parse_attributed_decl(scope, line, attributes);
            }
            Tok::Kw(Kw::If) => self.parse_if()?,
            Tok::Kw(Kw::While) => {
                self.bump();
                let cond = self.parse_paren_cond()?;
                let body = if self.eat_op(Op::Colon) {
                    let body = self.parse_inner_until(&[Kw::Endwhile])?;
                    self.bump();
                    self.end_statement()?;
                    body
                } else {
                    self.parse_body_statement()?
                };
                StmtKind::While { cond, body }
            }
            Tok::Kw(Kw::Do) => {
                self.bump();
                let body = self.parse_body_statement()?;
                if !self.eat_kw(Kw::While) {
                    return Err(self.expecting("\"while\""));
                }
                let cond = self.parse_paren_cond()?;
                self.end_statement()?;
                StmtKind::DoWhile { body, cond }
            }
            Tok::Kw(Kw::For) => self.parse_for()?,
            Tok::Kw(Kw::Foreach) => self.parse_foreach()?,
            Tok::Kw(Kw::Switch) => self.parse_switch()?,
            Tok::Kw(kw @ (Kw::Break | Kw::Continue)) => {
                self.bump();
                let mut depth = 1;
                if !self.at_op(Op::Semi) {
                    let expr = self.parse_expr()?;
                    let word = if kw == Kw::Break { "break" } else { "continue" };
                    match expr.kind {
                        ExprKind::Int(n) if n >= 1 => depth = n as u32,
                        ExprKind::Int(_) => {
                            return Err(ParseError {
                                message: format!(
                                    "'{word}' operator accepts only positive integers"
                                ),
                                line,
                                fatal: true,
                            })
                        }
                        _ => {
                            return Err(ParseError {
                                message: format!(
                                "'{word}' operator with non-integer operand is no longer supported"
                            ),
                                line,
                                fatal: true,
                            })
                        }
                    }
                    if !self.at_op(Op::Semi) {
                        return Err(self.expecting("\";\""));
                    }
                }
                self.end_statement()?;
                if kw == Kw::Break {
                    StmtKind::Break(depth)
                } else {
                    StmtKind::Continue(depth)
                }
            }
            Tok::Kw(Kw::Return) => {
                self.bump();
                let value = if self.at_op(Op::Semi) {
                    None
                } else {
                    Some(self.parse_expr()?)
                };
                if !self.eat_op(Op::Semi) {
                    return Err(self.expecting("\";\""));
                }
                StmtKind::Return(value)
            }
            Tok::Kw(Kw::Global) => {
                self.bump();
                let mut names = Vec::new();
                loop {
                    match self.peek().clone() {
                        Tok::Variable(name) => {
                            self.bump();
                            names.push(name);
                        }
                        _ => return Err(self.expecting("variable")),
                    }
                    if !self.eat_op(Op::Comma) {
                        break;
                    }
                }
                if !self.eat_op(Op::Semi) {
                    return Err(self.expecting("\",\" or \";\""));
                }
                StmtKind::Global(names)
            }
            Tok::Kw(Kw::Static) if matches!(self.peek_at(1), Tok::Variable(_)) => {
                self.bump();
                let mut vars = Vec::new();
                loop {
                    let Tok::Variable(name) = self.peek().clone() else {
                        return Err(self.expecting("variable"));
                    };
                    self.bump();
                    let default = if self.eat_op(Op::Assign) {
                        Some(self.parse_expr()?)
                    } else {
                        None
                    };
                    vars.push((name, default));
                    if !self.eat_op(Op::Comma) {
                        break;
                    }
                }
                if !self.eat_op(Op::Semi) {
                    return Err(self.expecting("\",\" or \";\""));
                }
                StmtKind::Static(vars)
            }
            Tok::Kw(Kw::Echo) => {
                self.bump();
                let mut exprs = Vec::new();
                loop {
                    exprs.push(self.parse_expr()?);
                    if !self.eat_op(Op::Comma) {
                        break;
                    }
                }
                if !self.eat_op(Op::Semi) {
                    return Err(self.expecting("\",\" or \";\""));
                }
                StmtKind::Echo(exprs)
            }
            Tok::Kw(Kw::Unset) => {
                self.bump();
                self.expect_op(Op::LParen)?;
                let mut exprs = Vec::new();
                while !self.at_op(Op::RParen) {
                    exprs.push(self.parse_expr()?);
                    if !self.eat_op(Op::Comma) {
                        break;
                    }
                }
                self.expect_op(Op::RParen)?;
                if !self.eat_op(Op::Semi) {
                    return Err(self.expecting("\";\""));
                }
                StmtKind::Unset(exprs)
            }
            Tok::Kw(Kw::Try) => self.parse_try()?,
            Tok::Kw(Kw::Goto) => {
                self.bump();
                let Some(name) = self.ident() else {
                    return Err(self.expecting("identifier"));
                };
                if !self.eat_op(Op::Semi) {
                    return Err(self.expecting("\";\""));
                }
                StmtKind::Goto(name)
            }
            Tok::Ident(name) if self.peek_at(1).is_op(Op::Colon) => {
                self.bump();
                self.bump();
                StmtKind::Label(name)
            }
            Tok::Kw(Kw::Declare) => self.parse_declare()?,
            Tok::Kw(Kw::Function)
                if matches!(self.peek_at(1), Tok::Ident(_) | Tok::Kw(Kw::Readonly))
                    || (self.peek_at(1).is_op(Op::Amp)
                        && matches!(self.peek_at(2), Tok::Ident(_) | Tok::Kw(Kw::Readonly))) =>
            {
                StmtKind::FunctionDecl(Rc::new(self.parse_function_decl()?))
            }
            Tok::Kw(Kw::Abstract | Kw::Final | Kw::Readonly | Kw::Class)
                if self.is_class_decl_start() =>
            {
                StmtKind::ClassDecl(Rc::new(self.parse_class_decl()?))
            }
            Tok::Kw(Kw::Interface | Kw::Trait | Kw::Enum) => {
                StmtKind::ClassDecl(Rc::new(self.parse_class_decl()?))
            }
            Tok::Kw(Kw::HaltCompiler) => {
                if scope != Scope::Top {
                    return Err(self.error_here(
                        "__HALT_COMPILER() can only be used from the outermost scope",
                    ));
                }
                self.bump();
                self.expect_op(Op::LParen)?;
                self.expect_op(Op::RParen)?;
                if !self.eat_op(Op::Semi) {
                    return Err(self.expecting("\";\""));
                }
                StmtKind::HaltCompiler
            }
            Tok::Kw(Kw::Namespace) if scope == Scope::Top => self.parse_namespace()?,
            Tok::Kw(Kw::Use) if scope == Scope::Top => self.parse_use()?,
            Tok::Kw(Kw::Const) if scope == Scope::Top => {
                self.bump();
                let mut items = Vec::new();
                loop {
                    let Some(name) = self.ident() else {
                        return Err(self.expecting("identifier"));
                    };
                    self.expect_op(Op::Assign)?;
                    items.push((name, self.parse_expr()?));
                    if !self.eat_op(Op::Comma) {
                        break;
                    }
                }
                if !self.eat_op(Op::Semi) {
                    return Err(self.expecting("\",\" or \";\""));
                }
                StmtKind::Const(items)
            }
            _ => {
                let expr = self.parse_expr()?;
                self.end_statement()?;
                StmtKind::Expr(expr)
            }
        };
        Ok(Stmt { kind, line })
    }

    /// After attributes at statement level: a function, class or closure expression.
    fn parse_attributed_decl(
        &mut self,
        scope: Scope,
        line: u32,
        attributes: Vec<QName>,
    ) -> PResult<Stmt> {
        match self.peek() {
            Tok::Kw(Kw::Function)
                if matches!(self.peek_at(1), Tok::Ident(_))
                    || self.peek_at(1).is_op(Op::Amp)
                        && matches!(self.peek_at(2), Tok::Ident(_)) =>
            {
                let decl = self.parse_function_decl()?;
                Ok(Stmt {
                    kind: StmtKind::FunctionDecl(Rc::new(decl)),
                    line,
                })
            }
            Tok::Kw(
                Kw::Abstract
                | Kw::Final
                | Kw::Readonly
                | Kw::Class
                | Kw::Interface
                | Kw::Trait
                | Kw::Enum,
            ) => {
                let mut decl = self.parse_class_decl()?;
                decl.attributes = attributes;
                Ok(Stmt {
                    kind: StmtKind::ClassDecl(Rc::new(decl)),
                    line,
                })
            }
            Tok::Kw(Kw::Function | Kw::Fn | Kw::Static) => {
                let expr = self.parse_expr()?;
                self.end_statement()?;
                Ok(Stmt {
                    kind: StmtKind::Expr(expr),
                    line,
                })
            }
            _ => {
                let _ = scope;
                Err(self.unexpected())
            }
        }
    }

    /// `#[A, B(1)] #[C]`: parsed and dropped.
    pub(super) fn skip_attributes(&mut self) -> PResult<()> {
        self.parse_attributes().map(drop)
    }

    /// `#[A, B(1)] #[C]`: the attribute names (their arguments are parsed and dropped).
    pub(super) fn parse_attributes(&mut self) -> PResult<Vec<QName>> {
        let mut names = Vec::new();
        while self.eat_op(Op::Attribute) {
            loop {
                match self.name() {
                    Some(n) => names.push(n),
                    None => return Err(self.expecting("identifier")),
                }
                if self.eat_op(Op::LParen) {
                    self.parse_args_after_paren()?;
                }
                if !self.eat_op(Op::Comma) || self.at_op(Op::RBracket) {
                    break;
                }
            }
            self.expect_op(Op::RBracket)?;
        }
        Ok(names)
    }

    fn parse_paren_cond(&mut self) -> PResult<Expr> {
        self.expect_op(Op::LParen)?;
        let cond = self.parse_expr()?;
        self.expect_op_plain(Op::RParen)?;
        Ok(cond)
    }

    /// A loop or `if` body in brace syntax: one statement (a block's statements are
    /// unwrapped).
    fn parse_body_statement(&mut self) -> PResult<Vec<Stmt>> {
        let stmt = self.parse_statement(Scope::Inner)?;
        Ok(match stmt.kind {
            StmtKind::Block(stmts) => stmts,
            _ => vec![stmt],
        })
    }

    fn parse_if(&mut self) -> PResult<StmtKind> {
        self.bump();
        let cond = self.parse_paren_cond()?;
        if self.eat_op(Op::Colon) {
            let then = self.parse_inner_until(&[Kw::Elseif, Kw::Else, Kw::Endif])?;
            let mut elseifs = Vec::new();
            let mut else_ = None;
            loop {
                if self.eat_kw(Kw::Elseif) {
                    let cond = self.parse_paren_cond()?;
                    self.expect_op(Op::Colon)?;
                    let body = self.parse_inner_until(&[Kw::Elseif, Kw::Else, Kw::Endif])?;
                    elseifs.push((cond, body));
                } else if self.eat_kw(Kw::Else) {
                    self.expect_op(Op::Colon)?;
                    else_ = Some(self.parse_inner_until(&[Kw::Endif])?);
                } else {
                    break;
                }
            }
            if !self.eat_kw(Kw::Endif) {
                return Err(self.expecting("\"endif\""));
            }
            self.end_statement()?;
            return Ok(StmtKind::If {
                cond,
                then,
                elseifs,
                else_,
            });
        }
        let then = self.parse_body_statement()?;
        let mut elseifs = Vec::new();
        let mut else_ = None;
        loop {
            if self.at_kw(Kw::Elseif) {
                self.bump();
                let cond = self.parse_paren_cond()?;
                elseifs.push((cond, self.parse_body_statement()?));
            } else if self.at_kw(Kw::Else) {
                self.bump();
                else_ = Some(self.parse_body_statement()?);
                break;
            } else {
                break;
            }
        }
        Ok(StmtKind::If {
            cond,
            then,
            elseifs,
            else_,
        })
    }

    /// A comma-separated expression list in `for (...)`, ending before `end`.
    fn parse_for_exprs(&mut self, end: Op) -> PResult<Vec<Expr>> {
        let mut exprs = Vec::new();
        if self.at_op(end) {
            self.bump();
            return Ok(exprs);
        }
        loop {
            exprs.push(self.parse_expr()?);
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        self.expect_op(end)?;
        Ok(exprs)
    }

    fn parse_for(&mut self) -> PResult<StmtKind> {
        self.bump();
        self.expect_op(Op::LParen)?;
        let init = self.parse_for_exprs(Op::Semi)?;
        let cond = self.parse_for_exprs(Op::Semi)?;
        let step = self.parse_for_exprs(Op::RParen)?;
        let body = if self.eat_op(Op::Colon) {
            let body = self.parse_inner_until(&[Kw::Endfor])?;
            self.bump();
            self.end_statement()?;
            body
        } else {
            self.parse_body_statement()?
        };
        Ok(StmtKind::For {
            init,
            cond,
            step,
            body,
        })
    }

    /// A foreach key or value target: `$v`, `&$v`, `list(...)`, `[...]`.
    fn parse_foreach_target(&mut self) -> PResult<(Expr, bool)> {
        if self.eat_op(Op::Amp) {
            return Ok((self.parse_expr()?, true));
        }
        if self.at_kw(Kw::List) {
            return Ok((self.parse_list_pattern()?, false));
        }
        Ok((self.parse_expr()?, false))
    }

    fn parse_foreach(&mut self) -> PResult<StmtKind> {
        self.bump();
        self.expect_op(Op::LParen)?;
        let subject = self.parse_expr()?;
        if !self.eat_kw(Kw::As) {
            return Err(self.unexpected());
        }
        let (first, first_ref) = self.parse_foreach_target()?;
        let (key, value, by_ref) = if !first_ref && self.eat_op(Op::DoubleArrow) {
            let (value, by_ref) = self.parse_foreach_target()?;
            (Some(first), value, by_ref)
        } else {
            (None, first, first_ref)
        };
        self.expect_op(Op::RParen)?;
        let body = if self.eat_op(Op::Colon) {
            let body = self.parse_inner_until(&[Kw::Endforeach])?;
            self.bump();
            self.end_statement()?;
            body
        } else {
            self.parse_body_statement()?
        };
        Ok(StmtKind::Foreach {
            subject,
            key,
            value,
            by_ref,
            body,
        })
    }

    fn parse_switch(&mut self) -> PResult<StmtKind> {
        self.bump();
        let subject = self.parse_paren_cond()?;
        let alt = if self.eat_op(Op::Colon) {
            true
        } else {
            self.expect_op(Op::LBrace)?;
            false
        };
        self.eat_op(Op::Semi);
        let mut cases = Vec::new();
        loop {
            let line = self.line();
            let cond = if self.eat_kw(Kw::Case) {
                Some(self.parse_expr()?)
            } else if self.eat_kw(Kw::Default) {
                None
            } else {
                break;
            };
            if !self.eat_op(Op::Colon) && !self.eat_op(Op::Semi) {
                return Err(self.expecting("\":\" or \";\""));
            }
            let mut body = Vec::new();
            loop {
                match self.peek() {
                    Tok::Kw(Kw::Case | Kw::Default | Kw::Endswitch) | Tok::Op(Op::RBrace) => break,
                    Tok::Eof | Tok::Error(_) => return Err(self.unexpected()),
                    _ => body.push(self.parse_statement(Scope::Inner)?),
                }
            }
            cases.push(SwitchCase { cond, body, line });
        }
        if alt {
            if !self.eat_kw(Kw::Endswitch) {
                return Err(self.unexpected());
            }
            self.end_statement()?;
        } else {
            self.expect_op_plain(Op::RBrace)?;
        }
        Ok(StmtKind::Switch { subject, cases })
    }

    fn parse_try(&mut self) -> PResult<StmtKind> {
        self.bump();
        let body = self.parse_block()?;
        let mut catches = Vec::new();
        let mut finally = None;
        loop {
            let line = self.line();
            if self.eat_kw(Kw::Catch) {
                self.expect_op(Op::LParen)?;
                let mut types = Vec::new();
                loop {
                    if self.at_kw(Kw::Static) {
                        return Err(self.fatal_here("Bad class name in the catch statement"));
                    }
                    match self.name() {
                        Some(name) => types.push(name),
                        None => return Err(self.unexpected()),
                    }
                    if !self.eat_op(Op::Pipe) {
                        break;
                    }
                }
                let var = match self.peek().clone() {
                    Tok::Variable(name) => {
                        self.bump();
                        Some(name)
                    }
                    _ => None,
                };
                self.expect_op(Op::RParen)?;
                let body = self.parse_block()?;
                catches.push(Catch {
                    types,
                    var,
                    body,
                    line,
                });
            } else if self.eat_kw(Kw::Finally) {
                finally = Some(self.parse_block()?);
                break;
            } else {
                break;
            }
        }
        if catches.is_empty() && finally.is_none() {
            return Err(self.fatal_here("Cannot use try without catch or finally"));
        }
        Ok(StmtKind::Try {
            body,
            catches,
            finally,
        })
    }

    fn parse_declare(&mut self) -> PResult<StmtKind> {
        self.bump();
        self.expect_op(Op::LParen)?;
        let mut directives = Vec::new();
        loop {
            let Some(name) = self.ident() else {
                return Err(self.expecting("identifier"));
            };
            self.expect_op(Op::Assign)?;
            directives.push((name, self.parse_expr()?));
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        self.expect_op(Op::RParen)?;
        let body = if self.eat_op(Op::Semi) {
            None
        } else if self.eat_op(Op::Colon) {
            let body = self.parse_inner_until(&[Kw::Enddeclare])?;
            self.bump();
            self.end_statement()?;
            Some(body)
        } else {
            Some(self.parse_body_statement()?)
        };
        Ok(StmtKind::Declare { directives, body })
    }

    fn parse_namespace(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = match self.peek().clone() {
            Tok::Ident(n) | Tok::NameQualified(n) => {
                self.bump();
                Some(n)
            }
            _ => None,
        };
        if self.at_op(Op::LBrace) {
            self.bump();
            let mut body = Vec::new();
            while !self.at_op(Op::RBrace) {
                if matches!(self.peek(), Tok::Eof | Tok::Error(_)) {
                    return Err(self.unexpected());
                }
                body.push(self.parse_statement(Scope::Top)?);
            }
            self.bump();
            return Ok(StmtKind::Namespace {
                name,
                body: Some(body),
            });
        }
        if name.is_none() {
            return Err(self.expecting("\"{\""));
        }
        if !self.eat_op(Op::Semi) {
            return Err(self.expecting("\"{\" or \";\""));
        }
        Ok(StmtKind::Namespace { name, body: None })
    }

    fn parse_use(&mut self) -> PResult<StmtKind> {
        self.bump();
        let kind = if self.eat_kw(Kw::Function) {
            UseKind::Function
        } else if self.eat_kw(Kw::Const) {
            UseKind::Const
        } else {
            UseKind::Class
        };
        let mut items = Vec::new();
        loop {
            let prefix = match self.peek().clone() {
                Tok::Ident(n) | Tok::NameQualified(n) | Tok::NameFullyQualified(n) => {
                    self.bump();
                    n
                }
                _ => return Err(self.unexpected()),
            };
            if self.at_op(Op::Backslash) && self.peek_at(1).is_op(Op::LBrace) {
                // Group use: `use A\{B, function c, const D as E}`.
                self.bump();
                self.bump();
                loop {
                    if self.at_op(Op::RBrace) {
                        break;
                    }
                    let item_kind = if kind == UseKind::Class && self.eat_kw(Kw::Function) {
                        UseKind::Function
                    } else if kind == UseKind::Class && self.eat_kw(Kw::Const) {
                        UseKind::Const
                    } else {
                        kind
                    };
                    let tail = match self.peek().clone() {
                        Tok::Ident(n) | Tok::NameQualified(n) => {
                            self.bump();
                            n
                        }
                        _ => return Err(self.unexpected()),
                    };
                    let mut name = prefix.clone();
                    name.push(b'\\');
                    name.extend_from_slice(&tail);
                    let alias = self.parse_use_alias()?;
                    items.push(UseItem {
                        name,
                        alias,
                        kind: item_kind,
                    });
                    if !self.eat_op(Op::Comma) {
                        break;
                    }
                }
                self.expect_op(Op::RBrace)?;
            } else {
                let alias = self.parse_use_alias()?;
                items.push(UseItem {
                    name: prefix,
                    alias,
                    kind,
                });
            }
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        for it in &items {
            if it.kind != UseKind::Class {
                continue;
            }
            let alias = match &it.alias {
                Some(a) => a.as_slice(),
                None => it.name.rsplit(|&b| b == b'\\').next().unwrap_or(&it.name),
            };
            if is_reserved_class_name(alias) {
                let (n, a) = (
                    String::from_utf8_lossy(&it.name),
                    String::from_utf8_lossy(alias),
                );
                return Err(self.fatal_here(format!(
                    "Cannot use {n} as {a} because '{a}' is a special class name"
                )));
            }
        }
        if !self.eat_op(Op::Semi) {
            return Err(self.expecting("\",\" or \";\""));
        }
        Ok(StmtKind::Use { kind, items })
    }

    fn parse_use_alias(&mut self) -> PResult<Option<Name>> {
        if !self.eat_kw(Kw::As) {
            return Ok(None);
        }
        match self.ident() {
            Some(alias) => Ok(Some(alias)),
            None => Err(self.expecting("identifier")),
        }
    }

    /// `function [&]name(params)[: type] { body }` at statement level.
    fn parse_function_decl(&mut self) -> PResult<FunctionDecl> {
        let line = self.bump().line;
        let by_ref_return = self.eat_op(Op::Amp);
        let name = match self.peek().clone() {
            Tok::Ident(n) => {
                self.bump();
                n
            }
            Tok::Kw(Kw::Readonly) => {
                let n = self.tok_text();
                self.bump();
                n
            }
            _ => return Err(self.expecting("\"(\"")),
        };
        if !self.at_op(Op::LParen) {
            return Err(self.expecting("\"(\""));
        }
        let params = self.parse_params()?;
        let return_type = if self.eat_op(Op::Colon) {
            Some(self.parse_type()?)
        } else {
            None
        };
        let body = self.parse_fn_body()?;
        Ok(FunctionDecl {
            name,
            params,
            by_ref_return,
            return_type,
            body: Some(body),
            uses: Vec::new(),
            is_static: false,
            line,
            end_line: self.prev_end_line(),
        })
    }

    /// `(params)` including the parentheses.
    pub(super) fn parse_params(&mut self) -> PResult<Vec<Param>> {
        self.expect_op(Op::LParen)?;
        let mut params = Vec::new();
        while !self.at_op(Op::RParen) {
            let line = self.line();
            self.skip_attributes()?;
            let mut promote: Option<Modifiers> = None;
            loop {
                let modifier = match self.peek() {
                    Tok::Kw(Kw::Public) => Some(Visibility::Public),
                    Tok::Kw(Kw::Protected) => Some(Visibility::Protected),
                    Tok::Kw(Kw::Private) => Some(Visibility::Private),
                    Tok::Kw(Kw::Readonly) => None,
                    _ => break,
                };
                let is_readonly = self.at_kw(Kw::Readonly);
                self.bump();
                let mods = promote.get_or_insert_with(Modifiers::default);
                if is_readonly {
                    mods.is_readonly = true;
                } else {
                    mods.visibility = modifier;
                }
            }
            let ty = match self.peek() {
                Tok::Variable(_) | Tok::Op(Op::Amp | Op::Ellipsis) => None,
                Tok::Ident(_)
                | Tok::NameQualified(_)
                | Tok::NameFullyQualified(_)
                | Tok::NameRelative(_)
                | Tok::Kw(Kw::Array | Kw::Callable | Kw::Static)
                | Tok::Op(Op::Question | Op::LParen) => Some(self.parse_type()?),
                _ => return Err(self.expecting("variable")),
            };
            let by_ref = self.eat_op(Op::Amp);
            let variadic = self.eat_op(Op::Ellipsis);
            let Tok::Variable(name) = self.peek().clone() else {
                return Err(self.expecting("variable"));
            };
            self.bump();
            let default = if self.eat_op(Op::Assign) {
                Some(self.parse_expr()?)
            } else {
                None
            };
            params.push(Param {
                name,
                ty,
                default,
                by_ref,
                variadic,
                promote,
                line,
            });
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        self.expect_op(Op::RParen)?;
        Ok(params)
    }

    /// A type: `?T`, `A|B`, `A&B`, `(A&B)|null`.
    pub(super) fn parse_type(&mut self) -> PResult<TypeHint> {
        if self.eat_op(Op::Question) {
            let inner = self.parse_single_type()?;
            return Ok(TypeHint::Nullable(Box::new(inner)));
        }
        let first = self.parse_type_atom()?;
        if self.at_op(Op::Pipe) {
            let mut types = vec![first];
            while self.eat_op(Op::Pipe) {
                types.push(self.parse_type_atom()?);
            }
            return Ok(TypeHint::Union(types));
        }
        if self.at_amp_in_type() {
            let mut types = vec![first];
            while self.at_amp_in_type() {
                self.bump();
                types.push(self.parse_single_type()?);
            }
            return Ok(TypeHint::Intersection(types));
        }
        Ok(first)
    }

    /// `&` inside a type, as opposed to a by-reference parameter marker (`A & $x`).
    fn at_amp_in_type(&self) -> bool {
        self.at_op(Op::Amp) && !matches!(self.peek_at(1), Tok::Variable(_) | Tok::Op(Op::Ellipsis))
    }

    /// One member of a union: a name or a parenthesised intersection.
    fn parse_type_atom(&mut self) -> PResult<TypeHint> {
        if self.eat_op(Op::LParen) {
            let mut types = vec![self.parse_single_type()?];
            while self.at_amp_in_type() {
                self.bump();
                types.push(self.parse_single_type()?);
            }
            self.expect_op(Op::RParen)?;
            return Ok(TypeHint::Intersection(types));
        }
        self.parse_single_type()
    }

    fn parse_single_type(&mut self) -> PResult<TypeHint> {
        if let Some(name) = self.name() {
            return Ok(TypeHint::Named(name));
        }
        let word: &[u8] = match self.peek() {
            Tok::Kw(Kw::Array) => b"array",
            Tok::Kw(Kw::Callable) => b"callable",
            Tok::Kw(Kw::Static) => b"static",
            _ => return Err(self.unexpected()),
        };
        let name = word.to_vec();
        self.bump();
        Ok(TypeHint::Named(QName {
            name,
            kind: NameKind::Unqualified,
        }))
    }

    /// Whether `abstract`/`final`/`readonly`/`class` here starts a class declaration
    /// (rather than e.g. `readonly` as an identifier).
    fn is_class_decl_start(&self) -> bool {
        let mut i = 0;
        loop {
            match self.peek_at(i) {
                Tok::Kw(Kw::Abstract | Kw::Final | Kw::Readonly) => i += 1,
                Tok::Kw(Kw::Class) => return true,
                _ => return i > 0,
            }
        }
    }

    /// `[modifiers] class|interface|trait|enum Name ...`.
    fn parse_class_decl(&mut self) -> PResult<ClassDecl> {
        let mut modifiers = Modifiers::default();
        loop {
            // zend_add_class_modifier's checks.
            let (again, word) = match self.peek() {
                Tok::Kw(Kw::Abstract) => (
                    std::mem::replace(&mut modifiers.is_abstract, true),
                    "abstract",
                ),
                Tok::Kw(Kw::Final) => (std::mem::replace(&mut modifiers.is_final, true), "final"),
                Tok::Kw(Kw::Readonly) => (
                    std::mem::replace(&mut modifiers.is_readonly, true),
                    "readonly",
                ),
                _ => break,
            };
            if again {
                return Err(self.fatal_here(format!("Multiple {word} modifiers are not allowed")));
            }
            if modifiers.is_abstract && modifiers.is_final {
                return Err(self.fatal_here("Cannot use the final modifier on an abstract class"));
            }
            self.bump();
        }
        let line = self.line();
        let kind = match self.peek() {
            Tok::Kw(Kw::Class) => ClassKind::Class,
            Tok::Kw(Kw::Interface) => ClassKind::Interface,
            Tok::Kw(Kw::Trait) => ClassKind::Trait,
            Tok::Kw(Kw::Enum) => ClassKind::Enum,
            _ => return Err(self.unexpected()),
        };
        self.bump();
        let name = match self.peek().clone() {
            Tok::Ident(n) => {
                if is_reserved_class_name(&n) {
                    return Err(self.fatal_here(format!(
                        "Cannot use '{}' as class name as it is reserved",
                        String::from_utf8_lossy(&n)
                    )));
                }
                self.bump();
                n
            }
            Tok::Kw(Kw::Enum | Kw::Readonly) => {
                let n = self.tok_text();
                self.bump();
                n
            }
            _ => return Err(self.expecting("identifier")),
        };
        self.parse_class_rest(Some(name), kind, modifiers, line)
    }

    /// From `extends`/`implements` to the closing `}` (also used for anonymous classes).
    pub(super) fn parse_class_rest(
        &mut self,
        name: Option<Name>,
        kind: ClassKind,
        modifiers: Modifiers,
        line: u32,
    ) -> PResult<ClassDecl> {
        let mut parent = None;
        let mut interfaces = Vec::new();
        let mut enum_backing = None;
        if kind == ClassKind::Enum && self.eat_op(Op::Colon) {
            enum_backing = Some(self.parse_type()?);
        }
        if self.eat_kw(Kw::Extends) {
            if kind == ClassKind::Interface {
                interfaces = self.parse_name_list()?;
            } else {
                // zend_resolve_const_class_name_reference.
                let special = match self.peek() {
                    Tok::Kw(Kw::Static) => Some("static".to_string()),
                    Tok::Ident(n)
                        if n.eq_ignore_ascii_case(b"self") || n.eq_ignore_ascii_case(b"parent") =>
                    {
                        Some(String::from_utf8_lossy(n).into_owned())
                    }
                    _ => None,
                };
                if let Some(w) = special {
                    return Err(self
                        .fatal_here(format!("Cannot use '{w}' as class name, as it is reserved")));
                }
                parent = Some(self.name().ok_or_else(|| self.unexpected())?);
            }
        }
        if kind != ClassKind::Interface && self.eat_kw(Kw::Implements) {
            interfaces = self.parse_name_list()?;
        }
        self.expect_op(Op::LBrace)?;
        let mut members = Vec::new();
        while !self.at_op(Op::RBrace) {
            if matches!(self.peek(), Tok::Eof | Tok::Error(_)) {
                return Err(self.unexpected());
            }
            self.enter()?;
            members.push(self.parse_member()?);
            self.leave();
        }
        self.bump();
        Ok(ClassDecl {
            name,
            kind,
            modifiers,
            parent,
            interfaces,
            enum_backing,
            members,
            attributes: Vec::new(),
            line,
            end_line: self.prev_end_line(),
        })
    }

    fn parse_name_list(&mut self) -> PResult<Vec<QName>> {
        let mut names = Vec::new();
        loop {
            names.push(self.name().ok_or_else(|| self.expecting("identifier"))?);
            if !self.eat_op(Op::Comma) {
                return Ok(names);
            }
        }
    }

    /// One class member.
    fn parse_member(&mut self) -> PResult<ClassMember> {
        self.skip_attributes()?;
        let line = self.line();
        if self.eat_kw(Kw::Use) {
            return self.parse_trait_use(line);
        }
        if self.eat_kw(Kw::Case) {
            let Some(name) = self.semi_reserved() else {
                return Err(self.expecting("identifier"));
            };
            let value = if self.eat_op(Op::Assign) {
                Some(self.parse_expr()?)
            } else {
                None
            };
            self.end_statement()?;
            return Ok(ClassMember::EnumCase { name, value, line });
        }
        let mut modifiers = Modifiers::default();
        let mut any = false;
        loop {
            // zend_add_member_modifier's checks.
            let (flag, word) = match self.peek() {
                Tok::Kw(Kw::Public | Kw::Protected | Kw::Private) => {
                    let v = match self.peek() {
                        Tok::Kw(Kw::Public) => Visibility::Public,
                        Tok::Kw(Kw::Protected) => Visibility::Protected,
                        _ => Visibility::Private,
                    };
                    (modifiers.visibility.replace(v).is_some(), "access type")
                }
                Tok::Kw(Kw::Static) => {
                    (std::mem::replace(&mut modifiers.is_static, true), "static")
                }
                Tok::Kw(Kw::Abstract) => (
                    std::mem::replace(&mut modifiers.is_abstract, true),
                    "abstract",
                ),
                Tok::Kw(Kw::Final) => (std::mem::replace(&mut modifiers.is_final, true), "final"),
                Tok::Kw(Kw::Readonly) => (
                    std::mem::replace(&mut modifiers.is_readonly, true),
                    "readonly",
                ),
                Tok::Kw(Kw::Var) => (false, ""),
                _ => break,
            };
            if flag {
                return Err(self.fatal_here(format!("Multiple {word} modifiers are not allowed")));
            }
            if modifiers.is_abstract && modifiers.is_final {
                return Err(
                    self.fatal_here("Cannot use the final modifier on an abstract class member")
                );
            }
            any = true;
            self.bump();
        }
        if self.eat_kw(Kw::Const) {
            let mut items = Vec::new();
            loop {
                let name = match self.peek() {
                    Tok::Kw(Kw::Class) => return Err(self.unexpected()),
                    _ => self
                        .semi_reserved()
                        .ok_or_else(|| self.expecting("identifier"))?,
                };
                self.expect_op(Op::Assign)?;
                items.push((name, self.parse_expr()?));
                if !self.eat_op(Op::Comma) {
                    break;
                }
            }
            if !self.eat_op(Op::Semi) {
                return Err(self.expecting("\",\" or \";\""));
            }
            return Ok(ClassMember::Const {
                modifiers,
                items,
                line,
            });
        }
        if self.at_kw(Kw::Function) {
            let fn_line = self.bump().line;
            let by_ref_return = self.eat_op(Op::Amp);
            let Some(name) = self.semi_reserved() else {
                return Err(self.expecting("identifier"));
            };
            if !self.at_op(Op::LParen) {
                return Err(self.expecting("\"(\""));
            }
            let params = self.parse_params()?;
            let return_type = if self.eat_op(Op::Colon) {
                Some(self.parse_type()?)
            } else {
                None
            };
            let body = if self.eat_op(Op::Semi) {
                None
            } else if self.at_op(Op::LBrace) {
                Some(self.parse_fn_body()?)
            } else {
                return Err(self.expecting("\";\" or \"{\""));
            };
            let decl = FunctionDecl {
                name,
                params,
                by_ref_return,
                return_type,
                body,
                uses: Vec::new(),
                is_static: modifiers.is_static,
                line: fn_line,
                end_line: self.prev_end_line(),
            };
            return Ok(ClassMember::Method {
                modifiers,
                decl: Rc::new(decl),
            });
        }
        // A property, possibly typed.
        let ty = if matches!(self.peek(), Tok::Variable(_)) {
            None
        } else {
            if !any {
                return Err(self.expecting("\"function\" or \"const\""));
            }
            Some(self.parse_type()?)
        };
        let mut props = Vec::new();
        loop {
            let Tok::Variable(name) = self.peek().clone() else {
                return Err(self.expecting("variable"));
            };
            self.bump();
            let default = if self.eat_op(Op::Assign) {
                Some(self.parse_expr()?)
            } else {
                None
            };
            props.push((name, default));
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        if !self.eat_op(Op::Semi) {
            return Err(self.expecting("\",\" or \";\""));
        }
        Ok(ClassMember::Property {
            modifiers,
            ty,
            props,
            line,
        })
    }

    /// `use A, B;` or `use A, B { ... }` inside a class.
    fn parse_trait_use(&mut self, line: u32) -> PResult<ClassMember> {
        let traits = self.parse_name_list()?;
        let mut adaptations = Vec::new();
        if self.eat_op(Op::LBrace) {
            while !self.eat_op(Op::RBrace) {
                // `[Trait::]method`
                let (trait_, method) = if self.peek_at(1).is_op(Op::DoubleColon) {
                    let t = self.name().ok_or_else(|| self.unexpected())?;
                    self.bump();
                    let m = self
                        .semi_reserved()
                        .ok_or_else(|| self.expecting("identifier"))?;
                    (Some(t), m)
                } else {
                    let m = self.semi_reserved().ok_or_else(|| self.unexpected())?;
                    (None, m)
                };
                if self.eat_kw(Kw::Insteadof) {
                    let Some(trait_) = trait_ else {
                        return Err(self.unexpected());
                    };
                    let instead_of = self.parse_name_list()?;
                    adaptations.push(TraitAdaptation::Insteadof {
                        trait_,
                        method,
                        instead_of,
                    });
                } else if self.eat_kw(Kw::As) {
                    let visibility = match self.peek() {
                        Tok::Kw(Kw::Public) => Some(Visibility::Public),
                        Tok::Kw(Kw::Protected) => Some(Visibility::Protected),
                        Tok::Kw(Kw::Private) => Some(Visibility::Private),
                        _ => None,
                    };
                    if visibility.is_some() {
                        self.bump();
                    }
                    let alias = if self.at_op(Op::Semi) {
                        None
                    } else {
                        Some(self.semi_reserved().ok_or_else(|| self.unexpected())?)
                    };
                    if visibility.is_none() && alias.is_none() {
                        return Err(self.unexpected());
                    }
                    adaptations.push(TraitAdaptation::Alias {
                        trait_,
                        method,
                        visibility,
                        alias,
                    });
                } else {
                    return Err(self.unexpected());
                }
                self.end_statement()?;
            }
        } else {
            self.end_statement()?;
        }
        Ok(ClassMember::TraitUse {
            traits,
            adaptations,
            line,
        })
    }
}

/// Names a class may not have (`zend_assert_valid_class_name`).
fn is_reserved_class_name(n: &[u8]) -> bool {
    const RESERVED: &[&[u8]] = &[
        b"bool",
        b"false",
        b"float",
        b"int",
        b"null",
        b"parent",
        b"self",
        b"static",
        b"string",
        b"true",
        b"void",
        b"never",
        b"iterable",
        b"object",
        b"mixed",
    ];
    RESERVED.iter().any(|r| n.eq_ignore_ascii_case(r))
}
