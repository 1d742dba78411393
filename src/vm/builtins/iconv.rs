//! The `iconv` extension for UTF-8, ISO-8859-1 and ASCII: `iconv` (with `//IGNORE` and
//! `//TRANSLIT`), `iconv_strlen`, `iconv_substr`, `iconv_strpos`, `iconv_strrpos`.
//!
//! Unlike mbstring, iconv decodes strictly (glibc): an invalid or incomplete sequence, or a
//! character the target cannot hold, is a notice "Detected an illegal character in input
//! string" and the function returns false. `//TRANSLIT` approximates a character the
//! target lacks (glibc's tables for the common Latin letters, quotes, dashes and the euro
//! sign; `?` otherwise); `//IGNORE` drops it silently.
//! Encodings other than these three are refused with an error naming rhvm.

use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::host::Host;
use super::super::value::Value;
use super::args;
use super::mbstring::{lookup_encoding, Enc};
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "iconv",
        sig: "string $from_encoding, string $to_encoding, string $string",
        func: iconv,
    },
    BuiltinDef {
        name: "iconv_strlen",
        sig: "string $string, ?string $encoding = null",
        func: iconv_strlen,
    },
    BuiltinDef {
        name: "iconv_substr",
        sig: "string $string, int $offset, ?int $length = null, ?string $encoding = null",
        func: iconv_substr,
    },
    BuiltinDef {
        name: "iconv_strpos",
        sig: "string $haystack, string $needle, int $offset = 0, ?string $encoding = null",
        func: iconv_strpos,
    },
    BuiltinDef {
        name: "iconv_strrpos",
        sig: "string $haystack, string $needle, ?string $encoding = null",
        func: iconv_strrpos,
    },
];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("ICONV_IMPL", ConstVal::Str("glibc")),
    ("ICONV_VERSION", ConstVal::Str("2.36")),
    ("ICONV_MIME_DECODE_STRICT", ConstVal::Int(1)),
    ("ICONV_MIME_DECODE_CONTINUE_ON_ERROR", ConstVal::Int(2)),
];

/// An encoding argument: `Ok(None)` after PHP's warning for an unknown name.
fn charset(h: &mut dyn Host, func: &str, name: &[u8]) -> PhpResult<Option<Enc>> {
    match lookup_encoding(name) {
        Ok(e) => Ok(Some(e)),
        Err(true) => Err(Fault::error(
            "Error",
            format!(
                "{func}(): the charset \"{}\" is not implemented by rhvm (UTF-8, ISO-8859-1 and ASCII are)",
                String::from_utf8_lossy(name)
            ),
        )),
        Err(false) => {
            h.raise(
                ErrorLevel::Warning,
                &format!(
                    "{func}(): Wrong encoding, conversion from \"{}\" to \"UCS-4LE\" is not allowed",
                    String::from_utf8_lossy(name)
                ),
            )?;
            Ok(None)
        }
    }
}

fn charset_arg(h: &mut dyn Host, a: &[Value], i: usize, func: &str) -> PhpResult<Option<Enc>> {
    match args::opt(a, i) {
        None | Some(Value::Null) => Ok(Some(Enc::Utf8)),
        Some(_) => charset(h, func, &args::str_at(a, i)),
    }
}

fn illegal(h: &mut dyn Host, func: &str) -> PhpResult<Value> {
    h.raise(
        ErrorLevel::Notice,
        &format!("{func}(): Detected an illegal character in input string"),
    )?;
    Ok(Value::Bool(false))
}

/// Strict decoding: `None` at the first invalid or incomplete sequence.
fn decode_strict(s: &[u8], enc: Enc) -> Option<Vec<char>> {
    match enc {
        Enc::Utf8 => std::str::from_utf8(s).ok().map(|t| t.chars().collect()),
        Enc::Latin1 => Some(s.iter().map(|&b| char::from(b)).collect()),
        Enc::Ascii => s
            .is_ascii()
            .then(|| s.iter().map(|&b| char::from(b)).collect()),
    }
}

/// glibc's transliteration of a character the target lacks, for the common cases.
fn translit(c: char) -> Option<&'static str> {
    Some(match c {
        '€' => "EUR",
        '‘' | '’' | '‚' | '′' => "'",
        '“' | '”' | '„' | '″' => "\"",
        '–' | '—' | '‐' | '‑' | '‒' | '―' => "-",
        '…' => "...",
        '•' => "o",
        '™' => "(TM)",
        '©' => "(C)",
        '®' => "(R)",
        '«' => "<<",
        '»' => ">>",
        '×' => "x",
        '÷' => ":",
        'Æ' => "AE",
        'æ' => "ae",
        'Œ' => "OE",
        'œ' => "oe",
        'ß' => "ss",
        'Ø' => "O",
        'ø' => "o",
        'Ð' => "D",
        'ð' => "d",
        'Þ' => "TH",
        'þ' => "th",
        'Ł' => "L",
        'ł' => "l",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "C",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'Ď' => "D",
        'ď' => "d",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => "E",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "G",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' => "I",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'Ñ' | 'Ń' | 'Ņ' | 'Ň' => "N",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ō' | 'Ŏ' | 'Ő' => "O",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' | 'ŏ' | 'ő' => "o",
        'Ŕ' | 'Ŗ' | 'Ř' => "R",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'Ś' | 'Ŝ' | 'Ş' | 'Š' => "S",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'Ţ' | 'Ť' => "T",
        'ţ' | 'ť' => "t",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => "U",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'Ý' | 'Ÿ' => "Y",
        'ý' | 'ÿ' => "y",
        'Ź' | 'Ż' | 'Ž' => "Z",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

fn iconv(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let from_name = args::str_at(a, 0);
    let to_full = args::str_at(a, 1);
    // `//TRANSLIT` and `//IGNORE` suffixes (in any order, any case) on the target.
    let (to_name, flags) = match memchr::memmem::find(&to_full, b"//") {
        Some(p) => (&to_full[..p], to_full[p..].to_ascii_uppercase()),
        None => (&to_full[..], Vec::new()),
    };
    let translit_on = memchr::memmem::find(&flags, b"TRANSLIT").is_some();
    let ignore = memchr::memmem::find(&flags, b"IGNORE").is_some();
    let from = lookup_encoding(from_name.split(|&b| b == b'/').next().unwrap_or(b""));
    let to = lookup_encoding(to_name);
    let (from, to) = match (from, to) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(true), _) | (_, Err(true)) => {
            return Err(Fault::error(
                "Error",
                format!(
                    "iconv(): conversion from \"{}\" to \"{}\" is not implemented by rhvm (UTF-8, ISO-8859-1 and ASCII are)",
                    String::from_utf8_lossy(&from_name),
                    String::from_utf8_lossy(&to_full)
                ),
            ))
        }
        _ => {
            h.raise(
                ErrorLevel::Warning,
                &format!(
                    "iconv(): Wrong encoding, conversion from \"{}\" to \"{}\" is not allowed",
                    String::from_utf8_lossy(&from_name),
                    String::from_utf8_lossy(&to_full)
                ),
            )?;
            return Ok(Value::Bool(false));
        }
    };
    let s = args::str_at(a, 2);
    let Some(chars) = decode_strict(&s, from) else {
        return illegal(h, "iconv");
    };
    let limit = match to {
        Enc::Utf8 => u32::MAX,
        Enc::Latin1 => 0xFF,
        Enc::Ascii => 0x7F,
    };
    let mut out = Vec::with_capacity(s.len());
    let mut buf = [0u8; 4];
    for c in chars {
        if (c as u32) <= limit {
            match to {
                Enc::Utf8 => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
                _ => out.push(c as u32 as u8),
            }
        } else if translit_on {
            match translit(c) {
                Some(t) if t.bytes().all(|b| u32::from(b) <= limit) => {
                    out.extend_from_slice(t.as_bytes())
                }
                _ => out.push(b'?'),
            }
        } else if !ignore {
            return illegal(h, "iconv");
        }
    }
    Ok(Value::str(out))
}

fn iconv_strlen(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let Some(enc) = charset_arg(h, a, 1, "iconv_strlen")? else {
        return Ok(Value::Bool(false));
    };
    match decode_strict(&args::str_at(a, 0), enc) {
        Some(chars) => Ok(Value::Int(chars.len() as i64)),
        None => illegal(h, "iconv_strlen"),
    }
}

fn encode(chars: &[char], enc: Enc) -> Vec<u8> {
    match enc {
        Enc::Utf8 => chars.iter().collect::<String>().into_bytes(),
        _ => chars.iter().map(|&c| c as u32 as u8).collect(),
    }
}

fn iconv_substr(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let Some(enc) = charset_arg(h, a, 3, "iconv_substr")? else {
        return Ok(Value::Bool(false));
    };
    let Some(chars) = decode_strict(&args::str_at(a, 0), enc) else {
        return illegal(h, "iconv_substr");
    };
    let n = chars.len() as i64;
    let mut offset = args::int_or(a, 1, 0);
    let mut len = match args::opt(a, 2) {
        None | Some(Value::Null) => n,
        Some(_) => args::int_or(a, 2, 0),
    };
    if offset < 0 {
        offset = (n + offset).max(0);
    }
    if len < 0 {
        len = (n - offset + len).max(0);
    }
    if offset > n {
        return Ok(Value::str(""));
    }
    let end = offset.saturating_add(len).min(n);
    Ok(Value::str(encode(
        &chars[offset as usize..end.max(offset) as usize],
        enc,
    )))
}

fn iconv_strpos(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let Some(enc) = charset_arg(h, a, 3, "iconv_strpos")? else {
        return Ok(Value::Bool(false));
    };
    let needle = args::str_at(a, 1);
    if needle.is_empty() {
        return Err(Fault::value_error(
            "iconv_strpos(): Argument #2 ($needle) cannot be empty",
        ));
    }
    let (Some(hay), Some(nd)) = (
        decode_strict(&args::str_at(a, 0), enc),
        decode_strict(&needle, enc),
    ) else {
        return illegal(h, "iconv_strpos");
    };
    let mut offset = args::int_or(a, 2, 0);
    if offset < 0 {
        offset += hay.len() as i64;
    }
    if offset < 0 || offset > hay.len() as i64 {
        return Err(Fault::value_error(
            "iconv_strpos(): Argument #3 ($offset) must be contained in argument #1 ($haystack)",
        ));
    }
    let from = offset as usize;
    Ok(hay[from..]
        .windows(nd.len())
        .position(|w| w == nd.as_slice())
        .map(|p| Value::Int((from + p) as i64))
        .unwrap_or(Value::Bool(false)))
}

fn iconv_strrpos(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let Some(enc) = charset_arg(h, a, 2, "iconv_strrpos")? else {
        return Ok(Value::Bool(false));
    };
    let needle = args::str_at(a, 1);
    if needle.is_empty() {
        return Ok(Value::Bool(false));
    }
    let (Some(hay), Some(nd)) = (
        decode_strict(&args::str_at(a, 0), enc),
        decode_strict(&needle, enc),
    ) else {
        return illegal(h, "iconv_strrpos");
    };
    Ok(hay
        .windows(nd.len())
        .rposition(|w| w == nd.as_slice())
        .map(|p| Value::Int(p as i64))
        .unwrap_or(Value::Bool(false)))
}
