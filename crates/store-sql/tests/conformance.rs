//! The conformance suite of the SQL store, written once and run against
//! every backend: SQLite (a temporary file) always, PostgreSQL when
//! `VOUCH_TEST_POSTGRES_URL` names a server (each test gets its own
//! throwaway database there, dropped afterwards). It does not test the
//! file store; it checks the SQL store keeps the file store's contract.

use std::collections::BTreeSet;
use vouch_core::probe::ProbeRecord;
use vouch_store_sql::*;

fn agency(id: &str) -> AgencyRecord {
    AgencyRecord {
        id: id.into(),
        ssr_approved: "2025-01-01".into(),
        ai_notifications: vec![],
        findings: vec![],
        registered_at: "2025-01-01T00:00:00Z".into(),
    }
}

fn official(id: &str, agency: &str, role: Role, key: bool) -> OfficialRecord {
    OfficialRecord {
        id: id.into(),
        agency: agency.into(),
        role,
        public_key: key.then(|| "AAAA".into()),
        registered_at: "2025-01-01T00:00:00Z".into(),
    }
}

fn request(id: &str, received_at: &str) -> RequestRecord {
    RequestRecord {
        request_id: id.into(),
        agency: "DHS-ICE".into(),
        letter_sha256: "ab".repeat(32),
        status: RequestStatus::PendingReview,
        subject_count: 1_000_000,
        request_reasons: vec![],
        holds: vec!["volume".into()],
        approvals_required: 2,
        approvals: vec![],
        policy_version: "2025.1".into(),
        denial: None,
        completed_at: None,
        disposition_certified: None,
        received_at: received_at.into(),
        updated_at: received_at.into(),
    }
}

fn probe(i: u32) -> ProbeRecord {
    let b = i.to_be_bytes();
    let key = |tag: u8| {
        let mut k = [tag; 16];
        k[12..].copy_from_slice(&b);
        k
    };
    ProbeRecord {
        person: key(1),
        address: key(2),
        agency: key(3),
        request: key(4),
        day: 2_460_000 + (i % 400) as i32,
        kind: (i % 2) as u8,
    }
}

fn activation(version: &str) -> PolicyActivation {
    PolicyActivation {
        at: "2025-02-01T00:00:00Z".into(),
        officer: "do1".into(),
        reason: "annual review".into(),
        version: version.into(),
        sha256: "cd".repeat(32),
    }
}

async fn registry_round_trips_and_refuses_duplicates(s: &SqlStore) {
    assert_eq!(s.schema_version().await.unwrap(), 4);
    s.add_agency(agency("DHS-ICE")).await.unwrap();
    s.add_agency(agency("SSA")).await.unwrap();
    assert!(matches!(
        s.add_agency(agency("DHS-ICE")).await,
        Err(SqlStoreError::Exists { what: "agency", .. })
    ));
    let mut a = agency("DHS-ICE");
    a.ai_notifications = vec!["2025-03-01 model card".into()];
    a.findings = vec![Finding {
        id: "F-1".into(),
        opened: "2025-01-02".into(),
        plan: Some("CAP".into()),
        closed: None,
    }];
    s.update_agency(a.clone()).await.unwrap();
    assert_eq!(s.agency("DHS-ICE").await.unwrap(), Some(a.clone()));
    assert_eq!(s.agency("NOPE").await.unwrap(), None);
    assert_eq!(s.agencies().await.unwrap(), vec![a, agency("SSA")]);
    assert!(matches!(
        s.update_agency(agency("NOPE")).await,
        Err(SqlStoreError::NotFound { what: "agency", .. })
    ));
    let dir = official("dir", "DHS-ICE", Role::Signer, true);
    let do1 = official("do1", HOME_AGENCY, Role::DisclosureOfficer, false);
    s.add_official(dir.clone()).await.unwrap();
    s.add_official(do1.clone()).await.unwrap();
    assert!(matches!(
        s.add_official(dir.clone()).await,
        Err(SqlStoreError::Exists {
            what: "official",
            ..
        })
    ));
    assert_eq!(s.official("dir").await.unwrap(), Some(dir.clone()));
    assert_eq!(s.official("nobody").await.unwrap(), None);
    assert_eq!(s.officials().await.unwrap(), vec![dir, do1]);
}

async fn officials_need_a_registered_agency_and_a_fitting_role(s: &SqlStore) {
    assert!(matches!(
        s.add_official(official("a", "NOPE", Role::Recipient, false))
            .await,
        Err(SqlStoreError::NotFound { what: "agency", .. })
    ));
    s.add_agency(agency("DHS-ICE")).await.unwrap();
    let refused = [
        official("b", "DHS-ICE", Role::DisclosureOfficer, false),
        official("c", HOME_AGENCY, Role::Signer, true),
        official("d", "DHS-ICE", Role::Signer, false),
    ];
    for o in refused {
        assert!(matches!(
            s.add_official(o).await,
            Err(SqlStoreError::Invalid { .. })
        ));
    }
    assert_eq!(s.officials().await.unwrap(), vec![]);
    s.add_official(official("r", "DHS-ICE", Role::Recipient, false))
        .await
        .unwrap();
    assert_eq!(s.officials().await.unwrap().len(), 1);
}

async fn requests_blobs_and_audit_trails_round_trip(s: &SqlStore) {
    assert_eq!(s.request("R1").await.unwrap(), None);
    let mut r1 = request("R1", "2025-01-02T00:00:00Z");
    let r0 = request("R0", "2025-01-03T00:00:00Z");
    s.put_request(&r1).await.unwrap();
    s.put_request(&r0).await.unwrap();
    let approval = Approval {
        officer: "do1".into(),
        at: "2025-01-02T01:00:00Z".into(),
        comment: "ok".into(),
    };
    r1.status = RequestStatus::Completed;
    r1.approvals = vec![approval.clone(), approval.clone()];
    r1.denial = Some(approval);
    r1.completed_at = Some("2025-01-02T02:00:00Z".into());
    r1.disposition_certified = Some("2025-02-01".into());
    r1.request_reasons = vec!["R-SIG".into()];
    s.put_request(&r1).await.unwrap();
    assert_eq!(s.request("R1").await.unwrap(), Some(r1.clone()));
    assert_eq!(s.requests().await.unwrap(), vec![r1, r0]);

    assert_eq!(s.request_blob("R1", "checks.csv").await.unwrap(), None);
    s.put_request_blob("R1", "checks.csv", b"a,b\n")
        .await
        .unwrap();
    s.put_request_blob("R1", "checks.csv", b"a,b\n1,2\n")
        .await
        .unwrap();
    let got = s.request_blob("R1", "checks.csv").await.unwrap();
    assert_eq!(got.as_deref(), Some(&b"a,b\n1,2\n"[..]));
    assert_eq!(s.request_blob("R0", "checks.csv").await.unwrap(), None);

    let ev = |action: &str| AuditEvent {
        at: "t".into(),
        actor: "system".into(),
        action: action.into(),
        detail: "n=3".into(),
    };
    s.audit("R1", &ev("received")).await.unwrap();
    s.audit("R0", &ev("other")).await.unwrap();
    s.audit("R1", &ev("approved")).await.unwrap();
    assert_eq!(
        s.audit_trail("R1").await.unwrap(),
        vec![ev("received"), ev("approved")]
    );
    assert_eq!(s.audit_trail("R9").await.unwrap(), vec![]);
}

async fn ten_thousand_probes_round_trip(s: &SqlStore) {
    assert_eq!(s.probes().await.unwrap(), vec![]);
    s.append_probes(&[]).await.unwrap();
    let first: Vec<ProbeRecord> = (0..6_000).map(probe).collect();
    let second: Vec<ProbeRecord> = (6_000..10_000).map(probe).collect();
    s.append_probes(&first).await.unwrap();
    s.append_probes(&second).await.unwrap();
    let all: Vec<ProbeRecord> = (0..10_000).map(probe).collect();
    assert_eq!(s.probes().await.unwrap(), all);
}

async fn concurrent_probe_appends_lose_nothing(s: &SqlStore) {
    let mut tasks = Vec::new();
    for t in 0..8u32 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for batch in 0..5u32 {
                let base = t * 10_000 + batch * 100;
                let recs: Vec<ProbeRecord> = (base..base + 100).map(probe).collect();
                s.append_probes(&recs).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let got = s.probes().await.unwrap();
    assert_eq!(got.len(), 8 * 5 * 100);
    let got: BTreeSet<[u8; ProbeRecord::BYTES]> = got.iter().map(|r| r.encode()).collect();
    let want: BTreeSet<[u8; ProbeRecord::BYTES]> = (0..8u32)
        .flat_map(|t| (0..500u32).map(move |i| probe(t * 10_000 + i).encode()))
        .collect();
    assert_eq!(got, want);
}

async fn the_hold_list_adds_and_removes_keys(s: &SqlStore) {
    assert_eq!(s.held().await.unwrap(), Vec::<[u8; 32]>::new());
    assert_eq!(s.set_held(&[[2; 32], [1; 32]], true).await.unwrap(), 2);
    assert_eq!(s.set_held(&[[1; 32]], true).await.unwrap(), 0);
    assert_eq!(s.held().await.unwrap(), vec![[1; 32], [2; 32]]);
    assert_eq!(s.set_held(&[[1; 32], [9; 32]], false).await.unwrap(), 1);
    assert_eq!(s.held().await.unwrap(), vec![[2; 32]]);
}

async fn policy_activation_keeps_the_text_and_the_history(s: &SqlStore) {
    assert_eq!(s.active_policy().await.unwrap(), None);
    assert_eq!(s.policy_history().await.unwrap(), vec![]);
    s.activate_policy("x = 1\n", &activation("v1"))
        .await
        .unwrap();
    assert_eq!(s.active_policy().await.unwrap().as_deref(), Some("x = 1\n"));
    s.activate_policy("x = 2\n", &activation("v2"))
        .await
        .unwrap();
    assert_eq!(s.active_policy().await.unwrap().as_deref(), Some("x = 2\n"));
    assert_eq!(
        s.policy_history().await.unwrap(),
        vec![activation("v1"), activation("v2")]
    );
}

async fn secrets_are_created_once_and_then_stable(s: &SqlStore) {
    let a = s.secret("service.key").await.unwrap();
    assert_eq!(a, s.secret("service.key").await.unwrap());
    assert_ne!(a, s.secret("other.key").await.unwrap());
    // Racing creators (as two nodes would) all get the one stored value.
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.secret("raced.key").await.unwrap() })
        })
        .collect();
    let mut seen = BTreeSet::new();
    for r in racers {
        seen.insert(r.await.unwrap());
    }
    assert_eq!(seen.len(), 1);
    assert_eq!(seen.first(), Some(&s.secret("raced.key").await.unwrap()));
}

async fn reconnecting_keeps_the_data_and_migrations_are_idempotent(url: &str) {
    let s = SqlStore::connect(url).await.unwrap();
    s.add_agency(agency("DHS-ICE")).await.unwrap();
    let key = s.secret("k").await.unwrap();
    s.close().await;
    let s = SqlStore::connect(url).await.unwrap();
    assert_eq!(s.schema_version().await.unwrap(), 4);
    assert_eq!(s.agencies().await.unwrap(), vec![agency("DHS-ICE")]);
    assert_eq!(s.secret("k").await.unwrap(), key);
    s.close().await;
}

/// A fresh SQLite database in a temporary directory.
async fn sqlite_url() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("state.db").display()
    );
    (url, dir)
}

/// A fresh PostgreSQL database on the server named by the environment, or
/// `None` (with a note) when none is named.
async fn postgres_url(test: &str) -> Option<(String, String)> {
    let Some(base) = std::env::var("VOUCH_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("note: VOUCH_TEST_POSTGRES_URL not set; skipping PostgreSQL run of {test}");
        return None;
    };
    let name = format!("vouch_t_{}_{}", test, std::process::id());
    admin(
        &base,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await;
    admin(&base, &format!("CREATE DATABASE {name}")).await;
    Some((with_database(&base, &name), name))
}

/// Runs one administrative statement on the server. Drops use `WITH (FORCE)`
/// (PostgreSQL 13+) because a closed pool's sessions can outlive `close()`
/// on the server by a moment.
async fn admin(base: &str, sql: &str) {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(base).await.unwrap();
    sqlx::query(sql).execute(&mut c).await.unwrap();
    c.close().await.unwrap();
}

macro_rules! conformance {
    ($($check:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $check() {
                    let (url, _dir) = super::sqlite_url().await;
                    let s = vouch_store_sql::SqlStore::connect(&url).await.unwrap();
                    assert_eq!(s.backend_name(), "sqlite");
                    super::$check(&s).await;
                    s.close().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $check() {
                    let Some((url, name)) = super::postgres_url(stringify!($check)).await else {
                        return;
                    };
                    let s = vouch_store_sql::SqlStore::connect(&url).await.unwrap();
                    assert_eq!(s.backend_name(), "postgres");
                    super::$check(&s).await;
                    s.close().await;
                    let base = std::env::var("VOUCH_TEST_POSTGRES_URL").unwrap();
                    super::admin(&base, &format!("DROP DATABASE {name} WITH (FORCE)")).await;
                }
            )*
        }
    };
}

conformance!(
    registry_round_trips_and_refuses_duplicates,
    officials_need_a_registered_agency_and_a_fitting_role,
    requests_blobs_and_audit_trails_round_trip,
    ten_thousand_probes_round_trip,
    concurrent_probe_appends_lose_nothing,
    the_hold_list_adds_and_removes_keys,
    policy_activation_keeps_the_text_and_the_history,
    secrets_are_created_once_and_then_stable,
);

#[tokio::test]
async fn sqlite_reconnect_keeps_data() {
    let (url, _dir) = sqlite_url().await;
    reconnecting_keeps_the_data_and_migrations_are_idempotent(&url).await;
}

#[tokio::test]
async fn postgres_reconnect_keeps_data() {
    let Some((url, name)) = postgres_url("reconnect").await else {
        return;
    };
    reconnecting_keeps_the_data_and_migrations_are_idempotent(&url).await;
    let base = std::env::var("VOUCH_TEST_POSTGRES_URL").unwrap();
    admin(&base, &format!("DROP DATABASE {name} WITH (FORCE)")).await;
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
