//! A service restarted while a batch was approved but unfinished resumes it
//! from the ledger: the response appears and no lookup is made twice; and a
//! service that shuts down has released the store (its connections and its
//! writer lock) by the time it returns, so the next one starts at once.

use std::path::Path;
use std::time::Duration;
use time::OffsetDateTime;
use vouch_app::AppError;
use vouch_pipeline::{Fault, PipelineError, RunConfig};
use vouch_server::{serve_on, AppState, ServerConfig};
use vouch_store::{AuditAction, RequestStatus};
use vouch_test_support::{
    open_store, register_synth_in, reopen_store, run_approved, synth_fixture, StoreKind, OFFICER,
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
    let keys = vouch_test_support::keys_of(store.as_ref(), &state);
    let request_id = vouch_synth::request_id(11, 40);
    let upload = state.join("uploads").join(&request_id);
    copy_dir(&dir.join("data/request"), &upload);

    // The first run crashes after its lookups were logged, before the response.
    let size_after_crash = {
        let policy = vouch_policy::PolicyConfig::defaults();
        let cfg = RunConfig {
            keys: &keys,
            request_dir: &upload,
            index_dir: &dir.join("index"),
            out_dir: &state.join("responses").join(&request_id),
            policy: &policy,
            now: OffsetDateTime::now_utc(),
            fault: Some(Fault::BeforeResponse),
            progress: None,
        };
        assert!(matches!(
            run_approved(store.as_ref(), &cfg, &[OFFICER]),
            Err(AppError::Pipeline(PipelineError::InjectedFault))
        ));
        assert_eq!(
            store.request(&request_id).unwrap().unwrap().status,
            RequestStatus::Logged
        );
        store.open_ledger().unwrap().lookups()
    };
    drop(store);
    assert!(size_after_crash > 0);

    // The service, served for real on a socket, until told to stop.
    let (app_state, _) = AppState::open(
        reopen_store(kind, &state, TEST),
        keys,
        &dir.join("index"),
        ServerConfig::default(),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(serve_on(listener, app_state.clone(), None, async move {
        let _ = stopped.await;
    }));
    assert_eq!(app_state.resume_interrupted().await.unwrap(), 1);
    app_state.wait_idle().await;
    stop.send(()).unwrap();
    served.await.unwrap().unwrap();
    // Shut down: the handle the service kept is closed...
    assert!(matches!(
        app_state.store_for_tests().requests(),
        Err(vouch_store::StoreError::Closed)
    ));
    drop(app_state);
    // ...and nothing it held is held any more: another handle takes the
    // writer lock at once (it would wait for ever behind a leaked guard).
    let store = reopen_store(kind, &state, TEST);
    let (took, took_rx) = std::sync::mpsc::channel();
    let probe = reopen_store(kind, &state, TEST);
    std::thread::spawn(move || {
        let guard = probe.writer_lock();
        let _ = took.send(guard.is_ok());
    });
    assert_eq!(
        took_rx.recv_timeout(Duration::from_secs(30)),
        Ok(true),
        "the writer lock is free after shutdown"
    );

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
        store.open_ledger().unwrap().lookups(),
        size_after_crash,
        "nothing looked up twice"
    );
    let trail = store.audit_trail(&request_id).unwrap();
    assert!(trail.iter().any(|e| e.action == AuditAction::Resumed));
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
