//! Every limit on data read from outside, in one place.
//!
//! Names are qualifier-last (`field_bytes_max`). Exceeding a limit is a typed
//! error naming the limit, raised by the crate that reads the data.

/// Largest accepted `request.json`, in bytes.
pub const REQUEST_JSON_BYTES_MAX: u64 = 1 << 20;
/// Largest accepted `request.json.sig`, in bytes (a base64 signature is 88).
pub const SIGNATURE_FILE_BYTES_MAX: u64 = 1024;
/// Largest accepted key file, in bytes (a base64 key is 44).
pub const KEY_FILE_BYTES_MAX: u64 = 1024;
/// Largest accepted `subjects.csv`, in bytes (7 million subjects of ~400 bytes).
pub const SUBJECTS_FILE_BYTES_MAX: u64 = 4 << 30;
/// Most subjects in one request (the production batch is 7 million).
pub const BATCH_SUBJECTS_MAX: u64 = 10_000_000;
/// Longest accepted CSV field, in bytes.
pub const FIELD_BYTES_MAX: usize = 512;
/// Longest accepted free-text field (relevance, attestation), in bytes.
pub const TEXT_FIELD_BYTES_MAX: usize = 4096;
/// Most master rows in one master file (250 million taxpayers, years of history).
pub const MASTER_ROWS_MAX: u64 = 2_000_000_000;
/// Most recipients named in one request.
pub const RECIPIENTS_MAX: usize = 10_000;
/// Most taxable periods named in one request.
pub const TAXABLE_PERIODS_MAX: usize = 16;
/// Longest identifier (request id, official id, agency id, subject ref), in bytes.
pub const ID_BYTES_MAX: usize = 128;
/// Most approvals recorded on one batch.
pub const APPROVALS_MAX: usize = 8;
/// Largest document the state store keeps for a request (an upload's
/// `subjects.csv`, a written `response.csv`, the checks of every subject),
/// in bytes. Stores keep documents in parts, so this bounds a whole
/// document, not a row or an allocation.
pub const REQUEST_DOCUMENT_BYTES_MAX: u64 = 16 << 30;
/// Longest line of `response.csv` (and of the stored checks): a subject
/// reference with every character escaped, an outcome and every reason code
/// once, with separators (checked against the real spellings in
/// `vouch-formats`).
pub const RESPONSE_ROW_BYTES_MAX: u64 = 2 * ID_BYTES_MAX as u64 + 16 + 640;

const _: () = assert!(FIELD_BYTES_MAX <= TEXT_FIELD_BYTES_MAX);
const _: () = assert!(ID_BYTES_MAX <= FIELD_BYTES_MAX);
const _: () = assert!(SIGNATURE_FILE_BYTES_MAX < REQUEST_JSON_BYTES_MAX);
const _: () = assert!((TEXT_FIELD_BYTES_MAX as u64) < REQUEST_JSON_BYTES_MAX);

/// The shortest recipient `request.json` can hold (name and title may be left out).
const RECIPIENT_JSON_BYTES_MIN: u64 = r#"{"id":""},"#.len() as u64;
// RECIPIENTS_MAX must be reachable: that many recipients, each as short as
// JSON allows, must fit in half of request.json (the rest is the letter's
// other fields), or the count limit would be dead and the file limit the
// real one. (Recipients of the longest lawful fields do not fit: the file
// limit is then the one a request meets, and its error names it.)
const _: () =
    assert!(RECIPIENTS_MAX as u64 * RECIPIENT_JSON_BYTES_MIN <= REQUEST_JSON_BYTES_MAX / 2);
// Request ids name directories (`requests/<id>`, `uploads/<id>`,
// `responses/<id>`): a file name is at most 255 bytes on the file systems
// vouch runs on.
const _: () = assert!(ID_BYTES_MAX <= 255);
// The store keeps every file of a lawful upload, and the response and the
// checks of a lawful batch, each as one document.
const _: () = assert!(REQUEST_JSON_BYTES_MAX <= REQUEST_DOCUMENT_BYTES_MAX);
const _: () = assert!(SIGNATURE_FILE_BYTES_MAX <= REQUEST_DOCUMENT_BYTES_MAX);
const _: () = assert!(SUBJECTS_FILE_BYTES_MAX <= REQUEST_DOCUMENT_BYTES_MAX);
const _: () = assert!(BATCH_SUBJECTS_MAX * RESPONSE_ROW_BYTES_MAX <= REQUEST_DOCUMENT_BYTES_MAX);
