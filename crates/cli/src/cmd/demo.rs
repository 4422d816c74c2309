//! `vouch demo`: a small synthetic data set through the whole pipeline, with
//! a summary a newcomer can read: outcomes, rejection reasons, time per
//! stage, precision and recall against the ground truth, and where the files are.

use crate::cmd::{index, synth, verify};
use crate::eval::{ratio, score, Score};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use vouch_app::{App, Parties, Registrar};
use vouch_pipeline::{RunReport, RunStatus};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to put everything (default: a new temporary directory, kept).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Master rows to generate.
    #[arg(long, default_value_t = 50_000)]
    pub master: u64,
    /// Subjects to generate.
    #[arg(long, default_value_t = 2_000)]
    pub subjects: u64,
    /// Seed of the generator: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
}

/// The disclosure officers the demo registers.
pub const DEMO_OFFICERS: [&str; 2] = ["irs-disclosure-officer-1", "irs-disclosure-officer-2"];

/// The administrators the demo registers (sealing the registry).
pub const DEMO_ADMINS: [&str; 2] = ["irs-admin-1", "irs-admin-2"];

/// The key file of a demo officer (`data/keys/OFFICER.key`, made by
/// [`register`]): each officer signs their own approval with it.
pub fn officer_key_file(data: &Path, officer: &str) -> PathBuf {
    data.join("keys").join(format!("{officer}.key"))
}

/// Makes a demo officer's own signing key (the key file only they would
/// hold) and returns its public half.
fn make_officer_key(data: &Path, officer: &str) -> Result<[u8; 32]> {
    Ok(vouch_keys::make_personal_key(&officer_key_file(data, officer))?.to_bytes())
}

/// Makes the service's keys for `state`, each demo officer's own key in
/// `data/keys/`, and registers the synthetic data set's agency and
/// officials there.
pub fn register(state: &Path, data: &Path) -> Result<()> {
    let store = crate::state::open(state)?;
    // The demo's own keys, beside its own state (never the operator's).
    App::new(store.as_ref()).init_keys(&state.join("keys"))?;
    let key = vouch_formats::keys::read_public_key(&data.join("keys/signer.pub"))?;
    let officers = DEMO_OFFICERS
        .iter()
        .map(|o| Ok((*o, make_officer_key(data, o)?)))
        .collect::<Result<Vec<_>>>()?;
    let parties = Parties {
        agency: vouch_synth::AGENCY,
        ssr_approved: time::macros::date!(2025 - 01 - 15),
        signer: vouch_synth::SIGNER_ID,
        signer_key: key,
        recipients: &vouch_synth::RECIPIENT_IDS,
        officers: &officers,
    };
    App::new(store.as_ref()).register_parties(&Registrar::Operator, &parties)?;
    // Two administrators, each with their own key: the registry is sealed,
    // and from here every registration, policy or hold list change needs
    // two of them (`vouch registry`).
    for admin in DEMO_ADMINS {
        let key = make_officer_key(data, admin)?;
        let new = vouch_app::NewOfficial {
            id: admin.into(),
            agency: vouch_core::HOME_AGENCY.into(),
            role: vouch_store::Role::Administrator,
            public_key: Some(key),
        };
        App::new(store.as_ref()).register_official(&Registrar::Operator, new)?;
    }
    Ok(())
}

pub fn run(a: Args) -> Result<ExitCode> {
    let out = match a.out {
        Some(p) => p,
        None => tempfile::Builder::new()
            .prefix("vouch-demo-")
            .tempdir()?
            .keep(),
    };
    let (data, state, index_dir, response) = (
        out.join("data"),
        out.join("state"),
        out.join("index"),
        out.join("response"),
    );
    let t = Instant::now();
    let s = synth::synth(a.master, a.subjects, a.seed, &data, None)?;
    let synth_s = t.elapsed().as_secs_f64();
    register(&state, &data).context("registering the demo's agency and officials")?;
    let built = index::build(
        &data.join("master.csv"),
        &index_dir,
        index::default_memory(),
    )?;
    let args = verify::Args {
        index: index_dir.clone(),
        request: data.join("request"),
        out: response.clone(),
        approve_as: DEMO_OFFICERS.iter().map(|s| s.to_string()).collect(),
        officer_key: DEMO_OFFICERS
            .iter()
            .map(|o| officer_key_file(&data, o))
            .collect(),
    };
    let report = verify::verify(&state, &state.join("keys"), &args)?;
    let truth = vouch_formats::truth::read_truth(&data.join("truth.csv"))?;
    let sc = score(&report.rows, &truth)?;
    print_summary(
        &report,
        &sc,
        synth_s,
        built.elapsed.as_secs_f64(),
        s.master_rows,
    );
    println!("\nfiles:");
    println!(
        "  data set     {}  (master.csv, request/, keys/, truth.csv)",
        data.display()
    );
    println!("  index        {}", index_dir.display());
    println!(
        "  state        {}  (registry, requests and audit trail, ledger)",
        state.display()
    );
    println!(
        "  response     {}  (response.csv, response.json)",
        response.display()
    );
    println!(
        "\nthe registry is sealed: two administrators ({}) with keys in {}; every further\n\
         registration, policy or hold list change needs both (vouch --state {} registry list)",
        DEMO_ADMINS.join(", "),
        data.join("keys").display(),
        state.display()
    );
    println!("\nnext: vouch --state {} ledger verify", state.display());
    Ok(if matches!(report.status, RunStatus::Completed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_summary(r: &RunReport, sc: &Score, synth_s: f64, index_s: f64, master_rows: u64) {
    println!(
        "vouch demo: request {} ({} subjects against {} master rows)\n",
        r.request_id, r.subjects, master_rows
    );
    println!("outcomes (rows: expected, columns: vouch's answer)");
    println!(
        "  {:<15} {:>10} {:>14} {:>10}",
        "", "CONFIRMED", "NOT_CONFIRMED", "REJECTED"
    );
    for e in ["CONFIRMED", "NOT_CONFIRMED", "REJECTED"] {
        let g = |a: &'static str| sc.confusion.get(&(e, a)).copied().unwrap_or(0);
        println!(
            "  {:<15} {:>10} {:>14} {:>10}",
            e,
            g("CONFIRMED"),
            g("NOT_CONFIRMED"),
            g("REJECTED")
        );
    }
    println!(
        "\nprecision of CONFIRMED {:.4} ({} false confirmations); recall {:.4} ({} of {} confirmable)",
        sc.precision(),
        sc.all.false_confirmed,
        sc.recall(),
        sc.all.true_confirmed,
        sc.all.expected_confirmed
    );
    println!(
        "rejected rows whose reason codes differ from the truth: {}",
        sc.reason_mismatches
    );
    let mut reasons: std::collections::BTreeMap<&str, u64> = Default::default();
    for row in &r.rows {
        for code in &row.reasons {
            *reasons.entry(code.as_str()).or_default() += 1;
        }
    }
    println!("\nrejection reasons");
    for (code, n) in &reasons {
        println!("  {code:<28} {n:>6}");
    }
    println!("\nrecall by corruption (confirmable subjects only)");
    for (k, v) in sc
        .by_corruption
        .iter()
        .filter(|(_, v)| v.expected_confirmed > 0)
    {
        println!(
            "  {k:<28} {:>6.1}%  ({} of {})",
            100.0 * ratio(v.true_confirmed, v.expected_confirmed),
            v.true_confirmed,
            v.expected_confirmed
        );
    }
    println!("\ntime per stage");
    println!("  {:<12} {:>9.3}s", "synth", synth_s);
    println!("  {:<12} {:>9.3}s", "index build", index_s);
    for t in &r.timings {
        println!("  {:<12} {:>9.3}s", t.stage, t.elapsed.as_secs_f64());
    }
}
