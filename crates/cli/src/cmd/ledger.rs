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
    Verify {
        /// A checkpoint saved earlier outside vouch (by an auditor or a
        /// witness; a signed note, cosignatures allowed): the stored log
        /// must be a consistent extension of it, so a truncated, rewritten
        /// or forked log fails even where the store's own checkpoints were
        /// removed with it.
        #[arg(long, value_name = "CHECKPOINT_FILE")]
        against: Option<PathBuf>,
        /// Also ask each configured witness (`vouch witnesses list`) to
        /// cosign the stored log's latest tree, from the size it last
        /// cosigned: it refuses (and this fails) unless the stored log is
        /// a consistent extension of what it remembers.
        #[arg(long)]
        witnesses: bool,
    },
    /// Print the latest signed checkpoint.
    Checkpoint,
    /// Print the ledger's public verifier key (C2SP note verifier form).
    PublicKey,
    /// Print the ledger's origin line (what a witness's `add-log --origin` needs).
    Origin,
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
        /// A witness whose cosignature the proof's checkpoint must carry
        /// (C2SP tlog-cosignature v1 key `name+keyid+base64(0x04||key)`);
        /// repeat for each witness required.
        #[arg(long = "witness-key", value_name = "KEY")]
        witness_keys: Vec<String>,
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
        LedgerCommand::Verify { against, witnesses } => {
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
            if let Some(path) = against {
                let origin = vouch_pipeline::ledger_origin(store.as_ref())?;
                let size = check_against(&ledger, &origin, &verifiers, &path)?;
                println!(
                    "consistent with the outside checkpoint {}: its {size} leaves are the stored log's first {size} of {}",
                    path.display(),
                    r.leaves
                );
            }
            if witnesses {
                check_witnesses(store.as_ref(), &ledger, &keys)?;
            }
            report_uncovered(store.as_ref(), &ledger)?;
        }
        LedgerCommand::Checkpoint => {
            let (_, ledger) = open(state)?;
            match ledger.latest_checkpoint() {
                Some(cp) => print!("{}", cp.text()),
                None => bail!("the ledger has no checkpoint yet"),
            }
        }
        LedgerCommand::Origin => {
            let store = crate::state::open(state)?;
            println!("{}", vouch_pipeline::ledger_origin(store.as_ref())?);
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
        LedgerCommand::CheckProof {
            proof,
            verifier,
            witness_keys,
        } => {
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
            for key in &witness_keys {
                let witness = vouch_ledger::cosignature::CosignerVerifier::parse(key)
                    .context("--witness-key")?;
                let at = witness.verify(&bundle.checkpoint).with_context(|| {
                    format!(
                        "{}: the checkpoint carries no valid cosignature by witness {}",
                        proof.display(),
                        witness.name()
                    )
                })?;
                println!("cosigned by witness {} at {at}", witness.name());
            }
            println!(
                "proof OK: leaf {} is in the tree of size {} under a valid checkpoint of {}",
                bundle.leaf_index, bundle.tree_size, bundle.checkpoint.checkpoint.origin
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Leaves beyond the latest checkpoint: lookups are acceptable only while
/// their batch is in progress (appended, not yet checkpointed: an
/// interrupted run that resumes); anything else is a torn tail or rows
/// added behind the log's back. Registry entries are replayed (and their
/// signatures checked) by the registry's check, and are only counted.
fn report_uncovered(store: &dyn StateStore, ledger: &DynLedger) -> Result<()> {
    let covered = ledger.latest_checkpoint().map_or(0, |c| c.checkpoint.size);
    let size = ledger.size();
    if size <= covered {
        return Ok(());
    }
    let registry: std::collections::HashSet<u64> = ledger
        .registry_entries()?
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    let mut in_progress = std::collections::BTreeMap::<String, u64>::new();
    let mut entries = 0u64;
    for i in covered..size {
        if registry.contains(&i) {
            entries += 1;
            continue;
        }
        let leaf = ledger.leaf(i)?;
        if let Some(n) = in_progress.get_mut(&leaf.request_id) {
            *n += 1;
            continue;
        }
        let running = store
            .request(&leaf.request_id)?
            .is_some_and(|r| r.status == vouch_store::RequestStatus::Approved);
        if !running {
            bail!(
                "ledger verification failed: leaf {i} (request {}) is covered by no checkpoint and its batch is not in progress: rows were added behind the log's back, or its tail was torn",
                leaf.request_id
            );
        }
        in_progress.insert(leaf.request_id, 1);
    }
    println!(
        "beyond the latest checkpoint ({covered} leaves): {} lookups of {} interrupted batches (resumable: run them again), {entries} registry entries",
        in_progress.values().sum::<u64>(),
        in_progress.len()
    );
    Ok(())
}

/// Asks every configured witness to cosign the stored log's whole tree
/// (its latest checkpoint, or one signed now when leaves lie beyond it,
/// not stored): a witness that remembers a larger tree, or refuses the
/// consistency proof, means the stored log is not what it cosigned.
fn check_witnesses(
    store: &dyn StateStore,
    ledger: &DynLedger,
    keys: &vouch_app::ServiceKeys,
) -> Result<()> {
    let app = vouch_app::App::new(store);
    let vetted = app.vetted(ledger).context("ledger verification failed")?;
    let witnesses: Vec<_> = vetted.witnesses().collect();
    if witnesses.is_empty() {
        bail!("--witnesses: no witness is configured (vouch witnesses add)");
    }
    let cp = match ledger.latest_checkpoint() {
        Some(cp) if cp.checkpoint.size == ledger.size() => cp.clone(),
        _ => vouch_ledger::SignedCheckpoint::sign(
            vouch_ledger::note::Checkpoint {
                origin: vouch_pipeline::ledger_origin(store)?,
                size: ledger.size(),
                root: ledger.root_hash(),
                extensions: Vec::new(),
            },
            vouch_pipeline::LEDGER_KEY_NAME,
            keys.ledger(),
        )?,
    };
    let mut failed = Vec::new();
    for w in witnesses {
        let believed = vouch_pipeline::witnesses::last_cosigned(ledger, w).map_or(0, |(s, _)| s);
        match vouch_pipeline::witnesses::ask(
            vouch_pipeline::witnesses::WITNESS_TIMEOUT,
            ledger,
            &cp,
            w,
            believed,
        ) {
            Ok(_) => println!(
                "witness {}: the stored log ({} leaves) is a consistent extension of what it cosigned",
                w.name, cp.checkpoint.size
            ),
            Err(e) => failed.push(format!("witness {}: {e}", w.name)),
        }
    }
    if !failed.is_empty() {
        bail!("ledger verification failed: {}", failed.join("; "));
    }
    Ok(())
}

/// Checks that the stored log (already re-hashed) extends the signed
/// checkpoint in `path`: signed by this ledger's key, of this log's origin,
/// no larger than the log, and the root of the log's first leaves of that
/// size. Returns that size.
fn check_against(
    ledger: &DynLedger,
    origin: &str,
    verifiers: &[NoteVerifier],
    path: &Path,
) -> Result<u64> {
    let text = read_proof(path)?;
    let outside = vouch_ledger::SignedCheckpoint::parse(&text)
        .with_context(|| format!("{}: not a signed checkpoint", path.display()))?;
    outside
        .verify_any(verifiers)
        .with_context(|| format!("{}: not signed by this ledger's key", path.display()))?;
    let cp = &outside.checkpoint;
    if cp.origin != origin {
        bail!(
            "{}: a checkpoint of another log ({}), not of {origin}",
            path.display(),
            cp.origin
        );
    }
    if cp.size > ledger.size() {
        bail!(
            "the stored log holds {} leaves, fewer than the {} of the outside checkpoint {}: it was truncated",
            ledger.size(),
            cp.size,
            path.display()
        );
    }
    if ledger.root_at(cp.size)? != cp.root {
        bail!(
            "the stored log's first {} leaves do not hash to the root of the outside checkpoint {}: it was rewritten",
            cp.size,
            path.display()
        );
    }
    Ok(cp.size)
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
