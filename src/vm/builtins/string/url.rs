//! URLs and query strings: `parse_url`, `http_build_query` and `parse_str`, with the
//! `PHP_URL_*` and `PHP_QUERY_*` constants.
//!
//! `parse_url` is a transcription of php-src's `php_url_parse_ex2` (`ext/standard/url.c`)
//! with its quirks (ports without schemes, `file:///c:/` paths, control characters
//! replaced by `_`); `parse_str` follows `php_default_treat_data` and
//! `php_register_variable_ex` (`main/php_variables.c`), including the mangling of `.` and
//! space to `_` in the variable-name part before the first `[`. Percent-coding is shared
//! with `urlencode` in `hash.rs`.

use super::super::super::array::{ArrayKey, PhpArray};
use super::super::super::ast::Visibility;
use super::super::super::convert::float_to_string;
use super::super::super::error::{Fault, PhpResult};
use super::super::super::host::Host;
use super::super::super::value::{PhpStr, Value};
use super::super::args;
use super::super::hash::{url_decode, url_encode};
use super::super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "parse_url",
        sig: "string $url, int $component = -1",
        func: parse_url,
    },
    BuiltinDef {
        name: "http_build_query",
        sig: "array|object $data, string $numeric_prefix = \"\", ?string $arg_separator = null, int $encoding_type = PHP_QUERY_RFC1738",
        func: http_build_query,
    },
    BuiltinDef {
        name: "parse_str",
        sig: "string $string, &$result",
        func: parse_str,
    },
];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("PHP_URL_SCHEME", ConstVal::Int(0)),
    ("PHP_URL_HOST", ConstVal::Int(1)),
    ("PHP_URL_PORT", ConstVal::Int(2)),
    ("PHP_URL_USER", ConstVal::Int(3)),
    ("PHP_URL_PASS", ConstVal::Int(4)),
    ("PHP_URL_PATH", ConstVal::Int(5)),
    ("PHP_URL_QUERY", ConstVal::Int(6)),
    ("PHP_URL_FRAGMENT", ConstVal::Int(7)),
    ("PHP_QUERY_RFC1738", ConstVal::Int(1)),
    ("PHP_QUERY_RFC3986", ConstVal::Int(2)),
];

/// The parts `parse_url` found; `None` for an absent part.
#[derive(Default)]
struct Url {
    scheme: Option<Vec<u8>>,
    host: Option<Vec<u8>>,
    port: Option<i64>,
    user: Option<Vec<u8>>,
    pass: Option<Vec<u8>>,
    path: Option<Vec<u8>>,
    query: Option<Vec<u8>>,
    fragment: Option<Vec<u8>>,
}

/// `php_replace_controlchars_ex`: control characters become `_`.
fn part(s: &[u8]) -> Option<Vec<u8>> {
    Some(
        s.iter()
            .map(|&c| if c.is_ascii_control() { b'_' } else { c })
            .collect(),
    )
}

/// Parses up to 5 digits as a port; `None` when not a valid port.
fn port_of(digits: &[u8]) -> Option<i64> {
    let n: usize = digits.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    let v: i64 = std::str::from_utf8(&digits[..n]).ok()?.parse().ok()?;
    (0..=65535).contains(&v).then_some(v)
}

/// Where a parse continues after the scheme/port prefix.
enum Next {
    Host(usize),
    Path(usize),
}

/// `php_url_parse_ex2`; `None` for a seriously malformed URL.
fn parse(str_: &[u8]) -> Option<Url> {
    let mut url = Url::default();
    let ue = str_.len();
    let mut s = 0usize;
    let colon = str_.iter().position(|&c| c == b':');
    let is_slash2 = |s: usize| s + 1 < ue && str_[s] == b'/' && str_[s + 1] == b'/';
    // Handles `e` (a ':' position) as the start of a port, as the `parse_port` label.
    let parse_port = |url: &mut Url, s: usize, e: usize| -> Option<Next> {
        let p = e + 1;
        let mut pp = p;
        while pp < ue && pp - p < 6 && str_[pp].is_ascii_digit() {
            pp += 1;
        }
        if pp - p > 0 && pp - p < 6 && (pp == ue || str_[pp] == b'/') {
            url.port = Some(port_of(&str_[p..pp])?);
            if is_slash2(s) {
                return Some(Next::Host(s + 2));
            }
            Some(Next::Host(s))
        } else if p == pp && pp == ue {
            None
        } else if is_slash2(s) {
            Some(Next::Host(s + 2))
        } else {
            Some(Next::Path(s))
        }
    };
    let next = match colon {
        Some(e) if e != 0 => {
            let valid_scheme = str_[..e]
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'.' || c == b'-');
            if !valid_scheme {
                let question = str_.iter().position(|&c| c == b'?');
                if e + 1 < ue && question.is_some_and(|q| e < q) {
                    parse_port(&mut url, s, e)?
                } else if is_slash2(s) {
                    Next::Host(s + 2)
                } else {
                    Next::Path(s)
                }
            } else if e + 1 == ue {
                url.scheme = part(&str_[..e]);
                return Some(url);
            } else if str_[e + 1] != b'/' {
                // "a.com:80" is a host and port, "mailto:x" a scheme and path.
                let mut p = e + 1;
                while p < ue && str_[p].is_ascii_digit() {
                    p += 1;
                }
                if (p == ue || str_[p] == b'/') && p - e < 7 {
                    parse_port(&mut url, s, e)?
                } else {
                    url.scheme = part(&str_[..e]);
                    Next::Path(e + 1)
                }
            } else {
                url.scheme = part(&str_[..e]);
                if e + 2 < ue && str_[e + 2] == b'/' {
                    s = e + 3;
                    let is_file = str_[..e].eq_ignore_ascii_case(b"file");
                    if is_file && e + 3 < ue && str_[e + 3] == b'/' {
                        // file:///c:/dir keeps the drive letter in the path.
                        if e + 5 < ue && str_[e + 5] == b':' {
                            s = e + 4;
                        }
                        Next::Path(s)
                    } else {
                        Next::Host(s)
                    }
                } else {
                    Next::Path(e + 1)
                }
            }
        }
        Some(e) => parse_port(&mut url, s, e)?,
        None if is_slash2(s) => Next::Host(s + 2),
        None => Next::Path(s),
    };
    let s = match next {
        Next::Path(p) => p,
        Next::Host(h) => {
            let s = h;
            let mut e = ue;
            for c in [b'/', b'?', b'#'] {
                if let Some(p) = str_[s..e].iter().position(|&x| x == c) {
                    e = s + p;
                }
            }
            let mut s = s;
            if let Some(at) = str_[s..e].iter().rposition(|&c| c == b'@') {
                let at = s + at;
                match str_[s..at].iter().position(|&c| c == b':') {
                    Some(pp) => {
                        url.user = part(&str_[s..s + pp]);
                        url.pass = part(&str_[s + pp + 1..at]);
                    }
                    None => url.user = part(&str_[s..at]),
                }
                s = at + 1;
            }
            let p = if s < ue && str_[s] == b'[' && e > 0 && str_[e - 1] == b']' {
                None
            } else {
                str_[s..e].iter().rposition(|&c| c == b':').map(|p| s + p)
            };
            let host_end = match p {
                Some(p) => {
                    if url.port.is_none() {
                        let digits = &str_[p + 1..e];
                        if digits.len() > 5 {
                            return None;
                        } else if !digits.is_empty() {
                            url.port = Some(port_of(digits)?);
                        }
                    }
                    p
                }
                None => e,
            };
            if host_end < s + 1 {
                return None;
            }
            url.host = part(&str_[s..host_end]);
            if e == ue {
                return Some(url);
            }
            e
        }
    };
    let mut e = ue;
    if let Some(p) = str_[s..e].iter().position(|&c| c == b'#') {
        let p = s + p;
        url.fragment = part(&str_[p + 1..e]);
        e = p;
    }
    if let Some(p) = str_[s..e].iter().position(|&c| c == b'?') {
        let p = s + p;
        url.query = part(&str_[p + 1..e]);
        e = p;
    }
    if s < e || s == ue {
        url.path = part(&str_[s.min(e)..e]);
    }
    Some(url)
}

fn parse_url(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let component = args::int_or(a, 1, -1);
    let Some(url) = parse(&s) else {
        return Ok(Value::Bool(false));
    };
    let text = |v: Option<Vec<u8>>| v.map_or(Value::Null, Value::str);
    // Any negative component means the whole array.
    if component > -1 {
        return Ok(match component {
            0 => text(url.scheme),
            1 => text(url.host),
            2 => url.port.map_or(Value::Null, Value::Int),
            3 => text(url.user),
            4 => text(url.pass),
            5 => text(url.path),
            6 => text(url.query),
            7 => text(url.fragment),
            _ => {
                return Err(Fault::value_error(format!(
                    "parse_url(): Argument #2 ($component) must be a valid URL component identifier, {component} given"
                )))
            }
        });
    }
    let mut out = PhpArray::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            out.insert(ArrayKey::from_bytes(k.as_bytes()), v);
        }
    };
    put("scheme", url.scheme.map(Value::str));
    put("host", url.host.map(Value::str));
    put("port", url.port.map(Value::Int));
    put("user", url.user.map(Value::str));
    put("pass", url.pass.map(Value::str));
    put("path", url.path.map(Value::str));
    put("query", url.query.map(Value::str));
    put("fragment", url.fragment.map(Value::str));
    Ok(Value::array(out))
}

/// The options of one `http_build_query` call.
struct QueryOpts {
    numeric_prefix: PhpStr,
    separator: PhpStr,
    raw: bool,
}

/// The entries of an array, or an object's public properties (`http_build_query` skips
/// the others).
fn entries(v: &Value) -> Option<Vec<(ArrayKey, Value)>> {
    match v {
        Value::Array(a) => Some(a.iter().map(|(k, v)| (k, v.deref_clone())).collect()),
        Value::Object(o) => {
            let data = o.borrow();
            let class = data.class.clone();
            Some(
                data.props
                    .iter()
                    .filter(|(k, _)| match k {
                        ArrayKey::Str(name) => class
                            .prop_decl(name)
                            .is_none_or(|d| matches!(d.visibility, Visibility::Public)),
                        ArrayKey::Int(_) => true,
                    })
                    .map(|(k, v)| (k, v.deref_clone()))
                    .filter(|(_, v)| !matches!(v, Value::Undef))
                    .collect(),
            )
        }
        _ => None,
    }
}

/// `php_url_encode_hash_ex`: appends `key=value` pairs for `data` under `prefix` (the
/// already-encoded `a%5Bb%5D` of the enclosing keys).
fn build_query(
    host: &mut dyn Host,
    out: &mut Vec<u8>,
    data: &[(ArrayKey, Value)],
    prefix: Option<&[u8]>,
    opts: &QueryOpts,
) -> PhpResult<()> {
    for (k, v) in data {
        let encoded_key = match k {
            ArrayKey::Str(s) => url_encode(s, opts.raw),
            ArrayKey::Int(i) => i.to_string().into_bytes(),
        };
        let mut key = Vec::new();
        match prefix {
            Some(p) => {
                key.extend_from_slice(p);
                key.extend_from_slice(b"%5B");
                key.extend_from_slice(&encoded_key);
                key.extend_from_slice(b"%5D");
            }
            None => {
                if matches!(k, ArrayKey::Int(_)) {
                    key.extend_from_slice(&opts.numeric_prefix);
                }
                key.extend_from_slice(&encoded_key);
            }
        }
        let value: Vec<u8> = match v {
            Value::Array(_) | Value::Object(_) => {
                let inner = entries(v).unwrap_or_default();
                build_query(host, out, &inner, Some(&key), opts)?;
                continue;
            }
            Value::Null | Value::Undef => continue,
            Value::Bool(b) => {
                if *b {
                    b"1".to_vec()
                } else {
                    b"0".to_vec()
                }
            }
            Value::Int(i) => i.to_string().into_bytes(),
            Value::Float(f) => url_encode(&float_to_string(*f, 14), opts.raw),
            Value::Str(s) => url_encode(s, opts.raw),
            Value::Ref(_) => url_encode(&host.to_str(v)?, opts.raw),
        };
        if !out.is_empty() {
            out.extend_from_slice(&opts.separator);
        }
        out.extend_from_slice(&key);
        out.push(b'=');
        out.extend_from_slice(&value);
    }
    Ok(())
}

fn http_build_query(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let data = args::opt(a, 0).cloned().unwrap_or(Value::Null);
    let separator = match args::opt(a, 2) {
        Some(Value::Str(s)) => s.clone(),
        _ => host
            .ini_get(b"arg_separator.output")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| PhpStr::from("&")),
    };
    let opts = QueryOpts {
        numeric_prefix: args::str_at(a, 1),
        separator,
        raw: args::int_or(a, 3, 1) == 2,
    };
    let mut out = Vec::new();
    let items = entries(&data).unwrap_or_default();
    build_query(host, &mut out, &items, None, &opts)?;
    Ok(Value::str(out))
}

/// `php_register_variable_ex` into `arr`: `a[b][]=v` nesting and name mangling.
pub(crate) fn register(arr: &mut PhpArray, name: &[u8], value: Value) {
    // The name is a C string in PHP: it ends at the first NUL byte.
    let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(name.len())];
    let start = name.iter().position(|&c| c != b' ').unwrap_or(name.len());
    let mut var: Vec<u8> = name[start..].to_vec();
    // Mangle up to the first '['.
    let mut bracket = None;
    for (i, c) in var.iter_mut().enumerate() {
        match *c {
            b' ' | b'.' => *c = b'_',
            b'[' => {
                bracket = Some(i);
                break;
            }
            _ => {}
        }
    }
    let base_len = bracket.unwrap_or(var.len());
    if base_len == 0 {
        return;
    }
    let Some(first) = bracket else {
        arr.insert(ArrayKey::from_bytes(&var), value);
        return;
    };
    // Collect the [index] parts; an unterminated '[' turns into '_' and ends the parse.
    let mut indices: Vec<Option<Vec<u8>>> = Vec::new();
    let mut base = var[..first].to_vec();
    let mut ip = first;
    loop {
        let idx_start = ip + 1;
        let close = var[idx_start..].iter().position(|&c| c == b']');
        let Some(close) = close else {
            if indices.is_empty() {
                // Not an index: the '[' becomes '_' and the rest stays in the name.
                var[first] = b'_';
                base = var.clone();
            }
            break;
        };
        let close = idx_start + close;
        indices.push(if close == idx_start {
            None
        } else {
            Some(var[idx_start..close].to_vec())
        });
        if var.get(close + 1) == Some(&b'[') {
            ip = close + 1;
        } else {
            break;
        }
    }
    let mut keys: Vec<Option<Vec<u8>>> = vec![Some(base)];
    keys.extend(indices);
    insert_path(arr, &keys, value);
}

/// Stores `value` at the nested key path, creating (or replacing non-array values with)
/// arrays on the way; `None` keys append.
fn insert_path(arr: &mut PhpArray, keys: &[Option<Vec<u8>>], value: Value) {
    let (first, rest) = match keys.split_first() {
        Some(x) => x,
        None => return,
    };
    if rest.is_empty() {
        match first {
            Some(k) => arr.insert(ArrayKey::from_bytes(k), value),
            None => {
                arr.push(value);
            }
        }
        return;
    }
    let slot: &mut Value = match first {
        Some(k) => arr.get_or_insert_null(ArrayKey::from_bytes(k)),
        None => match arr.push_slot() {
            Some(slot) => slot,
            None => return,
        },
    };
    if !matches!(slot, Value::Array(_)) {
        *slot = Value::empty_array();
    }
    if let Value::Array(inner) = slot {
        insert_path(std::rc::Rc::make_mut(inner), rest, value);
    }
}

fn parse_str(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let s = &s[..s.iter().position(|&c| c == 0).unwrap_or(s.len())];
    let separators = host
        .ini_get(b"arg_separator.input")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| PhpStr::from("&"));
    let mut arr = PhpArray::new();
    for pair in s.split(|c| separators.contains(c)) {
        if pair.is_empty() {
            continue;
        }
        let (name, value) = match pair.iter().position(|&c| c == b'=') {
            Some(eq) => (&pair[..eq], url_decode(&pair[eq + 1..], false)),
            None => (pair, Vec::new()),
        };
        let name = url_decode(name, false);
        register(&mut arr, &name, Value::str(value));
    }
    if let Some(cell) = args::ref_at(a, 1) {
        *cell.borrow_mut() = Value::array(arr);
    }
    Ok(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    /// `parse_str` through its by-reference result, for the generated cases.
    fn parse_str_result(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
        let cell = Value::new_ref(Value::Null);
        parse_str(h, &[a[0].clone(), Value::Ref(cell.clone())])?;
        let v = cell.borrow().clone();
        Ok(v)
    }

    #[test]
    fn generated_cases() {
        // See cases/url.cases.php for the inputs; the expectations come from PHP 8.2.
        check(include!("cases/url.rs"));
    }
}
