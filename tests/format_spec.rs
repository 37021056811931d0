//! Statements of docs/FORMAT.md that a second implementation needs and that are easy to get
//! wrong, checked against the code: what the generation and the seal count count, how `seq` is
//! assigned after deletions, which tables a new vault has, and how a passphrase becomes bytes.

use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use tokenvault::{Error, OpenOptions, Token, Vault};

const ORDER: TableDefinition<u64, u64> = TableDefinition::new("order");

fn token(user: &str) -> Token {
    let mut t = Token::new();
    t.set_field("user_name", Some(user.into()));
    t.set_field("refresh_token", Some(format!("1000.r.{user}")));
    t.set_field("client_id", Some("1000.C".into()));
    t.set_field("client_secret", Some("s".into()));
    t
}

/// `order`'s keys (`seq`) and values (ids), read from the closed file with redb itself.
fn order(path: &std::path::Path) -> Vec<(u64, u64)> {
    let db = redb::Database::open(path).unwrap();
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(ORDER).unwrap();
    table
        .iter()
        .unwrap()
        .map(|e| {
            let (k, v) = e.unwrap();
            (k.value(), v.value())
        })
        .collect()
}

#[test]
fn the_creating_transaction_is_generation_1_and_compact_adds_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.vault");
    let mut vault = OpenOptions::insecure_for_tests()
        .create(&path, "p")
        .unwrap();
    assert_eq!(vault.info().unwrap().generation, 1);
    vault.save_token(&mut token("ann")).unwrap();
    assert_eq!(vault.info().unwrap().generation, 2);
    vault.compact().unwrap();
    drop(vault);
    assert_eq!(Vault::inspect(&path).unwrap().generation, 2);

    // Created holding tokens: one transaction, which advances the generation twice.
    let with = dir.path().join("with.vault");
    let (vault, _) = OpenOptions::insecure_for_tests()
        .create_with_tokens(&with, "p", [token("ann"), token("bob")])
        .unwrap();
    let info = vault.info().unwrap();
    assert_eq!((info.generation, info.seal_count), (2, 2));
}

#[test]
fn after_rotation_the_seal_count_is_the_number_of_records_resealed() {
    let (_dir, vault) = {
        let dir = tempfile::tempdir().unwrap();
        let vault = OpenOptions::insecure_for_tests()
            .create(dir.path().join("t.vault"), "p")
            .unwrap();
        (dir, vault)
    };
    for user in ["ann", "bob", "cy"] {
        vault.save_token(&mut token(user)).unwrap();
    }
    vault.save_token(&mut token("ann")).unwrap(); // an update seals again
    assert_eq!(vault.info().unwrap().seal_count, 4);
    vault.rotate_data_key().unwrap();
    assert_eq!(vault.info().unwrap().seal_count, 3);
}

#[test]
fn seq_restarts_at_0_after_clear_and_the_highest_is_reused_after_its_delete() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.vault");
    let vault = OpenOptions::insecure_for_tests()
        .create(&path, "p")
        .unwrap();
    for user in ["ann", "bob", "cy"] {
        vault.save_token(&mut token(user)).unwrap();
    }
    vault.delete_token("3").unwrap(); // the highest seq (2), and the highest id
    vault.save_token(&mut token("dee")).unwrap();
    drop(vault);
    // Both are max + 1: seq 2 and id 3 are taken again, by another token.
    assert_eq!(order(&path), [(0, 1), (1, 2), (2, 3)]);

    let vault = OpenOptions::insecure_for_tests().open(&path, "p").unwrap();
    vault.delete_tokens().unwrap();
    vault.save_token(&mut token("eve")).unwrap();
    drop(vault);
    assert_eq!(order(&path), [(0, 1)], "seq and id restart");
}

#[test]
fn a_new_vault_has_every_table_from_its_first_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.vault");
    drop(
        OpenOptions::insecure_for_tests()
            .create(&path, "p")
            .unwrap(),
    );
    let db = redb::Database::open(&path).unwrap();
    let txn = db.begin_read().unwrap();
    let mut names: Vec<String> = txn
        .list_tables()
        .unwrap()
        .map(|t| redb::TableHandle::name(&t).to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "index_access_token",
            "index_grant_token",
            "index_refresh_token",
            "index_user_name",
            "leases",
            "order",
            "records",
            "tokenvault_header",
        ]
    );
}

#[test]
fn a_passphrase_is_its_exact_bytes_without_trimming_or_normalisation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.vault");
    drop(
        OpenOptions::insecure_for_tests()
            .create(&path, "caf\u{e9} ")
            .unwrap(),
    );
    for other in ["caf\u{e9}", "cafe\u{301} ", "caf\u{e9} \n", "CAF\u{c9} "] {
        assert!(
            matches!(Vault::open(&path, other), Err(Error::WrongPassphrase)),
            "{other:?}"
        );
    }
    assert!(Vault::open(&path, "caf\u{e9} ".as_bytes()).is_ok());
}
