//! Large batches through the parallel, streaming append path: request runs
//! that cross the internal chunk and wave boundaries, a record that fails to
//! encode after earlier waves were already written, and agreement between
//! the file and in-memory stores.

mod common;

use common::*;
use vouch_ledger::ledger::{check_batch_len, BATCH_LEAVES_MAX};
use vouch_ledger::{CheckpointStore, LeafRecord, LeafStore, Ledger, LedgerError};

/// Leaves per batch: larger than one internal wave (32,768) so the failure
/// test fails after whole waves reached the file.
const BIG_BATCH: u64 = 40_000;

/// Request ids that change at unaligned positions and come back later.
fn mixed_records(n: u64) -> Vec<LeafRecord> {
    (0..n)
        .map(|i| {
            let req = match i {
                i if i < 8_190 => "REQ-A",
                i if i < 8_200 => "REQ-B",
                i if i < 30_001 => "REQ-A",
                i if i % 1_000 == 7 => "REQ-C",
                _ => "REQ-B",
            };
            record(req, i)
        })
        .collect()
}

fn indices<L: LeafStore, C: CheckpointStore>(l: &Ledger<L, C>, request: &str) -> Vec<u64> {
    l.leaves_for_request(request)
        .unwrap()
        .into_iter()
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn request_runs_across_chunks_match_a_reopened_scan() {
    let dir = tempfile::tempdir().unwrap();
    let recs = mixed_records(20_000);
    let mut l = Ledger::open_dir(dir.path()).unwrap();
    l.append_batch(&recs[..50]).unwrap();
    l.append_batch(&recs[50..]).unwrap();
    let want_a: Vec<u64> = (0..20_000)
        .filter(|&i| recs[i as usize].request_id == "REQ-A")
        .collect();
    assert_eq!(indices(&l, "REQ-A"), want_a);
    assert_eq!(indices(&l, "REQ-B"), (8_190..8_200).collect::<Vec<_>>());
    let root = l.root_hash();
    drop(l);
    let reopened = Ledger::open_dir(dir.path()).unwrap();
    assert_eq!(reopened.root_hash(), root);
    assert_eq!(indices(&reopened, "REQ-A"), want_a);
    assert_eq!(reopened.leaf(8_195).unwrap(), recs[8_195]);
    assert_eq!(reopened.find("REQ-A", "S-8200").unwrap(), Some(8_200));
}

#[test]
fn big_batch_agrees_with_the_in_memory_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let recs = mixed_records(BIG_BATCH);
    let mut file = Ledger::open_dir(dir.path()).unwrap();
    let mut mem = Ledger::in_memory();
    file.append_batch(&recs).unwrap();
    mem.append_batch(&recs).unwrap();
    assert_eq!(file.size(), BIG_BATCH);
    assert_eq!(file.root_hash(), mem.root_hash());
    for req in ["REQ-A", "REQ-B", "REQ-C"] {
        assert_eq!(indices(&file, req), indices(&mem, req), "{req}");
    }
    file.checkpoint(ORIGIN, KEY_NAME, &key()).unwrap();
    assert_eq!(file.verify_all(&verifier()).unwrap().leaves, BIG_BATCH);
}

#[test]
fn failed_batch_leaves_nothing_behind_even_after_written_waves() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = Ledger::open_dir(dir.path()).unwrap();
    l.append_batch(&records("REQ-0", 0, 10)).unwrap();
    let root = l.root_hash();
    let mut bad = mixed_records(BIG_BATCH);
    // The invalid record sits in the second wave: the first was written.
    bad[BIG_BATCH as usize - 100].request_id.clear();
    assert!(matches!(l.append_batch(&bad), Err(LedgerError::Leaf(_))));
    assert_eq!((l.size(), l.root_hash()), (10, root));
    assert!(l.leaves_for_request("REQ-A").unwrap().is_empty());
    // A shorter batch afterwards must not be followed by stale records.
    l.append_batch(&records("REQ-1", 10, 5)).unwrap();
    let root = l.root_hash();
    drop(l);
    let reopened = Ledger::open_dir(dir.path()).unwrap();
    assert_eq!((reopened.size(), reopened.root_hash()), (15, root));
    assert!(reopened.leaves_for_request("REQ-A").unwrap().is_empty());
    let len = std::fs::metadata(dir.path().join("leaves.dat"))
        .unwrap()
        .len();
    let idx = std::fs::read(dir.path().join("leaves.idx")).unwrap();
    let last_end = u64::from_be_bytes(idx[idx.len() - 8..].try_into().unwrap());
    assert_eq!(len, last_end, "bytes after the last acknowledged record");
}

/// The batch-size check `append_batch` makes first, at its boundary (by
/// count: ten million leaves are not built for a test).
#[test]
fn a_batch_of_exactly_batch_leaves_max_is_taken_and_one_more_is_refused_naming_the_limit() {
    assert!(check_batch_len(BATCH_LEAVES_MAX).is_ok());
    let err = check_batch_len(BATCH_LEAVES_MAX + 1).unwrap_err();
    assert!(
        matches!(err, LedgerError::BatchTooLarge { len, max }
            if len == BATCH_LEAVES_MAX + 1 && max == BATCH_LEAVES_MAX),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("BATCH_LEAVES_MAX") && text.contains(&BATCH_LEAVES_MAX.to_string()),
        "{text}"
    );
}
