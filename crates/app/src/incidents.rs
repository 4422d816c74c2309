//! Incidents (issue 17, Publication 1075): an unauthorised disclosure or
//! access, or a loss, must be reported to the Treasury Inspector General
//! for Tax Administration and the IRS Office of Safeguards immediately and
//! no later than 24 hours after discovery, with no federal tax information
//! in the report. An incident is opened with the moment it was discovered,
//! reported (the report is made then, from ids, times and counts only:
//! never a name, address, TIN or date of birth) and closed with the
//! corrective steps taken; each step is audited. Incidents are kept as
//! documents of the state store (`incidents/<id>`, with an index), so both
//! backends hold them and every node sees them.

use crate::{Acting, App, AppError, TaxAgencyStaff};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use vouch_core::{Outcome, OutcomeCounts};
use vouch_store::AuditAction;

/// Where incidents are kept among the store's documents.
pub const INCIDENTS: &str = "incidents";
const INDEX: &str = "index.json";
/// How long after discovery an incident must be reported.
pub const REPORT_WITHIN: Duration = Duration::hours(24);
/// Most requests one incident names.
pub const INCIDENT_REQUESTS_MAX: usize = 10_000;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncidentKind {
    /// Federal tax information went to someone not entitled to it.
    UnauthorizedDisclosure,
    /// Someone not entitled to it looked at federal tax information.
    UnauthorizedAccess,
    /// Federal tax information was lost (a device, a file, a transmission).
    Loss,
}

impl IncidentKind {
    /// Parses `unauthorized-disclosure`, `unauthorized-access` or `loss`.
    pub fn parse(s: &str) -> Option<IncidentKind> {
        match s {
            "unauthorized-disclosure" => Some(IncidentKind::UnauthorizedDisclosure),
            "unauthorized-access" => Some(IncidentKind::UnauthorizedAccess),
            "loss" => Some(IncidentKind::Loss),
            _ => None,
        }
    }
    /// Its spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::UnauthorizedDisclosure => "unauthorized-disclosure",
            IncidentKind::UnauthorizedAccess => "unauthorized-access",
            IncidentKind::Loss => "loss",
        }
    }
}

/// An incident as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// Its id (`INC-` and 12 hex digits).
    pub id: String,
    /// What happened.
    pub kind: IncidentKind,
    /// When it was discovered (the 24-hour clock starts here).
    #[serde(with = "vouch_core::timestamp::moment")]
    pub discovered_at: OffsetDateTime,
    /// When it was opened here, and by whom.
    #[serde(with = "vouch_core::timestamp::moment")]
    pub opened_at: OffsetDateTime,
    /// The official who opened it.
    pub opened_by: String,
    /// What happened, in words (checked to carry no TIN, date or number).
    pub summary: String,
    /// The requests whose disclosures it concerns.
    pub requests: Vec<String>,
    /// When it was reported, and by whom.
    #[serde(with = "vouch_core::timestamp::moment_opt", default)]
    pub reported_at: Option<OffsetDateTime>,
    /// The official who reported it.
    #[serde(default)]
    pub reported_by: Option<String>,
    /// When it was closed, and by whom.
    #[serde(with = "vouch_core::timestamp::moment_opt", default)]
    pub closed_at: Option<OffsetDateTime>,
    /// The official who closed it.
    #[serde(default)]
    pub closed_by: Option<String>,
    /// The corrective steps taken.
    #[serde(default)]
    pub corrective: Vec<String>,
}

impl Incident {
    /// The moment by which it must be reported.
    pub fn deadline(&self) -> OffsetDateTime {
        self.discovered_at + REPORT_WITHIN
    }
    /// Not reported, and past its deadline at `now`.
    pub fn overdue(&self, now: OffsetDateTime) -> bool {
        self.reported_at.is_none() && now > self.deadline()
    }
    /// Still open (not closed).
    pub fn open(&self) -> bool {
        self.closed_at.is_none()
    }
}

/// One affected request, as the report gives it: ids, times, counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AffectedRequest {
    /// The request.
    pub request_id: String,
    /// The requesting agency.
    pub agency: String,
    /// When it was received.
    #[serde(with = "vouch_core::timestamp::moment")]
    pub received_at: OffsetDateTime,
    /// Its status.
    pub status: String,
    /// Records per data element disclosed or asked about.
    pub records: RecordCounts,
    /// The recipients the letter named (registry ids).
    pub recipients: Vec<String>,
}

/// Record counts per data element (counts only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct RecordCounts {
    /// Subjects the requester asked about.
    pub subjects: u64,
    /// Address confirmations disclosed (CONFIRMED: one bit each, that a
    /// taxpayer of the name asked filed from the address asked).
    pub address_confirmations: u64,
    /// NOT_CONFIRMED answers (they disclose that no confirmation was given).
    pub not_confirmed: u64,
    /// Subjects rejected before any lookup (nothing disclosed).
    pub rejected: u64,
}

/// The report for the inspector general and the Office of Safeguards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentReport {
    /// The incident.
    pub incident: Incident,
    /// Its deadline (discovery + 24 hours).
    #[serde(with = "vouch_core::timestamp::moment")]
    pub deadline: OffsetDateTime,
    /// Whether it was reported by the deadline.
    pub reported_on_time: bool,
    /// The requests it concerns, with their counts.
    pub affected: Vec<AffectedRequest>,
    /// The records over every affected request.
    pub totals: RecordCounts,
    /// Every recipient named by an affected request.
    pub recipients: Vec<String>,
}

/// A summary an incident may carry: text, and no run of five or more
/// digits (a TIN, a ZIP, a house number) nor a date (a date of birth):
/// the report goes outside the agency and must carry no federal tax
/// information. Names and addresses cannot be told from words: the form
/// says so, and the report shows the summary to the official first.
fn checked_summary(text: &str) -> Result<String, AppError> {
    let t = crate::checked_text("summary", text)?;
    let mut run = 0;
    for b in t.bytes() {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 5 {
            return Err(AppError::Invalid {
                field: "summary",
                why: "no numbers of five digits or more (a TIN, a ZIP, a house number): the report must carry no federal tax information".into(),
            });
        }
    }
    let dateish = t.as_bytes().windows(10).any(|w| {
        w.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => matches!(b, b'-' | b'/'),
            _ => b.is_ascii_digit(),
        })
    });
    if dateish {
        return Err(AppError::Invalid {
            field: "summary",
            why: "no dates (a date of birth): give times as --discovered".into(),
        });
    }
    Ok(t)
}

impl App<'_> {
    fn incident_ids(&self) -> Result<Vec<String>, AppError> {
        Ok(match self.store.request_blob(INCIDENTS, INDEX)? {
            Some(b) => serde_json::from_slice(&b).map_err(|e| corrupt(e.to_string()))?,
            None => Vec::new(),
        })
    }

    /// An incident by id.
    pub fn incident(&self, id: &str) -> Result<Incident, AppError> {
        let bytes = self
            .store
            .request_blob(INCIDENTS, id)?
            .ok_or_else(|| AppError::NotFound {
                what: "incident",
                id: id.into(),
            })?;
        serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))
    }

    /// Every incident, oldest first.
    pub fn incidents(&self) -> Result<Vec<Incident>, AppError> {
        self.incident_ids()?
            .iter()
            .map(|id| self.incident(id))
            .collect()
    }

    fn put_incident(&self, i: &Incident) -> Result<(), AppError> {
        let bytes = serde_json::to_vec_pretty(i).map_err(|e| corrupt(e.to_string()))?;
        self.store.put_request_blob(INCIDENTS, &i.id, &bytes)?;
        Ok(())
    }

    /// Logs an incident's step in the ledger (a registry record of kind
    /// `incident`, binding the record as stored by SHA-256), so that no one
    /// deletes or rewrites an incident unseen: the pipeline refuses intake
    /// while a logged incident's record is missing or altered. Called
    /// without the writer lock (it takes it).
    fn log_incident(&self, by: &str, i: &Incident, step: &str) -> Result<(), AppError> {
        let bytes = serde_json::to_vec_pretty(i).map_err(|e| corrupt(e.to_string()))?;
        let payload = vouch_pipeline::changes::IncidentPayload {
            incident: i.id.clone(),
            step: step.into(),
            record_sha256: hex::encode(Sha256::digest(&bytes)),
        };
        let payload = serde_json::to_string(&payload).map_err(|e| corrupt(e.to_string()))?;
        self.record(
            by,
            vouch_pipeline::changes::KIND_INCIDENT,
            payload,
            format!("incident {} {step}", i.id),
        )
    }

    /// Opens an incident discovered at `discovered_at`, concerning
    /// `requests` (each must exist).
    pub fn open_incident(
        &self,
        by: &Acting<TaxAgencyStaff>,
        kind: IncidentKind,
        discovered_at: OffsetDateTime,
        summary: &str,
        requests: &[String],
    ) -> Result<Incident, AppError> {
        let now = self.now();
        if discovered_at > now + crate::SIGNED_AT_SKEW_MAX {
            return Err(AppError::Invalid {
                field: "discovered",
                why: "in the future".into(),
            });
        }
        let summary = checked_summary(summary)?;
        if requests.len() > INCIDENT_REQUESTS_MAX {
            return Err(AppError::Invalid {
                field: "requests",
                why: format!("at most {INCIDENT_REQUESTS_MAX}"),
            });
        }
        let mut requests: Vec<String> = requests.iter().map(|r| r.trim().to_string()).collect();
        requests.sort();
        requests.dedup();
        for r in &requests {
            if self.store.request(r)?.is_none() {
                return Err(AppError::NotFound {
                    what: "request",
                    id: r.clone(),
                });
            }
        }
        let _writer = self.store.writer_lock()?;
        let mut h = Sha256::new();
        for part in [
            vouch_core::timestamp::format(now).as_str(),
            by.id(),
            &summary,
            kind.as_str(),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        let incident = Incident {
            id: format!("INC-{}", &hex::encode(h.finalize())[..12]),
            kind,
            discovered_at: vouch_core::timestamp::canonical(discovered_at),
            opened_at: now,
            opened_by: by.id().into(),
            summary,
            requests,
            reported_at: None,
            reported_by: None,
            closed_at: None,
            closed_by: None,
            corrective: Vec::new(),
        };
        let mut ids = self.incident_ids()?;
        if ids.contains(&incident.id) {
            return Err(AppError::Conflict("this incident is open already"));
        }
        self.put_incident(&incident)?;
        ids.push(incident.id.clone());
        let index = serde_json::to_vec(&ids).map_err(|e| corrupt(e.to_string()))?;
        self.store.put_request_blob(INCIDENTS, INDEX, &index)?;
        drop(_writer);
        self.log_incident(by.id(), &incident, "opened")?;
        self.service_audit(
            by.id(),
            AuditAction::IncidentOpened,
            format!(
                "incident {} ({}), discovered {}, {} requests; report due by {}",
                incident.id,
                kind.as_str(),
                vouch_core::timestamp::format(incident.discovered_at),
                incident.requests.len(),
                vouch_core::timestamp::format(incident.deadline())
            ),
        )?;
        Ok(incident)
    }

    /// The report of an incident (marked reported the first time, by `by`).
    pub fn report_incident(
        &self,
        by: &Acting<TaxAgencyStaff>,
        id: &str,
    ) -> Result<IncidentReport, AppError> {
        let writer = self.store.writer_lock()?;
        let mut incident = self.incident(id)?;
        if incident.reported_at.is_none() {
            incident.reported_at = Some(self.now());
            incident.reported_by = Some(by.id().into());
            self.put_incident(&incident)?;
            drop(writer);
            self.log_incident(by.id(), &incident, "reported")?;
            self.service_audit(
                by.id(),
                AuditAction::IncidentReported,
                format!(
                    "incident {} reported{}",
                    incident.id,
                    if incident.reported_at > Some(incident.deadline()) {
                        " after its 24-hour deadline"
                    } else {
                        ""
                    }
                ),
            )?;
        }
        self.report_of(incident)
    }

    /// The report of an incident as it stands (nothing changes).
    pub fn report_of(&self, incident: Incident) -> Result<IncidentReport, AppError> {
        let mut affected = Vec::new();
        let mut totals = RecordCounts::default();
        let mut recipients = std::collections::BTreeSet::new();
        // What was disclosed is what the ledger accounts for: one leaf per
        // lookup, with its outcome (6103(p)(3)).
        let ledger = self.store.open_ledger()?;
        for r in &incident.requests {
            let Some(rec) = self.store.request(r)? else {
                continue;
            };
            let mut counts = OutcomeCounts::default();
            for (_, leaf) in ledger.leaves_for_request(r)? {
                let o = if leaf.outcome == vouch_ledger::LeafOutcome::Confirmed {
                    Outcome::Confirmed
                } else {
                    Outcome::NotConfirmed
                };
                counts.add(o, 1);
            }
            let looked_up = counts.get(Outcome::Confirmed) + counts.get(Outcome::NotConfirmed);
            let records = RecordCounts {
                subjects: rec.subject_count,
                address_confirmations: counts.get(Outcome::Confirmed),
                not_confirmed: counts.get(Outcome::NotConfirmed),
                rejected: rec.subject_count.saturating_sub(looked_up),
            };
            totals.subjects += records.subjects;
            totals.address_confirmations += records.address_confirmations;
            totals.not_confirmed += records.not_confirmed;
            totals.rejected += records.rejected;
            let named = self.letter_recipients(r)?;
            recipients.extend(named.iter().cloned());
            affected.push(AffectedRequest {
                request_id: rec.request_id.clone(),
                agency: rec.agency.clone(),
                received_at: rec.received_at,
                status: rec.status.as_str().into(),
                records,
                recipients: named,
            });
        }
        Ok(IncidentReport {
            deadline: incident.deadline(),
            reported_on_time: incident
                .reported_at
                .is_some_and(|t| t <= incident.deadline()),
            incident,
            affected,
            totals,
            recipients: recipients.into_iter().collect(),
        })
    }

    /// The recipients a request's letter names (registry ids), from the
    /// stored upload; none when the letter is not kept (a request run on
    /// the command line keeps only its record).
    fn letter_recipients(&self, request_id: &str) -> Result<Vec<String>, AppError> {
        let doc = format!("{}request.json", crate::documents::UPLOAD_PREFIX);
        let Some(bytes) = self.store.request_blob(request_id, &doc)? else {
            return Ok(Vec::new());
        };
        let letter =
            vouch_formats::request::parse_letter(std::path::Path::new("request.json"), &bytes)
                .map_err(|e| corrupt(e.to_string()))?;
        Ok(letter.recipients.into_iter().map(|r| r.id).collect())
    }

    /// Closes a reported incident with the corrective steps taken.
    pub fn close_incident(
        &self,
        by: &Acting<TaxAgencyStaff>,
        id: &str,
        corrective: &[String],
    ) -> Result<Incident, AppError> {
        let steps = corrective
            .iter()
            .map(|c| {
                checked_summary(c).map_err(|_| AppError::Invalid {
                    field: "corrective",
                    why: "text without numbers of five digits or more and without dates".into(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if steps.is_empty() {
            return Err(AppError::Invalid {
                field: "corrective",
                why: "say what was done".into(),
            });
        }
        let _writer = self.store.writer_lock()?;
        let mut incident = self.incident(id)?;
        if incident.reported_at.is_none() {
            return Err(AppError::Conflict("report the incident before closing it"));
        }
        if !incident.open() {
            return Err(AppError::Conflict("this incident is closed already"));
        }
        incident.closed_at = Some(self.now());
        incident.closed_by = Some(by.id().into());
        incident.corrective = steps;
        self.put_incident(&incident)?;
        drop(_writer);
        self.log_incident(by.id(), &incident, "closed")?;
        self.service_audit(
            by.id(),
            AuditAction::IncidentClosed,
            format!(
                "incident {} closed: {} corrective steps",
                incident.id,
                incident.corrective.len()
            ),
        )?;
        Ok(incident)
    }
}

fn corrupt(why: String) -> AppError {
    AppError::Store(vouch_store::StoreError::Corrupt {
        table: "request_documents",
        why: format!("incidents: {why}"),
    })
}
