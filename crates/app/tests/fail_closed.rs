//! Where a secret or a guard is involved, vouch fails closed: a store
//! writer who removes the hold list or the probing history, or the secrets
//! of an earlier version, halts the batch; nothing is looked up past a
//! guard that could not be read, and no key is made in place of one.

use time::macros::datetime;
use vouch_app::{App, AppError, KeyName, ServiceKeys};
use vouch_pipeline::{RunConfig, RunStatus};
use vouch_policy::PolicyConfig;
use vouch_store::StateStore;
use vouch_test_support::{
    keys_of, open_state, register_synth_in, run_approved, synth_fixture_at, OFFICER,
};

/// Runs one statement on the SQLite database of `state`, as a writer of
/// the database file would.
fn raw(state: &std::path::Path, sql: &str) {
    use sqlx::Connection;
    let url = format!("sqlite://{}", state.join("vouch.db").display());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        });
}

fn run(
    dir: &std::path::Path,
    store: &dyn StateStore,
    keys: &ServiceKeys,
) -> Result<RunStatus, AppError> {
    let policy = PolicyConfig::defaults();
    let cfg = RunConfig {
        keys,
        request_dir: &dir.join("data/request"),
        index_dir: &dir.join("index"),
        out_dir: &dir.join("out"),
        policy: &policy,
        now: datetime!(2025-06-03 09:00 UTC),
        fault: None,
        progress: None,
    };
    run_approved(store, &cfg, &[OFFICER]).map(|r| r.status)
}

#[test]
fn a_hold_list_or_probing_history_that_cannot_be_read_halts_the_batch_before_any_lookup() {
    for (table, what) in [("holds", "hold list"), ("probe_log", "probing history")] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        synth_fixture_at(dir, 2_000, 20, 11, vouch_synth::SUBMITTED_AT);
        let state = dir.join("state");
        let store = open_state(&state);
        register_synth_in(store.as_ref(), &dir.join("data"));
        let keys = keys_of(store.as_ref(), &state);
        raw(&state, &format!("DROP TABLE {table}"));
        let e = run(dir, store.as_ref(), &keys).expect_err(what);
        assert!(e.to_string().contains("state database"), "{what}: {e}");
        assert_eq!(
            store.open_ledger().unwrap().lookups(),
            0,
            "{what}: nothing looked up"
        );
        assert!(!dir.join("out").exists(), "{what}: no response");
    }
}

#[test]
fn keys_init_carries_an_earlier_versions_secrets_out_of_the_store_and_deletes_them() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let store = open_state(&state);
    // An earlier version kept its TIN key in the store.
    raw(
        &state,
        "INSERT INTO secrets (name, bytes) VALUES ('tin-hmac.key', x'0707070707070707070707070707070707070707070707070707070707070707')",
    );
    assert_eq!(store.legacy_secret("tin-hmac.key").unwrap(), Some([7; 32]));
    let dir = state.join("keys");
    let made = App::new(store.as_ref()).init_keys(&dir).unwrap();
    let carried: Vec<KeyName> = made
        .iter()
        .filter(|(_, m)| *m == vouch_keys::Made::CarriedOver)
        .map(|(k, _)| *k)
        .collect();
    assert_eq!(carried, [KeyName::TinHmac]);
    let keys = ServiceKeys::load(&dir).unwrap();
    assert_eq!(keys.tin_hmac(), &[7; 32], "the hold list still matches");
    assert_eq!(
        store.legacy_secret("tin-hmac.key").unwrap(),
        None,
        "out of the store"
    );
    // And the keys are the store's now.
    App::with_keys(store.as_ref(), &keys).unwrap();
    // A store with no keys registered refuses keys from elsewhere.
    let other = tempfile::tempdir().unwrap();
    let fresh = open_state(other.path());
    assert!(matches!(
        App::with_keys(fresh.as_ref(), &keys),
        Err(AppError::Keys(_))
    ));
}
