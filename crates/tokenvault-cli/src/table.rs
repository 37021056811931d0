//! A borderless table with columns padded to their widest cell, measured in terminal columns
//! (so `Jörg` or a CJK name does not shift the columns after it).
//!
//! Styles are applied after padding: escape codes never count towards a width.

use std::io::Write;

use anstyle::Style;
use unicode_width::UnicodeWidthStr;

/// One cell: its text and how to show it.
pub(crate) struct Cell {
    text: String,
    style: Style,
}

impl Cell {
    pub(crate) fn new(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            style: Style::new(),
        }
    }

    pub(crate) fn styled(text: impl Into<String>, style: Style) -> Self {
        Cell {
            text: text.into(),
            style,
        }
    }
}

pub(crate) struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    pub(crate) fn new(header: Vec<&'static str>) -> Self {
        Table {
            header,
            rows: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.header.len());
        self.rows.push(row);
    }

    /// Writes the header (bold) and the rows, two spaces between columns, no trailing spaces.
    pub(crate) fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.text.width());
            }
        }
        let bold = Style::new().bold();
        let header: Vec<Cell> = self.header.iter().map(|h| Cell::styled(*h, bold)).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let last = row.len().saturating_sub(1);
            for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
                let style = cell.style;
                write!(out, "{style}{}{style:#}", cell.text)?;
                if i < last {
                    let pad = width - cell.text.width() + 2;
                    write!(out, "{:pad$}", "")?;
                }
            }
            writeln!(out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_by_display_width_not_bytes() {
        let mut t = Table::new(vec!["ID", "USER", "DOMAIN"]);
        t.push(vec![
            Cell::new("1"),
            Cell::new("Jörg.Müller"),
            Cell::new("eu"),
        ]);
        t.push(vec![Cell::new("22"), Cell::new("李"), Cell::new("com")]);
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        let raw = String::from_utf8(out).unwrap();
        let text = anstream::adapter::strip_str(&raw).to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "ID  USER         DOMAIN");
        assert_eq!(lines[1], "1   Jörg.Müller  eu");
        assert_eq!(lines[2], "22  李           com");
    }
}
