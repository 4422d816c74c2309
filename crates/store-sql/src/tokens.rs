//! API tokens (SHA-256 hashes only, with expiry and revocation) and the
//! service's own audit trail (registry and token changes).

use crate::{db, is_unique_violation, moment_of, moment_text, with_pool, SqlStore, StoreError};
use time::OffsetDateTime;
use vouch_store::{AuditEvent, OfficialRecord, Role, TokenRecord};

type TokenRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn token_from_row(r: TokenRow) -> Result<TokenRecord, StoreError> {
    let moment = |t: Option<String>| t.map(|t| moment_of("api_tokens", &t)).transpose();
    Ok(TokenRecord {
        sha256: r.0,
        official: r.1,
        issued_at: moment_of("api_tokens", &r.2)?,
        issued_by: r.3,
        expires_at: moment(r.4)?,
        revoked_at: moment(r.5)?,
    })
}

const TOKEN_COLUMNS: &str = "sha256, official, issued_at, issued_by, expires_at, revoked_at";

impl SqlStore {
    /// Stores a new token.
    pub async fn add_token(&self, t: &TokenRecord) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO api_tokens \
            (sha256, official, issued_at, issued_by, expires_at, revoked_at) \
            VALUES ($1, $2, $3, $4, $5, $6)";
        let done = with_pool!(self, |pool| sqlx::query(SQL)
            .bind(&t.sha256)
            .bind(&t.official)
            .bind(moment_text(t.issued_at))
            .bind(&t.issued_by)
            .bind(t.expires_at.map(moment_text))
            .bind(t.revoked_at.map(moment_text))
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        match done {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Exists {
                what: "token",
                id: t.id().to_string(),
            }),
            Err(e) => Err(db("add token")(e)),
        }
    }

    /// A token by the hex SHA-256 of its bytes.
    pub async fn token(&self, sha256: &str) -> Result<Option<TokenRecord>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE sha256 = $1");
        let row: Option<TokenRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(sha256)
            .fetch_optional(pool)
            .await
            .map_err(db("read token"))?);
        row.map(token_from_row).transpose()
    }

    /// A token and the official it names, in one query.
    pub async fn token_and_official(
        &self,
        sha256: &str,
    ) -> Result<Option<(TokenRecord, Option<OfficialRecord>)>, StoreError> {
        const SQL: &str = "SELECT t.sha256, t.official, t.issued_at, t.issued_by, t.expires_at, \
            t.revoked_at, o.agency, o.role, o.public_key, o.registered_at \
            FROM api_tokens t LEFT JOIN officials o ON o.id = t.official WHERE t.sha256 = $1";
        type Row = (
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .bind(sha256)
            .fetch_optional(pool)
            .await
            .map_err(db("read token"))?);
        let Some(r) = row else { return Ok(None) };
        let official = match (r.6, r.7, r.9) {
            (Some(agency), Some(role), Some(registered_at)) => Some(OfficialRecord {
                id: r.1.clone(),
                agency,
                role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
                    table: "officials",
                    why: "unknown role".into(),
                })?,
                public_key: r.8,
                registered_at: moment_of("officials", &registered_at)?,
            }),
            _ => None,
        };
        let token = token_from_row((r.0, r.1, r.2, r.3, r.4, r.5))?;
        Ok(Some((token, official)))
    }

    /// Every token, oldest first.
    pub async fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY seq");
        let rows: Vec<TokenRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .fetch_all(pool)
            .await
            .map_err(db("read tokens"))?);
        rows.into_iter().map(token_from_row).collect()
    }

    /// Revokes the unrevoked token whose id (first 16 hex digits of its
    /// hash) is `id`; false when there is none.
    pub async fn revoke_token(&self, id: &str, at: OffsetDateTime) -> Result<bool, StoreError> {
        if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(false);
        }
        const SQL: &str = "UPDATE api_tokens SET revoked_at = $1 \
            WHERE substr(sha256, 1, 16) = $2 AND revoked_at IS NULL";
        let n = with_pool!(self, |pool| sqlx::query(SQL)
            .bind(moment_text(at))
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db("revoke token"))?);
        Ok(n > 0)
    }

    /// Appends to the service's audit trail (durable on return).
    pub async fn service_audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        const SQL: &str =
            "INSERT INTO service_audit (at, actor, action, detail) VALUES ($1, $2, $3, $4)";
        with_pool!(self, |pool| sqlx::query(SQL)
            .bind(moment_text(event.at))
            .bind(&event.actor)
            .bind(event.action.as_str())
            .bind(&event.detail)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db("append service audit event"))?);
        Ok(())
    }

    /// The service's audit trail, oldest first.
    pub async fn service_audit_trail(&self) -> Result<Vec<AuditEvent>, StoreError> {
        const SQL: &str = "SELECT at, actor, action, detail FROM service_audit ORDER BY seq";
        let rows: Vec<(String, String, String, String)> =
            with_pool!(self, |pool| sqlx::query_as(SQL)
                .fetch_all(pool)
                .await
                .map_err(db("read service audit trail"))?);
        crate::requests::events("service_audit", rows)
    }
}
