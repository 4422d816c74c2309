//! Prints the standard form of names or addresses read from standard input,
//! one `a | b | c | d` line each, in the golden-table format of
//! `tests/data/*.txt`: a tool for writing and reviewing golden cases.
//! Usage: `cargo run -p vouch-normalize --example normalize_lines -- names|addresses < input`.
//! It does not decide what is right: every generated line must be reviewed.

use std::io::BufRead;

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let fields: Vec<&str> = line.split('|').map(str::trim).collect();
        let f = |i: usize| fields.get(i).copied().unwrap_or("");
        if mode == "names" {
            let n = vouch_normalize::standardize_name(f(0), f(1), f(2), f(3));
            println!(
                "{line} => given={}; middle={}; surnames={}; particles={}; suffix={}; key={}; placeholder={}",
                n.given.join(" "),
                n.middle.join(" "),
                n.surname_full(),
                n.particles.join(" "),
                n.suffix.map_or("", |s| s.as_str()),
                n.match_key(),
                n.is_placeholder()
            );
        } else {
            let a = vouch_normalize::standardize_address(f(0), f(1), f(2), f(3));
            println!(
                "{line} => line={}; kind={:?}; complete={}; key={}; flags={}",
                a.standard_line(),
                a.kind,
                a.is_complete(),
                a.match_key(),
                flag_list(&a.flags)
            );
        }
    }
}

fn flag_list(f: &vouch_normalize::AddressFlags) -> String {
    let all = [
        (f.incomplete, "incomplete"),
        (f.placeholder, "placeholder"),
        (f.general_delivery, "general_delivery"),
        (f.care_of, "care_of"),
        (f.facility, "facility"),
        (f.facility_only, "facility_only"),
        (f.zip_state_mismatch, "zip_state_mismatch"),
        (f.invalid_state, "invalid_state"),
        (f.invalid_zip, "invalid_zip"),
        (f.zip_padded, "zip_padded"),
    ];
    let set: Vec<&str> = all.iter().filter(|(on, _)| *on).map(|(_, n)| *n).collect();
    set.join(",")
}
