//! What a process syncs and writes to disk, counted by `strace` (the only tool that sees every
//! `fsync`/`fdatasync` of a process and its threads without changing the code under test).
//!
//! CI installs strace (.ci/steps/10-rust.sh). Where it is missing outside CI, the counting tests
//! print why they did not count and check the rest; under CI (`CI` set) a missing strace fails.

use std::path::Path;
use std::process::{Command, Output};

/// The system calls that make data durable, or write to a file.
const SYNCS: [&str; 6] = [
    "fsync",
    "fdatasync",
    "sync_file_range",
    "syncfs",
    "sync",
    "msync",
];

/// How many sync calls a traced process made.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Traced {
    pub syncs: u64,
}

/// Whether strace can trace here; `None` with the reason when it cannot, which fails under CI.
pub fn strace_available() -> Option<&'static str> {
    let works = Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null", "-e", "trace=none", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if works {
        return None;
    }
    let reason = "strace is missing or cannot trace here (ptrace refused)";
    assert!(
        std::env::var_os("CI").is_none(),
        "{reason}: CI installs it (.ci/steps/10-rust.sh)"
    );
    Some(reason)
}

/// Runs `cmd`'s program and arguments (with its environment and directory) under strace,
/// following every thread and child, with `stdin` as its input; counts its sync calls. The trace
/// goes to `log`.
pub fn run_traced(cmd: &Command, stdin: &[u8], log: &Path) -> (Output, Traced) {
    use std::io::Write;
    use std::process::Stdio;
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let mut traced = Command::new("strace");
    traced
        .args(["-f", "-qq", "-o"])
        .arg(log)
        .arg("-e")
        .arg(format!("trace={}", SYNCS.join(",")))
        .arg(program)
        .args(args);
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => traced.env(key, value),
            None => traced.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        traced.current_dir(dir);
    }
    traced
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = traced.spawn().expect("run strace");
    let mut input = child.stdin.take().expect("piped stdin");
    input.write_all(stdin).expect("write the input");
    drop(input);
    let output = child.wait_with_output().expect("wait for strace");
    (output, count(log))
}

/// Counts the sync calls in a strace log (one call a line, `PID name(args) = result`, or split
/// into `<unfinished ...>` and `<... name resumed>` lines, counted once).
pub fn count(log: &Path) -> Traced {
    let text = std::fs::read_to_string(log).expect("read the strace log");
    let mut traced = Traced::default();
    for line in text.lines() {
        if line.contains("resumed>") {
            continue;
        }
        let call = line
            .split_whitespace()
            .nth(1)
            .and_then(|rest| rest.split('(').next())
            .unwrap_or("");
        if SYNCS.contains(&call) {
            traced.syncs += 1;
        }
    }
    traced
}
