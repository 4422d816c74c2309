//! Remediation (issue 17, part 4): a reassessment under a stricter policy
//! finds exactly the disclosures it would have refused; a remediation
//! withdraws them (a ledger entry), its open state refuses the agency's
//! new requests (`SAFEGUARDS_NOT_CURRENT`) until the disposal is
//! certified, and the disposal demand carries subject references only.

mod common;
use common::*;

#[test]
fn a_reassessment_finds_what_a_stricter_policy_refuses_and_a_remediation_runs_to_certified_disposal(
) {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    let out = tmp.path().join("r1");
    ok(&g.verify(&state, &out));
    let looked_up: Vec<String> = rows(&out)
        .into_iter()
        .filter(|r| r.1 != "REJECTED")
        .map(|r| r.0)
        .collect();
    assert_eq!(looked_up.len(), 8);
    // A policy requiring final orders a year old: every subject looked up
    // had an order of 2024-11-01, seven months before the letter.
    let active = ok(&vouch(&state, &["policy", "show"]));
    let strict = active.replace("order_age_days_min = 90", "order_age_days_min = 365");
    assert_ne!(strict, active);
    let policy = tmp.path().join("strict.toml");
    std::fs::write(&policy, &strict).unwrap();
    // Without the request's documents, it is skipped, not guessed at.
    let skipped = ok(&vouch(
        &state,
        &[
            "requests",
            "reassess",
            "--policy",
            policy.to_str().unwrap(),
            "--as",
            "irs-do-1",
        ],
    ));
    assert!(skipped.contains("skipped GOLDEN-2025-000001"), "{skipped}");
    let listed = ok(&vouch(
        &state,
        &[
            "requests",
            "reassess",
            "--policy",
            policy.to_str().unwrap(),
            "--request-dir",
            g.request().to_str().unwrap(),
            "--as",
            "irs-do-1",
        ],
    ));
    assert!(
        listed.contains("8 disclosures, 8 the policy would have refused"),
        "{listed}"
    );
    assert!(listed.contains("ORDER_UNDER_90_DAYS\t8"), "{listed}");
    for s in &looked_up {
        assert!(
            listed.contains(&format!("GOLDEN-2025-000001\t{s}\t")),
            "{s}: {listed}"
        );
    }
    let reassessment = listed.split_whitespace().nth(1).unwrap().to_string();
    // The active policy itself refuses none of them.
    let same = tmp.path().join("same.toml");
    std::fs::write(&same, &active).unwrap();
    let none = ok(&vouch(
        &state,
        &[
            "requests",
            "reassess",
            "--policy",
            same.to_str().unwrap(),
            "--request-dir",
            g.request().to_str().unwrap(),
            "--as",
            "irs-do-1",
        ],
    ));
    assert!(none.contains(", 0 the policy would have refused"), "{none}");

    let opened = ok(&vouch(
        &state,
        &[
            "remediation",
            "open",
            "--from-reassessment",
            &reassessment,
            "--reason",
            "Final orders under a year old: found unlawful by the court.",
            "--as",
            "irs-do-1",
        ],
    ));
    let id = opened
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches(':')
        .to_string();
    assert!(opened.contains("8 disclosures"), "{opened}");
    let demand = tmp.path().join("demand.json");
    ok(&vouch(
        &state,
        &[
            "remediation",
            "demand",
            "--id",
            &id,
            "--recipient",
            "ice-agent-0001",
            "--out",
            demand.to_str().unwrap(),
            "--request-dir",
            g.request().to_str().unwrap(),
        ],
    ));
    let d: serde_json::Value = serde_json::from_slice(&std::fs::read(&demand).unwrap()).unwrap();
    let refs: Vec<&str> = d["requests"]["GOLDEN-2025-000001"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(refs.len(), 8, "{d}");
    let text = std::fs::read_to_string(&demand).unwrap();
    for v in ["Lee", "Elm", "1975", "Main"] {
        assert!(!text.contains(v), "the demand carries {v}");
    }
    // Open: the agency's next request is refused SAFEGUARDS_NOT_CURRENT.
    g.reseal();
    let lately = vouch_core::timestamp::format_seconds(
        vouch_core::timestamp::now() - time::Duration::hours(2),
    );
    g.edit_letter(|t| {
        t.replace("GOLDEN-2025-000001", "GOLDEN-2025-000002")
            .replace("2025-06-02T14:00:00Z", &lately)
    });
    let r2 = tmp.path().join("r2");
    ok(&g.verify(&state, &r2));
    assert!(rows(&r2)
        .iter()
        .all(|r| r.2.contains("SAFEGUARDS_NOT_CURRENT")));
    let listed = ok(&vouch(&state, &["remediation", "list"]));
    assert!(
        listed.contains("withdrawn (logged)") && listed.contains("OPEN"),
        "{listed}"
    );
    // Acknowledged, then certified destroyed: done, and the agency is current again.
    let today = vouch_core::timestamp::format_date(vouch_core::timestamp::now().date());
    ok(&vouch(
        &state,
        &[
            "remediation",
            "acknowledge",
            "--id",
            &id,
            "--recipient",
            "ice-agent-0001",
            "--date",
            &today,
            "--as",
            "irs-do-1",
        ],
    ));
    ok(&vouch(
        &state,
        &[
            "requests",
            "dispose",
            "--request",
            "GOLDEN-2025-000001",
            "--certified",
            &today,
            "--as",
            "irs-do-1",
        ],
    ));
    let listed = ok(&vouch(&state, &["remediation", "list"]));
    assert!(listed.contains("certified disposed of"), "{listed}");
    assert!(listed.contains("1 acknowledged"), "{listed}");
    // The withdrawal is a ledger entry the replay accepts.
    ok(&vouch(&state, &["ledger", "verify"]));
    // Certified: the agency's safeguards are current again, for a letter
    // signed since the day of the certificate (two hours ago may be
    // yesterday: that letter is refused, rightly).
    let now = vouch_core::timestamp::now();
    let since = vouch_core::timestamp::format_seconds(
        (now - time::Duration::hours(2)).max(now.replace_time(time::Time::MIDNIGHT)),
    );
    let third = |id: &str| {
        g.reseal();
        g.edit_letter(|t| {
            t.replace("GOLDEN-2025-000001", id)
                .replace("2025-06-02T14:00:00Z", &since)
        });
    };
    third("GOLDEN-2025-000003");
    let r3 = tmp.path().join("r3");
    ok(&g.verify(&state, &r3));
    assert!(rows(&r3)
        .iter()
        .all(|r| !r.2.contains("SAFEGUARDS_NOT_CURRENT")));
    // A store writer who deletes the remediation (to clear an agency)
    // stops intake: the ledger logs a withdrawal the store no longer holds.
    sql(
        &state,
        &["DELETE FROM request_documents WHERE request_id = 'remediations'"],
    );
    third("GOLDEN-2025-000004");
    let refused = g.verify(&state, &tmp.path().join("r4"));
    assert!(
        one_line_error(&refused).contains("missing or altered"),
        "{}",
        one_line_error(&refused)
    );
}

#[test]
fn a_reassessment_under_a_stricter_address_rule_finds_exactly_the_boxes() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    // Two subjects asked at post office boxes (looked up: lawful under the
    // policy in force).
    let p = g.request().join("subjects.csv");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("500 West 5th Street,Chicago", "PO Box 500,Chicago")
        .replace("88 Pine Road,Houston", "P.O. Box 88,Houston");
    std::fs::write(&p, text).unwrap();
    g.reseal();
    let out = tmp.path().join("r1");
    ok(&g.verify(&state, &out));
    let answered: Vec<(String, String)> = rows(&out).into_iter().map(|r| (r.0, r.1)).collect();
    for s in ["S09", "S11"] {
        assert!(
            answered.iter().any(|(r, o)| r == s && o != "REJECTED"),
            "{s} looked up"
        );
    }
    let active = ok(&vouch(&state, &["policy", "show"]));
    let strict = active.replace(
        "order_age_days_min = 90",
        "order_age_days_min = 90\nresidence_required = true",
    );
    assert_ne!(strict, active);
    let policy = tmp.path().join("strict.toml");
    std::fs::write(&policy, strict).unwrap();
    let listed = ok(&vouch(
        &state,
        &[
            "requests",
            "reassess",
            "--policy",
            policy.to_str().unwrap(),
            "--request-dir",
            g.request().to_str().unwrap(),
            "--as",
            "irs-do-1",
        ],
    ));
    let refusable: Vec<&str> = listed
        .lines()
        .filter(|l| l.starts_with("  GOLDEN-2025-000001\t"))
        .collect();
    assert_eq!(
        refusable,
        [
            "  GOLDEN-2025-000001\tS09\tADDRESS_INCOMPLETE",
            "  GOLDEN-2025-000001\tS11\tADDRESS_INCOMPLETE"
        ],
        "{listed}"
    );
    assert!(listed.contains("ADDRESS_INCOMPLETE\t2"), "{listed}");
}

#[test]
fn once_sealed_a_remediation_needs_a_second_administrator_and_a_refusal_keeps_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    ok(&g.verify(&state, &tmp.path().join("r1")));
    g.seal(&state);
    let args = [
        "remediation",
        "open",
        "--requests",
        "GOLDEN-2025-000001",
        "--reason",
        "Found unlawful by the court.",
        "--as",
        "irs-do-1",
    ];
    let alone = vouch(&state, &args);
    assert!(one_line_error(&alone).contains("sealed"));
    assert!(ok(&vouch(&state, &["remediation", "list"])).starts_with("0 remediations"));
    // Proposed with the officer's key: kept, not in effect, the agency
    // still current; confirmed by an administrator: in effect.
    let key = g.officer_key("irs-do-1");
    let mut signed = args.to_vec();
    signed.extend(["--key", key.to_str().unwrap()]);
    let out = ok(&vouch(&state, &signed));
    let change = out.split_whitespace().nth(3).unwrap().to_string();
    let listed = ok(&vouch(&state, &["remediation", "list"]));
    assert!(
        listed.contains("waits for a second administrator") && listed.contains("not in effect"),
        "{listed}"
    );
    let key2 = g.officer_key("irs-admin-2");
    ok(&vouch(
        &state,
        &[
            "registry",
            "confirm",
            &change,
            "--as",
            "irs-admin-2",
            "--key",
            key2.to_str().unwrap(),
        ],
    ));
    let listed = ok(&vouch(&state, &["remediation", "list"]));
    assert!(
        listed.contains("withdrawn (logged)") && listed.contains("OPEN"),
        "{listed}"
    );
}
