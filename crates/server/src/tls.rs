//! HTTPS and mutual TLS for the service, with rustls (the `ring` provider).
//!
//! [`TlsSettings`] names a PEM certificate chain and private key (HTTPS) and,
//! optionally, a PEM file of client CA certificates: with it every client
//! must present a certificate signed by one of them (mutual TLS). Bearer
//! tokens are still required on top: the client certificate only decides who
//! may open a connection.
//!
//! Each handshake runs in its own task under a timeout, so a slow or silent
//! client never holds up accepting the others; at most
//! [`MAX_HANDSHAKES`] run at once.

use crate::error::ServerError;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// How long a client has to finish its TLS handshake, by default.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How many TLS handshakes may be in progress at once; accepting waits
/// beyond that.
pub const MAX_HANDSHAKES: usize = 256;

/// Where the service's TLS material is, and how strict it is.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// PEM file: the server certificate, then any intermediates.
    pub cert: PathBuf,
    /// PEM file: the server's private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// PEM file of CA certificates; when set, clients must present a
    /// certificate signed by one of them (mutual TLS).
    pub client_ca: Option<PathBuf>,
    /// How long a client has to finish its handshake.
    pub handshake_timeout: Duration,
}

impl TlsSettings {
    /// HTTPS with this certificate chain and key, no client certificates.
    pub fn new(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        TlsSettings {
            cert: cert.into(),
            key: key.into(),
            client_ca: None,
            handshake_timeout: HANDSHAKE_TIMEOUT,
        }
    }

    /// Also require client certificates signed by a CA in `client_ca`.
    pub fn with_client_ca(mut self, client_ca: impl Into<PathBuf>) -> Self {
        self.client_ca = Some(client_ca.into());
        self
    }

    /// Whether clients must present a certificate.
    pub fn mutual(&self) -> bool {
        self.client_ca.is_some()
    }

    /// Reads the files and builds the rustls server configuration.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, ServerError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let certs = read_certs(&self.cert, "tls-cert")?;
        let key = read_key(&self.key)?;
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| config("tls", e))?;
        let builder = match &self.client_ca {
            None => builder.with_no_client_auth(),
            Some(path) => {
                let mut roots = rustls::RootCertStore::empty();
                for cert in read_certs(path, "client-ca")? {
                    roots.add(cert).map_err(|e| config("client-ca", e))?;
                }
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider,
                )
                .build()
                .map_err(|e| config("client-ca", e))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut cfg = builder
            .with_single_cert(certs, key)
            .map_err(|e| config("tls-key", e))?;
        // The service speaks HTTP/1.1 only.
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(cfg))
    }
}

fn config(field: &'static str, e: impl std::fmt::Display) -> ServerError {
    ServerError::Config {
        field,
        why: e.to_string(),
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, ServerError> {
    std::fs::read(path).map_err(|e| ServerError::Io {
        path: path.to_path_buf(),
        why: e.to_string(),
    })
}

fn read_certs(
    path: &Path,
    field: &'static str,
) -> Result<Vec<CertificateDer<'static>>, ServerError> {
    let pem = read_file(path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ServerError::Corrupt {
            path: path.to_path_buf(),
            why: format!("not PEM certificates: {e}"),
        })?;
    if certs.is_empty() {
        return Err(config(
            field,
            format!("{}: no certificate in the file", path.display()),
        ));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, ServerError> {
    let pem = read_file(path)?;
    // The error never quotes the file: it holds the key.
    PrivateKeyDer::from_pem_slice(&pem).map_err(|_| ServerError::Corrupt {
        path: path.to_path_buf(),
        why: "no PEM private key (PKCS#8, PKCS#1 or SEC1) in the file".into(),
    })
}

/// An [`axum::serve::Listener`] that hands out connections whose TLS
/// handshake has finished. A background task accepts TCP connections and
/// runs each handshake in its own task; dropping the listener (as graceful
/// shutdown does) stops it.
pub(crate) struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    pub(crate) fn new(
        tcp: TcpListener,
        config: Arc<rustls::ServerConfig>,
        handshake_timeout: Duration,
    ) -> std::io::Result<Self> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let acceptor = tokio::spawn(accept_loop(
            tcp,
            TlsAcceptor::from(config),
            handshake_timeout,
            tx,
        ));
        Ok(TlsListener {
            ready,
            local,
            acceptor,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

async fn accept_loop(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    handshake_timeout: Duration,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let slots = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match tcp.accept().await {
            Ok(c) => c,
            Err(e) => {
                // As axum does: connection errors are the client's; others
                // (out of file descriptors) pass with a pause.
                if !is_connection_error(&e) {
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let outcome = tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await;
            drop(slot);
            match outcome {
                Ok(Ok(tls)) => {
                    // Fails only when the service is shutting down.
                    let _ = tx.send((tls, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake timed out"),
            }
        });
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept task ended (it does not, short of a panic): accept
            // nothing more and let shutdown proceed.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
