//! What only the SQL store has: migrations, reconnection, its URLs, and
//! how it reads values it did not write (corruption is an error naming the
//! table, never a silent default). The `StateStore` contract itself is
//! `conformance.rs`.

use vouch_store::{StateStore, StoreError};
use vouch_store_sql::*;

/// The newest migration's number.
const SCHEMA_VERSION: i64 = 4;

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("state.db").display()
    )
}

async fn reconnecting_keeps_the_data_and_migrations_are_idempotent(url: &str) {
    let s = SqlStore::connect(url).await.unwrap();
    assert_eq!(s.schema_version().await.unwrap(), SCHEMA_VERSION);
    let key = s.secret("k").await.unwrap();
    s.close().await;
    let s = SqlStore::connect(url).await.unwrap();
    assert_eq!(s.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(s.secret("k").await.unwrap(), key);
    s.close().await;
}

#[tokio::test]
async fn sqlite_reconnect_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    reconnecting_keeps_the_data_and_migrations_are_idempotent(&sqlite_url(&dir)).await;
}

#[test]
fn postgres_reconnect_keeps_data() {
    let Some(base) = std::env::var("VOUCH_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("note: VOUCH_TEST_POSTGRES_URL not set; skipping the PostgreSQL run");
        return;
    };
    let name = format!("vouch_sql_reconnect_{}", std::process::id());
    let url = SqlStateStore::create_postgres_database(&base, &name).unwrap();
    tokio::runtime::Runtime::new().unwrap().block_on(
        reconnecting_keeps_the_data_and_migrations_are_idempotent(&url),
    );
}

#[tokio::test]
async fn an_unknown_url_scheme_is_refused_without_echoing_it() {
    let e = SqlStore::connect("mysql://user:secret@host/db")
        .await
        .unwrap_err();
    assert!(matches!(e, SqlStoreError::UnsupportedUrl));
    assert!(!e.to_string().contains("secret"));
}

#[test]
fn with_database_replaces_only_the_database_name() {
    assert_eq!(
        with_database("postgres://u@h:5/db?sslmode=disable", "x"),
        "postgres://u@h:5/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h:5", "x"), "postgres://u@h:5/x");
}

/// Writes one row by hand, as someone with the database file would.
async fn raw(url: &str, sql: &str) {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query(sql).execute(&mut c).await.unwrap();
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn values_the_store_did_not_write_are_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    SqlStore::connect(&url).await.unwrap().close().await;
    let cols = "request_id, agency, letter_sha256, status, subject_count, request_reasons, \
        holds, approvals_required, approvals, policy_version, received_at, updated_at";
    let row = |id: &str, reasons: &str, holds: &str, at: &str| {
        format!(
            "INSERT INTO requests ({cols}) VALUES ('{id}', 'DHS-ICE', 'ab', 'pending_review', 1, \
             '{reasons}', '{holds}', 1, '[]', 'p', '{at}', '{at}')"
        )
    };
    let t = "2026-01-01T00:00:00Z";
    raw(
        &url,
        &row("HOLD", "[]", r#"["LARGE_BATCH","SOMETHING_NEW"]"#, t),
    )
    .await;
    raw(&url, &row("REASON", r#"["NOT_A_CODE"]"#, "[]", t)).await;
    raw(&url, &row("MOMENT", "[]", "[]", "last tuesday")).await;
    raw(
        &url,
        &row("FINE", r#"["PERIODS_INVALID"]"#, r#"["LARGE_BATCH"]"#, t),
    )
    .await;
    raw(
        &url,
        "INSERT INTO audit_events (request_id, at, actor, action, detail) \
         VALUES ('FINE', '2026-01-01T00:00:00Z', 'system', 'completed', '')",
    )
    .await;
    let store = tokio::task::spawn_blocking(move || {
        let s = SqlStateStore::connect(&url, dir.path()).unwrap();
        for id in ["HOLD", "REASON", "MOMENT"] {
            match s.request(id) {
                Err(StoreError::Corrupt { table, .. }) => assert_eq!(table, "requests", "{id}"),
                other => panic!("{id}: want corruption, got {other:?}"),
            }
        }
        let fine = s.request("FINE").unwrap().unwrap();
        assert_eq!(fine.holds, vec![vouch_core::HoldCode::LargeBatch]);
        assert_eq!(
            fine.request_reasons,
            vec![vouch_core::ReasonCode::PeriodsInvalid]
        );
        // An audit action nothing writes is refused, not shown.
        assert!(matches!(
            s.audit_trail("FINE"),
            Err(StoreError::Corrupt {
                table: "audit_events",
                ..
            })
        ));
        // Listing every request fails as a whole: no partial, silent view.
        assert!(matches!(s.requests(), Err(StoreError::Corrupt { .. })));
        s
    })
    .await
    .unwrap();
    drop(store);
}
