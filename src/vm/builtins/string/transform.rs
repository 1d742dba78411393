//! String rewriting: `strtr`, `substr_replace`, `chunk_split`, `wordwrap`, and the path
//! helpers `dirname`, `basename` and `pathinfo` (with the `PATHINFO_*` constants).
//!
//! All of it is byte-oriented, as in php-src's `ext/standard/string.c`; the path
//! functions follow the POSIX build (only `/` separates directories).

use std::rc::Rc;

use super::super::super::array::{ArrayKey, PhpArray};
use super::super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::super::host::Host;
use super::super::super::value::{PhpStr, Value};
use super::super::args;
use super::super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "strtr",
        sig: "string $string, array|string $from, ?string $to = null",
        func: strtr,
    },
    BuiltinDef {
        name: "substr_replace",
        sig: "array|string $string, array|string $replace, array|int $offset, array|int|null $length = null",
        func: substr_replace,
    },
    BuiltinDef {
        name: "chunk_split",
        sig: "string $string, int $length = 76, string $separator = \"\\r\\n\"",
        func: chunk_split,
    },
    BuiltinDef {
        name: "wordwrap",
        sig: "string $string, int $width = 75, string $break = \"\\n\", bool $cut_long_words = false",
        func: wordwrap,
    },
    BuiltinDef {
        name: "dirname",
        sig: "string $path, int $levels = 1",
        func: dirname,
    },
    BuiltinDef {
        name: "basename",
        sig: "string $path, string $suffix = \"\"",
        func: basename,
    },
    BuiltinDef {
        name: "pathinfo",
        sig: "string $path, int $flags = PATHINFO_ALL",
        func: pathinfo,
    },
];

const PATHINFO_DIRNAME: i64 = 1;
const PATHINFO_BASENAME: i64 = 2;
const PATHINFO_EXTENSION: i64 = 4;
const PATHINFO_FILENAME: i64 = 8;
const PATHINFO_ALL: i64 = 15;

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("PATHINFO_DIRNAME", ConstVal::Int(PATHINFO_DIRNAME)),
    ("PATHINFO_BASENAME", ConstVal::Int(PATHINFO_BASENAME)),
    ("PATHINFO_EXTENSION", ConstVal::Int(PATHINFO_EXTENSION)),
    ("PATHINFO_FILENAME", ConstVal::Int(PATHINFO_FILENAME)),
];

fn strtr(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let to = match args::opt(a, 2) {
        Some(Value::Str(t)) => Some(t.clone()),
        _ => None,
    };
    match (args::opt(a, 1), to) {
        (Some(Value::Array(pairs)), None) => strtr_array(host, s, pairs),
        (Some(Value::Array(_)), Some(_)) => Err(Fault::type_error(
            "strtr(): Argument #2 ($from) must be of type string, array given",
        )),
        (_, None) => Err(Fault::type_error(
            "strtr(): Argument #2 ($from) must be of type array, string given",
        )),
        (from, Some(to)) => {
            let from = from.map(Value::scalar_to_str).unwrap_or_default();
            let n = from.len().min(to.len());
            if n == 0 || s.is_empty() {
                return Ok(Value::Str(s));
            }
            let mut map: [u8; 256] = std::array::from_fn(|i| i as u8);
            for i in 0..n {
                map[usize::from(from[i])] = to[i];
            }
            Ok(Value::str(
                s.iter().map(|&c| map[usize::from(c)]).collect::<Vec<u8>>(),
            ))
        }
    }
}

/// `php_strtr_array`: at each position the longest matching key wins, and replaced text
/// is never scanned again. Empty keys are ignored.
fn strtr_array(host: &mut dyn Host, s: PhpStr, pairs: &Rc<PhpArray>) -> PhpResult<Value> {
    if s.is_empty() {
        return Ok(Value::Str(s));
    }
    let mut map: std::collections::HashMap<Vec<u8>, PhpStr> = std::collections::HashMap::new();
    let (mut min_len, mut max_len) = (usize::MAX, 0);
    for (k, v) in pairs.iter() {
        let key = match k {
            ArrayKey::Int(i) => i.to_string().into_bytes(),
            ArrayKey::Str(s) => s.to_vec(),
        };
        if key.is_empty() {
            host.raise(
                ErrorLevel::Warning,
                "strtr(): Ignoring replacement of empty string",
            )?;
            continue;
        }
        let v = host.to_str(&v.deref_clone())?;
        min_len = min_len.min(key.len());
        max_len = max_len.max(key.len());
        map.insert(key, v);
    }
    if map.is_empty() || s.is_empty() {
        return Ok(Value::Str(s));
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let longest = max_len.min(s.len() - i);
        let found = (min_len..=longest)
            .rev()
            .find_map(|len| map.get(&s[i..i + len]).map(|rep| (len, rep)));
        match found {
            Some((len, rep)) => {
                out.extend_from_slice(rep);
                i += len;
            }
            None => {
                out.push(s[i]);
                i += 1;
            }
        }
    }
    Ok(Value::str(out))
}

/// Clamps an offset and length to a string of `len` bytes as `substr_replace` does.
fn replace_range(len: usize, offset: i64, length: Option<i64>) -> (usize, usize) {
    let len_i = len as i64;
    let f = if offset < 0 {
        (len_i + offset).max(0)
    } else {
        offset.min(len_i)
    };
    let mut l = length.unwrap_or(len_i);
    if l < 0 {
        l = (len_i - f + l).max(0);
    }
    if l > len_i - f {
        l = len_i - f;
    }
    (f as usize, l as usize)
}

fn splice(s: &[u8], f: usize, l: usize, rep: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() - l + rep.len());
    out.extend_from_slice(&s[..f]);
    out.extend_from_slice(rep);
    out.extend_from_slice(&s[f + l..]);
    out
}

fn substr_replace(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let string = args::opt(a, 0).cloned().unwrap_or(Value::Null);
    let replace = args::opt(a, 1).cloned().unwrap_or(Value::Null);
    let offset = args::opt(a, 2).cloned().unwrap_or(Value::Int(0));
    let length = args::opt(a, 3).cloned().unwrap_or(Value::Null);
    let Value::Array(subjects) = string else {
        let s = string.scalar_to_str();
        if matches!(offset, Value::Array(_)) {
            return Err(Fault::type_error(
                "substr_replace(): Argument #3 ($offset) cannot be an array when working on a single string",
            ));
        }
        if matches!(length, Value::Array(_)) {
            return Err(Fault::type_error(
                "substr_replace(): Argument #4 ($length) cannot be an array when working on a single string",
            ));
        }
        let rep = match &replace {
            Value::Array(r) => match r.values().next() {
                Some(v) => host.to_str(&v.deref_clone())?,
                None => PhpStr::new(),
            },
            other => other.scalar_to_str(),
        };
        let len = match length {
            Value::Int(l) => Some(l),
            _ => None,
        };
        let (f, l) = replace_range(s.len(), offset.to_int(), len);
        return Ok(Value::str(splice(&s, f, l, &rep)));
    };
    // The array form walks the offset, length and replace arrays in step with the
    // subjects; an exhausted array gives 0, the whole length and "" respectively.
    let mut offsets = match &offset {
        Value::Array(o) => Some(o.values().cloned().collect::<Vec<_>>().into_iter()),
        _ => None,
    };
    let mut lengths = match &length {
        Value::Array(l) => Some(l.values().cloned().collect::<Vec<_>>().into_iter()),
        _ => None,
    };
    let mut replaces = match &replace {
        Value::Array(r) => Some(r.values().cloned().collect::<Vec<_>>().into_iter()),
        _ => None,
    };
    let mut out = PhpArray::with_capacity(subjects.len());
    for (k, v) in subjects.iter() {
        let s = host.to_str(&v.deref_clone())?;
        let f = match &mut offsets {
            Some(it) => it.next().map_or(0, |v| v.deref_clone().to_int()),
            None => offset.to_int(),
        };
        let l = match &mut lengths {
            Some(it) => Some(
                it.next()
                    .map_or(s.len() as i64, |v| v.deref_clone().to_int()),
            ),
            None => match length {
                Value::Int(l) => Some(l),
                _ => None,
            },
        };
        let rep = match &mut replaces {
            Some(it) => match it.next() {
                Some(v) => host.to_str(&v.deref_clone())?,
                None => PhpStr::new(),
            },
            None => replace.scalar_to_str(),
        };
        let (f, l) = replace_range(s.len(), f, l);
        out.insert(k, Value::str(splice(&s, f, l, &rep)));
    }
    Ok(Value::array(out))
}

fn chunk_split(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let len = args::int_or(a, 1, 76);
    let sep = match args::opt(a, 2) {
        Some(Value::Str(e)) => e.clone(),
        _ => PhpStr::from("\r\n"),
    };
    if len < 1 {
        return Err(Fault::value_error(
            "chunk_split(): Argument #2 ($length) must be greater than 0",
        ));
    }
    let mut out = Vec::with_capacity(s.len() + sep.len() * (s.len() / len as usize + 1));
    if len as u64 > s.len() as u64 {
        out.extend_from_slice(&s);
        out.extend_from_slice(&sep);
        return Ok(Value::str(out));
    }
    for chunk in s.chunks(len as usize) {
        out.extend_from_slice(chunk);
        out.extend_from_slice(&sep);
    }
    Ok(Value::str(out))
}

fn wordwrap(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let text = args::str_at(a, 0);
    let width = args::int_or(a, 1, 75);
    let brk = match args::opt(a, 2) {
        Some(Value::Str(b)) => b.clone(),
        _ => PhpStr::from("\n"),
    };
    let cut = args::bool_or(a, 3, false);
    if text.is_empty() {
        return Ok(Value::str(""));
    }
    if brk.is_empty() {
        return Err(Fault::value_error(
            "wordwrap(): Argument #3 ($break) cannot be empty",
        ));
    }
    if width == 0 && cut {
        return Err(Fault::value_error(
            "wordwrap(): Argument #4 ($cut_long_words) cannot be true when argument #2 ($width) is 0",
        ));
    }
    let t: &[u8] = &text;
    let n = t.len() as i64;
    if brk.len() == 1 && !cut {
        // The in-place variant: a one-byte break just overwrites spaces.
        let mut out = t.to_vec();
        let (mut laststart, mut lastspace) = (0i64, 0i64);
        for cur in 0..n {
            let c = t[cur as usize];
            if c == brk[0] {
                laststart = cur + 1;
                lastspace = cur + 1;
            } else if c == b' ' {
                if cur - laststart >= width {
                    out[cur as usize] = brk[0];
                    laststart = cur + 1;
                }
                lastspace = cur;
            } else if cur - laststart >= width && laststart != lastspace {
                out[lastspace as usize] = brk[0];
                laststart = lastspace + 1;
            }
        }
        return Ok(Value::str(out));
    }
    let bl = brk.len() as i64;
    let mut out = Vec::with_capacity(t.len() + t.len() / 8);
    let (mut laststart, mut lastspace) = (0i64, 0i64);
    let mut cur = 0i64;
    let slice = |from: i64, to: i64| &t[from as usize..to as usize];
    while cur < n {
        let c = t[cur as usize];
        if c == brk[0] && cur + bl < n && t[cur as usize..].starts_with(&brk) {
            out.extend_from_slice(slice(laststart, cur + bl));
            cur += bl - 1;
            laststart = cur + 1;
            lastspace = cur + 1;
        } else if c == b' ' {
            if cur - laststart >= width {
                out.extend_from_slice(slice(laststart, cur));
                out.extend_from_slice(&brk);
                laststart = cur + 1;
            }
            lastspace = cur;
        } else if cur - laststart >= width && cut && laststart >= lastspace {
            out.extend_from_slice(slice(laststart, cur));
            out.extend_from_slice(&brk);
            laststart = cur;
            lastspace = cur;
        } else if cur - laststart >= width && laststart < lastspace {
            out.extend_from_slice(slice(laststart, lastspace));
            out.extend_from_slice(&brk);
            laststart = lastspace + 1;
            lastspace = laststart;
        }
        cur += 1;
    }
    if laststart != cur {
        out.extend_from_slice(slice(laststart, cur));
    }
    Ok(Value::str(out))
}

/// `zend_dirname` for POSIX paths: the length of the parent directory part of `path`.
/// Returns the new bytes (`"."` or `"/"` in the degenerate cases).
fn dirname_once(path: &[u8]) -> Vec<u8> {
    if path.is_empty() {
        return Vec::new();
    }
    let mut end = path.len();
    while end > 0 && path[end - 1] == b'/' {
        end -= 1;
    }
    if end == 0 {
        return b"/".to_vec();
    }
    while end > 0 && path[end - 1] != b'/' {
        end -= 1;
    }
    if end == 0 {
        return b".".to_vec();
    }
    while end > 0 && path[end - 1] == b'/' {
        end -= 1;
    }
    if end == 0 {
        return b"/".to_vec();
    }
    path[..end].to_vec()
}

fn dirname(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let path = args::str_at(a, 0);
    let levels = args::int_or(a, 1, 1);
    if levels < 1 {
        return Err(Fault::value_error(
            "dirname(): Argument #2 ($levels) must be greater than or equal to 1",
        ));
    }
    let mut cur = path.to_vec();
    let mut left = levels;
    loop {
        let before = cur.len();
        cur = dirname_once(&cur);
        left -= 1;
        if cur.len() >= before || left == 0 {
            break;
        }
    }
    Ok(Value::str(cur))
}

/// `php_basename`: the last path component, without trailing slashes and without
/// `suffix` when it ends the component (and is not all of it).
fn basename_of(path: &[u8], suffix: &[u8]) -> Vec<u8> {
    let mut end = path.len();
    while end > 0 && path[end - 1] == b'/' {
        end -= 1;
    }
    let start = path[..end]
        .iter()
        .rposition(|&c| c == b'/')
        .map_or(0, |p| p + 1);
    let mut name = &path[start..end];
    if !suffix.is_empty() && suffix.len() < name.len() && name.ends_with(suffix) {
        name = &name[..name.len() - suffix.len()];
    }
    name.to_vec()
}

fn basename(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let path = args::str_at(a, 0);
    let suffix = args::str_at(a, 1);
    Ok(Value::str(basename_of(&path, &suffix)))
}

fn pathinfo(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let path = args::str_at(a, 0);
    let flags = args::int_or(a, 1, PATHINFO_ALL);
    let mut out = PhpArray::new();
    if flags & PATHINFO_DIRNAME != 0 {
        let dir = dirname_once(&path);
        if !dir.is_empty() {
            out.insert(ArrayKey::from_bytes(b"dirname"), Value::str(dir));
        }
    }
    let base = basename_of(&path, b"");
    if flags & PATHINFO_BASENAME != 0 {
        out.insert(ArrayKey::from_bytes(b"basename"), Value::str(base.clone()));
    }
    let dot = base.iter().rposition(|&c| c == b'.');
    if flags & PATHINFO_EXTENSION != 0 {
        if let Some(p) = dot {
            out.insert(
                ArrayKey::from_bytes(b"extension"),
                Value::str(&base[p + 1..]),
            );
        }
    }
    if flags & PATHINFO_FILENAME != 0 {
        let end = dot.unwrap_or(base.len());
        out.insert(ArrayKey::from_bytes(b"filename"), Value::str(&base[..end]));
    }
    if flags == PATHINFO_ALL {
        return Ok(Value::array(out));
    }
    // A single element is returned as a string ("" when absent).
    Ok(out
        .first()
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| Value::str("")))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn generated_cases() {
        // See cases/transform.cases.php for the inputs; the expectations come from PHP 8.2.
        check(include!("cases/transform.rs"));
    }
}
