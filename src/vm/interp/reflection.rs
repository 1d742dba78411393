//! `ReflectionProperty`: looking a declared property up by class and name, its visibility
//! and staticness, as nette/utils' `SmartObject` asks on the way into league/commonmark.
//! Functions, methods, parameters and types are in `reflect_fn.rs`, classes in
//! `reflect_class.rs`; what none of them implements fails as an undefined method.

use std::rc::Rc;

use super::super::array::ArrayKey;
use super::super::ast::Visibility;
use super::super::error::{Fault, PhpResult};
use super::super::object::{Class, Obj, PropDecl};
use super::super::value::{PhpStr, Value};
use super::class::NativeMethod;
use super::Vm;

/// The methods of `ReflectionProperty`.
pub(crate) const PROPERTY_METHODS: &[(&str, NativeMethod)] = &[
    ("__construct", construct),
    ("getName", get_name),
    ("isPublic", is_public),
    ("isPrivate", is_private),
    ("isProtected", is_protected),
    ("isStatic", is_static),
    ("isReadOnly", is_readonly),
    ("isDefault", is_default),
];

/// The declared properties `ReflectionProperty` exposes (`name`, `class`).
pub(crate) const PROPERTY_PROPS: &[(&str, Visibility)] =
    &[("name", Visibility::Public), ("class", Visibility::Public)];

/// What a `ReflectionProperty` object knows.
struct PropInfo {
    visibility: Visibility,
    is_static: bool,
    is_readonly: bool,
    /// Declared (false: a dynamic property of the object given).
    declared: bool,
}

fn this_of(this: Option<&Obj>) -> PhpResult<&Obj> {
    this.ok_or_else(|| Fault::error("Error", "Using $this when not in object context"))
}

/// The property `name` as seen from `class`: declared there or inherited (a parent's private
/// property is not).
fn find_decl<'c>(class: &'c Class, name: &[u8]) -> Option<&'c PropDecl> {
    class.props.iter().rev().find(|p| {
        p.name.as_bytes() == name
            && (p.visibility != Visibility::Private
                || p.declaring_class.eq_ignore_ascii_case(&class.name))
    })
}

fn construct(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let target = a.first().map(Value::deref_clone).unwrap_or(Value::Null);
    let name = match a.get(1).map(Value::deref_clone) {
        Some(Value::Str(s)) => s,
        Some(other) => other.scalar_to_str(),
        None => {
            return Err(Fault::error(
                "ArgumentCountError",
                "ReflectionProperty::__construct() expects exactly 2 arguments, 1 given",
            ))
        }
    };
    let (class, object) = match &target {
        Value::Object(o) => (o.class(), Some(o.clone())),
        other => {
            let cname = match other {
                Value::Str(s) => s.clone(),
                v => v.scalar_to_str(),
            };
            match vm.find_class_autoload(&cname)? {
                Some(c) => (c, None),
                None => {
                    return Err(Fault::error(
                        "ReflectionException",
                        format!("Class \"{}\" does not exist", cname.to_string_lossy()),
                    ))
                }
            }
        }
    };
    let info = match find_decl(&class, &name) {
        Some(p) => PropInfo {
            visibility: p.visibility,
            is_static: p.is_static,
            is_readonly: p.is_readonly,
            declared: true,
        },
        None => {
            let dynamic = object
                .as_ref()
                .is_some_and(|o| o.borrow().props.get_str(&name).is_some());
            if !dynamic {
                return Err(Fault::error(
                    "ReflectionException",
                    format!(
                        "Property {}::${} does not exist",
                        class.display_name(),
                        name.to_string_lossy()
                    ),
                ));
            }
            PropInfo {
                visibility: Visibility::Public,
                is_static: false,
                is_readonly: false,
                declared: false,
            }
        }
    };
    let declaring = find_decl(&class, &name)
        .map(|p| p.declaring_class.clone())
        .unwrap_or_else(|| class.name.clone());
    let mut d = obj.borrow_mut();
    d.props
        .insert(ArrayKey::Str(PhpStr::from("name")), Value::Str(name));
    d.props
        .insert(ArrayKey::Str(PhpStr::from("class")), Value::Str(declaring));
    d.internal = Some(Box::new(info));
    Ok(Value::Null)
}

fn with_info<T>(this: Option<&Obj>, f: impl FnOnce(&PropInfo) -> T) -> PhpResult<T> {
    let obj = this_of(this)?;
    let d = obj.borrow();
    match d
        .internal
        .as_ref()
        .and_then(|i| i.downcast_ref::<PropInfo>())
    {
        Some(info) => Ok(f(info)),
        None => Err(Fault::error(
            "Error",
            "Internal error: Failed to retrieve the reflection object",
        )),
    }
}

fn get_name(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let name = obj.borrow().props.get_str(b"name").cloned();
    Ok(name.unwrap_or(Value::str("")))
}

fn is_public(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with_info(this, |i| Value::Bool(i.visibility == Visibility::Public))
}

fn is_private(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with_info(this, |i| Value::Bool(i.visibility == Visibility::Private))
}

fn is_protected(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    with_info(this, |i| Value::Bool(i.visibility == Visibility::Protected))
}

fn is_static(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with_info(this, |i| Value::Bool(i.is_static))
}

fn is_readonly(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with_info(this, |i| Value::Bool(i.is_readonly))
}

fn is_default(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    with_info(this, |i| Value::Bool(i.declared))
}
