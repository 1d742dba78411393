//! Math functions: `abs`, `floor`, `round`, `intdiv`, `fmod`, the elementary functions, base
//! conversion, and the random number generators (`mt_rand` and friends, `random_int`,
//! `random_bytes`, `lcg_value`).
//!
//! `round` and `number_format` share `php_round`, PHP 8.2's `_php_math_round` with its
//! "pre-rounding" to 15 significant digits, which is why `round(5.055, 2)` is 5.06 in PHP
//! although 5.055 is stored as 5.05499999... `mt_rand` reproduces PHP's Mt19937 sequences
//! (including the buggy `MT_RAND_PHP` mode) for a given seed, since scripts and tests rely
//! on seeded sequences being stable.

use std::cell::RefCell;
use std::io::Read;

use super::super::ast::BinOp;
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::host::Host;
use super::super::ops;
use super::super::value::{PhpStr, Value};
use super::args;
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "abs",
        sig: "int|float $num",
        func: abs,
    },
    BuiltinDef {
        name: "floor",
        sig: "int|float $num",
        func: floor,
    },
    BuiltinDef {
        name: "ceil",
        sig: "int|float $num",
        func: ceil,
    },
    BuiltinDef {
        name: "round",
        sig: "int|float $num, int $precision = 0, int $mode = PHP_ROUND_HALF_UP",
        func: round,
    },
    BuiltinDef {
        name: "intdiv",
        sig: "int $num1, int $num2",
        func: intdiv,
    },
    BuiltinDef {
        name: "fmod",
        sig: "float $num1, float $num2",
        func: fmod,
    },
    BuiltinDef {
        name: "fdiv",
        sig: "float $num1, float $num2",
        func: fdiv,
    },
    BuiltinDef {
        name: "pow",
        sig: "mixed $num, mixed $exponent",
        func: pow,
    },
    BuiltinDef {
        name: "sqrt",
        sig: "float $num",
        func: sqrt,
    },
    BuiltinDef {
        name: "exp",
        sig: "float $num",
        func: exp,
    },
    BuiltinDef {
        name: "expm1",
        sig: "float $num",
        func: expm1,
    },
    BuiltinDef {
        name: "log",
        sig: "float $num, float $base = M_E",
        func: log,
    },
    BuiltinDef {
        name: "log10",
        sig: "float $num",
        func: log10,
    },
    BuiltinDef {
        name: "log2",
        sig: "float $num",
        func: log2,
    },
    BuiltinDef {
        name: "log1p",
        sig: "float $num",
        func: log1p,
    },
    BuiltinDef {
        name: "sin",
        sig: "float $num",
        func: sin,
    },
    BuiltinDef {
        name: "cos",
        sig: "float $num",
        func: cos,
    },
    BuiltinDef {
        name: "tan",
        sig: "float $num",
        func: tan,
    },
    BuiltinDef {
        name: "asin",
        sig: "float $num",
        func: asin,
    },
    BuiltinDef {
        name: "acos",
        sig: "float $num",
        func: acos,
    },
    BuiltinDef {
        name: "atan",
        sig: "float $num",
        func: atan,
    },
    BuiltinDef {
        name: "atan2",
        sig: "float $y, float $x",
        func: atan2,
    },
    BuiltinDef {
        name: "sinh",
        sig: "float $num",
        func: sinh,
    },
    BuiltinDef {
        name: "cosh",
        sig: "float $num",
        func: cosh,
    },
    BuiltinDef {
        name: "tanh",
        sig: "float $num",
        func: tanh,
    },
    BuiltinDef {
        name: "asinh",
        sig: "float $num",
        func: asinh,
    },
    BuiltinDef {
        name: "acosh",
        sig: "float $num",
        func: acosh,
    },
    BuiltinDef {
        name: "atanh",
        sig: "float $num",
        func: atanh,
    },
    BuiltinDef {
        name: "pi",
        sig: "",
        func: pi,
    },
    BuiltinDef {
        name: "hypot",
        sig: "float $x, float $y",
        func: hypot,
    },
    BuiltinDef {
        name: "deg2rad",
        sig: "float $num",
        func: deg2rad,
    },
    BuiltinDef {
        name: "rad2deg",
        sig: "float $num",
        func: rad2deg,
    },
    BuiltinDef {
        name: "is_nan",
        sig: "float $num",
        func: is_nan,
    },
    BuiltinDef {
        name: "is_finite",
        sig: "float $num",
        func: is_finite,
    },
    BuiltinDef {
        name: "is_infinite",
        sig: "float $num",
        func: is_infinite,
    },
    BuiltinDef {
        name: "base_convert",
        sig: "string $num, int $from_base, int $to_base",
        func: base_convert,
    },
    BuiltinDef {
        name: "bindec",
        sig: "string $binary_string",
        func: bindec,
    },
    BuiltinDef {
        name: "hexdec",
        sig: "string $hex_string",
        func: hexdec,
    },
    BuiltinDef {
        name: "octdec",
        sig: "string $octal_string",
        func: octdec,
    },
    BuiltinDef {
        name: "decbin",
        sig: "int $num",
        func: decbin,
    },
    BuiltinDef {
        name: "dechex",
        sig: "int $num",
        func: dechex,
    },
    BuiltinDef {
        name: "decoct",
        sig: "int $num",
        func: decoct,
    },
    BuiltinDef {
        name: "mt_rand",
        sig: "int $min = UNKNOWN, int $max = UNKNOWN",
        func: mt_rand,
    },
    BuiltinDef {
        name: "rand",
        sig: "int $min = UNKNOWN, int $max = UNKNOWN",
        func: rand,
    },
    BuiltinDef {
        name: "mt_srand",
        sig: "int $seed = 0, int $mode = MT_RAND_MT19937",
        func: mt_srand,
    },
    BuiltinDef {
        name: "srand",
        sig: "int $seed = 0, int $mode = MT_RAND_MT19937",
        func: mt_srand,
    },
    BuiltinDef {
        name: "mt_getrandmax",
        sig: "",
        func: getrandmax,
    },
    BuiltinDef {
        name: "getrandmax",
        sig: "",
        func: getrandmax,
    },
    BuiltinDef {
        name: "random_int",
        sig: "int $min, int $max",
        func: random_int,
    },
    BuiltinDef {
        name: "random_bytes",
        sig: "int $length",
        func: random_bytes,
    },
    BuiltinDef {
        name: "lcg_value",
        sig: "",
        func: lcg_value,
    },
];

/// `PHP_ROUND_HALF_UP` and friends.
pub const PHP_ROUND_HALF_UP: i64 = 1;
pub const PHP_ROUND_HALF_DOWN: i64 = 2;
pub const PHP_ROUND_HALF_EVEN: i64 = 3;
pub const PHP_ROUND_HALF_ODD: i64 = 4;

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("M_E", ConstVal::Float(std::f64::consts::E)),
    ("M_LOG2E", ConstVal::Float(std::f64::consts::LOG2_E)),
    ("M_LOG10E", ConstVal::Float(std::f64::consts::LOG10_E)),
    ("M_LN2", ConstVal::Float(std::f64::consts::LN_2)),
    ("M_LN10", ConstVal::Float(std::f64::consts::LN_10)),
    ("M_PI", ConstVal::Float(std::f64::consts::PI)),
    ("M_PI_2", ConstVal::Float(std::f64::consts::FRAC_PI_2)),
    ("M_PI_4", ConstVal::Float(std::f64::consts::FRAC_PI_4)),
    ("M_1_PI", ConstVal::Float(std::f64::consts::FRAC_1_PI)),
    ("M_2_PI", ConstVal::Float(std::f64::consts::FRAC_2_PI)),
    ("M_SQRTPI", ConstVal::Float(1.772_453_850_905_516)),
    (
        "M_2_SQRTPI",
        ConstVal::Float(std::f64::consts::FRAC_2_SQRT_PI),
    ),
    ("M_LNPI", ConstVal::Float(1.144_729_885_849_400_2)),
    ("M_EULER", ConstVal::Float(0.577_215_664_901_532_9)),
    ("M_SQRT2", ConstVal::Float(std::f64::consts::SQRT_2)),
    (
        "M_SQRT1_2",
        ConstVal::Float(std::f64::consts::FRAC_1_SQRT_2),
    ),
    ("M_SQRT3", ConstVal::Float(1.732_050_807_568_877_2)),
    ("INF", ConstVal::Float(f64::INFINITY)),
    ("NAN", ConstVal::Float(f64::NAN)),
    ("PHP_ROUND_HALF_UP", ConstVal::Int(PHP_ROUND_HALF_UP)),
    ("PHP_ROUND_HALF_DOWN", ConstVal::Int(PHP_ROUND_HALF_DOWN)),
    ("PHP_ROUND_HALF_EVEN", ConstVal::Int(PHP_ROUND_HALF_EVEN)),
    ("PHP_ROUND_HALF_ODD", ConstVal::Int(PHP_ROUND_HALF_ODD)),
    ("MT_RAND_MT19937", ConstVal::Int(0)),
    ("MT_RAND_PHP", ConstVal::Int(1)),
    ("PHP_FLOAT_EPSILON", ConstVal::Float(f64::EPSILON)),
    ("PHP_FLOAT_MAX", ConstVal::Float(f64::MAX)),
    ("PHP_FLOAT_MIN", ConstVal::Float(f64::MIN_POSITIVE)),
    ("PHP_FLOAT_DIG", ConstVal::Int(15)),
    ("PHP_INT_MAX", ConstVal::Int(i64::MAX)),
    ("PHP_INT_MIN", ConstVal::Int(i64::MIN)),
    ("PHP_INT_SIZE", ConstVal::Int(8)),
];

fn num(args: &[Value]) -> Value {
    args.first().map(Value::deref_clone).unwrap_or(Value::Null)
}

fn abs(_h: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(match num(args) {
        Value::Int(i64::MIN) => Value::Float(-(i64::MIN as f64)),
        Value::Int(i) => Value::Int(i.abs()),
        v => Value::Float(v.to_float().abs()),
    })
}

fn floor(_h: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(match num(args) {
        Value::Int(i) => Value::Float(i as f64),
        v => Value::Float(v.to_float().floor()),
    })
}

fn ceil(_h: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(match num(args) {
        Value::Int(i) => Value::Float(i as f64),
        v => Value::Float(v.to_float().ceil()),
    })
}

/// `php_intpow10`: exact powers of ten from a table where possible.
fn intpow10(power: i32) -> f64 {
    const POWERS: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    if !(0..=22).contains(&power) {
        return 10f64.powi(power);
    }
    POWERS[power as usize]
}

/// `php_round_helper`: rounds to an integer in the given mode (unknown modes round half up
/// without correction, as PHP 8.2 does).
fn round_helper(value: f64, mode: i64) -> f64 {
    if value >= 0.0 {
        let t = (value + 0.5).floor();
        if (mode == PHP_ROUND_HALF_DOWN && value == -0.5 + t)
            || (mode == PHP_ROUND_HALF_EVEN && value == 0.5 + 2.0 * (t / 2.0).floor())
            || (mode == PHP_ROUND_HALF_ODD && value == 0.5 + 2.0 * (t / 2.0).floor() - 1.0)
        {
            t - 1.0
        } else {
            t
        }
    } else {
        let t = (value - 0.5).ceil();
        if (mode == PHP_ROUND_HALF_DOWN && value == 0.5 + t)
            || (mode == PHP_ROUND_HALF_EVEN && value == -0.5 + 2.0 * (t / 2.0).ceil())
            || (mode == PHP_ROUND_HALF_ODD && value == -0.5 + 2.0 * (t / 2.0).ceil() + 1.0)
        {
            t + 1.0
        } else {
            t
        }
    }
}

/// PHP 8.2's `_php_math_round(value, places, mode)`.
pub fn php_round(value: f64, places: i32, mode: i64) -> f64 {
    if !value.is_finite() || value == 0.0 {
        return value;
    }
    let places = places.max(i32::MIN + 1);
    let precision_places = 14 - value.abs().log10().floor() as i32;
    let f1 = intpow10(places.abs());
    let mut tmp;
    if precision_places > places && precision_places - 15 < places {
        let use_precision = precision_places;
        let f2 = intpow10(use_precision.abs());
        tmp = if use_precision >= 0 {
            value * f2
        } else {
            value / f2
        };
        // Pre-round to 15 significant digits, then move the decimal point.
        tmp = round_helper(tmp, mode);
        let shift = (places - use_precision).max(i32::MIN + 1);
        tmp /= intpow10(shift.abs());
    } else {
        tmp = if places >= 0 { value * f1 } else { value / f1 };
        // Beyond the precision of a double: rounding is pointless.
        if tmp.abs() >= 1e15 {
            return value;
        }
    }
    tmp = round_helper(tmp, mode);
    if places.abs() < 23 {
        if places > 0 {
            tmp /= f1;
        } else {
            tmp *= f1;
        }
    } else {
        // PHP prints "%15fe%d" and parses it back, since the division would be inexact.
        let text = format!("{:15.6}e{}", tmp, -places);
        match text.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => tmp = v,
            _ => return value,
        }
    }
    tmp
}

fn round(_h: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let places = args::int_or(args, 1, 0).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    let mode = args::int_or(args, 2, PHP_ROUND_HALF_UP);
    Ok(Value::Float(match num(args) {
        Value::Int(i) if places >= 0 => i as f64,
        Value::Int(i) => php_round(i as f64, places, mode),
        v => php_round(v.to_float(), places, mode),
    }))
}

fn intdiv(_h: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let a = args::int_or(args, 0, 0);
    let b = args::int_or(args, 1, 0);
    if b == 0 {
        return Err(Fault::error("DivisionByZeroError", "Division by zero"));
    }
    if b == -1 && a == i64::MIN {
        return Err(Fault::error(
            "ArithmeticError",
            "Division of PHP_INT_MIN by -1 is not an integer",
        ));
    }
    Ok(Value::Int(a / b))
}

fn f0(args: &[Value]) -> f64 {
    args::float_or(args, 0, 0.0)
}
fn f1(args: &[Value]) -> f64 {
    args::float_or(args, 1, 0.0)
}

fn fmod(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Float(f0(a) % f1(a)))
}
fn fdiv(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Float(f0(a) / f1(a)))
}
fn pow(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let base = num(a);
    let exp = a.get(1).map(Value::deref_clone).unwrap_or(Value::Null);
    ops::binary_op(h, BinOp::Pow, &base, &exp)
}

macro_rules! unary_float {
    ($($name:ident => $f:expr;)*) => {
        $(fn $name(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
            let f: fn(f64) -> f64 = $f;
            Ok(Value::Float(f(f0(a))))
        })*
    };
}

unary_float! {
    sqrt => f64::sqrt;
    exp => f64::exp;
    expm1 => f64::exp_m1;
    log10 => f64::log10;
    log2 => f64::log2;
    log1p => f64::ln_1p;
    sin => f64::sin;
    cos => f64::cos;
    tan => f64::tan;
    asin => f64::asin;
    acos => f64::acos;
    atan => f64::atan;
    sinh => f64::sinh;
    cosh => f64::cosh;
    tanh => f64::tanh;
    asinh => f64::asinh;
    acosh => f64::acosh;
    atanh => f64::atanh;
    deg2rad => f64::to_radians;
    rad2deg => f64::to_degrees;
}

fn log(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let x = f0(a);
    let Some(base) = args::opt(a, 1).map(Value::to_float) else {
        return Ok(Value::Float(x.ln()));
    };
    if base == 2.0 {
        return Ok(Value::Float(x.log2()));
    }
    if base == 10.0 {
        return Ok(Value::Float(x.log10()));
    }
    if base == 1.0 {
        return Ok(Value::Float(f64::NAN));
    }
    if base <= 0.0 {
        return Err(Fault::value_error(
            "log(): Argument #2 ($base) must be greater than 0",
        ));
    }
    Ok(Value::Float(x.ln() / base.ln()))
}

fn atan2(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Float(f0(a).atan2(f1(a))))
}
fn hypot(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Float(f0(a).hypot(f1(a))))
}
fn pi(_h: &mut dyn Host, _a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Float(std::f64::consts::PI))
}
fn is_nan(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(f0(a).is_nan()))
}
fn is_finite(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(f0(a).is_finite()))
}
fn is_infinite(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(f0(a).is_infinite()))
}

// ---------------------------------------------------------------------------------------
// Base conversion

const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// `_php_math_basetozval`: digits in `base` (others skipped with a deprecation), an int
/// until it overflows, then a float.
fn base_to_value(host: &mut dyn Host, s: &[u8], base: u32) -> PhpResult<Value> {
    let mut s = s;
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() || *first == 0x0b {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() || *last == 0x0b {
            s = rest;
        } else {
            break;
        }
    }
    if s.len() >= 2 && s[0] == b'0' {
        let p = s[1].to_ascii_lowercase();
        if (base == 16 && p == b'x') || (base == 8 && p == b'o') || (base == 2 && p == b'b') {
            s = &s[2..];
        }
    }
    let b = i64::from(base);
    let (cutoff, cutlim) = (i64::MAX / b, i64::MAX % b);
    let mut num: i64 = 0;
    let mut fnum: f64 = 0.0;
    let mut is_float = false;
    let mut invalid = false;
    for &c in s {
        let d = match c {
            b'0'..=b'9' => i64::from(c - b'0'),
            b'A'..=b'Z' => i64::from(c - b'A' + 10),
            b'a'..=b'z' => i64::from(c - b'a' + 10),
            _ => {
                invalid = true;
                continue;
            }
        };
        if d >= b {
            invalid = true;
            continue;
        }
        if !is_float {
            if num < cutoff || (num == cutoff && d <= cutlim) {
                num = num * b + d;
                continue;
            }
            fnum = num as f64;
            is_float = true;
        }
        fnum = fnum * b as f64 + d as f64;
    }
    if invalid {
        host.raise(
            ErrorLevel::Deprecated,
            "Invalid characters passed for attempted conversion, these have been ignored",
        )?;
    }
    Ok(if is_float {
        Value::Float(fnum)
    } else {
        Value::Int(num)
    })
}

/// `_php_math_zvaltobase`: an int as unsigned digits, a float by repeated `fmod`.
fn value_to_base(v: &Value, base: u32) -> PhpResult<Vec<u8>> {
    let b = u64::from(base);
    match v {
        Value::Float(f) => {
            let mut fvalue = f.floor();
            if fvalue.is_infinite() {
                return Err(Fault::value_error(format!(
                    "An infinite value cannot be converted to base {base}"
                )));
            }
            let mut out = Vec::new();
            loop {
                out.push(DIGITS[(fvalue % base as f64) as i64 as usize % 36]);
                fvalue /= base as f64;
                if out.len() >= 64 || fvalue.abs() < 1.0 {
                    break;
                }
            }
            out.reverse();
            Ok(out)
        }
        other => {
            let mut value = other.to_int() as u64;
            let mut out = Vec::new();
            loop {
                out.push(DIGITS[(value % b) as usize]);
                value /= b;
                if value == 0 {
                    break;
                }
            }
            out.reverse();
            Ok(out)
        }
    }
}

fn base_convert(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let from = args::int_or(a, 1, 10);
    let to = args::int_or(a, 2, 10);
    if !(2..=36).contains(&from) {
        return Err(Fault::value_error(
            "base_convert(): Argument #2 ($from_base) must be between 2 and 36 (inclusive)",
        ));
    }
    if !(2..=36).contains(&to) {
        return Err(Fault::value_error(
            "base_convert(): Argument #3 ($to_base) must be between 2 and 36 (inclusive)",
        ));
    }
    let v = base_to_value(host, &s, from as u32)?;
    Ok(Value::str(value_to_base(&v, to as u32)?))
}

fn bindec(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    base_to_value(h, &args::str_at(a, 0), 2)
}
fn hexdec(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    base_to_value(h, &args::str_at(a, 0), 16)
}
fn octdec(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    base_to_value(h, &args::str_at(a, 0), 8)
}
fn decbin(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::str(value_to_base(
        &Value::Int(args::int_or(a, 0, 0)),
        2,
    )?))
}
fn dechex(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::str(value_to_base(
        &Value::Int(args::int_or(a, 0, 0)),
        16,
    )?))
}
fn decoct(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::str(value_to_base(
        &Value::Int(args::int_or(a, 0, 0)),
        8,
    )?))
}

// ---------------------------------------------------------------------------------------
// Random numbers

const MT_N: usize = 624;
const MT_M: usize = 397;

/// PHP's Mt19937 state (`php_random_status_state_mt19937`).
struct Mt {
    state: [u32; MT_N],
    count: usize,
    /// `MT_RAND_PHP`: the pre-7.1 twist that used the wrong bit.
    legacy: bool,
}

impl Mt {
    fn seeded(seed: u32, legacy: bool) -> Mt {
        let mut mt = Mt {
            state: [0; MT_N],
            count: 0,
            legacy,
        };
        mt.state[0] = seed;
        for i in 1..MT_N {
            let prev = mt.state[i - 1];
            mt.state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        mt.reload();
        mt
    }

    fn reload(&mut self) {
        let s = &mut self.state;
        for i in 0..MT_N {
            let next = if i + 1 < MT_N { s[i + 1] } else { s[0] };
            let m = s[(i + MT_M) % MT_N];
            let mix = (s[i] & 0x8000_0000) | (next & 0x7fff_ffff);
            let bit = if self.legacy { s[i] & 1 } else { next & 1 };
            s[i] = m ^ (mix >> 1) ^ ((bit as i32).wrapping_neg() as u32 & 0x9908_b0df);
        }
        self.count = 0;
    }

    fn next_u32(&mut self) -> u32 {
        if self.count >= MT_N {
            self.reload();
        }
        let mut s1 = self.state[self.count];
        self.count += 1;
        s1 ^= s1 >> 11;
        s1 ^= (s1 << 7) & 0x9d2c_5680;
        s1 ^= (s1 << 15) & 0xefc6_0000;
        s1 ^ (s1 >> 18)
    }

    fn range32(&mut self, umax: u32) -> u32 {
        let mut result = self.next_u32();
        if umax == u32::MAX {
            return result;
        }
        let umax = umax + 1;
        if umax & (umax - 1) == 0 {
            return result & (umax - 1);
        }
        let limit = u32::MAX - (u32::MAX % umax) - 1;
        while result > limit {
            result = self.next_u32();
        }
        result % umax
    }

    /// Two outputs, the first in the low half (`php_random_range64`).
    fn next_u64(&mut self) -> u64 {
        let lo = u64::from(self.next_u32());
        lo | (u64::from(self.next_u32()) << 32)
    }

    fn range64(&mut self, umax: u64) -> u64 {
        let mut result = self.next_u64();
        if umax == u64::MAX {
            return result;
        }
        let umax = umax + 1;
        if umax & (umax - 1) == 0 {
            return result & (umax - 1);
        }
        let limit = u64::MAX - (u64::MAX % umax) - 1;
        while result > limit {
            result = self.next_u64();
        }
        result % umax
    }

    /// `php_mt_rand_range`.
    fn range(&mut self, min: i64, max: i64) -> i64 {
        let umax = (max as u64).wrapping_sub(min as u64);
        let r = if umax > u64::from(u32::MAX) {
            self.range64(umax)
        } else {
            u64::from(self.range32(umax as u32))
        };
        r.wrapping_add(min as u64) as i64
    }

    /// `php_mt_rand_common`: legacy mode scales badly on purpose.
    fn common(&mut self, min: i64, max: i64) -> i64 {
        if !self.legacy {
            return self.range(min, max);
        }
        let n = i64::from(self.next_u32() >> 1);
        min.wrapping_add(
            ((max as f64 - min as f64 + 1.0) * (n as f64 / (2_147_483_647.0 + 1.0))) as i64,
        )
    }
}

/// Per-request random state. The interpreter must call `reset_request_state` between
/// requests so that one request's seed does not leak into the next.
struct RandState {
    mt: Option<Mt>,
    lcg: Option<(i32, i32)>,
}

thread_local! {
    static RAND: RefCell<RandState> = const { RefCell::new(RandState { mt: None, lcg: None }) };
}

/// Forgets the per-request random state (`mt_srand` seed, LCG state); call at request
/// start/end.
pub fn reset_request_state() {
    RAND.with(|r| {
        let mut r = r.borrow_mut();
        r.mt = None;
        r.lcg = None;
    });
}

/// Fills `buf` from the operating system's CSPRNG.
fn os_random(buf: &mut [u8]) -> PhpResult<()> {
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .map_err(|_| Fault::error("Exception", "Cannot open source device"))
}

fn random_seed() -> PhpResult<u32> {
    let mut b = [0u8; 4];
    os_random(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn with_mt<T>(f: impl FnOnce(&mut Mt) -> T) -> PhpResult<T> {
    let seed = RAND.with(|r| r.borrow().mt.is_none());
    let seed = if seed { Some(random_seed()?) } else { None };
    Ok(RAND.with(|r| {
        let mut r = r.borrow_mut();
        let mt =
            r.mt.get_or_insert_with(|| Mt::seeded(seed.unwrap_or(0), false));
        f(mt)
    }))
}

/// A uniform integer in `min..=max` from the request's Mt19937 state, seeding it first if
/// needed: PHP's `php_mt_rand_range`, which `shuffle`, `array_rand` and `str_shuffle` share
/// with `mt_rand` (so `mt_srand` makes them all repeatable).
pub(crate) fn mt_rand_range(min: i64, max: i64) -> PhpResult<i64> {
    with_mt(|mt| mt.range(min, max))
}

fn mt_srand(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let seed = match args::opt(a, 0) {
        Some(v) => v.to_int() as u32,
        None => random_seed()?,
    };
    let legacy = args::int_or(a, 1, 0) == 1;
    RAND.with(|r| r.borrow_mut().mt = Some(Mt::seeded(seed, legacy)));
    Ok(Value::Null)
}

fn given(a: &[Value]) -> usize {
    a.iter().filter(|v| !matches!(v, Value::Undef)).count()
}

fn mt_rand(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    match given(a) {
        0 => Ok(Value::Int(i64::from(with_mt(|mt| mt.next_u32() >> 1)?))),
        1 => Err(Fault::error(
            "ArgumentCountError",
            "mt_rand() expects exactly 2 arguments, 1 given",
        )),
        _ => {
            let (min, max) = (args::int_or(a, 0, 0), args::int_or(a, 1, 0));
            if max < min {
                return Err(Fault::value_error(
                    "mt_rand(): Argument #2 ($max) must be greater than or equal to argument #1 ($min)",
                ));
            }
            Ok(Value::Int(with_mt(|mt| mt.common(min, max))?))
        }
    }
}

fn rand(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    match given(a) {
        0 => Ok(Value::Int(i64::from(with_mt(|mt| mt.next_u32() >> 1)?))),
        1 => Err(Fault::error(
            "ArgumentCountError",
            "rand() expects exactly 2 arguments, 1 given",
        )),
        _ => {
            let (min, max) = (args::int_or(a, 0, 0), args::int_or(a, 1, 0));
            if max < min {
                return Ok(Value::Int(with_mt(|mt| mt.common(max, min))?));
            }
            Ok(Value::Int(with_mt(|mt| mt.common(min, max))?))
        }
    }
}

fn getrandmax(_h: &mut dyn Host, _a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(2_147_483_647))
}

fn random_int(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let (min, max) = (args::int_or(a, 0, 0), args::int_or(a, 1, 0));
    if min > max {
        return Err(Fault::value_error(
            "random_int(): Argument #1 ($min) must be less than or equal to argument #2 ($max)",
        ));
    }
    let umax = (max as u64).wrapping_sub(min as u64);
    let next = || -> PhpResult<u64> {
        let mut b = [0u8; 8];
        os_random(&mut b)?;
        Ok(u64::from_le_bytes(b))
    };
    let mut result = next()?;
    if umax != u64::MAX {
        let n = umax + 1;
        if n & (n - 1) == 0 {
            result &= n - 1;
        } else {
            let limit = u64::MAX - (u64::MAX % n) - 1;
            while result > limit {
                result = next()?;
            }
            result %= n;
        }
    }
    Ok(Value::Int(result.wrapping_add(min as u64) as i64))
}

fn random_bytes(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let n = args::int_or(a, 0, 0);
    if n < 1 {
        return Err(Fault::value_error(
            "random_bytes(): Argument #1 ($length) must be greater than 0",
        ));
    }
    let mut buf = vec![0u8; n as usize];
    os_random(&mut buf)?;
    Ok(Value::Str(PhpStr::from(buf)))
}

/// `php_combined_lcg`: L'Ecuyer's combined LCG, seeded from the OS on first use.
fn lcg_value(_h: &mut dyn Host, _a: &[Value]) -> PhpResult<Value> {
    let need_seed = RAND.with(|r| r.borrow().lcg.is_none());
    let seed = if need_seed {
        let mut b = [0u8; 8];
        os_random(&mut b)?;
        let s1 = (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) % 2_147_483_562) as i32 + 1;
        let s2 = (u32::from_le_bytes([b[4], b[5], b[6], b[7]]) % 2_147_483_398) as i32 + 1;
        Some((s1, s2))
    } else {
        None
    };
    Ok(Value::Float(RAND.with(|r| {
        let mut r = r.borrow_mut();
        let (s1, s2) = r.lcg.get_or_insert_with(|| seed.unwrap_or((1, 1)));
        let q = *s1 / 53668;
        *s1 = 40014 * (*s1 - 53668 * q) - 12211 * q;
        if *s1 < 0 {
            *s1 += 2_147_483_563;
        }
        let q = *s2 / 52774;
        *s2 = 40692 * (*s2 - 52774 * q) - 3791 * q;
        if *s2 < 0 {
            *s2 += 2_147_483_399;
        }
        let mut z = *s1 - *s2;
        if z < 1 {
            z += 2_147_483_562;
        }
        f64::from(z) * 4.656613e-10
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::host::TestHost;

    fn call(f: super::super::BuiltinFn, args: &[Value]) -> Result<Value, String> {
        let mut h = TestHost::default();
        f(&mut h, args).map_err(|e| match e {
            Fault::Error(e) => {
                let (class, message) = (e.class, &e.message);
                format!("{class}: {message}")
            }
            other => format!("{other:?}"),
        })
    }

    fn float(v: Result<Value, String>) -> f64 {
        match v {
            Ok(Value::Float(f)) => f,
            other => panic!("not a float: {other:?}"),
        }
    }

    fn int(v: Result<Value, String>) -> i64 {
        match v {
            Ok(Value::Int(i)) => i,
            other => panic!("not an int: {other:?}"),
        }
    }

    #[test]
    fn round_table() {
        // php -n -r 'foreach ([[1.955,2],[5.045,2],...] as $a) var_dump(round(...$a));'
        let cases: &[(f64, i32, i64, f64)] = &[
            (1.955, 2, 1, 1.96),
            (5.045, 2, 1, 5.05),
            (5.055, 2, 1, 5.06),
            (-1.5, 0, 1, -2.0),
            (2.5, 0, 3, 2.0),
            (-2.5, 0, 2, -2.0),
            (3.5, 0, 4, 3.0),
            (1234567.891, -3, 1, 1235000.0),
            (0.285, 2, 1, 0.29),
            (1.45, 1, 3, 1.4),
            (1e20, 2, 1, 1e20),
            (0.1 + 0.7, 1, 1, 0.8),
            (1.0000000000000002, 15, 1, 1.0000000000000002),
            (123456.789, 5, 2, 123456.789),
            (4503599627370495.5, 0, 1, 4503599627370495.5),
            (0.30000000000000004, 16, 1, 0.30000000000000004),
            (2.5, 0, 99, 3.0),
            (-2.5, 0, 99, -3.0),
        ];
        for &(v, p, m, want) in cases {
            let got = php_round(v, p, m);
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "round({v}, {p}, {m}) = {got}"
            );
        }
        assert_eq!(float(call(round, &[Value::Int(5), Value::Int(-1)])), 10.0);
        assert_eq!(
            float(call(round, &[Value::Int(-15), Value::Int(-1)])),
            -20.0
        );
        assert_eq!(
            float(call(round, &[Value::Int(i64::MAX)])),
            9.223372036854776E+18
        );
    }

    #[test]
    fn basic_functions() {
        assert!(
            matches!(call(abs, &[Value::Int(i64::MIN)]), Ok(Value::Float(f)) if f == 9.223372036854776E+18)
        );
        assert_eq!(int(call(abs, &[Value::Int(-5)])), 5);
        assert_eq!(
            float(call(ceil, &[Value::Float(-0.5)])).to_bits(),
            (-0.0f64).to_bits()
        );
        assert_eq!(
            float(call(log, &[Value::Float(8.0), Value::Float(2.0)])),
            3.0
        );
        assert_eq!(
            float(call(fmod, &[Value::Float(10.0), Value::Float(3.0)])),
            1.0
        );
        assert_eq!(int(call(intdiv, &[Value::Int(7), Value::Int(-2)])), -3);
        assert_eq!(
            call(intdiv, &[Value::Int(1), Value::Int(0)]).unwrap_err(),
            "DivisionByZeroError: Division by zero"
        );
        assert_eq!(
            call(intdiv, &[Value::Int(i64::MIN), Value::Int(-1)]).unwrap_err(),
            "ArithmeticError: Division of PHP_INT_MIN by -1 is not an integer"
        );
        assert_eq!(
            call(log, &[Value::Float(8.0), Value::Float(0.0)]).unwrap_err(),
            "ValueError: log(): Argument #2 ($base) must be greater than 0"
        );
        assert!(float(call(log, &[Value::Float(8.0), Value::Float(1.0)])).is_nan());
    }

    #[test]
    fn base_conversion() {
        let s = |x: &str| Value::str(x);
        let st = |v: Result<Value, String>| match v {
            Ok(Value::Str(s)) => s.to_string_lossy(),
            other => panic!("{other:?}"),
        };
        // php -n -r 'var_dump(base_convert("ff", 16, 2), ...);'
        assert_eq!(
            st(call(
                base_convert,
                &[s("ff"), Value::Int(16), Value::Int(2)]
            )),
            "11111111"
        );
        assert_eq!(
            st(call(
                base_convert,
                &[s("zz"), Value::Int(36), Value::Int(10)]
            )),
            "1295"
        );
        assert_eq!(
            st(call(
                base_convert,
                &[s("-ff.8"), Value::Int(16), Value::Int(10)]
            )),
            "4088"
        );
        assert_eq!(
            st(call(
                base_convert,
                &[s("FFFFFFFFFFFFFFFFFFFF"), Value::Int(16), Value::Int(10)]
            )),
            "1208925819614629446642046"
        );
        assert_eq!(
            call(base_convert, &[s("1"), Value::Int(1), Value::Int(10)]).unwrap_err(),
            "ValueError: base_convert(): Argument #2 ($from_base) must be between 2 and 36 (inclusive)"
        );
        assert_eq!(int(call(bindec, &[s("111")])), 7);
        assert_eq!(
            float(call(bindec, &[s(&"1".repeat(64))])),
            1.8446744073709552E+19
        );
        assert_eq!(
            float(call(hexdec, &[s("fffffffffffffffff")])),
            2.9514790517935283E+20
        );
        assert_eq!(int(call(octdec, &[s("777")])), 511);
        assert_eq!(st(call(decbin, &[Value::Int(-1)])), "1".repeat(64));
        assert_eq!(st(call(dechex, &[Value::Int(-1)])), "ffffffffffffffff");
        assert_eq!(st(call(decoct, &[Value::Int(8)])), "10");
        let mut h = TestHost::default();
        base_convert(&mut h, &[s("1g"), Value::Int(16), Value::Int(10)]).expect("ok");
        assert_eq!(
            h.diags[0].1,
            "Invalid characters passed for attempted conversion, these have been ignored"
        );
    }

    #[test]
    fn mt_rand_sequences() {
        // php -n -r 'mt_srand(42); echo mt_rand(), " ", mt_rand(), " ", mt_rand(1,100), " ",
        //   mt_rand(0, PHP_INT_MAX), " ", mt_rand(-1000, 1000), " ", rand(10, 1), " ", rand(),
        //   " ", mt_rand(0, 0xFFFFFFFF);'
        let i = Value::Int;
        call(mt_srand, &[i(42)]).expect("seed");
        let got: Vec<i64> = vec![
            int(call(mt_rand, &[])),
            int(call(mt_rand, &[])),
            int(call(mt_rand, &[i(1), i(100)])),
            int(call(mt_rand, &[i(0), i(i64::MAX)])),
            int(call(mt_rand, &[i(-1000), i(1000)])),
            int(call(rand, &[i(10), i(1)])),
            int(call(rand, &[])),
            int(call(mt_rand, &[i(0), i(0xFFFF_FFFF)])),
        ];
        assert_eq!(
            got,
            vec![
                804318771,
                1710563033,
                77,
                4279532807823660302,
                799,
                1,
                1281725962,
                670094950
            ]
        );
        // mt_srand(42, MT_RAND_PHP); mt_rand(), mt_rand(1,100), mt_rand(1, 1000000)
        call(mt_srand, &[i(42), i(1)]).expect("seed");
        let got = vec![
            int(call(mt_rand, &[])),
            int(call(mt_rand, &[i(1), i(100)])),
            int(call(mt_rand, &[i(1), i(1_000_000)])),
        ];
        assert_eq!(got, vec![1354439493, 80, 950715]);
        call(mt_srand, &[i(5)]).expect("seed");
        assert_eq!(int(call(rand, &[])), 476726705);
        assert_eq!(int(call(rand, &[i(1), i(6)])), 1);
        call(mt_srand, &[i(-1)]).expect("seed");
        assert_eq!(int(call(mt_rand, &[])), 209663185);
        assert_eq!(
            call(mt_rand, &[i(5), i(1)]).unwrap_err(),
            "ValueError: mt_rand(): Argument #2 ($max) must be greater than or equal to argument #1 ($min)"
        );
        assert_eq!(
            call(mt_rand, &[i(5)]).unwrap_err(),
            "ArgumentCountError: mt_rand() expects exactly 2 arguments, 1 given"
        );
        reset_request_state();
    }

    #[test]
    fn csprng() {
        let i = Value::Int;
        for _ in 0..50 {
            let r = int(call(random_int, &[i(-3), i(3)]));
            assert!((-3..=3).contains(&r));
        }
        assert_eq!(
            call(random_int, &[i(5), i(1)]).unwrap_err(),
            "ValueError: random_int(): Argument #1 ($min) must be less than or equal to argument #2 ($max)"
        );
        assert!(matches!(call(random_bytes, &[i(16)]), Ok(Value::Str(s)) if s.len() == 16));
        assert_eq!(
            call(random_bytes, &[i(0)]).unwrap_err(),
            "ValueError: random_bytes(): Argument #1 ($length) must be greater than 0"
        );
        let v = float(call(lcg_value, &[]));
        assert!(v > 0.0 && v < 1.0);
    }
}
