//! Lookup tables derived from the index when it is built and kept in the
//! file with it (format 6), so that opening computes nothing: a directory
//! over the sorted hash keys of the blocks and addresses, the start of each
//! address's taxpayers and each token's phonetic codes. A lookup touches a few cache lines (a few pages of the mapped
//! file) instead of binary-searching tens of millions of entries. This
//! module holds no personal data and decides nothing.

use super::table::Table;
use crate::compare::fast::Codes;
use std::ops::Range;

/// Buckets of a sorted array of uniformly distributed 64-bit keys, by
/// their top bits: a key can only sit inside its bucket's range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Directory {
    pub(crate) bits: u32,
    pub(crate) starts: Table<u32>,
}

/// Bucket bits at most (a 256 MiB directory).
const DIRECTORY_BITS_MAX: u32 = 26;

/// The bucket bits for `len` keys: two to four entries per bucket (a
/// byte or two of directory a key), so that a bucket's range usually fits
/// in a cache line or two of the keys.
pub(crate) fn directory_bits(len: usize) -> u32 {
    if len < 8 {
        0
    } else {
        (usize::BITS - 1 - len.leading_zeros() - 2).min(DIRECTORY_BITS_MAX)
    }
}

/// Counts keys into a directory's buckets as they stream past.
pub(crate) struct DirectoryBuilder {
    bits: u32,
    starts: Vec<u32>,
}

impl DirectoryBuilder {
    /// A directory for `len` keys.
    pub(crate) fn new(len: usize) -> DirectoryBuilder {
        let bits = directory_bits(len);
        DirectoryBuilder {
            bits,
            starts: vec![0u32; (1usize << bits) + 1],
        }
    }

    /// Counts one key (keys must come in order).
    pub(crate) fn add(&mut self, key: u64) {
        let b = bucket(self.bits, key);
        self.starts[b + 1] += 1;
    }

    /// The directory.
    pub(crate) fn finish(mut self) -> Directory {
        for i in 1..self.starts.len() {
            self.starts[i] += self.starts[i - 1];
        }
        Directory {
            bits: self.bits,
            starts: Table::Owned(self.starts),
        }
    }
}

fn bucket(bits: u32, key: u64) -> usize {
    key.checked_shr(64 - bits).unwrap_or(0) as usize
}

impl Directory {
    /// The directory of `keys`, which must be sorted.
    #[cfg(test)]
    pub(crate) fn of(keys: impl ExactSizeIterator<Item = u64>) -> Directory {
        let mut d = DirectoryBuilder::new(keys.len());
        keys.for_each(|k| d.add(k));
        d.finish()
    }

    /// The bucket of a key.
    pub(crate) fn bucket(&self, key: u64) -> usize {
        bucket(self.bits, key)
    }

    /// Where `key` can be in the sorted array.
    pub(crate) fn range(&self, key: u64) -> Range<usize> {
        let b = self.bucket(key);
        match (self.starts.get(b), self.starts.get(b + 1)) {
            (Some(&s), Some(&e)) => s as usize..e as usize,
            _ => 0..0,
        }
    }

    /// Whether this directory is the one of a sorted table of `len` keys:
    /// its shape and order here, and every key in its bucket's range by
    /// `all_in_range` (given the whole range of the table to check).
    pub(crate) fn fits(&self, len: usize, all_in_range: impl Fn(&Range<usize>) -> bool) -> bool {
        use rayon::prelude::*;
        self.bits <= DIRECTORY_BITS_MAX
            && self.starts.len() == (1usize << self.bits) + 1
            && self.starts.first() == Some(&0)
            && self.starts.last().map(|&x| x as usize) == Some(len)
            && self.starts.par_windows(2).all(|w| w[0] <= w[1])
            && all_in_range(&(0..len))
    }
}

/// Every derived lookup table of an index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Lookup {
    pub(crate) blocks: Directory,
    pub(crate) addrs: Directory,
    /// `addr_tins[addr_tin_starts[a]..addr_tin_starts[a + 1]]` are address `a`'s taxpayers.
    pub(crate) addr_tin_starts: Table<u32>,
    /// Packed Double Metaphone codes of every interned token.
    pub(crate) codes: Table<Codes>,
}

/// The high 64 bits of an exact address key (what the directory buckets).
pub(crate) fn addr_high(exact: u128) -> u64 {
    (exact >> 64) as u64
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
