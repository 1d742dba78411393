//! Compiled units as bytes, for the translation cache and repos: `encode` writes a unit in
//! a versioned, checksummed envelope; `decode` verifies the envelope and re-targets the
//! unit to the path it is loaded for.
//!
//! Envelope: `RHVMUNIT`, the bytecode `FORMAT_VERSION` (u32 LE), the payload length (u64
//! LE), the payload (postcard), and the CRC-32 of the payload (u32 LE). A unit is
//! path-independent except for anonymous class names (PHP puts the file in them): such a
//! unit only loads for the path it was compiled from (`DecodeError::PathBound`).

use std::collections::HashMap;
use std::rc::Rc;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::array::{ArrayKey, PhpArray};
use super::bytecode::{ClassDef, ConstInit, Func, Unit, FORMAT_VERSION};
use super::value::{PhpStr, Value};

const MAGIC: &[u8; 8] = b"RHVMUNIT";
const HEADER_LEN: usize = 8 + 4 + 8;

/// Why stored bytes could not become a unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not a compiled unit (bad magic)")]
    BadMagic,
    #[error("compiled with bytecode format {found}, this engine reads {expected}")]
    WrongVersion { found: u32, expected: u32 },
    #[error("truncated unit ({have} of {need} bytes)")]
    Truncated { have: usize, need: usize },
    #[error("checksum mismatch (corrupt unit)")]
    BadChecksum,
    #[error("malformed unit: {0}")]
    Malformed(String),
    #[error("unit declares anonymous classes and was compiled for another path")]
    PathBound,
}

/// What is serialised: the unit, and whether it depends on its path.
#[derive(Serialize, Deserialize)]
struct Stored {
    unit: Unit,
    /// Anonymous class names embed the file path.
    path_bound: bool,
}

/// The bytes of `unit` (its `file` is recorded; `decode` may re-target it).
///
/// # Errors
///
/// A constant that cannot be stored (never produced by the compiler: objects).
pub fn encode(unit: &Unit) -> Result<Vec<u8>, String> {
    let path_bound = unit.classes.iter().any(|c| c.name.as_bytes().contains(&0));
    let stored = StoredRef { unit, path_bound };
    let payload = postcard::to_stdvec(&stored).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    Ok(out)
}

#[derive(Serialize)]
struct StoredRef<'a> {
    unit: &'a Unit,
    path_bound: bool,
}

/// A unit from `bytes`, verified, for the file at `path` (`__FILE__`, messages). Function
/// ids are fresh for this process.
///
/// # Errors
///
/// `DecodeError` saying what is wrong; the caller compiles from source instead.
pub fn decode(bytes: &[u8], path: &[u8]) -> Result<Unit, DecodeError> {
    if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
        return Err(if bytes.len() >= 8 && &bytes[..8] != MAGIC {
            DecodeError::BadMagic
        } else {
            DecodeError::Truncated {
                have: bytes.len(),
                need: HEADER_LEN,
            }
        });
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version != FORMAT_VERSION {
        return Err(DecodeError::WrongVersion {
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    let mut len_bytes = [0u8; 8];
    len_bytes.copy_from_slice(&bytes[12..20]);
    let len = usize::try_from(u64::from_le_bytes(len_bytes)).unwrap_or(usize::MAX);
    let need = HEADER_LEN.saturating_add(len).saturating_add(4);
    if bytes.len() != need {
        return Err(DecodeError::Truncated {
            have: bytes.len(),
            need,
        });
    }
    let payload = &bytes[HEADER_LEN..HEADER_LEN + len];
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&bytes[HEADER_LEN + len..]);
    if crc32fast::hash(payload) != u32::from_le_bytes(crc) {
        return Err(DecodeError::BadChecksum);
    }
    let stored: Stored =
        postcard::from_bytes(payload).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    let mut unit = stored.unit;
    if stored.path_bound && unit.file.as_bytes() != path {
        return Err(DecodeError::PathBound);
    }
    verify(&unit)?;
    let mut retarget = Retarget {
        file: PhpStr::from(path),
        ids: HashMap::new(),
    };
    retarget.unit(&mut unit);
    Ok(unit)
}

/// Structural checks the interpreter relies on: every jump, path, constant, child and
/// class index in range, registers within the frame.
fn verify(unit: &Unit) -> Result<(), DecodeError> {
    fn check_func(f: &Func) -> Result<(), DecodeError> {
        let bad = |what: &str| {
            Err(DecodeError::Malformed(format!(
                "{} in {}",
                what,
                f.name.to_string_lossy()
            )))
        };
        if f.lines.len() != f.code.len() {
            return bad("line table length");
        }
        if f.local_names.len() > f.n_slots as usize {
            return bad("more locals than registers");
        }
        for t in &f.tries {
            let n = f.code.len() as u32;
            if t.start > n || t.end > n || t.after > n || t.finally.is_some_and(|l| l > n) {
                return bad("try region out of range");
            }
            if t.catches.iter().any(|(_, l)| *l > n) {
                return bad("catch label out of range");
            }
        }
        if f.prop_sites.iter().any(|s| {
            !matches!(
                f.consts.get(s.name as usize),
                Some(super::value::Value::Str(_))
            )
        }) {
            return bad("property site name not a string constant");
        }
        let sites = f.prop_sites.len() as u32;
        if f.code.iter().any(|op| {
            matches!(op, super::bytecode::Op::PropGet { site, .. }
                | super::bytecode::Op::PropSet { site, .. } if *site >= sites)
        }) {
            return bad("property site out of range");
        }
        for c in &f.children {
            check_func(c)?;
        }
        Ok(())
    }
    check_func(&unit.main)?;
    for f in &unit.functions {
        check_func(f)?;
    }
    for c in &unit.classes {
        for m in &c.methods {
            check_func(&m.func)?;
        }
    }
    let nf = unit.functions.len() as u32;
    let nc = unit.classes.len() as u32;
    if unit.hoisted_functions.iter().any(|&i| i >= nf)
        || unit.hoisted_classes.iter().any(|&i| i >= nc)
    {
        return Err(DecodeError::Malformed("hoisting index out of range".into()));
    }
    Ok(())
}

/// Re-points a decoded unit at its path and gives its functions fresh ids (the same old id
/// maps to the same new id, so a function stored twice keeps one identity).
struct Retarget {
    file: PhpStr,
    ids: HashMap<u64, u64>,
}

impl Retarget {
    fn unit(&mut self, unit: &mut Unit) {
        unit.file = self.file.clone();
        self.func(&mut unit.main);
        for f in &mut unit.functions {
            self.func(f);
        }
        for c in &mut unit.classes {
            self.class(c);
        }
    }

    fn func(&mut self, f: &mut Rc<Func>) {
        let Some(f) = Rc::get_mut(f) else {
            // Decoding gives every Rc its own allocation; a shared one was already done.
            return;
        };
        f.file = self.file.clone();
        let next = &mut self.ids;
        f.id = *next
            .entry(f.id)
            .or_insert_with(super::compiler::fresh_func_id);
        for c in &mut f.children {
            self.func(c);
        }
    }

    fn init(&mut self, init: &mut ConstInit) {
        if let ConstInit::Code(f) = init {
            self.func(f);
        }
    }

    fn class(&mut self, c: &mut Rc<ClassDef>) {
        let Some(c) = Rc::get_mut(c) else {
            return;
        };
        for m in &mut c.methods {
            self.func(&mut m.func);
        }
        for k in &mut c.consts {
            self.init(&mut k.value);
        }
        for p in &mut c.props {
            if let Some(d) = &mut p.default {
                self.init(d);
            }
        }
        for (_, init) in &mut c.cases {
            if let Some(i) = init {
                self.init(i);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Where encoded units live between runs (implemented outside the engine: SQLite).

/// The key of a unit: SHA-256 of the bytecode format version, the engine build's
/// fingerprint and the source bytes.
pub type UnitKey = [u8; 32];

/// The key of `src` for this engine's bytecode format and build: the fingerprint of the
/// engine's sources (from `build.rs`) is part of it, so a compiler change never reuses
/// units cached by an older binary (the central cache is shared by every build).
pub fn unit_key(src: &[u8]) -> UnitKey {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(FORMAT_VERSION.to_le_bytes());
    h.update(env!("RHVM_ENGINE_HASH").as_bytes());
    h.update(src);
    h.finalize().into()
}

/// A persistent store of encoded units (the translation cache). Lookups may block
/// briefly; `put` must not (it hands the bytes to a writer).
pub trait UnitStore: Send + Sync {
    /// The encoded unit stored under `key`, if any.
    fn get(&self, key: &UnitKey) -> Option<Vec<u8>>;
    /// Stores an encoded unit (asynchronously; may be dropped on a fault).
    fn put(&self, key: UnitKey, bytes: Vec<u8>);
    /// Repo-authoritative mode: units are found by path only and sources are never read.
    fn authoritative(&self) -> bool {
        false
    }
    /// In authoritative mode, the encoded unit of the file at `path`.
    fn get_by_path(&self, _path: &[u8]) -> Option<Vec<u8>> {
        None
    }
    /// In authoritative mode, whether the repo has a unit for `path`.
    fn has_path(&self, path: &[u8]) -> bool {
        self.get_by_path(path).is_some()
    }
    /// A stored unit failed to decode (corrupt row): the store may drop it.
    fn report_bad(&self, _key: &UnitKey, _why: &DecodeError) {}
    /// Called on a miss before compiling `key`: waits while another thread compiles the
    /// same source, so that concurrent requests for one file compile it once. Returns
    /// whether it waited (the unit may be stored now). Always paired with `end_compile`.
    fn begin_compile(&self, _key: &UnitKey) -> bool {
        false
    }
    /// The compile of `key` begun by `begin_compile` is over (stored or failed).
    fn end_compile(&self, _key: &UnitKey) {}
    /// Counts a unit decoded from the store (`true`) or compiled from source (`false`).
    fn note(&self, _loaded: bool) {}
}

/// `path` made absolute with `.` and `..` resolved without touching the disk: the form
/// in which `rhvm compile --repo` records paths, so authoritative lookups use it.
pub fn lexical_normal(path: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = std::path::PathBuf::from("/");
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// Whether an authoritative `store` has a unit for the file at `path` (no disk access).
pub fn repo_has(store: &dyn UnitStore, path: &std::path::Path) -> bool {
    store.has_path(lexical_normal(path).as_os_str().as_encoded_bytes())
}

/// One thread's turn at compiling a key; ends it however the compile ends.
struct CompileTurn<'a>(&'a dyn UnitStore, UnitKey);

impl Drop for CompileTurn<'_> {
    fn drop(&mut self) {
        self.0.end_compile(&self.1);
    }
}

/// The stored unit under `key`, decoded for `path`, if it is there and sound.
fn lookup(store: &dyn UnitStore, key: &UnitKey, path: &[u8]) -> Option<Rc<Unit>> {
    let bytes = store.get(key)?;
    match decode(&bytes, path) {
        Ok(unit) => {
            store.note(true);
            Some(Rc::new(unit))
        }
        Err(DecodeError::PathBound) => None,
        Err(why) => {
            store.report_bad(key, &why);
            None
        }
    }
}

/// A `UnitStore` shared by the engine threads of a server.
#[derive(Clone)]
pub struct SharedStore(pub std::sync::Arc<dyn UnitStore>);

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedStore")
    }
}

/// Loads the file at `path` through `store`: by content key (compiling and storing on a
/// miss), or by path alone in authoritative mode. `Ok(None)` when there is no such file.
///
/// # Errors
///
/// The file's parse or compile error.
pub fn load_through(
    store: &dyn UnitStore,
    path: &[u8],
) -> Result<Option<Rc<Unit>>, super::interp::LoadError> {
    if store.authoritative() {
        let unit = store
            .get_by_path(path)
            .and_then(|bytes| decode(&bytes, path).ok())
            .map(Rc::new);
        if unit.is_some() {
            store.note(true);
        }
        return Ok(unit);
    }
    let Ok(p) = std::str::from_utf8(path) else {
        return Ok(None);
    };
    let Ok(src) = std::fs::read(p) else {
        return Ok(None);
    };
    compile_through(store, &src, path).map(Some)
}

/// The unit of source `src` at `path`, from `store` when it has it, else compiled (and
/// stored).
///
/// # Errors
///
/// The source's parse or compile error.
pub fn compile_through(
    store: &dyn UnitStore,
    src: &[u8],
    path: &[u8],
) -> Result<Rc<Unit>, super::interp::LoadError> {
    let key = unit_key(src);
    if let Some(unit) = lookup(store, &key, path) {
        return Ok(unit);
    }
    let turn = CompileTurn(store, key);
    // Another thread compiled it while this one waited: its unit is in the store now.
    if store.begin_compile(&key) {
        if let Some(unit) = lookup(store, &key, path) {
            return Ok(unit);
        }
    }
    store.note(false);
    let unit = super::compile_source(src, path)?;
    if let Ok(bytes) = encode(&unit) {
        store.put(key, bytes);
    }
    drop(turn);
    Ok(unit)
}

// ---------------------------------------------------------------------------------------
// Serde for the value types that appear in bytecode (constants): bytes, scalars, arrays.

impl Serialize for PhpStr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.as_bytes())
    }
}

impl<'de> Deserialize<'de> for PhpStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct BytesVisitor;
        impl<'de> Visitor<'de> for BytesVisitor {
            type Value = PhpStr;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<PhpStr, E> {
                Ok(PhpStr::from(v))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<PhpStr, E> {
                Ok(PhpStr::from(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PhpStr, A::Error> {
                let mut v = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    v.push(b);
                }
                Ok(PhpStr::from(v))
            }
        }
        d.deserialize_byte_buf(BytesVisitor)
    }
}

/// The stored shape of a constant value.
#[derive(Serialize, Deserialize)]
enum StoredValue {
    Undef,
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(PhpStr),
    Array(Vec<(StoredKey, Value)>),
}

#[derive(Serialize, Deserialize)]
enum StoredKey {
    Int(i64),
    Str(PhpStr),
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Undef => StoredValue::Undef.serialize(s),
            Value::Null => StoredValue::Null.serialize(s),
            Value::Bool(b) => StoredValue::Bool(*b).serialize(s),
            Value::Int(i) => StoredValue::Int(*i).serialize(s),
            Value::Float(f) => StoredValue::Float(*f).serialize(s),
            Value::Str(p) => StoredValue::Str(p.clone()).serialize(s),
            Value::Ref(r) => r.borrow().serialize(s),
            Value::Array(a) => {
                // StoredValue::Array (variant 6) without building the intermediate vector.
                s.serialize_newtype_variant("StoredValue", 6, "Array", &ArrayEntries(a))
            }
            Value::Object(_) => Err(serde::ser::Error::custom(
                "objects cannot appear in compiled constants",
            )),
        }
    }
}

struct ArrayEntries<'a>(&'a PhpArray);

impl Serialize for ArrayEntries<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for (k, v) in self.0.iter() {
            let k = match k {
                ArrayKey::Int(i) => StoredKey::Int(i),
                ArrayKey::Str(s) => StoredKey::Str(s),
            };
            seq.serialize_element(&(k, v))?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match StoredValue::deserialize(d)? {
            StoredValue::Undef => Value::Undef,
            StoredValue::Null => Value::Null,
            StoredValue::Bool(b) => Value::Bool(b),
            StoredValue::Int(i) => Value::Int(i),
            StoredValue::Float(f) => Value::Float(f),
            StoredValue::Str(s) => Value::Str(s),
            // `[]` literals are PHP's shared empty array (next append key 0 even after a
            // negative key); arrays with elements replay their inserts from a fresh array,
            // as the compiler built them.
            StoredValue::Array(items) if items.is_empty() => {
                Value::array(PhpArray::empty_literal())
            }
            StoredValue::Array(items) => {
                let mut a = PhpArray::with_capacity(items.len());
                for (k, v) in items {
                    let k = match k {
                        StoredKey::Int(i) => ArrayKey::Int(i),
                        StoredKey::Str(s) => ArrayKey::Str(s),
                    };
                    a.insert(k, v);
                }
                Value::array(a)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(src: &str, path: &str) -> Rc<Unit> {
        match crate::vm::compile_source(src.as_bytes(), path.as_bytes()) {
            Ok(u) => u,
            Err(e) => panic!("compile failed: {e:?}"),
        }
    }

    #[test]
    fn round_trip_keeps_the_disassembly() {
        let src = "<?php
            const A = [1, 'x' => [2.5, null, true]];
            function f(int $a = 3, ...$rest) { static $n = 0; return $a + $n++ . __FILE__; }
            class C extends Exception implements Countable {
                const K = self::class . '!';
                public array $p = ['a' => 1];
                public function count(): int { return 1; }
            }
            enum E: string { case A = 'a'; }
            $g = function () use (&$x) { yield 1; };
            try { echo f(); } catch (Throwable $t) {} finally { echo __DIR__; }
            switch ($x) { case 'a': case 2: break; }
            echo match (true) { default => 1 };";
        let unit = compile(src, "/a/b.php");
        let bytes = match encode(&unit) {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        };
        let back = decode(&bytes, b"/a/b.php");
        let Ok(back) = back else { panic!("{back:?}") };
        assert_eq!(
            crate::vm::disasm::disassemble(&unit),
            crate::vm::disasm::disassemble(&back)
        );
    }

    #[test]
    fn corruption_is_detected() {
        let unit = compile("<?php echo 1 + 2;", "/x.php");
        let Ok(bytes) = encode(&unit) else {
            panic!("encode")
        };
        assert_eq!(
            decode(b"garbage", b"/x.php").err(),
            Some(DecodeError::Truncated { have: 7, need: 20 })
        );
        assert_eq!(
            decode(b"garbage garbage garbage", b"/x.php").err(),
            Some(DecodeError::BadMagic)
        );
        let truncated = &bytes[..bytes.len() - 3];
        assert!(matches!(
            decode(truncated, b"/x.php"),
            Err(DecodeError::Truncated { .. })
        ));
        let mut flipped = bytes.clone();
        let mid = HEADER_LEN + 2;
        flipped[mid] ^= 0x40;
        assert_eq!(
            decode(&flipped, b"/x.php").err(),
            Some(DecodeError::BadChecksum)
        );
        let mut old = bytes.clone();
        old[8] = old[8].wrapping_add(1);
        assert!(matches!(
            decode(&old, b"/x.php"),
            Err(DecodeError::WrongVersion { .. })
        ));
    }

    #[test]
    fn a_unit_is_retargeted_to_its_new_path_unless_path_bound() {
        let unit = compile("<?php function f() { return __FILE__; }", "/one.php");
        let Ok(bytes) = encode(&unit) else {
            panic!("encode")
        };
        let Ok(other) = decode(&bytes, b"/two.php") else {
            panic!("decode")
        };
        assert_eq!(other.file.as_bytes(), b"/two.php");
        assert_eq!(other.functions[0].file.as_bytes(), b"/two.php");
        assert_ne!(other.functions[0].id, unit.functions[0].id);
        let anon = compile("<?php $o = new class {};", "/one.php");
        let Ok(bytes) = encode(&anon) else {
            panic!("encode")
        };
        assert_eq!(
            decode(&bytes, b"/two.php").err(),
            Some(DecodeError::PathBound)
        );
        assert!(decode(&bytes, b"/one.php").is_ok());
    }
}
