//! What a PostgreSQL vault does when the server misbehaves: a session terminated in the middle of
//! a transaction is a typed error that leaves the last committed state, one terminated while
//! committing loses no acknowledged save, idle sessions the server closed are replaced, another
//! host holding the write lock makes a write fail with `Busy`, and a bad URL never shows its
//! password. Needs `--features postgres` and `TOKENVAULT_TEST_POSTGRES_URL`.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use tokenvault::Error;

use crate::common::PASSPHRASE;
use crate::common::postgres::TestDb;
use crate::common::server::ServerDb;
use crate::common::workload::{check_tagged, tagged_token};

/// Far beyond any bound the library documents: only a hang reaches it.
const HANG: Duration = Duration::from_secs(60);

/// Terminates every session on `db`'s database but the caller's; how many there were.
fn terminate_sessions(db: &TestDb, only_in_transaction: bool) -> u64 {
    let rows = db
        .client()
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() \
             AND (NOT $1 OR xact_start IS NOT NULL)",
            &[&only_in_transaction],
        )
        .unwrap();
    rows.len() as u64
}

#[test]
fn a_session_terminated_mid_transaction_is_a_typed_error_and_leaves_the_last_commit() {
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
        // The one session in a transaction on this test's database is the import's.
        let terminated = terminate_sessions(&db, true);
        release.send(()).unwrap();
        let import = importer.join().unwrap();
        assert_eq!(terminated, 1, "the import's session terminated");
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
fn idle_sessions_terminated_by_the_server_are_replaced() {
    let Some(db) = TestDb::new("idlekill") else {
        return;
    };
    let vault = db.create_vault();
    vault.save_token(&mut tagged_token("a", 0)).unwrap();
    assert!(
        terminate_sessions(&db, false) > 0,
        "the vault holds a session"
    );
    // Let the server finish closing them.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(vault.len().unwrap(), 1);
    vault.save_token(&mut tagged_token("b", 0)).unwrap();
    assert_eq!(vault.len().unwrap(), 2);
}

/// Writers save while another thread terminates every session of the database again and again:
/// each save either succeeds, and is then in the vault, or fails with a typed server error. A
/// save reported as saved is never lost; one that failed while committing may or may not be
/// there (its error says so), and one that failed before never is.
#[test]
fn sessions_terminated_while_saving_lose_no_acknowledged_save() {
    let Some(db) = TestDb::new("killsaves") else {
        return;
    };
    drop(db.create_vault());
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (acknowledged, failed) = std::thread::scope(|s| {
        let killer = s.spawn(|| {
            let mut kills = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                kills += terminate_sessions(&db, false);
                // Often enough to land in every phase of some saves, rarely enough that most complete.
                std::thread::sleep(Duration::from_millis(25));
            }
            kills
        });
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let db = &db;
                s.spawn(move || {
                    // An open can meet a termination too: retried until it gets through.
                    let vault = (0..100)
                        .find_map(|_| {
                            tokenvault::OpenOptions::insecure_for_tests()
                                .open(db.location(), PASSPHRASE)
                                .ok()
                        })
                        .expect("the vault opens between terminations");
                    let (mut ok, mut failed) = (Vec::new(), Vec::new());
                    for i in 0..60 {
                        let tag = format!("w{w}-{i}");
                        match vault.save_token(&mut tagged_token(&tag, 0)) {
                            Ok(_) => ok.push(tag),
                            Err(e @ (Error::Server { .. } | Error::ServerUnreachable { .. })) => {
                                assert!(!e.to_string().contains(db.url()), "{e}");
                                failed.push((tag, e.to_string()))
                            }
                            Err(other) => panic!("an untyped failure: {other:?}"),
                        }
                    }
                    (ok, failed)
                })
            })
            .collect();
        let results: Vec<_> = writers.into_iter().map(|w| w.join().unwrap()).collect();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let kills = killer.join().unwrap();
        assert!(kills > 0, "sessions were terminated");
        let acknowledged: Vec<String> = results.iter().flat_map(|(ok, _)| ok.clone()).collect();
        let failed: Vec<(String, String)> =
            results.into_iter().flat_map(|(_, failed)| failed).collect();
        (acknowledged, failed)
    });
    let stored: std::collections::BTreeSet<String> = db
        .open_vault()
        .get_tokens()
        .unwrap()
        .iter()
        .map(|t| check_tagged(t).unwrap().0)
        .collect();
    for tag in &acknowledged {
        assert!(stored.contains(tag), "acknowledged save {tag} lost");
    }
    for (tag, message) in &failed {
        if stored.contains(tag) {
            assert!(
                message.contains("may or may not have been applied"),
                "{tag} is stored although its save failed with: {message}"
            );
        }
    }
    assert!(db.open_vault().verify().unwrap().is_ok());
    let unknown = failed
        .iter()
        .filter(|(_, message)| message.contains("may or may not have been applied"))
        .count();
    println!(
        "{} saves acknowledged and all kept; {} failed with a typed error ({unknown} of them \
         while committing, outcome unknown), while sessions were terminated every 25 ms",
        acknowledged.len(),
        failed.len()
    );
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
    let mut other = db.client();
    let mut held = other.transaction().unwrap();
    held.query("SELECT * FROM tokenvault_header FOR UPDATE", &[])
        .unwrap();

    assert_eq!(vault.len().unwrap(), 1, "readers take no lock");
    let started = Instant::now();
    match vault.save_token(&mut tagged_token("b", 0)) {
        Err(Error::Busy { waited }) => assert!(waited >= timeout),
        other => panic!("expected Busy, got {other:?}"),
    }
    assert!(started.elapsed() >= timeout);
    assert_eq!(vault.len().unwrap(), 1, "the refused write changed nothing");

    held.rollback().unwrap();
    vault.save_token(&mut tagged_token("b", 0)).unwrap();
    assert_eq!(vault.len().unwrap(), 2);
}

#[test]
fn a_bad_url_is_an_invalid_location_that_never_shows_the_password() {
    crate::common::server_cases::bad_urls_are_invalid_locations_that_never_show_the_password::<
        TestDb,
    >(&[
        "postgres://app:hunter2@127.0.0.1/zohooauth?no_such_parameter=1",
        "postgres://app:hunter2@127.0.0.1/",
        "postgresql://app:hunter2@127.0.0.1/zohooauth?sslmode=sometimes",
        "postgres://app:hunter2@127.0.0.1/zohooauth?sslmode=prefer",
        "postgres://app:hunter2@127.0.0.1/zohooauth?connect_timeout=-1",
        "postgres://127.0.0.1/zohooauth?password=hunter2&port=notanumber",
    ]);
}

/// The password comes from `PGPASSWORD` or the password file when the URL gives none, as with
/// libpq; a password file others can read is ignored. (Run in a child process: the environment
/// is the process's.)
#[test]
fn a_url_without_a_password_takes_it_from_pgpassword_or_the_password_file() {
    use crate::common::child;
    const NAME: &str = "a_url_without_a_password_takes_it_from_pgpassword_or_the_password_file";
    if child::role().as_deref() == Some("open") {
        let opened = tokenvault::Vault::open(
            tokenvault::Location::parse(child::env("VAULT_URL")),
            PASSPHRASE,
        );
        child::report(match opened {
            Ok(vault) => format!("opened {}", vault.len().unwrap()),
            Err(e) => format!("refused {e}"),
        });
        return;
    }
    let Some(db) = TestDb::new("pgpass") else {
        return;
    };
    drop(db.create_vault());
    let url = url::Url::parse(&db.url).unwrap();
    let password = url.password().unwrap().to_string();
    let mut without = url.clone();
    without.set_password(None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = |envs: &[(&str, &std::ffi::OsStr)]| -> String {
        let mut cmd = child::command(NAME, "open");
        cmd.env("VAULT_URL", without.as_str())
            .env_remove("PGPASSWORD")
            .env("PGPASSFILE", dir.path().join("none"));
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let (status, lines) = child::Reporter::spawn(cmd).finish();
        assert!(status.success());
        lines.into_iter().next().unwrap_or_default()
    };
    assert!(run(&[("PGPASSWORD", password.as_ref())]).starts_with("opened 0"));
    let pgpass = dir.path().join("pgpass");
    let line = format!(
        "{}:{}:*:{}:{}\n",
        url.host_str().unwrap(),
        url.port().unwrap(),
        url.username(),
        password.replace('\\', "\\\\").replace(':', "\\:")
    );
    std::fs::write(&pgpass, line).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(run(&[("PGPASSFILE", pgpass.as_os_str())]).starts_with("opened 0"));
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = run(&[("PGPASSFILE", pgpass.as_os_str())]);
    assert!(refused.starts_with("refused"), "{refused}");
    assert!(!refused.contains(&password), "{refused}");
}

/// A Unix socket folder in place of the host (`?host=/path`), as libpq takes it.
#[test]
fn a_socket_folder_as_the_host_reaches_the_server() {
    let Some(db) = TestDb::new("socket") else {
        return;
    };
    let Ok(socket) = std::env::var("TOKENVAULT_TEST_POSTGRES_SOCKET") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI's server has a socket: TOKENVAULT_TEST_POSTGRES_SOCKET must be set"
        );
        return;
    };
    let url = url::Url::parse(&db.url).unwrap();
    let encoded: String = url::form_urlencoded::byte_serialize(socket.as_bytes()).collect();
    let through_socket = format!(
        "postgres://{}:{}@/{}?host={encoded}&port={}",
        url.username(),
        url.password().unwrap(),
        db.name,
        url.port().unwrap()
    );
    let vault = tokenvault::OpenOptions::insecure_for_tests()
        .create(tokenvault::Location::parse(&through_socket), PASSPHRASE)
        .unwrap();
    vault.save_token(&mut tagged_token("socket", 0)).unwrap();
    assert_eq!(db.open_vault().len().unwrap(), 1);
}
