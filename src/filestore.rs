//! The SDK FileStore's token file (`sdk_tokens.txt`): reading it for import, writing it for
//! export, byte for byte as the SDK's Python `csv` module does (`docs/reference/filestore-format.md`).
//!
//! Reading is strict where the FileStore would misbehave later (short rows, non-numeric ids) and
//! every error names the line, never a value: the file holds secrets.

use std::io::Write;

use crate::error::Error;
use crate::format::MAX_PLAINTEXT;
use crate::rules;
use crate::token::Token;

/// The header the SDK writes (10 columns): the token's fields in their order, but for the one
/// column the CSV names differently, `redirect_uri` for the field `redirect_url`.
pub const HEADER: [&str; 10] = {
    let mut header = Token::FIELDS;
    assert!(matches!(header[8].as_bytes(), b"redirect_url"));
    header[8] = "redirect_uri";
    header
};

/// Other SDKs' names for a column, accepted on import (export writes [`HEADER`]): the TypeScript
/// SDK's FileStore names the second column `user_mail`, the PHP SDK's the ninth `redirect_url`
/// (docs/COMPAT.md §PHP SDK, P4).
const OTHER_SPELLINGS: [(usize, &str); 2] = [(1, "user_mail"), (8, "redirect_url")];

/// Whether `fields` is the header, in its 10-column form or the legacy 9-column one, in any SDK's
/// spelling.
fn is_header(fields: &[&[u8]]) -> bool {
    (fields.len() == 10 || fields.len() == 9)
        && fields.iter().enumerate().all(|(column, field)| {
            *field == HEADER[column].as_bytes()
                || OTHER_SPELLINGS.contains(&(column, &*String::from_utf8_lossy(field)))
        })
}

/// The longest field accepted on import. Real tokens are under 200 bytes.
pub const MAX_FIELD_LEN: usize = 16 * 1024;

/// The most rows accepted in one file (a bound on memory before anything is stored).
pub const MAX_ROWS: usize = 10_000_000;

fn invalid(line: u64, reason: impl Into<String>) -> Error {
    Error::InvalidTokenFile {
        line,
        reason: reason.into(),
    }
}

/// Parses a FileStore token file into tokens, in file order, with their ids.
///
/// Accepts the 10-column form and the legacy 9-column form (no `api_domain`), with the header
/// as any official SDK writes it (Python's, TypeScript's `user_mail`, PHP's `redirect_url`). Empty fields are
/// absent values; blank lines are skipped. Fails, naming the line, on a missing or unknown header,
/// a row with the wrong number of fields, invalid UTF-8, an id that is not a decimal number, a
/// duplicate id, or a field over [`MAX_FIELD_LEN`].
pub fn parse(bytes: &[u8]) -> Result<Vec<Token>, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut header = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut header)
        .map_err(|e| csv_error(&e, 1))?
    {
        return Ok(Vec::new());
    }
    let columns = header.len();
    let header_fields: Vec<&[u8]> = header.iter().collect();
    if !is_header(&header_fields) {
        return Err(invalid(
            1,
            "not a FileStore token file: the first line is not its header",
        ));
    }
    let mut tokens = Vec::new();
    let mut seen_ids = std::collections::HashSet::new();
    let mut record = csv::ByteRecord::new();
    let mut lines = LineCounter::default();
    loop {
        // The line the next record starts on: csv stops reading right after a record.
        let line = lines.line_at(bytes, reader.position().byte());
        if !reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(&e, line))?
        {
            break;
        }
        if record.len() == 1 && record[0].is_empty() {
            continue; // a blank line
        }
        if record.len() != columns {
            return Err(invalid(
                line,
                format!("{} fields, the header has {columns}", record.len()),
            ));
        }
        if tokens.len() >= MAX_ROWS {
            return Err(invalid(line, format!("more than {MAX_ROWS} rows")));
        }
        let mut token = Token::new();
        let mut total = 0usize;
        for (name, field) in Token::FIELDS.iter().zip(record.iter()) {
            if field.len() > MAX_FIELD_LEN {
                return Err(invalid(
                    line,
                    format!(
                        "field {name} is {} bytes, the limit is {MAX_FIELD_LEN}",
                        field.len()
                    ),
                ));
            }
            total += field.len();
            let value = std::str::from_utf8(field)
                .map_err(|_| invalid(line, format!("field {name} is not valid UTF-8")))?;
            if !value.is_empty() {
                token.set_field(name, Some(value.to_string()));
            }
        }
        if total > MAX_PLAINTEXT / 2 {
            return Err(invalid(
                line,
                format!("row is {total} bytes, too large for a token"),
            ));
        }
        if let Some(id) = &token.id {
            let parsed =
                rules::parse_id(id).ok_or_else(|| invalid(line, "id is not a decimal number"))?;
            if !seen_ids.insert(parsed) {
                return Err(invalid(line, format!("id {parsed} appears twice")));
            }
        }
        tokens.push(token);
    }
    Ok(tokens)
}

/// Turns byte offsets (only ever increasing) into the 1-based line of the next record, counting
/// `\n` and skipping the line ends (and blank lines) that follow the offset.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    newlines: u64,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], offset: u64) -> u64 {
        let mut offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        while offset < bytes.len() && matches!(bytes[offset], b'\r' | b'\n') {
            offset += 1;
        }
        if offset > self.offset {
            self.newlines += bytes[self.offset..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.offset = offset;
        }
        self.newlines + 1
    }
}

fn csv_error(e: &csv::Error, line: u64) -> Error {
    match e.kind() {
        csv::ErrorKind::Io(io) => Error::from(std::io::Error::new(io.kind(), io.to_string())),
        _ => invalid(line, "malformed CSV"),
    }
}

/// Writes `tokens` as a FileStore token file: the 10-column header, then one row per token in
/// the given order, CRLF line ends, fields quoted only when they hold a comma, a quote, CR or LF.
/// Absent values are empty fields. This is what the SDK itself writes, so it reads it back.
pub fn write(tokens: &[Token], out: impl Write) -> Result<(), Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out);
    let io = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::from(io),
        other => Error::from(std::io::Error::other(format!("{other:?}"))),
    };
    writer.write_record(HEADER).map_err(io)?;
    for token in tokens {
        writer
            .write_record(Token::FIELDS.iter().map(|f| token.field(f).unwrap_or("")))
            .map_err(io)?;
    }
    writer.flush().map_err(Error::from)?;
    Ok(())
}
