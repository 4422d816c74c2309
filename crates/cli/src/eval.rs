//! Scoring a response against the ground truth of generated data.

use anyhow::{bail, Result};
use std::collections::BTreeMap;
use vouch_core::Outcome;
use vouch_formats::response::ResponseRow;
use vouch_formats::truth::TruthRow;

/// Outcome counts for one slice of subjects.
#[derive(Debug, Default, Clone)]
pub struct Slice {
    pub subjects: u64,
    pub expected_confirmed: u64,
    pub confirmed: u64,
    pub true_confirmed: u64,
    pub false_confirmed: u64,
    /// Expected CONFIRMED with a name that identifies the taxpayer
    /// (`TruthRow::confirmable`), and of those, confirmed.
    pub confirmable: u64,
    pub confirmable_confirmed: u64,
}

impl Slice {
    /// Recall over the confirmable subjects (identifying name).
    pub fn confirmable_recall(&self) -> f64 {
        ratio(self.confirmable_confirmed, self.confirmable)
    }
}

/// The scores of one run.
#[derive(Debug, Default)]
pub struct Score {
    /// expected outcome → actual outcome → count.
    pub confusion: BTreeMap<(&'static str, &'static str), u64>,
    pub all: Slice,
    pub by_category: BTreeMap<String, Slice>,
    pub by_corruption: BTreeMap<String, Slice>,
    /// REJECTED rows whose reasons differ from the expected ones.
    pub reason_mismatches: u64,
}

impl Score {
    pub fn precision(&self) -> f64 {
        ratio(self.all.true_confirmed, self.all.confirmed)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.all.true_confirmed, self.all.expected_confirmed)
    }
}

pub fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

fn add(s: &mut Slice, t: &TruthRow, actual: Outcome) {
    let expected = t.expected;
    s.subjects += 1;
    if t.confirmable() {
        s.confirmable += 1;
        s.confirmable_confirmed += u64::from(actual == Outcome::Confirmed);
    }
    let (ec, ac) = (expected == Outcome::Confirmed, actual == Outcome::Confirmed);
    s.expected_confirmed += ec as u64;
    s.confirmed += ac as u64;
    s.true_confirmed += (ec && ac) as u64;
    s.false_confirmed += (!ec && ac) as u64;
}

/// Scores `rows` (in request order) against `truth` (matched by subject_ref).
pub fn score(rows: &[ResponseRow], truth: &[TruthRow]) -> Result<Score> {
    let by_ref: std::collections::HashMap<&str, &TruthRow> =
        truth.iter().map(|t| (t.subject_ref.as_str(), t)).collect();
    let mut s = Score::default();
    for row in rows {
        let Some(t) = by_ref.get(row.subject_ref.as_str()) else {
            bail!("truth.csv has no row for subject {}", row.subject_ref);
        };
        *s.confusion
            .entry((t.expected.as_str(), row.outcome.as_str()))
            .or_default() += 1;
        add(&mut s.all, t, row.outcome);
        add(
            s.by_category.entry(t.category.clone()).or_default(),
            t,
            row.outcome,
        );
        add(
            s.by_corruption.entry(t.corruption.clone()).or_default(),
            t,
            row.outcome,
        );
        if row.outcome == Outcome::Rejected && t.expected == Outcome::Rejected {
            let got: Vec<&str> = row.reasons.iter().map(|r| r.as_str()).collect();
            let mut want: Vec<&str> = t.reasons.split(';').filter(|x| !x.is_empty()).collect();
            want.sort();
            let mut got_sorted = got.clone();
            got_sorted.sort();
            if !want.is_empty() && want != got_sorted {
                s.reason_mismatches += 1;
            }
        }
    }
    Ok(s)
}
