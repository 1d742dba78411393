//! Expression parsing: precedence climbing over PHP 8.2's operator table.
//!
//! Binding powers (higher binds tighter), from `zend_language_parser.y`:
//!
//! | level | operators | assoc |
//! |---|---|---|
//! | 0 | `throw`, `include`/`require`, `fn` bodies (prefix) | |
//! | 1 | `or` | left |
//! | 2 | `xor` | left |
//! | 3 | `and` | left |
//! | 4 | `print` (prefix) | |
//! | 5 | `yield` (prefix) | |
//! | 7 | `yield from` (prefix) | |
//! | 8 | `=` `+=` ... `??=` | right |
//! | 9 | `? :` | left |
//! | 10 | `??` | right |
//! | 11..15 | `\|\|` `&&` `\|` `^` `&` | left |
//! | 16 | `==` `!=` `===` `!==` `<=>` | none |
//! | 17 | `<` `<=` `>` `>=` | none |
//! | 18 | `.` | left |
//! | 19 | `<<` `>>` | left |
//! | 20 | `+` `-` | left |
//! | 21 | `*` `/` `%` | left |
//! | 22 | `!` (prefix) | |
//! | 23 | `instanceof` | left |
//! | 24 | `~` casts `@` unary `+`/`-` (prefix) | |
//! | 25 | `**` | right |
//! | 26 | `clone` (prefix) | |
//!
//! Assignment is not in the climbing loop: as in PHP's grammar (`variable '=' expr`), an
//! assignment operator after a variable always starts an assignment, whatever binds to its
//! left, so `!$a = f()` is `!($a = f())` and `$x + $y = 1` is `$x + ($y = 1)`.

use std::rc::Rc;

use super::super::ast::*;
use super::super::token::{Kw, Op, Tok};
use super::Parser;
use crate::vm::error::ParseError;

type PResult<T> = Result<T, ParseError>;

const PREC_PRINT: u8 = 4;
const PREC_YIELD: u8 = 5;
const PREC_YIELD_FROM: u8 = 7;
const PREC_ASSIGN: u8 = 8;
const PREC_TERNARY: u8 = 9;
const PREC_NOT: u8 = 22;
const PREC_INSTANCEOF: u8 = 23;
const PREC_UNARY: u8 = 24;
const PREC_CLONE: u8 = 26;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Assoc {
    Left,
    Right,
    Non,
}

/// What may follow a primary expression, mirroring PHP's `fully_dereferenceable`,
/// `array_object_dereferenceable` (constants) and plain `expr`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Deref {
    /// Nothing: literals, `new`, closures, `isset()`...
    No,
    /// `[...]`, `->`, `?->` but not calls: constants.
    Const,
    /// Everything: variables, calls, `(expr)`, strings, arrays.
    Full,
}

fn binop(tok: &Tok) -> Option<(u8, Assoc, BinOp)> {
    use Assoc::*;
    let info = match tok {
        Tok::Kw(Kw::Or) => (1, Left, BinOp::Or),
        Tok::Kw(Kw::Xor) => (2, Left, BinOp::Xor),
        Tok::Kw(Kw::And) => (3, Left, BinOp::And),
        Tok::Op(op) => match op {
            Op::Coalesce => (10, Right, BinOp::Coalesce),
            Op::BoolOr => (11, Left, BinOp::Or),
            Op::BoolAnd => (12, Left, BinOp::And),
            Op::Pipe => (13, Left, BinOp::BitOr),
            Op::Caret => (14, Left, BinOp::BitXor),
            Op::Amp => (15, Left, BinOp::BitAnd),
            Op::EqEq => (16, Non, BinOp::Eq),
            Op::NotEq => (16, Non, BinOp::NotEq),
            Op::Identical => (16, Non, BinOp::Identical),
            Op::NotIdentical => (16, Non, BinOp::NotIdentical),
            Op::Spaceship => (16, Non, BinOp::Spaceship),
            Op::Lt => (17, Non, BinOp::Lt),
            Op::Le => (17, Non, BinOp::Le),
            Op::Gt => (17, Non, BinOp::Gt),
            Op::Ge => (17, Non, BinOp::Ge),
            Op::Dot => (18, Left, BinOp::Concat),
            Op::Shl => (19, Left, BinOp::Shl),
            Op::Shr => (19, Left, BinOp::Shr),
            Op::Plus => (20, Left, BinOp::Add),
            Op::Minus => (20, Left, BinOp::Sub),
            Op::Star => (21, Left, BinOp::Mul),
            Op::Slash => (21, Left, BinOp::Div),
            Op::Percent => (21, Left, BinOp::Mod),
            Op::Pow => (25, Right, BinOp::Pow),
            _ => return None,
        },
        _ => return None,
    };
    Some(info)
}

/// Compound assignment operators and the binary operator they apply.
fn assign_op(tok: &Tok) -> Option<Option<BinOp>> {
    let Tok::Op(op) = tok else { return None };
    Some(match op {
        Op::Assign => None,
        Op::PlusEq => Some(BinOp::Add),
        Op::MinusEq => Some(BinOp::Sub),
        Op::MulEq => Some(BinOp::Mul),
        Op::DivEq => Some(BinOp::Div),
        Op::ConcatEq => Some(BinOp::Concat),
        Op::ModEq => Some(BinOp::Mod),
        Op::PowEq => Some(BinOp::Pow),
        Op::AndEq => Some(BinOp::BitAnd),
        Op::OrEq => Some(BinOp::BitOr),
        Op::XorEq => Some(BinOp::BitXor),
        Op::ShlEq => Some(BinOp::Shl),
        Op::ShrEq => Some(BinOp::Shr),
        Op::CoalesceEq => Some(BinOp::Coalesce),
        _ => return None,
    })
}

/// Expressions PHP's grammar accepts on the left of `=` (`variable` and destructuring);
/// whether the target is really writable (`f() = 1`) is the compiler's question.
fn is_variable(expr: &Expr) -> bool {
    matches!(
        expr.kind,
        ExprKind::Var(_)
            | ExprKind::VarVar(_)
            | ExprKind::Index { .. }
            | ExprKind::Prop { .. }
            | ExprKind::StaticProp { .. }
            | ExprKind::Call { .. }
            | ExprKind::MethodCall { .. }
            | ExprKind::StaticCall { .. }
    )
}

fn boxed(kind: ExprKind, line: u32) -> Box<Expr> {
    Box::new(Expr { kind, line })
}

impl Parser<'_> {
    /// A full expression.
    pub(super) fn parse_expr(&mut self) -> PResult<Expr> {
        self.parse_bp(0)
    }

    /// Whether the current token can start an expression (decides bare `yield`).
    fn starts_expr(&self) -> bool {
        match self.peek() {
            Tok::Variable(_)
            | Tok::Ident(_)
            | Tok::NameQualified(_)
            | Tok::NameFullyQualified(_)
            | Tok::NameRelative(_)
            | Tok::Int(_)
            | Tok::Float(_)
            | Tok::ConstString(_)
            | Tok::DoubleQuote
            | Tok::Backtick
            | Tok::StartHeredoc => true,
            Tok::Op(op) => matches!(
                op,
                Op::LParen
                    | Op::LBracket
                    | Op::Dollar
                    | Op::Bang
                    | Op::Minus
                    | Op::Plus
                    | Op::Tilde
                    | Op::At
                    | Op::Inc
                    | Op::Dec
                    | Op::Attribute
                    | Op::Amp
            ),
            Tok::Kw(kw) => !matches!(
                kw,
                Kw::As
                    | Kw::And
                    | Kw::Or
                    | Kw::Xor
                    | Kw::Instanceof
                    | Kw::Insteadof
                    | Kw::Else
                    | Kw::Elseif
                    | Kw::Endif
                    | Kw::Endwhile
                    | Kw::Endfor
                    | Kw::Endforeach
                    | Kw::Endswitch
                    | Kw::Enddeclare
                    | Kw::Extends
                    | Kw::Implements
                    | Kw::Case
                    | Kw::Default
                    | Kw::Catch
                    | Kw::Finally
            ),
            _ => false,
        }
    }

    /// Precedence climbing: parses operators binding tighter than `min`.
    pub(super) fn parse_bp(&mut self, min: u8) -> PResult<Expr> {
        self.enter()?;
        let mut lhs = self.parse_unary()?;
        // The level of the last non-associative operator applied at this level, to reject
        // `1 < 2 < 3` as PHP does.
        let mut last_non: Option<u8> = None;
        loop {
            let tok = self.peek();
            if tok.is_op(Op::Question) {
                if PREC_TERNARY <= min {
                    break;
                }
                lhs = self.parse_ternary(lhs)?;
                last_non = None;
                continue;
            }
            if tok.is_kw(Kw::Instanceof) {
                if PREC_INSTANCEOF <= min {
                    break;
                }
                lhs = self.parse_instanceof(lhs)?;
                continue;
            }
            let Some((prec, assoc, op)) = binop(tok) else {
                break;
            };
            if prec <= min {
                break;
            }
            if assoc == Assoc::Non && last_non == Some(prec) {
                return Err(self.unexpected());
            }
            lhs = self.parse_binary_rhs(lhs, prec, assoc, op)?;
            last_non = if assoc == Assoc::Non {
                Some(prec)
            } else {
                None
            };
        }
        self.leave();
        Ok(lhs)
    }

    /// The right operand of a binary operator (the current token) and the node.
    #[inline(never)]
    fn parse_binary_rhs(&mut self, lhs: Expr, prec: u8, assoc: Assoc, op: BinOp) -> PResult<Expr> {
        self.bump();
        let rhs = match assoc {
            Assoc::Right => self.parse_bp(prec - 1)?,
            _ => self.parse_bp(prec)?,
        };
        let line = lhs.line;
        Ok(Expr {
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            line,
        })
    }

    /// `cond ? a : b` and `cond ?: b` after `cond`.
    #[inline(never)]
    fn parse_ternary(&mut self, cond: Expr) -> PResult<Expr> {
        self.bump();
        let line = cond.line;
        let then = if self.eat_op(Op::Colon) {
            None
        } else {
            let then = self.parse_bp(0)?;
            self.expect_op_plain(Op::Colon)?;
            Some(Box::new(then))
        };
        let else_ = self.parse_bp(PREC_TERNARY)?;
        Ok(Expr {
            kind: ExprKind::Ternary {
                cond: Box::new(cond),
                then,
                else_: Box::new(else_),
            },
            line,
        })
    }

    #[inline(never)]
    fn parse_instanceof(&mut self, lhs: Expr) -> PResult<Expr> {
        self.bump();
        let class = self.parse_class_ref(false)?;
        let line = lhs.line;
        Ok(Expr {
            kind: ExprKind::Instanceof {
                expr: Box::new(lhs),
                class,
            },
            line,
        })
    }

    #[inline(never)]
    fn prefix(&mut self, op: UnaryOp, prec: u8) -> PResult<Expr> {
        let line = self.bump().line;
        let expr = self.parse_bp(prec)?;
        Ok(Expr {
            kind: ExprKind::Unary {
                op,
                expr: Box::new(expr),
            },
            line,
        })
    }

    /// Prefix operators, keyword expressions, and a primary with its postfix chain and an
    /// optional assignment.
    ///
    /// Kept small: it sits on every level of expression recursion, and debug builds give
    /// each function a frame as large as all its arms together.
    fn parse_unary(&mut self) -> PResult<Expr> {
        match self.peek() {
            Tok::Variable(_)
            | Tok::Ident(_)
            | Tok::NameQualified(_)
            | Tok::NameFullyQualified(_)
            | Tok::NameRelative(_)
            | Tok::Op(Op::LParen | Op::Dollar)
            | Tok::Int(_)
            | Tok::ConstString(_) => {
                let (base, deref) = self.parse_primary()?;
                let expr = self.parse_postfix(base, deref)?;
                self.finish_variable(expr)
            }
            Tok::Op(Op::Bang) => self.prefix(UnaryOp::Not, PREC_NOT),
            Tok::Op(Op::Minus) => self.prefix(UnaryOp::Neg, PREC_UNARY),
            Tok::Op(Op::LBracket) => self.parse_bracket_expr(),
            _ => self.parse_unary_other(),
        }
    }

    #[inline(never)]
    fn parse_unary_other(&mut self) -> PResult<Expr> {
        let line = self.line();
        let kind = match self.peek().clone() {
            Tok::Op(Op::Bang) => return self.prefix(UnaryOp::Not, PREC_NOT),
            Tok::Op(Op::Minus) => return self.prefix(UnaryOp::Neg, PREC_UNARY),
            Tok::Op(Op::Plus) => return self.prefix(UnaryOp::Plus, PREC_UNARY),
            Tok::Op(Op::Tilde) => return self.prefix(UnaryOp::BitNot, PREC_UNARY),
            Tok::Op(Op::At) => {
                self.bump();
                ExprKind::Silence(Box::new(self.parse_bp(PREC_UNARY)?))
            }
            Tok::Kw(
                kw @ (Kw::IntCast
                | Kw::FloatCast
                | Kw::StringCast
                | Kw::ArrayCast
                | Kw::ObjectCast
                | Kw::BoolCast),
            ) => {
                self.bump();
                let ty = match kw {
                    Kw::IntCast => CastType::Int,
                    Kw::FloatCast => CastType::Float,
                    Kw::StringCast => CastType::String,
                    Kw::ArrayCast => CastType::Array,
                    Kw::ObjectCast => CastType::Object,
                    _ => CastType::Bool,
                };
                ExprKind::Cast {
                    ty,
                    expr: Box::new(self.parse_bp(PREC_UNARY)?),
                }
            }
            Tok::Kw(Kw::UnsetCast) => {
                // PHP reports this as a compile-time fatal error, not a parse error.
                return Err(self.fatal_here("The (unset) cast is no longer supported"));
            }
            Tok::Op(op @ (Op::Inc | Op::Dec)) => {
                self.bump();
                let target = self.parse_postfix_only()?;
                ExprKind::IncDec {
                    prefix: true,
                    inc: op == Op::Inc,
                    target: Box::new(target),
                }
            }
            Tok::Kw(Kw::Clone) => {
                self.bump();
                ExprKind::Clone(Box::new(self.parse_bp(PREC_CLONE)?))
            }
            Tok::Kw(Kw::Print) => {
                self.bump();
                ExprKind::Print(Box::new(self.parse_bp(PREC_PRINT)?))
            }
            Tok::Kw(Kw::Throw) => {
                self.bump();
                ExprKind::Throw(Box::new(self.parse_bp(0)?))
            }
            Tok::Kw(kw @ (Kw::Include | Kw::IncludeOnce | Kw::Require | Kw::RequireOnce)) => {
                self.bump();
                let kind = match kw {
                    Kw::Include => IncludeKind::Include,
                    Kw::IncludeOnce => IncludeKind::IncludeOnce,
                    Kw::Require => IncludeKind::Require,
                    _ => IncludeKind::RequireOnce,
                };
                ExprKind::Include {
                    kind,
                    path: Box::new(self.parse_bp(0)?),
                }
            }
            Tok::Kw(Kw::Yield) => {
                self.bump();
                if !self.starts_expr() {
                    ExprKind::Yield {
                        key: None,
                        value: None,
                    }
                } else {
                    let first = self.parse_bp(PREC_YIELD)?;
                    if self.eat_op(Op::DoubleArrow) {
                        let value = self.parse_bp(PREC_YIELD)?;
                        ExprKind::Yield {
                            key: Some(Box::new(first)),
                            value: Some(Box::new(value)),
                        }
                    } else {
                        ExprKind::Yield {
                            key: None,
                            value: Some(Box::new(first)),
                        }
                    }
                }
            }
            Tok::Kw(Kw::YieldFrom) => {
                self.bump();
                ExprKind::YieldFrom(Box::new(self.parse_bp(PREC_YIELD_FROM)?))
            }
            Tok::Kw(Kw::New) => {
                let expr = self.parse_new()?;
                return Ok(expr);
            }
            Tok::Op(Op::Attribute) => {
                self.skip_attributes()?;
                return match self.peek() {
                    Tok::Kw(Kw::Function | Kw::Fn | Kw::Static) => self.parse_closure(),
                    _ => Err(self.unexpected()),
                };
            }
            Tok::Kw(Kw::Function | Kw::Fn) => return self.parse_closure(),
            Tok::Kw(Kw::Static) if matches!(self.peek_at(1), Tok::Kw(Kw::Function | Kw::Fn)) => {
                return self.parse_closure()
            }
            Tok::Kw(Kw::List) => {
                let list = self.parse_list()?;
                if !self.at_op(Op::Assign) {
                    return Err(self.expecting("\"=\""));
                }
                return self.parse_assignment(list);
            }
            _ => {
                let (base, deref) = self.parse_primary()?;
                let expr = self.parse_postfix(base, deref)?;
                return self.finish_variable(expr);
            }
        };
        Ok(Expr { kind, line })
    }

    /// `[...]`: an array literal, or a destructuring pattern when `=` follows.
    #[inline(never)]
    fn parse_bracket_expr(&mut self) -> PResult<Expr> {
        let array = self.parse_array_literal(Op::RBracket)?;
        if self.at_op(Op::Assign) {
            return self.parse_assignment(array);
        }
        let expr = self.parse_postfix(array, Deref::Full)?;
        self.finish_variable(expr)
    }

    /// After a variable: assignment, or postfix `++`/`--`.
    fn finish_variable(&mut self, expr: Expr) -> PResult<Expr> {
        if !is_variable(&expr) {
            return Ok(expr);
        }
        if assign_op(self.peek()).is_some() {
            return self.parse_assignment(expr);
        }
        if let Tok::Op(op @ (Op::Inc | Op::Dec)) = *self.peek() {
            self.bump();
            let line = expr.line;
            return Ok(Expr {
                kind: ExprKind::IncDec {
                    prefix: false,
                    inc: op == Op::Inc,
                    target: Box::new(expr),
                },
                line,
            });
        }
        Ok(expr)
    }

    fn parse_assignment(&mut self, target: Expr) -> PResult<Expr> {
        let line = target.line;
        let Some(op) = assign_op(self.peek()) else {
            return Err(self.unexpected());
        };
        let destructuring = matches!(target.kind, ExprKind::Array(_) | ExprKind::List(_));
        if destructuring && op.is_some() {
            return Err(self.unexpected());
        }
        self.bump();
        if op.is_none() && self.at_op(Op::Amp) {
            self.bump();
            // `$a = &$b`, `$a = &f()`; `= &new` is gone since PHP 7.
            let value = if self.at_kw(Kw::New) {
                return Err(self.unexpected());
            } else {
                self.parse_postfix_only()?
            };
            return Ok(Expr {
                kind: ExprKind::AssignRef {
                    target: Box::new(target),
                    value: Box::new(value),
                },
                line,
            });
        }
        let value = self.parse_bp(PREC_ASSIGN)?;
        let kind = match op {
            None => ExprKind::Assign {
                target: Box::new(target),
                value: Box::new(value),
            },
            Some(op) => ExprKind::AssignOp {
                op,
                target: Box::new(target),
                value: Box::new(value),
            },
        };
        Ok(Expr { kind, line })
    }

    /// A primary expression with its postfix chain, without assignment (operands of
    /// `++`/`--` and `=&`).
    fn parse_postfix_only(&mut self) -> PResult<Expr> {
        self.enter()?;
        let (base, deref) = if self.at_op(Op::LBracket) {
            (self.parse_array_literal(Op::RBracket)?, Deref::Full)
        } else {
            self.parse_primary()?
        };
        let expr = self.parse_postfix(base, deref)?;
        self.leave();
        Ok(expr)
    }

    /// Literals, variables, names, calls by name, and keyword expressions.
    fn parse_primary(&mut self) -> PResult<(Expr, Deref)> {
        match self.peek() {
            Tok::Variable(name) => {
                let expr = Expr {
                    kind: ExprKind::Var(name.clone()),
                    line: self.line(),
                };
                self.bump();
                Ok((expr, Deref::Full))
            }
            Tok::Op(Op::LParen) => self.parse_paren(),
            Tok::Ident(_)
            | Tok::NameQualified(_)
            | Tok::NameFullyQualified(_)
            | Tok::NameRelative(_) => self.parse_name_expr(),
            _ => self.parse_primary_other(),
        }
    }

    /// A name: a function call, a class member access, or a constant.
    #[inline(never)]
    fn parse_name_expr(&mut self) -> PResult<(Expr, Deref)> {
        let line = self.line();
        let name = self.name().ok_or_else(|| self.unexpected())?;
        if self.at_op(Op::LParen) {
            let call = self.parse_call_args(line, |args| ExprKind::Call {
                func: Callee::Name(name),
                args,
            })?;
            return Ok((call, Deref::Full));
        }
        if self.at_op(Op::DoubleColon) {
            let expr = self.parse_static_member(ClassRef::Name(name), line)?;
            return Ok((expr, Deref::Full));
        }
        Ok((
            Expr {
                kind: ExprKind::Const(name),
                line,
            },
            Deref::Const,
        ))
    }

    #[inline(never)]
    fn parse_paren(&mut self) -> PResult<(Expr, Deref)> {
        self.bump();
        let inner = self.parse_expr()?;
        self.expect_op_plain(Op::RParen)?;
        Ok((inner, Deref::Full))
    }

    #[inline(never)]
    fn parse_primary_other(&mut self) -> PResult<(Expr, Deref)> {
        let line = self.line();
        let tok = self.peek().clone();
        let (kind, deref) = match tok {
            Tok::Variable(name) => {
                self.bump();
                (ExprKind::Var(name), Deref::Full)
            }
            Tok::Op(Op::Dollar) => (self.parse_var_var()?, Deref::Full),
            Tok::Int(value) => {
                self.bump();
                (ExprKind::Int(value), Deref::No)
            }
            Tok::Float(value) => {
                self.bump();
                (ExprKind::Float(value), Deref::No)
            }
            Tok::ConstString(value) => {
                self.bump();
                (ExprKind::Str(value), Deref::Full)
            }
            Tok::DoubleQuote => {
                self.bump();
                let parts = self.parse_encaps(EncapsEnd::Quote)?;
                (interp(parts), Deref::Full)
            }
            Tok::Backtick => {
                self.bump();
                let parts = self.parse_encaps(EncapsEnd::Backtick)?;
                (ExprKind::ShellExec(parts), Deref::No)
            }
            Tok::StartHeredoc => {
                self.bump();
                let parts = self.parse_encaps(EncapsEnd::Heredoc)?;
                (interp(parts), Deref::No)
            }
            Tok::Kw(Kw::Static) => {
                self.bump();
                if !self.at_op(Op::DoubleColon) {
                    return Err(self.unexpected());
                }
                let class = ClassRef::Name(QName {
                    name: b"static".to_vec(),
                    kind: NameKind::Unqualified,
                });
                return Ok((self.parse_static_member(class, line)?, Deref::Full));
            }
            Tok::Kw(Kw::Array) => {
                self.bump();
                if !self.at_op(Op::LParen) {
                    return Err(self.expecting("\"(\""));
                }
                let array = self.parse_array_literal(Op::RParen)?;
                return Ok((array, Deref::Full));
            }
            Tok::Kw(Kw::Isset) => {
                self.bump();
                self.expect_op(Op::LParen)?;
                let mut vars = Vec::new();
                loop {
                    vars.push(self.parse_expr()?);
                    if self.eat_op(Op::Comma) {
                        if self.at_op(Op::RParen) {
                            break;
                        }
                        continue;
                    }
                    break;
                }
                self.expect_op(Op::RParen)?;
                (ExprKind::Isset(vars), Deref::No)
            }
            Tok::Kw(Kw::Empty) => {
                self.bump();
                self.expect_op(Op::LParen)?;
                let expr = self.parse_expr()?;
                self.expect_op_plain(Op::RParen)?;
                (ExprKind::Empty(Box::new(expr)), Deref::No)
            }
            Tok::Kw(Kw::Eval) => {
                self.bump();
                self.expect_op(Op::LParen)?;
                let expr = self.parse_expr()?;
                self.expect_op_plain(Op::RParen)?;
                (ExprKind::Eval(Box::new(expr)), Deref::No)
            }
            Tok::Kw(Kw::Exit) => {
                self.bump();
                let mut arg = None;
                if self.eat_op(Op::LParen) && !self.eat_op(Op::RParen) {
                    arg = Some(Box::new(self.parse_expr()?));
                    self.expect_op_plain(Op::RParen)?;
                }
                (ExprKind::Exit(arg), Deref::No)
            }
            Tok::Kw(Kw::Match) => (self.parse_match()?, Deref::No),
            Tok::Kw(Kw::LineC) => {
                self.bump();
                (ExprKind::Int(line as i64), Deref::Const)
            }
            Tok::Kw(
                kw @ (Kw::FileC
                | Kw::DirC
                | Kw::ClassC
                | Kw::TraitC
                | Kw::MethodC
                | Kw::FunctionC
                | Kw::NamespaceC),
            ) => {
                self.bump();
                let magic = match kw {
                    Kw::FileC => MagicConst::File,
                    Kw::DirC => MagicConst::Dir,
                    Kw::ClassC => MagicConst::Class,
                    Kw::TraitC => MagicConst::Trait,
                    Kw::MethodC => MagicConst::Method,
                    Kw::FunctionC => MagicConst::Function,
                    _ => MagicConst::Namespace,
                };
                (ExprKind::MagicConst(magic), Deref::Const)
            }
            _ => return Err(self.unexpected()),
        };
        Ok((Expr { kind, line }, deref))
    }

    /// `$$name`, `$$$name`, `${expr}` (the current token is `$`).
    fn parse_var_var(&mut self) -> PResult<ExprKind> {
        self.enter()?;
        self.bump();
        let line = self.line();
        let inner = match self.peek().clone() {
            Tok::Variable(name) => {
                self.bump();
                Expr {
                    kind: ExprKind::Var(name),
                    line,
                }
            }
            Tok::Op(Op::Dollar) => Expr {
                kind: self.parse_var_var()?,
                line,
            },
            Tok::Op(Op::LBrace) => {
                self.bump();
                let expr = self.parse_expr()?;
                self.expect_op_plain(Op::RBrace)?;
                expr
            }
            _ => return Err(self.expecting("variable or \"{\" or \"$\"")),
        };
        self.leave();
        Ok(ExprKind::VarVar(Box::new(inner)))
    }

    /// `[`/`->`/`?->`/`::`/`(` chains after a primary.
    fn parse_postfix(&mut self, mut expr: Expr, mut deref: Deref) -> PResult<Expr> {
        loop {
            let line = expr.line;
            match self.peek() {
                // `$s{0}`: PHP 8 keeps the rule only to reject it with this fatal error.
                Tok::Op(Op::LBrace)
                    if deref != Deref::No
                        && matches!(
                            expr.kind,
                            ExprKind::Var(_) | ExprKind::Index { .. } | ExprKind::Prop { .. }
                        ) =>
                {
                    return Err(self.fatal_here(
                        "Array and string offset access syntax with curly braces is no longer supported",
                    ));
                }
                Tok::Op(Op::LBracket) if deref != Deref::No => {
                    self.bump();
                    let index = if self.at_op(Op::RBracket) {
                        None
                    } else {
                        Some(Box::new(self.parse_expr()?))
                    };
                    self.expect_op_plain(Op::RBracket)?;
                    expr = Expr {
                        kind: ExprKind::Index {
                            base: Box::new(expr),
                            index,
                        },
                        line,
                    };
                    deref = Deref::Full;
                }
                Tok::Op(op @ (Op::Arrow | Op::NullsafeArrow)) if deref != Deref::No => {
                    let nullsafe = *op == Op::NullsafeArrow;
                    self.bump();
                    let name = self.parse_member_name()?;
                    if self.at_op(Op::LParen) {
                        let obj = Box::new(expr);
                        expr = self.parse_call_args(line, move |args| ExprKind::MethodCall {
                            obj,
                            name,
                            args,
                            nullsafe,
                        })?;
                    } else {
                        expr = Expr {
                            kind: ExprKind::Prop {
                                obj: Box::new(expr),
                                name,
                                nullsafe,
                            },
                            line,
                        };
                    }
                    deref = Deref::Full;
                }
                Tok::Op(Op::DoubleColon) if deref == Deref::Full => {
                    expr = self.parse_static_member(ClassRef::Expr(Box::new(expr)), line)?;
                }
                Tok::Op(Op::LParen) if deref == Deref::Full => {
                    let func = Callee::Expr(Box::new(expr));
                    expr = self.parse_call_args(line, move |args| ExprKind::Call { func, args })?;
                }
                _ => return Ok(expr),
            }
        }
    }

    /// After `->`: `name`, `$var`, `{expr}`.
    fn parse_member_name(&mut self) -> PResult<Member> {
        let line = self.line();
        match self.peek().clone() {
            Tok::Variable(name) => {
                self.bump();
                Ok(Member::Expr(boxed(ExprKind::Var(name), line)))
            }
            Tok::Op(Op::Dollar) => {
                let kind = self.parse_var_var()?;
                Ok(Member::Expr(boxed(kind, line)))
            }
            Tok::Op(Op::LBrace) => {
                self.bump();
                let expr = self.parse_expr()?;
                self.expect_op_plain(Op::RBrace)?;
                Ok(Member::Expr(Box::new(expr)))
            }
            _ => match self.semi_reserved() {
                Some(name) => Ok(Member::Name(name)),
                None => Err(self.expecting("identifier or variable or \"{\" or \"$\"")),
            },
        }
    }

    /// After a class reference: `::CONST`, `::class`, `::$prop`, `::method()`.
    fn parse_static_member(&mut self, class: ClassRef, line: u32) -> PResult<Expr> {
        self.expect_op(Op::DoubleColon)?;
        let member_line = self.line();
        let name = match self.peek().clone() {
            Tok::Variable(name) => {
                self.bump();
                if self.at_op(Op::LParen) {
                    Member::Expr(boxed(ExprKind::Var(name), member_line))
                } else {
                    return Ok(Expr {
                        kind: ExprKind::StaticProp {
                            class,
                            name: Member::Name(name),
                        },
                        line,
                    });
                }
            }
            Tok::Op(Op::Dollar) => {
                // `A::$$name` / `A::${expr}`: the property name is computed.
                self.bump();
                let inner_line = self.line();
                let inner = match self.peek().clone() {
                    Tok::Variable(name) => {
                        self.bump();
                        Expr {
                            kind: ExprKind::Var(name),
                            line: inner_line,
                        }
                    }
                    Tok::Op(Op::LBrace) => {
                        self.bump();
                        let expr = self.parse_expr()?;
                        self.expect_op_plain(Op::RBrace)?;
                        expr
                    }
                    Tok::Op(Op::Dollar) => Expr {
                        kind: self.parse_var_var()?,
                        line: inner_line,
                    },
                    _ => return Err(self.expecting("variable or \"{\" or \"$\"")),
                };
                let member = Member::Expr(Box::new(inner));
                if self.at_op(Op::LParen) {
                    member
                } else {
                    return Ok(Expr {
                        kind: ExprKind::StaticProp {
                            class,
                            name: member,
                        },
                        line,
                    });
                }
            }
            Tok::Op(Op::LBrace) => {
                self.bump();
                let expr = self.parse_expr()?;
                self.expect_op_plain(Op::RBrace)?;
                if !self.at_op(Op::LParen) {
                    return Err(self.expecting("\"(\""));
                }
                Member::Expr(Box::new(expr))
            }
            Tok::Kw(Kw::Class) => {
                self.bump();
                return Ok(Expr {
                    kind: ExprKind::ClassConst {
                        class,
                        name: b"class".to_vec(),
                    },
                    line,
                });
            }
            _ => match self.semi_reserved() {
                Some(name) => {
                    if !self.at_op(Op::LParen) {
                        return Ok(Expr {
                            kind: ExprKind::ClassConst { class, name },
                            line,
                        });
                    }
                    Member::Name(name)
                }
                None => return Err(self.unexpected()),
            },
        };
        self.parse_call_args(line, move |args| ExprKind::StaticCall { class, name, args })
    }

    /// `(args)` for a call whose node `make` builds; `(...)` makes a first-class callable.
    fn parse_call_args(
        &mut self,
        line: u32,
        make: impl FnOnce(Vec<Arg>) -> ExprKind,
    ) -> PResult<Expr> {
        self.expect_op(Op::LParen)?;
        if self.at_op(Op::Ellipsis) && self.peek_at(1).is_op(Op::RParen) {
            self.bump();
            self.bump();
            let call = Expr {
                kind: make(Vec::new()),
                line,
            };
            return Ok(Expr {
                kind: ExprKind::CallableConvert(Box::new(call)),
                line,
            });
        }
        let args = self.parse_args_after_paren()?;
        Ok(Expr {
            kind: make(args),
            line,
        })
    }

    /// Arguments after `(` up to and including `)`.
    pub(super) fn parse_args_after_paren(&mut self) -> PResult<Vec<Arg>> {
        let mut args = Vec::new();
        while !self.at_op(Op::RParen) {
            let unpack = self.eat_op(Op::Ellipsis);
            let mut name = None;
            if !unpack && self.peek_at(1).is_op(Op::Colon) {
                if let Tok::Ident(_) | Tok::Kw(_) = self.peek() {
                    name = self.semi_reserved();
                    self.bump();
                }
            }
            let value = self.parse_expr()?;
            args.push(Arg {
                value,
                unpack,
                name,
            });
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        self.expect_op(Op::RParen)?;
        Ok(args)
    }

    /// `[ ... ]` (with `close` = `]`) or `array( ... )` (the current token is the opener).
    /// Holes (`[, $b]`) are only valid in destructuring, so such a literal becomes a `List`.
    fn parse_array_literal(&mut self, close: Op) -> PResult<Expr> {
        let line = self.line();
        self.enter()?;
        self.bump();
        let items = self.parse_array_items(close)?;
        self.leave();
        let kind = if items.iter().any(Option::is_none) {
            ExprKind::List(items)
        } else {
            ExprKind::Array(items.into_iter().flatten().collect())
        };
        Ok(Expr { kind, line })
    }

    /// `list( ... )` as a foreach target, where no `=` follows.
    pub(super) fn parse_list_pattern(&mut self) -> PResult<Expr> {
        self.parse_list()
    }

    /// `list( ... )`.
    fn parse_list(&mut self) -> PResult<Expr> {
        let line = self.line();
        self.enter()?;
        self.bump();
        self.expect_op(Op::LParen)?;
        let items = self.parse_array_items(Op::RParen)?;
        self.leave();
        Ok(Expr {
            kind: ExprKind::List(items),
            line,
        })
    }

    /// Array or list items up to and including `close`; a trailing empty item is dropped.
    fn parse_array_items(&mut self, close: Op) -> PResult<Vec<Option<ArrayItem>>> {
        let mut items = Vec::new();
        loop {
            if self.at_op(close) {
                // `[1, 2, ]`: the trailing comma adds no element (`zend_ast_list_rtrim`).
                if items
                    .last()
                    .is_some_and(|i: &Option<ArrayItem>| i.is_none())
                {
                    items.pop();
                }
                break;
            }
            if self.at_op(Op::Comma) {
                self.bump();
                items.push(None);
                continue;
            }
            let item = self.parse_array_item()?;
            items.push(Some(item));
            if !self.eat_op(Op::Comma) {
                break;
            }
            if self.at_op(close) {
                break;
            }
        }
        self.expect_op(close)?;
        Ok(items)
    }

    fn parse_array_item(&mut self) -> PResult<ArrayItem> {
        if self.eat_op(Op::Ellipsis) {
            let value = self.parse_expr()?;
            return Ok(ArrayItem {
                key: None,
                value,
                by_ref: false,
                unpack: true,
            });
        }
        if self.eat_op(Op::Amp) {
            let value = self.parse_postfix_only()?;
            return Ok(ArrayItem {
                key: None,
                value,
                by_ref: true,
                unpack: false,
            });
        }
        let first = self.parse_nested_pattern_or_expr()?;
        if !self.eat_op(Op::DoubleArrow) {
            return Ok(ArrayItem {
                key: None,
                value: first,
                by_ref: false,
                unpack: false,
            });
        }
        let by_ref = self.eat_op(Op::Amp);
        let value = if by_ref {
            self.parse_postfix_only()?
        } else {
            self.parse_nested_pattern_or_expr()?
        };
        Ok(ArrayItem {
            key: Some(first),
            value,
            by_ref,
            unpack: false,
        })
    }

    /// An array element value, which may be a nested `list(...)` pattern.
    fn parse_nested_pattern_or_expr(&mut self) -> PResult<Expr> {
        if self.at_kw(Kw::List) {
            let list = self.parse_list()?;
            if self.at_op(Op::Assign) {
                return self.parse_assignment(list);
            }
            return Ok(list);
        }
        self.parse_expr()
    }

    /// `new ...`; the result cannot be dereferenced without parentheses in PHP 8.2.
    fn parse_new(&mut self) -> PResult<Expr> {
        let line = self.bump().line;
        let attributes = if self.at_op(Op::Attribute) {
            self.parse_attributes()?
        } else {
            Vec::new()
        };
        if self.at_kw(Kw::Class) {
            let class_line = self.bump().line;
            let args = if self.eat_op(Op::LParen) {
                self.parse_args_after_paren()?
            } else {
                Vec::new()
            };
            let mut decl =
                self.parse_class_rest(None, ClassKind::Class, Modifiers::default(), class_line)?;
            decl.attributes = attributes;
            return Ok(Expr {
                kind: ExprKind::New {
                    class: ClassRef::Anon(Rc::new(decl)),
                    args,
                },
                line,
            });
        }
        let class = self.parse_class_ref(true)?;
        let args = if self.eat_op(Op::LParen) {
            if self.at_op(Op::Ellipsis) && self.peek_at(1).is_op(Op::RParen) {
                return Err(self.fatal_here("Cannot create Closure for new expression"));
            }
            self.parse_args_after_paren()?
        } else {
            Vec::new()
        };
        Ok(Expr {
            kind: ExprKind::New { class, args },
            line,
        })
    }

    /// The class after `new` or `instanceof`: a name, `static`, `(expr)`, or a variable
    /// with property/index accesses but no calls (`new $a->b['c']`).
    fn parse_class_ref(&mut self, for_new: bool) -> PResult<ClassRef> {
        let line = self.line();
        if let Some(name) = self.name() {
            return Ok(ClassRef::Name(name));
        }
        if self.eat_kw(Kw::Static) {
            return Ok(ClassRef::Name(QName {
                name: b"static".to_vec(),
                kind: NameKind::Unqualified,
            }));
        }
        if self.at_op(Op::LParen) {
            self.bump();
            let expr = self.parse_expr()?;
            self.expect_op_plain(Op::RParen)?;
            return Ok(ClassRef::Expr(Box::new(expr)));
        }
        let mut expr = match self.peek().clone() {
            Tok::Variable(name) => {
                self.bump();
                Expr {
                    kind: ExprKind::Var(name),
                    line,
                }
            }
            Tok::Op(Op::Dollar) => Expr {
                kind: self.parse_var_var()?,
                line,
            },
            _ => return Err(self.unexpected()),
        };
        loop {
            match self.peek() {
                Tok::Op(Op::LBracket) => {
                    self.bump();
                    let index = if self.at_op(Op::RBracket) {
                        None
                    } else {
                        Some(Box::new(self.parse_expr()?))
                    };
                    self.expect_op_plain(Op::RBracket)?;
                    expr = Expr {
                        kind: ExprKind::Index {
                            base: Box::new(expr),
                            index,
                        },
                        line,
                    };
                }
                Tok::Op(op @ (Op::Arrow | Op::NullsafeArrow)) => {
                    let nullsafe = *op == Op::NullsafeArrow;
                    self.bump();
                    let name = self.parse_member_name()?;
                    expr = Expr {
                        kind: ExprKind::Prop {
                            obj: Box::new(expr),
                            name,
                            nullsafe,
                        },
                        line,
                    };
                }
                Tok::Op(Op::DoubleColon) if matches!(self.peek_at(1), Tok::Variable(_)) => {
                    self.bump();
                    let Tok::Variable(name) = self.bump().kind else {
                        return Err(self.unexpected());
                    };
                    expr = Expr {
                        kind: ExprKind::StaticProp {
                            class: ClassRef::Expr(Box::new(expr)),
                            name: Member::Name(name),
                        },
                        line,
                    };
                }
                _ => break,
            }
        }
        let _ = for_new;
        Ok(ClassRef::Expr(Box::new(expr)))
    }

    /// `match (subject) { a, b => x, default => y }`.
    fn parse_match(&mut self) -> PResult<ExprKind> {
        self.bump();
        self.expect_op(Op::LParen)?;
        let subject = self.parse_expr()?;
        self.expect_op_plain(Op::RParen)?;
        self.expect_op(Op::LBrace)?;
        let mut arms = Vec::new();
        let mut has_default = false;
        while !self.at_op(Op::RBrace) {
            let line = self.line();
            let conds = if self.at_kw(Kw::Default) {
                if has_default {
                    return Err(
                        self.fatal_here("Match expressions may only contain one default arm")
                    );
                }
                has_default = true;
                self.bump();
                self.eat_op(Op::Comma);
                None
            } else {
                let mut conds = Vec::new();
                loop {
                    conds.push(self.parse_expr()?);
                    if !self.eat_op(Op::Comma) || self.at_op(Op::DoubleArrow) {
                        break;
                    }
                }
                Some(conds)
            };
            self.expect_op_plain(Op::DoubleArrow)?;
            let body = self.parse_expr()?;
            arms.push(MatchArm { conds, body, line });
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        self.expect_op(Op::RBrace)?;
        Ok(ExprKind::Match {
            subject: Box::new(subject),
            arms,
        })
    }

    /// Closures and arrow functions, optionally `static`.
    fn parse_closure(&mut self) -> PResult<Expr> {
        let line = self.line();
        let is_static = self.eat_kw(Kw::Static);
        let is_arrow = self.at_kw(Kw::Fn);
        let fn_line = self.bump().line;
        let by_ref_return = self.eat_op(Op::Amp);
        if !self.at_op(Op::LParen) {
            return Err(self.expecting("\"(\""));
        }
        let params = self.parse_params()?;
        let mut uses = Vec::new();
        if !is_arrow && self.eat_kw(Kw::Use) {
            self.expect_op(Op::LParen)?;
            while !self.at_op(Op::RParen) {
                let by_ref = self.eat_op(Op::Amp);
                match self.peek().clone() {
                    Tok::Variable(name) => {
                        self.bump();
                        uses.push(ClosureUse { name, by_ref });
                    }
                    _ => return Err(self.expecting("variable")),
                }
                if !self.eat_op(Op::Comma) {
                    break;
                }
            }
            self.expect_op(Op::RParen)?;
        }
        let return_type = if self.eat_op(Op::Colon) {
            Some(self.parse_type()?)
        } else {
            None
        };
        if is_arrow {
            self.expect_op(Op::DoubleArrow)?;
            let body_line = self.line();
            let value = self.parse_bp(0)?;
            let end_line = self.prev_end_line();
            let decl = FunctionDecl {
                name: Vec::new(),
                params,
                by_ref_return,
                return_type,
                body: Some(vec![Stmt {
                    kind: StmtKind::Return(Some(value)),
                    line: body_line,
                }]),
                uses,
                is_static,
                line: fn_line,
                end_line,
            };
            return Ok(Expr {
                kind: ExprKind::ArrowFn(Rc::new(decl)),
                line,
            });
        }
        let body = self.parse_fn_body()?;
        let decl = FunctionDecl {
            name: Vec::new(),
            params,
            by_ref_return,
            return_type,
            body: Some(body),
            uses,
            is_static,
            line: fn_line,
            end_line: self.prev_end_line(),
        };
        Ok(Expr {
            kind: ExprKind::Closure(Rc::new(decl)),
            line,
        })
    }

    /// The parts of an interpolated string after its opening token, up to and including
    /// the closing one.
    fn parse_encaps(&mut self, end: EncapsEnd) -> PResult<Vec<InterpPart>> {
        let mut parts = Vec::new();
        loop {
            let closing = match end {
                EncapsEnd::Quote => self.at_double_quote(),
                EncapsEnd::Backtick => matches!(self.peek(), Tok::Backtick),
                EncapsEnd::Heredoc => matches!(self.peek(), Tok::EndHeredoc),
            };
            if closing {
                self.bump();
                return Ok(parts);
            }
            let line = self.line();
            match self.peek().clone() {
                Tok::EncapsedAndWhitespace(text) => {
                    self.bump();
                    parts.push(InterpPart::Lit(text));
                    if parts.len() == 1 {
                        // PHP's state after leading text lists what may follow.
                        let ok = matches!(
                            self.peek(),
                            Tok::Variable(_) | Tok::DollarOpenCurly | Tok::CurlyOpen
                        );
                        let closing = match end {
                            EncapsEnd::Quote => self.at_double_quote(),
                            EncapsEnd::Backtick => matches!(self.peek(), Tok::Backtick),
                            EncapsEnd::Heredoc => matches!(self.peek(), Tok::EndHeredoc),
                        };
                        if !ok && !closing {
                            return Err(match end {
                                EncapsEnd::Quote => self.expecting("variable or \"${\" or \"{$\""),
                                EncapsEnd::Backtick => self.expecting("\"`\""),
                                EncapsEnd::Heredoc => {
                                    self.expecting("variable or heredoc end or \"${\" or \"{$\"")
                                }
                            });
                        }
                    }
                }
                Tok::Variable(name) => {
                    self.bump();
                    let var = Expr {
                        kind: ExprKind::Var(name),
                        line,
                    };
                    parts.push(InterpPart::Expr(self.parse_encaps_var_tail(var)?));
                }
                Tok::CurlyOpen => {
                    self.bump();
                    let expr = self.parse_expr()?;
                    self.expect_op_plain(Op::RBrace)?;
                    parts.push(InterpPart::Expr(expr));
                }
                Tok::DollarOpenCurly => {
                    super::super::error::push_diagnostic(
                        super::super::error::ErrorLevel::Deprecated,
                        "Using ${var} in strings is deprecated, use {$var} instead".to_string(),
                        line,
                    );
                    self.bump();
                    let expr = if let Tok::StringVarname(name) = self.peek().clone() {
                        self.bump();
                        let var = Expr {
                            kind: ExprKind::Var(name),
                            line,
                        };
                        if self.eat_op(Op::LBracket) {
                            let index = self.parse_expr()?;
                            self.expect_op(Op::RBracket)?;
                            Expr {
                                kind: ExprKind::Index {
                                    base: Box::new(var),
                                    index: Some(Box::new(index)),
                                },
                                line,
                            }
                        } else {
                            var
                        }
                    } else {
                        let inner = self.parse_expr()?;
                        Expr {
                            kind: ExprKind::VarVar(Box::new(inner)),
                            line,
                        }
                    };
                    self.expect_op_plain(Op::RBrace)?;
                    parts.push(InterpPart::Expr(expr));
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn at_double_quote(&self) -> bool {
        matches!(self.peek(), Tok::DoubleQuote)
    }

    /// `"$a[...]"` and `"$a->b"` after the variable.
    fn parse_encaps_var_tail(&mut self, var: Expr) -> PResult<Expr> {
        let line = var.line;
        if self.eat_op(Op::LBracket) {
            let index_line = self.line();
            let index = match self.peek().clone() {
                Tok::Ident(name) => {
                    self.bump();
                    ExprKind::Str(name)
                }
                Tok::NumString(text) => {
                    self.bump();
                    num_string(&text, false)
                }
                Tok::Variable(name) => {
                    self.bump();
                    ExprKind::Var(name)
                }
                Tok::Op(Op::Minus) => {
                    self.bump();
                    match self.peek().clone() {
                        Tok::NumString(text) => {
                            self.bump();
                            num_string(&text, true)
                        }
                        _ => return Err(self.expecting("number")),
                    }
                }
                _ => return Err(self.expecting("\"-\" or identifier or variable or number")),
            };
            self.expect_op(Op::RBracket)?;
            return Ok(Expr {
                kind: ExprKind::Index {
                    base: Box::new(var),
                    index: Some(boxed(index, index_line)),
                },
                line,
            });
        }
        if let Tok::Op(op @ (Op::Arrow | Op::NullsafeArrow)) = *self.peek() {
            self.bump();
            let Some(name) = self.ident() else {
                return Err(self.expecting("identifier"));
            };
            return Ok(Expr {
                kind: ExprKind::Prop {
                    obj: Box::new(var),
                    name: Member::Name(name),
                    nullsafe: op == Op::NullsafeArrow,
                },
                line,
            });
        }
        Ok(var)
    }
}

#[derive(Clone, Copy)]
enum EncapsEnd {
    Quote,
    Backtick,
    Heredoc,
}

/// A string or heredoc body: plain text collapses to `Str`.
fn interp(parts: Vec<InterpPart>) -> ExprKind {
    if parts.iter().all(|p| matches!(p, InterpPart::Lit(_))) {
        let mut text = Vec::new();
        for part in parts {
            if let InterpPart::Lit(t) = part {
                text.extend_from_slice(&t);
            }
        }
        return ExprKind::Str(text);
    }
    ExprKind::Interp(parts)
}

/// The offset in `"$a[12]"`: a canonical decimal that fits is an integer, anything else
/// (`012`, `0x1`, too large) a string, as PHP's `T_NUM_STRING` rule does.
fn num_string(text: &[u8], negative: bool) -> ExprKind {
    let canonical = text == b"0" || (text[0] != b'0' && text.iter().all(u8::is_ascii_digit));
    if canonical {
        let mut digits = Vec::with_capacity(text.len() + 1);
        if negative {
            digits.push(b'-');
        }
        digits.extend_from_slice(text);
        if let Some(value) = std::str::from_utf8(&digits)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
        {
            if !(negative && value == 0) {
                return ExprKind::Int(value);
            }
        }
    }
    let mut s = Vec::new();
    if negative {
        s.push(b'-');
    }
    s.extend_from_slice(text);
    ExprKind::Str(s)
}
