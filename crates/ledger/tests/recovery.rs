//! Crash injection and corruption on disk: torn tails after the acknowledged
//! records are recovered to the last whole record; damage inside acknowledged
//! records is reported with its position by open or by verify_all.

mod common;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use common::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use vouch_ledger::{Ledger, LedgerError, StoreError};

const HEADER_LEN: u64 = 8;

fn frame(bytes: &[u8]) -> Vec<u8> {
    let len = (bytes.len() as u32).to_be_bytes();
    let mut h = crc32fast::Hasher::new();
    h.update(&len);
    h.update(bytes);
    let mut out = len.to_vec();
    out.extend_from_slice(bytes);
    out.extend_from_slice(&h.finalize().to_be_bytes());
    out
}

/// Record start offsets of the first `n` leaves, from the framing.
fn record_starts(dir: &Path, n: usize) -> Vec<u64> {
    let data = std::fs::read(dir.join("leaves.dat")).unwrap();
    let mut at = HEADER_LEN as usize;
    let mut starts = Vec::new();
    for _ in 0..n {
        starts.push(at as u64);
        let len = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize;
        at += len + 8;
    }
    starts
}

fn build(dir: &Path, acked: u64) -> (u64, [u8; 32]) {
    let mut l = Ledger::open_dir(dir).unwrap();
    l.append_batch(&records("REQ-1", 0, acked / 2)).unwrap();
    l.checkpoint(ORIGIN, KEY_NAME, &key()).unwrap();
    l.append_batch(&records("REQ-2", acked / 2, acked - acked / 2))
        .unwrap();
    (l.size(), l.root_hash())
}

/// Appends whole frames as a crash after the data write but before the index
/// write would leave them, and returns the file length before them.
fn append_unindexed(dir: &Path, from: u64, n: u64) -> u64 {
    let path = dir.join("leaves.dat");
    let before = std::fs::metadata(&path).unwrap().len();
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    for r in records("REQ-3", from, n) {
        f.write_all(&frame(&r.encode().unwrap())).unwrap();
    }
    before
}

#[test]
fn torn_tail_at_random_offsets_recovers_to_last_whole_record() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_0001);
    for round in 0..12 {
        let dir = tempfile::tempdir().unwrap();
        let (acked, root) = build(dir.path(), 40);
        let tail_start = append_unindexed(dir.path(), acked, 6);
        let full = std::fs::metadata(dir.path().join("leaves.dat"))
            .unwrap()
            .len();
        let starts = record_starts(dir.path(), (acked + 6) as usize);
        let cut = rng.gen_range(tail_start..full);
        OpenOptions::new()
            .write(true)
            .open(dir.path().join("leaves.dat"))
            .unwrap()
            .set_len(cut)
            .unwrap();
        // Whole records that fit below the cut survive; the torn one goes.
        let survivors = (acked as usize..acked as usize + 6)
            .filter(|&i| starts.get(i + 1).map_or(full, |&s| s) <= cut)
            .count() as u64;
        let l = Ledger::open_dir(dir.path()).unwrap();
        assert_eq!(l.size(), acked + survivors, "round {round} cut {cut}");
        assert_eq!(l.root_at(acked).unwrap(), root);
        assert!(l.verify_all(&verifier()).is_ok());
        let len_after = std::fs::metadata(dir.path().join("leaves.dat"))
            .unwrap()
            .len();
        let want_len = if survivors == 0 {
            tail_start
        } else {
            starts
                .get((acked + survivors) as usize)
                .copied()
                .unwrap_or(full)
        };
        assert_eq!(
            len_after, want_len,
            "tail truncated at the last whole record"
        );
        drop(l);
        // Recovered records are now acknowledged: reopening keeps them.
        assert_eq!(
            Ledger::open_dir(dir.path()).unwrap().size(),
            acked + survivors
        );
    }
}

#[test]
fn garbage_after_acknowledged_records_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let (acked, root) = build(dir.path(), 25);
    let path = dir.path().join("leaves.dat");
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(&[0u8; 4096]).unwrap(); // a zero-filled extent from a crashed write
    drop(f);
    let l = Ledger::open_dir(dir.path()).unwrap();
    assert_eq!((l.size(), l.root_hash()), (acked, root));
}

#[test]
fn truncation_into_acknowledged_records_is_an_error() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_0002);
    for _ in 0..8 {
        let dir = tempfile::tempdir().unwrap();
        let (acked, _) = build(dir.path(), 30);
        let path = dir.path().join("leaves.dat");
        let full = std::fs::metadata(&path).unwrap().len();
        let cut = rng.gen_range(HEADER_LEN..full);
        OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(cut)
            .unwrap();
        let got = Ledger::open_dir(dir.path());
        assert!(
            matches!(
                got,
                Err(LedgerError::Store(StoreError::MissingRecords { acknowledged, .. })) if acknowledged == acked
            ) || matches!(
                got,
                Err(LedgerError::Store(StoreError::CorruptRecord { .. }))
            ),
            "cut {cut}: {got:?}"
        );
    }
}

#[test]
fn flipped_byte_in_acknowledged_record_is_named_by_open() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_0003);
    for _ in 0..16 {
        let dir = tempfile::tempdir().unwrap();
        let (acked, _) = build(dir.path(), 30);
        let starts = record_starts(dir.path(), acked as usize);
        let path = dir.path().join("leaves.dat");
        let mut data = std::fs::read(&path).unwrap();
        let at = rng.gen_range(HEADER_LEN as usize..data.len());
        data[at] ^= 1 << rng.gen_range(0..8);
        std::fs::write(&path, &data).unwrap();
        let want = starts.iter().rposition(|&s| s as usize <= at).unwrap() as u64;
        match Ledger::open_dir(dir.path()) {
            Err(LedgerError::Store(StoreError::CorruptRecord { index, offset, .. })) => {
                assert_eq!(
                    (index, offset),
                    (want, starts[want as usize]),
                    "flip at {at}"
                );
            }
            other => panic!("flip at {at} not reported: {other:?}"),
        }
    }
}

#[test]
fn damage_after_opening_is_named_by_verify_all() {
    let dir = tempfile::tempdir().unwrap();
    let (acked, _) = build(dir.path(), 30);
    let l = Ledger::open_dir(dir.path()).unwrap();
    let starts = record_starts(dir.path(), acked as usize);
    let path = dir.path().join("leaves.dat");
    let original = std::fs::read(&path).unwrap();
    // 1. A flipped bit: the checksum names the record.
    let mut data = original.clone();
    data[starts[7] as usize + 9] ^= 0x10;
    std::fs::write(&path, &data).unwrap();
    assert!(matches!(
        l.verify_all(&verifier()),
        Err(LedgerError::Store(StoreError::CorruptRecord {
            index: 7,
            ..
        }))
    ));
    // 2. A rewritten record with a valid checksum: the leaf hash names it.
    let mut forged = record("REQ-1", 7);
    forged.approvers = vec!["officer-0".into()];
    let mut data = original[..starts[7] as usize].to_vec();
    data.extend_from_slice(&frame(&forged.encode().unwrap()));
    data.extend_from_slice(&original[starts[8] as usize..]);
    assert_eq!(
        data.len(),
        original.len(),
        "same-length forgery keeps the index valid"
    );
    std::fs::write(&path, &data).unwrap();
    assert!(matches!(
        l.verify_all(&verifier()),
        Err(LedgerError::LeafChanged { index: 7 })
    ));
    // 3. Seen by a fresh open, the checkpoint at size 15 covering it catches it.
    drop(l);
    let reopened = Ledger::open_dir(dir.path()).unwrap();
    assert!(matches!(
        reopened.verify_all(&verifier()),
        Err(LedgerError::RootMismatch { .. }) | Err(LedgerError::CheckpointMismatch { .. })
    ));
}

#[test]
fn torn_index_entry_is_dropped_and_rebuilt_from_whole_records() {
    let dir = tempfile::tempdir().unwrap();
    let (acked, root) = build(dir.path(), 10);
    let idx = dir.path().join("leaves.idx");
    let len = std::fs::metadata(&idx).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&idx)
        .unwrap()
        .set_len(len - 3)
        .unwrap();
    let l = Ledger::open_dir(dir.path()).unwrap();
    assert_eq!((l.size(), l.root_hash()), (acked, root));
}

#[test]
fn missing_index_is_an_error_not_a_fresh_start() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), 10);
    std::fs::remove_file(dir.path().join("leaves.idx")).unwrap();
    assert!(Ledger::open_dir(dir.path()).is_err());
}
