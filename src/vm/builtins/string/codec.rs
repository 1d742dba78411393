//! Byte-level encodings: C-style escapes (`addcslashes`, `stripcslashes`), quoted-printable,
//! uuencode, and the deprecated Latin-1/UTF-8 converters `utf8_encode`/`utf8_decode`.
//!
//! Each follows php-src's loop byte for byte, including where php-src reads its input as
//! a C string (`quoted_printable_decode` stops at a NUL byte).

use super::super::super::error::{ErrorLevel, PhpResult};
use super::super::super::host::Host;
use super::super::super::value::Value;
use super::super::args;
use super::super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "addcslashes",
        sig: "string $string, string $characters",
        func: addcslashes,
    },
    BuiltinDef {
        name: "stripcslashes",
        sig: "string $string",
        func: stripcslashes,
    },
    BuiltinDef {
        name: "quoted_printable_encode",
        sig: "string $string",
        func: quoted_printable_encode,
    },
    BuiltinDef {
        name: "quoted_printable_decode",
        sig: "string $string",
        func: quoted_printable_decode,
    },
    BuiltinDef {
        name: "convert_uuencode",
        sig: "string $string",
        func: convert_uuencode,
    },
    BuiltinDef {
        name: "convert_uudecode",
        sig: "string $string",
        func: convert_uudecode,
    },
    BuiltinDef {
        name: "utf8_encode",
        sig: "string $string",
        func: utf8_encode,
    },
    BuiltinDef {
        name: "utf8_decode",
        sig: "string $string",
        func: utf8_decode,
    },
];

/// The constants of this family (none).
pub const CONSTANTS: &[(&str, ConstVal)] = &[];

fn addcslashes(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let list = args::str_at(a, 1);
    let mask = super::char_mask(host, &list, "addcslashes")?;
    let mut out = Vec::with_capacity(s.len() * 2);
    for &c in s.iter() {
        if mask[usize::from(c)] {
            out.push(b'\\');
            if !(32..=126).contains(&c) {
                match c {
                    b'\n' => out.push(b'n'),
                    b'\t' => out.push(b't'),
                    b'\r' => out.push(b'r'),
                    0x07 => out.push(b'a'),
                    0x0b => out.push(b'v'),
                    0x08 => out.push(b'b'),
                    0x0c => out.push(b'f'),
                    _ => out.extend_from_slice(format!("{c:03o}").as_bytes()),
                }
                continue;
            }
        }
        out.push(c);
    }
    Ok(Value::str(out))
}

fn stripcslashes(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'\\' || i + 1 >= s.len() {
            out.push(s[i]);
            i += 1;
            continue;
        }
        i += 1;
        let simple = match s[i] {
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b'a' => Some(0x07),
            b't' => Some(b'\t'),
            b'v' => Some(0x0b),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'\\' => Some(b'\\'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            i += 1;
            continue;
        }
        if s[i] == b'x' && s.get(i + 1).is_some_and(u8::is_ascii_hexdigit) {
            let digits = if s.get(i + 2).is_some_and(u8::is_ascii_hexdigit) {
                2
            } else {
                1
            };
            let text = std::str::from_utf8(&s[i + 1..i + 1 + digits]).unwrap_or("0");
            out.push(u8::from_str_radix(text, 16).unwrap_or(0));
            i += 1 + digits;
            continue;
        }
        let octal = s[i..]
            .iter()
            .take(3)
            .take_while(|c| (b'0'..=b'7').contains(c))
            .count();
        if octal > 0 {
            let value = s[i..i + octal]
                .iter()
                .fold(0u32, |v, d| v * 8 + u32::from(d - b'0'));
            out.push(value as u8);
            i += octal;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Ok(Value::str(out))
}

/// RFC 2045's line length limit, as php-src applies it.
const QP_MAX_LINE: usize = 75;

fn quoted_printable_encode(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let s = args::str_at(a, 0);
    // php-src looks one byte past the end, at the string's NUL terminator.
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut out = Vec::with_capacity(s.len() * 3);
    let mut line = 0usize;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c == b'\r' && at(i) == b'\n' && i < s.len() {
            out.extend_from_slice(b"\r\n");
            i += 1;
            line = 0;
            continue;
        }
        let control = c < 0x20 || c == 0x7f;
        if control || c & 0x80 != 0 || c == b'=' || (c == b' ' && at(i) == b'\r') {
            // A soft line break, keeping a UTF-8 sequence's escapes on one line.
            line += 3;
            let wrap = match c {
                0..=0x7f => line > QP_MAX_LINE,
                0x80..=0xdf => line + 3 > QP_MAX_LINE,
                0xe0..=0xef => line + 6 > QP_MAX_LINE,
                0xf0..=0xf4 => line + 9 > QP_MAX_LINE,
                _ => false,
            };
            if wrap {
                out.extend_from_slice(b"=\r\n");
                line = 3;
            }
            out.extend_from_slice(&[b'=', HEX[usize::from(c >> 4)], HEX[usize::from(c & 0xf)]]);
        } else {
            line += 1;
            if line > QP_MAX_LINE {
                out.extend_from_slice(b"=\r\n");
                line = 1;
            }
            out.push(c);
        }
    }
    Ok(Value::str(out))
}

fn quoted_printable_decode(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    // Decoding stops at a NUL byte, as php-src walks a C string.
    let s = &s[..s.iter().position(|&c| c == 0).unwrap_or(s.len())];
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'=' {
            out.push(s[i]);
            i += 1;
            continue;
        }
        if at(i + 1).is_ascii_hexdigit() && at(i + 2).is_ascii_hexdigit() {
            out.push(hex(at(i + 1)) << 4 | hex(at(i + 2)));
            i += 3;
            continue;
        }
        // A soft line break: `=`, optional blanks, then the end or a line break.
        let mut k = 1;
        while matches!(at(i + k), b' ' | b'\t') {
            k += 1;
        }
        match (at(i + k), at(i + k + 1)) {
            (0, _) => i += k,
            (b'\r', b'\n') => i += k + 2,
            (b'\r' | b'\n', _) => i += k + 1,
            _ => {
                out.push(s[i]);
                i += 1;
            }
        }
    }
    Ok(Value::str(out))
}

/// One uuencoded character: six bits as a printable byte, with 0 as a backquote.
fn uu_enc(c: u8) -> u8 {
    if c != 0 {
        (c & 0o77) + b' '
    } else {
        b'`'
    }
}

fn uu_dec(c: u8) -> u8 {
    c.wrapping_sub(b' ') & 0o77
}

fn convert_uuencode(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let src = args::str_at(a, 0);
    // php-src reads up to two bytes past the data (the NUL terminator and beyond): zeros.
    let at = |i: usize| src.get(i).copied().unwrap_or(0);
    let enc_c2 = |i: usize| uu_enc(((at(i) << 4) & 0o60) | ((at(i + 1) >> 4) & 0o17));
    let enc_c3 = |i: usize| uu_enc(((at(i + 1) << 2) & 0o74) | ((at(i + 2) >> 6) & 0o3));
    let e = src.len();
    let mut out = Vec::with_capacity(src.len() * 3 / 2 + 46);
    let (mut s, mut len) = (0usize, 45usize);
    while s + 3 < e {
        let mut ee = s + len;
        if ee > e {
            ee = e;
            len = ee - s;
            if len % 3 != 0 {
                ee = s + len / 3 * 3;
            }
        }
        out.push(uu_enc(len as u8));
        while s < ee {
            out.extend_from_slice(&[
                uu_enc(at(s) >> 2),
                enc_c2(s),
                enc_c3(s),
                uu_enc(at(s + 2) & 0o77),
            ]);
            s += 3;
        }
        if len == 45 {
            out.push(b'\n');
        }
    }
    if s < e {
        if len == 45 {
            out.push(uu_enc((e - s) as u8));
            len = 0;
        }
        out.push(uu_enc(at(s) >> 2));
        out.push(enc_c2(s));
        out.push(if e - s > 1 { enc_c3(s) } else { uu_enc(0) });
        out.push(if e - s > 2 {
            uu_enc(at(s + 2) & 0o77)
        } else {
            uu_enc(0)
        });
    }
    if len < 45 {
        out.push(b'\n');
    }
    out.extend_from_slice(&[uu_enc(0), b'\n']);
    Ok(Value::str(out))
}

/// `php_uudecode`: `None` for malformed input.
fn uudecode(src: &[u8]) -> Option<Vec<u8>> {
    if src.is_empty() {
        return None;
    }
    let at = |i: usize| src.get(i).copied().unwrap_or(0);
    let e = src.len();
    let mut out = Vec::with_capacity(src.len() * 3 / 4 + 3);
    let (mut s, mut total) = (0usize, 0usize);
    let mut len;
    while s < e {
        len = usize::from(uu_dec(src[s]));
        s += 1;
        if len == 0 {
            break;
        }
        if len > src.len() {
            return None;
        }
        total += len;
        let ee = s + if len == 45 { 60 } else { len * 133 / 100 };
        if ee > e {
            return None;
        }
        while s < ee {
            if s + 4 > e {
                return None;
            }
            out.push(uu_dec(at(s)) << 2 | uu_dec(at(s + 1)) >> 4);
            out.push(uu_dec(at(s + 1)) << 4 | uu_dec(at(s + 2)) >> 2);
            out.push(uu_dec(at(s + 2)) << 6 | uu_dec(at(s + 3)));
            s += 4;
        }
        if len < 45 {
            break;
        }
        // The line's newline.
        s += 1;
    }
    if total > out.len() {
        out.push(uu_dec(at(s)) << 2 | uu_dec(at(s + 1)) >> 4);
        if total > 1 {
            out.push(uu_dec(at(s + 1)) << 4 | uu_dec(at(s + 2)) >> 2);
            if total > 2 {
                out.push(uu_dec(at(s + 2)) << 6 | uu_dec(at(s + 3)));
            }
        }
    }
    out.resize(total, 0);
    Some(out)
}

fn convert_uudecode(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let src = args::str_at(a, 0);
    match uudecode(&src) {
        Some(out) => Ok(Value::str(out)),
        None => {
            host.raise(
                ErrorLevel::Warning,
                "convert_uudecode(): Argument #1 ($data) is not a valid uuencoded string",
            )?;
            Ok(Value::Bool(false))
        }
    }
}

fn utf8_encode(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    host.raise(
        ErrorLevel::Deprecated,
        "Function utf8_encode() is deprecated",
    )?;
    let s = args::str_at(a, 0);
    let mut out = Vec::with_capacity(s.len() * 2);
    for &c in s.iter() {
        if c < 0x80 {
            out.push(c);
        } else {
            out.push(0xc0 | (c >> 6));
            out.push(0x80 | (c & 0x3f));
        }
    }
    Ok(Value::str(out))
}

fn utf8_decode(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    host.raise(
        ErrorLevel::Deprecated,
        "Function utf8_decode() is deprecated",
    )?;
    let s = args::str_at(a, 0);
    let mut out = Vec::with_capacity(s.len());
    let mut pos = 0;
    while pos < s.len() {
        let (cp, len) = super::html::next_utf8(&s, pos);
        pos += len;
        // Latin-1 is Unicode's first 256 code points; anything else becomes `?`.
        out.push(match cp {
            Some(cp) if cp <= 0xff => cp as u8,
            _ => b'?',
        });
    }
    Ok(Value::str(out))
}
