//! Objects and classes at run time.
//!
//! An object is a shared handle (`Obj`) to its data: the class, the properties (`Props`:
//! declared ones in slots numbered by the class's `PropLayout`, dynamic ones in an ordered
//! table, so that `foreach`, `var_dump`, casts and `get_object_vars` see declaration
//! order), an id (`spl_object_id`) and optional native state for built-in classes
//! (closures, generators, ...). Identity is the `Rc` pointer.

use std::any::Any;
use std::cell::{Ref, RefCell, RefMut};
use std::collections::HashMap;
use std::rc::Rc;

use super::array::PhpArray;
use super::ast::Visibility;
use super::props::{PropLayout, Props};
use super::value::PhpStr;

thread_local! {
    /// Ids of objects freed in this thread, reused last-freed-first as PHP reuses object
    /// handles (so `spl_object_id` and `var_dump`'s `#N` match PHP's numbering).
    static FREE_IDS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

thread_local! {
    /// Objects whose last handle went away while they still owe a `__destruct` call; the
    /// interpreter runs them at its next safe point (`take_pending_destructs`).
    static PENDING_DESTRUCTS: RefCell<Vec<Obj>> = const { RefCell::new(Vec::new()) };
    /// Whether anything is in `PENDING_DESTRUCTS` (a cheap check for the hot paths).
    static HAS_PENDING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Every object created with a pending destructor, for the destructor pass at the end
    /// of the request (PHP calls the remaining ones in creation-handle order).
    static WITH_DESTRUCTOR: RefCell<Vec<std::rc::Weak<RefCell<ObjectData>>>> =
        const { RefCell::new(Vec::new()) };
    /// Set once the request's destructors have run: objects freed afterwards (engine
    /// teardown) are not queued any more.
    static DESTRUCTORS_DONE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

thread_local! {
    /// Every live object of the request (weakly), for the cycle collector.
    static ALL_OBJECTS: RefCell<Registry> = const {
        RefCell::new(Registry { slots: Vec::new(), free: Vec::new(), serial: 0, since_gc: 0 })
    };
    /// `Registry::since_gc` at which the next collection runs.
    static NEXT_GC: std::cell::Cell<usize> = const { std::cell::Cell::new(GC_MIN) };
    /// A collection is due at the next safe point.
    static GC_DUE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The cycle collector's registry. An object takes a slot when created and gives it back
/// when freed (`ObjectData::drop`): a `Weak` left behind would keep the freed object's
/// allocation alive until the next collection, which on object-heavy code (commonmark's
/// syntax trees) held tens of megabytes of dead objects.
pub struct Registry {
    /// Live objects with their creation serial number; `None` is a free slot.
    slots: Vec<Option<(std::rc::Weak<RefCell<ObjectData>>, u64)>>,
    /// Free slot numbers.
    free: Vec<u32>,
    /// Next creation serial number (collections visit objects in creation order).
    serial: u64,
    /// Survivors of the last collection plus objects created since.
    since_gc: usize,
}

/// Objects allocated between collections at least.
const GC_MIN: usize = 10_000;

/// Whether the cycle collector should run at the next safe point.
pub fn gc_due() -> bool {
    GC_DUE.with(std::cell::Cell::get)
}

/// Finds objects kept alive only by reference cycles among themselves (PHP's
/// `gc_collect_cycles`): an object whose strong count exceeds the references found inside
/// other objects is held from outside (a variable, the stack, a shared array or reference,
/// a closure's captured state) and so is everything reachable from it; the rest is
/// garbage. Garbage that still owes a destructor is returned instead of freed (its
/// destructor runs first; a later collection frees it). Returns (freed count, objects
/// whose destructors must run).
///
/// `scan_internal` reports the values held in a built-in object's native state (a
/// closure's bound variables and `$this`, a suspended generator's registers); values it
/// does not report count as external references. Garbage has its native state dropped
/// along with its properties, which breaks cycles through closures and generators.
pub fn collect_cycles(scan_internal: InternalScan) -> (usize, Vec<Obj>) {
    GC_DUE.with(|d| d.set(false));
    let objs: Vec<Obj> = ALL_OBJECTS.with(|r| {
        let r = r.borrow();
        let mut live: Vec<(u64, Obj)> = r
            .slots
            .iter()
            .flatten()
            .filter_map(|(w, serial)| Some((*serial, Obj(w.upgrade()?))))
            .collect();
        live.sort_unstable_by_key(|(serial, _)| *serial);
        live.into_iter().map(|(_, o)| o).collect()
    });
    let n = objs.len();
    let index: HashMap<*const RefCell<ObjectData>, usize> = objs
        .iter()
        .enumerate()
        .map(|(i, o)| (Rc::as_ptr(&o.0), i))
        .collect();
    let mut internal = vec![0usize; n];
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut pinned = vec![false; n];
    for (i, o) in objs.iter().enumerate() {
        let Ok(d) = o.0.try_borrow() else {
            pinned[i] = true;
            continue;
        };
        for v in d.props.values() {
            scan_value(v, &index, &mut |j| {
                internal[j] += 1;
                edges[i].push(j);
            });
        }
        if let Some(native) = d.internal.as_deref() {
            scan_internal(native, &mut |r| {
                let mut edge = |j: usize| {
                    internal[j] += 1;
                    edges[i].push(j);
                };
                match r {
                    Held::Value(v) => scan_value(v, &index, &mut edge),
                    Held::Obj(o) => {
                        if let Some(&j) = index.get(&Rc::as_ptr(&o.0)) {
                            edge(j);
                        }
                    }
                }
            });
        }
    }
    let mut alive = vec![false; n];
    let mut stack = Vec::new();
    for i in 0..n {
        // `objs` itself holds one strong reference to each object.
        let external = Rc::strong_count(&objs[i].0).saturating_sub(1 + internal[i]);
        if pinned[i] || external > 0 {
            alive[i] = true;
            stack.push(i);
        }
    }
    while let Some(i) = stack.pop() {
        for &j in &edges[i] {
            if !alive[j] {
                alive[j] = true;
                stack.push(j);
            }
        }
    }
    let garbage: Vec<usize> = (0..n).filter(|&i| !alive[i]).collect();
    let owing: Vec<Obj> = garbage
        .iter()
        .filter(|&&i| objs[i].0.borrow().needs_destruct)
        .map(|&i| objs[i].clone())
        .collect();
    let mut freed = 0;
    let mut dropped = Vec::new();
    if owing.is_empty() {
        for &i in &garbage {
            let mut d = objs[i].0.borrow_mut();
            dropped.push((std::mem::take(&mut d.props), d.internal.take()));
            freed += 1;
        }
    }
    let survivors = n - freed;
    ALL_OBJECTS.with(|r| r.borrow_mut().since_gc = survivors);
    NEXT_GC.with(|g| g.set((survivors * 2).max(survivors + GC_MIN)));
    drop(dropped);
    drop(objs);
    (freed, owing)
}

/// Reports the PHP values inside a built-in object's native state (see `collect_cycles`).
pub type InternalScan = fn(&dyn Any, &mut dyn FnMut(Held<'_>));

/// Something a built-in object's native state holds, as reported to the cycle collector.
pub enum Held<'a> {
    Value(&'a super::value::Value),
    Obj(&'a Obj),
}

fn scan_value(
    v: &super::value::Value,
    index: &HashMap<*const RefCell<ObjectData>, usize>,
    f: &mut dyn FnMut(usize),
) {
    use super::value::Value;
    match v {
        Value::Object(o) => {
            if let Some(&j) = index.get(&Rc::as_ptr(&o.0)) {
                f(j);
            }
        }
        // Shared arrays and references may be held from outside: their contents count
        // as external (never collected through them).
        Value::Array(a) if Rc::strong_count(a) == 1 => {
            for x in a.values() {
                scan_value(x, index, f);
            }
        }
        Value::Ref(r) if Rc::strong_count(r) == 1 => {
            if let Ok(b) = r.try_borrow() {
                scan_value(&b, index, f);
            }
        }
        _ => {}
    }
}

/// Whether destructors are waiting to run.
#[inline]
pub fn destructs_pending() -> bool {
    HAS_PENDING.with(std::cell::Cell::get)
}

fn register_object(obj: &Obj) {
    let _ = ALL_OBJECTS.try_with(|a| {
        let mut a = a.borrow_mut();
        let serial = a.serial;
        a.serial += 1;
        let entry = Some((Rc::downgrade(&obj.0), serial));
        let slot = match a.free.pop() {
            Some(s) => {
                a.slots[s as usize] = entry;
                s
            }
            None => match u32::try_from(a.slots.len()) {
                Ok(s) => {
                    a.slots.push(entry);
                    s
                }
                Err(_) => return,
            },
        };
        obj.0.borrow_mut().gc_slot = slot;
        a.since_gc += 1;
        if a.since_gc >= NEXT_GC.with(std::cell::Cell::get) {
            GC_DUE.with(|d| d.set(true));
            HAS_PENDING.with(|h| h.set(true));
        }
    });
}

/// Gives a freed object's registry slot back (only if the slot is still its own: a slot of
/// an earlier request's registry may have been reused).
fn unregister_object(slot: u32) {
    let _ = ALL_OBJECTS.try_with(|a| {
        let Ok(mut a) = a.try_borrow_mut() else {
            return;
        };
        let s = slot as usize;
        if matches!(a.slots.get(s), Some(Some((w, _))) if w.strong_count() == 0) {
            a.slots[s] = None;
            a.free.push(slot);
        }
    });
}

/// Takes the objects whose destructors are due, in the order they became unreachable.
pub fn take_pending_destructs() -> Vec<Obj> {
    HAS_PENDING.with(|h| h.set(false));
    PENDING_DESTRUCTS.with(|p| std::mem::take(&mut *p.borrow_mut()))
}

/// Records a new object that has a `__destruct` method.
pub fn register_destructible(obj: &Obj) {
    obj.0.borrow_mut().needs_destruct = true;
    WITH_DESTRUCTOR.with(|w| {
        let mut w = w.borrow_mut();
        if w.len() >= 1024 && w.len().is_power_of_two() {
            w.retain(|x| x.strong_count() > 0);
        }
        w.push(Rc::downgrade(&obj.0));
    });
}

/// The live objects that still owe a destructor call, by object id (PHP's handle order),
/// for the end of the request.
pub fn remaining_destructibles() -> Vec<Obj> {
    let mut live: Vec<Obj> = WITH_DESTRUCTOR.with(|w| {
        w.borrow()
            .iter()
            .filter_map(std::rc::Weak::upgrade)
            .map(Obj)
            .filter(|o| o.0.try_borrow().is_ok_and(|d| d.needs_destruct))
            .collect()
    });
    live.sort_by_key(Obj::id);
    live
}

/// Stops queueing destructors (the request is over), or re-arms for a new request.
pub fn set_destructors_done(done: bool) {
    DESTRUCTORS_DONE.with(|d| d.set(done));
    if !done {
        ALL_OBJECTS.with(|w| {
            let mut w = w.borrow_mut();
            w.slots.clear();
            w.free.clear();
            w.since_gc = 0;
        });
        NEXT_GC.with(|g| g.set(GC_MIN));
        GC_DUE.with(|d| d.set(false));
        WITH_DESTRUCTOR.with(|w| w.borrow_mut().clear());
        PENDING_DESTRUCTS.with(|p| p.borrow_mut().clear());
        HAS_PENDING.with(|h| h.set(false));
    }
}

impl Drop for Obj {
    fn drop(&mut self) {
        if Rc::strong_count(&self.0) != 1 {
            return;
        }
        let due = match self.0.try_borrow_mut() {
            Ok(mut d) if d.needs_destruct => {
                d.needs_destruct = false;
                true
            }
            _ => false,
        };
        if !due
            || DESTRUCTORS_DONE
                .try_with(std::cell::Cell::get)
                .unwrap_or(true)
        {
            return;
        }
        // Resurrect the object for its destructor: the queue holds it until it has run.
        let again = Obj(self.0.clone());
        let _ = PENDING_DESTRUCTS.try_with(|p| p.borrow_mut().push(again));
        let _ = HAS_PENDING.try_with(|h| h.set(true));
    }
}

/// Takes the most recently freed object id, if any.
pub fn take_free_id() -> Option<u64> {
    FREE_IDS.with(|f| f.borrow_mut().pop())
}

/// Forgets freed ids (a new request numbers objects from 1 again).
pub fn reset_free_ids() {
    FREE_IDS.with(|f| f.borrow_mut().clear());
}

/// Set in the id of the hidden objects that carry PHP resources (`builtins::file`), so
/// they neither take nor recycle the ids of real objects.
pub const RESOURCE_ID_BIT: u64 = 1 << 62;

impl Drop for ObjectData {
    fn drop(&mut self) {
        if self.gc_slot != u32::MAX {
            unregister_object(self.gc_slot);
        }
        let id = self.id;
        if id & RESOURCE_ID_BIT != 0 {
            return;
        }
        // During thread teardown the list may already be gone; then there is nothing to
        // reuse anyway.
        let _ = FREE_IDS.try_with(|f| f.borrow_mut().push(id));
    }
}

/// A handle to a PHP object.
#[derive(Clone)]
pub struct Obj(pub Rc<RefCell<ObjectData>>);

/// The contents of an object.
pub struct ObjectData {
    pub class: Rc<Class>,
    /// Properties: declared ones by slot, then dynamic ones in creation order.
    pub props: Props,
    /// `spl_object_id`.
    pub id: u64,
    /// Native state of built-in classes (a closure's function and bound variables, a
    /// generator's frame, ...), downcast by the code that owns that class.
    pub internal: Option<Box<dyn Any>>,
    /// The class has `__destruct` and it has not been called yet.
    pub needs_destruct: bool,
    /// The object's slot in the cycle collector's registry (`u32::MAX`: none).
    gc_slot: u32,
}

impl Obj {
    /// A new object of `class` with the given initial properties (declared ones missing
    /// from `props` start unset).
    pub fn new(class: Rc<Class>, props: PhpArray, id: u64) -> Obj {
        let props = Props::from_array(class.layout.clone(), props);
        Obj::with_props(class, props, id)
    }

    /// A new object of `class` with properties laid out for it.
    pub fn with_props(class: Rc<Class>, props: Props, id: u64) -> Obj {
        let obj = Obj(Rc::new(RefCell::new(ObjectData {
            class,
            props,
            id,
            internal: None,
            needs_destruct: false,
            gc_slot: u32::MAX,
        })));
        register_object(&obj);
        obj
    }

    pub fn borrow(&self) -> Ref<'_, ObjectData> {
        self.0.borrow()
    }

    pub fn borrow_mut(&self) -> RefMut<'_, ObjectData> {
        self.0.borrow_mut()
    }

    /// The class name as declared (original case).
    pub fn class_name(&self) -> PhpStr {
        self.0.borrow().class.name.clone()
    }

    /// `display_class_name` of the object's class, for messages.
    pub fn class_display_name(&self) -> String {
        self.0.borrow().class.display_name()
    }

    /// The object's class.
    pub fn class(&self) -> Rc<Class> {
        self.0.borrow().class.clone()
    }

    /// `spl_object_id`.
    pub fn id(&self) -> u64 {
        self.0.borrow().id
    }

    /// Identity comparison (`===` on objects).
    pub fn ptr_eq(&self, other: &Obj) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// Whether the object is an instance of the class or interface named `lc_name`
    /// (lower-case).
    pub fn instance_of(&self, lc_name: &[u8]) -> bool {
        self.0.borrow().class.is_subclass_of(lc_name)
    }
}

/// A map keyed by names (properties, methods), hashed with foldhash: these lookups run on
/// every property access and method call, where SipHash's cost shows.
pub type NameMap<V> = HashMap<PhpStr, V, foldhash::fast::RandomState>;

/// A declared property.
#[derive(Debug, Clone)]
pub struct PropDecl {
    pub name: PhpStr,
    pub visibility: Visibility,
    pub is_static: bool,
    pub is_readonly: bool,
    /// The class that declared it (original case), for `var_dump`'s `:"Foo":private`.
    pub declaring_class: PhpStr,
    /// The declared type of a typed property (`uninitialized(int)` in `var_dump`).
    pub ty: Option<super::coerce::TypeSpec>,
}

/// A class, interface, trait or enum at run time.
pub struct Class {
    /// Name as declared.
    pub name: PhpStr,
    /// Lower-cased name (class names are case-insensitive).
    pub lc_name: PhpStr,
    pub parent: Option<Rc<Class>>,
    /// Lower-cased names of every interface this class implements, directly or inherited.
    pub interfaces: Vec<PhpStr>,
    /// Declared properties, parents' first.
    pub props: Vec<PropDecl>,
    /// Property name -> index into `props`.
    pub prop_index: NameMap<usize>,
    /// Slot numbers of the declared properties: slot `i` is `props[i]`.
    pub layout: Rc<PropLayout>,
    pub is_interface: bool,
    pub is_abstract: bool,
    pub is_final: bool,
    pub is_trait: bool,
    pub is_enum: bool,
    /// Engine-specific data (methods, constants, static properties), owned by the
    /// interpreter.
    pub runtime: Box<dyn Any>,
}

/// The name PHP shows for a class in messages and dumps (what C's `%s` prints): an
/// anonymous class is named `class@anonymous\0FILE:LINE$N` (`Parent@anonymous\0...`),
/// and only the part before the NUL shows. `get_class`, `::class`, `var_export` and the
/// uncaught-exception line keep the full name.
pub fn display_class_name(name: &[u8]) -> &[u8] {
    match name.iter().position(|&c| c == 0) {
        Some(nul) => &name[..nul],
        None => name,
    }
}

impl Class {
    /// `display_class_name` of this class, for messages.
    pub fn display_name(&self) -> String {
        String::from_utf8_lossy(display_class_name(&self.name)).into_owned()
    }

    /// Whether this class is `lc_name` or extends/implements it.
    pub fn is_subclass_of(&self, lc_name: &[u8]) -> bool {
        let mut c = Some(self);
        while let Some(class) = c {
            if class.lc_name.as_bytes() == lc_name {
                return true;
            }
            c = class.parent.as_deref();
        }
        self.interfaces.iter().any(|i| i.as_bytes() == lc_name)
    }

    /// `is_subclass_of` with a name in any case.
    pub fn is_subclass_of_ci(&self, name: &[u8]) -> bool {
        let mut c = Some(self);
        while let Some(class) = c {
            if class.lc_name.eq_ignore_ascii_case(name) {
                return true;
            }
            c = class.parent.as_deref();
        }
        self.interfaces.iter().any(|i| i.eq_ignore_ascii_case(name))
    }

    /// The declaration of property `name`, if declared.
    pub fn prop_decl(&self, name: &[u8]) -> Option<&PropDecl> {
        self.prop_index.get(name).map(|&i| &self.props[i])
    }
}
