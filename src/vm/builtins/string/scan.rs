//! `sscanf`: php-src's `scanf.c` (itself from Tcl), with its validation pass and its
//! conversions `%d %D %i %o %x %X %u %f %e %E %g %s %c %[set] %n`, widths, `*`
//! suppression and XPG `%n$` positions.
//!
//! The input is read as a C string: scanning stops at a NUL byte, as in PHP.

use super::super::super::array::{ArrayKey, PhpArray};
use super::super::super::error::{Fault, PhpResult};
use super::super::super::host::Host;
use super::super::super::value::Value;
use super::super::args;
use super::super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[BuiltinDef {
    name: "sscanf",
    sig: "string $string, string $format, mixed &...$vars",
    func: sscanf,
}];

/// The constants of this family (none).
pub const CONSTANTS: &[(&str, ConstVal)] = &[];

/// php-src's limit on `%n$` positions when no variables are passed.
const SCAN_MAX_ARGS: usize = 0xFF;

/// C's `isspace` in the C locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Reads a decimal number at `*i` (as `strtoul`), advancing past it.
fn read_number(format: &[u8], i: &mut usize) -> usize {
    let mut n: usize = 0;
    while let Some(d) = format.get(*i).filter(|d| d.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(usize::from(d - b'0'));
        *i += 1;
    }
    n
}

/// Whether the digits at `i` are followed by `$` (an XPG position).
fn xpg_at(format: &[u8], i: usize) -> bool {
    let mut j = i;
    while format.get(j).is_some_and(u8::is_ascii_digit) {
        j += 1;
    }
    j > i && format.get(j) == Some(&b'$')
}

/// `ValidateFormat`: checks the format against the number of variables and returns how
/// many results it produces.
fn validate(format: &[u8], num_vars: usize) -> Result<usize, &'static str> {
    let at = |i: usize| format.get(i).copied().unwrap_or(0);
    let mut assigned: Vec<u32> = vec![0; num_vars];
    let (mut got_xpg, mut got_sequential) = (false, false);
    let (mut obj_index, mut xpg_size) = (0usize, 0usize);
    let bad_index = |got_xpg: bool| {
        if got_xpg {
            "\"%n$\" argument index out of range"
        } else {
            "Different numbers of variable names and field specifiers"
        }
    };
    let mut i = 0;
    while i < format.len() {
        if format[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        if at(i) == b'%' {
            i += 1;
            continue;
        }
        let mut suppress = false;
        if at(i) == b'*' {
            suppress = true;
            i += 1;
        } else if at(i).is_ascii_digit() && xpg_at(format, i) {
            let value = read_number(format, &mut i);
            i += 1;
            got_xpg = true;
            if got_sequential {
                return Err("cannot mix \"%\" and \"%n$\" conversion specifiers");
            }
            if value == 0 || (num_vars != 0 && value > num_vars) {
                return Err(bad_index(true));
            }
            obj_index = value - 1;
            if num_vars == 0 {
                if value > SCAN_MAX_ARGS {
                    return Err(bad_index(true));
                }
                xpg_size = xpg_size.max(value);
            }
        } else {
            got_sequential = true;
            if got_xpg {
                return Err("cannot mix \"%\" and \"%n$\" conversion specifiers");
            }
        }
        if at(i).is_ascii_digit() {
            read_number(format, &mut i);
        }
        if matches!(at(i), b'l' | b'L' | b'h') {
            i += 1;
        }
        if !suppress && num_vars != 0 && obj_index >= num_vars {
            return Err(bad_index(got_xpg));
        }
        match at(i) {
            b'n' | b'd' | b'D' | b'i' | b'o' | b'x' | b'X' | b'u' | b'f' | b'e' | b'E' | b'g'
            | b's' | b'c' => i += 1,
            b'[' => {
                i += 1;
                if at(i) == b'^' {
                    i += 1;
                }
                if at(i) == b']' {
                    i += 1;
                }
                while at(i) != b']' {
                    if i >= format.len() {
                        return Err("Unmatched [ in format string");
                    }
                    i += 1;
                }
                i += 1;
            }
            _ => return Err("Bad scan conversion character"),
        }
        if !suppress {
            if obj_index >= assigned.len() {
                assigned.resize(obj_index + 1, 0);
            }
            assigned[obj_index] += 1;
            obj_index += 1;
        }
    }
    let total = if num_vars != 0 {
        num_vars
    } else if xpg_size != 0 {
        xpg_size
    } else {
        obj_index
    };
    for k in 0..total {
        let count = assigned.get(k).copied().unwrap_or(0);
        if count > 1 {
            return Err("Variable is assigned by multiple \"%n$\" conversion specifiers");
        } else if xpg_size == 0 && count == 0 {
            return Err("Variable is not assigned by any conversion specifiers");
        }
    }
    Ok(total)
}

/// A `%[...]` set, parsed as `BuildCharSet` does; returns the set and the index after `]`.
fn char_set(format: &[u8], mut i: usize) -> (Box<dyn Fn(u8) -> bool>, usize) {
    let at = |i: usize| format.get(i).copied().unwrap_or(0);
    let exclude = at(i) == b'^';
    if exclude {
        i += 1;
    }
    let mut chars: Vec<u8> = Vec::new();
    let mut ranges: Vec<(u8, u8)> = Vec::new();
    let mut start = at(i);
    if at(i) == b']' || at(i) == b'-' {
        chars.push(at(i));
        i += 1;
    }
    while at(i) != b']' && i < format.len() {
        let ch = at(i);
        if at(i + 1) == b'-' {
            // Possibly the start of a range: decided at the dash.
            start = ch;
        } else if ch == b'-' {
            if at(i + 1) == b']' {
                chars.push(start);
                chars.push(ch);
            } else {
                i += 1;
                let end = at(i);
                // php-src compares plain (signed) chars.
                let (lo, hi) = if (start as i8) < (end as i8) {
                    (start, end)
                } else {
                    (end, start)
                };
                ranges.push((lo, hi));
            }
        } else {
            chars.push(ch);
        }
        i += 1;
    }
    let matches = move |c: u8| {
        let hit = chars.contains(&c)
            || ranges
                .iter()
                .any(|&(lo, hi)| (lo as i8) <= (c as i8) && (c as i8) <= (hi as i8));
        hit != exclude
    };
    (Box::new(matches), i + 1)
}

/// One scanned value, before it is stored.
enum Scanned {
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
}

impl Scanned {
    fn into_value(self) -> Value {
        match self {
            Scanned::Int(n) => Value::Int(n),
            Scanned::Float(f) => Value::Float(f),
            Scanned::Str(s) => Value::str(s),
        }
    }
}

/// C's `strtol`/`strtoul` over the digits collected by the scanner (which are valid for
/// `base`); out-of-range values saturate as strtol's do. `unsigned` returns the wrapped
/// 64-bit pattern, as strtoul does for a negative number.
fn strtol(digits: &[u8], base: u32, unsigned: bool) -> i64 {
    let (negative, mut body) = match digits.first() {
        Some(b'-') => (true, &digits[1..]),
        Some(b'+') => (false, &digits[1..]),
        _ => (false, digits),
    };
    if base == 16 && body.len() >= 2 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
        body = &body[2..];
    }
    let mut magnitude: u64 = 0;
    let mut overflow = false;
    for &d in body {
        let Some(v) = (d as char).to_digit(base) else {
            break;
        };
        match magnitude
            .checked_mul(u64::from(base))
            .and_then(|m| m.checked_add(u64::from(v)))
        {
            Some(m) => magnitude = m,
            None => overflow = true,
        }
    }
    if unsigned {
        if overflow {
            return -1;
        }
        return if negative {
            magnitude.wrapping_neg() as i64
        } else {
            magnitude as i64
        };
    }
    if negative {
        if overflow || magnitude > i64::MIN.unsigned_abs() {
            i64::MIN
        } else {
            (magnitude as i64).wrapping_neg()
        }
    } else if overflow || magnitude > i64::MAX as u64 {
        i64::MAX
    } else {
        magnitude as i64
    }
}

fn sscanf(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let input = args::str_at(a, 0);
    let format = args::str_at(a, 1);
    let vars = &a[2..];
    // Scanning treats the input and the format as C strings.
    let input = &input[..input.iter().position(|&c| c == 0).unwrap_or(input.len())];
    let format = &format[..format.iter().position(|&c| c == 0).unwrap_or(format.len())];
    let total = validate(format, vars.len()).map_err(|msg| {
        if msg.starts_with("Bad scan") {
            let i = format.len().min(bad_char_index(format));
            let c = format.get(i).copied().unwrap_or(0);
            Fault::value_error(format!("{msg} \"{}\"", c as char))
        } else {
            Fault::value_error(msg)
        }
    })?;
    let mut results: Vec<Option<Scanned>> = (0..total).map(|_| None).collect();
    let fmt = |i: usize| format.get(i).copied().unwrap_or(0);
    let inp = |i: usize| input.get(i).copied().unwrap_or(0);
    let (mut f, mut s) = (0usize, 0usize);
    let mut obj_index = 0usize;
    let mut conversions = 0usize;
    let mut underflow = false;
    'scan: while f < format.len() {
        let ch = fmt(f);
        f += 1;
        if is_space(ch) {
            while is_space(inp(s)) {
                s += 1;
            }
            continue;
        }
        let literal = if ch != b'%' {
            Some(ch)
        } else if fmt(f) == b'%' {
            f += 1;
            Some(b'%')
        } else {
            None
        };
        if let Some(lit) = literal {
            if s >= input.len() {
                underflow = true;
                break;
            }
            s += 1;
            if input[s - 1] != lit {
                break;
            }
            continue;
        }
        let mut suppress = false;
        if fmt(f) == b'*' {
            suppress = true;
            f += 1;
        } else if xpg_at(format, f) {
            let value = read_number(format, &mut f);
            f += 1;
            obj_index = value - 1;
        }
        let mut width = if fmt(f).is_ascii_digit() {
            read_number(format, &mut f)
        } else {
            0
        };
        if matches!(fmt(f), b'l' | b'L' | b'h') {
            f += 1;
        }
        let conv = fmt(f);
        f += 1;
        let mut store = |value: Scanned, obj_index: &mut usize| {
            if !suppress {
                if *obj_index < results.len() {
                    results[*obj_index] = Some(value);
                }
                *obj_index += 1;
            }
        };
        if conv == b'n' {
            store(Scanned::Int(s as i64), &mut obj_index);
            conversions += 1;
            continue;
        }
        let no_skip = matches!(conv, b'c' | b'[');
        if conv == b'c' && width == 0 {
            width = 1;
        }
        if s >= input.len() {
            underflow = true;
            break;
        }
        if !no_skip {
            while is_space(inp(s)) {
                s += 1;
            }
            if s >= input.len() {
                underflow = true;
                break;
            }
        }
        match conv {
            b's' | b'c' => {
                let limit = if width == 0 { usize::MAX } else { width };
                let start = s;
                while s < input.len() && !is_space(input[s]) && s - start < limit {
                    s += 1;
                }
                store(Scanned::Str(input[start..s].to_vec()), &mut obj_index);
            }
            b'[' => {
                let (in_set, next) = char_set(format, f);
                f = next;
                let limit = if width == 0 { usize::MAX } else { width };
                let start = s;
                while s < input.len() && in_set(input[s]) && s - start < limit {
                    s += 1;
                }
                if s == start {
                    break 'scan;
                }
                store(Scanned::Str(input[start..s].to_vec()), &mut obj_index);
            }
            b'f' | b'e' | b'E' | b'g' => {
                let limit = if width == 0 || width > 63 { 63 } else { width };
                let (mut sign_ok, mut no_digits, mut point_ok, mut exp_ok) =
                    (true, true, true, true);
                let start = s;
                while s - start < limit && s < input.len() {
                    match input[s] {
                        b'0'..=b'9' => {
                            sign_ok = false;
                            no_digits = false;
                        }
                        b'+' | b'-' if sign_ok => sign_ok = false,
                        b'.' if point_ok => {
                            sign_ok = false;
                            point_ok = false;
                        }
                        b'e' | b'E' if !no_digits && exp_ok => {
                            exp_ok = false;
                            point_ok = false;
                            sign_ok = true;
                            no_digits = true;
                        }
                        _ => break,
                    }
                    s += 1;
                }
                if no_digits {
                    if exp_ok {
                        // No digits at all: the conversion fails.
                        if s >= input.len() {
                            underflow = true;
                        }
                        break 'scan;
                    }
                    // A bad exponent: give back the `e` and any sign after it.
                    s -= 1;
                    if !matches!(input[s], b'e' | b'E') {
                        s -= 1;
                    }
                }
                let text = String::from_utf8_lossy(&input[start..s]).into_owned();
                let value = text.parse::<f64>().unwrap_or_else(|_| {
                    // Rust rejects forms C accepts ("1.", ".5" is fine, "1.e3").
                    text.replace(".e", "e")
                        .replace(".E", "E")
                        .trim_end_matches('.')
                        .parse()
                        .unwrap_or(0.0)
                });
                store(Scanned::Float(value), &mut obj_index);
            }
            _ => {
                let (mut base, unsigned) = match conv {
                    b'd' | b'D' => (10u32, false),
                    b'i' => (0, false),
                    b'o' => (8, false),
                    b'x' | b'X' => (16, false),
                    _ => (10, true),
                };
                let limit = if width == 0 || width > 63 { 63 } else { width };
                let (mut sign_ok, mut no_digits, mut no_zero, mut x_ok) = (true, true, true, false);
                let start = s;
                while s - start < limit && s < input.len() {
                    let c = input[s];
                    match c {
                        b'0' => {
                            if base == 16 {
                                x_ok = true;
                            }
                            if base == 0 {
                                base = 8;
                                x_ok = true;
                            }
                            if no_zero {
                                sign_ok = false;
                                no_digits = false;
                                no_zero = false;
                            } else {
                                sign_ok = false;
                                x_ok = false;
                                no_digits = false;
                            }
                        }
                        b'1'..=b'7' => {
                            if base == 0 {
                                base = 10;
                            }
                            sign_ok = false;
                            x_ok = false;
                            no_digits = false;
                        }
                        b'8' | b'9' => {
                            if base == 0 {
                                base = 10;
                            }
                            if base <= 8 {
                                break;
                            }
                            sign_ok = false;
                            x_ok = false;
                            no_digits = false;
                        }
                        b'A'..=b'F' | b'a'..=b'f' => {
                            if base <= 10 {
                                break;
                            }
                            sign_ok = false;
                            x_ok = false;
                            no_digits = false;
                        }
                        b'+' | b'-' if sign_ok => sign_ok = false,
                        b'x' | b'X' if x_ok && s == start + 1 => {
                            base = 16;
                            x_ok = false;
                        }
                        _ => break,
                    }
                    s += 1;
                }
                if no_digits {
                    if s >= input.len() {
                        underflow = true;
                    }
                    break 'scan;
                } else if matches!(input[s - 1], b'x' | b'X') {
                    s -= 1;
                }
                let digits = &input[start..s];
                let base = if base == 0 { 10 } else { base };
                let value = strtol(digits, base, unsigned);
                if unsigned && value < 0 {
                    store(
                        Scanned::Str((value as u64).to_string().into_bytes()),
                        &mut obj_index,
                    );
                } else {
                    store(Scanned::Int(value), &mut obj_index);
                }
            }
        }
        conversions += 1;
    }

    if vars.is_empty() {
        if underflow && conversions == 0 {
            return Ok(Value::Null);
        }
        let mut out = PhpArray::new();
        for (k, v) in results.into_iter().enumerate() {
            out.insert(
                ArrayKey::Int(k as i64),
                v.map_or(Value::Null, Scanned::into_value),
            );
        }
        return Ok(Value::array(out));
    }
    if underflow && conversions == 0 {
        return Ok(Value::Int(-1));
    }
    for (var, result) in vars.iter().zip(results) {
        if let (Value::Ref(cell), Some(value)) = (var, result) {
            *cell.borrow_mut() = value.into_value();
        }
    }
    Ok(Value::Int(conversions as i64))
}

/// The index of the conversion character `validate` rejected (for the error message).
fn bad_char_index(format: &[u8]) -> usize {
    let at = |i: usize| format.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while i < format.len() {
        if format[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        if at(i) == b'%' {
            i += 1;
            continue;
        }
        if at(i) == b'*' {
            i += 1;
        } else if xpg_at(format, i) {
            read_number(format, &mut i);
            i += 1;
        }
        if at(i).is_ascii_digit() {
            read_number(format, &mut i);
        }
        if matches!(at(i), b'l' | b'L' | b'h') {
            i += 1;
        }
        match at(i) {
            b'n' | b'd' | b'D' | b'i' | b'o' | b'x' | b'X' | b'u' | b'f' | b'e' | b'E' | b'g'
            | b's' | b'c' => i += 1,
            b'[' => {
                i += 1;
                while i < format.len() && at(i) != b']' {
                    i += 1;
                }
                i += 1;
            }
            _ => return i,
        }
    }
    i
}
