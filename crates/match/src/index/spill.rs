//! An external sort for the index build: records are gathered into a
//! buffer of a fixed size; a full buffer is sorted (in parallel) and
//! written as a run to an unnamed temporary file; the runs are merged back
//! in order (a k-way merge over a heap), equal records once. A build whose
//! records fit in one buffer never touches the disk. The buffer is what
//! bounds the build's memory, whatever the size of the master.
//!
//! The run files hold index records (keys, ids, dates of birth): they are
//! created without a name (`tempfile::tempfile_in`, removed by the kernel
//! when closed, even after a crash) in the directory the index is built in,
//! which holds the same confidential data. They are written and read back
//! past the page cache where the file system allows it
//! ([`vouch_directio`]).

use bytemuck::Pod;
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Gathers records, spilling sorted runs past its buffer.
pub(crate) struct Sorter<T: Pod + Ord + Send> {
    buf: Vec<T>,
    cap: usize,
    runs: Vec<(File, u64)>,
    dir: PathBuf,
    dedup: bool,
    spilled_bytes: u64,
}

impl<T: Pod + Ord + Send + 'static> Sorter<T> {
    /// A sorter holding at most `budget` bytes of records in memory, its
    /// runs in `dir`; `dedup`: equal records come out once.
    pub(crate) fn new(dir: &Path, budget: usize, dedup: bool) -> Sorter<T> {
        Sorter {
            buf: Vec::new(),
            cap: (budget / size_of::<T>()).max(1024),
            runs: Vec::new(),
            dir: dir.to_path_buf(),
            dedup,
            spilled_bytes: 0,
        }
    }

    /// Adds a record.
    pub(crate) fn push(&mut self, x: T) -> std::io::Result<()> {
        if self.buf.len() == self.buf.capacity() {
            if self.buf.len() >= self.cap {
                self.spill()?;
            }
            // The whole buffer at once: address space only, until records
            // are written into it (growing by doubling copied every record
            // and faulted each page in twice: a tenth of a build's time).
            self.buf.reserve_exact(self.cap - self.buf.len());
        }
        self.buf.push(x);
        Ok(())
    }

    fn sort_buffer(&mut self) {
        self.buf.par_sort_unstable();
        if self.dedup {
            self.buf.dedup();
        }
    }

    fn spill(&mut self) -> std::io::Result<()> {
        self.sort_buffer();
        let mut f = tempfile::tempfile_in(&self.dir)?;
        vouch_directio::write_file(&mut f, bytemuck::cast_slice(&self.buf))?;
        let n = self.buf.len() as u64;
        self.spilled_bytes += n * size_of::<T>() as u64;
        self.runs.push((f, n));
        // The buffer is kept for the next run.
        self.buf.clear();
        Ok(())
    }

    /// Every record, in order.
    pub(crate) fn finish(mut self) -> std::io::Result<Merged<T>> {
        if self.runs.is_empty() {
            self.sort_buffer();
            return Ok(Merged {
                source: Source::Memory(self.buf.into_iter()),
                last: None,
                dedup: self.dedup,
                spilled_bytes: 0,
            });
        }
        if !self.buf.is_empty() {
            self.spill()?;
        }
        let spilled_bytes = self.spilled_bytes;
        let mut runs: Vec<Run<T>> = Vec::with_capacity(self.runs.len());
        for (file, left) in self.runs {
            runs.push(Run {
                reader: vouch_directio::RunReader::new(file, size_of::<T>())?,
                left,
                block: Vec::new(),
                at: 0,
            });
        }
        let mut heap = BinaryHeap::with_capacity(runs.len());
        for (i, r) in runs.iter_mut().enumerate() {
            if let Some(x) = r.next()? {
                heap.push(Reverse((x, i)));
            }
        }
        // The runs are merged on a thread of their own, a batch at a time,
        // while the caller consumes the batch before: the merge is the one
        // sequential step of a pass that spilled, and the caller's loop
        // the other.
        let (tx, rx) = std::sync::mpsc::sync_channel(MERGE_BATCHES_AHEAD);
        std::thread::Builder::new()
            .name("vouch-merge".into())
            .spawn(move || merge_runs(runs, heap, tx))?;
        Ok(Merged {
            source: Source::Runs {
                rx,
                batch: Vec::new().into_iter(),
                ended: false,
            },
            last: None,
            dedup: self.dedup,
            spilled_bytes,
        })
    }
}

/// Records merged ahead of the caller, a batch at a time.
const MERGE_BATCH: usize = 1 << 16;
/// Batches merged ahead of the caller, at most.
const MERGE_BATCHES_AHEAD: usize = 4;

/// Merges the runs in order into batches sent to `tx`, until the runs are
/// exhausted, a read fails (the error is sent) or the receiver is gone.
fn merge_runs<T: Pod + Ord + Send>(
    mut runs: Vec<Run<T>>,
    mut heap: BinaryHeap<Reverse<(T, usize)>>,
    tx: std::sync::mpsc::SyncSender<std::io::Result<Vec<T>>>,
) {
    loop {
        let mut batch = Vec::with_capacity(MERGE_BATCH);
        while batch.len() < MERGE_BATCH {
            // The smallest record is replaced by its run's next in place
            // (one sift), or removed when its run is exhausted.
            let Some(mut top) = heap.peek_mut() else {
                break;
            };
            let Reverse((x, i)) = *top;
            batch.push(x);
            match runs[i].next() {
                Ok(Some(y)) => *top = Reverse((y, i)),
                Ok(None) => {
                    std::collections::binary_heap::PeekMut::pop(top);
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
        // An empty batch is the end: a channel that closes without one
        // is a merge that stopped, an error to the caller.
        let end = batch.is_empty();
        if tx.send(Ok(batch)).is_err() || end {
            return;
        }
    }
}

/// One spilled run, read back in blocks ([`vouch_directio::RunReader`]).
struct Run<T: Pod> {
    reader: vouch_directio::RunReader,
    /// Records not yet handed out.
    left: u64,
    block: Vec<T>,
    at: usize,
}

impl<T: Pod> Run<T> {
    fn next(&mut self) -> std::io::Result<Option<T>> {
        if self.at == self.block.len() {
            if self.left == 0 {
                return Ok(None);
            }
            self.block.clear();
            let n = self.reader.next_records(&mut self.block, self.left)?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "a sort run ended before its last record",
                ));
            }
            self.left -= n as u64;
            self.at = 0;
        }
        let x = self.block[self.at];
        self.at += 1;
        Ok(Some(x))
    }
}

enum Source<T: Pod + Ord> {
    Memory(std::vec::IntoIter<T>),
    /// Batches merged by a thread of their own (`merge_runs`).
    Runs {
        rx: std::sync::mpsc::Receiver<std::io::Result<Vec<T>>>,
        batch: std::vec::IntoIter<T>,
        /// The empty batch that ends the runs was received.
        ended: bool,
    },
}

/// The sorted records of a [`Sorter`].
pub(crate) struct Merged<T: Pod + Ord> {
    source: Source<T>,
    last: Option<T>,
    dedup: bool,
    spilled_bytes: u64,
}

impl<T: Pod + Ord> Merged<T> {
    /// Bytes the sort wrote to its run files (0: it fitted in memory).
    pub(crate) fn spilled_bytes(&self) -> u64 {
        self.spilled_bytes
    }

    /// The next record in order (`None` after the last).
    pub(crate) fn next(&mut self) -> std::io::Result<Option<T>> {
        loop {
            let x = match &mut self.source {
                Source::Memory(it) => it.next(),
                Source::Runs { rx, batch, ended } => match batch.next() {
                    Some(x) => Some(x),
                    None if *ended => None,
                    None => match rx.recv() {
                        Ok(b) => {
                            let b = b?;
                            *ended = b.is_empty();
                            *batch = b.into_iter();
                            batch.next()
                        }
                        Err(_) => {
                            return Err(std::io::Error::other(
                                "the merge of the sort's runs stopped before their end",
                            ))
                        }
                    },
                },
            };
            let Some(x) = x else { return Ok(None) };
            if self.dedup && self.last == Some(x) {
                continue;
            }
            self.last = Some(x);
            return Ok(Some(x));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn merging_spilled_runs_equals_sorting_in_memory(
            xs in proptest::collection::vec(0u64..500, 0..3_000),
            dedup in any::<bool>(),
        ) {
            // 1,024 records a run at least: several runs for the larger inputs.
            let got = through_runs(&xs, dedup);
            let mut want = xs.clone();
            want.sort_unstable();
            if dedup {
                want.dedup();
            }
            prop_assert_eq!(got, want);
        }
    }

    /// Sorts `xs` through runs of about 1,024 records and merges them
    /// (equal records once when `dedup`).
    fn through_runs<T: Pod + Ord + Send + std::fmt::Debug>(xs: &[T], dedup: bool) -> Vec<T> {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Sorter::<T>::new(dir.path(), 8, dedup);
        for &x in xs {
            s.push(x).unwrap();
        }
        let mut m = s.finish().unwrap();
        let mut got = Vec::new();
        while let Some(x) = m.next().unwrap() {
            got.push(x);
        }
        got
    }

    #[test]
    fn runs_of_records_whose_size_does_not_divide_a_block_read_back_whole() {
        // 36 and 48 bytes (the build's widest records): a run's blocks
        // hold whole records, its last block padded on disk; 3,000
        // records make runs of 1,024, 1,024 and 952 (not a whole number
        // of 4 KiB blocks).
        let a: Vec<[u32; 9]> = (0..3_000u32)
            .map(|i| {
                [
                    i.wrapping_mul(2_654_435_761) % 1_000,
                    i,
                    0,
                    1,
                    2,
                    3,
                    4,
                    5,
                    i,
                ]
            })
            .collect();
        let mut want = a.clone();
        want.sort_unstable();
        assert_eq!(through_runs(&a, false), want);
        let b: Vec<[u64; 6]> = (0..3_000u64)
            .map(|i| [i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40, i, 7, 8, 9, i])
            .collect();
        let mut want = b.clone();
        want.sort_unstable();
        assert_eq!(through_runs(&b, false), want);
    }

    #[test]
    fn a_run_cut_short_on_disk_is_an_error_not_a_short_sort() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Sorter::<u64>::new(dir.path(), 8, false);
        for x in (0..5_000u64).rev() {
            s.push(x).unwrap();
        }
        // The second run loses its end, as a disk that lies would.
        s.spill().unwrap();
        s.runs[1].0.set_len(100 * 8).unwrap();
        let mut m = s.finish().unwrap();
        let mut n = 0;
        let err = loop {
            match m.next() {
                Ok(Some(_)) => n += 1,
                Ok(None) => panic!("a short run merged as if whole ({n} records)"),
                Err(e) => break e,
            }
        };
        assert!(n < 5_000, "{err}");
    }

    #[test]
    fn a_merge_of_many_batches_comes_out_whole_in_order_and_deduplicated() {
        let dir = tempfile::tempdir().unwrap();
        // Five runs of 64 Ki records (4-byte records, a 256 KiB buffer),
        // merged in batches of `MERGE_BATCH`; every value twice (7 is prime
        // to n: a permutation).
        let mut s = Sorter::<u32>::new(dir.path(), 1 << 18, true);
        let n = 5 * MERGE_BATCH as u32 / 2;
        for x in (0..n).rev().chain(0..n) {
            s.push(x * 7 % n).unwrap();
        }
        let mut m = s.finish().unwrap();
        assert!(m.spilled_bytes() > 0);
        let mut want = 0u32;
        while let Some(x) = m.next().unwrap() {
            assert_eq!(x, want);
            want += 1;
        }
        assert_eq!(want, n, "records lost");
        assert_eq!(m.next().unwrap(), None);
    }

    #[test]
    fn a_buffer_that_fills_spills_to_disk() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Sorter::<u32>::new(dir.path(), 4096, false);
        for x in (0..10_000u32).rev() {
            s.push(x).unwrap();
        }
        let mut m = s.finish().unwrap();
        assert_eq!(m.spilled_bytes(), 10_000 * 4);
        for want in 0..10_000u32 {
            assert_eq!(m.next().unwrap(), Some(want));
        }
        assert_eq!(m.next().unwrap(), None);
    }
}
