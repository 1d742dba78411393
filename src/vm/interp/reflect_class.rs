//! `ReflectionClass` and `ReflectionObject`: a class looked up by name or taken from an
//! object, its flags, parent, interfaces, methods, properties, constructor, file, and
//! instantiation (`newInstance*`). The reflected class sits in the object's native slot.

use std::rc::Rc;

use super::super::array::PhpArray;
use super::super::ast::Visibility;
use super::super::error::{Fault, PhpResult};
use super::super::object::{Class, Obj};
use super::super::value::{PhpStr, Value};
use super::class::{rt, NativeMethod};
use super::reflect_fn::{class_of_arg, method_reflector, modifiers, new_reflector};
use super::Vm;

/// The methods of `ReflectionClass` (and so of `ReflectionObject`).
pub(crate) const CLASS_METHODS: &[(&str, NativeMethod)] = &[
    ("__construct", construct),
    ("getName", get_name),
    ("getShortName", get_short_name),
    ("getNamespaceName", get_namespace_name),
    ("inNamespace", in_namespace),
    ("isInterface", is_interface),
    ("isTrait", is_trait),
    ("isEnum", is_enum),
    ("isAbstract", is_abstract),
    ("isFinal", is_final),
    ("isInstantiable", is_instantiable),
    ("isInternal", is_internal),
    ("isUserDefined", is_user_defined),
    ("isAnonymous", is_anonymous),
    ("getParentClass", get_parent_class),
    ("isSubclassOf", is_subclass_of),
    ("implementsInterface", implements_interface),
    ("isInstance", is_instance),
    ("getInterfaceNames", get_interface_names),
    ("hasMethod", has_method),
    ("getMethod", get_method),
    ("getMethods", get_methods),
    ("getConstructor", get_constructor),
    ("hasProperty", has_property),
    ("getProperty", get_property),
    ("getFileName", get_file_name),
    ("getStartLine", get_start_line),
    ("getEndLine", get_end_line),
    ("newInstance", new_instance),
    ("newInstanceArgs", new_instance_args),
    (
        "newInstanceWithoutConstructor",
        new_instance_without_constructor,
    ),
];

/// `ReflectionClass`'s declared property.
pub(crate) const CLASS_PROPS: &[(&str, Visibility)] = &[("name", Visibility::Public)];

/// The methods `ReflectionObject` adds (its constructor takes an object only).
pub(crate) const OBJECT_METHODS: &[(&str, NativeMethod)] = &[("__construct", object_construct)];

/// The native state of a `ReflectionClass`.
struct ClassRef(Rc<Class>);

/// A `ReflectionClass` (or subclass `refl_class`) object reflecting `class`.
pub(crate) fn class_reflector(vm: &mut Vm, class: &Rc<Class>, refl_class: &[u8]) -> PhpResult<Obj> {
    new_reflector(
        vm,
        refl_class,
        &[("name", Value::Str(class.name.clone()))],
        Box::new(ClassRef(class.clone())),
    )
}

fn this_of(this: Option<&Obj>) -> PhpResult<&Obj> {
    this.ok_or_else(|| Fault::error("Error", "Using $this when not in object context"))
}

fn class_of(this: Option<&Obj>) -> PhpResult<Rc<Class>> {
    let obj = this_of(this)?;
    let d = obj.borrow();
    d.internal
        .as_ref()
        .and_then(|i| i.downcast_ref::<ClassRef>())
        .map(|c| c.0.clone())
        .ok_or_else(|| {
            Fault::error(
                "Error",
                "Internal error: Failed to retrieve the reflection object",
            )
        })
}

fn arg(a: &[Value], i: usize) -> Option<Value> {
    a.get(i).map(Value::deref_clone)
}

fn arg_name(a: &[Value], i: usize) -> PhpStr {
    match arg(a, i) {
        Some(Value::Str(s)) => s,
        Some(v) => v.scalar_to_str(),
        None => PhpStr::new(),
    }
}

fn set_class(obj: &Obj, class: Rc<Class>) {
    let mut d = obj.borrow_mut();
    d.props.insert(
        super::super::array::ArrayKey::Str(PhpStr::from("name")),
        Value::Str(class.name.clone()),
    );
    d.internal = Some(Box::new(ClassRef(class)));
}

fn construct(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let Some(target) = arg(a, 0) else {
        return Err(Fault::error(
            "ArgumentCountError",
            "ReflectionClass::__construct() expects exactly 1 argument, 0 given",
        ));
    };
    let class = class_of_arg(vm, &target)?;
    set_class(obj, class);
    Ok(Value::Null)
}

fn object_construct(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let obj = this_of(this)?;
    match arg(a, 0) {
        Some(Value::Object(o)) => {
            set_class(obj, o.class());
            Ok(Value::Null)
        }
        other => Err(Fault::type_error(format!(
            "ReflectionObject::__construct(): Argument #1 ($object) must be of type object, {} given",
            other.map_or_else(|| "null".to_string(), |v| v.type_name())
        ))),
    }
}

fn split_ns(name: &[u8]) -> (&[u8], &[u8]) {
    match name.iter().rposition(|&c| c == b'\\') {
        Some(i) => (&name[..i], &name[i + 1..]),
        None => (&[], name),
    }
}

fn get_name(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Str(class_of(this)?.name.clone()))
}

fn get_short_name(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let c = class_of(this)?;
    Ok(Value::str(split_ns(&c.name).1))
}

fn get_namespace_name(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let c = class_of(this)?;
    Ok(Value::str(split_ns(&c.name).0))
}

fn in_namespace(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(class_of(this)?.name.contains(&b'\\')))
}

fn is_interface(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(class_of(this)?.is_interface))
}

fn is_trait(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(class_of(this)?.is_trait))
}

fn is_enum(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(class_of(this)?.is_enum))
}

fn is_abstract(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let c = class_of(this)?;
    // PHP: an explicitly abstract class, or one (interfaces included) with abstract methods.
    let has_abstract = rt(&c).methods.values().any(|m| m.is_abstract);
    Ok(Value::Bool(c.is_abstract || has_abstract))
}

fn is_final(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(class_of(this)?.is_final))
}

fn is_instantiable(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let c = class_of(this)?;
    if c.is_abstract || c.is_interface || c.is_trait || c.is_enum {
        return Ok(Value::Bool(false));
    }
    Ok(Value::Bool(
        rt(&c)
            .ctor
            .as_ref()
            .is_none_or(|m| m.visibility == Visibility::Public),
    ))
}

fn is_internal(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let c = class_of(this)?;
    Ok(Value::Bool(!vm.is_user_class(&c)))
}

fn is_user_defined(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let c = class_of(this)?;
    Ok(Value::Bool(vm.is_user_class(&c)))
}

fn is_anonymous(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(class_of(this)?.name.contains(&0)))
}

fn get_parent_class(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    match class_of(this)?.parent.clone() {
        Some(p) => Ok(Value::Object(class_reflector(vm, &p, b"ReflectionClass")?)),
        None => Ok(Value::Bool(false)),
    }
}

/// The class named by (or reflected by) a method's argument.
fn class_arg(vm: &mut Vm, a: &[Value]) -> PhpResult<Rc<Class>> {
    match arg(a, 0) {
        Some(Value::Object(o)) => {
            let d = o.borrow();
            if let Some(c) = d
                .internal
                .as_ref()
                .and_then(|i| i.downcast_ref::<ClassRef>())
            {
                return Ok(c.0.clone());
            }
            drop(d);
            Ok(o.class())
        }
        Some(v) => class_of_arg(vm, &v),
        None => class_of_arg(vm, &Value::Null),
    }
}

fn is_subclass_of(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let c = class_of(this)?;
    let other = class_arg(vm, a)?;
    Ok(Value::Bool(
        !Rc::ptr_eq(&c, &other) && c.is_subclass_of(&other.lc_name),
    ))
}

fn implements_interface(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let c = class_of(this)?;
    let other = class_arg(vm, a)?;
    if !other.is_interface {
        return Err(Fault::error(
            "ReflectionException",
            format!("{} is not an interface", other.display_name()),
        ));
    }
    Ok(Value::Bool(c.is_subclass_of(&other.lc_name)))
}

fn is_instance(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let c = class_of(this)?;
    match arg(a, 0) {
        Some(Value::Object(o)) => Ok(Value::Bool(o.class().is_subclass_of(&c.lc_name))),
        other => Err(Fault::type_error(format!(
            "ReflectionClass::isInstance(): Argument #1 ($object) must be of type object, {} given",
            other.map_or_else(|| "null".to_string(), |v| v.type_name())
        ))),
    }
}

fn get_interface_names(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let c = class_of(this)?;
    let mut out = PhpArray::new();
    for lc in &c.interfaces {
        let name = vm
            .find_class(lc)
            .map_or_else(|| lc.clone(), |i| i.name.clone());
        out.push(Value::Str(name));
    }
    Ok(Value::array(out))
}

fn has_method(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let c = class_of(this)?;
    Ok(Value::Bool(vm.find_method(&c, &arg_name(a, 0)).is_some()))
}

fn get_method(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let c = class_of(this)?;
    let name = arg_name(a, 0);
    match vm.find_method(&c, &name) {
        Some(m) => Ok(Value::Object(method_reflector(vm, m, c)?)),
        None => Err(Fault::error(
            "ReflectionException",
            format!(
                "Method {}::{}() does not exist",
                c.display_name(),
                name.to_string_lossy()
            ),
        )),
    }
}

fn get_methods(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let c = class_of(this)?;
    let filter = match arg(a, 0) {
        Some(Value::Int(f)) => Some(f),
        _ => None,
    };
    let mut out = PhpArray::new();
    let order = rt(&c).method_order.clone();
    for lc in order {
        let Some(m) = rt(&c).methods.get(&lc).cloned() else {
            continue;
        };
        if filter.is_some_and(|f| modifiers(&m) & f == 0) {
            continue;
        }
        // A parent's private methods are not the class's own.
        let own_scope = m.scope.upgrade().is_some_and(|s| Rc::ptr_eq(&s, &c));
        if m.visibility == Visibility::Private && !own_scope {
            continue;
        }
        out.push(Value::Object(method_reflector(vm, m, c.clone())?));
    }
    Ok(Value::array(out))
}

fn get_constructor(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let c = class_of(this)?;
    match vm.find_method(&c, b"__construct") {
        Some(m) => Ok(Value::Object(method_reflector(vm, m, c)?)),
        None => Ok(Value::Null),
    }
}

fn has_property(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let c = class_of(this)?;
    let name = arg_name(a, 0);
    Ok(Value::Bool(c.props.iter().any(|p| {
        p.name == name
            && (p.visibility != Visibility::Private
                || p.declaring_class.eq_ignore_ascii_case(&c.name))
    })))
}

fn get_property(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let c = class_of(this)?;
    let name = arg_name(a, 0);
    let cls = vm.lookup_class(b"ReflectionProperty")?;
    let obj = vm.instantiate(&cls)?;
    let ctor = vm
        .find_method(&cls, b"__construct")
        .ok_or_else(|| Fault::error("Error", "ReflectionProperty has no constructor"))?;
    let target = vm.method_target(ctor, Some(obj.clone()), cls);
    vm.call_target(target, vec![Value::Str(c.name.clone()), Value::Str(name)])?;
    Ok(Value::Object(obj))
}

/// The file a user class was declared in.
fn class_file(c: &Class) -> Option<PhpStr> {
    rt(c).file.clone()
}

fn get_file_name(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(class_file(class_of(this)?.as_ref()).map_or(Value::Bool(false), Value::Str))
}

fn get_start_line(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let c = class_of(this)?;
    Ok(rt(&c)
        .def
        .as_ref()
        .map_or(Value::Bool(false), |d| Value::Int(i64::from(d.line_start))))
}

fn get_end_line(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let c = class_of(this)?;
    Ok(rt(&c)
        .def
        .as_ref()
        .map_or(Value::Bool(false), |d| Value::Int(i64::from(d.line_end))))
}

/// `new` of the reflected class with positional and named constructor arguments.
fn instantiate_with(
    vm: &mut Vm,
    c: &Rc<Class>,
    args: Vec<Value>,
    named: Vec<(PhpStr, Value)>,
) -> PhpResult<Value> {
    let obj = vm.instantiate(c)?;
    match vm.find_method(c, b"__construct") {
        Some(m) => {
            if m.visibility != Visibility::Public {
                return Err(Fault::error(
                    "ReflectionException",
                    format!(
                        "Access to non-public constructor of class {}",
                        c.display_name()
                    ),
                ));
            }
            let target = vm.method_target(m, Some(obj.clone()), c.clone());
            vm.call_target_named(target, args, named)?;
        }
        None if !args.is_empty() || !named.is_empty() => {
            return Err(Fault::error(
                "ReflectionException",
                format!(
                    "Class {} does not have a constructor, so you cannot pass any constructor arguments",
                    c.display_name()
                ),
            ))
        }
        None => {}
    }
    Ok(Value::Object(obj))
}

fn new_instance(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let c = class_of(this)?;
    instantiate_with(vm, &c, a.to_vec(), Vec::new())
}

fn new_instance_args(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let c = class_of(this)?;
    let mut pos = Vec::new();
    let mut named = Vec::new();
    if let Some(Value::Array(arr)) = arg(a, 0) {
        for (k, v) in arr.iter() {
            match k {
                super::super::array::ArrayKey::Int(_) => pos.push(v.clone()),
                super::super::array::ArrayKey::Str(s) => named.push((s, v.clone())),
            }
        }
    }
    instantiate_with(vm, &c, pos, named)
}

fn new_instance_without_constructor(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let c = class_of(this)?;
    Ok(Value::Object(vm.instantiate(&c)?))
}
