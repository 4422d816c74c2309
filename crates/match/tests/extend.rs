//! `MasterIndex::extend`: adding a new tax year's rows to an index built
//! from the earlier years gives exactly the index (and the decisions) of
//! one build over all the rows.

mod common;

use vouch_core::MasterRecord;
use vouch_match::{decide::decide, IndexBuilder, MasterIndex};

fn build(rows: &[MasterRecord]) -> MasterIndex {
    let mut b = IndexBuilder::new();
    b.add_batch(rows);
    b.finish().unwrap()
}

#[test]
fn extending_with_a_new_year_equals_a_full_build() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cfg = vouch_synth::SynthConfig::new(6_000, 400, 3);
    vouch_synth::generate(&cfg, &data, &|_| {}).unwrap();
    let mut reader = vouch_formats::master::MasterReader::open(&data.join("master.csv")).unwrap();
    let mut all = Vec::new();
    while reader.read_batch(&mut all, 100_000).unwrap() > 0 {}
    let latest = all.iter().map(|r| r.tax_year).max().unwrap();
    let (old, new): (Vec<MasterRecord>, Vec<MasterRecord>) =
        all.into_iter().partition(|r| r.tax_year < latest);
    assert!(!old.is_empty() && !new.is_empty());
    let mut extended = build(&old);
    let before = extended.len();
    extended.extend(&new).unwrap();
    assert!(extended.len() > before);
    let full = build(&[old, new].concat());
    assert!(extended == full, "extended index differs from a full build");
    for s in common::read_request(&data) {
        let q = common::query(&s);
        assert_eq!(decide(&extended, &q), decide(&full, &q));
    }
}
