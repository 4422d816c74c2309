//! Incidents (issue 17): opened with the moment of discovery, reported
//! within 24 hours as HTML and JSON carrying ids, times and counts only
//! (searched here for every name, address, TIN and date of birth of the
//! test data), closed with corrective steps; overdue ones are flagged.

mod common;
use common::*;

/// Every value of the test data a report must never carry: names,
/// streets, TINs and dates of birth from the master and the subjects.
fn personal_values(g: &Golden) -> Vec<String> {
    let mut out = Vec::new();
    for (file, cols) in [
        (
            g.dir.join("master.csv"),
            &["tin", "first_name", "last_name", "dob", "street"][..],
        ),
        (
            g.request().join("subjects.csv"),
            &["first_name", "last_name", "dob", "tin", "street"][..],
        ),
    ] {
        let mut r = csv::Reader::from_path(&file).unwrap();
        let headers = r.headers().unwrap().clone();
        for row in r.records() {
            let row = row.unwrap();
            for c in cols {
                let i = headers.iter().position(|h| h == *c).unwrap();
                let v = row[i].trim();
                // Short tokens (a middle initial) would match anything.
                if v.len() >= 4 {
                    out.push(v.to_string());
                }
            }
        }
    }
    out
}

/// Whether `text` holds `value` as a whole word (case aside): MARY in a
/// name, not in SUMMARY.
fn carries(text: &str, value: &str) -> bool {
    let (t, v) = (text.to_uppercase(), value.to_uppercase());
    t.match_indices(&v).any(|(i, _)| {
        let before = t[..i].chars().next_back();
        let after = t[i + v.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[test]
fn an_incident_is_reported_with_counts_only_and_closed_with_its_steps() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    ok(&g.verify(&state, &tmp.path().join("r1")));
    let opened = ok(&vouch(
        &state,
        &[
            "incidents",
            "open",
            "--kind",
            "unauthorized-disclosure",
            "--discovered",
            &vouch_core::timestamp::format(vouch_core::timestamp::now() - time::Duration::hours(2)),
            "--summary",
            "A response file was forwarded to an agent not assigned to the case.",
            "--requests",
            "GOLDEN-2025-000001",
            "--as",
            "irs-do-1",
        ],
    ));
    let id = opened.split_whitespace().nth(1).unwrap().to_string();
    let listed = ok(&vouch(&state, &["incidents", "list"]));
    assert!(
        listed.contains(&id) && listed.contains("h left to report"),
        "{listed}"
    );
    // Closing before reporting is refused.
    let early = vouch(
        &state,
        &[
            "incidents",
            "close",
            "--id",
            &id,
            "--corrective",
            "Access revoked.",
            "--as",
            "irs-do-1",
        ],
    );
    assert!(one_line_error(&early).contains("report the incident"));
    let out = tmp.path().join("report");
    let reported = ok(&vouch(
        &state,
        &[
            "incidents",
            "report",
            "--id",
            &id,
            "--out",
            out.to_str().unwrap(),
            "--as",
            "irs-do-1",
        ],
    ));
    assert!(reported.contains("within 24 hours"), "{reported}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["affected"][0]["request_id"], "GOLDEN-2025-000001");
    assert_eq!(json["totals"]["subjects"], 14);
    assert_eq!(json["totals"]["address_confirmations"], 5);
    assert_eq!(
        json["recipients"].as_array().unwrap().len(),
        0,
        "a CLI run keeps no letter"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Address confirmations disclosed"));
    let values = personal_values(&g);
    assert!(values.len() > 40, "the search has something to look for");
    assert!(carries("X MARY, Y", "Mary") && !carries("SUMMARY", "Mary"));
    for text in [&html, &json.to_string()] {
        for v in &values {
            assert!(!carries(text, v), "the report carries {v:?}");
        }
    }
    ok(&vouch(
        &state,
        &[
            "incidents",
            "close",
            "--id",
            &id,
            "--corrective",
            "Access revoked.",
            "--corrective",
            "Recipient retrained.",
            "--as",
            "irs-do-1",
        ],
    ));
    let listed = ok(&vouch(&state, &["incidents", "list"]));
    assert!(listed.contains("closed"), "{listed}");
    // Every step is in the service audit trail.
    let store = vouch_test_support::reopen_store(
        vouch_test_support::StoreKind::Sqlite,
        &state,
        "incidents",
    );
    let trail: Vec<String> = store
        .service_audit_trail()
        .unwrap()
        .iter()
        .map(|e| e.action.as_str().to_string())
        .collect();
    for step in ["incident opened", "incident reported", "incident closed"] {
        assert!(trail.iter().any(|a| a == step), "{step}: {trail:?}");
    }
    drop(store);
    // Each step is a ledger entry the replay accepts; a writer of the
    // database who deletes the incident (to hide it) stops intake.
    ok(&vouch(&state, &["ledger", "verify"]));
    sql(
        &state,
        &[&format!(
            "DELETE FROM request_documents WHERE request_id = 'incidents' AND name = '{id}'"
        )],
    );
    g.reseal();
    g.edit_letter(|t| t.replace("GOLDEN-2025-000001", "GOLDEN-2025-000002"));
    let refused = g.verify(&state, &tmp.path().join("r2"));
    assert!(
        one_line_error(&refused).contains("missing or altered"),
        "{}",
        one_line_error(&refused)
    );
}

#[test]
fn an_incident_not_reported_within_a_day_is_overdue_and_a_summary_carries_no_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let (_g, state) = golden_state(tmp.path());
    let discovered =
        vouch_core::timestamp::format(vouch_core::timestamp::now() - time::Duration::hours(25));
    ok(&vouch(
        &state,
        &[
            "incidents",
            "open",
            "--kind",
            "loss",
            "--discovered",
            &discovered,
            "--summary",
            "A laptop holding a response was lost.",
            "--as",
            "irs-do-1",
        ],
    ));
    let listed = ok(&vouch(&state, &["incidents", "list"]));
    assert!(listed.contains("OVERDUE"), "{listed}");
    for bad in ["TIN 123456789 was sent", "born 1975-05-05", "at 12345 Main"] {
        let refused = vouch(
            &state,
            &[
                "incidents",
                "open",
                "--kind",
                "loss",
                "--discovered",
                &discovered,
                "--summary",
                bad,
                "--as",
                "irs-do-1",
            ],
        );
        assert!(one_line_error(&refused).contains("--summary"), "{bad}");
    }
    let unknown = vouch(
        &state,
        &[
            "incidents",
            "open",
            "--kind",
            "loss",
            "--discovered",
            &discovered,
            "--summary",
            "Lost.",
            "--requests",
            "NO-SUCH",
            "--as",
            "irs-do-1",
        ],
    );
    assert!(!unknown.status.success());
}
