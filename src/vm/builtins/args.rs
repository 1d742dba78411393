//! Small accessors for builtins' (already coerced) arguments.
//!
//! After coercion a parameter declared `string` holds a `Value::Str`, `int` a `Value::Int`,
//! and so on; these helpers read them without re-checking types, and treat a missing
//! optional argument (slice too short, or `Undef` after named-argument skipping) as absent.

use super::super::array::PhpArray;
use super::super::value::{PhpRef, PhpStr, Value};

/// The argument at `i`, or `None` when not passed.
pub fn opt(args: &[Value], i: usize) -> Option<&Value> {
    match args.get(i) {
        None | Some(Value::Undef) => None,
        Some(v) => Some(v),
    }
}

/// A `string` argument (empty when absent).
pub fn str_at(args: &[Value], i: usize) -> PhpStr {
    match opt(args, i) {
        Some(Value::Str(s)) => s.clone(),
        Some(other) => other.scalar_to_str(),
        None => PhpStr::new(),
    }
}

/// An `int` argument, or `default` when absent or null.
pub fn int_or(args: &[Value], i: usize, default: i64) -> i64 {
    match opt(args, i) {
        Some(Value::Int(n)) => *n,
        Some(Value::Null) | None => default,
        Some(other) => other.to_int(),
    }
}

/// A `float` argument, or `default` when absent or null.
pub fn float_or(args: &[Value], i: usize, default: f64) -> f64 {
    match opt(args, i) {
        Some(Value::Float(f)) => *f,
        Some(Value::Null) | None => default,
        Some(other) => other.to_float(),
    }
}

/// A `bool` argument, or `default` when absent or null.
pub fn bool_or(args: &[Value], i: usize, default: bool) -> bool {
    match opt(args, i) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Null) | None => default,
        Some(other) => other.to_bool(),
    }
}

/// An `array` argument (an empty array when absent).
pub fn array_at(args: &[Value], i: usize) -> std::rc::Rc<PhpArray> {
    match opt(args, i) {
        Some(Value::Array(a)) => a.clone(),
        _ => std::rc::Rc::new(PhpArray::new()),
    }
}

/// A by-reference argument's cell.
pub fn ref_at(args: &[Value], i: usize) -> Option<&PhpRef> {
    match args.get(i) {
        Some(Value::Ref(r)) => Some(r),
        _ => None,
    }
}
