//! Storage behind two small traits, so the state store can keep the ledger in
//! files or in SQL: [`LeafStore`] (append-only encoded leaves) and
//! [`CheckpointStore`] (signed checkpoint notes). In-memory versions for tests
//! live here; the file versions in [`mod@file`].
//!
//! Deliberately no tree logic and no leaf decoding: stores hold opaque bytes.

pub mod file;
mod frame;

use crate::error::StoreError;

pub use file::{FileCheckpointStore, FileLeafStore};

/// Limit on one stored record (leaf or checkpoint note), in bytes.
pub const RECORD_BYTES_MAX: usize = 64 * 1024;

// Every leaf the encoder accepts, and every note the parser accepts, must be
// storable: a record limit below them would refuse a valid leaf or
// checkpoint only at the store, after the batch was encoded.
const _: () = assert!(crate::leaf::LEAF_BYTES_MAX <= RECORD_BYTES_MAX);
const _: () = assert!(crate::note::NOTE_BYTES_MAX <= RECORD_BYTES_MAX);

/// Append-only storage of encoded leaves, addressed by leaf index.
pub trait LeafStore {
    /// Number of durable (acknowledged) leaves.
    fn len(&self) -> u64;
    /// Whether no leaf is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Stages leaves after the current end; they count only after [`LeafStore::sync`].
    fn append(&mut self, leaves: &[Vec<u8>]) -> Result<(), StoreError>;
    /// Stages packed chunks of leaves, in order, as [`LeafStore::append`]
    /// does. The default unpacks them; stores override it to avoid one
    /// allocation per leaf on large batches.
    fn append_packed(&mut self, chunks: Vec<PackedLeaves>) -> Result<(), StoreError> {
        let leaves: Vec<Vec<u8>> = chunks
            .iter()
            .flat_map(PackedLeaves::iter)
            .map(<[u8]>::to_vec)
            .collect();
        self.append(&leaves)
    }
    /// Stages the chunks `next` yields until it yields `None`, as
    /// [`LeafStore::append_packed`] would. Stores may write earlier chunks
    /// while `next` produces later ones (they still count only after
    /// [`LeafStore::sync`]).
    fn append_from(
        &mut self,
        next: &mut dyn FnMut() -> Option<Vec<PackedLeaves>>,
    ) -> Result<(), StoreError> {
        while let Some(chunks) = next() {
            self.append_packed(chunks)?;
        }
        Ok(())
    }
    /// Drops every staged, not yet synced leaf (after a batch failed half-way).
    fn discard_staged(&mut self) -> Result<(), StoreError>;
    /// Makes every staged leaf durable; when it returns Ok they are acknowledged.
    fn sync(&mut self) -> Result<(), StoreError>;
    /// Reads leaf `index`.
    fn read(&self, index: u64) -> Result<Vec<u8>, StoreError>;
    /// Reads `count` leaves from `start` (sequential scans: opening, verifying).
    fn read_range(&self, start: u64, count: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        (start..start.saturating_add(count))
            .map(|i| self.read(i))
            .collect()
    }
}

/// A chunk of encoded leaves, already in the ledger's record framing
/// (`len: u32 BE || bytes || crc: u32 BE`, see [`mod@file`]) and stored back to
/// back in one buffer: a batch without one allocation per leaf, framed while
/// each leaf is still in cache. Stores that keep their own framing read the
/// bare leaves with [`PackedLeaves::iter`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PackedLeaves {
    /// Framed records back to back.
    framed: Vec<u8>,
    /// `ends[i]` is where record `i` ends in `framed`.
    ends: Vec<usize>,
    /// Longest leaf pushed: a store refuses the chunk if it exceeds its limit.
    longest: usize,
}

impl PackedLeaves {
    /// An empty chunk with room for `leaves` leaves of `bytes` bytes in all.
    pub fn with_capacity(leaves: usize, bytes: usize) -> Self {
        Self {
            framed: Vec::with_capacity(bytes + leaves * frame::FRAME_OVERHEAD),
            ends: Vec::with_capacity(leaves),
            longest: 0,
        }
    }

    /// Appends one leaf written by `write` and returns its bytes; if `write`
    /// fails, whatever it wrote is removed and nothing is appended.
    pub fn push_with<E>(
        &mut self,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<&[u8], E> {
        let start = self.framed.len();
        self.framed.extend_from_slice(&[0; 4]);
        if let Err(e) = write(&mut self.framed) {
            self.framed.truncate(start);
            return Err(e);
        }
        let len = self.framed.len() - start - 4;
        self.longest = self.longest.max(len);
        frame::seal(&mut self.framed, start);
        self.ends.push(self.framed.len());
        let end = self.framed.len() - 4;
        Ok(&self.framed[start + 4..end])
    }

    /// Appends one leaf's bytes.
    pub fn push(&mut self, leaf: &[u8]) {
        let Ok(_) = self.push_with(|buf| {
            buf.extend_from_slice(leaf);
            Ok::<(), std::convert::Infallible>(())
        });
    }

    /// Number of leaves.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the chunk holds no leaf.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Length of the longest leaf (0 when empty).
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// Leaf `i`, if present.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.framed[start + 4..end - 4])
    }

    /// The leaves in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(s, e)| &self.framed[s + 4..e - 4])
    }

    /// The framed records and where each ends (for the file store).
    pub(crate) fn into_parts(self) -> (Vec<u8>, Vec<usize>) {
        (self.framed, self.ends)
    }
}

/// Durable list of signed checkpoint notes, oldest first.
pub trait CheckpointStore {
    /// Every stored note, oldest first.
    fn load(&self) -> Result<Vec<String>, StoreError>;
    /// Appends one note durably (when it returns Ok the note survives a crash).
    fn append(&mut self, note: &str) -> Result<(), StoreError>;
}

/// Leaves in memory (tests, tools). `sync` only moves staged leaves over.
#[derive(Debug, Default, Clone)]
pub struct MemLeafStore {
    leaves: Vec<Vec<u8>>,
    staged: Vec<Vec<u8>>,
}

impl MemLeafStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces a stored leaf (tamper tests only: real stores never rewrite).
    pub fn overwrite_for_test(&mut self, index: u64, bytes: Vec<u8>) {
        self.leaves[index as usize] = bytes;
    }
}

impl LeafStore for MemLeafStore {
    fn len(&self) -> u64 {
        self.leaves.len() as u64
    }

    fn append(&mut self, leaves: &[Vec<u8>]) -> Result<(), StoreError> {
        if let Some(l) = leaves.iter().find(|l| l.len() > RECORD_BYTES_MAX) {
            return Err(StoreError::RecordTooLong {
                len: l.len(),
                max: RECORD_BYTES_MAX,
            });
        }
        self.staged.extend_from_slice(leaves);
        Ok(())
    }

    fn discard_staged(&mut self) -> Result<(), StoreError> {
        self.staged.clear();
        Ok(())
    }

    fn sync(&mut self) -> Result<(), StoreError> {
        self.leaves.append(&mut self.staged);
        Ok(())
    }

    fn read(&self, index: u64) -> Result<Vec<u8>, StoreError> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.leaves.get(i))
            .cloned()
            .ok_or(StoreError::OutOfRange {
                index,
                len: self.len(),
            })
    }
}

/// Checkpoint notes in memory.
#[derive(Debug, Default, Clone)]
pub struct MemCheckpointStore {
    notes: Vec<String>,
}

impl MemCheckpointStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl CheckpointStore for MemCheckpointStore {
    fn load(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.notes.clone())
    }

    fn append(&mut self, note: &str) -> Result<(), StoreError> {
        self.notes.push(note.to_owned());
        Ok(())
    }
}

/// A boxed leaf store (the state store picks files or SQL at run time).
impl<T: LeafStore + ?Sized> LeafStore for Box<T> {
    fn len(&self) -> u64 {
        (**self).len()
    }
    fn append(&mut self, leaves: &[Vec<u8>]) -> Result<(), StoreError> {
        (**self).append(leaves)
    }
    fn append_packed(&mut self, chunks: Vec<PackedLeaves>) -> Result<(), StoreError> {
        (**self).append_packed(chunks)
    }
    fn append_from(
        &mut self,
        next: &mut dyn FnMut() -> Option<Vec<PackedLeaves>>,
    ) -> Result<(), StoreError> {
        (**self).append_from(next)
    }
    fn discard_staged(&mut self) -> Result<(), StoreError> {
        (**self).discard_staged()
    }
    fn sync(&mut self) -> Result<(), StoreError> {
        (**self).sync()
    }
    fn read(&self, index: u64) -> Result<Vec<u8>, StoreError> {
        (**self).read(index)
    }
    fn read_range(&self, start: u64, count: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        (**self).read_range(start, count)
    }
}

/// A boxed checkpoint store.
impl<T: CheckpointStore + ?Sized> CheckpointStore for Box<T> {
    fn load(&self) -> Result<Vec<String>, StoreError> {
        (**self).load()
    }
    fn append(&mut self, note: &str) -> Result<(), StoreError> {
        (**self).append(note)
    }
}

/// A ledger over storage chosen at run time.
pub type DynLedger =
    crate::Ledger<Box<dyn LeafStore + Send + Sync>, Box<dyn CheckpointStore + Send + Sync>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_leaves_hold_each_leaf_and_roll_back_failed_pushes() {
        let mut p = PackedLeaves::with_capacity(3, 16);
        p.push(b"first");
        let failed: Result<&[u8], &str> = p.push_with(|buf| {
            buf.extend_from_slice(b"half-written");
            Err("refused")
        });
        assert_eq!(failed, Err("refused"));
        let got = p.push_with(|buf| {
            buf.extend_from_slice(b"");
            Ok::<(), ()>(())
        });
        assert_eq!(got, Ok(&b""[..]));
        p.push(b"third leaf");
        assert_eq!((p.len(), p.longest()), (3, 10));
        let all: Vec<Vec<u8>> = p.iter().map(<[u8]>::to_vec).collect();
        assert_eq!(all, vec![b"first".to_vec(), vec![], b"third leaf".to_vec()]);
        assert_eq!(p.get(2), Some(&b"third leaf"[..]));
        assert_eq!(p.get(3), None);
        // The buffer is the store framing, record after record.
        let (framed, ends) = p.into_parts();
        let mut want = Vec::new();
        for l in &all {
            frame::put(&mut want, l);
        }
        assert_eq!(framed, want);
        assert_eq!(ends, vec![13, 21, 39]);
    }

    #[test]
    fn mem_store_discards_staged_leaves() {
        let mut s = MemLeafStore::new();
        s.append(&[b"a".to_vec()]).unwrap();
        s.sync().unwrap();
        let mut chunk = PackedLeaves::default();
        chunk.push(b"b");
        s.append_packed(vec![chunk]).unwrap();
        s.discard_staged().unwrap();
        s.sync().unwrap();
        assert_eq!(s.len(), 1);
        assert!(matches!(
            s.append(&[vec![0; RECORD_BYTES_MAX + 1]]),
            Err(StoreError::RecordTooLong { .. })
        ));
    }
}
