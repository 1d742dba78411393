//! PHP's ordered array: int/string keys, insertion order, copy-on-write through `Rc`.
//!
//! Two representations: `Packed` (keys are exactly `0..len` in order: a plain `Vec`, the
//! fast path for lists) and `Hash` (an entry vector in insertion order with tombstones, indexed
//! by a `hashbrown::HashTable` of positions, hashed with a per-process seeded foldhash to
//! resist HashDoS). A packed array turns into a hash the first time an operation would
//! break the `0..len` shape. Positions (indices into the entry vector) are stable while
//! entries are only appended or removed, which is what `foreach` by reference and the
//! internal pointer rely on; compaction happens only on insertion when tombstones dominate.

use std::hash::{BuildHasher, Hasher};
use std::rc::Rc;
use std::sync::OnceLock;

use hashbrown::HashTable;

use super::value::{PhpStr, Value};

/// An array key after PHP's normalisation: numeric strings like `"12"` are ints.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ArrayKey {
    Int(i64),
    Str(PhpStr),
}

impl ArrayKey {
    /// The key for a string, applying PHP's rule: a canonical decimal integer string
    /// (`"0"`, `"-5"`, `"123"`, no leading zeros, no `+`, no spaces, within i64) is an int key.
    pub fn from_bytes(s: &[u8]) -> ArrayKey {
        match canonical_int(s) {
            Some(i) => ArrayKey::Int(i),
            None => ArrayKey::Str(PhpStr::from(s)),
        }
    }

    /// Like `from_bytes` but reuses the string buffer when the key stays a string.
    #[allow(clippy::should_implement_trait)] // Not `FromStr`: infallible and takes a PhpStr.
    pub fn from_str(s: PhpStr) -> ArrayKey {
        match canonical_int(&s) {
            Some(i) => ArrayKey::Int(i),
            None => ArrayKey::Str(s),
        }
    }

    /// The key as a PHP value (int or string).
    pub fn to_value(&self) -> Value {
        match self {
            ArrayKey::Int(i) => Value::Int(*i),
            ArrayKey::Str(s) => Value::Str(s.clone()),
        }
    }
}

/// Parses a canonical decimal integer string, as PHP's `ZEND_HANDLE_NUMERIC_STR` does.
fn canonical_int(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits[0] == b'0' && (digits.len() > 1 || neg) {
        return None;
    }
    let mut v: i64 = 0;
    for &d in digits {
        let d = i64::from(d - b'0');
        v = if neg {
            v.checked_mul(10)?.checked_sub(d)?
        } else {
            v.checked_mul(10)?.checked_add(d)?
        };
    }
    Some(v)
}

fn hasher_state() -> &'static foldhash::quality::RandomState {
    static STATE: OnceLock<foldhash::quality::RandomState> = OnceLock::new();
    STATE.get_or_init(foldhash::quality::RandomState::default)
}

fn hash_int(i: i64) -> u64 {
    let mut h = hasher_state().build_hasher();
    h.write_i64(i);
    h.finish()
}

fn hash_bytes(s: &[u8]) -> u64 {
    let mut h = hasher_state().build_hasher();
    h.write(s);
    h.write_u8(0xff);
    h.finish()
}

fn hash_key(k: &ArrayKey) -> u64 {
    match k {
        ArrayKey::Int(i) => hash_int(*i),
        ArrayKey::Str(s) => hash_bytes(s),
    }
}

#[derive(Clone)]
struct Bucket {
    key: ArrayKey,
    value: Value,
}

/// A bucket's hash, recomputed when the index grows or loses the bucket (not stored: 32
/// bytes a bucket instead of 40, which objects' property tables feel most).
fn bucket_hash(b: &Option<Bucket>) -> u64 {
    match b {
        Some(b) => hash_key(&b.key),
        None => 0,
    }
}

#[derive(Clone)]
struct HashRepr {
    /// Entries in insertion order; `None` is a tombstone left by a removal.
    entries: Vec<Option<Bucket>>,
    /// Positions into `entries`, hashed by key. Shared between copies until one of them
    /// adds or removes a key (`Rc::make_mut`): objects cloned from their class's property
    /// template, and arrays separated for a write that only changes values, keep one
    /// index (an object with ten properties saves a 160-byte table).
    index: Rc<HashTable<usize>>,
    /// Number of live entries.
    live: usize,
}

impl HashRepr {
    fn with_capacity(n: usize) -> Self {
        HashRepr {
            entries: Vec::with_capacity(n),
            index: Rc::new(HashTable::with_capacity(n)),
            live: 0,
        }
    }

    fn find_int(&self, i: i64) -> Option<usize> {
        self.find_int_hashed(i, hash_int(i))
    }

    fn find_int_hashed(&self, i: i64, hash: u64) -> Option<usize> {
        let entries = &self.entries;
        self.index
            .find(
                hash,
                |&p| matches!(&entries[p], Some(Bucket { key: ArrayKey::Int(k), .. }) if *k == i),
            )
            .copied()
    }

    fn find_str(&self, s: &[u8]) -> Option<usize> {
        self.find_str_hashed(s, hash_bytes(s))
    }

    fn find_str_hashed(&self, s: &[u8], hash: u64) -> Option<usize> {
        let entries = &self.entries;
        self.index
            .find(hash, |&p| {
                matches!(&entries[p], Some(Bucket { key: ArrayKey::Str(k), .. }) if k.as_bytes() == s)
            })
            .copied()
    }

    fn find(&self, key: &ArrayKey) -> Option<usize> {
        match key {
            ArrayKey::Int(i) => self.find_int(*i),
            ArrayKey::Str(s) => self.find_str(s),
        }
    }

    /// The position of `key`, appending it with `value` when absent: the key is hashed
    /// once for the lookup and the insertion.
    fn find_or_append(&mut self, key: ArrayKey, value: Value) -> usize {
        let hash = hash_key(&key);
        let found = match &key {
            ArrayKey::Int(i) => self.find_int_hashed(*i, hash),
            ArrayKey::Str(s) => self.find_str_hashed(s, hash),
        };
        match found {
            Some(p) => p,
            None => self.append_new_hashed(key, value, hash),
        }
    }

    /// Appends a key known to be absent; returns its position.
    fn append_new(&mut self, key: ArrayKey, value: Value) -> usize {
        let hash = hash_key(&key);
        self.append_new_hashed(key, value, hash)
    }

    /// `append_new` with the key's hash already computed.
    fn append_new_hashed(&mut self, key: ArrayKey, value: Value, hash: u64) -> usize {
        if self.entries.len() >= 16 && self.live * 2 < self.entries.len() {
            self.compact();
        }
        let pos = self.entries.len();
        self.entries.push(Some(Bucket { key, value }));
        let entries = &self.entries;
        Rc::make_mut(&mut self.index).insert_unique(hash, pos, |&p| bucket_hash(&entries[p]));
        self.live += 1;
        pos
    }

    fn remove_at(&mut self, pos: usize) -> Option<Value> {
        let bucket = self.entries.get_mut(pos)?.take()?;
        let hash = hash_key(&bucket.key);
        if let Ok(entry) = Rc::make_mut(&mut self.index).find_entry(hash, |&p| p == pos) {
            entry.remove();
        }
        self.live -= 1;
        // Trailing tombstones can go: no position after them exists.
        while matches!(self.entries.last(), Some(None)) {
            self.entries.pop();
        }
        Some(bucket.value)
    }

    /// Drops tombstones and rebuilds the index. Positions change.
    fn compact(&mut self) {
        let old = std::mem::take(&mut self.entries);
        match Rc::get_mut(&mut self.index) {
            Some(index) => index.clear(),
            None => self.index = Rc::new(HashTable::with_capacity(self.live)),
        }
        let index = Rc::make_mut(&mut self.index);
        for bucket in old.into_iter().flatten() {
            let pos = self.entries.len();
            let hash = hash_key(&bucket.key);
            self.entries.push(Some(bucket));
            let entries = &self.entries;
            index.insert_unique(hash, pos, |&p| bucket_hash(&entries[p]));
        }
    }
}

#[derive(Clone)]
enum Repr {
    Packed(Vec<Value>),
    Hash(HashRepr),
}

/// A PHP array. See the module documentation for the representation.
#[derive(Clone)]
pub struct PhpArray {
    repr: Repr,
    /// The key `$a[] = v` uses next (PHP's `nNextFreeElement`). `i64::MIN` means "no int
    /// key yet" (a new array, where PHP 8.2 lets a first negative key `-5` make the next
    /// append `-4`); the shared empty array of `[]` literals starts at 0 instead.
    next_free: i64,
    /// The internal pointer used by `current`/`next`/`reset`/`key`/`end`/`prev`: a position.
    internal_pos: usize,
}

impl Default for PhpArray {
    fn default() -> Self {
        PhpArray::new()
    }
}

impl PhpArray {
    /// An empty array.
    pub fn new() -> Self {
        PhpArray {
            repr: Repr::Packed(Vec::new()),
            next_free: i64::MIN,
            internal_pos: 0,
        }
    }

    /// An empty array with room for `n` elements.
    pub fn with_capacity(n: usize) -> Self {
        PhpArray {
            repr: Repr::Packed(Vec::with_capacity(n)),
            next_free: i64::MIN,
            internal_pos: 0,
        }
    }

    /// An empty array in hash form with room for `n` elements: for builders that know
    /// they will insert `n` string keys (decoders), so the table is sized once.
    pub fn with_hash_capacity(n: usize) -> Self {
        PhpArray {
            repr: Repr::Hash(HashRepr::with_capacity(n)),
            next_free: i64::MIN,
            internal_pos: 0,
        }
    }

    /// The empty array of an `[]` literal (PHP's shared immutable empty array), whose next
    /// append key starts at 0 even after a negative key was written.
    pub fn empty_literal() -> Self {
        PhpArray {
            repr: Repr::Packed(Vec::new()),
            next_free: 0,
            internal_pos: 0,
        }
    }

    /// A list `[v0, v1, ...]` with keys `0..n`.
    pub fn from_values(values: Vec<Value>) -> Self {
        let n = values.len() as i64;
        PhpArray {
            repr: Repr::Packed(values),
            next_free: n,
            internal_pos: 0,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Packed(v) => v.len(),
            Repr::Hash(h) => h.live,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the array is stored packed (keys `0..len` in order).
    pub fn is_packed(&self) -> bool {
        matches!(self.repr, Repr::Packed(_))
    }

    /// The elements of a packed array (index = key); `None` for the hash form.
    pub fn packed_values(&self) -> Option<&[Value]> {
        match &self.repr {
            Repr::Packed(v) => Some(v),
            Repr::Hash(_) => None,
        }
    }

    /// The elements of a packed array for in-place writes (the keys cannot change through
    /// the slice); `None` for the hash form.
    pub fn packed_values_mut(&mut self) -> Option<&mut [Value]> {
        match &mut self.repr {
            Repr::Packed(v) => Some(v),
            Repr::Hash(_) => None,
        }
    }

    /// Whether the keys are exactly `0..len` in order (`array_is_list`).
    pub fn is_list(&self) -> bool {
        match &self.repr {
            Repr::Packed(_) => true,
            Repr::Hash(_) => self
                .iter()
                .enumerate()
                .all(|(i, (k, _))| k == ArrayKey::Int(i as i64)),
        }
    }

    /// The next key `push` would use.
    pub fn next_free_index(&self) -> i64 {
        self.next_key()
    }

    /// The key of the next append: `next_free`, or 0 while no int key was ever used.
    fn next_key(&self) -> i64 {
        if self.next_free == i64::MIN {
            0
        } else {
            self.next_free
        }
    }

    fn ensure_hash(&mut self) -> &mut HashRepr {
        if let Repr::Packed(values) = &mut self.repr {
            let values = std::mem::take(values);
            // Keep the room the packed form had: an array literal with string keys is
            // made with its element count as capacity and converts at its first key.
            let mut h = HashRepr::with_capacity(values.capacity().max(values.len() + 1));
            for (i, v) in values.into_iter().enumerate() {
                h.append_new(ArrayKey::Int(i as i64), v);
            }
            self.repr = Repr::Hash(h);
        }
        match &mut self.repr {
            Repr::Hash(h) => h,
            Repr::Packed(_) => unreachable!("converted above"),
        }
    }

    /// The value at `key`.
    pub fn get(&self, key: &ArrayKey) -> Option<&Value> {
        match key {
            ArrayKey::Int(i) => self.get_int(*i),
            ArrayKey::Str(s) => self.get_str(s),
        }
    }

    /// The value at int key `i`.
    pub fn get_int(&self, i: i64) -> Option<&Value> {
        match &self.repr {
            Repr::Packed(v) => usize::try_from(i).ok().and_then(|i| v.get(i)),
            Repr::Hash(h) => h
                .find_int(i)
                .and_then(|p| h.entries[p].as_ref())
                .map(|b| &b.value),
        }
    }

    /// The value at string key `s`, which must already be normalised (not a canonical
    /// integer string); use `get(&ArrayKey::from_bytes(s))` otherwise.
    pub fn get_str(&self, s: &[u8]) -> Option<&Value> {
        match &self.repr {
            Repr::Packed(_) => None,
            Repr::Hash(h) => h
                .find_str(s)
                .and_then(|p| h.entries[p].as_ref())
                .map(|b| &b.value),
        }
    }

    pub fn contains_key(&self, key: &ArrayKey) -> bool {
        self.get(key).is_some()
    }

    /// Mutable access to the value at `key`.
    pub fn get_mut(&mut self, key: &ArrayKey) -> Option<&mut Value> {
        match &mut self.repr {
            Repr::Packed(v) => match key {
                ArrayKey::Int(i) => usize::try_from(*i).ok().and_then(move |i| v.get_mut(i)),
                ArrayKey::Str(_) => None,
            },
            Repr::Hash(h) => {
                let p = h.find(key)?;
                h.entries[p].as_mut().map(|b| &mut b.value)
            }
        }
    }

    fn bump_next_free(&mut self, key: &ArrayKey) {
        if let ArrayKey::Int(i) = key {
            if *i >= self.next_free {
                self.next_free = i.saturating_add(1);
            }
        }
    }

    /// The value at `key`, inserting `Null` at the end first when absent (for nested
    /// writes like `$a[k][] = v` and compound assignments).
    pub fn get_or_insert_null(&mut self, key: ArrayKey) -> &mut Value {
        if let (Repr::Packed(v), ArrayKey::Int(i)) = (&self.repr, &key) {
            let (i, len) = (*i, v.len() as i64);
            let appends = i == len && self.next_key() == len;
            if (i >= 0 && i < len) || appends {
                let Repr::Packed(v) = &mut self.repr else {
                    unreachable!("checked packed above")
                };
                if appends {
                    v.push(Value::Null);
                    self.next_free = len + 1;
                }
                return &mut v[i as usize];
            }
        }
        self.bump_next_free(&key);
        let h = self.ensure_hash();
        let pos = h.find_or_append(key, Value::Null);
        &mut h.entries[pos].as_mut().expect("live position").value
    }

    /// Sets `key` to `value`, replacing in place or appending at the end.
    pub fn insert(&mut self, key: ArrayKey, value: Value) {
        *self.get_or_insert_null(key) = value;
    }

    /// `$a[] = value`. Returns `false` (and stores nothing) when the next index is not
    /// available, which PHP reports as "Cannot add element to the array as the next element
    /// is already occupied".
    pub fn push(&mut self, value: Value) -> bool {
        // The common case: a list growing at its end.
        let next = self.next_key();
        if let Repr::Packed(v) = &mut self.repr {
            let len = v.len() as i64;
            if next == len {
                v.push(value);
                self.next_free = len + 1;
                return true;
            }
        }
        match self.push_slot() {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// Appends `Null` with the next index and returns the new slot (`$a[][...] = v`,
    /// `$a[] = &$x`). `None` when the next index is not available.
    pub fn push_slot(&mut self) -> Option<&mut Value> {
        if self.next_free == i64::MAX && self.contains_key(&ArrayKey::Int(i64::MAX)) {
            return None;
        }
        let key = self.next_key();
        if let Repr::Packed(v) = &self.repr {
            if v.len() as i64 != key {
                self.ensure_hash();
            }
        }
        if key == i64::MAX {
            // Storing at PHP_INT_MAX is allowed once; the next push then fails.
            let slot = self.get_or_insert_null(ArrayKey::Int(key));
            return Some(slot);
        }
        Some(self.get_or_insert_null(ArrayKey::Int(key)))
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &ArrayKey) -> Option<Value> {
        if let Repr::Packed(v) = &mut self.repr {
            match key {
                ArrayKey::Int(i) if *i >= 0 && (*i as usize) < v.len() => {
                    if *i as usize == v.len() - 1 {
                        // Removing the last element keeps the list shape; next_free stays,
                        // as in PHP (`unset($a[2]); $a[] = x;` uses key 3).
                        return v.pop();
                    }
                }
                _ => return None,
            }
        }
        let h = self.ensure_hash();
        let pos = h.find(key)?;
        h.remove_at(pos)
    }

    /// Removes and returns the last element (`array_pop`). As in PHP, the next free index
    /// goes back by one only when the popped key was the last one handed out
    /// (`[0 => 1, 1 => 2]` with 1 unset, then popped, still appends at 2).
    pub fn pop(&mut self) -> Option<Value> {
        let (key, _) = self.last()?;
        let v = self.remove(&key);
        if key == ArrayKey::Int(self.next_free.wrapping_sub(1)) {
            self.next_free -= 1;
        }
        self.internal_pos = 0;
        v
    }

    /// Iterates `(key, &value)` in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            array: self,
            pos: 0,
        }
    }

    /// The values in order.
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.iter().map(|(_, v)| v)
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = ArrayKey> + '_ {
        self.iter().map(|(k, _)| k)
    }

    /// Mutable iteration over the values in order.
    pub fn values_mut(&mut self) -> Box<dyn Iterator<Item = &mut Value> + '_> {
        match &mut self.repr {
            Repr::Packed(v) => Box::new(v.iter_mut()),
            Repr::Hash(h) => Box::new(h.entries.iter_mut().flatten().map(|b| &mut b.value)),
        }
    }

    /// The first entry.
    pub fn first(&self) -> Option<(ArrayKey, &Value)> {
        self.iter().next()
    }

    /// The last entry.
    pub fn last(&self) -> Option<(ArrayKey, &Value)> {
        match &self.repr {
            Repr::Packed(v) => v.last().map(|x| (ArrayKey::Int(v.len() as i64 - 1), x)),
            Repr::Hash(h) => h
                .entries
                .iter()
                .rev()
                .flatten()
                .next()
                .map(|b| (b.key.clone(), &b.value)),
        }
    }

    /// One past the last position (positions are `0..end_pos()`, some may be empty).
    pub fn end_pos(&self) -> usize {
        match &self.repr {
            Repr::Packed(v) => v.len(),
            Repr::Hash(h) => h.entries.len(),
        }
    }

    /// The first live position at or after `pos`.
    pub fn next_pos(&self, pos: usize) -> Option<usize> {
        match &self.repr {
            Repr::Packed(v) => (pos < v.len()).then_some(pos),
            Repr::Hash(h) => (pos..h.entries.len()).find(|&p| h.entries[p].is_some()),
        }
    }

    /// The last live position strictly before `pos`.
    pub fn prev_pos(&self, pos: usize) -> Option<usize> {
        let end = pos.min(self.end_pos());
        match &self.repr {
            Repr::Packed(_) => end.checked_sub(1),
            Repr::Hash(h) => (0..end).rev().find(|&p| h.entries[p].is_some()),
        }
    }

    /// The entry at a live position.
    pub fn entry_at(&self, pos: usize) -> Option<(ArrayKey, &Value)> {
        match &self.repr {
            Repr::Packed(v) => v.get(pos).map(|x| (ArrayKey::Int(pos as i64), x)),
            Repr::Hash(h) => h
                .entries
                .get(pos)
                .and_then(|b| b.as_ref())
                .map(|b| (b.key.clone(), &b.value)),
        }
    }

    /// Mutable access to the value at a live position.
    pub fn value_at_mut(&mut self, pos: usize) -> Option<&mut Value> {
        match &mut self.repr {
            Repr::Packed(v) => v.get_mut(pos),
            Repr::Hash(h) => h
                .entries
                .get_mut(pos)
                .and_then(|b| b.as_mut())
                .map(|b| &mut b.value),
        }
    }

    /// The position of string key `s` (already normalised), for callers that cache it.
    pub fn find_pos_str(&self, s: &[u8]) -> Option<usize> {
        match &self.repr {
            Repr::Packed(_) => None,
            Repr::Hash(h) => h.find_str(s),
        }
    }

    /// The value at `pos` if the entry there still has string key `name` (a cached
    /// position is only trusted after this check).
    #[inline]
    pub fn value_at_named(&self, pos: usize, name: &[u8]) -> Option<&Value> {
        match &self.repr {
            Repr::Hash(h) => match h.entries.get(pos) {
                Some(Some(Bucket {
                    key: ArrayKey::Str(k),
                    value,
                    ..
                })) if k.as_bytes() == name => Some(value),
                _ => None,
            },
            Repr::Packed(_) => None,
        }
    }

    /// Mutable `value_at_named`.
    #[inline]
    pub fn value_at_named_mut(&mut self, pos: usize, name: &[u8]) -> Option<&mut Value> {
        match &mut self.repr {
            Repr::Hash(h) => match h.entries.get_mut(pos) {
                Some(Some(Bucket {
                    key: ArrayKey::Str(k),
                    value,
                    ..
                })) if k.as_bytes() == name => Some(value),
                _ => None,
            },
            Repr::Packed(_) => None,
        }
    }

    /// The internal pointer's position (may point past the end).
    pub fn internal_pos(&self) -> usize {
        self.internal_pos
    }

    /// Moves the internal pointer.
    pub fn set_internal_pos(&mut self, pos: usize) {
        self.internal_pos = pos;
    }

    /// Takes all entries out in order (for sorting and reindexing builtins).
    pub fn into_entries(self) -> Vec<(ArrayKey, Value)> {
        match self.repr {
            Repr::Packed(v) => v
                .into_iter()
                .enumerate()
                .map(|(i, x)| (ArrayKey::Int(i as i64), x))
                .collect(),
            Repr::Hash(h) => h
                .entries
                .into_iter()
                .flatten()
                .map(|b| (b.key, b.value))
                .collect(),
        }
    }

    /// Builds an array from entries in order; later duplicates overwrite earlier ones in
    /// place, as repeated `insert`s would.
    pub fn from_entries(entries: impl IntoIterator<Item = (ArrayKey, Value)>) -> Self {
        let mut a = PhpArray::new();
        for (k, v) in entries {
            a.insert(k, v);
        }
        a
    }
}

/// Iterator over `(key, &value)` pairs in order.
pub struct Iter<'a> {
    array: &'a PhpArray,
    pos: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (ArrayKey, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        match &self.array.repr {
            Repr::Packed(v) => {
                let x = v.get(self.pos)?;
                let k = ArrayKey::Int(self.pos as i64);
                self.pos += 1;
                Some((k, x))
            }
            Repr::Hash(h) => {
                while self.pos < h.entries.len() {
                    let p = self.pos;
                    self.pos += 1;
                    if let Some(b) = &h.entries[p] {
                        return Some((b.key.clone(), &b.value));
                    }
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> ArrayKey {
        ArrayKey::from_bytes(s.as_bytes())
    }

    #[test]
    fn key_normalisation() {
        assert_eq!(k("12"), ArrayKey::Int(12));
        assert_eq!(k("-3"), ArrayKey::Int(-3));
        assert_eq!(k("0"), ArrayKey::Int(0));
        assert!(matches!(k("012"), ArrayKey::Str(_)));
        assert!(matches!(k("-0"), ArrayKey::Str(_)));
        assert!(matches!(k("1.5"), ArrayKey::Str(_)));
        assert!(matches!(k(" 1"), ArrayKey::Str(_)));
        assert!(matches!(k("9223372036854775808"), ArrayKey::Str(_)));
        assert_eq!(k("-9223372036854775808"), ArrayKey::Int(i64::MIN));
    }

    #[test]
    fn packed_then_hash_keeps_order() {
        let mut a = PhpArray::new();
        a.push(Value::Int(1));
        a.push(Value::Int(2));
        assert!(a.is_packed());
        a.insert(k("x"), Value::Int(3));
        assert!(!a.is_packed());
        a.push(Value::Int(4));
        let keys: Vec<_> = a.keys().collect();
        assert_eq!(keys, vec![k("0"), k("1"), k("x"), k("2")]);
    }

    #[test]
    fn unset_last_keeps_next_index() {
        let mut a = PhpArray::from_values(vec![Value::Int(1), Value::Int(2), Value::Int(3)]);
        a.remove(&ArrayKey::Int(2));
        a.push(Value::Int(4));
        assert_eq!(a.keys().collect::<Vec<_>>(), vec![k("0"), k("1"), k("3")]);
    }

    #[test]
    fn pop_resets_next_index_like_php() {
        // php -n -r '$a=[0=>1,1=>2]; unset($a[1]); array_pop($a); $a[]=9;
        //   var_dump(array_keys($a));' gives [2]; [0=>1,5=>2,1=>3] popped then pushed
        // gives keys 0, 5, 6; [1,2,3] popped then pushed gives 0, 1, 2.
        let mut a = PhpArray::from_values(vec![Value::Int(1), Value::Int(2)]);
        a.remove(&ArrayKey::Int(1));
        a.pop();
        a.push(Value::Int(9));
        assert_eq!(a.keys().collect::<Vec<_>>(), vec![ArrayKey::Int(2)]);

        let mut b = PhpArray::from_entries([
            (ArrayKey::Int(0), Value::Int(1)),
            (ArrayKey::Int(5), Value::Int(2)),
            (ArrayKey::Int(1), Value::Int(3)),
        ]);
        b.pop();
        b.push(Value::Int(4));
        let keys: Vec<_> = b.keys().collect();
        assert_eq!(
            keys,
            vec![ArrayKey::Int(0), ArrayKey::Int(5), ArrayKey::Int(6)]
        );

        let mut c = PhpArray::from_values(vec![Value::Int(1), Value::Int(2), Value::Int(3)]);
        c.pop();
        c.push(Value::Int(4));
        let keys: Vec<_> = c.keys().collect();
        assert_eq!(
            keys,
            vec![ArrayKey::Int(0), ArrayKey::Int(1), ArrayKey::Int(2)]
        );
    }

    #[test]
    fn many_removals_compact() {
        let mut a = PhpArray::new();
        for i in 0..1000 {
            a.insert(ArrayKey::Int(i * 2), Value::Int(i));
        }
        for i in 0..900 {
            a.remove(&ArrayKey::Int(i * 2));
        }
        for i in 0..10 {
            a.insert(ArrayKey::Int(-i - 1), Value::Int(i));
        }
        assert_eq!(a.len(), 110);
        assert!(matches!(a.get_int(1800), Some(Value::Int(900))));
    }
}
