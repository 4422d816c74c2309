//! What only the SQL store has: migrations, reconnection, its URLs, and
//! how it reads values it did not write (corruption is an error naming the
//! table, never a silent default). The `StateStore` contract itself is
//! `conformance.rs`.

use vouch_store::{StateStore, StoreError};
use vouch_store_sql::*;

/// The newest migration's number.
const SCHEMA_VERSION: i64 = 10;

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("state.db").display()
    )
}

async fn reconnecting_keeps_the_data_and_migrations_are_idempotent(url: &str) {
    let s = SqlStore::connect(url).await.unwrap();
    assert_eq!(s.schema_version().await.unwrap(), SCHEMA_VERSION);
    s.put_document_part("R", "d", 1, 0, b"kept").await.unwrap();
    s.commit_document(
        "R",
        "d",
        DocumentHead {
            version: 1,
            parts: 1,
            bytes_total: 4,
        },
    )
    .await
    .unwrap();
    s.close().await;
    let s = SqlStore::connect(url).await.unwrap();
    assert_eq!(s.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(s.document_part("R", "d", 1, 0).await.unwrap(), b"kept");
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
    assert!(matches!(
        e,
        StoreError::Invalid {
            field: "database url",
            ..
        }
    ));
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

#[tokio::test(flavor = "multi_thread")]
async fn documents_kept_whole_before_version_5_are_read_after_the_migration() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    // A store at version 4, with a document kept the old way.
    {
        let mut m = sqlx::migrate!("./migrations/sqlite");
        m.migrations = std::borrow::Cow::Owned(m.migrations[..4].to_vec());
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        m.run(&mut c).await.unwrap();
        sqlx::query(
            "INSERT INTO request_blobs (request_id, name, bytes) VALUES ('R1', 'checks.csv', $1)",
        )
        .bind(&b"subject_ref,reasons\nS1,\n"[..])
        .execute(&mut c)
        .await
        .unwrap();
        c.close().await.unwrap();
    }
    let (url2, path) = (url.clone(), dir.path().to_path_buf());
    tokio::task::spawn_blocking(move || {
        let s = SqlStateStore::connect(&url2, &path).unwrap();
        assert_eq!(
            s.request_blob("R1", "checks.csv").unwrap().unwrap(),
            b"subject_ref,reasons\nS1,\n"
        );
        // Replacing it drops the old part.
        s.put_request_blob("R1", "checks.csv", b"new").unwrap();
        assert_eq!(s.request_blob("R1", "checks.csv").unwrap().unwrap(), b"new");
    })
    .await
    .unwrap();
    raw(&url, "DELETE FROM request_document_parts WHERE version = 0").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_with_a_part_missing_or_cut_short_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let path = dir.path().to_path_buf();
    let u = url.clone();
    tokio::task::spawn_blocking(move || {
        let s = SqlStateStore::connect(&u, &path).unwrap();
        let doc = vec![5u8; PART_BYTES * 2 + 1];
        s.put_request_blob("R1", "a", &doc).unwrap();
        s.put_request_blob("R1", "b", &doc).unwrap();
    })
    .await
    .unwrap();
    raw(
        &url,
        "DELETE FROM request_document_parts WHERE name = 'a' AND part = 1",
    )
    .await;
    raw(
        &url,
        "UPDATE request_document_parts SET bytes = x'' WHERE name = 'b' AND part = 2",
    )
    .await;
    let path = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let s = SqlStateStore::connect(&url, &path).unwrap();
        for name in ["a", "b"] {
            assert!(
                matches!(
                    s.request_blob("R1", name),
                    Err(StoreError::Corrupt {
                        table: "request_document_parts",
                        ..
                    })
                ),
                "{name}"
            );
        }
    })
    .await
    .unwrap();
}
