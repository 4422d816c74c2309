//! The service's limits on uploads and form input, tied at compile time to
//! the limits they must agree with.
//!
//! A lawful request (vouch-core's limits) must be receivable: the default
//! upload limit admits the largest lawful `subjects.csv` with its letter and
//! signature, and the store keeps each of them as one request document
//! (asserted in vouch-core: a lawful subjects file fits
//! [`limits::REQUEST_DOCUMENT_BYTES_MAX`]).

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
/// limit.
pub(crate) fn subjects_bytes_max(upload_bytes_max: u64) -> (u64, &'static str) {
    if upload_bytes_max < limits::SUBJECTS_FILE_BYTES_MAX {
        (upload_bytes_max, "the service's upload limit")
    } else {
        (limits::SUBJECTS_FILE_BYTES_MAX, "SUBJECTS_FILE_BYTES_MAX")
    }
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
            subjects_bytes_max(d),
            (limits::SUBJECTS_FILE_BYTES_MAX, "SUBJECTS_FILE_BYTES_MAX")
        );
    }

    #[test]
    fn a_lower_configured_upload_limit_binds_and_is_named() {
        assert_eq!(
            subjects_bytes_max(2048),
            (2048, "the service's upload limit")
        );
    }
}
