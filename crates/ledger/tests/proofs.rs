//! Compares the tree and its proofs with an independent reference: the
//! recursive MTH, PATH and PROOF definitions of RFC 6962 section 2.1, written
//! here over raw leaf data. Known answers from `tests/data/rfc6962_roots.txt`;
//! property tests over random sizes, including tampered proofs.

use proptest::prelude::*;
use sha2::{Digest, Sha256};
use vouch_ledger::{verify_consistency, verify_inclusion, Hash, MerkleTree};

// ---- reference implementation (RFC 6962 section 2.1, recursive) ----

fn sha(parts: &[&[u8]]) -> Hash {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn mth(d: &[Vec<u8>]) -> Hash {
    match d.len() {
        0 => sha(&[]),
        1 => sha(&[&[0], &d[0]]),
        n => {
            let k = k_of(n);
            sha(&[&[1], &mth(&d[..k]), &mth(&d[k..])])
        }
    }
}

fn path(m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
    let n = d.len();
    if n <= 1 {
        return vec![];
    }
    let k = k_of(n);
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

fn subproof(m: usize, d: &[Vec<u8>], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { vec![] } else { vec![mth(d)] };
    }
    let k = k_of(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

// ---- helpers ----

fn leaves(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| format!("leaf-{i}").into_bytes()).collect()
}

fn tree_of(d: &[Vec<u8>]) -> MerkleTree {
    let hashes: Vec<Hash> = d.iter().map(|l| vouch_ledger::leaf_hash(l)).collect();
    let mut t = MerkleTree::new();
    t.extend(&hashes);
    t
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn known_answer_roots_of_the_rfc6962_reference_tree() {
    let table = include_str!("data/rfc6962_roots.txt");
    let mut data = Vec::new();
    let mut roots = Vec::new();
    for line in table.lines().filter(|l| !l.starts_with('#')) {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts.as_slice() {
            ["leaf"] => data.push(Vec::new()),
            ["leaf", hex] => data.push(unhex(hex)),
            ["root", n, hex] => roots.push((n.parse::<usize>().unwrap(), unhex(hex))),
            _ => panic!("bad table line {line:?}"),
        }
    }
    assert_eq!((data.len(), roots.len()), (8, 9));
    let tree = tree_of(&data);
    for (n, want) in roots {
        assert_eq!(mth(&data[..n]).to_vec(), want, "reference, size {n}");
        assert_eq!(
            tree.root_at(n as u64).unwrap().to_vec(),
            want,
            "tree, size {n}"
        );
    }
}

#[test]
fn exhaustive_small_trees_match_reference_proofs() {
    let d = leaves(40);
    let tree = tree_of(&d);
    for n in 1..=d.len() {
        assert_eq!(tree.root_at(n as u64).unwrap(), mth(&d[..n]));
        for m in 0..n {
            let got = tree.inclusion_proof(m as u64, n as u64).unwrap();
            assert_eq!(got, path(m, &d[..n]), "inclusion m={m} n={n}");
        }
        for m in 1..=n {
            let got = tree.consistency_proof(m as u64, n as u64).unwrap();
            assert_eq!(got, subproof(m, &d[..n], true), "consistency m={m} n={n}");
            assert_eq!(subproof_len(m, n, true), got.len());
        }
    }
}

/// Flips one bit of one hash of the proof.
fn flip(proof: &[Hash], which: usize, bit: u8) -> Vec<Hash> {
    let mut p = proof.to_vec();
    let i = which % p.len();
    p[i][usize::from(bit / 8) % 32] ^= 1 << (bit % 8);
    p
}

/// Which side each proof hash sits on (true: the sibling is on the right),
/// from the reference recursion. The verifier's work is fully determined by
/// this sequence, so a changed size verifies exactly when it keeps the sequence.
fn sides(m: usize, n: usize) -> Vec<bool> {
    if n <= 1 {
        return vec![];
    }
    let k = k_of(n);
    let mut s = if m < k {
        sides(m, k)
    } else {
        sides(m - k, n - k)
    };
    s.push(m < k);
    s
}

/// Length of the reference SUBPROOF(m, D[n], b) without hashing anything.
fn subproof_len(m: usize, n: usize, b: bool) -> usize {
    if m == n {
        return usize::from(!b);
    }
    let k = k_of(n);
    if m <= k {
        subproof_len(m, k, b) + 1
    } else {
        subproof_len(m - k, n - k, false) + 1
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_leaf_proves_and_tampering_fails(n in 1usize..300, seed in any::<u64>(), bit in any::<u8>()) {
        let d = leaves(n);
        let tree = tree_of(&d);
        let size = n as u64;
        let root = tree.root();
        prop_assert_eq!(root, mth(&d));
        for m in 0..size {
            let leaf = tree.leaf_hash(m).unwrap();
            let proof = tree.inclusion_proof(m, size).unwrap();
            prop_assert!(verify_inclusion(m, size, &leaf, &proof, &root).is_ok());
            if !proof.is_empty() {
                let bad = flip(&proof, (seed as usize).wrapping_add(m as usize), bit);
                prop_assert!(verify_inclusion(m, size, &leaf, &bad, &root).is_err());
                let mut short = proof.clone();
                short.pop();
                prop_assert!(verify_inclusion(m, size, &leaf, &short, &root).is_err());
            }
            let mut long = proof.clone();
            long.push(root);
            prop_assert!(verify_inclusion(m, size, &leaf, &long, &root).is_err());
            let other = (m + 1 + seed % size) % size;
            if other != m {
                prop_assert!(verify_inclusion(other, size, &leaf, &proof, &root).is_err());
            }
            let mut bad_leaf = leaf;
            bad_leaf[usize::from(bit) % 32] ^= 1;
            prop_assert!(verify_inclusion(m, size, &bad_leaf, &proof, &root).is_err());
            // RFC 9162 binds the size only through the proof's shape (a signed
            // checkpoint binds the rest): any size with another shape must fail.
            let want = sides(m as usize, n);
            for s2 in [size + 1, size + 1 + seed % 64, size * 2, size / 2, size - 1] {
                if s2 == size || s2 == 0 {
                    continue;
                }
                let ok = verify_inclusion(m, s2, &leaf, &proof, &root).is_ok();
                let same_shape = m < s2 && sides(m as usize, s2 as usize) == want;
                prop_assert_eq!(ok, same_shape, "m={} n={} s2={}", m, size, s2);
            }
        }
    }

    #[test]
    fn every_pair_of_sizes_is_consistent_and_tampering_fails(n in 1usize..70, bit in any::<u8>(), which in any::<usize>()) {
        let d = leaves(n);
        let tree = tree_of(&d);
        for new in 1..=n as u64 {
            let r2 = tree.root_at(new).unwrap();
            for old in 1..=new {
                let r1 = tree.root_at(old).unwrap();
                let proof = tree.consistency_proof(old, new).unwrap();
                prop_assert!(verify_consistency(old, new, &proof, &r1, &r2).is_ok());
                if old == new {
                    continue;
                }
                let bad = flip(&proof, which, bit);
                prop_assert!(verify_consistency(old, new, &bad, &r1, &r2).is_err());
                prop_assert!(verify_consistency(old, new, &proof, &r2, &r1).is_err());
                let mut r1_bad = r1;
                r1_bad[usize::from(bit) % 32] ^= 1;
                prop_assert!(verify_consistency(old, new, &proof, &r1_bad, &r2).is_err());
                let mut r2_bad = r2;
                r2_bad[usize::from(bit) % 32] ^= 1;
                prop_assert!(verify_consistency(old, new, &proof, &r1, &r2_bad).is_err());
                // Altered sizes whose proofs have another length must fail.
                for (o2, n2) in [(old + 1, new), (old - 1, new), (old, new + 1), (old, new - 1), (old * 2, new * 2)] {
                    if o2 == 0 || o2 > n2 || (o2, n2) == (old, new) {
                        continue;
                    }
                    let other = subproof_len(o2 as usize, n2 as usize, true);
                    if other != proof.len() {
                        prop_assert!(verify_consistency(o2, n2, &proof, &r1, &r2).is_err(),
                            "old={} new={} altered to {} {}", old, new, o2, n2);
                    }
                }
            }
        }
    }
}
