//! The `APCUIterator` class (also reachable as `APCIterator`): walks the APC entries whose
//! keys match a regular expression or a list of keys, yielding APCu's per-entry arrays.
//! The selection is taken when the iterator is constructed or rewound.

use std::rc::Rc;

use super::super::builtins::apc::{all_keys, iterator_item, IteratorState};
use super::super::error::{Fault, PhpResult};
use super::super::host::Host;
use super::super::object::{Class, Obj};
use super::super::value::Value;
use super::class::NativeMethod;
use super::Vm;

pub(crate) const METHODS: &[(&str, NativeMethod)] = &[
    ("__construct", construct),
    ("rewind", rewind),
    ("valid", valid),
    ("current", current),
    ("key", key),
    ("next", next),
    ("getTotalHits", total_hits),
    ("getTotalSize", total_size),
    ("getTotalCount", total_count),
];

const ITER_ALL: i64 = 32767;

/// How the iterator selects keys.
#[derive(Clone)]
enum Search {
    All,
    Regex(Value),
    Keys(Vec<Vec<u8>>),
}

/// The selection, kept so `rewind` can select again.
#[derive(Clone)]
struct Selector {
    search: Search,
}

fn this_of(this: Option<&Obj>) -> PhpResult<&Obj> {
    this.ok_or_else(|| Fault::error("Error", "Using $this when not in object context"))
}

fn select(vm: &mut Vm, sel: &Selector) -> PhpResult<Vec<Vec<u8>>> {
    let keys = all_keys();
    Ok(match &sel.search {
        Search::All => keys,
        Search::Keys(wanted) => keys.into_iter().filter(|k| wanted.contains(k)).collect(),
        Search::Regex(pattern) => {
            let mut out = Vec::new();
            let preg = Value::str("preg_match");
            for k in keys {
                let hit = Host::call(vm, &preg, &[pattern.clone(), Value::str(&k[..])])?;
                if matches!(hit, Value::Int(1)) {
                    out.push(k);
                }
            }
            out
        }
    })
}

fn state_mut<T>(obj: &Obj, f: impl FnOnce(&mut IteratorState) -> T) -> PhpResult<T> {
    let mut d = obj.borrow_mut();
    match d
        .internal
        .as_mut()
        .and_then(|i| i.downcast_mut::<(IteratorState, Selector)>())
    {
        Some((st, _)) => Ok(f(st)),
        None => Err(Fault::error(
            "Error",
            "Trying to use uninitialised APCUIterator",
        )),
    }
}

fn construct(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, args: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let search = match args.first().map(Value::deref_clone) {
        None | Some(Value::Null) => Search::All,
        Some(Value::Str(s)) => Search::Regex(Value::Str(s)),
        Some(Value::Array(a)) => Search::Keys(
            a.values()
                .filter_map(|v| match v.deref_clone() {
                    Value::Str(s) => Some(s.as_bytes().to_vec()),
                    _ => None,
                })
                .collect(),
        ),
        Some(other) => {
            return Err(Fault::type_error(format!(
                "APCUIterator::__construct(): Argument #1 ($search) must be of type array|string|null, {} given",
                other.type_name()
            )))
        }
    };
    let format = match args.get(1).map(Value::deref_clone) {
        None | Some(Value::Null) => ITER_ALL,
        Some(v) => v.to_int(),
    };
    let sel = Selector { search };
    let keys = select(vm, &sel)?;
    let st = IteratorState {
        keys,
        format,
        pos: 0,
    };
    obj.borrow_mut().internal = Some(Box::new((st, sel)));
    Ok(Value::Null)
}

/// `apcu_delete(APCUIterator)` reads the selected keys through this.
pub(crate) fn selected_keys(obj: &Obj) -> Vec<Vec<u8>> {
    let d = obj.borrow();
    d.internal
        .as_ref()
        .and_then(|i| i.downcast_ref::<(IteratorState, Selector)>())
        .map(|(st, _)| st.keys.clone())
        .unwrap_or_default()
}

fn rewind(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let sel = {
        let d = obj.borrow();
        d.internal
            .as_ref()
            .and_then(|i| i.downcast_ref::<(IteratorState, Selector)>())
            .map(|(_, sel)| sel.clone())
    };
    let Some(sel) = sel else {
        return Err(Fault::error(
            "Error",
            "Trying to use uninitialised APCUIterator",
        ));
    };
    let keys = select(vm, &sel)?;
    state_mut(obj, |st| {
        st.keys = keys;
        st.pos = 0;
    })?;
    Ok(Value::Null)
}

/// The current item, skipping keys deleted since the selection was taken.
fn current_item(vm: &mut Vm, obj: &Obj) -> PhpResult<Option<(Value, Value)>> {
    loop {
        let (key, format) = state_mut(obj, |st| (st.keys.get(st.pos).cloned(), st.format))?;
        let Some(key) = key else {
            return Ok(None);
        };
        if let Some(item) = iterator_item(vm, &key, format)? {
            return Ok(Some(item));
        }
        state_mut(obj, |st| st.pos += 1)?;
    }
}

fn valid(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    Ok(Value::Bool(current_item(vm, obj)?.is_some()))
}

fn current(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    Ok(current_item(vm, obj)?.map_or(Value::Bool(false), |(_, v)| v))
}

fn key(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    Ok(current_item(vm, obj)?.map_or(Value::Bool(false), |(k, _)| k))
}

fn next(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    state_mut(obj, |st| st.pos += 1)?;
    Ok(Value::Null)
}

/// Sums `field` of every selected live entry.
fn total(vm: &mut Vm, obj: &Obj, field: Option<&[u8]>) -> PhpResult<Value> {
    let keys = selected_keys(obj);
    let mut sum = 0i64;
    for k in keys {
        // Bit 128 = num_hits, 8192 = mem_size: ask for just the field wanted.
        let Some((_, item)) = iterator_item(vm, &k, 128 | 8192)? else {
            continue;
        };
        sum += match (field, item) {
            (None, _) => 1,
            (Some(f), Value::Array(a)) => a.get_str(f).map_or(0, Value::to_int),
            _ => 0,
        };
    }
    Ok(Value::Int(sum))
}

fn total_hits(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    total(vm, this_of(this)?, Some(b"num_hits"))
}

fn total_size(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    total(vm, this_of(this)?, Some(b"mem_size"))
}

fn total_count(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    total(vm, this_of(this)?, None)
}
