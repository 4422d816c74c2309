//! The master index: every master row standardised once, with the tables
//! the matcher reads (taxpayer histories by tax year, addresses as keys,
//! interned name tokens, surname term frequencies, blocking keys) and the
//! model trained on it.
//!
//! Names are interned folded tokens (a string table): Jaro-Winkler needs
//! their letters, and the index is confidential data at rest like
//! master.csv. Addresses are held as SHA-256 keys plus the street's words and
//! a key of the delivery point (to bridge a keying error in the street);
//! returns that exist but cannot be read are kept by TIN and tax year.
//!
//! The index is built by streaming the master through bounded sort buffers
//! that spill to disk ([`IndexBuilder`], `build.rs` and `spill.rs`), written
//! section by section, and mapped, not loaded: every table, the derived
//! lookup tables included, is a view of the file (`table.rs`, `file.rs`),
//! so opening an index of hundreds of millions of rows checks its digests
//! and reads nothing else, and resident memory is what lookups touch. The
//! model is `model.json` beside it, with its own digest. Files are written
//! to a temporary file, synced, renamed. Opening checks all of it, so a
//! truncated, corrupt or foreign file is a clear error, never a wrong
//! answer. Nothing here decides; see [`crate::decide`].

use crate::compare::{address as addr_level, dob_level, given_level, suffix_level, surname_level};
use crate::keys::NameTokens;
use crate::model::{Comparison, Model};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use table::Table;
use vouch_core::{MasterRecord, Tin};

mod build;
mod file;
mod lookup;
mod sample;
mod spill;
mod table;

use lookup::{addr_high, Lookup};

pub use build::{BuildReport, IndexBuilder, StagedRow, Stager, BUILD_MEMORY_DEFAULT};
pub use file::{FORMAT_VERSION, INDEX_FILE, MODEL_FILE};
pub use sample::estimate_u;
pub(crate) use sample::U_PAIRS_MAX;

/// Distinct taxpayers counted per street spelling, at most (two make a street).
pub(crate) const STREET_TINS_CAP: usize = 2;

/// Blocks with more taxpayers than this are skipped at lookup and counted.
pub const BLOCK_TINS_MAX: usize = 40;

// Rows are numbered with u32 (block and address entries hold a taxpayer's
// first row): every row of a lawful master file must have a number.
const _: () = assert!(vouch_core::limits::MASTER_ROWS_MAX <= u32::MAX as u64);

/// What went wrong with an index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// The file could not be read or written.
    #[error("index {path}: {why}")]
    Io {
        /// The index or model file being read or written.
        path: PathBuf,
        /// The I/O error.
        why: String,
    },
    /// The file is not a vouch index.
    #[error("index {path}: not a vouch master index (bad magic)")]
    Foreign {
        /// The file read, whose first bytes are not the index magic.
        path: PathBuf,
    },
    /// The file was written by an incompatible version.
    #[error(
        "index {path}: format version {found} is not supported (this build reads {supported}); rebuild it from master.csv with `vouch index build`"
    )]
    Version {
        /// The index file read.
        path: PathBuf,
        /// Version found.
        found: u32,
        /// Version supported.
        supported: u32,
    },
    /// The file is truncated or corrupt.
    #[error("index {path}: corrupt: {why}")]
    Corrupt {
        /// The index or model file that is truncated or damaged.
        path: PathBuf,
        /// What is wrong.
        why: &'static str,
    },
    /// The model beside the index was trained for another model version.
    #[error("index {path}: model version {found} does not match this build's {expected}")]
    ModelVersion {
        /// The model file.
        path: PathBuf,
        /// Version found.
        found: String,
        /// Version this build runs.
        expected: &'static str,
    },
}

/// One indexed master row (ids point into the index's tables); 20 bytes
/// in the file.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct IndexRow {
    /// TIN as an integer.
    pub tin: u32,
    /// Date of birth as a Julian day number, 0 when unknown.
    pub dob: u32,
    /// Interned name.
    pub name: u32,
    /// Address id (addresses sorted by exact key).
    pub addr: u32,
    /// Tax year.
    pub year: u16,
    /// Suffix code (0 = none).
    pub suffix: u8,
    pub(crate) reserved: u8,
}

/// The keys of one indexed address (32 bytes in the file).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct AddrRec {
    /// Exact key.
    pub exact: u128,
    /// Building key.
    pub building: u64,
    /// ZIP5.
    pub zip5: u32,
    /// Interned street words (`StandardAddress::street_words`; `u32::MAX`:
    /// none). The delivery point is kept apart (the index's point
    /// table), so that a record stays 32 bytes.
    pub street: u32,
}

/// Block sizes found at build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockStats {
    /// Distinct blocking keys.
    pub keys: u64,
    /// Keys with more than [`BLOCK_TINS_MAX`] taxpayers (skipped at lookup).
    pub oversized: u64,
    /// The largest block, in taxpayers.
    pub largest: u64,
}

/// An unreadable return whose name and part of whose address can still be
/// read: the key of the readable part ([`hidden_keys`]), the identity code
/// of its name, its TIN, date of birth (Julian day, 0: none) and suffix
/// code. A namesake hidden there may be a rival.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct Hidden {
    pub(crate) key: u64,
    pub(crate) code: u64,
    pub(crate) tin: u32,
    pub(crate) dob: u32,
    pub(crate) suffix: u8,
    pub(crate) reserved: [u8; 7],
}

/// The keys of what can be read of a street address that cannot be used:
/// house number and street name without the ZIP (a ZIP keyed wrong), or
/// ZIP5 and street name without the house number (a house number left
/// out); 0 for a part that cannot be read.
pub(crate) fn hidden_keys(house: &str, street_name: &str, zip5: &str) -> [u64; 2] {
    let key = |kind: &[u8], a: &str| {
        crate::keys::hash64(
            b"vouch-hidden-1\0",
            &[kind, a.as_bytes(), street_name.as_bytes()],
        )
        .max(1)
    };
    if street_name.is_empty() {
        return [0, 0];
    }
    [
        if house.is_empty() {
            0
        } else {
            key(b"house", house)
        },
        if zip5.is_empty() {
            0
        } else {
            key(b"zip", zip5)
        },
    ]
}

/// An unreadable return's key: its TIN and tax year.
pub(crate) fn return_key(tin: u32, year: u16) -> u64 {
    (u64::from(tin) << 16) | u64::from(year)
}

/// Interned tokens: bytes and offsets.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Tokens {
    pub(crate) bytes: Table<u8>,
    pub(crate) offsets: Table<u32>,
}

impl Tokens {
    pub(crate) fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub(crate) fn get(&self, id: u32) -> &str {
        let (Some(&i), Some(&j)) = (
            self.offsets.get(id as usize),
            self.offsets.get(id as usize + 1),
        ) else {
            return "";
        };
        self.bytes
            .get(i as usize..j as usize)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

/// Interned names: a pool of token ids, `[given, middle, surnames,
/// particles counts, joined-surname token, tokens...]` per name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Names {
    pub(crate) pool: Table<u32>,
    pub(crate) offsets: Table<u32>,
}

pub(crate) const NAME_HEAD: usize = 5;

/// The token ids of a name's first given name (the middle name's when the
/// first-name field is empty) and paternal surname, from its dictionary
/// entry (as [`crate::keys::NameTokens::first_given`] and
/// [`crate::keys::NameTokens::paternal`] read them).
pub(crate) fn first_and_paternal(e: &[u32]) -> (Option<u32>, Option<u32>) {
    let (g, m, s) = (e[0] as usize, e[1] as usize, e[2] as usize);
    let t = &e[NAME_HEAD..];
    let first = if g > 0 {
        t.first()
    } else if m > 0 {
        t.get(g)
    } else {
        None
    };
    let paternal = if s > 0 { t.get(g + m) } else { None };
    (first.copied(), paternal.copied())
}

impl Names {
    pub(crate) fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub(crate) fn entry(&self, id: u32) -> &[u32] {
        let (Some(&i), Some(&j)) = (
            self.offsets.get(id as usize),
            self.offsets.get(id as usize + 1),
        ) else {
            return &[0; NAME_HEAD];
        };
        self.pool
            .get(i as usize..j as usize)
            .unwrap_or(&[0; NAME_HEAD])
    }
}

/// The name and date of birth on a taxpayer's latest return, as the
/// decision's check of earlier asks keys them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestName {
    /// First given name (standardised).
    pub first_given: String,
    /// The given-name tokens written together (`SOOJIN` for `SOO JIN`).
    pub given_joined: String,
    /// Paternal (first) surname.
    pub paternal: String,
    /// Second surname ("" when none).
    pub second: String,
    /// Date of birth on file, from the latest return that has one.
    pub dob: Option<time::Date>,
}

/// The index: read-only, shared by every matching thread; its tables are
/// views of the mapped index file (`table.rs`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MasterIndex {
    pub(crate) rows: Table<IndexRow>,
    pub(crate) addrs: Table<AddrRec>,
    /// Each address's city key (`keys::city_key`), by address id.
    pub(crate) addr_cities: Table<u32>,
    pub(crate) tokens: Tokens,
    pub(crate) names: Names,
    /// Every address's taxpayers (their first rows), address by address
    /// (see `lookup.addr_tin_starts`).
    pub(crate) addr_tins: Table<u32>,
    /// Blocking keys, sorted, and beside each the taxpayer's first row.
    pub(crate) block_keys: Table<u64>,
    pub(crate) block_starts: Table<u32>,
    /// Taxpayers per joined-surname token (term frequencies).
    pub(crate) surname_tins: Table<u32>,
    /// Delivery points of street addresses, sorted, and beside each the
    /// address id (two arrays: 12 bytes an address, not 16).
    pub(crate) point_keys: Table<u64>,
    pub(crate) point_ids: Table<u32>,
    /// Street keys of ZIP5 and street words, sorted, and beside each the
    /// distinct taxpayers capped at [`STREET_TINS_CAP`]: which spellings
    /// are real streets.
    pub(crate) street_keys: Table<u64>,
    pub(crate) street_counts: Table<u8>,
    /// Returns that exist but whose name or address cannot be used
    /// ([`return_key`]: TIN and tax year), sorted.
    pub(crate) unreadable: Table<u64>,
    /// Unreadable returns by what of their address can be read, sorted
    /// ([`Hidden`]).
    pub(crate) hidden: Table<Hidden>,
    pub(crate) taxpayers: u64,
    pub(crate) unkeyable: u64,
    pub(crate) model: Model,
    /// Derived lookup tables (built with the index, kept in its file).
    pub(crate) lookup: Lookup,
}

impl MasterIndex {
    /// Rows indexed.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Rows left out at build because they had no comparable name or address.
    pub fn unkeyable(&self) -> u64 {
        self.unkeyable
    }

    /// Distinct taxpayers.
    pub fn taxpayers(&self) -> u64 {
        self.taxpayers
    }

    /// The matching model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Replaces the model (e.g. after [`crate::train::train_m`]); `save` writes it.
    pub fn set_model(&mut self, model: Model) {
        self.model = model;
    }

    /// Adds rows (a new tax year's) without re-standardising the rows
    /// already indexed: the indexed rows are read back as they are, the
    /// new rows standardised and interned after them, and every table
    /// rebuilt ([`IndexBuilder::extending`]). The index answers exactly
    /// as one built from all the rows in the same order. A trained model
    /// keeps its m and settings (with the new u and taxpayer count, and a
    /// new derived version); the shipped priors stay the shipped priors.
    pub fn extend(&mut self, rows: &[MasterRecord]) -> Result<(), IndexError> {
        let mut b =
            IndexBuilder::extending(self, build::BUILD_MEMORY_DEFAULT, &std::env::temp_dir())?;
        b.add_batch(rows);
        *self = b.finish()?;
        Ok(())
    }

    /// Whether a return of taxpayer `tin` in `periods`, of tax year
    /// `from` or later, exists but could not be read (its name or address
    /// unusable): the address on it is unknown, so no earlier one may be
    /// confirmed as the latest.
    pub(crate) fn unreadable_since(&self, tin: u32, from: u16, periods: &[u16]) -> bool {
        let lo = self
            .unreadable
            .partition_point(|&k| k < return_key(tin, from));
        self.unreadable[lo..]
            .iter()
            .take_while(|&&k| k >> 16 == u64::from(tin))
            .any(|&k| periods.contains(&((k & 0xffff) as u16)))
    }

    /// Whether a taxpayer other than `tin` filed a return that cannot be
    /// used, on the subject's street (same house number and street name
    /// with its ZIP unreadable, or same ZIP and street name without a house
    /// number), under a name whose identity code is among the subject's:
    /// a namesake who may live at the subject's address, hidden by a
    /// keying error, unless a date of birth or suffix both give tells them
    /// apart. `match_key`: the subject's address's match key; `dob`: the
    /// subject's (Julian day, 0: none).
    pub(crate) fn hidden_rival(
        &self,
        match_key: &str,
        identity: &[u64],
        dob: u32,
        suffix: u8,
        tin: u32,
    ) -> bool {
        if self.hidden.is_empty() {
            return false;
        }
        let f: Vec<&str> = match_key.split('|').collect();
        if f.len() < 8 {
            return false;
        }
        hidden_keys(f[0], f[2], f[7])
            .into_iter()
            .filter(|&k| k != 0)
            .any(|k| {
                let s = self.hidden.partition_point(|h| h.key < k);
                self.hidden[s..]
                    .iter()
                    .take_while(|h| h.key == k)
                    .filter(|h| h.tin != tin && identity.contains(&h.code))
                    .any(|h| {
                        let dob_apart = dob != 0 && h.dob != 0 && dob != h.dob;
                        let suffix_apart = suffix != 0 && h.suffix != 0 && suffix != h.suffix;
                        !dob_apart && !suffix_apart
                    })
            })
    }

    /// Distinct taxpayers (capped) who filed from this street spelling in this ZIP5.
    pub(crate) fn street_taxpayers(&self, zip5: u32, words: &str) -> u8 {
        let key = crate::keys::street_key(zip5, words);
        self.street_keys
            .binary_search(&key)
            .map_or(0, |i| self.street_counts.get(i).copied().unwrap_or(0))
    }

    /// The city key of address `id` (0: none or unknown).
    pub(crate) fn city_of(&self, id: u32) -> u32 {
        self.addr_cities.get(id as usize).copied().unwrap_or(0)
    }

    /// Address ids at one delivery point.
    pub(crate) fn at_point(&self, point: u64) -> &[u32] {
        if point == 0 {
            return &[];
        }
        let s = self.point_keys.partition_point(|&x| x < point);
        let e = self.point_keys[s..].partition_point(|&x| x == point);
        &self.point_ids[s..s + e]
    }

    /// The street words of an address ("" when none).
    pub(crate) fn street_of(&self, addr: u32) -> &str {
        let a = &self.addrs[addr as usize];
        if a.street == u32::MAX {
            ""
        } else {
            self.tokens.get(a.street)
        }
    }

    /// Lets the system drop the index file's pages from this process's
    /// resident memory (they stay in the page cache, and the next lookup
    /// that needs one maps it again): called between slices of a large
    /// batch, so that resident memory is what one slice touches.
    pub fn release_pages(&self) {
        if let Some(b) = self.rows.backing() {
            b.release();
        }
    }

    /// Whether the index file is as it was when opened and checked: a file
    /// written in place while mapped (never by vouch, which renames a new
    /// file over the old) changes what lookups read. A run checks this
    /// after matching and halts the batch if not (fail closed). It is a
    /// check of the file's metadata (size, modification and change
    /// times), against accidents and careless tools: someone with write
    /// access to the index directory can as well rebuild the index from a
    /// doctored master file.
    pub fn unchanged_on_disk(&self) -> bool {
        self.rows.backing().is_none_or(|b| b.unchanged())
    }

    /// Returns kept as existing but unreadable.
    pub fn unreadable_returns(&self) -> usize {
        self.unreadable.len()
    }

    /// Sizes of the blocks.
    pub fn block_stats(&self) -> BlockStats {
        let mut s = BlockStats::default();
        for run in self.block_keys.chunk_by(|a, b| a == b) {
            s.keys += 1;
            s.largest = s.largest.max(run.len() as u64);
            s.oversized += u64::from(run.len() > BLOCK_TINS_MAX);
        }
        s
    }

    /// A name's tokens, borrowed from the string table.
    pub fn name(&self, id: u32) -> NameTokens<&str> {
        let e = self.names.entry(id);
        let (g, m, s, p) = (e[0] as usize, e[1] as usize, e[2] as usize, e[3] as usize);
        let t = &e[NAME_HEAD..];
        let tok = |r: &[u32]| r.iter().map(|&i| self.tokens.get(i)).collect::<Vec<&str>>();
        NameTokens {
            given: tok(&t[..g]),
            middle: tok(&t[g..g + m]),
            surnames: tok(&t[g + m..g + m + s]),
            particles: tok(&t[g + m + s..g + m + s + p]),
        }
    }

    /// A name's tokens into a reused buffer (no allocation once it has
    /// grown), with the token ids of its first given name and paternal
    /// surname (for their precomputed phonetic codes).
    pub(crate) fn name_into<'a>(
        &'a self,
        id: u32,
        out: &mut NameTokens<&'a str>,
    ) -> (Option<u32>, Option<u32>) {
        let e = self.names.entry(id);
        let (g, m, s, p) = (e[0] as usize, e[1] as usize, e[2] as usize, e[3] as usize);
        let t = &e[NAME_HEAD..];
        let fill = |v: &mut Vec<&'a str>, r: &[u32]| {
            v.clear();
            v.extend(r.iter().map(|&i| self.tokens.get(i)));
        };
        fill(&mut out.given, &t[..g]);
        fill(&mut out.middle, &t[g..g + m]);
        fill(&mut out.surnames, &t[g + m..g + m + s]);
        fill(&mut out.particles, &t[g + m + s..g + m + s + p]);
        first_and_paternal(e)
    }

    /// The packed phonetic codes of a token.
    pub(crate) fn token_codes(&self, token: u32) -> crate::compare::fast::Codes {
        self.lookup
            .codes
            .get(token as usize)
            .copied()
            .unwrap_or([0, 0])
    }

    /// The joined-surname token of a name (its term-frequency key).
    pub(crate) fn surname_token(&self, name: u32) -> u32 {
        self.names.entry(name)[4]
    }

    /// Share of the master's taxpayers bearing this joined surname.
    pub(crate) fn surname_share(&self, token: u32) -> f64 {
        let n = self.surname_tins.get(token as usize).copied().unwrap_or(0);
        self.share_of(n)
    }

    /// Share of the master's taxpayers that `n` taxpayers are.
    pub(crate) fn share_of(&self, n: u32) -> f64 {
        f64::from(n.max(1)) / self.taxpayers.max(1) as f64
    }

    /// The fewest taxpayers sharing a joined surname of one history (whose
    /// first row is `start`, `len` rows long): its rarest surname.
    pub(crate) fn rarest_surname_tins(&self, start: u32, len: usize) -> Option<u32> {
        let s = start as usize;
        self.rows
            .get(s..s + len)?
            .iter()
            .map(|r| {
                let token = self.surname_token(r.name);
                self.surname_tins.get(token as usize).copied().unwrap_or(0)
            })
            .min()
    }

    /// The id of an exact address key.
    pub(crate) fn addr_id(&self, exact: u128) -> Option<u32> {
        let r = self.lookup.addrs.range(addr_high(exact));
        let start = r.start;
        self.addrs
            .get(r)?
            .binary_search_by_key(&exact, |a| a.exact)
            .ok()
            .map(|i| (start + i) as u32)
    }

    /// Taxpayers (first rows) who filed from an address (any year).
    pub(crate) fn tins_at(&self, addr: u32) -> impl Iterator<Item = u32> + '_ {
        let starts = &self.lookup.addr_tin_starts;
        let (s, e) = match (starts.get(addr as usize), starts.get(addr as usize + 1)) {
            (Some(&s), Some(&e)) => (s as usize, e as usize),
            _ => (0, 0),
        };
        self.addr_tins.get(s..e).unwrap_or(&[]).iter().copied()
    }

    /// Taxpayers (first rows) of one block.
    pub(crate) fn block(&self, key: u64) -> &[u32] {
        let r = self.lookup.blocks.range(key);
        let Some(bucket) = self.block_keys.get(r.clone()) else {
            return &[];
        };
        let s = bucket.partition_point(|&x| x < key);
        let e = s + bucket[s..].partition_point(|&x| x == key);
        self.block_starts
            .get(r.start + s..r.start + e)
            .unwrap_or(&[])
    }

    /// Every row of one taxpayer, by tax year.
    pub fn history(&self, tin: Tin) -> &[IndexRow] {
        self.history_u32(tin.as_u32())
    }

    /// The history of the taxpayer whose first row is `start`.
    /// The identity code of the taxpayer whose history starts at `start`:
    /// the given-name class and paternal surname sound of the name on their
    /// latest return (one code per taxpayer).
    pub(crate) fn identity_code(
        &self,
        start: u32,
        swapped: bool,
    ) -> Option<vouch_normalize::IdentityCode> {
        let latest = self.history_at(start).last()?;
        let mut n = NameTokens::default();
        self.name_into(latest.name, &mut n);
        if swapped {
            vouch_normalize::identity_code_swapped(n.first_given(), n.paternal())
        } else {
            vouch_normalize::identity_code(n.first_given(), n.paternal())
        }
    }

    /// Whether the subject's first given name and paternal surname (as
    /// written) are compatible with those on the taxpayer's latest return
    /// (`vouch_normalize::given_names_compatible`; the surname the same or
    /// one early edit away, `vouch_normalize::surnames_compatible`, or
    /// the subject's second surname, or its paternal one with its
    /// particles joined or stripped, is the taxpayer's paternal one). The
    /// probing history keys exactly these features of every ask.
    pub(crate) fn names_alike(&self, start: u32, q: &crate::MatchQuery) -> bool {
        let (Some(latest), Some(n)) = (self.history_at(start).last(), q.name.as_ref()) else {
            return false;
        };
        let mut t = NameTokens::default();
        self.name_into(latest.name, &mut t);
        // Reordered: the two surnames swapped (not a mother's surname
        // alone, which two people share).
        let reordered = n.surnames.get(1).is_some_and(|s| s == t.paternal())
            && t.surnames.get(1).is_some_and(|s| *s == n.paternal());
        let reordered = reordered
            || vouch_normalize::surname_alternative(&n.surnames, &n.particles)
                .is_some_and(|s| s == t.paternal());
        let given = vouch_normalize::given_names_alike(n.first_given(), t.first_given())
            || (!n.given.is_empty() && n.given.concat() == t.given.concat());
        given && (vouch_normalize::surnames_compatible(n.paternal(), t.paternal()) || reordered)
    }

    /// [`MasterIndex::names_alike`] for a name written with its first and
    /// last fields swapped, beside an agreeing date of birth: the written
    /// last name's first given token alike the taxpayer's first given name
    /// (`given_names_alike`), and the written first name's first token the
    /// taxpayer's paternal surname or one edit from it
    /// (`surnames_compatible`). The probing history compares the same
    /// keyed (`ProbeHistory::asked_alike`: the ask's swapped given-name
    /// keys, and its written first name's one-edit neighbourhood against
    /// the taxpayer's surname's).
    pub(crate) fn names_alike_swapped(&self, start: u32, q: &crate::MatchQuery) -> bool {
        let (Some(latest), Some(n), Some(w)) = (
            self.history_at(start).last(),
            q.name.as_ref(),
            q.swapped.as_ref(),
        ) else {
            return false;
        };
        let mut t = NameTokens::default();
        self.name_into(latest.name, &mut t);
        vouch_normalize::given_names_alike(w.first_given(), t.first_given())
            && vouch_normalize::surnames_compatible(n.first_given(), t.paternal())
    }

    /// Whether the subject's first given name is compatible with the one on
    /// the taxpayer's latest return (`vouch_normalize::given_names_compatible`,
    /// what the probing history compares, keyed, for asks the decision
    /// judges on the identity code).
    pub(crate) fn given_compatible(&self, start: u32, q: &crate::MatchQuery) -> bool {
        let (Some(latest), Some(n)) = (self.history_at(start).last(), q.name.as_ref()) else {
            return false;
        };
        let mut t = NameTokens::default();
        self.name_into(latest.name, &mut t);
        vouch_normalize::given_names_compatible(n.first_given(), t.first_given())
    }

    /// The first given name, paternal and second surnames and date of
    /// birth on a taxpayer's latest return (what the pipeline keys to find
    /// earlier asks about them); `None` for a TIN not in the index.
    pub fn latest_name(&self, tin: Tin) -> Option<LatestName> {
        let start = self.rows.partition_point(|r| r.tin < tin.as_u32());
        if self.rows.get(start).is_none_or(|r| r.tin != tin.as_u32()) {
            return None;
        }
        self.latest_name_at(start as u32)
    }

    /// [`MasterIndex::latest_name`] of the taxpayer whose first row is
    /// `row` (a confirmed [`crate::decide::Decision::row`]).
    pub fn latest_name_at(&self, row: u32) -> Option<LatestName> {
        if row as usize >= self.rows.len() {
            return None;
        }
        let rows = self.history_at(row);
        let latest = rows.last()?;
        let mut n = NameTokens::default();
        self.name_into(latest.name, &mut n);
        let dob = rows
            .iter()
            .rev()
            .find(|r| r.dob != 0)
            .and_then(|r| time::Date::from_julian_day(r.dob as i32).ok());
        Some(LatestName {
            first_given: n.first_given().to_string(),
            given_joined: n.given.concat(),
            paternal: n.paternal().to_string(),
            second: n.surnames.get(1).map_or(String::new(), |s| s.to_string()),
            dob,
        })
    }

    pub(crate) fn history_at(&self, start: u32) -> &[IndexRow] {
        let rows = &self.rows[start as usize..];
        let t = rows[0].tin;
        &rows[..rows.iter().take_while(|r| r.tin == t).count()]
    }

    pub(crate) fn history_u32(&self, t: u32) -> &[IndexRow] {
        let s = self.rows.partition_point(|r| r.tin < t);
        let e = s + self.rows[s..].partition_point(|r| r.tin == t);
        &self.rows[s..e]
    }

    /// Address keys of an address id.
    pub(crate) fn addr(&self, id: u32) -> &AddrRec {
        &self.addrs[id as usize]
    }

    /// The levels of one master row against another, as if `a` were a
    /// subject at `a`'s address (used to sample u).
    pub(crate) fn pair_levels(&self, a: &IndexRow, b: &IndexRow) -> [u8; 5] {
        let (na, nb) = (self.name(a.name), self.name(b.name));
        let (aa, ab) = (self.addr(a.addr), self.addr(b.addr));
        let address = if a.addr == b.addr {
            addr_level::EXACT_LATEST
        } else if aa.building == ab.building {
            addr_level::SAME_BUILDING
        } else if aa.zip5 == ab.zip5 {
            addr_level::SAME_ZIP
        } else {
            addr_level::OTHER
        };
        let mut p = [0u8; 5];
        p[Comparison::Given as usize] = given_level(&na, &nb);
        p[Comparison::Surname as usize] = surname_level(&na, &nb);
        p[Comparison::Dob as usize] = dob_level(a.dob, b.dob);
        p[Comparison::Suffix as usize] = suffix_level(a.suffix, b.suffix);
        p[Comparison::Address as usize] = address;
        p
    }

    /// Writes the index and its model into `dir` atomically; returns the index file.
    pub fn save(&self, dir: &Path) -> Result<PathBuf, IndexError> {
        file::save(self, dir)
    }

    /// Loads and checks an index and its model from `dir`.
    pub fn load(dir: &Path) -> Result<MasterIndex, IndexError> {
        file::load(dir)
    }

    /// Structural checks a checksum cannot give (a file written by a
    /// buggy build): orders, references, and that every derived table is
    /// the one of the tables it serves (a lookup through a wrong directory
    /// would miss a rival). Every check scans its tables in slices, the
    /// pages read released after each, so that opening an index of any
    /// size holds a few slices resident, not the file.
    pub(crate) fn validate(&self) -> Result<(), &'static str> {
        let (nn, na, nt) = (
            self.names.len() as u32,
            self.addrs.len() as u32,
            self.tokens.len() as u32,
        );
        let rows = &self.rows;
        let n = rows.len();
        if !self.scan(n, |i| {
            let r = &rows[i];
            r.name < nn
                && r.addr < na
                && (i + 1 == n || (r.tin, r.year) <= (rows[i + 1].tin, rows[i + 1].year))
        }) {
            return Err("rows out of order or referring past a table");
        }
        // Which rows start a taxpayer's history: a bitmap (an eighth of a
        // byte a row) instead of reading rows at random below.
        let mut first = vec![0u64; n.div_ceil(64)];
        let mut taxpayers = 0u64;
        for (w, word) in first.iter_mut().enumerate() {
            for bit in 0..64 {
                let i = w * 64 + bit;
                if i < n && (i == 0 || rows[i - 1].tin != rows[i].tin) {
                    *word |= 1 << bit;
                    taxpayers += 1;
                }
            }
            if w % (1 << 16) == 0 {
                self.release_pages();
            }
        }
        self.release_pages();
        if self.taxpayers != taxpayers {
            return Err("taxpayer count does not match the rows");
        }
        let is_first =
            |s: u32| (s as usize) < n && first[s as usize / 64] & (1 << (s as usize % 64)) != 0;
        let addrs = &self.addrs;
        if !self.scan(addrs.len().saturating_sub(1), |i| {
            addrs[i].exact < addrs[i + 1].exact
        }) || !self.scan(addrs.len(), |i| {
            addrs[i].street == u32::MAX || addrs[i].street < nt
        }) {
            return Err("addresses out of order or referring past the token table");
        }
        let starts = &self.lookup.addr_tin_starts;
        let tins = &self.addr_tins;
        if starts.len() != na as usize + 1
            || starts.first().is_some_and(|&x| x != 0)
            || starts.last().map(|&x| x as usize) != Some(tins.len())
            || !self.scan(na as usize, |a| starts[a] <= starts[a + 1])
            || !self.scan(na as usize, |a| {
                tins[starts[a] as usize..starts[a + 1] as usize]
                    .windows(2)
                    .all(|p| p[0] < p[1])
            })
        {
            return Err("address table out of order");
        }
        let (keys, bstarts) = (&self.block_keys, &self.block_starts);
        if keys.len() != bstarts.len()
            || !self.scan(keys.len().saturating_sub(1), |i| {
                (keys[i], bstarts[i]) < (keys[i + 1], bstarts[i + 1])
            })
        {
            return Err("blocks out of order");
        }
        if !self.scan(bstarts.len(), |i| is_first(bstarts[i]))
            || !self.scan(tins.len(), |i| is_first(tins[i]))
        {
            return Err("block entry is not a taxpayer's first row");
        }
        drop(first);
        if !self.lookup.blocks.fits(keys.len(), |r| {
            self.scan_range(r.clone(), |i| {
                self.lookup.blocks.range(keys[i]).contains(&i)
            })
        }) || !self.lookup.addrs.fits(addrs.len(), |r| {
            self.scan_range(r.clone(), |i| {
                self.lookup
                    .addrs
                    .range(addr_high(addrs[i].exact))
                    .contains(&i)
            })
        }) {
            return Err("directory does not fit its table");
        }
        if self.addr_cities.len() != addrs.len() {
            return Err("address cities do not match the addresses");
        }
        let (pk, pi) = (&self.point_keys, &self.point_ids);
        if pk.len() != pi.len()
            || !self.scan(pk.len().saturating_sub(1), |i| pk[i] <= pk[i + 1])
            || !self.scan(pi.len(), |i| pi[i] < na)
        {
            return Err("delivery points malformed");
        }
        let sk = &self.street_keys;
        if sk.len() != self.street_counts.len()
            || !self.scan(sk.len().saturating_sub(1), |i| sk[i] < sk[i + 1])
        {
            return Err("street spellings malformed");
        }
        if !self.unreadable.par_windows(2).all(|w| w[0] < w[1])
            || !self.hidden.par_windows(2).all(|w| w[0] < w[1])
        {
            return Err("unreadable returns out of order");
        }
        if self.surname_tins.len() != nt as usize || self.lookup.codes.len() != nt as usize {
            return Err("term frequencies do not match the token table");
        }
        validate_offsets(&self.tokens.offsets, self.tokens.bytes.len())?;
        if !self.tokens.bytes.is_ascii() {
            return Err("token table is not folded ASCII");
        }
        validate_offsets(&self.names.offsets, self.names.pool.len())?;
        let (offsets, pool) = (&self.names.offsets, &self.names.pool);
        if !self.scan(self.names.len(), |id| {
            let e = &pool[offsets[id] as usize..offsets[id + 1] as usize];
            e.len() >= NAME_HEAD
                && e[..4].iter().map(|&x| x as usize).sum::<usize>() == e.len() - NAME_HEAD
                && e[4..].iter().all(|&t| t < nt)
        }) {
            return Err("name table entry malformed");
        }
        self.release_pages();
        Ok(())
    }

    /// Whether `ok` holds for every index below `len`, checked in parallel
    /// slices with the mapped pages released after each.
    fn scan(&self, len: usize, ok: impl Fn(usize) -> bool + Sync) -> bool {
        self.scan_range(0..len, ok)
    }

    fn scan_range(&self, r: std::ops::Range<usize>, ok: impl Fn(usize) -> bool + Sync) -> bool {
        const SLICE: usize = 1 << 22;
        let mut at = r.start;
        while at < r.end {
            let end = (at + SLICE).min(r.end);
            if !(at..end).into_par_iter().all(&ok) {
                return false;
            }
            self.release_pages();
            at = end;
        }
        true
    }
}

fn validate_offsets(offsets: &[u32], len: usize) -> Result<(), &'static str> {
    if offsets.first().is_some_and(|&o| o != 0)
        || !offsets.windows(2).all(|w| w[0] <= w[1])
        || offsets.last().is_some_and(|&o| o as usize != len)
    {
        return Err("offset table malformed");
    }
    if offsets.is_empty() && len != 0 {
        return Err("offset table malformed");
    }
    Ok(())
}

#[cfg(test)]
mod tests;
