//! The probing guard's history: `ProbeRecord`s (keyed hashes, a day;
//! never anything a person could be read from) in their fixed 260-byte
//! encoding, appended in chunks of up to 65,536 records per row of
//! `probe_log`. Earlier schema versions kept 69-byte records of another
//! identity, one row each in `probes` (version 1) or in chunks in
//! `probe_chunks` (version 3); those are still read, first, as far as they
//! can be compared (`ProbeRecord::decode_legacy`). An append is one
//! transaction: all of it lands, or none.

use crate::{db, with_pool, SqlStore, StoreError};
use vouch_core::probe::ProbeRecord;

/// Records per stored chunk (17 MB).
const PROBE_RECORDS_PER_CHUNK: usize = 65_536;

type ProbeRow = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, i32, i32);

fn legacy_from_row(r: ProbeRow) -> Result<Option<ProbeRecord>, StoreError> {
    let corrupt = |why: &str| StoreError::Corrupt {
        table: "probes",
        why: why.into(),
    };
    let mut b = [0u8; ProbeRecord::LEGACY_BYTES];
    for (o, k) in [(0, &r.0), (16, &r.1), (32, &r.2), (48, &r.3)] {
        if k.len() != 16 {
            return Err(corrupt("keyed hash is not 16 bytes"));
        }
        b[o..o + 16].copy_from_slice(k);
    }
    b[64..68].copy_from_slice(&r.4.to_be_bytes());
    b[68] = u8::try_from(r.5).map_err(|_| corrupt("kind out of range"))?;
    Ok(ProbeRecord::decode_legacy(&b))
}

/// Decodes chunks of fixed-width records of `WIDTH` bytes.
fn read_chunks<const WIDTH: usize>(
    table: &'static str,
    chunks: Vec<(Vec<u8>,)>,
    out: &mut Vec<ProbeRecord>,
    decode: impl Fn(&[u8; WIDTH]) -> Option<ProbeRecord>,
) -> Result<(), StoreError> {
    for (bytes,) in chunks {
        if bytes.len() % WIDTH != 0 {
            return Err(StoreError::Corrupt {
                table,
                why: "a chunk is not a whole number of records".into(),
            });
        }
        out.reserve(bytes.len() / WIDTH);
        for rec in bytes.chunks_exact(WIDTH) {
            let mut b = [0u8; WIDTH];
            b.copy_from_slice(rec);
            out.extend(decode(&b));
        }
    }
    Ok(())
}

impl SqlStore {
    /// Every stored probe record, in the order appended.
    pub async fn probes(&self) -> Result<Vec<ProbeRecord>, StoreError> {
        const SQL: &str =
            "SELECT person, address, agency, request, day, kind FROM probes ORDER BY seq";
        let rows: Vec<ProbeRow> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .fetch_all(pool)
            .await
            .map_err(db("read probes"))?);
        let mut out = Vec::new();
        for r in rows {
            out.extend(legacy_from_row(r)?);
        }
        const LEGACY: &str = "SELECT records FROM probe_chunks ORDER BY seq";
        let chunks: Vec<(Vec<u8>,)> = with_pool!(self, |pool| sqlx::query_as(LEGACY)
            .fetch_all(pool)
            .await
            .map_err(db("read probes"))?);
        read_chunks::<{ ProbeRecord::LEGACY_BYTES }>(
            "probe_chunks",
            chunks,
            &mut out,
            ProbeRecord::decode_legacy,
        )?;
        const CHUNKS: &str = "SELECT records FROM probe_log ORDER BY seq";
        let chunks: Vec<(Vec<u8>,)> = with_pool!(self, |pool| sqlx::query_as(CHUNKS)
            .fetch_all(pool)
            .await
            .map_err(db("read probes"))?);
        read_chunks::<{ ProbeRecord::BYTES }>("probe_log", chunks, &mut out, |b| {
            Some(ProbeRecord::decode(b))
        })?;
        Ok(out)
    }

    /// Appends records in one transaction (durable on return).
    pub async fn append_probes(&self, records: &[ProbeRecord]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db("append probes"))?;
            for chunk in records.chunks(PROBE_RECORDS_PER_CHUNK) {
                let mut bytes = Vec::with_capacity(chunk.len() * ProbeRecord::BYTES);
                for r in chunk {
                    bytes.extend_from_slice(&r.encode());
                }
                sqlx::query("INSERT INTO probe_log (records) VALUES ($1)")
                    .bind(bytes)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("append probes"))?;
            }
            tx.commit().await.map_err(db("append probes"))?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(n: u8) -> ProbeRecord {
        ProbeRecord {
            names: [u64::from(n) + 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            given: [vouch_core::probe::GivenKeys {
                sound: u32::from(n),
                ..Default::default()
            }; 2],
            surname: [3; vouch_core::probe::GIVEN_DELETIONS],
            dob: u64::from(n),
            a_number: 7,
            address: [n.wrapping_add(1); 16],
            agency: [2; 16],
            request: [3; 16],
            day: 20_000 + i32::from(n),
        }
    }

    #[tokio::test]
    async fn legacy_a_number_records_are_read_before_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display());
        let s = SqlStore::connect(&url).await.unwrap();
        let crate::Backend::Sqlite(pool) = &s.backend else {
            unreachable!()
        };
        for kind in [0i32, 1] {
            sqlx::query(
                "INSERT INTO probes (person, address, agency, request, day, kind) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(vec![9u8; 16])
            .bind(vec![8u8; 16])
            .bind(vec![2u8; 16])
            .bind(vec![3u8; 16])
            .bind(20_000)
            .bind(kind)
            .execute(pool)
            .await
            .unwrap();
        }
        let mut chunk = vec![0u8; ProbeRecord::LEGACY_BYTES];
        chunk[0..16].copy_from_slice(&[4; 16]);
        sqlx::query("INSERT INTO probe_chunks (records) VALUES ($1)")
            .bind(chunk)
            .execute(pool)
            .await
            .unwrap();
        let new: Vec<ProbeRecord> = (2..200).map(rec).collect();
        s.append_probes(&new).await.unwrap();
        let all = s.probes().await.unwrap();
        assert_eq!(
            all.len(),
            2 + new.len(),
            "the name-with-date record is dropped"
        );
        assert_eq!(all[0].a_number, u64::from_be_bytes([9; 8]));
        assert_eq!(all[0].address, [8; 16]);
        assert_eq!(all[1].a_number, u64::from_be_bytes([4; 8]));
        assert_eq!(&all[2..], &new[..]);
        sqlx::query("INSERT INTO probe_log (records) VALUES ($1)")
            .bind(vec![0u8; 261])
            .execute(pool)
            .await
            .expect_err("the schema refuses a chunk that is not whole records");
    }
}
