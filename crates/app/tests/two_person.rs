//! Two people for the registry, tried as a lone administrator and as a
//! writer of the state store would: a sealed registry refuses one-person
//! changes; a proposal takes effect only with a second, distinct
//! administrator's own signature; an official row or an approval row
//! written straight into the store (SQLite and PostgreSQL) counts for
//! nothing and blocks release; a registry record altered after it was
//! logged stops everything that relies on it.

use time::macros::datetime;
use time::OffsetDateTime;
use vouch_app::{
    App, AppError, ChangeState, Decision, NewOfficial, Officer, Proposal, Registrar, Requester,
    ResponseFile, SignedDecision, SignedStep, Step,
};
use vouch_core::Tin;
use vouch_pipeline::{RunConfig, RunStatus};
use vouch_policy::PolicyConfig;
use vouch_store::{Approval, AuditAction, OfficialRecord, Role, StateStore, HOME_AGENCY};
use vouch_test_support::{
    officer_key, open_store, register_synth_in, seal_registry, sign_statement, synth_fixture_at,
    StoreKind, ADMIN, ADMIN_2, OFFICER, OFFICER_2,
};

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: std::path::PathBuf,
    store: Box<dyn StateStore>,
    keys: vouch_app::ServiceKeys,
}

fn fixture(kind: StoreKind, test: &str) -> Option<Fixture> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    synth_fixture_at(&dir, 2_000, 20, 11, vouch_synth::SUBMITTED_AT);
    let state = dir.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let store = open_store(kind, &state, test)?;
    register_synth_in(store.as_ref(), &dir.join("data"));
    let keys = vouch_test_support::keys_of(store.as_ref(), &state);
    Some(Fixture {
        _tmp: tmp,
        dir,
        store,
        keys,
    })
}

impl Fixture {
    fn app(&self) -> App<'_> {
        App::with_keys(self.store.as_ref(), &self.keys).unwrap()
    }

    fn run(&self, officers: &[&str]) -> Result<vouch_pipeline::RunReport, AppError> {
        let policy = PolicyConfig::defaults();
        let cfg = RunConfig {
            keys: &self.keys,
            request_dir: &self.dir.join("data/request"),
            index_dir: &self.dir.join("index"),
            out_dir: &self.dir.join("out"),
            policy: &policy,
            now: datetime!(2025-06-03 09:00 UTC),
            fault: None,
            progress: None,
        };
        vouch_test_support::run_approved(self.store.as_ref(), &cfg, officers)
    }

    fn request_id(&self) -> String {
        let letter: serde_json::Value = serde_json::from_slice(
            &std::fs::read(self.dir.join("data/request/request.json")).unwrap(),
        )
        .unwrap();
        letter["request_id"].as_str().unwrap().to_string()
    }

    /// `who` proposes `p`, signing with `key_of`'s key.
    fn propose(&self, p: &Proposal, who: &str, key_of: &str) -> Result<String, AppError> {
        let app = self.app();
        let at = OffsetDateTime::now_utc();
        let draft = app.draft(p, who, at)?;
        let text = app.change_statement(&draft, Step::Propose, who, draft.proposed_at);
        let step = SignedStep {
            official: who.into(),
            at,
            signature: sign_statement(key_of, &text),
        };
        app.propose(p, step).map(|c| c.id)
    }

    /// `who` confirms change `id`, signing with `key_of`'s key.
    fn confirm(&self, id: &str, who: &str, key_of: &str) -> Result<ChangeState, AppError> {
        let app = self.app();
        let change = app.registry_change(id)?;
        let at = vouch_core::timestamp::canonical(OffsetDateTime::now_utc());
        let text = app.change_statement(&change, Step::Confirm, who, at);
        let step = SignedStep {
            official: who.into(),
            at,
            signature: sign_statement(key_of, &text),
        };
        app.confirm_change(id, step).map(|c| ChangeState::of(&c))
    }
}

fn officer(id: &str) -> NewOfficial {
    NewOfficial {
        id: id.into(),
        agency: HOME_AGENCY.into(),
        role: Role::DisclosureOfficer,
        public_key: Some(officer_key(id).verifying_key().to_bytes()),
    }
}

#[test]
fn a_sealed_registry_takes_a_proposal_and_a_second_administrators_signature() {
    let f = fixture(StoreKind::Sqlite, "two_person_sealed").unwrap();
    let app = f.app();
    assert!(!app.registry_sealed().unwrap(), "founding until two admins");
    seal_registry(f.store.as_ref());
    assert!(app.registry_sealed().unwrap());

    // One person, however privileged, cannot register anyone now.
    assert!(matches!(
        app.register_official(&Registrar::Operator, officer("irs-do-3")),
        Err(AppError::Conflict(m)) if m.contains("sealed")
    ));

    let p = Proposal::Official(officer("irs-do-3"));
    // An officer may not propose an official; an unsigned or wrongly
    // signed proposal is refused.
    assert!(f.propose(&p, OFFICER, OFFICER).is_err());
    assert!(matches!(
        f.propose(&p, ADMIN, ADMIN_2),
        Err(AppError::Invalid {
            field: "signature",
            ..
        })
    ));
    let id = f.propose(&p, ADMIN, ADMIN).unwrap();
    assert!(
        f.store.official("irs-do-3").unwrap().is_none(),
        "pending: not in effect"
    );
    assert_eq!(
        ChangeState::of(&app.registry_change(&id).unwrap()),
        ChangeState::Pending
    );

    // The proposer cannot confirm; nor can anyone sign for the second
    // administrator (a token issued for them would not sign); nor an officer.
    for (who, key) in [(ADMIN, ADMIN), (ADMIN_2, ADMIN), (OFFICER, OFFICER)] {
        assert!(
            matches!(
                f.confirm(&id, who, key),
                Err(AppError::Invalid {
                    field: "signature",
                    ..
                })
            ),
            "{who} signed by {key}"
        );
    }
    assert!(f.store.official("irs-do-3").unwrap().is_none());

    assert_eq!(
        f.confirm(&id, ADMIN_2, ADMIN_2).unwrap(),
        ChangeState::InEffect
    );
    assert!(f.store.official("irs-do-3").unwrap().is_some());
    assert!(matches!(
        f.confirm(&id, ADMIN_2, ADMIN_2),
        Err(AppError::Conflict(_))
    ));
    // Logged: an auditor sees when the key appeared and who confirmed it.
    let ledger = f.store.open_ledger().unwrap();
    let entries = ledger.registry_entries().unwrap();
    let change = app.registry_change(&id).unwrap();
    let (index, entry) = entries.last().unwrap();
    assert_eq!(Some(*index), change.ledger_index);
    assert_eq!(entry.change_id, id);
    assert_eq!(
        entry.record_sha256,
        vouch_pipeline::changes::record_digest(&change)
    );
    let vetted = app.vetted(&ledger).unwrap();
    assert!(vetted.official("irs-do-3").is_some());
    assert_eq!(vetted.confirmed, 1);
    let trail = f.store.service_audit_trail().unwrap();
    assert!(trail
        .iter()
        .any(|e| e.action == AuditAction::ChangeProposed && e.actor == ADMIN));
    assert!(trail
        .iter()
        .any(|e| e.action == AuditAction::ChangeInEffect && e.actor == ADMIN_2));
}

#[test]
fn policy_and_hold_list_changes_wait_for_a_second_administrator_once_sealed() {
    let f = fixture(StoreKind::Sqlite, "two_person_holds").unwrap();
    seal_registry(f.store.as_ref());
    let app = f.app();
    let o1 = app.acting::<Officer>(OFFICER).unwrap();
    let tin = Tin::parse("123456789").unwrap();
    assert!(matches!(
        app.change_holds(&o1, &[tin], true),
        Err(AppError::Conflict(m)) if m.contains("sealed")
    ));
    let p = Proposal::Holds {
        tins: vec![tin],
        add: true,
    };
    let id = f.propose(&p, OFFICER, OFFICER).unwrap();
    assert_eq!(app.holds_count().unwrap(), 0, "pending: nobody held yet");
    // A second officer is not an administrator.
    assert!(f.confirm(&id, OFFICER_2, OFFICER_2).is_err());
    f.confirm(&id, ADMIN, ADMIN).unwrap();
    assert_eq!(app.holds_count().unwrap(), 1);

    let text = PolicyConfig::defaults().to_toml();
    let owner = app.acting::<vouch_app::PolicyOwner>(OFFICER).unwrap();
    assert!(app
        .activate_policy(&owner, &text, "the annual review of the policy")
        .is_err());
    let p = Proposal::Policy {
        text: text.clone(),
        reason: "the annual review of the policy".into(),
    };
    let id = f.propose(&p, OFFICER, OFFICER).unwrap();
    assert!(f.store.active_policy().unwrap().is_none());
    f.confirm(&id, ADMIN_2, ADMIN_2).unwrap();
    assert_eq!(
        f.store.active_policy().unwrap().as_deref(),
        Some(text.as_str())
    );
}

/// A store writer registers an officer of their own and approves with its
/// key; later adds a second, validly signed approval to a released batch.
fn a_store_writer_cannot_add_an_officer_or_an_approval_that_counts(kind: StoreKind) {
    let Some(f) = fixture(kind, "two_person_store_writer") else {
        return;
    };
    let id = f.request_id();
    let r = f.run(&[]).unwrap();
    assert!(matches!(r.status, RunStatus::PendingReview { .. }));

    // An officials row the registry never logged, with the writer's key,
    // and an approval row signed with it.
    let evil = "irs-do-evil";
    f.store
        .add_official(OfficialRecord {
            id: evil.into(),
            agency: HOME_AGENCY.into(),
            role: Role::DisclosureOfficer,
            public_key: Some(base64_key(evil)),
            registered_at: OffsetDateTime::now_utc(),
        })
        .unwrap();
    let mut rec = f.store.request(&id).unwrap().unwrap();
    let d = SignedDecision::sign(&rec, Decision::Approve, evil, "fine", &officer_key(evil));
    rec.approvals.push(Approval {
        officer: evil.into(),
        at: d.at,
        comment: d.comment.clone(),
        signature: Some(d.signature.clone()),
    });
    f.store.put_request(&rec).unwrap();
    let r = f.run(&[]).unwrap();
    assert!(
        matches!(r.status, RunStatus::PendingReview { approvals: 0, .. }),
        "an officer the ledger does not vouch for approves nothing: {:?}",
        r.status
    );
    assert_eq!(f.store.open_ledger().unwrap().lookups(), 0);

    // A real approval releases it.
    let r = f.run(&[OFFICER]).unwrap();
    assert_eq!(r.status, RunStatus::Completed);
    let app = f.app();
    let ledger = f.store.open_ledger().unwrap();
    app.check_all_approvals(&ledger).unwrap();

    // Afterwards a second, validly signed approval row appears.
    let mut rec = f.store.request(&id).unwrap().unwrap();
    let d = SignedDecision::sign(
        &rec,
        Decision::Approve,
        OFFICER_2,
        "me too",
        &officer_key(OFFICER_2),
    );
    rec.approvals.push(Approval {
        officer: OFFICER_2.into(),
        at: d.at,
        comment: d.comment,
        signature: Some(d.signature),
    });
    f.store.put_request(&rec).unwrap();
    assert!(matches!(
        app.check_all_approvals(&ledger),
        Err(AppError::ApprovalsAltered { .. })
    ));
    let requester = app
        .acting::<Requester>(vouch_synth::RECIPIENT_IDS[0])
        .unwrap();
    assert!(matches!(
        app.release(&requester, &ledger, &id, ResponseFile::Csv, "test"),
        Err(AppError::ApprovalsAltered { .. })
    ));
}

fn base64_key(id: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(officer_key(id).verifying_key().to_bytes())
}

#[test]
fn a_store_writer_cannot_add_an_officer_or_an_approval_that_counts_sqlite() {
    a_store_writer_cannot_add_an_officer_or_an_approval_that_counts(StoreKind::Sqlite);
}

#[test]
fn a_store_writer_cannot_add_an_officer_or_an_approval_that_counts_postgres() {
    a_store_writer_cannot_add_an_officer_or_an_approval_that_counts(StoreKind::Postgres);
}

#[test]
fn a_registry_record_altered_after_it_was_logged_stops_every_run() {
    let f = fixture(StoreKind::Sqlite, "two_person_altered").unwrap();
    // Swap the second officer's key in its logged registration record.
    let mut changes = f.store.registry_changes().unwrap();
    let c = changes
        .iter_mut()
        .find(|c| c.summary.contains(OFFICER_2))
        .unwrap();
    c.payload = c
        .payload
        .replace(&base64_key(OFFICER_2), &base64_key("irs-do-evil"));
    f.store.put_registry_change(c).unwrap();
    let app = f.app();
    let ledger = f.store.open_ledger().unwrap();
    let e = app.vetted(&ledger).unwrap_err();
    assert!(e.to_string().contains("altered"), "{e}");
    let e = f.run(&[OFFICER]).unwrap_err();
    assert!(e.to_string().contains("registry"), "{e}");
    assert_eq!(
        f.store.open_ledger().unwrap().lookups(),
        0,
        "nothing looked up"
    );
}

#[test]
fn an_official_registered_once_cannot_be_registered_again_by_a_second_proposal() {
    let f = fixture(StoreKind::Sqlite, "two_person_twice").unwrap();
    seal_registry(f.store.as_ref());
    // Two proposals for one id, with different keys, both pending.
    let first = f
        .propose(&Proposal::Official(officer("irs-do-3")), ADMIN, ADMIN)
        .unwrap();
    let mut other = officer("irs-do-3");
    other.public_key = Some(officer_key("someone else").verifying_key().to_bytes());
    let second = f
        .propose(&Proposal::Official(other), ADMIN_2, ADMIN_2)
        .unwrap();
    f.confirm(&first, ADMIN_2, ADMIN_2).unwrap();
    let size = f.store.open_ledger().unwrap().size();
    let e = f.confirm(&second, ADMIN, ADMIN).unwrap_err();
    assert!(e.to_string().contains("registered already"), "{e}");
    assert_eq!(
        f.store.open_ledger().unwrap().size(),
        size,
        "nothing logged"
    );
    let app = f.app();
    assert_eq!(
        ChangeState::of(&app.registry_change(&second).unwrap()),
        ChangeState::Pending,
        "nothing recorded either"
    );
    let ledger = f.store.open_ledger().unwrap();
    let key = app
        .vetted(&ledger)
        .unwrap()
        .official("irs-do-3")
        .unwrap()
        .public_key
        .clone();
    assert_eq!(key, Some(base64_key("irs-do-3")), "the first key stays");
}
