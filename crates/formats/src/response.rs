//! The response (formats.md section 3): `response.csv`, one row per subject
//! in request order, and `response.json`, the signed summary.
//!
//! Nothing here can carry master-file data: a row is a subject reference (the
//! requester's own), an outcome and reason codes.
//!
//! The signature covers `signed_statement`, a short text inside
//! `response.json` that names the request, the SHA-256 of `response.csv`,
//! the counts, the ledger checkpoint and the versions; a verifier checks the
//! signature over those exact bytes and that they agree with the files.

use crate::atomic::{sync_dir, write_atomic};
use crate::error::FormatError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use vouch_core::{Outcome, OutcomeCounts, ReasonCode};

/// The fixed caveat every response carries.
pub const CAVEAT: &str =
    "identity correspondence only; not independently verified; not an immigration-status determination";

/// One row of `response.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseRow {
    /// The requester's reference.
    pub subject_ref: String,
    /// The answer: CONFIRMED, NOT_CONFIRMED, or REJECTED with `reasons`.
    pub outcome: Outcome,
    /// Reason codes (REJECTED only), in report order.
    pub reasons: Vec<ReasonCode>,
}

/// The ledger state a response was recorded under.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CheckpointDto {
    /// The log's origin line.
    pub origin: String,
    /// Tree size after this request's leaves were appended.
    pub tree_size: u64,
    /// Base64 root hash at that size.
    pub root_hash: String,
    /// The full signed note.
    pub signed_note: String,
}

/// The service's signature over `signed_statement`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignatureDto {
    /// Always `ed25519`.
    pub algorithm: String,
    /// Base64 of the raw 32-byte public key.
    pub public_key: String,
    /// Base64 of the raw 64-byte signature over the bytes of `signed_statement`.
    pub value: String,
}

/// `response.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ResponseJson {
    /// The request answered.
    pub request_id: String,
    /// Subjects per outcome (every outcome, zeros included).
    pub counts: OutcomeCounts,
    /// Rejected subjects per reason code.
    pub reason_counts: BTreeMap<String, u64>,
    /// The ledger checkpoint after the disclosures were recorded.
    pub ledger_checkpoint: CheckpointDto,
    /// The policy version the request ran under.
    pub policy_version: String,
    /// The matching model version used.
    pub model_version: String,
    /// The fixed caveat.
    pub caveat: String,
    /// Hex SHA-256 of `response.csv`.
    pub response_csv_sha256: String,
    /// The text the signature covers.
    pub signed_statement: String,
    /// The service's signature.
    pub signature: SignatureDto,
}

/// Renders `response.csv`.
pub fn render_csv(rows: &[ResponseRow]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(["subject_ref", "outcome", "reasons"])?;
    let mut reasons = String::new();
    for row in rows {
        reasons.clear();
        for (i, r) in row.reasons.iter().enumerate() {
            if i > 0 {
                reasons.push(';');
            }
            reasons.push_str(r.as_str());
        }
        w.write_record([
            row.subject_ref.as_str(),
            row.outcome.as_str(),
            reasons.as_str(),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Counts per outcome and per reason code (keyed by its spelling, so the
/// JSON lists them alphabetically).
pub fn count(rows: &[ResponseRow]) -> (OutcomeCounts, BTreeMap<String, u64>) {
    let counts: OutcomeCounts = rows.iter().map(|r| r.outcome).collect();
    let mut reasons = BTreeMap::new();
    for row in rows {
        for r in &row.reasons {
            *reasons.entry(r.as_str().to_string()).or_default() += 1;
        }
    }
    (counts, reasons)
}

/// The unsigned parts of a response, from which the statement is built.
#[derive(Debug, Clone)]
pub struct ResponseSummary<'a> {
    /// The `request_id` of the letter answered.
    pub request_id: &'a str,
    /// Ledger checkpoint.
    pub checkpoint: CheckpointDto,
    /// Policy version.
    pub policy_version: &'a str,
    /// Model version.
    pub model_version: &'a str,
}

/// Builds the statement to sign for `rows` (and the CSV bytes it covers).
pub fn build_statement(
    summary: &ResponseSummary<'_>,
    rows: &[ResponseRow],
) -> Result<(Vec<u8>, String), csv::Error> {
    let csv_bytes = render_csv(rows)?;
    let (counts, _) = count(rows);
    let get = |o: Outcome| counts.get(o);
    let statement = format!(
        "vouch-response-v1\nrequest_id {}\nresponse.csv sha256 {}\nCONFIRMED {}\nNOT_CONFIRMED {}\nREJECTED {}\nledger {} {} {}\npolicy {}\nmodel {}\n",
        summary.request_id,
        hex::encode(Sha256::digest(&csv_bytes)),
        get(Outcome::Confirmed),
        get(Outcome::NotConfirmed),
        get(Outcome::Rejected),
        summary.checkpoint.origin,
        summary.checkpoint.tree_size,
        summary.checkpoint.root_hash,
        summary.policy_version,
        summary.model_version,
    );
    Ok((csv_bytes, statement))
}

/// Assembles `response.json` from its parts and the signature over `statement`.
pub fn build_json(
    summary: &ResponseSummary<'_>,
    rows: &[ResponseRow],
    csv_bytes: &[u8],
    statement: String,
    signature: SignatureDto,
) -> ResponseJson {
    let (counts, reason_counts) = count(rows);
    ResponseJson {
        request_id: summary.request_id.to_string(),
        counts,
        reason_counts,
        ledger_checkpoint: summary.checkpoint.clone(),
        policy_version: summary.policy_version.to_string(),
        model_version: summary.model_version.to_string(),
        caveat: CAVEAT.to_string(),
        response_csv_sha256: hex::encode(Sha256::digest(csv_bytes)),
        signed_statement: statement,
        signature,
    }
}

/// Writes `response.csv` and `response.json` into `dir`.
///
/// When `dir` does not exist yet, both files are written into a temporary
/// sibling directory that is renamed into place, so the pair appears at once.
/// Otherwise each file is replaced atomically, `response.json` last: a
/// directory with a `response.csv` but an older or no `response.json` is an
/// interrupted write, and re-running the request rewrites both.
pub fn write_response(
    dir: &Path,
    csv_bytes: &[u8],
    json: &ResponseJson,
) -> Result<(), FormatError> {
    let mut json_bytes = serde_json::to_vec_pretty(json)
        .map_err(|e| FormatError::file(dir, crate::FormatErrorKind::Malformed(e.to_string())))?;
    json_bytes.push(b'\n');
    fn io(p: &Path) -> impl Fn(std::io::Error) -> FormatError + '_ {
        move |e| FormatError::io(p, &e)
    }
    if !dir.exists() {
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        let tmp = tempfile::Builder::new()
            .prefix(".response-")
            .tempdir_in(parent)
            .map_err(io(parent))?;
        write_atomic(&tmp.path().join("response.csv"), csv_bytes).map_err(io(dir))?;
        write_atomic(&tmp.path().join("response.json"), &json_bytes).map_err(io(dir))?;
        let tmp_path = tmp.keep();
        std::fs::rename(&tmp_path, dir).map_err(io(dir))?;
        return sync_dir(parent).map_err(io(parent));
    }
    write_atomic(&dir.join("response.csv"), csv_bytes).map_err(io(dir))?;
    write_atomic(&dir.join("response.json"), &json_bytes).map_err(io(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<ResponseRow> {
        vec![
            ResponseRow {
                subject_ref: "S1".into(),
                outcome: Outcome::Confirmed,
                reasons: vec![],
            },
            ResponseRow {
                subject_ref: "S,2".into(),
                outcome: Outcome::Rejected,
                reasons: vec![ReasonCode::AddressIncomplete, ReasonCode::OrderUnder90Days],
            },
        ]
    }

    #[test]
    fn csv_quotes_refs_and_joins_reasons_with_semicolons() {
        let s = String::from_utf8(render_csv(&rows()).unwrap()).unwrap();
        assert_eq!(
            s,
            "subject_ref,outcome,reasons\nS1,CONFIRMED,\n\"S,2\",REJECTED,ADDRESS_INCOMPLETE;ORDER_UNDER_90_DAYS\n"
        );
    }

    #[test]
    fn counts_include_every_outcome_even_when_zero() {
        let (c, r) = count(&rows());
        assert_eq!(c.get(Outcome::NotConfirmed), 0);
        assert_eq!(c.get(Outcome::Confirmed), 1);
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"CONFIRMED":1,"NOT_CONFIRMED":0,"REJECTED":1}"#
        );
        assert_eq!(r["ADDRESS_INCOMPLETE"], 1);
    }

    #[test]
    fn the_longest_row_fits_the_row_limit_the_store_is_sized_by() {
        // A reference of the longest length, every character one the CSV
        // writer must escape, REJECTED for every reason there is.
        let row = ResponseRow {
            subject_ref: "\"".repeat(vouch_core::limits::ID_BYTES_MAX),
            outcome: Outcome::NotConfirmed,
            reasons: ReasonCode::ALL.to_vec(),
        };
        let bytes = render_csv(std::slice::from_ref(&row)).unwrap();
        let header = "subject_ref,outcome,reasons\n".len();
        let line = (bytes.len() - header) as u64;
        assert!(
            line <= vouch_core::limits::RESPONSE_ROW_BYTES_MAX,
            "{line} bytes"
        );
    }
}
