//! The `rhvm` binary: a thin shell over `rhvm::cli`.

fn main() {
    let status = rhvm::cli::main_with_args(std::env::args().collect());
    std::process::exit(status);
}
