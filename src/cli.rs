//! The `rhvm` command line: `rhvm FILE.php [args]`, `rhvm run FILE.php [args]`, `-r CODE`,
//! `-d key=value`, `-n`, `-v` (and `rhvm serve ...`, handed to `crate::server`), behaving like `php` (php-cli) with
//! `-d display_errors=1 -d log_errors=0`: diagnostics on stdout in PHP's format, exit status
//! as PHP's (255 on a fatal error).
//!
//! Options are parsed by hand in php-cli's style (everything after the script name belongs
//! to the script), so `rhvm run x.php --help` passes `--help` to `x.php`.

use std::io::Write;
use std::rc::Rc;

use std::sync::Arc;

use crate::repo::Repo;
use crate::vm::bytecode::Unit;
use crate::vm::interp::{LoadError, Loader, Outcome, Vm};
use crate::vm::unit_codec::UnitStore;
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

/// Loads files through the translation cache (`repo`): from disk by content key, or by
/// path alone from a repo in authoritative mode.
pub struct DiskLoader(pub Arc<Repo>);

impl Loader for DiskLoader {
    fn load(&mut self, path: &[u8]) -> Result<Option<Rc<Unit>>, LoadError> {
        crate::vm::unit_codec::load_through(&*self.0, path)
    }

    fn file_exists(&self, path: &std::path::Path) -> bool {
        if !self.0.authoritative() {
            return path.is_file();
        }
        crate::vm::unit_codec::repo_has(&*self.0, path)
    }

    fn canonical(&self, path: &std::path::Path) -> Option<std::path::PathBuf> {
        if self.0.authoritative() {
            Some(crate::vm::unit_codec::lexical_normal(path))
        } else {
            std::fs::canonicalize(path).ok()
        }
    }
}

/// The translation cache a CLI run uses, from the `-d` settings: `hhvm.repo.authoritative`
/// with `hhvm.repo.path` (or `hhvm.repo.central.path`) serves only from a prebuilt repo;
/// otherwise `hhvm.repo.central.path` (default `~/.cache/rhvm/repo.sqlite`; empty turns
/// caching off).
fn cli_repo(ini: &[(String, String)]) -> Result<Repo, String> {
    let get = |k: &str| {
        ini.iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let truthy = |v: &str| matches!(v.to_ascii_lowercase().as_str(), "1" | "on" | "true" | "yes");
    let central = get("hhvm.repo.central.path");
    if get("hhvm.repo.authoritative").is_some_and(truthy) {
        let path = get("hhvm.repo.path")
            .or(central)
            .ok_or("hhvm.repo.authoritative needs hhvm.repo.path")?;
        return Repo::open_authoritative(std::path::Path::new(path));
    }
    Ok(match central {
        Some("") => Repo::in_memory_only(),
        Some(path) => Repo::open_central(std::path::Path::new(path), false),
        None => match crate::repo::default_cli_path() {
            Some(path) => Repo::open_central(&path, false),
            None => Repo::in_memory_only(),
        },
    })
}

/// Runs the command line and returns the process exit status.
pub fn main_with_args(args: Vec<String>) -> i32 {
    let mut rest: Vec<String> = args.into_iter().skip(1).collect();
    if rest.first().map(String::as_str) == Some("serve") {
        return crate::server::main_with_args(&rest[1..]);
    }
    if rest.first().map(String::as_str) == Some("replay") {
        return crate::record::replay::main_with_args(&rest[1..]);
    }
    if rest.first().map(String::as_str) == Some("admin") {
        return crate::server::admin_client::main_with_args(&rest[1..]);
    }
    if rest.first().map(String::as_str) == Some("run") {
        rest.remove(0);
    }
    if rest.first().map(String::as_str) == Some("compile") {
        return crate::repo::build::main(&rest[1..]);
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
    let repo = match cli_repo(&args.ini) {
        Ok(r) => Arc::new(r),
        Err(e) => {
            eprintln!("rhvm: {e}");
            return 1;
        }
    };
    let mut vm = Vm::new(sink, Box::new(DiskLoader(repo.clone())));
    vm.set_spawner(crate::lightproc::engine_spawner());
    for (k, v) in &args.ini {
        vm.set_ini(k.as_bytes(), v.as_bytes());
    }
    let jit =
        crate::jit::JitSettings::from_ini(args.ini.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    crate::jit::install(&mut vm, &jit);
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
            if repo.authoritative() {
                let normal = crate::vm::unit_codec::lexical_normal(std::path::Path::new(script));
                let normal = normal.to_string_lossy().into_owned();
                (PhpStr::from(normal), Vec::new(), script.clone())
            } else {
                match std::fs::read(script) {
                    Ok(src) => (PhpStr::from(abs), src, script.clone()),
                    Err(_) => {
                        println!("Could not open input file: {script}");
                        return 1;
                    }
                }
            }
        }
        (None, None) => return 1,
    };
    let mut argv = vec![PhpStr::from(argv0)];
    argv.extend(args.script_args.iter().map(|a| PhpStr::from(a.as_str())));
    vm.set_argv(argv);
    let compiled = if repo.authoritative() && args.code.is_none() {
        match crate::vm::unit_codec::load_through(&*repo, &path) {
            Ok(Some(u)) => Ok(u),
            Ok(None) => {
                println!("Could not open input file: {}", path.to_string_lossy());
                return 1;
            }
            Err(e) => Err(e),
        }
    } else {
        crate::vm::unit_codec::compile_through(&*repo, &src, &path)
    };
    let unit = match compiled {
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
    repo.flush();
    if std::env::var_os("RHVM_JIT_STATS").is_some() {
        eprint!("{}", crate::jit::stats_text());
    }
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
