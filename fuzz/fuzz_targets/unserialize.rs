//! Fuzzes `unserialize()` and what is done with its result (`rhvm::fuzzing::unserialize`).
#![no_main]

use libfuzzer_sys::fuzz_target;

/// As in the `rhvm` binary: mimalloc, counting bytes for the engine's `memory_limit`.
#[global_allocator]
static GLOBAL: rhvm::alloc::Counting = rhvm::alloc::Counting;

fuzz_target!(|data: &[u8]| {
    rhvm::fuzzing::unserialize(data);
});
