//! Console sessions, shared by every node of the store.

use crate::{db, moment_of, moment_text, with_pool, SqlStore, StoreError};
use time::OffsetDateTime;
use vouch_store::SessionRecord;

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

impl SqlStore {
    /// Stores a new session and drops those started before `expired_before`.
    pub async fn put_session(
        &self,
        s: &SessionRecord,
        expired_before: OffsetDateTime,
    ) -> Result<(), StoreError> {
        const PURGE: &str = "DELETE FROM console_sessions WHERE started_at < $1";
        const SQL: &str = "INSERT INTO console_sessions \
            (session_key, official, token_sha256, csrf, started_at, seen_at, second_factor_at) \
            VALUES ($1, $2, $3, $4, $5, $6, $7)";
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db("store session"))?;
            sqlx::query(PURGE)
                .bind(moment_text(expired_before))
                .execute(&mut *tx)
                .await
                .map_err(db("store session"))?;
            sqlx::query(SQL)
                .bind(&s.key)
                .bind(&s.official)
                .bind(&s.token_sha256)
                .bind(&s.csrf)
                .bind(moment_text(s.started_at))
                .bind(moment_text(s.seen_at))
                .bind(s.second_factor_at.map(moment_text))
                .execute(&mut *tx)
                .await
                .map_err(db("store session"))?;
            tx.commit().await.map_err(db("store session"))?;
        });
        Ok(())
    }

    /// A session by the SHA-256 of its cookie.
    pub async fn session(&self, key: &str) -> Result<Option<SessionRecord>, StoreError> {
        const SQL: &str = "SELECT session_key, official, token_sha256, csrf, started_at, seen_at, \
            second_factor_at FROM console_sessions WHERE session_key = $1";
        let row: Option<Row> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .bind(key)
            .fetch_optional(pool)
            .await
            .map_err(db("read session"))?);
        row.map(|r| {
            Ok(SessionRecord {
                key: r.0,
                official: r.1,
                token_sha256: r.2,
                csrf: r.3,
                started_at: moment_of("console_sessions", &r.4)?,
                seen_at: moment_of("console_sessions", &r.5)?,
                second_factor_at: r.6.map(|t| moment_of("console_sessions", &t)).transpose()?,
            })
        })
        .transpose()
    }

    /// Records that a session served a page.
    pub async fn touch_session(
        &self,
        key: &str,
        seen_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE console_sessions SET seen_at = $1 WHERE session_key = $2";
        with_pool!(self, |pool| sqlx::query(SQL)
            .bind(moment_text(seen_at))
            .bind(key)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db("touch session"))?);
        Ok(())
    }

    /// Records that a session completed its second factor.
    pub async fn set_session_second_factor(
        &self,
        key: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        const SQL: &str =
            "UPDATE console_sessions SET second_factor_at = $1 WHERE session_key = $2";
        with_pool!(self, |pool| sqlx::query(SQL)
            .bind(moment_text(at))
            .bind(key)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db("second factor"))?);
        Ok(())
    }

    /// Ends a session.
    pub async fn delete_session(&self, key: &str) -> Result<(), StoreError> {
        const SQL: &str = "DELETE FROM console_sessions WHERE session_key = $1";
        const CEREMONIES: &str = "DELETE FROM webauthn_ceremonies WHERE session_key = $1";
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db("end session"))?;
            for sql in [SQL, CEREMONIES] {
                sqlx::query(sql)
                    .bind(key)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("end session"))?;
            }
            tx.commit().await.map_err(db("end session"))?;
        });
        Ok(())
    }
}
