//! Objects and classes at run time.
//!
//! An object is a shared handle (`Obj`) to its data: the class, the property table (an
//! ordered `PhpArray` keyed by property name, so that `foreach`, `var_dump`, casts and
//! `get_object_vars` see declaration order), an id (`spl_object_id`) and optional native
//! state for built-in classes (closures, generators, ...). Identity is the `Rc` pointer.

use std::any::Any;
use std::cell::{Ref, RefCell, RefMut};
use std::collections::HashMap;
use std::rc::Rc;

use super::array::PhpArray;
use super::ast::Visibility;
use super::value::PhpStr;

thread_local! {
    /// Ids of objects freed in this thread, reused last-freed-first as PHP reuses object
    /// handles (so `spl_object_id` and `var_dump`'s `#N` match PHP's numbering).
    static FREE_IDS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
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
    /// Properties by name, in declaration order then creation order.
    pub props: PhpArray,
    /// `spl_object_id`.
    pub id: u64,
    /// Native state of built-in classes (a closure's function and bound variables, a
    /// generator's frame, ...), downcast by the code that owns that class.
    pub internal: Option<Box<dyn Any>>,
}

impl Obj {
    /// A new object of `class` with the given initial properties.
    pub fn new(class: Rc<Class>, props: PhpArray, id: u64) -> Obj {
        Obj(Rc::new(RefCell::new(ObjectData {
            class,
            props,
            id,
            internal: None,
        })))
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
    pub is_interface: bool,
    pub is_abstract: bool,
    pub is_final: bool,
    pub is_trait: bool,
    pub is_enum: bool,
    /// Engine-specific data (methods, constants, static properties), owned by the
    /// interpreter.
    pub runtime: Box<dyn Any>,
}

impl Class {
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
