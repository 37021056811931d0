//! The CLI against a PostgreSQL vault: `copy` moves a vault between a file, PostgreSQL and MySQL
//! in every direction (file → PostgreSQL → MySQL → PostgreSQL → file; file ↔ MySQL is
//! tests/cli/mysql.rs), each copy listing exactly the original, and no output ever shows a
//! database password. Needs `--features postgres` and `TOKENVAULT_TEST_POSTGRES_URL`; the MySQL
//! legs also `--features mysql` and `TOKENVAULT_TEST_MYSQL_URL`.

use assert_cmd::Command;

use crate::common::postgres::TestDb;
use crate::common::server::ServerDb;
use crate::support::{FAST_KDF, Scratch, json_of};

/// The password in `url`, which no output may contain.
fn password(url: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .password()
        .unwrap_or_default()
        .to_string()
}

/// Runs `cmd` and returns its stderr, checking it succeeded and showed none of `urls`' passwords.
fn run(cmd: &mut Command, urls: &[&str]) -> String {
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    for url in urls {
        let secret = password(url);
        assert!(
            secret.is_empty() || (!stdout.contains(&secret) && !stderr.contains(&secret)),
            "a password was printed"
        );
    }
    assert!(out.status.success(), "{stdout}\n{stderr}");
    stderr
}

/// `tokenvault list --reveal --json` of the vault at `location` (a path or a URL).
fn listed(s: &Scratch, location: &str) -> serde_json::Value {
    let mut cmd = s.cmd();
    if location.contains("://") {
        cmd.env("TOKENVAULT_DATABASE_URL", location);
    } else {
        cmd.arg("--vault").arg(location);
    }
    json_of(
        &cmd.args(["--json", "list", "--reveal"])
            .output()
            .unwrap()
            .stdout,
    )
}

/// `tokenvault copy` from `from` (a path or a URL) to `to`; the copy lists as the original.
fn copy(s: &Scratch, from: &str, to: &str, urls: &[&str]) {
    let mut cmd = s.cmd();
    if from.contains("://") {
        cmd.env("TOKENVAULT_DATABASE_URL", from);
    } else {
        cmd.arg("--vault").arg(from);
    }
    let stderr = run(cmd.args(["copy", "--to", to]), urls);
    assert!(stderr.contains("still sealed"), "{stderr}");
    assert_eq!(listed(s, to), listed(s, from), "{to} lists as {from}");
}

#[test]
fn copy_moves_a_vault_between_a_file_postgres_and_mysql_in_every_direction() {
    let Some(first) = TestDb::new("clicopy") else {
        return;
    };
    let Some(second) = TestDb::new("clicopyback") else {
        return;
    };
    let s = Scratch::with_typical();
    let file = s.vault().display().to_string();
    let back = s.path("back.vault").display().to_string();
    let original = listed(&s, &file);
    assert!(
        original["tokens"]
            .as_array()
            .is_some_and(|tokens| !tokens.is_empty()),
        "{original}"
    );

    copy(&s, &file, &first.url, &[&first.url]);
    #[cfg(feature = "mysql")]
    let mysql = crate::common::mysql::TestDb::new("clicopypg");
    #[cfg(feature = "mysql")]
    let last_server = match &mysql {
        Some(mysql) => {
            let urls = [first.url.as_str(), mysql.url.as_str(), second.url.as_str()];
            copy(&s, &first.url, &mysql.url, &urls);
            copy(&s, &mysql.url, &second.url, &urls);
            &second.url
        }
        None => &first.url,
    };
    #[cfg(not(feature = "mysql"))]
    let last_server = &first.url;
    copy(&s, last_server, &back, &[last_server]);
    assert_eq!(listed(&s, &back), original);
    // The new vault opens with the original's passphrase and is the same vault.
    run(
        s.cmd().args(["--vault", &back, "verify"]),
        &[&first.url, &second.url],
    );
}

#[test]
fn every_command_of_a_session_works_on_a_postgres_vault() {
    let Some(db) = TestDb::new("cli") else {
        return;
    };
    let s = Scratch::new();
    let urls = [db.url.as_str()];
    let cmd = || {
        let mut cmd = s.cmd();
        cmd.env("TOKENVAULT_DATABASE_URL", &db.url);
        cmd
    };
    run(cmd().arg("init").args(FAST_KDF), &urls);
    run(
        cmd()
            .arg("import")
            .arg(crate::support::compat_file("typical.txt")),
        &urls,
    );
    for args in [
        &["list"][..],
        &["info"],
        &["verify"],
        &["compact"],
        &["rotate-key"],
    ] {
        run(cmd().args(args), &urls);
    }
    let listed = listed(&s, &db.url);
    assert!(
        listed["tokens"].as_array().is_some_and(|t| !t.is_empty()),
        "{listed}"
    );
}
