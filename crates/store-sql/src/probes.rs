//! The probing guard's history: one row per `ProbeRecord`, its four keyed
//! hashes as 16-byte binary columns (never anything a person could be read
//! from). An append is one transaction: all of it lands, or none.

use crate::{db, with_pool, SqlStore, SqlStoreError};
use vouch_core::probe::ProbeRecord;

/// Rows per INSERT statement: 6 binds each keeps well under SQLite's
/// 32,766 and PostgreSQL's 65,535 bind limits.
const PROBE_ROWS_PER_STATEMENT: usize = 1000;

type ProbeRow = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, i32, i32);

fn key16(bytes: &[u8]) -> Result<[u8; 16], SqlStoreError> {
    <[u8; 16]>::try_from(bytes).map_err(|_| SqlStoreError::Corrupt {
        table: "probes",
        why: "keyed hash is not 16 bytes".into(),
    })
}

fn probe_from_row(r: ProbeRow) -> Result<ProbeRecord, SqlStoreError> {
    Ok(ProbeRecord {
        person: key16(&r.0)?,
        address: key16(&r.1)?,
        agency: key16(&r.2)?,
        request: key16(&r.3)?,
        day: r.4,
        kind: u8::try_from(r.5).map_err(|_| SqlStoreError::Corrupt {
            table: "probes",
            why: "kind out of range".into(),
        })?,
    })
}

impl SqlStore {
    /// Every stored probe record, in the order appended.
    pub async fn probes(&self) -> Result<Vec<ProbeRecord>, SqlStoreError> {
        const SQL: &str =
            "SELECT person, address, agency, request, day, kind FROM probes ORDER BY seq";
        let rows: Vec<ProbeRow> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .fetch_all(pool)
            .await
            .map_err(db("read probes"))?);
        rows.into_iter().map(probe_from_row).collect()
    }

    /// Appends records in one transaction (durable on return).
    pub async fn append_probes(&self, records: &[ProbeRecord]) -> Result<(), SqlStoreError> {
        if records.is_empty() {
            return Ok(());
        }
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db("append probes"))?;
            for chunk in records.chunks(PROBE_ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO probes (person, address, agency, request, day, kind) ",
                );
                q.push_values(chunk, |mut row, r| {
                    row.push_bind(r.person.to_vec())
                        .push_bind(r.address.to_vec())
                        .push_bind(r.agency.to_vec())
                        .push_bind(r.request.to_vec())
                        .push_bind(r.day)
                        .push_bind(i32::from(r.kind));
                });
                q.build()
                    .execute(&mut *tx)
                    .await
                    .map_err(db("append probes"))?;
            }
            tx.commit().await.map_err(db("append probes"))?;
        });
        Ok(())
    }
}
