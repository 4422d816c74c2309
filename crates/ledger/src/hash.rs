//! RFC 9162 hashing primitives: the leaf and interior node hashes with their
//! 0x00 / 0x01 domain separation, the empty-tree hash and the split rule.
//!
//! Deliberately nothing else: no tree state, no proofs, no I/O.

use sha2::{Digest, Sha256};

/// A SHA-256 output: a leaf hash, a node hash or a tree root.
pub type Hash = [u8; 32];

/// Length in bytes of every hash in this crate.
pub const HASH_LEN: usize = 32;

/// Leaf hash: SHA-256(0x00 || leaf bytes) (RFC 9162 section 2.1.1).
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(leaf);
    h.finalize().into()
}

/// Interior node hash: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 1 + 2 * HASH_LEN];
    buf[0] = 0x01;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    Sha256::digest(buf).into()
}

/// The root of the empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly less than `n` (RFC 6962's `k`), for n >= 2.
pub(crate) fn split_point(n: u64) -> u64 {
    assert!(n >= 2, "split_point needs at least two leaves");
    1u64 << (63 - (n - 1).leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        for n in 2u64..2000 {
            let k = split_point(n);
            assert!(k.is_power_of_two() && k < n && 2 * k >= n, "n={n} k={k}");
        }
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn empty_root_matches_known_sha256_of_empty_string() {
        let hex: String = empty_root().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn leaf_and_node_hashes_are_domain_separated() {
        let a = leaf_hash(b"x");
        let b = leaf_hash(b"y");
        let mut joined = Vec::from(a);
        joined.extend_from_slice(&b);
        // A node must never collide with a leaf whose bytes are its children.
        assert_ne!(node_hash(&a, &b), leaf_hash(&joined));
        assert_ne!(node_hash(&a, &b), node_hash(&b, &a));
    }
}
