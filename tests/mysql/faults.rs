//! What a MySQL vault does when the server misbehaves (an unreachable or silent server is a
//! shared case, tests/common/server_cases/): a connection killed in the middle of a
//! transaction is a typed error that leaves the last committed state, another host holding the
//! write lock makes a write fail with `Busy`, and a bad URL never shows its password. Needs
//! `--features mysql` and `TOKENVAULT_TEST_MYSQL_URL`.
#![cfg(feature = "mysql")]

use std::sync::mpsc;
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use tokenvault::Error;

use crate::common::PASSPHRASE;
use crate::common::mysql::TestDb;
use crate::common::server::ServerDb;
use crate::common::workload::{check_tagged, tagged_token};

/// Far beyond any bound the library documents: only a hang reaches it.
const HANG: Duration = Duration::from_secs(60);

#[test]
fn a_connection_killed_mid_transaction_is_a_typed_error_and_leaves_the_last_commit() {
    let Some(db) = TestDb::new("killed") else {
        return;
    };
    let vault = db.create_vault();
    for i in 0..3 {
        vault
            .save_token(&mut tagged_token(&format!("before{i}"), 0))
            .unwrap();
    }
    let before = vault.get_tokens().unwrap();

    let (holding, held) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let import = std::thread::scope(|s| {
        let vault = &vault;
        let importer = s.spawn(move || {
            let tokens = (0..5).map(move |i| {
                if i == 2 {
                    holding.send(()).unwrap();
                    released.recv().unwrap();
                }
                tagged_token(&format!("import{i}"), 0)
            });
            vault.import(tokens)
        });
        held.recv_timeout(HANG).expect("the import started");
        // The transaction holding the header lock is the import's: the one open transaction on
        // this test's database (other tests of this binary run theirs on their own databases).
        let mut admin = db.conn();
        let ids: Vec<u64> = admin
            .exec(
                "SELECT t.trx_mysql_thread_id FROM information_schema.INNODB_TRX t \
                 JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id \
                 WHERE p.DB = ?",
                (db.name.as_str(),),
            )
            .unwrap();
        let killed = match ids.as_slice() {
            [id] => admin
                .query_drop(format!("KILL {id}"))
                .map_err(|e| e.to_string()),
            _ => Err(format!("not one open transaction on the database: {ids:?}")),
        };
        // Released whatever happened, so that a failed check fails the test instead of leaving
        // the importer waiting forever.
        release.send(()).unwrap();
        let import = importer.join().unwrap();
        killed.expect("the import's connection killed");
        import
    });
    match import {
        Err(e @ Error::Server { .. }) => {
            assert!(e.to_string().contains("rolled it back"), "{e}");
        }
        other => panic!("expected a server error, got {other:?}"),
    }
    assert_eq!(
        vault.get_tokens().unwrap(),
        before,
        "the last committed state"
    );
    // The handle goes on with a new connection.
    vault.save_token(&mut tagged_token("after", 0)).unwrap();
    assert!(vault.verify().unwrap().is_ok());
    let tags: Vec<String> = db
        .open_vault()
        .get_tokens()
        .unwrap()
        .iter()
        .map(|t| check_tagged(t).unwrap().0)
        .collect();
    assert_eq!(tags, ["before0", "before1", "before2", "after"]);
}

#[test]
fn idle_connections_killed_by_the_server_are_replaced() {
    let Some(db) = TestDb::new("idlekill") else {
        return;
    };
    let vault = db.create_vault();
    vault.save_token(&mut tagged_token("a", 0)).unwrap();
    let mut admin = db.conn();
    let ids: Vec<u64> = admin
        .exec(
            "SELECT id FROM information_schema.PROCESSLIST WHERE db = ? AND id <> CONNECTION_ID()",
            (&db.name,),
        )
        .unwrap();
    assert!(!ids.is_empty(), "the vault holds a connection");
    for id in ids {
        admin.query_drop(format!("KILL {id}")).unwrap();
    }
    assert_eq!(vault.len().unwrap(), 1);
    vault.save_token(&mut tagged_token("b", 0)).unwrap();
    assert_eq!(vault.len().unwrap(), 2);
}

#[test]
fn a_write_lock_held_by_another_host_makes_writes_busy_and_reads_go_on() {
    let Some(db) = TestDb::new("busy") else {
        return;
    };
    db.create_vault()
        .save_token(&mut tagged_token("a", 0))
        .unwrap();
    let timeout = Duration::from_secs(1);
    let vault = tokenvault::OpenOptions::new()
        .busy_timeout(timeout)
        .open(db.location(), PASSPHRASE)
        .unwrap();
    // Another host's write transaction, stopped while it holds the lock every write takes.
    let mut other = db.conn();
    other.query_drop("START TRANSACTION").unwrap();
    let _: Vec<mysql::Row> = other
        .query("SELECT * FROM tokenvault_header FOR UPDATE")
        .unwrap();

    assert_eq!(vault.len().unwrap(), 1, "readers take no lock");
    let started = Instant::now();
    match vault.save_token(&mut tagged_token("b", 0)) {
        Err(Error::Busy { waited }) => assert!(waited >= timeout),
        other => panic!("expected Busy, got {other:?}"),
    }
    assert!(started.elapsed() >= timeout);
    assert_eq!(vault.len().unwrap(), 1, "the refused write changed nothing");

    other.query_drop("ROLLBACK").unwrap();
    vault.save_token(&mut tagged_token("b", 0)).unwrap();
    assert_eq!(vault.len().unwrap(), 2);
}

#[test]
fn a_bad_url_is_an_invalid_location_that_never_shows_the_password() {
    crate::common::server_cases::bad_urls_are_invalid_locations_that_never_show_the_password::<
        TestDb,
    >(&[
        "mysql://app:hunter2@127.0.0.1/zohooauth?no_such_parameter=1",
        "mysql://app:hunter2@127.0.0.1/",
        "mysql://app:hunter2@127.0.0.1/zohooauth?ssl-mode=sometimes",
        "mysql://app:hunter2@127.0.0.1/zohooauth?connect_timeout=-1",
        "mysql://127.0.0.1/zohooauth?password=hunter2&port=notanumber",
    ]);
}
