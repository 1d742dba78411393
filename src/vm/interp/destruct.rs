//! `__destruct`: objects whose last handle goes away are queued by `object::Obj`'s `Drop`
//! and their destructors run here at the interpreter's next safe point (before output,
//! calls and after returns, so that their effects appear where PHP shows them). At the end
//! of the request the globals are destroyed in PHP's order (reverse declaration order,
//! objects held only by the global first, repeated until nothing changes), then every
//! object still owing a destructor gets it in creation-handle order.

use super::super::error::{Fault, PhpResult};
use super::super::object::{self, Held, Obj};
use super::super::value::Value;
use super::Vm;

/// Reports to the cycle collector what closures and suspended generators hold: a closure's
/// bound variables and `$this`, a generator's saved registers, `$this`, current key and
/// value, return value and delegate; the SPL data structures report their elements
/// (`spl::scan_native`). Anything else native counts as an outside reference.
fn scan_native(native: &dyn std::any::Any, f: &mut dyn FnMut(Held<'_>)) {
    if super::spl::scan_native(native, f) {
        return;
    }
    if let Some(c) = native.downcast_ref::<super::class::ClosureData>() {
        c.bound.iter().for_each(|v| f(Held::Value(v)));
        if let Some(t) = &c.this {
            f(Held::Obj(t));
        }
        match &c.target {
            Some(super::call::CallTarget::User { this, closure, .. }) => {
                for o in [this, closure].into_iter().flatten() {
                    f(Held::Obj(o));
                }
            }
            Some(super::call::CallTarget::Native { this: Some(t), .. }) => f(Held::Obj(t)),
            _ => {}
        }
    } else if let Some(g) = native.downcast_ref::<super::generator::GeneratorData>() {
        // A running generator's registers are on the VM stack; it is reachable from there.
        g.regs.iter().for_each(|v| f(Held::Value(v)));
        for v in [&g.key, &g.value, &g.return_value] {
            f(Held::Value(v));
        }
        if let Some(fr) = &g.frame {
            if let Some(t) = &fr.this {
                f(Held::Obj(t));
            }
            for o in [&fr.closure, &fr.generator].into_iter().flatten() {
                f(Held::Obj(o));
            }
            if let Some(ext) = &fr.ext {
                ext.extra_args.iter().for_each(|v| f(Held::Value(v)));
            }
        }
        if let Some(super::generator::Delegate::Generator { obj, .. }) = &g.delegate {
            f(Held::Obj(obj));
        }
    }
}

impl Vm {
    /// Runs the destructors queued since the last safe point (and any they queue in turn).
    /// The first exception a destructor throws is returned after the others have run.
    pub(crate) fn run_pending_destructors(&mut self) -> PhpResult<()> {
        let mut first_err = None;
        if object::gc_due() {
            self.collect_cycles(&mut first_err)?;
        }
        loop {
            let due = object::take_pending_destructs();
            if due.is_empty() {
                break;
            }
            for o in due {
                if let Err(e) = self.call_destructor(&o) {
                    if matches!(e, Fault::Exit(_) | Fault::Fatal(_)) {
                        return Err(e);
                    }
                    first_err.get_or_insert(e);
                }
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Runs the cycle collector; garbage owing destructors gets them called (and is freed
    /// by a later collection). Returns how many objects were freed.
    pub(crate) fn collect_cycles(&mut self, first_err: &mut Option<Fault>) -> PhpResult<usize> {
        let (mut freed, owing) = object::collect_cycles(scan_native);
        let had_owing = !owing.is_empty();
        for o in owing {
            let due = std::mem::replace(&mut o.borrow_mut().needs_destruct, false);
            if due {
                if let Err(e) = self.call_destructor(&o) {
                    if matches!(e, Fault::Exit(_) | Fault::Fatal(_)) {
                        return Err(e);
                    }
                    first_err.get_or_insert(e);
                }
            }
        }
        if had_owing {
            // Destructed garbage that was not resurrected is freed now.
            let (more, _) = object::collect_cycles(scan_native);
            freed += more;
        }
        Ok(freed)
    }

    fn call_destructor(&mut self, o: &Obj) -> PhpResult<()> {
        self.call_method_value(o, b"__destruct", &[]).map(|_| ())
    }

    /// Moves the main script's variables out of its frame (once), so that they outlive it
    /// until the end-of-request destructor pass.
    pub(crate) fn save_globals(&mut self) {
        if !self.saved_globals.is_empty() {
            return;
        }
        let Some(main) = self.frames.first() else {
            return;
        };
        let n = main.func.local_names.len();
        let base = main.base;
        let mut globals: Vec<Value> = Vec::with_capacity(n);
        for i in 0..n {
            if let Some(v) = self.stack.get_mut(base + i) {
                globals.push(std::mem::take(v));
            }
        }
        if let Some(dynv) = self.frames[0].dyn_vars.as_ref() {
            globals.extend(dynv.values().map(|r| Value::Ref(r.clone())));
        }
        self.saved_globals = globals;
    }

    /// The end-of-request destructor pass. Returns an exit status when a destructor ended
    /// the script (`exit`, uncaught exception).
    pub(crate) fn call_end_destructors(&mut self) -> Option<i32> {
        let status = self.end_destructors_inner().err().map(|f| {
            self.unwind_all();
            self.report_fault(f)
        });
        object::set_destructors_done(true);
        self.saved_globals.clear();
        status
    }

    fn end_destructors_inner(&mut self) -> PhpResult<()> {
        self.run_pending_destructors()?;
        let mut globals = std::mem::take(&mut self.saved_globals);
        loop {
            let mut changed = false;
            for i in (0..globals.len()).rev() {
                let sole =
                    matches!(&globals[i], Value::Object(o) if std::rc::Rc::strong_count(&o.0) == 1);
                if sole {
                    drop(std::mem::take(&mut globals[i]));
                    changed = true;
                    self.run_pending_destructors()?;
                }
            }
            if !changed {
                break;
            }
        }
        for o in object::remaining_destructibles() {
            let due = {
                let mut d = o.borrow_mut();
                std::mem::replace(&mut d.needs_destruct, false)
            };
            if due {
                self.call_destructor(&o)?;
                self.run_pending_destructors()?;
            }
        }
        drop(globals);
        Ok(())
    }
}
