//! The figures the console's pages show, computed from the records the
//! server reads from the store: pure functions, no store access.
//!
//! The server loads the records (every request, the released ones with
//! their `response.json` counts and uploader, the agencies, the registry
//! with its tokens, a request's stored checks) and calls these to fill the
//! view models.

use std::collections::BTreeMap;

use time::{Date, OffsetDateTime};
use vouch_core::{Outcome, OutcomeCounts, ReasonCode};
use vouch_store::{AgencyRecord, OfficialRecord, RequestRecord, TokenRecord};

use crate::oversight::{iso_week, overdue_dispositions};
use crate::view::{
    AccountingRow, AiNotices, OfficialActivity, OfficialRow, OfficialsView, OversightView,
    QueueItem, ReasonCount, ReasonWeek, RejectedSample, TokenRow, WeekRow,
};

/// Who the activity table names for a request uploaded without the API
/// (no `uploaded` event in its trail).
const COMMAND_LINE_UPLOADER: &str = "(command line)";

/// A completed request with its response's counts and who uploaded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Released {
    /// The request's record (status completed).
    pub record: RequestRecord,
    /// Subjects per outcome, as `response.json` states them.
    pub counts: OutcomeCounts,
    /// Rejected subjects per reason code, keyed by the code's spelling, as
    /// `response.json` states them.
    pub reason_counts: BTreeMap<String, u64>,
    /// The official whose `uploaded` event opened the request's trail;
    /// `None` for a request put in from the command line.
    pub uploader: Option<String>,
    /// Its disclosures later withdrawn (remediations in effect).
    pub withdrawn: u64,
}

/// Sorts reason counts by count, highest first, then by the code's
/// spelling.
fn by_count_then_spelling(counts: &mut [ReasonCount]) {
    counts.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.code.as_str().cmp(b.code.as_str()))
    });
}

/// Reason counts in the order of the codes' spellings.
fn by_spelling(counts: BTreeMap<ReasonCode, u64>) -> Vec<ReasonCount> {
    let mut out: Vec<ReasonCount> = counts
        .into_iter()
        .map(|(code, count)| ReasonCount { code, count })
        .collect();
    out.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    out
}

/// The oversight page's figures.
///
/// * `weeks`: one row per ISO week in which a request of `all` was
///   received (by `received_at`), oldest first, counting the requests; each
///   request of `released` adds its outcomes to the week it was received
///   in (lookups are CONFIRMED plus NOT_CONFIRMED). `released` is expected
///   to be a subset of `all`: a released request whose week has no row
///   adds no outcomes (as the server always did).
/// * `rejection_reasons`: subjects per reason code over `released`, highest
///   count first, then by the code's spelling; `reason_weeks` the same per
///   ISO week of receipt, oldest first (each week's codes by spelling).
///   A code string that [`ReasonCode::parse`] does not know (a
///   `response.json` written by another version of vouch) is counted in
///   `unrecognised_reasons` instead, by its spelling; nothing is dropped.
/// * `officials`: per (uploader, agency) of `released`, by uploader then
///   agency, the requests and their subjects; a request without an
///   uploader counts under `(command line)`.
/// * `ai_notices`: every agency, in the order given.
/// * `overdue`: [`overdue_dispositions`] of `all` with
///   `disposition_days_max` as of `today`.
pub fn oversight_view(
    all: &[RequestRecord],
    released: &[Released],
    agencies: &[AgencyRecord],
    disposition_days_max: i64,
    today: Date,
) -> OversightView {
    let mut weeks: BTreeMap<String, WeekRow> = BTreeMap::new();
    for r in all {
        let week = iso_week(r.received_at);
        let w = weeks.entry(week.clone()).or_insert_with(|| WeekRow {
            week,
            requests: 0,
            lookups: 0,
            confirmed: 0,
            not_confirmed: 0,
            rejected: 0,
        });
        w.requests += 1;
    }
    let mut reasons: BTreeMap<ReasonCode, u64> = BTreeMap::new();
    let mut reason_weeks: BTreeMap<String, BTreeMap<ReasonCode, u64>> = BTreeMap::new();
    let mut unrecognised: BTreeMap<String, u64> = BTreeMap::new();
    let mut officials: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for x in released {
        let week = iso_week(x.record.received_at);
        if let Some(w) = weeks.get_mut(&week) {
            w.confirmed += x.counts.get(Outcome::Confirmed);
            w.not_confirmed += x.counts.get(Outcome::NotConfirmed);
            w.rejected += x.counts.get(Outcome::Rejected);
            w.lookups += x.counts.lookups();
        }
        for (spelling, n) in &x.reason_counts {
            match ReasonCode::parse(spelling) {
                Some(code) => {
                    *reasons.entry(code).or_default() += n;
                    *reason_weeks
                        .entry(week.clone())
                        .or_default()
                        .entry(code)
                        .or_default() += n;
                }
                None => *unrecognised.entry(spelling.clone()).or_default() += n,
            }
        }
        let who = x
            .uploader
            .clone()
            .unwrap_or_else(|| COMMAND_LINE_UPLOADER.to_string());
        let e = officials.entry((who, x.record.agency.clone())).or_default();
        e.0 += 1;
        e.1 += x.record.subject_count;
    }
    let mut rejection_reasons = by_spelling(reasons);
    by_count_then_spelling(&mut rejection_reasons);
    OversightView {
        weeks: weeks.into_values().collect(),
        rejection_reasons,
        officials: officials
            .into_iter()
            .map(
                |((signer, agency), (requests, subjects))| OfficialActivity {
                    signer,
                    agency,
                    requests,
                    subjects,
                },
            )
            .collect(),
        ai_notices: agencies.iter().map(AiNotices::from).collect(),
        overdue: overdue_dispositions(all, disposition_days_max, today),
        reason_weeks: reason_weeks
            .into_iter()
            .map(|(week, counts)| ReasonWeek {
                week,
                counts: by_spelling(counts),
            })
            .collect(),
        unrecognised_reasons: unrecognised.into_iter().collect(),
        withdrawn: released.iter().map(|x| x.withdrawn).sum(),
    }
}

/// The 6103(p)(3) accounting: one row per released request, in the order
/// given. The requesting official is the uploader (none for a request put
/// in from the command line); the date of disclosure is `completed_at`;
/// the approving officers are the record's approvals, in order.
pub fn accounting_rows(released: &[Released]) -> Vec<AccountingRow> {
    released
        .iter()
        .map(|x| AccountingRow {
            request_id: x.record.request_id.clone(),
            agency: x.record.agency.clone(),
            signers: x.uploader.iter().cloned().collect(),
            disclosed_at: x.record.completed_at,
            subjects: x.record.subject_count,
            confirmed: x.counts.get(Outcome::Confirmed),
            not_confirmed: x.counts.get(Outcome::NotConfirmed),
            rejected: x.counts.get(Outcome::Rejected),
            approving_officers: x
                .record
                .approvals
                .iter()
                .map(|a| a.officer.clone())
                .collect(),
            policy_version: x.record.policy_version.clone(),
            withdrawn: x.withdrawn,
        })
        .collect()
}

/// One batch of the review queue: the record's facts, its subject-level
/// `rejections` per reason code (from the stored checks; listed highest
/// count first, then by the code's spelling) and a `sample` of rejected
/// subjects (reference and codes), shown as given: the caller picks which
/// and how many.
pub fn queue_item(
    rec: &RequestRecord,
    rejections: &BTreeMap<ReasonCode, u64>,
    sample: Vec<(String, Vec<ReasonCode>)>,
) -> QueueItem {
    let mut item = QueueItem::from_record(rec);
    item.rejections = rejections
        .iter()
        .map(|(&code, &count)| ReasonCount { code, count })
        .collect();
    by_count_then_spelling(&mut item.rejections);
    item.rejected_sample = sample
        .into_iter()
        .map(|(subject_ref, reasons)| RejectedSample {
            subject_ref,
            reasons,
        })
        .collect();
    item
}

/// The administrator's page: every official of `registry` with their
/// tokens, both in the order given (the store lists officials in
/// registration order and tokens oldest first). A token is live when
/// [`TokenRecord::is_live`] at `now`. No new token, no message.
pub fn officials_view(
    registry: Vec<(OfficialRecord, Vec<TokenRecord>)>,
    now: OffsetDateTime,
) -> OfficialsView {
    let officials = registry
        .into_iter()
        .map(|(record, tokens)| OfficialRow {
            record,
            tokens: tokens
                .iter()
                .map(|t| TokenRow {
                    token_id: t.id().to_string(),
                    issued_at: t.issued_at,
                    expires_at: t.expires_at,
                    revoked_at: t.revoked_at,
                    live: t.is_live(now),
                })
                .collect(),
        })
        .collect();
    OfficialsView {
        officials,
        sealed: false,
        changes: Vec::new(),
        new_token: None,
        message: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};
    use vouch_store::{Approval, RequestStatus, Role};

    fn record(id: &str, status: RequestStatus, received_at: OffsetDateTime) -> RequestRecord {
        RequestRecord {
            request_id: id.into(),
            agency: "DHS-ICE".into(),
            letter_sha256: "00".repeat(32),
            subjects_sha256: "11".repeat(32),
            status,
            subject_count: 10,
            request_reasons: vec![],
            holds: vec![],
            approvals_required: 1,
            approvals: vec![],
            policy_version: "v1".into(),
            denial: None,
            completed_at: None,
            disposition_certified: None,
            received_at,
            updated_at: received_at,
        }
    }

    fn counts(confirmed: u64, not_confirmed: u64, rejected: u64) -> OutcomeCounts {
        let mut c = OutcomeCounts::default();
        c.add(Outcome::Confirmed, confirmed);
        c.add(Outcome::NotConfirmed, not_confirmed);
        c.add(Outcome::Rejected, rejected);
        c
    }

    fn released(
        rec: &RequestRecord,
        completed_at: OffsetDateTime,
        c: OutcomeCounts,
        reasons: &[(&str, u64)],
        uploader: Option<&str>,
    ) -> Released {
        let mut record = rec.clone();
        record.completed_at = Some(completed_at);
        record.approvals = vec![Approval {
            officer: "officer-1".into(),
            at: completed_at,
            comment: "ok".into(),
            signature: None,
        }];
        Released {
            record,
            counts: c,
            reason_counts: reasons.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            uploader: uploader.map(str::to_string),
            withdrawn: 0,
        }
    }

    fn agency(id: &str, notices: &[&str]) -> AgencyRecord {
        AgencyRecord {
            id: id.into(),
            ssr_approved: date!(2025 - 01 - 01),
            ai_notifications: notices.iter().map(|n| n.to_string()).collect(),
            findings: vec![],
            registered_at: datetime!(2025-01-01 0:00 UTC),
        }
    }

    #[test]
    fn oversight_of_nothing_is_empty() {
        let v = oversight_view(&[], &[], &[], 90, date!(2026 - 06 - 01));
        assert_eq!(v, OversightView::default());
    }

    #[test]
    fn oversight_counts_weeks_reasons_officials_notices_and_overdue_dispositions() {
        // Week 2026-W01 (Thursday 1 January): two requests, one released.
        let a = record(
            "A",
            RequestStatus::Completed,
            datetime!(2026-01-01 12:00 UTC),
        );
        let b = record(
            "B",
            RequestStatus::PendingReview,
            datetime!(2026-01-02 12:00 UTC),
        );
        // Week 2026-W03: one released request, uploaded from the command line.
        let mut c = record(
            "C",
            RequestStatus::Completed,
            datetime!(2026-01-14 12:00 UTC),
        );
        c.agency = "DOJ-FBI".into();
        c.subject_count = 4;
        let rel_a = released(
            &a,
            datetime!(2026-01-02 10:00 UTC),
            counts(6, 2, 2),
            &[("REPEAT_INQUIRY", 2), ("DOB_INVALID", 1)],
            Some("signer-1"),
        );
        let rel_c = released(
            &c,
            datetime!(2026-05-20 10:00 UTC),
            counts(1, 0, 3),
            &[("DOB_INVALID", 3), ("SOMETHING_NEWER", 5)],
            None,
        );
        // Both completed and neither disposition certified.
        let all = [rel_a.record.clone(), b, rel_c.record.clone()];
        let rel = [rel_a, rel_c];
        let agencies = [
            agency("DHS-ICE", &["2026-01-05 triage model"]),
            agency("DOJ-FBI", &[]),
        ];
        let v = oversight_view(&all, &rel, &agencies, 90, date!(2026 - 06 - 01));

        let weeks: Vec<_> = v
            .weeks
            .iter()
            .map(|w| {
                (
                    w.week.as_str(),
                    w.requests,
                    w.lookups,
                    w.confirmed,
                    w.not_confirmed,
                    w.rejected,
                )
            })
            .collect();
        assert_eq!(
            weeks,
            [("2026-W01", 2, 8, 6, 2, 2), ("2026-W03", 1, 1, 1, 0, 3)]
        );
        let reasons: Vec<_> = v
            .rejection_reasons
            .iter()
            .map(|r| (r.code, r.count))
            .collect();
        assert_eq!(
            reasons,
            [(ReasonCode::DobInvalid, 4), (ReasonCode::RepeatInquiry, 2)]
        );
        let trend: Vec<_> = v
            .reason_weeks
            .iter()
            .map(|w| {
                (
                    w.week.as_str(),
                    w.counts
                        .iter()
                        .map(|c| (c.code, c.count))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            trend,
            [
                (
                    "2026-W01",
                    vec![(ReasonCode::DobInvalid, 1), (ReasonCode::RepeatInquiry, 2)]
                ),
                ("2026-W03", vec![(ReasonCode::DobInvalid, 3)]),
            ]
        );
        assert_eq!(v.unrecognised_reasons, [("SOMETHING_NEWER".to_string(), 5)]);
        let officials: Vec<_> = v
            .officials
            .iter()
            .map(|o| (o.signer.as_str(), o.agency.as_str(), o.requests, o.subjects))
            .collect();
        assert_eq!(
            officials,
            [
                ("(command line)", "DOJ-FBI", 1, 4),
                ("signer-1", "DHS-ICE", 1, 10)
            ]
        );
        assert_eq!(v.ai_notices.len(), 2);
        assert_eq!(v.ai_notices[0].notifications, ["2026-01-05 triage model"]);
        assert!(v.ai_notices[1].notifications.is_empty());
        // A completed on 2 January: due 2 April, overdue on 1 June. C
        // completed on 20 May: due in August.
        assert_eq!(v.overdue.len(), 1);
        assert_eq!(v.overdue[0].request_id, "A");
        assert_eq!(
            v.overdue[0].completed_at,
            Some(datetime!(2026-01-02 10:00 UTC))
        );
        assert_eq!(v.overdue[0].due, Some(date!(2026 - 04 - 02)));
    }

    #[test]
    fn rejection_reasons_tie_break_on_the_spelling() {
        let a = record(
            "A",
            RequestStatus::Completed,
            datetime!(2026-01-01 0:00 UTC),
        );
        let rel = [released(
            &a,
            datetime!(2026-01-01 1:00 UTC),
            counts(0, 0, 2),
            // Declared before NAME_MISSING, spelled after it.
            &[
                ("SUBMITTED_IN_FUTURE", 1),
                ("NAME_MISSING", 1),
                ("TIN_INVALID", 2),
            ],
            None,
        )];
        let v = oversight_view(
            &[rel[0].record.clone()],
            &rel,
            &[],
            90,
            date!(2026 - 01 - 02),
        );
        let codes: Vec<_> = v.rejection_reasons.iter().map(|r| r.code).collect();
        assert_eq!(
            codes,
            [
                ReasonCode::TinInvalid,
                ReasonCode::NameMissing,
                ReasonCode::SubmittedInFuture
            ]
        );
        assert!(v.overdue.is_empty());
        // A completed record without its completion time fails closed.
        let v = oversight_view(&[a], &rel, &[], 90, date!(2026 - 01 - 02));
        assert_eq!(v.overdue.len(), 1);
        assert_eq!((v.overdue[0].completed_at, v.overdue[0].due), (None, None));
    }

    #[test]
    fn accounting_lists_every_released_request() {
        assert!(accounting_rows(&[]).is_empty());
        let a = record(
            "A",
            RequestStatus::Completed,
            datetime!(2026-01-01 0:00 UTC),
        );
        let mut b = a.clone();
        b.request_id = "B".into();
        let rel = [
            released(
                &a,
                datetime!(2026-01-02 10:00 UTC),
                counts(6, 2, 2),
                &[],
                Some("signer-1"),
            ),
            released(
                &b,
                datetime!(2026-01-03 10:00 UTC),
                counts(0, 1, 9),
                &[],
                None,
            ),
        ];
        let rows = accounting_rows(&rel);
        assert_eq!(rows.len(), 2);
        let r = &rows[0];
        assert_eq!(r.request_id, "A");
        assert_eq!(r.agency, "DHS-ICE");
        assert_eq!(r.signers, ["signer-1"]);
        assert_eq!(r.disclosed_at, Some(datetime!(2026-01-02 10:00 UTC)));
        assert_eq!(r.subjects, 10);
        assert_eq!((r.confirmed, r.not_confirmed, r.rejected), (6, 2, 2));
        assert_eq!(r.approving_officers, ["officer-1"]);
        assert_eq!(r.policy_version, "v1");
        assert!(rows[1].signers.is_empty());
        assert_eq!(
            (rows[1].confirmed, rows[1].not_confirmed, rows[1].rejected),
            (0, 1, 9)
        );
    }

    #[test]
    fn a_queue_item_lists_rejections_by_count_then_spelling() {
        let mut rec = record(
            "Q",
            RequestStatus::PendingReview,
            datetime!(2026-01-01 0:00 UTC),
        );
        rec.holds = vec![vouch_core::HoldCode::LargeBatch];
        let empty = queue_item(&rec, &BTreeMap::new(), Vec::new());
        assert_eq!(empty, QueueItem::from_record(&rec));
        assert!(empty.rejections.is_empty() && empty.rejected_sample.is_empty());

        let rejections = BTreeMap::from([
            (ReasonCode::SubmittedInFuture, 2),
            (ReasonCode::NameMissing, 2),
            (ReasonCode::RepeatInquiry, 5),
        ]);
        let sample = vec![("S-1".to_string(), vec![ReasonCode::RepeatInquiry])];
        let item = queue_item(&rec, &rejections, sample);
        let got: Vec<_> = item.rejections.iter().map(|r| (r.code, r.count)).collect();
        assert_eq!(
            got,
            [
                (ReasonCode::RepeatInquiry, 5),
                (ReasonCode::NameMissing, 2),
                (ReasonCode::SubmittedInFuture, 2)
            ]
        );
        assert_eq!(
            item.rejected_sample,
            [RejectedSample {
                subject_ref: "S-1".into(),
                reasons: vec![ReasonCode::RepeatInquiry]
            }]
        );
        assert_eq!(item.holds, [vouch_core::HoldCode::LargeBatch]);
        assert_eq!(item.received_at, rec.received_at);
    }

    #[test]
    fn officials_carry_their_tokens_and_whether_each_is_live() {
        assert_eq!(
            officials_view(Vec::new(), datetime!(2026-01-01 0:00 UTC)),
            OfficialsView::default()
        );
        let now = datetime!(2026-03-01 0:00 UTC);
        let official = OfficialRecord {
            id: "auditor-1".into(),
            agency: "IRS".into(),
            role: Role::Auditor,
            public_key: None,
            registered_at: datetime!(2026-01-01 0:00 UTC),
        };
        let token = |n: u8, expires_at, revoked_at| TokenRecord {
            sha256: format!("{n:02x}").repeat(32),
            official: "auditor-1".into(),
            issued_at: datetime!(2026-01-01 0:00 UTC),
            issued_by: "admin-1".into(),
            expires_at,
            revoked_at,
        };
        let tokens = vec![
            token(1, Some(datetime!(2026-04-01 0:00 UTC)), None),
            token(2, Some(now), None),
            token(3, None, Some(datetime!(2026-02-01 0:00 UTC))),
            token(4, None, None),
        ];
        let v = officials_view(vec![(official.clone(), tokens)], now);
        assert_eq!(v.officials.len(), 1);
        assert_eq!(v.officials[0].record, official);
        let rows: Vec<_> = v.officials[0]
            .tokens
            .iter()
            .map(|t| (t.token_id.as_str(), t.live))
            .collect();
        assert_eq!(
            rows,
            [
                ("0101010101010101", true),
                ("0202020202020202", false),
                ("0303030303030303", false),
                ("0404040404040404", true)
            ]
        );
        let t = &v.officials[0].tokens[2];
        assert_eq!(t.issued_at, datetime!(2026-01-01 0:00 UTC));
        assert_eq!(t.revoked_at, Some(datetime!(2026-02-01 0:00 UTC)));
        assert_eq!(
            v.officials[0].tokens[0].expires_at,
            Some(datetime!(2026-04-01 0:00 UTC))
        );
        assert!(v.new_token.is_none() && v.message.is_none());
    }
}
