//! Replays the committed inputs through the fuzz properties as ordinary
//! tests: every seed (`seeds/TARGET/`) and every crasher the fuzzer found
//! (`crashers/TARGET/`, kept minimised) must pass, so a fixed crash stays
//! fixed without running the fuzzer.
//!
//! Run with `cargo test` inside `crates/formats/fuzz`; it does not fuzz.

use std::path::Path;

type Check = fn(&[u8]);

const TARGETS: [(&str, Check); 4] = [
    ("request_json", vouch_formats_fuzz::check_request_json),
    ("subjects_csv", vouch_formats_fuzz::check_subjects_csv),
    ("master_csv", vouch_formats_fuzz::check_master_csv),
    ("checks_csv", vouch_formats_fuzz::check_checks_csv),
];

/// Runs every file under `dir/TARGET/` through its check; returns the files
/// that panicked and how many ran.
fn replay(dir: &str) -> (usize, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut ran = 0;
    let mut failed = Vec::new();
    for (target, check) in TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap();
            ran += 1;
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                failed.push(format!("{target}: {}", path.display()));
            }
        }
    }
    (ran, failed)
}

#[test]
fn every_seed_passes_its_target() {
    let (ran, failed) = replay("seeds");
    assert_eq!(ran, TARGETS.len(), "one seed per target");
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn every_crasher_found_so_far_is_fixed() {
    let (ran, failed) = replay("crashers");
    assert!(ran > 0);
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn a_seed_letter_really_parses() {
    // Keeps the request_json property from passing vacuously on a seed that
    // no longer parses (it would return early).
    let data =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/request_json/seed.json"))
            .unwrap();
    assert!(vouch_formats::request::parse_letter(Path::new("request.json"), &data).is_ok());
}
