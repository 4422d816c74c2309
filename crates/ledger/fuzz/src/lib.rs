//! The properties the fuzz targets check, one function per target, shared
//! by the `fuzz_targets/` binaries and by the ordinary workspace test that
//! replays every crasher kept in `crashers/TARGET/`
//! (`crates/ledger/tests/fuzz_replay.rs`). That test compiles this file in
//! as a module, so it may use only what `vouch-ledger` depends on
//! (`ed25519-dalek`), never `libfuzzer-sys`.
//!
//! Each function panics when a property fails (that is what the fuzzer
//! reports).
#![deny(missing_docs)]

use vouch_ledger::bundle::BUNDLE_BYTES_MAX;
use vouch_ledger::{
    leaf_hash, verify_consistency, verify_consistency_bytes, verify_inclusion,
    verify_inclusion_bytes, InclusionBundle, LeafRecord, MerkleTree, NoteVerifier,
    SignedCheckpoint,
};

/// A fixed trusted key: signatures found by the fuzzer are checked against it.
fn verifier() -> NoteVerifier {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    NoteVerifier::from_signing_key("fuzz-key", &key).expect("valid key name")
}

/// `checkpoint_note`: the signed checkpoint note, verifier key, cosigner key
/// and witness request parsers
/// never panic, and whatever parses round-trips through its own text.
/// Deliberately no signature checks beyond "does not panic": a fuzzer
/// cannot forge Ed25519. Inputs that are not UTF-8 are ignored.
pub fn check_checkpoint_note(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cp) = SignedCheckpoint::parse(text) {
        assert_eq!(cp.text(), text);
        let again = SignedCheckpoint::parse(cp.text()).expect("own text parses");
        assert_eq!(again, cp);
        let _ = cp.verify(&verifier());
        // A witness's cosignature check fails cleanly on whatever lines
        // the note carries (it cannot forge one either).
        let _ = cosigner().verify(&cp);
    }
    if let Ok(v) = NoteVerifier::parse(text) {
        assert_eq!(
            NoteVerifier::parse(&v.to_string()).expect("own text parses"),
            v
        );
    }
    // A witness's add-checkpoint body (its checkpoint is a note too).
    if let Ok(r) = vouch_ledger::witness::AddCheckpoint::parse(text) {
        assert_eq!(
            vouch_ledger::witness::AddCheckpoint::parse(&r.to_body()).expect("own body parses"),
            r
        );
    }
    if let Ok(v) = vouch_ledger::cosignature::CosignerVerifier::parse(text) {
        assert_eq!(
            vouch_ledger::cosignature::CosignerVerifier::parse(&v.to_vkey())
                .expect("own text parses"),
            v
        );
    }
}

/// A fixed witness key under the name a fuzzer's note may use.
fn cosigner() -> vouch_ledger::cosignature::CosignerVerifier {
    vouch_ledger::cosignature::Cosigner::new(
        "witness.example/w1",
        ed25519_dalek::SigningKey::from_bytes(&[3; 32]),
    )
    .expect("a valid name")
    .verifier()
}

/// `inclusion_bundle`: the inclusion bundle parser never panics, and a
/// bundle that parses prints to text that parses back to it. `verify` runs
/// too (it must fail cleanly, never panic). Inputs that are not UTF-8 are
/// ignored.
pub fn check_inclusion_bundle(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(b) = InclusionBundle::parse(text) else {
        return;
    };
    let printed = b.to_text();
    assert!(printed.len() <= BUNDLE_BYTES_MAX || text.len() > BUNDLE_BYTES_MAX);
    assert_eq!(
        InclusionBundle::parse(&printed).expect("own text parses"),
        b
    );
    let _ = b.verify(&verifier());
}

/// `leaf_decode`: leaf and registry-entry decoding never panic; a leaf that decodes
/// re-encodes to exactly the same bytes (the encoding is canonical), and
/// `peek_request_id` agrees with the full decode.
pub fn check_leaf_decode(data: &[u8]) {
    // A registry entry (leaf version 3) is never a lookup, and decodes
    // canonically too.
    if let Ok(e) = vouch_ledger::RegistryEntry::decode(data) {
        assert!(vouch_ledger::RegistryEntry::is_registry(data));
        assert!(LeafRecord::decode(data).is_err());
        assert_eq!(e.encode().expect("decoded entry encodes"), data);
    }
    let peeked = LeafRecord::peek_request_id(data);
    let Ok(rec) = LeafRecord::decode(data) else {
        return;
    };
    assert_eq!(rec.encode().expect("decoded leaf encodes"), data);
    assert_eq!(peeked.expect("full decode succeeded"), rec.request_id);
}

/// Reads fixed-size fields from the front of the input, zero-padded.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        let n = self.0.len().min(8);
        b[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        u64::from_le_bytes(b)
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let want = (self.u64() as usize) % (max + 1);
        let n = self.0.len().min(want);
        let (a, rest) = self.0.split_at(n);
        self.0 = rest;
        a.to_vec()
    }
}

/// `proof_verify`: the RFC 9162 proof verifiers, given arbitrary sizes,
/// indices, hashes and proofs read from the input, return errors, never
/// panic; and against the generator, for a small tree chosen by the input,
/// a generated proof verifies and the same proof with one bit flipped does
/// not.
pub fn check_proof_verify(data: &[u8]) {
    let mut c = Cursor(data);
    let (a, b) = (c.u64(), c.u64());
    let leaf = c.bytes(40);
    let root1 = c.bytes(40);
    let root2 = c.bytes(40);
    let proof: Vec<Vec<u8>> = (0..c.u64() % 70).map(|_| c.bytes(40)).collect();
    let _ = verify_inclusion_bytes(a, b, &leaf, &proof, &root1);
    let _ = verify_consistency_bytes(a, b, &proof, &root1, &root2);

    // Generator against verifier on a tree of at most 64 leaves.
    let n = a % 64 + 1;
    let leaves: Vec<_> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let mut tree = MerkleTree::new();
    tree.extend(&leaves);
    let (m, flip) = (b % n, c.u64());
    let p = tree.inclusion_proof(m, n).expect("index in range");
    verify_inclusion(m, n, &leaves[m as usize], &p, &tree.root()).expect("own proof verifies");
    if !p.is_empty() {
        let mut bad = p.clone();
        let bit = (flip as usize) % (bad.len() * 256);
        bad[bit / 256][(bit % 256) / 8] ^= 1 << (bit % 8);
        assert!(verify_inclusion(m, n, &leaves[m as usize], &bad, &tree.root()).is_err());
    }
    let old = m + 1;
    let cp = tree.consistency_proof(old, n).expect("sizes in range");
    let old_root = tree.root_at(old).expect("size in range");
    verify_consistency(old, n, &cp, &old_root, &tree.root()).expect("own proof verifies");
    if !cp.is_empty() {
        let mut bad = cp.clone();
        let bit = (flip as usize) % (bad.len() * 256);
        bad[bit / 256][(bit % 256) / 8] ^= 1 << (bit % 8);
        assert!(verify_consistency(old, n, &bad, &old_root, &tree.root()).is_err());
    }
}
