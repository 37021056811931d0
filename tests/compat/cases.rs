//! Replays every recorded FileStore case (`tests/data/compat/filestore-cases.json`, or the file
//! named by `TOKENVAULT_CASES`) against a vault and reports each failing case by name.

use tokenvault::Vault;

use crate::common::new_vault;

#[test]
fn every_recorded_filestore_case_gives_the_recorded_result() {
    crate::common::replay::replay_all(|| {
        let (dir, _path, vault) = new_vault();
        (dir, vault)
    });
}

#[test]
fn a_vault_reopened_after_the_cases_keeps_the_rows() {
    let (_dir, path, vault) = new_vault();
    let mut t = crate::common::token(&[
        ("user_name", "ann@zylker.com"),
        ("refresh_token", "1000.rt"),
    ]);
    vault.save_token(&mut t).unwrap();
    drop(vault);
    let reopened = Vault::open(&path, crate::common::PASSPHRASE).unwrap();
    assert_eq!(reopened.get_tokens().unwrap(), vec![t]);
}
