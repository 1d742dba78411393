//! Facts about the running engine that libraries ask for: `extension_loaded` (true exactly
//! for the extensions whose functions exist here; Twig and league/commonmark ask for
//! `mbstring`, `iconv`, `xdebug`), `getmypid`, `umask` (the process's: PHP's CLI and FPM workers are single-threaded,
//! so a server thread changing it affects its neighbours; Twig only reads it),
//! `stream_resolve_include_path` (resolved as
//! `include` resolves from the running file).

use super::super::error::PhpResult;
use super::super::host::Host;
use super::super::value::Value;
use super::args;
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "extension_loaded",
        sig: "string $extension",
        func: extension_loaded,
    },
    BuiltinDef {
        name: "umask",
        sig: "?int $mask = null",
        func: umask,
    },
    BuiltinDef {
        name: "getmypid",
        sig: "",
        func: getmypid,
    },
    BuiltinDef {
        name: "stream_resolve_include_path",
        sig: "string $filename",
        func: stream_resolve_include_path,
    },
];

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

fn getmypid(_h: &mut dyn Host, _a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(i64::from(std::process::id())))
}

fn stream_resolve_include_path(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let name = args::str_at(a, 0);
    let Some(vm) = h.engine() else {
        return Ok(Value::Bool(false));
    };
    Ok(match vm.resolve_include_from_current(&name) {
        Some(p) => Value::Str(p),
        None => Value::Bool(false),
    })
}

fn umask(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    use nix::sys::stat::{umask as sys_umask, Mode};
    let old = match args::opt(a, 0) {
        None | Some(Value::Null) => {
            // Reading the mask means setting it; put it straight back.
            let old = sys_umask(Mode::empty());
            sys_umask(old);
            old
        }
        Some(_) => {
            let mask = args::int_or(a, 0, 0) & 0o777;
            sys_umask(Mode::from_bits_truncate(mask as nix::libc::mode_t))
        }
    };
    Ok(Value::Int(i64::from(old.bits())))
}
