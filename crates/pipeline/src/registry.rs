//! The state store's registry, as the policy rules see it.

use base64::Engine;
use time::Date;
use vouch_policy::{AgencyInfo, FindingInfo, Registry, ResponseInfo, SignerInfo};
use vouch_store::{Role, StateStore};

/// Adapts the file store to [`Registry`]. A registry that cannot be read
/// answers "not registered": the rules then fail closed.
pub struct StoreRegistry<'a>(pub &'a dyn StateStore);

fn date(s: &str) -> Option<Date> {
    Date::parse(
        s,
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

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
        let a = self.0.agency(id).ok()??;
        // Unreadable dates fail closed: a finding opened at the dawn of time
        // and never closed, a response released then and never disposed of.
        let findings = a
            .findings
            .iter()
            .map(|f| FindingInfo {
                opened: date(&f.opened).unwrap_or(Date::MIN),
                has_plan: f.plan.as_deref().is_some_and(|p| !p.trim().is_empty()),
                closed: f.closed.as_deref().and_then(date),
            })
            .collect();
        let responses = self
            .0
            .requests()
            .ok()?
            .into_iter()
            .filter(|r| r.agency == id)
            .filter_map(|r| {
                let released = r.completed_at.as_deref()?;
                Some(ResponseInfo {
                    released: date(released.get(..10).unwrap_or("")).unwrap_or(Date::MIN),
                    disposed: r.disposition_certified.as_deref().and_then(date),
                })
            })
            .collect();
        Some(AgencyInfo {
            ssr_approved: date(&a.ssr_approved)?,
            ai_notifications: a.ai_notifications,
            findings,
            responses,
        })
    }
}
