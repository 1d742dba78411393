//! Array functions: `array_*`, sorting, `range`, `in_array`, `min`/`max`, the internal
//! pointer functions (`current`, `next`, ...), `count`.
//!
//! Split by theme: `basic` (construction, slicing, searching, stack operations), `callback`
//! (the functions that call PHP code per element: `array_map`, `array_filter`, ...), `sort`
//! (every sort, `strnatcmp`, `array_multisort`), `setops` (the `array_diff*` and
//! `array_intersect*` families). `compact` and `extract` need the caller's symbol table and
//! belong to the interpreter.
//!
//! Shared here: access to by-reference array arguments, PHP's value-to-key conversion, and
//! the rule for copying elements out of an array (a reference held only by the array is
//! copied as a plain value, as PHP does for refcount-1 references).

mod basic;
mod callback;
mod setops;
mod sort;

pub use sort::strnatcmp;

use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::host::Host;
use super::super::value::{PhpRef, PhpStr, Value};
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
#[rustfmt::skip]
pub const FUNCTIONS: &[BuiltinDef] = &[
    // basic.rs
    BuiltinDef { name: "count", sig: "Countable|array $value, int $mode = COUNT_NORMAL", func: basic::count },
    BuiltinDef { name: "sizeof", sig: "Countable|array $value, int $mode = COUNT_NORMAL", func: basic::sizeof },
    BuiltinDef { name: "in_array", sig: "mixed $needle, array $haystack, bool $strict = false", func: basic::in_array },
    BuiltinDef { name: "array_search", sig: "mixed $needle, array $haystack, bool $strict = false", func: basic::array_search },
    BuiltinDef { name: "array_keys", sig: "array $array, mixed $filter_value = UNKNOWN, bool $strict = false", func: basic::array_keys },
    BuiltinDef { name: "array_values", sig: "array $array", func: basic::array_values },
    BuiltinDef { name: "array_merge", sig: "array ...$arrays", func: basic::array_merge },
    BuiltinDef { name: "array_merge_recursive", sig: "array ...$arrays", func: basic::array_merge_recursive },
    BuiltinDef { name: "array_replace", sig: "array $array, array ...$replacements", func: basic::array_replace },
    BuiltinDef { name: "array_replace_recursive", sig: "array $array, array ...$replacements", func: basic::array_replace_recursive },
    BuiltinDef { name: "array_combine", sig: "array $keys, array $values", func: basic::array_combine },
    BuiltinDef { name: "array_flip", sig: "array $array", func: basic::array_flip },
    BuiltinDef { name: "array_fill", sig: "int $start_index, int $count, mixed $value", func: basic::array_fill },
    BuiltinDef { name: "array_fill_keys", sig: "array $keys, mixed $value", func: basic::array_fill_keys },
    BuiltinDef { name: "array_pad", sig: "array $array, int $length, mixed $value", func: basic::array_pad },
    BuiltinDef { name: "range", sig: "$start, $end, int|float $step = 1", func: basic::range },
    BuiltinDef { name: "array_slice", sig: "array $array, int $offset, ?int $length = null, bool $preserve_keys = false", func: basic::array_slice },
    BuiltinDef { name: "array_splice", sig: "array &$array, int $offset, ?int $length = null, mixed $replacement = []", func: basic::array_splice },
    BuiltinDef { name: "array_key_exists", sig: "$key, array $array", func: basic::array_key_exists },
    BuiltinDef { name: "key_exists", sig: "$key, array $array", func: basic::array_key_exists },
    BuiltinDef { name: "array_key_first", sig: "array $array", func: basic::array_key_first },
    BuiltinDef { name: "array_key_last", sig: "array $array", func: basic::array_key_last },
    BuiltinDef { name: "array_push", sig: "array &$array, mixed ...$values", func: basic::array_push },
    BuiltinDef { name: "array_pop", sig: "array &$array", func: basic::array_pop },
    BuiltinDef { name: "array_shift", sig: "array &$array", func: basic::array_shift },
    BuiltinDef { name: "array_unshift", sig: "array &$array, mixed ...$values", func: basic::array_unshift },
    BuiltinDef { name: "array_reverse", sig: "array $array, bool $preserve_keys = false", func: basic::array_reverse },
    BuiltinDef { name: "array_sum", sig: "array $array", func: basic::array_sum },
    BuiltinDef { name: "array_product", sig: "array $array", func: basic::array_product },
    BuiltinDef { name: "array_unique", sig: "array $array, int $flags = SORT_STRING", func: basic::array_unique },
    BuiltinDef { name: "array_count_values", sig: "array $array", func: basic::array_count_values },
    BuiltinDef { name: "array_column", sig: "array $array, int|string|null $column_key, int|string|null $index_key = null", func: basic::array_column },
    BuiltinDef { name: "array_chunk", sig: "array $array, int $length, bool $preserve_keys = false", func: basic::array_chunk },
    BuiltinDef { name: "array_rand", sig: "array $array, int $num = 1", func: basic::array_rand },
    BuiltinDef { name: "shuffle", sig: "array &$array", func: basic::shuffle },
    BuiltinDef { name: "array_is_list", sig: "array $array", func: basic::array_is_list },
    BuiltinDef { name: "array_change_key_case", sig: "array $array, int $case = CASE_LOWER", func: basic::array_change_key_case },
    BuiltinDef { name: "min", sig: "mixed $value, mixed ...$values", func: basic::min },
    BuiltinDef { name: "max", sig: "mixed $value, mixed ...$values", func: basic::max },
    BuiltinDef { name: "current", sig: "array|object $array", func: basic::current },
    BuiltinDef { name: "pos", sig: "array|object $array", func: basic::pos },
    BuiltinDef { name: "key", sig: "array|object $array", func: basic::key },
    BuiltinDef { name: "next", sig: "array|object &$array", func: basic::next },
    BuiltinDef { name: "prev", sig: "array|object &$array", func: basic::prev },
    BuiltinDef { name: "reset", sig: "array|object &$array", func: basic::reset },
    BuiltinDef { name: "end", sig: "array|object &$array", func: basic::end },
    // callback.rs
    BuiltinDef { name: "array_map", sig: "?callable $callback, array $array, array ...$arrays", func: callback::array_map },
    BuiltinDef { name: "array_filter", sig: "array $array, ?callable $callback = null, int $mode = 0", func: callback::array_filter },
    BuiltinDef { name: "array_reduce", sig: "array $array, callable $callback, mixed $initial = null", func: callback::array_reduce },
    BuiltinDef { name: "array_walk", sig: "array|object &$array, callable $callback, mixed $arg = UNKNOWN", func: callback::array_walk },
    BuiltinDef { name: "array_walk_recursive", sig: "array|object &$array, callable $callback, mixed $arg = UNKNOWN", func: callback::array_walk_recursive },
    // sort.rs
    BuiltinDef { name: "sort", sig: "array &$array, int $flags = SORT_REGULAR", func: sort::sort },
    BuiltinDef { name: "rsort", sig: "array &$array, int $flags = SORT_REGULAR", func: sort::rsort },
    BuiltinDef { name: "asort", sig: "array &$array, int $flags = SORT_REGULAR", func: sort::asort },
    BuiltinDef { name: "arsort", sig: "array &$array, int $flags = SORT_REGULAR", func: sort::arsort },
    BuiltinDef { name: "ksort", sig: "array &$array, int $flags = SORT_REGULAR", func: sort::ksort },
    BuiltinDef { name: "krsort", sig: "array &$array, int $flags = SORT_REGULAR", func: sort::krsort },
    BuiltinDef { name: "usort", sig: "array &$array, callable $callback", func: sort::usort },
    BuiltinDef { name: "uasort", sig: "array &$array, callable $callback", func: sort::uasort },
    BuiltinDef { name: "uksort", sig: "array &$array, callable $callback", func: sort::uksort },
    BuiltinDef { name: "natsort", sig: "array &$array", func: sort::natsort },
    BuiltinDef { name: "natcasesort", sig: "array &$array", func: sort::natcasesort },
    BuiltinDef { name: "strnatcmp", sig: "string $string1, string $string2", func: sort::strnatcmp_fn },
    BuiltinDef { name: "strnatcasecmp", sig: "string $string1, string $string2", func: sort::strnatcasecmp_fn },
    BuiltinDef { name: "array_multisort", sig: "&$array, mixed &...$rest", func: sort::array_multisort },
    // setops.rs
    BuiltinDef { name: "array_diff", sig: "array $array, array ...$arrays", func: setops::array_diff },
    BuiltinDef { name: "array_diff_key", sig: "array $array, array ...$arrays", func: setops::array_diff_key },
    BuiltinDef { name: "array_diff_assoc", sig: "array $array, array ...$arrays", func: setops::array_diff_assoc },
    BuiltinDef { name: "array_udiff", sig: "array $array, ...$rest", func: setops::array_udiff },
    BuiltinDef { name: "array_diff_ukey", sig: "array $array, ...$rest", func: setops::array_diff_ukey },
    BuiltinDef { name: "array_udiff_assoc", sig: "array $array, ...$rest", func: setops::array_udiff_assoc },
    BuiltinDef { name: "array_diff_uassoc", sig: "array $array, ...$rest", func: setops::array_diff_uassoc },
    BuiltinDef { name: "array_udiff_uassoc", sig: "array $array, ...$rest", func: setops::array_udiff_uassoc },
    BuiltinDef { name: "array_intersect", sig: "array $array, array ...$arrays", func: setops::array_intersect },
    BuiltinDef { name: "array_intersect_key", sig: "array $array, array ...$arrays", func: setops::array_intersect_key },
    BuiltinDef { name: "array_intersect_assoc", sig: "array $array, array ...$arrays", func: setops::array_intersect_assoc },
    BuiltinDef { name: "array_uintersect", sig: "array $array, ...$rest", func: setops::array_uintersect },
    BuiltinDef { name: "array_intersect_ukey", sig: "array $array, ...$rest", func: setops::array_intersect_ukey },
    BuiltinDef { name: "array_uintersect_assoc", sig: "array $array, ...$rest", func: setops::array_uintersect_assoc },
    BuiltinDef { name: "array_intersect_uassoc", sig: "array $array, ...$rest", func: setops::array_intersect_uassoc },
    BuiltinDef { name: "array_uintersect_uassoc", sig: "array $array, ...$rest", func: setops::array_uintersect_uassoc },
];

/// `COUNT_*` modes.
pub const COUNT_NORMAL: i64 = 0;
/// Counts nested arrays' elements too.
pub const COUNT_RECURSIVE: i64 = 1;

/// Sort flags (`SORT_*`), as PHP numbers them.
pub const SORT_REGULAR: i64 = 0;
pub const SORT_NUMERIC: i64 = 1;
pub const SORT_STRING: i64 = 2;
pub const SORT_DESC: i64 = 3;
pub const SORT_ASC: i64 = 4;
pub const SORT_LOCALE_STRING: i64 = 5;
pub const SORT_NATURAL: i64 = 6;
pub const SORT_FLAG_CASE: i64 = 8;

/// `array_filter` modes.
pub const ARRAY_FILTER_USE_BOTH: i64 = 1;
pub const ARRAY_FILTER_USE_KEY: i64 = 2;

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("COUNT_NORMAL", ConstVal::Int(COUNT_NORMAL)),
    ("COUNT_RECURSIVE", ConstVal::Int(COUNT_RECURSIVE)),
    ("SORT_ASC", ConstVal::Int(SORT_ASC)),
    ("SORT_DESC", ConstVal::Int(SORT_DESC)),
    ("SORT_REGULAR", ConstVal::Int(SORT_REGULAR)),
    ("SORT_NUMERIC", ConstVal::Int(SORT_NUMERIC)),
    ("SORT_STRING", ConstVal::Int(SORT_STRING)),
    ("SORT_LOCALE_STRING", ConstVal::Int(SORT_LOCALE_STRING)),
    ("SORT_NATURAL", ConstVal::Int(SORT_NATURAL)),
    ("SORT_FLAG_CASE", ConstVal::Int(SORT_FLAG_CASE)),
    ("CASE_LOWER", ConstVal::Int(0)),
    ("CASE_UPPER", ConstVal::Int(1)),
    (
        "ARRAY_FILTER_USE_BOTH",
        ConstVal::Int(ARRAY_FILTER_USE_BOTH),
    ),
    ("ARRAY_FILTER_USE_KEY", ConstVal::Int(ARRAY_FILTER_USE_KEY)),
    ("EXTR_OVERWRITE", ConstVal::Int(0)),
    ("EXTR_SKIP", ConstVal::Int(1)),
    ("EXTR_PREFIX_SAME", ConstVal::Int(2)),
    ("EXTR_PREFIX_ALL", ConstVal::Int(3)),
    ("EXTR_PREFIX_INVALID", ConstVal::Int(4)),
    ("EXTR_PREFIX_IF_EXISTS", ConstVal::Int(5)),
    ("EXTR_IF_EXISTS", ConstVal::Int(6)),
    ("EXTR_REFS", ConstVal::Int(256)),
];

/// PHP's `HT_MAX_SIZE` on 64-bit builds: the most elements an array may hold, which bounds
/// `range`, `array_fill` and friends.
const HT_MAX_SIZE: u64 = 0x4000_0000;

/// The array behind a coerced `array` parameter. The interpreter guarantees the type; an
/// empty array stands in if a caller breaks that contract.
fn arr(args: &[Value], i: usize) -> Rc<PhpArray> {
    super::args::array_at(args, i)
}

/// The reference cell of a by-reference parameter.
///
/// # Errors
///
/// An `Error` if the interpreter passed a plain value: that is an integration bug, reported
/// as PHP code would see a failed call rather than a Rust panic.
fn ref_arg<'a>(fname: &str, args: &'a [Value], i: usize) -> PhpResult<&'a PhpRef> {
    super::args::ref_at(args, i).ok_or_else(|| {
        Fault::error(
            "Error",
            format!(
                "{fname}(): Argument #{} could not be passed by reference",
                i + 1
            ),
        )
    })
}

/// The array currently stored in a by-reference argument (a cheap `Rc` clone).
///
/// # Errors
///
/// `TypeError` worded as PHP's parameter check when the referenced value is not an array.
fn ref_array(
    fname: &str,
    args: &[Value],
    i: usize,
    param: &str,
) -> PhpResult<(PhpRef, Rc<PhpArray>)> {
    let cell = ref_arg(fname, args, i)?.clone();
    let found = match &*cell.borrow() {
        Value::Array(a) => Ok(a.clone()),
        other => Err(other.type_name()),
    };
    match found {
        Ok(a) => Ok((cell, a)),
        Err(ty) => Err(Fault::type_error(format!(
            "{fname}(): Argument #{} (${param}) must be of type array, {ty} given",
            i + 1
        ))),
    }
}

/// Runs `f` on the array stored in a reference cell, in place (copy-on-write separates it
/// from other holders first, as PHP's `SEPARATE_ARRAY` does). No PHP code may run inside
/// `f`: the cell is borrowed.
fn with_ref_array<R>(cell: &PhpRef, f: impl FnOnce(&mut PhpArray) -> R) -> Option<R> {
    let mut slot = cell.borrow_mut();
    match &mut *slot {
        Value::Array(a) => Some(f(Rc::make_mut(a))),
        _ => None,
    }
}

/// The element value as builtins copy it out of an array: a reference that only the array
/// holds is a plain value to PHP (refcount 1 references are dereferenced on copy), while a
/// shared reference stays a reference.
fn copy_elem(v: &Value) -> Value {
    match v {
        Value::Ref(r) if Rc::strong_count(r) == 1 => r.borrow().clone(),
        other => other.clone(),
    }
}

/// Converts a value to an array key as PHP's array offset rules do for `array_key_exists`,
/// `array_column`'s index key and friends: null is `""`, bools are 0/1, floats truncate (with
/// the deprecation when the fraction is lost), strings follow the numeric-string rule.
///
/// # Errors
///
/// `TypeError` "Illegal offset type" for arrays and objects.
fn value_to_key(host: &mut dyn Host, v: &Value) -> PhpResult<ArrayKey> {
    match v {
        Value::Ref(r) => {
            let inner = r.borrow().clone();
            value_to_key(host, &inner)
        }
        Value::Int(i) => Ok(ArrayKey::Int(*i)),
        Value::Str(s) => Ok(ArrayKey::from_str(s.clone())),
        Value::Null | Value::Undef => Ok(ArrayKey::Str(PhpStr::new())),
        Value::Bool(b) => Ok(ArrayKey::Int(i64::from(*b))),
        Value::Float(f) => {
            let i = super::super::convert::float_to_int(*f);
            if f.is_finite() && (i as f64) != *f {
                let repr = super::super::convert::float_to_repr(*f);
                host.raise(
                    ErrorLevel::Deprecated,
                    &format!(
                        "Implicit conversion from float {} to int loses precision",
                        String::from_utf8_lossy(&repr)
                    ),
                )?;
            }
            Ok(ArrayKey::Int(i))
        }
        Value::Array(_) | Value::Object(_) => Err(Fault::type_error("Illegal offset type")),
    }
}

/// The key a value becomes when `array_combine`/`array_fill_keys` use it: ints stay ints,
/// everything else goes through the string conversion (so `1.5` is `"1.5"`, `true` is `"1"`,
/// and numeric strings become int keys).
fn value_to_key_via_string(host: &mut dyn Host, v: &Value) -> PhpResult<ArrayKey> {
    match v {
        Value::Int(i) => Ok(ArrayKey::Int(*i)),
        Value::Str(s) => Ok(ArrayKey::from_str(s.clone())),
        Value::Ref(r) => {
            let inner = r.borrow().clone();
            value_to_key_via_string(host, &inner)
        }
        other => Ok(ArrayKey::from_str(host.to_str(other)?)),
    }
}

/// The dereferenced value of an element (a cheap clone).
fn deref(v: &Value) -> Value {
    v.deref_clone()
}

/// Reindexes an array as many PHP functions do: int keys are renumbered from 0 in order,
/// string keys are kept. Elements are copied with `copy_elem`.
fn renumber(entries: impl IntoIterator<Item = (ArrayKey, Value)>) -> PhpArray {
    let mut out = PhpArray::new();
    for (k, v) in entries {
        match k {
            ArrayKey::Int(_) => {
                out.push(v);
            }
            key @ ArrayKey::Str(_) => out.insert(key, v),
        }
    }
    out
}

/// The entries of an `Rc`'d array, moving them out when the array is not shared.
fn take_entries(a: Rc<PhpArray>) -> Vec<(ArrayKey, Value)> {
    Rc::try_unwrap(a)
        .unwrap_or_else(|shared| (*shared).clone())
        .into_entries()
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Helpers to build arrays and read results in this family's tests.
    use super::*;

    /// A list of ints.
    pub fn ints(v: &[i64]) -> Value {
        Value::array(PhpArray::from_values(
            v.iter().map(|&i| Value::Int(i)).collect(),
        ))
    }

    /// A list of strings.
    pub fn strs(v: &[&str]) -> Value {
        Value::array(PhpArray::from_values(
            v.iter().map(|s| Value::str(*s)).collect(),
        ))
    }

    /// An array from `(key, value)` pairs where keys are given as PHP would write them.
    pub fn assoc(pairs: &[(&str, Value)]) -> Value {
        Value::array(PhpArray::from_entries(
            pairs
                .iter()
                .map(|(k, v)| (ArrayKey::from_bytes(k.as_bytes()), v.clone())),
        ))
    }

    /// A compact text rendering of a value, close to `json_encode` but showing every key:
    /// `{0:1,"a":"x"}` for arrays, `1.5` for floats, `"s"` for strings.
    pub fn show(v: &Value) -> String {
        match v {
            Value::Undef => "undef".into(),
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format!("{f:?}"),
            Value::Str(s) => format!("{:?}", s.to_string_lossy()),
            Value::Array(a) => {
                let parts: Vec<String> = a
                    .iter()
                    .map(|(k, v)| {
                        let k = match k {
                            ArrayKey::Int(i) => i.to_string(),
                            ArrayKey::Str(s) => format!("{:?}", s.to_string_lossy()),
                        };
                        format!("{k}:{}", show(v))
                    })
                    .collect();
                format!("{{{}}}", parts.join(","))
            }
            Value::Object(o) => format!("object({})", o.class_display_name()),
            Value::Ref(r) => format!("&{}", show(&r.borrow())),
        }
    }

    /// A fresh by-reference argument holding `v`.
    pub fn by_ref(v: Value) -> Value {
        Value::Ref(Value::new_ref(v))
    }

    /// The value currently inside a by-reference argument.
    pub fn ref_val(v: &Value) -> Value {
        v.deref_clone()
    }
}
