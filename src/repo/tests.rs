//! Translation-cache tests: persistence across reopen, authoritative lookups, and every
//! fault the issue lists (garbage file, truncated file, wrong schema, read-only directory).

use super::*;
use crate::vm::unit_codec::{compile_through, encode, load_through, unit_key};

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "rhvm-repo-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("mkdir {}: {e}", p.display()));
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const SRC: &[u8] = b"<?php function greet($n) { return \"hi $n\"; } echo greet('x');";

fn compiled_once(repo: &Repo, src: &[u8], path: &[u8]) {
    if let Err(e) = compile_through(repo, src, path) {
        panic!("compile: {e:?}");
    }
}

#[test]
fn a_unit_stored_is_found_after_reopening() {
    let dir = TempDir::new("reopen");
    let db = dir.0.join("repo.sqlite");
    {
        let repo = Repo::open_central(&db, true);
        compiled_once(&repo, SRC, b"/a.php");
        repo.flush();
        assert_eq!(repo.stats().stored.load(Ordering::Relaxed), 1);
        assert_eq!(repo.stats().misses.load(Ordering::Relaxed), 1);
    }
    let repo = Repo::open_central(&db, true);
    assert!(repo.get(&unit_key(SRC)).is_some());
    // Same content elsewhere: one unit serves both paths.
    compiled_once(&repo, SRC, b"/elsewhere/b.php");
    repo.flush();
    assert_eq!(repo.stats().stored.load(Ordering::Relaxed), 0);
    assert_eq!(repo.stats().hits.load(Ordering::Relaxed), 2);
}

#[test]
fn garbage_and_truncated_files_are_moved_aside() {
    for (tag, bytes) in [
        (
            "garbage",
            b"this is not a database at all, just text".to_vec(),
        ),
        ("header", b"SQLite format 3\0truncated".to_vec()),
    ] {
        let dir = TempDir::new(tag);
        let db = dir.0.join("repo.sqlite");
        std::fs::write(&db, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let repo = Repo::open_central(&db, true);
        assert!(
            repo.path().is_some(),
            "{tag}: a fresh repo replaces the bad one"
        );
        compiled_once(&repo, SRC, b"/a.php");
        repo.flush();
        assert_eq!(repo.stats().stored.load(Ordering::Relaxed), 1, "{tag}");
        let aside = std::fs::read_dir(&dir.0)
            .map(|d| {
                d.filter_map(Result::ok)
                    .any(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
            })
            .unwrap_or(false);
        assert!(aside, "{tag}: the bad file is kept aside");
    }
}

#[test]
fn a_file_with_another_schema_is_replaced() {
    let dir = TempDir::new("schema");
    let db = dir.0.join("repo.sqlite");
    {
        let c = Connection::open(&db).unwrap_or_else(|e| panic!("{e}"));
        c.execute_batch("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('schema', '999');")
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let repo = Repo::open_central(&db, false);
    compiled_once(&repo, SRC, b"/a.php");
    repo.flush();
    assert_eq!(repo.stats().stored.load(Ordering::Relaxed), 1);
}

#[test]
fn an_unwritable_location_compiles_in_memory() {
    let dir = TempDir::new("readonly");
    // A path under a regular file can never be created, whoever runs the test (root
    // ignores directory permissions).
    let blocker = dir.0.join("file");
    std::fs::write(&blocker, b"x").unwrap_or_else(|e| panic!("{e}"));
    let repo = Repo::open_central(&blocker.join("repo.sqlite"), true);
    assert!(repo.path().is_none());
    let unit = compile_through(&repo, SRC, b"/a.php");
    assert!(unit.is_ok());
}

#[test]
fn a_corrupt_row_is_dropped_and_recompiled() {
    let dir = TempDir::new("row");
    let db = dir.0.join("repo.sqlite");
    let repo = Repo::open_central(&db, false);
    repo.put(unit_key(SRC), b"RHVMUNIT garbage".to_vec());
    repo.flush();
    compiled_once(&repo, SRC, b"/a.php");
    repo.flush();
    assert_eq!(repo.stats().corrupt.load(Ordering::Relaxed), 1);
    let bytes = repo.get(&unit_key(SRC));
    assert!(bytes.is_some_and(|b| crate::vm::unit_codec::decode(&b, b"/a.php").is_ok()));
}

#[test]
fn authoritative_mode_never_reads_sources() {
    let dir = TempDir::new("auth");
    let db = dir.0.join("repo.sqlite");
    {
        let repo = Repo::open_central(&db, false);
        let unit =
            crate::vm::compile_source(SRC, b"/site/index.php").unwrap_or_else(|e| panic!("{e:?}"));
        let key = unit_key(SRC);
        repo.put(key, encode(&unit).unwrap_or_else(|e| panic!("{e}")));
        repo.put_path(b"/site/index.php", key);
        repo.flush();
    }
    let repo = Repo::open_authoritative(&db).unwrap_or_else(|e| panic!("{e}"));
    // The source does not exist on disk; the unit still loads.
    let found = load_through(&repo, b"/site/index.php");
    assert!(matches!(found, Ok(Some(_))));
    assert!(matches!(load_through(&repo, b"/site/other.php"), Ok(None)));
    assert!(Repo::open_authoritative(&dir.0.join("missing.sqlite")).is_err());
}

#[test]
fn concurrent_lookups_and_stores() {
    let dir = TempDir::new("threads");
    let db = dir.0.join("repo.sqlite");
    let repo = Arc::new(Repo::open_central(&db, false));
    std::thread::scope(|s| {
        for t in 0..4 {
            let repo = repo.clone();
            s.spawn(move || {
                for i in 0..20 {
                    let src = format!("<?php echo {};", i % 5 + t * 100);
                    compiled_once(&repo, src.as_bytes(), b"/x.php");
                }
            });
        }
    });
    repo.flush();
    let c = Connection::open(&db).unwrap_or_else(|e| panic!("{e}"));
    let n: i64 = c
        .query_row("SELECT COUNT(*) FROM units", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n, 20);
}

#[test]
fn concurrent_compiles_of_one_source_compile_it_once() {
    let dir = TempDir::new("once");
    let db = dir.0.join("repo.sqlite");
    let repo = Arc::new(Repo::open_central(&db, false));
    // A source big enough that its compile overlaps the other threads' lookups.
    let mut src = b"<?php\n".to_vec();
    for i in 0..400 {
        src.extend_from_slice(
            format!("function f{i}($a) {{ $s = 0; foreach ($a as $k => $v) {{ $s += $k * $v; }} return $s; }}\n").as_bytes(),
        );
    }
    let start = Arc::new(std::sync::Barrier::new(8));
    std::thread::scope(|s| {
        for _ in 0..8 {
            let (repo, start, src) = (repo.clone(), start.clone(), &src);
            s.spawn(move || {
                start.wait();
                compiled_once(&repo, src, b"/same.php");
            });
        }
    });
    let st = repo.stats();
    assert_eq!(st.compiled.load(Ordering::Relaxed), 1);
    assert_eq!(st.loaded.load(Ordering::Relaxed), 7);
    repo.flush();
    assert_eq!(st.stored.load(Ordering::Relaxed), 1);
}

#[test]
fn a_read_only_directory_compiles_in_memory() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("rodir");
    let set_mode = |mode| std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(mode));
    set_mode(0o555).unwrap_or_else(|e| panic!("{e}"));
    // Root ignores directory modes; /sys refuses new files even to root.
    let probe = dir.0.join("probe");
    let ro = if std::fs::write(&probe, b"x").is_err() {
        dir.0.clone()
    } else {
        let _ = std::fs::remove_file(&probe);
        PathBuf::from("/sys")
    };
    let repo = Repo::open_central(&ro.join("rhvm-test-repo.sqlite"), true);
    set_mode(0o755).unwrap_or_else(|e| panic!("{e}"));
    assert!(repo.path().is_none(), "{}", ro.display());
    for _ in 0..2 {
        compiled_once(&repo, SRC, b"/a.php");
    }
    assert_eq!(repo.stats().compiled.load(Ordering::Relaxed), 2);
}
