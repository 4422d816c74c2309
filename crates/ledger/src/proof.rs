//! Verifiers for RFC 9162 inclusion and consistency proofs. They need only the
//! proof, the sizes, the leaf hash and the roots: no access to the log.
//!
//! Deliberately strict: a proof one hash too long or too short, an index past
//! the tree, or a hash of the wrong length is rejected, never tolerated. The
//! generators live in [`crate::tree`].

use crate::error::ProofError;
use crate::hash::{empty_root, node_hash, Hash, HASH_LEN};

/// Proofs of more hashes than this cannot belong to a tree of at most 2^64
/// leaves: inclusion needs at most 64, consistency at most 65 hashes.
pub const PROOF_HASHES_MAX: usize = 65;

/// Recomputes the root implied by an inclusion proof (RFC 9162 section 2.1.3.2).
pub fn root_from_inclusion_proof(
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: &Hash,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    if leaf_index >= tree_size {
        return Err(ProofError::IndexOutOfRange {
            index: leaf_index,
            size: tree_size,
        });
    }
    let (mut fn_, mut sn) = (leaf_index, tree_size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongProofLength { len: proof.len() });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofLength { len: proof.len() });
    }
    Ok(r)
}

/// Verifies that `leaf_hash` is leaf `leaf_index` of the tree of `tree_size`
/// leaves whose root is `root`.
pub fn verify_inclusion(
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion_proof(leaf_index, tree_size, leaf_hash, proof)?;
    if &computed != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `size2` leaves with root `root2` extends the tree
/// of `size1` leaves with root `root1` (RFC 9162 section 2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots (the empty tree's root when
/// the size is zero); `size1 == 0 < size2` is refused as RFC 9162 defines no
/// proof for it.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), ProofError> {
    if size2 < size1 {
        return Err(ProofError::SizesOutOfOrder {
            old: size1,
            new: size2,
        });
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength { len: proof.len() });
        }
        if root1 != root2 || (size1 == 0 && *root1 != empty_root()) {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }
    if size1 == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    if proof.is_empty() {
        return Err(ProofError::WrongProofLength { len: 0 });
    }
    let (fr, sr) = consistency_roots(size1, size2, proof, root1)?;
    if &fr != root1 || &sr != root2 {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Steps 2 to 7 of RFC 9162 section 2.1.4.2: the two roots the proof implies.
fn consistency_roots(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
) -> Result<(Hash, Hash), ProofError> {
    // A power-of-two old tree is a complete subtree: its root starts the path.
    let (first, rest): (&Hash, &[Hash]) = if size1.is_power_of_two() {
        (root1, proof)
    } else {
        (&proof[0], &proof[1..])
    };
    let (mut fn_, mut sn) = (size1 - 1, size2 - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if sn == 0 {
            return Err(ProofError::WrongProofLength { len: proof.len() });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofLength { len: proof.len() });
    }
    Ok((fr, sr))
}

fn to_hash(bytes: &[u8], what: &'static str) -> Result<Hash, ProofError> {
    Hash::try_from(bytes).map_err(|_| ProofError::BadHashLength {
        what,
        len: bytes.len(),
        expected: HASH_LEN,
    })
}

fn to_hashes(proof: &[Vec<u8>]) -> Result<Vec<Hash>, ProofError> {
    if proof.len() > PROOF_HASHES_MAX {
        return Err(ProofError::WrongProofLength { len: proof.len() });
    }
    proof.iter().map(|p| to_hash(p, "proof hash")).collect()
}

/// [`verify_inclusion`] over untyped bytes as they arrive from outside: every
/// hash must be exactly 32 bytes.
pub fn verify_inclusion_bytes(
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: &[u8],
    proof: &[Vec<u8>],
    root: &[u8],
) -> Result<(), ProofError> {
    let leaf = to_hash(leaf_hash, "leaf hash")?;
    let root = to_hash(root, "root")?;
    verify_inclusion(leaf_index, tree_size, &leaf, &to_hashes(proof)?, &root)
}

/// [`verify_consistency`] over untyped bytes. With equal non-zero sizes the
/// roots are only compared, never hashed, so (as in transparency-dev's
/// verifier) they are compared as opaque byte strings of any length.
pub fn verify_consistency_bytes(
    size1: u64,
    size2: u64,
    proof: &[Vec<u8>],
    root1: &[u8],
    root2: &[u8],
) -> Result<(), ProofError> {
    if size1 == size2 && size1 > 0 && proof.is_empty() {
        return if root1 == root2 {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    let r1 = to_hash(root1, "first root")?;
    let r2 = to_hash(root2, "second root")?;
    verify_consistency(size1, size2, &to_hashes(proof)?, &r1, &r2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::tree::MerkleTree;

    fn tree(n: u32) -> MerkleTree {
        let mut t = MerkleTree::new();
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        t.extend(&leaves);
        t
    }

    #[test]
    fn every_inclusion_and_consistency_proof_of_small_trees_verifies() {
        let t = tree(33);
        for n in 1..=33u64 {
            let root = t.root_at(n).unwrap();
            for i in 0..n {
                let p = t.inclusion_proof(i, n).unwrap();
                let leaf = t.leaf_hash(i).unwrap();
                assert!(
                    verify_inclusion(i, n, &leaf, &p, &root).is_ok(),
                    "i={i} n={n}"
                );
                assert!(verify_inclusion(i, n, &root, &p, &root).is_err() || n == 1);
            }
            for m in 1..=n {
                let p = t.consistency_proof(m, n).unwrap();
                let old = t.root_at(m).unwrap();
                assert!(
                    verify_consistency(m, n, &p, &old, &root).is_ok(),
                    "m={m} n={n}"
                );
                if m < n {
                    assert!(verify_consistency(m, n, &p, &root, &old).is_err());
                }
            }
        }
    }

    #[test]
    fn consistency_with_empty_old_tree_is_refused() {
        let t = tree(3);
        let r = t.root();
        assert_eq!(
            verify_consistency(0, 3, &[], &empty_root(), &r),
            Err(ProofError::EmptyOldTree)
        );
        assert!(verify_consistency(0, 0, &[], &empty_root(), &empty_root()).is_ok());
        assert!(verify_consistency(0, 0, &[], &r, &r).is_err());
    }

    #[test]
    fn bytes_variant_rejects_short_hashes() {
        let t = tree(4);
        let p: Vec<Vec<u8>> = t
            .inclusion_proof(1, 4)
            .unwrap()
            .iter()
            .map(|h| h.to_vec())
            .collect();
        let leaf = t.leaf_hash(1).unwrap();
        let root = t.root();
        assert!(verify_inclusion_bytes(1, 4, &leaf, &p, &root).is_ok());
        assert!(verify_inclusion_bytes(1, 4, &leaf[..31], &p, &root).is_err());
        let mut short = p.clone();
        short[0].pop();
        assert!(verify_inclusion_bytes(1, 4, &leaf, &short, &root).is_err());
    }
}
