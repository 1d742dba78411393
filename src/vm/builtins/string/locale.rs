//! Locales: `setlocale` and `localeconv`, as PHP 8.2 behaves on Debian's glibc.
//!
//! rhvm never calls the C library's `setlocale` (the engine is locale-independent, as PHP
//! 8.2's string functions are); it keeps the per-request locale names that glibc would
//! report. Only the locales every Debian system has are available: `C`, `POSIX` (which
//! glibc reports as `C`) and `C.UTF-8` under any spelling of its codeset (`C.utf8`,
//! `C.UTF8`, ...). Any other name fails, as it does on a system without that locale
//! generated. Both available locales have the C locale's numeric and monetary conventions,
//! so `localeconv` always reports those.

use std::cell::RefCell;

use super::super::super::array::{ArrayKey, PhpArray};
use super::super::super::error::{ErrorLevel, PhpResult};
use super::super::super::host::Host;
use super::super::super::value::{PhpStr, Value};
use super::super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "setlocale",
        sig: "int $category, $locales, ...$rest",
        func: setlocale,
    },
    BuiltinDef {
        name: "localeconv",
        sig: "",
        func: localeconv,
    },
];

/// The constants of this family: glibc's category numbers.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("LC_CTYPE", ConstVal::Int(0)),
    ("LC_NUMERIC", ConstVal::Int(1)),
    ("LC_TIME", ConstVal::Int(2)),
    ("LC_COLLATE", ConstVal::Int(3)),
    ("LC_MONETARY", ConstVal::Int(4)),
    ("LC_MESSAGES", ConstVal::Int(5)),
    ("LC_ALL", ConstVal::Int(6)),
];

/// glibc's categories in the order of its composite names (`LC_ALL` is 6 and not a slot).
const CATEGORY_NAMES: [&str; 13] = [
    "LC_CTYPE",
    "LC_NUMERIC",
    "LC_TIME",
    "LC_COLLATE",
    "LC_MONETARY",
    "LC_MESSAGES",
    "LC_ALL",
    "LC_PAPER",
    "LC_NAME",
    "LC_ADDRESS",
    "LC_TELEPHONE",
    "LC_MEASUREMENT",
    "LC_IDENTIFICATION",
];
const LC_ALL: usize = 6;

thread_local! {
    /// The locale name of each category, `None` before the request's first use.
    static LOCALES: RefCell<Option<[PhpStr; 13]>> = const { RefCell::new(None) };
}

/// Forgets the request's locale changes.
pub fn reset_request_state() {
    LOCALES.with(|l| *l.borrow_mut() = None);
}

/// The name glibc reports for `name` if that locale is available here.
fn available(name: &[u8]) -> Option<PhpStr> {
    match name {
        b"C" | b"POSIX" => Some(PhpStr::from("C")),
        _ => {
            let codeset = name.strip_prefix(b"C.")?;
            // glibc's _nl_normalize_codeset: keep letters (lowered) and digits only.
            let normal: Vec<u8> = codeset
                .iter()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(u8::to_ascii_lowercase)
                .collect();
            (normal == b"utf8").then(|| PhpStr::from(name))
        }
    }
}

/// What `setlocale(category, "")` resolves to: the environment as glibc reads it.
fn from_environment(category: usize) -> Vec<u8> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    var("LC_ALL")
        .or_else(|| var(CATEGORY_NAMES[category]))
        .or_else(|| var("LANG"))
        .map(|v| v.into_encoded_bytes())
        .unwrap_or_else(|| b"C".to_vec())
}

/// The initial state: PHP 8 takes `LC_CTYPE` from the environment and leaves the others
/// at `C`.
fn initial() -> [PhpStr; 13] {
    let mut names: [PhpStr; 13] = std::array::from_fn(|_| PhpStr::from("C"));
    if let Some(ctype) = available(&from_environment(0)) {
        names[0] = ctype;
    }
    names
}

/// glibc's name for the current locale of `category`: a single name, or for `LC_ALL` with
/// mixed categories the `LC_CTYPE=...;LC_NUMERIC=...` composite.
fn query(names: &[PhpStr; 13], category: usize) -> PhpStr {
    if category != LC_ALL {
        return names[category].clone();
    }
    let slots = (0..13).filter(|&i| i != LC_ALL);
    if slots.clone().all(|i| names[i] == names[0]) {
        return names[0].clone();
    }
    let mut out = Vec::new();
    for i in slots {
        if !out.is_empty() {
            out.push(b';');
        }
        out.extend_from_slice(CATEGORY_NAMES[i].as_bytes());
        out.push(b'=');
        out.extend_from_slice(&names[i]);
    }
    PhpStr::from(out)
}

/// One attempt of `try_setlocale_str`: `None` when the locale is unavailable.
fn try_set(host: &mut dyn Host, category: usize, locale: &[u8]) -> PhpResult<Option<PhpStr>> {
    if locale != b"0" && locale.len() >= 255 {
        host.raise(
            ErrorLevel::Warning,
            "setlocale(): Specified locale name is too long",
        )?;
        return Ok(None);
    }
    Ok(LOCALES.with(|cell| {
        let mut cell = cell.borrow_mut();
        let names = cell.get_or_insert_with(initial);
        if locale == b"0" {
            return Some(query(names, category));
        }
        let targets: Vec<usize> = if category == LC_ALL {
            (0..13).filter(|&i| i != LC_ALL).collect()
        } else {
            vec![category]
        };
        // Resolve every category first: glibc changes nothing when one of them fails.
        let mut resolved = Vec::with_capacity(targets.len());
        for &i in &targets {
            let name = if locale.is_empty() {
                available(&from_environment(i))?
            } else {
                available(locale)?
            };
            resolved.push((i, name));
        }
        for (i, name) in resolved {
            names[i] = name;
        }
        Some(query(names, category))
    }))
}

fn setlocale(host: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let category = a.first().map_or(0, Value::to_int);
    // Unknown categories make glibc fail (EINVAL) without a diagnostic.
    let category = match usize::try_from(category) {
        Ok(c) if c < 13 => c,
        _ => usize::MAX,
    };
    for arg in &a[1..] {
        let candidates: Vec<Value> = match arg.deref_clone() {
            Value::Array(items) => items.values().cloned().collect(),
            other => vec![other],
        };
        for candidate in candidates {
            let locale = host.to_str(&candidate)?;
            if category == usize::MAX {
                continue;
            }
            if let Some(name) = try_set(host, category, &locale)? {
                return Ok(Value::Str(name));
            }
        }
    }
    Ok(Value::Bool(false))
}

fn localeconv(_h: &mut dyn Host, _a: &[Value]) -> PhpResult<Value> {
    // The C locale's `struct lconv`: CHAR_MAX (127) marks the unavailable numbers.
    let mut out = PhpArray::new();
    let mut put = |k: &str, v: Value| out.insert(ArrayKey::from_bytes(k.as_bytes()), v);
    put("decimal_point", Value::str("."));
    for k in [
        "thousands_sep",
        "int_curr_symbol",
        "currency_symbol",
        "mon_decimal_point",
        "mon_thousands_sep",
        "positive_sign",
        "negative_sign",
    ] {
        put(k, Value::str(""));
    }
    for k in [
        "int_frac_digits",
        "frac_digits",
        "p_cs_precedes",
        "p_sep_by_space",
        "n_cs_precedes",
        "n_sep_by_space",
        "p_sign_posn",
        "n_sign_posn",
    ] {
        put(k, Value::Int(127));
    }
    put("grouping", Value::empty_array());
    put("mon_grouping", Value::empty_array());
    Ok(Value::array(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn available_names_as_glibc_reports_them() {
        // Expectations from `php -n -r 'var_dump(setlocale(LC_ALL, $name));'` on Debian.
        let cases: &[(&[u8], Option<&str>)] = &[
            (b"C", Some("C")),
            (b"POSIX", Some("C")),
            (b"C.UTF-8", Some("C.UTF-8")),
            (b"C.utf8", Some("C.utf8")),
            (b"C.utf-8", Some("C.utf-8")),
            (b"C.UTF8", Some("C.UTF8")),
            (b"c", None),
            (b"de_DE", None),
            (b"en_US.UTF-8", None),
            (b"C.ISO-8859-1", None),
            (b"1", None),
        ];
        for (name, want) in cases {
            let got = available(name).map(|s| s.to_string_lossy());
            assert_eq!(got.as_deref(), *want, "{:?}", String::from_utf8_lossy(name));
        }
    }

    #[test]
    fn composite_name_lists_every_category() {
        let mut names: [PhpStr; 13] = std::array::from_fn(|_| PhpStr::from("C"));
        assert_eq!(query(&names, LC_ALL).as_bytes(), b"C");
        names[0] = PhpStr::from("C.UTF-8");
        assert_eq!(
            query(&names, LC_ALL).to_string_lossy(),
            "LC_CTYPE=C.UTF-8;LC_NUMERIC=C;LC_TIME=C;LC_COLLATE=C;LC_MONETARY=C;\
             LC_MESSAGES=C;LC_PAPER=C;LC_NAME=C;LC_ADDRESS=C;LC_TELEPHONE=C;\
             LC_MEASUREMENT=C;LC_IDENTIFICATION=C"
        );
    }
}
