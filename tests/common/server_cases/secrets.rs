//! What the server holds: a dump of a vault's database (`mysqldump`, `pg_dump`) contains no token
//! value and no user name, while the same tokens in the SDK's DBStore layout are all there in the
//! dump (so the check can see a leak when there is one).

use tokenvault::Token;

use crate::common::server::ServerDb;
use crate::common::workload::tagged_token;

/// Every value of `tokens`, user names included (ids excepted: they are not secret, and they
/// are the records' keys).
fn values(tokens: &[Token]) -> Vec<String> {
    tokens
        .iter()
        .flat_map(|t| {
            Token::FIELDS
                .iter()
                .filter(|field| **field != "id")
                .filter_map(|field| t.field(field).map(str::to_string))
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

pub fn a_dump_of_the_vault_database_holds_no_secret_and_no_user_name<D: ServerDb>() {
    let Some(db) = D::new("dumpvault") else {
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
    let dump = db.dump();
    assert!(
        contains(&dump, D::DUMPED_RECORDS),
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
        "{} bytes of the server's dump, {} token values checked: none present",
        dump.len(),
        values(&all).len()
    );
}

pub fn the_same_tokens_in_the_dbstore_layout_are_all_in_the_dump<D: ServerDb>() {
    let Some(db) = D::new("dumpdbstore") else {
        return;
    };
    let tokens: Vec<Token> = (0..20)
        .map(|i| {
            let mut t = tagged_token(&format!("dumped{i}"), i);
            t.id = Some((i + 1).to_string());
            t
        })
        .collect();
    db.dbstore_table(&tokens);
    let dump = db.dump();
    let missing: Vec<String> = values(&tokens)
        .into_iter()
        .filter(|v| !contains(&dump, v))
        .collect();
    assert!(missing.is_empty(), "the check would miss: {missing:?}");
}
