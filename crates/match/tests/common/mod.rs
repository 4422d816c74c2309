//! Shared evaluation harness: generate a synthetic master and request with
//! ground truth, build the index, decide every subject, and score the
//! CONFIRMED outcomes per category and corruption kind.

#![allow(dead_code)]

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};
use vouch_core::{Outcome, Subject};
use vouch_match::{decide::decide, Decision, IndexBuilder, MasterIndex, MatchQuery};

/// One subject's truth (truth.csv).
#[derive(Debug, Clone)]
pub struct Truth {
    pub subject_ref: String,
    pub tin: String,
    pub expected: String,
    pub category: String,
    pub corruption: String,
    /// `name`, `name+dob` or `weak` for an expected confirmation (synth's
    /// `evidence` column; empty when absent).
    pub evidence: String,
}

/// Counts for one group of subjects.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub subjects: u64,
    pub expected_confirmed: u64,
    pub true_confirmed: u64,
    pub false_confirmed: u64,
    /// Expected confirmations whose name identifies the taxpayer (exact,
    /// or a variant the date of birth on file backs), and of those, the
    /// true confirmations.
    pub confirmable: u64,
    pub confirmable_confirmed: u64,
}

/// The result of one evaluation.
#[derive(Debug, Default)]
pub struct Eval {
    pub all: Counts,
    pub by_kind: BTreeMap<String, Counts>,
    pub build: Duration,
    /// Standardising the subjects into queries.
    pub standardise: Duration,
    /// Deciding the queries.
    pub decide: Duration,
    pub rows: usize,
    /// Decision reasons of the subjects expected CONFIRMED but not confirmed.
    pub misses: BTreeMap<String, u64>,
    /// (category/corruption, explanation) of every false confirmation.
    pub false_confirmations: Vec<(String, String)>,
}

impl Eval {
    pub fn precision(&self) -> f64 {
        let c = self.all.true_confirmed + self.all.false_confirmed;
        if c == 0 {
            1.0
        } else {
            self.all.true_confirmed as f64 / c as f64
        }
    }

    /// Recall over the confirmable subjects (identifying name).
    pub fn confirmable_recall(&self) -> f64 {
        if self.all.confirmable == 0 {
            1.0
        } else {
            self.all.confirmable_confirmed as f64 / self.all.confirmable as f64
        }
    }

    pub fn recall(&self) -> f64 {
        self.all.true_confirmed as f64 / self.all.expected_confirmed.max(1) as f64
    }

    pub fn table(&self) -> String {
        let mut s = format!(
            "{:<48} {:>7} {:>7} {:>7} {:>6} {:>7}\n",
            "category/corruption", "n", "exp_cf", "true_cf", "false", "recall"
        );
        for (k, c) in &self.by_kind {
            let r = if c.expected_confirmed == 0 {
                f64::NAN
            } else {
                c.true_confirmed as f64 / c.expected_confirmed as f64
            };
            s += &format!(
                "{k:<48} {:>7} {:>7} {:>7} {:>6} {:>7.4}\n",
                c.subjects, c.expected_confirmed, c.true_confirmed, c.false_confirmed, r
            );
        }
        s += &format!(
            "precision {:.5} recall {:.5} confirmable recall {:.5} of {} ({} rows; build {:.2}s; {} subjects: standardise {:.2}s, decide {:.2}s, {:.0} subjects/s)\n",
            self.precision(),
            self.recall(),
            self.confirmable_recall(),
            self.all.confirmable,
            self.rows,
            self.build.as_secs_f64(),
            self.all.subjects,
            self.standardise.as_secs_f64(),
            self.decide.as_secs_f64(),
            self.all.subjects as f64 / (self.standardise + self.decide).as_secs_f64().max(1e-9)
        );
        s += &format!("misses by reason: {:?}\n", self.misses);
        s
    }
}

pub fn read_truth(path: &Path) -> Vec<Truth> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            Truth {
                subject_ref: x[0].into(),
                tin: x[1].into(),
                expected: x[2].into(),
                category: x[3].into(),
                corruption: x[4].into(),
                evidence: x.get(6).unwrap_or("").into(),
            }
        })
        .collect()
}

pub fn read_master(path: &Path, builder: &mut IndexBuilder) {
    let mut reader = vouch_formats::master::MasterReader::open(path).unwrap();
    loop {
        let mut batch = Vec::new();
        if reader.read_batch(&mut batch, 100_000).unwrap() == 0 {
            break;
        }
        builder.add_batch(&batch);
    }
}

pub fn read_request(dir: &Path) -> Vec<Subject> {
    let path = dir.join("request").join("subjects.csv");
    let sha: String = Sha256::digest(std::fs::read(&path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    vouch_formats::request::read_subjects(&path, &sha).unwrap()
}

pub const PERIODS: [i32; 3] = [2022, 2023, 2024];

pub fn query(s: &Subject) -> MatchQuery {
    MatchQuery::from_subject(s, vouch_formats::master::parse_date(&s.dob), &PERIODS)
}

/// The request's subjects that policy would look up, as queries labelled
/// with the taxpayer each should be confirmed as (None: nobody).
pub fn labelled_queries(dir: &Path) -> Vec<(MatchQuery, Option<vouch_core::Tin>)> {
    let truth: BTreeMap<String, Truth> = read_truth(&dir.join("truth.csv"))
        .into_iter()
        .map(|t| (t.subject_ref.clone(), t))
        .collect();
    read_request(dir)
        .iter()
        .filter_map(|s| {
            let t = truth.get(&s.subject_ref)?;
            if t.expected == "REJECTED" {
                return None;
            }
            let tin = (t.expected == "CONFIRMED")
                .then(|| vouch_core::Tin::parse(&t.tin))
                .flatten();
            Some((query(s), tin))
        })
        .collect()
}

/// Generates a data set into `dir` and builds its index.
pub fn generate_and_build(
    dir: &Path,
    master_rows: u64,
    subjects: u64,
    seed: u64,
) -> (MasterIndex, Duration) {
    vouch_synth::generate(
        &vouch_synth::SynthConfig::new(master_rows, subjects, seed),
        dir,
        &|_| {},
    )
    .unwrap();
    let t = Instant::now();
    let mut b = IndexBuilder::new();
    read_master(&dir.join("master.csv"), &mut b);
    let ix = b.finish().unwrap();
    (ix, t.elapsed())
}

/// Scores every subject that policy would look up (expected not REJECTED).
pub fn evaluate(ix: &MasterIndex, dir: &Path) -> Eval {
    use rayon::prelude::*;
    let truth: BTreeMap<String, Truth> = read_truth(&dir.join("truth.csv"))
        .into_iter()
        .map(|t| (t.subject_ref.clone(), t))
        .collect();
    let subjects: Vec<Subject> = read_request(dir)
        .into_iter()
        .filter(|s| {
            truth
                .get(&s.subject_ref)
                .is_some_and(|t| t.expected != "REJECTED")
        })
        .collect();
    let t = Instant::now();
    let queries: Vec<MatchQuery> = subjects.par_iter().map(query).collect();
    let standardise = t.elapsed();
    let t = Instant::now();
    let decisions: Vec<Decision> = queries.par_iter().map(|q| decide(ix, q)).collect();
    if let Some(path) = std::env::var_os("VOUCH_EVAL_DUMP") {
        // Every decision, for comparing two builds of the matcher.
        let text: String = subjects
            .iter()
            .zip(&decisions)
            .map(|(s, d)| format!("{} {:?}\n", s.subject_ref, d))
            .collect();
        std::fs::write(path, text).unwrap();
    }
    let mut e = Eval {
        standardise,
        decide: t.elapsed(),
        rows: ix.len(),
        ..Eval::default()
    };
    for (s, d) in subjects.iter().zip(&decisions) {
        let tr = &truth[&s.subject_ref];
        let kind = format!("{}/{}", tr.category, tr.corruption);
        let exp = tr.expected == "CONFIRMED";
        let conf = d.outcome == Outcome::Confirmed;
        let right =
            conf && exp && d.tin.map(|t| format!("{:09}", t.as_u32())) == Some(tr.tin.clone());
        for c in [&mut e.all, e.by_kind.entry(kind.clone()).or_default()] {
            c.subjects += 1;
            c.expected_confirmed += u64::from(exp);
            c.true_confirmed += u64::from(right);
            c.false_confirmed += u64::from(conf && !right);
            if exp && tr.evidence != "weak" {
                c.confirmable += 1;
                c.confirmable_confirmed += u64::from(right);
            }
        }
        if conf && !right {
            e.false_confirmations.push((
                format!(
                    "{kind} {} tin {:?}",
                    tr.subject_ref,
                    d.tin.map(|t| t.as_u32())
                ),
                d.explanation.map(|x| x.describe()).unwrap_or_default(),
            ));
        }
        if exp && !right {
            *e.misses
                .entry(format!("{kind}: {:?}", d.reason))
                .or_default() += 1;
            if std::env::var_os("VOUCH_EVAL_MISSES").is_some() {
                println!(
                    "MISS {kind} {} {:?}: {}",
                    tr.subject_ref,
                    d.reason,
                    d.explanation.map(|x| x.describe()).unwrap_or_default()
                );
            }
        }
    }
    e
}
