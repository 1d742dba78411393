//! Classes and objects at run time: linking a compiled `ClassDef` into an `object::Class`
//! (inheritance, interfaces, traits, constants, static properties, methods), object
//! creation and property access with visibility, closures, and the built-in classes
//! (`stdClass`, `Closure`, the `Throwable` hierarchy, `ArrayAccess`, `Iterator`, ...).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use super::super::array::{ArrayKey, PhpArray};
use super::super::ast::{ClassKind, Visibility};
use super::super::bytecode::{ClassDef, ClassOperand, ConstInit, Func, Operand, Unit};
use super::super::coerce::{coerce_arg, ArgCtx};
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::object::{display_class_name, Class, NameMap, Obj, PropDecl};
use super::super::value::{PhpRef, PhpStr, Value};

/// Kinds of magic property method, for `Vm::magic_guards`.
pub(crate) struct MagicGuard;

impl MagicGuard {
    pub const GET: u8 = 1;
    pub const SET: u8 = 2;
    pub const ISSET: u8 = 4;
    pub const UNSET: u8 = 8;
}
use super::call::CallTarget;
use super::Vm;

/// A method implemented in Rust: `(vm, this, called class, args)`.
pub type NativeMethod = fn(&mut Vm, Option<&Obj>, &Rc<Class>, &[Value]) -> PhpResult<Value>;

/// How a method runs.
#[derive(Clone)]
pub enum MethodImpl {
    User(Rc<Func>),
    Native(NativeMethod),
}

/// A method of a linked class.
pub struct MethodRt {
    /// Name as declared.
    pub name: PhpStr,
    pub imp: MethodImpl,
    pub visibility: Visibility,
    pub is_static: bool,
    pub is_abstract: bool,
    pub is_final: bool,
    /// The class that declared it (for `self::` and private access).
    pub scope: Weak<Class>,
}

/// A class constant's state: computed lazily.
#[derive(Clone)]
enum ConstState {
    Ready(Value),
    Pending(ConstInit),
}

/// The engine's data for a class (in `Class::runtime`).
pub struct ClassRt {
    /// Methods by lower-case name, inherited ones included.
    pub methods: NameMap<Rc<MethodRt>>,
    consts: RefCell<HashMap<PhpStr, ConstState>>,
    /// Static properties by name (inherited ones share the parent's cell).
    pub static_props: HashMap<PhpStr, PhpRef>,
    /// Instance property defaults in declaration order (parents first).
    defaults: Vec<(PhpStr, Option<ConstInit>, bool)>,
    /// The initial property table when every default is a plain value (built on first
    /// instantiation).
    template: RefCell<Option<crate::vm::props::Props>>,
    /// Declared types of typed properties (looked up on every uncached property write).
    pub prop_types: NameMap<super::super::coerce::TypeSpec>,
    /// The compiled declaration (None for built-in classes).
    pub(crate) def: Option<Rc<ClassDef>>,
    /// Enum case objects, created on first access.
    enum_cases: RefCell<HashMap<PhpStr, Obj>>,
    /// Lower-case method names in PHP's function-table order (own methods, then inherited
    /// ones, then trait methods), for `get_class_methods`.
    pub method_order: Vec<PhpStr>,
    /// `__construct`, looked up once when the class is linked (`new` runs it per object).
    pub(crate) ctor: Option<Rc<MethodRt>>,
    /// Whether the class has a `__destruct` (its objects are registered for destruction).
    pub(crate) has_destructor: bool,
    /// Whether the class implements `Throwable` (`new` records where its objects are
    /// created), decided when it is linked.
    pub(crate) throwable: bool,
    /// The file that declared the class (None for built-in classes), for Reflection.
    pub(crate) file: Option<PhpStr>,
    /// Objects may get undeclared properties without PHP 8.2's deprecation: the class or
    /// an ancestor has `#[AllowDynamicProperties]` (`stdClass` and
    /// `__PHP_Incomplete_Class` among the built-in ones).
    pub(crate) allows_dynamic_props: bool,
}

/// Native state of a `Closure` object.
pub struct ClosureData {
    pub func: Rc<Func>,
    /// Captured values (by value, or `Value::Ref` for `use (&$x)`), in `func.captures` order.
    pub bound: Vec<Value>,
    pub this: Option<Obj>,
    pub scope: Option<Rc<Class>>,
    /// The called class (`static::`) where the closure was made, when it differs from
    /// what `this`/`scope` give (a closure made in a static method called through a
    /// subclass); `None` after binding, as PHP's called scope then follows the new scope.
    pub called: Option<Rc<Class>>,
    /// For closures made from builtins/native targets (`strlen(...)`).
    pub target: Option<CallTarget>,
    /// For a closure over a `__call`/`__callStatic` trampoline: the method name the
    /// magic method receives.
    pub magic_name: Option<PhpStr>,
}

/// Whether objects of `class` take undeclared properties without PHP 8.2's deprecation.
pub(crate) fn allows_dynamic_props(class: &Class) -> bool {
    rt(class).allows_dynamic_props
}

pub(crate) fn rt(class: &Class) -> &ClassRt {
    class
        .runtime
        .downcast_ref::<ClassRt>()
        .expect("every class carries a ClassRt")
}

/// Whether a class was declared `readonly class`.
pub(crate) fn is_readonly_class(class: &Class) -> bool {
    rt(class).def.as_ref().is_some_and(|d| d.is_readonly)
}

/// Whether a declared class was linked from this definition.
pub(crate) fn is_from_def(class: &Class, def: &Rc<ClassDef>) -> bool {
    rt(class).def.as_ref().is_some_and(|d| Rc::ptr_eq(d, def))
}

/// File and line recorded in a throwable.
pub(crate) fn throwable_location(obj: &Obj) -> (PhpStr, u32) {
    let data = obj.borrow();
    let file = match data.props.get_str(b"file") {
        Some(Value::Str(s)) => s.clone(),
        _ => PhpStr::new(),
    };
    let line = match data.props.get_str(b"line") {
        Some(Value::Int(i)) => *i as u32,
        _ => 0,
    };
    (file, line)
}

/// `ReflectionMethod`'s (and `ReflectionFunctionAbstract`'s) modifier constants.
const REFLECTION_MODIFIERS: &[(&str, i64)] = &[
    ("IS_PUBLIC", 1),
    ("IS_PROTECTED", 2),
    ("IS_PRIVATE", 4),
    ("IS_STATIC", 16),
    ("IS_FINAL", 32),
    ("IS_ABSTRACT", 64),
];

/// `ReflectionProperty`'s modifier constants.
const REFLECTION_PROPERTY: &[(&str, i64)] = &[
    ("IS_PUBLIC", 1),
    ("IS_PROTECTED", 2),
    ("IS_PRIVATE", 4),
    ("IS_STATIC", 16),
    ("IS_READONLY", 128),
];

/// `ReflectionClass`'s modifier constants.
const REFLECTION_CLASS: &[(&str, i64)] = &[
    ("IS_IMPLICIT_ABSTRACT", 16),
    ("IS_EXPLICIT_ABSTRACT", 64),
    ("IS_FINAL", 32),
];

struct BuiltinClass {
    name: &'static str,
    parent: Option<&'static str>,
    interfaces: &'static [&'static str],
    is_interface: bool,
    is_abstract: bool,
    methods: &'static [(&'static str, NativeMethod)],
    props: &'static [(&'static str, Visibility)],
    /// Integer class constants (`SplDoublyLinkedList::IT_MODE_LIFO`).
    consts: &'static [(&'static str, i64)],
}

/// A built-in SPL class (`interp/spl*.rs`); the interfaces are listed in PHP's
/// `class_implements` order.
fn spl_class(
    name: &'static str,
    parent: Option<&'static str>,
    interfaces: &'static [&'static str],
    methods: &'static [(&'static str, NativeMethod)],
    consts: &'static [(&'static str, i64)],
) -> BuiltinClass {
    BuiltinClass {
        name,
        parent,
        interfaces,
        is_interface: false,
        is_abstract: false,
        methods,
        props: &[],
        consts,
    }
}

const THROWABLE_METHODS: &[(&str, NativeMethod)] = &[
    ("__construct", exc_construct),
    ("getMessage", exc_get_message),
    ("getCode", exc_get_code),
    ("getPrevious", exc_get_previous),
    ("getFile", exc_get_file),
    ("getLine", exc_get_line),
    ("getTrace", exc_get_trace),
    ("getTraceAsString", exc_get_trace_as_string),
    ("__toString", exc_to_string),
];

const THROWABLE_PROPS: &[(&str, Visibility)] = &[
    ("message", Visibility::Protected),
    ("string", Visibility::Private),
    ("code", Visibility::Protected),
    ("file", Visibility::Protected),
    ("line", Visibility::Protected),
    ("trace", Visibility::Private),
    ("previous", Visibility::Private),
];

macro_rules! exc {
    ($name:expr, $parent:expr) => {
        BuiltinClass {
            name: $name,
            parent: Some($parent),
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: &[],
            props: &[],
            consts: &[],
        }
    };
}

macro_rules! iface {
    ($name:expr, $parents:expr) => {
        BuiltinClass {
            name: $name,
            parent: None,
            interfaces: $parents,
            is_interface: true,
            is_abstract: false,
            methods: &[],
            props: &[],
            consts: &[],
        }
    };
}

/// A `DateTimeInterface` class with native methods (`interp/date_classes.rs`).
fn date_class(
    name: &'static str,
    methods: &'static [(&'static str, NativeMethod)],
) -> BuiltinClass {
    BuiltinClass {
        name,
        parent: None,
        interfaces: &["DateTimeInterface"],
        is_interface: false,
        is_abstract: false,
        methods,
        props: &[],
        consts: &[],
    }
}

fn builtin_classes() -> Vec<BuiltinClass> {
    vec![
        iface!("Traversable", &[]),
        iface!("Iterator", &["Traversable"]),
        iface!("IteratorAggregate", &["Traversable"]),
        iface!("ArrayAccess", &[]),
        iface!("Countable", &[]),
        iface!("Stringable", &[]),
        iface!("JsonSerializable", &[]),
        iface!("UnitEnum", &[]),
        iface!("BackedEnum", &["UnitEnum"]),
        iface!("Throwable", &["Stringable"]),
        BuiltinClass {
            name: "stdClass",
            parent: None,
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: &[],
            props: &[],
            consts: &[],
        },
        // What `unserialize` makes of an object whose class does not exist or is not
        // allowed: the original name in `__PHP_Incomplete_Class_Name`, the data as
        // properties (`serialize` writes it back under the original name).
        BuiltinClass {
            name: "__PHP_Incomplete_Class",
            parent: None,
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: &[],
            props: &[],
            consts: &[],
        },
        BuiltinClass {
            name: "Closure",
            parent: None,
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: &[
                ("__invoke", closure_invoke),
                ("bind", super::closure::closure_bind),
                ("bindTo", super::closure::closure_bind_to),
                ("call", super::closure::closure_call),
                ("fromCallable", super::closure::closure_from_callable),
            ],
            props: &[],
            consts: &[],
        },
        BuiltinClass {
            name: "APCUIterator",
            parent: None,
            interfaces: &["Iterator"],
            is_interface: false,
            is_abstract: false,
            methods: super::apc_iterator::METHODS,
            props: &[],
            consts: &[],
        },
        BuiltinClass {
            name: "ReflectionProperty",
            parent: None,
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: super::reflection::PROPERTY_METHODS,
            props: super::reflection::PROPERTY_PROPS,
            consts: REFLECTION_PROPERTY,
        },
        iface!("SeekableIterator", &["Iterator"]),
        iface!("Serializable", &[]),
        spl_class(
            "ArrayIterator",
            None,
            &[
                "SeekableIterator",
                "Traversable",
                "Iterator",
                "ArrayAccess",
                "Serializable",
                "Countable",
            ],
            super::spl_array::METHODS,
            super::spl_array::CONSTS,
        ),
        spl_class(
            "ArrayObject",
            None,
            &[
                "IteratorAggregate",
                "Traversable",
                "ArrayAccess",
                "Serializable",
                "Countable",
            ],
            super::spl_array::OBJECT_METHODS,
            super::spl_array::CONSTS,
        ),
        spl_class(
            "SplDoublyLinkedList",
            None,
            &[
                "Iterator",
                "Traversable",
                "Countable",
                "ArrayAccess",
                "Serializable",
            ],
            super::spl_dllist::METHODS,
            super::spl_dllist::CONSTS,
        ),
        spl_class(
            "SplQueue",
            Some("SplDoublyLinkedList"),
            &[
                "Serializable",
                "ArrayAccess",
                "Countable",
                "Traversable",
                "Iterator",
            ],
            super::spl_dllist::QUEUE_METHODS,
            &[],
        ),
        spl_class(
            "SplStack",
            Some("SplDoublyLinkedList"),
            &[
                "Serializable",
                "ArrayAccess",
                "Countable",
                "Traversable",
                "Iterator",
            ],
            &[],
            &[],
        ),
        iface!("Reflector", &[]),
        BuiltinClass {
            name: "ReflectionFunctionAbstract",
            parent: None,
            interfaces: &["Reflector"],
            is_interface: false,
            is_abstract: true,
            methods: super::reflect_fn::ABSTRACT_METHODS,
            props: super::reflect_fn::ABSTRACT_PROPS,
            consts: &[],
        },
        BuiltinClass {
            name: "ReflectionFunction",
            parent: Some("ReflectionFunctionAbstract"),
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: super::reflect_fn::FUNCTION_METHODS,
            props: &[],
            consts: &[],
        },
        BuiltinClass {
            name: "ReflectionMethod",
            parent: Some("ReflectionFunctionAbstract"),
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: super::reflect_fn::METHOD_METHODS,
            props: super::reflect_fn::METHOD_PROPS,
            consts: REFLECTION_MODIFIERS,
        },
        BuiltinClass {
            name: "ReflectionParameter",
            parent: None,
            interfaces: &["Reflector"],
            is_interface: false,
            is_abstract: false,
            methods: super::reflect_fn::PARAMETER_METHODS,
            props: super::reflect_fn::PARAMETER_PROPS,
            consts: &[],
        },
        BuiltinClass {
            name: "ReflectionType",
            parent: None,
            interfaces: &[],
            is_interface: false,
            is_abstract: true,
            methods: super::reflect_fn::TYPE_METHODS,
            props: &[],
            consts: &[],
        },
        BuiltinClass {
            name: "ReflectionNamedType",
            parent: Some("ReflectionType"),
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: super::reflect_fn::NAMED_TYPE_METHODS,
            props: &[],
            consts: &[],
        },
        BuiltinClass {
            name: "ReflectionUnionType",
            parent: Some("ReflectionType"),
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: super::reflect_fn::UNION_TYPE_METHODS,
            props: &[],
            consts: &[],
        },
        BuiltinClass {
            name: "ReflectionIntersectionType",
            parent: Some("ReflectionType"),
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: super::reflect_fn::UNION_TYPE_METHODS,
            props: &[],
            consts: &[],
        },
        BuiltinClass {
            name: "ReflectionClass",
            parent: None,
            interfaces: &["Reflector"],
            is_interface: false,
            is_abstract: false,
            methods: super::reflect_class::CLASS_METHODS,
            props: super::reflect_class::CLASS_PROPS,
            consts: REFLECTION_CLASS,
        },
        BuiltinClass {
            name: "ReflectionObject",
            parent: Some("ReflectionClass"),
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: super::reflect_class::OBJECT_METHODS,
            props: &[],
            consts: &[],
        },
        BuiltinClass {
            name: "SplHeap",
            parent: None,
            interfaces: &["Iterator", "Traversable", "Countable"],
            is_interface: false,
            is_abstract: true,
            methods: super::spl_heap::HEAP_METHODS,
            props: &[],
            consts: &[],
        },
        spl_class(
            "SplMinHeap",
            Some("SplHeap"),
            &["Countable", "Traversable", "Iterator"],
            super::spl_heap::MIN_METHODS,
            &[],
        ),
        spl_class(
            "SplMaxHeap",
            Some("SplHeap"),
            &["Countable", "Traversable", "Iterator"],
            super::spl_heap::MAX_METHODS,
            &[],
        ),
        spl_class(
            "SplPriorityQueue",
            None,
            &["Iterator", "Traversable", "Countable"],
            super::spl_heap::PQ_METHODS,
            super::spl_heap::PQ_CONSTS,
        ),
        spl_class(
            "SplObjectStorage",
            None,
            &[
                "Countable",
                "Iterator",
                "Traversable",
                "Serializable",
                "ArrayAccess",
            ],
            super::spl_storage::METHODS,
            &[],
        ),
        spl_class(
            "SplFixedArray",
            None,
            &[
                "IteratorAggregate",
                "Traversable",
                "ArrayAccess",
                "Countable",
                "JsonSerializable",
            ],
            super::spl_fixed::METHODS,
            &[],
        ),
        spl_class(
            "InternalIterator",
            None,
            &["Iterator", "Traversable"],
            super::spl_fixed::ITERATOR_METHODS,
            &[],
        ),
        spl_class(
            "EmptyIterator",
            None,
            &["Iterator", "Traversable"],
            super::spl_fixed::EMPTY_METHODS,
            &[],
        ),
        spl_class(
            "WeakMap",
            None,
            &[
                "ArrayAccess",
                "Countable",
                "IteratorAggregate",
                "Traversable",
            ],
            super::spl_storage::WEAKMAP_METHODS,
            &[],
        ),
        BuiltinClass {
            name: "Generator",
            parent: None,
            interfaces: &["Iterator"],
            is_interface: false,
            is_abstract: false,
            methods: &[
                ("current", super::generator::gen_current),
                ("key", super::generator::gen_key),
                ("next", super::generator::gen_next),
                ("valid", super::generator::gen_valid),
                ("rewind", super::generator::gen_rewind),
                ("send", super::generator::gen_send),
                ("throw", super::generator::gen_throw),
                ("getReturn", super::generator::gen_get_return),
            ],
            props: &[],
            consts: &[],
        },
        BuiltinClass {
            name: "Exception",
            parent: None,
            interfaces: &["Stringable", "Throwable"],
            is_interface: false,
            is_abstract: false,
            methods: THROWABLE_METHODS,
            props: THROWABLE_PROPS,
            consts: &[],
        },
        BuiltinClass {
            name: "Error",
            parent: None,
            interfaces: &["Stringable", "Throwable"],
            is_interface: false,
            is_abstract: false,
            methods: THROWABLE_METHODS,
            props: THROWABLE_PROPS,
            consts: &[],
        },
        BuiltinClass {
            name: "ErrorException",
            parent: Some("Exception"),
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: &[
                ("__construct", error_exception_construct),
                ("getSeverity", error_exception_get_severity),
            ],
            props: &[("severity", Visibility::Protected)],
            consts: &[],
        },
        exc!("TypeError", "Error"),
        exc!("ValueError", "Error"),
        exc!("ArithmeticError", "Error"),
        exc!("DivisionByZeroError", "ArithmeticError"),
        exc!("ArgumentCountError", "TypeError"),
        exc!("AssertionError", "Error"),
        exc!("CompileError", "Error"),
        exc!("ParseError", "CompileError"),
        exc!("UnhandledMatchError", "Error"),
        exc!("JsonException", "Exception"),
        exc!("LogicException", "Exception"),
        exc!("BadFunctionCallException", "LogicException"),
        exc!("BadMethodCallException", "BadFunctionCallException"),
        exc!("DomainException", "LogicException"),
        exc!("InvalidArgumentException", "LogicException"),
        exc!("LengthException", "LogicException"),
        exc!("OutOfRangeException", "LogicException"),
        exc!("RuntimeException", "Exception"),
        exc!("OutOfBoundsException", "RuntimeException"),
        exc!("OverflowException", "RuntimeException"),
        exc!("RangeException", "RuntimeException"),
        exc!("UnderflowException", "RuntimeException"),
        exc!("UnexpectedValueException", "RuntimeException"),
        exc!("ReflectionException", "Exception"),
        iface!("DateTimeInterface", &[]),
        date_class("DateTime", super::date_classes::DATETIME_METHODS),
        date_class("DateTimeImmutable", super::date_classes::DATETIME_METHODS),
        BuiltinClass {
            name: "DateTimeZone",
            parent: None,
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: super::date_classes::TIMEZONE_METHODS,
            props: &[],
            consts: &[],
        },
        BuiltinClass {
            name: "DateInterval",
            parent: None,
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: super::date_classes::INTERVAL_METHODS,
            props: &[],
            consts: &[],
        },
        // Carries PHP resources (builtins/file/stream.rs); never visible as a class.
        BuiltinClass {
            name: "__resource",
            parent: None,
            interfaces: &[],
            is_interface: false,
            is_abstract: false,
            methods: &[],
            props: &[],
            consts: &[],
        },
    ]
}

thread_local! {
    /// The built-in classes as `register_builtin_classes` makes them, built once per thread
    /// and shared by every later `Vm` of the thread (a web engine thread runs one `Vm` per
    /// request): building them is most of the cost of a fresh engine. Sharing is sound
    /// because built-in classes carry no per-request state: no static properties, no
    /// constants evaluated on demand, no enum cases (`shareable` checks), and their
    /// cached property template is the same in every request.
    static BUILTIN_CLASSES: RefCell<Option<NameMap<Rc<Class>>>> =
        const { RefCell::new(None) };
}

/// How many classes the thread's shared built-in set has (`None` before it is built, or
/// when it could not be shared).
pub(crate) fn builtin_class_count() -> Option<usize> {
    BUILTIN_CLASSES.with(|c| c.borrow().as_ref().map(|m| m.len()))
}

/// Declares the built-in classes in a fresh `Vm`, from the thread's shared set when there
/// is one.
pub(crate) fn install_builtin_classes(vm: &mut Vm) {
    if let Some(classes) = BUILTIN_CLASSES.with(|c| c.borrow().clone()) {
        vm.classes = classes;
        return;
    }
    register_builtin_classes(vm);
    let shareable = vm.classes.values().all(|c| {
        let r = rt(c);
        r.static_props.is_empty()
            && r.consts
                .borrow()
                .values()
                .all(|c| matches!(c, ConstState::Ready(_)))
            && r.enum_cases.borrow().is_empty()
    });
    if shareable {
        BUILTIN_CLASSES.with(|c| *c.borrow_mut() = Some(vm.classes.clone()));
    }
}

/// A built-in class's constants: its parent's, then its own.
fn builtin_consts(
    parent: Option<&Rc<Class>>,
    own: &[(&'static str, i64)],
) -> HashMap<PhpStr, ConstState> {
    let mut consts = parent
        .map(|p| rt(p).consts.borrow().clone())
        .unwrap_or_default();
    for (n, v) in own {
        consts.insert(PhpStr::from(*n), ConstState::Ready(Value::Int(*v)));
    }
    consts
}

/// Declares the built-in classes in a fresh engine.
pub(crate) fn register_builtin_classes(vm: &mut Vm) {
    for bc in builtin_classes() {
        let parent = bc
            .parent
            .and_then(|p| vm.classes.get(p.to_ascii_lowercase().as_bytes()).cloned());
        // PHP's order: each listed interface, then the interfaces it extends.
        let mut interfaces: Vec<PhpStr> = Vec::new();
        for i in bc.interfaces {
            let lc = PhpStr::from(i.to_ascii_lowercase());
            if !interfaces.contains(&lc) {
                interfaces.push(lc.clone());
            }
            if let Some(ic) = vm.classes.get(&lc) {
                for x in &ic.interfaces {
                    if !interfaces.contains(x) {
                        interfaces.push(x.clone());
                    }
                }
            }
        }
        if let Some(p) = &parent {
            for x in &p.interfaces {
                if !interfaces.contains(x) {
                    interfaces.push(x.clone());
                }
            }
        }
        let name = PhpStr::from(bc.name);
        let lc = PhpStr::from(bc.name.to_ascii_lowercase());
        let class = Rc::new_cyclic(|weak: &Weak<Class>| {
            let mut methods: NameMap<Rc<MethodRt>> = match &parent {
                Some(p) => rt(p).methods.clone(),
                None => NameMap::default(),
            };
            for (m, f) in bc.methods {
                // A name written "static foo" declares a static method.
                let (m, is_static) = match m.strip_prefix("static ") {
                    Some(rest) => (rest, true),
                    None => (*m, false),
                };
                // "protected foo" declares a protected method.
                let (m, visibility) = match m.strip_prefix("protected ") {
                    Some(rest) => (rest, Visibility::Protected),
                    None => (m, Visibility::Public),
                };
                methods.insert(
                    PhpStr::from(m.to_ascii_lowercase()),
                    Rc::new(MethodRt {
                        name: PhpStr::from(m),
                        imp: MethodImpl::Native(*f),
                        visibility,
                        is_static: is_static
                            || matches!(
                                (bc.name, m),
                                ("Closure", "bind") | ("Closure", "fromCallable")
                            ),
                        is_abstract: false,
                        is_final: false,
                        scope: weak.clone(),
                    }),
                );
            }
            let mut props: Vec<PropDecl> =
                parent.as_ref().map(|p| p.props.clone()).unwrap_or_default();
            for (p, vis) in bc.props {
                props.push(PropDecl {
                    name: PhpStr::from(*p),
                    visibility: *vis,
                    is_static: false,
                    is_readonly: false,
                    declaring_class: name.clone(),
                    ty: None,
                });
            }
            let prop_index = props
                .iter()
                .enumerate()
                .map(|(i, p)| (p.name.clone(), i))
                .collect();
            let throwable = lc.as_bytes() == b"throwable"
                || interfaces.iter().any(|i| i.as_bytes() == b"throwable");
            Class {
                name: name.clone(),
                lc_name: lc.clone(),
                parent: parent.clone(),
                interfaces,
                layout: std::rc::Rc::new(crate::vm::props::PropLayout::new(
                    props.iter().map(|p| p.name.clone()).collect(),
                )),
                props,
                prop_index,
                is_interface: bc.is_interface,
                is_abstract: bc.is_abstract,
                is_final: false,
                is_trait: false,
                is_enum: false,
                runtime: Box::new(ClassRt {
                    ctor: methods.get(b"__construct".as_slice()).cloned(),
                    has_destructor: methods.contains_key(b"__destruct".as_slice()),
                    throwable,
                    methods,
                    consts: RefCell::new(builtin_consts(parent.as_ref(), bc.consts)),
                    static_props: HashMap::new(),
                    defaults: Vec::new(),
                    template: RefCell::new(None),
                    prop_types: NameMap::default(),
                    def: None,
                    file: None,
                    allows_dynamic_props: matches!(
                        lc.as_bytes(),
                        b"stdclass" | b"__php_incomplete_class"
                    ) || parent
                        .as_ref()
                        .is_some_and(|p| rt(p).allows_dynamic_props),
                    enum_cases: RefCell::new(HashMap::new()),
                    method_order: {
                        let mut order: Vec<PhpStr> = bc
                            .methods
                            .iter()
                            .map(|(m, _)| {
                                let m = m.rsplit(' ').next().unwrap_or(m);
                                PhpStr::from(m.to_ascii_lowercase())
                            })
                            .collect();
                        if let Some(p) = &parent {
                            for m in &rt(p).method_order {
                                if !order.contains(m) {
                                    order.push(m.clone());
                                }
                            }
                        }
                        order
                    },
                }),
            }
        });
        vm.classes.insert(lc, class);
    }
}

impl Vm {
    /// Whether the parent and interfaces of `def` are declared.
    pub(crate) fn class_deps_available(&self, def: &ClassDef) -> bool {
        let known = |n: &PhpStr| self.classes.contains_key(n.to_ascii_lowercase().as_slice());
        def.parent.as_ref().is_none_or(known)
            && def.interfaces.iter().all(known)
            && def.traits.iter().all(known)
    }

    /// The traits a class's declaration uses, as written (resolved names).
    pub(crate) fn class_traits(&self, class: &Class) -> Vec<PhpStr> {
        rt(class)
            .def
            .as_ref()
            .map(|d| d.traits.clone())
            .unwrap_or_default()
    }

    /// Whether a class was declared by PHP code (not built in).
    pub(crate) fn is_user_class(&self, class: &Class) -> bool {
        rt(class).def.is_some()
    }

    /// Finds a declared class by name (no autoloading).
    pub(crate) fn find_class(&self, name: &[u8]) -> Option<Rc<Class>> {
        let name = name.strip_prefix(b"\\").unwrap_or(name);
        self.classes
            .get(name.to_ascii_lowercase().as_slice())
            .cloned()
    }

    /// Finds a class, running the `spl_autoload_register` autoloaders when it is not
    /// declared yet.
    pub(crate) fn find_class_autoload(&mut self, name: &[u8]) -> PhpResult<Option<Rc<Class>>> {
        if let Some(c) = self.find_class(name) {
            return Ok(Some(c));
        }
        let name = name.strip_prefix(b"\\").unwrap_or(name);
        let valid = !name.is_empty()
            && name
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'\\' || c >= 0x80);
        if self.autoloaders.is_empty() || !valid {
            return Ok(None);
        }
        let lc = PhpStr::from(name.to_ascii_lowercase());
        if self.autoloading.contains(&lc) {
            return Ok(None);
        }
        self.autoloading.push(lc.clone());
        let loaders = self.autoloaders.clone();
        let mut result = Ok(None);
        for l in loaders {
            if let Err(e) = self.call_value(&l, &[Value::str(name)]) {
                result = Err(e);
                break;
            }
            if let Some(c) = self.classes.get(&lc) {
                result = Ok(Some(c.clone()));
                break;
            }
        }
        self.autoloading.retain(|x| *x != lc);
        result
    }

    /// `get_class_methods`: names of the methods visible from the calling scope, in PHP's
    /// order.
    pub(crate) fn class_method_names(&self, class: &Rc<Class>) -> PhpArray {
        let scope = self.frames.last().and_then(|f| f.scope.clone());
        let mut out = PhpArray::new();
        for lc in &rt(class).method_order {
            let Some(m) = rt(class).methods.get(lc) else {
                continue;
            };
            let visible = match m.visibility {
                Visibility::Public => true,
                Visibility::Protected => scope.as_ref().is_some_and(|s| {
                    m.scope.upgrade().is_some_and(|ms| {
                        s.is_subclass_of(&ms.lc_name) || ms.is_subclass_of(&s.lc_name)
                    })
                }),
                Visibility::Private => scope
                    .as_ref()
                    .is_some_and(|s| m.scope.upgrade().is_some_and(|ms| Rc::ptr_eq(s, &ms))),
            };
            if visible {
                out.push(Value::Str(m.name.clone()));
            }
        }
        out
    }

    /// `get_class_vars`: default values of the properties visible from the calling scope
    /// (instance ones, then static ones with their current values).
    pub(crate) fn class_default_vars(&mut self, class: &Rc<Class>) -> PhpResult<PhpArray> {
        let mut out = PhpArray::new();
        let mut chain = Vec::new();
        let mut c = Some(class.clone());
        while let Some(k) = c {
            c = k.parent.clone();
            chain.push(k);
        }
        let defaults = rt(class).defaults.clone();
        // Own declarations first, then inherited ones, as PHP's property table lists them.
        let mut names: Vec<PhpStr> = Vec::new();
        let mut statics: Vec<PhpStr> = Vec::new();
        for k in &chain {
            let Some(def) = &rt(k).def else { continue };
            let mut own: Vec<PhpStr> = Vec::new();
            for p in def.props.iter() {
                own.push(p.name.clone());
            }
            for t in &def.traits {
                if let Some(tc) = self.find_class(t) {
                    if let Some(td) = &rt(&tc).def {
                        own.extend(td.props.iter().map(|p| p.name.clone()));
                    }
                }
            }
            for n in own {
                let is_static =
                    rt(class).static_props.contains_key(&n) && class.prop_decl(&n).is_none();
                let list = if is_static { &mut statics } else { &mut names };
                if !list.contains(&n) {
                    list.push(n);
                }
            }
        }
        for n in names {
            let Some(decl) = class.prop_decl(&n).cloned() else {
                continue;
            };
            if decl.visibility != Visibility::Public && !self.can_access(class, &decl) {
                continue;
            }
            let v = match defaults.iter().find(|(d, _, _)| *d == n) {
                Some((_, Some(init), _)) => self.eval_const_init(init, Some(class))?,
                _ => Value::Null,
            };
            out.insert(ArrayKey::Str(n), v);
        }
        for n in statics {
            let vis = chain
                .iter()
                .filter_map(|k| rt(k).def.as_ref())
                .flat_map(|d| d.props.iter())
                .find(|p| p.name == n)
                .map(|p| (p.visibility, p.is_static));
            let decl = PropDecl {
                name: n.clone(),
                visibility: vis.map_or(Visibility::Public, |v| v.0),
                is_static: true,
                is_readonly: false,
                declaring_class: class.name.clone(),
                ty: None,
            };
            if decl.visibility == Visibility::Private {
                let scope = self.frames.last().and_then(|f| f.scope.clone());
                if !scope.is_some_and(|s| Rc::ptr_eq(&s, class)) {
                    continue;
                }
            } else if decl.visibility != Visibility::Public && !self.can_access(class, &decl) {
                continue;
            }
            if let Some(r) = rt(class).static_props.get(&n) {
                out.insert(ArrayKey::Str(n), r.borrow().deref_clone());
            }
        }
        Ok(out)
    }

    /// Finds a class or throws `Error: Class "X" not found`.
    pub(crate) fn lookup_class(&mut self, name: &[u8]) -> PhpResult<Rc<Class>> {
        match self.find_class_autoload(name)? {
            Some(c) => Ok(c),
            None => {
                let shown = name.strip_prefix(b"\\").unwrap_or(name);
                Err(Fault::error(
                    "Error",
                    format!("Class \"{}\" not found", String::from_utf8_lossy(shown)),
                ))
            }
        }
    }

    /// Links and declares a compiled class.
    pub(crate) fn declare_class(&mut self, def: Rc<ClassDef>, unit: &Rc<Unit>) -> PhpResult<()> {
        self.link_class(def, unit, false).map(|_| ())
    }

    /// Declares a class before the file runs (PHP's early binding). `Ok(false)` when a
    /// method signature check needs a class not declared yet: the class is then declared
    /// when its statement is reached.
    pub(crate) fn declare_class_early(
        &mut self,
        def: Rc<ClassDef>,
        unit: &Rc<Unit>,
    ) -> PhpResult<bool> {
        self.link_class(def, unit, true)
    }

    fn link_class(&mut self, def: Rc<ClassDef>, unit: &Rc<Unit>, early: bool) -> PhpResult<bool> {
        let lc = PhpStr::from(def.name.to_ascii_lowercase());
        if self.classes.contains_key(&lc) {
            let what = match def.kind {
                ClassKind::Interface => "interface",
                ClassKind::Trait => "trait",
                ClassKind::Enum => "enum",
                ClassKind::Class => "class",
            };
            return Err(Fault::fatal(format!(
                "Cannot declare {} {}, because the name is already in use",
                what,
                def.name.to_string_lossy()
            )));
        }
        let parent = match &def.parent {
            Some(p) => Some(self.lookup_class(p)?),
            None => None,
        };
        let kind_uc = match def.kind {
            ClassKind::Interface => "Interface",
            ClassKind::Trait => "Trait",
            ClassKind::Enum => "Enum",
            ClassKind::Class => "Class",
        };
        let dname = def.name.to_string_lossy();
        let dname = dname.split('\0').next().unwrap_or_default().to_string();
        if let Some(p) = &parent {
            let pname = p.name.to_string_lossy();
            if p.is_trait {
                return Err(Fault::fatal(format!(
                    "Class {dname} cannot extend trait {pname}"
                )));
            }
            if p.is_interface {
                return Err(Fault::fatal(format!(
                    "Class {dname} cannot extend interface {pname}"
                )));
            }
            if p.is_final {
                return Err(Fault::fatal(format!(
                    "Class {dname} cannot extend final class {pname}"
                )));
            }
            match (def.is_readonly, is_readonly_class(p)) {
                (false, true) => {
                    return Err(Fault::fatal(format!(
                        "Non-readonly class {dname} cannot extend readonly class {pname}"
                    )))
                }
                (true, false) => {
                    return Err(Fault::fatal(format!(
                        "Readonly class {dname} cannot extend non-readonly class {pname}"
                    )))
                }
                _ => {}
            }
        }
        let mut interfaces: Vec<PhpStr> = parent
            .as_ref()
            .map(|p| p.interfaces.clone())
            .unwrap_or_default();
        let n_parent_ifaces = interfaces.len();
        if def.kind == ClassKind::Enum {
            interfaces.push(PhpStr::from("unitenum"));
            if def.enum_backing.is_some() {
                interfaces.push(PhpStr::from("backedenum"));
            }
        }
        // PHP refuses an interface listed twice, or one the parent class already has; one
        // that an earlier listed interface extends may be listed again (`implements
        // FooInterface, \Stringable` with `FooInterface extends Stringable`).
        let mut listed: Vec<PhpStr> = Vec::new();
        for i in &def.interfaces {
            let ic = match self.find_class_autoload(i)? {
                Some(c) => c,
                None => {
                    return Err(Fault::fatal(format!(
                        "Interface \"{}\" not found",
                        i.to_string_lossy()
                    )))
                }
            };
            if !ic.is_interface {
                return Err(Fault::fatal(format!(
                    "{} cannot implement {} - it is not an interface",
                    dname,
                    ic.display_name()
                )));
            }
            let seen_in_parent =
                interfaces[..n_parent_ifaces.min(interfaces.len())].contains(&ic.lc_name);
            if listed.contains(&ic.lc_name) && !seen_in_parent {
                return Err(Fault::fatal(format!(
                    "{} {} cannot implement previously implemented interface {}",
                    kind_uc,
                    dname,
                    ic.display_name()
                )));
            }
            listed.push(ic.lc_name.clone());
            // PHP's order: the interface, then the ones it extends.
            for x in std::iter::once(&ic.lc_name).chain(ic.interfaces.iter()) {
                if !interfaces.contains(x) {
                    interfaces.push(x.clone());
                }
            }
        }
        // A class (or interface) declaring __toString implements Stringable.
        let stringable = PhpStr::from("stringable");
        if def.kind != ClassKind::Trait
            && lc.as_bytes() != b"stringable"
            && !interfaces.contains(&stringable)
            && def
                .methods
                .iter()
                .any(|m| m.func.name.eq_ignore_ascii_case(b"__tostring"))
            && self.classes.contains_key(&stringable)
        {
            interfaces.push(stringable);
        }
        if def.kind == ClassKind::Enum {
            let ue = PhpStr::from("unitenum");
            if !interfaces.contains(&ue) {
                interfaces.push(ue);
            }
            if def.enum_backing.is_some() {
                let be = PhpStr::from("backedenum");
                if !interfaces.contains(&be) {
                    interfaces.push(be);
                }
            }
        }
        let traits: Vec<Rc<Class>> = def
            .traits
            .iter()
            .map(|t| self.lookup_class(t))
            .collect::<PhpResult<_>>()?;
        for t in &traits {
            if !t.is_trait {
                return Err(Fault::fatal(format!(
                    "{} cannot use {} - it is not a trait",
                    dname,
                    t.display_name()
                )));
            }
        }
        if let Some(p) = &parent {
            check_overrides(&def, p, &dname)?;
        }
        let name = def.name.clone();
        let mut static_props: HashMap<PhpStr, PhpRef> = match &parent {
            Some(p) => rt(p).static_props.clone(),
            None => HashMap::new(),
        };
        let mut static_inits: Vec<(PhpRef, ConstInit)> = Vec::new();
        let mut defaults: Vec<(PhpStr, Option<ConstInit>, bool)> = match &parent {
            Some(p) => rt(p).defaults.clone(),
            None => Vec::new(),
        };
        let mut prop_types = match &parent {
            Some(p) => rt(p).prop_types.clone(),
            None => NameMap::default(),
        };
        let mut props: Vec<PropDecl> = parent.as_ref().map(|p| p.props.clone()).unwrap_or_default();
        let all_props: Vec<_> = traits
            .iter()
            .filter_map(|t| rt(t).def.clone())
            .flat_map(|d| d.props.clone())
            .chain(def.props.iter().cloned())
            .collect();
        for p in &all_props {
            if p.is_static {
                let r = Value::new_ref(Value::Null);
                if let Some(init) = &p.default {
                    static_inits.push((r.clone(), init.clone()));
                }
                static_props.insert(p.name.clone(), r);
                continue;
            }
            let typed = p.ty.is_some();
            if let Some(ty) = &p.ty {
                prop_types.insert(p.name.clone(), ty.clone());
            }
            let decl = PropDecl {
                name: p.name.clone(),
                visibility: p.visibility,
                is_static: false,
                is_readonly: p.is_readonly || def.is_readonly,
                declaring_class: name.clone(),
                ty: p.ty.clone(),
            };
            match props.iter().position(|d| d.name == p.name) {
                Some(i) => props[i] = decl,
                None => props.push(decl),
            }
            match defaults.iter().position(|(n, _, _)| *n == p.name) {
                Some(i) => defaults[i] = (p.name.clone(), p.default.clone(), typed),
                None => defaults.push((p.name.clone(), p.default.clone(), typed)),
            }
        }
        let prop_index = props
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        let mut consts: HashMap<PhpStr, ConstState> = match &parent {
            Some(p) => rt(p).consts.borrow().clone(),
            None => HashMap::new(),
        };
        for i in &interfaces {
            if let Some(ic) = self.classes.get(i) {
                for (k, v) in rt(ic).consts.borrow().iter() {
                    consts.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        for c in &def.consts {
            consts.insert(c.name.clone(), ConstState::Pending(c.value.clone()));
        }
        let is_enum = def.kind == ClassKind::Enum;
        let def_for_rt = def.clone();
        let mut method_order: Vec<PhpStr> = Vec::new();
        let own = def.methods.iter().map(|m| &m.func.name);
        let inherited = parent.iter().flat_map(|p| rt(p).method_order.iter());
        let trait_methods = super::inherit::bind_trait_methods(&def, &traits, &dname)?;
        let from_traits = trait_methods.iter().map(|m| &m.name);
        let enum_natives: &[&str] = match (def.kind == ClassKind::Enum, &def.enum_backing) {
            (false, _) => &[],
            (true, None) => &["cases"],
            (true, Some(_)) => &["cases", "from", "tryFrom"],
        };
        let enum_natives: Vec<PhpStr> = enum_natives.iter().map(|n| PhpStr::from(*n)).collect();
        for m in own
            .chain(enum_natives.iter())
            .chain(inherited)
            .chain(from_traits)
        {
            let lc = PhpStr::from(m.to_ascii_lowercase());
            if !method_order.contains(&lc) {
                method_order.push(lc);
            }
        }
        let class = Rc::new_cyclic(|weak: &Weak<Class>| {
            let mut methods: NameMap<Rc<MethodRt>> = match &parent {
                Some(p) => rt(p).methods.clone(),
                None => NameMap::default(),
            };
            for tm in &trait_methods {
                // An abstract trait method does not replace an inherited one.
                let lc = tm.name.to_ascii_lowercase();
                if tm.def.is_abstract && methods.contains_key(lc.as_slice()) {
                    continue;
                }
                insert_method(&mut methods, &tm.def, weak, &tm.name);
            }
            for m in &def.methods {
                insert_method(&mut methods, m, weak, &m.func.name);
            }
            if def.kind == ClassKind::Enum {
                let mut natives: Vec<(&str, NativeMethod)> = vec![("cases", enum_cases)];
                if def.enum_backing.is_some() {
                    natives.push(("from", enum_from));
                    natives.push(("tryFrom", enum_try_from));
                }
                for (m, f) in natives {
                    methods.insert(
                        PhpStr::from(m.to_ascii_lowercase()),
                        Rc::new(MethodRt {
                            name: PhpStr::from(m),
                            imp: MethodImpl::Native(f),
                            visibility: Visibility::Public,
                            is_static: true,
                            is_abstract: false,
                            is_final: false,
                            scope: weak.clone(),
                        }),
                    );
                }
            }
            let throwable = lc.as_bytes() == b"throwable"
                || interfaces.iter().any(|i| i.as_bytes() == b"throwable");
            Class {
                name: name.clone(),
                lc_name: lc.clone(),
                parent: parent.clone(),
                interfaces,
                layout: std::rc::Rc::new(crate::vm::props::PropLayout::new(
                    props.iter().map(|p| p.name.clone()).collect(),
                )),
                props,
                prop_index,
                is_interface: def.kind == ClassKind::Interface,
                is_abstract: def.is_abstract,
                is_final: def.is_final,
                is_trait: def.kind == ClassKind::Trait,
                is_enum,
                runtime: Box::new(ClassRt {
                    ctor: methods.get(b"__construct".as_slice()).cloned(),
                    has_destructor: methods.contains_key(b"__destruct".as_slice()),
                    throwable,
                    methods,
                    consts: RefCell::new(consts),
                    static_props,
                    defaults,
                    template: RefCell::new(None),
                    prop_types,
                    allows_dynamic_props: def.allow_dynamic_properties
                        || parent.as_ref().is_some_and(|p| rt(p).allows_dynamic_props),
                    def: Some(def_for_rt),
                    file: Some(unit.file.clone()),
                    enum_cases: RefCell::new(HashMap::new()),
                    method_order,
                }),
            }
        });
        if !self.check_signatures(&class, &traits, early)? {
            return Ok(false);
        }
        self.check_abstract_implemented(&class, &def, kind_uc, &dname)?;
        self.classes.insert(lc, class.clone());
        for (r, init) in static_inits {
            let v = self.eval_const_init(&init, Some(&class))?;
            *r.borrow_mut() = v;
        }
        Ok(true)
    }

    /// Evaluates a constant expression initialiser.
    pub(crate) fn eval_const_init(
        &mut self,
        init: &ConstInit,
        class: Option<&Rc<Class>>,
    ) -> PhpResult<Value> {
        match init {
            ConstInit::Value(v) => Ok(v.clone()),
            ConstInit::Code(func) => {
                let target = CallTarget::User {
                    func: func.clone(),
                    this: None,
                    scope: class.cloned(),
                    static_class: class.cloned(),
                    closure: None,
                };
                self.call_target(target, Vec::new())
            }
        }
    }

    /// Finds a method (case-insensitive), inherited ones included.
    pub(crate) fn find_method(&self, class: &Rc<Class>, name: &[u8]) -> Option<Rc<MethodRt>> {
        let methods = &rt(class).methods;
        // Lower-case into a stack buffer: method calls must not allocate.
        let mut buf = [0u8; 64];
        if name.len() <= buf.len() {
            let lc = &mut buf[..name.len()];
            lc.copy_from_slice(name);
            lc.make_ascii_lowercase();
            return methods.get(&*lc).cloned();
        }
        methods.get(name.to_ascii_lowercase().as_slice()).cloned()
    }

    pub(crate) fn check_method_visibility(
        &mut self,
        class: &Rc<Class>,
        m: &MethodRt,
        _name: &[u8],
    ) -> PhpResult<()> {
        if m.visibility == Visibility::Public {
            return Ok(());
        }
        let scope = self.frames.last().and_then(|f| f.scope.clone());
        let decl = m.scope.upgrade();
        let ok = match (&scope, &decl) {
            (Some(s), Some(d)) => match m.visibility {
                Visibility::Private => Rc::ptr_eq(s, d),
                _ => s.is_subclass_of(&d.lc_name) || d.is_subclass_of(&s.lc_name),
            },
            _ => false,
        };
        if ok {
            return Ok(());
        }
        let vis = if m.visibility == Visibility::Private {
            "private"
        } else {
            "protected"
        };
        let scope_text = match &scope {
            Some(s) => format!("scope {}", s.display_name()),
            None => "global scope".to_string(),
        };
        Err(Fault::error(
            "Error",
            format!(
                "Call to {} method {}::{}() from {}",
                vis,
                class.display_name(),
                m.name.to_string_lossy(),
                scope_text
            ),
        ))
    }

    /// `self::class`, `parent::class`, `static::class` outside any class scope (PHP's
    /// ZEND_FETCH_CLASS_NAME).
    pub(crate) fn check_class_name_scope(&self, class: ClassOperand) -> PhpResult<()> {
        let word = match class {
            ClassOperand::SelfClass => "self",
            ClassOperand::Parent => "parent",
            ClassOperand::Static => "static",
            _ => return Ok(()),
        };
        let scoped = self
            .frames
            .last()
            .is_some_and(|f| f.scope.is_some() || f.static_class.is_some());
        if scoped {
            return Ok(());
        }
        Err(Fault::error(
            "Error",
            format!("Cannot use \"{word}\" in the global scope"),
        ))
    }

    /// Resolves the class part of a static access.
    pub(crate) fn resolve_class_operand(
        &mut self,
        func: &Func,
        base: usize,
        class: ClassOperand,
    ) -> PhpResult<Rc<Class>> {
        match class {
            ClassOperand::Named(op) => {
                // Declared classes stay declared for the request: cache by the name
                // constant's address, as for function calls.
                let name = &func.consts[op.index() as usize];
                let key = match name {
                    Value::Str(s) => s.as_bytes().as_ptr() as usize,
                    _ => 0,
                };
                if let Some(c) = self.class_cache.get(&key) {
                    return Ok(c.clone());
                }
                let n = name.scalar_to_str();
                let c = self.lookup_class(&n)?;
                if key != 0 {
                    self.class_cache.insert(key, c.clone());
                }
                Ok(c)
            }
            ClassOperand::SelfClass => {
                self.frames
                    .last()
                    .and_then(|f| f.scope.clone())
                    .ok_or_else(|| {
                        Fault::error("Error", "Cannot use \"self\" when no class scope is active")
                    })
            }
            ClassOperand::Parent => {
                let scope = self
                    .frames
                    .last()
                    .and_then(|f| f.scope.clone())
                    .ok_or_else(|| {
                        Fault::error(
                            "Error",
                            "Cannot use \"parent\" when no class scope is active",
                        )
                    })?;
                scope.parent.clone().ok_or_else(|| {
                    Fault::error(
                        "Error",
                        "Cannot use \"parent\" when current class scope has no parent",
                    )
                })
            }
            ClassOperand::Static => self
                .frames
                .last()
                .and_then(|f| f.static_class.clone().or_else(|| f.scope.clone()))
                .ok_or_else(|| {
                    Fault::error(
                        "Error",
                        "Cannot use \"static\" when no class scope is active",
                    )
                }),
            ClassOperand::Dynamic(op) => {
                let v = self.read(func, base, op)?;
                match v {
                    Value::Object(o) => Ok(o.class()),
                    Value::Str(s) => self.lookup_class(&s),
                    _ => Err(Fault::error("Error", "Cannot use value as class name")),
                }
            }
        }
    }

    pub(crate) fn fetch_class_const(
        &mut self,
        func: &Func,
        base: usize,
        class: ClassOperand,
        name: Operand,
    ) -> PhpResult<Value> {
        let cls = self.resolve_class_operand(func, base, class)?;
        let name = func.consts[name.index() as usize].scalar_to_str();
        self.class_constant(&cls, &name)
    }

    /// `Class::NAME`, evaluating the initialiser on first use; enum cases too.
    pub(crate) fn class_constant(&mut self, cls: &Rc<Class>, name: &PhpStr) -> PhpResult<Value> {
        if name.as_bytes() == b"class" {
            return Ok(Value::Str(cls.name.clone()));
        }
        if cls.is_enum {
            if let Some(obj) = self.enum_case(cls, name)? {
                return Ok(Value::Object(obj));
            }
        }
        let state = rt(cls).consts.borrow().get(name).cloned();
        match state {
            Some(ConstState::Ready(v)) => Ok(v),
            Some(ConstState::Pending(init)) => {
                let v = self.eval_const_init(&init, Some(cls))?;
                rt(cls)
                    .consts
                    .borrow_mut()
                    .insert(name.clone(), ConstState::Ready(v.clone()));
                Ok(v)
            }
            None => Err(Fault::error(
                "Error",
                format!(
                    "Undefined constant {}::{}",
                    cls.display_name(),
                    name.to_string_lossy()
                ),
            )),
        }
    }

    pub(crate) fn enum_case(&mut self, cls: &Rc<Class>, name: &PhpStr) -> PhpResult<Option<Obj>> {
        if let Some(o) = rt(cls).enum_cases.borrow().get(name) {
            return Ok(Some(o.clone()));
        }
        let Some(def) = rt(cls).def.clone() else {
            return Ok(None);
        };
        let Some((_, init)) = def.cases.iter().find(|(n, _)| n == name) else {
            return Ok(None);
        };
        let mut props = PhpArray::new();
        props.insert(
            ArrayKey::Str(PhpStr::from("name")),
            Value::Str(name.clone()),
        );
        if let Some(init) = init {
            let v = self.eval_const_init(init, Some(cls))?;
            props.insert(ArrayKey::Str(PhpStr::from("value")), v);
        }
        let id = self.alloc_obj_id();
        let obj = Obj::new(cls.clone(), props, id);
        rt(cls)
            .enum_cases
            .borrow_mut()
            .insert(name.clone(), obj.clone());
        Ok(Some(obj))
    }

    /// A static property's cell.
    pub(crate) fn static_prop_ref(
        &mut self,
        func: &Func,
        base: usize,
        class: ClassOperand,
        name: Operand,
    ) -> PhpResult<PhpRef> {
        let cls = self.resolve_class_operand(func, base, class)?;
        let n = self.read(func, base, name)?;
        let n = self.to_php_str(&n)?;
        match rt(&cls).static_props.get(&n) {
            Some(r) => Ok(r.clone()),
            None => Err(Fault::error(
                "Error",
                format!(
                    "Access to undeclared static property {}::${}",
                    cls.display_name(),
                    n.to_string_lossy()
                ),
            )),
        }
    }

    /// Creates an instance with default property values (no constructor).
    pub(crate) fn instantiate(&mut self, cls: &Rc<Class>) -> PhpResult<Obj> {
        if cls.is_abstract || cls.is_interface || cls.is_trait || cls.is_enum {
            let what = if cls.is_interface {
                "interface"
            } else if cls.is_trait {
                "trait"
            } else if cls.is_enum {
                "enum"
            } else {
                "abstract class"
            };
            return Err(Fault::error(
                "Error",
                format!("Cannot instantiate {} {}", what, cls.display_name()),
            ));
        }
        let cached = rt(cls).template.borrow().clone();
        let props = match cached {
            Some(props) => props,
            None => {
                let defaults = rt(cls).defaults.clone();
                let mut props = PhpArray::with_capacity(defaults.len());
                let mut constant = true;
                for (name, init, typed) in defaults {
                    let v = match init {
                        Some(ConstInit::Value(v)) => v,
                        Some(init) => {
                            constant = false;
                            self.eval_const_init(&init, Some(cls))?
                        }
                        None if typed => Value::Undef,
                        None => Value::Null,
                    };
                    props.insert(ArrayKey::Str(name), v);
                }
                let props = crate::vm::props::Props::from_array(cls.layout.clone(), props);
                // Defaults that are plain values are the same for every instance: keep the
                // slots and clone them next time.
                if constant {
                    *rt(cls).template.borrow_mut() = Some(props.clone());
                }
                props
            }
        };
        let id = self.alloc_obj_id();
        let obj = Obj::with_props(cls.clone(), props, id);
        if rt(cls).has_destructor {
            super::super::object::register_destructible(&obj);
        }
        if rt(cls).throwable {
            // A throwable records where it was created, whatever its constructor does.
            self.init_throwable(&obj, Value::str(""), Value::Int(0), Value::Null);
        }
        Ok(obj)
    }

    /// `new Class(...)`: creates the object and pushes the constructor call.
    pub(crate) fn init_new(
        &mut self,
        func: &Func,
        base: usize,
        class: ClassOperand,
        _n_args: u32,
    ) -> PhpResult<Obj> {
        let cls = self.resolve_class_operand(func, base, class)?;
        let obj = self.instantiate(&cls)?;
        let target = match rt(&cls).ctor.clone() {
            Some(m) => {
                self.check_method_visibility(&cls, &m, b"__construct")?;
                self.method_target(m, Some(obj.clone()), cls.clone())
            }
            None => CallTarget::Nothing,
        };
        self.calls.push(super::call::PendingCall {
            target,
            args_base: self.args.len(),
            named: Vec::new(),
            new_obj: Some(obj.clone()),
            magic: None,
        });
        Ok(obj)
    }

    /// A new `stdClass` with the given properties.
    pub(crate) fn new_std_object(&mut self, props: PhpArray) -> Obj {
        let cls = self
            .classes
            .get(b"stdclass".as_slice())
            .cloned()
            .expect("stdClass is built in");
        let id = self.alloc_obj_id();
        Obj::new(cls, props, id)
    }

    /// Creates a throwable of a built-in class at the current position.
    pub(crate) fn create_throwable(
        &mut self,
        class: &str,
        message: &str,
        code: i64,
    ) -> PhpResult<Value> {
        let cls = self.lookup_class(class.as_bytes())?;
        let obj = self.instantiate(&cls)?;
        self.init_throwable(&obj, Value::str(message), Value::Int(code), Value::Null);
        Ok(Value::Object(obj))
    }

    pub(crate) fn init_throwable(
        &mut self,
        obj: &Obj,
        message: Value,
        code: Value,
        previous: Value,
    ) {
        let file = self.current_file();
        let line = self.current_line();
        let mut trace = self.build_trace(false);
        let ignore_args = self
            .ini
            .get(b"zend.exception_ignore_args".as_slice())
            .is_some_and(|v| super::super::convert::str_to_int(v) != 0);
        if ignore_args {
            for f in trace.values_mut() {
                if let Value::Array(a) = f {
                    Rc::make_mut(a).remove(&ArrayKey::Str(PhpStr::from("args")));
                }
            }
        }
        let mut d = obj.borrow_mut();
        d.props
            .insert(ArrayKey::Str(PhpStr::from("message")), message);
        d.props
            .insert(ArrayKey::Str(PhpStr::from("string")), Value::str(""));
        d.props.insert(ArrayKey::Str(PhpStr::from("code")), code);
        d.props
            .insert(ArrayKey::Str(PhpStr::from("file")), Value::Str(file));
        d.props.insert(
            ArrayKey::Str(PhpStr::from("line")),
            Value::Int(i64::from(line)),
        );
        d.props
            .insert(ArrayKey::Str(PhpStr::from("trace")), Value::array(trace));
        d.props
            .insert(ArrayKey::Str(PhpStr::from("previous")), previous);
    }

    /// The current call stack as `getTrace()` returns it (`debug_backtrace` adds the
    /// `object` of method frames).
    pub(crate) fn build_trace(&self, with_object: bool) -> PhpArray {
        let mut trace = PhpArray::new();
        for i in (0..self.frames.len()).rev() {
            let f = &self.frames[i];
            let native_caller =
                f.stop && !f.jit_call && !f.func.name.is_empty() && f.generator.is_none();
            if i == 0 && !native_caller {
                // The main script's frame is `{main}`.
                continue;
            }
            let caller = &self.frames[i.saturating_sub(1)];
            let mut e = PhpArray::new();
            // A function called back from native code (a destructor, a callback of a
            // builtin) shows as `[internal function]`: no file and line.
            if !native_caller {
                e.insert(
                    ArrayKey::Str(PhpStr::from("file")),
                    Value::Str(caller.func.file.clone()),
                );
                e.insert(
                    ArrayKey::Str(PhpStr::from("line")),
                    Value::Int(i64::from(f.call_line)),
                );
            }
            e.insert(
                ArrayKey::Str(PhpStr::from("function")),
                Value::Str(f.func.name.clone()),
            );
            if let Some(c) = &f.func.class_name {
                e.insert(ArrayKey::Str(PhpStr::from("class")), Value::Str(c.clone()));
                if let (true, Some(o)) = (with_object, &f.this) {
                    e.insert(
                        ArrayKey::Str(PhpStr::from("object")),
                        Value::Object(o.clone()),
                    );
                }
                e.insert(
                    ArrayKey::Str(PhpStr::from("type")),
                    Value::str(if f.this.is_some() { "->" } else { "::" }),
                );
            }
            e.insert(
                ArrayKey::Str(PhpStr::from("args")),
                Value::array(self.frame_args_at(i)),
            );
            trace.push(Value::array(e));
        }
        trace
    }

    /// Turns a `Fault::Error` raised inside builtin `name` into a thrown object whose trace
    /// starts with the builtin's own frame, as PHP's traces show internal functions.
    pub(crate) fn builtin_fault(&mut self, name: &str, args: &[Value], fault: Fault) -> Fault {
        self.native_fault(name, None, args, fault)
    }

    /// `builtin_fault` for a native method: its frame shows `Class->method` (or
    /// `Class::method` when static).
    pub(crate) fn native_fault(
        &mut self,
        name: &str,
        method_of: Option<(PhpStr, bool)>,
        args: &[Value],
        fault: Fault,
    ) -> Fault {
        let Fault::Error(e) = fault else {
            return fault;
        };
        let exc = match self.create_throwable(e.class, &e.message, e.code) {
            Ok(v) => v,
            Err(f) => return f,
        };
        if let Value::Object(o) = &exc {
            let mut frame = PhpArray::new();
            frame.insert(
                ArrayKey::Str(PhpStr::from("file")),
                Value::Str(self.current_file()),
            );
            frame.insert(
                ArrayKey::Str(PhpStr::from("line")),
                Value::Int(i64::from(self.current_line())),
            );
            frame.insert(ArrayKey::Str(PhpStr::from("function")), Value::str(name));
            if let Some((class, has_this)) = method_of {
                frame.insert(ArrayKey::Str(PhpStr::from("class")), Value::Str(class));
                frame.insert(
                    ArrayKey::Str(PhpStr::from("type")),
                    Value::str(if has_this { "->" } else { "::" }),
                );
            }
            let shown: Vec<Value> = args
                .iter()
                .filter(|a| !matches!(a, Value::Undef))
                .map(Value::deref_clone)
                .collect();
            frame.insert(
                ArrayKey::Str(PhpStr::from("args")),
                Value::array(PhpArray::from_values(shown)),
            );
            let mut d = o.borrow_mut();
            let mut trace = vec![Value::array(frame)];
            if let Some(Value::Array(old)) = d.props.get_str(b"trace") {
                trace.extend(old.values().cloned());
            }
            d.props.insert(
                ArrayKey::Str(PhpStr::from("trace")),
                Value::array(PhpArray::from_values(trace)),
            );
        }
        Fault::Throw(exc)
    }

    /// The text after "Fatal error: " for an uncaught throwable.
    pub(crate) fn uncaught_text(&mut self, obj: &Obj) -> String {
        let s = match self.throwable_string(obj) {
            Ok(s) => s,
            Err(_) => String::new(),
        };
        format!("Uncaught {s}\n  thrown")
    }

    /// `Throwable::__toString()` (with previous exceptions chained as PHP prints them).
    fn throwable_string(&mut self, obj: &Obj) -> PhpResult<String> {
        let mut chain = vec![obj.clone()];
        loop {
            let prev = chain
                .last()
                .and_then(|o| match o.borrow().props.get_str(b"previous") {
                    Some(Value::Object(p)) => Some(p.clone()),
                    _ => None,
                });
            match prev {
                Some(p) if chain.len() < 64 => chain.push(p),
                _ => break,
            }
        }
        let mut out = String::new();
        for (i, o) in chain.iter().rev().enumerate() {
            let (file, line) = throwable_location(o);
            let msg = match o.borrow().props.get_str(b"message") {
                Some(v) => v.scalar_to_str().to_string_lossy(),
                None => String::new(),
            };
            let trace = trace_string(o);
            if i > 0 {
                out.push_str("\n\nNext ");
            }
            let class_name = o.class_name().to_string_lossy();
            out.push_str(&class_name);
            if !msg.is_empty() {
                out.push_str(": ");
                out.push_str(&msg);
            }
            // PHP marks where a user function was declared when a call site is named.
            if (class_name.eq_ignore_ascii_case("TypeError")
                || class_name.eq_ignore_ascii_case("ArgumentCountError"))
                && msg.contains(", called in ")
            {
                out.push_str(" and defined");
            }
            out.push_str(&format!(
                " in {}:{}\nStack trace:\n{}",
                file.to_string_lossy(),
                line,
                trace
            ));
        }
        Ok(out)
    }

    /// PHP's "Undefined property" warning for `class`'s (internal) name.
    pub(crate) fn warn_undefined_prop(&mut self, class: &[u8], name: &PhpStr) -> PhpResult<()> {
        let msg = format!(
            "Undefined property: {}::${}",
            String::from_utf8_lossy(display_class_name(class)),
            name.to_string_lossy()
        );
        self.raise(ErrorLevel::Warning, &msg)
    }

    /// Property read with visibility checks and warnings (unless quiet). `None` when unset.
    pub(crate) fn fetch_prop_opt(
        &mut self,
        obj: &Value,
        name: &PhpStr,
        quiet: bool,
    ) -> PhpResult<Option<Value>> {
        let Value::Object(o) = obj else {
            if !quiet {
                let msg = format!(
                    "Attempt to read property \"{}\" on {}",
                    name.to_string_lossy(),
                    super::call::type_for_error(obj)
                );
                self.raise(ErrorLevel::Warning, &msg)?;
            }
            return Ok(None);
        };
        let class = o.class();
        if let Some(decl) = class.prop_decl(name) {
            if decl.visibility != Visibility::Public && !self.can_access(&class, decl) {
                if let Some(v) = self.magic_get(o, name, quiet)? {
                    return Ok(v);
                }
                // A parent's private property is invisible outside its class: PHP looks
                // the name up among the dynamic properties (`zend_get_property_offset`
                // "goto dynamic"), where it is undefined.
                if decl.visibility == Visibility::Private && decl.declaring_class != class.name {
                    if !quiet {
                        self.warn_undefined_prop(&class.name, name)?;
                    }
                    return Ok(None);
                }
                return Err(self.prop_access_error(&class, decl, name));
            }
        }
        let found = o.borrow().props.get_str(name).map(Value::deref_clone);
        match found {
            Some(Value::Undef) => {
                if quiet {
                    return Ok(None);
                }
                Err(uninit_prop_error(&class.name, name))
            }
            Some(v) => Ok(Some(v)),
            None => {
                if let Some(v) = self.magic_get(o, name, quiet)? {
                    return Ok(v);
                }
                // An unset typed property reads as an uninitialized one.
                if !quiet && class.prop_decl(name).is_some_and(|d| d.ty.is_some()) {
                    return Err(uninit_prop_error(&class.name, name));
                }
                if !quiet {
                    self.warn_undefined_prop(&class.name, name)?;
                }
                Ok(None)
            }
        }
    }

    /// `isset($obj->name)`: a live accessible property is set when not null; otherwise
    /// `__isset` alone answers (PHP's `has_property` without `check_empty` never calls
    /// `__get`; `empty()` and `??` read through `fetch_prop_opt`, which does).
    pub(crate) fn isset_prop(&mut self, obj: &Value, name: &PhpStr) -> PhpResult<bool> {
        if let Value::Object(o) = obj {
            let class = o.class();
            let hidden = class
                .prop_decl(name)
                .is_some_and(|d| d.visibility != Visibility::Public && !self.can_access(&class, d));
            let live = !hidden && o.borrow().props.get_str(name).is_some();
            if !live {
                if self.magic_guarded(o, name, MagicGuard::ISSET) {
                    return Ok(false);
                }
                let Some(m) = self.find_method(&class, b"__isset") else {
                    return Ok(false);
                };
                let target = self.method_target(m, Some(o.clone()), class.clone());
                let args = vec![Value::Str(name.clone())];
                let set = self.call_magic(o, name, MagicGuard::ISSET, target, args)?;
                return Ok(set.to_bool());
            }
        }
        Ok(self
            .fetch_prop_opt(obj, name, true)?
            .is_some_and(|v| !v.is_null()))
    }

    /// `__get`/`__isset` fallback. `Some(result)` when a magic method handled it.
    fn magic_get(
        &mut self,
        o: &Obj,
        name: &PhpStr,
        quiet: bool,
    ) -> PhpResult<Option<Option<Value>>> {
        let class = o.class();
        if quiet {
            if let Some(m) = self.find_method(&class, b"__isset") {
                if self.magic_guarded(o, name, MagicGuard::ISSET) {
                    // `isset($this->x)` inside `__isset('x')`: a plain check.
                    return Ok(Some(None));
                }
                let target = self.method_target(m, Some(o.clone()), class.clone());
                let set = self
                    .call_magic(
                        o,
                        name,
                        MagicGuard::ISSET,
                        target,
                        vec![Value::Str(name.clone())],
                    )?
                    .to_bool();
                if !set {
                    return Ok(Some(None));
                }
                if self.magic_guarded(o, name, MagicGuard::GET) {
                    return Ok(Some(None));
                }
                if let Some(g) = self.find_method(&class, b"__get") {
                    let target = self.method_target(g, Some(o.clone()), class);
                    let args = vec![Value::Str(name.clone())];
                    return Ok(Some(Some(self.call_magic(
                        o,
                        name,
                        MagicGuard::GET,
                        target,
                        args,
                    )?)));
                }
                return Ok(Some(None));
            }
        }
        if self.magic_guarded(o, name, MagicGuard::GET) {
            return Ok(None);
        }
        if let Some(g) = self.find_method(&class, b"__get") {
            let target = self.method_target(g, Some(o.clone()), class);
            let args = vec![Value::Str(name.clone())];
            return Ok(Some(Some(self.call_magic(
                o,
                name,
                MagicGuard::GET,
                target,
                args,
            )?)));
        }
        Ok(None)
    }

    /// Whether `o`'s magic method of kind `kind` is already running for property `name`.
    pub(crate) fn magic_guarded(&self, o: &Obj, name: &PhpStr, kind: u8) -> bool {
        let id = o.id();
        self.magic_guards
            .iter()
            .any(|(gid, gname, gkind)| *gid == id && *gkind == kind && gname == name)
    }

    /// Calls a magic property method of `o` for `name` under its guard.
    pub(crate) fn call_magic(
        &mut self,
        o: &Obj,
        name: &PhpStr,
        kind: u8,
        target: CallTarget,
        args: Vec<Value>,
    ) -> PhpResult<Value> {
        self.magic_guards.push((o.id(), name.clone(), kind));
        let r = self.call_target(target, args);
        self.magic_guards.pop();
        r
    }

    /// Property read as an rvalue.
    pub(crate) fn fetch_prop_value(
        &mut self,
        obj: &Value,
        name: &Value,
        quiet: bool,
    ) -> PhpResult<Value> {
        let name = self.to_php_str(name)?;
        Ok(self
            .fetch_prop_opt(obj, &name, quiet)?
            .unwrap_or(Value::Null))
    }

    pub(crate) fn can_access(&self, class: &Rc<Class>, decl: &PropDecl) -> bool {
        let Some(scope) = self.frames.last().and_then(|f| f.scope.clone()) else {
            return false;
        };
        match decl.visibility {
            Visibility::Public => true,
            Visibility::Private => scope.name == decl.declaring_class,
            Visibility::Protected => {
                scope.is_subclass_of(&class.lc_name) || class.is_subclass_of(&scope.lc_name)
            }
        }
    }

    pub(crate) fn prop_access_error(
        &self,
        class: &Rc<Class>,
        decl: &PropDecl,
        name: &PhpStr,
    ) -> Fault {
        let vis = match decl.visibility {
            Visibility::Private => "private",
            Visibility::Protected => "protected",
            Visibility::Public => "public",
        };
        Fault::error(
            "Error",
            format!(
                "Cannot access {} property {}::${}",
                vis,
                class.display_name(),
                name.to_string_lossy()
            ),
        )
    }
}

/// PHP's inheritance checks of the methods `def` declares against its parent's
/// (`do_inheritance_check_on_method`): static-ness, final, visibility.
fn check_overrides(def: &ClassDef, parent: &Rc<Class>, dname: &str) -> PhpResult<()> {
    for m in &def.methods {
        let lc = m.func.name.to_ascii_lowercase();
        let Some(pm) = rt(parent).methods.get(lc.as_slice()) else {
            continue;
        };
        if pm.visibility == Visibility::Private {
            continue;
        }
        let pscope = pm
            .scope
            .upgrade()
            .map(|c| c.display_name())
            .unwrap_or_default();
        let mname = m.func.name.to_string_lossy();
        let pname = pm.name.to_string_lossy();
        if pm.is_static && !m.is_static {
            return Err(Fault::fatal(format!(
                "Cannot make static method {pscope}::{pname}() non static in class {dname}"
            )));
        }
        if !pm.is_static && m.is_static {
            return Err(Fault::fatal(format!(
                "Cannot make non static method {pscope}::{pname}() static in class {dname}"
            )));
        }
        if m.is_abstract && !pm.is_abstract {
            return Err(Fault::fatal(format!(
                "Cannot make non abstract method {pscope}::{pname}() abstract in class {dname}"
            )));
        }
        if pm.is_final {
            return Err(Fault::fatal(format!(
                "Cannot override final method {pscope}::{pname}()"
            )));
        }
        let rank = |v: Visibility| match v {
            Visibility::Public => 0,
            Visibility::Protected => 1,
            Visibility::Private => 2,
        };
        if rank(m.visibility) > rank(pm.visibility) {
            let msg = if pm.visibility == Visibility::Public {
                format!("Access level to {dname}::{mname}() must be public (as in class {pscope})")
            } else {
                format!(
                    "Access level to {dname}::{mname}() must be protected (as in class {pscope}) or weaker"
                )
            };
            return Err(Fault::fatal(msg));
        }
    }
    Ok(())
}

impl Vm {
    /// A concrete class (or enum) must implement every abstract and interface method
    /// (`zend_verify_abstract_class`); interface methods it implements must be public.
    fn check_abstract_implemented(
        &self,
        class: &Rc<Class>,
        def: &ClassDef,
        kind_uc: &str,
        dname: &str,
    ) -> PhpResult<()> {
        if matches!(def.kind, ClassKind::Interface | ClassKind::Trait) {
            return Ok(());
        }
        let mut missing: Vec<String> = Vec::new();
        let mut seen: Vec<PhpStr> = Vec::new();
        for lc in &rt(class).method_order {
            if let Some(m) = rt(class).methods.get(lc) {
                seen.push(lc.clone());
                if m.is_abstract {
                    let scope = m
                        .scope
                        .upgrade()
                        .map(|c| c.display_name())
                        .unwrap_or_default();
                    missing.push(format!("{}::{}", scope, m.name.to_string_lossy()));
                }
            }
        }
        for i in &class.interfaces {
            let Some(ic) = self.classes.get(i) else {
                continue;
            };
            for lc in &rt(ic).method_order {
                let Some(im) = rt(ic).methods.get(lc) else {
                    continue;
                };
                match rt(class).methods.get(lc) {
                    Some(m) => {
                        if m.visibility != Visibility::Public
                            && !matches!(m.imp, MethodImpl::Native(_))
                        {
                            return Err(Fault::fatal(format!(
                                "Access level to {}::{}() must be public (as in class {})",
                                dname,
                                m.name.to_string_lossy(),
                                ic.display_name()
                            )));
                        }
                    }
                    None => {
                        if !seen.contains(lc) {
                            seen.push(lc.clone());
                            missing.push(format!(
                                "{}::{}",
                                ic.display_name(),
                                im.name.to_string_lossy()
                            ));
                        }
                    }
                }
            }
        }
        if def.is_abstract || missing.is_empty() {
            return Ok(());
        }
        let n = missing.len();
        let mut list = missing
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if n > 3 {
            list.push_str(", ...");
        }
        Err(Fault::fatal(format!(
            "{kind_uc} {dname} contains {n} abstract method{} and must therefore be declared abstract or implement the remaining methods ({list})",
            if n > 1 { "s" } else { "" }
        )))
    }
}

/// Adds method `m` to a class's table under `name` (its own name, or a trait alias).
fn insert_method(
    methods: &mut NameMap<Rc<MethodRt>>,
    m: &super::super::bytecode::MethodDef,
    weak: &Weak<Class>,
    name: &PhpStr,
) {
    methods.insert(
        PhpStr::from(name.to_ascii_lowercase()),
        Rc::new(MethodRt {
            name: name.clone(),
            imp: MethodImpl::User(m.func.clone()),
            visibility: m.visibility,
            is_static: m.is_static,
            is_abstract: m.is_abstract,
            is_final: m.is_final,
            scope: weak.clone(),
        }),
    );
}

/// `#0 {main}`-style trace text of a throwable.
fn trace_string(o: &Obj) -> String {
    let trace = match o.borrow().props.get_str(b"trace") {
        Some(Value::Array(a)) => a.clone(),
        _ => Rc::new(PhpArray::new()),
    };
    let mut out = trace_frames_string(&trace);
    out.push_str(&format!("#{} {{main}}", trace.len()));
    out
}

/// The `#N file(line): func(args)` lines of a trace array, each ending in a newline.
pub(crate) fn trace_frames_string(trace: &PhpArray) -> String {
    let mut out = String::new();
    let mut n = 0;
    for (_, frame) in trace.iter() {
        if let Value::Array(f) = frame {
            let file = f
                .get_str(b"file")
                .map(|v| v.scalar_to_str().to_string_lossy())
                .unwrap_or_default();
            let line = f.get_str(b"line").map(Value::to_int).unwrap_or(0);
            let func = f
                .get_str(b"function")
                .map(|v| v.scalar_to_str().to_string_lossy())
                .unwrap_or_default();
            let class = f
                .get_str(b"class")
                .map(|v| v.scalar_to_str().to_string_lossy());
            let ty = f
                .get_str(b"type")
                .map(|v| v.scalar_to_str().to_string_lossy())
                .unwrap_or_default();
            let callee = match class {
                Some(c) => format!("{c}{ty}{func}"),
                None => func,
            };
            let mut args = Vec::new();
            if let Some(Value::Array(a)) = f.get_str(b"args") {
                for (i, (k, v)) in a.iter().enumerate() {
                    if i > 0 {
                        args.extend_from_slice(b", ");
                    }
                    if let ArrayKey::Str(name) = k {
                        args.extend_from_slice(&name);
                        args.extend_from_slice(b": ");
                    }
                    trace_arg(&mut args, v);
                }
            }
            let args = String::from_utf8_lossy(&args);
            if file.is_empty() {
                out.push_str(&format!("#{n} [internal function]: {callee}({args})\n"));
            } else {
                out.push_str(&format!("#{n} {file}({line}): {callee}({args})\n"));
            }
            n += 1;
        }
    }
    out
}

/// One argument as stack traces print it (`'str...'`, `Array`, `Object(Foo)`).
fn trace_arg(out: &mut Vec<u8>, v: &Value) {
    match v.deref_clone() {
        Value::Undef | Value::Null => out.extend_from_slice(b"NULL"),
        Value::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        Value::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Value::Float(f) => super::super::builtins::var::append_double(out, f, true),
        Value::Str(s) => {
            out.push(b'\'');
            if s.len() > 15 {
                out.extend_from_slice(&s[..15]);
                out.extend_from_slice(b"...'");
            } else {
                out.extend_from_slice(&s);
                out.push(b'\'');
            }
        }
        Value::Array(_) => out.extend_from_slice(b"Array"),
        Value::Object(o) => {
            out.extend_from_slice(b"Object(");
            out.extend_from_slice(crate::vm::object::display_class_name(&o.class_name()));
            out.push(b')');
        }
        Value::Ref(_) => {}
    }
}

// ----- native methods of built-in classes -----

/// `UnitEnum::cases()`: the case objects in declaration order.
fn enum_cases(vm: &mut Vm, _this: Option<&Obj>, c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let class = enum_class(c);
    let names: Vec<PhpStr> = rt(&class)
        .def
        .as_ref()
        .map(|d| d.cases.iter().map(|(n, _)| n.clone()).collect())
        .unwrap_or_default();
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        if let Some(o) = vm.enum_case(&class, &n)? {
            out.push(Value::Object(o));
        }
    }
    Ok(Value::array(PhpArray::from_values(out)))
}

/// The enum a static enum method runs on (the called class may be an alias's target).
fn enum_class(c: &Rc<Class>) -> Rc<Class> {
    c.clone()
}

fn enum_from(vm: &mut Vm, _this: Option<&Obj>, c: &Rc<Class>, args: &[Value]) -> PhpResult<Value> {
    enum_lookup(vm, c, args, "from")
}

fn enum_try_from(
    vm: &mut Vm,
    _this: Option<&Obj>,
    c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    enum_lookup(vm, c, args, "tryFrom")
}

/// `BackedEnum::from`/`tryFrom`: the case with backing value `args[0]`.
fn enum_lookup(vm: &mut Vm, c: &Rc<Class>, args: &[Value], which: &str) -> PhpResult<Value> {
    let class = enum_class(c);
    let fname = format!("{}::{}", class.display_name(), which);
    if args.len() != 1 {
        return Err(Fault::error(
            "ArgumentCountError",
            format!("{fname}() expects exactly 1 argument, {} given", args.len()),
        ));
    }
    let Some(def) = rt(&class).def.clone() else {
        return Ok(Value::Null);
    };
    let Some(backing) = def.enum_backing.clone() else {
        return Ok(Value::Null);
    };
    let is_int = backing.has(&super::super::coerce::SimpleType::Int);
    let strict = vm.frames.last().is_some_and(|f| f.func.strict_types);
    let ctx = ArgCtx {
        func: &fname,
        arg_num: 1,
        param: "value",
        internal: true,
    };
    let v = coerce_arg(vm, args[0].clone(), &backing, strict, &ctx)?;
    for (name, _) in &def.cases {
        let Some(o) = vm.enum_case(&class, name)? else {
            continue;
        };
        let matches = match (o.borrow().props.get_str(b"value"), &v) {
            (Some(Value::Int(a)), Value::Int(b)) => a == b,
            (Some(Value::Str(a)), Value::Str(b)) => a == b,
            _ => false,
        };
        if matches {
            return Ok(Value::Object(o));
        }
    }
    if which == "tryFrom" {
        return Ok(Value::Null);
    }
    let shown = match &v {
        Value::Int(i) if is_int => i.to_string(),
        other => format!("\"{}\"", other.scalar_to_str().to_string_lossy()),
    };
    Err(Fault::error(
        "ValueError",
        format!(
            "{} is not a valid backing value for enum {}",
            shown,
            class.display_name()
        ),
    ))
}

fn this_obj(this: Option<&Obj>) -> PhpResult<&Obj> {
    this.ok_or_else(|| Fault::error("Error", "Using $this when not in object context"))
}

fn exc_construct(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let o = this_obj(this)?;
    let fname = if o.instance_of(b"exception") {
        "Exception::__construct"
    } else {
        "Error::__construct"
    };
    let message = exc_arg(vm, args, 0, "message", "string", fname)?.unwrap_or(Value::str(""));
    let code = exc_arg(vm, args, 1, "code", "int", fname)?.unwrap_or(Value::Int(0));
    let previous = exc_arg(vm, args, 2, "previous", "?Throwable", fname)?.unwrap_or(Value::Null);
    let mut d = o.borrow_mut();
    d.props
        .insert(ArrayKey::Str(PhpStr::from("message")), message);
    d.props.insert(
        ArrayKey::Str(PhpStr::from("code")),
        Value::Int(code.to_int()),
    );
    d.props
        .insert(ArrayKey::Str(PhpStr::from("previous")), previous);
    Ok(Value::Null)
}

/// Argument `i` of a throwable constructor, checked and coerced like an internal
/// function's parameter of type `ty`.
fn exc_arg(
    vm: &mut Vm,
    args: &[Value],
    i: usize,
    param: &str,
    ty: &str,
    fname: &str,
) -> PhpResult<Option<Value>> {
    let Some(v) = args.get(i) else {
        return Ok(None);
    };
    let strict = vm.frames.last().is_some_and(|f| f.func.strict_types);
    let ctx = ArgCtx {
        func: fname,
        arg_num: i + 1,
        param,
        internal: true,
    };
    let spec = super::super::coerce::TypeSpec::parse(ty);
    coerce_arg(vm, v.clone(), &spec, strict, &ctx).map(Some)
}

/// `ErrorException::__construct($message = "", $code = 0, $severity = E_ERROR,
/// $filename = null, $line = null, $previous = null)`.
fn error_exception_construct(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let o = this_obj(this)?;
    let f = "ErrorException::__construct";
    let message = exc_arg(vm, args, 0, "message", "string", f)?.unwrap_or(Value::str(""));
    let code = exc_arg(vm, args, 1, "code", "int", f)?.unwrap_or(Value::Int(0));
    let severity = exc_arg(vm, args, 2, "severity", "int", f)?.unwrap_or(Value::Int(1));
    let filename = exc_arg(vm, args, 3, "filename", "?string", f)?.unwrap_or(Value::Null);
    let line = exc_arg(vm, args, 4, "line", "?int", f)?.unwrap_or(Value::Null);
    let previous = exc_arg(vm, args, 5, "previous", "?Throwable", f)?.unwrap_or(Value::Null);
    let mut d = o.borrow_mut();
    for (k, v) in [
        ("message", message),
        ("code", code),
        ("severity", severity),
        ("previous", previous),
    ] {
        d.props.insert(ArrayKey::Str(PhpStr::from(k)), v);
    }
    if !matches!(filename, Value::Null) {
        d.props
            .insert(ArrayKey::Str(PhpStr::from("file")), filename);
        // A file without a line means line 0.
        let line = match line {
            Value::Null => Value::Int(0),
            l => l,
        };
        d.props.insert(ArrayKey::Str(PhpStr::from("line")), line);
    } else if !matches!(line, Value::Null) {
        d.props.insert(ArrayKey::Str(PhpStr::from("line")), line);
    }
    Ok(Value::Null)
}

fn error_exception_get_severity(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    prop_of(this, b"severity")
}

fn prop_of(this: Option<&Obj>, name: &[u8]) -> PhpResult<Value> {
    let o = this_obj(this)?;
    let v = o
        .borrow()
        .props
        .get_str(name)
        .cloned()
        .unwrap_or(Value::Null);
    Ok(v.into_deref())
}

fn exc_get_message(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    prop_of(this, b"message")
}
fn exc_get_code(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    prop_of(this, b"code")
}
fn exc_get_previous(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    prop_of(this, b"previous")
}
fn exc_get_file(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    prop_of(this, b"file")
}
fn exc_get_line(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    prop_of(this, b"line")
}
fn exc_get_trace(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    prop_of(this, b"trace")
}
fn exc_get_trace_as_string(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::str(trace_string(this_obj(this)?)))
}
fn exc_to_string(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let o = this_obj(this)?;
    Ok(Value::str(vm.throwable_string(o)?))
}

fn closure_invoke(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let o = this_obj(this)?.clone();
    vm.call_value(&Value::Object(o), args)
}

/// PHP's `Error` for reading typed property `class::$name` before it was initialized.
pub(crate) fn uninit_prop_error(class: &[u8], name: &PhpStr) -> Fault {
    Fault::error(
        "Error",
        format!(
            "Typed property {}::${} must not be accessed before initialization",
            String::from_utf8_lossy(display_class_name(class)),
            name.to_string_lossy()
        ),
    )
}
