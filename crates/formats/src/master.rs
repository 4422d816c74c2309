//! The master file (`master.csv`, formats.md section 1): one row per taxpayer
//! per tax year. Rows without a readable TIN or tax year are skipped,
//! counted and reported by line; a row with them but another field empty
//! or unreadable is kept (counted as incomplete): the return exists, and
//! the index must know it. Only I/O failures and a bad header stop it.

use crate::error::{FormatError, FormatErrorKind};
use crate::table::{Columns, Table};
use std::fs::File;
use std::path::Path;
use time::Date;
use vouch_core::{limits, MasterRecord, Tin};

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

/// A streaming reader of `master.csv`.
pub struct MasterReader {
    table: Table<File>,
    cols: Columns<11>,
    report: MasterLoadReport,
}

impl MasterReader {
    /// Opens the file and checks its header.
    pub fn open(path: &Path) -> Result<MasterReader, FormatError> {
        let file = File::open(path).map_err(|e| FormatError::io(path, &e))?;
        let table = Table::new(path, file)?;
        let cols = table.columns(COLUMNS)?;
        Ok(MasterReader {
            table,
            cols,
            report: MasterLoadReport::default(),
        })
    }

    /// Appends up to `max` loaded rows to `out`; returns how many were added
    /// (0 at the end of the file).
    pub fn read_batch(
        &mut self,
        out: &mut Vec<MasterRecord>,
        max: usize,
    ) -> Result<usize, FormatError> {
        let start = out.len();
        while out.len() - start < max {
            if !self.table.next_row()? {
                break;
            }
            if self.report.rows_loaded + self.report.rows_skipped >= limits::MASTER_ROWS_MAX {
                return Err(FormatError::file(
                    self.table.path(),
                    FormatErrorKind::TooManyRows {
                        limit: limits::MASTER_ROWS_MAX,
                    },
                ));
            }
            match self.parse_row() {
                Ok((rec, incomplete)) => {
                    self.report.rows_loaded += 1;
                    self.report.rows_incomplete += u64::from(incomplete);
                    out.push(rec);
                }
                Err((field, why)) => self.skip(field, why),
            }
        }
        Ok(out.len() - start)
    }

    /// The load report so far.
    pub fn report(&self) -> &MasterLoadReport {
        &self.report
    }

    fn skip(&mut self, field: &'static str, why: &'static str) {
        self.report.rows_skipped += 1;
        if self.report.skipped.len() < SKIPPED_LINES_KEPT_MAX {
            self.report.skipped.push(SkippedRow {
                line: self.table.line(),
                field,
                why,
            });
        }
    }

    fn parse_row(&self) -> Result<(MasterRecord, bool), (&'static str, &'static str)> {
        let get = |i: usize| -> Result<&str, (&'static str, &'static str)> {
            let (name, _) = COLUMNS[i];
            self.table
                .field(self.cols[i], name, limits::FIELD_BYTES_MAX)
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
        let mut field = |i: usize| -> String {
            match get(i) {
                Ok(v) => {
                    incomplete |= COLUMNS[i].1 && v.is_empty();
                    v.to_string()
                }
                Err(_) => {
                    incomplete = true;
                    String::new()
                }
            }
        };
        let rec = MasterRecord {
            tin,
            tax_year,
            first_name: field(2),
            middle_name: field(3),
            last_name: field(4),
            suffix: field(5),
            // An unreadable date of birth is treated as unknown: that only
            // weakens evidence, so it can never cause a confirmation.
            dob: parse_date(&field(6)),
            street: field(7),
            city: field(8),
            state: field(9),
            zip: field(10),
        };
        Ok((rec, incomplete))
    }
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

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2023-2-01").is_none());
        assert!(parse_date("+023-02-01").is_none());
        assert!(parse_date("").is_none());
    }
}
