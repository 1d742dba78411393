//! PHP's operators on values: arithmetic with int overflow to float, bitwise ops, string
//! concatenation helpers, the PHP 8 comparison rules (loose `==`, `<=>`, strict `===`), and
//! increment/decrement including string increment ("Az"++ is "Ba").
//!
//! The interpreter inlines the int/float fast paths and calls these for everything else.
//! Operations that warn ("A non-numeric value encountered") take a `Host`; operations that
//! throw return `Fault::Error` (`TypeError` "Unsupported operand types: array + int",
//! `DivisionByZeroError` "Division by zero", `ArithmeticError`).
//!
//! Each function follows the Zend routine of the same job (`add_function_slow`,
//! `zendi_try_get_long`, `zend_compare`, `zendi_smart_str_equals`, `increment_string`, ...),
//! including the order in which operands are converted and diagnostics raised;
//! `testdata/ops.txt` checks every operator against PHP 8.2 over a matrix of operands.

use std::cmp::Ordering;
use std::rc::Rc;

use super::array::PhpArray;
use super::ast::BinOp;
use super::convert::{float_to_int, float_to_repr, float_to_string, parse_numeric, Numeric};
use super::convert::{is_php_space, NumericPrefix};
use super::error::{ErrorLevel, Fault, PhpResult};
use super::host::Host;
use super::object::Obj;
use super::value::{PhpStr, Value};

/// `zend_binop_error`: the `TypeError` for operands an operator cannot take.
fn binop_error(op: BinOp, a: &Value, b: &Value) -> Fault {
    Fault::type_error(format!(
        "Unsupported operand types: {} {} {}",
        a.type_name(),
        op.symbol(),
        b.type_name()
    ))
}

/// A number operand after conversion.
#[derive(Clone, Copy)]
enum Num {
    I(i64),
    F(f64),
}

impl Num {
    fn f(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }
    }
}

impl From<Numeric> for Num {
    fn from(n: Numeric) -> Num {
        match n {
            Numeric::Int(i) => Num::I(i),
            Numeric::Float(f) => Num::F(f),
        }
    }
}

impl From<Num> for Value {
    fn from(n: Num) -> Value {
        match n {
            Num::I(i) => Value::Int(i),
            Num::F(f) => Value::Float(f),
        }
    }
}

const NON_NUMERIC: &str = "A non-numeric value encountered";

/// `zendi_try_convert_scalar_to_number`: `None` for operands arithmetic rejects (arrays,
/// objects, non-numeric strings); leading-numeric strings warn.
fn to_number(host: &mut dyn Host, v: &Value) -> PhpResult<Option<Num>> {
    Ok(Some(match v {
        Value::Undef | Value::Null => Num::I(0),
        Value::Bool(b) => Num::I(i64::from(*b)),
        Value::Int(i) => Num::I(*i),
        Value::Float(f) => Num::F(*f),
        Value::Str(s) => match parse_numeric(s) {
            NumericPrefix::Whole(n) => n.into(),
            NumericPrefix::Leading(n) => {
                host.raise(ErrorLevel::Warning, NON_NUMERIC)?;
                n.into()
            }
            NumericPrefix::NotNumeric => return Ok(None),
        },
        Value::Ref(r) => {
            let inner = r.borrow().clone();
            return to_number(host, &inner);
        }
        Value::Array(_) | Value::Object(_) => return Ok(None),
    }))
}

/// `zend_dval_to_lval_cap`: the saturating float-to-int used for numeric strings.
fn float_to_int_cap(f: f64) -> i64 {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
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

/// `zendi_try_get_long`: the int operand of `%`, `<<`, `>>` and the bitwise operators.
/// Floats (and float strings) that are not integral or out of range raise PHP 8.1's
/// "Implicit conversion ... loses precision" deprecation. `None` when the operand is
/// unsupported.
fn to_int_operand(host: &mut dyn Host, v: &Value) -> PhpResult<Option<i64>> {
    Ok(Some(match v {
        Value::Undef | Value::Null => 0,
        Value::Bool(b) => i64::from(*b),
        Value::Int(i) => *i,
        Value::Float(f) => {
            let i = float_to_int(*f);
            if i as f64 != *f {
                let msg = format!(
                    "Implicit conversion from float {} to int loses precision",
                    String::from_utf8_lossy(&float_to_repr(*f))
                );
                host.raise(ErrorLevel::Deprecated, &msg)?;
            }
            i
        }
        Value::Str(s) => {
            let n = match parse_numeric(s) {
                NumericPrefix::Whole(n) => n,
                NumericPrefix::Leading(n) => {
                    host.raise(ErrorLevel::Warning, NON_NUMERIC)?;
                    n
                }
                NumericPrefix::NotNumeric => return Ok(None),
            };
            match n {
                Numeric::Int(i) => i,
                Numeric::Float(f) => {
                    let i = float_to_int_cap(f);
                    if i as f64 != f {
                        let msg = format!(
                            "Implicit conversion from float-string \"{}\" to int loses precision",
                            s.to_string_lossy()
                        );
                        host.raise(ErrorLevel::Deprecated, &msg)?;
                    }
                    i
                }
            }
        }
        Value::Ref(r) => {
            let inner = r.borrow().clone();
            return to_int_operand(host, &inner);
        }
        Value::Array(_) | Value::Object(_) => return Ok(None),
    }))
}

/// Converts both operands to numbers (left first, as PHP does) or fails with the binop error.
fn numbers(host: &mut dyn Host, op: BinOp, a: &Value, b: &Value) -> PhpResult<(Num, Num)> {
    let x = to_number(host, a)?;
    let Some(x) = x else {
        return Err(binop_error(op, a, b));
    };
    match to_number(host, b)? {
        Some(y) => Ok((x, y)),
        None => Err(binop_error(op, a, b)),
    }
}

/// Converts both operands to ints (left first) or fails with the binop error.
fn ints(host: &mut dyn Host, op: BinOp, a: &Value, b: &Value) -> PhpResult<(i64, i64)> {
    let Some(x) = to_int_operand(host, a)? else {
        return Err(binop_error(op, a, b));
    };
    match to_int_operand(host, b)? {
        Some(y) => Ok((x, y)),
        None => Err(binop_error(op, a, b)),
    }
}

/// `ZEND_SIGNED_MULTIPLY_LONG`: the product, or the float product on overflow.
fn mul_long(a: i64, b: i64) -> Result<i64, f64> {
    a.checked_mul(b).ok_or(a as f64 * b as f64)
}

/// `pow_function_base`: exact int powers by squaring, falling back to floats on overflow
/// exactly where PHP does (so the float result matches to the last bit).
fn pow_num(x: Num, y: Num) -> Num {
    match (x, y) {
        (Num::I(base), Num::I(exp)) if exp >= 0 => {
            if exp == 0 {
                return Num::I(1);
            }
            if base == 0 {
                return Num::I(0);
            }
            let (mut l1, mut l2, mut i) = (1i64, base, exp);
            while i >= 1 {
                if i % 2 != 0 {
                    i -= 1;
                    match mul_long(l1, l2) {
                        Ok(v) => l1 = v,
                        Err(d) => return Num::F(d * (l2 as f64).powf(i as f64)),
                    }
                } else {
                    i /= 2;
                    match mul_long(l2, l2) {
                        Ok(v) => l2 = v,
                        Err(d) => return Num::F(l1 as f64 * d.powf(i as f64)),
                    }
                }
            }
            Num::I(l1)
        }
        _ => Num::F(x.f().powf(y.f())),
    }
}

/// Byte-wise `&`, `|`, `^` of two strings: `|` keeps the longer string's tail, `&` and `^`
/// stop at the shorter length.
fn string_bitwise(op: BinOp, a: &[u8], b: &[u8]) -> Vec<u8> {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    match op {
        BinOp::BitOr => {
            let mut out = long.to_vec();
            for (o, s) in out.iter_mut().zip(short) {
                *o |= s;
            }
            out
        }
        BinOp::BitAnd => short.iter().zip(long).map(|(x, y)| x & y).collect(),
        _ => short.iter().zip(long).map(|(x, y)| x ^ y).collect(),
    }
}

/// `$a + $b` on two arrays: the union, keeping `a`'s entries and adding `b`'s missing keys.
fn array_union(a: &Rc<PhpArray>, b: &PhpArray) -> Value {
    let mut out = a.clone();
    if b.is_empty() {
        return Value::Array(out);
    }
    let target = Rc::make_mut(&mut out);
    for (k, v) in b.iter() {
        if !target.contains_key(&k) {
            target.insert(k, v.clone());
        }
    }
    Value::Array(out)
}

/// Applies an arithmetic, bitwise or concatenation operator (`Add`, `Sub`, `Mul`, `Div`,
/// `Mod`, `Pow`, `BitAnd`, `BitOr`, `BitXor`, `Shl`, `Shr`, `Concat`) to two values (already
/// dereferenced; `Undef` counts as null). Objects are converted through the host.
///
/// # Errors
///
/// `TypeError` for unsupported operands (arrays except `array + array`, objects,
/// non-numeric strings), `DivisionByZeroError` for `/` and `%` by zero, `ArithmeticError`
/// for negative shifts; also whatever the host's diagnostics hook throws. Comparison and
/// logical operators are not binary ops here (`Fault::Fatal` if passed).
pub fn binary_op(host: &mut dyn Host, op: BinOp, a: &Value, b: &Value) -> PhpResult<Value> {
    match op {
        BinOp::Concat => {
            let x = host.to_str(a)?;
            let y = host.to_str(b)?;
            let mut out = Vec::with_capacity(x.len() + y.len());
            out.extend_from_slice(&x);
            out.extend_from_slice(&y);
            Ok(Value::str(out))
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Pow => {
            if let (BinOp::Add, Value::Array(x), Value::Array(y)) = (op, a, b) {
                return Ok(array_union(x, y));
            }
            let (x, y) = numbers(host, op, a, b)?;
            arith(op, x, y)
        }
        BinOp::Mod => {
            let (x, y) = ints(host, op, a, b)?;
            match y {
                0 => Err(Fault::error("DivisionByZeroError", "Modulo by zero")),
                -1 => Ok(Value::Int(0)),
                _ => Ok(Value::Int(x % y)),
            }
        }
        BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor => {
            if let (Value::Str(x), Value::Str(y)) = (a, b) {
                return Ok(Value::str(string_bitwise(op, x, y)));
            }
            let (x, y) = ints(host, op, a, b)?;
            Ok(Value::Int(match op {
                BinOp::BitAnd => x & y,
                BinOp::BitOr => x | y,
                _ => x ^ y,
            }))
        }
        BinOp::Shl | BinOp::Shr => {
            let (x, y) = ints(host, op, a, b)?;
            if y < 0 {
                return Err(Fault::error(
                    "ArithmeticError",
                    "Bit shift by negative number",
                ));
            }
            Ok(Value::Int(match (op, y >= 64) {
                (BinOp::Shl, true) => 0,
                (BinOp::Shl, false) => x << y,
                (_, true) => {
                    if x < 0 {
                        -1
                    } else {
                        0
                    }
                }
                (_, false) => x >> y,
            }))
        }
        _ => Err(Fault::fatal(format!(
            "operator {} is not an arithmetic operator",
            op.symbol()
        ))),
    }
}

/// `+ - * / **` on converted numbers.
fn arith(op: BinOp, x: Num, y: Num) -> PhpResult<Value> {
    Ok(match (op, x, y) {
        (BinOp::Add, Num::I(p), Num::I(q)) => match p.checked_add(q) {
            Some(r) => Value::Int(r),
            None => Value::Float(p as f64 + q as f64),
        },
        (BinOp::Sub, Num::I(p), Num::I(q)) => match p.checked_sub(q) {
            Some(r) => Value::Int(r),
            None => Value::Float(p as f64 - q as f64),
        },
        (BinOp::Mul, Num::I(p), Num::I(q)) => match mul_long(p, q) {
            Ok(r) => Value::Int(r),
            Err(f) => Value::Float(f),
        },
        (BinOp::Add, _, _) => Value::Float(x.f() + y.f()),
        (BinOp::Sub, _, _) => Value::Float(x.f() - y.f()),
        (BinOp::Mul, _, _) => Value::Float(x.f() * y.f()),
        (BinOp::Div, _, _) => {
            if y.f() == 0.0 {
                return Err(Fault::error("DivisionByZeroError", "Division by zero"));
            }
            match (x, y) {
                (Num::I(p), Num::I(q)) if !(p == i64::MIN && q == -1) && p % q == 0 => {
                    Value::Int(p / q)
                }
                _ => Value::Float(x.f() / y.f()),
            }
        }
        _ => pow_num(x, y).into(),
    })
}

/// Unary minus (`-$x`, which PHP computes as `$x * -1`).
pub fn negate(host: &mut dyn Host, a: &Value) -> PhpResult<Value> {
    binary_op(host, BinOp::Mul, a, &Value::Int(-1))
}

/// Unary plus (`+$x`, `$x * 1`).
pub fn unary_plus(host: &mut dyn Host, a: &Value) -> PhpResult<Value> {
    binary_op(host, BinOp::Mul, a, &Value::Int(1))
}

/// Bitwise not (`~$x`): ints and floats (truncated), strings byte-wise; others throw
/// `TypeError` "Cannot perform bitwise not on array".
///
/// This form cannot raise PHP 8.1's "Implicit conversion from float 1.5 to int loses
/// precision" deprecation for non-integral floats; the interpreter should call
/// `bit_not_with` instead, which does.
pub fn bit_not(a: &Value) -> PhpResult<Value> {
    match a {
        Value::Int(i) => Ok(Value::Int(!i)),
        Value::Float(f) => Ok(Value::Int(!float_to_int(*f))),
        Value::Str(s) => Ok(Value::str(s.iter().map(|c| !c).collect::<Vec<u8>>())),
        Value::Ref(r) => bit_not(&r.borrow()),
        other => Err(Fault::type_error(format!(
            "Cannot perform bitwise not on {}",
            other.type_name()
        ))),
    }
}

/// `~$x` with PHP's deprecation for floats that are not integral or out of range
/// ("Implicit conversion from float 1.5 to int loses precision").
pub fn bit_not_with(host: &mut dyn Host, a: &Value) -> PhpResult<Value> {
    match a {
        Value::Float(f) => {
            let i = to_int_operand(host, a)?.unwrap_or_else(|| float_to_int(*f));
            Ok(Value::Int(!i))
        }
        Value::Ref(r) => {
            let inner = r.borrow().clone();
            bit_not_with(host, &inner)
        }
        other => bit_not(other),
    }
}

/// PHP's `increment_string`: "a" -> "b", "z" -> "aa", "Az" -> "Ba", "a9" -> "b0"; a
/// non-alphanumeric last byte stops the carry; "" becomes "1".
fn increment_string(s: &[u8]) -> Vec<u8> {
    if s.is_empty() {
        return b"1".to_vec();
    }
    #[derive(Clone, Copy)]
    enum Last {
        Lower,
        Upper,
        Digit,
    }
    let mut out = s.to_vec();
    let mut last = Last::Digit;
    let mut carry = false;
    let mut pos = out.len();
    while pos > 0 {
        pos -= 1;
        let c = out[pos];
        let (wrap, first, kind) = match c {
            b'a'..=b'z' => (b'z', b'a', Last::Lower),
            b'A'..=b'Z' => (b'Z', b'A', Last::Upper),
            b'0'..=b'9' => (b'9', b'0', Last::Digit),
            _ => {
                carry = false;
                break;
            }
        };
        last = kind;
        if c == wrap {
            out[pos] = first;
            carry = true;
        } else {
            out[pos] = c + 1;
            carry = false;
            break;
        }
    }
    if carry {
        let lead = match last {
            Last::Digit => b'1',
            Last::Upper => b'A',
            Last::Lower => b'a',
        };
        out.insert(0, lead);
    }
    out
}

/// `++$x` on a value, returning the new value: null becomes 1, strings increment as PHP
/// does ("a" -> "b", "Az" -> "Ba", "zz" -> "aaa", "a9" -> "b0", numeric strings as numbers),
/// int overflow becomes float, bools are unchanged.
///
/// Arrays and objects, which PHP refuses with a `TypeError`, come back unchanged here; the
/// interpreter should call `try_increment`, which reports that error.
pub fn increment(a: &Value) -> Value {
    match a {
        Value::Undef | Value::Null => Value::Int(1),
        Value::Int(i) => match i.checked_add(1) {
            Some(r) => Value::Int(r),
            None => Value::Float(*i as f64 + 1.0),
        },
        Value::Float(f) => Value::Float(f + 1.0),
        Value::Str(s) => match parse_numeric(s) {
            NumericPrefix::Whole(n) => increment(&n.to_value()),
            _ => Value::str(increment_string(s)),
        },
        Value::Ref(r) => increment(&r.borrow()),
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => a.clone(),
    }
}

/// `--$x`: null stays null, numeric strings as numbers, other strings unchanged.
///
/// Arrays and objects come back unchanged; `try_decrement` reports PHP's `TypeError`.
pub fn decrement(a: &Value) -> Value {
    match a {
        Value::Int(i) => match i.checked_sub(1) {
            Some(r) => Value::Int(r),
            None => Value::Float(*i as f64 - 1.0),
        },
        Value::Float(f) => Value::Float(f - 1.0),
        Value::Str(s) if s.is_empty() => Value::Int(-1),
        Value::Str(s) => match parse_numeric(s) {
            NumericPrefix::Whole(n) => decrement(&n.to_value()),
            _ => a.clone(),
        },
        Value::Ref(r) => decrement(&r.borrow()),
        Value::Undef => Value::Null,
        Value::Null | Value::Bool(_) | Value::Array(_) | Value::Object(_) => a.clone(),
    }
}

/// `++$x` with PHP's errors: `TypeError` "Cannot increment array" / "Cannot increment Foo".
pub fn try_increment(a: &Value) -> PhpResult<Value> {
    match a {
        Value::Array(_) | Value::Object(_) => Err(Fault::type_error(format!(
            "Cannot increment {}",
            a.type_name()
        ))),
        Value::Ref(r) => try_increment(&r.borrow()),
        _ => Ok(increment(a)),
    }
}

/// `--$x` with PHP's errors: `TypeError` "Cannot decrement array" / "Cannot decrement Foo".
pub fn try_decrement(a: &Value) -> PhpResult<Value> {
    match a {
        Value::Array(_) | Value::Object(_) => Err(Fault::type_error(format!(
            "Cannot decrement {}",
            a.type_name()
        ))),
        Value::Ref(r) => try_decrement(&r.borrow()),
        _ => Ok(decrement(a)),
    }
}

/// A string's numeric reading for comparisons (`is_numeric_string_ex` without errors):
/// the number and the overflow side (`oflow`: +1/-1 when an integer-looking string did
/// not fit i64, 0 otherwise).
fn numeric_for_compare(s: &[u8]) -> Option<(Numeric, i32)> {
    let n = parse_numeric(s).whole()?;
    let mut oflow = 0;
    if let Numeric::Float(_) = n {
        let trimmed: Vec<u8> = s.iter().copied().filter(|c| !is_php_space(*c)).collect();
        let body = trimmed
            .strip_prefix(b"-")
            .or_else(|| trimmed.strip_prefix(b"+"))
            .unwrap_or(&trimmed);
        if !body.is_empty() && body.iter().all(u8::is_ascii_digit) {
            oflow = if trimmed.first() == Some(&b'-') {
                -1
            } else {
                1
            };
        }
    }
    Some((n, oflow))
}

/// The sign of `zend_binary_strcmp`.
fn bytes_cmp(a: &[u8], b: &[u8]) -> Ordering {
    a.cmp(b)
}

fn ord_of_f64(d: f64) -> Ordering {
    if d > 0.0 {
        Ordering::Greater
    } else if d < 0.0 {
        Ordering::Less
    } else {
        Ordering::Equal
    }
}

/// `ZEND_THREEWAY_COMPARE` on doubles: NaN compares as "greater".
fn float_cmp(a: f64, b: f64) -> Ordering {
    if a == b {
        Ordering::Equal
    } else if a < b {
        Ordering::Less
    } else {
        Ordering::Greater
    }
}

/// `zendi_smart_strcmp`: numeric strings numerically, otherwise byte-wise.
fn smart_strcmp(a: &[u8], b: &[u8]) -> Ordering {
    if let (Some((n1, o1)), Some((n2, o2))) = (numeric_for_compare(a), numeric_for_compare(b)) {
        if o1 != 0 && o1 == o2 && n1.to_f64() - n2.to_f64() == 0.0 {
            return bytes_cmp(a, b);
        }
        return match (n1, n2) {
            (Numeric::Int(x), Numeric::Int(y)) => x.cmp(&y),
            (Numeric::Int(x), Numeric::Float(y)) => {
                if o2 != 0 {
                    return if o2 > 0 {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    };
                }
                ord_of_f64(x as f64 - y)
            }
            (Numeric::Float(x), Numeric::Int(y)) => {
                if o1 != 0 {
                    return if o1 > 0 {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    };
                }
                ord_of_f64(x - y as f64)
            }
            (Numeric::Float(x), Numeric::Float(y)) => {
                if x == y && !x.is_finite() {
                    bytes_cmp(a, b)
                } else {
                    ord_of_f64(x - y)
                }
            }
        };
    }
    bytes_cmp(a, b)
}

/// `zendi_smart_str_equals`: `==` on two strings.
fn smart_streq(a: &[u8], b: &[u8]) -> bool {
    if let (Some((n1, o1)), Some((n2, o2))) = (numeric_for_compare(a), numeric_for_compare(b)) {
        if o1 != 0 && o1 == o2 && n1.to_f64() - n2.to_f64() == 0.0 {
            return a == b;
        }
        return match (n1, n2) {
            (Numeric::Int(x), Numeric::Int(y)) => x == y,
            (Numeric::Int(x), Numeric::Float(y)) => o2 == 0 && x as f64 == y,
            (Numeric::Float(x), Numeric::Int(y)) => o1 == 0 && x == y as f64,
            (Numeric::Float(x), Numeric::Float(y)) => {
                if x == y && !x.is_finite() {
                    a == b
                } else {
                    x == y
                }
            }
        };
    }
    a == b
}

/// The `precision` ini setting (14 unless the host says otherwise), used where PHP turns a
/// float into a string to compare it with a non-numeric string.
fn precision(host: &dyn Host) -> i32 {
    host.ini_get(b"precision")
        .and_then(|p| std::str::from_utf8(&p).ok()?.trim().parse().ok())
        .unwrap_or(14)
}

/// `compare_longs_to_string`.
fn compare_int_str(i: i64, s: &[u8]) -> Ordering {
    match parse_numeric(s).whole() {
        Some(Numeric::Int(j)) => i.cmp(&j),
        Some(Numeric::Float(f)) => float_cmp(i as f64, f),
        None => bytes_cmp(i.to_string().as_bytes(), s),
    }
}

/// `compare_doubles_to_string`.
fn compare_float_str(host: &dyn Host, d: f64, s: &[u8]) -> Ordering {
    if d.is_nan() {
        return Ordering::Greater;
    }
    match parse_numeric(s).whole() {
        Some(n) => float_cmp(d, n.to_f64()),
        None => bytes_cmp(&float_to_string(d, precision(host)), s),
    }
}

/// `zend_hash_compare` over two arrays (unordered: keys of `a` looked up in `b`).
fn compare_arrays(host: &mut dyn Host, a: &PhpArray, b: &PhpArray) -> PhpResult<Ordering> {
    if a.len() != b.len() {
        return Ok(a.len().cmp(&b.len()));
    }
    for (k, v) in a.iter() {
        let Some(w) = b.get(&k) else {
            // Uncomparable: PHP returns 1.
            return Ok(Ordering::Greater);
        };
        let (v, w) = (v.deref_clone(), w.deref_clone());
        let c = compare(host, &v, &w)?;
        if c != Ordering::Equal {
            return Ok(c);
        }
    }
    Ok(Ordering::Equal)
}

/// `zend_std_compare_objects` when exactly one side is an object: the object is cast to
/// the other side's type (strings through `__toString`, bools are true, ints/floats give 1
/// with a notice); uncastable gives "object is greater".
fn compare_object_scalar(
    host: &mut dyn Host,
    obj: &Obj,
    other: &Value,
    object_lhs: bool,
) -> PhpResult<Ordering> {
    let uncomparable = if object_lhs {
        Ordering::Greater
    } else {
        Ordering::Less
    };
    let casted = match other {
        Value::Bool(_) => Value::Bool(true),
        Value::Str(_) => match host.call_method(obj, b"__tostring", &[])? {
            Some(v) => v,
            None => return Ok(uncomparable),
        },
        Value::Int(_) | Value::Float(_) => {
            let target = if matches!(other, Value::Int(_)) {
                "int"
            } else {
                "float"
            };
            let msg = format!(
                "Object of class {} could not be converted to {target}",
                obj.class_display_name()
            );
            host.raise(ErrorLevel::Notice, &msg)?;
            if target == "int" {
                Value::Int(1)
            } else {
                Value::Float(1.0)
            }
        }
        _ => return Ok(uncomparable),
    };
    if object_lhs {
        compare(host, &casted, other)
    } else {
        compare(host, other, &casted)
    }
}

/// Loose equality `==` with PHP 8 rules (`0 == "a"` is false, `"1" == "01"`,
/// `"10" == "1e1"`, `null == false`, arrays element-wise, objects by class and properties).
pub fn loose_eq(host: &mut dyn Host, a: &Value, b: &Value) -> PhpResult<bool> {
    match (a, b) {
        (Value::Ref(r), _) => {
            let inner = r.borrow().clone();
            loose_eq(host, &inner, b)
        }
        (_, Value::Ref(r)) => {
            let inner = r.borrow().clone();
            loose_eq(host, a, &inner)
        }
        (Value::Str(x), Value::Str(y)) => Ok(x.ptr_eq(y) || smart_streq(x, y)),
        (Value::Float(x), Value::Float(y)) => Ok(x == y),
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => Ok(*x as f64 == *y),
        _ => Ok(compare(host, a, b)? == Ordering::Equal),
    }
}

/// Strict identity `===`: same type and value; arrays with identical key/value pairs in the
/// same order; objects by identity.
pub fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Ref(r), _) => strict_eq(&r.borrow(), b),
        (_, Value::Ref(r)) => strict_eq(a, &r.borrow()),
        (Value::Undef | Value::Null, Value::Undef | Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x.ptr_eq(y) || x.as_bytes() == y.as_bytes(),
        (Value::Array(x), Value::Array(y)) => {
            Rc::ptr_eq(x, y)
                || (x.len() == y.len()
                    && x.iter()
                        .zip(y.iter())
                        .all(|((k1, v1), (k2, v2))| k1 == k2 && strict_eq(v1, v2)))
        }
        (Value::Object(x), Value::Object(y)) => x.ptr_eq(y),
        _ => false,
    }
}

/// `<=>` with PHP 8 rules. Uncomparable values (arrays where a key of `a` is missing in
/// `b`) give `Greater`, as PHP's `zend_compare` returns 1; the interpreter computes `a > b`
/// as `compare(b, a) == Less`, so both `<` and `>` are false for them. Float comparisons
/// involving NaN are done natively by the interpreter before reaching this.
pub fn compare(host: &mut dyn Host, a: &Value, b: &Value) -> PhpResult<Ordering> {
    use Value as V;
    Ok(match (a, b) {
        (V::Ref(r), _) => {
            let inner = r.borrow().clone();
            return compare(host, &inner, b);
        }
        (_, V::Ref(r)) => {
            let inner = r.borrow().clone();
            return compare(host, a, &inner);
        }
        (V::Int(x), V::Int(y)) => x.cmp(y),
        (V::Int(x), V::Float(y)) => float_cmp(*x as f64, *y),
        (V::Float(x), V::Int(y)) => float_cmp(*x, *y as f64),
        (V::Float(x), V::Float(y)) => float_cmp(*x, *y),
        (V::Array(x), V::Array(y)) => return compare_arrays(host, x, y),
        (V::Undef | V::Null, V::Undef | V::Null) => Ordering::Equal,
        (V::Undef | V::Null, V::Bool(y)) => false.cmp(y),
        (V::Bool(x), V::Undef | V::Null) => x.cmp(&false),
        (V::Bool(x), V::Bool(y)) => x.cmp(y),
        (V::Str(x), V::Str(y)) => {
            if x.ptr_eq(y) {
                Ordering::Equal
            } else {
                smart_strcmp(x, y)
            }
        }
        (V::Undef | V::Null, V::Str(y)) => {
            if y.is_empty() {
                Ordering::Equal
            } else {
                Ordering::Less
            }
        }
        (V::Str(x), V::Undef | V::Null) => {
            if x.is_empty() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        (V::Int(x), V::Str(y)) => compare_int_str(*x, y),
        (V::Str(x), V::Int(y)) => compare_int_str(*y, x).reverse(),
        (V::Float(x), V::Str(y)) => compare_float_str(host, *x, y),
        (V::Str(x), V::Float(y)) => {
            if y.is_nan() {
                Ordering::Greater
            } else {
                compare_float_str(host, *y, x).reverse()
            }
        }
        (V::Object(x), V::Object(y)) => {
            if x.ptr_eq(y) {
                Ordering::Equal
            } else if let Some(o) = super::interp::date_classes::compare_dates(x, y) {
                // DateTimeInterface objects compare by instant.
                o
            } else if !Rc::ptr_eq(&x.class(), &y.class()) || x.class().is_enum {
                // Different classes and enum cases are uncomparable (PHP's 1).
                Ordering::Greater
            } else {
                let (p, q) = (x.borrow().props.to_array(), y.borrow().props.to_array());
                return compare_arrays(host, &p, &q);
            }
        }
        (V::Object(o), other) => return compare_object_scalar(host, o, other, true),
        (other, V::Object(o)) => return compare_object_scalar(host, o, other, false),
        // zend_compare's fallback: null/false/true against anything compare as bools.
        (V::Undef | V::Null | V::Bool(false), other) => {
            if other.to_bool() {
                Ordering::Less
            } else {
                Ordering::Equal
            }
        }
        (V::Bool(true), other) => {
            if other.to_bool() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        (other, V::Undef | V::Null | V::Bool(false)) => {
            if other.to_bool() {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        (other, V::Bool(true)) => {
            if other.to_bool() {
                Ordering::Equal
            } else {
                Ordering::Less
            }
        }
        // Arrays against scalars: the array is always greater.
        (V::Array(_), _) => Ordering::Greater,
        (_, V::Array(_)) => Ordering::Less,
    })
}

/// Concatenates the string forms of two values (`.`), converting through the host.
pub fn concat(host: &mut dyn Host, a: &Value, b: &Value) -> PhpResult<PhpStr> {
    match binary_op(host, BinOp::Concat, a, b)? {
        Value::Str(s) => Ok(s),
        other => Ok(other.scalar_to_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::array::ArrayKey;
    use crate::vm::host::TestHost;

    /// Undoes the `\xHH` escaping of `testdata/genops.php`.
    fn unescape(s: &str) -> Vec<u8> {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') {
                let hex = std::str::from_utf8(&b[i + 2..i + 4]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 4;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        out
    }

    /// A minimal `unserialize` for the scalars and arrays in the operand table.
    fn unser(s: &[u8], pos: &mut usize) -> Value {
        let tag = s[*pos];
        *pos += 2;
        let until = |pos: &mut usize, end: u8| {
            let start = *pos;
            while s[*pos] != end {
                *pos += 1;
            }
            let text = std::str::from_utf8(&s[start..*pos])
                .expect("utf8")
                .to_string();
            *pos += 1;
            text
        };
        match tag {
            b'N' => Value::Null,
            b'b' => Value::Bool(until(pos, b';') == "1"),
            b'i' => Value::Int(until(pos, b';').parse().expect("int")),
            b'd' => Value::Float(match until(pos, b';').as_str() {
                "INF" => f64::INFINITY,
                "-INF" => f64::NEG_INFINITY,
                "NAN" => f64::NAN,
                t => t.parse().expect("float"),
            }),
            b's' => {
                let n: usize = until(pos, b':').parse().expect("len");
                let v = Value::str(&s[*pos + 1..*pos + 1 + n]);
                *pos += n + 3;
                v
            }
            b'a' => {
                let n: usize = until(pos, b':').parse().expect("len");
                *pos += 1;
                let mut a = PhpArray::new();
                for _ in 0..n {
                    let k = match unser(s, pos) {
                        Value::Int(i) => ArrayKey::Int(i),
                        Value::Str(s) => ArrayKey::Str(s),
                        other => panic!("bad key {other:?}"),
                    };
                    let v = unser(s, pos);
                    a.insert(k, v);
                }
                *pos += 1;
                Value::array(a)
            }
            t => panic!("unsupported tag {}", t as char),
        }
    }

    /// `serialize()` of scalars and arrays, as PHP 8.2 writes it.
    fn ser(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        match v {
            Value::Undef | Value::Null => out.extend_from_slice(b"N;"),
            Value::Bool(b) => out.extend_from_slice(if *b { b"b:1;" } else { b"b:0;" }),
            Value::Int(i) => out.extend_from_slice(format!("i:{i};").as_bytes()),
            Value::Float(f) => {
                out.extend_from_slice(b"d:");
                out.extend_from_slice(&float_to_repr(*f));
                out.push(b';');
            }
            Value::Str(s) => {
                out.extend_from_slice(format!("s:{}:\"", s.len()).as_bytes());
                out.extend_from_slice(s);
                out.extend_from_slice(b"\";");
            }
            Value::Array(a) => {
                out.extend_from_slice(format!("a:{}:{{", a.len()).as_bytes());
                for (k, v) in a.iter() {
                    out.extend(ser(&k.to_value()));
                    out.extend(ser(v));
                }
                out.push(b'}');
            }
            other => panic!("cannot serialize {other:?}"),
        }
        out
    }

    fn outcome(host: &TestHost, r: PhpResult<Value>) -> String {
        let mut s = match r {
            Ok(v) => String::from_utf8_lossy(&ser(&v)).into_owned(),
            Err(Fault::Error(e)) => {
                let (class, message) = (e.class, &e.message);
                format!("!{class}:{message}")
            }
            Err(other) => format!("!{other:?}"),
        };
        for (level, msg) in &host.diags {
            s.push_str(&format!(" ~{}:{msg}", level.bits()));
        }
        s
    }

    fn ord_value(o: Ordering) -> Value {
        Value::Int(match o {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        })
    }

    /// Every operator over every pair of operands in `testdata/ops.txt`, generated by
    /// `php -n src/vm/testdata/genops.php > src/vm/testdata/ops.txt` (PHP 8.2.36).
    #[test]
    fn operators_match_php_table() {
        let data = include_str!("testdata/ops.txt");
        let mut operands = Vec::new();
        let (mut n, mut bad) = (0, Vec::new());
        for line in data.lines() {
            if let Some(v) = line.strip_prefix("V ") {
                operands.push(unser(&unescape(v), &mut 0));
                continue;
            }
            let mut parts = line.splitn(4, ' ');
            let (name, i, j, want) = (
                parts.next().expect("op"),
                parts.next().expect("a"),
                parts.next().expect("b"),
                parts.next().expect("result"),
            );
            let a = &operands[i.parse::<usize>().expect("index")];
            let b = j.parse::<usize>().ok().map(|j| &operands[j]);
            let mut host = TestHost::default();
            let h = &mut host;
            let r = match (name, b) {
                ("neg", None) => negate(h, a),
                ("plus", None) => unary_plus(h, a),
                ("bitnot", None) => bit_not_with(h, a),
                ("inc", None) => try_increment(a),
                ("dec", None) => try_decrement(a),
                ("eq", Some(b)) => loose_eq(h, a, b).map(Value::Bool),
                ("identical", Some(b)) => Ok(Value::Bool(strict_eq(a, b))),
                ("cmp", Some(b)) => compare(h, a, b).map(ord_value),
                ("lt", Some(b)) => compare(h, a, b).map(|o| Value::Bool(o == Ordering::Less)),
                ("gt", Some(b)) => compare(h, b, a).map(|o| Value::Bool(o == Ordering::Less)),
                (op, Some(b)) => {
                    let op = match op {
                        "add" => BinOp::Add,
                        "sub" => BinOp::Sub,
                        "mul" => BinOp::Mul,
                        "div" => BinOp::Div,
                        "mod" => BinOp::Mod,
                        "pow" => BinOp::Pow,
                        "and" => BinOp::BitAnd,
                        "or" => BinOp::BitOr,
                        "xor" => BinOp::BitXor,
                        "shl" => BinOp::Shl,
                        "shr" => BinOp::Shr,
                        "concat" => BinOp::Concat,
                        other => panic!("unknown op {other}"),
                    };
                    binary_op(h, op, a, b)
                }
                (other, None) => panic!("unknown unary op {other}"),
            };
            let got = outcome(&host, r);
            let want = String::from_utf8_lossy(&unescape(want)).into_owned();
            if got != want {
                bad.push(format!("{name} {a:?} {b:?}: got {got} want {want}"));
            }
            n += 1;
        }
        assert!(n > 40_000, "only {n} cases");
        assert!(
            bad.is_empty(),
            "{} mismatches:\n{}",
            bad.len(),
            bad[..bad.len().min(25)].join("\n")
        );
    }

    fn object(class: &Rc<crate::vm::object::Class>, x: i64, id: u64) -> Value {
        let mut props = PhpArray::new();
        props.insert(ArrayKey::from_bytes(b"x"), Value::Int(x));
        Value::Object(Obj::new(class.clone(), props, id))
    }

    fn class(name: &str) -> Rc<crate::vm::object::Class> {
        Rc::new(crate::vm::object::Class {
            name: PhpStr::from(name),
            lc_name: PhpStr::from(name.to_ascii_lowercase()),
            parent: None,
            interfaces: Vec::new(),
            props: Vec::new(),
            prop_index: Default::default(),
            layout: Default::default(),
            is_interface: false,
            is_abstract: false,
            is_final: false,
            is_trait: false,
            is_enum: false,
            runtime: Box::new(()),
        })
    }

    /// Objects, as `php -n` prints for `class B { public $x = 1; }` (and a second class A).
    #[test]
    fn objects() {
        let (b_class, a_class) = (class("B"), class("A"));
        let b1 = object(&b_class, 1, 1);
        let b1_again = object(&b_class, 1, 2);
        let b2 = object(&b_class, 2, 3);
        let a1 = object(&a_class, 1, 4);
        let mut h = TestHost::default();
        // new B + 1; 1 - new B; -(new B); new B % 2; ~(new B)
        let err = |r: PhpResult<Value>| match r {
            Err(Fault::Error(e)) => {
                let (class, message) = (e.class, &e.message);
                format!("{class}: {message}")
            }
            other => format!("{other:?}"),
        };
        assert_eq!(
            err(binary_op(&mut h, BinOp::Add, &b1, &Value::Int(1))),
            "TypeError: Unsupported operand types: B + int"
        );
        assert_eq!(
            err(binary_op(&mut h, BinOp::Sub, &Value::Int(1), &b1)),
            "TypeError: Unsupported operand types: int - B"
        );
        assert_eq!(
            err(negate(&mut h, &b1)),
            "TypeError: Unsupported operand types: B * int"
        );
        assert_eq!(
            err(binary_op(&mut h, BinOp::Mod, &b1, &Value::Int(2))),
            "TypeError: Unsupported operand types: B % int"
        );
        assert_eq!(
            err(bit_not(&b1)),
            "TypeError: Cannot perform bitwise not on B"
        );
        assert_eq!(err(try_increment(&b1)), "TypeError: Cannot increment B");
        assert_eq!(err(try_decrement(&b1)), "TypeError: Cannot decrement B");
        // new B == new B; new A == new B; new B <=> new A; $b->x = 2; $b <=> new B
        assert!(loose_eq(&mut h, &b1, &b1_again).unwrap());
        assert!(!loose_eq(&mut h, &a1, &b1).unwrap());
        assert_eq!(compare(&mut h, &b1, &a1).unwrap(), Ordering::Greater);
        assert_eq!(compare(&mut h, &b2, &b1).unwrap(), Ordering::Greater);
        assert_eq!(compare(&mut h, &b1, &b2).unwrap(), Ordering::Less);
        assert!(strict_eq(&b1, &b1.clone()));
        assert!(!strict_eq(&b1, &b1_again));
        assert!(h.diags.is_empty());
        // new B == true; new B == null; new B <=> []; [] <=> new B; new B <=> "x"
        assert!(loose_eq(&mut h, &b1, &Value::Bool(true)).unwrap());
        assert!(!loose_eq(&mut h, &b1, &Value::Null).unwrap());
        assert_eq!(
            compare(&mut h, &b1, &Value::empty_array()).unwrap(),
            Ordering::Greater
        );
        assert_eq!(
            compare(&mut h, &Value::empty_array(), &b1).unwrap(),
            Ordering::Less
        );
        assert_eq!(
            compare(&mut h, &b1, &Value::str("x")).unwrap(),
            Ordering::Greater
        );
        assert!(h.diags.is_empty());
        // new B == 1 is true with a notice; new B == 1.0 likewise ("to float").
        assert!(loose_eq(&mut h, &b1, &Value::Int(1)).unwrap());
        assert!(loose_eq(&mut h, &Value::Float(1.0), &b1).unwrap());
        assert_eq!(
            h.diags,
            vec![
                (
                    ErrorLevel::Notice,
                    "Object of class B could not be converted to int".to_string()
                ),
                (
                    ErrorLevel::Notice,
                    "Object of class B could not be converted to float".to_string()
                ),
            ]
        );
    }

    #[test]
    fn string_increment_examples() {
        // php -n -r '$s = "Az"; $s++; var_dump($s);' and friends.
        let cases: &[(&str, &str)] = &[
            ("a", "b"),
            ("z", "aa"),
            ("Az", "Ba"),
            ("zZ9", "aaA0"),
            ("zz", "aaa"),
            ("a9", "b0"),
            ("Zz", "AAa"),
            ("9z", "10a"),
            ("a-z", "a-a"),
            ("-", "-"),
            ("", "1"),
            ("5 apples", "5 applet"),
        ];
        for (from, to) in cases {
            assert_eq!(
                increment(&Value::str(*from)).scalar_to_str().as_bytes(),
                to.as_bytes(),
                "{from}"
            );
        }
        assert!(matches!(increment(&Value::str("9")), Value::Int(10)));
        assert!(matches!(increment(&Value::str(" 1")), Value::Int(2)));
        assert!(matches!(decrement(&Value::str("")), Value::Int(-1)));
        assert!(matches!(decrement(&Value::Null), Value::Null));
        assert!(matches!(increment(&Value::Null), Value::Int(1)));
        assert!(
            matches!(increment(&Value::Int(i64::MAX)), Value::Float(f) if f == 9.223372036854775807e18)
        );
    }
}
