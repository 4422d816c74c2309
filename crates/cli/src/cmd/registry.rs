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
        /// File holding the base64 raw 32-byte Ed25519 public key (signers,
        /// disclosure officers, administrators).
        #[arg(long)]
        public_key: Option<PathBuf>,
        /// Once the registry is sealed: the administrator proposing the
        /// registration (a second administrator confirms it).
        #[arg(long = "as", requires = "key")]
        by: Option<String>,
        /// The proposing administrator's own key file.
        #[arg(long, requires = "by")]
        key: Option<PathBuf>,
    },
    /// List registered officials.
    List,
}

#[derive(clap::Subcommand, Debug)]
pub enum RegistryCommand {
    /// List every registry change: pending, in effect, who proposed and who confirmed.
    List,
    /// Propose vetting an official's enrolled security key for signing
    /// decisions (once sealed, an enrolled key signs nothing that counts
    /// until two administrators vet it).
    VetKey {
        /// The official who enrolled it.
        #[arg(long)]
        official: String,
        /// The key's credential id (`vouch registry keys --official ID`).
        #[arg(long)]
        credential: String,
        /// The proposing administrator.
        #[arg(long = "as")]
        by: String,
        /// The proposing administrator's own key file.
        #[arg(long)]
        key: PathBuf,
    },
    /// List an official's enrolled security keys and whether each is vetted.
    Keys {
        /// The official.
        #[arg(long)]
        official: String,
    },
    /// Confirm a pending change as a second administrator, signed with your own key.
    Confirm {
        /// The change's id (from `vouch registry list`).
        id: String,
        /// The confirming administrator (not the proposer).
        #[arg(long = "as")]
        by: String,
        /// The confirming administrator's own key file.
        #[arg(long)]
        key: PathBuf,
    },
}

/// `vouch registry`: the two-person registry's changes.
pub fn registry(state: &Path, c: RegistryCommand) -> Result<ExitCode> {
    match c {
        RegistryCommand::List => {
            let store = crate::state::open(state)?;
            let app = App::new(store.as_ref());
            println!(
                "registry: {}",
                if app.registry_sealed()? {
                    "sealed (every change needs two people)"
                } else {
                    "founding (not sealed: register two administrators with keys to seal it)"
                }
            );
            for c in app.registry_changes()? {
                println!(
                    "{}\t{}\t{}\tproposed by {}\tconfirmed by {}\t{}",
                    c.id,
                    c.kind,
                    vouch_app::ChangeState::of(&c).as_str(),
                    c.proposed_by,
                    c.confirmed_by.as_deref().unwrap_or("-"),
                    c.summary
                );
            }
        }
        RegistryCommand::VetKey {
            official,
            credential,
            by,
            key,
        } => {
            let store = crate::state::open(state)?;
            let app = App::new(store.as_ref());
            let p = vouch_app::Proposal::Credential {
                official,
                credential_id: credential,
            };
            super::print_proposed(&super::propose_signed(&app, &p, &by, &key)?);
        }
        RegistryCommand::Keys { official } => {
            let store = crate::state::open(state)?;
            let app = App::new(store.as_ref());
            let ledger = store.open_ledger()?;
            let vetted = app.vetted(&ledger)?;
            for k in store.security_keys(&official)? {
                let ok = vetted
                    .security_keys(&official)
                    .iter()
                    .any(|v| v.credential_id == k.credential_id);
                println!(
                    "{}\t{}\tenrolled {}\t{}",
                    k.credential_id,
                    k.origin,
                    vouch_core::timestamp::format(k.enrolled_at),
                    if ok {
                        "vetted"
                    } else {
                        "not vetted (vouch registry vet-key)"
                    }
                );
            }
        }
        RegistryCommand::Confirm { id, by, key } => {
            use ed25519_dalek::Signer;
            // A hold list change is applied with the TIN key, a policy
            // checked against the ledger: the service's keys are needed.
            let (store, keys) = crate::state::open_with_keys(state)?;
            let app = App::with_checked_keys(store.as_ref(), &keys);
            let seed = vouch_formats::keys::read_private_seed(&key)?;
            let change = app.registry_change(&id)?;
            let at = vouch_core::timestamp::now();
            let text = app.change_statement(&change, vouch_app::Step::Confirm, &by, at);
            let sig = ed25519_dalek::SigningKey::from_bytes(&seed).sign(text.as_bytes());
            let step = vouch_app::SignedStep {
                official: by.clone(),
                at,
                signature: vouch_formats::keys::encode_base64_line(&sig.to_bytes())
                    .trim()
                    .into(),
            };
            let done = app
                .confirm_change(&id, step)
                .map_err(flagged)
                .with_context(|| format!("--as {by}"))?;
            println!(
                "registry change {} in effect, ledger entry {}: {}",
                done.id,
                done.ledger_index.unwrap_or_default(),
                done.summary
            );
        }
    }
    Ok(ExitCode::SUCCESS)
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
            by,
            key,
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
            match (by, key) {
                (Some(by), Some(key)) => {
                    let c = super::propose_signed(
                        &app,
                        &vouch_app::Proposal::Official(new),
                        &by,
                        &key,
                    )?;
                    super::print_proposed(&c);
                }
                _ => {
                    app.register_official(&Registrar::Operator, new)
                        .map_err(flagged)
                        .context("a founding registration (one person)")?;
                    println!("registered {} {id}", role.as_str());
                }
            }
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
