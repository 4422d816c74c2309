//! Property test of policy.md "No lookup runs for a rejected subject": a
//! random subset of a synthetic request's subjects is given random sets of
//! defects (empty or placeholder first name, a non-address, a bad A-number,
//! an order 10 days old, no case number, no relevance), the request is
//! re-hashed and re-signed and run end to end, and the ledger must hold a
//! leaf for exactly the subjects answered without a reason, once each.
//!
//! It does not check what the lookups answered (the matching tests do), and
//! it uses one small data set and index for every case to stay fast.

use ed25519_dalek::Signer;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use time::macros::datetime;
use vouch_core::{Outcome, ReasonCode, Subject};
use vouch_formats::request::SUBJECT_COLUMNS;
use vouch_pipeline::{RunConfig, RunStatus};
use vouch_policy::PolicyConfig;

use vouch_test_support::OFFICER;

/// The defects a subject may be given, each with the code it must cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Defect {
    EmptyFirstName,
    FnuFirstName,
    FailedToProvideStreet,
    BadANumber,
    OrderTenDaysOld,
    EmptyCaseNumber,
    EmptyRelevance,
}

const DEFECTS: [Defect; 7] = [
    Defect::EmptyFirstName,
    Defect::FnuFirstName,
    Defect::FailedToProvideStreet,
    Defect::BadANumber,
    Defect::OrderTenDaysOld,
    Defect::EmptyCaseNumber,
    Defect::EmptyRelevance,
];

impl Defect {
    fn apply(self, s: &mut Subject) {
        match self {
            Defect::EmptyFirstName => s.first_name.clear(),
            Defect::FnuFirstName => s.first_name = "FNU".into(),
            Defect::FailedToProvideStreet => s.street = "Failed to Provide".into(),
            Defect::BadANumber => s.a_number = "A12".into(),
            // vouch_synth::SUBMITTED_AT is 2025-06-02.
            Defect::OrderTenDaysOld => s.final_order_date = "2025-05-23".into(),
            Defect::EmptyCaseNumber => s.case_number.clear(),
            Defect::EmptyRelevance => s.relevance.clear(),
        }
    }

    fn code(self) -> ReasonCode {
        match self {
            Defect::EmptyFirstName | Defect::FnuFirstName => ReasonCode::NameMissing,
            Defect::FailedToProvideStreet => ReasonCode::AddressIncomplete,
            Defect::BadANumber => ReasonCode::ANumberInvalid,
            Defect::OrderTenDaysOld => ReasonCode::OrderUnder90Days,
            Defect::EmptyCaseNumber => ReasonCode::CaseNumberMissing,
            Defect::EmptyRelevance => ReasonCode::RelevanceMissing,
        }
    }
}

/// Synthetic data and its index, built once for every case.
fn fixture(dir: &Path) {
    vouch_test_support::synth_fixture_at(dir, 400, 24, 5, vouch_synth::SUBMITTED_AT);
}

fn register(state: &Path, data: &Path) {
    vouch_test_support::register_synth(state, data);
}

fn subjects_csv(subjects: &[Subject]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(SUBJECT_COLUMNS.iter().map(|(name, _)| *name))
        .unwrap();
    for s in subjects {
        w.write_record([
            &s.subject_ref,
            &s.first_name,
            &s.middle_name,
            &s.last_name,
            &s.suffix,
            &s.dob,
            &s.tin,
            &s.street,
            &s.city,
            &s.state,
            &s.zip,
            &s.a_number,
            &s.final_order_date,
            &s.case_number,
            &s.relevance,
        ])
        .unwrap();
    }
    w.into_inner().unwrap()
}

/// Writes a request directory holding `subjects`, with the letter's hash
/// updated and the letter re-signed with the synthetic signer's key.
fn write_request(data: &Path, dir: &Path, subjects: &[Subject]) {
    std::fs::create_dir_all(dir).unwrap();
    let csv = subjects_csv(subjects);
    let letter = std::fs::read(data.join("request/request.json")).unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(&letter).unwrap();
    json["subjects_sha256"] = hex::encode(Sha256::digest(&csv)).into();
    let file = json["subjects_file"].as_str().unwrap().to_string();
    let letter = serde_json::to_vec_pretty(&json).unwrap();
    let seed = vouch_formats::keys::read_private_seed(&data.join("keys/signer.key")).unwrap();
    let sig = ed25519_dalek::SigningKey::from_bytes(&seed)
        .sign(&letter)
        .to_bytes();
    std::fs::write(dir.join(file), &csv).unwrap();
    std::fs::write(dir.join("request.json"), &letter).unwrap();
    std::fs::write(
        dir.join("request.json.sig"),
        vouch_formats::keys::encode_base64_line(&sig),
    )
    .unwrap();
}

/// Defects per subject index: a random subset of the subjects, each with a
/// random non-empty set of defects.
fn defect_plan(subjects: usize) -> impl Strategy<Value = BTreeMap<usize, Vec<Defect>>> {
    prop::collection::vec(prop::option::of(1u8..128), subjects).prop_map(|masks| {
        masks
            .into_iter()
            .enumerate()
            .filter_map(|(i, mask)| {
                let mask = mask?;
                let set = DEFECTS
                    .iter()
                    .enumerate()
                    .filter(|(bit, _)| mask & (1 << bit) != 0)
                    .map(|(_, d)| *d)
                    .collect();
                Some((i, set))
            })
            .collect()
    })
}

/// Runs one case in `case_dir` and checks the ledger against the response.
fn run_case(
    root: &Path,
    base: &[Subject],
    plan: &BTreeMap<usize, Vec<Defect>>,
    case_dir: &Path,
) -> Result<(), TestCaseError> {
    let data = root.join("data");
    let mut subjects = base.to_vec();
    for (&i, defects) in plan {
        for d in defects {
            d.apply(&mut subjects[i]);
        }
    }
    let request_dir = case_dir.join("request");
    write_request(&data, &request_dir, &subjects);
    let state = case_dir.join("state");
    register(&state, &data);
    let store = vouch_test_support::open_state(&state);
    let keys = vouch_test_support::keys_of(store.as_ref(), &state);
    let policy = PolicyConfig::defaults();
    let cfg = RunConfig {
        keys: &keys,
        request_dir: &request_dir,
        index_dir: &root.join("index"),
        out_dir: &case_dir.join("out"),
        policy: &policy,
        now: datetime!(2025-06-03 09:00 UTC),
        fault: None,
        progress: None,
    };
    let report = vouch_test_support::run_approved(store.as_ref(), &cfg, &[OFFICER]).unwrap();
    prop_assert_eq!(&report.status, &RunStatus::Completed);
    prop_assert_eq!(report.rows.len(), subjects.len());

    let ledger = store.open_ledger().unwrap();
    let leaves = ledger.leaves_for_request(&report.request_id).unwrap();
    let looked_up: Vec<String> = leaves.into_iter().map(|(_, l)| l.subject_ref).collect();
    let looked_up_set: BTreeSet<&str> = looked_up.iter().map(String::as_str).collect();
    prop_assert_eq!(
        looked_up.len(),
        looked_up_set.len(),
        "a subject looked up twice"
    );

    for (i, (s, row)) in subjects.iter().zip(&report.rows).enumerate() {
        prop_assert_eq!(&row.subject_ref, &s.subject_ref);
        let has_reasons = !row.reasons.is_empty();
        prop_assert_eq!(has_reasons, row.outcome == Outcome::Rejected);
        prop_assert_eq!(
            looked_up_set.contains(s.subject_ref.as_str()),
            !has_reasons,
            "subject {} (reasons {:?}): looked up iff it has no reason",
            &s.subject_ref,
            &row.reasons
        );
        for d in plan.get(&i).into_iter().flatten() {
            prop_assert!(
                row.reasons.contains(&d.code()),
                "subject {} with {:?} answered {:?}",
                &s.subject_ref,
                d,
                &row.reasons
            );
        }
    }
    prop_assert_eq!(
        looked_up_set.len(),
        report.rows.iter().filter(|r| r.reasons.is_empty()).count()
    );
    Ok(())
}

#[test]
fn no_subject_with_a_reason_is_ever_looked_up() {
    let root = tempfile::tempdir().unwrap();
    fixture(root.path());
    let data = root.path().join("data");
    let letter = std::fs::read(data.join("request/request.json")).unwrap();
    let letter = vouch_formats::request::parse_letter(Path::new("request.json"), &letter).unwrap();
    let base = vouch_formats::request::read_subjects(
        &data.join("request").join(&letter.subjects_file),
        &letter.subjects_sha256,
    )
    .unwrap();
    assert!(!base.is_empty());

    // With no defect injected the request gets lookups, so the property
    // below cannot pass vacuously.
    let clean = root.path().join("clean");
    run_case(root.path(), &base, &BTreeMap::new(), &clean).unwrap();
    let ledger = vouch_test_support::open_state(&clean.join("state"))
        .open_ledger()
        .unwrap();
    assert!(ledger.size() > 0, "no lookups at all in the clean request");

    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    let case = std::cell::Cell::new(0u32);
    runner
        .run(&defect_plan(base.len()), |plan| {
            case.set(case.get() + 1);
            let case_dir = root.path().join(format!("case-{}", case.get()));
            let result = run_case(root.path(), &base, &plan, &case_dir);
            // Cases are independent; drop each one's state to keep the disk small.
            let _ = std::fs::remove_dir_all(&case_dir);
            result
        })
        .unwrap();
}
