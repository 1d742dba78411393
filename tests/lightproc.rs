//! Light processes end to end, each in a child process (the test harness is threaded, and
//! the pool must be started before any thread): a helper killed with SIGKILL is replaced
//! and the next call works; helpers die with their parent; 200 concurrent shell-outs over
//! 5 helpers are all answered; a thread's running shell-out can be cancelled from another
//! thread (what a request timeout uses), background children included.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The `rhvm` binary under test.
fn rhvm() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rhvm"))
}

/// The stress/bench example, built by `cargo test` beside the binary.
fn example() -> PathBuf {
    rhvm()
        .parent()
        .expect("binary has a directory")
        .join("examples")
        .join("lightproc_bench")
}

/// Runs PHP code with `count` light processes; stdout, with a deadline.
fn run_php(count: usize, code: &str) -> String {
    let dir = std::env::temp_dir().join(format!("rhvm_lightproc_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join(format!("t{}.php", code.len()));
    std::fs::write(&file, code).expect("write script");
    let out = Command::new("timeout")
        .arg("60")
        .arg(rhvm())
        .arg("-d")
        .arg(format!("hhvm.server.light_process_count={count}"))
        .arg(&file)
        .output()
        .expect("run rhvm");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits until `cond` holds, up to `limit`.
fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

#[test]
fn shell_outs_go_through_helpers() {
    // The shell's parent is a helper, whose parent is rhvm itself.
    let out = run_php(
        2,
        "<?php $h = trim(shell_exec('echo $PPID')); $top = trim(shell_exec('ps -o ppid= -p ' . $h));\n\
         echo trim(file_get_contents(\"/proc/$h/comm\")), ' ', $top === trim(shell_exec('ps -o ppid= -p $PPID')) ? 'same' : 'other', \"\\n\";",
    );
    assert_eq!(out, "rhvm same\n");
}

#[test]
fn a_killed_helper_is_replaced_and_the_next_call_succeeds() {
    // The kill may run inside the very helper it kills: that call then fails with a
    // warning (silenced here), as any call whose helper dies does.
    let out = run_php(
        2,
        "<?php $h = trim(shell_exec('echo $PPID'));\n\
         @shell_exec(\"kill -9 $h\");\n\
         $bad = 0; for ($i = 0; $i < 20; $i++) { if (shell_exec('echo ok') !== \"ok\\n\") $bad++; }\n\
         $h2 = trim(shell_exec('echo $PPID'));\n\
         echo $bad, ' ', $h2 !== $h ? 'replaced' : 'same', \"\\n\";\n\
         exec('echo a; echo b', $lines, $rc); echo implode(',', $lines), \" $rc\\n\";",
    );
    assert_eq!(out, "0 replaced\na,b 0\n");
}

#[test]
fn helpers_die_with_their_parent() {
    let mut child = Command::new(rhvm())
        .arg("-d")
        .arg("hhvm.server.light_process_count=3")
        .arg("-r")
        .arg("echo 'up', PHP_EOL; fgets(STDIN);")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start rhvm");
    let pid = child.id();
    let children = format!("/proc/{pid}/task/{pid}/children");
    let mut helpers = Vec::new();
    assert!(wait_for(Duration::from_secs(10), || {
        helpers = std::fs::read_to_string(&children)
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        helpers.len() == 3
    }));
    child.kill().expect("kill rhvm");
    let _ = child.wait();
    assert!(
        wait_for(Duration::from_secs(10), || helpers.iter().all(
            |h| !std::path::Path::new(&format!("/proc/{h}")).exists()
                || std::fs::read_to_string(format!("/proc/{h}/stat"))
                    .is_ok_and(|s| s.contains(") Z "))
        )),
        "helpers {helpers:?} outlived their parent"
    );
}

#[test]
fn two_hundred_concurrent_calls_over_five_helpers() {
    let out = Command::new("timeout")
        .arg("120")
        .arg(example())
        .args(["stress", "5", "200"])
        .output()
        .expect("run the stress example");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("answered 200\n"), "{text}");
    assert!(text.contains("alive 5 busy 0 respawned 0"), "{text}");
}

#[test]
fn a_running_shell_out_is_cancelled_with_its_process_group() {
    let out = Command::new("timeout")
        .arg("120")
        .arg(example())
        .arg("cancel")
        .output()
        .expect("run the cancel example");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text, "killed 1 late false sleeper_gone true tracked_after 0\n",
        "{out:?}"
    );
}
