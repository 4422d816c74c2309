//! The registry: agencies (with findings and AI notifications as JSON
//! columns) and officials. Duplicate ids are refused by the unique keys, so
//! two nodes registering the same id at once cannot both succeed.

use crate::{
    date_of, db, from_json, is_unique_violation, moment_of, moment_text, to_json, with_pool,
    SqlStore, StoreError,
};
use vouch_core::timestamp::format_date;
use vouch_store::{AgencyRecord, OfficialRecord, Role, HOME_AGENCY};

type AgencyRow = (String, String, String, String, String);
type OfficialRow = (String, String, String, Option<String>, String);

const AGENCY_COLUMNS: &str = "id, ssr_approved, ai_notifications, findings, registered_at";
const OFFICIAL_COLUMNS: &str = "id, agency, role, public_key, registered_at";

fn agency_from_row(r: AgencyRow) -> Result<AgencyRecord, StoreError> {
    Ok(AgencyRecord {
        id: r.0,
        ssr_approved: date_of("agencies", &r.1)?,
        ai_notifications: from_json("agencies", &r.2)?,
        findings: from_json("agencies", &r.3)?,
        registered_at: moment_of("agencies", &r.4)?,
    })
}

fn official_from_row(r: OfficialRow) -> Result<OfficialRecord, StoreError> {
    let role = Role::parse(&r.2).ok_or_else(|| StoreError::Corrupt {
        table: "officials",
        why: "unknown role".into(),
    })?;
    Ok(OfficialRecord {
        id: r.0,
        agency: r.1,
        role,
        public_key: r.3,
        registered_at: moment_of("officials", &r.4)?,
    })
}

impl SqlStore {
    /// Registers an agency.
    pub async fn add_agency(&self, agency: AgencyRecord) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO agencies \
            (id, ssr_approved, ai_notifications, findings, registered_at) \
            VALUES ($1, $2, $3, $4, $5)";
        let notes = to_json("ai_notifications", &agency.ai_notifications)?;
        let findings = to_json("findings", &agency.findings)?;
        let done = with_pool!(self, |pool| sqlx::query(SQL)
            .bind(&agency.id)
            .bind(format_date(agency.ssr_approved))
            .bind(&notes)
            .bind(&findings)
            .bind(moment_text(agency.registered_at))
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        match done {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Exists {
                what: "agency",
                id: agency.id,
            }),
            Err(e) => Err(db("add agency")(e)),
        }
    }

    /// Replaces a registered agency's record.
    pub async fn update_agency(&self, agency: AgencyRecord) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE agencies SET ssr_approved = $2, ai_notifications = $3, \
            findings = $4, registered_at = $5 WHERE id = $1";
        let notes = to_json("ai_notifications", &agency.ai_notifications)?;
        let findings = to_json("findings", &agency.findings)?;
        let changed = with_pool!(self, |pool| sqlx::query(SQL)
            .bind(&agency.id)
            .bind(format_date(agency.ssr_approved))
            .bind(&notes)
            .bind(&findings)
            .bind(moment_text(agency.registered_at))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db("update agency"))?);
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "agency",
                id: agency.id,
            });
        }
        Ok(())
    }

    /// Looks an agency up.
    pub async fn agency(&self, id: &str) -> Result<Option<AgencyRecord>, StoreError> {
        let sql = format!("SELECT {AGENCY_COLUMNS} FROM agencies WHERE id = $1");
        let row: Option<AgencyRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(db("read agency"))?);
        row.map(agency_from_row).transpose()
    }

    /// Every agency, in registration order.
    pub async fn agencies(&self) -> Result<Vec<AgencyRecord>, StoreError> {
        let sql = format!("SELECT {AGENCY_COLUMNS} FROM agencies ORDER BY seq");
        let rows: Vec<AgencyRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .fetch_all(pool)
            .await
            .map_err(db("read agencies"))?);
        rows.into_iter().map(agency_from_row).collect()
    }

    /// Registers an official (the agency must be registered, or be the tax
    /// agency). Whether the role fits the agency is the application layer's
    /// rule, not the store's.
    pub async fn add_official(&self, official: OfficialRecord) -> Result<(), StoreError> {
        if self.official(&official.id).await?.is_some() {
            return Err(StoreError::Exists {
                what: "official",
                id: official.id,
            });
        }
        let home = official.agency == HOME_AGENCY;
        if !home && self.agency(&official.agency).await?.is_none() {
            return Err(StoreError::NotFound {
                what: "agency",
                id: official.agency,
            });
        }
        // The insert re-checks the agency in the same statement, so an
        // agency cannot vanish in between, and the unique key settles a race
        // of two nodes registering one id; SQLite never upgrades a read lock.
        const SQL: &str = "INSERT INTO officials \
            (id, agency, role, public_key, registered_at) \
            SELECT $1, $2, $3, $4, $5 \
            WHERE $6 OR EXISTS (SELECT 1 FROM agencies WHERE id = $2)";
        let done = with_pool!(self, |pool| sqlx::query(SQL)
            .bind(&official.id)
            .bind(&official.agency)
            .bind(official.role.as_str())
            .bind(&official.public_key)
            .bind(moment_text(official.registered_at))
            .bind(home)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        let inserted = match done {
            Ok(n) => n,
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Exists {
                    what: "official",
                    id: official.id,
                })
            }
            Err(e) => return Err(db("add official")(e)),
        };
        if inserted == 0 {
            return Err(StoreError::NotFound {
                what: "agency",
                id: official.agency,
            });
        }
        Ok(())
    }

    /// Looks an official up.
    pub async fn official(&self, id: &str) -> Result<Option<OfficialRecord>, StoreError> {
        let sql = format!("SELECT {OFFICIAL_COLUMNS} FROM officials WHERE id = $1");
        let row: Option<OfficialRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(db("read official"))?);
        row.map(official_from_row).transpose()
    }

    /// Every official, in registration order.
    pub async fn officials(&self) -> Result<Vec<OfficialRecord>, StoreError> {
        let sql = format!("SELECT {OFFICIAL_COLUMNS} FROM officials ORDER BY seq");
        let rows: Vec<OfficialRow> = with_pool!(self, |pool| sqlx::query_as(&sql)
            .fetch_all(pool)
            .await
            .map_err(db("read officials"))?);
        rows.into_iter().map(official_from_row).collect()
    }
}

impl SqlStore {
    /// Records a registry change, or replaces its record (its confirmation).
    pub async fn put_registry_change(
        &self,
        change: &vouch_store::RegistryChange,
    ) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO registry_changes (id, record) VALUES ($1, $2) \
            ON CONFLICT (id) DO UPDATE SET record = excluded.record";
        let record = to_json("registry change", change)?;
        with_pool!(self, |pool| sqlx::query(SQL)
            .bind(&change.id)
            .bind(&record)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db("record registry change"))?);
        Ok(())
    }

    /// Every registry change, in the order they were proposed.
    pub async fn registry_changes(&self) -> Result<Vec<vouch_store::RegistryChange>, StoreError> {
        const SQL: &str = "SELECT id, record FROM registry_changes ORDER BY seq";
        let rows: Vec<(String, String)> = with_pool!(self, |pool| sqlx::query_as(SQL)
            .fetch_all(pool)
            .await
            .map_err(db("read registry changes"))?);
        rows.into_iter()
            .map(|(id, record)| {
                let c: vouch_store::RegistryChange = from_json("registry_changes", &record)?;
                if c.id != id {
                    return Err(StoreError::Corrupt {
                        table: "registry_changes",
                        why: "a record's id differs from its row's".into(),
                    });
                }
                Ok(c)
            })
            .collect()
    }
}
