//! The KDF floor: a new passphrase key cheaper than RFC 9106's second recommendation needs the
//! explicit opt-in (`OpenOptions::insecure_kdf`), on every entry point that creates a vault and on
//! `change_passphrase`; a vault that already has weak parameters still opens without it.

use tokenvault::{Error, KdfParams, Location, OpenOptions, Token, Vault};

const PASSPHRASE: &str = "kdf floor passphrase";

/// Below the floor (16 MiB, 3 passes) but cheap to derive; every Argon2 minimum met.
const WEAK: KdfParams = KdfParams {
    memory_kib: 16 * 1024,
    iterations: 3,
    parallelism: 4,
};

fn below_floor(result: Result<impl std::fmt::Debug, Error>) -> bool {
    matches!(result, Err(Error::KdfBelowFloor { memory_kib, iterations, parallelism })
        if (memory_kib, iterations, parallelism) == (WEAK.memory_kib, WEAK.iterations, WEAK.parallelism))
}

/// A vault with the tiny test parameters (made with the opt-in), closed; and its folder.
fn weak_vault() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.vault");
    drop(
        OpenOptions::insecure_for_tests()
            .create(&path, PASSPHRASE)
            .unwrap(),
    );
    (dir, path)
}

#[test]
fn every_entry_point_that_creates_a_vault_refuses_weak_kdf_parameters_without_the_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("weak.vault");
    let weak = OpenOptions::new().kdf(WEAK);
    assert!(below_floor(Vault::create(&path, PASSPHRASE, WEAK)));
    assert!(below_floor(weak.create(&path, PASSPHRASE)));
    assert!(below_floor(weak.open_or_create(&path, PASSPHRASE)));
    assert!(below_floor(weak.create_with_tokens(
        &path,
        PASSPHRASE,
        [Token::default()]
    )));
    assert!(below_floor(weak.create_or_import(
        &path,
        PASSPHRASE,
        Vec::<Token>::new(),
        false
    )));
    assert!(below_floor(weak.create(Location::memory(), PASSPHRASE)));
    assert!(!path.exists(), "nothing is created");
    // The message says what to do, in the library's terms.
    let message = Vault::create(&path, PASSPHRASE, WEAK)
        .unwrap_err()
        .to_string();
    assert!(message.contains("64 MiB"), "{message}");
    assert!(message.contains("insecure_kdf"), "{message}");
}

#[test]
fn open_or_create_refuses_weak_settings_even_when_the_vault_exists() {
    let (_dir, path) = weak_vault();
    assert!(below_floor(
        OpenOptions::new()
            .kdf(WEAK)
            .open_or_create(&path, PASSPHRASE)
    ));
}

#[test]
fn the_explicit_opt_in_creates_a_vault_with_weak_parameters() {
    let vault = OpenOptions::new()
        .kdf(WEAK)
        .insecure_kdf(true)
        .create(Location::memory(), PASSPHRASE)
        .unwrap();
    assert_eq!(vault.info().unwrap().slots[0].kdf.unwrap(), WEAK);
    let tiny = OpenOptions::insecure_for_tests()
        .create(Location::memory(), PASSPHRASE)
        .unwrap();
    assert_eq!(
        tiny.info().unwrap().slots[0].kdf.unwrap(),
        KdfParams::insecure_for_tests()
    );
}

#[test]
fn a_vault_with_weak_parameters_still_opens_without_the_opt_in() {
    let (_dir, path) = weak_vault();
    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    assert_eq!(
        vault.info().unwrap().slots[0].kdf.unwrap(),
        KdfParams::insecure_for_tests()
    );
    let (_, created) = OpenOptions::new()
        .open_or_create(&path, PASSPHRASE)
        .unwrap();
    assert!(!created);
}

#[test]
fn a_passphrase_change_to_weak_parameters_needs_the_opt_in_and_changes_nothing_without_it() {
    let (_dir, path) = weak_vault();
    let before = Vault::inspect(&path).unwrap().generation;

    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    // Weak parameters given, and the vault's own (weak) ones kept: both refused.
    assert!(below_floor(vault.change_passphrase("new", Some(WEAK))));
    assert!(matches!(
        vault.change_passphrase("new", None),
        Err(Error::KdfBelowFloor {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1
        })
    ));
    drop(vault);
    assert_eq!(
        Vault::inspect(&path).unwrap().generation,
        before,
        "nothing was written"
    );
    assert!(Vault::open(&path, PASSPHRASE).is_ok());

    // Through a handle opened with the opt-in, both are allowed.
    let vault = OpenOptions::new()
        .insecure_kdf(true)
        .open(&path, PASSPHRASE)
        .unwrap();
    vault.change_passphrase("second", None).unwrap();
    vault.change_passphrase("third", Some(WEAK)).unwrap();
    drop(vault);
    assert_eq!(
        Vault::open(&path, "third").unwrap().info().unwrap().slots[0]
            .kdf
            .unwrap(),
        WEAK
    );
}

#[test]
fn a_passphrase_change_may_raise_weak_parameters_to_the_floor_without_the_opt_in() {
    let (_dir, path) = weak_vault();
    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    let floor = KdfParams {
        memory_kib: KdfParams::FLOOR_MEMORY_KIB,
        iterations: 3,
        parallelism: 4,
    };
    vault.change_passphrase("strong now", Some(floor)).unwrap();
    drop(vault);
    assert_eq!(
        Vault::open(&path, "strong now")
            .unwrap()
            .info()
            .unwrap()
            .slots[0]
            .kdf
            .unwrap(),
        floor
    );
}

#[test]
fn an_empty_new_passphrase_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.vault");
    let vault = tokenvault::OpenOptions::insecure_for_tests()
        .create(&path, "first")
        .unwrap();
    let generation = vault.info().unwrap().generation;
    assert!(matches!(
        vault.change_passphrase("", None),
        Err(tokenvault::Error::EmptyPassphrase)
    ));
    assert_eq!(vault.info().unwrap().generation, generation);
    drop(vault);
    assert!(tokenvault::Vault::open(&path, "first").is_ok());
}
