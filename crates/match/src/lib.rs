//! vouch's matcher: the master index and the confirm-only decision.
//!
//! This is the foundation's matcher: exact equality of standardised name and
//! address (nickname-canonical first name, surname compound with particles
//! removed, the Publication 28 address key), with date of birth and
//! generational suffix as vetoes, and the policy's address rule (the address
//! on the taxpayer's latest return within the requested periods). It confirms
//! only when exactly one taxpayer is compatible with the name at that address;
//! two or more is NOT_CONFIRMED. Probabilistic scoring replaces the equality
//! test in a later stage; the decision rule and the index file discipline
//! stay.
//!
//! The only I/O is the index file ([`index::MasterIndex::save`] and
//! [`index::MasterIndex::load`]). Nothing here implements `Display` for
//! master data.
#![deny(missing_docs)]

pub mod decide;
pub mod index;
pub mod keys;

pub use decide::{Decision, DecisionReason, MatchQuery};
pub use index::{IndexBuilder, IndexError, MasterIndex};

/// The version of the matching model, recorded with every lookup.
pub const MODEL_VERSION: &str = "exact-2";
