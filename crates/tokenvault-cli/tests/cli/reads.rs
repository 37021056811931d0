//! Reads write nothing (docs/RELIABILITY.md §Reads write nothing): every command that only reads
//! leaves the vault's bytes as they were and makes no sync call, and a vault that the user may
//! not write (mode 0400, a read-only mount) can be listed and exported.

use std::path::Path;
use std::process::Command;

use crate::common::syncs::{run_traced, strace_available};
use crate::support::{PASSPHRASE, Scratch, binary};

/// The commands that only read, each with its standard input.
const READ_COMMANDS: [(&[&str], &str); 8] = [
    (&["list"], ""),
    (&["list", "--json"], ""),
    (&["get", "2"], ""),
    (&["find"], r#"{"user_name": "sales@zylker.com"}"#),
    (&["export", "-"], ""),
    (&["info"], ""),
    (&["slot", "list"], ""),
    (&["verify"], ""),
];

/// The vault's bytes, compared whole.
fn digest(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read the vault")
}

/// `tokenvault ARGS` in `s`'s directory, as `Scratch::cmd` runs it, as a plain command.
fn command(s: &Scratch, args: &[&str]) -> Command {
    let mut cmd = Command::new(binary());
    cmd.current_dir(s.dir.path())
        .env_remove("TOKENVAULT_PATH")
        .env_remove("TOKENVAULT_DATABASE_URL")
        .env_remove("TOKENVAULT_KEY_FILE")
        .env_remove("TOKENVAULT_RECOVERY_KEY")
        .env_remove("TOKENVAULT_PASSPHRASE_COMMAND")
        .env("TOKENVAULT_PASSPHRASE", PASSPHRASE)
        .args(args);
    cmd
}

#[test]
fn every_read_command_leaves_the_vault_bytes_unchanged() {
    let s = Scratch::with_typical();
    let before = digest(&s.vault());
    for (args, stdin) in READ_COMMANDS {
        s.cmd().args(args).write_stdin(stdin).assert().success();
        // Compared whole, shown only as "changed": the bytes are a vault's.
        assert!(
            digest(&s.vault()) == before,
            "`tokenvault {args:?}` changed the vault"
        );
    }
}

#[test]
fn every_read_command_makes_no_sync_call() {
    if let Some(reason) = strace_available() {
        println!("skipped: {reason}");
        return;
    }
    let s = Scratch::with_typical();
    let log = s.path("strace.log");
    for (args, stdin) in READ_COMMANDS {
        let (output, traced) = run_traced(&command(&s, args), stdin.as_bytes(), &log);
        assert!(
            output.status.success(),
            "`tokenvault {args:?}` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(traced.syncs, 0, "`tokenvault {args:?}` synced");
    }
    // The count sees syncs where there are some: a save makes its commit durable.
    let (output, traced) = run_traced(
        &command(&s, &["save"]),
        br#"{"user_name": "new@zylker.com", "refresh_token": "r", "client_id": "c"}"#,
        &log,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        traced.syncs > 0,
        "a save made no sync call: the count sees nothing"
    );
}

/// The user who runs the command owns the vault, with mode 0400: reading works, and writing is
/// refused. Root's writes are not stopped by a mode (CAP_DAC_OVERRIDE), so as root the commands
/// run as root without any capability (setpriv clears the bounding set): the mode binds them as
/// it binds any owner. Not as another user: the command under test may live where only root
/// reaches it (CI runs the pip-installed command from a venv under /root).
#[test]
fn a_vault_of_mode_0400_can_be_listed_and_exported() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::with_typical();
    let expected = s.export();
    let vault = s.vault();
    let as_root = nix_is_root();
    if as_root
        && !Command::new("setpriv")
            .arg("--help")
            .output()
            .is_ok_and(|o| o.status.success())
    {
        println!("skipped: root, without setpriv to drop the capabilities that bypass a mode");
        return;
    }
    std::fs::set_permissions(&vault, std::fs::Permissions::from_mode(0o400)).unwrap();
    let before = digest(&vault);
    let run = |args: &[&str], stdin: &str| {
        let mut cmd = if as_root {
            let mut cmd = Command::new("setpriv");
            cmd.args(["--inh-caps=-all", "--bounding-set=-all"])
                .arg(binary());
            cmd.current_dir(s.dir.path())
                .env("TOKENVAULT_PASSPHRASE", PASSPHRASE)
                .env_remove("TOKENVAULT_KEY_FILE")
                .env_remove("TOKENVAULT_RECOVERY_KEY")
                .env_remove("TOKENVAULT_PASSPHRASE_COMMAND")
                .args(args);
            cmd
        } else {
            command(&s, args)
        };
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run tokenvault");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().expect("wait for tokenvault")
    };
    let listed = run(&["list"], "");
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert!(String::from_utf8_lossy(&listed.stdout).contains("sales@zylker.com"));
    let exported = run(&["export", "-"], "");
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    assert_eq!(exported.stdout, expected);
    // A write is refused with the path and the reason, and changes nothing.
    let saved = run(
        &["save"],
        r#"{"user_name": "new@zylker.com", "refresh_token": "r"}"#,
    );
    assert!(
        !saved.status.success(),
        "a save into a 0400 vault succeeded"
    );
    let said = String::from_utf8_lossy(&saved.stderr);
    assert!(said.contains("for writing"), "{said}");
    assert!(digest(&vault) == before, "the vault changed");
}

/// A vault on a read-only bind mount (a mount namespace of its own: `unshare -m`, which needs
/// root or an unprivileged user namespace).
#[test]
fn a_vault_on_a_read_only_mount_can_be_listed_and_exported() {
    let s = Scratch::with_typical();
    let expected = s.export();
    let before = digest(&s.vault());
    let mount = s.path("ro");
    std::fs::create_dir(&mount).unwrap();
    // Exit 97: the mount could not be made; else the exit of the command run inside it.
    let script = r#"
        dir=$1; mount=$2; shift 2
        mount --bind "$dir" "$mount" 2>/dev/null && mount -o remount,bind,ro "$mount" 2>/dev/null || exit 97
        touch "$mount/probe" 2>/dev/null && exit 97
        cd "$mount" && exec "$@"
    "#;
    let run = |args: &[&str]| {
        let mut unshare = Command::new("unshare");
        if !nix_is_root() {
            // A user namespace in which this user is root, where the kernel allows it.
            unshare.arg("--map-root-user");
        }
        unshare
            .args(["--mount", "sh", "-c", script, "sh"])
            .arg(s.dir.path())
            .arg(&mount)
            .arg(binary())
            .args(args)
            .current_dir(s.dir.path())
            .env("TOKENVAULT_PASSPHRASE", PASSPHRASE)
            .env_remove("TOKENVAULT_KEY_FILE")
            .env_remove("TOKENVAULT_RECOVERY_KEY")
            .env_remove("TOKENVAULT_PASSPHRASE_COMMAND")
            .output()
    };
    let listed = match run(&["list"]) {
        Ok(out) if out.status.code() != Some(97) => out,
        _ => {
            println!("skipped: cannot make a read-only bind mount here (unshare -m and mount)");
            return;
        }
    };
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert!(String::from_utf8_lossy(&listed.stdout).contains("sales@zylker.com"));
    let exported = run(&["export", "-"]).unwrap();
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    assert_eq!(exported.stdout, expected);
    let verified = run(&["verify"]).unwrap();
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(digest(&s.vault()) == before, "the vault changed");
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
