//! The `mbstring` extension, for the encodings sites and libraries use: UTF-8, ISO-8859-1
//! (Latin-1) and ASCII. `mb_strlen`, `mb_substr`, `mb_strpos` and friends, case mapping
//! (`mb_strtolower`/`upper`/`mb_convert_case`), `mb_str_split`, `mb_substr_count`,
//! `mb_strwidth`, `mb_strcut`, `mb_ord`/`mb_chr`, `mb_check_encoding`,
//! `mb_convert_encoding`, `mb_decode_numericentity`, `mb_internal_encoding`.
//!
//! PHP 8.2's libmbfl measures and slices UTF-8 by the lead byte of each character (its
//! `mblen` table) without validating, so invalid bytes pass through `mb_substr` untouched
//! and count as one character each; functions that decode (case mapping, conversion)
//! replace each maximal invalid subsequence by `?`, as mbfl's UTF-8 decoder does. Case
//! mapping is Unicode's full mapping (`ß` upper-cases to `SS`) without the conditional
//! final-sigma rule, which PHP only gained in 8.3. Any other encoding PHP knows is refused
//! with an error naming rhvm (never a silent wrong answer); unknown names get PHP's
//! `ValueError`.

use super::super::array::PhpArray;
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::host::Host;
use super::super::value::{PhpStr, Value};
use super::args;
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "mb_strlen",
        sig: "string $string, ?string $encoding = null",
        func: mb_strlen,
    },
    BuiltinDef {
        name: "mb_substr",
        sig: "string $string, int $start, ?int $length = null, ?string $encoding = null",
        func: mb_substr,
    },
    BuiltinDef {
        name: "mb_strcut",
        sig: "string $string, int $start, ?int $length = null, ?string $encoding = null",
        func: mb_strcut,
    },
    BuiltinDef {
        name: "mb_strpos",
        sig: "string $haystack, string $needle, int $offset = 0, ?string $encoding = null",
        func: mb_strpos,
    },
    BuiltinDef {
        name: "mb_stripos",
        sig: "string $haystack, string $needle, int $offset = 0, ?string $encoding = null",
        func: mb_stripos,
    },
    BuiltinDef {
        name: "mb_strrpos",
        sig: "string $haystack, string $needle, int $offset = 0, ?string $encoding = null",
        func: mb_strrpos,
    },
    BuiltinDef {
        name: "mb_strripos",
        sig: "string $haystack, string $needle, int $offset = 0, ?string $encoding = null",
        func: mb_strripos,
    },
    BuiltinDef {
        name: "mb_substr_count",
        sig: "string $haystack, string $needle, ?string $encoding = null",
        func: mb_substr_count,
    },
    BuiltinDef {
        name: "mb_strtolower",
        sig: "string $string, ?string $encoding = null",
        func: mb_strtolower,
    },
    BuiltinDef {
        name: "mb_strtoupper",
        sig: "string $string, ?string $encoding = null",
        func: mb_strtoupper,
    },
    BuiltinDef {
        name: "mb_convert_case",
        sig: "string $string, int $mode, ?string $encoding = null",
        func: mb_convert_case,
    },
    BuiltinDef {
        name: "mb_str_split",
        sig: "string $string, int $length = 1, ?string $encoding = null",
        func: mb_str_split,
    },
    BuiltinDef {
        name: "mb_strwidth",
        sig: "string $string, ?string $encoding = null",
        func: mb_strwidth,
    },
    BuiltinDef {
        name: "mb_internal_encoding",
        sig: "?string $encoding = null",
        func: mb_internal_encoding,
    },
    BuiltinDef {
        name: "mb_check_encoding",
        sig: "array|string|null $value = null, ?string $encoding = null",
        func: mb_check_encoding,
    },
    BuiltinDef {
        name: "mb_convert_encoding",
        sig: "array|string $string, string $to_encoding, array|string|null $from_encoding = null",
        func: mb_convert_encoding,
    },
    BuiltinDef {
        name: "mb_ord",
        sig: "string $string, ?string $encoding = null",
        func: mb_ord,
    },
    BuiltinDef {
        name: "mb_chr",
        sig: "int $codepoint, ?string $encoding = null",
        func: mb_chr,
    },
    BuiltinDef {
        name: "mb_decode_numericentity",
        sig: "string $string, array $map, ?string $encoding = null",
        func: mb_decode_numericentity,
    },
];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("MB_CASE_UPPER", ConstVal::Int(0)),
    ("MB_CASE_LOWER", ConstVal::Int(1)),
    ("MB_CASE_TITLE", ConstVal::Int(2)),
    ("MB_CASE_FOLD", ConstVal::Int(3)),
    ("MB_CASE_UPPER_SIMPLE", ConstVal::Int(4)),
    ("MB_CASE_LOWER_SIMPLE", ConstVal::Int(5)),
    ("MB_CASE_TITLE_SIMPLE", ConstVal::Int(6)),
    ("MB_CASE_FOLD_SIMPLE", ConstVal::Int(7)),
    ("MB_ONIGURUMA_VERSION", ConstVal::Str("6.9.8")),
];

/// The ini key under which `mb_internal_encoding(X)` keeps its choice for the request
/// (empty: the default, UTF-8).
const INTERNAL_KEY: &[u8] = b"mbstring.internal_encoding";

/// An encoding this module implements.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Enc {
    Utf8,
    Latin1,
    Ascii,
}

impl Enc {
    /// The canonical (mbstring) name.
    pub fn name(self) -> &'static str {
        match self {
            Enc::Utf8 => "UTF-8",
            Enc::Latin1 => "ISO-8859-1",
            Enc::Ascii => "ASCII",
        }
    }
}

/// Names of encodings PHP's mbstring knows but rhvm does not implement (lower case).
const KNOWN_UNSUPPORTED: &[&str] = &[
    "utf-16",
    "utf-16be",
    "utf-16le",
    "utf-32",
    "utf-32be",
    "utf-32le",
    "ucs-2",
    "ucs-2be",
    "ucs-2le",
    "ucs-4",
    "utf-7",
    "utf7-imap",
    "html-entities",
    "html",
    "base64",
    "uuencode",
    "quoted-printable",
    "7bit",
    "8bit",
    "euc-jp",
    "sjis",
    "shift_jis",
    "cp932",
    "iso-2022-jp",
    "jis",
    "euc-kr",
    "euc-cn",
    "big-5",
    "big5",
    "gb18030",
    "cp936",
    "iso-8859-2",
    "iso-8859-15",
    "windows-1252",
    "cp1252",
    "windows-1251",
    "cp1251",
    "koi8-r",
    "cp866",
    "auto",
    "pass",
    "wchar",
    "byte2be",
    "byte2le",
    "byte4be",
    "byte4le",
];

/// Looks an encoding name up (case-insensitively, with PHP's common aliases).
pub fn lookup_encoding(name: &[u8]) -> Result<Enc, bool> {
    // Compared in place: this runs on every call that names its encoding.
    const NAMES: &[(&[u8], Enc)] = &[
        (b"utf-8", Enc::Utf8),
        (b"utf8", Enc::Utf8),
        (b"iso-8859-1", Enc::Latin1),
        (b"iso8859-1", Enc::Latin1),
        (b"latin1", Enc::Latin1),
        (b"iso_8859-1", Enc::Latin1),
        (b"ascii", Enc::Ascii),
        (b"us-ascii", Enc::Ascii),
        (b"ansi_x3.4-1968", Enc::Ascii),
        (b"iso646-us", Enc::Ascii),
        (b"cp367", Enc::Ascii),
    ];
    if let Some(&(_, e)) = NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        return Ok(e);
    }
    let known = KNOWN_UNSUPPORTED
        .iter()
        .any(|n| n.as_bytes().eq_ignore_ascii_case(name));
    Err(known)
}

/// The encoding argument at `i` for function `func` (parameter `param`, 1-based `pos`),
/// or the internal encoding when absent or null.
fn encoding_arg(
    h: &mut dyn Host,
    a: &[Value],
    i: usize,
    func: &str,
    param: &str,
) -> PhpResult<Enc> {
    match args::opt(a, i) {
        None | Some(Value::Null) => Ok(internal_encoding(h)),
        Some(v) => {
            let name = match v {
                Value::Str(s) => s.clone(),
                other => other.scalar_to_str(),
            };
            match lookup_encoding(&name) {
                Ok(e) => Ok(e),
                // The message is only built for a name that fails.
                Err(_) => resolve(&name, func, &format!("Argument #{} (${param})", i + 1)),
            }
        }
    }
}

/// Resolves an encoding name, with PHP's `ValueError` for an unknown one.
fn resolve(name: &[u8], func: &str, what: &str) -> PhpResult<Enc> {
    match lookup_encoding(name) {
        Ok(e) => Ok(e),
        Err(false) => Err(Fault::value_error(format!(
            "{func}(): {what} must be a valid encoding, \"{}\" given",
            String::from_utf8_lossy(name)
        ))),
        Err(true) => Err(Fault::error(
            "Error",
            format!(
                "{func}(): the encoding \"{}\" is not implemented by rhvm (UTF-8, ISO-8859-1 and ASCII are)",
                String::from_utf8_lossy(name)
            ),
        )),
    }
}

fn internal_encoding(h: &mut dyn Host) -> Enc {
    match h.ini_get(INTERNAL_KEY) {
        Some(s) if !s.is_empty() => lookup_encoding(&s).unwrap_or(Enc::Utf8),
        _ => Enc::Utf8,
    }
}

/// The byte length of the character whose first byte is `b` (libmbfl's UTF-8 `mblen` table).
fn utf8_len(b: u8) -> usize {
    match b {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

/// The byte offsets where characters start, plus the end (by the `mblen` table).
fn char_starts(s: &[u8], enc: Enc) -> Vec<usize> {
    match enc {
        Enc::Utf8 => {
            let mut out = Vec::with_capacity(s.len() + 1);
            let mut i = 0;
            while i < s.len() {
                out.push(i);
                i += utf8_len(s[i]);
            }
            out.push(s.len());
            out
        }
        _ => (0..=s.len()).collect(),
    }
}

/// The number of characters (by the `mblen` table).
pub fn char_count(s: &[u8], enc: Enc) -> usize {
    match enc {
        Enc::Utf8 => {
            let mut i = 0;
            let mut n = 0;
            while i < s.len() {
                let run = ascii_prefix(&s[i..]);
                i += run;
                n += run;
                if i < s.len() {
                    i += utf8_len(s[i]);
                    n += 1;
                }
            }
            n
        }
        _ => s.len(),
    }
}

/// The byte offset `k` characters on from the character start `from` (the end of `s` when
/// it has fewer), by the `mblen` table; without collecting every start as `char_starts`
/// does.
fn advance(s: &[u8], from: usize, k: usize, enc: Enc) -> usize {
    let ascii_end = from.saturating_add(k);
    if enc != Enc::Utf8 || (ascii_end <= s.len() && s[from..ascii_end].is_ascii()) {
        return ascii_end.min(s.len());
    }
    let mut i = from;
    let mut k = k;
    while k > 0 && i < s.len() {
        // A run of ASCII characters is skipped a word at a time.
        let run = ascii_prefix(&s[i..s.len().min(i.saturating_add(k))]);
        i += run;
        k -= run;
        if k > 0 && i < s.len() {
            i += utf8_len(s[i]);
            k -= 1;
        }
    }
    i.min(s.len())
}

/// The length of the ASCII prefix of `s`.
fn ascii_prefix(s: &[u8]) -> usize {
    let mut i = 0;
    while let Some(word) = s.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        if u64::from_le_bytes(w) & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        i += 8;
    }
    while i < s.len() && s[i] < 0x80 {
        i += 1;
    }
    i
}

/// Decodes to code points; each invalid sequence becomes `None` (printed as `?`).
fn decode(s: &[u8], enc: Enc) -> Vec<Option<char>> {
    match enc {
        Enc::Utf8 => {
            let mut out = Vec::with_capacity(s.len());
            for chunk in s.utf8_chunks() {
                out.extend(chunk.valid().chars().map(Some));
                if !chunk.invalid().is_empty() {
                    out.push(None);
                }
            }
            out
        }
        Enc::Latin1 => s.iter().map(|&b| Some(char::from(b))).collect(),
        Enc::Ascii => s
            .iter()
            .map(|&b| if b < 0x80 { Some(char::from(b)) } else { None })
            .collect(),
    }
}

/// Encodes code points; unrepresentable ones and `None` become `?`.
fn encode(chars: impl Iterator<Item = Option<char>>, enc: Enc, out: &mut Vec<u8>) {
    let mut buf = [0u8; 4];
    for c in chars {
        match (c, enc) {
            (Some(c), Enc::Utf8) => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
            (Some(c), Enc::Latin1) if (c as u32) < 0x100 => out.push(c as u32 as u8),
            (Some(c), Enc::Ascii) if (c as u32) < 0x80 => out.push(c as u32 as u8),
            _ => out.push(b'?'),
        }
    }
}

fn mb_strlen(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let enc = encoding_arg(h, a, 1, "mb_strlen", "encoding")?;
    Ok(Value::Int(char_count(&args::str_at(a, 0), enc) as i64))
}

/// PHP's `mb_substr` window: `(from, to)` character indexes, clamped.
fn window(n: i64, start: i64, length: Option<i64>) -> (usize, usize) {
    let from = if start < 0 {
        (n + start).max(0)
    } else {
        start.min(n)
    };
    let to = match length {
        None => n,
        Some(l) if l < 0 => (n + l).max(from),
        Some(l) => from.saturating_add(l).min(n),
    };
    (from as usize, to.max(from) as usize)
}

fn mb_substr(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let enc = encoding_arg(h, a, 3, "mb_substr", "encoding")?;
    let length = match args::opt(a, 2) {
        None | Some(Value::Null) => None,
        Some(_) => Some(args::int_or(a, 2, 0)),
    };
    let start = args::int_or(a, 1, 0);
    for (value, what) in [(Some(start), "#2 ($start)"), (length, "#3 ($length)")] {
        if value == Some(i64::MIN) {
            return Err(Fault::value_error(format!(
                "mb_substr(): Argument {what} must be between {} and {}",
                -i64::MAX,
                i64::MAX
            )));
        }
    }
    // A window counted from the front is found by walking only as far as it reaches
    // (Cursor-style code takes one character at a time); one counted from the end needs
    // the length first.
    let (from, to) = if start >= 0 && length.is_none_or(|l| l >= 0) {
        let from = advance(&s, 0, start as usize, enc);
        let to = match length {
            None => s.len(),
            Some(l) => advance(&s, from, l as usize, enc),
        };
        (from, to)
    } else {
        let (from, to) = window(char_count(&s, enc) as i64, start, length);
        let from_b = advance(&s, 0, from, enc);
        (from_b, advance(&s, from_b, to - from, enc))
    };
    if from == 0 && to == s.len() {
        return Ok(Value::Str(s));
    }
    Ok(Value::str(&s[from..to]))
}

fn mb_strcut(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let enc = encoding_arg(h, a, 3, "mb_strcut", "encoding")?;
    let len = s.len() as i64;
    let mut from = args::int_or(a, 1, 0);
    if from < 0 {
        from = (len + from).max(0);
    }
    if from > len {
        return Ok(Value::str(""));
    }
    let mut length = match args::opt(a, 2) {
        None | Some(Value::Null) => len,
        Some(_) => args::int_or(a, 2, 0),
    };
    if length < 0 {
        length = (len - from + length).max(0);
    }
    let mut from = from as usize;
    if enc == Enc::Utf8 {
        // The start moves back to the first byte of its character, and the length counts
        // from there; the end moves back likewise.
        while from > 0 && from < s.len() && s[from] & 0xC0 == 0x80 {
            from -= 1;
        }
    }
    let mut to = (from as i64).saturating_add(length).min(len) as usize;
    if enc == Enc::Utf8 {
        while to > from && to < s.len() && s[to] & 0xC0 == 0x80 {
            to -= 1;
        }
    }
    Ok(Value::str(&s[from..to.max(from)]))
}

/// Which search `find` does.
#[derive(Clone, Copy, PartialEq)]
enum Dir {
    Forward,
    Backward,
}

/// The shared body of `mb_strpos`/`mb_strrpos` and the case-insensitive forms.
fn find(h: &mut dyn Host, a: &[Value], func: &str, dir: Dir, fold: bool) -> PhpResult<Value> {
    let enc = encoding_arg(h, a, 3, func, "encoding")?;
    let (hay, needle) = if fold {
        let f = |s: &[u8]| {
            let mut out = Vec::with_capacity(s.len());
            encode(
                map_case(&decode(s, enc), Mode::FoldSimple).into_iter(),
                enc,
                &mut out,
            );
            out
        };
        (f(&args::str_at(a, 0)), f(&args::str_at(a, 1)))
    } else {
        (args::str_at(a, 0).into_vec(), args::str_at(a, 1).into_vec())
    };
    let offset = args::int_or(a, 2, 0);
    let starts = char_starts(&hay, enc);
    let n = (starts.len() - 1) as i64;
    if offset > n || offset < -n {
        return Err(Fault::value_error(format!(
            "{func}(): Argument #3 ($offset) must be contained in argument #1 ($haystack)"
        )));
    }
    let found = match dir {
        Dir::Forward => {
            let from = if offset < 0 { n + offset } else { offset } as usize;
            let base = starts[from];
            memchr::memmem::find(&hay[base..], &needle).map(|p| base + p)
        }
        Dir::Backward => {
            // A non-negative offset bounds the start; a negative one bounds the end of
            // the match (the needle may start up to -offset characters from the end).
            let (lo, hi) = if offset >= 0 {
                (starts[offset as usize], hay.len())
            } else {
                let last_start = (n + offset) as usize;
                let hi = starts[last_start]
                    .saturating_add(needle.len())
                    .min(hay.len());
                (0, hi)
            };
            memchr::memmem::rfind(&hay[lo..hi], &needle).map(|p| lo + p)
        }
    };
    Ok(match found {
        // A match inside a character (possible with invalid bytes) counts from the
        // character it starts in.
        Some(byte) => Value::Int(starts.partition_point(|&s| s <= byte) as i64 - 1),
        None => Value::Bool(false),
    })
}

fn mb_strpos(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    find(h, a, "mb_strpos", Dir::Forward, false)
}

fn mb_stripos(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    find(h, a, "mb_stripos", Dir::Forward, true)
}

fn mb_strrpos(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    find(h, a, "mb_strrpos", Dir::Backward, false)
}

fn mb_strripos(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    find(h, a, "mb_strripos", Dir::Backward, true)
}

fn mb_substr_count(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let _enc = encoding_arg(h, a, 2, "mb_substr_count", "encoding")?;
    let hay = args::str_at(a, 0);
    let needle = args::str_at(a, 1);
    if needle.is_empty() {
        return Err(Fault::value_error(
            "mb_substr_count(): Argument #2 ($needle) must not be empty",
        ));
    }
    // Non-overlapping byte matches; for the encodings here a match of a whole needle
    // starts at a character boundary whenever the needle itself starts with one.
    let count =
        memchr::memmem::find_iter(&hay, &needle[..]).fold((0i64, 0usize), |(n, next), p| {
            if p >= next {
                (n + 1, p + needle.len())
            } else {
                (n, next)
            }
        });
    Ok(Value::Int(count.0))
}

/// A case-mapping mode (`MB_CASE_*`).
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Upper,
    Lower,
    Title,
    Fold,
    UpperSimple,
    LowerSimple,
    TitleSimple,
    FoldSimple,
}

/// Full case folding where it differs from full lower-casing (Unicode `CaseFolding.txt`,
/// statuses C and F, for the characters whose lower case is not their folding).
fn fold_special(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' | 'ẞ' => "ss",
        'ς' => "σ",
        'ſ' => "s",
        'µ' => "μ",
        'ͅ' | 'ι' => "ι",
        'ϐ' => "β",
        'ϑ' => "θ",
        'ϕ' => "φ",
        'ϖ' => "π",
        'ϰ' => "κ",
        'ϱ' => "ρ",
        'ϵ' => "ε",
        'ẛ' => "ṡ",
        'ŉ' => "ʼn",
        'ǰ' => "j\u{30C}",
        'ΐ' => "\u{3B9}\u{308}\u{301}",
        'ΰ' => "\u{3C5}\u{308}\u{301}",
        'և' => "եւ",
        'ẖ' => "h\u{331}",
        'ẗ' => "t\u{308}",
        'ẘ' => "w\u{30A}",
        'ẙ' => "y\u{30A}",
        'ẚ' => "aʾ",
        'ﬀ' => "ff",
        'ﬁ' => "fi",
        'ﬂ' => "fl",
        'ﬃ' => "ffi",
        'ﬄ' => "ffl",
        'ﬅ' | 'ﬆ' => "st",
        _ => return None,
    })
}

/// Simple case folding where it differs from simple lower-casing.
fn fold_simple_special(c: char) -> Option<char> {
    Some(match c {
        'ς' => 'σ',
        'ſ' => 's',
        'µ' => 'μ',
        'ͅ' | 'ι' => 'ι',
        'ϐ' => 'β',
        'ϑ' => 'θ',
        'ϕ' => 'φ',
        'ϖ' => 'π',
        'ϰ' => 'κ',
        'ϱ' => 'ρ',
        'ϵ' => 'ε',
        'ẛ' => 'ṡ',
        'ẞ' => 'ß',
        // No simple folding (only the full one, to "i̇").
        'İ' => 'İ',
        _ => return None,
    })
}

/// Title case of one character: the first character of its upper case followed by the
/// lower case of the rest (`ß` → `Ss`, `ﬁ` → `Fi`), and the digraphs' own title forms.
fn title_full(c: char, out: &mut Vec<Option<char>>) {
    match c {
        'ŉ' => out.extend([Some('\u{2BC}'), Some('N')]),
        'Ǆ' | 'ǅ' | 'ǆ' => out.push(Some('ǅ')),
        'Ǉ' | 'ǈ' | 'ǉ' => out.push(Some('ǈ')),
        'Ǌ' | 'ǋ' | 'ǌ' => out.push(Some('ǋ')),
        'Ǳ' | 'ǲ' | 'ǳ' => out.push(Some('ǲ')),
        _ => {
            let mut up = c.to_uppercase();
            if let Some(first) = up.next() {
                out.push(Some(first));
            }
            for rest in up {
                out.extend(rest.to_lowercase().map(Some));
            }
        }
    }
}

fn title_simple(c: char) -> char {
    match c {
        'Ǆ' | 'ǅ' | 'ǆ' => 'ǅ',
        'Ǉ' | 'ǈ' | 'ǉ' => 'ǈ',
        'Ǌ' | 'ǋ' | 'ǌ' => 'ǋ',
        'Ǳ' | 'ǲ' | 'ǳ' => 'ǲ',
        _ => simple_upper(c),
    }
}

/// The simple (one-to-one) mappings: the full mapping when it is one character.
fn simple_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

fn simple_lower(c: char) -> char {
    if c == 'İ' {
        return 'i';
    }
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Whether a title-cased string is inside a word after `c` (`in_word`: before it). As
/// PHP 8.2's `php_unicode_convert_case`: a case-ignorable character leaves the state as it
/// is, a cased one starts or continues a word, anything else ends it. Exact for ASCII
/// (measured against PHP: `'`, `.`, `:`, `^` and `` ` `` are case-ignorable, letters are
/// cased); beyond ASCII an approximation by Unicode letters and a few marks and
/// punctuation.
fn title_in_word(c: char, in_word: bool) -> bool {
    if c.is_ascii() {
        return match c {
            '\'' | '.' | ':' | '^' | '`' => in_word,
            _ => c.is_ascii_alphabetic(),
        };
    }
    c.is_alphabetic()
        || matches!(c as u32, 0x0300..=0x036F | 0x00A8 | 0x00AF | 0x00B4 | 0x00B8 | 0x00A1 | 0x00A7 | 0x00B6 | 0x00B7 | 0x00BF | 0x2018..=0x2019 | 0x2020..=0x2027 | 0x2030..=0x2038 | 0x203B..=0x203E | 0x00AD | 0x200B..=0x200F)
}

fn map_case(chars: &[Option<char>], mode: Mode) -> Vec<Option<char>> {
    let mut out = Vec::with_capacity(chars.len());
    let mut in_word = false;
    for &c in chars {
        let Some(c) = c else {
            // An invalid sequence (printed `?`) leaves the word state as it is.
            out.push(None);
            continue;
        };
        match mode {
            Mode::Upper => out.extend(c.to_uppercase().map(Some)),
            Mode::Lower => out.extend(c.to_lowercase().map(Some)),
            Mode::UpperSimple => out.push(Some(simple_upper(c))),
            Mode::LowerSimple => out.push(Some(simple_lower(c))),
            Mode::Fold => match fold_special(c) {
                Some(s) => out.extend(s.chars().map(Some)),
                None => out.extend(c.to_lowercase().map(Some)),
            },
            Mode::FoldSimple => out.push(Some(
                fold_simple_special(c).unwrap_or_else(|| simple_lower(c)),
            )),
            Mode::Title | Mode::TitleSimple => {
                let simple = mode == Mode::TitleSimple;
                if in_word {
                    if simple {
                        out.push(Some(simple_lower(c)));
                    } else {
                        out.extend(c.to_lowercase().map(Some));
                    }
                } else if simple {
                    out.push(Some(title_simple(c)));
                } else {
                    title_full(c, &mut out);
                }
                in_word = title_in_word(c, in_word);
            }
        }
    }
    out
}

fn convert_case(s: &[u8], mode: Mode, enc: Enc) -> Vec<u8> {
    if matches!(mode, Mode::Title | Mode::TitleSimple) && s.is_ascii() {
        // `map_case` on ASCII, byte by byte (an ASCII letter's title case is its upper
        // case, in every encoding here).
        let mut in_word = false;
        return s
            .iter()
            .map(|&b| {
                let out = if in_word {
                    b.to_ascii_lowercase()
                } else {
                    b.to_ascii_uppercase()
                };
                in_word = title_in_word(char::from(b), in_word);
                out
            })
            .collect();
    }
    if enc == Enc::Ascii || (s.is_ascii() && !matches!(mode, Mode::Title | Mode::TitleSimple)) {
        // Only ASCII letters change (bytes above 0x7F are invalid in ASCII).
        let mut out = s.to_vec();
        match mode {
            Mode::Upper | Mode::UpperSimple => out.make_ascii_uppercase(),
            Mode::Title | Mode::TitleSimple => {
                let mut o = Vec::with_capacity(s.len());
                encode(map_case(&decode(s, enc), mode).into_iter(), enc, &mut o);
                return o;
            }
            _ => out.make_ascii_lowercase(),
        }
        if enc == Enc::Ascii {
            for b in &mut out {
                if *b >= 0x80 {
                    *b = b'?';
                }
            }
        }
        return out;
    }
    let mut out = Vec::with_capacity(s.len());
    encode(map_case(&decode(s, enc), mode).into_iter(), enc, &mut out);
    out
}

fn mb_strtolower(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let enc = encoding_arg(h, a, 1, "mb_strtolower", "encoding")?;
    Ok(Value::str(convert_case(
        &args::str_at(a, 0),
        Mode::Lower,
        enc,
    )))
}

fn mb_strtoupper(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let enc = encoding_arg(h, a, 1, "mb_strtoupper", "encoding")?;
    Ok(Value::str(convert_case(
        &args::str_at(a, 0),
        Mode::Upper,
        enc,
    )))
}

fn mb_convert_case(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let enc = encoding_arg(h, a, 2, "mb_convert_case", "encoding")?;
    let mode = match args::int_or(a, 1, 0) {
        0 => Mode::Upper,
        1 => Mode::Lower,
        2 => Mode::Title,
        3 => Mode::Fold,
        4 => Mode::UpperSimple,
        5 => Mode::LowerSimple,
        6 => Mode::TitleSimple,
        7 => Mode::FoldSimple,
        _ => {
            return Err(Fault::value_error(
                "mb_convert_case(): Argument #2 ($mode) must be one of the MB_CASE_* constants",
            ))
        }
    };
    Ok(Value::str(convert_case(&args::str_at(a, 0), mode, enc)))
}

fn mb_str_split(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let len = args::int_or(a, 1, 1);
    if len <= 0 {
        return Err(Fault::value_error(
            "mb_str_split(): Argument #2 ($length) must be greater than 0",
        ));
    }
    let enc = encoding_arg(h, a, 2, "mb_str_split", "encoding")?;
    let s = args::str_at(a, 0);
    let starts = char_starts(&s, enc);
    let n = starts.len() - 1;
    let step = usize::try_from(len).unwrap_or(usize::MAX);
    let mut parts = Vec::with_capacity(n / step.max(1) + 1);
    let mut i = 0;
    while i < n {
        let j = i.saturating_add(step).min(n);
        parts.push(Value::str(&s[starts[i]..starts[j]]));
        i = j;
    }
    Ok(Value::array(PhpArray::from_values(parts)))
}

/// Whether a code point is East Asian Wide or Fullwidth (counts 2 in `mb_strwidth`).
fn is_wide(c: u32) -> bool {
    matches!(c,
        0x1100..=0x115F | 0x231A..=0x231B | 0x2329..=0x232A | 0x23E9..=0x23EC | 0x23F0
        | 0x23F3 | 0x25FD..=0x25FE | 0x2614..=0x2615 | 0x2648..=0x2653 | 0x267F | 0x2693
        | 0x26A1 | 0x26AA..=0x26AB | 0x26BD..=0x26BE | 0x26C4..=0x26C5 | 0x26CE | 0x26D4
        | 0x26EA | 0x26F2..=0x26F3 | 0x26F5 | 0x26FA | 0x26FD | 0x2705 | 0x270A..=0x270B
        | 0x2728 | 0x274C | 0x274E | 0x2753..=0x2755 | 0x2757 | 0x2795..=0x2797 | 0x27B0
        | 0x27BF | 0x2B1B..=0x2B1C | 0x2B50 | 0x2B55 | 0x2E80..=0x303E | 0x3041..=0x3247
        | 0x3250..=0x4DBF | 0x4E00..=0xA4C6 | 0xA960..=0xA97C | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF | 0xFE10..=0xFE19 | 0xFE30..=0xFE6B | 0xFF01..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x16FE0..=0x16FE4 | 0x16FF0..=0x16FF1 | 0x17000..=0x18CD5
        | 0x18D00..=0x18D08 | 0x1AFF0..=0x1B2FB | 0x1F004 | 0x1F0CF | 0x1F18E
        | 0x1F191..=0x1F19A | 0x1F200..=0x1F202 | 0x1F210..=0x1F23B | 0x1F240..=0x1F248
        | 0x1F250..=0x1F251 | 0x1F260..=0x1F265 | 0x1F300..=0x1F320 | 0x1F32D..=0x1F335
        | 0x1F337..=0x1F37C | 0x1F37E..=0x1F393 | 0x1F3A0..=0x1F3CA | 0x1F3CF..=0x1F3D3
        | 0x1F3E0..=0x1F3F0 | 0x1F3F4 | 0x1F3F8..=0x1F43E | 0x1F440 | 0x1F442..=0x1F4FC
        | 0x1F4FF..=0x1F53D | 0x1F54B..=0x1F54E | 0x1F550..=0x1F567 | 0x1F57A
        | 0x1F595..=0x1F596 | 0x1F5A4 | 0x1F5FB..=0x1F64F | 0x1F680..=0x1F6C5 | 0x1F6CC
        | 0x1F6D0..=0x1F6D2 | 0x1F6D5..=0x1F6D7 | 0x1F6DD..=0x1F6DF | 0x1F6EB..=0x1F6EC
        | 0x1F6F4..=0x1F6FC | 0x1F7E0..=0x1F7EB | 0x1F7F0 | 0x1F90C..=0x1F93A
        | 0x1F93C..=0x1F945 | 0x1F947..=0x1F9FF | 0x1FA70..=0x1FA74 | 0x1FA78..=0x1FA7C
        | 0x1FA80..=0x1FA86 | 0x1FA90..=0x1FAAC | 0x1FAB0..=0x1FABA | 0x1FAC0..=0x1FAC5
        | 0x1FAD0..=0x1FAD9 | 0x1FAE0..=0x1FAE7 | 0x1FAF0..=0x1FAF6 | 0x20000..=0x2FFFD
        | 0x30000..=0x3FFFD)
}

fn mb_strwidth(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let enc = encoding_arg(h, a, 1, "mb_strwidth", "encoding")?;
    let width: i64 = decode(&args::str_at(a, 0), enc)
        .iter()
        .map(|c| match c {
            Some(c) if is_wide(*c as u32) => 2,
            _ => 1,
        })
        .sum();
    Ok(Value::Int(width))
}

fn mb_internal_encoding(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    match args::opt(a, 0) {
        None | Some(Value::Null) => Ok(Value::str(internal_encoding(h).name())),
        Some(_) => {
            let name = args::str_at(a, 0);
            let enc = resolve(&name, "mb_internal_encoding", "Argument #1 ($encoding)")?;
            h.ini_set(INTERNAL_KEY, PhpStr::from(enc.name()));
            Ok(Value::Bool(true))
        }
    }
}

/// Whether `s` is valid in `enc` (strict: no overlongs, surrogates or code points past
/// U+10FFFF in UTF-8).
fn valid_in(s: &[u8], enc: Enc) -> bool {
    match enc {
        Enc::Utf8 => std::str::from_utf8(s).is_ok(),
        Enc::Latin1 => true,
        Enc::Ascii => s.is_ascii(),
    }
}

fn check_value(h: &mut dyn Host, v: &Value, enc: Enc, depth: usize) -> PhpResult<bool> {
    Ok(match v.deref_clone() {
        Value::Str(s) => valid_in(&s, enc),
        Value::Array(arr) => {
            if depth > 256 {
                return Ok(false);
            }
            for (k, v) in arr.iter() {
                if let super::super::array::ArrayKey::Str(ks) = &k {
                    if !valid_in(ks, enc) {
                        return Ok(false);
                    }
                }
                if !check_value(h, v, enc, depth + 1)? {
                    return Ok(false);
                }
            }
            true
        }
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => true,
        _ => false,
    })
}

fn mb_check_encoding(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let Some(v) = args::opt(a, 0)
        .cloned()
        .filter(|v| !matches!(v, Value::Null))
    else {
        h.raise(
            ErrorLevel::Deprecated,
            "mb_check_encoding(): Calling mb_check_encoding() without argument is deprecated",
        )?;
        return Ok(Value::Bool(true));
    };
    let enc = encoding_arg(h, a, 1, "mb_check_encoding", "encoding")?;
    Ok(Value::Bool(check_value(h, &v, enc, 0)?))
}

/// Converts bytes between two encodings, `?` for what cannot be represented.
pub fn convert(s: &[u8], from: Enc, to: Enc) -> Vec<u8> {
    if from == to && valid_in(s, from) {
        return s.to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    encode(decode(s, from).into_iter(), to, &mut out);
    out
}

fn from_encodings(h: &mut dyn Host, v: Option<&Value>) -> PhpResult<Vec<Enc>> {
    let names: Vec<Vec<u8>> = match v {
        None | Some(Value::Null) => return Ok(vec![internal_encoding(h)]),
        Some(Value::Array(arr)) => arr
            .values()
            .map(|v| v.deref_clone().scalar_to_str().into_vec())
            .collect(),
        Some(other) => other
            .scalar_to_str()
            .split(|&b| b == b',')
            .map(|p| p.trim_ascii().to_vec())
            .collect(),
    };
    if names.is_empty() {
        return Err(Fault::value_error(
            "mb_convert_encoding(): Argument #3 ($from_encoding) must specify at least one encoding",
        ));
    }
    names
        .iter()
        .map(|n| match lookup_encoding(n) {
            Ok(e) => Ok(e),
            Err(false) => Err(Fault::value_error(format!(
                "mb_convert_encoding(): Argument #3 ($from_encoding) contains invalid encoding \"{}\"",
                String::from_utf8_lossy(n)
            ))),
            Err(true) => resolve(n, "mb_convert_encoding", "Argument #3 ($from_encoding)"),
        })
        .collect()
}

fn convert_value(v: &Value, from: &[Enc], to: Enc, h: &mut dyn Host) -> PhpResult<Value> {
    Ok(match v.deref_clone() {
        Value::Str(s) => {
            let from = if from.len() == 1 {
                from[0]
            } else {
                match from.iter().find(|&&e| valid_in(&s, e)) {
                    Some(&e) => e,
                    None => {
                        h.raise(
                            ErrorLevel::Warning,
                            "mb_convert_encoding(): Unable to detect character encoding",
                        )?;
                        return Ok(Value::Str(s));
                    }
                }
            };
            Value::str(convert(&s, from, to))
        }
        Value::Array(arr) => {
            let mut out = PhpArray::new();
            for (k, v) in arr.iter() {
                let k = match k {
                    super::super::array::ArrayKey::Str(ks) => {
                        let from_k = from.first().copied().unwrap_or(Enc::Utf8);
                        super::super::array::ArrayKey::Str(PhpStr::from(convert(&ks, from_k, to)))
                    }
                    other => other.clone(),
                };
                let v = convert_value(v, from, to, h)?;
                out.insert(k, v);
            }
            Value::array(out)
        }
        other => other,
    })
}

fn mb_convert_encoding(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let to = resolve(
        &args::str_at(a, 1),
        "mb_convert_encoding",
        "Argument #2 ($to_encoding)",
    )?;
    let from = from_encodings(h, args::opt(a, 2))?;
    let v = args::opt(a, 0).cloned().unwrap_or(Value::Null);
    convert_value(&v, &from, to, h)
}

fn mb_ord(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let enc = encoding_arg(h, a, 1, "mb_ord", "encoding")?;
    let s = args::str_at(a, 0);
    if s.is_empty() {
        return Err(Fault::value_error(
            "mb_ord(): Argument #1 ($string) must not be empty",
        ));
    }
    let first = match enc {
        Enc::Utf8 => s
            .utf8_chunks()
            .next()
            .and_then(|c| c.valid().chars().next()),
        Enc::Latin1 => Some(char::from(s[0])),
        Enc::Ascii => (s[0] < 0x80).then(|| char::from(s[0])),
    };
    Ok(match first {
        Some(c) => Value::Int(i64::from(u32::from(c))),
        None => Value::Bool(false),
    })
}

fn mb_chr(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let enc = encoding_arg(h, a, 1, "mb_chr", "encoding")?;
    let cp = args::int_or(a, 0, 0);
    let c = u32::try_from(cp).ok().and_then(char::from_u32);
    Ok(match (c, enc) {
        (Some(c), Enc::Utf8) => Value::str(c.to_string().into_bytes()),
        (Some(c), Enc::Latin1) if (c as u32) < 0x100 => Value::str(vec![c as u32 as u8]),
        (Some(c), Enc::Ascii) if (c as u32) < 0x80 => Value::str(vec![c as u32 as u8]),
        _ => Value::Bool(false),
    })
}

fn mb_decode_numericentity(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let enc = encoding_arg(h, a, 2, "mb_decode_numericentity", "encoding")?;
    let map: Vec<i64> = args::array_at(a, 1)
        .values()
        .map(|v| v.deref_clone().to_int())
        .collect();
    if map.len() % 4 != 0 {
        return Err(Fault::value_error(
            "mb_decode_numericentity(): Argument #2 ($map) must have a multiple of 4 elements",
        ));
    }
    let s = args::str_at(a, 0);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'&' && s.get(i + 1) == Some(&b'#') {
            if let Some((cp, used)) = numeric_entity(&s[i..]) {
                if let Some(c) = map_entity(cp, &map) {
                    encode(std::iter::once(Some(c)), enc, &mut out);
                    i += used;
                    continue;
                }
            }
        }
        out.push(s[i]);
        i += 1;
    }
    Ok(Value::str(out))
}

/// Parses `&#123;`, `&#x7B;` (lower-case `x` only; the `;` is optional) at the start of `s`: the number and the
/// bytes used. At most 10 digits are read, as PHP does.
fn numeric_entity(s: &[u8]) -> Option<(u64, usize)> {
    let (hex, mut i) = match s.get(2) {
        Some(b'x') => (true, 3),
        _ => (false, 2),
    };
    let start = i;
    let mut v: u64 = 0;
    while i < s.len() && i - start < 10 {
        let d = match (s[i], hex) {
            (b'0'..=b'9', _) => u64::from(s[i] - b'0'),
            (b'a'..=b'f', true) => u64::from(s[i] - b'a' + 10),
            (b'A'..=b'F', true) => u64::from(s[i] - b'A' + 10),
            _ => break,
        };
        v = v * if hex { 16 } else { 10 } + d;
        i += 1;
    }
    if i == start {
        return None;
    }
    if s.get(i) == Some(&b';') {
        i += 1;
    }
    Some((v, i))
}

/// Applies the `[start, end, offset, mask]` quadruples of `mb_decode_numericentity`.
fn map_entity(cp: u64, map: &[i64]) -> Option<char> {
    let cp = i64::try_from(cp).ok()?;
    // PHP 8.2 subtracts the offset and checks the range; the mask is not applied.
    for q in map.chunks_exact(4) {
        let v = cp.wrapping_sub(q[2]);
        if v >= q[0] && v <= q[1] {
            return u32::try_from(v).ok().and_then(char::from_u32);
        }
    }
    None
}
