//! `vouch model show` prints the matching model beside an index (every
//! field and level with its m and u probabilities and log2 match weight);
//! `vouch model train` re-estimates it and saves it only past the
//! evaluation gate of policy.md (false-confirmation rate under the ceiling).

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vouch_match::MatchQuery;

#[derive(clap::Subcommand, Debug)]
pub enum ModelCommand {
    /// Print the weight of every field and level.
    Show {
        /// The index directory.
        #[arg(long)]
        index: PathBuf,
    },
    /// Estimate u by sampling the master and m by EM on a request's blocked
    /// pairs, evaluate on labelled data, and save the model beside the index
    /// only if its false-confirmation rate is within the policy's ceiling.
    Train {
        /// The index directory (its model.json is replaced on success).
        #[arg(long)]
        index: PathBuf,
        /// A request directory whose subjects train the model (no labels needed).
        #[arg(long)]
        request: PathBuf,
        /// Labelled request to evaluate on (default: the training request).
        #[arg(long)]
        eval_request: Option<PathBuf>,
        /// truth.csv of the evaluation request (subject_ref,tin,expected).
        #[arg(long)]
        eval_truth: PathBuf,
    },
}

pub fn run(state: &Path, c: ModelCommand) -> Result<ExitCode> {
    match c {
        ModelCommand::Show { index } => {
            let ix = vouch_match::MasterIndex::load(&index)?;
            print!("{}", vouch_match::model_report(ix.model()));
        }
        ModelCommand::Train {
            index,
            request,
            eval_request,
            eval_truth,
        } => train(
            state,
            &index,
            &request,
            eval_request.as_deref().unwrap_or(&request),
            &eval_truth,
        )?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The queries of a request's subjects (all of them: training needs no policy verdict).
fn queries(request: &Path) -> Result<(Vec<vouch_core::Subject>, Vec<MatchQuery>)> {
    let files = vouch_formats::request::read_request_dir(request)?;
    let periods = files.letter.taxable_periods.clone();
    let q = files
        .subjects
        .iter()
        .map(|s| MatchQuery::from_subject(s, vouch_formats::master::parse_date(&s.dob), &periods))
        .collect();
    Ok((files.subjects, q))
}

fn train(
    state: &Path,
    index: &Path,
    request: &Path,
    eval_request: &Path,
    eval_truth: &Path,
) -> Result<()> {
    let ceiling = vouch_pipeline::active_policy(crate::state::open(state)?.as_ref())?
        .false_confirmation_rate_max;
    let mut ix = vouch_match::MasterIndex::load(index)?;
    let (_, train_q) = queries(request)?;
    let report = vouch_match::train_model(&mut ix, &train_q).context("training")?;
    println!(
        "trained {} -> {} on {} queries, {} blocked pairs, {} EM iterations",
        report.version_before, report.version, report.queries, report.pairs, report.em.iterations
    );
    let truth: std::collections::HashMap<String, vouch_formats::truth::TruthRow> =
        vouch_formats::truth::read_truth(eval_truth)?
            .into_iter()
            .map(|t| (t.subject_ref.clone(), t))
            .collect();
    let (subjects, eval_q) = queries(eval_request)?;
    let mut labelled = Vec::new();
    for (s, q) in subjects.iter().zip(eval_q) {
        let t = truth.get(&s.subject_ref).with_context(|| {
            format!(
                "{}: no row for subject {}",
                eval_truth.display(),
                s.subject_ref
            )
        })?;
        if t.expected == vouch_core::Outcome::Rejected {
            continue; // never looked up
        }
        let label = if t.expected == vouch_core::Outcome::Confirmed {
            vouch_core::Tin::parse(&t.tin)
        } else {
            None
        };
        labelled.push((q, label));
    }
    let e = vouch_match::evaluate(&ix, &labelled);
    println!(
        "evaluation: {} subjects, {} confirmations, {} false ({:.5} per confirmation; ceiling {ceiling}), {} missed",
        e.subjects, e.confirmations, e.false_confirmations, e.rate, e.missed
    );
    if e.rate > ceiling {
        bail!("model {} refused: false-confirmation rate {:.5} is above the policy's ceiling {ceiling}; nothing saved", report.version, e.rate);
    }
    let evaluation = serde_json::json!({
        "model_version": report.version,
        "evaluated_on": eval_request.display().to_string(),
        "subjects": e.subjects, "confirmations": e.confirmations,
        "false_confirmations": e.false_confirmations, "missed": e.missed,
        "false_confirmation_rate": e.rate, "ceiling": ceiling,
    });
    ix.save(index)?;
    let bytes = serde_json::to_vec_pretty(&evaluation)?;
    vouch_formats::atomic::write_atomic(&index.join("model-evaluation.json"), &bytes)?;
    println!(
        "saved model {} and its evaluation in {}",
        report.version,
        index.display()
    );
    Ok(())
}
