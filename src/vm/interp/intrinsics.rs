//! Frame-aware operations: variables by name (`$$x`, `global`, `compact`, `extract`),
//! superglobals, `foreach` iteration, `include`, exception handling and `finally`, parameter
//! and return type checks, closures, cloning and `instanceof`.

use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::bytecode::{ClassOperand, Func, Intrinsic, Operand, PathAction, Slot, Special};
use super::super::coerce::{coerce_arg, ArgCtx, TypeSpec};
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::object::{Class, Obj};
use super::super::value::{PhpRef, PhpStr, Value};
use super::call::{CallTarget, Called};
use super::class::ClosureData;
use super::{FinallyAction, IterState, Vm};

impl Vm {
    /// The reference cell of variable `name` in the current frame (created if missing).
    pub(crate) fn var_ref_by_name(&mut self, func: &Func, base: usize, name: &[u8]) -> PhpRef {
        let depth = self.frames.len() - 1;
        self.var_ref_in_frame(depth, func, base, name)
    }

    fn var_ref_in_frame(&mut self, depth: usize, func: &Func, base: usize, name: &[u8]) -> PhpRef {
        if let Some(slot) = func.local_names.iter().position(|n| n.as_bytes() == name) {
            let cell = &mut self.stack[base + slot];
            if let Value::Ref(r) = cell {
                return r.clone();
            }
            let v = match std::mem::take(cell) {
                Value::Undef => Value::Null,
                v => v,
            };
            let r = Value::new_ref(v);
            *cell = Value::Ref(r.clone());
            return r;
        }
        let frame = &mut self.frames[depth];
        let vars = frame.dyn_vars.get_or_insert_with(Default::default);
        vars.entry(PhpStr::from(name))
            .or_insert_with(|| Value::new_ref(Value::Null))
            .clone()
    }

    /// Reads variable `name` of the current frame (warning when undefined unless quiet).
    pub(crate) fn fetch_var_by_name(
        &mut self,
        func: &Func,
        base: usize,
        name: &[u8],
        quiet: bool,
    ) -> PhpResult<Value> {
        if name == b"this" {
            if let Some(t) = self.frames.last().and_then(|f| f.this.clone()) {
                return Ok(Value::Object(t));
            }
        }
        if let Some(slot) = func.local_names.iter().position(|n| n.as_bytes() == name) {
            let v = self.stack[base + slot].deref_clone();
            if !matches!(v, Value::Undef) {
                return Ok(v);
            }
        } else if let Some(r) = self
            .frames
            .last()
            .and_then(|f| f.dyn_vars.as_ref())
            .and_then(|m| m.get(name))
        {
            return Ok(r.borrow().clone());
        }
        if !quiet {
            let msg = format!("Undefined variable ${}", String::from_utf8_lossy(name));
            self.raise(ErrorLevel::Warning, &msg)?;
        }
        Ok(Value::Null)
    }

    /// The reference cell of global variable `name`.
    pub(crate) fn global_ref(&mut self, name: &[u8]) -> PhpRef {
        let (func, base) = {
            let f = &self.frames[0];
            (f.func.clone(), f.base)
        };
        self.var_ref_in_frame(0, &func, base, name)
    }

    /// `unset($GLOBALS['name'])`.
    pub(crate) fn unset_global(&mut self, name: &[u8]) {
        let Some(f) = self.frames.first_mut() else {
            return;
        };
        if let Some(slot) = f.func.local_names.iter().position(|n| n.as_bytes() == name) {
            let idx = f.base + slot;
            self.stack[idx] = Value::Undef;
        } else if let Some(d) = f.dyn_vars.as_mut() {
            d.remove(name);
        }
    }

    /// A superglobal's current value (`$GLOBALS` is built from the global scope).
    pub(crate) fn superglobal(&mut self, name: &[u8]) -> Value {
        if name == b"GLOBALS" {
            let mut arr = PhpArray::new();
            if let Some(f) = self.frames.first() {
                for (i, n) in f.func.local_names.iter().enumerate() {
                    let v = self.stack[f.base + i].deref_clone();
                    if !matches!(v, Value::Undef) {
                        arr.insert(ArrayKey::from_str(n.clone()), v);
                    }
                }
                if let Some(d) = &f.dyn_vars {
                    for (n, r) in d.iter() {
                        arr.insert(ArrayKey::from_str(n.clone()), r.borrow().clone());
                    }
                }
            }
            return Value::array(arr);
        }
        self.superglobal_ref(name).borrow().clone()
    }

    /// A superglobal's cell (created as an empty array).
    pub(crate) fn superglobal_ref(&mut self, name: &[u8]) -> PhpRef {
        self.superglobals
            .entry(PhpStr::from(name))
            .or_insert_with(|| Value::new_ref(Value::empty_array()))
            .clone()
    }

    pub(crate) fn load_special(&mut self, what: Special) -> PhpResult<Value> {
        let frame = self.frames.last().expect("frame");
        Ok(match what {
            Special::This => match &frame.this {
                Some(t) => Value::Object(t.clone()),
                None => {
                    return Err(Fault::error(
                        "Error",
                        "Using $this when not in object context",
                    ))
                }
            },
            Special::StaticClassName | Special::CalledClass => {
                match frame.static_class.clone().or_else(|| frame.scope.clone()) {
                    Some(c) => Value::Str(c.name.clone()),
                    None => Value::Bool(false),
                }
            }
            Special::FuncGetArgs => Value::array(self.frame_args()),
            Special::FuncNumArgs => Value::Int(frame.n_args as i64),
            Special::File => Value::Str(frame.func.file.clone()),
            Special::Dir => Value::str(dir_of(frame.func.file.as_bytes())),
        })
    }

    fn frame_args(&self) -> PhpArray {
        self.frame_args_at(self.frames.len() - 1)
    }

    /// The arguments of frame `idx` as `func_get_args()` and stack traces see them (the
    /// parameters' current values, then the extra arguments).
    pub(crate) fn frame_args_at(&self, idx: usize) -> PhpArray {
        let frame = &self.frames[idx];
        let mut out = Vec::new();
        let n_params = frame.func.params.iter().filter(|p| !p.variadic).count();
        for i in 0..frame.n_args.min(n_params) {
            out.push(self.stack[frame.base + i].deref_clone().undef_to_null());
        }
        if let Some(p) = frame.func.params.iter().position(|p| p.variadic) {
            if let Value::Array(a) = &self.stack[frame.base + p] {
                out.extend(a.values().map(Value::deref_clone));
            }
        }
        if let Some(ext) = &frame.ext {
            out.extend(ext.extra_args.iter().cloned());
        }
        PhpArray::from_values(out)
    }

    pub(crate) fn call_intrinsic(
        &mut self,
        func: &Func,
        base: usize,
        which: Intrinsic,
        args: Slot,
        n: u32,
    ) -> PhpResult<Value> {
        let argv: Vec<Value> = (0..n)
            .map(|i| self.stack[base + (args + i) as usize].deref_clone())
            .collect();
        match which {
            Intrinsic::FuncGetArgs | Intrinsic::FuncNumArgs | Intrinsic::FuncGetArg
                if self.frames.last().is_some_and(|f| f.func.name.is_empty()) =>
            {
                let name = match which {
                    Intrinsic::FuncGetArgs => "func_get_args",
                    Intrinsic::FuncNumArgs => "func_num_args",
                    _ => "func_get_arg",
                };
                let msg = if matches!(which, Intrinsic::FuncNumArgs) {
                    format!("{name}() must be called from a function context")
                } else {
                    format!("{name}() cannot be called from the global scope")
                };
                Err(Fault::error("Error", msg))
            }
            Intrinsic::FuncGetArgs => Ok(Value::array(self.frame_args())),
            Intrinsic::FuncNumArgs => {
                Ok(Value::Int(self.frames.last().map_or(0, |f| f.n_args) as i64))
            }
            Intrinsic::FuncGetArg => {
                let i = argv.first().map(Value::to_int).unwrap_or(0);
                if i < 0 {
                    return Err(Fault::error(
                        "ValueError",
                        "func_get_arg(): Argument #1 ($position) must be greater than or equal to 0",
                    ));
                }
                let all = self.frame_args();
                match all.get_int(i) {
                    Some(v) => Ok(v.clone()),
                    None => Err(Fault::error(
                        "ValueError",
                        "func_get_arg(): Argument #1 ($position) must be less than the number of the arguments passed to the currently executed function",
                    )),
                }
            }
            Intrinsic::GetDefinedVars => {
                let mut arr = PhpArray::new();
                for (i, name) in func.local_names.iter().enumerate() {
                    let v = self.stack[base + i].deref_clone();
                    if !matches!(v, Value::Undef) {
                        arr.insert(ArrayKey::from_str(name.clone()), v);
                    }
                }
                if let Some(d) = self.frames.last().and_then(|f| f.dyn_vars.as_ref()) {
                    for (n, r) in d.iter() {
                        arr.insert(ArrayKey::from_str(n.clone()), r.borrow().clone());
                    }
                }
                Ok(Value::array(arr))
            }
            Intrinsic::Compact => {
                let mut arr = PhpArray::new();
                let mut names = Vec::new();
                for a in &argv {
                    collect_names(a, &mut names);
                }
                for name in names {
                    let v = self.fetch_var_by_name(func, base, &name, true)?;
                    let defined = func
                        .local_names
                        .iter()
                        .position(|n| n.as_bytes() == name.as_bytes())
                        .map_or_else(
                            || {
                                self.frames
                                    .last()
                                    .and_then(|f| f.dyn_vars.as_ref())
                                    .is_some_and(|d| d.contains_key(name.as_bytes()))
                            },
                            |s| !matches!(self.stack[base + s].deref_clone(), Value::Undef),
                        );
                    if defined {
                        arr.insert(ArrayKey::from_str(name), v);
                    } else {
                        let msg =
                            format!("compact(): Undefined variable ${}", name.to_string_lossy());
                        self.raise(ErrorLevel::Warning, &msg)?;
                    }
                }
                Ok(Value::array(arr))
            }
            Intrinsic::Extract => {
                let Some(Value::Array(src)) = argv.first() else {
                    return Err(Fault::type_error(format!(
                        "extract(): Argument #1 ($array) must be of type array, {} given",
                        super::call::type_for_error(argv.first().unwrap_or(&Value::Null))
                    )));
                };
                let flags = argv.get(1).map_or(0, Value::to_int);
                let kind = flags & 0xff;
                if !(0..=6).contains(&kind) {
                    return Err(Fault::value_error(
                        "extract(): Argument #2 ($flags) must be a valid extract type",
                    ));
                }
                let prefix = argv.get(2).map(Value::scalar_to_str);
                if (2..=5).contains(&kind) && prefix.is_none() {
                    return Err(Fault::value_error(
                        "extract(): Argument #3 ($prefix) is required when using this extract type",
                    ));
                }
                if let Some(p) = &prefix {
                    if !p.is_empty() && !is_valid_var_name(p) {
                        return Err(Fault::value_error(
                            "extract(): Argument #3 ($prefix) must be a valid identifier",
                        ));
                    }
                }
                let prefixed = |name: &[u8]| -> Vec<u8> {
                    let mut out = prefix.as_ref().map(|p| p.to_vec()).unwrap_or_default();
                    out.push(b'_');
                    out.extend_from_slice(name);
                    out
                };
                let mut count = 0;
                for (k, v) in src.iter() {
                    let key_name: Vec<u8> = match &k {
                        ArrayKey::Str(name) => name.to_vec(),
                        ArrayKey::Int(i) => {
                            // Numeric keys only become variables with a prefix.
                            if kind == 3 || kind == 4 {
                                i.to_string().into_bytes()
                            } else {
                                continue;
                            }
                        }
                    };
                    let exists = self.var_defined(func, base, &key_name);
                    let target: Option<Vec<u8>> = match kind {
                        0 => Some(key_name.clone()),
                        1 => (!exists).then(|| key_name.clone()),
                        2 => Some(if exists {
                            prefixed(&key_name)
                        } else {
                            key_name.clone()
                        }),
                        3 => Some(prefixed(&key_name)),
                        4 => Some(
                            if is_valid_var_name(&key_name) && matches!(k, ArrayKey::Str(_)) {
                                key_name.clone()
                            } else {
                                prefixed(&key_name)
                            },
                        ),
                        5 => exists.then(|| prefixed(&key_name)),
                        _ => exists.then(|| key_name.clone()),
                    };
                    let Some(name) = target else { continue };
                    if !is_valid_var_name(&name) || name == b"this" {
                        continue;
                    }
                    let r = self.var_ref_by_name(func, base, &name);
                    *r.borrow_mut() = v.deref_clone();
                    count += 1;
                }
                Ok(Value::Int(count))
            }
        }
    }

    /// Whether variable `name` of the current frame holds a value.
    fn var_defined(&self, func: &Func, base: usize, name: &[u8]) -> bool {
        if let Some(slot) = func.local_names.iter().position(|n| n.as_bytes() == name) {
            return !matches!(self.stack[base + slot].deref_clone(), Value::Undef);
        }
        self.frames
            .last()
            .and_then(|f| f.dyn_vars.as_ref())
            .is_some_and(|d| d.contains_key(name))
    }

    // ----- foreach -----

    pub(crate) fn iter_init(
        &mut self,
        func: &Func,
        base: usize,
        iter: Slot,
        subject: Operand,
        by_ref_path: Option<u32>,
    ) -> PhpResult<bool> {
        let state = match by_ref_path {
            Some(p) => {
                let r = self.path_op(func, base, p, PathAction::GetRef, None)?;
                let Value::Ref(cell) = r else {
                    return Err(Fault::fatal("internal error: foreach by reference"));
                };
                let is_array = matches!(&*cell.borrow(), Value::Array(_));
                if is_array {
                    IterState::ArrayRef { cell, pos: 0 }
                } else {
                    let v = cell.borrow().clone();
                    // Only arrays, plain objects and generators iterate by reference
                    // (`zend_user_it_get_new_iterator` refuses the rest).
                    let mut subject = v;
                    for _ in 0..64 {
                        let inner = match &subject {
                            Value::Object(o)
                                if o.instance_of(b"iteratoraggregate")
                                    && !o.instance_of(b"iterator") =>
                            {
                                self.call_method_value(o, b"getIterator", &[])?
                            }
                            _ => break,
                        };
                        subject = inner;
                    }
                    if let Value::Object(o) = &subject {
                        if o.instance_of(b"arrayiterator") {
                            return Err(Fault::error(
                                "Error",
                                "foreach by reference over ArrayIterator/ArrayObject is not implemented by rhvm",
                            ));
                        }
                        if o.instance_of(b"iterator") && !o.instance_of(b"generator") {
                            return Err(Fault::error(
                                "Error",
                                "An iterator cannot be used with foreach by reference",
                            ));
                        }
                    }
                    self.iter_state_for(subject)?
                }
            }
            None => {
                let v = self.read(func, base, subject)?;
                self.iter_state_for(v)?
            }
        };
        let empty = match &state {
            IterState::Array { arr, .. } => arr.is_empty(),
            IterState::ArrayRef { cell, .. } => match &*cell.borrow() {
                Value::Array(a) => a.is_empty(),
                _ => true,
            },
            IterState::Done => true,
            _ => false,
        };
        let frame = self.frames.last_mut().expect("frame");
        let iters = &mut frame.ext_mut().iters;
        let idx = iters.len();
        iters.push(state);
        self.stack[base + iter as usize] = Value::Int(idx as i64);
        if empty {
            self.iter_free(base, iter);
        }
        Ok(empty)
    }

    fn iter_state_for(&mut self, v: Value) -> PhpResult<IterState> {
        Ok(match v {
            Value::Array(arr) => IterState::Array { arr, pos: 0 },
            Value::Object(o) => {
                if o.instance_of(b"iterator") {
                    IterState::Iterator {
                        obj: o,
                        started: false,
                    }
                } else if o.instance_of(b"iteratoraggregate") {
                    let inner = self.call_method_value(&o, b"getIterator", &[])?;
                    if !matches!(&inner, Value::Object(i) if i.instance_of(b"traversable")) {
                        return Err(Fault::error(
                            "Exception",
                            format!(
                                "Objects returned by {}::getIterator() must be traversable or implement interface Iterator",
                                o.class_name().to_string_lossy()
                            ),
                        ));
                    }
                    return self.iter_state_for(inner);
                } else {
                    IterState::Props { obj: o, pos: 0 }
                }
            }
            other => {
                let msg = format!(
                    "foreach() argument must be of type array|object, {} given",
                    super::call::type_for_error(&other)
                );
                self.raise(ErrorLevel::Warning, &msg)?;
                IterState::Done
            }
        })
    }

    pub(crate) fn iter_next(
        &mut self,
        _func: &Func,
        base: usize,
        iter: Slot,
        val: Option<Slot>,
        key: Option<Slot>,
        by_ref: bool,
    ) -> PhpResult<bool> {
        let Value::Int(idx) = self.stack[base + iter as usize] else {
            return Ok(false);
        };
        let idx = idx as usize;
        let frame_idx = self.frames.len() - 1;
        let state = std::mem::replace(
            &mut self.frames[frame_idx].ext_mut().iters[idx],
            IterState::Done,
        );
        let (next_state, item) = match state {
            IterState::Array { arr, pos } => match arr.next_pos(pos) {
                Some(p) => {
                    let (k, v) = arr.entry_at(p).expect("live position");
                    let item = (k.to_value(), v.deref_clone());
                    (
                        IterState::Array {
                            arr: arr.clone(),
                            pos: p + 1,
                        },
                        Some(item),
                    )
                }
                None => (IterState::Done, None),
            },
            IterState::ArrayRef { cell, pos } => {
                let found = {
                    let mut b = cell.borrow_mut();
                    match &mut *b {
                        Value::Array(a) => match a.next_pos(pos) {
                            Some(p) => {
                                let arr = Rc::make_mut(a);
                                let k = arr.entry_at(p).expect("live position").0.to_value();
                                let slot = arr.value_at_mut(p).expect("live position");
                                let r = match slot {
                                    Value::Ref(r) => r.clone(),
                                    other => {
                                        let r = Value::new_ref(std::mem::take(other));
                                        *other = Value::Ref(r.clone());
                                        r
                                    }
                                };
                                Some((p, k, Value::Ref(r)))
                            }
                            None => None,
                        },
                        _ => None,
                    }
                };
                match found {
                    Some((p, k, r)) => (IterState::ArrayRef { cell, pos: p + 1 }, Some((k, r))),
                    None => (IterState::Done, None),
                }
            }
            IterState::Props { obj, pos } => {
                let found = {
                    let d = obj.borrow();
                    let mut p = pos;
                    let mut out = None;
                    while let Some(np) = d.props.next_pos(p) {
                        let (k, v) = d.props.entry_at(np).expect("live position");
                        p = np + 1;
                        let visible = match &k {
                            ArrayKey::Str(n) => d.class.prop_decl(n).is_none_or(|decl| {
                                decl.visibility == super::super::ast::Visibility::Public
                            }),
                            ArrayKey::Int(_) => true,
                        };
                        if visible && !matches!(v, Value::Undef) {
                            out = Some((np, k.to_value(), v.deref_clone()));
                            break;
                        }
                    }
                    drop(d);
                    // By reference, the property itself becomes a reference the loop
                    // variable shares (PHP's `foreach ($obj as &$v)`).
                    if let (true, Some((np, _, v))) = (by_ref, &mut out) {
                        let mut d = obj.borrow_mut();
                        if let Some(cell) = d.props.value_at_mut(*np) {
                            let r = match cell {
                                Value::Ref(r) => r.clone(),
                                other => {
                                    let r = Value::new_ref(std::mem::take(other));
                                    *other = Value::Ref(r.clone());
                                    r
                                }
                            };
                            *v = Value::Ref(r);
                        }
                    }
                    out
                };
                match found {
                    Some((p, k, v)) => (IterState::Props { obj, pos: p + 1 }, Some((k, v))),
                    None => (IterState::Done, None),
                }
            }
            IterState::Iterator { obj, started } => {
                if started {
                    self.call_method_value(&obj, b"next", &[])?;
                } else {
                    self.call_method_value(&obj, b"rewind", &[])?;
                }
                if self.call_method_value(&obj, b"valid", &[])?.to_bool() {
                    let v = self.call_method_value(&obj, b"current", &[])?;
                    let k = if key.is_some() {
                        self.call_method_value(&obj, b"key", &[])?
                    } else {
                        Value::Null
                    };
                    (IterState::Iterator { obj, started: true }, Some((k, v)))
                } else {
                    (IterState::Done, None)
                }
            }
            IterState::Done => (IterState::Done, None),
        };
        self.frames[frame_idx].ext_mut().iters[idx] = next_state;
        match item {
            Some((k, v)) => {
                if let Some(vs) = val {
                    if by_ref {
                        self.stack[base + vs as usize] = v;
                    } else {
                        self.write_local(base, vs, v);
                    }
                }
                if let Some(ks) = key {
                    self.write_local(base, ks, k);
                }
                Ok(true)
            }
            None => Ok(false),
        }
    }

    pub(crate) fn iter_free(&mut self, base: usize, iter: Slot) {
        if let Value::Int(idx) = self.stack[base + iter as usize] {
            if let Some(f) = self.frames.last_mut() {
                let idx = idx as usize;
                let iters = &mut f.ext_mut().iters;
                if idx < iters.len() {
                    iters[idx] = IterState::Done;
                    while matches!(iters.last(), Some(IterState::Done)) {
                        iters.pop();
                    }
                }
            }
        }
    }

    /// Every (key, value) of an array or Traversable.
    pub(crate) fn iterate_to_vec(&mut self, v: &Value) -> PhpResult<Vec<(ArrayKey, Value)>> {
        match v {
            Value::Array(a) => Ok(a.iter().map(|(k, v)| (k, v.deref_clone())).collect()),
            Value::Object(o) => {
                if o.instance_of(b"iteratoraggregate") {
                    let inner = self.call_method_value(o, b"getIterator", &[])?;
                    return self.iterate_to_vec(&inner);
                }
                let mut out = Vec::new();
                if o.instance_of(b"iterator") {
                    self.call_method_value(o, b"rewind", &[])?;
                    while self.call_method_value(o, b"valid", &[])?.to_bool() {
                        let val = self.call_method_value(o, b"current", &[])?;
                        let k = self.call_method_value(o, b"key", &[])?;
                        let k = self.to_array_key(&k)?;
                        out.push((k, val));
                        self.call_method_value(o, b"next", &[])?;
                    }
                    return Ok(out);
                }
                Ok(o.borrow()
                    .props
                    .iter()
                    .map(|(k, v)| (k, v.deref_clone()))
                    .collect())
            }
            _ => Ok(Vec::new()),
        }
    }

    /// Calls a method that must exist.
    pub(crate) fn call_method_value(
        &mut self,
        o: &Obj,
        name: &[u8],
        args: &[Value],
    ) -> PhpResult<Value> {
        let class = o.class();
        match self.find_method(&class, name) {
            Some(m) => {
                let target = self.method_target(m, Some(o.clone()), class);
                self.call_target(target, args.to_vec())
            }
            None => Err(Fault::error(
                "Error",
                format!(
                    "Call to undefined method {}::{}()",
                    class.name.to_string_lossy(),
                    String::from_utf8_lossy(name)
                ),
            )),
        }
    }

    /// `(string)$obj`.
    pub(crate) fn object_to_string(&mut self, o: &Obj) -> PhpResult<PhpStr> {
        if let Some((id, _)) =
            super::super::builtins::file::stream::resource_info(&Value::Object(o.clone()))
        {
            return Ok(PhpStr::from(format!("Resource id #{id}")));
        }
        let class = o.class();
        if self.find_method(&class, b"__tostring").is_some() {
            let v = self.call_method_value(o, b"__toString", &[])?;
            return match v {
                Value::Str(s) => Ok(s),
                _ => Err(Fault::type_error(format!(
                    "{}::__toString(): Return value must be of type string, {} returned",
                    class.name.to_string_lossy(),
                    v.type_name()
                ))),
            };
        }
        Err(Fault::error(
            "Error",
            format!(
                "Object of class {} could not be converted to string",
                class.name.to_string_lossy()
            ),
        ))
    }

    /// `(array)$obj`: properties with PHP's name mangling for non-public ones.
    pub(crate) fn object_to_array(&mut self, o: &Obj) -> PhpArray {
        let d = o.borrow();
        let mut out = PhpArray::new();
        for (k, v) in d.props.iter() {
            if matches!(v, Value::Undef) {
                continue;
            }
            let key = match &k {
                ArrayKey::Str(n) => match d.class.prop_decl(n) {
                    Some(decl) if decl.visibility == super::super::ast::Visibility::Private => {
                        let mut m = vec![0u8];
                        m.extend_from_slice(&decl.declaring_class);
                        m.push(0);
                        m.extend_from_slice(n);
                        ArrayKey::Str(PhpStr::from(m))
                    }
                    Some(decl) if decl.visibility == super::super::ast::Visibility::Protected => {
                        let mut m = b"\0*\0".to_vec();
                        m.extend_from_slice(n);
                        ArrayKey::Str(PhpStr::from(m))
                    }
                    _ => ArrayKey::from_str(n.clone()),
                },
                ArrayKey::Int(_) => k.clone(),
            };
            out.insert(key, v.clone());
        }
        out
    }

    pub(crate) fn clone_object(&mut self, v: Value) -> PhpResult<Value> {
        let Value::Object(o) = v else {
            return Err(Fault::error("Error", "__clone method called on non-object"));
        };
        let (class, props) = {
            let d = o.borrow();
            // References inside properties stay shared, as in PHP.
            (d.class.clone(), d.props.clone())
        };
        if class.is_enum || class.lc_name.as_bytes() == b"generator" {
            return Err(Fault::error(
                "Error",
                format!(
                    "Trying to clone an uncloneable object of class {}",
                    class.name.to_string_lossy()
                ),
            ));
        }
        let id = self.alloc_obj_id();
        let copy = Obj::with_props(class.clone(), props, id);
        let native = o
            .borrow()
            .internal
            .as_deref()
            .and_then(super::spl::clone_native);
        if native.is_some() {
            copy.borrow_mut().internal = native;
        }
        if self.find_method(&class, b"__clone").is_some() {
            self.call_method_value(&copy, b"__clone", &[])?;
        }
        Ok(Value::Object(copy))
    }

    pub(crate) fn instance_of(
        &mut self,
        func: &Func,
        base: usize,
        v: &Value,
        class: ClassOperand,
    ) -> PhpResult<bool> {
        let Value::Object(o) = v else {
            return Ok(false);
        };
        let lc = match class {
            ClassOperand::Named(op) => func.consts[op.index() as usize]
                .scalar_to_str()
                .to_ascii_lowercase(),
            other => match self.resolve_class_operand(func, base, other) {
                Ok(c) => c.lc_name.to_vec(),
                Err(_) => return Ok(false),
            },
        };
        let lc = lc.strip_prefix(b"\\").map(<[u8]>::to_vec).unwrap_or(lc);
        Ok(o.instance_of(&lc))
    }

    // ----- closures -----

    pub(crate) fn make_closure(&mut self, func: &Func, base: usize, idx: u32) -> PhpResult<Value> {
        let child = func.children[idx as usize].clone();
        let mut bound = Vec::with_capacity(child.captures.len());
        for (_, by_ref, parent_slot) in &child.captures {
            let cell = &mut self.stack[base + *parent_slot as usize];
            if *by_ref {
                let r = match cell {
                    Value::Ref(r) => r.clone(),
                    other => {
                        let v = match std::mem::take(other) {
                            Value::Undef => Value::Null,
                            v => v,
                        };
                        let r = Value::new_ref(v);
                        *other = Value::Ref(r.clone());
                        r
                    }
                };
                bound.push(Value::Ref(r));
            } else {
                bound.push(cell.deref_clone());
            }
        }
        let frame = self.frames.last().expect("frame");
        let this = if child.is_static {
            None
        } else {
            frame.this.clone()
        };
        let scope = frame.scope.clone();
        let called = match &this {
            Some(_) => None,
            None => frame.static_class.clone(),
        };
        let data = ClosureData {
            func: child,
            bound,
            this,
            scope,
            called,
            target: None,
            magic_name: None,
        };
        Ok(Value::Object(self.new_closure(data)))
    }

    pub(crate) fn new_closure(&mut self, data: ClosureData) -> Obj {
        let cls = self
            .classes
            .get(b"closure".as_slice())
            .cloned()
            .expect("Closure is built in");
        let id = self.alloc_obj_id();
        let obj = Obj::new(cls, PhpArray::new(), id);
        obj.borrow_mut().internal = Some(Box::new(data));
        obj
    }

    /// The call target of a Closure object.
    pub(crate) fn closure_target(&self, o: &Obj) -> Option<CallTarget> {
        let d = o.borrow();
        let cd = d.internal.as_ref()?.downcast_ref::<ClosureData>()?;
        if let Some(t) = &cd.target {
            return Some(t.clone());
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

    /// A closure over a `__call`/`__callStatic` target that passes `name` on.
    pub(crate) fn trampoline_closure(&mut self, target: CallTarget, name: PhpStr) -> Obj {
        let Ok(Value::Object(o)) = self.closure_from_target(target) else {
            unreachable!("closure_from_target always makes a closure")
        };
        if let Some(cd) = o
            .borrow_mut()
            .internal
            .as_mut()
            .and_then(|i| i.downcast_mut::<ClosureData>())
        {
            cd.magic_name = Some(name);
        }
        o
    }

    /// The method name a trampoline closure passes to `__call`, if it is one.
    pub(crate) fn closure_magic_name(&self, o: &Obj) -> Option<PhpStr> {
        let d = o.borrow();
        d.internal
            .as_ref()?
            .downcast_ref::<ClosureData>()?
            .magic_name
            .clone()
    }

    /// `$closure->__invoke()` and friends.
    pub(crate) fn closure_method_target(&self, o: &Obj, name: &[u8]) -> Option<CallTarget> {
        if name.eq_ignore_ascii_case(b"__invoke") {
            return self.closure_target(o);
        }
        None
    }

    /// A Closure wrapping an arbitrary call target (`strlen(...)`).
    pub(crate) fn closure_from_target(&mut self, target: CallTarget) -> PhpResult<Value> {
        let data = match &target {
            CallTarget::User {
                func, this, scope, ..
            } => ClosureData {
                func: func.clone(),
                bound: Vec::new(),
                this: this.clone(),
                scope: scope.clone(),
                called: None,
                target: Some(target.clone()),
                magic_name: None,
            },
            _ => {
                let placeholder = self.frames.last().expect("frame").func.clone();
                ClosureData {
                    func: placeholder,
                    bound: Vec::new(),
                    this: None,
                    scope: None,
                    called: None,
                    target: Some(target),
                    magic_name: None,
                }
            }
        };
        Ok(Value::Object(self.new_closure(data)))
    }

    // ----- exceptions and finally -----

    pub(crate) fn throw_value(&mut self, v: Value) -> PhpResult<()> {
        match &v {
            Value::Object(o) if o.instance_of(b"throwable") => Err(Fault::Throw(v)),
            _ => Err(Fault::error("Error", "Can only throw objects")),
        }
    }

    /// Looks for a catch/finally handler for `fault` in the frames of the current run.
    /// `Ok(())` when execution can continue at a handler.
    pub(crate) fn handle_fault(&mut self, fault: Fault) -> Result<(), Fault> {
        let exc = match fault {
            Fault::Throw(v) => v,
            Fault::Error(e) => match self.create_throwable(e.class, &e.message, e.code) {
                Ok(v) => v,
                Err(f) => return Err(f),
            },
            other => return Err(other),
        };
        loop {
            let Some(frame) = self.frames.last() else {
                return Err(Fault::Throw(exc));
            };
            let func = frame.func.clone();
            let pc = frame.pc.saturating_sub(1) as u32;
            let mut handler = None;
            for region in func.tries.iter().rev() {
                let fin_start = region.finally.unwrap_or(region.after);
                if pc >= region.start && pc < region.end {
                    for (classes, label) in &region.catches {
                        let hit = match &exc {
                            Value::Object(o) => classes.iter().any(|c| o.instance_of(c)),
                            _ => false,
                        };
                        if hit {
                            handler = Some((*label, false));
                            break;
                        }
                    }
                    if handler.is_some() {
                        break;
                    }
                }
                if let Some(f) = region.finally {
                    if pc >= region.start && pc < fin_start {
                        handler = Some((f, true));
                        break;
                    }
                }
            }
            if let Some((label, is_finally)) = handler {
                let frame = self.frames.last_mut().expect("frame");
                frame.pc = label as usize;
                if is_finally {
                    frame
                        .ext_mut()
                        .finally_stack
                        .push(FinallyAction::Rethrow(exc));
                } else {
                    self.caught = Some(exc);
                }
                return Ok(());
            }
            let frame = self.frames.pop().expect("frame");
            self.unset_regs_from(frame.base);
            if frame.stop {
                return Err(Fault::Throw(exc));
            }
        }
    }

    /// The `finally` a `return` at `pc` must run first.
    pub(crate) fn finally_for_return(&self, func: &Func, pc: usize) -> Option<u32> {
        let pc = pc as u32;
        func.tries
            .iter()
            .rev()
            .find(|r| r.finally.is_some_and(|f| pc >= r.start && pc < f))
            .and_then(|r| r.finally)
    }

    /// The `finally` a jump from `pc` to `target` must run first.
    pub(crate) fn finally_for_jump(&self, func: &Func, pc: usize, target: u32) -> Option<u32> {
        let pc = pc as u32;
        func.tries
            .iter()
            .rev()
            .find(|r| {
                r.finally.is_some_and(|f| {
                    pc >= r.start && pc < f && !(target >= r.start && target < r.after)
                })
            })
            .and_then(|r| r.finally)
    }

    // ----- types -----

    pub(crate) fn verify_param(&mut self, func: &Func, base: usize, idx: u32) -> PhpResult<()> {
        let p = &func.params[idx as usize];
        let Some(ty) = &p.ty else {
            return Ok(());
        };
        let slot = base + idx as usize;
        if p.variadic {
            return Ok(());
        }
        match &self.stack[slot] {
            Value::Undef => return Ok(()),
            v if ty.accepts_exactly(v) => return Ok(()),
            _ => {}
        }
        let is_ref = matches!(self.stack[slot], Value::Ref(_));
        let v = self.stack[slot].deref_clone();
        if matches!(v, Value::Undef) || ty.accepts_exactly(&v) {
            return Ok(());
        }
        let fname = super::call::func_display_name(func);
        let name = p.name.to_string_lossy();
        let ctx = ArgCtx {
            func: &fname,
            arg_num: idx as usize + 1,
            param: &name,
            internal: false,
        };
        let strict = self
            .frames
            .len()
            .checked_sub(2)
            .and_then(|i| self.frames.get(i))
            .is_some_and(|f| f.func.strict_types);
        let ty = ty.clone();
        match coerce_arg(self, v, &ty, strict, &ctx) {
            Ok(nv) => {
                if is_ref {
                    if let Value::Ref(r) = &self.stack[slot] {
                        *r.borrow_mut() = nv;
                    }
                } else {
                    self.stack[slot] = nv;
                }
                Ok(())
            }
            Err(Fault::Error(mut e)) => {
                let (file, line) = self.caller_position();
                e.message = format!(
                    "{}, called in {} on line {line}",
                    e.message,
                    file.to_string_lossy()
                );
                Err(Fault::Error(e))
            }
            Err(e) => Err(e),
        }
    }

    fn caller_position(&self) -> (PhpStr, u32) {
        let n = self.frames.len();
        let line = self.frames.last().map_or(0, |f| f.call_line);
        let file = if n >= 2 {
            self.frames[n - 2].func.file.clone()
        } else {
            self.script_path.clone()
        };
        (file, line)
    }

    /// The TypeError for falling off the end of a function with a return type.
    pub(crate) fn none_returned(&mut self, func: &Func) -> Fault {
        let fname = super::call::func_display_name(func);
        match &func.return_type {
            Some(ty) if ty.has(&super::super::coerce::SimpleType::Never) => Fault::type_error(
                format!("{fname}(): never-returning function must not implicitly return"),
            ),
            Some(ty) => Fault::type_error(format!(
                "{fname}(): Return value must be of type {}, none returned",
                ty.display()
            )),
            None => Fault::type_error(format!(
                "{fname}(): Return value must be of type mixed, none returned"
            )),
        }
    }

    pub(crate) fn verify_return(&mut self, func: &Func, base: usize, val: Slot) -> PhpResult<()> {
        let Some(ty) = &func.return_type else {
            return Ok(());
        };
        if is_void_like(ty) {
            return Ok(());
        }
        let slot = base + val as usize;
        if ty.accepts_exactly(&self.stack[slot]) {
            return Ok(());
        }
        let v = self.stack[slot].deref_clone().undef_to_null();
        let fname = super::call::func_display_name(func);
        let ctx = ArgCtx {
            func: &fname,
            arg_num: 0,
            param: "",
            internal: false,
        };
        match coerce_arg(self, v.clone(), ty, func.strict_types, &ctx) {
            Ok(nv) => {
                self.stack[slot] = nv;
                Ok(())
            }
            Err(Fault::Error(_)) => Err(Fault::type_error(format!(
                "{}(): Return value must be of type {}, {} returned",
                fname,
                ty.display(),
                super::call::type_for_error(&v)
            ))),
            Err(e) => Err(e),
        }
    }

    // ----- include -----

    pub(crate) fn include(
        &mut self,
        func: &Func,
        base: usize,
        path: Value,
        kind: super::super::bytecode::IncludeKind,
        dst: Slot,
    ) -> PhpResult<Called> {
        use super::super::bytecode::IncludeKind;
        let path = self.to_php_str(&path)?;
        let fname = match kind {
            IncludeKind::Include => "include",
            IncludeKind::IncludeOnce => "include_once",
            IncludeKind::Require => "require",
            IncludeKind::RequireOnce => "require_once",
        };
        let once = matches!(kind, IncludeKind::IncludeOnce | IncludeKind::RequireOnce);
        let resolved = self.resolve_include_path(&path, &func.file);
        let Some(resolved) = resolved else {
            let msg = format!(
                "{fname}({}): Failed to open stream: No such file or directory",
                path.to_string_lossy()
            );
            self.raise(ErrorLevel::Warning, &msg)?;
            let include_path = self
                .ini
                .get(b"include_path".as_slice())
                .map(PhpStr::to_string_lossy)
                .unwrap_or_default();
            if matches!(kind, IncludeKind::Require | IncludeKind::RequireOnce) {
                return Err(Fault::error(
                    "Error",
                    format!(
                        "Failed opening required '{}' (include_path='{include_path}')",
                        path.to_string_lossy()
                    ),
                ));
            }
            let msg = format!(
                "{fname}(): Failed opening '{}' for inclusion (include_path='{include_path}')",
                path.to_string_lossy()
            );
            self.raise(ErrorLevel::Warning, &msg)?;
            return Ok(Called::Done(Value::Bool(false)));
        };
        if once && self.included.contains_key(&resolved) {
            return Ok(Called::Done(Value::Bool(true)));
        }
        let unit = match self.loader.load(&resolved) {
            Ok(Some(u)) => u,
            Ok(None) => return Ok(Called::Done(Value::Bool(false))),
            Err(super::LoadError::Parse { message, line }) => {
                self.print_diagnostic("Parse error", &message, &resolved, line);
                return Err(Fault::Exit(255));
            }
            Err(super::LoadError::Compile { message, line }) => {
                self.print_diagnostic("Fatal error", &message, &resolved, line);
                return Err(Fault::Exit(255));
            }
        };
        self.included.insert(resolved, unit.clone());
        self.run_unit_in_scope(func, base, &unit, dst)
    }

    /// Runs a unit's top-level code in the current frame's variable scope (include, eval):
    /// its named locals are bound by reference to the caller's variables.
    pub(crate) fn run_unit_in_scope(
        &mut self,
        func: &Func,
        base: usize,
        unit: &Rc<super::super::bytecode::Unit>,
        dst: Slot,
    ) -> PhpResult<Called> {
        self.report_compile_diagnostics(unit);
        self.declare_hoisted(unit)?;
        let main = unit.main.clone();
        let mut refs = Vec::with_capacity(main.local_names.len());
        for name in &main.local_names {
            refs.push(self.var_ref_by_name(func, base, name));
        }
        let (this, scope, static_class) = {
            let f = self.frames.last().expect("frame");
            (f.this.clone(), f.scope.clone(), f.static_class.clone())
        };
        self.push_frame(
            main,
            Vec::new(),
            Vec::new(),
            this,
            scope,
            static_class,
            None,
            Some(dst),
            false,
        )?;
        let new_base = self.frames.last().expect("frame").base;
        for (i, r) in refs.into_iter().enumerate() {
            self.stack[new_base + i] = Value::Ref(r);
        }
        Ok(Called::Pushed)
    }

    /// `eval($code)`: compiles the code (which starts in PHP mode) and runs it in the
    /// current scope. A parse error is thrown as `ParseError`.
    pub(crate) fn eval(
        &mut self,
        func: &Func,
        base: usize,
        code: Value,
        dst: Slot,
    ) -> PhpResult<Called> {
        let code = self.to_php_str(&code)?;
        let mut src = b"<?php ".to_vec();
        src.extend_from_slice(&code);
        let line = self.current_line();
        let name = format!("{}({}) : eval()'d code", func.file.to_string_lossy(), line);
        let unit = match super::super::compile_source(&src, name.as_bytes()) {
            Ok(u) => u,
            Err(super::LoadError::Parse { message, .. }) => {
                return Err(Fault::error("ParseError", message));
            }
            Err(super::LoadError::Compile { message, .. }) => {
                return Err(Fault::fatal(message));
            }
        };
        self.included.insert(unit.file.clone(), unit.clone());
        self.run_unit_in_scope(func, base, &unit, dst)
    }

    /// `stream_resolve_include_path`: resolves like `include` does from the running file.
    pub(crate) fn resolve_include_from_current(&self, path: &[u8]) -> Option<PhpStr> {
        self.resolve_include_path(path, &self.current_file())
    }

    fn resolve_include_path(&self, path: &[u8], current_file: &[u8]) -> Option<PhpStr> {
        use std::path::Path;
        let p = std::str::from_utf8(path).ok()?;
        let exists = |candidate: &Path| self.loader.file_exists(candidate);
        let canon = |candidate: &Path| -> Option<PhpStr> {
            let c = self.loader.canonical(candidate)?;
            Some(PhpStr::from(c.to_string_lossy().into_owned()))
        };
        let pp = Path::new(p);
        if pp.is_absolute() || p.starts_with("./") || p.starts_with("../") {
            return if exists(pp) { canon(pp) } else { None };
        }
        let include_path = self
            .ini
            .get(b"include_path".as_slice())
            .map(PhpStr::to_string_lossy)
            .unwrap_or_else(|| ".".into());
        for dir in include_path.split(':') {
            let candidate = Path::new(dir).join(p);
            if exists(&candidate) {
                return canon(&candidate);
            }
        }
        let cur = std::str::from_utf8(current_file).ok()?;
        if let Some(dir) = Path::new(cur).parent() {
            let candidate = dir.join(p);
            if exists(&candidate) {
                return canon(&candidate);
            }
        }
        None
    }

    /// The class whose code is running, if any.
    pub fn current_scope(&self) -> Option<Rc<Class>> {
        self.frames.last().and_then(|f| f.scope.clone())
    }

    /// Whether `class` declares (or inherits) static property `name`.
    pub fn has_static_prop(&self, class: &Rc<Class>, name: &[u8]) -> bool {
        super::class::rt(class).static_props.contains_key(name)
    }

    /// `call_user_func_array`: positional and string-keyed (named) arguments.
    pub fn call_with_array(&mut self, callable: &Value, list: &PhpArray) -> PhpResult<Value> {
        let target = self.resolve_callable(callable)?;
        let mut args = Vec::new();
        let mut named = Vec::new();
        for (k, v) in list.iter() {
            match k {
                ArrayKey::Int(_) => {
                    if !named.is_empty() {
                        return Err(Fault::error(
                            "Error",
                            "Cannot use positional argument after named argument",
                        ));
                    }
                    args.push(v.clone());
                }
                ArrayKey::Str(s) => named.push((s, v.deref_clone())),
            }
        }
        if let Some(name) = self.magic_name.take() {
            let packed = PhpArray::from_values(args.iter().map(Value::deref_clone).collect());
            args = vec![Value::Str(name), Value::array(packed)];
        } else {
            self.warn_values_for_refs(&target, &args)?;
        }
        self.call_target_named(target, args, named)
    }
}

fn is_void_like(ty: &TypeSpec) -> bool {
    use super::super::coerce::{SimpleType, TypeMember};
    ty.members.iter().any(|m| {
        matches!(
            m,
            TypeMember::Simple(SimpleType::Void)
                | TypeMember::Simple(SimpleType::Never)
                | TypeMember::Simple(SimpleType::Static)
        )
    })
}

/// PHP's variable-name rule: `[a-zA-Z_\x80-\xff][a-zA-Z0-9_\x80-\xff]*`.
fn is_valid_var_name(name: &[u8]) -> bool {
    match name.split_first() {
        Some((first, rest)) => {
            (first.is_ascii_alphabetic() || *first == b'_' || *first >= 0x80)
                && rest
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c >= 0x80)
        }
        None => false,
    }
}

fn collect_names(v: &Value, out: &mut Vec<PhpStr>) {
    match v {
        Value::Str(s) => out.push(s.clone()),
        Value::Array(a) => {
            for x in a.values() {
                collect_names(&x.deref_clone(), out);
            }
        }
        _ => {}
    }
}

/// `__DIR__` of a file path: everything before the last `/` (`/` for a file in the root).
fn dir_of(file: &[u8]) -> &[u8] {
    match file.iter().rposition(|&c| c == b'/') {
        Some(0) => b"/",
        Some(i) => &file[..i],
        None => b".",
    }
}
