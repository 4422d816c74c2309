//! The state store's registry, as the policy rules see it.

use base64::Engine;
use time::Date;
use vouch_policy::{AgencyInfo, Registry, SignerInfo};
use vouch_store::{FileStore, Role};

/// Adapts the file store to [`Registry`]. A registry that cannot be read
/// answers "not registered": the rules then fail closed.
pub struct StoreRegistry<'a>(pub &'a FileStore);

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
        Some(AgencyInfo {
            ssr_approved: date(&a.ssr_approved)?,
            ai_notifications: a.ai_notifications,
            open_findings_without_plan: a.open_findings_without_plan,
            disposition_overdue_since: match a.disposition_overdue_since.as_deref() {
                // An unreadable overdue date counts as overdue since forever.
                Some(s) => Some(date(s).unwrap_or(Date::MIN)),
                None => None,
            },
        })
    }
}
