//! Fuzz entry points: one function per fuzzed input format, shared by the `cargo fuzz`
//! targets (`fuzz/`, libFuzzer on nightly) and by `tests/fuzz.rs`, which replays the
//! committed corpus (`fuzz/corpus/<target>/`) and runs a short deterministic mutation loop
//! over the same functions on stable, so `cargo test --release` exercises them too.
//!
//! Each function takes arbitrary bytes and must return without panicking, hanging or
//! allocating without bound; a panic (including a failed consistency assertion here) is
//! a bug in the code under test. The engine-driven targets run on one long-lived thread
//! with the server's 64 MiB stack, so native-stack budgets behave as in `rhvm serve`;
//! a panic there is carried back to the caller's thread.
//!
//! | target | what it feeds |
//! | --- | --- |
//! | `fcgi` | `fcgi::ServerConn` (whole, split, byte by byte, and driven like the connection actor), `ClientConn`, `decode_pairs`, `parse_cgi_response` |
//! | `parse` | `vm::compile_source` (lexer, parser, compiler) and the disassembler |
//! | `unserialize` | `unserialize()` (with classes using `__wakeup`, `__unserialize`, `Serializable`), then `var_dump`/`serialize` of the result |
//! | `json_decode` | `json_decode()` with several flag and depth combinations, then `json_encode` |

use std::any::Any;
use std::rc::Rc;
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

use crate::fcgi::{self, ClientConn, Event, Limits, ServerConn};
use crate::vm::bytecode::Unit;
use crate::vm::interp::{LoadError, Loader, Vm};
use crate::vm::value::PhpStr;

/// The fuzz targets by name, as `fuzz/fuzz_targets/<name>.rs` and `fuzz/corpus/<name>/`.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("fcgi", fcgi),
    ("parse", parse),
    ("unserialize", unserialize),
    ("json_decode", json_decode),
];

/// `memory_limit` of the engine-driven targets.
const MEMORY_LIMIT: &[u8] = b"256M";

// ---- FastCGI ----

/// Feeds `chunks` into a fresh connection; the events and the final result.
fn feed_chunks<'a>(
    limits: Limits,
    chunks: impl Iterator<Item = &'a [u8]>,
) -> (Vec<Event>, Result<(), fcgi::ProtocolError>) {
    let mut conn = ServerConn::new(limits);
    let mut events = Vec::new();
    for chunk in chunks {
        if let Err(err) = conn.feed(chunk, &mut events) {
            // A failed connection stays failed.
            assert_eq!(conn.feed(b"", &mut Vec::new()), Err(err.clone()));
            return (events, Err(err));
        }
    }
    (events, Ok(()))
}

/// The FastCGI codec on arbitrary bytes. The first byte picks the params limit; the
/// rest is the wire. Checks the codec's invariant that events do not depend on how the
/// input is split, and drives a connection as the actor does (`request_done` after each
/// request), then runs the client-side decoders over the same bytes.
pub fn fcgi(data: &[u8]) {
    let Some((&mode, wire)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        max_params_bytes: match mode % 4 {
            0 => 1 << 20,
            1 => 64,
            2 => 4096,
            _ => 65536,
        },
        ..Limits::default()
    };
    let whole = feed_chunks(limits, std::iter::once(wire));
    // Split at a few offsets chosen from the input, and byte by byte for small inputs.
    let mut at = usize::from(mode) * 7919 % (wire.len() + 1);
    for _ in 0..3 {
        let split = feed_chunks(limits, [&wire[..at], &wire[at..]].into_iter());
        assert_eq!(split, whole, "split at byte {at}");
        at = (at * 31 + 17) % (wire.len() + 1);
    }
    if wire.len() <= 4096 {
        assert_eq!(
            feed_chunks(limits, wire.chunks(1)),
            whole,
            "one byte at a time"
        );
    }
    // As the connection actor: answer each request as soon as its body ended (or it
    // was aborted), then accept the next one.
    let mut conn = ServerConn::new(limits);
    let mut events = Vec::new();
    for chunk in wire.chunks(usize::from(mode).max(1) * 13) {
        if conn.feed(chunk, &mut events).is_err() {
            break;
        }
        // Events of one `feed` were decoded before any of them was acted on, so a later
        // one may concern a request already answered (a second ABORT); the actor ignores
        // those, as here.
        for event in events.drain(..) {
            if let Event::StdinEnd { request_id } | Event::Abort { request_id } = event {
                if conn.active_request() == Some(request_id) {
                    conn.request_done();
                    assert_eq!(conn.active_request(), None);
                }
            }
        }
    }
    // The client side (tests, replay and the load generator read responses with it).
    let mut client = ClientConn::new();
    let mut client_events = Vec::new();
    let _ = client.feed(wire, &mut client_events);
    let _ = fcgi::decode_pairs(wire);
    if let Some(response) = fcgi::parse_cgi_response(wire) {
        let _ = response;
    }
}

// ---- lexer, parser, compiler ----

/// Parses and compiles `data` as a PHP file, and disassembles what compiled.
pub fn parse(data: &[u8]) {
    let data = data.to_vec();
    on_engine_thread(move || {
        if let Ok(unit) = crate::vm::compile_source(&data, b"/fuzz/input.php") {
            let _ = crate::vm::disasm::disassemble(&unit);
        }
    });
}

// ---- unserialize / json_decode ----

const UNSERIALIZE_SCRIPT: &str = r#"<?php
class FuzzA { public $a = 1; protected $b = 2; private $c = 3;
    public function __wakeup() { $this->w = true; } }
class FuzzB { public $d;
    public function __unserialize(array $d): void { $this->d = $d; }
    public function __serialize(): array { return is_array($this->d) ? $this->d : []; } }
class FuzzC implements Serializable { public $s;
    public function serialize() { return is_string($this->s) ? $this->s : ''; }
    public function unserialize($s) { $this->s = $s; } }
$s = $argv[1];
$v = unserialize($s);
var_dump($v);
echo serialize($v), "\n";
var_dump(unserialize($s, ['allowed_classes' => false]));
var_dump(unserialize($s, ['allowed_classes' => ['FuzzA'], 'max_depth' => 3]));
"#;

const JSON_SCRIPT: &str = r#"<?php
$s = $argv[1];
var_dump(json_decode($s));
var_dump(json_last_error(), json_last_error_msg());
var_dump(json_decode($s, true, 64, JSON_BIGINT_AS_STRING));
var_dump(json_decode($s, false, 3, JSON_INVALID_UTF8_SUBSTITUTE | JSON_OBJECT_AS_ARRAY));
$v = json_decode($s, false, 512, JSON_INVALID_UTF8_IGNORE);
echo json_encode($v, JSON_PARTIAL_OUTPUT_ON_ERROR | JSON_PRETTY_PRINT), "\n";
try {
    json_decode($s, flags: JSON_THROW_ON_ERROR);
} catch (JsonException $e) {
    echo $e->getMessage(), "\n";
}
"#;

/// `unserialize()` of `data`, then `var_dump`/`serialize` of the result.
pub fn unserialize(data: &[u8]) {
    run_script(UNSERIALIZE_SCRIPT, data);
}

/// `json_decode()` of `data` in several modes, then `json_encode` of the result.
pub fn json_decode(data: &[u8]) {
    run_script(JSON_SCRIPT, data);
}

/// A loader for scripts that include nothing.
struct NoFiles;

impl Loader for NoFiles {
    fn load(&mut self, _path: &[u8]) -> Result<Option<Rc<Unit>>, LoadError> {
        Ok(None)
    }

    fn file_exists(&self, _path: &std::path::Path) -> bool {
        false
    }
}

thread_local! {
    /// Compiled harness scripts of this (engine) thread, by source address.
    static SCRIPTS: std::cell::RefCell<Vec<(usize, Rc<Unit>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `script` with `$argv[1] = data` on a fresh `Vm` (output discarded).
fn run_script(script: &'static str, data: &[u8]) {
    let data = data.to_vec();
    on_engine_thread(move || {
        let key = script.as_ptr() as usize;
        let unit = SCRIPTS.with(|s| {
            let mut s = s.borrow_mut();
            if let Some((_, u)) = s.iter().find(|(k, _)| *k == key) {
                return u.clone();
            }
            let unit = match crate::vm::compile_source(script.as_bytes(), b"/fuzz/harness.php") {
                Ok(u) => u,
                Err(e) => panic!("fuzz harness script does not compile: {e:?}"),
            };
            s.push((key, unit.clone()));
            unit
        });
        let mut vm = Vm::new(Box::new(std::io::sink()), Box::new(NoFiles));
        vm.set_ini(b"memory_limit", MEMORY_LIMIT);
        vm.set_ini(b"display_errors", b"1");
        vm.set_argv(vec![PhpStr::from("harness.php"), PhpStr::from(data)]);
        let _ = vm.run_main(unit);
    });
}

// ---- the engine thread ----

type Job = Box<dyn FnOnce() + Send>;
type JobResult = Result<(), Box<dyn Any + Send>>;

/// Runs `job` on the fuzzing engine thread (64 MiB stack, like the server's executor
/// threads), re-raising its panic on the caller's thread.
fn on_engine_thread(job: impl FnOnce() + Send + 'static) {
    static QUEUE: OnceLock<Mutex<mpsc::Sender<(Job, mpsc::Sender<JobResult>)>>> = OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<(Job, mpsc::Sender<JobResult>)>();
        let spawned = std::thread::Builder::new()
            .name("fuzz-engine".into())
            .stack_size(64 << 20)
            .spawn(move || {
                for (job, reply) in rx {
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    let _ = reply.send(result);
                }
            });
        if let Err(e) = spawned {
            panic!("cannot start the fuzz engine thread: {e}");
        }
        Mutex::new(tx)
    });
    let (reply, result) = mpsc::channel();
    let sent = match queue.lock() {
        Ok(q) => q.send((Box::new(job), reply)).is_ok(),
        Err(_) => false,
    };
    assert!(sent, "the fuzz engine thread is gone");
    match result.recv() {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("the fuzz engine thread died"),
    }
}
