//! What the server holds: a `mysqldump` of a vault's database contains no token value and no
//! user name, while the same tokens in the SDK's DBStore layout are all there in the dump (so the
//! check can see a leak when there is one). Needs `--features mysql`,
//! `TOKENVAULT_TEST_MYSQL_URL` and the `mysqldump` client.
#![cfg(feature = "mysql")]

use std::io::Write;
use std::process::Command;

use mysql::prelude::Queryable;
use tokenvault::Token;

use crate::common::mysql::TestDb;
use crate::common::server::ServerDb;
use crate::common::workload::tagged_token;

/// Every value of `tokens`, user names included (ids excepted: they are not secret, and they
/// are the records' keys).
fn values(tokens: &[Token]) -> Vec<String> {
    let mut out = Vec::new();
    for t in tokens {
        for field in Token::FIELDS {
            if field == "id" {
                continue;
            }
            if let Some(v) = t.field(field) {
                out.push(v.to_string());
            }
        }
    }
    out
}

/// `mysqldump` of `db`'s database, as raw bytes (BLOBs unescaped where they are printable).
fn dump(db: &TestDb) -> Vec<u8> {
    let url = url::Url::parse(&db.url).unwrap();
    // The password goes through a private options file, not the command line.
    let mut options = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        options,
        "[client]\nuser={}\npassword={}\nhost={}\nport={}",
        url.username(),
        url.password().unwrap_or_default(),
        url.host_str().unwrap(),
        url.port().unwrap_or(3306)
    )
    .unwrap();
    let out = Command::new("mysqldump")
        .arg(format!(
            "--defaults-extra-file={}",
            options.path().display()
        ))
        .args(["--protocol=TCP", "--skip-extended-insert", &db.name])
        .output()
        .expect("run mysqldump (apt-get install mariadb-client)");
    assert!(
        out.status.success(),
        "mysqldump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn a_dump_of_the_vault_database_holds_no_secret_and_no_user_name() {
    let Some(db) = TestDb::new("dumpvault") else {
        return;
    };
    let vault = db.create_vault();
    for i in 0..20 {
        let mut t = tagged_token(&format!("dumped{i}"), i);
        t.grant_token = Some(tokenvault::Secret::new(format!("1000.grant.dumped{i}")));
        vault.save_token(&mut t).unwrap();
    }
    // Replaced and deleted values must not linger in the tables either.
    vault.save_token(&mut tagged_token("dumped3", 99)).unwrap();
    vault.delete_token("5").unwrap();
    let mut all = vault.get_tokens().unwrap();
    all.push(tagged_token("dumped3", 3));
    let dump = dump(&db);
    assert!(
        contains(&dump, "INSERT INTO `tokenvault_records`"),
        "the dump has the records"
    );
    let leaked: Vec<String> = values(&all)
        .into_iter()
        .filter(|v| contains(&dump, v))
        .collect();
    assert!(leaked.is_empty(), "values in the dump: {leaked:?}");
    for word in ["dumped", "zylker", "refresh", "secret"] {
        assert!(!contains(&dump, word), "{word:?} appears in the dump");
    }
    println!(
        "{} bytes of mysqldump output, {} token values checked: none present",
        dump.len(),
        values(&all).len()
    );
}

#[test]
fn the_same_tokens_in_the_dbstore_layout_are_all_in_the_dump() {
    let Some(db) = TestDb::new("dumpdbstore") else {
        return;
    };
    let mut conn = db.conn();
    conn.query_drop(crate::common::dbstore_sdk::CREATE_TABLE)
        .unwrap();
    let tokens: Vec<Token> = (0..20)
        .map(|i| {
            let mut t = tagged_token(&format!("dumped{i}"), i);
            t.id = Some((i + 1).to_string());
            t
        })
        .collect();
    crate::common::dbstore_sdk::insert(&mut conn, "oauthtoken", &tokens);
    let dump = dump(&db);
    let missing: Vec<String> = values(&tokens)
        .into_iter()
        .filter(|v| !contains(&dump, v))
        .collect();
    assert!(missing.is_empty(), "the check would miss: {missing:?}");
}
