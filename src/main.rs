//! The `rhvm` binary: a thin shell over `rhvm::cli`.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // FIRST, before any thread exists: light processes fork (or this is a helper).
    rhvm::lightproc::init_from_args(&args);
    let status = rhvm::cli::main_with_args(args);
    std::process::exit(status);
}
