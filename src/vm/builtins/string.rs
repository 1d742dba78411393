//! String functions: `strlen`, `substr`, the `strpos` family, `str_replace`, `trim`,
//! `explode`/`implode`, case conversion, padding and comparison.
//!
//! PHP strings are bytes: everything here works on `&[u8]`, and case conversion is ASCII
//! only, as in PHP 8 (locale-independent since 8.2). Error messages are PHP 8.2's, word
//! for word.

pub mod codec;
pub mod compare;
pub mod csv;
pub mod html;
mod html_tables;
pub mod locale;
pub mod misc;
pub mod pack;
pub mod scan;
pub mod stateful;
pub mod tags;
#[cfg(test)]
mod testutil;
pub mod transform;
pub mod url;

use std::borrow::Cow;
use std::cmp::Ordering;

use super::super::array::PhpArray;
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::host::Host;
use super::super::value::{PhpStr, Value};
use super::args;
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "strlen",
        sig: "string $string",
        func: strlen,
    },
    BuiltinDef {
        name: "str_repeat",
        sig: "string $string, int $times",
        func: str_repeat,
    },
    BuiltinDef {
        name: "substr",
        sig: "string $string, int $offset, ?int $length = null",
        func: substr,
    },
    BuiltinDef {
        name: "strpos",
        sig: "string $haystack, string $needle, int $offset = 0",
        func: strpos,
    },
    BuiltinDef {
        name: "stripos",
        sig: "string $haystack, string $needle, int $offset = 0",
        func: stripos,
    },
    BuiltinDef {
        name: "strrpos",
        sig: "string $haystack, string $needle, int $offset = 0",
        func: strrpos,
    },
    BuiltinDef {
        name: "strripos",
        sig: "string $haystack, string $needle, int $offset = 0",
        func: strripos,
    },
    BuiltinDef {
        name: "str_contains",
        sig: "string $haystack, string $needle",
        func: str_contains,
    },
    BuiltinDef {
        name: "str_starts_with",
        sig: "string $haystack, string $needle",
        func: str_starts_with,
    },
    BuiltinDef {
        name: "str_ends_with",
        sig: "string $haystack, string $needle",
        func: str_ends_with,
    },
    BuiltinDef {
        name: "strstr",
        sig: "string $haystack, string $needle, bool $before_needle = false",
        func: strstr,
    },
    BuiltinDef {
        name: "stristr",
        sig: "string $haystack, string $needle, bool $before_needle = false",
        func: stristr,
    },
    BuiltinDef {
        name: "strrchr",
        sig: "string $haystack, string $needle",
        func: strrchr,
    },
    BuiltinDef {
        name: "strtolower",
        sig: "string $string",
        func: strtolower,
    },
    BuiltinDef {
        name: "strtoupper",
        sig: "string $string",
        func: strtoupper,
    },
    BuiltinDef {
        name: "ucfirst",
        sig: "string $string",
        func: ucfirst,
    },
    BuiltinDef {
        name: "lcfirst",
        sig: "string $string",
        func: lcfirst,
    },
    BuiltinDef {
        name: "ucwords",
        sig: "string $string, string $separators = \" \\t\\r\\n\\f\\v\"",
        func: ucwords,
    },
    BuiltinDef {
        name: "trim",
        sig: "string $string, string $characters = \" \\n\\r\\t\\v\\x00\"",
        func: trim,
    },
    BuiltinDef {
        name: "ltrim",
        sig: "string $string, string $characters = \" \\n\\r\\t\\v\\x00\"",
        func: ltrim,
    },
    BuiltinDef {
        name: "rtrim",
        sig: "string $string, string $characters = \" \\n\\r\\t\\v\\x00\"",
        func: rtrim,
    },
    BuiltinDef {
        name: "chop",
        sig: "string $string, string $characters = \" \\n\\r\\t\\v\\x00\"",
        func: rtrim,
    },
    BuiltinDef {
        name: "explode",
        sig: "string $separator, string $string, int $limit = PHP_INT_MAX",
        func: explode,
    },
    BuiltinDef {
        name: "implode",
        sig: "array|string $separator, ?array $array = null",
        func: implode,
    },
    BuiltinDef {
        name: "join",
        sig: "array|string $separator, ?array $array = null",
        func: join,
    },
    BuiltinDef {
        name: "str_pad",
        sig:
            "string $string, int $length, string $pad_string = \" \", int $pad_type = STR_PAD_RIGHT",
        func: str_pad,
    },
    BuiltinDef {
        name: "strrev",
        sig: "string $string",
        func: strrev,
    },
    BuiltinDef {
        name: "ord",
        sig: "string $character",
        func: ord,
    },
    BuiltinDef {
        name: "chr",
        sig: "int $codepoint",
        func: chr,
    },
    BuiltinDef {
        name: "str_replace",
        sig: "array|string $search, array|string $replace, array|string $subject, &$count = null",
        func: str_replace,
    },
    BuiltinDef {
        name: "str_ireplace",
        sig: "array|string $search, array|string $replace, array|string $subject, &$count = null",
        func: str_ireplace,
    },
    BuiltinDef {
        name: "substr_count",
        sig: "string $haystack, string $needle, int $offset = 0, ?int $length = null",
        func: substr_count,
    },
    BuiltinDef {
        name: "str_split",
        sig: "string $string, int $length = 1",
        func: str_split,
    },
    BuiltinDef {
        name: "strcmp",
        sig: "string $string1, string $string2",
        func: strcmp,
    },
    BuiltinDef {
        name: "strcasecmp",
        sig: "string $string1, string $string2",
        func: strcasecmp,
    },
    BuiltinDef {
        name: "strcoll",
        sig: "string $string1, string $string2",
        func: strcoll,
    },
    BuiltinDef {
        name: "strncmp",
        sig: "string $string1, string $string2, int $length",
        func: strncmp,
    },
    BuiltinDef {
        name: "strncasecmp",
        sig: "string $string1, string $string2, int $length",
        func: strncasecmp,
    },
    BuiltinDef {
        name: "nl2br",
        sig: "string $string, bool $use_xhtml = true",
        func: nl2br,
    },
    BuiltinDef {
        name: "addslashes",
        sig: "string $string",
        func: addslashes,
    },
    BuiltinDef {
        name: "stripslashes",
        sig: "string $string",
        func: stripslashes,
    },
];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("STR_PAD_LEFT", ConstVal::Int(0)),
    ("STR_PAD_RIGHT", ConstVal::Int(1)),
    ("STR_PAD_BOTH", ConstVal::Int(2)),
];

fn s0(a: &[Value]) -> PhpStr {
    args::str_at(a, 0)
}
fn s1(a: &[Value]) -> PhpStr {
    args::str_at(a, 1)
}

fn strlen(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(s0(a).len() as i64))
}

fn str_repeat(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = s0(a);
    let times = args::int_or(a, 1, 0);
    if times < 0 {
        return Err(Fault::value_error(
            "str_repeat(): Argument #2 ($times) must be greater than or equal to 0",
        ));
    }
    let total = s
        .len()
        .checked_mul(times as usize)
        .ok_or_else(|| Fault::fatal("Possible integer overflow in memory allocation"))?;
    h.check_string_alloc(total)?;
    let mut out = Vec::with_capacity(total);
    if total > 0 {
        out.extend_from_slice(&s);
        // Doubling copies; gigabytes still take seconds, so the time limit is checked
        // between copies of more than 16 MiB.
        while out.len() < total {
            let n = out.len().min(total - out.len());
            out.extend_from_within(..n);
            if n >= 16 << 20 {
                h.check_limits()?;
            }
        }
    }
    Ok(Value::str(out))
}

fn substr(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = s0(a);
    let len = s.len() as i64;
    let mut f = args::int_or(a, 1, 0);
    if f > len {
        return Ok(Value::str(""));
    } else if f < 0 {
        f = (len + f).max(0);
    }
    let mut l = len - f;
    if let Some(Value::Int(given)) = args::opt(a, 2) {
        let given = *given;
        if given < 0 {
            l = (len - f + given).max(0);
            if len - f + given < 0 {
                return Ok(Value::str(""));
            }
        } else if given < l {
            l = given;
        }
    }
    if f == 0 && l == len {
        return Ok(Value::Str(s));
    }
    Ok(Value::str(&s[f as usize..(f + l) as usize]))
}

/// The first occurrence of `n` in `h` (memchr/memmem: SIMD, like PHP's `zend_memnstr`).
fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    match n {
        [] => Some(0),
        [c] => memchr::memchr(*c, h),
        _ => memchr::memmem::find(h, n),
    }
}

/// The last occurrence of `n` in `h`.
fn rfind(h: &[u8], n: &[u8]) -> Option<usize> {
    match n {
        [] => Some(h.len()),
        [c] => memchr::memrchr(*c, h),
        _ => memchr::memmem::rfind(h, n),
    }
}

fn offset_error(func: &str) -> Fault {
    Fault::value_error(format!(
        "{func}(): Argument #3 ($offset) must be contained in argument #1 ($haystack)"
    ))
}

/// The haystack and needle of `str[i]pos`-like functions, lower-cased copies only when
/// case-insensitive.
fn hay_needle(a: &[Value], ci: bool) -> (Cow<'_, [u8]>, Cow<'_, [u8]>) {
    let bytes = |i: usize| match args::opt(a, i) {
        Some(Value::Str(s)) => Cow::Borrowed(s.as_bytes()),
        Some(other) => Cow::Owned(other.scalar_to_str().into_vec()),
        None => Cow::Borrowed(&b""[..]),
    };
    let (h, n) = (bytes(0), bytes(1));
    if ci {
        (
            Cow::Owned(h.to_ascii_lowercase()),
            Cow::Owned(n.to_ascii_lowercase()),
        )
    } else {
        (h, n)
    }
}

fn pos_impl(a: &[Value], func: &str, ci: bool) -> PhpResult<Value> {
    let (h, n) = hay_needle(a, ci);
    let mut off = args::int_or(a, 2, 0);
    let len = h.len() as i64;
    if off < 0 {
        off += len;
    }
    if off < 0 || off > len {
        return Err(offset_error(func));
    }
    Ok(match find(&h[off as usize..], &n) {
        Some(p) => Value::Int(p as i64 + off),
        None => Value::Bool(false),
    })
}

fn rpos_impl(a: &[Value], func: &str, ci: bool) -> PhpResult<Value> {
    let (h, n) = hay_needle(a, ci);
    let off = args::int_or(a, 2, 0);
    let len = h.len();
    let (p, e) = if off >= 0 {
        if off as u64 > len as u64 {
            return Err(offset_error(func));
        }
        (off as usize, len)
    } else {
        if off < -i64::MAX || off.unsigned_abs() > len as u64 {
            return Err(offset_error(func));
        }
        let back = off.unsigned_abs() as usize;
        if back < n.len() {
            (0, len)
        } else {
            (0, len - back + n.len())
        }
    };
    Ok(match rfind(&h[p..e], &n) {
        Some(i) => Value::Int((i + p) as i64),
        None => Value::Bool(false),
    })
}

fn strpos(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    pos_impl(a, "strpos", false)
}
fn stripos(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    pos_impl(a, "stripos", true)
}
fn strrpos(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    rpos_impl(a, "strrpos", false)
}
fn strripos(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    rpos_impl(a, "strripos", true)
}

fn str_contains(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(find(&s0(a), &s1(a)).is_some()))
}
fn str_starts_with(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(s0(a).starts_with(&s1(a))))
}
fn str_ends_with(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(s0(a).ends_with(&s1(a))))
}

fn strstr_impl(a: &[Value], ci: bool) -> PhpResult<Value> {
    let h = s0(a);
    let n = s1(a);
    let found = if ci {
        find(&h.to_ascii_lowercase(), &n.to_ascii_lowercase())
    } else {
        find(&h, &n)
    };
    Ok(match found {
        Some(p) if args::bool_or(a, 2, false) => Value::str(&h[..p]),
        Some(p) => Value::str(&h[p..]),
        None => Value::Bool(false),
    })
}
fn strstr(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    strstr_impl(a, false)
}
fn stristr(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    strstr_impl(a, true)
}
fn strrchr(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let h = s0(a);
    // Only the needle's first byte counts (a NUL byte for an empty needle).
    let c = s1(a).first().copied().unwrap_or(0);
    Ok(match h.iter().rposition(|&x| x == c) {
        Some(p) => Value::str(&h[p..]),
        None => Value::Bool(false),
    })
}

fn strtolower(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = s0(a);
    if !s.iter().any(u8::is_ascii_uppercase) {
        return Ok(Value::Str(s));
    }
    Ok(Value::str(s.to_ascii_lowercase()))
}
fn strtoupper(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = s0(a);
    if !s.iter().any(u8::is_ascii_lowercase) {
        return Ok(Value::Str(s));
    }
    Ok(Value::str(s.to_ascii_uppercase()))
}
fn ucfirst(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let mut s = s0(a).to_vec();
    if let Some(c) = s.first_mut() {
        c.make_ascii_uppercase();
    }
    Ok(Value::str(s))
}
fn lcfirst(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let mut s = s0(a).to_vec();
    if let Some(c) = s.first_mut() {
        c.make_ascii_lowercase();
    }
    Ok(Value::str(s))
}
fn ucwords(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let mut s = s0(a).to_vec();
    let seps = match args::opt(a, 1) {
        Some(Value::Str(d)) => d.to_vec(),
        _ => b" \t\r\n\x0c\x0b".to_vec(),
    };
    let mut up = true;
    for c in s.iter_mut() {
        if up {
            c.make_ascii_uppercase();
        }
        up = seps.contains(c);
    }
    Ok(Value::str(s))
}

/// `php_charmask`: the set of bytes in a character list with `a..z` ranges, warning about
/// malformed ranges exactly as PHP does.
pub(super) fn char_mask(host: &mut dyn Host, list: &[u8], func: &str) -> PhpResult<[bool; 256]> {
    let mut mask = [false; 256];
    let len = list.len();
    let mut i = 0;
    while i < len {
        let c = list[i];
        if i + 3 < len && list[i + 1] == b'.' && list[i + 2] == b'.' && list[i + 3] >= c {
            for x in c..=list[i + 3] {
                mask[usize::from(x)] = true;
            }
            i += 4;
            continue;
        }
        if i + 1 < len && c == b'.' && list[i + 1] == b'.' {
            let msg = if i == 0 {
                "Invalid '..'-range, no character to the left of '..'"
            } else if i + 2 >= len {
                "Invalid '..'-range, no character to the right of '..'"
            } else if list[i - 1] > list[i + 2] {
                "Invalid '..'-range, '..'-range needs to be incrementing"
            } else {
                "Invalid '..'-range"
            };
            host.raise(ErrorLevel::Warning, &format!("{func}(): {msg}"))?;
            i += 1;
            continue;
        }
        mask[usize::from(c)] = true;
        i += 1;
    }
    Ok(mask)
}

/// `php_trim`: `mode` 1 = left, 2 = right, 3 = both.
fn trim_impl(host: &mut dyn Host, a: &[Value], mode: u8, func: &str) -> PhpResult<Value> {
    let s = s0(a);
    let mask = match args::opt(a, 1) {
        Some(Value::Str(list)) => char_mask(host, list, func)?,
        _ => {
            let mut m = [false; 256];
            for &c in b" \n\r\t\x0b\0" {
                m[usize::from(c)] = true;
            }
            m
        }
    };
    let mut start = 0;
    let mut end = s.len();
    if mode & 1 != 0 {
        while start < end && mask[usize::from(s[start])] {
            start += 1;
        }
    }
    if mode & 2 != 0 {
        while end > start && mask[usize::from(s[end - 1])] {
            end -= 1;
        }
    }
    if start == 0 && end == s.len() {
        return Ok(Value::Str(s));
    }
    Ok(Value::str(&s[start..end]))
}
fn trim(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    trim_impl(h, a, 3, "trim")
}
fn ltrim(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    trim_impl(h, a, 1, "ltrim")
}
fn rtrim(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    trim_impl(h, a, 2, "rtrim")
}

fn explode(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let sep = s0(a);
    let s = s1(a);
    let limit = args::int_or(a, 2, i64::MAX);
    if sep.is_empty() {
        return Err(Fault::value_error(
            "explode(): Argument #1 ($separator) cannot be empty",
        ));
    }
    let mut parts: Vec<Value> = Vec::new();
    if s.is_empty() {
        if limit >= 0 {
            parts.push(Value::str(""));
        }
        return Ok(Value::array(PhpArray::from_values(parts)));
    }
    // A limit of 0 counts as 1.
    let max = match limit {
        0 => 1,
        l if l > 0 => l as usize,
        _ => usize::MAX,
    };
    let mut values: Vec<Value> = Vec::new();
    let mut start = 0;
    let mut split_at = |p: usize, values: &mut Vec<Value>| {
        if values.len() + 1 >= max {
            return false;
        }
        values.push(Value::str(&s[start..p]));
        start = p + sep.len();
        true
    };
    // Matches are non-overlapping, as PHP's scan is.
    if let [c] = sep[..] {
        for p in memchr::memchr_iter(c, &s) {
            if !split_at(p, &mut values) {
                break;
            }
        }
    } else {
        for p in memchr::memmem::find_iter(&s, &sep[..]) {
            if !split_at(p, &mut values) {
                break;
            }
        }
    }
    values.push(Value::str(&s[start..]));
    if limit < 0 {
        let drop = limit.unsigned_abs() as usize;
        values.truncate(values.len().saturating_sub(drop));
    }
    Ok(Value::array(PhpArray::from_values(values)))
}

/// Appends the decimal form of `n`.
pub(super) fn push_int(out: &mut Vec<u8>, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

fn implode(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    implode_named(host, a, "implode")
}

/// `join`: `implode` under its alias's name, which its errors report.
fn join(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    implode_named(host, a, "join")
}

fn implode_named(host: &mut dyn Host, a: &[Value], fname: &str) -> PhpResult<Value> {
    let (sep, arr) = match (args::opt(a, 0), args::opt(a, 1)) {
        (Some(Value::Array(arr)), None | Some(Value::Null)) => (PhpStr::new(), arr.clone()),
        (Some(Value::Str(_)), None | Some(Value::Null)) => {
            return Err(Fault::type_error(format!(
                "{fname}(): Argument #1 ($array) must be of type array, {} given",
                "string"
            )))
        }
        (Some(Value::Array(arr)), Some(Value::Str(sep))) => (sep.clone(), arr.clone()),
        (Some(Value::Str(sep)), Some(Value::Array(arr))) => (sep.clone(), arr.clone()),
        (Some(Value::Array(_)), Some(Value::Array(_))) => {
            return Err(Fault::type_error(format!(
                "{fname}(): Argument #1 ($separator) must be of type string, array given"
            )))
        }
        (_, Some(other)) => {
            return Err(Fault::type_error(format!(
                "{fname}(): Argument #2 ($array) must be of type ?array, {} given",
                other.type_name()
            )))
        }
        _ => (PhpStr::new(), std::rc::Rc::new(PhpArray::new())),
    };
    // One allocation of the right size when the pieces are strings and ints.
    let cap = arr
        .values()
        .map(|v| match v {
            Value::Str(s) => s.len(),
            _ => 20,
        })
        .sum::<usize>()
        + sep.len() * arr.len().saturating_sub(1);
    if arr.len() == 1 {
        // One string piece is the result itself, as in PHP (no copy).
        if let Some(Value::Str(s)) = arr.values().next() {
            return Ok(Value::Str(s.clone()));
        }
    }
    // Built in place as the result's own block.
    let mut result = PhpStr::with_capacity(cap);
    let out = result.make_mut();
    let mut digits = itoa::Buffer::new();
    for (k, v) in arr.values().enumerate() {
        if k > 0 {
            out.extend_from_slice(&sep);
        }
        match v {
            Value::Str(s) => out.extend_from_slice(s),
            Value::Int(i) => out.extend_from_slice(digits.format(*i).as_bytes()),
            other => out.extend_from_slice(&host.to_str(&other.deref_clone())?),
        }
    }
    Ok(Value::Str(result))
}

fn str_pad(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = s0(a);
    let length = args::int_or(a, 1, 0);
    let pad = match args::opt(a, 2) {
        Some(Value::Str(p)) => p.clone(),
        _ => PhpStr::from(" "),
    };
    let ty = args::int_or(a, 3, 1);
    if length < 0 || length as usize <= s.len() {
        return Ok(Value::Str(s));
    }
    if pad.is_empty() {
        return Err(Fault::value_error(
            "str_pad(): Argument #3 ($pad_string) must be a non-empty string",
        ));
    }
    if !(0..=2).contains(&ty) {
        return Err(Fault::value_error(
            "str_pad(): Argument #4 ($pad_type) must be STR_PAD_LEFT, STR_PAD_RIGHT, or STR_PAD_BOTH",
        ));
    }
    let num_pad = length as usize - s.len();
    let (left, right) = match ty {
        0 => (num_pad, 0),
        1 => (0, num_pad),
        _ => (num_pad / 2, num_pad - num_pad / 2),
    };
    h.check_string_alloc(length as usize)?;
    let mut out = Vec::with_capacity(length as usize);
    out.extend((0..left).map(|i| pad[i % pad.len()]));
    out.extend_from_slice(&s);
    out.extend((0..right).map(|i| pad[i % pad.len()]));
    Ok(Value::str(out))
}

fn strrev(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let mut s = s0(a).to_vec();
    s.reverse();
    Ok(Value::str(s))
}

fn ord(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(i64::from(s0(a).first().copied().unwrap_or(0))))
}

fn chr(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let c = args::int_or(a, 0, 0).rem_euclid(256) as u8;
    Ok(Value::Str(PhpStr::byte(c)))
}

/// Replaces every occurrence of `search` (not empty) in `subject`, counting replacements;
/// `None` when there is none (the subject stays as it is, uncopied).
fn replace_one(
    subject: &[u8],
    search: &[u8],
    replace: &[u8],
    ci: bool,
    count: &mut i64,
) -> Option<Vec<u8>> {
    let hay_lc;
    let needle_lc;
    let (hay, needle): (&[u8], &[u8]) = if ci {
        hay_lc = subject.to_ascii_lowercase();
        needle_lc = search.to_ascii_lowercase();
        (&hay_lc, &needle_lc)
    } else {
        (subject, search)
    };
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    if let [c] = needle {
        for p in memchr::memchr_iter(*c, hay) {
            let o = out.get_or_insert_with(|| Vec::with_capacity(subject.len() + replace.len()));
            o.extend_from_slice(&subject[i..p]);
            o.extend_from_slice(replace);
            i = p + 1;
            *count += 1;
        }
    } else {
        for p in memchr::memmem::find_iter(hay, needle) {
            let o = out.get_or_insert_with(|| Vec::with_capacity(subject.len() + replace.len()));
            o.extend_from_slice(&subject[i..p]);
            o.extend_from_slice(replace);
            i = p + needle.len();
            *count += 1;
        }
    }
    let mut o = out?;
    o.extend_from_slice(&subject[i..]);
    Some(o)
}

/// A value's string bytes, borrowed when it already is a string.
fn str_bytes<'a>(host: &mut dyn Host, v: &'a Value) -> PhpResult<Cow<'a, [u8]>> {
    Ok(match v {
        Value::Str(s) => Cow::Borrowed(s.as_bytes()),
        other => Cow::Owned(host.to_str(&other.deref_clone())?.into_vec()),
    })
}

fn replace_in_string(
    host: &mut dyn Host,
    subject: &PhpStr,
    search: &Value,
    replace: &Value,
    ci: bool,
    count: &mut i64,
) -> PhpResult<PhpStr> {
    match search {
        Value::Array(searches) => {
            // Search and replace arrays are walked in step, by position (not by key).
            let mut replaces = match replace {
                Value::Array(r) => Some(r.values()),
                _ => None,
            };
            let replace_str = match replace {
                Value::Array(_) => Cow::Borrowed(&b""[..]),
                other => str_bytes(host, other)?,
            };
            // `None` while nothing was replaced: the subject itself.
            let mut cur: Option<Vec<u8>> = None;
            for s in searches.values() {
                let s = str_bytes(host, s)?;
                let r = match &mut replaces {
                    Some(list) => match list.next() {
                        Some(v) => str_bytes(host, v)?,
                        None => Cow::Borrowed(&b""[..]),
                    },
                    None => Cow::Borrowed(&*replace_str),
                };
                if s.is_empty() {
                    continue;
                }
                let src: &[u8] = cur.as_deref().unwrap_or(subject.as_bytes());
                if src.is_empty() {
                    break;
                }
                if let Some(out) = replace_one(src, &s, &r, ci, count) {
                    cur = Some(out);
                }
            }
            Ok(match cur {
                Some(v) => PhpStr::from(v),
                None => subject.clone(),
            })
        }
        other => {
            let s = str_bytes(host, other)?;
            if s.is_empty() {
                return Ok(subject.clone());
            }
            let r = str_bytes(host, replace)?;
            Ok(match replace_one(subject, &s, &r, ci, count) {
                Some(out) => PhpStr::from(out),
                None => subject.clone(),
            })
        }
    }
}

fn replace_impl(host: &mut dyn Host, a: &[Value], ci: bool) -> PhpResult<Value> {
    let search = args::opt(a, 0).cloned().unwrap_or(Value::Null);
    let replace = args::opt(a, 1).cloned().unwrap_or(Value::Null);
    if let (Value::Str(_), Value::Array(_)) = (&search, &replace) {
        let f = if ci { "str_ireplace" } else { "str_replace" };
        return Err(Fault::type_error(format!(
            "{f}(): Argument #2 ($replace) must be of type string when argument #1 ($search) is a string"
        )));
    }
    let mut count = 0i64;
    let result = match args::opt(a, 2) {
        Some(Value::Array(subjects)) => {
            let mut out = PhpArray::with_capacity(subjects.len());
            for (k, v) in subjects.iter() {
                // PHP 8 converts every element, arrays included ("Array" with a warning).
                let s = host.to_str(&v.deref_clone())?;
                let nv = Value::Str(replace_in_string(
                    host, &s, &search, &replace, ci, &mut count,
                )?);
                out.insert(k, nv);
            }
            Value::array(out)
        }
        Some(other) => {
            let s = host.to_str(other)?;
            Value::Str(replace_in_string(
                host, &s, &search, &replace, ci, &mut count,
            )?)
        }
        None => Value::str(""),
    };
    if let Some(cell) = args::ref_at(a, 3) {
        *cell.borrow_mut() = Value::Int(count);
    }
    Ok(result)
}

fn str_replace(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    replace_impl(h, a, false)
}
fn str_ireplace(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    replace_impl(h, a, true)
}

fn substr_count(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let h = s0(a);
    let n = s1(a);
    if n.is_empty() {
        return Err(Fault::value_error(
            "substr_count(): Argument #2 ($needle) cannot be empty",
        ));
    }
    let len = h.len() as i64;
    let mut off = args::int_or(a, 2, 0);
    if off < 0 {
        off += len;
    }
    if off < 0 || off > len {
        return Err(Fault::value_error(
            "substr_count(): Argument #3 ($offset) must be contained in argument #1 ($haystack)",
        ));
    }
    let mut end = len;
    if let Some(Value::Int(l)) = args::opt(a, 3) {
        let mut l = *l;
        if l < 0 {
            l += len - off;
        }
        if l < 0 || l > len - off {
            return Err(Fault::value_error(
                "substr_count(): Argument #4 ($length) must be contained in argument #1 ($haystack)",
            ));
        }
        end = off + l;
    }
    let mut hay = &h[off as usize..end as usize];
    let mut count = 0;
    while let Some(p) = find(hay, &n) {
        count += 1;
        hay = &hay[p + n.len()..];
    }
    Ok(Value::Int(count))
}

fn str_split(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = s0(a);
    let n = args::int_or(a, 1, 1);
    if n < 1 {
        return Err(Fault::value_error(
            "str_split(): Argument #2 ($length) must be greater than 0",
        ));
    }
    if s.is_empty() {
        // PHP 8.2 returns an empty array for an empty string (it was [""] before).
        return Ok(Value::empty_array());
    }
    let values = s.chunks(n as usize).map(Value::str).collect();
    Ok(Value::array(PhpArray::from_values(values)))
}

fn ord_to_int(o: Ordering) -> i64 {
    match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// `zend_binary_strncmp` (and `strcmp` with `length` = `usize::MAX`), optionally
/// ASCII-case-folded: the difference of the first differing bytes, as C's `memcmp` gives it
/// on glibc, or -1/0/1 from the lengths when one string is a prefix of the other.
pub(super) fn binary_strncmp(x: &[u8], y: &[u8], length: usize, fold: bool) -> i64 {
    let n = length.min(x.len()).min(y.len());
    let key = |c: u8| if fold { c.to_ascii_lowercase() } else { c };
    for (&a, &b) in x[..n].iter().zip(&y[..n]) {
        let (a, b) = (key(a), key(b));
        if a != b {
            return i64::from(a) - i64::from(b);
        }
    }
    ord_to_int(length.min(x.len()).cmp(&length.min(y.len())))
}

fn strcmp(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(binary_strncmp(
        &s0(a),
        &s1(a),
        usize::MAX,
        false,
    )))
}

fn strcasecmp(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(binary_strncmp(&s0(a), &s1(a), usize::MAX, true)))
}

/// `strcoll` in the C collation (the only one rhvm's locales have): C's `strcmp`, which
/// stops at a NUL byte.
fn strcoll(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let c_str = |s: &PhpStr| {
        let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
        s[..end].to_vec()
    };
    let (x, y) = (c_str(&s0(a)), c_str(&s1(a)));
    let diff = x
        .iter()
        .chain(std::iter::once(&0))
        .zip(y.iter().chain(std::iter::once(&0)))
        .find(|(p, q)| p != q)
        .map_or(0, |(&p, &q)| i64::from(p) - i64::from(q));
    Ok(Value::Int(diff))
}

fn n_arg(a: &[Value], func: &str) -> PhpResult<usize> {
    let n = args::int_or(a, 2, 0);
    if n < 0 {
        return Err(Fault::value_error(format!(
            "{func}(): Argument #3 ($length) must be greater than or equal to 0"
        )));
    }
    Ok(n as usize)
}

fn strncmp(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let n = n_arg(a, "strncmp")?;
    Ok(Value::Int(binary_strncmp(&s0(a), &s1(a), n, false)))
}

fn strncasecmp(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let n = n_arg(a, "strncasecmp")?;
    Ok(Value::Int(binary_strncmp(&s0(a), &s1(a), n, true)))
}

fn nl2br(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = s0(a);
    let br: &[u8] = if args::bool_or(a, 1, true) {
        b"<br />"
    } else {
        b"<br>"
    };
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'\r' || c == b'\n' {
            out.extend_from_slice(br);
            out.push(c);
            // "\r\n" and "\n\r" are one line break.
            if i + 1 < s.len() && (s[i + 1] == b'\r' || s[i + 1] == b'\n') && s[i + 1] != c {
                out.push(s[i + 1]);
                i += 1;
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    Ok(Value::str(out))
}

fn addslashes(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = s0(a);
    let mut out = Vec::with_capacity(s.len() + 8);
    for &c in s.iter() {
        match c {
            b'\'' | b'"' | b'\\' => {
                out.push(b'\\');
                out.push(c);
            }
            0 => out.extend_from_slice(b"\\0"),
            _ => out.push(c),
        }
    }
    Ok(Value::str(out))
}

fn stripslashes(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = s0(a);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' {
            i += 1;
            if i < s.len() {
                out.push(if s[i] == b'0' { 0 } else { s[i] });
            }
        } else {
            out.push(s[i]);
        }
        i += 1;
    }
    Ok(Value::str(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::array::ArrayKey;
    use crate::vm::host::TestHost;

    fn s(x: &str) -> Value {
        Value::str(x)
    }
    fn i(x: i64) -> Value {
        Value::Int(x)
    }

    /// Renders a result compactly: strings quoted, arrays as [..], errors as "Class: msg".
    fn run(f: super::super::BuiltinFn, a: &[Value]) -> String {
        let mut h = TestHost::default();
        match f(&mut h, a) {
            Ok(v) => show(&v),
            Err(Fault::Error(e)) => {
                let (class, message) = (e.class, &e.message);
                format!("{class}: {message}")
            }
            Err(e) => format!("{e:?}"),
        }
    }

    fn show(v: &Value) -> String {
        match v {
            Value::Str(s) => format!("{:?}", s.to_string_lossy()),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Array(a) => {
                let items: Vec<String> = a
                    .iter()
                    .map(|(k, v)| match k {
                        ArrayKey::Int(i) => format!("{i}=>{}", show(v)),
                        ArrayKey::Str(s) => format!("{}=>{}", s.to_string_lossy(), show(v)),
                    })
                    .collect();
                format!("[{}]", items.join(","))
            }
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn table() {
        // Expected values from php -n -r 'echo json_encode(...);' (see commit message).
        let arr = |v: Vec<Value>| Value::array(PhpArray::from_values(v));
        let cases: Vec<(super::super::BuiltinFn, Vec<Value>, &str)> = vec![
            (strpos, vec![s("abc"), s("b"), i(5)], "ValueError: strpos(): Argument #3 ($offset) must be contained in argument #1 ($haystack)"),
            (strrpos, vec![s("abc"), s("b"), i(-5)], "ValueError: strrpos(): Argument #3 ($offset) must be contained in argument #1 ($haystack)"),
            (explode, vec![s(""), s("a")], "ValueError: explode(): Argument #1 ($separator) cannot be empty"),
            (str_repeat, vec![s("a"), i(-1)], "ValueError: str_repeat(): Argument #2 ($times) must be greater than or equal to 0"),
            (str_pad, vec![s("a"), i(5), s("")], "ValueError: str_pad(): Argument #3 ($pad_string) must be a non-empty string"),
            (str_pad, vec![s("a"), i(5), s("x"), i(7)], "ValueError: str_pad(): Argument #4 ($pad_type) must be STR_PAD_LEFT, STR_PAD_RIGHT, or STR_PAD_BOTH"),
            (substr_count, vec![s("a"), s("")], "ValueError: substr_count(): Argument #2 ($needle) cannot be empty"),
            (str_split, vec![s("a"), i(0)], "ValueError: str_split(): Argument #2 ($length) must be greater than 0"),
            (implode, vec![s(","), s("x")], "TypeError: implode(): Argument #2 ($array) must be of type ?array, string given"),
            (implode, vec![arr(vec![i(1)])], "\"1\""),
            (implode, vec![s("a")], "TypeError: implode(): Argument #1 ($array) must be of type array, string given"),
            (substr_count, vec![s("abc"), s("b"), i(5)], "ValueError: substr_count(): Argument #3 ($offset) must be contained in argument #1 ($haystack)"),
            (strrpos, vec![s("abcb"), s("b"), i(-1)], "3"),
            (strrpos, vec![s("abcb"), s("b"), i(-2)], "1"),
            (stripos, vec![s("ABC"), s("b"), i(-1)], "false"),
            (explode, vec![s(","), s("a,b,c"), i(-1)], "[0=>\"a\",1=>\"b\"]"),
            (explode, vec![s(","), s("a,b,c"), i(0)], "[0=>\"a,b,c\"]"),
            (explode, vec![s(","), s(""), i(-1)], "[]"),
            (explode, vec![s(","), s("")], "[0=>\"\"]"),
            (explode, vec![s(", "), s("a, b, c"), i(2)], "[0=>\"a\",1=>\"b, c\"]"),
            (trim, vec![s("..abc.."), s("a..c")], "\"..abc..\""),
            (trim, vec![s("  x \n")], "\"x\""),
            (rtrim, vec![s("xaa"), s("a")], "\"x\""),
            (str_replace, vec![arr(vec![s("a"), s("b")]), arr(vec![s("b"), s("c")]), s("ab")], "\"cc\""),
            (substr, vec![s("abc"), i(5)], "\"\""),
            (substr, vec![s("abc"), i(-5), i(2)], "\"ab\""),
            (substr, vec![s("abc"), i(1), i(-5)], "\"\""),
            (substr, vec![s("abcdef"), i(-3), i(-1)], "\"de\""),
            (ucwords, vec![s("hello_world-foo bar"), s("_-")], "\"Hello_World-Foo bar\""),
            (ucwords, vec![s("hello world")], "\"Hello World\""),
            (str_pad, vec![s("5"), i(6), s("ab"), i(2)], "\"ab5aba\""),
            (str_pad, vec![s("5"), i(3), s("0"), i(0)], "\"005\""),
            (strncmp, vec![s("a"), s("b"), i(-1)], "ValueError: strncmp(): Argument #3 ($length) must be greater than or equal to 0"),
            (strcmp, vec![s("a"), s("b")], "-1"),
            (strcmp, vec![s("abc"), s("ab")], "1"),
            (strcasecmp, vec![s("HELLO"), s("hello")], "0"),
            (strncasecmp, vec![s("Hello"), s("help"), i(3)], "0"),
            (chr, vec![i(-1)], "\"\u{fffd}\""),
            (chr, vec![i(321)], "\"A\""),
            (ord, vec![s("")], "0"),
            (strstr, vec![s("user@host"), s("@"), Value::Bool(true)], "\"user\""),
            (stristr, vec![s("HayStack"), s("st")], "\"Stack\""),
            (strrchr, vec![s("a/b/c"), s("/x")], "\"/c\""),
            (nl2br, vec![s("a\r\nb\nc")], "\"a<br />\\r\\nb<br />\\nc\""),
            (addslashes, vec![s("O'Re\"il\\ly\0")], "\"O\\\\'Re\\\\\\\"il\\\\\\\\ly\\\\0\""),
            (stripslashes, vec![s("O\\'Re\\\\x\\0")], "\"O'Re\\\\x\\0\""),
            (str_split, vec![s("")], "[]"),
            (str_split, vec![s("abcde"), i(2)], "[0=>\"ab\",1=>\"cd\",2=>\"e\"]"),
            (substr_count, vec![s("hello hello"), s("ll"), i(-5)], "1"),
            (ucfirst, vec![s("élan")], "\"élan\""),
            (strtoupper, vec![s("abc-é")], "\"ABC-é\""),
        ];
        for (f, a, want) in cases {
            assert_eq!(run(f, &a), want, "{a:?}");
        }
    }

    #[test]
    fn str_replace_arrays_and_count() {
        // php -n -r 'var_dump(str_replace(["a","b"], "x", ["k"=>"ab", 5], $c), $c);'
        let mut subj = PhpArray::new();
        subj.insert(ArrayKey::from_bytes(b"k"), s("ab"));
        subj.push(i(5));
        let count = Value::new_ref(Value::Null);
        let search = Value::array(PhpArray::from_values(vec![s("a"), s("b")]));
        let got = run(
            str_replace,
            &[
                search,
                s("x"),
                Value::array(subj),
                Value::Ref(count.clone()),
            ],
        );
        assert_eq!(got, "[k=>\"xx\",0=>\"5\"]");
        assert!(matches!(*count.borrow(), Value::Int(2)));
        assert_eq!(
            run(str_ireplace, &[s("L"), s("_"), s("Hello")]),
            "\"He__o\""
        );
    }

    #[test]
    fn trim_range_warnings() {
        let mut h = TestHost::default();
        let v = trim(&mut h, &[s("abc"), s("c..a")]).expect("trim");
        assert_eq!(show(&v), "\"b\"");
        assert_eq!(
            h.diags[0].1,
            "trim(): Invalid '..'-range, '..'-range needs to be incrementing"
        );
    }
}
