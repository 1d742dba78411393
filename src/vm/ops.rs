//! PHP's operators on values: arithmetic with int overflow to float, bitwise ops, string
//! concatenation helpers, the PHP 8 comparison rules (loose `==`, `<=>`, strict `===`), and
//! increment/decrement including string increment ("Az"++ is "Ba").
//!
//! The interpreter inlines the int/float fast paths and calls these for everything else.
//! Operations that warn ("A non-numeric value encountered") take a `Host`; operations that
//! throw return `Fault::Error` (`TypeError` "Unsupported operand types: array + int",
//! `DivisionByZeroError` "Division by zero", `ArithmeticError`).

use std::cmp::Ordering;

use super::ast::BinOp;
use super::error::PhpResult;
use super::host::Host;
use super::value::Value;

/// Applies an arithmetic, bitwise or concatenation operator (`Add`, `Sub`, `Mul`, `Div`,
/// `Mod`, `Pow`, `BitAnd`, `BitOr`, `BitXor`, `Shl`, `Shr`, `Concat`) to two values (already
/// dereferenced; `Undef` counts as null). Objects are converted through the host.
pub fn binary_op(host: &mut dyn Host, op: BinOp, a: &Value, b: &Value) -> PhpResult<Value> {
    let _ = (host, op, a, b);
    todo!("values helper")
}

/// Unary minus (`-$x`, which PHP computes as `$x * -1`).
pub fn negate(host: &mut dyn Host, a: &Value) -> PhpResult<Value> {
    let _ = (host, a);
    todo!("values helper")
}

/// Unary plus (`+$x`, `$x * 1`).
pub fn unary_plus(host: &mut dyn Host, a: &Value) -> PhpResult<Value> {
    let _ = (host, a);
    todo!("values helper")
}

/// Bitwise not (`~$x`): ints and floats (truncated), strings byte-wise; others throw
/// `TypeError` "Cannot perform bitwise not on array".
pub fn bit_not(a: &Value) -> PhpResult<Value> {
    let _ = a;
    todo!("values helper")
}

/// `++$x` on a value, returning the new value: null becomes 1, strings increment as PHP
/// does ("a" -> "b", "Az" -> "Ba", "zz" -> "aaa", "a9" -> "b0", numeric strings as numbers),
/// int overflow becomes float, bools are unchanged.
pub fn increment(a: &Value) -> Value {
    let _ = a;
    todo!("values helper")
}

/// `--$x`: null stays null, numeric strings as numbers, other strings unchanged.
pub fn decrement(a: &Value) -> Value {
    let _ = a;
    todo!("values helper")
}

/// Loose equality `==` with PHP 8 rules (`0 == "a"` is false, `"1" == "01"`,
/// `"10" == "1e1"`, `null == false`, arrays element-wise, objects by class and properties).
pub fn loose_eq(host: &mut dyn Host, a: &Value, b: &Value) -> PhpResult<bool> {
    let _ = (host, a, b);
    todo!("values helper")
}

/// Strict identity `===`: same type and value; arrays with identical key/value pairs in the
/// same order; objects by identity.
pub fn strict_eq(a: &Value, b: &Value) -> bool {
    let _ = (a, b);
    todo!("values helper")
}

/// `<=>` with PHP 8 rules. Uncomparable values (arrays where a key of `a` is missing in
/// `b`) give `Greater`, as PHP's `zend_compare` returns 1; the interpreter computes `a > b`
/// as `compare(b, a) == Less`, so both `<` and `>` are false for them. Float comparisons
/// involving NaN are done natively by the interpreter before reaching this.
pub fn compare(host: &mut dyn Host, a: &Value, b: &Value) -> PhpResult<Ordering> {
    let _ = (host, a, b);
    todo!("values helper")
}
