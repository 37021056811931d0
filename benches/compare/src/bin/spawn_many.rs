//! Starts N copies of a command at once and reports, from `wait4`, when each exited, its peak
//! resident set and its CPU time (`benches/slots/run.py`; N = 1 times a single process).
//!   spawn_many [--stdin FILE] [--stdout FILE] N PROGRAM [ARGS...]
//! Each child reads FILE on stdin (default /dev/null) and appends to the --stdout FILE (default
//! /dev/null); stderr and the environment are this process's. Prints one JSON object:
//! `wall_us` (first start to last exit), `spawn_us` (starting them all), `floor_kib` (see below),
//! `peak_sum_kib_sampled` (the largest sum of the live children's resident sets, read from
//! /proc every millisecond) and per child `code` (exit code, or null if killed), `exit_us`,
//! `maxrss_kib`, `user_us`, `sys_us`.
//!
//! Why a launcher, not Python's own `os.wait4`: Linux's `ru_maxrss` of a child is at least the
//! peak resident set of the memory it was started from (the parent's, before `exec`), so every
//! child of a Python interpreter reports at least the interpreter's ~13 MiB, `/bin/true`
//! included. Started from this small program, the floor is this program's own peak (`VmHWM`,
//! ~2 MiB), printed as `floor_kib`: a child's `maxrss_kib` is the larger of that and its own
//! peak.

use std::fs::{File, OpenOptions};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn timeval_us(t: libc::timeval) -> f64 {
    t.tv_sec as f64 * 1e6 + t.tv_usec as f64
}

/// This process's memory's peak resident set, KiB (`VmHWM`: not `getrusage`'s `ru_maxrss`, which
/// also counts the process this one was started from).
fn own_peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// The summed resident set of `pids` now, KiB (a child that has exited counts 0).
fn rss_sum_kib(pids: &[u32], page_kib: u64) -> u64 {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/statm")).ok())
        .filter_map(|statm| statm.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum::<u64>()
        * page_kib
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let (mut stdin, mut stdout) = (None, None);
    while let Some(flag) = args.next_if(|a| a.starts_with("--")) {
        let value = args.next().expect("a value after the flag");
        match flag.as_str() {
            "--stdin" => stdin = Some(value),
            "--stdout" => stdout = Some(value),
            _ => panic!("unknown flag {flag}"),
        }
    }
    let usage = "usage: spawn_many [--stdin FILE] [--stdout FILE] N PROGRAM [ARGS...]";
    let n: usize = args.next().and_then(|a| a.parse().ok()).expect(usage);
    let program = args.next().expect(usage);
    let rest: Vec<String> = args.collect();
    // SAFETY: sysconf has no preconditions.
    let page_kib = (unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64 / 1024).max(1);

    let mut commands: Vec<Command> = (0..n)
        .map(|_| {
            let mut command = Command::new(&program);
            command.args(&rest).stderr(Stdio::inherit());
            command.stdin(match &stdin {
                Some(path) => Stdio::from(File::open(path).expect("--stdin file")),
                None => Stdio::null(),
            });
            command.stdout(match &stdout {
                Some(path) => Stdio::from(
                    OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .expect("--stdout file"),
                ),
                None => Stdio::null(),
            });
            command
        })
        .collect();
    let floor_kib = own_peak_kib();

    let started = Instant::now();
    let children: Vec<_> = commands
        .iter_mut()
        .map(|c| c.spawn().expect("spawn"))
        .collect();
    let spawn = started.elapsed();
    let pids: Vec<u32> = children.iter().map(|c| c.id()).collect();

    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (done, pids) = (done.clone(), pids.clone());
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(Ordering::Relaxed) {
                peak = peak.max(rss_sum_kib(&pids, page_kib));
                std::thread::sleep(Duration::from_millis(1));
            }
            peak
        })
    };

    let mut results = Vec::with_capacity(n);
    for _ in 0..n {
        let mut status = 0;
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 writes the status and the usage it is given; -1 waits for any child.
        let pid = unsafe { libc::wait4(-1, &mut status, 0, &mut usage) };
        assert!(pid > 0, "wait4: {}", std::io::Error::last_os_error());
        let exited = started.elapsed();
        let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
        results.push(serde_json::json!({
            "pid": pid,
            "code": code,
            "exit_us": micros(exited),
            "maxrss_kib": usage.ru_maxrss,
            "user_us": timeval_us(usage.ru_utime),
            "sys_us": timeval_us(usage.ru_stime),
        }));
    }
    let wall = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let peak_sum = sampler.join().expect("sampler");
    drop(children);
    println!(
        "{}",
        serde_json::json!({
            "wall_us": micros(wall),
            "spawn_us": micros(spawn),
            "floor_kib": floor_kib,
            "peak_sum_kib_sampled": peak_sum,
            "children": results,
        })
    );
}
