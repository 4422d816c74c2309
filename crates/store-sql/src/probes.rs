//! The probing guard's history: `ProbeRecord`s (four keyed hashes, a day
//! and a kind; never anything a person could be read from) in their fixed
//! 69-byte encoding, appended in chunks of up to 65,536 records per row of
//! `probe_chunks`. Schema version 1 kept one row per record in `probes`;
//! those rows are still read, first. An append is one transaction: all of
//! it lands, or none.

use crate::{db, with_pool, SqlStore, StoreError};
use vouch_core::probe::ProbeRecord;

/// Records per stored chunk (4.5 MB).
const PROBE_RECORDS_PER_CHUNK: usize = 65_536;

type ProbeRow = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, i32, i32);

fn key16(bytes: &[u8]) -> Result<[u8; 16], StoreError> {
    <[u8; 16]>::try_from(bytes).map_err(|_| StoreError::Corrupt {
        table: "probes",
        why: "keyed hash is not 16 bytes".into(),
    })
}

fn probe_from_row(r: ProbeRow) -> Result<ProbeRecord, StoreError> {
    Ok(ProbeRecord {
        person: key16(&r.0)?,
        address: key16(&r.1)?,
        agency: key16(&r.2)?,
        request: key16(&r.3)?,
        day: r.4,
        kind: u8::try_from(r.5).map_err(|_| StoreError::Corrupt {
            table: "probes",
            why: "kind out of range".into(),
        })?,
    })
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
        let mut out: Vec<ProbeRecord> = rows
            .into_iter()
            .map(probe_from_row)
            .collect::<Result<_, _>>()?;
        const CHUNKS: &str = "SELECT records FROM probe_chunks ORDER BY seq";
        let chunks: Vec<(Vec<u8>,)> = with_pool!(self, |pool| sqlx::query_as(CHUNKS)
            .fetch_all(pool)
            .await
            .map_err(db("read probes"))?);
        for (bytes,) in chunks {
            if bytes.len() % ProbeRecord::BYTES != 0 {
                return Err(StoreError::Corrupt {
                    table: "probe_chunks",
                    why: "a chunk is not a whole number of records".into(),
                });
            }
            out.reserve(bytes.len() / ProbeRecord::BYTES);
            for rec in bytes.chunks_exact(ProbeRecord::BYTES) {
                let mut b = [0u8; ProbeRecord::BYTES];
                b.copy_from_slice(rec);
                out.push(ProbeRecord::decode(&b));
            }
        }
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
                sqlx::query("INSERT INTO probe_chunks (records) VALUES ($1)")
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
            person: [n; 16],
            address: [n.wrapping_add(1); 16],
            agency: [2; 16],
            request: [3; 16],
            day: 20_000 + i32::from(n),
            kind: n % 2,
        }
    }

    #[tokio::test]
    async fn rows_of_the_version_1_table_are_read_before_the_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display());
        let s = SqlStore::connect(&url).await.unwrap();
        let crate::Backend::Sqlite(pool) = &s.backend else {
            unreachable!()
        };
        let old = rec(1);
        sqlx::query(
            "INSERT INTO probes (person, address, agency, request, day, kind) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(old.person.to_vec())
        .bind(old.address.to_vec())
        .bind(old.agency.to_vec())
        .bind(old.request.to_vec())
        .bind(old.day)
        .bind(i32::from(old.kind))
        .execute(pool)
        .await
        .unwrap();
        let new: Vec<ProbeRecord> = (2..200).map(rec).collect();
        s.append_probes(&new).await.unwrap();
        let all = s.probes().await.unwrap();
        assert_eq!(all[0], old);
        assert_eq!(&all[1..], &new[..]);
        sqlx::query("INSERT INTO probe_chunks (records) VALUES ($1)")
            .bind(vec![0u8; 70])
            .execute(pool)
            .await
            .expect_err("the schema refuses a chunk that is not whole records");
    }
}
