//! The vault as a whole: `init`, where the vault and the passphrase come from, `info`,
//! `passwd`, `rotate-key`, `verify`, `compact`, `completions`, and the help that documents it
//! (the KDF settings of a new key: `kdf.rs`).

use crate::support::{FAST_KDF, PASSPHRASE, Scratch, compat_file, json_of};
use predicates::prelude::*;

fn typical() -> Vec<u8> {
    std::fs::read(compat_file("typical.txt")).unwrap()
}

#[test]
fn init_creates_a_private_vault_with_the_given_kdf() {
    let s = Scratch::new();
    s.cmd()
        .arg("init")
        .args(FAST_KDF)
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(
            "Created tokens.vault (Argon2id, 8 KiB, 1 pass, 1 lane)",
        ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.vault()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let info = s.info();
    assert_eq!(info["format_version"], 2);
    assert_eq!(info["slots"][0]["name"], "passphrase");
    assert_eq!(info["slots"][0]["kind"], "passphrase");
    assert_eq!(info["slots"][0]["kdf"]["memory_kib"], 8);
    assert_eq!(info["slots"][0]["kdf"]["iterations"], 1);
    assert_eq!(info["slots"][0]["kdf"]["parallelism"], 1);
    assert_eq!(info["token_count"], 0);
}

#[test]
fn init_refuses_to_overwrite_anything() {
    let s = Scratch::with_typical();
    let before = std::fs::read(s.vault()).unwrap();
    s.cmd()
        .arg("init")
        .args(FAST_KDF)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "tokens.vault already exists; refusing to overwrite it",
        ));
    assert!(std::fs::read(s.vault()).unwrap() == before);
    let other = s.file("notes.txt", "precious");
    s.cmd()
        .args(["--vault", "notes.txt", "init"])
        .args(FAST_KDF)
        .assert()
        .code(2);
    assert_eq!(std::fs::read(other).unwrap(), b"precious");
}

#[test]
fn vault_path_comes_from_the_flag_then_the_environment_then_the_default() {
    let s = Scratch::new();
    s.cmd()
        .env("TOKENVAULT_PATH", "from-env.vault")
        .arg("init")
        .args(FAST_KDF)
        .assert()
        .success();
    assert!(s.path("from-env.vault").exists());
    s.cmd()
        .env("TOKENVAULT_PATH", "from-env.vault")
        .args(["--vault", "from-flag.vault", "init"])
        .args(FAST_KDF)
        .assert()
        .success();
    assert!(s.path("from-flag.vault").exists());
    s.cmd().arg("init").args(FAST_KDF).assert().success();
    assert!(s.path("tokens.vault").exists());
}

#[test]
fn passphrase_comes_from_the_environment_then_the_first_line_of_a_file() {
    let s = Scratch::with_typical();
    let file = s.file("pass.txt", format!("{PASSPHRASE}\r\nsecond line\n"));
    s.bare()
        .arg("--passphrase-file")
        .arg(&file)
        .arg("list")
        .assert()
        .success();
    // The environment wins over the file.
    let wrong = s.file("wrong.txt", "not it\n");
    s.cmd()
        .arg("--passphrase-file")
        .arg(&wrong)
        .arg("list")
        .assert()
        .success();
    s.bare()
        .arg("--passphrase-file")
        .arg(&wrong)
        .arg("list")
        .assert()
        .code(3);
    s.bare()
        .args(["--passphrase-file", "missing.txt", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read the passphrase file (--passphrase-file) missing.txt",
        ));
    let empty = s.file("empty.txt", "\n");
    s.bare()
        .arg("--passphrase-file")
        .arg(&empty)
        .arg("list")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is empty"));
}

/// A shell command that prints `text` and a newline.
fn printing(text: &str) -> String {
    format!("printf '%s\\n' '{text}'")
}

#[test]
fn passphrase_sources_are_tried_in_the_documented_order() {
    let s = Scratch::with_typical();
    let right_file = s.file("right.txt", format!("{PASSPHRASE}\n"));
    let wrong_file = s.file("wrong.txt", "not it\n");
    let (right, wrong) = (printing(PASSPHRASE), printing("not it"));
    let list = |env: Option<&str>,
                file: Option<&std::path::Path>,
                env_cmd: Option<&str>,
                flag_cmd: Option<&str>| {
        let mut cmd = s.bare();
        if let Some(value) = env {
            cmd.env("TOKENVAULT_PASSPHRASE", value);
        }
        if let Some(path) = file {
            cmd.arg("--passphrase-file").arg(path);
        }
        if let Some(command) = env_cmd {
            cmd.env("TOKENVAULT_PASSPHRASE_COMMAND", command);
        }
        if let Some(command) = flag_cmd {
            cmd.args(["--passphrase-command", command]);
        }
        cmd.arg("list").assert()
    };
    // 1. TOKENVAULT_PASSPHRASE before the file and the command.
    list(
        Some(PASSPHRASE),
        Some(&wrong_file),
        Some(&wrong),
        Some(&wrong),
    )
    .success();
    list(Some("not it"), Some(&right_file), Some(&right), None).code(3);
    // 2. The file before the command.
    list(None, Some(&right_file), Some(&wrong), Some(&wrong)).success();
    list(None, Some(&wrong_file), Some(&right), Some(&right)).code(3);
    // 3. The command: the flag before the variable.
    list(None, None, Some(&right), None).success();
    list(None, None, None, Some(&right)).success();
    list(None, None, Some(&wrong), Some(&right)).success();
    list(None, None, Some(&right), Some(&wrong)).code(3);
}

#[test]
fn a_vault_is_created_and_opened_with_a_passphrase_command() {
    let s = Scratch::new();
    s.bare()
        .env("TOKENVAULT_PASSPHRASE_COMMAND", printing("from a command"))
        .arg("init")
        .args(FAST_KDF)
        .assert()
        .success()
        .stderr(predicate::str::contains("from a command").not());
    // One trailing newline removed, nothing else: the same passphrase from the environment.
    s.bare()
        .env("TOKENVAULT_PASSPHRASE", "from a command")
        .arg("list")
        .assert()
        .success();
}

#[test]
fn a_failing_passphrase_command_names_its_exit_status_but_never_its_output() {
    let s = Scratch::with_typical();
    let generation = s.info()["generation"].clone();
    for (command, expected) in [
        ("printf 'leaked-secret'; exit 7", "exited with status 7"),
        ("true", "printed no passphrase"),
        (
            "no-such-program-tokenvault-test",
            "status 127 (command not found)",
        ),
    ] {
        s.bare()
            .args(["--passphrase-command", command, "delete", "1"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expected))
            .stderr(predicate::str::contains("passphrase command"))
            .stderr(predicate::str::contains("leaked-secret").not());
    }
    assert_eq!(s.info()["generation"], generation, "nothing was changed");
}

#[test]
fn the_passphrase_command_reads_nothing_from_the_clis_stdin() {
    let s = Scratch::with_typical();
    // Given the CLI's stdin (data piped in for `find`, `save` or `import -`), this command would
    // read a line of it and print the wrong passphrase.
    let command = format!(
        "if read -r line; then printf 'from stdin %s\\n' \"$line\"; else {}; fi",
        printing(PASSPHRASE)
    );
    s.bare()
        .args(["--passphrase-command", &command, "list"])
        .write_stdin("{\"user_name\": \"dee@zylker.com\"}\n")
        .assert()
        .success();
}

#[test]
fn a_passphrase_file_other_users_can_read_gets_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::with_typical();
    let file = s.file("pass.txt", format!("{PASSPHRASE}\n"));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    s.bare()
        .arg("--passphrase-file")
        .arg(&file)
        .arg("list")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: the passphrase file (--passphrase-file)",
        ))
        .stderr(predicate::str::contains(
            "can be accessed by other users (mode 644)",
        ))
        .stderr(predicate::str::contains(PASSPHRASE).not());
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    s.bare()
        .arg("--passphrase-file")
        .arg(&file)
        .arg("list")
        .assert()
        .success()
        .stderr(predicate::str::contains("warning").not());
}

#[test]
fn info_needs_no_passphrase_and_unlock_authenticates_it() {
    let s = Scratch::with_typical();
    let out = s.bare().arg("info").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for line in [
        "format version  2",
        "key slots       passphrase (Argon2id, 8 KiB, 1 pass, 1 lane)",
        "tokens          3",
        "authenticated   no",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    for key in [
        "store id",
        "created",
        "generation",
        "encryptions",
        "file size",
    ] {
        assert!(text.contains(key), "{key} in\n{text}");
    }
    let plain = json_of(&s.bare().args(["--json", "info"]).output().unwrap().stdout);
    let unlocked = s.info();
    assert_eq!(plain["authenticated"], false);
    assert_eq!(unlocked["authenticated"], true);
    for key in [
        "format_version",
        "store_id",
        "slots",
        "created",
        "generation",
        "encryption_count",
        "token_count",
    ] {
        assert_eq!(plain[key], unlocked[key], "{key}");
    }
    // The size is shown both ways, but an unlocking open checks the file's integrity, which
    // rebuilds redb's allocator state and may change the size.
    assert!(plain["file_size"].as_u64().unwrap() > 0);
    assert!(unlocked["file_size"].as_u64().unwrap() > 0);
    assert_eq!(unlocked["encryption_count"], 3);
    s.bare()
        .env("TOKENVAULT_PASSPHRASE", "wrong")
        .args(["info", "--unlock"])
        .assert()
        .code(3);
}

#[test]
fn passwd_changes_the_passphrase_and_optionally_the_kdf() {
    let s = Scratch::with_typical();
    s.cmd()
        .env("TOKENVAULT_NEW_PASSPHRASE", "a brand new passphrase")
        .args(["passwd", "--kdf-memory-kib", "16", "--insecure-kdf"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "Changed the passphrase of the slot passphrase of tokens.vault (Argon2id, 16 KiB, 1 pass, 1 lane)",
        ));
    s.cmd().arg("list").assert().code(3);
    let new = || {
        let mut cmd = s.bare();
        cmd.env("TOKENVAULT_PASSPHRASE", "a brand new passphrase");
        cmd
    };
    new()
        .args(["export", "-"])
        .assert()
        .success()
        .stdout(typical());
    let info = json_of(&new().args(["--json", "info"]).output().unwrap().stdout);
    assert_eq!(info["slots"][0]["kdf"]["memory_kib"], 16);

    let file = s.file("next.txt", "third passphrase\n");
    new()
        .args(["passwd", "--insecure-kdf"])
        .arg("--new-passphrase-file")
        .arg(&file)
        .assert()
        .success();
    s.bare()
        .arg("--passphrase-file")
        .arg(&file)
        .args(["export", "-"])
        .assert()
        .success()
        .stdout(typical());
}

#[test]
fn passwd_without_a_new_passphrase_source_or_terminal_changes_nothing() {
    let s = Scratch::with_typical();
    let generation = s.info()["generation"].clone();
    let mut cmd = std::process::Command::new("setsid");
    cmd.arg("--wait")
        .arg(crate::support::binary())
        .args(["passwd", "--insecure-kdf"])
        .current_dir(s.dir.path())
        .env("TOKENVAULT_PASSPHRASE", PASSPHRASE)
        .env_remove("TOKENVAULT_NEW_PASSPHRASE")
        .env_remove("TOKENVAULT_PATH");
    assert_cmd::Command::from_std(cmd)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no passphrase: set TOKENVAULT_NEW_PASSPHRASE, pass --new-passphrase-file PATH",
        ));
    assert_eq!(s.info()["generation"], generation);
    s.cmd().arg("list").assert().success();
}

#[test]
fn rotate_key_keeps_every_token_and_resets_the_encryption_count() {
    let s = Scratch::new();
    s.import(&compat_file("many.txt"));
    let before = s.info();
    s.cmd()
        .arg("rotate-key")
        .assert()
        .success()
        .stderr(predicate::str::contains("tokens re-sealed"));
    let after = s.info();
    assert_eq!(after["token_count"], before["token_count"]);
    assert_eq!(after["encryption_count"], before["token_count"]);
    assert_eq!(s.export(), std::fs::read(compat_file("many.txt")).unwrap());
    s.cmd().arg("verify").assert().success();
    let json = json_of(
        &s.cmd()
            .args(["--json", "rotate-key"])
            .output()
            .unwrap()
            .stdout,
    );
    assert_eq!(json["rotated"], true);
    assert_eq!(json["tokens"], before["token_count"]);
}

#[test]
fn verify_of_a_sound_vault_reports_what_it_checked() {
    let s = Scratch::with_typical();
    s.cmd()
        .arg("verify")
        .assert()
        .success()
        .stdout("tokens.vault: 3 records decrypted, 7 index entries checked, 0 problems\n");
    let report = json_of(&s.cmd().args(["--json", "verify"]).output().unwrap().stdout);
    assert_eq!(report["ok"], true);
    assert_eq!(report["problems"], serde_json::json!([]));
}

#[test]
fn compact_shrinks_the_file_and_keeps_every_token() {
    let s = Scratch::new();
    s.import(&compat_file("many.txt"));
    s.cmd().args(["clear", "--yes"]).assert().success();
    s.cmd()
        .arg("import")
        .arg(compat_file("typical.txt"))
        .assert()
        .success();
    let out = s.cmd().args(["--json", "compact"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sizes = json_of(&out.stdout);
    let (before, after) = (
        sizes["size_before"].as_u64().unwrap(),
        sizes["size_after"].as_u64().unwrap(),
    );
    assert!(after < before, "{sizes}");
    assert_eq!(s.export(), typical());
    s.cmd()
        .arg("compact")
        .assert()
        .success()
        .stderr(predicate::str::contains("Compacted tokens.vault:"));
}

#[test]
fn completions_are_generated_for_each_shell() {
    let s = Scratch::new();
    for (shell, marker) in [
        ("bash", "_tokenvault()"),
        ("zsh", "#compdef tokenvault"),
        ("fish", "complete -c tokenvault"),
    ] {
        s.bare()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker))
            .stdout(predicate::str::contains("rotate-key"));
    }
    s.bare().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn help_documents_the_contract() {
    let s = Scratch::new();
    let out = s.bare().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "TOKENVAULT_PATH",
        "TOKENVAULT_PASSPHRASE",
        "--passphrase-file",
        "TOKENVAULT_NEW_PASSPHRASE",
        "./tokens.vault",
        "never a command-line value",
        "1  not found",
        "2  usage or other error",
        "3  wrong passphrase",
        "4  corrupted or tampered vault",
        "5  vault busy",
        "--json",
        "--reveal",
        "NO_COLOR",
    ] {
        assert!(help.contains(needle), "{needle:?} missing from --help");
    }
    s.bare()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("tokenvault "));
}

#[test]
fn opening_a_vault_other_users_can_read_prints_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::with_typical();
    s.cmd()
        .arg("list")
        .assert()
        .success()
        .stderr(predicate::str::contains("other users").not());
    std::fs::set_permissions(s.vault(), std::fs::Permissions::from_mode(0o644)).unwrap();
    s.cmd()
        .arg("list")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "can be accessed by other users (mode 644)",
        ))
        .stderr(predicate::str::contains("chmod 600"));
}
