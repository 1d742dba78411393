//! SPL's `SplObjectStorage`: a map from objects to data, iterable in insertion order, with
//! a `getHash()` that a PHP subclass may override (then objects with equal hashes share an
//! entry, as in PHP). Entries live in a vector with holes (so that detaching during a
//! `foreach` keeps the position) indexed by an array from key to slot: the object id for
//! the built-in hash, the hash string for an overridden one.

use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::builtins::var::PropEntry;
use super::super::error::{Fault, PhpResult};
use super::super::object::{Class, Obj};
use super::super::value::{PhpStr, Value};
use super::class::{MethodImpl, NativeMethod};
use super::spl::{private, this_of, with_state};
use super::Vm;

/// The methods of `SplObjectStorage`.
pub(crate) const METHODS: &[(&str, NativeMethod)] = &[
    ("attach", attach),
    ("detach", detach),
    ("contains", contains),
    ("addAll", add_all),
    ("removeAll", remove_all),
    ("removeAllExcept", remove_all_except),
    ("getInfo", get_info),
    ("setInfo", set_info),
    ("count", count),
    ("rewind", rewind),
    ("valid", valid),
    ("key", key),
    ("current", current),
    ("next", next),
    ("offsetExists", offset_exists),
    ("offsetGet", offset_get),
    ("offsetSet", offset_set),
    ("offsetUnset", offset_unset),
    ("getHash", get_hash),
    ("__serialize", magic_serialize),
    ("__unserialize", magic_unserialize),
    ("__debugInfo", debug_info),
];

/// One entry.
#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) obj: Obj,
    pub(crate) inf: Value,
}

/// The native state.
#[derive(Clone, Default)]
pub(crate) struct State {
    /// Entries in insertion order; `None` where one was detached.
    pub(crate) entries: Vec<Option<Entry>>,
    /// Key (object id or hash) to slot in `entries`.
    index: PhpArray,
    /// The iteration slot and the counter `key()` reports.
    pos: usize,
    counter: i64,
}

impl State {
    pub(crate) fn debug_props(&self) -> Vec<PropEntry> {
        let mut storage = PhpArray::new();
        for e in self.entries.iter().flatten() {
            let mut pair = PhpArray::new();
            pair.insert(
                ArrayKey::Str(PhpStr::from("obj")),
                Value::Object(e.obj.clone()),
            );
            pair.insert(ArrayKey::Str(PhpStr::from("inf")), e.inf.clone());
            storage.push(Value::array(pair));
        }
        vec![private(
            "storage",
            "SplObjectStorage",
            Value::array(storage),
        )]
    }

    fn len(&self) -> usize {
        self.index.len()
    }

    fn slot(&self, key: &ArrayKey) -> Option<usize> {
        match self.index.get(key) {
            Some(Value::Int(i)) => Some(*i as usize),
            _ => None,
        }
    }

    fn attach(&mut self, key: ArrayKey, obj: Obj, inf: Value) {
        if let Some(s) = self.slot(&key) {
            self.entries[s] = Some(Entry { obj, inf });
            return;
        }
        if self.entries.len() >= 8 && self.entries.len() > self.len() * 2 {
            self.compact();
        }
        self.index
            .insert(key, Value::Int(self.entries.len() as i64));
        self.entries.push(Some(Entry { obj, inf }));
    }

    fn detach(&mut self, key: &ArrayKey) -> bool {
        match self.slot(key) {
            Some(s) => {
                self.entries[s] = None;
                self.index.remove(key);
                if self.index.len() == 0 && self.pos >= self.entries.len() {
                    self.entries.clear();
                    self.pos = 0;
                }
                true
            }
            None => false,
        }
    }

    /// Drops the holes, keeping the iteration position on its entry.
    fn compact(&mut self) {
        let mut map = vec![0usize; self.entries.len() + 1];
        let mut kept = Vec::with_capacity(self.len());
        for (i, e) in self.entries.drain(..).enumerate() {
            map[i] = kept.len();
            if e.is_some() {
                kept.push(e);
            }
        }
        let last = map.len() - 1;
        map[last] = kept.len();
        self.pos = map[self.pos.min(map.len() - 1)];
        for v in self.index.values_mut() {
            if let Value::Int(i) = v {
                *i = map[*i as usize] as i64;
            }
        }
        self.entries = kept;
    }

    /// The first live slot at or after `from`.
    fn live_from(&self, from: usize) -> Option<usize> {
        (from..self.entries.len()).find(|&i| self.entries[i].is_some())
    }

    fn current(&self) -> Option<&Entry> {
        self.live_from(self.pos)
            .and_then(|p| self.entries[p].as_ref())
    }
}

fn with<T>(this: Option<&Obj>, f: impl FnOnce(&mut State) -> T) -> PhpResult<T> {
    with_state(this, |_| State::default(), f)
}

fn arg(a: &[Value], i: usize) -> Value {
    a.get(i).map(Value::deref_clone).unwrap_or(Value::Null)
}

/// The object argument #1 of `method`, or PHP's TypeError.
fn obj_arg(a: &[Value], method: &str) -> PhpResult<Obj> {
    match arg(a, 0) {
        Value::Object(o) => Ok(o),
        other => Err(Fault::type_error(format!(
            "SplObjectStorage::{method}(): Argument #1 ($object) must be of type object, {} given",
            other.type_name()
        ))),
    }
}

/// The storage argument #1 of `method`, or PHP's TypeError.
fn storage_arg(a: &[Value], method: &str) -> PhpResult<Obj> {
    match arg(a, 0) {
        Value::Object(o) if o.instance_of(b"splobjectstorage") => Ok(o),
        other => Err(Fault::type_error(format!(
            "SplObjectStorage::{method}(): Argument #1 ($storage) must be of type SplObjectStorage, {} given",
            super::call::type_for_error(&other)
        ))),
    }
}

/// The key of `obj` in `storage`: its id, or what an overriding `getHash()` returns.
fn key_of(vm: &mut Vm, storage: &Obj, obj: &Obj) -> PhpResult<ArrayKey> {
    let class = storage.class();
    let user = vm
        .find_method(&class, b"gethash")
        .is_some_and(|m| matches!(m.imp, MethodImpl::User(_)));
    if !user {
        return Ok(ArrayKey::Int(obj.id() as i64));
    }
    match vm.call_method_value(storage, b"getHash", &[Value::Object(obj.clone())])? {
        Value::Str(s) => Ok(ArrayKey::Str(s)),
        _ => Err(Fault::error(
            "RuntimeException",
            "Hash needs to be a string",
        )),
    }
}

fn attach(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let o = obj_arg(a, "attach")?;
    do_attach(vm, this, o, arg(a, 1))
}

fn do_attach(vm: &mut Vm, this: Option<&Obj>, o: Obj, inf: Value) -> PhpResult<Value> {
    let key = key_of(vm, this_of(this)?, &o)?;
    with(this, |st| st.attach(key, o, inf))?;
    Ok(Value::Null)
}

fn detach(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let o = obj_arg(a, "detach")?;
    let key = key_of(vm, this_of(this)?, &o)?;
    with(this, |st| {
        st.detach(&key);
    })?;
    Ok(Value::Null)
}

fn contains(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let o = obj_arg(a, "contains")?;
    let key = key_of(vm, this_of(this)?, &o)?;
    with(this, |st| Value::Bool(st.slot(&key).is_some()))
}

/// The entries of another storage, in order.
fn entries_of(other: &Obj) -> PhpResult<Vec<Entry>> {
    with(Some(other), |st| {
        st.entries.iter().flatten().cloned().collect()
    })
}

fn add_all(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let other = storage_arg(a, "addAll")?;
    for e in entries_of(&other)? {
        do_attach(vm, this, e.obj, e.inf)?;
    }
    with(this, |st| Value::Int(st.len() as i64))
}

fn remove_all(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let other = storage_arg(a, "removeAll")?;
    let me = this_of(this)?;
    for e in entries_of(&other)? {
        let key = key_of(vm, me, &e.obj)?;
        with(this, |st| st.detach(&key))?;
    }
    with(this, |st| Value::Int(st.len() as i64))
}

fn remove_all_except(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let other = storage_arg(a, "removeAllExcept")?;
    let me = this_of(this)?;
    let mine = entries_of(me)?;
    for e in mine {
        let key_there = key_of(vm, &other, &e.obj)?;
        let kept = with(Some(&other), |st| st.slot(&key_there).is_some())?;
        if !kept {
            let key = key_of(vm, me, &e.obj)?;
            with(this, |st| st.detach(&key))?;
        }
    }
    with(this, |st| Value::Int(st.len() as i64))
}

fn get_info(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| {
        st.current().map(|e| e.inf.clone()).unwrap_or(Value::Null)
    })
}

fn set_info(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let inf = arg(a, 0);
    with(this, |st| {
        if let Some(p) = st.live_from(st.pos) {
            if let Some(e) = &mut st.entries[p] {
                e.inf = inf;
            }
        }
    })?;
    Ok(Value::Null)
}

fn count(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Int(st.len() as i64))
}

fn rewind(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| {
        st.pos = 0;
        st.counter = 0;
    })?;
    Ok(Value::Null)
}

fn valid(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Bool(st.current().is_some()))
}

fn key(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Int(st.counter))
}

fn current(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| {
        st.current().map(|e| Value::Object(e.obj.clone()))
    })?
    .ok_or_else(|| Fault::error("RuntimeException", "Called current() on invalid iterator"))
}

fn next(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| {
        if let Some(p) = st.live_from(st.pos) {
            st.pos = p + 1;
        }
        st.counter += 1;
    })?;
    Ok(Value::Null)
}

fn offset_exists(vm: &mut Vm, this: Option<&Obj>, c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let Value::Object(_) = arg(a, 0) else {
        return Err(Fault::type_error(format!(
            "SplObjectStorage::offsetExists(): Argument #1 ($object) must be of type object, {} given",
            arg(a, 0).type_name()
        )));
    };
    contains(vm, this, c, a)
}

fn offset_get(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let o = obj_arg(a, "offsetGet")?;
    let key = key_of(vm, this_of(this)?, &o)?;
    with(this, |st| {
        st.slot(&key)
            .and_then(|s| st.entries[s].as_ref())
            .map(|e| e.inf.clone())
    })?
    .ok_or_else(|| Fault::error("UnexpectedValueException", "Object not found"))
}

fn offset_set(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let o = obj_arg(a, "offsetSet")?;
    do_attach(vm, this, o, arg(a, 1))
}

fn offset_unset(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let o = obj_arg(a, "offsetUnset")?;
    let key = key_of(vm, this_of(this)?, &o)?;
    with(this, |st| {
        st.detach(&key);
    })?;
    Ok(Value::Null)
}

fn get_hash(_vm: &mut Vm, _this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let o = obj_arg(a, "getHash")?;
    Ok(Value::str(format!("{:032x}", o.id())))
}

/// `__serialize()`: `[[obj, inf, obj, inf, ...], properties]`.
fn magic_serialize(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let mut flat = PhpArray::new();
    for e in entries_of(obj)? {
        flat.push(Value::Object(e.obj));
        flat.push(e.inf);
    }
    let mut out = PhpArray::new();
    out.push(Value::array(flat));
    out.push(Value::array(vm.object_to_array(obj)));
    Ok(Value::array(out))
}

fn magic_unserialize(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let bad = || {
        Fault::error(
            "UnexpectedValueException",
            "Incomplete or ill-typed serialization data",
        )
    };
    let Value::Array(data) = arg(a, 0) else {
        return Err(bad());
    };
    let flat = data.get(&ArrayKey::Int(0)).map(Value::deref_clone);
    let props = data.get(&ArrayKey::Int(1)).map(Value::deref_clone);
    let (Some(Value::Array(flat)), Some(Value::Array(props))) = (flat, props) else {
        return Err(bad());
    };
    if flat.len() % 2 != 0 {
        return Err(Fault::error(
            "UnexpectedValueException",
            "Odd number of elements",
        ));
    }
    let items: Vec<Value> = flat.values().map(Value::deref_clone).collect();
    for pair in items.chunks(2) {
        let Value::Object(o) = &pair[0] else {
            return Err(Fault::error("UnexpectedValueException", "Non-object key"));
        };
        do_attach(vm, this, o.clone(), pair[1].clone())?;
    }
    let obj = this_of(this)?;
    let mut d = obj.borrow_mut();
    for (k, v) in props.iter() {
        d.props.insert(k, v.deref_clone());
    }
    Ok(Value::Null)
}

fn debug_info(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    with(this, |_| ())?;
    Ok(Value::array(super::spl_dllist::debug_array(vm, obj)))
}

// ----- WeakMap -----

/// The methods of `WeakMap`.
pub(crate) const WEAKMAP_METHODS: &[(&str, NativeMethod)] = &[
    ("offsetGet", wm_get),
    ("offsetSet", wm_set),
    ("offsetExists", wm_exists),
    ("offsetUnset", wm_unset),
    ("count", wm_count),
    ("getIterator", wm_iterator),
];

/// The native state of a `WeakMap`: entries whose keys are held weakly. Dead keys are
/// dropped before every operation, so a recycled object id never finds a dead key's entry.
#[derive(Clone, Default)]
pub(crate) struct WeakState {
    pub(crate) entries: Vec<(
        std::rc::Weak<std::cell::RefCell<super::super::object::ObjectData>>,
        Value,
    )>,
}

impl WeakState {
    fn prune(&mut self) {
        self.entries.retain(|(w, _)| w.strong_count() > 0);
    }

    fn find(&self, o: &Obj) -> Option<usize> {
        self.entries
            .iter()
            .position(|(w, _)| std::ptr::eq(w.as_ptr(), Rc::as_ptr(&o.0)))
    }

    /// The live entries as (key, value) pairs.
    pub(crate) fn pairs(&self) -> Vec<(Value, Value)> {
        self.entries
            .iter()
            .filter_map(|(w, v)| w.upgrade().map(|o| (Value::Object(Obj(o)), v.clone())))
            .collect()
    }

    pub(crate) fn debug_props(&self) -> Vec<PropEntry> {
        self.pairs()
            .into_iter()
            .enumerate()
            .map(|(i, (k, v))| {
                let mut pair = PhpArray::new();
                pair.insert(ArrayKey::Str(PhpStr::from("key")), k);
                pair.insert(ArrayKey::Str(PhpStr::from("value")), v);
                PropEntry {
                    name: PhpStr::from(i.to_string()),
                    vis: super::super::builtins::var::PropVis::Index,
                    value: Value::array(pair),
                }
            })
            .collect()
    }
}

fn wm_with<T>(this: Option<&Obj>, f: impl FnOnce(&mut WeakState) -> T) -> PhpResult<T> {
    with_state(
        this,
        |_| WeakState::default(),
        |st| {
            st.prune();
            f(st)
        },
    )
}

fn wm_key(a: &[Value]) -> PhpResult<Obj> {
    match arg(a, 0) {
        Value::Object(o) => Ok(o),
        _ => Err(Fault::type_error("WeakMap key must be an object")),
    }
}

fn wm_get(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let o = wm_key(a)?;
    wm_with(this, |st| st.find(&o).map(|i| st.entries[i].1.clone()))?.ok_or_else(|| {
        Fault::error(
            "Error",
            format!(
                "Object {}#{} not contained in WeakMap",
                o.class_display_name(),
                o.id()
            ),
        )
    })
}

fn wm_set(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let o = wm_key(a)?;
    let v = arg(a, 1);
    wm_with(this, |st| match st.find(&o) {
        Some(i) => st.entries[i].1 = v,
        None => st.entries.push((Rc::downgrade(&o.0), v)),
    })?;
    Ok(Value::Null)
}

fn wm_exists(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let o = wm_key(a)?;
    wm_with(this, |st| {
        Value::Bool(
            st.find(&o)
                .is_some_and(|i| !matches!(st.entries[i].1, Value::Null)),
        )
    })
}

fn wm_unset(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let o = wm_key(a)?;
    wm_with(this, |st| {
        if let Some(i) = st.find(&o) {
            st.entries.remove(i);
        }
    })?;
    Ok(Value::Null)
}

fn wm_count(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    wm_with(this, |st| Value::Int(st.entries.len() as i64))
}

fn wm_iterator(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let pairs = wm_with(this, |st| st.pairs())?;
    super::spl_fixed::new_internal_iterator(vm, super::spl_fixed::Source::Pairs(pairs))
}
