//! Building the index with memory that does not grow with the master.
//!
//! Rows are standardised in parallel batches as they stream in; their
//! names and tokens are interned in dictionaries (hash tables of ids over
//! the interned bytes: each distinct name once), and everything else goes
//! through external sorts ([`super::spill::Sorter`]) bounded by the
//! builder's memory budget:
//!
//! 1. rows keyed by their address's exact key, and the distinct addresses;
//! 2. merged together: addresses numbered in key order (the address table,
//!    delivery points), each row given its address id and re-sorted by
//!    taxpayer and year;
//! 3. merged by taxpayer: the rows written, and per row its blocking keys,
//!    its address's taxpayer, its street spelling and its surname counted;
//! 4. those merged into their tables, the directories counted over them.
//!
//! Each table is written to the index file as it comes out of its merge
//! ([`super::file::Writer`]); the file is then mapped, checked, u sampled
//! from it, and renamed into place. The result is the index an in-memory
//! build of the same rows in the same order would give, id for id.

use super::file::{Tag, Writer};
use super::lookup::{addr_high, DirectoryBuilder};
use super::spill::Sorter;
use super::{
    first_and_paternal, hidden_keys, return_key, AddrRec, Hidden, IndexError, IndexRow,
    MasterIndex, STREET_TINS_CAP,
};
use crate::keys::{block_keys_of, suffix_code, AddressKeys, KeyScratch, NameTokens};
use crate::model::Model;
use bytemuck::{Pod, Zeroable};
use hashbrown::HashTable;
use rayon::prelude::*;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use vouch_core::{MasterRecord, MasterRow};
use vouch_normalize::{StandardAddress, StandardName};

/// The default memory for the build's sort buffers: 1 GiB.
pub const BUILD_MEMORY_DEFAULT: usize = 1 << 30;

/// Rows read back at a time in the build's later passes.
const READ_BACK_ROWS: usize = 1 << 20;

/// Rows keyed at a time (in parallel) in pass 3.
const PASS3_BATCH: usize = 1 << 16;

/// A return that exists but cannot be used: its key (TIN and tax year)
/// and, when its name and part of its address can be read, what a
/// namesake hidden there needs ([`Hidden`] without the TIN).
struct Unusable {
    key: u64,
    hidden: Option<([u64; 2], u64, u32, u8)>,
}

struct Staged {
    tin: u32,
    year: u16,
    suffix: u8,
    dob: u32,
    /// The token counts (given, middle, surnames, particles) of the row's
    /// name, whose tokens lead `text`; `None`: the row before this one's
    /// name (filed the same, letter for letter, so standardised and
    /// interned the same).
    name: Option<[u32; 4]>,
    addr: AddressKeys,
    street: Street,
    /// What the row brings that the row before did not, in one buffer
    /// (nothing allocated when it brings nothing): the name's tokens, each
    /// followed by a space, then the street spelling ([`Street::Text`]).
    text: String,
}

/// A staged row's street spelling.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Street {
    /// The row before this one's (its address was filed the same).
    Same,
    /// None: the address has no delivery point to compare spellings at.
    Empty,
    /// The rest of the row's text.
    Text,
}

/// Rows standardised at a time on one thread by [`IndexBuilder::add_batch`].
const STAGE_RUN: usize = 1024;

/// A master row standardised for the index, made on any thread by
/// [`Stager::stage`] and interned, in file order, by
/// [`IndexBuilder::add_staged`].
pub struct StagedRow(Result<Staged, Unusable>);

/// Standardises rows one after another (one per thread or per part of the
/// file). A row whose name fields, or whose street, city, state and ZIP,
/// are the row before's letter for letter (that row being usable) reuses
/// what that row gave: standardisation is a function of those fields
/// alone, so the result is the one a fresh standardisation gives, and
/// interning then skips the repeat too. A taxpayer's returns usually
/// follow one another in the master, with the same name and often the
/// same address.
#[derive(Default)]
pub struct Stager {
    /// The last row's address keys and suffix code, when it was usable
    /// (`name` and `place` then hold its fields).
    last: Option<(AddressKeys, u8)>,
    name: [String; 4],
    place: [String; 4],
    scratch: KeyScratch,
}

fn same(held: &[String; 4], now: [&str; 4]) -> bool {
    held.iter().zip(now).all(|(h, n)| h == n)
}

fn hold(held: &mut [String; 4], now: [&str; 4]) {
    for (h, n) in held.iter_mut().zip(now) {
        h.clear();
        h.push_str(n);
    }
}

impl Stager {
    /// Standardises one row (see the type's documentation).
    pub fn stage(&mut self, r: MasterRow<'_>) -> StagedRow {
        let name_fields = [r.first_name, r.middle_name, r.last_name, r.suffix];
        let place_fields = [r.street, r.city, r.state, r.zip];
        let same_name = self.last.is_some() && same(&self.name, name_fields);
        let same_place = self.last.is_some() && same(&self.place, place_fields);
        let scratch = &mut self.scratch;
        let row = |suffix, name, addr, street, text| {
            Ok(Staged {
                tin: r.tin.as_u32(),
                year: r.tax_year,
                suffix,
                dob: dob_day(r),
                name,
                addr,
                street,
                text,
            })
        };
        let staged = match (self.last, same_name, same_place) {
            (Some((addr, suffix)), true, true) => {
                row(suffix, None, addr, Street::Same, String::new())
            }
            (Some((_, suffix)), true, false) => {
                let mut text = String::new();
                match stage_address(r, scratch, &mut text) {
                    Some((addr, street)) => row(suffix, None, addr, street, text),
                    None => stage(r, scratch),
                }
            }
            (Some((addr, _)), false, true) => {
                let n = crate::keys::name(r.first_name, r.middle_name, r.last_name, r.suffix);
                let mut text = String::new();
                match pack_name(&n, &mut text) {
                    Some(counts) => row(suffix_code(&n), Some(counts), addr, Street::Same, text),
                    None => stage(r, scratch),
                }
            }
            _ => stage(r, scratch),
        };
        self.last = match &staged {
            Ok(s) => {
                if !same_name {
                    hold(&mut self.name, name_fields);
                }
                if !same_place {
                    hold(&mut self.place, place_fields);
                }
                Some((s.addr, s.suffix))
            }
            Err(_) => None,
        };
        StagedRow(staged)
    }
}

fn dob_day(r: MasterRow<'_>) -> u32 {
    r.dob.map_or(0, |d| d.to_julian_day().max(0) as u32)
}

/// A usable name's tokens appended to `text` ([`Staged::text`]), and their
/// counts; `None` (and `text` as it was) for a name without a given name
/// or a surname.
fn pack_name(n: &StandardName, text: &mut String) -> Option<[u32; 4]> {
    crate::keys::usable(&n.given, &n.middle, &n.surnames).then(|| pack_tokens(n, text))
}

/// A name's tokens appended to `text` (each followed by a space), and how
/// many there are of given names, middle names, surnames and particles.
fn pack_tokens(n: &StandardName, text: &mut String) -> [u32; 4] {
    let groups = [&n.given, &n.middle, &n.surnames, &n.particles];
    let tokens = || groups.iter().flat_map(|g| g.iter());
    // Room for a street spelling after them too: one allocation a row.
    text.reserve(tokens().map(|t| t.len() + 1).sum::<usize>() + STREET_ROOM);
    for t in tokens() {
        // A name's tokens are folded letters and digits: never a space.
        debug_assert!(!t.contains(' '));
        text.push_str(t);
        text.push(' ');
    }
    groups.map(|g| g.len() as u32)
}

/// Bytes kept for a street spelling after its street name: `|` and the
/// longest suffix spelled out (`EXPRESSWAY`), with some to spare.
const STREET_ROOM: usize = 16;

/// A row's address keys and street spelling (appended to `text` when it
/// has one), when its address is usable.
fn stage_address(
    r: MasterRow<'_>,
    scratch: &mut KeyScratch,
    text: &mut String,
) -> Option<(AddressKeys, Street)> {
    let a = vouch_normalize::standardize_address(r.street, r.city, r.state, r.zip);
    if !a.is_complete() {
        return None;
    }
    let addr = crate::keys::address_keys_in(&a, scratch)?;
    Some((addr, street_text(&a, &addr, text)))
}

/// The street spelling of an address keyed `addr`, appended to `text`
/// where it has a delivery point.
fn street_text(a: &StandardAddress, addr: &AddressKeys, text: &mut String) -> Street {
    if addr.point == 0 {
        return Street::Empty;
    }
    text.reserve(a.street_name.len() + STREET_ROOM);
    a.street_words_into(text);
    Street::Text
}

/// A row standardised, or the key (TIN, tax year) of a return that exists
/// but whose name or address cannot be used.
fn stage(r: MasterRow<'_>, scratch: &mut KeyScratch) -> Result<Staged, Unusable> {
    let key = return_key(r.tin.as_u32(), r.tax_year);
    let a = vouch_normalize::standardize_address(r.street, r.city, r.state, r.zip);
    let n = crate::keys::name(r.first_name, r.middle_name, r.last_name, r.suffix);
    let mut text = String::new();
    let counts = pack_name(&n, &mut text);
    let addr = if a.is_complete() {
        crate::keys::address_keys_in(&a, scratch)
    } else {
        None
    };
    let (Some(addr), Some(counts)) = (addr, counts) else {
        // What can still be read: a namesake of the subject may live there.
        let suffix = suffix_code(&n);
        let name = NameTokens::from(n);
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
                (keys != [0, 0]).then_some((keys, code, dob_day(r), suffix))
            })
            .flatten();
        return Err(Unusable { key, hidden });
    };
    let street = street_text(&a, &addr, &mut text);
    Ok(Staged {
        tin: r.tin.as_u32(),
        year: r.tax_year,
        suffix: suffix_code(&n),
        dob: dob_day(r),
        name: Some(counts),
        street,
        addr,
        text,
    })
}

/// A row keyed by its address (pass 1).
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Pod, Zeroable)]
struct ByAddr {
    exact: u128,
    tin: u32,
    dob: u32,
    name: u32,
    year: u16,
    suffix: u8,
    reserved: u8,
}

/// An address as first seen (pass 1).
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Pod, Zeroable)]
struct AddrEntry {
    exact: u128,
    building: u64,
    point: u64,
    zip5: u32,
    street: u32,
    city: u32,
    reserved: u32,
}

/// A row with its address id, keyed as the index orders rows (pass 2);
/// the address's ZIP5 and street ride along for pass 3.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Pod, Zeroable)]
struct ByTin {
    tin: u32,
    year: u16,
    reserved0: u16,
    addr: u32,
    name: u32,
    dob: u32,
    suffix: u8,
    reserved1: [u8; 3],
    zip5: u32,
    street: u32,
}

/// A 64-bit key and a 32-bit value (blocks, points, street spellings).
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Pod, Zeroable)]
struct KeyVal {
    key: u64,
    val: u32,
    reserved: u32,
}

/// An address id and a taxpayer's first row.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Pod, Zeroable)]
struct AddrTin {
    addr: u32,
    start: u32,
}

/// Interned sequences (token bytes, names' token ids): a hash table of
/// ids over a pool, each distinct sequence stored once.
struct Interner<T> {
    pool: Vec<T>,
    offsets: Vec<u32>,
    ids: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            pool: Vec::new(),
            offsets: Vec::new(),
            ids: HashTable::new(),
            hasher: hashbrown::DefaultHashBuilder::default(),
        }
    }
}

fn slice_of<'a, T>(pool: &'a [T], offsets: &[u32], id: u32) -> &'a [T] {
    &pool[offsets[id as usize] as usize..offsets[id as usize + 1] as usize]
}

impl<T: Copy + Eq + std::hash::Hash> Interner<T> {
    fn get(&self, id: u32) -> &[T] {
        slice_of(&self.pool, &self.offsets, id)
    }

    fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    fn intern(&mut self, t: &[T]) -> u32 {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        let h = self.hasher.hash_one(t);
        let Interner {
            pool,
            offsets,
            ids,
            hasher,
        } = self;
        if let Some(&id) = ids.find(h, |&id| slice_of(pool, offsets, id) == t) {
            return id;
        }
        let id = (offsets.len() - 1) as u32;
        pool.extend_from_slice(t);
        offsets.push(pool.len() as u32);
        let (pool, offsets) = (&*pool, &*offsets);
        ids.insert_unique(h, id, |&id| hasher.hash_one(slice_of(pool, offsets, id)));
        id
    }
}

/// Interned token bytes.
type Dict = Interner<u8>;

/// Interned names: token ids, `[given, middle, surnames, particles counts,
/// joined-surname token, tokens...]` per name.
type NameDict = Interner<u32>;

impl NameDict {
    fn entry(&self, id: u32) -> &[u32] {
        self.get(id)
    }

    /// A name's tokens (as [`MasterIndex::name`] reads them).
    #[cfg(test)]
    fn name<'a>(&self, id: u32, tokens: &'a Dict) -> NameTokens<&'a str> {
        let e = self.entry(id);
        let (g, m, s, p) = (e[0] as usize, e[1] as usize, e[2] as usize, e[3] as usize);
        let t = &e[super::NAME_HEAD..];
        let tok = |r: &[u32]| {
            r.iter()
                .map(|&i| std::str::from_utf8(tokens.get(i)).unwrap_or(""))
                .collect::<Vec<&str>>()
        };
        NameTokens {
            given: tok(&t[..g]),
            middle: tok(&t[g..g + m]),
            surnames: tok(&t[g + m..g + m + s]),
            particles: tok(&t[g + m + s..g + m + s + p]),
        }
    }
}

/// What a build did and what it cost.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildReport {
    /// Time spent in each pass after the rows were read (names, addresses,
    /// rows, derived tables, checking the file and sampling u).
    pub passes: Vec<(&'static str, std::time::Duration)>,
    /// Bytes the sorts wrote to their run files (0: all fitted in memory).
    pub spilled_bytes: u64,
    /// Distinct names interned.
    pub names: u64,
    /// Distinct tokens interned.
    pub tokens: u64,
    /// Distinct addresses.
    pub addresses: u64,
}

/// Standardises master rows as they stream in and builds an index in
/// bounded memory (see the module's documentation).
pub struct IndexBuilder {
    tokens: Dict,
    names: NameDict,
    rows: Sorter<ByAddr>,
    addrs: Sorter<AddrEntry>,
    last_exact: Option<u128>,
    unkeyable: u64,
    unreadable: Vec<u64>,
    hidden: Vec<Hidden>,
    work: PathBuf,
    memory: usize,
    failed: Option<std::io::Error>,
    /// The last batch, standardised, not yet interned.
    pending: Option<Vec<StagedRow>>,
    previous_model: Option<Model>,
    entry: Vec<u32>,
    joined: String,
    spans: Vec<std::ops::Range<usize>>,
    /// The last row interned's name and street spelling (a staged row may
    /// say "the same").
    last_name: u32,
    last_street: u32,
    report: BuildReport,
}

impl Default for IndexBuilder {
    fn default() -> Self {
        IndexBuilder::new()
    }
}

impl IndexBuilder {
    /// A builder with the default memory budget, spilling to the system's
    /// temporary directory.
    pub fn new() -> IndexBuilder {
        IndexBuilder::with_memory(BUILD_MEMORY_DEFAULT, &std::env::temp_dir())
    }

    /// A builder whose sort buffers hold at most about `memory` bytes at
    /// any time (each pass's sorts share it: a quarter each for the larger
    /// records, an eighth for the smaller), spilling runs into `work`
    /// (unnamed files: use the index's own directory, which holds the same
    /// data). The dictionaries of distinct names and tokens come on top
    /// (about 50 bytes a distinct name), and a few bytes per address; so
    /// do a few MiB of I/O buffers (three per spilled run while it is
    /// merged, five of the index file's writing thread).
    pub fn with_memory(memory: usize, work: &Path) -> IndexBuilder {
        let memory = memory.max(1 << 16);
        IndexBuilder {
            tokens: Dict::default(),
            names: NameDict::default(),
            rows: Sorter::new(work, memory / 4, false),
            addrs: Sorter::new(work, memory / 4, true),
            last_exact: None,
            unkeyable: 0,
            unreadable: Vec::new(),
            hidden: Vec::new(),
            work: work.to_path_buf(),
            memory,
            failed: None,
            pending: None,
            previous_model: None,
            entry: Vec::new(),
            joined: String::new(),
            spans: Vec::new(),
            last_name: 0,
            last_street: u32::MAX,
            report: BuildReport::default(),
        }
    }

    /// A builder holding an index's rows and tables, ready for more rows:
    /// tokens and names are interned again in id order, so their ids (and
    /// the rows' order) come out exactly as if every row had been added to
    /// one builder; nothing is standardised again.
    pub fn extending(
        ix: &MasterIndex,
        memory: usize,
        work: &Path,
    ) -> Result<IndexBuilder, IndexError> {
        let mut b = IndexBuilder::with_memory(memory, work);
        for i in 0..ix.tokens.len() as u32 {
            b.tokens.intern(ix.tokens.get(i).as_bytes());
        }
        for i in 0..ix.names.len() as u32 {
            b.names.intern(ix.names.entry(i));
        }
        let mut points = vec![0u64; ix.addrs.len()];
        for (&p, &id) in ix.point_keys.iter().zip(ix.point_ids.iter()) {
            if let Some(x) = points.get_mut(id as usize) {
                *x = p;
            }
        }
        for ((a, &point), &city) in ix.addrs.iter().zip(&points).zip(ix.addr_cities.iter()) {
            b.push_addr(AddrEntry {
                exact: a.exact,
                building: a.building,
                point,
                zip5: a.zip5,
                street: a.street,
                city,
                reserved: 0,
            });
        }
        drop(points);
        for r in ix.rows.iter() {
            let exact = ix.addrs.get(r.addr as usize).map_or(0, |a| a.exact);
            b.push_row(ByAddr {
                exact,
                tin: r.tin,
                dob: r.dob,
                name: r.name,
                year: r.year,
                suffix: r.suffix,
                reserved: 0,
            });
        }
        b.unkeyable = ix.unkeyable;
        b.unreadable = ix.unreadable.to_vec();
        b.hidden = ix.hidden.to_vec();
        b.previous_model = Some(ix.model.clone());
        match b.failed.take() {
            Some(e) => Err(io(&b.work)(e)),
            None => Ok(b),
        }
    }

    fn push_row(&mut self, r: ByAddr) {
        if let Err(e) = self.rows.push(r) {
            self.failed.get_or_insert(e);
        }
    }

    fn push_addr(&mut self, a: AddrEntry) {
        if let Err(e) = self.addrs.push(a) {
            self.failed.get_or_insert(e);
        }
    }

    /// Standardises a batch of master rows (in parallel) and interns
    /// them: the batch before this one is interned (on one thread, in
    /// order) while this one is standardised on the others.
    pub fn add_batch(&mut self, batch: &[MasterRecord]) {
        let previous = self.pending.take();
        let (staged, ()) = rayon::join(
            || {
                let runs: Vec<Vec<StagedRow>> = batch
                    .par_chunks(STAGE_RUN)
                    .map(|rows| {
                        let mut stager = Stager::default();
                        rows.iter().map(|r| stager.stage(r.row())).collect()
                    })
                    .collect();
                runs.into_iter().flatten().collect::<Vec<_>>()
            },
            || self.intern_all(previous.into_iter().flatten()),
        );
        self.pending = Some(staged);
    }

    /// Interns rows standardised by [`Stager::stage`], in file order (after
    /// any batch [`IndexBuilder::add_batch`] holds).
    pub fn add_staged(&mut self, rows: impl IntoIterator<Item = StagedRow>) {
        let previous = self.pending.take();
        self.intern_all(previous.into_iter().flatten());
        self.intern_all(rows);
    }

    fn intern_all(&mut self, staged: impl IntoIterator<Item = StagedRow>) {
        for StagedRow(s) in staged {
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
                                reserved: [0; 7],
                            });
                        }
                    }
                    continue;
                }
            };
            self.intern(s);
        }
    }

    fn intern(&mut self, s: Staged) {
        let (name, street_text) = match s.name {
            Some(counts) => {
                let (name, rest) = self.intern_name(counts, &s.text);
                (name, s.text.get(rest..).unwrap_or(""))
            }
            None => (self.last_name, s.text.as_str()),
        };
        self.last_name = name;
        let street = match s.street {
            Street::Empty => u32::MAX,
            Street::Text => self.tokens.intern(street_text.as_bytes()),
            Street::Same => self.last_street,
        };
        self.last_street = street;
        // Consecutive rows of one taxpayer usually share the address: one
        // entry for the run (the sort removes the other repeats).
        if self.last_exact != Some(s.addr.exact) {
            self.last_exact = Some(s.addr.exact);
            self.push_addr(AddrEntry {
                exact: s.addr.exact,
                building: s.addr.building,
                point: s.addr.point,
                zip5: s.addr.zip5,
                street,
                city: s.addr.city,
                reserved: 0,
            });
        }
        self.push_row(ByAddr {
            exact: s.addr.exact,
            tin: s.tin,
            dob: s.dob,
            name,
            year: s.year,
            suffix: s.suffix,
            reserved: 0,
        });
    }

    /// Interns a name's tokens (given, middle, surnames and particles,
    /// `counts` of each, leading `text` as [`pack_name`] packed them) and
    /// the name: its id, and where in `text` what follows the tokens starts.
    fn intern_name(&mut self, counts: [u32; 4], text: &str) -> (u32, usize) {
        // The tokens' places, found in one pass.
        let mut spans = std::mem::take(&mut self.spans);
        spans.clear();
        let mut at = 0;
        for _ in 0..counts.iter().sum::<u32>() {
            let end = text
                .get(at..)
                .and_then(|t| t.find(' '))
                .map_or(text.len(), |i| at + i);
            spans.push(at..end);
            at = (end + 1).min(text.len());
        }
        let token = |k: usize| spans.get(k).and_then(|r| text.get(r.clone())).unwrap_or("");
        let mut entry = std::mem::take(&mut self.entry);
        entry.clear();
        entry.extend(counts.map(|x| x.min(255)));
        let mut joined = std::mem::take(&mut self.joined);
        joined.clear();
        let before = (counts[0] + counts[1]) as usize;
        for k in before..before + counts[2] as usize {
            joined.push_str(token(k));
        }
        entry.push(self.tokens.intern(joined.as_bytes()));
        self.joined = joined;
        let mut k = 0;
        for count in counts {
            // Past the 255th, a group's tokens are not kept.
            for j in 0..count as usize {
                if j < 255 {
                    entry.push(self.tokens.intern(token(k).as_bytes()));
                }
                k += 1;
            }
        }
        let name = self.names.intern(&entry);
        self.entry = entry;
        self.spans = spans;
        (name, at)
    }

    /// Rows that could not be keyed (no comparable name or address) so far.
    pub fn unkeyable(&self) -> u64 {
        let pending = self
            .pending
            .iter()
            .flatten()
            .filter(|s| s.0.is_err())
            .count();
        self.unkeyable + pending as u64
    }

    /// Builds the index into a temporary directory and maps it (the file
    /// is removed when the index is dropped): for tests and small masters.
    pub fn finish(self) -> Result<MasterIndex, IndexError> {
        let dir = tempfile::Builder::new()
            .prefix(".vouch-index-")
            .tempdir_in(&self.work)
            .map_err(io(&self.work))?;
        Ok(self.finish_into(dir.path())?.0)
    }

    /// Builds the index, writes it and its model into `dir` (each
    /// atomically: a temporary file synced and renamed) and returns it
    /// mapped, with what the build did.
    pub fn finish_into(mut self, dir: &Path) -> Result<(MasterIndex, BuildReport), IndexError> {
        let last = self.pending.take();
        self.intern_all(last.into_iter().flatten());
        if let Some(e) = self.failed.take() {
            return Err(io(&self.work)(e));
        }
        let mut w = Writer::create(dir)?;
        let e = io(dir);
        let mut clock = std::time::Instant::now();
        let mut lap = |report: &mut BuildReport, pass: &'static str| {
            report.passes.push((pass, clock.elapsed()));
            clock = std::time::Instant::now();
        };
        let IndexBuilder {
            tokens,
            names,
            rows,
            addrs,
            unkeyable,
            mut unreadable,
            mut hidden,
            work,
            memory,
            previous_model,
            mut report,
            ..
        } = self;
        report.names = names.len() as u64;
        report.tokens = tokens.len() as u64;

        // The dictionaries.
        w.section(Tag::TokenBytes, &tokens.pool)?;
        w.section(Tag::TokenOffsets, &tokens.offsets)?;
        w.section(Tag::NamePool, &names.pool)?;
        w.section(Tag::NameOffsets, &names.offsets)?;
        let codes: Vec<crate::compare::fast::Codes> = (0..tokens.len() as u32)
            .into_par_iter()
            .map(|t| crate::compare::fast::codes(std::str::from_utf8(tokens.get(t)).unwrap_or("")))
            .collect();
        w.section(Tag::Codes, &codes)?;
        drop(codes);

        lap(&mut report, "dictionaries");
        // Pass 2: addresses numbered in key order, rows given their ids.
        let mut by_tin: Sorter<ByTin> = Sorter::new(&work, memory / 4, true);
        let mut points: Sorter<KeyVal> = Sorter::new(&work, memory / 8, false);
        // Each address's city key, in id order (a section of its own).
        let mut cities: Vec<u32> = Vec::new();
        {
            let mut am = addrs.finish().map_err(&e)?;
            let mut rm = rows.finish().map_err(&e)?;
            report.spilled_bytes += am.spilled_bytes() + rm.spilled_bytes();
            w.begin(Tag::Addrs)?;
            let mut id = 0u32;
            let mut last: Option<u128> = None;
            let mut pending = rm.next().map_err(&e)?;
            while let Some(a) = am.next().map_err(&e)? {
                if last == Some(a.exact) {
                    continue;
                }
                last = Some(a.exact);
                w.records(&[AddrRec {
                    exact: a.exact,
                    building: a.building,
                    zip5: a.zip5,
                    street: a.street,
                }])?;
                cities.push(a.city);
                if a.point != 0 {
                    points
                        .push(KeyVal {
                            key: a.point,
                            val: id,
                            reserved: 0,
                        })
                        .map_err(&e)?;
                }
                while let Some(r) = pending.filter(|r| r.exact == a.exact) {
                    by_tin
                        .push(ByTin {
                            tin: r.tin,
                            year: r.year,
                            reserved0: 0,
                            addr: id,
                            name: r.name,
                            dob: r.dob,
                            suffix: r.suffix,
                            reserved1: [0; 3],
                            zip5: a.zip5,
                            street: a.street,
                        })
                        .map_err(&e)?;
                    pending = rm.next().map_err(&e)?;
                }
                id += 1;
            }
            w.end()?;
            if pending.is_some() {
                return Err(IndexError::Corrupt {
                    path: dir.join(super::INDEX_FILE),
                    why: "a row's address was lost in the build",
                });
            }
        }
        let n_addrs = cities.len();
        w.section(Tag::AddrCities, &cities)?;
        drop(cities);
        report.addresses = n_addrs as u64;
        let mut dir_addrs = DirectoryBuilder::new(n_addrs);
        let mut buf: Vec<AddrRec> = Vec::new();
        for from in (0..n_addrs).step_by(READ_BACK_ROWS) {
            w.read_back(Tag::Addrs, from, &mut buf, READ_BACK_ROWS)?;
            buf.iter().for_each(|a| dir_addrs.add(addr_high(a.exact)));
        }
        drop(buf);
        let dir_addrs = dir_addrs.finish();
        w.section(Tag::AddrDir, &dir_addrs.starts)?;
        let (_, spilled) =
            key_val_sections(&mut w, points, Tag::PointKeys, Tag::PointIds, &work, &e)?;
        report.spilled_bytes += spilled;

        lap(&mut report, "addresses");
        // Pass 3: rows in order; per row, what the derived tables need.
        let mut addr_tins: Sorter<AddrTin> = Sorter::new(&work, memory / 8, true);
        let mut blocks: Sorter<KeyVal> = Sorter::new(&work, memory / 4, true);
        let mut streets: Sorter<KeyVal> = Sorter::new(&work, memory / 8, true);
        let mut tf = vec![0u32; tokens.len()];
        let mut taxpayers = 0u64;
        let mut n_rows = 0u32;
        {
            let mut m = by_tin.finish().map_err(&e)?;
            report.spilled_bytes += m.spilled_bytes();
            w.begin(Tag::Rows)?;
            let mut start = 0u32;
            let mut tin: Option<u32> = None;
            let mut surnames: Vec<u32> = Vec::new();
            let mut out: Vec<IndexRow> = Vec::with_capacity(PASS3_BATCH);
            let mut batch: Vec<ByTin> = Vec::with_capacity(PASS3_BATCH);
            // Per fresh row: its blocking keys, its street key and its
            // name's joined surname token.
            let mut keyed: Vec<([Option<u64>; 3], Option<u64>, u32)> =
                Vec::with_capacity(PASS3_BATCH);
            let mut fresh: Vec<usize> = Vec::with_capacity(PASS3_BATCH);
            let mut starts: Vec<u32> = Vec::with_capacity(PASS3_BATCH);
            let mut prev: Option<ByTin> = None;
            let blocking = TokenBlocking::of(&names, &tokens);
            loop {
                batch.clear();
                while batch.len() < PASS3_BATCH {
                    match m.next().map_err(&e)? {
                        Some(r) => batch.push(r),
                        None => break,
                    }
                }
                if batch.is_empty() {
                    break;
                }
                // The keys of a batch of rows, hashed on every core; a row
                // whose name, date of birth, ZIP and street are its
                // taxpayer's previous row's has that row's keys (already
                // pushed: nothing to add).
                let same = |a: &ByTin, b: &ByTin| {
                    (a.tin, a.name, a.dob, a.zip5, a.street)
                        == (b.tin, b.name, b.dob, b.zip5, b.street)
                };
                fresh.clear();
                for (i, r) in batch.iter().enumerate() {
                    let p = if i == 0 {
                        prev.as_ref()
                    } else {
                        batch.get(i - 1)
                    };
                    if !p.is_some_and(|p| same(p, r)) {
                        fresh.push(i);
                    }
                }
                prev = batch.last().copied();
                fresh
                    .par_iter()
                    .map(|&i| {
                        let r = &batch[i];
                        let entry = names.entry(r.name);
                        let (first, paternal) = first_and_paternal(entry);
                        let street = (r.street != u32::MAX).then(|| {
                            let words = std::str::from_utf8(tokens.get(r.street)).unwrap_or("");
                            crate::keys::street_key(r.zip5, words)
                        });
                        let (initial, given_code) = blocking.given(first);
                        let bk = block_keys_of(
                            blocking.code(paternal),
                            initial,
                            given_code,
                            r.dob,
                            r.zip5,
                        );
                        (bk, street, entry[4])
                    })
                    .collect_into_vec(&mut keyed);
                // Each row's taxpayer's first row, then the three sorts fed
                // at once.
                starts.clear();
                let mut fresh_at = fresh.iter().zip(&keyed).peekable();
                for (i, r) in batch.iter().enumerate() {
                    // A fresh row's surname, from the keys computed in
                    // parallel (the name pool is read there, not here);
                    // a row that is not fresh has its taxpayer's previous
                    // row's name, already counted.
                    let surname = fresh_at.next_if(|(&f, _)| f == i).map(|(_, k)| k.2);
                    if tin != Some(r.tin) {
                        count_surnames(&mut surnames, &mut tf);
                        tin = Some(r.tin);
                        start = n_rows;
                        taxpayers += 1;
                    }
                    starts.push(start);
                    out.push(IndexRow {
                        tin: r.tin,
                        dob: r.dob,
                        name: r.name,
                        addr: r.addr,
                        year: r.year,
                        suffix: r.suffix,
                        reserved: 0,
                    });
                    n_rows = n_rows.checked_add(1).ok_or_else(|| IndexError::Corrupt {
                        path: dir.join(super::INDEX_FILE),
                        why: "more rows than an index can number",
                    })?;
                    surnames.extend(surname);
                }
                let (fed_addrs, (fed_blocks, fed_streets)) = rayon::join(
                    || -> std::io::Result<()> {
                        for (r, &start) in batch.iter().zip(&starts) {
                            addr_tins.push(AddrTin {
                                addr: r.addr,
                                start,
                            })?;
                        }
                        Ok(())
                    },
                    || {
                        rayon::join(
                            || -> std::io::Result<()> {
                                for (&i, (bk, _, _)) in fresh.iter().zip(&keyed) {
                                    for &key in bk.iter().flatten() {
                                        blocks.push(KeyVal {
                                            key,
                                            val: starts[i],
                                            reserved: 0,
                                        })?;
                                    }
                                }
                                Ok(())
                            },
                            || -> std::io::Result<()> {
                                for (&i, (_, street, _)) in fresh.iter().zip(&keyed) {
                                    if let Some(key) = *street {
                                        streets.push(KeyVal {
                                            key,
                                            val: batch[i].tin,
                                            reserved: 0,
                                        })?;
                                    }
                                }
                                Ok(())
                            },
                        )
                    },
                );
                fed_addrs.map_err(&e)?;
                fed_blocks.map_err(&e)?;
                fed_streets.map_err(&e)?;
                w.records(&out)?;
                out.clear();
            }
            count_surnames(&mut surnames, &mut tf);
            w.records(&out)?;
            w.end()?;
        }
        w.section(Tag::SurnameTins, &tf)?;
        drop(names);
        drop(tokens);
        drop(tf);

        lap(&mut report, "rows");
        // Pass 4: the derived tables.
        {
            let mut starts = vec![0u32; n_addrs + 1];
            let mut m = addr_tins.finish().map_err(&e)?;
            report.spilled_bytes += m.spilled_bytes();
            w.begin(Tag::AddrTins)?;
            let mut out: Vec<u32> = Vec::with_capacity(4096);
            while let Some(x) = m.next().map_err(&e)? {
                if let Some(s) = starts.get_mut(x.addr as usize + 1) {
                    *s += 1;
                }
                out.push(x.start);
                if out.len() == out.capacity() {
                    w.records(&out)?;
                    out.clear();
                }
            }
            w.records(&out)?;
            w.end()?;
            for i in 1..starts.len() {
                starts[i] += starts[i - 1];
            }
            w.section(Tag::AddrTinStarts, &starts)?;
        }
        let (n_blocks, spilled) =
            key_val_sections(&mut w, blocks, Tag::BlockKeys, Tag::BlockStarts, &work, &e)?;
        report.spilled_bytes += spilled;
        let mut dir_blocks = DirectoryBuilder::new(n_blocks);
        let mut keys: Vec<u64> = Vec::new();
        for from in (0..n_blocks).step_by(READ_BACK_ROWS) {
            w.read_back(Tag::BlockKeys, from, &mut keys, READ_BACK_ROWS)?;
            keys.iter().for_each(|&k| dir_blocks.add(k));
        }
        drop(keys);
        let dir_blocks = dir_blocks.finish();
        w.section(Tag::BlockDir, &dir_blocks.starts)?;
        report.spilled_bytes += street_sections(&mut w, streets, &work, &e)?;
        unreadable.par_sort_unstable();
        unreadable.dedup();
        w.section(Tag::Unreadable, &unreadable)?;
        drop(unreadable);
        hidden.par_sort_unstable();
        hidden.dedup();
        w.section(Tag::Hidden, &hidden)?;
        drop(hidden);
        w.section(
            Tag::Meta,
            &[
                taxpayers,
                unkeyable,
                u64::from(dir_blocks.bits),
                u64::from(dir_addrs.bits),
            ],
        )?;
        let done = w.finish()?;
        lap(&mut report, "derived tables");
        let mut ix = done.open()?;
        lap(&mut report, "check");
        ix.model = super::estimate_u(&ix, super::U_PAIRS_MAX);
        lap(&mut report, "sample u");
        if let Some(old) = previous_model {
            ix.model = carried_model(old, std::mem::take(&mut ix.model));
        }
        super::file::save_model(&ix.model, dir)?;
        done.persist()?;
        Ok((ix, report))
    }
}

/// The model of an extended index: a trained model keeps its m and
/// settings with the new u and taxpayer count (and a new derived
/// version); the shipped priors stay the shipped priors, with the
/// settings they had.
fn carried_model(old: Model, fresh: Model) -> Model {
    if old.model_version != crate::MODEL_VERSION || old.em_iterations > 0 {
        let mut m = Model {
            u: fresh.u,
            taxpayers: fresh.taxpayers,
            u_pairs_sampled: fresh.u_pairs_sampled,
            ..old
        };
        crate::model::missing_is_uninformative(&mut m);
        crate::model::no_level_outweighs_the_first(&mut m);
        m.model_version = crate::model::derived_version(&m);
        m
    } else {
        Model {
            tf_share_min: old.tf_share_min,
            swap_weight: old.swap_weight,
            threshold: old.threshold,
            margin: old.margin,
            ..fresh
        }
    }
}

/// Adds one taxpayer's distinct surname tokens to the counts.
fn count_surnames(surnames: &mut Vec<u32>, tf: &mut [u32]) {
    surnames.sort_unstable();
    surnames.dedup();
    for &t in surnames.iter() {
        if let Some(x) = tf.get_mut(t as usize) {
            *x += 1;
        }
    }
    surnames.clear();
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> IndexError + '_ {
    move |e| IndexError::Io {
        path: path.to_path_buf(),
        why: e.to_string(),
    }
}

/// Writes a merged key/value stream as two parallel sections (the values
/// spooled to an unnamed file meanwhile); returns the records written and
/// the bytes the sort spilled.
fn key_val_sections(
    w: &mut Writer,
    s: Sorter<KeyVal>,
    keys: Tag,
    vals: Tag,
    work: &Path,
    e: &dyn Fn(std::io::Error) -> IndexError,
) -> Result<(usize, u64), IndexError> {
    let mut m = s.finish().map_err(e)?;
    let spilled = m.spilled_bytes();
    let mut spool = Spool::new(work).map_err(e)?;
    w.begin(keys)?;
    let mut out: Vec<u64> = Vec::with_capacity(4096);
    let mut n = 0usize;
    while let Some(x) = m.next().map_err(e)? {
        out.push(x.key);
        spool.push(x.val).map_err(e)?;
        n += 1;
        if out.len() == out.capacity() {
            w.records(&out)?;
            out.clear();
        }
    }
    w.records(&out)?;
    w.end()?;
    spool.copy_into(w, vals).map_err(e)?.map(|_| (n, spilled))
}

/// The street spellings: distinct taxpayers per (ZIP5, spelling) key,
/// capped, as keys and counts; returns the bytes the sort spilled.
fn street_sections(
    w: &mut Writer,
    s: Sorter<KeyVal>,
    work: &Path,
    e: &dyn Fn(std::io::Error) -> IndexError,
) -> Result<u64, IndexError> {
    let mut m = s.finish().map_err(e)?;
    let spilled = m.spilled_bytes();
    let mut counts: Vec<u8> = Vec::new();
    let mut spill = tempfile::tempfile_in(work).map_err(e)?;
    w.begin(Tag::StreetKeys)?;
    let mut run: Option<(u64, usize)> = None;
    let mut flush =
        |w: &mut Writer, counts: &mut Vec<u8>, key: u64, n: usize| -> Result<(), IndexError> {
            w.records(&[key])?;
            counts.push(n.min(STREET_TINS_CAP) as u8);
            if counts.len() >= 1 << 20 {
                std::io::Write::write_all(&mut spill, counts).map_err(e)?;
                counts.clear();
            }
            Ok(())
        };
    while let Some(x) = m.next().map_err(e)? {
        run = match run {
            Some((k, n)) if k == x.key => Some((k, n + 1)),
            Some((k, n)) => {
                flush(w, &mut counts, k, n)?;
                Some((x.key, 1))
            }
            None => Some((x.key, 1)),
        };
    }
    if let Some((k, n)) = run {
        flush(w, &mut counts, k, n)?;
    }
    w.end()?;
    std::io::Write::write_all(&mut spill, &counts).map_err(e)?;
    drop(counts);
    let spool = Spool::from_file(spill).map_err(e)?;
    spool
        .copy_into(w, Tag::StreetCounts)
        .map_err(e)?
        .map(|_| spilled)
}

/// Values written aside while their keys are being written.
struct Spool {
    w: std::io::BufWriter<std::fs::File>,
}

impl Spool {
    fn new(work: &Path) -> std::io::Result<Spool> {
        Ok(Spool {
            w: std::io::BufWriter::with_capacity(1 << 20, tempfile::tempfile_in(work)?),
        })
    }

    fn from_file(f: std::fs::File) -> std::io::Result<Spool> {
        Ok(Spool {
            w: std::io::BufWriter::with_capacity(1 << 20, f),
        })
    }

    fn push(&mut self, v: u32) -> std::io::Result<()> {
        std::io::Write::write_all(&mut self.w, &v.to_le_bytes())
    }

    /// Copies what was spooled into a new section of `w`.
    fn copy_into(self, w: &mut Writer, tag: Tag) -> std::io::Result<Result<(), IndexError>> {
        use std::io::{Read, Seek};
        let mut f = self.w.into_inner().map_err(|e| e.into_error())?;
        f.seek(std::io::SeekFrom::Start(0))?;
        if let Err(x) = w.begin(tag) {
            return Ok(Err(x));
        }
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            if let Err(x) = w.put(&buf[..n]) {
                return Ok(Err(x));
            }
        }
        Ok(w.end())
    }
}

/// What blocking takes of each token that is some name's first given name
/// or paternal surname, computed once per token: its primary phonetic code
/// and its nickname class's initial.
struct TokenBlocking {
    /// Per token id: the code's place in `pool` and length, and the
    /// initial (0: none).
    at: Vec<(u32, u8, u8)>,
    pool: Vec<u8>,
}

impl TokenBlocking {
    fn of(names: &NameDict, tokens: &Dict) -> TokenBlocking {
        let mut wanted = vec![false; tokens.len()];
        for id in 0..names.len() as u32 {
            let (first, paternal) = first_and_paternal(names.entry(id));
            for t in [first, paternal].into_iter().flatten() {
                if let Some(w) = wanted.get_mut(t as usize) {
                    *w = true;
                }
            }
        }
        let ids: Vec<u32> = (0..tokens.len() as u32)
            .filter(|&t| wanted[t as usize])
            .collect();
        drop(wanted);
        let computed: Vec<(String, u8)> = ids
            .par_iter()
            .map(|&t| {
                let token = std::str::from_utf8(tokens.get(t)).unwrap_or("");
                let code = vouch_normalize::phonetic_primary(token);
                (code, crate::keys::given_initial(token).unwrap_or(0))
            })
            .collect();
        let mut at = vec![(0u32, 0u8, 0u8); tokens.len()];
        let mut pool = Vec::new();
        for (&t, (code, initial)) in ids.iter().zip(computed) {
            // Codes are at most four letters (`PHONETIC_CODE_CHARS_MAX`).
            let len = code.len().min(usize::from(u8::MAX)) as u8;
            at[t as usize] = (pool.len() as u32, len, initial);
            pool.extend_from_slice(&code.as_bytes()[..usize::from(len)]);
        }
        TokenBlocking { at, pool }
    }

    /// A token's primary phonetic code ("" for none).
    fn code(&self, t: Option<u32>) -> &str {
        let Some(&(from, len, _)) = t.and_then(|t| self.at.get(t as usize)) else {
            return "";
        };
        let from = from as usize;
        self.pool
            .get(from..from + usize::from(len))
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// A first given name's initial (for blocking) and primary phonetic code.
    fn given(&self, t: Option<u32>) -> (Option<u8>, &str) {
        let initial = t
            .and_then(|t| self.at.get(t as usize))
            .and_then(|&(_, _, i)| (i != 0).then_some(i));
        (initial, self.code(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::block_keys;

    #[test]
    fn blocking_from_the_token_tables_gives_the_keys_a_query_computes() {
        // Names with and without a first-name field, particles, double
        // surnames, nicknames and an empty surname.
        let names = [
            ("Bill", "", "Smith", ""),
            ("", "Alan", "Garcia Lopez", ""),
            ("Pepe", "Luis", "de la Cruz", "Jr"),
            ("Maria Jose", "", "Nguyen", ""),
            ("Zoe", "", "", ""),
            ("", "", "O'Brien", ""),
        ];
        let mut b = IndexBuilder::new();
        let ids: Vec<u32> = names
            .iter()
            .map(|&(f, m, l, s)| {
                let mut text = String::new();
                let counts = pack_tokens(&crate::keys::name(f, m, l, s), &mut text);
                b.intern_name(counts, &text).0
            })
            .collect();
        let blocking = TokenBlocking::of(&b.names, &b.tokens);
        for &id in &ids {
            let name = b.names.name(id, &b.tokens);
            let (first, paternal) = first_and_paternal(b.names.entry(id));
            let (initial, given_code) = blocking.given(first);
            for (dob, zip5) in [(0, 78701), (2_450_000, 10001)] {
                assert_eq!(
                    block_keys_of(blocking.code(paternal), initial, given_code, dob, zip5),
                    block_keys(&name, dob, zip5),
                    "name {id}"
                );
            }
        }
    }

    #[test]
    fn a_name_packed_on_a_staging_thread_interns_as_its_tokens() {
        let many = vec!["Al"; 300].join(" ");
        let names = [
            ("Bill", "", "Smith", ""),
            ("Maria Jose", "Guadalupe", "de la Cruz Garcia y Lopez", "Jr"),
            ("", "Alan", "Mc Donald", ""),
            (many.as_str(), "", "Ng", ""),
        ];
        let mut b = IndexBuilder::new();
        for (f, m, l, s) in names {
            let n = crate::keys::name(f, m, l, s);
            let mut text = String::from("stays ahead ");
            let ahead = text.len();
            let counts = pack_name(&n, &mut text).unwrap();
            text.push_str("MAIN|STREET");
            let (id, rest) = b.intern_name(counts, &text[ahead..]);
            // Each group keeps its first 255 tokens, as the index reads them.
            let want = NameTokens::of(&n);
            fn cut(g: &[String]) -> Vec<&str> {
                g.iter().take(255).map(String::as_str).collect()
            }
            let got = b.names.name(id, &b.tokens);
            assert_eq!(got.given, cut(&want.given), "{f}");
            assert_eq!(got.middle, cut(&want.middle), "{f}");
            assert_eq!(got.surnames, cut(&want.surnames), "{f}");
            assert_eq!(got.particles, cut(&want.particles), "{f}");
            let joined = b.tokens.get(b.names.entry(id)[4]);
            assert_eq!(joined, want.surname_joined().as_bytes(), "{f}");
            // What follows the tokens is read as the street spelling.
            assert_eq!(&text[ahead + rest..], "MAIN|STREET", "{f}");
        }
        let unusable = crate::keys::name("", "", "Smith", "");
        let mut text = String::new();
        assert_eq!(pack_name(&unusable, &mut text), None);
        assert!(text.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn any_name_packed_and_interned_reads_back_as_its_tokens(
            fields in proptest::array::uniform4("[ A-Za-z'.,\\-]{0,12}|\\PC{0,12}"),
            street in "[A-Z ]{0,8}",
        ) {
            let [f, m, l, x] = &fields;
            let n = crate::keys::name(f, m, l, x);
            let mut text = String::new();
            let counts = pack_tokens(&n, &mut text);
            text.push_str(&street);
            let mut b = IndexBuilder::new();
            let (id, rest) = b.intern_name(counts, &text);
            let want = NameTokens::of(&n);
            let got = b.names.name(id, &b.tokens);
            proptest::prop_assert_eq!(&got.given, &want.given);
            proptest::prop_assert_eq!(&got.middle, &want.middle);
            proptest::prop_assert_eq!(&got.surnames, &want.surnames);
            proptest::prop_assert_eq!(&got.particles, &want.particles);
            proptest::prop_assert_eq!(&text[rest..], street.as_str());
        }
    }
}
