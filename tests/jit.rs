//! The JIT is really used: runs `rhvm` on a loop-heavy fixture with `RHVM_JIT_STATS=1` and
//! checks the counters it prints to stderr (functions compiled, back edges run in machine
//! code, runs ended by side exits), with the JIT forced on, in the fail-every-guard-once
//! mode, and off. The outputs themselves are checked against PHP by `tests/fixtures.rs`
//! (the `jit/` area, and the whole corpus with the JIT forced on).

use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/jit")
        .join(name)
}

/// Runs the fixture with `-d` settings; returns stdout and the stats as (name, value).
fn run(name: &str, settings: &[&str]) -> (String, Vec<(String, u64)>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rhvm"));
    cmd.arg("run");
    for s in settings {
        cmd.arg("-d").arg(s);
    }
    let out = cmd
        .arg(fixture(name))
        .env("RHVM_JIT_STATS", "1")
        .output()
        .expect("rhvm runs");
    let stats = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(": ")?;
            Some((k.to_string(), v.trim().parse().ok()?))
        })
        .collect();
    // Paths in warnings as the fixtures record them.
    let root = format!("{}/", env!("CARGO_MANIFEST_DIR"));
    let stdout = String::from_utf8_lossy(&out.stdout).replace(&root, "%ROOT%/");
    (stdout, stats)
}

fn stat(stats: &[(String, u64)], name: &str) -> u64 {
    stats
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("no {name:?} in {stats:?}"))
}

#[test]
fn loops_run_as_machine_code_and_exit_to_the_interpreter() {
    let expected = std::fs::read_to_string(fixture("int_overflow.out")).expect("fixture output");
    let (off_out, off) = run("int_overflow.php", &["hhvm.jit=0"]);
    assert_eq!(off_out, expected);
    assert_eq!(stat(&off, "functions compiled"), 0);
    assert_eq!(stat(&off, "back edges in compiled code"), 0);

    let (on_out, on) = run("int_overflow.php", &["hhvm.jit_threshold=0"]);
    assert_eq!(on_out, expected);
    // The top-level code and `acc()` both have compilable loops.
    assert_eq!(stat(&on, "functions compiled"), 2);
    assert!(stat(&on, "back edges in compiled code") > 5000, "{on:?}");

    let (fail_out, fail) = run(
        "int_overflow.php",
        &["hhvm.jit_threshold=0", "hhvm.jit_fail_guards_once=1"],
    );
    assert_eq!(fail_out, expected);
    // Every guarded instruction exits once more than in the plain forced run.
    assert!(
        stat(&fail, "runs (side exits)") > stat(&on, "runs (side exits)") + 10,
        "{fail:?} vs {on:?}"
    );
    assert!(
        stat(&fail, "back edges in compiled code") > 5000,
        "{fail:?}"
    );
}

#[test]
fn packed_array_loops_run_as_machine_code() {
    let expected = std::fs::read_to_string(fixture("arrays.out")).expect("fixture output");
    let (off_out, off) = run("arrays.php", &["hhvm.jit=0"]);
    assert_eq!(off_out, expected);
    assert_eq!(stat(&off, "back edges in compiled code"), 0);

    // The default threshold: the 5 x 2000 element-wise loop and `fill()`'s appends run
    // compiled (with the JIT unable to read or write arrays, none of them would).
    let (on_out, on) = run("arrays.php", &[]);
    assert_eq!(on_out, expected);
    assert!(stat(&on, "back edges in compiled code") > 10_000, "{on:?}");

    let (fail_out, fail) = run(
        "arrays.php",
        &["hhvm.jit_threshold=0", "hhvm.jit_fail_guards_once=1"],
    );
    assert_eq!(fail_out, expected);
    assert!(
        stat(&fail, "runs (side exits)") > stat(&on, "runs (side exits)") + 100,
        "{fail:?} vs {on:?}"
    );
}

#[test]
fn calls_run_from_compiled_code() {
    let expected = std::fs::read_to_string(fixture("calls_recursion.out")).expect("fixture output");
    let (off_out, off) = run("calls_recursion.php", &["hhvm.jit=0"]);
    assert_eq!(off_out, expected);
    assert_eq!(stat(&off, "calls from compiled code"), 0);

    // The default threshold: once `fib` is hot, its frames start in compiled code and its
    // recursive calls are made from there (fib(20) makes 21890 calls).
    let (on_out, on) = run("calls_recursion.php", &[]);
    assert_eq!(on_out, expected);
    assert!(stat(&on, "calls from compiled code") > 20_000, "{on:?}");

    let (fail_out, fail) = run(
        "calls_recursion.php",
        &["hhvm.jit_threshold=0", "hhvm.jit_fail_guards_once=1"],
    );
    assert_eq!(fail_out, expected);
    assert!(stat(&fail, "calls from compiled code") > 20_000, "{fail:?}");
    assert!(stat(&fail, "calls left to the interpreter") > 0, "{fail:?}");
}
