//! The requests list and one request's page.

use maud::{html, Markup};
use time::OffsetDateTime;
use vouch_core::Outcome;
use vouch_store::{AuditAction, AuditEvent, RequestRecord, RequestStatus};

use crate::chart::{count_table, running_sums, signed, waterfall};
use crate::layout::{day, page, seg, when, Layout, Section};
use crate::view::{Explanation, Progress, RequestRow, RequestView};

/// A status as people read it (`pending review`).
pub(crate) fn status_label(s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::PendingReview => "pending review",
        RequestStatus::Approved => "approved",
        RequestStatus::Logged => "logged",
        RequestStatus::Completed => "completed",
        RequestStatus::Rejected => "rejected",
        RequestStatus::Denied => "denied",
    }
}

/// The requests list: one table row per request, newest as given.
pub fn requests_list(layout: &Layout, rows: &[RequestRow]) -> Markup {
    let body = html! {
        @if rows.is_empty() {
            p class="notice" { "No requests yet." }
        } @else {
            div class="scroll" {
                table class="requests" {
                    caption { "Requests (" (rows.len()) ")" }
                    thead {
                        tr {
                            th scope="col" { "Request" }
                            th scope="col" { "Agency" }
                            th scope="col" { "Status" }
                            th scope="col" class="num" { "Subjects" }
                            th scope="col" { "Received" }
                            th scope="col" { "Updated" }
                        }
                    }
                    tbody {
                        @for r in rows {
                            tr {
                                th scope="row" { a href=(format!("/console/requests/{}", seg(&r.request_id))) { (r.request_id) } }
                                td { (r.agency) }
                                td data-status=(r.status.as_str()) { (status_label(r.status)) }
                                td class="num" { (r.subject_count) }
                                td { (when(r.received_at)) }
                                td { (when(r.updated_at)) }
                            }
                        }
                    }
                }
            }
        }
    };
    page(Some(layout), Some(Section::Requests), "Requests", body)
}

/// Where a stage of the timeline stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageState {
    /// Reached and left behind (every stage of a completed request is done).
    Done,
    /// Where the request is now.
    Current,
    /// Not reached yet.
    Upcoming,
    /// Where the request stopped (rejected or denied).
    Failed,
}

impl StageState {
    fn class(self) -> &'static str {
        match self {
            StageState::Done => "done",
            StageState::Current => "current",
            StageState::Upcoming => "upcoming",
            StageState::Failed => "failed",
        }
    }

    fn label(self) -> &'static str {
        match self {
            StageState::Done => "done",
            StageState::Current => "current",
            StageState::Upcoming => "not yet",
            StageState::Failed => "stopped here",
        }
    }
}

/// One stage of a request's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// The stage (`received`, `checked`, `pending review`, `approved`,
    /// `logged`, `completed`, `rejected`, `denied`).
    pub name: &'static str,
    /// Where it stands.
    pub state: StageState,
    /// When it was reached, from the audit trail or the record.
    pub at: Option<OffsetDateTime>,
}

/// When the latest event with `action` happened.
fn last_event(events: &[AuditEvent], action: AuditAction) -> Option<OffsetDateTime> {
    events
        .iter()
        .rev()
        .find(|e| e.action == action)
        .map(|e| e.at)
}

/// The stages of a request, from its record and audit trail:
/// received → checked → pending review → approved → logged → completed,
/// or received → checked → rejected, or … → pending review → denied.
///
/// Each moment comes from what vouch writes: the checks run when the
/// request is received, so receipt, the checks, the wait for review and a
/// rejection of the whole request all stand at the [`AuditAction::Received`]
/// event (or the record's `received_at`); approval at the latest
/// [`AuditAction::Approved`] event (or the last approval's time); logging
/// at the [`AuditAction::Logged`] event; completion at the
/// [`AuditAction::Responded`] event (or `completed_at`); a denial at the
/// [`AuditAction::Denied`] event (or the denial's time, or `updated_at`).
/// Other events (downloads, resumed runs, explanations, dispositions, a
/// refused signature) place no stage.
pub fn timeline(rec: &RequestRecord, events: &[AuditEvent]) -> Vec<Stage> {
    let received = last_event(events, AuditAction::Received).unwrap_or(rec.received_at);
    let stage = |name, state, at: Option<OffsetDateTime>| Stage { name, state, at };
    let mut out = vec![
        stage("received", StageState::Done, Some(received)),
        stage("checked", StageState::Done, Some(received)),
    ];
    if rec.status == RequestStatus::Rejected {
        out.push(stage("rejected", StageState::Failed, Some(received)));
        return out;
    }
    if rec.status == RequestStatus::Denied {
        let at = last_event(events, AuditAction::Denied)
            .or_else(|| rec.denial.as_ref().map(|d| d.at))
            .unwrap_or(rec.updated_at);
        out.push(stage("pending review", StageState::Done, Some(received)));
        out.push(stage("denied", StageState::Failed, Some(at)));
        return out;
    }
    let reached = match rec.status {
        RequestStatus::PendingReview => 2,
        RequestStatus::Approved => 3,
        RequestStatus::Logged => 4,
        // Completed; Rejected and Denied returned above.
        _ => 5,
    };
    let approved_at =
        last_event(events, AuditAction::Approved).or_else(|| rec.approvals.last().map(|a| a.at));
    let logged_at = last_event(events, AuditAction::Logged);
    let completed_at = last_event(events, AuditAction::Responded).or(rec.completed_at);
    let rest = [
        ("pending review", Some(received)),
        ("approved", approved_at),
        ("logged", logged_at),
        ("completed", completed_at),
    ];
    for (k, (name, at)) in rest.into_iter().enumerate() {
        let idx = k + 2;
        let state = if idx < reached || reached == 5 {
            StageState::Done
        } else if idx == reached {
            StageState::Current
        } else {
            StageState::Upcoming
        };
        let at = if state == StageState::Upcoming {
            None
        } else {
            at
        };
        out.push(stage(name, state, at));
    }
    out
}

/// Codes as the page lists them: their spellings, comma-separated.
pub(crate) fn spelled<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    codes.into_iter().collect::<Vec<_>>().join(", ")
}

fn explanation_block(e: &Explanation) -> Markup {
    let sums = running_sums(e.prior, &e.terms);
    let computed = sums.last().copied().unwrap_or(e.prior);
    let adds_up = (computed - e.total).abs() <= 0.005;
    let above = e.total >= e.threshold;
    html! {
        section aria-labelledby="explanation-title" {
            h3 id="explanation-title" { "Why subject " code { (e.subject_ref) } " got its answer" }
            @if let Some(o) = e.outcome {
                p { "Answer: " strong { (o.as_str()) } }
            }
            p {
                "Match weight of the best candidate: " strong { (signed(e.total)) }
                ", " (if above { "at or above" } else { "below" }) " the confirm threshold of " (signed(e.threshold)) "."
                " A CONFIRMED answer also needs exactly one compatible taxpayer at the address."
            }
            @if !adds_up {
                p class="warning" { "The terms add up to " (signed(computed)) ", not the recorded total " (signed(e.total)) "." }
            }
            (waterfall(e.prior, &e.terms, e.total, e.threshold))
            table class="explain" {
                caption { "Match weight term by term (log2 odds)" }
                thead {
                    tr {
                        th scope="col" { "Term" }
                        th scope="col" { "Level" }
                        th scope="col" class="num" { "Weight" }
                        th scope="col" class="num" { "Running sum" }
                    }
                }
                tbody {
                    tr { th scope="row" { "prior" } td { "—" } td class="num" { (signed(e.prior)) } td class="num" { (signed(e.prior)) } }
                    @for (t, s) in e.terms.iter().zip(sums.iter()) {
                        tr {
                            th scope="row" { (t.field) }
                            td { (t.level) }
                            td class="num" { (if t.weight >= 0.0 { "▲ " } else { "▼ " }) (signed(t.weight)) }
                            td class="num" { (signed(*s)) }
                        }
                    }
                    tr { th scope="row" { "total" } td { "—" } td class="num" { "—" } td class="num" { (signed(e.total)) } }
                    tr { th scope="row" { "confirm threshold" } td { "—" } td class="num" { "—" } td class="num" { (signed(e.threshold)) } }
                }
            }
        }
    }
}

/// One request's page: facts, timeline of stages, live progress while it
/// runs (`<progress id="progress" data-request data-poll>` refreshed by the
/// console script), outcome counts once completed, download links when
/// `can_download`, the "Explain one subject" form and its waterfall when
/// `can_explain`, and the audit trail.
pub fn request_page(layout: &Layout, view: &RequestView) -> Markup {
    let rec = &view.record;
    let running = matches!(rec.status, RequestStatus::Approved | RequestStatus::Logged);
    let title = format!("Request {}", rec.request_id);
    let body = html! {
        (facts(rec))
        (stage_list(&timeline(rec, &view.events)))
        @if running {
            (progress_bar(rec, view.progress))
        }
        @if rec.status == RequestStatus::Completed {
            (results(view))
        }
        @if view.can_explain {
            (explain_section(view))
        }
        (audit_trail(&view.events))
    };
    page(Some(layout), Some(Section::Requests), &title, body)
}

/// The record's facts as a description list: agency, status (the element
/// the console script updates), counts, moments, approvals so far, and the
/// request-level reasons, holds, denial, completion and disposition
/// certificate where there are any.
fn facts(rec: &RequestRecord) -> Markup {
    html! {
        dl class="facts" {
            dt { "Agency" } dd { (rec.agency) }
            dt { "Status" } dd { span id="status" aria-live="polite" data-status=(rec.status.as_str()) { (status_label(rec.status)) } }
            dt { "Subjects" } dd { (rec.subject_count) }
            dt { "Received" } dd { (when(rec.received_at)) }
            dt { "Updated" } dd { (when(rec.updated_at)) }
            dt { "Policy version" } dd { code { (rec.policy_version) } }
            dt { "Approvals" }
            dd {
                (rec.approvals.len()) " of " (rec.approvals_required) " approvals"
                @if !rec.approvals.is_empty() {
                    " ("
                    @for (k, a) in rec.approvals.iter().enumerate() {
                        @if k > 0 { ", " }
                        (a.officer)
                    }
                    ")"
                }
            }
            @if !rec.request_reasons.is_empty() {
                dt { "Request-level reasons" } dd { (spelled(rec.request_reasons.iter().map(|c| c.as_str()))) }
            }
            @if !rec.holds.is_empty() {
                dt { "Holds" } dd { (spelled(rec.holds.iter().map(|c| c.as_str()))) }
            }
            @if let Some(d) = &rec.denial {
                dt { "Denied by" } dd { (d.officer) " at " (when(d.at)) ": " (d.comment) }
            }
            @if let Some(c) = rec.completed_at {
                dt { "Completed" } dd { (when(c)) }
            }
            @if let Some(c) = rec.disposition_certified {
                dt { "Disposition certified" } dd { (day(c)) }
            }
        }
    }
}

/// The [`timeline`] as an ordered list, the current stage marked for
/// assistive technology.
fn stage_list(stages: &[Stage]) -> Markup {
    html! {
        h2 { "Stages" }
        ol class="timeline" {
            @for s in stages {
                li class=(s.state.class()) aria-current=[(s.state == StageState::Current).then_some("step")] data-stage=(s.name) {
                    strong { (s.name) }
                    " — " (s.state.label())
                    @if let Some(at) = s.at {
                        br;
                        span class="muted" { (when(at)) }
                    }
                }
            }
        }
    }
}

/// The progress bar of a running request, which the console script polls
/// at `/console/requests/{id}/status`. Without figures yet it stands at 0
/// of the record's subject count; `done` is capped at `total`.
fn progress_bar(rec: &RequestRecord, progress: Option<Progress>) -> Markup {
    let id = seg(&rec.request_id);
    let progress = progress.unwrap_or(Progress {
        done: 0,
        total: rec.subject_count,
    });
    let total = progress.total;
    let done = progress.done.min(total);
    html! {
        h2 { "Progress" }
        label for="progress" { "Subjects processed" }
        progress id="progress" value=(done) max=(total.max(1))
            data-request=(rec.request_id) data-status=(rec.status.as_str())
            data-poll=(format!("/console/requests/{id}/status")) { (done) " of " (total) }
        p id="progress-text" aria-live="polite" { (done) " of " (total) " subjects processed" }
        p class="muted" { "This page refreshes the figures every 2 seconds while scripts run; otherwise reload it." }
    }
}

/// What a completed request produced: its outcome counts when known, and
/// the link to `response.csv` when the viewer may download it.
fn results(view: &RequestView) -> Markup {
    let id = seg(&view.record.request_id);
    html! {
        @if let Some(o) = &view.outcomes {
            h2 { "Outcomes" }
            (count_table("Answers per outcome", "Outcome", &[
                (Outcome::Confirmed.as_str(), o.get(Outcome::Confirmed)),
                (Outcome::NotConfirmed.as_str(), o.get(Outcome::NotConfirmed)),
                (Outcome::Rejected.as_str(), o.get(Outcome::Rejected)),
            ]))
        }
        @if view.can_download {
            h2 { "Response" }
            ul {
                li { a href=(format!("/console/requests/{id}/response.csv")) download { "Download response.csv" } }
            }
            p class="muted" { "Every download is recorded in the request's audit trail." }
        }
    }
}

/// The "Explain one subject" form (a GET back to this page with
/// `?subject=`), the message about the last lookup, and the explanation
/// when one was found.
fn explain_section(view: &RequestView) -> Markup {
    let id = seg(&view.record.request_id);
    html! {
        h2 { "Explain one subject" }
        form method="get" action=(format!("/console/requests/{id}")) {
            label for="explain-subject" { "Subject reference" }
            input type="text" id="explain-subject" name="subject" required maxlength="200"
                value=[view.explain_subject.as_deref()] autocomplete="off" spellcheck="false";
            p { button type="submit" { "Explain" } }
        }
        @if let Some(m) = &view.explain_message {
            p class="notice" role="status" { (m) }
        }
        @if let Some(e) = &view.explanation {
            (explanation_block(e))
        }
    }
}

/// The request's audit trail, oldest first.
fn audit_trail(events: &[AuditEvent]) -> Markup {
    html! {
        h2 { "Audit trail" }
        @if events.is_empty() {
            p { "No events recorded." }
        } @else {
            div class="scroll" {
                table class="audit" {
                    caption { "Audit trail, oldest first (" (events.len()) " events)" }
                    thead {
                        tr {
                            th scope="col" { "When" }
                            th scope="col" { "Who" }
                            th scope="col" { "What" }
                            th scope="col" { "Details" }
                        }
                    }
                    tbody {
                        @for e in events {
                            tr {
                                th scope="row" { (when(e.at)) }
                                td { (e.actor) }
                                td { (e.action.as_str()) }
                                td { (e.detail) }
                            }
                        }
                    }
                }
            }
        }
    }
}
