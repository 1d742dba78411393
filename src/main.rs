//! The `rhvm` binary: a thin shell over `rhvm::cli`.

/// mimalloc instead of glibc malloc: PHP values allocate and free constantly (objects,
/// strings, arrays), and mimalloc's thread-local free lists halve the cost of each pair
/// (measured in bench/RESULTS.md, "calls").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // FIRST, before any thread exists: light processes fork (or this is a helper).
    rhvm::lightproc::init_from_args(&args);
    let status = rhvm::cli::main_with_args(args);
    std::process::exit(status);
}
