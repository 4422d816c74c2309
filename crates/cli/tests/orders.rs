//! Court orders at the command line (issue 17): a halt in the request's
//! scope refuses intake (`ORDER_HALTED`, the order named in the audit
//! trail), holds an approved batch unreleased until it is lifted, and an
//! order out of scope changes nothing; putting an order on file and
//! lifting it are registry changes (two people once sealed, ledger
//! entries), and its document is kept by its SHA-256.

mod common;
use common::*;
use std::path::Path;

fn add_order(state: &Path, tmp: &Path, id: &str, scope: &str, date: &str) -> std::process::Output {
    let doc = tmp.join(format!("{id}.txt"));
    std::fs::write(
        &doc,
        format!("ORDER {id}: disclosures stayed pending appeal.\n"),
    )
    .unwrap();
    vouch(
        state,
        &[
            "orders",
            "add",
            "--id",
            id,
            "--court",
            "U.S. District Court for the District of Columbia",
            "--date",
            date,
            "--scope",
            scope,
            "--effect",
            "halt",
            "--document",
            doc.to_str().unwrap(),
            "--as",
            "irs-do-1",
        ],
    )
}

fn outcomes(out: &Path) -> Vec<(String, String)> {
    rows(out)
        .into_iter()
        .map(|(s, o, r)| (s, format!("{o} {r}")))
        .collect()
}

#[test]
fn a_halt_in_scope_refuses_intake_and_names_the_order() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    ok(&add_order(
        &state,
        tmp.path(),
        "DDC-25-cv-1234",
        "agency:DHS-ICE",
        "2025-05-01",
    ));
    let listed = ok(&vouch(&state, &["orders", "list"]));
    assert!(
        listed.contains("DDC-25-cv-1234\thalt\tagency:DHS-ICE\tfrom 2025-05-01\tIN FORCE"),
        "{listed}"
    );
    // One order per id; a scope or effect that cannot be read is refused.
    let twice = add_order(&state, tmp.path(), "DDC-25-cv-1234", "all", "2025-05-02");
    assert!(one_line_error(&twice).contains("on file already"));
    for scope in ["everyone", "agency:", "court:DDC"] {
        let bad = add_order(&state, tmp.path(), "X-1", scope, "2025-05-02");
        let err = one_line_error(&bad);
        assert!(err.contains("--scope"), "{scope}: {err}");
    }
    let out = tmp.path().join("r1");
    ok(&g.verify(&state, &out));
    for (s, o) in outcomes(&out) {
        assert!(
            o.starts_with("REJECTED") && o.contains("ORDER_HALTED"),
            "{s}: {o}"
        );
    }
    let shown = ok(&vouch(
        &state,
        &["requests", "show", "--request", "GOLDEN-2025-000001"],
    ));
    assert!(
        shown.contains("ORDER_HALTED: court order DDC-25-cv-1234"),
        "{shown}"
    );
    // The ledger replays the order's entry.
    let verified = ok(&vouch(&state, &["ledger", "verify"]));
    assert!(verified.contains("registry"), "{verified}");
    // The document comes back as filed.
    let doc = tmp.path().join("back.txt");
    ok(&vouch(
        &state,
        &[
            "orders",
            "document",
            "--id",
            "DDC-25-cv-1234",
            "--out",
            doc.to_str().unwrap(),
        ],
    ));
    assert_eq!(
        std::fs::read(&doc).unwrap(),
        std::fs::read(tmp.path().join("DDC-25-cv-1234.txt")).unwrap()
    );
}

#[test]
fn orders_out_of_scope_or_not_yet_in_force_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    ok(&add_order(
        &state,
        tmp.path(),
        "ORDER-A",
        "agency:DOJ-FBI",
        "2025-05-01",
    ));
    ok(&add_order(
        &state,
        tmp.path(),
        "ORDER-B",
        "pathway:6103(i)(1)",
        "2025-05-01",
    ));
    ok(&add_order(
        &state,
        tmp.path(),
        "ORDER-C",
        "all",
        "2025-07-01",
    ));
    let out = tmp.path().join("r1");
    ok(&g.verify(&state, &out));
    assert!(outcomes(&out)
        .iter()
        .all(|(_, o)| !o.contains("ORDER_HALTED")));
    assert!(outcomes(&out)
        .iter()
        .any(|(_, o)| o.starts_with("CONFIRMED")));
}

#[test]
fn a_halt_holds_an_approved_batch_until_it_is_lifted() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    let out = tmp.path().join("r1");
    // Received and checked before the order: it waits for its approval.
    let pending = g.verify_as(&state, &out, &[]);
    assert!(one_line_error(&pending).contains("pending_review"));
    assert!(!out.join("response.csv").exists());
    ok(&add_order(
        &state,
        tmp.path(),
        "DMA-26-cv-77",
        "all",
        "2025-06-02",
    ));
    let held = g.verify(&state, &out);
    assert!(!held.status.success());
    let err = one_line_error(&held);
    assert!(
        err.contains("court order DMA-26-cv-77") && err.contains("held unreleased"),
        "{err}"
    );
    assert!(!out.join("response.csv").exists(), "nothing released");
    let shown = ok(&vouch(
        &state,
        &["requests", "show", "--request", "GOLDEN-2025-000001"],
    ));
    assert!(shown.contains("held by court order"), "{shown}");
    // Lifting it before it takes effect, or lifting an order not on file,
    // is refused; lifted from that day, the batch resumes and completes.
    for (id, date) in [("DMA-26-cv-77", "2025-06-01"), ("NO-SUCH", "2025-06-02")] {
        let refused = vouch(
            &state,
            &[
                "orders", "lift", "--id", id, "--date", date, "--as", "irs-do-1",
            ],
        );
        assert!(!refused.status.success(), "{id} {date}");
    }
    ok(&vouch(
        &state,
        &[
            "orders",
            "lift",
            "--id",
            "DMA-26-cv-77",
            "--date",
            "2025-06-02",
            "--as",
            "irs-do-1",
        ],
    ));
    ok(&g.verify(&state, &out));
    assert!(outcomes(&out)
        .iter()
        .any(|(_, o)| o.starts_with("CONFIRMED")));
    // A second lift of the same order is refused.
    let again = vouch(
        &state,
        &[
            "orders",
            "lift",
            "--id",
            "DMA-26-cv-77",
            "--date",
            "2025-06-03",
            "--as",
            "irs-do-1",
        ],
    );
    assert!(!again.status.success());
}

#[test]
fn once_sealed_an_order_needs_a_second_administrator() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = golden_state(tmp.path());
    g.seal(&state);
    // One person alone is refused.
    let alone = add_order(&state, tmp.path(), "ORDER-S", "all", "2025-05-01");
    assert!(!alone.status.success());
    assert!(one_line_error(&alone).contains("sealed"));
    // Proposed by a disclosure officer with their key, confirmed by an administrator.
    let doc = tmp.path().join("ORDER-S.txt");
    let key = g.officer_key("irs-do-1");
    let out = ok(&vouch(
        &state,
        &[
            "orders",
            "add",
            "--id",
            "ORDER-S",
            "--court",
            "D. Mass.",
            "--date",
            "2025-05-01",
            "--scope",
            "all",
            "--effect",
            "halt",
            "--document",
            doc.to_str().unwrap(),
            "--as",
            "irs-do-1",
            "--key",
            key.to_str().unwrap(),
        ],
    ));
    let change = out.split_whitespace().nth(3).unwrap().to_string();
    let listed = ok(&vouch(&state, &["orders", "list"]));
    assert!(listed.starts_with("0 court orders"), "pending: {listed}");
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
    let listed = ok(&vouch(&state, &["orders", "list"]));
    assert!(listed.contains("ORDER-S\thalt\tall"), "{listed}");
    let r = tmp.path().join("r");
    ok(&g.verify(&state, &r));
    assert!(outcomes(&r).iter().all(|(_, o)| o.contains("ORDER_HALTED")));
}
