//! Runs the transparency-dev RFC 6962 proof vectors (vendored, unchanged, in
//! `tests/data/transparency-dev`; see the README there): every valid case
//! must be accepted and every `wantErr` case rejected. A missing folder or a
//! missing case fails the test.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use vouch_ledger::{verify_consistency_bytes, verify_inclusion_bytes};

/// Vector files are tiny; anything larger is not a vector.
const VECTOR_BYTES_MAX: u64 = 64 * 1024;

/// Cases in each folder of the vendored copy: all of them, 6 valid.
const INCLUSION_CASES: usize = 98;
const CONSISTENCY_CASES: usize = 98;
const VALID_CASES: usize = 6;

fn vector_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/transparency-dev")
}

fn vector_files(kind: &str) -> Vec<PathBuf> {
    let dir = vector_root().join(kind);
    assert!(
        dir.is_dir(),
        "the vendored {kind} vectors are missing: no folder {}",
        dir.display()
    );
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    files
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Inclusion {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Consistency {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    want_err: bool,
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {dir:?}: {e}"));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out.sort();
}

fn load<T: for<'de> Deserialize<'de>>(path: &Path) -> T {
    let len = std::fs::metadata(path).unwrap().len();
    assert!(
        len <= VECTOR_BYTES_MAX,
        "{path:?} is too large for a vector"
    );
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn b64(s: &str) -> Vec<u8> {
    STANDARD.decode(s).unwrap()
}

fn proof(p: &Option<Vec<String>>) -> Vec<Vec<u8>> {
    p.iter().flatten().map(|h| b64(h)).collect()
}

#[test]
fn inclusion_vectors() {
    let files = vector_files("inclusion");
    assert_eq!(
        files.len(),
        INCLUSION_CASES,
        "inclusion vectors in {}",
        vector_root().display()
    );
    let (mut valid, mut invalid) = (0, 0);
    for path in &files {
        let v: Inclusion = load(path);
        let got = verify_inclusion_bytes(
            v.leaf_idx,
            v.tree_size,
            &b64(&v.leaf_hash),
            &proof(&v.proof),
            &b64(&v.root),
        );
        assert_eq!(got.is_err(), v.want_err, "{path:?}: {got:?}");
        if v.want_err {
            invalid += 1;
        } else {
            valid += 1;
        }
    }
    assert_eq!(valid, VALID_CASES, "valid cases (invalid: {invalid})");
}

#[test]
fn consistency_vectors() {
    let files = vector_files("consistency");
    assert_eq!(
        files.len(),
        CONSISTENCY_CASES,
        "consistency vectors in {}",
        vector_root().display()
    );
    let (mut valid, mut invalid) = (0, 0);
    for path in &files {
        let v: Consistency = load(path);
        let got = verify_consistency_bytes(
            v.size1,
            v.size2,
            &proof(&v.proof),
            &b64(&v.root1),
            &b64(&v.root2),
        );
        assert_eq!(got.is_err(), v.want_err, "{path:?}: {got:?}");
        if v.want_err {
            invalid += 1;
        } else {
            valid += 1;
        }
    }
    assert_eq!(valid, VALID_CASES, "valid cases (invalid: {invalid})");
}
