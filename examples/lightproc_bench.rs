//! Drives the light process pool outside the engine: a stress mode (many threads shelling
//! out at once) for `tests/lightproc.rs`, and the latency benchmark of
//! `scripts/bench-lightproc.sh` (spawn `true` from a process with a big heap, through
//! light processes or by a direct fork+exec of this process).
//!
//! Usage: `lightproc_bench stress HELPERS CALLS` prints `answered N` and the stats;
//! `lightproc_bench bench light|spawn|fork HEAP_MB ITERS` prints `median_us N`;
//! `lightproc_bench cancel` cancels a thread's running shell-out from another thread
//! (`LightPool::kill_children_of`) and reports whether the command and what it started
//! in the background are gone.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::Instant;

use rhvm::lightproc::LightPool;
use rhvm::vm::process::{Program, SpawnRequest, Spawner, StdSpawner};

/// Runs `cmd` through `spawner`, returning its stdout.
fn run(spawner: &dyn Spawner, cmd: &[u8]) -> std::io::Result<Vec<u8>> {
    let (r, w) = std::io::pipe()?;
    let mut child = spawner.spawn(SpawnRequest {
        program: Program::Shell(cmd.to_vec()),
        cwd: None,
        env: None,
        fds: vec![(1, OwnedFd::from(w))],
    })?;
    let mut out = Vec::new();
    std::fs::File::from(OwnedFd::from(r)).read_to_end(&mut out)?;
    child.wait()?;
    Ok(out)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Helper mode first (a respawned helper is `current_exe`, this program), then the
    // pool, before any thread.
    rhvm::lightproc::helper::maybe_run_from_args(&args);
    let num = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    match args.get(1).map(String::as_str) {
        Some("stress") => {
            let pool = LightPool::start(num(2, 5)).expect("start pool");
            let spawner = pool.spawner();
            let calls = num(3, 200);
            let threads: Vec<_> = (0..calls)
                .map(|_| {
                    let s = Arc::clone(&spawner);
                    std::thread::spawn(move || run(&*s, b"echo $$"))
                })
                .collect();
            let mut answered = 0;
            for t in threads {
                if let Ok(Ok(out)) = t.join() {
                    let text = String::from_utf8_lossy(&out);
                    if text.trim().parse::<u32>().is_ok() {
                        answered += 1;
                    }
                }
            }
            let st = pool.stats();
            println!("answered {answered}");
            println!(
                "alive {} busy {} respawned {} calls {} waits {}",
                st.alive, st.busy, st.respawned, st.calls, st.waits
            );
        }
        Some("bench") => {
            let mode = args.get(2).cloned().unwrap_or_default();
            let heap_mb: usize = num(3, 0);
            let iters: usize = num(4, 200);
            let pool = (mode == "light").then(|| LightPool::start(1).expect("start pool"));
            // The big heap, every page touched, plus a few threads as a server has.
            let mut heap = vec![0u8; heap_mb << 20];
            for i in (0..heap.len()).step_by(4096) {
                heap[i] = 1;
            }
            let spawner: Arc<dyn Spawner> = match &pool {
                Some(p) => p.spawner(),
                None => Arc::new(StdSpawner),
            };
            let mut times = Vec::with_capacity(iters);
            for _ in 0..iters {
                let t = Instant::now();
                if mode == "fork" {
                    fork_exec_true();
                } else {
                    run(&*spawner, b"true").expect("spawn");
                }
                times.push(t.elapsed().as_micros());
            }
            times.sort_unstable();
            println!("median_us {}", times[times.len() / 2]);
            std::hint::black_box(&heap);
        }
        Some("cancel") => {
            let pool = LightPool::start(2).expect("start pool");
            let spawner = pool.spawner();
            let (tx, rx) = std::sync::mpsc::channel();
            let worker = std::thread::spawn(move || -> std::io::Result<String> {
                use std::io::BufRead;
                // A background sleeper (not holding the output pipe) and a foreground wait.
                let (r, w) = std::io::pipe()?;
                let mut child = spawner.spawn(SpawnRequest {
                    program: Program::Shell(
                        b"sleep 60 >/dev/null 2>&1 & echo $!; wait; echo late".to_vec(),
                    ),
                    cwd: None,
                    env: None,
                    fds: vec![(1, OwnedFd::from(w))],
                })?;
                let mut out = std::io::BufReader::new(std::fs::File::from(OwnedFd::from(r)));
                let mut sleeper = String::new();
                out.read_line(&mut sleeper)?;
                let _ = tx.send((std::thread::current().id(), sleeper.trim().to_string()));
                let mut rest = String::new();
                out.read_to_string(&mut rest)?;
                child.wait()?;
                Ok(rest)
            });
            let (id, sleeper) = rx.recv().expect("the sleeper's pid");
            let killed = pool.kill_children_of(id);
            let rest = worker.join().expect("worker").unwrap_or_default();
            let gone = |pid: &str| {
                std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| {
                    s.rsplit_once(')')
                        .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
                })
            };
            let deadline = Instant::now() + std::time::Duration::from_secs(20);
            while !sleeper.is_empty() && !gone(&sleeper) && Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            println!(
                "killed {killed} late {} sleeper_gone {} tracked_after {}",
                rest.contains("late"),
                !sleeper.is_empty() && gone(&sleeper),
                pool.kill_children_of(id)
            );
        }
        _ => eprintln!(
            "usage: lightproc_bench stress HELPERS CALLS | bench MODE HEAP_MB ITERS | cancel"
        ),
    }
}

/// A plain fork+exec of `/bin/true` from this (big) process, and a wait.
fn fork_exec_true() {
    use std::ffi::CString;
    let path = CString::new("/bin/true").expect("static path");
    let argv = [path.clone()];
    // SAFETY: the benchmark is single-threaded here (the pool is not used in this mode);
    // the child only execs or exits.
    match unsafe { nix::unistd::fork() }.expect("fork") {
        nix::unistd::ForkResult::Child => {
            let _ = nix::unistd::execv(&path, &argv);
            // SAFETY: leaving the child without running the parent's atexit handlers.
            unsafe { libc::_exit(127) }
        }
        nix::unistd::ForkResult::Parent { child } => {
            let _ = nix::sys::wait::waitpid(child, None);
        }
    }
}
