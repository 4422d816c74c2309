//! Storage behind two small traits, so the state store can keep the ledger in
//! files or in SQL: [`LeafStore`] (append-only encoded leaves) and
//! [`CheckpointStore`] (signed checkpoint notes). In-memory versions for tests
//! live here; the file versions in [`file`].
//!
//! Deliberately no tree logic and no leaf decoding: stores hold opaque bytes.

pub mod file;
mod frame;

use crate::error::StoreError;

pub use file::{FileCheckpointStore, FileLeafStore};

/// Limit on one stored record (leaf or checkpoint note), in bytes.
pub const RECORD_BYTES_MAX: usize = 64 * 1024;

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
