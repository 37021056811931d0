//! Where a passphrase comes from, for the front ends: a command whose output is the passphrase
//! (any secret manager's CLI), and the check that a file holding a secret is private. The CLI and
//! the Python package call these rather than each running commands their own way; which source
//! wins is theirs to document (README "Contract", python/README.md), and the same in both.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::backoff::with_backoff;
use crate::error::Error;

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
pub fn passphrase_from_command(
    command: &str,
    timeout: Duration,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let failed = |what: String| Error::PassphraseCommand { what };
    if command.trim().is_empty() {
        return Err(failed("it is empty".into()));
    }
    let deadline = Instant::now() + timeout;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| failed(format!("it could not be started with `sh -c`: {e}")))?;
    let Some(mut stdout) = child.stdout.take() else {
        return Err(Error::internal("a piped child process has no stdout"));
    };
    // Drained on its own thread, so a command that prints more than a pipe holds is not
    // blocked while this one waits for it to exit.
    let (sender, output) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buffer = Zeroizing::new(Vec::new());
        let limit = PASSPHRASE_COMMAND_MAX_OUTPUT as u64 + 1;
        let read = (&mut stdout)
            .take(limit)
            .read_to_end(&mut buffer)
            // Past the limit, the rest is drained unread, so the command is not left blocked.
            .and_then(|_| std::io::copy(&mut stdout, &mut std::io::sink()));
        // The receiver may have given up (timeout): then the output is simply dropped (wiped).
        let _ = sender.send(read.map(|_| buffer));
    });
    let status = wait_until(&mut child, deadline).ok_or_else(|| {
        failed(format!(
            "it did not finish within {} s and was stopped",
            timeout.as_secs_f64()
        ))
    })?;
    if !status.success() {
        return Err(failed(describe_failure(status)));
    }
    let remaining = deadline.saturating_duration_since(Instant::now());
    let mut out = match output.recv_timeout(remaining) {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return Err(failed(format!("its output could not be read: {e}"))),
        // Exited, but something it started still holds its output open.
        Err(_) => {
            return Err(failed(format!(
                "its output did not end within {} s (a process it started keeps it open)",
                timeout.as_secs_f64()
            )));
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

/// Waits for `child` until `deadline`; past it, kills it and returns `None`.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    let timeout = deadline.saturating_duration_since(Instant::now());
    match with_backoff(timeout, || child.try_wait().map_err(drop), drop) {
        Ok(status) => Some(status),
        Err(()) => {
            let _ = child.kill();
            let _ = child.wait();
            None
        }
    }
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

/// A warning when a file that holds a secret (a passphrase file) can be read or changed by other
/// users, or `None`; `None` too where the file cannot be examined or the platform has no Unix
/// permissions. Front ends print it and go on: the file is still used.
pub fn secret_file_warning(path: &Path, what: &str) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        if mode & 0o077 != 0 {
            return Some(format!(
                "{what} {} can be accessed by other users (mode {:03o}); anyone who can read it can unlock the vault: restrict it with `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what);
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUICK: Duration = Duration::from_secs(20);

    fn run(command: &str) -> Result<Vec<u8>, String> {
        passphrase_from_command(command, QUICK)
            .map(|p| p.to_vec())
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
    fn too_much_output_is_refused() {
        let e = run("head -c 1100000 /dev/zero").unwrap_err();
        assert!(e.contains("more than 1048576 bytes"), "{e}");
        assert_eq!(run("head -c 1048576 /dev/zero").unwrap().len(), 1_048_576);
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_file_others_can_read_gets_a_warning() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pass.txt");
        std::fs::write(&path, "secret\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let warning = secret_file_warning(&path, "the passphrase file").unwrap();
        assert!(warning.contains("mode 644"), "{warning}");
        assert!(warning.contains("chmod 600"), "{warning}");
        assert!(!warning.contains("secret\n"), "{warning}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(secret_file_warning(&path, "the passphrase file"), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert_eq!(secret_file_warning(&path, "the passphrase file"), None);
    }
}
