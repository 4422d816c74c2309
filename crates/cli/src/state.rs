//! Opening the state store from the command line. The store is chosen by
//! `--database` (or `$VOUCH_DATABASE`):
//!
//! - `sqlite` (the default): SQLite in `STATE/vouch.db`, uploads and
//!   responses under `STATE`;
//! - `sqlite://PATH` or `postgres://...`: that database, files under `STATE`
//!   (several service nodes share one PostgreSQL store).

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use vouch_app::ServiceKeys;
use vouch_store::StateStore;
use vouch_store_sql::SqlStateStore;

static DATABASE: OnceLock<String> = OnceLock::new();
static KEYS: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Makes every file and directory this process creates private to its
/// user (mode 0600 / 0700), whatever umask it was started with.
pub fn private_umask() {
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file-mode creation mask; it
    // cannot fail and touches no memory.
    unsafe {
        libc::umask(0o077);
    }
}

/// Records the `--keys` choice (once, from `main`).
pub fn set_keys_dir(dir: Option<PathBuf>) {
    let _ = KEYS.set(dir);
}

/// The directory of the service's keys: `--keys`, `$VOUCH_KEYS`, else
/// `STATE/keys`.
pub fn keys_dir(state: &Path) -> PathBuf {
    KEYS.get()
        .cloned()
        .flatten()
        .unwrap_or_else(|| state.join("keys"))
}

/// Opens the state store and reads the service's keys from `keys` (the
/// `--keys` choice: [`keys_dir`]), checked against the ids the store
/// registered.
pub fn open_with_keys_in(state: &Path, keys: &Path) -> Result<(Box<dyn StateStore>, ServiceKeys)> {
    let store = open(state)?;
    let keys = ServiceKeys::load(keys)?;
    vouch_app::App::with_keys(store.as_ref(), &keys)?;
    Ok((store, keys))
}

/// [`open_with_keys_in`] the `--keys` directory.
pub fn open_with_keys(state: &Path) -> Result<(Box<dyn StateStore>, ServiceKeys)> {
    open_with_keys_in(state, &keys_dir(state))
}

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
