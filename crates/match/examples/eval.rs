//! Accuracy and timing on a synthetic set of any size:
//! `cargo run --release -p vouch-match --example eval -- MASTER_ROWS SUBJECTS [SEED] [DIR]`.
//! Generates into DIR (default a temporary directory, deleted afterwards),
//! builds, saves and reloads the index, then decides every subject.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (rows, subjects, seed) = (arg(1, 100_000), arg(2, 5_000), arg(3, 7));
    let tmp = tempfile::tempdir_in(args.get(4).map_or("/tmp", |s| s.as_str())).unwrap();
    let data = tmp.path().join("data");
    let t = Instant::now();
    vouch_synth::generate(
        &vouch_synth::SynthConfig::new(rows, subjects, seed),
        &data,
        &|_| {},
    )
    .unwrap();
    println!("synth {:.1}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let mut b = vouch_match::IndexBuilder::new();
    common::read_master(&data.join("master.csv"), &mut b);
    let ix = b.finish().unwrap();
    let build = t.elapsed();
    println!(
        "build {:.1}s ({} rows, {} taxpayers, {:?})",
        build.as_secs_f64(),
        ix.len(),
        ix.taxpayers(),
        ix.block_stats()
    );
    let t = Instant::now();
    ix.save(&tmp.path().join("index")).unwrap();
    println!("save {:.1}s", t.elapsed().as_secs_f64());
    drop(ix);
    let t = Instant::now();
    let ix = vouch_match::MasterIndex::load(&tmp.path().join("index")).unwrap();
    println!("load {:.2}s", t.elapsed().as_secs_f64());
    print!("{}", vouch_match::model_report(ix.model()));
    let mut e = common::evaluate(&ix, &data);
    e.build = build;
    print!("{}", e.table());
    for (kind, why) in e.false_confirmations.iter().take(20) {
        println!("FALSE CONFIRMATION {kind}: {why}");
    }
}
