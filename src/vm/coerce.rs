//! Type declarations at run time (`TypeSpec`) and argument coercion: the one place that
//! decides, as PHP 8.2 does in coercive and strict mode, whether a value is accepted for a
//! parameter of a given type, converts it, and words the `TypeError` or deprecation.
//!
//! Used for user functions' declared parameter types and for builtins, whose signatures are
//! written in PHP stub syntax (`"string $string, int $offset = 0, ?int $length = null"`) and
//! parsed once at start-up, so every builtin gets PHP's exact argument checking for free.

use super::convert::{float_to_int, float_to_repr, float_to_string, parse_numeric, Numeric};
use super::error::{ErrorLevel, Fault, PhpResult};
use super::host::Host;
use super::value::{PhpStr, Value};

/// One member of a (union) type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SimpleType {
    Int,
    Float,
    String,
    Bool,
    False,
    True,
    Null,
    Array,
    Object,
    Callable,
    Iterable,
    Mixed,
    Void,
    Never,
    /// `static` (late static binding; checked by the interpreter).
    Static,
    /// A class or interface name, fully resolved (`self`/`parent` already replaced by the
    /// compiler), without a leading `\\`. Kept in its declared case because PHP's messages
    /// print it ("must be of type Countable|array"); matching lower-cases it.
    Class(Vec<u8>),
}

/// A declared type: a union of simple types (nullable `?T` is `T|null`).
/// DNF/intersection types are represented as `Intersection` members of the union.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TypeSpec {
    pub members: Vec<TypeMember>,
}

/// A member of a union: a simple type, or an intersection `A&B` of class types.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TypeMember {
    Simple(SimpleType),
    Intersection(Vec<Vec<u8>>),
}

impl TypeSpec {
    /// Parses a stub-style type (`int`, `?string`, `array|string|null`, `Countable|array`,
    /// `mixed`, `callable`). Unknown names are classes.
    ///
    /// DNF types (`(A&B)|null`) and pure intersections (`A&B`) are accepted too.
    pub fn parse(text: &str) -> TypeSpec {
        let text = text.trim();
        let (nullable, rest) = match text.strip_prefix('?') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let mut members = Vec::new();
        // A pure intersection has `&` at the top level without any `|`.
        if !rest.contains('|') && rest.contains('&') {
            members.push(TypeMember::Intersection(parse_intersection(rest)));
        } else {
            for part in rest.split('|') {
                let part = part.trim();
                if part.starts_with('(') || part.contains('&') {
                    let inner = part.trim_start_matches('(').trim_end_matches(')');
                    members.push(TypeMember::Intersection(parse_intersection(inner)));
                } else if !part.is_empty() {
                    members.push(TypeMember::Simple(parse_simple(part)));
                }
            }
        }
        if nullable {
            members.push(TypeMember::Simple(SimpleType::Null));
        }
        TypeSpec { members }
    }

    /// The type as PHP writes it in messages (`?int`, `array|string`, `string|int|float|bool`
    /// ordering as PHP prints it).
    ///
    /// This is `zend_type_to_string`: class names and intersections first (in declared
    /// order; `iterable` is PHP 8.2's `Traversable|array`), then the builtin types in
    /// PHP's fixed order, and `null` as a `?` prefix when the rest is a single type.
    pub fn display(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let has = |t: &SimpleType| self.has(t);
        let n_members = self.members.len();
        for m in &self.members {
            match m {
                TypeMember::Simple(SimpleType::Class(name)) => {
                    parts.push(String::from_utf8_lossy(name).into_owned())
                }
                TypeMember::Intersection(names) => {
                    let joined = names
                        .iter()
                        .map(|n| String::from_utf8_lossy(n).into_owned())
                        .collect::<Vec<_>>()
                        .join("&");
                    if n_members > 1 {
                        parts.push(format!("({joined})"));
                    } else {
                        parts.push(joined);
                    }
                }
                TypeMember::Simple(_) => {}
            }
        }
        if has(&SimpleType::Iterable) {
            parts.push("Traversable".into());
        }
        if has(&SimpleType::Mixed) {
            parts.push("mixed".into());
            return parts.join("|");
        }
        let bool_full =
            has(&SimpleType::Bool) || (has(&SimpleType::True) && has(&SimpleType::False));
        let ordered: [(bool, &str); 12] = [
            (has(&SimpleType::Static), "static"),
            (has(&SimpleType::Callable), "callable"),
            (has(&SimpleType::Object), "object"),
            (
                has(&SimpleType::Array) || has(&SimpleType::Iterable),
                "array",
            ),
            (has(&SimpleType::String), "string"),
            (has(&SimpleType::Int), "int"),
            (has(&SimpleType::Float), "float"),
            (bool_full, "bool"),
            (!bool_full && has(&SimpleType::False), "false"),
            (!bool_full && has(&SimpleType::True), "true"),
            (has(&SimpleType::Void), "void"),
            (has(&SimpleType::Never), "never"),
        ];
        for (present, name) in ordered {
            if present {
                parts.push(name.into());
            }
        }
        if has(&SimpleType::Null) {
            let single = parts.len() == 1 && !parts[0].contains('&');
            if single {
                return format!("?{}", parts[0]);
            }
            parts.push("null".into());
        }
        parts.join("|")
    }

    /// Whether the union has the simple member `t`.
    pub fn has(&self, t: &SimpleType) -> bool {
        self.members
            .iter()
            .any(|m| matches!(m, TypeMember::Simple(s) if s == t))
    }

    /// Whether `null` is accepted as is (`?T`, `T|null`, `mixed`).
    pub fn allows_null(&self) -> bool {
        self.has(&SimpleType::Null) || self.has(&SimpleType::Mixed)
    }

    /// Whether `v` is accepted as is, without conversion, in both modes: the fast path
    /// that lets calls skip `coerce_arg` (and building its error context) for the common
    /// case of an argument that already has the declared scalar or array type.
    #[inline]
    pub fn accepts_exactly(&self, v: &Value) -> bool {
        self.members.iter().any(|m| match m {
            TypeMember::Simple(s) => matches!(
                (s, v),
                (SimpleType::Mixed, _)
                    | (SimpleType::Int, Value::Int(_))
                    | (SimpleType::Float, Value::Float(_))
                    | (SimpleType::String, Value::Str(_))
                    | (SimpleType::Bool, Value::Bool(_))
                    | (SimpleType::True, Value::Bool(true))
                    | (SimpleType::False, Value::Bool(false))
                    | (SimpleType::Null, Value::Null)
                    | (SimpleType::Array, Value::Array(_))
                    | (SimpleType::Iterable, Value::Array(_))
                    | (SimpleType::Object, Value::Object(_))
            ) || matches!((s, v), (SimpleType::Class(c), Value::Object(o)) if o.class().is_subclass_of_ci(c)),
            TypeMember::Intersection(_) => false,
        })
    }
}

/// The bit of `v`'s kind in an exact-acceptance mask (`TypeSpec::exact_mask`); 0 for
/// kinds that always take the slow path (references, `Undef`).
#[inline]
pub fn value_kind_bit(v: &Value) -> u16 {
    match v {
        Value::Null => 1,
        Value::Bool(false) => 1 << 1,
        Value::Bool(true) => 1 << 2,
        Value::Int(_) => 1 << 3,
        Value::Float(_) => 1 << 4,
        Value::Str(_) => 1 << 5,
        Value::Array(_) => 1 << 6,
        Value::Object(_) => 1 << 7,
        Value::Undef | Value::Ref(_) => 0,
    }
}

impl TypeSpec {
    /// The value kinds (`value_kind_bit`) this type accepts without conversion, whatever
    /// the value: a precomputed form of `accepts_exactly` for builtins' parameters. Class
    /// members add nothing (objects then take the full check).
    pub fn exact_mask(&self) -> u16 {
        let mut mask = 0;
        for m in &self.members {
            let TypeMember::Simple(s) = m else { continue };
            mask |= match s {
                SimpleType::Mixed => 0xff,
                SimpleType::Int => 1 << 3,
                SimpleType::Float => 1 << 4,
                SimpleType::String => 1 << 5,
                SimpleType::Bool => (1 << 1) | (1 << 2),
                SimpleType::True => 1 << 2,
                SimpleType::False => 1 << 1,
                SimpleType::Null => 1,
                SimpleType::Array | SimpleType::Iterable => 1 << 6,
                SimpleType::Object => 1 << 7,
                _ => 0,
            };
        }
        mask
    }
}

/// Parses one name of a union.
fn parse_simple(name: &str) -> SimpleType {
    let name = name.trim().trim_start_matches('\\');
    match name.to_ascii_lowercase().as_str() {
        "int" => SimpleType::Int,
        "float" => SimpleType::Float,
        "string" => SimpleType::String,
        "bool" => SimpleType::Bool,
        "false" => SimpleType::False,
        "true" => SimpleType::True,
        "null" => SimpleType::Null,
        "array" => SimpleType::Array,
        "object" => SimpleType::Object,
        "callable" => SimpleType::Callable,
        "iterable" => SimpleType::Iterable,
        "mixed" => SimpleType::Mixed,
        "void" => SimpleType::Void,
        "never" => SimpleType::Never,
        "static" => SimpleType::Static,
        _ => SimpleType::Class(name.as_bytes().to_vec()),
    }
}

/// Parses `A&B` into its class names.
fn parse_intersection(text: &str) -> Vec<Vec<u8>> {
    text.split('&')
        .map(|n| n.trim().trim_start_matches('\\').as_bytes().to_vec())
        .filter(|n| !n.is_empty())
        .collect()
}

/// Where an argument is going, for error messages.
#[derive(Debug, Clone, Copy)]
pub struct ArgCtx<'a> {
    /// `strlen`, `Foo::bar`, `{closure}`.
    pub func: &'a str,
    /// 1-based argument number.
    pub arg_num: usize,
    /// Parameter name without `$`.
    pub param: &'a str,
    /// Builtin (internal) function: null to a non-nullable scalar parameter is a deprecation
    /// ("Passing null to parameter #1 ($string) of type string is deprecated") and is then
    /// coerced, where user functions throw `TypeError`.
    pub internal: bool,
}

/// Whether `v` is accepted by `ty` without any conversion (PHP's exact-type check that
/// comes before coercion, `ZEND_TYPE_CONTAINS_CODE` plus class checks).
fn accepts_exactly(host: &mut dyn Host, v: &Value, ty: &TypeSpec) -> bool {
    if ty.has(&SimpleType::Mixed) {
        return true;
    }
    let exact = match v {
        Value::Undef | Value::Null => ty.has(&SimpleType::Null),
        Value::Bool(b) => {
            ty.has(&SimpleType::Bool)
                || (*b && ty.has(&SimpleType::True))
                || (!*b && ty.has(&SimpleType::False))
        }
        Value::Int(_) => ty.has(&SimpleType::Int),
        Value::Float(_) => ty.has(&SimpleType::Float),
        Value::Str(_) => ty.has(&SimpleType::String),
        Value::Array(_) => ty.has(&SimpleType::Array) || ty.has(&SimpleType::Iterable),
        Value::Object(o) => {
            ty.has(&SimpleType::Object)
                || ty.has(&SimpleType::Static)
                || (ty.has(&SimpleType::Iterable) && o.instance_of(b"traversable"))
                || ty.members.iter().any(|m| match m {
                    TypeMember::Simple(SimpleType::Class(name)) => {
                        o.instance_of(&name.to_ascii_lowercase())
                    }
                    TypeMember::Intersection(names) => {
                        names.iter().all(|n| o.instance_of(&n.to_ascii_lowercase()))
                    }
                    TypeMember::Simple(_) => false,
                })
        }
        Value::Ref(r) => {
            let inner = r.borrow().clone();
            return accepts_exactly(host, &inner, ty);
        }
    };
    if exact {
        return true;
    }
    ty.has(&SimpleType::Callable)
        && matches!(v, Value::Str(_) | Value::Array(_) | Value::Object(_))
        && host.is_callable(v)
}

/// The `precision` ini setting, for float-to-string parameter coercion.
fn precision(host: &dyn Host) -> i32 {
    host.ini_get(b"precision")
        .and_then(|p| std::str::from_utf8(&p).ok()?.trim().parse().ok())
        .unwrap_or(14)
}

/// `zend_parse_arg_long_weak`: `None` when the value cannot be an int.
fn long_weak(host: &mut dyn Host, v: &Value) -> PhpResult<Option<i64>> {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    let from_float = |host: &mut dyn Host, f: f64, what: &dyn Fn() -> String| {
        if f.is_nan() || !(-TWO_POW_63..TWO_POW_63).contains(&f) {
            return Ok(None);
        }
        let i = float_to_int(f);
        if i as f64 != f {
            host.raise(ErrorLevel::Deprecated, &what())?;
        }
        Ok(Some(i))
    };
    match v {
        Value::Undef | Value::Null => Ok(Some(0)),
        Value::Bool(b) => Ok(Some(i64::from(*b))),
        Value::Int(i) => Ok(Some(*i)),
        Value::Float(f) => from_float(host, *f, &|| {
            format!(
                "Implicit conversion from float {} to int loses precision",
                String::from_utf8_lossy(&float_to_repr(*f))
            )
        }),
        Value::Str(s) => match parse_numeric(s).whole() {
            Some(Numeric::Int(i)) => Ok(Some(i)),
            Some(Numeric::Float(f)) => from_float(host, f, &|| {
                format!(
                    "Implicit conversion from float-string \"{}\" to int loses precision",
                    s.to_string_lossy()
                )
            }),
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

/// `zend_parse_arg_double_weak`.
fn double_weak(v: &Value) -> Option<f64> {
    match v {
        Value::Undef | Value::Null => Some(0.0),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Str(s) => parse_numeric(s).whole().map(Numeric::to_f64),
        _ => None,
    }
}

/// `zend_parse_arg_str_weak`: scalars, and objects through `__toString`.
fn str_weak(host: &mut dyn Host, v: &Value) -> PhpResult<Option<PhpStr>> {
    Ok(match v {
        Value::Undef | Value::Null | Value::Bool(false) => Some(PhpStr::new()),
        Value::Bool(true) => Some(PhpStr::from("1")),
        Value::Int(i) => Some(PhpStr::from(i.to_string())),
        Value::Float(f) => Some(PhpStr::from(float_to_string(*f, precision(host)))),
        Value::Str(s) => Some(s.clone()),
        Value::Object(o) => match host.call_method(o, b"__tostring", &[])? {
            Some(Value::Str(s)) => Some(s),
            Some(other) => Some(host.to_str(&other)?),
            None => None,
        },
        _ => None,
    })
}

/// `zend_verify_weak_scalar_type_hint`: tries int, float, string, bool in that order.
fn weak_scalar(host: &mut dyn Host, v: &Value, ty: &TypeSpec) -> PhpResult<Option<Value>> {
    if ty.has(&SimpleType::Int) {
        if let (true, Value::Str(s)) = (ty.has(&SimpleType::Float), v) {
            // int|float: a numeric string becomes whichever its form says.
            if let Some(n) = parse_numeric(s).whole() {
                return Ok(Some(n.to_value()));
            }
        } else if let Some(i) = long_weak(host, v)? {
            return Ok(Some(Value::Int(i)));
        }
    }
    if ty.has(&SimpleType::Float) {
        if let Some(f) = double_weak(v) {
            return Ok(Some(Value::Float(f)));
        }
    }
    if ty.has(&SimpleType::String) {
        if let Some(s) = str_weak(host, v)? {
            return Ok(Some(Value::Str(s)));
        }
    }
    if ty.has(&SimpleType::Bool)
        && matches!(
            v,
            Value::Undef
                | Value::Null
                | Value::Bool(_)
                | Value::Int(_)
                | Value::Float(_)
                | Value::Str(_)
        )
    {
        return Ok(Some(Value::Bool(v.to_bool())));
    }
    Ok(None)
}

/// Whether the type has a scalar member that coercion can convert to.
fn has_scalar(ty: &TypeSpec) -> bool {
    [
        SimpleType::Int,
        SimpleType::Float,
        SimpleType::String,
        SimpleType::Bool,
    ]
    .iter()
    .any(|t| ty.has(t))
}

/// The `TypeError` PHP raises for a rejected argument. User functions' messages get
/// ", called in %s on line %d" appended by the interpreter, which knows the call site.
fn arg_type_error(v: &Value, ty: &TypeSpec, ctx: &ArgCtx<'_>) -> Fault {
    Fault::type_error(format!(
        "{}(): Argument #{} (${}) must be of type {}, {} given",
        ctx.func,
        ctx.arg_num,
        ctx.param,
        ty.display(),
        v.type_name()
    ))
}

/// Checks and converts `v` (already dereferenced) for a parameter of type `ty`, in strict
/// or coercive mode, as PHP 8.2 does: e.g. coercive `int` accepts `"12"`, `12.0`, `true`
/// (but not `"12abc"`, `12.5` is a deprecation "Implicit conversion from float 12.5 to int
/// loses precision", `"abc"` is a TypeError); strict accepts only exact types (int -> float
/// widening allowed). Errors are `TypeError` with PHP's message
/// (`strlen(): Argument #1 ($string) must be of type string, array given`).
///
/// For internal functions in coercive mode, null to a non-nullable scalar parameter raises
/// `"{func}(): Passing null to parameter #{n} (${param}) of type {type} is deprecated"` and
/// is then converted. User functions' `TypeError` messages lack PHP's trailing
/// ", called in {file} on line {line}", which the interpreter appends.
pub fn coerce_arg(
    host: &mut dyn Host,
    v: Value,
    ty: &TypeSpec,
    strict: bool,
    ctx: &ArgCtx<'_>,
) -> PhpResult<Value> {
    let v = match v {
        Value::Ref(r) => r.borrow().clone(),
        Value::Undef => Value::Null,
        other => other,
    };
    if accepts_exactly(host, &v, ty) {
        return Ok(v);
    }
    if strict {
        // The one widening strict mode allows: int to float.
        if let (Value::Int(i), true) = (&v, ty.has(&SimpleType::Float)) {
            return Ok(Value::Float(*i as f64));
        }
        return Err(arg_type_error(&v, ty, ctx));
    }
    if v.is_null() {
        if ctx.internal && has_scalar(ty) {
            let msg = format!(
                "{}(): Passing null to parameter #{} (${}) of type {} is deprecated",
                ctx.func,
                ctx.arg_num,
                ctx.param,
                ty.display()
            );
            host.raise(ErrorLevel::Deprecated, &msg)?;
            if let Some(converted) = weak_scalar(host, &v, ty)? {
                return Ok(converted);
            }
        }
        return Err(arg_type_error(&v, ty, ctx));
    }
    if has_scalar(ty) {
        if let Some(converted) = weak_scalar(host, &v, ty)? {
            return Ok(converted);
        }
    }
    Err(arg_type_error(&v, ty, ctx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::array::{ArrayKey, PhpArray};
    use crate::vm::host::TestHost;

    /// `serialize()` of the scalars and arrays coercion can return.
    fn ser(v: &Value) -> String {
        match v {
            Value::Undef | Value::Null => "N;".into(),
            Value::Bool(b) => format!("b:{};", u8::from(*b)),
            Value::Int(i) => format!("i:{i};"),
            Value::Float(f) => format!("d:{};", String::from_utf8_lossy(&float_to_repr(*f))),
            Value::Str(s) => format!("s:{}:\"{}\";", s.len(), s.to_string_lossy()),
            Value::Array(a) => {
                let mut out = format!("a:{}:{{", a.len());
                for (k, v) in a.iter() {
                    out.push_str(&ser(&k.to_value()));
                    out.push_str(&ser(v));
                }
                out.push('}');
                out
            }
            other => panic!("cannot serialize {other:?}"),
        }
    }

    fn outcome(host: &TestHost, r: PhpResult<Value>) -> String {
        let mut s = match r {
            Ok(v) => ser(&v),
            Err(Fault::Error(e)) => {
                let (class, message) = (e.class, &e.message);
                format!("!{class}:{message}")
            }
            Err(other) => format!("!{other:?}"),
        };
        for (level, msg) in &host.diags {
            s.push_str(&format!(" ~{}:{msg}", level.bits()));
        }
        s
    }

    /// The values of `$vals` in `testdata/gencoerce.php`, in order.
    fn php_values() -> Vec<Value> {
        let mut one = PhpArray::new();
        one.insert(ArrayKey::Int(0), Value::Int(1));
        vec![
            Value::str("3"),
            Value::str("3.0"),
            Value::Float(2.5),
            Value::str("abc"),
            Value::Null,
            Value::str("12abc"),
            Value::str(" 12"),
            Value::str("12 "),
            Value::str("1e2"),
            Value::Float(1e20),
            Value::Float(f64::NAN),
            Value::Float(f64::INFINITY),
            Value::Bool(true),
            Value::Bool(false),
            Value::empty_array(),
            Value::Float(0.1 + 0.2),
            Value::Int(3),
            Value::Float(-0.0),
            Value::str("1.5"),
            Value::Float(1e15),
            Value::str(""),
            Value::array(one),
            Value::str("9223372036854775808"),
            Value::Float(-1e19),
        ]
    }

    /// The types of `$types` in `testdata/gencoerce.php`, in order (function `f{index}`).
    const TYPES: &[&str] = &[
        "int",
        "float",
        "string",
        "bool",
        "int|float",
        "?int",
        "string|bool",
        "int|bool",
        "int|string",
        "float|string",
        "float|bool",
        "array|false",
        "int|float|bool",
        "iterable",
        "object",
        "array|string|null",
        "?float",
        "mixed",
        "?bool",
        "true",
    ];

    /// User functions `function f{n}(TYPE $x) { return $x; }` called with every value, in
    /// coercive and strict mode, as PHP 8.2 answers (`testdata/coerce.txt`).
    #[test]
    fn user_function_table() {
        let values = php_values();
        let mut bad = Vec::new();
        let mut n = 0;
        for line in include_str!("testdata/coerce.txt").lines() {
            let cols: Vec<&str> = line.splitn(4, '\t').collect();
            let (strict, ty_text, idx, want) = (cols[0] == "1", cols[1], cols[2], cols[3]);
            let t = TYPES
                .iter()
                .position(|t| *t == ty_text)
                .expect("known type");
            let func = format!("f{t}");
            let ctx = ArgCtx {
                func: &func,
                arg_num: 1,
                param: "x",
                internal: false,
            };
            let v = values[idx.parse::<usize>().expect("index")].clone();
            let mut host = TestHost::default();
            let r = coerce_arg(
                &mut host,
                v.clone(),
                &TypeSpec::parse(ty_text),
                strict,
                &ctx,
            );
            let got = outcome(&host, r);
            if got != want {
                bad.push(format!(
                    "strict={strict} {ty_text} {v:?}: got {got} want {want}"
                ));
            }
            n += 1;
        }
        assert_eq!(n, 960);
        assert!(
            bad.is_empty(),
            "{} mismatches:\n{}",
            bad.len(),
            bad.join("\n")
        );
    }

    /// Internal functions, from `php -n` calls such as `str_repeat("x", null)`,
    /// `strlen(null)`, `sqrt(null)`, `abs(null)`, `in_array(1, [1], null)`,
    /// `str_replace("a", "b", null)`, `array_sum(null)`, `count(null)`, and the same under
    /// `declare(strict_types=1)`.
    #[test]
    fn internal_functions() {
        let cases: &[(&str, usize, &str, &str, Value, bool, &str)] = &[
            ("str_repeat", 2, "times", "int", Value::Null, false,
             "i:0; ~8192:str_repeat(): Passing null to parameter #2 ($times) of type int is deprecated"),
            ("strlen", 1, "string", "string", Value::Null, false,
             "s:0:\"\"; ~8192:strlen(): Passing null to parameter #1 ($string) of type string is deprecated"),
            ("sqrt", 1, "num", "float", Value::Null, false,
             "d:0; ~8192:sqrt(): Passing null to parameter #1 ($num) of type float is deprecated"),
            ("abs", 1, "num", "int|float", Value::Null, false,
             "i:0; ~8192:abs(): Passing null to parameter #1 ($num) of type int|float is deprecated"),
            ("in_array", 3, "strict", "bool", Value::Null, false,
             "b:0; ~8192:in_array(): Passing null to parameter #3 ($strict) of type bool is deprecated"),
            ("str_replace", 3, "subject", "array|string", Value::Null, false,
             "s:0:\"\"; ~8192:str_replace(): Passing null to parameter #3 ($subject) of type array|string is deprecated"),
            ("array_sum", 1, "array", "array", Value::Null, false,
             "!TypeError:array_sum(): Argument #1 ($array) must be of type array, null given"),
            ("count", 1, "value", "Countable|array", Value::Null, false,
             "!TypeError:count(): Argument #1 ($value) must be of type Countable|array, null given"),
            ("in_array", 3, "strict", "bool", Value::empty_array(), false,
             "!TypeError:in_array(): Argument #3 ($strict) must be of type bool, array given"),
            ("str_repeat", 2, "times", "int", Value::str("abc"), false,
             "!TypeError:str_repeat(): Argument #2 ($times) must be of type int, string given"),
            ("str_repeat", 2, "times", "int", Value::Float(2.5), false,
             "i:2; ~8192:Implicit conversion from float 2.5 to int loses precision"),
            ("str_repeat", 2, "times", "int", Value::str("1.5"), false,
             "i:1; ~8192:Implicit conversion from float-string \"1.5\" to int loses precision"),
            ("strlen", 1, "string", "string", Value::Float(1e25), false, "s:7:\"1.0E+25\";"),
            ("strlen", 1, "string", "string", Value::Int(5), false, "s:1:\"5\";"),
            ("abs", 1, "num", "int|float", Value::str("5.5"), false, "d:5.5;"),
            ("abs", 1, "num", "int|float", Value::str("x"), false,
             "!TypeError:abs(): Argument #1 ($num) must be of type int|float, string given"),
            ("intdiv", 1, "num1", "int", Value::Float(1.0), false, "i:1;"),
            // declare(strict_types=1)
            ("str_repeat", 2, "times", "int", Value::Null, true,
             "!TypeError:str_repeat(): Argument #2 ($times) must be of type int, null given"),
            ("strlen", 1, "string", "string", Value::Null, true,
             "!TypeError:strlen(): Argument #1 ($string) must be of type string, null given"),
            ("strlen", 1, "string", "string", Value::Int(5), true,
             "!TypeError:strlen(): Argument #1 ($string) must be of type string, int given"),
            ("str_repeat", 2, "times", "int", Value::Float(2.0), true,
             "!TypeError:str_repeat(): Argument #2 ($times) must be of type int, float given"),
            ("sqrt", 1, "num", "float", Value::Int(4), true, "d:4;"),
            ("abs", 1, "num", "int|float", Value::str("5"), true,
             "!TypeError:abs(): Argument #1 ($num) must be of type int|float, string given"),
        ];
        for (func, arg_num, param, ty, v, strict, want) in cases {
            let ctx = ArgCtx {
                func,
                arg_num: *arg_num,
                param,
                internal: true,
            };
            let mut host = TestHost::default();
            let r = coerce_arg(&mut host, v.clone(), &TypeSpec::parse(ty), *strict, &ctx);
            assert_eq!(outcome(&host, r), *want, "{func}({v:?}) strict={strict}");
        }
    }

    #[test]
    fn precision_setting_applies_to_float_strings() {
        let mut host = TestHost::default();
        host.ini.insert(b"precision".to_vec(), PhpStr::from("17"));
        let ctx = ArgCtx {
            func: "strlen",
            arg_num: 1,
            param: "string",
            internal: true,
        };
        let r = coerce_arg(
            &mut host,
            Value::Float(0.1),
            &TypeSpec::parse("string"),
            false,
            &ctx,
        );
        assert_eq!(outcome(&host, r), "s:19:\"0.10000000000000001\";");
    }

    #[test]
    fn parse_and_display() {
        // Displays as PHP 8.2 prints them in TypeError messages (e.g. `function f(iterable
        // $x){} f(1);` says "Traversable|array", `function f(false|array $x)` "array|false").
        let cases: &[(&str, &str)] = &[
            ("int", "int"),
            ("?int", "?int"),
            ("int|null", "?int"),
            ("null|int", "?int"),
            ("?Foo", "?Foo"),
            ("string|int|float|bool", "string|int|float|bool"),
            ("bool|float|int|string", "string|int|float|bool"),
            ("false|array", "array|false"),
            ("array|string|null", "array|string|null"),
            ("Countable|array", "Countable|array"),
            ("iterable", "Traversable|array"),
            ("?iterable", "Traversable|array|null"),
            ("mixed", "mixed"),
            ("callable", "callable"),
            ("\\Foo\\Bar|int", "Foo\\Bar|int"),
            ("A&B", "A&B"),
            ("(A&B)|null", "(A&B)|null"),
            ("(A&B)|C", "(A&B)|C"),
            (
                "object|array|string|int|float|bool|null",
                "object|array|string|int|float|bool|null",
            ),
            ("true|false", "bool"),
            ("void", "void"),
            ("never", "never"),
            ("static", "static"),
            ("null", "null"),
            ("INT", "int"),
        ];
        for (text, want) in cases {
            assert_eq!(TypeSpec::parse(text).display(), *want, "{text}");
        }
        assert_eq!(
            TypeSpec::parse("?int").members,
            vec![
                TypeMember::Simple(SimpleType::Int),
                TypeMember::Simple(SimpleType::Null)
            ]
        );
        assert_eq!(
            TypeSpec::parse("(A&B)|null").members,
            vec![
                TypeMember::Intersection(vec![b"A".to_vec(), b"B".to_vec()]),
                TypeMember::Simple(SimpleType::Null)
            ]
        );
        assert!(TypeSpec::parse("?int").allows_null());
        assert!(!TypeSpec::parse("int").allows_null());
    }
}
