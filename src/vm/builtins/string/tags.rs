//! `strip_tags`: php-src's little state machine (`php_strip_tags_ex`), reproduced state for
//! state because programs depend on its quirks (quotes inside tags, `<?php ... ?>` with
//! parentheses, comments, `<!DOCTYPE>`, `<?xml`).
//!
//! States: 0 is text (copied out), 1 inside an HTML tag, 2 inside a PHP tag, 3 inside a
//! `<!...>` declaration, 4 inside an HTML comment. With allowed tags, each HTML tag is
//! collected and copied out whole when its normalised name is in the allowed set.

use super::super::super::error::PhpResult;
use super::super::super::host::Host;
use super::super::super::value::Value;
use super::super::args;
use super::super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[BuiltinDef {
    name: "strip_tags",
    sig: "string $string, array|string|null $allowed_tags = null",
    func: strip_tags,
}];

/// The constants of this family (none).
pub const CONSTANTS: &[(&str, ConstVal)] = &[];

fn strip_tags(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let allow: Option<Vec<u8>> = match args::opt(a, 1) {
        Some(Value::Array(tags)) => {
            let mut set = Vec::new();
            for tag in tags.values() {
                let tag = host.to_str(tag)?;
                set.push(b'<');
                set.extend_from_slice(&tag);
                set.push(b'>');
            }
            (!set.is_empty()).then_some(set)
        }
        Some(Value::Str(set)) => Some(set.to_vec()),
        _ => None,
    };
    Ok(Value::str(strip(&s, allow.as_deref(), false)))
}

/// C's `isspace` in the C locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// `php_tag_find`: whether the collected tag (`<a href=...>`, `</a>`) names a tag of
/// `set` once normalised to `<a>`.
fn tag_in_set(tag: &[u8], set: &[u8]) -> bool {
    if tag.is_empty() {
        return false;
    }
    let mut norm = Vec::with_capacity(tag.len() + 1);
    let mut seen_name = false;
    let at = |i: usize| tag.get(i).map_or(0, u8::to_ascii_lowercase);
    let mut i = 0;
    loop {
        let c = at(i);
        match c {
            b'<' => norm.push(c),
            b'>' | 0 => break,
            _ if !is_space(c) => {
                seen_name = true;
                // A slash right after `<` or right before `>` is dropped: `</a>` and
                // `<br/>` both normalise to the bare name.
                if c != b'/' || (i > 0 && at(i - 1) != b'<' && at(i + 1) != b'>') {
                    norm.push(c);
                }
            }
            _ if seen_name => break,
            _ => {}
        }
        i += 1;
    }
    norm.push(b'>');
    // `strstr` over C strings: the set ends at its first NUL.
    let set = set.split(|&c| c == 0).next().unwrap_or(&[]);
    set.windows(norm.len()).any(|w| w == norm.as_slice())
}

/// `php_strip_tags_ex` over `buf`, with `allow` the allowed-tags string (`<a><b>`).
pub(crate) fn strip(buf: &[u8], allow: Option<&[u8]>, allow_tag_spaces: bool) -> Vec<u8> {
    let allow = allow.map(|a| a.to_ascii_lowercase());
    let at = |i: usize| buf.get(i).copied().unwrap_or(0);
    let mut out = Vec::with_capacity(buf.len());
    let mut tag: Vec<u8> = Vec::new();
    let (mut state, mut depth, mut br) = (0u8, 0i32, 0i32);
    let (mut in_q, mut lc, mut is_xml) = (0u8, 0u8, false);
    let mut p = 0;
    while p < buf.len() {
        let c = buf[p];
        match state {
            0 => match c {
                0 => {}
                b'<' => {
                    if in_q != 0 {
                    } else if is_space(at(p + 1)) && !allow_tag_spaces {
                        out.push(c);
                    } else {
                        lc = b'<';
                        state = 1;
                        if allow.is_some() {
                            tag.push(b'<');
                        }
                    }
                }
                b'>' => {
                    if depth != 0 {
                        depth -= 1;
                    } else if in_q == 0 {
                        out.push(c);
                    }
                }
                _ => out.push(c),
            },
            1 => {
                let mut regular = false;
                match c {
                    0 => {}
                    b'<' => {
                        if in_q != 0 {
                        } else if is_space(at(p + 1)) && !allow_tag_spaces {
                            regular = true;
                        } else {
                            depth += 1;
                        }
                    }
                    b'>' => {
                        if depth != 0 {
                            depth -= 1;
                        } else if in_q != 0 {
                        } else {
                            lc = b'>';
                            if !(is_xml && p >= 1 && buf[p - 1] == b'-') {
                                in_q = 0;
                                state = 0;
                                is_xml = false;
                                if let Some(set) = &allow {
                                    tag.push(b'>');
                                    if tag_in_set(&tag, set) {
                                        out.extend_from_slice(&tag);
                                    }
                                    tag.clear();
                                }
                            }
                        }
                    }
                    b'"' | b'\'' => {
                        if p != 0 && (in_q == 0 || c == in_q) {
                            in_q = if in_q != 0 { 0 } else { c };
                        }
                        regular = true;
                    }
                    b'!' if p >= 1 && buf[p - 1] == b'<' => {
                        // JavaScript and other `<!...>` declarations.
                        state = 3;
                        lc = c;
                    }
                    b'?' if p >= 1 && buf[p - 1] == b'<' => {
                        br = 0;
                        state = 2;
                    }
                    _ => regular = true,
                }
                if regular && allow.is_some() {
                    tag.push(c);
                }
            }
            2 => match c {
                b'(' if lc != b'"' && lc != b'\'' => {
                    lc = b'(';
                    br += 1;
                }
                b')' if lc != b'"' && lc != b'\'' => {
                    lc = b')';
                    br -= 1;
                }
                b'>' => {
                    if depth != 0 {
                        depth -= 1;
                    } else if in_q == 0 && br == 0 && p >= 1 && lc != b'"' && buf[p - 1] == b'?' {
                        in_q = 0;
                        state = 0;
                        tag.clear();
                    }
                }
                b'"' | b'\'' => {
                    if p >= 1 && buf[p - 1] != b'\\' {
                        if lc == c {
                            lc = 0;
                        } else if lc != b'\\' {
                            lc = c;
                        }
                        if p != 0 && (in_q == 0 || c == in_q) {
                            in_q = if in_q != 0 { 0 } else { c };
                        }
                    }
                }
                b'l' | b'L' => {
                    // `<?xml` is not PHP: back to an HTML tag.
                    if p > 4
                        && buf[p - 1].eq_ignore_ascii_case(&b'm')
                        && buf[p - 2].eq_ignore_ascii_case(&b'x')
                        && buf[p - 3] == b'?'
                        && buf[p - 4] == b'<'
                    {
                        state = 1;
                        is_xml = true;
                    }
                }
                _ => {}
            },
            3 => match c {
                b'>' => {
                    if depth != 0 {
                        depth -= 1;
                    } else if in_q == 0 {
                        in_q = 0;
                        state = 0;
                        tag.clear();
                    }
                }
                b'"' | b'\'' => {
                    if p != 0 && buf[p - 1] != b'\\' && (in_q == 0 || c == in_q) {
                        in_q = if in_q != 0 { 0 } else { c };
                    }
                }
                b'-' if p >= 2 && buf[p - 1] == b'-' && buf[p - 2] == b'!' => state = 4,
                b'E' | b'e' => {
                    // `<!DOCTYPE` is treated as an ordinary tag.
                    if p > 6 && buf[p - 6..p].eq_ignore_ascii_case(b"doctyp") {
                        state = 1;
                    }
                }
                _ => {}
            },
            _ => {
                if c == b'>' && in_q == 0 && p >= 2 && buf[p - 1] == b'-' && buf[p - 2] == b'-' {
                    in_q = 0;
                    state = 0;
                    tag.clear();
                }
            }
        }
        p += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_as_php_does() {
        // Expectations from `php -n -r 'var_dump(strip_tags(...));'` (PHP 8.2).
        let cases: &[(&[u8], Option<&[u8]>, &[u8])] = &[
            (
                b"<p>Test paragraph.</p><!-- Comment --> <a href=\"#fragment\">Other text</a>",
                None,
                b"Test paragraph. Other text",
            ),
            (
                b"<p>Test paragraph.</p><!-- Comment --> <a href=\"#fragment\">Other text</a>",
                Some(b"<p><a>"),
                b"<p>Test paragraph.</p> <a href=\"#fragment\">Other text</a>",
            ),
            (
                b"<br>Each<br/>New<br />Line",
                Some(b"<br>"),
                b"<br>Each<br/>New<br />Line",
            ),
            (
                b"<br>Each<br/>New<br />Line",
                Some(b"<br/>"),
                b"EachNewLine",
            ),
            (b"a < b > c", None, b"a < b > c"),
            (b"<?php echo \"?>\"; ?>x", None, b"x"),
            (b"<<html>>hi", None, b"hi"),
            (b"<a title=\">\">x</a>", None, b"x"),
            (b"<!DOCTYPE html><b>x</b>", None, b"x"),
            (b"1<?xml version=\"1.0\"?>2", None, b"12"),
        ];
        for (input, allow, want) in cases {
            let got = strip(input, *allow, false);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(want),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }
}
