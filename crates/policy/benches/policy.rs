//! Measures `check_subjects` (every subject-level rule, including address
//! standardisation and the duplicate scan) on 100,000 generated,
//! valid-looking subjects, reported as subjects per second. The subjects
//! come from small tables of names and addresses with a fixed seed, so runs
//! compare; about one in eight carries a defect, as real batches do.
//!
//! It does not measure request-level checks, the probing guard or I/O.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use time::macros::datetime;
use vouch_core::{Official, RequestLetter, Subject};
use vouch_policy::{check_subjects, PolicyConfig};

const SUBJECTS: usize = 100_000;

const FIRST: &[&str] = &[
    "María", "José", "Juan", "Wei", "Nguyễn", "Ahmed", "Olga", "John", "Fatima", "Carlos", "Ana",
    "Li", "Dmitri", "Aisha", "Luis", "FNU",
];
const LAST: &[&str] = &[
    "García López",
    "Hernández",
    "Smith",
    "Chen",
    "O'Brien",
    "Kowalski",
    "Ali",
    "Martínez-Ruiz",
    "Nguyen",
    "Okafor",
    "Rodríguez",
    "Johnson",
];
const STREETS: &[&str] = &[
    "N Main St Apt 5",
    "S Broadway Ste 200",
    "W Sunset Blvd",
    "E Elm Avenue #12",
    "Calle Real",
    "Martin Luther King Jr Blvd Unit 3B",
    "NE 2nd Ave",
    "Fifth Avenue 3rd Floor",
    "State Highway 10",
    "Camino del Sol",
];
/// City, state, ZIP: consistent triples.
const PLACES: &[(&str, &str, &str)] = &[
    ("Los Angeles", "CA", "90012"),
    ("Houston", "TX", "77002"),
    ("Chicago", "Illinois", "60611"),
    ("Miami", "FL", "33101-1234"),
    ("New York", "NY", "10118"),
    ("Phoenix", "AZ", "85003"),
    ("Seattle", "WA", "98104"),
    ("Boston", "MA", "02201"),
];
/// Whole street lines that are not ordinary street addresses.
const OTHER_LINES: &[&str] = &[
    "PO Box 1234",
    "RR 2 Box 15",
    "Failed to Provide",
    "Harris County Jail",
    "General Delivery",
];

fn letter() -> RequestLetter {
    let official = |id: &str| Official {
        id: id.into(),
        name: String::new(),
        title: String::new(),
    };
    RequestLetter {
        request_id: "R-BENCH".into(),
        pathway: "6103(i)(2)".into(),
        agency: "DHS-ICE".into(),
        submitted_at: datetime!(2025-06-02 14:00 UTC),
        signer: official("s"),
        recipients: vec![official("r")],
        statutory_authority: "8 U.S.C. 1253(a)(1)".into(),
        investigation: "criminal".into(),
        taxable_periods: vec![2023],
        requested_items: vec!["address_confirmation".into()],
        attestation: "used only by the named officers".into(),
        ai_analysis: false,
        ai_notification_id: None,
        subjects_file: "subjects.csv".into(),
        subjects_sha256: String::new(),
        cases: Vec::new(),
        cases_file: None,
    }
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, table: &'a [T]) -> &'a T {
    &table[rng.gen_range(0..table.len())]
}

fn subjects(n: usize) -> Vec<Subject> {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5EED_0005);
    (0..n)
        .map(|i| {
            let (city, state, zip) = *pick(&mut rng, PLACES);
            let street = if rng.gen_ratio(1, 16) {
                pick(&mut rng, OTHER_LINES).to_string()
            } else {
                format!("{} {}", rng.gen_range(1..20_000), pick(&mut rng, STREETS))
            };
            let dob = format!(
                "{}-{:02}-{:02}",
                rng.gen_range(1940..2005),
                rng.gen_range(1..13),
                rng.gen_range(1..29)
            );
            Subject {
                line: i as u64 + 2,
                subject_ref: format!("S{i}"),
                first_name: pick(&mut rng, FIRST).to_string(),
                middle_name: String::new(),
                last_name: pick(&mut rng, LAST).to_string(),
                suffix: String::new(),
                dob,
                tin: String::new(),
                street,
                city: city.into(),
                state: state.into(),
                zip: zip.into(),
                a_number: format!("A{:09}", 100_000_000 + i),
                final_order_date: "2024-01-15".into(),
                case_number: format!("HSI-2025-{:06}", i / 10),
                relevance: format!(
                    "Subject {i} is a named target of the smuggling investigation in case {}",
                    i / 10
                ),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let letter = letter();
    let policy = PolicyConfig::defaults();
    let batch = subjects(SUBJECTS);
    let passed = check_subjects(&letter, &batch, &policy).passed();
    eprintln!("{passed} of {SUBJECTS} generated subjects pass every rule");
    let mut group = c.benchmark_group("policy");
    group.throughput(Throughput::Elements(SUBJECTS as u64));
    group.sample_size(10);
    group.bench_function("check_subjects_100k", |b| {
        b.iter(|| check_subjects(&letter, black_box(&batch), &policy))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
