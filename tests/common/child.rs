//! Child processes for multi-process tests: the test binary re-runs itself, restricted to one
//! test, with an environment variable naming the child's role. No extra binary is needed.
//!
//! A child reports on stdout in lines starting with [`REPORT`] (libtest's own lines never do);
//! the parent reads them as they come, through a thread per child.

use std::fmt::Display;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

pub const ROLE_VAR: &str = "TOKENVAULT_TEST_ROLE";
pub const REPORT: &str = "@@ ";

/// The role this process was started in, if it is a child.
pub fn role() -> Option<String> {
    std::env::var(ROLE_VAR).ok()
}

/// An environment variable the parent set for this child.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("child: {name} is not set"))
}

/// Writes one report line and flushes it, so the parent has it even if this process is killed
/// right after.
pub fn report(line: impl Display) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{REPORT}{line}").expect("report to parent");
    out.flush().expect("flush report");
}

/// This test binary, restricted to the test named `test_name` (its function name: the module
/// path it has in this binary is looked up), in `role`.
pub fn command(test_name: &str, role: &str) -> Command {
    let exe = std::env::current_exe().expect("path of the test binary");
    let full = full_test_name(&exe, test_name);
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", &full, "--nocapture", "--test-threads=1"])
        .env(ROLE_VAR, role)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd
}

/// The name libtest gives the test function `name` in this binary (`reliability::crash::name`
/// when the test binary holds modules), from its `--list`: one binary runs many concerns'
/// tests, and a child must run exactly its own.
fn full_test_name(exe: &std::path::Path, name: &str) -> String {
    static LISTED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let listed = LISTED.get_or_init(|| {
        let out = Command::new(exe)
            .args(["--list", "--format", "terse", "--include-ignored"])
            .env_remove(ROLE_VAR)
            .output()
            .expect("list the tests of this binary");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| line.strip_suffix(": test"))
            .map(str::to_string)
            .collect()
    });
    let matching: Vec<&String> = listed
        .iter()
        .filter(|full| *full == name || full.ends_with(&format!("::{name}")))
        .collect();
    match matching.as_slice() {
        [one] => one.to_string(),
        [] => panic!("no test named {name} in this binary"),
        many => panic!("{name} names several tests of this binary: {many:?}"),
    }
}

/// A running child and the report lines it has written so far.
pub struct Reporter {
    pub child: Child,
    lines: Receiver<String>,
    pub seen: Vec<String>,
}

impl Reporter {
    pub fn spawn(mut cmd: Command) -> Reporter {
        let mut child = cmd.spawn().expect("spawn child test process");
        let stdout = child.stdout.take().expect("child stdout is piped");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // libtest may have written "test name ... " on the same line first.
                if let Some(at) = line.find(REPORT) {
                    if tx.send(line[at + REPORT.len()..].to_string()).is_err() {
                        break;
                    }
                }
            }
        });
        Reporter {
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }

    /// Waits for a report line starting with `prefix`; `None` if the child exits or `timeout`
    /// passes first.
    pub fn wait_for(&mut self, prefix: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.starts_with(prefix) {
                        return Some(line);
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Kills the child with SIGKILL (no cleanup of any kind runs in it).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }

    /// Waits for the child to exit and returns its status and every report line.
    pub fn finish(mut self) -> (ExitStatus, Vec<String>) {
        let status = self.child.wait().expect("wait for child");
        // The reader thread ends at EOF, which follows the exit.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) {
            self.seen.push(line);
        }
        (status, std::mem::take(&mut self.seen))
    }
}

/// A parent that fails an assertion must not leave its children waiting forever.
impl Drop for Reporter {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
