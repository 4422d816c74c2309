//! Evaluation helpers over the generated text: TIN, A-number and ZIP/state
//! validity, and a small address and name canonicaliser that undoes exactly
//! the formatting variations the generator introduces (case, accents,
//! punctuation, suffix and directional spellings, unit designators, ZIP+4).
//!
//! They exist so that tests and harnesses can check a data set against its
//! truth. This is deliberately NOT vouch's standardiser (that lives in
//! `vouch-normalize`) and makes no matching decisions.

use crate::tables::tables;

/// Whether a 9-digit TIN is a valid SSN (area not 000, 666 or 9xx; group and
/// serial not zero) or ITIN (starts with 9; digits 4-5 in 50-65, 70-88, 90-92, 94-99).
pub fn tin_is_valid(tin: &str) -> bool {
    if tin.len() != 9 || !tin.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let area = &tin[..3];
    let group: u32 = tin[3..5].parse().unwrap_or(0);
    if tin.starts_with('9') {
        return matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99);
    }
    area != "000" && area != "666" && group != 0 && &tin[5..] != "0000"
}

/// Whether an A-number is `A` followed by 8 or 9 digits.
pub fn a_number_is_valid(a: &str) -> bool {
    let digits = a.strip_prefix('A').unwrap_or("");
    (digits.len() == 8 || digits.len() == 9) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Whether the first three digits of `zip` are a real ZIP prefix of `state`.
pub fn zip_matches_state(state: &str, zip: &str) -> bool {
    let Some(zip3) = zip.get(..3).and_then(|z| z.parse::<u16>().ok()) else {
        return false;
    };
    zip.len() >= 5 && tables().zip3_in_state(state, zip3)
}

/// Upper-case ASCII tokens of a text, punctuation (except `#`) as spaces.
fn tokens(text: &str) -> Vec<String> {
    let ascii = deunicode::deunicode(text).to_uppercase();
    let spaced: String = ascii
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '#' {
                c
            } else {
                ' '
            }
        })
        .collect();
    spaced
        .replace('#', " # ")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// A canonical street line: suffixes and directionals abbreviated, unit
/// designators (`APT`, `UNIT`, `#`) unified, box and route forms unified.
pub fn canonical_street(street: &str) -> String {
    let t = tables();
    let toks = tokens(street);
    let mut out: Vec<String> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let tok = toks[i].as_str();
        let next = toks.get(i + 1).map(String::as_str);
        let (word, skip) = match (tok, next) {
            ("P", Some("O")) => ("PO", 2),
            ("POST", Some("OFFICE")) => ("PO", 2),
            ("R", Some("R")) => ("RR", 2),
            ("RURAL", Some("ROUTE")) => ("RR", 2),
            ("APT" | "UNIT" | "#", _) => ("#", 1),
            _ => (tok, 1),
        };
        let word = t
            .suffixes
            .iter()
            .find(|s| s.full_upper == word)
            .map(|s| s.abbr_upper.as_str())
            .or_else(|| {
                DIRECTIONS
                    .iter()
                    .find(|(full, _)| *full == word)
                    .map(|(_, abbr)| *abbr)
            })
            .unwrap_or(word);
        out.push(word.to_string());
        i += skip;
    }
    out.join(" ").replace("# ", "#")
}

const DIRECTIONS: [(&str, &str); 8] = [
    ("NORTH", "N"),
    ("SOUTH", "S"),
    ("EAST", "E"),
    ("WEST", "W"),
    ("NORTHEAST", "NE"),
    ("NORTHWEST", "NW"),
    ("SOUTHEAST", "SE"),
    ("SOUTHWEST", "SW"),
];

/// A canonical address: street line, city, state and ZIP5.
pub fn canonical_address(street: &str, city: &str, state: &str, zip: &str) -> String {
    format!(
        "{}|{}|{}|{}",
        canonical_street(street),
        tokens(city).join(" "),
        state.trim().to_uppercase(),
        zip.get(..5).unwrap_or(zip)
    )
}

/// Upper-case ASCII name tokens, punctuation removed (for the generator's own distinctness checks).
pub fn name_tokens(name: &str) -> Vec<String> {
    tokens(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tin_rules() {
        assert!(tin_is_valid("123456789"));
        assert!(!tin_is_valid("000123456"));
        assert!(!tin_is_valid("666123456"));
        assert!(!tin_is_valid("123006789"));
        assert!(!tin_is_valid("123450000"));
        assert!(tin_is_valid("912701234"));
        assert!(!tin_is_valid("912931234"));
        assert!(!tin_is_valid("12345678"));
    }

    #[test]
    fn a_number_rules() {
        assert!(a_number_is_valid("A12345678"));
        assert!(a_number_is_valid("A123456789"));
        assert!(!a_number_is_valid("A1234567"));
        assert!(!a_number_is_valid("123456789"));
        assert!(!a_number_is_valid("A1234567890"));
    }

    #[test]
    fn formatting_variants_share_a_canonical_street() {
        let forms = [
            "1234 N. Main Street Apt 5B",
            "1234 North Main St #5B",
            "1234 NORTH MAIN ST., APT 5B",
        ];
        let canon: Vec<String> = forms.iter().map(|f| canonical_street(f)).collect();
        assert!(canon.iter().all(|c| c == "1234 N MAIN ST #5B"), "{canon:?}");
        assert_ne!(canonical_street("1234 N Main St #5C"), canon[0]);
        assert_eq!(
            canonical_street("P.O. Box 12"),
            canonical_street("PO BOX 12")
        );
        assert_eq!(
            canonical_street("Rural Route 2 Box 15"),
            canonical_street("RR 2 Box 15")
        );
    }

    #[test]
    fn zip_state_consistency() {
        assert!(zip_matches_state("CA", "90012"));
        assert!(zip_matches_state("NJ", "07102-1234"));
        assert!(!zip_matches_state("TX", "90012"));
        assert!(!zip_matches_state("CA", "00000"));
    }
}
