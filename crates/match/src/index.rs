//! The master index: one fixed-width row per master-file row, sorted by
//! address key, plus a permutation by TIN for each taxpayer's history.
//!
//! On disk: a header (magic, format version, oldest readable version, row
//! count), the rows, the TIN permutation, and a footer with the SHA-256 of
//! everything before it and a closing magic. Written to a temporary file,
//! synced, renamed. Loading checks every one of those, so a truncated,
//! corrupt or foreign file is a clear error and never a wrong answer.

use crate::keys::{address_key, name_parts, suffix_code, AddressKey, NameParts};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use vouch_core::{MasterRecord, Tin};

const MAGIC: &[u8; 8] = b"VOUCHIDX";
const MAGIC_END: &[u8; 8] = b"XDIHCUOV";
/// The format this code writes.
pub const FORMAT_VERSION: u32 = 2;
const HEADER_BYTES: usize = 8 + 4 + 4 + 8 + 8;
const ROW_BYTES: usize = 16 + 5 * 8 + 4 + 4 + 2 + 1;
const FOOTER_BYTES: usize = 32 + 8;
/// The file name inside an index directory.
pub const INDEX_FILE: &str = "master.idx";

/// What went wrong with an index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// The file could not be read or written.
    #[error("index {path}: {why}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        why: String,
    },
    /// The file is not a vouch index.
    #[error("index {path}: not a vouch master index (bad magic)")]
    Foreign {
        /// The file.
        path: PathBuf,
    },
    /// The file was written by an incompatible version.
    #[error("index {path}: format version {found} is not supported (this build reads {supported})")]
    Version {
        /// The file.
        path: PathBuf,
        /// Version found.
        found: u32,
        /// Version supported.
        supported: u32,
    },
    /// The file is truncated or corrupt.
    #[error("index {path}: corrupt: {why}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: &'static str,
    },
}

/// One indexed master row. Keys are hashes; nothing here is readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexRow {
    /// Address key.
    pub addr: AddressKey,
    /// Hashed name parts.
    pub name: NameParts,
    /// TIN as an integer.
    pub tin: u32,
    /// Date of birth as a Julian day number, 0 when unknown.
    pub dob: u32,
    /// Tax year.
    pub year: u16,
    /// Suffix code (0 = none).
    pub suffix: u8,
}

/// Accumulates rows (in parallel batches) and sorts them into an index.
#[derive(Debug, Default)]
pub struct IndexBuilder {
    rows: Vec<IndexRow>,
    unkeyable: u64,
}

impl IndexBuilder {
    /// An empty builder.
    pub fn new() -> IndexBuilder {
        IndexBuilder::default()
    }

    /// Standardises and keys a batch of master rows (in parallel).
    pub fn add_batch(&mut self, batch: &[MasterRecord]) {
        let keyed: Vec<Option<IndexRow>> = batch.par_iter().map(row_of).collect();
        let before = self.rows.len();
        self.rows.extend(keyed.into_iter().flatten());
        self.unkeyable += (batch.len() - (self.rows.len() - before)) as u64;
    }

    /// Rows that could not be keyed (no comparable name or address) so far.
    pub fn unkeyable(&self) -> u64 {
        self.unkeyable
    }

    /// Sorts the rows and builds the TIN permutation.
    pub fn finish(mut self) -> MasterIndex {
        self.rows.par_sort_unstable_by_key(|r| (r.addr, r.tin, r.year));
        let mut by_tin: Vec<u32> = (0..self.rows.len() as u32).collect();
        let rows = &self.rows;
        by_tin.par_sort_unstable_by_key(|&i| (rows[i as usize].tin, rows[i as usize].year));
        MasterIndex { rows: self.rows, by_tin, unkeyable: self.unkeyable }
    }
}

fn row_of(r: &MasterRecord) -> Option<IndexRow> {
    let addr = address_key(&r.street, &r.city, &r.state, &r.zip)?;
    let n = crate::keys::name(&r.first_name, &r.middle_name, &r.last_name, &r.suffix);
    Some(IndexRow {
        addr,
        name: name_parts(&n)?,
        tin: r.tin.as_u32(),
        dob: r.dob.map_or(0, |d| d.to_julian_day() as u32),
        year: r.tax_year,
        suffix: suffix_code(&n),
    })
}

/// The loaded index: read-only, shared by every matching thread.
#[derive(Debug)]
pub struct MasterIndex {
    rows: Vec<IndexRow>,
    by_tin: Vec<u32>,
    unkeyable: u64,
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

    /// Every row at one address.
    pub fn rows_at(&self, addr: AddressKey) -> &[IndexRow] {
        let start = self.rows.partition_point(|r| r.addr < addr);
        let end = start + self.rows[start..].partition_point(|r| r.addr == addr);
        &self.rows[start..end]
    }

    /// Every row of one taxpayer, by tax year.
    pub fn history(&self, tin: Tin) -> impl Iterator<Item = &IndexRow> + '_ {
        let t = tin.as_u32();
        let start = self.by_tin.partition_point(|&i| self.rows[i as usize].tin < t);
        self.by_tin[start..].iter().map(|&i| &self.rows[i as usize]).take_while(move |r| r.tin == t)
    }

    /// Writes the index into `dir` atomically.
    pub fn save(&self, dir: &Path) -> Result<PathBuf, IndexError> {
        let path = dir.join(INDEX_FILE);
        let io = |e: std::io::Error| IndexError::Io { path: path.clone(), why: e.to_string() };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut tmp = tempfile::Builder::new().prefix(".tmp-index-").tempfile_in(dir).map_err(io)?;
        {
            let mut w = HashingWriter { inner: std::io::BufWriter::with_capacity(1 << 22, tmp.as_file_mut()), hasher: Sha256::new() };
            self.write_body(&mut w).map_err(io)?;
            let digest: [u8; 32] = w.hasher.finalize().into();
            w.inner.write_all(&digest).map_err(io)?;
            w.inner.write_all(MAGIC_END).map_err(io)?;
            w.inner.flush().map_err(io)?;
        }
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(&path).map_err(|e| io(e.error))?;
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
        Ok(path)
    }

    fn write_body(&self, w: &mut impl Write) -> std::io::Result<()> {
        w.write_all(MAGIC)?;
        w.write_all(&FORMAT_VERSION.to_le_bytes())?;
        w.write_all(&FORMAT_VERSION.to_le_bytes())?;
        w.write_all(&(self.rows.len() as u64).to_le_bytes())?;
        w.write_all(&self.unkeyable.to_le_bytes())?;
        let mut buf = [0u8; ROW_BYTES];
        for r in &self.rows {
            encode_row(r, &mut buf);
            w.write_all(&buf)?;
        }
        for i in &self.by_tin {
            w.write_all(&i.to_le_bytes())?;
        }
        Ok(())
    }

    /// Loads and checks an index from `dir`.
    pub fn load(dir: &Path) -> Result<MasterIndex, IndexError> {
        let path = dir.join(INDEX_FILE);
        let bytes = std::fs::read(&path).map_err(|e| IndexError::Io { path: path.clone(), why: e.to_string() })?;
        parse(&path, &bytes)
    }
}

fn parse(path: &Path, bytes: &[u8]) -> Result<MasterIndex, IndexError> {
    let corrupt = |why| IndexError::Corrupt { path: path.to_path_buf(), why };
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(IndexError::Foreign { path: path.to_path_buf() });
    }
    if bytes.len() < HEADER_BYTES + FOOTER_BYTES {
        return Err(corrupt("truncated header"));
    }
    let u32_at = |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap_or([0; 8]));
    let oldest_readable = u32_at(12);
    if oldest_readable > FORMAT_VERSION || u32_at(8) < FORMAT_VERSION {
        return Err(IndexError::Version { path: path.to_path_buf(), found: u32_at(8), supported: FORMAT_VERSION });
    }
    let body_end = bytes.len() - FOOTER_BYTES;
    if &bytes[body_end + 32..] != MAGIC_END {
        return Err(corrupt("truncated or missing footer"));
    }
    let digest: [u8; 32] = Sha256::digest(&bytes[..body_end]).into();
    if digest[..] != bytes[body_end..body_end + 32] {
        return Err(corrupt("checksum mismatch"));
    }
    let count = u64_at(16) as usize;
    let unkeyable = u64_at(24);
    let expected = count.checked_mul(ROW_BYTES + 4).and_then(|n| n.checked_add(HEADER_BYTES));
    if expected != Some(body_end) {
        return Err(corrupt("row count does not match file length"));
    }
    let rows_end = HEADER_BYTES + count * ROW_BYTES;
    let rows: Vec<IndexRow> = bytes[HEADER_BYTES..rows_end].par_chunks_exact(ROW_BYTES).map(decode_row).collect();
    let by_tin: Vec<u32> = bytes[rows_end..body_end].par_chunks_exact(4).map(|c| u32_at_slice(c)).collect();
    validate(&rows, &by_tin).map_err(corrupt)?;
    Ok(MasterIndex { rows, by_tin, unkeyable })
}

fn u32_at_slice(c: &[u8]) -> u32 {
    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
}

/// Structural checks a checksum cannot give (a file written by a buggy build).
fn validate(rows: &[IndexRow], by_tin: &[u32]) -> Result<(), &'static str> {
    if !rows.par_windows(2).all(|w| (w[0].addr, w[0].tin, w[0].year) <= (w[1].addr, w[1].tin, w[1].year)) {
        return Err("rows out of order");
    }
    if by_tin.par_iter().any(|&i| i as usize >= rows.len()) {
        return Err("TIN permutation out of range");
    }
    let key = |i: u32| (rows[i as usize].tin, rows[i as usize].year);
    if !by_tin.par_windows(2).all(|w| key(w[0]) <= key(w[1])) {
        return Err("TIN permutation out of order");
    }
    if rows.par_iter().any(|r| Tin::from_u32(r.tin).is_none()) {
        return Err("TIN out of range");
    }
    Ok(())
}

fn encode_row(r: &IndexRow, buf: &mut [u8; ROW_BYTES]) {
    buf[0..16].copy_from_slice(&r.addr.to_le_bytes());
    let n = &r.name;
    for (i, part) in [n.given_first, n.given_joined, n.given_nick, n.surname_full, n.surname_paternal].into_iter().enumerate() {
        buf[16 + 8 * i..24 + 8 * i].copy_from_slice(&part.to_le_bytes());
    }
    buf[56..60].copy_from_slice(&r.tin.to_le_bytes());
    buf[60..64].copy_from_slice(&r.dob.to_le_bytes());
    buf[64..66].copy_from_slice(&r.year.to_le_bytes());
    buf[66] = r.suffix;
}

fn decode_row(b: &[u8]) -> IndexRow {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[0..16]);
    let u64_at = |o: usize| {
        let mut x = [0u8; 8];
        x.copy_from_slice(&b[o..o + 8]);
        u64::from_le_bytes(x)
    };
    IndexRow {
        addr: u128::from_le_bytes(a),
        name: NameParts {
            given_first: u64_at(16),
            given_joined: u64_at(24),
            given_nick: u64_at(32),
            surname_full: u64_at(40),
            surname_paternal: u64_at(48),
        },
        tin: u32_at_slice(&b[56..60]),
        dob: u32_at_slice(&b[60..64]),
        year: u16::from_le_bytes([b[64], b[65]]),
        suffix: b[66],
    }
}

struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests;
