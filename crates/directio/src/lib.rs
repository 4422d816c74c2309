//! Writing and reading the sorts' runs past the page cache (direct I/O).
//!
//! A run is written once, read back once, in order, and dropped: keeping
//! it in the page cache buys nothing, and copying it there is what costs.
//! On the machines measured (BENCHMARKS.md), a buffered write of 1.5 GiB
//! took 3.7 s of kernel time, one core's whole time while the build's
//! other threads waited on it; the same bytes written with `O_DIRECT` took
//! 0.24 s of kernel time and 1.0 s of waiting on the disk. A 100 M-row
//! build spills over 10 GiB.
//!
//! Direct I/O wants the buffer, the file offset and the length aligned to
//! the device's logical block: the bytes go through one page-aligned
//! buffer, 4 KiB-aligned (what block devices ask for at most), and the
//! run's last block is padded with zeros; the reader knows the run's
//! length in records and never reads the padding. Where the file system
//! refuses direct I/O (tmpfs, some network file systems: the flag or the
//! first write fails with `EINVAL`), the run is written through the page
//! cache as before. The file is switched back to buffered I/O when it is
//! written.
//!
//! A run is read back the same way ([`RunReader`]): through direct I/O in
//! aligned blocks of whole records (a block's length is a multiple of the
//! alignment and of the record's), so that reading it costs no page cache
//! either (0.38 s of kernel time a GiB read through the cache from the
//! disk, 0.08 s direct); where direct I/O is refused, the same reads go
//! through the cache.

use bytemuck::{Pod, Zeroable};
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Direct I/O's alignment: of the buffer, the offset and the length.
pub(crate) const ALIGN: usize = 4096;

/// Bytes written at a time through direct I/O.
const CHUNK: usize = 8 << 20;

/// One aligned block of the buffer.
#[repr(C, align(4096))]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Block([u8; ALIGN]);

/// Writes `bytes` at the start of `file` (new and empty), past the page
/// cache where the file system allows it, and leaves the file set for
/// buffered I/O at its start.
pub(crate) fn write_run(file: &mut File, bytes: &[u8]) -> std::io::Result<()> {
    write_run_as(file, bytes, true)
}

/// [`write_run`], trying direct I/O only when `try_direct`.
fn write_run_as(file: &mut File, bytes: &[u8], try_direct: bool) -> std::io::Result<()> {
    let direct = if try_direct && set_direct(file, true) {
        let written = write_direct(file, bytes);
        set_direct_or_fail(file, false)?;
        match written {
            Ok(()) => true,
            Err(Failed::Refused) => {
                // Nothing was written: start over through the page cache.
                file.set_len(0)?;
                file.seek(SeekFrom::Start(0))?;
                false
            }
            Err(Failed::Io(e)) => return Err(e),
        }
    } else {
        false
    };
    if !direct {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut *file);
        w.write_all(bytes)?;
        w.flush()?;
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(())
}

/// Why a direct write stopped.
enum Failed {
    /// The file system refused direct I/O before anything was written.
    Refused,
    /// A write failed otherwise (or after the first block): the error.
    Io(std::io::Error),
}

fn write_direct(file: &mut File, bytes: &[u8]) -> Result<(), Failed> {
    let blocks = CHUNK.min(bytes.len().div_ceil(ALIGN) * ALIGN) / ALIGN;
    let mut buf: Vec<Block> = vec![Block::zeroed(); blocks.max(1)];
    let mut first = true;
    for chunk in bytes.chunks(buf.len() * ALIGN) {
        let out: &mut [u8] = bytemuck::cast_slice_mut(&mut buf[..chunk.len().div_ceil(ALIGN)]);
        out[..chunk.len()].copy_from_slice(chunk);
        out[chunk.len()..].fill(0);
        match file.write_all(out) {
            Ok(()) => first = false,
            Err(e)
                if first && e.raw_os_error() == Some(rustix::io::Errno::INVAL.raw_os_error()) =>
            {
                return Err(Failed::Refused)
            }
            Err(e) => return Err(Failed::Io(e)),
        }
    }
    Ok(())
}

/// Reads a run back in aligned blocks, each a whole number of records, a
/// thread of its own reading the next block from the disk while the merge
/// consumes this one (direct reads have no read-ahead of the kernel's).
pub(crate) struct RunReader {
    /// Blocks read ahead: the buffer and its bytes, 0 at the end.
    rx: Receiver<std::io::Result<(Vec<Block>, usize)>>,
    /// Buffers back to the reading thread.
    give: SyncSender<Vec<Block>>,
}

/// About how many bytes a run's block holds.
const READ_BYTES: usize = 1 << 20;

/// Buffers a run's reading thread fills ahead of the merge.
const BLOCKS_AHEAD: usize = 2;

impl RunReader {
    /// A reader of `file` from its start, for records of `record` bytes.
    pub(crate) fn new(file: File, record: usize) -> std::io::Result<RunReader> {
        let record = record.max(1);
        // The least common multiple of the alignment and the record.
        let unit = ALIGN / gcd(ALIGN, record) * record;
        let block = unit * (READ_BYTES / unit).max(1);
        let direct = set_direct(&file, true);
        let reader = BlockReader {
            file,
            offset: 0,
            block,
            direct,
        };
        let (tx, rx) = sync_channel(BLOCKS_AHEAD);
        let (give, take) = sync_channel(BLOCKS_AHEAD + 1);
        for _ in 0..BLOCKS_AHEAD {
            give.send(vec![Block::zeroed(); block / ALIGN])
                .map_err(|_| std::io::Error::other("a sort run's reader stopped"))?;
        }
        std::thread::Builder::new()
            .name("vouch-run-read".into())
            .spawn(move || reader.run(take, tx))?;
        Ok(RunReader { rx, give })
    }

    /// Appends the next block's records to `out` (their bytes reinterpreted;
    /// at most `max` of them): how many, 0 at the end of the run.
    pub(crate) fn next_records<T: Pod>(
        &mut self,
        out: &mut Vec<T>,
        max: u64,
    ) -> std::io::Result<usize> {
        let Ok(got) = self.rx.recv() else {
            return Err(std::io::Error::other(
                "a sort run's reader stopped before its end",
            ));
        };
        let (buf, len) = got?;
        let bytes: &[u8] = bytemuck::cast_slice(&buf);
        let n = ((len / size_of::<T>()) as u64).min(max) as usize;
        out.extend_from_slice(bytemuck::cast_slice(&bytes[..n * size_of::<T>()]));
        // The reader may be gone (at the end): nothing to give back then.
        let _ = self.give.try_send(buf);
        Ok(n)
    }
}

/// The reading side of a [`RunReader`].
struct BlockReader {
    file: File,
    /// Where the next block starts (a multiple of the block's length).
    offset: u64,
    /// Bytes of a block.
    block: usize,
    direct: bool,
}

impl BlockReader {
    /// Fills the buffers it is given with the file's blocks, in order,
    /// until the end (a block of 0 bytes is sent), an error (sent), or
    /// the merge is gone.
    fn run(
        mut self,
        take: Receiver<Vec<Block>>,
        tx: SyncSender<std::io::Result<(Vec<Block>, usize)>>,
    ) {
        for mut buf in take {
            let read = self.read(&mut buf);
            let end = !matches!(read, Ok(n) if n > 0);
            if tx.send(read.map(|n| (buf, n))).is_err() || end {
                return;
            }
        }
    }

    /// Reads the next block into `buf`: whole records, fewer (or none) at
    /// the end of the file.
    fn read(&mut self, buf: &mut [Block]) -> std::io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let buf: &mut [u8] = bytemuck::cast_slice_mut(buf);
        let want = self.block.min(buf.len());
        let mut got = 0;
        while got < want {
            match self
                .file
                .read_at(&mut buf[got..want], self.offset + got as u64)
            {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e)
                    if self.direct
                        && e.raw_os_error() == Some(rustix::io::Errno::INVAL.raw_os_error()) =>
                {
                    // Refused after all: the rest through the page cache.
                    set_direct_or_fail(&self.file, false)?;
                    self.direct = false;
                }
                Err(e) => return Err(e),
            }
            if self.direct && got % ALIGN != 0 {
                // A short direct read ends the file (or the padding of its
                // last block).
                break;
            }
        }
        self.offset += got as u64;
        Ok(got)
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Sets or clears `O_DIRECT` on the file; whether that took.
#[cfg(target_os = "linux")]
fn set_direct(file: &File, on: bool) -> bool {
    use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
    let Ok(flags) = fcntl_getfl(file) else {
        return false;
    };
    let flags = if on {
        flags | OFlags::DIRECT
    } else {
        flags - OFlags::DIRECT
    };
    fcntl_setfl(file, flags).is_ok()
}

#[cfg(not(target_os = "linux"))]
fn set_direct(_file: &File, on: bool) -> bool {
    !on
}

fn set_direct_or_fail(file: &File, on: bool) -> std::io::Result<()> {
    if set_direct(file, on) {
        Ok(())
    } else {
        Err(std::io::Error::other(
            "cannot switch a sort run between direct and buffered I/O",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Read;

    fn written(bytes: &[u8], try_direct: bool) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let mut f = tempfile::tempfile_in(dir.path()).unwrap();
        write_run_as(&mut f, bytes, try_direct).unwrap();
        // Read back from where the writer left the file, into a buffer of
        // no particular alignment: the file is buffered again.
        let mut back = vec![0u8; bytes.len()];
        f.read_exact(&mut back).unwrap();
        back
    }

    proptest! {
        #[test]
        fn a_run_reads_back_as_written_whatever_its_length(
            len in 0usize..3 * ALIGN + 17,
            seed in any::<u8>(),
            try_direct in any::<bool>(),
        ) {
            let bytes: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect();
            prop_assert_eq!(written(&bytes, try_direct), bytes);
        }
    }

    #[test]
    fn a_run_longer_than_the_aligned_buffer_is_written_whole() {
        let bytes: Vec<u8> = (0..2 * CHUNK + 4099).map(|i| (i % 251) as u8).collect();
        assert!(written(&bytes, true) == bytes);
    }
}
