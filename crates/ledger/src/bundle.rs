//! The inclusion proof bundle: a small text a requesting agency (or
//! `vouch ledger check-proof`) can keep and check on its own, holding the leaf
//! index, tree size, leaf hash, proof hashes and the signed checkpoint.
//!
//! Format (UTF-8, `\n` line ends):
//!
//! ```text
//! vouch-inclusion-proof v1
//! index <decimal>
//! size <decimal>
//! leaf <base64 leaf hash>
//! proof <base64 hash>        (zero or more, leaf upwards)
//!
//! <signed checkpoint note>
//! ```
//!
//! Deliberately holds the leaf hash, not the leaf: the bundle discloses
//! nothing about the lookup beyond what its holder already knows.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::error::{LedgerError, NoteError, ProofError};
use crate::hash::{leaf_hash, Hash};
use crate::leaf::LeafRecord;
use crate::note::{NoteVerifier, SignedCheckpoint, NOTE_BYTES_MAX};
use crate::proof::{verify_inclusion, PROOF_HASHES_MAX};

const HEADER: &str = "vouch-inclusion-proof v1";
/// Limit on a bundle's text, in bytes.
pub const BUNDLE_BYTES_MAX: usize = 32 * 1024;

/// The longest text [`InclusionBundle::to_text`] writes for a bundle that
/// [`InclusionBundle::parse`] accepts: the header, index and size (u64
/// decimals of at most 20 digits), the leaf hash and up to
/// [`PROOF_HASHES_MAX`] proof hashes (44 base64 characters each), the blank
/// line, and a note of at most [`NOTE_BYTES_MAX`].
const BUNDLE_TEXT_BYTES_BOUND: usize = HEADER.len()
    + 1
    + "index ".len()
    + 20
    + 1
    + "size ".len()
    + 20
    + 1
    + "leaf ".len()
    + 44
    + 1
    + PROOF_HASHES_MAX * ("proof ".len() + 44 + 1)
    + 1
    + NOTE_BYTES_MAX;
// A bundle the ledger writes must be one it (and an agency) can read back.
const _: () = assert!(BUNDLE_TEXT_BYTES_BOUND <= BUNDLE_BYTES_MAX);

/// Everything needed to check one leaf's inclusion under a signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionBundle {
    /// Leaf index.
    pub leaf_index: u64,
    /// Tree size the proof is for (equal to the checkpoint's).
    pub tree_size: u64,
    /// Leaf hash.
    pub leaf_hash: Hash,
    /// Proof hashes, leaf upwards.
    pub proof: Vec<Hash>,
    /// The signed checkpoint.
    pub checkpoint: SignedCheckpoint,
}

fn bad(line: usize, reason: &'static str) -> NoteError {
    NoteError::Malformed {
        what: "inclusion bundle",
        line,
        reason,
    }
}

fn b64_hash(s: &str, line: usize) -> Result<Hash, NoteError> {
    STANDARD
        .decode(s)
        .ok()
        .and_then(|b| Hash::try_from(b.as_slice()).ok())
        .ok_or_else(|| bad(line, "not base64 of 32 bytes"))
}

fn decimal(s: &str, line: usize) -> Result<u64, NoteError> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    canonical
        .then(|| s.parse().ok())
        .flatten()
        .ok_or_else(|| bad(line, "not a canonical decimal"))
}

impl InclusionBundle {
    /// The text form.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{HEADER}\nindex {}\nsize {}\nleaf {}\n",
            self.leaf_index,
            self.tree_size,
            STANDARD.encode(self.leaf_hash)
        );
        for p in &self.proof {
            s.push_str("proof ");
            s.push_str(&STANDARD.encode(p));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(self.checkpoint.text());
        s
    }

    /// Parses the text form (syntax only; see [`InclusionBundle::verify`]).
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        if text.len() > BUNDLE_BYTES_MAX {
            return Err(NoteError::TooLong {
                what: "inclusion bundle",
                len: text.len(),
                max: BUNDLE_BYTES_MAX,
            });
        }
        let (head, note) = text
            .split_once("\n\n")
            .ok_or_else(|| bad(0, "no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(bad(1, "missing header line"));
        }
        let mut field = |no: usize, key: &str| -> Result<&str, NoteError> {
            lines
                .next()
                .and_then(|l| l.strip_prefix(key))
                .and_then(|l| l.strip_prefix(' '))
                .ok_or_else(|| bad(no, "expected field missing"))
        };
        let leaf_index = decimal(field(2, "index")?, 2)?;
        let tree_size = decimal(field(3, "size")?, 3)?;
        let leaf_hash = b64_hash(field(4, "leaf")?, 4)?;
        let mut proof = Vec::new();
        for (k, l) in lines.enumerate() {
            if proof.len() == PROOF_HASHES_MAX {
                return Err(bad(5 + k, "too many proof hashes"));
            }
            let h = l
                .strip_prefix("proof ")
                .ok_or_else(|| bad(5 + k, "expected a proof line"))?;
            proof.push(b64_hash(h, 5 + k)?);
        }
        Ok(Self {
            leaf_index,
            tree_size,
            leaf_hash,
            proof,
            checkpoint: SignedCheckpoint::parse(note)?,
        })
    }

    /// Checks the checkpoint's signature, that its size is the bundle's, and
    /// the inclusion proof against its root.
    pub fn verify(&self, verifier: &NoteVerifier) -> Result<(), LedgerError> {
        self.checkpoint.verify(verifier)?;
        if self.checkpoint.checkpoint.size != self.tree_size {
            return Err(ProofError::SizeBeyondTree {
                size: self.tree_size,
                tree_size: self.checkpoint.checkpoint.size,
            }
            .into());
        }
        verify_inclusion(
            self.leaf_index,
            self.tree_size,
            &self.leaf_hash,
            &self.proof,
            &self.checkpoint.checkpoint.root,
        )?;
        Ok(())
    }

    /// As [`InclusionBundle::verify`], and that the leaf is this record.
    pub fn verify_record(
        &self,
        record: &LeafRecord,
        verifier: &NoteVerifier,
    ) -> Result<(), LedgerError> {
        if leaf_hash(&record.encode()?) != self.leaf_hash {
            return Err(ProofError::RootMismatch.into());
        }
        self.verify(verifier)
    }
}
