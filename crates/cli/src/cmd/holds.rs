//! `vouch holds`: the confidential hold list (6103(i)(6)). TINs are read from
//! a file (one per line), never from the command line, and stored only as
//! keyed hashes.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vouch_core::Tin;
use vouch_store::{AuditEvent, Role, HOME_AGENCY};

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
    /// The disclosure officer making the change.
    #[arg(long = "as")]
    pub officer: String,
}

pub fn run(state: &Path, c: HoldsCommand) -> Result<ExitCode> {
    let store = crate::state::open(state)?;
    let (args, add) = match c {
        HoldsCommand::Count => {
            println!("{} TINs held", store.held()?.len());
            return Ok(ExitCode::SUCCESS);
        }
        HoldsCommand::Add(a) => (a, true),
        HoldsCommand::Remove(a) => (a, false),
    };
    let ok = matches!(store.official(&args.officer)?, Some(o) if o.agency == HOME_AGENCY && o.role == Role::DisclosureOfficer);
    if !ok {
        bail!("--as {}: not a registered disclosure officer", args.officer);
    }
    let keys = read_tins(&args.tins, &vouch_pipeline::tin_hasher(&store)?)?;
    let changed = store.set_held(&keys, add)?;
    let event = AuditEvent {
        at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        actor: args.officer.clone(),
        action: if add {
            "hold list: added"
        } else {
            "hold list: removed"
        }
        .into(),
        detail: format!("{changed} of {} TINs changed", keys.len()),
    };
    store.audit("_hold-list", &event)?;
    println!(
        "{changed} of {} TINs {}",
        keys.len(),
        if add { "added" } else { "removed" }
    );
    Ok(ExitCode::SUCCESS)
}

fn read_tins(path: &Path, hash: &dyn Fn(Tin) -> [u8; 32]) -> Result<Vec<[u8; 32]>> {
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
        out.push(hash(tin));
    }
    Ok(out)
}
