//! `serialize` and `unserialize` in PHP's native format (`ext/standard/var.c` and
//! `var_unserializer.re`): `i:5;`, `d:0.1;`, `s:3:"abc";`, `a:1:{...}`, `O:3:"Foo":1:{...}`,
//! `E:11:"Suit:Hearts";`, back-references `r:N;` (same object) and `R:N;` (PHP reference).
//!
//! Back-reference numbers count every value written, in order, starting at 1 (array keys do
//! not count; a repeated reference does not count again), exactly as php-src numbers them,
//! so strings produced here unserialize in PHP and vice versa.

use std::collections::HashMap;
use std::rc::Rc;

use super::super::super::array::{ArrayKey, PhpArray};
use super::super::super::convert::float_to_serial;
use super::super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::super::host::Host;
use super::super::super::object::Obj;
use super::super::super::value::{PhpRef, PhpStr, Value};
use super::super::args;
use super::{mangled_name, object_props};

// ---------------------------------------------------------------------------------------
// serialize

/// State of one `serialize` call: back-reference numbers by identity.
struct Serializer {
    buf: Vec<u8>,
    /// PHP's `data->n`: the number of the value written last.
    n: i64,
    /// Objects and reference cells seen so far, by address, with their numbers.
    seen: HashMap<usize, i64>,
}

pub(super) fn serialize(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let mut s = Serializer {
        buf: Vec::new(),
        n: 0,
        seen: HashMap::new(),
    };
    s.value(host, &args[0])?;
    Ok(Value::str(s.buf))
}

fn push_len_str(buf: &mut Vec<u8>, tag: &[u8], s: &[u8]) {
    buf.extend_from_slice(tag);
    buf.extend_from_slice(s.len().to_string().as_bytes());
    buf.extend_from_slice(b":\"");
    buf.extend_from_slice(s);
    buf.push(b'"');
}

impl Serializer {
    /// Numbers `v` as PHP's `php_add_var_hash` does; returns the earlier number when the
    /// object or reference was already written.
    fn add_var_hash(&mut self, v: &Value) -> Option<i64> {
        self.n += 1;
        let key = match v {
            Value::Ref(r) => match &*r.borrow() {
                // References to objects are treated as if the reference did not exist.
                Value::Object(o) => Rc::as_ptr(&o.0) as usize,
                _ => Rc::as_ptr(r) as usize,
            },
            Value::Object(o) => Rc::as_ptr(&o.0) as usize,
            _ => return None,
        };
        match self.seen.get(&key) {
            Some(&n) => {
                if matches!(v, Value::Ref(_)) {
                    // References are only counted once.
                    self.n -= 1;
                }
                Some(n)
            }
            None => {
                self.seen.insert(key, self.n);
                None
            }
        }
    }

    fn value(&mut self, host: &mut dyn Host, v: &Value) -> PhpResult<()> {
        if let Some(n) = self.add_var_hash(v) {
            let tag: &[u8] = if matches!(v, Value::Ref(_)) {
                b"R:"
            } else {
                b"r:"
            };
            self.buf.extend_from_slice(tag);
            self.buf.extend_from_slice(n.to_string().as_bytes());
            self.buf.push(b';');
            return Ok(());
        }
        let v = v.deref_clone();
        match &v {
            Value::Undef | Value::Null => self.buf.extend_from_slice(b"N;"),
            Value::Bool(b) => self
                .buf
                .extend_from_slice(if *b { b"b:1;" } else { b"b:0;" }),
            Value::Int(i) => {
                self.buf.extend_from_slice(b"i:");
                self.buf.extend_from_slice(i.to_string().as_bytes());
                self.buf.push(b';');
            }
            Value::Float(f) => {
                self.buf.extend_from_slice(b"d:");
                self.buf.extend_from_slice(&float_to_serial(*f, b'E'));
                self.buf.push(b';');
            }
            Value::Str(s) => {
                push_len_str(&mut self.buf, b"s:", s);
                self.buf.push(b';');
            }
            Value::Array(a) => self.array(host, a)?,
            Value::Object(o) => self.object(host, o)?,
            Value::Ref(_) => unreachable!("deref_clone removes references"),
        }
        Ok(())
    }

    fn key(&mut self, k: &ArrayKey) {
        match k {
            ArrayKey::Int(i) => {
                self.buf.extend_from_slice(b"i:");
                self.buf.extend_from_slice(i.to_string().as_bytes());
                self.buf.push(b';');
            }
            ArrayKey::Str(s) => {
                push_len_str(&mut self.buf, b"s:", s);
                self.buf.push(b';');
            }
        }
    }

    fn array(&mut self, host: &mut dyn Host, a: &PhpArray) -> PhpResult<()> {
        self.buf.extend_from_slice(b"a:");
        self.buf.extend_from_slice(a.len().to_string().as_bytes());
        self.buf.extend_from_slice(b":{");
        for (k, v) in a.iter() {
            self.key(&k);
            self.value(host, v)?;
        }
        self.buf.push(b'}');
        Ok(())
    }

    fn object(&mut self, host: &mut dyn Host, o: &Obj) -> PhpResult<()> {
        let class = o.class();
        let class_name = class.name.clone();
        // Objects with engine state that cannot be written out (PHP marks their classes
        // ZEND_ACC_NOT_SERIALIZABLE), and anonymous classes.
        let shown: &[u8] = match class_name.as_bytes() {
            n if n.contains(&0) => &n[..n.iter().position(|&c| c == 0).unwrap_or(n.len())],
            n => n,
        };
        if matches!(
            class.lc_name.as_bytes(),
            b"closure" | b"generator" | b"weakreference" | b"weakmap" | b"fiber"
        ) || shown.ends_with(b"@anonymous")
        {
            return Err(Fault::error(
                "Exception",
                format!(
                    "Serialization of '{}' is not allowed",
                    String::from_utf8_lossy(shown)
                ),
            ));
        }
        if class.is_enum {
            let case = match o.borrow().props.get_str(b"name").map(Value::deref_clone) {
                Some(Value::Str(s)) => s,
                _ => PhpStr::new(),
            };
            let text = [class_name.as_bytes(), b":", &case].concat();
            push_len_str(&mut self.buf, b"E:", &text);
            self.buf.push(b';');
            return Ok(());
        }
        if let Some(data) = host.call_method(o, b"__serialize", &[])? {
            let Value::Array(a) = data.deref_clone() else {
                return Err(Fault::type_error(format!(
                    "{}::__serialize() must return an array",
                    class_name.to_string_lossy()
                )));
            };
            push_len_str(&mut self.buf, b"O:", &class_name);
            self.buf.push(b':');
            self.buf.extend_from_slice(a.len().to_string().as_bytes());
            self.buf.extend_from_slice(b":{");
            for (k, v) in a.iter() {
                self.key(&k);
                self.value(host, v)?;
            }
            self.buf.push(b'}');
            return Ok(());
        }
        if o.instance_of(b"serializable") {
            return match host.call_method(o, b"serialize", &[])? {
                Some(Value::Str(data)) => {
                    push_len_str(&mut self.buf, b"C:", &class_name);
                    self.buf.push(b':');
                    self.buf
                        .extend_from_slice(data.len().to_string().as_bytes());
                    self.buf.extend_from_slice(b":{");
                    self.buf.extend_from_slice(&data);
                    self.buf.push(b'}');
                    Ok(())
                }
                Some(Value::Null) | None => {
                    self.buf.extend_from_slice(b"N;");
                    Ok(())
                }
                Some(_) => Err(Fault::error(
                    "Exception",
                    format!(
                        "{}::serialize() must return a string or NULL",
                        class_name.to_string_lossy()
                    ),
                )),
            };
        }
        let props = object_props(o);
        let selected: Vec<(Vec<u8>, Value)> = match host.call_method(o, b"__sleep", &[])? {
            None => props
                .iter()
                .filter(|p| !matches!(p.value, Value::Undef))
                .map(|p| (mangled_name(p), p.value.clone()))
                .collect(),
            Some(Value::Array(names)) => {
                let mut out = Vec::new();
                for name in names.values() {
                    let name = host.to_str(&name.deref_clone())?;
                    match props.iter().find(|p| p.name.as_bytes() == name.as_bytes()) {
                        Some(p) if matches!(p.value, Value::Undef) => {
                            return Err(Fault::error(
                                "Error",
                                format!(
                                    "Typed property {}::${} must not be accessed before initialization (in __sleep)",
                                    class_name.to_string_lossy(),
                                    name.to_string_lossy()
                                ),
                            ))
                        }
                        Some(p) => out.push((mangled_name(p), p.value.clone())),
                        None => host.raise(
                            ErrorLevel::Warning,
                            &format!(
                                "serialize(): \"{}\" returned as member variable from __sleep() but does not exist",
                                name.to_string_lossy()
                            ),
                        )?,
                    }
                }
                out
            }
            Some(_) => {
                host.raise(
                    ErrorLevel::Warning,
                    "serialize(): __sleep should return an array only containing the names of instance-variables to serialize",
                )?;
                self.buf.extend_from_slice(b"N;");
                return Ok(());
            }
        };
        // An incomplete object is written back under the class name it was read with.
        let (class_name, selected) = if class.lc_name.as_bytes() == b"__php_incomplete_class" {
            let mut original = None;
            let rest = selected
                .into_iter()
                .filter(|(name, v)| {
                    if name.as_slice() == b"__PHP_Incomplete_Class_Name" {
                        if let Value::Str(s) = v.deref_clone() {
                            original = Some(s);
                        }
                        false
                    } else {
                        true
                    }
                })
                .collect();
            (original.unwrap_or(class_name), rest)
        } else {
            (class_name, selected)
        };
        push_len_str(&mut self.buf, b"O:", &class_name);
        self.buf.push(b':');
        self.buf
            .extend_from_slice(selected.len().to_string().as_bytes());
        self.buf.extend_from_slice(b":{");
        for (name, v) in selected {
            push_len_str(&mut self.buf, b"s:", &name);
            self.buf.push(b';');
            self.value(host, &v)?;
        }
        self.buf.push(b'}');
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// unserialize

/// Which classes `unserialize` may instantiate (`allowed_classes`).
enum Allowed {
    All,
    None,
    /// Lower-cased class names.
    Only(Vec<Vec<u8>>),
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    /// Every value parsed so far (except `R:` entries), numbered from 1: the targets of
    /// back-references.
    vars: Vec<PhpRef>,
    allowed: Allowed,
    max_depth: i64,
    depth: i64,
    /// Objects whose `__wakeup`/`__unserialize` must run once parsing succeeded.
    pending: Vec<(Obj, Option<Value>)>,
}

/// A parse failure: the offset PHP reports.
struct ParseFail(usize);

pub(super) fn unserialize(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let data = args::str_at(args, 0);
    let options = args::array_at(args, 1);
    let allowed = match options.get_str(b"allowed_classes").map(Value::deref_clone) {
        None | Some(Value::Bool(true)) => Allowed::All,
        Some(Value::Bool(false)) => Allowed::None,
        Some(Value::Array(list)) => {
            let mut names = Vec::new();
            for v in list.values() {
                match v.deref_clone() {
                    Value::Str(s) => names.push(s.to_ascii_lowercase()),
                    _ => {
                        return Err(Fault::type_error(
                            "unserialize(): Option \"allowed_classes\" must be an array of class names, bool given"
                                .replace("bool given", &format!("{} given", v.type_name())),
                        ))
                    }
                }
            }
            Allowed::Only(names)
        }
        Some(other) => {
            return Err(Fault::type_error(format!(
            "unserialize(): Option \"allowed_classes\" must be an array or of type bool, {} given",
            other.type_name()
        )))
        }
    };
    let max_depth = match options.get_str(b"max_depth").map(Value::deref_clone) {
        None => 4096,
        Some(Value::Int(d)) if d >= 0 => d,
        Some(Value::Int(_)) => {
            return Err(Fault::value_error(
                "unserialize(): Option \"max_depth\" must be greater than or equal to 0",
            ))
        }
        Some(other) => {
            return Err(Fault::type_error(format!(
                "unserialize(): Option \"max_depth\" must be of type int, {} given",
                other.type_name()
            )))
        }
    };
    if data.is_empty() {
        return Ok(Value::Bool(false));
    }
    let mut p = Parser {
        s: &data,
        pos: 0,
        vars: Vec::new(),
        allowed,
        max_depth,
        depth: 0,
        pending: Vec::new(),
    };
    match p.value(host) {
        Ok(Ok(cell)) => {
            let pending = std::mem::take(&mut p.pending);
            drop(p);
            let v = finalize(cell);
            for (obj, data) in &pending {
                if data.is_none() {
                    let props = obj.borrow_mut().props.take_array();
                    obj.borrow_mut().props.set_array(finalize_array(props));
                }
            }
            for (obj, data) in pending {
                match data {
                    Some(arr) => {
                        host.call_method(&obj, b"__unserialize", &[finalize_value(arr)])?;
                    }
                    None => {
                        host.call_method(&obj, b"__wakeup", &[])?;
                    }
                }
            }
            Ok(v)
        }
        Ok(Err(ParseFail(offset))) => {
            host.raise(
                ErrorLevel::Notice,
                &format!(
                    "unserialize(): Error at offset {} of {} bytes",
                    offset,
                    data.len()
                ),
            )?;
            Ok(Value::Bool(false))
        }
        Err(fault) => Err(fault),
    }
}

/// Unwraps the temporary reference cells the parser wraps every value in: cells nobody
/// else shares become plain values again, shared ones stay PHP references.
fn finalize(cell: PhpRef) -> Value {
    let v = match Rc::try_unwrap(cell) {
        Ok(c) => c.into_inner(),
        Err(shared) => {
            let v = std::mem::take(&mut *shared.borrow_mut());
            *shared.borrow_mut() = finalize_value(v);
            return shared.borrow().clone();
        }
    };
    finalize_value(v)
}

fn finalize_value(v: Value) -> Value {
    match v {
        Value::Array(a) => {
            let a = Rc::try_unwrap(a).unwrap_or_else(|shared| (*shared).clone());
            Value::array(finalize_array(a))
        }
        other => other,
    }
}

fn finalize_array(a: PhpArray) -> PhpArray {
    PhpArray::from_entries(
        a.into_entries()
            .into_iter()
            .map(|(k, v)| (k, finalize_elem(v))),
    )
}

/// An element: a `Ref` with a single owner is unwrapped; a shared one stays a reference
/// (its contents are finalized once, by whoever sees it first with content still raw).
fn finalize_elem(v: Value) -> Value {
    match v {
        Value::Ref(cell) => {
            if Rc::strong_count(&cell) == 1 {
                finalize(cell)
            } else {
                let inner = std::mem::take(&mut *cell.borrow_mut());
                *cell.borrow_mut() = finalize_value(inner);
                Value::Ref(cell)
            }
        }
        other => other,
    }
}

type Parsed<T> = PhpResult<Result<T, ParseFail>>;

macro_rules! tri {
    ($e:expr) => {
        match $e? {
            Ok(v) => v,
            Err(f) => return Ok(Err(f)),
        }
    };
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn expect(&mut self, c: u8) -> Result<(), ParseFail> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(ParseFail(self.pos))
        }
    }

    /// An integer as the re2c scanner accepts it: optional sign, digits.
    fn int(&mut self, start: usize) -> Result<i64, ParseFail> {
        let begin = self.pos;
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.pos += 1;
        }
        let digits = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == digits {
            return Err(ParseFail(start));
        }
        let text = &self.s[begin..self.pos];
        Ok(super::strtol(text, 10))
    }

    /// A length: unsigned digits.
    fn len(&mut self, start: usize) -> Result<usize, ParseFail> {
        let digits = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == digits {
            return Err(ParseFail(start));
        }
        std::str::from_utf8(&self.s[digits..self.pos])
            .ok()
            .and_then(|t| t.parse().ok())
            .ok_or(ParseFail(start))
    }

    /// An element count (`a:N:`, `O:...:N:`): digits, where a number past `PHP_INT_MAX`
    /// warns as PHP's `parse_iv` does and counts as `PHP_INT_MAX` (which no input can hold).
    fn count(&mut self, host: &mut dyn Host, start: usize) -> PhpResult<Result<usize, ParseFail>> {
        let digits = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == digits {
            return Ok(Err(ParseFail(start)));
        }
        let text = std::str::from_utf8(&self.s[digits..self.pos]).unwrap_or("");
        match text.parse::<i64>() {
            Ok(n) => Ok(Ok(n as usize)),
            Err(_) => {
                host.raise(
                    ErrorLevel::Warning,
                    "unserialize(): Numerical result out of range",
                )?;
                Ok(Ok(i64::MAX as usize))
            }
        }
    }

    /// Whether `n` elements cannot fit in the rest of the input (PHP's
    /// `IS_FAKE_ELEM_COUNT`: each needs at least one byte).
    fn fake_count(&self, n: usize) -> bool {
        n > self.s.len().saturating_sub(self.pos)
    }

    /// `"bytes"` of exactly `n` bytes.
    fn quoted(&mut self, n: usize, start: usize) -> Result<&'a [u8], ParseFail> {
        self.expect(b'"').map_err(|_| ParseFail(start))?;
        if self.s.len() - self.pos < n {
            return Err(ParseFail(start + 2));
        }
        let bytes = &self.s[self.pos..self.pos + n];
        self.pos += n;
        self.expect(b'"')?;
        Ok(bytes)
    }

    fn new_var(&mut self, v: Value) -> PhpRef {
        let cell = Value::new_ref(v);
        self.vars.push(cell.clone());
        cell
    }

    /// An array key: `i:N;` or `s:N:"...";`.
    fn key(&mut self) -> Result<ArrayKey, ParseFail> {
        let start = self.pos;
        match self.peek() {
            Some(b'i') => {
                self.pos += 1;
                self.expect(b':').map_err(|_| ParseFail(start))?;
                let i = self.int(start)?;
                self.expect(b';')?;
                Ok(ArrayKey::Int(i))
            }
            Some(b's') => {
                self.pos += 1;
                self.expect(b':').map_err(|_| ParseFail(start))?;
                let n = self.len(start)?;
                self.expect(b':').map_err(|_| ParseFail(start))?;
                let bytes = self.quoted(n, start)?;
                self.expect(b';')?;
                Ok(ArrayKey::from_bytes(bytes))
            }
            _ => Err(ParseFail(start)),
        }
    }

    /// One value; returns its cell (see `finalize`).
    fn value(&mut self, host: &mut dyn Host) -> Parsed<PhpRef> {
        let start = self.pos;
        let Some(tag) = self.peek() else {
            return Ok(Err(ParseFail(start)));
        };
        if self.s.get(start + 1) != Some(&b':') && tag != b'N' {
            return Ok(Err(ParseFail(start)));
        }
        match tag {
            b'N' => {
                self.pos += 1;
                if self.expect(b';').is_err() {
                    return Ok(Err(ParseFail(start)));
                }
                Ok(Ok(self.new_var(Value::Null)))
            }
            b'b' => {
                self.pos += 2;
                let v = match self.peek() {
                    Some(b'0') => false,
                    Some(b'1') => true,
                    _ => return Ok(Err(ParseFail(start))),
                };
                self.pos += 1;
                if self.expect(b';').is_err() {
                    return Ok(Err(ParseFail(start)));
                }
                Ok(Ok(self.new_var(Value::Bool(v))))
            }
            b'i' => {
                self.pos += 2;
                let i = match self.int(start) {
                    Ok(i) => i,
                    Err(f) => return Ok(Err(f)),
                };
                if self.expect(b';').is_err() {
                    return Ok(Err(ParseFail(start)));
                }
                Ok(Ok(self.new_var(Value::Int(i))))
            }
            b'd' => {
                self.pos += 2;
                let begin = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-'))
                {
                    self.pos += 1;
                }
                let text = &self.s[begin..self.pos];
                let f = match text {
                    b"INF" => f64::INFINITY,
                    b"-INF" => f64::NEG_INFINITY,
                    b"NAN" => f64::NAN,
                    _ => match std::str::from_utf8(text).ok().and_then(parse_float) {
                        Some(f) => f,
                        None => return Ok(Err(ParseFail(start))),
                    },
                };
                if self.expect(b';').is_err() {
                    return Ok(Err(ParseFail(start)));
                }
                Ok(Ok(self.new_var(Value::Float(f))))
            }
            b's' => {
                self.pos += 2;
                let r = (|| {
                    let n = self.len(start)?;
                    self.expect(b':').map_err(|_| ParseFail(start))?;
                    let bytes = self.quoted(n, start)?;
                    self.expect(b';')?;
                    Ok(bytes)
                })();
                match r {
                    Ok(bytes) => Ok(Ok(self.new_var(Value::str(bytes)))),
                    Err(f) => Ok(Err(f)),
                }
            }
            b'r' | b'R' => {
                self.pos += 2;
                let n = match self.int(start) {
                    Ok(n) => n,
                    Err(f) => return Ok(Err(f)),
                };
                if self.expect(b';').is_err() {
                    return Ok(Err(ParseFail(start)));
                }
                let Some(target) = usize::try_from(n)
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| self.vars.get(i))
                    .cloned()
                else {
                    return Ok(Err(ParseFail(start)));
                };
                if tag == b'R' {
                    // The same cell: both places become one PHP reference.
                    Ok(Ok(target))
                } else {
                    let v = target.borrow().clone();
                    Ok(Ok(self.new_var(v)))
                }
            }
            b'a' => {
                self.pos += 2;
                let n = match self.count(host, start)? {
                    Ok(n) => n,
                    Err(f) => return Ok(Err(f)),
                };
                if self.expect(b':').is_err() || self.expect(b'{').is_err() {
                    return Ok(Err(ParseFail(start)));
                }
                if self.fake_count(n) {
                    return Ok(Err(ParseFail(self.pos)));
                }
                let cell = self.new_var(Value::Null);
                let arr = tri!(self.entries(host, n, start));
                *cell.borrow_mut() = Value::array(arr);
                Ok(Ok(cell))
            }
            b'O' | b'C' => self.object(host, tag, start),
            b'E' => {
                self.pos += 2;
                let r = (|| {
                    let n = self.len(start)?;
                    self.expect(b':').map_err(|_| ParseFail(start))?;
                    let bytes = self.quoted(n, start)?;
                    self.expect(b';')?;
                    Ok(bytes)
                })();
                let text = match r {
                    Ok(t) => t,
                    Err(f) => return Ok(Err(f)),
                };
                let Some(colon) = text.iter().position(|&c| c == b':') else {
                    host.raise(
                        ErrorLevel::Warning,
                        "unserialize(): Invalid enum name '' (missing colon)",
                    )?;
                    return Ok(Err(ParseFail(start)));
                };
                let (class, case) = (&text[..colon], &text[colon + 1..]);
                // Enum cases are singletons owned by the interpreter.
                let Some(vm) = host.engine() else {
                    return Ok(Err(ParseFail(start)));
                };
                let cls = vm.lookup_class(class)?;
                if !cls.is_enum {
                    host.raise(
                        ErrorLevel::Warning,
                        &format!(
                            "unserialize(): Class '{}' is not an enum",
                            String::from_utf8_lossy(class)
                        ),
                    )?;
                    return Ok(Err(ParseFail(start)));
                }
                match vm.enum_case(&cls, &PhpStr::from(case))? {
                    Some(obj) => Ok(Ok(self.new_var(Value::Object(obj)))),
                    None => {
                        host.raise(
                            ErrorLevel::Warning,
                            &format!(
                                "unserialize(): Undefined constant {}::{}",
                                String::from_utf8_lossy(class),
                                String::from_utf8_lossy(case)
                            ),
                        )?;
                        Ok(Err(ParseFail(self.pos)))
                    }
                }
            }
            _ => Ok(Err(ParseFail(start))),
        }
    }

    /// `n` key/value pairs and the closing `}`; elements stay wrapped in their cells.
    fn entries(&mut self, host: &mut dyn Host, n: usize, start: usize) -> Parsed<PhpArray> {
        self.depth += 1;
        if self.max_depth > 0 && self.depth > self.max_depth {
            host.raise(
                ErrorLevel::Warning,
                &format!(
                    "unserialize(): Maximum depth of {} exceeded. The depth limit can be changed using the max_depth unserialize() option or the unserialize_max_depth ini setting",
                    self.max_depth
                ),
            )?;
            return Ok(Err(ParseFail(start)));
        }
        // The count is the input's word: every element takes at least four bytes ("i:0;"
        // plus a value), so more room than that is never needed (and a huge count must not
        // reserve memory before the input proves it).
        let mut arr = PhpArray::with_capacity(n.min(self.s.len().saturating_sub(self.pos) / 4));
        for _ in 0..n {
            let key = match self.key() {
                Ok(k) => k,
                Err(f) => return Ok(Err(f)),
            };
            let cell = tri!(self.value(host));
            arr.insert(key, Value::Ref(cell));
        }
        if self.expect(b'}').is_err() {
            return Ok(Err(ParseFail(self.pos)));
        }
        self.depth -= 1;
        Ok(Ok(arr))
    }

    fn class_allowed(&self, name: &[u8]) -> bool {
        match &self.allowed {
            Allowed::All => true,
            Allowed::None => false,
            Allowed::Only(list) => list
                .iter()
                .any(|n| n.as_slice() == name.to_ascii_lowercase()),
        }
    }

    fn object(&mut self, host: &mut dyn Host, tag: u8, start: usize) -> Parsed<PhpRef> {
        self.pos += 2;
        let r = (|| {
            let n = self.len(start)?;
            self.expect(b':').map_err(|_| ParseFail(start))?;
            let name = self.quoted(n, start)?;
            self.expect(b':')?;
            Ok(name)
        })();
        let name = match r {
            Ok(x) => x,
            Err(f) => return Ok(Err(f)),
        };
        let count = match self.count(host, start)? {
            Ok(n) => n,
            Err(f) => return Ok(Err(f)),
        };
        if tag == b'O' && self.fake_count(count) {
            return Ok(Err(ParseFail(self.pos)));
        }
        if self.expect(b':').is_err() || self.expect(b'{').is_err() {
            return Ok(Err(ParseFail(self.pos)));
        }
        let valid_name = !name.is_empty()
            && name
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'\\' || c >= 0x80);
        if !valid_name {
            return Ok(Err(ParseFail(start)));
        }
        let cell = self.new_var(Value::Null);
        if tag == b'C' {
            // Serializable::unserialize gets the raw payload.
            if self.s.len() - self.pos < count {
                return Ok(Err(ParseFail(start)));
            }
            let payload = &self.s[self.pos..self.pos + count];
            self.pos += count;
            if self.expect(b'}').is_err() {
                return Ok(Err(ParseFail(self.pos)));
            }
            let obj = self.instantiate(host, name, PhpArray::new())?;
            host.call_method(&obj, b"unserialize", &[Value::str(payload)])?;
            *cell.borrow_mut() = Value::Object(obj);
            return Ok(Ok(cell));
        }
        let entries = tri!(self.entries(host, count, start));
        let obj = self.instantiate(host, name, PhpArray::new())?;
        *cell.borrow_mut() = Value::Object(obj.clone());
        // Classes with __unserialize get the data array; others get it as properties, with
        // mangled names (`\0*\0prot`, `\0Foo\0priv`) turned back into plain names.
        let has_unserialize = obj.class().lc_name.as_bytes() != b"__php_incomplete_class"
            && host.is_callable(&Value::array(PhpArray::from_values(vec![
                Value::Object(obj.clone()),
                Value::str("__unserialize"),
            ])));
        if has_unserialize {
            self.pending.push((obj, Some(Value::array(entries))));
        } else {
            let class = obj.class();
            let dynamic_ok = super::super::super::interp::allows_dynamic_props(&class);
            let mut dynamic = Vec::new();
            let mut data = obj.borrow_mut();
            for (k, v) in entries.into_entries() {
                let key = match k {
                    ArrayKey::Str(s) if s.first() == Some(&0) => {
                        let plain = s[1..]
                            .iter()
                            .position(|&c| c == 0)
                            .map(|p| s[p + 2..].to_vec())
                            .unwrap_or_else(|| s.to_vec());
                        ArrayKey::Str(PhpStr::from(plain))
                    }
                    ArrayKey::Int(i) => ArrayKey::Str(PhpStr::from(i.to_string())),
                    k => k,
                };
                if !dynamic_ok {
                    if let ArrayKey::Str(name) = &key {
                        if class.prop_decl(name).is_none() {
                            dynamic.push(name.clone());
                        }
                    }
                }
                // Unwrapped after parsing, when back-references can no longer appear.
                data.props.insert(key, v);
            }
            drop(data);
            // PHP 8.2 deprecates undeclared properties here as on assignment (raised once
            // the object is filled, so an error handler cannot meet it half-borrowed).
            for name in dynamic {
                host.raise(
                    ErrorLevel::Deprecated,
                    &format!(
                        "Creation of dynamic property {}::${} is deprecated",
                        class.name.to_string_lossy(),
                        name.to_string_lossy()
                    ),
                )?;
            }
            self.pending.push((obj, None));
        }
        Ok(Ok(cell))
    }

    /// Creates the object, or a `__PHP_Incomplete_Class` when the class is not allowed or
    /// does not exist (after autoloading).
    fn instantiate(&mut self, host: &mut dyn Host, name: &[u8], props: PhpArray) -> PhpResult<Obj> {
        let exists = match host.engine() {
            Some(vm) => vm.find_class_autoload(name)?.is_some(),
            None => true,
        };
        if exists && self.class_allowed(name) {
            host.new_object(name, props)
        } else {
            let mut p = PhpArray::new();
            p.insert(
                ArrayKey::Str(PhpStr::from("__PHP_Incomplete_Class_Name")),
                Value::str(name),
            );
            host.new_object(b"__PHP_Incomplete_Class", p)
        }
    }
}

/// A float literal as the unserializer's scanner accepts it (`1`, `-1.5`, `1.0E+25`, `.5`).
fn parse_float(t: &str) -> Option<f64> {
    let ok = !t.is_empty()
        && t.bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    if ok {
        t.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arr, list, s};
    use super::*;
    use crate::vm::host::TestHost;

    fn ser(v: Value) -> String {
        let mut h = TestHost::default();
        match serialize(&mut h, &[v]).expect("serialize") {
            Value::Str(s) => s.to_string_lossy(),
            other => panic!("{other:?}"),
        }
    }

    fn unser(data: &str) -> (Value, Vec<String>) {
        let mut h = TestHost::default();
        let v = unserialize(&mut h, &[s(data)]).expect("unserialize");
        (v, h.diags.into_iter().map(|(_, m)| m).collect())
    }

    #[test]
    fn serialize_scalars_and_arrays() {
        // php -n -r 'echo serialize([1.0, 0.1, -0.0, INF, -INF, NAN, 1e100, true, null, "é", "k"=>[]]);'
        let v = arr(vec![
            ("0", Value::Float(1.0)),
            ("1", Value::Float(0.1)),
            ("2", Value::Float(-0.0)),
            ("3", Value::Float(f64::INFINITY)),
            ("4", Value::Float(f64::NEG_INFINITY)),
            ("5", Value::Float(f64::NAN)),
            ("6", Value::Float(1e100)),
            ("7", Value::Bool(true)),
            ("8", Value::Null),
            ("9", s("é")),
            ("k", list(vec![])),
        ]);
        assert_eq!(
            ser(v),
            "a:11:{i:0;d:1;i:1;d:0.1;i:2;d:-0;i:3;d:INF;i:4;d:-INF;i:5;d:NAN;i:6;d:1.0E+100;i:7;b:1;i:8;N;i:9;s:2:\"é\";s:1:\"k\";a:0:{}}"
        );
    }

    #[test]
    fn serialize_references() {
        // php -n -r '$x=[1]; $a=[&$x, &$x]; echo serialize($a);'
        let cell = Value::new_ref(list(vec![Value::Int(1)]));
        let v = list(vec![Value::Ref(cell.clone()), Value::Ref(cell)]);
        assert_eq!(ser(v), "a:2:{i:0;a:1:{i:0;i:1;}i:1;R:2;}");
    }

    #[test]
    fn unserialize_round_trip_and_refs() {
        let (v, d) = unser("a:2:{i:0;a:1:{i:0;i:1;}i:1;R:2;}");
        assert!(d.is_empty());
        let Value::Array(a) = v else { panic!("array") };
        match (a.get_int(0), a.get_int(1)) {
            (Some(Value::Ref(x)), Some(Value::Ref(y))) => assert!(Rc::ptr_eq(x, y)),
            other => panic!("{other:?}"),
        }
        let (v, _) = unser("a:2:{i:0;s:1:\"a\";s:1:\"k\";d:0.5;}");
        assert_eq!(ser(v), "a:2:{i:0;s:1:\"a\";s:1:\"k\";d:0.5;}");
        let (v, _) = unser("i:+5;");
        assert!(matches!(v, Value::Int(5)));
        // Trailing data is ignored in PHP 8.2.
        let (v, d) = unser("i:5;junk");
        assert!(matches!(v, Value::Int(5)) && d.is_empty());
    }

    #[test]
    fn unserialize_errors() {
        // php -n -r 'var_dump(unserialize("a:1:{i:0;i:1"));' etc.
        let cases: &[(&str, &str)] = &[
            (
                "a:1:{i:0;i:1",
                "unserialize(): Error at offset 9 of 12 bytes",
            ),
            ("b:2;", "unserialize(): Error at offset 0 of 4 bytes"),
            ("s:3:\"ab\";", "unserialize(): Error at offset 8 of 9 bytes"),
            ("x", "unserialize(): Error at offset 0 of 1 bytes"),
        ];
        for (input, msg) in cases {
            let (v, d) = unser(input);
            assert!(matches!(v, Value::Bool(false)), "{input}");
            assert_eq!(d, vec![msg.to_string()], "{input}");
        }
        let (v, d) = unser("");
        assert!(matches!(v, Value::Bool(false)) && d.is_empty());
    }
}
