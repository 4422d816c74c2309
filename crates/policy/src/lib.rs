//! vouch's legal floor: the rules of `shared/docs/policy.md`, each failure a
//! named reason code.
//!
//! Request-level rules reject a whole batch, subject-level rules one subject,
//! holds send the batch to a human. Every rule is default-deny and judged at
//! the request's `submitted_at`, never at the wall clock, so a batch gets the
//! same answer whenever it is processed. This crate reads no files and holds
//! no state: the registry and the clock come in as arguments, and nothing it
//! decides depends on the master file (a refusal that depended on hidden data
//! would leak it).
#![deny(missing_docs)]

pub mod config;
pub mod probing;
pub mod request;
pub mod subject;

pub use config::{PolicyConfig, UnitMissing};
pub use request::{
    check_request, check_rules, AgencyInfo, AuthFailure, FindingInfo, Registry, RequestVerdict,
    ResponseInfo, SignerInfo,
};
pub use subject::{check_subjects, holds, holds_of, SubjectChecks, TextHashes};
