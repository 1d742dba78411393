//! The `rhvm` command line: `rhvm FILE.php [args]`, `rhvm run FILE.php [args]`, `-r CODE`,
//! `-d key=value`, `-n`, `-v`, behaving like `php` (php-cli) with
//! `-d display_errors=1 -d log_errors=0`: diagnostics on stdout in PHP's format, exit status
//! as PHP's (255 on a fatal error).
//!
//! Options are parsed by hand in php-cli's style (everything after the script name belongs
//! to the script), so `rhvm run x.php --help` passes `--help` to `x.php`.

use std::io::Write;
use std::rc::Rc;

use crate::vm::bytecode::Unit;
use crate::vm::interp::{LoadError, Loader, Outcome, Vm};
use crate::vm::value::PhpStr;

/// What the command line asked for.
#[derive(Debug, Default)]
struct RunArgs {
    /// `-d key=value` settings in order.
    ini: Vec<(String, String)>,
    /// `-r CODE`.
    code: Option<String>,
    /// The script path.
    script: Option<String>,
    /// Arguments after the script (or after `--` with `-r`).
    script_args: Vec<String>,
    version: bool,
}

/// Compiles files straight from disk (the CLI has no translation cache yet).
pub struct DiskLoader;

impl Loader for DiskLoader {
    fn load(&mut self, path: &[u8]) -> Result<Option<Rc<Unit>>, LoadError> {
        let Ok(p) = std::str::from_utf8(path) else {
            return Ok(None);
        };
        let Ok(src) = std::fs::read(p) else {
            return Ok(None);
        };
        crate::vm::compile_source(&src, path).map(Some)
    }
}

/// Runs the command line and returns the process exit status.
pub fn main_with_args(args: Vec<String>) -> i32 {
    let mut rest: Vec<String> = args.into_iter().skip(1).collect();
    if rest.first().map(String::as_str) == Some("run") {
        rest.remove(0);
    }
    let parsed = match parse_run_args(rest) {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("rhvm: {msg}");
            eprintln!(
                "usage: rhvm [run] [-n] [-d key=value]... (FILE [args...] | -r CODE [-- args...])"
            );
            return 1;
        }
    };
    if parsed.version {
        println!("rhvm {} (PHP 8.2.36 compatible)", env!("CARGO_PKG_VERSION"));
        return 0;
    }
    // The engine runs on its own thread with a large stack: PHP-to-PHP calls do not use the
    // native stack, but parsing deep expressions and builtins walking deep structures do.
    let worker = std::thread::Builder::new()
        .name("php".into())
        .stack_size(ENGINE_STACK_SIZE)
        .spawn(move || run_script(parsed));
    match worker {
        Ok(handle) => handle.join().unwrap_or(255),
        Err(_) => {
            eprintln!("rhvm: could not start the engine thread");
            1
        }
    }
}

/// Native stack of the engine thread.
const ENGINE_STACK_SIZE: usize = 64 << 20;

fn parse_run_args(rest: Vec<String>) -> Result<RunArgs, String> {
    let mut out = RunArgs::default();
    let mut it = rest.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-n" => {}
            "-v" | "--version" => out.version = true,
            "-d" => {
                let kv = it.next().ok_or("-d needs key=value")?;
                out.ini.push(split_ini(&kv));
            }
            "-r" => {
                out.code = Some(it.next().ok_or("-r needs code")?);
            }
            "-f" => {
                out.script = Some(it.next().ok_or("-f needs a file")?);
                out.script_args.extend(it.by_ref());
            }
            "--" => {
                out.script_args.extend(it.by_ref());
            }
            s if s.starts_with("-d") && s.len() > 2 => out.ini.push(split_ini(&s[2..])),
            s if s.starts_with('-')
                && s.len() > 1
                && out.script.is_none()
                && out.code.is_none() =>
            {
                return Err(format!("unknown option {s}"));
            }
            _ => {
                if out.code.is_some() {
                    out.script_args.push(a);
                    out.script_args.extend(it.by_ref());
                } else {
                    out.script = Some(a);
                    out.script_args.extend(it.by_ref());
                }
            }
        }
    }
    if out.script.is_none() && out.code.is_none() && !out.version {
        return Err("no input file".into());
    }
    Ok(out)
}

fn split_ini(kv: &str) -> (String, String) {
    match kv.split_once('=') {
        Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
        None => (kv.trim().to_string(), "1".to_string()),
    }
}

fn run_script(args: RunArgs) -> i32 {
    let stdout = std::io::stdout();
    let sink: Box<dyn Write> = Box::new(std::io::BufWriter::with_capacity(64 * 1024, stdout));
    let mut vm = Vm::new(sink, Box::new(DiskLoader));
    vm.set_spawner(crate::lightproc::engine_spawner());
    for (k, v) in &args.ini {
        vm.set_ini(k.as_bytes(), v.as_bytes());
    }
    let (path, src, argv0) = match (&args.code, &args.script) {
        (Some(code), _) => {
            let mut src = b"<?php ".to_vec();
            src.extend_from_slice(code.as_bytes());
            (
                PhpStr::from("Command line code"),
                src,
                "Standard input code".to_string(),
            )
        }
        (None, Some(script)) => {
            let abs = absolute(script);
            match std::fs::read(script) {
                Ok(src) => (PhpStr::from(abs), src, script.clone()),
                Err(_) => {
                    println!("Could not open input file: {script}");
                    return 1;
                }
            }
        }
        (None, None) => return 1,
    };
    let mut argv = vec![PhpStr::from(argv0)];
    argv.extend(args.script_args.iter().map(|a| PhpStr::from(a.as_str())));
    vm.set_argv(argv);
    let unit = match crate::vm::compile_source(&src, &path) {
        Ok(u) => u,
        Err(e) => {
            let (label, message, line) = match e {
                LoadError::Parse { message, line } => ("PHP Parse error", message, line),
                LoadError::Compile { message, line } => ("PHP Fatal error", message, line),
            };
            let label = label.trim_start_matches("PHP ");
            let mut out = std::io::stdout();
            let _ = write!(
                out,
                "\n{label}: {message} in {} on line {line}\n",
                path.to_string_lossy()
            );
            let _ = out.flush();
            return 255;
        }
    };
    if std::env::var_os("RHVM_DISASM").is_some() {
        eprint!("{}", crate::vm::disasm::disassemble(&unit));
    }
    let Outcome::Exit(status) = vm.run_main(unit);
    status
}

/// The script path as PHP reports it in messages (`__FILE__`): absolute.
fn absolute(path: &str) -> String {
    let p = std::path::Path::new(path);
    if p.is_absolute() {
        return path.to_string();
    }
    match std::env::current_dir() {
        Ok(cwd) => {
            let joined = cwd.join(p);
            std::fs::canonicalize(&joined)
                .unwrap_or(joined)
                .to_string_lossy()
                .into_owned()
        }
        Err(_) => path.to_string(),
    }
}
