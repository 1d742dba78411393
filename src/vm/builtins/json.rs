//! JSON: `json_encode`, `json_decode`, `json_last_error`, `json_last_error_msg`.
//!
//! Both directions are written here rather than on serde_json because PHP's semantics are
//! the contract: its flags, its error codes and the order they are detected in, its float
//! printing (`serialize_precision` -1 with a lowercase `e`), its treatment of invalid UTF-8
//! (per-byte substitution when decoding, `get_next_char`'s resynchronisation when encoding),
//! big integers, depth counting and the distinction between empty arrays and objects.
//!
//! The encoder writes straight into one `Vec<u8>`; the decoder is a recursive-descent parser
//! over bytes that builds PHP values directly. The last error is per thread (one request
//! per thread) and `reset_request_state` clears it between requests.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::ast::Visibility;
use super::super::convert::float_to_serial;
use super::super::error::{Fault, PhpResult};
use super::super::host::Host;
use super::super::value::{PhpStr, Value};
use super::args;
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "json_encode",
        sig: "mixed $value, int $flags = 0, int $depth = 512",
        func: json_encode,
    },
    BuiltinDef {
        name: "json_decode",
        sig: "string $json, ?bool $associative = null, int $depth = 512, int $flags = 0",
        func: json_decode,
    },
    BuiltinDef {
        name: "json_last_error",
        sig: "",
        func: json_last_error,
    },
    BuiltinDef {
        name: "json_last_error_msg",
        sig: "",
        func: json_last_error_msg,
    },
];

// Encoder and decoder options, as PHP numbers them.
pub const JSON_HEX_TAG: i64 = 1;
pub const JSON_HEX_AMP: i64 = 2;
pub const JSON_HEX_APOS: i64 = 4;
pub const JSON_HEX_QUOT: i64 = 8;
pub const JSON_FORCE_OBJECT: i64 = 16;
pub const JSON_NUMERIC_CHECK: i64 = 32;
pub const JSON_UNESCAPED_SLASHES: i64 = 64;
pub const JSON_PRETTY_PRINT: i64 = 128;
pub const JSON_UNESCAPED_UNICODE: i64 = 256;
pub const JSON_PARTIAL_OUTPUT_ON_ERROR: i64 = 512;
pub const JSON_PRESERVE_ZERO_FRACTION: i64 = 1024;
pub const JSON_UNESCAPED_LINE_TERMINATORS: i64 = 2048;
pub const JSON_OBJECT_AS_ARRAY: i64 = 1;
pub const JSON_BIGINT_AS_STRING: i64 = 2;
pub const JSON_INVALID_UTF8_IGNORE: i64 = 0x10_0000;
pub const JSON_INVALID_UTF8_SUBSTITUTE: i64 = 0x20_0000;
pub const JSON_THROW_ON_ERROR: i64 = 0x40_0000;

/// Error codes (`JSON_ERROR_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i64)]
pub enum JsonError {
    None = 0,
    Depth = 1,
    StateMismatch = 2,
    CtrlChar = 3,
    Syntax = 4,
    Utf8 = 5,
    Recursion = 6,
    InfOrNan = 7,
    UnsupportedType = 8,
    InvalidPropertyName = 9,
    Utf16 = 10,
    NonBackedEnum = 11,
}

impl JsonError {
    /// The message `json_last_error_msg` and `JsonException` use.
    pub fn message(self) -> &'static str {
        match self {
            JsonError::None => "No error",
            JsonError::Depth => "Maximum stack depth exceeded",
            JsonError::StateMismatch => "State mismatch (invalid or malformed JSON)",
            JsonError::CtrlChar => "Control character error, possibly incorrectly encoded",
            JsonError::Syntax => "Syntax error",
            JsonError::Utf8 => "Malformed UTF-8 characters, possibly incorrectly encoded",
            JsonError::Recursion => "Recursion detected",
            JsonError::InfOrNan => "Inf and NaN cannot be JSON encoded",
            JsonError::UnsupportedType => "Type is not supported",
            JsonError::InvalidPropertyName => "The decoded property name is invalid",
            JsonError::Utf16 => "Single unpaired UTF-16 surrogate in unicode escape",
            JsonError::NonBackedEnum => "Non-backed enums have no default serialization",
        }
    }

    fn exception(self) -> Fault {
        Fault::error_with_code("JsonException", self.message(), self as i64)
    }
}

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("JSON_HEX_TAG", ConstVal::Int(JSON_HEX_TAG)),
    ("JSON_HEX_AMP", ConstVal::Int(JSON_HEX_AMP)),
    ("JSON_HEX_APOS", ConstVal::Int(JSON_HEX_APOS)),
    ("JSON_HEX_QUOT", ConstVal::Int(JSON_HEX_QUOT)),
    ("JSON_FORCE_OBJECT", ConstVal::Int(JSON_FORCE_OBJECT)),
    ("JSON_NUMERIC_CHECK", ConstVal::Int(JSON_NUMERIC_CHECK)),
    (
        "JSON_UNESCAPED_SLASHES",
        ConstVal::Int(JSON_UNESCAPED_SLASHES),
    ),
    ("JSON_PRETTY_PRINT", ConstVal::Int(JSON_PRETTY_PRINT)),
    (
        "JSON_UNESCAPED_UNICODE",
        ConstVal::Int(JSON_UNESCAPED_UNICODE),
    ),
    (
        "JSON_PARTIAL_OUTPUT_ON_ERROR",
        ConstVal::Int(JSON_PARTIAL_OUTPUT_ON_ERROR),
    ),
    (
        "JSON_PRESERVE_ZERO_FRACTION",
        ConstVal::Int(JSON_PRESERVE_ZERO_FRACTION),
    ),
    (
        "JSON_UNESCAPED_LINE_TERMINATORS",
        ConstVal::Int(JSON_UNESCAPED_LINE_TERMINATORS),
    ),
    ("JSON_OBJECT_AS_ARRAY", ConstVal::Int(JSON_OBJECT_AS_ARRAY)),
    (
        "JSON_BIGINT_AS_STRING",
        ConstVal::Int(JSON_BIGINT_AS_STRING),
    ),
    (
        "JSON_INVALID_UTF8_IGNORE",
        ConstVal::Int(JSON_INVALID_UTF8_IGNORE),
    ),
    (
        "JSON_INVALID_UTF8_SUBSTITUTE",
        ConstVal::Int(JSON_INVALID_UTF8_SUBSTITUTE),
    ),
    ("JSON_THROW_ON_ERROR", ConstVal::Int(JSON_THROW_ON_ERROR)),
    ("JSON_ERROR_NONE", ConstVal::Int(0)),
    ("JSON_ERROR_DEPTH", ConstVal::Int(1)),
    ("JSON_ERROR_STATE_MISMATCH", ConstVal::Int(2)),
    ("JSON_ERROR_CTRL_CHAR", ConstVal::Int(3)),
    ("JSON_ERROR_SYNTAX", ConstVal::Int(4)),
    ("JSON_ERROR_UTF8", ConstVal::Int(5)),
    ("JSON_ERROR_RECURSION", ConstVal::Int(6)),
    ("JSON_ERROR_INF_OR_NAN", ConstVal::Int(7)),
    ("JSON_ERROR_UNSUPPORTED_TYPE", ConstVal::Int(8)),
    ("JSON_ERROR_INVALID_PROPERTY_NAME", ConstVal::Int(9)),
    ("JSON_ERROR_UTF16", ConstVal::Int(10)),
    ("JSON_ERROR_NON_BACKED_ENUM", ConstVal::Int(11)),
];

thread_local! {
    /// `JSON_G(error_code)`: the error of the last encode/decode on this thread.
    static LAST_ERROR: Cell<JsonError> = const { Cell::new(JsonError::None) };
}

fn set_last_error(e: JsonError) {
    LAST_ERROR.with(|c| c.set(e));
}

/// Clears the per-thread JSON state at the start of a request.
pub fn reset_request_state() {
    set_last_error(JsonError::None);
}

fn json_last_error(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(LAST_ERROR.with(|c| c.get()) as i64))
}

fn json_last_error_msg(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    Ok(Value::str(LAST_ERROR.with(|c| c.get()).message()))
}

// ---------------------------------------------------------------------------------------
// encoding

fn json_encode(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let value = args.first().map(|v| v.deref_clone()).unwrap_or(Value::Null);
    let options = args::int_or(args, 1, 0);
    let depth = args::int_or(args, 2, 512);
    if depth > i64::from(i32::MAX) {
        return Err(Fault::value_error(format!(
            "json_encode(): Argument #3 ($depth) must be less than {}",
            i32::MAX
        )));
    }
    // Encode into this thread's reused buffer (so the text is not regrown from scratch on
    // every call) and copy the result out at its exact size; a nested call (from
    // `jsonSerialize`) finds the buffer taken and starts its own.
    let mut buf = ENCODE_BUF.with(|b| std::mem::take(&mut *b.borrow_mut()));
    buf.clear();
    let mut enc = Encoder {
        host,
        options,
        max_depth: depth,
        depth: 0,
        error: JsonError::None,
        out: buf,
        ancestors: Vec::new(),
    };
    let r = enc.value(&value);
    let (error, buf) = (enc.error, enc.out);
    let out = Value::str(&buf[..]);
    if buf.capacity() <= 1 << 20 {
        ENCODE_BUF.with(|b| *b.borrow_mut() = buf);
    }
    r?;
    let partial = options & JSON_PARTIAL_OUTPUT_ON_ERROR != 0;
    if options & JSON_THROW_ON_ERROR == 0 || partial {
        set_last_error(error);
        if error != JsonError::None && !partial {
            return Ok(Value::Bool(false));
        }
    } else if error != JsonError::None {
        return Err(error.exception());
    }
    Ok(out)
}

thread_local! {
    /// `json_encode`'s output buffer, kept between calls (up to 1 MiB of capacity).
    static ENCODE_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Encodes `value` with `options` (the engine-side entry point, also used by tests).
///
/// # Returns
///
/// The JSON text, or the error PHP would record (with `PARTIAL_OUTPUT_ON_ERROR` the text
/// and the last error are both meaningful; this returns the text then).
pub fn encode(
    host: &mut dyn Host,
    value: &Value,
    options: i64,
    depth: i64,
) -> PhpResult<Result<Vec<u8>, JsonError>> {
    let mut enc = Encoder {
        host,
        options,
        max_depth: depth,
        depth: 0,
        error: JsonError::None,
        out: Vec::new(),
        ancestors: Vec::new(),
    };
    enc.value(value)?;
    if enc.error != JsonError::None && options & JSON_PARTIAL_OUTPUT_ON_ERROR == 0 {
        return Ok(Err(enc.error));
    }
    Ok(Ok(enc.out))
}

struct Encoder<'h> {
    host: &'h mut dyn Host,
    options: i64,
    max_depth: i64,
    depth: i64,
    /// The last error seen (`encoder->error_code`).
    error: JsonError,
    out: Vec<u8>,
    /// Arrays and objects being encoded (by address), to detect recursion.
    ancestors: Vec<usize>,
}

/// Hex digits as PHP's encoder writes them (lowercase).
const HEX: &[u8; 16] = b"0123456789abcdef";

impl Encoder<'_> {
    fn has(&self, flag: i64) -> bool {
        self.options & flag != 0
    }

    fn partial(&self) -> bool {
        self.has(JSON_PARTIAL_OUTPUT_ON_ERROR)
    }

    /// `php_json_encode_zval`. `Ok(false)` is PHP's `FAILURE` (the caller stops unless
    /// partial output was asked for); `Err` is a PHP exception from `jsonSerialize`.
    fn value(&mut self, v: &Value) -> PhpResult<bool> {
        match v {
            Value::Undef | Value::Null => self.out.extend_from_slice(b"null"),
            Value::Bool(true) => self.out.extend_from_slice(b"true"),
            Value::Bool(false) => self.out.extend_from_slice(b"false"),
            Value::Int(i) => self.int(*i),
            Value::Float(f) => {
                if f.is_finite() {
                    self.double(*f, self.has(JSON_PRESERVE_ZERO_FRACTION));
                } else {
                    self.error = JsonError::InfOrNan;
                    self.out.push(b'0');
                }
            }
            Value::Str(s) => return Ok(self.string(s, self.options)),
            Value::Ref(r) => {
                let inner = r.borrow().clone();
                return self.value(&inner);
            }
            Value::Array(a) => {
                let addr = Rc::as_ptr(a) as usize;
                return self.container(addr, a, false, None);
            }
            Value::Object(o) => {
                if o.instance_of(b"jsonserializable") {
                    return self.serializable(o);
                }
                let class = o.class();
                if class.is_enum {
                    let backing = o.borrow().props.get_str(b"value").cloned();
                    return match backing {
                        Some(v) => self.value(&v),
                        None => {
                            self.error = JsonError::NonBackedEnum;
                            self.out.push(b'0');
                            Ok(false)
                        }
                    };
                }
                let addr = Rc::as_ptr(&o.0) as *const u8 as usize;
                let props = o.borrow().props.to_array();
                return self.container(addr, &props, true, Some(&*class));
            }
        }
        Ok(true)
    }

    fn int(&mut self, i: i64) {
        super::string::push_int(&mut self.out, i);
    }

    /// `smart_str_append_double` with `serialize_precision`.
    fn double(&mut self, f: f64, zero_frac: bool) {
        let text = float_to_serial(f, b'e');
        let has_dot = text.iter().any(|&c| c == b'.' || c == b'e' || c == b'E');
        self.out.extend_from_slice(&text);
        if zero_frac && !has_dot {
            self.out.extend_from_slice(b".0");
        }
    }

    /// `php_json_encode_serializable_object`.
    fn serializable(&mut self, o: &super::super::object::Obj) -> PhpResult<bool> {
        let addr = Rc::as_ptr(&o.0) as *const u8 as usize;
        if self.ancestors.contains(&addr) {
            self.error = JsonError::Recursion;
            if self.partial() {
                self.out.extend_from_slice(b"null");
            }
            return Ok(false);
        }
        self.ancestors.push(addr);
        let r = self.host.call_method(o, b"jsonSerialize", &[]);
        self.ancestors.pop();
        let retval = r?.unwrap_or(Value::Null);
        // Returning `$this` encodes the object's properties instead of recursing.
        if let Value::Object(same) = &retval {
            if same.ptr_eq(o) {
                let class = o.class();
                let props = o.borrow().props.to_array();
                return self.container(addr, &props, true, Some(&*class));
            }
        }
        self.ancestors.push(addr);
        let r = self.value(&retval);
        self.ancestors.pop();
        r
    }

    fn newline_indent(&mut self) {
        if self.has(JSON_PRETTY_PRINT) {
            self.out.push(b'\n');
            for _ in 0..self.depth {
                self.out.extend_from_slice(b"    ");
            }
        }
    }

    /// `php_json_encode_array` for arrays and objects' property tables.
    fn container(
        &mut self,
        addr: usize,
        table: &PhpArray,
        is_object: bool,
        class: Option<&super::super::object::Class>,
    ) -> PhpResult<bool> {
        let as_list = !is_object && !self.has(JSON_FORCE_OBJECT) && table.is_list();
        if self.ancestors.contains(&addr) {
            self.error = JsonError::Recursion;
            if self.partial() {
                self.out.extend_from_slice(b"null");
            }
            return Ok(false);
        }
        self.ancestors.push(addr);
        self.out.push(if as_list { b'[' } else { b'{' });
        self.depth += 1;
        let mut need_comma = false;
        for (k, v) in table.iter() {
            if matches!(v, Value::Undef) {
                // An uninitialised typed property is not encoded.
                continue;
            }
            if as_list {
                if need_comma {
                    self.out.push(b',');
                }
                need_comma = true;
                self.newline_indent();
            } else {
                if let (Some(class), ArrayKey::Str(name)) = (class, &k) {
                    if class
                        .prop_decl(name)
                        .is_some_and(|d| d.visibility != Visibility::Public || d.is_static)
                    {
                        continue;
                    }
                }
                if need_comma {
                    self.out.push(b',');
                }
                need_comma = true;
                self.newline_indent();
                match &k {
                    ArrayKey::Str(name) => {
                        let ok = self.string(name, self.options & !JSON_NUMERIC_CHECK);
                        if !ok && self.partial() {
                            // The key was written as `null`: PHP replaces it with "".
                            let len = self.out.len();
                            self.out.truncate(len - 4);
                            self.out.extend_from_slice(b"\"\"");
                        }
                    }
                    ArrayKey::Int(i) => {
                        self.out.push(b'"');
                        self.int(*i);
                        self.out.push(b'"');
                    }
                }
                self.out.push(b':');
                if self.has(JSON_PRETTY_PRINT) {
                    self.out.push(b' ');
                }
            }
            if !self.value(v)? && !self.partial() {
                self.ancestors.pop();
                return Ok(false);
            }
        }
        self.ancestors.pop();
        if self.depth > self.max_depth {
            self.error = JsonError::Depth;
            if !self.partial() {
                return Ok(false);
            }
        }
        self.depth -= 1;
        if need_comma {
            self.newline_indent();
        }
        self.out.push(if as_list { b']' } else { b'}' });
        Ok(true)
    }

    /// `php_json_escape_string`. Returns false on invalid UTF-8 (after writing `null` in
    /// partial-output mode).
    fn string(&mut self, s: &[u8], options: i64) -> bool {
        if s.is_empty() {
            self.out.extend_from_slice(b"\"\"");
            return true;
        }
        if options & JSON_NUMERIC_CHECK != 0 {
            use super::super::convert::{parse_numeric, Numeric, NumericPrefix};
            match parse_numeric(s) {
                NumericPrefix::Whole(Numeric::Int(i)) => {
                    self.int(i);
                    return true;
                }
                NumericPrefix::Whole(Numeric::Float(f)) if f.is_finite() => {
                    self.double(f, false);
                    return true;
                }
                _ => {}
            }
        }
        let checkpoint = self.out.len();
        self.out.push(b'"');
        let mut pos = 0;
        while pos < s.len() {
            // Copy the longest run that needs no escaping in one go.
            let start = pos;
            while pos < s.len() && !needs_escape(s[pos]) {
                pos += 1;
            }
            self.out.extend_from_slice(&s[start..pos]);
            if pos >= s.len() {
                break;
            }
            let c = s[pos];
            if c >= 0x80 {
                match next_utf8_char(s, pos) {
                    Ok((cp, len)) => {
                        let unescaped = options & JSON_UNESCAPED_UNICODE != 0
                            && (options & JSON_UNESCAPED_LINE_TERMINATORS != 0
                                || !(0x2028..=0x2029).contains(&cp));
                        if unescaped {
                            self.out.extend_from_slice(&s[pos..pos + len]);
                        } else if cp >= 0x10000 {
                            let v = cp - 0x10000;
                            self.u_escape(0xd800 | (v >> 10));
                            self.u_escape(0xdc00 | (v & 0x3ff));
                        } else {
                            self.u_escape(cp);
                        }
                        pos += len;
                    }
                    Err(skip) => {
                        pos += skip;
                        if options & JSON_INVALID_UTF8_IGNORE != 0 {
                            // Dropped.
                        } else if options & JSON_INVALID_UTF8_SUBSTITUTE != 0 {
                            if options & JSON_UNESCAPED_UNICODE != 0 {
                                self.out.extend_from_slice("\u{fffd}".as_bytes());
                            } else {
                                self.out.extend_from_slice(b"\\ufffd");
                            }
                        } else {
                            self.out.truncate(checkpoint);
                            self.error = JsonError::Utf8;
                            if options & JSON_PARTIAL_OUTPUT_ON_ERROR != 0 {
                                self.out.extend_from_slice(b"null");
                            }
                            return false;
                        }
                    }
                }
                continue;
            }
            match c {
                b'"' if options & JSON_HEX_QUOT != 0 => self.out.extend_from_slice(b"\\u0022"),
                b'"' => self.out.extend_from_slice(b"\\\""),
                b'\\' => self.out.extend_from_slice(b"\\\\"),
                b'/' if options & JSON_UNESCAPED_SLASHES != 0 => self.out.push(b'/'),
                b'/' => self.out.extend_from_slice(b"\\/"),
                0x08 => self.out.extend_from_slice(b"\\b"),
                0x0c => self.out.extend_from_slice(b"\\f"),
                b'\n' => self.out.extend_from_slice(b"\\n"),
                b'\r' => self.out.extend_from_slice(b"\\r"),
                b'\t' => self.out.extend_from_slice(b"\\t"),
                b'<' if options & JSON_HEX_TAG != 0 => self.out.extend_from_slice(b"\\u003C"),
                b'>' if options & JSON_HEX_TAG != 0 => self.out.extend_from_slice(b"\\u003E"),
                b'&' if options & JSON_HEX_AMP != 0 => self.out.extend_from_slice(b"\\u0026"),
                b'\'' if options & JSON_HEX_APOS != 0 => self.out.extend_from_slice(b"\\u0027"),
                b'<' | b'>' | b'&' | b'\'' => self.out.push(c),
                _ => {
                    self.out.extend_from_slice(b"\\u00");
                    self.out.push(HEX[usize::from(c >> 4)]);
                    self.out.push(HEX[usize::from(c & 0xf)]);
                }
            }
            pos += 1;
        }
        self.out.push(b'"');
        true
    }

    fn u_escape(&mut self, unit: u32) {
        self.out.extend_from_slice(b"\\u");
        for shift in [12, 8, 4, 0] {
            self.out.push(HEX[((unit >> shift) & 0xf) as usize]);
        }
    }
}

/// Bytes the string encoder must look at: quotes, backslash, slash, control characters,
/// the characters the `HEX_*` options may escape, and every non-ASCII byte.
fn needs_escape(c: u8) -> bool {
    NEEDS_ESCAPE[usize::from(c)]
}

/// `needs_escape` as a table (the string encoder's inner loop).
static NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] =
            b < 0x20 || b >= 0x80 || matches!(b, b'"' | b'\\' | b'/' | b'<' | b'>' | b'&' | b'\'');
        c += 1;
    }
    t
};

/// PHP's `php_next_utf8_char` (`get_next_char` for UTF-8): the code point at `pos` and its
/// length, or on error how many bytes PHP skips (which decides how many replacement
/// characters `JSON_INVALID_UTF8_SUBSTITUTE` writes).
fn next_utf8_char(s: &[u8], pos: usize) -> Result<(u32, usize), usize> {
    let lead = |c: u8| c < 0x80 || (0xc2..=0xf4).contains(&c);
    let trail = |c: u8| (0x80..=0xbf).contains(&c);
    let avail = s.len() - pos;
    let c = s[pos];
    if c < 0x80 {
        return Ok((u32::from(c), 1));
    }
    if c < 0xc2 {
        return Err(1);
    }
    if c < 0xe0 {
        if avail < 2 {
            return Err(1);
        }
        if !trail(s[pos + 1]) {
            return Err(if lead(s[pos + 1]) { 1 } else { 2 });
        }
        let cp = (u32::from(c & 0x1f) << 6) | u32::from(s[pos + 1] & 0x3f);
        if cp < 0x80 {
            return Err(2);
        }
        return Ok((cp, 2));
    }
    if c < 0xf0 {
        if avail < 3 || !trail(s[pos + 1]) || !trail(s[pos + 2]) {
            return Err(if avail < 2 || lead(s[pos + 1]) {
                1
            } else if avail < 3 || lead(s[pos + 2]) {
                2
            } else {
                3
            });
        }
        let cp = (u32::from(c & 0x0f) << 12)
            | (u32::from(s[pos + 1] & 0x3f) << 6)
            | u32::from(s[pos + 2] & 0x3f);
        if cp < 0x800 || (0xd800..=0xdfff).contains(&cp) {
            return Err(3);
        }
        return Ok((cp, 3));
    }
    if c < 0xf5 {
        if avail < 4 || !trail(s[pos + 1]) || !trail(s[pos + 2]) || !trail(s[pos + 3]) {
            return Err(if avail < 2 || lead(s[pos + 1]) {
                1
            } else if avail < 3 || lead(s[pos + 2]) {
                2
            } else if avail < 4 || lead(s[pos + 3]) {
                3
            } else {
                4
            });
        }
        let cp = (u32::from(c & 0x07) << 18)
            | (u32::from(s[pos + 1] & 0x3f) << 12)
            | (u32::from(s[pos + 2] & 0x3f) << 6)
            | u32::from(s[pos + 3] & 0x3f);
        if !(0x10000..=0x10ffff).contains(&cp) {
            return Err(4);
        }
        return Ok((cp, 4));
    }
    Err(1)
}

// ---------------------------------------------------------------------------------------
// decoding

fn json_decode(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let json = args::str_at(args, 0);
    let mut options = args::int_or(args, 3, 0);
    match args::opt(args, 1) {
        Some(Value::Bool(true)) => options |= JSON_OBJECT_AS_ARRAY,
        Some(Value::Bool(false)) => options &= !JSON_OBJECT_AS_ARRAY,
        _ => {}
    }
    let depth = args::int_or(args, 2, 512);
    let throw = options & JSON_THROW_ON_ERROR != 0;
    if !throw {
        set_last_error(JsonError::None);
    }
    if json.is_empty() {
        if throw {
            return Err(JsonError::Syntax.exception());
        }
        set_last_error(JsonError::Syntax);
        return Ok(Value::Null);
    }
    if depth <= 0 {
        return Err(Fault::value_error(
            "json_decode(): Argument #3 ($depth) must be greater than 0",
        ));
    }
    if depth > i64::from(i32::MAX) {
        return Err(Fault::value_error(format!(
            "json_decode(): Argument #3 ($depth) must be less than {}",
            i32::MAX
        )));
    }
    match decode(host, &json, options, depth)? {
        Ok(v) => Ok(v),
        Err(e) => {
            if throw {
                return Err(e.exception());
            }
            set_last_error(e);
            Ok(Value::Null)
        }
    }
}

/// Decodes `json` with `options` (`JSON_OBJECT_AS_ARRAY` for arrays) and `depth`.
///
/// # Errors
///
/// The outer `Err` is an engine fault from creating objects; the inner one the JSON error
/// PHP would record.
pub fn decode(
    host: &mut dyn Host,
    json: &[u8],
    options: i64,
    depth: i64,
) -> PhpResult<Result<Value, JsonError>> {
    let mut p = Parser {
        host,
        s: json,
        pos: 0,
        options,
        max_depth: depth,
        depth: 0,
        scratch: Vec::new(),
        items: Vec::new(),
        members: Vec::new(),
        keys: HashMap::default(),
    };
    let v = match p.value()? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    p.skip_ws();
    if p.pos < p.s.len() {
        return Ok(Err(p.unexpected()));
    }
    Ok(Ok(v))
}

struct Parser<'a, 'h> {
    host: &'h mut dyn Host,
    s: &'a [u8],
    pos: usize,
    options: i64,
    max_depth: i64,
    depth: i64,
    /// Reused buffer for strings with escapes.
    scratch: Vec<u8>,
    /// Elements of the arrays being parsed, innermost last: each container takes its own
    /// off the top when it closes, so it is built once at its final size.
    items: Vec<Value>,
    /// Members of the objects being parsed, likewise.
    members: Vec<(ArrayKey, Value)>,
    /// Object keys seen so far (short plain ones), by their text in the input.
    keys: HashMap<&'a [u8], ArrayKey, foldhash::fast::RandomState>,
}

/// A parse step: the outer `Result` carries engine faults, the inner one JSON errors.
type Step<T> = PhpResult<Result<T, JsonError>>;

impl<'a> Parser<'a, '_> {
    fn skip_ws(&mut self) {
        while let Some(&c) = self.s.get(self.pos) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// The error for an unexpected byte at the current position, classified as PHP's
    /// scanner does: a NUL byte is a control-character error, a valid UTF-8 character a
    /// syntax error, an invalid byte a UTF-8 error; end of input is a syntax error.
    fn unexpected(&self) -> JsonError {
        match self.s.get(self.pos) {
            None => JsonError::Syntax,
            Some(0) => JsonError::CtrlChar,
            Some(&c) if c < 0x80 => JsonError::Syntax,
            Some(_) => {
                if utf8_len_at(self.s, self.pos).is_some() {
                    JsonError::Syntax
                } else {
                    JsonError::Utf8
                }
            }
        }
    }

    fn value(&mut self) -> Step<Value> {
        self.skip_ws();
        let Some(&c) = self.s.get(self.pos) else {
            return Ok(Err(JsonError::Syntax));
        };
        match c {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => Ok(self.string().map(Value::str)),
            b'-' | b'0'..=b'9' => Ok(self.number()),
            b't' => Ok(self.literal(b"true", Value::Bool(true))),
            b'f' => Ok(self.literal(b"false", Value::Bool(false))),
            b'n' => Ok(self.literal(b"null", Value::Null)),
            _ => Ok(Err(self.unexpected())),
        }
    }

    fn literal(&mut self, word: &[u8], v: Value) -> Result<Value, JsonError> {
        if self.s[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(JsonError::Syntax)
        }
    }

    fn enter(&mut self) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth >= self.max_depth {
            return Err(JsonError::Depth);
        }
        Ok(())
    }

    fn array(&mut self) -> Step<Value> {
        if let Err(e) = self.enter() {
            return Ok(Err(e));
        }
        self.pos += 1;
        self.skip_ws();
        if self.s.get(self.pos) == Some(&b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Ok(Value::array(PhpArray::new())));
        }
        // A closing brace where a bracket could close: PHP's parser reports the mismatch.
        if self.s.get(self.pos) == Some(&b'}') {
            return Ok(Err(JsonError::StateMismatch));
        }
        let base = self.items.len();
        loop {
            let v = match self.value()? {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            self.items.push(v);
            self.skip_ws();
            match self.s.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                Some(b'}') => return Ok(Err(JsonError::StateMismatch)),
                _ => return Ok(Err(self.unexpected())),
            }
        }
        self.depth -= 1;
        let values: Vec<Value> = self.items.drain(base..).collect();
        Ok(Ok(Value::array(PhpArray::from_values(values))))
    }

    fn object(&mut self) -> Step<Value> {
        if let Err(e) = self.enter() {
            return Ok(Err(e));
        }
        self.pos += 1;
        let assoc = self.options & JSON_OBJECT_AS_ARRAY != 0;
        let base = self.members.len();
        // PHP's parser creates the object when it reduces the first member (after that
        // member's value), which fixes the order of object ids: outer before later inner.
        let mut obj = None;
        self.skip_ws();
        if self.s.get(self.pos) == Some(&b'}') {
            self.pos += 1;
        } else if self.s.get(self.pos) == Some(&b']') {
            return Ok(Err(JsonError::StateMismatch));
        } else {
            loop {
                self.skip_ws();
                if self.s.get(self.pos) != Some(&b'"') {
                    return Ok(Err(self.unexpected()));
                }
                let key = match self.key() {
                    Ok(k) => k,
                    Err(e) => return Ok(Err(e)),
                };
                self.skip_ws();
                if self.s.get(self.pos) != Some(&b':') {
                    return Ok(Err(self.unexpected()));
                }
                self.pos += 1;
                let v = match self.value()? {
                    Ok(v) => v,
                    Err(e) => return Ok(Err(e)),
                };
                if !assoc && matches!(&key, ArrayKey::Str(k) if k.first() == Some(&0)) {
                    return Ok(Err(JsonError::InvalidPropertyName));
                }
                if !assoc && obj.is_none() {
                    obj = Some(self.host.new_object(b"stdClass", PhpArray::new())?);
                }
                self.members.push((key, v));
                self.skip_ws();
                match self.s.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    Some(b']') => return Ok(Err(JsonError::StateMismatch)),
                    _ => return Ok(Err(self.unexpected())),
                }
            }
        }
        self.depth -= 1;
        let n = self.members.len() - base;
        let mut out = if n == 0 {
            PhpArray::new()
        } else {
            PhpArray::with_hash_capacity(n)
        };
        // Later duplicates of a key overwrite earlier ones in place, as in PHP.
        for (k, v) in self.members.drain(base..) {
            out.insert(k, v);
        }
        if assoc {
            Ok(Ok(Value::array(out)))
        } else {
            let obj = match obj {
                Some(o) => {
                    o.borrow_mut().props.set_array(out);
                    o
                }
                None => self.host.new_object(b"stdClass", out)?,
            };
            Ok(Ok(Value::Object(obj)))
        }
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        let s = self.s;
        let mut i = self.pos;
        if s.get(i) == Some(&b'-') {
            i += 1;
        }
        match s.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while s.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            _ => return Err(JsonError::Syntax),
        }
        let mut is_float = false;
        if s.get(i) == Some(&b'.') {
            i += 1;
            if !s.get(i).is_some_and(u8::is_ascii_digit) {
                return Err(JsonError::Syntax);
            }
            while s.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            is_float = true;
        }
        if matches!(s.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(s.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !s.get(i).is_some_and(u8::is_ascii_digit) {
                return Err(JsonError::Syntax);
            }
            while s.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            is_float = true;
        }
        self.pos = i;
        let text = &s[start..i];
        // The text is ASCII by construction.
        let as_str = std::str::from_utf8(text).map_err(|_| JsonError::Syntax)?;
        if !is_float {
            if let Ok(n) = as_str.parse::<i64>() {
                return Ok(Value::Int(n));
            }
            if self.options & JSON_BIGINT_AS_STRING != 0 {
                return Ok(Value::str(text));
            }
        }
        Ok(Value::Float(as_str.parse::<f64>().unwrap_or(f64::NAN)))
    }

    /// An object key (a string token starting at the opening quote). Short plain keys are
    /// shared within one document: the same names recur in every object of a list.
    fn key(&mut self) -> Result<ArrayKey, JsonError> {
        const SHARED_MAX_LEN: usize = 32;
        let s = self.s;
        let start = self.pos + 1;
        let plain = s[start..]
            .iter()
            .take(SHARED_MAX_LEN + 1)
            .position(|&c| c == b'"' || c == b'\\' || !(0x20..0x80).contains(&c));
        if let Some(n) = plain {
            if s[start + n] == b'"' {
                let text = &s[start..start + n];
                self.pos = start + n + 1;
                if let Some(k) = self.keys.get(text) {
                    return Ok(k.clone());
                }
                let k = ArrayKey::from_bytes(text);
                if self.keys.len() < 256 {
                    self.keys.insert(text, k.clone());
                }
                return Ok(k);
            }
        }
        self.string().map(|k| ArrayKey::from_str(PhpStr::from(k)))
    }

    /// Parses a string token starting at the opening quote; returns its bytes.
    fn string(&mut self) -> Result<Vec<u8>, JsonError> {
        self.pos += 1;
        let s = self.s;
        // The common case: plain ASCII up to the closing quote, copied in one go.
        let first = self.pos;
        let plain = s[first..]
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || !(0x20..0x80).contains(&c));
        if let Some(n) = plain {
            if s[first + n] == b'"' {
                self.pos = first + n + 1;
                return Ok(s[first..first + n].to_vec());
            }
        }
        self.scratch.clear();
        loop {
            // Fast run of plain ASCII.
            let start = self.pos;
            while let Some(&c) = s.get(self.pos) {
                if c == b'"' || c == b'\\' || !(0x20..0x80).contains(&c) {
                    break;
                }
                self.pos += 1;
            }
            self.scratch.extend_from_slice(&s[start..self.pos]);
            let Some(&c) = s.get(self.pos) else {
                // Unterminated string: PHP's scanner reports it as a control character.
                return Err(JsonError::CtrlChar);
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    return Ok(std::mem::take(&mut self.scratch));
                }
                b'\\' => self.escape()?,
                0x00..=0x1f => return Err(JsonError::CtrlChar),
                _ => match utf8_len_at(s, self.pos) {
                    Some(len) => {
                        self.scratch.extend_from_slice(&s[self.pos..self.pos + len]);
                        self.pos += len;
                    }
                    None => {
                        if self.options & JSON_INVALID_UTF8_IGNORE != 0 {
                            self.pos += 1;
                        } else if self.options & JSON_INVALID_UTF8_SUBSTITUTE != 0 {
                            self.scratch.extend_from_slice("\u{fffd}".as_bytes());
                            self.pos += 1;
                        } else {
                            return Err(JsonError::Utf8);
                        }
                    }
                },
            }
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let h = self.s.get(at..at + 4)?;
        let mut v = 0u32;
        for &c in h {
            v = v * 16 + (c as char).to_digit(16)?;
        }
        Some(v)
    }

    /// One backslash escape inside a string.
    fn escape(&mut self) -> Result<(), JsonError> {
        let c = self.s.get(self.pos + 1).copied();
        let simple = match c {
            Some(b'"') => Some(b'"'),
            Some(b'\\') => Some(b'\\'),
            Some(b'/') => Some(b'/'),
            Some(b'b') => Some(0x08),
            Some(b'f') => Some(0x0c),
            Some(b'n') => Some(b'\n'),
            Some(b'r') => Some(b'\r'),
            Some(b't') => Some(b'\t'),
            _ => None,
        };
        if let Some(b) = simple {
            self.scratch.push(b);
            self.pos += 2;
            return Ok(());
        }
        if c != Some(b'u') {
            return Err(JsonError::Syntax);
        }
        let Some(unit) = self.hex4(self.pos + 2) else {
            return Err(JsonError::Syntax);
        };
        self.pos += 6;
        let cp = if (0xd800..0xdc00).contains(&unit) {
            // A high surrogate must be followed by an escaped low surrogate.
            let low = if self.s.get(self.pos) == Some(&b'\\')
                && self.s.get(self.pos + 1) == Some(&b'u')
            {
                self.hex4(self.pos + 2)
            } else {
                None
            };
            match low {
                Some(lo) if (0xdc00..0xe000).contains(&lo) => {
                    self.pos += 6;
                    0x10000 + ((unit - 0xd800) << 10) + (lo - 0xdc00)
                }
                _ => return Err(JsonError::Utf16),
            }
        } else if (0xdc00..0xe000).contains(&unit) {
            return Err(JsonError::Utf16);
        } else {
            unit
        };
        let ch = char::from_u32(cp).ok_or(JsonError::Utf16)?;
        let mut buf = [0u8; 4];
        self.scratch
            .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        Ok(())
    }
}

/// The length of the valid UTF-8 sequence starting at `pos`, if one does.
fn utf8_len_at(s: &[u8], pos: usize) -> Option<usize> {
    let c = *s.get(pos)?;
    let len = match c {
        0x00..=0x7f => return Some(1),
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let seq = s.get(pos..pos + len)?;
    std::str::from_utf8(seq).ok().map(|_| len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::builtins::arrays::testutil::{assoc, ints, show, strs};
    use crate::vm::host::TestHost;

    fn enc(v: Value, flags: i64) -> String {
        let mut h = TestHost::default();
        match json_encode(&mut h, &[v, Value::Int(flags)]) {
            Ok(Value::Str(s)) => s.to_string_lossy(),
            Ok(other) => format!("{other:?} err={}", LAST_ERROR.with(|c| c.get()) as i64),
            Err(e) => format!("{e:?}"),
        }
    }

    fn dec(s: &[u8], depth: i64, flags: i64) -> String {
        let mut h = TestHost::default();
        let args = [
            Value::str(s),
            Value::Bool(true),
            Value::Int(depth),
            Value::Int(flags),
        ];
        match json_decode(&mut h, &args) {
            Ok(v) => format!("{} {}", show(&v), LAST_ERROR.with(|c| c.get()) as i64),
            Err(Fault::Error(e)) => format!("{}: {} ({})", e.class, e.message, e.code),
            Err(e) => format!("{e:?}"),
        }
    }

    #[test]
    fn encode_table() {
        // php -n -r 'echo json_encode(...)' for each row.
        let cases: Vec<(Value, i64, &str)> = vec![
            (ints(&[1, 2]), 0, "[1,2]"),
            (
                assoc(&[("3", Value::Int(1)), ("4", Value::Int(2))]),
                0,
                "{\"3\":1,\"4\":2}",
            ),
            (ints(&[1, 2]), JSON_FORCE_OBJECT, "{\"0\":1,\"1\":2}"),
            (Value::Float(0.1 + 0.2), 0, "0.30000000000000004"),
            (Value::Float(1e100), 0, "1.0e+100"),
            (Value::Float(-1.5e-7), 0, "-1.5e-7"),
            (Value::Float(100.0), 0, "100"),
            (Value::Float(100.0), JSON_PRESERVE_ZERO_FRACTION, "100.0"),
            (Value::Float(-0.0), JSON_PRESERVE_ZERO_FRACTION, "-0.0"),
            (Value::Int(i64::MAX), 0, "9223372036854775807"),
            (
                Value::str("<>&'\""),
                JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT,
                "\"\\u003C\\u003E\\u0026\\u0027\\u0022\"",
            ),
            (Value::str("<>&'\""), 0, "\"<>&'\\\"\""),
            (Value::str("\x01\x1f/"), 0, "\"\\u0001\\u001f\\/\""),
            (Value::str("/"), JSON_UNESCAPED_SLASHES, "\"/\""),
            (Value::str("é/\u{2028}"), 0, "\"\\u00e9\\/\\u2028\""),
            (Value::str("😀"), JSON_UNESCAPED_UNICODE, "\"😀\""),
            (Value::str("😀"), 0, "\"\\ud83d\\ude00\""),
            (
                Value::str("\u{2028}"),
                JSON_UNESCAPED_UNICODE,
                "\"\\u2028\"",
            ),
            (
                Value::str("\u{2028}"),
                JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_LINE_TERMINATORS,
                "\"\u{2028}\"",
            ),
            (
                Value::str(&b"a\xffb"[..]),
                JSON_INVALID_UTF8_SUBSTITUTE,
                "\"a\\ufffdb\"",
            ),
            (
                Value::str(&b"a\xffb"[..]),
                JSON_INVALID_UTF8_IGNORE,
                "\"ab\"",
            ),
            (
                Value::str(&b"a\xe2\x82b\xf0\x9f\x98"[..]),
                JSON_INVALID_UTF8_SUBSTITUTE,
                "\"a\\ufffdb\\ufffd\"",
            ),
            (Value::str(&b"\xff"[..]), 0, "Bool(false) err=5"),
            (Value::Float(f64::NAN), 0, "Bool(false) err=7"),
            (
                Value::array(PhpArray::from_values(vec![
                    Value::Int(1),
                    Value::Float(f64::NAN),
                ])),
                JSON_PARTIAL_OUTPUT_ON_ERROR,
                "[1,0]",
            ),
            (
                Value::array(PhpArray::from_values(vec![
                    Value::Int(1),
                    Value::str(&b"\xff"[..]),
                    Value::Int(2),
                ])),
                JSON_PARTIAL_OUTPUT_ON_ERROR,
                "[1,null,2]",
            ),
            (assoc(&[("a\u{0}", Value::Int(1))]), 0, "{\"a\\u0000\":1}"),
            (
                strs(&["12", "1e3", "0x1", " 1", "1 "]),
                JSON_NUMERIC_CHECK,
                "[12,1000,\"0x1\",1,1]",
            ),
            (Value::empty_array(), JSON_PRETTY_PRINT, "[]"),
            (
                Value::array(PhpArray::from_values(vec![Value::empty_array()])),
                JSON_PRETTY_PRINT | JSON_FORCE_OBJECT,
                "{\n    \"0\": {}\n}",
            ),
            (
                assoc(&[("a", Value::Int(1)), ("b", Value::empty_array())]),
                JSON_PRETTY_PRINT,
                "{\n    \"a\": 1,\n    \"b\": []\n}",
            ),
            (Value::Null, 0, "null"),
            (Value::Bool(false), 0, "false"),
            (Value::str(""), 0, "\"\""),
        ];
        for (i, (v, flags, want)) in cases.into_iter().enumerate() {
            assert_eq!(enc(v, flags), want, "case {i}");
        }
    }

    #[test]
    fn encode_depth_and_throw() {
        let mut h = TestHost::default();
        let nested = Value::array(PhpArray::from_values(vec![ints(&[1])]));
        let r = json_encode(&mut h, &[nested.clone(), Value::Int(0), Value::Int(1)]);
        assert!(matches!(r, Ok(Value::Bool(false))));
        assert_eq!(LAST_ERROR.with(|c| c.get()), JsonError::Depth);
        let r = json_encode(&mut h, &[ints(&[1]), Value::Int(0), Value::Int(1)]);
        assert!(matches!(r, Ok(Value::Str(s)) if s.as_bytes() == b"[1]"));
        let r = json_encode(&mut h, &[Value::Int(1), Value::Int(0), Value::Int(0)]);
        assert!(matches!(r, Ok(Value::Str(s)) if s.as_bytes() == b"1"));
        let r = json_encode(
            &mut h,
            &[Value::Float(f64::INFINITY), Value::Int(JSON_THROW_ON_ERROR)],
        );
        assert!(matches!(
            &r,
            Err(Fault::Error(e)) if e.class == "JsonException" && e.code == 7
        ));
    }

    #[test]
    fn decode_table() {
        // php -n -r 'var_dump(json_decode($s, true, $depth, $flags), json_last_error());'
        let cases: Vec<(&[u8], i64, i64, &str)> = vec![
            (b"[1,2", 512, 0, "null 4"),
            (b"\"abc", 512, 0, "null 3"),
            (b"\"a\x01\"", 512, 0, "null 3"),
            (b"[1]\x00", 512, 0, "null 3"),
            (b"\xff", 512, 0, "null 5"),
            (b"x", 512, 0, "null 4"),
            (b"[1] x", 512, 0, "null 4"),
            (b"\"\\x\"", 512, 0, "null 4"),
            (b"\"a\xffb\"", 512, 0, "null 5"),
            (b"tRue", 512, 0, "null 4"),
            (b"1.", 512, 0, "null 4"),
            (b"1e", 512, 0, "null 4"),
            (b".5", 512, 0, "null 4"),
            (b"-", 512, 0, "null 4"),
            (b"01", 512, 0, "null 4"),
            (b"1.5e3", 512, 0, "1500.0 0"),
            (b"-0.0", 512, 0, "-0.0 0"),
            (b"-0", 512, 0, "0 0"),
            (b"1E2", 512, 0, "100.0 0"),
            (b"{\"a\":1,}", 512, 0, "null 4"),
            (b"{1:2}", 512, 0, "null 4"),
            (b"[\"\\u00\"]", 512, 0, "null 4"),
            (b"\"\\udc00\"", 512, 0, "null 10"),
            (b"\"\\ud800\\u0041\"", 512, 0, "null 10"),
            (b"{\"\\u0000a\":1}", 512, 0, "{\"\\0a\":1} 0"),
            (b"  ", 512, 0, "null 4"),
            (b"[] ", 512, 0, "{} 0"),
            (b"9223372036854775807", 512, 0, "9223372036854775807 0"),
            (b"-9223372036854775808", 512, 0, "-9223372036854775808 0"),
            (b"-9223372036854775809", 512, 0, "-9.223372036854776e18 0"),
            (
                b"12345678901234567890",
                512,
                JSON_BIGINT_AS_STRING,
                "\"12345678901234567890\" 0",
            ),
            (b"1e400", 512, 0, "inf 0"),
            (b"\"\\ud83d\\ude00\\u00e9\"", 512, 0, "\"😀é\" 0"),
            (
                b"{\"\":1,\"a\":{\"b\":[]},\"5\":2}",
                512,
                0,
                "{\"\":1,\"a\":{\"b\":{}},5:2} 0",
            ),
            (b"[]", 1, 0, "null 1"),
            (b"[1]", 2, 0, "{0:1} 0"),
            (b"[[]]", 2, 0, "null 1"),
            (b"1", 1, 0, "1 0"),
            (
                b"\"a\xffb\xe2\x82\"",
                512,
                JSON_INVALID_UTF8_SUBSTITUTE,
                "\"a\u{fffd}b\u{fffd}\u{fffd}\" 0",
            ),
            (b"\"a\xffb\"", 512, JSON_INVALID_UTF8_IGNORE, "\"ab\" 0"),
            (b"[\xff]", 512, JSON_INVALID_UTF8_IGNORE, "null 5"),
            (b"nul", 512, 0, "null 4"),
            (b"", 512, 0, "null 4"),
            (
                b"[",
                512,
                JSON_THROW_ON_ERROR,
                "JsonException: Syntax error (4)",
            ),
            (
                b"[",
                0,
                0,
                "ValueError: json_decode(): Argument #3 ($depth) must be greater than 0 (0)",
            ),
        ];
        for (i, (s, depth, flags, want)) in cases.into_iter().enumerate() {
            assert_eq!(
                dec(s, depth, flags),
                want,
                "case {i}: {:?}",
                String::from_utf8_lossy(s)
            );
        }
    }

    #[test]
    fn decode_object_needs_valid_property_names() {
        let mut h = TestHost::default();
        let r = decode(&mut h, b"{\"\\u0000a\":1}", 0, 512);
        assert!(matches!(r, Ok(Err(JsonError::InvalidPropertyName))));
    }
}
