//! The oversight page, the 6103(p)(3) accounting (CSV and printable page),
//! and the small pure helpers the server needs to fill them.

use maud::{html, Markup};
use time::{Date, Duration, OffsetDateTime, UtcOffset};
use vouch_core::{timestamp, ReasonCode};
use vouch_store::{RequestRecord, RequestStatus};

use crate::chart::{count_table, hbar, outcome_bar};
use crate::layout::{day, page, seg, when, Layout, Section};
use crate::view::{
    AccountingRow, AiNotices, OfficialActivity, OverdueDisposition, OversightView, ReasonCount,
    ReasonWeek, WeekRow,
};
use crate::ConsoleError;

/// The statutory authority of every disclosure the service makes.
pub const STATUTORY_AUTHORITY: &str = "26 U.S.C. 6103(i)(2)";

/// Where the server serves [`accounting_csv`].
pub const ACCOUNTING_CSV_PATH: &str = "/console/oversight/accounting.csv";

/// Where the server serves [`accounting_page`].
pub const ACCOUNTING_PAGE_PATH: &str = "/console/oversight/accounting";

/// The columns of the accounting, in order.
pub const ACCOUNTING_HEADER: [&str; 12] = [
    "request_id",
    "agency",
    "requesting_officials",
    "date_of_disclosure",
    "subjects",
    "confirmed",
    "not_confirmed",
    "rejected",
    "statutory_authority",
    "approving_officers",
    "policy_version",
    "withdrawn",
];

/// The ISO week of a moment in UTC, `YYYY-Www` (e.g. `2026-W05`).
pub fn iso_week(t: OffsetDateTime) -> String {
    let (year, week, _) = t.to_offset(UtcOffset::UTC).to_iso_week_date();
    format!("{year}-W{week:02}")
}

/// Completed responses whose disposition was not certified within
/// `disposition_days` of completion (counted from the UTC date of
/// completion), as of `today`. Fails closed: a completed record without a
/// completion time, or whose due date cannot be computed, is listed with
/// the due date `None` (the page says "unknown").
pub fn overdue_dispositions(
    records: &[RequestRecord],
    disposition_days: i64,
    today: Date,
) -> Vec<OverdueDisposition> {
    let mut out = Vec::new();
    for r in records {
        if r.status != RequestStatus::Completed || r.disposition_certified.is_some() {
            continue;
        }
        let due = r.completed_at.and_then(|t| {
            t.to_offset(UtcOffset::UTC)
                .date()
                .checked_add(Duration::days(disposition_days))
        });
        let overdue = due.is_none_or(|d| today > d);
        if overdue {
            out.push(OverdueDisposition {
                request_id: r.request_id.clone(),
                agency: r.agency.clone(),
                completed_at: r.completed_at,
                due,
            });
        }
    }
    out
}

/// Reason codes shown as columns of the weekly trend at most.
const TREND_CODES_MAX: usize = 8;

fn count_of(w: &ReasonWeek, code: ReasonCode) -> u64 {
    w.counts
        .iter()
        .filter(|c| c.code == code)
        .map(|c| c.count)
        .sum()
}

fn other_of(w: &ReasonWeek, shown: &[ReasonCode]) -> u64 {
    w.counts
        .iter()
        .filter(|c| !shown.contains(&c.code))
        .map(|c| c.count)
        .sum()
}

/// What "unknown" reads like where a moment or a date is missing.
const UNKNOWN: &str = "unknown";

/// The oversight page: lookups and requests per ISO week, outcomes per
/// week, rejection reasons, activity per requesting official, AI-use
/// notifications per agency, responses past retention without a
/// disposition certificate, and links to the accounting.
pub fn oversight_page(layout: &Layout, view: &OversightView) -> Markup {
    let body = html! {
        (accounting_links())
        (weekly_activity(&view.weeks))
        (weekly_outcomes(&view.weeks))
        (rejection_reasons(&view.rejection_reasons, &view.unrecognised_reasons))
        (rejection_trend(&view.rejection_reasons, &view.reason_weeks))
        (official_activity(&view.officials))
        (ai_notifications(&view.ai_notices))
        (overdue_certificates(&view.overdue))
        h2 { "Withdrawn disclosures" }
        @if view.withdrawn == 0 {
            p class="ok" { "None: no remediation has withdrawn a disclosure." }
        } @else {
            p class="warning" {
                strong { (view.withdrawn) " disclosures" }
                " were withdrawn by remediations (found unlawful; their disposal demanded from the recipients). The accounting lists them per request."
            }
        }
    };
    page(Some(layout), Some(Section::Oversight), "Oversight", body)
}

/// The links to the 6103(p)(3) accounting, printable and as CSV (hidden
/// when printed).
fn accounting_links() -> Markup {
    html! {
        nav aria-label="Accounting" class="no-print" {
            ul {
                li { a href=(ACCOUNTING_PAGE_PATH) { "6103(p)(3) accounting (printable)" } }
                li { a href=(ACCOUNTING_CSV_PATH) download { "6103(p)(3) accounting (CSV)" } }
            }
        }
    }
}

/// Requests received and lookups recorded per ISO week, each with a bar
/// scaled to the busiest week.
fn weekly_activity(weeks: &[WeekRow]) -> Markup {
    let max_lookups = weeks.iter().map(|w| w.lookups).max().unwrap_or(0);
    let max_requests = weeks.iter().map(|w| w.requests).max().unwrap_or(0);
    html! {
        h2 { "Lookups and requests per week" }
        @if weeks.is_empty() {
            p { "No activity recorded." }
        } @else {
            div class="scroll" {
                table class="weeks" {
                    caption { "Requests received and lookups recorded per ISO week (" (weeks.len()) " weeks)" }
                    thead {
                        tr {
                            th scope="col" { "Week" }
                            th scope="col" class="num" { "Requests" }
                            th scope="col" { span class="muted" { "Bar" } }
                            th scope="col" class="num" { "Lookups" }
                            th scope="col" { span class="muted" { "Bar" } }
                        }
                    }
                    tbody {
                        @for w in weeks {
                            tr {
                                th scope="row" { (w.week) }
                                td class="num" { (w.requests) }
                                td { (hbar(w.requests, max_requests, "bar-fill")) }
                                td class="num" { (w.lookups) }
                                td { (hbar(w.lookups, max_lookups, "bar-fill")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Answers per outcome per ISO week, with a stacked bar scaled to the week
/// with the most answers.
fn weekly_outcomes(weeks: &[WeekRow]) -> Markup {
    let max_outcomes = weeks
        .iter()
        .map(|w| {
            w.confirmed
                .saturating_add(w.not_confirmed)
                .saturating_add(w.rejected)
        })
        .max()
        .unwrap_or(0);
    html! {
        h2 { "Outcomes per week" }
        @if weeks.is_empty() {
            p { "No outcomes recorded." }
        } @else {
            p class="muted" { "Each bar shows, from the left: confirmed (green), not confirmed (grey), rejected (red). The numbers are in the columns." }
            div class="scroll" {
                table class="outcomes" {
                    caption { "Answers per outcome per ISO week" }
                    thead {
                        tr {
                            th scope="col" { "Week" }
                            th scope="col" class="num" { "Confirmed" }
                            th scope="col" class="num" { "Not confirmed" }
                            th scope="col" class="num" { "Rejected" }
                            th scope="col" { span class="muted" { "Bar" } }
                        }
                    }
                    tbody {
                        @for w in weeks {
                            tr {
                                th scope="row" { (w.week) }
                                td class="num" { (w.confirmed) }
                                td class="num" { (w.not_confirmed) }
                                td class="num" { (w.rejected) }
                                td { (outcome_bar(w.confirmed, w.not_confirmed, w.rejected, max_outcomes)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Subjects rejected per reason code over the whole period, and a warning
/// naming the codes stored responses carry that this build does not know
/// (`unrecognised`: code as stored, subjects).
fn rejection_reasons(reasons: &[ReasonCount], unrecognised: &[(String, u64)]) -> Markup {
    let reasons: Vec<(&str, u64)> = reasons.iter().map(|r| (r.code.as_str(), r.count)).collect();
    html! {
        h2 { "Rejection reasons" }
        @if reasons.is_empty() && unrecognised.is_empty() {
            p { "No subject was rejected." }
        } @else if !reasons.is_empty() {
            (count_table("Subjects rejected per reason code", "Reason code", &reasons))
        }
        @if !unrecognised.is_empty() {
            p class="warning" {
                strong { "Reason codes this version of vouch does not know" }
                " are named by stored responses; their subjects are not counted in the tables of rejection reasons: "
                @for (k, (code, n)) in unrecognised.iter().enumerate() {
                    @if k > 0 { ", " }
                    code { (code) } " " (n)
                }
                "."
            }
        }
    }
}

/// Subjects rejected per reason code per ISO week: a column for each of the
/// [`TREND_CODES_MAX`] codes most frequent overall (`reasons` is in that
/// order), and one "Other" column for the rest when any week has some.
fn rejection_trend(reasons: &[ReasonCount], reason_weeks: &[ReasonWeek]) -> Markup {
    let trend_codes: Vec<ReasonCode> = reasons
        .iter()
        .filter(|r| r.count > 0)
        .take(TREND_CODES_MAX)
        .map(|r| r.code)
        .collect();
    let has_other = reason_weeks.iter().any(|w| other_of(w, &trend_codes) > 0);
    html! {
        h2 { "Rejection reasons per week" }
        @if reason_weeks.is_empty() || trend_codes.is_empty() {
            p { "No rejections recorded." }
        } @else {
            div class="scroll" {
                table class="reason-weeks" {
                    caption {
                        "Subjects rejected per reason code per ISO week (the "
                        (trend_codes.len()) " most frequent codes"
                        @if has_other { "; other codes together" }
                        ")"
                    }
                    thead {
                        tr {
                            th scope="col" { "Week" }
                            @for c in &trend_codes {
                                th scope="col" class="num" { code { (c.as_str()) } }
                            }
                            @if has_other {
                                th scope="col" class="num" { "Other" }
                            }
                        }
                    }
                    tbody {
                        @for w in reason_weeks {
                            tr {
                                th scope="row" { (w.week) }
                                @for c in &trend_codes {
                                    td class="num" { (count_of(w, *c)) }
                                }
                                @if has_other {
                                    td class="num" { (other_of(w, &trend_codes)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Requests and subjects per signing official.
fn official_activity(officials: &[OfficialActivity]) -> Markup {
    html! {
        h2 { "Activity per requesting official" }
        @if officials.is_empty() {
            p { "No requests signed." }
        } @else {
            div class="scroll" {
                table class="officials" {
                    caption { "Requests and subjects per signing official" }
                    thead {
                        tr {
                            th scope="col" { "Signer" }
                            th scope="col" { "Agency" }
                            th scope="col" class="num" { "Requests" }
                            th scope="col" class="num" { "Subjects" }
                        }
                    }
                    tbody {
                        @for o in officials {
                            tr {
                                th scope="row" { (o.signer) }
                                td { (o.agency) }
                                td class="num" { (o.requests) }
                                td class="num" { (o.subjects) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The AI-use notifications each requesting agency has on file ("none on
/// file" for an agency without one).
fn ai_notifications(ai_notices: &[AiNotices]) -> Markup {
    html! {
        h2 { "AI-use notifications on file" }
        @if ai_notices.is_empty() {
            p { "No agencies registered." }
        } @else {
            table class="ai" {
                caption { "AI-use notifications per requesting agency" }
                thead { tr { th scope="col" { "Agency" } th scope="col" { "Notifications" } } }
                tbody {
                    @for a in ai_notices {
                        tr {
                            th scope="row" { (a.agency) }
                            td {
                                @if a.notifications.is_empty() {
                                    span class="muted" { "none on file" }
                                } @else {
                                    ul { @for n in &a.notifications { li { (n) } } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The responses past retention without a disposition certificate (from
/// [`overdue_dispositions`]), each linked to its request; a missing
/// completion time or due date reads "unknown".
fn overdue_certificates(overdue: &[OverdueDisposition]) -> Markup {
    html! {
        h2 { "Responses past retention without a disposition certificate" }
        @if overdue.is_empty() {
            p class="ok" { "None: every response past its retention date has a disposition certificate." }
        } @else {
            p class="warning" { strong { (overdue.len()) " responses" } " are past their retention date without a disposition certificate." }
            div class="scroll" {
                table class="overdue" {
                    caption { "Overdue disposition certificates" }
                    thead {
                        tr {
                            th scope="col" { "Request" }
                            th scope="col" { "Agency" }
                            th scope="col" { "Completed" }
                            th scope="col" { "Certificate due" }
                        }
                    }
                    tbody {
                        @for o in overdue {
                            tr {
                                th scope="row" { a href=(format!("/console/requests/{}", seg(&o.request_id))) { (o.request_id) } }
                                td { (o.agency) }
                                td {
                                    @if let Some(c) = o.completed_at { (when(c)) } @else { (UNKNOWN) }
                                }
                                td {
                                    @if let Some(d) = o.due { (day(d)) } @else { (UNKNOWN) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A cell a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab,
/// carriage return first) is prefixed with `'` so that it stays text.
fn cell(s: &str) -> String {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// The 6103(p)(3) accounting as CSV (RFC 4180, `\n` line ends): the
/// [`ACCOUNTING_HEADER`] row, then one row per released request. Lists
/// (signers, approving officers) are joined with `; `. Cells that a
/// spreadsheet would read as a formula are prefixed with `'`.
pub fn accounting_csv(rows: &[AccountingRow]) -> Result<String, ConsoleError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(ACCOUNTING_HEADER)?;
    for r in rows {
        w.write_record([
            cell(&r.request_id),
            cell(&r.agency),
            cell(&r.signers.join("; ")),
            r.disclosed_at.map(timestamp::format).unwrap_or_default(),
            r.subjects.to_string(),
            r.confirmed.to_string(),
            r.not_confirmed.to_string(),
            r.rejected.to_string(),
            STATUTORY_AUTHORITY.to_string(),
            cell(&r.approving_officers.join("; ")),
            cell(&r.policy_version),
            r.withdrawn.to_string(),
        ])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ConsoleError::Csv(e.error().to_string()))?;
    String::from_utf8(bytes).map_err(|e| ConsoleError::Csv(e.to_string()))
}

/// The 6103(p)(3) accounting as a printable page (print styles hide the
/// navigation and forms).
pub fn accounting_page(layout: &Layout, rows: &[AccountingRow]) -> Markup {
    let subjects = rows
        .iter()
        .map(|r| r.subjects)
        .fold(0u64, u64::saturating_add);
    let body = html! {
        p {
            "Disclosures of return information under " (STATUTORY_AUTHORITY)
            ", accounted for under 26 U.S.C. 6103(p)(3)(A). "
            (rows.len()) " requests released, " (subjects) " subjects."
        }
        p class="no-print" {
            a href=(ACCOUNTING_CSV_PATH) download { "Download as CSV" }
            " · Use your browser's print command for a paper copy."
        }
        @if rows.is_empty() {
            p class="notice" { "No disclosures to account for." }
        } @else {
            table class="accounting" {
                caption { "Accounting of disclosures (" (rows.len()) " requests)" }
                thead {
                    tr {
                        th scope="col" { "Request" }
                        th scope="col" { "Agency" }
                        th scope="col" { "Requesting officials" }
                        th scope="col" { "Date of disclosure" }
                        th scope="col" class="num" { "Subjects" }
                        th scope="col" class="num" { "Confirmed" }
                        th scope="col" class="num" { "Not confirmed" }
                        th scope="col" class="num" { "Rejected" }
                        th scope="col" { "Statutory authority" }
                        th scope="col" { "Approving officers" }
                        th scope="col" { "Policy version" }
                        th scope="col" class="num" { "Withdrawn" }
                    }
                }
                tbody {
                    @for r in rows {
                        tr {
                            th scope="row" { (r.request_id) }
                            td { (r.agency) }
                            td { (r.signers.join(", ")) }
                            td {
                                @if let Some(t) = r.disclosed_at { (when(t)) } @else { (UNKNOWN) }
                            }
                            td class="num" { (r.subjects) }
                            td class="num" { (r.confirmed) }
                            td class="num" { (r.not_confirmed) }
                            td class="num" { (r.rejected) }
                            td { (STATUTORY_AUTHORITY) }
                            td { (r.approving_officers.join(", ")) }
                            td { code { (r.policy_version) } }
                            td class="num" { (r.withdrawn) }
                        }
                    }
                }
            }
        }
    };
    page(
        Some(layout),
        Some(Section::Oversight),
        "Accounting of disclosures",
        body,
    )
}
