//! Fuzzes `json_decode()` in several modes (`rhvm::fuzzing::json_decode`).
#![no_main]

use libfuzzer_sys::fuzz_target;

/// As in the `rhvm` binary: mimalloc, counting bytes for the engine's `memory_limit`.
#[global_allocator]
static GLOBAL: rhvm::alloc::Counting = rhvm::alloc::Counting;

fuzz_target!(|data: &[u8]| {
    rhvm::fuzzing::json_decode(data);
});
