//! Measures master-file generation throughput: writes a full data set
//! (`--master N`, default 10,000,000 rows, 10,000 subjects) into a fresh
//! directory under the system temp dir, prints rows per second and MB/s, then
//! deletes the directory.
//!
//! Usage: `cargo run --release -p vouch-synth --example synth_throughput -- [ROWS] [SUBJECTS]`

use std::time::Instant;

use vouch_synth::{generate, SynthConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000_000);
    let subjects: u64 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000);
    let out = std::env::temp_dir().join(format!("vouch-synth-throughput-{}", std::process::id()));
    let config = SynthConfig::new(rows, subjects, 20250602);
    let started = Instant::now();
    let summary = generate(&config, &out, &|_| {})?;
    let secs = started.elapsed().as_secs_f64();
    std::fs::remove_dir_all(&out)?;
    println!(
        "master rows {} ({:.1} MB, {} taxpayers, {} households), subjects {}: {:.2} s, {:.0} rows/s, {:.1} MB/s, threads {}",
        summary.master_rows,
        summary.master_bytes as f64 / 1e6,
        summary.taxpayers,
        summary.households,
        summary.subjects,
        secs,
        summary.master_rows as f64 / secs,
        summary.master_bytes as f64 / 1e6 / secs,
        rayon::current_num_threads(),
    );
    println!("expected {:?}", summary.expected_counts);
    println!("categories {:?}", summary.category_counts);
    Ok(())
}
