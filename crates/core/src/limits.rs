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

const _: () = assert!(FIELD_BYTES_MAX <= TEXT_FIELD_BYTES_MAX);
const _: () = assert!(ID_BYTES_MAX <= FIELD_BYTES_MAX);
const _: () = assert!(SIGNATURE_FILE_BYTES_MAX < REQUEST_JSON_BYTES_MAX);
const _: () = assert!((TEXT_FIELD_BYTES_MAX as u64) < REQUEST_JSON_BYTES_MAX);
