//! `vouch holds`: the confidential hold list (6103(i)(6)). TINs are read from
//! a file (one per line), never from the command line, and stored only as
//! keyed hashes.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vouch_app::{App, Officer};
use vouch_core::Tin;

#[derive(clap::Subcommand, Debug)]
pub enum HoldsCommand {
    /// Put the TINs listed in a file on the hold list.
    Add(HoldArgs),
    /// Take the TINs listed in a file off the hold list.
    Remove(HoldArgs),
    /// Print how many TINs are held (never which).
    Count,
}

#[derive(clap::Args, Debug)]
pub struct HoldArgs {
    /// File with one TIN (9 digits) per line.
    #[arg(long)]
    pub tins: PathBuf,
    /// The disclosure officer making (once the registry is sealed:
    /// proposing) the change.
    #[arg(long = "as")]
    pub officer: String,
    /// Once the registry is sealed: the officer's own key file, to sign the
    /// proposal (a second person, an administrator, confirms it).
    #[arg(long)]
    pub key: Option<PathBuf>,
}

pub fn run(state: &Path, c: HoldsCommand) -> Result<ExitCode> {
    let (args, add) = match c {
        HoldsCommand::Count => {
            let store = crate::state::open(state)?;
            println!("{} TINs held", App::new(store.as_ref()).holds_count()?);
            return Ok(ExitCode::SUCCESS);
        }
        HoldsCommand::Add(a) => (a, true),
        HoldsCommand::Remove(a) => (a, false),
    };
    // The hold list is keyed with the TIN key: no key, no change.
    let (store, keys) = crate::state::open_with_keys(state)?;
    let app = App::with_checked_keys(store.as_ref(), &keys);
    let officer = super::acting::<Officer>(&app, "--as", &args.officer)?;
    let tins = read_tins(&args.tins)?;
    if let Some(key) = &args.key {
        let p = vouch_app::Proposal::Holds { tins, add };
        super::print_proposed(&super::propose_signed(&app, &p, officer.id(), key)?);
        return Ok(ExitCode::SUCCESS);
    }
    let changed = app.change_holds(&officer, &tins, add)?;
    println!(
        "{changed} of {} TINs {}",
        tins.len(),
        if add { "added" } else { "removed" }
    );
    Ok(ExitCode::SUCCESS)
}

fn read_tins(path: &Path) -> Result<Vec<Tin>> {
    let bytes = vouch_formats::keys::read_bounded(path, 64 << 20)?;
    let text =
        std::str::from_utf8(&bytes).with_context(|| format!("{}: not UTF-8", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let tin = Tin::parse(&line.replace('-', "")).with_context(|| {
            format!(
                "{}: line {}: field tin: not 9 digits",
                path.display(),
                i + 1
            )
        })?;
        out.push(tin);
    }
    Ok(out)
}
