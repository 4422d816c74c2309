//! A request batch: the cover letter and its subjects, as received.
//!
//! Dates that a rule must judge (`final_order_date`, `dob`) are kept as the
//! text received, so that the policy stage can reject an unparseable value
//! with a reason code instead of the whole batch failing.

use time::OffsetDateTime;

/// An official named in a request (signer or recipient).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Official {
    /// Registry identifier.
    pub id: String,
    /// Name as given by the agency.
    pub name: String,
    /// Title as given by the agency.
    pub title: String,
}

/// The cover letter (`request.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLetter {
    /// The requester's identifier for the batch.
    pub request_id: String,
    /// The legal pathway, `6103(i)(2)`.
    pub pathway: String,
    /// The requesting agency's registry id.
    pub agency: String,
    /// When the request was submitted; every date rule is judged at this instant.
    pub submitted_at: OffsetDateTime,
    /// The official who signed the letter.
    pub signer: Official,
    /// The officials who may use the response.
    pub recipients: Vec<Official>,
    /// The non-tax criminal statute the request relies on.
    pub statutory_authority: String,
    /// The kind of investigation (`criminal`).
    pub investigation: String,
    /// The tax years asked about.
    pub taxable_periods: Vec<i32>,
    /// The items asked for; only `address_confirmation` is lawful here.
    pub requested_items: Vec<String>,
    /// The use attestation.
    pub attestation: String,
    /// Whether the requester will analyse the response with AI.
    pub ai_analysis: bool,
    /// The AI-use notification on file, when `ai_analysis` is true.
    pub ai_notification_id: Option<String>,
    /// The subjects file name, relative to the request directory.
    pub subjects_file: String,
    /// Hex SHA-256 of the subjects file.
    pub subjects_sha256: String,
    /// The agency's signed case assignments, `(recipient id, case number)`:
    /// each recipient's `cases` in the letter, then the rows of its
    /// `cases_file` once read.
    pub cases: Vec<(String, String)>,
    /// The case-assignment file (`recipient_id,case_number`), when the
    /// letter names one, and its hex SHA-256.
    pub cases_file: Option<(String, String)>,
}

impl RequestLetter {
    /// The case numbers some recipient of the letter is assigned to.
    pub fn assigned_cases(&self) -> std::collections::HashSet<&str> {
        self.cases.iter().map(|(_, c)| c.as_str()).collect()
    }
}

/// One person asked about (a row of `subjects.csv`).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Subject {
    /// 1-based line of the row in `subjects.csv` (for error messages).
    pub line: u64,
    /// The requester's reference, unique within the request.
    pub subject_ref: String,
    /// Given name(s).
    pub first_name: String,
    /// Middle name.
    pub middle_name: String,
    /// Surname(s).
    pub last_name: String,
    /// Generational suffix.
    pub suffix: String,
    /// Date of birth as received (`YYYY-MM-DD` or empty).
    pub dob: String,
    /// A TIN the requester holds, or empty.
    pub tin: String,
    /// Street line.
    pub street: String,
    /// City, as received.
    pub city: String,
    /// State as received: a USPS code or a name (`IL`, `Illinois`).
    pub state: String,
    /// ZIP or ZIP+4.
    pub zip: String,
    /// Alien registration number.
    pub a_number: String,
    /// Date of the final order of removal, as received.
    pub final_order_date: String,
    /// The criminal investigation's case number.
    pub case_number: String,
    /// Why the information is relevant.
    pub relevance: String,
}

impl std::fmt::Debug for Subject {
    // Only the reference: the rest is personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subject")
            .field("line", &self.line)
            .field("subject_ref", &self.subject_ref)
            .finish_non_exhaustive()
    }
}
