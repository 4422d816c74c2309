//! `vouch requests`: the review queue and each request's record and audit trail.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::ExitCode;
use time::format_description::well_known::Rfc3339;
use vouch_store::{Approval, AuditEvent, RequestStatus, Role, StateStore, HOME_AGENCY};

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
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn officer(store: &dyn StateStore, id: &str) -> Result<()> {
    let ok = matches!(store.official(id)?, Some(o) if o.agency == HOME_AGENCY && o.role == Role::DisclosureOfficer);
    if !ok {
        bail!("--as {id}: not a registered disclosure officer");
    }
    Ok(())
}

pub fn run(state: &Path, c: RequestsCommand) -> Result<ExitCode> {
    let store = crate::state::open(state)?;
    match c {
        RequestsCommand::List => {
            for r in store.requests()? {
                println!(
                    "{}\t{}\t{}\t{} subjects\t{}/{} approvals\tholds: {}",
                    r.request_id,
                    r.agency,
                    r.status.as_str(),
                    r.subject_count,
                    r.approvals.len(),
                    r.approvals_required,
                    if r.holds.is_empty() {
                        "-".to_string()
                    } else {
                        r.holds.join(";")
                    }
                );
            }
        }
        RequestsCommand::Show { request } => {
            let r = store
                .request(&request)?
                .with_context(|| format!("request {request} is unknown"))?;
            println!(
                "request {} from {}: {}",
                r.request_id,
                r.agency,
                r.status.as_str()
            );
            println!(
                "  subjects {}  policy {}  received {}",
                r.subject_count, r.policy_version, r.received_at
            );
            println!(
                "  request-level reasons: {}",
                if r.request_reasons.is_empty() {
                    "none".into()
                } else {
                    r.request_reasons.join(";")
                }
            );
            println!(
                "  holds: {}",
                if r.holds.is_empty() {
                    "none".into()
                } else {
                    r.holds.join(";")
                }
            );
            for a in &r.approvals {
                println!("  approved by {} at {}: {}", a.officer, a.at, a.comment);
            }
            if let Some(d) = &r.denial {
                println!("  denied by {} at {}: {}", d.officer, d.at, d.comment);
            }
            println!("audit trail:");
            for e in store.audit_trail(&request)? {
                println!("  {}  {:<24} {:<10} {}", e.at, e.actor, e.action, e.detail);
            }
        }
        RequestsCommand::Deny {
            request,
            officer: who,
            comment,
        } => {
            officer(&store, &who)?;
            if comment.trim().is_empty() {
                bail!("--comment: a denial needs a reason");
            }
            // Read-modify-write of the record, serialised with batch runs
            // and approvals in every process and node.
            let _writer = store.writer_lock()?;
            let mut r = store
                .request(&request)?
                .with_context(|| format!("request {request} is unknown"))?;
            if r.status != RequestStatus::PendingReview {
                bail!(
                    "request {request} is {}, not pending_review",
                    r.status.as_str()
                );
            }
            let at = now();
            r.denial = Some(Approval {
                officer: who.clone(),
                at: at.clone(),
                comment: comment.clone(),
            });
            r.status = RequestStatus::Denied;
            r.updated_at = at.clone();
            store.put_request(&r)?;
            store.audit(
                &request,
                &AuditEvent {
                    at,
                    actor: who,
                    action: "denied".into(),
                    detail: comment,
                },
            )?;
            println!("request {request} denied");
        }
        RequestsCommand::Dispose {
            request,
            certified,
            officer: who,
        } => {
            officer(&store, &who)?;
            if vouch_formats::master::parse_date(&certified).is_none() {
                bail!("--certified: not a YYYY-MM-DD date");
            }
            let _writer = store.writer_lock()?;
            let mut r = store
                .request(&request)?
                .with_context(|| format!("request {request} is unknown"))?;
            if r.completed_at.is_none() {
                bail!("request {request} has no released response to dispose of");
            }
            r.disposition_certified = Some(certified.clone());
            r.updated_at = now();
            store.put_request(&r)?;
            store.audit(
                &request,
                &AuditEvent {
                    at: now(),
                    actor: who,
                    action: "disposed".into(),
                    detail: format!("certificate dated {certified}"),
                },
            )?;
            println!("request {request}: disposition certified {certified}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
