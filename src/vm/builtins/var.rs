//! Variable handling: `var_dump`, `print_r`, `var_export`, `gettype`, `settype`, the `is_*`
//! predicates, `intval`/`floatval`/`boolval`/`strval`, and `serialize`/`unserialize`.
//!
//! The dump formats follow php-src's `ext/standard/var.c` and `Zend/zend.c` (`print_r`)
//! line by line: indentation widths, recursion markers and the `&` marker for shared
//! references are all part of PHP's observable output. Value conversions themselves come
//! from `convert.rs`; this module only lays them out.

mod serial;

use super::file::stream::resource_info;
use std::rc::Rc;

use super::super::array::{ArrayKey, PhpArray};
use super::super::ast::Visibility;
use super::super::convert::{float_to_serial, parse_numeric, NumericPrefix};
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::host::Host;
use super::super::object::{Class, Obj};
use super::super::value::{PhpStr, Value};
use super::args;
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "var_dump",
        sig: "mixed $value, mixed ...$values",
        func: var_dump,
    },
    BuiltinDef {
        name: "print_r",
        sig: "mixed $value, bool $return = false",
        func: print_r,
    },
    BuiltinDef {
        name: "var_export",
        sig: "mixed $value, bool $return = false",
        func: var_export,
    },
    BuiltinDef {
        name: "gettype",
        sig: "mixed $value",
        func: gettype,
    },
    BuiltinDef {
        name: "get_debug_type",
        sig: "mixed $value",
        func: get_debug_type,
    },
    BuiltinDef {
        name: "settype",
        sig: "mixed &$var, string $type",
        func: settype,
    },
    BuiltinDef {
        name: "intval",
        sig: "mixed $value, int $base = 10",
        func: intval,
    },
    BuiltinDef {
        name: "floatval",
        sig: "mixed $value",
        func: floatval,
    },
    BuiltinDef {
        name: "doubleval",
        sig: "mixed $value",
        func: floatval,
    },
    BuiltinDef {
        name: "boolval",
        sig: "mixed $value",
        func: boolval,
    },
    BuiltinDef {
        name: "strval",
        sig: "mixed $value",
        func: strval,
    },
    BuiltinDef {
        name: "is_int",
        sig: "mixed $value",
        func: is_int,
    },
    BuiltinDef {
        name: "is_integer",
        sig: "mixed $value",
        func: is_int,
    },
    BuiltinDef {
        name: "is_long",
        sig: "mixed $value",
        func: is_int,
    },
    BuiltinDef {
        name: "is_float",
        sig: "mixed $value",
        func: is_float,
    },
    BuiltinDef {
        name: "is_double",
        sig: "mixed $value",
        func: is_float,
    },
    BuiltinDef {
        name: "is_string",
        sig: "mixed $value",
        func: is_string,
    },
    BuiltinDef {
        name: "is_bool",
        sig: "mixed $value",
        func: is_bool,
    },
    BuiltinDef {
        name: "is_array",
        sig: "mixed $value",
        func: is_array,
    },
    BuiltinDef {
        name: "is_object",
        sig: "mixed $value",
        func: is_object,
    },
    BuiltinDef {
        name: "is_null",
        sig: "mixed $value",
        func: is_null,
    },
    BuiltinDef {
        name: "is_numeric",
        sig: "mixed $value",
        func: is_numeric,
    },
    BuiltinDef {
        name: "is_scalar",
        sig: "mixed $value",
        func: is_scalar,
    },
    BuiltinDef {
        name: "is_iterable",
        sig: "mixed $value",
        func: is_iterable,
    },
    BuiltinDef {
        name: "is_countable",
        sig: "mixed $value",
        func: is_countable,
    },
    BuiltinDef {
        name: "serialize",
        sig: "mixed $value",
        func: serial::serialize,
    },
    BuiltinDef {
        name: "unserialize",
        sig: "string $data, array $options = []",
        func: serial::unserialize,
    },
];

/// `serialize($v)` for engine code (APC stores objects this way).
pub(crate) fn serialize_value(host: &mut dyn Host, v: &Value) -> PhpResult<Vec<u8>> {
    match serial::serialize(host, std::slice::from_ref(v))? {
        Value::Str(s) => Ok(s.into_vec()),
        _ => Ok(Vec::new()),
    }
}

/// `unserialize($bytes)` for engine code.
pub(crate) fn unserialize_bytes(host: &mut dyn Host, bytes: &[u8]) -> PhpResult<Value> {
    serial::unserialize(host, &[Value::str(bytes)])
}

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[];

fn prop_type_name(class: &Class, name: &[u8]) -> String {
    // Only typed properties can be uninitialized, so a declaration without a type means an
    // unset untyped property, which PHP shows as `mixed`.
    class
        .prop_decl(name)
        .and_then(|d| d.ty.as_ref())
        .map_or_else(|| "mixed".to_string(), |t| t.display())
}

/// How a property is shown: its plain name and, for non-public ones, the visibility
/// (and the declaring class for private properties).
pub(crate) enum PropVis {
    Public,
    Protected,
    Private(PhpStr),
    /// An integer key of a built-in object's debug table (`SplFixedArray`'s elements):
    /// `var_dump` shows `[0]=>`.
    Index,
}

/// One entry of an object's property table with its visibility resolved.
pub(crate) struct PropEntry {
    pub name: PhpStr,
    pub vis: PropVis,
    /// `Undef` for an uninitialized typed property.
    pub value: Value,
}

/// The object's properties in table order, with visibility from the class declarations.
pub(crate) fn object_props(obj: &Obj) -> Vec<PropEntry> {
    let data = obj.borrow();
    let class = data.class.clone();
    // An unset typed property still shows as uninitialized (PHP lists typed slots).
    let typed = |i: usize| class.props.get(i).is_some_and(|d| d.ty.is_some());
    data.props
        .iter_keeping(typed)
        .map(|(k, v)| {
            let name = match k {
                ArrayKey::Int(i) => PhpStr::from(i.to_string()),
                ArrayKey::Str(s) => s,
            };
            let vis = match class.prop_decl(&name) {
                Some(d) if !d.is_static => match d.visibility {
                    Visibility::Public => PropVis::Public,
                    Visibility::Protected => PropVis::Protected,
                    Visibility::Private => PropVis::Private(d.declaring_class.clone()),
                },
                _ => PropVis::Public,
            };
            // A reference nothing else shares is a plain value (as in arrays): cloning it
            // here would make it look shared.
            let value = match v {
                Value::Ref(r) if std::rc::Rc::strong_count(r) == 1 => r.borrow().clone(),
                v => v.clone(),
            };
            PropEntry { name, vis, value }
        })
        .collect()
}

/// What `var_dump` and `print_r` show of an object (PHP's `get_debug_info`): its
/// properties, then the native state of SPL objects (`interp::spl`).
fn debug_props(obj: &Obj) -> Vec<PropEntry> {
    let mut props = object_props(obj);
    props.extend(super::super::interp::spl_debug_props(obj));
    props
}

/// The property's name as stored in PHP's mangled form (`\0*\0prot`, `\0Foo\0priv`),
/// which `serialize` and `(array)` casts expose.
pub(crate) fn mangled_name(p: &PropEntry) -> Vec<u8> {
    match &p.vis {
        PropVis::Public | PropVis::Index => p.name.to_vec(),
        PropVis::Protected => [b"\0*\0".as_slice(), &p.name].concat(),
        PropVis::Private(c) => [b"\0".as_slice(), c, b"\0", &p.name].concat(),
    }
}

/// An enum case's name (its `name` property).
fn enum_case_name(obj: &Obj) -> PhpStr {
    match obj.borrow().props.get_str(b"name").map(Value::deref_clone) {
        Some(Value::Str(s)) => s,
        _ => PhpStr::new(),
    }
}

fn is_enum(obj: &Obj) -> bool {
    obj.borrow().class.is_enum
}

/// Recursion guards: the arrays and objects currently being printed, by address.
#[derive(Default)]
struct Guard {
    arrays: Vec<*const PhpArray>,
    objects: Vec<*const ()>,
}

impl Guard {
    fn has_array(&self, a: &Rc<PhpArray>) -> bool {
        self.arrays.contains(&Rc::as_ptr(a))
    }
    fn has_object(&self, o: &Obj) -> bool {
        self.objects.contains(&(Rc::as_ptr(&o.0) as *const ()))
    }
    fn push_object(&mut self, o: &Obj) {
        self.objects.push(Rc::as_ptr(&o.0) as *const ());
    }
}

fn pad(buf: &mut Vec<u8>, n: usize) {
    buf.resize(buf.len() + n, b' ');
}

fn push_int(buf: &mut Vec<u8>, i: i64) {
    buf.extend_from_slice(i.to_string().as_bytes());
}

// ---------------------------------------------------------------------------------------
// var_dump

fn var_dump(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let mut buf = Vec::new();
    let mut guard = Guard::default();
    for v in args {
        dump_value(&mut buf, v, 1, &mut guard);
    }
    host.echo(&buf);
    Ok(Value::Null)
}

/// `php_var_dump`: `level` is PHP's nesting level (1 at top), the indentation is
/// `level - 1` spaces.
fn dump_value(buf: &mut Vec<u8>, v: &Value, level: usize, guard: &mut Guard) {
    if level > 1 {
        pad(buf, level - 1);
    }
    // PHP marks a reference only when something else shares it.
    let (value, amp): (Value, &[u8]) = match v {
        Value::Ref(r) => (
            r.borrow().clone(),
            if Rc::strong_count(r) > 1 { b"&" } else { b"" },
        ),
        other => (other.clone(), b""),
    };
    match &value {
        Value::Undef | Value::Null => {
            buf.extend_from_slice(amp);
            buf.extend_from_slice(b"NULL\n");
        }
        Value::Bool(b) => {
            buf.extend_from_slice(amp);
            buf.extend_from_slice(if *b {
                b"bool(true)\n"
            } else {
                b"bool(false)\n"
            });
        }
        Value::Int(i) => {
            buf.extend_from_slice(amp);
            buf.extend_from_slice(b"int(");
            push_int(buf, *i);
            buf.extend_from_slice(b")\n");
        }
        Value::Float(f) => {
            buf.extend_from_slice(amp);
            buf.extend_from_slice(b"float(");
            buf.extend_from_slice(&float_to_serial(*f, b'E'));
            buf.extend_from_slice(b")\n");
        }
        Value::Str(s) => {
            buf.extend_from_slice(amp);
            buf.extend_from_slice(b"string(");
            push_int(buf, s.len() as i64);
            buf.extend_from_slice(b") \"");
            buf.extend_from_slice(s);
            buf.extend_from_slice(b"\"\n");
        }
        Value::Array(a) => {
            if guard.has_array(a) {
                buf.extend_from_slice(b"*RECURSION*\n");
                return;
            }
            guard.arrays.push(Rc::as_ptr(a));
            buf.extend_from_slice(amp);
            buf.extend_from_slice(b"array(");
            push_int(buf, a.len() as i64);
            buf.extend_from_slice(b") {\n");
            for (k, item) in a.iter() {
                pad(buf, level + 1);
                match k {
                    ArrayKey::Int(i) => {
                        buf.push(b'[');
                        push_int(buf, i);
                        buf.extend_from_slice(b"]=>\n");
                    }
                    ArrayKey::Str(s) => {
                        buf.extend_from_slice(b"[\"");
                        buf.extend_from_slice(&s);
                        buf.extend_from_slice(b"\"]=>\n");
                    }
                }
                dump_value(buf, item, level + 2, guard);
            }
            guard.arrays.pop();
            if level > 1 {
                pad(buf, level - 1);
            }
            buf.extend_from_slice(b"}\n");
        }
        Value::Object(_) if resource_info(&value).is_some() => {
            let (id, ty) = resource_info(&value).unwrap_or((0, "Unknown"));
            buf.extend_from_slice(amp);
            buf.extend_from_slice(format!("resource({id}) of type ({ty})\n").as_bytes());
        }
        Value::Object(o) => {
            if is_enum(o) {
                buf.extend_from_slice(amp);
                buf.extend_from_slice(b"enum(");
                buf.extend_from_slice(&o.class_name());
                buf.extend_from_slice(b"::");
                buf.extend_from_slice(&enum_case_name(o));
                buf.extend_from_slice(b")\n");
                return;
            }
            if guard.has_object(o) {
                buf.extend_from_slice(b"*RECURSION*\n");
                return;
            }
            guard.push_object(o);
            let props = debug_props(o);
            let count = props
                .iter()
                .filter(|p| !matches!(p.value, Value::Undef))
                .count();
            buf.extend_from_slice(amp);
            buf.extend_from_slice(b"object(");
            buf.extend_from_slice(crate::vm::object::display_class_name(&o.class_name()));
            buf.extend_from_slice(b")#");
            push_int(buf, o.id() as i64);
            buf.extend_from_slice(b" (");
            push_int(buf, count as i64);
            buf.extend_from_slice(b") {\n");
            let class = o.class();
            for p in &props {
                // An unset untyped property is simply absent.
                if matches!(p.value, Value::Undef)
                    && class.prop_decl(&p.name).is_none_or(|d| d.ty.is_none())
                {
                    continue;
                }
                pad(buf, level + 1);
                if let PropVis::Index = p.vis {
                    buf.push(b'[');
                    buf.extend_from_slice(&p.name);
                    buf.extend_from_slice(b"]=>\n");
                    dump_value(buf, &p.value, level + 2, guard);
                    continue;
                }
                buf.extend_from_slice(b"[\"");
                buf.extend_from_slice(&p.name);
                buf.push(b'"');
                match &p.vis {
                    PropVis::Public | PropVis::Index => {}
                    PropVis::Protected => buf.extend_from_slice(b":protected"),
                    PropVis::Private(c) => {
                        buf.extend_from_slice(b":\"");
                        buf.extend_from_slice(crate::vm::object::display_class_name(c));
                        buf.extend_from_slice(b"\":private");
                    }
                }
                buf.extend_from_slice(b"]=>\n");
                if let Value::Undef = p.value {
                    pad(buf, level + 1);
                    buf.extend_from_slice(b"uninitialized(");
                    buf.extend_from_slice(prop_type_name(&class, &p.name).as_bytes());
                    buf.extend_from_slice(b")\n");
                } else {
                    dump_value(buf, &p.value, level + 2, guard);
                }
            }
            guard.objects.pop();
            if level > 1 {
                pad(buf, level - 1);
            }
            buf.extend_from_slice(b"}\n");
        }
        Value::Ref(_) => unreachable!("references do not nest"),
    }
}

// ---------------------------------------------------------------------------------------
// print_r

fn print_r(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let mut buf = Vec::new();
    let mut guard = Guard::default();
    print_r_value(host, &mut buf, &args[0], 0, &mut guard)?;
    if args::bool_or(args, 1, false) {
        Ok(Value::str(buf))
    } else {
        host.echo(&buf);
        Ok(Value::Bool(true))
    }
}

fn print_r_value(
    host: &mut dyn Host,
    buf: &mut Vec<u8>,
    v: &Value,
    indent: usize,
    guard: &mut Guard,
) -> PhpResult<()> {
    match v {
        Value::Ref(r) => {
            let inner = r.borrow().clone();
            print_r_value(host, buf, &inner, indent, guard)
        }
        Value::Array(a) => {
            buf.extend_from_slice(b"Array\n");
            if guard.has_array(a) {
                buf.extend_from_slice(b" *RECURSION*");
                return Ok(());
            }
            guard.arrays.push(Rc::as_ptr(a));
            let entries: Vec<(Vec<u8>, Value)> = a
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        ArrayKey::Int(i) => i.to_string().into_bytes(),
                        ArrayKey::Str(s) => s.to_vec(),
                    };
                    (key, v.clone())
                })
                .collect();
            let r = print_hash(host, buf, entries, indent, guard);
            guard.arrays.pop();
            r
        }
        Value::Object(_) if resource_info(v).is_some() => {
            let (id, _) = resource_info(v).unwrap_or((0, ""));
            buf.extend_from_slice(format!("Resource id #{id}").as_bytes());
            Ok(())
        }
        Value::Object(o) => {
            buf.extend_from_slice(crate::vm::object::display_class_name(&o.class_name()));
            if is_enum(o) {
                buf.extend_from_slice(b" Enum");
                match o.borrow().props.get_str(b"value").map(Value::deref_clone) {
                    Some(Value::Int(_)) => buf.extend_from_slice(b":int"),
                    Some(Value::Str(_)) => buf.extend_from_slice(b":string"),
                    _ => {}
                }
                buf.push(b'\n');
            } else {
                buf.extend_from_slice(b" Object\n");
            }
            if guard.has_object(o) {
                buf.extend_from_slice(b" *RECURSION*");
                return Ok(());
            }
            guard.push_object(o);
            let entries = debug_props(o)
                .into_iter()
                .filter(|p| !matches!(p.value, Value::Undef))
                .map(|p| {
                    let mut key = p.name.to_vec();
                    match &p.vis {
                        PropVis::Public | PropVis::Index => {}
                        PropVis::Protected => key.extend_from_slice(b":protected"),
                        PropVis::Private(c) => {
                            key.push(b':');
                            key.extend_from_slice(crate::vm::object::display_class_name(c));
                            key.extend_from_slice(b":private");
                        }
                    }
                    (key, p.value)
                })
                .collect();
            let r = print_hash(host, buf, entries, indent, guard);
            guard.objects.pop();
            r
        }
        Value::Int(i) => {
            push_int(buf, *i);
            Ok(())
        }
        Value::Str(s) => {
            buf.extend_from_slice(s);
            Ok(())
        }
        other => {
            buf.extend_from_slice(&other.scalar_to_str());
            Ok(())
        }
    }
}

fn print_hash(
    host: &mut dyn Host,
    buf: &mut Vec<u8>,
    entries: Vec<(Vec<u8>, Value)>,
    indent: usize,
    guard: &mut Guard,
) -> PhpResult<()> {
    pad(buf, indent);
    buf.extend_from_slice(b"(\n");
    for (key, v) in entries {
        pad(buf, indent + 4);
        buf.push(b'[');
        buf.extend_from_slice(&key);
        buf.extend_from_slice(b"] => ");
        print_r_value(host, buf, &v, indent + 8, guard)?;
        buf.push(b'\n');
    }
    pad(buf, indent);
    buf.extend_from_slice(b")\n");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// var_export

fn var_export(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let mut buf = Vec::new();
    let mut guard = Guard::default();
    export_value(host, &mut buf, &args[0], 1, &mut guard)?;
    if args::bool_or(args, 1, false) {
        Ok(Value::str(buf))
    } else {
        host.echo(&buf);
        Ok(Value::Null)
    }
}

/// A float as `var_export` and `serialize_precision = -1` write it, with `.0` added to
/// finite integral values when `zero_frac` (PHP's `smart_str_append_double`).
pub(crate) fn append_double(buf: &mut Vec<u8>, f: f64, zero_frac: bool) {
    let s = float_to_serial(f, b'E');
    let integral = !s.iter().any(|c| matches!(c, b'.' | b'e' | b'E'));
    buf.extend_from_slice(&s);
    if zero_frac && f.is_finite() && integral {
        buf.extend_from_slice(b".0");
    }
}

/// A string as a single-quoted PHP literal: `'` and `\` escaped, NUL bytes spliced in as
/// `' . "\0" . '`.
fn export_string(buf: &mut Vec<u8>, s: &[u8]) {
    buf.push(b'\'');
    for &c in s {
        match c {
            b'\'' | b'\\' => {
                buf.push(b'\\');
                buf.push(c);
            }
            0 => buf.extend_from_slice(b"' . \"\\0\" . '"),
            _ => buf.push(c),
        }
    }
    buf.push(b'\'');
}

fn export_value(
    host: &mut dyn Host,
    buf: &mut Vec<u8>,
    v: &Value,
    level: usize,
    guard: &mut Guard,
) -> PhpResult<()> {
    match v {
        Value::Ref(r) => {
            let inner = r.borrow().clone();
            export_value(host, buf, &inner, level, guard)?;
        }
        // PHP exports resources as NULL.
        Value::Object(_) if resource_info(v).is_some() => buf.extend_from_slice(b"NULL"),
        Value::Undef | Value::Null => buf.extend_from_slice(b"NULL"),
        Value::Bool(b) => buf.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(i) => {
            if *i == i64::MIN {
                // The literal -9223372036854775808 would parse as a float.
                buf.extend_from_slice(b"-9223372036854775807-1");
            } else {
                push_int(buf, *i);
            }
        }
        Value::Float(f) => append_double(buf, *f, true),
        Value::Str(s) => export_string(buf, s),
        Value::Array(a) => {
            if guard.has_array(a) {
                buf.extend_from_slice(b"NULL");
                host.raise(
                    ErrorLevel::Warning,
                    "var_export does not handle circular references",
                )?;
                return Ok(());
            }
            guard.arrays.push(Rc::as_ptr(a));
            if level > 1 {
                buf.push(b'\n');
                pad(buf, level - 1);
            }
            buf.extend_from_slice(b"array (\n");
            for (k, item) in a.iter() {
                pad(buf, level + 1);
                match k {
                    ArrayKey::Int(i) => push_int(buf, i),
                    // Keys are escaped like values, NUL bytes included.
                    ArrayKey::Str(s) => export_string(buf, &s),
                }
                buf.extend_from_slice(b" => ");
                let r = export_value(host, buf, item, level + 2, guard);
                if r.is_err() {
                    guard.arrays.pop();
                    return r;
                }
                buf.extend_from_slice(b",\n");
            }
            guard.arrays.pop();
            if level > 1 {
                pad(buf, level - 1);
            }
            buf.push(b')');
        }
        Value::Object(o) => {
            if guard.has_object(o) {
                buf.extend_from_slice(b"NULL");
                host.raise(
                    ErrorLevel::Warning,
                    "var_export does not handle circular references",
                )?;
                return Ok(());
            }
            if level > 1 {
                buf.push(b'\n');
                pad(buf, level - 1);
            }
            let class = o.class();
            let std_class = class.lc_name.as_bytes() == b"stdclass";
            if std_class {
                buf.extend_from_slice(b"(object) array(\n");
            } else {
                buf.push(b'\\');
                buf.extend_from_slice(&class.name);
                if class.is_enum {
                    buf.extend_from_slice(b"::");
                    buf.extend_from_slice(&enum_case_name(o));
                    return Ok(());
                }
                buf.extend_from_slice(b"::__set_state(array(\n");
            }
            guard.push_object(o);
            for p in object_props(o) {
                if matches!(p.value, Value::Undef) {
                    continue;
                }
                pad(buf, level + 2);
                buf.push(b'\'');
                for &c in p.name.iter() {
                    if c == b'\'' || c == b'\\' {
                        buf.push(b'\\');
                    }
                    buf.push(c);
                }
                buf.extend_from_slice(b"' => ");
                let r = export_value(host, buf, &p.value, level + 2, guard);
                if r.is_err() {
                    guard.objects.pop();
                    return r;
                }
                buf.extend_from_slice(b",\n");
            }
            guard.objects.pop();
            if level > 1 {
                pad(buf, level - 1);
            }
            buf.extend_from_slice(if std_class { b")" } else { b"))" });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Types and conversions

fn arg0(args: &[Value]) -> Value {
    args.first().map(Value::deref_clone).unwrap_or(Value::Null)
}

fn gettype(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    if let Some((_, ty)) = resource_info(&arg0(args)) {
        return Ok(Value::str(if ty == "Unknown" {
            "resource (closed)"
        } else {
            "resource"
        }));
    }
    let name = match arg0(args) {
        Value::Undef | Value::Null => "NULL",
        Value::Bool(_) => "boolean",
        Value::Int(_) => "integer",
        Value::Float(_) => "double",
        Value::Str(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Ref(_) => unreachable!("deref_clone removes references"),
    };
    Ok(Value::str(name))
}

fn get_debug_type(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    if let Some((_, ty)) = resource_info(&arg0(args)) {
        return Ok(Value::str(if ty == "Unknown" {
            "resource (closed)".to_string()
        } else {
            format!("resource ({ty})")
        }));
    }
    Ok(match arg0(args) {
        Value::Object(o) => {
            // An anonymous class shows as "class@anonymous" (or "Parent@anonymous").
            Value::str(crate::vm::object::display_class_name(&o.class_name()))
        }
        other => Value::str(other.type_name()),
    })
}

/// `(array)` cast of any value: objects give their properties with mangled names.
pub(crate) fn to_array(v: &Value) -> PhpArray {
    match v.deref_clone() {
        Value::Undef | Value::Null => PhpArray::new(),
        Value::Array(a) => (*a).clone(),
        Value::Object(o) => {
            let mut out = PhpArray::new();
            for p in object_props(&o) {
                if !matches!(p.value, Value::Undef) {
                    out.insert(ArrayKey::from_bytes(&mangled_name(&p)), p.value);
                }
            }
            out
        }
        other => PhpArray::from_values(vec![other]),
    }
}

/// `(object)` cast: arrays become stdClass with their entries as properties, scalars
/// a stdClass with a `scalar` property, null an empty stdClass.
pub(crate) fn to_object(host: &mut dyn Host, v: &Value) -> PhpResult<Value> {
    Ok(match v.deref_clone() {
        Value::Object(o) => Value::Object(o),
        Value::Undef | Value::Null => Value::Object(host.new_object(b"stdClass", PhpArray::new())?),
        Value::Array(a) => {
            // Property tables are keyed by name: integer keys become string names.
            let props = PhpArray::from_entries(a.iter().map(|(k, v)| {
                let key = match k {
                    ArrayKey::Int(i) => ArrayKey::Str(PhpStr::from(i.to_string())),
                    k => k,
                };
                (key, v.clone())
            }));
            Value::Object(host.new_object(b"stdClass", props)?)
        }
        other => {
            let mut props = PhpArray::new();
            props.insert(ArrayKey::Str(PhpStr::from("scalar")), other);
            Value::Object(host.new_object(b"stdClass", props)?)
        }
    })
}

fn settype(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let Some(cell) = args::ref_at(args, 0) else {
        return Err(Fault::fatal("settype(): $var must be passed by reference"));
    };
    let ty = args::str_at(args, 1);
    let current = cell.borrow().clone().undef_to_null();
    let new = match ty.as_bytes() {
        b"integer" | b"int" => Value::Int(int_of(host, &current)?),
        b"float" | b"double" => Value::Float(float_of(host, &current)?),
        b"string" => Value::Str(host.to_str(&current)?),
        b"boolean" | b"bool" => Value::Bool(current.to_bool()),
        b"array" => Value::array(to_array(&current)),
        b"object" => to_object(host, &current)?,
        b"null" => Value::Null,
        b"resource" => return Err(Fault::value_error("Cannot convert to resource type")),
        _ => {
            return Err(Fault::value_error(
                "settype(): Argument #2 ($type) must be a valid type",
            ))
        }
    };
    *cell.borrow_mut() = new;
    Ok(Value::Bool(true))
}

/// `(int)` of any value, with PHP's warning for objects.
fn int_of(host: &mut dyn Host, v: &Value) -> PhpResult<i64> {
    if let Value::Object(o) = v {
        host.raise(
            ErrorLevel::Warning,
            &format!(
                "Object of class {} could not be converted to int",
                o.class_display_name()
            ),
        )?;
        return Ok(1);
    }
    Ok(v.to_int())
}

/// `(float)` of any value, with PHP's warning for objects.
fn float_of(host: &mut dyn Host, v: &Value) -> PhpResult<f64> {
    if let Value::Object(o) = v {
        host.raise(
            ErrorLevel::Warning,
            &format!(
                "Object of class {} could not be converted to float",
                o.class_display_name()
            ),
        )?;
        return Ok(1.0);
    }
    Ok(v.to_float())
}

/// C's `strtol` as glibc implements it (what `intval($s, $base)` uses): leading
/// whitespace, a sign, an optional `0x` for base 16 or 0, base 0 choosing 8/10/16 from the
/// prefix, saturation on overflow, 0 for an invalid base.
pub(crate) fn strtol(s: &[u8], base: i64) -> i64 {
    if base != 0 && !(2..=36).contains(&base) {
        return 0;
    }
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut base = base as u32;
    let hex_prefix = i + 2 < s.len() + 1
        && s.get(i) == Some(&b'0')
        && matches!(s.get(i + 1), Some(b'x' | b'X'))
        && s.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit());
    if (base == 0 || base == 16) && hex_prefix {
        i += 2;
        base = 16;
    } else if base == 0 {
        base = if s.get(i) == Some(&b'0') { 8 } else { 10 };
    }
    let mut acc: i128 = 0;
    let mut overflow = false;
    while i < s.len() {
        let Some(d) = (s[i] as char).to_digit(base) else {
            break;
        };
        if !overflow {
            acc = acc * i128::from(base) + i128::from(d);
            if acc > i128::from(i64::MAX) + 1 {
                overflow = true;
            }
        }
        i += 1;
    }
    let v = if neg { -acc } else { acc };
    if overflow || v > i128::from(i64::MAX) {
        if neg {
            i64::MIN
        } else {
            i64::MAX
        }
    } else if v < i128::from(i64::MIN) {
        i64::MIN
    } else {
        v as i64
    }
}

fn intval(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let v = arg0(args);
    let base = args::int_or(args, 1, 10);
    let Value::Str(s) = &v else {
        return Ok(Value::Int(int_of(host, &v)?));
    };
    if base == 10 {
        return Ok(Value::Int(v.to_int()));
    }
    if base == 0 || base == 2 {
        // PHP handles the "0b" prefix itself; strtol does not know it.
        let mut t: &[u8] = s;
        while let Some((&c, rest)) = t.split_first() {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
                t = rest;
            } else {
                break;
            }
        }
        if t.len() > 2 {
            let offset = usize::from(t[0] == b'-' || t[0] == b'+');
            if t[offset] == b'0' && matches!(t[offset + 1], b'b' | b'B') {
                let mut digits = Vec::with_capacity(t.len());
                if offset == 1 {
                    digits.push(t[0]);
                }
                digits.extend_from_slice(&t[offset + 2..]);
                return Ok(Value::Int(strtol(&digits, 2)));
            }
        }
    }
    Ok(Value::Int(strtol(s, base)))
}

fn floatval(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Float(float_of(host, &arg0(args))?))
}

fn boolval(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(match arg0(args) {
        Value::Object(_) => true,
        v => v.to_bool(),
    }))
}

fn strval(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Str(host.to_str(&arg0(args))?))
}

fn is_int(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(matches!(arg0(a), Value::Int(_))))
}
fn is_float(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(matches!(arg0(a), Value::Float(_))))
}
fn is_string(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(matches!(arg0(a), Value::Str(_))))
}
fn is_bool(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(matches!(arg0(a), Value::Bool(_))))
}
fn is_array(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(matches!(arg0(a), Value::Array(_))))
}
fn is_object(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let v = arg0(a);
    Ok(Value::Bool(
        matches!(v, Value::Object(_)) && resource_info(&v).is_none(),
    ))
}
fn is_null(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(arg0(a).is_null()))
}
fn is_numeric(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(match arg0(a) {
        Value::Int(_) | Value::Float(_) => true,
        Value::Str(s) => matches!(parse_numeric(&s), NumericPrefix::Whole(_)),
        _ => false,
    }))
}
fn is_scalar(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(matches!(
        arg0(a),
        Value::Int(_) | Value::Float(_) | Value::Str(_) | Value::Bool(_)
    )))
}
fn is_iterable(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(match arg0(a) {
        Value::Array(_) => true,
        Value::Object(o) => o.instance_of(b"traversable"),
        _ => false,
    }))
}
fn is_countable(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(match arg0(a) {
        Value::Array(_) => true,
        Value::Object(o) => o.instance_of(b"countable"),
        _ => false,
    }))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::vm::host::TestHost;

    pub(crate) fn s(x: &str) -> Value {
        Value::str(x)
    }

    pub(crate) fn arr(entries: Vec<(&str, Value)>) -> Value {
        Value::array(PhpArray::from_entries(
            entries
                .into_iter()
                .map(|(k, v)| (ArrayKey::from_bytes(k.as_bytes()), v)),
        ))
    }

    pub(crate) fn list(values: Vec<Value>) -> Value {
        Value::array(PhpArray::from_values(values))
    }

    /// A class for tests: `name` with the given (name, visibility) declarations.
    pub(crate) fn class(name: &str, decls: &[(&str, Visibility)], is_enum: bool) -> Rc<Class> {
        use crate::vm::object::PropDecl;
        let props: Vec<PropDecl> = decls
            .iter()
            .map(|(n, v)| PropDecl {
                name: PhpStr::from(*n),
                visibility: *v,
                is_static: false,
                is_readonly: false,
                declaring_class: PhpStr::from(name),
                ty: (*n == "typed").then(|| crate::vm::coerce::TypeSpec::parse("int")),
            })
            .collect();
        let prop_index: crate::vm::object::NameMap<usize> = props
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        Rc::new(Class {
            name: PhpStr::from(name),
            lc_name: PhpStr::from(name.to_ascii_lowercase()),
            parent: None,
            interfaces: vec![],
            layout: std::rc::Rc::new(crate::vm::props::PropLayout::new(
                props.iter().map(|p| p.name.clone()).collect(),
            )),
            props,
            prop_index,
            is_interface: false,
            is_abstract: false,
            is_final: false,
            is_trait: false,
            is_enum,
            runtime: Box::new(()),
        })
    }

    pub(crate) fn object(class: Rc<Class>, props: Vec<(&str, Value)>, id: u64) -> Obj {
        Obj::new(
            class,
            PhpArray::from_entries(
                props
                    .into_iter()
                    .map(|(k, v)| (ArrayKey::Str(PhpStr::from(k)), v)),
            ),
            id,
        )
    }

    fn foo() -> Obj {
        let c = class(
            "Foo",
            &[
                ("pub", Visibility::Public),
                ("prot", Visibility::Protected),
                ("priv", Visibility::Private),
                ("typed", Visibility::Public),
                ("arr", Visibility::Public),
            ],
            false,
        );
        object(
            c,
            vec![
                ("pub", Value::Int(1)),
                ("prot", Value::Int(2)),
                ("priv", Value::Int(3)),
                ("typed", Value::Undef),
                (
                    "arr",
                    arr(vec![
                        ("0", Value::Int(1)),
                        ("a", list(vec![Value::Bool(true), Value::Null])),
                    ]),
                ),
            ],
            1,
        )
    }

    fn out(f: BuiltinFn, args: &[Value]) -> String {
        let mut h = TestHost::default();
        f(&mut h, args).expect("builtin failed");
        String::from_utf8(h.out).expect("utf8")
    }

    fn ret(f: BuiltinFn, args: &[Value]) -> Value {
        let mut h = TestHost::default();
        f(&mut h, args).expect("builtin failed")
    }

    fn ret_str(f: BuiltinFn, args: &[Value]) -> String {
        match ret(f, args) {
            Value::Str(s) => s.to_string_lossy(),
            other => panic!("not a string: {other:?}"),
        }
    }

    use super::super::BuiltinFn;

    #[test]
    fn var_dump_scalars_and_arrays() {
        // php -n -r 'var_dump([1, "k"=>1.0, -0.0, INF, NAN, "abc", false, null]);'
        let a = arr(vec![
            ("0", Value::Int(1)),
            ("k", Value::Float(1.0)),
            ("1", Value::Float(-0.0)),
            ("2", Value::Float(f64::INFINITY)),
            ("3", Value::Float(f64::NAN)),
            ("4", s("abc")),
            ("5", Value::Bool(false)),
            ("6", Value::Null),
        ]);
        assert_eq!(
            out(var_dump, &[a]),
            "array(8) {\n  [0]=>\n  int(1)\n  [\"k\"]=>\n  float(1)\n  [1]=>\n  float(-0)\n  [2]=>\n  float(INF)\n  [3]=>\n  float(NAN)\n  [4]=>\n  string(3) \"abc\"\n  [5]=>\n  bool(false)\n  [6]=>\n  NULL\n}\n"
        );
        assert_eq!(
            out(
                var_dump,
                &[
                    Value::Float(0.1 + 0.2),
                    Value::Float(1e100),
                    Value::Float(-1.5e-10)
                ]
            ),
            "float(0.30000000000000004)\nfloat(1.0E+100)\nfloat(-1.5E-10)\n"
        );
    }

    #[test]
    fn var_dump_references_and_recursion() {
        // php -n -r '$x = 1; $b = [&$x, 2]; var_dump($b);'
        let cell = Value::new_ref(Value::Int(1));
        let keep = cell.clone();
        let b = list(vec![Value::Ref(cell), Value::Int(2)]);
        assert_eq!(
            out(var_dump, &[b]),
            "array(2) {\n  [0]=>\n  &int(1)\n  [1]=>\n  int(2)\n}\n"
        );
        drop(keep);
        // A reference nobody else shares is not marked.
        let b = list(vec![Value::Ref(Value::new_ref(Value::Int(1)))]);
        assert_eq!(out(var_dump, &[b]), "array(1) {\n  [0]=>\n  int(1)\n}\n");
        // php -n -r '$a = [1]; $a[] = &$a; var_dump($a);'
        let cell = Value::new_ref(Value::Null);
        let mut inner = PhpArray::from_values(vec![Value::Int(1)]);
        inner.push(Value::Ref(cell.clone()));
        let inner = Rc::new(inner);
        *cell.borrow_mut() = Value::Array(inner.clone());
        assert_eq!(
            out(var_dump, &[Value::Array(inner.clone())]),
            "array(2) {\n  [0]=>\n  int(1)\n  [1]=>\n  *RECURSION*\n}\n"
        );
        assert_eq!(
            out(print_r, &[Value::Array(inner)]),
            "Array\n(\n    [0] => 1\n    [1] => Array\n *RECURSION*\n)\n"
        );
        *cell.borrow_mut() = Value::Null; // break the cycle
    }

    #[test]
    fn var_dump_objects() {
        assert_eq!(
            out(var_dump, &[Value::Object(foo())]),
            "object(Foo)#1 (4) {\n  [\"pub\"]=>\n  int(1)\n  [\"prot\":protected]=>\n  int(2)\n  [\"priv\":\"Foo\":private]=>\n  int(3)\n  [\"typed\"]=>\n  uninitialized(int)\n  [\"arr\"]=>\n  array(2) {\n    [0]=>\n    int(1)\n    [\"a\"]=>\n    array(2) {\n      [0]=>\n      bool(true)\n      [1]=>\n      NULL\n    }\n  }\n}\n"
        );
        let e = object(class("Suit", &[], true), vec![("name", s("Hearts"))], 2);
        assert_eq!(out(var_dump, &[Value::Object(e)]), "enum(Suit::Hearts)\n");
        // php -n -r '$o = new stdClass; $o->self = $o; $o->{"0"} = 5; var_dump($o);'
        let o = object(class("stdClass", &[], false), vec![], 1);
        o.borrow_mut()
            .props
            .insert(ArrayKey::Str("self".into()), Value::Object(o.clone()));
        o.borrow_mut().props.insert(ArrayKey::Int(0), Value::Int(5));
        assert_eq!(
            out(var_dump, &[Value::Object(o.clone())]),
            "object(stdClass)#1 (2) {\n  [\"self\"]=>\n  *RECURSION*\n  [\"0\"]=>\n  int(5)\n}\n"
        );
        assert_eq!(
            out(print_r, &[Value::Object(o.clone())]),
            "stdClass Object\n(\n    [self] => stdClass Object\n *RECURSION*\n    [0] => 5\n)\n"
        );
        o.borrow_mut().props.set_array(PhpArray::new());
    }

    #[test]
    fn print_r_nested() {
        // php -n -r 'print_r(new Foo);' with Foo as in var_dump_objects
        assert_eq!(
            out(print_r, &[Value::Object(foo())]),
            "Foo Object\n(\n    [pub] => 1\n    [prot:protected] => 2\n    [priv:Foo:private] => 3\n    [arr] => Array\n        (\n            [0] => 1\n            [a] => Array\n                (\n                    [0] => 1\n                    [1] => \n                )\n\n        )\n\n)\n"
        );
        // php -n -r 'print_r([1.0, 0.1+0.2, true, false, null, []]);'
        let a = list(vec![
            Value::Float(1.0),
            Value::Float(0.1 + 0.2),
            Value::Bool(true),
            Value::Bool(false),
            Value::Null,
            list(vec![]),
        ]);
        assert_eq!(
            ret_str(print_r, &[a, Value::Bool(true)]),
            "Array\n(\n    [0] => 1\n    [1] => 0.3\n    [2] => 1\n    [3] => \n    [4] => \n    [5] => Array\n        (\n        )\n\n)\n"
        );
        assert_eq!(out(print_r, &[Value::Float(0.5)]), "0.5");
        // php -n -r 'enum BS: int { case A=1; } print_r(BS::A);'
        let e = object(
            class("BS", &[], true),
            vec![("name", s("A")), ("value", Value::Int(1))],
            2,
        );
        assert_eq!(
            out(print_r, &[Value::Object(e)]),
            "BS Enum:int\n(\n    [name] => A\n    [value] => 1\n)\n"
        );
    }

    #[test]
    fn var_export_forms() {
        // php -n -r 'var_export([1.0, 0.1, "it'"'"'s", null, true, "\0a\0", "k"=>[1,[]], -0.0, INF, -INF, NAN, 1e100, PHP_INT_MIN]);'
        let a = arr(vec![
            ("0", Value::Float(1.0)),
            ("1", Value::Float(0.1)),
            ("2", s("it's")),
            ("3", Value::Null),
            ("4", Value::Bool(true)),
            ("5", s("\0a\0")),
            ("k", list(vec![Value::Int(1), list(vec![])])),
            ("6", Value::Float(-0.0)),
            ("7", Value::Float(f64::INFINITY)),
            ("8", Value::Float(f64::NEG_INFINITY)),
            ("9", Value::Float(f64::NAN)),
            ("10", Value::Float(1e100)),
            ("11", Value::Int(i64::MIN)),
        ]);
        assert_eq!(
            ret_str(var_export, &[a, Value::Bool(true)]),
            "array (\n  0 => 1.0,\n  1 => 0.1,\n  2 => 'it\\'s',\n  3 => NULL,\n  4 => true,\n  5 => '' . \"\\0\" . 'a' . \"\\0\" . '',\n  'k' => \n  array (\n    0 => 1,\n    1 => \n    array (\n    ),\n  ),\n  6 => -0.0,\n  7 => INF,\n  8 => -INF,\n  9 => NAN,\n  10 => 1.0E+100,\n  11 => -9223372036854775807-1,\n)"
        );
        let wrapped = list(vec![
            Value::Object(foo()),
            Value::Object(object(
                class("stdClass", &[], false),
                vec![("a", Value::Int(1))],
                3,
            )),
            Value::Object(object(
                class("Suit", &[], true),
                vec![("name", s("Hearts"))],
                4,
            )),
        ]);
        assert_eq!(
            out(var_export, &[wrapped]),
            "array (\n  0 => \n  \\Foo::__set_state(array(\n     'pub' => 1,\n     'prot' => 2,\n     'priv' => 3,\n     'arr' => \n    array (\n      0 => 1,\n      'a' => \n      array (\n        0 => true,\n        1 => NULL,\n      ),\n    ),\n  )),\n  1 => \n  (object) array(\n     'a' => 1,\n  ),\n  2 => \n  \\Suit::Hearts,\n)"
        );
        assert_eq!(
            ret_str(var_export, &[Value::Float(2.0), Value::Bool(true)]),
            "2.0"
        );
    }

    #[test]
    fn types() {
        let cases: &[(Value, &str, &str)] = &[
            (Value::Null, "NULL", "null"),
            (Value::Bool(true), "boolean", "bool"),
            (Value::Int(1), "integer", "int"),
            (Value::Float(1.0), "double", "float"),
            (s("x"), "string", "string"),
            (list(vec![]), "array", "array"),
        ];
        for (v, t, d) in cases {
            assert_eq!(ret_str(gettype, &[v.clone()]), *t);
            assert_eq!(ret_str(get_debug_type, &[v.clone()]), *d);
        }
        let anon = object(
            class("ArrayObject@anonymous\0/t.php:1$0", &[], false),
            vec![],
            1,
        );
        assert_eq!(
            ret_str(get_debug_type, &[Value::Object(anon)]),
            "ArrayObject@anonymous"
        );
    }

    #[test]
    fn intval_bases() {
        // php -n -r 'foreach ([["0o17",0],...] as [$s,$b]) var_dump(intval($s,$b));'
        let cases: &[(&str, i64, i64)] = &[
            ("0o17", 0, 0),
            ("0o17", 8, 0),
            ("0x1A", 16, 26),
            ("0x1A", 0, 26),
            ("012", 0, 10),
            (" 0b101", 0, 5),
            ("-0b101", 0, -5),
            ("0b101", 2, 5),
            ("99999999999999999999", 16, i64::MAX),
            ("-ff", 16, -255),
            ("z", 36, 35),
            ("12", 1, 0),
            ("12", 37, 0),
            ("  +7f", 16, 127),
            ("1e3", 0, 1),
        ];
        for (st, b, want) in cases {
            assert!(
                matches!(ret(intval, &[s(st), Value::Int(*b)]), Value::Int(i) if i == *want),
                "intval({st:?}, {b})"
            );
        }
    }

    #[test]
    fn settype_conversions() {
        let cell = Value::new_ref(Value::Int(1));
        let mut h = TestHost::default();
        settype(&mut h, &[Value::Ref(cell.clone()), s("array")]).expect("settype");
        assert_eq!(
            out(var_dump, &[cell.borrow().clone()]),
            "array(1) {\n  [0]=>\n  int(1)\n}\n"
        );
        let e = settype(&mut h, &[Value::Ref(cell.clone()), s("foo")]).unwrap_err();
        assert!(
            matches!(&e, Fault::Error(e) if e.class == "ValueError" && e.message == "settype(): Argument #2 ($type) must be a valid type")
        );
        let e = settype(&mut h, &[Value::Ref(cell), s("resource")]).unwrap_err();
        assert!(matches!(&e, Fault::Error(e) if e.message == "Cannot convert to resource type"));
    }

    #[test]
    fn predicates() {
        let t = |f: BuiltinFn, v: Value| matches!(ret(f, &[v]), Value::Bool(true));
        assert!(t(is_numeric, s(" 12 ")));
        assert!(t(is_numeric, s("1e3")));
        assert!(!t(is_numeric, s("12abc")));
        assert!(!t(is_numeric, s("")));
        assert!(t(is_numeric, Value::Float(f64::NAN)));
        assert!(t(is_scalar, s("")));
        assert!(!t(is_scalar, Value::Null));
        assert!(t(is_null, Value::Null));
        assert!(t(is_iterable, list(vec![])));
        assert!(!t(is_countable, s("a")));
        assert!(t(is_int, Value::Int(3)));
        assert!(!t(is_float, Value::Int(3)));
    }
}
