//! Remediation of disclosures found unlawful (issue 17, part 4): reassess
//! past requests under another policy version, withdraw disclosures (a
//! registry change of kind `withdrawal`, logged in the ledger), demand their
//! disposal from the recipients, record acknowledgments; the certificate of
//! destruction is `vouch requests dispose`. Records are the pipeline's
//! ([`vouch_pipeline::remediation`]).

use crate::{Acting, App, AppError, Overseer, PolicyOwner, Proposal};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use time::Date;
use vouch_pipeline::changes::WithdrawalPayload;
use vouch_pipeline::remediation::{
    self as rem, Acknowledgment, Disclosure, Reassessment, Refusable, Remediation,
};
use vouch_store::AuditAction;

fn id_of(prefix: &str, parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    format!("{prefix}-{}", &hex::encode(h.finalize())[..12])
}

/// What a remediation withdraws.
#[derive(Debug, Clone)]
pub enum RemediationSource {
    /// The disclosures a reassessment found refusable (of one agency).
    Reassessment(String),
    /// Every disclosure of these requests (of one agency).
    Requests(Vec<String>),
}

/// A disposal demand to one recipient: the subject references of the
/// withdrawn disclosures (never anything else), per request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DisposalDemand {
    /// The remediation.
    pub remediation: String,
    /// To whom.
    pub recipient: String,
    /// The requesting agency.
    pub agency: String,
    /// Why the disclosures are withdrawn.
    pub reason: String,
    /// Request id to the subject references to dispose of.
    pub requests: BTreeMap<String, Vec<String>>,
}

/// A remediation and where it stands.
#[derive(Debug, Clone)]
pub struct RemediationStatus {
    /// The remediation.
    pub remediation: Remediation,
    /// Its withdrawal is logged in the ledger (in effect).
    pub in_effect: bool,
    /// The day its last request was certified disposed of, if all are.
    pub certified_on: Option<Date>,
}

impl App<'_> {
    /// The request files of a past request: its kept upload, or one of
    /// `dirs` whose letter and subjects hash to what the record holds.
    fn past_request_files(
        &self,
        rec: &vouch_store::RequestRecord,
        dirs: &[PathBuf],
    ) -> Result<Option<vouch_formats::request::RequestFiles>, AppError> {
        let mut candidates: Vec<PathBuf> = Vec::new();
        if self.upload_here(&rec.request_id)? {
            candidates.push(self.uploads_dir().join(&rec.request_id));
        }
        candidates.extend(dirs.iter().cloned());
        for dir in candidates {
            let Ok(letter) = vouch_formats::request::read_letter_dir(&dir) else {
                continue;
            };
            use sha2::{Digest, Sha256};
            let same = letter.letter.request_id == rec.request_id
                && hex::encode(Sha256::digest(&letter.letter_bytes)) == rec.letter_sha256
                && letter.letter.subjects_sha256 == rec.subjects_sha256;
            if !same {
                continue;
            }
            // The subjects file is checked against the hash while read.
            if let Ok(files) = letter.read_subjects() {
                return Ok(Some(files));
            }
        }
        Ok(None)
    }

    /// Re-runs the policy checks of past requests (received on or after
    /// `since`) under `policy_text`, and lists the disclosures (subjects
    /// looked up, per the ledger) it would have refused, with counts per
    /// reason. Requests whose documents are neither kept nor in `dirs`
    /// are listed as skipped. Nothing is looked up.
    pub fn reassess(
        &self,
        by: &Acting<Overseer>,
        policy_text: &str,
        since: Option<Date>,
        dirs: &[PathBuf],
    ) -> Result<Reassessment, AppError> {
        let policy =
            vouch_policy::PolicyConfig::from_toml(policy_text).map_err(|e| AppError::Invalid {
                field: "policy",
                why: e.to_string(),
            })?;
        let ledger = self.store.open_ledger()?;
        let mut requests = Vec::new();
        let mut skipped = Vec::new();
        let mut refusable = Vec::new();
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        let mut disclosures = 0u64;
        let mut records = self.store.requests()?;
        records.sort_by_key(|r| r.received_at);
        for rec in records {
            if since.is_some_and(|d| rec.received_at.date() < d) {
                continue;
            }
            let looked_up: BTreeSet<String> = ledger
                .leaves_for_request(&rec.request_id)?
                .into_iter()
                .map(|(_, l)| l.subject_ref)
                .collect();
            if looked_up.is_empty() {
                continue;
            }
            let Some(files) = self.past_request_files(&rec, dirs)? else {
                skipped.push(rec.request_id.clone());
                continue;
            };
            disclosures += looked_up.len() as u64;
            let (request, subjects) = rem::rules_under(&files, &policy, rec.received_at);
            for (s, reasons) in files.subjects.iter().zip(subjects) {
                if !looked_up.contains(&s.subject_ref) {
                    continue;
                }
                let mut all: Vec<String> = request
                    .iter()
                    .chain(&reasons)
                    .map(|c| c.as_str().to_string())
                    .collect();
                all.sort();
                all.dedup();
                if all.is_empty() {
                    continue;
                }
                for c in &all {
                    *counts.entry(c.clone()).or_default() += 1;
                }
                refusable.push(Refusable {
                    disclosure: Disclosure {
                        request_id: rec.request_id.clone(),
                        subject_ref: s.subject_ref.clone(),
                    },
                    reasons: all,
                });
            }
            requests.push(rec.request_id.clone());
        }
        let at = self.now();
        let r = Reassessment {
            id: id_of(
                "RA",
                &[
                    &vouch_core::timestamp::format(at),
                    by.id(),
                    &policy.version(),
                ],
            ),
            at,
            by: by.id().into(),
            policy_version: policy.version(),
            since,
            requests,
            skipped,
            disclosures,
            refusable,
            counts,
        };
        rem::put_reassessment(self.store, &r)?;
        self.service_audit(
            by.id(),
            AuditAction::Reassessed,
            format!(
                "reassessment {} under policy {}: {} of {} disclosures refusable, {} requests skipped",
                r.id,
                r.policy_version,
                r.refusable.len(),
                r.disclosures,
                r.skipped.len()
            ),
        )?;
        Ok(r)
    }

    /// A kept reassessment.
    pub fn reassessment(&self, id: &str) -> Result<Reassessment, AppError> {
        rem::reassessment(self.store, id)?.ok_or_else(|| AppError::NotFound {
            what: "reassessment",
            id: id.into(),
        })
    }

    /// The remediation `source` and `reason` make (not kept yet): one
    /// agency's disclosures, sorted.
    pub fn draft_remediation(
        &self,
        by: &str,
        source: &RemediationSource,
        reason: &str,
    ) -> Result<Remediation, AppError> {
        let reason = crate::checked_text("reason", reason)?;
        let ledger = self.store.open_ledger()?;
        let (mut list, from): (Vec<Disclosure>, Option<String>) = match source {
            RemediationSource::Reassessment(id) => (
                self.reassessment(id)?
                    .refusable
                    .into_iter()
                    .map(|r| r.disclosure)
                    .collect(),
                Some(id.clone()),
            ),
            RemediationSource::Requests(ids) => {
                let mut out = Vec::new();
                for id in ids {
                    for (_, leaf) in ledger.leaves_for_request(id)? {
                        out.push(Disclosure {
                            request_id: id.clone(),
                            subject_ref: leaf.subject_ref,
                        });
                    }
                }
                (out, None)
            }
        };
        list.sort();
        list.dedup();
        if list.is_empty() {
            return Err(AppError::Invalid {
                field: "requests",
                why: "no disclosure to withdraw (nothing was looked up)".into(),
            });
        }
        let mut agencies = BTreeSet::new();
        for id in list.iter().map(|d| &d.request_id).collect::<BTreeSet<_>>() {
            let rec = self.store.request(id)?.ok_or_else(|| AppError::NotFound {
                what: "request",
                id: id.clone(),
            })?;
            agencies.insert(rec.agency);
        }
        if agencies.len() != 1 {
            return Err(AppError::Invalid {
                field: "requests",
                why: "one remediation per requesting agency (its disposal demands go to its recipients)".into(),
            });
        }
        let agency = agencies.into_iter().next().unwrap_or_default();
        let at = self.now();
        let sha = rem::disclosures_sha256(&list);
        Ok(Remediation {
            id: id_of("RM", &[&vouch_core::timestamp::format(at), by, &sha]),
            opened_at: at,
            opened_by: by.into(),
            reason,
            reassessment: from,
            agency,
            disclosures: list,
            change_id: None,
            acknowledgments: Vec::new(),
        })
    }

    /// The registry proposal withdrawing a drafted remediation's disclosures.
    pub fn withdrawal_of(r: &Remediation) -> Proposal {
        Proposal::Withdrawal(WithdrawalPayload {
            remediation: r.id.clone(),
            agency: r.agency.clone(),
            reason: r.reason.clone(),
            requests: r.requests(),
            disclosures: r.disclosures.len() as u64,
            disclosures_sha256: r.disclosures_sha256(),
        })
    }

    /// Keeps a drafted remediation with the id of the registry change that
    /// withdraws its disclosures (in effect once that change is).
    pub fn keep_remediation(
        &self,
        mut r: Remediation,
        change_id: &str,
    ) -> Result<Remediation, AppError> {
        r.change_id = Some(change_id.into());
        rem::put_remediation(self.store, &r)?;
        self.service_audit(
            &r.opened_by,
            AuditAction::RemediationOpened,
            format!(
                "remediation {} of {}: {} disclosures in {} requests withdrawn (registry change {change_id})",
                r.id,
                r.agency,
                r.disclosures.len(),
                r.requests().len()
            ),
        )?;
        Ok(r)
    }

    /// Opens a remediation while the registry is founding (one official;
    /// the withdrawal logged at once). Once sealed, propose
    /// [`App::withdrawal_of`] signed and keep the draft with the proposed
    /// change's id ([`App::keep_remediation`]); it is in effect when a
    /// second administrator confirms.
    pub fn open_remediation(
        &self,
        by: &Acting<PolicyOwner>,
        source: &RemediationSource,
        reason: &str,
    ) -> Result<Remediation, AppError> {
        let draft = self.draft_remediation(by.id(), source, reason)?;
        // Kept before its change is logged: a logged withdrawal always
        // finds its list (the pipeline refuses intake otherwise).
        let kept = {
            let mut d = draft.clone();
            d.change_id = None;
            rem::put_remediation(self.store, &d)?;
            d
        };
        let change = match self.found(by.id(), &Self::withdrawal_of(&kept)) {
            Ok(c) => c,
            Err(e) => {
                // Not logged (refused, or the registry is sealed): nothing
                // is withdrawn, so nothing is kept.
                self.store
                    .delete_request_document(rem::REMEDIATIONS, &kept.id)?;
                return Err(e);
            }
        };
        self.keep_remediation(kept, &change.id)
    }

    /// Every remediation, with whether it is in effect and certified.
    pub fn remediations(&self) -> Result<Vec<RemediationStatus>, AppError> {
        let changes = self.store.registry_changes()?;
        rem::remediations(self.store)?
            .into_iter()
            .map(|r| {
                let in_effect = r.change_id.as_ref().is_some_and(|id| {
                    changes
                        .iter()
                        .any(|c| &c.id == id && c.ledger_index.is_some())
                });
                Ok(RemediationStatus {
                    certified_on: rem::certified_on(self.store, &r)?,
                    in_effect,
                    remediation: r,
                })
            })
            .collect()
    }

    fn remediation(&self, id: &str) -> Result<Remediation, AppError> {
        rem::remediation(self.store, id)?.ok_or_else(|| AppError::NotFound {
            what: "remediation",
            id: id.into(),
        })
    }

    /// The disposal demand of a remediation to one recipient: for each
    /// request whose letter names them (every request, when its letter is
    /// not kept), the withdrawn subjects of their cases (every withdrawn
    /// subject, when the cases cannot be read).
    pub fn disposal_demand(
        &self,
        id: &str,
        recipient: &str,
        dirs: &[PathBuf],
    ) -> Result<DisposalDemand, AppError> {
        let r = self.remediation(id)?;
        let mut requests = BTreeMap::new();
        for req in r.requests() {
            let withdrawn: Vec<String> = r
                .disclosures
                .iter()
                .filter(|d| d.request_id == req)
                .map(|d| d.subject_ref.clone())
                .collect();
            let rec = self
                .store
                .request(&req)?
                .ok_or_else(|| AppError::NotFound {
                    what: "request",
                    id: req.clone(),
                })?;
            let refs = match self.past_request_files(&rec, dirs)? {
                Some(files) => {
                    if !files.letter.recipients.iter().any(|o| o.id == recipient) {
                        continue;
                    }
                    let cases: BTreeSet<&str> = files
                        .letter
                        .cases
                        .iter()
                        .filter(|(who, _)| who == recipient)
                        .map(|(_, c)| c.as_str())
                        .collect();
                    files
                        .subjects
                        .iter()
                        .filter(|s| withdrawn.contains(&s.subject_ref))
                        .filter(|s| cases.contains(s.case_number.trim()))
                        .map(|s| s.subject_ref.clone())
                        .collect()
                }
                None => withdrawn,
            };
            if !refs.is_empty() {
                requests.insert(req, refs);
            }
        }
        Ok(DisposalDemand {
            remediation: r.id,
            recipient: recipient.into(),
            agency: r.agency,
            reason: r.reason,
            requests,
        })
    }

    /// Records a recipient's acknowledgment of a disposal demand.
    pub fn acknowledge_demand(
        &self,
        by: &Acting<PolicyOwner>,
        id: &str,
        recipient: &str,
        date: Date,
    ) -> Result<Remediation, AppError> {
        let _writer = self.store.writer_lock()?;
        let mut r = self.remediation(id)?;
        crate::checked_id("recipient", recipient)?;
        if date < r.opened_at.date() || date > self.now().date() {
            return Err(AppError::Invalid {
                field: "date",
                why: "between the remediation's opening and today".into(),
            });
        }
        r.acknowledgments.retain(|a| a.recipient != recipient);
        r.acknowledgments.push(Acknowledgment {
            recipient: recipient.into(),
            date,
            recorded_by: by.id().into(),
        });
        rem::put_remediation(self.store, &r)?;
        self.service_audit(
            by.id(),
            AuditAction::DemandAcknowledged,
            format!(
                "remediation {}: {recipient} acknowledged the disposal demand",
                r.id
            ),
        )?;
        Ok(r)
    }
}
