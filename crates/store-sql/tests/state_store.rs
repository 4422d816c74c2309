//! The `StateStore` contract, one suite for every implementation: the file
//! store, SQLite and (when `VOUCH_TEST_POSTGRES_URL` names a server)
//! PostgreSQL. The record-level checks are in `conformance.rs`; these cover
//! what the service needs on top: tokens with expiry and revocation, the
//! service's audit trail, the ledger through `open_ledger`, and the writer
//! lock that serialises batches across processes and nodes.

use ed25519_dalek::SigningKey;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use vouch_ledger::{LeafOutcome, LeafRecord};
use vouch_store::{AuditEvent, FileStore, StateStore, TokenRecord};
use vouch_store_sql::SqlStateStore;

#[derive(Clone, Copy, Debug)]
enum Kind {
    Files,
    Sqlite,
    Postgres,
}

fn open(kind: Kind, dir: &Path, test: &str, fresh: bool) -> Option<Box<dyn StateStore>> {
    match kind {
        Kind::Files => Some(Box::new(FileStore::open(dir).unwrap())),
        Kind::Sqlite => {
            let url = format!("sqlite://{}?mode=rwc", dir.join("vouch.db").display());
            Some(Box::new(SqlStateStore::connect(&url, dir).unwrap()))
        }
        Kind::Postgres => {
            let Some(base) = std::env::var("VOUCH_TEST_POSTGRES_URL")
                .ok()
                .filter(|u| !u.is_empty())
            else {
                eprintln!(
                    "note: VOUCH_TEST_POSTGRES_URL not set; skipping PostgreSQL run of {test}"
                );
                return None;
            };
            let name = format!("vouch_ss_{}_{}", std::process::id(), test);
            let url = if fresh {
                SqlStateStore::create_postgres_database(&base, &name).unwrap()
            } else {
                let (head, _) = base.rsplit_once('/').unwrap();
                format!("{head}/{name}")
            };
            Some(Box::new(SqlStateStore::connect(&url, dir).unwrap()))
        }
    }
}

fn token(n: u8, expires: Option<&str>) -> TokenRecord {
    TokenRecord {
        sha256: format!("{n:02x}").repeat(32),
        official: format!("official-{n}"),
        issued_at: "2026-01-01T00:00:00Z".into(),
        issued_by: "vouch-admin".into(),
        expires_at: expires.map(str::to_string),
        revoked_at: None,
    }
}

fn tokens_round_trip_and_revoke(kind: Kind) {
    let dir = tempfile::tempdir().unwrap();
    let Some(s) = open(kind, dir.path(), "tokens", true) else {
        return;
    };
    assert!(s.tokens().unwrap().is_empty());
    s.add_token(&token(1, None)).unwrap();
    s.add_token(&token(2, Some("2026-02-01T00:00:00Z")))
        .unwrap();
    assert!(matches!(
        s.add_token(&token(1, None)),
        Err(vouch_store::StoreError::Exists { .. })
    ));
    assert_eq!(
        s.token(&token(2, None).sha256)
            .unwrap()
            .unwrap()
            .expires_at
            .as_deref(),
        Some("2026-02-01T00:00:00Z")
    );
    assert!(s.token(&"ff".repeat(32)).unwrap().is_none());
    let id = token(1, None).id().to_string();
    assert!(s.revoke_token(&id, "2026-01-02T00:00:00Z").unwrap());
    assert!(
        !s.revoke_token(&id, "2026-01-03T00:00:00Z").unwrap(),
        "revoked once"
    );
    // One read for a token and its official: absent official is None.
    let (t, o) = s
        .token_and_official(&token(2, None).sha256)
        .unwrap()
        .unwrap();
    assert_eq!(t.official, "official-2");
    assert!(o.is_none(), "no such official registered");
    s.add_agency(vouch_store::AgencyRecord {
        id: "IRS".into(),
        ssr_approved: "2025-01-01".into(),
        ai_notifications: vec![],
        findings: vec![],
        registered_at: "2025-01-01T00:00:00Z".into(),
    })
    .ok();
    let officer = vouch_store::OfficialRecord {
        id: "official-2".into(),
        agency: "IRS".into(),
        role: vouch_store::Role::Auditor,
        public_key: None,
        registered_at: "2026-01-01T00:00:00Z".into(),
    };
    s.add_official(officer.clone()).unwrap();
    let (_, o) = s
        .token_and_official(&token(2, None).sha256)
        .unwrap()
        .unwrap();
    assert_eq!(o, Some(officer));
    assert!(s.token_and_official(&"ee".repeat(32)).unwrap().is_none());
    drop(s);
    let s = open(kind, dir.path(), "tokens", false).unwrap();
    let all = s.tokens().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].revoked_at.as_deref(), Some("2026-01-02T00:00:00Z"));
    assert_eq!(all[1].revoked_at, None);
}

fn service_audit_is_kept_in_order(kind: Kind) {
    let dir = tempfile::tempdir().unwrap();
    let Some(s) = open(kind, dir.path(), "service_audit", true) else {
        return;
    };
    for i in 0..5 {
        s.service_audit(&AuditEvent {
            at: format!("2026-01-01T00:00:0{i}Z"),
            actor: "vouch-admin".into(),
            action: "official registered".into(),
            detail: format!("official o{i}"),
        })
        .unwrap();
    }
    let trail = s.service_audit_trail().unwrap();
    assert_eq!(trail.len(), 5);
    assert!(trail
        .iter()
        .enumerate()
        .all(|(i, e)| e.detail == format!("official o{i}")));
}

fn leaf(request: &str, i: usize) -> LeafRecord {
    LeafRecord {
        request_id: request.into(),
        subject_ref: format!("S{i}"),
        outcome: LeafOutcome::NotConfirmed,
        time_unix_ms: 1_750_000_000_000 + i as u64,
        policy_version: "policy".into(),
        model_version: "fs-1".into(),
        approvers: vec!["irs-do-1".into()],
        tin_hmac: None,
    }
}

fn the_ledger_survives_reopening_with_the_same_root_and_proofs(kind: Kind) {
    let dir = tempfile::tempdir().unwrap();
    let Some(s) = open(kind, dir.path(), "ledger", true) else {
        return;
    };
    let key = SigningKey::from_bytes(&[9u8; 32]);
    let (root, size) = {
        let mut l = s.open_ledger().unwrap();
        assert_eq!(l.size(), 0);
        let a: Vec<_> = (0..2500).map(|i| leaf("REQ-A", i)).collect();
        l.append_batch(&a).unwrap();
        l.checkpoint("vouch.test/log", "vouch.test", &key).unwrap();
        let b: Vec<_> = (0..7).map(|i| leaf("REQ-B", i)).collect();
        l.append_batch(&b).unwrap();
        l.checkpoint("vouch.test/log", "vouch.test", &key).unwrap();
        (l.root_hash(), l.size())
    };
    if let Some(n) = s.ledger_len().unwrap() {
        assert_eq!(n, size, "the stored length is what was appended");
    }
    drop(s);
    let s = open(kind, dir.path(), "ledger", false).unwrap();
    let l = s.open_ledger().unwrap();
    assert_eq!(l.size(), 2507);
    assert_eq!(l.root_hash(), root);
    assert_eq!(l.checkpoints().len(), 2);
    let i = l.find("REQ-B", "S3").unwrap().unwrap();
    assert_eq!(i, 2503);
    let proof = l.inclusion_proof(i, l.size()).unwrap();
    vouch_ledger::verify_inclusion(i, l.size(), &l.leaf_hash(i).unwrap(), &proof, &root).unwrap();
}

fn the_writer_lock_admits_one_holder_at_a_time(kind: Kind) {
    if matches!(kind, Kind::Files) {
        // The directory store is one process's (its directory lock keeps
        // others out) and its writer guard is a no-op: nothing to check.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(s) = open(kind, dir.path(), "writer_lock", true) else {
        return;
    };
    let s: Arc<dyn StateStore> = Arc::from(s);
    let inside = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (s, inside) = (s.clone(), inside.clone());
            std::thread::spawn(move || {
                for _ in 0..5 {
                    let _g = s.writer_lock().unwrap();
                    assert!(!inside.swap(true, Ordering::SeqCst), "two holders at once");
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    inside.store(false, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

macro_rules! every_store {
    ($($case:ident),* $(,)?) => {
        mod files { $( #[test] fn $case() { super::$case(super::Kind::Files) } )* }
        mod sqlite { $( #[test] fn $case() { super::$case(super::Kind::Sqlite) } )* }
        mod postgres { $( #[test] fn $case() { super::$case(super::Kind::Postgres) } )* }
    };
}

fn sessions_are_stored_touched_purged_and_ended(kind: Kind) {
    let dir = tempfile::tempdir().unwrap();
    let Some(s) = open(kind, dir.path(), "sessions", true) else {
        return;
    };
    let session = |n: u8, started: &str| vouch_store::SessionRecord {
        key: format!("{n:02x}").repeat(32),
        official: "irs-do-1".into(),
        token_sha256: "ab".repeat(32),
        csrf: format!("csrf-{n}"),
        started_at: started.into(),
        seen_at: started.into(),
    };
    s.put_session(&session(1, "2026-01-01T00:00:00Z"), "2025-12-31T00:00:00Z")
        .unwrap();
    assert_eq!(
        s.session(&session(1, "").key).unwrap().unwrap().csrf,
        "csrf-1"
    );
    s.touch_session(&session(1, "").key, "2026-01-01T00:10:00Z")
        .unwrap();
    assert_eq!(
        s.session(&session(1, "").key).unwrap().unwrap().seen_at,
        "2026-01-01T00:10:00Z"
    );
    // A later sign-in purges sessions started before the cut.
    s.put_session(&session(2, "2026-01-02T00:00:00Z"), "2026-01-01T12:00:00Z")
        .unwrap();
    assert!(s.session(&session(1, "").key).unwrap().is_none());
    s.delete_session(&session(2, "").key).unwrap();
    assert!(s.session(&session(2, "").key).unwrap().is_none());
}

every_store!(
    sessions_are_stored_touched_purged_and_ended,
    tokens_round_trip_and_revoke,
    service_audit_is_kept_in_order,
    the_ledger_survives_reopening_with_the_same_root_and_proofs,
    the_writer_lock_admits_one_holder_at_a_time,
);
