//! A table of the index: fixed-width records either owned (an empty or
//! hand-made index) or viewed in place in the mapped index file, so that
//! opening an index reads nothing but what a lookup touches.
//!
//! The file is mapped read-only and never written in place: every index is
//! written to a temporary file and renamed over the old one, so a mapping
//! keeps the inode it opened. Records are `bytemuck::Pod` (no padding, any
//! bit pattern valid), and a view is made only over a range whose bounds
//! and alignment were checked when the file was opened; a view that would
//! not cast is empty, never a panic.

use bytemuck::Pod;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

/// The bytes a mapped table views: the mapped file, or (tests, a file read
/// whole) a buffer.
#[derive(Debug)]
pub(crate) enum Backing {
    /// The index file, mapped read-only, with the file and what its
    /// metadata said when it was checked.
    Map(memmap2::Mmap, std::fs::File, Stamp),
    /// The index file's bytes in memory (aligned to 64 bytes by storage).
    Bytes(Vec<u128>, usize),
}

/// What identifies a file's contents without reading them: size,
/// modification time, and inode change time (which a write or `touch`
/// moves and no user can set back; unlinking the file moves it too, so a
/// file no longer linked anywhere, as after vouch renames a new index over
/// it, is judged by size and modification time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    len: u64,
    ctime: (i64, i64),
    mtime: (i64, i64),
    linked: bool,
}

impl Stamp {
    pub(crate) fn of(f: &std::fs::File) -> std::io::Result<Stamp> {
        use std::os::unix::fs::MetadataExt;
        let m = f.metadata()?;
        Ok(Stamp {
            len: m.len(),
            ctime: (m.ctime(), m.ctime_nsec()),
            mtime: (m.mtime(), m.mtime_nsec()),
            linked: m.nlink() > 0,
        })
    }

    /// Whether `now` (this file later) shows its contents unchanged.
    fn still(&self, now: &Stamp) -> bool {
        let same = self.len == now.len && self.mtime == now.mtime;
        same && (self.ctime == now.ctime || !now.linked)
    }
}

impl Backing {
    /// Whether the mapped file is still as it was when checked (a file
    /// written in place under the mapping would change what lookups read
    /// after its digests were checked).
    pub(crate) fn unchanged(&self) -> bool {
        match self {
            Backing::Map(_, f, at) => Stamp::of(f).is_ok_and(|now| at.still(&now)),
            Backing::Bytes(..) => true,
        }
    }

    /// The bytes of the file.
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Backing::Map(m, ..) => m,
            Backing::Bytes(v, len) => {
                let b: &[u8] = bytemuck::cast_slice(v);
                &b[..(*len).min(b.len())]
            }
        }
    }

    /// A copy of `bytes` whose start is aligned for any table's records.
    pub(crate) fn copy_of(bytes: &[u8]) -> Backing {
        let mut v = vec![0u128; bytes.len().div_ceil(16)];
        bytemuck::cast_slice_mut::<u128, u8>(&mut v)[..bytes.len()].copy_from_slice(bytes);
        Backing::Bytes(v, bytes.len())
    }

    /// [`Backing::release`] for the pages of one range (the open-time
    /// digest of a chunk, once computed).
    pub(crate) fn release_range(&self, offset: usize, len: usize) {
        if let Backing::Map(m, ..) = self {
            const PAGE: usize = 4096;
            let start = offset / PAGE * PAGE;
            let end = (offset + len).div_ceil(PAGE) * PAGE;
            let end = end.min(m.len());
            if end > start {
                // SAFETY: as in `release`: a shared read-only file mapping
                // whose file is never written in place.
                let _ = unsafe {
                    m.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
                };
            }
        }
    }

    /// Tells the kernel the mapped pages are not needed now (after the
    /// open-time checks read them all), so that resident memory is what
    /// lookups touch afterwards. The pages stay in the page cache.
    pub(crate) fn release(&self) {
        if let Backing::Map(m, ..) = self {
            // SAFETY: the mapping is shared, read-only and backed by a file
            // nobody writes in place: dropping its pages only makes the next
            // read fault them in again from the file, with the same bytes.
            let _ = unsafe { m.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
            // Lookups jump about the file: read ahead nothing.
            let _ = m.advise(memmap2::Advice::Random);
        }
    }
}

/// One table: a slice of records.
pub(crate) enum Table<T: Pod> {
    /// Records held in memory.
    Owned(Vec<T>),
    /// Records viewed in the index file: `len` records from byte `offset`.
    Mapped {
        backing: Arc<Backing>,
        offset: usize,
        len: usize,
        records: PhantomData<T>,
    },
}

impl<T: Pod> Table<T> {
    /// A view of `len` records at byte `offset` of `backing` (bounds and
    /// alignment checked by the caller).
    pub(crate) fn mapped(backing: &Arc<Backing>, offset: usize, len: usize) -> Table<T> {
        Table::Mapped {
            backing: Arc::clone(backing),
            offset,
            len,
            records: PhantomData,
        }
    }

    /// The file this table is a view of (None when owned).
    pub(crate) fn backing(&self) -> Option<&Arc<Backing>> {
        match self {
            Table::Owned(_) => None,
            Table::Mapped { backing, .. } => Some(backing),
        }
    }

    /// The records as an owned vector (a copy when mapped).
    pub(crate) fn to_vec(&self) -> Vec<T> {
        self.deref().to_vec()
    }
}

impl<T: Pod> Default for Table<T> {
    fn default() -> Self {
        Table::Owned(Vec::new())
    }
}

impl<T: Pod> From<Vec<T>> for Table<T> {
    fn from(v: Vec<T>) -> Self {
        Table::Owned(v)
    }
}

impl<T: Pod> Deref for Table<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            Table::Owned(v) => v,
            Table::Mapped {
                backing,
                offset,
                len,
                ..
            } => {
                let bytes = backing.bytes();
                let end = offset.saturating_add(len.saturating_mul(size_of::<T>()));
                bytes
                    .get(*offset..end)
                    .and_then(|b| bytemuck::try_cast_slice(b).ok())
                    .unwrap_or(&[])
            }
        }
    }
}

impl<T: Pod> Clone for Table<T> {
    fn clone(&self) -> Self {
        match self {
            Table::Owned(v) => Table::Owned(v.clone()),
            Table::Mapped {
                backing,
                offset,
                len,
                ..
            } => Table::mapped(backing, *offset, *len),
        }
    }
}

impl<T: Pod + PartialEq> PartialEq for Table<T> {
    fn eq(&self, other: &Self) -> bool {
        self[..] == other[..]
    }
}

impl<T: Pod + Eq> Eq for Table<T> {}

impl<T: Pod> std::fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the records: the index holds confidential data.
        match self {
            Table::Owned(v) => write!(f, "Table::Owned({} records)", v.len()),
            Table::Mapped { len, .. } => write!(f, "Table::Mapped({len} records)"),
        }
    }
}
