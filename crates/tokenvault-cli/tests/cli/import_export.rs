//! `import` and `export`: the SDK's token file in and out, byte for byte, all or nothing.

use std::path::PathBuf;

use crate::support::{FAST_KDF, HEADER, Scratch, compat_file, data_dir, json_of};
use predicates::prelude::*;

/// Every file the real SDK wrote, with what export must give back (the legacy 9-column file
/// comes back in the 10-column form the SDK upgrades it to).
fn sdk_files() -> Vec<(PathBuf, PathBuf)> {
    let dir = data_dir().join("compat/files");
    let mut files: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(&dir)
        .expect("tests/data/compat/files")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| (p.clone(), p))
        .collect();
    let legacy = dir.join("legacy");
    files.push((
        legacy.join("nine-columns.txt"),
        legacy.join("nine-columns.upgraded.txt"),
    ));
    files.push((
        legacy.join("nine-columns.upgraded.txt"),
        legacy.join("nine-columns.upgraded.txt"),
    ));
    assert!(files.len() >= 7, "{files:?}");
    files
}

#[test]
fn import_then_export_is_byte_identical_for_every_sdk_file() {
    for (input, expected) in sdk_files() {
        let s = Scratch::new();
        s.import(&input);
        s.cmd().args(["export", "out.txt"]).assert().success();
        let exported = std::fs::read(s.path("out.txt")).unwrap();
        let expected = std::fs::read(&expected).unwrap();
        assert!(
            exported == expected,
            "{}: export differs:\n{}",
            input.display(),
            String::from_utf8_lossy(&exported)
        );
        assert!(
            s.export() == expected,
            "{}: `export -` differs",
            input.display()
        );
    }
}

#[test]
fn import_reports_counts_and_keeps_ids() {
    let s = Scratch::new();
    let out = s
        .cmd()
        .args(["--json", "import", "--create"])
        .args(FAST_KDF)
        .arg(compat_file("after-deletes.txt"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let summary = json_of(&out.stdout);
    assert_eq!(summary["created"], true);
    assert_eq!(summary["imported"], summary["rows"]);
    assert_eq!(summary["updated"], 0);
    assert_eq!(summary["skipped"], serde_json::json!([]));
    // after-deletes.txt has ids with gaps (1, 3, 4, 6, 42…): they are kept.
    s.cmd()
        .args(["get", "42"])
        .assert()
        .success()
        .stdout(predicate::str::contains("id             42"));
    s.cmd().args(["get", "2"]).assert().code(1);
}

#[test]
fn importing_the_same_file_twice_updates_the_same_tokens() {
    let s = Scratch::with_typical();
    s.cmd()
        .args(["import"])
        .arg(compat_file("typical.txt"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "0 imported, 3 updated, 0 skipped (3 rows",
        ));
    assert_eq!(
        s.export(),
        std::fs::read(compat_file("typical.txt")).unwrap()
    );
}

#[test]
fn a_row_the_filestore_stores_without_user_or_token_migrates_and_exports_the_same() {
    // The FileStore stores a token with neither user name nor OAuth token and gives it an id;
    // migrating its file must keep that row like any other.
    let s = Scratch::new();
    let content =
        format!("{HEADER}1,ann@zylker.com,1000.C,sa,1000.rt,,,,,\r\n2,,1000.C,sb,,,,,,\r\n");
    let file = s.file("tokens.txt", content.clone());
    s.import_creating(&file)
        .success()
        .stdout(predicate::str::contains("2 imported, 0 updated, 0 skipped"));
    assert_eq!(s.export(), content.into_bytes());
}

#[test]
fn rows_the_sdk_would_refuse_are_skipped_with_a_reason() {
    let s = Scratch::new();
    let file = s.file(
        "tokens.txt",
        format!("{HEADER}1,ann@zylker.com,,,,1000.at,,,,\r\n2,bob@zylker.com,1000.C,,,,,,,\r\n"),
    );
    s.import_creating(&file)
        .success()
        .stdout(predicate::str::contains("1 imported, 0 updated, 1 skipped"))
        .stdout(predicate::str::contains(
            "skipped row 2 (id 2): user authentication details not found",
        ));
    let out = s
        .cmd()
        .args(["--json", "import"])
        .arg(&file)
        .output()
        .unwrap();
    let summary = json_of(&out.stdout);
    assert_eq!(summary["skipped"][0]["row"], 2);
    assert_eq!(summary["skipped"][0]["id"], "2");
}

#[test]
fn import_reads_stdin_given_a_dash() {
    let s = Scratch::new();
    s.cmd()
        .args(["import", "--create"])
        .args(FAST_KDF)
        .arg("-")
        .write_stdin(std::fs::read(compat_file("quoting.txt")).unwrap())
        .assert()
        .success()
        .stdout(predicate::str::contains("2 imported"))
        // No progress bar when stderr is not a terminal: nothing but FAST_KDF's warning.
        .stderr(predicate::function(|err: &str| {
            err.lines()
                .all(|line| line.starts_with("warning: Argon2id settings below the floor"))
        }));
    assert_eq!(
        s.export(),
        std::fs::read(compat_file("quoting.txt")).unwrap()
    );
}

/// Hostile inputs: each is a clear error naming the line (never a value), exit 2, and the
/// vault is exactly as it was.
#[test]
fn hostile_token_files_are_rejected_and_change_nothing() {
    let s = Scratch::with_typical();
    let before_export = s.export();
    let before_generation = s.info()["generation"].clone();
    let mut huge = HEADER.as_bytes().to_vec();
    huge.extend_from_slice(b"9,,,,,");
    huge.extend(std::iter::repeat_n(b'a', 10 * 1024 * 1024));
    huge.extend_from_slice(b",,,,\r\n");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "short row",
            format!("{HEADER}7,ann,,,,1000.at,,,,\r\n8,bob,c\r\n").into_bytes(),
            "line 3: 3 fields, the header has 10",
        ),
        (
            "extra columns",
            format!("{HEADER}7,ann,,,,1000.at,,,,,extra\r\n").into_bytes(),
            "line 2: 11 fields",
        ),
        (
            "bad UTF-8",
            [HEADER.as_bytes(), b"7,\xff\xfe,,,,1000.at,,,,\r\n"].concat(),
            "line 2: field user_name is not valid UTF-8",
        ),
        (
            "10 MB field",
            huge,
            "line 2: field access_token is 10485760 bytes",
        ),
        (
            "not a token file",
            b"hello,world\r\n".to_vec(),
            "line 1: not a FileStore token file",
        ),
        (
            "non-numeric id",
            format!("{HEADER}seven,ann,,,,1000.at,,,,\r\n").into_bytes(),
            "line 2: id is not a decimal number",
        ),
    ];
    for (what, contents, expected) in cases {
        let file = s.file("hostile.txt", &contents);
        let out = s.cmd().arg("import").arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(stderr.contains(expected), "{what}: {stderr}");
        assert!(stderr.contains("nothing was imported"), "{what}: {stderr}");
        assert!(
            !stderr.contains("1000.at"),
            "{what}: a value leaked: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{what}: one sentence: {stderr}");
        assert!(out.stdout.is_empty(), "{what}");
        assert!(s.export() == before_export, "{what}: the vault changed");
        assert_eq!(s.info()["generation"], before_generation, "{what}");
    }
}

#[test]
fn a_bad_file_with_create_leaves_no_vault_behind() {
    let s = Scratch::new();
    let file = s.file("bad.txt", format!("{HEADER}1,a,b\r\n"));
    s.import_creating(&file).code(2);
    assert!(!s.vault().exists());
    // A file that parses but whose import fails (after a good row, a token whose fields are each
    // within the file's limit but together over a record's): the vault made for it goes with it.
    let big = "a".repeat(tokenvault::filestore::MAX_FIELD_LEN);
    let file = s.file(
        "late.txt",
        format!("{HEADER}1,ann,,,,1000.at,,,,\r\n2,bob,{big},{big},{big},{big},{big},,,\r\n"),
    );
    s.import_creating(&file)
        .code(2)
        .stderr(predicate::str::contains("too large"));
    assert!(!s.vault().exists());
}

#[test]
fn import_without_create_needs_an_existing_vault() {
    let s = Scratch::new();
    s.cmd()
        .arg("import")
        .arg(compat_file("typical.txt"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no vault at tokens.vault"))
        .stderr(predicate::str::contains("import --create"));
    assert!(!s.vault().exists());
}

#[test]
fn kdf_options_on_an_existing_vault_are_refused() {
    let s = Scratch::with_typical();
    s.cmd()
        .args(["import", "--kdf-iterations", "2"])
        .arg(compat_file("typical.txt"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("passwd"));
}

#[test]
fn export_warns_that_it_is_plaintext_and_creates_a_private_file() {
    let s = Scratch::with_typical();
    s.cmd()
        .args(["export", "out.txt"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("warning:"))
        .stderr(predicate::str::contains("plain text"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.path("out.txt"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    s.cmd()
        .args(["export", "-"])
        .assert()
        .success()
        .stderr(predicate::str::contains("plain text"));
}

#[test]
fn export_refuses_to_overwrite_unless_forced() {
    let s = Scratch::with_typical();
    let existing = s.file("out.txt", "keep me");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    s.cmd()
        .args(["export", "out.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");
    s.cmd()
        .args(["export", "--force", "out.txt"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&existing).unwrap(),
        std::fs::read(compat_file("typical.txt")).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&existing).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a replaced file is private too");
    }
    let leftovers: Vec<_> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn export_json_reports_the_count() {
    let s = Scratch::with_typical();
    let out = s
        .cmd()
        .args(["--json", "export", "out.txt"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(json_of(&out.stdout)["exported"], 3);
    s.cmd().args(["--json", "export", "-"]).assert().code(2);
}

/// The README's first command, as written: default KDF, the bundled sample, then `list`.
#[test]
fn the_readme_demo_migrates_the_bundled_sample() {
    let sample =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/sdk_tokens.txt");
    let s = Scratch::new();
    s.bare()
        .env("TOKENVAULT_PASSPHRASE", "demo")
        .args(["import", "--create"])
        .arg(&sample)
        .assert()
        .success()
        .stdout(predicate::str::contains("3 imported, 0 updated, 0 skipped"));
    s.bare()
        .env("TOKENVAULT_PASSPHRASE", "demo")
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::contains("ann@zylker.com"))
        .stdout(predicate::str::contains("bob@zylker.eu"));
    let exported = s
        .bare()
        .env("TOKENVAULT_PASSPHRASE", "demo")
        .args(["export", "-"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(
        exported,
        std::fs::read(&sample).unwrap(),
        "the sample is in the SDK's exact form"
    );
}
