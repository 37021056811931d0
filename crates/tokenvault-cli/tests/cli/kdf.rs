//! Argon2id settings of a new passphrase key: the caps, the floor (RFC 9106's second
//! recommendation) and its explicit opt-out, Argon2's own minimums, for `init`, `import --create`
//! and `passwd`.

use crate::support::{FAST_KDF, Scratch, compat_file};
use predicates::prelude::*;

#[test]
fn init_validates_kdf_parameters_against_the_caps() {
    let s = Scratch::new();
    for (args, expected) in [
        (
            &["--kdf-memory-kib", "2000000"][..],
            "2000000 is not in 8..=1048576",
        ),
        (&["--kdf-iterations", "0"], "0 is not in 1..=16"),
        (&["--kdf-parallelism", "17"], "17 is not in 1..=16"),
        (
            &["--kdf-memory-kib", "1048576", "--kdf-iterations", "16"],
            "KDF cost over the cap",
        ),
        (
            &["--kdf-memory-kib", "8", "--kdf-parallelism", "4"],
            "invalid KDF parameters",
        ),
    ] {
        s.cmd()
            .arg("init")
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expected));
        assert!(!s.vault().exists(), "{args:?}");
    }
}

#[test]
fn init_and_import_refuse_kdf_settings_below_the_floor_without_insecure_kdf() {
    let s = Scratch::new();
    let source = compat_file("typical.txt");
    for args in [
        &[
            "init",
            "--kdf-memory-kib",
            "8",
            "--kdf-iterations",
            "1",
            "--kdf-parallelism",
            "1",
        ][..],
        &["init", "--kdf-memory-kib", "65535"],
        &["init", "--kdf-iterations", "2"],
        &["import", "--create", "--kdf-memory-kib", "32768"],
    ] {
        let mut cmd = s.cmd();
        cmd.args(args);
        if args[0] == "import" {
            cmd.arg(&source);
        }
        cmd.assert()
            .code(2)
            .stderr(predicate::str::contains("below the floor"))
            .stderr(predicate::str::contains(
                "raise --kdf-memory-kib (at least 65536)",
            ))
            .stderr(predicate::str::contains("--insecure-kdf"));
        assert!(!s.vault().exists(), "{args:?}");
    }
}

#[test]
fn insecure_kdf_allows_settings_below_the_floor_with_a_warning() {
    let s = Scratch::new();
    s.cmd()
        .arg("init")
        .args(FAST_KDF)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: Argon2id settings below the floor (Argon2id, 8 KiB, 1 pass, 1 lane), allowed by --insecure-kdf",
        ));
    let help = s.cmd().args(["init", "--help"]).output().unwrap().stdout;
    let help = String::from_utf8(help).unwrap();
    assert!(help.contains("--insecure-kdf"), "{help}");
    assert!(help.contains("RFC 9106"), "{help}");
}

#[test]
fn too_little_memory_for_the_lanes_is_fixed_by_more_memory_or_fewer_lanes() {
    let s = Scratch::new();
    for args in [
        &["init", "--kdf-memory-kib", "8"][..],
        &["init", "--kdf-memory-kib", "8", "--insecure-kdf"],
        &[
            "init",
            "--kdf-memory-kib",
            "24",
            "--kdf-parallelism",
            "4",
            "--insecure-kdf",
        ],
    ] {
        s.cmd()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("at least 8 KiB per lane"))
            .stderr(predicate::str::contains(
                "raise --kdf-memory-kib or lower --kdf-parallelism",
            ))
            .stderr(predicate::str::contains("lower --kdf-memory-kib").not());
        assert!(!s.vault().exists(), "{args:?}");
    }
    let v = Scratch::with_typical();
    v.cmd()
        .env("TOKENVAULT_NEW_PASSPHRASE", "never used")
        .args([
            "passwd",
            "--kdf-memory-kib",
            "8",
            "--kdf-parallelism",
            "4",
            "--insecure-kdf",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "raise --kdf-memory-kib or lower --kdf-parallelism",
        ));
}

#[test]
fn passwd_below_the_floor_needs_insecure_kdf_and_changes_nothing_without_it() {
    let s = Scratch::with_typical();
    let generation = s.info()["generation"].clone();
    // The vault's own tiny settings, kept when no --kdf-* option is given.
    s.cmd()
        .env("TOKENVAULT_NEW_PASSPHRASE", "a brand new passphrase")
        .arg("passwd")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "this vault's own Argon2id settings (Argon2id, 8 KiB, 1 pass, 1 lane) are below the floor",
        ))
        .stderr(predicate::str::contains("keep them with --insecure-kdf"));
    // New settings still below it.
    s.cmd()
        .env("TOKENVAULT_NEW_PASSPHRASE", "a brand new passphrase")
        .args(["passwd", "--kdf-memory-kib", "16384"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("below the floor"));
    assert_eq!(s.info()["generation"], generation);
    s.cmd().arg("list").assert().success();
    // Raised to the floor, no opt-in needed.
    s.cmd()
        .env("TOKENVAULT_NEW_PASSPHRASE", "a brand new passphrase")
        .args([
            "passwd",
            "--kdf-memory-kib",
            "65536",
            "--kdf-iterations",
            "3",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning").not());
}
