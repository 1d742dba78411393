//! `extension_loaded`: which PHP extensions rhvm provides. A library asks before using an
//! extension's functions (Twig and league/commonmark ask for `mbstring`, `iconv`, `xdebug`),
//! so the answer is true exactly for the extensions whose functions exist here.

use super::super::error::PhpResult;
use super::super::host::Host;
use super::super::value::Value;
use super::args;
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[BuiltinDef {
    name: "extension_loaded",
    sig: "string $extension",
    func: extension_loaded,
}];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[];

/// The extensions rhvm implements (lower case), as `php -n` with ctype, mbstring and iconv
/// loaded names them.
const LOADED: &[&str] = &[
    "core", "date", "hash", "json", "pcre", "standard", "ctype", "mbstring", "iconv",
];

fn extension_loaded(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let name = args::str_at(a, 0).to_ascii_lowercase();
    Ok(Value::Bool(
        LOADED.iter().any(|e| e.as_bytes() == name.as_slice()),
    ))
}
