//! Sorting: `sort` and its variants, the user-comparator sorts, natural order
//! (`strnatcmp`, `natsort`), and `array_multisort`.
//!
//! PHP 8's sorts are stable. We sort a vector of indices with our own merge sort rather than
//! `slice::sort_by`, for two reasons: the comparator can fail (a callback throws, a warning
//! handler throws) and must stop the sort, and a user comparator need not be a total order,
//! which the standard library's sorts may answer with a panic.

use std::cmp::Ordering;
use std::rc::Rc;

use super::super::super::array::{ArrayKey, PhpArray};
use super::super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::super::host::Host;
use super::super::super::ops;
use super::super::super::value::{PhpStr, Value};
use super::super::args;
use super::{deref, ref_array, SORT_ASC, SORT_DESC, SORT_FLAG_CASE, SORT_LOCALE_STRING};
use super::{SORT_NATURAL, SORT_NUMERIC, SORT_REGULAR, SORT_STRING};

/// Below this length a run is sorted by insertion, as `zend_sort` does for small inputs.
const INSERTION_RUN: usize = 16;

/// Sorts `v` stably with a fallible comparator. On error the slice is left in some
/// permutation of its input and the error is returned.
pub(super) fn merge_sort<T: Copy>(
    v: &mut [T],
    mut cmp: impl FnMut(&T, &T) -> PhpResult<Ordering>,
) -> PhpResult<()> {
    let n = v.len();
    for start in (0..n).step_by(INSERTION_RUN) {
        let end = (start + INSERTION_RUN).min(n);
        for i in start + 1..end {
            let mut j = i;
            while j > start && cmp(&v[j - 1], &v[j])? == Ordering::Greater {
                v.swap(j - 1, j);
                j -= 1;
            }
        }
    }
    if n <= INSERTION_RUN {
        return Ok(());
    }
    let mut src: Vec<T> = v.to_vec();
    let mut dst: Vec<T> = v.to_vec();
    let mut width = INSERTION_RUN;
    while width < n {
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            // Already in order (common for sorted input): copy the run through.
            if mid >= hi || cmp(&src[mid - 1], &src[mid])? != Ordering::Greater {
                dst[lo..hi].copy_from_slice(&src[lo..hi]);
            } else {
                let (mut i, mut j, mut k) = (lo, mid, lo);
                while i < mid && j < hi {
                    if cmp(&src[i], &src[j])? != Ordering::Greater {
                        dst[k] = src[i];
                        i += 1;
                    } else {
                        dst[k] = src[j];
                        j += 1;
                    }
                    k += 1;
                }
                dst[k..k + (mid - i)].copy_from_slice(&src[i..mid]);
                k += mid - i;
                dst[k..k + (hi - j)].copy_from_slice(&src[j..hi]);
            }
            lo = hi;
        }
        std::mem::swap(&mut src, &mut dst);
        width *= 2;
    }
    v.copy_from_slice(&src);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// natural order

/// PHP's `strnatcmp_ex`: compares strings treating runs of digits as numbers, skipping
/// leading zeros and whitespace, as `strnatcmp`, `natsort` and `SORT_NATURAL` do.
pub fn strnatcmp(a: &[u8], b: &[u8], case_insensitive: bool) -> Ordering {
    if a.is_empty() || b.is_empty() {
        return a.len().cmp(&b.len());
    }
    // The C code reads the terminating NUL when it runs off the end: model that as 0.
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let (mut ap, mut bp) = (0usize, 0usize);
    let mut leading = true;
    loop {
        let mut ca = at(a, ap);
        let mut cb = at(b, bp);
        // Skip over leading zeros (only at the very start).
        while leading && ca == b'0' && ap + 1 < a.len() && a[ap + 1].is_ascii_digit() {
            ap += 1;
            ca = a[ap];
        }
        while leading && cb == b'0' && bp + 1 < b.len() && b[bp + 1].is_ascii_digit() {
            bp += 1;
            cb = b[bp];
        }
        leading = false;
        // Skip consecutive whitespace (C `isspace`).
        while is_c_space(ca) {
            ap += 1;
            ca = at(a, ap);
        }
        while is_c_space(cb) {
            bp += 1;
            cb = at(b, bp);
        }
        if ca.is_ascii_digit() && cb.is_ascii_digit() {
            let fractional = ca == b'0' || cb == b'0';
            let result = if fractional {
                compare_left(a, &mut ap, b, &mut bp)
            } else {
                compare_right(a, &mut ap, b, &mut bp)
            };
            if result != Ordering::Equal {
                return result;
            }
            if ap >= a.len() && bp >= b.len() {
                return Ordering::Equal;
            } else if ap >= a.len() {
                return Ordering::Less;
            } else if bp >= b.len() {
                return Ordering::Greater;
            }
            ca = a[ap];
            cb = b[bp];
        }
        if case_insensitive {
            ca = ca.to_ascii_uppercase();
            cb = cb.to_ascii_uppercase();
        }
        match ca.cmp(&cb) {
            Ordering::Equal => {}
            other => return other,
        }
        ap += 1;
        bp += 1;
        if ap >= a.len() && bp >= b.len() {
            return Ordering::Equal;
        } else if ap >= a.len() {
            return Ordering::Less;
        } else if bp >= b.len() {
            return Ordering::Greater;
        }
    }
}

fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn digit_at(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Right-aligned numbers: the longest run of digits wins; otherwise the first difference.
fn compare_right(a: &[u8], ap: &mut usize, b: &[u8], bp: &mut usize) -> Ordering {
    let mut bias = Ordering::Equal;
    loop {
        let (da, db) = (digit_at(a, *ap), digit_at(b, *bp));
        match (da, db) {
            (false, false) => return bias,
            (false, true) => return Ordering::Less,
            (true, false) => return Ordering::Greater,
            (true, true) => {
                if bias == Ordering::Equal {
                    bias = a[*ap].cmp(&b[*bp]);
                }
            }
        }
        *ap += 1;
        *bp += 1;
    }
}

/// Left-aligned numbers (with a leading zero: fractional parts): the first difference wins.
fn compare_left(a: &[u8], ap: &mut usize, b: &[u8], bp: &mut usize) -> Ordering {
    loop {
        let (da, db) = (digit_at(a, *ap), digit_at(b, *bp));
        match (da, db) {
            (false, false) => return Ordering::Equal,
            (false, true) => return Ordering::Less,
            (true, false) => return Ordering::Greater,
            (true, true) => match a[*ap].cmp(&b[*bp]) {
                Ordering::Equal => {}
                other => return other,
            },
        }
        *ap += 1;
        *bp += 1;
    }
}

fn ord_to_int(o: Ordering) -> Value {
    Value::Int(match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    })
}

pub(super) fn strnatcmp_fn(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let (a, b) = (args::str_at(args, 0), args::str_at(args, 1));
    Ok(ord_to_int(strnatcmp(&a, &b, false)))
}

pub(super) fn strnatcasecmp_fn(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let (a, b) = (args::str_at(args, 0), args::str_at(args, 1));
    Ok(ord_to_int(strnatcmp(&a, &b, true)))
}

// ---------------------------------------------------------------------------------------
// flag-driven comparison

/// A comparison over a fixed list of values selected by `SORT_*` flags, with the
/// conversions each flag needs done once up front.
pub(super) enum ValueCmp {
    /// `SORT_REGULAR`: PHP 8's `<=>`.
    Regular(Vec<Value>),
    /// `SORT_NUMERIC`: as floats.
    Numeric(Vec<f64>),
    /// `SORT_STRING` (optionally case-insensitive) and `SORT_LOCALE_STRING` (the C locale's
    /// collation is byte order).
    Str { strs: Vec<PhpStr>, ci: bool },
    /// `SORT_NATURAL` (optionally case-insensitive).
    Natural { strs: Vec<PhpStr>, ci: bool },
}

impl ValueCmp {
    /// Prepares to compare `values` (already dereferenced) under `flags`.
    ///
    /// String forms are computed once per element, so an array element that is itself an
    /// array warns "Array to string conversion" once, where PHP warns per comparison.
    pub(super) fn new(host: &mut dyn Host, flags: i64, values: &[Value]) -> PhpResult<ValueCmp> {
        let ci = flags & SORT_FLAG_CASE != 0;
        let strings = |host: &mut dyn Host| -> PhpResult<Vec<PhpStr>> {
            values.iter().map(|v| host.to_str(v)).collect()
        };
        Ok(match flags & !SORT_FLAG_CASE {
            SORT_NUMERIC => ValueCmp::Numeric(values.iter().map(|v| v.to_float()).collect()),
            SORT_STRING => ValueCmp::Str {
                strs: strings(host)?,
                ci,
            },
            SORT_LOCALE_STRING => ValueCmp::Str {
                strs: strings(host)?,
                ci: false,
            },
            SORT_NATURAL => ValueCmp::Natural {
                strs: strings(host)?,
                ci,
            },
            _ => ValueCmp::Regular(values.to_vec()),
        })
    }

    /// Compares elements `i` and `j`.
    pub(super) fn compare(&self, host: &mut dyn Host, i: usize, j: usize) -> PhpResult<Ordering> {
        match self {
            ValueCmp::Regular(v) => match (&v[i], &v[j]) {
                (Value::Int(a), Value::Int(b)) => Ok(a.cmp(b)),
                (a, b) => ops::compare(host, a, b),
            },
            ValueCmp::Numeric(f) => Ok(f[i].partial_cmp(&f[j]).unwrap_or(Ordering::Greater)),
            ValueCmp::Str { strs, ci: false } => Ok(strs[i].as_bytes().cmp(strs[j].as_bytes())),
            ValueCmp::Str { strs, ci: true } => Ok(strcasecmp(&strs[i], &strs[j])),
            ValueCmp::Natural { strs, ci } => Ok(strnatcmp(&strs[i], &strs[j], *ci)),
        }
    }
}

/// `zend_binary_strcasecmp` in the C locale: ASCII case folding, then length.
fn strcasecmp(a: &[u8], b: &[u8]) -> Ordering {
    for (x, y) in a.iter().zip(b.iter()) {
        match x.to_ascii_lowercase().cmp(&y.to_ascii_lowercase()) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    a.len().cmp(&b.len())
}

// ---------------------------------------------------------------------------------------
// the sort builtins

/// A comparator over element indices of the values being sorted.
type IndexCmp<'a> = dyn FnMut(&mut dyn Host, &[Value], usize, usize) -> PhpResult<Ordering> + 'a;

/// What a sort compares.
#[derive(Clone, Copy, PartialEq)]
enum By {
    Values,
    Keys,
}

/// Sorts the array in by-reference argument 0 and stores the result back.
///
/// `renumber` gives a list (`sort`, `rsort`, `usort`); otherwise keys stay with their
/// values. `cmp` compares two element indices.
fn sort_in_place(
    fname: &str,
    args: &[Value],
    by: By,
    renumber: bool,
    cmp: &mut IndexCmp<'_>,
    host: &mut dyn Host,
) -> PhpResult<Value> {
    let (cell, a) = ref_array(fname, args, 0, "array")?;
    let entries: Vec<(ArrayKey, Value)> = a.iter().map(|(k, v)| (k, v.clone())).collect();
    drop(a);
    let subjects: Vec<Value> = match by {
        By::Values => entries.iter().map(|(_, v)| deref(v)).collect(),
        By::Keys => entries.iter().map(|(k, _)| k.to_value()).collect(),
    };
    let mut order: Vec<usize> = (0..entries.len()).collect();
    merge_sort(&mut order, |&x, &y| cmp(host, &subjects, x, y))?;
    let mut slots: Vec<Option<(ArrayKey, Value)>> = entries.into_iter().map(Some).collect();
    let sorted = order.into_iter().filter_map(|i| slots[i].take());
    let out = if renumber {
        PhpArray::from_values(sorted.map(|(_, v)| v).collect())
    } else {
        PhpArray::from_entries(sorted)
    };
    *cell.borrow_mut() = Value::array(out);
    Ok(Value::Bool(true))
}

/// The flag-driven sorts (`sort`, `rsort`, `asort`, `arsort`, `ksort`, `krsort`).
fn flag_sort(
    host: &mut dyn Host,
    args: &[Value],
    fname: &str,
    by: By,
    reverse: bool,
    renumber: bool,
) -> PhpResult<Value> {
    let flags = args::int_or(args, 1, SORT_REGULAR);
    let mut cmp_state: Option<ValueCmp> = None;
    let mut cmp =
        |host: &mut dyn Host, subjects: &[Value], x: usize, y: usize| -> PhpResult<Ordering> {
            if cmp_state.is_none() {
                cmp_state = Some(ValueCmp::new(host, flags, subjects)?);
            }
            let c = cmp_state
                .as_ref()
                .expect("comparison state prepared just above");
            let o = c.compare(host, x, y)?;
            Ok(if reverse { o.reverse() } else { o })
        };
    sort_in_place(fname, args, by, renumber, &mut cmp, host)
}

pub(super) fn sort(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    flag_sort(host, args, "sort", By::Values, false, true)
}

pub(super) fn rsort(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    flag_sort(host, args, "rsort", By::Values, true, true)
}

pub(super) fn asort(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    flag_sort(host, args, "asort", By::Values, false, false)
}

pub(super) fn arsort(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    flag_sort(host, args, "arsort", By::Values, true, false)
}

pub(super) fn ksort(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    flag_sort(host, args, "ksort", By::Keys, false, false)
}

pub(super) fn krsort(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    flag_sort(host, args, "krsort", By::Keys, true, false)
}

pub(super) fn natsort(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let flags = SORT_NATURAL;
    flag_sort_with(host, args, "natsort", flags)
}

pub(super) fn natcasesort(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    flag_sort_with(host, args, "natcasesort", SORT_NATURAL | SORT_FLAG_CASE)
}

/// `natsort`/`natcasesort`: value sorts with fixed flags that keep keys.
fn flag_sort_with(
    host: &mut dyn Host,
    args: &[Value],
    fname: &str,
    flags: i64,
) -> PhpResult<Value> {
    let mut cmp_state: Option<ValueCmp> = None;
    let mut cmp =
        |host: &mut dyn Host, subjects: &[Value], x: usize, y: usize| -> PhpResult<Ordering> {
            if cmp_state.is_none() {
                cmp_state = Some(ValueCmp::new(host, flags, subjects)?);
            }
            cmp_state
                .as_ref()
                .expect("comparison state prepared just above")
                .compare(host, x, y)
        };
    sort_in_place(fname, args, By::Values, false, &mut cmp, host)
}

/// Calls a user comparator and converts its result as `php_array_user_compare_unstable`
/// does: the return value goes through `(int)` (so `0.5` is 0); a bool return is deprecated
/// (once per sort call), and `false` is retried with the operands swapped so that
/// `fn($a, $b) => $a > $b` still sorts.
pub(super) fn call_user_cmp(
    host: &mut dyn Host,
    callback: &Value,
    a: &Value,
    b: &Value,
    fname: &str,
    warned: &mut bool,
) -> PhpResult<Ordering> {
    let ret = host.call_moving(callback, &mut [a.clone(), b.clone()])?;
    if let Value::Bool(flag) = ret {
        if !*warned {
            *warned = true;
            host.raise(
                ErrorLevel::Deprecated,
                &format!("{fname}(): Returning bool from comparison function is deprecated, return an integer less than, equal to, or greater than zero"),
            )?;
        }
        if !flag {
            let swapped = host.call_moving(callback, &mut [b.clone(), a.clone()])?;
            return Ok(swapped.to_int().cmp(&0).reverse());
        }
    }
    Ok(ret.to_int().cmp(&0))
}

fn user_sort(
    host: &mut dyn Host,
    args: &[Value],
    fname: &str,
    by: By,
    renumber: bool,
) -> PhpResult<Value> {
    let callback = args.get(1).cloned().unwrap_or(Value::Null);
    let mut warned = false;
    let mut cmp = |host: &mut dyn Host, subjects: &[Value], x: usize, y: usize| {
        call_user_cmp(
            host,
            &callback,
            &subjects[x],
            &subjects[y],
            fname,
            &mut warned,
        )
    };
    sort_in_place(fname, args, by, renumber, &mut cmp, host)
}

pub(super) fn usort(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    user_sort(host, args, "usort", By::Values, true)
}

pub(super) fn uasort(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    user_sort(host, args, "uasort", By::Values, false)
}

pub(super) fn uksort(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    user_sort(host, args, "uksort", By::Keys, false)
}

// ---------------------------------------------------------------------------------------
// array_multisort

/// One array taking part in `array_multisort`, with its order and flags.
struct MultiCol {
    /// The argument it came from (a reference cell when passed by reference).
    arg: usize,
    entries: Vec<(ArrayKey, Value)>,
    cmp: ValueCmp,
    desc: bool,
}

pub(super) fn array_multisort(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    // Parse arguments: arrays, each followed by at most one order and one type flag.
    let mut cols: Vec<(usize, Rc<PhpArray>, i64, i64)> = Vec::new();
    let (mut order_ok, mut type_ok) = (false, false);
    let arg_label = |i: usize| {
        if i == 0 {
            "Argument #1 ($array)".to_string()
        } else {
            format!("Argument #{}", i + 1)
        }
    };
    for (i, arg) in args.iter().enumerate() {
        match deref(arg) {
            Value::Array(a) => {
                cols.push((i, a, SORT_ASC, SORT_REGULAR));
                order_ok = true;
                type_ok = true;
            }
            Value::Int(flag) => {
                let target = cols.last_mut();
                match (flag & !SORT_FLAG_CASE, target) {
                    (SORT_ASC | SORT_DESC, Some(col)) if order_ok => {
                        col.2 = if flag == SORT_DESC { SORT_DESC } else { SORT_ASC };
                        order_ok = false;
                    }
                    (SORT_REGULAR | SORT_NUMERIC | SORT_STRING | SORT_NATURAL | SORT_LOCALE_STRING, Some(col))
                        if type_ok =>
                    {
                        col.3 = flag;
                        type_ok = false;
                    }
                    (
                        SORT_ASC | SORT_DESC | SORT_REGULAR | SORT_NUMERIC | SORT_STRING
                        | SORT_NATURAL | SORT_LOCALE_STRING,
                        _,
                    ) => {
                        return Err(Fault::type_error(format!(
                            "array_multisort(): {} must be an array or a sort flag that has not already been specified",
                            arg_label(i)
                        )))
                    }
                    _ => {
                        return Err(Fault::value_error(format!(
                            "array_multisort(): {} must be a valid sort flag",
                            arg_label(i)
                        )))
                    }
                }
            }
            _ => {
                return Err(Fault::type_error(format!(
                    "array_multisort(): {} must be an array or a sort flag",
                    arg_label(i)
                )))
            }
        }
    }
    let size = cols.first().map(|c| c.1.len()).unwrap_or(0);
    if cols.iter().any(|c| c.1.len() != size) {
        return Err(Fault::value_error("Array sizes are inconsistent"));
    }
    if size == 0 {
        return Ok(Value::Bool(true));
    }
    let mut multi = Vec::with_capacity(cols.len());
    for (arg, a, order, flags) in cols {
        let entries: Vec<(ArrayKey, Value)> = a.iter().map(|(k, v)| (k, v.clone())).collect();
        let values: Vec<Value> = entries.iter().map(|(_, v)| deref(v)).collect();
        let cmp = ValueCmp::new(host, flags, &values)?;
        multi.push(MultiCol {
            arg,
            entries,
            cmp,
            desc: order == SORT_DESC,
        });
    }
    let mut order: Vec<usize> = (0..size).collect();
    merge_sort(&mut order, |&x, &y| {
        for col in &multi {
            let o = col.cmp.compare(host, x, y)?;
            let o = if col.desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return Ok(o);
            }
        }
        Ok(Ordering::Equal)
    })?;
    for col in multi {
        let mut slots: Vec<Option<(ArrayKey, Value)>> = col.entries.into_iter().map(Some).collect();
        let mut out = PhpArray::with_capacity(size);
        for &i in &order {
            if let Some((k, v)) = slots[i].take() {
                match k {
                    ArrayKey::Int(_) => {
                        out.push(v);
                    }
                    key @ ArrayKey::Str(_) => out.insert(key, v),
                }
            }
        }
        if let Some(Value::Ref(cell)) = args.get(col.arg) {
            *cell.borrow_mut() = Value::array(out);
        }
    }
    Ok(Value::Bool(true))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use crate::vm::host::TestHost;

    #[test]
    fn strnatcmp_table() {
        // php -n -r 'foreach ([["img12","img10"],["img2","img10"],["a","A"],["x01","x1"],
        //   ["0.5","0.45"],["  a","a"],["a1b","a01b"],["","a"],["abc","abcd"],["1.10","1.9"],
        //   ["007","7"],["a 1","a  1"],["Img12","img10"]] as [$a,$b])
        //   echo strnatcmp($a,$b), strnatcasecmp($a,$b), " ";'
        let cases: &[(&str, &str, i32, i32)] = &[
            ("img12", "img10", 1, 1),
            ("img2", "img10", -1, -1),
            ("a", "A", 1, 0),
            ("x01", "x1", -1, -1),
            ("0.5", "0.45", -1, -1),
            ("  a", "a", 0, 0),
            ("a1b", "a01b", 1, 1),
            ("", "a", -1, -1),
            ("abc", "abcd", -1, -1),
            ("1.10", "1.9", 1, 1),
            ("007", "7", 0, 0),
            ("a 1", "a  1", 0, 0),
            ("Img12", "img10", -1, 1),
        ];
        let as_int = |o: Ordering| o as i32;
        for (a, b, cs, ci) in cases {
            assert_eq!(
                as_int(strnatcmp(a.as_bytes(), b.as_bytes(), false)),
                *cs,
                "{a} {b}"
            );
            assert_eq!(
                as_int(strnatcmp(a.as_bytes(), b.as_bytes(), true)),
                *ci,
                "{a} {b} ci"
            );
        }
    }

    #[test]
    fn merge_sort_is_stable_and_sorts() {
        let mut v: Vec<(i32, usize)> = (0..200).map(|i| ((i * 37 % 11) as i32, i)).collect();
        merge_sort(&mut v, |a, b| Ok(a.0.cmp(&b.0))).ok();
        for w in v.windows(2) {
            assert!(w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1));
        }
        // An inconsistent comparator must not panic.
        let mut n: Vec<u32> = (0..100).collect();
        let mut flip = false;
        merge_sort(&mut n, |_, _| {
            flip = !flip;
            Ok(if flip {
                Ordering::Less
            } else {
                Ordering::Greater
            })
        })
        .ok();
        assert_eq!(n.len(), 100);
    }

    fn run(
        f: fn(&mut dyn Host, &[Value]) -> PhpResult<Value>,
        arr: Value,
        extra: &[Value],
    ) -> String {
        let mut h = TestHost::default();
        let cell = by_ref(arr);
        let mut args = vec![cell.clone()];
        args.extend_from_slice(extra);
        match f(&mut h, &args) {
            Ok(_) => show(&ref_val(&cell)),
            Err(Fault::Error(e)) => {
                let (class, message) = (e.class, &e.message);
                format!("{class}: {message}")
            }
            Err(e) => format!("{e:?}"),
        }
    }

    #[test]
    fn flag_sorts() {
        // php -n -r '$a=["10","9","2","1"]; sort($a, SORT_STRING); echo json_encode($a);'
        assert_eq!(
            run(
                sort,
                strs(&["10", "9", "2", "1"]),
                &[Value::Int(SORT_STRING)]
            ),
            "{0:\"1\",1:\"10\",2:\"2\",3:\"9\"}"
        );
        assert_eq!(
            run(sort, strs(&["10", "9", "2", "1"]), &[]),
            "{0:\"1\",1:\"2\",2:\"9\",3:\"10\"}"
        );
        assert_eq!(run(rsort, ints(&[3, 1, 2]), &[]), "{0:3,1:2,2:1}");
        assert_eq!(
            run(
                sort,
                strs(&["img12", "img10", "IMG2", "img1"]),
                &[Value::Int(SORT_NATURAL | SORT_FLAG_CASE)]
            ),
            "{0:\"img1\",1:\"IMG2\",2:\"img10\",3:\"img12\"}"
        );
        assert_eq!(
            run(
                sort,
                strs(&["b", "B", "a", "A"]),
                &[Value::Int(SORT_STRING | SORT_FLAG_CASE)]
            ),
            "{0:\"a\",1:\"A\",2:\"b\",3:\"B\"}"
        );
        let a = assoc(&[
            ("b", Value::Int(2)),
            ("a", Value::Int(3)),
            ("c", Value::Int(1)),
        ]);
        assert_eq!(run(asort, a.clone(), &[]), "{\"c\":1,\"b\":2,\"a\":3}");
        assert_eq!(run(arsort, a.clone(), &[]), "{\"a\":3,\"b\":2,\"c\":1}");
        assert_eq!(run(ksort, a.clone(), &[]), "{\"a\":3,\"b\":2,\"c\":1}");
        assert_eq!(run(krsort, a, &[]), "{\"c\":1,\"b\":2,\"a\":3}");
        // php -n -r '$a=["x"=>"img12","y"=>"img10","z"=>"img2"]; natsort($a); echo json_encode($a);'
        let n = assoc(&[
            ("x", Value::str("img12")),
            ("y", Value::str("img10")),
            ("z", Value::str("img2")),
        ]);
        assert_eq!(
            run(natsort, n, &[]),
            "{\"z\":\"img2\",\"y\":\"img10\",\"x\":\"img12\"}"
        );
        // Stability: equal elements keep their order (php 8 sort is stable).
        let s = assoc(&[
            ("a", Value::Int(1)),
            ("b", Value::Int(0)),
            ("c", Value::Int(1)),
            ("d", Value::Int(0)),
        ]);
        assert_eq!(
            run(asort, s.clone(), &[]),
            "{\"b\":0,\"d\":0,\"a\":1,\"c\":1}"
        );
        assert_eq!(run(arsort, s, &[]), "{\"a\":1,\"c\":1,\"b\":0,\"d\":0}");
    }

    #[test]
    fn multisort() {
        // php -n -r '$a=[3,1,3,2]; $b=["c","a","b","d"]; array_multisort($a, SORT_DESC, $b);
        //   echo json_encode([$a,$b]);'  -> [[3,3,2,1],["b","c","d","a"]]
        let mut h = TestHost::default();
        let a = by_ref(ints(&[3, 1, 3, 2]));
        let b = by_ref(strs(&["c", "a", "b", "d"]));
        let r = array_multisort(&mut h, &[a.clone(), Value::Int(SORT_DESC), b.clone()]);
        assert!(matches!(r, Ok(Value::Bool(true))));
        assert_eq!(show(&ref_val(&a)), "{0:3,1:3,2:2,3:1}");
        assert_eq!(show(&ref_val(&b)), "{0:\"b\",1:\"c\",2:\"d\",3:\"a\"}");
        let r = array_multisort(&mut h, &[by_ref(ints(&[1])), by_ref(ints(&[1, 2]))]);
        assert!(matches!(&r, Err(Fault::Error(e)) if e.message == "Array sizes are inconsistent"));
        let r = array_multisort(&mut h, &[by_ref(Value::Null)]);
        assert!(
            matches!(&r, Err(Fault::Error(e)) if e.message == "array_multisort(): Argument #1 ($array) must be an array or a sort flag")
        );
        let r = array_multisort(
            &mut h,
            &[
                by_ref(ints(&[1])),
                Value::Int(SORT_DESC),
                Value::Int(SORT_ASC),
            ],
        );
        assert!(
            matches!(&r, Err(Fault::Error(e)) if e.message == "array_multisort(): Argument #3 must be an array or a sort flag that has not already been specified")
        );
        let r = array_multisort(&mut h, &[by_ref(ints(&[1])), Value::Int(99)]);
        assert!(
            matches!(&r, Err(Fault::Error(e)) if e.message == "array_multisort(): Argument #2 must be a valid sort flag")
        );
    }
}
