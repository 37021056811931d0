//! The CLI against a server vault (`--database-url` / `TOKENVAULT_DATABASE_URL`): every command
//! works as it does on a file, `copy` moves a vault between a file and the server, `import
//! --from-dbstore` migrates the SDK's table with the CSV import's summary, and no output ever
//! shows the database password. Needs `--features mysql` and `TOKENVAULT_TEST_MYSQL_URL`.
#![cfg(feature = "mysql")]

use assert_cmd::Command;
use predicates::prelude::*;

use crate::common::dbstore_sdk::{CREATE_TABLE, insert};
use crate::common::mysql::TestDb;
use crate::common::server::ServerDb;
use crate::support::{FAST_KDF, Scratch, compat_file, json_of};

/// The password in the test server's URL, which no output may contain.
fn password(db: &TestDb) -> String {
    url::Url::parse(&db.url)
        .unwrap()
        .password()
        .unwrap_or_default()
        .to_string()
}

/// `tokenvault` on the server vault, the URL in the environment.
fn cmd(scratch: &Scratch, db: &TestDb) -> Command {
    let mut cmd = scratch.cmd();
    cmd.env("TOKENVAULT_DATABASE_URL", &db.url);
    cmd
}

/// Runs and returns (stdout, stderr), checking that neither shows the password.
fn run(cmd: &mut Command, db: &TestDb) -> (String, String) {
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    let secret = password(db);
    assert!(
        secret.is_empty() || (!stdout.contains(&secret) && !stderr.contains(&secret)),
        "the password was printed"
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    (stdout, stderr)
}

#[test]
fn every_command_works_on_a_server_vault() {
    let Some(db) = TestDb::new("cli") else {
        return;
    };
    let s = Scratch::new();
    run(cmd(&s, &db).arg("init").args(FAST_KDF), &db);
    let typical = compat_file("typical.txt");
    let (stdout, _) = run(cmd(&s, &db).arg("import").arg(&typical), &db);
    assert!(stdout.contains("imported"), "{stdout}");

    // The same file imported into a file vault: the two list the same.
    let file_list = {
        s.import(&typical);
        s.cmd()
            .args(["--json", "list", "--reveal"])
            .output()
            .unwrap()
            .stdout
    };
    let (server_list, _) = run(cmd(&s, &db).args(["--json", "list", "--reveal"]), &db);
    assert_eq!(json_of(server_list.as_bytes()), json_of(&file_list));

    let info = json_of(run(cmd(&s, &db).args(["--json", "info"]), &db).0.as_bytes());
    assert!(info["vault"].as_str().unwrap().starts_with("mysql://"));
    run(cmd(&s, &db).args(["info", "--unlock"]), &db);
    run(cmd(&s, &db).arg("verify"), &db);
    let (id, _) = run(
        cmd(&s, &db)
            .arg("save")
            .write_stdin(r#"{"user_name": "new@zylker.com", "refresh_token": "1000.new"}"#),
        &db,
    );
    let (found, _) = run(
        cmd(&s, &db)
            .args(["--json", "find"])
            .write_stdin(r#"{"user_name": "new@zylker.com"}"#),
        &db,
    );
    assert_eq!(json_of(found.as_bytes())["token"]["id"], id.trim());
    run(cmd(&s, &db).args(["get", id.trim()]), &db);
    run(cmd(&s, &db).args(["delete", id.trim()]), &db);
    cmd(&s, &db).args(["get", id.trim()]).assert().code(1);
    run(cmd(&s, &db).arg("rotate-key"), &db);
    run(cmd(&s, &db).arg("compact"), &db);
    let exported = s.path("exported.txt");
    run(cmd(&s, &db).arg("export").arg(&exported), &db);
    assert_eq!(
        std::fs::read(&exported).unwrap(),
        std::fs::read(&typical).unwrap(),
        "export from the server is byte-identical to the SDK file"
    );
    run(cmd(&s, &db).args(["clear", "--yes"]), &db);
    let (empty, _) = run(cmd(&s, &db).args(["--json", "list"]), &db);
    assert_eq!(json_of(empty.as_bytes())["tokens"], serde_json::json!([]));
}

#[test]
fn init_on_a_database_with_a_vault_is_refused_and_a_wrong_passphrase_exits_3() {
    let Some(db) = TestDb::new("cliexists") else {
        return;
    };
    let s = Scratch::new();
    run(cmd(&s, &db).arg("init").args(FAST_KDF), &db);
    cmd(&s, &db)
        .arg("init")
        .args(FAST_KDF)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already holds a vault"));
    cmd(&s, &db)
        .env("TOKENVAULT_PASSPHRASE", "wrong")
        .arg("list")
        .assert()
        .code(3);
    // --database-url takes a server URL; one no engine serves is named as such.
    s.cmd()
        .args(["--database-url", "app@db/zohooauth", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("must be a server URL"));
    s.cmd()
        .args(["--database-url", "sqlserver://app@db/zohooauth", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no engine for sqlserver:// URLs"));
    // An unreachable server is a plain error (exit 2) that names the server, not the password.
    s.cmd()
        .args([
            "--database-url",
            "mysql://app:hunter2@127.0.0.1:1/zohooauth",
            "list",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("127.0.0.1:1").and(predicate::str::contains("hunter2").not()),
        );
}

#[test]
fn copy_moves_a_vault_from_a_file_to_the_server_and_back() {
    let Some(db) = TestDb::new("clicopy") else {
        return;
    };
    let s = Scratch::with_typical();
    let (_, stderr) = run(s.cmd().args(["copy", "--to", &db.url]), &db);
    assert!(stderr.contains("still sealed"), "{stderr}");
    let back = s.path("back.vault");
    run(cmd(&s, &db).args(["copy", "--to"]).arg(&back), &db);
    let listed = |cmd: &mut Command| {
        json_of(
            &cmd.args(["--json", "list", "--reveal"])
                .output()
                .unwrap()
                .stdout,
        )
    };
    let original = listed(&mut s.cmd());
    assert_eq!(listed(&mut cmd(&s, &db)), original);
    assert_eq!(listed(s.cmd().arg("--vault").arg(&back)), original);
    // The target must not hold a vault already.
    s.cmd()
        .args(["copy", "--to", &db.url])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already holds a vault"));
    s.cmd()
        .args(["copy", "--to"])
        .arg(&back)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
}

/// The SDK's DBStore table `oauthtoken` in `db`, holding the tokens of `typical.txt`.
fn typical_dbstore(db: &TestDb) -> Vec<tokenvault::Token> {
    let tokens =
        tokenvault::filestore::parse(&std::fs::read(compat_file("typical.txt")).unwrap()).unwrap();
    let mut conn = db.conn();
    mysql::prelude::Queryable::query_drop(&mut conn, CREATE_TABLE).unwrap();
    insert(&mut conn, "oauthtoken", &tokens);
    tokens
}

#[test]
fn import_from_dbstore_migrates_the_sdk_table_with_the_csv_summary() {
    let Some(db) = TestDb::new("clidbstore") else {
        return;
    };
    let tokens = typical_dbstore(&db);
    let s = Scratch::new();
    let source = format!("{}?table=oauthtoken", db.url);
    let (stdout, _) = run(
        cmd(&s, &db)
            .args(["--json", "import", "--create"])
            .args(FAST_KDF)
            .args(["--from-dbstore", &source]),
        &db,
    );
    let summary = json_of(stdout.as_bytes());
    assert_eq!(summary["created"], true);
    assert_eq!(summary["rows"], tokens.len());
    assert_eq!(
        summary["imported"].as_u64().unwrap() + summary["skipped"].as_array().unwrap().len() as u64,
        tokens.len() as u64
    );
    assert!(!summary["file"].as_str().unwrap().contains(&password(&db)));
    // The same tokens as the SDK file imported into a file vault (order aside: the DBStore's
    // is its key order).
    s.import(&compat_file("typical.txt"));
    let sorted = |v: serde_json::Value| {
        let mut tokens = v["tokens"].as_array().unwrap().clone();
        tokens.sort_by_key(|t| t["id"].as_str().unwrap().to_string());
        tokens
    };
    let from_file = json_of(
        &s.cmd()
            .args(["--json", "list", "--reveal"])
            .output()
            .unwrap()
            .stdout,
    );
    let (from_server, _) = run(cmd(&s, &db).args(["--json", "list", "--reveal"]), &db);
    assert_eq!(sorted(json_of(from_server.as_bytes())), sorted(from_file));
}

#[test]
fn import_takes_the_dbstore_url_from_the_environment_so_argv_holds_no_password() {
    let Some(db) = TestDb::new("clidbstoreenv") else {
        return;
    };
    let tokens = typical_dbstore(&db);
    let s = Scratch::new();
    let mut import = cmd(&s, &db);
    import
        .env(
            "TOKENVAULT_DBSTORE_URL",
            format!("{}?table=oauthtoken", db.url),
        )
        .args(["--json", "import", "--create"])
        .args(FAST_KDF);
    let (stdout, _) = run(&mut import, &db);
    let summary = json_of(stdout.as_bytes());
    assert_eq!(summary["rows"], tokens.len());
}
