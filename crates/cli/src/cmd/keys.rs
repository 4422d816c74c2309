//! `vouch keys`: the service's signing and hashing keys, in files outside
//! the state store (`--keys DIR`, `$VOUCH_KEYS`, else `STATE/keys`).

use anyhow::{Context, Result};
use std::path::Path;
use std::process::ExitCode;
use vouch_app::{App, KeyName};

#[derive(clap::Subcommand, Debug)]
pub enum KeysCommand {
    /// Make the keys (0600 files in a 0700 directory, never overwriting) and
    /// register their ids in the store; a store of an earlier version has
    /// its secrets moved out into the files.
    Init,
    /// List the keys the store has registered (ids only) and check the files.
    List,
    /// Replace a signing key (`ledger` or `service`); the old one is kept
    /// to verify what it signed.
    Rotate {
        /// `ledger` or `service`.
        #[arg(long)]
        key: String,
    },
}

pub fn run(state: &Path, c: KeysCommand) -> Result<ExitCode> {
    let store = crate::state::open(state)?;
    let app = App::new(store.as_ref());
    let dir = crate::state::keys_dir(state);
    match c {
        KeysCommand::Init => {
            for (name, made) in app.init_keys(&dir)? {
                println!("{}\t{made:?}", name.file_name());
            }
            println!(
                "keys in {} (keep them readable by this user only)",
                dir.display()
            );
        }
        KeysCommand::List => {
            for k in store.service_keys()? {
                let state = match k.retired_at {
                    Some(t) => format!("retired {}", vouch_core::timestamp::format(t)),
                    None => "current".into(),
                };
                println!("{}\t{}\t{state}", k.name, k.key_id);
            }
            crate::state::open_with_keys(state)
                .with_context(|| format!("the key files in {}", dir.display()))?;
            println!("the key files in {} are the store's", dir.display());
        }
        KeysCommand::Rotate { key } => {
            let name = KeyName::parse(&key)
                .filter(|k| k.is_signing())
                .with_context(|| {
                    format!("--key {key}: want ledger or service (secrets cannot be rotated)")
                })?;
            let (old, new) = app.rotate_key(&dir, name)?;
            println!("{key}: {old} retired, {new} in use");
        }
    }
    Ok(ExitCode::SUCCESS)
}
