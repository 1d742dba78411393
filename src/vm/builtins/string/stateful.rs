//! String functions with state beyond their arguments: `strtok` (which remembers the
//! string being tokenised between calls, per request), and `str_shuffle` and `uniqid`
//! (which read the random generator and the clock).

use std::cell::RefCell;

use super::super::super::error::PhpResult;
use super::super::super::host::Host;
use super::super::super::value::{PhpStr, Value};
use super::super::args;
use super::super::{BuiltinDef, ConstVal};

/// The builtins of this family.
pub const FUNCTIONS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "strtok",
        sig: "string $string, ?string $token = null",
        func: strtok,
    },
    BuiltinDef {
        name: "str_shuffle",
        sig: "string $string",
        func: str_shuffle,
    },
    BuiltinDef {
        name: "uniqid",
        sig: "string $prefix = \"\", bool $more_entropy = false",
        func: uniqid,
    },
];

/// The constants of this family (none).
pub const CONSTANTS: &[(&str, ConstVal)] = &[];

/// What `strtok` remembers between calls: the string and where the next search starts.
struct Tokenizer {
    string: PhpStr,
    next: usize,
}

thread_local! {
    static STRTOK: RefCell<Option<Tokenizer>> = const { RefCell::new(None) };
    /// The last `uniqid` time (seconds, microseconds): each call waits for the clock to move.
    static LAST_UNIQID: RefCell<(u64, u32)> = const { RefCell::new((0, 0)) };
}

/// Forgets the request's `strtok` string.
pub fn reset_request_state() {
    STRTOK.with(|t| *t.borrow_mut() = None);
}

fn strtok(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let first = args::str_at(a, 0);
    // With one argument, that argument is the token list.
    let token = match args::opt(a, 1) {
        Some(Value::Str(token)) => {
            STRTOK.with(|t| {
                *t.borrow_mut() = Some(Tokenizer {
                    string: first,
                    next: 0,
                })
            });
            token.clone()
        }
        _ => first,
    };
    let mut delimiters = [false; 256];
    for &c in token.iter() {
        delimiters[usize::from(c)] = true;
    }
    Ok(STRTOK.with(|cell| {
        let mut cell = cell.borrow_mut();
        // Without a string to tokenise PHP 8.2 quietly returns false (8.3 warns).
        let Some(state) = cell.as_mut() else {
            return Value::Bool(false);
        };
        let s = &state.string;
        let mut p = state.next;
        if p >= s.len() {
            // The end was reached; php-src keeps the string until a search fails.
            return Value::Bool(false);
        }
        while delimiters[usize::from(s[p])] {
            p += 1;
            if p >= s.len() {
                *cell = None;
                return Value::Bool(false);
            }
        }
        let start = p;
        p += 1;
        while p < s.len() && !delimiters[usize::from(s[p])] {
            p += 1;
        }
        let word = Value::str(&s[start..p]);
        state.next = p + 1;
        word
    }))
}

fn str_shuffle(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let mut s = args::str_at(a, 0).to_vec();
    // php_string_shuffle: Fisher-Yates from the end over PHP's Mt19937 state.
    for left in (1..s.len()).rev() {
        let j = super::super::math::mt_rand_range(0, left as i64)? as usize;
        s.swap(left, j);
    }
    Ok(Value::str(s))
}

fn uniqid(_h: &mut dyn Host, a: &[Value]) -> PhpResult<Value> {
    let prefix = args::str_at(a, 0);
    let more_entropy = args::bool_or(a, 1, false);
    // Poll the clock until the microsecond changes, so two ids never repeat.
    let (sec, usec) = loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let t = (now.as_secs(), now.subsec_micros());
        if LAST_UNIQID.with(|last| *last.borrow() != t) {
            LAST_UNIQID.with(|last| *last.borrow_mut() = t);
            break t;
        }
    };
    let mut out = prefix.to_vec();
    out.extend_from_slice(format!("{:08x}{:05x}", sec as u32, usec % 0x10_0000).as_bytes());
    if more_entropy {
        let mut bytes = [0u8; 4];
        let seed = match std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        {
            Ok(()) => f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX) * 10.0,
            Err(_) => 0.0,
        };
        out.extend_from_slice(format!("{seed:.8}").as_bytes());
    }
    Ok(Value::str(out))
}
