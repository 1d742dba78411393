//! A small safe wrapper over the PCRE2 C library (`pcre2-sys`, 8-bit code units).
//!
//! `vm` forbids unsafe code, and PHP's `preg_*` functions need PCRE2 features the
//! high-level `pcre2` crate does not expose (arbitrary-byte patterns, every compile option,
//! match and depth limits, `NOTEMPTY_ATSTART | ANCHORED` retries, the name table). This module
//! is the only place that talks to the C API; it owns every PCRE2 allocation through RAII
//! types, so the callers (`vm::builtins::pcre`) see only safe methods.
//!
//! It is not a regex engine abstraction: it mirrors PCRE2's own concepts (code, match data,
//! match context, ovector) one to one, and leaves PHP semantics to the caller.

use std::ffi::c_void;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicU8, Ordering};

use pcre2_sys as sys;

pub use sys::{
    PCRE2_ANCHORED, PCRE2_CASELESS, PCRE2_DOLLAR_ENDONLY, PCRE2_DOTALL, PCRE2_DUPNAMES,
    PCRE2_EXTENDED, PCRE2_MULTILINE, PCRE2_NOTEMPTY_ATSTART, PCRE2_NO_AUTO_CAPTURE,
    PCRE2_NO_UTF_CHECK, PCRE2_UCP, PCRE2_UNGREEDY, PCRE2_UTF,
};

/// `pcre2_match` found no match.
pub const ERROR_NOMATCH: i32 = sys::PCRE2_ERROR_NOMATCH;
/// The match limit (PHP's `pcre.backtrack_limit`) was hit.
pub const ERROR_MATCHLIMIT: i32 = sys::PCRE2_ERROR_MATCHLIMIT;
/// The depth limit (PHP's `pcre.recursion_limit`) was hit.
pub const ERROR_DEPTHLIMIT: i32 = sys::PCRE2_ERROR_DEPTHLIMIT;
/// The start offset is not at a UTF-8 character boundary.
pub const ERROR_BADUTFOFFSET: i32 = sys::PCRE2_ERROR_BADUTFOFFSET;
/// A callout abandoned the match: the interrupt flag set by `MatchContext::set_interrupt`
/// was up (PCRE2 reserves this code for callout functions and never returns it itself).
pub const ERROR_CALLOUT: i32 = sys::PCRE2_ERROR_CALLOUT;
/// The JIT stack was too small.
pub const ERROR_JIT_STACKLIMIT: i32 = sys::PCRE2_ERROR_JIT_STACKLIMIT;
/// The range of "invalid UTF-8 subject" errors (`PCRE2_ERROR_UTF8_ERR1` down to `ERR21`).
pub const ERROR_UTF8_FIRST: i32 = sys::PCRE2_ERROR_UTF8_ERR1;
/// See `ERROR_UTF8_FIRST`.
pub const ERROR_UTF8_LAST: i32 = sys::PCRE2_ERROR_UTF8_ERR1 - 20;

/// The ovector value of a group that did not participate in the match.
pub const UNSET: usize = usize::MAX;

/// PHP's JIT stack bounds (`PCRE_JIT_STACK_MIN_SIZE` / `PCRE_JIT_STACK_MAX_SIZE`).
const JIT_STACK_MIN: usize = 32 * 1024;
const JIT_STACK_MAX: usize = 192 * 1024;

/// The text of a PCRE2 error code, as `pcre2_get_error_message` words it.
pub fn error_message(code: i32) -> String {
    let mut buf = [0u8; 256];
    // SAFETY: `buf` is a valid writable buffer of the length passed; PCRE2 writes at most
    // that many bytes (including the NUL) and returns the message length or a negative code.
    let n = unsafe { sys::pcre2_get_error_message_8(code, buf.as_mut_ptr(), buf.len()) };
    if n < 0 {
        return format!("internal error {code}");
    }
    String::from_utf8_lossy(&buf[..n as usize]).into_owned()
}

/// A failed compilation: PCRE2's error code, message and the pattern offset.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message} at offset {offset}")]
pub struct CompileError {
    pub code: i32,
    pub message: String,
    pub offset: usize,
}

/// A compiled pattern.
pub struct Code {
    ptr: NonNull<sys::pcre2_code_8>,
    capture_count: u32,
    /// `(group number, name)` for every named group, in name-table order.
    names: Vec<(u32, Vec<u8>)>,
    utf: bool,
    /// Whether the JIT compile succeeded (`run` may then call the JIT directly).
    jit: bool,
}

impl Code {
    /// Compiles `pattern` with PCRE2 `options`; when `jit` is set, also JIT-compiles it
    /// (a JIT failure is not an error: matching then uses the interpreter).
    ///
    /// # Errors
    ///
    /// PCRE2's compile error with its offset.
    pub fn compile(pattern: &[u8], options: u32, jit: bool) -> Result<Code, CompileError> {
        let mut error_code: i32 = 0;
        let mut error_offset: usize = 0;
        // SAFETY: the pattern pointer and length describe a live slice (PCRE2 reads exactly
        // `len` bytes when given an explicit length); the out-pointers are valid locals; a
        // null compile context selects defaults.
        let raw = unsafe {
            sys::pcre2_compile_8(
                pattern.as_ptr(),
                pattern.len(),
                options,
                &mut error_code,
                &mut error_offset,
                ptr::null_mut(),
            )
        };
        let Some(ptr) = NonNull::new(raw) else {
            return Err(CompileError {
                code: error_code,
                message: error_message(error_code),
                offset: error_offset,
            });
        };
        let mut code = Code {
            ptr,
            capture_count: 0,
            names: Vec::new(),
            utf: options & PCRE2_UTF != 0,
            jit: false,
        };
        if jit {
            // SAFETY: `code.ptr` is a valid compiled pattern owned by `code`.
            let rc =
                unsafe { sys::pcre2_jit_compile_8(code.ptr.as_ptr(), sys::PCRE2_JIT_COMPLETE) };
            code.jit = rc == 0;
        }
        code.capture_count = code.info_u32(sys::PCRE2_INFO_CAPTURECOUNT);
        code.names = code.read_name_table();
        Ok(code)
    }

    fn info_u32(&self, what: u32) -> u32 {
        let mut out: u32 = 0;
        // SAFETY: for the integer-valued `what`s used here PCRE2 writes one `uint32_t` to
        // the pointer, which points at a live local.
        let rc = unsafe {
            sys::pcre2_pattern_info_8(
                self.ptr.as_ptr(),
                what,
                (&mut out as *mut u32).cast::<c_void>(),
            )
        };
        if rc == 0 {
            out
        } else {
            0
        }
    }

    fn read_name_table(&self) -> Vec<(u32, Vec<u8>)> {
        let count = self.info_u32(sys::PCRE2_INFO_NAMECOUNT) as usize;
        let entry_size = self.info_u32(sys::PCRE2_INFO_NAMEENTRYSIZE) as usize;
        if count == 0 || entry_size < 3 {
            return Vec::new();
        }
        let mut table: *const u8 = ptr::null();
        // SAFETY: for `PCRE2_INFO_NAMETABLE` PCRE2 stores a pointer into the compiled code
        // at the given address, which points at a live local pointer variable.
        let rc = unsafe {
            sys::pcre2_pattern_info_8(
                self.ptr.as_ptr(),
                sys::PCRE2_INFO_NAMETABLE,
                (&mut table as *mut *const u8).cast::<c_void>(),
            )
        };
        if rc != 0 || table.is_null() {
            return Vec::new();
        }
        // SAFETY: the name table is `count * entry_size` bytes inside the compiled pattern,
        // which lives as long as `self`; we copy out of it before returning.
        let bytes = unsafe { std::slice::from_raw_parts(table, count * entry_size) };
        bytes
            .chunks(entry_size)
            .map(|entry| {
                let group = (u32::from(entry[0]) << 8) | u32::from(entry[1]);
                let name = &entry[2..];
                let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
                (group, name[..end].to_vec())
            })
            .collect()
    }

    /// The number of capturing groups (not counting group 0).
    pub fn capture_count(&self) -> u32 {
        self.capture_count
    }

    /// Named groups as `(group number, name)`.
    pub fn names(&self) -> &[(u32, Vec<u8>)] {
        &self.names
    }

    /// Whether the pattern was compiled in UTF mode.
    pub fn is_utf(&self) -> bool {
        self.utf
    }
}

impl Drop for Code {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `pcre2_compile_8` and is freed exactly once, here.
        unsafe { sys::pcre2_code_free_8(self.ptr.as_ptr()) }
    }
}

/// A match-data block (holds the ovector) sized for a pattern.
pub struct MatchData {
    ptr: NonNull<sys::pcre2_match_data_8>,
    pairs: usize,
}

impl MatchData {
    /// Match data with room for all of `code`'s groups.
    pub fn for_code(code: &Code) -> Option<MatchData> {
        // SAFETY: `code.ptr` is a valid compiled pattern; a null general context selects
        // malloc.
        let raw = unsafe {
            sys::pcre2_match_data_create_from_pattern_8(code.ptr.as_ptr(), ptr::null_mut())
        };
        let ptr = NonNull::new(raw)?;
        // SAFETY: `ptr` is a valid match-data block just created.
        let pairs = unsafe { sys::pcre2_get_ovector_count_8(ptr.as_ptr()) } as usize;
        Some(MatchData { ptr, pairs })
    }

    /// The ovector: `2 * pairs` offsets, `UNSET` for groups that did not match.
    pub fn ovector(&self) -> &[usize] {
        // SAFETY: PCRE2 guarantees the ovector holds `2 * pairs` `PCRE2_SIZE` values for the
        // lifetime of the match data, which `&self` borrows.
        unsafe {
            let p = sys::pcre2_get_ovector_pointer_8(self.ptr.as_ptr());
            std::slice::from_raw_parts(p, 2 * self.pairs)
        }
    }
}

impl Drop for MatchData {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `pcre2_match_data_create_*` and is freed exactly once.
        unsafe { sys::pcre2_match_data_free_8(self.ptr.as_ptr()) }
    }
}

// `pcre2-sys` leaves the callout API out of its bindings; the function is in the library
// it builds (`pcre2_context.c`). The callout block is only passed through, so it is
// declared as an opaque pointer.
extern "C" {
    fn pcre2_set_callout_8(
        mcontext: *mut sys::pcre2_match_context_8,
        callout: Option<unsafe extern "C" fn(*mut c_void, *mut c_void) -> i32>,
        data: *mut c_void,
    ) -> i32;
}

/// What the callout reads: abandon the match when `flag & mask` is non-zero.
struct Interrupt {
    flag: &'static AtomicU8,
    mask: u8,
}

/// The callout function of every match run with a context from `set_interrupt`: 0 lets the
/// match go on, `ERROR_CALLOUT` abandons it (`pcre2_match` then returns that code).
unsafe extern "C" fn interrupt_callout(_block: *mut c_void, data: *mut c_void) -> i32 {
    // SAFETY: `data` is the `Interrupt` boxed inside the `MatchContext` that passed it to
    // PCRE2; the context (and so the box) outlives every match that uses it.
    let interrupt = unsafe { &*data.cast::<Interrupt>() };
    if interrupt.flag.load(Ordering::Relaxed) & interrupt.mask != 0 {
        ERROR_CALLOUT
    } else {
        0
    }
}

/// A match context carrying the limits and a JIT stack.
pub struct MatchContext {
    ptr: NonNull<sys::pcre2_match_context_8>,
    jit_stack: Option<NonNull<sys::pcre2_jit_stack_8>>,
    /// The callout's data (`set_interrupt`); boxed so its address is stable.
    interrupt: Option<Box<Interrupt>>,
}

impl MatchContext {
    /// A context with PHP's JIT stack size.
    pub fn new() -> Option<MatchContext> {
        // SAFETY: a null general context selects malloc.
        let raw = unsafe { sys::pcre2_match_context_create_8(ptr::null_mut()) };
        let ptr = NonNull::new(raw)?;
        // SAFETY: creating a JIT stack has no preconditions beyond min <= max.
        let stack =
            unsafe { sys::pcre2_jit_stack_create_8(JIT_STACK_MIN, JIT_STACK_MAX, ptr::null_mut()) };
        let jit_stack = NonNull::new(stack);
        if let Some(s) = jit_stack {
            // SAFETY: both pointers are live; with a null callback PCRE2 uses the data
            // pointer as the JIT stack, which this context owns and frees after itself.
            unsafe {
                sys::pcre2_jit_stack_assign_8(ptr.as_ptr(), None, s.as_ptr().cast::<c_void>())
            };
        }
        Some(MatchContext {
            ptr,
            jit_stack,
            interrupt: None,
        })
    }

    /// Installs a callout function that abandons the match (`ERROR_CALLOUT`) when
    /// `flag & mask` is non-zero. Callouts fire only where the pattern has them: callers
    /// put one at the pattern's start (`(?C)`), which runs once per start position tried.
    pub fn set_interrupt(&mut self, flag: &'static AtomicU8, mask: u8) {
        let data = Box::new(Interrupt { flag, mask });
        let raw = std::ptr::from_ref::<Interrupt>(&data)
            .cast_mut()
            .cast::<c_void>();
        // SAFETY: `ptr` is a live match context owned by `self`; `raw` points into the box
        // stored in `self` right after, which lives (at a stable address) as long as the
        // context; the callout only reads it.
        unsafe { pcre2_set_callout_8(self.ptr.as_ptr(), Some(interrupt_callout), raw) };
        self.interrupt = Some(data);
    }

    /// Sets the match limit and the depth limit.
    pub fn set_limits(&mut self, match_limit: u32, depth_limit: u32) {
        // SAFETY: `ptr` is a live match context owned by `self`.
        unsafe {
            sys::pcre2_set_match_limit_8(self.ptr.as_ptr(), match_limit);
            sys::pcre2_set_depth_limit_8(self.ptr.as_ptr(), depth_limit);
        }
    }
}

impl Drop for MatchContext {
    fn drop(&mut self) {
        // SAFETY: both were created by this value and are freed exactly once, the context
        // first since it refers to the stack.
        unsafe {
            sys::pcre2_match_context_free_8(self.ptr.as_ptr());
            if let Some(s) = self.jit_stack {
                sys::pcre2_jit_stack_free_8(s.as_ptr());
            }
        }
    }
}

/// Runs `code` on `subject` from byte `start` with PCRE2 match `options`.
///
/// # Returns
///
/// PCRE2's return code: > 0 is a match (the number of ovector pairs set, 0 means the
/// ovector was too small, which `MatchData::for_code` prevents), `ERROR_NOMATCH`, or another
/// negative error. A `start` beyond the subject is `PCRE2_ERROR_BADOFFSET`, not UB.
pub fn run(
    code: &Code,
    subject: &[u8],
    start: usize,
    options: u32,
    md: &mut MatchData,
    ctx: &MatchContext,
) -> i32 {
    // PHP calls the JIT directly (`pcre2_jit_match`, which skips `pcre2_match`'s option
    // and UTF checks) when the pattern was JIT-compiled and no UTF check is needed; the
    // JIT takes no other match-time options than these.
    const JIT_OPTIONS: u32 = sys::PCRE2_NOTBOL
        | sys::PCRE2_NOTEOL
        | sys::PCRE2_NOTEMPTY
        | sys::PCRE2_NOTEMPTY_ATSTART
        | PCRE2_NO_UTF_CHECK;
    let utf_ok = !code.utf || options & PCRE2_NO_UTF_CHECK != 0;
    if code.jit && utf_ok && options & !JIT_OPTIONS == 0 && start <= subject.len() {
        // SAFETY: as for `pcre2_match` below; `start` is within the subject (checked here,
        // as the JIT does not check it), the pattern is JIT-compiled (checked), and the
        // subject is valid UTF-8 or the pattern is not UTF (the caller's NO_UTF_CHECK).
        return unsafe {
            sys::pcre2_jit_match_8(
                code.ptr.as_ptr(),
                subject.as_ptr(),
                subject.len(),
                start,
                options & !PCRE2_NO_UTF_CHECK,
                md.ptr.as_ptr(),
                ctx.ptr.as_ptr(),
            )
        };
    }
    // SAFETY: subject pointer and length describe a live slice; PCRE2 validates `start`
    // against the length; `md` and `ctx` are live blocks owned by their wrappers and `md`
    // was sized for a pattern (any pattern's match data is valid for any code).
    unsafe {
        sys::pcre2_match_8(
            code.ptr.as_ptr(),
            subject.as_ptr(),
            subject.len(),
            start,
            options,
            md.ptr.as_ptr(),
            ctx.ptr.as_ptr(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_match_and_names() {
        let code = Code::compile(b"(?<year>\\d{4})-(\\d\\d)", 0, true).expect("valid pattern");
        assert_eq!(code.capture_count(), 2);
        assert_eq!(code.names(), &[(1, b"year".to_vec())]);
        let mut md = MatchData::for_code(&code).expect("match data");
        let ctx = MatchContext::new().expect("context");
        let rc = run(&code, b"on 2024-05!", 0, 0, &mut md, &ctx);
        assert_eq!(rc, 3);
        assert_eq!(&md.ovector()[..6], &[3, 10, 3, 7, 8, 10]);
        assert_eq!(run(&code, b"none", 0, 0, &mut md, &ctx), ERROR_NOMATCH);
    }

    #[test]
    fn a_raised_flag_abandons_the_match_at_a_callout() {
        let flag: &'static AtomicU8 = Box::leak(Box::new(AtomicU8::new(0)));
        let mut ctx = MatchContext::new().expect("context");
        ctx.set_interrupt(flag, 1);
        for jit in [false, true] {
            let code = Code::compile(b"(?C)b+c", 0, jit).expect("valid pattern");
            let mut md = MatchData::for_code(&code).expect("match data");
            flag.store(0, Ordering::Relaxed);
            assert_eq!(run(&code, b"abbc", 0, 0, &mut md, &ctx), 1);
            flag.store(2, Ordering::Relaxed);
            assert_eq!(run(&code, b"abbc", 0, 0, &mut md, &ctx), 1, "other bits");
            flag.store(1, Ordering::Relaxed);
            assert_eq!(run(&code, b"abbc", 0, 0, &mut md, &ctx), ERROR_CALLOUT);
        }
    }

    #[test]
    fn compile_error_has_message_and_offset() {
        let err = Code::compile(b"a(", 0, false).err().expect("must fail");
        assert_eq!(err.message, "missing closing parenthesis");
        assert_eq!(err.offset, 2);
    }
}
