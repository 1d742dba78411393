//! Process-wide engine counters for the admin endpoint: units compiled and the functions
//! they hold.

use std::sync::atomic::{AtomicU64, Ordering};

static UNITS: AtomicU64 = AtomicU64::new(0);
static FUNCS: AtomicU64 = AtomicU64::new(0);

/// Counts one compiled unit with `funcs` functions (named functions and methods).
pub fn count_unit(funcs: usize) {
    UNITS.fetch_add(1, Ordering::Relaxed);
    FUNCS.fetch_add(funcs as u64, Ordering::Relaxed);
}

/// `(units, functions)` compiled by this process so far.
pub fn units_compiled() -> (u64, u64) {
    (UNITS.load(Ordering::Relaxed), FUNCS.load(Ordering::Relaxed))
}
