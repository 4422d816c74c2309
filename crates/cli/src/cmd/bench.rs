//! `vouch bench`: whole-system throughput and peak memory at a stated size:
//! synth, index build, index load, verify (policy + matching + ledger +
//! response) and ledger verification, in one process on this machine.

use crate::cmd::{demo, index, synth, verify};
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Master rows.
    #[arg(long, default_value_t = 1_000_000)]
    pub master: u64,
    /// Subjects in the generated request.
    #[arg(long, default_value_t = 100_000)]
    pub subjects: u64,
    /// Seed of the generator: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Working directory (default: a temporary one, removed afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Memory for the index build's sorts (as `index build --memory`).
    #[arg(long, value_parser = index::parse_memory)]
    pub memory: Option<usize>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Starts a new peak for this process's resident memory, so that each
/// stage reports its own: the memory earlier stages freed is handed back
/// to the system first (mimalloc, the process's allocator, returns freed
/// segments itself; `malloc_trim` hands back what C code allocated through
/// glibc, which keeps it otherwise), then VmHWM is reset (Linux: 5 to
/// clear_refs).
pub fn reset_peak() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the system; it
    // takes no pointers and is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak and current resident memory of this process, in MiB (Linux; 0 elsewhere).
pub fn memory_mib() -> (f64, f64) {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn line(stage: &str, secs: f64, items: u64, unit: &str) {
    let (peak, rss) = memory_mib();
    println!("{stage:<14} {secs:>8.2}s {:>12.0} {unit}/s   rss {rss:>7.0} MiB   stage peak {peak:>7.0} MiB", items as f64 / secs.max(1e-9));
    reset_peak();
}

pub fn run(a: Args) -> Result<ExitCode> {
    if let Some(n) = a.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .map_err(|e| anyhow::anyhow!("bench --threads {n}: {e}"))?;
    }
    reset_peak();
    let tmp;
    let dir = match a.dir {
        Some(d) => d,
        None => {
            tmp = tempfile::Builder::new().prefix("vouch-bench-").tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let (data, state, idx, resp) = (
        dir.join("data"),
        dir.join("state"),
        dir.join("index"),
        dir.join("response"),
    );
    println!(
        "vouch bench: {} master rows, {} subjects, {} threads",
        a.master,
        a.subjects,
        rayon::current_num_threads()
    );
    let t = Instant::now();
    synth::synth(a.master, a.subjects, a.seed, &data, None)?;
    line("synth", t.elapsed().as_secs_f64(), a.master, "rows");
    demo::register(&state, &data)?;
    reset_peak();
    let memory = a.memory.unwrap_or_else(index::default_memory);
    let b = index::build(&data.join("master.csv"), &idx, memory)?;
    line(
        "index build",
        b.elapsed.as_secs_f64(),
        b.indexed as u64,
        "rows",
    );
    println!(
        "  index file     {} bytes, {:.1} a row; {} MiB spilled by the sorts (memory {} MiB); {} names, {} addresses",
        b.bytes,
        b.bytes as f64 / b.indexed.max(1) as f64,
        b.build.spilled_bytes >> 20,
        memory >> 20,
        b.build.names,
        b.build.addresses
    );
    for (pass, t) in &b.build.passes {
        println!("  {pass:<14} {:>8.2}s", t.as_secs_f64());
    }
    let t = Instant::now();
    let loaded = vouch_match::MasterIndex::load(&idx)?;
    line(
        "index load",
        t.elapsed().as_secs_f64(),
        loaded.len() as u64,
        "rows",
    );
    drop(loaded);
    let args = verify::Args {
        index: idx.clone(),
        request: data.join("request"),
        out: resp,
        approve_as: demo::DEMO_OFFICERS.iter().map(|s| s.to_string()).collect(),
        officer_key: demo::DEMO_OFFICERS
            .iter()
            .map(|o| demo::officer_key_file(&data, o))
            .collect(),
    };
    let t = Instant::now();
    let r = verify::verify(&state, &state.join("keys"), &args)?;
    line(
        "verify",
        t.elapsed().as_secs_f64(),
        r.subjects as u64,
        "subjects",
    );
    for s in &r.timings {
        println!("  {:<12} {:>8.2}s", s.stage, s.elapsed.as_secs_f64());
    }
    let t = Instant::now();
    let (store, keys) = crate::state::open_with_keys_in(&state, &state.join("keys"))?;
    let ledger = store.open_ledger()?;
    let rep = ledger.verify_all_any(&vouch_pipeline::ledger_verifiers(store.as_ref(), &keys)?)?;
    line(
        "ledger verify",
        t.elapsed().as_secs_f64(),
        rep.leaves,
        "leaves",
    );
    // What `ledger verify` adds for signed approvals: each batch's leaves
    // read back and their approvals digest and signatures checked.
    let t = Instant::now();
    let batches = vouch_app::App::new(store.as_ref()).check_all_approvals(&ledger)?;
    line(
        "approvals check",
        t.elapsed().as_secs_f64(),
        rep.leaves,
        "leaves",
    );
    anyhow::ensure!(
        batches == 1,
        "the bench's batch carries no signed approvals"
    );
    let truth = vouch_formats::truth::read_truth(&data.join("truth.csv"))?;
    let sc = crate::eval::score(&r.rows, &truth)?;
    println!(
        "accuracy: precision {:.4} ({} false confirmations), recall {:.4}",
        sc.precision(),
        sc.all.false_confirmed,
        sc.recall()
    );
    // Synth's truth does not model the probing guard: its batches ask
    // about a small pool of names, often without a date of birth, which
    // the guard must treat as one person asked at many addresses. Recall
    // of the subjects it let through says what the matcher did.
    use vouch_core::ReasonCode as R;
    let guarded = |r: &vouch_formats::response::ResponseRow| {
        r.reasons.iter().any(|c| {
            matches!(
                c,
                R::DuplicateSubject
                    | R::RepeatInquiry
                    | R::AddressProbing
                    | R::AddressFanout
                    | R::ANumberConflict
            )
        })
    };
    let passed: Vec<_> = r.rows.iter().filter(|x| !guarded(x)).cloned().collect();
    let sp = crate::eval::score(&passed, &truth)?;
    println!(
        "accuracy of the {} subjects the probing guard let through ({} refused by it): precision {:.4}, recall {:.4}; recall of the {} confirmable (identifying name: exact, or a variant the date of birth on file backs) {:.4}",
        passed.len(),
        r.rows.len() - passed.len(),
        sp.precision(),
        sp.recall(),
        sp.all.confirmable,
        sp.all.confirmable_recall()
    );
    // The guard's date-of-birth rule: an ask whose name was asked with
    // another date of birth (or by a namesake on the same one) is
    // confirmed only on the date of birth on file (`DobRequired`), which a
    // taxpayer without one on any return cannot satisfy. That is the
    // price of never letting a common name walk addresses (ARCHITECTURE.md
    // invariant 9), not the matcher's; shown apart.
    let checks = store
        .request_blob(&r.request_id, vouch_pipeline::CHECKS_DOC)?
        .context("the bench's request has no stored checks")?;
    let checks = vouch_formats::checks::parse_checks(
        std::path::Path::new(vouch_pipeline::CHECKS_DOC),
        &checks,
    )?;
    let dob_required: std::collections::HashSet<&str> = checks
        .iter()
        .filter(|c| c.dob_required)
        .map(|c| c.subject_ref.as_str())
        .collect();
    let ix = vouch_match::MasterIndex::load(&idx)?;
    let no_dob_on_file = |t: &vouch_formats::truth::TruthRow| {
        vouch_core::Tin::parse(&t.tin)
            .and_then(|tin| ix.latest_name(tin))
            .is_some_and(|n| n.dob.is_none())
    };
    let unsatisfiable: std::collections::HashSet<&str> = truth
        .iter()
        .filter(|t| dob_required.contains(t.subject_ref.as_str()) && no_dob_on_file(t))
        .map(|t| t.subject_ref.as_str())
        .collect();
    let open: Vec<_> = passed
        .iter()
        .filter(|x| !unsatisfiable.contains(x.subject_ref.as_str()))
        .cloned()
        .collect();
    let so = crate::eval::score(&open, &truth)?;
    println!(
        "  of them {} marked dob_required whose taxpayer has no date of birth on file (the guard's date-of-birth rule withholds them by design); recall of the other {} confirmable {:.4}",
        passed.len() - open.len(),
        so.all.confirmable,
        so.all.confirmable_recall()
    );
    drop(ix);
    // Per kind of noise (the requests' and the returns' own), over the
    // subjects the guard let through, less those its date-of-birth rule
    // withholds by design (what the matcher did with each kind).
    for (kind, s) in &so.by_corruption {
        if s.expected_confirmed == 0 && s.false_confirmed == 0 {
            continue;
        }
        println!(
            "  noise {kind:<40} subjects {:>8}  recall {:.4} of {:>7} expected, {:.4} of {:>7} confirmable  false confirmations {}",
            s.subjects,
            crate::eval::ratio(s.true_confirmed, s.expected_confirmed),
            s.expected_confirmed,
            s.confirmable_recall(),
            s.confirmable,
            s.false_confirmed
        );
    }
    Ok(ExitCode::SUCCESS)
}
