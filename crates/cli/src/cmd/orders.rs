//! `vouch orders`: court orders on file. Putting one on file or lifting it
//! is a registry change (one official while the registry is founding,
//! proposed and confirmed by two once it is sealed, each a ledger entry);
//! the order's document is kept by its SHA-256. A halt refuses intake in
//! its scope (`ORDER_HALTED`) and holds approved batches unreleased until
//! it is lifted; a restriction puts its policy in force in scope.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vouch_app::{App, NewOrder, OrderChange, PolicyOwner};

#[derive(clap::Subcommand, Debug)]
pub enum OrdersCommand {
    /// Put a court order on file.
    Add(AddArgs),
    /// Lift an order from a day on.
    Lift(LiftArgs),
    /// Every order on file, whether in force today, and its document's SHA-256.
    List,
    /// Write an order's document (checked against its SHA-256) to a file.
    Document {
        /// The order.
        #[arg(long)]
        id: String,
        /// Where to write it (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// The order's id (the docket's).
    #[arg(long)]
    pub id: String,
    /// The court.
    #[arg(long)]
    pub court: String,
    /// The day it takes effect (YYYY-MM-DD).
    #[arg(long)]
    pub date: String,
    /// all, agency:AGENCY or pathway:PATHWAY.
    #[arg(long)]
    pub scope: String,
    /// halt (no disclosure in scope) or restrict (--policy in force in scope).
    #[arg(long)]
    pub effect: String,
    /// The order (PDF or text), kept by its SHA-256.
    #[arg(long)]
    pub document: PathBuf,
    /// For --effect restrict: the policy file the order puts in force.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    #[command(flatten)]
    pub who: Who,
}

#[derive(clap::Args, Debug)]
pub struct LiftArgs {
    /// The order.
    #[arg(long)]
    pub id: String,
    /// The first day it no longer has effect (YYYY-MM-DD).
    #[arg(long)]
    pub date: String,
    #[command(flatten)]
    pub who: Who,
}

#[derive(clap::Args, Debug)]
pub struct Who {
    /// The disclosure officer or administrator making (once the registry
    /// is sealed: proposing) the change.
    #[arg(long = "as")]
    pub official: String,
    /// Once the registry is sealed: the official's own key file, to sign
    /// the proposal (a second administrator confirms it).
    #[arg(long)]
    pub key: Option<PathBuf>,
}

fn day(flag: &str, text: &str) -> Result<time::Date> {
    vouch_core::timestamp::parse_date(text)
        .with_context(|| format!("{flag}: {text:?} is not a date (YYYY-MM-DD)"))
}

pub fn run(state: &Path, c: OrdersCommand) -> Result<ExitCode> {
    let (change, who) = match c {
        OrdersCommand::List => return list(state),
        OrdersCommand::Document { id, out } => return document(state, &id, &out),
        OrdersCommand::Add(a) => {
            let document = std::fs::read(&a.document)
                .with_context(|| format!("--document {}", a.document.display()))?;
            let policy = match &a.policy {
                Some(p) => Some(
                    std::fs::read_to_string(p)
                        .with_context(|| format!("--policy {}", p.display()))?,
                ),
                None => None,
            };
            let change = OrderChange::Add(NewOrder {
                id: a.id,
                court: a.court,
                date: day("--date", &a.date)?,
                scope: a.scope,
                effect: a.effect,
                document,
                policy,
            });
            (change, a.who)
        }
        OrdersCommand::Lift(l) => (
            OrderChange::Lift {
                id: l.id,
                date: day("--date", &l.date)?,
            },
            l.who,
        ),
    };
    let (store, keys) = crate::state::open_with_keys(state)?;
    let app = App::with_checked_keys(store.as_ref(), &keys);
    let by = super::acting::<PolicyOwner>(&app, "--as", &who.official)?;
    let proposal = vouch_app::Proposal::Order(change);
    if let Some(key) = &who.key {
        super::print_proposed(&super::propose_signed(&app, &proposal, by.id(), key)?);
        return Ok(ExitCode::SUCCESS);
    }
    let vouch_app::Proposal::Order(change) = proposal else {
        anyhow::bail!("not an order change");
    };
    let what = match &change {
        OrderChange::Add(n) => format!("order {} on file", n.id),
        OrderChange::Lift { id, .. } => format!("order {id} lifted"),
    };
    app.change_order(&by, change).map_err(|e| match e {
        vouch_app::AppError::Invalid { field, why } => anyhow::anyhow!("--{field}: {why}"),
        other => other.into(),
    })?;
    println!("{what}: logged in the ledger");
    Ok(ExitCode::SUCCESS)
}

fn list(state: &Path) -> Result<ExitCode> {
    let store = crate::state::open(state)?;
    let ledger = store
        .open_ledger()
        .with_context(|| format!("ledger of the state in {}", state.display()))?;
    let app = App::new(store.as_ref());
    let today = vouch_core::timestamp::now().date();
    let orders = app.orders(&ledger)?;
    println!("{} court orders on file", orders.len());
    for o in orders {
        let status = match (o.in_force(today), o.lifted) {
            (true, _) => "IN FORCE".to_string(),
            (false, Some(l)) if l <= today => {
                format!("lifted {}", vouch_core::timestamp::format_date(l))
            }
            (false, _) => "not yet in force".to_string(),
        };
        println!(
            "{}\t{}\t{}\tfrom {}\t{}\t{}\tdocument sha256:{}",
            o.id,
            o.effect.as_str(),
            o.scope.as_text(),
            vouch_core::timestamp::format_date(o.date),
            status,
            o.court,
            o.document_sha256
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn document(state: &Path, id: &str, out: &Path) -> Result<ExitCode> {
    let store = crate::state::open(state)?;
    let ledger = store.open_ledger()?;
    let app = App::new(store.as_ref());
    let order = app
        .orders(&ledger)?
        .into_iter()
        .find(|o| o.id == id)
        .with_context(|| format!("--id {id}: no such order on file"))?;
    let bytes = app.order_document(&order.document_sha256)?;
    if out.exists() {
        anyhow::bail!("--out {}: exists already", out.display());
    }
    vouch_formats::atomic::write_atomic(out, &bytes)
        .with_context(|| format!("--out {}", out.display()))?;
    println!("{} bytes, sha256:{}", bytes.len(), order.document_sha256);
    Ok(ExitCode::SUCCESS)
}
