//! vouch's disclosure ledger: a tamper-evident, append-only Merkle log with
//! one leaf per lookup, hashed exactly as RFC 9162 (RFC 6962) prescribes, with
//! inclusion and consistency proofs and C2SP signed-note checkpoints.
//!
//! What it deliberately does not do: it holds no plaintext personal data (the
//! caller passes a keyed hash of the TIN), it sees no clock (times arrive in the
//! leaf records), it never prunes, and it reads and writes storage only through
//! the [`store`] traits.

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
pub use leaf::{LeafOutcome, LeafRecord};
pub use proof::{
    root_from_inclusion_proof, verify_consistency, verify_consistency_bytes, verify_inclusion,
    verify_inclusion_bytes,
};
pub use tree::MerkleTree;
pub mod note;
pub use bundle::InclusionBundle;
pub use ledger::{AppendReceipt, Ledger, VerifyReport};
pub use note::{Checkpoint, NoteVerifier, SignedCheckpoint, SignedNote};
pub use store::{CheckpointStore, LeafStore, MemCheckpointStore, MemLeafStore};
