//! vouch's disclosure ledger: a tamper-evident, append-only Merkle log with
//! one leaf per lookup, hashed exactly as RFC 9162 (RFC 6962) prescribes, with
//! inclusion and consistency proofs and C2SP signed-note checkpoints.
//!
//! What it deliberately does not do: it holds no plaintext personal data (the
//! caller passes a keyed hash of the TIN), it sees no clock (times arrive in the
//! leaf records), it never prunes, and it reads and writes storage only through
//! the [`store`] traits.
//!
//! # On-disk format (version 1)
//!
//! [`Ledger::open_dir`] keeps three files in one directory. Every integer is
//! fixed-width big-endian; every file opens with an 8-byte magic that names
//! its format version.
//!
//! | file | magic | then |
//! |---|---|---|
//! | `leaves.dat` | `VLLEAF01` | framed leaf records, append-only |
//! | `leaves.idx` | `VLIDX001` | one `u64` per acknowledged leaf: the offset in `leaves.dat` where its record ends |
//! | `checkpoints.dat` | `VLCKPT01` | framed signed checkpoint notes (UTF-8) |
//!
//! **Framing.** Each record is `len: u32 || bytes || crc: u32`, where `crc`
//! is CRC-32 (IEEE) over the 4 length bytes and the record bytes, so a damaged
//! length is caught as surely as damaged data. A record holds at most
//! [`store::RECORD_BYTES_MAX`] (64 KiB) bytes. Record `i` of `leaves.dat`
//! starts where record `i - 1` ends (the first at offset 8) and must end
//! exactly at index entry `i`.
//!
//! **Commit marker.** A batch ([`Ledger::append_batch`]) is written after
//! the last acknowledged record (partly while later leaves are still being
//! encoded), then `leaves.dat` is fdatasync'd, and only then are its index
//! entries written and `leaves.idx` fdatasync'd. The call returns, and the
//! leaves join the tree and count as acknowledged, only after both syncs. An
//! index entry therefore never points at data that was not durable. A batch
//! that fails (a record that does not encode, a write error) has its written
//! records cut off again (truncate, then sync) or, after an I/O error, the
//! store refuses further appends until it is reopened and recovered.
//! `checkpoints.dat` is never appended in place: it is rewritten whole into a
//! temporary file, synced, renamed over the old one, and the directory synced.
//! New files are created the same way. `leaves.dat` is locked: one writer.
//!
//! **Recovery on open.** A torn last index entry (fewer than 8 bytes) is
//! dropped. Then `leaves.dat` is scanned from the start:
//! - every acknowledged record (one with an index entry) must be whole, have
//!   a valid checksum and end at its index entry; anything else is an error
//!   naming the record index and byte offset ([`StoreError::CorruptRecord`]),
//!   and a file that ends before the acknowledged records is
//!   [`StoreError::MissingRecords`]. Damage or truncation inside acknowledged
//!   data is never repaired or dropped silently;
//! - after the acknowledged records, whole valid records (written and synced
//!   by a batch whose index write never finished) are kept and indexed: a
//!   crashed batch may therefore be found whole or in part, and the pipeline
//!   resumes it by request id ([`Ledger::leaves_for_request`]);
//! - from the first incomplete or invalid frame after them to the end of the
//!   file is a torn tail: it is truncated (and the truncation synced).
//!
//! A missing `leaves.idx` next to an existing `leaves.dat` (or the reverse) is
//! an error, not a fresh start. `checkpoints.dat` must parse whole.
//!
//! # Leaf encoding (version 1)
//!
//! A leaf is the canonical encoding of one [`LeafRecord`]; its Merkle leaf
//! hash is `SHA-256(0x00 || encoding)` and interior nodes are
//! `SHA-256(0x01 || left || right)` (RFC 9162 section 2.1.1). Text is a
//! `u16` byte length and UTF-8 bytes.
//!
//! | field | encoding | limit |
//! |---|---|---|
//! | version | `u8` = 1 ([`leaf::LEAF_VERSION`]) | |
//! | `request_id` | text | 1 to 256 bytes |
//! | `subject_ref` | text | 256 bytes |
//! | `outcome` | `u8`: 1 confirmed, 2 not confirmed, 3 not confirmed (held) | |
//! | `time_unix_ms` | `u64` | |
//! | `policy_version` | text | 128 bytes |
//! | `model_version` | text | 128 bytes |
//! | `approvers` | `u16` count, then that many texts | 16 of 128 bytes |
//! | `tin_hmac` | `u8` 0 (absent) or 1 followed by 32 bytes | |
//!
//! Decoding rejects an unknown version, a field over its limit, an unknown
//! tag, invalid UTF-8 and trailing bytes, so each record has exactly one
//! encoding and re-encoding a decoded leaf gives the same bytes (and hash).
//! Stored leaves are never rewritten, because their hashes are committed to by
//! signed checkpoints: a future encoding gets a new version byte and decoders
//! keep reading every older version. A change of framing or index layout gets
//! a new file magic.

#![deny(missing_docs)]

pub mod bundle;
pub mod error;
pub mod hash;
pub mod leaf;
pub mod ledger;
pub mod proof;
pub mod store;
pub mod tree;

pub use error::{LeafError, LedgerError, NoteError, ProofError, StoreError};
pub use hash::{empty_root, leaf_hash, node_hash, Hash, HASH_LEN};
pub use leaf::{LeafOutcome, LeafRecord, RegistryEntry};
pub use proof::{
    root_from_inclusion_proof, verify_consistency, verify_consistency_bytes, verify_inclusion,
    verify_inclusion_bytes,
};
pub use tree::MerkleTree;
pub mod cosignature;
pub mod note;
pub mod witness;
pub use bundle::InclusionBundle;
pub use ledger::{AppendReceipt, Ledger, VerifyReport};
pub use note::{Checkpoint, NoteVerifier, SignedCheckpoint, SignedNote};
pub use store::{
    CheckpointStore, DynLedger, LeafStore, MemCheckpointStore, MemLeafStore, PackedLeaves,
};
