//! The request-side superglobals of a web request, built as PHP's `php_variables.c`,
//! `rfc1867.c` and the FPM SAPI build them: `$_SERVER` (the CGI environment plus
//! `PHP_SELF`, `REQUEST_TIME_FLOAT`, `REQUEST_TIME`, `argv`, `argc`), `$_GET` (the query
//! string with `parse_str`'s rules), `$_COOKIE` (`;`-separated, names not decoded, values
//! raw-decoded, the first of a repeated name wins), `$_POST` and `$_FILES`
//! (`application/x-www-form-urlencoded` and `multipart/form-data` bodies, uploads stored
//! in temp files), and `$_REQUEST` (merged in `request_order`/`variables_order`).

use std::io::Write;
use std::path::PathBuf;

use crate::vm::array::{ArrayKey, PhpArray};
use crate::vm::builtins::hash::url_decode;
use crate::vm::builtins::string::url::register;
use crate::vm::value::Value;

/// What the superglobal builder needs from the request.
pub(crate) struct Input<'a> {
    /// The CGI environment in `$_SERVER` order.
    pub server: Vec<&'a (Vec<u8>, Vec<u8>)>,
    /// `SG(request_info).request_uri` (the fixed SCRIPT_NAME).
    pub request_uri: Option<&'a [u8]>,
    /// Request start time (seconds since the epoch).
    pub time: f64,
}

/// A diagnostic raised while reading the request ("PHP Request Startup"), printed once the
/// script's engine exists: (level label, message).
pub(crate) type StartupWarning = (&'static str, String);

/// The ini settings that govern request parsing.
pub(crate) struct Limits {
    pub post_max_size: u64,
    pub upload_max_filesize: u64,
    pub max_file_uploads: u64,
    pub file_uploads: bool,
    pub enable_post_data_reading: bool,
    pub upload_tmp_dir: Option<PathBuf>,
    pub arg_separator: Vec<u8>,
    pub register_argc_argv: bool,
}

/// Parses an ini size (`8M`, `2G`, `512K`, `100`), as PHP's `zend_ini_parse_quantity`.
pub(crate) fn parse_size(s: &[u8]) -> u64 {
    let s = s.trim_ascii();
    let (num, mult) = match s.last().map(u8::to_ascii_lowercase) {
        Some(b'k') => (&s[..s.len() - 1], 1u64 << 10),
        Some(b'm') => (&s[..s.len() - 1], 1 << 20),
        Some(b'g') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    let n: u64 = std::str::from_utf8(num.trim_ascii())
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    n.saturating_mul(mult)
}

/// Registers `name=value` pairs of a query string or url-encoded body.
pub(crate) fn parse_query_into(arr: &mut PhpArray, s: &[u8], separators: &[u8]) {
    for pair in s.split(|c| separators.contains(c)) {
        if pair.is_empty() {
            continue;
        }
        let (name, value) = match pair.iter().position(|&c| c == b'=') {
            Some(eq) => (&pair[..eq], url_decode(&pair[eq + 1..], false)),
            None => (pair, Vec::new()),
        };
        let name = url_decode(name, false);
        register(arr, &name, Value::str(value));
    }
}

/// `$_COOKIE` from a Cookie header.
pub(crate) fn parse_cookies(header: &[u8]) -> PhpArray {
    let mut arr = PhpArray::new();
    for part in header.split(|&c| c == b';') {
        let start = part
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(part.len());
        let part = &part[start..];
        if part.is_empty() || part[0] == b'=' {
            continue;
        }
        let (name, value) = match part.iter().position(|&c| c == b'=') {
            Some(eq) => (&part[..eq], url_decode(&part[eq + 1..], true)),
            None => (part, Vec::new()),
        };
        // The first cookie of a plain name wins (PHP skips later ones).
        if !name.contains(&b'[') && arr.get(&ArrayKey::from_bytes(&mangle(name))).is_some() {
            continue;
        }
        register(&mut arr, name, Value::str(value));
    }
    arr
}

/// The name PHP registers a plain variable under (leading spaces dropped, ` ` and `.`
/// turned into `_`).
fn mangle(name: &[u8]) -> Vec<u8> {
    let start = name.iter().position(|&c| c != b' ').unwrap_or(name.len());
    name[start..]
        .iter()
        .map(|&c| if c == b' ' || c == b'.' { b'_' } else { c })
        .collect()
}

/// `$_SERVER` from the environment.
pub(crate) fn server_array(
    input: &Input<'_>,
    limits: &Limits,
    query: Option<&[u8]>,
    template: &mut Option<ServerTemplate>,
) -> PhpArray {
    let reuse = template
        .as_ref()
        .is_some_and(|t| t.fits(input, limits.register_argc_argv));
    let mut arr = match (reuse, template.as_mut()) {
        (true, Some(t)) => {
            // Same names in the same order: the previous array, with the values that
            // changed replaced (in the template too, which follows the traffic).
            for (i, (k, v)) in input.server.iter().copied().enumerate() {
                if let Some(slot) = t.vars.get_mut(i) {
                    if slot.1 != *v {
                        slot.1.clone_from(v);
                        t.array
                            .insert(ArrayKey::from_bytes(k), Value::str(v.as_slice()));
                    }
                }
            }
            t.array.clone()
        }
        _ => {
            let mut arr = PhpArray::with_capacity(input.server.len() + 6);
            let mut plain_only = true;
            for (k, v) in input.server.iter().copied() {
                // Plain names (all CGI variables in practice) need none of the mangling.
                let plain = !k.is_empty() && !k.iter().any(|c| matches!(c, b' ' | b'.' | b'[' | 0));
                if plain {
                    arr.insert(ArrayKey::from_bytes(k), Value::str(v.as_slice()));
                } else {
                    plain_only = false;
                    register(&mut arr, k, Value::str(v.as_slice()));
                }
            }
            // One entry per variable: a template's values can be replaced one by one.
            let fits = plain_only && arr.len() == input.server.len();
            derived_entries(&mut arr, input, limits, query);
            *template = fits.then(|| ServerTemplate {
                vars: input.server.iter().map(|&kv| kv.clone()).collect(),
                argc_argv: limits.register_argc_argv,
                array: arr.clone(),
            });
            return arr;
        }
    };
    derived_entries(&mut arr, input, limits, query);
    arr
}

/// The previous request's `$_SERVER` (see `server_array`). Never handed to a script
/// itself: each request gets a copy.
pub(crate) struct ServerTemplate {
    /// The CGI variables it was built from, in `$_SERVER` order.
    vars: Vec<(Vec<u8>, Vec<u8>)>,
    /// Whether it has `argv`/`argc`.
    argc_argv: bool,
    array: PhpArray,
}

impl ServerTemplate {
    /// Whether `input` has the same variable names in the same order.
    fn fits(&self, input: &Input<'_>, argc_argv: bool) -> bool {
        self.argc_argv == argc_argv
            && self.vars.len() == input.server.len()
            && self
                .vars
                .iter()
                .zip(input.server.iter())
                .all(|((a, _), (b, _))| a == b)
    }
}

thread_local! {
    /// The keys `derived_entries` sets, made once per thread (keys are immutable).
    static DERIVED_KEYS: [ArrayKey; 5] = [
        ArrayKey::from_bytes(b"PHP_SELF"),
        ArrayKey::from_bytes(b"REQUEST_TIME_FLOAT"),
        ArrayKey::from_bytes(b"REQUEST_TIME"),
        ArrayKey::from_bytes(b"argv"),
        ArrayKey::from_bytes(b"argc"),
    ];
}

/// The entries of `$_SERVER` that PHP adds after the CGI variables.
fn derived_entries(arr: &mut PhpArray, input: &Input<'_>, limits: &Limits, query: Option<&[u8]>) {
    DERIVED_KEYS.with(|keys| derived_entries_with(arr, input, limits, query, keys));
}

fn derived_entries_with(
    arr: &mut PhpArray,
    input: &Input<'_>,
    limits: &Limits,
    query: Option<&[u8]>,
    [php_self_key, time_float_key, time_key, argv_key, argc_key]: &[ArrayKey; 5],
) {
    let mut php_self = input.request_uri.unwrap_or(b"").to_vec();
    let path_info = input
        .server
        .iter()
        .find(|(k, _)| k.as_slice() == b"PATH_INFO")
        .map(|(_, v)| v.as_slice());
    if let Some(pi) = path_info {
        php_self.extend_from_slice(pi);
    }
    arr.insert(php_self_key.clone(), Value::str(php_self));
    // PHP keeps microseconds: the float is rounded to 6 decimals.
    let t = (input.time * 1e6).round() / 1e6;
    arr.insert(time_float_key.clone(), Value::Float(t));
    arr.insert(time_key.clone(), Value::Int(input.time as i64));
    if limits.register_argc_argv {
        // `php_build_argv`: the query string split at `+`, not decoded.
        let args: Vec<Value> = match query {
            Some(q) if !q.is_empty() => q
                .split(|&c| c == b'+')
                .map(|a| Value::str(a.to_vec()))
                .collect(),
            _ => Vec::new(),
        };
        let argc = args.len() as i64;
        arr.insert(argv_key.clone(), Value::array(PhpArray::from_values(args)));
        arr.insert(argc_key.clone(), Value::Int(argc));
    }
}

/// Merges `src` into `dest` as `php_autoglobal_merge` does for `$_REQUEST`.
pub(crate) fn merge(dest: &mut PhpArray, src: &PhpArray) {
    for (k, v) in src.iter() {
        let both_arrays =
            matches!(v, Value::Array(_)) && matches!(dest.get(&k), Some(Value::Array(_)));
        if both_arrays {
            if let (Some(Value::Array(d)), Value::Array(s)) = (dest.get_mut(&k), v) {
                merge(std::rc::Rc::make_mut(d), s);
            }
        } else {
            dest.insert(k, v.clone());
        }
    }
}

/// The media type of a Content-Type value, lower-cased, without parameters.
pub(crate) fn media_type(ct: &[u8]) -> Vec<u8> {
    let end = ct
        .iter()
        .position(|&c| c == b';' || c == b',' || c == b' ')
        .unwrap_or(ct.len());
    ct[..end].to_ascii_lowercase()
}

/// The `boundary=` parameter of a multipart Content-Type.
pub(crate) fn boundary_of(ct: &[u8]) -> Option<Vec<u8>> {
    let lc = ct.to_ascii_lowercase();
    let at = find(&lc, b"boundary")?;
    let rest = &ct[at + 8..];
    let eq = rest.iter().position(|&c| c == b'=')?;
    if rest[..eq].iter().any(|c| !c.is_ascii_whitespace()) {
        return None;
    }
    let mut v = &rest[eq + 1..];
    if v.first() == Some(&b'"') {
        v = &v[1..];
        let end = v.iter().position(|&c| c == b'"').unwrap_or(v.len());
        return Some(v[..end].to_vec());
    }
    let end = v
        .iter()
        .position(|&c| c == b',' || c == b';')
        .unwrap_or(v.len());
    let b = v[..end].to_vec();
    if b.is_empty() {
        None
    } else {
        Some(b)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What parsing a multipart body produced.
#[derive(Default)]
pub(crate) struct Multipart {
    pub post: PhpArray,
    pub files: PhpArray,
    /// Temp files created (to delete at the end unless moved).
    pub stored: Vec<PathBuf>,
    pub warnings: Vec<StartupWarning>,
}

/// One part's headers.
struct PartHead {
    name: Option<Vec<u8>>,
    filename: Option<Vec<u8>>,
    content_type: Option<Vec<u8>>,
}

/// Parses a `Content-Disposition`-style parameter list (`form-data; name="a"; filename="b"`).
fn disposition_params(value: &[u8]) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let mut name = None;
    let mut filename = None;
    let mut i = 0;
    // Skip the disposition type.
    while i < value.len() && value[i] != b';' {
        i += 1;
    }
    while i < value.len() {
        // Skip `;` and whitespace.
        while i < value.len() && (value[i] == b';' || value[i].is_ascii_whitespace()) {
            i += 1;
        }
        let key_start = i;
        while i < value.len() && value[i] != b'=' && value[i] != b';' {
            i += 1;
        }
        let key = value[key_start..i].trim_ascii().to_ascii_lowercase();
        let mut val = Vec::new();
        if i < value.len() && value[i] == b'=' {
            i += 1;
            while i < value.len() && value[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < value.len() && (value[i] == b'"' || value[i] == b'\'') {
                let q = value[i];
                i += 1;
                while i < value.len() && value[i] != q {
                    // A backslash escapes the quote (php_ap_getword_conf).
                    if value[i] == b'\\' && i + 1 < value.len() && value[i + 1] == q {
                        i += 1;
                    }
                    val.push(value[i]);
                    i += 1;
                }
                i += 1;
            } else {
                while i < value.len() && value[i] != b';' && !value[i].is_ascii_whitespace() {
                    val.push(value[i]);
                    i += 1;
                }
            }
        }
        match key.as_slice() {
            b"name" => name = Some(val),
            b"filename" => filename = Some(val),
            _ => {}
        }
    }
    (name, filename)
}

fn parse_part_head(head: &[u8]) -> PartHead {
    let mut out = PartHead {
        name: None,
        filename: None,
        content_type: None,
    };
    for line in head.split(|&c| c == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            continue;
        };
        let key = line[..colon].trim_ascii().to_ascii_lowercase();
        let value = line[colon + 1..].trim_ascii();
        match key.as_slice() {
            b"content-disposition" => {
                let (n, f) = disposition_params(value);
                out.name = n;
                out.filename = f;
            }
            b"content-type" => out.content_type = Some(value.to_vec()),
            _ => {}
        }
    }
    out
}

/// `php_ap_basename`: the part after the last `/` or `\`.
fn basename(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&c| c == b'/' || c == b'\\') {
        Some(p) => &name[p + 1..],
        None => name,
    }
}

/// Creates a unique upload file (`phpXXXXXX`) in `dir`.
fn create_upload_file(dir: &std::path::Path) -> Option<(PathBuf, std::fs::File)> {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for attempt in 0..100u64 {
        let mut seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
            ^ (u64::from(std::process::id()) << 20)
            ^ attempt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut name = b"php".to_vec();
        for _ in 0..6 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            name.push(CHARS[(seed % CHARS.len() as u64) as usize]);
        }
        let path = dir.join(std::ffi::OsStr::new(
            std::str::from_utf8(&name).unwrap_or("phpupload"),
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => return Some((path, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) => return None,
        }
    }
    None
}

/// Stores one `$_FILES` field (`name`, `full_path`, `type`, `tmp_name`, `error`, `size`)
/// under the form field `field` (which may have `[...]` indices).
fn register_file(files: &mut PhpArray, field: &[u8], info: [(&[u8], Value); 6]) {
    // `f[a][]` registers `$_FILES['f']['name']['a'][]` etc.: the index part goes after the
    // property name.
    let (base, index) = match field.iter().position(|&c| c == b'[') {
        Some(p) => (&field[..p], &field[p..]),
        None => (field, &b""[..]),
    };
    for (prop, value) in info {
        let mut name = base.to_vec();
        name.push(b'[');
        name.extend_from_slice(prop);
        name.push(b']');
        name.extend_from_slice(index);
        register(files, &name, value);
    }
}

/// Parses a `multipart/form-data` body as PHP's `rfc1867_post_handler`.
pub(crate) fn parse_multipart(body: &[u8], boundary: &[u8], limits: &Limits) -> Multipart {
    let mut out = Multipart::default();
    let mut delim = b"--".to_vec();
    delim.extend_from_slice(boundary);
    let Some(first) = find(body, &delim) else {
        return out;
    };
    let mut pos = first + delim.len();
    let mut uploads = 0u64;
    let mut max_file_size: Option<u64> = None;
    let tmp_dir = limits
        .upload_tmp_dir
        .clone()
        .unwrap_or_else(std::env::temp_dir);
    loop {
        // After a delimiter: `--` ends the body, else CRLF and a part.
        if body[pos..].starts_with(b"--") {
            break;
        }
        let Some(eol) = body[pos..].iter().position(|&c| c == b'\n') else {
            break;
        };
        pos += eol + 1;
        let Some(head_end) = find(&body[pos..], b"\r\n\r\n")
            .map(|p| (p, 4))
            .or_else(|| find(&body[pos..], b"\n\n").map(|p| (p, 2)))
        else {
            break;
        };
        let head = parse_part_head(&body[pos..pos + head_end.0]);
        pos += head_end.0 + head_end.1;
        let mut next_delim = b"\r\n".to_vec();
        next_delim.extend_from_slice(&delim);
        let (data_end, after) = match find(&body[pos..], &next_delim) {
            Some(p) => (pos + p, pos + p + next_delim.len()),
            None => match find(&body[pos..], &delim) {
                Some(p) => (pos + p, pos + p + delim.len()),
                None => (body.len(), body.len()),
            },
        };
        let data = &body[pos..data_end];
        pos = after;
        let Some(name) = head.name.clone() else {
            if pos >= body.len() {
                break;
            }
            continue;
        };
        match &head.filename {
            None => {
                if name == b"MAX_FILE_SIZE" {
                    max_file_size = std::str::from_utf8(data)
                        .ok()
                        .and_then(|s| s.trim().parse().ok());
                }
                register(&mut out.post, &name, Value::str(data.to_vec()));
            }
            Some(filename) => {
                if !limits.file_uploads {
                    // Uploads off: the part is skipped entirely.
                } else if uploads >= limits.max_file_uploads {
                    if uploads == limits.max_file_uploads {
                        out.warnings.push((
                            "Warning",
                            "Maximum number of allowable file uploads has been exceeded".into(),
                        ));
                    }
                    uploads += 1;
                } else {
                    uploads += 1;
                    let ty = head.content_type.clone().unwrap_or_default();
                    let (tmp_name, error, size): (Vec<u8>, i64, i64) = if filename.is_empty() {
                        (Vec::new(), 4, 0)
                    } else if data.len() as u64 > limits.upload_max_filesize
                        && limits.upload_max_filesize > 0
                    {
                        (Vec::new(), 1, 0)
                    } else if max_file_size.is_some_and(|m| data.len() as u64 > m) {
                        (Vec::new(), 2, 0)
                    } else {
                        match create_upload_file(&tmp_dir) {
                            Some((path, mut f)) => {
                                if f.write_all(data).is_ok() {
                                    let tmp = super::resolve::path_bytes(&path);
                                    out.stored.push(path);
                                    (tmp, 0, data.len() as i64)
                                } else {
                                    let _ = std::fs::remove_file(&path);
                                    (Vec::new(), 7, 0)
                                }
                            }
                            None => (Vec::new(), 6, 0),
                        }
                    };
                    let ty = if filename.is_empty() { Vec::new() } else { ty };
                    register_file(
                        &mut out.files,
                        &name,
                        [
                            (b"name", Value::str(basename(filename).to_vec())),
                            (b"full_path", Value::str(filename.clone())),
                            (b"type", Value::str(ty)),
                            (b"tmp_name", Value::str(tmp_name)),
                            (b"error", Value::Int(error)),
                            (b"size", Value::Int(size)),
                        ],
                    );
                }
            }
        }
        if pos >= body.len() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size(b"8M"), 8 << 20);
        assert_eq!(parse_size(b"2k"), 2048);
        assert_eq!(parse_size(b"100"), 100);
    }

    #[test]
    fn boundary_forms() {
        assert_eq!(
            boundary_of(b"multipart/form-data; boundary=abc"),
            Some(b"abc".to_vec())
        );
        assert_eq!(
            boundary_of(b"multipart/form-data; boundary=\"a b\""),
            Some(b"a b".to_vec())
        );
        assert_eq!(boundary_of(b"multipart/form-data"), None);
    }

    #[test]
    fn first_cookie_wins() {
        let c = parse_cookies(b"a=1; a=2; b=x%20y+z");
        assert_eq!(c.len(), 2);
        assert!(matches!(c.get_str(b"a"), Some(Value::Str(s)) if s.as_bytes() == b"1"));
        assert!(matches!(c.get_str(b"b"), Some(Value::Str(s)) if s.as_bytes() == b"x y+z"));
    }
}
