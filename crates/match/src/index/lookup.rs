//! Lookup tables derived from the index after it is built or loaded (never
//! persisted): a directory over the sorted hash keys of the blocks and
//! addresses, and the start of each address's taxpayers, so that a lookup
//! touches a few cache lines instead of binary-searching tens of millions
//! of entries. This module holds no personal data and decides nothing.

use super::MasterIndex;
use crate::compare::fast::{codes, Codes};
use rayon::prelude::*;
use std::ops::Range;

/// Buckets of a sorted array of uniformly distributed 64-bit keys, by
/// their top bits: a key can only sit inside its bucket's range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Directory {
    bits: u32,
    starts: Vec<u32>,
}

/// Bucket bits at most (a 256 MiB directory).
const DIRECTORY_BITS_MAX: u32 = 26;

impl Directory {
    /// The directory of `keys`, which must be sorted.
    pub(crate) fn of(keys: impl ExactSizeIterator<Item = u64>) -> Directory {
        let len = keys.len();
        // About two entries per bucket: the bucket's range usually fits in
        // the cache line the directory read already brought in.
        let bits = if len < 4 {
            0
        } else {
            (usize::BITS - 1 - len.leading_zeros() - 1).min(DIRECTORY_BITS_MAX)
        };
        let mut d = Directory {
            bits,
            starts: vec![0u32; (1usize << bits) + 1],
        };
        for k in keys {
            let b = d.bucket(k);
            d.starts[b + 1] += 1;
        }
        for i in 1..d.starts.len() {
            d.starts[i] += d.starts[i - 1];
        }
        d
    }

    fn bucket(&self, key: u64) -> usize {
        key.checked_shr(64 - self.bits).unwrap_or(0) as usize
    }

    /// Where `key` can be in the sorted array.
    pub(crate) fn range(&self, key: u64) -> Range<usize> {
        let b = self.bucket(key);
        match (self.starts.get(b), self.starts.get(b + 1)) {
            (Some(&s), Some(&e)) => s as usize..e as usize,
            _ => 0..0,
        }
    }
}

/// Every derived lookup table of an index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Lookup {
    pub(crate) blocks: Directory,
    pub(crate) addrs: Directory,
    /// `addr_tins[addr_tin_starts[a]..addr_tin_starts[a + 1]]` are address `a`'s taxpayers.
    pub(crate) addr_tin_starts: Vec<u32>,
    /// Packed Double Metaphone codes of every interned token.
    pub(crate) codes: Vec<Codes>,
    /// Per row: taxpayers bearing the row's joined surname (so that pruning
    /// reads it beside the row, not through the name tables).
    pub(crate) row_surname_tins: Vec<u32>,
}

/// The high 64 bits of an exact address key (what the directory buckets).
pub(crate) fn addr_high(exact: u128) -> u64 {
    (exact >> 64) as u64
}

impl Lookup {
    pub(crate) fn of(ix: &MasterIndex) -> Lookup {
        let mut starts = vec![0u32; ix.addrs.len() + 1];
        for &(a, _) in &ix.addr_tins {
            if let Some(s) = starts.get_mut(a as usize + 1) {
                *s += 1;
            }
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        Lookup {
            blocks: Directory::of(ix.blocks.iter().map(|b| b.0)),
            addrs: Directory::of(ix.addrs.iter().map(|a| addr_high(a.exact))),
            addr_tin_starts: starts,
            codes: (0..ix.tokens.len() as u32)
                .into_par_iter()
                .map(|t| codes(ix.tokens.get(t)))
                .collect(),
            row_surname_tins: ix
                .rows
                .par_iter()
                .map(|r| {
                    let token = ix.surname_token(r.name);
                    ix.surname_tins.get(token as usize).copied().unwrap_or(0)
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_found_in_its_range_and_absent_keys_have_none() {
        let mut keys: Vec<u64> = (0..5_000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        keys.sort_unstable();
        let d = Directory::of(keys.iter().copied());
        for (i, &k) in keys.iter().enumerate() {
            assert!(d.range(k).contains(&i));
        }
        let absent = 5_001u64.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        assert!(!keys[d.range(absent)].contains(&absent));
        assert_eq!(Directory::of(std::iter::empty()).range(7), 0..0);
    }
}
