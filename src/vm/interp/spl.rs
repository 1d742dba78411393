//! Plumbing shared by the SPL data structures (`spl_array.rs`, `spl_dllist.rs`,
//! `spl_heap.rs`, `spl_storage.rs`, `spl_fixed.rs`): their native state lives in
//! `ObjectData::internal` and is created on first use (a subclass may skip
//! `parent::__construct`). This module is the one place the rest of the engine asks about
//! that state: `clone` copies it (`clone_native`), `var_dump`/`print_r` show it as PHP's
//! `get_debug_info` does (`debug_props`), and the cycle collector sees the values it holds
//! (`scan_native`).

use std::any::Any;

use super::super::builtins::var::{PropEntry, PropVis};
use super::super::error::{Fault, PhpResult};
use super::super::object::{Held, Obj};
use super::super::value::{PhpStr, Value};

/// `$this` of a native method, or PHP's error for a static call.
pub(crate) fn this_of(this: Option<&Obj>) -> PhpResult<&Obj> {
    this.ok_or_else(|| Fault::error("Error", "Using $this when not in object context"))
}

/// Runs `f` on the object's native state of type `S`, creating it with `init` when the
/// object has none yet. `f` must not run PHP code (the object stays borrowed).
pub(crate) fn with_state<S: 'static, T>(
    this: Option<&Obj>,
    init: impl FnOnce(&Obj) -> S,
    f: impl FnOnce(&mut S) -> T,
) -> PhpResult<T> {
    let obj = this_of(this)?;
    let missing = obj
        .borrow()
        .internal
        .as_ref()
        .and_then(|i| i.downcast_ref::<S>())
        .is_none();
    if missing {
        let st = init(obj);
        obj.borrow_mut().internal = Some(Box::new(st));
    }
    let mut d = obj.borrow_mut();
    match d.internal.as_mut().and_then(|i| i.downcast_mut::<S>()) {
        Some(st) => Ok(f(st)),
        None => Err(Fault::error("Error", "SPL object has no native state")),
    }
}

/// A copy of an SPL object's native state for `clone` (None for other native states).
pub(crate) fn clone_native(native: &dyn Any) -> Option<Box<dyn Any>> {
    if let Some(s) = native.downcast_ref::<super::spl_array::State>() {
        return Some(Box::new(s.clone()));
    }
    if let Some(s) = native.downcast_ref::<super::spl_dllist::State>() {
        return Some(Box::new(s.clone()));
    }
    if let Some(s) = native.downcast_ref::<super::spl_heap::State>() {
        return Some(Box::new(s.clone()));
    }
    if let Some(s) = native.downcast_ref::<super::spl_storage::State>() {
        return Some(Box::new(s.clone()));
    }
    if let Some(s) = native.downcast_ref::<super::spl_fixed::State>() {
        return Some(Box::new(s.clone()));
    }
    if let Some(s) = native.downcast_ref::<super::spl_storage::WeakState>() {
        return Some(Box::new(s.clone()));
    }
    None
}

/// A private property as `var_dump` shows it.
pub(crate) fn private(name: &str, class: &str, value: Value) -> PropEntry {
    PropEntry {
        name: PhpStr::from(name),
        vis: PropVis::Private(PhpStr::from(class)),
        value,
    }
}

/// The extra entries `var_dump`/`print_r` show after an SPL object's own properties.
pub(crate) fn debug_props(obj: &Obj) -> Vec<PropEntry> {
    let d = obj.borrow();
    let Some(native) = d.internal.as_deref() else {
        return default_debug_props(&d.class);
    };
    if let Some(s) = native.downcast_ref::<super::spl_array::State>() {
        return s.debug_props(&d.class);
    }
    if let Some(s) = native.downcast_ref::<super::spl_dllist::State>() {
        return s.debug_props();
    }
    if let Some(s) = native.downcast_ref::<super::spl_heap::State>() {
        return s.debug_props();
    }
    if let Some(s) = native.downcast_ref::<super::spl_storage::State>() {
        return s.debug_props();
    }
    if let Some(s) = native.downcast_ref::<super::spl_fixed::State>() {
        return s.debug_props();
    }
    if let Some(s) = native.downcast_ref::<super::spl_storage::WeakState>() {
        return s.debug_props();
    }
    Vec::new()
}

/// What an SPL object whose state was never touched shows (PHP creates it with the object).
fn default_debug_props(class: &super::super::object::Class) -> Vec<PropEntry> {
    if class.is_subclass_of(b"arrayobject") || class.is_subclass_of(b"arrayiterator") {
        return super::spl_array::State::empty().debug_props(class);
    }
    if class.is_subclass_of(b"spldoublylinkedlist") {
        return super::spl_dllist::State::for_class(class).debug_props();
    }
    if class.is_subclass_of(b"splheap") || class.is_subclass_of(b"splpriorityqueue") {
        return super::spl_heap::State::for_class(class).debug_props();
    }
    if class.is_subclass_of(b"splobjectstorage") {
        return super::spl_storage::State::default().debug_props();
    }
    Vec::new()
}

/// Reports the values an SPL object's native state holds to the cycle collector.
pub(crate) fn scan_native(native: &dyn Any, f: &mut dyn FnMut(Held<'_>)) -> bool {
    if let Some(s) = native.downcast_ref::<super::spl_array::State>() {
        s.array.values().for_each(|v| f(Held::Value(v)));
    } else if let Some(s) = native.downcast_ref::<super::spl_dllist::State>() {
        s.list.iter().for_each(|v| f(Held::Value(v)));
    } else if let Some(s) = native.downcast_ref::<super::spl_heap::State>() {
        for e in &s.heap {
            f(Held::Value(&e.data));
            f(Held::Value(&e.priority));
        }
    } else if let Some(s) = native.downcast_ref::<super::spl_storage::State>() {
        for e in s.entries.iter().flatten() {
            f(Held::Obj(&e.obj));
            f(Held::Value(&e.inf));
        }
    } else if let Some(s) = native.downcast_ref::<super::spl_fixed::State>() {
        s.items.iter().for_each(|v| f(Held::Value(v)));
    } else if let Some(s) = native.downcast_ref::<super::spl_storage::WeakState>() {
        // The keys are weak; only the values are held.
        s.entries.iter().for_each(|(_, v)| f(Held::Value(v)));
    } else if let Some(s) = native.downcast_ref::<super::spl_fixed::IterState>() {
        match &s.source {
            super::spl_fixed::Source::Fixed(o) => f(Held::Obj(o)),
            super::spl_fixed::Source::Pairs(p) => p.iter().for_each(|(k, v)| {
                f(Held::Value(k));
                f(Held::Value(v));
            }),
        }
    } else {
        return false;
    }
    true
}

/// Argument `n` (1-based) of a native method declared `int $param` (or `?int`), coerced as
/// PHP's parameter parsing does, with its TypeError and deprecation texts.
pub(crate) fn int_param(
    vm: &mut super::Vm,
    v: &Value,
    func: &str,
    n: usize,
    param: &str,
    nullable: bool,
) -> PhpResult<Option<i64>> {
    let ty = super::super::coerce::TypeSpec::parse(if nullable { "?int" } else { "int" });
    let strict = vm.frames.last().is_some_and(|f| f.func.strict_types);
    let ctx = super::super::coerce::ArgCtx {
        func,
        arg_num: n,
        param,
        internal: true,
    };
    match super::super::coerce::coerce_arg(vm, v.clone(), &ty, strict, &ctx)? {
        Value::Int(i) => Ok(Some(i)),
        _ => Ok(None),
    }
}
