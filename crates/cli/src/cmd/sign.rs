//! `vouch sign-decision`: a disclosure officer signs a decision statement
//! (from the console or `POST /v1/requests/{id}/statement`), or an
//! official a registry statement (`POST /v1/registry/...`), with their own
//! key, on their own machine. Only those two kinds of statement are
//! signed, so the key cannot be made to sign anything else.

use anyhow::{bail, Context, Result};
use ed25519_dalek::Signer;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// Largest statement read (one is a few hundred bytes).
const STATEMENT_BYTES_MAX: u64 = 4096;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The officer's key file (one line: base64 of the 32-byte Ed25519 seed).
    #[arg(long)]
    pub key: PathBuf,
    /// The statement (default: standard input).
    #[arg(long)]
    pub statement: Option<PathBuf>,
}

/// `vouch keygen`: a person's own key pair.
#[derive(clap::Args, Debug)]
pub struct KeygenArgs {
    /// The private key file to make (0600; never overwritten); the public
    /// key goes to FILE.pub, for an administrator to register with
    /// `vouch officials add --public-key`.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn keygen(a: KeygenArgs) -> Result<ExitCode> {
    let public = vouch_keys::make_personal_key(&a.out)?;
    println!(
        "made {} (private: keep it, never share it) and {} (public: to register)",
        a.out.display(),
        vouch_keys::public_path(&a.out).display()
    );
    println!("public key: {}", hex::encode(public.to_bytes()));
    Ok(ExitCode::SUCCESS)
}

pub fn run(a: Args) -> Result<ExitCode> {
    let text = match &a.statement {
        Some(p) => String::from_utf8(vouch_formats::keys::read_bounded(p, STATEMENT_BYTES_MAX)?)
            .with_context(|| format!("{}: not UTF-8", p.display()))?,
        None => {
            let mut s = String::new();
            std::io::stdin()
                .take(STATEMENT_BYTES_MAX + 1)
                .read_to_string(&mut s)
                .context("standard input")?;
            if s.len() as u64 > STATEMENT_BYTES_MAX {
                bail!("standard input: longer than a decision statement");
            }
            s
        }
    };
    // The console shows the statement with a final newline; a copy may lose it.
    let text = if text.ends_with('\n') {
        text
    } else {
        format!("{text}\n")
    };
    let text = text.replace("\r\n", "\n");
    let decision = text.starts_with("vouch-approval-v1\n") && text.lines().count() == 8;
    let registry = text.starts_with("vouch-registry-v1\n") && text.lines().count() == 9;
    if !decision && !registry {
        bail!("the text is not a vouch decision or registry statement: nothing signed");
    }
    let seed = vouch_formats::keys::read_private_seed(&a.key)?;
    let sig = ed25519_dalek::SigningKey::from_bytes(&seed).sign(text.as_bytes());
    print!(
        "{}",
        vouch_formats::keys::encode_base64_line(&sig.to_bytes())
    );
    Ok(ExitCode::SUCCESS)
}
