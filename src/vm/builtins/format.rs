//! Formatted output: `sprintf`, `printf`, `vsprintf`, `vprintf` and `number_format`.
//!
//! The formatter is a transcription of php-src's `ext/standard/formatted_print.c`
//! (`php_formatted_print` and its `append*` helpers), including its quirks: `%c` ignores
//! width, integers cannot be right-padded with zeros, `INF`/`NaN` are laid out with a fixed
//! width of 3 so that `%05f` of `-INF` is `-NF`, and a precision on `%x`/`%o`/`%b` truncates
//! the digits. `fprintf`/`vfprintf` need streams and live with them.
//!
//! `sprintf` is on the hot path of string-heavy scripts, so the formatter writes straight
//! into one output buffer and formats numbers in stack buffers.

use super::super::convert::format_float;
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::host::Host;
use super::super::value::{PhpStr, Value};
use super::args;
use super::math::php_round;
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef { name: "sprintf", sig: "string $format, mixed ...$values", func: sprintf },
    BuiltinDef { name: "printf", sig: "string $format, mixed ...$values", func: printf },
    BuiltinDef { name: "vsprintf", sig: "string $format, array $values", func: vsprintf },
    BuiltinDef { name: "vprintf", sig: "string $format, array $values", func: vprintf },
    BuiltinDef {
        name: "number_format",
        sig: "float $num, int $decimals = 0, ?string $decimal_separator = \".\", ?string $thousands_separator = \",\"",
        func: number_format,
    },
];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[];

/// `MAX_FLOAT_PRECISION` of formatted_print.c.
const MAX_FLOAT_PRECISION: i64 = 53;
/// Default precision of `%e`/`%f`/`%g`.
const FLOAT_PRECISION: i64 = 6;

fn sprintf(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let format = args::str_at(args, 0);
    let mut out = Vec::with_capacity(format.len() + 16);
    format_into(host, &mut out, &format, &args[1..], 1, "sprintf")?;
    Ok(Value::str(out))
}

fn printf(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let format = args::str_at(args, 0);
    let mut out = Vec::with_capacity(format.len() + 16);
    format_into(host, &mut out, &format, &args[1..], 1, "printf")?;
    host.echo(&out);
    Ok(Value::Int(out.len() as i64))
}

fn array_values(args: &[Value]) -> Vec<Value> {
    args::array_at(args, 1).values().cloned().collect()
}

fn vsprintf(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let format = args::str_at(args, 0);
    let values = array_values(args);
    let mut out = Vec::with_capacity(format.len() + 16);
    format_into(host, &mut out, &format, &values, -1, "vsprintf")?;
    Ok(Value::str(out))
}

fn vprintf(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let format = args::str_at(args, 0);
    let values = array_values(args);
    let mut out = Vec::with_capacity(format.len() + 16);
    format_into(host, &mut out, &format, &values, -1, "vprintf")?;
    host.echo(&out);
    Ok(Value::Int(out.len() as i64))
}

/// How a specifier aligns its field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// `php_sprintf_getnumber`: digits at `*i` as `strtol` reads them; -1 when out of `int`.
fn get_number(fmt: &[u8], i: &mut usize) -> i64 {
    let start = *i;
    while fmt.get(*i).is_some_and(u8::is_ascii_digit) {
        *i += 1;
    }
    let mut n: i64 = 0;
    for &c in &fmt[start..*i] {
        n = n.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    if n >= i64::from(i32::MAX) {
        -1
    } else {
        n
    }
}

fn argnum_error() -> Fault {
    Fault::value_error(format!(
        "Argument number specifier must be greater than zero and less than {}",
        i32::MAX
    ))
}

/// `php_sprintf_get_argnum` for `*` widths: `Some(n)` for `N$`, `None` for "next".
fn get_argnum(fmt: &[u8], i: &mut usize) -> PhpResult<Option<usize>> {
    let mut t = *i;
    while fmt.get(t).is_some_and(u8::is_ascii_digit) {
        t += 1;
    }
    if fmt.get(t) != Some(&b'$') {
        return Ok(None);
    }
    let n = get_number(fmt, i);
    if n <= 0 {
        return Err(argnum_error());
    }
    *i += 1;
    Ok(Some(n as usize - 1))
}

/// Formats `fmt` with `args` into `out`, as `php_formatted_print` does.
/// `nb_additional` is the number of arguments before the values (1 for `sprintf`, 2 for
/// `fprintf`) used in the `ArgumentCountError`, or -1 for the `v*printf` family, whose
/// error is a `ValueError` about the array.
///
/// # Errors
///
/// `ValueError` for malformed specifiers, `ArgumentCountError` for missing arguments, and
/// whatever converting an argument to a string throws.
pub fn format_into(
    host: &mut dyn Host,
    out: &mut Vec<u8>,
    fmt: &[u8],
    args: &[Value],
    nb_additional: i64,
    func: &str,
) -> PhpResult<()> {
    let at = |i: usize| fmt.get(i).copied().unwrap_or(0);
    let nb_args = args.len();
    let mut currarg = 0usize;
    let mut max_missing: Option<usize> = None;
    let mut i = 0usize;
    let note_missing = |n: usize, m: &mut Option<usize>| {
        *m = Some(m.map_or(n, |x: usize| x.max(n)));
    };
    while i < fmt.len() {
        let Some(rel) = memchr::memchr(b'%', &fmt[i..]) else {
            out.extend_from_slice(&fmt[i..]);
            break;
        };
        out.extend_from_slice(&fmt[i..i + rel]);
        i += rel + 1;
        if at(i) == b'%' {
            out.push(b'%');
            i += 1;
            continue;
        }
        let mut align = Align::Right;
        let mut padding = b' ';
        let mut always_sign = false;
        let mut expprec = false;
        let mut width: usize = 0;
        let mut precision: i64 = 0;
        let mut adjust_precision = false;
        let mut argnum: Option<usize> = None;
        if !at(i).is_ascii_alphabetic() {
            // An argument number `N$` first.
            let mut t = i;
            while at(t).is_ascii_digit() {
                t += 1;
            }
            if at(t) == b'$' {
                let n = get_number(fmt, &mut i);
                if n <= 0 {
                    return Err(argnum_error());
                }
                argnum = Some(n as usize - 1);
                i += 1;
            }
            // Then modifiers.
            loop {
                match at(i) {
                    b' ' | b'0' => padding = at(i),
                    b'-' => align = Align::Left,
                    b'+' => always_sign = true,
                    b'\'' => {
                        if fmt.len() - i > 1 {
                            i += 1;
                            padding = at(i);
                        } else {
                            return Err(Fault::value_error("Missing padding character"));
                        }
                    }
                    _ => break,
                }
                i += 1;
            }
            // Then the width.
            if at(i) == b'*' {
                i += 1;
                let n = match get_argnum(fmt, &mut i)? {
                    None => {
                        currarg += 1;
                        currarg - 1
                    }
                    Some(n) => {
                        note_missing(n, &mut max_missing);
                        n
                    }
                };
                if n >= nb_args {
                    note_missing(n, &mut max_missing);
                    continue;
                }
                let Value::Int(w) = args[n].deref_clone() else {
                    return Err(Fault::value_error("Width must be an integer"));
                };
                if w < 0 || w > i64::from(i32::MAX) {
                    return Err(Fault::value_error(format!(
                        "Width must be greater than zero and less than {}",
                        i32::MAX
                    )));
                }
                width = w as usize;
            } else if at(i).is_ascii_digit() {
                let w = get_number(fmt, &mut i);
                if w < 0 {
                    return Err(Fault::value_error(format!(
                        "Width must be greater than zero and less than {}",
                        i32::MAX
                    )));
                }
                width = w as usize;
            }
            // Then the precision.
            if at(i) == b'.' {
                i += 1;
                adjust_precision = true;
                if at(i) == b'*' {
                    i += 1;
                    let n = match get_argnum(fmt, &mut i)? {
                        None => {
                            currarg += 1;
                            currarg - 1
                        }
                        Some(n) => {
                            note_missing(n, &mut max_missing);
                            n
                        }
                    };
                    if n >= nb_args {
                        note_missing(n, &mut max_missing);
                        continue;
                    }
                    let Value::Int(p) = args[n].deref_clone() else {
                        return Err(Fault::value_error("Precision must be an integer"));
                    };
                    if p < -1 || p > i64::from(i32::MAX) {
                        return Err(Fault::value_error(format!(
                            "Precision must be between -1 and {}",
                            i32::MAX
                        )));
                    }
                    precision = p;
                    expprec = true;
                } else if at(i).is_ascii_digit() {
                    let p = get_number(fmt, &mut i);
                    if p < 0 {
                        return Err(Fault::value_error(format!(
                            "Precision must be greater than zero and less than {}",
                            i32::MAX
                        )));
                    }
                    precision = p;
                    expprec = true;
                }
            }
        }
        if at(i) == b'l' {
            i += 1;
        }
        let n = match argnum {
            None => {
                currarg += 1;
                currarg - 1
            }
            Some(n) => {
                note_missing(n, &mut max_missing);
                n
            }
        };
        if n >= nb_args {
            // PHP keeps scanning (the specifier letter is then copied as text) so that
            // the error can name the highest missing argument.
            note_missing(n, &mut max_missing);
            continue;
        }
        let spec = at(i);
        if expprec && precision == -1 && !matches!(spec, b'g' | b'G' | b'h' | b'H') {
            return Err(Fault::value_error(
                "Precision -1 is only supported for %g, %G, %h and %H",
            ));
        }
        let arg = &args[n];
        match spec {
            b's' => {
                let s = match arg {
                    Value::Str(s) => s.clone(),
                    Value::Ref(r) => match &*r.borrow() {
                        Value::Str(s) => s.clone(),
                        other => to_str(host, other)?,
                    },
                    other => to_str(host, other)?,
                };
                let max = if expprec {
                    precision as usize
                } else {
                    usize::MAX
                };
                append_string(out, &s, width, max, padding, align, false, false);
            }
            b'd' => append_int(out, arg.to_int_deref(), width, padding, align, always_sign),
            b'u' => append_uint(out, arg.to_int_deref() as u64, width, padding, align),
            b'e' | b'E' | b'f' | b'F' | b'g' | b'G' | b'h' | b'H' => {
                let mut p = precision;
                if !adjust_precision {
                    p = FLOAT_PRECISION;
                } else if p > MAX_FLOAT_PRECISION {
                    host.raise(
                        ErrorLevel::Notice,
                        &format!(
                            "{func}(): Requested precision of {p} digits was truncated to PHP maximum of {MAX_FLOAT_PRECISION} digits"
                        ),
                    )?;
                    p = MAX_FLOAT_PRECISION;
                }
                append_double(
                    out,
                    arg.to_float_deref(),
                    width,
                    padding,
                    align,
                    p,
                    spec,
                    always_sign,
                );
            }
            b'c' => out.push(arg.to_int_deref() as u8),
            b'o' => append_2n(
                out,
                arg.to_int_deref(),
                width,
                padding,
                align,
                3,
                false,
                expprec.then_some(precision),
            ),
            b'x' => append_2n(
                out,
                arg.to_int_deref(),
                width,
                padding,
                align,
                4,
                false,
                expprec.then_some(precision),
            ),
            b'X' => append_2n(
                out,
                arg.to_int_deref(),
                width,
                padding,
                align,
                4,
                true,
                expprec.then_some(precision),
            ),
            b'b' => append_2n(
                out,
                arg.to_int_deref(),
                width,
                padding,
                align,
                1,
                false,
                expprec.then_some(precision),
            ),
            b'%' => out.push(b'%'),
            0 if i >= fmt.len() => {
                return Err(Fault::value_error(
                    "Missing format specifier at end of string",
                ))
            }
            other => {
                return Err(Fault::value_error(format!(
                    "Unknown format specifier \"{}\"",
                    String::from_utf8_lossy(&[other])
                )))
            }
        }
        i += 1;
    }
    if let Some(m) = max_missing.filter(|&m| m >= nb_args) {
        if nb_additional == -1 {
            return Err(Fault::value_error(format!(
                "The arguments array must contain {} items, {} given",
                m + 1,
                nb_args
            )));
        }
        return Err(Fault::error(
            "ArgumentCountError",
            format!(
                "{} arguments are required, {} given",
                m as i64 + nb_additional + 1,
                nb_args as i64 + nb_additional
            ),
        ));
    }
    Ok(())
}

fn to_str(host: &mut dyn Host, v: &Value) -> PhpResult<PhpStr> {
    match v {
        Value::Object(_) | Value::Array(_) => host.to_str(v),
        other => Ok(other.scalar_to_str()),
    }
}

/// Conversions of a possibly-referenced argument.
trait DerefNum {
    fn to_int_deref(&self) -> i64;
    fn to_float_deref(&self) -> f64;
}

impl DerefNum for Value {
    fn to_int_deref(&self) -> i64 {
        match self {
            Value::Int(i) => *i,
            Value::Ref(r) => r.borrow().to_int(),
            other => other.to_int(),
        }
    }
    fn to_float_deref(&self) -> f64 {
        match self {
            Value::Float(f) => *f,
            Value::Ref(r) => r.borrow().to_float(),
            other => other.to_float(),
        }
    }
}

/// `php_sprintf_appendstring`. `max_width` truncates (precision of `%s`); `neg` and
/// `always_sign` move a leading sign before zero padding.
#[allow(clippy::too_many_arguments)]
fn append_string(
    out: &mut Vec<u8>,
    add: &[u8],
    min_width: usize,
    max_width: usize,
    padding: u8,
    align: Align,
    neg: bool,
    always_sign: bool,
) {
    let mut copy_len = add.len().min(max_width);
    let mut npad = min_width.saturating_sub(copy_len);
    let mut add = add;
    if align == Align::Right {
        if (neg || always_sign) && padding == b'0' && !add.is_empty() {
            out.push(if neg { b'-' } else { b'+' });
            add = &add[1..];
            copy_len -= 1;
        }
        out.resize(out.len() + npad, padding);
        npad = 0;
    }
    out.extend_from_slice(&add[..copy_len]);
    if align == Align::Left {
        out.resize(out.len() + npad, padding);
    }
}

/// `php_sprintf_appendint`.
fn append_int(
    out: &mut Vec<u8>,
    n: i64,
    width: usize,
    padding: u8,
    align: Align,
    always_sign: bool,
) {
    let mut buf = [0u8; 24];
    let mut i = buf.len();
    let mut magn = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (magn % 10) as u8;
        magn /= 10;
        if magn == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    } else if always_sign {
        i -= 1;
        buf[i] = b'+';
    }
    // Integers cannot be right-padded with zeros.
    let padding = if align == Align::Left && padding == b'0' {
        b' '
    } else {
        padding
    };
    append_string(
        out,
        &buf[i..],
        width,
        usize::MAX,
        padding,
        align,
        n < 0,
        always_sign,
    );
}

/// `php_sprintf_appenduint`.
fn append_uint(out: &mut Vec<u8>, n: u64, width: usize, padding: u8, align: Align) {
    let mut buf = [0u8; 24];
    let mut i = buf.len();
    let mut magn = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (magn % 10) as u8;
        magn /= 10;
        if magn == 0 {
            break;
        }
    }
    let padding = if align == Align::Left && padding == b'0' {
        b' '
    } else {
        padding
    };
    append_string(
        out,
        &buf[i..],
        width,
        usize::MAX,
        padding,
        align,
        false,
        false,
    );
}

/// `php_sprintf_append2n`: binary, octal and hex. A precision (if given) truncates the
/// digits, as PHP passes it through to `appendstring` with a maximum width of 0.
#[allow(clippy::too_many_arguments)]
fn append_2n(
    out: &mut Vec<u8>,
    n: i64,
    width: usize,
    padding: u8,
    align: Align,
    bits: u32,
    upper: bool,
    precision: Option<i64>,
) {
    let table: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut buf = [0u8; 64];
    let mut i = buf.len();
    let mut num = n as u64;
    let mask = (1u64 << bits) - 1;
    loop {
        i -= 1;
        buf[i] = table[(num & mask) as usize];
        num >>= bits;
        if num == 0 {
            break;
        }
    }
    // formatted_print.c passes max_width 0 with expprec, so any precision empties it.
    let max = if precision.is_some() { 0 } else { usize::MAX };
    append_string(out, &buf[i..], width, max, padding, align, false, false);
}

/// `php_conv_fp` for `e`, `E`, `f`, `F`: sign handled by the caller.
fn conv_fp(out: &mut Vec<u8>, spec: u8, abs: f64, precision: usize) {
    use std::io::Write;
    if spec == b'f' || spec == b'F' {
        // std's fixed formatting is exact and rounds the binary value half to even, as
        // zend_dtoa mode 3 does.
        let _ = write!(out, "{:.*}", precision, abs);
    } else {
        let text = format!("{:.*e}", precision, abs);
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        out.extend_from_slice(mantissa.as_bytes());
        out.push(spec);
        let exp: i32 = exp.parse().unwrap_or(0);
        out.push(if exp < 0 { b'-' } else { b'+' });
        let _ = write!(out, "{}", exp.unsigned_abs());
    }
}

/// `php_sprintf_appenddouble`.
#[allow(clippy::too_many_arguments)]
fn append_double(
    out: &mut Vec<u8>,
    number: f64,
    width: usize,
    padding: u8,
    align: Align,
    precision: i64,
    spec: u8,
    always_sign: bool,
) {
    if number.is_nan() {
        // PHP lays these out with a fixed width of 3, whatever was asked.
        append_string(
            out,
            b"NaN",
            3,
            usize::MAX,
            padding,
            align,
            false,
            always_sign,
        );
        return;
    }
    if number.is_infinite() {
        let neg = number < 0.0;
        append_string(out, b"INF", 3, usize::MAX, padding, align, neg, always_sign);
        return;
    }
    let mut buf: Vec<u8> = Vec::with_capacity(32);
    let neg;
    match spec {
        b'e' | b'E' | b'f' | b'F' => {
            neg = number < 0.0;
            if neg {
                buf.push(b'-');
            } else if always_sign {
                buf.push(b'+');
            }
            conv_fp(&mut buf, spec, number.abs(), precision as usize);
        }
        _ => {
            let precision = if precision == 0 { 1 } else { precision };
            let exp_char = if spec == b'G' || spec == b'H' {
                b'E'
            } else {
                b'e'
            };
            let text = format_float(number, precision as i32, exp_char);
            neg = text.first() == Some(&b'-');
            if !neg && always_sign {
                buf.push(b'+');
            }
            buf.extend_from_slice(&text);
        }
    }
    append_string(
        out,
        &buf,
        width,
        usize::MAX,
        padding,
        align,
        neg,
        always_sign,
    );
}

fn number_format(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let num = args::float_or(args, 0, 0.0);
    let decimals = args::int_or(args, 1, 0);
    let dec_point: &[u8] = match args::opt(args, 2) {
        Some(Value::Str(s)) => s,
        _ => b".",
    };
    let thousands: &[u8] = match args::opt(args, 3) {
        Some(Value::Str(s)) => s,
        _ => b",",
    };
    let dec = decimals.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    Ok(Value::str(number_format_bytes(
        num, dec, dec_point, thousands,
    )))
}

/// `10^i` for `i <= 15` (the fast path of `number_format_bytes`).
const INT_POW10: [u64; 16] = {
    let mut t = [1u64; 16];
    let mut i = 1;
    while i < 16 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// `_php_math_number_format_ex`: rounds half up with PHP's pre-rounding, then groups the
/// integer digits.
pub fn number_format_bytes(num: f64, dec: i32, dec_point: &[u8], thousands: &[u8]) -> Vec<u8> {
    let mut d = num;
    let mut is_negative = false;
    if d < 0.0 {
        is_negative = true;
        d = -d;
    }
    let dec = dec.max(0);
    d = php_round(d, dec, 1);
    let dec = dec as usize;
    if !d.is_finite() {
        // PHP's own "%.*f" prints these in lower case, and the sign is lost.
        return if d.is_nan() {
            b"nan".to_vec()
        } else {
            b"inf".to_vec()
        };
    }
    if d == 0.0 {
        // Also -0.0, which PHP's own `%.*F` prints without a sign.
        is_negative = false;
        d = 0.0;
    }
    // `%.*F` of the rounded value. The common case (few decimals, a value well inside a
    // double's integer precision) is the integer nearest `d * 10^dec` split at `dec`
    // digits: with `d * 10^dec` below 2^40 its computed value is within 2^-14 of the exact
    // one, so when it is within 0.25 of an integer `k` the exact decimal expansion rounds
    // to `k` too (no tie is possible) and `format!` would print the same digits.
    let mut digits = [0u8; 40];
    let fast = if dec <= 15 {
        let scaled = d * INT_POW10[dec] as f64;
        let k = scaled.round();
        (scaled < (1u64 << 40) as f64 && (scaled - k).abs() < 0.25).then(|| {
            let mut k = k as u64;
            // At least `dec + 1` digits: "0.05" has the integer digit 0.
            let mut start = digits.len();
            while k > 0 || digits.len() - start < dec + 1 {
                start -= 1;
                digits[start] = b'0' + (k % 10) as u8;
                k /= 10;
            }
            start
        })
    } else {
        None
    };
    let tmp;
    let (int_part, frac_part) = match fast {
        Some(start) => digits[start..].split_at(digits.len() - start - dec),
        None => {
            tmp = format!("{:.*}", dec, d);
            match tmp.split_once('.') {
                Some((a, b)) => (a.as_bytes(), b.as_bytes()),
                None => (tmp.as_bytes(), &b""[..]),
            }
        }
    };
    let tmp_len = int_part.len() + frac_part.len() + 1;
    let mut out = Vec::with_capacity(tmp_len + tmp_len / 3 * thousands.len() + 4);
    if is_negative {
        out.push(b'-');
    }
    for (k, &c) in int_part.iter().enumerate() {
        if k > 0 && (int_part.len() - k) % 3 == 0 {
            out.extend_from_slice(thousands);
        }
        out.push(c);
    }
    if dec > 0 {
        out.extend_from_slice(dec_point);
        out.extend_from_slice(frac_part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::host::TestHost;

    fn fmt(f: &str, args: &[Value]) -> Result<String, String> {
        let mut h = TestHost::default();
        let mut out = Vec::new();
        match format_into(&mut h, &mut out, f.as_bytes(), args, 1, "sprintf") {
            Ok(()) => Ok(String::from_utf8_lossy(&out).into_owned()),
            Err(Fault::Error(e)) => {
                let (class, message) = (e.class, &e.message);
                Err(format!("{class}: {message}"))
            }
            Err(other) => Err(format!("{other:?}")),
        }
    }

    fn f(x: f64) -> Value {
        Value::Float(x)
    }
    fn i(x: i64) -> Value {
        Value::Int(x)
    }
    fn s(x: &str) -> Value {
        Value::str(x)
    }

    #[test]
    fn sprintf_table() {
        // php -n /tmp/t3.php and /tmp/t4.php: foreach ($c as [$f, $v]) echo sprintf($f, $v);
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            ("%e", vec![f(1.5)], "1.500000e+0"),
            ("%.2e", vec![f(12345.678)], "1.23e+4"),
            ("%E", vec![f(0.000123)], "1.230000E-4"),
            ("%g", vec![f(0.00001234)], "1.234e-5"),
            ("%g", vec![f(123456789.0)], "1.23457e+8"),
            ("%G", vec![f(1e-10)], "1.0E-10"),
            ("%g", vec![f(100000.0)], "100000"),
            ("%g", vec![f(1000000.0)], "1.0e+6"),
            ("%.3g", vec![f(1234.5)], "1.23e+3"),
            ("%s", vec![f(0.1 + 0.2)], "0.3"),
            ("%d", vec![s("12abc")], "12"),
            ("%d", vec![f(3.99)], "3"),
            ("%d", vec![f(-3.99)], "-3"),
            ("%u", vec![i(-1)], "18446744073709551615"),
            ("%c", vec![i(65)], "A"),
            ("%x", vec![i(-1)], "ffffffffffffffff"),
            ("%o", vec![i(8)], "10"),
            ("%b", vec![i(5)], "101"),
            ("%X", vec![i(255)], "FF"),
            ("%05d", vec![i(-42)], "-0042"),
            ("%-5d|", vec![i(42)], "42   |"),
            ("%+d", vec![i(42)], "+42"),
            ("%+d", vec![i(-42)], "-42"),
            ("%'*10s", vec![s("abc")], "*******abc"),
            ("%-10s|", vec![s("abc")], "abc       |"),
            ("%.3s", vec![s("abcdef")], "abc"),
            ("%5.1f", vec![f(3.14159)], "  3.1"),
            ("%f", vec![f(1e20)], "100000000000000000000.000000"),
            ("%F", vec![f(1.5)], "1.500000"),
            ("%010.2f", vec![f(-3.14159)], "-000003.14"),
            ("%+.2f", vec![f(0.0)], "+0.00"),
            ("% d", vec![i(42)], "42"),
            ("%h", vec![f(0.1)], "0.1"),
            ("%H", vec![f(1e20)], "1.0E+20"),
            ("%.0f", vec![f(0.5)], "0"),
            ("%.0f", vec![f(1.5)], "2"),
            ("%.0f", vec![f(2.5)], "2"),
            ("%e", vec![f(0.0)], "0.000000e+0"),
            ("%.1e", vec![f(9.96)], "1.0e+1"),
            ("%5s", vec![s("abcdefg")], "abcdefg"),
            ("%-05d", vec![i(12)], "12   "),
            ("%x", vec![f(3.7)], "3"),
            ("%s", vec![Value::Bool(true)], "1"),
            ("%s", vec![Value::Null], ""),
            ("%d", vec![s("1e3")], "1000"),
            ("%.2f", vec![s("1.005")], "1.00"),
            ("%.15f", vec![f(0.1)], "0.100000000000000"),
            ("%.20f", vec![f(0.1)], "0.10000000000000000555"),
            ("%g", vec![f(0.0)], "0"),
            ("%e", vec![f(-1.5e-300)], "-1.500000e-300"),
            ("%05s", vec![s("ab")], "000ab"),
            ("%-'x6s", vec![s("ab")], "abxxxx"),
            ("%+05d", vec![i(3)], "+0003"),
            ("%+s", vec![s("a")], "a"),
            ("%.1f", vec![f(0.05)], "0.1"),
            ("%.2f", vec![f(1.255)], "1.25"),
            ("%5.2e", vec![f(1234.0)], "1.23e+3"),
            ("%g", vec![f(1e15)], "1.0e+15"),
            ("%g", vec![f(1e-4)], "0.0001"),
            ("%.1x", vec![i(255)], ""),
            ("%5.1x", vec![i(255)], "     "),
            ("%-08.2f", vec![f(1.5)], "1.500000"),
            ("%08.2f", vec![f(-1.5)], "-0001.50"),
            ("%+08.2f", vec![f(1.5)], "+0001.50"),
            ("%.*f", vec![i(3), f(1.5)], "1.500"),
            ("%*d|", vec![i(5), i(42)], "   42|"),
            ("%-*d|", vec![i(5), i(42)], "42   |"),
            ("%.*g", vec![i(-1), f(0.1)], "0.1"),
            ("%.*H", vec![i(-1), f(1e25)], "1.0E+25"),
            ("%.0e", vec![f(12345.0)], "1e+4"),
            ("%.0g", vec![f(12345.0)], "1.0e+4"),
            ("%H", vec![f(1234567.0)], "1.23457E+6"),
            ("%g", vec![f(-0.0)], "-0"),
            ("%e", vec![f(-0.0)], "0.000000e+0"),
            (
                "%.50g",
                vec![f(0.1)],
                "0.1000000000000000055511151231257827021181583404541",
            ),
            ("%c", vec![i(256 + 66)], "B"),
            ("%5c|", vec![i(65)], "A|"),
            ("%ld", vec![i(4)], "4"),
            ("%1$*2$d|", vec![i(7), i(4)], "   7|"),
            ("%2$.*1$f", vec![i(2), f(3.14159)], "3.14"),
            ("%.3e", vec![f(9.9995)], "9.999e+0"),
            ("%.2e", vec![f(1.125)], "1.12e+0"),
            ("%.17g", vec![f(0.1)], "0.10000000000000001"),
            ("%1$s %s", vec![s("a")], "a a"),
            ("%1$s %1$'x5s", vec![s("a")], "a xxxxa"),
            (
                "%s-%05d:%s|%x",
                vec![s("beta"), i(9), s("BETA"), i(63)],
                "beta-00009:BETA|3f",
            ),
            ("100%%", vec![], "100%"),
        ];
        for (format, args, want) in cases {
            assert_eq!(
                fmt(format, &args).as_deref(),
                Ok(want),
                "sprintf({format:?}, {args:?})"
            );
        }
    }

    #[test]
    fn sprintf_inf_nan() {
        // php -n /tmp/t5.php
        let cases: &[(&str, f64, &str)] = &[
            ("%f", f64::INFINITY, "INF"),
            ("%5f|", f64::INFINITY, "INF|"),
            ("%+05f", f64::INFINITY, "+NF"),
            ("%05f", f64::NEG_INFINITY, "-NF"),
            ("%f", f64::NEG_INFINITY, "INF"),
            ("%08g", f64::NEG_INFINITY, "-NF"),
            ("%f", f64::NAN, "NaN"),
            ("%+05f", f64::NAN, "+aN"),
            ("%-8g|", f64::NAN, "NaN|"),
        ];
        for (format, v, want) in cases {
            assert_eq!(fmt(format, &[f(*v)]).as_deref(), Ok(*want), "{format} {v}");
        }
    }

    #[test]
    fn sprintf_errors() {
        let cases: &[(&str, &str)] = &[
            ("%y", "ValueError: Unknown format specifier \"y\""),
            ("%", "ValueError: Missing format specifier at end of string"),
            ("%2$s", "ArgumentCountError: 3 arguments are required, 2 given"),
            ("%0$s", "ValueError: Argument number specifier must be greater than zero and less than 2147483647"),
            ("%*d", "ValueError: Width must be an integer"),
            ("abc%", "ValueError: Missing format specifier at end of string"),
            ("%5", "ValueError: Missing format specifier at end of string"),
            ("%'", "ValueError: Missing padding character"),
            ("%10$s", "ArgumentCountError: 11 arguments are required, 2 given"),
            ("%s %s", "ArgumentCountError: 3 arguments are required, 2 given"),
            ("%l d", "ValueError: Unknown format specifier \" \""),
        ];
        for (format, want) in cases {
            assert_eq!(fmt(format, &[s("a")]), Err(want.to_string()), "{format}");
        }
        assert_eq!(
            fmt("%*d", &[i(-5), i(42)]),
            Err("ValueError: Width must be greater than zero and less than 2147483647".to_string())
        );
        assert_eq!(
            fmt("%.*f", &[i(-1), f(1.5)]),
            Err("ValueError: Precision -1 is only supported for %g, %G, %h and %H".to_string())
        );
        let mut h = TestHost::default();
        let arr = Value::array(crate::vm::array::PhpArray::from_values(vec![i(1)]));
        let e = vsprintf(&mut h, &[s("%s %s"), arr]).unwrap_err();
        assert!(
            matches!(&e, Fault::Error(e) if e.class == "ValueError" && e.message == "The arguments array must contain 2 items, 1 given")
        );
    }

    #[test]
    fn precision_notice_and_printf() {
        let mut h = TestHost::default();
        let r = sprintf(&mut h, &[s("%.60f"), f(1.0)]).expect("sprintf");
        assert!(
            matches!(r, Value::Str(ref x) if x.as_bytes() == format!("1.{}", "0".repeat(53)).as_bytes())
        );
        assert_eq!(
            h.diags[0].1,
            "sprintf(): Requested precision of 60 digits was truncated to PHP maximum of 53 digits"
        );
        let mut h = TestHost::default();
        let r = printf(&mut h, &[s("ab%sc\n"), s("x")]).expect("printf");
        assert!(matches!(r, Value::Int(5)));
        assert_eq!(h.out, b"abxc\n");
    }

    #[test]
    fn number_format_fast_path_agrees_with_exact_formatting() {
        // The integer shortcut must print what `format!("{:.*}")` of the rounded value does.
        let mut x = 0.37f64;
        for step in 0..4000 {
            x = x * 1.37 + 0.013 * f64::from(step % 17);
            if x > 1e13 {
                x /= 1e12;
            }
            for dec in [0, 1, 2, 3, 5, 8] {
                let rounded = crate::vm::builtins::math::php_round(x, dec, 1);
                let want = format!("{:.*}", dec as usize, rounded);
                let got = number_format_bytes(x, dec, b".", b"");
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    want,
                    "number_format({x}, {dec})"
                );
            }
        }
    }

    #[test]
    fn number_format_table() {
        // php -n -r 'foreach ([[1234.5678,2],[1234.5,0],[-1234.567,2],[0.5,0],[1.005,2],[-0.4,0],[1e15,2],[1234567.891,2,",","."],[1234.5,2," ","\u{a0}"],[-0.005,2],[2.675,2],[123456789,-3]] as $a) echo number_format(...$a), "\n";'
        let cases: &[(f64, i32, &str, &str, &str)] = &[
            (1234.5678, 2, ".", ",", "1,234.57"),
            (1234.5, 0, ".", ",", "1,235"),
            (-1234.567, 2, ".", ",", "-1,234.57"),
            (0.5, 0, ".", ",", "1"),
            (1.005, 2, ".", ",", "1.01"),
            (-0.4, 0, ".", ",", "0"),
            (f64::INFINITY, 2, ".", ",", "inf"),
            (f64::NEG_INFINITY, 1, ".", ",", "inf"),
            (f64::NAN, 0, ".", ",", "nan"),
            (1e15, 2, ".", ",", "1,000,000,000,000,000.00"),
            (1234567.891, 2, ",", ".", "1.234.567,89"),
            (1234.5, 2, "::", "\u{a0}", "1\u{a0}234::50"),
            (-0.005, 2, ".", ",", "-0.01"),
            (2.675, 2, ".", ",", "2.68"),
            (123456789.0, -3, ".", ",", "123,456,789"),
            (0.0, 3, ".", "", "0.000"),
        ];
        for (n, d, dp, ts, want) in cases {
            let got = number_format_bytes(*n, *d, dp.as_bytes(), ts.as_bytes());
            assert_eq!(
                String::from_utf8_lossy(&got),
                *want,
                "number_format({n}, {d})"
            );
        }
    }
}
