//! Shared by the server test binaries: `rhvm serve` started with its stderr collected line
//! by line, waiting on the listener announcements (`rhvm: listening on KIND ADDR`) for
//! ports, and killed by PID on drop.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Every stderr line so far, and a signal for each new one.
type Log = Arc<(Mutex<Vec<String>>, Condvar)>;

/// A running `rhvm serve`.
pub struct Serve {
    pub child: Child,
    log: Log,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// Starts `rhvm serve ARGS...`.
    pub fn start(args: &[String]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rhvm"))
            .arg("serve")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rhvm serve");
        let stderr = child.stderr.take().expect("piped stderr");
        let log: Log = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                lines.0.lock().expect("log lock").push(line);
                lines.1.notify_all();
            }
        });
        Serve { child, log }
    }

    /// The stderr lines so far (error and access logs go there by default).
    #[allow(dead_code)] // not every test binary reads the whole log
    pub fn log(&self) -> Vec<String> {
        self.log.0.lock().expect("log lock").clone()
    }

    /// The first stderr line for which `pick` gives a value, waiting for new lines up to
    /// `timeout`; `None` when none came.
    pub fn wait_for<T>(&self, timeout: Duration, pick: impl Fn(&str) -> Option<T>) -> Option<T> {
        let deadline = Instant::now() + timeout;
        let (lock, cond) = &*self.log;
        let mut lines = lock.lock().expect("log lock");
        loop {
            if let Some(found) = lines.iter().find_map(|l| pick(l)) {
                return Some(found);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            lines = cond.wait_timeout(lines, left).expect("log lock").0;
        }
    }

    /// The port of the first announced listener among `kinds` (`"fastcgi"`, `"http"`,
    /// `"admin"`) on 127.0.0.1, waiting up to `timeout`.
    pub fn port(&self, kinds: &[&str], timeout: Duration) -> Option<u16> {
        self.wait_for(timeout, |line| {
            kinds.iter().find_map(|k| {
                let rest = line.strip_prefix(&format!("rhvm: listening on {k} 127.0.0.1:"))?;
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            })
        })
    }
}
