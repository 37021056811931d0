//! The passphrase command: `sh -c` in a process group of its own, with none of tokenvault's
//! secret variables, its output read up to a limit, stopped (with every process it started) at
//! the timeout; a failure names its status, never its output.
//!
//! Separate from `file.rs`: running and reaping a process is its own concern, with its own
//! platform code and tests.

use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::read_into;
use crate::backoff::with_backoff;
use crate::error::Error;
use crate::secret_bytes::SecretBytes;

/// How long [`passphrase_from_command`] waits for a passphrase command unless told otherwise:
/// long enough for a secret manager that asks its user to confirm on a terminal or a phone.
pub const PASSPHRASE_COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The most output a passphrase command may print: a passphrase, not a file.
pub const PASSPHRASE_COMMAND_MAX_OUTPUT: usize = 1024 * 1024;

/// Runs `command` with `sh -c` and returns what it prints on standard output, minus one trailing
/// line end (`\n` or `\r\n`), as the passphrase: raw bytes, nothing else trimmed or converted.
/// Works with any secret manager's CLI (`op read op://vault/item/field`, `pass show tokenvault`,
/// `vault kv get -field=passphrase secret/tokenvault`, `aws secretsmanager get-secret-value
/// --secret-id tokenvault --query SecretString --output text`).
///
/// The command's standard input is `/dev/null` (never the caller's, which may be the JSON a CLI
/// command reads); its standard error is the caller's, so its own messages reach the user; a
/// command that needs the person at the terminal opens `/dev/tty`, as `ssh` and `gpg` do. The
/// output is kept in a buffer wiped when dropped and is never shown, logged or put in an error.
///
/// Fails with [`Error::PassphraseCommand`], naming what happened and never the output: the
/// command cannot be started, exits with a status other than 0 or is killed by a signal,
/// prints nothing (an empty passphrase), prints more than [`PASSPHRASE_COMMAND_MAX_OUTPUT`]
/// bytes, or has not finished after `timeout` (it is then killed).
pub fn passphrase_from_command(command: &str, timeout: Duration) -> Result<SecretBytes, Error> {
    run_passphrase_command(command, timeout, Group::for_this_process()).map(SecretBytes::from_wiped)
}

/// The variables that hold tokenvault's secrets: the passphrases, the recovery key, and the
/// server URLs (which may carry a database password). A passphrase command runs without them:
/// it needs none of them to print the passphrase, and a secret manager's CLI, a plug-in or a
/// wrapper script it runs has no business seeing the others (`slot add --passphrase` has the
/// new passphrase in `TOKENVAULT_NEW_PASSPHRASE` while the command prints the current one).
/// `TOKENVAULT_KEY_FILE`, `TOKENVAULT_PATH` and the command itself are paths and settings, not
/// secrets, and stay.
const SECRET_VARIABLES: [&str; 5] = [
    "TOKENVAULT_PASSPHRASE",
    "TOKENVAULT_NEW_PASSPHRASE",
    "TOKENVAULT_RECOVERY_KEY",
    "TOKENVAULT_DATABASE_URL",
    "TOKENVAULT_DBSTORE_URL",
];

/// How long the output is still waited for once the command's process group was killed: the
/// pipe closes as soon as the killed processes are gone, so this only matters when a process
/// left the group (`setsid`) and keeps the pipe open; the caller does not wait for that one.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// How long the output of a command that exited is given to end before its group is killed:
/// the drain thread reads the last bytes and sends them.
const SETTLE: Duration = Duration::from_millis(200);

/// Which process group the command runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Group {
    /// A group of its own, killed as a whole when the command is stopped: nothing it started
    /// (a `yes`, a `sleep &`) outlives it, keeps writing, or keeps its output open.
    Own,
    /// The caller's, when the caller is the foreground job of a terminal: a command in another
    /// group that reads the terminal (`/dev/tty`, as a prompt for a key's passphrase does) would
    /// be stopped by SIGTTIN and never finish. The person at the terminal is there, and Ctrl-C
    /// reaches everything the command started; only the command itself is killed at its
    /// deadline.
    Callers,
}

impl Group {
    fn for_this_process() -> Group {
        #[cfg(unix)]
        {
            let foreground = std::fs::File::open("/dev/tty")
                .ok()
                .and_then(|tty| nix::unistd::tcgetpgrp(&tty).ok());
            if foreground == Some(nix::unistd::getpgrp()) {
                return Group::Callers;
            }
        }
        Group::Own
    }
}

fn run_passphrase_command(
    command: &str,
    timeout: Duration,
    group: Group,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let failed = |what: String| Error::PassphraseCommand { what };
    if command.trim().is_empty() {
        return Err(failed("it is empty".into()));
    }
    let deadline = Instant::now() + timeout;
    let mut child = shell(command, group)
        .spawn()
        .map_err(|e| failed(format!("it could not be started with `sh -c`: {e}")))?;
    let Some(mut stdout) = child.stdout.take() else {
        stop(&mut child, group);
        return Err(Error::internal("a piped child process has no stdout"));
    };
    // Drained on its own thread, so a command that prints more than a pipe holds is not
    // blocked while this one waits for it to exit. The thread ends when the pipe closes: when
    // every process holding it has exited or was killed with the group (`stop`).
    let (sender, output) = mpsc::channel();
    let drain = std::thread::Builder::new()
        .name(drain_thread_name(child.id()))
        .spawn(move || {
            let mut buffer = Zeroizing::new(vec![0; PASSPHRASE_COMMAND_MAX_OUTPUT + 1]);
            let read = read_into(&mut stdout, &mut buffer)
                // Past the limit, the rest is drained unread, so the command is not left blocked.
                .and_then(|n| std::io::copy(&mut stdout, &mut std::io::sink()).map(|_| n));
            let read = read.map(|n| {
                buffer.truncate(n);
                buffer
            });
            // The receiver may have given up: then the output is simply dropped (wiped).
            let _ = sender.send(read);
        });
    let drain = match drain {
        Ok(drain) => drain,
        Err(e) => {
            stop(&mut child, group);
            return Err(failed(format!("its output could not be read: {e}")));
        }
    };
    // Every error from here on leaves nothing running: the command is stopped (its whole group)
    // unless it has exited and its output ended, and the drain thread is waited for (boundedly)
    // until it has seen the pipe close. `exited`: the shell has exited and been reaped; its pid,
    // the group's id, then stays reserved only while some process of the group lives, so the
    // group is killed only when something still holds the output open, a process of the group
    // (or one that left it, which nothing here can reach).
    let give_up = |child: &mut Child, exited: bool, what: String| {
        let pending = |wait| matches!(output.recv_timeout(wait), Err(RecvTimeoutError::Timeout));
        if !exited || pending(SETTLE) {
            stop(child, group);
            if pending(DRAIN_GRACE) {
                return Err(failed(what));
            }
        }
        // It has sent its last message (or is gone), so it is ending: this returns at once.
        let _ = drain.join();
        Err(failed(what))
    };
    let Some(status) = wait_until(&mut child, deadline) else {
        return give_up(
            &mut child,
            false,
            format!(
                "it did not finish within {} s and was stopped",
                timeout.as_secs_f64()
            ),
        );
    };
    if !status.success() {
        return give_up(&mut child, true, describe_failure(status));
    }
    let remaining = deadline.saturating_duration_since(Instant::now());
    let mut out = match output.recv_timeout(remaining) {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => {
            return give_up(
                &mut child,
                true,
                format!("its output could not be read: {e}"),
            );
        }
        // Exited, but something it started still holds its output open.
        Err(_) => {
            return give_up(
                &mut child,
                true,
                format!(
                    "its output did not end within {} s (a process it started keeps it open) and was stopped",
                    timeout.as_secs_f64()
                ),
            );
        }
    };
    if out.len() > PASSPHRASE_COMMAND_MAX_OUTPUT {
        return Err(failed(format!(
            "it printed more than {PASSPHRASE_COMMAND_MAX_OUTPUT} bytes; a passphrase command prints the passphrase alone"
        )));
    }
    if out.last() == Some(&b'\n') {
        out.pop();
        if out.last() == Some(&b'\r') {
            out.pop();
        }
    }
    if out.is_empty() {
        return Err(failed(
            "it exited with status 0 but printed no passphrase (an empty passphrase protects nothing)"
                .into(),
        ));
    }
    Ok(out)
}

/// The `sh -c` that runs a passphrase command: no stdin, none of [`SECRET_VARIABLES`], and in
/// its own process group when `group` says so (its pid is then the group's id).
fn shell(command: &str, group: Group) -> Command {
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for variable in SECRET_VARIABLES {
        shell.env_remove(variable);
    }
    #[cfg(unix)]
    if group == Group::Own {
        use std::os::unix::process::CommandExt;
        shell.process_group(0);
    }
    #[cfg(not(unix))]
    let _ = group;
    shell
}

/// The name of the thread that drains the output of the command whose shell is `pid`.
fn drain_thread_name(pid: u32) -> String {
    format!("passcmd-{pid}")
}

/// Waits for `child` until `deadline`; `None` past it (the caller stops it).
fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    let timeout = deadline.saturating_duration_since(Instant::now());
    with_backoff(timeout, || child.try_wait().map_err(drop), drop).ok()
}

/// Kills the command: with [`Group::Own`], its whole process group (SIGKILL), so that what it
/// started goes too; then the shell itself, which is reaped.
///
/// The group is killed before the shell is reaped where it is still running. Where the shell
/// has already exited and been reaped (a process it started kept the output open), the group
/// id stays in use, and so is not given to another process, while any process of the group
/// lives; an empty group makes `killpg` fail harmlessly.
fn stop(child: &mut Child, group: Group) {
    #[cfg(unix)]
    if group == Group::Own
        && let Ok(pid) = i32::try_from(child.id())
    {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    #[cfg(not(unix))]
    let _ = group;
    let _ = child.kill();
    let _ = child.wait();
}

/// "it exited with status 2", or the signal that ended it. Never the output.
fn describe_failure(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        let hint = match code {
            127 => " (command not found)",
            126 => " (not executable)",
            _ => "",
        };
        return format!(
            "it exited with status {code}{hint}; nothing it printed on standard output is shown"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("it was killed by signal {signal}");
        }
    }
    format!("it failed ({status})")
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUICK: Duration = Duration::from_secs(20);

    fn run(command: &str) -> Result<Vec<u8>, String> {
        passphrase_from_command(command, QUICK)
            .map(|p| p.expose().to_vec())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_passphrase_is_the_output_minus_one_trailing_line_end() {
        assert_eq!(run("printf 'pass word\\n'").unwrap(), b"pass word");
        assert_eq!(run("printf 'pass word\\r\\n'").unwrap(), b"pass word");
        assert_eq!(run("printf 'pass word'").unwrap(), b"pass word");
        assert_eq!(run("printf ' spaced \\n\\n'").unwrap(), b" spaced \n");
        assert_eq!(run("printf 'two\\nlines\\n'").unwrap(), b"two\nlines");
        assert_eq!(run("printf '\\377\\376'").unwrap(), b"\xff\xfe");
    }

    #[test]
    fn a_failing_command_names_its_status_and_never_its_output() {
        let e = run("printf 'hunter2-secret'; exit 3").unwrap_err();
        assert!(e.contains("exited with status 3"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let e = run("no-such-command-tokenvault-test").unwrap_err();
        assert!(e.contains("status 127 (command not found)"), "{e}");
        let e = run("printf 'hunter2-secret'; kill -9 $$").unwrap_err();
        assert!(e.contains("killed by signal 9"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn an_empty_output_or_command_is_refused() {
        for command in ["true", "printf '\\n'", "printf '\\r\\n'"] {
            let e = run(command).unwrap_err();
            assert!(e.contains("printed no passphrase"), "{command}: {e}");
        }
        assert!(run("  ").unwrap_err().contains("it is empty"));
    }

    #[test]
    fn a_command_that_does_not_finish_is_stopped_at_the_timeout() {
        let started = Instant::now();
        let e = passphrase_from_command("sleep 30", Duration::from_millis(300)).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "{e}");
        assert!(e.to_string().contains("did not finish within 0.3 s"), "{e}");
        // Exited, but a background process keeps the output open.
        let e = passphrase_from_command("printf x; sleep 30 &", Duration::from_millis(300))
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "{e}");
        assert!(e.to_string().contains("output did not end"), "{e}");
    }

    #[test]
    fn the_passphrase_command_is_given_none_of_tokenvaults_secret_variables() {
        let shell = shell("true", Group::Own);
        let removed: Vec<_> = shell
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name.to_owned())
            .collect();
        for secret in [
            "TOKENVAULT_PASSPHRASE",
            "TOKENVAULT_NEW_PASSPHRASE",
            "TOKENVAULT_RECOVERY_KEY",
            "TOKENVAULT_DATABASE_URL",
            "TOKENVAULT_DBSTORE_URL",
        ] {
            assert!(
                removed.iter().any(|name| name == secret),
                "{secret} is passed on"
            );
        }
    }

    /// Whether process `pid` still runs: its /proc entry is there and it is not a zombie (a
    /// zombie runs nothing; its parent, maybe init, reaps it when it gets to it).
    #[cfg(target_os = "linux")]
    fn running(pid: u32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            // The state follows the command name, which is in parentheses.
            stat.rsplit_once(')')
                .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
        })
    }

    /// Whether a thread of this process drains the output of the command whose shell is `pid`.
    #[cfg(target_os = "linux")]
    fn draining(pid: u32) -> bool {
        let name = drain_thread_name(pid);
        std::fs::read_dir("/proc/self/task").unwrap().any(|task| {
            std::fs::read_to_string(task.unwrap().path().join("comm"))
                .is_ok_and(|comm| comm.trim_end() == name)
        })
    }

    /// Runs `command`, which writes the pids of its shell and of the processes it starts to the
    /// file `$PIDS`, and expects it to fail; returns the error and those pids.
    #[cfg(target_os = "linux")]
    fn run_writing_pids(command: &str, timeout: Duration) -> (String, Vec<u32>) {
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pids");
        let command = format!("PIDS='{}'; {command}", pids.display());
        let e = run_passphrase_command(&command, timeout, Group::Own).unwrap_err();
        let written = std::fs::read_to_string(&pids).unwrap();
        let pids: Vec<u32> = written
            .split_whitespace()
            .map(|p| p.parse().unwrap())
            .collect();
        (e.to_string(), pids)
    }

    /// Waits (boundedly) for none of `pids` to run and for no thread to drain the output of the
    /// first (the shell), and says which still do.
    #[cfg(target_os = "linux")]
    fn left_behind(pids: &[u32]) -> (Vec<u32>, bool) {
        let started = Instant::now();
        loop {
            let alive: Vec<u32> = pids.iter().copied().filter(|&pid| running(pid)).collect();
            let thread = draining(pids[0]);
            if (alive.is_empty() && !thread) || started.elapsed() > Duration::from_secs(10) {
                return (alive, thread);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_command_past_its_timeout_is_killed_with_every_process_it_started_and_is_no_longer_read() {
        // `yes` fills the pipe for as long as it runs, `sleep` holds it open without writing.
        let (e, pids) = run_writing_pids(
            "echo $$ > \"$PIDS\"; sleep 300 & echo $! >> \"$PIDS\"; yes & echo $! >> \"$PIDS\"; wait",
            Duration::from_secs(1),
        );
        assert!(e.contains("did not finish within 1 s"), "{e}");
        assert_eq!(pids.len(), 3, "{pids:?}");
        let (alive, thread) = left_behind(&pids);
        assert!(alive.is_empty(), "still running: {alive:?} of {pids:?}");
        assert!(!thread, "the output is still being drained");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_process_left_holding_the_output_open_is_killed_and_its_output_no_longer_read() {
        let (e, pids) = run_writing_pids(
            "echo $$ > \"$PIDS\"; printf x; sleep 300 & echo $! >> \"$PIDS\"",
            Duration::from_secs(1),
        );
        assert!(e.contains("output did not end"), "{e}");
        assert_eq!(pids.len(), 2, "{pids:?}");
        let (alive, thread) = left_behind(&pids);
        assert!(alive.is_empty(), "still running: {alive:?} of {pids:?}");
        assert!(!thread, "the output is still being drained");
    }

    #[test]
    fn too_much_output_is_refused() {
        let e = run("head -c 1100000 /dev/zero").unwrap_err();
        assert!(e.contains("more than 1048576 bytes"), "{e}");
        assert_eq!(run("head -c 1048576 /dev/zero").unwrap().len(), 1_048_576);
    }
}
