//! The native methods of `DateTime`, `DateTimeImmutable`, `DateTimeZone` and
//! `DateInterval`, and the procedural aliases that wrap them (`date_create`, `date_diff`).
//!
//! State: a date object keeps a `DateState` in `Obj::internal` and mirrors it in the
//! properties `date`, `timezone_type` and `timezone`, which is what `var_dump`, `print_r`
//! and `(array)` show in PHP. The properties are also the fallback state: `clone` copies
//! properties but not native state, so a clone rebuilds its state from them on first use.
//! A `DateTimeZone` works the same way; a `DateInterval` is its (public) properties.
//! Formatting and parsing live in `builtins::datetime`.
//!
//! Not here: `DatePeriod`, `DateTime::__set_state`/serialisation, `getLastErrors`,
//! class constants (`DateTimeInterface::ATOM`: use the `DATE_ATOM` constants).

use std::cmp::Ordering;
use std::rc::Rc;

use super::super::array::ArrayKey;
use super::super::builtins::datetime::calendar::{Civil, Zone};
use super::super::builtins::datetime::{self as dt, parse};
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::host::Host;
use super::super::object::{Class, Obj};
use super::super::value::{PhpStr, Value};
use super::class::NativeMethod;
use super::Vm;

/// The native state of a `DateTime`/`DateTimeImmutable`.
#[derive(Clone)]
pub struct DateState {
    pub ts: i64,
    pub us: i64,
    pub zone: Zone,
}

/// Methods shared by `DateTime` and `DateTimeImmutable` (their mutators differ only in
/// whether they change `$this` or a clone).
pub(crate) const DATETIME_METHODS: &[(&str, NativeMethod)] = &[
    ("__construct", dt_construct),
    ("format", dt_format),
    ("modify", dt_modify),
    ("getTimestamp", dt_get_timestamp),
    ("setTimestamp", dt_set_timestamp),
    ("setDate", dt_set_date),
    ("setTime", dt_set_time),
    ("getTimezone", dt_get_timezone),
    ("setTimezone", dt_set_timezone),
    ("getOffset", dt_get_offset),
    ("getMicrosecond", dt_get_microsecond),
    ("add", dt_add),
    ("sub", dt_sub),
    ("diff", dt_diff),
    ("static createFromFormat", dt_create_from_format),
    ("static createFromInterface", dt_create_from_interface),
    ("static createFromImmutable", dt_create_from_interface),
    ("static createFromMutable", dt_create_from_interface),
];

pub(crate) const TIMEZONE_METHODS: &[(&str, NativeMethod)] = &[
    ("__construct", tz_construct),
    ("getName", tz_get_name),
    ("getOffset", tz_get_offset),
];

pub(crate) const INTERVAL_METHODS: &[(&str, NativeMethod)] =
    &[("__construct", di_construct), ("format", di_format)];

// ---------------------------------------------------------------------------------------
// State plumbing

fn this_of(this: Option<&Obj>) -> PhpResult<&Obj> {
    this.ok_or_else(|| Fault::error("Error", "Using $this when not in object context"))
}

/// Writes the state into the object (native state and the mirrored properties).
fn store(obj: &Obj, st: DateState) {
    let date = dt::format_date(b"Y-m-d H:i:s.u", st.ts, st.us, &st.zone);
    let mut d = obj.borrow_mut();
    let mut put = |k: &str, v: Value| d.props.insert(ArrayKey::Str(PhpStr::from(k)), v);
    put("date", Value::str(date));
    put("timezone_type", Value::Int(st.zone.kind()));
    put("timezone", Value::str(st.zone.name()));
    d.internal = Some(Box::new(st));
}

/// The zone described by `timezone_type`/`timezone` properties.
fn zone_from_props(props: &crate::vm::props::Props) -> Option<Zone> {
    let name = match props.get_str(b"timezone").map(Value::deref_clone) {
        Some(Value::Str(s)) => s.to_string_lossy(),
        _ => return None,
    };
    Zone::parse(&name)
}

/// The state of a date object, rebuilt from its properties after `clone`.
pub fn state(obj: &Obj) -> Option<DateState> {
    {
        let d = obj.borrow();
        if let Some(st) = d
            .internal
            .as_ref()
            .and_then(|i| i.downcast_ref::<DateState>())
        {
            return Some(st.clone());
        }
    }
    let (zone, date) = {
        let d = obj.borrow();
        let zone = zone_from_props(&d.props)?;
        let date = match d.props.get_str(b"date").map(Value::deref_clone) {
            Some(Value::Str(s)) => s,
            _ => return None,
        };
        (zone, date)
    };
    let p = parse::parse(&date)?;
    let (ts, us, _) = parse::resolve(&p, 0, 0, &zone, parse::Fill::Create);
    let st = DateState { ts, us, zone };
    obj.borrow_mut().internal = Some(Box::new(st.clone()));
    Some(st)
}

fn state_or_err(obj: &Obj) -> PhpResult<DateState> {
    state(obj).ok_or_else(|| {
        Fault::error(
            "Error",
            "The DateTime object has not been correctly initialized by its constructor",
        )
    })
}

/// The zone of a `DateTimeZone` object.
fn tz_state(obj: &Obj) -> Option<Zone> {
    {
        let d = obj.borrow();
        if let Some(z) = d.internal.as_ref().and_then(|i| i.downcast_ref::<Zone>()) {
            return Some(z.clone());
        }
    }
    let z = zone_from_props(&obj.borrow().props)?;
    obj.borrow_mut().internal = Some(Box::new(z.clone()));
    Some(z)
}

fn store_tz(obj: &Obj, z: Zone) {
    let mut d = obj.borrow_mut();
    d.props.insert(
        ArrayKey::Str(PhpStr::from("timezone_type")),
        Value::Int(z.kind()),
    );
    d.props.insert(
        ArrayKey::Str(PhpStr::from("timezone")),
        Value::str(z.name()),
    );
    d.internal = Some(Box::new(z));
}

fn is_immutable(obj: &Obj) -> bool {
    obj.instance_of(b"datetimeimmutable")
}

/// The object a mutator changes: `$this` for `DateTime`, a clone for the immutable one.
fn target(vm: &mut Vm, obj: &Obj) -> PhpResult<Obj> {
    if is_immutable(obj) {
        let st = state_or_err(obj)?;
        let copy = match vm.clone_object(Value::Object(obj.clone()))? {
            Value::Object(o) => o,
            _ => return Err(Fault::fatal("clone of a date gave a non-object")),
        };
        store(&copy, st);
        Ok(copy)
    } else {
        Ok(obj.clone())
    }
}

/// Creates a date object of class `class` holding `st`.
pub(crate) fn new_date(vm: &mut Vm, class: &[u8], st: DateState) -> PhpResult<Obj> {
    let cls = vm.lookup_class(class)?;
    let obj = vm.instantiate(&cls)?;
    store(&obj, st);
    Ok(obj)
}

fn new_date_in(vm: &mut Vm, cls: &Rc<Class>, st: DateState) -> PhpResult<Obj> {
    let obj = vm.instantiate(cls)?;
    store(&obj, st);
    Ok(obj)
}

fn new_timezone(vm: &mut Vm, z: Zone) -> PhpResult<Obj> {
    let cls = vm.lookup_class(b"DateTimeZone")?;
    let obj = vm.instantiate(&cls)?;
    store_tz(&obj, z);
    Ok(obj)
}

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).map(Value::deref_clone).unwrap_or(Value::Undef)
}

fn str_arg(vm: &mut Vm, args: &[Value], i: usize, default: &str) -> PhpResult<PhpStr> {
    match arg(args, i) {
        Value::Undef => Ok(PhpStr::from(default)),
        v => vm.to_php_str(&v),
    }
}

fn int_arg(args: &[Value], i: usize, default: i64) -> i64 {
    match arg(args, i) {
        Value::Undef | Value::Null => default,
        v => v.to_int(),
    }
}

/// An argument that must be an instance of `class` (for TypeErrors).
fn obj_arg(args: &[Value], i: usize, func: &str, param: &str, class: &str) -> PhpResult<Obj> {
    match arg(args, i) {
        Value::Object(o) if o.class().is_subclass_of_ci(class.as_bytes()) => Ok(o),
        v => Err(Fault::type_error(format!(
            "{func}(): Argument #{} (${param}) must be of type {class}, {} given",
            i + 1,
            v.type_name()
        ))),
    }
}

fn parse_error(text: &[u8]) -> String {
    let first = text.first().map(|&c| c as char).unwrap_or(' ');
    format!(
        "Failed to parse time string ({}) at position 0 ({first}): The timezone could not be found in the database",
        String::from_utf8_lossy(text)
    )
}

// ---------------------------------------------------------------------------------------
// DateTime and DateTimeImmutable

fn dt_construct(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let text = str_arg(vm, args, 0, "now")?;
    let zone = match arg(args, 1) {
        Value::Object(o) => tz_state(&o).unwrap_or_else(|| dt::default_zone(vm)),
        _ => dt::default_zone(vm),
    };
    let Some(p) = parse::parse(&text) else {
        let class = if is_immutable(obj) {
            "DateTimeImmutable"
        } else {
            "DateTime"
        };
        let _ = class;
        return Err(Fault::error("Exception", parse_error(&text)));
    };
    let (now, now_us) = dt::now();
    let (ts, us, zone) = parse::resolve(&p, now, now_us, &zone, parse::Fill::Create);
    store(obj, DateState { ts, us, zone });
    Ok(Value::Null)
}

fn dt_format(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, args: &[Value]) -> PhpResult<Value> {
    let st = state_or_err(this_of(this)?)?;
    let f = str_arg(vm, args, 0, "")?;
    Ok(Value::str(dt::format_date(&f, st.ts, st.us, &st.zone)))
}

fn dt_modify(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, args: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let st = state_or_err(obj)?;
    let text = str_arg(vm, args, 0, "")?;
    let Some(p) = parse::parse(&text) else {
        let class = if is_immutable(obj) {
            "DateTimeImmutable"
        } else {
            "DateTime"
        };
        vm.raise(
            ErrorLevel::Warning,
            &format!("{class}::modify(): {}", parse_error(&text)),
        )?;
        return Ok(Value::Bool(false));
    };
    let (ts, us, zone) = parse::resolve(&p, st.ts, st.us, &st.zone, parse::Fill::Modify);
    let t = target(vm, obj)?;
    store(&t, DateState { ts, us, zone });
    Ok(Value::Object(t))
}

fn dt_get_timestamp(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Int(state_or_err(this_of(this)?)?.ts))
}

fn dt_get_microsecond(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    Ok(Value::Int(state_or_err(this_of(this)?)?.us))
}

fn dt_set_timestamp(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let mut st = state_or_err(obj)?;
    st.ts = int_arg(args, 0, 0);
    st.us = 0;
    let t = target(vm, obj)?;
    store(&t, st);
    Ok(Value::Object(t))
}

/// Replaces local civil fields and stores the result.
fn set_civil(vm: &mut Vm, obj: &Obj, f: impl FnOnce(&mut Civil)) -> PhpResult<Value> {
    let st = state_or_err(obj)?;
    let mut c = st.zone.civil(st.ts, st.us);
    f(&mut c);
    let (local, us) = c.to_secs();
    let ts = st.zone.local_to_ts(local);
    let t = target(vm, obj)?;
    store(
        &t,
        DateState {
            ts,
            us,
            zone: st.zone,
        },
    );
    Ok(Value::Object(t))
}

fn dt_set_date(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let (y, m, d) = (
        int_arg(args, 0, 0),
        int_arg(args, 1, 1),
        int_arg(args, 2, 1),
    );
    set_civil(vm, this_of(this)?, |c| {
        c.y = y;
        c.m = m;
        c.d = d;
    })
}

fn dt_set_time(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let (h, i, s, us) = (
        int_arg(args, 0, 0),
        int_arg(args, 1, 0),
        int_arg(args, 2, 0),
        int_arg(args, 3, 0),
    );
    set_civil(vm, this_of(this)?, |c| {
        c.h = h;
        c.i = i;
        c.s = s;
        c.us = us;
    })
}

fn dt_get_timezone(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let st = state_or_err(this_of(this)?)?;
    Ok(Value::Object(new_timezone(vm, st.zone)?))
}

fn dt_set_timezone(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let class = if is_immutable(obj) {
        "DateTimeImmutable::setTimezone"
    } else {
        "DateTime::setTimezone"
    };
    let tz = obj_arg(args, 0, class, "timezone", "DateTimeZone")?;
    let mut st = state_or_err(obj)?;
    st.zone = tz_state(&tz).unwrap_or_else(Zone::utc);
    let t = target(vm, obj)?;
    store(&t, st);
    Ok(Value::Object(t))
}

fn dt_get_offset(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    _a: &[Value],
) -> PhpResult<Value> {
    let st = state_or_err(this_of(this)?)?;
    Ok(Value::Int(st.zone.offset_at(st.ts)))
}

/// An interval's fields from its properties: `(y, m, d, h, i, s, us, invert)`.
fn interval_fields(o: &Obj) -> [i64; 8] {
    let d = o.borrow();
    let get = |k: &[u8]| d.props.get_str(k).map(Value::deref_clone);
    let int = |k: &[u8]| get(k).map_or(0, |v| v.to_int());
    let us = get(b"f").map_or(0, |v| (v.to_float() * 1e6).round() as i64);
    [
        int(b"y"),
        int(b"m"),
        int(b"d"),
        int(b"h"),
        int(b"i"),
        int(b"s"),
        us,
        int(b"invert"),
    ]
}

/// `add`/`sub`: date parts in wall-clock time, the time part as elapsed seconds (PHP 8.1+).
fn add_interval(vm: &mut Vm, obj: &Obj, args: &[Value], sign: i64, func: &str) -> PhpResult<Value> {
    let iv = obj_arg(args, 0, func, "interval", "DateInterval")?;
    let [y, m, d, h, i, s, us, invert] = interval_fields(&iv);
    let sign = if invert != 0 { -sign } else { sign };
    let st = state_or_err(obj)?;
    let mut c = st.zone.civil(st.ts, st.us);
    c.y += sign * y;
    c.m += sign * m;
    c.d += sign * d;
    let (local, _) = c.to_secs();
    let mut ts = st.zone.local_to_ts(local);
    let total_us = st.us + sign * (us + (h * 3600 + i * 60 + s) * 1_000_000);
    ts += total_us.div_euclid(1_000_000);
    let us = total_us.rem_euclid(1_000_000);
    let t = target(vm, obj)?;
    store(
        &t,
        DateState {
            ts,
            us,
            zone: st.zone,
        },
    );
    Ok(Value::Object(t))
}

fn dt_add(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, args: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let f = if is_immutable(obj) {
        "DateTimeImmutable::add"
    } else {
        "DateTime::add"
    };
    add_interval(vm, obj, args, 1, f)
}

fn dt_sub(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, args: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let f = if is_immutable(obj) {
        "DateTimeImmutable::sub"
    } else {
        "DateTime::sub"
    };
    add_interval(vm, obj, args, -1, f)
}

/// The difference `later - earlier` as `(y, m, d, h, i, s, us, days)`, both given as
/// local civil times: whole months first (as many as fit), then days and time.
fn civil_diff(earlier: Civil, later: Civil) -> [i64; 8] {
    let (e_secs, e_us) = earlier.to_secs();
    let (l_secs, l_us) = later.to_secs();
    let e_total = e_secs as i128 * 1_000_000 + e_us as i128;
    let l_total = l_secs as i128 * 1_000_000 + l_us as i128;
    let mut months = (later.y - earlier.y) * 12 + (later.m - earlier.m);
    let candidate = |months: i64| {
        let mut c = earlier;
        c.m += months;
        let (s, u) = c.to_secs();
        s as i128 * 1_000_000 + u as i128
    };
    while months > 0 && candidate(months) > l_total {
        months -= 1;
    }
    let rest = l_total - candidate(months);
    let days_total = (l_total - e_total) / 86_400_000_000;
    let rest_secs = (rest / 1_000_000) as i64;
    let us = (rest % 1_000_000) as i64;
    [
        months / 12,
        months % 12,
        rest_secs / 86400,
        rest_secs % 86400 / 3600,
        rest_secs % 3600 / 60,
        rest_secs % 60,
        us,
        days_total as i64,
    ]
}

fn new_interval(vm: &mut Vm, f: [i64; 8], invert: bool, days: Option<i64>) -> PhpResult<Obj> {
    let cls = vm.lookup_class(b"DateInterval")?;
    let obj = vm.instantiate(&cls)?;
    let mut d = obj.borrow_mut();
    let mut put = |k: &str, v: Value| d.props.insert(ArrayKey::Str(PhpStr::from(k)), v);
    for (k, v) in ["y", "m", "d", "h", "i", "s"].iter().zip(f) {
        put(k, Value::Int(v));
    }
    put("f", Value::Float(f[6] as f64 / 1e6));
    put("invert", Value::Int(i64::from(invert)));
    put("days", days.map_or(Value::Bool(false), Value::Int));
    put("from_string", Value::Bool(false));
    drop(d);
    Ok(obj)
}

fn dt_diff(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, args: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let func = if is_immutable(obj) {
        "DateTimeImmutable::diff"
    } else {
        "DateTime::diff"
    };
    let other = obj_arg(args, 0, func, "targetObject", "DateTimeInterface")?;
    let absolute = arg(args, 1).to_bool();
    let a = state_or_err(obj)?;
    let b = state_or_err(&other)?;
    let invert = (b.ts, b.us) < (a.ts, a.us);
    let (e, l) = if invert { (&b, &a) } else { (&a, &b) };
    // Same zone: wall-clock difference; different zones: compare in UTC.
    let same = e.zone.name() == l.zone.name();
    let civil = |s: &DateState| {
        if same {
            s.zone.civil(s.ts, s.us)
        } else {
            Civil::from_secs(s.ts, s.us)
        }
    };
    let f = civil_diff(civil(e), civil(l));
    Ok(Value::Object(new_interval(
        vm,
        f,
        invert && !absolute,
        Some(f[7]),
    )?))
}

/// `createFromFormat`: reads `text` with `format`'s letters. `None` on mismatch.
fn parse_with_format(format: &[u8], text: &[u8], zone: &Zone) -> Option<DateState> {
    let (now, now_us) = dt::now();
    let base = zone.civil(now, now_us);
    let mut f: [Option<i64>; 7] = [None; 7]; // y m d h i s us
    let mut pm: Option<bool> = None;
    let mut ts_set: Option<i64> = None;
    let mut zone_set: Option<Zone> = None;
    let mut reset = false;
    let mut p = 0;
    let mut i = 0;
    let num = |p: &mut usize, max: usize| -> Option<i64> {
        let start = *p;
        let neg = text.get(*p) == Some(&b'-');
        if neg {
            *p += 1;
        }
        let ds = *p;
        while *p < text.len() && *p - ds < max && text[*p].is_ascii_digit() {
            *p += 1;
        }
        if *p == ds {
            *p = start;
            return None;
        }
        let v: i64 = std::str::from_utf8(&text[ds..*p]).ok()?.parse().ok()?;
        Some(if neg { -v } else { v })
    };
    while i < format.len() {
        let c = format[i];
        i += 1;
        match c {
            b'd' | b'j' => f[2] = Some(num(&mut p, 2)?),
            b'm' | b'n' => f[1] = Some(num(&mut p, 2)?),
            b'Y' => f[0] = Some(num(&mut p, 4)?),
            b'y' => {
                let y = num(&mut p, 2)?;
                f[0] = Some(if y < 70 { 2000 + y } else { 1900 + y });
            }
            b'H' | b'G' | b'h' | b'g' => f[3] = Some(num(&mut p, 2)?),
            b'i' => f[4] = Some(num(&mut p, 2)?),
            b's' => f[5] = Some(num(&mut p, 2)?),
            b'u' | b'v' => {
                let max = if c == b'u' { 6 } else { 3 };
                let start = p;
                let v = num(&mut p, max)?;
                let digits = (p - start) as u32;
                f[6] = Some(v * 10i64.pow(6 - digits.min(6)));
            }
            b'A' | b'a' => {
                let t = text.get(p..p + 2)?.to_ascii_lowercase();
                pm = Some(match t.as_slice() {
                    b"am" => false,
                    b"pm" => true,
                    _ => return None,
                });
                p += 2;
            }
            b'D' | b'l' => {
                while p < text.len() && text[p].is_ascii_alphabetic() {
                    p += 1;
                }
            }
            b'M' | b'F' => {
                let start = p;
                while p < text.len() && text[p].is_ascii_alphabetic() {
                    p += 1;
                }
                let word = std::str::from_utf8(&text[start..p])
                    .ok()?
                    .to_ascii_lowercase();
                let m = parse::parse(format!("1 {word} 2000").as_bytes())?.m?;
                f[1] = Some(m);
            }
            b'U' => ts_set = Some(num(&mut p, 20)?),
            b'e' | b'T' | b'O' | b'P' => {
                let start = p;
                while p < text.len() && !text[p].is_ascii_whitespace() {
                    p += 1;
                }
                let name = std::str::from_utf8(&text[start..p]).ok()?;
                zone_set = Some(if name == "Z" || name == "z" {
                    Zone::Offset(0)
                } else {
                    Zone::parse(name)?
                });
            }
            b'!' | b'|' => {
                reset = true;
                if c == b'!' {
                    f = [None; 7];
                }
            }
            b'\\' => {
                let lit = *format.get(i)?;
                i += 1;
                if text.get(p) != Some(&lit) {
                    return None;
                }
                p += 1;
            }
            b'?' => p += 1,
            b'*' => {
                while p < text.len()
                    && !matches!(
                        text[p],
                        b' ' | b',' | b';' | b':' | b'/' | b'.' | b'-' | b'(' | b')'
                    )
                {
                    p += 1;
                }
            }
            b'+' => p = text.len(),
            _ => {
                if text.get(p) != Some(&c) {
                    return None;
                }
                p += 1;
            }
        }
    }
    if p < text.len() {
        return None;
    }
    let zone = zone_set.unwrap_or_else(|| zone.clone());
    if let Some(ts) = ts_set {
        return Some(DateState {
            ts,
            us: 0,
            zone: Zone::Offset(0),
        });
    }
    let time_given = f[3].is_some() || f[4].is_some() || f[5].is_some() || f[6].is_some();
    let pick = |v: Option<i64>, b: i64| v.unwrap_or(if reset { 0 } else { b });
    let mut h = if time_given {
        f[3].unwrap_or(0)
    } else {
        pick(f[3], base.h)
    };
    if let Some(pm) = pm {
        h = h % 12 + if pm { 12 } else { 0 };
    }
    let c = Civil {
        y: f[0].unwrap_or(if reset { 1970 } else { base.y }),
        m: f[1].unwrap_or(if reset { 1 } else { base.m }),
        d: f[2].unwrap_or(if reset { 1 } else { base.d }),
        h,
        i: if time_given {
            f[4].unwrap_or(0)
        } else {
            pick(f[4], base.i)
        },
        s: if time_given {
            f[5].unwrap_or(0)
        } else {
            pick(f[5], base.s)
        },
        us: if time_given {
            f[6].unwrap_or(0)
        } else {
            pick(f[6], base.us)
        },
    };
    let (local, us) = c.to_secs();
    Some(DateState {
        ts: zone.local_to_ts(local),
        us,
        zone,
    })
}

fn dt_create_from_format(
    vm: &mut Vm,
    _this: Option<&Obj>,
    cls: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let format = str_arg(vm, args, 0, "")?;
    let text = str_arg(vm, args, 1, "")?;
    let zone = match arg(args, 2) {
        Value::Object(o) => tz_state(&o).unwrap_or_else(|| dt::default_zone(vm)),
        _ => dt::default_zone(vm),
    };
    match parse_with_format(&format, &text, &zone) {
        Some(st) => Ok(Value::Object(new_date_in(vm, cls, st)?)),
        None => Ok(Value::Bool(false)),
    }
}

fn dt_create_from_interface(
    vm: &mut Vm,
    _this: Option<&Obj>,
    cls: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let other = obj_arg(
        args,
        0,
        &format!("{}::createFromInterface", cls.display_name()),
        "object",
        "DateTimeInterface",
    )?;
    let st = state_or_err(&other)?;
    Ok(Value::Object(new_date_in(vm, cls, st)?))
}

// ---------------------------------------------------------------------------------------
// DateTimeZone

fn tz_construct(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let name = str_arg(vm, args, 0, "")?.to_string_lossy();
    match Zone::parse(&name) {
        Some(z) => {
            store_tz(obj, z);
            Ok(Value::Null)
        }
        None => Err(Fault::error(
            "Exception",
            format!("DateTimeZone::__construct(): Unknown or bad timezone ({name})"),
        )),
    }
}

fn tz_get_name(_vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, _a: &[Value]) -> PhpResult<Value> {
    let z = tz_state(this_of(this)?).unwrap_or_else(Zone::utc);
    Ok(Value::str(z.name()))
}

fn tz_get_offset(
    _vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let z = tz_state(this_of(this)?).unwrap_or_else(Zone::utc);
    let d = obj_arg(
        args,
        0,
        "DateTimeZone::getOffset",
        "datetime",
        "DateTimeInterface",
    )?;
    let st = state_or_err(&d)?;
    Ok(Value::Int(z.offset_at(st.ts)))
}

// ---------------------------------------------------------------------------------------
// DateInterval

/// Parses an ISO 8601 duration (`P1Y2M3DT4H5M6S`, `P2W`).
fn parse_duration(spec: &[u8]) -> Option<[i64; 6]> {
    let rest = spec.strip_prefix(b"P")?;
    let mut f = [0i64; 6];
    let mut in_time = false;
    let mut n: Option<i64> = None;
    let mut any = false;
    for &c in rest {
        match c {
            b'T' if !in_time && n.is_none() => in_time = true,
            b'0'..=b'9' => {
                n = Some(
                    n.unwrap_or(0)
                        .checked_mul(10)?
                        .checked_add(i64::from(c - b'0'))?,
                )
            }
            _ => {
                let v = n.take()?;
                let idx = match (c, in_time) {
                    (b'Y', false) => 0,
                    (b'M', false) => 1,
                    (b'D', false) => 2,
                    (b'W', false) => {
                        f[2] += v * 7;
                        any = true;
                        continue;
                    }
                    (b'H', true) => 3,
                    (b'M', true) => 4,
                    (b'S', true) => 5,
                    _ => return None,
                };
                f[idx] = v;
                any = true;
            }
        }
    }
    if n.is_some() || !any {
        return None;
    }
    Some(f)
}

fn di_construct(
    vm: &mut Vm,
    this: Option<&Obj>,
    _c: &Rc<Class>,
    args: &[Value],
) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let spec = str_arg(vm, args, 0, "")?;
    let Some(f) = parse_duration(&spec) else {
        return Err(Fault::error(
            "Exception",
            format!("Unknown or bad format ({})", spec.to_string_lossy()),
        ));
    };
    let mut d = obj.borrow_mut();
    let mut put = |k: &str, v: Value| d.props.insert(ArrayKey::Str(PhpStr::from(k)), v);
    for (k, v) in ["y", "m", "d", "h", "i", "s"].iter().zip(f) {
        put(k, Value::Int(v));
    }
    put("f", Value::Float(0.0));
    put("invert", Value::Int(0));
    put("days", Value::Bool(false));
    put("from_string", Value::Bool(false));
    Ok(Value::Null)
}

fn di_format(vm: &mut Vm, this: Option<&Obj>, _c: &Rc<Class>, args: &[Value]) -> PhpResult<Value> {
    let obj = this_of(this)?;
    let fmt = str_arg(vm, args, 0, "")?;
    let [y, m, d, h, i, s, us, invert] = interval_fields(obj);
    let days = obj.borrow().props.get_str(b"days").map(Value::deref_clone);
    let mut out = Vec::new();
    let mut k = 0;
    while k < fmt.len() {
        if fmt[k] != b'%' || k + 1 >= fmt.len() {
            out.push(fmt[k]);
            k += 1;
            continue;
        }
        let piece = match fmt[k + 1] {
            b'Y' => format!("{y:02}"),
            b'y' => y.to_string(),
            b'M' => format!("{m:02}"),
            b'm' => m.to_string(),
            b'D' => format!("{d:02}"),
            b'd' => d.to_string(),
            b'H' => format!("{h:02}"),
            b'h' => h.to_string(),
            b'I' => format!("{i:02}"),
            b'i' => i.to_string(),
            b'S' => format!("{s:02}"),
            b's' => s.to_string(),
            b'F' => format!("{us:06}"),
            b'f' => us.to_string(),
            b'a' => match &days {
                Some(Value::Int(n)) => n.to_string(),
                _ => "(unknown)".into(),
            },
            b'R' => (if invert != 0 { "-" } else { "+" }).into(),
            b'r' => (if invert != 0 { "-" } else { "" }).into(),
            b'%' => "%".into(),
            other => format!("%{}", other as char),
        };
        out.extend_from_slice(piece.as_bytes());
        k += 2;
    }
    Ok(Value::str(out))
}

// ---------------------------------------------------------------------------------------
// Comparison hook and procedural aliases

/// Compares two date objects by instant, as PHP's `==`/`<`/`<=>` do for
/// `DateTimeInterface` objects; `None` when either is not a date. Called by
/// `ops::compare`.
pub fn compare_dates(a: &Obj, b: &Obj) -> Option<Ordering> {
    if !a.instance_of(b"datetimeinterface") || !b.instance_of(b"datetimeinterface") {
        return None;
    }
    let (x, y) = (state(a)?, state(b)?);
    Some((x.ts, x.us).cmp(&(y.ts, y.us)))
}

/// Calls a method of a date object for a procedural alias.
fn call_on(host: &mut dyn Host, obj: &Value, method: &[u8], args: &[Value]) -> PhpResult<Value> {
    let Value::Object(o) = obj.deref_clone() else {
        return Err(Fault::type_error("argument must be a date object"));
    };
    Ok(host.call_method(&o, method, args)?.unwrap_or(Value::Null))
}

fn create(host: &mut dyn Host, args: &[Value], class: &[u8]) -> PhpResult<Value> {
    let Some(vm) = host.engine() else {
        return Err(Fault::fatal("date_create needs the engine"));
    };
    let text = str_arg(vm, args, 0, "now")?;
    let zone = match arg(args, 1) {
        Value::Object(o) => tz_state(&o).unwrap_or_else(|| dt::default_zone(vm)),
        _ => dt::default_zone(vm),
    };
    let Some(p) = parse::parse(&text) else {
        return Ok(Value::Bool(false));
    };
    let (now, now_us) = dt::now();
    let (ts, us, zone) = parse::resolve(&p, now, now_us, &zone, parse::Fill::Create);
    Ok(Value::Object(new_date(
        vm,
        class,
        DateState { ts, us, zone },
    )?))
}

fn date_create(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    create(host, args, b"DateTime")
}

fn date_create_immutable(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    create(host, args, b"DateTimeImmutable")
}

fn date_diff(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    call_on(host, &args[0], b"diff", &args[1..])
}

fn date_add(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    call_on(host, &args[0], b"add", &args[1..])
}

fn date_sub(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    call_on(host, &args[0], b"sub", &args[1..])
}

fn date_format(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    call_on(host, &args[0], b"format", &args[1..])
}

fn date_modify(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    call_on(host, &args[0], b"modify", &args[1..])
}

fn date_timestamp_get(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    call_on(host, &args[0], b"getTimestamp", &[])
}

fn date_timestamp_set(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    call_on(host, &args[0], b"setTimestamp", &args[1..])
}

fn date_timezone_set(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    call_on(host, &args[0], b"setTimezone", &args[1..])
}

fn date_create_from_format(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let Some(vm) = host.engine() else {
        return Err(Fault::fatal("date_create_from_format needs the engine"));
    };
    let cls = vm.lookup_class(b"DateTime")?;
    dt_create_from_format(vm, None, &cls, args)
}

fn timezone_open(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = host.to_str(&arg(args, 0))?.to_string_lossy();
    let Some(vm) = host.engine() else {
        return Err(Fault::fatal("timezone_open needs the engine"));
    };
    match Zone::parse(&name) {
        Some(z) => Ok(Value::Object(new_timezone(vm, z)?)),
        None => {
            vm.raise(
                ErrorLevel::Warning,
                &format!("timezone_open(): Unknown or bad timezone ({name})"),
            )?;
            Ok(Value::Bool(false))
        }
    }
}

fn date_interval_format(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    call_on(host, &args[0], b"format", &args[1..])
}

/// Procedural aliases of the date classes (registered by `builtins::datetime`).
pub const FUNCTIONS: &[super::super::builtins::BuiltinDef] = {
    use super::super::builtins::BuiltinDef as D;
    &[
        D { name: "date_create", sig: "string $datetime = \"now\", ?DateTimeZone $timezone = null", func: date_create },
        D { name: "date_create_immutable", sig: "string $datetime = \"now\", ?DateTimeZone $timezone = null", func: date_create_immutable },
        D { name: "date_create_from_format", sig: "string $format, string $datetime, ?DateTimeZone $timezone = null", func: date_create_from_format },
        D { name: "date_diff", sig: "DateTimeInterface $baseObject, DateTimeInterface $targetObject, bool $absolute = false", func: date_diff },
        D { name: "date_add", sig: "DateTime $object, DateInterval $interval", func: date_add },
        D { name: "date_sub", sig: "DateTime $object, DateInterval $interval", func: date_sub },
        D { name: "date_format", sig: "DateTimeInterface $object, string $format", func: date_format },
        D { name: "date_modify", sig: "DateTime $object, string $modifier", func: date_modify },
        D { name: "date_timestamp_get", sig: "DateTimeInterface $object", func: date_timestamp_get },
        D { name: "date_timestamp_set", sig: "DateTime $object, int $timestamp", func: date_timestamp_set },
        D { name: "date_timezone_set", sig: "DateTime $object, DateTimeZone $timezone", func: date_timezone_set },
        D { name: "timezone_open", sig: "string $timezone", func: timezone_open },
        D { name: "date_interval_format", sig: "DateInterval $object, string $format", func: date_interval_format },
    ]
};

#[cfg(test)]
mod tests {
    use super::*;

    fn civil(y: i64, m: i64, d: i64, h: i64) -> Civil {
        Civil {
            y,
            m,
            d,
            h,
            i: 0,
            s: 0,
            us: 0,
        }
    }

    #[test]
    fn diff_takes_whole_months_first() {
        // PHP 8.2: 2021-01-31 10:00 -> 2021-03-01 09:00 is 28 days 23 hours.
        let f = civil_diff(civil(2021, 1, 31, 10), civil(2021, 3, 1, 9));
        assert_eq!(f, [0, 0, 28, 23, 0, 0, 0, 28]);
        let f = civil_diff(civil(2020, 1, 1, 0), civil(2021, 3, 15, 12));
        assert_eq!(&f[..4], &[1, 2, 14, 12]);
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration(b"P1Y2M3DT4H5M6S"), Some([1, 2, 3, 4, 5, 6]));
        assert_eq!(parse_duration(b"P2W"), Some([0, 0, 14, 0, 0, 0]));
        assert_eq!(parse_duration(b"PT36H"), Some([0, 0, 0, 36, 0, 0]));
        assert_eq!(parse_duration(b"xyz"), None);
        assert_eq!(parse_duration(b"P"), None);
    }

    #[test]
    fn days_in_month_is_shared() {
        assert_eq!(
            super::super::super::builtins::datetime::calendar::days_in_month(2024, 2),
            29
        );
    }
}
