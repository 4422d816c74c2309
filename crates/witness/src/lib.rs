//! A C2SP tlog-witness service (issue 15): an oversight body runs one of
//! its own, beside vouch, so that the ledger's history is remembered
//! outside the store vouch writes. It knows the logs it witnesses by origin
//! and verifier key, keeps the latest checkpoint it cosigned for each in its
//! own small SQLite file, and answers `POST /add-checkpoint` as the protocol
//! says ([`vouch_ledger::witness`] decides; this crate stores and serves):
//! the new checkpoint is stored, conditioned on the old size being the one
//! it checked, before the cosignature is returned.
//!
//! The state directory holds `witness.key` (the base64 Ed25519 seed, made
//! once, readable by its owner only), `witness.name` and `witness.db`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::SigningKey;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Row, SqlitePool};
use vouch_ledger::cosignature::{Cosigner, CosignerVerifier};
use vouch_ledger::witness::{add_checkpoint, AddCheckpoint, Latest, WitnessError, BODY_BYTES_MAX};
use vouch_ledger::NoteVerifier;

/// Why the witness's own state cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file of the state directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The key or name file holds something else.
    #[error("{path}: {why}")]
    Bad {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: &'static str,
    },
    /// The state store failed.
    #[error("witness state: {0}")]
    Store(#[from] sqlx::Error),
    /// A key or name is not valid.
    #[error("{0}")]
    Note(#[from] vouch_ledger::error::NoteError),
    /// `keys init` where a key exists: never replaced.
    #[error("{0} exists: a witness's key is made once")]
    Exists(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Makes the witness's key under `name` in `dir` (never replacing one);
/// returns its verifier key string.
pub fn init_key(dir: &Path, name: &str, seed: [u8; 32]) -> Result<String, Error> {
    let key_path = dir.join("witness.key");
    if key_path.exists() {
        return Err(Error::Exists(key_path));
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let cosigner = Cosigner::new(name, SigningKey::from_bytes(&seed))?;
    write_private(&key_path, format!("{}\n", STANDARD.encode(seed)).as_bytes())?;
    let name_path = dir.join("witness.name");
    std::fs::write(&name_path, format!("{name}\n")).map_err(io(&name_path))?;
    Ok(cosigner.verifier().to_vkey())
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

/// The witness's cosigner, read from `dir`.
pub fn load_cosigner(dir: &Path) -> Result<Cosigner, Error> {
    let key_path = dir.join("witness.key");
    let text = std::fs::read_to_string(&key_path).map_err(io(&key_path))?;
    let bad = |why| Error::Bad {
        path: key_path.clone(),
        why,
    };
    let seed = STANDARD
        .decode(text.trim())
        .map_err(|_| bad("not base64"))?;
    let seed = <[u8; 32]>::try_from(seed.as_slice()).map_err(|_| bad("not a 32-byte seed"))?;
    let name_path = dir.join("witness.name");
    let name = std::fs::read_to_string(&name_path).map_err(io(&name_path))?;
    Ok(Cosigner::new(name.trim(), SigningKey::from_bytes(&seed))?)
}

/// The witness's state: the logs it knows and what it last cosigned.
#[derive(Clone)]
pub struct Witness {
    pool: SqlitePool,
    cosigner: Arc<Cosigner>,
}

impl Witness {
    /// Opens (creating) the state in `dir`; the key must exist.
    pub async fn open(dir: &Path) -> Result<Witness, Error> {
        let cosigner = load_cosigner(dir)?;
        let opts = SqliteConnectOptions::new()
            .filename(dir.join("witness.db"))
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
        // One connection: every add-checkpoint is checked and stored in turn,
        // so two requests can never both pass the old-size check.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await?;
        for ddl in [
            "CREATE TABLE IF NOT EXISTS logs (origin TEXT PRIMARY KEY, verifier TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS latest (origin TEXT PRIMARY KEY, size INTEGER NOT NULL CHECK (size >= 0), root BLOB NOT NULL CHECK (length(root) = 32))",
        ] {
            sqlx::query(ddl).execute(&pool).await?;
        }
        Ok(Witness {
            pool,
            cosigner: Arc::new(cosigner),
        })
    }

    /// The witness's verifier key string.
    pub fn verifier(&self) -> CosignerVerifier {
        self.cosigner.verifier()
    }

    /// Adds (or replaces the key of) a log it witnesses.
    pub async fn add_log(&self, origin: &str, verifier: &str) -> Result<(), Error> {
        NoteVerifier::parse(verifier)?;
        sqlx::query("INSERT INTO logs (origin, verifier) VALUES (?, ?) ON CONFLICT(origin) DO UPDATE SET verifier = excluded.verifier")
            .bind(origin)
            .bind(verifier)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// What it last cosigned for `origin`.
    pub async fn latest(&self, origin: &str) -> Result<Option<Latest>, Error> {
        let row = sqlx::query("SELECT size, root FROM latest WHERE origin = ?")
            .bind(origin)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| decode_latest(&r)).transpose()
    }

    /// Answers one `add-checkpoint` body: the HTTP status, content type
    /// and body.
    pub async fn add_checkpoint(
        &self,
        body: &[u8],
        now_unix: u64,
    ) -> (StatusCode, &'static str, String) {
        match self.try_add(body, now_unix).await {
            Ok(line) => (StatusCode::OK, "text/plain; charset=utf-8", line),
            Err(Refusal::Protocol(WitnessError::Conflict { latest })) => (
                StatusCode::CONFLICT,
                "text/x.tlog.size",
                format!("{latest}\n"),
            ),
            Err(Refusal::Protocol(e)) => (
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
                "text/plain; charset=utf-8",
                format!("{e}\n"),
            ),
            Err(Refusal::Internal(why)) => {
                tracing::error!("witness state: {why}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "text/plain; charset=utf-8",
                    "the witness's state could not be read or written\n".into(),
                )
            }
        }
    }

    async fn try_add(&self, body: &[u8], now_unix: u64) -> Result<String, Refusal> {
        if body.len() > BODY_BYTES_MAX {
            return Err(WitnessError::BadRequest("body too long").into());
        }
        let text = std::str::from_utf8(body).map_err(|_| WitnessError::BadRequest("not UTF-8"))?;
        let request = AddCheckpoint::parse(text)?;
        let origin = request.checkpoint.checkpoint.origin.clone();
        let mut tx = self.pool.begin().await.map_err(Refusal::store)?;
        let known: Option<String> =
            sqlx::query_scalar("SELECT verifier FROM logs WHERE origin = ?")
                .bind(&origin)
                .fetch_optional(&mut *tx)
                .await
                .map_err(Refusal::store)?;
        let trusted = match known {
            Some(v) => Some(vec![
                NoteVerifier::parse(&v).map_err(|e| Refusal::Internal(e.to_string()))?
            ]),
            None => None,
        };
        let row = sqlx::query("SELECT size, root FROM latest WHERE origin = ?")
            .bind(&origin)
            .fetch_optional(&mut *tx)
            .await
            .map_err(Refusal::store)?;
        let latest = row
            .map(|r| decode_latest(&r))
            .transpose()
            .map_err(|e| Refusal::Internal(e.to_string()))?;
        let ((size, root), line) = add_checkpoint(
            &request,
            trusted.as_deref(),
            latest,
            &self.cosigner,
            now_unix,
        )?;
        sqlx::query("INSERT INTO latest (origin, size, root) VALUES (?, ?, ?) ON CONFLICT(origin) DO UPDATE SET size = excluded.size, root = excluded.root")
            .bind(&origin)
            .bind(size as i64)
            .bind(root.to_vec())
            .execute(&mut *tx)
            .await
            .map_err(Refusal::store)?;
        // Stored before the cosignature leaves.
        tx.commit().await.map_err(Refusal::store)?;
        Ok(line)
    }

    /// Serves [`Witness::router`] on `listener` until the process ends.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        self.serve_with(listener, vouch_front_door::FrontDoor::default())
            .await
    }

    /// [`Witness::serve`] behind the front door's `limits` (the service's
    /// own: a connection cap that evicts idle connections first, header
    /// and idle timeouts), so stalled connections cannot shut it.
    pub async fn serve_with(
        self,
        listener: tokio::net::TcpListener,
        limits: vouch_front_door::FrontDoor,
    ) -> std::io::Result<()> {
        let app = self
            .router()
            .layer(axum::middleware::from_fn(vouch_front_door::track))
            .into_make_service_with_connect_info::<vouch_front_door::ConnInfo>();
        let listener = vouch_front_door::GuardedListener::new(listener, limits);
        axum::serve(listener, app).await
    }

    /// The HTTP service: `POST /add-checkpoint`.
    pub fn router(self) -> Router {
        Router::new()
            .route("/add-checkpoint", post(add_checkpoint_route))
            .layer(axum::extract::DefaultBodyLimit::max(BODY_BYTES_MAX))
            .with_state(self)
    }
}

/// A stored latest checkpoint: size and 32-byte root.
fn decode_latest(r: &sqlx::sqlite::SqliteRow) -> Result<Latest, Error> {
    let size: i64 = r.try_get("size")?;
    let root: Vec<u8> = r.try_get("root")?;
    let bad = |why| Error::Bad {
        path: PathBuf::from("witness.db"),
        why,
    };
    let size = u64::try_from(size).map_err(|_| bad("a stored size is negative"))?;
    let root =
        <[u8; 32]>::try_from(root.as_slice()).map_err(|_| bad("a stored root is not 32 bytes"))?;
    Ok((size, root))
}

enum Refusal {
    Protocol(WitnessError),
    Internal(String),
}

impl Refusal {
    fn store(e: sqlx::Error) -> Refusal {
        Refusal::Internal(e.to_string())
    }
}

impl From<WitnessError> for Refusal {
    fn from(e: WitnessError) -> Refusal {
        Refusal::Protocol(e)
    }
}

async fn add_checkpoint_route(State(w): State<Witness>, body: Bytes) -> Response {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (status, content_type, text) = w.add_checkpoint(&body, now).await;
    (status, [(header::CONTENT_TYPE, content_type)], text).into_response()
}
