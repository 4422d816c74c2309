//! `vouch agencies` and `vouch officials`: the registry, changed through
//! the application layer by the operator at the command line.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vouch_app::{App, NewOfficial, Registrar};
use vouch_core::timestamp::{format_date, parse_date};
use vouch_store::Role;

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
        /// Registered agency id, e.g. DHS-ICE.
        #[arg(long)]
        agency: String,
        /// The notification's id.
        #[arg(long)]
        id: String,
    },
    /// Record a safeguards finding, or its corrective action plan or closure.
    Finding {
        /// Registered agency id the finding is against, e.g. DHS-ICE.
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

/// A `YYYY-MM-DD` flag's date.
fn date_flag(flag: &str, text: Option<&str>) -> Result<Option<time::Date>> {
    text.map(|t| parse_date(t).with_context(|| format!("--{flag}: not a YYYY-MM-DD date")))
        .transpose()
}

/// An application error about `field`, as the flag that carried it.
fn flagged(e: vouch_app::AppError) -> anyhow::Error {
    match e {
        vouch_app::AppError::Invalid { field, why } => {
            anyhow::anyhow!("--{}: {why}", field.replace('_', "-"))
        }
        other => other.into(),
    }
}

pub fn agencies(state: &Path, c: AgencyCommand) -> Result<ExitCode> {
    let store = crate::state::open(state)?;
    let app = App::new(store.as_ref());
    let by = Registrar::Operator;
    match c {
        AgencyCommand::Add {
            id,
            ssr_approved,
            ai_notifications,
        } => {
            let ssr = date_flag("ssr-approved", Some(&ssr_approved))?
                .context("--ssr-approved: required")?;
            app.register_agency(&by, &id, ssr, ai_notifications)
                .map_err(flagged)?;
            println!("registered agency {id}");
        }
        AgencyCommand::List => {
            for a in store.agencies()? {
                let open = a.findings.iter().filter(|f| f.closed.is_none()).count();
                println!(
                    "{}\tssr_approved={}\tai_notifications={}\topen_findings={open}",
                    a.id,
                    format_date(a.ssr_approved),
                    a.ai_notifications.len()
                );
            }
        }
        AgencyCommand::AiNotification { agency, id } => {
            app.record_ai_notification(&by, &agency, &id)
                .map_err(flagged)?;
            println!("AI-use notification {id} on file for {agency}");
        }
        AgencyCommand::Finding {
            agency,
            id,
            opened,
            plan,
            closed,
        } => {
            let opened = date_flag("opened", opened.as_deref())?;
            let closed = date_flag("closed", closed.as_deref())?;
            app.record_finding(&by, &agency, &id, opened, plan, closed)
                .map_err(flagged)?;
            println!("finding {id} of {agency} recorded");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn officials(state: &Path, c: OfficialCommand) -> Result<ExitCode> {
    let store = crate::state::open(state)?;
    let app = App::new(store.as_ref());
    match c {
        OfficialCommand::Add {
            id,
            agency,
            role,
            public_key,
        } => {
            let role = Role::parse(&role).with_context(|| {
                format!("--role {role}: expected signer, recipient, disclosure-officer, auditor or administrator")
            })?;
            let public_key = public_key
                .map(|p| vouch_formats::keys::read_public_key(&p))
                .transpose()?;
            let new = NewOfficial {
                id: id.clone(),
                agency,
                role,
                public_key,
            };
            app.register_official(&Registrar::Operator, new)
                .map_err(flagged)?;
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
