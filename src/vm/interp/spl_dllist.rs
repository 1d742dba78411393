//! SPL's `SplDoublyLinkedList` and its subclasses `SplQueue` and `SplStack`: a deque of
//! values with PHP's iteration modes (`IT_MODE_LIFO`, `IT_MODE_DELETE`), `ArrayAccess` by
//! position (counted from the top in LIFO mode), and PHP 8.2's exception texts. The
//! traverse pointer is a position in the deque, moved along when elements are added or
//! removed before it, as PHP's pointer to a list element stays on its element.

use std::collections::VecDeque;
use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::builtins::var::PropEntry;
use super::super::error::{Fault, PhpResult};
use super::super::object::{Class, Obj};
use super::super::value::{PhpStr, Value};
use super::class::NativeMethod;
use super::spl::{int_param, private, with_state};
use super::Vm;

/// `IT_MODE_LIFO`.
pub(crate) const LIFO: i64 = 2;
/// `IT_MODE_DELETE`.
pub(crate) const DELETE: i64 = 1;
/// The internal flag of `SplStack`/`SplQueue`: the LIFO/FIFO mode is frozen.
const FIX: i64 = 4;

/// The constants of `SplDoublyLinkedList`.
pub(crate) const CONSTS: &[(&str, i64)] = &[
    ("IT_MODE_LIFO", 2),
    ("IT_MODE_FIFO", 0),
    ("IT_MODE_DELETE", 1),
    ("IT_MODE_KEEP", 0),
];

/// The methods of `SplDoublyLinkedList`.
pub(crate) const METHODS: &[(&str, NativeMethod)] = &[
    ("add", add),
    ("pop", pop),
    ("shift", shift),
    ("push", push),
    ("unshift", unshift),
    ("top", top),
    ("bottom", bottom),
    ("__debugInfo", debug_info),
    ("count", count),
    ("isEmpty", is_empty),
    ("setIteratorMode", set_iterator_mode),
    ("getIteratorMode", get_iterator_mode),
    ("offsetExists", offset_exists),
    ("offsetGet", offset_get),
    ("offsetSet", offset_set),
    ("offsetUnset", offset_unset),
    ("rewind", rewind),
    ("current", current),
    ("key", key),
    ("prev", prev),
    ("next", next),
    ("valid", valid),
    ("__serialize", magic_serialize),
    ("__unserialize", magic_unserialize),
];

/// The methods `SplQueue` adds.
pub(crate) const QUEUE_METHODS: &[(&str, NativeMethod)] = &[("enqueue", push), ("dequeue", shift)];

/// The native state.
#[derive(Clone)]
pub(crate) struct State {
    pub(crate) list: VecDeque<Value>,
    flags: i64,
    /// The traverse pointer (None: past either end).
    ptr: Option<usize>,
    /// The traverse position `key()` reports.
    pos: i64,
}

impl State {
    /// The initial state for an object of `class` (`SplStack` is LIFO, both subclasses
    /// frozen).
    pub(crate) fn for_class(class: &Class) -> State {
        let flags = if class.is_subclass_of(b"splstack") {
            LIFO | FIX
        } else if class.is_subclass_of(b"splqueue") {
            FIX
        } else {
            0
        };
        State {
            list: VecDeque::new(),
            flags,
            ptr: None,
            pos: 0,
        }
    }

    pub(crate) fn debug_props(&self) -> Vec<PropEntry> {
        vec![
            private("flags", "SplDoublyLinkedList", Value::Int(self.flags)),
            private(
                "dllist",
                "SplDoublyLinkedList",
                Value::array(self.to_array()),
            ),
        ]
    }

    fn to_array(&self) -> PhpArray {
        let mut a = PhpArray::new();
        for v in &self.list {
            a.push(v.clone());
        }
        a
    }

    fn lifo(&self) -> bool {
        self.flags & LIFO != 0
    }

    /// The deque position of offset `index` (counted from the top in LIFO mode).
    fn position(&self, index: i64) -> Option<usize> {
        if index < 0 || index as usize >= self.list.len() {
            return None;
        }
        let i = index as usize;
        Some(if self.lifo() {
            self.list.len() - 1 - i
        } else {
            i
        })
    }

    fn push_back(&mut self, v: Value) {
        self.list.push_back(v);
    }

    fn push_front(&mut self, v: Value) {
        self.list.push_front(v);
        if let Some(p) = &mut self.ptr {
            *p += 1;
        }
    }

    fn pop_back(&mut self) -> Option<Value> {
        let v = self.list.pop_back()?;
        if self.ptr.is_some_and(|p| p >= self.list.len()) {
            self.ptr = None;
        }
        Some(v)
    }

    fn pop_front(&mut self) -> Option<Value> {
        let v = self.list.pop_front()?;
        self.ptr = match self.ptr {
            Some(0) => None,
            Some(p) => Some(p - 1),
            None => None,
        };
        Some(v)
    }

    fn insert(&mut self, at: usize, v: Value) {
        self.list.insert(at, v);
        if let Some(p) = &mut self.ptr {
            if *p >= at {
                *p += 1;
            }
        }
    }

    fn remove(&mut self, at: usize) {
        self.list.remove(at);
        self.ptr = match self.ptr {
            Some(p) if p == at => None,
            Some(p) if p > at => Some(p - 1),
            other => other,
        };
    }

    fn rewind(&mut self) {
        if self.lifo() {
            self.pos = self.list.len() as i64 - 1;
            self.ptr = self.list.len().checked_sub(1);
        } else {
            self.pos = 0;
            self.ptr = if self.list.is_empty() { None } else { Some(0) };
        }
    }

    /// `spl_dllist_it_helper_move_forward`; `backward` is `prev()`.
    fn step(&mut self, backward: bool) {
        let Some(p) = self.ptr else {
            return;
        };
        let lifo = self.lifo() != backward;
        if lifo {
            self.ptr = p.checked_sub(1);
            self.pos -= 1;
            if self.flags & DELETE != 0 {
                self.pop_back();
            }
        } else {
            self.ptr = if p + 1 < self.list.len() {
                Some(p + 1)
            } else {
                None
            };
            if self.flags & DELETE != 0 {
                self.pop_front();
            } else {
                self.pos += 1;
            }
        }
    }
}

fn with<T>(this: Option<&Obj>, f: impl FnOnce(&mut State) -> T) -> PhpResult<T> {
    with_state(this, |o| State::for_class(&o.class()), f)
}

fn arg(a: &[Value], i: usize) -> Value {
    a.get(i).map(Value::deref_clone).unwrap_or(Value::Null)
}

fn runtime(msg: &str) -> Fault {
    Fault::error("RuntimeException", msg)
}

fn out_of_range(method: &str) -> Fault {
    Fault::error(
        "OutOfRangeException",
        format!("SplDoublyLinkedList::{method}(): Argument #1 ($index) is out of range"),
    )
}

/// Argument #1 `int $index` of `method`.
fn index_arg(vm: &mut Vm, a: &[Value], method: &str) -> PhpResult<i64> {
    let f = format!("SplDoublyLinkedList::{method}");
    Ok(int_param(vm, &arg(a, 0), &f, 1, "index", false)?.unwrap_or(0))
}

fn add(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let index = index_arg(vm, a, "add")?;
    let value = arg(a, 1);
    with(this, |st| {
        if index < 0 || index as usize > st.list.len() {
            return Err(out_of_range("add"));
        }
        if index as usize == st.list.len() {
            st.push_back(value);
        } else if let Some(p) = st.position(index) {
            st.insert(p, value);
        }
        Ok(Value::Null)
    })?
}

fn pop(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| st.pop_back())?.ok_or_else(|| runtime("Can't pop from an empty datastructure"))
}

fn shift(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| st.pop_front())?
        .ok_or_else(|| runtime("Can't shift from an empty datastructure"))
}

fn push(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let v = arg(a, 0);
    with(this, |st| st.push_back(v))?;
    Ok(Value::Null)
}

fn unshift(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let v = arg(a, 0);
    with(this, |st| st.push_front(v))?;
    Ok(Value::Null)
}

fn top(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| st.list.back().cloned())?
        .ok_or_else(|| runtime("Can't peek at an empty datastructure"))
}

fn bottom(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| st.list.front().cloned())?
        .ok_or_else(|| runtime("Can't peek at an empty datastructure"))
}

fn debug_info(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let obj = super::spl::this_of(this)?;
    with(this, |_| ())?;
    Ok(Value::array(debug_array(vm, obj)))
}

/// `__debugInfo()`: the object's properties then the native ones, with mangled names.
pub(crate) fn debug_array(vm: &mut Vm, obj: &Obj) -> PhpArray {
    let mut out = vm.object_to_array(obj);
    for p in super::spl::debug_props(obj) {
        out.insert(
            ArrayKey::from_str(PhpStr::from(super::super::builtins::var::mangled_name(&p))),
            p.value,
        );
    }
    out
}

fn count(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Int(st.list.len() as i64))
}

fn is_empty(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Bool(st.list.is_empty()))
}

fn set_iterator_mode(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let mode = arg(a, 0).to_int();
    with(this, |st| {
        if st.flags & FIX != 0 && (st.flags & LIFO) != (mode & LIFO) {
            return Err(runtime(
                "Iterators' LIFO/FIFO modes for SplStack/SplQueue objects are frozen",
            ));
        }
        st.flags = (mode & 3) | (st.flags & FIX);
        Ok(Value::Int(st.flags))
    })?
}

fn get_iterator_mode(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    with(this, |st| Value::Int(st.flags))
}

fn offset_exists(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let index = index_arg(vm, a, "offsetExists")?;
    with(this, |st| Value::Bool(st.position(index).is_some()))
}

fn offset_get(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let index = index_arg(vm, a, "offsetGet")?;
    with(this, |st| st.position(index).map(|p| st.list[p].clone()))?
        .ok_or_else(|| out_of_range("offsetGet"))
}

fn offset_set(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let index = int_param(
        vm,
        &arg(a, 0),
        "SplDoublyLinkedList::offsetSet",
        1,
        "index",
        true,
    )?;
    let value = arg(a, 1);
    with(this, |st| {
        let Some(index) = index else {
            st.push_back(value);
            return Ok(Value::Null);
        };
        match st.position(index) {
            Some(p) => {
                st.list[p] = value;
                Ok(Value::Null)
            }
            None => Err(out_of_range("offsetSet")),
        }
    })?
}

fn offset_unset(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let index = index_arg(vm, a, "offsetUnset")?;
    with(this, |st| match st.position(index) {
        Some(p) => {
            st.remove(p);
            Ok(Value::Null)
        }
        None => Err(out_of_range("offsetUnset")),
    })?
}

fn rewind(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| st.rewind())?;
    Ok(Value::Null)
}

fn current(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| {
        st.ptr
            .and_then(|p| st.list.get(p).cloned())
            .unwrap_or(Value::Null)
    })
}

fn key(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Int(st.pos))
}

fn prev(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| st.step(true))?;
    Ok(Value::Null)
}

fn next(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| st.step(false))?;
    Ok(Value::Null)
}

fn valid(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Bool(st.ptr.is_some()))
}

/// `__serialize()`: `[flags, [elements...], [properties]]`.
fn magic_serialize(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let obj = super::spl::this_of(this)?;
    let (flags, items) = with(this, |st| (st.flags, st.to_array()))?;
    let mut out = PhpArray::new();
    out.push(Value::Int(flags));
    out.push(Value::array(items));
    out.push(Value::array(vm.object_to_array(obj)));
    Ok(Value::array(out))
}

fn magic_unserialize(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let data = match arg(a, 0) {
        Value::Array(d) => d,
        _ => {
            return Err(Fault::error(
                "UnexpectedValueException",
                "Incomplete or ill-typed serialization data",
            ))
        }
    };
    let flags = data.get(&ArrayKey::Int(0)).map(Value::deref_clone);
    let items = data.get(&ArrayKey::Int(1)).map(Value::deref_clone);
    let props = data.get(&ArrayKey::Int(2)).map(Value::deref_clone);
    let (Some(Value::Int(flags)), Some(Value::Array(items)), Some(Value::Array(props))) =
        (flags, items, props)
    else {
        return Err(Fault::error(
            "UnexpectedValueException",
            "Incomplete or ill-typed serialization data",
        ));
    };
    with(this, |st| {
        st.flags = flags;
        st.list = items.values().map(Value::deref_clone).collect();
        st.ptr = None;
        st.pos = 0;
    })?;
    let obj = super::spl::this_of(this)?;
    let mut d = obj.borrow_mut();
    for (k, v) in props.iter() {
        d.props.insert(k, v.deref_clone());
    }
    Ok(Value::Null)
}
