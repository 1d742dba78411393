//! Request limits: the execution-time watchdog, the per-thread memory account and the
//! interrupt flag through which both stop a running script.
//!
//! Every engine thread owns one interrupt flag (`thread_flag`), leaked once per thread so
//! that the watchdog thread and the allocator can hold it as `&'static`. The interpreter
//! reads it with one relaxed load on backward jumps and on calls (`Vm::check_interrupt`);
//! long-running builtins read it through `Host::check_limits`. Who raised it is in its bits
//! (`TIMED_OUT`, `OVER_MEMORY`).
//!
//! Time: `arm(deadline)` registers the flag with one process-wide watchdog thread (started
//! on first use) that sets `TIMED_OUT` when the deadline passes; dropping the `Timer`
//! cancels it. Wall time, as HHVM's `timeouts_use_wall_time`.
//!
//! Memory: the crate's counting global allocator (`src/alloc.rs`, the only `unsafe`
//! involved) calls `note_alloc`/`note_free`, which keep this thread's net allocated bytes
//! in a thread-local counter; when it passes the request's ceiling the allocator sets
//! `OVER_MEMORY`. Builtins about to allocate a large block ask `would_exceed` first, so a
//! single huge allocation is refused before it happens. This is HHVM's scheme (jemalloc's
//! per-thread allocated/deallocated counters), not PHP's own heap.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Flag bit: the request's wall-time limit passed.
pub const TIMED_OUT: u8 = 1;
/// Flag bit: the thread's allocations passed the request's memory limit.
pub const OVER_MEMORY: u8 = 2;

thread_local! {
    /// Net bytes allocated by this thread (allocations minus frees of this thread).
    static NET: Cell<isize> = const { Cell::new(0) };
    /// The highest `NET` since the last `reset_peak` (`memory_get_peak_usage`).
    static PEAK: Cell<isize> = const { Cell::new(0) };
    /// `NET` above which `OVER_MEMORY` is raised (`isize::MAX`: no limit).
    static CEILING: Cell<isize> = const { Cell::new(isize::MAX) };
    /// The size of the allocation that crossed the ceiling.
    static CROSSING: Cell<usize> = const { Cell::new(0) };
    /// This thread's interrupt flag, once `thread_flag` made it.
    static FLAG: Cell<Option<&'static AtomicU8>> = const { Cell::new(None) };
}

/// This thread's interrupt flag (made on first use and kept for the thread's life).
pub fn thread_flag() -> &'static AtomicU8 {
    if let Some(f) = FLAG.with(Cell::get) {
        return f;
    }
    let f: &'static AtomicU8 = Box::leak(Box::new(AtomicU8::new(0)));
    FLAG.with(|c| c.set(Some(f)));
    f
}

/// Counts an allocation of `size` bytes by this thread. Called by the global allocator:
/// allocates nothing and touches only constant-initialised thread-locals.
#[inline]
pub fn note_alloc(size: usize) {
    let _ = NET.try_with(|net| {
        let now = net.get().wrapping_add(size as isize);
        net.set(now);
        if now > PEAK.with(Cell::get) {
            PEAK.with(|p| p.set(now));
        }
        if now > CEILING.with(Cell::get) {
            over_ceiling(size);
        }
    });
}

#[cold]
fn over_ceiling(size: usize) {
    if let Some(flag) = FLAG.with(Cell::get) {
        if flag.load(Ordering::Relaxed) & OVER_MEMORY == 0 {
            CROSSING.with(|c| c.set(size));
            flag.fetch_or(OVER_MEMORY, Ordering::Relaxed);
        }
    }
}

/// Counts a free of `size` bytes by this thread (see `note_alloc`).
#[inline]
pub fn note_free(size: usize) {
    let _ = NET.try_with(|net| net.set(net.get().wrapping_sub(size as isize)));
}

/// This thread's net allocated bytes.
pub fn net_allocated() -> isize {
    NET.with(Cell::get)
}

/// The highest net allocation of this thread since the last `reset_peak`.
pub fn peak_allocated() -> isize {
    PEAK.with(Cell::get)
}

/// Starts measuring the peak afresh from the thread's current net allocation.
pub fn reset_peak() {
    PEAK.with(|p| p.set(net_allocated()));
}

/// The size of the allocation that raised `OVER_MEMORY`.
pub fn crossing_size() -> usize {
    CROSSING.with(Cell::get)
}

/// A request's memory account: bytes are counted from `start` (the thread's net at the
/// start of the request) against `limit` (`None`: unlimited).
#[derive(Debug, Clone, Copy)]
pub struct MemoryAccount {
    pub start: isize,
    pub limit: Option<usize>,
}

impl MemoryAccount {
    /// Starts counting now with `limit` (and the peak afresh), and sets the allocator's
    /// ceiling.
    pub fn begin(limit: Option<usize>) -> MemoryAccount {
        reset_peak();
        let account = MemoryAccount {
            start: net_allocated(),
            limit,
        };
        account.install();
        account
    }

    /// Sets this thread's allocator ceiling from the account.
    pub fn install(&self) {
        let ceiling = match self.limit {
            Some(l) => self
                .start
                .saturating_add(l.min(isize::MAX as usize) as isize),
            None => isize::MAX,
        };
        CEILING.with(|c| c.set(ceiling));
    }

    /// Bytes the request holds now.
    pub fn used(&self) -> usize {
        net_allocated().saturating_sub(self.start).max(0) as usize
    }

    /// The most bytes the request held at once (since the last `reset_peak`).
    pub fn peak(&self) -> usize {
        peak_allocated().saturating_sub(self.start).max(0) as usize
    }

    /// Whether allocating `size` more bytes would pass the limit.
    pub fn would_exceed(&self, size: usize) -> bool {
        match self.limit {
            Some(l) => self.used().saturating_add(size) > l,
            None => false,
        }
    }
}

/// Removes the allocator ceiling of this thread (between requests).
pub fn clear_ceiling() {
    CEILING.with(|c| c.set(isize::MAX));
}

/// PHP's `memory_limit` value in bytes (`None` for no limit: `-1` or any negative value).
pub fn parse_memory_limit(value: &[u8]) -> Option<usize> {
    let v = value.trim_ascii();
    if v.first() == Some(&b'-') {
        return None;
    }
    Some(super::web::request::parse_size(v).min(usize::MAX as u64) as usize)
}

/// A pending deadline; dropping it cancels it.
pub struct Timer {
    key: (Instant, u64),
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(w) = WATCHDOG.get() {
            if let Ok(mut st) = w.state.lock() {
                st.timers.remove(&self.key);
            }
        }
    }
}

struct Watchdog {
    state: Mutex<WatchState>,
    wake: Condvar,
}

struct WatchState {
    timers: BTreeMap<(Instant, u64), &'static AtomicU8>,
    next_id: u64,
}

static WATCHDOG: OnceLock<Watchdog> = OnceLock::new();

/// Sets `TIMED_OUT` on `flag` after `after`; `None` if the watchdog thread cannot start
/// (the limit is then not enforced).
pub fn arm(flag: &'static AtomicU8, after: Duration) -> Option<Timer> {
    let w = watchdog()?;
    let deadline = Instant::now() + after;
    let mut st = w.state.lock().ok()?;
    st.next_id += 1;
    let key = (deadline, st.next_id);
    let first = st.timers.keys().next().is_none_or(|k| key < *k);
    st.timers.insert(key, flag);
    drop(st);
    if first {
        w.wake.notify_one();
    }
    Some(Timer { key })
}

fn watchdog() -> Option<&'static Watchdog> {
    static STARTED: OnceLock<bool> = OnceLock::new();
    let w = WATCHDOG.get_or_init(|| Watchdog {
        state: Mutex::new(WatchState {
            timers: BTreeMap::new(),
            next_id: 0,
        }),
        wake: Condvar::new(),
    });
    let ok = *STARTED.get_or_init(|| {
        std::thread::Builder::new()
            .name("rhvm-timeouts".into())
            .stack_size(64 << 10)
            .spawn(move || watch(w))
            .is_ok()
    });
    ok.then_some(w)
}

fn watch(w: &'static Watchdog) {
    let Ok(mut st) = w.state.lock() else { return };
    loop {
        let now = Instant::now();
        while let Some((&key, &flag)) = st.timers.iter().next() {
            if key.0 > now {
                break;
            }
            st.timers.remove(&key);
            flag.fetch_or(TIMED_OUT, Ordering::Relaxed);
        }
        let wait = st
            .timers
            .keys()
            .next()
            .map(|k| k.0.saturating_duration_since(now));
        st = match wait {
            Some(d) => match w.wake.wait_timeout(st, d) {
                Ok((g, _)) => g,
                Err(_) => return,
            },
            None => match w.wake.wait(st) {
                Ok(g) => g,
                Err(_) => return,
            },
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_fires_and_cancel_prevents_it() {
        let flag: &'static AtomicU8 = Box::leak(Box::new(AtomicU8::new(0)));
        let t = arm(flag, Duration::from_millis(10)).expect("watchdog");
        let start = Instant::now();
        while flag.load(Ordering::Relaxed) == 0 && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(flag.load(Ordering::Relaxed), TIMED_OUT);
        drop(t);
        let other: &'static AtomicU8 = Box::leak(Box::new(AtomicU8::new(0)));
        let t2 = arm(other, Duration::from_millis(20)).expect("watchdog");
        drop(t2);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(other.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn memory_limit_values() {
        assert_eq!(parse_memory_limit(b"-1"), None);
        assert_eq!(parse_memory_limit(b"128M"), Some(128 << 20));
        assert_eq!(parse_memory_limit(b"1G"), Some(1 << 30));
    }
}
