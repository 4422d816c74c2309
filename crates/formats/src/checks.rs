//! A request's policy results as kept in the state store (`checks.csv`):
//! one row per subject, in request order, with its reason codes (empty when
//! the subject passed) and whether the probing guard requires the date of
//! birth on file to agree (`dob_required`, `1` or `0`; files written before
//! that column existed read as `0`). Kept so that a resumed batch answers
//! exactly what was decided before the crash, even if the probing history
//! moved on since.

use crate::error::{FormatError, FormatErrorKind};
use crate::table::Table;
use std::path::Path;
use vouch_core::{limits, ReasonCode};

/// One subject's stored checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheck {
    /// The requester's reference.
    pub subject_ref: String,
    /// Its reason codes (empty: passed).
    pub reasons: Vec<ReasonCode>,
    /// Confirmable only on the date of birth on file.
    pub dob_required: bool,
}

/// Renders the checks file.
pub fn render_checks(rows: &[(&str, &[ReasonCode], bool)]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(["subject_ref", "reasons", "dob_required"])?;
    let mut text = String::new();
    for (subject_ref, reasons, dob_required) in rows {
        text.clear();
        for (i, r) in reasons.iter().enumerate() {
            if i > 0 {
                text.push(';');
            }
            text.push_str(r.as_str());
        }
        let flag = if *dob_required { "1" } else { "0" };
        w.write_record([*subject_ref, text.as_str(), flag])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Parses the checks file.
pub fn parse_checks(path: &Path, bytes: &[u8]) -> Result<Vec<StoredCheck>, FormatError> {
    let mut t = Table::new(path, bytes)?;
    let cols = t.columns([
        ("subject_ref", true),
        ("reasons", true),
        ("dob_required", false),
    ])?;
    let mut out = Vec::new();
    while t.next_row()? {
        let subject_ref = t
            .field(cols[0], "subject_ref", limits::ID_BYTES_MAX)?
            .to_string();
        let text = t.field(cols[1], "reasons", limits::TEXT_FIELD_BYTES_MAX)?;
        let mut reasons = Vec::new();
        for code in text.split(';').filter(|c| !c.is_empty()) {
            let parsed = ReasonCode::parse(code).ok_or_else(|| {
                FormatError::at(
                    path,
                    t.line(),
                    "reasons",
                    FormatErrorKind::Malformed("unknown reason code".into()),
                )
            })?;
            reasons.push(parsed);
        }
        let dob_required = match t.field(cols[2], "dob_required", 1)? {
            "" | "0" => false,
            "1" => true,
            _ => {
                return Err(FormatError::at(
                    path,
                    t.line(),
                    "dob_required",
                    FormatErrorKind::Malformed("must be 0 or 1".into()),
                ))
            }
        };
        out.push(StoredCheck {
            subject_ref,
            reasons,
            dob_required,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_round_trip() {
        let a = [ReasonCode::NameMissing, ReasonCode::AddressIncomplete];
        let rows: Vec<(&str, &[ReasonCode], bool)> = vec![("S1", &[], true), ("S,2", &a, false)];
        let bytes = render_checks(&rows).unwrap();
        let back = parse_checks(Path::new("checks.csv"), &bytes).unwrap();
        let c = |r: &str, reasons: &[ReasonCode], d| StoredCheck {
            subject_ref: r.into(),
            reasons: reasons.to_vec(),
            dob_required: d,
        };
        assert_eq!(back, vec![c("S1", &[], true), c("S,2", &a, false)]);
        let old = parse_checks(Path::new("checks.csv"), b"subject_ref,reasons\nS1,\n").unwrap();
        assert_eq!(old, vec![c("S1", &[], false)], "files before the column");
    }
}
