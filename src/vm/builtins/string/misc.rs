//! Byte-set helpers: `strspn`, `strcspn`, `strpbrk` and `quotemeta`, as in php-src's
//! `ext/standard/string.c`.

use super::super::super::error::{Fault, PhpResult};
use super::super::super::host::Host;
use super::super::super::value::Value;
use super::super::args;
use super::super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "strspn",
        sig: "string $string, string $characters, int $offset = 0, ?int $length = null",
        func: strspn,
    },
    BuiltinDef {
        name: "strcspn",
        sig: "string $string, string $characters, int $offset = 0, ?int $length = null",
        func: strcspn,
    },
    BuiltinDef {
        name: "strpbrk",
        sig: "string $string, string $characters",
        func: strpbrk,
    },
    BuiltinDef {
        name: "quotemeta",
        sig: "string $string",
        func: quotemeta,
    },
];

/// The constants of this family (none).
pub const CONSTANTS: &[(&str, ConstVal)] = &[];

/// `php_spn_common_handler`: the length of the leading run of bytes that are (`accept`)
/// or are not in `characters`, within the offset/length window.
fn spn(a: &[Value], accept: bool) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let chars = args::str_at(a, 1);
    let len = s.len() as i64;
    let mut offset = args::int_or(a, 2, 0);
    if offset < 0 {
        offset = (offset + len).max(0);
    } else if offset > len {
        return Ok(Value::Int(0));
    }
    let window = match args::opt(a, 3) {
        Some(Value::Int(l)) if *l < 0 => (l + len - offset).max(0),
        Some(Value::Int(l)) => (*l).min(len - offset),
        _ => len - offset,
    };
    let part = &s[offset as usize..(offset + window) as usize];
    let n = part
        .iter()
        // With an empty set php_strcspn compares against the C terminator, so a NUL
        // byte stops it.
        .take_while(|&&c| chars.contains(&c) == accept && (accept || !chars.is_empty() || c != 0))
        .count();
    Ok(Value::Int(n as i64))
}

fn strspn(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    spn(a, true)
}

fn strcspn(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    spn(a, false)
}

fn strpbrk(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let chars = args::str_at(a, 1);
    if chars.is_empty() {
        return Err(Fault::value_error(
            "strpbrk(): Argument #2 ($characters) must be a non-empty string",
        ));
    }
    Ok(match s.iter().position(|c| chars.contains(c)) {
        Some(p) => Value::str(&s[p..]),
        None => Value::Bool(false),
    })
}

fn quotemeta(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(a, 0);
    let mut out = Vec::with_capacity(s.len());
    for &c in s.iter() {
        if b".\\+*?[^]$()".contains(&c) {
            out.push(b'\\');
        }
        out.push(c);
    }
    Ok(Value::str(out))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn generated_cases() {
        // See cases/misc.cases.php for the inputs; the expectations come from PHP 8.2.
        check(include!("cases/misc.rs"));
    }
}
