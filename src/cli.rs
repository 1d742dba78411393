//! The `rhvm` command line: `rhvm FILE.php`, `rhvm run FILE.php`, `-r CODE`, `-d k=v`, `-n`,
//! `-v`, behaving like `php` (php-cli) does.

/// Runs the command line and returns the process exit status.
pub fn main_with_args(args: Vec<String>) -> i32 {
    let _ = args;
    eprintln!("rhvm: the engine is not wired up yet");
    1
}
