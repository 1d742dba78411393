//! Request limits and fault isolation (issue 10): what PHP 8.2 cannot show as a fixture
//! (HHVM's wall-time limit over sleeps and shell-outs, messages whose allocation sizes are
//! rhvm's own, recursion PHP would crash on) through `rhvm run`, and the server side:
//! each fault ends its request with a 500 and the error in the log, and the next request
//! on the same (single) executor thread succeeds.
//! See: issue 10 ("Limits and fault isolation").

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

mod common;
use common::Serve;

const TIMEOUT: Duration = Duration::from_secs(30);

/// A scratch directory removed on drop.
struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(tag: &str) -> Dir {
    let dir = std::env::temp_dir().join(format!("rhvm-limits-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    Dir(dir)
}

/// Runs `rhvm run -d ARGS... FILE` on `code`; (exit status, stdout+stderr).
fn run(tag: &str, ini: &[&str], code: &str) -> (i32, String) {
    let dir = scratch(tag);
    let file = dir.0.join("t.php");
    std::fs::write(&file, code).expect("write script");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rhvm"));
    cmd.arg("run");
    for d in ini {
        cmd.args(["-d", d]);
    }
    let out = cmd.arg(&file).output().expect("run rhvm");
    let mut text = String::from_utf8_lossy(&out.stdout).to_string();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

fn assert_fatal(status: i32, out: &str, message: &str) {
    assert_eq!(status, 255, "{out}");
    assert!(
        out.contains(&format!("Fatal error: {message}")),
        "expected {message:?} in {out:?}"
    );
}

#[test]
fn time_limit_is_wall_time_and_ends_sleep() {
    // HHVM's timeouts_use_wall_time: sleeping counts (PHP's CPU-time limit would not).
    let (status, out) = run(
        "sleep",
        &[],
        "<?php set_time_limit(1); echo \"start\\n\"; sleep(30); echo \"not reached\\n\";",
    );
    assert_fatal(status, &out, "Maximum execution time of 1 second exceeded");
    assert!(
        out.starts_with("start\n") && !out.contains("not reached"),
        "{out}"
    );
}

#[test]
fn time_limit_ends_a_shell_out_and_kills_the_child() {
    let (status, out) = run(
        "shell",
        &["max_execution_time=1"],
        "<?php echo shell_exec('sleep 30 >/dev/null 2>&1; echo done'); echo \"not reached\\n\";",
    );
    assert_fatal(status, &out, "Maximum execution time of 1 second exceeded");
    assert!(
        !out.contains("done") && !out.contains("not reached"),
        "{out}"
    );
    let (status, out) = run(
        "exec",
        &["max_execution_time=1"],
        "<?php exec('echo a; sleep 30 >/dev/null 2>&1', $lines); echo \"not reached\\n\";",
    );
    assert_fatal(status, &out, "Maximum execution time of 1 second exceeded");
    assert!(!out.contains("not reached"), "{out}");
}

#[test]
fn time_limit_ends_long_pcre_calls() {
    // 6 MB of 'a' and a pattern that never matches: every start position scans to the
    // end (quadratic, hours of work), so only the time limit inside PCRE can stop it.
    let calls = [
        "preg_match('/a*b/', $s)",
        "preg_match_all('/a*b/', $s)",
        "preg_replace('/a*b/', '', $s)",
        "preg_replace_callback('/a*b/', fn($m) => '', $s)",
        "preg_split('/a*b/', $s)",
        // Many quick matches: the limit is checked between them.
        "preg_replace_callback('/a/', fn($m) => 'b', $s . $s . $s . $s . $s . $s)",
    ];
    for call in calls {
        let code = format!(
            "<?php\nset_time_limit(1);\n$s = str_repeat('a', 6000000);\n$r = {call};\necho \"not reached\\n\";\n"
        );
        let (status, out) = run("preg", &["memory_limit=-1"], &code);
        assert_fatal(status, &out, "Maximum execution time of 1 second exceeded");
        assert!(out.contains("on line 4"), "{call}: {out}");
        assert!(!out.contains("not reached"), "{call}: {out}");
    }
}

#[test]
fn time_limit_ends_blocking_reads_of_pipes() {
    let reads = [
        // `exec`: the CLI's children do not lead a process group, so the kill reaches only
        // the shell, and a `sleep` it forked would hold this test's stderr pipe open.
        "$p = popen('exec sleep 30', 'r');\n$r = fread($p, 10);",
        "$p = popen('echo partial; exec sleep 30', 'r');\n$r = fgets($p); $r = fgets($p);",
        "$p = popen('exec sleep 30', 'r');\n$r = stream_get_contents($p);",
        "$p = proc_open(['sleep', '30'], [1 => ['pipe', 'w']], $pipes);\n$r = fgets($pipes[1]);",
        "$p = proc_open('exec sleep 30', [1 => ['pipe', 'w']], $pipes);\n$r = stream_get_contents($pipes[1]);",
    ];
    for read in reads {
        let code = format!("<?php\nset_time_limit(1);\n{read}\necho \"not reached\\n\";\n");
        let (status, out) = run("pipe", &[], &code);
        assert_fatal(status, &out, "Maximum execution time of 1 second exceeded");
        assert!(out.contains("on line 4"), "{read}: {out}");
        assert!(!out.contains("not reached"), "{read}: {out}");
    }
}

#[test]
fn time_limit_zero_means_none() {
    let (status, out) = run(
        "zero",
        &["max_execution_time=1"],
        "<?php set_time_limit(0); usleep(1500000); echo \"finished\\n\";",
    );
    assert_eq!((status, out.as_str()), (0, "finished\n"));
}

#[test]
fn memory_limit_stops_growing_arrays_and_strings() {
    let (status, out) = run(
        "grow",
        &["memory_limit=32M"],
        "<?php $a = []; while (true) { $a[] = str_repeat('y', 100); }",
    );
    assert_fatal(
        status,
        &out,
        "Allowed memory size of 33554432 bytes exhausted (tried to allocate",
    );
    let (status, out) = run(
        "concat",
        &["memory_limit=32M"],
        "<?php $s = 'x'; while (true) { $s .= $s; }",
    );
    assert_fatal(
        status,
        &out,
        "Allowed memory size of 33554432 bytes exhausted (tried to allocate",
    );
    // A 10 GB string is refused before it is allocated.
    let (status, out) = run("huge", &[], "<?php $s = str_repeat('x', 10 << 30);");
    assert_fatal(
        status,
        &out,
        "Allowed memory size of 134217728 bytes exhausted (tried to allocate 10737422336 bytes)",
    );
    let (status, out) = run("range", &[], "<?php $a = range(1, 500000000);");
    assert_fatal(
        status,
        &out,
        "Allowed memory size of 134217728 bytes exhausted (tried to allocate",
    );
}

#[test]
fn unbounded_recursion_is_a_fatal_error() {
    // PHP frames count towards memory_limit, as in PHP.
    let code = "<?php function g($n) { return g($n + 1); } g(0);";
    let (status, out) = run("rec", &[], code);
    assert_fatal(
        status,
        &out,
        "Allowed memory size of 134217728 bytes exhausted (tried to allocate",
    );
    // Without a memory limit, the nesting limit.
    let (status, out) = run("rec-unlimited", &["memory_limit=-1"], code);
    assert_fatal(
        status,
        &out,
        "Maximum function nesting level of '1000000' reached, aborting!",
    );
}

#[test]
fn recursion_through_builtins_is_a_fatal_error() {
    // PHP 8.2 overflows the native stack (segfault) on these.
    let stack = "Maximum call stack size of 33554432 bytes reached. Infinite recursion?";
    let (status, out) = run(
        "map",
        &["memory_limit=-1"],
        "<?php function f($x) { return array_map('f', [$x]); } f(1);",
    );
    assert_fatal(status, &out, stack);
    let (status, out) = run(
        "tostring",
        &["memory_limit=-1"],
        "<?php class A { function __toString(): string { return (string) $this; } } echo new A;",
    );
    assert_fatal(status, &out, stack);
    let (status, out) = run(
        "usort",
        &["memory_limit=-1"],
        "<?php function cmp($x, $y) { $b = [2, 1]; usort($b, 'cmp'); return $x <=> $y; }\n$a = [3, 1, 2]; usort($a, 'cmp');",
    );
    assert_fatal(status, &out, stack);
}

#[test]
fn memory_limit_below_current_usage_is_refused_with_a_warning() {
    // PHP 8.2: `Warning: Failed to set memory limit to 1048576 bytes (Current memory usage
    // is 5246976 bytes)` and false; the usage figure is rhvm's own accounting.
    let (status, out) = run(
        "lowmem",
        &[],
        "<?php $s = str_repeat('x', 3 << 20);\nvar_dump(ini_set('memory_limit', '1M'));\n\
         var_dump(ini_get('memory_limit'));\nvar_dump(ini_set('memory_limit', '100M'));\n\
         var_dump(ini_get('memory_limit'), strlen($s));",
    );
    assert_eq!(status, 0, "{out}");
    assert!(
        out.contains(
            "Warning: Failed to set memory limit to 1048576 bytes (Current memory usage is "
        ) && out.contains(" bytes) in "),
        "{out}"
    );
    assert!(
        out.ends_with(
            "bool(false)\nstring(4) \"128M\"\nstring(4) \"128M\"\nstring(4) \"100M\"\nint(3145728)\n"
        ),
        "{out}"
    );
}

// ---- the server ----

const PAGES: &[(&str, &str)] = &[
    ("ok.php", "<?php echo 'ok ', $_GET['n'] ?? '';"),
    ("spin.php", "<?php while (true) {}"),
    ("sleep.php", "<?php sleep(60);"),
    ("shell.php", "<?php echo shell_exec('sleep 60; echo late');"),
    (
        "preg.php",
        "<?php $s = str_repeat('a', 6000000);\npreg_match('/a*b/', $s);",
    ),
    (
        "popen.php",
        "<?php $p = popen('sleep 60; echo late', 'r');\necho fgets($p);",
    ),
    (
        "proc.php",
        "<?php $p = proc_open(['sleep', '60'], [1 => ['pipe', 'w']], $pipes);\necho stream_get_contents($pipes[1]);",
    ),
    ("bomb.php", "<?php $s = str_repeat('x', 10 << 30);"),
    (
        "grow.php",
        "<?php $a = []; while (true) { $a[] = str_repeat('x', 1 << 20); }",
    ),
    (
        "recurse.php",
        "<?php function f($n) { return f($n + 1); } f(0);",
    ),
    (
        "panic.php",
        "<?php\nrhvm_debug_panic('boom');\necho \"after\\n\";",
    ),
];

/// `rhvm serve` with the development HTTP listener over a docroot of `PAGES`.
struct Server {
    serve: Serve,
    port: u16,
    _docroot: Dir,
}

impl Server {
    fn start(tag: &str, extra: &[&str]) -> Server {
        Server::start_with(tag, &[], extra)
    }

    /// As `start`, with more command-line arguments (`flags`) before the `-d` settings.
    fn start_with(tag: &str, flags: &[&str], extra: &[&str]) -> Server {
        let docroot = scratch(tag);
        for (name, text) in PAGES {
            std::fs::write(docroot.0.join(name), text).expect("write page");
        }
        let mut args: Vec<String> = vec![
            "--http".into(),
            "127.0.0.1:0".into(),
            "--docroot".into(),
            docroot.0.to_string_lossy().to_string(),
            "-d".into(),
            "display_errors=0".into(),
        ];
        args.extend(flags.iter().map(|f| f.to_string()));
        for e in extra {
            args.extend(["-d".to_string(), e.to_string()]);
        }
        let serve = Serve::start(&args);
        let Some(port) = serve.port(&["http"], TIMEOUT) else {
            panic!("rhvm serve did not announce its port: {:?}", serve.log())
        };
        Server {
            serve,
            port,
            _docroot: docroot,
        }
    }

    fn get(&self, path: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut text = String::new();
        stream.read_to_string(&mut text).expect("read");
        text
    }

    fn assert_500_logged(&self, path: &str, message: &str) {
        let page = self.get(path);
        assert!(page.starts_with("HTTP/1.1 500"), "{path}: {page}");
        let line = self
            .serve
            .wait_for(TIMEOUT, |l| l.contains(message).then(|| l.to_string()));
        assert!(line.is_some(), "no {message:?} in {:?}", self.serve.log());
    }

    fn assert_ok(&self, n: u32) {
        let page = self.get(&format!("/ok.php?n={n}"));
        assert!(
            page.starts_with("HTTP/1.1 200") && page.contains(&format!("\r\nok {n}\r\n")),
            "{page}"
        );
    }

    /// The server's peak resident memory (kB).
    fn peak_rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.serve.child.id()))
            .expect("read /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM")
    }
}

#[test]
fn server_time_limit_is_a_500_and_the_thread_serves_the_next_request() {
    let server = Server::start(
        "srv-time",
        &[
            "hhvm.server.thread_count=1",
            "hhvm.server.request_timeout_seconds=1",
        ],
    );
    server.assert_ok(1);
    server.assert_500_logged(
        "/spin.php",
        "PHP Fatal error:  Maximum execution time of 1 second exceeded in",
    );
    server.assert_ok(2);
    server.assert_500_logged("/sleep.php", "sleep.php on line 1");
    server.assert_ok(3);
    server.assert_500_logged("/shell.php", "shell.php on line 1");
    server.assert_ok(4);
}

#[test]
fn server_time_limit_ends_pcre_and_pipe_reads_and_the_thread_serves_the_next_request() {
    // One thread: the next request can only succeed once the timed-out one has ended and
    // let go of its child processes (they sleep 60 s, past the client's 30 s timeout).
    let server = Server::start(
        "srv-wait",
        &[
            "hhvm.server.thread_count=1",
            "hhvm.server.request_timeout_seconds=1",
        ],
    );
    server.assert_ok(1);
    for (n, page) in ["preg.php", "popen.php", "proc.php"]
        .into_iter()
        .enumerate()
    {
        let reply = server.get(&format!("/{page}"));
        assert!(reply.starts_with("HTTP/1.1 500"), "{page}: {reply}");
        let logged = server.serve.wait_for(TIMEOUT, |l| {
            (l.contains("PHP Fatal error:  Maximum execution time of 1 second exceeded in")
                && l.contains(&format!("{page} on line 2")))
            .then_some(())
        });
        assert!(logged.is_some(), "{page}: {:?}", server.serve.log());
        server.assert_ok(n as u32 + 2);
    }
}

#[test]
fn server_memory_bombs_and_recursion_are_500s_and_memory_stays_bounded() {
    let server = Server::start(
        "srv-mem",
        &["hhvm.server.thread_count=4", "memory_limit=128M"],
    );
    server.assert_ok(1);
    server.assert_500_logged(
        "/bomb.php",
        "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 10737422336 bytes)",
    );
    server.assert_ok(2);
    server.assert_500_logged("/recurse.php", "recurse.php on line 1");
    server.assert_ok(3);
    // 64 requests at once, each trying to allocate 10 GB a megabyte at a time: each ends
    // at its 128 MB limit, so the server never holds much more than 4 x 128 MB.
    let clients: Vec<_> = (0..64)
        .map(|_| {
            let port = server.port;
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
                stream.set_read_timeout(Some(TIMEOUT * 4)).expect("timeout");
                stream
                    .write_all(
                        b"GET /grow.php HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                    )
                    .expect("send");
                let mut text = String::new();
                stream.read_to_string(&mut text).expect("read");
                text
            })
        })
        .collect();
    for c in clients {
        let page = c.join().expect("client thread");
        assert!(page.starts_with("HTTP/1.1 500"), "{page}");
    }
    let peak = server.peak_rss_kb();
    assert!(peak < 1_500_000, "server peak RSS {peak} kB");
    server.assert_ok(4);
}

/// `GET path` on the admin endpoint; the JSON body.
fn admin_json(port: u16, path: &str) -> serde_json::Value {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect admin");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("read");
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
}

#[test]
fn server_contains_an_engine_panic_logs_where_and_counts_it() {
    // `--debug-panic-trigger` (hidden) declares rhvm_debug_panic(), a Rust panic standing in
    // for an engine bug.
    let server = Server::start_with(
        "srv-panic",
        &["--debug-panic-trigger"],
        &["hhvm.server.thread_count=1", "hhvm.admin_server.port=0"],
    );
    let admin = server
        .serve
        .port(&["admin"], TIMEOUT)
        .expect("no admin port announced");
    assert_eq!(admin_json(admin, "/check-health")["panics"], 0);
    server.assert_ok(1);
    // A 500, and the error log names the message, the script and the line.
    server.assert_500_logged(
        "/panic.php",
        "internal error: the engine panicked on GET /panic.php: rhvm_debug_panic: boom in ",
    );
    let line = server
        .serve
        .wait_for(TIMEOUT, |l| {
            l.contains("rhvm_debug_panic: boom in ")
                .then(|| l.to_string())
        })
        .expect("panic line");
    assert!(line.ends_with("panic.php on line 2"), "{line}");
    // The only executor thread has a fresh engine and serves the next requests.
    server.assert_ok(2);
    server.assert_500_logged("/panic.php?again", "GET /panic.php?again: rhvm_debug_panic");
    server.assert_ok(3);
    // The thread writes the response before it counts itself idle: wait for that.
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut health = admin_json(admin, "/check-health");
    while health["load"] != 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
        health = admin_json(admin, "/check-health");
    }
    assert_eq!(health["panics"], 2, "{health}");
    assert_eq!(health["load"], 0, "{health}");
    let status = admin_json(admin, "/status.json");
    assert_eq!(status["status"]["panics"], 2, "{status}");
}

#[test]
fn the_panic_trigger_does_not_exist_without_the_hidden_flag() {
    let server = Server::start(
        "srv-nopanic",
        &["hhvm.server.thread_count=1", "hhvm.admin_server.port=0"],
    );
    let admin = server
        .serve
        .port(&["admin"], TIMEOUT)
        .expect("no admin port announced");
    server.assert_500_logged(
        "/panic.php",
        "PHP Fatal error:  Uncaught Error: Call to undefined function rhvm_debug_panic()",
    );
    server.assert_ok(1);
    assert_eq!(admin_json(admin, "/check-health")["panics"], 0);
}
