//! Policy defects injected into otherwise valid subjects, each with the reason
//! code of policy.md that a perfect system reports for it. A defect subject
//! carries exactly the codes injected: the base row is valid in every other
//! respect, and malformed values stay unique so that no defect creates an
//! accidental duplicate.
//!
//! This module does not pick subjects; it only rewrites their fields.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Built, SubjectRow};
use crate::people::Date;
use crate::tables::{Tables, FACILITIES};

/// One subject-level policy defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Defect {
    NameMissing,
    AddressIncomplete,
    ANumberInvalid,
    OrderDateMissing,
    OrderUnder90Days,
    CaseNumberMissing,
    RelevanceMissing,
}

impl Defect {
    /// The reason code.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Defect::NameMissing => "NAME_MISSING",
            Defect::AddressIncomplete => "ADDRESS_INCOMPLETE",
            Defect::ANumberInvalid => "A_NUMBER_INVALID",
            Defect::OrderDateMissing => "ORDER_DATE_MISSING",
            Defect::OrderUnder90Days => "ORDER_UNDER_90_DAYS",
            Defect::CaseNumberMissing => "CASE_NUMBER_MISSING",
            Defect::RelevanceMissing => "RELEVANCE_MISSING",
        }
    }
}

/// Weighted defects: the address failures of the 2025 case are the most common.
const WEIGHTED: [(Defect, u32); 7] = [
    (Defect::NameMissing, 16),
    (Defect::AddressIncomplete, 34),
    (Defect::ANumberInvalid, 10),
    (Defect::OrderDateMissing, 10),
    (Defect::OrderUnder90Days, 12),
    (Defect::CaseNumberMissing, 9),
    (Defect::RelevanceMissing, 9),
];

fn one(rng: &mut ChaCha8Rng) -> Defect {
    WEIGHTED
        .choose_weighted(rng, |&(_, w)| w)
        .map_or(Defect::AddressIncomplete, |&(d, _)| d)
}

/// One defect, sometimes two (never both date defects: a missing date has no age).
pub(crate) fn choose(rng: &mut ChaCha8Rng) -> Vec<Defect> {
    let first = one(rng);
    if rng.gen_range(0..100) >= 22 {
        return vec![first];
    }
    let dates = [Defect::OrderDateMissing, Defect::OrderUnder90Days];
    for _ in 0..8 {
        let second = one(rng);
        if second != first && !(dates.contains(&first) && dates.contains(&second)) {
            return vec![first, second];
        }
    }
    vec![first]
}

/// Applies a defect to a subject and records its variant in `corruption`.
pub(crate) fn apply(rng: &mut ChaCha8Rng, t: &Tables, d: Defect, b: &mut Built, index: u64) {
    let variant = match d {
        Defect::NameMissing => name_missing(rng, &mut b.row),
        Defect::AddressIncomplete => address_incomplete(rng, t, &mut b.row),
        Defect::ANumberInvalid => a_number_invalid(rng, &mut b.row, index),
        Defect::OrderDateMissing => order_date_missing(rng, &mut b.row),
        Defect::OrderUnder90Days => {
            // 3 to 84 days before 2025-06-02: well inside the 90 days, never on a boundary.
            let days = Date {
                year: 2025,
                month: 6,
                day: 2,
            }
            .to_days()
                - rng.gen_range(3..=84);
            b.row.final_order_date = Date::from_days(days).text();
            "order_under_90_days"
        }
        Defect::CaseNumberMissing => {
            let (v, text) = pick_text(
                rng,
                &[
                    ("case_empty", ""),
                    ("case_empty", ""),
                    ("case_na", "N/A"),
                    ("case_none", "NONE"),
                ],
            );
            b.row.case_number = text.to_string();
            v
        }
        Defect::RelevanceMissing => {
            let (v, text) = pick_text(
                rng,
                &[
                    ("relevance_empty", ""),
                    ("relevance_empty", ""),
                    ("relevance_na", "N/A"),
                    ("relevance_na", "n/a"),
                ],
            );
            b.row.relevance = text.to_string();
            v
        }
    };
    if !b.corruption.is_empty() {
        b.corruption.push('+');
    }
    b.corruption.push_str(variant);
}

fn pick_text(
    rng: &mut ChaCha8Rng,
    options: &[(&'static str, &'static str)],
) -> (&'static str, &'static str) {
    options[rng.gen_range(0..options.len())]
}

fn name_missing(rng: &mut ChaCha8Rng, row: &mut SubjectRow) -> &'static str {
    let (field, text, variant) = match rng.gen_range(0..7) {
        0 => (0, "FNU", "fnu"),
        1 => (0, "UNKNOWN", "first_unknown"),
        2 => {
            let initial = row
                .first
                .chars()
                .next()
                .filter(char::is_ascii_alphabetic)
                .unwrap_or('J');
            row.first = initial.to_ascii_uppercase().to_string();
            row.middle.clear();
            return "first_single_letter";
        }
        3 => (1, "LNU", "lnu"),
        4 => {
            row.first.clear();
            row.middle.clear();
            return "first_empty";
        }
        5 => (1, "XXX", "last_xxx"),
        _ => (1, "UNKNOWN", "last_unknown"),
    };
    if field == 0 {
        row.first = text.to_string();
        row.middle.clear();
    } else {
        row.last = text.to_string();
    }
    variant
}

const CARE_OF: [&str; 6] = [
    "C/O Maria Lopez",
    "C/O Juan Hernandez",
    "c/o Rosa Martinez",
    "C/O Linda Smith",
    "In care of Tran Van Minh",
    "C/O Cousin",
];
const WRONG_STATE_CANDIDATES: [&str; 10] =
    ["TX", "CA", "FL", "NY", "IL", "AZ", "WA", "GA", "OH", "PA"];

fn address_incomplete(rng: &mut ChaCha8Rng, t: &Tables, row: &mut SubjectRow) -> &'static str {
    loop {
        let variant = match rng.gen_range(0..13) {
            0 => set_street(row, "Failed to Provide", "failed_to_provide"),
            1 => set_street(row, "Unknown Address", "unknown_address"),
            2 => {
                row.street = "NA".into();
                row.city = "NA".into();
                "na_na"
            }
            3 => set_street(row, "Don't Care", "dont_care"),
            4 => {
                row.zip = "00000".into();
                "zip_00000"
            }
            5 => {
                row.street.clear();
                row.city.clear();
                row.state.clear();
                "zip_alone"
            }
            6 => {
                let f = FACILITIES[rng.gen_range(0..FACILITIES.len())];
                set_street(row, f, "facility_without_street")
            }
            7 => set_street(row, "General Delivery", "general_delivery"),
            8 => {
                let c = CARE_OF[rng.gen_range(0..CARE_OF.len())];
                set_street(row, c, "care_of_without_street")
            }
            9 => {
                let Some(rest) = strip_house_number(&row.street) else {
                    continue;
                };
                row.street = rest;
                "no_house_number"
            }
            10 => {
                let zip3: u16 = row.zip.get(..3).and_then(|z| z.parse().ok()).unwrap_or(0);
                let state = row.state.clone();
                let Some(s) = WRONG_STATE_CANDIDATES
                    .iter()
                    .find(|s| !t.zip3_in_state(s, zip3) && **s != state)
                else {
                    continue;
                };
                row.state = (*s).to_string();
                "wrong_state_for_zip"
            }
            11 => set_street(row, "", "street_empty"),
            _ => set_street(row, "Homeless", "homeless"),
        };
        return variant;
    }
}

fn set_street(row: &mut SubjectRow, street: &str, variant: &'static str) -> &'static str {
    row.street = street.to_string();
    variant
}

/// `1234 N Main St` -> `N Main St` (street deliveries only, not PO boxes or rural routes).
fn strip_house_number(street: &str) -> Option<String> {
    let (number, rest) = street.split_once(' ')?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then(|| rest.to_string())
}

fn a_number_invalid(rng: &mut ChaCha8Rng, row: &mut SubjectRow, index: u64) -> &'static str {
    // Derived from the row index so that no two malformed A-numbers are equal.
    let n = 1_000_000 + index % 9_000_000;
    let (text, variant) = match rng.gen_range(0..5) {
        0 => (format!("A{n}"), "seven_digits"),
        1 => (format!("A{}", 1_000_000_000 + index), "ten_digits"),
        2 => (format!("{}", 100_000_000 + index), "no_prefix"),
        3 => (format!("A{n}X"), "letters"),
        _ => (format!("B{}", 10_000_000 + index), "wrong_letter"),
    };
    row.a_number = text;
    variant
}

fn order_date_missing(rng: &mut ChaCha8Rng, row: &mut SubjectRow) -> &'static str {
    match rng.gen_range(0..5) {
        0 | 1 => {
            row.final_order_date.clear();
            "order_date_empty"
        }
        2 => {
            // A US-style date is not `YYYY-MM-DD`.
            let d = row.final_order_date.clone();
            row.final_order_date = match (d.get(5..7), d.get(8..10), d.get(..4)) {
                (Some(m), Some(day), Some(y)) => format!("{m}/{day}/{y}"),
                _ => "06/15/2023".to_string(),
            };
            "order_date_unparseable"
        }
        3 => {
            row.final_order_date = format!("{}-02-30", 2016 + rng.gen_range(0..8));
            "order_date_invalid"
        }
        _ => {
            let days = Date {
                year: 2025,
                month: 6,
                day: 2,
            }
            .to_days()
                + rng.gen_range(10..200);
            row.final_order_date = Date::from_days(days).text();
            "order_date_after_submission"
        }
    }
}
