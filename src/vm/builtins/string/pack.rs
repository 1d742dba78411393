//! `pack` and `unpack`: binary strings from and to numbers and strings, with every format
//! code of PHP 8.2 on a 64-bit little-endian machine (`a A Z h H c C s S n v i I l L N V
//! q Q J P f g G d e E x X @`).
//!
//! The layout follows php-src's `ext/standard/pack.c`: `pack` checks the whole format
//! (and the argument count) before writing anything, and `unpack` names its results
//! `name`, or `name1`, `name2`, ... for repeated codes.

use super::super::super::array::{ArrayKey, PhpArray};
use super::super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::super::host::Host;
use super::super::super::value::{PhpStr, Value};
use super::super::args;
use super::super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "pack",
        sig: "string $format, mixed ...$values",
        func: pack,
    },
    BuiltinDef {
        name: "unpack",
        sig: "string $format, string $string, int $offset = 0",
        func: unpack,
    },
];

/// The constants of this family (none).
pub const CONSTANTS: &[(&str, ConstVal)] = &[];

/// A repeat count: `Count(n)`, or `Star` for `*`.
#[derive(Clone, Copy, PartialEq)]
enum Repeat {
    Count(i64),
    Star,
}

/// Reads the repeat count after a format code at `*i` as C's `atoi` would.
fn read_repeat(format: &[u8], i: &mut usize) -> Repeat {
    match format.get(*i) {
        Some(b'*') => {
            *i += 1;
            Repeat::Star
        }
        Some(c) if c.is_ascii_digit() => {
            let mut n: i64 = 0;
            while let Some(d) = format.get(*i).filter(|d| d.is_ascii_digit()) {
                n = n.saturating_mul(10).saturating_add(i64::from(d - b'0'));
                *i += 1;
            }
            // atoi is strtol (saturating at the C long range) cast to a C int, which
            // wraps: "2147483648" becomes a negative count.
            Repeat::Count(i64::from(n as i32))
        }
        _ => Repeat::Count(1),
    }
}

/// The byte width of an integer or float code.
fn width(code: u8) -> Option<usize> {
    Some(match code {
        b'c' | b'C' => 1,
        b's' | b'S' | b'n' | b'v' => 2,
        b'i' | b'I' | b'l' | b'L' | b'N' | b'V' | b'f' | b'g' | b'G' => 4,
        b'q' | b'Q' | b'J' | b'P' | b'd' | b'e' | b'E' => 8,
        _ => return None,
    })
}

/// Whether a code is stored big-endian (everything else is this machine's little-endian).
fn big_endian(code: u8) -> bool {
    matches!(code, b'n' | b'N' | b'J' | b'G' | b'E')
}

fn pack(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let format = args::str_at(a, 0);
    let values: Vec<Value> = a[1..].iter().map(Value::deref_clone).collect();
    // First pass: resolve every code's count and check the arguments, as php-src does
    // before writing anything.
    let mut codes: Vec<(u8, i64)> = Vec::new();
    let mut strings: Vec<Option<PhpStr>> = vec![None; values.len()];
    let mut current = 0usize;
    let mut i = 0;
    while i < format.len() {
        let code = format[i];
        i += 1;
        let repeat = read_repeat(&format, &mut i);
        let count = match code {
            b'x' | b'X' | b'@' => match repeat {
                Repeat::Star => {
                    host.raise(
                        ErrorLevel::Warning,
                        &format!("pack(): Type {}: '*' ignored", code as char),
                    )?;
                    1
                }
                Repeat::Count(n) => n,
            },
            b'a' | b'A' | b'Z' | b'h' | b'H' => {
                if current >= values.len() {
                    return Err(Fault::value_error(format!(
                        "Type {}: not enough arguments",
                        code as char
                    )));
                }
                let n = match repeat {
                    Repeat::Star => {
                        let s = host.to_str(&values[current])?;
                        let n = s.len() as i64 + i64::from(code == b'Z');
                        strings[current] = Some(s);
                        n
                    }
                    Repeat::Count(n) => n,
                };
                current += 1;
                n
            }
            _ if width(code).is_some() => {
                let n = match repeat {
                    Repeat::Star => (values.len() - current) as i64,
                    Repeat::Count(n) => n,
                };
                current = current.saturating_add(n.max(0) as usize);
                if current > values.len() {
                    return Err(Fault::value_error(format!(
                        "Type {}: too few arguments",
                        code as char
                    )));
                }
                n
            }
            _ => {
                return Err(Fault::value_error(format!(
                    "Type {}: unknown format code",
                    code as char
                )))
            }
        };
        codes.push((code, count));
    }
    if current < values.len() {
        host.raise(
            ErrorLevel::Warning,
            &format!("pack(): {} arguments unused", values.len() - current),
        )?;
    }
    // php-src warns about `X` moving before the start while sizing the output.
    let mut size_pos: i64 = 0;
    for &(code, count) in &codes {
        match code {
            b'X' => {
                size_pos -= count;
                if size_pos < 0 {
                    host.raise(ErrorLevel::Warning, "pack(): Type X: outside of string")?;
                    size_pos = 0;
                }
            }
            b'@' => size_pos = count,
            b'h' | b'H' => size_pos += (count + count % 2) / 2,
            b'a' | b'A' | b'Z' | b'x' => size_pos += count,
            _ => size_pos += count * width(code).unwrap_or(0) as i64,
        }
    }

    // Second pass: write. `pos` can move back (`X`, `@`), later writes overwrite, and the
    // result ends at the final position.
    let mut out: Vec<u8> = Vec::new();
    let mut pos = 0usize;
    let put = |out: &mut Vec<u8>, pos: &mut usize, bytes: &[u8]| {
        if out.len() < *pos + bytes.len() {
            out.resize(*pos + bytes.len(), 0);
        }
        out[*pos..*pos + bytes.len()].copy_from_slice(bytes);
        *pos += bytes.len();
    };
    let mut current = 0usize;
    for (code, count) in codes {
        match code {
            b'a' | b'A' | b'Z' => {
                let s = match strings[current].take() {
                    Some(s) => s,
                    None => host.to_str(&values[current])?,
                };
                current += 1;
                let count = count.max(0) as usize;
                let keep = if code == b'Z' {
                    count.saturating_sub(1)
                } else {
                    count
                };
                let mut field = vec![if code == b'A' { b' ' } else { 0 }; count];
                let n = s.len().min(keep);
                field[..n].copy_from_slice(&s[..n]);
                put(&mut out, &mut pos, &field);
            }
            b'h' | b'H' => {
                let s = match strings[current].take() {
                    Some(s) => s,
                    None => host.to_str(&values[current])?,
                };
                current += 1;
                let mut n = count.max(0) as usize;
                if n > s.len() {
                    host.raise(
                        ErrorLevel::Warning,
                        &format!(
                            "pack(): Type {}: not enough characters in string",
                            code as char
                        ),
                    )?;
                    n = s.len();
                }
                let mut bytes = vec![0u8; n.div_ceil(2)];
                for (k, &digit) in s[..n].iter().enumerate() {
                    let nibble = match (digit as char).to_digit(16) {
                        Some(v) => v as u8,
                        None => {
                            host.raise(
                                ErrorLevel::Warning,
                                &format!(
                                    "pack(): Type {}: illegal hex digit {}",
                                    code as char, digit as char
                                ),
                            )?;
                            0
                        }
                    };
                    // `H` puts the first digit of each pair in the high nibble.
                    let high = (k % 2 == 0) == (code == b'H');
                    bytes[k / 2] |= if high { nibble << 4 } else { nibble };
                }
                put(&mut out, &mut pos, &bytes);
            }
            b'x' => put(&mut out, &mut pos, &vec![0u8; count.max(0) as usize]),
            b'X' => pos = pos.saturating_sub(count.max(0) as usize),
            b'@' => {
                let target = count.max(0) as usize;
                if target > out.len() {
                    out.resize(target, 0);
                }
                if target > pos {
                    out[pos..target].fill(0);
                }
                pos = target;
            }
            _ => {
                let w = width(code).unwrap_or(0);
                for _ in 0..count.max(0) {
                    let v = &values[current];
                    current += 1;
                    let mut bytes: Vec<u8> = match code {
                        b'f' | b'g' | b'G' => (v.to_float() as f32).to_le_bytes().to_vec(),
                        b'd' | b'e' | b'E' => v.to_float().to_le_bytes().to_vec(),
                        _ => v.to_int().to_le_bytes()[..w].to_vec(),
                    };
                    if big_endian(code) {
                        bytes.reverse();
                    }
                    put(&mut out, &mut pos, &bytes);
                }
            }
        }
    }
    out.resize(pos, 0);
    Ok(Value::str(out))
}

/// Decodes one integer or float field of `code` from `bytes` (exactly its width).
fn decode_number(code: u8, bytes: &[u8]) -> Value {
    let mut le = bytes.to_vec();
    if big_endian(code) {
        le.reverse();
    }
    let mut buf = [0u8; 8];
    buf[..le.len()].copy_from_slice(&le);
    let unsigned = u64::from_le_bytes(buf);
    match code {
        b'c' => Value::Int(i64::from(le[0] as i8)),
        b's' => Value::Int(i64::from(unsigned as u16 as i16)),
        b'i' | b'l' => Value::Int(i64::from(unsigned as u32 as i32)),
        b'f' | b'g' | b'G' => {
            Value::Float(f64::from(f32::from_le_bytes([le[0], le[1], le[2], le[3]])))
        }
        b'd' | b'e' | b'E' => Value::Float(f64::from_le_bytes(buf)),
        // Unsigned codes: the 64-bit ones keep their bits in a signed PHP int.
        _ => Value::Int(unsigned as i64),
    }
}

fn unpack(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let format = args::str_at(a, 0);
    let data = args::str_at(a, 1);
    let offset = args::int_or(a, 2, 0);
    if offset < 0 || offset > data.len() as i64 {
        return Err(Fault::value_error(
            "unpack(): Argument #3 ($offset) must be contained in argument #2 ($data)",
        ));
    }
    let input = &data[offset as usize..];
    let input_len = input.len() as i64;
    let mut out = PhpArray::new();
    let mut pos: i64 = 0;
    let mut i = 0;
    while i < format.len() {
        let code = format[i];
        i += 1;
        let repeat = read_repeat(&format, &mut i);
        let mut arg = match repeat {
            Repeat::Star => -1,
            Repeat::Count(n) => n,
        };
        let name_start = i;
        while i < format.len() && format[i] != b'/' {
            i += 1;
        }
        let name = &format[name_start..i.min(name_start + 200)];
        let original_arg = arg;
        let mut size: i64 = match code {
            b'X' => {
                if arg < 0 {
                    host.raise(ErrorLevel::Warning, "unpack(): Type X: '*' ignored")?;
                    arg = 1;
                }
                -1
            }
            b'@' => 0,
            b'a' | b'A' | b'Z' => {
                let size = arg;
                arg = 1;
                size
            }
            b'h' | b'H' => {
                let size = if arg > 0 { (arg + arg % 2) / 2 } else { arg };
                arg = 1;
                size
            }
            b'x' => 1,
            _ => match width(code) {
                Some(w) => w as i64,
                None => {
                    return Err(Fault::value_error(format!(
                        "Invalid format type {}",
                        code as char
                    )))
                }
            },
        };
        if size != 0 && size != -1 && size < 0 {
            host.raise(
                ErrorLevel::Warning,
                &format!("unpack(): Type {}: integer overflow", code as char),
            )?;
            return Ok(Value::Bool(false));
        }
        let mut n: i64 = 0;
        while n != arg {
            let key = if arg != 1 || name.is_empty() {
                let mut k = name.to_vec();
                k.extend_from_slice((n + 1).to_string().as_bytes());
                k
            } else {
                name.to_vec()
            };
            let key = ArrayKey::from_bytes(&key);
            if pos + size <= input_len {
                let rest = &input[pos.max(0) as usize..];
                match code {
                    b'a' | b'A' | b'Z' => {
                        let mut len = rest.len() as i64;
                        if size >= 0 && len > size {
                            len = size;
                        }
                        size = len;
                        let mut field = &rest[..len as usize];
                        if code == b'A' {
                            while let [head @ .., b'\0' | b' ' | b'\t' | b'\r' | b'\n'] = field {
                                field = head;
                            }
                        } else if code == b'Z' {
                            let end = field.iter().position(|&c| c == 0).unwrap_or(field.len());
                            field = &field[..end];
                        }
                        out.insert(key, Value::str(field));
                    }
                    b'h' | b'H' => {
                        let mut len = rest.len() as i64 * 2;
                        if size >= 0 && len > size * 2 {
                            len = size * 2;
                        }
                        if len > 0 && original_arg > 0 {
                            len -= original_arg % 2;
                        }
                        let digits: Vec<u8> = (0..len.max(0) as usize)
                            .map(|k| {
                                let byte = rest[k / 2];
                                let high = (k % 2 == 0) == (code == b'H');
                                let nibble = if high { byte >> 4 } else { byte & 0xf };
                                b"0123456789abcdef"[nibble as usize]
                            })
                            .collect();
                        out.insert(key, Value::str(digits));
                    }
                    b'x' | b'X' => {}
                    b'@' => {
                        if arg <= input_len {
                            pos = arg;
                        } else {
                            host.raise(ErrorLevel::Warning, "unpack(): Type @: outside of string")?;
                        }
                        n = arg - 1;
                    }
                    _ => out.insert(key, decode_number(code, &rest[..size as usize])),
                }
                pos += size;
                if pos < 0 {
                    if size != -1 {
                        host.raise(
                            ErrorLevel::Warning,
                            &format!("unpack(): Type {}: outside of string", code as char),
                        )?;
                    }
                    pos = 0;
                }
            } else if arg < 0 {
                // A `*` repeat stops at the end of the input.
                break;
            } else {
                host.raise(
                    ErrorLevel::Warning,
                    &format!(
                        "unpack(): Type {}: not enough input, need {}, have {}",
                        code as char,
                        size,
                        input_len - pos
                    ),
                )?;
                return Ok(Value::Bool(false));
            }
            n += 1;
        }
        if i < format.len() {
            // The `/` separator.
            i += 1;
        }
    }
    Ok(Value::array(out))
}
