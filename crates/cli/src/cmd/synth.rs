//! `vouch synth`: a synthetic master file, a signed request and its ground truth.

use crate::progress;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vouch_synth::{generate, SynthConfig, SynthProgress, SynthSummary};

/// Arguments of `vouch synth`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Data rows of master.csv.
    #[arg(long)]
    pub master: u64,
    /// Rows of subjects.csv.
    #[arg(long)]
    pub subjects: u64,
    /// Seed (same seed, same bytes).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory (must not exist or be empty).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let s = synth(a.master, a.subjects, a.seed, &a.out)?;
    println!(
        "wrote {}: master.csv ({} rows, {} taxpayers), request/ ({} subjects, request {}), keys/, truth.csv",
        s.out.display(),
        s.master_rows,
        s.taxpayers,
        s.subjects,
        s.request_id
    );
    let e = s.expected_counts;
    println!(
        "expected: CONFIRMED {} / NOT_CONFIRMED {} / REJECTED {}",
        e.confirmed, e.not_confirmed, e.rejected
    );
    Ok(ExitCode::SUCCESS)
}

/// Generates a data set with a progress bar.
pub fn synth(master: u64, subjects: u64, seed: u64, out: &Path) -> Result<SynthSummary> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| {
            format!(
                "synth --out {}: cannot create parent directory",
                out.display()
            )
        })?;
    }
    let bar = progress::bar(master, "master rows");
    let sbar = progress::bar(subjects, "subjects");
    let report = |p: SynthProgress| match p {
        SynthProgress::Master { rows_written, .. } => bar.set_position(rows_written),
        SynthProgress::Subjects { subjects_done, .. } => sbar.set_position(subjects_done),
        _ => {}
    };
    let summary = generate(&SynthConfig::new(master, subjects, seed), out, &report)
        .with_context(|| format!("synth --out {}", out.display()))?;
    bar.finish_and_clear();
    sbar.finish_and_clear();
    Ok(summary)
}
