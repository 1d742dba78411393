//! `rhvm compile --repo FILE DIR...`: compiles every `.php` under the directories into a
//! repo for `hhvm.repo.authoritative` serving. Parse and compile errors are reported with
//! file and line and do not stop the other files.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::Repo;
use crate::vm::unit_codec::{encode, unit_key, UnitStore};

const USAGE: &str = "usage: rhvm compile --repo FILE DIR...";

/// Runs the subcommand; returns the exit status (1 when any file failed).
pub fn main(args: &[String]) -> i32 {
    let mut repo_path: Option<PathBuf> = None;
    let mut dirs = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--repo" => repo_path = it.next().map(PathBuf::from),
            s if s.starts_with("--repo=") => repo_path = Some(PathBuf::from(&s[7..])),
            s if s.starts_with('-') => {
                eprintln!("rhvm compile: unknown option {s}\n{USAGE}");
                return 2;
            }
            d => dirs.push(PathBuf::from(d)),
        }
    }
    let (Some(repo_path), false) = (repo_path, dirs.is_empty()) else {
        eprintln!("{USAGE}");
        return 2;
    };
    let mut files = Vec::new();
    for d in &dirs {
        let root = std::fs::canonicalize(d).unwrap_or_else(|_| d.clone());
        collect_php(&root, &mut files);
    }
    files.sort();
    let repo = Repo::open_central(&repo_path, false);
    if repo.path().is_none() {
        eprintln!("rhvm compile: cannot write {}", repo_path.display());
        return 1;
    }
    let total = files.len();
    let (mut units, mut bytes, mut errors) = (0usize, 0usize, 0usize);
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    for (i, f) in files.iter().enumerate() {
        if tty && (i % 16 == 0 || i + 1 == total) {
            eprint!("\r[{}/{}] {:<60.60}", i + 1, total, f.display());
            let _ = std::io::stderr().flush();
        }
        let Ok(src) = std::fs::read(f) else {
            eprintln!("\n{}: cannot read", f.display());
            errors += 1;
            continue;
        };
        let path = f.as_os_str().as_encoded_bytes();
        match crate::vm::compile_source(&src, path) {
            Ok(unit) => match encode(&unit) {
                Ok(b) => {
                    let key = unit_key(&src);
                    bytes += b.len();
                    units += 1;
                    repo.put(key, b);
                    repo.put_path(path, key);
                }
                Err(e) => {
                    eprintln!("\n{}: cannot encode: {e}", f.display());
                    errors += 1;
                }
            },
            Err(e) => {
                let (kind, message, line) = match e {
                    crate::vm::interp::LoadError::Parse { message, line } => {
                        ("Parse error", message, line)
                    }
                    crate::vm::interp::LoadError::Compile { message, line } => {
                        ("Fatal error", message, line)
                    }
                };
                if tty {
                    eprintln!();
                }
                eprintln!("{kind}: {message} in {} on line {line}", f.display());
                errors += 1;
            }
        }
    }
    repo.flush();
    drop(repo);
    // A shipped repo is one file: fold the write-ahead log back in.
    if let Ok(c) = rusqlite::Connection::open(&repo_path) {
        let _ = c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;");
    }
    if tty {
        eprintln!();
    }
    println!(
        "rhvm compile: {total} files, {units} units, {bytes} bytes, {errors} errors -> {}",
        repo_path.display()
    );
    i32::from(errors > 0)
}

fn collect_php(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => collect_php(&p, out),
            Ok(t) if t.is_file() && p.extension().is_some_and(|x| x == "php") => out.push(p),
            _ => {}
        }
    }
}
