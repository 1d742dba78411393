//! The `Host` implementation that builtins see: the running `Vm`.

use super::super::array::PhpArray;
use super::super::error::{ErrorLevel, PhpResult};
use super::super::host::Host;
use super::super::object::Obj;
use super::super::value::{PhpStr, Value};
use super::Vm;

impl Host for Vm {
    fn echo(&mut self, bytes: &[u8]) {
        self.out.write(bytes);
        if self.out.origin_pending {
            self.note_output_origin();
        }
    }

    fn raise(&mut self, level: ErrorLevel, msg: &str) -> PhpResult<()> {
        Vm::raise(self, level, msg)
    }

    fn call(&mut self, callable: &Value, args: &[Value]) -> PhpResult<Value> {
        self.call_value(callable, args)
    }

    fn call_moving(&mut self, callable: &Value, args: &mut [Value]) -> PhpResult<Value> {
        self.call_value_moving(callable, args)
    }

    fn is_callable(&mut self, callable: &Value) -> bool {
        self.resolve_callable(callable).is_ok()
    }

    fn to_str(&mut self, v: &Value) -> PhpResult<PhpStr> {
        self.to_php_str(v)
    }

    fn call_method(&mut self, obj: &Obj, name: &[u8], args: &[Value]) -> PhpResult<Option<Value>> {
        if self.find_method(&obj.class(), name).is_none() {
            return Ok(None);
        }
        self.call_method_value(obj, name, args).map(Some)
    }

    fn new_object(&mut self, class_name: &[u8], props: PhpArray) -> PhpResult<Obj> {
        let cls = self.lookup_class(class_name)?;
        let obj = self.instantiate(&cls)?;
        {
            let mut d = obj.borrow_mut();
            if d.props.is_empty() {
                // No declared properties (stdClass): the table is taken as it is.
                d.props.set_array(props);
            } else {
                for (k, v) in props.iter() {
                    d.props.insert(k, v.clone());
                }
            }
        }
        Ok(obj)
    }

    fn ini_get(&self, name: &[u8]) -> Option<PhpStr> {
        self.ini.get(name).cloned()
    }

    fn ini_set(&mut self, name: &[u8], value: PhpStr) -> Option<PhpStr> {
        let old = self.ini.get(name).cloned()?;
        self.set_ini(name, &value);
        Some(old)
    }

    fn strict_types(&self) -> bool {
        self.frames.last().is_some_and(|f| f.func.strict_types)
    }

    fn check_limits(&mut self) -> PhpResult<()> {
        self.check_interrupt()
    }

    fn check_string_alloc(&mut self, len: usize) -> PhpResult<()> {
        Vm::check_string_alloc(self, len)
    }

    fn check_alloc(&mut self, size: usize) -> PhpResult<()> {
        Vm::check_alloc(self, size)
    }

    fn engine(&mut self) -> Option<&mut Vm> {
        Some(self)
    }
}
