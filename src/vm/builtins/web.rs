//! The web functions: `header`, `header_remove`, `headers_sent`, `headers_list`,
//! `http_response_code`, `setcookie`, `setrawcookie`, `ignore_user_abort`,
//! `connection_aborted`, `connection_status`, `is_uploaded_file`, `move_uploaded_file`,
//! and the FPM-only `fastcgi_finish_request`, `getallheaders`, `apache_request_headers`
//! (`WEB_ONLY_FUNCTIONS`: declared per web request, absent in the CLI as in php-cli).
//!
//! In a web request they act on the response state of `vm::web::response`; in the CLI
//! they behave as php-cli's (headers are accepted but never listed; "headers already
//! sent" once output began; `http_response_code()` starts as `false`).

use std::cell::Cell;

use super::super::array::{ArrayKey, PhpArray};
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::host::Host;
use super::super::interp::Vm;
use super::super::value::{PhpStr, Value};
use super::super::web::response::{self, header_name_is};
use super::args::{opt, str_at};
use super::BuiltinDef;

/// Functions of every SAPI.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "header",
        sig: "string $header, bool $replace = true, int $response_code = 0",
        func: header,
    },
    BuiltinDef {
        name: "header_remove",
        sig: "?string $name = null",
        func: header_remove,
    },
    BuiltinDef {
        name: "headers_sent",
        sig: "&$filename = null, &$line = null",
        func: headers_sent,
    },
    BuiltinDef {
        name: "headers_list",
        sig: "",
        func: headers_list,
    },
    BuiltinDef {
        name: "http_response_code",
        sig: "int $response_code = 0",
        func: http_response_code,
    },
    BuiltinDef {
        name: "setcookie",
        sig: "string $name, string $value = \"\", array|int $expires_or_options = 0, string $path = \"\", string $domain = \"\", bool $secure = false, bool $httponly = false",
        func: setcookie,
    },
    BuiltinDef {
        name: "setrawcookie",
        sig: "string $name, string $value = \"\", array|int $expires_or_options = 0, string $path = \"\", string $domain = \"\", bool $secure = false, bool $httponly = false",
        func: setrawcookie,
    },
    BuiltinDef {
        name: "ignore_user_abort",
        sig: "?bool $enable = null",
        func: ignore_user_abort,
    },
    BuiltinDef {
        name: "connection_aborted",
        sig: "",
        func: connection_aborted,
    },
    BuiltinDef {
        name: "connection_status",
        sig: "",
        func: connection_status,
    },
    BuiltinDef {
        name: "is_uploaded_file",
        sig: "string $filename",
        func: is_uploaded_file,
    },
    BuiltinDef {
        name: "error_log",
        sig: "string $message, int $message_type = 0, ?string $destination = null, ?string $additional_headers = null",
        func: error_log,
    },
    BuiltinDef {
        name: "move_uploaded_file",
        sig: "string $from, string $to",
        func: move_uploaded_file,
    },
];

/// Functions only the FPM SAPI has; the web engine declares them for each request.
pub const WEB_ONLY_FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "fastcgi_finish_request",
        sig: "",
        func: fastcgi_finish_request,
    },
    BuiltinDef {
        name: "getallheaders",
        sig: "",
        func: getallheaders,
    },
    BuiltinDef {
        name: "apache_request_headers",
        sig: "",
        func: getallheaders,
    },
];

/// The panic trigger of the server's fault-isolation tests (`rhvm serve
/// --debug-panic-trigger`, a hidden option): declared only then, never from an ini
/// setting, so PHP code cannot reach it in any production configuration.
pub const DEBUG_PANIC_FUNCTIONS: &[BuiltinDef] = &[BuiltinDef {
    name: "rhvm_debug_panic",
    sig: "string $message",
    func: rhvm_debug_panic,
}];

/// `rhvm_debug_panic($message)`: a Rust panic, standing in for an engine bug.
fn rhvm_debug_panic(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let message = str_at(args, 0);
    panic!(
        "rhvm_debug_panic: {}",
        String::from_utf8_lossy(message.as_bytes())
    )
}

thread_local! {
    /// php-cli's response code (0: never set, so `http_response_code()` is false).
    static CLI_STATUS: Cell<i64> = const { Cell::new(0) };
}

/// Clears the CLI response code (a new engine starts).
pub fn reset_request_state() {
    CLI_STATUS.with(|s| s.set(0));
}

fn engine(host: &mut dyn Host) -> PhpResult<&mut Vm> {
    host.engine()
        .ok_or_else(|| Fault::fatal("engine builtin called without an engine"))
}

/// Whether headers went out (web) or output began (CLI).
fn sent(vm: &Vm) -> bool {
    match response::with_current(|st| st.headers_sent) {
        Some(s) => s,
        None => vm.out.written > 0,
    }
}

/// The "headers already sent" warning of `sapi_header_op`.
fn warn_sent(vm: &mut Vm) -> PhpResult<()> {
    let msg = match &vm.out.origin {
        Some((file, line)) => format!(
            "Cannot modify header information - headers already sent by (output started at {}:{line})",
            file.to_string_lossy()
        ),
        None => "Cannot modify header information - headers already sent".to_string(),
    };
    vm.raise(ErrorLevel::Warning, &msg)
}

/// Changes the response code (`sapi_update_response_code`): a status line given by an
/// `HTTP/` header is forgotten.
fn update_code(code: i64) {
    match response::with_current(|st| {
        st.status = code.clamp(0, i64::from(u16::MAX)) as u16;
        st.reason = None;
    }) {
        Some(()) => {}
        None => CLI_STATUS.with(|s| s.set(code)),
    }
}

fn current_code() -> i64 {
    match response::with_current(|st| i64::from(st.status)) {
        Some(c) => c,
        None => CLI_STATUS.with(Cell::get),
    }
}

/// `sapi_header_op` for `header()` and `setcookie()`: returns whether the header was
/// accepted.
fn header_op(vm: &mut Vm, line: &[u8], replace: bool, code: i64) -> PhpResult<bool> {
    if sent(vm) {
        warn_sent(vm)?;
        return Ok(false);
    }
    let mut end = line.len();
    while end > 0 && line[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    let line = &line[..end];
    if line.len() >= 5 && line[..5].eq_ignore_ascii_case(b"HTTP/") {
        // A status line: the code after the first space, the reason after that.
        let rest = match line.iter().position(|&c| c == b' ') {
            Some(sp) => &line[sp + 1..],
            None => &b""[..],
        };
        let digits: Vec<u8> = rest
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .copied()
            .collect();
        let status: i64 = std::str::from_utf8(&digits)
            .ok()
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        if status != 0 {
            update_code(status);
        }
        let reason = rest[digits.len()..].trim_ascii_start().to_vec();
        response::with_current(|st| st.reason = Some(reason));
        if code != 0 {
            update_code(code);
        }
        return Ok(true);
    }
    if line.contains(&b'\n') || line.contains(&b'\r') {
        vm.raise(
            ErrorLevel::Warning,
            "Header may not contain more than a single header, new line detected",
        )?;
        return Ok(false);
    }
    if line.contains(&0) {
        vm.raise(ErrorLevel::Warning, "Header may not contain NUL bytes")?;
        return Ok(false);
    }
    let mut stored = line.to_vec();
    if let Some(colon) = line.iter().position(|&c| c == b':') {
        let name = &line[..colon];
        let value_start = colon + 1 + line[colon + 1..].iter().take_while(|&&c| c == b' ').count();
        let value = &line[value_start..];
        if name.eq_ignore_ascii_case(b"content-type") {
            response::with_current(|st| st.send_default_type = false);
            let mut mime = value.to_vec();
            let charset = vm
                .ini
                .get(b"default_charset".as_slice())
                .map(|c| c.as_bytes().to_vec())
                .unwrap_or_default();
            let lc = mime.to_ascii_lowercase();
            if lc.starts_with(b"text/")
                && !charset.is_empty()
                && !lc.windows(8).any(|w| w == b"charset=")
            {
                mime.extend_from_slice(b";charset=");
                mime.extend_from_slice(&charset);
                stored = b"Content-type: ".to_vec();
                stored.extend_from_slice(&mime);
            }
        } else if name.eq_ignore_ascii_case(b"location") {
            let current = current_code();
            if !(300..=399).contains(&current) && current != 201 {
                update_code(if code != 0 { code } else { 302 });
            }
        } else if name.eq_ignore_ascii_case(b"www-authenticate") {
            update_code(401);
        }
    }
    if code != 0 {
        update_code(code);
    }
    response::with_current(|st| {
        if replace {
            if let Some(colon) = stored.iter().position(|&c| c == b':') {
                let lc = stored[..colon].to_ascii_lowercase();
                st.headers.retain(|h| !header_name_is_exact(h, &lc));
            }
        }
        st.headers.push(stored);
    });
    Ok(true)
}

/// Whether `line`'s name (up to the colon, untrimmed) is `lc_name`, as PHP compares
/// names for replacement.
fn header_name_is_exact(line: &[u8], lc_name: &[u8]) -> bool {
    match line.iter().position(|&c| c == b':') {
        Some(colon) => line[..colon].eq_ignore_ascii_case(lc_name),
        None => false,
    }
}

fn header(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let line = str_at(args, 0);
    let replace = !matches!(opt(args, 1), Some(Value::Bool(false)));
    let code = match opt(args, 2) {
        Some(Value::Int(c)) => *c,
        _ => 0,
    };
    let vm = engine(host)?;
    header_op(vm, &line, replace, code)?;
    Ok(Value::Null)
}

fn header_remove(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let name = match opt(args, 0) {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let vm = engine(host)?;
    if sent(vm) {
        warn_sent(vm)?;
        return Ok(Value::Null);
    }
    response::with_current(|st| match &name {
        None => st.headers.clear(),
        Some(n) => {
            let lc = n.to_ascii_lowercase();
            st.headers.retain(|h| !header_name_is(h, &lc));
        }
    });
    Ok(Value::Null)
}

fn headers_sent(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let vm = engine(host)?;
    let is_sent = sent(vm);
    let (file, line) = match (&vm.out.origin, is_sent) {
        (Some((f, l)), true) => (Value::Str(f.clone()), Value::Int(i64::from(*l))),
        _ => (Value::str(""), Value::Int(0)),
    };
    if let Some(Value::Ref(r)) = args.first() {
        *r.borrow_mut() = file;
    }
    if let Some(Value::Ref(r)) = args.get(1) {
        *r.borrow_mut() = line;
    }
    Ok(Value::Bool(is_sent))
}

fn headers_list(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let list = response::with_current(|st| {
        st.headers
            .iter()
            .map(|h| Value::str(h.clone()))
            .collect::<Vec<_>>()
    })
    .unwrap_or_default();
    Ok(Value::array(PhpArray::from_values(list)))
}

fn http_response_code(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let code = match opt(args, 0) {
        Some(Value::Int(c)) => *c,
        _ => 0,
    };
    let old = current_code();
    if code == 0 {
        return Ok(if old == 0 {
            Value::Bool(false)
        } else {
            Value::Int(old)
        });
    }
    // PHP 8.2 changes the code even after the head went out (8.3 added a warning); the
    // response keeps the status it was sent with.
    update_code(code);
    Ok(if old == 0 {
        Value::Bool(true)
    } else {
        Value::Int(old)
    })
}

/// Characters a cookie name may not contain (`=` only matters for names).
const COOKIE_BAD: &[u8] = b",; \t\r\n\x0b\x0c";
const COOKIE_BAD_TEXT: &str =
    "\",\", \";\", \" \", \"\\t\", \"\\r\", \"\\n\", \"\\013\", or \"\\014\"";

/// The days-since-epoch civil date (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `D, d M Y H:i:s GMT` of a Unix time.
fn cookie_date(t: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        d,
        MONTHS[(m - 1) as usize],
        y,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The options of a cookie.
#[derive(Default)]
struct CookieOptions {
    expires: i64,
    path: PhpStr,
    domain: PhpStr,
    secure: bool,
    httponly: bool,
    samesite: PhpStr,
}

fn cookie(host: &mut dyn Host, args: &[Value], func: &str, url_encode: bool) -> PhpResult<Value> {
    let name = str_at(args, 0);
    let value = str_at(args, 1);
    let mut o = CookieOptions::default();
    match opt(args, 2) {
        Some(Value::Array(options)) => {
            if args.len() > 3 {
                return Err(Fault::error(
                    "ArgumentCountError",
                    format!("{func}(): Expects exactly 3 arguments when argument #3 ($expires_or_options) is an array"),
                ));
            }
            for (k, v) in options.iter() {
                let key = match &k {
                    ArrayKey::Int(_) => {
                        return Err(Fault::value_error(format!(
                            "{func}(): option array cannot have numeric keys"
                        )))
                    }
                    ArrayKey::Str(s) => s.clone(),
                };
                match key.to_ascii_lowercase().as_slice() {
                    b"expires" => o.expires = v.to_int(),
                    b"path" => o.path = host.to_str(v)?,
                    b"domain" => o.domain = host.to_str(v)?,
                    b"secure" => o.secure = v.to_bool(),
                    b"httponly" => o.httponly = v.to_bool(),
                    b"samesite" => o.samesite = host.to_str(v)?,
                    _ => {
                        return Err(Fault::value_error(format!(
                            "{func}(): option \"{}\" is invalid",
                            key.to_string_lossy()
                        )))
                    }
                }
            }
        }
        Some(v) => o.expires = v.to_int(),
        None => {}
    }
    if let Some(Value::Str(p)) = opt(args, 3) {
        o.path = p.clone();
    }
    if let Some(Value::Str(d)) = opt(args, 4) {
        o.domain = d.clone();
    }
    if let Some(v) = opt(args, 5) {
        o.secure = v.to_bool();
    }
    if let Some(v) = opt(args, 6) {
        o.httponly = v.to_bool();
    }
    if name.is_empty() {
        return Err(Fault::value_error(format!(
            "{func}(): Argument #1 ($name) cannot be empty"
        )));
    }
    if name.iter().any(|c| *c == b'=' || COOKIE_BAD.contains(c)) {
        return Err(Fault::value_error(format!(
            "{func}(): Argument #1 ($name) cannot contain \"=\", {COOKIE_BAD_TEXT}"
        )));
    }
    if !url_encode && value.iter().any(|c| COOKIE_BAD.contains(c)) {
        return Err(Fault::value_error(format!(
            "{func}(): Argument #2 ($value) cannot contain {COOKIE_BAD_TEXT}"
        )));
    }
    if o.path.iter().any(|c| COOKIE_BAD.contains(c)) {
        return Err(Fault::value_error(format!(
            "{func}(): \"path\" option cannot contain {COOKIE_BAD_TEXT}"
        )));
    }
    if o.domain.iter().any(|c| COOKIE_BAD.contains(c)) {
        return Err(Fault::value_error(format!(
            "{func}(): \"domain\" option cannot contain {COOKIE_BAD_TEXT}"
        )));
    }
    if o.expires > 253_402_300_799 {
        return Err(Fault::value_error(format!(
            "{func}(): \"expires\" option cannot have a year greater than 9999"
        )));
    }
    let mut line = b"Set-Cookie: ".to_vec();
    line.extend_from_slice(&name);
    if value.is_empty() {
        line.extend_from_slice(b"=deleted; expires=");
        line.extend_from_slice(cookie_date(1).as_bytes());
        line.extend_from_slice(b"; Max-Age=0");
    } else {
        line.push(b'=');
        if url_encode {
            line.extend_from_slice(&super::hash::url_encode(&value, true));
        } else {
            line.extend_from_slice(&value);
        }
        if o.expires > 0 {
            line.extend_from_slice(b"; expires=");
            line.extend_from_slice(cookie_date(o.expires).as_bytes());
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            line.extend_from_slice(format!("; Max-Age={}", (o.expires - now).max(0)).as_bytes());
        }
    }
    if !o.path.is_empty() {
        line.extend_from_slice(b"; path=");
        line.extend_from_slice(&o.path);
    }
    if !o.domain.is_empty() {
        line.extend_from_slice(b"; domain=");
        line.extend_from_slice(&o.domain);
    }
    if o.secure {
        line.extend_from_slice(b"; secure");
    }
    if o.httponly {
        line.extend_from_slice(b"; HttpOnly");
    }
    if !o.samesite.is_empty() {
        line.extend_from_slice(b"; SameSite=");
        line.extend_from_slice(&o.samesite);
    }
    let vm = engine(host)?;
    let ok = header_op(vm, &line, false, 0)?;
    Ok(Value::Bool(ok))
}

fn setcookie(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    cookie(host, args, "setcookie", true)
}

fn setrawcookie(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    cookie(host, args, "setrawcookie", false)
}

fn ignore_user_abort(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let vm = engine(host)?;
    let old = vm.ini_flag(b"ignore_user_abort", false);
    if let Some(v) = opt(args, 0) {
        if !v.is_null() {
            let on = v.to_bool();
            vm.set_ini(b"ignore_user_abort", if on { b"1" } else { b"0" });
            response::with_current(|st| st.ignore_user_abort = on);
        }
    }
    Ok(Value::Int(i64::from(old)))
}

fn aborted() -> bool {
    response::with_current(|st| st.client_aborted()).unwrap_or(false)
}

fn connection_aborted(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(i64::from(aborted())))
}

fn connection_status(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(i64::from(aborted())))
}

fn uploaded(name: &[u8]) -> bool {
    let path =
        std::path::Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(name));
    response::with_current(|st| st.uploaded.iter().any(|p| p == path)).unwrap_or(false)
}

fn is_uploaded_file(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Bool(uploaded(&str_at(args, 0))))
}

fn move_uploaded_file(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    use std::os::unix::ffi::OsStrExt;
    let from = str_at(args, 0);
    let to = str_at(args, 1);
    if !uploaded(&from) {
        return Ok(Value::Bool(false));
    }
    let from_path = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(&from));
    let to_path = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(&to));
    let moved = std::fs::rename(&from_path, &to_path).is_ok()
        || (std::fs::copy(&from_path, &to_path).is_ok()
            && std::fs::remove_file(&from_path).is_ok());
    if !moved {
        let err = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&to_path)
            .err()
            .map(|e| super::file::os_message(&e))
            .unwrap_or_else(|| "Unknown error".to_string());
        host.raise(
            ErrorLevel::Warning,
            &format!(
                "move_uploaded_file({}): Failed to open stream: {err}",
                to.to_string_lossy()
            ),
        )?;
        host.raise(
            ErrorLevel::Warning,
            &format!(
                "move_uploaded_file(): Unable to move \"{}\" to \"{}\"",
                from.to_string_lossy(),
                to.to_string_lossy()
            ),
        )?;
        return Ok(Value::Bool(false));
    }
    // PHP gives the moved file the default mode (0666 less the umask).
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&to_path, std::fs::Permissions::from_mode(0o644));
    }
    response::with_current(|st| st.uploaded.retain(|p| *p != from_path));
    Ok(Value::Bool(true))
}

fn error_log(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let message = str_at(args, 0);
    let kind = match opt(args, 1) {
        Some(Value::Int(k)) => *k,
        _ => 0,
    };
    let vm = engine(host)?;
    let ok = match kind {
        0 => {
            let file = vm.ini.get(b"error_log".as_slice()).cloned();
            super::super::web::log_message(file.as_deref(), message.to_vec())
        }
        3 => {
            use std::io::Write as _;
            use std::os::unix::ffi::OsStrExt;
            let dest = str_at(args, 2);
            std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(std::ffi::OsStr::from_bytes(&dest))
                .and_then(|mut f| f.write_all(&message))
                .is_ok()
        }
        4 => {
            super::super::web::log_line(message.to_vec());
            true
        }
        // 1 (mail) is not supported: PHP returns false when mail cannot be sent.
        _ => false,
    };
    Ok(Value::Bool(ok))
}

fn fastcgi_finish_request(host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    // Output buffers are flushed first (their callbacks run), as php_output_end_all.
    let vm = engine(host)?;
    if let Some(end_flush) = super::lookup(b"ob_end_flush") {
        while !vm.out.buffers.is_empty() {
            let before = vm.out.buffers.len();
            (end_flush.func)(vm, &[])?;
            if vm.out.buffers.len() >= before {
                break;
            }
        }
    }
    let done = response::with_current(|st| {
        if st.finished {
            false
        } else {
            st.finish_request();
            true
        }
    });
    Ok(Value::Bool(done.unwrap_or(false)))
}

fn getallheaders(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let mut arr = PhpArray::new();
    response::with_current(|st| {
        for (k, v) in &st.request_headers {
            arr.insert(ArrayKey::from_bytes(k), Value::str(v.clone()));
        }
    });
    Ok(Value::array(arr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_dates() {
        assert_eq!(cookie_date(1), "Thu, 01 Jan 1970 00:00:01 GMT");
        assert_eq!(cookie_date(1_893_456_000), "Tue, 01 Jan 2030 00:00:00 GMT");
    }
}
