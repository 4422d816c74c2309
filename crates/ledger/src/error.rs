//! Typed errors of the ledger. Messages are lower-case and carry positions,
//! sizes and paths as fields; they never carry leaf contents, which may hold
//! identifiers of people.

use std::path::PathBuf;

/// A proof could not be produced or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange {
        /// Leaf index asked for.
        index: u64,
        /// Tree size it was asked against.
        size: u64,
    },
    /// A size larger than the log was asked for.
    #[error("tree size {size} is beyond the log size {tree_size}")]
    SizeBeyondTree {
        /// Size asked for.
        size: u64,
        /// Current size of the log.
        tree_size: u64,
    },
    /// The second size is smaller than the first.
    #[error("second tree size {new} is smaller than first tree size {old}")]
    SizesOutOfOrder {
        /// First (older) size.
        old: u64,
        /// Second (newer) size.
        new: u64,
    },
    /// RFC 9162 defines no consistency proof from the empty tree.
    #[error("consistency proofs from the empty tree are not defined")]
    EmptyOldTree,
    /// The proof has too many or too few hashes for the sizes given.
    #[error("proof of {len} hashes has the wrong length for these sizes")]
    WrongProofLength {
        /// Number of hashes in the proof.
        len: usize,
    },
    /// A hash field is not 32 bytes long.
    #[error("{what} is {len} bytes, expected {expected}")]
    BadHashLength {
        /// Which hash.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The expected length.
        expected: usize,
    },
    /// The proof computes a different root.
    #[error("proof does not lead to the expected root")]
    RootMismatch,
}

/// A leaf record could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LeafError {
    /// A field is longer than its limit.
    #[error("leaf field {field} is {len} bytes (or items), limit {max}")]
    FieldTooLong {
        /// Field name.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The most the encoding allows: bytes for a text field, items for the
        /// approver list.
        max: usize,
    },
    /// A text field is empty where a value is required.
    #[error("leaf field {field} is empty")]
    FieldEmpty {
        /// Field name.
        field: &'static str,
    },
    /// Unknown encoding version byte.
    #[error("unsupported leaf encoding version {version}")]
    BadVersion {
        /// The version byte found.
        version: u8,
    },
    /// The bytes end inside a field.
    #[error("leaf encoding truncated in field {field}")]
    Truncated {
        /// Field being read.
        field: &'static str,
    },
    /// Bytes remain after the last field.
    #[error("{count} trailing bytes after leaf encoding")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// A tag byte has no meaning.
    #[error("leaf field {field} has invalid tag {value}")]
    BadTag {
        /// Field name.
        field: &'static str,
        /// The tag found.
        value: u8,
    },
    /// A text field is not UTF-8.
    #[error("leaf field {field} is not valid utf-8")]
    BadUtf8 {
        /// Field name.
        field: &'static str,
    },
}

/// A signed checkpoint or verifier key could not be parsed, signed or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The text breaks the C2SP note or checkpoint syntax.
    #[error("malformed {what} at line {line}: {reason}")]
    Malformed {
        /// Note, checkpoint, key or bundle.
        what: &'static str,
        /// 1-based line number (0 when not line-specific).
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The text is longer than its limit.
    #[error("{what} is {len} bytes, limit {max}")]
    TooLong {
        /// Which text.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The most bytes this kind of text may have.
        max: usize,
    },
    /// A key name is not usable (empty, whitespace or '+').
    #[error("invalid key name")]
    BadKeyName,
    /// A signature by a known key does not verify.
    #[error("signature by key {key_name} does not verify")]
    BadSignature {
        /// Name of the key.
        key_name: String,
    },
    /// No signature by a known key is present.
    #[error("no signature by a known key")]
    NoKnownSignature,
}

/// The storage under the ledger failed or holds damaged data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// An operating-system I/O error.
    #[error("i/o error during {op} on {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// File or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An acknowledged record is damaged: never dropped, always reported.
    #[error("corrupt record {index} at byte offset {offset} of {path}: {reason}")]
    CorruptRecord {
        /// File holding it.
        path: PathBuf,
        /// Record number (leaf index for the leaf file).
        index: u64,
        /// Byte offset of the record's frame in the file.
        offset: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A file does not start with the expected magic and version.
    #[error("{path} is not a ledger file of the expected kind and version")]
    BadHeader {
        /// The file whose first 8 bytes are missing or are not the magic and
        /// version this build writes.
        path: PathBuf,
    },
    /// Acknowledged records are missing: the file is shorter than its index.
    #[error("{path} holds {found} records but {acknowledged} were acknowledged")]
    MissingRecords {
        /// The data file, which ends before the last acknowledged record.
        path: PathBuf,
        /// Records found.
        found: u64,
        /// Records the index acknowledges.
        acknowledged: u64,
    },
    /// A record is larger than the limit.
    #[error("record of {len} bytes exceeds the limit of {max}")]
    RecordTooLong {
        /// Its length.
        len: usize,
        /// The limit in bytes: `RECORD_BYTES_MAX` for one leaf or checkpoint
        /// note, `CHECKPOINT_FILE_BYTES_MAX` for the whole checkpoints file.
        max: usize,
    },
    /// Index past the end of the store.
    #[error("record {index} is past the end of the store ({len} records)")]
    OutOfRange {
        /// Index asked for.
        index: u64,
        /// Records stored.
        len: u64,
    },
    /// Another process holds the ledger directory.
    #[error("ledger directory {path} is locked by another process")]
    Locked {
        /// The locked file.
        path: PathBuf,
    },
    /// An earlier write failed; the store must be reopened (which recovers).
    #[error("store is unusable after an earlier write failure; reopen it")]
    Poisoned,
    /// A database behind the store failed or holds something it never wrote.
    #[error("ledger database: {op}: {why}")]
    Database {
        /// What was being done.
        op: &'static str,
        /// The driver's error or what is wrong.
        why: String,
    },
}

/// Everything the ledger API can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// Leaf encoding or decoding.
    #[error(transparent)]
    Leaf(#[from] LeafError),
    /// A stored leaf does not decode.
    #[error("stored leaf {index} does not decode: {source}")]
    BadStoredLeaf {
        /// Leaf index.
        index: u64,
        /// The decoding error.
        source: LeafError,
    },
    /// Proof generation or verification.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// Checkpoint notes and keys.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The leaf or checkpoint store under the ledger failed or holds damaged
    /// data.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A batch larger than the limit.
    #[error(
        "batch of {len} leaves exceeds BATCH_LEAVES_MAX, the limit of {max} leaves per append"
    )]
    BatchTooLarge {
        /// Leaves in the batch.
        len: usize,
        /// `BATCH_LEAVES_MAX`, the most leaves one append takes.
        max: usize,
    },
    /// A stored checkpoint does not match the stored leaves.
    #[error("checkpoint {position} (tree size {size}) {reason}")]
    CheckpointMismatch {
        /// Position of the checkpoint in the store (0-based).
        position: usize,
        /// Tree size it claims.
        size: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A stored leaf changed since the ledger was opened.
    #[error("stored leaf {index} differs from the leaf the ledger holds")]
    LeafChanged {
        /// Leaf index.
        index: u64,
    },
    /// The stored leaves do not give the tree the ledger holds in memory.
    #[error("recomputed root over {size} leaves differs from the ledger's root")]
    RootMismatch {
        /// Tree size compared.
        size: u64,
    },
}
