//! Fuzzes the RFC 9162 proof verifiers with arbitrary sizes, indices, hashes
//! and proofs (they must return errors, never panic), and checks against the
//! generator: for a small tree chosen by the input, a generated proof
//! verifies and the same proof with one bit flipped does not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch_ledger::{
    leaf_hash, verify_consistency, verify_consistency_bytes, verify_inclusion,
    verify_inclusion_bytes, MerkleTree,
};

/// Reads fixed-size fields from the front of the input, zero-padded.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        let n = self.0.len().min(8);
        b[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        u64::from_le_bytes(b)
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let want = (self.u64() as usize) % (max + 1);
        let n = self.0.len().min(want);
        let (a, rest) = self.0.split_at(n);
        self.0 = rest;
        a.to_vec()
    }
}

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor(data);
    let (a, b) = (c.u64(), c.u64());
    let leaf = c.bytes(40);
    let root1 = c.bytes(40);
    let root2 = c.bytes(40);
    let proof: Vec<Vec<u8>> = (0..c.u64() % 70).map(|_| c.bytes(40)).collect();
    let _ = verify_inclusion_bytes(a, b, &leaf, &proof, &root1);
    let _ = verify_consistency_bytes(a, b, &proof, &root1, &root2);

    // Generator against verifier on a tree of at most 64 leaves.
    let n = a % 64 + 1;
    let leaves: Vec<_> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let mut tree = MerkleTree::new();
    tree.extend(&leaves);
    let (m, flip) = (b % n, c.u64());
    let p = tree.inclusion_proof(m, n).expect("index in range");
    verify_inclusion(m, n, &leaves[m as usize], &p, &tree.root()).expect("own proof verifies");
    if !p.is_empty() {
        let mut bad = p.clone();
        let bit = (flip as usize) % (bad.len() * 256);
        bad[bit / 256][(bit % 256) / 8] ^= 1 << (bit % 8);
        assert!(verify_inclusion(m, n, &leaves[m as usize], &bad, &tree.root()).is_err());
    }
    let old = m + 1;
    let cp = tree.consistency_proof(old, n).expect("sizes in range");
    let old_root = tree.root_at(old).expect("size in range");
    verify_consistency(old, n, &cp, &old_root, &tree.root()).expect("own proof verifies");
    if !cp.is_empty() {
        let mut bad = cp.clone();
        let bit = (flip as usize) % (bad.len() * 256);
        bad[bit / 256][(bit % 256) / 8] ^= 1 << (bit % 8);
        assert!(verify_consistency(old, n, &bad, &old_root, &tree.root()).is_err());
    }
});
