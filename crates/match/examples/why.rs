//! Why the matcher decided as it did, subject by subject (a developer's
//! tool for reading misses on test data, never on real requests: it prints
//! the decision's internal reason and weights):
//! `cargo run --release -p vouch-match --example why -- INDEX_DIR DIR [SUBJECT_REF...]`.
//! Decides every subject of DIR/request/subjects.csv (or only those named)
//! against the index in INDEX_DIR for the periods of the common test
//! letter, without the probing guard, and prints one line each.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: why INDEX_DIR DIR [SUBJECT_REF...]");
        std::process::exit(2);
    }
    let ix = match vouch_match::MasterIndex::load(Path::new(&args[1])) {
        Ok(ix) => ix,
        Err(e) => {
            eprintln!("{}: {e}", args[1]);
            std::process::exit(1);
        }
    };
    let wanted: Vec<&String> = args[3..].iter().collect();
    let dir = Path::new(&args[2]);
    let subjects = common::read_request(dir);
    for s in subjects {
        if !wanted.is_empty() && !wanted.contains(&&s.subject_ref) {
            continue;
        }
        let d = vouch_match::decide::decide(&ix, &common::query(&s));
        println!(
            "{} {:?} {:?} candidates {} | {}",
            s.subject_ref,
            d.outcome,
            d.reason,
            d.candidates,
            d.explanation.map(|x| x.describe()).unwrap_or_default()
        );
    }
}
