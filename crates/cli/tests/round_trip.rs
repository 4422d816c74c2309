//! synth → index → verify on generated data, scored against truth.csv. The
//! floors are what the foundation's exact matcher reaches (see
//! BENCHMARKS.md); precision has no slack: a false confirmation fails.

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

/// The exact matcher's floor on this data set (measured: see BENCHMARKS.md).
const RECALL_FLOOR: f64 = 0.60;
