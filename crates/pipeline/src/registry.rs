//! The state store's registry, as the policy rules see it.

use base64::Engine;
use vouch_policy::{AgencyInfo, FindingInfo, Registry, ResponseInfo, SignerInfo};
use vouch_store::{Role, StateStore};

/// Adapts the state store to [`Registry`]. A registry that cannot be read
/// answers "not registered": the rules then fail closed.
pub(crate) struct StoreRegistry<'a>(pub(crate) &'a dyn StateStore);

impl Registry for StoreRegistry<'_> {
    fn signer(&self, id: &str) -> Option<SignerInfo> {
        let o = self.0.official(id).ok()??;
        let public_key = o.public_key.as_deref().and_then(|k| {
            let raw = base64::engine::general_purpose::STANDARD.decode(k).ok()?;
            <[u8; 32]>::try_from(raw).ok()
        });
        Some(SignerInfo {
            agency: o.agency,
            is_signer: o.role == Role::Signer,
            public_key,
        })
    }

    fn is_recipient(&self, id: &str, agency: &str) -> bool {
        matches!(self.0.official(id), Ok(Some(o)) if o.role == Role::Recipient && o.agency == agency)
    }

    fn agency(&self, id: &str) -> Option<AgencyInfo> {
        // A record the store cannot read is an error, so the agency counts
        // as unregistered and every rule fails closed.
        let a = self.0.agency(id).ok()??;
        let findings = a
            .findings
            .iter()
            .map(|f| FindingInfo {
                opened: f.opened,
                has_plan: f.plan.as_deref().is_some_and(|p| !p.trim().is_empty()),
                closed: f.closed,
            })
            .collect();
        let responses = self
            .0
            .requests()
            .ok()?
            .into_iter()
            .filter(|r| r.agency == id)
            .filter_map(|r| {
                Some(ResponseInfo {
                    released: r.completed_at?.date(),
                    disposed: r.disposition_certified,
                })
            })
            .collect();
        // Remediations of the agency's disclosures, open until every
        // request of one is certified disposed of (fail closed: a list the
        // store cannot read makes the agency unregistered).
        let changes = self.0.registry_changes().ok()?;
        let in_effect = |change: &Option<String>| {
            change.as_ref().is_some_and(|c| {
                changes
                    .iter()
                    .any(|x| &x.id == c && x.ledger_index.is_some())
            })
        };
        let remediations = crate::remediation::remediations(self.0)
            .ok()?
            .into_iter()
            .filter(|r| r.agency == id && in_effect(&r.change_id))
            .map(|r| {
                let done = crate::remediation::certified_on(self.0, &r).ok()?;
                Some((r.opened_at.date(), done))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(AgencyInfo {
            ssr_approved: a.ssr_approved,
            ai_notifications: a.ai_notifications,
            findings,
            responses,
            remediations,
        })
    }
}
