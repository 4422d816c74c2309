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

type Check = fn(&[u8]);

/// Each `cargo fuzz` target (`fuzz/fuzz_targets/NAME.rs`) and the property
/// function it calls.
const TARGETS: [(&str, Check); 4] = [
    ("checkpoint_note", fuzz::check_checkpoint_note),
    ("inclusion_bundle", fuzz::check_inclusion_bundle),
    ("leaf_decode", fuzz::check_leaf_decode),
    ("proof_verify", fuzz::check_proof_verify),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Runs every file under `fuzz/KIND/TARGET/` through the target's check.
/// Fails on a folder that names no target (an input nobody replays) and on
/// a missing `fuzz/KIND`; returns how many inputs each target ran and the
/// inputs that panicked.
fn replay(kind: &str) -> (Vec<(&'static str, usize)>, Vec<String>) {
    let root = fuzz_dir().join(kind);
    let entries = std::fs::read_dir(&root).unwrap_or_else(|e| panic!("reading {root:?}: {e}"));
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            assert!(
                TARGETS.iter().any(|(t, _)| *t == name),
                "{path:?} names no fuzz target: its inputs would never be replayed"
            );
        } else {
            assert!(
                name.ends_with(".md"),
                "{path:?}: inputs belong in a TARGET folder"
            );
        }
    }
    let mut ran = Vec::new();
    let mut failed = Vec::new();
    for (target, check) in TARGETS {
        let dir = root.join(target);
        let mut paths: Vec<_> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => panic!("reading {dir:?}: {e}"),
        };
        paths.sort();
        for path in &paths {
            let data = std::fs::read(path).unwrap();
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                failed.push(format!("{target}: {}", path.display()));
            }
        }
        ran.push((target, paths.len()));
    }
    (ran, failed)
}

#[test]
fn every_fuzz_target_calls_the_property_replayed_here() {
    let dir = fuzz_dir().join("fuzz_targets");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {dir:?}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut listed: Vec<String> = TARGETS.iter().map(|(t, _)| t.to_string()).collect();
    listed.sort();
    assert_eq!(names, listed, "fuzz_targets/ and TARGETS differ");
    for name in &names {
        let source = std::fs::read_to_string(dir.join(format!("{name}.rs"))).unwrap();
        assert!(
            source.contains(&format!("::check_{name}(data)")),
            "fuzz_targets/{name}.rs does not call check_{name}"
        );
    }
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
        for data in [&b""[..], &[0u8; 64], &[0xffu8; 64], b"\xff"] {
            check(data);
        }
    }
}
