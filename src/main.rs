//! The `rhvm` binary: a thin shell over `rhvm::cli`.

/// The engine makes and frees many small values per request; with glibc's malloc, allocation
/// was about a third of a template page's instructions (see bench/RESULTS.md, "Server
/// throughput"). mimalloc's per-page free lists make the same work much cheaper.
/// `rhvm::alloc::Counting` wraps it with the per-thread byte counts of `memory_limit`.
#[global_allocator]
static GLOBAL: rhvm::alloc::Counting = rhvm::alloc::Counting;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // FIRST, before any thread exists: light processes fork (or this is a helper).
    rhvm::lightproc::init_from_args(&args);
    let status = rhvm::cli::main_with_args(args);
    std::process::exit(status);
}
