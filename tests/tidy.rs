//! Code invariants checked by grepping the source tree (STYLE.md §2, §5, §8).
//!
//! These are the rules a reviewer would otherwise have to remember: every source file says
//! what it is (`//!` first line), `vm` and `fcgi` stay free of the layers above them, and
//! `unsafe` lives only where it is allowed. Directories that do not exist yet are simply
//! empty; the checks start biting when the code arrives. This file does not check formatting
//! or lints (`cargo fmt`/`clippy` do).

use std::path::{Path, PathBuf};

/// The repository root (the crate's manifest directory, or the cwd outside cargo).
fn repo_root() -> PathBuf {
    match option_env!("CARGO_MANIFEST_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::current_dir().expect("the current directory must be readable"),
    }
}

/// Every `.rs` file under `dir`, recursively; empty when `dir` does not exist.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("directory entries must be readable").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The file's text, for files that must be UTF-8 Rust source.
fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// `path` relative to the repository root, for messages.
fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Removes `//` and `/* */` comments and the contents of string and char literals, so that
/// words in documentation or messages do not count as code. Good enough for a tidy check:
/// raw strings are treated as plain strings, which only matters if they contain `"`.
fn strip_comments_and_strings(source: &str) -> String {
    let bytes = source.as_bytes();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let mut block_depth = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if block_depth > 0 {
            if rest.starts_with(b"*/") {
                block_depth -= 1;
                i += 2;
            } else if rest.starts_with(b"/*") {
                block_depth += 1;
                i += 2;
            } else {
                if bytes[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
        } else if rest.starts_with(b"/*") {
            block_depth = 1;
            i += 2;
        } else if rest.starts_with(b"//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if rest.starts_with(b"'\"'") || rest.starts_with(b"'\\\"'") {
            // A char literal holding a double quote must not open a string.
            i += if rest[1] == b'"' { 3 } else { 4 };
        } else if bytes[i] == b'"' {
            out.push(' ');
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                if i < bytes.len() && bytes[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
        } else {
            out.push(bytes[i] as char);
            i += 1;
        }
    }
    out
}

/// Whether `word` occurs in `code` as a whole identifier.
fn contains_word(code: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    code.match_indices(word).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let root = repo_root();
    let offenders: Vec<String> = rust_files(&root.join("src"))
        .into_iter()
        .filter(|path| {
            let text = read(path);
            let text = text.trim_start();
            // Generated data files pulled in with `include!` (an expression, where an inner
            // doc comment is not allowed) say so on their first line instead.
            !text.starts_with("//!") && !text.starts_with("// @generated")
        })
        .map(|path| rel(&root, &path))
        .collect();
    assert!(
        offenders.is_empty(),
        "these files must start with a `//!` line saying what the module is and is not \
         (STYLE.md §8): {offenders:?}"
    );
}

/// Module paths/crates that must not appear in a directory's code, with the rule's origin.
fn assert_forbidden(dir: &str, forbidden: &[&str], why: &str) {
    let root = repo_root();
    let mut offenders = Vec::new();
    for path in rust_files(&root.join(dir)) {
        let text = read(&path);
        for needle in forbidden {
            // Mentions count anywhere, comments included: the rule is "does not mention".
            if text.contains(needle) {
                offenders.push(format!("{} mentions `{needle}`", rel(&root, &path)));
            }
        }
    }
    assert!(offenders.is_empty(), "{why}:\n{}", offenders.join("\n"));
}

#[test]
fn vm_knows_nothing_of_the_layers_above() {
    assert_forbidden(
        "src/vm",
        &[
            "actix",
            "crate::actors",
            "crate::fcgi",
            "crate::jit",
            "cranelift",
            "rusqlite",
        ],
        "src/vm must not depend on actors, fcgi, jit, Cranelift or SQLite (STYLE.md §2)",
    );
}

#[test]
fn fcgi_is_a_pure_codec() {
    assert_forbidden(
        "src/fcgi",
        &[
            "actix",
            "crate::vm",
            "std::net",
            "crate::actors",
            "crate::jit",
        ],
        "src/fcgi is a pure codec: no actix, no sockets (std::net), no engine (STYLE.md §2)",
    );
}

#[test]
fn unsafe_only_in_jit_and_light_processes() {
    let root = repo_root();
    let mut offenders = Vec::new();
    for path in rust_files(&root.join("src")) {
        let name = rel(&root, &path);
        // src/pcre_ffi.rs is the one FFI boundary to PCRE2 (pcre2-sys): a thin safe wrapper
        // that owns every PCRE2 allocation, kept out of `vm`, which forbids unsafe code.
        // src/alloc.rs is the global allocator (System plus per-thread byte counts).
        // src/rcbytes.rs is the one-block string buffer behind `PhpStr` (header and bytes in
        // one allocation, which safe `Rc` cannot express without a fat pointer).
        if name.starts_with("src/jit/")
            || name == "src/actors/light.rs"
            || name.starts_with("src/lightproc/")
            || name == "src/pcre_ffi.rs"
            || name == "src/alloc.rs"
            || name == "src/rcbytes.rs"
        {
            continue;
        }
        let code = strip_comments_and_strings(&read(&path));
        for (line_no, line) in code.lines().enumerate() {
            // `unsafe_code` (as in `#![forbid(unsafe_code)]`) is a different identifier.
            if contains_word(line, "unsafe") {
                offenders.push(format!("{name}:{}", line_no + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "`unsafe` is allowed only under src/jit/, src/lightproc/, in src/actors/light.rs the PCRE2 wrapper src/pcre_ffi.rs and the counting allocator src/alloc.rs and the string buffer src/rcbytes.rs (STYLE.md §5): {offenders:?}"
    );
}

/// The helpers above must be able to find what they look for.
#[test]
fn tidy_helpers_detect_violations() {
    let code = strip_comments_and_strings(
        "// unsafe here\nlet s = \"unsafe\"; /* unsafe */\n#![forbid(unsafe_code)]\nunsafe { x }\nlet q = '\"'; // unsafe\n",
    );
    let hits: Vec<usize> = code
        .lines()
        .enumerate()
        .filter(|(_, line)| contains_word(line, "unsafe"))
        .map(|(n, _)| n + 1)
        .collect();
    assert_eq!(hits, vec![4]);
    assert!(rust_files(Path::new("/nonexistent/rhvm/dir")).is_empty());
}

#[test]
fn only_actors_know_actix() {
    let root = repo_root();
    let mut offenders = Vec::new();
    for path in rust_files(&root.join("src")) {
        let name = rel(&root, &path);
        if name.starts_with("src/actors/") {
            continue;
        }
        let code = strip_comments_and_strings(&read(&path));
        for (line_no, line) in code.lines().enumerate() {
            if ["actix", "actix_rt", "actix_web"]
                .iter()
                .any(|word| contains_word(line, word))
            {
                offenders.push(format!("{name}:{}", line_no + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "only src/actors/ may use actix (STYLE.md §2): {offenders:?}"
    );
}
