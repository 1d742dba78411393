//! Date and time functions: `date`/`gmdate` (every format letter), `mktime`, `checkdate`,
//! `strtotime`, `idate`, `getdate`, `localtime`, `strftime`, `date_parse`, and the default
//! time zone (`date_default_timezone_set`, the `date.timezone` ini setting).
//!
//! `time`, `microtime` and `hrtime` live in `core`. The `DateTime` classes are in
//! `interp/date_classes.rs` and share this module's formatter and parser.

pub mod calendar;
pub mod parse;

use std::cell::RefCell;

use super::super::array::{ArrayKey, PhpArray};
use super::super::error::{ErrorLevel, PhpResult};
use super::super::host::Host;
use super::super::value::{PhpStr, Value};
use super::args::{bool_or, opt, str_at};
use super::{BuiltinDef, ConstVal};
use calendar::{days_in_month, is_leap, iso_week, offset_string, Civil, Zone};

thread_local! {
    /// The zone set by `date_default_timezone_set` in this request (name as given, zone).
    static DEFAULT_ZONE: RefCell<Option<(String, Zone)>> = const { RefCell::new(None) };
}

/// Forgets the request's default time zone.
pub fn reset_request_state() {
    DEFAULT_ZONE.with(|z| *z.borrow_mut() = None);
}

/// The default zone: `date_default_timezone_set`, else `date.timezone`, else UTC.
pub fn default_zone(host: &dyn Host) -> Zone {
    if let Some((_, z)) = DEFAULT_ZONE.with(|z| z.borrow().clone()) {
        return z;
    }
    host.ini_get(b"date.timezone")
        .and_then(|s| Zone::from_id(&s.to_string_lossy()))
        .unwrap_or_else(Zone::utc)
}

fn default_zone_name(host: &dyn Host) -> String {
    if let Some((name, _)) = DEFAULT_ZONE.with(|z| z.borrow().clone()) {
        return name;
    }
    host.ini_get(b"date.timezone")
        .map(|s| s.to_string_lossy())
        .filter(|s| Zone::from_id(s).is_some())
        .unwrap_or_else(|| "UTC".into())
}

/// The current time: seconds and microseconds since the epoch.
pub fn now() -> (i64, i64) {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs() as i64, i64::from(d.subsec_micros()))
}

const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn english_suffix(d: i64) -> &'static str {
    if (11..=13).contains(&(d % 100)) {
        return "th";
    }
    match d % 10 {
        1 => "st",
        2 => "nd",
        3 => "rd",
        _ => "th",
    }
}

/// A year as `Y` prints it: at least four digits, a minus sign before year zero.
fn year4(y: i64) -> String {
    if y < 0 {
        format!("-{:04}", -y)
    } else {
        format!("{y:04}")
    }
}

/// Formats `ts` (with microseconds `us`) in `zone` as PHP's `date()` does.
pub fn format_date(fmt: &[u8], ts: i64, us: i64, zone: &Zone) -> Vec<u8> {
    let info = zone.info(ts);
    let c = Civil::from_secs(ts + i64::from(info.offset), us);
    let days = c.days();
    let dow = calendar::day_of_week(days);
    let mut out = String::new();
    let mut i = 0;
    while i < fmt.len() {
        let ch = fmt[i];
        i += 1;
        match ch {
            b'd' => out.push_str(&format!("{:02}", c.d)),
            b'D' => out.push_str(&DAY_NAMES[dow as usize][..3]),
            b'j' => out.push_str(&c.d.to_string()),
            b'l' => out.push_str(DAY_NAMES[dow as usize]),
            b'N' => out.push_str(&(if dow == 0 { 7 } else { dow }).to_string()),
            b'S' => out.push_str(english_suffix(c.d)),
            b'w' => out.push_str(&dow.to_string()),
            b'z' => out.push_str(&(days - calendar::days_from_civil(c.y, 1, 1)).to_string()),
            b'W' => out.push_str(&format!("{:02}", iso_week(c.y, c.m, c.d).1)),
            b'F' => out.push_str(MONTH_NAMES[(c.m - 1) as usize]),
            b'm' => out.push_str(&format!("{:02}", c.m)),
            b'M' => out.push_str(&MONTH_NAMES[(c.m - 1) as usize][..3]),
            b'n' => out.push_str(&c.m.to_string()),
            b't' => out.push_str(&days_in_month(c.y, c.m).to_string()),
            b'L' => out.push(if is_leap(c.y) { '1' } else { '0' }),
            b'o' => out.push_str(&iso_week(c.y, c.m, c.d).0.to_string()),
            b'X' | b'x' => {
                // Expanded year: a sign when outside 0..=9999 (always for `X`).
                if ch == b'X' || !(0..10000).contains(&c.y) {
                    out.push(if c.y < 0 { '-' } else { '+' });
                    out.push_str(&format!("{:04}", c.y.abs()));
                } else {
                    out.push_str(&format!("{:04}", c.y));
                }
            }
            b'Y' => out.push_str(&year4(c.y)),
            b'y' => out.push_str(&format!("{:02}", c.y.rem_euclid(100))),
            b'a' => out.push_str(if c.h >= 12 { "pm" } else { "am" }),
            b'A' => out.push_str(if c.h >= 12 { "PM" } else { "AM" }),
            b'B' => {
                let mut beat = (ts.rem_euclid(86400) + 3600) * 10;
                if beat < 0 {
                    beat += 864000;
                }
                out.push_str(&format!("{:03}", (beat / 864) % 1000));
            }
            b'g' => out.push_str(&(if c.h % 12 == 0 { 12 } else { c.h % 12 }).to_string()),
            b'G' => out.push_str(&c.h.to_string()),
            b'h' => out.push_str(&format!("{:02}", if c.h % 12 == 0 { 12 } else { c.h % 12 })),
            b'H' => out.push_str(&format!("{:02}", c.h)),
            b'i' => out.push_str(&format!("{:02}", c.i)),
            b's' => out.push_str(&format!("{:02}", c.s)),
            b'u' => out.push_str(&format!("{:06}", us)),
            b'v' => out.push_str(&format!("{:03}", us / 1000)),
            b'e' => out.push_str(&zone.name()),
            b'I' => out.push(if info.dst { '1' } else { '0' }),
            b'O' => out.push_str(&offset_string(info.offset, false)),
            b'P' => out.push_str(&offset_string(info.offset, true)),
            b'p' => {
                if info.offset == 0 {
                    out.push('Z');
                } else {
                    out.push_str(&offset_string(info.offset, true));
                }
            }
            b'T' => out.push_str(&info.abbr),
            b'Z' => out.push_str(&info.offset.to_string()),
            b'c' => out.push_str(&format!(
                "{}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
                year4(c.y),
                c.m,
                c.d,
                c.h,
                c.i,
                c.s,
                offset_string(info.offset, true)
            )),
            b'r' => out.push_str(&format!(
                "{}, {:02} {} {} {:02}:{:02}:{:02} {}",
                &DAY_NAMES[dow as usize][..3],
                c.d,
                &MONTH_NAMES[(c.m - 1) as usize][..3],
                year4(c.y),
                c.h,
                c.i,
                c.s,
                offset_string(info.offset, false)
            )),
            b'U' => out.push_str(&ts.to_string()),
            b'\\' => {
                if i < fmt.len() {
                    // Copy the escaped byte (or a whole UTF-8 sequence) literally.
                    let mut bytes = vec![fmt[i]];
                    i += 1;
                    while i < fmt.len() && (fmt[i] & 0xC0) == 0x80 {
                        bytes.push(fmt[i]);
                        i += 1;
                    }
                    out.push_str(&String::from_utf8_lossy(&bytes));
                }
            }
            _ => {
                // Other bytes pass through unchanged (including non-UTF-8 ones).
                let mut bytes = vec![ch];
                while i < fmt.len() && (fmt[i] & 0xC0) == 0x80 {
                    bytes.push(fmt[i]);
                    i += 1;
                }
                match String::from_utf8(bytes) {
                    Ok(s) => out.push_str(&s),
                    Err(e) => {
                        // Keep raw bytes: finish the string so far and append them.
                        let mut v = out.into_bytes();
                        v.extend_from_slice(e.as_bytes());
                        v.extend_from_slice(&format_date(&fmt[i..], ts, us, zone));
                        return v;
                    }
                }
            }
        }
    }
    out.into_bytes()
}

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "date",
        sig: "string $format, ?int $timestamp = null",
        func: date,
    },
    BuiltinDef {
        name: "gmdate",
        sig: "string $format, ?int $timestamp = null",
        func: gmdate,
    },
    BuiltinDef {
        name: "mktime",
        sig: "int $hour, ?int $minute = null, ?int $second = null, ?int $month = null, ?int $day = null, ?int $year = null",
        func: mktime,
    },
    BuiltinDef {
        name: "gmmktime",
        sig: "int $hour, ?int $minute = null, ?int $second = null, ?int $month = null, ?int $day = null, ?int $year = null",
        func: gmmktime,
    },
    BuiltinDef {
        name: "checkdate",
        sig: "int $month, int $day, int $year",
        func: checkdate,
    },
    BuiltinDef {
        name: "strtotime",
        sig: "string $datetime, ?int $baseTimestamp = null",
        func: strtotime,
    },
    BuiltinDef {
        name: "date_default_timezone_set",
        sig: "string $timezoneId",
        func: date_default_timezone_set,
    },
    BuiltinDef {
        name: "date_default_timezone_get",
        sig: "",
        func: date_default_timezone_get,
    },
    BuiltinDef {
        name: "idate",
        sig: "string $format, ?int $timestamp = null",
        func: idate,
    },
    BuiltinDef {
        name: "getdate",
        sig: "?int $timestamp = null",
        func: getdate,
    },
    BuiltinDef {
        name: "localtime",
        sig: "?int $timestamp = null, bool $associative = false",
        func: localtime,
    },
    BuiltinDef {
        name: "strftime",
        sig: "string $format, ?int $timestamp = null",
        func: strftime,
    },
    BuiltinDef {
        name: "gmstrftime",
        sig: "string $format, ?int $timestamp = null",
        func: gmstrftime,
    },
    BuiltinDef {
        name: "date_parse",
        sig: "string $datetime",
        func: date_parse,
    },
];

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("DATE_ATOM", ConstVal::Str("Y-m-d\\TH:i:sP")),
    ("DATE_COOKIE", ConstVal::Str("l, d-M-Y H:i:s T")),
    ("DATE_ISO8601", ConstVal::Str("Y-m-d\\TH:i:sO")),
    ("DATE_RFC822", ConstVal::Str("D, d M y H:i:s O")),
    ("DATE_RFC850", ConstVal::Str("l, d-M-y H:i:s T")),
    ("DATE_RFC1036", ConstVal::Str("D, d M y H:i:s O")),
    ("DATE_RFC1123", ConstVal::Str("D, d M Y H:i:s O")),
    ("DATE_RFC7231", ConstVal::Str("D, d M Y H:i:s \\G\\M\\T")),
    ("DATE_RFC2822", ConstVal::Str("D, d M Y H:i:s O")),
    ("DATE_RFC3339", ConstVal::Str("Y-m-d\\TH:i:sP")),
    ("DATE_RFC3339_EXTENDED", ConstVal::Str("Y-m-d\\TH:i:s.vP")),
    ("DATE_RSS", ConstVal::Str("D, d M Y H:i:s O")),
    ("DATE_W3C", ConstVal::Str("Y-m-d\\TH:i:sP")),
];

/// The optional timestamp argument at `i`, or now.
fn ts_arg(args: &[Value], i: usize) -> i64 {
    match opt(args, i) {
        Some(Value::Int(t)) => *t,
        _ => now().0,
    }
}

fn date(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let zone = default_zone(host);
    Ok(Value::str(format_date(
        &str_at(args, 0),
        ts_arg(args, 1),
        0,
        &zone,
    )))
}

fn gmdate(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::str(format_date(
        &str_at(args, 0),
        ts_arg(args, 1),
        0,
        &Zone::utc(),
    )))
}

/// `mktime`/`gmmktime`: missing fields come from the current local time; years 0-69 mean
/// 2000-2069 and 70-100 mean 1970-2000; every field may overflow.
fn make_time(args: &[Value], zone: &Zone) -> i64 {
    let (ts, _) = now();
    let cur = zone.civil(ts, 0);
    let field = |i: usize, d: i64| match opt(args, i) {
        Some(Value::Int(v)) => *v,
        _ => d,
    };
    let mut year = field(5, cur.y);
    if opt(args, 5).is_some_and(|v| !v.is_null()) {
        if (0..70).contains(&year) {
            year += 2000;
        } else if (70..=100).contains(&year) {
            year += 1900;
        }
    }
    let c = Civil {
        y: year,
        m: field(3, cur.m),
        d: field(4, cur.d),
        h: field(0, cur.h),
        i: field(1, cur.i),
        s: field(2, cur.s),
        us: 0,
    };
    zone.local_to_ts(c.to_secs().0)
}

fn mktime(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let zone = default_zone(host);
    Ok(Value::Int(make_time(args, &zone)))
}

fn gmmktime(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(make_time(args, &Zone::utc())))
}

fn checkdate(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let (m, d, y) = (args[0].to_int(), args[1].to_int(), args[2].to_int());
    Ok(Value::Bool(
        (1..=32767).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m),
    ))
}

fn strtotime(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let s = str_at(args, 0);
    let zone = default_zone(host);
    let base = ts_arg(args, 1);
    let Some(parsed) = parse::parse(&s) else {
        return Ok(Value::Bool(false));
    };
    let (ts, _, _) = parse::resolve(&parsed, base, 0, &zone, parse::Fill::Create);
    Ok(Value::Int(ts))
}

fn date_default_timezone_set(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = str_at(args, 0).to_string_lossy();
    match Zone::from_id(&name).or_else(|| Zone::from_abbr(&name)) {
        Some(zone) => {
            DEFAULT_ZONE.with(|z| *z.borrow_mut() = Some((name, zone)));
            Ok(Value::Bool(true))
        }
        None => {
            host.raise(
                ErrorLevel::Notice,
                &format!("date_default_timezone_set(): Timezone ID '{name}' is invalid"),
            )?;
            Ok(Value::Bool(false))
        }
    }
}

fn date_default_timezone_get(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    Ok(Value::str(default_zone_name(host)))
}

fn idate(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let f = str_at(args, 0);
    if f.len() != 1 {
        return Err(super::super::error::Fault::value_error(
            "idate(): Argument #1 ($format) must be one character",
        ));
    }
    let zone = default_zone(host);
    let ts = ts_arg(args, 1);
    let info = zone.info(ts);
    let c = Civil::from_secs(ts + i64::from(info.offset), 0);
    let days = c.days();
    let v = match f[0] {
        b'B' => {
            let beat = (ts.rem_euclid(86400) + 3600) * 10;
            (beat / 864) % 1000
        }
        b'd' => c.d,
        b'h' => {
            if c.h % 12 == 0 {
                12
            } else {
                c.h % 12
            }
        }
        b'H' => c.h,
        b'i' => c.i,
        b'I' => i64::from(info.dst),
        b'L' => i64::from(is_leap(c.y)),
        b'm' => c.m,
        b'N' => {
            let w = calendar::day_of_week(days);
            if w == 0 {
                7
            } else {
                w
            }
        }
        b'o' => iso_week(c.y, c.m, c.d).0,
        b's' => c.s,
        b't' => days_in_month(c.y, c.m),
        b'U' => ts,
        b'w' => calendar::day_of_week(days),
        b'W' => iso_week(c.y, c.m, c.d).1,
        b'y' => c.y % 100,
        b'Y' => c.y,
        b'z' => days - calendar::days_from_civil(c.y, 1, 1),
        b'Z' => i64::from(info.offset),
        _ => {
            return Err(super::super::error::Fault::value_error(
                "idate(): Argument #1 ($format) must be a valid date format character",
            ))
        }
    };
    Ok(Value::Int(v))
}

fn getdate(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let zone = default_zone(host);
    let ts = ts_arg(args, 0);
    let c = zone.civil(ts, 0);
    let days = c.days();
    let dow = calendar::day_of_week(days);
    let mut a = PhpArray::new();
    let mut put = |k: &str, v: Value| a.insert(ArrayKey::Str(PhpStr::from(k)), v);
    put("seconds", Value::Int(c.s));
    put("minutes", Value::Int(c.i));
    put("hours", Value::Int(c.h));
    put("mday", Value::Int(c.d));
    put("wday", Value::Int(dow));
    put("mon", Value::Int(c.m));
    put("year", Value::Int(c.y));
    put(
        "yday",
        Value::Int(days - calendar::days_from_civil(c.y, 1, 1)),
    );
    put("weekday", Value::str(DAY_NAMES[dow as usize]));
    put("month", Value::str(MONTH_NAMES[(c.m - 1) as usize]));
    a.insert(ArrayKey::Int(0), Value::Int(ts));
    Ok(Value::array(a))
}

fn localtime(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let zone = default_zone(host);
    let ts = ts_arg(args, 0);
    let info = zone.info(ts);
    let c = Civil::from_secs(ts + i64::from(info.offset), 0);
    let days = c.days();
    let values = [
        ("tm_sec", c.s),
        ("tm_min", c.i),
        ("tm_hour", c.h),
        ("tm_mday", c.d),
        ("tm_mon", c.m - 1),
        ("tm_year", c.y - 1900),
        ("tm_wday", calendar::day_of_week(days)),
        ("tm_yday", days - calendar::days_from_civil(c.y, 1, 1)),
        ("tm_isdst", i64::from(info.dst)),
    ];
    let assoc = bool_or(args, 1, false);
    let mut a = PhpArray::new();
    for (i, (k, v)) in values.iter().enumerate() {
        if assoc {
            a.insert(ArrayKey::Str(PhpStr::from(*k)), Value::Int(*v));
        } else {
            a.insert(ArrayKey::Int(i as i64), Value::Int(*v));
        }
    }
    Ok(Value::array(a))
}

/// `strftime` in the C locale.
fn format_strftime(fmt: &[u8], ts: i64, zone: &Zone) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    let d = |f: &str| format_date(f.as_bytes(), ts, 0, zone);
    while i < fmt.len() {
        if fmt[i] != b'%' || i + 1 >= fmt.len() {
            out.push(fmt[i]);
            i += 1;
            continue;
        }
        let spec = fmt[i + 1];
        i += 2;
        let piece: Vec<u8> = match spec {
            b'a' => d("D"),
            b'A' => d("l"),
            b'd' => d("d"),
            b'e' => format!("{:>2}", String::from_utf8_lossy(&d("j"))).into_bytes(),
            b'j' => format!(
                "{:03}",
                zone.civil(ts, 0).days() - {
                    let c = zone.civil(ts, 0);
                    calendar::days_from_civil(c.y, 1, 1)
                } + 1
            )
            .into_bytes(),
            b'u' => d("N"),
            b'w' => d("w"),
            b'U' => {
                let c = zone.civil(ts, 0);
                let yday = c.days() - calendar::days_from_civil(c.y, 1, 1);
                let wday = calendar::day_of_week(c.days());
                format!("{:02}", (yday + 7 - wday) / 7).into_bytes()
            }
            b'V' => d("W"),
            b'W' => {
                let c = zone.civil(ts, 0);
                let yday = c.days() - calendar::days_from_civil(c.y, 1, 1);
                let wday = (calendar::day_of_week(c.days()) + 6) % 7;
                format!("{:02}", (yday + 7 - wday) / 7).into_bytes()
            }
            b'b' | b'h' => d("M"),
            b'B' => d("F"),
            b'm' => d("m"),
            b'y' => d("y"),
            b'Y' => d("Y"),
            b'C' => format!("{:02}", zone.civil(ts, 0).y / 100).into_bytes(),
            b'g' => format!("{:02}", iso_week_year(ts, zone) % 100).into_bytes(),
            b'G' => iso_week_year(ts, zone).to_string().into_bytes(),
            b'H' => d("H"),
            b'k' => format!("{:>2}", String::from_utf8_lossy(&d("G"))).into_bytes(),
            b'I' => d("h"),
            b'l' => format!("{:>2}", String::from_utf8_lossy(&d("g"))).into_bytes(),
            b'M' => d("i"),
            b'p' => d("A"),
            b'P' => d("a"),
            b'r' => d("h:i:s A"),
            b'R' => d("H:i"),
            b'S' => d("s"),
            b'T' => d("H:i:s"),
            b'X' => d("H:i:s"),
            b'z' => d("O"),
            b'Z' => d("T"),
            b'c' => d("D M j H:i:s Y"),
            b'D' => d("m/d/y"),
            b'F' => d("Y-m-d"),
            b's' => ts.to_string().into_bytes(),
            b'x' => d("m/d/y"),
            b'n' => b"\n".to_vec(),
            b't' => b"\t".to_vec(),
            b'%' => b"%".to_vec(),
            other => vec![b'%', other],
        };
        out.extend_from_slice(&piece);
    }
    out
}

fn iso_week_year(ts: i64, zone: &Zone) -> i64 {
    let c = zone.civil(ts, 0);
    iso_week(c.y, c.m, c.d).0
}

fn strftime(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    host.raise(ErrorLevel::Deprecated, "Function strftime() is deprecated")?;
    let zone = default_zone(host);
    Ok(Value::str(format_strftime(
        &str_at(args, 0),
        ts_arg(args, 1),
        &zone,
    )))
}

fn gmstrftime(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    host.raise(
        ErrorLevel::Deprecated,
        "Function gmstrftime() is deprecated",
    )?;
    Ok(Value::str(format_strftime(
        &str_at(args, 0),
        ts_arg(args, 1),
        &Zone::utc(),
    )))
}

fn date_parse(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let s = str_at(args, 0);
    let parsed = parse::parse(&s);
    let mut a = PhpArray::new();
    let put = |a: &mut PhpArray, k: &str, v: Value| {
        a.insert(ArrayKey::Str(PhpStr::from(k)), v);
    };
    let field = |v: Option<i64>| v.map_or(Value::Bool(false), Value::Int);
    let p = parsed.clone().unwrap_or_default();
    let time_set = p.have_time || p.h.is_some();
    put(&mut a, "year", field(p.y));
    put(&mut a, "month", field(p.m));
    put(&mut a, "day", field(p.d));
    put(&mut a, "hour", field(p.h));
    put(&mut a, "minute", field(p.i));
    put(&mut a, "second", field(p.s));
    put(
        &mut a,
        "fraction",
        if time_set {
            Value::Float(p.us.unwrap_or(0) as f64 / 1e6)
        } else {
            Value::Bool(false)
        },
    );
    put(&mut a, "warning_count", Value::Int(0));
    put(&mut a, "warnings", Value::empty_array());
    let errors = if parsed.is_none() {
        let mut e = PhpArray::new();
        e.insert(
            ArrayKey::Int(0),
            Value::str("The timezone could not be found in the database"),
        );
        e
    } else {
        PhpArray::new()
    };
    put(&mut a, "error_count", Value::Int(errors.len() as i64));
    put(&mut a, "errors", Value::array(errors));
    put(&mut a, "is_localtime", Value::Bool(p.zone.is_some()));
    if let Some(z) = &p.zone {
        put(&mut a, "zone_type", Value::Int(z.kind()));
        match z {
            Zone::Offset(o) => {
                put(&mut a, "zone", Value::Int(i64::from(*o)));
                put(&mut a, "is_dst", Value::Bool(false));
            }
            Zone::Abbr { abbr, offset, dst } => {
                put(&mut a, "zone", Value::Int(i64::from(*offset)));
                put(&mut a, "is_dst", Value::Bool(*dst));
                put(&mut a, "tz_abbr", Value::str(abbr.as_str()));
            }
            Zone::Id { name, .. } => {
                put(&mut a, "tz_id", Value::str(name.as_str()));
            }
        }
    }
    let r = &p.rel;
    if r.y != 0 || r.m != 0 || r.d != 0 || r.h != 0 || r.i != 0 || r.s != 0 || r.weekday.is_some() {
        let mut rel = PhpArray::new();
        for (k, v) in [
            ("year", r.y),
            ("month", r.m),
            ("day", r.d),
            ("hour", r.h),
            ("minute", r.i),
            ("second", r.s),
        ] {
            rel.insert(ArrayKey::Str(PhpStr::from(k)), Value::Int(v));
        }
        if let Some((wd, _)) = r.weekday {
            rel.insert(ArrayKey::Str(PhpStr::from("weekday")), Value::Int(wd));
        }
        put(&mut a, "relative", Value::array(rel));
    }
    Ok(Value::array(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_letters() {
        let utc = Zone::utc();
        // 2021-03-10 15:30:05 UTC, a Wednesday.
        let ts = 1_615_390_205;
        let f = |s: &str| String::from_utf8(format_date(s.as_bytes(), ts, 0, &utc)).unwrap();
        assert_eq!(f("Y-m-d H:i:s"), "2021-03-10 15:30:05");
        assert_eq!(f("D, d M Y"), "Wed, 10 Mar 2021");
        assert_eq!(f("l jS F y"), "Wednesday 10th March 21");
        assert_eq!(f("N w z W t L o"), "3 3 68 10 31 0 2021");
        assert_eq!(f("a A g G h H"), "pm PM 3 15 03 15");
        assert_eq!(f("e T P O p Z U"), "UTC UTC +00:00 +0000 Z 0 1615390205");
        assert_eq!(f("c"), "2021-03-10T15:30:05+00:00");
        assert_eq!(f("r"), "Wed, 10 Mar 2021 15:30:05 +0000");
        assert_eq!(f("\\Y\\m"), "Ym");
    }
}
