//! The array builtins that call PHP code per element: `array_map`, `array_filter`,
//! `array_reduce`, `array_walk`, `array_walk_recursive`.
//!
//! These run on hot paths (the closures benchmark maps, filters and reduces 100k elements
//! 30 times), so each element costs one callback call and no other allocation: the result
//! array is sized up front and arguments are passed in a stack array.

use std::rc::Rc;

use super::super::super::array::{ArrayKey, PhpArray};
use super::super::super::error::{Fault, PhpResult};
use super::super::super::host::Host;
use super::super::super::object::Obj;
use super::super::super::value::{PhpRef, Value};
use super::super::args;
use super::{arr, copy_elem, deref, ref_arg, ARRAY_FILTER_USE_BOTH, ARRAY_FILTER_USE_KEY};

pub(super) fn array_map(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let callback = args.first().map(deref).unwrap_or(Value::Null);
    let first = arr(args, 1);
    if args.len() <= 2 {
        if callback.is_null() {
            return Ok(Value::Array(first));
        }
        // One array: keys (string keys included) are preserved.
        let mut out = if first.is_packed() {
            PhpArray::with_capacity(first.len())
        } else {
            PhpArray::new()
        };
        for (k, v) in first.iter() {
            let r = host.call_moving(&callback, &mut [deref(v)])?;
            match (&k, out.is_packed()) {
                (ArrayKey::Int(i), true) if *i == out.len() as i64 => {
                    out.push(r);
                }
                _ => out.insert(k, r),
            }
        }
        return Ok(Value::array(out));
    }
    // Several arrays: walk them in parallel, padding the shorter ones with null; the
    // result is a list.
    let arrays: Vec<Rc<PhpArray>> = (1..args.len()).map(|i| arr(args, i)).collect();
    let longest = arrays.iter().map(|a| a.len()).max().unwrap_or(0);
    let mut iters: Vec<_> = arrays.iter().map(|a| a.values()).collect();
    let mut out = Vec::with_capacity(longest);
    for _ in 0..longest {
        let row: Vec<Value> = iters
            .iter_mut()
            .map(|it| it.next().map(deref).unwrap_or(Value::Null))
            .collect();
        if callback.is_null() {
            out.push(Value::array(PhpArray::from_values(row)));
        } else {
            out.push(host.call(&callback, &row)?);
        }
    }
    Ok(Value::array(PhpArray::from_values(out)))
}

pub(super) fn array_filter(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 0);
    let callback = args::opt(args, 1).map(deref).filter(|c| !c.is_null());
    let mode = args::int_or(args, 2, 0);
    let mut out = PhpArray::new();
    for (k, v) in a.iter() {
        let keep = match &callback {
            None => deref(v).to_bool(),
            Some(cb) => {
                let r = if mode == ARRAY_FILTER_USE_KEY {
                    host.call_moving(cb, &mut [k.to_value()])?
                } else if mode == ARRAY_FILTER_USE_BOTH {
                    host.call_moving(cb, &mut [deref(v), k.to_value()])?
                } else {
                    host.call_moving(cb, &mut [deref(v)])?
                };
                r.to_bool()
            }
        };
        if keep {
            out.insert(k, copy_elem(v));
        }
    }
    Ok(Value::array(out))
}

pub(super) fn array_reduce(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 0);
    let callback = args.get(1).map(deref).unwrap_or(Value::Null);
    let mut acc = args::opt(args, 2).map(deref).unwrap_or(Value::Null);
    for v in a.values() {
        acc = host.call_moving(&callback, &mut [acc, deref(v)])?;
    }
    Ok(acc)
}

/// Where `array_walk` walks: an array in a reference cell, or an object's properties.
#[derive(Clone)]
enum WalkTarget {
    Array(PhpRef),
    Object(Obj),
}

impl WalkTarget {
    /// Runs `f` on the target's table (separating a shared array first). No PHP code may
    /// run inside `f`.
    fn with_table<R>(&self, f: impl FnOnce(&mut PhpArray) -> R) -> Option<R> {
        match self {
            WalkTarget::Array(cell) => super::with_ref_array(cell, f),
            WalkTarget::Object(o) => Some(o.borrow_mut().props.with_array(f)),
        }
    }
}

/// `php_array_walk`: for each element, turns it into a reference (so the callback's
/// `&$value` writes into the array), calls the callback with `(&$value, $key[, $arg])`,
/// and recurses into nested arrays when `recursive`. Positions are re-read after every
/// call because the callback may change the array.
fn walk(
    host: &mut dyn Host,
    target: &WalkTarget,
    callback: &Value,
    extra: Option<&Value>,
    recursive: bool,
    depth: usize,
) -> PhpResult<()> {
    if depth > 256 {
        return Err(Fault::error("Error", "Recursion detected"));
    }
    let mut pos = 0usize;
    loop {
        let step = target.with_table(|t| {
            let p = t.next_pos(pos)?;
            let key = t.entry_at(p).map(|(k, _)| k)?;
            let slot = t.value_at_mut(p)?;
            let cell = match slot {
                Value::Ref(r) => r.clone(),
                other => {
                    let r = Value::new_ref(std::mem::take(other));
                    *other = Value::Ref(r.clone());
                    r
                }
            };
            Some((p, key, cell))
        });
        let Some(Some((p, key, cell))) = step else {
            return Ok(());
        };
        pos = p + 1;
        let is_array = matches!(&*cell.borrow(), Value::Array(_));
        if recursive && is_array {
            walk(
                host,
                &WalkTarget::Array(cell.clone()),
                callback,
                extra,
                true,
                depth + 1,
            )?;
        } else {
            match extra {
                Some(x) => host.call(
                    callback,
                    &[Value::Ref(cell.clone()), key.to_value(), x.clone()],
                )?,
                None => host.call(callback, &[Value::Ref(cell.clone()), key.to_value()])?,
            };
        }
        // A reference that only the array holds again is a plain value to PHP: unwrap it
        // so later copies of the array do not share the slot.
        drop(cell);
        target.with_table(|t| {
            if let Some(slot) = t.value_at_mut(p) {
                if let Value::Ref(r) = slot {
                    if Rc::strong_count(r) == 1 {
                        let inner = r.borrow().clone();
                        *slot = inner;
                    }
                }
            }
        });
    }
}

fn walk_entry(
    host: &mut dyn Host,
    args: &[Value],
    fname: &str,
    recursive: bool,
) -> PhpResult<Value> {
    let cell = ref_arg(fname, args, 0)?;
    let target = match &*cell.borrow() {
        Value::Object(o) => WalkTarget::Object(o.clone()),
        Value::Array(_) => WalkTarget::Array(cell.clone()),
        other => {
            return Err(Fault::type_error(format!(
                "{fname}(): Argument #1 ($array) must be of type array, {} given",
                other.type_name()
            )))
        }
    };
    let callback = args.get(1).map(deref).unwrap_or(Value::Null);
    let extra = args::opt(args, 2).map(deref);
    walk(host, &target, &callback, extra.as_ref(), recursive, 0)?;
    Ok(Value::Bool(true))
}

pub(super) fn array_walk(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    walk_entry(host, args, "array_walk", false)
}

pub(super) fn array_walk_recursive(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    walk_entry(host, args, "array_walk_recursive", true)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use crate::vm::host::TestHost;

    #[test]
    fn map_with_null_callback_zips() {
        // php -n -r 'echo json_encode(array_map(null, [1,2], ["a"]));' -> [[1,"a"],[2,null]]
        let mut h = TestHost::default();
        let r = array_map(&mut h, &[Value::Null, ints(&[1, 2]), strs(&["a"])]).map(|v| show(&v));
        assert_eq!(r.ok().as_deref(), Some("{0:{0:1,1:\"a\"},1:{0:2,1:null}}"));
        let r = array_map(&mut h, &[Value::Null, assoc(&[("x", Value::Int(1))])]).map(|v| show(&v));
        assert_eq!(r.ok().as_deref(), Some("{\"x\":1}"));
    }

    #[test]
    fn filter_without_callback_keeps_truthy_with_keys() {
        // php -n -r 'var_dump(array_filter([0, 1, "", "a", null, [], [0]]));'
        let mut h = TestHost::default();
        let input = Value::array(PhpArray::from_values(vec![
            Value::Int(0),
            Value::Int(1),
            Value::str(""),
            Value::str("a"),
            Value::Null,
            Value::empty_array(),
            ints(&[0]),
        ]));
        let r = array_filter(&mut h, &[input]).map(|v| show(&v));
        assert_eq!(r.ok().as_deref(), Some("{1:1,3:\"a\",6:{0:0}}"));
    }

    #[test]
    fn reduce_of_empty_array_is_initial() {
        let mut h = TestHost::default();
        let r =
            array_reduce(&mut h, &[ints(&[]), Value::str("f"), Value::Int(7)]).map(|v| show(&v));
        assert_eq!(r.ok().as_deref(), Some("7"));
    }
}
