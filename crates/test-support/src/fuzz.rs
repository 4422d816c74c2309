//! Replaying the inputs kept beside a crate's fuzz targets as ordinary
//! tests: every file under `fuzz/KIND/TARGET/` (crashers the fuzzer found,
//! seeds) goes through the property function its `cargo fuzz` target calls,
//! so a fixed crash stays fixed in `cargo test --workspace` without the
//! fuzzer. The fuzz crates are outside the workspace (they need libFuzzer);
//! a test compiles their `fuzz/src/lib.rs` in as a module and lists its
//! targets here.

use std::path::Path;

/// A fuzz target's property: panics when it does not hold.
pub type Check = fn(&[u8]);

/// Runs every file under `fuzz_dir/KIND/TARGET/` through the target's
/// check. Fails on a folder that names no target (inputs nobody replays),
/// a loose input file and a missing `fuzz_dir/KIND`; returns how many inputs
/// each target ran and the inputs that panicked.
pub fn replay(
    fuzz_dir: &Path,
    kind: &str,
    targets: &[(&'static str, Check)],
) -> (Vec<(&'static str, usize)>, Vec<String>) {
    let root = fuzz_dir.join(kind);
    let entries = std::fs::read_dir(&root).unwrap_or_else(|e| panic!("reading {root:?}: {e}"));
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            assert!(
                targets.iter().any(|(t, _)| *t == name),
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
    for &(target, check) in targets {
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

/// Asserts that `fuzz_dir/fuzz_targets/` holds exactly the targets listed
/// and that each `NAME.rs` calls `check_NAME(data)`: the property replayed
/// is the one the fuzzer runs.
pub fn assert_targets_call_their_checks(fuzz_dir: &Path, targets: &[(&'static str, Check)]) {
    let dir = fuzz_dir.join("fuzz_targets");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {dir:?}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut listed: Vec<String> = targets.iter().map(|(t, _)| t.to_string()).collect();
    listed.sort();
    assert_eq!(names, listed, "fuzz_targets/ and the targets listed differ");
    for name in &names {
        let source = std::fs::read_to_string(dir.join(format!("{name}.rs"))).unwrap();
        assert!(
            source.contains(&format!("::check_{name}(data)")),
            "fuzz_targets/{name}.rs does not call check_{name}"
        );
    }
}
