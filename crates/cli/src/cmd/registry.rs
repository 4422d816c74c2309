//! `vouch agencies` and `vouch officials`: the registry in the state store.

use anyhow::{bail, Context, Result};
use base64::Engine;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use vouch_store::{AgencyRecord, FileStore, OfficialRecord, Role};

#[derive(clap::Subcommand, Debug)]
pub enum AgencyCommand {
    /// Register a requesting agency with the approval date of its Safeguard Security Report.
    Add {
        /// Agency id, e.g. DHS-ICE.
        #[arg(long)]
        id: String,
        /// Date its Safeguard Security Report was approved (YYYY-MM-DD).
        #[arg(long)]
        ssr_approved: String,
        /// An AI-use notification on file (repeatable).
        #[arg(long = "ai-notification")]
        ai_notifications: Vec<String>,
    },
    /// List registered agencies.
    List,
}

#[derive(clap::Subcommand, Debug)]
pub enum OfficialCommand {
    /// Register an official.
    Add {
        /// Official id.
        #[arg(long)]
        id: String,
        /// Agency the official acts for (IRS for disclosure officers).
        #[arg(long)]
        agency: String,
        /// signer, recipient, disclosure-officer, auditor or administrator.
        #[arg(long)]
        role: String,
        /// File holding the base64 raw 32-byte Ed25519 public key (signers).
        #[arg(long)]
        public_key: Option<PathBuf>,
    },
    /// List registered officials.
    List,
}

fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn check_id(field: &str, id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= vouch_core::limits::ID_BYTES_MAX
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !ok {
        bail!(
            "--{field}: must be 1 to {} letters, digits, '-', '_' or '.'",
            vouch_core::limits::ID_BYTES_MAX
        );
    }
    Ok(())
}

pub fn agencies(state: &Path, c: AgencyCommand) -> Result<ExitCode> {
    let store = FileStore::open(state).with_context(|| format!("state {}", state.display()))?;
    match c {
        AgencyCommand::Add {
            id,
            ssr_approved,
            ai_notifications,
        } => {
            check_id("id", &id)?;
            if vouch_formats::master::parse_date(&ssr_approved).is_none() {
                bail!("--ssr-approved: not a YYYY-MM-DD date");
            }
            store.add_agency(AgencyRecord {
                id: id.clone(),
                ssr_approved,
                ai_notifications,
                open_findings_without_plan: 0,
                disposition_overdue_since: None,
                registered_at: now(),
            })?;
            println!("registered agency {id}");
        }
        AgencyCommand::List => {
            for a in store.agencies()? {
                println!(
                    "{}\tssr_approved={}\tai_notifications={}",
                    a.id,
                    a.ssr_approved,
                    a.ai_notifications.len()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn officials(state: &Path, c: OfficialCommand) -> Result<ExitCode> {
    let store = FileStore::open(state).with_context(|| format!("state {}", state.display()))?;
    match c {
        OfficialCommand::Add {
            id,
            agency,
            role,
            public_key,
        } => {
            check_id("id", &id)?;
            check_id("agency", &agency)?;
            let role = Role::parse(&role).with_context(|| {
                format!("--role {role}: expected signer, recipient, disclosure-officer, auditor or administrator")
            })?;
            let public_key = match public_key {
                Some(p) => {
                    let raw = vouch_formats::keys::read_public_key(&p)?;
                    ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|_| {
                        anyhow::anyhow!(
                            "{}: line 1: field public_key: not a valid Ed25519 point",
                            p.display()
                        )
                    })?;
                    Some(base64::engine::general_purpose::STANDARD.encode(raw))
                }
                None => None,
            };
            store.add_official(OfficialRecord {
                id: id.clone(),
                agency,
                role,
                public_key,
                registered_at: now(),
            })?;
            println!("registered {} {id}", role.as_str());
        }
        OfficialCommand::List => {
            for o in store.officials()? {
                println!(
                    "{}\t{}\t{}\tkey={}",
                    o.id,
                    o.agency,
                    o.role.as_str(),
                    if o.public_key.is_some() { "yes" } else { "no" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
