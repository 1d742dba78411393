//! PCRE: `preg_match`, `preg_match_all`, `preg_replace`, `preg_replace_callback`,
//! `preg_replace_callback_array`, `preg_split`, `preg_quote`, `preg_grep`,
//! `preg_last_error`, `preg_last_error_msg`.
//!
//! Patterns are parsed exactly as `pcre_get_compiled_regex_cache` does (delimiters,
//! bracket pairs, modifiers, the same warnings) and compiled through `crate::pcre_ffi`, the
//! crate's one FFI module (so `vm` itself stays free of unsafe code). Compiled patterns live
//! in a per-thread cache bounded like PHP's (4096 entries, evicting the oldest eighth). The
//! match loops reproduce PHP's handling of empty matches: retry at the same offset with
//! `NOTEMPTY_ATSTART | ANCHORED`, then advance by one character.
//!
//! Time limit: every pattern is compiled with a callout at its start (`(?C)`, after any
//! leading `(*UTF)`-style settings), which PCRE2 runs once per start position it tries;
//! the match context's callout function abandons the match when the thread's
//! `TIMED_OUT` bit is up, and the call then ends with the time limit's fatal error. One
//! start position's work is bounded by `pcre.backtrack_limit`, so a huge subject cannot
//! hold the thread past the limit (ARCHITECTURE.md, "limits"). The global loops also
//! check the limits between successive matches.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use crate::pcre_ffi::{self as ffi, Code, MatchContext, MatchData};

use super::super::array::{ArrayKey, PhpArray};
use super::super::error::{ErrorLevel, Fault, PhpResult};
use super::super::host::Host;
use super::super::value::{PhpStr, Value};
use super::args;
use super::{BuiltinDef, ConstVal};

/// The builtins of this family.
#[rustfmt::skip]
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef { name: "preg_match", sig: "string $pattern, string $subject, &$matches = null, int $flags = 0, int $offset = 0", func: preg_match },
    BuiltinDef { name: "preg_match_all", sig: "string $pattern, string $subject, &$matches = null, int $flags = 0, int $offset = 0", func: preg_match_all },
    BuiltinDef { name: "preg_replace", sig: "array|string $pattern, array|string $replacement, array|string $subject, int $limit = -1, &$count = null", func: preg_replace },
    BuiltinDef { name: "preg_filter", sig: "array|string $pattern, array|string $replacement, array|string $subject, int $limit = -1, &$count = null", func: preg_filter },
    BuiltinDef { name: "preg_replace_callback", sig: "array|string $pattern, callable $callback, array|string $subject, int $limit = -1, &$count = null, int $flags = 0", func: preg_replace_callback },
    BuiltinDef { name: "preg_replace_callback_array", sig: "array $pattern, array|string $subject, int $limit = -1, &$count = null, int $flags = 0", func: preg_replace_callback_array },
    BuiltinDef { name: "preg_split", sig: "string $pattern, string $subject, int $limit = -1, int $flags = 0", func: preg_split },
    BuiltinDef { name: "preg_quote", sig: "string $str, ?string $delimiter = null", func: preg_quote },
    BuiltinDef { name: "preg_grep", sig: "string $pattern, array $array, int $flags = 0", func: preg_grep },
    BuiltinDef { name: "preg_last_error", sig: "", func: preg_last_error },
    BuiltinDef { name: "preg_last_error_msg", sig: "", func: preg_last_error_msg },
];

pub const PREG_PATTERN_ORDER: i64 = 1;
pub const PREG_SET_ORDER: i64 = 2;
pub const PREG_OFFSET_CAPTURE: i64 = 1 << 8;
pub const PREG_UNMATCHED_AS_NULL: i64 = 1 << 9;
pub const PREG_SPLIT_NO_EMPTY: i64 = 1;
pub const PREG_SPLIT_DELIM_CAPTURE: i64 = 2;
pub const PREG_SPLIT_OFFSET_CAPTURE: i64 = 4;
pub const PREG_GREP_INVERT: i64 = 1;

/// `preg_last_error` codes.
const NO_ERROR: i64 = 0;
const INTERNAL_ERROR: i64 = 1;
/// Not a PHP code: the time limit abandoned the match (`ffi::ERROR_CALLOUT`).
const INTERRUPTED: i64 = -1;
const BACKTRACK_LIMIT_ERROR: i64 = 2;
const RECURSION_LIMIT_ERROR: i64 = 3;
const BAD_UTF8_ERROR: i64 = 4;
const BAD_UTF8_OFFSET_ERROR: i64 = 5;
const JIT_STACKLIMIT_ERROR: i64 = 6;

/// The constants of this family.
pub const CONSTANTS: &[(&str, ConstVal)] = &[
    ("PREG_PATTERN_ORDER", ConstVal::Int(PREG_PATTERN_ORDER)),
    ("PREG_SET_ORDER", ConstVal::Int(PREG_SET_ORDER)),
    ("PREG_OFFSET_CAPTURE", ConstVal::Int(PREG_OFFSET_CAPTURE)),
    (
        "PREG_UNMATCHED_AS_NULL",
        ConstVal::Int(PREG_UNMATCHED_AS_NULL),
    ),
    ("PREG_SPLIT_NO_EMPTY", ConstVal::Int(PREG_SPLIT_NO_EMPTY)),
    (
        "PREG_SPLIT_DELIM_CAPTURE",
        ConstVal::Int(PREG_SPLIT_DELIM_CAPTURE),
    ),
    (
        "PREG_SPLIT_OFFSET_CAPTURE",
        ConstVal::Int(PREG_SPLIT_OFFSET_CAPTURE),
    ),
    ("PREG_GREP_INVERT", ConstVal::Int(PREG_GREP_INVERT)),
    ("PREG_NO_ERROR", ConstVal::Int(NO_ERROR)),
    ("PREG_INTERNAL_ERROR", ConstVal::Int(INTERNAL_ERROR)),
    (
        "PREG_BACKTRACK_LIMIT_ERROR",
        ConstVal::Int(BACKTRACK_LIMIT_ERROR),
    ),
    (
        "PREG_RECURSION_LIMIT_ERROR",
        ConstVal::Int(RECURSION_LIMIT_ERROR),
    ),
    ("PREG_BAD_UTF8_ERROR", ConstVal::Int(BAD_UTF8_ERROR)),
    (
        "PREG_BAD_UTF8_OFFSET_ERROR",
        ConstVal::Int(BAD_UTF8_OFFSET_ERROR),
    ),
    (
        "PREG_JIT_STACKLIMIT_ERROR",
        ConstVal::Int(JIT_STACKLIMIT_ERROR),
    ),
    ("PCRE_VERSION", ConstVal::Str("10.46 2025-08-27")),
    ("PCRE_VERSION_MAJOR", ConstVal::Int(10)),
    ("PCRE_VERSION_MINOR", ConstVal::Int(46)),
    ("PCRE_JIT_SUPPORT", ConstVal::Bool(true)),
];

/// PHP's `PCRE_CACHE_SIZE`.
const CACHE_SIZE: usize = 4096;

/// Pattern strings recognised by address (`State::recent`).
const RECENT: usize = 8;

/// A compiled pattern with what the match loops need about it.
struct Compiled {
    code: Code,
    /// Reusable match data and ovector copy; taken while a call runs (a nested call with
    /// the same pattern, from a callback, allocates its own).
    md: RefCell<Option<(MatchData, Vec<usize>)>>,
    /// Group names by group number (`None` for unnamed groups).
    names: Vec<Option<PhpStr>>,
    /// Number of ovector pairs: capture groups + 1.
    n_groups: usize,
}

/// Per-thread state: the cache, the match context and the last error.
struct State {
    /// Hashed with foldhash: patterns are looked up on every `preg_*` call.
    cache: HashMap<Vec<u8>, Rc<Compiled>, foldhash::fast::RandomState>,
    order: VecDeque<Vec<u8>>,
    /// The pattern strings used last (most recent first, at most `RECENT`), compared by
    /// buffer address before the cache is hashed.
    recent: Vec<(PhpStr, Rc<Compiled>)>,
    ctx: Option<MatchContext>,
    /// `(host address, ini generation)` the context's limits were last read for.
    limits_for: Option<(usize, u64)>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State {
        cache: HashMap::default(),
        order: VecDeque::new(),
        recent: Vec::new(),
        ctx: None,
        limits_for: None,
    });
    static LAST_ERROR: Cell<i64> = const { Cell::new(NO_ERROR) };
}

fn set_error(code: i64) {
    LAST_ERROR.with(|c| c.set(code));
}

/// Clears the per-thread last error at the start of a request (the compiled-pattern cache
/// is kept, as PHP keeps it across requests).
pub fn reset_request_state() {
    set_error(NO_ERROR);
}

fn preg_last_error(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    Ok(Value::Int(LAST_ERROR.with(|c| c.get())))
}

fn preg_last_error_msg(_host: &mut dyn Host, _args: &[Value]) -> PhpResult<Value> {
    let msg = match LAST_ERROR.with(|c| c.get()) {
        NO_ERROR => "No error",
        INTERNAL_ERROR => "Internal error",
        BACKTRACK_LIMIT_ERROR => "Backtrack limit exhausted",
        RECURSION_LIMIT_ERROR => "Recursion limit exhausted",
        BAD_UTF8_ERROR => "Malformed UTF-8 characters, possibly incorrectly encoded",
        BAD_UTF8_OFFSET_ERROR => {
            "The offset did not correspond to the beginning of a valid UTF-8 code point"
        }
        JIT_STACKLIMIT_ERROR => "JIT stack limit exhausted",
        _ => "Unknown error",
    };
    Ok(Value::str(msg))
}

fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Parses and compiles a PHP regex (`/pattern/flags`), through the cache. Problems are
/// warnings prefixed with the function name; they give `None` and set the last error to
/// `PREG_INTERNAL_ERROR`, as PHP does.
fn get_pattern(
    host: &mut dyn Host,
    fname: &str,
    regex: &PhpStr,
) -> PhpResult<Option<Rc<Compiled>>> {
    // A pattern is usually a literal: the same string buffer every call, found by its
    // address among the last few without hashing it (the entry holds the string, so the
    // buffer can neither be freed nor changed meanwhile).
    let hit = STATE.with(|s| {
        let s = s.borrow();
        if let Some((_, c)) = s.recent.iter().find(|(k, _)| k.ptr_eq(regex)) {
            return Some(c.clone());
        }
        s.cache.get(regex.as_bytes()).cloned()
    });
    if let Some(c) = hit {
        remember_recent(regex, &c);
        return Ok(Some(c));
    }
    let regex: &[u8] = regex.as_bytes();
    match compile_regex(regex, host) {
        Ok(c) => {
            let c = Rc::new(c);
            STATE.with(|s| {
                let mut s = s.borrow_mut();
                if s.cache.len() >= CACHE_SIZE {
                    for _ in 0..CACHE_SIZE / 8 {
                        if let Some(old) = s.order.pop_front() {
                            s.cache.remove(&old);
                        }
                    }
                }
                s.order.push_back(regex.to_vec());
                s.cache.insert(regex.to_vec(), c.clone());
            });
            Ok(Some(c))
        }
        Err(msg) => {
            host.raise(ErrorLevel::Warning, &format!("{fname}(): {msg}"))?;
            set_error(INTERNAL_ERROR);
            Ok(None)
        }
    }
}

/// Puts a pattern string first among the recently used ones (`State::recent`).
fn remember_recent(regex: &PhpStr, c: &Rc<Compiled>) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        match s.recent.iter().position(|(k, _)| k.ptr_eq(regex)) {
            Some(0) => {}
            Some(i) => s.recent[..=i].rotate_right(1),
            None => {
                if s.recent.len() >= RECENT {
                    s.recent.pop();
                }
                s.recent.insert(0, (regex.clone(), c.clone()));
            }
        }
    });
}

/// `pcre_get_compiled_regex_cache` without the cache: the warning text on failure.
fn compile_regex(regex: &[u8], host: &dyn Host) -> Result<Compiled, String> {
    let mut p = 0;
    while p < regex.len() && is_c_space(regex[p]) {
        p += 1;
    }
    if p >= regex.len() {
        return Err("Empty regular expression".into());
    }
    let start_delim = regex[p];
    p += 1;
    if start_delim.is_ascii_alphanumeric() || start_delim == b'\\' || start_delim == 0 {
        return Err("Delimiter must not be alphanumeric, backslash, or NUL".into());
    }
    let end_delim = match start_delim {
        b'(' => b')',
        b'[' => b']',
        b'{' => b'}',
        b'<' => b'>',
        c => c,
    };
    let mut pp = p;
    if start_delim == end_delim {
        while pp < regex.len() {
            if regex[pp] == b'\\' && pp + 1 < regex.len() {
                pp += 1;
            } else if regex[pp] == end_delim {
                break;
            }
            pp += 1;
        }
    } else {
        let mut brackets = 1;
        while pp < regex.len() {
            if regex[pp] == b'\\' && pp + 1 < regex.len() {
                pp += 1;
            } else if regex[pp] == end_delim {
                brackets -= 1;
                if brackets <= 0 {
                    break;
                }
            } else if regex[pp] == start_delim {
                brackets += 1;
            }
            pp += 1;
        }
    }
    if pp >= regex.len() {
        return Err(if start_delim == end_delim {
            format!("No ending delimiter '{}' found", end_delim as char)
        } else {
            format!("No ending matching delimiter '{}' found", end_delim as char)
        });
    }
    let pattern = &regex[p..pp];
    let mut options = 0u32;
    let mut eval = false;
    for &m in &regex[pp + 1..] {
        match m {
            b'i' => options |= ffi::PCRE2_CASELESS,
            b'm' => options |= ffi::PCRE2_MULTILINE,
            b's' => options |= ffi::PCRE2_DOTALL,
            b'x' => options |= ffi::PCRE2_EXTENDED,
            b'A' => options |= ffi::PCRE2_ANCHORED,
            b'D' => options |= ffi::PCRE2_DOLLAR_ENDONLY,
            b'S' | b'X' => {}
            b'U' => options |= ffi::PCRE2_UNGREEDY,
            b'u' => options |= ffi::PCRE2_UTF | ffi::PCRE2_UCP,
            b'J' => options |= ffi::PCRE2_DUPNAMES,
            b'n' => options |= ffi::PCRE2_NO_AUTO_CAPTURE,
            b'e' => eval = true,
            b' ' | b'\n' | b'\r' => {}
            0 => return Err("NUL is not a valid modifier".into()),
            other => {
                return Err(format!(
                    "Unknown modifier '{}'",
                    String::from_utf8_lossy(&[other])
                ))
            }
        }
    }
    if eval {
        return Err(
            "The /e modifier is no longer supported, use preg_replace_callback instead".into(),
        );
    }
    let jit = host
        .ini_get(b"pcre.jit")
        .map(|v| !matches!(v.as_bytes(), b"0" | b"" | b"off" | b"Off"))
        .unwrap_or(true);
    let (instrumented, at) = with_start_callout(pattern);
    let code = Code::compile(&instrumented, options, jit).map_err(|e| {
        // Offsets past the inserted callout are moved back to the pattern as written.
        let offset = if e.offset >= at + START_CALLOUT.len() {
            e.offset - START_CALLOUT.len()
        } else {
            e.offset.min(at)
        };
        format!("Compilation failed: {} at offset {offset}", e.message)
    })?;
    let n_groups = code.capture_count() as usize + 1;
    let mut names = vec![None; n_groups];
    for (group, name) in code.names() {
        if let Some(slot) = names.get_mut(*group as usize) {
            *slot = Some(PhpStr::from(name.as_slice()));
        }
    }
    let md = MatchData::for_code(&code).map(|md| (md, vec![ffi::UNSET; 2 * n_groups]));
    Ok(Compiled {
        code,
        md: RefCell::new(md),
        names,
        n_groups,
    })
}

/// The callout put at the start of every pattern (see the module doc).
const START_CALLOUT: &[u8] = b"(?C)";

/// Start-of-pattern settings (`(*UTF)`, `(*LIMIT_MATCH=9)`, ...), which must stay first.
const LEADING_SETTINGS: &[&[u8]] = &[
    b"UTF",
    b"UTF8",
    b"UCP",
    b"NO_AUTO_POSSESS",
    b"NO_DOTSTAR_ANCHOR",
    b"NO_JIT",
    b"NO_START_OPT",
    b"NOTEMPTY",
    b"NOTEMPTY_ATSTART",
    b"CR",
    b"LF",
    b"CRLF",
    b"ANYCRLF",
    b"ANY",
    b"NUL",
    b"BSR_ANYCRLF",
    b"BSR_UNICODE",
    b"CASELESS_RESTRICT",
    b"TURKISH_CASING",
    b"LIMIT_MATCH",
    b"LIMIT_DEPTH",
    b"LIMIT_HEAP",
    b"LIMIT_RECURSION",
];

/// `pattern` with `START_CALLOUT` inserted after its leading settings, and where.
///
/// A callout is not a pattern item for PCRE2's start-up analysis (anchoring, first code
/// unit, start bits and minimum length skip it), so the optimisations are unchanged and
/// the callout runs once for every start position a match is actually tried at.
fn with_start_callout(pattern: &[u8]) -> (Vec<u8>, usize) {
    let mut at = 0;
    while pattern[at..].starts_with(b"(*") {
        let Some(close) = pattern[at..].iter().position(|&c| c == b')') else {
            break;
        };
        let item = &pattern[at + 2..at + close];
        let name = item.split(|&c| c == b'=').next().unwrap_or(item);
        if !LEADING_SETTINGS.contains(&name) {
            break;
        }
        at += close + 1;
    }
    let mut out = Vec::with_capacity(pattern.len() + START_CALLOUT.len());
    out.extend_from_slice(&pattern[..at]);
    out.extend_from_slice(START_CALLOUT);
    out.extend_from_slice(&pattern[at..]);
    (out, at)
}

/// A failed match: with `INTERRUPTED`, the time limit's fatal error; otherwise the code
/// for `preg_last_error`.
fn match_failed(host: &mut dyn Host, code: i64) -> PhpResult<()> {
    if code == INTERRUPTED {
        host.check_limits()?;
        // The flag went down without a fault (cannot happen while a limit is armed).
        set_error(INTERNAL_ERROR);
        return Ok(());
    }
    set_error(code);
    Ok(())
}

/// Reads an ini limit, with PHP's default.
fn ini_limit(host: &dyn Host, name: &[u8], default: u32) -> u32 {
    host.ini_get(name)
        .and_then(|v| std::str::from_utf8(&v).ok()?.trim().parse::<i64>().ok())
        .map(|v| v.clamp(0, i64::from(u32::MAX)) as u32)
        .unwrap_or(default)
}

/// Maps a PCRE2 match error to `preg_last_error`'s code (`pcre_handle_exec_error`).
fn exec_error(rc: i32) -> i64 {
    match rc {
        ffi::ERROR_MATCHLIMIT => BACKTRACK_LIMIT_ERROR,
        ffi::ERROR_DEPTHLIMIT => RECURSION_LIMIT_ERROR,
        ffi::ERROR_BADUTFOFFSET => BAD_UTF8_OFFSET_ERROR,
        ffi::ERROR_JIT_STACKLIMIT => JIT_STACKLIMIT_ERROR,
        r if (ffi::ERROR_UTF8_LAST..=ffi::ERROR_UTF8_FIRST).contains(&r) => BAD_UTF8_ERROR,
        _ => INTERNAL_ERROR,
    }
}

/// A running search of one pattern over one subject: owns the match data for the call
/// and the copy of the last ovector.
struct Matcher<'a> {
    c: &'a Compiled,
    subject: &'a [u8],
    md: Option<MatchData>,
    /// The ovector of the last successful match (`2 * n_groups` entries).
    ov: Vec<usize>,
    /// Pairs set by the last match (PCRE2's return code).
    count: usize,
    /// Whether the subject's UTF-8 has been validated by a first match.
    utf_checked: bool,
}

impl<'a> Matcher<'a> {
    fn new(host: &dyn Host, c: &'a Compiled, subject: &'a [u8]) -> Matcher<'a> {
        let (md, mut ov) = match c.md.try_borrow_mut().ok().and_then(|mut slot| slot.take()) {
            Some((md, ov)) => (Some(md), ov),
            None => (MatchData::for_code(&c.code), Vec::new()),
        };
        ov.clear();
        ov.resize(2 * c.n_groups, ffi::UNSET);
        // The limits come from ini settings: re-read only when one changed.
        let key = (
            std::ptr::from_ref(host).cast::<()>() as usize,
            super::super::host::ini_generation(),
        );
        let stale = STATE.with(|s| {
            let s = s.borrow();
            s.ctx.is_none() || s.limits_for != Some(key)
        });
        if stale {
            let backtrack = ini_limit(host, b"pcre.backtrack_limit", 1_000_000);
            let recursion = ini_limit(host, b"pcre.recursion_limit", 100_000);
            STATE.with(|s| {
                let mut s = s.borrow_mut();
                if s.ctx.is_none() {
                    s.ctx = MatchContext::new().map(|mut ctx| {
                        let flag = super::super::limits::thread_flag();
                        ctx.set_interrupt(flag, super::super::limits::TIMED_OUT);
                        ctx
                    });
                }
                if let Some(ctx) = s.ctx.as_mut() {
                    ctx.set_limits(backtrack, recursion);
                    s.limits_for = Some(key);
                }
            });
        }
        Matcher {
            c,
            subject,
            md,
            ov,
            count: 0,
            utf_checked: false,
        }
    }

    /// One `pcre2_match` from `start`. `Ok(true)` on a match (ovector copied), `Ok(false)`
    /// on no match, `Err(code)` with the `preg_last_error` code otherwise.
    fn exec(&mut self, start: usize, extra: u32) -> Result<bool, i64> {
        let Some(md) = self.md.as_mut() else {
            return Err(INTERNAL_ERROR);
        };
        let mut options = extra;
        if self.utf_checked {
            options |= ffi::PCRE2_NO_UTF_CHECK;
        }
        let rc = STATE.with(|s| {
            let s = s.borrow();
            match s.ctx.as_ref() {
                Some(ctx) => ffi::run(&self.c.code, self.subject, start, options, md, ctx),
                None => -1000,
            }
        });
        if rc == -1000 {
            return Err(INTERNAL_ERROR);
        }
        if rc == ffi::ERROR_NOMATCH {
            self.utf_checked = true;
            return Ok(false);
        }
        if rc == ffi::ERROR_CALLOUT {
            return Err(INTERRUPTED);
        }
        if rc < 0 {
            return Err(exec_error(rc));
        }
        self.utf_checked = true;
        let n = self.ov.len();
        self.ov.copy_from_slice(&md.ovector()[..n]);
        self.count = if rc == 0 {
            self.c.n_groups
        } else {
            rc as usize
        };
        Ok(true)
    }

    /// The length of the character at `pos` (one byte unless the pattern is UTF).
    fn unit_len(&self, pos: usize) -> usize {
        if !self.c.code.is_utf() {
            return 1;
        }
        let mut len = 1;
        while pos + len < self.subject.len() && (self.subject[pos + len] & 0xc0) == 0x80 {
            len += 1;
        }
        len
    }

    /// Finds the next match for a global loop after a match ending at `end` that started
    /// at `begin`, with PHP's empty-match rule. `Ok(false)` when there are no more.
    fn next_after(&mut self, begin: usize, end: usize) -> Result<bool, i64> {
        let mut start = end;
        if begin == end {
            if self.exec(start, ffi::PCRE2_NOTEMPTY_ATSTART | ffi::PCRE2_ANCHORED)? {
                return Ok(true);
            }
            if start >= self.subject.len() {
                return Ok(false);
            }
            start += self.unit_len(start);
        }
        self.exec(start, 0)
    }

    fn group(&self, i: usize) -> Option<(usize, usize)> {
        let (s, e) = (self.ov[2 * i], self.ov[2 * i + 1]);
        (s != ffi::UNSET && i < self.count).then_some((s, e))
    }
}

impl Drop for Matcher<'_> {
    fn drop(&mut self) {
        // Give the match data back for the next call with this pattern.
        if let Some(md) = self.md.take() {
            if let Ok(mut slot) = self.c.md.try_borrow_mut() {
                *slot = Some((md, std::mem::take(&mut self.ov)));
            }
        }
    }
}

/// One captured group as `$matches` holds it.
fn group_value(m: &Matcher<'_>, i: usize, offset_capture: bool, unmatched_as_null: bool) -> Value {
    let (text, off) = match m.group(i) {
        Some((s, e)) => (Value::str(&m.subject[s..e]), s as i64),
        None if unmatched_as_null => (Value::Null, -1),
        None => (Value::str(""), -1),
    };
    if offset_capture {
        Value::array(PhpArray::from_values(vec![text, Value::Int(off)]))
    } else {
        text
    }
}

/// `populate_subpat_array` for one match (preg_match, SET_ORDER, callbacks): groups up to
/// the last one that matched (or all groups with `UNMATCHED_AS_NULL`), named groups under
/// their name first.
fn match_array(m: &Matcher<'_>, offset_capture: bool, unmatched_as_null: bool) -> PhpArray {
    let limit = if unmatched_as_null {
        m.c.n_groups
    } else {
        m.count
    };
    if m.c.names.iter().all(Option::is_none) {
        // No named groups: a list.
        return PhpArray::from_values(
            (0..limit)
                .map(|i| group_value(m, i, offset_capture, unmatched_as_null))
                .collect(),
        );
    }
    let mut out = PhpArray::with_capacity(limit);
    for i in 0..limit {
        let v = group_value(m, i, offset_capture, unmatched_as_null);
        if let Some(name) = &m.c.names[i] {
            out.insert(ArrayKey::Str(name.clone()), v.clone());
        }
        out.insert(ArrayKey::Int(i as i64), v);
    }
    out
}

fn store_ref(args: &[Value], i: usize, v: Value) {
    if let Some(cell) = args::ref_at(args, i) {
        *cell.borrow_mut() = v;
    }
}

/// The start offset after PHP's normalisation; `None` when it is past the end.
fn start_offset(offset: i64, len: usize) -> Option<usize> {
    if offset < 0 {
        let back = offset.unsigned_abs();
        return Some(len.saturating_sub(usize::try_from(back).unwrap_or(usize::MAX)));
    }
    ((offset as u64) <= len as u64).then_some(offset as usize)
}

fn preg_match(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    match_impl(host, args, false, "preg_match")
}

fn preg_match_all(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    match_impl(host, args, true, "preg_match_all")
}

fn match_impl(host: &mut dyn Host, args: &[Value], global: bool, fname: &str) -> PhpResult<Value> {
    let regex = args::str_at(args, 0);
    let subject = args::str_at(args, 1);
    let flags = args::int_or(args, 3, 0);
    let offset = args::int_or(args, 4, 0);
    let Some(c) = get_pattern(host, fname, &regex)? else {
        return Ok(Value::Bool(false));
    };
    let offset_capture = flags & PREG_OFFSET_CAPTURE != 0;
    let unmatched_as_null = flags & PREG_UNMATCHED_AS_NULL != 0;
    let mut order = if global { PREG_PATTERN_ORDER } else { 0 };
    if flags & 0xff != 0 {
        order = flags & 0xff;
    }
    if (global && !(PREG_PATTERN_ORDER..=PREG_SET_ORDER).contains(&order))
        || (!global && order != 0)
    {
        return Err(Fault::value_error(format!(
            "{fname}(): Argument #4 ($flags) must be a PREG_* constant"
        )));
    }
    let want_matches = args::ref_at(args, 2).is_some();
    if want_matches {
        store_ref(args, 2, Value::empty_array());
    }
    set_error(NO_ERROR);
    let Some(start) = start_offset(offset, subject.len()) else {
        set_error(INTERNAL_ERROR);
        return Ok(Value::Bool(false));
    };
    let mut m = Matcher::new(host, &c, &subject);
    // Per-group lists for PATTERN_ORDER, per-match arrays for SET_ORDER.
    let mut groups: Vec<Vec<Value>> = vec![
        Vec::new();
        if global && order == PREG_PATTERN_ORDER {
            c.n_groups
        } else {
            0
        }
    ];
    let mut sets: Vec<Value> = Vec::new();
    let mut single = None;
    let mut n_matches = 0i64;
    let mut found = m.exec(start, 0);
    loop {
        match found {
            Ok(true) => {}
            Ok(false) => break,
            Err(code) => {
                match_failed(host, code)?;
                return Ok(Value::Bool(false));
            }
        }
        n_matches += 1;
        if want_matches {
            if !global {
                single = Some(match_array(&m, offset_capture, unmatched_as_null));
            } else if order == PREG_PATTERN_ORDER {
                for (i, list) in groups.iter_mut().enumerate() {
                    list.push(group_value(&m, i, offset_capture, unmatched_as_null));
                }
            } else {
                sets.push(Value::array(match_array(
                    &m,
                    offset_capture,
                    unmatched_as_null,
                )));
            }
        }
        if !global {
            break;
        }
        let (b, e) = (m.ov[0], m.ov[1]);
        host.check_limits()?;
        found = m.next_after(b, e);
    }
    if want_matches {
        let result = if !global {
            single.unwrap_or_default()
        } else if order == PREG_PATTERN_ORDER {
            let mut out = PhpArray::new();
            for (i, list) in groups.into_iter().enumerate() {
                let v = Value::array(PhpArray::from_values(list));
                if let Some(name) = &c.names[i] {
                    out.insert(ArrayKey::Str(name.clone()), v.clone());
                }
                out.insert(ArrayKey::Int(i as i64), v);
            }
            out
        } else {
            PhpArray::from_values(sets)
        };
        store_ref(args, 2, Value::array(result));
    }
    Ok(Value::Int(n_matches))
}

/// Appends the expansion of a replacement template (`$1`, `\1`, `${1}`) for the current
/// match, as `php_pcre_replace_impl` does.
fn expand_replacement(out: &mut Vec<u8>, template: &[u8], m: &Matcher<'_>) {
    let at = |i: usize| template.get(i).copied().unwrap_or(0);
    let mut i = 0;
    let mut last_was_backslash = false;
    while i < template.len() {
        let c = template[i];
        if c == b'\\' || c == b'$' {
            if last_was_backslash {
                // `\\` and `\$` are literals: the backslash is replaced by this character.
                if let Some(last) = out.last_mut() {
                    *last = c;
                }
                i += 1;
                last_was_backslash = false;
                continue;
            }
            if let Some((group, len)) = backref(template, i, at) {
                if group < m.count {
                    if let Some((s, e)) = m.group(group) {
                        out.extend_from_slice(&m.subject[s..e]);
                    }
                }
                i += len;
                last_was_backslash = false;
                continue;
            }
        }
        out.push(c);
        last_was_backslash = c == b'\\';
        i += 1;
    }
}

/// `preg_get_backref`: a group reference at `i`, as `(group, length consumed)`.
fn backref(t: &[u8], i: usize, at: impl Fn(usize) -> u8) -> Option<(usize, usize)> {
    if at(i + 1) == 0 && i + 1 >= t.len() {
        return None;
    }
    let mut w = i;
    let in_brace = t[i] == b'$' && at(i + 1) == b'{';
    if in_brace {
        w += 1;
    }
    w += 1;
    let d = at(w);
    if !d.is_ascii_digit() || w >= t.len() {
        return None;
    }
    let mut group = usize::from(d - b'0');
    w += 1;
    if w < t.len() && at(w).is_ascii_digit() {
        group = group * 10 + usize::from(at(w) - b'0');
        w += 1;
    }
    if in_brace {
        if at(w) != b'}' || w >= t.len() {
            return None;
        }
        w += 1;
    }
    Some((group, w - i))
}

/// What replaces each match.
enum Replacement<'r> {
    Template(&'r [u8]),
    Callback(&'r Value, i64),
}

/// Replaces matches of one compiled pattern in `subject`. `None` on a match error (the
/// last error is set), `Some(None)` when nothing matched (the subject is unchanged).
fn replace_one(
    host: &mut dyn Host,
    c: &Compiled,
    subject: &[u8],
    rep: &Replacement<'_>,
    limit: i64,
    count: &mut i64,
) -> PhpResult<Option<Option<Vec<u8>>>> {
    let mut m = Matcher::new(host, c, subject);
    let mut out: Vec<u8> = Vec::new();
    let mut last = 0usize;
    let mut remaining = limit;
    let mut found = m.exec(0, 0);
    let mut any = false;
    while remaining != 0 {
        match found {
            Ok(true) => {}
            Ok(false) => break,
            Err(code) => {
                match_failed(host, code)?;
                return Ok(None);
            }
        }
        if !any {
            out.reserve(subject.len());
            any = true;
        }
        let (b, e) = (m.ov[0], m.ov[1]);
        out.extend_from_slice(&subject[last..b]);
        match rep {
            Replacement::Template(t) => expand_replacement(&mut out, t, &m),
            Replacement::Callback(cb, flags) => {
                let arr = match_array(
                    &m,
                    flags & PREG_OFFSET_CAPTURE != 0,
                    flags & PREG_UNMATCHED_AS_NULL != 0,
                );
                let r = host.call(cb, &[Value::array(arr)])?;
                out.extend_from_slice(&host.to_str(&r)?);
            }
        }
        last = e;
        *count += 1;
        if remaining > 0 {
            remaining -= 1;
        }
        host.check_limits()?;
        found = m.next_after(b, e);
    }
    if !any {
        return Ok(Some(None));
    }
    out.extend_from_slice(&subject[last..]);
    Ok(Some(Some(out)))
}

/// Applies every `(pattern, replacement)` pair in turn to one subject.
fn replace_all_patterns(
    host: &mut dyn Host,
    fname: &str,
    pairs: &[(PhpStr, ReplacementOwned)],
    subject: PhpStr,
    limit: i64,
    count: &mut i64,
) -> PhpResult<Option<PhpStr>> {
    let mut current = subject;
    for (regex, rep) in pairs {
        let Some(c) = get_pattern(host, fname, regex)? else {
            return Ok(None);
        };
        let rep = match rep {
            ReplacementOwned::Template(t) => Replacement::Template(t),
            ReplacementOwned::Callback(cb, flags) => Replacement::Callback(cb, *flags),
        };
        match replace_one(host, &c, &current, &rep, limit, count)? {
            Some(Some(v)) => current = PhpStr::from(v),
            Some(None) => {}
            None => return Ok(None),
        }
    }
    Ok(Some(current))
}

enum ReplacementOwned {
    Template(PhpStr),
    Callback(Value, i64),
}

/// The shared driver of `preg_replace*`: string or array subjects, result and `$count`.
fn replace_driver(
    host: &mut dyn Host,
    args: &[Value],
    fname: &str,
    pairs: Vec<(PhpStr, ReplacementOwned)>,
    subject: &Value,
    limit: i64,
    count_arg: usize,
    filter: bool,
) -> PhpResult<Value> {
    set_error(NO_ERROR);
    let mut count = 0i64;
    let result = match subject {
        Value::Array(subjects) => {
            let mut out = PhpArray::new();
            for (k, v) in subjects.iter() {
                let s = host.to_str(&v.deref_clone())?;
                let before = count;
                if let Some(r) = replace_all_patterns(host, fname, &pairs, s, limit, &mut count)? {
                    // `preg_filter` keeps only the subjects something matched in.
                    if !filter || count > before {
                        out.insert(k, Value::Str(r));
                    }
                }
            }
            Value::array(out)
        }
        other => {
            let s = host.to_str(other)?;
            match replace_all_patterns(host, fname, &pairs, s, limit, &mut count)? {
                Some(r) if !filter || count > 0 => Value::Str(r),
                _ => Value::Null,
            }
        }
    };
    store_ref(args, count_arg, Value::Int(count));
    Ok(result)
}

fn to_strings(host: &mut dyn Host, v: &Value) -> PhpResult<Vec<PhpStr>> {
    match v {
        Value::Array(a) => a.values().map(|x| host.to_str(&x.deref_clone())).collect(),
        other => Ok(vec![host.to_str(other)?]),
    }
}

fn preg_replace(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    replace_or_filter(host, args, "preg_replace", false)
}

fn preg_filter(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    replace_or_filter(host, args, "preg_filter", true)
}

/// `preg_replace` and `preg_filter` (which drops the subjects nothing matched in).
fn replace_or_filter(
    host: &mut dyn Host,
    args: &[Value],
    fname: &str,
    filter: bool,
) -> PhpResult<Value> {
    let pattern = args.first().map(|v| v.deref_clone()).unwrap_or(Value::Null);
    let replacement = args.get(1).map(|v| v.deref_clone()).unwrap_or(Value::Null);
    let subject = args.get(2).map(|v| v.deref_clone()).unwrap_or(Value::Null);
    let limit = args::int_or(args, 3, -1);
    let pairs: Vec<(PhpStr, ReplacementOwned)> = match (&pattern, &replacement) {
        (Value::Array(_), Value::Array(_)) => {
            let pats = to_strings(host, &pattern)?;
            let mut reps = to_strings(host, &replacement)?.into_iter();
            pats.into_iter()
                .map(|p| (p, ReplacementOwned::Template(reps.next().unwrap_or_default())))
                .collect()
        }
        (Value::Array(_), _) => {
            let rep = host.to_str(&replacement)?;
            to_strings(host, &pattern)?
                .into_iter()
                .map(|p| (p, ReplacementOwned::Template(rep.clone())))
                .collect()
        }
        (_, Value::Array(_)) => {
            return Err(Fault::type_error(format!(
                "{fname}(): Argument #1 ($pattern) must be of type array when argument #2 ($replacement) is an array, string given"
            )))
        }
        _ => vec![(host.to_str(&pattern)?, ReplacementOwned::Template(host.to_str(&replacement)?))],
    };
    replace_driver(host, args, fname, pairs, &subject, limit, 4, filter)
}

fn preg_replace_callback(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let pattern = args.first().map(|v| v.deref_clone()).unwrap_or(Value::Null);
    let callback = args.get(1).map(|v| v.deref_clone()).unwrap_or(Value::Null);
    let subject = args.get(2).map(|v| v.deref_clone()).unwrap_or(Value::Null);
    let limit = args::int_or(args, 3, -1);
    let flags = args::int_or(args, 5, 0);
    let pairs = to_strings(host, &pattern)?
        .into_iter()
        .map(|p| (p, ReplacementOwned::Callback(callback.clone(), flags)))
        .collect();
    replace_driver(
        host,
        args,
        "preg_replace_callback",
        pairs,
        &subject,
        limit,
        4,
        false,
    )
}

fn preg_replace_callback_array(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let map = super::args::array_at(args, 0);
    let subject = args.get(1).map(|v| v.deref_clone()).unwrap_or(Value::Null);
    let limit = args::int_or(args, 2, -1);
    let flags = args::int_or(args, 4, 0);
    let mut pairs = Vec::with_capacity(map.len());
    for (k, cb) in map.iter() {
        let cb = cb.deref_clone();
        if !host.is_callable(&cb) {
            return Err(Fault::type_error(
                "preg_replace_callback_array(): Argument #1 ($pattern) must contain only valid callbacks",
            ));
        }
        let regex = match k {
            ArrayKey::Str(s) => s,
            ArrayKey::Int(i) => PhpStr::from(i.to_string()),
        };
        pairs.push((regex, ReplacementOwned::Callback(cb, flags)));
    }
    replace_driver(
        host,
        args,
        "preg_replace_callback_array",
        pairs,
        &subject,
        limit,
        3,
        false,
    )
}

fn preg_split(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let regex = args::str_at(args, 0);
    let subject = args::str_at(args, 1);
    let mut limit = args::int_or(args, 2, -1);
    let flags = args::int_or(args, 3, 0);
    let no_empty = flags & PREG_SPLIT_NO_EMPTY != 0;
    let delim_capture = flags & PREG_SPLIT_DELIM_CAPTURE != 0;
    let offset_capture = flags & PREG_SPLIT_OFFSET_CAPTURE != 0;
    let Some(c) = get_pattern(host, "preg_split", &regex)? else {
        return Ok(Value::Bool(false));
    };
    set_error(NO_ERROR);
    if limit == 0 {
        limit = -1;
    }
    let piece = |s: usize, e: usize| -> Value {
        let text = Value::str(&subject[s..e]);
        if offset_capture {
            Value::array(PhpArray::from_values(vec![text, Value::Int(s as i64)]))
        } else {
            text
        }
    };
    let mut out = Vec::new();
    let mut last = 0usize;
    if limit == -1 || limit > 1 {
        let mut m = Matcher::new(host, &c, &subject);
        let mut found = m.exec(0, 0);
        loop {
            match found {
                Ok(true) => {}
                Ok(false) => break,
                Err(code) => {
                    match_failed(host, code)?;
                    return Ok(Value::Bool(false));
                }
            }
            let (b, e) = (m.ov[0], m.ov[1]);
            if e < b {
                break;
            }
            if !no_empty || b != last {
                out.push(piece(last, b));
                if limit != -1 {
                    limit -= 1;
                }
            }
            if delim_capture {
                for i in 1..m.count {
                    if let Some((s, e)) = m.group(i) {
                        if !no_empty || s != e {
                            out.push(piece(s, e));
                        }
                    } else if !no_empty {
                        out.push(piece(0, 0));
                    }
                }
            }
            last = e;
            if limit != -1 && limit <= 1 {
                break;
            }
            host.check_limits()?;
            found = m.next_after(b, e);
        }
    }
    if !no_empty || last < subject.len() {
        out.push(piece(last, subject.len()));
    }
    Ok(Value::array(PhpArray::from_values(out)))
}

fn preg_quote(_host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let s = args::str_at(args, 0);
    let delim = match args::opt(args, 1) {
        Some(Value::Str(d)) if !d.is_empty() => Some(d[0]),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 2);
    for &c in s.iter() {
        match c {
            b'.' | b'\\' | b'+' | b'*' | b'?' | b'[' | b'^' | b']' | b'$' | b'(' | b')' | b'{'
            | b'}' | b'=' | b'!' | b'>' | b'<' | b'|' | b':' | b'-' | b'#' => {
                out.push(b'\\');
                out.push(c);
            }
            0 => out.extend_from_slice(b"\\000"),
            c if Some(c) == delim => {
                out.push(b'\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    Ok(Value::str(out))
}

fn preg_grep(host: &mut dyn Host, args: &[Value]) -> PhpResult<Value> {
    let regex = args::str_at(args, 0);
    let input = args::array_at(args, 1);
    let invert = args::int_or(args, 2, 0) & PREG_GREP_INVERT != 0;
    let Some(c) = get_pattern(host, "preg_grep", &regex)? else {
        return Ok(Value::Bool(false));
    };
    set_error(NO_ERROR);
    let mut out = PhpArray::new();
    for (k, v) in input.iter() {
        host.check_limits()?;
        let s = host.to_str(&v.deref_clone())?;
        let mut m = Matcher::new(host, &c, &s);
        match m.exec(0, 0) {
            Ok(matched) => {
                if matched != invert {
                    out.insert(k, v.deref_clone());
                }
            }
            Err(code) => {
                match_failed(host, code)?;
                break;
            }
        }
    }
    Ok(Value::array(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::builtins::arrays::testutil::{by_ref, ref_val, show, strs};
    use crate::vm::host::TestHost;

    fn s(v: &str) -> Value {
        Value::str(v)
    }

    #[test]
    fn pattern_errors_warn_as_php() {
        // php -n -r 'var_dump(@preg_match($p, "a"), error_get_last()["message"]);'
        let cases = [
            ("/a/q", "preg_match(): Unknown modifier 'q'"),
            ("/abc", "preg_match(): No ending delimiter '/' found"),
            ("(abc", "preg_match(): No ending matching delimiter ')' found"),
            ("abc", "preg_match(): Delimiter must not be alphanumeric, backslash, or NUL"),
            ("", "preg_match(): Empty regular expression"),
            ("/a(/", "preg_match(): Compilation failed: missing closing parenthesis at offset 2"),
            ("/a/e", "preg_match(): The /e modifier is no longer supported, use preg_replace_callback instead"),
            ("/a/\0", "preg_match(): NUL is not a valid modifier"),
        ];
        for (p, msg) in cases {
            let mut h = TestHost::default();
            let r = preg_match(&mut h, &[s(p), s("a")]);
            assert!(matches!(r, Ok(Value::Bool(false))), "{p}");
            assert_eq!(h.diags.last().map(|d| d.1.as_str()), Some(msg), "{p}");
            assert_eq!(LAST_ERROR.with(|c| c.get()), INTERNAL_ERROR);
        }
        for ok in [
            "  /a/i", "(a)i", "{a}", "[a]x", "/a/X", "#a#", "/a/ u", "/a/\n",
        ] {
            let mut h = TestHost::default();
            assert!(
                matches!(preg_match(&mut h, &[s(ok), s("a")]), Ok(Value::Int(1))),
                "{ok}"
            );
        }
    }

    fn run_match(
        f: fn(&mut dyn Host, &[Value]) -> PhpResult<Value>,
        p: &str,
        subj: &str,
        flags: i64,
    ) -> String {
        let mut h = TestHost::default();
        let m = by_ref(Value::Null);
        match f(&mut h, &[s(p), s(subj), m.clone(), Value::Int(flags)]) {
            Ok(r) => format!("{} {}", show(&r), show(&ref_val(&m))),
            Err(e) => format!("{e:?}"),
        }
    }

    #[test]
    fn match_arrays() {
        // php -n -r 'var_dump(preg_match("/(?<n>a)(b)?(c)?/", "a", $m), $m);' and friends.
        assert_eq!(
            run_match(preg_match, "/(?<n>a)(b)?(c)?/", "a", 0),
            "1 {0:\"a\",\"n\":\"a\",1:\"a\"}"
        );
        assert_eq!(
            run_match(preg_match, "/(a)(b)?(c)?/", "a", PREG_UNMATCHED_AS_NULL),
            "1 {0:\"a\",1:\"a\",2:null,3:null}"
        );
        assert_eq!(
            run_match(preg_match, "/(a)(x)?(c)/", "ac", PREG_OFFSET_CAPTURE),
            "1 {0:{0:\"ac\",1:0},1:{0:\"a\",1:0},2:{0:\"\",1:-1},3:{0:\"c\",1:1}}"
        );
        assert_eq!(run_match(preg_match, "/z/", "a", 0), "0 {}");
        assert_eq!(
            run_match(preg_match_all, "/a*/", "baaa", 0),
            "3 {0:{0:\"\",1:\"aaa\",2:\"\"}}"
        );
        assert_eq!(
            run_match(preg_match_all, "/(\\d)(x)?/", "1x2", PREG_SET_ORDER),
            "2 {0:{0:\"1x\",1:\"1\",2:\"x\"},1:{0:\"2\",1:\"2\"}}"
        );
        assert_eq!(
            run_match(preg_match_all, "/(\\d)(x)?/", "1x2", 0),
            "2 {0:{0:\"1x\",1:\"2\"},1:{0:\"1\",1:\"2\"},2:{0:\"x\",1:\"\"}}"
        );
        assert_eq!(run_match(preg_match_all, "/z/", "abc", 0), "0 {0:{}}");
    }

    #[test]
    fn utf8_and_limits() {
        let mut h = TestHost::default();
        assert!(matches!(
            preg_match(&mut h, &[s("/./u"), Value::str(&b"\xff"[..])]),
            Ok(Value::Bool(false))
        ));
        assert_eq!(LAST_ERROR.with(|c| c.get()), BAD_UTF8_ERROR);
        let r = preg_match(
            &mut h,
            &[
                s("/./u"),
                s("é"),
                by_ref(Value::Null),
                Value::Int(0),
                Value::Int(1),
            ],
        );
        assert!(matches!(r, Ok(Value::Bool(false))));
        assert_eq!(LAST_ERROR.with(|c| c.get()), BAD_UTF8_OFFSET_ERROR);
        let r = preg_match(
            &mut h,
            &[s("/(?:\\D+|<\\d+>)*[!?]/"), s("foobar foobar foobar")],
        );
        assert!(matches!(r, Ok(Value::Bool(false))));
        assert_eq!(LAST_ERROR.with(|c| c.get()), BACKTRACK_LIMIT_ERROR);
        // Empty matches in UTF mode advance by whole characters.
        assert_eq!(
            run_match(preg_match_all, "//u", "éa", 0),
            "3 {0:{0:\"\",1:\"\",2:\"\"}}"
        );
    }

    #[test]
    fn replace_and_split() {
        let mut h = TestHost::default();
        let count = by_ref(Value::Null);
        // php -n -r 'var_dump(preg_replace("/(a)/", "[\$1|\\1|\${1}x|\$2|\\\\1]", "abca"));'
        let r = preg_replace(
            &mut h,
            &[
                s("/(a)/"),
                s("[$1|\\1|${1}x|$2|\\\\1]"),
                s("abca"),
                Value::Int(-1),
                count.clone(),
            ],
        );
        assert_eq!(
            r.map(|v| show(&v)).ok().as_deref(),
            Some("\"[a|a|ax||\\\\1]bc[a|a|ax||\\\\1]\"")
        );
        assert_eq!(show(&ref_val(&count)), "2");
        let r = preg_replace(&mut h, &[s("/a*/"), s("x"), s("baaac")]);
        assert_eq!(r.map(|v| show(&v)).ok().as_deref(), Some("\"xbxxcx\""));
        let r = preg_replace(
            &mut h,
            &[
                s("/item(\\d+)/"),
                s("obj-$1"),
                s("/path/item12?x=1"),
                Value::Int(1),
            ],
        );
        assert_eq!(
            r.map(|v| show(&v)).ok().as_deref(),
            Some("\"/path/obj-12?x=1\"")
        );
        let r = preg_replace(
            &mut h,
            &[strs(&["/a/", "/b/"]), strs(&["b"]), strs(&["ab", "ba"])],
        );
        assert_eq!(r.map(|v| show(&v)).ok().as_deref(), Some("{0:\"\",1:\"\"}"));
        let r = preg_split(
            &mut h,
            &[
                s("//"),
                s("abc"),
                Value::Int(-1),
                Value::Int(PREG_SPLIT_NO_EMPTY),
            ],
        );
        assert_eq!(
            r.map(|v| show(&v)).ok().as_deref(),
            Some("{0:\"a\",1:\"b\",2:\"c\"}")
        );
        let r = preg_split(
            &mut h,
            &[
                s("/(-)/"),
                s("a-b-c"),
                Value::Int(2),
                Value::Int(PREG_SPLIT_DELIM_CAPTURE | PREG_SPLIT_OFFSET_CAPTURE),
            ],
        );
        assert_eq!(
            r.map(|v| show(&v)).ok().as_deref(),
            Some("{0:{0:\"a\",1:0},1:{0:\"-\",1:1},2:{0:\"b-c\",1:2}}")
        );
        let r = preg_split(&mut h, &[s("/[\\s\\/]+/"), s("GET /path/to x")]);
        assert_eq!(
            r.map(|v| show(&v)).ok().as_deref(),
            Some("{0:\"GET\",1:\"path\",2:\"to\",3:\"x\"}")
        );
    }

    #[test]
    fn quote_and_grep() {
        let mut h = TestHost::default();
        let r = preg_quote(&mut h, &[s("a.b#c/d"), s("/")]);
        assert_eq!(
            r.map(|v| show(&v)).ok().as_deref(),
            Some("\"a\\\\.b\\\\#c\\\\/d\"")
        );
        let r = preg_quote(&mut h, &[Value::str(&b"\0-#"[..])]);
        assert_eq!(
            r.map(|v| show(&v)).ok().as_deref(),
            Some("\"\\\\000\\\\-\\\\#\"")
        );
        let r = preg_grep(&mut h, &[s("/^\\d+$/"), strs(&["1", "a", "22"])]);
        assert_eq!(
            r.map(|v| show(&v)).ok().as_deref(),
            Some("{0:\"1\",2:\"22\"}")
        );
        let r = preg_grep(
            &mut h,
            &[
                s("/^\\d+$/"),
                strs(&["1", "a", "22"]),
                Value::Int(PREG_GREP_INVERT),
            ],
        );
        assert_eq!(r.map(|v| show(&v)).ok().as_deref(), Some("{1:\"a\"}"));
    }
}
