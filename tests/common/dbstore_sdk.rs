//! The Zoho CRM SDK's `DBStore` table, as its README creates it and as its `save_token` fills
//! it (zohocrmsdk8-0 7.0.0, `store/db_store.py`): the migration tests and the dump comparison
//! build their plaintext tables exactly so.

#[cfg(feature = "mysql")]
use mysql::prelude::Queryable;
#[cfg(feature = "mysql")]
use tokenvault::Token;

/// The SDK's README: "CREATE TABLE oauthtoken (…)".
pub const CREATE_TABLE: &str = "CREATE TABLE oauthtoken (
  id varchar(10) NOT NULL,
  user_name varchar(255),
  client_id varchar(255),
  client_secret varchar(255),
  refresh_token varchar(255),
  access_token varchar(255),
  grant_token varchar(255),
  expiry_time varchar(20),
  redirect_url varchar(255),
  api_domain varchar(255),
  primary key (id)
)";

#[cfg(feature = "mysql")]
/// The DBStore's INSERT, one row per token (absent fields are NULL, as the SDK binds `None`).
pub fn insert(conn: &mut impl Queryable, table: &str, tokens: &[Token]) {
    let statement = format!(
        "insert into `{table}` (id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_url,api_domain) values (?,?,?,?,?,?,?,?,?,?)"
    );
    for t in tokens {
        let row: Vec<mysql::Value> = Token::FIELDS
            .iter()
            .map(|f| t.field(f).map_or(mysql::Value::NULL, |v| v.into()))
            .collect();
        conn.exec_drop(&statement, row)
            .expect("insert a DBStore row");
    }
}
