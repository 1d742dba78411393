//! A php.ini-syntax parser: the text of a `server.ini` in, `(key, value, line)` entries out.
//!
//! It reads what PHP's own ini scanner accepts for plain settings, which is all an HHVM
//! `server.ini` uses: `key = value` lines, `;` and `#` comments, `[section]` headers (ignored,
//! as HHVM ignores them), double-quoted values with `\"` and `\\` escapes, single-quoted
//! literal values, `${VAR}` environment references, and the boolean words PHP rewrites
//! (`on`/`true`/`yes` become `1`, `off`/`false`/`no`/`none` become the empty string). It does
//! not evaluate constant expressions such as `E_ALL & ~E_NOTICE`: those pass through as text
//! for the engine, which evaluates them where the setting is read. Pure: no I/O.

use std::fmt;

/// One `key = value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniEntry {
    /// The key, trimmed (`hhvm.server.port`, `date.timezone`, `hhvm.foo[bar]`).
    pub key: String,
    /// The value after unquoting, `${VAR}` expansion and boolean-word rewriting.
    pub value: String,
    /// 1-based line number, for messages that name the line.
    pub line: usize,
}

/// A line the parser could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniError {
    /// 1-based line number of the offending line.
    pub line: usize,
    /// What is wrong with it, lowercase, no trailing period.
    pub message: String,
}

impl fmt::Display for IniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for IniError {}

/// Parses the whole text; the first unreadable line is the error.
///
/// `env` resolves `${NAME}` references (the process environment in production, a map in
/// tests); an unset variable expands to the empty string, as in PHP.
///
/// # Errors
///
/// A line that is neither blank, a comment, a section header nor `key = value`, an
/// unterminated quote, or an empty key.
pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<IniEntry>, IniError> {
    let mut entries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let err = |message: &str| IniError {
            line,
            message: message.to_string(),
        };
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.starts_with('[') {
            if !trimmed.ends_with(']') {
                return Err(err("unterminated section header"));
            }
            continue;
        }
        let Some((key, rest)) = trimmed.split_once('=') else {
            return Err(err("expected `key = value`"));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(err("empty key"));
        }
        let value = parse_value(rest.trim(), env).map_err(|m| err(&m))?;
        entries.push(IniEntry {
            key: key.to_string(),
            value,
            line,
        });
    }
    Ok(entries)
}

/// Parses `-d key=value` as given on the command line: the same value syntax as a file.
///
/// # Errors
///
/// As [`parse`], with the line number 0.
pub fn parse_define(
    define: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<IniEntry, IniError> {
    let (key, value) = match define.split_once('=') {
        Some((k, v)) => (k.trim(), v.trim()),
        // php -d key means key=1.
        None => (define.trim(), "1"),
    };
    let err = |message: String| IniError { line: 0, message };
    if key.is_empty() {
        return Err(err("empty key".into()));
    }
    Ok(IniEntry {
        key: key.to_string(),
        value: parse_value(value, env).map_err(err)?,
        line: 0,
    })
}

/// A value: quoted pieces, unquoted text up to a `;` comment, and `${VAR}` references,
/// concatenated as PHP does (`"a" b` is `ab`).
fn parse_value(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut any_quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                any_quoted = true;
                loop {
                    match chars.next() {
                        None => return Err("unterminated double-quoted value".into()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$')) => out.push(e),
                            Some(other) => {
                                out.push('\\');
                                out.push(other);
                            }
                            None => return Err("unterminated double-quoted value".into()),
                        },
                        Some('$') if chars.peek() == Some(&'{') => {
                            out.push_str(&expand_var(&mut chars, env)?);
                        }
                        Some(other) => out.push(other),
                    }
                }
            }
            '\'' => {
                any_quoted = true;
                loop {
                    match chars.next() {
                        None => return Err("unterminated single-quoted value".into()),
                        Some('\'') => break,
                        Some(other) => out.push(other),
                    }
                }
            }
            ';' => break,
            '$' if chars.peek() == Some(&'{') => out.push_str(&expand_var(&mut chars, env)?),
            other => out.push(other),
        }
    }
    let value = if any_quoted {
        out
    } else {
        out.trim_end().to_string()
    };
    if !any_quoted {
        match value.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" => return Ok("1".into()),
            "off" | "false" | "no" | "none" => return Ok(String::new()),
            _ => {}
        }
    }
    Ok(value)
}

/// Reads `{NAME}` after a `$` and returns the variable's value.
fn expand_var(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    chars.next(); // the `{`
    let mut name = String::new();
    loop {
        match chars.next() {
            None => return Err("unterminated ${...} reference".into()),
            Some('}') => break,
            Some(c) => name.push(c),
        }
    }
    Ok(env(&name).unwrap_or_default())
}

/// Parses an ini boolean as PHP's `ini_get`-style flags read it: `1`/`on`/`true`/`yes`
/// are true, the empty string, `0` and the false words are false; anything else is
/// `None` so the caller can name the key in a warning.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "on" | "true" | "yes" => Some(true),
        "" | "0" | "off" | "false" | "no" | "none" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn kv(text: &str) -> Vec<(String, String)> {
        parse(text, &no_env)
            .expect("valid ini")
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    }

    fn one(value_text: &str) -> String {
        let entries = kv(&format!("k = {value_text}"));
        entries[0].1.clone()
    }

    #[test]
    fn plain_lines_comments_and_sections() {
        let text = "; comment\n# also\n[hhvm]\nhhvm.server.port = 9000\n\n  date.timezone=UTC ; trailing\n";
        assert_eq!(
            kv(text),
            vec![
                ("hhvm.server.port".into(), "9000".into()),
                ("date.timezone".into(), "UTC".into())
            ]
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(one("\"a ; b\""), "a ; b");
        assert_eq!(one("'it\\s'"), "it\\s");
        assert_eq!(one("\"q\\\"x\""), "q\"x");
        assert_eq!(one("\"on\""), "on");
        assert_eq!(one("\"\""), "");
        assert_eq!(one("\"a\" b"), "a b");
    }

    #[test]
    fn boolean_words() {
        for word in ["on", "On", "TRUE", "yes"] {
            assert_eq!(one(word), "1", "{word}");
        }
        for word in ["off", "False", "no", "none"] {
            assert_eq!(one(word), "", "{word}");
        }
        assert_eq!(parse_bool("On"), Some(true));
        assert_eq!(parse_bool(""), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn expressions_pass_through() {
        assert_eq!(one("E_ALL & ~E_NOTICE"), "E_ALL & ~E_NOTICE");
        assert_eq!(one("128M"), "128M");
    }

    #[test]
    fn environment_references() {
        let env = |name: &str| (name == "HOME").then(|| "/home/x".to_string());
        let entries = parse("a = ${HOME}/www\nb = \"${HOME}\"\nc = ${NOPE}", &env).expect("ok");
        let values: Vec<&str> = entries.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(values, vec!["/home/x/www", "/home/x", ""]);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("a = 1\nthis is not a setting\n", &no_env).expect_err("bad line");
        assert_eq!(e.line, 2);
        assert_eq!(e.to_string(), "line 2: expected `key = value`");
        assert_eq!(parse("a = \"open", &no_env).expect_err("quote").line, 1);
        assert_eq!(parse("\n\n = 3", &no_env).expect_err("key").line, 3);
        assert_eq!(parse("[sec", &no_env).expect_err("section").line, 1);
    }

    #[test]
    fn defines() {
        let e = parse_define("hhvm.server.port=0", &no_env).expect("ok");
        assert_eq!(
            (e.key.as_str(), e.value.as_str()),
            ("hhvm.server.port", "0")
        );
        let e = parse_define("display_errors", &no_env).expect("ok");
        assert_eq!(e.value, "1");
    }
}
