//! Fuzzes the FastCGI codec (`rhvm::fuzzing::fcgi`): server and client decoders on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// As in the `rhvm` binary: mimalloc, counting bytes for the engine's `memory_limit`.
#[global_allocator]
static GLOBAL: rhvm::alloc::Counting = rhvm::alloc::Counting;

fuzz_target!(|data: &[u8]| {
    rhvm::fuzzing::fcgi(data);
});
