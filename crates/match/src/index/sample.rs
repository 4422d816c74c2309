//! u by sampling the master: random pairs of indexed rows of different
//! taxpayers, compared as if one were a subject at its own address.
//!
//! Part of the index (a fresh index carries the sampled u, see
//! [`super::IndexBuilder::finish`]); training reuses it
//! ([`crate::train::train_model`]). Deterministic: the pairs are drawn with
//! a fixed seed, so one master gives one u.

use super::MasterIndex;
use crate::compare::address;
use crate::model::{
    missing_is_uninformative, no_level_outweighs_the_first, Comparison, Model, COMPARISONS,
};
use rayon::prelude::*;

/// Random master pairs sampled for u, at most.
pub(crate) const U_PAIRS_MAX: u64 = 1_000_000;
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

fn renormalise(p: &mut [f64]) {
    let s: f64 = p.iter().sum();
    if s > 0.0 {
        p.iter_mut().for_each(|x| *x /= s);
    }
}
