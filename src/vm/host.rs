//! `Host`: what built-in functions and value operations may ask of the running engine.
//!
//! Builtins and the slow paths of operators need a few services from the interpreter:
//! printing (through output buffering), raising warnings and notices (which may call a user
//! error handler that throws), calling PHP callables, converting objects to strings through
//! `__toString`, creating objects, and reading ini settings. They get them through this
//! trait, so they can be written and unit-tested without the interpreter (see `TestHost`).

use std::cell::Cell;

use super::array::PhpArray;
use super::error::{ErrorLevel, PhpResult};
use super::object::Obj;
use super::value::{PhpStr, Value};

thread_local! {
    static INI_GENERATION: Cell<u64> = const { Cell::new(0) };
}

/// A counter bumped whenever an ini setting changes on this thread (and when a request
/// starts), so builtins may cache what they derive from ini values (PCRE's limits) and
/// re-read them only when it moves.
pub fn ini_generation() -> u64 {
    INI_GENERATION.with(Cell::get)
}

/// Notes that an ini setting changed (see `ini_generation`).
pub fn note_ini_change() {
    INI_GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
}

/// Services of the running engine available to builtins.
pub trait Host {
    /// Writes program output (goes through `ob_*` buffering).
    fn echo(&mut self, bytes: &[u8]);

    /// Raises a diagnostic at the current line, e.g.
    /// `host.raise(ErrorLevel::Warning, "Undefined array key 5")`. The interpreter prints
    /// it as PHP does (`\nWarning: Undefined array key 5 in /f.php on line 3\n`), honours
    /// `error_reporting` and `@`, or calls the user's error handler, which may throw: hence
    /// the `PhpResult`.
    fn raise(&mut self, level: ErrorLevel, msg: &str) -> PhpResult<()>;

    /// Calls a PHP callable (closure, function name string, `[obj, 'method']`,
    /// `'Class::method'`, invokable object) with `args`. Arguments that the callee takes by
    /// reference must be passed as `Value::Ref`.
    fn call(&mut self, callable: &Value, args: &[Value]) -> PhpResult<Value>;

    /// `call` for a caller that is done with `args`: the callee may take the values
    /// (leaving `Value::Null`) instead of copying them, so a value handed on (an
    /// `array_reduce` accumulator) stays unshared.
    fn call_moving(&mut self, callable: &Value, args: &mut [Value]) -> PhpResult<Value> {
        self.call(callable, args)
    }

    /// Whether `callable` can be called (`is_callable` semantics, without autoloading
    /// side effects beyond what PHP does).
    fn is_callable(&mut self, callable: &Value) -> bool;

    /// Converts any value to a string as PHP's `(string)` does: objects through
    /// `__toString` (or an `Error` "Object of class X could not be converted to string"),
    /// arrays to `"Array"` with the "Array to string conversion" warning.
    fn to_str(&mut self, v: &Value) -> PhpResult<PhpStr>;

    /// Calls method `name` on `obj` if it exists (`Ok(None)` when it does not).
    fn call_method(&mut self, obj: &Obj, name: &[u8], args: &[Value]) -> PhpResult<Option<Value>>;

    /// Creates an object of class `class_name` with the given properties, without running a
    /// constructor (e.g. `stdClass` for `json_decode`).
    fn new_object(&mut self, class_name: &[u8], props: PhpArray) -> PhpResult<Obj>;

    /// The current value of an ini setting (`None` if unknown).
    fn ini_get(&self, name: &[u8]) -> Option<PhpStr>;

    /// Sets an ini setting, returning the old value (`None` if unknown or not settable).
    fn ini_set(&mut self, name: &[u8], value: PhpStr) -> Option<PhpStr>;

    /// Whether the calling file has `declare(strict_types=1)`.
    fn strict_types(&self) -> bool;

    /// Fails with the pending limit fault (`max_execution_time`, `memory_limit`) if
    /// one is up: long-running builtins call it inside their loops.
    fn check_limits(&mut self) -> PhpResult<()> {
        Ok(())
    }

    /// Fails with PHP's `memory_limit` fatal error if a string of `len` bytes would not
    /// fit: builtins call it before building a large string.
    fn check_string_alloc(&mut self, _len: usize) -> PhpResult<()> {
        Ok(())
    }

    /// Fails with PHP's `memory_limit` fatal error if `size` more bytes would not fit
    /// (arrays built at a known size: `range`, `array_fill`).
    fn check_alloc(&mut self, _size: usize) -> PhpResult<()> {
        Ok(())
    }

    /// The interpreter itself, for the few engine-level builtins (`function_exists`,
    /// `ob_start`, `define`, ...) that need more than this trait. `None` in unit tests.
    fn engine(&mut self) -> Option<&mut super::interp::Vm> {
        None
    }
}

/// A `Host` for unit tests: collects output and diagnostics, calls nothing.
#[cfg(test)]
#[derive(Default)]
pub struct TestHost {
    pub out: Vec<u8>,
    pub diags: Vec<(ErrorLevel, String)>,
    pub ini: std::collections::HashMap<Vec<u8>, PhpStr>,
}

#[cfg(test)]
impl Host for TestHost {
    fn echo(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    fn raise(&mut self, level: ErrorLevel, msg: &str) -> PhpResult<()> {
        self.diags.push((level, msg.to_string()));
        Ok(())
    }

    fn call(&mut self, _callable: &Value, _args: &[Value]) -> PhpResult<Value> {
        Err(super::error::Fault::fatal("TestHost cannot call PHP code"))
    }

    fn is_callable(&mut self, _callable: &Value) -> bool {
        false
    }

    fn to_str(&mut self, v: &Value) -> PhpResult<PhpStr> {
        match v.deref_clone() {
            Value::Array(_) => {
                self.raise(ErrorLevel::Warning, "Array to string conversion")?;
                Ok(PhpStr::from("Array"))
            }
            Value::Object(_) => Err(super::error::Fault::error(
                "Error",
                "TestHost cannot convert objects",
            )),
            other => Ok(other.scalar_to_str()),
        }
    }

    fn call_method(
        &mut self,
        _obj: &Obj,
        _name: &[u8],
        _args: &[Value],
    ) -> PhpResult<Option<Value>> {
        Ok(None)
    }

    fn new_object(&mut self, _class_name: &[u8], _props: PhpArray) -> PhpResult<Obj> {
        Err(super::error::Fault::fatal("TestHost cannot create objects"))
    }

    fn ini_get(&self, name: &[u8]) -> Option<PhpStr> {
        self.ini.get(name).cloned()
    }

    fn ini_set(&mut self, name: &[u8], value: PhpStr) -> Option<PhpStr> {
        note_ini_change();
        self.ini.insert(name.to_vec(), value)
    }

    fn strict_types(&self) -> bool {
        false
    }
}
