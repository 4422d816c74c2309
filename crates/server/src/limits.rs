//! The service's limits on uploads and form input, tied at compile time to
//! the limits they must agree with.
//!
//! A lawful request (vouch-core's limits) must be receivable: the default
//! upload limit admits the largest lawful `subjects.csv` with its letter and
//! signature. On a store several nodes share, the upload is also kept in the
//! store as request documents, each at most
//! [`limits::REQUEST_BLOB_BYTES_MAX`]; there the service refuses a larger
//! `subjects.csv` at intake, naming that limit, rather than accept it and
//! fail to share it.

use vouch_core::limits;

/// Bytes of an upload's body that are not its parts' contents: the
/// multipart boundaries and part headers (a few hundred in practice).
const MULTIPART_OVERHEAD_BYTES_MAX: u64 = 64 << 10;

/// The default [`crate::ServerConfig::upload_bytes_max`]: the largest lawful
/// request whole (subjects file, letter, signature, multipart framing).
pub(crate) const UPLOAD_BYTES_MAX_DEFAULT: u64 = limits::SUBJECTS_FILE_BYTES_MAX
    + limits::REQUEST_JSON_BYTES_MAX
    + limits::SIGNATURE_FILE_BYTES_MAX
    + MULTIPART_OVERHEAD_BYTES_MAX;

// The body limit is applied as a usize.
const _: () = assert!(UPLOAD_BYTES_MAX_DEFAULT <= usize::MAX as u64);

// The console's approve and deny forms limit a comment to COMMENT_MAX
// characters (HTML counts UTF-16 code units, each up to 3 bytes of UTF-8),
// and the service refuses a comment over TEXT_FIELD_BYTES_MAX bytes: every
// comment the form lets through must be accepted.
const _: () = assert!(vouch_console::COMMENT_MAX * 3 <= limits::TEXT_FIELD_BYTES_MAX);

/// The largest part `subjects.csv` of an upload may be, and the name of the
/// limit that sets it (for the error): the format's
/// [`limits::SUBJECTS_FILE_BYTES_MAX`], lowered by the configured upload
/// limit, and on a store several nodes share by
/// [`limits::REQUEST_BLOB_BYTES_MAX`] (the upload is kept there whole).
pub(crate) fn subjects_bytes_max(upload_bytes_max: u64, shared_store: bool) -> (u64, &'static str) {
    let mut limit = (limits::SUBJECTS_FILE_BYTES_MAX, "SUBJECTS_FILE_BYTES_MAX");
    if shared_store && limits::REQUEST_BLOB_BYTES_MAX < limit.0 {
        limit = (limits::REQUEST_BLOB_BYTES_MAX, "REQUEST_BLOB_BYTES_MAX");
    }
    if upload_bytes_max < limit.0 {
        limit = (upload_bytes_max, "the service's upload limit");
    }
    limit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_upload_limit_admits_the_largest_lawful_request() {
        let d = crate::ServerConfig::default().upload_bytes_max;
        assert_eq!(d, UPLOAD_BYTES_MAX_DEFAULT);
        assert!(d >= limits::SUBJECTS_FILE_BYTES_MAX + limits::REQUEST_JSON_BYTES_MAX);
        assert_eq!(
            subjects_bytes_max(d, false),
            (limits::SUBJECTS_FILE_BYTES_MAX, "SUBJECTS_FILE_BYTES_MAX")
        );
    }

    #[test]
    fn on_a_shared_store_subjects_are_bounded_by_the_store_document_limit() {
        let d = crate::ServerConfig::default().upload_bytes_max;
        assert_eq!(
            subjects_bytes_max(d, true),
            (limits::REQUEST_BLOB_BYTES_MAX, "REQUEST_BLOB_BYTES_MAX")
        );
    }

    #[test]
    fn a_lower_configured_upload_limit_binds_and_is_named() {
        for shared in [false, true] {
            assert_eq!(
                subjects_bytes_max(2048, shared),
                (2048, "the service's upload limit")
            );
        }
    }
}
