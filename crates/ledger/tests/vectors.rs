//! Runs the transparency-dev RFC 6962 proof vectors (read in place from
//! `/work/shared/testdata/merkle`, never copied): every valid case must be
//! accepted and every `wantErr` case rejected.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use vouch_ledger::{verify_consistency_bytes, verify_inclusion_bytes};

/// Vector files are tiny; anything larger is not a vector.
const VECTOR_BYTES_MAX: u64 = 64 * 1024;

fn vector_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/merkle")
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
    let mut files = Vec::new();
    json_files(&vector_root().join("inclusion"), &mut files);
    assert!(
        files.len() >= 90,
        "found only {} inclusion vectors",
        files.len()
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
    assert!(
        valid >= 6 && invalid >= 80,
        "valid={valid} invalid={invalid}"
    );
}

#[test]
fn consistency_vectors() {
    let mut files = Vec::new();
    json_files(&vector_root().join("consistency"), &mut files);
    assert!(
        files.len() >= 90,
        "found only {} consistency vectors",
        files.len()
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
    assert!(
        valid >= 6 && invalid >= 80,
        "valid={valid} invalid={invalid}"
    );
}
