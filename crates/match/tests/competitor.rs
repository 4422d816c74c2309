//! Property: when a subject is CONFIRMED, adding a second taxpayer who
//! looks as much like the subject as the confirmed one (same name, same
//! address, same date of birth or none) always makes it NOT_CONFIRMED.

use proptest::prelude::*;
use time::Date;
use vouch_core::{MasterRecord, Outcome, Tin};
use vouch_match::{decide::decide, keys, IndexBuilder, MatchQuery};

const GIVEN: [&str; 8] = [
    "Maria",
    "Jose",
    "Wei",
    "Priya",
    "Robert",
    "Thi",
    "Sung-Min",
    "Guadalupe",
];
const LAST: [&str; 8] = [
    "Garcia Lopez",
    "Nguyen",
    "Smith",
    "de la Cruz",
    "O'Brien",
    "Kim",
    "Patel",
    "Hernandez",
];

fn row(
    tin: u32,
    first: &str,
    last: &str,
    suffix: &str,
    dob: Option<Date>,
    street: &str,
    zip: &str,
) -> MasterRecord {
    MasterRecord {
        tin: Tin::from_u32(tin).unwrap(),
        tax_year: 2024,
        first_name: first.into(),
        middle_name: String::new(),
        last_name: last.into(),
        suffix: suffix.into(),
        dob,
        street: street.into(),
        city: "Houston".into(),
        state: "TX".into(),
        zip: zip.into(),
    }
}

fn background() -> Vec<MasterRecord> {
    (0..400u32)
        .map(|i| {
            let dob = Date::from_julian_day(2_430_000 + (i as i32) * 37).ok();
            row(
                600_000_000 + i,
                GIVEN[(i % 8) as usize],
                LAST[(i / 8 % 8) as usize],
                "",
                dob,
                &format!("{} Bay Rd", 1 + i),
                &format!("770{:02}", i % 30),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn an_equally_plausible_second_taxpayer_removes_the_confirmation(
        g in 0usize..8, l in 0usize..8, house in 1u32..5000, unit in proptest::option::of(1u32..40),
        dob_day in proptest::option::of(2_420_000i32..2_450_000), subject_gives_dob in any::<bool>(),
        competitor_dob_missing in any::<bool>(), suffix in prop_oneof![Just(""), Just("JR")],
    ) {
        let street = match unit { Some(u) => format!("{house} Elm St Apt {u}"), None => format!("{house} Elm St") };
        let dob = dob_day.and_then(|d| Date::from_julian_day(d).ok());
        let mut rows = background();
        rows.push(row(123_456_789, GIVEN[g], LAST[l], suffix, dob, &street, "77002"));
        let ask = |rows: &[MasterRecord]| {
            let mut b = IndexBuilder::new();
            b.add_batch(rows);
            let ix = b.finish().unwrap();
            let n = keys::name(GIVEN[g], "", LAST[l], suffix);
            let sw = keys::name(LAST[l], "", GIVEN[g], suffix);
            let addr = keys::address_keys(&street, "Houston", "TX", "77002");
            decide(&ix, &MatchQuery::new(&n, &sw, addr, if subject_gives_dob { dob } else { None }, &[2022, 2023, 2024]))
        };
        let before = ask(&rows);
        prop_assume!(before.outcome == Outcome::Confirmed);
        let competitor_dob = if competitor_dob_missing { None } else { dob };
        rows.push(row(223_456_789, GIVEN[g], LAST[l], suffix, competitor_dob, &street, "77002"));
        let after = ask(&rows);
        prop_assert_eq!(after.outcome, Outcome::NotConfirmed, "{:?}", after.explanation.map(|e| e.describe()));
    }
}
