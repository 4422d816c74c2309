//! The Fellegi-Sunter model: m and u probabilities per comparison level,
//! the prior, the decision thresholds in match-weight (log2) space, and EM
//! for m with u held fixed (Splink's way, run on counts of agreement
//! patterns as fastLink does).
//!
//! u comes from random pairs of the master (see [`crate::index`]); m starts
//! from the documented priors below and is refined by [`em`] on blocked
//! pairs of a training request. The model never sees ground truth. This
//! module holds no personal data and makes no decision.

use crate::compare::{address, dob, given, suffix, surname};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// One comparison of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum Comparison {
    /// Given name.
    Given = 0,
    /// Surname, compound ones included (levels in [`crate::compare::surname`]).
    Surname = 1,
    /// Date of birth.
    Dob = 2,
    /// Generational suffix.
    Suffix = 3,
    /// Address (one comparison for street, unit, city and ZIP).
    Address = 4,
}

/// Every comparison, in index order.
pub const COMPARISONS: [Comparison; 5] = [
    Comparison::Given,
    Comparison::Surname,
    Comparison::Dob,
    Comparison::Suffix,
    Comparison::Address,
];

impl Comparison {
    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            Comparison::Given => "given_name",
            Comparison::Surname => "surname",
            Comparison::Dob => "date_of_birth",
            Comparison::Suffix => "suffix",
            Comparison::Address => "address",
        }
    }

    /// Level names, strongest first.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Comparison::Given => &given::NAMES,
            Comparison::Surname => &surname::NAMES,
            Comparison::Dob => &dob::NAMES,
            Comparison::Suffix => &suffix::NAMES,
            Comparison::Address => &address::NAMES,
        }
    }
}

/// A pattern: one level per comparison, in [`COMPARISONS`] order.
pub type Pattern = [u8; 5];

/// The model file's format version.
pub const MODEL_FORMAT: u32 = 1;
/// Smallest probability any level may take (no level weighs infinity).
const PROB_MIN: f64 = 1e-7;

/// The parameters of the matching model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// File format of the model.
    pub format: u32,
    /// [`crate::MODEL_VERSION`] when it was written.
    pub model_version: String,
    /// m probabilities, `m[comparison][level]`.
    pub m: Vec<Vec<f64>>,
    /// u probabilities, `u[comparison][level]`.
    pub u: Vec<Vec<f64>>,
    /// Distinct taxpayers of the master: the prior is one in this many.
    pub taxpayers: u64,
    /// Random pairs of the master sampled for u.
    pub u_pairs_sampled: u64,
    /// Smallest surname share used by the term-frequency adjustment.
    pub tf_share_min: f64,
    /// Weight added when the subject's name fields are swapped.
    pub swap_weight: f64,
    /// Confirmation threshold, log2 match weight.
    pub threshold: f64,
    /// The runner-up must stay at least this far below the best.
    pub margin: f64,
    /// EM iterations run to estimate m (0: the priors as shipped).
    pub em_iterations: u32,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            format: MODEL_FORMAT,
            model_version: crate::MODEL_VERSION.to_string(),
            m: default_m(),
            u: default_u(),
            taxpayers: 1,
            u_pairs_sampled: 0,
            tf_share_min: 1e-6,
            swap_weight: -2.0,
            threshold: 6.0,
            margin: 6.0,
            em_iterations: 0,
        }
    }
}

/// m priors. Levels as in [`crate::compare`]; DOB and suffix "missing"
/// levels are overwritten by the observed missing share (missingness says
/// nothing about a match).
fn default_m() -> Vec<Vec<f64>> {
    vec![
        vec![0.80, 0.06, 0.025, 0.05, 0.02, 0.01, 0.005, 0.005, 0.025],
        vec![0.85, 0.06, 0.04, 0.01, 0.005, 0.005, 0.03],
        vec![0.49, 0.50, 0.01],
        vec![0.10, 0.89, 0.01],
        vec![0.80, 0.08, 0.03, 0.05, 0.04],
    ]
}

fn default_u() -> Vec<Vec<f64>> {
    vec![
        vec![0.005, 0.002, 0.001, 0.002, 0.01, 0.002, 0.002, 0.01, 0.966],
        vec![0.002, 0.001, 0.001, 0.005, 0.001, 0.01, 0.98],
        vec![0.0001, 0.5, 0.4999],
        vec![0.01, 0.89, 0.10],
        vec![1e-6, 3e-6, 1e-5, 0.01, 0.99],
    ]
}

impl Model {
    /// log2(m/u) of one level.
    pub fn weight(&self, c: Comparison, level: u8) -> f64 {
        let (m, u) = (
            self.m[c as usize][level as usize],
            self.u[c as usize][level as usize],
        );
        (m.max(PROB_MIN) / u.max(PROB_MIN)).log2()
    }

    /// The exact-surname weight adjusted for how common the surname is
    /// (`share`: its share of the master's taxpayers).
    pub fn surname_tf_weight(&self, share: f64) -> f64 {
        let m = self.m[Comparison::Surname as usize][surname::EXACT as usize];
        (m.max(PROB_MIN) / share.max(self.tf_share_min)).log2()
    }

    /// The prior: log2 odds that a subject is a given taxpayer.
    pub fn prior(&self) -> f64 {
        let t = self.taxpayers.max(1) as f64;
        -(t.log2())
    }

    /// Checks the shape and ranges of the parameters (a model read from disk).
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.format != MODEL_FORMAT {
            return Err("unsupported model format");
        }
        for (i, c) in COMPARISONS.iter().enumerate() {
            let n = c.levels().len();
            let (Some(m), Some(u)) = (self.m.get(i), self.u.get(i)) else {
                return Err("missing comparison");
            };
            if m.len() != n || u.len() != n {
                return Err("wrong number of levels");
            }
            if m.iter()
                .chain(u)
                .any(|p| !p.is_finite() || !(0.0..=1.0).contains(p))
            {
                return Err("probability out of range");
            }
        }
        if self.m.len() != COMPARISONS.len() || self.u.len() != COMPARISONS.len() {
            return Err("wrong number of comparisons");
        }
        let finite = [
            self.tf_share_min,
            self.swap_weight,
            self.threshold,
            self.margin,
        ];
        if finite.iter().any(|x| !x.is_finite()) || self.margin < 0.0 || self.tf_share_min <= 0.0 {
            return Err("threshold out of range");
        }
        Ok(())
    }
}

/// A level that the sample never hit gets a tiny u and a huge weight; no
/// weaker level may weigh more than the strongest one of its comparison,
/// so its u is raised to keep its weight at most that.
pub(crate) fn no_level_outweighs_the_first(model: &mut Model) {
    for c in [Comparison::Given, Comparison::Surname, Comparison::Address] {
        let (m, u) = (&model.m[c as usize], &mut model.u[c as usize]);
        let ratio = m[0] / u[0].max(f64::MIN_POSITIVE);
        for l in 1..u.len() {
            if m[l] / u[l].max(f64::MIN_POSITIVE) > ratio {
                u[l] = m[l] / ratio;
            }
        }
    }
}

/// Sets m of the "missing" DOB and suffix levels to their u: that a field
/// is unknown says nothing about a match. The known levels keep their ratio.
pub(crate) fn missing_is_uninformative(model: &mut Model) {
    for (c, missing) in [
        (Comparison::Dob, dob::MISSING),
        (Comparison::Suffix, suffix::MISSING),
    ] {
        let (m, u) = (&mut model.m[c as usize], &model.u[c as usize]);
        let miss = u[missing as usize];
        let known: f64 = m
            .iter()
            .enumerate()
            .filter(|(l, _)| *l != missing as usize)
            .map(|(_, p)| p)
            .sum();
        for (l, p) in m.iter_mut().enumerate() {
            *p = if l == missing as usize {
                miss
            } else if known > 0.0 {
                *p / known * (1.0 - miss)
            } else {
                0.0
            };
        }
    }
}

/// Every comparison and level with m, u and log2 weight, the prior and the
/// thresholds: what `vouch model` prints.
pub fn model_report(model: &Model) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "model {} (format {})",
        model.model_version, model.format
    );
    let _ = writeln!(
        out,
        "prior: 1 in {} taxpayers = {:+.2} bits",
        model.taxpayers,
        model.prior()
    );
    let _ = writeln!(
        out,
        "u from {} random master pairs; m from {} EM iterations (0 = priors)",
        model.u_pairs_sampled, model.em_iterations
    );
    let _ = writeln!(
        out,
        "confirm at >= {:.1} bits with the runner-up >= {:.1} bits below; swapped name fields {:+.1} bits; surname TF share floor {:e}",
        model.threshold, model.margin, model.swap_weight, model.tf_share_min
    );
    let _ = writeln!(out, "vetoes: date_of_birth=conflict, suffix=conflict");
    for c in COMPARISONS {
        let _ = writeln!(out, "{}", c.name());
        for (l, name) in c.levels().iter().enumerate() {
            let (m, u) = (model.m[c as usize][l], model.u[c as usize][l]);
            let _ = writeln!(
                out,
                "  {name:<26} m={m:<10.6} u={u:<12.3e} weight={:+7.2}",
                model.weight(c, l as u8)
            );
        }
    }
    out
}

/// What an EM run did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmReport {
    /// Iterations run.
    pub iterations: u32,
    /// Estimated share of pairs that match.
    pub lambda: f64,
    /// Whether m stopped moving before the iteration limit.
    pub converged: bool,
    /// Log-likelihood (natural log) of the patterns under the final m, u and lambda.
    pub log_likelihood: f64,
}

/// Estimates m by expectation-maximisation on counts of agreement patterns
/// (blocked pairs), with u held fixed. `lambda` is the starting share of
/// matching pairs.
pub fn em(
    model: &mut Model,
    patterns: &[(Pattern, f64)],
    lambda: f64,
    iterations_max: u32,
) -> EmReport {
    em_inner(model, patterns, lambda, iterations_max, false)
}

/// Like [`em`], but u is re-estimated too (fastLink's EM): the share of
/// each level among the non-matching pairs of the blocks, which agree far
/// more often than random pairs do. Use its m; keep u from random pairs
/// for the weights.
pub fn em_free_u(
    model: &mut Model,
    patterns: &[(Pattern, f64)],
    lambda: f64,
    iterations_max: u32,
) -> EmReport {
    em_inner(model, patterns, lambda, iterations_max, true)
}

fn em_inner(
    model: &mut Model,
    patterns: &[(Pattern, f64)],
    lambda: f64,
    iterations_max: u32,
    update_u: bool,
) -> EmReport {
    let mut lambda = lambda.clamp(1e-9, 1.0 - 1e-9);
    let total: f64 = patterns.iter().map(|p| p.1).sum();
    if total <= 0.0 {
        return EmReport {
            iterations: 0,
            lambda,
            converged: true,
            log_likelihood: 0.0,
        };
    }
    let mut it = 0;
    let mut converged = false;
    while it < iterations_max && !converged {
        it += 1;
        let mut acc: Vec<Vec<f64>> = model.m.iter().map(|l| vec![0.0; l.len()]).collect();
        let mut acc_u = acc.clone();
        let mut matched = 0.0;
        for (p, n) in patterns {
            let (mut pm, mut pu) = (lambda, 1.0 - lambda);
            for (c, &l) in p.iter().enumerate() {
                pm *= model.m[c][l as usize].max(PROB_MIN);
                pu *= model.u[c][l as usize].max(PROB_MIN);
            }
            let w = n * pm / (pm + pu);
            matched += w;
            for (c, &l) in p.iter().enumerate() {
                acc[c][l as usize] += w;
                acc_u[c][l as usize] += n - w;
            }
        }
        if matched <= 0.0 {
            break;
        }
        if update_u && total - matched > 0.0 {
            for (c, levels) in acc_u.iter().enumerate() {
                for (l, a) in levels.iter().enumerate() {
                    model.u[c][l] = a / (total - matched);
                }
            }
        }
        let mut delta: f64 = 0.0;
        for (c, levels) in acc.iter().enumerate() {
            for (l, a) in levels.iter().enumerate() {
                let new = a / matched;
                delta = delta.max((new - model.m[c][l]).abs());
                model.m[c][l] = new;
            }
        }
        lambda = (matched / total).clamp(1e-9, 1.0 - 1e-9);
        converged = delta < 1e-6;
    }
    model.em_iterations += it;
    EmReport {
        iterations: it,
        lambda,
        converged,
        log_likelihood: log_likelihood(model, patterns, lambda),
    }
}

/// The log-likelihood (natural log) of pattern counts under a two-class
/// mixture with match share `lambda`.
pub fn log_likelihood(model: &Model, patterns: &[(Pattern, f64)], lambda: f64) -> f64 {
    patterns
        .iter()
        .map(|(p, n)| {
            let (mut pm, mut pu) = (lambda, 1.0 - lambda);
            for (c, &l) in p.iter().enumerate() {
                pm *= model.m[c][l as usize].max(PROB_MIN);
                pu *= model.u[c][l as usize].max(PROB_MIN);
            }
            n * (pm + pu).ln()
        })
        .sum()
}

/// Hex digits of the parameter digest in a trained model's version.
const VERSION_DIGEST_HEX: usize = 12;

/// The longest model version this build writes or loads: a trained one,
/// [`crate::MODEL_VERSION`], `+` and the digest. Every lookup records the
/// version in its ledger leaf, whose label field is bounded; vouch-pipeline
/// asserts this fits.
pub const MODEL_VERSION_BYTES_MAX: usize = crate::MODEL_VERSION.len() + 1 + VERSION_DIGEST_HEX;

/// Whether a model version was written by this build's model family:
/// [`crate::MODEL_VERSION`] itself (the shipped priors) or a trained
/// version derived from it (`fs-1+` and 12 lowercase hex digits of a
/// digest of the parameters, as [`derived_version`] writes it), so never
/// longer than [`MODEL_VERSION_BYTES_MAX`].
pub fn model_version_compatible(version: &str) -> bool {
    version
        .strip_prefix(crate::MODEL_VERSION)
        .is_some_and(|rest| {
            rest.is_empty()
                || rest.strip_prefix('+').is_some_and(|d| {
                    d.len() == VERSION_DIGEST_HEX
                        && d.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                })
        })
}

/// The version of a trained model: [`crate::MODEL_VERSION`], `+`, and the
/// first 12 hex digits of the SHA-256 of its parameters (so two models
/// with different parameters never share a version).
pub fn derived_version(model: &Model) -> String {
    use sha2::{Digest, Sha256};
    let mut plain = model.clone();
    plain.model_version = String::new();
    let json = serde_json::to_vec(&plain).unwrap_or_default();
    let digest: String = Sha256::digest(&json)[..VERSION_DIGEST_HEX / 2]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{}+{digest}", crate::MODEL_VERSION)
}

#[cfg(test)]
mod tests;
