//! vouch's state store contract: the records every part of vouch keeps
//! (the registry of agencies and officials, each request's record and audit
//! trail, the probing guard's history, the hold list, policy activations,
//! API tokens, console sessions, the service's secrets and the disclosure
//! ledger's leaves and checkpoints) and [`StateStore`], the one interface
//! the pipeline, the application layer, the service and the command line
//! use.
//!
//! This crate holds no implementation: `vouch-store-sql` keeps the records
//! in SQLite (the embedded default, `STATE/vouch.db`) or PostgreSQL (nodes
//! sharing one store), and its conformance suite checks every
//! implementation against the same contract. The store stores what it is
//! given; it decides nothing (the rules are `vouch-policy`'s and
//! `vouch-app`'s).
#![deny(missing_docs)]

mod model;
mod state;

pub use model::*;
pub use state::{StateStore, WriterGuard};

use std::path::PathBuf;

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file beside the store (its writer lock, its files directory)
    /// could not be read or written.
    #[error("state store: {path}: {why}")]
    Io {
        /// The file or directory: the writer lock, the files directory, or the
        /// name of a document being read in.
        path: PathBuf,
        /// The operating system's error.
        why: String,
    },
    /// A stored value is not what the store writes (corruption).
    #[error("state store: {table}: corrupt: {why}")]
    Corrupt {
        /// The table holding the damaged value (e.g. `requests`).
        table: &'static str,
        /// What is wrong with it, without the value.
        why: String,
    },
    /// The store was closed (the service shut down).
    #[error("state store: closed")]
    Closed,
    /// A record with that key is already stored (a unique key refused it,
    /// so two nodes registering one id cannot both succeed).
    #[error("{what} {id} is already registered")]
    Exists {
        /// What kind of record (`agency`, `official`, `token`).
        what: &'static str,
        /// Its registry id (or a token's public id), never personal data.
        id: String,
    },
    /// A record the change refers to does not exist.
    #[error("{what} {id} is not registered")]
    NotFound {
        /// What kind of record (`agency`, ...).
        what: &'static str,
        /// Its registry id.
        id: String,
    },
    /// A database behind the store failed.
    #[error("state database: {op}: {why}")]
    Database {
        /// What the store was doing (`read request`, `migrate`, ...).
        op: &'static str,
        /// The driver's error (it names tables and columns, not values).
        why: String,
    },
    /// The disclosure ledger failed or is damaged.
    #[error("ledger: {0}")]
    Ledger(String),
    /// A value given to the store is invalid.
    #[error("{field}: {why}")]
    Invalid {
        /// The name of the field or argument refused (`subject_count`,
        /// `document`), never its value.
        field: &'static str,
        /// What is wrong with it (a range, a limit, a rule of form).
        why: String,
    },
}
