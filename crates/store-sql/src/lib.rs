//! vouch's state store in SQL (SQLite or PostgreSQL), the groundwork for
//! running several vouch nodes on one shared state.
//!
//! [`SqlStore`] keeps every record of the `vouch_store` contract — the
//! registry of agencies and officials, request records, per-request
//! documents and audit trails, the probing guard's records, the hold list,
//! policy activations and the service's secrets — in the contract's record
//! types. Schema changes are versioned migrations embedded in the binary,
//! each applied in one transaction together with its version row. Moments
//! are stored as canonical RFC 3339 text (`vouch_core::timestamp`), codes as
//! their stable spellings; a stored value this build cannot read is
//! reported as corruption.
//!
//! It also holds the API tokens, the service's audit trail and the
//! disclosure ledger's leaves and checkpoints; [`SqlStateStore`] puts it
//! behind the synchronous `vouch_store::StateStore` every part of vouch
//! uses. It checks no policy. SQL is bound, never spliced, and checked at
//! run time only: no database is needed to build.
#![deny(missing_docs)]

mod blocking;
mod documents;
mod governance;
mod ledger;
mod probes;
mod registry;
mod requests;
mod sessions;
mod tokens;
mod webauthn;

pub use blocking::{with_database, SqlStateStore};
pub use documents::{DocumentHead, PART_BYTES};
pub use vouch_store::StoreError;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// Maps a driver error to [`StoreError::Database`] for operation `op`.
pub(crate) fn db(op: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| StoreError::Database {
        op,
        why: e.to_string(),
    }
}

/// A connection string that names no supported database (never echoed: it
/// may carry a password).
fn unsupported_url() -> StoreError {
    StoreError::Invalid {
        field: "database url",
        why: "unsupported (want sqlite://PATH or postgres://...)".into(),
    }
}

/// True when the error is a unique-key violation (a duplicate id).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[derive(Debug, Clone)]
pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the backend's pool. The SQL the store
/// uses is written once in the dialect both databases accept (`$N` binds,
/// `ON CONFLICT`), so each arm is the same code typed for its driver.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite($pool) => $body,
            $crate::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// The state store on a SQL database. Cloning shares the connection pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) backend: Backend,
}

/// How long a SQLite writer waits for another's lock before failing.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections per pool.
const SQLITE_CONNECTIONS_MAX: u32 = 4;
const POSTGRES_CONNECTIONS_MAX: u32 = 8;

impl SqlStore {
    /// Connects to `sqlite://PATH?mode=rwc` or `postgres://...` and brings
    /// the schema up to date.
    pub async fn connect(url: &str) -> Result<SqlStore, StoreError> {
        let store = if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await?
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url).await?
        } else {
            return Err(unsupported_url());
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn connect_sqlite(url: &str) -> Result<SqlStore, StoreError> {
        // WAL lets readers run beside the one writer; FULL sync makes every
        // acknowledged commit durable, as the file store's fsyncs do.
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|_| unsupported_url())?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(SQLITE_CONNECTIONS_MAX)
            .connect_with(options)
            .await
            .map_err(db("connect"))?;
        Ok(SqlStore {
            backend: Backend::Sqlite(pool),
        })
    }

    async fn connect_postgres(url: &str) -> Result<SqlStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(POSTGRES_CONNECTIONS_MAX)
            .connect(url)
            .await
            .map_err(db("connect"))?;
        Ok(SqlStore {
            backend: Backend::Postgres(pool),
        })
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrated = match &self.backend {
            Backend::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await,
            Backend::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await,
        };
        migrated.map_err(|e| StoreError::Database {
            op: "migrate",
            why: e.to_string(),
        })
    }

    /// The schema version applied (the newest migration's number).
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        const SQL: &str = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        let (v,): (i64,) = with_pool!(self, |pool| sqlx::query_as(SQL)
            .fetch_one(pool)
            .await
            .map_err(db("schema version"))?);
        Ok(v)
    }

    /// Which database this is: `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection (waits for those in use to come back).
    pub async fn close(&self) {
        with_pool!(self, |pool| pool.close().await)
    }
}

/// Serialises a nested field for a JSON text column.
pub(crate) fn to_json<T: serde::Serialize>(
    field: &'static str,
    v: &T,
) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Invalid {
        field,
        why: e.to_string(),
    })
}

/// The stored text of a moment (one canonical form, so that text order is
/// time order in `ORDER BY`).
pub(crate) fn moment_text(t: time::OffsetDateTime) -> String {
    vouch_core::timestamp::format(t)
}

/// Reads a stored moment back.
pub(crate) fn moment_of(
    table: &'static str,
    text: &str,
) -> Result<time::OffsetDateTime, StoreError> {
    vouch_core::timestamp::parse(text).ok_or_else(|| StoreError::Corrupt {
        table,
        why: "a moment is not RFC 3339".into(),
    })
}

/// Reads a stored `YYYY-MM-DD` date back.
pub(crate) fn date_of(table: &'static str, text: &str) -> Result<time::Date, StoreError> {
    vouch_core::timestamp::parse_date(text).ok_or_else(|| StoreError::Corrupt {
        table,
        why: "a date is not YYYY-MM-DD".into(),
    })
}

/// Reads a JSON text column back.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    table: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        table,
        why: e.to_string(),
    })
}
