//! Measuring and comparing strings: `levenshtein`, `similar_text`, `soundex`, `metaphone`,
//! `substr_compare`, `str_word_count` and `count_chars`, as php-src computes them (the
//! exact algorithms matter: `similar_text` is not a textbook LCS).

use super::super::super::array::{ArrayKey, PhpArray};
use super::super::super::error::{Fault, PhpResult};
use super::super::super::host::Host;
use super::super::super::value::Value;
use super::super::args;
use super::super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "levenshtein",
        sig: "string $string1, string $string2, int $insertion_cost = 1, int $replacement_cost = 1, int $deletion_cost = 1",
        func: levenshtein,
    },
    BuiltinDef {
        name: "similar_text",
        sig: "string $string1, string $string2, &$percent = null",
        func: similar_text,
    },
    BuiltinDef {
        name: "soundex",
        sig: "string $string",
        func: soundex,
    },
    BuiltinDef {
        name: "substr_compare",
        sig: "string $haystack, string $needle, int $offset, ?int $length = null, bool $case_insensitive = false",
        func: substr_compare,
    },
    BuiltinDef {
        name: "str_word_count",
        sig: "string $string, int $format = 0, ?string $characters = null",
        func: str_word_count,
    },
    BuiltinDef {
        name: "count_chars",
        sig: "string $string, int $mode = 0",
        func: count_chars,
    },
];

/// The constants of this family (none).
pub const CONSTANTS: &[(&str, ConstVal)] = &[];

/// `reference_levdist`: the classic two-row dynamic programme with PHP's cost order.
fn levdist(s1: &[u8], s2: &[u8], cost_ins: i64, cost_rep: i64, cost_del: i64) -> i64 {
    if s1.is_empty() {
        return s2.len() as i64 * cost_ins;
    }
    if s2.is_empty() {
        return s1.len() as i64 * cost_del;
    }
    let mut p1: Vec<i64> = (0..=s2.len() as i64).map(|i| i * cost_ins).collect();
    let mut p2 = vec![0i64; s2.len() + 1];
    for &c1 in s1 {
        p2[0] = p1[0] + cost_del;
        for (i2, &c2) in s2.iter().enumerate() {
            let mut c0 = p1[i2] + if c1 == c2 { 0 } else { cost_rep };
            c0 = c0.min(p1[i2 + 1] + cost_del);
            c0 = c0.min(p2[i2] + cost_ins);
            p2[i2 + 1] = c0;
        }
        std::mem::swap(&mut p1, &mut p2);
    }
    p1[s2.len()]
}

fn levenshtein(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let (s1, s2) = (args::str_at(a, 0), args::str_at(a, 1));
    Ok(Value::Int(levdist(
        &s1,
        &s2,
        args::int_or(a, 2, 1),
        args::int_or(a, 3, 1),
        args::int_or(a, 4, 1),
    )))
}

/// `php_similar_str`: the first longest common substring, as `(pos1, pos2, len, count)`
/// where `count` is how many times a longer match was found.
fn longest_common(s1: &[u8], s2: &[u8]) -> (usize, usize, usize, usize) {
    let (mut pos1, mut pos2, mut max, mut count) = (0, 0, 0, 0);
    for p in 0..s1.len() {
        for q in 0..s2.len() {
            let l = s1[p..]
                .iter()
                .zip(&s2[q..])
                .take_while(|(x, y)| x == y)
                .count();
            if l > max {
                max = l;
                count += 1;
                pos1 = p;
                pos2 = q;
            }
        }
    }
    (pos1, pos2, max, count)
}

/// `php_similar_char`: the common substring, plus the similarity of what lies left of it
/// and right of it.
fn similar(s1: &[u8], s2: &[u8]) -> usize {
    let (pos1, pos2, max, count) = longest_common(s1, s2);
    let mut sum = max;
    if max != 0 {
        if pos1 != 0 && pos2 != 0 && count > 1 {
            sum += similar(&s1[..pos1], &s2[..pos2]);
        }
        if pos1 + max < s1.len() && pos2 + max < s2.len() {
            sum += similar(&s1[pos1 + max..], &s2[pos2 + max..]);
        }
    }
    sum
}

fn similar_text(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let (s1, s2) = (args::str_at(a, 0), args::str_at(a, 1));
    let total = s1.len() + s2.len();
    let sim = if total == 0 { 0 } else { similar(&s1, &s2) };
    if let Some(cell) = args::ref_at(a, 2) {
        let percent = if total == 0 {
            0.0
        } else {
            sim as f64 * 200.0 / total as f64
        };
        *cell.borrow_mut() = Value::Float(percent);
    }
    Ok(Value::Int(sim as i64))
}

fn soundex(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    // The digit of each letter A..Z; 0 for vowels and H, W, Y (which separate nothing).
    const TABLE: &[u8; 26] = b"01230120022455012623010202";
    let s = args::str_at(a, 0);
    let mut out: Vec<u8> = Vec::with_capacity(4);
    let mut last = 0u8;
    for &c in s.iter() {
        if out.len() >= 4 {
            break;
        }
        let c = c.to_ascii_uppercase();
        if !c.is_ascii_uppercase() {
            continue;
        }
        let code = TABLE[usize::from(c - b'A')];
        if out.is_empty() {
            out.push(c);
            last = code;
        } else if code != last {
            if code != b'0' {
                out.push(code);
            }
            last = code;
        }
    }
    out.resize(4, b'0');
    Ok(Value::str(out))
}

fn substr_compare(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let (haystack, needle) = (args::str_at(a, 0), args::str_at(a, 1));
    let mut offset = args::int_or(a, 2, 0);
    let length = match args::opt(a, 3) {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    };
    let fold = args::bool_or(a, 4, false);
    match length {
        Some(0) => return Ok(Value::Int(0)),
        Some(n) if n < 0 => {
            return Err(Fault::value_error(
                "substr_compare(): Argument #4 ($length) must be greater than or equal to 0",
            ))
        }
        _ => {}
    }
    if offset < 0 {
        offset = (haystack.len() as i64 + offset).max(0);
    }
    if offset > haystack.len() as i64 {
        return Err(Fault::value_error(
            "substr_compare(): Argument #3 ($offset) must be contained in argument #1 ($haystack)",
        ));
    }
    let rest = &haystack[offset as usize..];
    let cmp_len = match length {
        Some(n) => n as usize,
        None => needle.len().max(rest.len()),
    };
    Ok(Value::Int(super::binary_strncmp(
        rest, &needle, cmp_len, fold,
    )))
}

fn str_word_count(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let format = args::int_or(a, 1, 0);
    if !(0..=2).contains(&format) {
        return Err(Fault::value_error(
            "str_word_count(): Argument #2 ($format) must be a valid format value",
        ));
    }
    let mask = match args::opt(a, 2) {
        Some(Value::Str(list)) => Some(super::char_mask(host, list, "str_word_count")?),
        _ => None,
    };
    let mut words = PhpArray::new();
    let mut count = 0i64;
    if !s.is_empty() {
        let allowed = |c: u8| mask.as_ref().is_some_and(|m| m[usize::from(c)]);
        let (mut p, mut end) = (0usize, s.len());
        // A word cannot start with `'` or `-`, nor end with `-`, unless they are allowed.
        if (s[0] == b'\'' && !allowed(b'\'')) || (s[0] == b'-' && !allowed(b'-')) {
            p += 1;
        }
        if s[end - 1] == b'-' && !allowed(b'-') {
            end -= 1;
        }
        while p < end {
            let start = p;
            while p < end
                && (s[p].is_ascii_alphabetic() || allowed(s[p]) || s[p] == b'\'' || s[p] == b'-')
            {
                p += 1;
            }
            if p > start {
                let word = Value::str(&s[start..p]);
                match format {
                    1 => {
                        words.push(word);
                    }
                    2 => words.insert(ArrayKey::Int(start as i64), word),
                    _ => count += 1,
                }
            }
            p += 1;
        }
    }
    Ok(if format == 0 {
        Value::Int(count)
    } else {
        Value::array(words)
    })
}

fn count_chars(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let mode = args::int_or(a, 1, 0);
    if !(0..=4).contains(&mode) {
        return Err(Fault::value_error(
            "count_chars(): Argument #2 ($mode) must be between 0 and 4 (inclusive)",
        ));
    }
    let mut counts = [0i64; 256];
    for &c in s.iter() {
        counts[usize::from(c)] += 1;
    }
    let keep = |n: i64| match mode {
        0 => true,
        1 | 3 => n != 0,
        _ => n == 0,
    };
    if mode >= 3 {
        let bytes: Vec<u8> = (0..=255u8)
            .filter(|&c| keep(counts[usize::from(c)]))
            .collect();
        return Ok(Value::str(bytes));
    }
    let mut out = PhpArray::new();
    for (c, &n) in counts.iter().enumerate() {
        if keep(n) {
            out.insert(ArrayKey::Int(c as i64), Value::Int(n));
        }
    }
    Ok(Value::array(out))
}
