//! The registry of built-in PHP functions.
//!
//! Each family lives in its own module and exports `FUNCTIONS: &[BuiltinDef]`. A builtin is
//! declared with its PHP stub signature (`sig`), parsed once into `Params`: the interpreter
//! uses it for arity errors, named arguments, by-reference parameters and PHP's exact
//! argument type coercion (`coerce.rs`) before the Rust function runs. So a builtin receives
//! arguments already converted to the declared types: a `string` parameter is a
//! `Value::Str`, an `int` an `Value::Int`, `?int` an int or `Null`, a by-reference parameter
//! a `Value::Ref`. An optional parameter that was not passed is absent (the slice is
//! shorter) or, when later named arguments skipped it, `Value::Undef`; `args::opt` treats
//! both as "not given".
//!
//! Functions that need the interpreter's internals (`func_get_args`, `compact`, `extract`,
//! `ob_*`, `call_user_func`, `define`, ...) are not here: the interpreter implements them.

pub mod apc;
pub mod args;
pub mod arrays;
pub mod assert;
pub mod core;
pub mod ctype;
pub mod datetime;
pub mod file;
pub mod format;
pub mod hash;
pub mod iconv;
pub mod json;
pub mod math;
pub mod mbstring;
pub mod pcre;
pub mod process;
pub mod runtime;
pub mod string;
pub mod var;
pub mod web;

use std::collections::HashMap;
use std::sync::OnceLock;

use super::coerce::TypeSpec;
use super::error::PhpResult;
use super::host::Host;
use super::value::Value;

/// The Rust side of a builtin: the host and the (coerced) arguments.
pub type BuiltinFn = fn(&mut dyn Host, &[Value]) -> PhpResult<Value>;

/// A builtin function's declaration.
pub struct BuiltinDef {
    /// The PHP name (lower case).
    pub name: &'static str,
    /// The parameter list in PHP stub syntax, e.g.
    /// `"string $haystack, string $needle, int $offset = 0"`, `"array &$array, mixed ...$values"`.
    pub sig: &'static str,
    pub func: BuiltinFn,
}

/// The value of a constant a builtin family defines (`SORT_REGULAR`, `M_PI`, `PHP_EOL`).
#[derive(Debug, Clone, Copy)]
pub enum ConstVal {
    Int(i64),
    Float(f64),
    Str(&'static str),
    Bool(bool),
    Null,
}

impl ConstVal {
    /// The constant as a PHP value.
    pub fn to_value(self) -> Value {
        match self {
            ConstVal::Int(i) => Value::Int(i),
            ConstVal::Float(f) => Value::Float(f),
            ConstVal::Str(s) => Value::str(s),
            ConstVal::Bool(b) => Value::Bool(b),
            ConstVal::Null => Value::Null,
        }
    }
}

/// The builtin constant `name` (case-sensitive), from a map built once per process: every
/// `FetchConst` that misses the user's constants ends here, and namespaced code misses
/// first with its namespace prefix (`Twig\ENT_QUOTES`), so a scan of the tables would be
/// paid twice per fetch.
pub fn constant(name: &[u8]) -> Option<Value> {
    static MAP: std::sync::OnceLock<std::collections::HashMap<&'static [u8], ConstVal>> =
        std::sync::OnceLock::new();
    let map = MAP.get_or_init(|| {
        let mut m = std::collections::HashMap::new();
        for (n, v) in constants() {
            // The first table that names a constant wins, as the scan it replaces did.
            m.entry(n.as_bytes()).or_insert(*v);
        }
        m
    });
    map.get(name).map(|v| v.to_value())
}

/// Every constant of every builtin family: `(NAME, value)`. Names are case-sensitive.
pub fn constants() -> impl Iterator<Item = &'static (&'static str, ConstVal)> {
    [
        core::CONSTANTS,
        apc::CONSTANTS,
        ctype::CONSTANTS,
        datetime::CONSTANTS,
        file::CONSTANTS,
        arrays::CONSTANTS,
        format::CONSTANTS,
        hash::CONSTANTS,
        iconv::CONSTANTS,
        assert::CONSTANTS,
        mbstring::CONSTANTS,
        json::CONSTANTS,
        math::CONSTANTS,
        pcre::CONSTANTS,
        string::CONSTANTS,
        string::html::CONSTANTS,
        string::transform::CONSTANTS,
        string::url::CONSTANTS,
        string::misc::CONSTANTS,
        string::locale::CONSTANTS,
        string::tags::CONSTANTS,
        string::pack::CONSTANTS,
        string::scan::CONSTANTS,
        string::codec::CONSTANTS,
        string::compare::CONSTANTS,
        string::csv::CONSTANTS,
        string::stateful::CONSTANTS,
        var::CONSTANTS,
    ]
    .into_iter()
    .flatten()
}

/// One parsed parameter.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    /// `None` for untyped (`mixed`) parameters.
    pub ty: Option<TypeSpec>,
    pub by_ref: bool,
    pub optional: bool,
    pub variadic: bool,
    /// The value kinds passed as they are (`TypeSpec::exact_mask`; all for untyped
    /// parameters, none for by-reference ones): the call path's no-coercion test.
    pub exact: u16,
}

/// A builtin ready to call.
pub struct Builtin {
    pub name: &'static str,
    pub params: Vec<Param>,
    /// Minimum number of arguments.
    pub min_args: usize,
    /// Maximum number of arguments (`usize::MAX` with a variadic).
    pub max_args: usize,
    pub func: BuiltinFn,
}

/// Every builtin of every family, in registration order.
fn all_defs() -> impl Iterator<Item = &'static BuiltinDef> {
    [
        core::FUNCTIONS,
        apc::FUNCTIONS,
        ctype::FUNCTIONS,
        datetime::FUNCTIONS,
        super::interp::date_classes::FUNCTIONS,
        file::FUNCTIONS,
        arrays::FUNCTIONS,
        format::FUNCTIONS,
        hash::FUNCTIONS,
        iconv::FUNCTIONS,
        assert::FUNCTIONS,
        runtime::FUNCTIONS,
        mbstring::FUNCTIONS,
        json::FUNCTIONS,
        math::FUNCTIONS,
        pcre::FUNCTIONS,
        process::FUNCTIONS,
        string::FUNCTIONS,
        string::html::FUNCTIONS,
        string::transform::FUNCTIONS,
        string::url::FUNCTIONS,
        string::misc::FUNCTIONS,
        string::locale::FUNCTIONS,
        string::tags::FUNCTIONS,
        string::pack::FUNCTIONS,
        string::scan::FUNCTIONS,
        string::codec::FUNCTIONS,
        string::compare::FUNCTIONS,
        string::csv::FUNCTIONS,
        string::stateful::FUNCTIONS,
        var::FUNCTIONS,
        web::FUNCTIONS,
    ]
    .into_iter()
    .flatten()
}

/// Clears the per-thread state of builtin families (seeded RNG, last JSON/PCRE errors) so
/// nothing of one request leaks into the next. The engine calls it when a request starts.
pub fn reset_request_state() {
    super::host::note_ini_change();
    datetime::reset_request_state();
    file::reset_request_state();
    json::reset_request_state();
    math::reset_request_state();
    pcre::reset_request_state();
    string::locale::reset_request_state();
    string::stateful::reset_request_state();
    web::reset_request_state();
}

/// The table of builtins by lower-case name, built on first use.
pub fn table() -> &'static HashMap<&'static str, Builtin> {
    static TABLE: OnceLock<HashMap<&'static str, Builtin>> = OnceLock::new();
    TABLE.get_or_init(|| build_table(all_defs()))
}

/// The builtins only a web request has (`web::WEB_ONLY_FUNCTIONS`), by lower-case name.
pub fn web_only_table() -> &'static HashMap<&'static str, Builtin> {
    static TABLE: OnceLock<HashMap<&'static str, Builtin>> = OnceLock::new();
    TABLE.get_or_init(|| build_table(web::WEB_ONLY_FUNCTIONS.iter()))
}

/// The debug panic trigger (`web::DEBUG_PANIC_FUNCTIONS`), declared by a web engine only
/// when the server was started with `--debug-panic-trigger`.
pub fn debug_panic_table() -> &'static HashMap<&'static str, Builtin> {
    static TABLE: OnceLock<HashMap<&'static str, Builtin>> = OnceLock::new();
    TABLE.get_or_init(|| build_table(web::DEBUG_PANIC_FUNCTIONS.iter()))
}

fn build_table(defs: impl Iterator<Item = &'static BuiltinDef>) -> HashMap<&'static str, Builtin> {
    defs.map(|def| {
        let params = parse_sig(def.sig);
        let min_args = params
            .iter()
            .take_while(|p| !p.optional && !p.variadic)
            .count();
        let max_args = if params.iter().any(|p| p.variadic) {
            usize::MAX
        } else {
            params.len()
        };
        (
            def.name,
            Builtin {
                name: def.name,
                params,
                min_args,
                max_args,
                func: def.func,
            },
        )
    })
    .collect()
}

/// Looks up a builtin by lower-case name.
pub fn lookup(lc_name: &[u8]) -> Option<&'static Builtin> {
    std::str::from_utf8(lc_name)
        .ok()
        .and_then(|n| table().get(n))
}

/// The stub signature builtin `lc_name` was declared with (Reflection reads parameter
/// defaults from it).
pub fn signature(lc_name: &str) -> Option<&'static str> {
    all_defs().find(|d| d.name == lc_name).map(|d| d.sig)
}

/// Each parameter of a stub signature as written: its type (`""` when untyped, without
/// `&`/`...`) and its default (`None`: no default).
pub fn param_decl_texts(sig: &str) -> Vec<(&str, Option<&str>)> {
    split_params(sig)
        .into_iter()
        .map(|p| {
            let (decl, default) = match p.find('=') {
                Some(eq) => (&p[..eq], Some(p[eq + 1..].trim())),
                None => (p, None),
            };
            let head = decl.find('$').map_or(decl, |d| &decl[..d]).trim();
            let head = head.strip_suffix("...").unwrap_or(head).trim_end();
            let head = head.strip_suffix('&').unwrap_or(head).trim_end();
            (head, default)
        })
        .collect()
}

/// Every builtin of `table()` in a fixed order (by name), for `CallBuiltin`'s index.
fn by_index_table() -> &'static [&'static Builtin] {
    static LIST: OnceLock<Vec<&'static Builtin>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut v: Vec<&'static Builtin> = table().values().collect();
        v.sort_by_key(|b| b.name);
        v
    })
}

/// The index of a builtin of `table()` for `Op::CallBuiltin`. Indices depend only on the
/// set of builtins, which is part of the engine's sources (`RHVM_ENGINE_HASH` salts the
/// translation cache with them).
pub fn index_of(b: &Builtin) -> Option<u32> {
    by_index_table()
        .binary_search_by_key(&b.name, |x| x.name)
        .ok()
        .map(|i| i as u32)
}

/// The builtin with index `i` (`index_of`).
#[inline]
pub fn by_index(i: u32) -> Option<&'static Builtin> {
    by_index_table().get(i as usize).copied()
}

/// Splits a stub parameter list at top-level commas (commas inside quotes, brackets or
/// parentheses of default values do not split).
fn split_params(sig: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<u8>, 0usize);
    let bytes = sig.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) => {
                if c == b'\\' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                b'"' | b'\'' => quote = Some(c),
                b'(' | b'[' => depth += 1,
                b')' | b']' => depth -= 1,
                b',' if depth == 0 => {
                    parts.push(sig[start..i].trim());
                    start = i + 1;
                }
                _ => {}
            },
        }
        i += 1;
    }
    let last = sig[start..].trim();
    if !last.is_empty() {
        parts.push(last);
    }
    parts
}

/// Parses a stub signature into parameters.
///
/// # Panics
///
/// On a malformed signature (a parameter without `$name`): that is a bug in a `BuiltinDef`
/// and the `every_signature_parses` test catches it.
pub fn parse_sig(sig: &str) -> Vec<Param> {
    split_params(sig)
        .into_iter()
        .map(|p| {
            let (decl, optional) = match p.find('=') {
                Some(eq) => (p[..eq].trim(), true),
                None => (p, false),
            };
            let dollar = decl
                .find('$')
                .unwrap_or_else(|| panic!("builtin signature parameter without $name: {p:?}"));
            let name = decl[dollar + 1..].trim().to_string();
            let mut head = decl[..dollar].trim();
            let variadic = head.ends_with("...");
            if variadic {
                head = head[..head.len() - 3].trim_end();
            }
            let by_ref = head.ends_with('&');
            if by_ref {
                head = head[..head.len() - 1].trim_end();
            }
            let ty = match head {
                "" | "mixed" => None,
                t => Some(TypeSpec::parse(t)),
            };
            let exact = match (&ty, by_ref) {
                (_, true) => 0,
                (None, false) => 0xff,
                (Some(t), false) => t.exact_mask(),
            };
            Param {
                name,
                ty,
                by_ref,
                optional,
                variadic,
                exact,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signature_parses() {
        for def in all_defs() {
            let params = parse_sig(def.sig);
            assert!(
                params.iter().all(|p| !p.name.is_empty()),
                "bad signature for {}",
                def.name
            );
        }
    }

    #[test]
    fn builtin_indices_round_trip() {
        for b in table().values() {
            let i = index_of(b).expect("indexed");
            assert_eq!(by_index(i).map(|x| x.name), Some(b.name));
        }
    }

    #[test]
    fn no_duplicate_builtins() {
        let mut seen = std::collections::HashSet::new();
        for def in all_defs() {
            assert!(seen.insert(def.name), "{} registered twice", def.name);
            assert_eq!(def.name, def.name.to_ascii_lowercase());
        }
    }
}
