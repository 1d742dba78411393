//! SPL's `ArrayIterator` over an array: iteration (`current`/`key`/`next`/`rewind`/`valid`/
//! `seek`), `ArrayAccess`, `count`, `getArrayCopy`, `append`, flags. The array is held by
//! value (copy on write) in the object's native state with a position into it, as PHP's
//! `spl_array` does for an array argument. Wrapping an object (iterating its properties)
//! is refused with an error naming rhvm rather than iterating the wrong thing.

use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::error::{Fault, PhpResult};
use super::super::object::{Class, Obj};
use super::super::value::Value;
use super::class::NativeMethod;
use super::Vm;

/// The methods of `ArrayIterator`.
pub(crate) const METHODS: &[(&str, NativeMethod)] = &[
    ("__construct", construct),
    ("current", current),
    ("key", key),
    ("next", next),
    ("rewind", rewind),
    ("valid", valid),
    ("seek", seek),
    ("count", count),
    ("offsetExists", offset_exists),
    ("offsetGet", offset_get),
    ("offsetSet", offset_set),
    ("offsetUnset", offset_unset),
    ("append", append),
    ("getArrayCopy", get_array_copy),
    ("getFlags", get_flags),
    ("setFlags", set_flags),
];

/// The native state: the array, the iteration position, the flags.
struct State {
    array: PhpArray,
    pos: usize,
    flags: i64,
}

fn this_of(this: Option<&Obj>) -> PhpResult<&Obj> {
    this.ok_or_else(|| Fault::error("Error", "Using $this when not in object context"))
}

/// Runs `f` on the state, creating an empty one for an object whose constructor did not run
/// (a subclass that skipped `parent::__construct`).
fn with<T>(this: Option<&Obj>, f: impl FnOnce(&mut State) -> T) -> PhpResult<T> {
    let obj = this_of(this)?;
    let mut d = obj.borrow_mut();
    if d.internal
        .as_ref()
        .and_then(|i| i.downcast_ref::<State>())
        .is_none()
    {
        d.internal = Some(Box::new(State {
            array: PhpArray::new(),
            pos: 0,
            flags: 0,
        }));
    }
    match d.internal.as_mut().and_then(|i| i.downcast_mut::<State>()) {
        Some(st) => Ok(f(st)),
        None => Err(Fault::error("Error", "ArrayIterator has no array")),
    }
}

fn construct(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let array = match a.first().map(Value::deref_clone) {
        None => PhpArray::new(),
        Some(Value::Array(arr)) => (*arr).clone(),
        Some(Value::Object(_)) => {
            return Err(Fault::error(
                "Error",
                "ArrayIterator::__construct(): iterating an object's properties is not implemented by rhvm",
            ))
        }
        Some(other) => {
            return Err(Fault::type_error(format!(
                "ArrayIterator::__construct(): Argument #1 ($array) must be of type array, {} given",
                other.type_name()
            )))
        }
    };
    let flags = a.get(1).map(|v| v.deref_clone().to_int()).unwrap_or(0);
    let obj = this_of(this)?;
    obj.borrow_mut().internal = Some(Box::new(State {
        array,
        pos: 0,
        flags,
    }));
    Ok(Value::Null)
}

fn live(st: &State) -> Option<usize> {
    st.array.next_pos(st.pos)
}

fn current(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| {
        match live(st).and_then(|p| st.array.entry_at(p)) {
            Some((_, v)) => v.deref_clone(),
            None => Value::Null,
        }
    })
}

fn key(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| {
        match live(st).and_then(|p| st.array.entry_at(p)) {
            Some((k, _)) => k.to_value(),
            None => Value::Null,
        }
    })
}

fn next(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| {
        if let Some(p) = live(st) {
            st.pos = p + 1;
        }
        Value::Null
    })
}

fn rewind(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| {
        st.pos = 0;
        Value::Null
    })
}

fn valid(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Bool(live(st).is_some()))
}

fn seek(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let target = a.first().map(|v| v.deref_clone().to_int()).unwrap_or(0);
    let found = with(this, |st| {
        let mut pos = st.array.next_pos(0);
        let mut i = 0;
        while let Some(p) = pos {
            if i == target {
                st.pos = p;
                return true;
            }
            i += 1;
            pos = st.array.next_pos(p + 1);
        }
        false
    })?;
    if found && target >= 0 {
        Ok(Value::Null)
    } else {
        Err(Fault::error(
            "OutOfBoundsException",
            format!("Seek position {target} is out of range"),
        ))
    }
}

fn count(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Int(st.array.len() as i64))
}

/// The array key for an offset value, as `$array[$offset]` converts it.
fn key_of(v: &Value) -> PhpResult<ArrayKey> {
    Ok(match v.deref_clone() {
        Value::Int(i) => ArrayKey::Int(i),
        Value::Str(s) => ArrayKey::from_str(s),
        Value::Bool(b) => ArrayKey::Int(i64::from(b)),
        Value::Float(f) => ArrayKey::Int(f as i64),
        Value::Null => ArrayKey::Str(Default::default()),
        other => {
            return Err(Fault::type_error(format!(
                "Illegal offset type: {}",
                other.type_name()
            )))
        }
    })
}

fn offset_exists(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let k = key_of(a.first().unwrap_or(&Value::Null))?;
    with(this, |st| Value::Bool(st.array.contains_key(&k)))
}

fn offset_get(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let k = key_of(a.first().unwrap_or(&Value::Null))?;
    let v = with(this, |st| st.array.get(&k).map(Value::deref_clone))?;
    match v {
        Some(v) => Ok(v),
        None => {
            let shown = match &k {
                ArrayKey::Int(i) => i.to_string(),
                ArrayKey::Str(s) => format!("\"{}\"", s.to_string_lossy()),
            };
            super::super::host::Host::raise(
                vm,
                super::super::error::ErrorLevel::Warning,
                &format!("Undefined array key {shown}"),
            )?;
            Ok(Value::Null)
        }
    }
}

fn offset_set(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let value = a.get(1).map(Value::deref_clone).unwrap_or(Value::Null);
    match a.first().map(Value::deref_clone) {
        None | Some(Value::Null) => {
            with(this, |st| {
                st.array.push(value);
            })?;
        }
        Some(k) => {
            let k = key_of(&k)?;
            with(this, |st| st.array.insert(k, value))?;
        }
    }
    Ok(Value::Null)
}

fn offset_unset(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let k = key_of(a.first().unwrap_or(&Value::Null))?;
    with(this, |st| {
        st.array.remove(&k);
    })?;
    Ok(Value::Null)
}

fn append(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let value = a.first().map(Value::deref_clone).unwrap_or(Value::Null);
    with(this, |st| {
        st.array.push(value);
    })?;
    Ok(Value::Null)
}

fn get_array_copy(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    with(this, |st| Value::array(st.array.clone()))
}

fn get_flags(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Int(st.flags))
}

fn set_flags(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let flags = a.first().map(|v| v.deref_clone().to_int()).unwrap_or(0);
    with(this, |st| {
        st.flags = flags;
        Value::Null
    })
}
