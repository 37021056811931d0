//! A key file gets no key derivation, so it must be random (issue 19): a new slot or vault with a
//! key file that does not look random is refused unless allowed explicitly, and a vault a weak
//! key file was already enrolled in still opens with it.

use crate::common::PASSPHRASE;
use tokenvault::{Credential, Error, KdfParams, OpenOptions};

/// Test KDF settings (with their opt-in), and nothing else allowed: in particular no weak key
/// file, which `OpenOptions::insecure_for_tests` allows.
fn strict() -> OpenOptions {
    OpenOptions::new()
        .kdf(KdfParams::insecure_for_tests())
        .insecure_kdf(true)
}

/// `printf '%-32s' 'Summer2024!' > weak.key`: the key file of the report.
fn typed() -> Credential {
    Credential::key_bytes(format!("{:<32}", "Summer2024!").as_bytes()).unwrap()
}

#[test]
fn a_key_file_that_does_not_look_random_is_refused_for_a_new_slot_or_vault() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.vault");
    let vault = strict().create(&path, PASSPHRASE).unwrap();
    for weak in [typed(), Credential::key_bytes(&[7; 32]).unwrap()] {
        let e = vault.add_slot(Some("weak"), &weak, None).unwrap_err();
        assert!(matches!(e, Error::WeakKeyFile { .. }), "{e}");
        let shown = e.to_string();
        assert!(shown.contains("/dev/urandom"), "{shown}");
        let other = dir.path().join("other.vault");
        let e = strict().create(&other, &weak).unwrap_err();
        assert!(matches!(e, Error::WeakKeyFile { .. }), "{e}");
        assert!(!other.exists(), "no vault was created");
    }
    assert_eq!(vault.slots().unwrap().len(), 1, "no slot was added");
    let random = Credential::generate_key_file(dir.path().join("random.key")).unwrap();
    vault.add_slot(Some("random"), &random, None).unwrap();
}

#[test]
fn a_weak_key_file_is_added_only_when_allowed_and_then_always_opens_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.vault");
    strict().create(&path, PASSPHRASE).unwrap();
    let vault = strict()
        .allow_weak_key_file(true)
        .open(&path, PASSPHRASE)
        .unwrap();
    vault.add_slot(Some("weak"), typed(), None).unwrap();
    drop(vault);
    // Opening needs no opt-in: nobody is locked out of a vault by this check.
    let vault = strict().open(&path, typed()).unwrap();
    assert_eq!(vault.unlocked_slot().as_deref(), Some("weak"));
}
