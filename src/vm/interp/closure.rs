//! The `Closure` class's own methods: `bind`, `bindTo`, `call` (rebinding `$this` and the
//! class scope of a closure) and `fromCallable`.

use std::rc::Rc;

use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::object::{Class, Obj};
use super::super::value::Value;
use super::class::ClosureData;
use super::Vm;

/// What a rebinding asks for the scope: keep it (`"static"`), or a class.
enum NewScope {
    Keep,
    Class(Option<Rc<Class>>),
}

impl Vm {
    /// Resolves the `$newScope` argument of `bind`/`bindTo`.
    fn closure_scope_arg(&mut self, v: Option<&Value>) -> PhpResult<NewScope> {
        match v.map(Value::deref_clone) {
            None => Ok(NewScope::Keep),
            Some(Value::Object(o)) => Ok(NewScope::Class(Some(o.class()))),
            Some(Value::Null) => Ok(NewScope::Class(None)),
            Some(other) => {
                let name = self.to_php_str(&other)?;
                if name.as_bytes() == b"static" {
                    return Ok(NewScope::Keep);
                }
                Ok(NewScope::Class(Some(self.lookup_class(&name)?)))
            }
        }
    }

    /// A copy of `closure` bound to `this` and `scope`, or `None` (after PHP's warning)
    /// when the binding is not allowed.
    fn rebind_closure(
        &mut self,
        closure: &Obj,
        this: Option<Obj>,
        scope: NewScope,
    ) -> PhpResult<Option<Obj>> {
        let data = {
            let d = closure.borrow();
            let Some(cd) = d
                .internal
                .as_ref()
                .and_then(|i| i.downcast_ref::<ClosureData>())
            else {
                return Ok(None);
            };
            ClosureData {
                func: cd.func.clone(),
                bound: cd.bound.clone(),
                this: cd.this.clone(),
                scope: cd.scope.clone(),
                called: None,
                target: cd.target.clone(),
                magic_name: cd.magic_name.clone(),
            }
        };
        if this.is_some() && data.func.is_static && data.target.is_none() {
            self.raise(
                ErrorLevel::Warning,
                "Cannot bind an instance to a static closure",
            )?;
            return Ok(None);
        }
        let new_scope = match scope {
            NewScope::Keep => data.scope.clone(),
            NewScope::Class(c) => c,
        };
        if let Some(c) = &new_scope {
            if !self.is_user_class(c) && c.lc_name.as_bytes() != b"closure" {
                let keeps = data.scope.as_ref().is_some_and(|s| Rc::ptr_eq(s, c));
                if !keeps {
                    let msg = format!(
                        "Cannot bind closure to scope of internal class {}",
                        c.display_name()
                    );
                    self.raise(ErrorLevel::Warning, &msg)?;
                    return Ok(None);
                }
            }
        }
        if let Some(target) = &data.target {
            // A closure made from a method keeps its method: only its object may change,
            // to another instance of that class.
            if let super::CallTarget::User { func, scope, .. } = target {
                if let (Some(t), Some(s)) = (&this, scope) {
                    if !t.class().is_subclass_of(&s.lc_name) {
                        let msg = format!(
                            "Cannot bind method {}::{}() to object of class {}",
                            s.display_name(),
                            func.name.to_string_lossy(),
                            t.class_display_name()
                        );
                        self.raise(ErrorLevel::Warning, &msg)?;
                        return Ok(None);
                    }
                }
            }
        }
        let target = match data.target {
            Some(super::CallTarget::User {
                func,
                scope,
                static_class,
                closure,
                ..
            }) => Some(super::CallTarget::User {
                func,
                this: this.clone(),
                scope,
                static_class: this.as_ref().map(Obj::class).or(static_class),
                closure,
            }),
            other => other,
        };
        let new = ClosureData {
            func: data.func,
            bound: data.bound,
            this,
            scope: new_scope,
            called: None,
            target,
            magic_name: data.magic_name,
        };
        Ok(Some(self.new_closure(new)))
    }
}

fn closure_of(v: Option<&Value>) -> PhpResult<Obj> {
    match v.map(Value::deref_clone) {
        Some(Value::Object(o)) if o.class().lc_name.as_bytes() == b"closure" => Ok(o),
        _ => Err(Fault::type_error(
            "Closure::bind(): Argument #1 ($closure) must be of type Closure",
        )),
    }
}

fn this_arg(v: Option<&Value>, func: &str) -> PhpResult<Option<Obj>> {
    match v.map(Value::deref_clone) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(other) => Err(Fault::type_error(format!(
            "{func}(): Argument #1 ($newThis) must be of type ?object, {} given",
            super::call::type_for_error(&other)
        ))),
    }
}

/// `Closure::bind($closure, $newThis, $newScope = "static")`.
pub(crate) fn closure_bind(
    vm: &mut Vm,
    _this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let closure = closure_of(args.first())?;
    let new_this = this_arg(args.get(1), "Closure::bind")?;
    let scope = vm.closure_scope_arg(args.get(2))?;
    Ok(vm
        .rebind_closure(&closure, new_this, scope)?
        .map_or(Value::Null, Value::Object))
}

/// `$closure->bindTo($newThis, $newScope = "static")`.
pub(crate) fn closure_bind_to(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let closure = this
        .cloned()
        .ok_or_else(|| Fault::error("Error", "Using $this when not in object context"))?;
    let new_this = this_arg(args.first(), "Closure::bindTo")?;
    let scope = vm.closure_scope_arg(args.get(1))?;
    Ok(vm
        .rebind_closure(&closure, new_this, scope)?
        .map_or(Value::Null, Value::Object))
}

/// `$closure->call($newThis, ...$args)`: runs the closure bound to `$newThis`, in the
/// scope of its class.
pub(crate) fn closure_call(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let closure = this
        .cloned()
        .ok_or_else(|| Fault::error("Error", "Using $this when not in object context"))?;
    let Some(Value::Object(new_this)) = args.first().map(Value::deref_clone) else {
        return Err(Fault::type_error(format!(
            "Closure::call(): Argument #1 ($newThis) must be of type object, {} given",
            args.first()
                .map_or_else(|| "null".to_string(), super::call::type_for_error)
        )));
    };
    let scope = NewScope::Class(Some(new_this.class()));
    let Some(bound) = vm.rebind_closure(&closure, Some(new_this), scope)? else {
        return Ok(Value::Null);
    };
    vm.call_value(&Value::Object(bound), &args[1..])
}

/// `Closure::fromCallable($callback)`.
pub(crate) fn closure_from_callable(
    vm: &mut Vm,
    _this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let callable = args.first().map(Value::deref_clone).unwrap_or(Value::Null);
    if let Value::Object(o) = &callable {
        if o.class().lc_name.as_bytes() == b"closure" {
            return Ok(callable);
        }
    }
    let fail =
        |why: String| Fault::type_error(format!("Failed to create closure from callable: {why}"));
    // PHP's reasons for a callable that cannot be called.
    let (class_part, method): (Option<Value>, Option<Vec<u8>>) = match &callable {
        Value::Str(s) => match s.windows(2).position(|w| w == b"::") {
            Some(p) => (Some(Value::str(&s[..p])), Some(s[p + 2..].to_vec())),
            None => {
                if vm.find_function(s).is_none() {
                    return Err(fail(format!(
                        "function \"{}\" not found or invalid function name",
                        s.to_string_lossy()
                    )));
                }
                (None, None)
            }
        },
        Value::Array(a) if a.len() == 2 => {
            let first = a.get_int(0).map(Value::deref_clone);
            let second = a.get_int(1).map(Value::deref_clone);
            match second {
                Some(Value::Str(m)) => (first, Some(m.to_vec())),
                _ => return Err(fail("array callback must have exactly two members".into())),
            }
        }
        Value::Object(_) => (None, None),
        _ => return Err(fail("no array or string given".into())),
    };
    if let (Some(cp), Some(m)) = (class_part, method) {
        let (class, obj) = match cp {
            Value::Object(o) => (o.class(), Some(o)),
            other => {
                let name = vm.to_php_str(&other)?;
                match vm.find_class_autoload(&name)? {
                    Some(c) => (c, None),
                    None => {
                        return Err(fail(format!(
                            "class \"{}\" not found",
                            name.to_string_lossy()
                        )))
                    }
                }
            }
        };
        match vm.find_method(&class, &m) {
            Some(found) => {
                if !found.is_static && obj.is_none() {
                    return Err(fail(format!(
                        "non-static method {}::{}() cannot be called statically",
                        class.display_name(),
                        found.name.to_string_lossy()
                    )));
                }
            }
            None => {
                let magic: &[u8] = if obj.is_some() {
                    b"__call"
                } else {
                    b"__callstatic"
                };
                if vm.find_method(&class, magic).is_none() {
                    return Err(fail(format!(
                        "class {} does not have a method \"{}\"",
                        class.display_name(),
                        String::from_utf8_lossy(&m)
                    )));
                }
            }
        }
    }
    let target = vm.resolve_callable(&callable)?;
    if let Some(name) = vm.magic_name.take() {
        // A `__call` trampoline: the closure passes its arguments on as `(name, [args])`.
        return Ok(Value::Object(vm.trampoline_closure(target, name)));
    }
    vm.closure_from_target(target)
}
