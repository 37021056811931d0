//! A faithful Rust port of the SDK's `FileStore` (zohocrmsdk8-0 7.0.0), for comparison only:
//! every call opens the CSV file and reads it row by row (`find_token` stops at the first
//! match); every write reads the whole file and rewrites it (`open(path, "w")`, no fsync, no
//! lock). Its rules have no id lookup in `find_token`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use tokenvault::Token;
use tokenvault::filestore::HEADER;

use crate::Store;
use crate::rules::{self, Selector};

/// The token file.
pub struct FileStorePort {
    path: PathBuf,
}

fn reader(path: &Path) -> csv::Reader<BufReader<File>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(BufReader::new(File::open(path).expect("open token file")))
}

fn row_token(record: &csv::StringRecord) -> Token {
    rules::from_fields(record.iter().map(Some))
}

impl FileStorePort {
    /// A new token file with its header, as the FileStore's constructor writes it.
    pub fn create(dir: &Path) -> Self {
        let store = FileStorePort {
            path: dir.join("sdk_tokens.txt"),
        };
        store.write_all(&[]);
        store
    }

    /// The token file [`FileStorePort::create`] made in `dir`.
    pub fn open_in(dir: &Path) -> Self {
        FileStorePort {
            path: dir.join("sdk_tokens.txt"),
        }
    }

    fn read_all(&self) -> Vec<Token> {
        reader(&self.path)
            .records()
            .map(|r| r.expect("row"))
            .filter(|r| !(r.len() == 1 && r[0].is_empty()))
            .map(|r| row_token(&r))
            .collect()
    }

    fn write_all(&self, rows: &[Token]) {
        let file = File::create(&self.path).expect("rewrite token file");
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(BufWriter::new(file));
        w.write_record(HEADER).expect("header");
        for t in rows {
            w.write_record(rules::fields(t).map(|f| f.unwrap_or("")))
                .expect("row");
        }
        w.into_inner().expect("flush").flush().expect("flush");
    }

    /// The first row `sel` selects, reading the file only up to it.
    fn scan(&self, sel: &Selector<'_>) -> Option<Token> {
        let mut record = csv::StringRecord::new();
        let mut r = reader(&self.path);
        while r.read_record(&mut record).expect("row") {
            let row = row_token(&record);
            if rules::matches(sel, &row) {
                return Some(row);
            }
        }
        None
    }

    fn save_one(rows: &mut Vec<Token>, token: &mut Token) {
        let sel = match token.id.as_deref() {
            Some(id) => Selector::Id(id),
            None => rules::select(token, false),
        };
        match rows.iter().position(|row| rules::matches(&sel, row)) {
            Some(at) => {
                rules::merge(token, &rows[at]);
                rows[at] = token.clone();
            }
            None => {
                if token.id.is_none() {
                    let max = rows
                        .iter()
                        .filter_map(|r| r.id.as_deref()?.parse::<u64>().ok())
                        .max();
                    token.id = Some((max.unwrap_or(0) + 1).to_string());
                }
                rows.push(token.clone());
            }
        }
    }
}

impl Store for FileStorePort {
    fn name(&self) -> &'static str {
        "filestore"
    }

    fn find(&self, query: &Token) -> Option<Token> {
        // The FileStore's rules only: a query with just an id finds nothing.
        let row = self.scan(&rules::select(query, false))?;
        let mut found = query.clone();
        rules::merge(&mut found, &row);
        Some(found)
    }

    fn find_by_id(&self, id: &str) -> Option<Token> {
        self.scan(&Selector::Id(id))
    }

    fn save(&self, token: &mut Token) {
        let mut rows = self.read_all();
        FileStorePort::save_one(&mut rows, token);
        self.write_all(&rows);
    }

    /// The FileStore has no batch: each save reads and rewrites the file.
    fn save_batch(&self, tokens: &mut [Token]) {
        for t in tokens {
            self.save(t);
        }
    }

    fn get_all(&self) -> Vec<Token> {
        self.read_all()
    }

    fn delete(&self, id: &str) {
        let mut rows = self.read_all();
        let at = rows
            .iter()
            .position(|r| r.id.as_deref() == Some(id))
            .expect("no such id");
        rows.remove(at);
        self.write_all(&rows);
    }

    /// The file is the FileStore's own format: importing it is writing it.
    fn import_csv(&self, csv: &[u8]) {
        std::fs::write(&self.path, csv).expect("write token file");
    }

    fn compact_and_measure(&mut self) -> u64 {
        std::fs::metadata(&self.path).expect("size").len()
    }
}
