//! `vouch witnesses`: the witnesses this service's ledger asks to cosign
//! its checkpoints before a response is released (C2SP tlog-witness). A
//! witness is a registry change: made by one administrator while the
//! registry is not sealed, proposed and confirmed by two once it is, and
//! logged in the ledger, so no one edits the list alone.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vouch_app::{Admin, App};

#[derive(clap::Subcommand, Debug)]
pub enum WitnessesCommand {
    /// Ask a witness to cosign every checkpoint from now on.
    Add(WitnessArgs),
    /// Stop asking a witness.
    Remove(WitnessArgs),
    /// The witnesses, the quorum the policy requires and what each last cosigned.
    List,
}

#[derive(clap::Args, Debug)]
pub struct WitnessArgs {
    /// The witness's URL prefix (`/add-checkpoint` is appended), e.g. `https://tigta.example/witness`.
    #[arg(long)]
    pub url: String,
    /// The witness's cosigner key (`vouch witness public-key` on its machine).
    #[arg(long)]
    pub verifier: String,
    /// The administrator making (once the registry is sealed: proposing) the change.
    #[arg(long = "as")]
    pub admin: String,
    /// Once the registry is sealed: the administrator's own key file, to
    /// sign the proposal (a second administrator confirms it).
    #[arg(long)]
    pub key: Option<PathBuf>,
}

pub fn run(state: &Path, c: WitnessesCommand) -> Result<ExitCode> {
    let (args, add) = match c {
        WitnessesCommand::List => return list(state),
        WitnessesCommand::Add(a) => (a, true),
        WitnessesCommand::Remove(a) => (a, false),
    };
    let (store, keys) = crate::state::open_with_keys(state)?;
    let app = App::with_checked_keys(store.as_ref(), &keys);
    let admin = super::acting::<Admin>(&app, "--as", &args.admin)?;
    let proposal = vouch_app::Proposal::Witness {
        verifier: args.verifier.clone(),
        url: args.url.clone(),
        add,
    };
    if let Some(key) = &args.key {
        super::print_proposed(&super::propose_signed(&app, &proposal, admin.id(), key)?);
        return Ok(ExitCode::SUCCESS);
    }
    app.change_witness(&admin, &args.verifier, &args.url, add)?;
    println!(
        "witness {}: logged in the ledger; {}",
        if add { "added" } else { "removed" },
        if add {
            "every response from now on waits for its cosignature (with the policy's quorum)"
        } else {
            "it is no longer asked"
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn list(state: &Path) -> Result<ExitCode> {
    let store = crate::state::open(state)?;
    let ledger = store
        .open_ledger()
        .with_context(|| format!("ledger of the state in {}", state.display()))?;
    let app = App::new(store.as_ref());
    let witnesses = app.witnesses(&ledger)?;
    let policy = app.active_policy()?;
    println!(
        "{} witnesses; a response needs {} cosignatures",
        witnesses.len(),
        policy.witness_quorum_of(witnesses.len())
    );
    for w in witnesses {
        println!(
            "{}\t{}\tlast cosigned size {}\t{}",
            w.name,
            w.url,
            w.last_size
                .map_or_else(|| "none".to_string(), |s| s.to_string()),
            w.verifier
        );
    }
    Ok(ExitCode::SUCCESS)
}
