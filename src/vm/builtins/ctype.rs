//! The `ctype` extension: `ctype_alnum` .. `ctype_xdigit`, classifying bytes in the "C"
//! locale (PHP 8 no longer follows `setlocale` for these).
//!
//! A string qualifies when it is non-empty and every byte is in the class. Since PHP 8.1
//! any other argument type is deprecated; an int from -128 to 255 is still taken as one
//! byte (negative values add 256), a larger int as its decimal string, and everything else
//! is simply `false`.

use super::super::error::{ErrorLevel, PhpResult};
use super::super::host::Host;
use super::super::value::Value;
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "ctype_alnum",
        sig: "mixed $text",
        func: ctype_alnum,
    },
    BuiltinDef {
        name: "ctype_alpha",
        sig: "mixed $text",
        func: ctype_alpha,
    },
    BuiltinDef {
        name: "ctype_cntrl",
        sig: "mixed $text",
        func: ctype_cntrl,
    },
    BuiltinDef {
        name: "ctype_digit",
        sig: "mixed $text",
        func: ctype_digit,
    },
    BuiltinDef {
        name: "ctype_graph",
        sig: "mixed $text",
        func: ctype_graph,
    },
    BuiltinDef {
        name: "ctype_lower",
        sig: "mixed $text",
        func: ctype_lower,
    },
    BuiltinDef {
        name: "ctype_print",
        sig: "mixed $text",
        func: ctype_print,
    },
    BuiltinDef {
        name: "ctype_punct",
        sig: "mixed $text",
        func: ctype_punct,
    },
    BuiltinDef {
        name: "ctype_space",
        sig: "mixed $text",
        func: ctype_space,
    },
    BuiltinDef {
        name: "ctype_upper",
        sig: "mixed $text",
        func: ctype_upper,
    },
    BuiltinDef {
        name: "ctype_xdigit",
        sig: "mixed $text",
        func: ctype_xdigit,
    },
];

/// The constants of this family (none).
pub const CONSTANTS: &[(&str, ConstVal)] = &[];

/// `ctype_impl`: applies `class` to the argument with PHP's rules for non-strings.
fn classify(
    host: &mut dyn Host,
    a: &[Value],
    func: &str,
    class: fn(u8) -> bool,
) -> PhpResult<Value> {
    let text = a.first().map(Value::deref_clone).unwrap_or(Value::Null);
    let s = match text {
        Value::Str(s) => s,
        other => {
            host.raise(
                ErrorLevel::Deprecated,
                &format!(
                    "{func}(): Argument of type {} will be interpreted as string in the future",
                    other.type_name()
                ),
            )?;
            match other {
                Value::Int(n) if (-128..=255).contains(&n) => {
                    let c = if n < 0 { n + 256 } else { n };
                    return Ok(Value::Bool(class(c as u8)));
                }
                Value::Int(n) => n.to_string().into(),
                _ => return Ok(Value::Bool(false)),
            }
        }
    };
    Ok(Value::Bool(!s.is_empty() && s.iter().all(|&c| class(c))))
}

fn ctype_alnum(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    classify(h, a, "ctype_alnum", |c| c.is_ascii_alphanumeric())
}
fn ctype_alpha(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    classify(h, a, "ctype_alpha", |c| c.is_ascii_alphabetic())
}
fn ctype_cntrl(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    classify(h, a, "ctype_cntrl", |c| c.is_ascii_control())
}
fn ctype_digit(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    classify(h, a, "ctype_digit", |c| c.is_ascii_digit())
}
fn ctype_graph(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    classify(h, a, "ctype_graph", |c| c.is_ascii_graphic())
}
fn ctype_lower(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    classify(h, a, "ctype_lower", |c| c.is_ascii_lowercase())
}
fn ctype_print(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    classify(h, a, "ctype_print", |c| c.is_ascii_graphic() || c == b' ')
}
fn ctype_punct(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    classify(h, a, "ctype_punct", |c| c.is_ascii_punctuation())
}
fn ctype_space(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    // C's isspace: space, \t, \n, \v, \f, \r.
    classify(h, a, "ctype_space", |c| matches!(c, b' ' | 9..=13))
}
fn ctype_upper(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    classify(h, a, "ctype_upper", |c| c.is_ascii_uppercase())
}
fn ctype_xdigit(h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    classify(h, a, "ctype_xdigit", |c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::host::TestHost;

    #[test]
    fn every_byte_and_type() {
        // For each function: the bytes 0..=255 it accepts as one-byte strings, as
        // php -n -d extension=ctype -r 'for($i=0;$i<256;$i++) echo ctype_X(chr($i))?1:0;'
        // prints them; then the non-string cases, checked against the same PHP.
        let funcs: [(super::super::BuiltinFn, &str); 11] = [
            (ctype_alnum, "ctype_alnum"),
            (ctype_alpha, "ctype_alpha"),
            (ctype_cntrl, "ctype_cntrl"),
            (ctype_digit, "ctype_digit"),
            (ctype_graph, "ctype_graph"),
            (ctype_lower, "ctype_lower"),
            (ctype_print, "ctype_print"),
            (ctype_punct, "ctype_punct"),
            (ctype_space, "ctype_space"),
            (ctype_upper, "ctype_upper"),
            (ctype_xdigit, "ctype_xdigit"),
        ];
        let want = include_str!("ctype_cases.txt");
        let mut got = String::new();
        for (func, name) in funcs {
            let mut h = TestHost::default();
            got.push_str(name);
            got.push(' ');
            for c in 0..=255u8 {
                let v = func(&mut h, &[Value::str(vec![c])]).expect("ctype");
                got.push(if matches!(v, Value::Bool(true)) {
                    '1'
                } else {
                    '0'
                });
            }
            for arg in [
                Value::str(""),
                Value::str("abc1"),
                Value::Int(5),
                Value::Int(48),
                Value::Int(-80),
                Value::Int(256),
                Value::Int(-129),
                Value::Int(1000),
                Value::Null,
                Value::Bool(true),
                Value::Float(1.5),
                Value::empty_array(),
            ] {
                let mut h = TestHost::default();
                let v = func(&mut h, &[arg]).expect("ctype");
                got.push_str(if matches!(v, Value::Bool(true)) {
                    " T"
                } else {
                    " F"
                });
                got.push_str(&h.diags.len().to_string());
            }
            got.push('\n');
        }
        assert_eq!(got, want);
    }
}
