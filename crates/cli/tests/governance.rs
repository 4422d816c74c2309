//! The probing guard, the confidential hold list and the policy file,
//! end to end through the `vouch` binary.

mod common;
use common::*;
use std::path::Path;

fn second_request(g: &Golden, id: &str, submitted: &str) {
    g.reseal();
    g.edit_letter(|t| {
        t.replace("GOLDEN-2025-000001", id)
            .replace("2025-06-02T14:00:00Z", submitted)
    });
}

#[test]
fn asking_again_about_the_same_people_is_refused_as_a_repeat_inquiry() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    ok(&g.verify(&state, &tmp.path().join("r1")));
    let first = rows(&tmp.path().join("r1"));
    second_request(&g, "GOLDEN-2025-000002", "2025-08-01T14:00:00Z");
    ok(&g.verify(&state, &tmp.path().join("r2")));
    for ((sref, o1, _), (_, o2, reasons2)) in first.iter().zip(rows(&tmp.path().join("r2"))) {
        if o1 != "REJECTED" {
            assert_eq!(o2, "REJECTED", "{sref} answered twice");
            assert!(reasons2.contains("REPEAT_INQUIRY"), "{sref}: {reasons2}");
        }
    }
}

#[test]
fn the_same_person_at_another_address_is_refused_as_probing_for_the_agency_that_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    ok(&g.verify(&state, &tmp.path().join("r1")));
    // The same agency asks about S02 at another address, with a fresh
    // A-number and the names swapped: one person all the same.
    let p = g.request().join("subjects.csv");
    let original = std::fs::read_to_string(&p).unwrap();
    let text = original.replace(
        "S02,Ann,,Lee,,1975-05-05,,12 Elm Street,Austin,TX,78702,A012345672",
        "S02,Lee,,Ann,,1975-05-05,,14 Elm Street,Austin,TX,78702,A098765432",
    );
    assert_ne!(text, original);
    std::fs::write(&p, text).unwrap();
    second_request(&g, "GOLDEN-2025-000003", "2025-08-01T14:00:00Z");
    ok(&g.verify(&state, &tmp.path().join("r2")));
    let r2 = rows(&tmp.path().join("r2"));
    let s02 = r2.iter().find(|r| r.0 == "S02").unwrap();
    assert_eq!(s02.1, "REJECTED");
    assert!(s02.2.contains("ADDRESS_PROBING"), "{s02:?}");
}

#[test]
fn another_agency_is_not_told_that_one_asked_and_the_batch_waits_for_the_disclosure_office() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    ok(&g.verify(&state, &tmp.path().join("r1")));
    // A different agency asks about S02 at another address.
    let p = g.request().join("subjects.csv");
    // (S07, another Ann Lee without a date of birth, would be one person
    // with S02 in this request now that its order is 90 days old.)
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace(
            "S02,Ann,,Lee,,1975-05-05,,12 Elm Street",
            "S02,Ann,,Lee,,1975-05-05,,14 Elm Street",
        )
        .replace("S07,Ann,,Lee,", "S07,Bob,,Lee,");
    std::fs::write(&p, text).unwrap();
    second_request(&g, "GOLDEN-2025-000003", "2025-09-01T14:00:00Z");
    ok(&vouch(
        &state,
        &[
            "agencies",
            "add",
            "--id",
            "DOJ-FBI",
            "--ssr-approved",
            "2025-01-15",
        ],
    ));
    ok(&vouch(
        &state,
        &[
            "officials",
            "add",
            "--id",
            "fbi-director",
            "--agency",
            "DOJ-FBI",
            "--role",
            "signer",
            "--public-key",
            g.dir.join("keys/signer.pub").to_str().unwrap(),
        ],
    ));
    ok(&vouch(
        &state,
        &[
            "officials",
            "add",
            "--id",
            "fbi-agent-1",
            "--agency",
            "DOJ-FBI",
            "--role",
            "recipient",
        ],
    ));
    g.edit_letter(|t| {
        t.replace("\"DHS-ICE\"", "\"DOJ-FBI\"")
            .replace("ice-director", "fbi-director")
            .replace("ice-agent-0001", "fbi-agent-1")
    });
    ok(&g.verify(&state, &tmp.path().join("r2")));
    let r2 = rows(&tmp.path().join("r2"));
    let s02 = r2.iter().find(|r| r.0 == "S02").unwrap();
    assert_ne!(
        s02.1, "REJECTED",
        "no ADDRESS_PROBING for another agency: {s02:?}"
    );
    assert_eq!(s02.1, "NOT_CONFIRMED", "{s02:?}");
    assert!(r2
        .iter()
        .all(|r| !r.2.contains("PROBING") && !r.2.contains("REPEAT")));
    let shown = ok(&vouch(
        &state,
        &["requests", "show", "--request", "GOLDEN-2025-000003"],
    ));
    assert!(shown.contains("CROSS_AGENCY_REPEAT"), "{shown}");
}

#[test]
fn refusals_depend_on_the_request_history_only_never_on_the_master_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut outcomes = Vec::new();
    for (run, master) in [
        (
            "a",
            "tin,tax_year,first_name,last_name,street,city,state,zip\n",
        ),
        ("b", ""),
    ] {
        let dir = tmp.path().join(run);
        let (g, state) = golden_state(&dir);
        if !master.is_empty() {
            // Run a: an empty master file, so nothing can ever match.
            std::fs::write(g.dir.join("master.csv"), master).unwrap();
            g.build_index(&state);
        }
        ok(&g.verify(&state, &dir.join("r1")));
        second_request(&g, "GOLDEN-2025-000002", "2025-08-01T14:00:00Z");
        ok(&g.verify(&state, &dir.join("r2")));
        let rejected = |out: &Path| -> Vec<(String, String)> {
            rows(out)
                .into_iter()
                .filter(|r| r.1 == "REJECTED")
                .map(|r| (r.0, r.2))
                .collect()
        };
        outcomes.push((rejected(&dir.join("r1")), rejected(&dir.join("r2"))));
    }
    assert_eq!(outcomes[0], outcomes[1]);
    assert!(!outcomes[0].1.is_empty());
}

#[test]
fn two_batches_checked_at_once_cannot_both_let_the_same_person_through() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    // Two copies of the request with different ids, run concurrently.
    let g2 = Golden::new(&tmp.path().join("data2"));
    g2.edit_letter(|t| t.replace("GOLDEN-2025-000001", "GOLDEN-2025-000009"));
    std::fs::create_dir_all(g2.dir.join("index")).unwrap();
    for f in std::fs::read_dir(g.dir.join("index")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), g2.dir.join("index").join(f.file_name())).unwrap();
    }
    let spawn = |gg: &Golden, out: &str| {
        let idx = gg.dir.join("index");
        std::process::Command::new(env!("CARGO_BIN_EXE_vouch"))
            .env("VOUCH_TEST_NOW", receipt_of(&gg.request()).unwrap())
            .args([
                "--state",
                state.to_str().unwrap(),
                "verify",
                "--index",
                idx.to_str().unwrap(),
                "--request",
                gg.request().to_str().unwrap(),
                "--out",
                tmp.path().join(out).to_str().unwrap(),
                "--approve-as",
                "irs-do-1",
                "--officer-key",
                gg.officer_key("irs-do-1").to_str().unwrap(),
            ])
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn(&g, "ra"), spawn(&g2, "rb"));
    assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
    let (ra, rb) = (rows(&tmp.path().join("ra")), rows(&tmp.path().join("rb")));
    let mut answered = 0;
    for (x, y) in ra.iter().zip(&rb) {
        let both = x.1 != "REJECTED" && y.1 != "REJECTED";
        assert!(!both, "{} answered in both batches", x.0);
        answered += usize::from(x.1 != "REJECTED" || y.1 != "REJECTED");
    }
    assert_eq!(answered, 8, "each person answered exactly once");
}

#[test]
fn a_held_taxpayer_is_answered_not_confirmed_and_logged_as_held_only() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    let tins = tmp.path().join("held.txt");
    std::fs::write(&tins, "123456789\n").unwrap();
    let denied = vouch(
        &state,
        &[
            "holds",
            "add",
            "--tins",
            tins.to_str().unwrap(),
            "--as",
            "ice-director",
        ],
    );
    assert!(
        !denied.status.success(),
        "only a disclosure officer manages holds"
    );
    ok(&vouch(
        &state,
        &[
            "holds",
            "add",
            "--tins",
            tins.to_str().unwrap(),
            "--as",
            "irs-do-1",
        ],
    ));
    ok(&g.verify(&state, &tmp.path().join("r")));
    let r = rows(&tmp.path().join("r"));
    assert_eq!(
        r[0],
        (
            "S01".to_string(),
            "NOT_CONFIRMED".to_string(),
            String::new()
        )
    );
    assert_eq!(r[3].1, "CONFIRMED", "others unaffected");
    let proof = ok(&vouch(
        &state,
        &[
            "ledger",
            "prove",
            "--request",
            "GOLDEN-2025-000001",
            "--subject",
            "S01",
        ],
    ));
    assert!(proof.starts_with("vouch-inclusion-proof v1"));
    // The SQLite store and its write-ahead log, byte for byte.
    let mut store_text = String::new();
    for f in ["vouch.db", "vouch.db-wal"] {
        if let Ok(b) = std::fs::read(state.join(f)) {
            store_text.push_str(&String::from_utf8_lossy(&b));
        }
    }
    assert!(!store_text.is_empty());
    assert!(
        !store_text.contains("123456789"),
        "the hold list stores no TIN"
    );
}

#[test]
fn a_policy_file_is_validated_activated_with_a_reason_and_used() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    let shown = ok(&vouch(&state, &["policy", "show"]));
    let file = tmp.path().join("policy.toml");
    std::fs::write(
        &file,
        shown.replace("order_age_days_min = 90", "order_age_days_min = 30"),
    )
    .unwrap();
    let bad = vouch(
        &state,
        &[
            "policy",
            "activate",
            file.to_str().unwrap(),
            "--reason",
            "shorter order window for tests",
            "--as",
            "irs-do-1",
        ],
    );
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        !bad.status.success() && err.contains("subject.order_age_days_min"),
        "{err}"
    );
    std::fs::write(
        &file,
        shown.replace("fanout_people_max = 4", "fanout_people_max = 3"),
    )
    .unwrap();
    let no_reason = vouch(
        &state,
        &[
            "policy",
            "activate",
            file.to_str().unwrap(),
            "--reason",
            "x",
            "--as",
            "irs-do-1",
        ],
    );
    assert!(!no_reason.status.success());
    ok(&vouch(
        &state,
        &[
            "policy",
            "activate",
            file.to_str().unwrap(),
            "--reason",
            "tighter fanout after the audit",
            "--as",
            "irs-do-1",
        ],
    ));
    let history = ok(&vouch(&state, &["policy", "history"]));
    assert!(history.contains("irs-do-1") && history.contains("tighter fanout after the audit"));
    ok(&g.verify(&state, &tmp.path().join("r")));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("r/response.json")).unwrap())
            .unwrap();
    assert_ne!(
        json["policy_version"],
        vouch_policy::PolicyConfig::defaults().version()
    );
    let explained = ok(&vouch(&state, &["policy", "explain", "ADDRESS_FANOUT"]));
    assert!(explained.contains("probing guard") && explained.contains("example"));
}

#[test]
fn a_denied_batch_is_never_looked_up() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    let pending = g.verify_as(&state, &tmp.path().join("r"), &[]);
    assert_eq!(pending.status.code(), Some(3));
    ok(&vouch(
        &state,
        &[
            "requests",
            "deny",
            "--request",
            "GOLDEN-2025-000001",
            "--as",
            "irs-do-2",
            "--officer-key",
            g.officer_key("irs-do-2").to_str().unwrap(),
            "--comment",
            "relevance statements too vague",
        ],
    ));
    let after = g.verify(&state, &tmp.path().join("r"));
    assert_eq!(after.status.code(), Some(3));
    assert!(!tmp.path().join("r").exists());
    let shown = ok(&vouch(
        &state,
        &["requests", "show", "--request", "GOLDEN-2025-000001"],
    ));
    assert!(shown.contains("denied by irs-do-2"));
    let cp = vouch(&state, &["ledger", "checkpoint"]);
    assert!(!cp.status.success(), "nothing was ever logged");
}
