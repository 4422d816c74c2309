//! `vouch serve`: the HTTP API (`/v1`, see `/v1/openapi.json`) over the
//! state directory. Prints the URL and, on first start, a one-time
//! administrator token.

use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The master index directory.
    #[arg(long)]
    pub index: PathBuf,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Mutual TLS: require a client certificate signed by a CA in this PEM
    /// file (bearer tokens are still required on top; needs --tls-cert).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub client_ca: Option<PathBuf>,
}

pub fn run(state: &Path, a: Args) -> Result<ExitCode> {
    // Logs carry request ids and routes only (the server never logs URIs or bodies).
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("VOUCH_LOG").unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let tls = match (a.tls_cert, a.tls_key) {
        (Some(cert), Some(key)) => {
            let t = vouch_server::TlsSettings::new(cert, key);
            Some(match a.client_ca {
                Some(ca) => t.with_client_ca(ca),
                None => t,
            })
        }
        _ => None,
    };
    let (store, keys) = crate::state::open_with_keys(state)?;
    rt.block_on(vouch_server::serve_tls(
        a.listen,
        store,
        keys,
        a.index,
        vouch_server::ServerConfig::default(),
        tls,
    ))?;
    Ok(ExitCode::SUCCESS)
}
