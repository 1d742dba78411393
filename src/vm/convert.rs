//! Conversions between PHP types: numeric strings, int/float/bool/string casts, and the
//! exact float-to-string forms PHP prints (`precision` = 14 for echo, shortest round-trip
//! for `var_dump`/`var_export`/`json_encode` with `serialize_precision` = -1).
//!
//! These are pure functions of the value; anything that can warn or call PHP code (objects'
//! `__toString`, "A non-numeric value" warnings) lives in `ops.rs` or the interpreter.
//!
//! Float printing reproduces PHP's `zend_gcvt`: digits come from std's exact `{:.Ne}`
//! formatting (`precision` >= 1, PHP's `zend_dtoa` mode 2) or from `ryu` (precision -1, the
//! shortest round-trip digits of `zend_dtoa` mode 0), and `gcvt_layout` lays them out the
//! way PHP does. `testdata/floats.txt` checks both against PHP 8.2 for ~21,000 doubles.

use super::value::{PhpStr, Value};

/// Appends the decimal form of `i` (what PHP prints for an int) to `out`.
#[inline]
pub fn push_int(out: &mut Vec<u8>, i: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
}

/// The decimal form of `i` as a PHP string (one exact-size allocation; one-digit values
/// are the shared one-byte strings).
pub fn int_to_str(i: i64) -> PhpStr {
    match u8::try_from(i) {
        Ok(d) if d < 10 => PhpStr::byte(b'0' + d),
        _ => PhpStr::from(itoa::Buffer::new().format(i).as_bytes()),
    }
}

/// How many bytes the decimal form of `i` takes.
#[inline]
pub fn int_len(i: i64) -> usize {
    let digits = i
        .unsigned_abs()
        .checked_ilog10()
        .map_or(1, |d| d as usize + 1);
    digits + usize::from(i < 0)
}

/// A number parsed from a string.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Numeric {
    Int(i64),
    Float(f64),
}

impl Numeric {
    /// The number as a float.
    pub fn to_f64(self) -> f64 {
        match self {
            Numeric::Int(i) => i as f64,
            Numeric::Float(f) => f,
        }
    }

    /// The number as a PHP value.
    pub fn to_value(self) -> Value {
        match self {
            Numeric::Int(i) => Value::Int(i),
            Numeric::Float(f) => Value::Float(f),
        }
    }
}

/// How much of a string is numeric, as PHP 8's `_is_numeric_string_ex` decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumericPrefix {
    /// The whole string is numeric (leading and trailing whitespace allowed): `" 12 "`,
    /// `"1e3"`, `".5"`.
    Whole(Numeric),
    /// Only a prefix is numeric: `"12abc"` (PHP warns "A non-numeric value encountered" in
    /// arithmetic and accepts it).
    Leading(Numeric),
    /// Not numeric at all: `"abc"`, `""`.
    NotNumeric,
}

impl NumericPrefix {
    /// The number of a `Whole` string, `None` otherwise (`is_numeric` semantics).
    pub fn whole(self) -> Option<Numeric> {
        match self {
            NumericPrefix::Whole(n) => Some(n),
            _ => None,
        }
    }
}

/// The whitespace PHP skips around numeric strings (`" \t\n\r\v\f"`).
pub fn is_php_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Where the numeric part of a string is, as found by `scan_number`.
struct NumberSpan {
    /// Start of the number (its sign, if any), after leading whitespace.
    start: usize,
    /// One past the last byte of the number.
    end: usize,
    /// Whether the number has a decimal point or an exponent (a float literal).
    float_syntax: bool,
}

/// Finds the numeric prefix of `s` after leading whitespace: `[+-]digits[.digits][e[+-]digits]`
/// or `[+-].digits[e[+-]digits]`. An `e` not followed by digits is not part of the number
/// (`"1e"` is the number 1 followed by junk), as in `zend_strtod`.
fn scan_number(s: &[u8]) -> Option<NumberSpan> {
    let mut i = 0;
    while i < s.len() && is_php_space(s[i]) {
        i += 1;
    }
    let start = i;
    if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut float_syntax = false;
    if i < s.len() && s[i] == b'.' {
        let frac_start = i + 1;
        let mut j = frac_start;
        while j < s.len() && s[j].is_ascii_digit() {
            j += 1;
        }
        // "5." is a float; "." alone and "-." are not numbers.
        if int_digits > 0 || j > frac_start {
            float_syntax = true;
            i = j;
        }
    }
    if int_digits == 0 && !float_syntax {
        return None;
    }
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        let mut j = i + 1;
        if j < s.len() && (s[j] == b'-' || s[j] == b'+') {
            j += 1;
        }
        if j < s.len() && s[j].is_ascii_digit() {
            while j < s.len() && s[j].is_ascii_digit() {
                j += 1;
            }
            float_syntax = true;
            i = j;
        }
    }
    Some(NumberSpan {
        start,
        end: i,
        float_syntax,
    })
}

/// Parses a float literal that `scan_number` accepted. Rust's parser is correctly rounded,
/// as `zend_strtod` is, and saturates huge exponents to infinity or zero.
fn parse_float_text(text: &[u8]) -> f64 {
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// The value of the number `scan_number` found: an int when it has integer syntax and fits
/// i64, a float otherwise.
fn span_value(s: &[u8], span: &NumberSpan) -> Numeric {
    let text = &s[span.start..span.end];
    if !span.float_syntax {
        let (neg, digits) = match text.first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let mut acc: i64 = 0;
        let mut fits = true;
        for &d in digits {
            let d = i64::from(d - b'0');
            // Accumulating negatively covers i64::MIN, whose magnitude does not fit.
            match acc.checked_mul(10).and_then(|a| a.checked_sub(d)) {
                Some(a) => acc = a,
                None => {
                    fits = false;
                    break;
                }
            }
        }
        if fits {
            if neg {
                return Numeric::Int(acc);
            }
            if let Some(pos) = acc.checked_neg() {
                return Numeric::Int(pos);
            }
        }
    }
    Numeric::Float(parse_float_text(text))
}

/// Classifies a string as whole / leading / non-numeric. Integer-looking strings that
/// overflow i64 are floats.
pub fn parse_numeric(s: &[u8]) -> NumericPrefix {
    let Some(span) = scan_number(s) else {
        return NumericPrefix::NotNumeric;
    };
    let value = span_value(s, &span);
    let mut rest = span.end;
    while rest < s.len() && is_php_space(s[rest]) {
        rest += 1;
    }
    if rest == s.len() {
        NumericPrefix::Whole(value)
    } else {
        NumericPrefix::Leading(value)
    }
}

/// `(int)` of a float found in a string: PHP's `zend_dval_to_lval_cap`, which saturates
/// instead of wrapping (infinities and NaN still give 0).
fn float_to_int_cap(f: f64) -> i64 {
    if !f.is_finite() {
        0
    } else if !(-TWO_POW_63..TWO_POW_63).contains(&f) {
        if f > 0.0 {
            i64::MAX
        } else {
            i64::MIN
        }
    } else {
        f as i64
    }
}

/// `(int)$string`: the leading numeric part, 0 if none; floats in the string are truncated
/// (`"1e3"` -> 1000), out-of-range values saturate as PHP 8 does.
pub fn str_to_int(s: &[u8]) -> i64 {
    match parse_numeric(s) {
        NumericPrefix::Whole(n) | NumericPrefix::Leading(n) => match n {
            Numeric::Int(i) => i,
            Numeric::Float(f) => float_to_int_cap(f),
        },
        NumericPrefix::NotNumeric => 0,
    }
}

/// `(float)$string`.
pub fn str_to_float(s: &[u8]) -> f64 {
    match scan_number(s) {
        Some(span) => parse_float_text(&s[span.start..span.end]),
        None => 0.0,
    }
}

const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

/// `(int)$float` as PHP 8 on 64-bit does it (NaN and infinities give 0; out-of-range values
/// wrap modulo 2^64).
pub fn float_to_int(f: f64) -> i64 {
    if !f.is_finite() {
        return 0;
    }
    if (-TWO_POW_63..TWO_POW_63).contains(&f) {
        return f as i64;
    }
    // zend_dval_to_lval_slow: reduce modulo 2^64 into [0, 2^64), then into the signed range.
    // Rust's `%` on floats is C's fmod, which is exact.
    let mut dmod = f % TWO_POW_64;
    if dmod < 0.0 {
        dmod += TWO_POW_64;
    }
    if dmod >= TWO_POW_63 {
        dmod -= TWO_POW_64;
    }
    dmod as i64
}

/// Significant decimal digits of a finite, non-zero `abs` (no sign, no trailing zeros) and
/// the decimal point position (`value = 0.DIGITS * 10^decpt`), rounded to `ndigit` digits
/// as `zend_dtoa` mode 2 does (std's formatting is exact and rounds half to even on the
/// exact binary value, which is what dtoa does).
fn digits_fixed(abs: f64, ndigit: usize) -> (Vec<u8>, i32) {
    let text = format!("{:.*e}", ndigit.saturating_sub(1), abs);
    split_sci(text.as_bytes())
}

/// The shortest digits that round-trip (`zend_dtoa` mode 0), via ryu.
fn digits_shortest(abs: f64) -> (Vec<u8>, i32) {
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(abs);
    split_sci(text.as_bytes())
}

/// Splits a positive decimal (`"1.25e-7"`, `"0.001"`, `"1e16"`, `"123.5"`) into significant
/// digits without leading/trailing zeros and the `decpt` of `zend_dtoa`.
fn split_sci(text: &[u8]) -> (Vec<u8>, i32) {
    let (mantissa, exp) = match text.iter().position(|&c| c == b'e' || c == b'E') {
        Some(p) => {
            let e = std::str::from_utf8(&text[p + 1..])
                .ok()
                .and_then(|e| e.parse::<i32>().ok())
                .unwrap_or(0);
            (&text[..p], e)
        }
        None => (text, 0),
    };
    let mut digits = Vec::with_capacity(mantissa.len());
    let mut int_len: i32 = 0;
    let mut seen_point = false;
    for &c in mantissa {
        if c == b'.' {
            seen_point = true;
        } else if c.is_ascii_digit() {
            digits.push(c);
            if !seen_point {
                int_len += 1;
            }
        }
    }
    let lead = digits.iter().take_while(|&&c| c == b'0').count();
    digits.drain(..lead);
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        return (b"0".to_vec(), 1);
    }
    (digits, int_len - lead as i32 + exp)
}

/// PHP's `zend_gcvt` layout of dtoa digits: exponential form (`1.0E+25`, `1.5E-7`) when
/// `decpt < -3` or `decpt > ndigit`, otherwise plain (`0.0001`, `123.5`, `1000`).
fn gcvt_layout(neg: bool, digits: &[u8], decpt: i32, ndigit: i32, exp_char: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(digits.len() + 8);
    if neg {
        out.push(b'-');
    }
    if if decpt < 0 {
        decpt < -3
    } else {
        decpt > ndigit
    } {
        let e = decpt - 1;
        out.push(digits[0]);
        out.push(b'.');
        if digits.len() == 1 {
            out.push(b'0');
        } else {
            out.extend_from_slice(&digits[1..]);
        }
        out.push(exp_char);
        out.push(if e < 0 { b'-' } else { b'+' });
        out.extend_from_slice(e.unsigned_abs().to_string().as_bytes());
    } else if decpt <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', decpt.unsigned_abs() as usize));
        out.extend_from_slice(digits);
    } else {
        let decpt = decpt as usize;
        for i in 0..decpt {
            out.push(digits.get(i).copied().unwrap_or(b'0'));
        }
        if digits.len() > decpt {
            out.push(b'.');
            out.extend_from_slice(&digits[decpt..]);
        }
    }
    out
}

/// PHP's `zend_gcvt(f, precision, '.', exp_char)` in full: `precision` significant digits
/// (0 counts as 1, PHP's "model snprintf" rule), or the shortest round-trip digits when
/// `precision` is -1 (or any negative value). `exp_char` is `b'E'` for echo and `var_dump`,
/// `b'e'` for `json_encode`.
pub fn format_float(f: f64, precision: i32, exp_char: u8) -> Vec<u8> {
    let (mode0, ndigit) = if precision < 0 {
        (true, 17)
    } else {
        (false, precision.max(1))
    };
    if !f.is_finite() {
        let text: &[u8] = if f.is_nan() {
            b"NAN"
        } else if f < 0.0 {
            b"-INF"
        } else {
            b"INF"
        };
        // zend_gcvt writes these with snprintf(buf, ndigit + 1, ...): small precisions
        // truncate them ("IN" at precision 2), and PHP really prints that.
        let keep = text.len().min(ndigit as usize);
        return text[..keep].to_vec();
    }
    let neg = f.is_sign_negative();
    let abs = f.abs();
    let (digits, decpt) = if abs == 0.0 {
        (b"0".to_vec(), 1)
    } else if mode0 {
        digits_shortest(abs)
    } else {
        digits_fixed(abs, ndigit as usize)
    };
    gcvt_layout(neg, &digits, decpt, ndigit, exp_char)
}

/// The float as `echo`/string conversion prints it with `precision` significant digits
/// (PHP's default 14): `0.1`, `1.0E+25`, `-0`, `INF`, `-INF`, `NAN`, `1.0E-7`.
pub fn float_to_string(f: f64, precision: i32) -> Vec<u8> {
    format_float(f, precision, b'E')
}

thread_local! {
    /// This thread's `precision` ini setting (the engine on this thread keeps it current
    /// through `set_float_precisions`): string conversion reads it on every float.
    static PRECISION: std::cell::Cell<(i32, i32)> = const { std::cell::Cell::new((14, -1)) };
}

/// Sets this thread's `precision` and `serialize_precision` (called by the engine whenever
/// either ini setting changes, and when an engine starts).
pub fn set_float_precisions(precision: i32, serialize_precision: i32) {
    PRECISION.with(|p| p.set((precision, serialize_precision)));
}

/// This thread's `precision` (14 unless changed).
pub fn precision() -> i32 {
    PRECISION.with(|p| p.get().0)
}

/// This thread's `serialize_precision` (-1 unless changed).
pub fn serialize_precision() -> i32 {
    PRECISION.with(|p| p.get().1)
}

/// The float as `var_dump`, `var_export`, `serialize` and `json_encode` print it, with
/// `serialize_precision` significant digits (-1, the default: the shortest string that
/// round-trips; 0 counts as 1, as in PHP).
pub fn float_to_serial(f: f64, exp_char: u8) -> Vec<u8> {
    let p = serialize_precision();
    format_float(f, if p == 0 { 1 } else { p }, exp_char)
}

/// The float as `var_dump`/`var_export`/`json_encode` print it by default (`serialize_precision` =
/// -1: the shortest string that round-trips): `0.30000000000000004`, `1.0E+25`, `1`, `-0`.
/// Callers add `.0` where their format wants it (`var_export(1.0)` is `1.0`).
pub fn float_to_repr(f: f64) -> Vec<u8> {
    format_float(f, -1, b'E')
}

impl Value {
    /// `(bool)` conversion.
    pub fn to_bool(&self) -> bool {
        match self {
            Value::Undef | Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            // NaN is true: only +0.0 and -0.0 are false.
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !(s.is_empty() || s.as_bytes() == b"0"),
            Value::Array(a) => !a.is_empty(),
            Value::Object(_) => true,
            Value::Ref(r) => r.borrow().to_bool(),
        }
    }

    /// `(int)` conversion of scalars and arrays (0/1); objects give 1 (the caller warns).
    pub fn to_int(&self) -> i64 {
        match self {
            Value::Undef | Value::Null => 0,
            Value::Bool(b) => i64::from(*b),
            Value::Int(i) => *i,
            Value::Float(f) => float_to_int(*f),
            Value::Str(s) => str_to_int(s),
            Value::Array(a) => i64::from(!a.is_empty()),
            Value::Object(_) => 1,
            Value::Ref(r) => r.borrow().to_int(),
        }
    }

    /// `(float)` conversion of scalars and arrays; objects give 1.0 (the caller warns).
    pub fn to_float(&self) -> f64 {
        match self {
            Value::Undef | Value::Null => 0.0,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            Value::Str(s) => str_to_float(s),
            Value::Array(a) => f64::from(u8::from(!a.is_empty())),
            Value::Object(_) => 1.0,
            Value::Ref(r) => r.borrow().to_float(),
        }
    }

    /// String conversion of null, bool, int, float and string values (floats with this
    /// thread's `precision`, 14 by default). Arrays give `"Array"` and objects their class name: callers that must warn
    /// or call `__toString` use `Host::to_str` instead.
    pub fn scalar_to_str(&self) -> PhpStr {
        match self {
            Value::Undef | Value::Null | Value::Bool(false) => PhpStr::new(),
            Value::Bool(true) => PhpStr::from("1"),
            Value::Int(i) => int_to_str(*i),
            Value::Float(f) => PhpStr::from(float_to_string(*f, precision())),
            Value::Str(s) => s.clone(),
            Value::Array(_) => PhpStr::from("Array"),
            Value::Object(o) => o.class_name(),
            Value::Ref(r) => r.borrow().scalar_to_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_forms_match_display() {
        for i in [
            0,
            1,
            9,
            10,
            -1,
            -9,
            -10,
            99,
            100,
            12345,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ] {
            let want = i.to_string();
            assert_eq!(int_to_str(i).as_bytes(), want.as_bytes());
            assert_eq!(int_len(i), want.len(), "{i}");
            let mut v = b"x".to_vec();
            push_int(&mut v, i);
            assert_eq!(&v[1..], want.as_bytes());
        }
    }

    fn f64_of_hex(h: &str) -> f64 {
        f64::from_bits(u64::from_str_radix(h, 16).expect("hex bits"))
    }

    /// Every line of `testdata/floats.txt` is `<bits> <echo> <var_dump> <precision=17>`,
    /// produced by `php -n src/vm/testdata/genfloats.php > src/vm/testdata/floats.txt`
    /// (PHP 8.2.36): random bit patterns, random decimals, powers of ten, halves.
    #[test]
    fn float_printing_matches_php_table() {
        let data = include_str!("testdata/floats.txt");
        let mut n = 0;
        let mut bad = Vec::new();
        for line in data.lines() {
            let cols: Vec<&str> = line.split(' ').collect();
            assert_eq!(cols.len(), 4, "bad line {line}");
            let f = f64_of_hex(cols[0]);
            let echo = float_to_string(f, 14);
            let repr = float_to_repr(f);
            let p17 = float_to_string(f, 17);
            for (got, want, what) in [
                (echo, cols[1], "echo"),
                (repr, cols[2], "repr"),
                (p17, cols[3], "p17"),
            ] {
                if got != want.as_bytes() {
                    bad.push(format!(
                        "{} {what}: got {} want {want}",
                        cols[0],
                        String::from_utf8_lossy(&got)
                    ));
                }
            }
            n += 1;
        }
        assert!(n > 20_000);
        assert!(
            bad.is_empty(),
            "{} mismatches, first: {:?}",
            bad.len(),
            &bad[..bad.len().min(10)]
        );
    }

    #[test]
    fn float_printing_examples() {
        // php -n -r 'echo 1e-7, " ", 0.1+0.2, " ", 1e25, " ", 1e20, " ", 1e15, " ",
        //   123456789012345.0, " ", -0.0, " ", 1e14;'
        let cases: &[(f64, &str, &str)] = &[
            (1e-7, "1.0E-7", "1.0E-7"),
            (0.1 + 0.2, "0.3", "0.30000000000000004"),
            (1e25, "1.0E+25", "1.0E+25"),
            (1e20, "1.0E+20", "1.0E+20"),
            (1e15, "1.0E+15", "1000000000000000"),
            (1e14, "1.0E+14", "100000000000000"),
            (123456789012345.0, "1.2345678901234E+14", "123456789012345"),
            (-0.0, "-0", "-0"),
            (0.0, "0", "0"),
            (0.0001, "0.0001", "0.0001"),
            (0.00001, "1.0E-5", "1.0E-5"),
            (1.5, "1.5", "1.5"),
            (f64::INFINITY, "INF", "INF"),
            (f64::NEG_INFINITY, "-INF", "-INF"),
            (f64::NAN, "NAN", "NAN"),
            (1e17, "1.0E+17", "1.0E+17"),
            (1e16, "1.0E+16", "10000000000000000"),
        ];
        for &(f, echo, repr) in cases {
            assert_eq!(float_to_string(f, 14), echo.as_bytes(), "echo {f:?}");
            assert_eq!(float_to_repr(f), repr.as_bytes(), "repr {f:?}");
        }
    }

    #[test]
    fn float_printing_other_precisions() {
        // php -n -r 'foreach ([1,2,3,4,100] as $p) { ini_set("precision", $p);
        //   echo INF, " ", -INF, " ", NAN, " ", 0.1, "\n"; }' and
        // ini_set("precision", 0); echo 0.1, 1.5, 25.0; ini_set("precision", 3);
        // echo 1234.5, 0.000123456, 999.9; ini_set("precision", -1); echo 1e15;
        let cases: &[(f64, i32, &str)] = &[
            (f64::INFINITY, 1, "I"),
            (f64::NEG_INFINITY, 1, "-"),
            (f64::INFINITY, 2, "IN"),
            (f64::NEG_INFINITY, 2, "-I"),
            (f64::NAN, 2, "NA"),
            (f64::NEG_INFINITY, 3, "-IN"),
            (f64::NEG_INFINITY, 4, "-INF"),
            (
                0.1,
                100,
                "0.1000000000000000055511151231257827021181583404541015625",
            ),
            (0.1, 30, "0.100000000000000005551115123126"),
            (0.1, 17, "0.10000000000000001"),
            (0.1, 0, "0.1"),
            (1.5, 0, "2"),
            (25.0, 0, "2.0E+1"),
            (1234.5, 3, "1.23E+3"),
            (0.000123456, 3, "0.000123"),
            (999.9, 3, "1.0E+3"),
            (1e15, -1, "1000000000000000"),
            (1e16, 17, "10000000000000000"),
            (1e17, 17, "1.0E+17"),
        ];
        for &(f, p, want) in cases {
            assert_eq!(
                float_to_string(f, p),
                want.as_bytes(),
                "{f:?} at precision {p}"
            );
        }
        assert_eq!(format_float(1e25, -1, b'e'), b"1.0e+25");
    }

    #[test]
    fn numeric_strings() {
        use Numeric::{Float as F, Int as I};
        use NumericPrefix::{Leading as L, NotNumeric as N, Whole as W};
        // Whole/NotNumeric agree with php -n -r 'var_dump(is_numeric($s));'; values with
        // var_dump($s + 0) (leading ones warn "A non-numeric value encountered").
        let cases: &[(&[u8], NumericPrefix)] = &[
            (b"12", W(I(12))),
            (b" 12", W(I(12))),
            (b"12 ", W(I(12))),
            (b" \t\n\r\x0b\x0c12 \t\n\r\x0b\x0c", W(I(12))),
            (b"-12", W(I(-12))),
            (b"+12", W(I(12))),
            (b"1e3", W(F(1000.0))),
            (b"1E3", W(F(1000.0))),
            (b".5", W(F(0.5))),
            (b"5.", W(F(5.0))),
            (b"+.5", W(F(0.5))),
            (b"-5e-3", W(F(-0.005))),
            (b"0x1A", L(I(0))),
            (b" 12abc", L(I(12))),
            (b"12 abc", L(I(12))),
            (b"1e", L(I(1))),
            (b"1e+", L(I(1))),
            (b"1e+2x", L(F(100.0))),
            (b"1.5e", L(F(1.5))),
            (b"abc", N),
            (b"", N),
            (b" ", N),
            (b".", N),
            (b"-", N),
            (b"- 5", N),
            (b"e5", N),
            (b".e1", N),
            (b"9223372036854775807", W(I(i64::MAX))),
            (b"-9223372036854775808", W(I(i64::MIN))),
            (b"9223372036854775808", W(F(9.2233720368547758e18))),
            (b"-9223372036854775809", W(F(-9.2233720368547758e18))),
            (b"0000000000000000000000000001", W(I(1))),
            (b"1e1000", W(F(f64::INFINITY))),
            (b"00012", W(I(12))),
            (b"1_000", L(I(1))),
            (b"12\0", L(I(12))),
        ];
        for (s, want) in cases {
            assert_eq!(parse_numeric(s), *want, "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn string_to_int_and_float() {
        // php -n -r 'var_dump((int)"9999999999999999999", (int)"-9999999999999999999",
        //   (int)"1e3", (int)" 12", (int)"0x1A", (int)"1e100", (int)" 1.9e1abc", (int)"1e1000",
        //   (int)"-1e100", (int)"  -0012.5", (int)"1e+2x");'
        let ints: &[(&[u8], i64)] = &[
            (b"9999999999999999999", i64::MAX),
            (b"-9999999999999999999", i64::MIN),
            (b"1e3", 1000),
            (b" 12", 12),
            (b"0x1A", 0),
            (b"1e100", i64::MAX),
            (b" 1.9e1abc", 19),
            (b"1e1000", 0),
            (b"-1e100", i64::MIN),
            (b"  -0012.5", -12),
            (b"1e+2x", 100),
            (b"\n\t 5", 5),
            (b"+5", 5),
            (b"-", 0),
            (b".5e1", 5),
            (b"abc", 0),
            (b"", 0),
        ];
        for (s, want) in ints {
            assert_eq!(str_to_int(s), *want, "{:?}", String::from_utf8_lossy(s));
        }
        // php -n -r 'var_dump((float)" 1.5", (float)"\v1.5", (float)"1.5e", (float)"inf",
        //   (float)"0x10", (float)"-.5", (float)"+.5e1", (float)"1e400", (float)"-1e400");'
        let floats: &[(&[u8], f64)] = &[
            (b" 1.5", 1.5),
            (b"\x0b1.5", 1.5),
            (b"\x0c1.5", 1.5),
            (b"1.5e", 1.5),
            (b"inf", 0.0),
            (b"nan", 0.0),
            (b"0x10", 0.0),
            (b"-.5", -0.5),
            (b"+.5e1", 5.0),
            (b" +1", 1.0),
            (b"1e400", f64::INFINITY),
            (b"-1e400", f64::NEG_INFINITY),
            (b"  ", 0.0),
            (b"1.5 ", 1.5),
            (b"1e5000000000000000000000", f64::INFINITY),
            (b"1_000", 1.0),
        ];
        for (s, want) in floats {
            assert_eq!(str_to_float(s), *want, "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn float_to_int_wraps_like_php() {
        // php -n -r 'var_dump((int)1e19, (int)-1e19, (int)1.8446744073709552E+19, (int)9.3e18,
        //   (int)-9.3e18, (int)2e19, (int)1e20, (int)NAN, (int)INF, (int)-1.9,
        //   (int)9.2233720368547758E+18, (int)-9.2233720368547758E+18);'
        let cases: &[(f64, i64)] = &[
            (1e19, -8446744073709551616),
            (-1e19, 8446744073709551616),
            (1.8446744073709552e19, 0),
            (9.3e18, -9146744073709551616),
            (-9.3e18, 9146744073709551616),
            (2e19, 1553255926290448384),
            (1e20, 7766279631452241920),
            (f64::NAN, 0),
            (f64::INFINITY, 0),
            (f64::NEG_INFINITY, 0),
            (-1.9, -1),
            (1.9, 1),
            (9.2233720368547758e18, i64::MIN),
            (-9.2233720368547758e18, i64::MIN),
            (-0.0, 0),
        ];
        for &(f, want) in cases {
            assert_eq!(float_to_int(f), want, "{f:?}");
        }
    }

    #[test]
    fn value_casts() {
        use crate::vm::array::PhpArray;
        let one = Value::array(PhpArray::from_values(vec![Value::Int(1)]));
        // (bool), (int), (float), (string) as php -n -r 'var_dump((bool)$v, ...)' prints.
        let cases: Vec<(Value, bool, i64, f64, &str)> = vec![
            (Value::Null, false, 0, 0.0, ""),
            (Value::Undef, false, 0, 0.0, ""),
            (Value::Bool(true), true, 1, 1.0, "1"),
            (Value::Bool(false), false, 0, 0.0, ""),
            (Value::Int(-7), true, -7, -7.0, "-7"),
            (Value::Int(0), false, 0, 0.0, "0"),
            (Value::Float(-0.0), false, 0, -0.0, "-0"),
            (Value::Float(f64::NAN), true, 0, f64::NAN, "NAN"),
            (Value::Float(2.5), true, 2, 2.5, "2.5"),
            (Value::Float(0.1 + 0.2), true, 0, 0.1 + 0.2, "0.3"),
            (Value::str("0"), false, 0, 0.0, "0"),
            (Value::str(""), false, 0, 0.0, ""),
            (Value::str("0.0"), true, 0, 0.0, "0.0"),
            (Value::str(" 12abc"), true, 12, 12.0, " 12abc"),
            (Value::empty_array(), false, 0, 0.0, "Array"),
            (one, true, 1, 1.0, "Array"),
        ];
        for (v, b, i, f, s) in cases {
            assert_eq!(v.to_bool(), b, "bool {v:?}");
            assert_eq!(v.to_int(), i, "int {v:?}");
            let got = v.to_float();
            assert!(got == f || (got.is_nan() && f.is_nan()), "float {v:?}");
            assert_eq!(
                got.is_sign_negative(),
                f.is_sign_negative(),
                "float sign {v:?}"
            );
            assert_eq!(v.scalar_to_str().as_bytes(), s.as_bytes(), "str {v:?}");
        }
        let r = Value::Ref(Value::new_ref(Value::str("42")));
        assert_eq!(r.to_int(), 42);
        assert!(r.to_bool());
        assert_eq!(r.scalar_to_str().as_bytes(), b"42");
    }
}
