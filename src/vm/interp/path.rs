//! Lvalue paths: reads, writes, compound assignments, references, isset/empty/unset on
//! chains like `$a[1]['k']->p[]`.
//!
//! Writes take the base value out of its slot (or reference cell, or property), modify it in
//! place (copy-on-write makes a uniquely owned array mutable without copying), and put it
//! back. So no borrow into the register stack or an object is held while warnings are
//! raised or PHP code runs.

use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::ast::BinOp;
use super::super::bytecode::{Func, PathAction, PathBase, PathElem, Special};
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::ops;
use super::super::value::{PhpStr, Value};
use super::class::MagicGuard;
use super::Vm;

/// A path step with its key already evaluated.
#[derive(Clone)]
enum Step {
    Dim(Value),
    Append,
    Prop(PhpStr),
}

impl Vm {
    fn resolve_steps(
        &mut self,
        func: &Func,
        base: usize,
        elems: &[PathElem],
    ) -> PhpResult<Vec<Step>> {
        let mut steps = Vec::with_capacity(elems.len());
        for e in elems {
            steps.push(match e {
                PathElem::Dim(op) => Step::Dim(self.read(func, base, *op)?),
                PathElem::Append => Step::Append,
                PathElem::Prop(op) => {
                    let v = self.read(func, base, *op)?;
                    Step::Prop(self.to_php_str(&v)?)
                }
            });
        }
        Ok(steps)
    }

    /// Executes a path instruction.
    pub(crate) fn path_op(
        &mut self,
        func: &Func,
        base: usize,
        path_idx: u32,
        action: PathAction,
        val: Option<Value>,
    ) -> PhpResult<Value> {
        let path = &func.paths[path_idx as usize];
        if let [elem] = path.elems.as_slice() {
            if let Some(done) = self.path_op_single(func, base, &path.base, *elem, action, &val) {
                return done;
            }
        }
        let steps = self.resolve_steps(func, base, &path.elems)?;
        let read_only = matches!(
            action,
            PathAction::Fetch | PathAction::FetchQuiet | PathAction::Isset | PathAction::Empty
        );
        if read_only {
            let quiet = action != PathAction::Fetch;
            let start = match &path.base {
                PathBase::Local(slot) => match &self.stack[base + *slot as usize] {
                    Value::Ref(r) => r.borrow().clone(),
                    Value::Undef => {
                        if !quiet {
                            self.warn_undefined_var(func, *slot as usize)?;
                        }
                        Value::Null
                    }
                    v => v.clone(),
                },
                PathBase::VarVar(op) => {
                    let n = self.read(func, base, *op)?;
                    let n = self.to_php_str(&n)?;
                    self.fetch_var_by_name(func, base, &n, quiet)?
                }
                PathBase::Object(op) | PathBase::Temp(op) => self.read(func, base, *op)?,
                PathBase::This => self.load_special(Special::This)?,
                PathBase::StaticProp(class, name) => {
                    let r = self.static_prop_ref(func, base, *class, *name)?;
                    let v = r.borrow().clone();
                    v
                }
                PathBase::Superglobal(name) => {
                    let n = self.read(func, base, *name)?.scalar_to_str();
                    self.superglobal(&n)
                }
            };
            // `isset($obj[$k])` on an `ArrayAccess` object asks `offsetExists` alone
            // (`zend_std_has_dimension`); ArrayObject/ArrayIterator check the value too.
            if let (PathAction::Isset, Some((Step::Dim(k), prefix))) = (action, steps.split_last())
            {
                let Some(container) = self.read_walk(start.clone(), prefix, quiet)? else {
                    return Ok(Value::Bool(false));
                };
                if let Value::Object(o) = &container {
                    if o.instance_of(b"arrayaccess")
                        && !o.instance_of(b"arrayobject")
                        && !o.instance_of(b"arrayiterator")
                    {
                        let exists = self.call_method_value(o, b"offsetExists", &[k.clone()])?;
                        return Ok(Value::Bool(exists.to_bool()));
                    }
                }
                let found = self.read_walk(
                    container,
                    std::slice::from_ref(&steps[steps.len() - 1]),
                    quiet,
                )?;
                return Ok(Value::Bool(found.as_ref().is_some_and(|v| !v.is_null())));
            }
            // `isset($a->b->c)`: the last property is asked with `__isset` alone.
            if let (PathAction::Isset, Some((Step::Prop(name), prefix))) =
                (action, steps.split_last())
            {
                let Some(container) = self.read_walk(start, prefix, quiet)? else {
                    return Ok(Value::Bool(false));
                };
                return Ok(Value::Bool(self.isset_prop(&container, name)?));
            }
            let found = self.read_walk(start, &steps, quiet)?;
            return Ok(match action {
                PathAction::Isset => Value::Bool(found.as_ref().is_some_and(|v| !v.is_null())),
                PathAction::Empty => Value::Bool(!found.as_ref().is_some_and(Value::to_bool)),
                _ => found.unwrap_or(Value::Null),
            });
        }
        match &path.base {
            PathBase::Local(slot) => {
                let idx = base + *slot as usize;
                if steps.is_empty() && binds_location(action) {
                    return self.apply_action_local(idx, action, val);
                }
                if let Value::Ref(r) = &self.stack[idx] {
                    let r = r.clone();
                    let mut cur = std::mem::take(&mut *r.borrow_mut());
                    let out = self.write_walk(&mut cur, &steps, action, val, Some((func, *slot)));
                    *r.borrow_mut() = cur;
                    return out;
                }
                if steps.is_empty() && action == PathAction::Unset {
                    self.stack[idx] = Value::Undef;
                    return Ok(Value::Null);
                }
                let mut cur = std::mem::take(&mut self.stack[idx]);
                let out = self.write_walk(&mut cur, &steps, action, val, Some((func, *slot)));
                // The slot may have been turned into a reference meanwhile (by-ref capture in
                // a callback): the reference wins.
                match &self.stack[idx] {
                    Value::Ref(r) => *r.borrow_mut() = cur,
                    _ => self.stack[idx] = cur,
                }
                out
            }
            PathBase::VarVar(op) => {
                let n = self.read(func, base, *op)?;
                let n = self.to_php_str(&n)?;
                let r = self.var_ref_by_name(func, base, &n);
                let mut cur = std::mem::take(&mut *r.borrow_mut());
                let out = self.write_walk(&mut cur, &steps, action, val, None);
                *r.borrow_mut() = cur;
                out
            }
            PathBase::Object(_) | PathBase::Temp(_) | PathBase::This => {
                let mut cur = match &path.base {
                    PathBase::Object(op) | PathBase::Temp(op) => self.read(func, base, *op)?,
                    _ => self.load_special(Special::This)?,
                };
                if !matches!(cur, Value::Object(_)) && !steps.is_empty() {
                    if let (Value::Null, Some(Step::Prop(name))) = (&cur, steps.first()) {
                        return Err(Fault::error(
                            "Error",
                            format!(
                                "Attempt to assign property \"{}\" on null",
                                name.to_string_lossy()
                            ),
                        ));
                    }
                }
                self.write_walk(&mut cur, &steps, action, val, None)
            }
            PathBase::StaticProp(class, name) => {
                let r = self.static_prop_ref(func, base, *class, *name)?;
                if steps.is_empty() && action == PathAction::GetRef {
                    return Ok(Value::Ref(r));
                }
                let mut cur = std::mem::take(&mut *r.borrow_mut());
                let out = self.write_walk(&mut cur, &steps, action, val, None);
                *r.borrow_mut() = cur;
                out
            }
            PathBase::Superglobal(name) => {
                let n = self.read(func, base, *name)?.scalar_to_str();
                if n.as_bytes() == b"GLOBALS" {
                    // `$GLOBALS['x']...` writes go to the global variable `$x` itself.
                    let Some((Step::Dim(k), rest)) = steps.split_first() else {
                        return Err(Fault::error(
                            "Error",
                            "$GLOBALS can only be modified using the $GLOBALS[$name] = $value syntax",
                        ));
                    };
                    let var = self.to_php_str(k)?;
                    if rest.is_empty() && action == PathAction::Unset {
                        self.unset_global(&var);
                        return Ok(Value::Null);
                    }
                    let r = self.global_ref(&var);
                    if rest.is_empty() && action == PathAction::GetRef {
                        return Ok(Value::Ref(r));
                    }
                    let mut cur = std::mem::take(&mut *r.borrow_mut());
                    let out = self.write_walk(&mut cur, rest, action, val, None);
                    *r.borrow_mut() = cur;
                    return out;
                }
                let r = self.superglobal_ref(&n);
                let mut cur = std::mem::take(&mut *r.borrow_mut());
                let out = self.write_walk(&mut cur, &steps, action, val, None);
                *r.borrow_mut() = cur;
                out
            }
        }
    }

    /// Follows `steps` from `v` for reading. `None` when something along the way is unset.
    fn read_walk(&mut self, mut v: Value, steps: &[Step], quiet: bool) -> PhpResult<Option<Value>> {
        for step in steps {
            v = match step {
                // A missing element reads as null and the walk goes on, so each further
                // step warns as PHP does ("Trying to access array offset on value of type
                // null"); quiet reads stop at the first gap.
                Step::Dim(k) => match self.fetch_dim_opt(&v, k, quiet)? {
                    Some(x) => x,
                    None if quiet => return Ok(None),
                    None => Value::Null,
                },
                Step::Prop(name) => match &v {
                    Value::Object(_) => match self.fetch_prop_opt(&v, name, quiet)? {
                        Some(x) => x,
                        None if quiet => return Ok(None),
                        None => Value::Null,
                    },
                    _ => {
                        if quiet {
                            return Ok(None);
                        }
                        let msg = format!(
                            "Attempt to read property \"{}\" on {}",
                            name.to_string_lossy(),
                            super::call::type_for_error(&v)
                        );
                        self.raise(ErrorLevel::Warning, &msg)?;
                        Value::Null
                    }
                },
                Step::Append => return Err(Fault::error("Error", "Cannot use [] for reading")),
            };
        }
        if matches!(v, Value::Undef) {
            return Ok(None);
        }
        Ok(Some(v))
    }

    /// Fast paths for the commonest one-step paths on a local array (`$a[$k]` read, write,
    /// compound assignment, `$a[] = v`) and on an object property. `None` means "not this
    /// shape or not the simple case": the general walk handles it (and every warning).
    #[inline]
    fn path_op_single(
        &mut self,
        func: &Func,
        base: usize,
        path_base: &PathBase,
        elem: PathElem,
        action: PathAction,
        val: &Option<Value>,
    ) -> Option<PhpResult<Value>> {
        let slot = match path_base {
            PathBase::This => {
                let PathElem::Prop(name_op) = elem else {
                    return None;
                };
                if !name_op.is_const() {
                    return None;
                }
                let Some(Value::Str(name)) = func.consts.get(name_op.index() as usize) else {
                    return None;
                };
                return Some(
                    self.load_special(Special::This)
                        .and_then(|obj| self.prop_op_value(obj, name, action, val)),
                );
            }
            PathBase::Local(slot) if !matches!(elem, PathElem::Prop(_)) => *slot,
            PathBase::Local(_) | PathBase::Object(_) => {
                let obj_op = match path_base {
                    PathBase::Local(slot) => super::super::bytecode::Operand::slot(*slot),
                    PathBase::Object(op) => *op,
                    _ => return None,
                };
                let PathElem::Prop(name_op) = elem else {
                    return None;
                };
                if !name_op.is_const() {
                    return None;
                }
                let Value::Str(name) = &func.consts[name_op.index() as usize] else {
                    return None;
                };
                if let Some(done) = self.prop_fast(func, base, obj_op, name, action, val) {
                    return Some(done);
                }
                return Some(self.prop_op_single(func, base, obj_op, name, action, val));
            }
            _ => return None,
        };
        let idx = base + slot as usize;
        match elem {
            PathElem::Dim(k) => {
                // `$s[3]` read: an in-range integer offset of a string.
                if action == PathAction::Fetch {
                    if let (Value::Str(s), Some(Value::Int(i))) =
                        (&self.stack[idx], self.peek(func, base, k))
                    {
                        if let Some(&b) = usize::try_from(*i).ok().and_then(|i| s.get(i)) {
                            return Some(Ok(Value::Str(PhpStr::byte(b))));
                        }
                    }
                }
                let key = match self.peek_key(func, base, k) {
                    Some(key) => key,
                    None => return None,
                };
                match action {
                    PathAction::Fetch
                    | PathAction::FetchQuiet
                    | PathAction::Isset
                    | PathAction::Empty => {
                        let pick = |found: &Value| match action {
                            PathAction::Isset => Value::Bool(!found.is_null()),
                            PathAction::Empty => Value::Bool(!found.to_bool()),
                            _ => found.clone(),
                        };
                        // The array may sit behind a reference (a global, a `static`, or a
                        // variable bound by reference such as `preg_match`'s `$m`).
                        let v = match &self.stack[idx] {
                            Value::Array(a) => match a.get(&key) {
                                Some(Value::Ref(_)) | None => return None,
                                Some(found) => pick(found),
                            },
                            Value::Ref(r) => {
                                let inner = r.borrow();
                                let Value::Array(a) = &*inner else {
                                    return None;
                                };
                                match a.get(&key) {
                                    Some(Value::Ref(_)) | None => return None,
                                    Some(found) => pick(found),
                                }
                            }
                            _ => return None,
                        };
                        Some(Ok(v))
                    }
                    PathAction::Assign => {
                        let Value::Array(a) = &mut self.stack[idx] else {
                            return None;
                        };
                        let arr = Rc::make_mut(a);
                        let v = val.clone().unwrap_or(Value::Null);
                        // One lookup for both cases (a new key is hashed once): an element
                        // holding a reference is left as it was for the general path.
                        let cell = arr.get_or_insert_null(key);
                        if matches!(cell, Value::Ref(_)) {
                            return None;
                        }
                        *cell = v.clone();
                        Some(Ok(v))
                    }
                    PathAction::AssignOp(op) if op != BinOp::Coalesce => {
                        let rhs = val.as_ref()?;
                        let Value::Array(a) = &mut self.stack[idx] else {
                            return None;
                        };
                        let arr = Rc::make_mut(a);
                        let cell = match arr.get_mut(&key) {
                            Some(Value::Ref(_)) | None => return None,
                            Some(cell) => cell,
                        };
                        // `$a[k] .= s` appends in place (copying only a shared buffer), so
                        // building a string in an array element stays linear.
                        if let (BinOp::Concat, Value::Str(cur), Value::Str(r)) =
                            (op, &mut *cell, rhs)
                        {
                            cur.make_mut().extend_from_slice(r);
                            return Some(Ok(cell.clone()));
                        }
                        let new = super::fast_binary(op, cell, rhs)?;
                        *cell = new.clone();
                        Some(Ok(new))
                    }
                    _ => None,
                }
            }
            PathElem::Append if action == PathAction::Assign => {
                let Value::Array(a) = &mut self.stack[idx] else {
                    return None;
                };
                let v = val.clone().unwrap_or(Value::Null);
                if Rc::make_mut(a).push(v.clone()) {
                    Some(Ok(v))
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The cached-declared-property case of `prop_op_single` (read, or untyped/exactly
    /// typed write), looking at the object in its register without cloning the handle.
    /// `None` means "not this case": `prop_op_single` handles it (and fills the cache).
    #[inline]
    fn prop_fast(
        &mut self,
        func: &Func,
        base: usize,
        obj_op: super::super::bytecode::Operand,
        name: &PhpStr,
        action: PathAction,
        val: &Option<Value>,
    ) -> Option<PhpResult<Value>> {
        let cell = if obj_op.is_const() {
            &func.consts[obj_op.index() as usize]
        } else {
            &self.stack[base + obj_op.index() as usize]
        };
        let Value::Object(o) = cell else {
            return None;
        };
        let scope = self
            .frames
            .last()
            .and_then(|f| f.scope.as_ref())
            .map_or(0, |c| Rc::as_ptr(c) as usize);
        match action {
            PathAction::Fetch | PathAction::FetchQuiet | PathAction::Isset | PathAction::Empty => {
                let d = o.borrow();
                let key = (
                    Rc::as_ptr(&d.class) as usize,
                    name.as_bytes().as_ptr() as usize,
                    scope,
                );
                let slot = self.prop_cache.get(&key)?;
                if !Rc::ptr_eq(&slot.layout, d.props.layout()) {
                    return None;
                }
                let v = match d.props.slot(slot.pos) {
                    Some(Value::Undef) | None => return None,
                    Some(Value::Ref(r)) => r.borrow().clone(),
                    Some(v) => v.clone(),
                };
                Some(Ok(match action {
                    PathAction::Isset => Value::Bool(!v.is_null()),
                    PathAction::Empty => Value::Bool(!v.to_bool()),
                    _ => v,
                }))
            }
            PathAction::Assign => {
                let v = val.as_ref().unwrap_or(&Value::Null);
                let key = (
                    Rc::as_ptr(&o.borrow().class) as usize,
                    name.as_bytes().as_ptr() as usize,
                    scope,
                );
                let slot = self.prop_cache.get(&key)?;
                if slot.readonly || !slot.ty.as_ref().is_none_or(|t| t.accepts_exactly(v)) {
                    return None;
                }
                let pos = slot.pos;
                let v = v.clone();
                // The old value is dropped after the object's borrow ends (a destructor it
                // triggers is only queued, but keep the borrow short anyway).
                let old = {
                    let mut d = o.borrow_mut();
                    if !Rc::ptr_eq(&slot.layout, d.props.layout()) {
                        return None;
                    }
                    // An unset slot is not this case (`__set` may apply).
                    let cell = d.props.value_at_live_mut(pos)?;
                    match cell {
                        Value::Ref(r) => std::mem::replace(&mut *r.borrow_mut(), v.clone()),
                        cell => std::mem::replace(cell, v.clone()),
                    }
                };
                drop(old);
                Some(Ok(v))
            }
            _ => None,
        }
    }

    /// `$obj->name` read or write without building a step list.
    fn prop_op_single(
        &mut self,
        func: &Func,
        base: usize,
        obj_op: super::super::bytecode::Operand,
        name: &PhpStr,
        action: PathAction,
        val: &Option<Value>,
    ) -> PhpResult<Value> {
        let obj = self.read(func, base, obj_op)?;
        self.prop_op_value(obj, name, action, val)
    }

    /// `prop_op_single` on the object value `obj` (any value: non-objects warn or fail as
    /// PHP does).
    pub(crate) fn prop_op_value(
        &mut self,
        obj: Value,
        name: &PhpStr,
        action: PathAction,
        val: &Option<Value>,
    ) -> PhpResult<Value> {
        let cache_key = match &obj {
            Value::Object(o) => {
                let scope = self
                    .frames
                    .last()
                    .and_then(|f| f.scope.as_ref())
                    .map_or(0, |c| Rc::as_ptr(c) as usize);
                let class = Rc::as_ptr(&o.borrow().class) as usize;
                Some((class, name.as_bytes().as_ptr() as usize, scope))
            }
            _ => None,
        };
        if let (Some(key), Value::Object(o)) = (cache_key, &obj) {
            if let Some(slot) = self.prop_cache.get(&key) {
                match action {
                    PathAction::Fetch
                    | PathAction::FetchQuiet
                    | PathAction::Isset
                    | PathAction::Empty => {
                        let d = o.borrow();
                        match d.props.slot(slot.pos) {
                            _ if !Rc::ptr_eq(&slot.layout, d.props.layout()) => {}
                            Some(Value::Undef) | None => {}
                            Some(v) => {
                                let v = v.deref_clone();
                                return Ok(match action {
                                    PathAction::Isset => Value::Bool(!v.is_null()),
                                    PathAction::Empty => Value::Bool(!v.to_bool()),
                                    _ => v,
                                });
                            }
                        }
                    }
                    PathAction::Assign if !slot.readonly => {
                        let v = val.clone().unwrap_or(Value::Null);
                        if slot.ty.as_ref().is_none_or(|t| t.accepts_exactly(&v)) {
                            let mut d = o.borrow_mut();
                            let same = Rc::ptr_eq(&slot.layout, d.props.layout());
                            if let Some(cell) = d.props.value_at_live_mut(slot.pos).filter(|_| same)
                            {
                                match cell {
                                    Value::Ref(r) => *r.borrow_mut() = v.clone(),
                                    cell => *cell = v.clone(),
                                }
                                return Ok(v);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let result = self.prop_op_slow(&obj, name, action, val);
        // Remember where an accessible declared property lives, for the next time.
        if let (Ok(_), Some(key), Value::Object(o)) = (&result, cache_key, &obj) {
            if matches!(
                action,
                PathAction::Fetch
                    | PathAction::FetchQuiet
                    | PathAction::Isset
                    | PathAction::Empty
                    | PathAction::Assign
            ) && !self.prop_cache.contains_key(&key)
            {
                let d = o.borrow();
                if let (Some(decl), Some(pos)) =
                    (d.class.prop_decl(name), d.props.layout().slot_of(name))
                {
                    if decl.visibility == super::super::ast::Visibility::Public
                        || self.can_access(&d.class, decl)
                    {
                        let slot = super::PropSlot {
                            pos,
                            layout: d.props.layout().clone(),
                            ty: super::class::rt(&d.class)
                                .prop_types
                                .get(name.as_bytes())
                                .cloned(),
                            readonly: decl.is_readonly,
                        };
                        drop(d);
                        self.prop_cache.insert(key, slot);
                    }
                }
            }
        }
        result
    }

    /// `prop_op_single` without the cache.
    fn prop_op_slow(
        &mut self,
        obj: &Value,
        name: &PhpStr,
        action: PathAction,
        val: &Option<Value>,
    ) -> PhpResult<Value> {
        let obj = obj.clone();
        match action {
            PathAction::Isset => Ok(Value::Bool(self.isset_prop(&obj, name)?)),
            PathAction::Fetch | PathAction::FetchQuiet | PathAction::Empty => {
                let quiet = action != PathAction::Fetch;
                let found = match &obj {
                    Value::Object(_) => self.fetch_prop_opt(&obj, name, quiet)?,
                    _ => {
                        if !quiet {
                            let msg = format!(
                                "Attempt to read property \"{}\" on {}",
                                name.to_string_lossy(),
                                super::call::type_for_error(&obj)
                            );
                            self.raise(ErrorLevel::Warning, &msg)?;
                        }
                        None
                    }
                };
                Ok(match action {
                    PathAction::Isset => Value::Bool(found.as_ref().is_some_and(|v| !v.is_null())),
                    PathAction::Empty => Value::Bool(!found.as_ref().is_some_and(Value::to_bool)),
                    _ => found.unwrap_or(Value::Null),
                })
            }
            _ => match &obj {
                Value::Object(o) => {
                    let o = o.clone();
                    self.write_prop(&o, name, &[], action, val.clone())
                }
                _ => {
                    let mut cur = obj;
                    self.write_walk(
                        &mut cur,
                        &[Step::Prop(name.clone())],
                        action,
                        val.clone(),
                        None,
                    )
                }
            },
        }
    }

    /// An int or (normalised) string array key from an operand, without warnings or
    /// conversions; `None` for anything needing the general path.
    #[inline]
    fn peek_key(
        &self,
        func: &Func,
        base: usize,
        op: super::super::bytecode::Operand,
    ) -> Option<ArrayKey> {
        let v = if op.is_const() {
            &func.consts[op.index() as usize]
        } else {
            &self.stack[base + op.index() as usize]
        };
        match v {
            Value::Int(i) => Some(ArrayKey::Int(*i)),
            Value::Str(s) => Some(ArrayKey::from_str(s.clone())),
            _ => None,
        }
    }

    /// `container[key]` for reading, with PHP's warnings unless `quiet`.
    pub(crate) fn fetch_dim_opt(
        &mut self,
        container: &Value,
        key: &Value,
        quiet: bool,
    ) -> PhpResult<Option<Value>> {
        match container {
            Value::Array(a) => {
                let k = self.to_array_key(key)?;
                match a.get(&k) {
                    Some(v) => Ok(Some(v.deref_clone())),
                    None => {
                        if !quiet {
                            let msg = match &k {
                                ArrayKey::Int(i) => format!("Undefined array key {i}"),
                                ArrayKey::Str(s) => {
                                    format!("Undefined array key \"{}\"", s.to_string_lossy())
                                }
                            };
                            self.raise(ErrorLevel::Warning, &msg)?;
                        }
                        Ok(None)
                    }
                }
            }
            Value::Str(s) => self.string_offset(s, key, quiet),
            Value::Object(o) => {
                if o.instance_of(b"arrayaccess") {
                    if quiet {
                        let exists = self
                            .call_method_value(o, b"offsetExists", &[key.clone()])?
                            .to_bool();
                        if !exists {
                            return Ok(None);
                        }
                    }
                    return Ok(Some(self.call_method_value(
                        o,
                        b"offsetGet",
                        &[key.clone()],
                    )?));
                }
                Err(Fault::error(
                    "Error",
                    format!(
                        "Cannot use object of type {} as array",
                        o.class_display_name()
                    ),
                ))
            }
            Value::Ref(r) => {
                let inner = r.borrow().clone();
                self.fetch_dim_opt(&inner, key, quiet)
            }
            other => {
                if !quiet {
                    let msg = format!(
                        "Trying to access array offset on value of type {}",
                        scalar_type_word(other)
                    );
                    self.raise(ErrorLevel::Warning, &msg)?;
                }
                Ok(None)
            }
        }
    }

    /// `container[key]` as an rvalue (null when unset).
    pub(crate) fn fetch_dim_value(
        &mut self,
        container: &Value,
        key: &Value,
        quiet: bool,
    ) -> PhpResult<Value> {
        Ok(self
            .fetch_dim_opt(container, key, quiet)?
            .unwrap_or(Value::Null))
    }

    fn string_offset(&mut self, s: &PhpStr, key: &Value, quiet: bool) -> PhpResult<Option<Value>> {
        use super::super::convert::{parse_numeric, Numeric, NumericPrefix};
        let idx = match key {
            Value::Int(i) => *i,
            Value::Str(k) => match parse_numeric(k) {
                NumericPrefix::Whole(Numeric::Int(i))
                    if !k.first().is_some_and(u8::is_ascii_whitespace) =>
                {
                    i
                }
                NumericPrefix::Leading(Numeric::Int(i)) if !quiet => {
                    let msg = format!("Illegal string offset \"{}\"", k.to_string_lossy());
                    self.raise(ErrorLevel::Warning, &msg)?;
                    i
                }
                _ if quiet => return Ok(None),
                _ => {
                    return Err(Fault::type_error(
                        "Cannot access offset of type string on string",
                    ))
                }
            },
            Value::Float(f) => {
                if quiet {
                    if f.fract() != 0.0 {
                        let msg = format!(
                            "Implicit conversion from float {} to int loses precision",
                            String::from_utf8_lossy(&super::super::convert::float_to_repr(*f))
                        );
                        self.raise(ErrorLevel::Deprecated, &msg)?;
                    }
                } else {
                    self.raise(ErrorLevel::Warning, "String offset cast occurred")?;
                }
                super::super::convert::float_to_int(*f)
            }
            Value::Bool(b) => {
                if !quiet {
                    self.raise(ErrorLevel::Warning, "String offset cast occurred")?;
                }
                i64::from(*b)
            }
            Value::Null | Value::Undef => {
                if !quiet {
                    self.raise(ErrorLevel::Warning, "String offset cast occurred")?;
                }
                0
            }
            other => {
                if quiet {
                    return Ok(None);
                }
                return Err(Fault::type_error(format!(
                    "Cannot access offset of type {} on string",
                    super::call::type_for_error(other)
                )));
            }
        };
        let len = s.len() as i64;
        let real = if idx < 0 { len + idx } else { idx };
        if real < 0 || real >= len {
            if !quiet {
                let msg = format!("Uninitialized string offset {idx}");
                self.raise(ErrorLevel::Warning, &msg)?;
                return Ok(Some(Value::str("")));
            }
            return Ok(None);
        }
        Ok(Some(Value::Str(PhpStr::from(
            &s[real as usize..real as usize + 1],
        ))))
    }

    /// Applies `action` at the end of `steps` starting from the owned value `cur`.
    fn write_walk(
        &mut self,
        cur: &mut Value,
        steps: &[Step],
        action: PathAction,
        val: Option<Value>,
        local: Option<(&Func, u32)>,
    ) -> PhpResult<Value> {
        if let Value::Ref(r) = cur {
            // A reference location itself is what GetRef/AssignRef/Unset act on; only
            // value actions and deeper steps go through to the referenced value.
            if !(steps.is_empty() && binds_location(action)) {
                let r = r.clone();
                let mut inner = std::mem::take(&mut *r.borrow_mut());
                let out = self.write_walk(&mut inner, steps, action, val, local);
                *r.borrow_mut() = inner;
                return out;
            }
        }
        let Some((step, rest)) = steps.split_first() else {
            return self.apply_action(cur, action, val, local);
        };
        match step {
            Step::Prop(name) => {
                let Value::Object(o) = cur else {
                    if action == PathAction::Unset {
                        return Ok(Value::Null);
                    }
                    return Err(Fault::error(
                        "Error",
                        format!(
                            "Attempt to assign property \"{}\" on {}",
                            name.to_string_lossy(),
                            super::call::type_for_error(cur)
                        ),
                    ));
                };
                let o = o.clone();
                self.write_prop(&o, name, rest, action, val)
            }
            Step::Dim(_) | Step::Append => {
                if action == PathAction::Unset {
                    return self.unset_walk(cur, steps);
                }
                match cur {
                    Value::Null | Value::Undef => {
                        *cur = Value::empty_array();
                    }
                    Value::Bool(false) => {
                        self.raise(
                            ErrorLevel::Deprecated,
                            "Automatic conversion of false to array is deprecated",
                        )?;
                        *cur = Value::empty_array();
                    }
                    _ => {}
                }
                match cur {
                    Value::Array(a) => {
                        let key = match step {
                            Step::Dim(k) => Some(self.to_array_key(k)?),
                            _ => None,
                        };
                        let arr = Rc::make_mut(a);
                        // Fast path: plain assignment to the last element.
                        if rest.is_empty() && action == PathAction::Assign {
                            let v = val.unwrap_or(Value::Null);
                            match key {
                                Some(k) => match arr.get_mut(&k) {
                                    Some(Value::Ref(r)) => *r.borrow_mut() = v.clone(),
                                    Some(slot) => *slot = v.clone(),
                                    None => arr.insert(k, v.clone()),
                                },
                                None => {
                                    if !arr.push(v.clone()) {
                                        return Err(next_element_occupied());
                                    }
                                }
                            }
                            return Ok(v);
                        }
                        let existed = match &key {
                            Some(k) => arr.contains_key(k),
                            None => false,
                        };
                        let slot = match key.clone() {
                            Some(k) => arr.get_or_insert_null(k),
                            None => match arr.push_slot() {
                                Some(s) => s,
                                None => return Err(next_element_occupied()),
                            },
                        };
                        if rest.is_empty() && !existed && reads_old_value(action) {
                            // Compound assignment on a missing key warns and starts from null.
                            let mut taken = std::mem::take(slot);
                            let msg = match &key {
                                Some(ArrayKey::Int(i)) => format!("Undefined array key {i}"),
                                Some(ArrayKey::Str(s)) => {
                                    format!("Undefined array key \"{}\"", s.to_string_lossy())
                                }
                                None => String::new(),
                            };
                            if key.is_some() {
                                self.raise(ErrorLevel::Warning, &msg)?;
                            }
                            let out = self.apply_action(&mut taken, action, val, None);
                            if let Value::Array(a) = cur {
                                let arr = Rc::make_mut(a);
                                let slot = match key {
                                    Some(k) => arr.get_or_insert_null(k),
                                    None => arr.push_slot().expect("slot reserved above"),
                                };
                                *slot = taken;
                            }
                            return out;
                        }
                        self.write_walk(slot, rest, action, val, None)
                    }
                    Value::Str(s) => {
                        if !rest.is_empty() {
                            // PHP checks the offset's type before refusing nested writes.
                            if let Step::Dim(Value::Str(k)) = step {
                                if !matches!(
                                    super::super::convert::parse_numeric(k),
                                    super::super::convert::NumericPrefix::Whole(_)
                                ) {
                                    return Err(Fault::type_error(
                                        "Cannot access offset of type string on string",
                                    ));
                                }
                            }
                            return Err(Fault::error(
                                "Error",
                                "Cannot use string offset as an array",
                            ));
                        }
                        let Step::Dim(k) = step else {
                            return Err(Fault::error(
                                "Error",
                                "[] operator not supported for strings",
                            ));
                        };
                        let v = val.unwrap_or(Value::Null);
                        self.assign_string_offset(s, k, &v)
                    }
                    Value::Object(o) => {
                        let o = o.clone();
                        let key = match step {
                            Step::Dim(k) => k.clone(),
                            _ => Value::Null,
                        };
                        if !o.instance_of(b"arrayaccess") {
                            return Err(Fault::error(
                                "Error",
                                format!(
                                    "Cannot use object of type {} as array",
                                    o.class_display_name()
                                ),
                            ));
                        }
                        if rest.is_empty() && action == PathAction::Assign {
                            let v = val.unwrap_or(Value::Null);
                            self.call_method_value(&o, b"offsetSet", &[key, v.clone()])?;
                            return Ok(v);
                        }
                        let mut inner = self.call_method_value(&o, b"offsetGet", &[key.clone()])?;
                        let out = self.write_walk(&mut inner, rest, action, val, None)?;
                        if rest.is_empty() {
                            self.call_method_value(&o, b"offsetSet", &[key, inner])?;
                        }
                        Ok(out)
                    }
                    _ => Err(Fault::error(
                        "Error",
                        "Cannot use a scalar value as an array",
                    )),
                }
            }
        }
    }

    fn unset_walk(&mut self, cur: &mut Value, steps: &[Step]) -> PhpResult<Value> {
        let Some((step, rest)) = steps.split_first() else {
            return Ok(Value::Null);
        };
        match (cur, step) {
            (Value::Ref(r), _) => {
                let r = r.clone();
                let mut inner = std::mem::take(&mut *r.borrow_mut());
                let out = self.unset_walk(&mut inner, steps);
                *r.borrow_mut() = inner;
                out
            }
            (Value::Array(a), Step::Dim(k)) => {
                let k = self.to_array_key(k)?;
                if !a.contains_key(&k) {
                    return Ok(Value::Null);
                }
                let arr = Rc::make_mut(a);
                if rest.is_empty() {
                    arr.remove(&k);
                    return Ok(Value::Null);
                }
                match arr.get_mut(&k) {
                    Some(slot) => {
                        let mut taken = std::mem::take(slot);
                        let out = self.write_walk(&mut taken, rest, PathAction::Unset, None, None);
                        if let Some(slot) = arr.get_mut(&k) {
                            *slot = taken;
                        }
                        out
                    }
                    None => Ok(Value::Null),
                }
            }
            (Value::Object(o), Step::Dim(k)) => {
                let o = o.clone();
                if rest.is_empty() && o.instance_of(b"arrayaccess") {
                    self.call_method_value(&o, b"offsetUnset", &[k.clone()])?;
                }
                Ok(Value::Null)
            }
            (Value::Object(o), Step::Prop(name)) => {
                let o = o.clone();
                self.write_prop(&o, name, rest, PathAction::Unset, None)
            }
            (Value::Str(_), Step::Dim(_)) if rest.is_empty() => {
                Err(Fault::error("Error", "Cannot unset string offsets"))
            }
            _ => Ok(Value::Null),
        }
    }

    fn assign_string_offset(&mut self, s: &mut PhpStr, k: &Value, v: &Value) -> PhpResult<Value> {
        let idx = match k {
            Value::Int(i) => *i,
            other => other.to_int(),
        };
        let len = s.len() as i64;
        let real = if idx < 0 { len + idx } else { idx };
        if real < 0 {
            let msg = format!("Illegal string offset {idx}");
            self.raise(ErrorLevel::Warning, &msg)?;
            return Ok(Value::Null);
        }
        let piece = self.to_php_str(v)?;
        if piece.is_empty() {
            return Err(Fault::error(
                "Error",
                "Cannot assign an empty string to a string offset",
            ));
        }
        if piece.len() > 1 {
            self.raise(
                ErrorLevel::Warning,
                "Only the first byte will be assigned to the string offset",
            )?;
        }
        let buf = s.make_mut();
        let real = real as usize;
        if real >= buf.len() {
            buf.resize(real, b' ');
            buf.push(piece[0]);
        } else {
            buf.as_mut_slice()[real] = piece[0];
        }
        Ok(Value::Str(PhpStr::from(&piece[..1])))
    }

    /// The final action on a location.
    fn apply_action(
        &mut self,
        target: &mut Value,
        action: PathAction,
        val: Option<Value>,
        local: Option<(&Func, u32)>,
    ) -> PhpResult<Value> {
        if let Value::Ref(r) = target {
            if !matches!(
                action,
                PathAction::GetRef | PathAction::AssignRef | PathAction::Unset
            ) {
                let r = r.clone();
                let mut inner = std::mem::take(&mut *r.borrow_mut());
                let out = self.apply_action(&mut inner, action, val, local);
                *r.borrow_mut() = inner;
                return out;
            }
        }
        match action {
            PathAction::Assign => {
                let v = val.unwrap_or(Value::Null);
                *target = v.clone();
                Ok(v)
            }
            PathAction::AssignOp(op) => {
                // `.=` on a string appends in place (copying only a shared buffer).
                if let (BinOp::Concat, Value::Str(cur), Some(Value::Str(r))) =
                    (op, &mut *target, val.as_ref())
                {
                    cur.make_mut().extend_from_slice(r);
                    return Ok(target.clone());
                }
                let old = match &*target {
                    Value::Undef => {
                        if let Some((func, slot)) = local {
                            self.warn_undefined_var(func, slot as usize)?;
                        }
                        Value::Null
                    }
                    v => v.clone(),
                };
                let rhs = val.unwrap_or(Value::Null);
                let new = match op {
                    BinOp::Coalesce => {
                        if old.is_null() {
                            rhs
                        } else {
                            old
                        }
                    }
                    _ => match super::fast_binary(op, &old, &rhs) {
                        Some(v) => v,
                        None => self.binary_slow(op, &old, &rhs)?,
                    },
                };
                *target = new.clone();
                Ok(new)
            }
            PathAction::PreInc | PathAction::PostInc | PathAction::PreDec | PathAction::PostDec => {
                let old = match &*target {
                    Value::Undef => {
                        if let Some((func, slot)) = local {
                            self.warn_undefined_var(func, slot as usize)?;
                        }
                        Value::Null
                    }
                    v => v.clone(),
                };
                let new = match action {
                    PathAction::PreInc | PathAction::PostInc => ops::increment(&old),
                    _ => ops::decrement(&old),
                };
                *target = new.clone();
                Ok(match action {
                    PathAction::PostInc | PathAction::PostDec => old,
                    _ => new,
                })
            }
            PathAction::GetRef => match target {
                Value::Ref(r) => Ok(Value::Ref(r.clone())),
                other => {
                    let v = match std::mem::take(other) {
                        Value::Undef => Value::Null,
                        v => v,
                    };
                    let r = Value::new_ref(v);
                    *other = Value::Ref(r.clone());
                    Ok(Value::Ref(r))
                }
            },
            PathAction::AssignRef => {
                let v = as_reference(val);
                *target = v.clone();
                Ok(v)
            }
            PathAction::Unset => {
                *target = Value::Undef;
                Ok(Value::Null)
            }
            PathAction::Fetch | PathAction::FetchQuiet => Ok(target.deref_clone()),
            PathAction::Isset => Ok(Value::Bool(!target.is_null())),
            PathAction::Empty => Ok(Value::Bool(!target.to_bool())),
        }
    }

    /// GetRef/AssignRef/Unset directly on a local slot.
    fn apply_action_local(
        &mut self,
        idx: usize,
        action: PathAction,
        val: Option<Value>,
    ) -> PhpResult<Value> {
        let slot = &mut self.stack[idx];
        match action {
            PathAction::GetRef => match slot {
                Value::Ref(r) => Ok(Value::Ref(r.clone())),
                other => {
                    let v = match std::mem::take(other) {
                        Value::Undef => Value::Null,
                        v => v,
                    };
                    let r = Value::new_ref(v);
                    *other = Value::Ref(r.clone());
                    Ok(Value::Ref(r))
                }
            },
            PathAction::AssignRef => {
                let v = as_reference(val);
                *slot = v.clone();
                Ok(v)
            }
            _ => {
                *slot = Value::Undef;
                Ok(Value::Null)
            }
        }
    }

    /// `[...$src]` into the temporary array in `arr`.
    pub(crate) fn array_spread(&mut self, base: usize, arr: u32, src: Value) -> PhpResult<()> {
        let items: Vec<(ArrayKey, Value)> = match &src {
            Value::Array(a) => a.iter().map(|(k, v)| (k, v.deref_clone())).collect(),
            Value::Object(_) => self.iterate_to_vec(&src)?,
            _ => {
                return Err(Fault::error(
                    "Error",
                    "Only arrays and Traversables can be unpacked",
                ))
            }
        };
        if let Value::Array(a) = &mut self.stack[base + arr as usize] {
            let a = Rc::make_mut(a);
            for (k, v) in items {
                match k {
                    ArrayKey::Int(_) => {
                        if !a.push(v) {
                            return Err(next_element_occupied());
                        }
                    }
                    ArrayKey::Str(_) => a.insert(k, v),
                }
            }
        }
        Ok(())
    }
}

impl Vm {
    /// `write_prop`'s read-modify-write of an existing typed property.
    #[allow(clippy::too_many_arguments)]
    fn typed_prop_rmw(
        &mut self,
        o: &super::super::object::Obj,
        class: &super::super::object::Class,
        decl: Option<&super::super::object::PropDecl>,
        name: &PhpStr,
        ty: &super::super::coerce::TypeSpec,
        action: PathAction,
        val: Option<Value>,
    ) -> PhpResult<Value> {
        let declaring = decl.map_or(&class.name, |d| &d.declaring_class);
        let old = o
            .borrow()
            .props
            .get_str(name)
            .map_or(Value::Undef, Value::deref_clone);
        if matches!(old, Value::Undef) {
            return Err(super::class::uninit_prop_error(declaring, name));
        }
        let mut new = old.clone();
        let out = self.write_walk(&mut new, &[], action, val, None)?;
        let incdec = !matches!(action, PathAction::AssignOp(_));
        let new = if ty.accepts_exactly(&new) {
            new
        } else if incdec
            && matches!((&old, &new), (Value::Int(_), Value::Float(_)))
            && !ty.has(&super::super::coerce::SimpleType::Float)
        {
            let (what, limit) = match action {
                PathAction::PreInc | PathAction::PostInc => ("increment", "maximal"),
                _ => ("decrement", "minimal"),
            };
            return Err(Fault::type_error(format!(
                "Cannot {what} property {}::${} of type {} past its {limit} value",
                String::from_utf8_lossy(crate::vm::object::display_class_name(declaring)),
                name.to_string_lossy(),
                ty.display()
            )));
        } else {
            self.coerce_prop(declaring, name, ty, new)?
        };
        let old_cell = {
            let mut d = o.borrow_mut();
            match d.props.get_mut(&ArrayKey::Str(name.clone())) {
                Some(Value::Ref(r)) => std::mem::replace(&mut *r.borrow_mut(), new.clone()),
                Some(slot) => std::mem::replace(slot, new.clone()),
                None => {
                    d.props.insert(ArrayKey::Str(name.clone()), new.clone());
                    Value::Null
                }
            }
        };
        drop(old_cell);
        Ok(match action {
            PathAction::PostInc | PathAction::PostDec => out,
            _ => new,
        })
    }

    /// Coerces a value for a typed property; `class` is the property's declaring class
    /// (named by the `TypeError`).
    fn coerce_prop(
        &mut self,
        class: &PhpStr,
        name: &PhpStr,
        ty: &super::super::coerce::TypeSpec,
        v: Value,
    ) -> PhpResult<Value> {
        let ctx = super::super::coerce::ArgCtx {
            func: "",
            arg_num: 0,
            param: "",
            internal: false,
        };
        let strict = self.frames.last().is_some_and(|f| f.func.strict_types);
        match super::super::coerce::coerce_arg(self, v.clone(), ty, strict, &ctx) {
            Ok(nv) => Ok(nv),
            Err(Fault::Error(_)) => Err(Fault::type_error(format!(
                "Cannot assign {} to property {}::${} of type {}",
                super::call::type_for_error(&v),
                String::from_utf8_lossy(crate::vm::object::display_class_name(class.as_bytes())),
                name.to_string_lossy(),
                ty.display()
            ))),
            Err(e) => Err(e),
        }
    }

    /// Writes through property `name` of `o`, then the remaining steps.
    fn write_prop(
        &mut self,
        o: &super::super::object::Obj,
        name: &PhpStr,
        rest: &[Step],
        action: PathAction,
        val: Option<Value>,
    ) -> PhpResult<Value> {
        let class = o.class();
        let decl = class.prop_decl(name).cloned();
        if let Some(decl) = &decl {
            if decl.visibility != super::super::ast::Visibility::Public
                && !self.can_access(&class, decl)
            {
                if let (Some(m), true) = (
                    self.find_method(&class, b"__set"),
                    rest.is_empty()
                        && action == PathAction::Assign
                        && !self.magic_guarded(o, name, MagicGuard::SET),
                ) {
                    let v = val.unwrap_or(Value::Null);
                    let target = self.method_target(m, Some(o.clone()), class.clone());
                    let args = vec![Value::Str(name.clone()), v.clone()];
                    self.call_magic(o, name, MagicGuard::SET, target, args)?;
                    return Ok(v);
                }
                return Err(self.prop_access_error(&class, decl, name));
            }
        }
        self.check_readonly_write(o, &class, decl.as_ref(), name, rest.is_empty(), action)?;
        let exists = o.borrow().props.get_str(name).is_some();
        if action == PathAction::Unset && rest.is_empty() {
            if exists {
                // A declared property's slot becomes unset (reads call `__get`; a later
                // write puts it back in its place).
                let old = o.borrow_mut().props.remove(&ArrayKey::Str(name.clone()));
                drop(old);
            } else if let Some(m) = self
                .find_method(&class, b"__unset")
                .filter(|_| !self.magic_guarded(o, name, MagicGuard::UNSET))
            {
                let target = self.method_target(m, Some(o.clone()), class.clone());
                let args = vec![Value::Str(name.clone())];
                self.call_magic(o, name, MagicGuard::UNSET, target, args)?;
            }
            return Ok(Value::Null);
        }
        // A missing or unset property of a class with `__get`, modified in place
        // (`$o->p++`, `$o->p .= x`, `$o->p[] = x`): PHP finds no slot to write through
        // (`zend_std_get_property_ptr_ptr` gives NULL), so it reads with `__get` and, for
        // `op=`/`++`/`--`, writes the result back as an assignment (`__set` when there is
        // one); a nested write changes `__get`'s result only ("Indirect modification").
        if !exists
            && (reads_old_value(action) || !rest.is_empty())
            && !self.magic_guarded(o, name, MagicGuard::GET)
        {
            if let Some(g) = self.find_method(&class, b"__get") {
                let target = self.method_target(g, Some(o.clone()), class.clone());
                let args = vec![Value::Str(name.clone())];
                let mut cur = self.call_magic(o, name, MagicGuard::GET, target, args)?;
                if rest.is_empty() {
                    let mut cur = cur.deref_clone();
                    let out = self.write_walk(&mut cur, &[], action, val, None)?;
                    self.write_prop(o, name, &[], PathAction::Assign, Some(cur))?;
                    return Ok(out);
                }
                if !matches!(cur, Value::Ref(_) | Value::Object(_)) {
                    let msg = format!(
                        "Indirect modification of overloaded property {}::${} has no effect",
                        class.display_name(),
                        name.to_string_lossy()
                    );
                    self.raise(ErrorLevel::Notice, &msg)?;
                }
                return self.write_walk(&mut cur, rest, action, val, None);
            }
        }
        if !exists {
            if let Some(m) = self.find_method(&class, b"__set") {
                if rest.is_empty()
                    && action == PathAction::Assign
                    && !self.magic_guarded(o, name, MagicGuard::SET)
                {
                    let v = val.unwrap_or(Value::Null);
                    let target = self.method_target(m, Some(o.clone()), class.clone());
                    let args = vec![Value::Str(name.clone()), v.clone()];
                    self.call_magic(o, name, MagicGuard::SET, target, args)?;
                    return Ok(v);
                }
            }
            if decl.is_none() && !super::class::rt(&class).allows_dynamic_props {
                let msg = format!(
                    "Creation of dynamic property {}::${} is deprecated",
                    class.display_name(),
                    name.to_string_lossy()
                );
                self.raise(ErrorLevel::Deprecated, &msg)?;
            }
        }
        // `op=`, `++` and `--` on a typed property: the old value must be initialized, and
        // the result is checked (coerced) as an assignment is (PHP's
        // `zend_binary_assign_op_typed_prop`, `zend_incdec_typed_prop`).
        if rest.is_empty() && exists && reads_old_value(action) {
            if let Some(ty) = super::class::rt(&class).prop_types.get(name).cloned() {
                return self.typed_prop_rmw(o, &class, decl.as_ref(), name, &ty, action, val);
            }
        }
        // Typed property assignment coerces the value.
        let val = match (
            action,
            rest.is_empty(),
            super::class::rt(&class).prop_types.get(name),
        ) {
            (PathAction::Assign, true, Some(ty)) => {
                let v = val.unwrap_or(Value::Null);
                if ty.accepts_exactly(&v) {
                    Some(v)
                } else {
                    let ty = ty.clone();
                    let declaring = decl.as_ref().map_or(&class.name, |d| &d.declaring_class);
                    Some(self.coerce_prop(declaring, name, &ty, v)?)
                }
            }
            _ => val,
        };
        let key = ArrayKey::Str(name.clone());
        let mut cur = {
            let mut d = o.borrow_mut();
            match d.props.get_mut(&key) {
                Some(slot) => std::mem::take(slot),
                None => Value::Undef,
            }
        };
        if !exists && rest.is_empty() && reads_old_value(action) {
            self.warn_undefined_prop(&class.name, name)?;
        }
        let out = self.write_walk(&mut cur, rest, action, val, None);
        let mut d = o.borrow_mut();
        match d.props.get_mut(&key) {
            Some(slot) => *slot = cur,
            None => d.props.insert(key, cur),
        }
        out
    }
}

impl Vm {
    /// Enforces `readonly` (and enum properties, which are all readonly, and enums' ban on
    /// dynamic properties) before a write through property `name`.
    fn check_readonly_write(
        &mut self,
        o: &super::super::object::Obj,
        class: &std::rc::Rc<super::super::object::Class>,
        decl: Option<&super::super::object::PropDecl>,
        name: &PhpStr,
        direct: bool,
        action: PathAction,
    ) -> PhpResult<()> {
        // The common cases: a writable declared property, a dynamic one on a plain class.
        if !class.is_enum
            && match decl {
                Some(d) => !d.is_readonly,
                None => !super::class::is_readonly_class(class),
            }
        {
            return Ok(());
        }
        let cname = class.display_name();
        let pname = name.to_string_lossy();
        if class.is_enum {
            if name.as_bytes() == b"name" || name.as_bytes() == b"value" {
                return Err(Fault::error(
                    "Error",
                    format!("Cannot modify readonly property {cname}::${pname}"),
                ));
            }
            if o.borrow().props.get_str(name).is_none() {
                return Err(Fault::error(
                    "Error",
                    format!("Cannot create dynamic property {cname}::${pname}"),
                ));
            }
        }
        let Some(decl) = decl.filter(|d| d.is_readonly) else {
            if decl.is_none()
                && super::class::is_readonly_class(class)
                && o.borrow().props.get_str(name).is_none()
            {
                return Err(Fault::error(
                    "Error",
                    format!("Cannot create dynamic property {cname}::${pname}"),
                ));
            }
            return Ok(());
        };
        let initialized = o
            .borrow()
            .props
            .get_str(name)
            .is_some_and(|v| !matches!(v, Value::Undef));
        if initialized {
            let verb = if action == PathAction::Unset && direct {
                "unset"
            } else {
                "modify"
            };
            return Err(Fault::error(
                "Error",
                format!("Cannot {verb} readonly property {cname}::${pname}"),
            ));
        }
        let scope = self.frames.last().and_then(|f| f.scope.clone());
        let in_scope = scope
            .as_ref()
            .is_some_and(|s| s.name == decl.declaring_class);
        if !in_scope {
            let verb = if action == PathAction::Unset && direct {
                "unset"
            } else {
                "initialize"
            };
            let from = match &scope {
                Some(s) => format!("scope {}", s.display_name()),
                None => "global scope".to_string(),
            };
            return Err(Fault::error(
                "Error",
                format!("Cannot {verb} readonly property {cname}::${pname} from {from}"),
            ));
        }
        if !direct && action != PathAction::Unset {
            return Err(Fault::error(
                "Error",
                format!("Cannot modify readonly property {cname}::${pname}"),
            ));
        }
        Ok(())
    }
}

/// The reference to bind with `=&`: `$a = &f()` where `f` returned a plain value binds
/// to a fresh reference holding it.
fn as_reference(val: Option<Value>) -> Value {
    match val {
        Some(Value::Ref(r)) => Value::Ref(r),
        Some(other) => Value::Ref(Value::new_ref(other)),
        None => Value::Ref(Value::new_ref(Value::Null)),
    }
}

/// Actions that act on a location as such (bind or unbind a reference) rather than on
/// the value stored there.
fn binds_location(action: PathAction) -> bool {
    matches!(
        action,
        PathAction::GetRef | PathAction::AssignRef | PathAction::Unset
    )
}

fn reads_old_value(action: PathAction) -> bool {
    matches!(
        action,
        PathAction::AssignOp(_)
            | PathAction::PreInc
            | PathAction::PostInc
            | PathAction::PreDec
            | PathAction::PostDec
    ) && !matches!(action, PathAction::AssignOp(BinOp::Coalesce))
}

fn next_element_occupied() -> Fault {
    Fault::error(
        "Error",
        "Cannot add element to the array as the next element is already occupied",
    )
}

/// The type word in "Trying to access array offset on value of type X".
fn scalar_type_word(v: &Value) -> &'static str {
    match v {
        Value::Null | Value::Undef => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        _ => "unknown",
    }
}

#[allow(dead_code)]
fn _unused(_: PhpArray) {}
