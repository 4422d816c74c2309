//! City names: standardisation, fuzzy similarity, and ZIP/state checks.
//!
//! Cities are compared fuzzily because the written city often differs from
//! the USPS preferred name (vanity names, `ST LOUIS`/`SAINT LOUIS`,
//! misspellings); the ZIP is what the exact address key relies on. This
//! module deliberately does not hold a city list: no licensed USPS data.

use crate::address::{state_lookup, StateLookup};
use crate::fold::fold_into;
use crate::usps;

/// Abbreviations expanded inside city names before comparison; `None`
/// when the token stays as written.
fn expand_city_token(token: &str, position: usize, token_count: usize) -> Option<&'static str> {
    Some(match token {
        "ST" | "SNT" => "SAINT",
        "STE" => "SAINTE",
        "FT" => "FORT",
        "MT" | "MTN" => "MOUNT",
        "PT" => "POINT",
        "HTS" | "HGTS" => "HEIGHTS",
        "SPGS" | "SPRGS" => "SPRINGS",
        "BCH" => "BEACH",
        "CTY" => "CITY",
        "VLG" => "VILLAGE",
        "LK" => "LAKE",
        "PK" => "PARK",
        "JCT" => "JUNCTION",
        // A leading directional is part of the name (NORTH LAS VEGAS);
        // alone it is a placeholder-like fragment and stays as written.
        "N" if position == 0 && token_count > 1 => "NORTH",
        "S" if position == 0 && token_count > 1 => "SOUTH",
        "E" if position == 0 && token_count > 1 => "EAST",
        "W" if position == 0 && token_count > 1 => "WEST",
        _ => return None,
    })
}

/// The standard comparison form of a city: folded, single-spaced, with
/// SAINT/FORT/MOUNT/POINT... abbreviations expanded (`St. Louis` →
/// `SAINT LOUIS`).
pub fn standardize_city(city: &str) -> String {
    let mut folded = String::with_capacity(city.len() + 8);
    fold_into(city, &mut folded);
    expand_city(folded)
}

/// [`standardize_city`] of a city already folded.
pub(crate) fn expand_city(folded: String) -> String {
    // The folded form has single spaces and no other whitespace.
    if !folded
        .split_ascii_whitespace()
        .any(|t| t.len() <= 4 && expand_city_token(t, 0, 2).is_some())
    {
        return folded;
    }
    let count = folded.split_ascii_whitespace().count();
    let mut out = String::with_capacity(folded.len() + 8);
    for (i, t) in folded.split_ascii_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(expand_city_token(t, i, count).unwrap_or(t));
    }
    out
}

/// Similarity of two city names in `[0, 1]`: Jaro-Winkler on their
/// standardised forms, 1.0 when those are equal. Two empty names score 0.
pub fn city_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (standardize_city(a), standardize_city(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    strsim::jaro_winkler(&a, &b)
}

/// Whether the 5-digit ZIP lies in a prefix range allocated to `state`
/// (a USPS code or a state name). False for a malformed ZIP or an unknown
/// state.
pub fn zip_state_consistent(zip5: &str, state: &str) -> bool {
    let Some(zip3) = zip3_of(zip5) else {
        return false;
    };
    match state_lookup(state) {
        StateLookup::Code(code) => usps::zip3_serves(zip3, code),
        StateLookup::Empty | StateLookup::Unknown => false,
    }
}

/// The numeric prefix of a well-formed 5-digit ZIP.
pub(crate) fn zip3_of(zip5: &str) -> Option<usize> {
    let bytes = zip5.as_bytes();
    if bytes.len() != 5 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes[..3]
            .iter()
            .fold(0, |n, b| n * 10 + usize::from(b - b'0')),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_expand() {
        assert_eq!(standardize_city("St. Louis"), "SAINT LOUIS");
        assert_eq!(standardize_city("Ft Worth"), "FORT WORTH");
        assert_eq!(standardize_city("Mt. Vernon"), "MOUNT VERNON");
        assert_eq!(standardize_city("N Las Vegas"), "NORTH LAS VEGAS");
        assert_eq!(standardize_city("Los Ángeles"), "LOS ANGELES");
    }

    #[test]
    fn similarity_is_one_for_equivalent_spellings() {
        assert_eq!(city_similarity("St Louis", "Saint Louis"), 1.0);
        assert_eq!(city_similarity("FORT LAUDERDALE", "Ft. Lauderdale"), 1.0);
        assert!(city_similarity("Los Angeles", "Los Angelas") > 0.95);
        assert!(city_similarity("Los Angeles", "Chicago") < 0.6);
        assert_eq!(city_similarity("", ""), 0.0);
    }

    #[test]
    fn zip_state_consistency() {
        assert!(zip_state_consistent("90012", "CA"));
        assert!(zip_state_consistent("90012", "California"));
        assert!(zip_state_consistent("00926", "PR"));
        assert!(zip_state_consistent("09204", "AE"));
        assert!(!zip_state_consistent("90012", "NY"));
        assert!(!zip_state_consistent("9001", "CA"));
        assert!(!zip_state_consistent("90012", "ZZ"));
    }
}
