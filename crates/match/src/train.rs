//! Training without labels: u by random sampling of the master, m by EM on
//! the blocked pairs of a batch of queries with u held fixed (Splink's
//! way, on counts of agreement patterns as fastLink does).
//!
//! Deterministic: the sample is drawn with a fixed seed, so one master
//! gives one model. Nothing here reads ground truth.

use crate::compare::{address, dob, suffix};
use crate::decide::{score_all, MatchQuery};
use crate::index::MasterIndex;
use crate::model::{em, Comparison, EmReport, Model, Pattern, COMPARISONS};
use rayon::prelude::*;
use std::collections::HashMap;

const SEED: u64 = 0x766f_7563_685f_7531;
/// Pseudo-count added to every level (no level is certain from a sample).
const SMOOTHING: f64 = 0.5;

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A model whose u comes from up to `pairs_max` random pairs of rows of
/// different taxpayers, m from the priors.
pub fn estimate_u(ix: &MasterIndex, pairs_max: u64) -> Model {
    let mut model = Model {
        taxpayers: ix.taxpayers().max(1),
        ..Model::default()
    };
    let n = ix.rows.len() as u64;
    if ix.taxpayers() < 2 {
        return model;
    }
    let pairs = pairs_max.min(n.saturating_mul(4));
    let zero = || COMPARISONS.map(|c| vec![0u64; c.levels().len()]);
    let counts = (0..pairs)
        .into_par_iter()
        .fold(zero, |mut acc, k| {
            let i = splitmix(SEED ^ (2 * k)) % n;
            let j = splitmix(SEED ^ (2 * k + 1)) % n;
            let (a, b) = (&ix.rows[i as usize], &ix.rows[j as usize]);
            if a.tin != b.tin {
                for (c, l) in ix.pair_levels(a, b).iter().enumerate() {
                    acc[c][*l as usize] += 1;
                }
            }
            acc
        })
        .reduce(zero, |mut a, b| {
            for (x, y) in a.iter_mut().zip(b) {
                x.iter_mut().zip(y).for_each(|(p, q)| *p += q);
            }
            a
        });
    let sampled: u64 = counts[0].iter().sum();
    model.u_pairs_sampled = sampled;
    for (c, levels) in counts.iter().enumerate() {
        let total = sampled as f64 + SMOOTHING * levels.len() as f64;
        model.u[c] = levels
            .iter()
            .map(|&x| (x as f64 + SMOOTHING) / total)
            .collect();
    }
    // A random taxpayer filed from this address in some other year about as
    // often as in the latest one (history is a few years deep).
    let a = Comparison::Address as usize;
    model.u[a][address::EXACT_EARLIER as usize] = model.u[a][address::EXACT_LATEST as usize] * 2.0;
    renormalise(&mut model.u[a]);
    missing_is_uninformative(&mut model);
    no_level_outweighs_the_first(&mut model);
    model
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

fn renormalise(p: &mut [f64]) {
    let s: f64 = p.iter().sum();
    if s > 0.0 {
        p.iter_mut().for_each(|x| *x /= s);
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
    ix.set_model(model);
    report
}
