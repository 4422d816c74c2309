//! The `vouch` command line: the only part of vouch that knows the terminal.
//!
//! Every command exits non-zero with a one-line error on bad input (naming
//! the file, line and field, never a value), writes outputs atomically, and
//! shows progress on a terminal (progress bars are hidden when stderr is not
//! one). `verify` exits 3 when the batch waits for approval.

mod cmd;
mod eval;
mod progress;
mod state;

/// mimalloc, not the C library's allocator: the index build and the
/// matcher allocate small strings on every core, and with glibc's arenas
/// a quarter of the build went to malloc and free (BENCHMARKS.md, "The
/// build on every core": 47.4 s to 32.9 s at 10 M rows).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// vouch: confirm-only identity and address cross-checks under 26 U.S.C. 6103(i)(2),
/// with a tamper-evident ledger of every lookup.
#[derive(Parser, Debug)]
#[command(name = "vouch", version, about, propagate_version = true)]
struct Cli {
    /// State directory (registry, requests, ledger); default $VOUCH_HOME, else ./vouch-data.
    #[arg(long, global = true, env = "VOUCH_HOME", default_value = "vouch-data")]
    state: PathBuf,
    /// State store: `sqlite` (STATE/vouch.db, the default), `sqlite://PATH`
    /// or `postgres://USER@HOST/DB`.
    #[arg(long, global = true, env = "VOUCH_DATABASE", default_value = "sqlite")]
    database: String,
    /// The service's keys (made by `vouch keys init`; files 0600 in a 0700
    /// directory); default $VOUCH_KEYS, else STATE/keys.
    #[arg(long, global = true, env = "VOUCH_KEYS")]
    keys: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate a synthetic master file, a signed request and its ground truth.
    Synth(cmd::synth::Args),
    /// Generate a small data set and run the whole pipeline on it, in seconds.
    Demo(cmd::demo::Args),
    /// Make, list and rotate the service's keys (outside the state store).
    #[command(subcommand)]
    Keys(cmd::keys::KeysCommand),
    /// Manage requesting agencies.
    #[command(subcommand)]
    Agencies(cmd::registry::AgencyCommand),
    /// Manage officials (signers, recipients, disclosure officers, auditors).
    #[command(subcommand)]
    Officials(cmd::registry::OfficialCommand),
    /// The two-person registry: list changes, confirm one as a second administrator.
    #[command(subcommand)]
    Registry(cmd::registry::RegistryCommand),
    /// Build the master index.
    #[command(subcommand)]
    Index(cmd::index::IndexCommand),
    /// Run a request through intake, policy, approval, matching, ledger and response.
    Verify(cmd::verify::Args),
    /// Inspect and prove the disclosure ledger.
    #[command(subcommand)]
    Ledger(cmd::ledger::LedgerCommand),
    /// Show how names and addresses standardise (reads CSV lines on stdin).
    #[command(subcommand)]
    Normalize(cmd::normalize::NormalizeCommand),
    /// Show the matching model (fields, levels, m, u, weights).
    #[command(subcommand)]
    Model(cmd::model::ModelCommand),
    /// Show, activate and explain the policy.
    #[command(subcommand)]
    Policy(cmd::policy::PolicyCommand),
    /// List, inspect, deny requests; record dispositions of responses.
    #[command(subcommand)]
    Requests(cmd::requests::RequestsCommand),
    /// Manage the confidential hold list (6103(i)(6)).
    #[command(subcommand)]
    Holds(cmd::holds::HoldsCommand),
    /// Run the HTTP API and the approval workflow over the state directory.
    Serve(cmd::serve::Args),
    /// Sign a decision statement with a disclosure officer's own key (prints the signature).
    SignDecision(cmd::sign::Args),
    /// Make a person's own Ed25519 key pair (a disclosure officer's or a letter signer's).
    Keygen(cmd::sign::KeygenArgs),
    /// Measure throughput and peak memory of synth, index build and verify.
    Bench(cmd::bench::Args),
    /// Run a transparency-log witness of one's own (C2SP tlog-witness), state in --state.
    #[command(subcommand)]
    Witness(cmd::witness::WitnessCommand),
    /// The witnesses this ledger asks to cosign its checkpoints (a registry change).
    #[command(subcommand)]
    Witnesses(cmd::witnesses::WitnessesCommand),
    /// Court orders on file: a halt refuses intake in its scope and holds approved batches (a registry change).
    #[command(subcommand)]
    Orders(cmd::orders::OrdersCommand),
    /// Incidents: unauthorised disclosures, accesses and losses, reported within 24 hours.
    #[command(subcommand)]
    Incidents(cmd::incidents::IncidentsCommand),
    /// Remediation: withdraw disclosures found unlawful and demand their disposal.
    #[command(subcommand)]
    Remediation(cmd::remediation::RemediationCommand),
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Synth(a) => cmd::synth::run(a),
        Command::Demo(a) => cmd::demo::run(a),
        Command::Keys(c) => cmd::keys::run(&cli.state, c),
        Command::Agencies(c) => cmd::registry::agencies(&cli.state, c),
        Command::Officials(c) => cmd::registry::officials(&cli.state, c),
        Command::Registry(c) => cmd::registry::registry(&cli.state, c),
        Command::Index(c) => cmd::index::run(c),
        Command::Verify(a) => cmd::verify::run(&cli.state, a),
        Command::Ledger(c) => cmd::ledger::run(&cli.state, c),
        Command::Normalize(c) => cmd::normalize::run(c),
        Command::Model(c) => cmd::model::run(&cli.state, c),
        Command::Policy(c) => cmd::policy::run(&cli.state, c),
        Command::Requests(c) => cmd::requests::run(&cli.state, c),
        Command::Holds(c) => cmd::holds::run(&cli.state, c),
        Command::Serve(a) => cmd::serve::run(&cli.state, a),
        Command::SignDecision(a) => cmd::sign::run(a),
        Command::Keygen(a) => cmd::sign::keygen(a),
        Command::Bench(a) => cmd::bench::run(a),
        Command::Witness(c) => cmd::witness::run(&cli.state, c),
        Command::Witnesses(c) => cmd::witnesses::run(&cli.state, c),
        Command::Orders(c) => cmd::orders::run(&cli.state, c),
        Command::Incidents(c) => cmd::incidents::run(&cli.state, c),
        Command::Remediation(c) => cmd::remediation::run(&cli.state, c),
    }
}

fn main() -> ExitCode {
    // Everything vouch creates (the database, uploads, responses, keys) is
    // its user's alone.
    state::private_umask();
    let cli = Cli::parse();
    state::set_database(cli.database.clone());
    state::set_keys_dir(cli.keys.clone());
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // One line: the context chain joined by ": ".
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
