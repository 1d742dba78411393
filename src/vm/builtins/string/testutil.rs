//! Test helpers shared by the string submodules: building argument values and rendering
//! results the way `cases/gen.php` renders PHP's, so generated cases compare as strings.

use super::super::super::array::{ArrayKey, PhpArray};
use super::super::super::error::Fault;
use super::super::super::host::TestHost;
use super::super::super::value::Value;
use super::super::BuiltinFn;

pub(super) fn s(x: &[u8]) -> Value {
    Value::str(x)
}
pub(super) fn i(x: i64) -> Value {
    Value::Int(x)
}
pub(super) fn f(x: f64) -> Value {
    Value::Float(x)
}
pub(super) fn b(x: bool) -> Value {
    Value::Bool(x)
}
pub(super) fn n() -> Value {
    Value::Null
}
pub(super) fn arr(items: Vec<(Value, Value)>) -> Value {
    let mut a = PhpArray::new();
    for (k, v) in items {
        let key = match k {
            Value::Int(i) => ArrayKey::Int(i),
            other => ArrayKey::from_bytes(&other.scalar_to_str()),
        };
        a.insert(key, v);
    }
    Value::array(a)
}

fn esc(bytes: &[u8]) -> String {
    let mut o = String::new();
    for &c in bytes {
        match c {
            b'"' | b'\\' => {
                o.push('\\');
                o.push(c as char);
            }
            0x20..=0x7e => o.push(c as char),
            _ => o.push_str(&format!("\\x{c:02x}")),
        }
    }
    o
}

/// Renders a value as `cases/gen.php`'s `show()` does.
pub(super) fn show(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("\"{}\"", esc(s)),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => {
            // As `var_export`: integral floats keep a `.0`.
            let mut r =
                String::from_utf8_lossy(&crate::vm::convert::float_to_repr(*x)).into_owned();
            if r.bytes().all(|c| c.is_ascii_digit() || c == b'-') {
                r.push_str(".0");
            }
            r
        }
        Value::Bool(b) => b.to_string(),
        Value::Null | Value::Undef => "null".into(),
        Value::Array(a) => {
            let items: Vec<String> = a
                .iter()
                .map(|(k, v)| match k {
                    ArrayKey::Int(i) => format!("{i}=>{}", show(v)),
                    ArrayKey::Str(s) => format!("\"{}\"=>{}", esc(&s), show(v)),
                })
                .collect();
            format!("[{}]", items.join(","))
        }
        Value::Ref(r) => show(&r.borrow()),
        Value::Object(_) => "object".into(),
    }
}

/// Calls `func` and renders the result, an error as `Class: message`, and diagnostics as
/// `|Warning: message`.
pub(super) fn run(func: BuiltinFn, args: &[Value]) -> String {
    let mut host = TestHost::default();
    let mut out = match func(&mut host, args) {
        Ok(v) => {
            let r = show(&v);
            if r.len() > 600 {
                format!("crc32:{:08x}:{}", crc32fast::hash(r.as_bytes()), r.len())
            } else {
                r
            }
        }
        Err(Fault::Error(e)) => {
            let (class, message) = (e.class, &e.message);
            format!("{class}: {message}")
        }
        Err(e) => format!("{e:?}"),
    };
    for (level, msg) in &host.diags {
        out.push_str(&format!("|{}: {msg}", level.label()));
    }
    out
}

/// Runs generated cases, reporting every mismatch at once.
pub(super) fn check(cases: Vec<(BuiltinFn, Vec<Value>, &str)>) {
    let mut failures = Vec::new();
    for (func, args, want) in &cases {
        let got = run(*func, args);
        if got != *want {
            failures.push(format!("args {args:?}\n   got: {got}\n  want: {want}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
