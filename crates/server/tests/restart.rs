//! A service restarted while a batch was approved but unfinished resumes it
//! from the ledger: the response appears and no lookup is made twice.

use std::path::Path;
use time::OffsetDateTime;
use vouch_ledger::Ledger;
use vouch_pipeline::{run_request, Fault, PipelineError, RunConfig};
use vouch_server::{AppState, ServerConfig};
use vouch_store::{FileStore, RequestStatus};
use vouch_test_support::{register_synth, synth_fixture, OFFICER};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in std::fs::read_dir(from).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_service_finishes_an_interrupted_batch_without_looking_up_again() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    synth_fixture(dir, 2_000, 40, 11);
    let state = dir.join("state");
    register_synth(&state, &dir.join("data"));
    let request_id = vouch_synth::request_id(11, 40);
    let upload = state.join("uploads").join(&request_id);
    copy_dir(&dir.join("data/request"), &upload);

    // The first run crashes after its lookups were logged, before the response.
    let size_after_crash = {
        let store = FileStore::open(&state).unwrap();
        let policy = vouch_policy::PolicyConfig::defaults();
        let approvers = vec![OFFICER.to_string()];
        let cfg = RunConfig {
            request_dir: &upload,
            index_dir: &dir.join("index"),
            out_dir: &state.join("responses").join(&request_id),
            approvers: &approvers,
            policy: &policy,
            now: OffsetDateTime::now_utc(),
            fault: Some(Fault::BeforeResponse),
        };
        assert!(matches!(
            run_request(&store, &cfg),
            Err(PipelineError::InjectedFault)
        ));
        assert_eq!(
            store.request(&request_id).unwrap().unwrap().status,
            RequestStatus::Logged
        );
        Ledger::open_dir(&store.ledger_dir()).unwrap().size()
    };
    assert!(size_after_crash > 0);

    let (app_state, _) =
        AppState::open(&state, &dir.join("index"), ServerConfig::default()).unwrap();
    assert_eq!(app_state.resume_interrupted().await.unwrap(), 1);
    app_state.wait_idle().await;
    drop(app_state);

    let store = FileStore::open(&state).unwrap();
    assert_eq!(
        store.request(&request_id).unwrap().unwrap().status,
        RequestStatus::Completed
    );
    assert!(state
        .join("responses")
        .join(&request_id)
        .join("response.csv")
        .exists());
    assert_eq!(
        Ledger::open_dir(&store.ledger_dir()).unwrap().size(),
        size_after_crash,
        "nothing looked up twice"
    );
    let trail = store.audit_trail(&request_id).unwrap();
    assert!(trail.iter().any(|e| e.action == "resumed"));
}
