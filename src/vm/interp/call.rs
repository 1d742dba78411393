//! Calls: resolving callees, collecting arguments (by value, by reference, unpacked,
//! named), binding them to a new frame or to a builtin (with PHP's argument coercion), and
//! returning. Also calling PHP callables from Rust (`call_value`) for builtins and handlers.

use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::ast::Visibility;
use super::super::builtins::Builtin;
use super::super::bytecode::{ClassOperand, Func, Operand, PathAction, PathBase, PathElem, Slot};
use super::super::coerce::{coerce_arg, value_kind_bit, ArgCtx};
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::object::{Class, Obj};
use super::super::value::{PhpStr, Value};
use super::class::{ClosureData, MethodImpl};
use super::{FnEntry, Frame, Vm};

/// What a pending call will run.
#[derive(Clone)]
pub enum CallTarget {
    /// A user function or method body.
    User {
        func: Rc<Func>,
        this: Option<Obj>,
        scope: Option<Rc<Class>>,
        static_class: Option<Rc<Class>>,
        closure: Option<Obj>,
    },
    /// A builtin function.
    Builtin(&'static Builtin),
    /// A native method of a built-in class.
    Native {
        method: super::class::NativeMethod,
        this: Option<Obj>,
        class: Rc<Class>,
        name: PhpStr,
    },
    /// Nothing to run (`new` of a class without constructor, nullsafe call on null).
    Nothing,
}

/// A call between `Init*` and `DoCall`.
pub(crate) struct PendingCall {
    pub target: CallTarget,
    /// Index in `Vm::args` where this call's positional arguments start.
    pub args_base: usize,
    /// Named arguments in order.
    pub named: Vec<(PhpStr, Value)>,
    /// For `new`: the object, which is the result.
    pub new_obj: Option<Obj>,
    /// For a call through `__call`/`__callStatic` (or a trampoline closure): the called
    /// name; the arguments are wrapped into `(name, [args])` at `DoCall`. Kept per call,
    /// since evaluating the arguments may run other calls (autoloaders included).
    pub magic: Option<PhpStr>,
}

/// The result of starting a call.
pub(crate) enum Called {
    /// The call finished (builtin) with this value.
    Done(Value),
    /// A PHP frame was pushed; the loop continues in it.
    Pushed,
}

impl CallTarget {
    /// Whether parameter `i` (0-based) is by reference.
    pub(crate) fn param_by_ref(&self, i: usize) -> bool {
        match self {
            CallTarget::User { func, .. } => match func.params.get(i) {
                Some(p) => p.by_ref,
                None => func.params.last().is_some_and(|p| p.variadic && p.by_ref),
            },
            CallTarget::Builtin(b) => match b.params.get(i) {
                Some(p) => p.by_ref,
                None => b.params.last().is_some_and(|p| p.variadic && p.by_ref),
            },
            _ => false,
        }
    }

    /// A by-reference parameter that also accepts plain values (PHP's `ZEND_SEND_PREFER_REF`,
    /// only `array_multisort` among the builtins here).
    fn param_prefers_ref(&self, _i: usize) -> bool {
        matches!(self, CallTarget::Builtin(b) if b.name == "array_multisort")
    }

    fn param_index(&self, name: &[u8]) -> Option<usize> {
        match self {
            CallTarget::User { func, .. } => func
                .params
                .iter()
                .position(|p| p.name.as_bytes() == name && !p.variadic),
            CallTarget::Builtin(b) => b
                .params
                .iter()
                .position(|p| p.name.as_bytes() == name && !p.variadic),
            _ => None,
        }
    }

    /// The name used in error messages (`foo`, `Foo::bar`, `{closure}`).
    pub fn display_name(&self) -> String {
        match self {
            CallTarget::User { func, .. } => func_display_name(func),
            CallTarget::Builtin(b) => b.name.to_string(),
            CallTarget::Native { class, name, .. } => {
                format!("{}::{}", class.display_name(), name.to_string_lossy())
            }
            CallTarget::Nothing => String::new(),
        }
    }
}

/// Entries of `Vm::fn_sites` (a power of two).
pub(crate) const FN_SITES: usize = 256;

/// The `Vm::fn_sites` entry of a call site's cache key (the name constant's address).
#[inline(always)]
fn fn_site_index(key: usize) -> usize {
    ((key >> 4) ^ (key >> 12)) & (FN_SITES - 1)
}

/// PHP's `Error` for a temporary value passed to a by-reference parameter.
fn cannot_pass_by_ref(target: &CallTarget, idx: usize) -> Fault {
    let name = match target {
        CallTarget::User { func, .. } => func
            .params
            .get(idx)
            .or_else(|| func.params.last())
            .map(|p| p.name.to_string_lossy()),
        CallTarget::Builtin(b) => b
            .params
            .get(idx)
            .or_else(|| b.params.last())
            .map(|p| p.name.clone()),
        _ => None,
    };
    let param = match name {
        Some(n) => format!(" (${n})"),
        None => String::new(),
    };
    Fault::error(
        "Error",
        &format!(
            "{}(): Argument #{}{} cannot be passed by reference",
            target.display_name(),
            idx + 1,
            param
        ),
    )
}

/// `foo`, `Foo::bar` or `{closure}` as PHP names functions in messages.
pub(crate) fn func_display_name(func: &Func) -> String {
    match &func.class_name {
        Some(c) if func.name.as_bytes() != b"{closure}" => {
            format!("{}::{}", c.to_string_lossy(), func.name.to_string_lossy())
        }
        _ => func.name.to_string_lossy(),
    }
}

impl Vm {
    fn push_call(&mut self, target: CallTarget, new_obj: Option<Obj>) {
        self.calls.push(PendingCall {
            target,
            args_base: self.args.len(),
            named: Vec::new(),
            new_obj,
            magic: self.magic_name.take(),
        });
    }

    pub(crate) fn init_fcall(
        &mut self,
        func: &Func,
        name: Operand,
        fallback: Option<Operand>,
        _n_args: u32,
    ) -> PhpResult<()> {
        let target = self.resolve_fcall(func, name, fallback)?.into_target();
        self.push_call(target, None);
        Ok(())
    }

    /// The function `InitFCall` with these operands calls (an `Error` when undefined).
    pub(crate) fn resolve_fcall(
        &mut self,
        func: &Func,
        name: Operand,
        fallback: Option<Operand>,
    ) -> PhpResult<FnEntry> {
        // Functions cannot be undeclared, so a resolved name stays resolved for the whole
        // request: cache it by the address of the name constant (units outlive the request's
        // frames, so the address is not reused meanwhile).
        let name_val = &func.consts[name.index() as usize];
        let cache_key = match name_val {
            Value::Str(s) => s.as_bytes().as_ptr() as usize,
            _ => 0,
        };
        let site = fn_site_index(cache_key);
        if let Some((key, Some(entry))) = self.fn_sites.get(site) {
            if *key == cache_key {
                return Ok(entry.clone());
            }
        }
        if let Some(entry) = self.fn_cache.get(&cache_key) {
            if let Some(cell) = self.fn_sites.get_mut(site) {
                *cell = (cache_key, Some(entry.clone()));
            }
            return Ok(entry.clone());
        }
        let n = name_val.scalar_to_str();
        let entry = match self.find_function(&n) {
            Some(e) => Some(e),
            None => match fallback {
                Some(fb) => {
                    let f = func.consts[fb.index() as usize].scalar_to_str();
                    self.find_function(&f)
                }
                None => None,
            },
        };
        if let (Some(e), true) = (&entry, cache_key != 0) {
            self.fn_cache.insert(cache_key, e.clone());
        }
        match entry {
            Some(e) => Ok(e),
            None => {
                let shown = n.strip_prefix(b"\\").unwrap_or(&n);
                Err(Fault::error(
                    "Error",
                    format!(
                        "Call to undefined function {}()",
                        String::from_utf8_lossy(shown)
                    ),
                ))
            }
        }
    }

    pub(crate) fn init_dyncall(&mut self, callee: &Value, _n_args: u32) -> PhpResult<()> {
        let target = self.resolve_callable(callee)?;
        self.push_call(target, None);
        Ok(())
    }

    /// Resolves any PHP callable value to a call target, or an `Error` as PHP words it
    /// for direct calls.
    pub(crate) fn resolve_callable(&mut self, callee: &Value) -> PhpResult<CallTarget> {
        match callee {
            Value::Str(s) => {
                if let Some(pos) = find_double_colon(s) {
                    let (cls, m) = (&s[..pos], &s[pos + 2..]);
                    let class = self.lookup_class(cls)?;
                    return self.static_method_target(&class, m, None);
                }
                match self.find_function(s) {
                    Some(e) => Ok(e.into_target()),
                    None => Err(Fault::error(
                        "Error",
                        format!("Call to undefined function {}()", s.to_string_lossy()),
                    )),
                }
            }
            Value::Object(o) => {
                if let Some(target) = self.closure_target(o) {
                    if let Some(name) = self.closure_magic_name(o) {
                        self.magic_name = Some(name);
                    }
                    return Ok(target);
                }
                match self.find_method(&o.class(), b"__invoke") {
                    Some(m) => Ok(self.method_target(m, Some(o.clone()), o.class())),
                    None => Err(Fault::error(
                        "Error",
                        "Object of type ".to_string()
                            + &o.class_display_name()
                            + " is not callable",
                    )),
                }
            }
            Value::Array(a) if a.len() == 2 => {
                let first = a.get_int(0).cloned().unwrap_or(Value::Null).into_deref();
                let second = a.get_int(1).cloned().unwrap_or(Value::Null).into_deref();
                let Value::Str(m) = second else {
                    return Err(Fault::error(
                        "Error",
                        "Array callback must have exactly two elements",
                    ));
                };
                match first {
                    Value::Object(o) => {
                        let class = o.class();
                        // 'parent::foo' style names inside the array are rare; plain names only.
                        match self.find_method(&class, &m) {
                            Some(method) => {
                                if method.is_static {
                                    Ok(self.method_target(method, None, class))
                                } else {
                                    Ok(self.method_target(method, Some(o.clone()), class))
                                }
                            }
                            None => {
                                if let Some(magic) = self.find_method(&class, b"__call") {
                                    return Ok(self.magic_call_target(magic, Some(o), class, &m));
                                }
                                Err(Fault::error(
                                    "Error",
                                    format!(
                                        "Call to undefined method {}::{}()",
                                        class.display_name(),
                                        m.to_string_lossy()
                                    ),
                                ))
                            }
                        }
                    }
                    Value::Str(c) => {
                        let class = self.lookup_class(&c)?;
                        self.static_method_target(&class, &m, None)
                    }
                    _ => Err(Fault::error(
                        "Error",
                        "Array callback must have exactly two elements",
                    )),
                }
            }
            Value::Array(_) => Err(Fault::error(
                "Error",
                "Array callback must have exactly two elements",
            )),
            _ => Err(Fault::error("Error", "Value not callable")),
        }
    }

    /// `$obj->name()` with a constant name already resolved for the object's class at this
    /// call site (`method_cache`): pushes the pending call and returns true, reading
    /// neither the name nor anything else; false leaves the call to `init_method_call`.
    /// The object moves into the call as `$this`; a miss hands it back.
    #[inline]
    pub(crate) fn init_method_cached(
        &mut self,
        obj: Value,
        site: usize,
    ) -> PhpResult<Result<(), Value>> {
        let Value::Object(o) = obj else {
            return Ok(Err(obj));
        };
        let class = o.class();
        let key = (Rc::as_ptr(&class) as usize, site);
        let Some(m) = self.method_cache.get(&key).cloned() else {
            return Ok(Err(Value::Object(o)));
        };
        if m.visibility != Visibility::Public {
            self.check_method_visibility(&class, &m, &[])?;
        }
        let this = if m.is_static { None } else { Some(o) };
        let target = self.method_target(m, this, class);
        self.push_call(target, None);
        Ok(Ok(()))
    }

    pub(crate) fn init_method_call(
        &mut self,
        obj: Value,
        name: Value,
        nullsafe: bool,
        site: usize,
    ) -> PhpResult<()> {
        if let (Value::Object(o), true) = (&obj, site != 0) {
            let class = o.class();
            let key = (Rc::as_ptr(&class) as usize, site);
            if let Some(m) = self.method_cache.get(&key).cloned() {
                self.check_method_visibility(&class, &m, &[])?;
                let this = if m.is_static { None } else { Some(o.clone()) };
                let target = self.method_target(m, this, class);
                self.push_call(target, None);
                return Ok(());
            }
        }
        let Value::Object(o) = obj else {
            if nullsafe && obj.is_null() {
                self.push_call(CallTarget::Nothing, None);
                return Ok(());
            }
            let name = self.to_php_str(&name)?;
            return Err(Fault::error(
                "Error",
                format!(
                    "Call to a member function {}() on {}",
                    name.to_string_lossy(),
                    type_for_error(&obj)
                ),
            ));
        };
        let name = match name {
            Value::Str(s) => s,
            Value::Object(_) => {
                // `$obj->$closure()` is not a thing; PHP requires a string name.
                return Err(Fault::error("Error", "Method name must be a string"));
            }
            other => self.to_php_str(&other)?,
        };
        let class = o.class();
        if let Some(target) = self.closure_method_target(&o, &name) {
            self.push_call(target, None);
            return Ok(());
        }
        match self.find_method(&class, &name) {
            Some(m) => {
                self.check_method_visibility(&class, &m, &name)?;
                if site != 0 {
                    let key = (Rc::as_ptr(&class) as usize, site);
                    self.method_cache.insert(key, m.clone());
                }
                let this = if m.is_static { None } else { Some(o) };
                let target = self.method_target(m, this, class);
                self.push_call(target, None);
                Ok(())
            }
            None => {
                if let Some(magic) = self.find_method(&class, b"__call") {
                    let target = self.magic_call_target(magic, Some(o), class, &name);
                    self.push_call(target, None);
                    return Ok(());
                }
                Err(Fault::error(
                    "Error",
                    format!(
                        "Call to undefined method {}::{}()",
                        class.display_name(),
                        name.to_string_lossy()
                    ),
                ))
            }
        }
    }

    pub(crate) fn init_static_call(
        &mut self,
        func: &Func,
        base: usize,
        class: ClassOperand,
        name: Operand,
        _n_args: u32,
    ) -> PhpResult<()> {
        let cls = self.resolve_class_operand(func, base, class)?;
        // A constant name is the call site's cache key (`static_cache`), as for `$obj->m()`.
        let site = match name.is_const() {
            true => match &func.consts[name.index() as usize] {
                Value::Str(s) => s.as_bytes().as_ptr() as usize,
                _ => 0,
            },
            false => 0,
        };
        let key = (Rc::as_ptr(&cls) as usize, site);
        // parent::/self::/static:: and calls to an ancestor keep $this.
        let this = self.frames.last().and_then(|f| f.this.clone());
        let keep_this = match &this {
            Some(t) => t.class().is_subclass_of(&cls.lc_name),
            None => false,
        };
        let this = if keep_this { this } else { None };
        if site != 0 {
            if let Some(m) = self.static_cache.get(&key).cloned() {
                let target = self.static_method_found(&cls, m, &[], this)?;
                self.push_call(target, None);
                return Ok(());
            }
        }
        let name = self.read(func, base, name)?;
        let name = self.to_php_str(&name)?;
        if site != 0 {
            if let Some(m) = self.find_method(&cls, &name) {
                self.static_cache.insert(key, m);
            }
        }
        let target = self.static_method_target(&cls, &name, this)?;
        self.push_call(target, None);
        Ok(())
    }

    fn static_method_target(
        &mut self,
        class: &Rc<Class>,
        name: &[u8],
        this: Option<Obj>,
    ) -> PhpResult<CallTarget> {
        match self.find_method(class, name) {
            Some(m) => self.static_method_found(class, m, name, this),
            None => {
                if this.is_some() {
                    if let Some(magic) = self.find_method(class, b"__call") {
                        return Ok(self.magic_call_target(magic, this, class.clone(), name));
                    }
                }
                if let Some(magic) = self.find_method(class, b"__callStatic") {
                    return Ok(self.magic_call_target(magic, None, class.clone(), name));
                }
                Err(Fault::error(
                    "Error",
                    format!(
                        "Call to undefined method {}::{}()",
                        class.display_name(),
                        String::from_utf8_lossy(name)
                    ),
                ))
            }
        }
    }

    /// The call target of `Class::name()` once `m` is found for it (visibility, the
    /// static/instance check and late static binding).
    fn static_method_found(
        &mut self,
        class: &Rc<Class>,
        m: Rc<super::class::MethodRt>,
        name: &[u8],
        this: Option<Obj>,
    ) -> PhpResult<CallTarget> {
        if m.visibility != Visibility::Public {
            self.check_method_visibility(class, &m, name)?;
        }
        if !m.is_static && this.is_none() {
            return Err(Fault::error(
                "Error",
                format!(
                    "Non-static method {}::{}() cannot be called statically",
                    class.display_name(),
                    m.name.to_string_lossy()
                ),
            ));
        }
        let this = if m.is_static { None } else { this };
        // Late static binding: forwarding calls keep the caller's static class.
        let static_class = match &this {
            Some(t) => t.class(),
            None => {
                let caller_static = self.frames.last().and_then(|f| f.static_class.clone());
                match caller_static {
                    Some(cs) if cs.is_subclass_of(&class.lc_name) => cs,
                    _ => class.clone(),
                }
            }
        };
        Ok(self.method_target(m, this, static_class))
    }

    pub(crate) fn method_target(
        &self,
        m: Rc<super::class::MethodRt>,
        this: Option<Obj>,
        static_class: Rc<Class>,
    ) -> CallTarget {
        match &m.imp {
            MethodImpl::User(func) => CallTarget::User {
                func: func.clone(),
                this,
                scope: m.scope.upgrade(),
                static_class: Some(static_class),
                closure: None,
            },
            MethodImpl::Native(f) => CallTarget::Native {
                method: *f,
                this,
                class: static_class,
                name: m.name.clone(),
            },
        }
    }

    /// A call to `__call`/`__callStatic`: the pending call's arguments are collected as
    /// usual and wrapped into `(name, [args])` at `DoCall`.
    fn magic_call_target(
        &mut self,
        magic: Rc<super::class::MethodRt>,
        this: Option<Obj>,
        class: Rc<Class>,
        name: &[u8],
    ) -> CallTarget {
        let target = self.method_target(magic, this, class);
        self.magic_name = Some(PhpStr::from(name));
        target
    }

    pub(crate) fn send_value(&mut self, v: Value) -> PhpResult<()> {
        let call = self.calls.last().expect("send without call");
        if !call.named.is_empty() {
            return Err(Fault::error(
                "Error",
                "Cannot use positional argument after named argument",
            ));
        }
        let idx = self.args.len() - call.args_base;
        if call.target.param_by_ref(idx) {
            if !call.target.param_prefers_ref(idx) {
                return Err(cannot_pass_by_ref(&call.target, idx));
            }
            self.args.push(Value::Ref(Value::new_ref(v)));
        } else {
            self.args.push(v);
        }
        Ok(())
    }

    /// A call's result (or `$this`) as a positional argument: a by-reference parameter
    /// binds the returned reference, or a temporary one (with PHP's notice when `notice`).
    pub(crate) fn send_var(&mut self, v: Value, notice: bool) -> PhpResult<()> {
        let call = self.calls.last().expect("send without call");
        if !call.named.is_empty() {
            return Err(Fault::error(
                "Error",
                "Cannot use positional argument after named argument",
            ));
        }
        let idx = self.args.len() - call.args_base;
        if call.target.param_by_ref(idx) {
            let r = match v {
                Value::Ref(r) => Value::Ref(r),
                v => {
                    if notice && !call.target.param_prefers_ref(idx) {
                        self.raise(
                            ErrorLevel::Notice,
                            "Only variables should be passed by reference",
                        )?;
                    }
                    Value::Ref(Value::new_ref(v))
                }
            };
            self.args.push(r);
        } else {
            self.args.push(v.deref_clone());
        }
        Ok(())
    }

    /// `SendPath` of a plain, set, non-reference local to a by-value positional parameter
    /// (the usual `f($x)`): the copy to pass, inlined into the dispatch loop. `None` leaves
    /// the argument to `send_path`.
    #[inline(always)]
    pub(crate) fn send_local_fast(&self, func: &Func, base: usize, path: u32) -> Option<Value> {
        let call = self.calls.last()?;
        let p = func.paths.get(path as usize)?;
        let PathBase::Local(slot) = p.base else {
            return None;
        };
        if !p.elems.is_empty()
            || !call.named.is_empty()
            || call.target.param_by_ref(self.args.len() - call.args_base)
        {
            return None;
        }
        match self.stack.get(base + slot as usize)? {
            Value::Int(i) => Some(Value::Int(*i)),
            Value::Float(f) => Some(Value::Float(*f)),
            Value::Bool(b) => Some(Value::Bool(*b)),
            Value::Null => Some(Value::Null),
            Value::Undef | Value::Ref(_) => None,
            v => Some(v.clone()),
        }
    }

    pub(crate) fn send_path(
        &mut self,
        func: &Func,
        base: usize,
        path: u32,
        named: Option<PhpStr>,
    ) -> PhpResult<()> {
        let call = self.calls.last().expect("send without call");
        if named.is_none() && call.named.is_empty() {
            // A plain defined local passed by value: a copy, with no path walk.
            let p = &func.paths[path as usize];
            if let PathBase::Local(slot) = p.base {
                if !call.target.param_by_ref(self.args.len() - call.args_base) {
                    let local = &self.stack[base + slot as usize];
                    let v = match (p.elems.as_slice(), local) {
                        (_, Value::Undef) => None,
                        ([], Value::Ref(r)) => Some(r.borrow().clone()),
                        ([], v) => Some(v.clone()),
                        // `f($s[3])`: an in-range string offset (the rest warns or
                        // converts, and takes the general path).
                        ([PathElem::Dim(k)], Value::Str(s)) => match self.peek(func, base, *k) {
                            Some(Value::Int(i)) if (0..s.len() as i64).contains(i) => {
                                let i = *i as usize;
                                Some(Value::Str(PhpStr::byte(s[i])))
                            }
                            _ => None,
                        },
                        _ => None,
                    };
                    if let Some(v) = v {
                        self.args.push(v);
                        return Ok(());
                    }
                }
            }
        }
        let by_ref = match &named {
            Some(n) => call
                .target
                .param_index(n)
                .is_some_and(|i| call.target.param_by_ref(i)),
            None => call.target.param_by_ref(self.args.len() - call.args_base),
        };
        let v = if by_ref {
            self.path_op(func, base, path, PathAction::GetRef, None)?
        } else {
            self.path_op(func, base, path, PathAction::Fetch, None)?
        };
        match named {
            Some(n) => self.push_named(n, v),
            None => {
                let call = self.calls.last().expect("send without call");
                if !call.named.is_empty() {
                    return Err(Fault::error(
                        "Error",
                        "Cannot use positional argument after named argument",
                    ));
                }
                self.args.push(v);
                Ok(())
            }
        }
    }

    pub(crate) fn send_named(&mut self, name: PhpStr, v: Value) -> PhpResult<()> {
        let call = self.calls.last().expect("send without call");
        if let Some(i) = call.target.param_index(&name) {
            if call.target.param_by_ref(i) && !call.target.param_prefers_ref(i) {
                return Err(cannot_pass_by_ref(&call.target, i));
            }
        }
        self.push_named(name, v)
    }

    fn push_named(&mut self, name: PhpStr, v: Value) -> PhpResult<()> {
        let call = self.calls.last_mut().expect("send without call");
        if call.named.iter().any(|(n, _)| *n == name) {
            return Err(Fault::error(
                "Error",
                format!(
                    "Named parameter ${} overwrites previous argument",
                    name.to_string_lossy()
                ),
            ));
        }
        call.named.push((name, v));
        Ok(())
    }

    pub(crate) fn send_unpack(&mut self, v: Value) -> PhpResult<()> {
        match v {
            Value::Array(a) => {
                for (k, item) in a.iter() {
                    match k {
                        ArrayKey::Int(_) => {
                            let call = self.calls.last().expect("send without call");
                            if !call.named.is_empty() {
                                return Err(Fault::error(
                                    "Error",
                                    "Cannot use positional argument after named argument during unpacking",
                                ));
                            }
                            let idx = self.args.len() - call.args_base;
                            let by_ref = call.target.param_by_ref(idx);
                            let item = if by_ref {
                                match item {
                                    Value::Ref(_) => item.clone(),
                                    other => Value::Ref(Value::new_ref(other.clone())),
                                }
                            } else {
                                item.deref_clone()
                            };
                            self.args.push(item);
                        }
                        ArrayKey::Str(s) => self.push_named(s, item.deref_clone())?,
                    }
                }
                Ok(())
            }
            Value::Object(o) => {
                let items = self.iterate_to_vec(&Value::Object(o))?;
                for (_, item) in items {
                    self.args.push(item);
                }
                Ok(())
            }
            Value::Null | Value::Undef => Err(Fault::type_error(
                "Only arrays and Traversables can be unpacked",
            )),
            _ => Err(Fault::type_error(
                "Only arrays and Traversables can be unpacked",
            )),
        }
    }

    /// Runs the newest pending call.
    pub(crate) fn do_call(&mut self, dst: Option<Slot>) -> PhpResult<Called> {
        let call = self.calls.pop().expect("DoCall without a pending call");
        let PendingCall {
            target,
            args_base,
            named,
            new_obj,
            magic,
        } = call;
        if let Some(name) = magic {
            // __call($name, $args)
            let packed = PhpArray::from_values(
                self.args
                    .drain(args_base..)
                    .map(Value::into_deref)
                    .collect(),
            );
            self.args.push(Value::Str(name));
            self.args.push(Value::array(packed));
        }
        if let CallTarget::User {
            func,
            this,
            scope,
            static_class,
            closure,
        } = target
        {
            let is_generator = func.is_generator;
            if !is_generator && new_obj.is_none() && named.capacity() == 0 {
                // `named` never allocated: dropping it would be an out-of-line call that
                // frees nothing.
                std::mem::forget(named);
                self.push_plain_frame(
                    func,
                    args_base,
                    this,
                    scope,
                    static_class,
                    closure,
                    dst,
                    false,
                )?;
                return Ok(Called::Pushed);
            }
            self.push_frame_from(
                func,
                args_base,
                named,
                this,
                scope,
                static_class,
                closure,
                dst,
                false,
            )?;
            if is_generator {
                return Ok(Called::Done(self.make_generator_from_top_frame()?));
            }
            if new_obj.is_some() {
                if let Some(f) = self.frames.last_mut() {
                    f.discard_result = true;
                }
            }
            return Ok(Called::Pushed);
        }
        if let CallTarget::Builtin(b) = target {
            let v = if named.is_empty() {
                self.call_builtin_pending(b, args_base)?
            } else {
                let args: Vec<Value> = self.args.drain(args_base..).collect();
                self.call_builtin(b, args, named)?
            };
            return Ok(Called::Done(v));
        }
        let args: Vec<Value> = self.args.drain(args_base..).collect();
        match target {
            CallTarget::Nothing => Ok(Called::Done(match new_obj {
                Some(o) => Value::Object(o),
                None => Value::Null,
            })),
            CallTarget::Builtin(_) => unreachable!("builtin targets are called above"),
            CallTarget::Native {
                method,
                this,
                class,
                name,
            } => {
                let args: Vec<Value> = args.into_iter().map(Value::into_deref).collect();
                let v = match method(self, this.as_ref(), &class, &args) {
                    Ok(v) => v,
                    Err(fault @ Fault::Error { .. }) => {
                        // The native method's own frame shows in the trace.
                        let declaring = self
                            .find_method(&class, &name)
                            .and_then(|m| m.scope.upgrade())
                            .map_or_else(|| class.name.clone(), |c| c.name.clone());
                        let shown = (declaring, this.is_some());
                        let fname = name.to_string_lossy();
                        return Err(self.native_fault(&fname, Some(shown), &args, fault));
                    }
                    Err(e) => return Err(e),
                };
                Ok(Called::Done(match new_obj {
                    Some(o) => Value::Object(o),
                    None => v,
                }))
            }
            CallTarget::User { .. } => {
                unreachable!("user targets are pushed by push_frame_from above")
            }
        }
    }

    /// Calls a builtin on the pending positional arguments `self.args[args_base..]`, which
    /// it consumes, with PHP's argument checks and coercion. The hot path of every builtin
    /// call: the arguments are coerced in place and handed over as a slice, with no vector
    /// built per call.
    pub(crate) fn call_builtin_pending(
        &mut self,
        b: &'static Builtin,
        args_base: usize,
    ) -> PhpResult<Value> {
        // The builtin borrows its arguments while it holds the VM, so the argument stack is
        // moved out for the call; calls it makes back into PHP start an empty one
        // (allocated only if they happen), dropped when the outer one is put back.
        let mut all = std::mem::take(&mut self.args);
        let r = match self.bind_builtin_args(b, &mut all[args_base..]) {
            Ok(()) => (b.func)(self, &all[args_base..]),
            Err(e) => Err(e),
        };
        let r = match r {
            // Throwables raised by the builtin itself show its frame in their trace.
            Err(fault @ Fault::Error(_)) => {
                Err(self.builtin_fault(b.name, &all[args_base..], fault))
            }
            r => r,
        };
        all.truncate(args_base);
        self.args = all;
        r
    }

    /// `Op::CallBuiltin`: reads the argument operands of `func.arg_lists[list]` in order
    /// (temporaries moved out, locals read with their undefined warning, constants cloned)
    /// into a buffer on the native stack and calls the builtin on them. No pending call,
    /// argument stack or name lookup is involved.
    pub(crate) fn call_builtin_op(
        &mut self,
        func: &Func,
        base: usize,
        builtin: u32,
        list: u32,
    ) -> PhpResult<Value> {
        let (Some(b), Some(ops)) = (
            super::super::builtins::by_index(builtin),
            func.arg_lists.get(list as usize),
        ) else {
            return Err(Fault::fatal("Invalid bytecode: unknown builtin call"));
        };
        let mut small: [Value; 4] = Default::default();
        let mut large = Vec::new();
        let args: &mut [Value] = if ops.len() <= small.len() {
            &mut small[..ops.len()]
        } else {
            large.resize(ops.len(), Value::Undef);
            &mut large
        };
        for (arg, op) in args.iter_mut().zip(ops) {
            *arg = self.consume(func, base, *op)?;
        }
        let r = match self.bind_builtin_args(b, args) {
            Ok(()) => (b.func)(self, args),
            Err(e) => Err(e),
        };
        match r {
            // Throwables raised by the builtin itself show its frame in their trace.
            Err(fault @ Fault::Error(_)) => Err(self.builtin_fault(b.name, args, fault)),
            r => r,
        }
    }

    /// Arity checks and coercion of positional arguments (no named ones) for a builtin.
    #[inline]
    fn bind_builtin_args(&mut self, b: &'static Builtin, args: &mut [Value]) -> PhpResult<()> {
        let passed = args.len();
        if passed < b.min_args || passed > b.max_args {
            return Err(arity_error(b, passed));
        }
        for (i, arg) in args.iter_mut().enumerate() {
            let param = match b.params.get(i) {
                Some(p) => p,
                None => match b.params.last() {
                    Some(p) if p.variadic => p,
                    _ => break,
                },
            };
            if param.exact & value_kind_bit(arg) != 0 {
                continue;
            }
            self.bind_builtin_arg_slow(b, i, arg)?;
        }
        Ok(())
    }

    /// `bind_builtin_args` for one argument that is not trivially accepted: skipped
    /// optional arguments, by-reference parameters, conversions and type errors.
    #[inline(never)]
    fn bind_builtin_arg_slow(
        &mut self,
        b: &'static Builtin,
        i: usize,
        arg: &mut Value,
    ) -> PhpResult<()> {
        let param = match b.params.get(i) {
            Some(p) => p,
            None => match b.params.last() {
                Some(p) => p,
                None => return Ok(()),
            },
        };
        if matches!(arg, Value::Undef) {
            if i < b.min_args {
                return Err(Fault::error(
                    "ArgumentCountError",
                    format!(
                        "{}(): Argument #{} (${}) not passed",
                        b.name,
                        i + 1,
                        param.name
                    ),
                ));
            }
            return Ok(());
        }
        if param.by_ref {
            if !matches!(arg, Value::Ref(_)) {
                let v = std::mem::take(arg);
                *arg = Value::Ref(Value::new_ref(v));
            }
            return Ok(());
        }
        if let Some(ty) = &param.ty {
            if ty.accepts_exactly(arg) {
                return Ok(());
            }
        }
        let v = std::mem::take(arg).into_deref();
        *arg = match &param.ty {
            Some(ty) => {
                let ctx = ArgCtx {
                    func: b.name,
                    arg_num: i + 1,
                    param: &param.name,
                    internal: true,
                };
                let strict = self.caller_strict();
                coerce_arg(self, v, ty, strict, &ctx)?
            }
            None => v,
        };
        Ok(())
    }

    /// Calls a builtin with PHP's argument checks and coercion.
    pub(crate) fn call_builtin(
        &mut self,
        b: &'static Builtin,
        mut args: Vec<Value>,
        named: Vec<(PhpStr, Value)>,
    ) -> PhpResult<Value> {
        if named.is_empty() {
            let base = self.args.len();
            self.args.append(&mut args);
            return self.call_builtin_pending(b, base);
        }
        match self.call_builtin_inner(b, &mut args, named) {
            // Throwables raised by the builtin itself show its frame in their trace.
            Err(fault @ Fault::Error(_)) => Err(self.builtin_fault(b.name, &args, fault)),
            r => r,
        }
    }

    fn call_builtin_inner(
        &mut self,
        b: &'static Builtin,
        args: &mut Vec<Value>,
        named: Vec<(PhpStr, Value)>,
    ) -> PhpResult<Value> {
        for (name, v) in named {
            match b
                .params
                .iter()
                .position(|p| p.name.as_bytes() == name.as_bytes())
            {
                Some(i) if !b.params[i].variadic => {
                    if i < args.len() && !matches!(args[i], Value::Undef) {
                        return Err(Fault::error(
                            "Error",
                            format!(
                                "Named parameter ${} overwrites previous argument",
                                name.to_string_lossy()
                            ),
                        ));
                    }
                    if args.len() <= i {
                        args.resize(i + 1, Value::Undef);
                    }
                    args[i] = v;
                }
                _ => {
                    return Err(Fault::error(
                        "Error",
                        format!("Unknown named parameter ${}", name.to_string_lossy()),
                    ))
                }
            }
        }
        let passed = args.len();
        if passed < b.min_args || passed > b.max_args {
            let required_missing =
                (0..b.min_args).find(|&i| i >= passed || matches!(args[i], Value::Undef));
            if passed > b.max_args || required_missing.is_some() {
                return Err(arity_error(b, passed));
            }
        }
        for (i, p) in b.params.iter().enumerate().take(b.min_args) {
            if matches!(args.get(i), Some(Value::Undef)) {
                return Err(Fault::error(
                    "ArgumentCountError",
                    format!("{}(): Argument #{} (${}) not passed", b.name, i + 1, p.name),
                ));
            }
        }
        let strict = self.caller_strict();
        for (i, arg) in args.iter_mut().enumerate() {
            let param = match b.params.get(i) {
                Some(p) => p,
                None => match b.params.last() {
                    Some(p) if p.variadic => p,
                    _ => break,
                },
            };
            if matches!(arg, Value::Undef) {
                continue;
            }
            if param.by_ref {
                if !matches!(arg, Value::Ref(_)) {
                    let v = std::mem::take(arg);
                    *arg = Value::Ref(Value::new_ref(v));
                }
                continue;
            }
            if let Some(ty) = &param.ty {
                if ty.accepts_exactly(arg) {
                    continue;
                }
            }
            let v = std::mem::take(arg).into_deref();
            *arg = match &param.ty {
                Some(ty) => {
                    let ctx = ArgCtx {
                        func: b.name,
                        arg_num: i + 1,
                        param: &param.name,
                        internal: true,
                    };
                    coerce_arg(self, v, ty, strict, &ctx)?
                }
                None => v,
            };
        }
        (b.func)(self, args)
    }

    fn caller_strict(&self) -> bool {
        self.frames.last().is_some_and(|f| f.func.strict_types)
    }

    /// Pushes a frame for a user function with arguments given as a vector.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push_frame(
        &mut self,
        func: Rc<Func>,
        args: Vec<Value>,
        named: Vec<(PhpStr, Value)>,
        this: Option<Obj>,
        scope: Option<Rc<Class>>,
        static_class: Option<Rc<Class>>,
        closure: Option<Obj>,
        ret_dst: Option<Slot>,
        stop: bool,
    ) -> PhpResult<()> {
        let args_base = self.args.len();
        self.args.extend(args);
        self.push_frame_from(
            func,
            args_base,
            named,
            this,
            scope,
            static_class,
            closure,
            ret_dst,
            stop,
        )
    }

    /// `push_frame_from` for the common call: every declared parameter gets exactly one
    /// positional argument (no named, variadic, extra or missing ones). Inlined into the
    /// dispatch loop (and the callback path): a tight move of the arguments into the
    /// callee's registers and one frame push; anything else takes `push_frame_from`.
    /// `stop` as in `push_frame_from` (a call compiled code makes, `jit_hook`).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push_plain_frame(
        &mut self,
        func: Rc<Func>,
        args_base: usize,
        this: Option<Obj>,
        scope: Option<Rc<Class>>,
        static_class: Option<Rc<Class>>,
        closure: Option<Obj>,
        ret_dst: Option<Slot>,
        stop: bool,
    ) -> PhpResult<()> {
        let n_passed = self.args.len() - args_base;
        let plain = n_passed == func.params.len()
            && !func.params.last().is_some_and(|p| p.variadic)
            && self.frames.len() < self.limits.max_depth
            && self.lim.flag.load(std::sync::atomic::Ordering::Relaxed) == 0;
        if !plain {
            return self.push_frame_from(
                func,
                args_base,
                Vec::new(),
                this,
                scope,
                static_class,
                closure,
                ret_dst,
                stop,
            );
        }
        let call_line = self.current_line();
        let n_slots = func.n_slots as usize;
        let base = self.alloc_regs(n_slots);
        // The arguments are the top of the argument stack: popped, last first, into the
        // callee's first registers (unset, as the whole free part of the register stack).
        let regs = &mut self.stack[base..base + n_slots];
        for (p, cell) in func.params.iter().zip(regs.iter_mut()).rev() {
            let Some(a) = self.args.pop() else { break };
            let a = match a {
                Value::Ref(_) if !p.by_ref => a.into_deref(),
                a => a,
            };
            super::store(cell, a);
        }
        if let Some(c) = &closure {
            self.bind_captures(c, &func, base);
        }
        let jit = func.jit.tick();
        self.frames.push(Frame {
            func,
            pc: 0,
            base,
            this,
            scope,
            static_class,
            ret_dst,
            n_args: n_passed,
            dyn_vars: None,
            ext: None,
            stop,
            discard_result: false,
            jit_call: false,
            call_line,
            closure,
            generator: None,
        });
        // Calls count towards the JIT threshold (`jit_hook`), as in `push_frame_from`.
        if jit {
            if let Some(f) = self.frames.last() {
                let func = f.func.clone();
                self.jit_event(&func, base, None);
            }
        }
        Ok(())
    }

    /// Pushes a frame for a user function, binding the pending arguments
    /// `self.args[args_base..]` (which it consumes) to parameters. Moving them straight from
    /// the argument stack into the frame's registers keeps calls allocation-free.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push_frame_from(
        &mut self,
        func: Rc<Func>,
        args_base: usize,
        named: Vec<(PhpStr, Value)>,
        this: Option<Obj>,
        scope: Option<Rc<Class>>,
        static_class: Option<Rc<Class>>,
        closure: Option<Obj>,
        ret_dst: Option<Slot>,
        stop: bool,
    ) -> PhpResult<()> {
        if self.frames.len() >= self.limits.max_depth {
            self.args.truncate(args_base);
            return Err(Fault::fatal(format!(
                "Maximum function nesting level of '{}' reached, aborting!",
                self.limits.max_depth
            )));
        }
        if self.lim.flag.load(std::sync::atomic::Ordering::Relaxed) != 0 {
            if let Err(e) = self.check_interrupt() {
                self.args.truncate(args_base);
                return Err(e);
            }
        }
        let call_line = self.current_line();
        let n_slots = func.n_slots as usize;
        let base = self.alloc_regs(n_slots);
        let n_params = func.params.len();
        let variadic = func.params.last().is_some_and(|p| p.variadic);
        let fixed = if variadic { n_params - 1 } else { n_params };
        let n_passed = self.args.len() - args_base;
        let mut extra = Vec::new();
        let mut n_args = n_passed;
        if n_passed <= fixed && named.is_empty() {
            // The common case: positional arguments only, no variadics or extras. The
            // arguments are moved straight onto the register stack (they are the first
            // registers), then the other registers start unset; no per-call allocation.
            // Plain loops of `push`: `Vec::extend`/`resize` are not inlined here and cost
            // more than the few registers they copy.
            for i in args_base..args_base + n_passed {
                let a = std::mem::take(&mut self.args[i]);
                let a = match a {
                    Value::Ref(_) if !func.params[i - args_base].by_ref => a.into_deref(),
                    a => a,
                };
                super::store(&mut self.stack[base + i - args_base], a);
            }
            super::truncate_regs(&mut self.args, args_base);
            if variadic {
                self.stack[base + fixed] = Value::empty_array();
            }
        } else {
            let mut rest = PhpArray::new();
            for (i, a) in self.args.drain(args_base..).enumerate() {
                if i < fixed {
                    let v = if func.params[i].by_ref {
                        a
                    } else {
                        a.into_deref()
                    };
                    self.stack[base + i] = v;
                } else if variadic {
                    let v = if func.params[fixed].by_ref {
                        a
                    } else {
                        a.into_deref()
                    };
                    rest.push(v);
                } else {
                    extra.push(a.into_deref());
                }
            }
            for (name, v) in named {
                match func
                    .params
                    .iter()
                    .position(|p| p.name == name && !p.variadic)
                {
                    Some(i) => {
                        if i < n_passed {
                            self.unset_regs_from(base);
                            return Err(Fault::error(
                                "Error",
                                format!(
                                    "Named parameter ${} overwrites previous argument",
                                    name.to_string_lossy()
                                ),
                            ));
                        }
                        self.stack[base + i] = if func.params[i].by_ref {
                            v
                        } else {
                            v.into_deref()
                        };
                        n_args = n_args.max(i + 1);
                    }
                    None if variadic => {
                        rest.insert(ArrayKey::Str(name), v.into_deref());
                    }
                    None => {
                        self.unset_regs_from(base);
                        return Err(Fault::error(
                            "Error",
                            format!("Unknown named parameter ${}", name.to_string_lossy()),
                        ));
                    }
                }
            }
            if variadic {
                self.stack[base + fixed] = Value::array(rest);
            }
        }
        if let Some(c) = &closure {
            self.bind_captures(c, &func, base);
        }
        let ext = if extra.is_empty() {
            None
        } else {
            Some(Box::new(super::FrameExt {
                extra_args: extra,
                ..Default::default()
            }))
        };
        self.frames.push(Frame {
            func: func.clone(),
            pc: 0,
            base,
            this,
            scope,
            static_class,
            ret_dst,
            n_args,
            dyn_vars: None,
            ext,
            stop,
            discard_result: false,
            jit_call: false,
            call_line,
            closure,
            generator: None,
        });
        // Calls count towards the JIT threshold: a hot function is compiled before its
        // loops next jump back (`jit_hook`).
        if func.jit.tick() {
            self.jit_event(&func, base, None);
        }
        // Missing required parameters: reported from inside the callee, as PHP does (the
        // error's line is the function's).
        for i in n_passed.min(fixed)..fixed {
            let p = &func.params[i];
            if !p.optional && matches!(self.stack[base + i], Value::Undef) {
                let required = func
                    .params
                    .iter()
                    .filter(|p| !p.optional && !p.variadic)
                    .count();
                let exactly = required == n_params;
                let caller_file = match self.frames.len().checked_sub(2) {
                    Some(i) => self.frames[i].func.file.clone(),
                    None => self.script_path.clone(),
                };
                let msg = format!(
                    "Too few arguments to function {}(), {} passed in {} on line {} and {} {} expected",
                    func_display_name(&func),
                    n_passed,
                    caller_file.to_string_lossy(),
                    call_line,
                    if exactly { "exactly" } else { "at least" },
                    required
                );
                return Err(Fault::error("ArgumentCountError", msg));
            }
        }
        Ok(())
    }

    /// Copies a closure's captured values into its new frame's registers.
    fn bind_captures(&mut self, closure: &Obj, func: &Func, base: usize) {
        let data = closure.borrow();
        if let Some(cd) = data
            .internal
            .as_ref()
            .and_then(|i| i.downcast_ref::<ClosureData>())
        {
            for (i, (slot, _, _)) in func.captures.iter().enumerate() {
                if let Some(v) = cd.bound.get(i) {
                    self.stack[base + *slot as usize] = v.clone();
                }
            }
        }
    }

    pub(crate) fn promote_params(&mut self, func: &Func, base: usize) -> PhpResult<()> {
        let Some(this) = self.frames.last().and_then(|f| f.this.clone()) else {
            return Ok(());
        };
        for (i, p) in func.params.iter().enumerate() {
            if p.promote.is_some() {
                let v = self.stack[base + i].deref_clone();
                if !matches!(v, Value::Undef) {
                    this.borrow_mut()
                        .props
                        .insert(ArrayKey::Str(p.name.clone()), v);
                }
            }
        }
        Ok(())
    }

    /// Pops the current frame with return value `v`. Returns `Some(v)` when the frame was
    /// a stop frame (the native caller gets the value), else stores it for the caller.
    #[inline(always)]
    pub(crate) fn return_from_frame(&mut self, v: Value) -> Option<Value> {
        let frame = self.frames.pop().expect("return without frame");
        self.free_regs(frame.base);
        let v = if frame.discard_result { Value::Null } else { v };
        if frame.stop {
            return Some(v);
        }
        if let (Some(dst), Some(caller)) = (frame.ret_dst, self.frames.last()) {
            let idx = caller.base + dst as usize;
            super::store(&mut self.stack[idx], v);
        }
        None
    }

    /// Calls a PHP callable from Rust (builtins, handlers) and returns its result.
    pub(crate) fn call_value(&mut self, callable: &Value, args: &[Value]) -> PhpResult<Value> {
        // The common callback (`array_map(fn ($x) => ..., $a)`, `usort($a, function ...)`): a
        // plain closure without by-reference parameters needs no resolution, no magic
        // name and no by-reference warnings.
        if let Value::Object(o) = callable {
            if let Some(r) = self.call_plain_closure(o, args.len(), |i| args[i].deref_clone()) {
                return r;
            }
        }
        self.call_value_general(callable, args)
    }

    /// `call_value` for a caller that is done with the argument values: a plain closure
    /// takes them (each is left `Value::Null`) instead of copying them, so an accumulator
    /// passed on (`array_reduce`) is not shared and the callee can change it in place.
    pub(crate) fn call_value_moving(
        &mut self,
        callable: &Value,
        args: &mut [Value],
    ) -> PhpResult<Value> {
        if let Value::Object(o) = callable {
            let n = args.len();
            let r = self.call_plain_closure(o, n, |i| {
                std::mem::replace(&mut args[i], Value::Null).into_deref()
            });
            if let Some(r) = r {
                return r;
            }
        }
        self.call_value_general(callable, args)
    }

    /// Runs closure `o` on `n` arguments (`arg(i)` gives argument `i`, already
    /// dereferenced) if it is a plain closure over a user function (see
    /// `plain_closure_target`) taking exactly `n` parameters, none variadic, and no limit
    /// is close; `None` (nothing done, `arg` not called) otherwise. The cheap re-entry of
    /// builtin callbacks: one look at the closure binds the arguments and the captured
    /// values straight into the callee's registers and pushes its frame, with no call
    /// target, argument stack or second look at the closure.
    #[inline(always)]
    fn call_plain_closure(
        &mut self,
        o: &Obj,
        n: usize,
        mut arg: impl FnMut(usize) -> Value,
    ) -> Option<PhpResult<Value>> {
        let depth = self.frames.len();
        let (func, base) = {
            let d = o.borrow();
            let cd = d.internal.as_ref()?.downcast_ref::<ClosureData>()?;
            let func = &cd.func;
            if cd.target.is_some()
                || cd.magic_name.is_some()
                || func.is_generator
                || func.params.len() != n
                || func.params.iter().any(|p| p.by_ref || p.variadic)
                || depth >= self.limits.max_depth
                || self.lim.flag.load(std::sync::atomic::Ordering::Relaxed) != 0
            {
                return None;
            }
            let call_line = self.current_line();
            let n_slots = func.n_slots as usize;
            let base = self.alloc_regs(n_slots);
            let regs = &mut self.stack[base..base + n_slots];
            for (i, cell) in regs.iter_mut().take(n).enumerate() {
                super::store(cell, arg(i));
            }
            for ((slot, _, _), v) in func.captures.iter().zip(&cd.bound) {
                if let Some(cell) = regs.get_mut(*slot as usize) {
                    *cell = v.clone();
                }
            }
            let static_class = match &cd.this {
                Some(t) => Some(t.class()),
                None => cd.called.clone().or_else(|| cd.scope.clone()),
            };
            self.frames.push(Frame {
                func: func.clone(),
                pc: 0,
                base,
                this: cd.this.clone(),
                scope: cd.scope.clone(),
                static_class,
                ret_dst: None,
                n_args: n,
                dyn_vars: None,
                ext: None,
                stop: true,
                discard_result: false,
                call_line,
                closure: Some(o.clone()),
                generator: None,
                jit_call: false,
            });
            (func.clone(), base)
        };
        // Calls count towards the JIT threshold (`jit_hook`), as in `push_plain_frame`.
        if func.jit.tick() {
            self.jit_event(&func, base, None);
        }
        drop(func);
        Some(self.run_pushed_call(depth, false, Ok(())))
    }

    /// `call_value` for any callable.
    fn call_value_general(&mut self, callable: &Value, args: &[Value]) -> PhpResult<Value> {
        if let Value::Object(o) = callable {
            if let Some(target) = plain_closure_target(o) {
                let args_base = self.args.len();
                self.args.extend_from_slice(args);
                return self.call_user_from(target, args_base);
            }
        }
        let target = self.resolve_callable(callable)?;
        let magic = self.magic_name.take();
        let args: Vec<Value> = match magic {
            Some(name) => {
                let packed = PhpArray::from_values(args.iter().map(Value::deref_clone).collect());
                vec![Value::Str(name), Value::array(packed)]
            }
            None => {
                self.warn_values_for_refs(&target, args)?;
                if let CallTarget::User { .. } = target {
                    // Straight onto the argument stack: no vector per callback call.
                    let args_base = self.args.len();
                    self.args.extend_from_slice(args);
                    return self.call_user_from(target, args_base);
                }
                args.to_vec()
            }
        };
        self.call_target(target, args)
    }

    /// PHP's warning when a callback run from Rust gets a plain value for a by-reference
    /// parameter (the value is passed anyway, as a temporary reference).
    pub(crate) fn warn_values_for_refs(
        &mut self,
        target: &CallTarget,
        args: &[Value],
    ) -> PhpResult<()> {
        if !matches!(target, CallTarget::User { .. } | CallTarget::Builtin(_)) {
            return Ok(());
        }
        for (i, a) in args.iter().enumerate() {
            if matches!(a, Value::Ref(_)) || !target.param_by_ref(i) || target.param_prefers_ref(i)
            {
                continue;
            }
            let name = match target {
                CallTarget::User { func, .. } => func
                    .params
                    .get(i)
                    .or_else(|| func.params.last())
                    .map(|p| p.name.to_string_lossy()),
                CallTarget::Builtin(b) => b
                    .params
                    .get(i)
                    .or_else(|| b.params.last())
                    .map(|p| p.name.clone()),
                _ => None,
            };
            let param = name.map(|n| format!(" (${n})")).unwrap_or_default();
            let msg = format!(
                "{}(): Argument #{}{} must be passed by reference, value given",
                target.display_name(),
                i + 1,
                param
            );
            self.raise(ErrorLevel::Warning, &msg)?;
        }
        Ok(())
    }

    /// Runs a user function with the pending positional arguments `self.args[args_base..]`
    /// (which it consumes) to completion.
    fn call_user_from(&mut self, target: CallTarget, args_base: usize) -> PhpResult<Value> {
        let CallTarget::User {
            func,
            this,
            scope,
            static_class,
            closure,
        } = target
        else {
            let args: Vec<Value> = self.args.drain(args_base..).collect();
            return self.call_target(target, args);
        };
        let depth = self.frames.len();
        let is_generator = func.is_generator;
        let pushed = self.push_plain_frame(
            func,
            args_base,
            this,
            scope,
            static_class,
            closure,
            None,
            true,
        );
        self.run_pushed_call(depth, is_generator, pushed)
    }

    /// Completes a user call a native caller pushed (its frame above `depth`): runs it to
    /// its end (or makes the generator). A callee that rejected its arguments, or a fault,
    /// leaves no frame behind for the native caller; a fatal error's location is kept.
    fn run_pushed_call(
        &mut self,
        depth: usize,
        is_generator: bool,
        pushed: PhpResult<()>,
    ) -> PhpResult<Value> {
        if let Err(e) = pushed {
            self.drop_frames_above(depth);
            return Err(e);
        }
        if is_generator {
            return self.make_generator_from_top_frame();
        }
        let r = self.run();
        if r.is_err() {
            self.note_fatal_location(&r);
            self.drop_frames_above(depth);
        }
        r
    }

    /// Runs a resolved target with positional arguments to completion.
    pub(crate) fn call_target(&mut self, target: CallTarget, args: Vec<Value>) -> PhpResult<Value> {
        self.call_target_named(target, args, Vec::new())
    }

    /// `call_target` with named arguments too (`call_user_func_array` with string keys).
    /// Native methods take positional arguments only.
    pub(crate) fn call_target_named(
        &mut self,
        target: CallTarget,
        args: Vec<Value>,
        named: Vec<(PhpStr, Value)>,
    ) -> PhpResult<Value> {
        match target {
            CallTarget::Nothing => Ok(Value::Null),
            CallTarget::Builtin(b) => self.call_builtin(b, args, named),
            CallTarget::Native {
                method,
                this,
                class,
                ..
            } => {
                let args: Vec<Value> = args.into_iter().map(Value::into_deref).collect();
                method(self, this.as_ref(), &class, &args)
            }
            CallTarget::User {
                func,
                this,
                scope,
                static_class,
                closure,
            } => {
                let depth = self.frames.len();
                let is_generator = func.is_generator;
                let pushed = self.push_frame(
                    func,
                    args,
                    named,
                    this,
                    scope,
                    static_class,
                    closure,
                    None,
                    true,
                );
                self.run_pushed_call(depth, is_generator, pushed)
            }
        }
    }

    /// `f(...)`: turns the pending call into a Closure object.
    pub(crate) fn callable_from_pending(&mut self) -> PhpResult<Value> {
        let call = self.calls.pop().expect("pending call");
        self.args.truncate(call.args_base);
        if let Some(name) = call.magic {
            return Ok(Value::Object(self.trampoline_closure(call.target, name)));
        }
        self.closure_from_target(call.target)
    }
}

/// The call target of a closure over a user function (not a `strlen(...)`-style or
/// `__call` trampoline closure) none of whose parameters is by reference: what
/// `resolve_callable` would return for it, with nothing else to do before the call.
fn plain_closure_target(o: &Obj) -> Option<CallTarget> {
    let d = o.borrow();
    let cd = d.internal.as_ref()?.downcast_ref::<ClosureData>()?;
    if cd.target.is_some() || cd.magic_name.is_some() || cd.func.params.iter().any(|p| p.by_ref) {
        return None;
    }
    Some(CallTarget::User {
        func: cd.func.clone(),
        this: cd.this.clone(),
        scope: cd.scope.clone(),
        static_class: cd
            .this
            .as_ref()
            .map(Obj::class)
            .or_else(|| cd.called.clone())
            .or_else(|| cd.scope.clone()),
        closure: Some(o.clone()),
    })
}

fn find_double_colon(s: &[u8]) -> Option<usize> {
    s.windows(2).position(|w| w == b"::")
}

/// `ArgumentCountError` for a builtin called with a wrong number of arguments.
fn arity_error(b: &Builtin, passed: usize) -> Fault {
    let msg = if b.min_args == b.max_args {
        format!(
            "{}() expects exactly {} argument{}, {} given",
            b.name,
            b.min_args,
            if b.min_args == 1 { "" } else { "s" },
            passed
        )
    } else if passed < b.min_args {
        format!(
            "{}() expects at least {} argument{}, {} given",
            b.name,
            b.min_args,
            if b.min_args == 1 { "" } else { "s" },
            passed
        )
    } else {
        format!(
            "{}() expects at most {} argument{}, {} given",
            b.name,
            b.max_args,
            if b.max_args == 1 { "" } else { "s" },
            passed
        )
    };
    Fault::error("ArgumentCountError", msg)
}

/// The type word PHP uses in "on null" / "on int" messages.
pub(crate) fn type_for_error(v: &Value) -> String {
    match v {
        Value::Null | Value::Undef => "null".into(),
        Value::Bool(_) => "bool".into(),
        Value::Int(_) => "int".into(),
        Value::Float(_) => "float".into(),
        Value::Str(_) => "string".into(),
        Value::Array(_) => "array".into(),
        Value::Object(o) => o.class_display_name(),
        Value::Ref(r) => type_for_error(&r.borrow()),
    }
}

#[allow(dead_code)]
fn _assert_levels(_: ErrorLevel) {}
