//! Compile-time checks of class declarations that PHP reports as fatal errors before
//! anything runs: enum restrictions, `readonly` rules, magic method signatures, duplicate
//! members, constructor promotion rules (`zend_compile.c`, `zend_check_magic_method_*`).

use super::super::ast::{self, ClassKind, ClassMember, TypeHint};
use super::super::error::CompileError;

type R<T> = Result<T, CompileError>;

fn fail<T>(message: String, line: u32) -> R<T> {
    Err(CompileError { message, line })
}

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The last segment of a possibly qualified class name (as PHP names it in messages).
fn type_name(t: &TypeHint) -> Option<Vec<u8>> {
    match t {
        TypeHint::Named(q) => Some(q.name.to_ascii_lowercase()),
        _ => None,
    }
}

/// Magic methods an enum may not declare.
const ENUM_FORBIDDEN: &[&str] = &[
    "__construct",
    "__destruct",
    "__clone",
    "__get",
    "__set",
    "__unset",
    "__isset",
    "__tostring",
    "__debuginfo",
    "__serialize",
    "__unserialize",
    "__sleep",
    "__wakeup",
    "__set_state",
];

/// Checks one class-like declaration named `name`.
pub(super) fn check_class(decl: &ast::ClassDecl, name: &[u8]) -> R<()> {
    // Anonymous classes are named up to their NUL byte in messages.
    let cname = s(name.split(|&b| b == 0).next().unwrap_or(name));
    let is_enum = decl.kind == ClassKind::Enum;
    if let Some(b) = &decl.enum_backing {
        let ok = matches!(type_name(b).as_deref(), Some(b"int") | Some(b"string"));
        if !ok {
            let shown = match b {
                TypeHint::Named(q) => s(&q.name),
                _ => "mixed".to_string(),
            };
            return fail(
                format!("Enum backing type must be int or string, {shown} given"),
                decl.line,
            );
        }
    }
    let mut methods: Vec<Vec<u8>> = Vec::new();
    let mut props: Vec<Vec<u8>> = Vec::new();
    for m in &decl.members {
        match m {
            ClassMember::EnumCase {
                name: case,
                value,
                line,
            } => {
                if !is_enum {
                    return fail("Case can only be used in enums".into(), *line);
                }
                match (decl.enum_backing.is_some(), value.is_some()) {
                    (false, true) => {
                        return fail(
                            format!(
                                "Case {} of non-backed enum {} must not have a value",
                                s(case),
                                cname
                            ),
                            *line,
                        )
                    }
                    (true, false) => {
                        return fail(
                            format!(
                                "Case {} of backed enum {} must have a value",
                                s(case),
                                cname
                            ),
                            *line,
                        )
                    }
                    _ => {}
                }
            }
            ClassMember::Const {
                modifiers, line, ..
            } => {
                for (bad, on) in [
                    ("readonly", modifiers.is_readonly),
                    ("static", modifiers.is_static),
                    ("abstract", modifiers.is_abstract),
                ] {
                    if on {
                        return fail(format!("Cannot use '{bad}' as constant modifier"), *line);
                    }
                }
            }
            ClassMember::Property {
                modifiers,
                ty,
                props: items,
                line,
            } => {
                if is_enum {
                    return fail(format!("Enum {cname} cannot include properties"), *line);
                }
                if decl.kind == ClassKind::Interface {
                    return fail("Interfaces may not include properties".into(), *line);
                }
                if modifiers.is_abstract {
                    return fail("Properties cannot be declared abstract".into(), *line);
                }
                for (pname, default) in items {
                    let pn = s(pname);
                    if modifiers.is_final {
                        return fail(
                            format!("Cannot declare property {cname}::${pn} final, the final modifier is allowed only for methods, classes, and class constants"),
                            *line,
                        );
                    }
                    if let Some(t) = ty.as_ref().and_then(type_name) {
                        if matches!(t.as_slice(), b"void" | b"never" | b"callable") {
                            return fail(
                                format!("Property {cname}::${pn} cannot have type {}", s(&t)),
                                *line,
                            );
                        }
                    }
                    let readonly = modifiers.is_readonly || decl.modifiers.is_readonly;
                    if readonly {
                        if modifiers.is_static {
                            return fail(
                                format!("Static property {cname}::${pn} cannot be readonly"),
                                *line,
                            );
                        }
                        if ty.is_none() {
                            return fail(
                                format!("Readonly property {cname}::${pn} must have type"),
                                *line,
                            );
                        }
                        if default.is_some() {
                            return fail(
                                format!(
                                    "Readonly property {cname}::${pn} cannot have default value"
                                ),
                                *line,
                            );
                        }
                    }
                    if props.contains(pname) {
                        return fail(format!("Cannot redeclare {cname}::${pn}"), *line);
                    }
                    props.push(pname.clone());
                }
            }
            ClassMember::Method { modifiers, decl: f } => {
                let lc = f.name.to_ascii_lowercase();
                let mname = s(&f.name);
                if methods.contains(&lc) {
                    return fail(format!("Cannot redeclare {cname}::{mname}()"), f.line);
                }
                methods.push(lc.clone());
                if is_enum {
                    if ENUM_FORBIDDEN.iter().any(|m| m.as_bytes() == lc.as_slice()) {
                        return fail(
                            format!("Enum {cname} cannot include magic method {mname}"),
                            f.line,
                        );
                    }
                    let natives: &[&[u8]] = if decl.enum_backing.is_some() {
                        &[b"cases", b"from", b"tryfrom"]
                    } else {
                        &[b"cases"]
                    };
                    if natives.contains(&lc.as_slice()) {
                        return fail(format!("Cannot redeclare {cname}::{mname}()"), f.line);
                    }
                }
                check_method(decl, &cname, modifiers, f, &lc)?;
                check_params(
                    f,
                    &lc,
                    modifiers.is_abstract || decl.kind == ClassKind::Interface,
                )?;
            }
            ClassMember::TraitUse { .. } => {}
        }
    }
    // Promoted constructor parameters are properties too.
    for m in &decl.members {
        if let ClassMember::Method { decl: f, .. } = m {
            if f.name.eq_ignore_ascii_case(b"__construct") {
                for p in &f.params {
                    if let Some(pm) = &p.promote {
                        if is_enum {
                            return fail(format!("Enum {cname} cannot include properties"), p.line);
                        }
                        if (pm.is_readonly || decl.modifiers.is_readonly) && p.ty.is_none() {
                            return fail(
                                format!(
                                    "Readonly property {cname}::${} must have type",
                                    s(&p.name)
                                ),
                                p.line,
                            );
                        }
                        if props.contains(&p.name) {
                            return fail(
                                format!("Cannot redeclare {cname}::${}", s(&p.name)),
                                p.line,
                            );
                        }
                        props.push(p.name.clone());
                    }
                }
            }
        }
    }
    Ok(())
}

fn check_params(f: &ast::FunctionDecl, lc: &[u8], is_abstract: bool) -> R<()> {
    for p in &f.params {
        if p.promote.is_some() {
            if lc != b"__construct" {
                return fail(
                    "Cannot declare promoted property outside a constructor".into(),
                    p.line,
                );
            }
            if is_abstract || f.body.is_none() {
                return fail(
                    "Cannot declare promoted property in an abstract constructor".into(),
                    p.line,
                );
            }
            if p.variadic {
                return fail("Cannot declare variadic promoted property".into(), p.line);
            }
        }
    }
    Ok(())
}

/// `zend_check_magic_method_implementation`.
fn check_method(
    decl: &ast::ClassDecl,
    cname: &str,
    modifiers: &ast::Modifiers,
    f: &ast::FunctionDecl,
    lc: &[u8],
) -> R<()> {
    let mname = s(&f.name);
    let line = f.line;
    let is_static = modifiers.is_static;
    let n = f.params.len();
    let public = matches!(modifiers.visibility, None | Some(ast::Visibility::Public));
    let args = |want: usize| -> R<()> {
        if n != want || f.params.iter().any(|p| p.variadic) {
            let msg = match want {
                0 => format!("Method {cname}::{mname}() cannot take arguments"),
                1 => format!("Method {cname}::{mname}() must take exactly 1 argument"),
                k => format!("Method {cname}::{mname}() must take exactly {k} arguments"),
            };
            return fail(msg, line);
        }
        if f.params.iter().any(|p| p.by_ref) {
            return fail(
                format!("Method {cname}::{mname}() cannot take arguments by reference"),
                line,
            );
        }
        Ok(())
    };
    let non_static = || -> R<()> {
        if is_static {
            return fail(format!("Method {cname}::{mname}() cannot be static"), line);
        }
        Ok(())
    };
    let param_type = |i: usize, want: &str| -> R<()> {
        if let Some(p) = f.params.get(i) {
            if let Some(t) = &p.ty {
                let ok = match type_name(t) {
                    Some(n) => n == want.as_bytes() || n == b"mixed",
                    None => false,
                };
                if !ok {
                    return fail(
                        format!(
                            "{cname}::{mname}(): Parameter #{} (${}) must be of type {want} when declared",
                            i + 1,
                            s(&p.name)
                        ),
                        line,
                    );
                }
            }
        }
        Ok(())
    };
    let ret_type = |want: &str| -> R<()> {
        if let Some(t) = &f.return_type {
            let ok = match (type_name(t), want) {
                (Some(n), _) => n == want.as_bytes(),
                (None, "?array") => {
                    matches!(t, TypeHint::Nullable(inner) if type_name(inner).as_deref() == Some(b"array"))
                }
                _ => false,
            };
            if !ok {
                return fail(
                    format!("{cname}::{mname}(): Return type must be {want} when declared"),
                    line,
                );
            }
        }
        Ok(())
    };
    let no_return = || -> R<()> {
        if f.return_type.is_some() {
            return fail(
                format!("Method {cname}::{mname}() cannot declare a return type"),
                line,
            );
        }
        Ok(())
    };
    let _ = decl;
    let _ = public;
    match lc {
        b"__construct" => {
            non_static()?;
            no_return()?;
        }
        b"__destruct" => {
            args(0)?;
            non_static()?;
            no_return()?;
        }
        b"__clone" => {
            args(0)?;
            non_static()?;
            ret_type("void")?;
        }
        b"__get" => {
            args(1)?;
            non_static()?;
            param_type(0, "string")?;
        }
        b"__set" => {
            args(2)?;
            non_static()?;
            param_type(0, "string")?;
            ret_type("void")?;
        }
        b"__unset" => {
            args(1)?;
            non_static()?;
            param_type(0, "string")?;
            ret_type("void")?;
        }
        b"__isset" => {
            args(1)?;
            non_static()?;
            param_type(0, "string")?;
            ret_type("bool")?;
        }
        b"__call" => {
            args(2)?;
            non_static()?;
            param_type(0, "string")?;
            param_type(1, "array")?;
        }
        b"__callstatic" => {
            args(2)?;
            if !is_static {
                return fail(format!("Method {cname}::{mname}() must be static"), line);
            }
            param_type(0, "string")?;
            param_type(1, "array")?;
        }
        b"__tostring" => {
            args(0)?;
            non_static()?;
            ret_type("string")?;
        }
        b"__debuginfo" => {
            args(0)?;
            non_static()?;
            ret_type("?array")?;
        }
        b"__serialize" => {
            args(0)?;
            non_static()?;
            ret_type("array")?;
        }
        b"__unserialize" => {
            args(1)?;
            non_static()?;
            param_type(0, "array")?;
            ret_type("void")?;
        }
        b"__set_state" => {
            args(1)?;
            if !is_static {
                return fail(format!("Method {cname}::{mname}() must be static"), line);
            }
            param_type(0, "array")?;
        }
        b"__invoke" => non_static()?,
        b"__sleep" => {
            args(0)?;
            non_static()?;
            ret_type("array")?;
        }
        b"__wakeup" => {
            args(0)?;
            non_static()?;
            ret_type("void")?;
        }
        _ => {}
    }
    Ok(())
}

/// PHP's compile-time checks on one type declaration (`zend_compile_typename`):
/// `mixed` only alone, no duplicates, what an intersection may contain.
pub(super) fn check_type(t: &TypeHint, line: u32) -> R<()> {
    let simple = |t: &TypeHint| -> Option<Vec<u8>> {
        match t {
            TypeHint::Named(q) => Some(q.name.to_ascii_lowercase()),
            _ => None,
        }
    };
    match t {
        TypeHint::Nullable(inner) => {
            if simple(inner).as_deref() == Some(b"mixed") {
                return fail(
                    "Type mixed cannot be marked as nullable since mixed already includes null"
                        .into(),
                    line,
                );
            }
            check_type(inner, line)
        }
        TypeHint::Union(members) => {
            let mut seen: Vec<Vec<u8>> = Vec::new();
            for m in members {
                if let Some(n) = simple(m) {
                    if n == b"mixed" {
                        return fail(
                            "Type mixed can only be used as a standalone type".into(),
                            line,
                        );
                    }
                    // `iterable` is `Traversable|array` in PHP 8.2.
                    let key = if n == b"iterable" {
                        b"array".to_vec()
                    } else {
                        n.clone()
                    };
                    let clash = seen.iter().any(|s| *s == key)
                        || (n == b"array" && seen.iter().any(|s| s == b"array"));
                    if clash {
                        let builtin = matches!(
                            n.as_slice(),
                            b"int"
                                | b"float"
                                | b"string"
                                | b"bool"
                                | b"false"
                                | b"true"
                                | b"null"
                                | b"object"
                                | b"callable"
                                | b"static"
                                | b"void"
                                | b"never"
                        );
                        let shown = if n == b"iterable" || n == b"array" {
                            "array".to_string()
                        } else if builtin {
                            s(&n)
                        } else {
                            match m {
                                TypeHint::Named(q) => s(&q.name),
                                _ => s(&n),
                            }
                        };
                        return fail(format!("Duplicate type {shown} is redundant"), line);
                    }
                    seen.push(key);
                } else {
                    check_type(m, line)?;
                }
            }
            Ok(())
        }
        TypeHint::Intersection(members) => {
            for m in members {
                if let Some(n) = simple(m) {
                    let builtin = matches!(
                        n.as_slice(),
                        b"int"
                            | b"float"
                            | b"string"
                            | b"bool"
                            | b"false"
                            | b"true"
                            | b"null"
                            | b"array"
                            | b"object"
                            | b"callable"
                            | b"iterable"
                            | b"mixed"
                            | b"void"
                            | b"never"
                            | b"static"
                            | b"self"
                            | b"parent"
                    );
                    if builtin {
                        let shown = match m {
                            TypeHint::Named(q) => s(&q.name),
                            _ => s(&n),
                        };
                        return fail(
                            format!("Type {shown} cannot be part of an intersection type"),
                            line,
                        );
                    }
                }
            }
            Ok(())
        }
        TypeHint::Named(_) => Ok(()),
    }
}
