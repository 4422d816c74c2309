//! Measures how much of the synthetic data's corruption standardisation
//! alone undoes: generates a `vouch-synth` data set, joins every subject of
//! `request/subjects.csv` to its true taxpayer through `truth.csv` and to
//! that taxpayer's latest-year row of `master.csv`, and counts, per
//! corruption kind, how often the subject's standardised name and address
//! `match_key()`s equal the master row's.
//!
//! Usage: `cargo run --release -p vouch-normalize --example corruption_report
//! -- [MASTER_ROWS SUBJECTS SEED [KEEP_DIR]]` (defaults 200000 20000 7; with
//! `KEEP_DIR` the data set is written there and kept, or read from there
//! when it already holds one; otherwise a temporary directory is used).
//! Subjects with two corruptions (`a+b`) are counted in one row of their own.
//!
//! It deliberately does no matching: a key that differs here may still be
//! matched by the matcher's fuzzy levels (nicknames, phonetics, dropped
//! surnames). Subjects with no true taxpayer are counted apart.

use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::path::Path;

use vouch_normalize::{standardize_address, standardize_name};

/// The standardised keys of one person-at-address record.
struct Keys {
    name: String,
    address: String,
}

fn keys(r: &csv::StringRecord, h: &HashMap<String, usize>) -> Keys {
    let f = |name: &str| h.get(name).and_then(|&i| r.get(i)).unwrap_or("");
    let name = standardize_name(
        f("first_name"),
        f("middle_name"),
        f("last_name"),
        f("suffix"),
    );
    let address = standardize_address(f("street"), f("city"), f("state"), f("zip"));
    Keys {
        name: name.match_key(),
        address: address.match_key(),
    }
}

fn header_index(
    r: &mut csv::Reader<std::fs::File>,
) -> Result<HashMap<String, usize>, Box<dyn Error>> {
    Ok(r.headers()?
        .iter()
        .enumerate()
        .map(|(i, name)| (name.to_owned(), i))
        .collect())
}

/// The latest-year master row of every taxpayer, as keys.
fn master_keys(path: &Path) -> Result<HashMap<String, (u32, Keys)>, Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    let h = header_index(&mut reader)?;
    let (tin_at, year_at) = (h["tin"], h["tax_year"]);
    let mut latest: HashMap<String, (u32, Keys)> = HashMap::new();
    for row in reader.records() {
        let row = row?;
        let year: u32 = row.get(year_at).unwrap_or("").parse().unwrap_or(0);
        let tin = row.get(tin_at).unwrap_or("");
        if latest.get(tin).is_some_and(|(y, _)| *y >= year) {
            continue;
        }
        latest.insert(tin.to_owned(), (year, keys(&row, &h)));
    }
    Ok(latest)
}

/// subject_ref → (tin, corruption) from `truth.csv`.
fn truth(path: &Path) -> Result<HashMap<String, (String, String)>, Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    let h = header_index(&mut reader)?;
    let mut out = HashMap::new();
    for row in reader.records() {
        let row = row?;
        let f = |name: &str| row.get(h[name]).unwrap_or("").to_owned();
        out.insert(f("subject_ref"), (f("tin"), f("corruption")));
    }
    Ok(out)
}

#[derive(Default)]
struct Tally {
    subjects: u64,
    name_equal: u64,
    address_equal: u64,
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (master_rows, subjects, seed) = (arg(0, 200_000), arg(1, 20_000), arg(2, 7));
    let temp = tempfile::tempdir()?;
    let dir = match args.get(3) {
        Some(keep) => Path::new(keep).to_path_buf(),
        None => temp.path().join("data"),
    };
    if !dir.join("master.csv").exists() {
        let config = vouch_synth::SynthConfig::new(master_rows, subjects, seed);
        vouch_synth::generate(&config, &dir, &|_| {})?;
    }

    let master = master_keys(&dir.join("master.csv"))?;
    let truth = truth(&dir.join("truth.csv"))?;
    let mut reader = csv::Reader::from_path(dir.join("request").join("subjects.csv"))?;
    let h = header_index(&mut reader)?;
    let mut by_kind: BTreeMap<String, Tally> = BTreeMap::new();
    let mut not_in_master = 0u64;
    for row in reader.records() {
        let row = row?;
        let reference = row.get(h["subject_ref"]).unwrap_or("");
        let Some((tin, corruption)) = truth.get(reference) else {
            continue;
        };
        let Some((_, master)) = master.get(tin) else {
            not_in_master += 1;
            continue;
        };
        let subject = keys(&row, &h);
        // A subject with two corruptions says little about either alone.
        let kind = match corruption.as_str() {
            "" => "(none)",
            c if c.contains('+') => "(two kinds combined)",
            c => c,
        };
        let tally = by_kind.entry(kind.to_owned()).or_default();
        tally.subjects += 1;
        tally.name_equal += u64::from(subject.name == master.name);
        tally.address_equal += u64::from(subject.address == master.address);
    }
    print_table(&by_kind);
    println!(
        "\n{subjects} subjects, {master_rows} master rows, seed {seed}; {not_in_master} subjects have no taxpayer in the master file."
    );
    Ok(())
}

fn print_table(by_kind: &BTreeMap<String, Tally>) {
    println!("| corruption | subjects | name keys equal % | address keys equal % |");
    println!("|---|---:|---:|---:|");
    let mut total = Tally::default();
    for (kind, t) in by_kind {
        println!(
            "| {kind} | {} | {:.1} | {:.1} |",
            t.subjects,
            percent(t.name_equal, t.subjects),
            percent(t.address_equal, t.subjects)
        );
        total.subjects += t.subjects;
        total.name_equal += t.name_equal;
        total.address_equal += t.address_equal;
    }
    println!(
        "| **all** | {} | {:.1} | {:.1} |",
        total.subjects,
        percent(total.name_equal, total.subjects),
        percent(total.address_equal, total.subjects)
    );
}
