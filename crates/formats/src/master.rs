//! The master file (`master.csv`, formats.md section 1): one row per taxpayer
//! per tax year. Rows without a readable TIN or tax year are skipped,
//! counted and reported by line; a row with them but another field empty
//! or unreadable is kept (counted as incomplete): the return exists, and
//! the index must know it. Only I/O failures and a bad header stop it.

use crate::error::{FormatError, FormatErrorKind};
use crate::table::{Columns, Table};
use rayon::prelude::*;
use std::fs::File;
use std::path::{Path, PathBuf};
use time::Date;
use vouch_core::{limits, MasterRecord, MasterRow, Tin};
use vouch_directio::{AheadReader, ALIGN};

/// How many skipped lines are kept by number (the count is always exact).
pub const SKIPPED_LINES_KEPT_MAX: usize = 1000;

/// Why a master row was not loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// 1-based line.
    pub line: u64,
    /// The field at fault.
    pub field: &'static str,
    /// Why (never the value).
    pub why: &'static str,
}

/// What a load has read so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasterLoadReport {
    /// Rows loaded.
    pub rows_loaded: u64,
    /// Rows loaded with a required field empty or unreadable: the return
    /// exists (its TIN and tax year read), so it is kept, its name or
    /// address unusable (the index records it so that no older address
    /// stands for the taxpayer's latest).
    pub rows_incomplete: u64,
    /// Rows skipped (no readable TIN or tax year: nobody's return).
    pub rows_skipped: u64,
    /// The first skipped rows, by line.
    pub skipped: Vec<SkippedRow>,
}

const COLUMNS: [(&str, bool); 11] = [
    ("tin", true),
    ("tax_year", true),
    ("first_name", true),
    ("middle_name", false),
    ("last_name", true),
    ("suffix", false),
    ("dob", false),
    ("street", true),
    ("city", true),
    ("state", true),
    ("zip", true),
];

/// A streaming reader of `master.csv`: the body is read in blocks, cut
/// into parts at record boundaries (a quote-aware scan), and the parts
/// parsed on every core; rows, counts and skipped lines come out exactly as
/// one sequential pass gives them (`a_parallel_read_equals_a_sequential_one`).
pub struct MasterReader {
    path: PathBuf,
    /// The body's bytes, read ahead past the page cache: the file is read
    /// once, in order, and keeping it cached buys nothing (reading a big
    /// master through the cache cost a tenth of a core, `vouch_directio`).
    blocks: AheadReader,
    cols: Columns<11>,
    width: usize,
    /// Bytes read but not yet parsed (the start of an unfinished record).
    pending: Vec<u8>,
    /// The line `pending` starts on.
    line: u64,
    eof: bool,
    /// Bytes read at a time (0: from the rows asked for).
    block: usize,
    /// Bytes of a part parsed by one task.
    part: usize,
    report: MasterLoadReport,
}

/// Bytes read at a time, per row asked for (about a master row's length).
const BLOCK_BYTES_PER_ROW: usize = 128;
/// Bytes the reading thread reads at a time.
const READ_BYTES: usize = 4 << 20;
/// Blocks it reads ahead of the parse.
const READ_AHEAD: usize = 4;
/// The smallest block.
const BLOCK_BYTES_MIN: usize = 1 << 20;
/// Bytes of one part parsed by one task.
const PART_BYTES: usize = 1 << 20;
/// Bytes without a record's end after which the file is not read on (11
/// fields of at most `limits::FIELD_BYTES_MAX` are far less).
const RECORD_BYTES_MAX: usize = 64 << 20;

impl MasterReader {
    /// Opens the file and checks its header.
    pub fn open(path: &Path) -> Result<MasterReader, FormatError> {
        let file = File::open(path).map_err(|e| FormatError::io(path, &e))?;
        let table = Table::new(path, file)?;
        let cols = table.columns(COLUMNS)?;
        let width = table.width();
        let (byte, line) = table.body_start();
        let file = table.into_inner();
        let blocks = AheadReader::new(
            file,
            byte,
            ALIGN,
            READ_BYTES,
            READ_AHEAD,
            "vouch-master-read",
        )
        .map_err(|e| FormatError::io(path, &e))?;
        Ok(MasterReader {
            path: path.to_path_buf(),
            blocks,
            cols,
            width,
            pending: Vec::new(),
            line,
            eof: false,
            block: 0,
            part: PART_BYTES,
            report: MasterLoadReport::default(),
        })
    }

    /// Appends the rows of the next block to `out`, about `max` of them
    /// (a block holds `max` rows of a typical length); returns how many
    /// were added (0 at the end of the file).
    pub fn read_batch(
        &mut self,
        out: &mut Vec<MasterRecord>,
        max: usize,
    ) -> Result<usize, FormatError> {
        self.read_batch_with(out, max, || (), |_, row| row.to_record())
    }

    /// [`MasterReader::read_batch`] handing each row, borrowed from the
    /// bytes it was parsed from, to `f`, and appending what it gives:
    /// nothing is copied that `f` does not copy. Parts are parsed in
    /// parallel: each part's rows go to `f`, in file order, with a state
    /// of its own that `init` makes (to compare a row with the one before
    /// it, say); `out` is in file order.
    pub fn read_batch_with<T, S, I, F>(
        &mut self,
        out: &mut Vec<T>,
        max: usize,
        init: I,
        f: F,
    ) -> Result<usize, FormatError>
    where
        T: Send,
        I: Fn() -> S + Sync,
        F: Fn(&mut S, MasterRow<'_>) -> T + Sync,
    {
        let mut parts = Vec::new();
        let read = self.read_parts_with(&mut parts, max, init, f);
        out.reserve(parts.iter().map(Vec::len).sum());
        for p in parts {
            out.extend(p);
        }
        read
    }

    /// [`MasterReader::read_batch_with`] leaving each part's rows in a
    /// vector of their own (appended to `out` in file order, none empty):
    /// rows are not moved again to be gathered. Returns how many rows were
    /// added (0 at the end of the file); on an error, the rows before it
    /// are in `out`.
    pub fn read_parts_with<T, S, I, F>(
        &mut self,
        out: &mut Vec<Vec<T>>,
        max: usize,
        init: I,
        f: F,
    ) -> Result<usize, FormatError>
    where
        T: Send,
        I: Fn() -> S + Sync,
        F: Fn(&mut S, MasterRow<'_>) -> T + Sync,
    {
        let mut added = 0;
        let mut block = if self.block > 0 {
            self.block
        } else {
            max.saturating_mul(BLOCK_BYTES_PER_ROW).max(BLOCK_BYTES_MIN)
        };
        while added == 0 {
            if !self.eof {
                self.fill(block)?;
            }
            let (parts, used) = split_records(&self.pending, self.eof, self.part);
            if parts.is_empty() {
                if self.eof {
                    break;
                }
                // One record longer than a block: read on, twice as much
                // each time (the scan starts over, so that it stays linear).
                block = block.saturating_mul(2);
                continue;
            }
            let bytes = &self.pending[..used];
            let (path, cols, width) = (&self.path, &self.cols, self.width);
            let mut first = self.line;
            let jobs: Vec<(std::ops::Range<usize>, u64)> = parts
                .iter()
                .map(|p| {
                    let job = (p.range.clone(), first);
                    first += p.lines;
                    job
                })
                .collect();
            let parsed: Vec<Part<T>> = jobs
                .into_par_iter()
                .map(|(range, line)| {
                    let mut state = init();
                    let mut sink = |row: MasterRow<'_>| f(&mut state, row);
                    parse_part(path, &bytes[range], cols, width, line, &mut sink)
                })
                .collect();
            for part in parsed {
                added += part.rows.len();
                self.merge(part, out)?;
            }
            self.line = first;
            self.pending.drain(..used);
        }
        Ok(added)
    }

    /// Reads `block` more bytes into `pending`, or a little more (whole
    /// blocks of the reading thread's), or fewer at the end.
    fn fill(&mut self, block: usize) -> Result<(), FormatError> {
        if self.pending.len() > RECORD_BYTES_MAX {
            // No record ends in all that: an unclosed quote, not a CSV, or
            // nothing but blank lines (which are kept with the record after
            // them, so that its line is the one the csv crate gives it).
            return Err(FormatError::at(
                &self.path,
                self.line,
                "row",
                FormatErrorKind::Malformed(
                    "no record ends within 64 MiB (an unclosed quote, or only blank lines)".into(),
                ),
            ));
        }
        let mut got = 0;
        while got < block {
            let pending = &mut self.pending;
            let read = self.blocks.next_block(|bytes| {
                pending.extend_from_slice(bytes);
                bytes.len()
            });
            match read {
                Ok(Some(n)) => got += n,
                Ok(None) => {
                    self.eof = true;
                    break;
                }
                Err(e) => return Err(FormatError::io(&self.path, &e)),
            }
        }
        Ok(())
    }

    /// Adds one parsed part to the report and `out`, in file order.
    fn merge<T>(&mut self, part: Part<T>, out: &mut Vec<Vec<T>>) -> Result<(), FormatError> {
        let r = &mut self.report;
        r.rows_loaded += part.rows.len() as u64;
        r.rows_incomplete += part.incomplete;
        r.rows_skipped += part.skipped_count;
        let room = SKIPPED_LINES_KEPT_MAX.saturating_sub(r.skipped.len());
        r.skipped.extend(part.skipped.into_iter().take(room));
        if r.rows_loaded + r.rows_skipped > limits::MASTER_ROWS_MAX {
            return Err(FormatError::file(
                &self.path,
                FormatErrorKind::TooManyRows {
                    limit: limits::MASTER_ROWS_MAX,
                },
            ));
        }
        if !part.rows.is_empty() {
            out.push(part.rows);
        }
        match part.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The load report so far.
    pub fn report(&self) -> &MasterLoadReport {
        &self.report
    }
}

/// What one part of the body gave.
struct Part<T> {
    rows: Vec<T>,
    incomplete: u64,
    skipped_count: u64,
    /// The first skipped rows (at most [`SKIPPED_LINES_KEPT_MAX`]).
    skipped: Vec<SkippedRow>,
    /// The error that stopped the part (the rows before it are kept).
    error: Option<FormatError>,
}

fn parse_part<T>(
    path: &Path,
    bytes: &[u8],
    cols: &Columns<11>,
    width: usize,
    line: u64,
    sink: &mut dyn FnMut(MasterRow<'_>) -> T,
) -> Part<T> {
    let mut table = Table::body(path, bytes, width, line);
    let mut part = Part {
        rows: Vec::with_capacity(bytes.len() / BLOCK_BYTES_PER_ROW + 1),
        incomplete: 0,
        skipped_count: 0,
        skipped: Vec::new(),
        error: None,
    };
    loop {
        match table.next_row() {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                part.error = Some(e);
                break;
            }
        }
        match parse_row(&table, cols) {
            Ok((row, incomplete)) => {
                part.incomplete += u64::from(incomplete);
                part.rows.push(sink(row));
            }
            Err((field, why)) => {
                part.skipped_count += 1;
                if part.skipped.len() < SKIPPED_LINES_KEPT_MAX {
                    part.skipped.push(SkippedRow {
                        line: table.line(),
                        field,
                        why,
                    });
                }
            }
        }
    }
    part
}

/// One part of a block: whole records, and the lines they span.
struct PartRange {
    range: std::ops::Range<usize>,
    lines: u64,
}

/// Cuts `bytes` (starting at a record's start) into parts of about
/// `target` bytes, each ending just after a record's line feed, as the
/// `csv` crate reads records: a quote opens a quoted field only at a
/// field's start, `""` inside one is a quote, and after the closing quote
/// the field runs on to the next delimiter. Returns the parts and the bytes
/// they cover; at the end of the file (`eof`) the rest is a part too.
fn split_records(bytes: &[u8], eof: bool, target: usize) -> (Vec<PartRange>, usize) {
    // The scan of `split_records_bytewise` (the tests hold the two to each
    // other), jumping from quote to line feed with `memchr`: between two
    // of them a field's state follows from the byte before the next one
    // alone, and a line has content unless it is only carriage returns.
    let mut cut = Cutter::new(target);
    let mut state = S::FieldStart;
    let mut content = false;
    // The first byte not yet seen.
    let mut seen = 0usize;
    for i in memchr::memchr2_iter(b'"', b'\n', bytes) {
        let gap = &bytes[seen..i];
        if let Some(&last) = gap.last() {
            if state != S::Quoted {
                state = if matches!(last, b',' | b'\r') {
                    S::FieldStart
                } else {
                    S::Unquoted
                };
            }
            content |= gap.iter().any(|&b| b != b'\r');
        }
        seen = i + 1;
        state = state.after(bytes[i]);
        if bytes[i] == b'\n' {
            cut.line_feed(i, state, std::mem::take(&mut content));
        } else {
            content = true;
        }
    }
    cut.finish(bytes.len(), eof)
}

/// Where a field stands in the `csv` crate's grammar.
#[derive(Clone, Copy, PartialEq)]
enum S {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

impl S {
    fn after(self, b: u8) -> S {
        match (self, b) {
            (S::Quoted, b'"') => S::QuoteInQuoted,
            (S::Quoted, _) => S::Quoted,
            (S::QuoteInQuoted, b'"') => S::Quoted,
            (S::FieldStart, b'"') => S::Quoted,
            (_, b',' | b'\n' | b'\r') => S::FieldStart,
            _ => S::Unquoted,
        }
    }
}

/// The parts cut so far, as line feeds are met.
struct Cutter {
    parts: Vec<PartRange>,
    target: usize,
    from: usize,
    lines: u64,
    /// The last record end not yet in a part, and the lines up to it.
    end: Option<(usize, u64)>,
}

impl Cutter {
    fn new(target: usize) -> Cutter {
        Cutter {
            parts: Vec::new(),
            target,
            from: 0,
            lines: 0,
            end: None,
        }
    }

    /// A line feed at `i`, the field state after it, and whether its line
    /// had any content: a part never starts after a blank line, so that
    /// the `csv` crate, which gives a record after blank lines the line of
    /// the first of them, numbers every row as one pass over the file does.
    fn line_feed(&mut self, i: usize, state: S, content: bool) {
        self.lines += 1;
        if state != S::FieldStart || !content {
            return;
        }
        if i + 1 - self.from >= self.target {
            self.parts.push(PartRange {
                range: self.from..i + 1,
                lines: self.lines,
            });
            (self.from, self.lines, self.end) = (i + 1, 0, None);
        } else {
            self.end = Some((i + 1, self.lines));
        }
    }

    /// The parts and the bytes they cover; at the end of the file (`eof`)
    /// the rest is a part too.
    fn finish(mut self, len: usize, eof: bool) -> (Vec<PartRange>, usize) {
        if eof && self.from < len {
            self.parts.push(PartRange {
                range: self.from..len,
                lines: self.lines,
            });
            self.from = len;
        } else if let Some((e, n)) = self.end {
            self.parts.push(PartRange {
                range: self.from..e,
                lines: n,
            });
            self.from = e;
        }
        (self.parts, self.from)
    }
}

/// The scan [`split_records`] does, one byte at a time: the reference the
/// tests hold it to.
#[cfg(test)]
fn split_records_bytewise(bytes: &[u8], eof: bool, target: usize) -> (Vec<PartRange>, usize) {
    let mut cut = Cutter::new(target);
    let mut state = S::FieldStart;
    let mut content = false;
    for (i, &b) in bytes.iter().enumerate() {
        state = state.after(b);
        if b == b'\n' {
            cut.line_feed(i, state, std::mem::take(&mut content));
        } else {
            content |= b != b'\r';
        }
    }
    cut.finish(bytes.len(), eof)
}

/// The parts a whole body (the bytes after the header) is cut into for
/// parsing in parallel, each with the lines it spans: what
/// [`MasterReader`] does to each block, for the fuzz target that holds the
/// parts to one pass over the same bytes.
pub fn record_parts(body: &[u8], target: usize) -> Vec<(std::ops::Range<usize>, u64)> {
    split_records(body, true, target.max(1))
        .0
        .into_iter()
        .map(|p| (p.range, p.lines))
        .collect()
}

fn parse_row<'t, R: std::io::Read>(
    table: &'t Table<R>,
    cols: &Columns<11>,
) -> Result<(MasterRow<'t>, bool), (&'static str, &'static str)> {
    let text = table.text();
    let get = |i: usize| -> Result<&'t str, (&'static str, &'static str)> {
        let (name, _) = COLUMNS[i];
        table
            .field_in(text, cols[i], name, limits::FIELD_BYTES_MAX)
            .map_err(|e| {
                (
                    name,
                    if matches!(e.kind, FormatErrorKind::NotUtf8) {
                        "not UTF-8"
                    } else {
                        "too long"
                    },
                )
            })
    };
    let tin = Tin::parse(get(0)?).ok_or(("tin", "not 9 digits"))?;
    let tax_year = parse_tax_year(get(1)?).ok_or(("tax_year", "not a year"))?;
    // From here on the return is someone's: a field that is empty or
    // cannot be read becomes empty, and the row is kept (incomplete).
    let mut incomplete = false;
    let mut field = |i: usize| -> &'t str {
        match get(i) {
            Ok(v) => {
                incomplete |= COLUMNS[i].1 && v.is_empty();
                v
            }
            Err(_) => {
                incomplete = true;
                ""
            }
        }
    };
    let rec = MasterRow {
        tin,
        tax_year,
        first_name: field(2),
        middle_name: field(3),
        last_name: field(4),
        suffix: field(5),
        // An unreadable date of birth is treated as unknown: that only
        // weakens evidence, so it can never cause a confirmation.
        dob: parse_date(field(6)),
        street: field(7),
        city: field(8),
        state: field(9),
        zip: field(10),
    };
    Ok((rec, incomplete))
}

fn parse_tax_year(s: &str) -> Option<u16> {
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: u16 = s.parse().ok()?;
    (1900..=2200).contains(&y).then_some(y)
}

/// Parses a `YYYY-MM-DD` date strictly.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let year = num(0..4)? as i32;
    let month = time::Month::try_from(num(5..7)? as u8).ok()?;
    Date::from_calendar_date(year, month, num(8..10)? as u8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(content: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("master.csv");
        std::fs::File::create(&p)
            .unwrap()
            .write_all(content.as_bytes())
            .unwrap();
        (dir, p)
    }

    const HEADER: &str =
        "tin,tax_year,first_name,middle_name,last_name,suffix,dob,street,city,state,zip\n";

    #[test]
    fn loads_good_rows_and_counts_bad_ones_by_line() {
        let body = format!(
            "{HEADER}123456789,2023,José,,García López,,1980-02-03,1 Main St,Austin,TX,78701\n\
             12345,2023,A,,B,,,1 Main St,Austin,TX,78701\n\
             123456780,20x3,A,,B,,,1 Main St,Austin,TX,78701\n\
             123456781,2023,,,B,,,1 Main St,Austin,TX,78701\n\
             123456782,2022,Ann,,Lee,,bad-date,2 Oak Ave,Reno,NV,89501-1234\n"
        );
        let (_d, p) = write(&body);
        let mut r = MasterReader::open(&p).unwrap();
        let mut out = Vec::new();
        while r.read_batch(&mut out, 2).unwrap() > 0 {}
        assert_eq!(out.len(), 3);
        assert_eq!(
            out[0].dob,
            Date::from_calendar_date(1980, time::Month::February, 3).ok()
        );
        // A return without a first name is someone's return: kept,
        // incomplete (the index marks it unreadable).
        assert_eq!(out[1].first_name, "");
        assert_eq!(out[2].dob, None);
        let rep = r.report();
        assert_eq!(
            (rep.rows_loaded, rep.rows_incomplete, rep.rows_skipped),
            (3, 1, 2)
        );
        let lines: Vec<_> = rep.skipped.iter().map(|s| (s.line, s.field)).collect();
        assert_eq!(lines, vec![(3, "tin"), (4, "tax_year")]);
    }

    #[test]
    fn columns_are_found_by_name_in_any_order() {
        let (_d, p) = write(
            "zip,state,city,street,last_name,first_name,tax_year,tin,extra\n\
             78701,TX,Austin,1 Main St,Lee,Ann,2023,123456789,x\n",
        );
        let mut r = MasterReader::open(&p).unwrap();
        let mut out = Vec::new();
        r.read_batch(&mut out, 10).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].zip, "78701");
    }

    #[test]
    fn a_missing_required_column_names_it() {
        let (_d, p) = write("tin,tax_year,first_name,last_name,street,city,state\n");
        let e = MasterReader::open(&p).err().unwrap();
        assert_eq!(e.field.as_deref(), Some("zip"));
        assert_eq!(e.kind, FormatErrorKind::MissingColumn);
    }

    /// What one sequential pass gives: rows, (loaded, incomplete, skipped),
    /// skipped lines, and the error's line and field.
    type Outcome = (
        Vec<MasterRecord>,
        (u64, u64, u64),
        Vec<(u64, &'static str)>,
        Option<(Option<u64>, Option<String>)>,
    );

    fn sequential(p: &Path) -> Outcome {
        let mut t = Table::new(p, File::open(p).unwrap()).unwrap();
        let cols = t.columns(COLUMNS).unwrap();
        let (mut rows, mut incomplete, mut skipped) = (Vec::new(), 0, Vec::new());
        let mut error = None;
        loop {
            match t.next_row() {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    error = Some((e.line, e.field));
                    break;
                }
            }
            match parse_row(&t, &cols) {
                Ok((r, inc)) => {
                    incomplete += u64::from(inc);
                    rows.push(r.to_record());
                }
                Err((field, _)) => skipped.push((t.line(), field)),
            }
        }
        let counts = (rows.len() as u64, incomplete, skipped.len() as u64);
        (rows, counts, skipped, error)
    }

    /// Reads the whole file with `read`, blocks and parts of the sizes
    /// given: the rows, counts, skipped lines and error.
    fn read_all(
        p: &Path,
        block: usize,
        part: usize,
        mut read: impl FnMut(&mut MasterReader, &mut Vec<MasterRecord>) -> Result<usize, FormatError>,
    ) -> Outcome {
        let mut r = MasterReader::open(p).unwrap();
        (r.block, r.part) = (block, part);
        let mut rows = Vec::new();
        let mut error = None;
        loop {
            match read(&mut r, &mut rows) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    error = Some((e.line, e.field));
                    break;
                }
            }
        }
        let rep = r.report();
        let counts = (rep.rows_loaded, rep.rows_incomplete, rep.rows_skipped);
        let skipped = rep.skipped.iter().map(|s| (s.line, s.field)).collect();
        (rows, counts, skipped, error)
    }

    fn parallel(p: &Path, block: usize, part: usize) -> Outcome {
        read_all(p, block, part, |r, rows| r.read_batch(rows, 3))
    }

    const TRICKY: &str = "\u{feff}tin,tax_year,first_name,middle_name,last_name,suffix,dob,street,city,state,zip\r\n\
        123456789,2023,\"Ana\nMaria\",,\"O\"\"Neil, Jr\",,1980-02-03,\"1 Main St\r\nApt 2\",Austin,TX,78701\r\n\
        \n\
        \"\"\n\
        12345,2023,A,,B,,,1 Main St,Austin,TX,78701\n\
        123456780,2023,\"x\"y,,B,,,\"2 \"\"Oak\"\" Ave\",Reno,NV,89501\n\
        123456781,2023,,,B,,,1 Main St,Austin,TX,78701\r\
        123456782,2022,Ann,,Lee,,bad-date,2 Oak Ave,Reno,NV,89501-1234\n\
        123456783,2021,\"multi\n\nline\",,Lee,,,3 Elm St,Reno,NV,89501\n\
        123456784,20x1,Ann,,Lee,,,3 Elm St,Reno,NV,89501\n\
        123456785,2021,Ann,,Lee,,,3 Elm St,Reno,NV,89501";

    #[test]
    fn a_parallel_read_equals_a_sequential_one() {
        let (_d, p) = write(TRICKY);
        let want = sequential(&p);
        assert_eq!(want.0.len(), 6);
        assert_eq!(want.2.len(), 2);
        for block in [1, 2, 3, 7, 16, 64, 1 << 20] {
            for part in [1, 5, 40, 1 << 20] {
                assert_eq!(
                    parallel(&p, block, part),
                    want,
                    "block {block}, part {part}"
                );
            }
        }
        // A row of the wrong width stops the read at its line, both ways.
        let (_d, p) = write(&format!(
            "{TRICKY}\n123456786,2021,Ann\n123456787,2021,Bo,,Li,,,1 A St,Reno,NV,89501\n"
        ));
        let want = sequential(&p);
        assert!(want.3.is_some());
        for (block, part) in [(5, 3), (64, 40), (1 << 20, 1 << 20)] {
            assert_eq!(
                parallel(&p, block, part),
                want,
                "block {block}, part {part}"
            );
        }
    }

    /// [`parallel`] through `read_parts_with`: the parts' rows in order,
    /// checking that no part is empty and that the count is theirs.
    fn parallel_parts(p: &Path, block: usize, part: usize) -> Outcome {
        read_all(p, block, part, |r, rows| {
            let mut parts = Vec::new();
            let read = r.read_parts_with(&mut parts, 3, || (), |_, row| row.to_record());
            assert!(parts.iter().all(|p| !p.is_empty()), "an empty part");
            let n: usize = parts.iter().map(Vec::len).sum();
            rows.extend(parts.into_iter().flatten());
            if let Ok(k) = read {
                assert_eq!(k, n, "the count is the rows added");
            }
            read
        })
    }

    #[test]
    fn reading_by_parts_gives_the_rows_one_pass_gives_in_order() {
        let stop =
            format!("{TRICKY}\n123456786,2021,Ann\n123456787,2021,Bo,,Li,,,1 A St,Reno,NV,89501\n");
        for text in [TRICKY, stop.as_str()] {
            let (_d, p) = write(text);
            let want = sequential(&p);
            for block in [1, 3, 16, 1 << 20] {
                for part in [1, 5, 1 << 20] {
                    assert_eq!(
                        parallel_parts(&p, block, part),
                        want,
                        "block {block}, part {part}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_record_with_no_end_in_64_mib_is_refused_naming_its_line() {
        let mut text = format!("{HEADER}123456789,2023,Ann,,Lee,,,1 Main St,Austin,TX,78701\n");
        text.push_str("123456780,2023,\"");
        text.push_str(&"a".repeat(RECORD_BYTES_MAX + (2 << 20)));
        let (_d, p) = write(&text);
        let mut r = MasterReader::open(&p).unwrap();
        // A first block past the limit, the file not yet at its end.
        r.block = RECORD_BYTES_MAX + (1 << 20);
        let mut out = Vec::new();
        let e = loop {
            match r.read_batch(&mut out, 1000) {
                Ok(0) => panic!("read to the end without an error"),
                Ok(_) => {}
                Err(e) => break e,
            }
        };
        assert_eq!(out.len(), 1, "the row before it is read");
        assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("row")));
        assert!(matches!(e.kind, FormatErrorKind::Malformed(_)), "{e}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        #[test]
        fn any_bytes_read_in_parallel_give_what_one_pass_gives(
            rows in proptest::collection::vec(
                proptest::collection::vec("[0-9a-b\",\r\n -]{0,12}", 0..13), 0..20),
            block in 1usize..40,
            part in 1usize..30,
        ) {
            let mut text = String::from(HEADER);
            for r in &rows {
                text.push_str(&r.join(","));
                text.push('\n');
            }
            let (_d, p) = write(&text);
            proptest::prop_assert_eq!(parallel(&p, block, part), sequential(&p));
        }

        #[test]
        fn the_jumping_scan_cuts_where_the_bytewise_one_does(
            bytes in proptest::collection::vec(
                proptest::sample::select(b"ab,\"\r\n ".to_vec()), 0..200),
            eof in proptest::bool::ANY,
            target in 1usize..50,
        ) {
            let ranges = |(parts, used): (Vec<PartRange>, usize)| {
                (parts.into_iter().map(|p| (p.range, p.lines)).collect::<Vec<_>>(), used)
            };
            proptest::prop_assert_eq!(
                ranges(split_records(&bytes, eof, target)),
                ranges(split_records_bytewise(&bytes, eof, target))
            );
        }
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2023-2-01").is_none());
        assert!(parse_date("+023-02-01").is_none());
        assert!(parse_date("").is_none());
    }
}
