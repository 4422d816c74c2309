//! `vouch ledger`: verify the whole log, print the latest checkpoint, prove
//! one lookup's inclusion and check such a proof.

use anyhow::{bail, Context, Result};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use vouch_ledger::bundle::InclusionBundle;
use vouch_ledger::DynLedger;
use vouch_ledger::NoteVerifier;
use vouch_store::StateStore;

#[derive(clap::Subcommand, Debug)]
pub enum LedgerCommand {
    /// Recompute the tree from the stored leaves and check every checkpoint and their consistency.
    Verify,
    /// Print the latest signed checkpoint.
    Checkpoint,
    /// Print the ledger's public verifier key (C2SP note verifier form).
    PublicKey,
    /// Print an inclusion proof bundle for one lookup.
    Prove {
        /// The request id.
        #[arg(long)]
        request: String,
        /// The subject reference.
        #[arg(long)]
        subject: String,
    },
    /// Check an inclusion proof bundle (a file, or - for stdin).
    CheckProof {
        /// The bundle printed by `vouch ledger prove`.
        #[arg(long, default_value = "-")]
        proof: PathBuf,
        /// The ledger's verifier key (`vouch ledger public-key`); default: this state's.
        #[arg(long)]
        verifier: Option<String>,
    },
}

fn open(state: &Path) -> Result<(Box<dyn StateStore>, DynLedger)> {
    let store = crate::state::open(state)?;
    let ledger = store
        .open_ledger()
        .with_context(|| format!("ledger of the state in {}", state.display()))?;
    Ok((store, ledger))
}

pub fn run(state: &Path, c: LedgerCommand) -> Result<ExitCode> {
    match c {
        LedgerCommand::Verify => {
            let (store, ledger) = open(state)?;
            let keys = vouch_app::ServiceKeys::load(&crate::state::keys_dir(state))?;
            let verifiers = vouch_pipeline::ledger_verifiers(store.as_ref(), &keys)?;
            let t = Instant::now();
            let r = ledger
                .verify_all_any(&verifiers)
                .context("ledger verification failed")?;
            // Every batch looked up carries the signed approvals its
            // lookups were released under, still valid and enough.
            let app = vouch_app::App::new(store.as_ref());
            // The registry replays: every logged change is the one the
            // store holds, signed as the two-person rule requires.
            let vetted = app.vetted(&ledger).context("ledger verification failed")?;
            let batches = app
                .check_all_approvals(&ledger)
                .context("ledger verification failed")?;
            println!(
                "ledger OK: {} leaves re-hashed, root {}, {} checkpoints verified and mutually consistent, {batches} batches carry their signed approvals ({:.2}s)",
                r.leaves,
                b64(&r.root),
                r.checkpoints,
                t.elapsed().as_secs_f64()
            );
            println!(
                "registry: {} founding entries (one person), {} changes confirmed by two; {}",
                vetted.founding,
                vetted.confirmed,
                match vetted.sealed_at {
                    Some(i) => format!("sealed at ledger entry {i}"),
                    None => "NOT sealed: register two administrators with keys".into(),
                }
            );
        }
        LedgerCommand::Checkpoint => {
            let (_, ledger) = open(state)?;
            match ledger.latest_checkpoint() {
                Some(cp) => print!("{}", cp.text()),
                None => bail!("the ledger has no checkpoint yet"),
            }
        }
        LedgerCommand::PublicKey => {
            let keys = vouch_app::ServiceKeys::load(&crate::state::keys_dir(state))?;
            println!("{}", vouch_pipeline::ledger_verifier(&keys)?);
        }
        LedgerCommand::Prove { request, subject } => {
            let (_, ledger) = open(state)?;
            let index = ledger.find(&request, &subject)?.with_context(|| {
                format!("no lookup of subject {subject} in request {request} is in the ledger")
            })?;
            let cp = ledger
                .latest_checkpoint()
                .context("the ledger has no checkpoint yet")?
                .clone();
            print!("{}", ledger.inclusion_bundle(index, &cp)?.to_text());
        }
        LedgerCommand::CheckProof { proof, verifier } => {
            let text = read_proof(&proof)?;
            let bundle =
                InclusionBundle::parse(&text).with_context(|| format!("{}", proof.display()))?;
            let verifier = match verifier {
                Some(v) => NoteVerifier::parse(&v).context("--verifier")?,
                None => vouch_pipeline::ledger_verifier(&vouch_app::ServiceKeys::load(
                    &crate::state::keys_dir(state),
                )?)?,
            };
            bundle
                .verify(&verifier)
                .with_context(|| format!("{}: proof does not verify", proof.display()))?;
            println!(
                "proof OK: leaf {} is in the tree of size {} under a valid checkpoint of {}",
                bundle.leaf_index, bundle.tree_size, bundle.checkpoint.checkpoint.origin
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_proof(path: &Path) -> Result<String> {
    let limit = vouch_ledger::bundle::BUNDLE_BYTES_MAX as u64;
    let mut buf = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin().take(limit + 1).read_to_string(&mut buf)?;
    } else {
        let f = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
        f.take(limit + 1)
            .read_to_string(&mut buf)
            .with_context(|| format!("{}", path.display()))?;
    }
    if buf.len() as u64 > limit {
        bail!("{}: larger than the limit of {limit} bytes", path.display());
    }
    Ok(buf)
}

fn b64(h: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(h)
}
