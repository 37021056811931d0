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

use crate::spec_reader::{HEADER, RECORDS, aes_open, blake2b_mac256};

/// FORMAT.md §Header (version 2), §Key slots, §Keys and §Records followed step by step, with
/// nothing from tokenvault but the file it wrote: a key-file slot is found, its secret, the
/// master key and its public key open, and a record decrypts to the token saved.
#[test]
fn a_version_2_header_unlocks_by_the_spec_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.vault");
    let key_file = [0x42u8; 32];
    let vault = OpenOptions::insecure_for_tests()
        .create(&path, "first passphrase")
        .unwrap();
    vault
        .add_slot(
            Some("ops@host-1"),
            tokenvault::Credential::key_bytes(&key_file).unwrap(),
            None,
        )
        .unwrap();
    vault.save_token(&mut token("ann@zylker.com")).unwrap();
    drop(vault);
    let db = redb::Database::open(&path).unwrap();
    let txn = db.begin_read().unwrap();
    let header = txn
        .open_table(HEADER)
        .unwrap()
        .get("header")
        .unwrap()
        .unwrap()
        .value()
        .to_vec();
    let record = txn
        .open_table(RECORDS)
        .unwrap()
        .get(1)
        .unwrap()
        .unwrap()
        .value()
        .to_vec();

    // §Header, version 2.
    assert_eq!(&header[..8], b"TKNVAULT");
    assert_eq!(u16::from_le_bytes([header[8], header[9]]), 2);
    let (body, checksum) = header.split_at(header.len() - 32);
    use blake2::Digest;
    assert_eq!(blake2::Blake2b256::digest(body).as_slice(), checksum);
    let prefix = &body[..34];
    let store_id = &body[10..26];
    assert_eq!(body[34], 2, "two slots");
    // §Key slots: walk the slots; find the key-file one.
    let mut at = 35;
    let mut master = None;
    for _ in 0..2 {
        let start = at;
        let kind = body[at];
        let name_len = usize::from(body[at + 1]);
        at += 2 + name_len + 8;
        let salt: [u8; 16] = match kind {
            1 => {
                at += 13;
                body[at..at + 16].try_into().unwrap()
            }
            2 => body[at..at + 16].try_into().unwrap(),
            other => panic!("kind {other}"),
        };
        at += 16;
        let descriptor = &body[start..at];
        let sealed_secret = &body[at..at + 60];
        let ephemeral: [u8; 32] = body[at + 60..at + 92].try_into().unwrap();
        let wrapped_master = &body[at + 92..at + 152];
        let sealed_public = &body[at + 152..at + 212];
        at += 212;
        if kind != 2 {
            continue;
        }
        let aad = |label: &[u8]| [label, prefix, descriptor].concat();
        let kek = blake2b_mac256(&key_file, &[b"tokenvault/v2/key-file", &salt]);
        let secret: [u8; 32] = aes_open(&kek, &aad(b"tokenvault/v2/slot-secret"), sealed_secret)
            .expect("the key file opens its slot")
            .try_into()
            .unwrap();
        let public = x25519_dalek::x25519(secret, x25519_dalek::X25519_BASEPOINT_BYTES);
        let shared = x25519_dalek::x25519(secret, ephemeral);
        let wrap = blake2b_mac256(&shared, &[b"tokenvault/v2/wrap", &ephemeral, &public]);
        let key: [u8; 32] = aes_open(&wrap, &aad(b"tokenvault/v2/slot-master"), wrapped_master)
            .expect("the master key opens")
            .try_into()
            .unwrap();
        let k_pub = blake2b_mac256(&key, &[b"tokenvault/v2/slot-public"]);
        let sealed = aes_open(&k_pub, &aad(b"tokenvault/v2/slot-public"), sealed_public);
        assert_eq!(sealed.as_deref(), Some(&public[..]), "step 4");
        master = Some(key);
    }
    assert_eq!(at, body.len(), "nothing follows the last slot");
    // §Keys and §Records: the record key, the record's associated data, the payload.
    let record_key = blake2b_mac256(&master.unwrap(), &[b"tokenvault/v1/record"]);
    assert_eq!(record[0], 1, "envelope version");
    let aad = [
        &b"tokenvault/record"[..],
        &1u16.to_le_bytes(),
        store_id,
        &1u64.to_le_bytes(),
    ]
    .concat();
    let plaintext = aes_open(&record_key, &aad, &record[1..]).expect("the record opens");
    let len = u32::from_le_bytes(plaintext[..4].try_into().unwrap()) as usize;
    let payload = &plaintext[4..4 + len];
    assert_eq!(payload[0], 0, "seq 0");
    assert_eq!(&payload[1..3], &[1, 14], "user_name is present, 14 bytes");
    assert_eq!(&payload[3..17], b"ann@zylker.com");
}
