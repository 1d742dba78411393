//! Engine-level builtins: functions that need the interpreter itself (function and class
//! tables, constants, output buffering, error handlers, object introspection), reached
//! through `Host::engine`.

use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::host::Host;
use super::super::interp::output::OutputBuffer;
use super::super::interp::Vm;
use super::super::object::Obj;
use super::super::value::{PhpStr, Value};
use super::args::{bool_or, int_or, opt, str_at};
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "function_exists",
        sig: "string $function",
        func: function_exists,
    },
    BuiltinDef {
        name: "is_callable",
        sig: "mixed $value, bool $syntax_only = false, &$callable_name = null",
        func: is_callable,
    },
    BuiltinDef {
        name: "call_user_func",
        sig: "callable $callback, mixed ...$args",
        func: call_user_func,
    },
    BuiltinDef {
        name: "call_user_func_array",
        sig: "callable $callback, array $args",
        func: call_user_func_array,
    },
    BuiltinDef {
        name: "define",
        sig: "string $constant_name, mixed $value, bool $case_insensitive = false",
        func: define,
    },
    BuiltinDef {
        name: "defined",
        sig: "string $constant_name",
        func: defined,
    },
    BuiltinDef {
        name: "constant",
        sig: "string $name",
        func: constant,
    },
    BuiltinDef {
        name: "ob_start",
        sig: "$callback = null, int $chunk_size = 0, int $flags = PHP_OUTPUT_HANDLER_STDFLAGS",
        func: ob_start,
    },
    BuiltinDef {
        name: "ob_get_clean",
        sig: "",
        func: ob_get_clean,
    },
    BuiltinDef {
        name: "ob_get_contents",
        sig: "",
        func: ob_get_contents,
    },
    BuiltinDef {
        name: "ob_get_flush",
        sig: "",
        func: ob_get_flush,
    },
    BuiltinDef {
        name: "ob_end_clean",
        sig: "",
        func: ob_end_clean,
    },
    BuiltinDef {
        name: "ob_end_flush",
        sig: "",
        func: ob_end_flush,
    },
    BuiltinDef {
        name: "ob_clean",
        sig: "",
        func: ob_clean,
    },
    BuiltinDef {
        name: "ob_flush",
        sig: "",
        func: ob_flush,
    },
    BuiltinDef {
        name: "ob_get_level",
        sig: "",
        func: ob_get_level,
    },
    BuiltinDef {
        name: "ob_get_length",
        sig: "",
        func: ob_get_length,
    },
    BuiltinDef {
        name: "ob_implicit_flush",
        sig: "bool $enable = true",
        func: ob_implicit_flush,
    },
    BuiltinDef {
        name: "flush",
        sig: "",
        func: flush,
    },
    BuiltinDef {
        name: "error_reporting",
        sig: "?int $error_level = null",
        func: error_reporting,
    },
    BuiltinDef {
        name: "ini_get",
        sig: "string $option",
        func: ini_get,
    },
    BuiltinDef {
        name: "ini_set",
        sig: "string $option, string|int|float|bool|null $value",
        func: ini_set,
    },
    BuiltinDef {
        name: "set_error_handler",
        sig: "?callable $callback, int $error_levels = E_ALL",
        func: set_error_handler,
    },
    BuiltinDef {
        name: "restore_error_handler",
        sig: "",
        func: restore_error_handler,
    },
    BuiltinDef {
        name: "set_exception_handler",
        sig: "?callable $callback",
        func: set_exception_handler,
    },
    BuiltinDef {
        name: "trigger_error",
        sig: "string $message, int $error_level = E_USER_NOTICE",
        func: trigger_error,
    },
    BuiltinDef {
        name: "user_error",
        sig: "string $message, int $error_level = E_USER_NOTICE",
        func: trigger_error,
    },
    BuiltinDef {
        name: "register_shutdown_function",
        sig: "callable $callback, mixed ...$args",
        func: register_shutdown_function,
    },
    BuiltinDef {
        name: "microtime",
        sig: "bool $as_float = false",
        func: microtime,
    },
    BuiltinDef {
        name: "time",
        sig: "",
        func: time,
    },
    BuiltinDef {
        name: "hrtime",
        sig: "bool $as_number = false",
        func: hrtime,
    },
    BuiltinDef {
        name: "php_sapi_name",
        sig: "",
        func: php_sapi_name,
    },
    BuiltinDef {
        name: "phpversion",
        sig: "?string $extension = null",
        func: phpversion,
    },
    BuiltinDef {
        name: "memory_get_usage",
        sig: "bool $real_usage = false",
        func: memory_get_usage,
    },
    BuiltinDef {
        name: "memory_get_peak_usage",
        sig: "bool $real_usage = false",
        func: memory_get_peak_usage,
    },
    BuiltinDef {
        name: "memory_reset_peak_usage",
        sig: "",
        func: memory_reset_peak_usage,
    },
    BuiltinDef {
        name: "gc_collect_cycles",
        sig: "",
        func: gc_collect_cycles,
    },
    BuiltinDef {
        name: "gc_enable",
        sig: "",
        func: gc_noop_void,
    },
    BuiltinDef {
        name: "set_time_limit",
        sig: "int $seconds",
        func: set_time_limit,
    },
    BuiltinDef {
        name: "get_class",
        sig: "object $object = UNKNOWN",
        func: get_class,
    },
    BuiltinDef {
        name: "get_parent_class",
        sig: "object|string $object_or_class = UNKNOWN",
        func: get_parent_class,
    },
    BuiltinDef {
        name: "get_object_vars",
        sig: "object $object",
        func: get_object_vars,
    },
    BuiltinDef {
        name: "method_exists",
        sig: "$object_or_class, string $method",
        func: method_exists,
    },
    BuiltinDef {
        name: "property_exists",
        sig: "$object_or_class, string $property",
        func: property_exists,
    },
    BuiltinDef {
        name: "class_exists",
        sig: "string $class, bool $autoload = true",
        func: class_exists,
    },
    BuiltinDef {
        name: "interface_exists",
        sig: "string $interface, bool $autoload = true",
        func: interface_exists,
    },
    BuiltinDef {
        name: "enum_exists",
        sig: "string $enum, bool $autoload = true",
        func: enum_exists,
    },
    BuiltinDef {
        name: "error_get_last",
        sig: "",
        func: error_get_last,
    },
    BuiltinDef {
        name: "error_clear_last",
        sig: "",
        func: error_clear_last,
    },
    BuiltinDef {
        name: "trait_exists",
        sig: "string $trait, bool $autoload = true",
        func: trait_exists,
    },
    BuiltinDef {
        name: "class_alias",
        sig: "string $class, string $alias, bool $autoload = true",
        func: class_alias,
    },
    BuiltinDef {
        name: "get_class_methods",
        sig: "object|string $object_or_class",
        func: get_class_methods,
    },
    BuiltinDef {
        name: "get_class_vars",
        sig: "string $class",
        func: get_class_vars,
    },
    BuiltinDef {
        name: "spl_autoload_register",
        sig: "?callable $callback = null, bool $throw = true, bool $prepend = false",
        func: spl_autoload_register,
    },
    BuiltinDef {
        name: "spl_autoload_unregister",
        sig: "callable $callback",
        func: spl_autoload_unregister,
    },
    BuiltinDef {
        name: "spl_autoload_functions",
        sig: "",
        func: spl_autoload_functions,
    },
    BuiltinDef {
        name: "spl_autoload_call",
        sig: "string $class",
        func: spl_autoload_call,
    },
    BuiltinDef {
        name: "debug_backtrace",
        sig: "int $options = DEBUG_BACKTRACE_PROVIDE_OBJECT, int $limit = 0",
        func: debug_backtrace,
    },
    BuiltinDef {
        name: "debug_print_backtrace",
        sig: "int $options = 0, int $limit = 0",
        func: debug_print_backtrace,
    },
    BuiltinDef {
        name: "spl_object_id",
        sig: "object $object",
        func: spl_object_id,
    },
    BuiltinDef {
        name: "spl_object_hash",
        sig: "object $object",
        func: spl_object_hash,
    },
    BuiltinDef {
        name: "is_a",
        sig: "mixed $object_or_class, string $class, bool $allow_string = false",
        func: is_a,
    },
    BuiltinDef {
        name: "is_subclass_of",
        sig: "mixed $object_or_class, string $class, bool $allow_string = true",
        func: is_subclass_of,
    },
    BuiltinDef {
        name: "iterator_to_array",
        sig: "Traversable|array $iterator, bool $preserve_keys = true",
        func: iterator_to_array,
    },
    BuiltinDef {
        name: "iterator_count",
        sig: "Traversable|array $iterator",
        func: iterator_count,
    },
    BuiltinDef {
        name: "iterator_apply",
        sig: "Traversable $iterator, callable $callback, ?array $args = null",
        func: iterator_apply,
    },
    BuiltinDef {
        name: "class_implements",
        sig: "$object_or_class, bool $autoload = true",
        func: class_implements,
    },
    BuiltinDef {
        name: "class_parents",
        sig: "$object_or_class, bool $autoload = true",
        func: class_parents,
    },
    BuiltinDef {
        name: "class_uses",
        sig: "$object_or_class, bool $autoload = true",
        func: class_uses,
    },
    BuiltinDef {
        name: "getenv",
        sig: "?string $name = null, bool $local_only = false",
        func: getenv,
    },
    BuiltinDef {
        name: "usleep",
        sig: "int $microseconds",
        func: usleep,
    },
    BuiltinDef {
        name: "sleep",
        sig: "int $seconds",
        func: sleep,
    },
];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("PHP_OUTPUT_HANDLER_STDFLAGS", ConstVal::Int(112)),
    ("PHP_OUTPUT_HANDLER_CLEANABLE", ConstVal::Int(16)),
    ("PHP_OUTPUT_HANDLER_FLUSHABLE", ConstVal::Int(32)),
    ("PHP_OUTPUT_HANDLER_REMOVABLE", ConstVal::Int(64)),
    ("PHP_OUTPUT_HANDLER_START", ConstVal::Int(1)),
    ("PHP_OUTPUT_HANDLER_WRITE", ConstVal::Int(0)),
    ("PHP_OUTPUT_HANDLER_FLUSH", ConstVal::Int(4)),
    ("PHP_OUTPUT_HANDLER_CLEAN", ConstVal::Int(2)),
    ("PHP_OUTPUT_HANDLER_FINAL", ConstVal::Int(8)),
    ("PHP_OUTPUT_HANDLER_CONT", ConstVal::Int(0)),
    ("PHP_OUTPUT_HANDLER_END", ConstVal::Int(8)),
    ("DEBUG_BACKTRACE_PROVIDE_OBJECT", ConstVal::Int(1)),
    ("DEBUG_BACKTRACE_IGNORE_ARGS", ConstVal::Int(2)),
];

fn vm(host: &mut dyn Host) -> PhpResult<&mut Vm> {
    host.engine()
        .ok_or_else(|| Fault::fatal("engine builtin called without an engine"))
}

/// Functions the compiler turns into intrinsics (they need the calling frame) but that PHP
/// declares as ordinary functions, so `function_exists` knows them.
const INTRINSIC_FUNCTIONS: &[&[u8]] = &[
    b"compact",
    b"extract",
    b"get_defined_vars",
    b"func_get_args",
    b"func_num_args",
    b"func_get_arg",
];

fn function_exists(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let bare = name
        .strip_prefix(b"\\")
        .unwrap_or(&name)
        .to_ascii_lowercase();
    if INTRINSIC_FUNCTIONS.contains(&bare.as_slice()) {
        return Ok(Value::Bool(true));
    }
    Ok(Value::Bool(vm(host)?.find_function(&name).is_some()))
}

fn is_callable(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let v = opt(args, 0).cloned().unwrap_or(Value::Null);
    Ok(Value::Bool(host.is_callable(&v)))
}

fn call_user_func(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let callback = args.first().cloned().unwrap_or(Value::Null);
    host.call(&callback, &args[1.min(args.len())..])
}

fn call_user_func_array(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let callback = args.first().cloned().unwrap_or(Value::Null);
    let list = super::args::array_at(args, 1);
    let vm = vm(host)?;
    vm.call_with_array(&callback, &list)
}

fn define(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    if name.windows(2).any(|w| w == b"::") {
        return Err(Fault::error(
            "ValueError",
            "define(): Argument #1 ($constant_name) cannot be a class constant",
        ));
    }
    let value = opt(args, 1).cloned().unwrap_or(Value::Null);
    if bool_or(args, 2, false) {
        host.raise(
            ErrorLevel::Warning,
            "define(): Argument #3 ($case_insensitive) is ignored since declaration of case-insensitive constants is no longer supported",
        )?;
    }
    Ok(Value::Bool(vm(host)?.define_constant(name, value)?))
}

fn defined(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let vm = vm(host)?;
    if let Some(pos) = name.windows(2).position(|w| w == b"::") {
        let Some(class) = vm.find_class(&name[..pos]) else {
            return Ok(Value::Bool(false));
        };
        let c = PhpStr::from(&name[pos + 2..]);
        return Ok(Value::Bool(vm.class_constant(&class, &c).is_ok()));
    }
    Ok(Value::Bool(vm.lookup_constant(&name).is_some()))
}

fn constant(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let vm = vm(host)?;
    if let Some(pos) = name.windows(2).position(|w| w == b"::") {
        let class = vm.lookup_class(&name[..pos])?;
        let c = PhpStr::from(&name[pos + 2..]);
        return vm.class_constant(&class, &c);
    }
    vm.lookup_constant(&name).ok_or_else(|| {
        Fault::error(
            "Error",
            format!("Undefined constant \"{}\"", name.to_string_lossy()),
        )
    })
}

fn ob_start(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let callback = opt(args, 0).filter(|v| !v.is_null()).cloned();
    let chunk = int_or(args, 1, 0).max(0) as usize;
    let vm = vm(host)?;
    vm.out.buffers.push(OutputBuffer {
        data: Vec::new(),
        callback,
        chunk_size: chunk,
        started: false,
    });
    Ok(Value::Bool(true))
}

/// Runs a buffer's callback (if any) over `data` with `mode` flags (plus
/// `PHP_OUTPUT_HANDLER_START` on its first run).
fn filter_buffer(
    vm: &mut Vm,
    buf: &mut OutputBuffer,
    data: Vec<u8>,
    mode: i64,
) -> PhpResult<Vec<u8>> {
    let mode = if buf.started { mode } else { mode | 1 };
    buf.started = true;
    match &buf.callback {
        Some(cb) => {
            let r = vm.call_value(cb, &[Value::str(data.clone()), Value::Int(mode)])?;
            Ok(match r {
                Value::Bool(false) => data,
                other => vm.to_php_str(&other)?.into_vec(),
            })
        }
        None => Ok(data),
    }
}

fn no_buffer(host: &mut dyn Host, what: &str, action: &str) -> PhpResult<Value> {
    let msg = format!("{what}(): Failed to {action} buffer. No buffer to {action}");
    host.raise(ErrorLevel::Notice, &msg)?;
    Ok(Value::Bool(false))
}

fn ob_get_clean(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let vm = vm(host)?;
    match vm.out.buffers.pop() {
        Some(mut buf) => {
            let data = buf.data.clone();
            let _ = filter_buffer(vm, &mut buf, data, 2 | 8)?;
            Ok(Value::str(buf.data))
        }
        None => Ok(Value::Bool(false)),
    }
}

fn ob_get_contents(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let vm = vm(host)?;
    Ok(match vm.out.buffers.last() {
        Some(b) => Value::str(b.data.clone()),
        None => Value::Bool(false),
    })
}

fn ob_get_flush(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let vm = vm(host)?;
    match vm.out.buffers.pop() {
        Some(mut buf) => {
            let data = buf.data.clone();
            let out = filter_buffer(vm, &mut buf, data, 8)?;
            vm.out.write(&out);
            if vm.out.origin_pending {
                vm.note_output_origin();
            }
            Ok(Value::str(buf.data))
        }
        None => no_buffer(host, "ob_get_flush", "delete and flush"),
    }
}

fn ob_end_clean(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    match v.out.buffers.pop() {
        Some(mut buf) => {
            let data = std::mem::take(&mut buf.data);
            let _ = filter_buffer(v, &mut buf, data, 2 | 8)?;
            Ok(Value::Bool(true))
        }
        None => no_buffer(host, "ob_end_clean", "delete"),
    }
}

fn ob_end_flush(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    match v.out.buffers.pop() {
        Some(mut buf) => {
            let data = std::mem::take(&mut buf.data);
            let out = filter_buffer(v, &mut buf, data, 8)?;
            v.out.write(&out);
            if v.out.origin_pending {
                v.note_output_origin();
            }
            Ok(Value::Bool(true))
        }
        None => no_buffer(host, "ob_end_flush", "delete and flush"),
    }
}

fn ob_clean(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    let Some(mut buf) = v.out.buffers.pop() else {
        return no_buffer(host, "ob_clean", "delete");
    };
    // The callback sees the discarded output (clean mode); its result is dropped.
    let data = std::mem::take(&mut buf.data);
    let r = filter_buffer(v, &mut buf, data, 2);
    v.out.buffers.push(buf);
    r?;
    Ok(Value::Bool(true))
}

fn ob_flush(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    let Some(buf) = v.out.buffers.pop() else {
        return no_buffer(host, "ob_flush", "flush");
    };
    let mut buf = buf;
    let data = std::mem::take(&mut buf.data);
    let out = filter_buffer(v, &mut buf, data, 4)?;
    v.out.write(&out);
    if v.out.origin_pending {
        v.note_output_origin();
    }
    v.out.buffers.push(buf);
    Ok(Value::Bool(true))
}

fn ob_get_level(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(vm(host)?.out.buffers.len() as i64))
}

fn ob_get_length(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    Ok(match vm(host)?.out.buffers.last() {
        Some(b) => Value::Int(b.data.len() as i64),
        None => Value::Bool(false),
    })
}

fn ob_implicit_flush(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    // The CLI always flushes implicitly; the setting has no other effect here.
    Ok(Value::Null)
}

fn flush(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    vm(host)?.out.flush();
    // In a web request the bytes go to the client now.
    super::super::web::flush_now();
    Ok(Value::Null)
}

fn error_reporting(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    let old = v.error_reporting;
    if let Some(Value::Int(level)) = opt(args, 0) {
        v.error_reporting = *level;
        v.ini
            .insert(b"error_reporting".to_vec(), PhpStr::from(level.to_string()));
    }
    Ok(Value::Int(old))
}

fn ini_get(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    Ok(match host.ini_get(&name) {
        Some(v) => Value::Str(v),
        None => Value::Bool(false),
    })
}

fn ini_set(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let value = match opt(args, 1) {
        Some(Value::Bool(true)) => PhpStr::from("1"),
        Some(Value::Bool(false)) | Some(Value::Null) | None => PhpStr::new(),
        Some(other) => other.scalar_to_str(),
    };
    if name.as_bytes() == b"memory_limit" {
        if let Some(v) = host.engine() {
            // PHP refuses a limit below what the request already uses (rhvm's own
            // accounting, so the numbers differ from PHP's).
            let new = super::super::limits::parse_memory_limit(value.as_bytes());
            let used = v.lim.memory.used();
            if v.lim.running && new.is_some_and(|n| n < used) {
                let msg = format!(
                    "Failed to set memory limit to {} bytes (Current memory usage is {used} bytes)",
                    new.unwrap_or(0)
                );
                v.raise(ErrorLevel::Warning, &msg)?;
                return Ok(Value::Bool(false));
            }
        }
    }
    Ok(match host.ini_set(&name, value) {
        Some(old) => Value::Str(old),
        None => Value::Bool(false),
    })
}

fn set_error_handler(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    let new = opt(args, 0).filter(|x| !x.is_null()).cloned();
    let old = std::mem::replace(&mut v.error_handler, new);
    v.error_handler_stack.push(old.clone());
    Ok(old.unwrap_or(Value::Null))
}

fn restore_error_handler(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    v.error_handler = v.error_handler_stack.pop().flatten();
    Ok(Value::Bool(true))
}

fn set_exception_handler(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    let new = opt(args, 0).filter(|x| !x.is_null()).cloned();
    let old = std::mem::replace(&mut v.exception_handler, new);
    Ok(old.unwrap_or(Value::Null))
}

fn trigger_error(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let msg = str_at(args, 0);
    let level = match int_or(args, 1, 1024) {
        256 => ErrorLevel::UserError,
        512 => ErrorLevel::UserWarning,
        1024 => ErrorLevel::UserNotice,
        16384 => ErrorLevel::UserDeprecated,
        _ => {
            return Err(Fault::value_error(
                "trigger_error(): Argument #2 ($error_level) must be one of E_USER_ERROR, E_USER_WARNING, E_USER_NOTICE, or E_USER_DEPRECATED",
            ))
        }
    };
    host.raise(level, &msg.to_string_lossy())?;
    if level == ErrorLevel::UserError {
        let v = vm(host)?;
        if v.error_handler.is_none() {
            return Err(Fault::Exit(255));
        }
    }
    Ok(Value::Bool(true))
}

fn register_shutdown_function(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let callback = args.first().cloned().unwrap_or(Value::Null);
    let rest = args.get(1..).map(<[Value]>::to_vec).unwrap_or_default();
    vm(host)?.shutdown_functions.push((callback, rest));
    Ok(Value::Null)
}

fn now() -> std::time::Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

fn microtime(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let d = now();
    if bool_or(args, 0, false) {
        return Ok(Value::Float(d.as_secs_f64()));
    }
    let usec = f64::from(d.subsec_micros()) / 1e6;
    Ok(Value::str(format!("{usec:.8} {}", d.as_secs())))
}

fn time(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(now().as_secs() as i64))
}

fn hrtime(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    use std::sync::OnceLock;
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    let start = *START.get_or_init(std::time::Instant::now);
    // A monotonic clock with an arbitrary origin, as PHP's hrtime.
    let ns = start.elapsed().as_nanos() as i64 + 1_000_000_000;
    if bool_or(args, 0, false) {
        return Ok(Value::Int(ns));
    }
    Ok(Value::array(PhpArray::from_values(vec![
        Value::Int(ns / 1_000_000_000),
        Value::Int(ns % 1_000_000_000),
    ])))
}

fn php_sapi_name(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    Ok(Value::str(host.engine().map_or("cli", |vm| vm.sapi)))
}

fn phpversion(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    match opt(args, 0) {
        Some(Value::Str(_)) => Ok(Value::Bool(false)),
        _ => Ok(Value::str("8.2.36")),
    }
}

/// PHP's allocator hands out memory in 2 MiB chunks; `real_usage` reports whole chunks.
const MEMORY_CHUNK: usize = 2 << 20;

/// Bytes as `memory_get_usage`/`memory_get_peak_usage` report them: the request's own
/// allocations (the engine's accounting, see `vm::limits`), or with `real_usage` rounded
/// up to the whole chunks a PHP heap of that size would hold.
fn memory_report(bytes: usize, args: &[Value]) -> Value {
    let real = args.first().is_some_and(Value::to_bool);
    let n = if real {
        bytes
            .div_ceil(MEMORY_CHUNK)
            .max(1)
            .saturating_mul(MEMORY_CHUNK)
    } else {
        bytes
    };
    Value::Int(n.min(i64::MAX as usize) as i64)
}

fn memory_get_usage(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let used = vm(host)?.lim.memory.used();
    Ok(memory_report(used, args))
}

fn memory_get_peak_usage(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let peak = vm(host)?.lim.memory.peak();
    Ok(memory_report(peak, args))
}

fn memory_reset_peak_usage(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    super::super::limits::reset_peak();
    Ok(Value::Null)
}

fn gc_collect_cycles(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    // Reference counting frees acyclic garbage immediately; this frees object cycles.
    let v = vm(host)?;
    let mut err = None;
    let freed = v.collect_cycles(&mut err)?;
    v.run_pending_destructors()?;
    match err {
        Some(e) => Err(e),
        None => Ok(Value::Int(freed as i64)),
    }
}

fn gc_noop_void(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Null)
}

fn set_time_limit(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let secs = int_or(args, 0, 0);
    host.ini_set(b"max_execution_time", PhpStr::from(secs.to_string()));
    Ok(Value::Bool(true))
}

fn obj_arg(args: &[Value], i: usize) -> Option<Obj> {
    match opt(args, i) {
        Some(Value::Object(o)) => Some(o.clone()),
        _ => None,
    }
}

fn get_class(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    match obj_arg(args, 0) {
        Some(o) => Ok(Value::Str(o.class_name())),
        None => {
            let v = vm(host)?;
            match v.current_scope() {
                Some(c) => Ok(Value::Str(c.name.clone())),
                None => Err(Fault::error(
                    "Error",
                    "get_class() without arguments must be called from within a class",
                )),
            }
        }
    }
}

fn class_of_arg(vm: &mut Vm, v: Option<&Value>) -> Option<Rc<super::super::object::Class>> {
    match v {
        Some(Value::Object(o)) => Some(o.class()),
        Some(Value::Str(s)) => vm.find_class(s),
        _ => None,
    }
}

fn get_parent_class(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    let class = match opt(args, 0) {
        Some(x) => class_of_arg(v, Some(x)),
        None => v.current_scope(),
    };
    Ok(match class.and_then(|c| c.parent.clone()) {
        Some(p) => Value::Str(p.name.clone()),
        None => Value::Bool(false),
    })
}

fn get_object_vars(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let Some(o) = obj_arg(args, 0) else {
        return Ok(Value::Null);
    };
    let v = vm(host)?;
    let class = o.class();
    let mut out = PhpArray::new();
    let d = o.borrow();
    for (k, val) in d.props.iter() {
        if matches!(val, Value::Undef) {
            continue;
        }
        let visible = match &k {
            ArrayKey::Str(n) => class.prop_decl(n).is_none_or(|decl| {
                v.can_access(&class, decl)
                    || decl.visibility == super::super::ast::Visibility::Public
            }),
            ArrayKey::Int(_) => true,
        };
        if visible {
            out.insert(k.clone(), val.deref_clone());
        }
    }
    Ok(Value::array(out))
}

fn method_exists(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    let Some(class) = class_of_arg(v, opt(args, 0)) else {
        return Ok(Value::Bool(false));
    };
    let m = str_at(args, 1);
    Ok(Value::Bool(v.find_method(&class, &m).is_some()))
}

fn property_exists(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    let name = str_at(args, 1);
    if let Some(Value::Object(o)) = opt(args, 0) {
        if o.borrow().props.get_str(&name).is_some() {
            return Ok(Value::Bool(true));
        }
    }
    let Some(class) = class_of_arg(v, opt(args, 0)) else {
        return Ok(Value::Bool(false));
    };
    Ok(Value::Bool(
        class.prop_decl(&name).is_some() || v.has_static_prop(&class, &name),
    ))
}

/// The class named by argument 0, autoloaded when argument 1 (`$autoload`) is true.
fn class_for_exists(
    host: &mut dyn Host,
    args: &[Value],
) -> PhpResult<Option<Rc<super::super::object::Class>>> {
    let name = str_at(args, 0);
    let v = vm(host)?;
    if bool_or(args, 1, true) {
        v.find_class_autoload(&name)
    } else {
        Ok(v.find_class(&name))
    }
}

fn class_exists(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(class_for_exists(host, args)?.is_some_and(
        |c| !c.is_interface && !c.is_trait && !c.is_enum,
    )))
}

fn interface_exists(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(
        class_for_exists(host, args)?.is_some_and(|c| c.is_interface),
    ))
}

fn enum_exists(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(
        class_for_exists(host, args)?.is_some_and(|c| c.is_enum),
    ))
}

fn error_get_last(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    Ok(match &v.last_error {
        None => Value::Null,
        Some((ty, msg, file, line)) => {
            let mut a = PhpArray::new();
            a.insert(ArrayKey::Str(PhpStr::from("type")), Value::Int(*ty));
            a.insert(
                ArrayKey::Str(PhpStr::from("message")),
                Value::Str(msg.clone()),
            );
            a.insert(
                ArrayKey::Str(PhpStr::from("file")),
                Value::Str(file.clone()),
            );
            a.insert(
                ArrayKey::Str(PhpStr::from("line")),
                Value::Int(i64::from(*line)),
            );
            Value::array(a)
        }
    })
}

fn error_clear_last(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    vm(host)?.last_error = None;
    Ok(Value::Null)
}

fn trait_exists(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(
        class_for_exists(host, args)?.is_some_and(|c| c.is_trait),
    ))
}

fn class_alias(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let orig = str_at(args, 0);
    let alias = str_at(args, 1);
    let v = vm(host)?;
    let class = if bool_or(args, 2, true) {
        v.find_class_autoload(&orig)?
    } else {
        v.find_class(&orig)
    };
    let Some(class) = class else {
        let msg = format!("Class \"{}\" not found", orig.to_string_lossy());
        v.raise(ErrorLevel::Warning, &msg)?;
        return Ok(Value::Bool(false));
    };
    if !v.is_user_class(&class) {
        return Err(Fault::error(
            "ValueError",
            "class_alias(): Argument #1 ($class) must be a user-defined class name, internal class name given",
        ));
    }
    let alias = alias.strip_prefix(b"\\").unwrap_or(&alias);
    let lc = alias.to_ascii_lowercase();
    if matches!(
        lc.as_slice(),
        b"bool"
            | b"false"
            | b"float"
            | b"int"
            | b"null"
            | b"parent"
            | b"self"
            | b"static"
            | b"string"
            | b"true"
            | b"void"
            | b"never"
            | b"iterable"
            | b"object"
            | b"mixed"
    ) {
        return Err(Fault::fatal(format!(
            "Cannot use '{}' as class name as it is reserved",
            String::from_utf8_lossy(alias)
        )));
    }
    if v.find_class(alias).is_some() {
        let msg = format!(
            "Cannot declare class {}, because the name is already in use",
            String::from_utf8_lossy(alias)
        );
        v.raise(ErrorLevel::Warning, &msg)?;
        return Ok(Value::Bool(false));
    }
    v.classes.insert(PhpStr::from(lc), class);
    Ok(Value::Bool(true))
}

fn get_class_methods(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    let class = match opt(args, 0) {
        Some(Value::Object(o)) => Some(o.class()),
        Some(Value::Str(s)) => v.find_class_autoload(s)?,
        _ => None,
    };
    let Some(class) = class else {
        let given = match opt(args, 0) {
            Some(Value::Str(_)) => "string",
            _ => "value",
        };
        return Err(Fault::type_error(format!(
            "get_class_methods(): Argument #1 ($object_or_class) must be an object or a valid class name, {given} given"
        )));
    };
    Ok(Value::array(v.class_method_names(&class)))
}

fn get_class_vars(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let v = vm(host)?;
    let Some(class) = v.find_class_autoload(&name)? else {
        return Err(Fault::type_error(format!(
            "get_class_vars(): Argument #1 ($class) must be a valid class name, {} given",
            name.to_string_lossy()
        )));
    };
    Ok(Value::array(v.class_default_vars(&class)?))
}

/// Whether two callables name the same autoloader.
fn same_callable(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x.eq_ignore_ascii_case(y),
        (Value::Object(x), Value::Object(y)) => x.ptr_eq(y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len()
                && x.values()
                    .zip(y.values())
                    .all(|(p, q)| same_callable(&p.deref_clone(), &q.deref_clone()))
        }
        _ => false,
    }
}

fn spl_autoload_register(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    let Some(cb) = opt(args, 0).filter(|c| !matches!(c, Value::Null)).cloned() else {
        // The default autoloader (`spl_autoload`, include path lookups) is not available.
        return Err(Fault::fatal(
            "spl_autoload_register() without a callback (the default spl_autoload) is not supported",
        ));
    };
    if v.autoloaders.iter().any(|l| same_callable(l, &cb)) {
        return Ok(Value::Bool(true));
    }
    if bool_or(args, 2, false) {
        v.autoloaders.insert(0, cb);
    } else {
        v.autoloaders.push(cb);
    }
    Ok(Value::Bool(true))
}

fn spl_autoload_unregister(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    let cb = opt(args, 0).cloned().unwrap_or(Value::Null);
    let before = v.autoloaders.len();
    v.autoloaders.retain(|l| !same_callable(l, &cb));
    Ok(Value::Bool(v.autoloaders.len() != before))
}

fn spl_autoload_functions(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let v = vm(host)?;
    Ok(Value::array(PhpArray::from_values(v.autoloaders.clone())))
}

fn spl_autoload_call(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0);
    vm(host)?.find_class_autoload(&name)?;
    Ok(Value::Null)
}

/// The backtrace of the caller of a builtin, `limit` frames at most (0: all).
fn caller_trace(v: &Vm, with_object: bool, limit: i64) -> PhpArray {
    let full = v.build_trace(with_object);
    if limit <= 0 {
        return full;
    }
    PhpArray::from_values(full.values().take(limit as usize).cloned().collect())
}

fn debug_backtrace(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let options = int_or(args, 0, 1);
    let limit = int_or(args, 1, 0);
    let v = vm(host)?;
    let mut trace = caller_trace(v, options & 1 != 0, limit);
    if options & 2 != 0 {
        let frames: Vec<Value> = trace
            .values()
            .map(|f| match f {
                Value::Array(a) => {
                    let mut a = (**a).clone();
                    a.remove(&ArrayKey::Str(PhpStr::from("args")));
                    Value::array(a)
                }
                other => other.clone(),
            })
            .collect();
        trace = PhpArray::from_values(frames);
    }
    Ok(Value::array(trace))
}

fn debug_print_backtrace(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let options = int_or(args, 0, 0);
    let limit = int_or(args, 1, 0);
    let v = vm(host)?;
    let mut trace = caller_trace(v, false, limit);
    if options & 2 != 0 {
        let frames: Vec<Value> = trace
            .values()
            .map(|f| match f {
                Value::Array(a) => {
                    let mut a = (**a).clone();
                    a.remove(&ArrayKey::Str(PhpStr::from("args")));
                    Value::array(a)
                }
                other => other.clone(),
            })
            .collect();
        trace = PhpArray::from_values(frames);
    }
    let text = super::super::interp::trace_text(&trace);
    host.echo(text.as_bytes());
    Ok(Value::Null)
}

fn spl_object_id(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(obj_arg(args, 0).map_or(0, |o| o.id() as i64)))
}

fn spl_object_hash(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let id = obj_arg(args, 0).map_or(0, |o| o.id());
    Ok(Value::str(format!("{id:032x}")))
}

fn is_a_impl(
    host: &mut dyn Host,
    args: &[Value],
    allow_string_default: bool,
    strict_sub: bool,
) -> PhpResult<Value> {
    let v = vm(host)?;
    let allow_string = bool_or(args, 2, allow_string_default);
    let target = str_at(args, 1).to_ascii_lowercase();
    let target = target
        .strip_prefix(b"\\")
        .map(<[u8]>::to_vec)
        .unwrap_or(target);
    let class = match opt(args, 0) {
        Some(Value::Object(o)) => Some(o.class()),
        Some(Value::Str(s)) if allow_string => v.find_class(s),
        _ => None,
    };
    Ok(Value::Bool(class.is_some_and(|c| {
        if strict_sub && c.lc_name.as_bytes() == target.as_slice() {
            return false;
        }
        c.is_subclass_of(&target)
    })))
}

fn is_a(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    is_a_impl(host, args, false, false)
}

fn is_subclass_of(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    is_a_impl(host, args, true, true)
}

fn iterator_to_array(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let src = opt(args, 0).cloned().unwrap_or(Value::Null);
    let preserve = bool_or(args, 1, true);
    let items = vm(host)?.iterate_to_vec(&src)?;
    let mut out = PhpArray::new();
    for (k, v) in items {
        if preserve {
            out.insert(k, v);
        } else {
            out.push(v);
        }
    }
    Ok(Value::array(out))
}

/// The `Iterator` behind a `Traversable` (following `IteratorAggregate::getIterator`).
fn inner_iterator(vm: &mut Vm, o: &Obj) -> PhpResult<Obj> {
    let mut cur = o.clone();
    for _ in 0..64 {
        if cur.instance_of(b"iterator") {
            return Ok(cur);
        }
        if !cur.instance_of(b"iteratoraggregate") {
            break;
        }
        match vm.call_method_value(&cur, b"getIterator", &[])? {
            Value::Object(next) if next.instance_of(b"traversable") => cur = next,
            _ => {
                return Err(Fault::error(
                    "Exception",
                    format!(
                        "Objects returned by {}::getIterator() must be traversable or implement interface Iterator",
                        cur.class_name().to_string_lossy()
                    ),
                ))
            }
        }
    }
    Err(Fault::error("Error", "iterator has no Iterator behind it"))
}

fn iterator_count(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let vm = vm(host)?;
    match opt(args, 0) {
        Some(Value::Array(a)) => Ok(Value::Int(a.len() as i64)),
        Some(Value::Object(o)) => {
            let it = inner_iterator(vm, o)?;
            let mut n = 0;
            vm.call_method_value(&it, b"rewind", &[])?;
            while vm.call_method_value(&it, b"valid", &[])?.to_bool() {
                n += 1;
                vm.call_method_value(&it, b"next", &[])?;
            }
            Ok(Value::Int(n))
        }
        _ => Ok(Value::Int(0)),
    }
}

fn iterator_apply(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let vm = vm(host)?;
    let Some(Value::Object(o)) = opt(args, 0) else {
        return Ok(Value::Int(0));
    };
    let callback = opt(args, 1).cloned().unwrap_or(Value::Null);
    let extra = match opt(args, 2) {
        Some(Value::Array(a)) => (**a).clone(),
        _ => PhpArray::new(),
    };
    let it = inner_iterator(vm, o)?;
    let mut n = 0;
    vm.call_method_value(&it, b"rewind", &[])?;
    while vm.call_method_value(&it, b"valid", &[])?.to_bool() {
        n += 1;
        if !vm.call_with_array(&callback, &extra)?.to_bool() {
            break;
        }
        vm.call_method_value(&it, b"next", &[])?;
    }
    Ok(Value::Int(n))
}

/// The class an SPL `class_*` function asks about, or its warning and `false`.
fn spl_class_arg(
    vm: &mut Vm,
    args: &[Value],
    func: &str,
) -> PhpResult<Option<Rc<super::super::object::Class>>> {
    match opt(args, 0) {
        Some(Value::Object(o)) => Ok(Some(o.class())),
        Some(Value::Str(name)) => {
            let found = if bool_or(args, 1, true) {
                vm.find_class_autoload(name)?
            } else {
                vm.find_class(name)
            };
            if found.is_none() {
                let how = if bool_or(args, 1, true) {
                    " and could not be loaded"
                } else {
                    ""
                };
                vm.raise(
                    ErrorLevel::Warning,
                    &format!(
                        "{func}(): Class {} does not exist{how}",
                        name.to_string_lossy()
                    ),
                )?;
            }
            Ok(found)
        }
        other => Err(Fault::type_error(format!(
            "{func}(): Argument #1 ($object_or_class) must be of type object|string, {} given",
            other.map_or("null".to_string(), super::super::interp::type_for_error)
        ))),
    }
}

/// `[name => name, ...]` with the classes' declared names.
fn name_map(vm: &Vm, lc_names: &[PhpStr]) -> Value {
    let mut out = PhpArray::new();
    for lc in lc_names {
        let name = vm
            .find_class(lc)
            .map_or_else(|| lc.clone(), |c| c.name.clone());
        out.insert(ArrayKey::Str(name.clone()), Value::Str(name));
    }
    Value::array(out)
}

fn class_implements(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let vm = vm(host)?;
    let Some(class) = spl_class_arg(vm, args, "class_implements")? else {
        return Ok(Value::Bool(false));
    };
    Ok(name_map(vm, &class.interfaces))
}

fn class_parents(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let vm = vm(host)?;
    let Some(class) = spl_class_arg(vm, args, "class_parents")? else {
        return Ok(Value::Bool(false));
    };
    let mut out = PhpArray::new();
    let mut p = class.parent.clone();
    while let Some(c) = p {
        out.insert(ArrayKey::Str(c.name.clone()), Value::Str(c.name.clone()));
        p = c.parent.clone();
    }
    Ok(Value::array(out))
}

fn class_uses(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let vm = vm(host)?;
    let Some(class) = spl_class_arg(vm, args, "class_uses")? else {
        return Ok(Value::Bool(false));
    };
    let traits: Vec<PhpStr> = vm
        .class_traits(&class)
        .iter()
        .map(|t| PhpStr::from(t.to_ascii_lowercase()))
        .collect();
    Ok(name_map(vm, &traits))
}

fn getenv(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    match opt(args, 0) {
        Some(Value::Str(name)) => Ok(match std::env::var_os(name.to_string_lossy()) {
            Some(v) => Value::str(v.to_string_lossy().into_owned()),
            None => Value::Bool(false),
        }),
        _ => {
            let mut out = PhpArray::new();
            for (k, v) in std::env::vars_os() {
                out.insert(
                    ArrayKey::from_bytes(k.to_string_lossy().as_bytes()),
                    Value::str(v.to_string_lossy().into_owned()),
                );
            }
            Ok(Value::array(out))
        }
    }
}

fn usleep(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let us = int_or(args, 0, 0);
    if us < 0 {
        return Err(Fault::value_error(
            "usleep(): Argument #1 ($microseconds) must be greater than or equal to 0",
        ));
    }
    sleep_checked(host, std::time::Duration::from_micros(us as u64))?;
    Ok(Value::Null)
}

fn sleep(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let secs = int_or(args, 0, 0);
    if secs < 0 {
        return Err(Fault::value_error(
            "sleep(): Argument #1 ($seconds) must be greater than or equal to 0",
        ));
    }
    sleep_checked(host, std::time::Duration::from_secs(secs as u64))?;
    Ok(Value::Int(0))
}

/// Sleeps in slices of at most 20 ms, so that the (wall-time) execution limit ends a
/// sleeping request on time.
fn sleep_checked(host: &mut dyn Host, total: std::time::Duration) -> PhpResult<()> {
    let end = std::time::Instant::now() + total;
    loop {
        host.check_limits()?;
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(std::time::Duration::from_millis(20)));
    }
}
