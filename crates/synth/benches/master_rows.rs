//! Criterion bench: time to generate a whole data set with 200,000 master rows
//! and 500 subjects (master generation dominates), reported as master rows per
//! second. Fixed seed; output written to a temp dir and deleted each iteration.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vouch_synth::{generate, SynthConfig};

fn bench_master(c: &mut Criterion) {
    let rows = 200_000u64;
    let mut group = c.benchmark_group("synth");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows));
    group.bench_function("generate_200k_rows", |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let out = dir.path().join("set");
            generate(&SynthConfig::new(rows, 500, 7), &out, &|_| {}).expect("generate");
        })
    });
    group.finish();
}

criterion_group!(benches, bench_master);
criterion_main!(benches);
