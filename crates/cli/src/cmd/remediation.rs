//! `vouch remediation`: disclosures found unlawful withdrawn (a registry
//! change logged in the ledger: one official while founding, two once
//! sealed), their disposal demanded from each recipient, acknowledgments
//! recorded; the certificate of destruction is `vouch requests dispose`.
//! Until every request of a remediation is certified disposed of, the
//! agency's new requests are refused `SAFEGUARDS_NOT_CURRENT`.
//! `vouch requests reassess` finds the disclosures to withdraw.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vouch_app::{App, Overseer, PolicyOwner, RemediationSource};

#[derive(clap::Subcommand, Debug)]
pub enum RemediationCommand {
    /// Withdraw disclosures: those a reassessment found, or every one of some requests.
    Open {
        /// The reassessment whose refusable disclosures are withdrawn.
        #[arg(long, conflicts_with = "requests")]
        from_reassessment: Option<String>,
        /// Requests whose every disclosure is withdrawn (comma-separated).
        #[arg(long, value_delimiter = ',')]
        requests: Vec<String>,
        /// Why (the court's finding, the policy version that refuses them).
        #[arg(long)]
        reason: String,
        /// The disclosure officer or administrator opening it.
        #[arg(long = "as")]
        official: String,
        /// Once the registry is sealed: the official's key file, to sign
        /// the proposal (a second administrator confirms it).
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Write the disposal demand to one recipient (JSON: subject references only).
    Demand {
        /// The remediation.
        #[arg(long)]
        id: String,
        /// The recipient.
        #[arg(long)]
        recipient: String,
        /// Where to write it (must not exist).
        #[arg(long)]
        out: PathBuf,
        /// Directories holding past requests run on the command line (their
        /// letters tell which recipient works on which case).
        #[arg(long = "request-dir")]
        request_dirs: Vec<PathBuf>,
    },
    /// Record a recipient's acknowledgment of the disposal demand.
    Acknowledge {
        /// The remediation.
        #[arg(long)]
        id: String,
        /// The recipient.
        #[arg(long)]
        recipient: String,
        /// The day they acknowledged it (YYYY-MM-DD).
        #[arg(long)]
        date: String,
        /// The disclosure officer or administrator recording it.
        #[arg(long = "as")]
        official: String,
    },
    /// Every remediation: in effect, acknowledgments, certified.
    List,
}

/// `vouch requests reassess`.
pub fn reassess(
    state: &Path,
    policy: &Path,
    since: Option<&str>,
    dirs: &[PathBuf],
    official: &str,
) -> Result<ExitCode> {
    let store = crate::state::open(state)?;
    let app = App::new(store.as_ref());
    let by = super::acting::<Overseer>(&app, "--as", official)?;
    let text = std::fs::read_to_string(policy)
        .with_context(|| format!("--policy {}", policy.display()))?;
    let since = match since {
        Some(d) => Some(
            vouch_core::timestamp::parse_date(d)
                .with_context(|| format!("--since {d}: not a date (YYYY-MM-DD)"))?,
        ),
        None => None,
    };
    let r = app.reassess(&by, &text, since, dirs).map_err(|e| match e {
        vouch_app::AppError::Invalid { field, why } => anyhow::anyhow!("--{field}: {why}"),
        other => other.into(),
    })?;
    println!(
        "reassessment {} under policy {}: {} requests, {} disclosures, {} the policy would have refused",
        r.id,
        r.policy_version,
        r.requests.len(),
        r.disclosures,
        r.refusable.len()
    );
    for (code, n) in &r.counts {
        println!("  {code}\t{n}");
    }
    for s in &r.skipped {
        println!("  skipped {s}: its letter and subjects are not kept (give its directory with --request-dir)");
    }
    for x in &r.refusable {
        println!(
            "  {}\t{}\t{}",
            x.disclosure.request_id,
            x.disclosure.subject_ref,
            x.reasons.join(";")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run(state: &Path, c: RemediationCommand) -> Result<ExitCode> {
    match c {
        RemediationCommand::Open {
            from_reassessment,
            requests,
            reason,
            official,
            key,
        } => {
            let source = match (from_reassessment, requests.is_empty()) {
                (Some(id), _) => RemediationSource::Reassessment(id),
                (None, false) => RemediationSource::Requests(requests),
                (None, true) => {
                    anyhow::bail!("--from-reassessment or --requests: say what to withdraw")
                }
            };
            let (store, keys) = crate::state::open_with_keys(state)?;
            let app = App::with_checked_keys(store.as_ref(), &keys);
            let by = super::acting::<PolicyOwner>(&app, "--as", &official)?;
            let invalid = |e: vouch_app::AppError| match e {
                vouch_app::AppError::Invalid { field, why } => anyhow::anyhow!("--{field}: {why}"),
                other => other.into(),
            };
            let r = match key {
                Some(key) => {
                    let draft = app
                        .draft_remediation(by.id(), &source, &reason)
                        .map_err(invalid)?;
                    let change =
                        super::propose_signed(&app, &App::withdrawal_of(&draft), by.id(), &key)?;
                    super::print_proposed(&change);
                    app.keep_remediation(draft, &change.id)?
                }
                None => app
                    .open_remediation(&by, &source, &reason)
                    .map_err(invalid)?,
            };
            println!(
                "remediation {}: {} disclosures of {} in {} requests withdrawn; send each recipient its disposal demand (vouch remediation demand)",
                r.id,
                r.disclosures.len(),
                r.agency,
                r.requests().len()
            );
        }
        RemediationCommand::Demand {
            id,
            recipient,
            out,
            request_dirs,
        } => {
            let store = crate::state::open(state)?;
            let app = App::new(store.as_ref());
            if out.exists() {
                anyhow::bail!("--out {}: exists already", out.display());
            }
            let d = app.disposal_demand(&id, &recipient, &request_dirs)?;
            vouch_formats::atomic::write_atomic(&out, &serde_json::to_vec_pretty(&d)?)
                .with_context(|| format!("--out {}", out.display()))?;
            let n: usize = d.requests.values().map(Vec::len).sum();
            println!(
                "disposal demand of remediation {id} to {recipient}: {n} subjects in {} requests, in {}",
                d.requests.len(),
                out.display()
            );
        }
        RemediationCommand::Acknowledge {
            id,
            recipient,
            date,
            official,
        } => {
            let store = crate::state::open(state)?;
            let app = App::new(store.as_ref());
            let by = super::acting::<PolicyOwner>(&app, "--as", &official)?;
            let day = vouch_core::timestamp::parse_date(&date)
                .with_context(|| format!("--date {date}: not a date (YYYY-MM-DD)"))?;
            app.acknowledge_demand(&by, &id, &recipient, day)?;
            println!("remediation {id}: {recipient} acknowledged the disposal demand on {date}");
        }
        RemediationCommand::List => {
            let store = crate::state::open(state)?;
            let app = App::new(store.as_ref());
            let all = app.remediations()?;
            println!("{} remediations", all.len());
            for s in all {
                let r = &s.remediation;
                println!(
                    "{}\t{}\t{} disclosures\t{}\t{} acknowledged\t{}",
                    r.id,
                    r.agency,
                    r.disclosures.len(),
                    if s.in_effect {
                        "withdrawn (logged)"
                    } else {
                        "proposed: waits for a second administrator"
                    },
                    r.acknowledgments.len(),
                    match (s.in_effect, s.certified_on) {
                        (_, Some(d)) => format!(
                            "certified disposed of {}",
                            vouch_core::timestamp::format_date(d)
                        ),
                        (true, None) => {
                            "OPEN: disposal not certified (the agency's safeguards are not current)"
                                .into()
                        }
                        (false, None) => "not in effect".into(),
                    }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
