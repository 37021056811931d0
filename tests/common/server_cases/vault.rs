//! A vault on a server behaves as a vault file does: create, open, wrong passphrase, key changes
//! seen by other handles, verification, and copies between a file and a server that open in
//! both, records still sealed. Run by every server engine's tests (`server_cases!`).

use tokenvault::{Error, Location, OpenOptions, Vault};

use crate::common::PASSPHRASE;
use crate::common::server::ServerDb;
use crate::common::workload::{tagged_query, tagged_token};

fn fill(vault: &Vault, n: usize) {
    for i in 0..n {
        vault
            .save_token(&mut tagged_token(&format!("u{i}"), 0))
            .unwrap();
    }
}

pub fn a_server_vault_reopens_with_its_tokens_and_refuses_a_wrong_passphrase<D: ServerDb>() {
    let Some(db) = D::new("reopen") else {
        return;
    };
    let vault = db.create_vault();
    fill(&vault, 5);
    let before = vault.get_tokens().unwrap();
    drop(vault);

    let reopened = db.open_vault();
    assert_eq!(reopened.get_tokens().unwrap(), before);
    assert_eq!(
        reopened.find_token(&tagged_query("u3")).unwrap().as_ref(),
        Some(&before[3])
    );
    assert!(reopened.verify().unwrap().is_ok());
    // The password never shows in what the vault reports about itself.
    let password = db
        .url()
        .split(['@'])
        .next()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap();
    assert!(!reopened.path().display().to_string().contains(password));

    let wrong = Vault::open(db.location(), "not the passphrase");
    assert!(matches!(wrong, Err(Error::WrongPassphrase)), "{wrong:?}");
}

pub fn creating_over_an_existing_server_vault_is_refused_and_changes_nothing<D: ServerDb>() {
    let Some(db) = D::new("exists") else {
        return;
    };
    let vault = db.create_vault();
    fill(&vault, 2);
    let again = OpenOptions::insecure_for_tests().create(db.location(), "other");
    assert!(
        matches!(again, Err(Error::AlreadyExists { .. })),
        "{again:?}"
    );
    assert_eq!(db.open_vault().len().unwrap(), 2);
}

pub fn a_create_whose_import_fails_leaves_no_vault_and_can_run_again<D: ServerDb>() {
    let Some(db) = D::new("createimport") else {
        return;
    };
    let options = tokenvault::OpenOptions::insecure_for_tests();
    let good = tagged_token("good", 0);
    // A non-canonical id is refused (InvalidId), which aborts the whole import.
    let bad = tokenvault::Token {
        id: Some("007".into()),
        ..tagged_token("bad", 0)
    };
    let failed = options.create_with_tokens(db.location(), PASSPHRASE, [good.clone(), bad]);
    assert!(matches!(failed, Err(Error::InvalidId { .. })), "{failed:?}");
    let opened = Vault::open(db.location(), PASSPHRASE);
    assert!(matches!(opened, Err(Error::NotAVault { .. })), "{opened:?}");

    let (vault, summary) = options
        .create_with_tokens(db.location(), PASSPHRASE, [good])
        .unwrap();
    assert_eq!((summary.inserted, summary.updated), (1, 0));
    assert_eq!(
        vault
            .find_token(&tagged_query("good"))
            .unwrap()
            .unwrap()
            .id
            .as_deref(),
        Some("1")
    );
}

pub fn a_database_without_a_vault_is_not_a_vault_and_a_missing_one_is_not_found<D: ServerDb>() {
    let Some(db) = D::new("notavault") else {
        return;
    };
    let empty = Vault::open(db.location(), PASSPHRASE);
    assert!(matches!(empty, Err(Error::NotAVault { .. })), "{empty:?}");
    let missing = Location::parse(db.url_of("tvtest_no_such_db"));
    let missing = Vault::open(&missing, PASSPHRASE);
    assert!(
        matches!(missing, Err(Error::VaultNotFound { .. })),
        "{missing:?}"
    );
}

pub fn two_hosts_creating_the_same_vault_at_once_make_exactly_one<D: ServerDb>() {
    let Some(db) = D::new("createrace") else {
        return;
    };
    let location = db.location();
    let barrier = std::sync::Barrier::new(4);
    let results: Vec<Result<Vault, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (location, barrier) = (&location, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    OpenOptions::insecure_for_tests().create(location, format!("passphrase {i}"))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let made: Vec<usize> = results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.is_ok().then_some(i))
        .collect();
    assert_eq!(made.len(), 1, "{results:?}");
    for r in &results {
        if let Err(e) = r {
            assert!(
                matches!(e, Error::AlreadyExists { .. } | Error::Server { .. }),
                "{e:?}"
            );
        }
    }
    // The vault is the winner's: its passphrase opens it.
    let winner = made[0];
    Vault::open(&location, format!("passphrase {winner}")).expect("winner's passphrase");
}

pub fn a_rotation_and_a_passphrase_change_by_another_host_reach_this_handle<D: ServerDb>() {
    let Some(db) = D::new("keys") else {
        return;
    };
    let here = db.create_vault();
    fill(&here, 10);
    let before = here.get_tokens().unwrap();

    let there = db.open_vault();
    there.rotate_data_key().unwrap();
    assert_eq!(
        here.get_tokens().unwrap(),
        before,
        "after another host rotated"
    );
    here.save_token(&mut tagged_token("after-rotation", 0))
        .unwrap();
    assert!(here.verify().unwrap().is_ok());

    there.change_passphrase("new passphrase", None).unwrap();
    assert!(matches!(here.get_tokens(), Err(Error::KeyChanged)));
    drop((here, there));
    assert!(matches!(
        Vault::open(db.location(), PASSPHRASE),
        Err(Error::WrongPassphrase)
    ));
    let reopened = Vault::open(db.location(), "new passphrase").unwrap();
    assert_eq!(reopened.len().unwrap(), 11);
}

pub fn inspect_and_info_read_the_server_vault<D: ServerDb>() {
    let Some(db) = D::new("inspect") else {
        return;
    };
    let vault = db.create_vault();
    fill(&vault, 3);
    let info = vault.info().unwrap();
    let inspected = Vault::inspect(db.location()).unwrap();
    assert_eq!(info, inspected);
    assert_eq!(info.token_count, 3);
    assert!(info.file_size > 0, "the tables' size");
    assert_eq!(info.generation, 4, "creation and three saves");
}

pub fn a_vault_copied_file_to_server_to_file_opens_everywhere_with_the_same_tokens<D: ServerDb>() {
    let Some(db) = D::new("copy") else {
        return;
    };
    let (dir, _path, file_vault) = crate::common::new_vault();
    fill(&file_vault, 25);
    file_vault.delete_token("7").unwrap();
    file_vault.save_token(&mut tagged_token("u3", 1)).unwrap();
    let tokens = file_vault.get_tokens().unwrap();

    assert_eq!(file_vault.copy_to(&db.location()).unwrap(), 24);
    let server_vault = db.open_vault();
    assert_eq!(server_vault.get_tokens().unwrap(), tokens);
    assert!(server_vault.verify().unwrap().is_ok());
    assert_eq!(
        server_vault.info().unwrap().store_id,
        file_vault.info().unwrap().store_id
    );
    // The copy goes on where the original was: the next id and position follow the copied ones.
    let mut next = tagged_token("next", 0);
    server_vault.save_token(&mut next).unwrap();
    assert_eq!(next.id.as_deref(), Some("26"));

    let back = dir.path().join("back.vault");
    assert_eq!(server_vault.copy_to(&Location::file(&back)).unwrap(), 25);
    let back = Vault::open(&back, PASSPHRASE).unwrap();
    assert_eq!(
        back.get_tokens().unwrap(),
        server_vault.get_tokens().unwrap()
    );
    assert!(back.verify().unwrap().is_ok());
}

pub fn records_are_copied_sealed_byte_for_byte<D: ServerDb>() {
    let Some(db) = D::new("sealed") else {
        return;
    };
    let (_dir, _path, file_vault) = crate::common::new_vault();
    fill(&file_vault, 3);
    file_vault.copy_to(&db.location()).unwrap();
    let first = db.sealed(1);
    // A record re-encrypted on the way would have a fresh nonce; an unchanged copy of the
    // server's row must then open in the file vault too, at the same id.
    let second = db.sealed(2);
    db.set_sealed(1, &second);
    let server_vault = db.open_vault();
    assert!(
        matches!(
            server_vault.find_token_by_id("1"),
            Err(Error::Corrupted { .. })
        ),
        "a record moved to another id must fail authentication"
    );
    db.set_sealed(1, &first);
    assert_eq!(
        server_vault.find_token_by_id("1").unwrap(),
        file_vault.find_token_by_id("1").unwrap()
    );
}

pub fn copying_onto_an_existing_vault_is_refused<D: ServerDb>() {
    let Some(db) = D::new("copyexists") else {
        return;
    };
    let server_vault = db.create_vault();
    fill(&server_vault, 2);
    let (_dir, path, file_vault) = crate::common::new_vault();
    let refused = file_vault.copy_to(&db.location());
    assert!(
        matches!(refused, Err(Error::AlreadyExists { .. })),
        "{refused:?}"
    );
    assert_eq!(db.open_vault().len().unwrap(), 2);
    let refused = server_vault.copy_to(&Location::file(&path));
    assert!(
        matches!(refused, Err(Error::AlreadyExists { .. })),
        "{refused:?}"
    );
}

pub fn delete_tokens_and_compact_work_on_the_server<D: ServerDb>() {
    let Some(db) = D::new("compact") else {
        return;
    };
    let mut vault = db.create_vault();
    fill(&vault, 10);
    vault.delete_tokens().unwrap();
    assert!(vault.is_empty().unwrap());
    assert!(vault.compact().unwrap());
    let mut t = tagged_token("fresh", 0);
    vault.save_token(&mut t).unwrap();
    assert_eq!(t.id.as_deref(), Some("1"));
    assert!(vault.verify().unwrap().is_ok());
}
