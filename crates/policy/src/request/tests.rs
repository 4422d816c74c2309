//! One failing and one passing case per request-level rule.

use super::*;
use ed25519_dalek::{Signer, SigningKey};
use time::macros::{date, datetime};
use vouch_core::Official;

struct Reg {
    key: [u8; 32],
    agency: Option<AgencyInfo>,
    signer_role: bool,
}

impl Registry for Reg {
    fn signer(&self, id: &str) -> Option<SignerInfo> {
        (id == "ice-director").then(|| SignerInfo {
            agency: "DHS-ICE".into(),
            is_signer: self.signer_role,
            public_key: Some(self.key),
        })
    }
    fn is_recipient(&self, id: &str, agency: &str) -> bool {
        id.starts_with("ice-agent") && agency == "DHS-ICE"
    }
    fn agency(&self, id: &str) -> Option<AgencyInfo> {
        (id == "DHS-ICE").then(|| self.agency.clone()).flatten()
    }
}

fn official(id: &str) -> Official {
    Official {
        id: id.into(),
        name: "N".into(),
        title: "T".into(),
    }
}

fn letter() -> RequestLetter {
    RequestLetter {
        request_id: "R-1".into(),
        pathway: "6103(i)(2)".into(),
        agency: "DHS-ICE".into(),
        submitted_at: datetime!(2025-06-02 14:00 UTC),
        signer: official("ice-director"),
        recipients: vec![official("ice-agent-0001")],
        statutory_authority: "8 U.S.C. 1253(a)(1)".into(),
        investigation: "criminal".into(),
        taxable_periods: vec![2022, 2023, 2024],
        requested_items: vec!["address_confirmation".into()],
        attestation: "The information will be used only by the named officers.".into(),
        ai_analysis: false,
        ai_notification_id: None,
        subjects_file: "subjects.csv".into(),
        subjects_sha256: "0".repeat(64),
        cases: Vec::new(),
        cases_file: None,
    }
}

fn agency() -> AgencyInfo {
    AgencyInfo {
        ssr_approved: date!(2025 - 01 - 15),
        ai_notifications: vec!["AI-7".into()],
        findings: vec![],
        responses: vec![],
        remediations: vec![],
    }
}

fn run(l: &RequestLetter, reg_mut: impl FnOnce(&mut Reg)) -> Result<Vec<ReasonCode>, AuthFailure> {
    run_at(l, reg_mut, datetime!(2025-06-03 00:00 UTC))
}

fn run_at(
    l: &RequestLetter,
    reg_mut: impl FnOnce(&mut Reg),
    received: time::OffsetDateTime,
) -> Result<Vec<ReasonCode>, AuthFailure> {
    let sk = SigningKey::from_bytes(&[3u8; 32]);
    let bytes = format!("{l:?}").into_bytes();
    let sig = sk.sign(&bytes).to_bytes();
    let mut reg = Reg {
        key: sk.verifying_key().to_bytes(),
        agency: Some(agency()),
        signer_role: true,
    };
    reg_mut(&mut reg);
    check_request(l, &bytes, &sig, &reg, &PolicyConfig::defaults(), received).map(|v| v.reasons)
}

fn rejects(code: ReasonCode, mutate: impl FnOnce(&mut RequestLetter)) {
    let mut l = letter();
    mutate(&mut l);
    assert_eq!(run(&l, |_| {}).unwrap(), vec![code]);
}

#[test]
fn a_valid_letter_passes_every_rule() {
    assert_eq!(run(&letter(), |_| {}).unwrap(), Vec::<ReasonCode>::new());
}

#[test]
fn pathway_other_than_i2_is_rejected() {
    rejects(ReasonCode::PathwayUnsupported, |l| {
        l.pathway = "6103(i)(1)".into()
    });
}

#[test]
fn items_beyond_address_confirmation_need_a_court_order() {
    rejects(ReasonCode::ScopeRequiresCourtOrder, |l| {
        l.requested_items.push("income".into())
    });
    rejects(ReasonCode::ScopeRequiresCourtOrder, |l| {
        l.requested_items.clear()
    });
}

#[test]
fn statute_off_the_allow_list_or_civil_investigation_is_rejected() {
    rejects(ReasonCode::StatuteNotAllowed, |l| {
        l.statutory_authority = "8 U.S.C. 1101".into()
    });
    rejects(ReasonCode::StatuteNotAllowed, |l| {
        l.investigation = "civil".into()
    });
}

#[test]
fn periods_must_be_past_within_lookback_and_distinct() {
    rejects(ReasonCode::PeriodsInvalid, |l| l.taxable_periods.clear());
    rejects(ReasonCode::PeriodsInvalid, |l| {
        l.taxable_periods = vec![2025]
    });
    rejects(ReasonCode::PeriodsInvalid, |l| {
        l.taxable_periods = vec![2018]
    });
    rejects(ReasonCode::PeriodsInvalid, |l| {
        l.taxable_periods = vec![2023, 2023]
    });
    assert!(run(
        &{
            let mut l = letter();
            l.taxable_periods = vec![2019];
            l
        },
        |_| {}
    )
    .unwrap()
    .is_empty());
}

#[test]
fn recipients_must_exist_and_be_registered() {
    rejects(ReasonCode::RecipientsMissing, |l| l.recipients.clear());
    rejects(ReasonCode::RecipientsMissing, |l| {
        l.recipients.push(official("someone-else"))
    });
}

#[test]
fn attestation_must_be_a_sentence() {
    rejects(ReasonCode::AttestationMissing, |l| {
        l.attestation = "  ".into()
    });
    rejects(ReasonCode::AttestationMissing, |l| {
        l.attestation = "yes".into()
    });
}

#[test]
fn an_open_remediation_counts_against_the_safeguards_until_certified() {
    let l = letter();
    let open = |certified: Option<Date>| {
        move |r: &mut Reg| {
            r.agency
                .as_mut()
                .unwrap()
                .remediations
                .push((date!(2025 - 05 - 01), certified))
        }
    };
    assert_eq!(
        run(&l, open(None)).unwrap(),
        vec![ReasonCode::SafeguardsNotCurrent]
    );
    assert!(run(&l, open(Some(date!(2025 - 05 - 20))))
        .unwrap()
        .is_empty());
    // Opened after the receipt: not yet against this request.
    let later = |r: &mut Reg| {
        r.agency
            .as_mut()
            .unwrap()
            .remediations
            .push((date!(2025 - 07 - 01), None))
    };
    assert!(run(&l, later).unwrap().is_empty());
}

#[test]
fn safeguards_must_be_current() {
    let l = letter();
    assert_eq!(
        run(&l, |r| r.agency = None).unwrap(),
        vec![ReasonCode::SafeguardsNotCurrent]
    );
    let old = |r: &mut Reg| r.agency.as_mut().unwrap().ssr_approved = date!(2021 - 01 - 01);
    assert_eq!(
        run(&l, old).unwrap(),
        vec![ReasonCode::SafeguardsNotCurrent]
    );
    let future = |r: &mut Reg| r.agency.as_mut().unwrap().ssr_approved = date!(2025 - 07 - 01);
    assert_eq!(
        run(&l, future).unwrap(),
        vec![ReasonCode::SafeguardsNotCurrent]
    );
    let finding = |plan: bool, closed: Option<Date>| {
        move |r: &mut Reg| {
            r.agency.as_mut().unwrap().findings.push(FindingInfo {
                opened: date!(2025 - 03 - 01),
                has_plan: plan,
                closed,
            })
        }
    };
    assert_eq!(
        run(&l, finding(false, None)).unwrap(),
        vec![ReasonCode::SafeguardsNotCurrent]
    );
    assert!(
        run(&l, finding(true, None)).unwrap().is_empty(),
        "a finding with a plan does not block"
    );
    assert!(
        run(&l, finding(false, Some(date!(2025 - 04 - 01))))
            .unwrap()
            .is_empty(),
        "closed before submission"
    );
    let response = |disposed: Option<Date>| {
        move |r: &mut Reg| {
            r.agency.as_mut().unwrap().responses.push(ResponseInfo {
                released: date!(2025 - 01 - 10),
                disposed,
            })
        }
    };
    assert_eq!(
        run(&l, response(None)).unwrap(),
        vec![ReasonCode::SafeguardsNotCurrent]
    );
    assert!(run(&l, response(Some(date!(2025 - 03 - 01))))
        .unwrap()
        .is_empty());
    let recent = |r: &mut Reg| {
        r.agency.as_mut().unwrap().responses.push(ResponseInfo {
            released: date!(2025 - 05 - 01),
            disposed: None,
        })
    };
    assert!(
        run(&l, recent).unwrap().is_empty(),
        "disposition not yet due"
    );
}

#[test]
fn ai_analysis_needs_a_notification_on_file() {
    rejects(ReasonCode::AiNotificationMissing, |l| l.ai_analysis = true);
    rejects(ReasonCode::AiNotificationMissing, |l| {
        l.ai_analysis = true;
        l.ai_notification_id = Some("AI-9".into());
    });
    let mut l = letter();
    l.ai_analysis = true;
    l.ai_notification_id = Some("AI-7".into());
    assert!(run(&l, |_| {}).unwrap().is_empty());
}

#[test]
fn a_letter_dated_after_its_receipt_is_refused_beyond_a_few_minutes_of_skew() {
    rejects(ReasonCode::SubmittedInFuture, |l| {
        l.submitted_at = datetime!(2025-06-04 00:00 UTC)
    });
    let mut l = letter();
    l.submitted_at = datetime!(2025-06-03 00:04 UTC);
    assert!(run(&l, |_| {}).unwrap().is_empty(), "four minutes of skew");
    l.submitted_at = datetime!(2025-06-03 00:06 UTC);
    assert_eq!(
        run(&l, |_| {}).unwrap(),
        vec![ReasonCode::SubmittedInFuture]
    );
}

#[test]
fn a_letter_dated_more_than_seven_days_before_its_receipt_is_stale() {
    let l = letter(); // submitted 2025-06-02 14:00
    let at = |t| run_at(&l, |_| {}, t).unwrap();
    assert!(at(datetime!(2025-06-09 13:59 UTC)).is_empty());
    assert_eq!(
        at(datetime!(2025-06-09 14:01 UTC)),
        vec![ReasonCode::StaleRequest]
    );
    let mut old = letter();
    old.submitted_at = datetime!(2024-01-02 14:00 UTC);
    old.taxable_periods = vec![2022];
    assert!(
        run(&old, |_| {})
            .unwrap()
            .contains(&ReasonCode::StaleRequest),
        "18 months old"
    );
}

#[test]
fn safeguards_are_judged_at_receipt_whatever_date_the_letter_bears() {
    // The report was current when the letter says it was written, not when
    // it arrived: dating the letter back does not help.
    let mut l = letter();
    l.submitted_at = datetime!(2028-01-10 09:00 UTC);
    let lapsed = run_at(&l, |_| {}, datetime!(2028-01-16 09:00 UTC)).unwrap();
    assert_eq!(lapsed, vec![ReasonCode::SafeguardsNotCurrent]);
    let finding = |r: &mut Reg| {
        r.agency.as_mut().unwrap().findings.push(FindingInfo {
            opened: date!(2025 - 06 - 01),
            has_plan: false,
            closed: None,
        })
    };
    let backdated = letter(); // 2025-06-02, received a week later
    let got = run_at(&backdated, finding, datetime!(2025-06-08 09:00 UTC)).unwrap();
    assert_eq!(got, vec![ReasonCode::SafeguardsNotCurrent]);
}

#[test]
fn failures_are_collected_not_stopped_at_the_first() {
    let mut l = letter();
    l.pathway = "x".into();
    l.attestation.clear();
    assert_eq!(
        run(&l, |_| {}).unwrap(),
        vec![
            ReasonCode::PathwayUnsupported,
            ReasonCode::AttestationMissing
        ]
    );
}

#[test]
fn a_bad_signature_or_unregistered_signer_is_refused_outright() {
    let l = letter();
    let e = run(&l, |r| {
        r.key = SigningKey::from_bytes(&[4u8; 32])
            .verifying_key()
            .to_bytes()
    })
    .unwrap_err();
    assert_eq!(e.code(), ReasonCode::SignatureInvalid);
    let e = run(&l, |r| r.signer_role = false).unwrap_err();
    assert_eq!(e.code(), ReasonCode::SignerNotAuthorized);
    let mut other = letter();
    other.signer = official("nobody");
    assert!(matches!(
        run(&other, |_| {}).unwrap_err(),
        AuthFailure::SignerUnregistered { .. }
    ));
    let mut wrong_agency = letter();
    wrong_agency.agency = "DOJ-FBI".into();
    assert!(matches!(
        run(&wrong_agency, |_| {}).unwrap_err(),
        AuthFailure::SignerNotAuthorized { .. }
    ));
}
