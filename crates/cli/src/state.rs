//! Opening the state directory from the command line: commands on one
//! state directory run one at a time, and a command that has to wait says so.

use anyhow::{Context, Result};
use std::path::Path;
use vouch_store::{FileStore, StoreError};

/// Opens the state directory, telling the user when it waits for the lock.
pub fn open(state: &Path) -> Result<FileStore> {
    match FileStore::try_open(state) {
        Err(StoreError::Locked { .. }) => {
            eprintln!(
                "waiting for {}: another vouch process (a batch or `vouch serve`) is using it",
                state.display()
            );
            FileStore::open(state).with_context(|| format!("state {}", state.display()))
        }
        other => other.with_context(|| format!("state {}", state.display())),
    }
}
