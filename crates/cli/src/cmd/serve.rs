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
    /// The WebAuthn relying-party id of the console's security keys: the
    /// host name browsers use (or a parent domain of it), never an IP address.
    #[arg(long, value_name = "HOST", default_value = "localhost")]
    pub rp_id: String,
    /// The console's origin as browsers see it (e.g. `https://vouch.example`);
    /// by default the RP id with the scheme and the port of --listen.
    #[arg(long, value_name = "URL")]
    pub rp_origin: Option<String>,
}

/// The origin browsers reach the service at by default: the RP id's host,
/// with the scheme (TLS or not) and the port it listens on.
fn default_origin(rp_id: &str, listen: SocketAddr, tls: bool) -> String {
    let (scheme, default_port) = if tls { ("https", 443) } else { ("http", 80) };
    match listen.port() {
        p if p == default_port => format!("{scheme}://{rp_id}"),
        p => format!("{scheme}://{rp_id}:{p}"),
    }
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
    let rp_origin = a
        .rp_origin
        .unwrap_or_else(|| default_origin(&a.rp_id, a.listen, tls.is_some()));
    let config = vouch_server::ServerConfig {
        rp_id: a.rp_id,
        rp_origin,
        ..vouch_server::ServerConfig::default()
    };
    let (store, keys) = crate::state::open_with_keys(state)?;
    rt.block_on(vouch_server::serve_tls(
        a.listen, store, keys, a.index, config, tls,
    ))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_origin_is_the_rp_id_with_the_listening_scheme_and_port() {
        let at = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(
            default_origin("localhost", at("127.0.0.1:8080"), false),
            "http://localhost:8080"
        );
        assert_eq!(
            default_origin("vouch.example", at("0.0.0.0:443"), true),
            "https://vouch.example"
        );
    }
}
