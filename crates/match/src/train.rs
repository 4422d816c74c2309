//! Training without labels: u by random sampling of the master, m by EM on
//! the blocked pairs of a batch of queries with u held fixed (Splink's
//! way, on counts of agreement patterns as fastLink does).
//!
//! Deterministic: the sample is drawn with a fixed seed, so one master
//! gives one model. Training reads no ground truth; [`evaluate`] is the
//! separate gate that does (labelled queries), so that a model whose
//! false-confirmation rate exceeds the policy's ceiling is never activated.

use crate::decide::{score_all, MatchQuery};
use crate::index::{MasterIndex, U_PAIRS_MAX};
use crate::model::{
    em, missing_is_uninformative, no_level_outweighs_the_first, EmReport, Model, Pattern,
    COMPARISONS,
};
use rayon::prelude::*;
use std::collections::HashMap;
use vouch_core::{Outcome, Tin};

/// u by sampling the master; it lives with the index (a fresh index
/// carries it) and is re-exported here where training used to define it.
pub use crate::index::estimate_u;

/// Counts of the agreement patterns of every blocked pair of `queries`.
pub fn blocked_patterns(ix: &MasterIndex, queries: &[MatchQuery]) -> Vec<(Pattern, f64)> {
    let counts = queries
        .par_iter()
        .fold(HashMap::<Pattern, f64>::new, |mut acc, q| {
            if let Some((scored, _)) = score_all(ix, q) {
                for s in scored {
                    *acc.entry(s.levels).or_default() += 1.0;
                }
            }
            acc
        })
        .reduce(HashMap::new, |mut a, b| {
            for (k, v) in b {
                *a.entry(k).or_default() += v;
            }
            a
        });
    let mut v: Vec<(Pattern, f64)> = counts.into_iter().collect();
    v.sort_unstable_by_key(|a| a.0);
    v
}

/// Re-estimates the index's m by EM on the blocked pairs of `queries`,
/// u fixed; the missing levels stay uninformative.
pub fn train_m(ix: &mut MasterIndex, queries: &[MatchQuery], iterations_max: u32) -> EmReport {
    let patterns = blocked_patterns(ix, queries);
    let pairs: f64 = patterns.iter().map(|p| p.1).sum();
    let lambda = (queries.len() as f64 / pairs.max(1.0)).min(0.5);
    let mut model = ix.model().clone();
    let report = em(&mut model, &patterns, lambda, iterations_max);
    missing_is_uninformative(&mut model);
    no_level_outweighs_the_first(&mut model);
    model.model_version = crate::model::derived_version(&model);
    ix.set_model(model);
    report
}

/// EM iterations at most for [`train_model`].
pub const EM_ITERATIONS_MAX: u32 = 200;

/// What went wrong with training (no personal data: counts only).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// No queries were given.
    #[error("no training queries")]
    NoQueries,
    /// The queries found no candidate pairs in the master.
    #[error("the {queries} training queries produced no blocked pairs")]
    NoPairs {
        /// Queries given.
        queries: u64,
    },
    /// EM produced parameters that are not a valid model.
    #[error("training produced an invalid model: {why}")]
    Invalid {
        /// What is wrong.
        why: &'static str,
    },
}

/// One level's probabilities before and after training.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelChange {
    /// Comparison name.
    pub comparison: &'static str,
    /// Level name.
    pub level: &'static str,
    /// m before.
    pub m_before: f64,
    /// m after.
    pub m_after: f64,
    /// u before.
    pub u_before: f64,
    /// u after.
    pub u_after: f64,
}

/// What [`train_model`] changed.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    /// The model version before.
    pub version_before: String,
    /// The new model version (derived from its parameters).
    pub version: String,
    /// Queries used.
    pub queries: u64,
    /// Blocked (query, candidate taxpayer) pairs.
    pub pairs: u64,
    /// Distinct agreement patterns among them.
    pub patterns: u64,
    /// Random master pairs sampled for u.
    pub u_pairs_sampled: u64,
    /// The EM run (iterations, final lambda, convergence, log-likelihood).
    pub em: EmReport,
    /// Every level of every comparison, m and u before and after.
    pub levels: Vec<LevelChange>,
}

/// Trains the index's model without labels: u by sampling random master
/// pairs, then m by EM on the blocked pairs of `queries` with u fixed,
/// starting from the shipped priors (so one master and one set of queries
/// always give one model). Thresholds, margin, swap weight and the
/// term-frequency floor are kept from the current model. The new model
/// gets a version derived from its parameters and replaces the index's
/// model (call [`evaluate`] before activating it, and `save` to keep it).
pub fn train_model(
    ix: &mut MasterIndex,
    queries: &[MatchQuery],
) -> Result<TrainReport, TrainError> {
    if queries.is_empty() {
        return Err(TrainError::NoQueries);
    }
    let before = ix.model().clone();
    let patterns = blocked_patterns(ix, queries);
    let pairs: f64 = patterns.iter().map(|p| p.1).sum();
    if pairs <= 0.0 {
        return Err(TrainError::NoPairs {
            queries: queries.len() as u64,
        });
    }
    let mut model = Model {
        tf_share_min: before.tf_share_min,
        swap_weight: before.swap_weight,
        threshold: before.threshold,
        margin: before.margin,
        ..estimate_u(ix, U_PAIRS_MAX)
    };
    let lambda = (queries.len() as f64 / pairs).min(0.5);
    // u stays fixed at the random pairs' shares. Blocked pairs agree far
    // more often than random ones, so lambda tends to 1 and m moves toward
    // the blocks' agreement shares; `em_free_u` (u re-estimated in the
    // blocks) gives a truer mixture but let false confirmations through on
    // the synthetic set, so it is not the default. `evaluate` is the gate.
    let em_report = em(&mut model, &patterns, lambda, EM_ITERATIONS_MAX);
    missing_is_uninformative(&mut model);
    no_level_outweighs_the_first(&mut model);
    if !em_report.log_likelihood.is_finite() {
        return Err(TrainError::Invalid {
            why: "log-likelihood is not finite",
        });
    }
    model
        .validate()
        .map_err(|why| TrainError::Invalid { why })?;
    model.model_version = crate::model::derived_version(&model);
    let report = TrainReport {
        version_before: before.model_version.clone(),
        version: model.model_version.clone(),
        queries: queries.len() as u64,
        pairs: pairs as u64,
        patterns: patterns.len() as u64,
        u_pairs_sampled: model.u_pairs_sampled,
        em: em_report,
        levels: level_changes(&before, &model),
    };
    ix.set_model(model);
    Ok(report)
}

fn level_changes(before: &Model, after: &Model) -> Vec<LevelChange> {
    let mut out = Vec::new();
    for c in COMPARISONS {
        for (l, name) in c.levels().iter().enumerate() {
            let (i, j) = (c as usize, l);
            out.push(LevelChange {
                comparison: c.name(),
                level: name,
                m_before: before.m[i][j],
                m_after: after.m[i][j],
                u_before: before.u[i][j],
                u_after: after.u[i][j],
            });
        }
    }
    out
}

/// The policy's default ceiling on false confirmations per confirmation.
pub const FALSE_CONFIRMATION_RATE_MAX: f64 = 0.001;

/// The result of deciding labelled queries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Queries decided.
    pub subjects: u64,
    /// CONFIRMED outcomes.
    pub confirmations: u64,
    /// CONFIRMED outcomes whose taxpayer is not the labelled one (or where
    /// the label says nobody should be confirmed).
    pub false_confirmations: u64,
    /// Queries labelled with a taxpayer that were not confirmed as them.
    pub missed: u64,
    /// False confirmations per confirmation (0 when nothing was confirmed).
    pub rate: f64,
}

impl Evaluation {
    /// Whether the false-confirmation rate is at most `ceiling` (the policy's,
    /// default [`FALSE_CONFIRMATION_RATE_MAX`]).
    pub fn within(&self, ceiling: f64) -> bool {
        self.rate <= ceiling
    }
}

/// Decides every query with the index's current model and counts the
/// confirmations against the labels: `Some(tin)` when the subject should
/// be confirmed as that taxpayer, `None` when nobody should be.
pub fn evaluate(ix: &MasterIndex, labelled: &[(MatchQuery, Option<Tin>)]) -> Evaluation {
    let (confirmations, false_confirmations, missed) = labelled
        .par_iter()
        .map(|(q, truth)| {
            let d = crate::decide::decide(ix, q);
            let confirmed = d.outcome == Outcome::Confirmed;
            let right = confirmed && d.tin.is_some() && d.tin == *truth;
            (
                u64::from(confirmed),
                u64::from(confirmed && !right),
                u64::from(truth.is_some() && !right),
            )
        })
        .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    Evaluation {
        subjects: labelled.len() as u64,
        confirmations,
        false_confirmations,
        missed,
        rate: if confirmations == 0 {
            0.0
        } else {
            false_confirmations as f64 / confirmations as f64
        },
    }
}
