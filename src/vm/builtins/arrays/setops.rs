//! `array_diff*` and `array_intersect*`: every combination of comparing values (as strings,
//! or through a user callback) and keys (exactly, or through a user callback).
//!
//! An element of the first array is in a difference when no other array has a matching
//! entry, and in an intersection when every other array has one. Built-in comparisons use
//! hash lookups; user callbacks are called pairwise. PHP sorts with the callback instead,
//! which calls it a different number of times (and in a different order) but selects the
//! same elements for any consistent comparator.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::rc::Rc;

use super::super::super::array::PhpArray;
use super::super::super::error::{Fault, PhpResult};
use super::super::super::host::Host;
use super::super::super::value::{PhpStr, Value};
use super::sort::call_user_cmp;
use super::{copy_elem, deref};

/// How values take part in the comparison.
#[derive(Clone, Copy, PartialEq)]
enum ValBy {
    /// Values are ignored (`*_key` variants).
    Ignore,
    /// `(string) $a === (string) $b`.
    Str,
    /// Through the value callback.
    User,
}

/// How keys take part in the comparison.
#[derive(Clone, Copy, PartialEq)]
enum KeyBy {
    /// Keys are ignored (plain `array_diff`/`array_intersect`/`array_udiff`).
    Ignore,
    /// Keys must be identical.
    Exact,
    /// Through the key callback.
    User,
}

/// The reason `is_callable` failed, worded as PHP's callback check words the common cases.
fn callback_problem(v: &Value) -> String {
    match v {
        Value::Str(s) => format!(
            "function \"{}\" not found or invalid function name",
            s.to_string_lossy()
        ),
        Value::Array(a) if a.len() != 2 => "array callback must have exactly two members".into(),
        Value::Array(_) => "first array member is not a valid class name or object".into(),
        _ => "no array or string given".into(),
    }
}

fn set_op(
    host: &mut dyn Host,
    args: &[Value],
    fname: &str,
    intersect: bool,
    val_by: ValBy,
    key_by: KeyBy,
) -> PhpResult<Value> {
    let n_callbacks = usize::from(val_by == ValBy::User) + usize::from(key_by == KeyBy::User);
    let min_args = 1 + n_callbacks;
    if n_callbacks > 0 && args.len() < min_args {
        // The u-variants need the first array plus their callbacks.
        return Err(Fault::error(
            "ArgumentCountError",
            format!(
                "{fname}() expects at least {} arguments, {} given",
                min_args,
                args.len()
            ),
        ));
    }
    let n_arrays = args.len() - n_callbacks;
    let callbacks: Vec<Value> = args[n_arrays..].iter().map(deref).collect();
    for (i, cb) in callbacks.iter().enumerate() {
        if !host.is_callable(cb) {
            return Err(Fault::type_error(format!(
                "{fname}(): Argument #{} must be a valid callback, {}",
                n_arrays + i + 1,
                callback_problem(cb)
            )));
        }
    }
    let mut arrays: Vec<Rc<PhpArray>> = Vec::with_capacity(n_arrays);
    for (i, a) in args[..n_arrays].iter().enumerate() {
        match deref(a) {
            Value::Array(a) => arrays.push(a),
            other => {
                return Err(Fault::type_error(format!(
                    "{fname}(): Argument #{} must be of type array, {} given",
                    i + 1,
                    other.type_name()
                )))
            }
        }
    }
    let val_cb = (val_by == ValBy::User).then(|| callbacks[0].clone());
    let key_cb = (key_by == KeyBy::User).then(|| callbacks[n_callbacks - 1].clone());
    let first = arrays[0].clone();
    let others = &arrays[1..];

    // String forms for `ValBy::Str`, computed once per element.
    let strings = |host: &mut dyn Host, a: &PhpArray| -> PhpResult<Vec<PhpStr>> {
        a.values().map(|v| host.to_str(&deref(v))).collect()
    };
    let first_strs = if val_by == ValBy::Str {
        strings(host, &first)?
    } else {
        Vec::new()
    };
    // For the fully built-in value-only case, a set of each other array's strings.
    let other_sets: Vec<HashSet<PhpStr>> = if val_by == ValBy::Str && key_by == KeyBy::Ignore {
        let mut sets = Vec::with_capacity(others.len());
        for a in others {
            sets.push(strings(host, a)?.into_iter().collect());
        }
        sets
    } else {
        Vec::new()
    };
    let mut warned = false;
    let mut out = PhpArray::new();
    for (idx, (k, v)) in first.iter().enumerate() {
        let mut keep = true;
        for (oi, other) in others.iter().enumerate() {
            let found = match (val_by, key_by) {
                (ValBy::Str, KeyBy::Ignore) => other_sets[oi].contains(&first_strs[idx]),
                (ValBy::Ignore, KeyBy::Exact) => other.contains_key(&k),
                (_, KeyBy::Exact) => match other.get(&k) {
                    None => false,
                    Some(ov) => values_equal(
                        host,
                        val_by,
                        &val_cb,
                        &first_strs,
                        idx,
                        v,
                        ov,
                        fname,
                        &mut warned,
                    )?,
                },
                _ => {
                    let mut any = false;
                    for (ok, ov) in other.iter() {
                        let key_ok = match (&key_by, &key_cb) {
                            (KeyBy::User, Some(cb)) => {
                                call_user_cmp(
                                    host,
                                    cb,
                                    &k.to_value(),
                                    &ok.to_value(),
                                    fname,
                                    &mut warned,
                                )? == Ordering::Equal
                            }
                            (KeyBy::Exact, _) => k == ok,
                            _ => true,
                        };
                        if key_ok
                            && values_equal(
                                host,
                                val_by,
                                &val_cb,
                                &first_strs,
                                idx,
                                v,
                                ov,
                                fname,
                                &mut warned,
                            )?
                        {
                            any = true;
                            break;
                        }
                    }
                    any
                }
            };
            // A difference keeps elements found nowhere; an intersection, found everywhere.
            if found != intersect {
                keep = false;
                break;
            }
        }
        if keep {
            out.insert(k, copy_elem(v));
        }
    }
    Ok(Value::array(out))
}

/// Compares element `idx` of the first array (value `v`) with `other` under `val_by`.
#[allow(clippy::too_many_arguments)]
fn values_equal(
    host: &mut dyn Host,
    val_by: ValBy,
    val_cb: &Option<Value>,
    first_strs: &[PhpStr],
    idx: usize,
    v: &Value,
    other: &Value,
    fname: &str,
    warned: &mut bool,
) -> PhpResult<bool> {
    match (val_by, val_cb) {
        (ValBy::Ignore, _) => Ok(true),
        (ValBy::Str, _) => Ok(host.to_str(&deref(other))? == first_strs[idx]),
        (ValBy::User, Some(cb)) => {
            Ok(
                call_user_cmp(host, cb, &deref(v), &deref(other), fname, warned)?
                    == Ordering::Equal,
            )
        }
        (ValBy::User, None) => Ok(false),
    }
}

macro_rules! set_fn {
    ($name:ident, $intersect:expr, $val:expr, $key:expr) => {
        pub(super) fn $name(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
            set_op(host, args, stringify!($name), $intersect, $val, $key)
        }
    };
}

set_fn!(array_diff, false, ValBy::Str, KeyBy::Ignore);
set_fn!(array_diff_key, false, ValBy::Ignore, KeyBy::Exact);
set_fn!(array_diff_assoc, false, ValBy::Str, KeyBy::Exact);
set_fn!(array_udiff, false, ValBy::User, KeyBy::Ignore);
set_fn!(array_diff_ukey, false, ValBy::Ignore, KeyBy::User);
set_fn!(array_udiff_assoc, false, ValBy::User, KeyBy::Exact);
set_fn!(array_diff_uassoc, false, ValBy::Str, KeyBy::User);
set_fn!(array_udiff_uassoc, false, ValBy::User, KeyBy::User);
set_fn!(array_intersect, true, ValBy::Str, KeyBy::Ignore);
set_fn!(array_intersect_key, true, ValBy::Ignore, KeyBy::Exact);
set_fn!(array_intersect_assoc, true, ValBy::Str, KeyBy::Exact);
set_fn!(array_uintersect, true, ValBy::User, KeyBy::Ignore);
set_fn!(array_intersect_ukey, true, ValBy::Ignore, KeyBy::User);
set_fn!(array_uintersect_assoc, true, ValBy::User, KeyBy::Exact);
set_fn!(array_intersect_uassoc, true, ValBy::Str, KeyBy::User);
set_fn!(array_uintersect_uassoc, true, ValBy::User, KeyBy::User);

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use crate::vm::host::TestHost;

    fn run(f: fn(&mut dyn Host, &[Value]) -> PhpResult<Value>, args: &[Value]) -> String {
        let mut h = TestHost::default();
        match f(&mut h, args) {
            Ok(v) => show(&v),
            Err(Fault::Error(e)) => {
                let (class, message) = (e.class, &e.message);
                format!("{class}: {message}")
            }
            Err(e) => format!("{e:?}"),
        }
    }

    #[test]
    fn builtin_set_operations() {
        // php -n -r '$a=["a"=>"1","b"=>2,0=>"x",1=>"y"]; $b=[1,"b"=>"x","a"=>"3"];
        //   echo json_encode([array_diff($a,$b), array_diff_key($a,$b), array_diff_assoc($a,$b),
        //   array_intersect($a,$b), array_intersect_key($a,$b), array_intersect_assoc($a,$b)]);'
        // -> [{"b":2,"1":"y"},{"1":"y"},{"a":"1","b":2,"0":"x","1":"y"},
        //     {"a":"1","0":"x"},{"a":"1","b":2,"0":"x"},[]]
        let a = assoc(&[
            ("a", Value::str("1")),
            ("b", Value::Int(2)),
            ("0", Value::str("x")),
            ("1", Value::str("y")),
        ]);
        let b = assoc(&[
            ("0", Value::Int(1)),
            ("b", Value::str("x")),
            ("a", Value::str("3")),
        ]);
        let ab = [a.clone(), b.clone()];
        assert_eq!(run(array_diff, &ab), "{\"b\":2,1:\"y\"}");
        assert_eq!(run(array_diff_key, &ab), "{1:\"y\"}");
        assert_eq!(
            run(array_diff_assoc, &ab),
            "{\"a\":\"1\",\"b\":2,0:\"x\",1:\"y\"}"
        );
        assert_eq!(run(array_intersect, &ab), "{\"a\":\"1\",0:\"x\"}");
        assert_eq!(
            run(array_intersect_key, &ab),
            "{\"a\":\"1\",\"b\":2,0:\"x\"}"
        );
        assert_eq!(run(array_intersect_assoc, &ab), "{}");
        assert_eq!(run(array_diff, &[a.clone()]), show(&a));
        assert_eq!(run(array_intersect, &[a.clone()]), show(&a));
    }

    #[test]
    fn user_variant_argument_errors() {
        // php -n -r 'array_udiff([1]);'  etc.
        assert_eq!(
            run(array_udiff, &[ints(&[1])]),
            "ArgumentCountError: array_udiff() expects at least 2 arguments, 1 given"
        );
        assert_eq!(
            run(array_udiff, &[ints(&[1]), ints(&[2])]),
            "TypeError: array_udiff(): Argument #2 must be a valid callback, array callback must have exactly two members"
        );
    }
}
