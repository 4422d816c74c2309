//! File storage of the ledger in one directory:
//!
//! - `leaves.dat`: 8-byte magic, then framed leaf records, append-only;
//! - `leaves.idx`: 8-byte magic, then one u64 BE per acknowledged leaf: the
//!   byte offset where its record ends. An entry is written only after the
//!   records it covers are fsync'd, so the index is the commit marker;
//! - `checkpoints.dat`: 8-byte magic, then framed notes; rewritten whole
//!   through a synced temporary file and a rename, so it is never torn.
//!
//! Opening recovers: bytes after the last acknowledged record that do not form
//! whole valid records (a torn write) are truncated; whole valid records there
//! (synced, crash before the index) are kept and indexed. Any damage inside
//! acknowledged data is an error naming the record and byte offset, never
//! silently dropped. Deliberately single-writer: the leaf file is locked.

use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use super::frame::{self, Frame, FRAME_OVERHEAD};
use super::{CheckpointStore, LeafStore, PackedLeaves, RECORD_BYTES_MAX};
use crate::error::StoreError;

const LEAVES_MAGIC: &[u8; 8] = b"VLLEAF01";
const INDEX_MAGIC: &[u8; 8] = b"VLIDX001";
const CHECKPOINTS_MAGIC: &[u8; 8] = b"VLCKPT01";
const HEADER_LEN: u64 = 8;
/// Limit on the checkpoints file, in bytes.
pub const CHECKPOINT_FILE_BYTES_MAX: u64 = 256 * 1024 * 1024;
/// Chunks queued for the writer thread while the next ones are encoded.
const WRITE_QUEUE_CHUNKS: usize = 4;
/// Scan buffer for opening.
const SCAN_BUFFER_BYTES: usize = 4 * 1024 * 1024;

fn io_err<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        op,
        path: path.to_owned(),
        source,
    }
}

/// Creates `path` holding just `magic`, through a synced temporary file and a
/// rename, then syncs the directory so the new name is durable.
fn create_with_header(dir: &Path, path: &Path, magic: &[u8; 8]) -> Result<(), StoreError> {
    write_atomically(dir, path, magic)
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension("tmp");
    let mut f = File::create(&tmp).map_err(io_err("create", &tmp))?;
    f.write_all(bytes).map_err(io_err("write", &tmp))?;
    f.sync_all().map_err(io_err("sync", &tmp))?;
    fs::rename(&tmp, path).map_err(io_err("rename", path))?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("sync directory", dir))
}

fn open_rw(path: &Path, magic: &[u8; 8]) -> Result<File, StoreError> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io_err("open", path))?;
    let mut head = [0u8; 8];
    f.read_exact_at(&mut head, 0)
        .map_err(|_| StoreError::BadHeader { path: path.into() })?;
    if &head != magic {
        return Err(StoreError::BadHeader { path: path.into() });
    }
    Ok(f)
}

/// Leaves in `leaves.dat` with the commit index `leaves.idx`.
#[derive(Debug)]
pub struct FileLeafStore {
    data_path: PathBuf,
    idx_path: PathBuf,
    data: File,
    idx: File,
    len: u64,
    data_end: u64,
    /// Framed records not yet written, one buffer per appended chunk.
    /// Ends of records written after `data_end` but not yet synced or indexed.
    staged_ends: Vec<u64>,
    poisoned: bool,
}

impl FileLeafStore {
    /// Opens (creating if absent) the leaf files in `dir` and recovers a torn tail.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        fs::create_dir_all(dir).map_err(io_err("create directory", dir))?;
        let data_path = dir.join("leaves.dat");
        let idx_path = dir.join("leaves.idx");
        match (data_path.exists(), idx_path.exists()) {
            (false, false) => {
                create_with_header(dir, &idx_path, INDEX_MAGIC)?;
                create_with_header(dir, &data_path, LEAVES_MAGIC)?;
            }
            (true, true) => {}
            // One file without the other is damage, not a fresh start: a lost
            // index would otherwise silently weaken the corruption checks.
            (true, false) => return Err(missing(&idx_path)),
            (false, true) => return Err(missing(&data_path)),
        }
        let data = open_rw(&data_path, LEAVES_MAGIC)?;
        data.try_lock().map_err(|_| StoreError::Locked {
            path: data_path.clone(),
        })?;
        let idx = open_rw(&idx_path, INDEX_MAGIC)?;
        let mut store = Self {
            data_path,
            idx_path,
            data,
            idx,
            len: 0,
            data_end: HEADER_LEN,
            staged_ends: Vec::new(),
            poisoned: false,
        };
        store.recover()?;
        Ok(store)
    }

    /// Reads the index, truncating a torn last entry (its sync never returned).
    fn load_index(&self) -> Result<Vec<u64>, StoreError> {
        let p = &self.idx_path;
        let len = self.idx.metadata().map_err(io_err("stat", p))?.len();
        let whole = (len - HEADER_LEN) / 8;
        if HEADER_LEN + whole * 8 != len {
            self.idx
                .set_len(HEADER_LEN + whole * 8)
                .and_then(|_| self.idx.sync_all())
                .map_err(io_err("truncate", p))?;
        }
        let mut raw = vec![0u8; (whole * 8) as usize];
        self.idx
            .read_exact_at(&mut raw, HEADER_LEN)
            .map_err(io_err("read", p))?;
        Ok(raw
            .chunks_exact(8)
            .map(|c| u64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect())
    }

    /// Scans every record, checks it against the index, truncates a torn tail
    /// and indexes whole records found after the last indexed one.
    fn recover(&mut self) -> Result<(), StoreError> {
        let acked = self.load_index()?;
        let file_len = self
            .data
            .metadata()
            .map_err(io_err("stat", &self.data_path))?
            .len();
        let mut reader = BufReader::with_capacity(SCAN_BUFFER_BYTES, &self.data);
        let mut skip = [0u8; 8];
        reader
            .read_exact(&mut skip)
            .map_err(io_err("read", &self.data_path))?;
        let mut ends: Vec<u64> = Vec::with_capacity(acked.len());
        let mut pos = HEADER_LEN;
        let mut buf = Vec::new();
        loop {
            let i = ends.len() as u64;
            let got = read_frame(&mut reader, &mut buf, file_len - pos)
                .map_err(io_err("read", &self.data_path))?;
            let Some(frame_len) = got.ok_len() else {
                if (i as usize) < acked.len() {
                    return Err(self.acked_damage(i, pos, &got, acked.len() as u64));
                }
                break; // torn or garbage tail after the acknowledged records
            };
            pos += frame_len as u64;
            if let Some(&want) = acked.get(i as usize) {
                if want != pos {
                    return Err(self.corrupt(
                        i,
                        pos - frame_len as u64,
                        "record end differs from the index",
                    ));
                }
            }
            ends.push(pos);
        }
        drop(reader);
        if pos < file_len {
            self.data
                .set_len(pos)
                .and_then(|_| self.data.sync_all())
                .map_err(io_err("truncate", &self.data_path))?;
        }
        let new_ends = &ends[acked.len()..];
        if !new_ends.is_empty() {
            self.write_index(acked.len() as u64, new_ends)?;
        }
        self.len = ends.len() as u64;
        self.data_end = pos;
        Ok(())
    }

    fn acked_damage(&self, index: u64, offset: u64, got: &Scanned, acked: u64) -> StoreError {
        match got {
            Scanned::End => StoreError::MissingRecords {
                path: self.data_path.clone(),
                found: index,
                acknowledged: acked,
            },
            Scanned::Bad(reason) => self.corrupt(index, offset, reason),
            Scanned::Ok(_) => self.corrupt(index, offset, "unexpected"),
        }
    }

    fn corrupt(&self, index: u64, offset: u64, reason: &'static str) -> StoreError {
        StoreError::CorruptRecord {
            path: self.data_path.clone(),
            index,
            offset,
            reason,
        }
    }

    fn write_index(&mut self, first: u64, ends: &[u64]) -> Result<(), StoreError> {
        let mut raw = Vec::with_capacity(ends.len() * 8);
        for e in ends {
            raw.extend_from_slice(&e.to_be_bytes());
        }
        let p = &self.idx_path;
        self.idx
            .write_all_at(&raw, HEADER_LEN + first * 8)
            .map_err(io_err("write", p))?;
        self.idx.sync_data().map_err(io_err("sync", p))
    }

    /// Byte offset where record `index` ends (from the index file).
    fn end_of(&self, index: u64) -> Result<u64, StoreError> {
        let mut b = [0u8; 8];
        self.idx
            .read_exact_at(&mut b, HEADER_LEN + index * 8)
            .map_err(io_err("read", &self.idx_path))?;
        Ok(u64::from_be_bytes(b))
    }

    fn start_of(&self, index: u64) -> Result<u64, StoreError> {
        if index == 0 {
            Ok(HEADER_LEN)
        } else {
            self.end_of(index - 1)
        }
    }

    fn sync_inner(&mut self) -> Result<(), StoreError> {
        // The records are written already (see `append_from`): one fdatasync
        // for all of them, and only then the index entries (the commit
        // marker) and their own sync.
        self.data
            .sync_data()
            .map_err(io_err("sync", &self.data_path))?;
        let ends = std::mem::take(&mut self.staged_ends);
        self.write_index(self.len, &ends)?;
        self.len += ends.len() as u64;
        self.data_end = ends.last().copied().unwrap_or(self.data_end);
        Ok(())
    }

    /// Writes framed chunks from `rx` at their offsets until the channel closes.
    fn write_chunks(&self, rx: mpsc::Receiver<(u64, Vec<u8>)>) -> Result<(), StoreError> {
        for (at, framed) in rx {
            self.data
                .write_all_at(&framed, at)
                .map_err(io_err("write", &self.data_path))?;
        }
        Ok(())
    }

    /// Takes the chunks `next` yields, appends their record ends to
    /// `staged_ends` and sends them to the writer; stops early if it hung up.
    fn feed_writer(
        staged_ends: &mut Vec<u64>,
        data_end: u64,
        next: &mut dyn FnMut() -> Option<Vec<PackedLeaves>>,
        tx: &mpsc::SyncSender<(u64, Vec<u8>)>,
    ) -> Result<(), StoreError> {
        while let Some(chunks) = next() {
            check_record_len(chunks.iter().map(PackedLeaves::longest).max().unwrap_or(0))?;
            for c in chunks {
                let base = staged_ends.last().copied().unwrap_or(data_end);
                let (framed, ends) = c.into_parts();
                staged_ends.extend(ends.iter().map(|&e| base + e as u64));
                if tx.send((base, framed)).is_err() {
                    return Ok(()); // the writer failed; its error is reported
                }
            }
        }
        Ok(())
    }
}

fn check_record_len(len: usize) -> Result<(), StoreError> {
    if len > RECORD_BYTES_MAX {
        return Err(StoreError::RecordTooLong {
            len,
            max: RECORD_BYTES_MAX,
        });
    }
    Ok(())
}

fn missing(path: &Path) -> StoreError {
    StoreError::Io {
        op: "open",
        path: path.to_owned(),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "companion ledger file is missing",
        ),
    }
}

/// One step of the sequential scan.
enum Scanned {
    Ok(usize),
    End,
    Bad(&'static str),
}

impl Scanned {
    fn ok_len(&self) -> Option<usize> {
        match self {
            Scanned::Ok(n) => Some(*n),
            _ => None,
        }
    }
}

/// Reads the next frame; `left` is how many bytes remain in the file.
fn read_frame(r: &mut impl Read, buf: &mut Vec<u8>, left: u64) -> std::io::Result<Scanned> {
    if left == 0 {
        return Ok(Scanned::End);
    }
    if left < 4 {
        return Ok(Scanned::Bad(Frame::Incomplete.reason()));
    }
    buf.resize(4, 0);
    r.read_exact(&mut buf[..4])?;
    let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if len > RECORD_BYTES_MAX {
        return Ok(Scanned::Bad(Frame::BadLength.reason()));
    }
    let total = len + FRAME_OVERHEAD;
    if (total as u64) > left {
        return Ok(Scanned::Bad(Frame::Incomplete.reason()));
    }
    buf.resize(total, 0);
    r.read_exact(&mut buf[4..])?;
    Ok(match frame::get(buf) {
        Frame::Ok(_, n) => Scanned::Ok(n),
        other => Scanned::Bad(other.reason()),
    })
}

impl LeafStore for FileLeafStore {
    fn len(&self) -> u64 {
        self.len
    }

    fn append(&mut self, leaves: &[Vec<u8>]) -> Result<(), StoreError> {
        let bytes = leaves.iter().map(Vec::len).sum();
        let mut chunk = PackedLeaves::with_capacity(leaves.len(), bytes);
        for l in leaves {
            chunk.push(l);
        }
        self.append_packed(vec![chunk])
    }

    fn append_packed(&mut self, chunks: Vec<PackedLeaves>) -> Result<(), StoreError> {
        let mut once = Some(chunks);
        self.append_from(&mut || once.take())
    }

    /// Writes each chunk after the staged records on a writer thread while
    /// `next` produces the following ones, so encoding overlaps the copy
    /// into the page cache; at most `WRITE_QUEUE_CHUNKS` wait in between.
    /// Nothing written here is acknowledged before [`LeafStore::sync`].
    fn append_from(
        &mut self,
        next: &mut dyn FnMut() -> Option<Vec<PackedLeaves>>,
    ) -> Result<(), StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        let (tx, rx) = mpsc::sync_channel(WRITE_QUEUE_CHUNKS);
        let mut staged_ends = std::mem::take(&mut self.staged_ends);
        let this = &*self;
        let (fed, written) = std::thread::scope(|s| {
            let writer = s.spawn(move || this.write_chunks(rx));
            let fed = Self::feed_writer(&mut staged_ends, this.data_end, next, &tx);
            drop(tx);
            let written = writer
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (fed, written)
        });
        self.staged_ends = staged_ends;
        // A failed write leaves the file's tail unknown: refuse further
        // appends until a reopen has run recovery.
        written.inspect_err(|_| self.poisoned = true)?;
        fed
    }

    fn discard_staged(&mut self) -> Result<(), StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        if self.staged_ends.is_empty() {
            return Ok(());
        }
        self.staged_ends.clear();
        // Whole records left after the index would be taken in by recovery:
        // cut them off durably.
        self.data
            .set_len(self.data_end)
            .and_then(|_| self.data.sync_all())
            .map_err(io_err("truncate", &self.data_path))
            .inspect_err(|_| self.poisoned = true)
    }

    fn sync(&mut self) -> Result<(), StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        if self.staged_ends.is_empty() {
            return Ok(());
        }
        // After a failed write the file's tail is unknown: refuse further
        // appends until a reopen has run recovery.
        self.sync_inner().inspect_err(|_| self.poisoned = true)
    }

    fn read(&self, index: u64) -> Result<Vec<u8>, StoreError> {
        let mut v = self.read_range(index, 1)?;
        v.pop().ok_or(StoreError::OutOfRange {
            index,
            len: self.len,
        })
    }

    fn read_range(&self, start: u64, count: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let end_index = start.checked_add(count).filter(|&e| e <= self.len);
        let Some(end_index) = end_index else {
            return Err(StoreError::OutOfRange {
                index: start.saturating_add(count),
                len: self.len,
            });
        };
        if count == 0 {
            return Ok(Vec::new());
        }
        let first = self.start_of(start)?;
        let mut ends_raw = vec![0u8; count as usize * 8];
        self.idx
            .read_exact_at(&mut ends_raw, HEADER_LEN + start * 8)
            .map_err(io_err("read", &self.idx_path))?;
        let last = self.end_of(end_index - 1)?;
        if last < first || last - first > count * (RECORD_BYTES_MAX + FRAME_OVERHEAD) as u64 {
            return Err(self.corrupt(start, first, "index offsets are inconsistent"));
        }
        let mut data = vec![0u8; (last - first) as usize];
        self.data
            .read_exact_at(&mut data, first)
            .map_err(io_err("read", &self.data_path))?;
        let mut out = Vec::with_capacity(count as usize);
        let mut at = 0usize;
        for (k, e) in ends_raw.chunks_exact(8).enumerate() {
            let want_end = u64::from_be_bytes([e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7]]);
            let index = start + k as u64;
            let offset = first + at as u64;
            match frame::get(&data[at..]) {
                Frame::Ok(bytes, n) if offset + n as u64 == want_end => {
                    out.push(bytes.to_vec());
                    at += n;
                }
                Frame::Ok(..) => {
                    return Err(self.corrupt(index, offset, "record end differs from the index"))
                }
                bad => return Err(self.corrupt(index, offset, bad.reason())),
            }
        }
        Ok(out)
    }
}

/// Signed checkpoint notes in `checkpoints.dat`.
#[derive(Debug)]
pub struct FileCheckpointStore {
    dir: PathBuf,
    path: PathBuf,
    notes: Vec<String>,
}

impl FileCheckpointStore {
    /// Opens (creating if absent) `checkpoints.dat` in `dir` and reads it whole;
    /// any damage is an error naming the record.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        fs::create_dir_all(dir).map_err(io_err("create directory", dir))?;
        let path = dir.join("checkpoints.dat");
        if !path.exists() {
            create_with_header(dir, &path, CHECKPOINTS_MAGIC)?;
        }
        let notes = Self::read_all(&path)?;
        Ok(Self {
            dir: dir.to_owned(),
            path,
            notes,
        })
    }

    fn read_all(path: &Path) -> Result<Vec<String>, StoreError> {
        let f = File::open(path).map_err(io_err("open", path))?;
        let len = f.metadata().map_err(io_err("stat", path))?.len();
        if len > CHECKPOINT_FILE_BYTES_MAX {
            return Err(StoreError::RecordTooLong {
                len: len as usize,
                max: CHECKPOINT_FILE_BYTES_MAX as usize,
            });
        }
        let mut raw = Vec::with_capacity(len as usize);
        f.take(len)
            .read_to_end(&mut raw)
            .map_err(io_err("read", path))?;
        if raw.get(..8) != Some(CHECKPOINTS_MAGIC.as_slice()) {
            return Err(StoreError::BadHeader { path: path.into() });
        }
        let mut notes = Vec::new();
        let mut at = HEADER_LEN as usize;
        while at < raw.len() {
            let corrupt = |reason| StoreError::CorruptRecord {
                path: path.into(),
                index: notes.len() as u64,
                offset: at as u64,
                reason,
            };
            match frame::get(&raw[at..]) {
                Frame::Ok(bytes, n) => {
                    let text =
                        std::str::from_utf8(bytes).map_err(|_| corrupt("note is not utf-8"))?;
                    notes.push(text.to_owned());
                    at += n;
                }
                bad => return Err(corrupt(bad.reason())),
            }
        }
        Ok(notes)
    }
}

impl CheckpointStore for FileCheckpointStore {
    fn load(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.notes.clone())
    }

    fn append(&mut self, note: &str) -> Result<(), StoreError> {
        if note.len() > RECORD_BYTES_MAX {
            return Err(StoreError::RecordTooLong {
                len: note.len(),
                max: RECORD_BYTES_MAX,
            });
        }
        let mut raw = CHECKPOINTS_MAGIC.to_vec();
        for n in self.notes.iter().map(String::as_str).chain([note]) {
            frame::put(&mut raw, n.as_bytes());
        }
        write_atomically(&self.dir, &self.path, &raw)?;
        self.notes.push(note.to_owned());
        Ok(())
    }
}
