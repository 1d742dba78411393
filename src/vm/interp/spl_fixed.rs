//! SPL's `SplFixedArray` (a fixed-size vector indexed from 0), the `InternalIterator` its
//! `getIterator()` (and `WeakMap`'s) returns, and `EmptyIterator`.

use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::builtins::var::{PropEntry, PropVis};
use super::super::convert::float_to_repr;
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::object::{Class, Obj};
use super::super::value::{PhpStr, Value};
use super::class::NativeMethod;
use super::spl::{int_param, this_of, with_state};
use super::Vm;

/// The methods of `SplFixedArray`.
pub(crate) const METHODS: &[(&str, NativeMethod)] = &[
    ("__construct", construct),
    ("__wakeup", wakeup),
    ("count", count),
    ("toArray", to_array),
    ("static fromArray", from_array),
    ("getSize", get_size),
    ("setSize", set_size),
    ("offsetExists", offset_exists),
    ("offsetGet", offset_get),
    ("offsetSet", offset_set),
    ("offsetUnset", offset_unset),
    ("getIterator", get_iterator),
    ("jsonSerialize", to_array),
];

/// The native state.
#[derive(Clone, Default)]
pub(crate) struct State {
    pub(crate) items: Vec<Value>,
}

impl State {
    /// The elements, shown as integer-keyed properties (as PHP's `get_properties` does).
    pub(crate) fn debug_props(&self) -> Vec<PropEntry> {
        self.items
            .iter()
            .enumerate()
            .map(|(i, v)| PropEntry {
                name: PhpStr::from(i.to_string()),
                vis: PropVis::Index,
                value: v.clone(),
            })
            .collect()
    }
}

fn with<T>(this: Option<&Obj>, f: impl FnOnce(&mut State) -> T) -> PhpResult<T> {
    with_state(this, |_| State::default(), f)
}

fn arg(a: &[Value], i: usize) -> Value {
    a.get(i).map(Value::deref_clone).unwrap_or(Value::Null)
}

fn out_of_range() -> Fault {
    Fault::error("RuntimeException", "Index invalid or out of range")
}

/// `spl_fixedarray_convert_offset`.
fn offset(vm: &mut Vm, v: &Value) -> PhpResult<i64> {
    match v.deref_clone() {
        Value::Int(i) => Ok(i),
        Value::Bool(b) => Ok(i64::from(b)),
        Value::Float(f) => {
            if !f.is_finite() || f.fract() != 0.0 {
                let shown = String::from_utf8_lossy(&float_to_repr(f)).into_owned();
                vm.raise(
                    ErrorLevel::Deprecated,
                    &format!("Implicit conversion from float {shown} to int loses precision"),
                )?;
            }
            Ok(super::super::convert::float_to_int(f))
        }
        Value::Str(s) => match ArrayKey::from_str(s) {
            ArrayKey::Int(i) => Ok(i),
            ArrayKey::Str(_) => Err(Fault::type_error("Illegal offset type")),
        },
        _ => Err(Fault::type_error("Illegal offset type")),
    }
}

/// A size argument (`__construct`, `setSize`): an int that must not be negative.
fn size_arg(vm: &mut Vm, a: &[Value], method: &str) -> PhpResult<usize> {
    let func = format!("SplFixedArray::{method}");
    let size = match a.first() {
        Some(v) => int_param(vm, v, &func, 1, "size", false)?.unwrap_or(0),
        None => 0,
    };
    if size < 0 {
        return Err(Fault::value_error(format!(
            "{func}(): Argument #1 ($size) must be greater than or equal to 0"
        )));
    }
    let size = size as usize;
    check_size(vm, size)?;
    Ok(size)
}

/// Refuses a vector that could never be allocated, before trying (PHP runs out of memory).
fn check_size(vm: &mut Vm, size: usize) -> PhpResult<()> {
    if size > MAX_SIZE {
        return Err(Fault::fatal(format!(
            "Possible integer overflow in memory allocation ({size} * 16 + 0)"
        )));
    }
    vm.check_alloc(size.saturating_mul(16))
}

/// The largest `SplFixedArray` attempted (2^32 elements).
const MAX_SIZE: usize = 1 << 32;

fn construct(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let size = size_arg(vm, a, "__construct")?;
    with(this, |st| st.items = vec![Value::Null; size])?;
    Ok(Value::Null)
}

fn wakeup(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    // Unserialized elements arrive as properties; move them into the array.
    let obj = this_of(this)?;
    let props = obj.borrow().props.to_array();
    let mut items = Vec::new();
    let mut rest = PhpArray::new();
    for (k, v) in props.iter() {
        match k {
            ArrayKey::Int(_) => items.push(v.deref_clone()),
            other => rest.insert(other, v.clone()),
        }
    }
    obj.borrow_mut().props.set_array(rest);
    with(this, |st| {
        if st.items.is_empty() {
            st.items = items;
        }
    })?;
    Ok(Value::Null)
}

fn count(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Int(st.items.len() as i64))
}

fn to_array(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| {
        let mut a = PhpArray::new();
        for v in &st.items {
            a.push(v.clone());
        }
        Value::array(a)
    })
}

fn from_array(vm: &mut Vm, _this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let arr = match arg(a, 0) {
        Value::Array(arr) => arr,
        other => {
            return Err(Fault::type_error(format!(
                "SplFixedArray::fromArray(): Argument #1 ($array) must be of type array, {} given",
                other.type_name()
            )))
        }
    };
    let preserve = a.get(1).is_none_or(|v| v.deref_clone().to_bool());
    let items = if preserve {
        let mut max = -1i64;
        for (k, _) in arr.iter() {
            match k {
                ArrayKey::Int(i) if i >= 0 => max = max.max(i),
                _ => {
                    return Err(Fault::error(
                        "InvalidArgumentException",
                        "array must contain only positive integer keys",
                    ))
                }
            }
        }
        let size = if max < 0 { 0 } else { max as usize + 1 };
        check_size(vm, size)?;
        let mut items = vec![Value::Null; size];
        for (k, v) in arr.iter() {
            if let ArrayKey::Int(i) = k {
                items[i as usize] = v.deref_clone();
            }
        }
        items
    } else {
        arr.values().map(Value::deref_clone).collect()
    };
    let class = vm
        .find_class(b"SplFixedArray")
        .ok_or_else(|| Fault::error("Error", "Class \"SplFixedArray\" not found"))?;
    let obj = vm.instantiate(&class)?;
    obj.borrow_mut().internal = Some(Box::new(State { items }));
    Ok(Value::Object(obj))
}

fn get_size(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Int(st.items.len() as i64))
}

fn set_size(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let size = size_arg(vm, a, "setSize")?;
    with(this, |st| st.items.resize(size, Value::Null))?;
    Ok(Value::Bool(true))
}

/// The vector position of an offset, or None when out of range.
fn position(st: &State, i: i64) -> Option<usize> {
    (i >= 0 && (i as usize) < st.items.len()).then_some(i as usize)
}

fn offset_exists(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let i = offset(vm, &arg(a, 0))?;
    with(this, |st| {
        Value::Bool(position(st, i).is_some_and(|p| !matches!(st.items[p], Value::Null)))
    })
}

fn offset_get(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let i = offset(vm, &arg(a, 0))?;
    with(this, |st| position(st, i).map(|p| st.items[p].clone()))?.ok_or_else(out_of_range)
}

fn offset_set(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let key = arg(a, 0);
    if matches!(key, Value::Null) {
        return Err(Fault::error(
            "Error",
            "[] operator not supported for SplFixedArray",
        ));
    }
    let i = offset(vm, &key)?;
    let value = arg(a, 1);
    with(this, |st| match position(st, i) {
        Some(p) => {
            st.items[p] = value;
            Ok(Value::Null)
        }
        None => Err(out_of_range()),
    })?
}

fn offset_unset(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let i = offset(vm, &arg(a, 0))?;
    with(this, |st| match position(st, i) {
        Some(p) => {
            st.items[p] = Value::Null;
            Ok(Value::Null)
        }
        None => Err(out_of_range()),
    })?
}

fn get_iterator(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?.clone();
    with(Some(&obj), |_| ())?;
    new_internal_iterator(vm, Source::Fixed(obj))
}

// ----- InternalIterator -----

/// What an `InternalIterator` walks.
pub(crate) enum Source {
    /// A live `SplFixedArray` (writes during iteration show, as in PHP).
    Fixed(Obj),
    /// A snapshot of key/value pairs (keys may be objects: `WeakMap`).
    Pairs(Vec<(Value, Value)>),
}

/// The native state of an `InternalIterator`.
pub(crate) struct IterState {
    pub(crate) source: Source,
    pos: usize,
}

/// The methods of `InternalIterator`.
pub(crate) const ITERATOR_METHODS: &[(&str, NativeMethod)] = &[
    ("current", it_current),
    ("key", it_key),
    ("next", it_next),
    ("valid", it_valid),
    ("rewind", it_rewind),
];

/// A new `InternalIterator` over `source`.
pub(crate) fn new_internal_iterator(vm: &mut Vm, source: Source) -> PhpResult<Value> {
    let class = vm
        .find_class(b"InternalIterator")
        .ok_or_else(|| Fault::error("Error", "Class \"InternalIterator\" not found"))?;
    let id = vm.alloc_obj_id();
    let obj = Obj::new(class, PhpArray::new(), id);
    obj.borrow_mut().internal = Some(Box::new(IterState { source, pos: 0 }));
    Ok(Value::Object(obj))
}

/// The pair at the iterator's position, if any.
fn it_entry(this: Option<&Obj>) -> PhpResult<Option<(Value, Value)>> {
    let obj = this_of(this)?;
    let (fixed, pos) = {
        let d = obj.borrow();
        let Some(st) = d
            .internal
            .as_ref()
            .and_then(|i| i.downcast_ref::<IterState>())
        else {
            return Ok(None);
        };
        match &st.source {
            Source::Fixed(o) => (o.clone(), st.pos),
            Source::Pairs(p) => return Ok(p.get(st.pos).cloned()),
        }
    };
    with(Some(&fixed), |st| {
        st.items
            .get(pos)
            .map(|v| (Value::Int(pos as i64), v.clone()))
    })
}

fn it_pos(this: Option<&Obj>, f: impl FnOnce(&mut usize)) -> PhpResult<()> {
    let obj = this_of(this)?;
    let mut d = obj.borrow_mut();
    if let Some(st) = d
        .internal
        .as_mut()
        .and_then(|i| i.downcast_mut::<IterState>())
    {
        f(&mut st.pos);
    }
    Ok(())
}

fn it_current(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    Ok(it_entry(this)?.map(|(_, v)| v).unwrap_or(Value::Null))
}

fn it_key(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    Ok(it_entry(this)?.map(|(k, _)| k).unwrap_or(Value::Null))
}

fn it_next(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    it_pos(this, |p| *p += 1)?;
    Ok(Value::Null)
}

fn it_valid(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(it_entry(this)?.is_some()))
}

fn it_rewind(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    it_pos(this, |p| *p = 0)?;
    Ok(Value::Null)
}

// ----- EmptyIterator -----

/// The methods of `EmptyIterator`.
pub(crate) const EMPTY_METHODS: &[(&str, NativeMethod)] = &[
    ("current", empty_current),
    ("key", empty_key),
    ("next", empty_nothing),
    ("rewind", empty_nothing),
    ("valid", empty_valid),
];

fn empty_current(_vm: &mut Vm, _t: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    Err(Fault::error(
        "BadMethodCallException",
        "Accessing the value of an EmptyIterator",
    ))
}

fn empty_key(_vm: &mut Vm, _t: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    Err(Fault::error(
        "BadMethodCallException",
        "Accessing the key of an EmptyIterator",
    ))
}

fn empty_nothing(_vm: &mut Vm, _t: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Null)
}

fn empty_valid(_vm: &mut Vm, _t: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(false))
}
