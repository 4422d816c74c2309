//! A request directory (formats.md section 2): `request.json`, its detached
//! signature and `subjects.csv`, read with every size bounded and the subjects
//! file checked against `subjects_sha256` while it streams.
//!
//! Reading never judges content beyond what is needed to parse it: a subject
//! with an empty A-number is a policy matter, a row with a missing column is
//! a format error.

use crate::error::{FormatError, FormatErrorKind};
use crate::keys::{read_bounded, read_signature};
use crate::table::Table;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use vouch_core::{limits, Official, RequestLetter, Subject};

/// `request.json` as it is on the wire.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RequestLetterDto {
    /// See formats.md.
    pub request_id: String,
    /// See formats.md.
    pub pathway: String,
    /// See formats.md.
    pub agency: String,
    /// See formats.md.
    pub submitted_at: String,
    /// See formats.md.
    pub signer: OfficialDto,
    /// See formats.md.
    pub recipients: Vec<OfficialDto>,
    /// See formats.md.
    pub statutory_authority: String,
    /// See formats.md.
    pub investigation: String,
    /// See formats.md.
    pub taxable_periods: Vec<i32>,
    /// See formats.md.
    pub requested_items: Vec<String>,
    /// See formats.md.
    pub attestation: String,
    /// See formats.md.
    #[serde(default)]
    pub ai_analysis: bool,
    /// See formats.md.
    #[serde(default)]
    pub ai_notification_id: Option<String>,
    /// See formats.md.
    pub subjects_file: String,
    /// See formats.md.
    pub subjects_sha256: String,
    /// See formats.md: the case-assignment file of a large batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cases_file: Option<String>,
    /// See formats.md: its SHA-256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cases_sha256: Option<String>,
}

/// An official in `request.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OfficialDto {
    /// Registry id.
    pub id: String,
    /// The official's name as the letter gives it; empty when left out.
    #[serde(default)]
    pub name: String,
    /// The official's title as the letter gives it; empty when left out.
    #[serde(default)]
    pub title: String,
    /// A recipient's cases (formats.md): the case numbers of the
    /// investigations they work on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<String>,
}

/// Everything read from a request directory.
#[derive(Debug)]
pub struct RequestFiles {
    /// The request directory read, as given to [`read_request_dir`].
    pub dir: PathBuf,
    /// The cover letter.
    pub letter: RequestLetter,
    /// The exact bytes of `request.json` (what the signature covers).
    pub letter_bytes: Vec<u8>,
    /// The detached signature.
    pub signature: [u8; 64],
    /// The subjects, in file order.
    pub subjects: Vec<Subject>,
}

/// A request directory's letter and signature, read before its subjects
/// (so that a letter whose signature fails costs nothing more).
#[derive(Debug)]
pub struct LetterFiles {
    /// The request directory read.
    pub dir: PathBuf,
    /// The cover letter.
    pub letter: RequestLetter,
    /// The exact bytes of `request.json` (what the signature covers).
    pub letter_bytes: Vec<u8>,
    /// The detached signature.
    pub signature: [u8; 64],
}

/// Reads and checks a request directory's `request.json` and signature
/// only (bounded: a few hundred kilobytes at most).
pub fn read_letter_dir(dir: &Path) -> Result<LetterFiles, FormatError> {
    let letter_path = dir.join("request.json");
    let letter_bytes = read_bounded(&letter_path, limits::REQUEST_JSON_BYTES_MAX)?;
    let letter = parse_letter(&letter_path, &letter_bytes)?;
    let signature = read_signature(&dir.join("request.json.sig"))?;
    Ok(LetterFiles {
        dir: dir.to_path_buf(),
        letter,
        letter_bytes,
        signature,
    })
}

impl LetterFiles {
    /// Reads the subjects file the letter names: first streamed once
    /// through SHA-256 and compared with `subjects_sha256` (memory bounded,
    /// whatever its size), and only then parsed.
    pub fn read_subjects(mut self) -> Result<RequestFiles, FormatError> {
        if let Some((name, sha256)) = self.letter.cases_file.clone() {
            let path = self.dir.join(&name);
            let recipients: std::collections::HashSet<&str> = self
                .letter
                .recipients
                .iter()
                .map(|r| r.id.as_str())
                .collect();
            let rows = read_cases(&path, &sha256, &recipients)?;
            self.letter.cases.extend(rows);
        }
        let subjects_path = self.dir.join(&self.letter.subjects_file);
        let subjects = read_subjects(&subjects_path, &self.letter.subjects_sha256)?;
        Ok(RequestFiles {
            dir: self.dir,
            letter: self.letter,
            letter_bytes: self.letter_bytes,
            signature: self.signature,
            subjects,
        })
    }
}

/// Reads and checks a request directory.
pub fn read_request_dir(dir: &Path) -> Result<RequestFiles, FormatError> {
    read_letter_dir(dir)?.read_subjects()
}

/// Streams `path` through SHA-256 in fixed-size pieces and compares it
/// with `expected_sha256_hex`, refusing a file over `limit_bytes`: nothing
/// of it is parsed, and memory does not grow with its size.
fn check_file_sha256(
    path: &Path,
    expected_sha256_hex: &str,
    limit_bytes: u64,
) -> Result<(), FormatError> {
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, &e))?;
    let mut hashing = HashingReader::new(file, limit_bytes);
    hashing.drain().map_err(|e| FormatError::io(path, &e))?;
    if hashing.exceeded() {
        return Err(FormatError::file(
            path,
            FormatErrorKind::FileTooLarge { limit_bytes },
        ));
    }
    if hex::encode(hashing.finish()) != expected_sha256_hex.to_ascii_lowercase() {
        return Err(FormatError::file(path, FormatErrorKind::HashMismatch));
    }
    Ok(())
}

/// Parses the bytes of `request.json` into a checked cover letter.
pub fn parse_letter(path: &Path, bytes: &[u8]) -> Result<RequestLetter, FormatError> {
    let dto: RequestLetterDto = serde_json::from_slice(bytes).map_err(|e| {
        FormatError::at(
            path,
            e.line() as u64,
            "json",
            FormatErrorKind::Malformed(json_why(&e)),
        )
    })?;
    letter_from_dto(path, dto)
}

fn json_why(e: &serde_json::Error) -> String {
    // serde_json's message names the missing or mistyped key; keep only its
    // first clause (before " at line"), which is all this file's content allows.
    let msg = e.to_string();
    msg.split(" at line")
        .next()
        .unwrap_or("invalid JSON")
        .to_string()
}

/// Checks a parsed `request.json` (read from `path`) and turns it into a
/// cover letter; the hash of the subjects file is lower-cased.
fn letter_from_dto(path: &Path, d: RequestLetterDto) -> Result<RequestLetter, FormatError> {
    // The order of the checks decides which of several faults is named.
    check_request_id(path, &d.request_id)?;
    check_lengths(path, &d)?;
    let submitted_at = parse_submitted_at(path, &d.submitted_at)?;
    check_subjects_file(path, &d.subjects_file, &d.subjects_sha256)?;
    let signer = official_from_dto(path, d.signer, SIGNER_FIELDS)?;
    let mut cases = Vec::new();
    for r in &d.recipients {
        for c in &r.cases {
            bounded(path, "recipients.cases", c, limits::FIELD_BYTES_MAX)?;
            if c.trim().is_empty() {
                return Err(bad(path, "recipients.cases", FormatErrorKind::Empty));
            }
            cases.push((r.id.clone(), c.trim().to_string()));
        }
    }
    let cases_file = match (d.cases_file, d.cases_sha256) {
        (None, None) => None,
        (Some(name), Some(sha)) => {
            check_named_file(path, ("cases_file", &name), ("cases_sha256", &sha))?;
            Some((name, sha.to_ascii_lowercase()))
        }
        (Some(_), None) => return Err(bad(path, "cases_sha256", FormatErrorKind::Empty)),
        (None, Some(_)) => return Err(bad(path, "cases_file", FormatErrorKind::Empty)),
    };
    let recipients = d
        .recipients
        .into_iter()
        .map(|o| official_from_dto(path, o, RECIPIENT_FIELDS))
        .collect::<Result<_, _>>()?;
    Ok(RequestLetter {
        request_id: d.request_id,
        pathway: d.pathway,
        agency: d.agency,
        submitted_at,
        signer,
        recipients,
        statutory_authority: d.statutory_authority,
        investigation: d.investigation,
        taxable_periods: d.taxable_periods,
        requested_items: d.requested_items,
        attestation: d.attestation,
        ai_analysis: d.ai_analysis,
        ai_notification_id: d.ai_notification_id,
        subjects_file: d.subjects_file,
        subjects_sha256: d.subjects_sha256.to_ascii_lowercase(),
        cases,
        cases_file,
    })
}

/// A refusal of one field of `request.json`. The parsed letter keeps no
/// positions, so every such refusal names line 1.
fn bad(path: &Path, field: &str, kind: FormatErrorKind) -> FormatError {
    FormatError::at(path, 1, field, kind)
}

/// Refuses `v` as `field` when it is longer than `limit` bytes.
fn bounded(path: &Path, field: &str, v: &str, limit: usize) -> Result<(), FormatError> {
    if v.len() > limit {
        return Err(bad(
            path,
            field,
            FormatErrorKind::FieldTooLong { limit_bytes: limit },
        ));
    }
    Ok(())
}

/// `request_id`: at most [`limits::ID_BYTES_MAX`] bytes, not blank, only
/// letters, digits, `-`, `_` and `.`, starting with a letter or digit.
fn check_request_id(path: &Path, id: &str) -> Result<(), FormatError> {
    bounded(path, "request_id", id, limits::ID_BYTES_MAX)?;
    if id.trim().is_empty() {
        return Err(bad(path, "request_id", FormatErrorKind::Empty));
    }
    let id_ok = id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && id.as_bytes()[0].is_ascii_alphanumeric();
    if !id_ok {
        return Err(bad(
            path,
            "request_id",
            FormatErrorKind::Malformed(
                "only letters, digits, '-', '_' and '.', starting with a letter or digit".into(),
            ),
        ));
    }
    Ok(())
}

/// The lengths of the letter's ids and texts, and the number of recipients
/// and of taxable periods.
fn check_lengths(path: &Path, d: &RequestLetterDto) -> Result<(), FormatError> {
    for (field, v) in [
        ("agency", &d.agency),
        ("signer.id", &d.signer.id),
        ("pathway", &d.pathway),
    ] {
        bounded(path, field, v, limits::ID_BYTES_MAX)?;
    }
    for (field, v) in [
        ("statutory_authority", &d.statutory_authority),
        ("investigation", &d.investigation),
        ("attestation", &d.attestation),
    ] {
        bounded(path, field, v, limits::TEXT_FIELD_BYTES_MAX)?;
    }
    if d.recipients.len() > limits::RECIPIENTS_MAX {
        return Err(bad(
            path,
            "recipients",
            FormatErrorKind::TooManyRows {
                limit: limits::RECIPIENTS_MAX as u64,
            },
        ));
    }
    if d.taxable_periods.len() > limits::TAXABLE_PERIODS_MAX {
        return Err(bad(
            path,
            "taxable_periods",
            FormatErrorKind::TooManyRows {
                limit: limits::TAXABLE_PERIODS_MAX as u64,
            },
        ));
    }
    Ok(())
}

/// `submitted_at`: an RFC 3339 instant, taken to UTC, in the years 1900 to
/// 9999 there.
fn parse_submitted_at(path: &Path, s: &str) -> Result<OffsetDateTime, FormatError> {
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .and_then(|t| t.checked_to_offset(time::UtcOffset::UTC))
        .filter(|t| (1900..=9999).contains(&t.year()))
        .ok_or_else(|| {
            bad(
                path,
                "submitted_at",
                FormatErrorKind::Malformed(
                    "not an RFC 3339 instant between the years 1900 and 9999".into(),
                ),
            )
        })
}

/// `subjects_file` must be a plain name inside the request directory, and
/// `subjects_sha256` 64 hex digits (either case).
fn check_subjects_file(path: &Path, name: &str, sha256: &str) -> Result<(), FormatError> {
    check_named_file(path, ("subjects_file", name), ("subjects_sha256", sha256))
}

/// A file the letter names (`subjects_file`, `cases_file`): a plain name
/// inside the request directory, with 64 hex digits of SHA-256.
fn check_named_file(
    path: &Path,
    (name_field, name): (&str, &str),
    (sha_field, sha256): (&str, &str),
) -> Result<(), FormatError> {
    let name_ok = !name.is_empty()
        && name.len() <= limits::ID_BYTES_MAX
        && !name.contains(['/', '\\'])
        && name != ".."
        && name != ".";
    if !name_ok {
        return Err(bad(
            path,
            name_field,
            FormatErrorKind::Malformed("must be a file name inside the request directory".into()),
        ));
    }
    let hash_ok = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
    if !hash_ok {
        return Err(bad(
            path,
            sha_field,
            FormatErrorKind::Malformed("must be 64 hex digits".into()),
        ));
    }
    Ok(())
}

/// Most rows of a case-assignment file (one assignment per subject's case
/// and recipient: as many as a lawful batch has subjects, twice over).
pub const CASES_ROWS_MAX: u64 = 2 * limits::BATCH_SUBJECTS_MAX;

/// Reads a case-assignment file (`recipient_id,case_number`): first
/// streamed through SHA-256 and compared with `expected_sha256_hex`, then
/// parsed; every row names a recipient of the letter and a case number.
pub fn read_cases(
    path: &Path,
    expected_sha256_hex: &str,
    recipients: &std::collections::HashSet<&str>,
) -> Result<Vec<(String, String)>, FormatError> {
    check_file_sha256(path, expected_sha256_hex, limits::SUBJECTS_FILE_BYTES_MAX)?;
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, &e))?;
    let mut t = Table::new(path, file)?;
    let cols = t.columns([("recipient_id", true), ("case_number", true)])?;
    let mut out = Vec::new();
    while t.next_row()? {
        if out.len() as u64 >= CASES_ROWS_MAX {
            return Err(FormatError::file(
                path,
                FormatErrorKind::TooManyRows {
                    limit: CASES_ROWS_MAX,
                },
            ));
        }
        let recipient = t
            .field(cols[0], "recipient_id", limits::ID_BYTES_MAX)?
            .trim();
        if !recipients.contains(recipient) {
            return Err(FormatError::at(
                path,
                t.line(),
                "recipient_id",
                FormatErrorKind::Malformed("not a recipient the letter names".into()),
            ));
        }
        let case = t
            .field(cols[1], "case_number", limits::FIELD_BYTES_MAX)?
            .trim();
        if case.is_empty() {
            return Err(FormatError::at(
                path,
                t.line(),
                "case_number",
                FormatErrorKind::Empty,
            ));
        }
        out.push((recipient.to_string(), case.to_string()));
    }
    Ok(out)
}

/// How a refusal names an official's fields: id, name, title.
type OfficialFields = [&'static str; 3];
const SIGNER_FIELDS: OfficialFields = ["signer.id", "signer.name", "signer.title"];
const RECIPIENT_FIELDS: OfficialFields = ["recipients.id", "recipients.name", "recipients.title"];

/// The signer or a recipient, its fields bounded; a refusal names the
/// field where it is (`signer.name`, `recipients.title`, ...).
fn official_from_dto(
    path: &Path,
    o: OfficialDto,
    [id, name, title]: OfficialFields,
) -> Result<Official, FormatError> {
    bounded(path, id, &o.id, limits::ID_BYTES_MAX)?;
    bounded(path, name, &o.name, limits::FIELD_BYTES_MAX)?;
    bounded(path, title, &o.title, limits::FIELD_BYTES_MAX)?;
    Ok(Official {
        id: o.id,
        name: o.name,
        title: o.title,
    })
}

/// Converts a cover letter back to its wire form (for generators and tests).
pub fn letter_to_dto(l: &RequestLetter) -> RequestLetterDto {
    let official = |o: &Official| OfficialDto {
        id: o.id.clone(),
        name: o.name.clone(),
        title: o.title.clone(),
        cases: Vec::new(),
    };
    let mut recipients: Vec<OfficialDto> = l.recipients.iter().map(official).collect();
    if l.cases_file.is_none() {
        for (r, c) in &l.cases {
            if let Some(dto) = recipients.iter_mut().find(|d| &d.id == r) {
                dto.cases.push(c.clone());
            }
        }
    }
    RequestLetterDto {
        request_id: l.request_id.clone(),
        pathway: l.pathway.clone(),
        agency: l.agency.clone(),
        submitted_at: l.submitted_at.format(&Rfc3339).unwrap_or_default(),
        signer: official(&l.signer),
        recipients,
        statutory_authority: l.statutory_authority.clone(),
        investigation: l.investigation.clone(),
        taxable_periods: l.taxable_periods.clone(),
        requested_items: l.requested_items.clone(),
        attestation: l.attestation.clone(),
        ai_analysis: l.ai_analysis,
        ai_notification_id: l.ai_notification_id.clone(),
        subjects_file: l.subjects_file.clone(),
        subjects_sha256: l.subjects_sha256.clone(),
        cases_file: l.cases_file.as_ref().map(|(n, _)| n.clone()),
        cases_sha256: l.cases_file.as_ref().map(|(_, s)| s.clone()),
    }
}

/// The columns of `subjects.csv` (name, required).
pub const SUBJECT_COLUMNS: [(&str, bool); 15] = [
    ("subject_ref", true),
    ("first_name", true),
    ("middle_name", false),
    ("last_name", true),
    ("suffix", false),
    ("dob", false),
    ("tin", false),
    ("street", true),
    ("city", true),
    ("state", true),
    ("zip", true),
    ("a_number", true),
    ("final_order_date", true),
    ("case_number", true),
    ("relevance", true),
];

/// Reads `subjects.csv`, checking its SHA-256 against `expected_sha256_hex`
/// as it streams. On a mismatch nothing read is returned. At most
/// [`limits::BATCH_SUBJECTS_MAX`] rows and
/// [`limits::SUBJECTS_FILE_BYTES_MAX`] bytes.
pub fn read_subjects(path: &Path, expected_sha256_hex: &str) -> Result<Vec<Subject>, FormatError> {
    read_subjects_within(path, expected_sha256_hex, SubjectsLimits::LAWFUL)
}

/// The limits [`read_subjects`] enforces. Always [`SubjectsLimits::LAWFUL`]
/// outside this module's tests, which lower them to drive the reader to its
/// boundaries without writing ten million rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SubjectsLimits {
    rows_max: u64,
    bytes_max: u64,
}

impl SubjectsLimits {
    const LAWFUL: SubjectsLimits = SubjectsLimits {
        rows_max: limits::BATCH_SUBJECTS_MAX,
        bytes_max: limits::SUBJECTS_FILE_BYTES_MAX,
    };
}

fn read_subjects_within(
    path: &Path,
    expected_sha256_hex: &str,
    lim: SubjectsLimits,
) -> Result<Vec<Subject>, FormatError> {
    // The file is the one the signed letter names, or nothing is parsed.
    check_file_sha256(path, expected_sha256_hex, lim.bytes_max)?;
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, &e))?;
    let hashing = HashingReader::new(file, lim.bytes_max);
    let mut table = Table::new(path, hashing)?;
    let cols = table.columns(SUBJECT_COLUMNS)?;
    let mut subjects = Vec::new();
    let mut refs: HashMap<String, u64> = HashMap::new();
    loop {
        match table.next_row() {
            Ok(true) => {}
            Ok(false) => break,
            // A stream cut at the size limit shows up as a broken row.
            Err(_) if table.inner().exceeded() => {
                return Err(FormatError::file(
                    path,
                    FormatErrorKind::FileTooLarge {
                        limit_bytes: lim.bytes_max,
                    },
                ));
            }
            Err(e) => return Err(e),
        }
        if subjects.len() as u64 >= lim.rows_max {
            return Err(FormatError::file(
                path,
                FormatErrorKind::TooManyRows {
                    limit: lim.rows_max,
                },
            ));
        }
        let subject = read_subject_row(&table, &cols)?;
        if subject.subject_ref.is_empty() {
            return Err(FormatError::at(
                path,
                subject.line,
                "subject_ref",
                FormatErrorKind::Empty,
            ));
        }
        // The reference is copied into response.csv: one a spreadsheet
        // would run as a formula is refused here, so the copy stays exact
        // and harmless.
        if starts_like_a_formula(&subject.subject_ref) {
            return Err(FormatError::at(
                path,
                subject.line,
                "subject_ref",
                FormatErrorKind::Malformed(
                    "must not begin with =, +, -, @, a tab or a carriage return (a spreadsheet formula)"
                        .into(),
                ),
            ));
        }
        if let Some(&first_line) = refs.get(&subject.subject_ref) {
            return Err(FormatError::at(
                path,
                subject.line,
                "subject_ref",
                FormatErrorKind::DuplicateRef { first_line },
            ));
        }
        refs.insert(subject.subject_ref.clone(), subject.line);
        subjects.push(subject);
    }
    let mut hashing = table.into_inner();
    hashing.drain().map_err(|e| FormatError::io(path, &e))?;
    if hashing.exceeded() {
        return Err(FormatError::file(
            path,
            FormatErrorKind::FileTooLarge {
                limit_bytes: lim.bytes_max,
            },
        ));
    }
    if hex::encode(hashing.finish()) != expected_sha256_hex.to_ascii_lowercase() {
        return Err(FormatError::file(path, FormatErrorKind::HashMismatch));
    }
    Ok(subjects)
}

pub use vouch_normalize::is_invisible;

/// `text` without its invisible characters ([`is_invisible`]).
pub fn without_invisible(text: &str) -> String {
    text.chars().filter(|c| !is_invisible(*c)).collect()
}

/// Whether `text` would be read as a formula by a spreadsheet opening a
/// CSV file (OWASP's list of leading characters).
pub fn starts_like_a_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

fn read_subject_row<R: Read>(
    t: &Table<R>,
    cols: &crate::table::Columns<15>,
) -> Result<Subject, FormatError> {
    let f = |i: usize| -> Result<String, FormatError> {
        let (name, _) = SUBJECT_COLUMNS[i];
        let limit = if name == "relevance" {
            limits::TEXT_FIELD_BYTES_MAX
        } else {
            limits::FIELD_BYTES_MAX
        };
        let limit = if name == "subject_ref" {
            limits::ID_BYTES_MAX
        } else {
            limit
        };
        let value = t.field(cols[i], name, limit)?;
        if !value.chars().any(is_invisible) {
            return Ok(value.to_string());
        }
        // The reference is copied into the response: refused, so the copy
        // is exact. Anything else is read without them, so that a
        // zero-width space or a bidi control makes no new person, name or
        // address for the checks, the guard or the matcher.
        if name == "subject_ref" {
            return Err(FormatError::at(
                t.path(),
                t.line(),
                name,
                FormatErrorKind::Malformed("contains an invisible character".into()),
            ));
        }
        Ok(without_invisible(value))
    };
    Ok(Subject {
        line: t.line(),
        subject_ref: f(0)?,
        first_name: f(1)?,
        middle_name: f(2)?,
        last_name: f(3)?,
        suffix: f(4)?,
        dob: f(5)?,
        tin: f(6)?,
        street: f(7)?,
        city: f(8)?,
        state: f(9)?,
        zip: f(10)?,
        a_number: f(11)?,
        final_order_date: f(12)?,
        case_number: f(13)?,
        relevance: f(14)?,
    })
}

/// A reader that hashes what passes through it and stops at a byte limit.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    read_bytes: u64,
    limit_bytes: u64,
}

impl<R: Read> HashingReader<R> {
    fn new(inner: R, limit_bytes: u64) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            read_bytes: 0,
            limit_bytes,
        }
    }

    fn exceeded(&self) -> bool {
        self.read_bytes > self.limit_bytes
    }

    /// Reads (and hashes) whatever the CSV reader left unread.
    fn drain(&mut self) -> std::io::Result<()> {
        let mut buf = [0u8; 8192];
        while self.read(&mut buf)? > 0 {}
        Ok(())
    }

    fn finish(self) -> [u8; 32] {
        self.hasher.finalize().into()
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.exceeded() {
            // Report end of file: the caller sees `exceeded()` and refuses.
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read_bytes += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter_with(submitted_at: &str) -> String {
        format!(
            r#"{{"request_id":"R-1","pathway":"6103(i)(2)","agency":"DHS-ICE","submitted_at":"{submitted_at}",
            "signer":{{"id":"s"}},"recipients":[],"statutory_authority":"x","investigation":"criminal",
            "taxable_periods":[2023],"requested_items":["address_confirmation"],"attestation":"a",
            "subjects_file":"subjects.csv","subjects_sha256":"{}"}}"#,
            "0".repeat(64)
        )
    }

    // Minimised fuzz crashers (crates/formats/fuzz/crashers/request_json/).
    #[test]
    fn an_instant_that_overflows_utc_is_malformed_not_a_panic() {
        let e = parse_letter(
            Path::new("request.json"),
            letter_with("9999-12-31T23:59:59-01:00").as_bytes(),
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("submitted_at"));
    }

    #[test]
    fn a_year_outside_1900_to_9999_is_malformed() {
        let e = parse_letter(
            Path::new("request.json"),
            letter_with("0000-01-01T00:00:00+01:00").as_bytes(),
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("submitted_at"));
        let ok = parse_letter(
            Path::new("request.json"),
            letter_with("2025-06-02T14:00:00-04:00").as_bytes(),
        )
        .unwrap();
        assert_eq!(ok.submitted_at.hour(), 18);
        assert_eq!(letter_to_dto(&ok).submitted_at, "2025-06-02T18:00:00Z");
    }

    /// A lawful letter, as it comes off the wire.
    fn lawful_dto() -> RequestLetterDto {
        serde_json::from_str(&letter_with("2025-06-02T14:00:00Z")).unwrap()
    }

    /// The error `letter_from_dto` gives for `d`: always line 1 of the file.
    fn refusal(d: RequestLetterDto) -> FormatError {
        letter_from_dto(Path::new("dir/request.json"), d).unwrap_err()
    }

    fn at(field: &str, kind: FormatErrorKind) -> FormatError {
        FormatError::at(Path::new("dir/request.json"), 1, field, kind)
    }

    fn official(id: &str, name: &str, title: &str) -> OfficialDto {
        OfficialDto {
            id: id.into(),
            name: name.into(),
            title: title.into(),
            cases: Vec::new(),
        }
    }

    #[test]
    fn each_refusal_of_the_letter_names_its_field() {
        let long = |n: usize| "a".repeat(n + 1);
        let too_long = |limit_bytes| FormatErrorKind::FieldTooLong { limit_bytes };
        let id_rule = FormatErrorKind::Malformed(
            "only letters, digits, '-', '_' and '.', starting with a letter or digit".into(),
        );
        let instant = FormatErrorKind::Malformed(
            "not an RFC 3339 instant between the years 1900 and 9999".into(),
        );
        let file_name =
            FormatErrorKind::Malformed("must be a file name inside the request directory".into());
        let hex = FormatErrorKind::Malformed("must be 64 hex digits".into());
        type Edit = Box<dyn Fn(&mut RequestLetterDto)>;
        let cases: Vec<(Edit, FormatError)> = vec![
            (
                Box::new(move |d| d.request_id = long(limits::ID_BYTES_MAX)),
                at("request_id", too_long(limits::ID_BYTES_MAX)),
            ),
            (
                Box::new(|d| d.request_id = " \t".into()),
                at("request_id", FormatErrorKind::Empty),
            ),
            (
                Box::new(|d| d.request_id = "-R".into()),
                at("request_id", id_rule.clone()),
            ),
            (
                Box::new(|d| d.request_id = "R/1".into()),
                at("request_id", id_rule.clone()),
            ),
            (
                Box::new(move |d| d.agency = long(limits::ID_BYTES_MAX)),
                at("agency", too_long(limits::ID_BYTES_MAX)),
            ),
            (
                Box::new(move |d| d.signer.id = long(limits::ID_BYTES_MAX)),
                at("signer.id", too_long(limits::ID_BYTES_MAX)),
            ),
            (
                Box::new(move |d| d.pathway = long(limits::ID_BYTES_MAX)),
                at("pathway", too_long(limits::ID_BYTES_MAX)),
            ),
            (
                Box::new(move |d| d.statutory_authority = long(limits::TEXT_FIELD_BYTES_MAX)),
                at(
                    "statutory_authority",
                    too_long(limits::TEXT_FIELD_BYTES_MAX),
                ),
            ),
            (
                Box::new(move |d| d.investigation = long(limits::TEXT_FIELD_BYTES_MAX)),
                at("investigation", too_long(limits::TEXT_FIELD_BYTES_MAX)),
            ),
            (
                Box::new(move |d| d.attestation = long(limits::TEXT_FIELD_BYTES_MAX)),
                at("attestation", too_long(limits::TEXT_FIELD_BYTES_MAX)),
            ),
            (
                Box::new(|d| {
                    d.recipients = vec![official("r", "", ""); limits::RECIPIENTS_MAX + 1]
                }),
                at(
                    "recipients",
                    FormatErrorKind::TooManyRows {
                        limit: limits::RECIPIENTS_MAX as u64,
                    },
                ),
            ),
            (
                Box::new(|d| d.taxable_periods = vec![2023; limits::TAXABLE_PERIODS_MAX + 1]),
                at(
                    "taxable_periods",
                    FormatErrorKind::TooManyRows {
                        limit: limits::TAXABLE_PERIODS_MAX as u64,
                    },
                ),
            ),
            (
                Box::new(|d| d.submitted_at = "2025-06-02".into()),
                at("submitted_at", instant.clone()),
            ),
            (
                Box::new(|d| d.subjects_file = String::new()),
                at("subjects_file", file_name.clone()),
            ),
            (
                Box::new(move |d| d.subjects_file = long(limits::ID_BYTES_MAX)),
                at("subjects_file", file_name.clone()),
            ),
            (
                Box::new(|d| d.subjects_file = "a\\b.csv".into()),
                at("subjects_file", file_name.clone()),
            ),
            (
                Box::new(|d| d.subjects_file = "..".into()),
                at("subjects_file", file_name.clone()),
            ),
            (
                Box::new(|d| d.subjects_file = ".".into()),
                at("subjects_file", file_name.clone()),
            ),
            (
                Box::new(|d| d.subjects_sha256 = "0".repeat(63)),
                at("subjects_sha256", hex.clone()),
            ),
            (
                Box::new(|d| d.subjects_sha256 = "g".repeat(64)),
                at("subjects_sha256", hex.clone()),
            ),
            // The signer's name and title are checked by the same rule as a
            // recipient's, and named as the signer's.
            (
                Box::new(move |d| d.signer.name = long(limits::FIELD_BYTES_MAX)),
                at("signer.name", too_long(limits::FIELD_BYTES_MAX)),
            ),
            (
                Box::new(move |d| d.signer.title = long(limits::FIELD_BYTES_MAX)),
                at("signer.title", too_long(limits::FIELD_BYTES_MAX)),
            ),
            (
                Box::new(move |d| {
                    d.recipients = vec![official(&long(limits::ID_BYTES_MAX), "", "")]
                }),
                at("recipients.id", too_long(limits::ID_BYTES_MAX)),
            ),
            (
                Box::new(move |d| {
                    d.recipients = vec![official("r", &long(limits::FIELD_BYTES_MAX), "")]
                }),
                at("recipients.name", too_long(limits::FIELD_BYTES_MAX)),
            ),
            // Several faults at once: the first in the order above is named.
            (
                Box::new(|d| {
                    d.request_id = String::new();
                    d.agency = "a".repeat(limits::ID_BYTES_MAX + 1);
                    d.subjects_file = "..".into();
                }),
                at("request_id", FormatErrorKind::Empty),
            ),
            (
                Box::new(|d| {
                    d.attestation = "a".repeat(limits::TEXT_FIELD_BYTES_MAX + 1);
                    d.pathway = "a".repeat(limits::ID_BYTES_MAX + 1);
                }),
                at("pathway", too_long(limits::ID_BYTES_MAX)),
            ),
            (
                Box::new(|d| {
                    d.recipients = vec![
                        official("", "", "t".repeat(999).as_str());
                        limits::RECIPIENTS_MAX + 1
                    ];
                    d.submitted_at = "now".into();
                }),
                at(
                    "recipients",
                    FormatErrorKind::TooManyRows {
                        limit: limits::RECIPIENTS_MAX as u64,
                    },
                ),
            ),
            (
                Box::new(|d| {
                    d.subjects_sha256 = String::new();
                    d.submitted_at = "now".into();
                }),
                at("submitted_at", instant.clone()),
            ),
            (
                Box::new(|d| {
                    d.recipients = vec![official("r", "", &"t".repeat(999))];
                    d.signer.name = "n".repeat(999);
                    d.subjects_sha256 = String::new();
                }),
                at("subjects_sha256", hex.clone()),
            ),
            (
                Box::new(|d| {
                    d.recipients = vec![official("r", "", &"t".repeat(999))];
                    d.signer.id = "s".repeat(limits::ID_BYTES_MAX);
                    d.signer.name = "n".repeat(999);
                }),
                at("signer.name", too_long(limits::FIELD_BYTES_MAX)),
            ),
        ];
        for (k, (edit, want)) in cases.into_iter().enumerate() {
            let mut d = lawful_dto();
            edit(&mut d);
            assert_eq!(refusal(d), want, "case {k}");
        }
    }

    #[test]
    fn a_lawful_letter_is_taken_at_the_limits() {
        let mut d = lawful_dto();
        d.request_id = format!("R{}", "-".repeat(limits::ID_BYTES_MAX - 1));
        d.agency = "a".repeat(limits::ID_BYTES_MAX);
        d.attestation = "a".repeat(limits::TEXT_FIELD_BYTES_MAX);
        d.signer = official("s", &"n".repeat(limits::FIELD_BYTES_MAX), "t");
        d.recipients = vec![official("r", "n", &"t".repeat(limits::FIELD_BYTES_MAX)); 3];
        d.taxable_periods = vec![2023; limits::TAXABLE_PERIODS_MAX];
        d.subjects_file = "s".repeat(limits::ID_BYTES_MAX);
        d.subjects_sha256 = "AB".repeat(32);
        let l = letter_from_dto(Path::new("request.json"), d.clone()).unwrap();
        assert_eq!(l.request_id, d.request_id);
        assert_eq!(l.signer.name, d.signer.name);
        assert_eq!(l.recipients.len(), 3);
        assert_eq!(l.recipients[2].title, d.recipients[2].title);
        assert_eq!(
            l.subjects_sha256,
            "ab".repeat(32),
            "the hash is lower-cased"
        );
        let mut back = letter_to_dto(&l);
        back.subjects_sha256 = d.subjects_sha256.clone();
        back.submitted_at = d.submitted_at.clone();
        assert_eq!(back, d);
    }

    const SUBJECTS_HEADER: &str = "subject_ref,first_name,middle_name,last_name,suffix,dob,tin,\
        street,city,state,zip,a_number,final_order_date,case_number,relevance\n";

    /// A subjects.csv of `rows` rows, written into `dir`; returns its path and SHA-256.
    fn subjects_file(dir: &Path, rows: u64) -> (std::path::PathBuf, String) {
        let mut text = SUBJECTS_HEADER.to_string();
        for i in 0..rows {
            text.push_str(&format!(
                "S-{i},Ana,,Lopez,,1980-01-02,,1 Main St,Springfield,IL,62701,\
                 A012345678,2020-01-01,C-{i},relevant\n"
            ));
        }
        let path = dir.join("subjects.csv");
        std::fs::write(&path, &text).unwrap();
        (path, hex::encode(Sha256::digest(text.as_bytes())))
    }

    #[test]
    fn invisible_characters_are_read_away_from_every_field_and_refused_in_a_reference() {
        let dir = tempfile::tempdir().unwrap();
        let write = |row: &str| {
            let text = format!("{SUBJECTS_HEADER}{row}\n");
            let path = dir.path().join("subjects.csv");
            std::fs::write(&path, &text).unwrap();
            (path, hex::encode(Sha256::digest(text.as_bytes())))
        };
        let (path, sha) = write(
            "S-1,A\u{200B}na,,Lo\u{00AD}pez\u{202E},,1980-01-02,,1 Ma\u{FEFF}in St,Spring\u{2060}field,IL,62701,\
             A012345678,2020-01-01,C-1,relevant",
        );
        let s = &read_subjects(&path, &sha).unwrap()[0];
        assert_eq!(
            (
                s.first_name.as_str(),
                s.last_name.as_str(),
                s.street.as_str(),
                s.city.as_str()
            ),
            ("Ana", "Lopez", "1 Main St", "Springfield")
        );
        let (path, sha) = write(
            "S\u{200D}-1,Ana,,Lopez,,1980-01-02,,1 Main St,Springfield,IL,62701,\
             A012345678,2020-01-01,C-1,relevant",
        );
        let e = read_subjects(&path, &sha).unwrap_err();
        assert!(
            e.to_string()
                .contains("line 2: field subject_ref: contains an invisible character"),
            "{e}"
        );
        assert!(!without_invisible("J\u{200B}u\u{FE0F}an").contains('\u{200B}'));
        assert!(!is_invisible('a') && !is_invisible(' ') && !is_invisible('é'));
    }

    #[test]
    fn the_reader_enforces_the_lawful_limits() {
        assert_eq!(
            SubjectsLimits::LAWFUL,
            SubjectsLimits {
                rows_max: limits::BATCH_SUBJECTS_MAX,
                bytes_max: limits::SUBJECTS_FILE_BYTES_MAX,
            }
        );
    }

    #[test]
    fn a_subjects_file_of_exactly_the_row_limit_is_read_and_one_more_row_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let lim = SubjectsLimits {
            rows_max: 5,
            bytes_max: limits::SUBJECTS_FILE_BYTES_MAX,
        };
        let (path, sha) = subjects_file(dir.path(), 5);
        assert_eq!(read_subjects_within(&path, &sha, lim).unwrap().len(), 5);
        let (path, sha) = subjects_file(dir.path(), 6);
        let e = read_subjects_within(&path, &sha, lim).unwrap_err();
        assert_eq!(e.kind, FormatErrorKind::TooManyRows { limit: 5 });
        assert!(e.to_string().contains("more than 5 rows"), "{e}");
    }

    #[test]
    fn a_subjects_file_of_exactly_the_byte_limit_is_read_and_one_more_byte_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (path, sha) = subjects_file(dir.path(), 3);
        let len = std::fs::metadata(&path).unwrap().len();
        let at = SubjectsLimits {
            rows_max: limits::BATCH_SUBJECTS_MAX,
            bytes_max: len,
        };
        assert_eq!(read_subjects_within(&path, &sha, at).unwrap().len(), 3);
        let below = SubjectsLimits {
            bytes_max: len - 1,
            ..at
        };
        let e = read_subjects_within(&path, &sha, below).unwrap_err();
        assert_eq!(
            e.kind,
            FormatErrorKind::FileTooLarge {
                limit_bytes: len - 1
            }
        );
        assert!(
            e.to_string()
                .contains(&format!("larger than the limit of {} bytes", len - 1)),
            "{e}"
        );
    }

    #[test]
    fn a_subjects_file_outside_the_request_directory_is_refused() {
        let text = letter_with("2025-06-02T14:00:00Z").replace("subjects.csv", "../etc/passwd");
        let e = parse_letter(Path::new("request.json"), text.as_bytes()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("subjects_file"));
    }
}
