//! SPL's heaps: `SplHeap` (abstract), `SplMinHeap`, `SplMaxHeap` and `SplPriorityQueue`.
//! The binary heap sifts exactly as PHP's `spl_heap.c` does (same comparisons in the same
//! order), so equal elements come out, and `var_dump` shows them, in PHP's order. A
//! `compare()` overridden in PHP is called for every comparison; the heap is taken out of
//! the object while it runs, and an exception thrown there leaves the heap corrupted as in
//! PHP.

use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::builtins::var::PropEntry;
use super::super::error::{Fault, PhpResult};
use super::super::object::{Class, Obj};
use super::super::ops;
use super::super::value::{PhpStr, Value};
use super::class::{MethodImpl, NativeMethod};
use super::spl::{private, this_of, with_state};
use super::Vm;

/// The methods every heap has (`SplHeap` and `SplPriorityQueue`).
macro_rules! heap_methods {
    ($($extra:expr),* $(,)?) => {
        &[
            ("extract", extract),
            ("top", top),
            ("count", count),
            ("isEmpty", is_empty),
            ("rewind", rewind),
            ("current", current),
            ("key", key),
            ("next", next),
            ("valid", valid),
            ("recoverFromCorruption", recover),
            ("isCorrupted", is_corrupted),
            ("__debugInfo", debug_info),
            $($extra),*
        ]
    };
}

/// The methods of `SplHeap` (`compare` is abstract there).
pub(crate) const HEAP_METHODS: &[(&str, NativeMethod)] = heap_methods![("insert", insert)];

/// The methods `SplMinHeap` adds.
pub(crate) const MIN_METHODS: &[(&str, NativeMethod)] = &[("protected compare", compare_min)];

/// The methods `SplMaxHeap` adds.
pub(crate) const MAX_METHODS: &[(&str, NativeMethod)] = &[("protected compare", compare_max)];

/// The methods of `SplPriorityQueue`.
pub(crate) const PQ_METHODS: &[(&str, NativeMethod)] = heap_methods![
    ("insert", pq_insert),
    ("compare", compare_max),
    ("setExtractFlags", set_extract_flags),
    ("getExtractFlags", get_extract_flags),
];

/// The constants of `SplPriorityQueue`.
pub(crate) const PQ_CONSTS: &[(&str, i64)] =
    &[("EXTR_BOTH", 3), ("EXTR_PRIORITY", 2), ("EXTR_DATA", 1)];

const EXTR_DATA: i64 = 1;
const EXTR_PRIORITY: i64 = 2;

/// One element: the value, and its priority in a priority queue.
#[derive(Clone)]
pub(crate) struct Elem {
    pub(crate) data: Value,
    pub(crate) priority: Value,
}

/// How elements compare when `compare()` is not overridden in PHP.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Min,
    Max,
    Queue,
}

/// The native state.
#[derive(Clone)]
pub(crate) struct State {
    pub(crate) heap: Vec<Elem>,
    kind: Kind,
    /// A priority queue's extract flags (0 for plain heaps).
    flags: i64,
    corrupted: bool,
}

impl State {
    pub(crate) fn for_class(class: &Class) -> State {
        let kind = if class.is_subclass_of(b"splpriorityqueue") {
            Kind::Queue
        } else if class.is_subclass_of(b"splminheap") {
            Kind::Min
        } else {
            Kind::Max
        };
        State {
            heap: Vec::new(),
            kind,
            flags: if kind == Kind::Queue { EXTR_DATA } else { 0 },
            corrupted: false,
        }
    }

    pub(crate) fn debug_props(&self) -> Vec<PropEntry> {
        let owner = if self.kind == Kind::Queue {
            "SplPriorityQueue"
        } else {
            "SplHeap"
        };
        let mut heap = PhpArray::new();
        for e in &self.heap {
            heap.push(if self.kind == Kind::Queue {
                pair(e)
            } else {
                e.data.clone()
            });
        }
        vec![
            private("flags", owner, Value::Int(self.flags)),
            private("isCorrupted", owner, Value::Bool(self.corrupted)),
            private("heap", owner, Value::array(heap)),
        ]
    }

    /// What `top`/`extract`/`current` return for an element.
    fn shown(&self, e: &Elem) -> Value {
        if self.kind != Kind::Queue {
            return e.data.clone();
        }
        match self.flags & 3 {
            EXTR_DATA => e.data.clone(),
            EXTR_PRIORITY => e.priority.clone(),
            _ => pair(e),
        }
    }
}

/// `["data" => ..., "priority" => ...]`.
fn pair(e: &Elem) -> Value {
    let mut a = PhpArray::new();
    a.insert(ArrayKey::Str(PhpStr::from("data")), e.data.clone());
    a.insert(ArrayKey::Str(PhpStr::from("priority")), e.priority.clone());
    Value::array(a)
}

fn with<T>(this: Option<&Obj>, f: impl FnOnce(&mut State) -> T) -> PhpResult<T> {
    with_state(this, |o| State::for_class(&o.class()), f)
}

fn corrupted() -> Fault {
    Fault::error(
        "RuntimeException",
        "Heap is corrupted, heap properties are no longer ensured.",
    )
}

/// The comparator of one heap operation: PHP's `compare()` when a PHP class overrides it.
struct Cmp<'a> {
    vm: &'a mut Vm,
    obj: &'a Obj,
    kind: Kind,
    user: bool,
    /// The first exception `compare()` threw; later comparisons answer 0, as in PHP.
    err: Option<Fault>,
}

impl Cmp<'_> {
    fn new<'a>(vm: &'a mut Vm, obj: &'a Obj, kind: Kind) -> Cmp<'a> {
        let class = obj.class();
        let user = vm
            .find_method(&class, b"compare")
            .is_some_and(|m| matches!(m.imp, MethodImpl::User(_)));
        Cmp {
            vm,
            obj,
            kind,
            user,
            err: None,
        }
    }

    /// `cmp(a, b)`: positive when `a` belongs nearer the top.
    fn cmp(&mut self, a: &Elem, b: &Elem) -> i64 {
        if self.err.is_some() {
            return 0;
        }
        let (x, y) = if self.kind == Kind::Queue {
            (&a.priority, &b.priority)
        } else {
            (&a.data, &b.data)
        };
        let r = if self.user {
            self.vm
                .call_method_value(self.obj, b"compare", &[x.clone(), y.clone()])
                .map(|v| v.to_int().signum())
        } else {
            match self.kind {
                Kind::Min => spaceship(self.vm, y, x),
                Kind::Max | Kind::Queue => spaceship(self.vm, x, y),
            }
        };
        r.unwrap_or_else(|e| {
            self.err = Some(e);
            0
        })
    }
}

/// Takes the heap out of the object for an operation that may run PHP code.
fn take(this: Option<&Obj>) -> PhpResult<(Vec<Elem>, Kind, bool)> {
    with(this, |st| {
        (std::mem::take(&mut st.heap), st.kind, st.corrupted)
    })
}

/// Puts the heap back, corrupted if a comparison threw.
fn put_back(this: Option<&Obj>, heap: Vec<Elem>, err: Option<Fault>) -> PhpResult<()> {
    let failed = err.is_some();
    with(this, |st| {
        st.heap = heap;
        if failed {
            st.corrupted = true;
        }
    })?;
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// `spl_ptr_heap_insert`.
fn heap_insert(vm: &mut Vm, this: Option<&Obj>, elem: Elem) -> PhpResult<()> {
    let obj = this_of(this)?;
    let (mut heap, kind, corrupt) = take(this)?;
    if corrupt {
        put_back(this, heap, None)?;
        return Err(corrupted());
    }
    let mut cmp = Cmp::new(vm, obj, kind);
    let mut i = heap.len();
    heap.push(elem.clone());
    while i > 0 {
        let parent = (i - 1) / 2;
        if cmp.cmp(&heap[parent], &elem) >= 0 {
            break;
        }
        heap[i] = heap[parent].clone();
        i = parent;
    }
    heap[i] = elem;
    let err = cmp.err.take();
    put_back(this, heap, err)
}

/// `spl_ptr_heap_delete_top`: removes and returns the top (None when empty).
fn delete_top(vm: &mut Vm, this: Option<&Obj>) -> PhpResult<Option<Elem>> {
    let obj = this_of(this)?;
    let (mut heap, kind, _) = take(this)?;
    if heap.is_empty() {
        put_back(this, heap, None)?;
        return Ok(None);
    }
    let count = heap.len();
    let limit = (count - 1) / 2;
    let top = heap[0].clone();
    let bottom = heap[count - 1].clone();
    let mut cmp = Cmp::new(vm, obj, kind);
    let mut i = 0;
    while i < limit {
        let mut j = i * 2 + 1;
        if j + 1 < count && cmp.cmp(&heap[j + 1], &heap[j]) > 0 {
            j += 1;
        }
        if cmp.cmp(&bottom, &heap[j]) < 0 {
            heap[i] = heap[j].clone();
            i = j;
        } else {
            break;
        }
    }
    heap[i] = bottom;
    heap.pop();
    let err = cmp.err.take();
    put_back(this, heap, err)?;
    Ok(Some(top))
}

fn arg(a: &[Value], i: usize) -> Value {
    a.get(i).map(Value::deref_clone).unwrap_or(Value::Null)
}

fn insert(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let elem = Elem {
        data: arg(a, 0),
        priority: Value::Null,
    };
    heap_insert(vm, this, elem)?;
    Ok(Value::Bool(true))
}

fn pq_insert(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let elem = Elem {
        data: arg(a, 0),
        priority: arg(a, 1),
    };
    heap_insert(vm, this, elem)?;
    Ok(Value::Bool(true))
}

fn extract(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    if with(this, |st| st.corrupted)? {
        return Err(corrupted());
    }
    match delete_top(vm, this)? {
        Some(e) => with(this, |st| st.shown(&e)),
        None => Err(Fault::error(
            "RuntimeException",
            "Can't extract from an empty heap",
        )),
    }
}

fn top(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| {
        if st.corrupted {
            return Err(corrupted());
        }
        match st.heap.first() {
            Some(e) => Ok(st.shown(e)),
            None => Err(Fault::error(
                "RuntimeException",
                "Can't peek at an empty heap",
            )),
        }
    })?
}

fn count(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Int(st.heap.len() as i64))
}

fn is_empty(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Bool(st.heap.is_empty()))
}

fn rewind(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |_| Value::Null)
}

fn current(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| match st.heap.first() {
        Some(e) => st.shown(e),
        None => Value::Null,
    })
}

fn key(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Int(st.heap.len() as i64 - 1))
}

fn next(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    delete_top(vm, this)?;
    Ok(Value::Null)
}

fn valid(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| Value::Bool(!st.heap.is_empty()))
}

fn recover(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with(this, |st| {
        st.corrupted = false;
        Value::Bool(true)
    })
}

fn is_corrupted(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    with(this, |st| Value::Bool(st.corrupted))
}

fn debug_info(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    with(this, |_| ())?;
    Ok(Value::array(super::spl_dllist::debug_array(vm, obj)))
}

/// `$a <=> $b`.
fn spaceship(vm: &mut Vm, a: &Value, b: &Value) -> PhpResult<i64> {
    Ok(match ops::compare(vm, a, b)? {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

fn compare_min(vm: &mut Vm, _this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(spaceship(vm, &arg(a, 1), &arg(a, 0))?))
}

fn compare_max(vm: &mut Vm, _this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(spaceship(vm, &arg(a, 0), &arg(a, 1))?))
}

fn set_extract_flags(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let flags = arg(a, 0).to_int() & 3;
    if flags == 0 {
        return Err(Fault::error(
            "RuntimeException",
            "Must specify at least one extract flag",
        ));
    }
    with(this, |st| {
        st.flags = flags;
        Value::Int(flags)
    })
}

fn get_extract_flags(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    with(this, |st| Value::Int(st.flags))
}
