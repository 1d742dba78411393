//! Reflection of functions: `ReflectionFunctionAbstract`, `ReflectionFunction`,
//! `ReflectionMethod`, `ReflectionParameter` and the type objects (`ReflectionNamedType`,
//! `ReflectionUnionType`, `ReflectionIntersectionType`), as Twig uses them to map named
//! arguments and to inspect closures.
//!
//! A reflector keeps what it reflects in the object's native slot (`FnRef`, `ParamRef`,
//! `TypeRef`) and its public `name` (and `class`) properties as PHP has them. Parameters of
//! user functions come from `Func::params`; a default value is computed by running that
//! parameter's part of the function prologue on its own (`eval_user_default`). Builtins
//! are described by their stub signature, whose default texts are read here
//! (`builtin_default`). Native methods of built-in classes carry no signature: asking for
//! their parameters is a `ReflectionException` naming rhvm rather than a guess.

use std::any::Any;
use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::ast::Visibility;
use super::super::builtins::{self, Builtin};
use super::super::bytecode::{Func, Label, Op, Operand, Slot};
use super::super::coerce::{SimpleType, TypeMember, TypeSpec};
use super::super::error::{Fault, PhpResult};
use super::super::object::{Class, Obj};
use super::super::value::{PhpStr, Value};
use super::call::CallTarget;
use super::class::{MethodImpl, MethodRt, NativeMethod};
use super::Vm;

/// Methods shared by `ReflectionFunction` and `ReflectionMethod`.
pub(crate) const ABSTRACT_METHODS: &[(&str, NativeMethod)] = &[
    ("getName", fn_get_name),
    ("getShortName", fn_get_short_name),
    ("getNamespaceName", fn_get_namespace_name),
    ("inNamespace", fn_in_namespace),
    ("getParameters", fn_get_parameters),
    ("getNumberOfParameters", fn_number_of_parameters),
    (
        "getNumberOfRequiredParameters",
        fn_number_of_required_parameters,
    ),
    ("isVariadic", fn_is_variadic),
    ("returnsReference", fn_returns_reference),
    ("hasReturnType", fn_has_return_type),
    ("getReturnType", fn_get_return_type),
    ("getFileName", fn_get_file_name),
    ("getStartLine", fn_get_start_line),
    ("getEndLine", fn_get_end_line),
    ("isInternal", fn_is_internal),
    ("isUserDefined", fn_is_user_defined),
    ("isClosure", fn_is_closure),
    ("isGenerator", fn_is_generator),
    ("isStatic", fn_is_static),
    ("getClosureThis", fn_get_closure_this),
    ("getClosureScopeClass", fn_get_closure_scope_class),
    ("getClosureCalledClass", fn_get_closure_called_class),
];

/// `ReflectionFunctionAbstract`'s declared property.
pub(crate) const ABSTRACT_PROPS: &[(&str, Visibility)] = &[("name", Visibility::Public)];

/// The methods of `ReflectionFunction`.
pub(crate) const FUNCTION_METHODS: &[(&str, NativeMethod)] = &[
    ("__construct", function_construct),
    ("invoke", function_invoke),
    ("invokeArgs", function_invoke_args),
    ("getClosure", function_get_closure),
    ("isAnonymous", fn_is_closure),
];

/// The methods of `ReflectionMethod`.
pub(crate) const METHOD_METHODS: &[(&str, NativeMethod)] = &[
    ("__construct", method_construct),
    ("isPublic", method_is_public),
    ("isPrivate", method_is_private),
    ("isProtected", method_is_protected),
    ("isAbstract", method_is_abstract),
    ("isFinal", method_is_final),
    ("isConstructor", method_is_constructor),
    ("isDestructor", method_is_destructor),
    ("getModifiers", method_get_modifiers),
    ("getDeclaringClass", method_get_declaring_class),
    ("invoke", method_invoke),
    ("invokeArgs", method_invoke_args),
    ("getClosure", method_get_closure),
    ("setAccessible", method_set_accessible),
];

/// `ReflectionMethod`'s own declared property (after the inherited `name`).
pub(crate) const METHOD_PROPS: &[(&str, Visibility)] = &[("class", Visibility::Public)];

/// The methods of `ReflectionParameter`.
pub(crate) const PARAMETER_METHODS: &[(&str, NativeMethod)] = &[
    ("__construct", param_construct),
    ("getName", param_get_name),
    ("getPosition", param_get_position),
    ("isOptional", param_is_optional),
    ("isDefaultValueAvailable", param_is_default_value_available),
    ("getDefaultValue", param_get_default_value),
    ("isVariadic", param_is_variadic),
    ("hasType", param_has_type),
    ("getType", param_get_type),
    ("allowsNull", param_allows_null),
    ("isPassedByReference", param_is_passed_by_reference),
    ("canBePassedByValue", param_can_be_passed_by_value),
    ("isPromoted", param_is_promoted),
    ("getDeclaringFunction", param_get_declaring_function),
    ("getDeclaringClass", param_get_declaring_class),
];

/// `ReflectionParameter`'s declared property.
pub(crate) const PARAMETER_PROPS: &[(&str, Visibility)] = &[("name", Visibility::Public)];

/// The methods of `ReflectionType`.
pub(crate) const TYPE_METHODS: &[(&str, NativeMethod)] = &[
    ("allowsNull", type_allows_null),
    ("__toString", type_to_string),
];

/// The methods of `ReflectionNamedType`.
pub(crate) const NAMED_TYPE_METHODS: &[(&str, NativeMethod)] =
    &[("getName", type_get_name), ("isBuiltin", type_is_builtin)];

/// The methods of `ReflectionUnionType` and `ReflectionIntersectionType`.
pub(crate) const UNION_TYPE_METHODS: &[(&str, NativeMethod)] = &[("getTypes", type_get_types)];

/// What a function reflector reflects.
#[derive(Clone)]
enum FnImp {
    User(Rc<Func>),
    Builtin(&'static Builtin),
    /// A native method of a built-in class (no signature known).
    Native(PhpStr),
}

/// The native state of a `ReflectionFunction`/`ReflectionMethod`.
#[derive(Clone)]
pub(crate) struct FnRef {
    imp: FnImp,
    /// For methods: the method and the class it was looked up on.
    method: Option<(Rc<MethodRt>, Rc<Class>)>,
    /// For a `ReflectionFunction` of a Closure: the closure and what it calls.
    closure: Option<(Obj, CallTarget)>,
}

/// The native state of a `ReflectionParameter`.
struct ParamRef {
    func: Rc<FnRef>,
    pos: usize,
}

/// The native state of a type reflector: the whole declared type, or one member of a
/// union (`name` set).
struct TypeRef {
    spec: TypeSpec,
    /// A member of a union/intersection: its name (`int`, `Foo`, `null`).
    member: Option<String>,
}

/// One parameter as reflection sees it.
struct ParamView {
    name: PhpStr,
    by_ref: bool,
    variadic: bool,
    /// Declared with a default (user) or a stub default other than `UNKNOWN` (builtin).
    has_default: bool,
    /// Declared with `= ...` at all (a builtin's `= UNKNOWN` included).
    optional_decl: bool,
    ty: Option<TypeSpec>,
    promoted: bool,
    builtin_default: Option<&'static str>,
}

fn this_of(this: Option<&Obj>) -> PhpResult<&Obj> {
    this.ok_or_else(|| Fault::error("Error", "Using $this when not in object context"))
}

fn not_initialised() -> Fault {
    Fault::error(
        "Error",
        "Internal error: Failed to retrieve the reflection object",
    )
}

fn refl_exception(msg: impl Into<String>) -> Fault {
    Fault::error("ReflectionException", msg)
}

fn internal_of<T: Any + Clone>(this: Option<&Obj>) -> PhpResult<T> {
    let obj = this_of(this)?;
    let d = obj.borrow();
    d.internal
        .as_ref()
        .and_then(|i| i.downcast_ref::<T>())
        .cloned()
        .ok_or_else(not_initialised)
}

fn fn_ref(this: Option<&Obj>) -> PhpResult<FnRef> {
    internal_of::<FnRef>(this)
}

fn with_param<T>(this: Option<&Obj>, f: impl FnOnce(&ParamRef) -> T) -> PhpResult<T> {
    let obj = this_of(this)?;
    let d = obj.borrow();
    match d
        .internal
        .as_ref()
        .and_then(|i| i.downcast_ref::<ParamRef>())
    {
        Some(p) => Ok(f(p)),
        None => Err(not_initialised()),
    }
}

fn with_type<T>(this: Option<&Obj>, f: impl FnOnce(&TypeRef) -> T) -> PhpResult<T> {
    let obj = this_of(this)?;
    let d = obj.borrow();
    match d
        .internal
        .as_ref()
        .and_then(|i| i.downcast_ref::<TypeRef>())
    {
        Some(t) => Ok(f(t)),
        None => Err(not_initialised()),
    }
}

fn arg(a: &[Value], i: usize) -> Option<Value> {
    a.get(i).map(Value::deref_clone)
}

fn arg_str(a: &[Value], i: usize) -> Option<PhpStr> {
    match arg(a, i)? {
        Value::Str(s) => Some(s),
        Value::Null | Value::Undef => None,
        v => Some(v.scalar_to_str()),
    }
}

/// A new object of a built-in reflection class with its public properties and state.
pub(crate) fn new_reflector(
    vm: &mut Vm,
    class: &[u8],
    props: &[(&str, Value)],
    internal: Box<dyn Any>,
) -> PhpResult<Obj> {
    let cls = vm.lookup_class(class)?;
    let obj = vm.instantiate(&cls)?;
    init_reflector(&obj, props, internal);
    Ok(obj)
}

fn init_reflector(obj: &Obj, props: &[(&str, Value)], internal: Box<dyn Any>) {
    let mut d = obj.borrow_mut();
    for (k, v) in props {
        d.props.insert(ArrayKey::Str(PhpStr::from(*k)), v.clone());
    }
    d.internal = Some(internal);
}

impl FnRef {
    fn name(&self) -> PhpStr {
        if let Some((m, _)) = &self.method {
            return m.name.clone();
        }
        match &self.imp {
            FnImp::User(f) => f.name.clone(),
            FnImp::Builtin(b) => PhpStr::from(b.name),
            FnImp::Native(n) => n.clone(),
        }
    }

    fn params(&self) -> PhpResult<Vec<ParamView>> {
        match &self.imp {
            FnImp::User(f) => Ok(f
                .params
                .iter()
                .map(|p| ParamView {
                    name: p.name.clone(),
                    by_ref: p.by_ref,
                    variadic: p.variadic,
                    has_default: p.optional,
                    optional_decl: p.optional,
                    ty: p.ty.clone(),
                    promoted: p.promote.is_some(),
                    builtin_default: None,
                })
                .collect()),
            FnImp::Builtin(b) => {
                let decls = builtins::signature(b.name)
                    .map(builtins::param_decl_texts)
                    .unwrap_or_default();
                Ok(b.params
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let (ty_text, text) = decls.get(i).copied().unwrap_or(("", None));
                        // The stub's own text: `mixed` is a declared type here, while the
                        // call path treats it as untyped.
                        let ty = match ty_text {
                            "" => None,
                            t => Some(TypeSpec::parse(t)),
                        };
                        ParamView {
                            name: PhpStr::from(p.name.as_str()),
                            by_ref: p.by_ref,
                            variadic: p.variadic,
                            has_default: text.is_some_and(|t| t != "UNKNOWN"),
                            optional_decl: p.optional,
                            ty,
                            promoted: false,
                            builtin_default: text,
                        }
                    })
                    .collect())
            }
            FnImp::Native(name) => Err(refl_exception(format!(
                "rhvm does not know the parameters of the built-in method {}()",
                name.to_string_lossy()
            ))),
        }
    }

    /// PHP's `required_num_args`: parameters up to the last one without a default.
    fn required(&self) -> PhpResult<usize> {
        let params = self.params()?;
        Ok(params
            .iter()
            .rposition(|p| !p.optional_decl && !p.variadic)
            .map_or(0, |i| i + 1))
    }

    fn user_func(&self) -> Option<&Rc<Func>> {
        match &self.imp {
            FnImp::User(f) => Some(f),
            _ => None,
        }
    }

    /// The class a method body runs in (`self::`), for defaults.
    fn scope(&self) -> Option<Rc<Class>> {
        if let Some((m, _)) = &self.method {
            return m.scope.upgrade();
        }
        match &self.closure {
            Some((_, CallTarget::User { scope, .. })) => scope.clone(),
            _ => None,
        }
    }

    fn static_class(&self) -> Option<Rc<Class>> {
        if let Some((_, c)) = &self.method {
            return Some(c.clone());
        }
        match &self.closure {
            Some((
                _,
                CallTarget::User {
                    this, static_class, ..
                },
            )) => this
                .as_ref()
                .map(Obj::class)
                .or_else(|| static_class.clone()),
            _ => None,
        }
    }

    fn target(&self, this: Option<Obj>) -> CallTarget {
        if let Some((_, t)) = &self.closure {
            return t.clone();
        }
        match &self.imp {
            FnImp::User(func) => CallTarget::User {
                func: func.clone(),
                this: this.clone(),
                scope: self.scope(),
                static_class: this
                    .as_ref()
                    .map(Obj::class)
                    .or_else(|| self.static_class()),
                closure: None,
            },
            FnImp::Builtin(b) => CallTarget::Builtin(b),
            FnImp::Native(_) => match &self.method {
                Some((m, class)) => match &m.imp {
                    MethodImpl::Native(f) => CallTarget::Native {
                        method: *f,
                        this,
                        class: class.clone(),
                        name: m.name.clone(),
                    },
                    MethodImpl::User(_) => CallTarget::Nothing,
                },
                None => CallTarget::Nothing,
            },
        }
    }
}

fn fn_imp_of_target(target: &CallTarget) -> FnImp {
    match target {
        CallTarget::User { func, .. } => FnImp::User(func.clone()),
        CallTarget::Builtin(b) => FnImp::Builtin(b),
        CallTarget::Native { name, .. } => FnImp::Native(name.clone()),
        CallTarget::Nothing => FnImp::Native(PhpStr::from("{closure}")),
    }
}

fn split_ns(name: &[u8]) -> (&[u8], &[u8]) {
    match name.iter().rposition(|&c| c == b'\\') {
        Some(i) => (&name[..i], &name[i + 1..]),
        None => (&[], name),
    }
}

fn fn_get_name(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Str(fn_ref(this)?.name()))
}

fn fn_get_short_name(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let name = fn_ref(this)?.name();
    Ok(Value::str(split_ns(&name).1))
}

fn fn_get_namespace_name(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let f = fn_ref(this)?;
    if f.method.is_some() {
        return Ok(Value::str(""));
    }
    let name = f.name();
    Ok(Value::str(split_ns(&name).0))
}

fn fn_in_namespace(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let f = fn_ref(this)?;
    Ok(Value::Bool(f.method.is_none() && f.name().contains(&b'\\')))
}

fn fn_get_parameters(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let f = Rc::new(fn_ref(this)?);
    let params = f.params()?;
    let mut out = PhpArray::new();
    for (pos, p) in params.into_iter().enumerate() {
        let obj = new_reflector(
            vm,
            b"ReflectionParameter",
            &[("name", Value::Str(p.name))],
            Box::new(ParamRef {
                func: f.clone(),
                pos,
            }),
        )?;
        out.push(Value::Object(obj));
    }
    Ok(Value::array(out))
}

fn fn_number_of_parameters(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Int(fn_ref(this)?.params()?.len() as i64))
}

fn fn_number_of_required_parameters(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Int(fn_ref(this)?.required()? as i64))
}

fn fn_is_variadic(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(
        fn_ref(this)?.params()?.iter().any(|p| p.variadic),
    ))
}

fn fn_returns_reference(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(
        fn_ref(this)?.user_func().is_some_and(|f| f.by_ref_return),
    ))
}

/// The declared return type of a user function. Builtins are declared without theirs.
fn return_type(f: &FnRef) -> PhpResult<Option<TypeSpec>> {
    match &f.imp {
        FnImp::User(func) => Ok(func.return_type.clone()),
        _ => Err(refl_exception(format!(
            "rhvm does not know the return type of the built-in {}()",
            f.name().to_string_lossy()
        ))),
    }
}

fn fn_has_return_type(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(return_type(&fn_ref(this)?)?.is_some()))
}

fn fn_get_return_type(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    match return_type(&fn_ref(this)?)? {
        Some(t) => type_object(vm, &t),
        None => Ok(Value::Null),
    }
}

fn fn_get_file_name(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(match fn_ref(this)?.user_func() {
        Some(f) => Value::Str(f.file.clone()),
        None => Value::Bool(false),
    })
}

fn fn_get_start_line(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(match fn_ref(this)?.user_func() {
        Some(f) => Value::Int(i64::from(f.line_start)),
        None => Value::Bool(false),
    })
}

fn fn_get_end_line(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(match fn_ref(this)?.user_func() {
        Some(f) => Value::Int(i64::from(f.line_end)),
        None => Value::Bool(false),
    })
}

fn fn_is_internal(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(fn_ref(this)?.user_func().is_none()))
}

fn fn_is_user_defined(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(fn_ref(this)?.user_func().is_some()))
}

fn fn_is_closure(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    // Closures and the closures `Closure::fromCallable`/`f(...)` make alike.
    Ok(Value::Bool(fn_ref(this)?.closure.is_some()))
}

fn fn_is_generator(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(
        fn_ref(this)?.user_func().is_some_and(|f| f.is_generator),
    ))
}

fn fn_is_static(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let f = fn_ref(this)?;
    Ok(Value::Bool(match &f.method {
        Some((m, _)) => m.is_static,
        None => f.user_func().is_some_and(|u| u.is_static),
    }))
}

fn closure_parts(f: &FnRef) -> Option<&CallTarget> {
    f.closure.as_ref().map(|(_, t)| t)
}

fn fn_get_closure_this(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let f = fn_ref(this)?;
    Ok(match closure_parts(&f) {
        Some(CallTarget::User { this: Some(o), .. })
        | Some(CallTarget::Native { this: Some(o), .. }) => Value::Object(o.clone()),
        _ => Value::Null,
    })
}

fn class_value(vm: &mut Vm, class: Option<Rc<Class>>) -> PhpResult<Value> {
    match class {
        Some(c) => Ok(Value::Object(super::reflect_class::class_reflector(
            vm,
            &c,
            b"ReflectionClass",
        )?)),
        None => Ok(Value::Null),
    }
}

fn fn_get_closure_scope_class(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let f = fn_ref(this)?;
    let class = match closure_parts(&f) {
        Some(CallTarget::User { scope, .. }) => scope.clone(),
        Some(CallTarget::Native { class, .. }) => Some(class.clone()),
        _ => None,
    };
    class_value(vm, class)
}

fn fn_get_closure_called_class(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let f = fn_ref(this)?;
    let class = match closure_parts(&f) {
        Some(CallTarget::User {
            this,
            static_class,
            scope,
            ..
        }) => this
            .as_ref()
            .map(Obj::class)
            .or_else(|| static_class.clone())
            .or_else(|| scope.clone()),
        Some(CallTarget::Native { class, .. }) => Some(class.clone()),
        _ => None,
    };
    class_value(vm, class)
}

// ----- ReflectionFunction -----

fn function_construct(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let fref = match arg(a, 0) {
        Some(Value::Object(o)) if o.instance_of(b"closure") => {
            let target = vm.closure_target(&o).ok_or_else(not_initialised)?;
            FnRef {
                imp: fn_imp_of_target(&target),
                method: None,
                closure: Some((o, target)),
            }
        }
        Some(Value::Object(o)) => {
            return Err(Fault::type_error(format!(
                "ReflectionFunction::__construct(): Argument #1 ($function) must be of type Closure|string, {} given",
                o.class_display_name()
            )))
        }
        Some(v) => {
            let name = match v {
                Value::Str(s) => s,
                other => other.scalar_to_str(),
            };
            let imp = match vm.find_function(&name) {
                Some(super::FnEntry::User(f)) => FnImp::User(f),
                Some(super::FnEntry::Builtin(b)) => FnImp::Builtin(b),
                None => {
                    return Err(refl_exception(format!(
                        "Function {}() does not exist",
                        String::from_utf8_lossy(name.strip_prefix(b"\\").unwrap_or(&name))
                    )))
                }
            };
            FnRef {
                imp,
                method: None,
                closure: None,
            }
        }
        None => {
            return Err(Fault::error(
                "ArgumentCountError",
                "ReflectionFunction::__construct() expects exactly 1 argument, 0 given",
            ))
        }
    };
    let name = fref.name();
    init_reflector(obj, &[("name", Value::Str(name))], Box::new(fref));
    Ok(Value::Null)
}

/// Positional and named arguments from an `invokeArgs` array.
fn split_args(args: &PhpArray) -> (Vec<Value>, Vec<(PhpStr, Value)>) {
    let mut pos = Vec::new();
    let mut named = Vec::new();
    for (k, v) in args.iter() {
        match k {
            ArrayKey::Int(_) => pos.push(v.clone()),
            ArrayKey::Str(s) => named.push((s, v.clone())),
        }
    }
    (pos, named)
}

fn function_invoke(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let f = fn_ref(this)?;
    vm.call_target(f.target(None), a.to_vec())
}

fn function_invoke_args(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let f = fn_ref(this)?;
    let (pos, named) = match arg(a, 0) {
        Some(Value::Array(arr)) => split_args(&arr),
        None => (Vec::new(), Vec::new()),
        Some(other) => {
            return Err(Fault::type_error(format!(
            "ReflectionFunction::invokeArgs(): Argument #1 ($args) must be of type array, {} given",
            other.type_name()
        )))
        }
    };
    vm.call_target_named(f.target(None), pos, named)
}

fn function_get_closure(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let f = fn_ref(this)?;
    if let Some((o, _)) = &f.closure {
        return Ok(Value::Object(o.clone()));
    }
    vm.closure_from_target(f.target(None))
}

// ----- ReflectionMethod -----

fn method_construct(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let first = arg(a, 0).unwrap_or(Value::Null);
    let (target, name) = match arg_str(a, 1) {
        Some(m) => (first, m),
        None => {
            let s = match &first {
                Value::Str(s) => s.clone(),
                Value::Object(_) => {
                    return Err(Fault::error(
                        "ArgumentCountError",
                        "ReflectionMethod::__construct(): Argument #2 ($method) must be of type string, null given",
                    ))
                }
                v => v.scalar_to_str(),
            };
            match s.windows(2).position(|w| w == b"::") {
                Some(p) => (Value::str(&s[..p]), PhpStr::from(&s[p + 2..])),
                None => {
                    return Err(refl_exception(
                        "ReflectionMethod::__construct(): Argument #1 ($objectOrMethod) must be a valid method name",
                    ))
                }
            }
        }
    };
    let class = class_of_arg(vm, &target)?;
    let Some(m) = vm.find_method(&class, &name) else {
        return Err(refl_exception(format!(
            "Method {}::{}() does not exist",
            class.display_name(),
            name.to_string_lossy()
        )));
    };
    let fref = method_ref(m, class);
    let declaring = fref
        .method
        .as_ref()
        .and_then(|(m, _)| m.scope.upgrade())
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let name = fref.name();
    init_reflector(
        obj,
        &[("name", Value::Str(name)), ("class", Value::Str(declaring))],
        Box::new(fref),
    );
    Ok(Value::Null)
}

/// The `FnRef` of a method found on `class`.
pub(crate) fn method_ref(m: Rc<MethodRt>, class: Rc<Class>) -> FnRef {
    let imp = match &m.imp {
        MethodImpl::User(f) => FnImp::User(f.clone()),
        MethodImpl::Native(_) => FnImp::Native(PhpStr::from(format!(
            "{}::{}",
            class.display_name(),
            m.name.to_string_lossy()
        ))),
    };
    FnRef {
        imp,
        method: Some((m, class)),
        closure: None,
    }
}

/// A `ReflectionMethod` object for method `m` looked up on `class`.
pub(crate) fn method_reflector(vm: &mut Vm, m: Rc<MethodRt>, class: Rc<Class>) -> PhpResult<Obj> {
    let fref = method_ref(m, class);
    let declaring = fref
        .method
        .as_ref()
        .and_then(|(m, _)| m.scope.upgrade())
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let name = fref.name();
    new_reflector(
        vm,
        b"ReflectionMethod",
        &[("name", Value::Str(name)), ("class", Value::Str(declaring))],
        Box::new(fref),
    )
}

/// The class named or held by a reflection constructor's first argument.
pub(crate) fn class_of_arg(vm: &mut Vm, v: &Value) -> PhpResult<Rc<Class>> {
    match v {
        Value::Object(o) => Ok(o.class()),
        other => {
            let name = match other {
                Value::Str(s) => s.clone(),
                v => v.scalar_to_str(),
            };
            match vm.find_class_autoload(&name)? {
                Some(c) => Ok(c),
                None => Err(refl_exception(format!(
                    "Class \"{}\" does not exist",
                    String::from_utf8_lossy(name.strip_prefix(b"\\").unwrap_or(&name))
                ))),
            }
        }
    }
}

fn method_of(this: Option<&Obj>) -> PhpResult<(FnRef, Rc<MethodRt>, Rc<Class>)> {
    let f = fn_ref(this)?;
    match f.method.clone() {
        Some((m, c)) => Ok((f, m, c)),
        None => Err(not_initialised()),
    }
}

fn method_is_public(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(
        method_of(this)?.1.visibility == Visibility::Public,
    ))
}

fn method_is_private(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(
        method_of(this)?.1.visibility == Visibility::Private,
    ))
}

fn method_is_protected(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(
        method_of(this)?.1.visibility == Visibility::Protected,
    ))
}

fn method_is_abstract(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(method_of(this)?.1.is_abstract))
}

fn method_is_final(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(method_of(this)?.1.is_final))
}

fn method_is_constructor(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(
        method_of(this)?.1.name.eq_ignore_ascii_case(b"__construct"),
    ))
}

fn method_is_destructor(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(
        method_of(this)?.1.name.eq_ignore_ascii_case(b"__destruct"),
    ))
}

/// `ReflectionMethod::getModifiers()` bits (`ReflectionMethod::IS_*`).
pub(crate) fn modifiers(m: &MethodRt) -> i64 {
    let mut bits = match m.visibility {
        Visibility::Public => 1,
        Visibility::Protected => 2,
        Visibility::Private => 4,
    };
    if m.is_static {
        bits |= 16;
    }
    if m.is_final {
        bits |= 32;
    }
    if m.is_abstract {
        bits |= 64;
    }
    bits
}

fn method_get_modifiers(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Int(modifiers(&method_of(this)?.1)))
}

fn method_get_declaring_class(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let (_, m, class) = method_of(this)?;
    class_value(vm, Some(m.scope.upgrade().unwrap_or(class)))
}

/// The object a method is invoked on: `null` for static methods, else an instance of the
/// declaring class.
fn invoke_this(m: &MethodRt, class: &Rc<Class>, v: Option<Value>) -> PhpResult<Option<Obj>> {
    if m.is_static {
        return Ok(None);
    }
    match v {
        Some(Value::Object(o)) => {
            let decl = m.scope.upgrade().unwrap_or_else(|| class.clone());
            if !o.class().is_subclass_of(&decl.lc_name) {
                return Err(refl_exception(
                    "Given object is not an instance of the class this method was declared in",
                ));
            }
            Ok(Some(o))
        }
        _ => Err(refl_exception(format!(
            "Trying to invoke non static method {}::{}() without an object",
            class.display_name(),
            m.name.to_string_lossy()
        ))),
    }
}

fn method_invoke(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, a: &[Value]) -> PhpResult<Value> {
    let (f, m, class) = method_of(this)?;
    let obj = invoke_this(&m, &class, arg(a, 0))?;
    let args = a.get(1..).unwrap_or_default().to_vec();
    vm.call_target(f.target(obj), args)
}

fn method_invoke_args(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let (f, m, class) = method_of(this)?;
    let obj = invoke_this(&m, &class, arg(a, 0))?;
    let (pos, named) = match arg(a, 1) {
        Some(Value::Array(arr)) => split_args(&arr),
        _ => (Vec::new(), Vec::new()),
    };
    vm.call_target_named(f.target(obj), pos, named)
}

fn method_get_closure(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let (f, m, class) = method_of(this)?;
    let obj = invoke_this(&m, &class, arg(a, 0))?;
    vm.closure_from_target(f.target(obj))
}

fn method_set_accessible(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    // Since PHP 8.1 every method is accessible through reflection; this does nothing.
    method_of(this)?;
    Ok(Value::Null)
}

// ----- ReflectionParameter -----

fn param_construct(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    a: &[Value],
) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let fref = match arg(a, 0) {
        Some(Value::Object(o)) if o.instance_of(b"closure") => {
            let target = vm.closure_target(&o).ok_or_else(not_initialised)?;
            FnRef {
                imp: fn_imp_of_target(&target),
                method: None,
                closure: Some((o, target)),
            }
        }
        Some(Value::Array(arr)) => {
            let parts: Vec<Value> = arr.iter().map(|(_, v)| v.deref_clone()).collect();
            let (Some(c), Some(Value::Str(m))) = (parts.first(), parts.get(1)) else {
                return Err(refl_exception(
                    "Expected array($object, $method) or array($classname, $method)",
                ));
            };
            let class = class_of_arg(vm, c)?;
            let Some(method) = vm.find_method(&class, m) else {
                return Err(refl_exception(format!(
                    "Method {}::{}() does not exist",
                    class.display_name(),
                    m.to_string_lossy()
                )));
            };
            method_ref(method, class)
        }
        Some(v) => {
            let name = match v {
                Value::Str(s) => s,
                other => other.scalar_to_str(),
            };
            let imp = match vm.find_function(&name) {
                Some(super::FnEntry::User(f)) => FnImp::User(f),
                Some(super::FnEntry::Builtin(b)) => FnImp::Builtin(b),
                None => {
                    return Err(refl_exception(format!(
                        "Function {}() does not exist",
                        name.to_string_lossy()
                    )))
                }
            };
            FnRef {
                imp,
                method: None,
                closure: None,
            }
        }
        None => {
            return Err(Fault::error(
                "ArgumentCountError",
                "ReflectionParameter::__construct() expects exactly 2 arguments, 0 given",
            ))
        }
    };
    let params = fref.params()?;
    let pos = match arg(a, 1) {
        Some(Value::Int(i)) => {
            if i < 0 || i as usize >= params.len() {
                return Err(refl_exception(
                    "The parameter specified by its offset could not be found",
                ));
            }
            i as usize
        }
        Some(v) => {
            let name = match v {
                Value::Str(s) => s,
                other => other.scalar_to_str(),
            };
            match params.iter().position(|p| p.name == name) {
                Some(p) => p,
                None => {
                    return Err(refl_exception(
                        "The parameter specified by its name could not be found",
                    ))
                }
            }
        }
        None => {
            return Err(Fault::error(
                "ArgumentCountError",
                "ReflectionParameter::__construct() expects exactly 2 arguments, 1 given",
            ))
        }
    };
    let name = params[pos].name.clone();
    init_reflector(
        obj,
        &[("name", Value::Str(name))],
        Box::new(ParamRef {
            func: Rc::new(fref),
            pos,
        }),
    );
    Ok(Value::Null)
}

/// The parameter a `ReflectionParameter` reflects, with its function.
fn param_view(this: Option<&Obj>) -> PhpResult<(Rc<FnRef>, usize, ParamView)> {
    let (func, pos) = with_param(this, |p| (p.func.clone(), p.pos))?;
    let mut params = func.params()?;
    if pos >= params.len() {
        return Err(not_initialised());
    }
    let view = params.swap_remove(pos);
    Ok((func, pos, view))
}

fn param_get_name(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Str(param_view(this)?.2.name))
}

fn param_get_position(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Int(param_view(this)?.1 as i64))
}

fn param_is_optional(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let (f, pos, _) = param_view(this)?;
    Ok(Value::Bool(pos >= f.required()?))
}

fn param_is_default_value_available(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(param_view(this)?.2.has_default))
}

fn param_get_default_value(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let (f, pos, view) = param_view(this)?;
    if !view.has_default {
        return Err(refl_exception(
            "Internal error: Failed to retrieve the default value",
        ));
    }
    match (&f.imp, view.builtin_default) {
        (FnImp::User(func), _) => eval_user_default(vm, func, pos, f.scope(), f.static_class()),
        (_, Some(text)) => builtin_default(vm, text),
        _ => Err(refl_exception(
            "Internal error: Failed to retrieve the default value",
        )),
    }
}

/// Runs the prologue code that computes parameter `idx`'s default, on its own: a copy of
/// the function cut after that default's code, entered right at it, returning the slot.
fn eval_user_default(
    vm: &mut Vm,
    func: &Rc<Func>,
    idx: usize,
    scope: Option<Rc<Class>>,
    static_class: Option<Rc<Class>>,
) -> PhpResult<Value> {
    let failed = || refl_exception("Internal error: Failed to retrieve the default value");
    let start = func
        .code
        .iter()
        .position(|op| matches!(op, Op::JmpIfArgPassed { idx: i, .. } if *i as usize == idx))
        .ok_or_else(failed)?;
    let Op::JmpIfArgPassed { target, .. } = func.code[start] else {
        return Err(failed());
    };
    let end = target as usize;
    if end > func.code.len() || end <= start {
        return Err(failed());
    }
    let mut code: Vec<Op> = func.code[..end].to_vec();
    let mut lines: Vec<u32> = func
        .lines
        .get(..end)
        .map(<[u32]>::to_vec)
        .unwrap_or_default();
    lines.resize(end, func.line_start);
    // Enter at the default's own code (skipping the other parameters' defaults).
    code[0] = Op::Jmp {
        target: (start + 1) as Label,
    };
    if start > 0 {
        code[start] = Op::Jmp {
            target: (start + 1) as Label,
        };
    }
    code.push(Op::Return {
        val: Some(Operand::slot(idx as Slot)),
    });
    lines.push(func.line_start);
    let synthetic = Func {
        code,
        lines,
        params: Vec::new(),
        captures: Vec::new(),
        by_ref_return: false,
        return_type: None,
        is_generator: false,
        tries: Vec::new(),
        id: super::super::compiler::fresh_func_id(),
        ..(**func).clone()
    };
    let target = CallTarget::User {
        func: Rc::new(synthetic),
        this: None,
        scope,
        static_class,
        closure: None,
    };
    vm.call_target(target, Vec::new())
}

/// The value of a builtin's stub default (`null`, `0`, `"UTF-8"`, `[]`, `PHP_INT_MAX`,
/// `ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML401`).
fn builtin_default(vm: &mut Vm, text: &str) -> PhpResult<Value> {
    let t = text.trim();
    let unsupported = || {
        refl_exception(format!(
            "rhvm cannot evaluate the built-in default value {t}"
        ))
    };
    match t {
        "null" | "NULL" => return Ok(Value::Null),
        "true" => return Ok(Value::Bool(true)),
        "false" => return Ok(Value::Bool(false)),
        "[]" => return Ok(Value::array(PhpArray::new())),
        _ => {}
    }
    if let Ok(i) = t.parse::<i64>() {
        return Ok(Value::Int(i));
    }
    if t.contains('.') && t.parse::<f64>().is_ok() {
        return Ok(Value::Float(t.parse::<f64>().map_err(|_| unsupported())?));
    }
    if let Some(body) = t.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return Ok(Value::str(unescape_double(body)));
    }
    if let Some(body) = t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Ok(Value::str(body.replace("\\'", "'").replace("\\\\", "\\")));
    }
    let mut bits: Option<i64> = None;
    for part in t.split('|') {
        let name = part.trim();
        if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
            return Err(unsupported());
        }
        let v = vm
            .lookup_constant(name.as_bytes())
            .ok_or_else(unsupported)?;
        if !t.contains('|') {
            return Ok(v);
        }
        match v {
            Value::Int(i) => bits = Some(bits.unwrap_or(0) | i),
            _ => return Err(unsupported()),
        }
    }
    bits.map(Value::Int).ok_or_else(unsupported)
}

/// PHP double-quoted escapes as they appear in stub defaults.
fn unescape_double(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let c = b[i + 1];
            let simple = match c {
                b'n' => Some(b'\n'),
                b'r' => Some(b'\r'),
                b't' => Some(b'\t'),
                b'v' => Some(0x0b),
                b'f' => Some(0x0c),
                b'e' => Some(0x1b),
                b'0' if !b.get(i + 2).is_some_and(u8::is_ascii_digit) => Some(0),
                b'\\' => Some(b'\\'),
                b'"' => Some(b'"'),
                b'$' => Some(b'$'),
                _ => None,
            };
            if let Some(v) = simple {
                out.push(v);
                i += 2;
                continue;
            }
            if c == b'x' {
                let hex: Vec<u8> = b[i + 2..]
                    .iter()
                    .take(2)
                    .take_while(|d| d.is_ascii_hexdigit())
                    .copied()
                    .collect();
                if !hex.is_empty() {
                    let v = u8::from_str_radix(std::str::from_utf8(&hex).unwrap_or("0"), 16)
                        .unwrap_or(0);
                    out.push(v);
                    i += 2 + hex.len();
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn param_is_variadic(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(param_view(this)?.2.variadic))
}

fn param_has_type(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(param_view(this)?.2.ty.is_some()))
}

fn param_get_type(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    match param_view(this)?.2.ty {
        Some(t) => type_object(vm, &t),
        None => Ok(Value::Null),
    }
}

fn param_allows_null(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(
        param_view(this)?
            .2
            .ty
            .as_ref()
            .is_none_or(TypeSpec::allows_null),
    ))
}

fn param_is_passed_by_reference(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(param_view(this)?.2.by_ref))
}

fn param_can_be_passed_by_value(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(!param_view(this)?.2.by_ref))
}

fn param_is_promoted(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Bool(param_view(this)?.2.promoted))
}

fn param_get_declaring_function(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let (f, _, _) = param_view(this)?;
    let f = (*f).clone();
    let name = f.name();
    let obj = match &f.method {
        Some((m, _)) => {
            let declaring = m
                .scope
                .upgrade()
                .map(|c| c.name.clone())
                .unwrap_or_default();
            new_reflector(
                vm,
                b"ReflectionMethod",
                &[("name", Value::Str(name)), ("class", Value::Str(declaring))],
                Box::new(f),
            )?
        }
        None => new_reflector(
            vm,
            b"ReflectionFunction",
            &[("name", Value::Str(name))],
            Box::new(f),
        )?,
    };
    Ok(Value::Object(obj))
}

fn param_get_declaring_class(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let (f, _, _) = param_view(this)?;
    let class = match &f.method {
        Some((m, c)) => Some(m.scope.upgrade().unwrap_or_else(|| c.clone())),
        None => f.scope(),
    };
    class_value(vm, class)
}

// ----- types -----

/// The name of one simple member as reflection prints it.
fn simple_name(t: &SimpleType) -> String {
    match t {
        SimpleType::Class(n) => String::from_utf8_lossy(n).into_owned(),
        SimpleType::Iterable => "iterable".into(),
        SimpleType::Null => "null".into(),
        other => TypeSpec {
            members: vec![TypeMember::Simple(other.clone())],
        }
        .display(),
    }
}

/// The reflector of a declared type: `ReflectionNamedType` for one type (nullable or not),
/// `ReflectionUnionType` / `ReflectionIntersectionType` otherwise.
fn type_object(vm: &mut Vm, spec: &TypeSpec) -> PhpResult<Value> {
    let non_null: Vec<&TypeMember> = spec
        .members
        .iter()
        .filter(|m| !matches!(m, TypeMember::Simple(SimpleType::Null)))
        .collect();
    let class: &[u8] = match non_null.as_slice() {
        [] | [TypeMember::Simple(_)] => b"ReflectionNamedType",
        [TypeMember::Intersection(_)] if !spec.allows_null() => b"ReflectionIntersectionType",
        _ => b"ReflectionUnionType",
    };
    let obj = new_reflector(
        vm,
        class,
        &[],
        Box::new(TypeRef {
            spec: spec.clone(),
            member: None,
        }),
    )?;
    Ok(Value::Object(obj))
}

fn type_allows_null(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    with_type(this, |t| match &t.member {
        Some(m) => m == "null" || m == "mixed",
        None => t.spec.allows_null(),
    })
    .map(Value::Bool)
}

fn type_to_string(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    with_type(this, |t| match &t.member {
        Some(m) => Value::str(m.as_str()),
        None => Value::str(t.spec.display()),
    })
}

/// The single type of a named type (without the `?`).
fn named_name(t: &TypeRef) -> String {
    if let Some(m) = &t.member {
        return m.clone();
    }
    let non_null: Vec<&TypeMember> = t
        .spec
        .members
        .iter()
        .filter(|m| !matches!(m, TypeMember::Simple(SimpleType::Null)))
        .collect();
    match non_null.as_slice() {
        [TypeMember::Simple(s)] => simple_name(s),
        [] => "null".into(),
        _ => t.spec.display(),
    }
}

fn type_get_name(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    with_type(this, |t| Value::str(named_name(t)))
}

fn type_is_builtin(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    with_type(this, |t| {
        let name = named_name(t);
        let class_like = t.spec.members.iter().any(|m| {
            matches!(
                m,
                TypeMember::Simple(SimpleType::Class(_))
                    | TypeMember::Simple(SimpleType::Static)
                    | TypeMember::Intersection(_)
            )
        });
        // `static` counts as a class type for reflection, as in PHP.
        Value::Bool(!class_like && name != "static")
    })
}

fn type_get_types(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let spec = with_type(this, |t| t.spec.clone())?;
    let mut names: Vec<(String, TypeSpec)> = Vec::new();
    let intersection_only = matches!(spec.members.as_slice(), [TypeMember::Intersection(_)]);
    if intersection_only {
        if let [TypeMember::Intersection(parts)] = spec.members.as_slice() {
            for p in parts {
                let m = TypeMember::Simple(SimpleType::Class(p.clone()));
                names.push((
                    String::from_utf8_lossy(p).into_owned(),
                    TypeSpec { members: vec![m] },
                ));
            }
        }
    } else {
        // PHP's order: classes and intersections as declared, then builtins in a fixed
        // order, then null (`zend_type_to_string`, which `display` follows).
        let without_null = TypeSpec {
            members: spec
                .members
                .iter()
                .filter(|m| !matches!(m, TypeMember::Simple(SimpleType::Null)))
                .cloned()
                .collect(),
        };
        for part in split_top_level(&without_null.display()) {
            let member_spec = TypeSpec::parse(part.trim_start_matches('(').trim_end_matches(')'));
            names.push((part.to_string(), member_spec));
        }
        if spec.has(&SimpleType::Null) {
            names.push((
                "null".into(),
                TypeSpec {
                    members: vec![TypeMember::Simple(SimpleType::Null)],
                },
            ));
        }
    }
    let mut out = PhpArray::new();
    for (name, member_spec) in names {
        let class: &[u8] = if name.contains('&') {
            b"ReflectionIntersectionType"
        } else {
            b"ReflectionNamedType"
        };
        let obj = new_reflector(
            vm,
            class,
            &[],
            Box::new(TypeRef {
                spec: member_spec,
                member: if name.contains('&') { None } else { Some(name) },
            }),
        )?;
        out.push(Value::Object(obj));
    }
    Ok(Value::array(out))
}

/// Splits `A|(B&C)|int` at the `|` outside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '|' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}
