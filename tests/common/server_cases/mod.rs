//! The test cases every server engine must pass, written once over [`ServerDb`] and run by each
//! engine's test binary against its own server: `server_cases!(TestDb)` makes them that
//! binary's tests. What only one server has (its SQL for a kill, a lock, a dump, its TLS users)
//! stays in that engine's own test files.

pub mod faults;
pub mod reliability;
pub mod secrets;
pub mod tls;
pub mod vault;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use tokenvault::{Credential, Error, KdfParams, Location, OpenOptions, Vault};

use crate::common::server::ServerDb;
use crate::common::{PASSPHRASE, token};

/// Far beyond any bound the library documents: only a hang reaches it.
const HANG: Duration = Duration::from_secs(60);

/// The recorded FileStore cases replayed on a server vault: every case must give exactly the
/// file engine's result.
pub fn every_recorded_filestore_case_gives_the_recorded_result<D: ServerDb>() {
    let Some(db) = D::new("compat") else {
        return;
    };
    let cases = crate::common::replay::replay_all(|| {
        db.wipe_if_created();
        ((), db.create_vault())
    });
    println!("{cases} cases replayed on {}", db.location());
}

fn options() -> OpenOptions {
    OpenOptions::insecure_for_tests()
}

pub fn a_closed_port_is_server_unreachable<D: ServerDb>() {
    if !D::server_named("closed_port") {
        return;
    }
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let location = Location::parse(format!(
        "{}://app:hunter2@127.0.0.1:{port}/zohooauth",
        D::SCHEME
    ));
    match Vault::open(&location, PASSPHRASE) {
        Err(e @ Error::ServerUnreachable { .. }) => {
            let message = e.to_string();
            assert!(!message.contains("hunter2"), "{message}");
            assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
        }
        other => panic!("expected ServerUnreachable, got {other:?}"),
    }
}

pub fn a_server_that_never_answers_is_unreachable_after_the_connect_and_busy_timeouts<
    D: ServerDb,
>() {
    if !D::server_named("silent_server") {
        return;
    }
    // Accepts connections and never says a word, like a stopped server whose kernel still
    // completes the TCP handshake.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let (socket, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(8));
        drop(socket);
    });
    let location = Location::parse(format!(
        "{}://app@127.0.0.1:{port}/zohooauth?connect_timeout=1",
        D::SCHEME
    ));
    let started = Instant::now();
    let result = OpenOptions::new()
        .busy_timeout(Duration::from_secs(1))
        .open(&location, PASSPHRASE);
    let waited = started.elapsed();
    assert!(
        matches!(result, Err(Error::ServerUnreachable { .. })),
        "{result:?}"
    );
    assert!(waited < HANG, "waited {waited:?}");
    println!("a silent server was reported unreachable after {waited:?} (connect 1 s + busy 1 s)");
    held.join().unwrap();
}

/// Each of `urls` (with the password `hunter2`) is an invalid location whose message does not
/// show the password.
pub fn bad_urls_are_invalid_locations_that_never_show_the_password<D: ServerDb>(urls: &[&str]) {
    if !D::server_named("bad_url") {
        return;
    }
    for url in urls {
        match Vault::open(Location::parse(*url), PASSPHRASE) {
            Err(e @ Error::InvalidLocation { .. }) => {
                let message = e.to_string();
                assert!(!message.contains("hunter2"), "{message}");
            }
            other => panic!("{url}: expected InvalidLocation, got {other:?}"),
        }
    }
}

pub fn slots_on_a_server_work_as_in_a_file_and_other_handles_follow<D: ServerDb>() {
    let Some(db) = D::new("slots") else {
        return;
    };
    let key = Credential::key_bytes(&[6; 32]).unwrap();
    let admin = db.create_vault();
    admin
        .save_token(&mut token(&[("user_name", "ann"), ("access_token", "a")]))
        .unwrap();
    admin.add_slot(Some("worker"), &key, None).unwrap();
    admin
        .add_slot(
            Some("alice"),
            "alice's",
            Some(KdfParams::insecure_for_tests()),
        )
        .unwrap();
    // On a server, several handles of one process are independent clients (other hosts).
    let worker = options().open(db.location(), &key).unwrap();
    assert_eq!(worker.unlocked_slot().as_deref(), Some("worker"));
    admin.remove_slot("alice", true).unwrap();
    admin
        .save_token(&mut token(&[("user_name", "bob"), ("access_token", "b")]))
        .unwrap();
    assert_eq!(
        worker.get_tokens().unwrap().len(),
        2,
        "follows the rotation"
    );
    assert!(matches!(
        options().open(db.location(), "alice's"),
        Err(Error::WrongPassphrase)
    ));
    admin.remove_slot("worker", true).unwrap();
    assert!(matches!(worker.get_tokens(), Err(Error::KeyChanged)));
    assert!(matches!(
        admin.remove_slot("passphrase", false),
        Err(Error::Slot {
            reason: tokenvault::SlotError::LastSlot,
            ..
        })
    ));
    assert!(db.open_vault().verify().unwrap().is_ok());
}

/// The shared cases as tests of this binary, on the server of `$db` (a [`ServerDb`]).
#[macro_export]
macro_rules! server_cases {
    ($db:ty) => {
        $crate::server_cases!(@tests $db, $crate::common::server_cases, [
            every_recorded_filestore_case_gives_the_recorded_result,
            a_closed_port_is_server_unreachable,
            a_server_that_never_answers_is_unreachable_after_the_connect_and_busy_timeouts,
            slots_on_a_server_work_as_in_a_file_and_other_handles_follow,
        ]);
        $crate::server_cases!(@tests $db, $crate::common::server_cases::vault, [
            a_server_vault_reopens_with_its_tokens_and_refuses_a_wrong_passphrase,
            creating_over_an_existing_server_vault_is_refused_and_changes_nothing,
            a_create_whose_import_fails_leaves_no_vault_and_can_run_again,
            a_database_without_a_vault_is_not_a_vault_and_a_missing_one_is_not_found,
            two_hosts_creating_the_same_vault_at_once_make_exactly_one,
            a_rotation_and_a_passphrase_change_by_another_host_reach_this_handle,
            inspect_and_info_read_the_server_vault,
            a_vault_copied_file_to_server_to_file_opens_everywhere_with_the_same_tokens,
            records_are_copied_sealed_byte_for_byte,
            copying_onto_an_existing_vault_is_refused,
            delete_tokens_and_compact_work_on_the_server,
        ]);
        $crate::server_cases!(@tests $db, $crate::common::server_cases::faults, [
            a_session_killed_mid_transaction_is_a_typed_error_and_leaves_the_last_commit,
            idle_sessions_killed_by_the_server_are_replaced,
            sessions_killed_while_saving_lose_no_acknowledged_save,
            a_write_lock_held_by_another_host_makes_writes_busy_and_reads_go_on,
        ]);
        $crate::server_cases!(@tests $db, $crate::common::server_cases::tls, [
            without_a_tls_mode_a_remote_server_must_present_a_certificate_for_its_host_name,
            verify_ca_without_a_root_certificate_is_refused_before_connecting,
        ]);
        $crate::server_cases!(@tests $db, $crate::common::server_cases::secrets, [
            a_dump_of_the_vault_database_holds_no_secret_and_no_user_name,
            the_same_tokens_in_the_dbstore_layout_are_all_in_the_dump,
        ]);
        $crate::server_cases!(@tests $db, $crate::common::server_cases::reliability, [
            eight_processes_saving_through_the_server_keep_every_row_intact,
            eight_threads_of_mixed_operations_on_the_server_end_where_serial_runs_would,
        ]);
    };
    (@tests $db:ty, $module:path, [$($case:ident),* $(,)?]) => {
        $(
            #[test]
            fn $case() {
                use $module as cases;
                cases::$case::<$db>();
            }
        )*
    };
}
