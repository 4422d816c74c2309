//! The receipt clock (issue 14): every window and the safeguards rule are
//! judged when vouch receives a request, whatever date its letter bears;
//! a letter dated more than 7 days before its receipt is STALE_REQUEST;
//! and an agency's batches add up over 7 days for LARGE_BATCH, so splitting
//! a batch does not avoid the second approval. Each test dates the letter
//! and sets the receipt (`VOUCH_TEST_NOW`, read by debug builds only).

mod common;
use common::*;
use std::path::Path;

/// The golden letter re-dated and renamed, then verified as received at
/// `received` with one officer's approval.
fn verify_at(
    g: &Golden,
    state: &Path,
    out: &Path,
    id: &str,
    submitted: &str,
    received: &str,
) -> std::process::Output {
    g.reseal();
    g.edit_letter(|t| {
        t.replace("GOLDEN-2025-000001", id)
            .replace("2025-06-02T14:00:00Z", submitted)
    });
    let idx = g.dir.join("index");
    let key = g.officer_key("irs-do-1");
    vouch_at(
        state,
        &[
            "verify",
            "--index",
            idx.to_str().unwrap(),
            "--request",
            g.request().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--approve-as",
            "irs-do-1",
            "--officer-key",
            key.to_str().unwrap(),
        ],
        Some(received),
    )
}

/// A fresh state, the golden request dated `submitted` and received at
/// `received`: the response's rows.
fn answered_once(tmp: &Path, submitted: &str, received: &str) -> Vec<(String, String, String)> {
    let (g, state) = golden_state(tmp);
    let out = tmp.join("r");
    ok(&verify_at(
        &g,
        &state,
        &out,
        "GOLDEN-2025-000001",
        submitted,
        received,
    ));
    rows(&out)
}

/// Whether every row is REJECTED with `code` among its reasons.
fn all_rejected_for(r: &[(String, String, String)], code: &str) -> bool {
    r.iter()
        .all(|(_, o, why)| o == "REJECTED" && why.contains(code))
}

#[test]
fn a_letter_dated_back_escapes_neither_the_probing_windows_nor_the_history() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    ok(&verify_at(
        &g,
        &state,
        &tmp.path().join("r1"),
        "GOLDEN-2025-000001",
        "2025-06-02T14:00:00Z",
        "2025-06-02T15:00:00Z",
    ));
    // The same person at another address, the letter dated three days
    // before the first request was even received.
    let p = g.request().join("subjects.csv");
    let text = std::fs::read_to_string(&p).unwrap().replace(
        "S02,Ann,,Lee,,1975-05-05,,12 Elm Street",
        "S02,Ann,,Lee,,1975-05-05,,14 Elm Street",
    );
    std::fs::write(&p, text).unwrap();
    ok(&verify_at(
        &g,
        &state,
        &tmp.path().join("r2"),
        "GOLDEN-2025-000002",
        "2025-05-30T14:00:00Z",
        "2025-06-04T09:00:00Z",
    ));
    let r2 = rows(&tmp.path().join("r2"));
    let s02 = r2.iter().find(|r| r.0 == "S02").unwrap();
    assert!(s02.2.contains("ADDRESS_PROBING"), "{s02:?}");
    assert!(s02.2.contains("REPEAT_INQUIRY"), "{s02:?}");
}

#[test]
fn a_letter_eighteen_months_old_is_stale() {
    let tmp = tempfile::tempdir().unwrap();
    let r = answered_once(tmp.path(), "2025-06-02T14:00:00Z", "2026-12-02T14:00:00Z");
    assert!(all_rejected_for(&r, "STALE_REQUEST"), "{r:?}");
}

#[test]
fn a_letter_a_week_old_passes_and_a_day_more_is_stale() {
    for (received, stale) in [
        ("2025-06-09T13:59:00Z", false),
        ("2025-06-09T14:01:00Z", true),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let r = answered_once(tmp.path(), "2025-06-02T14:00:00Z", received);
        assert_eq!(
            r.iter().any(|(_, _, why)| why.contains("STALE_REQUEST")),
            stale,
            "received {received}: {r:?}"
        );
    }
}

#[test]
fn safeguards_that_lapsed_before_receipt_are_not_revived_by_dating_the_letter_back() {
    let tmp = tempfile::tempdir().unwrap();
    // The agency's report (approved 2025-01-15) is current for three years:
    // received on 2028-02-01 it has lapsed, whatever the letter says.
    let r = answered_once(tmp.path(), "2028-01-10T09:00:00Z", "2028-02-01T09:00:00Z");
    assert!(all_rejected_for(&r, "SAFEGUARDS_NOT_CURRENT"), "{r:?}");
}

#[test]
fn splitting_a_batch_does_not_avoid_the_second_approval() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    // A policy whose large batch is 20 subjects: the golden request has 14.
    let shown = ok(&vouch(&state, &["policy", "show"]));
    let file = tmp.path().join("policy.toml");
    std::fs::write(
        &file,
        shown.replace(
            "large_batch_subjects_min = 10001",
            "large_batch_subjects_min = 20",
        ),
    )
    .unwrap();
    ok(&vouch(
        &state,
        &[
            "policy",
            "activate",
            file.to_str().unwrap(),
            "--reason",
            "a small large batch for the split-batch test",
            "--as",
            "irs-do-1",
        ],
    ));
    let first = verify_at(
        &g,
        &state,
        &tmp.path().join("r1"),
        "GOLDEN-2025-000001",
        "2025-06-02T14:00:00Z",
        "2025-06-02T15:00:00Z",
    );
    assert!(first.status.success(), "14 subjects, one approval");
    // The next 14 subjects, the next day: 28 within 7 days.
    let second = verify_at(
        &g,
        &state,
        &tmp.path().join("r2"),
        "GOLDEN-2025-000002",
        "2025-06-03T14:00:00Z",
        "2025-06-03T15:00:00Z",
    );
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success(), "pending: {err}");
    assert!(
        err.contains("1 of 2 approvals") && err.contains("LARGE_BATCH"),
        "{err}"
    );
    assert!(!tmp.path().join("r2/response.csv").exists());
    // Eight days after the first, the window has moved on.
    let third = verify_at(
        &g,
        &state,
        &tmp.path().join("r3"),
        "GOLDEN-2025-000003",
        "2025-06-11T14:00:00Z",
        "2025-06-11T15:00:00Z",
    );
    let err = String::from_utf8_lossy(&third.stderr);
    assert!(!err.contains("LARGE_BATCH"), "{err}");
}
