//! The floor of tokenvault's design: the same redb tables (records by id, insertion order,
//! four indexes keyed by value then position), with plaintext values and plain-value index keys
//! instead of sealed records and blind tags. The ratio tokenvault / this is the cost of the
//! encryption and the blind indexes.

use std::path::{Path, PathBuf};

use redb::{
    Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
    WriteTransaction,
};
use tokenvault::{Token, filestore};

use crate::Store;
use crate::rules::{self, Selector};

const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("records");
const ORDER: TableDefinition<u64, u64> = TableDefinition::new("order");
/// user name, access, refresh, grant token: `(value, seq) → id`.
const INDEXES: [TableDefinition<(&str, u64), u64>; 4] = [
    TableDefinition::new("index_user_name"),
    TableDefinition::new("index_access_token"),
    TableDefinition::new("index_refresh_token"),
    TableDefinition::new("index_grant_token"),
];
const INDEXED: [&str; 4] = ["user_name", "access_token", "refresh_token", "grant_token"];

/// A redb file.
pub struct RedbStore {
    db: Database,
    path: PathBuf,
}

/// `seq`, then the nine fields after the id, each as `u32` length (`u32::MAX`: absent) + bytes.
fn encode(seq: u64, t: &Token) -> Vec<u8> {
    let mut out = Vec::with_capacity(320);
    out.extend_from_slice(&seq.to_le_bytes());
    for f in &rules::fields(t)[1..] {
        match f {
            Some(v) => {
                out.extend_from_slice(&(v.len() as u32).to_le_bytes());
                out.extend_from_slice(v.as_bytes());
            }
            None => out.extend_from_slice(&u32::MAX.to_le_bytes()),
        }
    }
    out
}

fn decode(id: u64, bytes: &[u8]) -> (u64, Token) {
    let seq = u64::from_le_bytes(bytes[..8].try_into().expect("seq"));
    let mut at = 8;
    let mut values = vec![Some(id.to_string())];
    for _ in 0..9 {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("len"));
        at += 4;
        if len == u32::MAX {
            values.push(None);
        } else {
            let end = at + len as usize;
            values.push(Some(
                std::str::from_utf8(&bytes[at..end])
                    .expect("utf8")
                    .to_string(),
            ));
            at = end;
        }
    }
    (seq, rules::from_fields(values))
}

/// The first `(seq, id)` the selector picks through the indexes.
fn first_hit(
    get: impl Fn(usize, &str) -> Option<(u64, u64)>,
    sel: &Selector<'_>,
) -> Option<(u64, u64)> {
    fn non_empty(v: Option<&str>) -> Option<&str> {
        v.filter(|v| !v.is_empty())
    }
    match *sel {
        Selector::UserName(v) => get(0, non_empty(Some(v))?),
        Selector::Access(v) => get(1, non_empty(Some(v))?),
        Selector::GrantOrRefresh(g, r) => {
            let g = non_empty(g).and_then(|v| get(3, v));
            let r = non_empty(r).and_then(|v| get(2, v));
            g.into_iter().chain(r).min()
        }
        _ => None,
    }
}

fn index_values(t: &Token) -> impl Iterator<Item = (usize, &str)> {
    INDEXED
        .iter()
        .enumerate()
        .filter_map(|(i, f)| t.field(f).filter(|v| !v.is_empty()).map(|v| (i, v)))
}

fn save_in(txn: &WriteTransaction, token: &mut Token) {
    let mut records = txn.open_table(RECORDS).expect("records");
    let mut order = txn.open_table(ORDER).expect("order");
    let mut indexes = INDEXES.map(|d| txn.open_table(d).expect("index"));
    let load = |records: &redb::Table<u64, &[u8]>, id: u64| {
        records
            .get(id)
            .expect("get")
            .map(|v| (id, decode(id, v.value())))
    };
    let existing = match token.id.as_deref() {
        Some(id) => load(&records, id.parse().expect("numeric id")),
        None => {
            let sel = rules::select(token, false);
            let get = |i: usize, v: &str| {
                let mut range = indexes[i].range((v, 0)..=(v, u64::MAX)).expect("range");
                range.next().map(|e| {
                    let (k, id) = e.expect("entry");
                    (k.value().1, id.value())
                })
            };
            first_hit(get, &sel).and_then(|(_, id)| load(&records, id))
        }
    };
    match existing {
        Some((id, (seq, old))) => {
            rules::merge(token, &old);
            for (i, v) in index_values(&old) {
                indexes[i].remove((v, seq)).expect("unindex");
            }
            records
                .insert(id, encode(seq, token).as_slice())
                .expect("insert");
            for (i, v) in index_values(token) {
                indexes[i].insert((v, seq), id).expect("index");
            }
        }
        None => {
            let id = match token.id.as_deref() {
                Some(id) => id.parse().expect("numeric id"),
                None => records
                    .last()
                    .expect("last")
                    .map_or(1, |(k, _)| k.value() + 1),
            };
            token.id = Some(id.to_string());
            let seq = order
                .last()
                .expect("last")
                .map_or(0, |(k, _)| k.value() + 1);
            records
                .insert(id, encode(seq, token).as_slice())
                .expect("insert");
            order.insert(seq, id).expect("order");
            for (i, v) in index_values(token) {
                indexes[i].insert((v, seq), id).expect("index");
            }
        }
    }
}

impl RedbStore {
    /// A new file in `dir`, with its tables.
    pub fn create(dir: &Path) -> Self {
        let path = dir.join("tokens.redb");
        let db = Database::create(&path).expect("create redb");
        let txn = db.begin_write().expect("begin");
        drop(txn.open_table(RECORDS).expect("records"));
        drop(txn.open_table(ORDER).expect("order"));
        for d in INDEXES {
            drop(txn.open_table(d).expect("index"));
        }
        txn.commit().expect("commit");
        RedbStore { db, path }
    }

    /// Opens the file at `path` and its records table: what a process pays before its first read.
    pub fn open(path: &Path) -> Database {
        let db = Database::open(path).expect("open redb");
        let len = db
            .begin_read()
            .expect("read")
            .open_table(RECORDS)
            .expect("records")
            .len()
            .expect("len");
        std::hint::black_box(len);
        db
    }

    /// The file [`RedbStore::create`] made in `dir`.
    pub fn open_in(dir: &Path) -> Self {
        let path = dir.join("tokens.redb");
        RedbStore {
            db: RedbStore::open(&path),
            path,
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write(&self, f: impl FnOnce(&WriteTransaction)) {
        let txn = self.db.begin_write().expect("begin");
        f(&txn);
        txn.commit().expect("commit");
    }
}

impl Store for RedbStore {
    fn name(&self) -> &'static str {
        "redb"
    }

    fn find(&self, query: &Token) -> Option<Token> {
        let txn = self.db.begin_read().expect("read");
        let records = txn.open_table(RECORDS).expect("records");
        let sel = rules::select(query, true);
        let id = match sel {
            Selector::Id(id) => id.parse().ok()?,
            _ => {
                let indexes = INDEXES.map(|d| txn.open_table(d).expect("index"));
                let get = |i: usize, v: &str| {
                    let mut range = indexes[i].range((v, 0)..=(v, u64::MAX)).expect("range");
                    range.next().map(|e| {
                        let (k, id) = e.expect("entry");
                        (k.value().1, id.value())
                    })
                };
                first_hit(get, &sel)?.1
            }
        };
        let (_, row) = decode(id, records.get(id).expect("get")?.value());
        let mut found = query.clone();
        rules::merge(&mut found, &row);
        Some(found)
    }

    fn find_by_id(&self, id: &str) -> Option<Token> {
        let id: u64 = id.parse().ok()?;
        let txn = self.db.begin_read().expect("read");
        let records = txn.open_table(RECORDS).expect("records");
        let value = records.get(id).expect("get")?;
        Some(decode(id, value.value()).1)
    }

    fn save(&self, token: &mut Token) {
        self.write(|txn| save_in(txn, token));
    }

    fn save_batch(&self, tokens: &mut [Token]) {
        self.write(|txn| tokens.iter_mut().for_each(|t| save_in(txn, t)));
    }

    fn get_all(&self) -> Vec<Token> {
        let txn = self.db.begin_read().expect("read");
        let records = txn.open_table(RECORDS).expect("records");
        let order = txn.open_table(ORDER).expect("order");
        order
            .iter()
            .expect("iter")
            .map(|e| {
                let id = e.expect("entry").1.value();
                decode(id, records.get(id).expect("get").expect("record").value()).1
            })
            .collect()
    }

    fn delete(&self, id: &str) {
        let id: u64 = id.parse().expect("numeric id");
        self.write(|txn| {
            let mut records = txn.open_table(RECORDS).expect("records");
            let mut order = txn.open_table(ORDER).expect("order");
            let mut indexes = INDEXES.map(|d| txn.open_table(d).expect("index"));
            let (seq, old) = decode(
                id,
                records.get(id).expect("get").expect("no such id").value(),
            );
            for (i, v) in index_values(&old) {
                indexes[i].remove((v, seq)).expect("unindex");
            }
            order.remove(seq).expect("order");
            records.remove(id).expect("remove");
        });
    }

    fn import_csv(&self, csv: &[u8]) {
        let mut tokens = filestore::parse(csv).expect("parse");
        self.save_batch(&mut tokens);
    }

    fn compact_and_measure(&mut self) -> u64 {
        while self.db.compact().expect("compact") {}
        std::fs::metadata(&self.path).expect("size").len()
    }
}
