//! A service restarted while a batch was approved but unfinished resumes it
//! from the ledger: the response appears and no lookup is made twice.

use std::path::Path;
use time::OffsetDateTime;
use vouch_pipeline::{run_request, Fault, PipelineError, RunConfig};
use vouch_server::{AppState, ServerConfig};
use vouch_store::RequestStatus;
use vouch_test_support::{
    open_store, register_synth_in, reopen_store, synth_fixture, StoreKind, OFFICER,
};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in std::fs::read_dir(from).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
    }
}

async fn a_restarted_service_finishes_an_interrupted_batch_without_looking_up_again(
    kind: StoreKind,
) {
    const TEST: &str = "restart_resumes";
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let state = dir.join("state");
    let Some(store) = open_store(kind, &state, TEST) else {
        return;
    };
    synth_fixture(dir, 2_000, 40, 11);
    register_synth_in(store.as_ref(), &dir.join("data"));
    let request_id = vouch_synth::request_id(11, 40);
    let upload = state.join("uploads").join(&request_id);
    copy_dir(&dir.join("data/request"), &upload);

    // The first run crashes after its lookups were logged, before the response.
    let size_after_crash = {
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
            progress: None,
        };
        assert!(matches!(
            run_request(store.as_ref(), &cfg),
            Err(PipelineError::InjectedFault)
        ));
        assert_eq!(
            store.request(&request_id).unwrap().unwrap().status,
            RequestStatus::Logged
        );
        store.open_ledger().unwrap().size()
    };
    drop(store);
    assert!(size_after_crash > 0);

    let (app_state, _) = AppState::open(
        reopen_store(kind, &state, TEST),
        &dir.join("index"),
        ServerConfig::default(),
    )
    .unwrap();
    assert_eq!(app_state.resume_interrupted().await.unwrap(), 1);
    app_state.wait_idle().await;
    drop(app_state);

    let store = reopen_store(kind, &state, TEST);
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
        store.open_ledger().unwrap().size(),
        size_after_crash,
        "nothing looked up twice"
    );
    let trail = store.audit_trail(&request_id).unwrap();
    assert!(trail.iter().any(|e| e.action == "resumed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_on_the_file_store() {
    a_restarted_service_finishes_an_interrupted_batch_without_looking_up_again(StoreKind::Files)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_on_sqlite() {
    a_restarted_service_finishes_an_interrupted_batch_without_looking_up_again(StoreKind::Sqlite)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_on_postgres() {
    a_restarted_service_finishes_an_interrupted_batch_without_looking_up_again(StoreKind::Postgres)
        .await
}
