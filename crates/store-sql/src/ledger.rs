//! The disclosure ledger's rows: leaves by index and signed checkpoint
//! notes. The ledger crate's `LeafStore`/`CheckpointStore` over these live
//! in [`crate::blocking`].

use crate::{db, with_pool, SqlStore, StoreError};

/// Leaves per INSERT statement (2 binds each).
const LEAF_ROWS_PER_STATEMENT: usize = 2000;

impl SqlStore {
    /// Leaves stored: one past the highest index. Fails when the indices
    /// have a gap (rows removed behind the ledger's back).
    pub async fn ledger_len(&self) -> Result<u64, StoreError> {
        const SQL: &str = "SELECT COUNT(*), COALESCE(MAX(idx) + 1, 0) FROM ledger_leaves";
        let (count, end): (i64, i64) = with_pool!(self, |pool| sqlx::query_as(SQL)
            .fetch_one(pool)
            .await
            .map_err(db("count ledger leaves"))?);
        if count != end {
            return Err(StoreError::Corrupt {
                table: "ledger_leaves",
                why: format!("{count} leaves stored but the highest index is {}", end - 1),
            });
        }
        u64::try_from(count).map_err(|_| StoreError::Corrupt {
            table: "ledger_leaves",
            why: "negative count".into(),
        })
    }

    /// One past the highest leaf index (cheap: the primary key's index), to
    /// notice that another node appended; [`SqlStore::ledger_len`] also
    /// checks for gaps.
    pub async fn ledger_end(&self) -> Result<u64, StoreError> {
        const SQL: &str = "SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_leaves";
        let (end,): (i64,) = with_pool!(self, |pool| sqlx::query_as(SQL)
            .fetch_one(pool)
            .await
            .map_err(db("ledger size"))?);
        u64::try_from(end).map_err(|_| StoreError::Corrupt {
            table: "ledger_leaves",
            why: "negative index".into(),
        })
    }

    /// Appends leaves at indices `first..` in one transaction: all land or none.
    pub async fn ledger_append(&self, first: u64, leaves: &[Vec<u8>]) -> Result<(), StoreError> {
        if leaves.is_empty() {
            return Ok(());
        }
        let first = i64::try_from(first).map_err(|_| StoreError::Invalid {
            field: "leaf index",
            why: "out of range".into(),
        })?;
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db("append ledger leaves"))?;
            let mut at = first;
            for chunk in leaves.chunks(LEAF_ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO ledger_leaves (idx, leaf) ");
                q.push_values(chunk.iter().enumerate(), |mut row, (k, leaf)| {
                    row.push_bind(at + k as i64).push_bind(leaf.as_slice());
                });
                q.build()
                    .execute(&mut *tx)
                    .await
                    .map_err(db("append ledger leaves"))?;
                at += chunk.len() as i64;
            }
            tx.commit().await.map_err(db("append ledger leaves"))?;
        });
        Ok(())
    }

    /// Reads `count` leaves from index `start`.
    pub async fn ledger_read(&self, start: u64, count: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let range = |v: u64| {
            i64::try_from(v).map_err(|_| StoreError::Invalid {
                field: "leaf index",
                why: "out of range".into(),
            })
        };
        let (s, e) = (range(start)?, range(start.saturating_add(count))?);
        const SQL: &str =
            "SELECT idx, leaf FROM ledger_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx";
        let rows: Vec<(i64, Vec<u8>)> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .bind(s)
            .bind(e)
            .fetch_all(pool)
            .await
            .map_err(db("read ledger leaves"))?);
        let mut out = Vec::with_capacity(rows.len());
        for (k, (idx, leaf)) in rows.into_iter().enumerate() {
            if idx != s + k as i64 {
                return Err(StoreError::Corrupt {
                    table: "ledger_leaves",
                    why: format!("leaf {} is missing", s + k as i64),
                });
            }
            out.push(leaf);
        }
        if out.len() as u64 != count {
            return Err(StoreError::Corrupt {
                table: "ledger_leaves",
                why: format!("leaf {} is missing", s + out.len() as i64),
            });
        }
        Ok(out)
    }

    /// Every signed checkpoint note, oldest first.
    pub async fn ledger_checkpoints(&self) -> Result<Vec<String>, StoreError> {
        const SQL: &str = "SELECT note FROM ledger_checkpoints ORDER BY seq";
        let rows: Vec<(String,)> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .fetch_all(pool)
            .await
            .map_err(db("read ledger checkpoints"))?);
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }

    /// Appends one signed checkpoint note (durable on return).
    pub async fn ledger_add_checkpoint(&self, note: &str) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO ledger_checkpoints (note) VALUES ($1)";
        with_pool!(self, |pool| sqlx::query(SQL)
            .bind(note)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db("append ledger checkpoint"))?);
        Ok(())
    }
}
