//! Security keys (WebAuthn), tried the way an insider or a careless caller
//! would: enrolment codes (single use, bound to their official, expiring),
//! the console's second factor, and decisions signed with a key (bound to
//! the statement; an assertion written into the store counts for nothing).
//! The key is `vouch_test_support::softkey::SoftKey`, a software P-256
//! credential speaking the browser's wire formats.

use serde_json::Value;
use time::OffsetDateTime;
use vouch_app::{
    Acting, Admin, App, AppError, Decision, Officer, Registrar, RelyingParty, SignedDecision,
};
use vouch_pipeline::webauthn::{encode_signature, statement_challenge};
use vouch_pipeline::{RunConfig, RunStatus};
use vouch_policy::PolicyConfig;
use vouch_store::{AuditAction, SessionRecord, StateStore};
use vouch_test_support::softkey::SoftKey;
use vouch_test_support::{open_state, register_synth_in, synth_fixture_at, OFFICER, OFFICER_2};

const RP_ID: &str = "localhost";
const ORIGIN: &str = "http://localhost:8080";

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: std::path::PathBuf,
    store: Box<dyn StateStore>,
    keys: vouch_app::ServiceKeys,
    rp: RelyingParty,
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
        rp: RelyingParty::new(RP_ID, ORIGIN).unwrap(),
    }
}

fn json<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

fn value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap()
}

impl Fixture {
    fn app(&self) -> App<'_> {
        App::with_keys(self.store.as_ref(), &self.keys)
            .unwrap()
            .with_relying_party(&self.rp)
    }

    /// A console session of `official`, signed in with a token (first factor only).
    fn session(&self, official: &str) -> SessionRecord {
        let app = self.app();
        let admin = match app.bootstrap(None).unwrap() {
            Some(t) => app.authenticate(&t).unwrap().unwrap(),
            None => self
                .store
                .official(vouch_app::BOOTSTRAP_ADMIN)
                .unwrap()
                .unwrap(),
        };
        let admin = Acting::<Admin>::check(admin).unwrap();
        let (token, _) = app.issue_token(&admin, official, None).unwrap();
        app.open_session(&token).unwrap().unwrap().record
    }

    /// Enrols `key` for the session's official with a fresh code.
    fn enrol(&self, session: &SessionRecord, key: &mut SoftKey) {
        let app = self.app();
        let code = app
            .issue_enrolment_code(&Registrar::Operator, &session.official)
            .unwrap();
        let options = app.start_enrolment(session, &code).unwrap();
        let made = key.create(&value(&options));
        app.finish_enrolment(session, &json(made)).unwrap();
    }

    fn request_id(&self) -> String {
        vouch_synth::request_id(11, 20)
    }

    fn run(&self) -> RunStatus {
        let policy = PolicyConfig::defaults();
        let cfg = RunConfig {
            keys: &self.keys,
            request_dir: &self.dir.join("data/request"),
            index_dir: &self.dir.join("index"),
            out_dir: &self.dir.join("out"),
            policy: &policy,
            now: time::macros::datetime!(2025-06-03 09:00 UTC),
            fault: None,
            progress: None,
        };
        vouch_test_support::run_approved(self.store.as_ref(), &cfg, &[])
            .unwrap()
            .status
    }
}

fn day_and_hour_ahead() -> OffsetDateTime {
    vouch_core::timestamp::now() + time::Duration::hours(25)
}

fn refused_code(r: Result<impl std::fmt::Debug, AppError>) -> bool {
    matches!(r, Err(AppError::Invalid { field: "code", .. }))
}

#[test]
fn an_enrolment_code_is_single_use_bound_to_its_official_and_expires() {
    let f = fixture(5);
    let app = f.app();
    let (s1, s2) = (f.session(OFFICER), f.session(OFFICER_2));
    let code = app
        .issue_enrolment_code(&Registrar::Operator, OFFICER)
        .unwrap();
    // Kept only as its hash; the audit trail names it by id, never the code.
    let trail = f.store.service_audit_trail().unwrap();
    let issued = trail
        .iter()
        .find(|e| e.action == AuditAction::EnrolmentCodeIssued)
        .unwrap();
    assert!(issued.detail.contains(OFFICER) && !issued.detail.contains(&code));
    // Unknown official, malformed or unknown code.
    assert!(matches!(
        app.issue_enrolment_code(&Registrar::Operator, "nobody"),
        Err(AppError::NotFound { .. })
    ));
    assert!(refused_code(app.start_enrolment(&s1, "not a code")));
    assert!(refused_code(app.start_enrolment(&s1, &"A".repeat(43))));
    // A code issued for OFFICER does not enrol OFFICER_2.
    assert!(refused_code(app.start_enrolment(&s2, &code)));
    // Two ceremonies started with one code (two tabs): only one enrols.
    let s1b = f.session(OFFICER);
    let (mut k1, mut k1b) = (SoftKey::new(RP_ID, ORIGIN), SoftKey::new(RP_ID, ORIGIN));
    let o1 = app.start_enrolment(&s1, &code).unwrap();
    let o1b = app.start_enrolment(&s1b, &code).unwrap();
    let key = app
        .finish_enrolment(&s1, &json(k1.create(&value(&o1))))
        .unwrap();
    assert_eq!(key.official, OFFICER);
    assert_eq!(key.credential_id, k1.credential_id());
    assert!(refused_code(
        app.finish_enrolment(&s1b, &json(k1b.create(&value(&o1b))))
    ));
    // Used: refused at once.
    assert!(refused_code(app.start_enrolment(&s1, &code)));
    assert_eq!(app.security_keys_of(OFFICER).unwrap().len(), 1);
    // A ceremony is finished once, by the session that started it.
    assert!(app
        .finish_enrolment(&s1, &json(k1.create(&value(&o1))))
        .is_err());
    // A code a day and an hour old is refused.
    let late = app
        .issue_enrolment_code(&Registrar::Operator, OFFICER_2)
        .unwrap();
    let later = App::with_clock(f.store.as_ref(), day_and_hour_ahead).with_relying_party(&f.rp);
    assert!(refused_code(later.start_enrolment(&s2, &late)));
    // Another origin (a look-alike site relaying the ceremony) enrols nothing.
    let o2 = app.start_enrolment(&s2, &late).unwrap();
    let mut phished = SoftKey::new(RP_ID, "http://localhost:9999");
    assert!(app
        .finish_enrolment(&s2, &json(phished.create(&value(&o2))))
        .is_err());
    assert!(app.security_keys_of(OFFICER_2).unwrap().is_empty());
    let enrolled = f
        .store
        .service_audit_trail()
        .unwrap()
        .into_iter()
        .filter(|e| e.action == AuditAction::SecurityKeyEnrolled)
        .count();
    assert_eq!(enrolled, 1);
}

#[test]
fn the_second_factor_needs_an_assertion_by_the_officials_own_key() {
    let f = fixture(5);
    let app = f.app();
    let s1 = f.session(OFFICER);
    assert!(
        s1.second_factor_at.is_none(),
        "a token opens a pending session"
    );
    // No key yet: nothing to assert with (the console offers enrolment).
    assert!(app.start_second_factor(&s1).unwrap().is_none());
    let mut k1 = SoftKey::new(RP_ID, ORIGIN);
    f.enrol(&s1, &mut k1);
    // A key that is not enrolled, or another official's, does not do.
    let options = app.start_second_factor(&s1).unwrap().unwrap();
    let mut stranger = SoftKey::new(RP_ID, ORIGIN);
    assert!(app
        .finish_second_factor(&s1, &json(stranger.get(&value(&options))))
        .is_err());
    let s2 = f.session(OFFICER_2);
    assert!(app.start_second_factor(&s2).unwrap().is_none());
    // An assertion of an old challenge (replayed) does not do.
    let old = app.start_second_factor(&s1).unwrap().unwrap();
    let replayed = k1.get(&value(&old));
    let options = app.start_second_factor(&s1).unwrap().unwrap();
    assert!(app.finish_second_factor(&s1, &json(replayed)).is_err());
    assert!(f
        .store
        .session(&s1.key)
        .unwrap()
        .unwrap()
        .second_factor_at
        .is_none());
    // Its own key, answering this ceremony's challenge: complete.
    let options2 = app.start_second_factor(&s1).unwrap().unwrap();
    assert_ne!(
        value(&options),
        value(&options2),
        "a fresh challenge each time"
    );
    app.finish_second_factor(&s1, &json(k1.get(&value(&options2))))
        .unwrap();
    assert!(f
        .store
        .session(&s1.key)
        .unwrap()
        .unwrap()
        .second_factor_at
        .is_some());
    // A cloned key (its counter behind the last one seen) is refused.
    let mut cloned = k1.rewound(0);
    let o = app.start_second_factor(&s1).unwrap().unwrap();
    app.finish_second_factor(&s1, &json(k1.get(&value(&o))))
        .unwrap();
    let o = app.start_second_factor(&s1).unwrap().unwrap();
    assert!(app
        .finish_second_factor(&s1, &json(cloned.get(&value(&o))))
        .is_err());
}

#[test]
fn a_decision_signed_with_a_security_key_holds_for_its_statement_only() {
    let f = fixture(20);
    let id = f.request_id();
    assert!(matches!(f.run(), RunStatus::PendingReview { .. }));
    let app = f.app();
    let o1 = app.acting::<Officer>(OFFICER).unwrap();
    let s1 = f.session(OFFICER);
    let mut k1 = SoftKey::new(RP_ID, ORIGIN);
    f.enrol(&s1, &mut k1);
    let sign = |key: &mut SoftKey, comment: &str, signed_comment: &str| {
        let at = vouch_core::timestamp::now();
        let text = app
            .decision_statement(&o1, &id, Decision::Approve, at, signed_comment)
            .unwrap();
        let options = app.statement_options(&o1, &text).unwrap().unwrap();
        assert_eq!(
            value(&options)["publicKey"]["challenge"],
            base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                statement_challenge(&text)
            ),
            "the challenge is the statement's hash"
        );
        let assertion = key.assert(&statement_challenge(&text));
        SignedDecision {
            at,
            comment: comment.into(),
            signature: encode_signature(&json(assertion)).unwrap(),
        }
    };
    // An assertion over another statement (another comment) does not approve.
    let other = sign(&mut k1, "ok", "something else");
    assert!(matches!(
        app.approve(&o1, &id, &other),
        Err(AppError::Invalid {
            field: "signature",
            ..
        })
    ));
    // Nor one by a key OFFICER never enrolled.
    let stranger = sign(&mut SoftKey::new(RP_ID, ORIGIN), "ok", "ok");
    assert!(app.approve(&o1, &id, &stranger).is_err());
    // Nor OFFICER's assertion presented as OFFICER_2's.
    let o2 = app.acting::<Officer>(OFFICER_2).unwrap();
    let mine = sign(&mut k1, "ok", "ok");
    assert!(app.approve(&o2, &id, &mine).is_err());
    // A store writer adds rows with a forged and a misbound assertion: they
    // count for nothing, nothing is looked up.
    let mut rec = f.store.request(&id).unwrap().unwrap();
    let mut forged = sign(&mut k1, "ok", "ok");
    let mut assertion: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            forged.signature.strip_prefix("webauthn:").unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assertion["response"]["signature"] = Value::String("MEUCIQ".into());
    forged.signature = encode_signature(&json(assertion)).unwrap();
    for d in [&forged, &other] {
        rec.approvals.push(vouch_store::Approval {
            officer: OFFICER.into(),
            at: d.at,
            comment: d.comment.clone(),
            signature: Some(d.signature.clone()),
        });
    }
    f.store.put_request(&rec).unwrap();
    assert!(matches!(
        f.run(),
        RunStatus::PendingReview { approvals: 0, .. }
    ));
    assert_eq!(f.store.open_ledger().unwrap().lookups(), 0);
    rec.approvals.clear();
    f.store.put_request(&rec).unwrap();
    // The officer's own key over this statement approves, and the batch runs.
    let good = sign(&mut k1, "ok", "ok");
    assert!(good.signature.starts_with("webauthn:"));
    app.approve(&o1, &id, &good).unwrap();
    // The same assertion again (replayed) is one approval per officer anyway.
    assert!(app.approve(&o1, &id, &good).is_err());
    assert_eq!(f.run(), RunStatus::Completed);
    // Checked offline afterwards (as `vouch ledger verify` does), with the
    // stored credential only: it holds; altered, it does not.
    let plain = App::new(f.store.as_ref());
    let ledger = f.store.open_ledger().unwrap();
    assert_eq!(plain.check_all_approvals(&ledger).unwrap(), 1);
    let mut rec = f.store.request(&id).unwrap().unwrap();
    rec.approvals[0].signature = Some(other.signature.clone());
    rec.approvals[0].at = other.at;
    f.store.put_request(&rec).unwrap();
    assert!(matches!(
        plain.check_all_approvals(&ledger),
        Err(AppError::ApprovalsAltered { .. })
    ));
}

/// A lone administrator can issue an enrolment code and a token for an
/// officer, and so enrol a key of their own under the officer's name: once
/// the registry is sealed that key signs no decision that counts until two
/// administrators vet it (a registry change of kind credential).
#[test]
fn once_sealed_a_security_key_signs_decisions_only_after_two_administrators_vet_it() {
    use vouch_app::{Proposal, SignedStep, Step};
    use vouch_test_support::{seal_registry, sign_statement, ADMIN, ADMIN_2};
    let f = fixture(20);
    let id = f.request_id();
    assert!(matches!(f.run(), RunStatus::PendingReview { .. }));
    let s1 = f.session(OFFICER);
    seal_registry(f.store.as_ref());
    let mut k1 = SoftKey::new(RP_ID, ORIGIN);
    f.enrol(&s1, &mut k1);
    let app = f.app();
    let o1 = app.acting::<Officer>(OFFICER).unwrap();
    let at = vouch_core::timestamp::now();
    let text = app
        .decision_statement(&o1, &id, Decision::Approve, at, "ok")
        .unwrap();
    let assertion = k1.assert(&statement_challenge(&text));
    let d = SignedDecision {
        at,
        comment: "ok".into(),
        signature: encode_signature(&json(assertion)).unwrap(),
    };
    app.approve(&o1, &id, &d).unwrap();
    assert!(
        matches!(f.run(), RunStatus::PendingReview { approvals: 0, .. }),
        "an unvetted key approves nothing"
    );
    assert_eq!(f.store.open_ledger().unwrap().lookups(), 0);

    // Two administrators vet it: proposed by one, confirmed by the other.
    let credential_id = f.store.security_keys(OFFICER).unwrap()[0]
        .credential_id
        .clone();
    let p = Proposal::Credential {
        official: OFFICER.into(),
        credential_id,
    };
    let now = vouch_core::timestamp::now();
    let draft = app.draft(&p, ADMIN, now).unwrap();
    let st = app.change_statement(&draft, Step::Propose, ADMIN, draft.proposed_at);
    let change = app
        .propose(
            &p,
            SignedStep {
                official: ADMIN.into(),
                at: now,
                signature: sign_statement(ADMIN, &st),
            },
        )
        .unwrap();
    let st = app.change_statement(&change, Step::Confirm, ADMIN_2, now);
    app.confirm_change(
        &change.id,
        SignedStep {
            official: ADMIN_2.into(),
            at: now,
            signature: sign_statement(ADMIN_2, &st),
        },
    )
    .unwrap();
    assert_eq!(f.run(), RunStatus::Completed);
    let ledger = f.store.open_ledger().unwrap();
    assert_eq!(
        App::new(f.store.as_ref())
            .check_all_approvals(&ledger)
            .unwrap(),
        1
    );
}
