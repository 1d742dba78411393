//! The runtime value (PHP's zval analogue) and the byte string type.
//!
//! `Value` is 16 bytes: a tag and one word. Strings and arrays are reference counted and
//! copy-on-write (`Rc::make_mut`), objects are shared handles, and a PHP reference (`&`) is a
//! shared cell (`PhpRef`) that may sit in a variable slot, an array element or a property.
//! Values never cross threads: each executor thread owns its engine, and APC stores its own
//! copies. Conversions (`to_int`, `to_float`, string forms) live in `convert.rs`; operators in
//! `ops.rs`; the array type in `array.rs`; objects and classes in `object.rs`.

use std::cell::RefCell;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use super::array::PhpArray;
use super::object::Obj;

/// A PHP reference: the shared cell that `$a = &$b` makes both variables point to.
pub type PhpRef = Rc<RefCell<Value>>;

/// A PHP string: an immutable-by-default, reference-counted byte buffer.
///
/// Cloning is a reference-count increment. `make_mut` gives in-place mutation when the
/// buffer is not shared (the `.=` fast path), and copies otherwise.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhpStr(Rc<Vec<u8>>);

impl PhpStr {
    /// An empty string: one shared buffer per thread, so making it allocates nothing
    /// (writing to it through `make_mut` copies it first, as for any shared string).
    pub fn new() -> Self {
        thread_local! {
            static EMPTY: PhpStr = PhpStr(Rc::new(Vec::new()));
        }
        EMPTY
            .try_with(PhpStr::clone)
            .unwrap_or_else(|_| PhpStr(Rc::new(Vec::new())))
    }

    /// The one-byte string `b` (string offsets, `chr`): one shared buffer per byte value
    /// and thread, so making it allocates nothing.
    pub fn byte(b: u8) -> Self {
        thread_local! {
            static BYTES: Vec<PhpStr> = (0..=255u8).map(|b| PhpStr(Rc::new(vec![b]))).collect();
        }
        BYTES
            .try_with(|t| t[usize::from(b)].clone())
            .unwrap_or_else(|_| PhpStr(Rc::new(vec![b])))
    }

    /// The bytes of the string.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Mutable access to the buffer, copying it first if it is shared.
    pub fn make_mut(&mut self) -> &mut Vec<u8> {
        Rc::make_mut(&mut self.0)
    }

    /// Whether two handles share one buffer (used for cheap equality fast paths).
    pub fn ptr_eq(&self, other: &PhpStr) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// The bytes as a Rust `Vec`, copying only if shared.
    pub fn into_vec(self) -> Vec<u8> {
        Rc::try_unwrap(self.0).unwrap_or_else(|shared| (*shared).clone())
    }

    /// Lossy UTF-8 view for diagnostics and Rust-side messages only.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

impl Deref for PhpStr {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl std::borrow::Borrow<[u8]> for PhpStr {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for PhpStr {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for PhpStr {
    fn from(v: Vec<u8>) -> Self {
        PhpStr(Rc::new(v))
    }
}

impl From<&[u8]> for PhpStr {
    /// Empty and one-byte strings are the shared per-thread ones (no allocation).
    fn from(v: &[u8]) -> Self {
        match v {
            [] => PhpStr::new(),
            [b] => PhpStr::byte(*b),
            _ => PhpStr(Rc::new(v.to_vec())),
        }
    }
}

impl<const N: usize> From<&[u8; N]> for PhpStr {
    fn from(v: &[u8; N]) -> Self {
        PhpStr(Rc::new(v.to_vec()))
    }
}

impl From<&str> for PhpStr {
    fn from(v: &str) -> Self {
        PhpStr(Rc::new(v.as_bytes().to_vec()))
    }
}

impl From<String> for PhpStr {
    fn from(v: String) -> Self {
        PhpStr(Rc::new(v.into_bytes()))
    }
}

impl fmt::Debug for PhpStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

/// A PHP value.
///
/// `Undef` is the engine's "no value here" marker: an unassigned local, an uninitialised
/// typed property. It must never be stored in an array or be visible to PHP code; reading it
/// is an "Undefined variable" warning and gives `Null`.
///
/// `Ref` appears only in storage locations (local slots, array elements, properties, static
/// variables). Operations take values through `deref`/`deref_clone` first.
///
/// `repr(u8)` fixes the layout the JIT relies on to read and write scalar elements of
/// packed arrays in place (`src/jit/`): a one-byte tag at offset 0 (the variants' order:
/// `Undef` 0, `Null` 1, `Bool` 2, `Int` 3, `Float` 4, ...), a `bool` at offset 1, an
/// `i64`/`f64` at offset 8. Keep the order of the first five variants.
#[derive(Clone, Default)]
#[repr(u8)]
pub enum Value {
    #[default]
    Undef,
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(PhpStr),
    Array(Rc<PhpArray>),
    Object(Obj),
    Ref(PhpRef),
}

impl Value {
    /// A string value from anything byte-like.
    pub fn str(s: impl Into<PhpStr>) -> Value {
        Value::Str(s.into())
    }

    /// An array value.
    pub fn array(a: PhpArray) -> Value {
        Value::Array(Rc::new(a))
    }

    /// An empty array value.
    pub fn empty_array() -> Value {
        Value::Array(Rc::new(PhpArray::new()))
    }

    /// A new reference cell holding `v`.
    pub fn new_ref(v: Value) -> PhpRef {
        Rc::new(RefCell::new(v))
    }

    /// The value behind a reference (a clone of it), or a clone of the value itself.
    /// `Undef` stays `Undef`.
    pub fn deref_clone(&self) -> Value {
        match self {
            Value::Ref(r) => r.borrow().clone(),
            v => v.clone(),
        }
    }

    /// Unwraps a reference by value: the referenced value (cloned) or `self`.
    #[inline]
    pub fn into_deref(self) -> Value {
        match self {
            Value::Ref(r) => r.borrow().clone(),
            v => v,
        }
    }

    /// `Undef` becomes `Null`; everything else is unchanged.
    pub fn undef_to_null(self) -> Value {
        match self {
            Value::Undef => Value::Null,
            v => v,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null | Value::Undef)
    }

    /// PHP's type name as `gettype()`-free diagnostics use it: "null", "bool", "int", "float",
    /// "string", "array", or the class name for objects (as in TypeError messages).
    pub fn type_name(&self) -> String {
        match self {
            Value::Undef | Value::Null => "null".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "string".into(),
            Value::Array(_) => "array".into(),
            Value::Object(o) => o.class_name().to_string_lossy(),
            Value::Ref(r) => r.borrow().type_name(),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<PhpStr> for Value {
    fn from(s: PhpStr) -> Self {
        Value::Str(s)
    }
}

impl From<PhpArray> for Value {
    fn from(a: PhpArray) -> Self {
        Value::Array(Rc::new(a))
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Undef => write!(f, "Undef"),
            Value::Null => write!(f, "Null"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::Float(x) => write!(f, "Float({x:?})"),
            Value::Str(s) => write!(f, "Str({s:?})"),
            Value::Array(a) => write!(f, "Array(len={})", a.len()),
            Value::Object(o) => write!(f, "Object({:?}#{})", o.class_name(), o.id()),
            Value::Ref(r) => write!(f, "Ref({:?})", r.borrow()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_two_words() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
    }
}
