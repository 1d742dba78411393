//! An object's property storage: declared properties in slots, dynamic ones in a table.
//!
//! As in PHP's `zend_object`, a class's declared (non-static) properties get fixed slot
//! numbers when it is linked (`PropLayout`: inherited properties keep the parent's numbers,
//! so a slot found for a class is valid for its subclasses), and an object holds one
//! `Value` per slot, cloned from the class's default template. Properties created at run
//! time (and every property of `stdClass`) live in an ordered `PhpArray` allocated on first
//! use. Enumeration gives PHP's order: slots in declaration order, then dynamic properties
//! in creation order.
//!
//! A slot holding `Value::Undef` is either an uninitialized typed property (still listed,
//! `uninitialized(int)` in `var_dump`, "must not be accessed before initialization") or,
//! when its `unset` flag is set, a property removed by `unset()` (not listed; reading it
//! calls `__get`). The `PhpArray`-like methods below (`get_str`, `insert`, `remove`,
//! `iter`, positions) keep exactly the meaning the per-object hash table had.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use super::array::{ArrayKey, PhpArray};
use super::coerce::TypeSpec;
use super::object::{Class, NameMap};
use super::value::{PhpStr, Value};

/// The slot numbering of a class's declared properties.
#[derive(Default)]
pub struct PropLayout {
    /// Slot -> property name.
    pub names: Vec<PhpStr>,
    /// Property name -> slot.
    pub index: NameMap<usize>,
}

impl PropLayout {
    /// A layout giving each name its position as slot number.
    pub fn new(names: Vec<PhpStr>) -> PropLayout {
        let index = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        PropLayout { names, index }
    }

    /// The slot of property `name`, if declared.
    #[inline]
    pub fn slot_of(&self, name: &[u8]) -> Option<usize> {
        if self.names.is_empty() {
            return None;
        }
        self.index.get(name).copied()
    }
}

/// Rarely needed parts of `Props`, boxed so that an object without dynamic or unset
/// properties pays one pointer for them.
#[derive(Clone, Default)]
struct Extra {
    /// Dynamic properties in creation order.
    dynamic: PhpArray,
    /// Per slot: removed by `unset()` (empty until the first unset).
    unset: Vec<bool>,
    /// The internal pointer of `current($obj)`/`next($obj)` (deprecated on objects), as a
    /// position in `to_array`'s order.
    internal_pos: usize,
}

/// The properties of one object (see the module documentation).
#[derive(Clone)]
pub struct Props {
    layout: Rc<PropLayout>,
    slots: Box<[Value]>,
    extra: Option<Box<Extra>>,
}

thread_local! {
    static EMPTY_LAYOUT: Rc<PropLayout> = Rc::new(PropLayout::default());
}

impl Default for Props {
    fn default() -> Self {
        Props {
            layout: EMPTY_LAYOUT.with(Rc::clone),
            slots: Box::new([]),
            extra: None,
        }
    }
}

impl Props {
    /// Properties from a template: `slots` must have one value per slot of `layout`.
    pub fn from_slots(layout: Rc<PropLayout>, slots: Box<[Value]>) -> Props {
        debug_assert_eq!(layout.names.len(), slots.len());
        Props {
            layout,
            slots,
            extra: None,
        }
    }

    /// Properties from a table: declared names go to their slots (declared properties
    /// missing from `arr` count as unset), the rest become dynamic properties.
    pub fn from_array(layout: Rc<PropLayout>, arr: PhpArray) -> Props {
        let n = layout.names.len();
        let mut p = Props {
            slots: vec![Value::Undef; n].into_boxed_slice(),
            extra: None,
            layout,
        };
        if n > 0 {
            p.extra_mut().unset = vec![true; n];
        }
        if n == 0 {
            if !arr.is_empty() {
                p.extra_mut().dynamic = arr;
            }
            return p;
        }
        for (k, v) in arr.into_entries() {
            p.insert(k, v);
        }
        p.shrink_extra();
        p
    }

    /// Drops the boxed extras when nothing is unset and there are no dynamic properties.
    fn shrink_extra(&mut self) {
        if let Some(e) = &mut self.extra {
            if !e.unset.contains(&true) {
                e.unset = Vec::new();
                if e.dynamic.is_empty() {
                    self.extra = None;
                }
            }
        }
    }

    /// The slot layout.
    pub fn layout(&self) -> &Rc<PropLayout> {
        &self.layout
    }

    fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Box::default)
    }

    /// Whether slot `i` was removed by `unset()`.
    #[inline]
    pub fn is_unset(&self, i: usize) -> bool {
        self.extra
            .as_ref()
            .is_some_and(|e| e.unset.get(i).copied().unwrap_or(false))
    }

    fn set_unset(&mut self, i: usize, unset: bool) {
        if !unset && self.extra.as_ref().is_none_or(|e| e.unset.is_empty()) {
            return;
        }
        let n = self.slots.len();
        let e = self.extra_mut();
        if e.unset.len() < n {
            e.unset.resize(n, false);
        }
        e.unset[i] = unset;
    }

    /// The value in slot `i` (`Undef` when uninitialized or unset).
    #[inline]
    pub fn slot(&self, i: usize) -> Option<&Value> {
        self.slots.get(i)
    }

    /// Mutable `slot`. Writing a live value into an unset slot needs `insert` instead.
    #[inline]
    pub fn slot_mut(&mut self, i: usize) -> Option<&mut Value> {
        self.slots.get_mut(i)
    }

    /// The value in slot `i` unless the property was unset.
    #[inline]
    pub fn value_at_live_mut(&mut self, i: usize) -> Option<&mut Value> {
        if matches!(self.slots.get(i)?, Value::Undef) && self.is_unset(i) {
            return None;
        }
        self.slots.get_mut(i)
    }

    /// The slot of `name` if it is a live (not unset) declared property.
    #[inline]
    fn live_slot(&self, name: &[u8]) -> Option<Option<usize>> {
        let i = self.layout.slot_of(name)?;
        Some((!(matches!(self.slots[i], Value::Undef) && self.is_unset(i))).then_some(i))
    }

    /// Number of properties (uninitialized typed ones included, unset ones not).
    pub fn len(&self) -> usize {
        let unset = match &self.extra {
            Some(e) => e.unset.iter().filter(|&&u| u).count(),
            None => 0,
        };
        self.slots.len() - unset + self.dynamic().map_or(0, PhpArray::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The dynamic properties, if any were ever created.
    pub fn dynamic(&self) -> Option<&PhpArray> {
        self.extra.as_ref().map(|e| &e.dynamic)
    }

    /// The property `name`.
    #[inline]
    pub fn get_str(&self, name: &[u8]) -> Option<&Value> {
        match self.live_slot(name) {
            Some(Some(i)) => Some(&self.slots[i]),
            Some(None) => None,
            None => self.dynamic()?.get_str(name),
        }
    }

    /// The property with key `key` (int keys are always dynamic).
    pub fn get(&self, key: &ArrayKey) -> Option<&Value> {
        match key {
            ArrayKey::Str(s) => self.get_str(s),
            ArrayKey::Int(_) => self.dynamic()?.get(key),
        }
    }

    pub fn contains_key(&self, key: &ArrayKey) -> bool {
        self.get(key).is_some()
    }

    /// Mutable `get`.
    pub fn get_mut(&mut self, key: &ArrayKey) -> Option<&mut Value> {
        if let ArrayKey::Str(s) = key {
            match self.live_slot(s) {
                Some(Some(i)) => return Some(&mut self.slots[i]),
                Some(None) => return None,
                None => {}
            }
        }
        self.extra.as_mut()?.dynamic.get_mut(key)
    }

    /// Sets a property, creating it (in its slot, or as a dynamic one) if needed.
    pub fn insert(&mut self, key: ArrayKey, value: Value) {
        if let ArrayKey::Str(s) = &key {
            if let Some(i) = self.layout.slot_of(s) {
                self.slots[i] = value;
                self.set_unset(i, false);
                return;
            }
        }
        self.extra_mut().dynamic.insert(key, value);
    }

    /// Removes a property (a declared one becomes unset); returns its value.
    pub fn remove(&mut self, key: &ArrayKey) -> Option<Value> {
        if let ArrayKey::Str(s) = key {
            if let Some(i) = self.layout.slot_of(s) {
                if matches!(self.slots[i], Value::Undef) && self.is_unset(i) {
                    return None;
                }
                let old = std::mem::take(&mut self.slots[i]);
                self.set_unset(i, true);
                return Some(old);
            }
        }
        let e = self.extra.as_mut()?;
        e.dynamic.remove(key)
    }

    /// One past the last position: slots take positions `0..slots`, dynamic properties
    /// follow at their table positions.
    pub fn end_pos(&self) -> usize {
        self.slots.len() + self.dynamic().map_or(0, PhpArray::end_pos)
    }

    /// The first live position at or after `pos`.
    pub fn next_pos(&self, pos: usize) -> Option<usize> {
        let n = self.slots.len();
        let mut p = pos;
        while p < n {
            if !(matches!(self.slots[p], Value::Undef) && self.is_unset(p)) {
                return Some(p);
            }
            p += 1;
        }
        self.dynamic()?.next_pos(p - n).map(|d| d + n)
    }

    /// The entry at a live position.
    pub fn entry_at(&self, pos: usize) -> Option<(ArrayKey, &Value)> {
        let n = self.slots.len();
        if pos < n {
            if matches!(self.slots[pos], Value::Undef) && self.is_unset(pos) {
                return None;
            }
            return Some((
                ArrayKey::Str(self.layout.names[pos].clone()),
                &self.slots[pos],
            ));
        }
        self.dynamic()?.entry_at(pos - n)
    }

    /// The value at a live position, mutably.
    pub fn value_at_mut(&mut self, pos: usize) -> Option<&mut Value> {
        let n = self.slots.len();
        if pos < n {
            if matches!(self.slots[pos], Value::Undef) && self.is_unset(pos) {
                return None;
            }
            return Some(&mut self.slots[pos]);
        }
        self.extra.as_mut()?.dynamic.value_at_mut(pos - n)
    }

    /// Iterates `(name, &value)` in PHP's order.
    pub fn iter(&self) -> impl Iterator<Item = (ArrayKey, &Value)> + '_ {
        self.iter_keeping(|_| false)
    }

    /// `iter`, but also listing the unset slots `keep_unset` picks (as `Undef`): `var_dump`
    /// shows an unset typed property as uninitialized, as PHP does.
    pub fn iter_keeping<'a>(
        &'a self,
        keep_unset: impl Fn(usize) -> bool + 'a,
    ) -> impl Iterator<Item = (ArrayKey, &'a Value)> + 'a {
        let unset = self
            .extra
            .as_ref()
            .map(|e| e.unset.as_slice())
            .unwrap_or(&[]);
        self.slots
            .iter()
            .enumerate()
            .filter(move |(i, v)| {
                !(matches!(v, Value::Undef) && unset.get(*i).copied().unwrap_or(false))
                    || keep_unset(*i)
            })
            .map(|(i, v)| (ArrayKey::Str(self.layout.names[i].clone()), v))
            .chain(self.dynamic().into_iter().flat_map(PhpArray::iter))
    }

    /// The values in order.
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.iter().map(|(_, v)| v)
    }

    /// The names in order.
    pub fn keys(&self) -> impl Iterator<Item = ArrayKey> + '_ {
        self.iter().map(|(k, _)| k)
    }

    /// Every stored value, mutably (unset slots hold `Undef`).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Value> + '_ {
        let dynamic = self.extra.as_mut().map(|e| e.dynamic.values_mut());
        self.slots.iter_mut().chain(dynamic.into_iter().flatten())
    }

    /// The properties as a PHP array (names unmangled), in order.
    pub fn to_array(&self) -> PhpArray {
        let mut out = PhpArray::with_hash_capacity(self.slots.len());
        for (k, v) in self.iter() {
            out.insert(k, v.clone());
        }
        out
    }

    /// Moves the properties out as a table (names unmangled, in order), leaving none.
    pub fn take_array(&mut self) -> PhpArray {
        let mut out = PhpArray::with_hash_capacity(self.slots.len());
        let extra = self.extra.take();
        let (dynamic, unset) = match extra {
            Some(e) => (Some(e.dynamic), e.unset),
            None => (None, Vec::new()),
        };
        for (i, v) in self.slots.iter_mut().enumerate() {
            if matches!(v, Value::Undef) && unset.get(i).copied().unwrap_or(false) {
                continue;
            }
            out.insert(
                ArrayKey::Str(self.layout.names[i].clone()),
                std::mem::take(v),
            );
        }
        for (k, v) in dynamic.map(PhpArray::into_entries).unwrap_or_default() {
            out.insert(k, v);
        }
        let n = self.slots.len();
        if n > 0 {
            self.extra_mut().unset = vec![true; n];
        }
        out
    }

    /// Runs `f` on the properties as a table (with the object's internal pointer) and
    /// stores the table back: for the rare builtins that treat an object as an array
    /// (`array_walk`, `current`/`next`/`reset`/`end` on objects). No PHP code may run in `f`.
    pub fn with_array<R>(&mut self, f: impl FnOnce(&mut PhpArray) -> R) -> R {
        let pos = self.extra.as_ref().map_or(0, |e| e.internal_pos);
        let mut a = self.take_array();
        a.set_internal_pos(pos);
        let out = f(&mut a);
        let pos = a.internal_pos();
        self.set_array(a);
        if pos != 0 {
            self.extra_mut().internal_pos = pos;
        }
        out
    }

    /// Replaces every property by the entries of `arr` (see `from_array`).
    pub fn set_array(&mut self, arr: PhpArray) {
        *self = Props::from_array(self.layout.clone(), arr);
    }
}

/// The inline cache of one property instruction with a constant name (`Op::PropGet`,
/// `Op::PropSet`): for objects of one class seen from one calling scope, the slot of the
/// declared property the name reaches, recorded after the uncached code found it
/// accessible. Addresses are compared; the entry holds weak handles to both classes and to
/// the layout so that no other class or layout can take those addresses while it exists
/// (compiled functions outlive a request in the server; a weak handle keeps only the
/// allocation, none of the class's contents).
#[derive(Default)]
pub struct PropIc {
    /// Address of the object's class (0: empty entry).
    class: Cell<usize>,
    /// Address of the calling scope's class (0: no class scope).
    scope: Cell<usize>,
    /// Address of the object's slot layout.
    layout: Cell<usize>,
    pos: Cell<u32>,
    /// Value kinds (`coerce::value_kind_bit`) a cached write stores as they are: every kind
    /// for an untyped property, `TypeSpec::exact_mask` for a typed one, none for a readonly
    /// one (its writes always take the uncached code).
    write_mask: Cell<u16>,
    keep: RefCell<Option<IcKeep>>,
}

/// What a `PropIc` entry holds on to: the address keepers and the declared type (for
/// objects assigned to a class-typed property).
struct IcKeep {
    _class: Weak<Class>,
    _scope: Option<Weak<Class>>,
    _layout: Weak<PropLayout>,
    ty: Option<TypeSpec>,
}

impl Clone for PropIc {
    /// A copy starts empty (the cache belongs to one instruction of one function).
    fn clone(&self) -> Self {
        PropIc::default()
    }
}

impl std::fmt::Debug for PropIc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PropIc")
    }
}

impl PropIc {
    /// The cached slot for an object whose class and layout are at these addresses,
    /// accessed from the scope at `scope`.
    #[inline(always)]
    pub fn lookup(&self, class: usize, scope: usize, layout: usize) -> Option<usize> {
        if self.class.get() == class && self.scope.get() == scope && self.layout.get() == layout {
            Some(self.pos.get() as usize)
        } else {
            None
        }
    }

    /// See `write_mask` above.
    #[inline(always)]
    pub fn write_mask(&self) -> u16 {
        self.write_mask.get()
    }

    /// Whether the cached property's declared type takes `v` as it is (for values outside
    /// `write_mask`, i.e. objects and class types); false for an empty entry.
    pub fn type_accepts(&self, v: &Value) -> bool {
        match &*self.keep.borrow() {
            Some(k) => k.ty.as_ref().is_some_and(|t| t.accepts_exactly(v)),
            None => false,
        }
    }

    /// Records that, from `scope`, the name reaches the accessible declared property in
    /// slot `pos` of objects of `class` laid out by `layout`.
    pub fn fill(
        &self,
        class: &Rc<Class>,
        scope: Option<&Rc<Class>>,
        layout: &Rc<PropLayout>,
        pos: usize,
        ty: Option<TypeSpec>,
        readonly: bool,
    ) {
        let Ok(pos) = u32::try_from(pos) else {
            return;
        };
        let write_mask = match &ty {
            _ if readonly => 0,
            Some(t) => t.exact_mask(),
            None => u16::MAX,
        };
        self.class.set(Rc::as_ptr(class) as usize);
        self.scope.set(scope.map_or(0, |c| Rc::as_ptr(c) as usize));
        self.layout.set(Rc::as_ptr(layout) as usize);
        self.pos.set(pos);
        self.write_mask.set(write_mask);
        *self.keep.borrow_mut() = Some(IcKeep {
            _class: Rc::downgrade(class),
            _scope: scope.map(Rc::downgrade),
            _layout: Rc::downgrade(layout),
            ty,
        });
    }
}
