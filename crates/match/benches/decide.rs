//! Measures decisions per second: subjects of a synthetic request (5k)
//! decided in parallel against the index of a 100k-row synthetic master.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rayon::prelude::*;
use vouch_match::decide::decide;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ix, _) = common::generate_and_build(&data, 100_000, 5_000, 11);
    let queries: Vec<_> = common::read_request(&data)
        .iter()
        .map(common::query)
        .collect();
    let mut g = c.benchmark_group("decide");
    g.throughput(Throughput::Elements(queries.len() as u64));
    g.bench_function("subjects_100k_master", |b| {
        b.iter(|| {
            queries
                .par_iter()
                .map(|q| decide(&ix, q).outcome)
                .filter(|o| *o == vouch_core::Outcome::Confirmed)
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
