//! Request records (nested lists as JSON columns) and each request's
//! append-only audit trail.

use crate::{
    date_of, db, from_json, moment_of, moment_text, to_json, with_pool, SqlStore, StoreError,
};
use vouch_core::timestamp::format_date;
use vouch_store::{AuditAction, AuditEvent, RequestRecord, RequestStatus};

type RequestRow = (
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

const REQUEST_COLUMNS: &str = "request_id, agency, letter_sha256, status, subject_count, \
    request_reasons, holds, approvals_required, approvals, policy_version, denial, \
    completed_at, disposition_certified, received_at, updated_at, subjects_sha256";

fn corrupt(why: &str) -> StoreError {
    StoreError::Corrupt {
        table: "requests",
        why: why.into(),
    }
}

fn request_from_row(r: RequestRow) -> Result<RequestRecord, StoreError> {
    let status = RequestStatus::parse(&r.3).ok_or_else(|| corrupt("unknown status"))?;
    let denial =
        r.10.as_deref()
            .map(|d| from_json("requests", d))
            .transpose()?;
    Ok(RequestRecord {
        request_id: r.0,
        agency: r.1,
        letter_sha256: r.2,
        subjects_sha256: r.15,
        status,
        subject_count: u64::try_from(r.4).map_err(|_| corrupt("negative subject count"))?,
        request_reasons: from_json("requests", &r.5)?,
        holds: from_json("requests", &r.6)?,
        approvals_required: u32::try_from(r.7)
            .map_err(|_| corrupt("approvals required out of range"))?,
        approvals: from_json("requests", &r.8)?,
        policy_version: r.9,
        denial,
        completed_at: r.11.map(|t| moment_of("requests", &t)).transpose()?,
        disposition_certified: r.12.map(|d| date_of("requests", &d)).transpose()?,
        received_at: moment_of("requests", &r.13)?,
        updated_at: moment_of("requests", &r.14)?,
    })
}

impl SqlStore {
    /// A request's record, if it was seen before.
    pub async fn request(&self, request_id: &str) -> Result<Option<RequestRecord>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE request_id = $1");
        let row: Option<RequestRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(request_id)
            .fetch_optional(pool)
            .await
            .map_err(db("read request"))?);
        row.map(request_from_row).transpose()
    }

    /// Every request's record, by time received then id (as the file store).
    pub async fn requests(&self) -> Result<Vec<RequestRecord>, StoreError> {
        let sql =
            format!("SELECT {REQUEST_COLUMNS} FROM requests ORDER BY received_at, request_id");
        let rows: Vec<RequestRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .fetch_all(pool)
            .await
            .map_err(db("read requests"))?);
        rows.into_iter().map(request_from_row).collect()
    }

    /// Writes (inserts or replaces) a request's record.
    pub async fn put_request(&self, record: &RequestRecord) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO requests (request_id, agency, letter_sha256, status, \
            subject_count, request_reasons, holds, approvals_required, approvals, \
            policy_version, denial, completed_at, disposition_certified, received_at, updated_at, \
            subjects_sha256) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
            ON CONFLICT (request_id) DO UPDATE SET agency = excluded.agency, \
            letter_sha256 = excluded.letter_sha256, status = excluded.status, \
            subject_count = excluded.subject_count, request_reasons = excluded.request_reasons, \
            holds = excluded.holds, approvals_required = excluded.approvals_required, \
            approvals = excluded.approvals, policy_version = excluded.policy_version, \
            denial = excluded.denial, completed_at = excluded.completed_at, \
            disposition_certified = excluded.disposition_certified, \
            received_at = excluded.received_at, updated_at = excluded.updated_at, \
            subjects_sha256 = excluded.subjects_sha256";
        let subjects = i64::try_from(record.subject_count).map_err(|_| StoreError::Invalid {
            field: "subject_count",
            why: "too large".into(),
        })?;
        let reasons = to_json("request_reasons", &record.request_reasons)?;
        let holds = to_json("holds", &record.holds)?;
        let approvals = to_json("approvals", &record.approvals)?;
        let denial = record
            .denial
            .as_ref()
            .map(|d| to_json("denial", d))
            .transpose()?;
        with_pool!(self, |pool| sqlx::query(SQL)
            .bind(&record.request_id)
            .bind(&record.agency)
            .bind(&record.letter_sha256)
            .bind(record.status.as_str())
            .bind(subjects)
            .bind(&reasons)
            .bind(&holds)
            .bind(i64::from(record.approvals_required))
            .bind(&approvals)
            .bind(&record.policy_version)
            .bind(&denial)
            .bind(record.completed_at.map(moment_text))
            .bind(record.disposition_certified.map(format_date))
            .bind(moment_text(record.received_at))
            .bind(moment_text(record.updated_at))
            .bind(&record.subjects_sha256)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db("write request"))?);
        Ok(())
    }

    /// Appends an event to a request's audit trail (durable on return).
    pub async fn audit(&self, request_id: &str, event: &AuditEvent) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO audit_events (request_id, at, actor, action, detail) \
            VALUES ($1, $2, $3, $4, $5)";
        with_pool!(self, |pool| sqlx::query(SQL)
            .bind(request_id)
            .bind(moment_text(event.at))
            .bind(&event.actor)
            .bind(event.action.as_str())
            .bind(&event.detail)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db("append audit event"))?);
        Ok(())
    }

    /// A request's audit trail, oldest first.
    pub async fn audit_trail(&self, request_id: &str) -> Result<Vec<AuditEvent>, StoreError> {
        const SQL: &str = "SELECT at, actor, action, detail FROM audit_events \
            WHERE request_id = $1 ORDER BY seq";
        let rows: Vec<(String, String, String, String)> =
            with_pool!(self, |pool| sqlx::query_as(SQL)
                .bind(request_id)
                .fetch_all(pool)
                .await
                .map_err(db("read audit trail"))?);
        events("audit_events", rows)
    }
}

/// Audit events from `(at, actor, action, detail)` rows of `table`.
pub(crate) fn events(
    table: &'static str,
    rows: Vec<(String, String, String, String)>,
) -> Result<Vec<AuditEvent>, StoreError> {
    rows.into_iter()
        .map(|(at, actor, action, detail)| {
            Ok(AuditEvent {
                at: moment_of(table, &at)?,
                actor,
                action: AuditAction::parse(&action).ok_or(StoreError::Corrupt {
                    table,
                    why: "unknown audit action".into(),
                })?,
                detail,
            })
        })
        .collect()
}
