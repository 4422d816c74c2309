//! Criterion benches of the ledger on disk (a temporary directory):
//! - `append`: one durable `append_batch` of N leaves (encode, hash in
//!   parallel, frame, write, fsync data and index, extend the tree);
//! - `verify_all`: re-read, checksum, decode and hash N stored leaves and
//!   check a signed checkpoint;
//! - `proofs`: inclusion and consistency proof generation in a tree of N.
//!
//! N defaults to 1,000,000; set `LEDGER_BENCH_LEAVES` to change it.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ed25519_dalek::SigningKey;
use vouch_ledger::{LeafOutcome, LeafRecord, Ledger, NoteVerifier};

fn leaves() -> u64 {
    std::env::var("LEDGER_BENCH_LEAVES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn records(n: u64) -> Vec<LeafRecord> {
    (0..n)
        .map(|i| LeafRecord {
            request_id: format!("REQ-2025-{:06}", i / 100_000),
            subject_ref: format!("S-{i}"),
            outcome: if i.is_multiple_of(2) {
                LeafOutcome::Confirmed
            } else {
                LeafOutcome::NotConfirmed
            },
            time_unix_ms: 1_750_000_000_000 + i,
            policy_version: "policy-2025.1".into(),
            model_version: "fs-2025.1".into(),
            approvers: vec!["officer-a".into(), "officer-b".into()],
            tin_hmac: Some([(i % 251) as u8; 32]),
            approvals_sha256: None,
        })
        .collect()
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[1u8; 32])
}

fn bench_append(c: &mut Criterion) {
    let n = leaves();
    let recs = records(n);
    let mut g = c.benchmark_group("append");
    g.sample_size(10).throughput(Throughput::Elements(n));
    g.bench_function(format!("{n}_leaves_one_batch"), |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("temp dir"),
            |dir| {
                let mut l = Ledger::open_dir(dir.path()).expect("open");
                l.append_batch(&recs).expect("append");
                dir
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn bench_verify(c: &mut Criterion) {
    let n = leaves();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut l = Ledger::open_dir(dir.path()).expect("open");
    l.append_batch(&records(n)).expect("append");
    l.checkpoint("bench/ledger", "bench-key", &key())
        .expect("checkpoint");
    let v = NoteVerifier::from_signing_key("bench-key", &key()).expect("verifier");
    let mut g = c.benchmark_group("verify_all");
    g.sample_size(10).throughput(Throughput::Elements(n));
    g.bench_function(format!("{n}_leaves"), |b| {
        b.iter(|| l.verify_all(&v).expect("verify"))
    });
    g.finish();
    let mut g = c.benchmark_group("open");
    g.sample_size(10).throughput(Throughput::Elements(n));
    drop(l);
    g.bench_function(format!("{n}_leaves"), |b| {
        b.iter(|| Ledger::open_dir(dir.path()).expect("open"))
    });
    g.finish();
}

fn bench_proofs(c: &mut Criterion) {
    let n = leaves();
    let mut l = Ledger::in_memory();
    l.append_batch(&records(n)).expect("append");
    let mut g = c.benchmark_group("proofs");
    g.measurement_time(Duration::from_secs(3));
    let mut i = 0u64;
    g.bench_function(format!("inclusion_in_{n}"), |b| {
        b.iter(|| {
            i = (i + 7919) % n;
            l.inclusion_proof(i, n).expect("proof")
        })
    });
    g.bench_function(format!("consistency_in_{n}"), |b| {
        b.iter(|| {
            i = (i + 7919) % n;
            l.consistency_proof(i.max(1), n).expect("proof")
        })
    });
    g.finish();
}

criterion_group!(benches, bench_append, bench_verify, bench_proofs);
criterion_main!(benches);
