//! synth → index → verify on generated data, scored against truth.csv.
//! Precision has no slack: a single false confirmation fails.

mod common;
use common::*;
use std::collections::HashMap;

#[test]
fn synth_index_verify_round_trip_meets_the_accuracy_floors() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let state = tmp.path().join("state");
    ok(&vouch(
        &state,
        &[
            "synth",
            "--master",
            "20000",
            "--subjects",
            "1500",
            "--seed",
            "42",
            "--out",
            data.to_str().unwrap(),
        ],
    ));
    ok(&vouch(&state, &["keys", "init"]));
    ok(&vouch(
        &state,
        &[
            "agencies",
            "add",
            "--id",
            "DHS-ICE",
            "--ssr-approved",
            "2025-01-15",
        ],
    ));
    let key = data.join("keys/signer.pub");
    ok(&vouch(
        &state,
        &[
            "officials",
            "add",
            "--id",
            "ice-director",
            "--agency",
            "DHS-ICE",
            "--role",
            "signer",
            "--public-key",
            key.to_str().unwrap(),
        ],
    ));
    for r in ["ice-agent-0001", "ice-agent-0002", "ice-agent-0003"] {
        ok(&vouch(
            &state,
            &[
                "officials",
                "add",
                "--id",
                r,
                "--agency",
                "DHS-ICE",
                "--role",
                "recipient",
            ],
        ));
    }
    let keys = tmp.path().join("officer-keys");
    let officer_key = vouch_test_support::officer_key_file(&keys, "irs-do-1");
    let officer_pub = keys.join("irs-do-1.pub");
    std::fs::write(
        &officer_pub,
        b64line(
            vouch_test_support::officer_key("irs-do-1")
                .verifying_key()
                .as_bytes(),
        ),
    )
    .unwrap();
    ok(&vouch(
        &state,
        &[
            "officials",
            "add",
            "--id",
            "irs-do-1",
            "--agency",
            "IRS",
            "--role",
            "disclosure-officer",
            "--public-key",
            officer_pub.to_str().unwrap(),
        ],
    ));
    let idx = tmp.path().join("index");
    ok(&vouch(
        &state,
        &[
            "index",
            "build",
            "--master",
            data.join("master.csv").to_str().unwrap(),
            "--out",
            idx.to_str().unwrap(),
        ],
    ));
    let out = tmp.path().join("response");
    ok(&vouch(
        &state,
        &[
            "verify",
            "--index",
            idx.to_str().unwrap(),
            "--request",
            data.join("request").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--approve-as",
            "irs-do-1",
            "--officer-key",
            officer_key.to_str().unwrap(),
        ],
    ));

    let truth: HashMap<String, (String, String)> = csv::Reader::from_path(data.join("truth.csv"))
        .unwrap()
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[0].to_string(),
                (r[2].to_string(), r.get(5).unwrap_or("").to_string()),
            )
        })
        .collect();
    let (mut tp, mut fp, mut confirmable, mut rejected_ok, mut rejected_want, mut rows) =
        (0, 0, 0, 0, 0, 0);
    let mut guard_refused = 0u32;
    for r in csv::Reader::from_path(out.join("response.csv"))
        .unwrap()
        .records()
    {
        let r = r.unwrap();
        rows += 1;
        let (expected, reasons) = &truth[&r[0]];
        match (expected.as_str(), &r[1]) {
            ("CONFIRMED", "CONFIRMED") => tp += 1,
            (_, "CONFIRMED") => fp += 1,
            _ => {}
        }
        // The probing guard refuses every copy of one person asked about
        // twice in a batch (a name without a date of birth is one person
        // with every ask of that name): synth's truth does not model it, so
        // the matcher's recall is over the subjects the guard let through,
        // and the guard's refusals are counted apart.
        if expected == "CONFIRMED" && &r[1] == "REJECTED" && &r[2] == "DUPLICATE_SUBJECT" {
            guard_refused += 1;
            continue;
        }
        confirmable += (expected == "CONFIRMED") as u32;
        if expected == "REJECTED" {
            rejected_want += 1;
            let mut got: Vec<&str> = r[2].split(';').collect();
            let mut want: Vec<&str> = reasons.split(';').collect();
            got.sort();
            want.sort();
            rejected_ok += (&r[1] == "REJECTED" && got == want) as u32;
        }
    }
    assert_eq!(rows, truth.len());
    assert_eq!(fp, 0, "false confirmations");
    eprintln!("the probing guard refused {guard_refused} subjects synth expected confirmed");
    let recall = tp as f64 / confirmable as f64;
    assert!(
        confirmable > 300 && recall >= RECALL_FLOOR,
        "recall {recall:.3} ({tp} of {confirmable})"
    );
    assert_eq!(
        rejected_ok, rejected_want,
        "every expected rejection, with exactly its reason codes"
    );
}

/// The matcher's floor on this data set: measured 0.979 (730 of 746) with
/// `fs-1`; the exact matcher of the foundation reached about 0.78.
/// 0.95 before the probing guard's identity (issue 14): without a date of
/// birth on file that agrees, surname typos that change its sound and
/// reordered surnames are no longer confirmed on the name alone.
const RECALL_FLOOR: f64 = 0.93;

#[test]
fn model_training_saves_only_a_model_that_passes_the_evaluation_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let state = tmp.path().join("state");
    ok(&vouch(
        &state,
        &[
            "synth",
            "--master",
            "5000",
            "--subjects",
            "400",
            "--seed",
            "9",
            "--out",
            data.to_str().unwrap(),
        ],
    ));
    let idx = tmp.path().join("index");
    ok(&vouch(
        &state,
        &[
            "index",
            "build",
            "--master",
            data.join("master.csv").to_str().unwrap(),
            "--out",
            idx.to_str().unwrap(),
        ],
    ));
    let model_before = std::fs::read(idx.join("model.json")).unwrap();
    // A truth file that calls every subject NOT_CONFIRMED makes every
    // confirmation false: the gate must refuse and save nothing.
    let truth = std::fs::read_to_string(data.join("truth.csv")).unwrap();
    let lying: String = truth
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                format!("{}\n", l.replacen(",CONFIRMED,", ",NOT_CONFIRMED,", 1))
            }
        })
        .collect();
    let lying_path = tmp.path().join("lying.csv");
    std::fs::write(&lying_path, lying).unwrap();
    let req = data.join("request");
    let refused = vouch(
        &state,
        &[
            "model",
            "train",
            "--index",
            idx.to_str().unwrap(),
            "--request",
            req.to_str().unwrap(),
            "--eval-truth",
            lying_path.to_str().unwrap(),
        ],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("above the policy's ceiling"));
    assert_eq!(
        std::fs::read(idx.join("model.json")).unwrap(),
        model_before,
        "nothing saved"
    );
    assert!(!idx.join("model-evaluation.json").exists());
    // The honest truth passes, and the trained model is what the index now shows.
    let out = ok(&vouch(
        &state,
        &[
            "model",
            "train",
            "--index",
            idx.to_str().unwrap(),
            "--request",
            req.to_str().unwrap(),
            "--eval-truth",
            data.join("truth.csv").to_str().unwrap(),
        ],
    ));
    assert!(out.contains(" 0 false"), "{out}");
    let shown = ok(&vouch(
        &state,
        &["model", "show", "--index", idx.to_str().unwrap()],
    ));
    assert!(shown.starts_with("model fs-1+"), "{shown}");
    let eval: serde_json::Value =
        serde_json::from_slice(&std::fs::read(idx.join("model-evaluation.json")).unwrap()).unwrap();
    assert_eq!(eval["false_confirmations"], 0);
}

/// The evaluation gate on the noisy generator: synth keys noise into the
/// taxpayer file (street typos, wrong ZIP digits, letters in ZIPs, lost
/// house numbers and units, returns without a date of birth) as well as
/// into the requests, and a trained model must still pass the policy's
/// ceiling with no false confirmation, and confirm most confirmable
/// subjects.
#[test]
fn the_evaluation_gate_holds_on_the_noisy_generator() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let state = tmp.path().join("state");
    ok(&vouch(
        &state,
        &[
            "synth",
            "--master",
            "30000",
            "--subjects",
            "3000",
            "--seed",
            "16",
            "--out",
            data.to_str().unwrap(),
        ],
    ));
    let truth = std::fs::read_to_string(data.join("truth.csv")).unwrap();
    let noisy = |kind: &str| truth.lines().filter(|l| l.contains(kind)).count();
    for kind in [
        "return_street_typo",
        "return_zip_digit",
        "return_zip_malformed",
        "return_house_missing",
        "typo_street",
    ] {
        assert!(noisy(kind) > 0, "the generator keyed no {kind}");
    }
    let idx = tmp.path().join("index");
    ok(&vouch(
        &state,
        &[
            "index",
            "build",
            "--master",
            data.join("master.csv").to_str().unwrap(),
            "--out",
            idx.to_str().unwrap(),
        ],
    ));
    let out = ok(&vouch(
        &state,
        &[
            "model",
            "train",
            "--index",
            idx.to_str().unwrap(),
            "--request",
            data.join("request").to_str().unwrap(),
            "--eval-truth",
            data.join("truth.csv").to_str().unwrap(),
        ],
    ));
    assert!(out.contains(" 0 false"), "{out}");
    let eval: serde_json::Value =
        serde_json::from_slice(&std::fs::read(idx.join("model-evaluation.json")).unwrap()).unwrap();
    assert_eq!(eval["false_confirmations"], 0);
    let (confirmations, missed) = (
        eval["confirmations"].as_u64().unwrap(),
        eval["missed"].as_u64().unwrap(),
    );
    // Misses include the name variants no date of birth backs, which
    // vouch refuses by design (issue 16: they need more evidence).
    assert!(
        confirmations as f64 >= 0.9 * (confirmations + missed) as f64,
        "{confirmations} confirmed, {missed} missed"
    );
}
