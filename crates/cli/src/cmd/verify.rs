//! `vouch verify`: run one request through the whole pipeline.

use anyhow::Result;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vouch_app::{App, Officer};
use vouch_pipeline::{RunConfig, RunReport, RunStatus};

/// Exit code of a batch that waits for approval.
pub const EXIT_PENDING: u8 = 3;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The master index directory.
    #[arg(long)]
    pub index: PathBuf,
    /// The request directory (request.json, request.json.sig, subjects.csv).
    #[arg(long)]
    pub request: PathBuf,
    /// Where response.csv and response.json go.
    #[arg(long)]
    pub out: PathBuf,
    /// A disclosure officer releasing the batch (repeat for two-person
    /// approval); each needs its `--officer-key`, given in the same order.
    #[arg(long = "approve-as")]
    pub approve_as: Vec<String>,
    /// The officer's own Ed25519 key (one line: base64 of the 32-byte
    /// seed) that signs the approval; one per `--approve-as`, in order.
    #[arg(long = "officer-key")]
    pub officer_key: Vec<PathBuf>,
}

/// What an approval given on the command line says.
const CLI_APPROVAL: &str = "approved on the command line (--approve-as)";

/// Runs a request against a state directory (its keys in `keys_dir`), with
/// the approvals of the officers named.
pub fn verify(state: &Path, keys_dir: &Path, a: &Args) -> Result<RunReport> {
    let (store, keys) = crate::state::open_with_keys_in(state, keys_dir)?;
    let app = App::with_checked_keys(store.as_ref(), &keys);
    if a.approve_as.len() != a.officer_key.len() {
        anyhow::bail!(
            "--approve-as: every approval is signed with the officer's own key: give --approve-as OFFICER --officer-key KEY_FILE in pairs ({} officers, {} keys)",
            a.approve_as.len(),
            a.officer_key.len()
        );
    }
    let approvers = a
        .approve_as
        .iter()
        .zip(&a.officer_key)
        .map(|(id, key)| {
            let officer = super::acting::<Officer>(&app, "--approve-as", id)?;
            let seed = vouch_formats::keys::read_private_seed(key)?;
            let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
            // Said before anything runs (the run would refuse the signature).
            let public =
                vouch_formats::keys::encode_base64_line(signing.verifying_key().as_bytes());
            if officer.official().public_key.as_deref().map(str::trim) != Some(public.trim()) {
                anyhow::bail!(
                    "--officer-key {}: not the key registered for {id}",
                    key.display()
                );
            }
            Ok((officer, signing))
        })
        .collect::<Result<Vec<_>>>()?;
    let policy = app.active_policy()?;
    let cfg = RunConfig {
        keys: &keys,
        request_dir: &a.request,
        index_dir: &a.index,
        out_dir: &a.out,
        policy: &policy,
        now: vouch_core::timestamp::now(),
        fault: None,
        progress: None,
    };
    let spinner = crate::progress::spinner("verifying request");
    let report = app.run_with_approvals(&cfg, &approvers, CLI_APPROVAL);
    spinner.finish_and_clear();
    Ok(report?)
}

pub fn run(state: &Path, a: Args) -> Result<ExitCode> {
    let r = verify(state, &crate::state::keys_dir(state), &a)?;
    match &r.status {
        RunStatus::Completed | RunStatus::Rejected => {
            let count = |o: vouch_core::Outcome| r.rows.iter().filter(|x| x.outcome == o).count();
            println!(
                "request {}: {} subjects: CONFIRMED {} / NOT_CONFIRMED {} / REJECTED {}; ledger size {}; response in {}",
                r.request_id,
                r.subjects,
                count(vouch_core::Outcome::Confirmed),
                count(vouch_core::Outcome::NotConfirmed),
                count(vouch_core::Outcome::Rejected),
                r.tree_size,
                a.out.display()
            );
            let stages: Vec<String> = r
                .timings
                .iter()
                .map(|t| format!("{} {:.2}s", t.stage, t.elapsed.as_secs_f64()))
                .collect();
            println!("stages: {}", stages.join(", "));
            if r.replayed > 0 {
                println!(
                    "resumed: {} lookups replayed from the ledger, {} new",
                    r.replayed, r.appended
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        RunStatus::PendingReview {
            holds,
            approvals,
            required,
        } => {
            let holds: Vec<&str> = holds.iter().map(|h| h.as_str()).collect();
            eprintln!(
                "request {}: pending_review: {approvals} of {required} approvals; holds: {}; no lookups made, no response written",
                r.request_id,
                if holds.is_empty() { "none".to_string() } else { holds.join(";") }
            );
            Ok(ExitCode::from(EXIT_PENDING))
        }
        RunStatus::Denied => {
            eprintln!(
                "request {}: denied by a disclosure officer; no lookups made, no response written",
                r.request_id
            );
            Ok(ExitCode::from(EXIT_PENDING))
        }
    }
}
