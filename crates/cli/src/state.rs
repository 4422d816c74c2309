//! Opening the state store from the command line. The store is chosen by
//! `--database` (or `$VOUCH_DATABASE`):
//!
//! - `sqlite` (the default): SQLite in `STATE/vouch.db`, uploads and
//!   responses under `STATE`;
//! - `sqlite://PATH` or `postgres://...`: that database, files under `STATE`
//!   (several service nodes share one PostgreSQL store);
//! - `files`: the directory store, one vouch process at a time (a command
//!   that has to wait for another says so).

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::sync::OnceLock;
use vouch_store::{FileStore, StateStore, StoreError};
use vouch_store_sql::SqlStateStore;

static DATABASE: OnceLock<String> = OnceLock::new();

/// Records the `--database` choice (once, from `main`).
pub fn set_database(choice: String) {
    let _ = DATABASE.set(choice);
}

/// The database URL for `state`, from the `--database` choice.
pub fn database_url(state: &Path) -> Result<Option<String>> {
    let choice = DATABASE.get().map(String::as_str).unwrap_or("sqlite");
    Ok(match choice {
        "files" => None,
        "sqlite" => Some(format!(
            "sqlite://{}?mode=rwc",
            state.join("vouch.db").display()
        )),
        url if url.starts_with("sqlite://")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://") =>
        {
            Some(url.to_string())
        }
        _ => bail!("--database: want sqlite, files, sqlite://PATH or postgres://..."),
    })
}

/// Opens the state store.
pub fn open(state: &Path) -> Result<Box<dyn StateStore>> {
    let Some(url) = database_url(state)? else {
        return Ok(Box::new(open_files(state)?));
    };
    let store = SqlStateStore::connect(&url, state)
        // The URL may carry a password: name the state directory only.
        .with_context(|| format!("state database for {}", state.display()))?;
    Ok(Box::new(store))
}

/// Opens the directory store, telling the user when it waits for the lock.
fn open_files(state: &Path) -> Result<FileStore> {
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

/// Opens the state store for `vouch serve`: as [`open`], except that the
/// directory store fails at once when another process holds it.
pub fn open_service(state: &Path) -> Result<Box<dyn StateStore>> {
    if database_url(state)?.is_none() {
        let store =
            FileStore::try_open(state).with_context(|| format!("state {}", state.display()))?;
        return Ok(Box::new(store));
    }
    open(state)
}
