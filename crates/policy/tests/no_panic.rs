//! Property tests: `check_subjects` is total over arbitrary Unicode field
//! values (never panics), returns one sorted, de-duplicated reason list per
//! subject, and decides each subject alone: a subject's reasons in a batch
//! are its reasons checked by itself, plus `DUPLICATE_SUBJECT` only.
//!
//! It does not check which codes fire (the unit tests and the address corpus
//! do): only that the checker is total and per-subject.

mod common;

use common::{check_one, letter, valid_subject};
use proptest::prelude::*;
use vouch_core::{ReasonCode, Subject};
use vouch_policy::{check_subjects, PolicyConfig};

/// Pieces of the address grammar, so that random lines reach deep into the
/// parser (keywords next to numbers, fractions, units, routes, ships).
const TOKENS: &[&str] = &[
    "123",
    "0",
    "12-B",
    "1/2",
    "123-45",
    "N123W4567",
    "#",
    "-",
    "/",
    "N",
    "NORTH",
    "SW",
    "MAIN",
    "ST",
    "AVE",
    "AVENUE",
    "APT",
    "UNIT",
    "STE",
    "FL",
    "2ND",
    "FLOOR",
    "REAR",
    "PO",
    "P",
    "O",
    "BOX",
    "POB",
    "RR",
    "R",
    "HC",
    "STAR",
    "ROUTE",
    "HIGHWAY",
    "CONTRACT",
    "PSC",
    "CMR",
    "USS",
    "CVN",
    "68",
    "T-AH",
    "URB",
    "CALLE",
    "CAMINO",
    "C/O",
    "CARE",
    "OF",
    "GENERAL",
    "DELIVERY",
    "STATE",
    "HWY",
    "US",
    "I-95",
    "TWENTY",
    "FIRST",
    "TWENTY-FIRST",
    "JAIL",
    "NA",
    "UNKNOWN",
    "FAILED",
    "TO",
    "PROVIDE",
    "DONT",
    "CARE",
    "12345",
    "APO",
    "AE",
];

/// Free Unicode text, or a line built from grammar tokens and random characters.
fn field() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        3 => prop::sample::select(TOKENS).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
        1 => "\\PC{0,6}",
    ];
    prop_oneof![
        any::<String>(),
        prop::collection::vec(token, 0..12).prop_map(|t| t.join(" ")),
        "[0-9 -]{0,12}",
    ]
}

fn arbitrary_subject() -> impl Strategy<Value = Subject> {
    (prop::collection::vec(field(), 12), any::<bool>(), 0u32..4).prop_map(|(f, keep_dates, n)| {
        let mut s = valid_subject(n);
        s.first_name = f[0].clone();
        s.last_name = f[1].clone();
        s.middle_name = f[2].clone();
        s.street = f[3].clone();
        s.city = f[4].clone();
        s.state = f[5].clone();
        s.zip = f[6].clone();
        s.a_number = f[7].clone();
        s.case_number = f[8].clone();
        s.relevance = f[9].clone();
        if !keep_dates {
            s.final_order_date = f[10].clone();
            s.dob = f[11].clone();
        }
        s
    })
}

fn is_sorted_and_unique(r: &[ReasonCode]) -> bool {
    r.windows(2).all(|w| w[0] < w[1])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn check_subjects_is_total_and_decides_each_subject_alone(
        subjects in prop::collection::vec(arbitrary_subject(), 1..6)
    ) {
        let got = check_subjects(&letter(), &subjects, &PolicyConfig::defaults());
        prop_assert_eq!(got.reasons.len(), subjects.len());
        for (s, reasons) in subjects.iter().zip(&got.reasons) {
            prop_assert!(is_sorted_and_unique(reasons), "{:?}", reasons);
            let without_dup: Vec<ReasonCode> = reasons
                .iter()
                .copied()
                .filter(|r| *r != ReasonCode::DuplicateSubject)
                .collect();
            prop_assert_eq!(without_dup, check_one(s.clone()));
        }
        let again = check_subjects(&letter(), &subjects, &PolicyConfig::defaults());
        prop_assert_eq!(again, got);
    }

    #[test]
    fn an_address_field_of_any_text_never_breaks_the_other_rules(
        street in field(), city in field(), state in field(), zip in field()
    ) {
        let mut s = valid_subject(7);
        s.street = street;
        s.city = city;
        s.state = state;
        s.zip = zip;
        let r = check_one(s);
        // Only the address rule looks at these four fields.
        prop_assert!(
            r.is_empty() || r == vec![ReasonCode::AddressIncomplete],
            "{:?}",
            r
        );
    }
}
