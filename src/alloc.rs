//! The process's global allocator (installed by `main.rs`): mimalloc, counting each
//! thread's net allocated bytes for the engine's `memory_limit` (`vm::limits::note_alloc`/`note_free`).
//!
//! This is HHVM's accounting (jemalloc's per-thread allocated/deallocated counters) rather
//! than PHP's own heap: a request's usage is its thread's net allocation since the request
//! started. The bookkeeping is an add to a constant-initialised thread-local and a compare;
//! it allocates nothing, so it cannot recurse into the allocator.

use std::alloc::{GlobalAlloc, Layout};

use mimalloc::MiMalloc as Inner;

/// Alignment every mimalloc block has (block sizes are multiples of the word size): layouts
/// that ask no more go to the plain entry points, which skip the aligned path's checks.
const WORD_ALIGN: usize = std::mem::size_of::<usize>();

/// mimalloc, plus per-thread byte counts.
pub struct Counting;

// SAFETY: every method forwards to mimalloc with the caller's arguments unchanged (so
// mimalloc's guarantees are ours) and only adds bookkeeping that neither allocates nor
// touches the returned memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract for `layout`; a plain
        // `mi_malloc` block is word-aligned, which satisfies any alignment up to a word.
        let p = unsafe {
            if layout.align() <= WORD_ALIGN {
                libmimalloc_sys::mi_malloc(layout.size()).cast::<u8>()
            } else {
                Inner.alloc(layout)
            }
        };
        if !p.is_null() {
            crate::vm::limits::note_alloc(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe {
            if layout.align() <= WORD_ALIGN {
                libmimalloc_sys::mi_zalloc(layout.size()).cast::<u8>()
            } else {
                Inner.alloc_zeroed(layout)
            }
        };
        if !p.is_null() {
            crate::vm::limits::note_alloc(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        crate::vm::limits::note_free(layout.size());
        // SAFETY: the caller passes a block this allocator (that is, mimalloc) returned
        // for `layout`.
        unsafe { Inner.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract; mimalloc owns `ptr`
        // (word alignment as for `alloc`).
        let p = unsafe {
            if layout.align() <= WORD_ALIGN {
                libmimalloc_sys::mi_realloc(ptr.cast(), new_size).cast::<u8>()
            } else {
                Inner.realloc(ptr, layout, new_size)
            }
        };
        if !p.is_null() {
            crate::vm::limits::note_free(layout.size());
            crate::vm::limits::note_alloc(new_size);
        }
        p
    }
}

extern "C" {
    /// mimalloc's `mi_collect` (declared here: the `libmimalloc-sys` binding needs its
    /// `extended` feature): frees this thread's empty pages and, when `force`, returns
    /// unused memory to the OS.
    fn mi_collect(force: bool);
}

/// Returns the memory this thread's freed blocks leave unused to the OS. An executor
/// calls it after a request whose peak was large, so a memory bomb that ended does not
/// keep its pages resident (mimalloc would otherwise keep them for the thread's reuse).
/// It costs a walk over the thread's heap: not for every request.
pub fn release_unused_memory() {
    // SAFETY: `mi_collect` takes no pointers and may be called from any thread at any
    // time; it only frees memory mimalloc itself holds unused.
    unsafe { mi_collect(true) }
}
