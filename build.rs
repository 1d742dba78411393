//! Build script: fingerprints the engine's sources (`src/vm`) into `RHVM_ENGINE_HASH`,
//! which salts the translation cache's unit keys (`vm::unit_codec::unit_key`), so that a
//! binary built from different engine code never runs units compiled by another one.

use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src/vm");
    let mut files = Vec::new();
    collect(Path::new("src/vm"), &mut files);
    files.sort();
    // FNV-1a over every path and its contents.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for f in &files {
        feed(f.to_string_lossy().as_bytes());
        feed(&std::fs::read(f).unwrap_or_default());
    }
    println!("cargo:rustc-env=RHVM_ENGINE_HASH={h:016x}");
}
