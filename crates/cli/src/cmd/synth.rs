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
    /// The letter's submitted_at, `YYYY-MM-DDThh:mm:ssZ` (default: now;
    /// vouch refuses a letter dated more than 7 days before its receipt).
    #[arg(long)]
    pub submitted_at: Option<String>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let s = synth(
        a.master,
        a.subjects,
        a.seed,
        &a.out,
        a.submitted_at.as_deref(),
    )?;
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

/// Now, as a letter's `submitted_at`.
pub fn now_submitted_at() -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    vouch_core::timestamp::now()
        .format(&fmt)
        .unwrap_or_else(|_| vouch_synth::SUBMITTED_AT.to_string())
}

/// Generates a data set with a progress bar, its letter dated
/// `submitted_at` (default: now).
pub fn synth(
    master: u64,
    subjects: u64,
    seed: u64,
    out: &Path,
    submitted_at: Option<&str>,
) -> Result<SynthSummary> {
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
    let mut cfg = SynthConfig::new(master, subjects, seed);
    cfg.submitted_at = submitted_at.map_or_else(now_submitted_at, str::to_string);
    let summary =
        generate(&cfg, out, &report).with_context(|| format!("synth --out {}", out.display()))?;
    bar.finish_and_clear();
    sbar.finish_and_clear();
    Ok(summary)
}
