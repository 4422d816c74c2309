//! `vouch incidents`: unauthorised disclosures or accesses, and losses,
//! opened with the moment they were discovered, reported within 24 hours
//! (a printable HTML and a JSON report for the inspector general and the
//! Office of Safeguards: ids, times and counts, never a name, address, TIN
//! or date of birth), and closed with the corrective steps taken.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vouch_app::{App, IncidentKind, TaxAgencyStaff};

#[derive(clap::Subcommand, Debug)]
pub enum IncidentsCommand {
    /// Open an incident: the 24-hour clock runs from its discovery.
    Open {
        /// unauthorized-disclosure, unauthorized-access or loss.
        #[arg(long)]
        kind: String,
        /// When it was discovered (RFC 3339, e.g. 2026-02-12T09:30:00Z).
        #[arg(long)]
        discovered: String,
        /// What happened, without names, addresses, TINs or dates of birth.
        #[arg(long)]
        summary: String,
        /// The requests whose disclosures it concerns (comma-separated ids).
        #[arg(long, value_delimiter = ',')]
        requests: Vec<String>,
        /// The official opening it.
        #[arg(long = "as")]
        official: String,
    },
    /// Write the report (report.json and report.html in --out) and mark the
    /// incident reported (the first time).
    Report {
        /// The incident.
        #[arg(long)]
        id: String,
        /// A directory for report.json and report.html (must not exist).
        #[arg(long)]
        out: PathBuf,
        /// The official reporting it.
        #[arg(long = "as")]
        official: String,
    },
    /// Close a reported incident with the corrective steps taken.
    Close {
        /// The incident.
        #[arg(long)]
        id: String,
        /// A corrective step (repeat for several).
        #[arg(long, required = true)]
        corrective: Vec<String>,
        /// The official closing it.
        #[arg(long = "as")]
        official: String,
    },
    /// Every incident, its 24-hour clock and its state.
    List,
}

fn invalid(e: vouch_app::AppError) -> anyhow::Error {
    match e {
        vouch_app::AppError::Invalid { field, why } => anyhow::anyhow!("--{field}: {why}"),
        other => other.into(),
    }
}

pub fn run(state: &Path, c: IncidentsCommand) -> Result<ExitCode> {
    let store = crate::state::open(state)?;
    let app = App::new(store.as_ref());
    match c {
        IncidentsCommand::Open {
            kind,
            discovered,
            summary,
            requests,
            official,
        } => {
            let by = super::acting::<TaxAgencyStaff>(&app, "--as", &official)?;
            let kind = IncidentKind::parse(&kind).with_context(|| {
                format!("--kind {kind}: not unauthorized-disclosure, unauthorized-access or loss")
            })?;
            let at = vouch_core::timestamp::parse(&discovered)
                .with_context(|| format!("--discovered {discovered}: not an RFC 3339 moment"))?;
            let i = app
                .open_incident(&by, kind, at, &summary, &requests)
                .map_err(invalid)?;
            println!(
                "incident {} opened; report it by {} (24 hours from its discovery)",
                i.id,
                vouch_core::timestamp::format(i.deadline())
            );
        }
        IncidentsCommand::Report { id, out, official } => {
            let by = super::acting::<TaxAgencyStaff>(&app, "--as", &official)?;
            if out.exists() {
                anyhow::bail!("--out {}: exists already", out.display());
            }
            let report = app.report_incident(&by, &id).map_err(invalid)?;
            let json = serde_json::to_vec_pretty(&report)?;
            let html = vouch_console::incident_report_html(&view_of(&report)).into_string();
            let tmp = out.with_extension("partial");
            let _ = std::fs::remove_dir_all(&tmp);
            std::fs::create_dir_all(&tmp).with_context(|| format!("--out {}", out.display()))?;
            vouch_formats::atomic::write_atomic(&tmp.join("report.json"), &json)?;
            vouch_formats::atomic::write_atomic(&tmp.join("report.html"), html.as_bytes())?;
            std::fs::rename(&tmp, &out).with_context(|| format!("--out {}", out.display()))?;
            println!(
                "incident {}: report in {} ({})",
                id,
                out.display(),
                if report.reported_on_time {
                    "reported within 24 hours of its discovery"
                } else {
                    "reported LATE: more than 24 hours after its discovery"
                }
            );
        }
        IncidentsCommand::Close {
            id,
            corrective,
            official,
        } => {
            let by = super::acting::<TaxAgencyStaff>(&app, "--as", &official)?;
            let i = app.close_incident(&by, &id, &corrective).map_err(invalid)?;
            println!(
                "incident {} closed with {} corrective steps",
                i.id,
                i.corrective.len()
            );
        }
        IncidentsCommand::List => {
            let now = vouch_core::timestamp::now();
            let all = app.incidents()?;
            println!("{} incidents", all.len());
            for i in all {
                let state = match (i.reported_at, i.closed_at) {
                    (_, Some(_)) => "closed".to_string(),
                    (Some(_), None) => "reported".to_string(),
                    (None, None) if i.overdue(now) => {
                        "OVERDUE: not reported within 24 hours".into()
                    }
                    (None, None) => format!(
                        "open: {} h left to report",
                        (i.deadline() - now).whole_hours()
                    ),
                };
                println!(
                    "{}\t{}\tdiscovered {}\t{} requests\t{}",
                    i.id,
                    i.kind.as_str(),
                    vouch_core::timestamp::format(i.discovered_at),
                    i.requests.len(),
                    state
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The console's view of a report.
fn view_of(r: &vouch_app::IncidentReport) -> vouch_console::IncidentReportView {
    let row = |id: &str, agency: &str, status: &str, c: &vouch_app::RecordCounts| {
        vouch_console::IncidentRequestRow {
            request_id: id.into(),
            agency: agency.into(),
            status: status.into(),
            subjects: c.subjects,
            address_confirmations: c.address_confirmations,
            not_confirmed: c.not_confirmed,
            rejected: c.rejected,
        }
    };
    let i = &r.incident;
    vouch_console::IncidentReportView {
        id: i.id.clone(),
        kind: i.kind.as_str().into(),
        summary: i.summary.clone(),
        discovered_at: i.discovered_at,
        opened_at: i.opened_at,
        opened_by: i.opened_by.clone(),
        reported_at: i.reported_at,
        deadline: r.deadline,
        reported_on_time: r.reported_on_time,
        requests: r
            .affected
            .iter()
            .map(|a| row(&a.request_id, &a.agency, &a.status, &a.records))
            .collect(),
        totals: row("", "", "", &r.totals),
        recipients: r.recipients.clone(),
        corrective: i.corrective.clone(),
        closed_at: i.closed_at,
    }
}
