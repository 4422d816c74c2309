//! Runs one request through vouch's stages, each taking the previous stage's
//! typed output: intake ([`ReceivedRequest`]) → policy ([`CheckedBatch`]) →
//! approval ([`ApprovedBatch`]) → matching ([`MatchedBatch`]) → ledger
//! ([`LoggedBatch`]) → response.
//!
//! Only this module constructs those types, in order, so a lookup without
//! checks or approval cannot be written. Every step's result is recorded in
//! the state store before the next begins, and the ledger is the record of
//! what was looked up: a batch interrupted at any point is resumed by running
//! it again, which replays logged lookups from the ledger and never looks
//! them up twice.
#![deny(missing_docs)]

mod error;
mod limits;
mod registry;
mod run;
mod stages;

pub use error::PipelineError;
pub use run::{
    active_policy, ledger_signer, ledger_verifier, run_request, run_request_cached, tin_hasher,
    Fault, RunConfig, RunReport, RunStatus, StageTiming, LEDGER_KEY_NAME,
};
pub use stages::{ApprovedBatch, CheckedBatch, LoggedBatch, MatchedBatch, ReceivedRequest};
