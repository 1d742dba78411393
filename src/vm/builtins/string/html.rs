//! HTML escaping: `htmlspecialchars`, `htmlspecialchars_decode`, `htmlentities`,
//! `html_entity_decode` and `get_html_translation_table`, with the `ENT_*` and `HTML_*`
//! constants.
//!
//! This follows php-src's `ext/standard/html.c`: the flags select the quotes to convert,
//! the document type (which entity names exist and which code points are allowed), and what
//! to do with invalid byte sequences (fail with an empty string, drop them, or substitute
//! U+FFFD). The character set decides how bytes are split into characters; besides UTF-8,
//! PHP's single-byte sets are mapped through tables generated from PHP, and the East Asian
//! multi-byte sets are only validated (PHP has no Unicode tables for them either). The
//! entity tables themselves live in `html_tables.rs`.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::OnceLock;

use super::super::super::array::{ArrayKey, PhpArray};
use super::super::super::error::{ErrorLevel, PhpResult};
use super::super::super::host::Host;
use super::super::super::value::{PhpStr, Value};
use super::super::args;
use super::super::{BuiltinDef, ConstVal};
use super::html_tables as tables;

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "htmlspecialchars",
        sig: "string $string, int $flags = ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML401, ?string $encoding = null, bool $double_encode = true",
        func: htmlspecialchars,
    },
    BuiltinDef {
        name: "htmlentities",
        sig: "string $string, int $flags = ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML401, ?string $encoding = null, bool $double_encode = true",
        func: htmlentities,
    },
    BuiltinDef {
        name: "htmlspecialchars_decode",
        sig: "string $string, int $flags = ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML401",
        func: htmlspecialchars_decode,
    },
    BuiltinDef {
        name: "html_entity_decode",
        sig: "string $string, int $flags = ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML401, ?string $encoding = null",
        func: html_entity_decode,
    },
    BuiltinDef {
        name: "get_html_translation_table",
        sig: "int $table = HTML_SPECIALCHARS, int $flags = ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML401, string $encoding = \"UTF-8\"",
        func: get_html_translation_table,
    },
];

const ENT_QUOTE_SINGLE: i64 = 1;
const ENT_QUOTE_DOUBLE: i64 = 2;
const ENT_IGNORE: i64 = 4;
const ENT_SUBSTITUTE: i64 = 8;
const ENT_DISALLOWED: i64 = 128;
/// PHP's default flags: `ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML401`.
const DEFAULT_FLAGS: i64 = 3 | ENT_SUBSTITUTE;

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("ENT_COMPAT", ConstVal::Int(2)),
    ("ENT_QUOTES", ConstVal::Int(3)),
    ("ENT_NOQUOTES", ConstVal::Int(0)),
    ("ENT_IGNORE", ConstVal::Int(ENT_IGNORE)),
    ("ENT_SUBSTITUTE", ConstVal::Int(ENT_SUBSTITUTE)),
    ("ENT_DISALLOWED", ConstVal::Int(ENT_DISALLOWED)),
    ("ENT_HTML401", ConstVal::Int(0)),
    ("ENT_XML1", ConstVal::Int(16)),
    ("ENT_XHTML", ConstVal::Int(32)),
    ("ENT_HTML5", ConstVal::Int(48)),
    ("HTML_SPECIALCHARS", ConstVal::Int(0)),
    ("HTML_ENTITIES", ConstVal::Int(1)),
];

/// The document type bits of the flags (`ENT_HTML401` .. `ENT_HTML5`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Doctype {
    Html401,
    Xml1,
    Xhtml,
    Html5,
}

impl Doctype {
    fn from_flags(flags: i64) -> Doctype {
        match flags & 48 {
            16 => Doctype::Xml1,
            32 => Doctype::Xhtml,
            48 => Doctype::Html5,
            _ => Doctype::Html401,
        }
    }
}

/// The character sets PHP's html functions know.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Charset {
    Utf8,
    Latin1,
    /// A single-byte set with a table for bytes 0x80..=0xFF.
    Single(&'static [u16; 128]),
    Big5,
    Big5Hkscs,
    Gb2312,
    Sjis,
    EucJp,
}

impl Charset {
    /// Whether PHP has a Unicode mapping for the set (the East Asian sets only get the
    /// basic entities).
    fn has_unicode(self) -> bool {
        matches!(self, Charset::Utf8 | Charset::Latin1 | Charset::Single(_))
    }
}

/// `determine_charset`: an empty or absent name means `default_charset` (UTF-8); an unknown
/// one warns and falls back to UTF-8.
fn charset(host: &mut dyn Host, arg: Option<&Value>, func: &str) -> PhpResult<Charset> {
    let name = match arg {
        Some(Value::Str(s)) if !s.is_empty() => s.clone(),
        _ => {
            // `default_charset` is read once per host and ini generation while it names
            // UTF-8 (any other set is resolved each time: an unknown one warns per call).
            thread_local! {
                static DEFAULT_IS_UTF8: Cell<Option<(usize, u64)>> = const { Cell::new(None) };
            }
            let key = (
                std::ptr::from_ref(host).cast::<()>() as usize,
                super::super::super::host::ini_generation(),
            );
            if DEFAULT_IS_UTF8.with(Cell::get) == Some(key) {
                return Ok(Charset::Utf8);
            }
            match host.ini_get(b"default_charset") {
                Some(s) if !s.is_empty() && !s.eq_ignore_ascii_case(b"utf-8") => s,
                _ => {
                    DEFAULT_IS_UTF8.with(|c| c.set(Some(key)));
                    return Ok(Charset::Utf8);
                }
            }
        }
    };
    // The common case without building a lower-case copy.
    if name.eq_ignore_ascii_case(b"utf-8") {
        return Ok(Charset::Utf8);
    }
    let lc = name.to_ascii_lowercase();
    let cs = match lc.as_slice() {
        b"iso-8859-1" | b"iso8859-1" => Charset::Latin1,
        b"iso-8859-15" | b"iso8859-15" => Charset::Single(&tables::ISO_8859_15),
        b"utf-8" => Charset::Utf8,
        b"cp1252" | b"windows-1252" | b"1252" => Charset::Single(&tables::CP1252),
        b"big5" | b"950" => Charset::Big5,
        b"gb2312" | b"936" => Charset::Gb2312,
        b"big5-hkscs" => Charset::Big5Hkscs,
        b"shift_jis" | b"sjis" | b"932" | b"sjis-win" | b"cp932" => Charset::Sjis,
        b"eucjp" | b"euc-jp" | b"eucjp-win" => Charset::EucJp,
        b"koi8-r" | b"koi8-ru" | b"koi8r" => Charset::Single(&tables::KOI8_R),
        b"cp1251" | b"windows-1251" | b"win-1251" => Charset::Single(&tables::CP1251),
        b"iso8859-5" | b"iso-8859-5" => Charset::Single(&tables::ISO_8859_5),
        b"cp866" | b"866" | b"ibm866" => Charset::Single(&tables::CP866),
        b"macroman" => Charset::Single(&tables::MAC_ROMAN),
        _ => {
            host.raise(
                ErrorLevel::Warning,
                &format!(
                    "{func}(): Charset \"{}\" is not supported, assuming UTF-8",
                    name.to_string_lossy()
                ),
            )?;
            Charset::Utf8
        }
    };
    Ok(cs)
}

/// One character read by `next_char`: its code (a code point for Unicode-compatible
/// sets, the raw multi-byte value otherwise) and its byte length, or the number of bytes
/// of an invalid sequence.
enum Next {
    Char(u32, usize),
    Invalid(usize),
}

fn utf8_lead(c: u8) -> bool {
    c < 0x80 || (0xC2..=0xF4).contains(&c)
}
fn utf8_trail(c: u8) -> bool {
    (0x80..=0xBF).contains(&c)
}

/// `get_next_char`: decodes the character at `s[pos..]`, with PHP's rules for how many
/// bytes an invalid sequence spans (which decides how many U+FFFD `ENT_SUBSTITUTE` emits).
fn next_char(cs: Charset, s: &[u8], pos: usize) -> Next {
    let c = s[pos];
    let avail = s.len() - pos;
    let at = |i: usize| s.get(pos + i).copied();
    match cs {
        Charset::Utf8 => {
            if c < 0x80 {
                Next::Char(u32::from(c), 1)
            } else if c < 0xC2 {
                Next::Invalid(1)
            } else if c < 0xE0 {
                if avail < 2 || utf8_lead(s[pos + 1]) {
                    return Next::Invalid(1);
                }
                if !utf8_trail(s[pos + 1]) {
                    return Next::Invalid(2);
                }
                Next::Char(u32::from(c & 0x1F) << 6 | u32::from(s[pos + 1] & 0x3F), 2)
            } else if c < 0xF0 {
                if avail < 3 || !utf8_trail(s[pos + 1]) || !utf8_trail(s[pos + 2]) {
                    if avail < 2 || utf8_lead(s[pos + 1]) {
                        return Next::Invalid(1);
                    } else if avail < 3 || utf8_lead(s[pos + 2]) {
                        return Next::Invalid(2);
                    }
                    return Next::Invalid(3);
                }
                let cp = u32::from(c & 0x0F) << 12
                    | u32::from(s[pos + 1] & 0x3F) << 6
                    | u32::from(s[pos + 2] & 0x3F);
                if cp < 0x800 || (0xD800..=0xDFFF).contains(&cp) {
                    return Next::Invalid(3);
                }
                Next::Char(cp, 3)
            } else if c < 0xF5 {
                if avail < 4
                    || !utf8_trail(s[pos + 1])
                    || !utf8_trail(s[pos + 2])
                    || !utf8_trail(s[pos + 3])
                {
                    if avail < 2 || utf8_lead(s[pos + 1]) {
                        return Next::Invalid(1);
                    } else if avail < 3 || utf8_lead(s[pos + 2]) {
                        return Next::Invalid(2);
                    } else if avail < 4 || utf8_lead(s[pos + 3]) {
                        return Next::Invalid(3);
                    }
                    return Next::Invalid(4);
                }
                let cp = u32::from(c & 0x07) << 18
                    | u32::from(s[pos + 1] & 0x3F) << 12
                    | u32::from(s[pos + 2] & 0x3F) << 6
                    | u32::from(s[pos + 3] & 0x3F);
                if !(0x10000..=0x10FFFF).contains(&cp) {
                    return Next::Invalid(4);
                }
                Next::Char(cp, 4)
            } else {
                Next::Invalid(1)
            }
        }
        Charset::Latin1 | Charset::Single(_) => Next::Char(u32::from(c), 1),
        Charset::Big5 | Charset::Big5Hkscs => {
            if !(0x81..=0xFE).contains(&c) {
                return Next::Char(u32::from(c), 1);
            }
            let Some(next) = at(1) else {
                return Next::Invalid(1);
            };
            if (0x40..=0x7E).contains(&next) || (0xA1..=0xFE).contains(&next) {
                Next::Char(u32::from(c) << 8 | u32::from(next), 2)
            } else if cs == Charset::Big5Hkscs && (next == 0x80 || next == 0xFF) {
                Next::Invalid(2)
            } else {
                Next::Invalid(1)
            }
        }
        Charset::Gb2312 => {
            let lead = |b: u8| b != 0x8E && b != 0x8F && b != 0xA0 && b != 0xFF;
            if (0xA1..=0xFE).contains(&c) {
                let Some(next) = at(1) else {
                    return Next::Invalid(1);
                };
                if (0xA1..=0xFE).contains(&next) {
                    Next::Char(u32::from(c) << 8 | u32::from(next), 2)
                } else if lead(next) {
                    Next::Invalid(1)
                } else {
                    Next::Invalid(2)
                }
            } else if lead(c) {
                Next::Char(u32::from(c), 1)
            } else {
                Next::Invalid(1)
            }
        }
        Charset::Sjis => {
            if (0x81..=0x9F).contains(&c) || (0xE0..=0xFC).contains(&c) {
                let Some(next) = at(1) else {
                    return Next::Invalid(1);
                };
                if next >= 0x40 && next != 0x7F && next < 0xFD {
                    Next::Char(u32::from(c) << 8 | u32::from(next), 2)
                } else if next != 0x80 && next != 0xA0 && next < 0xFD {
                    Next::Invalid(1)
                } else {
                    Next::Invalid(2)
                }
            } else if c < 0x80 || (0xA1..=0xDF).contains(&c) {
                Next::Char(u32::from(c), 1)
            } else {
                Next::Invalid(1)
            }
        }
        Charset::EucJp => {
            let kanji = |b: u8| (0xA1..=0xFE).contains(&b);
            let bad = |b: u8| b == 0xA0 || b == 0xFF;
            if kanji(c) || c == 0x8E {
                let Some(next) = at(1) else {
                    return Next::Invalid(1);
                };
                let ok = if c == 0x8E {
                    (0xA1..=0xDF).contains(&next)
                } else {
                    kanji(next)
                };
                if ok {
                    Next::Char(u32::from(c) << 8 | u32::from(next), 2)
                } else if bad(next) {
                    Next::Invalid(2)
                } else {
                    Next::Invalid(1)
                }
            } else if c == 0x8F {
                match (at(1), at(2)) {
                    (Some(b1), Some(b2)) if kanji(b1) && kanji(b2) => {
                        Next::Char(u32::from(c) << 16 | u32::from(b1) << 8 | u32::from(b2), 3)
                    }
                    (Some(b1), b2) if bad(b1) => match b2 {
                        Some(b2) if bad(b2) => Next::Invalid(3),
                        _ => Next::Invalid(2),
                    },
                    _ => Next::Invalid(1),
                }
            } else if !bad(c) {
                Next::Char(u32::from(c), 1)
            } else {
                Next::Invalid(1)
            }
        }
    }
}

/// Whether a single-byte set is PHP's MacRoman, whose table leaves the ASCII control
/// characters unmapped.
/// `php_next_utf8_char`: the code point at `s[pos..]` and the bytes it spans, or `None`
/// and the length of the invalid sequence (PHP's rule, shared with `htmlspecialchars`).
pub(super) fn next_utf8(s: &[u8], pos: usize) -> (Option<u32>, usize) {
    match next_char(Charset::Utf8, s, pos) {
        Next::Char(cp, len) => (Some(cp), len),
        Next::Invalid(len) => (None, len),
    }
}

fn is_mac_roman(cs: Charset) -> bool {
    matches!(cs, Charset::Single(t) if std::ptr::eq(t, &tables::MAC_ROMAN))
}

/// A single-byte set's byte as a code point (0xFFFF when unmapped).
fn to_unicode(cs: Charset, c: u32) -> u32 {
    if is_mac_roman(cs) && (c < 0x20 || c == 0x7F) {
        return 0xFFFF;
    }
    match cs {
        Charset::Single(table) if c >= 0x80 => u32::from(table[(c - 0x80) as usize]),
        _ => c,
    }
}

/// `map_from_unicode`: a code point as a byte of the set, `None` when it has none.
fn from_unicode(cs: Charset, cp: u32) -> Option<u32> {
    match cs {
        Charset::Utf8 => Some(cp),
        Charset::Latin1 => (cp <= 0xFF).then_some(cp),
        Charset::Single(_) if is_mac_roman(cs) && (cp < 0x20 || cp == 0x7F) => None,
        Charset::Single(table) => {
            if cp < 0x80 {
                Some(cp)
            } else {
                table
                    .iter()
                    .position(|&u| u32::from(u) == cp)
                    .map(|i| i as u32 + 0x80)
            }
        }
        // No tables: only ASCII round-trips (`map_from_unicode` accepts < 0x80 only... for
        // SJIS except the yen and overline positions, which PHP also excludes).
        Charset::Sjis => (cp < 0x80 && cp != 0x5C && cp != 0x7E).then_some(cp),
        _ => (cp < 0x80).then_some(cp),
    }
}

/// `unicode_cp_is_allowed`: whether a character may appear in a document of this type.
fn cp_allowed(cp: u32, doctype: Doctype) -> bool {
    let nonchar_ok = |cp: u32| (cp & 0xFFFF) < 0xFFFE && !(0xFDD0..=0xFDEF).contains(&cp);
    match doctype {
        Doctype::Html401 => {
            (0x20..=0x7E).contains(&cp)
                || cp == 0x0A
                || cp == 0x09
                || cp == 0x0D
                || (0xA0..=0xD7FF).contains(&cp)
                || (0xE000..=0x10FFFF).contains(&cp)
        }
        Doctype::Html5 => {
            (0x20..=0x7E).contains(&cp)
                || ((0x09..=0x0D).contains(&cp) && cp != 0x0B)
                || (0xA0..=0xD7FF).contains(&cp)
                || ((0xE000..=0x10FFFF).contains(&cp) && nonchar_ok(cp))
        }
        Doctype::Xhtml | Doctype::Xml1 => {
            (0x20..=0xD7FF).contains(&cp)
                || cp == 0x0A
                || cp == 0x09
                || cp == 0x0D
                || ((0xE000..=0x10FFFF).contains(&cp) && cp != 0xFFFE && cp != 0xFFFF)
        }
    }
}

/// `numeric_entity_is_allowed`: which `&#N;` survive `double_encode = false` with
/// `ENT_DISALLOWED`.
fn numeric_entity_allowed(cp: u32, doctype: Doctype) -> bool {
    match doctype {
        Doctype::Html401 => cp <= 0x10FFFF,
        Doctype::Html5 => {
            // The surrogates are also fine as numeric references in HTML5's rules as PHP
            // implements them; only controls and the noncharacters are excluded.
            (cp_allowed(cp, doctype) && cp != 0x0D) || (0xD800..=0xDFFF).contains(&cp)
        }
        Doctype::Xhtml | Doctype::Xml1 => cp_allowed(cp, doctype),
    }
}

/// Appends code point `cp` in the charset's encoding (`write_octet_sequence`).
fn write_char(out: &mut Vec<u8>, cs: Charset, cp: u32) {
    match cs {
        Charset::Utf8 => {
            let mut buf = [0u8; 4];
            match char::from_u32(cp) {
                Some(ch) => out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes()),
                None => {
                    // A surrogate from a numeric entity: PHP writes its three-byte form.
                    out.push(0xE0 | (cp >> 12) as u8);
                    out.push(0x80 | ((cp >> 6) & 0x3F) as u8);
                    out.push(0x80 | (cp & 0x3F) as u8);
                }
            }
        }
        _ => out.push(cp as u8),
    }
}

/// The entity for a basic special character, or `None`.
fn basic_entity(c: u32, doctype: Doctype) -> Option<&'static str> {
    Some(match c {
        0x22 => "&quot;",
        0x26 => "&amp;",
        0x27 if doctype == Doctype::Html401 => "&#039;",
        0x27 => "&apos;",
        0x3C => "&lt;",
        0x3E => "&gt;",
        _ => return None,
    })
}

/// The `htmlentities` map for a doctype: (character sequence -> entity), built once.
fn encode_map(doctype: Doctype) -> &'static HashMap<&'static str, &'static str> {
    static HTML401: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    static HTML5: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    let (cell, table) = match doctype {
        Doctype::Html5 => (&HTML5, tables::ENCODE_HTML5),
        _ => (&HTML401, tables::ENCODE_HTML401),
    };
    cell.get_or_init(|| table.iter().copied().collect())
}

/// Whether `name` (without `&` and `;`) is an entity of the doctype, and what it decodes
/// to. `all` is false for `htmlspecialchars_decode`, which knows only the basic ones.
fn resolve_entity(name: &[u8], doctype: Doctype, all: bool) -> Option<&'static str> {
    let basic = |name: &[u8]| -> Option<&'static str> {
        Some(match name {
            b"quot" => "\"",
            b"amp" => "&",
            b"lt" => "<",
            b"gt" => ">",
            b"apos" if doctype != Doctype::Html401 => "'",
            _ => return None,
        })
    };
    if !all || doctype == Doctype::Xml1 {
        return basic(name);
    }
    match doctype {
        Doctype::Html5 => {
            let name = std::str::from_utf8(name).ok()?;
            tables::DECODE_HTML5
                .binary_search_by(|(n, _)| n.cmp(&name))
                .ok()
                .map(|i| tables::DECODE_HTML5[i].1)
        }
        _ => {
            static HTML401: OnceLock<HashMap<&'static [u8], &'static str>> = OnceLock::new();
            let map = HTML401.get_or_init(|| {
                tables::ENCODE_HTML401
                    .iter()
                    .filter(|(_, e)| !e.starts_with("&#"))
                    .map(|(ch, e)| (&e.as_bytes()[1..e.len() - 1], *ch))
                    .collect()
            });
            map.get(name)
                .copied()
                .or_else(|| (doctype == Doctype::Xhtml && name == b"apos").then_some("'"))
        }
    }
}

/// `process_numeric_entity`: parses `#123;`/`#x7B;` at `s[pos..]` (just after `&#`),
/// returning the code point and the index of the `;`.
fn numeric_entity(s: &[u8], mut pos: usize) -> Result<(u32, usize), usize> {
    let hex = matches!(s.get(pos), Some(b'x' | b'X'));
    if hex {
        pos += 1;
    }
    let radix = if hex { 16 } else { 10 };
    let start = pos;
    let mut code: u64 = 0;
    while let Some(d) = s.get(pos).and_then(|&c| (c as char).to_digit(radix)) {
        code = (code * u64::from(radix) + u64::from(d)).min(u64::from(u32::MAX));
        pos += 1;
    }
    if pos == start || s.get(pos) != Some(&b';') || code > 0x10FFFF {
        return Err(pos);
    }
    Ok((code as u32, pos))
}

/// `process_named_entity_html`: an alphanumeric name followed by `;` at `s[pos..]`,
/// returning the index of the `;`.
fn named_entity(s: &[u8], mut pos: usize) -> Result<usize, usize> {
    let start = pos;
    while pos < s.len() && s[pos].is_ascii_alphanumeric() {
        pos += 1;
    }
    if pos == start || s.get(pos) != Some(&b';') {
        return Err(pos);
    }
    Ok(pos)
}

/// `php_escape_html_entities_ex`: the body of `htmlspecialchars` (`all` = false) and
/// `htmlentities` (`all` = true).
fn escape(host: &mut dyn Host, a: &[Value], all: bool, func: &str) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let flags = args::int_or(a, 1, DEFAULT_FLAGS);
    let cs = charset(host, args::opt(a, 2), func)?;
    let double_encode = args::bool_or(a, 3, true);
    let doctype = Doctype::from_flags(flags);
    let mut all = all;
    if all && !cs.has_unicode() {
        host.raise(
            ErrorLevel::Notice,
            &format!("{func}(): Only basic entities substitution is supported for multi-byte encodings other than UTF-8; functionality is equivalent to htmlspecialchars"),
        )?;
        all = false;
    }
    if doctype == Doctype::Xml1 {
        all = false;
    }
    let replacement: &[u8] = if cs == Charset::Utf8 {
        "\u{FFFD}".as_bytes()
    } else {
        b"&#xFFFD;"
    };
    // `htmlspecialchars` in UTF-8 without ENT_DISALLOWED copies every ASCII byte but the
    // five special ones as it is: copy such runs at once.
    let ascii_runs = !all && cs == Charset::Utf8 && flags & ENT_DISALLOWED == 0;
    let plain = |b: u8| b < 0x80 && !matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'');
    if ascii_runs && s.iter().all(|&b| plain(b)) {
        // Nothing to escape: the result is the subject itself (shared, not copied).
        return Ok(Value::Str(s));
    }
    // Built in place as the result's own block.
    let mut result = PhpStr::with_capacity(s.len() + s.len() / 8);
    let out = result.make_mut();
    let mut pos = 0;
    while pos < s.len() {
        if ascii_runs && plain(s[pos]) {
            let start = pos;
            while pos < s.len() && plain(s[pos]) {
                pos += 1;
            }
            out.extend_from_slice(&s[start..pos]);
            continue;
        }
        let (c, len) = match next_char(cs, &s, pos) {
            Next::Char(c, len) => (c, len),
            Next::Invalid(len) => {
                pos += len;
                if flags & ENT_IGNORE != 0 {
                    continue;
                } else if flags & ENT_SUBSTITUTE != 0 {
                    out.extend_from_slice(replacement);
                    continue;
                }
                return Ok(Value::str(""));
            }
        };
        let seq = &s[pos..pos + len];
        pos += len;
        if c == u32::from(b'&') {
            if !double_encode {
                if let Some(end) = valid_entity_at(&s, pos, flags, doctype) {
                    out.push(b'&');
                    out.extend_from_slice(&s[pos..=end]);
                    pos = end + 1;
                    continue;
                }
            }
            out.extend_from_slice(b"&amp;");
            continue;
        }
        if (c == 0x27 && flags & ENT_QUOTE_SINGLE == 0)
            || (c == 0x22 && flags & ENT_QUOTE_DOUBLE == 0)
        {
            out.extend_from_slice(seq);
            continue;
        }
        let rep: Option<&str> = if all {
            let cp = to_unicode(cs, c);
            if cp == 0xFFFF {
                out.extend_from_slice(seq);
                continue;
            }
            find_entity(cs, cp, &s, &mut pos, doctype)
        } else {
            basic_entity(c, doctype)
        };
        if let Some(rep) = rep {
            out.extend_from_slice(rep.as_bytes());
            continue;
        }
        if flags & ENT_DISALLOWED != 0 {
            // PHP maps single-byte sets to Unicode here only for `htmlentities`; without
            // the mapping it assumes just that bytes up to 0x7D are ASCII.
            let disallowed = if matches!(cs, Charset::Utf8 | Charset::Latin1) {
                !cp_allowed(c, doctype)
            } else if all {
                !cp_allowed(to_unicode(cs, c), doctype)
            } else {
                c <= 0x7D && !cp_allowed(c, doctype)
            };
            if disallowed {
                out.extend_from_slice(replacement);
                continue;
            }
        }
        out.extend_from_slice(seq);
    }
    Ok(Value::Str(result))
}

/// For `double_encode = false`: the index of the `;` ending a valid entity that starts at
/// `s[pos..]` (just after `&`), or `None` when the `&` must be encoded.
fn valid_entity_at(s: &[u8], pos: usize, flags: i64, doctype: Doctype) -> Option<usize> {
    if s.get(pos) == Some(&b'#') {
        let (code, end) = numeric_entity(s, pos + 1).ok()?;
        if flags & ENT_DISALLOWED != 0 && !numeric_entity_allowed(code, doctype) {
            return None;
        }
        Some(end)
    } else {
        let end = named_entity(s, pos).ok()?;
        resolve_entity(&s[pos..end], doctype, true)?;
        Some(end)
    }
}

/// `find_entity_for_char`: the named entity for code point `cp`, trying the two-character
/// HTML5 entities first (e.g. U+2242 U+0338 `&NotEqualTilde;`) and advancing `pos` past
/// the second character when one matches.
fn find_entity(
    cs: Charset,
    cp: u32,
    s: &[u8],
    pos: &mut usize,
    doctype: Doctype,
) -> Option<&'static str> {
    let map = encode_map(doctype);
    let ch = char::from_u32(cp)?;
    let mut buf = [0u8; 8];
    let first_len = ch.encode_utf8(&mut buf).len();
    if doctype == Doctype::Html5 && cs == Charset::Utf8 && *pos < s.len() {
        if let Next::Char(next, len) = next_char(cs, s, *pos) {
            if let Some(next_ch) = char::from_u32(next) {
                let both_len = first_len + next_ch.encode_utf8(&mut buf[first_len..]).len();
                let both = std::str::from_utf8(&buf[..both_len]).ok()?;
                if let Some(e) = map.get(both) {
                    *pos += len;
                    return Some(e);
                }
            }
        }
    }
    let one = std::str::from_utf8(&buf[..first_len]).ok()?;
    map.get(one).copied()
}

fn htmlspecialchars(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    escape(host, a, false, "htmlspecialchars")
}

fn htmlentities(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    escape(host, a, true, "htmlentities")
}

/// `traverse_for_entities`: the body of `html_entity_decode` (`all`) and
/// `htmlspecialchars_decode`.
fn unescape(s: &[u8], flags: i64, cs: Charset, all: bool) -> Vec<u8> {
    let doctype = Doctype::from_flags(flags);
    let mut out = Vec::with_capacity(s.len());
    let mut p = 0;
    while p < s.len() {
        // PHP needs at least three bytes after the `&` ("&a;" at the very end stays).
        if s[p] != b'&' || p + 3 >= s.len() {
            out.push(s[p]);
            p += 1;
            continue;
        }
        let mut next = p + 1;
        let decoded: Result<(u32, Option<&str>), usize> = if s[next] == b'#' {
            next += 1;
            match numeric_entity(s, next) {
                Ok((code, end)) => {
                    next = end;
                    let basic_ok = all || basic_entity(code, Doctype::Xhtml).is_some();
                    if !basic_ok
                        || !cp_allowed(code, doctype)
                        || (doctype == Doctype::Html5 && code == 0x0D)
                    {
                        Err(next)
                    } else {
                        Ok((code, None))
                    }
                }
                Err(at) => Err(at),
            }
        } else {
            match named_entity(s, next) {
                Ok(end) => match resolve_entity(&s[next..end], doctype, all) {
                    Some(text) => {
                        next = end;
                        let first = text.chars().next().map_or(0, u32::from);
                        Ok((first, Some(text)))
                    }
                    None => Err(end),
                },
                Err(at) => Err(at),
            }
        };
        let ok = match decoded {
            Ok((code, text)) => {
                let quote_blocked = (code == 0x27 && flags & ENT_QUOTE_SINGLE == 0)
                    || (code == 0x22 && flags & ENT_QUOTE_DOUBLE == 0);
                if quote_blocked {
                    None
                } else if cs == Charset::Utf8 {
                    Some(match text {
                        Some(t) => t.as_bytes().to_vec(),
                        None => {
                            let mut v = Vec::new();
                            write_char(&mut v, cs, code);
                            v
                        }
                    })
                } else {
                    // Other sets need a mapping, and two-character entities have none.
                    let single = text.is_none_or(|t| t.chars().count() == 1);
                    match from_unicode(cs, code) {
                        Some(b) if single => Some(vec![b as u8]),
                        _ => None,
                    }
                }
            }
            Err(at) => {
                next = at;
                None
            }
        };
        match ok {
            Some(bytes) => {
                out.extend_from_slice(&bytes);
                p = next + 1;
            }
            None => {
                out.extend_from_slice(&s[p..next.min(s.len())]);
                p = next;
            }
        }
    }
    out
}

fn htmlspecialchars_decode(_host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let flags = args::int_or(a, 1, DEFAULT_FLAGS);
    Ok(Value::str(unescape(&s, flags, Charset::Utf8, false)))
}

fn html_entity_decode(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let flags = args::int_or(a, 1, DEFAULT_FLAGS);
    let cs = charset(host, args::opt(a, 2), "html_entity_decode")?;
    if !s.contains(&b'&') {
        return Ok(Value::Str(s));
    }
    Ok(Value::str(unescape(&s, flags, cs, true)))
}

fn get_html_translation_table(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let all = args::int_or(a, 0, 0) == 1;
    let flags = args::int_or(a, 1, DEFAULT_FLAGS);
    let cs = match args::opt(a, 2) {
        Some(v) => charset(host, Some(v), "get_html_translation_table")?,
        None => Charset::Utf8,
    };
    let doctype = Doctype::from_flags(flags);
    let keep = |ch: &str| match ch {
        "'" => flags & ENT_QUOTE_SINGLE != 0,
        "\"" => flags & ENT_QUOTE_DOUBLE != 0,
        _ => true,
    };
    let mut out = PhpArray::new();
    let full = all && doctype != Doctype::Xml1 && cs.has_unicode();
    if !full {
        for ch in ["\"", "&", "'", "<", ">"] {
            if keep(ch) {
                let c = u32::from(ch.as_bytes()[0]);
                out.insert(
                    ArrayKey::from_bytes(ch.as_bytes()),
                    Value::str(basic_entity(c, doctype).unwrap_or_default()),
                );
            }
        }
        return Ok(Value::array(out));
    }
    let table = if doctype == Doctype::Html5 {
        tables::ENCODE_HTML5
    } else {
        tables::ENCODE_HTML401
    };
    if cs == Charset::Utf8 {
        for &(ch, ent) in table.iter().filter(|(ch, _)| keep(ch)) {
            out.insert(ArrayKey::from_bytes(ch.as_bytes()), Value::str(ent));
        }
        return Ok(Value::array(out));
    }
    // Other sets list the characters they can represent, as bytes of the set, in byte
    // order.
    let mut bytes: Vec<(u8, &str)> = Vec::new();
    for &(ch, ent) in table.iter().filter(|(ch, _)| keep(ch)) {
        let mut chars = ch.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            continue;
        };
        if let Some(b) = from_unicode(cs, u32::from(c)) {
            bytes.push((b as u8, ent));
        }
    }
    bytes.sort_by_key(|&(b, _)| b);
    for (b, ent) in bytes {
        out.insert(ArrayKey::from_bytes(&[b]), Value::str(ent));
    }
    Ok(Value::array(out))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn generated_cases() {
        // See cases/html.cases.php for the inputs; the expectations come from PHP 8.2.
        check(include!("cases/html.rs"));
    }
}
