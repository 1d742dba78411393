//! Generators: a call to a generator function returns a `Generator` object holding a
//! suspended frame (its registers saved off the stack). Resuming pushes the frame back as a
//! stop frame and runs until the next `yield` (which leaves the frame on the stack and
//! records what was yielded) or `return`. `yield from` delegates to an array, a Traversable
//! or another generator, whose state lives in the outer generator between resumes.

use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::error::{Fault, PhpResult};
use super::super::object::{Class, Obj};
use super::super::value::Value;
use super::{Frame, Vm};

/// Where a generator is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GenState {
    /// Created, body not entered yet.
    NotStarted,
    /// Stopped at a `yield`.
    Suspended,
    /// Its frame is on the stack right now.
    Running,
    /// Returned or threw.
    Finished,
}

/// What `yield from` is delegating to.
pub(crate) enum Delegate {
    /// An array being walked by position.
    Array { arr: Rc<PhpArray>, pos: usize },
    /// An inner generator.
    Generator { obj: Obj, started: bool },
    /// Any other Traversable, collected up front.
    Items {
        items: Vec<(Value, Value)>,
        pos: usize,
    },
}

/// Native state of a `Generator` object.
pub(crate) struct GeneratorData {
    pub state: GenState,
    /// The suspended frame (its `base` is meaningless while suspended).
    pub frame: Option<Frame>,
    /// Saved registers of the frame.
    pub regs: Vec<Value>,
    pub key: Value,
    pub value: Value,
    /// Register receiving the value of the `yield` expression on resume.
    pub yield_dst: Option<u32>,
    /// Next automatic integer key.
    pub auto_key: i64,
    pub return_value: Value,
    pub delegate: Option<Delegate>,
    /// Whether the generator advanced past its first yield (rewind is then an error).
    pub advanced: bool,
}

/// What a `yield` left for the resumer.
pub(crate) struct YieldInfo {
    pub key: Option<Value>,
    pub value: Value,
    pub dst: Option<u32>,
}

fn gen_data<R>(obj: &Obj, f: impl FnOnce(&mut GeneratorData) -> R) -> PhpResult<R> {
    let mut d = obj.borrow_mut();
    match d
        .internal
        .as_mut()
        .and_then(|i| i.downcast_mut::<GeneratorData>())
    {
        Some(g) => Ok(f(g)),
        None => Err(Fault::error("Error", "Not a generator")),
    }
}

impl Vm {
    /// Turns the frame just pushed for a generator function into a Generator object.
    pub(crate) fn make_generator_from_top_frame(&mut self) -> PhpResult<Value> {
        let frame = self.frames.pop().expect("generator frame");
        let regs = self.take_regs(frame.base);
        let cls = self.lookup_class(b"Generator")?;
        let id = self.alloc_obj_id();
        let obj = Obj::new(cls, PhpArray::new(), id);
        let data = GeneratorData {
            state: GenState::NotStarted,
            frame: Some(frame),
            regs,
            key: Value::Null,
            value: Value::Null,
            yield_dst: None,
            auto_key: 0,
            return_value: Value::Null,
            delegate: None,
            advanced: false,
        };
        obj.borrow_mut().internal = Some(Box::new(data));
        Ok(Value::Object(obj))
    }

    /// Runs the generator until its next yield or its end. `sent` becomes the value of the
    /// pending `yield` expression; `throw` is raised at the yield point instead.
    fn gen_resume(&mut self, obj: &Obj, sent: Value, throw: Option<Value>) -> PhpResult<()> {
        let (frame, regs, dst) = gen_data(obj, |g| {
            if g.state == GenState::Running {
                return Err(Fault::error(
                    "Error",
                    "Cannot resume an already running generator",
                ));
            }
            if g.state == GenState::Finished {
                return Ok(None);
            }
            g.state = GenState::Running;
            Ok(Some((
                g.frame.take(),
                std::mem::take(&mut g.regs),
                g.yield_dst.take(),
            )))
        })??
        .unwrap_or((None, Vec::new(), None));
        let Some(mut frame) = frame else {
            if let Some(e) = throw {
                return Err(Fault::Throw(e));
            }
            return Ok(());
        };
        let base = self.alloc_regs(regs.len());
        for (cell, v) in self.stack[base..].iter_mut().zip(regs) {
            *cell = v;
        }
        frame.base = base;
        frame.stop = true;
        frame.generator = Some(obj.clone());
        if let Some(d) = dst {
            self.stack[base + d as usize] = sent;
        }
        self.frames.push(frame);
        let depth = self.frames.len() - 1;
        let result = match throw {
            Some(e) => match self.handle_fault(Fault::Throw(e)) {
                Ok(()) => self.run(),
                Err(f) => Err(f),
            },
            None => self.run(),
        };
        match result {
            Ok(v) => {
                if let Some(y) = self.pending_yield.take() {
                    let mut frame = self.frames.pop().expect("suspended generator frame");
                    let regs = self.take_regs(frame.base);
                    frame.generator = None;
                    gen_data(obj, |g| {
                        let key = match y.key {
                            Some(k) => {
                                if let Value::Int(i) = k {
                                    if i >= g.auto_key {
                                        g.auto_key = i + 1;
                                    }
                                }
                                k
                            }
                            None => {
                                let k = g.auto_key;
                                g.auto_key += 1;
                                Value::Int(k)
                            }
                        };
                        g.key = key;
                        g.value = y.value;
                        g.yield_dst = y.dst;
                        g.frame = Some(frame);
                        g.regs = regs;
                        g.state = GenState::Suspended;
                    })?;
                } else {
                    gen_data(obj, |g| {
                        g.state = GenState::Finished;
                        g.return_value = v;
                        g.key = Value::Null;
                        g.value = Value::Null;
                    })?;
                }
                Ok(())
            }
            Err(f) => {
                self.drop_frames_above(depth);
                self.pending_yield = None;
                gen_data(obj, |g| {
                    g.state = GenState::Finished;
                    g.key = Value::Null;
                    g.value = Value::Null;
                })?;
                Err(f)
            }
        }
    }

    fn gen_ensure_started(&mut self, obj: &Obj) -> PhpResult<()> {
        if gen_data(obj, |g| g.state == GenState::NotStarted)? {
            self.gen_resume(obj, Value::Null, None)?;
        }
        Ok(())
    }

    /// `yield from` step: produce the next delegated item, or finish with the delegate's
    /// result. Returns `Some(result)` when delegation is over.
    pub(crate) fn yield_from_step(&mut self, src: Value) -> PhpResult<Option<Value>> {
        let gen = self
            .frames
            .last()
            .and_then(|f| f.generator.clone())
            .ok_or_else(|| {
                Fault::error("Error", "Cannot use \"yield from\" outside a generator")
            })?;
        let has = gen_data(&gen, |g| g.delegate.is_some())?;
        if !has {
            let delegate = match src {
                Value::Array(arr) => Delegate::Array { arr, pos: 0 },
                Value::Object(o) if o.class().lc_name.as_bytes() == b"generator" => {
                    Delegate::Generator {
                        obj: o,
                        started: false,
                    }
                }
                Value::Object(o) if o.instance_of(b"traversable") => {
                    let items = self
                        .iterate_to_vec(&Value::Object(o))?
                        .into_iter()
                        .map(|(k, v)| (k.to_value(), v))
                        .collect();
                    Delegate::Items { items, pos: 0 }
                }
                _ => {
                    return Err(Fault::error(
                        "Error",
                        "Can use \"yield from\" only with arrays and Traversables",
                    ))
                }
            };
            gen_data(&gen, |g| g.delegate = Some(delegate))?;
        }
        let mut delegate = gen_data(&gen, |g| g.delegate.take())?.expect("delegate set above");
        let item = match &mut delegate {
            Delegate::Array { arr, pos } => match arr.next_pos(*pos) {
                Some(p) => {
                    let (k, v) = arr.entry_at(p).expect("live position");
                    *pos = p + 1;
                    Some((k.to_value(), v.deref_clone()))
                }
                None => None,
            },
            Delegate::Items { items, pos } => {
                let it = items.get(*pos).cloned();
                *pos += 1;
                it
            }
            Delegate::Generator { obj, started } => {
                if *started {
                    self.gen_resume(obj, Value::Null, None)?;
                } else {
                    self.gen_ensure_started(obj)?;
                    *started = true;
                }
                let inner = obj.clone();
                gen_data(&inner, |g| {
                    (g.state != GenState::Finished).then(|| (g.key.clone(), g.value.clone()))
                })?
            }
        };
        match item {
            Some((k, v)) => {
                gen_data(&gen, |g| g.delegate = Some(delegate))?;
                self.pending_yield = Some(YieldInfo {
                    key: Some(k),
                    value: v,
                    dst: None,
                });
                Ok(None)
            }
            None => {
                let result = match delegate {
                    Delegate::Generator { obj, .. } => gen_data(&obj, |g| g.return_value.clone())?,
                    _ => Value::Null,
                };
                Ok(Some(result))
            }
        }
    }
}

fn this_gen(this: Option<&Obj>) -> PhpResult<Obj> {
    this.cloned()
        .ok_or_else(|| Fault::error("Error", "Using $this when not in object context"))
}

pub(crate) fn gen_current(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let o = this_gen(this)?;
    vm.gen_ensure_started(&o)?;
    gen_data(&o, |g| g.value.clone())
}

pub(crate) fn gen_key(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let o = this_gen(this)?;
    vm.gen_ensure_started(&o)?;
    gen_data(&o, |g| g.key.clone())
}

pub(crate) fn gen_next(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let o = this_gen(this)?;
    if gen_data(&o, |g| g.state == GenState::NotStarted)? {
        vm.gen_resume(&o, Value::Null, None)?;
    }
    gen_data(&o, |g| g.advanced = true)?;
    vm.gen_resume(&o, Value::Null, None)?;
    Ok(Value::Null)
}

pub(crate) fn gen_valid(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let o = this_gen(this)?;
    vm.gen_ensure_started(&o)?;
    gen_data(&o, |g| Value::Bool(g.state != GenState::Finished))
}

pub(crate) fn gen_rewind(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let o = this_gen(this)?;
    vm.gen_ensure_started(&o)?;
    if gen_data(&o, |g| g.advanced)? {
        return Err(Fault::error(
            "Exception",
            "Cannot rewind a generator that was already run",
        ));
    }
    Ok(Value::Null)
}

pub(crate) fn gen_send(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let o = this_gen(this)?;
    let v = args.first().cloned().unwrap_or(Value::Null);
    vm.gen_ensure_started(&o)?;
    gen_data(&o, |g| g.advanced = true)?;
    vm.gen_resume(&o, v, None)?;
    gen_data(&o, |g| g.value.clone())
}

pub(crate) fn gen_throw(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let o = this_gen(this)?;
    let e = args.first().cloned().unwrap_or(Value::Null);
    vm.gen_ensure_started(&o)?;
    vm.gen_resume(&o, Value::Null, Some(e))?;
    gen_data(&o, |g| g.value.clone())
}

pub(crate) fn gen_get_return(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let o = this_gen(this)?;
    let (finished, v) = gen_data(&o, |g| {
        (g.state == GenState::Finished, g.return_value.clone())
    })?;
    if !finished {
        return Err(Fault::error(
            "Exception",
            "Cannot get return value of a generator that hasn't returned",
        ));
    }
    Ok(v)
}

#[allow(dead_code)]
fn _keys(_: ArrayKey) {}
