//! Security properties of the file: nothing readable without the key, and any change to what is
//! stored is detected, typed and harmless.

use std::time::{Duration, Instant};

use blake2::Digest;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use tokenvault::{Error, KdfParams, OpenOptions, Secret, Token, Vault};

use crate::common::{PASSPHRASE, new_vault, token};

const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("records");
const HEADER: TableDefinition<&str, &[u8]> = TableDefinition::new("tokenvault_header");

fn sample_tokens(n: usize) -> Vec<Token> {
    (0..n)
        .map(|i| Token {
            user_name: Some(format!("user{i:04}.secretname@zylker.com")),
            client_id: Some(format!("1000.CLIENTID{i:04}XYZ")),
            client_secret: Some(Secret::new(format!(
                "clientsecret{i:04}8f2b1c9e0d4a7b6c5e3f1a2b3c"
            ))),
            refresh_token: Some(Secret::new(format!(
                "1000.refresh{i:04}.6b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
            ))),
            access_token: Some(Secret::new(format!(
                "1000.access{i:04}.aa11bb22cc33dd44ee55ff6677889900"
            ))),
            grant_token: Some(Secret::new(format!(
                "1000.grant{i:04}.0f9e8d7c6b5a49382716051a2b3c4d5e"
            ))),
            expiry_time: Some("1764343600000".into()),
            redirect_url: Some("https://zylker.com/oauth/callback".into()),
            api_domain: Some("https://www.zohoapis.com".into()),
            ..Token::default()
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Rewrites one stored value of `table` with raw redb, as an attacker with the file would.
fn tamper<K: redb::Key + 'static>(
    path: &std::path::Path,
    table: TableDefinition<K, &[u8]>,
    edit: impl FnOnce(&mut redb::Table<'_, K, &'static [u8]>),
) {
    let db = Database::create(path).expect("open with raw redb");
    let txn = db.begin_write().unwrap();
    {
        let mut t = txn.open_table(table).unwrap();
        edit(&mut t);
    }
    txn.commit().unwrap();
}

#[test]
fn no_secret_or_user_name_appears_in_the_file() {
    let (_dir, path, vault) = new_vault();
    let tokens = sample_tokens(50);
    for t in &tokens {
        vault.save_token(&mut t.clone()).unwrap();
    }
    // Update some, delete some, rotate: old values must not linger in live pages either.
    vault.delete_token("3").unwrap();
    vault.rotate_data_key().unwrap();
    drop(vault);
    let bytes = std::fs::read(&path).unwrap();
    let mut checked = 0;
    for t in &tokens {
        for field in [
            "user_name",
            "client_secret",
            "refresh_token",
            "access_token",
            "grant_token",
        ] {
            let value = t.field(field).unwrap();
            assert!(
                !contains(&bytes, value.as_bytes()),
                "{field} of a token is in the file"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 250);
    assert!(!contains(&bytes, PASSPHRASE.as_bytes()));
}

#[test]
fn wrong_passphrase_is_a_typed_error_and_changes_no_byte() {
    let (_dir, path, vault) = new_vault();
    vault
        .save_token(&mut token(&[("access_token", "a")]))
        .unwrap();
    drop(vault);
    let before = std::fs::read(&path).unwrap();
    assert!(matches!(
        Vault::open(&path, "not the passphrase"),
        Err(Error::WrongPassphrase)
    ));
    assert!(std::fs::read(&path).unwrap() == before, "the file changed");
}

#[test]
fn a_flipped_byte_in_a_record_is_reported_as_corruption() {
    let (_dir, path, vault) = new_vault();
    vault.import(sample_tokens(3)).unwrap();
    drop(vault);
    for position in [0usize, 1, 5, 13, 40, 100] {
        let copy = path.with_extension(format!("flip{position}"));
        std::fs::copy(&path, &copy).unwrap();
        tamper(&copy, RECORDS, |t| {
            let mut value = t.get(2).unwrap().unwrap().value().to_vec();
            let at = position.min(value.len() - 1);
            value[at] ^= 0x20;
            t.insert(2, value.as_slice()).unwrap();
        });
        let vault = Vault::open(&copy, PASSPHRASE).unwrap();
        assert!(
            matches!(vault.find_token_by_id("2"), Err(Error::Corrupted { .. })),
            "byte {position}"
        );
        assert!(matches!(vault.get_tokens(), Err(Error::Corrupted { .. })));
        assert!(!vault.verify().unwrap().is_ok());
        // Untouched records still read.
        assert!(vault.find_token_by_id("1").is_ok());
    }
}

#[test]
fn a_record_moved_to_another_id_is_rejected() {
    let (_dir, path, vault) = new_vault();
    vault.import(sample_tokens(2)).unwrap();
    drop(vault);
    tamper(&path, RECORDS, |t| {
        let first = t.get(1).unwrap().unwrap().value().to_vec();
        t.insert(2, first.as_slice()).unwrap();
    });
    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    assert!(matches!(
        vault.find_token_by_id("2"),
        Err(Error::Corrupted { .. })
    ));
}

#[test]
fn a_record_copied_from_another_vault_is_rejected() {
    let (_d1, path1, v1) = new_vault();
    let (_d2, path2, v2) = new_vault();
    v1.import(sample_tokens(1)).unwrap();
    v2.import(sample_tokens(1)).unwrap();
    drop((v1, v2));
    let db = Database::create(&path1).unwrap();
    let foreign = {
        let txn = db.begin_read().unwrap();
        let t = txn.open_table(RECORDS).unwrap();
        t.get(1).unwrap().unwrap().value().to_vec()
    };
    drop(db);
    tamper(&path2, RECORDS, |t| {
        t.insert(1, foreign.as_slice()).unwrap();
    });
    let vault = Vault::open(&path2, PASSPHRASE).unwrap();
    assert!(matches!(
        vault.find_token_by_id("1"),
        Err(Error::Corrupted { .. })
    ));
}

/// Offset of the first slot's `memory_kib` in a new vault's format-2 header (docs/FORMAT.md
/// §Header, §Key slots): 34 bytes of prefix, the slot count, then the slot `passphrase`: kind,
/// name length, 10 name bytes, 8 bytes of creation time, the KDF algorithm byte.
const KDF_M: usize = 34 + 1 + 1 + 1 + 10 + 8 + 1;

/// The header with its checksum (its last 32 bytes) recomputed.
fn with_fixed_checksum(mut header: Vec<u8>) -> Vec<u8> {
    let body = header.len() - 32;
    let sum = blake2::Blake2b256::digest(&header[..body]);
    header[body..].copy_from_slice(&sum);
    header
}

#[test]
fn a_header_asking_for_huge_kdf_cost_is_refused_fast() {
    let (_dir, path, vault) = new_vault();
    drop(vault);
    tamper(&path, HEADER, |t| {
        let mut header = t.get("header").unwrap().unwrap().value().to_vec();
        header[KDF_M..KDF_M + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let header = with_fixed_checksum(header);
        t.insert("header", header.as_slice()).unwrap();
    });
    let start = Instant::now();
    assert!(matches!(
        Vault::open(&path, PASSPHRASE),
        Err(Error::KdfCostTooHigh { .. })
    ));
    assert!(matches!(
        Vault::inspect(&path),
        Err(Error::KdfCostTooHigh { .. })
    ));
    // Not a timing assertion on our code: a bound that only an Argon2 run of gigabytes would break.
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_changed_header_field_is_detected_even_with_a_recomputed_checksum() {
    let (_dir, path, vault) = new_vault();
    vault
        .save_token(&mut token(&[("access_token", "a")]))
        .unwrap();
    drop(vault);
    // Change the slot's KDF memory (within the caps): its sealed secret is bound to it, so a
    // slot edited to other (weaker or stronger) parameters never unlocks.
    tamper(&path, HEADER, |t| {
        let mut header = t.get("header").unwrap().unwrap().value().to_vec();
        assert_eq!(
            header[KDF_M..KDF_M + 4],
            8u32.to_le_bytes(),
            "offset of memory_kib"
        );
        header[KDF_M..KDF_M + 4].copy_from_slice(&16u32.to_le_bytes());
        let header = with_fixed_checksum(header);
        t.insert("header", header.as_slice()).unwrap();
    });
    assert!(matches!(
        Vault::open(&path, PASSPHRASE),
        Err(Error::WrongPassphrase)
    ));
}

#[test]
fn a_damaged_header_is_corruption_not_a_wrong_passphrase() {
    let (_dir, path, vault) = new_vault();
    drop(vault);
    tamper(&path, HEADER, |t| {
        let mut header = t.get("header").unwrap().unwrap().value().to_vec();
        header[70] ^= 1;
        t.insert("header", header.as_slice()).unwrap();
    });
    assert!(matches!(
        Vault::open(&path, PASSPHRASE),
        Err(Error::Corrupted { .. })
    ));
}

#[test]
fn a_tampered_state_counter_is_detected_at_open() {
    let (_dir, path, vault) = new_vault();
    drop(vault);
    tamper(&path, HEADER, |t| {
        let mut state = t.get("state").unwrap().unwrap().value().to_vec();
        state[8] ^= 0xff; // the seal counter
        t.insert("state", state.as_slice()).unwrap();
    });
    assert!(matches!(
        Vault::open(&path, PASSPHRASE),
        Err(Error::Corrupted { .. })
    ));
}

#[test]
fn the_default_kdf_creates_and_opens_a_vault() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("default.vault");
    let vault = Vault::create(&path, "a real passphrase", KdfParams::default()).unwrap();
    vault
        .save_token(&mut token(&[("access_token", "a")]))
        .unwrap();
    drop(vault);
    let info = Vault::inspect(&path).unwrap();
    assert_eq!(info.slots[0].kdf.unwrap(), KdfParams::default());
    let vault = Vault::open(&path, "a real passphrase").unwrap();
    assert_eq!(vault.len().unwrap(), 1);
}

#[test]
fn a_new_vault_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, path, _vault) = new_vault();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn create_refuses_to_overwrite_an_existing_file() {
    let (_dir, path, vault) = new_vault();
    drop(vault);
    let before = std::fs::read(&path).unwrap();
    assert!(matches!(
        OpenOptions::insecure_for_tests().create(&path, "x"),
        Err(Error::AlreadyExists { .. })
    ));
    assert!(std::fs::read(&path).unwrap() == before, "the file changed");
}

#[test]
fn a_file_that_is_not_a_vault_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sdk_tokens.txt");
    std::fs::write(&path, b"id,user_name\r\n1,ann\r\n").unwrap();
    assert!(matches!(
        Vault::open(&path, PASSPHRASE),
        Err(Error::NotAVault { .. })
    ));
    assert!(matches!(
        Vault::open(dir.path().join("missing"), PASSPHRASE),
        Err(Error::VaultNotFound { .. })
    ));
}

#[test]
fn errors_and_debug_output_never_show_a_secret() {
    let (_dir, _path, vault) = new_vault();
    let mut t = token(&[
        ("user_name", "ann@zylker.com"),
        ("client_secret", "TOPSECRET"),
    ]);
    let err = vault.save_token(&mut t).unwrap_err();
    assert!(matches!(err, Error::MissingAuthDetails));
    assert!(!format!("{err} {err:?} {t:?}").contains("TOPSECRET"));
}

const ORDER: TableDefinition<u64, u64> = TableDefinition::new("order");
const INDEX_USER_NAME: TableDefinition<[u8; 24], u64> = TableDefinition::new("index_user_name");

/// Edits a table of `path` with raw redb, as someone with write access to the file would.
fn edit_table<K: redb::Key + 'static, V: redb::Value + 'static>(
    path: &std::path::Path,
    table: TableDefinition<K, V>,
    edit: impl FnOnce(&mut redb::Table<'_, K, V>),
) {
    let db = Database::create(path).expect("open with raw redb");
    let txn = db.begin_write().unwrap();
    {
        let mut t = txn.open_table(table).unwrap();
        edit(&mut t);
    }
    txn.commit().unwrap();
}

/// A vault of three tokens (ids 1..=3, positions 0..=2), closed.
fn three_token_vault() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, path, vault) = new_vault();
    vault.import(sample_tokens(3)).unwrap();
    drop(vault);
    (dir, path)
}

fn problems_of(path: &std::path::Path) -> Vec<String> {
    Vault::open(path, PASSPHRASE)
        .unwrap()
        .verify()
        .unwrap()
        .problems
}

#[test]
fn verify_reports_a_record_whose_order_entry_was_removed() {
    let (_dir, path) = three_token_vault();
    edit_table(&path, ORDER, |t| {
        t.remove(1).unwrap();
    });
    let problems = problems_of(&path);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("record 2") && p.contains("missing from the order table")),
        "{problems:?}"
    );
}

#[test]
fn verify_reports_an_order_entry_added_for_no_record_or_twice_for_one() {
    for (seq, id) in [(7u64, 9u64), (7, 2)] {
        let (_dir, path) = three_token_vault();
        edit_table(&path, ORDER, |t| {
            t.insert(seq, id).unwrap();
        });
        let problems = problems_of(&path);
        assert!(
            problems
                .iter()
                .any(|p| p.contains(&format!("order entry {seq} names record {id}"))),
            "({seq}, {id}): {problems:?}"
        );
    }
}

#[test]
fn verify_reports_a_removed_user_name_index_entry_that_lookups_cannot_see() {
    let (_dir, path) = three_token_vault();
    let removed = {
        let db = Database::create(&path).unwrap();
        let txn = db.begin_read().unwrap();
        let t = txn.open_table(INDEX_USER_NAME).unwrap();
        t.iter()
            .unwrap()
            .map(|e| e.unwrap())
            .find(|(_, id)| id.value() == 2)
            .map(|(key, _)| key.value())
            .unwrap()
    };
    edit_table(&path, INDEX_USER_NAME, |t| {
        t.remove(removed).unwrap();
    });
    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    // What FORMAT.md §Threat model states: a lookup cannot tell a removed entry from none.
    let query = token(&[("user_name", "user0001.secretname@zylker.com")]);
    assert!(vault.find_token(&query).unwrap().is_none());
    let problems = vault.verify().unwrap().problems;
    assert!(
        problems
            .iter()
            .any(|p| p.contains("record 2 is missing from index_user_name")),
        "{problems:?}"
    );
}
