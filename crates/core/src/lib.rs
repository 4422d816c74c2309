//! Domain types of vouch: what a request, a subject, a master record, an
//! outcome and a reason code are, and the limits on everything read from
//! outside.
//!
//! This crate does no I/O and knows no file format: `vouch-formats` converts
//! bytes into these types. Types that hold master-file (taxpayer) data
//! deliberately implement neither `Display` nor `serde::Serialize`, so that
//! nothing from the master file can be printed or serialised by accident.
#![deny(missing_docs)]

pub mod authz;
pub mod limits;
pub mod master;
pub mod outcome;
pub mod probe;
pub mod reason;
pub mod request;
pub mod timestamp;

pub use authz::{Role, HOME_AGENCY};
pub use master::{MasterRecord, MasterRow, Tin};
pub use outcome::{Outcome, OutcomeCounts};
pub use reason::{HoldCode, ReasonCode};
pub use request::{Official, RequestLetter, Subject};
