//! Writes `master.csv`: households are generated in parallel chunks (each a
//! pure function of its index) and written in index order through one large
//! buffered writer, so the bytes do not depend on the thread count. The file
//! stops after exactly the requested number of data rows, possibly inside a
//! household; only households written whole are used for true subjects.
//!
//! This module does not choose subjects and does not rename anything.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rayon::prelude::*;

use crate::people::{household, PopulationKey, HOUSEHOLDS_UNIQUE_MAX};
use crate::render::write_household_rows;
use crate::tables::tables;
use crate::{io_err, SynthError, SynthProgress};

/// The header of `master.csv` (formats.md section 1, in order).
pub const MASTER_HEADER: &str =
    "tin,tax_year,first_name,middle_name,last_name,suffix,dob,street,city,state,zip";

/// Bytes buffered before each write to the file.
const WRITER_BUFFER_BYTES: usize = 8 << 20;

/// What was written.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MasterWritten {
    pub(crate) rows: u64,
    pub(crate) bytes: u64,
    /// Households `0..households_full` are in the file whole.
    pub(crate) households_full: u64,
    /// Household indices looked at (one more than `households_full` when the last is cut).
    pub(crate) households_touched: u64,
    pub(crate) taxpayers: u64,
}

/// One generated chunk of households.
struct Chunk {
    bytes: Vec<u8>,
    /// Per row: byte offset after it, and whether it is its person's first row.
    rows: Vec<(usize, bool)>,
    /// Per household: number of rows.
    household_rows: Vec<u32>,
}

fn generate_chunk(key: &PopulationKey, first: u64, count: u64) -> Chunk {
    let t = tables();
    let mut chunk = Chunk {
        bytes: Vec::with_capacity(count as usize * 480),
        rows: Vec::with_capacity(count as usize * 5),
        household_rows: Vec::with_capacity(count as usize),
    };
    let mut ends = Vec::with_capacity(16);
    for index in first..first + count {
        let h = household(key, index);
        ends.clear();
        write_household_rows(&mut chunk.bytes, &mut ends, t, key, &h);
        let mut i = 0;
        for p in &h.persons {
            for (k, _) in p.filed_years().enumerate() {
                chunk.rows.push((ends[i], k == 0));
                i += 1;
            }
        }
        chunk.household_rows.push(ends.len() as u32);
    }
    chunk
}

/// Writes `master.csv` with exactly `rows_total` data rows.
pub(crate) fn write_master(
    path: &Path,
    key: &PopulationKey,
    rows_total: u64,
    households_per_chunk: u64,
    progress: &(dyn Fn(SynthProgress) + Sync),
) -> Result<MasterWritten, SynthError> {
    let file = File::create(path).map_err(|e| io_err(path, e))?;
    let mut w = BufWriter::with_capacity(WRITER_BUFFER_BYTES, file);
    w.write_all(MASTER_HEADER.as_bytes())
        .map_err(|e| io_err(path, e))?;
    w.write_all(b"\n").map_err(|e| io_err(path, e))?;
    let mut done = MasterWritten {
        bytes: MASTER_HEADER.len() as u64 + 1,
        ..MasterWritten::default()
    };
    let wave_chunks = (rayon::current_num_threads() as u64 * 4).max(2);
    let mut next_household = 0u64;
    while done.rows < rows_total {
        if next_household >= HOUSEHOLDS_UNIQUE_MAX {
            return Err(SynthError::Config {
                field: "master_rows",
                reason: "exceeds the unique TIN space",
            });
        }
        let chunks: Vec<Chunk> = (0..wave_chunks)
            .into_par_iter()
            .map(|c| {
                generate_chunk(
                    key,
                    next_household + c * households_per_chunk,
                    households_per_chunk,
                )
            })
            .collect();
        next_household += wave_chunks * households_per_chunk;
        for chunk in &chunks {
            append_chunk(&mut w, path, chunk, rows_total, &mut done)?;
            progress(SynthProgress::Master {
                rows_written: done.rows,
                rows_total,
            });
            if done.rows >= rows_total {
                break;
            }
        }
    }
    let file = w.into_inner().map_err(|e| io_err(path, e.into_error()))?;
    file.sync_all().map_err(|e| io_err(path, e))?;
    Ok(done)
}

/// Appends a chunk, whole households first, cutting the last one at `rows_total`.
fn append_chunk(
    w: &mut impl Write,
    path: &Path,
    chunk: &Chunk,
    rows_total: u64,
    done: &mut MasterWritten,
) -> Result<(), SynthError> {
    let mut row = 0usize;
    let mut start = 0usize;
    for &n in &chunk.household_rows {
        let room = rows_total - done.rows;
        if room == 0 {
            break;
        }
        let n = n as usize;
        let take = n.min(room as usize);
        if take > 0 {
            let end = chunk.rows[row + take - 1].0;
            w.write_all(&chunk.bytes[start..end])
                .map_err(|e| io_err(path, e))?;
            done.taxpayers += chunk.rows[row..row + take].iter().filter(|r| r.1).count() as u64;
            done.rows += take as u64;
            done.bytes += (end - start) as u64;
        }
        done.households_touched += 1;
        if take < n {
            break;
        }
        done.households_full += 1;
        row += n;
        if row > 0 {
            start = chunk.rows[row - 1].0;
        }
    }
    Ok(())
}
