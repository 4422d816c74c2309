//! The registry: requesting agencies (with their safeguards records) and
//! officials (with their roles and signing keys).

use crate::{checked_id, Acting, Admin, App, AppError, Proposal};
use time::Date;
use vouch_store::{AgencyRecord, AuditAction, Finding, OfficialRecord, Role, StoreError};

/// Who changes the registry: an administrator (API, console), or the
/// operator at the command line of the machine that holds the state (who
/// could change the state store directly anyway).
#[derive(Debug, Clone)]
pub enum Registrar {
    /// An authenticated administrator.
    Admin(Acting<Admin>),
    /// The command line, on the machine that holds the state.
    Operator,
}

impl Registrar {
    /// The actor the audit trail names.
    pub fn actor(&self) -> &str {
        match self {
            Registrar::Admin(a) => a.id(),
            Registrar::Operator => "operator",
        }
    }
}

/// An official to register.
#[derive(Debug, Clone)]
pub struct NewOfficial {
    /// Registry id.
    pub id: String,
    /// The agency the official acts for.
    pub agency: String,
    /// The role, which must fit the agency.
    pub role: Role,
    /// The raw Ed25519 public key (a signer needs one).
    pub public_key: Option<[u8; 32]>,
}

fn exists_or_missing(e: StoreError) -> AppError {
    match e {
        StoreError::Exists {
            what: "official", ..
        } => AppError::Conflict("this official is already registered"),
        StoreError::Exists { .. } => AppError::Conflict("this agency is already registered"),
        StoreError::NotFound { id, .. } => AppError::NotFound { what: "agency", id },
        other => other.into(),
    }
}

impl App<'_> {
    /// Registers a requesting agency with the approval date of its
    /// Safeguard Security Report.
    pub fn register_agency(
        &self,
        by: &Registrar,
        id: &str,
        ssr_approved: Date,
        ai_notifications: Vec<String>,
    ) -> Result<AgencyRecord, AppError> {
        checked_id("id", id)?;
        if id == vouch_core::HOME_AGENCY {
            return Err(AppError::Invalid {
                field: "id",
                why: "the tax agency is not a requesting agency".into(),
            });
        }
        for n in &ai_notifications {
            checked_id("ai_notification", n)?;
        }
        let record = AgencyRecord {
            id: id.into(),
            ssr_approved,
            ai_notifications,
            findings: Vec::new(),
            registered_at: self.now(),
        };
        self.store
            .add_agency(record.clone())
            .map_err(exists_or_missing)?;
        self.service_audit(
            by.actor(),
            AuditAction::AgencyRegistered,
            format!("agency {id}"),
        )?;
        Ok(record)
    }

    fn change_agency(
        &self,
        by: &Registrar,
        agency: &str,
        what: String,
        change: impl FnOnce(&mut AgencyRecord) -> Result<(), AppError>,
    ) -> Result<(), AppError> {
        let _writer = self.store.writer_lock()?;
        let mut a = self
            .store
            .agency(agency)?
            .ok_or_else(|| AppError::NotFound {
                what: "agency",
                id: agency.into(),
            })?;
        change(&mut a)?;
        self.store.update_agency(a)?;
        self.service_audit(
            by.actor(),
            AuditAction::AgencyChanged,
            format!("agency {agency}: {what}"),
        )
    }

    /// Records an AI-use notification on file for an agency.
    pub fn record_ai_notification(
        &self,
        by: &Registrar,
        agency: &str,
        id: &str,
    ) -> Result<(), AppError> {
        checked_id("id", id)?;
        self.change_agency(by, agency, format!("AI-use notification {id}"), |a| {
            if !a.ai_notifications.iter().any(|n| n == id) {
                a.ai_notifications.push(id.into());
            }
            Ok(())
        })
    }

    /// Records a safeguards finding against an agency, or its corrective
    /// action plan or closure (a new finding needs its opening date).
    pub fn record_finding(
        &self,
        by: &Registrar,
        agency: &str,
        id: &str,
        opened: Option<Date>,
        plan: Option<String>,
        closed: Option<Date>,
    ) -> Result<(), AppError> {
        checked_id("id", id)?;
        let plan = plan.map(|p| crate::checked_text("plan", &p)).transpose()?;
        self.change_agency(by, agency, format!("finding {id}"), |a| {
            match a.findings.iter_mut().find(|f| f.id == id) {
                Some(f) => {
                    f.plan = plan.or(f.plan.take());
                    f.closed = closed.or(f.closed.take());
                }
                None => {
                    let opened = opened.ok_or(AppError::Invalid {
                        field: "opened",
                        why: "a new finding needs its opening date".into(),
                    })?;
                    a.findings.push(Finding {
                        id: id.into(),
                        opened,
                        plan,
                        closed,
                    });
                }
            }
            Ok(())
        })
    }

    /// Registers an official while the registry is not sealed (a
    /// founding registration, by one person, logged in the ledger): the
    /// role must fit the agency (the tax agency's roles only at the tax
    /// agency), the agency must be registered, and a signer or disclosure
    /// officer needs a valid Ed25519 key. Once two administrators with
    /// keys are registered, this is refused: propose the official
    /// ([`App::propose`]) and have a second administrator confirm.
    pub fn register_official(
        &self,
        by: &Registrar,
        new: NewOfficial,
    ) -> Result<OfficialRecord, AppError> {
        self.checked_official(&new)?;
        let change = self.found(by.actor(), &Proposal::Official(new.clone()))?;
        self.store.official(&new.id)?.ok_or(AppError::NotFound {
            what: "official",
            id: change.id,
        })
    }
}

/// A requesting agency with its signer and recipients, and the tax
/// agency's disclosure officers: what a new installation (or a demo, or a
/// test) registers first.
#[derive(Debug, Clone)]
pub struct Parties<'a> {
    /// The requesting agency.
    pub agency: &'a str,
    /// When its Safeguard Security Report was approved.
    pub ssr_approved: Date,
    /// The agency's signer.
    pub signer: &'a str,
    /// The signer's raw Ed25519 public key.
    pub signer_key: [u8; 32],
    /// The agency's recipients.
    pub recipients: &'a [&'a str],
    /// The tax agency's disclosure officers, each with the raw Ed25519
    /// public key their decisions are signed with.
    pub officers: &'a [(&'a str, [u8; 32])],
}

impl App<'_> {
    /// Registers `parties`, each through the same rules as any registration.
    pub fn register_parties(&self, by: &Registrar, parties: &Parties<'_>) -> Result<(), AppError> {
        self.register_agency(by, parties.agency, parties.ssr_approved, Vec::new())?;
        let official = |id: &str, agency: &str, role, public_key| NewOfficial {
            id: id.into(),
            agency: agency.into(),
            role,
            public_key,
        };
        let signer = official(
            parties.signer,
            parties.agency,
            Role::Signer,
            Some(parties.signer_key),
        );
        self.register_official(by, signer)?;
        for r in parties.recipients {
            self.register_official(by, official(r, parties.agency, Role::Recipient, None))?;
        }
        for (o, key) in parties.officers {
            let o = official(
                o,
                vouch_core::HOME_AGENCY,
                Role::DisclosureOfficer,
                Some(*key),
            );
            self.register_official(by, o)?;
        }
        Ok(())
    }
}
