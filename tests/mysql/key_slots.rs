//! A format-1 vault's dump (tests/fixtures/v1) that
//! opens, reads, upgrades (its 255-byte header column widened on open) and reads again. Needs
//! `--features mysql` and `TOKENVAULT_TEST_MYSQL_URL`.
#![cfg(feature = "mysql")]

use mysql::prelude::Queryable;
use tokenvault::{Credential, OpenOptions, Vault};

use crate::common::mysql::TestDb;
use crate::common::server::ServerDb;

fn options() -> OpenOptions {
    OpenOptions::insecure_for_tests()
}

/// Loads `tests/fixtures/v1/two-tokens.mysql.sql` into the test's database.
fn load_v1_dump(db: &TestDb) {
    let dump = include_str!("../fixtures/v1/two-tokens.mysql.sql");
    let mut conn = db.conn();
    for statement in dump.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        conn.query_drop(statement)
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

#[test]
fn a_format_1_dump_opens_reads_upgrades_and_reads_again() {
    let Some(db) = TestDb::new("v1dump") else {
        return;
    };
    load_v1_dump(&db);
    let width = |db: &TestDb| -> u64 {
        db.conn()
            .query_first(
                "SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = 'tokenvault_header' \
                 AND column_name = 'value'",
            )
            .unwrap()
            .unwrap()
    };
    assert_eq!(width(&db), 255, "the dump has the format-1 column");
    let info = Vault::inspect(db.location()).unwrap();
    assert_eq!((info.format_version, info.token_count), (1, 2));
    let vault = options()
        .open(db.location(), "fixture passphrase v1")
        .unwrap();
    assert_eq!(width(&db), 8192, "an open widens the header column");
    let before = vault.get_tokens().unwrap();
    assert_eq!(before.len(), 2);
    assert_eq!(before[0].user_name.as_deref(), Some("ann@example.com"));
    assert!(vault.upgrade().unwrap());
    let key = Credential::key_bytes(&[4; 32]).unwrap();
    vault.add_slot(Some("worker"), &key, None).unwrap();
    drop(vault);
    assert_eq!(Vault::inspect(db.location()).unwrap().format_version, 2);
    for credential in [Credential::from("fixture passphrase v1"), key] {
        let vault = options().open(db.location(), credential).unwrap();
        assert_eq!(vault.get_tokens().unwrap(), before);
        assert!(vault.verify().unwrap().is_ok());
    }
}
