//! `vouch index build`: read master.csv, standardise and key every row in
//! parallel, sort in bounded memory, write the index atomically;
//! `vouch index extend`: add a new tax year's rows the same way.

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
        /// Memory for the build's sorts (`8GiB`, `512MiB`, bytes): past it
        /// they spill sorted runs into the index directory. Default: a
        /// quarter of this machine's memory.
        #[arg(long, value_parser = parse_memory)]
        memory: Option<usize>,
    },
    /// Add a new tax year's rows to an existing index without re-reading the old ones.
    Extend {
        /// The index directory (rewritten atomically).
        #[arg(long)]
        index: PathBuf,
        /// A master file holding only the new rows.
        #[arg(long)]
        master: PathBuf,
        /// Memory for the build's sorts (as for `index build`).
        #[arg(long, value_parser = parse_memory)]
        memory: Option<usize>,
    },
}

/// A memory size: a number of bytes, or with `KiB`, `MiB`, `GiB`, `TiB`
/// (or `K`, `M`, `G`, `T`, powers of 1024).
pub fn parse_memory(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a memory size (like 8GiB or 512MiB)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" | "kb" => 1024.0,
        "m" | "mib" | "mb" => 1024.0 * 1024.0,
        "g" | "gib" | "gb" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" | "tb" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(format!("{s:?}: unknown unit (use KiB, MiB, GiB or TiB)")),
    };
    let bytes = n * mult;
    if bytes.is_nan() || bytes < (64u64 << 20) as f64 || bytes > usize::MAX as f64 {
        return Err(format!("{s:?}: the build needs at least 64MiB"));
    }
    Ok(bytes as usize)
}

/// The default build memory: a quarter of this machine's (from
/// /proc/meminfo), at least 256 MiB; 1 GiB where that cannot be read.
pub fn default_memory() -> usize {
    let total_kib = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    });
    match total_kib {
        Some(k) => usize::try_from(k * 1024 / 4)
            .unwrap_or(usize::MAX)
            .max(256 << 20),
        None => vouch_match::BUILD_MEMORY_DEFAULT,
    }
}

/// What a build did.
pub struct BuildReport {
    pub load: MasterLoadReport,
    pub indexed: usize,
    pub unkeyable: u64,
    pub elapsed: Duration,
    pub path: PathBuf,
    pub bytes: u64,
    pub build: vouch_match::BuildReport,
}

const BATCH_ROWS: usize = 100_000;

/// Builds and saves the index: the file is parsed and standardised on
/// every core while one thread interns; the sorts hold at most `memory`
/// bytes (spilling into `out`).
pub fn build(master: &Path, out: &Path, memory: usize) -> Result<BuildReport> {
    let builder = IndexBuilder::with_memory(memory, out);
    stream(master, out, builder)
}

/// Feeds master.csv through `builder` and writes the index into `out`.
fn stream(master: &Path, out: &Path, mut builder: IndexBuilder) -> Result<BuildReport> {
    let start = Instant::now();
    let mut reader = MasterReader::open(master)?;
    // The sorts spill into the index directory: it must exist before the
    // first run is written (after the master's header was read).
    std::fs::create_dir_all(out)
        .with_context(|| format!("index --out {}: cannot create it", out.display()))?;
    let bar = progress::spinner("indexing master rows");
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Vec<vouch_match::StagedRow>>>(2);
    let load = std::thread::scope(|s| -> Result<MasterLoadReport> {
        // Parts of the file are parsed and standardised on every core, the
        // rows borrowed from the bytes read; this thread interns them in
        // file order meanwhile.
        let parser = s.spawn(move || -> Result<MasterLoadReport> {
            loop {
                // Each part's rows stay where they were staged.
                let mut batch = Vec::new();
                let stage = vouch_match::Stager::stage;
                if reader.read_parts_with(&mut batch, BATCH_ROWS, Default::default, stage)? == 0 {
                    return Ok(reader.report().clone());
                }
                if tx.send(batch).is_err() {
                    return Ok(reader.report().clone());
                }
            }
        });
        let mut rows = 0u64;
        for batch in rx {
            rows += batch.iter().map(|p| p.len() as u64).sum::<u64>();
            builder.add_staged(batch.into_iter().flatten());
            bar.set_message(format!("indexing master rows: {rows}"));
        }
        parser
            .join()
            .map_err(|_| anyhow::anyhow!("master reader thread panicked"))?
    })?;
    bar.set_message("sorting and writing the index");
    let unkeyable = builder.unkeyable();
    let (index, build) = builder
        .finish_into(out)
        .with_context(|| format!("index build --out {}", out.display()))?;
    bar.finish_and_clear();
    let path = out.join(vouch_match::INDEX_FILE);
    Ok(BuildReport {
        load,
        indexed: index.len(),
        unkeyable: unkeyable.max(index.unkeyable()),
        elapsed: start.elapsed(),
        bytes: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
        path,
        build,
    })
}

fn extend(index: &Path, master: &Path, memory: usize) -> Result<ExitCode> {
    let start = Instant::now();
    let ix = vouch_match::MasterIndex::load(index)?;
    let before = ix.len();
    let builder = IndexBuilder::extending(&ix, memory, index)
        .with_context(|| format!("index extend --index {}", index.display()))?;
    drop(ix);
    let r = stream(master, index, builder)?;
    println!(
        "extended {} from {before} to {} rows in {:.1}s; skipped {} rows without a readable TIN or tax year; {} returns kept as unreadable in all",
        index.display(),
        r.indexed,
        start.elapsed().as_secs_f64(),
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
    Ok(ExitCode::SUCCESS)
}

pub fn run(c: IndexCommand) -> Result<ExitCode> {
    let (master, out, memory) = match c {
        IndexCommand::Build {
            master,
            out,
            memory,
        } => (master, out, memory),
        IndexCommand::Extend {
            index,
            master,
            memory,
        } => return extend(&index, &master, memory.unwrap_or_else(default_memory)),
    };
    let r = build(&master, &out, memory.unwrap_or_else(default_memory))?;
    println!(
        "indexed {} rows in {:.1}s -> {} ({} bytes, {:.1} a row; {} MiB spilled by the sorts); skipped {} rows without a readable TIN or tax year; kept {} returns as unreadable (no comparable name or address: a taxpayer whose latest return in the periods is one of them is never confirmed at an older address)",
        r.indexed,
        r.elapsed.as_secs_f64(),
        r.path.display(),
        r.bytes,
        r.bytes as f64 / r.indexed.max(1) as f64,
        r.build.spilled_bytes >> 20,
        r.load.rows_skipped,
        r.unkeyable
    );
    let passes: Vec<String> = r
        .build
        .passes
        .iter()
        .map(|(p, t)| format!("{p} {:.1}s", t.as_secs_f64()))
        .collect();
    println!("  after reading: {}", passes.join(", "));
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
