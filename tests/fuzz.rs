//! The fuzz targets on stable, as part of `cargo test --release`: every input of the
//! committed corpus (`fuzz/corpus/<target>/`, regression inputs included) is replayed
//! through the target's entry function in `rhvm::fuzzing`, then a short deterministic
//! mutation loop (bit flips, interesting bytes, dictionary tokens, splices of corpus
//! inputs) runs over the same function. The real fuzzing is `cargo fuzz` (`fuzz/`, nightly);
//! this keeps the targets building and their known crashes fixed on a stable toolchain.
//!
//! `RHVM_FUZZ_ITERS=N` changes the number of mutated inputs per target (default 20000;
//! each target also stops after `RHVM_FUZZ_SECS`, default 3 seconds). A failing input is
//! written to `target/fuzz-failures/` and its path printed.
//! See: issue 10 ("Fuzzing").

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The engine's `memory_limit` is counted by this allocator, as in the `rhvm` binary.
#[global_allocator]
static GLOBAL: rhvm::alloc::Counting = rhvm::alloc::Counting;

/// Largest mutated input.
const MAX_LEN: usize = 8192;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

/// The files of `dir` (not its subdirectories), named `prefix` + file name.
fn files_in(dir: &Path, prefix: &str) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            let name = format!("{prefix}{}", e.file_name().to_string_lossy());
            let bytes = std::fs::read(e.path()).expect("read corpus file");
            (name, bytes)
        })
        .collect()
}

/// The corpus of `target`, sorted by file name: `fuzz/corpus/<target>/`, and for `parse`
/// also the PHP fixtures of `tests/fixtures/<area>/` (seeds read in place, not copied).
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut entries = files_in(&corpus_dir(target), "");
    if target == "parse" {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for area in std::fs::read_dir(&fixtures)
            .expect("tests/fixtures")
            .flatten()
        {
            if area.path().is_dir() {
                let prefix = format!("{}/", area.file_name().to_string_lossy());
                entries.extend(
                    files_in(&area.path(), &prefix)
                        .into_iter()
                        .filter(|(name, _)| name.ends_with(".php")),
                );
            }
        }
    }
    entries.sort();
    entries
}

/// Tokens worth inserting, per target.
fn dictionary(target: &str) -> &'static [&'static [u8]] {
    match target {
        "fcgi" => &[
            b"\x01\x01\x00\x01\x00\x08\x00\x00",
            b"\x00\x01\x01\x00\x00\x00\x00\x00",
            b"\x01\x04\x00\x01",
            b"\x01\x05\x00\x01\x00\x00\x00\x00",
            b"\x01\x02\x00\x01\x00\x00\x00\x00",
            b"\x01\x09\x00\x00",
            b"\x0fSCRIPT_FILENAME",
            b"\x80\x00\x01\x00",
            b"\xff\xff",
        ],
        "parse" => &[
            b"<?php ",
            b"?>",
            b"<?=",
            b"function ",
            b"fn($x) => ",
            b"class A ",
            b"extends ",
            b"interface ",
            b"trait ",
            b"enum E: int ",
            b"match (",
            b"(",
            b")",
            b"{",
            b"}",
            b"[",
            b"]",
            b";",
            b"$x",
            b"$$",
            b"->",
            b"?->",
            b"::",
            b"\"{$a[1]}\"",
            b"\"$a->b\"",
            b"<<<EOT\n",
            b"\nEOT;\n",
            b"<<<'N'\n",
            b"/*",
            b"*/",
            b"//",
            b"#[Attr]",
            b"yield ",
            b"static ",
            b"readonly ",
            b"new ",
            b"list(",
            b"...",
            b"&",
            b"??=",
            b"0x1_f",
            b"1e308",
            b"declare(strict_types=1);",
            b"goto l;",
            b"__halt_compiler();",
        ],
        "unserialize" => &[
            b"a:1:{",
            b"}",
            b"i:0;",
            b"i:-9223372036854775808;",
            b"d:1.5E+308;",
            b"d:NAN;",
            b"s:1:\"x\";",
            b"S:1:\"\\78\";",
            b"b:1;",
            b"N;",
            b"R:1;",
            b"r:1;",
            b"R:2;",
            b"O:8:\"stdClass\":1:{",
            b"O:5:\"FuzzA\":1:{",
            b"O:5:\"FuzzB\":1:{",
            b"C:5:\"FuzzC\":1:{x}",
            b"C:11:\"ArrayObject\":",
            b"E:7:\"Foo:Bar\";",
            b"s:4:\"\0*\0b\";",
            b"s:8:\"\0FuzzA\0c\";",
            b"O:9:\"Exception\":1:{",
            b"O:8:\"DateTime\":3:{",
            b"a:2:{i:0;a:0:{}i:1;R:2;}",
        ],
        "json_decode" => &[
            b"[",
            b"]",
            b"{",
            b"}",
            b"\"",
            b":",
            b",",
            b"1e999",
            b"-0",
            b"0.1e-400",
            b"12345678901234567890",
            b"\\u0000",
            b"\\ud83d\\ude00",
            b"\\ud800",
            b"true",
            b"false",
            b"null",
            b"\"\":",
            b"{\"_empty_\":1}",
            b"\xff",
            b"\xc3\xa9",
            b" \t\n",
        ],
        _ => &[],
    }
}

/// xorshift64*: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// One to four random edits of `input`.
fn mutate(rng: &mut Rng, input: &mut Vec<u8>, corpus: &[(String, Vec<u8>)], dict: &[&[u8]]) {
    const INTERESTING: &[u8] = &[0, 1, 0x7f, 0x80, 0xff, b'0', b'9', b'"', b';', b':', b'{'];
    for _ in 0..=rng.below(4) {
        let len = input.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                input[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => {
                let at = rng.below(len + 1);
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                input.splice(at..at, bytes);
            }
            3 if len > 0 => {
                let from = rng.below(len);
                let to = (from + 1 + rng.below(16)).min(len);
                input.drain(from..to);
            }
            4 if len > 0 => {
                let from = rng.below(len);
                let to = (from + 1 + rng.below(32)).min(len);
                let piece = input[from..to].to_vec();
                let at = rng.below(len + 1);
                input.splice(at..at, piece);
            }
            5 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())].1;
                let from = rng.below(other.len() + 1);
                let to = (from + rng.below(64)).min(other.len());
                let at = rng.below(len + 1);
                input.splice(at..at, other[from..to].iter().copied());
            }
            6 if !dict.is_empty() => {
                let token = dict[rng.below(dict.len())];
                let at = rng.below(len + 1);
                input.splice(at..at, token.iter().copied());
            }
            _ => {
                let at = rng.below(len + 1);
                input.truncate(at);
            }
        }
    }
    input.truncate(MAX_LEN);
}

/// Runs `f` on `input`; on a panic, saves the input and fails with its path.
fn check(target: &str, f: fn(&[u8]), input: &[u8], what: &str) {
    let result = std::panic::catch_unwind(|| f(input));
    if result.is_err() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join(format!("{target}-{:016x}", fnv(input)));
        let _ = std::fs::write(&file, input);
        panic!(
            "fuzz target {target} panicked on {what} (saved as {}): {:?}",
            file.display(),
            String::from_utf8_lossy(&input[..input.len().min(200)])
        );
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn run_target(target: &str) {
    let f = rhvm::fuzzing::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, f)| *f)
        .expect("known target");
    let corpus = corpus(target);
    assert!(!corpus.is_empty(), "empty corpus for {target}");
    for (name, input) in &corpus {
        check(target, f, input, &format!("corpus file {name}"));
    }
    let iters = env_number("RHVM_FUZZ_ITERS", 20000);
    let deadline = Instant::now() + Duration::from_secs(env_number("RHVM_FUZZ_SECS", 3));
    let mut rng = Rng(fnv(target.as_bytes()) | 1);
    let dict = dictionary(target);
    let mut done = 0;
    while done < iters && Instant::now() < deadline {
        let mut input = corpus[rng.below(corpus.len())].1.clone();
        mutate(&mut rng, &mut input, &corpus, dict);
        check(target, f, &input, &format!("mutated input #{done}"));
        done += 1;
    }
    eprintln!(
        "fuzz {target}: {} corpus inputs, {done} mutated inputs",
        corpus.len()
    );
}

#[test]
fn fcgi_corpus_and_mutations() {
    run_target("fcgi");
}

#[test]
fn parse_corpus_and_mutations() {
    run_target("parse");
}

#[test]
fn unserialize_corpus_and_mutations() {
    run_target("unserialize");
}

#[test]
fn json_decode_corpus_and_mutations() {
    run_target("json_decode");
}

#[test]
fn every_target_has_a_cargo_fuzz_target_and_a_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).expect("fuzz/Cargo.toml");
    for (name, _) in rhvm::fuzzing::TARGETS {
        let file = root.join(format!("fuzz/fuzz_targets/{name}.rs"));
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            text.contains(&format!("rhvm::fuzzing::{name}(")),
            "{} must call rhvm::fuzzing::{name}",
            file.display()
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml lacks a [[bin]] for {name}"
        );
        assert!(corpus_dir(name).is_dir(), "no corpus for {name}");
    }
}
