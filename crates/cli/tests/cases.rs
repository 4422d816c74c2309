//! Recipients bound to their cases (issue 17): a subject whose case number
//! no recipient of the letter is assigned to is REJECTED
//! `RECIPIENT_NOT_ON_CASE`; assignments come from each recipient's `cases`
//! or, for a large batch, from the `cases_file` the signature binds.

mod common;
use common::*;
use sha2::{Digest, Sha256};

#[test]
fn a_subject_whose_case_no_recipient_works_on_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    g.edit_letter(|t| t.replace("\"HSI-2025-000105\", ", ""));
    let out = tmp.path().join("r");
    ok(&g.verify(&state, &out));
    let r = rows(&out);
    let s05 = r.iter().find(|x| x.0 == "S05").unwrap();
    assert_eq!(
        (s05.1.as_str(), s05.2.as_str()),
        ("REJECTED", "RECIPIENT_NOT_ON_CASE")
    );
    // Every other subject is judged as before.
    assert!(
        r.iter()
            .filter(|x| x.2.contains("RECIPIENT_NOT_ON_CASE"))
            .count()
            == 1
    );
}

/// Moves the letter's assignments to `cases.csv` (with `body` as its rows).
fn with_cases_file(g: &Golden, body: &str) {
    let csv = format!("recipient_id,case_number\n{body}");
    std::fs::write(g.request().join("cases.csv"), &csv).unwrap();
    let sha = hex::encode(Sha256::digest(csv.as_bytes()));
    g.edit_letter(|t| {
        let start = t.find(",\n      \"cases\": [").unwrap();
        let end = start + t[start..].find(']').unwrap() + 1;
        let t = format!("{}{}", &t[..start], &t[end..]);
        t.replace(
            "\"subjects_file\"",
            &format!(
                "\"cases_file\": \"cases.csv\", \"cases_sha256\": \"{sha}\", \"subjects_file\""
            ),
        )
    });
}

#[test]
fn a_large_batch_assigns_cases_in_a_signed_cases_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    let body: String = (101..=114)
        .filter(|n| *n != 107)
        .map(|n| format!("ice-agent-0001,HSI-2025-{n:06}\n"))
        .collect();
    with_cases_file(&g, &body);
    let out = tmp.path().join("r");
    ok(&g.verify(&state, &out));
    let r = rows(&out);
    let flagged: Vec<&str> = r
        .iter()
        .filter(|x| x.2.contains("RECIPIENT_NOT_ON_CASE"))
        .map(|x| x.0.as_str())
        .collect();
    assert_eq!(flagged, ["S07"]);
    assert!(r.iter().any(|x| x.1 == "CONFIRMED"));
}

#[test]
fn a_cases_file_naming_someone_else_or_not_the_signed_one_is_refused_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    with_cases_file(
        &g,
        "ice-agent-0001,HSI-2025-000101\nice-agent-9999,HSI-2025-000102\n",
    );
    let out = tmp.path().join("r");
    let refused = g.verify(&state, &out);
    let err = one_line_error(&refused);
    assert!(
        err.contains("cases.csv") && err.contains("line 3") && err.contains("recipient_id"),
        "{err}"
    );
    assert!(!out.exists());
    // The signed file swapped for another: refused before a row is read.
    g.reseal();
    with_cases_file(&g, "ice-agent-0001,HSI-2025-000101\n");
    std::fs::write(
        g.request().join("cases.csv"),
        "recipient_id,case_number\nice-agent-0001,X\n",
    )
    .unwrap();
    let refused = g.verify(&state, &out);
    let err = one_line_error(&refused);
    assert!(err.contains("cases.csv"), "{err}");
    assert!(!out.exists());
}

#[test]
fn a_recipients_caseload_is_counted_across_letters() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    let pad = |from: u32| -> String {
        (from..from + 130)
            .map(|n| format!("\"HSI-2025-9{n:05}\", "))
            .collect()
    };
    // 144 cases on the first letter: under the 200 of the policy.
    g.edit_letter(|t| t.replace("\"cases\": [", &format!("\"cases\": [{}", pad(0))));
    ok(&g.verify(&state, &tmp.path().join("r1")));
    let first = ok(&vouch(
        &state,
        &["requests", "show", "--request", "GOLDEN-2025-000001"],
    ));
    assert!(!first.contains("RECIPIENT_CASELOAD"), "{first}");
    // 144 more, 130 of them new, a day later: 274 over the window.
    g.reseal();
    g.edit_letter(|t| {
        t.replace("\"cases\": [", &format!("\"cases\": [{}", pad(500)))
            .replace("GOLDEN-2025-000001", "GOLDEN-2025-000002")
            .replace("2025-06-02T14:00:00Z", "2025-06-03T14:00:00Z")
    });
    let _ = g.verify(&state, &tmp.path().join("r2"));
    let second = ok(&vouch(
        &state,
        &["requests", "show", "--request", "GOLDEN-2025-000002"],
    ));
    assert!(second.contains("RECIPIENT_CASELOAD"), "{second}");
}
