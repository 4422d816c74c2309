//! Reading and writing big files past the page cache (direct I/O).
//!
//! The index build writes its sorts' runs once, reads them back once, in
//! order, and drops them; it reads the master file once, in order. Keeping
//! those bytes in the page cache buys nothing, and copying them there is
//! what costs. On the machines measured (BENCHMARKS.md), a buffered write
//! of 1.5 GiB took 3.7 s of kernel time, one core's whole time while the
//! build's other threads waited on it; the same bytes written with
//! `O_DIRECT` took 0.24 s of kernel time and 1.0 s of waiting on the disk.
//! Reading 4 GiB of a master file through the cache from the disk took
//! 3.1 s of kernel time, directly 0.26 s. A 100 M-row build spills over
//! 10 GiB and reads 8.5 GiB of master.
//!
//! Direct I/O wants the buffer, the file offset and the length aligned to
//! the device's logical block: the bytes go through page-aligned buffers,
//! 4 KiB-aligned (what block devices ask for at most). A file written
//! here ([`write_file`]) has its last block padded with zeros: its reader
//! knows its length and never reads the padding. Where the file system
//! refuses direct I/O (tmpfs, some network file systems: the flag or the
//! first write fails with `EINVAL`), the same code goes through the page
//! cache as before.
//!
//! Files are read ([`AheadReader`]) in aligned blocks by a thread of their
//! own, a few blocks ahead of their reader: direct reads get no read-ahead
//! of the kernel's. [`RunReader`] reads a file of fixed-size records that
//! way.

use bytemuck::{Pod, Zeroable};
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Direct I/O's alignment: of the buffer, the offset and the length.
pub const ALIGN: usize = 4096;

/// Bytes written at a time through direct I/O.
const CHUNK: usize = 8 << 20;

/// One aligned block of the buffer.
#[repr(C, align(4096))]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Block([u8; ALIGN]);

/// Writes `bytes` at the start of `file` (new and empty), past the page
/// cache where the file system allows it, and leaves the file set for
/// buffered I/O at its start. Past the end of `bytes`, up to the next
/// multiple of [`ALIGN`], the file may hold zeros.
pub fn write_file(file: &mut File, bytes: &[u8]) -> std::io::Result<()> {
    write_file_as(file, bytes, true)
}

/// [`write_file`], trying direct I/O only when `try_direct`.
fn write_file_as(file: &mut File, bytes: &[u8], try_direct: bool) -> std::io::Result<()> {
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

/// Reads a file from a given offset to its end, in order, in aligned
/// blocks: a thread of its own reads the next blocks from the disk (past
/// the page cache where the file system allows it) while the caller
/// consumes this one.
pub struct AheadReader {
    /// Blocks read ahead: the buffer, where its bytes start and end (the
    /// same at the end of the file).
    rx: Receiver<std::io::Result<(Vec<Block>, usize, usize)>>,
    /// Buffers back to the reading thread.
    give: SyncSender<Vec<Block>>,
    /// The end was reached (the reading thread is gone).
    done: bool,
}

impl AheadReader {
    /// A reader of `file` from byte `start` on, in blocks of about
    /// `block_bytes` (a multiple of `unit`, itself a multiple of
    /// [`ALIGN`]: every block but the first then starts at a multiple of
    /// `unit` in the file), `ahead` of them read before they are asked for.
    pub fn new(
        file: File,
        start: u64,
        unit: usize,
        block_bytes: usize,
        ahead: usize,
        name: &str,
    ) -> std::io::Result<AheadReader> {
        let unit = unit.max(1).div_ceil(ALIGN) * ALIGN;
        let block = unit * (block_bytes / unit).max(1);
        let direct = set_direct(&file, true);
        let aligned = start - start % ALIGN as u64;
        let reader = BlockReader {
            file,
            offset: aligned,
            skip: (start - aligned) as usize,
            block,
            direct,
        };
        let ahead = ahead.max(1);
        let (tx, rx) = sync_channel(ahead);
        let (give, take) = sync_channel(ahead + 1);
        for _ in 0..ahead {
            give.send(vec![Block::zeroed(); block / ALIGN])
                .map_err(|_| std::io::Error::other("a file's reading thread stopped"))?;
        }
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || reader.run(take, tx))?;
        Ok(AheadReader {
            rx,
            give,
            done: false,
        })
    }

    /// Hands the next block's bytes to `f` and gives back what it gives;
    /// `None` at the end of the file (and after it).
    pub fn next_block<R>(&mut self, f: impl FnOnce(&[u8]) -> R) -> std::io::Result<Option<R>> {
        if self.done {
            return Ok(None);
        }
        let Ok(got) = self.rx.recv() else {
            return Err(std::io::Error::other(
                "a file's reading thread stopped before its end",
            ));
        };
        let (buf, from, to) = got?;
        if from == to {
            self.done = true;
            return Ok(None);
        }
        let bytes: &[u8] = bytemuck::cast_slice(&buf);
        let r = f(&bytes[from..to]);
        // The reader may be gone (at the end): nothing to give back then.
        let _ = self.give.try_send(buf);
        Ok(Some(r))
    }
}

/// Reads a file of fixed-size records back (one [`write_file`] wrote) in
/// blocks of whole records, a thread of its own reading ahead.
pub struct RunReader {
    blocks: AheadReader,
}

/// About how many bytes a run's block holds.
const READ_BYTES: usize = 1 << 20;

/// Blocks a run's reading thread reads ahead.
const BLOCKS_AHEAD: usize = 2;

impl RunReader {
    /// A reader of `file` from its start, for records of `record` bytes.
    pub fn new(file: File, record: usize) -> std::io::Result<RunReader> {
        let record = record.max(1);
        // The least common multiple of the alignment and the record.
        let unit = ALIGN / gcd(ALIGN, record) * record;
        Ok(RunReader {
            blocks: AheadReader::new(file, 0, unit, READ_BYTES, BLOCKS_AHEAD, "vouch-run-read")?,
        })
    }

    /// Appends the next block's records to `out` (their bytes reinterpreted;
    /// at most `max` of them): how many, 0 at the end of the run.
    pub fn next_records<T: Pod>(&mut self, out: &mut Vec<T>, max: u64) -> std::io::Result<usize> {
        let n = self.blocks.next_block(|bytes| {
            let n = ((bytes.len() / size_of::<T>()) as u64).min(max) as usize;
            out.extend_from_slice(bytemuck::cast_slice(&bytes[..n * size_of::<T>()]));
            n
        })?;
        Ok(n.unwrap_or(0))
    }
}

/// The reading side of an [`AheadReader`].
struct BlockReader {
    file: File,
    /// Where the next block starts (aligned).
    offset: u64,
    /// Bytes of the first block before the reader's start.
    skip: usize,
    /// Bytes of a block.
    block: usize,
    direct: bool,
}

impl BlockReader {
    /// Fills the buffers it is given with the file's blocks, in order,
    /// until the end (an empty block is sent), an error (sent), or the
    /// reader is gone.
    fn run(
        mut self,
        take: Receiver<Vec<Block>>,
        tx: SyncSender<std::io::Result<(Vec<Block>, usize, usize)>>,
    ) {
        for mut buf in take {
            let read = self.read(&mut buf).map(|n| {
                let from = self.skip.min(n);
                self.skip = 0;
                (from, n)
            });
            let end = !matches!(read, Ok((from, n)) if n > from);
            if tx.send(read.map(|(from, n)| (buf, from, n))).is_err() || end {
                return;
            }
        }
    }

    /// Reads the next block into `buf`: its bytes, fewer (or none) at the
    /// end of the file.
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
            "cannot switch a file between direct and buffered I/O",
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
        write_file_as(&mut f, bytes, try_direct).unwrap();
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

    /// What an [`AheadReader`] gives of a file holding `bytes`, from `start`.
    fn read_ahead(bytes: &[u8], start: u64, unit: usize, block: usize) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, bytes).unwrap();
        let file = File::open(&path).unwrap();
        let mut r = AheadReader::new(file, start, unit, block, 2, "test-read").unwrap();
        let mut out = Vec::new();
        let mut blocks = 0;
        while let Some(()) = r.next_block(|b| out.extend_from_slice(b)).unwrap() {
            blocks += 1;
            assert!(blocks <= bytes.len() + 1, "the reader never ends");
        }
        // The end stays the end.
        assert!(r.next_block(|_| ()).unwrap().is_none());
        out
    }

    proptest! {
        #[test]
        fn a_file_read_ahead_from_any_offset_gives_its_bytes_from_there(
            len in 0usize..5 * ALIGN + 100,
            start_frac in 0.0f64..1.2,
            units in 1usize..3,
            block in 1usize..3 * ALIGN,
        ) {
            let bytes: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
            let start = ((len as f64) * start_frac) as u64;
            let want = bytes.get(start as usize..).unwrap_or(&[]);
            prop_assert_eq!(read_ahead(&bytes, start, units * ALIGN, block), want);
        }
    }

    #[test]
    fn a_big_file_read_ahead_in_blocks_is_read_whole() {
        // Several blocks of several units, the start inside the first.
        let bytes: Vec<u8> = (0..3 * READ_BYTES + 12_345)
            .map(|i| (i % 251) as u8)
            .collect();
        assert!(read_ahead(&bytes, 4_097, 2 * ALIGN, 1 << 18) == bytes[4_097..]);
    }

    #[test]
    fn a_run_longer_than_the_aligned_buffer_is_written_whole() {
        let bytes: Vec<u8> = (0..2 * CHUNK + 4099).map(|i| (i % 251) as u8).collect();
        assert!(written(&bytes, true) == bytes);
    }
}
