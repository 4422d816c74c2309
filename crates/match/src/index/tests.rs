//! Index round trip, corruption and version tests.

use super::*;

fn sample() -> MasterIndex {
    let mut b = IndexBuilder::new();
    let rows: Vec<MasterRecord> = (0..50u32)
        .map(|i| MasterRecord {
            tin: Tin::parse(&format!("{:09}", 100_000_000 + i * 7)).unwrap(),
            tax_year: 2020 + (i % 5) as u16,
            first_name: format!("Name{}", i % 7).replace(char::is_numeric, "A"),
            middle_name: String::new(),
            last_name: "Smith".into(),
            suffix: String::new(),
            dob: None,
            street: format!("{} Main St", 100 + i % 9),
            city: "Austin".into(),
            state: "TX".into(),
            zip: "78701".into(),
        })
        .collect();
    b.add_batch(&rows);
    b.finish()
}

#[test]
fn save_then_load_gives_the_same_index() {
    let dir = tempfile::tempdir().unwrap();
    let ix = sample();
    ix.save(dir.path()).unwrap();
    let back = MasterIndex::load(dir.path()).unwrap();
    assert_eq!(back.rows, ix.rows);
    assert_eq!(back.by_tin, ix.by_tin);
    assert_eq!(ix.len(), 50);
}

#[test]
fn every_truncation_is_an_error_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample().save(dir.path()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    for cut in (0..bytes.len()).step_by(7) {
        assert!(parse(&path, &bytes[..cut]).is_err(), "cut at {cut} accepted");
    }
}

#[test]
fn every_flipped_byte_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample().save(dir.path()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    for pos in (0..bytes.len()).step_by(3) {
        let mut b = bytes.clone();
        b[pos] ^= 0x10;
        assert!(parse(&path, &b).is_err(), "flip at {pos} accepted");
    }
}

#[test]
fn a_foreign_file_and_a_future_version_are_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample().save(dir.path()).unwrap();
    assert!(matches!(parse(&path, b"PK\x03\x04 not an index at all, a zip file").unwrap_err(), IndexError::Foreign { .. }));
    let mut b = std::fs::read(&path).unwrap();
    b[12..16].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    assert!(matches!(parse(&path, &b).unwrap_err(), IndexError::Version { .. }));
}

#[test]
fn history_lists_a_taxpayers_rows_by_year() {
    let ix = sample();
    let tin = Tin::parse("100000007").unwrap();
    let years: Vec<u16> = ix.history(tin).map(|r| r.year).collect();
    assert_eq!(years, vec![2021]);
}
