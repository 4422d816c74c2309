//! Property tests of the three parsers that read outside input:
//! `SignedCheckpoint::parse`, `InclusionBundle::parse` and
//! `LeafRecord::decode`. For each: arbitrary input and mutations of valid
//! input never panic, whatever parses round-trips through its own output,
//! and generated values round-trip exactly.

mod common;

use common::*;
use proptest::collection::vec;
use proptest::prelude::*;
use vouch_ledger::note::Checkpoint;
use vouch_ledger::{InclusionBundle, LeafOutcome, LeafRecord, SignedCheckpoint};

/// One edit of a text or byte string: where, and what to do there.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Delete(usize),
    Insert(usize, u8),
    Truncate(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        (
            any::<usize>(),
            prop_oneof![Just(b'\n'), Just(b' '), Just(b'0'), any::<u8>()]
        )
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Truncate),
    ];
    vec(edit, 1..4)
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len().max(1);
        match *e {
            Edit::Flip(i, b) if !bytes.is_empty() => bytes[i % n] ^= b.max(1),
            Edit::Delete(i) if !bytes.is_empty() => {
                bytes.remove(i % n);
            }
            Edit::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Edit::Truncate(i) => bytes.truncate(i % n),
            _ => {}
        }
    }
    bytes
}

fn label() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9./_-]{0,12}"
}

fn leaf_record() -> impl Strategy<Value = LeafRecord> {
    (
        "[A-Z0-9-]{1,20}",
        "\\PC{0,10}",
        prop_oneof![
            Just(LeafOutcome::Confirmed),
            Just(LeafOutcome::NotConfirmed),
            Just(LeafOutcome::NotConfirmedHeld)
        ],
        any::<u64>(),
        (label(), label()),
        vec(label(), 0..4),
        (any::<Option<[u8; 32]>>(), any::<Option<[u8; 32]>>()),
    )
        .prop_map(
            |(r, s, outcome, t, (p, m), approvers, (tin_hmac, approvals_sha256))| LeafRecord {
                request_id: r,
                subject_ref: s,
                outcome,
                time_unix_ms: t,
                policy_version: p,
                model_version: m,
                approvers,
                tin_hmac,
                approvals_sha256,
            },
        )
}

fn signed_checkpoint() -> impl Strategy<Value = SignedCheckpoint> {
    (
        "[a-z0-9.]{1,10}/[a-z]{1,8}",
        any::<u64>(),
        any::<[u8; 32]>(),
        vec("[a-z0-9 =]{1,12}", 0..3),
    )
        .prop_map(|(origin, size, root, extensions)| {
            let cp = Checkpoint {
                origin,
                size,
                root,
                extensions,
            };
            SignedCheckpoint::sign(cp, KEY_NAME, &key()).unwrap()
        })
}

fn bundle() -> impl Strategy<Value = InclusionBundle> {
    (
        any::<u64>(),
        any::<[u8; 32]>(),
        vec(any::<[u8; 32]>(), 0..8),
        signed_checkpoint(),
    )
        .prop_map(
            |(leaf_index, leaf_hash, proof, checkpoint)| InclusionBundle {
                leaf_index,
                tree_size: checkpoint.checkpoint.size,
                leaf_hash,
                proof,
                checkpoint,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn leaf_decode_never_panics_and_accepts_only_canonical(bytes in vec(any::<u8>(), 0..200)) {
        if let Ok(rec) = LeafRecord::decode(&bytes) {
            prop_assert_eq!(rec.encode().unwrap(), bytes);
        }
    }

    #[test]
    fn leaf_round_trips_and_survives_mutation(rec in leaf_record(), e in edits()) {
        let bytes = rec.encode().unwrap();
        prop_assert_eq!(&LeafRecord::decode(&bytes).unwrap(), &rec);
        prop_assert_eq!(LeafRecord::peek_request_id(&bytes).unwrap(), rec.request_id.as_str());
        let mutated = apply(bytes, &e);
        if let Ok(other) = LeafRecord::decode(&mutated) {
            prop_assert_eq!(other.encode().unwrap(), mutated);
        }
    }

}

proptest! {
    // Signing in debug builds is slow: fewer cases for generated notes.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn checkpoint_parse_never_panics_on_arbitrary_text(text in "\\PC{0,80}(\n\n\u{2014} [a-z]{1,5} [A-Za-z0-9+/=]{0,100}\n)?") {
        if let Ok(cp) = SignedCheckpoint::parse(&text) {
            prop_assert_eq!(SignedCheckpoint::parse(cp.text()).unwrap(), cp);
        }
    }

    #[test]
    fn checkpoint_round_trips_and_survives_mutation(cp in signed_checkpoint(), e in edits()) {
        prop_assert_eq!(&SignedCheckpoint::parse(cp.text()).unwrap(), &cp);
        prop_assert!(cp.verify(&verifier()).is_ok());
        let mutated = String::from_utf8_lossy(&apply(cp.text().as_bytes().to_vec(), &e)).into_owned();
        if let Ok(other) = SignedCheckpoint::parse(&mutated) {
            prop_assert_eq!(SignedCheckpoint::parse(other.text()).unwrap(), other.clone());
            // A changed body must not keep a valid signature.
            if other.checkpoint != cp.checkpoint {
                prop_assert!(other.verify(&verifier()).is_err());
            }
        }
    }

    #[test]
    fn bundle_parse_never_panics_on_arbitrary_text(text in "(vouch-inclusion-proof v1\n)?\\PC{0,60}(\n\n\\PC{0,60})?") {
        if let Ok(b) = InclusionBundle::parse(&text) {
            prop_assert_eq!(InclusionBundle::parse(&b.to_text()).unwrap(), b);
        }
    }

    #[test]
    fn bundle_round_trips_and_survives_mutation(b in bundle(), e in edits()) {
        let text = b.to_text();
        prop_assert_eq!(&InclusionBundle::parse(&text).unwrap(), &b);
        let mutated = String::from_utf8_lossy(&apply(text.into_bytes(), &e)).into_owned();
        if let Ok(other) = InclusionBundle::parse(&mutated) {
            prop_assert_eq!(InclusionBundle::parse(&other.to_text()).unwrap(), other);
        }
    }
}
