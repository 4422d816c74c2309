//! Throughput of `standardize_name` and `standardize_address` on a fixed,
//! deterministic mix of 4,096 realistic inputs each (accents, two surnames,
//! particles, suffixes, nicknames; units, PO boxes, rural routes, highways,
//! placeholders), reported as elements per second on one thread. Also the
//! cost of `match_key` on standardised values. Tables are warmed before
//! measuring, so first-use parsing is not counted.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use vouch_normalize::{standardize_address, standardize_name};

const FIRST: &[&str] = &[
    "José",
    "María Guadalupe",
    "William",
    "Bill",
    "Nguyễn Thị",
    "Li",
    "Robert",
    "Ji-Hoon",
    "Ana",
    "Francisco",
    "Chuy",
    "Elizabeth",
    "Mohammed",
    "Xiao Ming",
    "Jesús",
];
const LAST: &[&str] = &[
    "García López",
    "O'Brien",
    "de la Cruz",
    "Smith Jr.",
    "Nguyen",
    "Hernández-Martínez",
    "van der Berg",
    "Rodríguez y Pérez",
    "Kim",
    "McDonald",
    "Wong",
    "Muñoz",
];
const STREETS: &[&str] = &[
    "1234 North Main Street Apt. 5",
    "500 S Broadway Suite 300",
    "PO Box 1234",
    "RR 2 Box 15",
    "100 State Highway 10",
    "77 Twenty-First St",
    "15 Calle Luna #5",
    "1600 Pennsylvania Avenue NW",
    "12-B Elm Ave",
    "123 1/2 Oak St",
    "Failed to Provide",
    "PSC 1234 Box 5678",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("Los Angeles", "CA", "90012"),
    ("St. Louis", "Missouri", "63101-1234"),
    ("Chicago", "IL", "60601"),
    ("APO", "AE", "09204"),
    ("San Juan", "PR", "00901"),
];

/// A fixed linear congruential sequence: the same inputs on every run.
fn picks(n: usize) -> impl Iterator<Item = usize> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n).map(move |_| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 33) as usize
    })
}

fn bench(c: &mut Criterion) {
    let names: Vec<(&str, &str)> = picks(4096)
        .map(|r| (FIRST[r % FIRST.len()], LAST[(r / 16) % LAST.len()]))
        .collect();
    let addresses: Vec<(&str, (&str, &str, &str))> = picks(4096)
        .map(|r| (STREETS[r % STREETS.len()], CITIES[(r / 16) % CITIES.len()]))
        .collect();
    let _ = standardize_name("Bill", "", "Smith", "");
    let _ = standardize_address("1 Main St", "X", "CA", "90012");

    let mut group = c.benchmark_group("normalize");
    group.throughput(Throughput::Elements(names.len() as u64));
    group.bench_function("standardize_name", |b| {
        b.iter(|| {
            for (first, last) in &names {
                black_box(standardize_name(first, "", last, ""));
            }
        })
    });
    group.bench_function("standardize_name+match_key", |b| {
        b.iter(|| {
            for (first, last) in &names {
                black_box(standardize_name(first, "", last, "").match_key());
            }
        })
    });
    group.throughput(Throughput::Elements(addresses.len() as u64));
    group.bench_function("standardize_address", |b| {
        b.iter(|| {
            for (street, (city, state, zip)) in &addresses {
                black_box(standardize_address(street, city, state, zip));
            }
        })
    });
    group.bench_function("standardize_address+match_key", |b| {
        b.iter(|| {
            for (street, (city, state, zip)) in &addresses {
                black_box(standardize_address(street, city, state, zip).match_key());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
