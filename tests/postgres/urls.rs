//! What is PostgreSQL's own in its URLs: a bad one never shows its password, the password
//! comes from `PGPASSWORD` or the password file when the URL has none, and a socket folder as the
//! host reaches the server. (Its faults are the shared cases, tests/common/server_cases/.) Needs
//! `--features postgres` and `TOKENVAULT_TEST_POSTGRES_URL`.

use crate::common::PASSPHRASE;
use crate::common::postgres::TestDb;
use crate::common::server::ServerDb;
use crate::common::workload::tagged_token;

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
