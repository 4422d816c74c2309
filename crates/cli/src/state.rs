//! Opening the state store from the command line. The store is chosen by
//! `--database` (or `$VOUCH_DATABASE`):
//!
//! - `sqlite` (the default): SQLite in `STATE/vouch.db`, uploads and
//!   responses under `STATE`;
//! - `sqlite://PATH` or `postgres://...`: that database, files under `STATE`
//!   (several service nodes share one PostgreSQL store).

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::sync::OnceLock;
use vouch_store::StateStore;
use vouch_store_sql::SqlStateStore;

static DATABASE: OnceLock<String> = OnceLock::new();

/// Records the `--database` choice (once, from `main`).
pub fn set_database(choice: String) {
    let _ = DATABASE.set(choice);
}

/// The database URL for `state`, from the `--database` choice.
pub fn database_url(state: &Path) -> Result<String> {
    let choice = DATABASE.get().map(String::as_str).unwrap_or("sqlite");
    Ok(match choice {
        "sqlite" => format!("sqlite://{}?mode=rwc", state.join("vouch.db").display()),
        "files" => bail!(
            "--database files: the directory store was retired; use sqlite (the default) or postgres://..."
        ),
        url if url.starts_with("sqlite://")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://") =>
        {
            url.to_string()
        }
        _ => bail!("--database: want sqlite, sqlite://PATH or postgres://..."),
    })
}

/// Opens the state store.
pub fn open(state: &Path) -> Result<Box<dyn StateStore>> {
    let url = database_url(state)?;
    let store = SqlStateStore::connect(&url, state)
        // The URL may carry a password: name the state directory only.
        .with_context(|| format!("state database for {}", state.display()))?;
    Ok(Box::new(store))
}
