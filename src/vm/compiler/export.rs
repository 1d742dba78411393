//! Expressions back to PHP source text, as `zend_ast_export` prints them: the message of a
//! failed `assert()` is `assert(<the expression>)` in this form (spaces around binary
//! operators, strings single-quoted, `and`/`or` written `&&`/`||`, parentheses only where
//! precedence needs them).
//!
//! PHP prints the AST after constant folding (`3 . "a"` becomes `'3a'`); this printer does
//! not fold, so such an expression reads as written.

use super::super::ast::{
    Arg, ArrayItem, BinOp, Callee, CastType, ClassRef, Expr, ExprKind, InterpPart, MagicConst,
    Member, NameKind, QName, UnaryOp,
};

/// `assert(<expr>)` for the failure message of `assert(expr)`.
pub fn assert_message(e: &Expr) -> Vec<u8> {
    let mut out = b"assert(".to_vec();
    expr(&mut out, e, 0);
    out.push(b')');
    out
}

fn qname(out: &mut Vec<u8>, q: &QName) {
    match q.kind {
        NameKind::FullyQualified => out.push(b'\\'),
        NameKind::Relative => out.extend_from_slice(b"namespace\\"),
        NameKind::Unqualified | NameKind::Qualified => {}
    }
    out.extend_from_slice(&q.name);
}

fn string_lit(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'\'');
    for &b in s {
        if b == b'\'' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'\'');
}

fn class_ref(out: &mut Vec<u8>, c: &ClassRef) {
    match c {
        ClassRef::Name(q) => qname(out, q),
        ClassRef::Expr(e) => expr(out, e, 0),
        ClassRef::Anon(_) => out.extend_from_slice(b"class"),
    }
}

fn member(out: &mut Vec<u8>, m: &Member, dollar: bool) {
    match m {
        Member::Name(n) => {
            if dollar {
                out.push(b'$');
            }
            out.extend_from_slice(n);
        }
        Member::Expr(e) => {
            if let ExprKind::Var(_) = e.kind {
                expr(out, e, 0);
            } else {
                out.push(b'{');
                expr(out, e, 0);
                out.push(b'}');
            }
        }
    }
}

fn args(out: &mut Vec<u8>, list: &[Arg]) {
    out.push(b'(');
    for (i, a) in list.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        if let Some(n) = &a.name {
            out.extend_from_slice(n);
            out.extend_from_slice(b": ");
        }
        if a.unpack {
            out.extend_from_slice(b"...");
        }
        expr(out, &a.value, 0);
    }
    out.push(b')');
}

fn array_item(out: &mut Vec<u8>, it: &ArrayItem) {
    if it.unpack {
        out.extend_from_slice(b"...");
    }
    if let Some(k) = &it.key {
        expr(out, k, 80);
        out.extend_from_slice(b" => ");
    }
    if it.by_ref {
        out.push(b'&');
    }
    expr(out, &it.value, 80);
}

/// `(priority, left priority, right priority)` of a binary operator, as in `zend_ast.c`.
fn binop_priority(op: BinOp) -> (u32, u32, u32) {
    match op {
        BinOp::Add | BinOp::Sub => (200, 200, 201),
        BinOp::Mul | BinOp::Div | BinOp::Mod => (210, 210, 211),
        BinOp::Shl | BinOp::Shr => (190, 190, 191),
        BinOp::Concat => (185, 185, 186),
        BinOp::BitOr => (140, 140, 141),
        BinOp::BitAnd => (160, 160, 161),
        BinOp::BitXor => (150, 150, 151),
        BinOp::Identical | BinOp::NotIdentical | BinOp::Eq | BinOp::NotEq => (170, 171, 171),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Spaceship => (180, 181, 181),
        BinOp::Pow => (250, 251, 250),
        BinOp::Xor => (40, 40, 41),
        BinOp::And => (130, 130, 131),
        BinOp::Or => (120, 120, 121),
        BinOp::Coalesce => (110, 111, 110),
    }
}

fn interp(out: &mut Vec<u8>, parts: &[InterpPart], quote: u8) {
    out.push(quote);
    for p in parts {
        match p {
            InterpPart::Lit(s) => {
                for &b in s {
                    match b {
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        b'"' | b'\\' | b'$' => {
                            out.push(b'\\');
                            out.push(b);
                        }
                        _ => out.push(b),
                    }
                }
            }
            InterpPart::Expr(e) => {
                out.push(b'{');
                expr(out, e, 0);
                out.push(b'}');
            }
        }
    }
    out.push(quote);
}

fn float(out: &mut Vec<u8>, f: f64) {
    // `%.17G` as zend_ast_export prints a double, trimmed as PHP's smart_str_append_double.
    let s = if f.is_finite() && f == f.trunc() && f.abs() < 1e15 {
        format!("{f:.1}")
    } else {
        format!("{f:?}")
    };
    out.extend_from_slice(s.as_bytes());
}

/// Prints `e` in a context of precedence `priority` (parenthesised when it binds looser).
pub fn expr(out: &mut Vec<u8>, e: &Expr, priority: u32) {
    let wrap = |out: &mut Vec<u8>, p: u32, f: &mut dyn FnMut(&mut Vec<u8>)| {
        if priority > p {
            out.push(b'(');
        }
        f(out);
        if priority > p {
            out.push(b')');
        }
    };
    match &e.kind {
        ExprKind::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        ExprKind::Float(f) => float(out, *f),
        ExprKind::Str(s) => string_lit(out, s),
        ExprKind::Interp(parts) => interp(out, parts, b'"'),
        ExprKind::ShellExec(parts) => interp(out, parts, b'`'),
        ExprKind::Var(n) => {
            out.push(b'$');
            out.extend_from_slice(n);
        }
        ExprKind::VarVar(inner) => {
            out.extend_from_slice(b"${");
            expr(out, inner, 0);
            out.push(b'}');
        }
        ExprKind::Array(items) => {
            out.push(b'[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                array_item(out, it);
            }
            out.push(b']');
        }
        ExprKind::List(items) => {
            out.extend_from_slice(b"list(");
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                if let Some(it) = it {
                    array_item(out, it);
                }
            }
            out.push(b')');
        }
        ExprKind::Index { base, index } => {
            expr(out, base, 260);
            out.push(b'[');
            if let Some(i) = index {
                expr(out, i, 0);
            }
            out.push(b']');
        }
        ExprKind::Prop {
            obj,
            name,
            nullsafe,
        } => {
            expr(out, obj, 0);
            out.extend_from_slice(if *nullsafe { b"?->" } else { b"->" });
            member(out, name, false);
        }
        ExprKind::StaticProp { class, name } => {
            class_ref(out, class);
            out.extend_from_slice(b"::");
            member(out, name, true);
        }
        ExprKind::ClassConst { class, name } => {
            class_ref(out, class);
            out.extend_from_slice(b"::");
            out.extend_from_slice(name);
        }
        ExprKind::Const(q) => qname(out, q),
        ExprKind::Call { func, args: a } => {
            match func {
                Callee::Name(q) => qname(out, q),
                Callee::Expr(c) => expr(out, c, 0),
            }
            args(out, a);
        }
        ExprKind::New { class, args: a } => {
            out.extend_from_slice(b"new ");
            class_ref(out, class);
            args(out, a);
        }
        ExprKind::MethodCall {
            obj,
            name,
            args: a,
            nullsafe,
        } => {
            expr(out, obj, 0);
            out.extend_from_slice(if *nullsafe { b"?->" } else { b"->" });
            member(out, name, false);
            args(out, a);
        }
        ExprKind::StaticCall {
            class,
            name,
            args: a,
        } => {
            class_ref(out, class);
            out.extend_from_slice(b"::");
            member(out, name, false);
            args(out, a);
        }
        ExprKind::CallableConvert(inner) => {
            let mut s = Vec::new();
            expr(&mut s, inner, 0);
            if s.ends_with(b"()") {
                s.truncate(s.len() - 1);
                s.extend_from_slice(b"...)");
            }
            out.extend_from_slice(&s);
        }
        ExprKind::Unary { op, expr: inner } => {
            let sym: &[u8] = match op {
                UnaryOp::Neg => b"-",
                UnaryOp::Plus => b"+",
                UnaryOp::Not => b"!",
                UnaryOp::BitNot => b"~",
            };
            wrap(out, 240, &mut |out| {
                out.extend_from_slice(sym);
                expr(out, inner, 241);
            });
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let (p, pl, pr) = binop_priority(*op);
            wrap(out, p, &mut |out| {
                expr(out, lhs, pl);
                out.push(b' ');
                out.extend_from_slice(op.symbol().as_bytes());
                out.push(b' ');
                expr(out, rhs, pr);
            });
        }
        ExprKind::Assign { target, value } => wrap(out, 90, &mut |out| {
            expr(out, target, 91);
            out.extend_from_slice(b" = ");
            expr(out, value, 90);
        }),
        ExprKind::AssignRef { target, value } => wrap(out, 90, &mut |out| {
            expr(out, target, 91);
            out.extend_from_slice(b" =& ");
            expr(out, value, 90);
        }),
        ExprKind::AssignOp { op, target, value } => wrap(out, 90, &mut |out| {
            expr(out, target, 91);
            out.push(b' ');
            out.extend_from_slice(op.symbol().as_bytes());
            out.extend_from_slice(b"= ");
            expr(out, value, 90);
        }),
        ExprKind::IncDec {
            prefix,
            inc,
            target,
        } => {
            let sym: &[u8] = if *inc { b"++" } else { b"--" };
            if *prefix {
                out.extend_from_slice(sym);
                expr(out, target, 260);
            } else {
                expr(out, target, 260);
                out.extend_from_slice(sym);
            }
        }
        ExprKind::Ternary { cond, then, else_ } => wrap(out, 100, &mut |out| {
            expr(out, cond, 100);
            match then {
                Some(t) => {
                    out.extend_from_slice(b" ? ");
                    expr(out, t, 101);
                    out.extend_from_slice(b" : ");
                }
                None => out.extend_from_slice(b" ?: "),
            }
            expr(out, else_, 101);
        }),
        // PHP's parser turns `isset(a, b)` into `isset(a) && isset(b)`.
        ExprKind::Isset(list) => {
            let p = if list.len() > 1 { 130 } else { u32::MAX };
            wrap(out, p, &mut |out| {
                for (i, x) in list.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b" && ");
                    }
                    out.extend_from_slice(b"isset(");
                    expr(out, x, 0);
                    out.push(b')');
                }
            });
        }
        ExprKind::Empty(inner) => {
            out.extend_from_slice(b"empty(");
            expr(out, inner, 0);
            out.push(b')');
        }
        ExprKind::Cast { ty, expr: inner } => {
            let name: &[u8] = match ty {
                CastType::Int => b"(int)",
                CastType::Float => b"(double)",
                CastType::String => b"(string)",
                CastType::Bool => b"(bool)",
                CastType::Array => b"(array)",
                CastType::Object => b"(object)",
                CastType::Unset => b"(unset)",
            };
            wrap(out, 240, &mut |out| {
                out.extend_from_slice(name);
                expr(out, inner, 241);
            });
        }
        ExprKind::Silence(inner) => wrap(out, 240, &mut |out| {
            out.push(b'@');
            expr(out, inner, 241);
        }),
        ExprKind::Closure(_) => out.extend_from_slice(b"function () {\n}"),
        ExprKind::ArrowFn(_) => out.extend_from_slice(b"fn() => ..."),
        ExprKind::Match { subject, .. } => {
            out.extend_from_slice(b"match (");
            expr(out, subject, 0);
            out.extend_from_slice(b") {\n}");
        }
        ExprKind::Exit(arg) => {
            out.extend_from_slice(b"exit");
            if let Some(a) = arg {
                out.push(b'(');
                expr(out, a, 0);
                out.push(b')');
            }
        }
        ExprKind::Print(inner) => wrap(out, 60, &mut |out| {
            out.extend_from_slice(b"print ");
            expr(out, inner, 61);
        }),
        ExprKind::Include { path, .. } => {
            out.extend_from_slice(b"include ");
            expr(out, path, 0);
        }
        ExprKind::Eval(inner) => {
            out.extend_from_slice(b"eval(");
            expr(out, inner, 0);
            out.push(b')');
        }
        ExprKind::Clone(inner) => wrap(out, 270, &mut |out| {
            out.extend_from_slice(b"clone ");
            expr(out, inner, 271);
        }),
        ExprKind::Instanceof { expr: inner, class } => wrap(out, 230, &mut |out| {
            expr(out, inner, 231);
            out.extend_from_slice(b" instanceof ");
            class_ref(out, class);
        }),
        ExprKind::Throw(inner) => {
            out.extend_from_slice(b"throw ");
            expr(out, inner, 0);
        }
        ExprKind::Yield { key, value } => wrap(out, 70, &mut |out| {
            out.extend_from_slice(b"yield");
            if let Some(k) = key {
                out.push(b' ');
                expr(out, k, 70);
                out.extend_from_slice(b" =>");
            }
            if let Some(v) = value {
                out.push(b' ');
                expr(out, v, 70);
            }
        }),
        ExprKind::YieldFrom(inner) => wrap(out, 70, &mut |out| {
            out.extend_from_slice(b"yield from ");
            expr(out, inner, 70);
        }),
        ExprKind::MagicConst(m) => out.extend_from_slice(magic_name(*m)),
    }
}

fn magic_name(m: MagicConst) -> &'static [u8] {
    match m {
        MagicConst::File => b"__FILE__",
        MagicConst::Dir => b"__DIR__",
        MagicConst::Function => b"__FUNCTION__",
        MagicConst::Class => b"__CLASS__",
        MagicConst::Method => b"__METHOD__",
        MagicConst::Namespace => b"__NAMESPACE__",
        MagicConst::Trait => b"__TRAIT__",
    }
}
