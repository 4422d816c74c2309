//! A bounded CSV table reader shared by every CSV of the contract: columns
//! found by header name, unknown columns ignored, every field's length and
//! encoding checked, errors naming file, line and column.

use crate::error::{FormatError, FormatErrorKind};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A CSV reader positioned after a validated header.
pub struct Table<R: Read> {
    path: PathBuf,
    reader: csv::Reader<R>,
    header: Vec<String>,
    record: csv::ByteRecord,
    line: u64,
    /// Lines before the input's first (a body part of a larger file).
    line_offset: u64,
}

/// Column positions resolved from the header; `None` for an absent optional column.
pub type Columns<const N: usize> = [Option<usize>; N];

impl<R: Read> Table<R> {
    /// Opens a table over `input`, reading and checking its header.
    pub fn new(path: &Path, input: R) -> Result<Table<R>, FormatError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .buffer_capacity(1 << 20)
            .from_reader(input);
        let raw = reader
            .byte_headers()
            .map_err(|e| csv_error(path, 1, 0, &e))?
            .clone();
        let mut header = Vec::with_capacity(raw.len());
        for field in raw.iter() {
            let name = std::str::from_utf8(field)
                .map_err(|_| FormatError::at(path, 1, "header", FormatErrorKind::NotUtf8))?;
            // A UTF-8 byte-order mark before the first column name is tolerated.
            let name = name.trim_start_matches('\u{feff}').trim();
            if header.iter().any(|h| h == name) {
                return Err(FormatError::at(
                    path,
                    1,
                    name,
                    FormatErrorKind::DuplicateColumn,
                ));
            }
            header.push(name.to_string());
        }
        Ok(Table {
            path: path.to_path_buf(),
            reader,
            header,
            record: csv::ByteRecord::new(),
            line: 1,
            line_offset: 0,
        })
    }

    /// A table over part of a file's body, without a header: rows of
    /// `width` fields, the first starting on line `first_line` (errors and
    /// [`Table::line`] name the file's lines). For reading the records of
    /// one file in parallel, each part starting at a record's start.
    pub fn body(path: &Path, input: R, width: usize, first_line: u64) -> Table<R> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(64 << 10)
            .from_reader(input);
        Table {
            path: path.to_path_buf(),
            reader,
            header: vec![String::new(); width],
            record: csv::ByteRecord::new(),
            line: first_line.saturating_sub(1),
            line_offset: first_line.saturating_sub(1),
        }
    }

    /// Fields a row has (the header's).
    pub fn width(&self) -> usize {
        self.header.len()
    }

    /// Where the rows start, after the header: the byte offset in the
    /// input and the line.
    pub fn body_start(&self) -> (u64, u64) {
        let p = self.reader.position();
        (p.byte(), p.line())
    }

    /// Resolves column names; a missing required column is an error naming it.
    pub fn columns<const N: usize>(
        &self,
        names: [(&str, bool); N],
    ) -> Result<Columns<N>, FormatError> {
        let mut out = [None; N];
        for (slot, (name, required)) in out.iter_mut().zip(names) {
            *slot = self.header.iter().position(|h| h == name);
            if required && slot.is_none() {
                return Err(FormatError::at(
                    &self.path,
                    1,
                    name,
                    FormatErrorKind::MissingColumn,
                ));
            }
        }
        Ok(out)
    }

    /// Advances to the next row; `Ok(false)` at the end of the file.
    pub fn next_row(&mut self) -> Result<bool, FormatError> {
        // A loop, not recursion: any number of empty lines must not grow the stack.
        loop {
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| csv_error(&self.path, self.line + 1, self.line_offset, &e))?;
            if !more {
                return Ok(false);
            }
            self.line = self
                .record
                .position()
                .map(|p| p.line() + self.line_offset)
                .unwrap_or(self.line + 1);
            if self.record.len() == self.header.len() {
                return Ok(true);
            }
            // A single empty line is not a row.
            if self.record.len() == 1 && self.record.get(0).is_some_and(|f| f.is_empty()) {
                continue;
            }
            return Err(FormatError::at(
                &self.path,
                self.line,
                "row",
                FormatErrorKind::FieldCount {
                    expected: self.header.len() as u64,
                    found: self.record.len() as u64,
                },
            ));
        }
    }

    /// The current row's 1-based line.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The file path (for errors).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current row's field at `col` (trimmed), checked for UTF-8 and length.
    pub fn field(
        &self,
        col: Option<usize>,
        name: &str,
        limit_bytes: usize,
    ) -> Result<&str, FormatError> {
        let Some(i) = col else { return Ok("") };
        let raw = self.record.get(i).unwrap_or_default();
        if raw.len() > limit_bytes {
            return Err(FormatError::at(
                &self.path,
                self.line,
                name,
                FormatErrorKind::FieldTooLong { limit_bytes },
            ));
        }
        let text = std::str::from_utf8(raw)
            .map_err(|_| FormatError::at(&self.path, self.line, name, FormatErrorKind::NotUtf8))?;
        Ok(text.trim())
    }

    /// The current row's fields as one text, when they are all UTF-8:
    /// [`Table::field_in`] then reads each without checking it again.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(self.record.as_slice()).ok()
    }

    /// [`Table::field`], cut out of `text` (the row's [`Table::text`])
    /// where that is known: one check of the row's bytes instead of one a
    /// field. A field that does not start and end on a character's
    /// boundary there (its neighbour's bytes made a character with its
    /// own) is checked alone, as [`Table::field`] checks it.
    pub fn field_in<'a>(
        &'a self,
        text: Option<&'a str>,
        col: Option<usize>,
        name: &str,
        limit_bytes: usize,
    ) -> Result<&'a str, FormatError> {
        let cut = text
            .zip(col.and_then(|i| self.record.range(i)))
            .and_then(|(t, r)| t.get(r));
        match cut {
            Some(f) if f.len() <= limit_bytes => Ok(f.trim()),
            _ => self.field(col, name, limit_bytes),
        }
    }

    /// The underlying reader.
    pub fn inner(&self) -> &R {
        self.reader.get_ref()
    }

    /// Gives back the underlying reader (to finish hashing a stream).
    pub fn into_inner(self) -> R {
        self.reader.into_inner()
    }
}

fn csv_error(path: &Path, line: u64, offset: u64, e: &csv::Error) -> FormatError {
    let line = e.position().map(|p| p.line() + offset).unwrap_or(line);
    match e.kind() {
        csv::ErrorKind::Io(io) => FormatError::io(path, io),
        csv::ErrorKind::Utf8 { .. } => FormatError::at(path, line, "row", FormatErrorKind::NotUtf8),
        _ => FormatError::at(
            path,
            line,
            "row",
            FormatErrorKind::Malformed("malformed CSV".into()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_million_empty_lines_are_skipped_without_growing_the_stack() {
        // Regression: empty lines were skipped by recursion, one frame each.
        let mut text = String::from("a,b\n");
        text.push_str(&"\"\"\n".repeat(1_000_000));
        text.push_str("1,2\n");
        let mut t = Table::new(Path::new("t.csv"), text.as_bytes()).unwrap();
        assert!(t.next_row().unwrap());
        assert_eq!(t.line(), 1_000_002);
        assert!(!t.next_row().unwrap());
    }

    #[test]
    fn a_short_row_still_names_its_line() {
        let mut t = Table::new(Path::new("t.csv"), &b"a,b\n1,2\n3\n"[..]).unwrap();
        assert!(t.next_row().unwrap());
        let e = t.next_row().unwrap_err();
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn fields_cut_from_the_rows_text_read_as_each_field_alone() {
        // Whole UTF-8 rows; a row whose only bad bytes are in one field; a
        // row whose two fields' bytes make one character only together
        // (0xC3 ending one, 0xA9 starting the next: "é" across a comma).
        let mut bytes = b"a,b,c\n Jos\xC3\xA9 ,\"x, y\",3\n".to_vec();
        bytes.extend_from_slice(b"ok,\xFF\xFE,3\n");
        bytes.extend_from_slice(b"p\xC3,\xA9q,toolong\n");
        let mut t = Table::new(Path::new("t.csv"), &bytes[..]).unwrap();
        let mut rows = 0;
        while t.next_row().unwrap() {
            rows += 1;
            let text = t.text();
            assert_eq!(text.is_some(), rows != 2, "row {rows}");
            for col in [Some(0), Some(1), Some(2), None] {
                let (a, b) = (t.field_in(text, col, "f", 5), t.field(col, "f", 5));
                assert_eq!(a.as_ref().ok(), b.as_ref().ok(), "row {rows} {col:?}");
                assert_eq!(a.map_err(|e| e.kind), b.map_err(|e| e.kind));
            }
        }
        assert_eq!(rows, 3);
        // The first row's fields are trimmed and unquoted.
        let mut t = Table::new(Path::new("t.csv"), &bytes[..]).unwrap();
        assert!(t.next_row().unwrap());
        let text = t.text();
        assert_eq!(t.field_in(text, Some(0), "f", 99).unwrap(), "José");
        assert_eq!(t.field_in(text, Some(1), "f", 99).unwrap(), "x, y");
    }
}
