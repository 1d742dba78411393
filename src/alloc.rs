//! The process's global allocator: mimalloc, counting each thread's net allocated bytes for
//! the engine's `memory_limit` (`vm::limits::note_alloc`/`note_free`).
//!
//! mimalloc rather than glibc's malloc: the engine makes and frees many small values per
//! request, and with glibc allocation was about a third of a template page's instructions
//! (bench/RESULTS.md, "Server throughput"; also "calls"). Being the library's allocator, it
//! is every binary's, examples and tests included.
//!
//! This is HHVM's accounting (jemalloc's per-thread allocated/deallocated counters) rather
//! than PHP's own heap: a request's usage is its thread's net allocation since the request
//! started. The bookkeeping is an add to a constant-initialised thread-local and a compare;
//! it allocates nothing, so it cannot recurse into the allocator.

use std::alloc::{GlobalAlloc, Layout};

use mimalloc::MiMalloc as System;

/// mimalloc (`System` here), plus per-thread byte counts.
pub struct Counting;

#[global_allocator]
static GLOBAL: Counting = Counting;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged (so
// `System`'s guarantees are ours) and only adds bookkeeping that neither allocates nor
// touches the returned memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract for `layout`.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            crate::vm::limits::note_alloc(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            crate::vm::limits::note_alloc(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        crate::vm::limits::note_free(layout.size());
        // SAFETY: the caller passes a block this allocator (that is, `System`) returned
        // for `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract; `System` owns `ptr`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            crate::vm::limits::note_free(layout.size());
            crate::vm::limits::note_alloc(new_size);
        }
        p
    }
}
