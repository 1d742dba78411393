//! `apcu_*` (and HHVM's `apc_*` spellings of the same functions): the PHP face of the
//! shared user cache in `vm::apc`. Values cross the request boundary as `ApcValue`
//! copies; anything holding objects goes through `serialize`/`unserialize`, as APCu does.
//!
//! As in APCu, the cache is off in the CLI unless `apc.enable_cli=1` (every function then
//! answers `false`); servers run with it on.

use std::rc::Rc;
use std::sync::Arc;

use super::super::apc::{unix_now, ApcArrayKey, ApcStore, ApcValue, Entry};
use super::super::array::{ArrayKey, PhpArray};
use super::super::error::{ErrorLevel, PhpResult};
use super::super::host::Host;
use super::super::value::{PhpStr, Value};
use super::{args, BuiltinDef, ConstVal};

/// Declares each function under its `apcu_` name and its `apc_` name.
macro_rules! apc_functions {
    ($( $name:literal, $sig:literal, $func:ident; )*) => {
        pub const FUNCTIONS: &[BuiltinDef] = &[
            $(
                BuiltinDef { name: concat!("apcu_", $name), sig: $sig, func: $func },
                BuiltinDef { name: concat!("apc_", $name), sig: $sig, func: $func },
            )*
        ];
    };
}

apc_functions! {
    "store", "array|string $key, mixed $var = null, int $ttl = 0", apc_store;
    "add", "array|string $key, mixed $var = null, int $ttl = 0", apc_add;
    "fetch", "mixed $key, &$success = null", apc_fetch;
    "delete", "mixed $key", apc_delete;
    "exists", "array|string $key", apc_exists;
    "inc", "string $key, int $step = 1, &$success = null, int $ttl = 0", apc_inc;
    "dec", "string $key, int $step = 1, &$success = null, int $ttl = 0", apc_dec;
    "cas", "string $key, int $old, int $new", apc_cas;
    "entry", "string $key, callable $callback, int $ttl = 0", apc_entry;
    "clear_cache", "", apc_clear_cache;
    "cache_info", "bool $limited = false", apc_cache_info;
    "sma_info", "bool $limited = false", apc_sma_info;
    "enabled", "", apc_enabled;
    "key_info", "string $key", apc_key_info;
}

/// The constants of this family (`APC_ITER_*`, `APC_LIST_*`).
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("APC_LIST_ACTIVE", ConstVal::Int(1)),
    ("APC_LIST_DELETED", ConstVal::Int(2)),
    ("APC_ITER_TYPE", ConstVal::Int(1)),
    ("APC_ITER_KEY", ConstVal::Int(2)),
    ("APC_ITER_FILENAME", ConstVal::Int(4)),
    ("APC_ITER_DEVICE", ConstVal::Int(8)),
    ("APC_ITER_INODE", ConstVal::Int(16)),
    ("APC_ITER_VALUE", ConstVal::Int(32)),
    ("APC_ITER_MD5", ConstVal::Int(64)),
    ("APC_ITER_NUM_HITS", ConstVal::Int(128)),
    ("APC_ITER_MTIME", ConstVal::Int(256)),
    ("APC_ITER_CTIME", ConstVal::Int(512)),
    ("APC_ITER_DTIME", ConstVal::Int(1024)),
    ("APC_ITER_ATIME", ConstVal::Int(2048)),
    ("APC_ITER_REFCOUNT", ConstVal::Int(4096)),
    ("APC_ITER_MEM_SIZE", ConstVal::Int(8192)),
    ("APC_ITER_TTL", ConstVal::Int(16384)),
    ("APC_ITER_NONE", ConstVal::Int(0)),
    ("APC_ITER_ALL", ConstVal::Int(32767)),
];

/// Whether the cache answers in this request: `apc.enabled`, and in the CLI also
/// `apc.enable_cli`.
pub fn enabled(host: &mut dyn Host) -> bool {
    let on = |host: &dyn Host, k: &[u8], default: bool| match host.ini_get(k) {
        Some(v) => Value::Str(v).to_bool(),
        None => default,
    };
    if !on(host, b"apc.enabled", true) {
        return false;
    }
    let cli = host.engine().is_none_or(|vm| vm.is_cli());
    !cli || on(host, b"apc.enable_cli", false)
}

fn store() -> &'static ApcStore {
    ApcStore::global()
}

// ---------------------------------------------------------------------------------------
// Conversions between request values and stored values

/// Copies `v` out of the request. Values holding objects are serialised whole (so object
/// identity inside them survives); serialisation errors (closures...) propagate.
pub fn to_stored(host: &mut dyn Host, v: &Value) -> PhpResult<ApcValue> {
    if holds_object(v) {
        let bytes = super::var::serialize_value(host, v)?;
        return Ok(ApcValue::Serialized(bytes.into()));
    }
    Ok(copy_plain(v))
}

fn holds_object(v: &Value) -> bool {
    match v {
        Value::Object(_) => true,
        Value::Ref(r) => holds_object(&r.borrow()),
        Value::Array(a) => a.values().any(holds_object),
        _ => false,
    }
}

fn copy_plain(v: &Value) -> ApcValue {
    match v {
        Value::Undef | Value::Null | Value::Object(_) => ApcValue::Null,
        Value::Bool(b) => ApcValue::Bool(*b),
        Value::Int(i) => ApcValue::Int(*i),
        Value::Float(f) => ApcValue::Float(*f),
        Value::Str(s) => ApcValue::Str(s.as_bytes().into()),
        Value::Ref(r) => copy_plain(&r.borrow()),
        Value::Array(a) => ApcValue::Array(
            a.iter()
                .map(|(k, v)| {
                    let k = match k {
                        ArrayKey::Int(i) => ApcArrayKey::Int(i),
                        ArrayKey::Str(s) => ApcArrayKey::Str(s.as_bytes().into()),
                    };
                    (k, copy_plain(v))
                })
                .collect(),
        ),
    }
}

/// A request value from a stored one: objects are unserialised afresh each time;
/// everything else is built once per thread and then shared copy-on-write (PHP arrays
/// and strings have value semantics, so a fetched array that the script changes is
/// separated from the shared copy first).
pub fn from_stored(host: &mut dyn Host, entry: &Arc<Entry>) -> PhpResult<Value> {
    match &entry.value {
        ApcValue::Serialized(bytes) => super::var::unserialize_bytes(host, bytes),
        ApcValue::Array(_) | ApcValue::Str(_) => Ok(materialized(entry)),
        plain => Ok(build_plain(plain)),
    }
}

/// Per-thread cache of built values, keyed by entry identity (the map holds the `Arc`,
/// so an address cannot be reused while it is a key). Bounded by entries and bytes.
struct Materialized {
    map: std::collections::HashMap<usize, (Arc<Entry>, Value)>,
    bytes: u64,
}

const MATERIALIZED_MAX_ENTRIES: usize = 4096;
const MATERIALIZED_MAX_BYTES: u64 = 32 << 20;

thread_local! {
    static MATERIALIZED: std::cell::RefCell<Materialized> = std::cell::RefCell::new(Materialized {
        map: std::collections::HashMap::new(),
        bytes: 0,
    });
}

fn materialized(entry: &Arc<Entry>) -> Value {
    let id = Arc::as_ptr(entry) as usize;
    MATERIALIZED.with(|m| {
        let mut m = m.borrow_mut();
        if let Some((_, v)) = m.map.get(&id) {
            return v.clone();
        }
        let v = build_plain(&entry.value);
        if m.map.len() >= MATERIALIZED_MAX_ENTRIES || m.bytes + entry.size > MATERIALIZED_MAX_BYTES
        {
            m.map.clear();
            m.bytes = 0;
        }
        m.bytes += entry.size;
        m.map.insert(id, (entry.clone(), v.clone()));
        v
    })
}

fn build_plain(v: &ApcValue) -> Value {
    match v {
        ApcValue::Null | ApcValue::Serialized(_) => Value::Null,
        ApcValue::Bool(b) => Value::Bool(*b),
        ApcValue::Int(i) => Value::Int(*i),
        ApcValue::Float(f) => Value::Float(*f),
        ApcValue::Str(s) => Value::str(&s[..]),
        ApcValue::Array(items) => {
            let is_list = items
                .iter()
                .enumerate()
                .all(|(i, (k, _))| *k == ApcArrayKey::Int(i as i64));
            if is_list {
                return Value::array(PhpArray::from_values(
                    items.iter().map(|(_, v)| build_plain(v)).collect(),
                ));
            }
            let mut a = PhpArray::with_capacity(items.len());
            for (k, v) in items.iter() {
                let k = match k {
                    ApcArrayKey::Int(i) => ArrayKey::Int(*i),
                    ApcArrayKey::Str(s) => ArrayKey::Str(PhpStr::from(&s[..])),
                };
                a.insert(k, build_plain(v));
            }
            Value::array(a)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Functions

fn set_success(args: &[Value], i: usize, ok: bool) {
    if let Some(r) = args::ref_at(args, i) {
        *r.borrow_mut() = Value::Bool(ok);
    }
}

/// A scalar key as APCu accepts it (`apcu_fetch(5)` looks up `"5"`).
fn scalar_key(v: &Value) -> Option<PhpStr> {
    match v.deref_clone() {
        Value::Str(s) => Some(s),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => Some(v.deref_clone().scalar_to_str()),
        _ => None,
    }
}

fn store_or_add(host: &mut dyn Host, args: &[Value], exclusive: bool) -> PhpResult<Value> {
    if !enabled(host) {
        return Ok(Value::Bool(false));
    }
    let ttl = args::int_or(args, 2, 0);
    let now = unix_now();
    let put = |key: &[u8], v: ApcValue| {
        if exclusive {
            store().add(key, v, ttl, now)
        } else {
            store().store(key, v, ttl, now)
        }
    };
    match args.first() {
        Some(Value::Array(values)) => {
            let mut failed = PhpArray::new();
            for (k, v) in values.iter() {
                let key = match &k {
                    ArrayKey::Int(i) => PhpStr::from(i.to_string()),
                    ArrayKey::Str(s) => s.clone(),
                };
                let stored = to_stored(host, v)?;
                if !put(key.as_bytes(), stored) {
                    failed.insert(k, Value::Int(-1));
                }
            }
            Ok(Value::array(failed))
        }
        _ => {
            let key = args::str_at(args, 0);
            let v = args::opt(args, 1).cloned().unwrap_or(Value::Null);
            let stored = to_stored(host, &v)?;
            Ok(Value::Bool(put(key.as_bytes(), stored)))
        }
    }
}

fn apc_store(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    store_or_add(host, args, false)
}

fn apc_add(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    store_or_add(host, args, true)
}

fn apc_fetch(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    set_success(args, 1, false);
    if !enabled(host) {
        return Ok(Value::Bool(false));
    }
    let now = unix_now();
    match args[0].deref_clone() {
        Value::Array(keys) => {
            let mut out = PhpArray::new();
            for k in keys.values() {
                let Value::Str(key) = k.deref_clone() else {
                    host.raise(
                        ErrorLevel::Warning,
                        "apcu_fetch(): apc_fetch() expects a string or array of strings.",
                    )?;
                    continue;
                };
                if let Some(e) = store().fetch(key.as_bytes(), now) {
                    let v = from_stored(host, &e)?;
                    // APCu keeps the key as given: "7" stays a string key.
                    out.insert(ArrayKey::Str(key), v);
                }
            }
            set_success(args, 1, true);
            Ok(Value::array(out))
        }
        other => {
            let Some(key) = scalar_key(&other) else {
                host.raise(
                    ErrorLevel::Warning,
                    "apcu_fetch(): apc_fetch() expects a string or array of strings.",
                )?;
                return Ok(Value::Bool(false));
            };
            match store().fetch(key.as_bytes(), now) {
                Some(e) => {
                    let v = from_stored(host, &e)?;
                    set_success(args, 1, true);
                    Ok(v)
                }
                None => Ok(Value::Bool(false)),
            }
        }
    }
}

const DELETE_EXPECTS: &str =
    "apcu_delete(): apc_delete() expects a string, array of strings, or APCIterator instance";

fn apc_delete(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    if !enabled(host) {
        return Ok(Value::Bool(false));
    }
    let now = unix_now();
    match args[0].deref_clone() {
        Value::Str(key) => Ok(Value::Bool(store().delete(key.as_bytes(), now))),
        Value::Array(keys) => {
            let mut failed = PhpArray::new();
            for k in keys.values() {
                match k.deref_clone() {
                    Value::Str(key) => {
                        if !store().delete(key.as_bytes(), now) {
                            failed.push(Value::Str(key));
                        }
                    }
                    other => {
                        host.raise(ErrorLevel::Warning, DELETE_EXPECTS)?;
                        failed.push(other);
                    }
                }
            }
            Ok(Value::array(failed))
        }
        Value::Object(obj) if obj.class().lc_name.as_bytes() == b"apcuiterator" => {
            for key in super::super::interp::apc_iterator::selected_keys(&obj) {
                store().delete(&key, now);
            }
            Ok(Value::Bool(true))
        }
        _ => {
            host.raise(ErrorLevel::Warning, DELETE_EXPECTS)?;
            Ok(Value::Bool(false))
        }
    }
}

/// The native state of an `APCUIterator` (`interp/apc_iterator.rs`): the selected keys,
/// fixed when it is constructed or rewound, the `APC_ITER_*` format and the position.
#[derive(Debug, Clone, Default)]
pub struct IteratorState {
    pub keys: Vec<Vec<u8>>,
    pub format: i64,
    pub pos: usize,
}

fn apc_exists(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    if !enabled(host) {
        return Ok(Value::Bool(false));
    }
    let now = unix_now();
    match &args[0] {
        Value::Array(keys) => {
            let mut out = PhpArray::new();
            for k in keys.values() {
                if let Value::Str(key) = k.deref_clone() {
                    if store().peek(key.as_bytes(), now).is_some() {
                        out.insert(ArrayKey::Str(key), Value::Bool(true));
                    }
                }
            }
            Ok(Value::array(out))
        }
        _ => {
            let key = args::str_at(args, 0);
            Ok(Value::Bool(store().peek(key.as_bytes(), now).is_some()))
        }
    }
}

fn inc_by(host: &mut dyn Host, args: &[Value], sign: i64) -> PhpResult<Value> {
    set_success(args, 2, false);
    if !enabled(host) {
        return Ok(Value::Bool(false));
    }
    let key = args::str_at(args, 0);
    let step = args::int_or(args, 1, 1).wrapping_mul(sign);
    let ttl = args::int_or(args, 3, 0);
    let result = store().update_int(key.as_bytes(), ttl, unix_now(), |old| match old {
        None => Some(step),
        Some(ApcValue::Int(i)) => Some(i.wrapping_add(step)),
        Some(_) => None,
    });
    Ok(match result {
        Some(n) => {
            set_success(args, 2, true);
            Value::Int(n)
        }
        None => Value::Bool(false),
    })
}

fn apc_inc(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    inc_by(host, args, 1)
}

fn apc_dec(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    inc_by(host, args, -1)
}

fn apc_cas(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    if !enabled(host) {
        return Ok(Value::Bool(false));
    }
    let key = args::str_at(args, 0);
    let old = args::int_or(args, 1, 0);
    let new = args::int_or(args, 2, 0);
    let swapped = store().update_int(key.as_bytes(), 0, unix_now(), |cur| match cur {
        Some(ApcValue::Int(i)) if *i == old => Some(new),
        _ => None,
    });
    Ok(Value::Bool(swapped.is_some()))
}

fn apc_entry(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    if !enabled(host) {
        return Ok(Value::Bool(false));
    }
    let key = args::str_at(args, 0);
    let callback = args[1].clone();
    let ttl = args::int_or(args, 2, 0);
    // Compute-if-absent under the key's writer lock: one caller runs the generator, the
    // others wait and then find its value.
    store().with_key_locked(key.as_bytes(), || {
        let now = unix_now();
        if let Some(e) = store().fetch(key.as_bytes(), now) {
            return from_stored(host, &e);
        }
        let v = host.call(&callback, &[Value::Str(key.clone())])?;
        let stored = to_stored(host, &v)?;
        store().store(key.as_bytes(), stored, ttl, now);
        Ok(v)
    })
}

fn apc_clear_cache(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    if !enabled(host) {
        return Ok(Value::Bool(false));
    }
    store().clear();
    Ok(Value::Bool(true))
}

fn put(a: &mut PhpArray, k: &str, v: Value) {
    a.insert(ArrayKey::Str(PhpStr::from(k)), v);
}

/// The per-entry fields APCu reports (`cache_list`, `APCUIterator`).
fn entry_fields(a: &mut PhpArray, e: &Entry) {
    use std::sync::atomic::Ordering;
    put(
        a,
        "num_hits",
        Value::Int(e.hits.load(Ordering::Relaxed) as i64),
    );
    put(a, "mtime", Value::Int(e.created));
    put(a, "creation_time", Value::Int(e.created));
    put(a, "deletion_time", Value::Int(0));
    put(
        a,
        "access_time",
        Value::Int(e.accessed.load(Ordering::Relaxed)),
    );
    put(a, "ref_count", Value::Int(0));
    put(a, "mem_size", Value::Int(e.size as i64));
}

fn apc_cache_info(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    if !enabled(host) {
        host.raise(
            ErrorLevel::Warning,
            "apcu_cache_info(): No APC info available.  Perhaps APC is not enabled? Check apc.enabled in your ini file",
        )?;
        return Ok(Value::Bool(false));
    }
    let limited = args::bool_or(args, 0, false);
    let st = store().stats();
    let mut info = PhpArray::new();
    put(&mut info, "num_slots", Value::Int(4099));
    put(&mut info, "ttl", Value::Int(store().config().ttl_limit));
    // APCu reports these counters as floats.
    put(&mut info, "num_hits", Value::Float(st.hits as f64));
    put(&mut info, "num_misses", Value::Float(st.misses as f64));
    put(&mut info, "num_inserts", Value::Float(st.inserts as f64));
    put(&mut info, "num_entries", Value::Int(st.entries as i64));
    put(&mut info, "expunges", Value::Float(st.expunges as f64));
    put(&mut info, "start_time", Value::Int(st.start_time));
    put(
        &mut info,
        "mem_size",
        Value::Float((st.key_bytes + st.value_bytes) as f64),
    );
    put(&mut info, "memory_type", Value::str("heap"));
    if !limited {
        let mut list = PhpArray::new();
        for (k, e) in store().entries(unix_now()) {
            let mut item = PhpArray::new();
            put(&mut item, "info", Value::str(&k[..]));
            put(&mut item, "ttl", Value::Int(e.ttl));
            entry_fields(&mut item, &e);
            list.push(Value::array(item));
        }
        put(&mut info, "cache_list", Value::array(list));
        put(&mut info, "deleted_list", Value::empty_array());
        put(&mut info, "slot_distribution", Value::empty_array());
    }
    Ok(Value::array(info))
}

fn apc_sma_info(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    if !enabled(host) {
        host.raise(
            ErrorLevel::Warning,
            "apcu_sma_info(): No APC SMA info available.  Perhaps APC is disabled via apc.enabled?",
        )?;
        return Ok(Value::Bool(false));
    }
    let limited = args::bool_or(args, 0, false);
    let limit = store().config().size_limit;
    let used = store().used_bytes();
    let mut info = PhpArray::new();
    put(&mut info, "num_seg", Value::Int(1));
    put(&mut info, "seg_size", Value::Int(limit as i64));
    put(
        &mut info,
        "avail_mem",
        Value::Int(limit.saturating_sub(used) as i64),
    );
    if !limited {
        put(&mut info, "block_lists", Value::empty_array());
    }
    Ok(Value::array(info))
}

fn apc_enabled(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(enabled(host)))
}

fn apc_key_info(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    if !enabled(host) {
        return Ok(Value::Null);
    }
    use std::sync::atomic::Ordering;
    let key = args::str_at(args, 0);
    let Some(e) = store().peek(key.as_bytes(), unix_now()) else {
        return Ok(Value::Null);
    };
    let mut info = PhpArray::new();
    put(
        &mut info,
        "hits",
        Value::Int(e.hits.load(Ordering::Relaxed) as i64),
    );
    put(
        &mut info,
        "access_time",
        Value::Int(e.accessed.load(Ordering::Relaxed)),
    );
    put(&mut info, "mtime", Value::Int(e.created));
    put(&mut info, "creation_time", Value::Int(e.created));
    put(&mut info, "deletion_time", Value::Int(0));
    put(&mut info, "ttl", Value::Int(e.ttl));
    put(&mut info, "refs", Value::Int(0));
    Ok(Value::array(info))
}

/// One `APCUIterator` item in the given `APC_ITER_*` format.
pub fn iterator_item(
    host: &mut dyn Host,
    key: &[u8],
    format: i64,
) -> PhpResult<Option<(Value, Value)>> {
    let Some(e): Option<Arc<Entry>> = store().peek(key, unix_now()) else {
        return Ok(None);
    };
    let mut item = PhpArray::new();
    if format & 1 != 0 {
        put(&mut item, "type", Value::str("user"));
    }
    if format & 2 != 0 {
        put(&mut item, "key", Value::str(key));
    }
    if format & 32 != 0 {
        let v = from_stored(host, &e)?;
        put(&mut item, "value", v);
    }
    let mut fields = PhpArray::new();
    entry_fields(&mut fields, &e);
    for (bit, name) in [
        (128, "num_hits"),
        (256, "mtime"),
        (512, "creation_time"),
        (1024, "deletion_time"),
        (2048, "access_time"),
        (4096, "ref_count"),
        (8192, "mem_size"),
    ] {
        if format & bit != 0 {
            if let Some(v) = fields.get_str(name.as_bytes()) {
                put(&mut item, name, v.clone());
            }
        }
    }
    if format & 16384 != 0 {
        put(&mut item, "ttl", Value::Int(e.ttl));
    }
    Ok(Some((Value::str(key), Value::Array(Rc::new(item)))))
}

/// The live keys of the cache, in store order.
pub fn all_keys() -> Vec<Vec<u8>> {
    store()
        .entries(unix_now())
        .into_iter()
        .map(|(k, _)| k.into_vec())
        .collect()
}
