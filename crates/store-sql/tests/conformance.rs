//! The `StateStore` contract: one suite, written against `&dyn StateStore`
//! and run on every implementation — SQLite (a temporary file) always,
//! PostgreSQL when `VOUCH_TEST_POSTGRES_URL` names a server (each case gets
//! a throwaway database there). A case that needs to see the store again
//! after a restart reopens it from the same place.

use ed25519_dalek::SigningKey;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use time::macros::{date, datetime};
use time::OffsetDateTime;
use vouch_core::probe::ProbeRecord;
use vouch_ledger::{LeafOutcome, LeafRecord};
use vouch_store::*;
use vouch_store_sql::SqlStateStore;

/// Where a case's store lives, so it can be reopened.
struct Place {
    dir: tempfile::TempDir,
    url: String,
}

impl Place {
    fn open(&self) -> Arc<dyn StateStore> {
        Arc::new(SqlStateStore::connect(&self.url, self.dir.path()).unwrap())
    }
}

fn sqlite(_case: &str) -> Option<Place> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("vouch.db").display()
    );
    Some(Place { dir, url })
}

fn postgres(case: &str) -> Option<Place> {
    let Some(base) = std::env::var("VOUCH_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("note: VOUCH_TEST_POSTGRES_URL not set; skipping PostgreSQL run of {case}");
        return None;
    };
    let mut name = format!("vouch_c_{}_{}", std::process::id(), case);
    name.truncate(63);
    let url = SqlStateStore::create_postgres_database(&base, &name).unwrap();
    Some(Place {
        dir: tempfile::tempdir().unwrap(),
        url,
    })
}

const T0: OffsetDateTime = datetime!(2025-01-01 00:00 UTC);

fn agency(id: &str) -> AgencyRecord {
    AgencyRecord {
        id: id.into(),
        ssr_approved: date!(2025 - 01 - 01),
        ai_notifications: vec![],
        findings: vec![],
        registered_at: T0,
    }
}

fn official(id: &str, agency: &str, role: Role) -> OfficialRecord {
    OfficialRecord {
        id: id.into(),
        agency: agency.into(),
        role,
        public_key: (role == Role::Signer).then(|| "AAAA".into()),
        registered_at: T0,
    }
}

fn request(id: &str, received_at: OffsetDateTime) -> RequestRecord {
    RequestRecord {
        request_id: id.into(),
        agency: "DHS-ICE".into(),
        letter_sha256: "ab".repeat(32),
        subjects_sha256: "cd".repeat(32),
        status: RequestStatus::PendingReview,
        subject_count: 1_000_000,
        request_reasons: vec![],
        holds: vec![HoldCode::LargeBatch],
        approvals_required: 2,
        approvals: vec![],
        policy_version: "2025.1".into(),
        denial: None,
        completed_at: None,
        disposition_certified: None,
        received_at,
        updated_at: received_at,
    }
}

fn event(action: AuditAction, i: u32) -> AuditEvent {
    AuditEvent {
        at: T0 + time::Duration::microseconds(i64::from(i)),
        actor: SYSTEM_ACTOR.into(),
        action,
        detail: format!("n={i}"),
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
        names: [
            u64::from(i) + 1,
            u64::from(i % 7) + 1,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
        ],
        given: [vouch_core::probe::GivenKeys {
            bigrams: u64::from(i),
            ..Default::default()
        }; 2],
        surname: [(i % 5) as u16; vouch_core::probe::GIVEN_DELETIONS],
        dob: u64::from(i % 2),
        a_number: u64::from(i) << 8,
        address: key(2),
        agency: key(3),
        request: key(4),
        day: 2_460_000 + (i % 400) as i32,
    }
}

fn activation(version: &str) -> PolicyActivation {
    PolicyActivation {
        at: datetime!(2025-02-01 00:00:00.123456 UTC),
        officer: "do1".into(),
        reason: "annual review".into(),
        version: version.into(),
        sha256: "cd".repeat(32),
    }
}

fn token(n: u8, expires: Option<OffsetDateTime>) -> TokenRecord {
    TokenRecord {
        sha256: format!("{n:02x}").repeat(32),
        official: format!("official-{n}"),
        issued_at: T0,
        issued_by: "vouch-admin".into(),
        expires_at: expires,
        revoked_at: None,
    }
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
        approvals_sha256: None,
    }
}

fn registry_round_trips_and_refuses_duplicates(p: &Place) {
    let s = p.open();
    s.add_agency(agency("DHS-ICE")).unwrap();
    s.add_agency(agency("SSA")).unwrap();
    assert!(matches!(
        s.add_agency(agency("DHS-ICE")),
        Err(StoreError::Exists { what: "agency", .. })
    ));
    let mut a = agency("DHS-ICE");
    a.ai_notifications = vec!["2025-03-01 model card".into()];
    a.findings = vec![Finding {
        id: "F-1".into(),
        opened: date!(2025 - 01 - 02),
        plan: Some("CAP".into()),
        closed: Some(date!(2025 - 06 - 30)),
    }];
    s.update_agency(a.clone()).unwrap();
    assert_eq!(s.agency("DHS-ICE").unwrap(), Some(a.clone()));
    assert_eq!(s.agency("NOPE").unwrap(), None);
    assert_eq!(s.agencies().unwrap(), vec![a, agency("SSA")]);
    assert!(matches!(
        s.update_agency(agency("NOPE")),
        Err(StoreError::NotFound { what: "agency", .. })
    ));
    let dir = official("dir", "DHS-ICE", Role::Signer);
    let do1 = official("do1", HOME_AGENCY, Role::DisclosureOfficer);
    s.add_official(dir.clone()).unwrap();
    s.add_official(do1.clone()).unwrap();
    assert!(matches!(
        s.add_official(dir.clone()),
        Err(StoreError::Exists {
            what: "official",
            ..
        })
    ));
    assert_eq!(s.official("dir").unwrap(), Some(dir.clone()));
    assert_eq!(s.official("nobody").unwrap(), None);
    assert_eq!(s.officials().unwrap(), vec![dir, do1]);
}

fn officials_need_a_registered_agency(p: &Place) {
    let s = p.open();
    assert!(matches!(
        s.add_official(official("a", "NOPE", Role::Recipient)),
        Err(StoreError::NotFound { what: "agency", .. })
    ));
    assert_eq!(s.officials().unwrap(), vec![]);
    // The tax agency needs no registration.
    s.add_official(official("aud", HOME_AGENCY, Role::Auditor))
        .unwrap();
    assert_eq!(s.officials().unwrap().len(), 1);
}

fn requests_documents_and_audit_trails_round_trip(p: &Place) {
    let s = p.open();
    assert_eq!(s.request("R1").unwrap(), None);
    // Received in the same second, apart by microseconds: listed in time order.
    let mut r1 = request("R1", datetime!(2025-01-02 00:00:00.000009 UTC));
    let r0 = request("R0", datetime!(2025-01-02 00:00:00.5 UTC));
    s.put_request(&r0).unwrap();
    s.put_request(&r1).unwrap();
    let approval = Approval {
        officer: "do1".into(),
        at: datetime!(2025-01-02 01:00 UTC),
        comment: "ok".into(),
        signature: Some("c2lnbmF0dXJl".into()),
    };
    r1.status = RequestStatus::Completed;
    r1.approvals = vec![approval.clone(), approval.clone()];
    r1.denial = Some(approval);
    r1.completed_at = Some(datetime!(2025-01-02 02:00:00.25 UTC));
    r1.disposition_certified = Some(date!(2025 - 02 - 01));
    r1.request_reasons = vec![ReasonCode::SignatureInvalid, ReasonCode::PeriodsInvalid];
    r1.holds = vec![HoldCode::BoilerplateRelevance, HoldCode::LargeBatch];
    s.put_request(&r1).unwrap();
    assert_eq!(s.request("R1").unwrap(), Some(r1.clone()));
    assert_eq!(s.requests().unwrap(), vec![r1, r0]);

    assert_eq!(s.request_blob("R1", "checks.csv").unwrap(), None);
    s.put_request_blob("R1", "checks.csv", b"a,b\n").unwrap();
    s.put_request_blob("R1", "checks.csv", b"a,b\n1,2\n")
        .unwrap();
    let got = s.request_blob("R1", "checks.csv").unwrap();
    assert_eq!(got.as_deref(), Some(&b"a,b\n1,2\n"[..]));
    assert_eq!(s.request_blob("R0", "checks.csv").unwrap(), None);

    s.audit("R1", &event(AuditAction::Received, 1)).unwrap();
    s.audit("R0", &event(AuditAction::Uploaded, 2)).unwrap();
    s.audit("R1", &event(AuditAction::Approved, 3)).unwrap();
    assert_eq!(
        s.audit_trail("R1").unwrap(),
        vec![
            event(AuditAction::Received, 1),
            event(AuditAction::Approved, 3)
        ]
    );
    assert_eq!(s.audit_trail("R9").unwrap(), vec![]);
}

/// `n` bytes that differ from part to part.
fn document(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect()
}

fn documents_of_many_parts_round_trip_and_replace_whole(p: &Place) {
    let s = p.open();
    let part = vouch_store_sql::PART_BYTES;
    assert!(s.request_blob("R1", "big").unwrap().is_none());
    for n in [0, 1, part - 1, part, part + 1, 2 * part + 7] {
        let doc = document(n, n as u8);
        s.put_request_blob("R1", "big", &doc).unwrap();
        let back = s.request_blob("R1", "big").unwrap().unwrap();
        assert!(back == doc, "{n} bytes came back as {}", back.len());
        // Another handle (another node) reads the same, streamed.
        let mut streamed = Vec::new();
        assert!(p
            .open()
            .request_document("R1", "big", &mut streamed)
            .unwrap());
        assert!(streamed == doc);
    }
    // Documents are per request and per name.
    s.put_request_blob("R1", "small", b"x").unwrap();
    s.put_request_blob("R2", "big", b"y").unwrap();
    assert_eq!(s.request_blob("R1", "small").unwrap().unwrap(), b"x");
    assert_eq!(s.request_blob("R2", "big").unwrap().unwrap(), b"y");
    assert_eq!(
        s.request_blob("R1", "big").unwrap().unwrap().len(),
        2 * part + 7
    );
}

/// A reader that yields `good` bytes, then fails.
struct Failing(usize);

impl std::io::Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0 == 0 {
            return Err(std::io::Error::other("the disk went away"));
        }
        let n = self.0.min(buf.len());
        buf[..n].fill(7);
        self.0 -= n;
        Ok(n)
    }
}

fn a_deleted_document_is_gone_whole_and_others_stay(p: &Place) {
    let s = p.open();
    let big = document(9 << 20, 9);
    s.put_request_document("R-DEL", "upload:subjects.csv", &mut big.as_slice())
        .unwrap();
    s.put_request_document("R-DEL", "upload:request.json", &mut &b"{}"[..])
        .unwrap();
    assert!(s
        .delete_request_document("R-DEL", "upload:subjects.csv")
        .unwrap());
    assert!(!s
        .delete_request_document("R-DEL", "upload:subjects.csv")
        .unwrap());
    let mut out = Vec::new();
    assert!(!s
        .request_document("R-DEL", "upload:subjects.csv", &mut out)
        .unwrap());
    assert!(out.is_empty());
    assert!(s
        .request_document("R-DEL", "upload:request.json", &mut out)
        .unwrap());
    assert_eq!(out, b"{}");
}

fn a_document_whose_source_fails_leaves_the_old_one_whole(p: &Place) {
    let s = p.open();
    let old = document(vouch_store_sql::PART_BYTES + 3, 1);
    s.put_request_blob("R1", "upload:subjects.csv", &old)
        .unwrap();
    let mut failing = Failing(vouch_store_sql::PART_BYTES * 2 + 5);
    assert!(matches!(
        s.put_request_document("R1", "upload:subjects.csv", &mut failing),
        Err(StoreError::Io { .. })
    ));
    assert!(
        s.request_blob("R1", "upload:subjects.csv")
            .unwrap()
            .unwrap()
            == old
    );
}

fn ten_thousand_probes_round_trip(p: &Place) {
    let s = p.open();
    assert_eq!(s.probes().unwrap(), vec![]);
    s.append_probes(&[]).unwrap();
    let first: Vec<ProbeRecord> = (0..6_000).map(probe).collect();
    let second: Vec<ProbeRecord> = (6_000..10_000).map(probe).collect();
    s.append_probes(&first).unwrap();
    s.append_probes(&second).unwrap();
    let all: Vec<ProbeRecord> = (0..10_000).map(probe).collect();
    assert_eq!(s.probes().unwrap(), all);
    // And from another handle (another process or node).
    assert_eq!(p.open().probes().unwrap(), all);
}

fn concurrent_probe_appends_lose_nothing(p: &Place) {
    let s = p.open();
    let threads: Vec<_> = (0..8u32)
        .map(|t| {
            let s = s.clone();
            std::thread::spawn(move || {
                for batch in 0..5u32 {
                    let base = t * 10_000 + batch * 100;
                    let recs: Vec<ProbeRecord> = (base..base + 100).map(probe).collect();
                    s.append_probes(&recs).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let got = s.probes().unwrap();
    assert_eq!(got.len(), 8 * 5 * 100);
    let got: BTreeSet<[u8; ProbeRecord::BYTES]> = got.iter().map(|r| r.encode()).collect();
    let want: BTreeSet<[u8; ProbeRecord::BYTES]> = (0..8u32)
        .flat_map(|t| (0..500u32).map(move |i| probe(t * 10_000 + i).encode()))
        .collect();
    assert_eq!(got, want);
}

fn the_hold_list_adds_and_removes_keys(p: &Place) {
    let s = p.open();
    assert_eq!(s.held().unwrap(), Vec::<[u8; 32]>::new());
    assert_eq!(s.set_held(&[[2; 32], [1; 32]], true).unwrap(), 2);
    assert_eq!(s.set_held(&[[1; 32]], true).unwrap(), 0);
    assert_eq!(s.held().unwrap(), vec![[1; 32], [2; 32]]);
    assert_eq!(s.set_held(&[[1; 32], [9; 32]], false).unwrap(), 1);
    assert_eq!(s.held().unwrap(), vec![[2; 32]]);
}

fn registry_changes_are_kept_in_proposal_order_and_confirmed_in_place(p: &Place) {
    let s = p.open();
    assert_eq!(s.registry_changes().unwrap(), vec![]);
    let change = |id: &str| RegistryChange {
        id: id.into(),
        kind: "official".into(),
        payload: format!("{{\"id\":\"{id}\"}}"),
        summary: format!("official {id}"),
        proposed_by: "irs-admin-1".into(),
        proposed_at: OffsetDateTime::UNIX_EPOCH,
        proposal_signature: "c2ln".into(),
        confirmed_by: None,
        confirmed_at: None,
        confirmation_signature: None,
        ledger_index: None,
    };
    s.put_registry_change(&change("b")).unwrap();
    s.put_registry_change(&change("a")).unwrap();
    let mut confirmed = change("b");
    confirmed.confirmed_by = Some("irs-admin-2".into());
    confirmed.confirmed_at = Some(OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(5));
    confirmed.confirmation_signature = Some("c2ln".into());
    confirmed.ledger_index = Some(3);
    s.put_registry_change(&confirmed).unwrap();
    assert_eq!(s.registry_changes().unwrap(), vec![confirmed, change("a")]);
}

fn policy_activation_keeps_the_text_and_the_history(p: &Place) {
    let s = p.open();
    assert_eq!(s.active_policy().unwrap(), None);
    assert_eq!(s.policy_history().unwrap(), vec![]);
    s.activate_policy("x = 1\n", &activation("v1")).unwrap();
    assert_eq!(s.active_policy().unwrap().as_deref(), Some("x = 1\n"));
    s.activate_policy("x = 2\n", &activation("v2")).unwrap();
    assert_eq!(s.active_policy().unwrap().as_deref(), Some("x = 2\n"));
    assert_eq!(
        s.policy_history().unwrap(),
        vec![activation("v1"), activation("v2")]
    );
}

fn key_ids_are_registered_retired_and_never_a_secret_made(p: &Place) {
    let s = p.open();
    assert_eq!(s.service_keys().unwrap(), vec![]);
    // The store makes no key: an earlier version's secret is read if it is
    // there, else there is none.
    assert_eq!(s.legacy_secret("tin-hmac.key").unwrap(), None);
    assert_eq!(s.legacy_secret("tin-hmac.key").unwrap(), None);
    let key = |name: &str, id: &str, at: OffsetDateTime| KeyRecord {
        name: name.into(),
        key_id: id.into(),
        public_key: (name == "ledger").then(|| "AAAA".into()),
        created_at: at,
        retired_at: None,
    };
    let t1 = T0 + time::Duration::hours(1);
    s.register_service_keys(&[key("ledger", "aa", T0), key("tin-hmac", "bb", T0)])
        .unwrap();
    s.register_service_keys(&[key("ledger", "cc", t1)]).unwrap();
    let all = p.open().service_keys().unwrap();
    let current: Vec<(&str, &str)> = all
        .iter()
        .filter(|k| k.retired_at.is_none())
        .map(|k| (k.name.as_str(), k.key_id.as_str()))
        .collect();
    assert_eq!(current, [("tin-hmac", "bb"), ("ledger", "cc")]);
    let retired = all.iter().find(|k| k.key_id == "aa").unwrap();
    assert_eq!(retired.retired_at, Some(t1));
    assert_eq!(retired.public_key.as_deref(), Some("AAAA"));
    s.drop_legacy_secrets().unwrap();
}

fn tokens_round_trip_and_revoke(p: &Place) {
    let s = p.open();
    assert!(s.tokens().unwrap().is_empty());
    let expiry = datetime!(2026-02-01 00:00 UTC);
    s.add_token(&token(1, None)).unwrap();
    s.add_token(&token(2, Some(expiry))).unwrap();
    assert!(matches!(
        s.add_token(&token(1, None)),
        Err(StoreError::Exists { .. })
    ));
    assert_eq!(
        s.token(&token(2, None).sha256).unwrap().unwrap().expires_at,
        Some(expiry)
    );
    assert!(s.token(&"ff".repeat(32)).unwrap().is_none());
    let id = token(1, None).id().to_string();
    let revoked_at = datetime!(2026-01-02 00:00:00.5 UTC);
    assert!(s.revoke_token(&id, revoked_at).unwrap());
    assert!(
        !s.revoke_token(&id, revoked_at + time::Duration::DAY)
            .unwrap(),
        "revoked once"
    );
    assert!(!s.revoke_token("not-hex", revoked_at).unwrap());
    // One read for a token and its official: an absent official is None.
    let (t, o) = s
        .token_and_official(&token(2, None).sha256)
        .unwrap()
        .unwrap();
    assert_eq!(t.official, "official-2");
    assert!(o.is_none(), "no such official registered");
    let auditor = official("official-2", HOME_AGENCY, Role::Auditor);
    s.add_official(auditor.clone()).unwrap();
    let (_, o) = s
        .token_and_official(&token(2, None).sha256)
        .unwrap()
        .unwrap();
    assert_eq!(o, Some(auditor));
    assert!(s.token_and_official(&"ee".repeat(32)).unwrap().is_none());
    drop(s);
    let all = p.open().tokens().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].revoked_at, Some(revoked_at));
    assert_eq!(all[1].revoked_at, None);
}

fn the_service_audit_trail_is_kept_in_order(p: &Place) {
    let s = p.open();
    for i in 0..5 {
        s.service_audit(&event(AuditAction::OfficialRegistered, i))
            .unwrap();
    }
    let trail = p.open().service_audit_trail().unwrap();
    assert_eq!(
        trail,
        (0..5)
            .map(|i| event(AuditAction::OfficialRegistered, i))
            .collect::<Vec<_>>()
    );
}

fn sessions_are_stored_touched_purged_and_ended(p: &Place) {
    let s = p.open();
    let session = |n: u8, started: OffsetDateTime| SessionRecord {
        key: format!("{n:02x}").repeat(32),
        official: "irs-do-1".into(),
        token_sha256: "ab".repeat(32),
        csrf: format!("csrf-{n}"),
        started_at: started,
        seen_at: started,
        second_factor_at: None,
    };
    let t1 = datetime!(2026-01-01 00:00 UTC);
    s.put_session(&session(1, t1), t1 - time::Duration::DAY)
        .unwrap();
    let key1 = session(1, t1).key;
    assert_eq!(s.session(&key1).unwrap(), Some(session(1, t1)));
    let seen = t1 + time::Duration::minutes(10);
    s.touch_session(&key1, seen).unwrap();
    assert_eq!(s.session(&key1).unwrap().unwrap().seen_at, seen);
    // Another node sees it.
    assert_eq!(p.open().session(&key1).unwrap().unwrap().seen_at, seen);
    // A later sign-in purges sessions started before the cut.
    let t2 = t1 + time::Duration::DAY;
    s.put_session(&session(2, t2), t1 + time::Duration::hours(12))
        .unwrap();
    assert!(s.session(&key1).unwrap().is_none());
    s.delete_session(&session(2, t2).key).unwrap();
    assert!(s.session(&session(2, t2).key).unwrap().is_none());
}

fn enrolment_codes_are_used_once_by_their_official_in_time_and_keys_kept(p: &Place) {
    let s = p.open();
    let t = datetime!(2026-01-01 00:00 UTC);
    let code = |n: u8| EnrolmentCodeRecord {
        sha256: format!("{n:02x}").repeat(32),
        official: "irs-do-1".into(),
        issued_by: "vouch-admin".into(),
        issued_at: t,
        expires_at: t + time::Duration::DAY,
        used_at: None,
    };
    let key = |id: &str, official: &str| SecurityKeyRecord {
        credential_id: id.into(),
        official: official.into(),
        credential: "{}".into(),
        rp_id: "localhost".into(),
        origin: "http://localhost:8080".into(),
        sign_count: 0,
        enrolled_at: t,
    };
    s.add_enrolment_code(&code(1)).unwrap();
    s.add_enrolment_code(&code(2)).unwrap();
    assert!(matches!(
        s.add_enrolment_code(&code(1)),
        Err(StoreError::Exists { .. })
    ));
    assert_eq!(s.enrolment_code(&code(1).sha256).unwrap(), Some(code(1)));
    let at = t + time::Duration::hours(1);
    // Another official's key with this code: nothing changes.
    assert!(!s
        .enrol_security_key(&code(1).sha256, at, &key("k0", "irs-do-2"))
        .unwrap());
    assert!(s.security_keys("irs-do-2").unwrap().is_empty());
    // Its official: used and stored together; a second use is refused.
    assert!(s
        .enrol_security_key(&code(1).sha256, at, &key("k1", "irs-do-1"))
        .unwrap());
    assert_eq!(
        p.open()
            .enrolment_code(&code(1).sha256)
            .unwrap()
            .unwrap()
            .used_at,
        Some(at)
    );
    assert!(!s
        .enrol_security_key(&code(1).sha256, at, &key("k2", "irs-do-1"))
        .unwrap());
    // Expired: refused.
    let late = t + time::Duration::DAY;
    assert!(!s
        .enrol_security_key(&code(2).sha256, late, &key("k3", "irs-do-1"))
        .unwrap());
    // An unknown code, or a credential enrolled already.
    assert!(!s
        .enrol_security_key(&"ff".repeat(32), at, &key("k4", "irs-do-1"))
        .unwrap());
    assert!(matches!(
        s.enrol_security_key(&code(2).sha256, at, &key("k1", "irs-do-1")),
        Err(StoreError::Exists { .. })
    ));
    assert!(s
        .enrolment_code(&code(2).sha256)
        .unwrap()
        .unwrap()
        .used_at
        .is_none());
    assert_eq!(
        p.open().security_keys("irs-do-1").unwrap(),
        vec![key("k1", "irs-do-1")]
    );
    // The counter only goes up.
    assert!(s.raise_sign_count("k1", 5).unwrap());
    assert!(!s.raise_sign_count("k1", 5).unwrap());
    assert!(!s.raise_sign_count("k1", 4).unwrap());
    assert!(!s.raise_sign_count("nope", 9).unwrap());
    assert_eq!(s.security_keys("irs-do-1").unwrap()[0].sign_count, 5);
}

fn ceremonies_are_taken_once_and_purged(p: &Place) {
    let s = p.open();
    let t = datetime!(2026-01-01 00:00 UTC);
    let (k1, k2) = ("01".repeat(32), "02".repeat(32));
    s.put_ceremony(&k1, "enrol", "state-1", t, t - time::Duration::HOUR)
        .unwrap();
    s.put_ceremony(&k1, "enrol", "state-2", t, t - time::Duration::HOUR)
        .unwrap();
    s.put_ceremony(&k1, "sign-in", "state-3", t, t - time::Duration::HOUR)
        .unwrap();
    assert_eq!(
        p.open().take_ceremony(&k1, "enrol").unwrap(),
        Some(("state-2".to_string(), t))
    );
    assert_eq!(s.take_ceremony(&k1, "enrol").unwrap(), None, "taken once");
    // A later ceremony purges those started before its cut.
    let later = t + time::Duration::HOUR;
    s.put_ceremony(&k2, "enrol", "x", later, later - time::Duration::MINUTE)
        .unwrap();
    assert_eq!(s.take_ceremony(&k1, "sign-in").unwrap(), None);
    // The session's second factor is recorded with it.
    let session = SessionRecord {
        key: k2.clone(),
        official: "irs-do-1".into(),
        token_sha256: "ab".repeat(32),
        csrf: "c".into(),
        started_at: later,
        seen_at: later,
        second_factor_at: None,
    };
    s.put_session(&session, t).unwrap();
    s.set_session_second_factor(&k2, later).unwrap();
    assert_eq!(
        p.open().session(&k2).unwrap().unwrap().second_factor_at,
        Some(later)
    );
    // Ending the session drops its ceremonies.
    s.delete_session(&k2).unwrap();
    assert_eq!(s.take_ceremony(&k2, "enrol").unwrap(), None);
}

fn the_ledger_survives_reopening_with_the_same_root_and_proofs(p: &Place) {
    let s = p.open();
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
    assert_eq!(s.ledger_len().unwrap(), Some(size));
    drop(s);
    let s = p.open();
    let l = s.open_ledger().unwrap();
    assert_eq!(l.size(), 2507);
    assert_eq!(l.root_hash(), root);
    assert_eq!(l.checkpoints().len(), 2);
    let i = l.find("REQ-B", "S3").unwrap().unwrap();
    assert_eq!(i, 2503);
    let proof = l.inclusion_proof(i, l.size()).unwrap();
    vouch_ledger::verify_inclusion(i, l.size(), &l.leaf_hash(i).unwrap(), &proof, &root).unwrap();
}

fn the_writer_lock_admits_one_holder_at_a_time(p: &Place) {
    // Each thread takes the lock through a handle of its own, as separate
    // processes or nodes would.
    let inside = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (s, inside) = (p.open(), inside.clone());
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

fn a_closed_store_refuses_calls_and_frees_its_place(p: &Place) {
    let s = p.open();
    s.add_agency(agency("DHS-ICE")).unwrap();
    s.close();
    s.close();
    assert!(matches!(s.agencies(), Err(StoreError::Closed)));
    // The data is all there for the next opener.
    assert_eq!(p.open().agencies().unwrap(), vec![agency("DHS-ICE")]);
}

macro_rules! every_store {
    ($($case:ident),* $(,)?) => {
        mod sqlite { $( #[test] fn $case() {
            if let Some(p) = super::sqlite(stringify!($case)) { super::$case(&p) }
        } )* }
        mod postgres { $( #[test] fn $case() {
            if let Some(p) = super::postgres(stringify!($case)) { super::$case(&p) }
        } )* }
    };
}

every_store!(
    registry_round_trips_and_refuses_duplicates,
    officials_need_a_registered_agency,
    requests_documents_and_audit_trails_round_trip,
    documents_of_many_parts_round_trip_and_replace_whole,
    a_document_whose_source_fails_leaves_the_old_one_whole,
    ten_thousand_probes_round_trip,
    concurrent_probe_appends_lose_nothing,
    the_hold_list_adds_and_removes_keys,
    registry_changes_are_kept_in_proposal_order_and_confirmed_in_place,
    a_deleted_document_is_gone_whole_and_others_stay,
    policy_activation_keeps_the_text_and_the_history,
    key_ids_are_registered_retired_and_never_a_secret_made,
    tokens_round_trip_and_revoke,
    the_service_audit_trail_is_kept_in_order,
    sessions_are_stored_touched_purged_and_ended,
    enrolment_codes_are_used_once_by_their_official_in_time_and_keys_kept,
    ceremonies_are_taken_once_and_purged,
    the_ledger_survives_reopening_with_the_same_root_and_proofs,
    the_writer_lock_admits_one_holder_at_a_time,
    a_closed_store_refuses_calls_and_frees_its_place,
);
