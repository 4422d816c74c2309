//! The probing guard's history: an append-only file of fixed-width records
//! (keyed hashes only), each followed by its CRC-32, synced on append.
//!
//! A torn last record (a crash mid-append, never acknowledged) is ignored;
//! a bad record anywhere else is corruption and stops the caller.

use crate::{FileStore, StoreError};
use std::fs::OpenOptions;
use std::io::{Read, Write};
use vouch_core::probe::ProbeRecord;

const FRAME_BYTES: usize = ProbeRecord::BYTES + 4;
const FILE: &str = "probes.log";

impl FileStore {
    /// Every stored probe record.
    pub fn probes(&self) -> Result<Vec<ProbeRecord>, StoreError> {
        let path = self.root().join(FILE);
        let mut bytes = Vec::new();
        match std::fs::File::open(&path) {
            Ok(mut f) => f.read_to_end(&mut bytes).map(|_| ()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => Err(e),
        }
        .map_err(|e| StoreError::Io {
            path: path.clone(),
            why: e.to_string(),
        })?;
        let whole = bytes.len() / FRAME_BYTES;
        let mut out = Vec::with_capacity(whole);
        for (i, frame) in bytes.chunks_exact(FRAME_BYTES).enumerate() {
            let (body, crc) = frame.split_at(ProbeRecord::BYTES);
            if crc32fast::hash(body).to_be_bytes() != crc {
                return Err(StoreError::Corrupt {
                    path,
                    why: format!("probe record {i} fails its checksum"),
                });
            }
            let mut b = [0u8; ProbeRecord::BYTES];
            b.copy_from_slice(body);
            out.push(ProbeRecord::decode(&b));
        }
        Ok(out)
    }

    /// Appends records durably (synced before returning).
    pub fn append_probes(&self, records: &[ProbeRecord]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let path = self.root().join(FILE);
        let io = |e: std::io::Error| StoreError::Io {
            path: path.clone(),
            why: e.to_string(),
        };
        let mut f = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(io)?;
        // Drop a torn tail first, so new records stay aligned to frames.
        let len = f.metadata().map_err(io)?.len();
        let aligned = len - len % FRAME_BYTES as u64;
        if aligned != len {
            f.set_len(aligned).map_err(io)?;
        }
        let mut buf = Vec::with_capacity(records.len() * FRAME_BYTES);
        for r in records {
            let body = r.encode();
            buf.extend_from_slice(&body);
            buf.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
        }
        f.write_all(&buf).map_err(io)?;
        f.sync_data().map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(day: i32) -> ProbeRecord {
        ProbeRecord {
            person: [1; 16],
            address: [2; 16],
            agency: [3; 16],
            request: [4; 16],
            day,
            kind: 0,
        }
    }

    #[test]
    fn probes_round_trip_and_a_torn_tail_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileStore::open(dir.path()).unwrap();
        s.append_probes(&[rec(1), rec(2)]).unwrap();
        let p = dir.path().join(FILE);
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(&[9u8; 10]).unwrap();
        assert_eq!(s.probes().unwrap(), vec![rec(1), rec(2)]);
        s.append_probes(&[rec(3)]).unwrap();
        assert_eq!(s.probes().unwrap(), vec![rec(1), rec(2), rec(3)]);
    }

    #[test]
    fn a_flipped_bit_is_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileStore::open(dir.path()).unwrap();
        s.append_probes(&[rec(1), rec(2)]).unwrap();
        let p = dir.path().join(FILE);
        let mut b = std::fs::read(&p).unwrap();
        b[5] ^= 1;
        std::fs::write(&p, b).unwrap();
        assert!(matches!(s.probes(), Err(StoreError::Corrupt { .. })));
    }
}
