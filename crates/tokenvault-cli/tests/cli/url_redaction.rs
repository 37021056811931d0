//! The command never prints a server URL's password, whatever characters it holds, and warns
//! when one is given on the command line (where `ps` and shell history see it) instead of in the
//! environment.

use crate::common::secret_urls::{HEAD, SPECIAL, TAIL, assert_hidden, passwords};
use crate::support::Scratch;

#[test]
fn the_cli_never_prints_a_password_with_reserved_characters() {
    let s = Scratch::new();
    let mut passwords = passwords();
    // The CLI is slower to run: the first placement of each character, and the mixes.
    passwords.retain(|p| p.starts_with(HEAD) && !p.ends_with(|c: char| SPECIAL.contains(&c)));
    for password in passwords {
        let url = format!("mysql://app:{password}@db.example.com/zoho");
        let closed = format!("mysql://app:{password}@127.0.0.1:9/zoho?connect_timeout=1");
        let runs: [&[&str]; 4] = [
            &["--database-url", &url, "info"],
            &["--database-url", &closed, "list"],
            &["import", "--from-dbstore", &url],
            &["copy", "--to", &closed],
        ];
        for args in runs {
            let out = s.cmd().args(args).output().unwrap();
            assert!(!out.status.success(), "{args:?}");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_hidden(&stdout, &format!("{args:?}"));
            assert_hidden(&stderr, &format!("{args:?}"));
        }
    }
}

/// The warning a URL with a password on the command line gets.
const ARGV_WARNING: &str = "on the command line";

#[test]
fn a_password_on_the_command_line_is_warned_about_without_showing_it() {
    let s = Scratch::new();
    let url = format!("mysql://app:{HEAD}{TAIL}@127.0.0.1:9/zoho?connect_timeout=1");
    let runs: [(&[&str], &str); 3] = [
        (&["--database-url", &url, "info"], "TOKENVAULT_DATABASE_URL"),
        (
            &["import", "--from-dbstore", &url],
            "TOKENVAULT_DBSTORE_URL",
        ),
        (&["copy", "--to", &url], "TOKENVAULT_COPY_TO"),
    ];
    for (args, variable) in runs {
        let out = s.cmd().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("warning:")
                && stderr.contains(ARGV_WARNING)
                && stderr.contains(variable),
            "{args:?}: {stderr}"
        );
        assert_hidden(&stderr, &url);
    }
}

#[test]
fn a_password_in_the_environment_or_a_url_without_one_gets_no_command_line_warning() {
    let s = Scratch::new();
    let with = format!("mysql://app:{HEAD}{TAIL}@127.0.0.1:9/zoho?connect_timeout=1");
    let without = "mysql://app@127.0.0.1:9/zoho?connect_timeout=1";
    let mut runs = Vec::new();
    let mut cmd = s.cmd();
    cmd.env("TOKENVAULT_DATABASE_URL", &with).arg("info");
    runs.push(cmd);
    let mut cmd = s.cmd();
    cmd.env("TOKENVAULT_DBSTORE_URL", &with).arg("import");
    runs.push(cmd);
    let mut cmd = s.cmd();
    cmd.env("TOKENVAULT_COPY_TO", &with).arg("copy");
    runs.push(cmd);
    let mut cmd = s.cmd();
    cmd.args(["--database-url", without, "info"]);
    runs.push(cmd);
    let mut cmd = s.cmd();
    cmd.args(["import", "--from-dbstore", without]);
    runs.push(cmd);
    for mut cmd in runs {
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains(ARGV_WARNING), "{cmd:?}: {stderr}");
        assert_hidden(&stderr, &with);
    }
}
