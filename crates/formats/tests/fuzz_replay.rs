//! Replays the inputs kept beside the fuzz targets as ordinary workspace
//! tests: every seed (`fuzz/seeds/TARGET/`) and every crasher the fuzzer
//! found (`fuzz/crashers/TARGET/`, kept minimised) goes through the same
//! property function its `cargo fuzz` target calls, so a fixed crash stays
//! fixed in `cargo test --workspace` without running the fuzzer.
//!
//! The fuzz crate itself is outside the workspace (it needs libFuzzer), so
//! its property functions (`fuzz/src/lib.rs`) are compiled in here as a
//! module rather than as a dependency.

#[path = "../fuzz/src/lib.rs"]
mod fuzz;

use std::path::{Path, PathBuf};
use vouch_test_support::fuzz::Check;

/// Each `cargo fuzz` target (`fuzz/fuzz_targets/NAME.rs`) and the property
/// function it calls.
const TARGETS: [(&str, Check); 4] = [
    ("request_json", fuzz::check_request_json),
    ("subjects_csv", fuzz::check_subjects_csv),
    ("master_csv", fuzz::check_master_csv),
    ("checks_csv", fuzz::check_checks_csv),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn replay(kind: &str) -> (Vec<(&'static str, usize)>, Vec<String>) {
    vouch_test_support::fuzz::replay(&fuzz_dir(), kind, &TARGETS)
}

#[test]
fn every_fuzz_target_calls_the_property_replayed_here() {
    vouch_test_support::fuzz::assert_targets_call_their_checks(&fuzz_dir(), &TARGETS);
}

#[test]
fn every_seed_passes_its_target() {
    let (ran, failed) = replay("seeds");
    for (target, n) in &ran {
        assert_eq!(*n, 1, "one seed for {target}");
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn every_crasher_found_so_far_is_fixed() {
    let (ran, failed) = replay("crashers");
    let total: usize = ran.iter().map(|(_, n)| n).sum();
    // The two minimised request_json crashers kept in fuzz/crashers/.
    assert!(total >= 2, "crashers replayed: {ran:?}");
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn a_seed_letter_really_parses() {
    // Keeps the request_json property from passing vacuously on a seed that
    // no longer parses (it would return early).
    let data = std::fs::read(fuzz_dir().join("seeds/request_json/seed.json")).unwrap();
    assert!(vouch_formats::request::parse_letter(Path::new("request.json"), &data).is_ok());
}
