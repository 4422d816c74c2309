//! A request's policy results as kept in the state store (`checks.csv`):
//! one row per subject, in request order, with its reason codes (empty when
//! the subject passed). Kept so that a resumed batch answers exactly what
//! was decided before the crash, even if the probing history moved on since.

use crate::error::{FormatError, FormatErrorKind};
use crate::table::Table;
use std::path::Path;
use vouch_core::{limits, ReasonCode};

/// Renders the checks file.
pub fn render_checks(rows: &[(&str, &[ReasonCode])]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(["subject_ref", "reasons"])?;
    let mut text = String::new();
    for (subject_ref, reasons) in rows {
        text.clear();
        for (i, r) in reasons.iter().enumerate() {
            if i > 0 {
                text.push(';');
            }
            text.push_str(r.as_str());
        }
        w.write_record([*subject_ref, text.as_str()])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Parses the checks file.
pub fn parse_checks(
    path: &Path,
    bytes: &[u8],
) -> Result<Vec<(String, Vec<ReasonCode>)>, FormatError> {
    let mut t = Table::new(path, bytes)?;
    let cols = t.columns([("subject_ref", true), ("reasons", true)])?;
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
        out.push((subject_ref, reasons));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_round_trip() {
        let a = [ReasonCode::NameMissing, ReasonCode::AddressIncomplete];
        let rows: Vec<(&str, &[ReasonCode])> = vec![("S1", &[]), ("S,2", &a)];
        let bytes = render_checks(&rows).unwrap();
        let back = parse_checks(Path::new("checks.csv"), &bytes).unwrap();
        assert_eq!(
            back,
            vec![("S1".to_string(), vec![]), ("S,2".to_string(), a.to_vec())]
        );
    }
}
