//! Golden files of the response format: a fixed request against a fixed
//! master file must give exactly `expected/response.csv`, and a
//! `response.json` equal to `expected/response.json` once the values that
//! depend on secrets and the clock (ledger root, signatures) are masked.
//! Those masked values are then checked for what they must be instead.

mod common;
use common::*;
use serde_json::Value;

#[test]
fn golden_request_gives_the_golden_response() {
    let tmp = tempfile::tempdir().unwrap();
    let g = Golden::new(&tmp.path().join("data"));
    let state = tmp.path().join("state");
    g.register(&state);
    g.build_index(&state);
    let out = tmp.path().join("response");
    ok(&g.verify(&state, &out));

    let csv = std::fs::read_to_string(out.join("response.csv")).unwrap();
    let expected_csv = std::fs::read_to_string(golden_dir().join("expected/response.csv")).unwrap();
    assert_eq!(csv, expected_csv);

    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("response.json")).unwrap()).unwrap();
    let expected: Value = serde_json::from_slice(
        &std::fs::read(golden_dir().join("expected/response.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(mask(json.clone()), expected);
    // Versions are masked in the golden file so that it does not change with
    // every model or policy revision; they must name the ones in force.
    assert_eq!(json["model_version"], vouch_match::MODEL_VERSION);
    assert_eq!(
        json["policy_version"],
        vouch_policy::PolicyConfig::defaults().version()
    );

    // The masked values: the checkpoint is the ledger's, the statement covers
    // this CSV, and the signature verifies under the published key.
    let cp = &json["ledger_checkpoint"];
    let note = cp["signed_note"].as_str().unwrap();
    assert!(note.starts_with(&format!(
        "{}\n{}\n{}\n\n",
        cp["origin"].as_str().unwrap(),
        cp["tree_size"],
        cp["root_hash"].as_str().unwrap()
    )));
    let latest = ok(&vouch(&state, &["ledger", "checkpoint"]));
    assert_eq!(latest, note);
    let statement = json["signed_statement"].as_str().unwrap();
    use sha2::Digest;
    assert!(statement.contains(&hex::encode(sha2::Sha256::digest(csv.as_bytes()))));
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let pk: [u8; 32] = b64
        .decode(json["signature"]["public_key"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let sig: [u8; 64] = b64
        .decode(json["signature"]["value"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let key = ed25519_dalek::VerifyingKey::from_bytes(&pk).unwrap();
    key.verify_strict(
        statement.as_bytes(),
        &ed25519_dalek::Signature::from_bytes(&sig),
    )
    .unwrap();
}

fn mask(mut v: Value) -> Value {
    let cp = &mut v["ledger_checkpoint"];
    for k in ["origin", "root_hash", "signed_note"] {
        cp[k] = Value::String(format!("<{k}>"));
    }
    v["signed_statement"] = Value::String("<signed_statement>".into());
    v["model_version"] = Value::String("<model_version>".into());
    v["policy_version"] = Value::String("<policy_version>".into());
    v["signature"]["public_key"] = Value::String("<public_key>".into());
    v["signature"]["value"] = Value::String("<value>".into());
    v
}

#[test]
fn the_response_carries_nothing_from_the_master_file() {
    let tmp = tempfile::tempdir().unwrap();
    let g = Golden::new(&tmp.path().join("data"));
    let state = tmp.path().join("state");
    g.register(&state);
    g.build_index(&state);
    let out = tmp.path().join("response");
    ok(&g.verify(&state, &out));
    let mut text = std::fs::read_to_string(out.join("response.csv")).unwrap();
    // Hashes and signatures are masked first: random base64 may spell anything.
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("response.json")).unwrap()).unwrap();
    let mut json = mask(json);
    json["response_csv_sha256"] = Value::Null;
    text.push_str(&json.to_string());
    let upper = text.to_uppercase();
    // Every TIN, date of birth, street and name of the master file.
    for needle in [
        "123456789",
        "223456789",
        "912701234",
        "1980-02-03",
        "1975-05-05",
        "ELM",
        "OAK",
        "CALLE",
        "PINE",
        "GARCIA",
        "PEREZ",
        "SMITH",
        "NGUYEN",
        "LAKE SHORE",
    ] {
        assert!(
            !upper.contains(needle),
            "response contains master data: {needle}"
        );
    }
}

#[test]
fn an_index_extended_with_a_new_tax_year_answers_like_a_full_build() {
    let tmp = tempfile::tempdir().unwrap();
    let g = Golden::new(&tmp.path().join("data"));
    let state = tmp.path().join("state");
    g.register(&state);
    let master = std::fs::read_to_string(g.dir.join("master.csv")).unwrap();
    let (header, rows) = master.split_once('\n').unwrap();
    let (new, old): (Vec<&str>, Vec<&str>) = rows.lines().partition(|l| l.contains(",2024,"));
    std::fs::write(
        g.dir.join("master.csv"),
        format!("{header}\n{}\n", old.join("\n")),
    )
    .unwrap();
    let new_file = tmp.path().join("tax-year-2024.csv");
    std::fs::write(&new_file, format!("{header}\n{}\n", new.join("\n"))).unwrap();
    let idx = g.build_index(&state);
    let out = ok(&vouch(
        &state,
        &[
            "index",
            "extend",
            "--index",
            idx.to_str().unwrap(),
            "--master",
            new_file.to_str().unwrap(),
        ],
    ));
    assert!(out.contains("extended"), "{out}");
    ok(&g.verify(&state, &tmp.path().join("response")));
    let csv = std::fs::read_to_string(tmp.path().join("response/response.csv")).unwrap();
    assert_eq!(
        csv,
        std::fs::read_to_string(golden_dir().join("expected/response.csv")).unwrap()
    );
}
