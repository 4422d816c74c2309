//! The master index: every master row standardised once, with the tables
//! the matcher reads (taxpayer histories by tax year, addresses as keys,
//! interned name tokens, surname term frequencies, blocking keys) and the
//! model trained on it.
//!
//! Names are interned folded tokens (a string table): Jaro-Winkler needs
//! their letters, and the index is confidential data at rest like
//! master.csv. Addresses are held as SHA-256 keys plus the street's words and
//! a key of the delivery point (to bridge a keying error in the street);
//! returns that exist but cannot be read are kept by TIN and tax year. On disk: a header
//! (magic, format version, oldest readable version), tagged sections, and a
//! footer with the SHA-256 of everything before it and a closing magic; the
//! model is `model.json` beside it, with its own digest. Files are written
//! to a temporary file, synced, renamed. Loading checks all of it, so a
//! truncated, corrupt or foreign file is a clear error, never a wrong
//! answer. Nothing here decides; see [`crate::decide`].

use crate::compare::{address as addr_level, dob_level, given_level, suffix_level, surname_level};
use crate::keys::{block_keys, suffix_code, AddressKeys, NameTokens};
use crate::model::{Comparison, Model};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use vouch_core::{MasterRecord, Tin};

mod file;
mod lookup;
mod sample;

use lookup::{addr_high, Lookup};

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
        "index {path}: format version {found} is not supported (this build reads {supported})"
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

/// One indexed master row (ids point into the index's tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
}

/// The keys of one indexed address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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

/// Accumulates rows (standardised in parallel batches) and builds an index.
#[derive(Debug, Default)]
pub struct IndexBuilder {
    rows: Vec<IndexRow>,
    addrs: Vec<AddrRec>,
    /// Each address's delivery point (0: none), beside `addrs`.
    addr_points: Vec<u64>,
    addr_ids: HashMap<u128, u32>,
    tokens: Tokens,
    names: Names,
    unkeyable: u64,
    unreadable: Vec<u64>,
    hidden: Vec<Hidden>,
}

/// An unreadable return whose name and part of whose address can still be
/// read: the key of the readable part ([`hidden_keys`]), the identity code
/// of its name, its TIN, date of birth (Julian day, 0: none) and suffix
/// code. A namesake hidden there may be a rival.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Hidden {
    pub(crate) key: u64,
    pub(crate) code: u64,
    pub(crate) tin: u32,
    pub(crate) dob: u32,
    pub(crate) suffix: u8,
}

/// Bytes of a [`Hidden`] in the index file.
pub(crate) const HIDDEN_BYTES: usize = 25;

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

/// A return that exists but cannot be used: its key (TIN and tax year)
/// and, when its name and part of its address can be read, what a
/// namesake hidden there needs ([`Hidden`] without the TIN).
struct Unusable {
    key: u64,
    hidden: Option<([u64; 2], u64, u32, u8)>,
}

/// An unreadable return's key: its TIN and tax year.
fn return_key(tin: u32, year: u16) -> u64 {
    (u64::from(tin) << 16) | u64::from(year)
}

/// Interned tokens: bytes and offsets.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Tokens {
    pub(crate) bytes: Vec<u8>,
    pub(crate) offsets: Vec<u32>,
    ids: HashMap<String, u32>,
}

impl Tokens {
    fn intern(&mut self, t: &str) -> u32 {
        if let Some(&id) = self.ids.get(t) {
            return id;
        }
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        let id = (self.offsets.len() - 1) as u32;
        self.bytes.extend_from_slice(t.as_bytes());
        self.offsets.push(self.bytes.len() as u32);
        self.ids.insert(t.to_string(), id);
        id
    }

    pub(crate) fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub(crate) fn get(&self, id: u32) -> &str {
        let (i, j) = (
            self.offsets[id as usize] as usize,
            self.offsets[id as usize + 1] as usize,
        );
        std::str::from_utf8(&self.bytes[i..j]).unwrap_or("")
    }
}

/// Interned names: a pool of token ids, `[given, middle, surnames,
/// particles counts, joined-surname token, tokens...]` per name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Names {
    pub(crate) pool: Vec<u32>,
    pub(crate) offsets: Vec<u32>,
    ids: HashMap<Vec<u32>, u32>,
}

const NAME_HEAD: usize = 5;

impl Names {
    fn intern(&mut self, entry: Vec<u32>) -> u32 {
        if let Some(&id) = self.ids.get(&entry) {
            return id;
        }
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        let id = (self.offsets.len() - 1) as u32;
        self.pool.extend_from_slice(&entry);
        self.offsets.push(self.pool.len() as u32);
        self.ids.insert(entry, id);
        id
    }

    pub(crate) fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub(crate) fn entry(&self, id: u32) -> &[u32] {
        &self.pool[self.offsets[id as usize] as usize..self.offsets[id as usize + 1] as usize]
    }
}

struct Staged {
    tin: u32,
    year: u16,
    suffix: u8,
    dob: u32,
    name: NameTokens,
    addr: AddressKeys,
    street: String,
}

/// A row standardised, or the key (TIN, tax year) of a return that exists
/// but whose name or address cannot be used.
fn stage(r: &MasterRecord) -> Result<Staged, Unusable> {
    let key = return_key(r.tin.as_u32(), r.tax_year);
    let a = vouch_normalize::standardize_address(&r.street, &r.city, &r.state, &r.zip);
    let n = crate::keys::name(&r.first_name, &r.middle_name, &r.last_name, &r.suffix);
    let name = NameTokens::of(&n);
    let addr = if a.is_complete() {
        crate::keys::address_keys_of(&a, &a.match_key())
    } else {
        None
    };
    let (Some(addr), true) = (addr, name.is_usable()) else {
        // What can still be read: a namesake of the subject may live there.
        let street = matches!(
            a.kind,
            vouch_normalize::AddressKind::Street | vouch_normalize::AddressKind::Unknown
        );
        let hidden = (street && name.is_usable())
            .then(|| {
                let keys = hidden_keys(
                    a.house_number.as_deref().unwrap_or(""),
                    &a.street_name,
                    a.zip5.as_deref().unwrap_or(""),
                );
                let code = vouch_normalize::identity_code(name.first_given(), name.paternal())?;
                let dob = r.dob.map_or(0, |d| d.to_julian_day().max(0) as u32);
                (keys != [0, 0]).then_some((keys, code, dob, suffix_code(&n)))
            })
            .flatten();
        return Err(Unusable { key, hidden });
    };
    Ok(Staged {
        tin: r.tin.as_u32(),
        year: r.tax_year,
        suffix: suffix_code(&n),
        dob: r.dob.map_or(0, |d| d.to_julian_day().max(0) as u32),
        name,
        street: if addr.point != 0 {
            a.street_words()
        } else {
            String::new()
        },
        addr,
    })
}

impl IndexBuilder {
    /// An empty builder.
    pub fn new() -> IndexBuilder {
        IndexBuilder::default()
    }

    /// Standardises a batch of master rows (in parallel) and interns them.
    pub fn add_batch(&mut self, batch: &[MasterRecord]) {
        let staged: Vec<Result<Staged, Unusable>> = batch.par_iter().map(stage).collect();
        for s in staged {
            let s = match s {
                Ok(s) => s,
                Err(u) => {
                    self.unkeyable += 1;
                    self.unreadable.push(u.key);
                    if let Some((keys, code, dob, suffix)) = u.hidden {
                        let tin = (u.key >> 16) as u32;
                        for key in keys.into_iter().filter(|&k| k != 0) {
                            self.hidden.push(Hidden {
                                key,
                                code,
                                tin,
                                dob,
                                suffix,
                            });
                        }
                    }
                    continue;
                }
            };
            let row = self.intern(s);
            self.rows.push(row);
        }
    }

    fn intern(&mut self, s: Staged) -> IndexRow {
        let n = &s.name;
        let mut entry = Vec::with_capacity(NAME_HEAD + 6);
        entry.extend(
            [
                n.given.len(),
                n.middle.len(),
                n.surnames.len(),
                n.particles.len(),
            ]
            .map(|x| x.min(255) as u32),
        );
        entry.push(self.tokens.intern(&n.surname_joined()));
        for t in n
            .given
            .iter()
            .take(255)
            .chain(n.middle.iter().take(255))
            .chain(n.surnames.iter().take(255))
            .chain(n.particles.iter().take(255))
        {
            entry.push(self.tokens.intern(t));
        }
        let name = self.names.intern(entry);
        let next = self.addrs.len() as u32;
        let addr = *self.addr_ids.entry(s.addr.exact).or_insert(next);
        if addr == next {
            let street = if s.street.is_empty() {
                u32::MAX
            } else {
                self.tokens.intern(&s.street)
            };
            self.addrs.push(AddrRec {
                exact: s.addr.exact,
                building: s.addr.building,
                zip5: s.addr.zip5,
                street,
            });
            self.addr_points.push(s.addr.point);
        }
        IndexRow {
            tin: s.tin,
            dob: s.dob,
            name,
            addr,
            year: s.year,
            suffix: s.suffix,
        }
    }

    /// A builder holding an index's rows and tables, ready for more rows
    /// (their token and name ids, and the row order, come out exactly as if
    /// every row had been added to one builder).
    fn resume(ix: MasterIndex) -> IndexBuilder {
        let rebuild_ids = |n: usize, key: &dyn Fn(u32) -> Vec<u32>| -> HashMap<Vec<u32>, u32> {
            (0..n as u32).map(|i| (key(i), i)).collect()
        };
        let tokens = Tokens {
            ids: (0..ix.tokens.len() as u32)
                .map(|i| (ix.tokens.get(i).to_string(), i))
                .collect(),
            bytes: ix.tokens.bytes,
            offsets: ix.tokens.offsets,
        };
        let names_ids = rebuild_ids(ix.names.len(), &|i| ix.names.entry(i).to_vec());
        let mut addr_points = vec![0u64; ix.addrs.len()];
        for (&p, &id) in ix.point_keys.iter().zip(&ix.point_ids) {
            addr_points[id as usize] = p;
        }
        IndexBuilder {
            addr_points,
            rows: ix.rows,
            addr_ids: ix
                .addrs
                .iter()
                .enumerate()
                .map(|(i, a)| (a.exact, i as u32))
                .collect(),
            addrs: ix.addrs,
            tokens,
            names: Names {
                pool: ix.names.pool,
                offsets: ix.names.offsets,
                ids: names_ids,
            },
            unkeyable: ix.unkeyable,
            unreadable: ix.unreadable,
            hidden: ix.hidden,
        }
    }

    /// Rows that could not be keyed (no comparable name or address) so far.
    pub fn unkeyable(&self) -> u64 {
        self.unkeyable
    }

    /// Sorts the tables, builds the blocks and term frequencies, and
    /// estimates u by sampling the master.
    pub fn finish(self) -> MasterIndex {
        let IndexBuilder {
            mut rows,
            mut addrs,
            addr_points,
            tokens,
            names,
            unkeyable,
            mut unreadable,
            mut hidden,
            ..
        } = self;
        unreadable.par_sort_unstable();
        unreadable.dedup();
        hidden.par_sort_unstable();
        hidden.dedup();
        let mut perm: Vec<u32> = (0..addrs.len() as u32).collect();
        perm.par_sort_unstable_by_key(|&i| addrs[i as usize].exact);
        let mut new_id = vec![0u32; addrs.len()];
        for (new, &old) in perm.iter().enumerate() {
            new_id[old as usize] = new as u32;
        }
        addrs = perm.iter().map(|&i| addrs[i as usize]).collect();
        let mut points: Vec<(u64, u32)> = perm
            .iter()
            .enumerate()
            .map(|(new, &old)| (addr_points[old as usize], new as u32))
            .filter(|&(p, _)| p != 0)
            .collect();
        points.par_sort_unstable();
        let (point_keys, point_ids) = points.into_iter().unzip();
        rows.par_iter_mut()
            .for_each(|r| r.addr = new_id[r.addr as usize]);
        rows.par_sort_unstable_by_key(|r| (r.tin, r.year, r.addr, r.name, r.dob, r.suffix));
        rows.dedup();
        let mut ix = MasterIndex {
            rows,
            addrs,
            tokens: Tokens {
                bytes: tokens.bytes,
                offsets: tokens.offsets,
                ids: HashMap::new(),
            },
            names: Names {
                pool: names.pool,
                offsets: names.offsets,
                ids: HashMap::new(),
            },
            addr_tins: Vec::new(),
            blocks: Vec::new(),
            surname_tins: Vec::new(),
            point_keys,
            point_ids,
            street_tins: Vec::new(),
            unreadable,
            hidden,
            taxpayers: 0,
            unkeyable,
            model: Model::default(),
            lookup: Lookup::default(),
        };
        ix.build_tables();
        ix.model = estimate_u(&ix, U_PAIRS_MAX);
        ix
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

/// The loaded index: read-only, shared by every matching thread.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MasterIndex {
    pub(crate) rows: Vec<IndexRow>,
    pub(crate) addrs: Vec<AddrRec>,
    pub(crate) tokens: Tokens,
    pub(crate) names: Names,
    /// (address id, taxpayer's first row) for every address a taxpayer filed from.
    pub(crate) addr_tins: Vec<(u32, u32)>,
    /// (blocking key, taxpayer's first row), sorted.
    pub(crate) blocks: Vec<(u64, u32)>,
    /// Taxpayers per joined-surname token (term frequencies).
    pub(crate) surname_tins: Vec<u32>,
    /// Delivery points of street addresses, sorted, and beside each the
    /// address id (two arrays: 12 bytes an address, not 16).
    pub(crate) point_keys: Vec<u64>,
    pub(crate) point_ids: Vec<u32>,
    /// (street key of ZIP5 and street words, distinct taxpayers capped at
    /// [`STREET_TINS_CAP`]), sorted: which spellings are real streets.
    pub(crate) street_tins: Vec<(u64, u8)>,
    /// Returns that exist but whose name or address cannot be used
    /// ([`return_key`]: TIN and tax year), sorted.
    pub(crate) unreadable: Vec<u64>,
    /// Unreadable returns by what of their address can be read, sorted
    /// ([`Hidden`]).
    pub(crate) hidden: Vec<Hidden>,
    pub(crate) taxpayers: u64,
    pub(crate) unkeyable: u64,
    pub(crate) model: Model,
    /// Derived lookup tables (rebuilt on load, never saved).
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
    /// already indexed: the new rows are standardised and interned, merged
    /// into the sorted tables, and the blocks, term frequencies and u are
    /// rebuilt. The index answers exactly as one built from all the rows
    /// in the same order. A trained model keeps its m and settings (with
    /// the new u and taxpayer count, and a new derived version); the
    /// shipped priors stay the shipped priors.
    pub fn extend(&mut self, rows: &[MasterRecord]) {
        let old = std::mem::take(&mut self.model);
        let mut b = IndexBuilder::resume(std::mem::take(self));
        b.add_batch(rows);
        let mut ix = b.finish();
        if old.model_version != crate::MODEL_VERSION || old.em_iterations > 0 {
            let fresh = std::mem::take(&mut ix.model);
            let mut m = Model {
                u: fresh.u,
                taxpayers: fresh.taxpayers,
                u_pairs_sampled: fresh.u_pairs_sampled,
                ..old
            };
            crate::model::missing_is_uninformative(&mut m);
            crate::model::no_level_outweighs_the_first(&mut m);
            m.model_version = crate::model::derived_version(&m);
            ix.model = m;
        } else {
            ix.model.tf_share_min = old.tf_share_min;
            ix.model.swap_weight = old.swap_weight;
            ix.model.threshold = old.threshold;
            ix.model.margin = old.margin;
        }
        *self = ix;
    }

    /// Derived tables: taxpayers, address→TIN pairs, blocks, term frequencies.
    fn build_tables(&mut self) {
        self.taxpayers = self.rows.chunk_by(|a, b| a.tin == b.tin).count() as u64;
        // Block entries hold the taxpayer's first row, so that a candidate's
        // history is read without a binary search over all rows.
        let mut start = vec![0u32; self.rows.len()];
        for i in 1..self.rows.len() {
            start[i] = if self.rows[i - 1].tin == self.rows[i].tin {
                start[i - 1]
            } else {
                i as u32
            };
        }
        let mut at: Vec<(u32, u32)> = self
            .rows
            .iter()
            .zip(&start)
            .map(|(r, &s)| (r.addr, s))
            .collect();
        at.par_sort_unstable();
        at.dedup();
        self.addr_tins = at;
        let mut blocks: Vec<(u64, u32)> = self
            .rows
            .par_iter()
            .zip(&start)
            .flat_map_iter(|(r, &s)| {
                let zip5 = self.addrs[r.addr as usize].zip5;
                block_keys(&self.name(r.name), r.dob, zip5)
                    .into_iter()
                    .flatten()
                    .map(move |k| (k, s))
            })
            .collect();
        blocks.par_sort_unstable();
        blocks.dedup();
        self.blocks = blocks;
        let mut st: Vec<(u32, u32)> = self
            .rows
            .iter()
            .map(|r| (self.names.entry(r.name)[4], r.tin))
            .collect();
        st.par_sort_unstable();
        st.dedup();
        let mut tf = vec![0u32; self.tokens.len()];
        for (tok, _) in st {
            tf[tok as usize] += 1;
        }
        self.surname_tins = tf;
        // Distinct taxpayers per (ZIP5, street spelling): a spelling filed
        // from by two or more taxpayers is a street, not a keying error.
        let mut spellings: Vec<(u64, u32)> = self
            .addr_tins
            .par_iter()
            .filter_map(|&(addr, start)| {
                let a = &self.addrs[addr as usize];
                (a.street != u32::MAX).then(|| {
                    let key = crate::keys::street_key(a.zip5, self.tokens.get(a.street));
                    (key, self.rows[start as usize].tin)
                })
            })
            .collect();
        spellings.par_sort_unstable();
        spellings.dedup();
        self.street_tins = spellings
            .chunk_by(|a, b| a.0 == b.0)
            .map(|run| (run[0].0, run.len().min(STREET_TINS_CAP) as u8))
            .collect();
        self.derive();
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
        self.street_tins
            .binary_search_by_key(&key, |x| x.0)
            .map_or(0, |i| self.street_tins[i].1)
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

    /// Returns kept as existing but unreadable.
    pub fn unreadable_returns(&self) -> usize {
        self.unreadable.len()
    }

    /// Rebuilds the derived lookup tables (after building or loading).
    pub(crate) fn derive(&mut self) {
        self.lookup = Lookup::of(self);
    }

    /// Sizes of the blocks.
    pub fn block_stats(&self) -> BlockStats {
        let mut s = BlockStats::default();
        for run in self.blocks.chunk_by(|a, b| a.0 == b.0) {
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
        let first = if g > 0 {
            t.first()
        } else {
            t[g..g + m].first()
        };
        (first.copied(), t[g + m..g + m + s].first().copied())
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
        self.lookup
            .row_surname_tins
            .get(s..s + len)?
            .iter()
            .copied()
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
        self.addr_tins[s..e].iter().map(|x| x.1)
    }

    /// Taxpayers of one block.
    pub(crate) fn block(&self, key: u64) -> &[(u64, u32)] {
        let Some(bucket) = self.blocks.get(self.lookup.blocks.range(key)) else {
            return &[];
        };
        let s = bucket.partition_point(|x| x.0 < key);
        let e = s + bucket[s..].partition_point(|x| x.0 == key);
        &bucket[s..e]
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

    /// Structural checks a checksum cannot give (a file written by a buggy build).
    pub(crate) fn validate(&self) -> Result<(), &'static str> {
        let (nn, na, nt) = (
            self.names.len() as u32,
            self.addrs.len() as u32,
            self.tokens.len() as u32,
        );
        if !self
            .rows
            .par_windows(2)
            .all(|w| (w[0].tin, w[0].year) <= (w[1].tin, w[1].year))
        {
            return Err("rows out of order");
        }
        if !self.rows.par_iter().all(|r| r.name < nn && r.addr < na) {
            return Err("row refers past a table");
        }
        if !self.addrs.par_windows(2).all(|w| w[0].exact < w[1].exact) {
            return Err("addresses out of order");
        }
        if !self.addr_tins.par_windows(2).all(|w| w[0] < w[1])
            || self.addr_tins.iter().any(|x| x.0 >= na)
        {
            return Err("address table out of order");
        }
        if !self.blocks.par_windows(2).all(|w| w[0] < w[1]) {
            return Err("blocks out of order");
        }
        let rows = &self.rows;
        let first = |s: u32| {
            (s as usize) < rows.len()
                && (s == 0 || rows[s as usize - 1].tin != rows[s as usize].tin)
        };
        if !self.blocks.par_iter().all(|x| first(x.1))
            || !self.addr_tins.par_iter().all(|x| first(x.1))
        {
            return Err("block entry is not a taxpayer's first row");
        }
        if self.surname_tins.len() != nt as usize {
            return Err("term frequencies do not match the token table");
        }
        validate_offsets(&self.tokens.offsets, self.tokens.bytes.len())?;
        if !self.tokens.bytes.is_ascii() {
            return Err("token table is not folded ASCII");
        }
        validate_offsets(&self.names.offsets, self.names.pool.len())?;
        for w in self.names.offsets.windows(2) {
            let e = &self.names.pool[w[0] as usize..w[1] as usize];
            if e.len() < NAME_HEAD
                || e[..4].iter().sum::<u32>() as usize != e.len() - NAME_HEAD
                || e[4..].iter().any(|&t| t >= nt)
            {
                return Err("name table entry malformed");
            }
        }
        Ok(())
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
