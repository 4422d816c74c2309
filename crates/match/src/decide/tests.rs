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
    b.finish().unwrap()
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
    decide(ix, &query(first, last, suffix, dob, street, zip))
}

fn query(
    first: &str,
    last: &str,
    suffix: &str,
    dob: Option<&str>,
    street: &str,
    zip: &str,
) -> MatchQuery {
    let n = crate::keys::name(first, "", last, suffix);
    let sw = crate::keys::name(last, "", first, suffix);
    let a = vouch_normalize::standardize_address(street, "Los Angeles", "CA", zip);
    let addr = crate::keys::address_keys_of(&a, &a.match_key());
    let mut q = MatchQuery::new(&n, &sw, addr, dob.map(date), &[2022, 2023, 2024]);
    if addr.is_some_and(|k| k.point != 0) {
        q.street_words = a.street_words();
    }
    q.address_text = Some(a.match_key());
    q
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

// ---- Issue 16: the same delivery point through keying errors, on either
// side; other streets, house numbers and units never; unreadable returns.

fn person(tin: &str, year: u16, street: &str) -> MasterRecord {
    rec(
        tin,
        year,
        "Marisol",
        "Quintero",
        "",
        Some("1979-04-12"),
        street,
        "90031",
    )
}

fn asked(ix: &MasterIndex, street: &str) -> Decision {
    ask(
        ix,
        "Marisol",
        "Quintero",
        "",
        Some("1979-04-12"),
        street,
        "90031",
    )
}

#[test]
fn a_street_typo_in_the_request_names_the_same_delivery_point() {
    let ix = index(vec![
        person("111222333", 2023, "9 Pinkerton Cir"),
        person("111222333", 2024, "9 Pinkerton Cir"),
    ]);
    for typo in ["9 Pinkerto Cir", "9 Pinkreton Circle", "9 Pink Erton Cir"] {
        let d = asked(&ix, typo);
        assert_eq!(d.outcome, Outcome::Confirmed, "{typo}: {:?}", d.reason);
    }
    // Another house, unit, suffix, directional or street; and a street
    // without its suffix (PINKERTON CIR or a PINKERTON AVE?).
    for other in [
        "9 Pinkerton",
        "19 Pinkerton Cir",
        "9 Pinkerton Cir Apt 2",
        "9 Pinkerton Ave",
        "9 N Pinkerton Cir",
        "9 Pickering Cir",
    ] {
        let d = asked(&ix, other);
        assert_eq!(d.outcome, Outcome::NotConfirmed, "{other}");
    }
}

#[test]
fn a_typo_on_the_latest_return_is_bridged_when_earlier_returns_agree() {
    // 2120 MARION ST on 2022 and 2023, MANON (two edits) on 2024.
    let ix = index(vec![
        person("111222333", 2022, "2120 Marion St"),
        person("111222333", 2023, "2120 Marion St"),
        person("111222333", 2024, "2120 Manon St"),
    ]);
    assert_eq!(asked(&ix, "2120 Marion St").outcome, Outcome::Confirmed);
    // A one-edit typo on the latest return needs no support.
    let ix = index(vec![person("111222333", 2024, "5 Decima Circuit Crower")]);
    assert_eq!(
        asked(&ix, "5 Decima Circuit Crwer").outcome,
        Outcome::Confirmed
    );
}

#[test]
fn a_spelling_that_is_another_real_street_never_stands_for_this_one() {
    // MAIN and MAINE are both streets of the ZIP (two taxpayers each).
    let mut rows = vec![person("111222333", 2024, "40 Main St")];
    rows.extend(neighbours(
        &["12 Main St", "14 Maine St", "16 Maine St"],
        "90031",
    ));
    rows.push(rec(
        "222333449",
        2024,
        "Else",
        "Body",
        "",
        None,
        "18 Main St",
        "90031",
    ));
    let ix = index(rows);
    assert_eq!(asked(&ix, "40 Main St").outcome, Outcome::Confirmed);
    let d = asked(&ix, "40 Maine St");
    assert_eq!(d.outcome, Outcome::NotConfirmed, "{:?}", d.reason);
}

#[test]
fn an_unreadable_newer_return_never_lets_the_older_address_through() {
    let older = vec![
        person("111222333", 2022, "9 Pinkerton Cir"),
        person("111222333", 2023, "9 Pinkerton Cir"),
    ];
    let ix = index(older.clone());
    assert_eq!(asked(&ix, "9 Pinkerton Cir").outcome, Outcome::Confirmed);
    for (street, zip) in [
        ("500 Elsewhere Rd", "980Z3"),
        ("500 Elsewhere Rd", "986612"),
        ("", "98661"),
    ] {
        let mut rows = older.clone();
        let mut newer = person("111222333", 2024, street);
        newer.zip = zip.into();
        rows.push(newer);
        let ix = index(rows);
        assert_eq!(ix.unreadable_returns(), 1);
        let d = asked(&ix, "9 Pinkerton Cir");
        assert_eq!(d.outcome, Outcome::NotConfirmed, "{zip}");
        assert_eq!(d.reason, DecisionReason::LatestReturnUnreadable, "{zip}");
    }
    // An unreadable return older than the latest readable one is harmless.
    let mut rows = older;
    let mut old = person("111222333", 2021, "x");
    old.zip = "980Z3".into();
    rows.push(old);
    rows.push(person("111222333", 2024, "9 Pinkerton Cir"));
    let ix = index(rows);
    assert_eq!(asked(&ix, "9 Pinkerton Cir").outcome, Outcome::Confirmed);
}

/// Other taxpayers, one at each of `streets` in `zip` (two on one street
/// make it a real street there).
fn neighbours(streets: &[&str], zip: &str) -> Vec<MasterRecord> {
    streets
        .iter()
        .enumerate()
        .map(|(i, street)| {
            rec(
                &format!("22233344{i}"),
                2024,
                "Other",
                &format!("Neighbour{i}"),
                "",
                None,
                street,
                zip,
            )
        })
        .collect()
}

#[test]
fn a_wrong_zip_digit_or_a_lost_unit_on_the_latest_return_is_bridged_by_the_taxpayers_history() {
    let at = |year, street: &str, zip: &str| {
        let mut r = person("111222333", year, street);
        r.zip = zip.into();
        r
    };
    // Two returns at the point, the latest keyed 90013 for 90031 or
    // without its apartment: the same place.
    let ix = index(vec![
        at(2022, "9 Pinkerton Cir", "90031"),
        at(2023, "9 Pinkerton Cir", "90031"),
        at(2024, "9 Pinkerton Cir", "90032"),
    ]);
    assert_eq!(asked(&ix, "9 Pinkerton Cir").outcome, Outcome::Confirmed);
    let ix = index(vec![
        at(2023, "9 Pinkerton Cir Apt 4", "90031"),
        at(2024, "9 Pinkerton Cir", "90031"),
    ]);
    assert_eq!(
        asked(&ix, "9 Pinkerton Cir Apt 4").outcome,
        Outcome::Confirmed
    );
    // Without the history to back it, neither is confirmed: the taxpayer
    // may have moved to that other ZIP (its return in another city; in the
    // subject's own city see the next test) or that building.
    for (street, zip) in [("9 Pinkerton Cir", "90032"), ("9 Pinkerton Cir", "90031")] {
        let ix = index(vec![at(2024, street, zip)]);
        let d = asked(&ix, "9 Pinkerton Cir Apt 4");
        assert_eq!(d.outcome, Outcome::NotConfirmed, "{street} {zip}");
        let mut elsewhere = at(2024, street, "90032");
        elsewhere.city = "Pasadena".into();
        let ix = index(vec![elsewhere]);
        let d = asked(&ix, "9 Pinkerton Cir");
        assert_eq!(d.outcome, Outcome::NotConfirmed, "{street} {zip}");
    }
    // Two ZIP digits off, another house or unit, or a PINKERTON CIR that
    // is a real street in the other ZIP (two other taxpayers there): never.
    let mut rows = vec![
        at(2022, "9 Pinkerton Cir", "90031"),
        at(2023, "9 Pinkerton Cir", "90031"),
        at(2024, "9 Pinkerton Cir", "90032"),
    ];
    rows.extend(neighbours(
        &["11 Pinkerton Cir", "13 Pinkerton Cir"],
        "90032",
    ));
    let d = asked(&index(rows), "9 Pinkerton Cir");
    assert_eq!(d.outcome, Outcome::NotConfirmed, "{:?}", d.reason);
    for (street, zip) in [
        ("9 Pinkerton Cir", "90023"),
        ("19 Pinkerton Cir", "90032"),
        ("9 Pinkerton Cir Apt 5", "90031"),
    ] {
        let ix = index(vec![
            at(2022, "9 Pinkerton Cir Apt 4", "90031"),
            at(2023, "9 Pinkerton Cir Apt 4", "90031"),
            at(2024, street, zip),
        ]);
        let d = asked(&ix, "9 Pinkerton Cir Apt 4");
        assert_eq!(d.outcome, Outcome::NotConfirmed, "{street} {zip}");
    }
}

#[test]
fn a_namesake_hidden_by_a_keying_error_on_their_own_return_is_a_rival() {
    // JAMES MOORE JR at the address; JAMES MOORE SR there too, his return
    // keyed with a wrong ZIP digit, a letter in the ZIP, no house number,
    // or a street typo. Asked without suffix or date of birth: either.
    let jr = rec(
        "111222333",
        2024,
        "James",
        "Moore",
        "Jr",
        Some("1988-12-18"),
        "8086 Grant Blvd",
        "90031",
    );
    let alone = index(vec![jr.clone()]);
    let d = ask(
        &alone,
        "James",
        "Moore",
        "",
        None,
        "8086 Grant Blvd",
        "90031",
    );
    assert_eq!(d.outcome, Outcome::Confirmed, "{:?}", d.reason);
    for (street, zip) in [
        ("8086 Grant Blvd", "90032"),
        ("8086 Grant Blvd", "900Z1"),
        ("Grant Blvd", "90031"),
        ("8086 Grnat Blvd", "90031"),
        ("8086 Grant Blvd Apt 2", "90031"),
    ] {
        let sr = rec(
            "444555666",
            2024,
            "James",
            "Moore",
            "Sr",
            Some("1960-07-22"),
            street,
            zip,
        );
        let ix = index(vec![jr.clone(), sr]);
        let d = ask(&ix, "James", "Moore", "", None, "8086 Grant Blvd", "90031");
        assert_eq!(d.outcome, Outcome::NotConfirmed, "{street} {zip}");
        // The suffix still tells them apart.
        let d = ask(
            &ix,
            "James",
            "Moore",
            "Jr",
            None,
            "8086 Grant Blvd",
            "90031",
        );
        assert_eq!(
            d.outcome,
            Outcome::Confirmed,
            "{street} {zip}: {:?}",
            d.reason
        );
    }
}

#[test]
fn a_request_without_the_unit_on_the_return_follows_the_unit_missing_setting() {
    let ix = index(vec![
        person("111222333", 2023, "9 Pinkerton Cir Apt 4"),
        person("111222333", 2024, "9 Pinkerton Cir Apt 4"),
    ]);
    let mut q = query(
        "Marisol",
        "Quintero",
        "",
        Some("1979-04-12"),
        "9 Pinkerton Cir",
        "90031",
    );
    assert_eq!(decide(&ix, &q).outcome, Outcome::NotConfirmed);
    q.unit_missing_ok = true;
    assert_eq!(decide(&ix, &q).outcome, Outcome::Confirmed);
    // Never another suffix or house, and never when two people of the
    // name live in two of its apartments.
    for street in ["9 Pinkerton Ave", "11 Pinkerton Cir"] {
        let mut q = query(
            "Marisol",
            "Quintero",
            "",
            Some("1979-04-12"),
            street,
            "90031",
        );
        q.unit_missing_ok = true;
        assert_eq!(decide(&ix, &q).outcome, Outcome::NotConfirmed, "{street}");
    }
    let two = index(vec![
        rec(
            "111222333",
            2024,
            "Marisol",
            "Quintero",
            "",
            None,
            "9 Pinkerton Cir Apt 4",
            "90031",
        ),
        rec(
            "444555666",
            2024,
            "Marisol",
            "Quintero",
            "",
            None,
            "9 Pinkerton Cir Apt 7",
            "90031",
        ),
    ]);
    let mut q = query("Marisol", "Quintero", "", None, "9 Pinkerton Cir", "90031");
    q.unit_missing_ok = true;
    assert_eq!(decide(&two, &q).outcome, Outcome::NotConfirmed);
    // With the unit, each is their own: a namesake in another apartment
    // is no more a rival than one elsewhere.
    for (unit, tin) in [("4", "111222333"), ("7", "444555666")] {
        let q = query(
            "Marisol",
            "Quintero",
            "",
            None,
            &format!("9 Pinkerton Cir Apt {unit}"),
            "90031",
        );
        let d = decide(&two, &q);
        assert_eq!(d.tin, Tin::parse(tin), "{unit}: {:?}", d.reason);
    }
    let two = index(vec![
        rec(
            "111222333",
            2024,
            "Marisol",
            "Quintero",
            "",
            Some("1980-01-02"),
            "9 Pinkerton Cir Apt 4",
            "90031",
        ),
        rec(
            "444555666",
            2024,
            "Marisol",
            "Quintero",
            "",
            Some("1991-03-04"),
            "9 Pinkerton Cir Apt 7",
            "90031",
        ),
    ]);
    let q = query(
        "Marisol",
        "Quintero",
        "",
        Some("1991-03-04"),
        "9 Pinkerton Cir Apt 7",
        "90031",
    );
    let d = decide(&two, &q);
    assert_eq!(d.tin, Tin::parse("444555666"), "{:?}", d.reason);
}

mod street_pairs {
    use crate::compare::streets_alike;

    /// Golden pairs, both directions: (a, b, alike with no support, alike
    /// with one supported extra edit).
    const PAIRS: &[(&str, &str, bool, bool)] = &[
        ("PINKERTON|CIRCLE", "PINKERTO|CIRCLE", true, true),
        ("DECIMA CIRCUIT CROWER", "DECIMA CIRCUIT CRWER", true, true),
        ("PERRY|DRIVE", "PERRY RIVE", true, true),
        ("KAREELAH VISTA", "KAREELAHV ISTA", true, true),
        (
            "TORRENS|STREET",
            "TORRENS STREET PROMENADE|ARCADE",
            true,
            true,
        ),
        ("MARION|STREET", "MANON|STREET", false, true),
        ("ELM|STREET", "ELK|STREET", false, false),
        ("11TH|STREET", "12TH|STREET", false, false),
        ("161ST|STREET", "161ST|AVENUE", false, false),
        ("MAIN|STREET", "MAIN|AVENUE", false, false),
        ("MAIN", "MAIN|STREET", false, false),
        ("MAIN|STREET", "MAINE|STREET", false, false),
        ("ROSEWOOD|LANE", "ROSEWOOD|LANE", true, true),
        // The suffix run into the name, split, or mistyped where the
        // other spelling has it (FEBRL3's keying errors).
        ("EYRE|STREET", "EYRESTREET", true, true),
        ("ANKAA|PLACE", "ANKAA P LACE", true, true),
        ("DIXON|DRIVE", "DIXON D RIVE", true, true),
        ("GOYDER|STREET", "GOYDER SAINT REET", true, true),
        ("FOX|PLACE", "FOX PLNACE", true, true),
        ("NISH|PLACE", "NISH PACE", true, true),
        // ... but the name must agree, the word must be near that suffix
        // and no other, and a suffix is never another suffix.
        ("FOX|PLACE", "FOXE PLNACE", false, false),
        ("FOX|PLACE", "FOX PLAZA", false, false),
        ("OAK|PARK", "OAK PARS", false, false),
        ("OAK|PLACE", "OAKPARK", false, false),
        ("", "", false, false),
    ];

    #[test]
    fn golden_street_pairs_both_ways() {
        for &(a, b, strict, loose) in PAIRS {
            assert_eq!(streets_alike(a, b, 0), strict, "{a} / {b}");
            assert_eq!(streets_alike(b, a, 0), strict, "{b} / {a}");
            assert_eq!(streets_alike(a, b, 1), loose, "{a} / {b} +1");
            assert_eq!(streets_alike(b, a, 1), loose, "{b} / {a} +1");
        }
    }
}

mod delivery_point_properties {
    use super::*;
    use proptest::prelude::*;

    fn at(house: u32, street: &str, unit: Option<u32>) -> String {
        match unit {
            Some(u) => format!("{house} {street} Apt {u}"),
            None => format!("{house} {street}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever else agrees (name, date of birth, ZIP, the street or a
        /// typo of it), another house number or another unit (or a unit
        /// given on one side only) never confirms.
        #[test]
        fn another_house_number_or_unit_never_confirms(
            house in 1u32..9999,
            other_house in 1u32..9999,
            unit in proptest::option::of(1u32..40),
            other_unit in proptest::option::of(1u32..40),
            street in prop::sample::select(vec!["Pinkerton Cir", "Rosewood Lane", "Decima Circuit"]),
            typo in prop::sample::select(vec![None, Some(1usize), Some(3)]),
        ) {
            prop_assume!(house != other_house || unit != other_unit);
            let ix = index(vec![
                person("111222333", 2023, &at(house, street, unit)),
                person("111222333", 2024, &at(house, street, unit)),
            ]);
            let mut asked_street = street.to_string();
            if let Some(i) = typo {
                asked_street.remove(i);
            }
            let d = asked(&ix, &at(other_house, &asked_street, other_unit));
            prop_assert_eq!(d.outcome, Outcome::NotConfirmed);
            // And the same point, exactly, confirms (the test can fail).
            let d = asked(&ix, &at(house, street, unit));
            prop_assert_eq!(d.outcome, Outcome::Confirmed);
        }
    }
}

#[test]
fn relatives_with_near_names_at_one_house_do_not_hide_the_exact_name() {
    // JAMEL, JAMIE and JAMES OKORO at one house, no date of birth anywhere.
    let house = "31 Wren Ct";
    let rows: Vec<MasterRecord> = [
        ("111000111", "Jamel"),
        ("111000112", "Jamie"),
        ("111000113", "James"),
    ]
    .iter()
    .map(|(tin, given)| rec(tin, 2024, given, "Okoro", "", None, house, "90031"))
    .collect();
    let ix = index(rows);
    for given in ["James", "Jamie", "Jamel"] {
        let d = ask(&ix, given, "Okoro", "", None, house, "90031");
        assert_eq!(d.outcome, Outcome::Confirmed, "{given}: {:?}", d.reason);
    }
    // A nickname or a typo of one of them still needs more evidence.
    for given in ["Jim", "Jamse", "Jame"] {
        let d = ask(&ix, given, "Okoro", "", None, house, "90031");
        assert_eq!(d.outcome, Outcome::NotConfirmed, "{given}");
    }
    // Two taxpayers with the very same name at one house: never.
    let ix = index(vec![
        rec(
            "111000111",
            2024,
            "James",
            "Okoro",
            "",
            None,
            house,
            "90031",
        ),
        rec(
            "111000112",
            2024,
            "James",
            "Okoro",
            "",
            None,
            house,
            "90031",
        ),
    ]);
    let d = ask(&ix, "James", "Okoro", "", None, house, "90031");
    assert_eq!(d.outcome, Outcome::NotConfirmed);
}

#[test]
fn a_rival_whose_middle_name_is_dropped_or_an_initial_may_be_the_name_asked() {
    let mut sr = rec(
        "111222333",
        2024,
        "Raymond",
        "Jackson",
        "",
        None,
        "214 Broadway",
        "90018",
    );
    sr.middle_name = "Allen".into();
    let mut jr = rec(
        "444555666",
        2024,
        "Raymond",
        "Jackson",
        "Jr",
        None,
        "214 Broadway",
        "90018",
    );
    jr.middle_name = "A".into();
    let ix = index(vec![sr.clone(), jr]);
    let d = ask(
        &ix,
        "Raymond Allen",
        "Jackson",
        "",
        None,
        "214 Broadway",
        "90018",
    );
    assert_eq!(d.outcome, Outcome::NotConfirmed, "{:?}", d.reason);
    let d = ask(
        &ix,
        "Raymond Allen",
        "Jackson",
        "Jr",
        None,
        "214 Broadway",
        "90018",
    );
    // (The SR's returns leave the suffix out: he keeps the benefit of the
    // doubt, so even the JR's suffix does not confirm, and never the SR.)
    assert_ne!(d.tin, Tin::parse("111222333"), "{:?}", d.reason);
    // Asked with the suffix the SR's returns leave out, never the JR.
    let d = ask(
        &ix,
        "Raymond Allen",
        "Jackson",
        "Sr",
        None,
        "214 Broadway",
        "90018",
    );
    assert_ne!(d.tin, Tin::parse("444555666"), "{:?}", d.reason);
}

#[test]
fn a_zip_digit_off_on_a_lone_return_is_bridged_in_the_subjects_city_only() {
    // A taxpayer who just moved: one return, its ZIP keyed 90032 for
    // 90031, nobody else at the point. Same city, house, street and unit:
    // the same place.
    let at = |year, street: &str, zip: &str, city: &str| {
        let mut r = person("111222333", year, street);
        r.zip = zip.into();
        r.city = city.into();
        r
    };
    let ix = index(vec![at(2024, "9 Pinkerton Cir", "90032", "Los Angeles")]);
    let d = asked(&ix, "9 Pinkerton Cir");
    assert_eq!(d.outcome, Outcome::Confirmed, "{:?}", d.reason);
    // The street keyed wrong too, on either side: each field's tolerance
    // holds on its own.
    for (filed, asked_as) in [
        ("9 Pinkerto Cir", "9 Pinkerton Cir"),
        ("9 Pinkerton Cir", "9 Pinkertn Cir"),
        ("9 Pinkerton Circle Apt 2", "9 Pinkertoncircle Apt 2"),
    ] {
        let ix = index(vec![at(2024, filed, "90032", "Los Angeles")]);
        let d = asked(&ix, asked_as);
        assert_eq!(d.outcome, Outcome::Confirmed, "{filed} / {asked_as}");
        let d = asked(&ix, &asked_as.replacen('9', "19", 1));
        assert_eq!(d.outcome, Outcome::NotConfirmed, "{filed} / 1{asked_as}");
    }
    // Another city on the return (the asked city is Los Angeles), two
    // digits off, another house, or the unit asked left out: never.
    for (street, zip, city) in [
        ("9 Pinkerton Cir", "90032", "Pasadena"),
        ("9 Pinkerton Cir", "90023", "Los Angeles"),
        ("19 Pinkerton Cir", "90032", "Los Angeles"),
    ] {
        let ix = index(vec![at(2024, street, zip, city)]);
        let d = asked(&ix, "9 Pinkerton Cir");
        assert_eq!(d.outcome, Outcome::NotConfirmed, "{street} {zip} {city}");
    }
    let ix = index(vec![at(2024, "9 Pinkerton Cir", "90032", "Los Angeles")]);
    let d = asked(&ix, "9 Pinkerton Cir Apt 4");
    assert_eq!(d.outcome, Outcome::NotConfirmed, "{:?}", d.reason);
    // PINKERTON CIR a real street in the other ZIP (two others file from
    // it there): the house may be another one.
    let mut rows = vec![at(2024, "9 Pinkerton Cir", "90032", "Los Angeles")];
    rows.extend(neighbours(
        &["11 Pinkerton Cir", "13 Pinkerton Cir"],
        "90032",
    ));
    let d = asked(&index(rows), "9 Pinkerton Cir");
    assert_eq!(d.outcome, Outcome::NotConfirmed, "{:?}", d.reason);
    // A namesake at the asked point itself, or bridged the same way,
    // makes it ambiguous: found as a rival, not missed by the pruning.
    let mut twin = person("444555666", 2024, "9 Pinkerton Cir");
    twin.dob = None;
    let ix = index(vec![at(2024, "9 Pinkerton Cir", "90032", "Los Angeles"), {
        let mut t = twin.clone();
        t.zip = "90033".into();
        t
    }]);
    let d = asked(&ix, "9 Pinkerton Cir");
    assert_eq!(d.outcome, Outcome::NotConfirmed, "{:?}", d.reason);
}
