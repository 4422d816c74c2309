//! The printable report of an incident (Publication 1075: to the Treasury
//! Inspector General for Tax Administration and the IRS Office of
//! Safeguards within 24 hours of discovery, with no federal tax
//! information): a standalone page, for printing or saving as PDF.

use crate::layout::{page, when};
use crate::view::{IncidentReportView, IncidentRequestRow};
use maud::{html, Markup};

fn counts(r: &IncidentRequestRow) -> Markup {
    html! {
        td { (r.subjects) } td { (r.address_confirmations) } td { (r.not_confirmed) } td { (r.rejected) }
    }
}

/// The report as HTML (no navigation: it leaves the service).
pub fn incident_report_html(r: &IncidentReportView) -> Markup {
    let body = html! {
        p { "Report of an incident involving federal tax information disclosed under 26 U.S.C. 6103(i)(2), "
            "for the Treasury Inspector General for Tax Administration and the IRS Office of Safeguards "
            "(IRS Publication 1075). It carries identifiers, times and counts only: no name, address, TIN "
            "or date of birth." }
        table {
            caption { "The incident" }
            tbody {
                tr { th scope="row" { "Incident" } td { (r.id) } }
                tr { th scope="row" { "Kind" } td { (r.kind) } }
                tr { th scope="row" { "What happened" } td { (r.summary) } }
                tr { th scope="row" { "Discovered" } td { (when(r.discovered_at)) } }
                tr { th scope="row" { "Opened" } td { (when(r.opened_at)) " by " (r.opened_by) } }
                tr { th scope="row" { "Report due by" } td { (when(r.deadline)) " (24 hours from discovery)" } }
                tr { th scope="row" { "Reported" } td {
                    @if let Some(t) = r.reported_at { (when(t)) } @else { "not yet" }
                    @if r.reported_on_time { " — within 24 hours" } @else { strong { " — LATE or not yet reported" } }
                } }
                @if let Some(t) = r.closed_at { tr { th scope="row" { "Closed" } td { (when(t)) } } }
            }
        }
        table {
            caption { "Affected requests and records per data element" }
            thead { tr {
                th scope="col" { "Request" } th scope="col" { "Agency" } th scope="col" { "Status" }
                th scope="col" { "Subjects asked about" } th scope="col" { "Address confirmations disclosed" }
                th scope="col" { "Not confirmed" } th scope="col" { "Rejected (nothing looked up)" }
            } }
            tbody {
                @for q in &r.requests {
                    tr { th scope="row" { (q.request_id) } td { (q.agency) } td { (q.status) } (counts(q)) }
                }
                tr { th scope="row" { "Total" } td {} td {} (counts(&r.totals)) }
            }
        }
        h2 { "Recipients named by the affected requests" }
        @if r.recipients.is_empty() { p { "None recorded." } }
        @else { ul { @for id in &r.recipients { li { (id) } } } }
        h2 { "Corrective steps" }
        @if r.corrective.is_empty() { p { "None recorded yet." } }
        @else { ol { @for c in &r.corrective { li { (c) } } } }
    };
    page(None, None, &format!("Incident report {}", r.id), body)
}
