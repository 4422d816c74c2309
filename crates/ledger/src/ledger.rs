//! The [`Ledger`]: leaf store + checkpoint store + the in-memory tree, with
//! the API the pipeline calls (append a batch durably, checkpoint, prove,
//! look up, verify everything from the stored data alone).
//!
//! Deliberately no clock and no key management: times come in the leaf
//! records, keys are passed in by the caller.

use std::collections::HashMap;
use std::path::Path;

use ed25519_dalek::SigningKey;
use rayon::prelude::*;

use crate::bundle::InclusionBundle;
use crate::error::{LeafError, LedgerError, ProofError};
use crate::hash::{leaf_hash, node_hash, Hash};
use crate::leaf::{LeafRecord, RegistryEntry};
use crate::note::{Checkpoint, NoteVerifier, SignedCheckpoint};
use crate::proof::verify_consistency;
use crate::store::{
    CheckpointStore, FileCheckpointStore, FileLeafStore, LeafStore, MemCheckpointStore,
    MemLeafStore, PackedLeaves,
};
use crate::tree::MerkleTree;

/// Limit on leaves per [`Ledger::append_batch`] call. The pipeline appends
/// a whole request's lookups in one call (one leaf per subject), so this
/// must be at least vouch-core's `BATCH_SUBJECTS_MAX` (10 million): a
/// lawful batch that passed intake and matching must not fail here. This
/// crate depends on no other vouch crate, so the relation is asserted at
/// compile time in vouch-pipeline (`limits.rs`), which sees both.
pub const BATCH_LEAVES_MAX: usize = 10_000_000;
/// Leaves encoded per parallel task (and per write) in [`Ledger::append_batch`].
const ENCODE_CHUNK_LEAVES: usize = 8 * 1024;
/// Leaves encoded before they are handed to the store, which writes them
/// while the next wave is encoded.
const WAVE_LEAVES: usize = 4 * ENCODE_CHUNK_LEAVES;
/// Leaves read per chunk when opening or verifying.
const SCAN_CHUNK_LEAVES: u64 = 1 << 16;

/// Whether [`Ledger::append_batch`] takes a batch of `len` leaves: at most
/// [`BATCH_LEAVES_MAX`], else [`LedgerError::BatchTooLarge`] naming the
/// limit. The check `append_batch` makes first, callable with a count so a
/// caller (or a test) can learn the answer without building the leaves.
pub fn check_batch_len(len: usize) -> Result<(), LedgerError> {
    if len > BATCH_LEAVES_MAX {
        return Err(LedgerError::BatchTooLarge {
            len,
            max: BATCH_LEAVES_MAX,
        });
    }
    Ok(())
}

/// Where a batch landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendReceipt {
    /// Index of the first leaf of the batch.
    pub first_index: u64,
    /// Number of leaves appended.
    pub count: u64,
}

/// What [`Ledger::verify_all`] checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Leaves re-read, decoded and hashed.
    pub leaves: u64,
    /// Root recomputed from the stored leaves.
    pub root: Hash,
    /// Checkpoints whose signature, root and consistency were checked.
    pub checkpoints: usize,
}

/// The disclosure ledger over a leaf store and a checkpoint store.
#[derive(Debug)]
pub struct Ledger<L = FileLeafStore, C = FileCheckpointStore> {
    leaves: L,
    checkpoint_store: C,
    tree: MerkleTree,
    checkpoints: Vec<SignedCheckpoint>,
    /// request id -> runs of leaf indices `[start, end)`, for resuming a batch.
    requests: HashMap<String, Vec<(u64, u64)>>,
    /// Indices of the registry entries, in log order.
    registry: Vec<u64>,
}

impl Ledger<FileLeafStore, FileCheckpointStore> {
    /// Opens the ledger in `dir`, creating it if absent and recovering a torn tail.
    pub fn open_dir(dir: &Path) -> Result<Self, LedgerError> {
        let leaves = FileLeafStore::open(dir)?;
        let checkpoints = FileCheckpointStore::open(dir)?;
        Self::with_stores(leaves, checkpoints)
    }
}

impl Ledger<MemLeafStore, MemCheckpointStore> {
    /// An empty ledger in memory (tests, tools).
    pub fn in_memory() -> Self {
        Self {
            leaves: MemLeafStore::new(),
            checkpoint_store: MemCheckpointStore::new(),
            tree: MerkleTree::new(),
            checkpoints: Vec::new(),
            requests: HashMap::new(),
            registry: Vec::new(),
        }
    }
}

fn add_to_requests(requests: &mut HashMap<String, Vec<(u64, u64)>>, id: &str, index: u64) {
    let runs = requests.entry(id.to_owned()).or_default();
    match runs.last_mut() {
        Some(run) if run.1 == index => run.1 += 1,
        _ => runs.push((index, index + 1)),
    }
}

impl<L: LeafStore, C: CheckpointStore> Ledger<L, C> {
    /// Builds a ledger over existing stores: reads every leaf to rebuild the
    /// tree and the request index, and parses every checkpoint.
    pub fn with_stores(leaves: L, checkpoint_store: C) -> Result<Self, LedgerError> {
        let mut tree = MerkleTree::new();
        let mut requests = HashMap::new();
        let mut registry = Vec::new();
        let n = leaves.len();
        let mut start = 0;
        while start < n {
            let count = SCAN_CHUNK_LEAVES.min(n - start);
            let chunk = leaves.read_range(start, count)?;
            let hashes: Vec<Hash> = chunk.par_iter().map(|b| leaf_hash(b)).collect();
            let mut last: Option<&str> = None;
            for (k, b) in chunk.iter().enumerate() {
                let index = start + k as u64;
                if RegistryEntry::is_registry(b) {
                    registry.push(index);
                    last = None;
                    continue;
                }
                let id = LeafRecord::peek_request_id(b)
                    .map_err(|source| LedgerError::BadStoredLeaf { index, source })?;
                if last == Some(id) {
                    add_run_tail(&mut requests, id, index);
                } else {
                    add_to_requests(&mut requests, id, index);
                }
                last = Some(id);
            }
            tree.extend(&hashes);
            start += count;
        }
        let checkpoints = parse_checkpoints(&checkpoint_store.load()?)?;
        Ok(Self {
            leaves,
            checkpoint_store,
            tree,
            checkpoints,
            requests,
            registry,
        })
    }

    /// Appends one registry entry durably and returns its index.
    pub fn append_registry(&mut self, entry: &RegistryEntry) -> Result<u64, LedgerError> {
        let bytes = entry.encode()?;
        let index = self.tree.size();
        let mut chunk = PackedLeaves::with_capacity(1, bytes.len());
        chunk.push(&bytes);
        let mut once = Some(vec![chunk]);
        if let Err(e) = self.leaves.append_from(&mut || once.take()) {
            let _ = self.leaves.discard_staged();
            return Err(e.into());
        }
        self.leaves.sync()?;
        self.tree.extend_owned(vec![leaf_hash(&bytes)]);
        self.registry.push(index);
        Ok(index)
    }

    /// Number of lookup leaves (every leaf but the registry entries).
    pub fn lookups(&self) -> u64 {
        self.size() - self.registry.len() as u64
    }

    /// Every registry entry, with its index, in log order.
    pub fn registry_entries(&self) -> Result<Vec<(u64, RegistryEntry)>, LedgerError> {
        self.registry
            .iter()
            .map(|&index| {
                let bytes = self.leaves.read(index)?;
                RegistryEntry::decode(&bytes)
                    .map(|e| (index, e))
                    .map_err(|source| LedgerError::BadStoredLeaf { index, source })
            })
            .collect()
    }

    /// Index of the first lookup leaf (not a registry entry), if any.
    pub fn first_lookup(&self) -> Option<u64> {
        let mut expected = 0u64;
        for &i in &self.registry {
            if i != expected {
                return Some(expected);
            }
            expected += 1;
        }
        (expected < self.size()).then_some(expected)
    }

    /// Appends leaves durably (synced before returning) and returns where they landed.
    pub fn append_batch(&mut self, records: &[LeafRecord]) -> Result<AppendReceipt, LedgerError> {
        check_batch_len(records.len())?;
        let first_index = self.tree.size();
        let mut hashes: Vec<Hash> = vec![[0u8; 32]; records.len()];
        let runs = self.stage_batch(records, &mut hashes)?;
        // Nothing reaches the tree or the request index before the store
        // has made the batch durable.
        self.leaves.sync()?;
        self.tree.extend_owned(hashes);
        for (start, end) in runs {
            let id = records[start].request_id.as_str();
            let (start, end) = (first_index + start as u64, first_index + end as u64);
            let runs = self.requests.entry(id.to_owned()).or_default();
            match runs.last_mut() {
                Some(run) if run.1 == start => run.1 = end,
                _ => runs.push((start, end)),
            }
        }
        Ok(AppendReceipt {
            first_index,
            count: records.len() as u64,
        })
    }

    /// Encodes and hashes `records` in parallel, wave by wave, handing each
    /// wave to the store (which may write it while the next is encoded);
    /// returns the runs of equal request ids as index ranges into `records`.
    /// On failure nothing stays staged.
    fn stage_batch(
        &mut self,
        records: &[LeafRecord],
        hashes: &mut [Hash],
    ) -> Result<Vec<(usize, usize)>, LedgerError> {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut failed: Option<LeafError> = None;
        let mut waves = records
            .chunks(WAVE_LEAVES)
            .zip(hashes.chunks_mut(WAVE_LEAVES))
            .enumerate();
        let mut next = || {
            let (w, (recs, out)) = waves.next()?;
            let encoded = recs
                .par_chunks(ENCODE_CHUNK_LEAVES)
                .zip(out.par_chunks_mut(ENCODE_CHUNK_LEAVES))
                .enumerate()
                .map(|(c, (r, h))| encode_chunk(r, h, w * WAVE_LEAVES + c * ENCODE_CHUNK_LEAVES))
                .collect::<Result<Vec<_>, LeafError>>();
            match encoded {
                Ok(chunks) => Some(
                    chunks
                        .into_iter()
                        .map(|(chunk, chunk_runs)| {
                            merge_runs(&mut runs, &chunk_runs, records);
                            chunk
                        })
                        .collect(),
                ),
                Err(e) => {
                    failed = Some(e);
                    None
                }
            }
        };
        let staged = self.leaves.append_from(&mut next);
        if let Some(e) = failed {
            self.leaves.discard_staged()?;
            return Err(e.into());
        }
        if let Err(e) = staged {
            // Best effort: a store that failed writing is poisoned anyway.
            let _ = self.leaves.discard_staged();
            return Err(e.into());
        }
        Ok(runs)
    }

    /// Gives the stores back (to hand them to another component or reopen).
    pub fn into_stores(self) -> (L, C) {
        (self.leaves, self.checkpoint_store)
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// Current root.
    pub fn root_hash(&self) -> Hash {
        self.tree.root()
    }

    /// Root at an earlier size.
    pub fn root_at(&self, size: u64) -> Result<Hash, LedgerError> {
        Ok(self.tree.root_at(size)?)
    }

    /// Signs the current size and root, stores the note durably and returns it.
    pub fn checkpoint(
        &mut self,
        origin: &str,
        key_name: &str,
        key: &SigningKey,
    ) -> Result<SignedCheckpoint, LedgerError> {
        let cp = Checkpoint {
            origin: origin.to_owned(),
            size: self.size(),
            root: self.root_hash(),
            extensions: Vec::new(),
        };
        let signed = SignedCheckpoint::sign(cp, key_name, key)?;
        self.checkpoint_store.append(signed.text())?;
        self.checkpoints.push(signed.clone());
        Ok(signed)
    }

    /// Publishes the latest checkpoint again with witnesses' cosignature
    /// lines added: `cosigned` must be the latest checkpoint's note (same
    /// body, every signature it had, in order) followed by further lines.
    /// The store is append-only, so the cosigned note is stored after the
    /// one it extends and becomes the latest.
    pub fn publish_cosigned(&mut self, cosigned: SignedCheckpoint) -> Result<(), LedgerError> {
        let latest = self
            .checkpoints
            .last()
            .ok_or(LedgerError::CheckpointMismatch {
                position: 0,
                size: cosigned.checkpoint.size,
                reason: "cannot be cosigned: the ledger has no checkpoint",
            })?;
        if !cosigned.text().starts_with(latest.text())
            || cosigned.body() != latest.body()
            || cosigned.signatures().len() <= latest.signatures().len()
        {
            return Err(LedgerError::CheckpointMismatch {
                position: self.checkpoints.len(),
                size: cosigned.checkpoint.size,
                reason: "does not extend the latest checkpoint's note with further signatures",
            });
        }
        self.checkpoint_store.append(cosigned.text())?;
        self.checkpoints.push(cosigned);
        Ok(())
    }

    /// The most recent stored checkpoint.
    pub fn latest_checkpoint(&self) -> Option<&SignedCheckpoint> {
        self.checkpoints.last()
    }

    /// Every stored checkpoint, oldest first.
    pub fn checkpoints(&self) -> &[SignedCheckpoint] {
        &self.checkpoints
    }

    /// Inclusion proof of leaf `index` in the tree of `tree_size` leaves.
    pub fn inclusion_proof(&self, index: u64, tree_size: u64) -> Result<Vec<Hash>, LedgerError> {
        Ok(self.tree.inclusion_proof(index, tree_size)?)
    }

    /// Consistency proof between two sizes.
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<Vec<Hash>, LedgerError> {
        Ok(self.tree.consistency_proof(old_size, new_size)?)
    }

    /// Hash of leaf `index`.
    pub fn leaf_hash(&self, index: u64) -> Result<Hash, LedgerError> {
        self.tree.leaf_hash(index).ok_or_else(|| {
            ProofError::IndexOutOfRange {
                index,
                size: self.size(),
            }
            .into()
        })
    }

    /// Reads and decodes leaf `index` from the store.
    pub fn leaf(&self, index: u64) -> Result<LeafRecord, LedgerError> {
        let bytes = self.leaves.read(index)?;
        LeafRecord::decode(&bytes).map_err(|source| LedgerError::BadStoredLeaf { index, source })
    }

    /// Every leaf of a request, in log order (to resume a crashed batch
    /// without looking anything up again).
    pub fn leaves_for_request(
        &self,
        request_id: &str,
    ) -> Result<Vec<(u64, LeafRecord)>, LedgerError> {
        let Some(runs) = self.requests.get(request_id) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for &(start, end) in runs {
            for (k, bytes) in self
                .leaves
                .read_range(start, end - start)?
                .iter()
                .enumerate()
            {
                let index = start + k as u64;
                let rec = LeafRecord::decode(bytes)
                    .map_err(|source| LedgerError::BadStoredLeaf { index, source })?;
                out.push((index, rec));
            }
        }
        Ok(out)
    }

    /// Index of the first leaf for this request and subject, if any.
    pub fn find(&self, request_id: &str, subject_ref: &str) -> Result<Option<u64>, LedgerError> {
        Ok(self
            .leaves_for_request(request_id)?
            .into_iter()
            .find(|(_, r)| r.subject_ref == subject_ref)
            .map(|(i, _)| i))
    }

    /// Inclusion bundle for leaf `index` against a stored checkpoint.
    pub fn inclusion_bundle(
        &self,
        index: u64,
        checkpoint: &SignedCheckpoint,
    ) -> Result<InclusionBundle, LedgerError> {
        let size = checkpoint.checkpoint.size;
        if self.tree.root_at(size)? != checkpoint.checkpoint.root {
            return Err(ProofError::RootMismatch.into());
        }
        Ok(InclusionBundle {
            leaf_index: index,
            tree_size: size,
            leaf_hash: self.leaf_hash(index)?,
            proof: self.inclusion_proof(index, size)?,
            checkpoint: checkpoint.clone(),
        })
    }

    /// Recomputes the tree from the stored leaves alone (each re-read,
    /// checksummed, decoded and hashed) and checks every stored checkpoint:
    /// its signature, its root at its size, the order of sizes and the
    /// consistency proofs between neighbours. Fails at the first problem,
    /// naming the leaf or checkpoint position.
    pub fn verify_all(&self, verifier: &NoteVerifier) -> Result<VerifyReport, LedgerError> {
        self.verify_all_any(std::slice::from_ref(verifier))
    }

    /// [`Ledger::verify_all`], each checkpoint signed by any of several
    /// keys (a log whose signing key was rotated: the retired keys still
    /// verify what they signed).
    pub fn verify_all_any(&self, verifiers: &[NoteVerifier]) -> Result<VerifyReport, LedgerError> {
        let stored = self.checkpoint_store.load()?;
        let cps = parse_checkpoints(&stored)?;
        for (position, w) in cps.windows(2).enumerate() {
            if w[1].checkpoint.size < w[0].checkpoint.size {
                return Err(mismatch(
                    position + 1,
                    &w[1],
                    "is smaller than the checkpoint before it",
                ));
            }
        }
        for (position, cp) in cps.iter().enumerate() {
            cp.verify_any(verifiers).map_err(|_| {
                mismatch(position, cp, "has no valid signature by the verifier key")
            })?;
        }
        let roots = self.recompute_roots(&cps)?;
        for (position, (cp, root)) in cps.iter().zip(&roots).enumerate() {
            if *root != cp.checkpoint.root {
                return Err(mismatch(
                    position,
                    cp,
                    "root differs from the stored leaves: a leaf up to this size was altered",
                ));
            }
        }
        for (position, w) in cps.windows(2).enumerate() {
            let (a, b) = (&w[0].checkpoint, &w[1].checkpoint);
            if a.size == 0 {
                continue;
            }
            let proof = self.tree.consistency_proof(a.size, b.size)?;
            verify_consistency(a.size, b.size, &proof, &a.root, &b.root).map_err(|_| {
                mismatch(
                    position + 1,
                    &w[1],
                    "is not consistent with the checkpoint before it",
                )
            })?;
        }
        let root = roots.last().copied().unwrap_or_else(|| self.tree.root());
        Ok(VerifyReport {
            leaves: self.leaves.len(),
            root,
            checkpoints: cps.len(),
        })
    }

    /// Streams every stored leaf through a compact range (O(log n) memory)
    /// and returns the root at each checkpoint size, then the root of all.
    fn recompute_roots(&self, cps: &[SignedCheckpoint]) -> Result<Vec<Hash>, LedgerError> {
        let n = self.leaves.len();
        if n != self.tree.size() {
            return Err(LedgerError::RootMismatch { size: n });
        }
        let mut sizes: Vec<u64> = cps.iter().map(|c| c.checkpoint.size).collect();
        if let Some((p, c)) = cps.iter().enumerate().find(|(_, c)| c.checkpoint.size > n) {
            return Err(mismatch(p, c, "is beyond the stored leaves"));
        }
        sizes.push(n);
        let mut range = CompactRange::default();
        let mut roots = Vec::with_capacity(sizes.len());
        let mut next = 0;
        let mut start = 0;
        loop {
            while next < sizes.len() && sizes[next] == start {
                roots.push(range.root());
                next += 1;
            }
            if start == n {
                break;
            }
            // Stop chunks at checkpoint sizes so each root is taken exactly there.
            let limit = sizes[next].min(start + SCAN_CHUNK_LEAVES);
            let chunk = self.leaves.read_range(start, limit - start)?;
            let hashes = hash_and_check(&chunk, start, &self.tree)?;
            for h in &hashes {
                range.push(*h);
            }
            start = limit;
        }
        // `sizes` ends with n, so the last root is the whole tree's.
        if roots.last() != Some(&self.tree.root()) {
            return Err(LedgerError::RootMismatch { size: n });
        }
        Ok(roots)
    }
}

/// Decodes and hashes a chunk in parallel; a leaf that does not decode or
/// whose hash differs from the one the ledger holds is reported by position.
fn hash_and_check(
    chunk: &[Vec<u8>],
    start: u64,
    tree: &MerkleTree,
) -> Result<Vec<Hash>, LedgerError> {
    chunk
        .par_iter()
        .enumerate()
        .map(|(k, b)| {
            let index = start + k as u64;
            if RegistryEntry::is_registry(b) {
                RegistryEntry::decode(b)
                    .map_err(|source| LedgerError::BadStoredLeaf { index, source })?;
            } else {
                LeafRecord::decode(b)
                    .map_err(|source| LedgerError::BadStoredLeaf { index, source })?;
            }
            let h = leaf_hash(b);
            if tree.leaf_hash(index) != Some(h) {
                return Err(LedgerError::LeafChanged { index });
            }
            Ok(h)
        })
        .collect()
}

/// Encodes `records` (the batch's leaves from `first`) into one packed
/// chunk and their leaf hashes into `out`; also returns the runs of equal
/// request ids, as batch positions, found while each record is in cache.
fn encode_chunk(
    records: &[LeafRecord],
    out: &mut [Hash],
    first: usize,
) -> Result<(PackedLeaves, Vec<(usize, usize)>), LeafError> {
    let bytes = records.iter().map(LeafRecord::encoded_len_hint).sum();
    let mut chunk = PackedLeaves::with_capacity(records.len(), bytes);
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut last: Option<&str> = None;
    for (k, (r, h)) in records.iter().zip(out).enumerate() {
        *h = leaf_hash(chunk.push_with(|buf| r.encode_into(buf))?);
        match runs.last_mut() {
            Some(run) if last == Some(r.request_id.as_str()) => run.1 = first + k + 1,
            _ => runs.push((first + k, first + k + 1)),
        }
        last = Some(&r.request_id);
    }
    Ok((chunk, runs))
}

/// Appends a chunk's runs to the batch's, joining a run that continues the
/// previous chunk's last one (same request id, adjacent).
fn merge_runs(
    runs: &mut Vec<(usize, usize)>,
    chunk_runs: &[(usize, usize)],
    records: &[LeafRecord],
) {
    for &(start, end) in chunk_runs {
        match runs.last_mut() {
            Some(run)
                if run.1 == start && records[run.0].request_id == records[start].request_id =>
            {
                run.1 = end
            }
            _ => runs.push((start, end)),
        }
    }
}

fn add_run_tail(requests: &mut HashMap<String, Vec<(u64, u64)>>, id: &str, index: u64) {
    // The previous leaf had the same id, so its run exists and ends at `index`.
    if let Some(run) = requests.get_mut(id).and_then(|r| r.last_mut()) {
        run.1 = index + 1;
    }
}

fn parse_checkpoints(notes: &[String]) -> Result<Vec<SignedCheckpoint>, LedgerError> {
    notes
        .iter()
        .enumerate()
        .map(|(position, text)| {
            SignedCheckpoint::parse(text).map_err(|_| LedgerError::CheckpointMismatch {
                position,
                size: 0,
                reason: "does not parse as a signed checkpoint",
            })
        })
        .collect()
}

fn mismatch(position: usize, cp: &SignedCheckpoint, reason: &'static str) -> LedgerError {
    LedgerError::CheckpointMismatch {
        position,
        size: cp.checkpoint.size,
        reason,
    }
}

/// The perfect subtrees covering a prefix of the leaves, largest first.
#[derive(Debug, Default)]
struct CompactRange {
    nodes: Vec<(u32, Hash)>,
}

impl CompactRange {
    fn push(&mut self, h: Hash) {
        let mut cur = (0u32, h);
        while let Some(&(level, left)) = self.nodes.last() {
            if level != cur.0 {
                break;
            }
            self.nodes.pop();
            cur = (level + 1, node_hash(&left, &cur.1));
        }
        self.nodes.push(cur);
    }

    /// MTH of the prefix: fold the subtrees from the right (RFC 9162's split).
    fn root(&self) -> Hash {
        let mut it = self.nodes.iter().rev();
        let Some(&(_, mut acc)) = it.next() else {
            return crate::hash::empty_root();
        };
        for (_, left) in it {
            acc = node_hash(left, &acc);
        }
        acc
    }
}
