//! The bytes of vouch's data contract (`shared/docs/formats.md`): bounded
//! readers that turn outside files into `vouch-core` types, writers for the
//! response, and the atomic-write discipline (temporary file, sync, rename)
//! every output goes through.
//!
//! This crate is the only one that knows CSV and JSON. It does not judge the
//! content (that is `vouch-policy`): it refuses only what cannot be read at
//! all, and every refusal names the file, the line and the field, never the
//! value, since values may be personal data.
#![deny(missing_docs)]

pub mod atomic;
pub mod checks;
pub mod error;
pub mod keys;
pub mod master;
pub mod request;
pub mod response;
pub mod table;
pub mod truth;

pub use error::{FormatError, FormatErrorKind};
