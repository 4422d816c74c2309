//! Replays the inputs kept beside the fuzz targets as ordinary workspace
//! tests: every crasher the fuzzer found (`fuzz/crashers/TARGET/`, kept
//! minimised; none so far, see the README there) goes through the same
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
    ("name", fuzz::check_name),
    ("address", fuzz::check_address),
    ("city", fuzz::check_city),
    ("fold", fuzz::check_fold),
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
fn every_crasher_found_so_far_is_fixed() {
    // None is kept yet (fuzz/crashers/README.md): this replays whatever is
    // added there.
    let (ran, failed) = replay("crashers");
    assert!(failed.is_empty(), "{failed:#?} (ran {ran:?})");
}

#[test]
fn the_properties_hold_on_trivial_inputs() {
    for (_, check) in TARGETS {
        for data in [
            &b""[..],
            b"|||",
            b"Jos\xc3\xa9|Mar\xc3\xada|O'Neil|Jr",
            b"\xff",
        ] {
            check(data);
        }
    }
}
