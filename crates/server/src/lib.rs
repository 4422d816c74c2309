//! vouch's HTTP service: a JSON API under `/v1` and a web console under
//! `/console` in front of the state store, the pipeline and the ledger, for
//! requesters (upload a signed request, follow it, download the response),
//! disclosure officers (review, approve, deny), auditors (read everything,
//! prove lookups) and administrators (register officials, issue and revoke
//! tokens).
//!
//! Every handler authenticates through an extractor ([`Caller`], [`Need`],
//! or a console session): bearer tokens, stored only as SHA-256 hashes with
//! an expiry, looked up in the store on every request (so a revocation holds
//! at once on every node), each mapped to an official whose registry role
//! decides what the token may do. The handlers hold no rules: every use
//! case, and who may do it, is the application layer's (`vouch-app`); the
//! service turns HTTP into its calls and its answers into HTTP. Batches run
//! in the background on tokio's blocking pool, at most
//! [`ServerConfig::batches_max`] at once (429 beyond that), one at a time
//! per store (the store's writer lock, across nodes).
//!
//! The store is any `vouch_store::StateStore`: SQLite by default, PostgreSQL
//! for several nodes (which then share sessions, uploads, responses and the
//! ledger through it), or the directory store (one process).
//!
//! HTTPS and mutual TLS are optional ([`TlsSettings`], [`serve_tls`]): with a
//! client CA every connection must present a certificate signed by it, and
//! bearer tokens are still required on top.
//!
//! Agencies and their safeguards records are registered with `vouch agencies`
//! (on a SQL store, also while the service runs); there is no API for them.
#![deny(missing_docs)]

mod auth;
mod error;
pub use vouch_front_door as front_door;
mod limits;
mod routes;
mod state;
mod tls;
mod upload;

pub use auth::{Caller, Need};
pub use error::{ApiError, ServerError};
pub use routes::meta::OPENAPI_JSON;
pub use routes::{app, route_table, REQUEST_ID_HEADER};
pub use state::{AppState, ServerConfig};
pub use tls::{TlsSettings, HANDSHAKE_TIMEOUT, MAX_HANDSHAKES};
pub use upload::PARTS as UPLOAD_PARTS;
pub use vouch_app::BOOTSTRAP_ADMIN;

use std::net::SocketAddr;
use std::path::PathBuf;
use vouch_store::StateStore;

/// Runs the service on `listen` until Ctrl-C or SIGTERM, then waits for the
/// batches in flight. Prints the URL and, on first start, the one-time
/// administrator token.
pub async fn serve(
    listen: SocketAddr,
    store: Box<dyn StateStore>,
    keys: vouch_app::ServiceKeys,
    index_dir: PathBuf,
) -> Result<(), ServerError> {
    serve_with(listen, store, keys, index_dir, ServerConfig::default()).await
}

/// [`serve`] with explicit settings.
pub async fn serve_with(
    listen: SocketAddr,
    store: Box<dyn StateStore>,
    keys: vouch_app::ServiceKeys,
    index_dir: PathBuf,
    config: ServerConfig,
) -> Result<(), ServerError> {
    serve_tls(listen, store, keys, index_dir, config, None).await
}

/// [`serve_with`], over HTTPS (and mutual TLS when `tls` names a client CA)
/// when `tls` is set, plain HTTP otherwise. The TLS files are read before
/// the store is touched, so a bad certificate fails at once.
pub async fn serve_tls(
    listen: SocketAddr,
    store: Box<dyn StateStore>,
    keys: vouch_app::ServiceKeys,
    index_dir: PathBuf,
    config: ServerConfig,
    tls: Option<TlsSettings>,
) -> Result<(), ServerError> {
    if !index_dir.is_dir() {
        return Err(ServerError::Config {
            field: "index",
            why: format!("{} is not a directory", index_dir.display()),
        });
    }
    let tls = match tls {
        Some(t) => Some((t.server_config()?, t.handshake_timeout, t.mutual())),
        None => None,
    };
    let where_ = format!(
        "{} store, files in {}",
        store.backend(),
        store.files_dir().display()
    );
    // Console cookies are marked Secure when the service speaks HTTPS.
    let config = ServerConfig {
        secure_cookies: config.secure_cookies || tls.is_some(),
        ..config
    };
    let (state, bootstrap) = {
        let i = index_dir.clone();
        tokio::task::spawn_blocking(move || AppState::open(store, keys, &i, config))
            .await
            .map_err(|e| ServerError::Config {
                field: "startup",
                why: e.to_string(),
            })??
    };
    let io = |e: std::io::Error| ServerError::Io {
        path: PathBuf::from(listen.to_string()),
        why: e.to_string(),
    };
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(io)?;
    let bound = listener.local_addr().map_err(io)?;
    let (scheme, mode) = match &tls {
        None => ("http", ""),
        Some((_, _, false)) => ("https", ", TLS"),
        Some((_, _, true)) => ("https", ", mutual TLS: client certificates required"),
    };
    println!("vouch service listening on {scheme}://{bound}/ ({where_}{mode})");
    if let Some(token) = bootstrap {
        println!("first start: administrator {BOOTSTRAP_ADMIN} token (shown once, keep it safe):");
        println!("{token}");
    }
    let resumer = state.clone();
    tokio::spawn(async move {
        match resumer.resume_interrupted().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(batches = n, "resumed interrupted batches"),
            Err(e) => tracing::error!(error = %e, "could not resume interrupted batches"),
        }
    });
    run(
        listener,
        state,
        tls.map(|(c, t, _)| (c, t)),
        shutdown_signal(),
    )
    .await
}

/// Serves the API on an already bound `listener` until `shutdown` resolves,
/// then waits for the batches in flight: over TLS when `tls` is set. Unlike
/// [`serve_tls`] it prints nothing and does not resume interrupted batches
/// (for embedding the service, and for tests on port 0).
pub async fn serve_on<F>(
    listener: tokio::net::TcpListener,
    state: AppState,
    tls: Option<&TlsSettings>,
    shutdown: F,
) -> Result<(), ServerError>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let tls = match tls {
        Some(t) => Some((t.server_config()?, t.handshake_timeout)),
        None => None,
    };
    run(listener, state, tls, shutdown).await
}

async fn run<F>(
    listener: tokio::net::TcpListener,
    state: AppState,
    tls: Option<(
        std::sync::Arc<tokio_rustls::rustls::ServerConfig>,
        std::time::Duration,
    )>,
    shutdown: F,
) -> Result<(), ServerError>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let bound = listener.local_addr();
    let io = |e: std::io::Error| ServerError::Io {
        path: PathBuf::from(
            bound
                .as_ref()
                .map(|a| a.to_string())
                .unwrap_or_else(|_| "listener".into()),
        ),
        why: e.to_string(),
    };
    let app = app(state.clone());
    let limits = state.core.config.front_door;
    let app = app.into_make_service_with_connect_info::<front_door::ConnInfo>();
    match tls {
        None => {
            let listener = front_door::GuardedListener::new(listener, limits);
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
                .map_err(io)?
        }
        Some((config, timeout)) => {
            let listener = tls::TlsListener::new(listener, config, timeout).map_err(io)?;
            let listener = front_door::GuardedListener::new(listener, limits);
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
                .map_err(io)?
        }
    }
    // The batches in flight finish, then the ledger and the store are
    // released: a new service on the same state can start as soon as this
    // returns.
    state.shut_down().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed, only SIGTERM stops the service.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
