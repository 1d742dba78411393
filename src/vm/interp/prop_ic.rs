//! `PropGet`/`PropSet`: `$obj->name` and `$this->name` reads and writes with a constant name,
//! behind a per-instruction inline cache (`props::PropIc`).
//!
//! The cached case is an object of the class the site saw last, accessed from the same
//! scope, whose slot is live: a read is a class compare and a slot load; a write stores a
//! value the property's type takes as it is. Everything else (first access, another class,
//! unset or uninitialized slots, `__get`/`__set`, references, readonly properties, type
//! coercion and errors, non-objects) runs the `PathOp` code (`path::prop_op_value`) and then
//! records the property's slot when that code found an accessible declared property.

use std::rc::Rc;

use super::super::ast::BinOp;
use super::super::bytecode::{Func, Operand, PathAction, PropObj, PropSite, Special};
use super::super::coerce::value_kind_bit;
use super::super::error::{Fault, PhpResult};
use super::super::object::Obj;
use super::super::value::{PhpStr, Value};
use super::Vm;

/// `value_kind_bit` of objects.
const OBJECT_BIT: u16 = 1 << 7;

impl Vm {
    /// The object a cached access works on (`None`: not an object, or no `$this`), and
    /// the calling scope's address.
    #[inline(always)]
    fn ic_target(&self, base: usize, obj: PropObj) -> Option<(&Obj, usize)> {
        let frame = self.frames.last()?;
        let o = match obj {
            PropObj::This => frame.this.as_ref()?,
            PropObj::Reg(r) => match self.stack.get(base + r as usize)? {
                Value::Object(o) => o,
                _ => return None,
            },
        };
        let scope = frame.scope.as_ref().map_or(0, |c| Rc::as_ptr(c) as usize);
        Some((o, scope))
    }

    /// `PropGet` through the inline cache; `None` when it does not apply.
    #[inline(always)]
    pub(crate) fn prop_get_cached(
        &self,
        func: &Func,
        base: usize,
        obj: PropObj,
        site: u32,
    ) -> Option<Value> {
        let ic = &func.prop_sites.get(site as usize)?.ic;
        let (o, scope) = self.ic_target(base, obj)?;
        let d = o.0.try_borrow().ok()?;
        let pos = ic.lookup(
            Rc::as_ptr(&d.class) as usize,
            scope,
            Rc::as_ptr(d.props.layout()) as usize,
        )?;
        match d.props.slot(pos)? {
            Value::Undef => None,
            Value::Ref(r) => Some(r.borrow().clone()),
            v => Some(v.clone()),
        }
    }

    /// `PropSet` through the inline cache: the result for `dst`, or `None` (nothing
    /// written) when it does not apply.
    #[inline(always)]
    pub(crate) fn prop_set_cached(
        &self,
        func: &Func,
        base: usize,
        obj: PropObj,
        site: u32,
        action: PathAction,
        val: Option<&Value>,
    ) -> Option<Value> {
        let ic = &func.prop_sites.get(site as usize)?.ic;
        let (o, scope) = self.ic_target(base, obj)?;
        if action == PathAction::Assign {
            let v = val?;
            let bit = value_kind_bit(v);
            // The type check of an object may borrow objects (the target among them): done
            // before the target is borrowed for writing.
            if ic.write_mask() & bit == 0 && !(bit == OBJECT_BIT && ic.type_accepts(v)) {
                return None;
            }
            let old = {
                let mut d = o.0.try_borrow_mut().ok()?;
                let pos = ic.lookup(
                    Rc::as_ptr(&d.class) as usize,
                    scope,
                    Rc::as_ptr(d.props.layout()) as usize,
                )?;
                // An unset slot is not this case (`__set` may apply); an uninitialized one is.
                let cell = d.props.value_at_live_mut(pos)?;
                if matches!(cell, Value::Ref(_)) {
                    return None;
                }
                std::mem::replace(cell, v.clone())
            };
            // The old value is dropped after the object's borrow ended.
            drop(old);
            return Some(v.clone());
        }
        let mut d = o.0.try_borrow_mut().ok()?;
        let pos = ic.lookup(
            Rc::as_ptr(&d.class) as usize,
            scope,
            Rc::as_ptr(d.props.layout()) as usize,
        )?;
        let mask = ic.write_mask();
        let cell = d.props.slot_mut(pos)?;
        let (new, result) = match action {
            PathAction::AssignOp(op) => {
                let rhs = val?;
                // `.=` on a string appends in place (copying only a shared buffer).
                if let (BinOp::Concat, Value::Str(cur), Value::Str(r)) = (op, &mut *cell, rhs) {
                    if mask & value_kind_bit(rhs) == 0 {
                        return None;
                    }
                    cur.make_mut().extend_from_slice(r);
                    return Some(cell.clone());
                }
                let new = super::fast_binary(op, cell, rhs)?;
                (new.clone(), new)
            }
            PathAction::PreInc | PathAction::PostInc | PathAction::PreDec | PathAction::PostDec => {
                let inc = matches!(action, PathAction::PreInc | PathAction::PostInc);
                let new = match *cell {
                    Value::Int(i) => Value::Int(if inc {
                        i.checked_add(1)?
                    } else {
                        i.checked_sub(1)?
                    }),
                    Value::Float(f) => Value::Float(if inc { f + 1.0 } else { f - 1.0 }),
                    _ => return None,
                };
                let result = match action {
                    PathAction::PreInc | PathAction::PreDec => new.clone(),
                    _ => cell.clone(),
                };
                (new, result)
            }
            _ => return None,
        };
        // Scalars only here: no destructor can be due, and the type check needs no borrow.
        if mask & value_kind_bit(&new) == 0 {
            return None;
        }
        *cell = new;
        Some(result)
    }

    /// The name of a property site (a string constant; `unit_codec` checks loaded units).
    fn site_name<'f>(func: &'f Func, site: u32) -> PhpResult<(&'f PropSite, &'f PhpStr)> {
        let s = func.prop_sites.get(site as usize);
        match s.map(|s| (s, func.consts.get(s.name as usize))) {
            Some((s, Some(Value::Str(name)))) => Ok((s, name)),
            _ => Err(Fault::fatal("malformed property instruction")),
        }
    }

    /// The object operand of a property instruction, as the `PathOp` code reads it.
    fn prop_obj_value(&mut self, func: &Func, base: usize, obj: PropObj) -> PhpResult<Value> {
        match obj {
            PropObj::This => self.load_special(Special::This),
            PropObj::Reg(r) => self.read(func, base, Operand::slot(r)),
        }
    }

    /// `PropGet` without the cache (then filling it).
    #[inline(never)]
    pub(crate) fn prop_get_slow(
        &mut self,
        func: &Func,
        base: usize,
        obj: PropObj,
        site: u32,
    ) -> PhpResult<Value> {
        let (s, name) = Self::site_name(func, site)?;
        let o = self.prop_obj_value(func, base, obj)?;
        let v = self.prop_op_value(o.clone(), name, PathAction::Fetch, &None)?;
        self.prop_ic_fill(s, &o, name);
        Ok(v)
    }

    /// `PropSet` without the cache (then filling it).
    #[inline(never)]
    pub(crate) fn prop_set_slow(
        &mut self,
        func: &Func,
        base: usize,
        obj: PropObj,
        site: u32,
        action: PathAction,
        val: Option<Value>,
    ) -> PhpResult<Value> {
        let (s, name) = Self::site_name(func, site)?;
        let o = self.prop_obj_value(func, base, obj)?;
        let v = self.prop_op_value(o.clone(), name, action, &val)?;
        self.prop_ic_fill(s, &o, name);
        Ok(v)
    }

    /// Records where `name` lives in `obj` for the site, when it is a declared property
    /// accessible from the running scope (the conditions of `Vm::prop_cache`).
    fn prop_ic_fill(&self, site: &PropSite, obj: &Value, name: &PhpStr) {
        let Value::Object(o) = obj else {
            return;
        };
        let Ok(d) = o.0.try_borrow() else {
            return;
        };
        let (Some(decl), Some(pos)) = (d.class.prop_decl(name), d.props.layout().slot_of(name))
        else {
            return;
        };
        if decl.is_static
            || !(decl.visibility == super::super::ast::Visibility::Public
                || self.can_access(&d.class, decl))
        {
            return;
        }
        let ty = super::class::rt(&d.class)
            .prop_types
            .get(name.as_bytes())
            .cloned();
        let scope = self.frames.last().and_then(|f| f.scope.as_ref());
        site.ic
            .fill(&d.class, scope, d.props.layout(), pos, ty, decl.is_readonly);
    }
}
