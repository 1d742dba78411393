//! Conversions between PHP types: numeric strings, int/float/bool/string casts, and the
//! exact float-to-string forms PHP prints (`precision` = 14 for echo, shortest round-trip
//! for `var_dump`/`var_export`/`json_encode` with `serialize_precision` = -1).
//!
//! These are pure functions of the value; anything that can warn or call PHP code (objects'
//! `__toString`, "A non-numeric value" warnings) lives in `ops.rs` or the interpreter.

use super::value::{PhpStr, Value};

/// A number parsed from a string.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Numeric {
    Int(i64),
    Float(f64),
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

/// Classifies a string as whole / leading / non-numeric. Integer-looking strings that
/// overflow i64 are floats.
pub fn parse_numeric(s: &[u8]) -> NumericPrefix {
    let _ = s;
    todo!("values helper")
}

/// `(int)$string`: the leading numeric part, 0 if none; floats in the string are truncated
/// (`"1e3"` -> 1000), out-of-range values saturate as PHP 8 does.
pub fn str_to_int(s: &[u8]) -> i64 {
    let _ = s;
    todo!("values helper")
}

/// `(float)$string`.
pub fn str_to_float(s: &[u8]) -> f64 {
    let _ = s;
    todo!("values helper")
}

/// `(int)$float` as PHP 8 on 64-bit does it (NaN and infinities give 0; out-of-range values
/// wrap modulo 2^64).
pub fn float_to_int(f: f64) -> i64 {
    let _ = f;
    todo!("values helper")
}

/// The float as `echo`/string conversion prints it with `precision` significant digits
/// (PHP's default 14): `0.1`, `1.0E+25`, `-0`, `INF`, `-INF`, `NAN`, `1.0E-7`.
pub fn float_to_string(f: f64, precision: i32) -> Vec<u8> {
    let _ = (f, precision);
    todo!("values helper")
}

/// The float as `var_dump`/`var_export`/`json_encode` print it (`serialize_precision` =
/// -1: the shortest string that round-trips): `0.30000000000000004`, `1.0E+25`, `1`, `-0`.
/// Callers add `.0` where their format wants it (`var_export(1.0)` is `1.0`).
pub fn float_to_repr(f: f64) -> Vec<u8> {
    let _ = f;
    todo!("values helper")
}

impl Value {
    /// `(bool)` conversion.
    pub fn to_bool(&self) -> bool {
        todo!("values helper")
    }

    /// `(int)` conversion of scalars and arrays (0/1); objects give 1 (the caller warns).
    pub fn to_int(&self) -> i64 {
        todo!("values helper")
    }

    /// `(float)` conversion of scalars and arrays; objects give 1.0 (the caller warns).
    pub fn to_float(&self) -> f64 {
        todo!("values helper")
    }

    /// String conversion of null, bool, int, float and string values (`precision` 14 for
    /// floats). Arrays give `"Array"` and objects their class name: callers that must warn
    /// or call `__toString` use `Host::to_str` instead.
    pub fn scalar_to_str(&self) -> PhpStr {
        todo!("values helper")
    }
}
