//! Scale measurement of the file ledger, outside criterion: appends N leaves
//! in batches, checkpoints, then times a reopen and a full `verify_all`, and
//! prints the process's peak resident memory (VmHWM) after each phase.
//!
//! Usage: `ledger_scale DIR LEAVES [BATCH] [PHASES]` where PHASES is any of
//! `a` (append), `o` (open), `v` (verify), default `aov`. DIR must not hold a
//! ledger when appending. Deliberately a tool, not a test: it writes about
//! 150 bytes per leaf to DIR and leaves them there.

use std::path::Path;
use std::time::Instant;

use ed25519_dalek::SigningKey;
use vouch_ledger::{LeafOutcome, LeafRecord, Ledger, NoteVerifier};

fn record(i: u64) -> LeafRecord {
    LeafRecord {
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
    }
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn append(dir: &Path, n: u64, batch: u64, key: &SigningKey) {
    let mut l = Ledger::open_dir(dir).expect("open");
    let mut start = 0;
    let mut busy = 0.0;
    while start < n {
        let count = batch.min(n - start);
        let recs: Vec<LeafRecord> = (start..start + count).map(record).collect();
        let t = Instant::now();
        l.append_batch(&recs).expect("append");
        let s = t.elapsed().as_secs_f64();
        busy += s;
        println!(
            "append {count} leaves at {start}: {s:.3} s ({:.2} M leaves/s)",
            count as f64 / s / 1e6
        );
        start += count;
    }
    l.checkpoint("scale/ledger", "scale-key", key)
        .expect("checkpoint");
    println!(
        "append total {n} leaves: {busy:.2} s in append_batch ({:.2} M leaves/s), peak rss {:.0} MiB",
        n as f64 / busy / 1e6,
        peak_rss_mib()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).expect("DIR"));
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).expect("LEAVES");
    let batch: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(n);
    let phases = args.get(4).map_or("aov", String::as_str);
    let key = SigningKey::from_bytes(&[1u8; 32]);
    if phases.contains('a') {
        append(dir, n, batch.max(1), &key);
    }
    if phases.contains('o') || phases.contains('v') {
        let t = Instant::now();
        let l = Ledger::open_dir(dir).expect("open");
        println!(
            "open {} leaves: {:.2} s, peak rss {:.0} MiB",
            l.size(),
            t.elapsed().as_secs_f64(),
            peak_rss_mib()
        );
        if phases.contains('v') {
            let v = NoteVerifier::from_signing_key("scale-key", &key).expect("verifier");
            let t = Instant::now();
            let r = l.verify_all(&v).expect("verify");
            println!(
                "verify_all {} leaves, {} checkpoints: {:.2} s, peak rss {:.0} MiB",
                r.leaves,
                r.checkpoints,
                t.elapsed().as_secs_f64(),
                peak_rss_mib()
            );
        }
    }
}
