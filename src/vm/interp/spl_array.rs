//! SPL's `ArrayIterator` and `ArrayObject` over an array: iteration (`current`/`key`/
//! `next`/`rewind`/`valid`/`seek`), `ArrayAccess`, `count`, `getArrayCopy`, `append`,
//! sorting, flags, `exchangeArray`, `getIterator` with `setIteratorClass`, `__serialize`.
//! The array is held by value (copy on write) in the object's native state with a position
//! into it, as PHP's `spl_array` does for an array argument; wrapping another
//! `ArrayObject`/`ArrayIterator` copies its array (PHP shares it). Wrapping any other
//! object (iterating its properties) and `ARRAY_AS_PROPS` are refused with an error naming
//! rhvm rather than doing the wrong thing.

use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::builtins::var::PropEntry;
use super::super::error::{Fault, PhpResult};
use super::super::object::{Class, Obj};
use super::super::value::{PhpStr, Value};
use super::class::NativeMethod;
use super::spl::{private, this_of};
use super::Vm;

/// The constants of `ArrayObject` and `ArrayIterator`.
pub(crate) const CONSTS: &[(&str, i64)] = &[("STD_PROP_LIST", 1), ("ARRAY_AS_PROPS", 2)];

/// `ARRAY_AS_PROPS`.
const ARRAY_AS_PROPS: i64 = 2;

/// The methods of `ArrayObject`.
pub(crate) const OBJECT_METHODS: &[(&str, NativeMethod)] = &[
    ("__construct", construct_object),
    ("offsetExists", offset_exists),
    ("offsetGet", offset_get),
    ("offsetSet", offset_set),
    ("offsetUnset", offset_unset),
    ("append", append),
    ("getArrayCopy", get_array_copy),
    ("count", count),
    ("getFlags", get_flags),
    ("setFlags", set_flags),
    ("asort", asort),
    ("ksort", ksort),
    ("uasort", uasort),
    ("uksort", uksort),
    ("natsort", natsort),
    ("natcasesort", natcasesort),
    ("__serialize", magic_serialize),
    ("__unserialize", magic_unserialize),
    ("__debugInfo", debug_info),
    ("getIterator", get_iterator),
    ("exchangeArray", exchange_array),
    ("setIteratorClass", set_iterator_class),
    ("getIteratorClass", get_iterator_class),
];

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
    ("asort", asort),
    ("ksort", ksort),
    ("uasort", uasort),
    ("uksort", uksort),
    ("natsort", natsort),
    ("natcasesort", natcasesort),
    ("__serialize", magic_serialize),
    ("__unserialize", magic_unserialize),
    ("__debugInfo", debug_info),
];

/// The native state: the array, the iteration position, the flags, and for an
/// `ArrayObject` the class `getIterator` makes.
#[derive(Clone)]
pub(crate) struct State {
    pub(crate) array: PhpArray,
    pos: usize,
    flags: i64,
    iterator_class: Option<PhpStr>,
}

impl State {
    pub(crate) fn empty() -> State {
        State {
            array: PhpArray::new(),
            pos: 0,
            flags: 0,
            iterator_class: None,
        }
    }

    pub(crate) fn debug_props(&self, class: &Class) -> Vec<PropEntry> {
        let owner = if class.is_subclass_of(b"arrayobject") {
            "ArrayObject"
        } else {
            "ArrayIterator"
        };
        vec![private("storage", owner, Value::array(self.array.clone()))]
    }
}

/// Runs `f` on the state, creating an empty one for an object whose constructor did not run
/// (a subclass that skipped `parent::__construct`).
fn with<T>(this: Option<&Obj>, f: impl FnOnce(&mut State) -> T) -> PhpResult<T> {
    super::spl::with_state(this, |_| State::empty(), f)
}

/// The array an `ArrayObject`/`ArrayIterator` wraps, from its constructor argument.
fn array_arg(v: Option<Value>, class: &str, method: &str) -> PhpResult<PhpArray> {
    match v {
        None => Ok(PhpArray::new()),
        Some(Value::Array(arr)) => Ok((*arr).clone()),
        Some(Value::Object(o))
            if o.instance_of(b"arrayobject") || o.instance_of(b"arrayiterator") =>
        {
            with(Some(&o), |st| st.array.clone())
        }
        Some(Value::Object(_)) => Err(Fault::error(
            "Error",
            format!(
                "{class}::{method}(): wrapping an object's properties is not implemented by rhvm"
            ),
        )),
        Some(other) => Err(Fault::type_error(format!(
            "{class}::{method}(): Argument #1 ($array) must be of type array, {} given",
            other.type_name()
        ))),
    }
}

/// Refuses `ARRAY_AS_PROPS`, which would route property access to the array.
fn check_flags(flags: i64) -> PhpResult<i64> {
    if flags & ARRAY_AS_PROPS != 0 {
        return Err(Fault::error(
            "Error",
            "ArrayObject::ARRAY_AS_PROPS is not implemented by rhvm",
        ));
    }
    Ok(flags)
}

fn construct(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let array = array_arg(
        a.first().map(Value::deref_clone),
        "ArrayIterator",
        "__construct",
    )?;
    let flags = check_flags(a.get(1).map(|v| v.deref_clone().to_int()).unwrap_or(0))?;
    let obj = this_of(this)?;
    obj.borrow_mut().internal = Some(Box::new(State {
        array,
        pos: 0,
        flags,
        iterator_class: None,
    }));
    Ok(Value::Null)
}

fn construct_object(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let array = array_arg(
        a.first().map(Value::deref_clone),
        "ArrayObject",
        "__construct",
    )?;
    let flags = check_flags(a.get(1).map(|v| v.deref_clone().to_int()).unwrap_or(0))?;
    let iterator_class = match a.get(2).map(Value::deref_clone) {
        None => None,
        Some(v) => Some(iterator_class_arg(vm, &v, "__construct", 3)?),
    };
    let obj = this_of(this)?;
    obj.borrow_mut().internal = Some(Box::new(State {
        array,
        pos: 0,
        flags,
        iterator_class,
    }));
    Ok(Value::Null)
}

/// A class name that must name `ArrayIterator` or a subclass.
fn iterator_class_arg(vm: &mut Vm, v: &Value, method: &str, n: usize) -> PhpResult<PhpStr> {
    let name = vm.to_php_str(v)?;
    match vm.find_class_autoload(&name)? {
        Some(c) if c.is_subclass_of(b"arrayiterator") => Ok(c.name.clone()),
        _ => Err(Fault::type_error(format!(
            "ArrayObject::{method}(): Argument #{n} ($iteratorClass) must be a class name derived from ArrayIterator, {} given",
            name.to_string_lossy()
        ))),
    }
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
    let flags = check_flags(a.first().map(|v| v.deref_clone().to_int()).unwrap_or(0))?;
    with(this, |st| {
        st.flags = flags;
        Value::Null
    })
}

/// Sorts the array with the PHP function `func` (`asort`, `uksort`, ...), passing the
/// method's arguments after the array.
fn sort_with(vm: &mut Vm, this: Option<&Obj>, func: &str, a: &[Value]) -> PhpResult<Value> {
    let array = with(this, |st| std::mem::take(&mut st.array))?;
    let cell = Value::new_ref(Value::array(array));
    let mut args = vec![Value::Ref(cell.clone())];
    args.extend(a.iter().map(Value::deref_clone));
    let r = vm.call_value(&Value::str(func), &args);
    let sorted = match cell.borrow().deref_clone() {
        Value::Array(arr) => (*arr).clone(),
        _ => PhpArray::new(),
    };
    with(this, |st| {
        st.array = sorted;
        st.pos = 0;
    })?;
    r?;
    Ok(Value::Bool(true))
}

fn asort(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    sort_with(vm, this, "asort", a)
}

fn ksort(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    sort_with(vm, this, "ksort", a)
}

fn uasort(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    sort_with(vm, this, "uasort", a)
}

fn uksort(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    sort_with(vm, this, "uksort", a)
}

fn natsort(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    sort_with(vm, this, "natsort", a)
}

fn natcasesort(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    sort_with(vm, this, "natcasesort", a)
}

/// `__serialize()`: `[flags, storage, properties, iterator class or null]`.
fn magic_serialize(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let (flags, array, ic) = with(this, |st| {
        (st.flags, st.array.clone(), st.iterator_class.clone())
    })?;
    let mut out = PhpArray::new();
    out.push(Value::Int(flags));
    out.push(Value::array(array));
    out.push(Value::array(vm.object_to_array(obj)));
    out.push(match ic {
        Some(c) if c.as_bytes() != b"ArrayIterator" => Value::Str(c),
        _ => Value::Null,
    });
    Ok(Value::array(out))
}

fn magic_unserialize(
    _vm: &mut Vm,
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
    let Some(Value::Array(data)) = a.first().map(Value::deref_clone) else {
        return Err(bad());
    };
    let get = |i: i64| data.get(&ArrayKey::Int(i)).map(Value::deref_clone);
    let (Some(Value::Int(flags)), Some(storage), Some(Value::Array(props))) =
        (get(0), get(1), get(2))
    else {
        return Err(bad());
    };
    let array = match storage {
        Value::Array(arr) => (*arr).clone(),
        Value::Object(o) if o.instance_of(b"arrayobject") || o.instance_of(b"arrayiterator") => {
            with(Some(&o), |st| st.array.clone())?
        }
        _ => return Err(bad()),
    };
    let ic = match get(3) {
        Some(Value::Str(s)) => Some(s),
        _ => None,
    };
    with(this, |st| {
        st.flags = flags;
        st.array = array;
        st.pos = 0;
        st.iterator_class = ic;
    })?;
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

fn get_iterator(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let (array, flags, ic) = with(this, |st| {
        (st.array.clone(), st.flags, st.iterator_class.clone())
    })?;
    let name = ic.unwrap_or_else(|| PhpStr::from("ArrayIterator"));
    let class = vm.find_class(&name).ok_or_else(|| {
        Fault::error(
            "Error",
            format!("Class \"{}\" not found", name.to_string_lossy()),
        )
    })?;
    let it = vm.instantiate(&class)?;
    it.borrow_mut().internal = Some(Box::new(State {
        array,
        pos: 0,
        flags,
        iterator_class: None,
    }));
    Ok(Value::Object(it))
}

fn exchange_array(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let array = array_arg(
        Some(a.first().map(Value::deref_clone).unwrap_or(Value::Null)),
        "ArrayObject",
        "exchangeArray",
    )?;
    let old = with(this, |st| {
        st.pos = 0;
        std::mem::replace(&mut st.array, array)
    })?;
    Ok(Value::array(old))
}

fn set_iterator_class(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let v = a.first().map(Value::deref_clone).unwrap_or(Value::Null);
    let name = iterator_class_arg(vm, &v, "setIteratorClass", 1)?;
    with(this, |st| st.iterator_class = Some(name))?;
    Ok(Value::Null)
}

fn get_iterator_class(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    with(this, |st| {
        Value::Str(
            st.iterator_class
                .clone()
                .unwrap_or_else(|| PhpStr::from("ArrayIterator")),
        )
    })
}
