//! Migrating the SDK's DBStore (a plaintext MySQL table) into a vault: every row becomes a token
//! with its id, in the table's own order (so the first-match rules pick what the DBStore's
//! `SELECT … LIMIT 1` picks), in one transaction, and a table the migration cannot read changes
//! nothing. Needs `--features mysql` and `TOKENVAULT_TEST_MYSQL_URL`.
#![cfg(feature = "mysql")]

use mysql::prelude::Queryable;
use tokenvault::{Error, Secret, Token, dbstore};

use crate::common::dbstore_sdk::{CREATE_TABLE, insert};
use crate::common::mysql::TestDb;
use crate::common::server::ServerDb;
use crate::common::token;

fn sdk_rows() -> Vec<Token> {
    vec![
        token(&[
            ("id", "1"),
            ("user_name", "ann@zylker.com"),
            ("client_id", "1000.A"),
            ("client_secret", "sa"),
            ("refresh_token", "1000.shared-refresh"),
            ("access_token", "1000.at-ann"),
            ("expiry_time", "1700000000000"),
            ("redirect_url", "https://zylker.com/cb"),
            ("api_domain", "https://www.zohoapis.com"),
        ]),
        // Sorts before "2" as the varchar primary key does.
        token(&[
            ("id", "10"),
            ("user_name", "bob@zylker.com"),
            ("client_id", "1000.A"),
            ("client_secret", "sa"),
            ("refresh_token", "1000.shared-refresh"),
            ("grant_token", "1000.grant-bob"),
        ]),
        token(&[
            ("id", "2"),
            ("user_name", "carl@zylker.com"),
            ("client_id", "1000.A"),
            ("client_secret", "sa"),
        ]),
    ]
}

fn sdk_table(db: &TestDb, rows: &[Token]) {
    let mut conn = db.conn();
    conn.query_drop(CREATE_TABLE).unwrap();
    insert(&mut conn, "oauthtoken", rows);
}

#[test]
fn a_dbstore_table_is_read_in_primary_key_order_with_every_field() {
    let Some(db) = TestDb::new("dbstoreread") else {
        return;
    };
    let rows = sdk_rows();
    sdk_table(&db, &rows);
    let read = dbstore::read(&format!("{}?table=oauthtoken", db.url)).unwrap();
    let ids: Vec<_> = read.iter().map(|t| t.id.clone().unwrap()).collect();
    assert_eq!(ids, ["1", "10", "2"], "the varchar key's order");
    assert_eq!(read[0], rows[0]);
    assert_eq!(read[1], rows[1]);
    assert_eq!(read[2], rows[2]);
    // `table` defaults to the SDK's.
    assert_eq!(dbstore::read(&db.url).unwrap(), read);
}

#[test]
fn migration_imports_in_one_transaction_and_keeps_the_dbstores_first_match() {
    let Some(db) = TestDb::new("dbstoremigrate") else {
        return;
    };
    sdk_table(&db, &sdk_rows());
    let vault = db.create_vault();
    let summary = vault.import(dbstore::read(&db.url).unwrap()).unwrap();
    assert_eq!((summary.inserted, summary.updated), (2, 0));
    // The SDK itself refuses to save carl's row (no token at all): skipped, as CSV import does.
    assert_eq!(summary.skipped.len(), 1);
    assert_eq!(summary.skipped[0].0, 2);

    // The DBStore's `WHERE refresh_token = ? LIMIT 1` scans in key order: ann ("1") first.
    let query = Token {
        client_id: Some("1000.A".into()),
        client_secret: Some(Secret::new("sa")),
        refresh_token: Some(Secret::new("1000.shared-refresh")),
        ..Token::default()
    };
    let mut conn = db.conn();
    let dbstore_first: Option<String> = conn
        .exec_first(
            "select id from oauthtoken where refresh_token=? limit 1",
            ("1000.shared-refresh",),
        )
        .unwrap();
    let found = vault.find_token(&query).unwrap().unwrap();
    assert_eq!(found.id, dbstore_first);
    assert_eq!(found.user_name.as_deref(), Some("ann@zylker.com"));
    // A second run updates the same tokens.
    let again = vault.import(dbstore::read(&db.url).unwrap()).unwrap();
    assert_eq!((again.inserted, again.updated), (0, 2));
    assert_eq!(vault.len().unwrap(), 2);
}

#[test]
fn a_row_whose_id_is_not_a_number_stops_the_migration_before_it_starts() {
    let Some(db) = TestDb::new("dbstorebad") else {
        return;
    };
    let mut rows = sdk_rows();
    rows.push(token(&[
        ("id", "x7"),
        ("user_name", "eve@zylker.com"),
        ("access_token", "1000.at-eve"),
    ]));
    sdk_table(&db, &rows);
    match dbstore::read(&db.url) {
        Err(e @ Error::InvalidTokenFile { .. }) => {
            let message = e.to_string();
            assert!(message.contains("row 4"), "{message}");
            assert!(!message.contains("eve"), "{message}");
        }
        other => panic!("expected a refused row, got {other:?}"),
    }
}

#[test]
fn a_table_name_that_is_not_a_plain_identifier_is_refused() {
    let Some(db) = TestDb::new("dbstorename") else {
        return;
    };
    for table in ["oauthtoken`; DROP TABLE x; --", "a b", ""] {
        let url = format!("{}?table={}", db.url, table.replace(' ', "%20"));
        assert!(
            matches!(dbstore::read(&url), Err(Error::InvalidLocation { .. })),
            "{table:?}"
        );
    }
}
