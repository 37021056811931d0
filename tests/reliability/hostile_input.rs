//! Hostile and mistaken input: oversized fields and queries, a token file of many rows, a
//! passphrase of megabytes, a folder or a foreign file where the vault should be, a read-only
//! file or folder. Each gets a clear, typed error (or works), and changes nothing.

use std::fs;
use std::path::Path;
use std::time::Instant;

use tokenvault::{Error, OpenOptions, Secret, Token, Vault, filestore};

use crate::common::workload::{check_tagged, tagged_query, tagged_token};
use crate::common::{PASSPHRASE, new_vault};

/// A digest of the vault's bytes, and its tokens: what "changes nothing" compares.
fn snapshot(path: &Path, vault: &Vault) -> (u64, Vec<Token>) {
    assert!(vault.verify().unwrap().is_ok());
    (digest(path), vault.get_tokens().unwrap())
}

fn digest(path: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    fs::read(path).unwrap().hash(&mut h);
    h.finish()
}

fn three_tokens(vault: &Vault) {
    for i in 0..3 {
        vault
            .save_token(&mut tagged_token(&format!("h{i}"), 0))
            .unwrap();
    }
}

#[test]
fn an_oversized_token_is_refused_and_changes_nothing() {
    let (_dir, path, vault) = new_vault();
    three_tokens(&vault);
    let before = snapshot(&path, &vault);
    let huge = "x".repeat(1024 * 1024);
    let oversized = [
        Token {
            access_token: Some(Secret::new(huge.clone())),
            ..tagged_token("big-access", 0)
        },
        Token {
            user_name: Some(huge.clone()),
            refresh_token: Some(Secret::new("r")),
            ..Token::default()
        },
        // No single field over the limit, all of them together.
        Token {
            client_secret: Some(Secret::new("s".repeat(20_000))),
            refresh_token: Some(Secret::new("r".repeat(20_000))),
            api_domain: Some("d".repeat(20_000)),
            redirect_url: Some("u".repeat(20_000)),
            ..tagged_token("big-total", 0)
        },
    ];
    for token in oversized {
        let mut t = token.clone();
        match vault.save_token(&mut t) {
            Err(e @ Error::TokenTooLarge { size, limit }) => {
                assert!(size > limit);
                assert!(e.to_string().contains("too large"), "{e}");
            }
            other => panic!("expected TokenTooLarge, got {other:?}"),
        }
        assert_eq!(
            t, token,
            "a refused save must leave the caller's token as it was"
        );
    }
    // An update that would make a stored token too large is refused the same way.
    let mut grow = Token {
        access_token: Some(Secret::new(huge)),
        ..tagged_query("h1")
    };
    assert!(matches!(
        vault.save_token(&mut grow),
        Err(Error::TokenTooLarge { .. })
    ));
    assert_eq!(
        snapshot(&path, &vault),
        before,
        "a refused save changed the file"
    );

    // Just under the limit is fine, and reads back whole.
    let mut large = tagged_token("large", 0);
    large.redirect_url = Some(format!("https://zylker.com/{}", "p".repeat(60_000)));
    let mut saved = large.clone();
    vault.save_token(&mut saved).unwrap();
    let found = vault.find_token(&tagged_query("large")).unwrap().unwrap();
    assert_eq!(found.redirect_url, large.redirect_url);
}

#[test]
fn oversized_or_malformed_queries_find_nothing_and_change_nothing() {
    let (_dir, path, vault) = new_vault();
    three_tokens(&vault);
    let before = snapshot(&path, &vault);
    let huge = "y".repeat(10 * 1024 * 1024);
    let queries = [
        Token {
            user_name: Some(huge.clone()),
            ..Token::default()
        },
        Token {
            access_token: Some(Secret::new(huge.clone())),
            ..Token::default()
        },
        Token {
            client_id: Some("c".into()),
            client_secret: Some(Secret::new("s")),
            refresh_token: Some(Secret::new(huge.clone())),
            grant_token: Some(Secret::new(huge.clone())),
            ..Token::default()
        },
        Token {
            id: Some(huge.clone()),
            ..Token::default()
        },
    ];
    for query in &queries {
        assert_eq!(vault.find_token(query).unwrap(), None);
    }
    for id in [
        huge.as_str(),
        "99999999999999999999999999",
        "-1",
        "01",
        "",
        "1 ",
    ] {
        assert!(matches!(
            vault.find_token_by_id(id),
            Err(Error::TokenNotFound { .. } | Error::InvalidId { .. })
        ));
        assert!(matches!(
            vault.delete_token(id),
            Err(Error::TokenNotFound { .. } | Error::InvalidId { .. })
        ));
    }
    assert_eq!(snapshot(&path, &vault), before);
}

#[test]
fn an_import_whose_last_token_is_oversized_stores_nothing() {
    let (_dir, path, vault) = new_vault();
    three_tokens(&vault);
    let before = snapshot(&path, &vault);
    let mut tokens: Vec<Token> = (0..5000)
        .map(|i| tagged_token(&format!("imp{i}"), 0))
        .collect();
    tokens.push(Token {
        refresh_token: Some(Secret::new("z".repeat(200_000))),
        ..tagged_token("too-big", 0)
    });
    assert!(matches!(
        vault.import(tokens),
        Err(Error::TokenTooLarge { .. })
    ));
    assert_eq!(
        snapshot(&path, &vault).1,
        before.1,
        "an import is all or nothing"
    );
}

/// A FileStore CSV of `rows` tokens (the SDK's header, then one row per token).
fn token_file(rows: usize) -> Vec<u8> {
    let tokens: Vec<Token> = (1..=rows)
        .map(|i| Token {
            id: Some(i.to_string()),
            ..tagged_token(&format!("row{i}"), 0)
        })
        .collect();
    let mut out = Vec::new();
    filestore::write(&tokens, &mut out).unwrap();
    out
}

/// Imports a token file of `rows` rows and checks every row; returns the seconds it took.
fn import_many(rows: usize) -> f64 {
    let (_dir, _path, vault) = new_vault();
    let csv = token_file(rows);
    let started = Instant::now();
    let tokens = filestore::parse(&csv).unwrap();
    assert_eq!(tokens.len(), rows);
    let summary = vault.import(tokens).unwrap();
    let took = started.elapsed().as_secs_f64();
    assert_eq!(summary.inserted as usize, rows);
    assert_eq!(vault.len().unwrap() as usize, rows);
    let stored = vault.get_tokens().unwrap();
    for (i, t) in stored.iter().enumerate() {
        let (tag, _) = check_tagged(t).unwrap();
        assert_eq!(tag, format!("row{}", i + 1));
        assert_eq!(t.id.as_deref(), Some((i + 1).to_string().as_str()));
    }
    let found = vault
        .find_token(&tagged_query(&format!("row{}", rows / 2)))
        .unwrap()
        .unwrap();
    assert_eq!(found.id, Some((rows / 2).to_string()));
    println!(
        "imported a token file of {rows} rows ({} MB) in {took:.1} s; every row checked",
        csv.len() / 1_000_000
    );
    took
}

#[test]
fn a_large_token_file_imports_whole_and_a_bad_last_row_stores_nothing() {
    import_many(100_000);

    let (_dir, path, vault) = new_vault();
    three_tokens(&vault);
    let before = snapshot(&path, &vault);
    let mut csv = token_file(100_000);
    csv.extend_from_slice(b"100001,a,b,c,d,e,f,g,h,i,one-field-too-many\n");
    match filestore::parse(&csv) {
        Err(e @ Error::InvalidTokenFile { line, .. }) => {
            assert_eq!(line, 100_002, "the header is line 1: {e}");
        }
        other => panic!(
            "expected InvalidTokenFile, got {:?}",
            other.map(|t| t.len())
        ),
    }
    assert_eq!(snapshot(&path, &vault), before);
}

#[test]
#[ignore = "long: a token file of a million rows (run with --ignored)"]
fn a_token_file_of_a_million_rows_imports_whole() {
    import_many(1_000_000);
}

#[test]
fn a_passphrase_of_megabytes_works_and_a_wrong_one_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long-passphrase.vault");
    let mut passphrase = vec![b'p'; 8 * 1024 * 1024];
    let vault = OpenOptions::insecure_for_tests()
        .create(&path, &passphrase)
        .unwrap();
    vault.save_token(&mut tagged_token("lp", 0)).unwrap();
    drop(vault);
    let before = digest(&path);

    let last = passphrase.len() - 1;
    passphrase[last] = b'q';
    assert!(matches!(
        Vault::open(&path, &passphrase),
        Err(Error::WrongPassphrase)
    ));
    assert!(matches!(
        Vault::open(&path, &passphrase[..last]),
        Err(Error::WrongPassphrase)
    ));
    assert_eq!(digest(&path), before, "a wrong passphrase changed the file");
    passphrase[last] = b'p';
    let vault = OpenOptions::insecure_for_tests()
        .open(&path, &passphrase)
        .unwrap();
    assert_eq!(vault.len().unwrap(), 1);
    vault
        .change_passphrase(vec![b'n'; 4 * 1024 * 1024], None)
        .unwrap();
    drop(vault);
    assert!(Vault::open(&path, vec![b'n'; 4 * 1024 * 1024]).is_ok());
}

#[test]
fn a_folder_or_a_foreign_file_in_place_of_the_vault_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("a-folder");
    fs::create_dir(&folder).unwrap();
    assert!(matches!(
        Vault::open(&folder, PASSPHRASE),
        Err(Error::NotAVault { .. })
    ));
    assert!(matches!(
        Vault::inspect(&folder),
        Err(Error::NotAVault { .. })
    ));
    match OpenOptions::insecure_for_tests().create(&folder, PASSPHRASE) {
        Err(e @ Error::AlreadyExists { .. }) => {
            assert!(e.to_string().contains("a-folder"), "{e}")
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(fs::read_dir(&folder).unwrap().count(), 0);

    // The SDK's own token file, an empty file, and random bytes, each where the vault should be.
    let foreign: [(&str, Vec<u8>); 3] = [
        ("tokens.csv", token_file(3)),
        ("empty", Vec::new()),
        (
            "noise",
            (0..100_000u32).map(|i| (i * 7919 % 251) as u8).collect(),
        ),
    ];
    for (name, bytes) in foreign {
        let path = dir.path().join(name);
        fs::write(&path, &bytes).unwrap();
        match Vault::open(&path, PASSPHRASE) {
            Err(e @ Error::NotAVault { .. }) => assert!(e.to_string().contains(name), "{e}"),
            other => panic!("{name}: expected NotAVault, got {other:?}"),
        }
        assert!(matches!(
            Vault::inspect(&path),
            Err(Error::NotAVault { .. })
        ));
        assert!(matches!(
            OpenOptions::insecure_for_tests().create(&path, PASSPHRASE),
            Err(Error::AlreadyExists { .. })
        ));
        assert!(fs::read(&path).unwrap() == bytes, "{name} was changed");
    }

    let missing = dir.path().join("no-such-folder").join("tokens.vault");
    assert!(matches!(
        Vault::open(&missing, PASSPHRASE),
        Err(Error::VaultNotFound { .. })
    ));
    match OpenOptions::insecure_for_tests().create(&missing, PASSPHRASE) {
        Err(e @ Error::Io(_)) => assert!(e.to_string().contains("no-such-folder"), "{e}"),
        other => panic!("expected an I/O error naming the path, got {other:?}"),
    }
}

/// Makes `path` unwritable: by its mode, or — for root, whom modes do not stop — with the
/// immutable attribute. `false` when neither is possible here.
#[cfg(unix)]
fn make_read_only(path: &Path, mode: u32) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    let probe = if path.is_dir() {
        let probe = path.join(".probe");
        let writable = fs::write(&probe, b"").is_ok();
        let _ = fs::remove_file(&probe);
        writable
    } else {
        fs::OpenOptions::new().append(true).open(path).is_ok()
    };
    if !probe {
        return true;
    }
    std::process::Command::new("chattr")
        .arg("+i")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(unix)]
fn undo_read_only(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::process::Command::new("chattr")
        .arg("-i")
        .arg(path)
        .status();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
#[cfg(unix)]
fn a_read_only_vault_can_be_read_and_a_write_to_it_or_its_folder_gives_a_clear_error() {
    let (dir, path, vault) = new_vault();
    three_tokens(&vault);
    let expected = vault.get_tokens().unwrap();
    drop(vault);
    let before = digest(&path);
    if !make_read_only(&path, 0o400) {
        println!("skipped: cannot make a file read-only here (root without chattr)");
        return;
    }
    // Reads need no write access: the open, the lookups and `inspect` only read the file.
    let opened = Vault::open(&path, PASSPHRASE).map(|vault| {
        let read = vault.get_tokens();
        (read, vault.save_token(&mut tagged_token("w", 0)))
    });
    let inspected = Vault::inspect(&path).map(|i| i.token_count);
    undo_read_only(&path, 0o600);
    let (read, written) = opened.unwrap();
    assert_eq!(read.unwrap(), expected);
    // The first write opens the file for writing, which fails, saying where and why.
    match written {
        Err(e @ Error::Io(_)) => {
            let message = e.to_string();
            assert!(message.contains(&*path.to_string_lossy()), "{message}");
            assert!(message.contains("for writing"), "{message}");
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
    assert_eq!(inspected.unwrap(), 3);
    assert_eq!(digest(&path), before);

    let folder = dir.path().join("locked");
    fs::create_dir(&folder).unwrap();
    if !make_read_only(&folder, 0o500) {
        println!("skipped: cannot make a folder read-only here");
        return;
    }
    let target = folder.join("new.vault");
    let result = OpenOptions::insecure_for_tests().create(&target, PASSPHRASE);
    let left = fs::read_dir(&folder).unwrap().count();
    undo_read_only(&folder, 0o700);
    match result {
        Err(e @ Error::Io(_)) => assert!(e.to_string().contains("new.vault"), "{e}"),
        other => panic!("expected an I/O error, got {other:?}"),
    }
    assert_eq!(left, 0, "a failed create left a file");
}
