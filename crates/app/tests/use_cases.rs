//! The application layer's rules, each tried the way an insider or a
//! careless caller would: who may act, the review workflow, the registry,
//! credentials, and explanations recorded at lookup time.

use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use vouch_app::{
    Acting, Admin, App, AppError, Auditor, Decision, NewOfficial, NoExplanation, Officer, Overseer,
    Registrar, Requester, SignedDecision,
};
use vouch_pipeline::{RunConfig, RunStatus};
use vouch_policy::PolicyConfig;
use vouch_store::{AuditAction, RequestStatus, Role, StateStore, HOME_AGENCY};
use vouch_test_support::{open_state, register_synth_in, synth_fixture_at, OFFICER, OFFICER_2};

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: std::path::PathBuf,
    store: Box<dyn StateStore>,
    keys: vouch_app::ServiceKeys,
}

fn fixture(subjects: u64) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    synth_fixture_at(&dir, 2_000, subjects, 11, vouch_synth::SUBMITTED_AT);
    let store = open_state(&dir.join("state"));
    register_synth_in(store.as_ref(), &dir.join("data"));
    let keys = vouch_test_support::keys_of(store.as_ref(), &dir.join("state"));
    Fixture {
        _tmp: tmp,
        dir,
        store,
        keys,
    }
}

impl Fixture {
    fn app(&self) -> App<'_> {
        App::with_keys(self.store.as_ref(), &self.keys).unwrap()
    }

    fn add(&self, id: &str, agency: &str, role: Role) {
        let new = NewOfficial {
            id: id.into(),
            agency: agency.into(),
            role,
            public_key: matches!(role, Role::Signer | Role::DisclosureOfficer).then(|| {
                vouch_test_support::officer_key(id)
                    .verifying_key()
                    .to_bytes()
            }),
        };
        self.app()
            .register_official(&Registrar::Operator, new)
            .unwrap();
    }

    /// Runs the fixture's request with the approvals of `officers`.
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

    /// `officer`'s own signature of `decision` on the fixture's request.
    fn signed(&self, officer: &str, decision: Decision, comment: &str) -> SignedDecision {
        let rec = self.store.request(&self.request_id()).unwrap().unwrap();
        SignedDecision::sign(
            &rec,
            decision,
            officer,
            comment,
            &vouch_test_support::officer_key(officer),
        )
    }

    fn request_id(&self) -> String {
        let letter: serde_json::Value = serde_json::from_slice(
            &std::fs::read(self.dir.join("data/request/request.json")).unwrap(),
        )
        .unwrap();
        letter["request_id"].as_str().unwrap().to_string()
    }
}

#[test]
fn only_officials_in_the_permit_can_act_and_unknown_ids_are_named() {
    let f = fixture(20);
    let app = f.app();
    assert!(app.acting::<Officer>(OFFICER).is_ok());
    for (id, who) in [
        (
            vouch_synth::SIGNER_ID,
            "a registered disclosure officer of the tax agency",
        ),
        (
            "nobody",
            "a registered disclosure officer of the tax agency",
        ),
    ] {
        match app.acting::<Officer>(id) {
            Err(AppError::NotPermitted { official, who: w }) => {
                assert_eq!((official.as_str(), w), (id, who));
            }
            other => panic!("{id}: {other:?}"),
        }
    }
    assert!(app.acting::<Requester>(vouch_synth::SIGNER_ID).is_ok());
    assert!(app.acting::<Requester>(OFFICER).is_err());
    assert!(app.acting::<Admin>(OFFICER).is_err());
    let officer = f.store.official(OFFICER).unwrap().unwrap();
    assert!(Acting::<Overseer>::check(officer.clone()).is_ok());
    assert!(matches!(
        Acting::<Auditor>::check(officer),
        Err(AppError::Forbidden)
    ));
}

#[test]
fn the_registry_refuses_roles_at_the_wrong_agency_signers_without_keys_and_duplicates() {
    let f = fixture(5);
    let app = f.app();
    let by = Registrar::Operator;
    let new = |id: &str, agency: &str, role, key: Option<[u8; 32]>| NewOfficial {
        id: id.into(),
        agency: agency.into(),
        role,
        public_key: key,
    };
    let refused = [
        (new("a", "DHS-ICE", Role::DisclosureOfficer, None), "role"),
        (new("b", HOME_AGENCY, Role::Signer, Some([1; 32])), "role"),
        (new("c", "DHS-ICE", Role::Signer, None), "public_key"),
        (new("d e", "DHS-ICE", Role::Recipient, None), "id"),
        (new("../x", "DHS-ICE", Role::Recipient, None), "id"),
    ];
    for (n, field) in refused {
        match app.register_official(&by, n) {
            Err(AppError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("want {field} refused, got {other:?}"),
        }
    }
    // A point that is not on the curve is not a key.
    let bad = (2u8..)
        .map(|b| {
            let mut k = [0u8; 32];
            k[0] = b;
            k
        })
        .find(|k| ed25519_dalek::VerifyingKey::from_bytes(k).is_err())
        .unwrap();
    assert!(matches!(
        app.register_official(&by, new("e", "DHS-ICE", Role::Signer, Some(bad))),
        Err(AppError::Invalid {
            field: "public_key",
            ..
        })
    ));
    assert!(matches!(
        app.register_official(&by, new("f", "NOPE", Role::Recipient, None)),
        Err(AppError::NotFound { what: "agency", .. })
    ));
    assert!(matches!(
        app.register_official(
            &by,
            new(
                OFFICER,
                HOME_AGENCY,
                Role::DisclosureOfficer,
                Some(
                    vouch_test_support::officer_key(OFFICER)
                        .verifying_key()
                        .to_bytes()
                )
            )
        ),
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        app.register_agency(&by, HOME_AGENCY, date!(2025 - 01 - 01), vec![]),
        Err(AppError::Invalid { field: "id", .. })
    ));
    // Every registration is in the service's audit trail, by who did it.
    let trail = f.store.service_audit_trail().unwrap();
    let registry = [
        AuditAction::AgencyRegistered,
        AuditAction::OfficialRegistered,
    ];
    assert!(trail
        .iter()
        .filter(|e| registry.contains(&e.action))
        .all(|e| e.actor == "operator"));
    assert!(trail.iter().all(|e| e.action != AuditAction::TokenIssued));
    assert!(trail
        .iter()
        .any(|e| e.action == AuditAction::OfficialRegistered && e.detail.contains(OFFICER)));
}

#[test]
fn approvals_keep_separation_of_duties_and_count_each_officer_once() {
    let f = fixture(20);
    let id = f.request_id();
    let r = f.run(&[]).unwrap();
    assert!(matches!(r.status, RunStatus::PendingReview { .. }));
    let app = f.app();
    let o1 = app.acting::<Officer>(OFFICER).unwrap();
    assert!(matches!(
        app.approve(&o1, &id, &f.signed(OFFICER, Decision::Approve, "  ")),
        Err(AppError::Invalid {
            field: "comment",
            ..
        })
    ));
    assert!(matches!(
        app.approve(
            &o1,
            "NO-SUCH-REQUEST",
            &f.signed(OFFICER, Decision::Approve, "ok")
        ),
        Err(AppError::NotFound { .. })
    ));
    let ok = f.signed(OFFICER, Decision::Approve, "checked the letter");
    assert_eq!(app.approve(&o1, &id, &ok).unwrap(), (1, 1));
    assert!(matches!(
        app.approve(&o1, &id, &f.signed(OFFICER, Decision::Approve, "again")),
        Err(AppError::Conflict(_))
    ));
    // Run: one approval is enough for a small batch; then nothing is pending.
    assert_eq!(f.run(&[]).unwrap().status, RunStatus::Completed);
    let o2 = app.acting::<Officer>(OFFICER_2).unwrap();
    assert!(matches!(
        app.approve(&o2, &id, &f.signed(OFFICER_2, Decision::Approve, "late")),
        Err(AppError::Conflict("the request is not pending review"))
    ));
    assert!(matches!(
        app.deny(&o2, &id, &f.signed(OFFICER_2, Decision::Deny, "late")),
        Err(AppError::Conflict("the request is not pending review"))
    ));
    let rec = f.store.request(&id).unwrap().unwrap();
    assert_eq!(rec.approvals.len(), 1);
    assert_eq!(rec.approvals[0].officer, OFFICER);
    let approved = f
        .store
        .audit_trail(&id)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == AuditAction::Approved)
        .count();
    assert_eq!(approved, 1);
}

#[test]
fn an_officer_named_twice_on_the_command_line_is_refused_before_anything_runs() {
    let f = fixture(20);
    assert!(matches!(
        f.run(&[OFFICER, OFFICER]),
        Err(AppError::Invalid {
            field: "approve-as",
            ..
        })
    ));
    assert!(f.store.request(&f.request_id()).unwrap().is_none());
}

#[test]
fn a_denied_batch_stays_denied_and_dispositions_need_a_released_response() {
    let f = fixture(20);
    let id = f.request_id();
    f.run(&[]).unwrap();
    let app = f.app();
    let o1 = app.acting::<Officer>(OFFICER).unwrap();
    assert!(matches!(
        app.dispose(&o1, &id, date!(2025 - 06 - 04)),
        Err(AppError::Conflict(_))
    ));
    let no = f.signed(OFFICER, Decision::Deny, "relevance is boilerplate");
    app.deny(&o1, &id, &no).unwrap();
    assert_eq!(f.run(&[OFFICER_2]).unwrap().status, RunStatus::Denied);
    assert_eq!(f.store.open_ledger().unwrap().lookups(), 0);
    let rec = f.store.request(&id).unwrap().unwrap();
    assert_eq!(rec.status, RequestStatus::Denied);
    assert!(rec.approvals.is_empty(), "a moot approval is not recorded");
}

#[test]
fn a_disposition_certificate_cannot_be_dated_in_the_future() {
    let f = fixture(20);
    let id = f.request_id();
    f.run(&[OFFICER]).unwrap();
    let app = f.app();
    let o1 = app.acting::<Officer>(OFFICER).unwrap();
    let tomorrow = vouch_core::timestamp::now().date() + Duration::days(1);
    assert!(matches!(
        app.dispose(&o1, &id, tomorrow),
        Err(AppError::Invalid {
            field: "certified",
            ..
        })
    ));
    app.dispose(&o1, &id, date!(2025 - 07 - 01)).unwrap();
    let rec = f.store.request(&id).unwrap().unwrap();
    assert_eq!(rec.disposition_certified, Some(date!(2025 - 07 - 01)));
}

fn days_ahead() -> OffsetDateTime {
    vouch_core::timestamp::now() + Duration::days(10)
}

#[test]
fn tokens_expire_are_revoked_at_once_and_open_sessions_that_end_with_them() {
    let f = fixture(5);
    let app = f.app();
    let boot = app.bootstrap(Some(Duration::days(1))).unwrap().unwrap();
    assert!(app.bootstrap(None).unwrap().is_none(), "shown once");
    let admin = app.authenticate(&boot).unwrap().unwrap();
    let admin = Acting::<Admin>::check(admin).unwrap();
    let (token, rec) = app
        .issue_token(&admin, OFFICER, Some(Duration::days(1)))
        .unwrap();
    assert_eq!(app.authenticate(&token).unwrap().unwrap().id, OFFICER);
    assert!(app.authenticate("not-a-token").unwrap().is_none());
    // Ten days on, the token no longer works.
    let later = App::with_clock(f.store.as_ref(), days_ahead);
    assert!(later.authenticate(&token).unwrap().is_none());
    // A session opened with it ends when the token is revoked.
    let opened = app.open_session(&token).unwrap().unwrap();
    assert!(app.session(&opened.cookie).unwrap().is_some());
    app.revoke_token(&admin, rec.id()).unwrap();
    assert!(app.session(&opened.cookie).unwrap().is_none());
    assert!(f.store.session(&opened.record.key).unwrap().is_none());
    assert!(app.authenticate(&token).unwrap().is_none());
    assert!(matches!(
        app.revoke_token(&admin, rec.id()),
        Err(AppError::NotFound { .. })
    ));
    assert!(matches!(
        app.issue_token(&admin, "nobody", None),
        Err(AppError::NotFound { .. })
    ));
}

#[test]
fn an_idle_session_ends() {
    let f = fixture(5);
    let app = f.app();
    let boot = app.bootstrap(None).unwrap().unwrap();
    let opened = app.open_session(&boot).unwrap().unwrap();
    assert!(app.session(&opened.cookie).unwrap().is_some());
    assert!(app.session("forged").unwrap().is_none());
    let later = App::with_clock(f.store.as_ref(), days_ahead);
    assert!(later.session(&opened.cookie).unwrap().is_none());
    assert!(app.session(&opened.cookie).unwrap().is_none(), "ended");
}

fn explain(
    f: &Fixture,
    id: &str,
    subject: &str,
) -> Result<Result<vouch_app::Explained, NoExplanation>, AppError> {
    let app = f.app();
    let auditor = app.acting::<Overseer>("irs-aud-1").unwrap();
    let ledger = f.store.open_ledger().unwrap();
    app.explain(&auditor, &ledger, id, subject)
}

#[test]
fn explanations_are_those_recorded_at_lookup_time_and_only_for_logged_lookups() {
    let f = fixture(40);
    f.add("irs-aud-1", HOME_AGENCY, Role::Auditor);
    let id = f.request_id();
    assert!(matches!(
        explain(&f, &id, "S1"),
        Err(AppError::NotFound { .. })
    ));
    let report = f.run(&[OFFICER]).unwrap();
    assert_eq!(report.status, RunStatus::Completed);
    // The index is gone: an explanation is read, never matched again.
    std::fs::remove_dir_all(f.dir.join("index")).unwrap();
    let mut shown = 0;
    for row in &report.rows {
        let got = explain(&f, &id, &row.subject_ref).unwrap();
        match row.outcome {
            vouch_core::Outcome::Rejected => {
                assert_eq!(got, Err(NoExplanation::NotLookedUp), "{}", row.subject_ref)
            }
            answered => match got {
                Ok(x) => {
                    shown += 1;
                    assert_eq!(x.outcome, answered);
                    assert_eq!(x.terms.first().map(|t| t.field), Some("given_name"));
                    let sum = x.prior + x.terms.iter().map(|t| t.weight).sum::<f64>();
                    assert!((sum - x.total).abs() < 1e-3, "{sum} vs {}", x.total);
                    if answered == vouch_core::Outcome::Confirmed {
                        assert!(x.total >= x.threshold);
                    }
                }
                Err(NoExplanation::NoCandidate) => {
                    assert_eq!(answered, vouch_core::Outcome::NotConfirmed)
                }
                Err(other) => panic!("{}: {other:?}", row.subject_ref),
            },
        }
    }
    assert!(shown > 10, "{shown} explanations");
    assert_eq!(
        explain(&f, &id, "NO-SUCH-SUBJECT").unwrap(),
        Err(NoExplanation::NotLookedUp)
    );
    let explained = f
        .store
        .audit_trail(&id)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == AuditAction::Explained && e.actor == "irs-aud-1")
        .count();
    // Every question is on the record, answered or not.
    assert_eq!(explained, report.rows.len() + 1);
}

#[test]
fn an_explanation_document_moved_or_altered_is_refused_not_shown() {
    let f = fixture(40);
    f.add("irs-aud-1", HOME_AGENCY, Role::Auditor);
    let id = f.request_id();
    let report = f.run(&[OFFICER]).unwrap();
    let looked_up = report
        .rows
        .iter()
        .find(|r| r.outcome != vouch_core::Outcome::Rejected)
        .unwrap();
    let doc = f.store.request_blob(&id, "explain:0").unwrap().unwrap();
    assert!(
        !doc.windows(looked_up.subject_ref.len())
            .any(|w| w == looked_up.subject_ref.as_bytes()),
        "encrypted: not even references in the clear"
    );
    let mut altered = doc.clone();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    f.store
        .put_request_blob(&id, "explain:0", &altered)
        .unwrap();
    assert!(matches!(
        explain(&f, &id, &looked_up.subject_ref),
        Err(AppError::Pipeline(_))
    ));
    // The right bytes under another request's name do not open either.
    f.store
        .put_request_blob("OTHER", "explain:0", &doc)
        .unwrap();
    let store = f.store.as_ref();
    assert!(vouch_pipeline::explain::recorded(store, f.keys.explain(), "OTHER", 0).is_err());
    f.store.put_request_blob(&id, "explain:0", &doc).unwrap();
    assert!(explain(&f, &id, &looked_up.subject_ref).unwrap().is_ok());
}

#[test]
fn holds_and_policy_changes_are_audited_with_who_did_them() {
    let f = fixture(5);
    let app = f.app();
    let o1 = app.acting::<Officer>(OFFICER).unwrap();
    let tins = [vouch_core::Tin::parse("123456789").unwrap()];
    assert_eq!(app.change_holds(&o1, &tins, true).unwrap(), 1);
    assert_eq!(app.change_holds(&o1, &tins, true).unwrap(), 0);
    assert_eq!(app.holds_count().unwrap(), 1);
    let owner = app.acting::<vouch_app::PolicyOwner>(OFFICER).unwrap();
    let text = PolicyConfig::defaults().to_toml();
    assert!(matches!(
        app.activate_policy(&owner, &text, "because"),
        Err(AppError::Invalid {
            field: "reason",
            ..
        })
    ));
    assert!(matches!(
        app.activate_policy(&owner, "nonsense = [", "a real reason here"),
        Err(AppError::Invalid {
            field: "policy",
            ..
        })
    ));
    app.activate_policy(&owner, &text, "the annual review of the policy")
        .unwrap();
    let trail = f.store.service_audit_trail().unwrap();
    for action in [AuditAction::HoldsAdded, AuditAction::PolicyActivated] {
        assert!(
            trail
                .iter()
                .any(|e| e.action == action && e.actor == OFFICER),
            "{action:?}"
        );
    }
    assert!(!format!("{trail:?}").contains("123456789"));
}

#[test]
fn a_decision_needs_the_officers_own_signature_made_just_now() {
    let f = fixture(20);
    let id = f.request_id();
    f.run(&[]).unwrap();
    let app = f.app();
    let o1 = app.acting::<Officer>(OFFICER).unwrap();
    // Signed with another officer's key (an administrator holding a token
    // for this officer, or a store writer, has no key of theirs).
    let rec = f.store.request(&id).unwrap().unwrap();
    let forged = SignedDecision::sign(
        &rec,
        Decision::Approve,
        OFFICER,
        "ok",
        &vouch_test_support::officer_key(OFFICER_2),
    );
    assert!(matches!(
        app.approve(&o1, &id, &forged),
        Err(AppError::Invalid {
            field: "signature",
            ..
        })
    ));
    // A signature of another decision (a denial) does not approve.
    let mut swapped = f.signed(OFFICER, Decision::Deny, "ok");
    assert!(app.approve(&o1, &id, &swapped).is_err());
    // Nor one of another comment than the one sent.
    swapped = f.signed(OFFICER, Decision::Approve, "ok");
    swapped.comment = "something else".into();
    assert!(app.approve(&o1, &id, &swapped).is_err());
    // Nor an old one, replayed.
    let mut old = f.signed(OFFICER, Decision::Approve, "ok");
    old.at -= time::Duration::hours(1);
    assert!(matches!(
        app.approve(&o1, &id, &old),
        Err(AppError::Invalid { field: "at", .. })
    ));
    assert!(f.store.request(&id).unwrap().unwrap().approvals.is_empty());
}

#[test]
fn an_approval_written_into_the_store_counts_for_nothing_and_one_altered_later_blocks_release() {
    let f = fixture(20);
    let id = f.request_id();
    f.run(&[]).unwrap();
    // A store writer adds an approval row: no signature, no release.
    let mut rec = f.store.request(&id).unwrap().unwrap();
    rec.approvals.push(vouch_store::Approval {
        officer: OFFICER.into(),
        at: vouch_core::timestamp::now(),
        comment: "ok".into(),
        signature: None,
    });
    f.store.put_request(&rec).unwrap();
    let r = f.run(&[]).unwrap();
    assert!(matches!(
        r.status,
        RunStatus::PendingReview { approvals: 0, .. }
    ));
    assert_eq!(
        f.store.open_ledger().unwrap().lookups(),
        0,
        "nothing looked up"
    );
    // Released properly, then one approval is altered in the store.
    rec.approvals.clear();
    f.store.put_request(&rec).unwrap();
    assert_eq!(f.run(&[OFFICER]).unwrap().status, RunStatus::Completed);
    let app = f.app();
    let ledger = f.store.open_ledger().unwrap();
    assert_eq!(app.check_all_approvals(&ledger).unwrap(), 1);
    let mut rec = f.store.request(&id).unwrap().unwrap();
    rec.approvals[0].comment = "approved after a phone call".into();
    f.store.put_request(&rec).unwrap();
    assert!(matches!(
        app.check_all_approvals(&ledger),
        Err(AppError::ApprovalsAltered { .. })
    ));
    let requester = app
        .acting::<Requester>(vouch_synth::RECIPIENT_IDS[0])
        .unwrap();
    assert!(matches!(
        app.release(&requester, &ledger, &id, vouch_app::ResponseFile::Csv, ""),
        Err(AppError::ApprovalsAltered { .. })
    ));
    // Removing it is no better.
    rec.approvals.clear();
    f.store.put_request(&rec).unwrap();
    assert!(app.check_all_approvals(&ledger).is_err());
}
