//! Request documents (an upload's files, a written response, a request's
//! checks and explanations), kept in parts of at most [`PART_BYTES`] so that
//! a document of gigabytes never has to be one row or one allocation.
//!
//! A document is written part by part under a fresh random version, then
//! made current in one transaction that also drops the parts of the version
//! it replaces: a reader sees the old document or the new one, whole, and a
//! writer that crashes leaves only unreferenced parts, which are never read.
//! A reader checks that every part is there and the lengths add up.

use crate::{db, with_pool, SqlStore, StoreError};

/// The largest part of a document, in bytes.
pub const PART_BYTES: usize = 4 << 20;

/// A document's current version, its number of parts and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentHead {
    /// The version (random, chosen by its writer).
    pub version: i64,
    /// Parts, numbered from 0.
    pub parts: i64,
    /// Bytes in all.
    pub bytes_total: i64,
}

fn corrupt(why: String) -> StoreError {
    StoreError::Corrupt {
        table: "request_document_parts",
        why,
    }
}

impl SqlStore {
    /// Writes one part of a document's version (not yet current).
    pub async fn put_document_part(
        &self,
        request_id: &str,
        name: &str,
        version: i64,
        part: i64,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        if bytes.len() > PART_BYTES {
            return Err(StoreError::Invalid {
                field: "bytes",
                why: format!("a document part is at most {PART_BYTES} bytes"),
            });
        }
        const SQL: &str = "INSERT INTO request_document_parts \
            (request_id, name, version, part, bytes) VALUES ($1, $2, $3, $4, $5)";
        with_pool!(self, |pool| sqlx::query(SQL)
            .bind(request_id)
            .bind(name)
            .bind(version)
            .bind(part)
            .bind(bytes)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db("write request document"))?);
        Ok(())
    }

    /// Makes `head` the document's current version, in one transaction
    /// that drops the parts of every other version (the one it replaces).
    pub async fn commit_document(
        &self,
        request_id: &str,
        name: &str,
        head: DocumentHead,
    ) -> Result<(), StoreError> {
        const SET: &str = "INSERT INTO request_documents \
            (request_id, name, version, parts, bytes_total) VALUES ($1, $2, $3, $4, $5) \
            ON CONFLICT (request_id, name) DO UPDATE SET version = excluded.version, \
            parts = excluded.parts, bytes_total = excluded.bytes_total";
        // Every other version's parts go: the one replaced, and any left by
        // an upload that never committed. The transaction writes first, so
        // on SQLite it takes the write lock at once (waiting out a busy
        // database) instead of upgrading a read snapshot, which fails with
        // "database is locked" when another connection wrote meanwhile.
        const DROP: &str = "DELETE FROM request_document_parts \
            WHERE request_id = $1 AND name = $2 AND version <> $3";
        let op = "write request document";
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db(op))?;
            sqlx::query(SET)
                .bind(request_id)
                .bind(name)
                .bind(head.version)
                .bind(head.parts)
                .bind(head.bytes_total)
                .execute(&mut *tx)
                .await
                .map_err(db(op))?;
            sqlx::query(DROP)
                .bind(request_id)
                .bind(name)
                .bind(head.version)
                .execute(&mut *tx)
                .await
                .map_err(db(op))?;
            tx.commit().await.map_err(db(op))?;
        });
        Ok(())
    }

    /// Deletes a request's document, every version of it, in one
    /// transaction; true when there was one.
    pub async fn delete_document(&self, request_id: &str, name: &str) -> Result<bool, StoreError> {
        const HEAD: &str = "DELETE FROM request_documents WHERE request_id = $1 AND name = $2";
        const PARTS: &str =
            "DELETE FROM request_document_parts WHERE request_id = $1 AND name = $2";
        let op = "delete request document";
        let deleted = with_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db(op))?;
            let n = sqlx::query(HEAD)
                .bind(request_id)
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(db(op))?
                .rows_affected();
            sqlx::query(PARTS)
                .bind(request_id)
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(db(op))?;
            tx.commit().await.map_err(db(op))?;
            n
        });
        Ok(deleted > 0)
    }

    /// Drops the parts of a version that will not be made current (a
    /// writer that gave up).
    pub async fn drop_document_version(
        &self,
        request_id: &str,
        name: &str,
        version: i64,
    ) -> Result<(), StoreError> {
        const SQL: &str = "DELETE FROM request_document_parts \
            WHERE request_id = $1 AND name = $2 AND version = $3";
        with_pool!(self, |pool| sqlx::query(SQL)
            .bind(request_id)
            .bind(name)
            .bind(version)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db("drop request document"))?);
        Ok(())
    }

    /// A document's current version, if it has one.
    pub async fn document_head(
        &self,
        request_id: &str,
        name: &str,
    ) -> Result<Option<DocumentHead>, StoreError> {
        const SQL: &str = "SELECT version, parts, bytes_total FROM request_documents \
            WHERE request_id = $1 AND name = $2";
        let row: Option<(i64, i64, i64)> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .bind(request_id)
            .bind(name)
            .fetch_optional(pool)
            .await
            .map_err(db("read request document"))?);
        Ok(row.map(|(version, parts, bytes_total)| DocumentHead {
            version,
            parts,
            bytes_total,
        }))
    }

    /// One part of a document's version; a missing part is corruption.
    pub async fn document_part(
        &self,
        request_id: &str,
        name: &str,
        version: i64,
        part: i64,
    ) -> Result<Vec<u8>, StoreError> {
        const SQL: &str = "SELECT bytes FROM request_document_parts \
            WHERE request_id = $1 AND name = $2 AND version = $3 AND part = $4";
        let row: Option<(Vec<u8>,)> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .bind(request_id)
            .bind(name)
            .bind(version)
            .bind(part)
            .fetch_optional(pool)
            .await
            .map_err(db("read request document"))?);
        row.map(|(b,)| b)
            .ok_or_else(|| corrupt(format!("request {request_id}: {name}: part {part} missing")))
    }
}
