//! Shared fixtures of the policy integration tests: a valid cover letter and
//! a subject that passes every subject-level rule, to be spoiled one field at
//! a time. Not every test binary uses every helper.
#![allow(dead_code)]

use time::macros::datetime;
use vouch_core::{Official, ReasonCode, RequestLetter, Subject};
use vouch_policy::{check_subjects, PolicyConfig};

/// A cover letter that meets every request-level rule, submitted 2025-06-02,
/// its recipient assigned the cases of subjects 0 to 999.
pub fn letter() -> RequestLetter {
    let official = |id: &str| Official {
        id: id.into(),
        name: String::new(),
        title: String::new(),
    };
    RequestLetter {
        request_id: "R-TEST".into(),
        pathway: "6103(i)(2)".into(),
        agency: "DHS-ICE".into(),
        submitted_at: datetime!(2025-06-02 14:00 UTC),
        signer: official("s"),
        recipients: vec![official("r")],
        statutory_authority: "8 U.S.C. 1253(a)(1)".into(),
        investigation: "criminal".into(),
        taxable_periods: vec![2023],
        requested_items: vec!["address_confirmation".into()],
        attestation: "used only by the named officers".into(),
        ai_analysis: false,
        ai_notification_id: None,
        subjects_file: "subjects.csv".into(),
        subjects_sha256: String::new(),
        cases: (0..1000)
            .map(|n| ("r".into(), valid_subject(n).case_number))
            .collect(),
        cases_file: None,
    }
}

/// Subject `n`: passes every rule; distinct A-number, case and relevance per `n`.
pub fn valid_subject(n: u32) -> Subject {
    Subject {
        line: u64::from(n) + 1,
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

/// The reasons of one subject checked alone under the default policy.
pub fn check_one(s: Subject) -> Vec<ReasonCode> {
    check_subjects(&letter(), &[s], &PolicyConfig::defaults())
        .reasons
        .remove(0)
}
