//! Security keys (WebAuthn credentials), the one-time codes they are
//! enrolled with (SHA-256 only) and the state of ceremonies in progress.

use crate::{db, is_unique_violation, moment_of, moment_text, with_pool, SqlStore, StoreError};
use time::OffsetDateTime;
use vouch_store::{EnrolmentCodeRecord, SecurityKeyRecord};

type CodeRow = (String, String, String, String, String, Option<String>);
type KeyRow = (String, String, String, String, String, i64, String);

const KEY_COLUMNS: &str =
    "credential_id, official, credential, rp_id, origin, sign_count, enrolled_at";

fn key_from_row(r: KeyRow) -> Result<SecurityKeyRecord, StoreError> {
    Ok(SecurityKeyRecord {
        credential_id: r.0,
        official: r.1,
        credential: r.2,
        rp_id: r.3,
        origin: r.4,
        sign_count: u32::try_from(r.5).map_err(|_| StoreError::Corrupt {
            table: "security_keys",
            why: "sign_count out of range".into(),
        })?,
        enrolled_at: moment_of("security_keys", &r.6)?,
    })
}

impl SqlStore {
    /// Keeps a ceremony's state (replacing one of the same purpose) and
    /// drops ceremonies started before `expired_before`.
    pub async fn put_ceremony(
        &self,
        session_key: &str,
        purpose: &str,
        state: &str,
        at: OffsetDateTime,
        expired_before: OffsetDateTime,
    ) -> Result<(), StoreError> {
        const PURGE: &str = "DELETE FROM webauthn_ceremonies WHERE started_at < $1";
        const SQL: &str =
            "INSERT INTO webauthn_ceremonies (session_key, purpose, state, started_at) \
            VALUES ($1, $2, $3, $4) ON CONFLICT (session_key, purpose) \
            DO UPDATE SET state = excluded.state, started_at = excluded.started_at";
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db("store ceremony"))?;
            sqlx::query(PURGE)
                .bind(moment_text(expired_before))
                .execute(&mut *tx)
                .await
                .map_err(db("store ceremony"))?;
            sqlx::query(SQL)
                .bind(session_key)
                .bind(purpose)
                .bind(state)
                .bind(moment_text(at))
                .execute(&mut *tx)
                .await
                .map_err(db("store ceremony"))?;
            tx.commit().await.map_err(db("store ceremony"))?;
        });
        Ok(())
    }

    /// Takes (reads and deletes) a ceremony's state.
    pub async fn take_ceremony(
        &self,
        session_key: &str,
        purpose: &str,
    ) -> Result<Option<(String, OffsetDateTime)>, StoreError> {
        const SQL: &str =
            "DELETE FROM webauthn_ceremonies WHERE session_key = $1 AND purpose = $2 \
            RETURNING state, started_at";
        let row: Option<(String, String)> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .bind(session_key)
            .bind(purpose)
            .fetch_optional(pool)
            .await
            .map_err(db("take ceremony"))?);
        row.map(|(state, at)| Ok((state, moment_of("webauthn_ceremonies", &at)?)))
            .transpose()
    }

    /// Stores a new enrolment code.
    pub async fn add_enrolment_code(&self, c: &EnrolmentCodeRecord) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO enrolment_codes \
            (sha256, official, issued_by, issued_at, expires_at, used_at) \
            VALUES ($1, $2, $3, $4, $5, $6)";
        let done = with_pool!(self, |pool| sqlx::query(SQL)
            .bind(&c.sha256)
            .bind(&c.official)
            .bind(&c.issued_by)
            .bind(moment_text(c.issued_at))
            .bind(moment_text(c.expires_at))
            .bind(c.used_at.map(moment_text))
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        match done {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Exists {
                what: "enrolment code",
                id: c.id().to_string(),
            }),
            Err(e) => Err(db("add enrolment code")(e)),
        }
    }

    /// An enrolment code by its hash.
    pub async fn enrolment_code(
        &self,
        sha256: &str,
    ) -> Result<Option<EnrolmentCodeRecord>, StoreError> {
        const SQL: &str = "SELECT sha256, official, issued_by, issued_at, expires_at, used_at \
            FROM enrolment_codes WHERE sha256 = $1";
        let row: Option<CodeRow> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .bind(sha256)
            .fetch_optional(pool)
            .await
            .map_err(db("read enrolment code"))?);
        row.map(|r| {
            Ok(EnrolmentCodeRecord {
                sha256: r.0,
                official: r.1,
                issued_by: r.2,
                issued_at: moment_of("enrolment_codes", &r.3)?,
                expires_at: moment_of("enrolment_codes", &r.4)?,
                used_at: r.5.map(|t| moment_of("enrolment_codes", &t)).transpose()?,
            })
        })
        .transpose()
    }

    /// Uses a code and stores the key it enrols, in one transaction.
    pub async fn enrol_security_key(
        &self,
        code_sha256: &str,
        at: OffsetDateTime,
        k: &SecurityKeyRecord,
    ) -> Result<bool, StoreError> {
        // Times are canonical text, so `expires_at > $3` compares moments.
        const USE: &str = "UPDATE enrolment_codes SET used_at = $1 \
            WHERE sha256 = $2 AND official = $3 AND used_at IS NULL AND expires_at > $1";
        let sql = format!(
            "INSERT INTO security_keys ({KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        );
        let done: Result<bool, sqlx::Error> = with_pool!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let used = sqlx::query(USE)
                .bind(moment_text(at))
                .bind(code_sha256)
                .bind(&k.official)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if used != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
            sqlx::query(&sql)
                .bind(&k.credential_id)
                .bind(&k.official)
                .bind(&k.credential)
                .bind(&k.rp_id)
                .bind(&k.origin)
                .bind(i64::from(k.sign_count))
                .bind(moment_text(k.enrolled_at))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        }
        .await);
        match done {
            Ok(b) => Ok(b),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Exists {
                what: "security key",
                id: k.credential_id.chars().take(16).collect(),
            }),
            Err(e) => Err(db("enrol security key")(e)),
        }
    }

    /// An official's security keys, oldest first.
    pub async fn security_keys(
        &self,
        official: &str,
    ) -> Result<Vec<SecurityKeyRecord>, StoreError> {
        let sql = format!(
            "SELECT {KEY_COLUMNS} FROM security_keys WHERE official = $1 \
             ORDER BY enrolled_at, credential_id"
        );
        let rows: Vec<KeyRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(official)
            .fetch_all(pool)
            .await
            .map_err(db("read security keys"))?);
        rows.into_iter().map(key_from_row).collect()
    }

    /// Raises a key's highest seen signature counter (never lowers it).
    pub async fn raise_sign_count(
        &self,
        credential_id: &str,
        count: u32,
    ) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE security_keys SET sign_count = $1 \
            WHERE credential_id = $2 AND sign_count < $1";
        let n = with_pool!(self, |pool| sqlx::query(SQL)
            .bind(i64::from(count))
            .bind(credential_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db("raise sign count"))?);
        Ok(n == 1)
    }
}
