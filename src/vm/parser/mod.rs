//! The PHP parser: tokens in, `ast::Program` out.
//!
//! Hand-written recursive descent over the lexer's token vector, with precedence climbing
//! for expressions following PHP 8.2's operator table (`zend_language_parser.y`). Statement
//! and declaration rules live in `stmt.rs`, expressions in `expr.rs`; this file holds the
//! token cursor and PHP-style error reporting.
//!
//! Errors carry PHP's exact wording (`syntax error, unexpected token "}", expecting ";"`) and
//! line: PHP reports the line the lexer stands on after reading the unexpected token, i.e.
//! the token's last line. The `expecting ...` suffix mirrors where PHP's LALR tables add it
//! for the common cases; it cannot match bison everywhere.
//!
//! Not done here: name resolution, constant folding, and checks PHP performs at compile
//! time (invalid assignment targets, modifier combinations, `break` outside loops).

mod expr;
mod stmt;

use super::ast::{NameKind, Program, QName};
use super::error::ParseError;
use super::lexer::tokenize;
use super::token::{describe, Kw, Op, Tok, Token};

/// Nesting deeper than this is rejected with a clear error instead of risking a stack
/// overflow; PHP itself only stops at memory exhaustion, but real code never nests past a
/// few dozen levels.
pub const MAX_DEPTH: u32 = 5000;

/// Stack the parser may use below its entry point before reporting too deep nesting. Frame
/// sizes differ a lot between debug and release builds (a nesting level costs about 5-25 KB
/// unoptimised), so the recursion guard measures the stack itself: 4 MiB leaves room on the
/// engine threads (the CLI runs the engine on a 64 MiB stack) and allows thousands of levels
/// in release builds.
pub const STACK_BUDGET: usize = 4 << 20;

/// The address of a local variable: a stack position, compared to measure stack use.
/// Converting a reference to an integer is safe and only used for arithmetic.
#[inline(always)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// Parses a whole PHP file.
///
/// # Errors
/// The first syntax error, with PHP's message and line.
pub fn parse(src: &[u8]) -> Result<Program, ParseError> {
    super::error::take_diagnostics();
    let mut parser = Parser::new(src);
    let stmts = parser.parse_top_statements()?;
    Ok(Program {
        stmts,
        diagnostics: super::error::take_diagnostics(),
    })
}

/// The token cursor shared by the statement and expression parsers.
pub(crate) struct Parser<'a> {
    src: &'a [u8],
    toks: Vec<Token>,
    pos: usize,
    depth: u32,
    /// Stack position at `parse` entry, for the `STACK_BUDGET` check.
    stack_base: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a [u8]) -> Self {
        Parser {
            src,
            toks: tokenize(src),
            pos: 0,
            depth: 0,
            stack_base: stack_position(),
        }
    }

    /// The current token; the vector always ends with `Eof` or `Error`, which the cursor
    /// never moves past.
    fn tok(&self) -> &Token {
        let last = self.toks.len() - 1;
        &self.toks[self.pos.min(last)]
    }

    fn peek(&self) -> &Tok {
        &self.tok().kind
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        let last = self.toks.len() - 1;
        &self.toks[(self.pos + ahead).min(last)].kind
    }

    fn line(&self) -> u32 {
        self.tok().line
    }

    /// The last line of the previous token (for `end_line` fields).
    fn prev_end_line(&self) -> u32 {
        if self.pos == 0 {
            1
        } else {
            self.toks[(self.pos - 1).min(self.toks.len() - 1)].end_line
        }
    }

    fn bump(&mut self) -> Token {
        let tok = self.tok().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        tok
    }

    fn at_op(&self, op: Op) -> bool {
        self.peek().is_op(op)
    }

    fn at_kw(&self, kw: Kw) -> bool {
        self.peek().is_kw(kw)
    }

    fn eat_op(&mut self, op: Op) -> bool {
        if self.at_op(op) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn eat_kw(&mut self, kw: Kw) -> bool {
        if self.at_kw(kw) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// `syntax error, unexpected X` for the current token (or the lexer's own error).
    fn unexpected(&self) -> ParseError {
        self.unexpected_with(None)
    }

    /// `syntax error, unexpected X, expecting Y`.
    fn expecting(&self, what: &str) -> ParseError {
        self.unexpected_with(Some(what))
    }

    fn unexpected_with(&self, expecting: Option<&str>) -> ParseError {
        let tok = self.tok();
        if let Tok::Error(message) = &tok.kind {
            return ParseError {
                message: message.clone(),
                line: tok.line,
                fatal: false,
            };
        }
        let text = &self.src[tok.start as usize..tok.end as usize];
        let mut message = format!("syntax error, unexpected {}", describe(&tok.kind, text));
        if let Some(what) = expecting {
            message.push_str(", expecting ");
            message.push_str(what);
        }
        ParseError {
            message,
            line: tok.end_line,
            fatal: false,
        }
    }

    /// A non-syntax error PHP raises while parsing, at the current token's line.
    /// A compile-time error PHP reports as `Fatal error` (not a syntax error).
    fn fatal_here(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            line: self.line(),
            fatal: true,
        }
    }

    fn error_here(&self, message: impl Into<String>) -> ParseError {
        if let Tok::Error(lex_message) = self.peek() {
            return ParseError {
                message: lex_message.clone(),
                line: self.line(),
                fatal: false,
            };
        }
        ParseError {
            message: message.into(),
            line: self.line(),
            fatal: false,
        }
    }

    /// Consumes `op` or fails with `unexpected ..., expecting "op"`.
    fn expect_op(&mut self, op: Op) -> Result<(), ParseError> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(self.expecting(&format!("\"{}\"", op.text())))
        }
    }

    /// Consumes `op` or fails with a plain `unexpected ...` (where PHP's state accepts too
    /// many tokens to list them).
    fn expect_op_plain(&mut self, op: Op) -> Result<(), ParseError> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// Guards recursion: see `MAX_DEPTH`.
    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        let used = self.stack_base.saturating_sub(stack_position());
        if self.depth > MAX_DEPTH || used > STACK_BUDGET {
            return Err(ParseError {
                message: "maximum nesting level of the parser exceeded".to_string(),
                line: self.line(),
                fatal: false,
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// The source text of the current token (keywords keep their written case).
    fn tok_text(&self) -> Vec<u8> {
        let tok = self.tok();
        self.src[tok.start as usize..tok.end as usize].to_vec()
    }

    /// A plain identifier (`T_STRING`).
    fn ident(&mut self) -> Option<Vec<u8>> {
        if let Tok::Ident(name) = self.peek() {
            let name = name.clone();
            self.bump();
            Some(name)
        } else {
            None
        }
    }

    /// An identifier or any keyword, as allowed for member names (`identifier` in PHP's
    /// grammar, which includes semi-reserved words).
    fn semi_reserved(&mut self) -> Option<Vec<u8>> {
        match self.peek() {
            Tok::Ident(name) => {
                let name = name.clone();
                self.bump();
                Some(name)
            }
            Tok::Kw(kw) if !is_cast(*kw) && *kw != Kw::YieldFrom => {
                let text = self.tok_text();
                self.bump();
                Some(text)
            }
            _ => None,
        }
    }

    /// A name in any form: `Foo`, `A\Foo`, `\A\Foo`, `namespace\Foo`.
    fn name(&mut self) -> Option<QName> {
        let (name, kind) = match self.peek() {
            Tok::Ident(n) => (n.clone(), NameKind::Unqualified),
            Tok::NameQualified(n) => (n.clone(), NameKind::Qualified),
            Tok::NameFullyQualified(n) => (n.clone(), NameKind::FullyQualified),
            Tok::NameRelative(n) => (n.clone(), NameKind::Relative),
            _ => return None,
        };
        self.bump();
        Some(QName { name, kind })
    }
}

fn is_cast(kw: Kw) -> bool {
    matches!(
        kw,
        Kw::IntCast
            | Kw::FloatCast
            | Kw::StringCast
            | Kw::ArrayCast
            | Kw::ObjectCast
            | Kw::BoolCast
            | Kw::UnsetCast
    )
}

#[cfg(test)]
mod tests {
    //! Parser tests through a compact S-expression printer: `check_expr("1 + 2 * 3",
    //! "(+ 1 (* 2 3))")`. Groupings were checked against `php -n` by evaluating expressions
    //! whose value depends on the grouping (see each table's comment).

    use super::super::ast::*;
    use super::parse;

    fn qname(q: &QName) -> String {
        let name = String::from_utf8_lossy(&q.name);
        match q.kind {
            NameKind::FullyQualified => format!("\\{name}"),
            NameKind::Relative => format!("namespace\\{name}"),
            _ => name.into_owned(),
        }
    }

    fn bytes(b: &[u8]) -> String {
        String::from_utf8_lossy(b).into_owned()
    }

    fn member(m: &Member) -> String {
        match m {
            Member::Name(n) => bytes(n),
            Member::Expr(e) => format!("{{{}}}", ex(e)),
        }
    }

    fn class_ref(c: &ClassRef) -> String {
        match c {
            ClassRef::Name(q) => qname(q),
            ClassRef::Expr(e) => ex(e),
            ClassRef::Anon(d) => format!("(class{})", class_body(d)),
        }
    }

    fn args(a: &[Arg]) -> String {
        a.iter()
            .map(|a| {
                let mut s = String::from(" ");
                if a.unpack {
                    s.push_str("...");
                }
                if let Some(n) = &a.name {
                    s.push_str(&format!("{}: ", bytes(n)));
                }
                s.push_str(&ex(&a.value));
                s
            })
            .collect()
    }

    fn item(i: &ArrayItem) -> String {
        let mut s = String::new();
        if let Some(k) = &i.key {
            s.push_str(&format!("{}=>", ex(k)));
        }
        if i.by_ref {
            s.push('&');
        }
        if i.unpack {
            s.push_str("...");
        }
        s.push_str(&ex(&i.value));
        s
    }

    fn parts(p: &[InterpPart]) -> String {
        p.iter()
            .map(|p| match p {
                InterpPart::Lit(l) => format!(" {:?}", bytes(l)),
                InterpPart::Expr(e) => format!(" {}", ex(e)),
            })
            .collect()
    }

    fn ty(t: &TypeHint) -> String {
        match t {
            TypeHint::Named(q) => qname(q),
            TypeHint::Nullable(t) => format!("?{}", ty(t)),
            TypeHint::Union(ts) => ts.iter().map(ty).collect::<Vec<_>>().join("|"),
            TypeHint::Intersection(ts) => {
                format!("({})", ts.iter().map(ty).collect::<Vec<_>>().join("&"))
            }
        }
    }

    fn func(f: &FunctionDecl) -> String {
        let mut s = String::new();
        if f.is_static {
            s.push_str("static ");
        }
        if f.by_ref_return {
            s.push('&');
        }
        s.push_str(&bytes(&f.name));
        s.push('(');
        let ps: Vec<String> = f
            .params
            .iter()
            .map(|p| {
                let mut s = String::new();
                if let Some(m) = &p.promote {
                    s.push_str(&format!("{}", mods(m)));
                }
                if let Some(t) = &p.ty {
                    s.push_str(&ty(t));
                    s.push(' ');
                }
                if p.by_ref {
                    s.push('&');
                }
                if p.variadic {
                    s.push_str("...");
                }
                s.push('$');
                s.push_str(&bytes(&p.name));
                if let Some(d) = &p.default {
                    s.push_str(&format!("={}", ex(d)));
                }
                s
            })
            .collect();
        s.push_str(&ps.join(", "));
        s.push(')');
        if !f.uses.is_empty() {
            let us: Vec<String> = f
                .uses
                .iter()
                .map(|u| format!("{}${}", if u.by_ref { "&" } else { "" }, bytes(&u.name)))
                .collect();
            s.push_str(&format!(" use({})", us.join(", ")));
        }
        if let Some(t) = &f.return_type {
            s.push_str(&format!(": {}", ty(t)));
        }
        match &f.body {
            Some(b) => s.push_str(&format!(" {{{}}}", block(b))),
            None => s.push(';'),
        }
        s
    }

    fn mods(m: &Modifiers) -> String {
        let mut s = String::new();
        match m.visibility {
            Some(Visibility::Public) => s.push_str("public "),
            Some(Visibility::Protected) => s.push_str("protected "),
            Some(Visibility::Private) => s.push_str("private "),
            None => {}
        }
        for (flag, word) in [
            (m.is_static, "static "),
            (m.is_abstract, "abstract "),
            (m.is_final, "final "),
            (m.is_readonly, "readonly "),
        ] {
            if flag {
                s.push_str(word);
            }
        }
        s
    }

    fn class_body(d: &ClassDecl) -> String {
        let mut s = String::new();
        if let Some(p) = &d.parent {
            s.push_str(&format!(" extends {}", qname(p)));
        }
        if !d.interfaces.is_empty() {
            let names: Vec<String> = d.interfaces.iter().map(qname).collect();
            s.push_str(&format!(" implements {}", names.join(",")));
        }
        if let Some(b) = &d.enum_backing {
            s.push_str(&format!(" : {}", ty(b)));
        }
        for m in &d.members {
            s.push(' ');
            s.push_str(&match m {
                ClassMember::Property {
                    modifiers,
                    ty: t,
                    props,
                    ..
                } => {
                    let ps: Vec<String> = props
                        .iter()
                        .map(|(n, d)| match d {
                            Some(d) => format!("${}={}", bytes(n), ex(d)),
                            None => format!("${}", bytes(n)),
                        })
                        .collect();
                    let t = t
                        .as_ref()
                        .map(|t| format!("{} ", ty(t)))
                        .unwrap_or_default();
                    format!("(prop {}{t}{})", mods(modifiers), ps.join(","))
                }
                ClassMember::Const {
                    modifiers, items, ..
                } => {
                    let is: Vec<String> = items
                        .iter()
                        .map(|(n, e)| format!("{}={}", bytes(n), ex(e)))
                        .collect();
                    format!("(const {}{})", mods(modifiers), is.join(","))
                }
                ClassMember::Method { modifiers, decl } => {
                    format!("(method {}{})", mods(modifiers), func(decl))
                }
                ClassMember::TraitUse {
                    traits,
                    adaptations,
                    ..
                } => {
                    let ts: Vec<String> = traits.iter().map(qname).collect();
                    let ad: Vec<String> = adaptations
                        .iter()
                        .map(|a| match a {
                            TraitAdaptation::Insteadof {
                                trait_,
                                method,
                                instead_of,
                            } => format!(
                                " {}::{} insteadof {}",
                                qname(trait_),
                                bytes(method),
                                instead_of.iter().map(qname).collect::<Vec<_>>().join(",")
                            ),
                            TraitAdaptation::Alias {
                                trait_,
                                method,
                                visibility,
                                alias,
                            } => format!(
                                " {}{} as {:?} {}",
                                trait_
                                    .as_ref()
                                    .map(|t| format!("{}::", qname(t)))
                                    .unwrap_or_default(),
                                bytes(method),
                                visibility,
                                alias.as_ref().map(|a| bytes(a)).unwrap_or_default()
                            ),
                        })
                        .collect();
                    format!("(use {}{})", ts.join(","), ad.concat())
                }
                ClassMember::EnumCase { name, value, .. } => match value {
                    Some(v) => format!("(case {}={})", bytes(name), ex(v)),
                    None => format!("(case {})", bytes(name)),
                },
            });
        }
        s
    }

    fn ex(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Int(i) => i.to_string(),
            ExprKind::Float(f) => format!("{f:?}"),
            ExprKind::Str(s) => format!("{:?}", bytes(s)),
            ExprKind::Interp(p) => format!("(interp{})", parts(p)),
            ExprKind::Var(n) => format!("${}", bytes(n)),
            ExprKind::VarVar(e) => format!("(${})", ex(e)),
            ExprKind::Array(items) => format!(
                "[{}]",
                items.iter().map(item).collect::<Vec<_>>().join(", ")
            ),
            ExprKind::List(items) => format!(
                "(list {})",
                items
                    .iter()
                    .map(|i| i.as_ref().map(item).unwrap_or_else(|| "_".into()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ExprKind::Index { base, index } => match index {
                Some(i) => format!("([] {} {})", ex(base), ex(i)),
                None => format!("([] {})", ex(base)),
            },
            ExprKind::Prop {
                obj,
                name,
                nullsafe,
            } => format!(
                "({} {} {})",
                if *nullsafe { "?->" } else { "->" },
                ex(obj),
                member(name)
            ),
            ExprKind::StaticProp { class, name } => {
                format!("(:: {} ${})", class_ref(class), member(name))
            }
            ExprKind::ClassConst { class, name } => {
                format!("(:: {} {})", class_ref(class), bytes(name))
            }
            ExprKind::Const(q) => qname(q),
            ExprKind::Call { func, args: a } => {
                let f = match func {
                    Callee::Name(q) => qname(q),
                    Callee::Expr(e) => ex(e),
                };
                format!("(call {f}{})", args(a))
            }
            ExprKind::New { class, args: a } => format!("(new {}{})", class_ref(class), args(a)),
            ExprKind::MethodCall {
                obj,
                name,
                args: a,
                nullsafe,
            } => format!(
                "({} {} {}{})",
                if *nullsafe { "?mcall" } else { "mcall" },
                ex(obj),
                member(name),
                args(a)
            ),
            ExprKind::StaticCall {
                class,
                name,
                args: a,
            } => format!("(scall {} {}{})", class_ref(class), member(name), args(a)),
            ExprKind::CallableConvert(e) => format!("(fcc {})", ex(e)),
            ExprKind::Unary { op, expr } => {
                let o = match op {
                    UnaryOp::Neg => "neg",
                    UnaryOp::Plus => "pos",
                    UnaryOp::Not => "!",
                    UnaryOp::BitNot => "~",
                };
                format!("({o} {})", ex(expr))
            }
            ExprKind::Binary { op, lhs, rhs } => {
                format!("({} {} {})", op.symbol(), ex(lhs), ex(rhs))
            }
            ExprKind::Assign { target, value } => format!("(= {} {})", ex(target), ex(value)),
            ExprKind::AssignRef { target, value } => {
                format!("(=& {} {})", ex(target), ex(value))
            }
            ExprKind::AssignOp { op, target, value } => {
                format!("({}= {} {})", op.symbol(), ex(target), ex(value))
            }
            ExprKind::IncDec {
                prefix,
                inc,
                target,
            } => format!(
                "({}{} {})",
                if *prefix { "pre" } else { "post" },
                if *inc { "++" } else { "--" },
                ex(target)
            ),
            ExprKind::Ternary { cond, then, else_ } => match then {
                Some(t) => format!("(? {} {} {})", ex(cond), ex(t), ex(else_)),
                None => format!("(?: {} {})", ex(cond), ex(else_)),
            },
            ExprKind::Isset(v) => {
                format!("(isset {})", v.iter().map(ex).collect::<Vec<_>>().join(" "))
            }
            ExprKind::Empty(e) => format!("(empty {})", ex(e)),
            ExprKind::Cast { ty, expr } => format!("({ty:?} {})", ex(expr)).to_lowercase(),
            ExprKind::Silence(e) => format!("(@ {})", ex(e)),
            ExprKind::Closure(f) => format!("(closure {})", func(f)),
            ExprKind::ArrowFn(f) => format!("(fn {})", func(f)),
            ExprKind::Match { subject, arms } => {
                let a: Vec<String> = arms
                    .iter()
                    .map(|arm| match &arm.conds {
                        Some(c) => format!(
                            " ({} => {})",
                            c.iter().map(ex).collect::<Vec<_>>().join(" "),
                            ex(&arm.body)
                        ),
                        None => format!(" (default => {})", ex(&arm.body)),
                    })
                    .collect();
                format!("(match {}{})", ex(subject), a.concat())
            }
            ExprKind::Exit(e) => match e {
                Some(e) => format!("(exit {})", ex(e)),
                None => "(exit)".into(),
            },
            ExprKind::Print(e) => format!("(print {})", ex(e)),
            ExprKind::Include { kind, path } => format!("({kind:?} {})", ex(path)).to_lowercase(),
            ExprKind::Eval(e) => format!("(eval {})", ex(e)),
            ExprKind::Clone(e) => format!("(clone {})", ex(e)),
            ExprKind::Instanceof { expr, class } => {
                format!("(instanceof {} {})", ex(expr), class_ref(class))
            }
            ExprKind::Throw(e) => format!("(throw {})", ex(e)),
            ExprKind::Yield { key, value } => {
                let mut s = String::from("(yield");
                if let Some(k) = key {
                    s.push_str(&format!(" {}=>", ex(k)));
                }
                if let Some(v) = value {
                    s.push_str(&format!(" {}", ex(v)));
                }
                s.push(')');
                s
            }
            ExprKind::YieldFrom(e) => format!("(yield-from {})", ex(e)),
            ExprKind::ShellExec(p) => format!("(shell{})", parts(p)),
            ExprKind::MagicConst(m) => format!("__{m:?}__").to_uppercase(),
        }
    }

    fn block(b: &[Stmt]) -> String {
        b.iter().map(st).collect::<Vec<_>>().join(" ")
    }

    fn exprs(v: &[Expr]) -> String {
        v.iter().map(ex).collect::<Vec<_>>().join(" ")
    }

    fn st(s: &Stmt) -> String {
        match &s.kind {
            StmtKind::Expr(e) => format!("{};", ex(e)),
            StmtKind::Echo(v) => format!("(echo {})", exprs(v)),
            StmtKind::InlineHtml(h) => format!("(html {:?})", bytes(h)),
            StmtKind::If {
                cond,
                then,
                elseifs,
                else_,
            } => {
                let mut out = format!("(if {} ({})", ex(cond), block(then));
                for (c, b) in elseifs {
                    out.push_str(&format!(" (elseif {} ({}))", ex(c), block(b)));
                }
                if let Some(e) = else_ {
                    out.push_str(&format!(" (else {})", block(e)));
                }
                out.push(')');
                out
            }
            StmtKind::While { cond, body } => format!("(while {} ({}))", ex(cond), block(body)),
            StmtKind::DoWhile { body, cond } => format!("(do ({}) {})", block(body), ex(cond)),
            StmtKind::For {
                init,
                cond,
                step,
                body,
            } => format!(
                "(for ({}) ({}) ({}) ({}))",
                exprs(init),
                exprs(cond),
                exprs(step),
                block(body)
            ),
            StmtKind::Foreach {
                subject,
                key,
                value,
                by_ref,
                body,
            } => format!(
                "(foreach {} {}{}{} ({}))",
                ex(subject),
                key.as_ref()
                    .map(|k| format!("{}=>", ex(k)))
                    .unwrap_or_default(),
                if *by_ref { "&" } else { "" },
                ex(value),
                block(body)
            ),
            StmtKind::Switch { subject, cases } => {
                let cs: Vec<String> = cases
                    .iter()
                    .map(|c| match &c.cond {
                        Some(e) => format!(" (case {} {})", ex(e), block(&c.body)),
                        None => format!(" (default {})", block(&c.body)),
                    })
                    .collect();
                format!("(switch {}{})", ex(subject), cs.concat())
            }
            StmtKind::Break(n) => format!("(break {n})"),
            StmtKind::Continue(n) => format!("(continue {n})"),
            StmtKind::Return(e) => match e {
                Some(e) => format!("(return {})", ex(e)),
                None => "(return)".into(),
            },
            StmtKind::Global(n) => format!(
                "(global {})",
                n.iter().map(|n| bytes(n)).collect::<Vec<_>>().join(" ")
            ),
            StmtKind::Static(v) => format!(
                "(static {})",
                v.iter()
                    .map(|(n, d)| match d {
                        Some(d) => format!("${}={}", bytes(n), ex(d)),
                        None => format!("${}", bytes(n)),
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            StmtKind::Unset(v) => format!("(unset {})", exprs(v)),
            StmtKind::Block(b) => format!("{{{}}}", block(b)),
            StmtKind::FunctionDecl(f) => format!("(function {})", func(f)),
            StmtKind::ClassDecl(d) => format!(
                "({} {}{}{})",
                format!("{:?}", d.kind).to_lowercase(),
                mods(&d.modifiers),
                d.name.as_ref().map(|n| bytes(n)).unwrap_or_default(),
                class_body(d)
            ),
            StmtKind::Try {
                body,
                catches,
                finally,
            } => {
                let mut out = format!("(try ({})", block(body));
                for c in catches {
                    out.push_str(&format!(
                        " (catch {} {} ({}))",
                        c.types.iter().map(qname).collect::<Vec<_>>().join("|"),
                        c.var
                            .as_ref()
                            .map(|v| format!("${}", bytes(v)))
                            .unwrap_or_default(),
                        block(&c.body)
                    ));
                }
                if let Some(f) = finally {
                    out.push_str(&format!(" (finally {})", block(f)));
                }
                out.push(')');
                out
            }
            StmtKind::Goto(n) => format!("(goto {})", bytes(n)),
            StmtKind::Label(n) => format!("(label {})", bytes(n)),
            StmtKind::Namespace { name, body } => format!(
                "(namespace {}{})",
                name.as_ref().map(|n| bytes(n)).unwrap_or_default(),
                body.as_ref()
                    .map(|b| format!(" ({})", block(b)))
                    .unwrap_or_default()
            ),
            StmtKind::Use { kind, items } => format!(
                "(use {kind:?}{})",
                items
                    .iter()
                    .map(|i| format!(
                        " {:?}:{}{}",
                        i.kind,
                        bytes(&i.name),
                        i.alias
                            .as_ref()
                            .map(|a| format!(" as {}", bytes(a)))
                            .unwrap_or_default()
                    ))
                    .collect::<String>()
            ),
            StmtKind::Const(items) => format!(
                "(const {})",
                items
                    .iter()
                    .map(|(n, e)| format!("{}={}", bytes(n), ex(e)))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            StmtKind::Declare { directives, body } => format!(
                "(declare {}{})",
                directives
                    .iter()
                    .map(|(n, e)| format!("{}={}", bytes(n), ex(e)))
                    .collect::<Vec<_>>()
                    .join(" "),
                body.as_ref()
                    .map(|b| format!(" ({})", block(b)))
                    .unwrap_or_default()
            ),
            StmtKind::HaltCompiler => "(halt)".into(),
            StmtKind::Nop => "(nop)".into(),
        }
    }

    /// Prints a whole program.
    fn sexpr(program: &Program) -> String {
        block(&program.stmts)
    }

    thread_local! {
        static FAILURES: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    fn fail(message: String) {
        FAILURES.with(|f| f.borrow_mut().push(message));
    }

    /// Table tests record every mismatch and report them together at the end.
    fn finish() {
        let failures = FAILURES.with(|f| std::mem::take(&mut *f.borrow_mut()));
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    fn check(src: &str, expected: &str) {
        match parse(src.as_bytes()) {
            Ok(p) => {
                let got = sexpr(&p);
                if got != expected {
                    fail(format!("source {src:?}\n   got: {got}\n  want: {expected}"));
                }
            }
            Err(e) => fail(format!("source {src:?}: unexpected error {e}")),
        }
    }

    /// `<?php EXPR;` printed without the trailing `;`.
    fn check_expr(src: &str, expected: &str) {
        let full = format!("<?php {src};");
        match parse(full.as_bytes()) {
            Ok(p) => {
                let s = sexpr(&p);
                let got = s.strip_suffix(';').unwrap_or(&s);
                if got != expected {
                    fail(format!("source {src:?}\n   got: {got}\n  want: {expected}"));
                }
            }
            Err(e) => fail(format!("source {src:?}: unexpected error {e}")),
        }
    }

    fn check_err(src: &str, message: &str, line: u32) {
        match parse(src.as_bytes()) {
            Ok(p) => fail(format!(
                "source {src:?}: expected an error, got {}",
                sexpr(&p)
            )),
            Err(e) => {
                if (e.message.as_str(), e.line) != (message, line) {
                    fail(format!(
                        "source {src:?}\n   got: {} (line {})\n  want: {message} (line {line})",
                        e.message, e.line
                    ));
                }
            }
        }
    }

    #[test]
    fn precedence() {
        // Groupings confirmed with php -n -r 'var_dump(...)' on value-revealing operands,
        // e.g. -2 ** 2 === -4, !true instanceof stdClass === true, 1 + 2 . "3" === "33",
        // "1" . 2 + 3 === "15", 1 << 2 . "x" === "4x", "1" . 2 << 3 === "116".
        for (src, expected) in [
            ("1 + 2 * 3", "(+ 1 (* 2 3))"),
            ("1 * 2 + 3", "(+ (* 1 2) 3)"),
            ("1 - 2 - 3", "(- (- 1 2) 3)"),
            ("2 ** 3 ** 2", "(** 2 (** 3 2))"),
            ("-2 ** 2", "(neg (** 2 2))"),
            (
                "!true instanceof stdClass",
                "(! (instanceof true stdClass))",
            ),
            ("1 + 2 . '3'", "(. (+ 1 2) \"3\")"),
            ("'1' . 2 + 3", "(. \"1\" (+ 2 3))"),
            ("1 << 2 . 'x'", "(. (<< 1 2) \"x\")"),
            ("'1' . 2 << 3", "(. \"1\" (<< 2 3))"),
            ("$a ?? $b ?? $c", "(?? $a (?? $b $c))"),
            ("$a || $b && $c", "(|| $a (&& $b $c))"),
            ("$a or $b and $c", "(|| $a (&& $b $c))"),
            ("$a xor $b or $c", "(|| (xor $a $b) $c)"),
            ("$a = 1 and 2", "(&& (= $a 1) 2)"),
            ("$a = 1 && 2", "(= $a (&& 1 2))"),
            ("!$a = foo()", "(! (= $a (call foo)))"),
            ("$x + $y = 5", "(+ $x (= $y 5))"),
            ("$a = $b += 3", "(= $a (+= $b 3))"),
            ("$a ? 1 : 2", "(? $a 1 2)"),
            ("$a ?: 2", "(?: $a 2)"),
            ("$a ? $b : $c ? 1 : 2", "(? (? $a $b $c) 1 2)"),
            ("$a ?? $b ? 1 : 2", "(? (?? $a $b) 1 2)"),
            ("$a == $b < $c", "(== $a (< $b $c))"),
            ("$a & $b == $c", "(& $a (== $b $c))"),
            ("$a | $b ^ $c & $d", "(| $a (^ $b (& $c $d)))"),
            ("-$a instanceof B", "(instanceof (neg $a) B)"),
            ("(int) $a + 1", "(+ (int $a) 1)"),
            ("@$a[0] . 'x'", "(. (@ ([] $a 0)) \"x\")"),
            ("clone $a->b", "(clone (-> $a b))"),
            ("print $a . 'x' and 1", "(&& (print (. $a \"x\")) 1)"),
            ("include 'a' or die", "(include (|| \"a\" (exit)))"),
            ("yield $a or $b", "(|| (yield $a) $b)"),
            ("yield $k => $v . 'x'", "(yield $k=> (. $v \"x\"))"),
            ("$x = yield", "(= $x (yield))"),
            ("throw $e ?? new E", "(throw (?? $e (new E)))"),
            ("$a++ + ++$b", "(+ (post++ $a) (pre++ $b))"),
            ("++$a ** 2", "(** (pre++ $a) 2)"),
            ("-$a ** 2", "(neg (** $a 2))"),
            ("~$a . $b", "(. (~ $a) $b)"),
            ("$a instanceof $b", "(instanceof $a $b)"),
            ("$a <=> $b", "(<=> $a $b)"),
            ("$a %= 3", "(%= $a 3)"),
            ("$a ??= []", "(??= $a [])"),
            ("$a = &$b", "(=& $a $b)"),
            ("$a = &$b->c()", "(=& $a (mcall $b c))"),
            ("fn($x) => $x + 1", "(fn ($x) {(return (+ $x 1))})"),
            ("static fn() => 1", "(fn static () {(return 1)})"),
            ("!$a instanceof B && $c", "(&& (! (instanceof $a B)) $c)"),
        ] {
            check_expr(src, expected);
        }
        finish();
    }

    #[test]
    fn postfix_and_calls() {
        for (src, expected) in [
            ("foo(1, 2)", "(call foo 1 2)"),
            ("\\A\\foo()", "(call \\A\\foo)"),
            ("A\\foo()", "(call A\\foo)"),
            ("namespace\\foo()", "(call namespace\\foo)"),
            ("$f(1)(2)", "(call (call $f 1) 2)"),
            ("$a->b->c()", "(mcall (-> $a b) c)"),
            ("$a?->b?->c()", "(?mcall (?-> $a b) c)"),
            ("$a->list()", "(mcall $a list)"),
            ("$a->class", "(-> $a class)"),
            ("$a->$b", "(-> $a {$b})"),
            ("$a->{'x' . 1}", "(-> $a {(. \"x\" 1)})"),
            ("$a->$b()", "(mcall $a {$b})"),
            ("A::B", "(:: A B)"),
            ("A::class", "(:: A class)"),
            ("A::$b", "(:: A $b)"),
            ("A::$b()", "(scall A {$b})"),
            ("A::$$b", "(:: A ${$b})"),
            ("A::b()", "(scall A b)"),
            ("A::list()", "(scall A list)"),
            ("static::b()", "(scall static b)"),
            ("parent::__construct()", "(scall parent __construct)"),
            ("$a::B", "(:: $a B)"),
            ("$a[0][1]", "([] ([] $a 0) 1)"),
            ("$a[]", "([] $a)"),
            ("$$a", "($$a)"),
            ("$$$a", "($($$a))"),
            ("${'a' . 'b'}", "($(. \"a\" \"b\"))"),
            ("'abc'[0]", "([] \"abc\" 0)"),
            ("[1, 2][0]", "([] [1, 2] 0)"),
            ("FOO[0]", "([] FOO 0)"),
            ("(new A)->b()", "(mcall (new A) b)"),
            ("new A", "(new A)"),
            ("new A(1)", "(new A 1)"),
            ("new $a->b['c']", "(new ([] (-> $a b) \"c\"))"),
            ("new static", "(new static)"),
            ("new ('A' . 'B')", "(new (. \"A\" \"B\"))"),
            ("strlen(...)", "(fcc (call strlen))"),
            ("$o->m(...)", "(fcc (mcall $o m))"),
            ("A::m(...)", "(fcc (scall A m))"),
            ("f(a: 1, ...$b)", "(call f a: 1 ...$b)"),
            ("f(array: 1, class: 2)", "(call f array: 1 class: 2)"),
            ("f(1, 2,)", "(call f 1 2)"),
            ("isset($a, $b[1])", "(isset $a ([] $b 1))"),
            ("empty($a)", "(empty $a)"),
            ("exit", "(exit)"),
            ("exit()", "(exit)"),
            ("die('x')", "(exit \"x\")"),
            ("eval('1;')", "(eval \"1;\")"),
            ("__LINE__", "1"),
            ("__FILE__ . __DIR__", "(. __FILE__ __DIR__)"),
            ("true", "true"),
            ("[1, 'a' => 2, ...$c, &$d]", "[1, \"a\"=>2, ...$c, &$d]"),
            ("array(1, 2,)", "[1, 2]"),
            ("[$a, [$b, $c]] = $d", "(= [$a, [$b, $c]] $d)"),
            ("[, $b] = $d", "(= (list _, $b) $d)"),
            ("list($a, , $c) = $d", "(= (list $a, _, $c) $d)"),
            (
                "list('k' => $a, 'l' => list($b)) = $d",
                "(= (list \"k\"=>$a, \"l\"=>(list $b)) $d)",
            ),
            ("[$a, &$b] = $c", "(= [$a, &$b] $c)"),
            (
                "match($x) { 1, 2 => 'a', default => 'b', }",
                "(match $x (1 2 => \"a\") (default => \"b\"))",
            ),
            (
                "function() use ($a, &$b) { return 1; }",
                "(closure () use($a, &$b) {(return 1)})",
            ),
            (
                "static function &($x = 1, int ...$r): ?int {}",
                "(closure static &($x=1, int ...$r): ?int {})",
            ),
            ("`ls $dir`", "(shell \"ls \" $dir)"),
            ("(string) $a", "(string $a)"),
            ("(binary) $a", "(string $a)"),
            ("(integer) $a", "(int $a)"),
            ("( bool ) $a", "(bool $a)"),
            ("(boolean) $a", "(bool $a)"),
            ("(double) $a", "(float $a)"),
            ("(float) $a", "(float $a)"),
            ("(array) $a", "(array $a)"),
            ("(object) $a", "(object $a)"),
            ("($a)", "$a"),
            (
                "new class(1) extends A implements B { public $x = 1; }",
                "(new (class extends A implements B (prop public $x=1)) 1)",
            ),
            ("$a instanceof static", "(instanceof $a static)"),
            ("yield from gen()", "(yield-from (call gen))"),
            ("enum(1)", "(call enum 1)"),
            ("readonly(1)", "(call readonly 1)"),
        ] {
            check_expr(src, expected);
        }
        finish();
    }

    #[test]
    fn literals_and_strings() {
        // Values checked with php -n -r 'var_dump(...)'.
        for (src, expected) in [
            ("0x1F", "31"),
            ("0b101", "5"),
            ("0o17", "15"),
            ("017", "15"),
            ("1_000_000", "1000000"),
            ("1.5e3", "1500.0"),
            ("1.", "1.0"),
            (".5", "0.5"),
            ("1e3", "1000.0"),
            ("9223372036854775807", "9223372036854775807"),
            ("9223372036854775808", "9.223372036854776e18"),
            ("0x7FFFFFFFFFFFFFFF", "9223372036854775807"),
            ("0xFFFFFFFFFFFFFFFF", "1.8446744073709552e19"),
            ("'a\\'b\\\\c\\n'", "\"a'b\\\\c\\\\n\""),
            ("\"a\\tb\\x41\\101\\u{1F600}\\$\\\"\\q\"", "\"a\\tbAA😀$\\\"\\\\q\""),
            ("\"\\e\\f\\v\\0\"", "\"\\u{1b}\\u{c}\\u{b}\\0\""),
            ("\"$a $b[0] $b[-1] $b[x] $b[$c] $o->p $o?->q\"", "(interp $a \" \" ([] $b 0) \" \" ([] $b -1) \" \" ([] $b \"x\") \" \" ([] $b $c) \" \" (-> $o p) \" \" (?-> $o q))"),
            ("\"{$a->b()['c']} ${d} ${e['f']} ${'g'}\"", "(interp ([] (mcall $a b) \"c\") \" \" $d \" \" ([] $e \"f\") \" \" ($\"g\"))"),
            ("\"$a[01] $a[0x1]\"", "(interp ([] $a \"01\") \" \" ([] $a \"0x1\"))"),
            ("\"$a[0][1]$b->c->d\"", "(interp ([] $a 0) \"[1]\" (-> $b c) \"->d\")"),
            ("\"\\{$a}\"", "(interp \"\\\\{\" $a \"}\")"),
            ("\"{$a}\"", "(interp $a)"),
            ("\"a{ $b}\"", "(interp \"a{ \" $b \"}\")"),
        ] {
            check_expr(src, expected);
        }
        finish();
    }

    #[test]
    fn heredoc() {
        // Expected bodies checked with php -n (var_dump of each heredoc).
        for (src, expected) in [
            ("<?php <<<EOT\n  a\n   b\n  EOT;", "\"a\\n b\";"),
            (
                "<?php <<<EOT\na $x\nb\nEOT;",
                "(interp \"a \" $x \"\\nb\");",
            ),
            ("<?php <<<'EOT'\n  a $x\\n\n  EOT;", "\"a $x\\\\n\";"),
            ("<?php <<<EOT\nEOT;", "\"\";"),
            (
                "<?php <<<\"EOT\"\n\tx\\ty\nEOT . 'z';",
                "(. \"\\tx\\ty\" \"z\");",
            ),
            (
                "<?php <<<EOT\n    a\n\n    b {$c}\n    EOT;",
                "(interp \"a\\n\\nb \" $c);",
            ),
            ("<?php [<<<EOT\n  x\n  EOT, 1];", "[\"x\", 1];"),
            ("<?php <<<EOT\nEOTX\nEOT;", "\"EOTX\";"),
        ] {
            check(src, expected);
        }
        finish();
    }

    #[test]
    fn statements() {
        for (src, expected) in [
            ("<?php echo 1, 2;", "(echo 1 2)"),
            ("<?php if ($a) { b(); } elseif ($c) d(); else { e(); }", "(if $a ((call b);) (elseif $c ((call d);)) (else (call e);))"),
            ("<?php if ($a): b(); elseif ($c): d(); else: e(); endif;", "(if $a ((call b);) (elseif $c ((call d);)) (else (call e);))"),
            ("<?php if ($a) b(); else if ($c) d();", "(if $a ((call b);) (else (if $c ((call d);))))"),
            ("<?php while ($a) { break; }", "(while $a ((break 1)))"),
            ("<?php while ($a): continue 2; endwhile;", "(while $a ((continue 2)))"),
            ("<?php do { $a++; } while ($a < 3);", "(do ((post++ $a);) (< $a 3))"),
            ("<?php for ($i = 0, $j = 1; $i < 3; $i++) ;", "(for ((= $i 0) (= $j 1)) ((< $i 3)) ((post++ $i)) ((nop)))"),
            ("<?php for (;;): endfor;", "(for () () () ())"),
            ("<?php foreach ($a as $k => &$v) {}", "(foreach $a $k=>&$v ())"),
            ("<?php foreach ($a as [$x, $y]): endforeach;", "(foreach $a [$x, $y] ())"),
            ("<?php foreach ($a as list($x, , $y)) {}", "(foreach $a (list $x, _, $y) ())"),
            ("<?php switch ($a) { case 1: case 2; b(); break; default: c(); }", "(switch $a (case 1 ) (case 2 (call b); (break 1)) (default (call c);))"),
            ("<?php switch ($a): case 1: endswitch;", "(switch $a (case 1 ))"),
            ("<?php return;", "(return)"),
            ("<?php global $a, $b;", "(global a b)"),
            ("<?php static $a = 1, $b;", "(static $a=1 $b)"),
            ("<?php unset($a, $b[1],);", "(unset $a ([] $b 1))"),
            ("<?php try { a(); } catch (A | \\B\\C $e) { } catch (D) {} finally { f(); }", "(try ((call a);) (catch A|\\B\\C $e ()) (catch D  ()) (finally (call f);))"),
            ("<?php goto end; end: echo 1;", "(goto end) (label end) (echo 1)"),
            ("<?php namespace A\\B; const X = 1, Y = 2;", "(namespace A\\B) (const X=1 Y=2)"),
            ("<?php namespace A { } namespace { }", "(namespace A ()) (namespace  ())"),
            ("<?php use A\\B, C as D; use function f\\g; use const X\\Y as Z;", "(use Class Class:A\\B Class:C as D) (use Function Function:f\\g) (use Const Const:X\\Y as Z)"),
            ("<?php use A\\{B, C\\D as E, function f, const G};", "(use Class Class:A\\B Class:A\\C\\D as E Function:A\\f Const:A\\G)"),
            ("<?php use \\A\\B;", "(use Class Class:A\\B)"),
            ("<?php declare(strict_types=1);", "(declare strict_types=1)"),
            ("<?php declare(ticks=1) { a(); }", "(declare ticks=1 ((call a);))"),
            ("<?php function &f(int|string $a, ?A $b = null, A&B $c, (A&B)|null $d, &$e, ...$f): static {}", "(function &f(int|string $a, ?A $b=null, (A&B) $c, (A&B)|null $d, &$e, ...$f): static {})"),
            ("<?php function f(A & $x) {}", "(function f(A &$x) {})"),
            ("<?php abstract class A extends B implements C, D { const X = 1, FOREACH = 2; public static ?int $a = 1, $b; var $c; abstract protected function f(); public function print() { } final public const Y = 2; }", "(class abstract A extends B implements C,D (const X=1,FOREACH=2) (prop public static ?int $a=1,$b) (prop $c) (method protected abstract f();) (method public print() {}) (const public final Y=2))"),
            ("<?php final readonly class A { public function __construct(private readonly int $x, public $y = 2) {} }", "(class final readonly A (method public __construct(private readonly int $x, public $y=2) {}))"),
            ("<?php interface I extends A, B { public function f(); }", "(interface I implements A,B (method public f();))"),
            ("<?php trait T { use A, B { A::f insteadof B; B::f as protected g; h as private; i as j; } }", "(trait T (use A,B A::f insteadof B B::f as Some(Protected) g h as Some(Private)  i as None j))"),
            ("<?php enum Suit: string implements I { case Hearts = 'H'; case Spades = 'S'; const X = self::Hearts; public function f() {} }", "(enum Suit implements I : string (case Hearts=\"H\") (case Spades=\"S\") (const X=(:: self Hearts)) (method public f() {}))"),
            ("<?php enum E { case A; }", "(enum E (case A))"),
            ("<?php $enum = 1; enum(1);", "(= $enum 1); (call enum 1);"),
            ("<?php #[Attr(1), B] function f(#[X] $a) {} #[A] class C { #[B] public $x; }", "(function f($a) {}) (class C (prop public $x))"),
            ("<?php $f = #[A] fn() => 1;", "(= $f (fn () {(return 1)}));"),
            ("<?php __halt_compiler(); garbage ( ] ", "(halt)"),
            ("<?php list($a) = [1];", "(= (list $a) [1]);"),
            ("<?php\n$a = 1 ?>\n<?php $b = 2;", "(= $a 1); (= $b 2);"),
        ] {
            check(src, expected);
        }
        finish();
    }

    #[test]
    fn tags_and_inline_html() {
        for (src, expected) in [
            ("a<?php echo 1 ?>\nb", "(html \"a\") (echo 1) (html \"b\")"),
            (
                "a<?php echo 1 ?>\n\nb",
                "(html \"a\") (echo 1) (html \"\\nb\")",
            ),
            ("<?= $a ?>x", "(echo $a) (html \"x\")"),
            ("<?= $a, $b;", "(echo $a $b)"),
            ("<?PHP\necho 1;", "(echo 1)"),
            ("<?php", ""),
            ("<? echo 1;", "(echo 1)"),
            ("x", "(html \"x\")"),
            (
                "<?php if ($a): ?>A<?php else: ?>B<?php endif; ?>",
                "(if $a ((nop) (html \"A\")) (else (nop) (html \"B\"))) (nop)",
            ),
            ("<?php // comment ?>x", "(nop) (html \"x\")"),
            ("<?php # comment ?>x", "(nop) (html \"x\")"),
            ("<?php /* ?> */ echo 1;", "(echo 1)"),
            ("<?php /** doc */ echo 1;", "(echo 1)"),
        ] {
            check(src, expected);
        }
        finish();
    }

    #[test]
    fn lines() {
        let p = parse(b"<?php\n$a =\n  1 +\n  f(\n 2);\necho $a\n , 1;\nfunction f() {\n}\n")
            .expect("parses");
        assert_eq!(p.stmts[0].line, 2);
        let StmtKind::Expr(e) = &p.stmts[0].kind else {
            panic!()
        };
        assert_eq!(e.line, 2);
        let ExprKind::Assign { value, .. } = &e.kind else {
            panic!()
        };
        assert_eq!(value.line, 3);
        let ExprKind::Binary { rhs, .. } = &value.kind else {
            panic!()
        };
        assert_eq!(rhs.line, 4);
        assert_eq!(p.stmts[1].line, 6);
        let StmtKind::FunctionDecl(f) = &p.stmts[2].kind else {
            panic!()
        };
        assert_eq!((f.line, f.end_line), (8, 9));
        check_expr("\n\n__LINE__", "3");
    }

    #[test]
    fn errors() {
        // Messages and lines produced by `php -n -l` on each source (PHP 8.2).
        for (src, message, line) in [
            ("<?php $a = 1 $b = 2;", "syntax error, unexpected variable \"$b\"", 1),
            ("<?php foo() }", "Unmatched '}'", 1),
            ("<?php if ($a) { foo();", "Unclosed '{'", 1),
            ("<?php foo(1, 2;", "syntax error, unexpected token \";\", expecting \")\"", 1),
            ("<?php $x = (real) 5;", "The (real) cast has been removed, use (float) instead", 1),
            ("<?php 1 < 2 < 3;", "syntax error, unexpected token \"<\"", 1),
            ("<?php 1 == 2 != 3;", "syntax error, unexpected token \"!=\"", 1),
            ("<?php $a = \"abc\" \"def\";", "syntax error, unexpected double-quoted string \"def\"", 1),
            ("<?php $a = 'abc' 'def';", "syntax error, unexpected single-quoted string \"def\"", 1),
            ("<?php $a = 1 2.5;", "syntax error, unexpected floating-point number \"2.5\"", 1),
            ("<?php $a = 1 A\\B;", "syntax error, unexpected namespaced name \"A\\B\"", 1),
            ("<?php $a = 1 \\A\\B;", "syntax error, unexpected fully qualified name \"\\A\\B\"", 1),
            ("<?php $a = 1 namespace\\B;", "syntax error, unexpected namespace-relative name \"namespace\\B\"", 1),
            ("<?php $a = \"x $b\" \"y $c\";", "syntax error, unexpected double-quote mark", 1),
            ("<?php echo 1 abcdefghijklmnopqrstuvwxyz0123456789abcdefghijkl;", "syntax error, unexpected identifier \"abcdefghijklmnopqrstuvwxyz0123...\", expecting \",\" or \";\"", 1),
            ("<?php $a = 1 die;", "syntax error, unexpected token \"exit\"", 1),
            ("<?php $a = 1 +;", "syntax error, unexpected token \";\"", 1),
            ("<?php class { }", "syntax error, unexpected token \"{\", expecting identifier", 1),
            ("<?php $a = [1, 2", "Unclosed '['", 1),
            ("<?php $a->;", "syntax error, unexpected token \";\", expecting identifier or variable or \"{\" or \"$\"", 1),
            ("<?php $a = 1 <<<EOT\nabc\nEOT;\n", "syntax error, unexpected heredoc start \"<<<EOT\"", 2),
            ("<?php foo(1, 2];", "Unclosed '(' does not match ']'", 1),
            ("<?php foo(1, \n2", "Unclosed '(' on line 1", 2),
            ("<?php $a = \"abc", "syntax error, unexpected end of file, expecting variable or \"${\" or \"{$\"", 1),
            ("<?php $a = 1 /* abc", "Unterminated comment starting line 1", 1),
            ("<?php $a = <<<EOT\nabc\n", "syntax error, unexpected end of file, expecting variable or heredoc end or \"${\" or \"{$\"", 3),
            ("<?php $a = 0x; ", "syntax error, unexpected identifier \"x\"", 1),
            ("<?php $a = 1_000_;", "syntax error, unexpected identifier \"_\"", 1),
            ("<?php $a = 08;", "Invalid numeric literal", 1),
            ("<?php $a = \"\\u{zz}\";", "Invalid UTF-8 codepoint escape sequence", 1),
            ("<?php $a = \"\\u{110000}\";", "Invalid UTF-8 codepoint escape sequence: Codepoint too large", 1),
            ("<?php $a = 1\n+\n\"abc\ndef\" \"x\ny\";", "syntax error, unexpected double-quoted string \"x\"", 5),
            ("<?php $a = \"$x[ 1]\";", "syntax error, unexpected string content \"\", expecting \"-\" or identifier or variable or number", 1),
            ("<?php\n$a = <<<EOT\n  abc\n def\n  EOT;", "Invalid body indentation level (expecting an indentation level of at least 2)", 4),
            ("<?php\n$a = <<<EOT\n  abc\n\t def\n  EOT;", "Invalid indentation - tabs and spaces cannot be mixed", 4),
            ("<?php $a = `abc", "syntax error, unexpected end of file, expecting \"`\"", 1),
            ("<?php $a = 'abc", "syntax error, unexpected string content \"abc\"", 1),
            ("<?php 1 ?>abc<?php 2", "syntax error, unexpected end of file", 1),
            ("<?php $a = 1", "syntax error, unexpected end of file", 1),
            ("<?php\n$a = 1\n", "syntax error, unexpected end of file", 3),
            ("<?php if (1) { } else", "syntax error, unexpected end of file", 1),
            ("<?php return 1 2;", "syntax error, unexpected integer \"2\", expecting \";\"", 1),
            ("<?php foo() bar();", "syntax error, unexpected identifier \"bar\"", 1),
            ("<?php $a = ;", "syntax error, unexpected token \";\"", 1),
            ("<?php function f( {}", "syntax error, unexpected token \"{\", expecting variable", 1),
            ("<?php class A { public $x }", "syntax error, unexpected token \"}\", expecting \",\" or \";\"", 1),
            ("<?php class A { foo }", "syntax error, unexpected identifier \"foo\", expecting \"function\" or \"const\"", 1),
            ("<?php $a = [1 2];", "syntax error, unexpected integer \"2\", expecting \"]\"", 1),
            ("<?php foo(1 2);", "syntax error, unexpected integer \"2\", expecting \")\"", 1),
            ("<?php while (1 { }", "syntax error, unexpected token \"{\"", 1),
            ("<?php if 1", "syntax error, unexpected integer \"1\", expecting \"(\"", 1),
            ("<?php $a = array(1 2);", "syntax error, unexpected integer \"2\", expecting \")\"", 1),
            ("<?php $x = function() use {};", "syntax error, unexpected token \"{\", expecting \"(\"", 1),
            ("<?php $a->b(1 2);", "syntax error, unexpected integer \"2\", expecting \")\"", 1),
            ("<?php $a = $b ? 1;", "syntax error, unexpected token \";\"", 1),
            ("<?php function 1() {}", "syntax error, unexpected integer \"1\", expecting \"(\"", 1),
            ("<?php\n$a = 'abc\n", "syntax error, unexpected string content \"abc\"", 2),
            ("<?php\nclass A extends {}\n", "syntax error, unexpected token \"{\"", 2),
            ("<?php\n$a = match($x) { 1 => 2 3 => 4 };\n", "syntax error, unexpected integer \"3\", expecting \"}\"", 2),
            ("<?php\nfunction f() {\n  return 1\n}\n", "syntax error, unexpected token \"}\", expecting \";\"", 4),
            ("<?php\nclass A {\n  public function f() {\n    echo 1;\n  \n}\n", "Unclosed '{' on line 2", 7),
            ("<?php\n$x = function() { };\n$x->\n", "syntax error, unexpected end of file, expecting identifier or variable or \"{\" or \"$\"", 4),
            ("<?php\nforeach ($a as $k => $v => $w) {}\n", "syntax error, unexpected token \"=>\", expecting \")\"", 2),
            ("<?php\nnew Foo()->bar();\n", "syntax error, unexpected token \"->\"", 2),
            ("<?php\nwhile ($a) :\n  echo 1;\nendfor;\n", "syntax error, unexpected token \"endfor\"", 4),
            ("<?php\necho 1\necho 2;\n", "syntax error, unexpected token \"echo\", expecting \",\" or \";\"", 3),
            ("<?php\nuse A\\B as;\n", "syntax error, unexpected token \";\", expecting identifier", 2),
            ("<?php\nfunction f($a $b) {}\n", "syntax error, unexpected variable \"$b\", expecting \")\"", 2),
        ] {
            check_err(src, message, line);
        }
        finish();
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        // Run on a thread with the main thread's usual 8 MB stack.
        let handle = std::thread::Builder::new()
            .stack_size(16 << 20)
            .spawn(|| {
                // Unoptimised frames are several times larger: see `STACK_BUDGET`.
                let fine = if cfg!(debug_assertions) { 60 } else { 1000 };
                for (open, close) in [("(", ")"), ("f(", ")"), ("[", "]"), ("!", ""), ("$a[", "]")]
                {
                    let ok = format!("<?php {}1{};", open.repeat(fine), close.repeat(fine));
                    assert!(parse(ok.as_bytes()).is_ok(), "{open}");
                }
                let ok = format!("<?php {}{}", "{".repeat(fine / 3), "}".repeat(fine / 3));
                assert!(parse(ok.as_bytes()).is_ok());
                let deep = format!("<?php {}1{};", "(".repeat(10_000), ")".repeat(10_000));
                let err = parse(deep.as_bytes()).expect_err("too deep");
                assert!(err.message.contains("nesting"), "{}", err.message);
                let index = format!("<?php $a{};", "[1]".repeat(10_000));
                assert!(parse(index.as_bytes()).is_ok());
                let blocks = format!("<?php {}{}", "{".repeat(10_000), "}".repeat(10_000));
                assert!(parse(blocks.as_bytes()).is_err());
            })
            .expect("spawn");
        handle.join().expect("no stack overflow");
    }

    #[test]
    fn large_file_parses_quickly() {
        let mut src = String::from("<?php\n");
        let mut i = 0;
        while src.len() < 1 << 20 {
            src.push_str(&format!(
                "function f{i}($a, $b = [1, 2, 'x' => \"y$i\"]) {{ if ($a > {i}) {{ return $a * $b[0] + strlen('abc') . \"{{$a}}\"; }} foreach ($b as $k => $v) {{ $a += $v ?? 0; }} return $a; }}\n"
            ));
            i += 1;
        }
        let start = std::time::Instant::now();
        let program = parse(src.as_bytes()).expect("parses");
        assert_eq!(program.stmts.len(), i);
        // Generous for unoptimised debug builds on a shared machine.
        assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
    }
}
