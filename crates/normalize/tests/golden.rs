//! Golden tables: every line of `tests/data/names.txt` and
//! `tests/data/addresses.txt` is `input => expected`, where expected is a
//! list of `field=value` checks separated by `; `. Only the fields listed
//! are checked, so one line can pin just what it is about. Name lines
//! starting with `~` check nickname equivalence (`~ A | B => true`).
//!
//! This test does not generate expectations: they are written by hand (or
//! derived from a hand-written base form for formatting variants).

use vouch_normalize::{are_nickname_equivalent, standardize_address, standardize_name};

const NAMES: &str = include_str!("data/names.txt");
const ADDRESSES: &str = include_str!("data/addresses.txt");
const PUB28_C1: &str = include_str!("data/pub28_c1.txt");

struct Case<'a> {
    line_number: usize,
    inputs: Vec<&'a str>,
    checks: Vec<(&'a str, &'a str)>,
}

fn cases(text: &str) -> Vec<Case<'_>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (input, expected) = line
            .split_once(" => ")
            .unwrap_or_else(|| panic!("line {}: no ' => '", i + 1));
        let inputs = input.split('|').map(str::trim).collect();
        let checks = expected
            .split("; ")
            .map(|c| {
                c.split_once('=')
                    .unwrap_or_else(|| panic!("line {}: bad check {c:?}", i + 1))
            })
            .collect();
        out.push(Case {
            line_number: i + 1,
            inputs,
            checks,
        });
    }
    out
}

fn field<'a>(inputs: &[&'a str], i: usize) -> &'a str {
    inputs.get(i).copied().unwrap_or("")
}

fn name_value(case: &Case, key: &str) -> String {
    let f = |i| field(&case.inputs, i);
    let n = standardize_name(f(0), f(1), f(2), f(3));
    match key {
        "given" => n.given.join(" "),
        "middle" => n.middle.join(" "),
        "surnames" => n.surname_full(),
        "particles" => n.particles.join(" "),
        "paternal" => n.surname_paternal().to_owned(),
        "maternal" => n.surname_maternal().unwrap_or("").to_owned(),
        "suffix" => n.suffix.map_or("", |s| s.as_str()).to_owned(),
        "key" => n.match_key(),
        "placeholder" => n.is_placeholder().to_string(),
        "surname_keys" => n.surname_keys().join(","),
        "given_keys" => n.given_keys().join(","),
        other => panic!("line {}: unknown name field {other}", case.line_number),
    }
}

fn address_value(case: &Case, key: &str) -> String {
    let f = |i| field(&case.inputs, i);
    let a = standardize_address(f(0), f(1), f(2), f(3));
    let flags = &a.flags;
    let flag_names = [
        (flags.incomplete, "incomplete"),
        (flags.placeholder, "placeholder"),
        (flags.general_delivery, "general_delivery"),
        (flags.care_of, "care_of"),
        (flags.facility, "facility"),
        (flags.facility_only, "facility_only"),
        (flags.zip_state_mismatch, "zip_state_mismatch"),
        (flags.invalid_state, "invalid_state"),
        (flags.invalid_zip, "invalid_zip"),
        (flags.zip_padded, "zip_padded"),
    ];
    match key {
        "line" => a.standard_line(),
        "kind" => format!("{:?}", a.kind),
        "complete" => a.is_complete().to_string(),
        "key" => a.match_key(),
        "street_key" => a.street_key(),
        "flags" => {
            let on: Vec<&str> = flag_names.iter().filter(|f| f.0).map(|f| f.1).collect();
            on.join(",")
        }
        other => panic!("line {}: unknown address field {other}", case.line_number),
    }
}

fn run(text: &str, value: impl Fn(&Case, &str) -> String) -> (usize, Vec<String>) {
    let all = cases(text);
    let mut failures = Vec::new();
    for case in &all {
        for (key, expected) in &case.checks {
            let got = value(case, key);
            if got != *expected {
                failures.push(format!(
                    "line {}: {key}: expected {expected:?}, got {got:?} (input {:?})",
                    case.line_number, case.inputs
                ));
            }
        }
    }
    (all.len(), failures)
}

fn name_or_nickname(case: &Case, key: &str) -> String {
    if case.inputs[0].starts_with('~') {
        let a = case.inputs[0].trim_start_matches('~').trim();
        assert_eq!(key, "equivalent", "line {}", case.line_number);
        return are_nickname_equivalent(a, field(&case.inputs, 1)).to_string();
    }
    name_value(case, key)
}

#[test]
fn golden_tables_hold() {
    let (name_count, mut failures) = run(NAMES, name_or_nickname);
    let (address_count, address_failures) = run(ADDRESSES, address_value);
    failures.extend(address_failures);
    assert!(name_count >= 300, "only {name_count} name cases");
    assert!(address_count >= 300, "only {address_count} address cases");
    assert!(
        failures.is_empty(),
        "{} golden failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every primary name and common form of Publication 28 Appendix C1, used
/// as the suffix of `100 OAK <form>`, standardises to the USPS standard
/// abbreviation; a standard abbreviation leading a street name is spelled
/// out as the first primary name that has it (`AVE B` → `AVENUE B`).
///
/// Rules of the parser take precedence over the table, and are checked as
/// such: a form that is itself another suffix's standard abbreviation keeps
/// that meaning (C1 lists `MDW` under MEADOWS, but `MDW` is the standard
/// for MEADOW); a leading `ST` is SAINT (`ST JAMES`); a leading `DR` stays
/// (`DR MARTIN LUTHER KING JR BLVD`), as does `VIA` (`VIA DEL MAR`).
#[test]
fn every_pub28_c1_form_standardises() {
    let mut entries = Vec::new();
    for line in PUB28_C1
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (primary, rest) = line.split_once(':').expect("PRIMARY: forms => STANDARD");
        let (forms, standard) = rest.split_once("=>").expect("forms => STANDARD");
        entries.push((
            primary.trim(),
            forms.split_whitespace().collect::<Vec<_>>(),
            standard.trim(),
        ));
    }
    let first_primary = |standard: &str| entries.iter().find(|e| e.2 == standard).map(|e| e.0);
    let mut failures = Vec::new();
    let mut forms_checked = 0;
    for (primary, forms, standard) in &entries {
        for form in forms.iter().chain([primary]) {
            let expected = match first_primary(form) {
                Some(_) => *form, // a standard abbreviation stands for itself
                None => *standard,
            };
            forms_checked += 1;
            let a = standardize_address(&format!("100 Oak {form}"), "Los Angeles", "CA", "90012");
            if a.suffix.as_deref() != Some(expected) || a.street_name != "OAK" {
                failures.push(format!("{form}: {:?} {:?}", a.street_name, a.suffix));
            }
        }
        let spelled = match *standard {
            "ST" => "SAINT",
            "DR" | "VIA" => standard,
            _ => first_primary(standard).unwrap_or(""),
        };
        let a = standardize_address(&format!("100 {standard} B"), "Los Angeles", "CA", "90012");
        if a.street_name != format!("{spelled} B") {
            failures.push(format!("{standard} B: {:?}", a.street_name));
        }
    }
    assert!(entries.len() >= 200, "only {} primary names", entries.len());
    assert!(forms_checked >= 500, "only {forms_checked} forms");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
