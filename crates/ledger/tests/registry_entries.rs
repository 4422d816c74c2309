//! Registry entries (changes to who may act, confirmed by two people) share
//! the log with lookups: they survive a reopen, are found again in order,
//! are covered by checkpoints and `verify_all`, and never mix with a
//! request's lookups.

mod common;

use common::{key, records, verifier, ORIGIN};
use proptest::prelude::*;
use vouch_ledger::{LeafRecord, Ledger, RegistryEntry};

fn entry(i: u64) -> RegistryEntry {
    RegistryEntry {
        change_id: format!("change-{i}"),
        kind: "official".into(),
        time_unix_ms: 1_750_000_000_000 + i,
        record_sha256: [i as u8; 32],
    }
}

#[test]
fn registry_entries_are_logged_reopened_verified_and_kept_apart_from_lookups() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut l = Ledger::open_dir(dir.path()).unwrap();
        assert_eq!(l.append_registry(&entry(0)).unwrap(), 0);
        assert_eq!(l.append_registry(&entry(1)).unwrap(), 1);
        assert_eq!(l.first_lookup(), None);
        l.append_batch(&records("R-1", 0, 5)).unwrap();
        assert_eq!(l.append_registry(&entry(2)).unwrap(), 7);
        l.append_batch(&records("R-1", 5, 3)).unwrap();
        l.checkpoint(ORIGIN, common::KEY_NAME, &key()).unwrap();
    }
    let l = Ledger::open_dir(dir.path()).unwrap();
    assert_eq!(l.size(), 11);
    let found = l.registry_entries().unwrap();
    assert_eq!(
        found,
        vec![(0, entry(0)), (1, entry(1)), (7, entry(2))],
        "every registry entry, in order, after a reopen"
    );
    assert_eq!(l.first_lookup(), Some(2));
    let lookups = l.leaves_for_request("R-1").unwrap();
    assert_eq!(
        lookups.len(),
        8,
        "the request's lookups, without the entry between them"
    );
    assert!(lookups.iter().all(|(i, _)| *i != 7));
    let report = l.verify_all(&verifier()).unwrap();
    assert_eq!(report.leaves, 11);
    assert!(l.leaf(7).is_err(), "a registry entry is not a lookup");
}

#[test]
fn a_registry_entry_never_decodes_as_a_lookup_nor_a_lookup_as_an_entry() {
    let e = entry(3).encode().unwrap();
    assert!(LeafRecord::decode(&e).is_err());
    let leaf = records("R-2", 0, 1)[0].encode().unwrap();
    assert!(RegistryEntry::decode(&leaf).is_err());
    assert!(!RegistryEntry::is_registry(&leaf));
}

proptest! {
    #[test]
    fn registry_entries_round_trip_and_reject_any_single_byte_change(
        id in "[a-z0-9-]{1,64}",
        kind in "[a-z]{1,16}",
        t in any::<u64>(),
        digest in any::<[u8; 32]>(),
        pos in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let e = RegistryEntry { change_id: id, kind, time_unix_ms: t, record_sha256: digest };
        let bytes = e.encode().unwrap();
        prop_assert_eq!(&RegistryEntry::decode(&bytes).unwrap(), &e);
        let mut bad = bytes.clone();
        let i = pos.index(bad.len());
        bad[i] ^= flip;
        if let Ok(other) = RegistryEntry::decode(&bad) {
            prop_assert_ne!(other, e, "a changed encoding decoded to the same entry");
        }
        prop_assert!(RegistryEntry::decode(&bytes[..bytes.len() - 1]).is_err());
    }
}
