//! Ground truth of generated data (`truth.csv`, formats.md section 4). For
//! evaluation only: the service never reads it.

use crate::error::{FormatError, FormatErrorKind};
use crate::table::Table;
use std::path::Path;
use vouch_core::{limits, Outcome};

/// One row of `truth.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthRow {
    /// The subject's reference, as in `subjects.csv`.
    pub subject_ref: String,
    /// The true taxpayer, empty when absent from the master file.
    pub tin: String,
    /// What a perfect system answers.
    pub expected: Outcome,
    /// The kind of subject (optional column).
    pub category: String,
    /// The corruption applied (optional column).
    pub corruption: String,
    /// The expected reason codes (optional column).
    pub reasons: String,
    /// What identifies a subject a perfect system confirms (optional
    /// column): `name`, `name+dob`, or `weak` (a name variant with no date
    /// of birth on file to back it); empty when not given.
    pub evidence: String,
}

impl TruthRow {
    /// A subject a perfect system confirms whose name identifies the
    /// taxpayer (exact after standardisation, or a variant backed by the
    /// date of birth on file): what the recall target is measured on.
    pub fn confirmable(&self) -> bool {
        self.expected == Outcome::Confirmed && self.evidence != "weak"
    }
}

/// Reads `truth.csv`.
pub fn read_truth(path: &Path) -> Result<Vec<TruthRow>, FormatError> {
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, &e))?;
    let mut t = Table::new(path, file)?;
    let cols = t.columns([
        ("subject_ref", true),
        ("tin", true),
        ("expected", true),
        ("category", false),
        ("corruption", false),
        ("reasons", false),
        ("evidence", false),
    ])?;
    let mut out = Vec::new();
    let lim = limits::FIELD_BYTES_MAX;
    while t.next_row()? {
        let expected = t.field(cols[2], "expected", lim)?;
        let expected = Outcome::parse(expected).ok_or_else(|| {
            FormatError::at(
                path,
                t.line(),
                "expected",
                FormatErrorKind::Malformed("not an outcome".into()),
            )
        })?;
        out.push(TruthRow {
            subject_ref: t.field(cols[0], "subject_ref", lim)?.to_string(),
            tin: t.field(cols[1], "tin", lim)?.to_string(),
            expected,
            category: t.field(cols[3], "category", lim)?.to_string(),
            corruption: t.field(cols[4], "corruption", lim)?.to_string(),
            reasons: t.field(cols[5], "reasons", lim)?.to_string(),
            evidence: t.field(cols[6], "evidence", lim)?.to_string(),
        });
    }
    Ok(out)
}
