//! The index file and the model file beside it.
//!
//! `master.idx` (format 6) is laid out to be mapped, not loaded: a 64-byte
//! header (magic, format version, oldest readable version), then sections
//! of fixed-width little-endian records, each starting on a 64-byte
//! boundary (zero bytes between them), then a section table (per section:
//! tag, record width, offset, length, digest) and a footer (where the table
//! is, how many entries, the SHA-256 of the header and the table, closing
//! magic). A section's digest is the SHA-256 of the SHA-256s of its 16 MiB
//! chunks, so that opening checks every byte on every core. Tables are
//! viewed in place ([`super::table::Table`]); after the checks the pages are
//! released, and resident memory is what lookups touch.
//!
//! `model.json`: `{"sha256": ..., "model": {...}}`, the digest taken over
//! the model's own JSON. Both files are written to a temporary file,
//! synced and renamed, never written in place. This module does not
//! interpret the tables beyond their shape.

use super::table::{Backing, Table};
use super::{IndexError, MasterIndex};
use crate::model::Model;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

const MAGIC: &[u8; 8] = b"VOUCHIDX";
const MAGIC_END: &[u8; 8] = b"XDIHCUOV";
/// The format this code writes (3: interned names, blocks, model beside;
/// 4: delivery points and street spellings, unreadable returns kept;
/// 5: what can be read of unreadable returns, for hidden namesakes;
/// 6: laid out to be mapped, every derived table kept, per-chunk digests;
/// 7: each address's city key, to bridge a ZIP keyed one digit off;
/// 8: the keys hashed with XXH3, not SHA-256, see `keys`).
/// Older indexes are refused with a message to rebuild them: an index is
/// derived from master.csv, and rebuilding it is the migration.
pub const FORMAT_VERSION: u32 = 8;
const HEADER_BYTES: usize = 64;
const ENTRY_BYTES: usize = 4 + 4 + 8 + 8 + 32;
const FOOTER_BYTES: usize = 8 + 4 + 4 + 32 + 8;
const ALIGN: u64 = 64;
const CHUNK_BYTES: usize = 16 << 20;
/// The file name inside an index directory.
pub const INDEX_FILE: &str = "master.idx";
/// The model file beside the index.
pub const MODEL_FILE: &str = "model.json";
/// A model file larger than this is not a model.
const MODEL_FILE_BYTES_MAX: u64 = 1 << 20;

/// The sections of an index file.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub(crate) enum Tag {
    Rows = 1,
    Addrs = 2,
    TokenBytes = 3,
    TokenOffsets = 4,
    NamePool = 5,
    NameOffsets = 6,
    AddrTinStarts = 7,
    AddrTins = 8,
    BlockKeys = 9,
    BlockStarts = 10,
    SurnameTins = 11,
    Meta = 12,
    PointKeys = 13,
    PointIds = 14,
    StreetKeys = 15,
    StreetCounts = 16,
    Unreadable = 17,
    Hidden = 18,
    BlockDir = 19,
    AddrDir = 20,
    Codes = 21,
    AddrCities = 22,
}

const TAGS: [Tag; 22] = [
    Tag::Rows,
    Tag::Addrs,
    Tag::TokenBytes,
    Tag::TokenOffsets,
    Tag::NamePool,
    Tag::NameOffsets,
    Tag::AddrTinStarts,
    Tag::AddrTins,
    Tag::BlockKeys,
    Tag::BlockStarts,
    Tag::SurnameTins,
    Tag::Meta,
    Tag::PointKeys,
    Tag::PointIds,
    Tag::StreetKeys,
    Tag::StreetCounts,
    Tag::Unreadable,
    Tag::Hidden,
    Tag::BlockDir,
    Tag::AddrDir,
    Tag::Codes,
    Tag::AddrCities,
];

impl Tag {
    /// Bytes of one record of this section.
    pub(crate) fn unit(self) -> usize {
        match self {
            Tag::Rows => size_of::<super::IndexRow>(),
            Tag::Addrs => size_of::<super::AddrRec>(),
            Tag::Hidden => size_of::<super::Hidden>(),
            Tag::TokenBytes | Tag::StreetCounts => 1,
            Tag::BlockKeys
            | Tag::PointKeys
            | Tag::StreetKeys
            | Tag::Unreadable
            | Tag::Meta
            | Tag::Codes => 8,
            _ => 4,
        }
    }
}

/// The meta section: taxpayers, unkeyable rows, and the two directories'
/// bucket bits.
pub(crate) const META_WORDS: usize = 4;

/// A section's digest, computed as it is written.
struct ChunkHasher {
    outer: Sha256,
    chunk: Sha256,
    in_chunk: usize,
}

impl ChunkHasher {
    fn new() -> ChunkHasher {
        ChunkHasher {
            outer: Sha256::new(),
            chunk: Sha256::new(),
            in_chunk: 0,
        }
    }

    fn update(&mut self, mut b: &[u8]) {
        while !b.is_empty() {
            let n = b.len().min(CHUNK_BYTES - self.in_chunk);
            self.chunk.update(&b[..n]);
            self.in_chunk += n;
            b = &b[n..];
            if self.in_chunk == CHUNK_BYTES {
                let d = std::mem::take(&mut self.chunk).finalize();
                self.outer.update(d);
                self.in_chunk = 0;
            }
        }
    }

    fn finish(mut self) -> [u8; 32] {
        if self.in_chunk > 0 {
            let d = self.chunk.finalize();
            self.outer.update(d);
        }
        self.outer.finalize().into()
    }
}

/// The digest of a section's bytes ([`ChunkHasher`] in one go), the
/// section at byte `at` of the file: each chunk's pages are released
/// once hashed.
fn section_digest(b: &[u8], at: usize, release: &(dyn Fn(usize, usize) + Sync)) -> [u8; 32] {
    let chunks: Vec<[u8; 32]> = b
        .par_chunks(CHUNK_BYTES)
        .enumerate()
        .map(|(i, c)| {
            let d = Sha256::digest(c).into();
            release(at + i * CHUNK_BYTES, c.len());
            d
        })
        .collect();
    let mut outer = Sha256::new();
    for c in chunks {
        outer.update(c);
    }
    outer.finalize().into()
}

/// Writes an index file section by section, streaming: nothing is held
/// but the section table and a few buffers. The bytes are hashed and
/// written by a thread of its own ([`write_loop`]) while the build goes on
/// with its next records: hashing and copying into the page cache were
/// the build's later passes' longest sequential step.
pub(crate) struct Writer {
    tmp: tempfile::NamedTempFile,
    /// To the writing thread; `None` once it is done.
    tx: Option<SyncSender<Msg>>,
    /// Buffers the writing thread is done with, to fill again.
    free: Receiver<Vec<u8>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<Vec<[u8; 32]>>>>,
    /// Bytes not yet handed to the writing thread.
    buf: Vec<u8>,
    pos: u64,
    /// The sections ended, in order: tag, offset, length (their digests
    /// come from the writing thread, in the same order).
    sections: Vec<(Tag, u64, u64)>,
    open: Option<(Tag, u64)>,
    path: PathBuf,
}

/// Bytes handed to the writing thread at a time.
const WRITE_BUFFER_BYTES: usize = 4 << 20;
/// Buffers in flight to the writing thread, at most.
const WRITE_BUFFERS_AHEAD: usize = 4;

/// What the writing thread is told, in file order.
enum Msg {
    /// Bytes to append (hashed into the open section, if any).
    Bytes(Vec<u8>),
    /// A section starts.
    Begin,
    /// The open section ends: its digest is kept.
    End,
    /// Answer once everything before is written.
    Flush(SyncSender<()>),
}

/// The writing thread: appends, hashes each section's bytes as they go
/// (see [`ChunkHasher`]), returns the buffers; gives the sections'
/// digests in order, or the first error (it then stops, and the builder's
/// next message fails).
fn write_loop<W: Write>(
    mut file: W,
    rx: Receiver<Msg>,
    free: SyncSender<Vec<u8>>,
) -> std::io::Result<Vec<[u8; 32]>> {
    let mut digests = Vec::new();
    let mut open: Option<ChunkHasher> = None;
    for msg in rx {
        match msg {
            Msg::Bytes(mut b) => {
                if let Some(h) = &mut open {
                    h.update(&b);
                }
                file.write_all(&b)?;
                b.clear();
                // A full pool: the buffer is dropped.
                let _ = free.try_send(b);
            }
            Msg::Begin => open = Some(ChunkHasher::new()),
            Msg::End => {
                if let Some(h) = open.take() {
                    digests.push(h.finish());
                }
            }
            Msg::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
    Ok(digests)
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> IndexError {
    let path = path.to_path_buf();
    move |e| IndexError::Io {
        path: path.clone(),
        why: e.to_string(),
    }
}

impl Writer {
    /// A new index file in `dir` (a temporary file until [`Writer::finish`]).
    pub(crate) fn create(dir: &Path) -> Result<Writer, IndexError> {
        let path = dir.join(INDEX_FILE);
        let io = io_err(&path);
        std::fs::create_dir_all(dir).map_err(&io)?;
        let tmp = tempfile::Builder::new()
            .prefix(".tmp-index-")
            .tempfile_in(dir)
            .map_err(&io)?;
        let file = tmp.as_file().try_clone().map_err(&io)?;
        let (tx, rx) = sync_channel(WRITE_BUFFERS_AHEAD);
        let (give, free) = sync_channel(WRITE_BUFFERS_AHEAD + 1);
        let thread = std::thread::Builder::new()
            .name("vouch-index-write".into())
            .spawn(move || write_loop(file, rx, give))
            .map_err(&io)?;
        let mut w = Writer {
            tmp,
            tx: Some(tx),
            free,
            thread: Some(thread),
            buf: Vec::with_capacity(WRITE_BUFFER_BYTES),
            pos: 0,
            sections: Vec::new(),
            open: None,
            path,
        };
        let mut header = [0u8; HEADER_BYTES];
        header[..8].copy_from_slice(MAGIC);
        header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        header[12..16].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        w.raw(&header)?;
        Ok(w)
    }

    /// Hands a message to the writing thread; if it has stopped, its
    /// error.
    fn send(&mut self, msg: Msg) -> Result<(), IndexError> {
        let sent = match &self.tx {
            Some(tx) => tx.send(msg).is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            self.join().map(|_| ())?;
            Err(self.stopped())
        }
    }

    fn stopped(&self) -> IndexError {
        IndexError::Io {
            path: self.path.clone(),
            why: "the index file's writing thread stopped".into(),
        }
    }

    /// Waits for the writing thread to end: the sections' digests.
    fn join(&mut self) -> Result<Vec<[u8; 32]>, IndexError> {
        self.tx = None;
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(Ok(digests))) => Ok(digests),
            Some(Ok(Err(e))) => Err(io_err(&self.path)(e)),
            Some(Err(_)) | None => Err(self.stopped()),
        }
    }

    /// Hands the bytes gathered so far to the writing thread.
    fn send_buffered(&mut self) -> Result<(), IndexError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let next = self
            .free
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(WRITE_BUFFER_BYTES));
        let full = std::mem::replace(&mut self.buf, next);
        self.send(Msg::Bytes(full))
    }

    fn raw(&mut self, mut b: &[u8]) -> Result<(), IndexError> {
        self.pos += b.len() as u64;
        while !b.is_empty() {
            let n = b.len().min(WRITE_BUFFER_BYTES - self.buf.len());
            self.buf.extend_from_slice(&b[..n]);
            b = &b[n..];
            if self.buf.len() >= WRITE_BUFFER_BYTES {
                self.send_buffered()?;
            }
        }
        Ok(())
    }

    /// Starts a section (on a 64-byte boundary).
    pub(crate) fn begin(&mut self, tag: Tag) -> Result<(), IndexError> {
        self.end()?;
        let pad = (ALIGN - self.pos % ALIGN) % ALIGN;
        self.raw(&[0u8; ALIGN as usize][..pad as usize])?;
        self.send_buffered()?;
        self.send(Msg::Begin)?;
        self.open = Some((tag, self.pos));
        Ok(())
    }

    /// Appends bytes to the open section.
    pub(crate) fn put(&mut self, b: &[u8]) -> Result<(), IndexError> {
        self.raw(b)
    }

    /// Appends records to the open section.
    pub(crate) fn records<T: bytemuck::Pod>(&mut self, r: &[T]) -> Result<(), IndexError> {
        self.put(bytemuck::cast_slice(r))
    }

    /// Ends the open section, if any.
    pub(crate) fn end(&mut self) -> Result<(), IndexError> {
        if let Some((tag, offset)) = self.open.take() {
            self.send_buffered()?;
            self.send(Msg::End)?;
            self.sections.push((tag, offset, self.pos - offset));
        }
        Ok(())
    }

    /// A whole section of records.
    pub(crate) fn section<T: bytemuck::Pod>(
        &mut self,
        tag: Tag,
        r: &[T],
    ) -> Result<(), IndexError> {
        self.begin(tag)?;
        for c in r.chunks((1 << 20) / size_of::<T>().max(1)) {
            self.records(c)?;
        }
        self.end()
    }

    /// Reads back `len` records from byte `from` of a section already
    /// written (the build's later passes), into `out`.
    pub(crate) fn read_back<T: bytemuck::Pod>(
        &mut self,
        tag: Tag,
        from: usize,
        out: &mut Vec<T>,
        len: usize,
    ) -> Result<(), IndexError> {
        let io = io_err(&self.path);
        let &(_, offset, bytes) =
            self.sections
                .iter()
                .find(|(t, _, _)| *t == tag)
                .ok_or(IndexError::Corrupt {
                    path: self.path.clone(),
                    why: "section read back before it was written",
                })?;
        // Everything before is in the file once the writing thread answers.
        self.send_buffered()?;
        let (done, wait) = sync_channel(1);
        self.send(Msg::Flush(done))?;
        if wait.recv().is_err() {
            self.join().map(|_| ())?;
            return Err(self.stopped());
        }
        let at = offset + (from * size_of::<T>()) as u64;
        let avail = ((bytes as usize) / size_of::<T>()).saturating_sub(from);
        out.clear();
        out.resize(len.min(avail), T::zeroed());
        self.tmp
            .as_file()
            .read_exact_at(bytemuck::cast_slice_mut(out), at)
            .map_err(&io)
    }

    /// Writes the section table and the footer and syncs the file; it
    /// stays temporary until [`Finished::persist`].
    pub(crate) fn finish(mut self) -> Result<Finished, IndexError> {
        self.end()?;
        let table_at = self.pos;
        self.send_buffered()?;
        let digests = self.join()?;
        if digests.len() != self.sections.len() {
            return Err(self.stopped());
        }
        let mut table = Vec::with_capacity(self.sections.len() * ENTRY_BYTES);
        for (&(tag, offset, len), digest) in self.sections.iter().zip(&digests) {
            table.extend_from_slice(&(tag as u32).to_le_bytes());
            table.extend_from_slice(&(tag.unit() as u32).to_le_bytes());
            table.extend_from_slice(&offset.to_le_bytes());
            table.extend_from_slice(&len.to_le_bytes());
            table.extend_from_slice(digest);
        }
        let mut header = [0u8; HEADER_BYTES];
        header[..8].copy_from_slice(MAGIC);
        header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        header[12..16].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        let digest = Sha256::new()
            .chain_update(header)
            .chain_update(&table)
            .finalize();
        let mut footer = Vec::with_capacity(FOOTER_BYTES);
        footer.extend_from_slice(&table_at.to_le_bytes());
        footer.extend_from_slice(&(self.sections.len() as u32).to_le_bytes());
        footer.extend_from_slice(&[0u8; 4]);
        footer.extend_from_slice(&digest);
        footer.extend_from_slice(MAGIC_END);
        // The writing thread is done: the table and footer go after its
        // bytes, from this thread.
        let io = io_err(&self.path);
        let f = self.tmp.as_file();
        f.write_all_at(&table, table_at).map_err(&io)?;
        f.write_all_at(&footer, table_at + table.len() as u64)
            .map_err(&io)?;
        f.sync_all().map_err(&io)?;
        Ok(Finished {
            tmp: self.tmp,
            path: self.path,
        })
    }
}

/// A complete, synced index file not yet in its place.
pub(crate) struct Finished {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl Finished {
    /// Maps the file where it is and checks its structure; its digests
    /// were computed from these very bytes as they were written, so they
    /// are not computed again (every later load checks them).
    pub(crate) fn open(&self) -> Result<MasterIndex, IndexError> {
        map(&self.path, self.tmp.as_file(), Digests::Written)
    }

    /// Renames the file into place and syncs the directory.
    pub(crate) fn persist(self) -> Result<PathBuf, IndexError> {
        let io = io_err(&self.path);
        self.tmp.persist(&self.path).map_err(|e| io(e.error))?;
        if let Some(dir) = self.path.parent() {
            File::open(dir).and_then(|d| d.sync_all()).map_err(&io)?;
        }
        Ok(self.path)
    }
}

pub(crate) fn write_atomic(
    dir: &Path,
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), IndexError> {
    let io = io_err(path);
    std::fs::create_dir_all(dir).map_err(&io)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-index-")
        .tempfile_in(dir)
        .map_err(&io)?;
    {
        let mut w = BufWriter::with_capacity(1 << 22, tmp.as_file_mut());
        write(&mut w).map_err(&io)?;
        w.flush().map_err(&io)?;
    }
    tmp.as_file().sync_all().map_err(&io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    File::open(dir).and_then(|d| d.sync_all()).map_err(io)
}

/// Writes every table of `ix` as an index file in `dir` (not yet renamed
/// into place).
pub(super) fn write_index(ix: &MasterIndex, dir: &Path) -> Result<Finished, IndexError> {
    let mut w = Writer::create(dir)?;
    w.section(Tag::Rows, &ix.rows)?;
    w.section(Tag::Addrs, &ix.addrs)?;
    w.section(Tag::AddrCities, &ix.addr_cities)?;
    w.section(Tag::TokenBytes, &ix.tokens.bytes)?;
    w.section(Tag::TokenOffsets, &ix.tokens.offsets)?;
    w.section(Tag::NamePool, &ix.names.pool)?;
    w.section(Tag::NameOffsets, &ix.names.offsets)?;
    w.section(Tag::AddrTinStarts, &ix.lookup.addr_tin_starts)?;
    w.section(Tag::AddrTins, &ix.addr_tins)?;
    w.section(Tag::BlockKeys, &ix.block_keys)?;
    w.section(Tag::BlockStarts, &ix.block_starts)?;
    w.section(Tag::SurnameTins, &ix.surname_tins)?;
    w.section(Tag::Meta, &meta(ix))?;
    w.section(Tag::PointKeys, &ix.point_keys)?;
    w.section(Tag::PointIds, &ix.point_ids)?;
    w.section(Tag::StreetKeys, &ix.street_keys)?;
    w.section(Tag::StreetCounts, &ix.street_counts)?;
    w.section(Tag::Unreadable, &ix.unreadable)?;
    w.section(Tag::Hidden, &ix.hidden)?;
    w.section(Tag::BlockDir, &ix.lookup.blocks.starts)?;
    w.section(Tag::AddrDir, &ix.lookup.addrs.starts)?;
    w.section(Tag::Codes, &ix.lookup.codes)?;
    w.finish()
}

/// The meta section of an index.
pub(crate) fn meta(ix: &MasterIndex) -> [u64; META_WORDS] {
    [
        ix.taxpayers,
        ix.unkeyable,
        u64::from(ix.lookup.blocks.bits),
        u64::from(ix.lookup.addrs.bits),
    ]
}

pub(super) fn save(ix: &MasterIndex, dir: &Path) -> Result<PathBuf, IndexError> {
    let f = write_index(ix, dir)?;
    save_model(&ix.model, dir)?;
    f.persist()
}

/// Writes `model.json` into `dir` atomically.
pub(crate) fn save_model(model: &Model, dir: &Path) -> Result<(), IndexError> {
    let body = model_bytes(model);
    write_atomic(dir, &dir.join(MODEL_FILE), |w| w.write_all(&body))
}

fn model_bytes(model: &Model) -> Vec<u8> {
    let inner = serde_json::to_vec(model).unwrap_or_default();
    let digest = hex(&Sha256::digest(&inner));
    let wrapper = serde_json::json!({ "sha256": digest, "model": model });
    serde_json::to_vec_pretty(&wrapper).unwrap_or_default()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[derive(serde::Deserialize)]
struct ModelFile {
    sha256: String,
    model: Model,
}

pub(super) fn load(dir: &Path) -> Result<MasterIndex, IndexError> {
    let path = dir.join(INDEX_FILE);
    let file = File::open(&path).map_err(io_err(&path))?;
    let mut ix = map(&path, &file, Digests::Check)?;
    ix.model = load_model(&dir.join(MODEL_FILE))?;
    Ok(ix)
}

/// Whether opening an index hashes its sections.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Digests {
    /// Hash every section and compare with the section table.
    Check,
    /// The file was just written by this process, digests computed from
    /// the bytes as they went out.
    Written,
}

/// Maps an index file read-only and checks it.
fn map(path: &Path, file: &File, digests: Digests) -> Result<MasterIndex, IndexError> {
    let io = io_err(path);
    let len = file.metadata().map_err(&io)?.len();
    if len < (HEADER_BYTES + FOOTER_BYTES) as u64 {
        // Too short to map usefully: read it, so a foreign file is named.
        let mut b = vec![0u8; len as usize];
        file.read_exact_at(&mut b, 0).map_err(&io)?;
        return parse(path, &b);
    }
    // SAFETY: the mapping is read-only and index files are never written in
    // place (a new index is a new file renamed over the old): the bytes
    // under the mapping do not change while it lives. Every table viewed
    // in it is bounds-, alignment- and digest-checked first.
    let stamp = super::table::Stamp::of(file).map_err(&io)?;
    let m = unsafe { memmap2::Mmap::map(file) }.map_err(&io)?;
    let file = file.try_clone().map_err(&io)?;
    open(path, Arc::new(Backing::Map(m, file, stamp)), digests)
}

pub(crate) fn load_model(path: &Path) -> Result<Model, IndexError> {
    let io = io_err(path);
    let corrupt = |why| IndexError::Corrupt {
        path: path.to_path_buf(),
        why,
    };
    let f = File::open(path).map_err(&io)?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(f, MODEL_FILE_BYTES_MAX + 1),
        &mut bytes,
    )
    .map_err(&io)?;
    if bytes.len() as u64 > MODEL_FILE_BYTES_MAX {
        return Err(corrupt("model file too large"));
    }
    let file: ModelFile =
        serde_json::from_slice(&bytes).map_err(|_| corrupt("model file is not a vouch model"))?;
    let inner =
        serde_json::to_vec(&file.model).map_err(|_| corrupt("model file is not a vouch model"))?;
    if hex(&Sha256::digest(&inner)) != file.sha256 {
        return Err(corrupt("model checksum mismatch"));
    }
    file.model.validate().map_err(corrupt)?;
    if !crate::model::model_version_compatible(&file.model.model_version) {
        return Err(IndexError::ModelVersion {
            path: path.to_path_buf(),
            found: file.model.model_version,
            expected: crate::MODEL_VERSION,
        });
    }
    Ok(file.model)
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn le64(b: &[u8]) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[..8]);
    u64::from_le_bytes(x)
}

/// Checks an index file's bytes (held in memory) and views its tables.
pub(super) fn parse(path: &Path, bytes: &[u8]) -> Result<MasterIndex, IndexError> {
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(IndexError::Foreign {
            path: path.to_path_buf(),
        });
    }
    open(path, Arc::new(Backing::copy_of(bytes)), Digests::Check)
}

/// Where each section lies, from a checked section table.
type Sections = HashMap<u32, (usize, usize)>;

fn open(path: &Path, backing: Arc<Backing>, digests: Digests) -> Result<MasterIndex, IndexError> {
    let corrupt = |why| IndexError::Corrupt {
        path: path.to_path_buf(),
        why,
    };
    let bytes = backing.bytes();
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(IndexError::Foreign {
            path: path.to_path_buf(),
        });
    }
    if bytes.len() < 16 {
        return Err(corrupt("truncated header"));
    }
    let (written, oldest) = (le32(&bytes[8..]), le32(&bytes[12..]));
    if oldest > FORMAT_VERSION || written < FORMAT_VERSION {
        return Err(IndexError::Version {
            path: path.to_path_buf(),
            found: written,
            supported: FORMAT_VERSION,
        });
    }
    if bytes.len() < HEADER_BYTES + FOOTER_BYTES {
        return Err(corrupt("truncated header"));
    }
    let sections =
        section_table(bytes, digests, &|o, l| backing.release_range(o, l)).map_err(corrupt)?;
    let ix = tables(&backing, &sections).map_err(corrupt)?;
    ix.validate().map_err(corrupt)?;
    backing.release();
    Ok(ix)
}

/// Checks the footer, the section table and every section's digest (each
/// chunk's pages released once hashed).
fn section_table(
    bytes: &[u8],
    digests: Digests,
    release: &(dyn Fn(usize, usize) + Sync),
) -> Result<Sections, &'static str> {
    let f = bytes.len() - FOOTER_BYTES;
    if &bytes[f + FOOTER_BYTES - 8..] != MAGIC_END {
        return Err("truncated or missing footer");
    }
    let table_at = usize::try_from(le64(&bytes[f..])).map_err(|_| "section table misplaced")?;
    let count = le32(&bytes[f + 8..]) as usize;
    if bytes[f + 12..f + 16] != [0u8; 4] || bytes[16..HEADER_BYTES].iter().any(|&b| b != 0) {
        return Err("reserved bytes are not zero");
    }
    if table_at < HEADER_BYTES
        || count
            .checked_mul(ENTRY_BYTES)
            .and_then(|n| n.checked_add(table_at))
            != Some(f)
    {
        return Err("section table misplaced");
    }
    let table = &bytes[table_at..f];
    let digest = Sha256::new()
        .chain_update(&bytes[..HEADER_BYTES])
        .chain_update(table)
        .finalize();
    if digest[..] != bytes[f + 16..f + 48] {
        return Err("checksum mismatch");
    }
    let mut out = Sections::new();
    let mut next = HEADER_BYTES;
    let mut wanted = Vec::with_capacity(count);
    for e in table.chunks_exact(ENTRY_BYTES) {
        let (tag, unit) = (le32(e), le32(&e[4..]) as usize);
        let offset = usize::try_from(le64(&e[8..])).map_err(|_| "section misplaced")?;
        let len = usize::try_from(le64(&e[16..])).map_err(|_| "section misplaced")?;
        let known = TAGS
            .iter()
            .find(|t| **t as u32 == tag)
            .ok_or("unknown section")?;
        if unit != known.unit() || len % unit != 0 {
            return Err("section length is not a whole number of records");
        }
        if offset < next || offset % ALIGN as usize != 0 || offset.saturating_add(len) > table_at {
            return Err("section misplaced");
        }
        if bytes[next..offset].iter().any(|&b| b != 0) {
            return Err("bytes between sections are not zero");
        }
        next = offset + len;
        if out.insert(tag, (offset, len)).is_some() {
            return Err("section repeated");
        }
        wanted.push((offset, len, &e[24..56]));
    }
    if bytes[next..table_at].iter().any(|&b| b != 0) {
        return Err("bytes between sections are not zero");
    }
    if TAGS.iter().any(|t| !out.contains_key(&(*t as u32))) {
        return Err("section missing");
    }
    let ok = digests == Digests::Written
        || wanted
            .par_iter()
            .all(|(o, l, d)| section_digest(&bytes[*o..*o + *l], *o, release)[..] == d[..]);
    if !ok {
        return Err("checksum mismatch");
    }
    Ok(out)
}

/// The tables of a checked file, viewed in place.
fn tables(backing: &Arc<Backing>, s: &Sections) -> Result<MasterIndex, &'static str> {
    fn t<T: bytemuck::Pod>(
        backing: &Arc<Backing>,
        s: &Sections,
        tag: Tag,
    ) -> Result<Table<T>, &'static str> {
        let &(offset, len) = s.get(&(tag as u32)).ok_or("section missing")?;
        let bytes = backing
            .bytes()
            .get(offset..offset + len)
            .ok_or("section misplaced")?;
        bytemuck::try_cast_slice::<u8, T>(bytes).map_err(|_| "section misaligned")?;
        Ok(Table::mapped(backing, offset, len / size_of::<T>()))
    }
    let meta: Table<u64> = t(backing, s, Tag::Meta)?;
    if meta.len() != META_WORDS || meta[2] > 32 || meta[3] > 32 {
        return Err("meta section malformed");
    }
    Ok(MasterIndex {
        rows: t(backing, s, Tag::Rows)?,
        addrs: t(backing, s, Tag::Addrs)?,
        addr_cities: t(backing, s, Tag::AddrCities)?,
        tokens: super::Tokens {
            bytes: t(backing, s, Tag::TokenBytes)?,
            offsets: t(backing, s, Tag::TokenOffsets)?,
        },
        names: super::Names {
            pool: t(backing, s, Tag::NamePool)?,
            offsets: t(backing, s, Tag::NameOffsets)?,
        },
        addr_tins: t(backing, s, Tag::AddrTins)?,
        block_keys: t(backing, s, Tag::BlockKeys)?,
        block_starts: t(backing, s, Tag::BlockStarts)?,
        surname_tins: t(backing, s, Tag::SurnameTins)?,
        point_keys: t(backing, s, Tag::PointKeys)?,
        point_ids: t(backing, s, Tag::PointIds)?,
        street_keys: t(backing, s, Tag::StreetKeys)?,
        street_counts: t(backing, s, Tag::StreetCounts)?,
        unreadable: t(backing, s, Tag::Unreadable)?,
        hidden: t(backing, s, Tag::Hidden)?,
        taxpayers: meta[0],
        unkeyable: meta[1],
        model: Model::default(),
        lookup: super::Lookup {
            blocks: super::lookup::Directory {
                bits: meta[2] as u32,
                starts: t(backing, s, Tag::BlockDir)?,
            },
            addrs: super::lookup::Directory {
                bits: meta[3] as u32,
                starts: t(backing, s, Tag::AddrDir)?,
            },
            addr_tin_starts: t(backing, s, Tag::AddrTinStarts)?,
            codes: t(backing, s, Tag::Codes)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic bytes that differ from offset to offset.
    fn noise(n: usize, seed: u64) -> Vec<u8> {
        (0..n as u64)
            .map(|i| (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ seed).to_le_bytes()[7])
            .collect()
    }

    #[test]
    fn a_file_written_by_the_writing_thread_reads_back_and_checks() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Writer::create(dir.path()).unwrap();
        // Every section (the table wants them all); the token bytes span
        // several of the writing thread's buffers and end inside one.
        let big = 2 * WRITE_BUFFER_BYTES + WRITE_BUFFER_BYTES / 3 + 5;
        let mut wrote = HashMap::new();
        for (i, &tag) in TAGS.iter().enumerate() {
            let n = if tag == Tag::TokenBytes {
                big
            } else {
                tag.unit() * (i + 1)
            };
            let b = noise(n, i as u64);
            w.begin(tag).unwrap();
            // In uneven pieces, as the build's batches come.
            for piece in b.chunks(1_000_003) {
                w.put(piece).unwrap();
            }
            w.end().unwrap();
            wrote.insert(tag as u32, b);
        }
        // Read back across a buffer boundary, and at the very end.
        let tokens = &wrote[&(Tag::TokenBytes as u32)];
        let mut back: Vec<u8> = Vec::new();
        for (from, len) in [(WRITE_BUFFER_BYTES - 3, 10), (big - 7, 100), (0, 1)] {
            w.read_back(Tag::TokenBytes, from, &mut back, len).unwrap();
            assert_eq!(back[..], tokens[from..(from + len).min(big)], "from {from}");
        }
        let done = w.finish().unwrap();
        let bytes = std::fs::read(done.tmp.path()).unwrap();
        // The digests the writing thread computed are those of the bytes
        // in the file, section by section.
        let sections = section_table(&bytes, Digests::Check, &|_, _| {}).unwrap();
        for (tag, b) in &wrote {
            let (offset, len) = sections[tag];
            assert_eq!(&bytes[offset..offset + len], &b[..], "section {tag}");
        }
        let mut bad = bytes.clone();
        let (offset, _) = sections[&(Tag::TokenBytes as u32)];
        bad[offset + WRITE_BUFFER_BYTES + 1] ^= 1;
        assert!(section_table(&bad, Digests::Check, &|_, _| {}).is_err());
    }

    /// A sink that takes `left` bytes and then fails, as a full disk does.
    struct Full {
        left: usize,
    }

    impl Write for Full {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            if self.left == 0 {
                return Err(std::io::Error::other("no space left"));
            }
            let n = b.len().min(self.left);
            self.left -= n;
            Ok(n)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failed_write_stops_the_writing_thread_and_the_builder_hears_of_it() {
        let (tx, rx) = sync_channel(1);
        let (give, _free) = sync_channel(8);
        let t = std::thread::spawn(move || write_loop(Full { left: 10 }, rx, give));
        tx.send(Msg::Begin).unwrap();
        tx.send(Msg::Bytes(vec![1; 8])).unwrap();
        tx.send(Msg::Bytes(vec![2; 8])).unwrap();
        let got = t.join().unwrap();
        assert!(got.is_err(), "the failed write is the thread's result");
        assert!(
            tx.send(Msg::End).is_err(),
            "the builder's next message fails"
        );
    }
}
