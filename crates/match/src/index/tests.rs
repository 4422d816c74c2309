//! Index round trip, corruption, version and model-file tests.

use super::*;

fn sample() -> MasterIndex {
    let mut b = IndexBuilder::new();
    let rows: Vec<MasterRecord> = (0..50u32)
        .map(|i| MasterRecord {
            tin: Tin::parse(&format!("{:09}", 100_000_000 + i * 7)).unwrap(),
            tax_year: 2020 + (i % 5) as u16,
            first_name: ["Ann", "Bob", "Carla", "Dmitri", "Eve"][(i % 5) as usize].into(),
            middle_name: String::new(),
            last_name: ["Smith", "Garcia Lopez", "de la Cruz"][(i % 3) as usize].into(),
            suffix: if i % 11 == 0 {
                "JR".into()
            } else {
                String::new()
            },
            dob: time::Date::from_julian_day(2_440_000 + i as i32).ok(),
            street: format!("{} Main St", 100 + i % 9),
            city: "Austin".into(),
            state: "TX".into(),
            zip: "78701".into(),
        })
        .collect();
    b.add_batch(&rows[..20]);
    b.add_batch(&rows[20..]);
    b.finish().unwrap()
}

#[test]
fn save_then_load_gives_the_same_index_and_model() {
    let dir = tempfile::tempdir().unwrap();
    let ix = sample();
    ix.save(dir.path()).unwrap();
    let back = MasterIndex::load(dir.path()).unwrap();
    assert_eq!(back, ix);
    assert_eq!(ix.len(), 50);
    assert_eq!(ix.taxpayers(), 50);
    assert!(ix.model().u_pairs_sampled > 0);
}

#[test]
fn an_empty_index_saves_and_loads() {
    let dir = tempfile::tempdir().unwrap();
    let ix = IndexBuilder::new().finish().unwrap();
    ix.save(dir.path()).unwrap();
    assert!(MasterIndex::load(dir.path()).unwrap().is_empty());
}

#[test]
fn every_truncation_is_an_error_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample().save(dir.path()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    for cut in (0..bytes.len()).step_by(7) {
        assert!(
            file::parse(&path, &bytes[..cut]).is_err(),
            "cut at {cut} accepted"
        );
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
        assert!(file::parse(&path, &b).is_err(), "flip at {pos} accepted");
    }
}

#[test]
fn a_foreign_file_and_a_future_version_are_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample().save(dir.path()).unwrap();
    assert!(matches!(
        file::parse(&path, b"PK\x03\x04 not an index at all, a zip file").unwrap_err(),
        IndexError::Foreign { .. }
    ));
    let mut b = std::fs::read(&path).unwrap();
    b[12..16].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    assert!(matches!(
        file::parse(&path, &b).unwrap_err(),
        IndexError::Version { .. }
    ));
    b[8..16].copy_from_slice(&[2, 0, 0, 0, 2, 0, 0, 0]);
    assert!(matches!(
        file::parse(&path, &b).unwrap_err(),
        IndexError::Version { .. }
    ));
}

#[test]
fn a_tampered_missing_or_foreign_version_model_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    sample().save(dir.path()).unwrap();
    let mp = dir.path().join(MODEL_FILE);
    let text = std::fs::read_to_string(&mp).unwrap();
    std::fs::write(&mp, text.replacen("\"threshold\": ", "\"threshold\": 1", 1)).unwrap();
    assert!(matches!(
        MasterIndex::load(dir.path()).unwrap_err(),
        IndexError::Corrupt { .. }
    ));
    let mut model = sample().model().clone();
    model.model_version = "fs-0".into();
    let mut ix = sample();
    ix.set_model(model);
    ix.save(dir.path()).unwrap();
    assert!(matches!(
        MasterIndex::load(dir.path()).unwrap_err(),
        IndexError::ModelVersion { .. }
    ));
    std::fs::remove_file(&mp).unwrap();
    assert!(matches!(
        MasterIndex::load(dir.path()).unwrap_err(),
        IndexError::Io { .. }
    ));
}

#[test]
fn history_lists_a_taxpayers_rows_by_year_and_blocks_are_counted() {
    let ix = sample();
    let tin = Tin::parse("100000007").unwrap();
    let years: Vec<u16> = ix.history(tin).iter().map(|r| r.year).collect();
    assert_eq!(years, vec![2021]);
    let s = ix.block_stats();
    assert!(s.keys > 0 && s.largest >= 1 && s.oversized == 0);
}

#[test]
fn unkeyable_rows_are_counted() {
    let mut b = IndexBuilder::new();
    let mut r = sample_row();
    r.zip = String::new();
    b.add_batch(&[r, sample_row()]);
    assert_eq!(b.unkeyable(), 1);
    assert_eq!(b.finish().unwrap().unkeyable(), 1);
}

fn sample_row() -> MasterRecord {
    MasterRecord {
        tin: Tin::parse("123456789").unwrap(),
        tax_year: 2024,
        first_name: "Ann".into(),
        middle_name: String::new(),
        last_name: "Lee".into(),
        suffix: String::new(),
        dob: None,
        street: "1 Main St".into(),
        city: "Austin".into(),
        state: "TX".into(),
        zip: "78701".into(),
    }
}

#[test]
fn an_index_of_an_older_format_is_refused_with_a_message_to_rebuild_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample().save(dir.path()).unwrap();
    let mut b = std::fs::read(&path).unwrap();
    b[8..16].copy_from_slice(&[5, 0, 0, 0, 5, 0, 0, 0]);
    std::fs::write(&path, &b).unwrap();
    let e = MasterIndex::load(dir.path()).unwrap_err();
    assert!(matches!(e, IndexError::Version { found: 5, .. }));
    assert!(e.to_string().contains("vouch index build"), "{e}");
}

#[test]
fn a_build_that_spills_to_disk_equals_one_that_fits_in_memory() {
    let rows: Vec<MasterRecord> = (0..30_000u32)
        .map(|i| MasterRecord {
            tin: Tin::parse(&format!("{:09}", 100_000_000 + (i * 7919) % 12_000)).unwrap(),
            tax_year: 2020 + (i % 4) as u16,
            first_name: ["Ann", "Bob", "Carla", "Dmitri", "Eve", "Jose"][(i % 6) as usize].into(),
            middle_name: String::new(),
            last_name: format!("Name{}", i % 2_000),
            suffix: String::new(),
            dob: time::Date::from_julian_day(2_440_000 + (i % 9_000) as i32).ok(),
            street: format!("{} Main St", 100 + i % 900),
            city: "Austin".into(),
            state: "TX".into(),
            zip: format!("{:05}", 78_000 + i % 50),
        })
        .collect();
    let work = tempfile::tempdir().unwrap();
    let mut small = IndexBuilder::with_memory(0, work.path());
    let mut large = IndexBuilder::with_memory(1 << 30, work.path());
    for batch in rows.chunks(7_000) {
        small.add_batch(batch);
        large.add_batch(batch);
    }
    let (a, ra) = small.finish_into(&work.path().join("a")).unwrap();
    let (b, rb) = large.finish_into(&work.path().join("b")).unwrap();
    assert!(ra.spilled_bytes > 0, "the small budget never spilled");
    assert_eq!(rb.spilled_bytes, 0);
    assert!(a == b, "a spilled build differs from one in memory");
    assert_eq!(a.len(), 30_000);
}

#[test]
fn the_index_is_mapped_and_every_table_is_a_view_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    sample().save(dir.path()).unwrap();
    let ix = MasterIndex::load(dir.path()).unwrap();
    assert!(matches!(ix.rows, table::Table::Mapped { .. }));
    assert!(matches!(
        ix.lookup.blocks.starts,
        table::Table::Mapped { .. }
    ));
    assert!(matches!(ix.names.pool, table::Table::Mapped { .. }));
}

#[test]
fn a_file_whose_tables_disagree_is_refused_even_with_good_digests() {
    let ix = sample();
    assert_eq!(ix.validate(), Ok(()));
    let mut rows = ix.rows.to_vec();
    rows.swap(0, 10);
    let bad = MasterIndex {
        rows: rows.into(),
        ..ix.clone()
    };
    assert!(bad.validate().is_err(), "rows out of order accepted");
    let mut dir = ix.lookup.blocks.starts.to_vec();
    if let Some(x) = dir.iter_mut().find(|x| **x > 0) {
        *x -= 1;
    }
    let mut lookup = ix.lookup.clone();
    lookup.blocks.starts = dir.into();
    let bad = MasterIndex {
        lookup,
        ..ix.clone()
    };
    assert!(
        bad.validate().is_err(),
        "a directory that misses a key accepted"
    );
    let mut starts = ix.block_starts.to_vec();
    let last = starts.len() - 1;
    starts[last] = ix.len() as u32;
    let bad = MasterIndex {
        block_starts: starts.into(),
        ..ix.clone()
    };
    assert!(
        bad.validate().is_err(),
        "a block entry off a first row accepted"
    );
    let dir = tempfile::tempdir().unwrap();
    bad.save(dir.path()).unwrap();
    assert!(matches!(
        MasterIndex::load(dir.path()).unwrap_err(),
        IndexError::Corrupt { .. }
    ));
}

#[test]
fn a_file_written_in_place_under_the_mapping_is_noticed_and_a_rename_over_it_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample().save(dir.path()).unwrap();
    let ix = MasterIndex::load(dir.path()).unwrap();
    assert!(ix.unchanged_on_disk());
    // vouch's own way: a new file renamed over the old one.
    sample().save(dir.path()).unwrap();
    assert!(
        ix.unchanged_on_disk(),
        "a rename over the file changed the mapped one"
    );
    let ix = MasterIndex::load(dir.path()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.seek(SeekFrom::Start(100)).unwrap();
        f.write_all(&[0xAA]).unwrap();
        f.sync_all().unwrap();
    }
    assert!(!ix.unchanged_on_disk(), "a write in place went unnoticed");
}

#[test]
fn a_stager_reusing_the_row_before_builds_the_file_fresh_standardisation_builds() {
    // Runs of one taxpayer's returns: the name or the address filed again
    // letter for letter, or in another case or spelling, and rows whose
    // name or address cannot be used between them (after which nothing
    // may be reused).
    let names = [
        ("Ann", "", "Smith", ""),
        ("ANN", "", "SMITH", ""),
        ("Jose", "M", "Garcia Lopez", "Jr"),
        ("", "", "", ""),
        ("Maria", "", "de la Cruz", ""),
    ];
    let places = [
        ("12 Main St Apt 4", "Austin", "TX", "78701"),
        ("12 MAIN STREET #4", "AUSTIN", "TX", "78701-1234"),
        ("", "Austin", "TX", "78701"),
        ("PO Box 9", "Austin", "TX", "78702"),
        ("77 Oak Ave", "Dallas", "TX", "75201"),
    ];
    let rows: Vec<MasterRecord> = (0..4_000u32)
        .map(|i| {
            let h = i.wrapping_mul(2_654_435_761) >> 7;
            let (f, m, l, s) = names[(h % 5) as usize];
            let (st, c, sa, z) = places[((h / 5) % 5) as usize];
            MasterRecord {
                tin: Tin::parse(&format!("{:09}", 100_000_000 + i / 3)).unwrap(),
                tax_year: 2020 + (i % 3) as u16,
                first_name: f.into(),
                middle_name: m.into(),
                last_name: l.into(),
                suffix: s.into(),
                dob: time::Date::from_julian_day(2_440_000 + (i / 3) as i32).ok(),
                street: st.into(),
                city: c.into(),
                state: sa.into(),
                zip: z.into(),
            }
        })
        .collect();
    let work = tempfile::tempdir().unwrap();
    let mut reusing = IndexBuilder::with_memory(1 << 24, work.path());
    let mut fresh = IndexBuilder::with_memory(1 << 24, work.path());
    let mut batched = IndexBuilder::with_memory(1 << 24, work.path());
    let mut stager = Stager::default();
    for part in rows.chunks(1_000) {
        // Staged in two parts, as the reader hands them over.
        let (a, b) = part.split_at(part.len() / 3);
        let parts: Vec<Vec<StagedRow>> = [a, b]
            .iter()
            .map(|p| p.iter().map(|r| stager.stage(r.row())).collect())
            .collect();
        reusing.add_staged(parts.into_iter().flatten());
        fresh.add_staged(part.iter().map(|r| Stager::default().stage(r.row())));
        batched.add_batch(part);
    }
    let file = |b: IndexBuilder, name: &str| {
        let dir = work.path().join(name);
        b.finish_into(&dir).unwrap();
        std::fs::read(dir.join(INDEX_FILE)).unwrap()
    };
    let (a, b, c) = (
        file(reusing, "reusing"),
        file(fresh, "fresh"),
        file(batched, "batched"),
    );
    assert!(a == b, "reusing the row before changed the index");
    assert!(c == b, "add_batch built another index");
    let ix = MasterIndex::load(&work.path().join("fresh")).unwrap();
    assert!(
        ix.len() > 1_000 && ix.unkeyable() > 100,
        "the rows were not mixed"
    );
}
