//! `str_getcsv`: php-src's `php_fgetcsv` over one in-memory buffer (no stream to fetch
//! continuation lines from, so an unterminated enclosure takes the rest of the input).
//!
//! php-src steps through the buffer with `mblen` under the current `LC_CTYPE`; for the
//! locales rhvm offers (C and C.UTF-8) no multi-byte character can contain the ASCII
//! delimiter, enclosure or escape, so stepping byte by byte splits fields identically.

use super::super::super::array::PhpArray;
use super::super::super::error::PhpResult;
use super::super::super::host::Host;
use super::super::super::value::Value;
use super::super::args;
use super::super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[BuiltinDef {
    name: "str_getcsv",
    sig: "string $string, string $separator = \",\", string $enclosure = \"\\\"\", string $escape = \"\\\\\"",
    func: str_getcsv,
}];

/// The constants of this family (none).
pub const CONSTANTS: &[(&str, ConstVal)] = &[];

/// C's `isspace` in the C locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// `php_fgetcsv_lookup_trailing_spaces`: the length of `s` without a final `\n`, `\r\n`
/// or `\r` (despite its name it strips only the line ending).
fn strip_line_end(s: &[u8]) -> usize {
    match s {
        [.., b'\r', b'\n'] => s.len() - 2,
        [.., b'\n'] | [.., b'\r'] => s.len() - 1,
        _ => s.len(),
    }
}

/// Parses one CSV record; `None` for a blank line (PHP then returns `[null]`).
/// `escape` is `None` for "no escape character".
pub(crate) fn parse_csv(
    buf: &[u8],
    delimiter: u8,
    enclosure: u8,
    escape: Option<u8>,
) -> Option<Vec<Vec<u8>>> {
    // Reads past the end see the C string's NUL terminator.
    let at = |i: usize| buf.get(i).copied().unwrap_or(0);
    let limit = strip_line_end(buf);
    let line_end = &buf[limit..];
    let mut fields = Vec::new();
    let mut bptr = 0usize;
    let mut first_field = true;
    loop {
        let mut field: Vec<u8> = Vec::new();
        let mut more = bptr < limit;
        if more {
            // Blanks before an enclosure are skipped.
            let mut tmp = bptr;
            while at(tmp) != delimiter && is_space(at(tmp)) {
                tmp += 1;
            }
            if at(tmp) == enclosure && tmp < limit {
                bptr = tmp;
            }
        }
        if first_field && bptr == limit {
            return None;
        }
        first_field = false;
        if more && at(bptr) == enclosure {
            bptr += 1;
            let mut hunk = bptr;
            // 0: inside the enclosure, 1: after the escape, 2: after an enclosure byte.
            let mut state = 0u8;
            loop {
                if !more {
                    match state {
                        2 => {
                            field.extend_from_slice(&buf[hunk..bptr - 1]);
                            hunk = bptr;
                        }
                        _ => {
                            if state == 1 || hunk != limit {
                                field.extend((hunk..bptr).map(at));
                                hunk = bptr;
                            }
                            // The line end belongs to the unterminated field. PHP 8.2 then
                            // also copies the byte the scan stopped on, which past the end
                            // is the C string's NUL terminator (later PHP versions do not).
                            field.extend_from_slice(line_end);
                        }
                    }
                    break;
                }
                match state {
                    1 => {
                        bptr += 1;
                        state = 0;
                    }
                    2 => {
                        if at(bptr) != enclosure {
                            field.extend_from_slice(&buf[hunk..bptr - 1]);
                            hunk = bptr;
                            break;
                        }
                        // A doubled enclosure stands for one.
                        field.extend_from_slice(&buf[hunk..bptr]);
                        bptr += 1;
                        hunk = bptr;
                        state = 0;
                    }
                    _ => {
                        if at(bptr) == enclosure {
                            state = 2;
                        } else if escape == Some(at(bptr)) {
                            state = 1;
                        }
                        bptr += 1;
                    }
                }
                more = bptr < limit;
            }
            // Anything between the closing enclosure and the delimiter is kept.
            while more && at(bptr) != delimiter {
                bptr += 1;
                more = bptr < limit;
            }
            field.extend((hunk.min(bptr)..bptr).map(at));
            if more {
                bptr += 1;
            }
        } else {
            let hunk = bptr;
            while more && at(bptr) != delimiter {
                bptr += 1;
                more = bptr < limit;
            }
            field.extend_from_slice(&buf[hunk..bptr]);
            let keep = strip_line_end(&field);
            field.truncate(keep);
            if at(bptr) == delimiter {
                bptr += 1;
            }
        }
        fields.push(field);
        if !more {
            break;
        }
    }
    Some(fields)
}

fn str_getcsv(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let first = |i: usize, default: u8| match args::opt(a, i) {
        Some(Value::Str(v)) if !v.is_empty() => v[0],
        _ => default,
    };
    let delimiter = first(1, b',');
    let enclosure = first(2, b'"');
    let escape = match args::opt(a, 3) {
        Some(Value::Str(v)) => v.first().copied(),
        _ => Some(b'\\'),
    };
    let values = match parse_csv(&s, delimiter, enclosure, escape) {
        Some(fields) => fields.into_iter().map(Value::str).collect(),
        None => vec![Value::Null],
    };
    Ok(Value::array(PhpArray::from_values(values)))
}
