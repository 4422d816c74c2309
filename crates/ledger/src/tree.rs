//! The in-memory Merkle tree: every full level of the RFC 9162 tree kept as a
//! vector of hashes, so appends cost about one node hash per leaf and any root
//! or proof for any earlier size is produced in O(log^2 n) hashes.
//!
//! Memory is about 64 bytes per leaf (32 for the leaf hash, 32 for the nodes
//! above it). It deliberately holds no leaf data and does no I/O: it is rebuilt
//! from the leaf store when a ledger opens.

use rayon::prelude::*;

use crate::error::ProofError;
use crate::hash::{empty_root, node_hash, split_point, Hash};

/// Below this many pairs a level is hashed on the calling thread: rayon's
/// scheduling costs more than it saves on small appends.
const PARALLEL_PAIRS_MIN: usize = 4096;

/// Hashes of every perfect, aligned subtree: `levels[k][i]` covers leaves
/// `i * 2^k .. (i + 1) * 2^k`.
#[derive(Debug, Clone, Default)]
pub struct MerkleTree {
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Hash of leaf `index`, if present.
    pub fn leaf_hash(&self, index: u64) -> Option<Hash> {
        let i = usize::try_from(index).ok()?;
        self.levels.first().and_then(|l| l.get(i)).copied()
    }

    /// As [`MerkleTree::extend`], taking the vector (moved, not copied, into
    /// an empty tree).
    pub fn extend_owned(&mut self, leaf_hashes: Vec<Hash>) {
        if self.size() == 0 && !leaf_hashes.is_empty() {
            self.levels = vec![leaf_hashes];
            self.hash_levels();
        } else {
            self.extend(&leaf_hashes);
        }
    }

    /// Appends leaf hashes, hashing new interior nodes level by level (in
    /// parallel when a level has many new nodes).
    pub fn extend(&mut self, leaf_hashes: &[Hash]) {
        if leaf_hashes.is_empty() {
            return;
        }
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].extend_from_slice(leaf_hashes);
        self.hash_levels();
    }

    /// Hashes the interior nodes missing above the leaves, level by level.
    fn hash_levels(&mut self) {
        let mut k = 0;
        loop {
            let want = self.levels[k].len() / 2;
            if self.levels.len() == k + 1 {
                if want == 0 {
                    break;
                }
                self.levels.push(Vec::new());
            }
            let (lower, upper) = self.levels.split_at_mut(k + 1);
            let have = upper[0].len();
            if have == want {
                break;
            }
            let src = &lower[k][2 * have..2 * want];
            if src.len() / 2 >= PARALLEL_PAIRS_MIN {
                upper[0].par_extend(src.par_chunks_exact(2).map(|p| node_hash(&p[0], &p[1])));
            } else {
                upper[0].extend(src.chunks_exact(2).map(|p| node_hash(&p[0], &p[1])));
            }
            k += 1;
        }
    }

    /// Root of the tree: MTH of all leaves.
    pub fn root(&self) -> Hash {
        self.range_hash(0, self.size())
    }

    /// Root of the tree as it was when it held `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        if size > self.size() {
            return Err(ProofError::SizeBeyondTree {
                size,
                tree_size: self.size(),
            });
        }
        Ok(self.range_hash(0, size))
    }

    /// MTH of leaves `start .. start + len`, a node of the RFC tree of some
    /// size: `start` is a multiple of a power of two at least `len`.
    fn range_hash(&self, start: u64, len: u64) -> Hash {
        if len == 0 {
            return empty_root();
        }
        if len.is_power_of_two() && start.is_multiple_of(len) {
            let level = len.trailing_zeros() as usize;
            return self.levels[level][(start >> level) as usize];
        }
        let k = split_point(len);
        node_hash(
            &self.range_hash(start, k),
            &self.range_hash(start + k, len - k),
        )
    }

    /// Inclusion proof (RFC 9162 section 2.1.3.1) of leaf `index` in the tree
    /// of `size` leaves, ordered from the leaf upwards.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        if size > self.size() {
            return Err(ProofError::SizeBeyondTree {
                size,
                tree_size: self.size(),
            });
        }
        if index >= size {
            return Err(ProofError::IndexOutOfRange { index, size });
        }
        let mut out = Vec::new();
        self.path(index, 0, size, &mut out);
        Ok(out)
    }

    fn path(&self, m: u64, start: u64, n: u64, out: &mut Vec<Hash>) {
        if n == 1 {
            return;
        }
        let k = split_point(n);
        if m < k {
            self.path(m, start, k, out);
            out.push(self.range_hash(start + k, n - k));
        } else {
            self.path(m - k, start + k, n - k, out);
            out.push(self.range_hash(start, k));
        }
    }

    /// Consistency proof (RFC 9162 section 2.1.4.1) between sizes `old` and
    /// `new`. Equal sizes give the empty proof; `old == 0` is refused because
    /// RFC 9162 defines proofs only for `0 < old`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
        if new > self.size() {
            return Err(ProofError::SizeBeyondTree {
                size: new,
                tree_size: self.size(),
            });
        }
        if old > new {
            return Err(ProofError::SizesOutOfOrder { old, new });
        }
        if old == new {
            return Ok(Vec::new());
        }
        if old == 0 {
            return Err(ProofError::EmptyOldTree);
        }
        let mut out = Vec::new();
        self.subproof(old, 0, new, true, &mut out);
        Ok(out)
    }

    fn subproof(&self, m: u64, start: u64, n: u64, whole: bool, out: &mut Vec<Hash>) {
        if m == n {
            if !whole {
                out.push(self.range_hash(start, m));
            }
            return;
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, start, k, whole, out);
            out.push(self.range_hash(start + k, n - k));
        } else {
            self.subproof(m - k, start + k, n - k, false, out);
            out.push(self.range_hash(start, k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    #[test]
    fn roots_at_every_size_match_recursive_definition() {
        let leaves: Vec<Hash> = (0u32..70).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut tree = MerkleTree::new();
        // Mixed batch sizes exercise both the single and the batched paths.
        let mut at = 0;
        for step in [1usize, 2, 3, 5, 8, 13, 38] {
            tree.extend(&leaves[at..at + step]);
            at += step;
        }
        assert_eq!(tree.size(), 70);
        for n in 0..=70 {
            assert_eq!(
                tree.root_at(n).ok(),
                Some(reference_root(&leaves[..n as usize]))
            );
        }
        assert!(tree.root_at(71).is_err());
    }

    #[test]
    fn parallel_extend_equals_one_by_one() {
        let leaves: Vec<Hash> = (0u32..20_000)
            .map(|i| leaf_hash(&i.to_be_bytes()))
            .collect();
        let mut bulk = MerkleTree::new();
        bulk.extend(&leaves[..3]);
        bulk.extend(&leaves[3..]);
        let mut single = MerkleTree::new();
        for l in &leaves {
            single.extend(std::slice::from_ref(l));
        }
        assert_eq!(bulk.root(), single.root());
        assert_eq!(bulk.root_at(12_345).ok(), single.root_at(12_345).ok());
    }

    #[test]
    fn proofs_refuse_out_of_range_arguments() {
        let mut tree = MerkleTree::new();
        tree.extend(&[leaf_hash(b"a"), leaf_hash(b"b")]);
        assert!(tree.inclusion_proof(2, 2).is_err());
        assert!(tree.inclusion_proof(0, 3).is_err());
        assert!(tree.consistency_proof(2, 1).is_err());
        assert!(tree.consistency_proof(0, 2).is_err());
        assert!(tree.consistency_proof(1, 3).is_err());
        assert_eq!(tree.consistency_proof(2, 2).ok(), Some(vec![]));
    }
}
