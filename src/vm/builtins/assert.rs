//! `assert()`. The compiler passes the asserted expression's source text (as PHP's
//! `zend_ast_export` prints it, `compiler/export.rs`) as the second argument when the script
//! gave none, so a failed `assert($x > 0)` throws `AssertionError("assert($x > 0)")`.
//! `zend.assertions` is 1 (PHP's built-in default): assertions run and fail by throwing
//! (`assert.exception=1`); with `zend.assertions` set to 0 or -1 they pass unchecked.

use super::super::error::{Fault, PhpResult};
use super::super::host::Host;
use super::super::value::Value;
use super::args;
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[BuiltinDef {
    name: "assert",
    sig: "mixed $assertion, mixed $description = null",
    func: assert,
}];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("ASSERT_ACTIVE", ConstVal::Int(1)),
    ("ASSERT_CALLBACK", ConstVal::Int(2)),
    ("ASSERT_BAIL", ConstVal::Int(3)),
    ("ASSERT_WARNING", ConstVal::Int(4)),
    ("ASSERT_EXCEPTION", ConstVal::Int(5)),
];

fn assert(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    if let Some(mode) = h.ini_get(b"zend.assertions") {
        if super::super::convert::str_to_int(&mode) != 1 {
            return Ok(Value::Bool(true));
        }
    }
    let ok = args::opt(a, 0).is_some_and(|v| v.deref_clone().to_bool());
    if ok {
        return Ok(Value::Bool(true));
    }
    match args::opt(a, 1).map(Value::deref_clone) {
        Some(obj @ Value::Object(_)) => Err(Fault::Throw(obj)),
        Some(Value::Null) | None => Err(Fault::error("AssertionError", "")),
        Some(other) => {
            let msg = h.to_str(&other)?;
            Err(Fault::error("AssertionError", msg.to_string_lossy()))
        }
    }
}
