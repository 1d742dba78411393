//! APC, the user cache shared by every request of the process: an immutable, thread-safe
//! copy of PHP values (`ApcValue`) in a weighted `quick_cache` with TTLs, a byte cap with
//! eviction, per-key atomic updates (`inc`, `cas`, `add`, `entry`) and the counters the
//! admin endpoint reports.
//!
//! The store knows nothing of requests: builtins (`builtins/apc.rs`) convert between
//! `Value` and `ApcValue`, and pass the current time in. One store per process
//! (`ApcStore::global`), configured once at start-up (`configure_global`).

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use parking_lot::ReentrantMutex;
use quick_cache::sync::Cache;
use quick_cache::{Lifecycle, Weighter};

/// A key as stored (PHP strings are bytes).
pub type ApcKey = Box<[u8]>;

/// A PHP value copied out of a request: it shares nothing with the request that stored it.
#[derive(Debug, Clone, PartialEq)]
pub enum ApcValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<[u8]>),
    /// An array without objects anywhere inside, copied element by element (keys are
    /// `Ok(int)` or `Err(string)`).
    Array(Arc<[(ApcArrayKey, ApcValue)]>),
    /// Anything holding objects, kept in PHP's `serialize` format so that `__serialize`,
    /// `__sleep`, `__wakeup` and object identity inside the value behave as in PHP.
    Serialized(Arc<[u8]>),
}

/// An array key of a stored array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApcArrayKey {
    Int(i64),
    Str(Arc<[u8]>),
}

impl ApcValue {
    /// The bytes this value accounts for in the cache (its weight, with the key's).
    pub fn size(&self) -> u64 {
        const SLOT: u64 = 16;
        match self {
            ApcValue::Str(s) | ApcValue::Serialized(s) => SLOT + s.len() as u64,
            ApcValue::Array(items) => {
                SLOT + items
                    .iter()
                    .map(|(k, v)| {
                        let key = match k {
                            ApcArrayKey::Int(_) => SLOT,
                            ApcArrayKey::Str(s) => SLOT + s.len() as u64,
                        };
                        key + v.size()
                    })
                    .sum::<u64>()
            }
            _ => SLOT,
        }
    }
}

/// One cached value with its bookkeeping.
#[derive(Debug)]
pub struct Entry {
    pub value: ApcValue,
    /// Unix time of the store.
    pub created: i64,
    /// Seconds to live; 0 = until evicted or deleted.
    pub ttl: i64,
    /// Successful fetches.
    pub hits: AtomicU64,
    /// Unix time of the last fetch (or the store).
    pub accessed: AtomicI64,
    /// Key plus value bytes (the weight in the cache).
    pub size: u64,
    /// Insertion sequence number: iteration order is store order.
    pub seq: u64,
}

impl Entry {
    /// Whether the entry is past its TTL at `now`.
    pub fn expired(&self, now: i64) -> bool {
        self.ttl > 0 && now >= self.created + self.ttl
    }
}

/// Settings of a store (`hhvm.server.apc.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApcConfig {
    /// The byte cap over keys and values (`hhvm.server.apc.size_limit`).
    pub size_limit: u64,
    /// The longest TTL allowed, 0 for no limit (`hhvm.server.apc.ttl_limit`); also applied
    /// to entries stored without a TTL.
    pub ttl_limit: i64,
    /// Purge expired entries as stores happen (`hhvm.server.apc.expire_on_sets`).
    pub expire_on_sets: bool,
}

impl Default for ApcConfig {
    fn default() -> Self {
        ApcConfig {
            size_limit: 256 << 20,
            ttl_limit: 0,
            expire_on_sets: false,
        }
    }
}

/// A snapshot of the counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApcStats {
    pub entries: u64,
    pub key_bytes: u64,
    pub value_bytes: u64,
    pub hits: u64,
    pub misses: u64,
    pub inserts: u64,
    pub evictions: u64,
    pub expunges: u64,
    pub size_limit: u64,
    pub start_time: i64,
}

#[derive(Clone)]
struct EntryWeight;

impl Weighter<ApcKey, Arc<Entry>> for EntryWeight {
    fn weight(&self, _key: &ApcKey, val: &Arc<Entry>) -> u64 {
        val.size.max(1)
    }
}

/// Counts evictions (the only way entries leave the cache without us asking).
#[derive(Clone, Default)]
struct CountEvictions(Arc<AtomicU64>);

impl Lifecycle<ApcKey, Arc<Entry>> for CountEvictions {
    type RequestState = ();

    fn on_evict(&self, _state: &mut (), _key: ApcKey, _val: Arc<Entry>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Number of key-stripe locks serialising the writers of one key.
const STRIPES: usize = 64;

/// The shared user cache.
pub struct ApcStore {
    cache: Cache<ApcKey, Arc<Entry>, EntryWeight, quick_cache::DefaultHashBuilder, CountEvictions>,
    /// Writers of a key hold its stripe (re-entrant: `apcu_entry`'s generator may store).
    stripes: Box<[ReentrantMutex<()>]>,
    hasher: foldhash::fast::RandomState,
    config: ApcConfig,
    evictions: Arc<AtomicU64>,
    hits: AtomicU64,
    misses: AtomicU64,
    inserts: AtomicU64,
    expunges: AtomicU64,
    seq: AtomicU64,
    start_time: i64,
}

static GLOBAL: OnceLock<ApcStore> = OnceLock::new();

/// Sets the process's store configuration; `false` when the store already exists (then
/// the first configuration stays).
pub fn configure_global(config: ApcConfig) -> bool {
    GLOBAL.set(ApcStore::new(config, unix_now())).is_ok()
}

/// Seconds since the epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl ApcStore {
    /// The process's store (created with the default configuration on first use).
    pub fn global() -> &'static ApcStore {
        GLOBAL.get_or_init(|| ApcStore::new(ApcConfig::default(), unix_now()))
    }

    /// An empty store.
    pub fn new(config: ApcConfig, start_time: i64) -> ApcStore {
        let evictions = Arc::new(AtomicU64::new(0));
        // The weight of an entry is its byte size; estimate ~1 KB per entry for sizing the
        // hash tables.
        let estimated = (config.size_limit / 1024).clamp(64, 1 << 20) as usize;
        let cache = Cache::with(
            estimated,
            config.size_limit.max(1),
            EntryWeight,
            quick_cache::DefaultHashBuilder::default(),
            CountEvictions(evictions.clone()),
        );
        ApcStore {
            cache,
            stripes: (0..STRIPES).map(|_| ReentrantMutex::new(())).collect(),
            hasher: foldhash::fast::RandomState::default(),
            config,
            evictions,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            inserts: AtomicU64::new(0),
            expunges: AtomicU64::new(0),
            seq: AtomicU64::new(0),
            start_time,
        }
    }

    /// The configuration this store runs with.
    pub fn config(&self) -> &ApcConfig {
        &self.config
    }

    fn stripe(&self, key: &[u8]) -> parking_lot::ReentrantMutexGuard<'_, ()> {
        let mut h = self.hasher.build_hasher();
        key.hash(&mut h);
        self.stripes[(h.finish() as usize) % STRIPES].lock()
    }

    /// The TTL actually applied to a store with `ttl`.
    fn effective_ttl(&self, ttl: i64) -> i64 {
        let ttl = ttl.max(0);
        let limit = self.config.ttl_limit;
        if limit > 0 && (ttl == 0 || ttl > limit) {
            limit
        } else {
            ttl
        }
    }

    /// The live entry for `key` at `now`, without counting a hit or miss. An expired
    /// entry is removed.
    fn live(&self, key: &[u8], now: i64) -> Option<Arc<Entry>> {
        let e = self.cache.peek(key)?;
        if e.expired(now) {
            if self.cache.remove_if(key, |v| Arc::ptr_eq(v, &e)).is_some() {
                self.expunges.fetch_add(1, Ordering::Relaxed);
            }
            return None;
        }
        Some(e)
    }

    /// Fetches `key`, counting a hit or a miss.
    pub fn fetch(&self, key: &[u8], now: i64) -> Option<Arc<Entry>> {
        let found = self.cache.get(key).and_then(|e| {
            if e.expired(now) {
                drop(self.live(key, now));
                None
            } else {
                Some(e)
            }
        });
        match &found {
            Some(e) => {
                e.hits.fetch_add(1, Ordering::Relaxed);
                e.accessed.store(now, Ordering::Relaxed);
                self.hits.fetch_add(1, Ordering::Relaxed);
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
            }
        }
        found
    }

    /// The entry for `key` without touching the counters (`apcu_exists`, `apcu_key_info`).
    pub fn peek(&self, key: &[u8], now: i64) -> Option<Arc<Entry>> {
        self.live(key, now)
    }

    fn make_entry(&self, key: &[u8], value: ApcValue, ttl: i64, now: i64) -> Arc<Entry> {
        let size = key.len() as u64 + value.size();
        Arc::new(Entry {
            value,
            created: now,
            ttl: self.effective_ttl(ttl),
            hits: AtomicU64::new(0),
            accessed: AtomicI64::new(now),
            size,
            seq: self.seq.fetch_add(1, Ordering::Relaxed),
        })
    }

    fn put(&self, key: &[u8], entry: Arc<Entry>, now: i64) -> bool {
        if entry.size > self.cache.shard_capacity() {
            // Larger than a shard can ever hold: refused, as APCu refuses what does not fit.
            return false;
        }
        if self.config.expire_on_sets {
            self.purge_expired(now);
        }
        self.cache.insert(key.into(), entry);
        self.inserts.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Stores `value` under `key` (replacing any entry). `false` when it cannot fit.
    pub fn store(&self, key: &[u8], value: ApcValue, ttl: i64, now: i64) -> bool {
        let _g = self.stripe(key);
        let e = self.make_entry(key, value, ttl, now);
        self.put(key, e, now)
    }

    /// Stores `value` only when no live entry exists; `false` when one does.
    pub fn add(&self, key: &[u8], value: ApcValue, ttl: i64, now: i64) -> bool {
        let _g = self.stripe(key);
        if self.live(key, now).is_some() {
            return false;
        }
        let e = self.make_entry(key, value, ttl, now);
        self.put(key, e, now)
    }

    /// Removes `key`; whether a live entry was there.
    pub fn delete(&self, key: &[u8], now: i64) -> bool {
        let _g = self.stripe(key);
        match self.cache.remove(key) {
            Some((_, e)) => !e.expired(now),
            None => false,
        }
    }

    /// Atomically replaces the integer stored under `key` by `f(current)`, where
    /// `current` is `None` when the key is absent. `f` returns the new integer, or `None`
    /// to leave the entry alone (the result is then `None`). A new entry gets `ttl`; an
    /// updated one keeps its TTL and creation time.
    pub fn update_int(
        &self,
        key: &[u8],
        ttl: i64,
        now: i64,
        f: impl FnOnce(Option<&ApcValue>) -> Option<i64>,
    ) -> Option<i64> {
        let _g = self.stripe(key);
        let old = self.live(key, now);
        let new = f(old.as_ref().map(|e| &e.value))?;
        let entry = match &old {
            Some(e) => Arc::new(Entry {
                value: ApcValue::Int(new),
                created: e.created,
                ttl: e.ttl,
                hits: AtomicU64::new(e.hits.load(Ordering::Relaxed)),
                accessed: AtomicI64::new(e.accessed.load(Ordering::Relaxed)),
                size: key.len() as u64 + ApcValue::Int(new).size(),
                seq: e.seq,
            }),
            None => self.make_entry(key, ApcValue::Int(new), ttl, now),
        };
        if self.put(key, entry, now) {
            Some(new)
        } else {
            None
        }
    }

    /// Runs `f` while holding `key`'s writer lock (`apcu_entry`: compute-if-absent with
    /// one winner). The lock is re-entrant, so `f` may use the store for the same key.
    pub fn with_key_locked<T>(&self, key: &[u8], f: impl FnOnce() -> T) -> T {
        let _g = self.stripe(key);
        f()
    }

    /// Removes every entry.
    pub fn clear(&self) {
        self.cache.clear();
    }

    /// Removes every expired entry; how many went.
    pub fn purge_expired(&self, now: i64) -> usize {
        let before = self.cache.len();
        self.cache.retain(|_, e| !e.expired(now));
        let gone = before.saturating_sub(self.cache.len());
        self.expunges.fetch_add(gone as u64, Ordering::Relaxed);
        gone
    }

    /// Every live entry, in store order.
    pub fn entries(&self, now: i64) -> Vec<(ApcKey, Arc<Entry>)> {
        let mut v: Vec<(ApcKey, Arc<Entry>)> =
            self.cache.iter().filter(|(_, e)| !e.expired(now)).collect();
        v.sort_by_key(|(_, e)| e.seq);
        v
    }

    /// The counters now.
    pub fn stats(&self) -> ApcStats {
        let mut key_bytes = 0;
        let mut value_bytes = 0;
        let mut entries = 0;
        for (k, e) in self.cache.iter() {
            entries += 1;
            key_bytes += k.len() as u64;
            value_bytes += e.size - k.len() as u64;
        }
        ApcStats {
            entries,
            key_bytes,
            value_bytes,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            inserts: self.inserts.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
            expunges: self.expunges.load(Ordering::Relaxed),
            size_limit: self.config.size_limit,
            start_time: self.start_time,
        }
    }

    /// Entries held now (live or not yet purged); cheap, unlike `stats`.
    pub fn len(&self) -> usize {
        self.cache.len()
    }

    /// Whether the store holds nothing.
    pub fn is_empty(&self) -> bool {
        self.cache.is_empty()
    }

    /// Bytes in use (keys and values).
    pub fn used_bytes(&self) -> u64 {
        self.cache.weight()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(limit: u64) -> ApcStore {
        ApcStore::new(
            ApcConfig {
                size_limit: limit,
                ..ApcConfig::default()
            },
            0,
        )
    }

    #[test]
    fn ttl_expires_on_read() {
        let s = store(1 << 20);
        assert!(s.store(b"k", ApcValue::Int(1), 10, 100));
        assert!(s.fetch(b"k", 109).is_some());
        assert!(s.fetch(b"k", 110).is_none());
        assert_eq!(s.stats().expunges, 1);
        assert_eq!(s.stats().misses, 1);
    }

    #[test]
    fn ttl_limit_caps_every_store() {
        let s = ApcStore::new(
            ApcConfig {
                ttl_limit: 5,
                ..ApcConfig::default()
            },
            0,
        );
        s.store(b"forever", ApcValue::Null, 0, 0);
        s.store(b"long", ApcValue::Null, 100, 0);
        s.store(b"short", ApcValue::Null, 2, 0);
        assert_eq!(s.peek(b"forever", 0).map(|e| e.ttl), Some(5));
        assert_eq!(s.peek(b"long", 0).map(|e| e.ttl), Some(5));
        assert_eq!(s.peek(b"short", 0).map(|e| e.ttl), Some(2));
    }

    #[test]
    fn add_has_one_winner_under_contention() {
        let s = Arc::new(store(1 << 20));
        let wins: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let s = s.clone();
                    scope.spawn(move || s.add(b"race", ApcValue::Int(i), 0, 0) as usize)
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
        });
        assert_eq!(wins, 1);
    }

    #[test]
    fn concurrent_increments_are_exact() {
        let s = Arc::new(store(1 << 20));
        std::thread::scope(|scope| {
            for _ in 0..4 {
                let s = s.clone();
                scope.spawn(move || {
                    for _ in 0..1000 {
                        s.update_int(b"n", 0, 0, |old| match old {
                            None => Some(1),
                            Some(ApcValue::Int(i)) => Some(i + 1),
                            Some(_) => None,
                        });
                    }
                });
            }
        });
        assert_eq!(
            s.fetch(b"n", 0).map(|e| e.value.clone()),
            Some(ApcValue::Int(4000))
        );
    }

    #[test]
    fn the_byte_cap_evicts() {
        let s = store(64 << 10);
        let big: Arc<[u8]> = vec![b'x'; 1000].into();
        for i in 0..1000 {
            s.store(format!("k{i}").as_bytes(), ApcValue::Str(big.clone()), 0, 0);
        }
        let st = s.stats();
        assert!(s.used_bytes() <= 64 << 10, "{}", s.used_bytes());
        assert!(st.evictions > 0);
        assert_eq!(st.entries + st.evictions, 1000);
    }

    #[test]
    fn entries_come_in_store_order() {
        let s = store(1 << 20);
        for k in ["b", "a", "c"] {
            s.store(k.as_bytes(), ApcValue::Null, 0, 0);
        }
        let keys: Vec<ApcKey> = s.entries(0).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            vec![b"b"[..].into(), b"a"[..].into(), b"c"[..].into()]
        );
    }
}
