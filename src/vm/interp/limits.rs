//! The interpreter's side of request limits (`vm::limits`): arming the time limit and
//! the memory account when a script starts, turning a raised interrupt flag into PHP's
//! fatal errors, and the native-stack guard for PHP code re-entered from builtins.
//!
//! The per-instruction cost is one relaxed load of the thread's flag on backward jumps and
//! calls (`check_interrupt`); everything else runs only when the flag is up.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::super::error::{Fault, PhpResult};
use super::super::limits::{self, MemoryAccount, OVER_MEMORY, TIMED_OUT};
use super::Vm;

/// Native stack that nested runs (PHP code called back from builtins: `usort` callbacks,
/// `__toString`, `__get`, `array_map`, ...) may use below the script's entry before the
/// request ends with a fatal error. Engine threads have 64 MiB stacks (CLI and server);
/// PHP-to-PHP calls do not use the native stack at all.
pub const NATIVE_STACK_BUDGET: usize = 32 << 20;

/// The address of a local variable: a stack position, compared to measure stack use.
/// Converting a reference to an integer is safe and only used for arithmetic.
#[inline(always)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// Limit state of one `Vm` (see `vm::limits`).
pub(crate) struct LimitState {
    /// This thread's interrupt flag.
    pub flag: &'static std::sync::atomic::AtomicU8,
    /// `max_execution_time` as armed (seconds; 0 = none), for the message.
    pub time_limit: i64,
    pub timer: Option<limits::Timer>,
    /// Whether the time limit already fired in this request.
    pub timed_out: bool,
    pub memory: MemoryAccount,
    /// Stack position at the script's entry (0 before `run_main`).
    pub stack_base: usize,
    /// Whether a script is running (ini changes then re-arm the limits).
    pub running: bool,
    /// Where a fatal error raised inside PHP called back from a builtin happened,
    /// recorded before that call's frames are dropped (`report_fault` prints it).
    pub fatal_at: Option<(super::PhpStr, u32)>,
}

impl LimitState {
    pub fn new() -> LimitState {
        LimitState {
            flag: limits::thread_flag(),
            time_limit: 0,
            timer: None,
            timed_out: false,
            memory: MemoryAccount {
                start: 0,
                limit: None,
            },
            stack_base: 0,
            running: false,
            fatal_at: None,
        }
    }
}

impl Vm {
    /// Fails with the pending limit fault when the thread's interrupt flag is up. Called
    /// on backward jumps and calls: one relaxed load when nothing is pending.
    #[inline(always)]
    pub(crate) fn check_interrupt(&mut self) -> PhpResult<()> {
        if self.lim.flag.load(Ordering::Relaxed) != 0 {
            return self.interrupt_fault();
        }
        Ok(())
    }

    /// The interpreter loop's slow path when the flag is up at a jump: syncs the frame's
    /// pc (for the error's line) and raises the pending fault.
    #[cold]
    #[inline(never)]
    pub(crate) fn interrupted_at(&mut self, pc: usize) -> PhpResult<()> {
        if let Some(f) = self.frames.last_mut() {
            f.pc = pc;
        }
        self.interrupt_fault()
    }

    #[cold]
    #[inline(never)]
    fn interrupt_fault(&mut self) -> PhpResult<()> {
        let bits = self.lim.flag.swap(0, Ordering::Relaxed);
        if bits & TIMED_OUT != 0 && self.lim.time_limit > 0 {
            self.lim.timed_out = true;
            self.lim.timer = None;
            let n = self.lim.time_limit;
            let s = if n == 1 { "" } else { "s" };
            return Err(Fault::fatal(format!(
                "Maximum execution time of {n} second{s} exceeded"
            )));
        }
        if bits & OVER_MEMORY != 0 && self.lim.memory.would_exceed(0) {
            return Err(self.memory_fault(limits::crossing_size()));
        }
        Ok(())
    }

    /// PHP's fatal error for an allocation of `size` bytes over `memory_limit`.
    pub(crate) fn memory_fault(&self, size: usize) -> Fault {
        let limit = self.lim.memory.limit.unwrap_or(usize::MAX);
        Fault::fatal(format!(
            "Allowed memory size of {limit} bytes exhausted (tried to allocate {size} bytes)"
        ))
    }

    /// Fails with PHP's memory fatal error when a string of `len` bytes would not fit in
    /// the request's `memory_limit` (the size is reported as PHP's allocator would ask
    /// for it: header, terminator, page rounding for large blocks).
    pub(crate) fn check_string_alloc(&mut self, len: usize) -> PhpResult<()> {
        self.check_interrupt()?;
        if self.lim.memory.would_exceed(len) {
            let n = len.saturating_add(24 + 1 + 7) & !7;
            let n = if n > 3072 {
                n.saturating_add(4095) & !4095
            } else {
                n
            };
            return Err(self.memory_fault(n));
        }
        Ok(())
    }

    /// Fails with PHP's memory fatal error when `size` more bytes would not fit.
    pub(crate) fn check_alloc(&mut self, size: usize) -> PhpResult<()> {
        self.check_interrupt()?;
        if self.lim.memory.would_exceed(size) {
            return Err(self.memory_fault(size));
        }
        Ok(())
    }

    /// Starts the request's limits from the ini table (`run_main`).
    pub(crate) fn begin_limits(&mut self) {
        self.lim.flag.store(0, Ordering::Relaxed);
        self.lim.stack_base = stack_position();
        self.lim.running = true;
        self.lim.timed_out = false;
        self.lim.fatal_at = None;
        self.lim.memory = MemoryAccount::begin(self.ini_memory_limit());
        self.arm_time_limit();
    }

    /// Ends the request's limits (end of `run_main`).
    pub(crate) fn end_limits(&mut self) {
        self.lim.running = false;
        self.lim.timer = None;
        limits::clear_ceiling();
        self.lim.flag.store(0, Ordering::Relaxed);
    }

    /// Before shutdown functions: a request that timed out gets a fresh period for them,
    /// so they run (as in PHP) but cannot hold the thread forever.
    pub(crate) fn limits_for_shutdown(&mut self) {
        if self.lim.timed_out {
            self.lim.timed_out = false;
            self.arm_time_limit();
        }
    }

    /// Applies a changed ini setting to the running request's limits: `set_time_limit`
    /// and `ini_set('max_execution_time')` restart the clock, as in PHP.
    pub(crate) fn limits_ini_changed(&mut self, key: &[u8]) {
        if !self.lim.running {
            return;
        }
        match key {
            b"max_execution_time" => self.arm_time_limit(),
            b"memory_limit" => {
                self.lim.memory.limit = self.ini_memory_limit();
                self.lim.memory.install();
            }
            _ => {}
        }
    }

    fn ini_memory_limit(&self) -> Option<usize> {
        match self.ini.get(b"memory_limit".as_slice()) {
            Some(v) => limits::parse_memory_limit(v.as_bytes()),
            None => None,
        }
    }

    fn arm_time_limit(&mut self) {
        self.lim.timer = None;
        self.lim.flag.fetch_and(!TIMED_OUT, Ordering::Relaxed);
        let secs = self
            .ini
            .get(b"max_execution_time".as_slice())
            .map(|v| super::super::convert::str_to_int(v.as_bytes()))
            .unwrap_or(0);
        self.lim.time_limit = secs;
        if secs > 0 {
            self.lim.timer = limits::arm(self.lim.flag, Duration::from_secs(secs as u64));
        }
    }

    /// Records where a fatal error is, before a native caller drops the frames above it.
    pub(crate) fn note_fatal_location(&mut self, result: &PhpResult<super::Value>) {
        if matches!(result, Err(Fault::Fatal(_))) && self.lim.fatal_at.is_none() {
            self.lim.fatal_at = Some((self.current_file(), self.current_line()));
        }
    }

    /// Fails when PHP code re-entered from a builtin has used up the native stack budget
    /// (unbounded recursion through `usort`, `__toString`, `__get`, ...).
    pub(crate) fn check_native_stack(&self) -> PhpResult<()> {
        let base = self.lim.stack_base;
        if base != 0 && base.saturating_sub(stack_position()) > NATIVE_STACK_BUDGET {
            return Err(Fault::fatal(format!(
                "Maximum call stack size of {NATIVE_STACK_BUDGET} bytes reached. Infinite recursion?"
            )));
        }
        Ok(())
    }
}
