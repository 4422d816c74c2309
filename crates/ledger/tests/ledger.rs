//! The Ledger API end to end, in memory and on disk: appends, proofs,
//! checkpoints, bundles, resume look-ups, reopening, and tamper detection.

mod common;

use common::*;
use vouch_ledger::store::{CheckpointStore, FileCheckpointStore};
use vouch_ledger::{
    verify_consistency, verify_inclusion, InclusionBundle, LeafStore, Ledger, LedgerError,
    MemCheckpointStore, MemLeafStore, StoreError,
};

#[test]
fn append_prove_checkpoint_and_bundle_in_memory() {
    let mut l = Ledger::in_memory();
    let r1 = l.append_batch(&records("REQ-1", 0, 5)).unwrap();
    assert_eq!((r1.first_index, r1.count), (0, 5));
    let c1 = l.checkpoint(ORIGIN, KEY_NAME, &key()).unwrap();
    let r2 = l.append_batch(&records("REQ-2", 5, 9)).unwrap();
    assert_eq!((r2.first_index, r2.count, l.size()), (5, 9, 14));
    let c2 = l.checkpoint(ORIGIN, KEY_NAME, &key()).unwrap();
    assert_eq!(l.checkpoints().len(), 2);
    assert_eq!(l.latest_checkpoint(), Some(&c2));
    assert_eq!(c2.checkpoint.size, 14);
    assert_eq!(c2.checkpoint.root, l.root_hash());
    for i in 0..14 {
        let p = l.inclusion_proof(i, 14).unwrap();
        assert!(verify_inclusion(i, 14, &l.leaf_hash(i).unwrap(), &p, &l.root_hash()).is_ok());
        assert_eq!(
            l.leaf(i).unwrap(),
            record(if i < 5 { "REQ-1" } else { "REQ-2" }, i)
        );
    }
    let p = l.consistency_proof(5, 14).unwrap();
    assert!(verify_consistency(5, 14, &p, &c1.checkpoint.root, &c2.checkpoint.root).is_ok());
    let bundle = l.inclusion_bundle(7, &c2).unwrap();
    let text = bundle.to_text();
    let parsed = InclusionBundle::parse(&text).unwrap();
    assert_eq!(parsed, bundle);
    assert!(parsed.verify(&verifier()).is_ok());
    assert!(parsed
        .verify_record(&record("REQ-2", 7), &verifier())
        .is_ok());
    assert!(parsed
        .verify_record(&record("REQ-2", 8), &verifier())
        .is_err());
    let report = l.verify_all(&verifier()).unwrap();
    assert_eq!(
        (report.leaves, report.checkpoints, report.root),
        (14, 2, l.root_hash())
    );
}

#[test]
fn tampered_bundles_are_rejected() {
    let mut l = Ledger::in_memory();
    l.append_batch(&records("REQ-1", 0, 11)).unwrap();
    let cp = l.checkpoint(ORIGIN, KEY_NAME, &key()).unwrap();
    let text = l.inclusion_bundle(3, &cp).unwrap().to_text();
    let mut broken = vec![
        text.replacen("index 3\n", "index 4\n", 1),
        text.replacen("size 11\n", "size 12\n", 1),
        text.replacen("\n11\n", "\n12\n", 1), // checkpoint body
    ];
    // Flip one character of the first proof hash and of the signature.
    let proof_at = text.find("proof ").unwrap() + 8;
    let mut b = text.clone().into_bytes();
    b[proof_at] = if b[proof_at] == b'A' { b'B' } else { b'A' };
    broken.push(String::from_utf8(b).unwrap());
    let sig_at = text.rfind(' ').unwrap() + 5;
    let mut b = text.clone().into_bytes();
    b[sig_at] = if b[sig_at] == b'A' { b'B' } else { b'A' };
    broken.push(String::from_utf8(b).unwrap());
    for (i, t) in broken.iter().enumerate() {
        let ok = InclusionBundle::parse(t).map(|b| b.verify(&verifier()).is_ok());
        assert_ne!(ok.ok(), Some(true), "tampered bundle {i} accepted");
    }
}

#[test]
fn resume_lookups_find_leaves_of_a_request() {
    let mut l = Ledger::in_memory();
    l.append_batch(&records("REQ-A", 0, 4)).unwrap();
    l.append_batch(&records("REQ-B", 4, 3)).unwrap();
    l.append_batch(&records("REQ-A", 7, 2)).unwrap();
    let a = l.leaves_for_request("REQ-A").unwrap();
    let idx: Vec<u64> = a.iter().map(|(i, _)| *i).collect();
    assert_eq!(idx, vec![0, 1, 2, 3, 7, 8]);
    assert_eq!(a[4].1, record("REQ-A", 7));
    assert_eq!(l.find("REQ-B", "S-5").unwrap(), Some(5));
    assert_eq!(l.find("REQ-B", "S-1").unwrap(), None);
    assert!(l.leaves_for_request("REQ-Z").unwrap().is_empty());
}

#[test]
fn reopening_a_directory_restores_everything() {
    let dir = tempfile::tempdir().unwrap();
    let (root, cps) = {
        let mut l = Ledger::open_dir(dir.path()).unwrap();
        l.append_batch(&records("REQ-1", 0, 100)).unwrap();
        l.checkpoint(ORIGIN, KEY_NAME, &key()).unwrap();
        l.append_batch(&records("REQ-2", 100, 57)).unwrap();
        l.checkpoint(ORIGIN, KEY_NAME, &key()).unwrap();
        (l.root_hash(), l.checkpoints().to_vec())
    };
    let l = Ledger::open_dir(dir.path()).unwrap();
    assert_eq!((l.size(), l.root_hash()), (157, root));
    assert_eq!(l.checkpoints(), cps.as_slice());
    assert_eq!(l.leaf(120).unwrap(), record("REQ-2", 120));
    assert_eq!(l.leaves_for_request("REQ-2").unwrap().len(), 57);
    assert_eq!(l.verify_all(&verifier()).unwrap().checkpoints, 2);
}

#[test]
fn second_open_of_the_same_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _l = Ledger::open_dir(dir.path()).unwrap();
    assert!(matches!(
        Ledger::open_dir(dir.path()),
        Err(LedgerError::Store(StoreError::Locked { .. }))
    ));
}

#[test]
fn altered_leaf_is_reported_by_position() {
    let mut l = Ledger::in_memory();
    l.append_batch(&records("REQ-1", 0, 30)).unwrap();
    l.checkpoint(ORIGIN, KEY_NAME, &key()).unwrap();
    let (mut leaves, cps) = l.into_stores();
    let mut altered = record("REQ-1", 17);
    altered.outcome = vouch_ledger::LeafOutcome::Confirmed;
    altered.subject_ref = "S-999".into();
    leaves.overwrite_for_test(17, altered.encode().unwrap());
    // Reopened over the altered store, the tree no longer matches the checkpoint.
    let reopened = Ledger::with_stores(leaves, cps).unwrap();
    assert!(matches!(
        reopened.verify_all(&verifier()),
        Err(LedgerError::CheckpointMismatch {
            position: 0,
            size: 30,
            ..
        })
    ));
}

#[test]
fn forged_or_altered_checkpoints_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let good_text = {
        let mut l = Ledger::open_dir(dir.path()).unwrap();
        l.append_batch(&records("REQ-1", 0, 20)).unwrap();
        l.checkpoint(ORIGIN, KEY_NAME, &key())
            .unwrap()
            .text()
            .to_owned()
    };
    let forgeries = [
        // Body altered, original signature kept.
        good_text.replacen("\n20\n", "\n19\n", 1),
        // Valid signature by another key under the same name.
        {
            let mut l = Ledger::in_memory();
            l.append_batch(&records("REQ-1", 0, 20)).unwrap();
            let other = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
            l.checkpoint(ORIGIN, KEY_NAME, &other)
                .unwrap()
                .text()
                .to_owned()
        },
        // Correctly signed but for a root the stored leaves do not give.
        {
            let mut l = Ledger::in_memory();
            l.append_batch(&records("REQ-X", 0, 20)).unwrap();
            l.checkpoint(ORIGIN, KEY_NAME, &key())
                .unwrap()
                .text()
                .to_owned()
        },
    ];
    for (i, forged) in forgeries.iter().enumerate() {
        let case = tempfile::tempdir().unwrap();
        for f in ["leaves.dat", "leaves.idx", "checkpoints.dat"] {
            std::fs::copy(dir.path().join(f), case.path().join(f)).unwrap();
        }
        FileCheckpointStore::open(case.path())
            .unwrap()
            .append(forged)
            .unwrap();
        let l = Ledger::open_dir(case.path()).unwrap();
        let got = l.verify_all(&verifier());
        assert!(
            matches!(
                got,
                Err(LedgerError::CheckpointMismatch { position: 1, .. })
            ),
            "forgery {i}: {got:?}"
        );
    }
}

#[test]
fn in_memory_stores_satisfy_the_trait_contract() {
    let mut s = MemLeafStore::new();
    s.append(&[b"a".to_vec(), b"b".to_vec()]).unwrap();
    assert_eq!(s.len(), 0, "staged leaves are not acknowledged before sync");
    s.sync().unwrap();
    assert_eq!(
        s.read_range(0, 2).unwrap(),
        vec![b"a".to_vec(), b"b".to_vec()]
    );
    assert!(s.read(2).is_err());
    let mut c = MemCheckpointStore::new();
    c.append("x").unwrap();
    assert_eq!(c.load().unwrap(), vec!["x".to_owned()]);
}

#[test]
fn a_cosigned_checkpoint_is_published_only_as_an_extension_of_the_latest() {
    use vouch_ledger::cosignature::{add_cosignature, Cosigner};
    let mut l = Ledger::in_memory();
    l.append_batch(&records("REQ-1", 0, 5)).unwrap();
    let cp = l.checkpoint(ORIGIN, KEY_NAME, &key()).unwrap();
    let w = Cosigner::new(
        "witness.example/w",
        ed25519_dalek::SigningKey::from_bytes(&[9; 32]),
    )
    .unwrap();
    let cosigned = add_cosignature(&cp, &w.cosign(&cp, 1_700_000_000).unwrap()).unwrap();
    // The same note without a new line, or another checkpoint's, is refused.
    assert!(l.publish_cosigned(cp.clone()).is_err());
    l.append_batch(&records("REQ-2", 5, 2)).unwrap();
    let newer = l.checkpoint(ORIGIN, KEY_NAME, &key()).unwrap();
    assert!(l.publish_cosigned(cosigned.clone()).is_err());
    let cosigned = add_cosignature(&newer, &w.cosign(&newer, 1_700_000_001).unwrap()).unwrap();
    l.publish_cosigned(cosigned.clone()).unwrap();
    assert_eq!(l.latest_checkpoint(), Some(&cosigned));
    assert_eq!(w.verifier().verify(&cosigned).unwrap(), 1_700_000_001);
    // Two checkpoints of one size, one cosigned: the log still verifies.
    let report = l.verify_all(&verifier()).unwrap();
    assert_eq!(report.checkpoints, 3);
}
