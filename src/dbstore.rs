//! The SDK's `DBStore` table on a MySQL/MariaDB server: reading it to migrate into a vault.
//!
//! The DBStore keeps every token in the clear in one table (database `zohooauth`, table
//! `oauthtoken` by default), with the columns in [`COLUMNS`]. [`read`] takes the whole table in
//! one consistent snapshot, in primary-key order (the order the DBStore's own `SELECT … LIMIT 1`
//! scans, so the vault's first-match rules pick the same token), and
//! [`Vault::import`](crate::Vault::import) then stores it in one transaction. Nothing is written
//! to the server.
//!
//! ```no_run
//! # fn main() -> Result<(), tokenvault::Error> {
//! use tokenvault::Vault;
//!
//! let tokens = tokenvault::dbstore::read("mysql://app:pw@db.internal/zohooauth?table=oauthtoken")?;
//! let vault = Vault::open("mysql://app:pw@db.internal/zohooauth", "passphrase")?;
//! let summary = vault.import(tokens)?;
//! println!("{} imported, {} updated", summary.inserted, summary.updated);
//! # Ok(())
//! # }
//! ```

use std::time::Duration;

use mysql::prelude::Queryable;

use crate::engines::mysql::ServerUrl;
use crate::error::Error;
use crate::filestore::MAX_FIELD_LEN;
use crate::rules;
use crate::token::Token;

/// The table the SDK's `DBStore` uses unless told otherwise.
pub const DEFAULT_TABLE: &str = "oauthtoken";

/// The DBStore's columns, in the SDK's order (its `CREATE TABLE` and `INSERT`): the token
/// model's field names, one for one.
pub const COLUMNS: [&str; 10] = Token::FIELDS;

/// How long one read from the server may take.
const IO_TIMEOUT: Duration = Duration::from_secs(60);

fn invalid_row(row: u64, reason: impl Into<String>) -> Error {
    Error::InvalidTokenFile {
        line: row,
        reason: format!("DBStore table, row {row} in id order: {}", reason.into()),
    }
}

/// Reads every token of the DBStore table that `url` names:
/// `mysql://user:password@host:port/database?table=oauthtoken` (`table` defaults to
/// [`DEFAULT_TABLE`]; `ssl-mode` and `connect_timeout` as for a vault URL).
///
/// NULL and empty columns are absent values; numbers (an `expiry_time` stored as `BIGINT`) are
/// read as their decimal text. Fails, naming the row (its position in id order, never a value),
/// on an id that is not a decimal number, a value that is not UTF-8 text, or a value over
/// [`MAX_FIELD_LEN`] bytes.
pub fn read(url: &str) -> Result<Vec<Token>, Error> {
    let parsed = ServerUrl::parse(url, &["table"])?;
    let table = parsed
        .extra
        .get("table")
        .map_or(DEFAULT_TABLE, String::as_str)
        .to_string();
    // The SDK's own check: the name is spliced into the query, quoted.
    if table.is_empty() || !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::InvalidLocation {
            reason: format!(
                "{}: table must be letters, digits and underscores only",
                parsed.shown
            ),
        });
    }
    let shown = parsed.shown.clone();
    let unreachable = |e: mysql::Error| match e {
        mysql::Error::MySqlError(e) => Error::Server {
            what: format!("{} (error {})", e.message, e.code),
        },
        other => Error::ServerUnreachable {
            server: shown.clone(),
            reason: other.to_string(),
        },
    };
    let opts = parsed
        .opts
        .read_timeout(Some(IO_TIMEOUT))
        .write_timeout(Some(IO_TIMEOUT));
    let mut conn = mysql::Conn::new(opts).map_err(unreachable)?;
    let server = |e: mysql::Error| match e {
        mysql::Error::MySqlError(e) => Error::Server {
            what: format!("{} (error {})", e.message, e.code),
        },
        other => Error::Server {
            what: format!("the connection to {shown} was lost: {other}"),
        },
    };
    conn.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        .map_err(server)?;
    let query = format!(
        "SELECT {} FROM `{table}` ORDER BY id",
        COLUMNS.map(|c| format!("`{c}`")).join(", ")
    );
    let rows: Vec<mysql::Row> = conn.query(query).map_err(server)?;
    conn.query_drop("COMMIT").map_err(server)?;
    let mut tokens = Vec::with_capacity(rows.len());
    for (row_number, row) in (1u64..).zip(rows) {
        // Values are moved, not copied, into the token, whose secrets are wiped on drop.
        let values = row.unwrap();
        if values.len() != COLUMNS.len() {
            return Err(invalid_row(row_number, "unexpected number of columns"));
        }
        let mut token = Token::new();
        for (value, name) in values.into_iter().zip(COLUMNS) {
            if let Some(text) = text(value, row_number, name)? {
                token.set_field(name, Some(text));
            }
        }
        if let Some(id) = &token.id {
            if rules::parse_id(id).is_none() {
                return Err(invalid_row(row_number, "id is not a decimal number"));
            }
        }
        tokens.push(token);
    }
    Ok(tokens)
}

/// A column's value as text; `None` for NULL and empty.
fn text(value: mysql::Value, row: u64, column: &str) -> Result<Option<String>, Error> {
    let text = match value {
        mysql::Value::NULL => return Ok(None),
        mysql::Value::Bytes(bytes) => {
            if bytes.len() > MAX_FIELD_LEN {
                return Err(invalid_row(
                    row,
                    format!(
                        "column {column} is {} bytes, the limit is {MAX_FIELD_LEN}",
                        bytes.len()
                    ),
                ));
            }
            String::from_utf8(bytes).map_err(|e| {
                zeroize::Zeroize::zeroize(&mut e.into_bytes());
                invalid_row(row, format!("column {column} is not UTF-8 text"))
            })?
        }
        mysql::Value::Int(n) => n.to_string(),
        mysql::Value::UInt(n) => n.to_string(),
        _ => {
            return Err(invalid_row(
                row,
                format!("column {column} is neither text nor a whole number"),
            ));
        }
    };
    Ok(Some(text).filter(|t| !t.is_empty()))
}
