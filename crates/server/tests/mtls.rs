//! HTTPS and mutual TLS over a real socket: certificates made with rcgen (a
//! CA, a server certificate for localhost/127.0.0.1, client certificates from
//! that CA and from another), the service on 127.0.0.1:0 over a file store,
//! and raw HTTP/1.1 requests through a tokio-rustls client.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::{self, pki_types::CertificateDer, pki_types::PrivateKeyDer};
use vouch_server::{serve_on, AppState, ServerConfig, TlsSettings};

/// A CA that issues server and client certificates.
struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate and its key, in PEM.
struct Leaf {
    cert_pem: String,
    key_pem: String,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Ca { issuer }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }

    fn der(&self) -> CertificateDer<'static> {
        self.issuer.der().clone()
    }

    fn issue(&self, names: &[&str], cn: &str, usage: ExtendedKeyUsagePurpose) -> Leaf {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

struct Pki {
    dir: tempfile::TempDir,
    ca: Ca,
    client: Leaf,
    stranger: Leaf,
}

/// A CA, its server and client certificates and a client certificate from
/// another CA, written to a temporary directory.
fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("vouch test CA");
    let server = ca.issue(
        &["localhost", "127.0.0.1"],
        "vouch test server",
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let client = ca.issue(&[], "irs-do-1", ExtendedKeyUsagePurpose::ClientAuth);
    let other = Ca::new("another CA");
    let stranger = other.issue(&[], "stranger", ExtendedKeyUsagePurpose::ClientAuth);
    std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.path().join("server.pem"), &server.cert_pem).unwrap();
    std::fs::write(dir.path().join("server.key"), &server.key_pem).unwrap();
    Pki {
        dir,
        ca,
        client,
        stranger,
    }
}

impl Pki {
    fn settings(&self, mutual: bool) -> TlsSettings {
        let p = self.dir.path();
        let t = TlsSettings::new(p.join("server.pem"), p.join("server.key"));
        if mutual {
            t.with_client_ca(p.join("ca.pem"))
        } else {
            t
        }
    }
}

/// The service, running on 127.0.0.1:0 until dropped.
struct Running {
    addr: SocketAddr,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), vouch_server::ServerError>>>,
}

impl Running {
    async fn start(tls: TlsSettings) -> Running {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_path_buf();
        let state = tokio::task::spawn_blocking(move || {
            vouch_test_support::synth_fixture(&d, 500, 5, 3);
            let store = vouch_test_support::open_state(&d.join("state"));
            let keys = vouch_test_support::keys_of(store.as_ref(), &d.join("state"));
            let (state, _admin) =
                AppState::open(store, keys, &d.join("index"), ServerConfig::default()).unwrap();
            state
        })
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve_on(listener, state, Some(&tls), async move {
                let _ = stopped.await;
            })
            .await
        });
        Running {
            addr,
            _dir: dir,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the service and checks that it shut down cleanly.
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        let task = self.task.take().unwrap();
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("graceful shutdown")
            .unwrap()
            .unwrap();
    }
}

fn client_config(ca: &Ca, client: Option<&Leaf>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.der()).unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots);
    let cfg = match client {
        None => builder.with_no_client_auth(),
        Some(leaf) => {
            use rustls::pki_types::pem::PemObject;
            let chain = vec![CertificateDer::from_pem_slice(leaf.cert_pem.as_bytes()).unwrap()];
            let key = PrivateKeyDer::from_pem_slice(leaf.key_pem.as_bytes()).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
    };
    Arc::new(cfg)
}

/// `GET path` over TLS with `Connection: close`: the whole response, or why
/// the handshake or the exchange failed.
async fn https_get(
    addr: SocketAddr,
    cfg: Arc<rustls::ClientConfig>,
    path: &str,
    token: Option<&str>,
) -> Result<String, String> {
    let exchange = async {
        let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut tls = tokio_rustls::TlsConnector::from(cfg)
            .connect(name, tcp)
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let req =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n");
        tls.write_all(req.as_bytes())
            .await
            .map_err(|e| format!("write: {e}"))?;
        let mut out = Vec::new();
        tls.read_to_end(&mut out)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if out.is_empty() {
            return Err("the server closed the connection without answering".into());
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    };
    tokio::time::timeout(Duration::from_secs(20), exchange)
        .await
        .map_err(|_| "timed out".to_string())?
}

fn status_line(resp: &str) -> &str {
    resp.lines().next().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_certificate_from_the_ca_gets_health_over_tls() {
    let pki = pki();
    let server = Running::start(pki.settings(true)).await;
    let resp = https_get(
        server.addr,
        client_config(&pki.ca, Some(&pki.client)),
        "/healthz",
        None,
    )
    .await
    .expect("a valid client certificate is accepted");
    assert_eq!(status_line(&resp), "HTTP/1.1 200 OK", "{resp}");
    // A certificate opens the connection; the API still wants a token.
    let resp = https_get(
        server.addr,
        client_config(&pki.ca, Some(&pki.client)),
        "/v1/requests",
        None,
    )
    .await
    .unwrap();
    assert!(
        status_line(&resp).starts_with("HTTP/1.1 401"),
        "no bearer token must still be refused: {}",
        status_line(&resp)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_client_certificate_or_one_from_another_ca_is_refused() {
    let pki = pki();
    let server = Running::start(pki.settings(true)).await;
    let none = https_get(server.addr, client_config(&pki.ca, None), "/healthz", None).await;
    eprintln!("without a client certificate: {none:?}");
    assert!(
        matches!(&none, Err(e) if e.contains("CertificateRequired")),
        "no client certificate was accepted: {none:?}"
    );
    let stranger = https_get(
        server.addr,
        client_config(&pki.ca, Some(&pki.stranger)),
        "/healthz",
        None,
    )
    .await;
    eprintln!("with a certificate from another CA: {stranger:?}");
    assert!(
        matches!(&stranger, Err(e) if e.contains("UnknownCA")),
        "a certificate from another CA was accepted: {stranger:?}"
    );
    // The refusals do not stop the service.
    let ok = https_get(
        server.addr,
        client_config(&pki.ca, Some(&pki.client)),
        "/healthz",
        None,
    )
    .await
    .unwrap();
    assert_eq!(status_line(&ok), "HTTP/1.1 200 OK");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_the_tls_port_gets_no_answer() {
    let pki = pki();
    let server = Running::start(pki.settings(true)).await;
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), tcp.read_to_end(&mut out))
        .await
        .expect("the server closes a plain-HTTP connection");
    let text = String::from_utf8_lossy(&out);
    eprintln!("plain HTTP got {read:?}, {} bytes back", out.len());
    assert!(
        !text.contains("HTTP/1.1 200"),
        "plain HTTP was answered: {read:?} {text}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_without_client_ca_needs_no_client_certificate() {
    let pki = pki();
    let server = Running::start(pki.settings(false)).await;
    let resp = https_get(server.addr, client_config(&pki.ca, None), "/healthz", None)
        .await
        .unwrap();
    assert_eq!(status_line(&resp), "HTTP/1.1 200 OK");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_client_neither_blocks_others_nor_outlives_the_handshake_timeout() {
    let pki = pki();
    let mut settings = pki.settings(true);
    settings.handshake_timeout = Duration::from_secs(3);
    let server = Running::start(settings).await;
    // Connects and says nothing.
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    let resp = https_get(
        server.addr,
        client_config(&pki.ca, Some(&pki.client)),
        "/healthz",
        None,
    )
    .await
    .unwrap();
    assert_eq!(status_line(&resp), "HTTP/1.1 200 OK");
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "a silent client held up another's handshake ({:?})",
        started.elapsed()
    );
    // The silent connection is dropped once its handshake times out.
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(10), silent.read(&mut buf))
        .await
        .expect("the server drops a client that never completes its handshake");
    assert!(matches!(n, Ok(0) | Err(_)), "{n:?}");
    server.stop().await;
}

#[test]
fn unreadable_or_wrong_tls_files_fail_before_serving() {
    let pki = pki();
    let p = pki.dir.path();
    let missing = TlsSettings::new(p.join("nope.pem"), p.join("server.key"));
    assert!(missing.server_config().is_err());
    // A key where the certificate should be, and a certificate as the key.
    let swapped = TlsSettings::new(p.join("server.key"), p.join("server.pem"));
    let err = swapped.server_config().unwrap_err().to_string();
    assert!(
        !err.contains("PRIVATE KEY"),
        "the error quotes the key: {err}"
    );
    let no_ca = pki.settings(false).with_client_ca(p.join("server.key"));
    assert!(no_ca.server_config().is_err());
    assert!(pki.settings(true).server_config().is_ok());
}
