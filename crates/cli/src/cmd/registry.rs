//! `vouch agencies` and `vouch officials`: the registry in the state store.

use anyhow::{bail, Context, Result};
use base64::Engine;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use vouch_store::{AgencyRecord, OfficialRecord, Role};

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
    /// Record an AI-use notification on file for an agency.
    AiNotification {
        /// The agency.
        #[arg(long)]
        agency: String,
        /// The notification's id.
        #[arg(long)]
        id: String,
    },
    /// Record a safeguards finding, or its corrective action plan or closure.
    Finding {
        /// The agency.
        #[arg(long)]
        agency: String,
        /// The finding's id.
        #[arg(long)]
        id: String,
        /// When it was opened (YYYY-MM-DD; needed for a new finding).
        #[arg(long)]
        opened: Option<String>,
        /// The corrective action plan on file.
        #[arg(long)]
        plan: Option<String>,
        /// When it was closed (YYYY-MM-DD).
        #[arg(long)]
        closed: Option<String>,
    },
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
    let store = crate::state::open(state)?;
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
                findings: Vec::new(),
                registered_at: now(),
            })?;
            println!("registered agency {id}");
        }
        AgencyCommand::List => {
            for a in store.agencies()? {
                let open = a.findings.iter().filter(|f| f.closed.is_none()).count();
                println!(
                    "{}\tssr_approved={}\tai_notifications={}\topen_findings={open}",
                    a.id,
                    a.ssr_approved,
                    a.ai_notifications.len()
                );
            }
        }
        AgencyCommand::AiNotification { agency, id } => {
            check_id("id", &id)?;
            let mut a = store
                .agency(&agency)?
                .with_context(|| format!("agency {agency} is not registered"))?;
            if !a.ai_notifications.contains(&id) {
                a.ai_notifications.push(id.clone());
            }
            store.update_agency(a)?;
            println!("AI-use notification {id} on file for {agency}");
        }
        AgencyCommand::Finding {
            agency,
            id,
            opened,
            plan,
            closed,
        } => {
            check_id("id", &id)?;
            for (flag, d) in [("opened", &opened), ("closed", &closed)] {
                if d.as_deref()
                    .is_some_and(|d| vouch_formats::master::parse_date(d).is_none())
                {
                    bail!("--{flag}: not a YYYY-MM-DD date");
                }
            }
            let mut a = store
                .agency(&agency)?
                .with_context(|| format!("agency {agency} is not registered"))?;
            match a.findings.iter_mut().find(|f| f.id == id) {
                Some(f) => {
                    f.plan = plan.or(f.plan.take());
                    f.closed = closed.or(f.closed.take());
                }
                None => {
                    let opened =
                        opened.context("--opened: a new finding needs its opening date")?;
                    a.findings.push(vouch_store::Finding {
                        id: id.clone(),
                        opened,
                        plan,
                        closed,
                    });
                }
            }
            store.update_agency(a)?;
            println!("finding {id} of {agency} recorded");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn officials(state: &Path, c: OfficialCommand) -> Result<ExitCode> {
    let store = crate::state::open(state)?;
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
