//! The review queue: batches waiting for a disclosure officer.

use maud::{html, Markup};
use vouch_core::ReasonCode;
use vouch_store::Role;

use crate::chart::count_table;
use crate::layout::{page, seg, when, Layout, Section};
use crate::request::spelled;
use crate::view::QueueItem;

/// The reason codes of the probing guard, counted apart on the queue.
pub const PROBING_CODES: [ReasonCode; 4] = [
    ReasonCode::RepeatInquiry,
    ReasonCode::AddressProbing,
    ReasonCode::AddressFanout,
    ReasonCode::DuplicateSubject,
];

/// Longest comment accepted by the approve and deny forms (characters, as
/// HTML counts them: UTF-16 code units). A third of the service's
/// `TEXT_FIELD_BYTES_MAX` (4096 bytes), since a code unit may take 3 bytes of
/// UTF-8: every comment the form lets through is one the service accepts
/// (asserted in vouch-server, which sees both limits).
pub const COMMENT_MAX: usize = 1365;

/// Why the viewer may not approve, or deny, one batch.
struct Blocks {
    approve: Option<String>,
    deny: Option<String>,
}

fn blocks(layout: &Layout, item: &QueueItem) -> Blocks {
    if layout.role != Role::DisclosureOfficer {
        let why = "Only a disclosure officer can release or deny a batch.".to_string();
        return Blocks {
            approve: Some(why.clone()),
            deny: Some(why),
        };
    }
    if layout.agency == item.agency {
        let why = format!(
            "You act for {}, the requesting agency: separation of duties keeps you from deciding its batch.",
            item.agency
        );
        return Blocks {
            approve: Some(why.clone()),
            deny: Some(why),
        };
    }
    let approve = item
        .approvals
        .iter()
        .any(|a| a.officer == layout.official_id)
        .then(|| {
            "You approved this batch already; the next approval must come from another officer."
                .to_string()
        });
    Blocks {
        approve,
        deny: None,
    }
}

/// Probing-guard hits of one batch: (code, count) for each of [`PROBING_CODES`].
fn probing_hits(item: &QueueItem) -> Vec<(ReasonCode, u64)> {
    PROBING_CODES
        .into_iter()
        .map(|code| {
            let n = item
                .rejections
                .iter()
                .filter(|r| r.code == code)
                .map(|r| r.count)
                .fold(0u64, u64::saturating_add);
            (code, n)
        })
        .collect()
}

fn decision_form(
    i: usize,
    item: &QueueItem,
    csrf: &str,
    kind: &str,
    label: &str,
    blocked: Option<&str>,
) -> Markup {
    let field = format!("{kind}-comment-{i}");
    let why = format!("{kind}-why-{i}");
    let action = format!("/console/requests/{}/sign", seg(&item.request_id));
    let class = if kind == "deny" { "danger" } else { "" };
    html! {
        form method="post" action=(action) class=(format!("decision {kind}")) {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="decision" value=(kind);
            label for=(field) { "Comment for " (label.to_lowercase()) " (required)" }
            textarea id=(field) name="comment" required maxlength=(COMMENT_MAX) rows="3"
                disabled[blocked.is_some()] aria-describedby=[blocked.map(|_| why.as_str())] {}
            p {
                button type="submit" class=(class) disabled[blocked.is_some()]
                    aria-describedby=[blocked.map(|_| why.as_str())] { (label) }
            }
            @if let Some(b) = blocked {
                p class="why" id=(why) { (b) }
            }
        }
    }
}

fn queue_item(i: usize, layout: &Layout, item: &QueueItem) -> Markup {
    let b = blocks(layout, item);
    let given = item.approvals.len();
    let hits = probing_hits(item);
    let hits_total = hits.iter().map(|h| h.1).fold(0u64, u64::saturating_add);
    let title_id = format!("item-{i}-title");
    let rejections: Vec<(&str, u64)> = item
        .rejections
        .iter()
        .map(|r| (r.code.as_str(), r.count))
        .collect();
    html! {
        section class="queue-item" aria-labelledby=(title_id) data-request=(item.request_id) {
            h2 id=(title_id) {
                "Request " a href=(format!("/console/requests/{}", seg(&item.request_id))) { code { (item.request_id) } }
            }
            dl class="facts" {
                dt { "Agency" } dd { (item.agency) }
                dt { "Subjects" } dd { (item.subject_count) }
                dt { "Received" } dd { (when(item.received_at)) }
                dt { "Policy version" } dd { code { (item.policy_version) } }
                dt { "Holds" }
                dd {
                    @if item.holds.is_empty() { "none" } @else { (spelled(item.holds.iter().map(|h| h.as_str()))) }
                }
                dt { "Approvals" }
                dd class="approvals" {
                    strong { (given) " of " (item.approvals_required) " approvals" }
                    @if !item.approvals.is_empty() {
                        " (approved by "
                        @for (k, a) in item.approvals.iter().enumerate() {
                            @if k > 0 { ", " }
                            (a.officer) " at " (when(a.at))
                        }
                        ")"
                    }
                }
            }
            @if item.rejections.is_empty() {
                p { "No subject was rejected by the checks." }
            } @else {
                (count_table(&format!("Subjects rejected per reason code, request {}", item.request_id), "Reason code", &rejections))
            }
            p class=(if hits_total > 0 { "warning" } else { "muted" }) {
                strong { "Probing guard: " (hits_total) " hits" }
                " ("
                @for (k, (code, n)) in hits.iter().enumerate() {
                    @if k > 0 { ", " }
                    code { (code.as_str()) } " " (n)
                }
                ")"
            }
            @if !item.rejected_sample.is_empty() {
                table class="sample" {
                    caption { "Sample of rejected subjects (" (item.rejected_sample.len()) ")" }
                    thead { tr { th scope="col" { "Subject reference" } th scope="col" { "Reason codes" } } }
                    tbody {
                        @for s in &item.rejected_sample {
                            tr { th scope="row" { (s.subject_ref) } td { (spelled(s.reasons.iter().map(|r| r.as_str()))) } }
                        }
                    }
                }
            }
            div class="decisions" {
                (decision_form(i, item, &layout.csrf, "approve", "Approve", b.approve.as_deref()))
                (decision_form(i, item, &layout.csrf, "deny", "Deny", b.deny.as_deref()))
            }
        }
    }
}

/// The review queue: one panel per batch waiting for approval, with its
/// approvals (two-person rule), rejections per reason code, probing-guard
/// hits, a sample of rejected subjects, and Approve / Deny forms that each
/// require a comment. The forms carry `layout.csrf`. A button the viewer may
/// not use is disabled with the reason next to it.
pub fn review_queue(layout: &Layout, items: &[QueueItem]) -> Markup {
    let body = html! {
        @if items.is_empty() {
            p class="notice" { "Nothing waits for review." }
        } @else {
            p { (items.len()) " batches wait for review. Each needs its approvals from distinct disclosure officers outside the requesting agency." }
            @for (i, item) in items.iter().enumerate() {
                (queue_item(i, layout, item))
            }
        }
    };
    page(
        Some(layout),
        Some(Section::ReviewQueue),
        "Review queue",
        body,
    )
}
