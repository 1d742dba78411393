//! Array construction, slicing, searching, stack operations, aggregates and the internal
//! pointer: the array builtins that call no PHP callbacks.

use std::cmp::Ordering;
use std::rc::Rc;

use super::super::super::array::{ArrayKey, PhpArray};
use super::super::super::convert::{parse_numeric, Numeric, NumericPrefix};
use super::super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::super::host::Host;
use super::super::super::object::Obj;
use super::super::super::ops;
use super::super::super::value::{PhpRef, PhpStr, Value};
use super::super::args;
use super::{
    arr, copy_elem, deref, ref_arg, ref_array, renumber, take_entries, value_to_key,
    value_to_key_via_string, with_ref_array, COUNT_NORMAL, COUNT_RECURSIVE, HT_MAX_SIZE,
};

// ---------------------------------------------------------------------------------------
// count

pub(super) fn count(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    count_impl(host, args, "count")
}

pub(super) fn sizeof(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    count_impl(host, args, "sizeof")
}

fn count_impl(host: &mut dyn Host, args: &[Value], fname: &str) -> PhpResult<Value> {
    let mode = args::int_or(args, 1, COUNT_NORMAL);
    if mode != COUNT_NORMAL && mode != COUNT_RECURSIVE {
        return Err(Fault::value_error(format!(
            "{fname}(): Argument #2 ($mode) must be either COUNT_NORMAL or COUNT_RECURSIVE"
        )));
    }
    match args.first().map(deref) {
        Some(Value::Array(a)) => {
            if mode == COUNT_RECURSIVE {
                let mut visiting = Vec::new();
                Ok(Value::Int(count_recursive(host, &a, &mut visiting, fname)?))
            } else {
                Ok(Value::Int(a.len() as i64))
            }
        }
        Some(Value::Object(o)) if o.instance_of(b"countable") => {
            match host.call_method(&o, b"count", &[])? {
                Some(v) => Ok(Value::Int(v.to_int())),
                None => Ok(Value::Int(0)),
            }
        }
        other => Err(Fault::type_error(format!(
            "{fname}(): Argument #1 ($value) must be of type Countable|array, {} given",
            other
                .map(|v| v.type_name())
                .unwrap_or_else(|| "null".into())
        ))),
    }
}

/// `COUNT_RECURSIVE`: every element, plus the elements of nested arrays. Arrays reached
/// through a reference that is already being counted are a cycle: PHP warns "Recursion
/// detected" and does not descend again.
fn count_recursive(
    host: &mut dyn Host,
    a: &PhpArray,
    visiting: &mut Vec<PhpRef>,
    fname: &str,
) -> PhpResult<i64> {
    let mut n = a.len() as i64;
    for v in a.values() {
        match v {
            Value::Array(inner) => n += count_recursive(host, inner, visiting, fname)?,
            Value::Ref(r) => {
                let inner = match &*r.borrow() {
                    Value::Array(inner) => inner.clone(),
                    _ => continue,
                };
                if visiting.iter().any(|seen| Rc::ptr_eq(seen, r)) {
                    host.raise(
                        ErrorLevel::Warning,
                        &format!("{fname}(): Recursion detected"),
                    )?;
                    continue;
                }
                visiting.push(r.clone());
                let sub = count_recursive(host, &inner, visiting, fname);
                visiting.pop();
                n += sub?;
            }
            _ => {}
        }
    }
    Ok(n)
}

// ---------------------------------------------------------------------------------------
// searching

/// Whether `needle` equals `v` (dereferenced) under `==` or `===`.
pub(super) fn values_match(
    host: &mut dyn Host,
    needle: &Value,
    v: &Value,
    strict: bool,
) -> PhpResult<bool> {
    let v = match v {
        Value::Ref(r) => r.borrow().clone(),
        other => other.clone(),
    };
    if strict {
        return Ok(ops::strict_eq(needle, &v));
    }
    // The common int/int case without going through the general comparison.
    if let (Value::Int(a), Value::Int(b)) = (needle, &v) {
        return Ok(a == b);
    }
    ops::loose_eq(host, needle, &v)
}

pub(super) fn in_array(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let needle = deref(&args[0]);
    let hay = arr(args, 1);
    let strict = args::bool_or(args, 2, false);
    for v in hay.values() {
        if values_match(host, &needle, v, strict)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

pub(super) fn array_search(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let needle = deref(&args[0]);
    let hay = arr(args, 1);
    let strict = args::bool_or(args, 2, false);
    for (k, v) in hay.iter() {
        if values_match(host, &needle, v, strict)? {
            return Ok(k.to_value());
        }
    }
    Ok(Value::Bool(false))
}

pub(super) fn array_keys(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 0);
    let Some(filter) = args::opt(args, 1).map(deref) else {
        return Ok(Value::array(PhpArray::from_values(
            a.keys().map(|k| k.to_value()).collect(),
        )));
    };
    let strict = args::bool_or(args, 2, false);
    let mut out = Vec::new();
    for (k, v) in a.iter() {
        if values_match(host, &filter, v, strict)? {
            out.push(k.to_value());
        }
    }
    Ok(Value::array(PhpArray::from_values(out)))
}

pub(super) fn array_values(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 0);
    if a.is_packed() {
        return Ok(Value::Array(a));
    }
    Ok(Value::array(PhpArray::from_values(
        a.values().map(copy_elem).collect(),
    )))
}

pub(super) fn array_key_exists(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 1);
    let key = match deref(&args[0]) {
        v @ (Value::Array(_) | Value::Object(_)) => {
            // PHP 8 removed the object form; any other non-key type is an offset error.
            let _ = v;
            return Err(Fault::type_error("Illegal offset type"));
        }
        v => value_to_key(host, &v)?,
    };
    Ok(Value::Bool(a.contains_key(&key)))
}

pub(super) fn array_key_first(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(arr(args, 0)
        .first()
        .map(|(k, _)| k.to_value())
        .unwrap_or(Value::Null))
}

pub(super) fn array_key_last(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(arr(args, 0)
        .last()
        .map(|(k, _)| k.to_value())
        .unwrap_or(Value::Null))
}

pub(super) fn array_is_list(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(arr(args, 0).is_list()))
}

// ---------------------------------------------------------------------------------------
// merging and building

pub(super) fn array_merge(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    if args.is_empty() {
        return Ok(Value::empty_array());
    }
    // One list merges into itself: return it without copying, as PHP does.
    if args.len() == 1 {
        let a = arr(args, 0);
        if a.is_packed() {
            return Ok(Value::Array(a));
        }
    }
    let total: usize = (0..args.len()).map(|i| arr(args, i).len()).sum();
    let mut out = PhpArray::with_capacity(total);
    for i in 0..args.len() {
        let a = arr(args, i);
        for (k, v) in a.iter() {
            match k {
                ArrayKey::Int(_) => {
                    out.push(copy_elem(v));
                }
                key @ ArrayKey::Str(_) => out.insert(key, copy_elem(v)),
            }
        }
    }
    Ok(Value::array(out))
}

/// `convert_to_array` for a value that `array_merge_recursive` turns into an array: null is
/// empty, scalars become a one-element list, objects their property table.
fn to_array_for_merge(v: &Value) -> PhpArray {
    match v {
        Value::Array(a) => (**a).clone(),
        Value::Null | Value::Undef => PhpArray::new(),
        Value::Object(o) => o.borrow().props.to_array(),
        Value::Ref(r) => to_array_for_merge(&r.borrow()),
        other => PhpArray::from_values(vec![other.clone()]),
    }
}

/// `php_array_merge_recursive`: merges `src` into `dest`.
fn merge_recursive_into(dest: &mut PhpArray, src: &PhpArray, depth: usize) -> PhpResult<()> {
    if depth > 256 {
        return Err(Fault::error("Error", "Recursion detected"));
    }
    for (k, v) in src.iter() {
        match k {
            ArrayKey::Int(_) => {
                if !dest.push(copy_elem(v)) {
                    return Err(cannot_add_element());
                }
            }
            key @ ArrayKey::Str(_) => {
                let Some(existing) = dest.get(&key).map(deref) else {
                    dest.insert(key, copy_elem(v));
                    continue;
                };
                let mut merged = match &existing {
                    Value::Null | Value::Undef => PhpArray::from_values(vec![Value::Null]),
                    other => to_array_for_merge(other),
                };
                let src_val = deref(v);
                let src_val = match src_val {
                    Value::Object(_) => Value::array(to_array_for_merge(&src_val)),
                    other => other,
                };
                match &src_val {
                    Value::Array(sa) => merge_recursive_into(&mut merged, sa, depth + 1)?,
                    _ => {
                        if !merged.push(src_val.clone()) {
                            return Err(cannot_add_element());
                        }
                    }
                }
                // A reference in `dest` keeps pointing at the merged array.
                match dest.get_mut(&key) {
                    Some(Value::Ref(r)) => *r.borrow_mut() = Value::array(merged),
                    Some(slot) => *slot = Value::array(merged),
                    None => {}
                }
            }
        }
    }
    Ok(())
}

fn cannot_add_element() -> Fault {
    Fault::error(
        "Error",
        "Cannot add element to the array as the next element is already occupied",
    )
}

pub(super) fn array_merge_recursive(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let mut out = PhpArray::new();
    for i in 0..args.len() {
        merge_recursive_into(&mut out, &arr(args, i), 0)?;
    }
    Ok(Value::array(out))
}

pub(super) fn array_replace(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let mut out = (*arr(args, 0)).clone();
    for i in 1..args.len() {
        for (k, v) in arr(args, i).iter() {
            out.insert(k, copy_elem(v));
        }
    }
    Ok(Value::array(out))
}

/// `php_array_replace_recursive`: nested arrays on both sides are replaced element-wise,
/// anything else is overwritten.
fn replace_recursive_into(dest: &mut PhpArray, src: &PhpArray, depth: usize) -> PhpResult<()> {
    if depth > 256 {
        return Err(Fault::error("Error", "Recursion detected"));
    }
    for (k, v) in src.iter() {
        let src_val = deref(v);
        let dest_arr = match (&src_val, dest.get(&k).map(deref)) {
            (Value::Array(_), Some(Value::Array(d))) => Some(d),
            _ => None,
        };
        match (dest_arr, &src_val) {
            (Some(d), Value::Array(s)) => {
                let mut d = (*d).clone();
                replace_recursive_into(&mut d, s, depth + 1)?;
                match dest.get_mut(&k) {
                    Some(Value::Ref(r)) => *r.borrow_mut() = Value::array(d),
                    Some(slot) => *slot = Value::array(d),
                    None => {}
                }
            }
            _ => dest.insert(k, copy_elem(v)),
        }
    }
    Ok(())
}

pub(super) fn array_replace_recursive(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let mut out = (*arr(args, 0)).clone();
    for i in 1..args.len() {
        replace_recursive_into(&mut out, &arr(args, i), 0)?;
    }
    Ok(Value::array(out))
}

pub(super) fn array_combine(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let keys = arr(args, 0);
    let values = arr(args, 1);
    if keys.len() != values.len() {
        return Err(Fault::value_error(
            "array_combine(): Argument #1 ($keys) and argument #2 ($values) must have the same number of elements",
        ));
    }
    let mut out = PhpArray::with_capacity(keys.len());
    for (k, v) in keys.values().zip(values.values()) {
        let key = value_to_key_via_string(host, k)?;
        out.insert(key, copy_elem(v));
    }
    Ok(Value::array(out))
}

pub(super) fn array_flip(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 0);
    let mut out = PhpArray::with_capacity(a.len());
    for (k, v) in a.iter() {
        match deref(v) {
            Value::Int(i) => out.insert(ArrayKey::Int(i), k.to_value()),
            Value::Str(s) => out.insert(ArrayKey::from_str(s), k.to_value()),
            _ => host.raise(
                ErrorLevel::Warning,
                "array_flip(): Can only flip string and integer values, entry skipped",
            )?,
        }
    }
    Ok(Value::array(out))
}

pub(super) fn array_fill(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let start = args::int_or(args, 0, 0);
    let count = args::int_or(args, 1, 0);
    let value = args.get(2).map(deref).unwrap_or(Value::Null);
    if count < 0 {
        return Err(Fault::value_error(
            "array_fill(): Argument #2 ($count) must be greater than or equal to 0",
        ));
    }
    if count as u64 >= HT_MAX_SIZE {
        return Err(Fault::value_error(
            "array_fill(): Argument #2 ($count) is too large",
        ));
    }
    if count == 0 {
        return Ok(Value::empty_array());
    }
    host.check_alloc((count as usize).saturating_mul(16))?;
    if start == 0 {
        return Ok(Value::array(PhpArray::from_values(vec![
            value;
            count as usize
        ])));
    }
    // Explicit keys: `array_fill(-5, 3)` is keyed -5, -4, -3 (unlike `$a[] =` after -5).
    let mut out = PhpArray::with_capacity(count as usize);
    for i in 0..count {
        let key = start.checked_add(i).ok_or_else(cannot_add_element)?;
        out.insert(ArrayKey::Int(key), value.clone());
    }
    Ok(Value::array(out))
}

pub(super) fn array_fill_keys(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let keys = arr(args, 0);
    let value = args.get(1).map(deref).unwrap_or(Value::Null);
    let mut out = PhpArray::with_capacity(keys.len());
    for k in keys.values() {
        let key = value_to_key_via_string(host, k)?;
        out.insert(key, value.clone());
    }
    Ok(Value::array(out))
}

pub(super) fn array_pad(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 0);
    let length = args::int_or(args, 1, 0);
    let value = args.get(2).map(deref).unwrap_or(Value::Null);
    let input_size = a.len() as i64;
    let pad_abs = length.unsigned_abs();
    if pad_abs as i128 - input_size as i128 > 1_048_576 {
        return Err(Fault::value_error(
            "array_pad(): Argument #2 ($length) must be less than or equal to 1048576",
        ));
    }
    if pad_abs <= input_size as u64 {
        return Ok(Value::Array(a));
    }
    let n_pad = pad_abs as usize - a.len();
    let pads = std::iter::repeat_n(value, n_pad).map(|v| (ArrayKey::Int(0), v));
    let existing = a.iter().map(|(k, v)| (k, copy_elem(v)));
    let out = if length > 0 {
        renumber(existing.chain(pads))
    } else {
        renumber(pads.chain(existing))
    };
    Ok(Value::array(out))
}

// ---------------------------------------------------------------------------------------
// range

/// Whole-string numeric classification of a `range` bound (`is_numeric_string` with
/// errors disallowed).
fn numeric_kind(s: &[u8]) -> Option<Numeric> {
    match parse_numeric(s) {
        NumericPrefix::Whole(n) => Some(n),
        _ => None,
    }
}

fn range_step_error() -> Fault {
    Fault::value_error("range(): Argument #3 ($step) must not exceed the specified range")
}

pub(super) fn range(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let low = deref(&args[0]);
    let high = deref(&args[1]);
    let (step, step_is_float) = match args::opt(args, 2) {
        Some(Value::Float(f)) => (f.abs(), true),
        Some(Value::Int(i)) => ((*i as f64).abs(), false),
        Some(other) => (other.to_float().abs(), false),
        None => (1.0, false),
    };
    let mut mode =
        if step_is_float || matches!(low, Value::Float(_)) || matches!(high, Value::Float(_)) {
            RangeMode::Float
        } else {
            RangeMode::Int
        };
    if let (Value::Str(l), Value::Str(h)) = (&low, &high) {
        if !l.is_empty() && !h.is_empty() {
            let (t1, t2) = (numeric_kind(l), numeric_kind(h));
            mode = if matches!(t1, Some(Numeric::Float(_)))
                || matches!(t2, Some(Numeric::Float(_)))
                || step_is_float
            {
                RangeMode::Float
            } else if t1.is_some() || t2.is_some() {
                RangeMode::Int
            } else {
                return range_chars(l[0], h[0], step as i64);
            };
        }
    }
    match mode {
        RangeMode::Float => range_float(host, low.to_float(), high.to_float(), step),
        RangeMode::Int => range_int(host, low.to_int(), high.to_int(), step),
    }
}

enum RangeMode {
    Int,
    Float,
}

/// `range('a', 'e')`: single bytes, stepping by the (truncated) step.
fn range_chars(low: u8, high: u8, step: i64) -> PhpResult<Value> {
    let one = |c: u8| Value::str(vec![c]);
    let mut out = Vec::new();
    match low.cmp(&high) {
        Ordering::Greater => {
            if i64::from(low - high) < step || step <= 0 {
                return Err(range_step_error());
            }
            let mut c = i64::from(low);
            while c >= i64::from(high) {
                out.push(one(c as u8));
                c -= step;
            }
        }
        Ordering::Less => {
            if i64::from(high - low) < step || step <= 0 {
                return Err(range_step_error());
            }
            let mut c = i64::from(low);
            while c <= i64::from(high) {
                out.push(one(c as u8));
                c += step;
            }
        }
        Ordering::Equal => out.push(one(low)),
    }
    Ok(Value::array(PhpArray::from_values(out)))
}

fn range_float(host: &mut dyn Host, low: f64, high: f64, step: f64) -> PhpResult<Value> {
    if low.is_infinite() || high.is_infinite() {
        return Err(Fault::value_error(format!(
            "Invalid range supplied: start={low:.0} end={high:.0}"
        )));
    }
    let size_for = |span: f64| -> PhpResult<usize> {
        let calc = span / step + 1.0;
        if calc >= HT_MAX_SIZE as f64 {
            return Err(Fault::value_error(format!(
                "The supplied range exceeds the maximum array size: start={:.0} end={:.0}",
                low.min(high),
                low.max(high)
            )));
        }
        // `_php_math_round(calc, 0, PHP_ROUND_HALF_UP)`.
        Ok(calc.round() as usize)
    };
    let mut out = Vec::new();
    if low > high {
        if low - high < step || step <= 0.0 {
            return Err(range_step_error());
        }
        let size = size_for(low - high)?;
        host.check_alloc(size.saturating_mul(16))?;
        let mut i = 0usize;
        let mut element = low;
        while i < size && element >= high {
            out.push(Value::Float(element));
            i += 1;
            element = low - (i as f64 * step);
        }
    } else if high > low {
        if high - low < step || step <= 0.0 {
            return Err(range_step_error());
        }
        let size = size_for(high - low)?;
        host.check_alloc(size.saturating_mul(16))?;
        let mut i = 0usize;
        let mut element = low;
        while i < size && element <= high {
            out.push(Value::Float(element));
            i += 1;
            element = low + (i as f64 * step);
        }
    } else {
        out.push(Value::Float(low));
    }
    Ok(Value::array(PhpArray::from_values(out)))
}

fn range_int(host: &mut dyn Host, low: i64, high: i64, step: f64) -> PhpResult<Value> {
    if step <= 0.0 {
        return Err(range_step_error());
    }
    // PHP casts the (non-negative) double step to an unsigned long.
    let lstep = if step >= 18_446_744_073_709_551_615.0 {
        u64::MAX
    } else {
        step as u64
    };
    if lstep == 0 {
        return Err(range_step_error());
    }
    let size_for = |span: u64| -> PhpResult<usize> {
        let calc = span / lstep;
        if calc >= HT_MAX_SIZE - 1 {
            return Err(Fault::value_error(format!(
                "The supplied range exceeds the maximum array size: start={} end={}",
                low.min(high),
                low.max(high)
            )));
        }
        Ok(calc as usize + 1)
    };
    let mut out = Vec::new();
    match low.cmp(&high) {
        Ordering::Greater => {
            let span = low.wrapping_sub(high) as u64;
            if span < lstep {
                return Err(range_step_error());
            }
            let size = size_for(span)?;
            host.check_alloc(size.saturating_mul(16))?;
            out.reserve(size);
            for i in 0..size as u64 {
                out.push(Value::Int(low.wrapping_sub(i.wrapping_mul(lstep) as i64)));
            }
        }
        Ordering::Less => {
            let span = high.wrapping_sub(low) as u64;
            if span < lstep {
                return Err(range_step_error());
            }
            let size = size_for(span)?;
            host.check_alloc(size.saturating_mul(16))?;
            out.reserve(size);
            for i in 0..size as u64 {
                out.push(Value::Int(low.wrapping_add(i.wrapping_mul(lstep) as i64)));
            }
        }
        Ordering::Equal => out.push(Value::Int(low)),
    }
    Ok(Value::array(PhpArray::from_values(out)))
}

// ---------------------------------------------------------------------------------------
// slicing

pub(super) fn array_slice(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 0);
    let mut offset = args::int_or(args, 1, 0);
    let length = match args::opt(args, 2) {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    };
    let preserve = args::bool_or(args, 3, false);
    let num_in = a.len() as i64;
    if offset > num_in {
        return Ok(Value::empty_array());
    }
    if offset < 0 {
        offset = (num_in + offset).max(0);
    }
    let length = match length {
        None => num_in - offset,
        Some(l) if l < 0 => num_in - offset + l,
        Some(l) if (offset as u64).saturating_add(l as u64) > num_in as u64 => num_in - offset,
        Some(l) => l,
    };
    if length <= 0 {
        return Ok(Value::empty_array());
    }
    let items = a
        .iter()
        .skip(offset as usize)
        .take(length as usize)
        .map(|(k, v)| (k, copy_elem(v)));
    let out = if preserve {
        PhpArray::from_entries(items)
    } else {
        renumber(items)
    };
    Ok(Value::array(out))
}

pub(super) fn array_splice(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let (cell, a) = ref_array("array_splice", args, 0, "array")?;
    let num_in = a.len() as i64;
    let mut offset = args::int_or(args, 1, 0);
    let mut length = match args::opt(args, 2) {
        Some(Value::Int(n)) => *n,
        _ => num_in,
    };
    let replacement: Option<PhpArray> = args::opt(args, 3).map(|v| to_array_for_merge(&deref(v)));
    if offset < 0 {
        offset = (num_in + offset).max(0);
    } else if offset > num_in {
        offset = num_in;
    }
    if length < 0 {
        length = (num_in - offset + length).max(0);
    } else if (offset as u64).saturating_add(length as u64) > num_in as u64 {
        length = num_in - offset;
    }
    let (offset, length) = (offset as usize, length as usize);
    let mut removed = PhpArray::new();
    let mut out = PhpArray::with_capacity(a.len());
    drop(cell.borrow_mut());
    let entries = {
        // Release our extra handle so the entries can usually be moved, not copied.
        *cell.borrow_mut() = Value::Null;
        take_entries(a)
    };
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i == offset {
            if let Some(rep) = &replacement {
                for v in rep.values() {
                    out.push(copy_elem(v));
                }
            }
        }
        let target = if i >= offset && i < offset + length {
            &mut removed
        } else {
            &mut out
        };
        match k {
            ArrayKey::Int(_) => {
                target.push(v);
            }
            key @ ArrayKey::Str(_) => target.insert(key, v),
        }
    }
    if offset >= num_in as usize {
        if let Some(rep) = &replacement {
            for v in rep.values() {
                out.push(copy_elem(v));
            }
        }
    }
    *cell.borrow_mut() = Value::array(out);
    let removed = PhpArray::from_entries(
        removed
            .into_entries()
            .into_iter()
            .map(|(k, v)| (k, copy_elem(&v))),
    );
    Ok(Value::array(removed))
}

pub(super) fn array_chunk(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 0);
    let size = args::int_or(args, 1, 0);
    let preserve = args::bool_or(args, 2, false);
    if size < 1 {
        return Err(Fault::value_error(
            "array_chunk(): Argument #2 ($length) must be greater than 0",
        ));
    }
    let size = (size as usize).min(a.len().max(1));
    let mut chunks = Vec::with_capacity(a.len().div_ceil(size));
    let mut cur = PhpArray::with_capacity(size);
    for (k, v) in a.iter() {
        if preserve {
            cur.insert(k, copy_elem(v));
        } else {
            cur.push(copy_elem(v));
        }
        if cur.len() == size {
            chunks.push(Value::array(std::mem::replace(
                &mut cur,
                PhpArray::with_capacity(size),
            )));
        }
    }
    if !cur.is_empty() {
        chunks.push(Value::array(cur));
    }
    Ok(Value::array(PhpArray::from_values(chunks)))
}

pub(super) fn array_reverse(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 0);
    let preserve = args::bool_or(args, 1, false);
    let mut entries: Vec<(ArrayKey, Value)> = a.iter().map(|(k, v)| (k, copy_elem(v))).collect();
    entries.reverse();
    let out = if preserve {
        PhpArray::from_entries(entries)
    } else {
        renumber(entries)
    };
    Ok(Value::array(out))
}

// ---------------------------------------------------------------------------------------
// stack and queue operations

pub(super) fn array_push(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let cell = ref_arg("array_push", args, 0)?;
    let values: Vec<Value> = args[1..].iter().map(deref).collect();
    let result = with_ref_array(cell, |a| {
        for v in values {
            if !a.push(v) {
                return Err(cannot_add_element());
            }
        }
        Ok(a.len())
    });
    match result {
        Some(r) => Ok(Value::Int(r? as i64)),
        None => Err(not_array_ref("array_push", cell)),
    }
}

fn not_array_ref(fname: &str, cell: &PhpRef) -> Fault {
    Fault::type_error(format!(
        "{fname}(): Argument #1 ($array) must be of type array, {} given",
        cell.borrow().type_name()
    ))
}

pub(super) fn array_pop(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let cell = ref_arg("array_pop", args, 0)?;
    match with_ref_array(cell, |a| a.pop()) {
        Some(v) => Ok(v.map(|v| v.into_deref()).unwrap_or(Value::Null)),
        None => Err(not_array_ref("array_pop", cell)),
    }
}

pub(super) fn array_shift(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let (cell, a) = ref_array("array_shift", args, 0, "array")?;
    if a.is_empty() {
        return Ok(Value::Null);
    }
    *cell.borrow_mut() = Value::Null;
    let mut entries = take_entries(a).into_iter();
    let first = entries.next().map(|(_, v)| v.into_deref());
    *cell.borrow_mut() = Value::array(renumber(entries));
    Ok(first.unwrap_or(Value::Null))
}

pub(super) fn array_unshift(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let (cell, a) = ref_array("array_unshift", args, 0, "array")?;
    *cell.borrow_mut() = Value::Null;
    let mut out = PhpArray::with_capacity(a.len() + args.len() - 1);
    for v in &args[1..] {
        out.push(deref(v));
    }
    for (k, v) in take_entries(a) {
        match k {
            ArrayKey::Int(_) => {
                out.push(v);
            }
            key @ ArrayKey::Str(_) => out.insert(key, v),
        }
    }
    let n = out.len();
    *cell.borrow_mut() = Value::array(out);
    Ok(Value::Int(n as i64))
}

// ---------------------------------------------------------------------------------------
// aggregates

/// `array_sum`/`array_product` in PHP 8.2: arrays and objects are skipped silently, other
/// values are converted to numbers (non-numeric strings count as 0) and combined with `+`
/// or `*`, overflowing to float.
fn fold_numbers(host: &mut dyn Host, a: &PhpArray, init: i64, mul: bool) -> PhpResult<Value> {
    let mut acc = Value::Int(init);
    for v in a.values() {
        let n = match deref(v) {
            Value::Array(_) | Value::Object(_) => continue,
            Value::Int(i) => Value::Int(i),
            Value::Float(f) => Value::Float(f),
            Value::Null | Value::Undef => Value::Int(0),
            Value::Bool(b) => Value::Int(i64::from(b)),
            Value::Str(s) => match parse_numeric(&s) {
                NumericPrefix::Whole(Numeric::Int(i)) | NumericPrefix::Leading(Numeric::Int(i)) => {
                    Value::Int(i)
                }
                NumericPrefix::Whole(Numeric::Float(f))
                | NumericPrefix::Leading(Numeric::Float(f)) => Value::Float(f),
                NumericPrefix::NotNumeric => Value::Int(0),
            },
            Value::Ref(_) => continue,
        };
        acc = match (&acc, &n) {
            (Value::Int(x), Value::Int(y)) => {
                let r = if mul {
                    x.checked_mul(*y)
                } else {
                    x.checked_add(*y)
                };
                match r {
                    Some(r) => Value::Int(r),
                    None if mul => Value::Float(*x as f64 * *y as f64),
                    None => Value::Float(*x as f64 + *y as f64),
                }
            }
            _ => {
                let op = if mul {
                    super::super::super::ast::BinOp::Mul
                } else {
                    super::super::super::ast::BinOp::Add
                };
                ops::binary_op(host, op, &acc, &n)?
            }
        };
    }
    Ok(acc)
}

pub(super) fn array_sum(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    fold_numbers(host, &arr(args, 0), 0, false)
}

pub(super) fn array_product(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    fold_numbers(host, &arr(args, 0), 1, true)
}

pub(super) fn array_count_values(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 0);
    let mut out = PhpArray::new();
    for v in a.values() {
        let key = match deref(v) {
            Value::Int(i) => ArrayKey::Int(i),
            Value::Str(s) => ArrayKey::from_str(s),
            _ => {
                host.raise(
                    ErrorLevel::Warning,
                    "array_count_values(): Can only count string and integer values, entry skipped",
                )?;
                continue;
            }
        };
        let slot = out.get_or_insert_null(key);
        *slot = Value::Int(match slot {
            Value::Int(n) => *n + 1,
            _ => 1,
        });
    }
    Ok(Value::array(out))
}

pub(super) fn array_unique(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 0);
    let flags = args::int_or(args, 1, super::SORT_STRING);
    if a.len() <= 1 {
        return Ok(Value::Array(a));
    }
    if flags == super::SORT_STRING {
        // PHP keeps the first occurrence of each string form, using a hash set.
        let mut seen = std::collections::HashSet::new();
        let mut out = PhpArray::new();
        for (k, v) in a.iter() {
            let s = host.to_str(&deref(v))?;
            if seen.insert(s) {
                out.insert(k, copy_elem(v));
            }
        }
        return Ok(Value::array(out));
    }
    // Other flags: stable sort, then drop every element equal to the last kept one in
    // sorted order, as `php_array_unique` does.
    let entries: Vec<(ArrayKey, Value)> = a.iter().map(|(k, v)| (k, deref(v))).collect();
    let values: Vec<Value> = entries.iter().map(|(_, v)| v.clone()).collect();
    let cmp = super::sort::ValueCmp::new(host, flags, &values)?;
    let mut order: Vec<usize> = (0..values.len()).collect();
    super::sort::merge_sort(&mut order, |&x, &y| cmp.compare(host, x, y))?;
    let mut drop = vec![false; values.len()];
    let mut last_kept = order[0];
    for &cur in &order[1..] {
        if cmp.compare(host, last_kept, cur)? != Ordering::Equal {
            last_kept = cur;
        } else if last_kept > cur {
            drop[last_kept] = true;
            last_kept = cur;
        } else {
            drop[cur] = true;
        }
    }
    let out = PhpArray::from_entries(
        a.iter()
            .enumerate()
            .filter(|(i, _)| !drop[*i])
            .map(|(_, (k, v))| (k, copy_elem(v))),
    );
    Ok(Value::array(out))
}

/// Reads a property for `array_column`: only public (or undeclared, dynamic) properties
/// are visible from the function's scope.
fn public_prop(o: &Obj, name: &ArrayKey) -> Option<Value> {
    let data = o.borrow();
    let bytes: Vec<u8> = match name {
        ArrayKey::Int(i) => i.to_string().into_bytes(),
        ArrayKey::Str(s) => s.to_vec(),
    };
    if let Some(decl) = data.class.prop_decl(&bytes) {
        if decl.visibility != super::super::super::ast::Visibility::Public {
            return None;
        }
    }
    // Dynamic properties named by digits (`$o->{0}`) are stored under string keys.
    data.props
        .get(name)
        .or_else(|| data.props.get(&ArrayKey::Str(PhpStr::from(bytes))))
        .map(deref)
}

/// `array_column_fetch_prop`: an element of an array row, or a property of an object row
/// (a visible one, or one the object's `__isset` admits, read through `__get`).
fn column_fetch(host: &mut dyn Host, row: &Value, key: &ArrayKey) -> PhpResult<Option<Value>> {
    match row {
        Value::Array(a) => Ok(a.get(key).map(deref)),
        Value::Object(o) => {
            if let Some(v) = public_prop(o, key) {
                return Ok(Some(v));
            }
            let name = Value::Str(match key {
                ArrayKey::Int(i) => PhpStr::from(i.to_string()),
                ArrayKey::Str(s) => s.clone(),
            });
            let isset = host.call_method(o, b"__isset", std::slice::from_ref(&name))?;
            if !isset.is_some_and(|v| v.to_bool()) {
                return Ok(None);
            }
            host.call_method(o, b"__get", std::slice::from_ref(&name))
        }
        _ => Ok(None),
    }
}

pub(super) fn array_column(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 0);
    let as_key = |v: Option<&Value>| match v {
        Some(Value::Int(i)) => Some(ArrayKey::Int(*i)),
        Some(Value::Str(s)) => Some(ArrayKey::from_str(s.clone())),
        _ => None,
    };
    let column = as_key(args::opt(args, 1));
    let index = as_key(args::opt(args, 2));
    let mut out = PhpArray::new();
    for row in a.values() {
        let row = deref(row);
        let value = match &column {
            None => row.clone(),
            Some(c) => match column_fetch(host, &row, c)? {
                Some(v) => v,
                None => continue,
            },
        };
        let key = match &index {
            Some(i) => column_fetch(host, &row, i)?,
            None => None,
        };
        match key {
            Some(k) => {
                let k = value_to_key(host, &k)?;
                out.insert(k, value);
            }
            None => {
                if !out.push(value) {
                    return Err(cannot_add_element());
                }
            }
        }
    }
    Ok(Value::array(out))
}

pub(super) fn array_change_key_case(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 0);
    let upper = args::int_or(args, 1, 0) != 0;
    let out = PhpArray::from_entries(a.iter().map(|(k, v)| {
        let k = match k {
            ArrayKey::Str(s) => {
                let b: Vec<u8> = if upper {
                    s.to_ascii_uppercase()
                } else {
                    s.to_ascii_lowercase()
                };
                ArrayKey::Str(PhpStr::from(b))
            }
            k => k,
        };
        (k, copy_elem(v))
    }));
    Ok(Value::array(out))
}

// ---------------------------------------------------------------------------------------
// randomness

/// A uniform integer in `min..=max` from PHP's Mt19937 state (`php_mt_rand_range`), so a
/// `mt_srand` seed makes `shuffle` and `array_rand` repeat PHP's choices.
fn rand_range(min: i64, max: i64) -> PhpResult<i64> {
    super::super::math::mt_rand_range(min, max)
}

pub(super) fn shuffle(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let (cell, a) = ref_array("shuffle", args, 0, "array")?;
    *cell.borrow_mut() = Value::Null;
    let mut values: Vec<Value> = take_entries(a).into_iter().map(|(_, v)| v).collect();
    // Fisher-Yates from the end, as `php_array_data_shuffle` does.
    let n = values.len();
    for i in (1..n).rev() {
        let j = rand_range(0, i as i64)? as usize;
        values.swap(i, j);
    }
    *cell.borrow_mut() = Value::array(PhpArray::from_values(values));
    Ok(Value::Bool(true))
}

pub(super) fn array_rand(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = arr(args, 0);
    let num = args::int_or(args, 1, 1);
    let n = a.len() as i64;
    if n == 0 {
        return Err(Fault::value_error(
            "array_rand(): Argument #1 ($array) cannot be empty",
        ));
    }
    if num == 1 {
        // php-src samples buckets; without holes that is one draw over the elements.
        let i = rand_range(0, n - 1)? as usize;
        return Ok(a
            .iter()
            .nth(i)
            .map(|(k, _)| k.to_value())
            .unwrap_or(Value::Null));
    }
    if num <= 0 || num > n {
        return Err(Fault::value_error(
            "array_rand(): Argument #2 ($num) must be between 1 and the number of elements in argument #1 ($array)",
        ));
    }
    // php-src draws positions into a bitset (the complement when more than half are
    // wanted) and returns the chosen keys in array order.
    let (negative, mut wanted) = if num > n >> 1 {
        (true, n - num)
    } else {
        (false, num)
    };
    let mut chosen = vec![false; n as usize];
    while wanted > 0 {
        let r = rand_range(0, n - 1)? as usize;
        if !chosen[r] {
            chosen[r] = true;
            wanted -= 1;
        }
    }
    let out: Vec<Value> = a
        .keys()
        .zip(chosen)
        .filter(|(_, c)| *c != negative)
        .map(|(k, _)| k.to_value())
        .collect();
    Ok(Value::array(PhpArray::from_values(out)))
}

// ---------------------------------------------------------------------------------------
// min / max

fn min_max(host: &mut dyn Host, args: &[Value], fname: &str, want_max: bool) -> PhpResult<Value> {
    if args.len() == 1 {
        let a = match deref(&args[0]) {
            Value::Array(a) => a,
            other => {
                return Err(Fault::type_error(format!(
                    "{fname}(): Argument #1 ($value) must be of type array, {} given",
                    other.type_name()
                )))
            }
        };
        let mut it = a.values();
        let Some(first) = it.next() else {
            return Err(Fault::value_error(format!(
                "{fname}(): Argument #1 ($value) must contain at least one element"
            )));
        };
        // `zend_hash_minmax`: compare the current best against each element.
        let mut best = deref(first);
        for v in it {
            let v = deref(v);
            let ord = ops::compare(host, &best, &v)?;
            let replace = if want_max {
                ord == Ordering::Less
            } else {
                ord == Ordering::Greater
            };
            if replace {
                best = v;
            }
        }
        return Ok(best);
    }
    // Variadic form: each argument against the current best.
    let mut best = deref(&args[0]);
    for v in &args[1..] {
        let v = deref(v);
        let ord = ops::compare(host, &v, &best)?;
        let replace = if want_max {
            ord == Ordering::Greater
        } else {
            ord == Ordering::Less
        };
        if replace {
            best = v;
        }
    }
    Ok(best)
}

pub(super) fn min(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    min_max(host, args, "min", false)
}

pub(super) fn max(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    min_max(host, args, "max", true)
}

// ---------------------------------------------------------------------------------------
// the internal pointer

/// Deprecation for the object forms of the pointer functions (PHP 8.1+).
fn object_pointer_deprecation(host: &mut dyn Host, fname: &str) -> PhpResult<()> {
    host.raise(
        ErrorLevel::Deprecated,
        &format!("{fname}(): Calling {fname}() on an object is deprecated"),
    )
}

/// Reads the element under the internal pointer of an array value (or an object's
/// property table), returning `(key, value)`.
fn pointer_entry(
    host: &mut dyn Host,
    v: &Value,
    fname: &str,
) -> PhpResult<Option<(ArrayKey, Value)>> {
    let read = |a: &PhpArray| {
        a.next_pos(a.internal_pos())
            .and_then(|p| a.entry_at(p))
            .map(|(k, v)| (k, deref(v)))
    };
    match deref(v) {
        Value::Array(a) => Ok(read(&a)),
        Value::Object(o) => {
            object_pointer_deprecation(host, fname)?;
            let mut data = o.borrow_mut();
            Ok(data.props.with_array(|a| read(a)))
        }
        _ => Ok(None),
    }
}

pub(super) fn current(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(pointer_entry(host, &args[0], "current")?
        .map(|(_, v)| v)
        .unwrap_or(Value::Bool(false)))
}

pub(super) fn pos(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(pointer_entry(host, &args[0], "pos")?
        .map(|(_, v)| v)
        .unwrap_or(Value::Bool(false)))
}

pub(super) fn key(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(pointer_entry(host, &args[0], "key")?
        .map(|(k, _)| k.to_value())
        .unwrap_or(Value::Null))
}

/// How a by-reference pointer function moves the pointer.
#[derive(Clone, Copy)]
enum Move {
    Next,
    Prev,
    Reset,
    End,
}

/// Moves the internal pointer of `a` and returns the value now under it.
fn move_pointer(a: &mut PhpArray, how: Move) -> Option<Value> {
    let invalid = a.end_pos();
    let pos = match how {
        Move::Reset => a.next_pos(0),
        Move::End => a.prev_pos(a.end_pos()),
        Move::Next => a.next_pos(a.internal_pos()).and_then(|p| a.next_pos(p + 1)),
        Move::Prev => a.next_pos(a.internal_pos()).and_then(|p| a.prev_pos(p)),
    };
    // A pointer that has moved past either end stays invalid (PHP uses nNumUsed).
    let pos = match (how, pos) {
        (_, Some(p)) => p,
        (Move::Next | Move::Prev, None) if a.next_pos(a.internal_pos()).is_none() => {
            a.internal_pos().max(invalid)
        }
        _ => invalid,
    };
    a.set_internal_pos(pos);
    a.next_pos(pos)
        .and_then(|p| a.entry_at(p))
        .map(|(_, v)| deref(v))
}

fn pointer_move(host: &mut dyn Host, args: &[Value], fname: &str, how: Move) -> PhpResult<Value> {
    let cell = ref_arg(fname, args, 0)?;
    let obj = match &*cell.borrow() {
        Value::Object(o) => Some(o.clone()),
        _ => None,
    };
    let result = match obj {
        Some(o) => {
            object_pointer_deprecation(host, fname)?;
            let mut data = o.borrow_mut();
            Some(data.props.with_array(|a| move_pointer(a, how)))
        }
        None => with_ref_array(cell, |a| move_pointer(a, how)),
    };
    match result {
        Some(v) => Ok(v.unwrap_or(Value::Bool(false))),
        None => Err(Fault::type_error(format!(
            "{fname}(): Argument #1 ($array) must be of type array, {} given",
            cell.borrow().type_name()
        ))),
    }
}

pub(super) fn next(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    pointer_move(host, args, "next", Move::Next)
}

pub(super) fn prev(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    pointer_move(host, args, "prev", Move::Prev)
}

pub(super) fn reset(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    pointer_move(host, args, "reset", Move::Reset)
}

pub(super) fn end(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    pointer_move(host, args, "end", Move::End)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use crate::vm::host::TestHost;

    fn call(f: fn(&mut dyn Host, &[Value]) -> PhpResult<Value>, args: &[Value]) -> String {
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

    fn int(i: i64) -> Value {
        Value::Int(i)
    }

    #[test]
    fn count_modes_and_errors() {
        // php -n -r 'var_dump(count([1,[2,[3]]], 1)); count([], 5);'
        let nested = Value::array(PhpArray::from_values(vec![
            int(1),
            Value::array(PhpArray::from_values(vec![int(2), ints(&[3])])),
        ]));
        assert_eq!(call(count, &[nested.clone(), int(1)]), "5");
        assert_eq!(call(count, &[nested.clone()]), "2");
        assert_eq!(
            call(count, &[nested, int(5)]),
            "ValueError: count(): Argument #2 ($mode) must be either COUNT_NORMAL or COUNT_RECURSIVE"
        );
        assert_eq!(
            call(count, &[int(5)]),
            "TypeError: count(): Argument #1 ($value) must be of type Countable|array, int given"
        );
    }

    #[test]
    fn table_of_pure_functions() {
        // Expected values from php -n 8.2, e.g.
        // php -n -r 'echo json_encode(array_slice([1,2,3,4], -3, -1));'
        let abc = assoc(&[("a", int(1)), ("5", int(2)), ("b", int(3)), ("9", int(4))]);
        let cases: Vec<(fn(&mut dyn Host, &[Value]) -> PhpResult<Value>, Vec<Value>, &str)> = vec![
            (array_slice, vec![ints(&[1, 2, 3, 4]), int(-3), int(-1)], "{0:2,1:3}"),
            (array_slice, vec![abc.clone(), int(1)], "{0:2,\"b\":3,1:4}"),
            (array_slice, vec![abc.clone(), int(1), Value::Null, Value::Bool(true)], "{5:2,\"b\":3,9:4}"),
            (array_slice, vec![ints(&[1, 2]), int(5)], "{}"),
            (array_reverse, vec![abc.clone()], "{0:4,\"b\":3,1:2,\"a\":1}"),
            (array_reverse, vec![abc.clone(), Value::Bool(true)], "{9:4,\"b\":3,5:2,\"a\":1}"),
            (array_values, vec![abc.clone()], "{0:1,1:2,2:3,3:4}"),
            (array_keys, vec![abc.clone()], "{0:\"a\",1:5,2:\"b\",3:9}"),
            (array_flip, vec![strs(&["x", "10", "y"])], "{\"x\":0,10:1,\"y\":2}"),
            (array_fill, vec![int(-5), int(3), Value::str("v")], "{-5:\"v\",-4:\"v\",-3:\"v\"}"),
            (array_fill, vec![int(0), int(-1), int(0)], "ValueError: array_fill(): Argument #2 ($count) must be greater than or equal to 0"),
            (array_fill_keys, vec![Value::array(PhpArray::from_values(vec![Value::str("a"), int(5), Value::Float(1.5), Value::Bool(true)])), int(0)], "{\"a\":0,5:0,\"1.5\":0,1:0}"),
            (array_combine, vec![ints(&[1]), ints(&[1, 2])], "ValueError: array_combine(): Argument #1 ($keys) and argument #2 ($values) must have the same number of elements"),
            (array_combine, vec![strs(&["a", "1"]), ints(&[7, 8])], "{\"a\":7,1:8}"),
            // php -n -r 'var_dump(array_pad([1,"a"=>2, 5=>3], -5, 0));'
            (array_pad, vec![assoc(&[("0", int(1)), ("a", int(2)), ("5", int(3))]), int(-5), int(0)], "{0:0,1:0,2:1,\"a\":2,3:3}"),
            (array_pad, vec![ints(&[1]), int(3), int(0)], "{0:1,1:0,2:0}"),
            (array_pad, vec![ints(&[1]), int(100_000_000), int(0)], "ValueError: array_pad(): Argument #2 ($length) must be less than or equal to 1048576"),
            (array_chunk, vec![ints(&[1, 2, 3]), int(2)], "{0:{0:1,1:2},1:{0:3}}"),
            (array_chunk, vec![abc.clone(), int(3), Value::Bool(true)], "{0:{\"a\":1,5:2,\"b\":3},1:{9:4}}"),
            (array_chunk, vec![ints(&[1]), int(0)], "ValueError: array_chunk(): Argument #2 ($length) must be greater than 0"),
            (array_key_first, vec![abc.clone()], "\"a\""),
            (array_key_last, vec![abc.clone()], "9"),
            (array_key_last, vec![ints(&[])], "null"),
            (array_is_list, vec![abc.clone()], "false"),
            (array_is_list, vec![ints(&[1, 2])], "true"),
            (array_change_key_case, vec![assoc(&[("Ab", int(1)), ("aB", int(2)), ("5", int(3))]), int(1)], "{\"AB\":2,5:3}"),
            (array_merge, vec![abc.clone(), assoc(&[("a", int(9)), ("3", int(8))])], "{\"a\":9,0:2,\"b\":3,1:4,2:8}"),
            (array_replace, vec![abc.clone(), assoc(&[("a", int(9)), ("3", int(8))])], "{\"a\":9,5:2,\"b\":3,9:4,3:8}"),
            (array_rand, vec![ints(&[])], "ValueError: array_rand(): Argument #1 ($array) cannot be empty"),
            (array_rand, vec![ints(&[1]), int(2)], "ValueError: array_rand(): Argument #2 ($num) must be between 1 and the number of elements in argument #1 ($array)"),
            (array_rand, vec![ints(&[5, 6, 7]), int(3)], "{0:0,1:1,2:2}"),
            (min, vec![ints(&[])], "ValueError: min(): Argument #1 ($value) must contain at least one element"),
            (min, vec![int(5)], "TypeError: min(): Argument #1 ($value) must be of type array, int given"),
            (max, vec![ints(&[3, 9, 2])], "9"),
            (min, vec![ints(&[3, 9, 2])], "2"),
            (max, vec![int(3), int(9), int(2)], "9"),
        ];
        for (i, (f, args, want)) in cases.into_iter().enumerate() {
            assert_eq!(call(f, &args), want, "case {i}");
        }
    }

    #[test]
    fn range_table() {
        // php -n -r 'echo json_encode([range("a","e",2), range("A","z",20), range(1,2,0.5),
        //   range("1","3"), range(5,1,2), range(0.1,0.5,0.1)]);'
        let f = |a: Value, b: Value, s: Option<Value>| {
            let mut args = vec![a, b];
            args.extend(s);
            call(range, &args)
        };
        assert_eq!(
            f(Value::str("a"), Value::str("e"), Some(int(2))),
            "{0:\"a\",1:\"c\",2:\"e\"}"
        );
        assert_eq!(
            f(Value::str("A"), Value::str("z"), Some(int(20))),
            "{0:\"A\",1:\"U\",2:\"i\"}"
        );
        assert_eq!(
            f(int(1), int(2), Some(Value::Float(0.5))),
            "{0:1.0,1:1.5,2:2.0}"
        );
        assert_eq!(f(Value::str("1"), Value::str("3"), None), "{0:1,1:2,2:3}");
        assert_eq!(f(int(5), int(1), Some(int(2))), "{0:5,1:3,2:1}");
        assert_eq!(
            f(Value::str("e"), Value::str("a"), Some(int(-2))),
            "{0:\"e\",1:\"c\",2:\"a\"}"
        );
        assert_eq!(f(int(3), int(3), None), "{0:3}");
        assert_eq!(
            f(
                Value::Float(0.1),
                Value::Float(0.5),
                Some(Value::Float(0.1))
            ),
            "{0:0.1,1:0.2,2:0.30000000000000004,3:0.4,4:0.5}"
        );
        let step_err =
            "ValueError: range(): Argument #3 ($step) must not exceed the specified range";
        assert_eq!(f(int(1), int(2), Some(int(0))), step_err);
        assert_eq!(f(int(1), int(2), Some(int(5))), step_err);
        assert_eq!(f(int(1), int(2), Some(int(-5))), step_err);
        assert_eq!(
            f(int(0), int(i64::MAX), None),
            "ValueError: The supplied range exceeds the maximum array size: start=0 end=9223372036854775807"
        );
        assert_eq!(
            f(int(0), int(1073741823), None),
            "ValueError: The supplied range exceeds the maximum array size: start=0 end=1073741823"
        );
    }

    #[test]
    fn stack_operations_reindex_as_php() {
        // php -n -r '$a = [5=>1, "x"=>2, 7=>3]; var_dump(array_shift($a), $a); $a[]=9;'
        let a = by_ref(assoc(&[("5", int(1)), ("x", int(2)), ("7", int(3))]));
        assert_eq!(call(array_shift, &[a.clone()]), "1");
        assert_eq!(show(&ref_val(&a)), "{\"x\":2,0:3}");
        assert_eq!(call(array_push, &[a.clone(), int(9)]), "3");
        assert_eq!(show(&ref_val(&a)), "{\"x\":2,0:3,1:9}");
        // php -n -r '$a = [5=>1, 6=>2]; array_pop($a); $a[] = 7;' gives [5=>1, 6=>7].
        let b = by_ref(assoc(&[("5", int(1)), ("6", int(2))]));
        assert_eq!(call(array_pop, &[b.clone()]), "2");
        assert_eq!(call(array_push, &[b.clone(), int(7)]), "2");
        assert_eq!(show(&ref_val(&b)), "{5:1,6:7}");
        // php -n -r '$a = [5=>1, "x"=>2]; var_dump(array_unshift($a, 0, -1), $a);'
        let c = by_ref(assoc(&[("5", int(1)), ("x", int(2))]));
        assert_eq!(call(array_unshift, &[c.clone(), int(0), int(-1)]), "4");
        assert_eq!(show(&ref_val(&c)), "{0:0,1:-1,2:1,\"x\":2}");
        // var_dump(array_splice($a, 1, 2, "r"), $a);
        assert_eq!(
            call(array_splice, &[c.clone(), int(1), int(2), Value::str("r")]),
            "{0:-1,1:1}"
        );
        assert_eq!(show(&ref_val(&c)), "{0:0,1:\"r\",\"x\":2}");
        let d = by_ref(ints(&[1, 2, 3]));
        assert_eq!(call(array_splice, &[d.clone(), int(-1)]), "{0:3}");
        assert_eq!(
            call(array_splice, &[d.clone(), int(5), int(0), ints(&[7, 8])]),
            "{}"
        );
        assert_eq!(show(&ref_val(&d)), "{0:1,1:2,2:7,3:8}");
        assert_eq!(call(array_pop, &[by_ref(ints(&[]))]), "null");
    }

    #[test]
    fn pointer_functions() {
        let a = by_ref(assoc(&[("a", int(1)), ("b", int(2)), ("c", int(3))]));
        assert_eq!(call(current, &[ref_val(&a)]), "1");
        assert_eq!(call(next, &[a.clone()]), "2");
        assert_eq!(call(key, &[ref_val(&a)]), "\"b\"");
        assert_eq!(call(next, &[a.clone()]), "3");
        assert_eq!(call(next, &[a.clone()]), "false");
        assert_eq!(call(key, &[ref_val(&a)]), "null");
        assert_eq!(call(prev, &[a.clone()]), "false");
        assert_eq!(call(end, &[a.clone()]), "3");
        assert_eq!(call(prev, &[a.clone()]), "2");
        assert_eq!(call(reset, &[a.clone()]), "1");
        assert_eq!(call(prev, &[a.clone()]), "false");
        assert_eq!(call(current, &[ref_val(&a)]), "false");
        assert_eq!(call(end, &[by_ref(ints(&[]))]), "false");
    }

    #[test]
    fn flip_and_count_values_warn() {
        let mut h = TestHost::default();
        let input = Value::array(PhpArray::from_values(vec![
            Value::Float(1.5),
            Value::str("a"),
            int(1),
            Value::str("1"),
        ]));
        let r = array_count_values(&mut h, &[input]).map(|v| show(&v));
        assert_eq!(r.ok().as_deref(), Some("{\"a\":1,1:2}"));
        assert_eq!(
            h.diags,
            vec![(
                ErrorLevel::Warning,
                "array_count_values(): Can only count string and integer values, entry skipped"
                    .to_string()
            )]
        );
    }
}
