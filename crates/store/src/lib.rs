//! vouch's state store: the registry of agencies and officials, each
//! request's record (status, approvals, counts) and audit trail, and the
//! service's own keys.
//!
//! This is the embedded file store: one directory (`--state DIR`,
//! `$VOUCH_HOME` or `./vouch-data`), JSON documents written atomically, and
//! an exclusive lock file so that two processes never interleave changes.
//! It does not hold the ledger's leaves (the ledger crate keeps its own
//! files under `ledger/` here) and it does no checking of policy: it stores
//! what the pipeline decided.
#![deny(missing_docs)]

mod file;
mod file_state;
mod governance;
mod model;
mod probes;
mod state;

pub use file::{FileStore, StoreLock};
pub use file_state::TOKEN_FILE;
pub use model::*;
pub use state::{StateStore, WriterGuard};

use std::path::PathBuf;

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file of the store could not be read or written.
    #[error("state store: {path}: {why}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        why: String,
    },
    /// A file of the store is not what the store wrote (corruption).
    #[error("state store: {path}: corrupt: {why}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// Another process holds the store's lock.
    #[error("state store: {path}: locked by another vouch process")]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// The thing already exists.
    #[error("{what} {id} is already registered")]
    Exists {
        /// Kind of thing.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The thing does not exist.
    #[error("{what} {id} is not registered")]
    NotFound {
        /// Kind of thing.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// A database behind the store failed.
    #[error("state database: {op}: {why}")]
    Database {
        /// What the store was doing.
        op: &'static str,
        /// The driver's error.
        why: String,
    },
    /// The disclosure ledger failed or is damaged.
    #[error("ledger: {0}")]
    Ledger(String),
    /// A value given to the store is invalid.
    #[error("{field}: {why}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        why: String,
    },
}
