//! Matching speed on a synthetic set, reusable across runs:
//! `cargo run --release -p vouch-match --example speed -- MASTER_ROWS SUBJECTS SEED DIR [REPEATS]`.
//! Generates into DIR/data and builds DIR/index only when they are missing
//! (or the index no longer loads), then standardises and decides every
//! subject REPEATS times and prints the phases and the subjects per second.
//! DIR is left in place for the next run; delete it when done.

#[path = "../tests/common/mod.rs"]
mod common;

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::Instant;
use vouch_match::{decide::decide, Decision, IndexBuilder, MasterIndex, MatchQuery};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (rows, subjects, seed) = (arg(1, 200_000), arg(2, 20_000), arg(3, 7));
    let dir = Path::new(args.get(4).map_or("/tmp/vouch-match-speed", |s| s.as_str())).to_owned();
    let repeats = arg(5, 1);
    let data = dir.join("data");
    if !data.join("truth.csv").exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let t = Instant::now();
        let cfg = vouch_synth::SynthConfig::new(rows, subjects, seed);
        vouch_synth::generate(&cfg, &data, &|_| {}).unwrap();
        println!("synth {:.1}s", t.elapsed().as_secs_f64());
    }
    let t = Instant::now();
    let ix = match MasterIndex::load(&dir.join("index")) {
        Ok(ix) => ix,
        Err(e) => {
            println!("rebuilding: {e}");
            let mut b = IndexBuilder::new();
            common::read_master(&data.join("master.csv"), &mut b);
            let ix = b.finish().unwrap();
            ix.save(&dir.join("index")).unwrap();
            ix
        }
    };
    println!(
        "index ready {:.1}s ({} rows, {} taxpayers)",
        t.elapsed().as_secs_f64(),
        ix.len(),
        ix.taxpayers()
    );
    let subjects = common::read_request(&data);
    for _ in 0..repeats {
        let t = Instant::now();
        let queries: Vec<MatchQuery> = subjects.par_iter().map(common::query).collect();
        let std = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let decisions: Vec<Decision> = queries.par_iter().map(|q| decide(&ix, q)).collect();
        let dec = t.elapsed().as_secs_f64();
        let confirmed = decisions
            .iter()
            .filter(|d| d.outcome == vouch_core::Outcome::Confirmed)
            .count();
        // Every field of every decision, so that two builds can be compared.
        let mut h = Sha256::new();
        decisions.iter().for_each(|d| h.update(format!("{d:?}\n")));
        println!(
            "{} subjects: standardise {std:.2}s, decide {dec:.2}s, {:.0} subjects/s ({} confirmed; decisions sha256 {:x})",
            queries.len(),
            queries.len() as f64 / (std + dec),
            confirmed,
            h.finalize()
        );
    }
}
