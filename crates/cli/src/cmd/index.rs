//! `vouch index build`: read master.csv, standardise and key every row in
//! parallel, write the index atomically.

use crate::progress;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use vouch_formats::master::{MasterLoadReport, MasterReader};
use vouch_match::IndexBuilder;

#[derive(clap::Subcommand, Debug)]
pub enum IndexCommand {
    /// Build the master index from master.csv.
    Build {
        /// The master file.
        #[arg(long)]
        master: PathBuf,
        /// The index directory.
        #[arg(long)]
        out: PathBuf,
    },
    /// Add a new tax year's rows to an existing index without re-reading the old ones.
    Extend {
        /// The index directory (rewritten atomically).
        #[arg(long)]
        index: PathBuf,
        /// A master file holding only the new rows.
        #[arg(long)]
        master: PathBuf,
    },
}

/// What a build did.
pub struct BuildReport {
    pub load: MasterLoadReport,
    pub indexed: usize,
    pub unkeyable: u64,
    pub elapsed: Duration,
    pub path: PathBuf,
}

const BATCH_ROWS: usize = 100_000;

/// Builds and saves the index: one thread parses CSV while the others key rows.
pub fn build(master: &Path, out: &Path) -> Result<BuildReport> {
    let start = Instant::now();
    let mut reader = MasterReader::open(master)?;
    let bar = progress::spinner("indexing master rows");
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<vouch_core::MasterRecord>>(2);
    let mut builder = IndexBuilder::new();
    let load = std::thread::scope(|s| -> Result<MasterLoadReport> {
        let parser = s.spawn(move || -> Result<MasterLoadReport> {
            loop {
                let mut batch = Vec::with_capacity(BATCH_ROWS);
                if reader.read_batch(&mut batch, BATCH_ROWS)? == 0 {
                    return Ok(reader.report().clone());
                }
                if tx.send(batch).is_err() {
                    return Ok(reader.report().clone());
                }
            }
        });
        let mut rows = 0u64;
        for batch in rx {
            builder.add_batch(&batch);
            rows += batch.len() as u64;
            bar.set_message(format!("indexing master rows: {rows}"));
        }
        parser
            .join()
            .map_err(|_| anyhow::anyhow!("master reader thread panicked"))?
    })?;
    bar.set_message("sorting and writing the index");
    let unkeyable = builder.unkeyable();
    let index = builder.finish();
    let path = index
        .save(out)
        .with_context(|| format!("index build --out {}", out.display()))?;
    bar.finish_and_clear();
    Ok(BuildReport {
        load,
        indexed: index.len(),
        unkeyable,
        elapsed: start.elapsed(),
        path,
    })
}

fn extend(index: &Path, master: &Path) -> Result<ExitCode> {
    let start = Instant::now();
    let mut ix = vouch_match::MasterIndex::load(index)?;
    let before = ix.len();
    let mut reader = MasterReader::open(master)?;
    let mut rows = Vec::new();
    while reader.read_batch(&mut rows, BATCH_ROWS)? > 0 {}
    ix.extend(&rows);
    ix.save(index)?;
    let r = reader.report();
    println!(
        "extended {} from {before} to {} rows in {:.1}s; skipped {} rows without a readable TIN or tax year; {} returns kept as unreadable in all",
        index.display(),
        ix.len(),
        start.elapsed().as_secs_f64(),
        r.rows_skipped,
        ix.unreadable_returns()
    );
    for s in r.skipped.iter().take(10) {
        println!(
            "  skipped {}: line {}: field {}: {}",
            master.display(),
            s.line,
            s.field,
            s.why
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run(c: IndexCommand) -> Result<ExitCode> {
    let (master, out) = match c {
        IndexCommand::Build { master, out } => (master, out),
        IndexCommand::Extend { index, master } => return extend(&index, &master),
    };
    let r = build(&master, &out)?;
    println!(
        "indexed {} rows in {:.1}s -> {}; skipped {} rows without a readable TIN or tax year; kept {} returns as unreadable (no comparable name or address: a taxpayer whose latest return in the periods is one of them is never confirmed at an older address)",
        r.indexed,
        r.elapsed.as_secs_f64(),
        r.path.display(),
        r.load.rows_skipped,
        r.unkeyable
    );
    for s in r.load.skipped.iter().take(10) {
        println!(
            "  skipped {}: line {}: field {}: {}",
            master.display(),
            s.line,
            s.field,
            s.why
        );
    }
    if r.load.skipped.len() > 10 {
        println!("  ... and {} more", r.load.rows_skipped - 10);
    }
    Ok(ExitCode::SUCCESS)
}
