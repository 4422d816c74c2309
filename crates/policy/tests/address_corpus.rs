//! The address rule against two hand-written corpora (`tests/data/`): every
//! placeholder, non-address, partial, malformed or disguised address of
//! `bad_addresses.txt` must be rejected with exactly `ADDRESS_INCOMPLETE`,
//! and every real-looking US address of `good_addresses.txt` must pass every
//! rule, each on an otherwise valid subject.
//!
//! It does not test the standard form an address takes (that is the
//! normalize crate's golden file), only the policy verdict.

mod common;

use common::{check_one, valid_subject};
use vouch_core::ReasonCode;

/// One corpus line: its line number, the raw text and the four fields.
struct Case {
    line: usize,
    text: String,
    fields: [String; 4],
}

/// Expands `\u{XXXX}` to the scalar and `\r{N}{text}` to `text` N times.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(body) = tail.strip_prefix("\\u{") {
            let end = body.find('}').expect("unterminated \\u{ in corpus");
            let code = u32::from_str_radix(&body[..end], 16).expect("bad hex in corpus");
            out.push(char::from_u32(code).expect("not a Unicode scalar in corpus"));
            rest = &body[end + 1..];
        } else if let Some(body) = tail.strip_prefix("\\r{") {
            let end = body.find('}').expect("unterminated \\r{ in corpus");
            let times: usize = body[..end].parse().expect("bad count in corpus");
            let text = body[end + 1..]
                .strip_prefix('{')
                .expect("\\r{N} must be followed by {text}");
            let text_end = text.find('}').expect("unterminated \\r text in corpus");
            out.push_str(&text[..text_end].repeat(times));
            rest = &text[text_end + 1..];
        } else {
            out.push('\\');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

fn load(name: &str) -> Vec<Case> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("corpus file is readable");
    let mut cases = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        let parts: Vec<String> = raw.split('|').map(|p| unescape(p.trim())).collect();
        assert_eq!(parts.len(), 4, "{name}:{}: expected 4 fields", i + 1);
        let fields = [
            parts[0].clone(),
            parts[1].clone(),
            parts[2].clone(),
            parts[3].clone(),
        ];
        cases.push(Case {
            line: i + 1,
            text: raw.to_string(),
            fields,
        });
    }
    cases
}

/// Runs every case and returns a description of each one whose reasons
/// differ from `expected`.
fn mismatches(name: &str, expected: &[ReasonCode]) -> (usize, Vec<String>) {
    let cases = load(name);
    let mut wrong = Vec::new();
    for case in &cases {
        let mut s = valid_subject(case.line as u32);
        let [street, city, state, zip] = case.fields.clone();
        s.street = street;
        s.city = city;
        s.state = state;
        s.zip = zip;
        let got = check_one(s);
        if got != expected {
            wrong.push(format!(
                "{name}:{}: `{}` gave {got:?}",
                case.line, case.text
            ));
        }
    }
    (cases.len(), wrong)
}

#[test]
fn the_unescaper_expands_scalars_and_repeats() {
    assert_eq!(unescape("a\\u{200B}b"), "a\u{200B}b");
    assert_eq!(unescape("\\r{3}{ab}c"), "abababc");
    assert_eq!(unescape("plain"), "plain");
}

#[test]
fn the_base_subject_is_valid() {
    assert_eq!(check_one(valid_subject(1)), Vec::<ReasonCode>::new());
}

#[test]
fn every_bad_address_is_rejected_with_address_incomplete_only() {
    let (count, wrong) = mismatches("bad_addresses.txt", &[ReasonCode::AddressIncomplete]);
    assert!(count >= 120, "bad corpus has only {count} cases");
    assert!(
        wrong.is_empty(),
        "{} of {count} bad addresses were not exactly [AddressIncomplete]:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_good_address_passes() {
    let (count, wrong) = mismatches("good_addresses.txt", &[]);
    assert!(count >= 120, "good corpus has only {count} cases");
    assert!(
        wrong.is_empty(),
        "{} of {count} good addresses did not pass:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn a_tin_never_stands_in_for_an_incomplete_address() {
    // policy.md: a subject with a TIN and an incomplete address is rejected
    // like any other.
    for street in ["Failed to Provide", "Harris County Jail", "", "90012"] {
        let mut s = valid_subject(1);
        s.tin = "123-45-6789".into();
        s.street = street.into();
        assert_eq!(
            check_one(s),
            vec![ReasonCode::AddressIncomplete],
            "{street:?}"
        );
    }
}

#[test]
fn huge_fields_are_rejected_without_panicking() {
    let mut s = valid_subject(1);
    s.street = "A".repeat(100_000);
    s.city = "B".repeat(100_000);
    s.state = "C".repeat(100_000);
    s.zip = "9".repeat(100_000);
    assert_eq!(check_one(s), vec![ReasonCode::AddressIncomplete]);
}
