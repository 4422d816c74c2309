//! `vouch requests`: the review queue and each request's record and audit trail.

use anyhow::{Context, Result};
use std::path::Path;
use std::process::ExitCode;
use vouch_app::{App, Decision, Officer, SignedDecision};
use vouch_core::timestamp::{format, format_date};

#[derive(clap::Subcommand, Debug)]
pub enum RequestsCommand {
    /// List every request with its status.
    List,
    /// Show one request's record and audit trail.
    Show {
        /// The request id.
        #[arg(long)]
        request: String,
    },
    /// Deny a batch waiting for review (no lookup is ever made for it).
    Deny {
        /// The request id.
        #[arg(long)]
        request: String,
        /// The disclosure officer denying it.
        #[arg(long = "as")]
        officer: String,
        /// The officer's own key (one line: base64 of the 32-byte Ed25519
        /// seed) that signs the denial.
        #[arg(long = "officer-key")]
        officer_key: std::path::PathBuf,
        /// Why (required).
        #[arg(long)]
        comment: String,
    },
    /// Record the requester's certificate that a response was disposed of.
    Dispose {
        /// The request id.
        #[arg(long)]
        request: String,
        /// The certificate's date (YYYY-MM-DD).
        #[arg(long)]
        certified: String,
        /// The disclosure officer recording it.
        #[arg(long = "as")]
        officer: String,
    },
    /// Re-run the policy checks of past requests under another policy
    /// version (history and the probing guard's verdicts as they stood,
    /// nothing looked up) and list the disclosures it would have refused.
    Reassess {
        /// The policy file to judge them by.
        #[arg(long)]
        policy: std::path::PathBuf,
        /// Only requests received on or after this day (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        /// Directories of past requests run on the command line (their
        /// letter and subjects are checked against the hashes on record).
        #[arg(long = "request-dir")]
        request_dirs: Vec<std::path::PathBuf>,
        /// The disclosure officer or auditor making it.
        #[arg(long = "as")]
        official: String,
    },
}

fn codes<T>(items: &[T], spell: impl Fn(&T) -> &'static str, none: &str) -> String {
    if items.is_empty() {
        return none.into();
    }
    items.iter().map(spell).collect::<Vec<_>>().join(";")
}

fn list(app: &App<'_>) -> Result<()> {
    for r in app.store().requests()? {
        println!(
            "{}\t{}\t{}\t{} subjects\t{}/{} approvals\tholds: {}",
            r.request_id,
            r.agency,
            r.status.as_str(),
            r.subject_count,
            r.approvals.len(),
            r.approvals_required,
            codes(&r.holds, |h| h.as_str(), "-")
        );
    }
    Ok(())
}

fn show(app: &App<'_>, request: &str) -> Result<()> {
    let r = app
        .store()
        .request(request)?
        .with_context(|| format!("request {request} is unknown"))?;
    println!(
        "request {} from {}: {}",
        r.request_id,
        r.agency,
        r.status.as_str()
    );
    println!(
        "  subjects {}  policy {}  received {}",
        r.subject_count,
        r.policy_version,
        format(r.received_at)
    );
    let reasons = codes(&r.request_reasons, |c| c.as_str(), "none");
    println!("  request-level reasons: {reasons}");
    println!("  holds: {}", codes(&r.holds, |h| h.as_str(), "none"));
    for a in &r.approvals {
        println!(
            "  approved by {} at {}: {}",
            a.officer,
            format(a.at),
            a.comment
        );
    }
    if let Some(d) = &r.denial {
        println!(
            "  denied by {} at {}: {}",
            d.officer,
            format(d.at),
            d.comment
        );
    }
    if let Some(d) = r.disposition_certified {
        println!("  disposition certified {}", format_date(d));
    }
    println!("audit trail:");
    for e in app.store().audit_trail(request)? {
        println!(
            "  {}  {:<24} {:<10} {}",
            format(e.at),
            e.actor,
            e.action.as_str(),
            e.detail
        );
    }
    Ok(())
}

pub fn run(state: &Path, c: RequestsCommand) -> Result<ExitCode> {
    if let RequestsCommand::Reassess {
        policy,
        since,
        request_dirs,
        official,
    } = &c
    {
        return super::remediation::reassess(
            state,
            policy,
            since.as_deref(),
            request_dirs,
            official,
        );
    }
    let store = crate::state::open(state)?;
    let app = App::new(store.as_ref());
    match c {
        RequestsCommand::List => list(&app)?,
        // At the command line of the machine that holds the state, the
        // operator reads the store directly.
        RequestsCommand::Show { request } => show(&app, &request)?,
        RequestsCommand::Deny {
            request,
            officer,
            officer_key,
            comment,
        } => {
            let officer = super::acting::<Officer>(&app, "--as", &officer)?;
            let seed = vouch_formats::keys::read_private_seed(&officer_key)?;
            let key = ed25519_dalek::SigningKey::from_bytes(&seed);
            let rec = app
                .visible_request(officer.official(), &request)
                .with_context(|| format!("request {request}"))?;
            let signed = SignedDecision::sign(&rec, Decision::Deny, officer.id(), &comment, &key);
            app.deny(&officer, &request, &signed)
                .with_context(|| format!("request {request}"))?;
            println!("request {request} denied");
        }
        RequestsCommand::Dispose {
            request,
            certified,
            officer,
        } => {
            let officer = super::acting::<Officer>(&app, "--as", &officer)?;
            let date = vouch_core::timestamp::parse_date(&certified)
                .context("--certified: not a YYYY-MM-DD date")?;
            app.dispose(&officer, &request, date)
                .with_context(|| format!("request {request}"))?;
            println!("request {request}: disposition certified {certified}");
        }
        // Answered before the store was opened.
        RequestsCommand::Reassess { .. } => {}
    }
    Ok(ExitCode::SUCCESS)
}
