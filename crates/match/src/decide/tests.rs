//! Explicit decision cases: formatting, old addresses, JR/SR, vetoes,
//! units, periods, nicknames, namesakes, relatives, typos, swaps.

use super::*;
use crate::index::IndexBuilder;
use vouch_core::MasterRecord;

#[allow(clippy::too_many_arguments)]
fn rec(
    tin: &str,
    year: u16,
    first: &str,
    last: &str,
    suffix: &str,
    dob: Option<&str>,
    street: &str,
    zip: &str,
) -> MasterRecord {
    MasterRecord {
        tin: Tin::parse(tin).unwrap(),
        tax_year: year,
        first_name: first.into(),
        middle_name: String::new(),
        last_name: last.into(),
        suffix: suffix.into(),
        dob: dob.map(date),
        street: street.into(),
        city: "Los Angeles".into(),
        state: "CA".into(),
        zip: zip.into(),
    }
}

fn date(d: &str) -> Date {
    Date::parse(
        d,
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .unwrap()
}

/// A background population so that the model's u and prior are realistic.
fn background() -> Vec<MasterRecord> {
    let given = [
        "Ana", "Luis", "Mei", "Omar", "Priya", "Tom", "Kim", "Raul", "Sofia", "Wei", "Nora", "Ivan",
    ];
    let last = [
        "Nguyen",
        "Patel",
        "Kowalski",
        "Okafor",
        "Haddad",
        "Lindqvist",
        "Moreno",
        "Tanaka",
        "Fischer",
        "Dubois",
    ];
    (0..600u32)
        .map(|i| {
            let tin = format!("{:09}", 500_000_000 + i);
            let dob = format!("19{:02}-{:02}-{:02}", 40 + i % 50, 1 + i % 12, 1 + i % 28);
            let mut r = rec(
                &tin,
                2022 + (i % 3) as u16,
                given[(i % 12) as usize],
                last[(i / 12 % 10) as usize],
                "",
                Some(&dob),
                &format!("{} Elm St", 10 + i),
                &format!("9{:04}", i % 40),
            );
            r.dob = Some(date(&dob));
            r
        })
        .collect()
}

fn index(rows: Vec<MasterRecord>) -> MasterIndex {
    let mut b = IndexBuilder::new();
    b.add_batch(&background());
    b.add_batch(&rows);
    b.finish()
}

fn ask(
    ix: &MasterIndex,
    first: &str,
    last: &str,
    suffix: &str,
    dob: Option<&str>,
    street: &str,
    zip: &str,
) -> Decision {
    let n = crate::keys::name(first, "", last, suffix);
    let sw = crate::keys::name(last, "", first, suffix);
    let addr = crate::keys::address_keys(street, "Los Angeles", "CA", zip);
    decide(
        ix,
        &MatchQuery::new(&n, &sw, addr, dob.map(date), &[2022, 2023, 2024]),
    )
}

const A: &str = "1234 N Main St Apt 5";
const B: &str = "77 Oak Avenue";

#[test]
fn a_unique_taxpayer_at_the_latest_address_is_confirmed_despite_formatting() {
    let ix = index(vec![rec(
        "123456789",
        2024,
        "José",
        "García López",
        "",
        None,
        A,
        "90012",
    )]);
    let d = ask(
        &ix,
        "JOSE",
        "Garcia-Lopez",
        "",
        None,
        "1234 North Main Street #5",
        "90012-1234",
    );
    assert_eq!(
        d.outcome,
        Outcome::Confirmed,
        "{:?}",
        d.explanation.map(|e| e.describe())
    );
    assert_eq!(d.tin, Tin::parse("123456789"));
    assert!(d
        .explanation
        .unwrap()
        .describe()
        .contains("address=exact_latest_in_period"));
}

#[test]
fn an_old_address_is_not_confirmed() {
    let ix = index(vec![
        rec("123456789", 2022, "Ann", "Lee", "", None, A, "90012"),
        rec("123456789", 2024, "Ann", "Lee", "", None, B, "90012"),
    ]);
    assert_eq!(
        ask(&ix, "Ann", "Lee", "", None, A, "90012").reason,
        DecisionReason::AddressNotLatest
    );
    assert_eq!(
        ask(&ix, "Ann", "Lee", "", None, B, "90012").outcome,
        Outcome::Confirmed
    );
}

#[test]
fn jr_and_sr_without_suffix_or_dob_are_ambiguous_and_separated_by_either() {
    let ix = index(vec![
        rec(
            "123456789",
            2024,
            "Juan",
            "Perez",
            "SR",
            Some("1950-01-01"),
            A,
            "90012",
        ),
        rec(
            "223456789",
            2024,
            "Juan",
            "Perez",
            "JR",
            Some("1980-01-01"),
            A,
            "90012",
        ),
    ]);
    assert_eq!(
        ask(&ix, "Juan", "Perez", "", None, A, "90012").reason,
        DecisionReason::Ambiguous
    );
    assert_eq!(
        ask(&ix, "Juan", "Perez", "JR", None, A, "90012").tin,
        Tin::parse("223456789")
    );
    assert_eq!(
        ask(&ix, "Juan", "Perez", "", Some("1950-01-01"), A, "90012").tin,
        Tin::parse("123456789")
    );
}

#[test]
fn a_conflicting_dob_vetoes() {
    let ix = index(vec![rec(
        "123456789",
        2024,
        "Ann",
        "Lee",
        "",
        Some("1970-05-05"),
        A,
        "90012",
    )]);
    assert_eq!(
        ask(&ix, "Ann", "Lee", "", Some("1971-05-05"), A, "90012").reason,
        DecisionReason::Vetoed
    );
}

#[test]
fn a_different_unit_or_house_number_is_another_address() {
    let ix = index(vec![rec(
        "123456789",
        2024,
        "Ann",
        "Lee",
        "",
        None,
        A,
        "90012",
    )]);
    for street in [
        "1234 N Main St Apt 6",
        "1243 N Main St Apt 5",
        "1234 N Main St",
    ] {
        assert_eq!(
            ask(&ix, "Ann", "Lee", "", None, street, "90012").outcome,
            Outcome::NotConfirmed,
            "{street}"
        );
    }
}

#[test]
fn returns_outside_the_periods_do_not_count() {
    let ix = index(vec![rec(
        "123456789",
        2020,
        "Ann",
        "Lee",
        "",
        None,
        A,
        "90012",
    )]);
    assert_eq!(
        ask(&ix, "Ann", "Lee", "", None, A, "90012").reason,
        DecisionReason::NoReturnInPeriods
    );
}

#[test]
fn a_nickname_confirms_only_with_a_matching_dob() {
    let ix = index(vec![rec(
        "123456789",
        2024,
        "Jack",
        "Brown",
        "",
        Some("1979-12-16"),
        A,
        "90012",
    )]);
    assert_eq!(
        ask(&ix, "John", "Brown", "", None, A, "90012").reason,
        DecisionReason::NameEvidenceWeak
    );
    assert_eq!(
        ask(&ix, "John", "Brown", "", Some("1979-12-16"), A, "90012").outcome,
        Outcome::Confirmed
    );
    assert_eq!(
        ask(&ix, "Jack", "Brown", "", None, A, "90012").outcome,
        Outcome::Confirmed
    );
}

#[test]
fn a_hyphenated_given_name_is_a_competitor_of_the_joined_one() {
    let ix = index(vec![
        rec(
            "123456789",
            2024,
            "Sung-Min",
            "Lee",
            "SR",
            Some("1954-01-19"),
            A,
            "90012",
        ),
        rec(
            "223456789",
            2024,
            "Sungmin",
            "Lee",
            "JR",
            Some("1992-11-03"),
            A,
            "90012",
        ),
    ]);
    assert_eq!(
        ask(&ix, "SUNGMIN", "LEE", "", None, A, "90012").reason,
        DecisionReason::Ambiguous
    );
}

#[test]
fn swapped_fields_and_dropped_second_surname_still_match() {
    let ix = index(vec![rec(
        "123456789",
        2024,
        "Maria",
        "Garcia Lopez",
        "",
        None,
        A,
        "90012",
    )]);
    assert_eq!(
        ask(&ix, "Garcia Lopez", "Maria", "", None, A, "90012").outcome,
        Outcome::Confirmed
    );
    assert_eq!(
        ask(&ix, "Maria", "Garcia", "", None, A, "90012").outcome,
        Outcome::Confirmed
    );
    // Reordered surnames carry none of the taxpayer's identity codes: on
    // the name alone the probing guard could not tell them from another
    // person, so they are confirmed only on a date of birth on file.
    assert_eq!(
        ask(&ix, "Maria", "Lopez Garcia", "", None, A, "90012").reason,
        DecisionReason::IdentityMismatch
    );
    let with_dob = index(vec![rec(
        "123456789",
        2024,
        "Maria",
        "Garcia Lopez",
        "",
        Some("1990-01-02"),
        A,
        "90012",
    )]);
    assert_eq!(
        ask(
            &with_dob,
            "Maria",
            "Lopez Garcia",
            "",
            Some("1990-01-02"),
            A,
            "90012"
        )
        .outcome,
        Outcome::Confirmed
    );
}

#[test]
fn a_typo_in_either_name_still_confirms() {
    let ix = index(vec![rec(
        "123456789",
        2024,
        "Jonathan",
        "Hernandez",
        "",
        None,
        A,
        "90012",
    )]);
    assert_eq!(
        ask(&ix, "Jonathn", "Hernandez", "", None, A, "90012").outcome,
        Outcome::Confirmed
    );
    assert_eq!(
        ask(&ix, "Jonathan", "Hernandes", "", None, A, "90012").outcome,
        Outcome::Confirmed
    );
}

#[test]
fn a_relative_at_the_same_address_is_not_confirmed() {
    let ix = index(vec![rec(
        "123456789",
        2024,
        "Roberto",
        "Alvarez",
        "",
        Some("1960-02-02"),
        A,
        "90012",
    )]);
    assert_eq!(
        ask(&ix, "Lucia", "Alvarez", "", None, A, "90012").outcome,
        Outcome::NotConfirmed
    );
    assert_eq!(
        ask(&ix, "Lucia", "Alvarez", "", Some("1990-03-03"), A, "90012").outcome,
        Outcome::NotConfirmed
    );
}

#[test]
fn a_namesake_elsewhere_does_not_block_the_one_at_the_address() {
    let ix = index(vec![
        rec("123456789", 2024, "Maria", "Garcia", "", None, A, "90012"),
        rec("223456789", 2024, "Maria", "Garcia", "", None, B, "90013"),
        rec(
            "323456789",
            2024,
            "Maria",
            "Garcia",
            "",
            None,
            "5 Pine Rd",
            "90012",
        ),
    ]);
    assert_eq!(
        ask(&ix, "Maria", "Garcia", "", None, A, "90012").tin,
        Tin::parse("123456789")
    );
    assert_eq!(
        ask(&ix, "Maria", "Garcia", "", None, "9 Other St", "90012").outcome,
        Outcome::NotConfirmed
    );
}

#[test]
fn a_competitor_with_unknown_dob_keeps_the_benefit_of_the_doubt() {
    let ix = index(vec![
        rec(
            "123456789",
            2024,
            "Ann",
            "Lee",
            "",
            Some("1970-05-05"),
            A,
            "90012",
        ),
        rec("223456789", 2024, "Ann", "Lee", "", None, A, "90012"),
    ]);
    assert_eq!(
        ask(&ix, "Ann", "Lee", "", Some("1970-05-05"), A, "90012").reason,
        DecisionReason::Ambiguous
    );
}

#[test]
fn no_address_or_no_name_never_confirms() {
    let ix = index(vec![rec(
        "123456789",
        2024,
        "Ann",
        "Lee",
        "",
        None,
        A,
        "90012",
    )]);
    assert_eq!(
        ask(&ix, "Ann", "Lee", "", None, A, "").reason,
        DecisionReason::AddressNotComparable
    );
    assert_eq!(
        ask(&ix, "", "", "", None, A, "90012").outcome,
        Outcome::NotConfirmed
    );
}
