//! The properties the fuzz targets check, one function per reader of
//! outside bytes, shared by the `fuzz_targets/` binaries and by the ordinary
//! workspace test that replays the seed inputs and every crasher found
//! (`crates/formats/tests/fuzz_replay.rs`). That test compiles this file in
//! as a module, so it may use only what `vouch-formats` depends on
//! (`vouch-core`, `serde_json`), never `libfuzzer-sys`.
//!
//! Each function panics when a property fails (that is what the fuzzer
//! reports); none of them judges content, which is the policy crate's job.
#![deny(missing_docs)]

use std::path::Path;
use vouch_core::{limits, ReasonCode, Tin};
use vouch_formats::checks::{parse_checks, render_checks};
use vouch_formats::master::{parse_date, record_parts};
use vouch_formats::request::{letter_to_dto, parse_letter, SUBJECT_COLUMNS};
use vouch_formats::table::Table;

/// `request.json`: any bytes give a letter or a typed error, never a panic;
/// a letter that parses survives the round trip through its wire form
/// (`letter_to_dto`, JSON, `parse_letter`) unchanged.
pub fn check_request_json(data: &[u8]) {
    let path = Path::new("request.json");
    let Ok(letter) = parse_letter(path, data) else {
        return;
    };
    let wire = serde_json::to_vec(&letter_to_dto(&letter)).expect("a DTO always serialises");
    let again = parse_letter(path, &wire).expect("a parsed letter's wire form parses");
    assert_eq!(again, letter);
}

fn subject_limit(name: &str) -> usize {
    match name {
        "relevance" => limits::TEXT_FIELD_BYTES_MAX,
        "subject_ref" => limits::ID_BYTES_MAX,
        _ => limits::FIELD_BYTES_MAX,
    }
}

/// `subjects.csv` through `Table` with the subject columns and the limits
/// `read_subjects` uses: rows or a typed error, never a panic; lines only
/// move forward; a field read is within its limit and trimmed.
pub fn check_subjects_csv(data: &[u8]) {
    let Ok(mut table) = Table::new(Path::new("subjects.csv"), data) else {
        return;
    };
    let Ok(cols) = table.columns(SUBJECT_COLUMNS) else {
        return;
    };
    let mut last_line = table.line();
    while let Ok(true) = table.next_row() {
        assert!(table.line() > last_line, "lines only move forward");
        last_line = table.line();
        for (col, (name, _)) in cols.iter().zip(SUBJECT_COLUMNS) {
            if let Ok(value) = table.field(*col, name, subject_limit(name)) {
                assert!(value.len() <= subject_limit(name));
                assert_eq!(value, value.trim());
            }
        }
    }
}

/// formats.md section 1: the master file's columns (name, required).
const MASTER_COLUMNS: [(&str, bool); 11] = [
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

/// `master.csv` through `Table` with the master columns: rows or a typed
/// error, never a panic; the field parsers the master reader applies (TIN,
/// date of birth) are total, and a date that parses is written back exactly.
pub fn check_master_csv(data: &[u8]) {
    check_master_parts(data);
    let Ok(mut table) = Table::new(Path::new("master.csv"), data) else {
        return;
    };
    let Ok(cols) = table.columns(MASTER_COLUMNS) else {
        return;
    };
    while let Ok(true) = table.next_row() {
        for (col, (name, _)) in cols.iter().zip(MASTER_COLUMNS) {
            let Ok(value) = table.field(*col, name, limits::FIELD_BYTES_MAX) else {
                continue;
            };
            match name {
                "tin" if Tin::parse(value).is_some() => assert_eq!(value.len(), 9),
                "dob" => {
                    if let Some(date) = parse_date(value) {
                        let written = format!(
                            "{:04}-{:02}-{:02}",
                            date.year(),
                            u8::from(date.month()),
                            date.day()
                        );
                        assert_eq!(written, value);
                    }
                }
                _ => {}
            }
        }
    }
}

/// A row as a table reads it: its line and fields (`None` where a field
/// cannot be read), or the error that stopped the table.
type ReadRow = Result<(u64, Vec<Option<String>>), (Option<u64>, Option<String>)>;

fn rows_of<R: std::io::Read>(mut t: Table<R>, out: &mut Vec<ReadRow>) -> bool {
    loop {
        match t.next_row() {
            Ok(true) => {}
            Ok(false) => return true,
            Err(e) => {
                out.push(Err((e.line, e.field)));
                return false;
            }
        }
        let fields = (0..t.width())
            .map(|i| t.field(Some(i), "f", usize::MAX).ok().map(str::to_string))
            .collect();
        out.push(Ok((t.line(), fields)));
    }
}

/// master.csv as `MasterReader` reads it, in parts parsed apart
/// (`vouch_formats::master::record_parts`): for any bytes, the parts give
/// the rows, lines and first error that one pass over the body gives.
pub fn check_master_parts(data: &[u8]) {
    let path = Path::new("master.csv");
    let Ok(table) = Table::new(path, data) else {
        return;
    };
    let width = table.width();
    let (byte, line) = table.body_start();
    let Some(body) = usize::try_from(byte).ok().and_then(|b| data.get(b..)) else {
        return;
    };
    let mut one = Vec::new();
    rows_of(Table::body(path, body, width, line), &mut one);
    for target in [1, 7, 64, 1 << 20] {
        let mut parts = Vec::new();
        let mut first = line;
        for (range, lines) in record_parts(body, target) {
            if !rows_of(Table::body(path, &body[range], width, first), &mut parts) {
                break;
            }
            first += lines;
        }
        assert_eq!(parts, one, "parts of about {target} bytes");
    }
}

/// `checks.csv`: rows or a typed error, never a panic; parsed rows survive
/// `render_checks` and a second parse unchanged (the file is how a resumed
/// batch remembers its verdicts).
pub fn check_checks_csv(data: &[u8]) {
    let path = Path::new("checks.csv");
    let Ok(rows) = parse_checks(path, data) else {
        return;
    };
    let borrowed: Vec<(&str, &[ReasonCode], bool)> = rows
        .iter()
        .map(|c| (c.subject_ref.as_str(), c.reasons.as_slice(), c.dob_required))
        .collect();
    let bytes = render_checks(&borrowed).expect("rendering to memory cannot fail");
    let again = parse_checks(path, &bytes).expect("rendered checks parse");
    assert_eq!(again, rows);
}
