//! Crash and resume: a run stopped at any point after its lookups were
//! logged resumes by replaying them from the ledger, never by looking them
//! up again, and the response it writes is identical to an uninterrupted run.

use std::path::Path;
use time::macros::datetime;
use vouch_app::AppError;
use vouch_core::Outcome;
use vouch_pipeline::{Fault, PipelineError, RunConfig, RunStatus};
use vouch_policy::PolicyConfig;

use vouch_test_support::{open_state, run_approved, OFFICER};

fn fixture(dir: &Path) {
    vouch_test_support::synth_fixture_at(dir, 3_000, 200, 11, vouch_synth::SUBMITTED_AT);
}

/// A registered state with its service keys, copied from one made once
/// per test: the reference run and the crashed ones then key the probing
/// history with one secret (its truncated keyed hashes may, rarely, make a
/// lenient comparison come out differently under two secrets).
fn register(state: &Path, data: &Path) {
    let pristine = data.parent().unwrap().join("pristine-state");
    if !pristine.exists() {
        vouch_test_support::register_synth(&pristine, data);
        let store = open_state(&pristine);
        vouch_test_support::keys_of(store.as_ref(), &pristine);
        // Closed (its WAL checkpointed and removed) before it is copied.
        store.close();
    }
    vouch_test_support::copy_dir(&pristine, state);
}

fn run(
    state: &Path,
    dir: &Path,
    out: &str,
    approve: bool,
    fault: Option<Fault>,
) -> Result<vouch_pipeline::RunReport, AppError> {
    let store = open_state(state);
    let keys = vouch_test_support::keys_of(store.as_ref(), state);
    let policy = PolicyConfig::defaults();
    let approvers: &[&str] = if approve { &[OFFICER] } else { &[] };
    let cfg = RunConfig {
        keys: &keys,
        request_dir: &dir.join("data/request"),
        index_dir: &dir.join("index"),
        out_dir: &dir.join(out),
        policy: &policy,
        now: datetime!(2025-06-03 09:00 UTC),
        fault,
        progress: None,
    };
    run_approved(store.as_ref(), &cfg, approvers)
}

fn ledger_size(state: &Path) -> u64 {
    open_state(state).open_ledger().unwrap().lookups()
}

#[test]
fn a_crash_after_the_ledger_append_resumes_without_looking_up_again() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    // Reference: an uninterrupted run in its own state directory.
    let ref_state = dir.path().join("ref-state");
    register(&ref_state, &dir.path().join("data"));
    let reference = run(&ref_state, dir.path(), "ref-out", true, None).unwrap();
    let lookups = reference
        .rows
        .iter()
        .filter(|r| r.outcome != Outcome::Rejected)
        .count() as u64;
    assert!(lookups > 0);

    for fault in [Fault::AfterLedgerAppend, Fault::BeforeResponse] {
        let state = dir.path().join(format!("state-{fault:?}"));
        register(&state, &dir.path().join("data"));
        let out = format!("out-{fault:?}");
        assert!(matches!(
            run(&state, dir.path(), &out, true, Some(fault)),
            Err(AppError::Pipeline(PipelineError::InjectedFault))
        ));
        assert!(
            !dir.path().join(&out).exists(),
            "no response may exist after a crash before it"
        );
        assert_eq!(
            ledger_size(&state),
            lookups,
            "the lookups were logged before the crash"
        );

        let resumed = run(&state, dir.path(), &out, false, None).unwrap();
        assert_eq!(resumed.status, RunStatus::Completed);
        assert_eq!(
            resumed.replayed as u64, lookups,
            "every lookup replayed from the ledger"
        );
        assert_eq!(resumed.appended, 0, "nothing looked up twice");
        assert_eq!(ledger_size(&state), lookups);
        assert_eq!(resumed.rows, reference.rows);
        let csv = std::fs::read(dir.path().join(&out).join("response.csv")).unwrap();
        assert_eq!(
            csv,
            std::fs::read(dir.path().join("ref-out/response.csv")).unwrap()
        );
    }
}

#[test]
fn without_approval_nothing_is_looked_up_and_approval_later_releases_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let state = dir.path().join("state");
    register(&state, &dir.path().join("data"));
    let r = run(&state, dir.path(), "out", false, None).unwrap();
    assert!(matches!(
        r.status,
        RunStatus::PendingReview {
            approvals: 0,
            required: 1,
            ..
        }
    ));
    assert_eq!(ledger_size(&state), 0);
    assert!(!dir.path().join("out").exists());
    let r = run(&state, dir.path(), "out", true, None).unwrap();
    assert_eq!(r.status, RunStatus::Completed);
    assert!(dir.path().join("out/response.json").exists());
}

#[test]
fn running_a_completed_request_again_rewrites_the_same_answer_without_new_lookups() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let state = dir.path().join("state");
    register(&state, &dir.path().join("data"));
    let first = run(&state, dir.path(), "out", true, None).unwrap();
    let size = ledger_size(&state);
    let again = run(&state, dir.path(), "out2", false, None).unwrap();
    assert_eq!(again.rows, first.rows);
    assert_eq!(again.appended, 0);
    assert_eq!(ledger_size(&state), size);
}

#[test]
fn a_reused_request_id_with_a_different_letter_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let state = dir.path().join("state");
    register(&state, &dir.path().join("data"));
    run(&state, dir.path(), "out", true, None).unwrap();
    // Same id, different bytes (whitespace appended), re-signed.
    let req = dir.path().join("data/request");
    let mut letter = std::fs::read(req.join("request.json")).unwrap();
    letter.extend_from_slice(b" ");
    std::fs::write(req.join("request.json"), &letter).unwrap();
    let seed =
        vouch_formats::keys::read_private_seed(&dir.path().join("data/keys/signer.key")).unwrap();
    use ed25519_dalek::Signer;
    let sig = ed25519_dalek::SigningKey::from_bytes(&seed)
        .sign(&letter)
        .to_bytes();
    std::fs::write(
        req.join("request.json.sig"),
        vouch_formats::keys::encode_base64_line(&sig),
    )
    .unwrap();
    assert!(matches!(
        run(&state, dir.path(), "out3", true, None),
        Err(AppError::Pipeline(PipelineError::IdReused { .. }))
    ));
}
