//! One failing and one passing case per subject-level rule and hold.

use super::*;
use time::macros::datetime;
use vouch_core::Official;

/// A letter whose recipient `r` is assigned the cases of subjects 0 to 59.
fn letter() -> RequestLetter {
    letter_with(60)
}

/// A letter whose recipient `r` is assigned the cases of subjects 0..n.
fn letter_with(n: u32) -> RequestLetter {
    RequestLetter {
        request_id: "R-1".into(),
        pathway: "6103(i)(2)".into(),
        agency: "DHS-ICE".into(),
        submitted_at: datetime!(2025-06-02 14:00 UTC),
        signer: Official {
            id: "s".into(),
            name: String::new(),
            title: String::new(),
        },
        recipients: vec![Official {
            id: "r".into(),
            name: String::new(),
            title: String::new(),
        }],
        statutory_authority: "8 U.S.C. 1253(a)(1)".into(),
        investigation: "criminal".into(),
        taxable_periods: vec![2023],
        requested_items: vec!["address_confirmation".into()],
        attestation: "used only by the named officers".into(),
        ai_analysis: false,
        ai_notification_id: None,
        subjects_file: "subjects.csv".into(),
        subjects_sha256: String::new(),
        cases: (0..n)
            .map(|i| ("r".into(), subject(i).case_number))
            .collect(),
        cases_file: None,
    }
}

fn subject(n: u32) -> Subject {
    Subject {
        line: n as u64 + 1,
        subject_ref: format!("S{n}"),
        first_name: "María".into(),
        middle_name: String::new(),
        last_name: "García López".into(),
        suffix: String::new(),
        dob: String::new(),
        tin: String::new(),
        street: "1234 N Main St Apt 5".into(),
        city: "Los Angeles".into(),
        state: "CA".into(),
        zip: "90012".into(),
        a_number: format!("A{:09}", 100_000_000 + n),
        final_order_date: "2024-01-15".into(),
        case_number: format!("HSI-2025-{n:06}"),
        relevance: format!(
            "Subject {n} is a named target of the smuggling investigation in case file {n}"
        ),
    }
}

fn check(s: Subject) -> Vec<ReasonCode> {
    check_subjects(&letter(), &[s], &PolicyConfig::defaults())
        .reasons
        .remove(0)
}

fn rejects(code: ReasonCode, mutate: impl FnOnce(&mut Subject)) {
    let mut s = subject(1);
    mutate(&mut s);
    assert_eq!(check(s), vec![code]);
}

#[test]
fn a_valid_subject_passes_every_rule() {
    assert_eq!(check(subject(1)), Vec::<ReasonCode>::new());
}

#[test]
fn a_subject_whose_case_no_recipient_is_assigned_to_is_rejected() {
    // Subject 100's case is on no recipient's list.
    assert_eq!(check(subject(100)), vec![ReasonCode::RecipientNotOnCase]);
    // Assigned (written with spaces around it): passes.
    let mut l = letter();
    l.cases
        .push(("r".into(), " HSI-2025-000100 ".trim().into()));
    let r = check_subjects(&l, &[subject(100)], &PolicyConfig::defaults()).reasons;
    assert!(r[0].is_empty(), "{r:?}");
    // A letter assigning no cases rejects every subject.
    let mut none = letter();
    none.cases.clear();
    let r = check_subjects(&none, &[subject(1), subject(2)], &PolicyConfig::defaults()).reasons;
    assert!(r.iter().all(|x| x == &vec![ReasonCode::RecipientNotOnCase]));
}

#[test]
fn placeholder_or_missing_names_are_rejected() {
    for bad in ["", "FNU", "Unknown", "X", "n/a", "TEST", "  "] {
        rejects(ReasonCode::NameMissing, |s| s.first_name = bad.into());
    }
    rejects(ReasonCode::NameMissing, |s| s.last_name = "LNU".into());
}

#[test]
fn non_addresses_from_the_court_findings_are_rejected() {
    for (street, city, state, zip) in [
        ("Failed to Provide", "Los Angeles", "CA", "90012"),
        ("Unknown Address", "Los Angeles", "CA", "90012"),
        ("NA NA", "NA", "NA", "90012"),
        ("Don't Care", "Don't Care", "CA", "12345"),
        ("", "", "", "90012"),
        ("General Delivery", "Los Angeles", "CA", "90012"),
        ("1234 N Main St", "Los Angeles", "CA", "00000"),
        ("1234 N Main St", "Los Angeles", "TX", "90012"),
    ] {
        rejects(ReasonCode::AddressIncomplete, |s| {
            s.street = street.into();
            s.city = city.into();
            s.state = state.into();
            s.zip = zip.into();
        });
    }
}

#[test]
fn a_numbers_are_a_plus_eight_or_nine_digits() {
    for bad in [
        "",
        "123456789",
        "A1234567",
        "A1234567890",
        "B12345678",
        "A12345678X",
    ] {
        rejects(ReasonCode::ANumberInvalid, |s| s.a_number = bad.into());
    }
    assert!(check({
        let mut s = subject(1);
        s.a_number = "A12345678".into();
        s
    })
    .is_empty());
}

#[test]
fn order_dates_must_exist_precede_submission_and_age_90_days() {
    rejects(ReasonCode::OrderDateMissing, |s| {
        s.final_order_date = String::new()
    });
    rejects(ReasonCode::OrderDateMissing, |s| {
        s.final_order_date = "2024-13-01".into()
    });
    rejects(ReasonCode::OrderDateMissing, |s| {
        s.final_order_date = "2025-07-01".into()
    });
    rejects(ReasonCode::OrderUnder90Days, |s| {
        s.final_order_date = "2025-03-05".into()
    });
    // Exactly 90 days before 2025-06-02 is 2025-03-04: allowed.
    assert!(check({
        let mut s = subject(1);
        s.final_order_date = "2025-03-04".into();
        s
    })
    .is_empty());
}

#[test]
fn case_number_and_relevance_must_be_real() {
    rejects(ReasonCode::CaseNumberMissing, |s| {
        s.case_number = "N/A".into()
    });
    rejects(ReasonCode::CaseNumberMissing, |s| {
        s.case_number = String::new()
    });
    rejects(ReasonCode::RelevanceMissing, |s| {
        s.relevance = "relevant".into()
    });
    rejects(ReasonCode::RelevanceMissing, |s| {
        s.relevance = String::new()
    });
}

#[test]
fn a_malformed_dob_or_tin_fails_closed() {
    rejects(ReasonCode::DobInvalid, |s| s.dob = "1980-02-30".into());
    rejects(ReasonCode::DobInvalid, |s| s.dob = "2030-01-01".into());
    rejects(ReasonCode::TinInvalid, |s| s.tin = "12345".into());
    assert!(check({
        let mut s = subject(1);
        s.tin = "123-45-6789".into();
        s
    })
    .is_empty());
}

#[test]
fn every_copy_of_a_duplicate_is_rejected() {
    let a = subject(1);
    let mut b = subject(2);
    b.a_number = a.a_number.clone();
    let c = subject(3);
    let mut d = subject(4);
    let mut e = subject(5);
    d.dob = "1980-01-01".into();
    e.dob = "1980-01-01".into();
    e.first_name = "MARIA".into();
    e.last_name = "Garcia-Lopez".into();
    let r = check_subjects(&letter(), &[a, b, c, d, e], &PolicyConfig::defaults()).reasons;
    let dup = vec![ReasonCode::DuplicateSubject];
    assert_eq!(r, vec![dup.clone(), dup.clone(), vec![], dup.clone(), dup]);
}

#[test]
fn holds_fire_on_boilerplate_caseload_and_size() {
    let p = PolicyConfig::defaults();
    let many: Vec<Subject> = (0..51).map(subject).collect();
    assert!(holds(&letter(), &many, &p, 0).is_empty());
    let mut same = many.clone();
    for s in &mut same {
        s.relevance = "Relevant to an ongoing criminal investigation of the subject".into();
    }
    assert_eq!(
        holds(&letter(), &same, &p, 0),
        vec![HoldCode::BoilerplateRelevance]
    );
    // A recipient assigned more than 200 cases by the letter.
    let cases: Vec<Subject> = (0..201).map(subject).collect();
    assert_eq!(
        holds(&letter_with(201), &cases, &p, 0),
        vec![HoldCode::RecipientCaseload]
    );
    assert!(holds(&letter_with(200), &cases, &p, 0).is_empty());
    // The same from the texts the subject checks hashed.
    for (batch, l) in [
        (&many, letter()),
        (&same, letter()),
        (&cases, letter_with(201)),
    ] {
        let texts = check_subjects(&l, batch, &p).texts;
        assert_eq!(holds_of(&l, &texts, &p, 0), holds(&l, batch, &p, 0));
    }
    let mut big = p.clone();
    big.large_batch_subjects_min = 3;
    let three: Vec<Subject> = (0..3).map(subject).collect();
    assert_eq!(
        holds(&letter(), &three, &big, 0),
        vec![HoldCode::LargeBatch]
    );
    // Split into pieces: the pieces sent within the window count together.
    let two: Vec<Subject> = (0..2).map(subject).collect();
    assert!(holds(&letter(), &two, &big, 0).is_empty());
    assert_eq!(holds(&letter(), &two, &big, 1), vec![HoldCode::LargeBatch]);
}

#[test]
fn a_policy_requiring_a_residence_refuses_a_post_office_box() {
    let mut s = subject(1);
    s.street = "PO Box 1234".into();
    let lenient = PolicyConfig::defaults();
    assert!(check_subjects(&letter(), &[s.clone()], &lenient).reasons[0].is_empty());
    let mut strict = PolicyConfig::defaults();
    strict.residence_required = true;
    assert_eq!(
        check_subjects(&letter(), &[s], &strict).reasons[0],
        vec![ReasonCode::AddressIncomplete]
    );
    // A street address passes either way.
    assert!(check_subjects(&letter(), &[subject(2)], &strict).reasons[0].is_empty());
    // Written only when set: every policy without it keeps its version.
    assert!(!lenient.to_toml().contains("residence_required"));
    assert_ne!(strict.version(), lenient.version());
}
