//! The disclosure office's controls — the hold list (keyed TIN hashes,
//! never TINs), the active policy and its activation history — and the
//! service's 32-byte secrets.

use crate::{db, moment_of, moment_text, with_pool, SqlStore, StoreError};
use vouch_store::{KeyRecord, PolicyActivation};

type ActivationRow = (String, String, String, String, String);

fn key32(table: &'static str, bytes: &[u8]) -> Result<[u8; 32], StoreError> {
    <[u8; 32]>::try_from(bytes).map_err(|_| StoreError::Corrupt {
        table,
        why: "value is not 32 bytes".into(),
    })
}

impl SqlStore {
    /// The keyed hashes of every held TIN, in byte order.
    pub async fn held(&self) -> Result<Vec<[u8; 32]>, StoreError> {
        const SQL: &str = "SELECT tin_hmac FROM holds ORDER BY tin_hmac";
        let rows: Vec<(Vec<u8>,)> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .fetch_all(pool)
            .await
            .map_err(db("read holds"))?);
        rows.iter().map(|(b,)| key32("holds", b)).collect()
    }

    /// Adds (or with `add == false` removes) held TIN hashes in one
    /// transaction; returns how many changed.
    pub async fn set_held(&self, keys: &[[u8; 32]], add: bool) -> Result<usize, StoreError> {
        let sql = if add {
            "INSERT INTO holds (tin_hmac) VALUES ($1) ON CONFLICT (tin_hmac) DO NOTHING"
        } else {
            "DELETE FROM holds WHERE tin_hmac = $1"
        };
        let mut changed = 0u64;
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db("change holds"))?;
            for k in keys {
                changed += sqlx::query(sql)
                    .bind(&k[..])
                    .execute(&mut *tx)
                    .await
                    .map_err(db("change holds"))?
                    .rows_affected();
            }
            tx.commit().await.map_err(db("change holds"))?;
        });
        // At most `keys.len()` rows change, so this cannot truncate.
        Ok(changed as usize)
    }

    /// The active policy's text, if one was activated.
    pub async fn active_policy(&self) -> Result<Option<String>, StoreError> {
        const SQL: &str = "SELECT policy_text FROM policy_activations ORDER BY seq DESC LIMIT 1";
        let row: Option<(String,)> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .fetch_optional(pool)
            .await
            .map_err(db("read active policy"))?);
        Ok(row.map(|(t,)| t))
    }

    /// Makes `text` the active policy and records who did it and why, in
    /// one row (so the text and its record cannot disagree).
    pub async fn activate_policy(
        &self,
        text: &str,
        activation: &PolicyActivation,
    ) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO policy_activations \
            (at, officer, reason, version, sha256, policy_text) \
            VALUES ($1, $2, $3, $4, $5, $6)";
        with_pool!(self, |pool| sqlx::query(SQL)
            .bind(moment_text(activation.at))
            .bind(&activation.officer)
            .bind(&activation.reason)
            .bind(&activation.version)
            .bind(&activation.sha256)
            .bind(text)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db("activate policy"))?);
        Ok(())
    }

    /// Every policy activation, oldest first.
    pub async fn policy_history(&self) -> Result<Vec<PolicyActivation>, StoreError> {
        const SQL: &str = "SELECT at, officer, reason, version, sha256 \
            FROM policy_activations ORDER BY seq";
        let rows: Vec<ActivationRow> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .fetch_all(pool)
            .await
            .map_err(db("read policy history"))?);
        rows.into_iter()
            .map(|(at, officer, reason, version, sha256)| {
                Ok(PolicyActivation {
                    at: moment_of("policy_activations", &at)?,
                    officer,
                    reason,
                    version,
                    sha256,
                })
            })
            .collect()
    }

    /// A secret an earlier version kept in the store, if it is still
    /// there (read only: the store never makes a key).
    pub async fn legacy_secret(&self, name: &str) -> Result<Option<[u8; 32]>, StoreError> {
        const SELECT: &str = "SELECT bytes FROM secrets WHERE name = $1";
        let row: Option<(Vec<u8>,)> = with_pool!(self, |pool| sqlx::query_as(SELECT)
            .bind(name)
            .fetch_optional(pool)
            .await
            .map_err(db("read secret"))?);
        row.map(|(b,)| key32("secrets", &b)).transpose()
    }

    /// Deletes every secret an earlier version kept in the store.
    pub async fn drop_legacy_secrets(&self) -> Result<(), StoreError> {
        with_pool!(self, |pool| sqlx::query("DELETE FROM secrets")
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db("delete secrets"))?);
        Ok(())
    }

    /// Every key registered, current and retired, in the order registered.
    pub async fn service_keys(&self) -> Result<Vec<KeyRecord>, StoreError> {
        const SQL: &str = "SELECT name, key_id, public_key, created_at, retired_at \
            FROM service_keys ORDER BY created_at, name";
        type Row = (String, String, Option<String>, String, Option<String>);
        let rows: Vec<Row> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .fetch_all(pool)
            .await
            .map_err(db("read service keys"))?);
        rows.into_iter()
            .map(|(name, key_id, public_key, created, retired)| {
                Ok(KeyRecord {
                    name,
                    key_id,
                    public_key,
                    created_at: moment_of("service_keys", &created)?,
                    retired_at: retired.map(|t| moment_of("service_keys", &t)).transpose()?,
                })
            })
            .collect()
    }

    /// Registers keys, retiring the current key of each name registered
    /// (all in one transaction).
    pub async fn register_service_keys(&self, keys: &[KeyRecord]) -> Result<(), StoreError> {
        const RETIRE: &str = "UPDATE service_keys SET retired_at = $2 \
            WHERE name = $1 AND retired_at IS NULL";
        const ADD: &str = "INSERT INTO service_keys \
            (name, key_id, public_key, created_at, retired_at) VALUES ($1, $2, $3, $4, NULL)";
        let op = "register service keys";
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db(op))?;
            for k in keys {
                sqlx::query(RETIRE)
                    .bind(&k.name)
                    .bind(moment_text(k.created_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(db(op))?;
                sqlx::query(ADD)
                    .bind(&k.name)
                    .bind(&k.key_id)
                    .bind(&k.public_key)
                    .bind(moment_text(k.created_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(db(op))?;
            }
            tx.commit().await.map_err(db(op))?;
        });
        Ok(())
    }
}
