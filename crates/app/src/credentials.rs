//! Credentials: API tokens and console sessions.
//!
//! A token is 32 random bytes, shown once as base64url and kept in the
//! store only as its SHA-256, with the official it authenticates, when it
//! expires and whether it was revoked. Every use looks it up in the store,
//! so a revocation on one node holds on every node at once.
//!
//! A console session is opened with a token: a random cookie value (kept
//! in the store only as its SHA-256, so a store dump opens no session) and a
//! CSRF secret. It ends on sign-out, after [`IDLE_MAX`] without a page,
//! [`LIFETIME_MAX`] after it began, or as soon as its token is revoked or
//! expires (checked on every use).

use crate::{Acting, Admin, App, AppError};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::time::Duration as StdDuration;
use time::{Duration, OffsetDateTime};
use vouch_store::{AuditAction, OfficialRecord, Role, SessionRecord, TokenRecord, HOME_AGENCY};

/// Length of a token as presented (base64url of 32 bytes, no padding).
pub const TOKEN_CHARS: usize = 43;
// A token is 32 random bytes in unpadded base64url.
const _: () = assert!(TOKEN_CHARS == (32 * 4usize).div_ceil(3));
// A session goes idle before it reaches its lifetime.
const _: () = assert!(IDLE_MAX.as_secs() < LIFETIME_MAX.as_secs());
const _: () = assert!(TOUCH_EVERY.as_secs() < IDLE_MAX.as_secs());
/// A console session ends after this long without a page.
pub const IDLE_MAX: StdDuration = StdDuration::from_secs(30 * 60);
/// A console session ends this long after sign-in, whatever happens.
pub const LIFETIME_MAX: StdDuration = StdDuration::from_secs(8 * 3600);
/// A session's last-seen time is written at most this often.
pub const TOUCH_EVERY: StdDuration = StdDuration::from_secs(60);
/// The administrator registered on first start.
pub const BOOTSTRAP_ADMIN: &str = "vouch-admin";

fn b64url() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

fn random32() -> [u8; 32] {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    raw
}

fn digest_hex(raw: &[u8]) -> String {
    hex::encode(Sha256::digest(raw))
}

/// The hex SHA-256 a presented token is stored under, if it is well formed.
fn token_sha256(presented: &str) -> Option<String> {
    if presented.len() != TOKEN_CHARS {
        return None;
    }
    let raw: [u8; 32] = b64url().decode(presented).ok()?.try_into().ok()?;
    Some(digest_hex(&raw))
}

/// Whether `t` lies in the window of `max` before `now` (and not more than
/// a minute in the future: clocks of nodes differ a little, not a lot).
fn within(t: OffsetDateTime, now: OffsetDateTime, max: StdDuration) -> bool {
    now - t < max && t <= now + StdDuration::from_secs(60)
}

/// A console session just opened: the cookie value (shown once, to the
/// browser) and its record.
#[derive(Debug)]
pub struct SessionOpened {
    /// The cookie's value.
    pub cookie: String,
    /// The session as stored (key = SHA-256 of the cookie).
    pub record: SessionRecord,
    /// The signed-in official.
    pub official: OfficialRecord,
}

impl App<'_> {
    fn issue(
        &self,
        official: &str,
        issued_by: &str,
        ttl: Option<Duration>,
    ) -> Result<(String, TokenRecord), AppError> {
        let raw = random32();
        let now = self.now();
        let rec = TokenRecord {
            sha256: digest_hex(&raw),
            official: official.into(),
            issued_at: now,
            issued_by: issued_by.into(),
            expires_at: ttl.map(|d| now + d),
            revoked_at: None,
        };
        self.store.add_token(&rec)?;
        Ok((b64url().encode(raw), rec))
    }

    /// Issues an API token for a registered official, valid for `ttl`
    /// (until revoked when `None`); returns it (shown once) and its record.
    pub fn issue_token(
        &self,
        by: &Acting<Admin>,
        official: &str,
        ttl: Option<Duration>,
    ) -> Result<(String, TokenRecord), AppError> {
        if self.store.official(official)?.is_none() {
            return Err(AppError::NotFound {
                what: "official",
                id: official.into(),
            });
        }
        let (token, rec) = self.issue(official, by.id(), ttl)?;
        self.service_audit(
            by.id(),
            AuditAction::TokenIssued,
            format!("official {official}, token {}", rec.id()),
        )?;
        Ok((token, rec))
    }

    /// An official's tokens (records only: a token is never shown again).
    pub fn tokens_of(
        &self,
        _by: &Acting<Admin>,
        official: &str,
    ) -> Result<Vec<TokenRecord>, AppError> {
        if self.store.official(official)?.is_none() {
            return Err(AppError::NotFound {
                what: "official",
                id: official.into(),
            });
        }
        let mut all = self.store.tokens()?;
        all.retain(|t| t.official == official);
        Ok(all)
    }

    /// Every official with their tokens (records only), for the registry page.
    pub fn registry(
        &self,
        _by: &Acting<Admin>,
    ) -> Result<Vec<(OfficialRecord, Vec<TokenRecord>)>, AppError> {
        let tokens = self.store.tokens()?;
        Ok(self
            .store
            .officials()?
            .into_iter()
            .map(|o| {
                let mine = tokens.iter().filter(|t| t.official == o.id).cloned();
                let mine = mine.collect();
                (o, mine)
            })
            .collect())
    }

    /// Revokes a token by its public id; it stops working at once on every
    /// node. Returns when.
    pub fn revoke_token(
        &self,
        by: &Acting<Admin>,
        token_id: &str,
    ) -> Result<OffsetDateTime, AppError> {
        let not_found = || AppError::NotFound {
            what: "token",
            id: token_id.into(),
        };
        let well_formed = token_id.len() == 16 && token_id.bytes().all(|b| b.is_ascii_hexdigit());
        if !well_formed {
            return Err(not_found());
        }
        let at = self.now();
        if !self.store.revoke_token(token_id, at)? {
            return Err(not_found());
        }
        self.service_audit(
            by.id(),
            AuditAction::TokenRevoked,
            format!("token {token_id}"),
        )?;
        Ok(at)
    }

    /// The registered official a presented token authenticates now, if any
    /// (one store read: the token and its official together).
    pub fn authenticate(&self, presented: &str) -> Result<Option<OfficialRecord>, AppError> {
        Ok(self.token_official(presented)?.map(|(o, _)| o))
    }

    fn token_official(
        &self,
        presented: &str,
    ) -> Result<Option<(OfficialRecord, String)>, AppError> {
        let Some(sha) = token_sha256(presented) else {
            return Ok(None);
        };
        Ok(match self.store.token_and_official(&sha)? {
            Some((t, Some(o))) if t.is_live(self.now()) => Some((o, sha)),
            _ => None,
        })
    }

    /// On first start (no token ever issued): registers the administrator
    /// [`BOOTSTRAP_ADMIN`] if needed and returns a token for it, the only
    /// time it is shown. Under the writer lock, so nodes starting together
    /// on a new store show one token between them.
    pub fn bootstrap(&self, ttl: Option<Duration>) -> Result<Option<String>, AppError> {
        let _writer = self.store.writer_lock()?;
        if !self.store.tokens()?.is_empty() {
            return Ok(None);
        }
        match self.store.official(BOOTSTRAP_ADMIN)? {
            Some(o) if o.role == Role::Administrator && o.agency == HOME_AGENCY => {}
            Some(_) => {
                return Err(AppError::Invalid {
                    field: "bootstrap",
                    why: format!("official {BOOTSTRAP_ADMIN} exists with another role"),
                })
            }
            None => self.store.add_official(OfficialRecord {
                id: BOOTSTRAP_ADMIN.into(),
                agency: HOME_AGENCY.into(),
                role: Role::Administrator,
                public_key: None,
                registered_at: self.now(),
            })?,
        }
        let (token, _) = self.issue(BOOTSTRAP_ADMIN, "bootstrap", ttl)?;
        self.service_audit(
            vouch_store::SYSTEM_ACTOR,
            AuditAction::Bootstrap,
            "administrator token issued".into(),
        )?;
        Ok(Some(token))
    }

    /// Opens a console session with a presented token; `None` when the
    /// token is not accepted. Sessions older than [`LIFETIME_MAX`] are
    /// purged on the way.
    pub fn open_session(&self, presented: &str) -> Result<Option<SessionOpened>, AppError> {
        let Some((official, token_sha256)) = self.token_official(presented.trim())? else {
            return Ok(None);
        };
        let cookie = b64url().encode(random32());
        let now = self.now();
        let record = SessionRecord {
            key: digest_hex(cookie.as_bytes()),
            official: official.id.clone(),
            token_sha256,
            csrf: b64url().encode(random32()),
            started_at: now,
            seen_at: now,
            second_factor_at: None,
        };
        self.store.put_session(&record, now - LIFETIME_MAX)?;
        self.service_audit(&official.id, AuditAction::SignedIn, "session opened".into())?;
        Ok(Some(SessionOpened {
            cookie,
            record,
            official,
        }))
    }

    /// Records a refused console sign-in in the service's audit trail
    /// (`detail` names the source and a hash of the token's prefix).
    pub fn sign_in_refused(&self, detail: &str) -> Result<(), AppError> {
        self.service_audit("-", AuditAction::SignInRefused, detail.to_string())
    }

    /// The live session a cookie names and its official: in time, its
    /// token live, its official still registered. A session that is not is
    /// ended. The last-seen time is written at most every [`TOUCH_EVERY`].
    pub fn session(
        &self,
        cookie: &str,
    ) -> Result<Option<(SessionRecord, OfficialRecord)>, AppError> {
        let key = digest_hex(cookie.as_bytes());
        let Some(session) = self.store.session(&key)? else {
            return Ok(None);
        };
        let now = self.now();
        let in_time =
            within(session.started_at, now, LIFETIME_MAX) && within(session.seen_at, now, IDLE_MAX);
        let official = match in_time {
            true => match self.store.token_and_official(&session.token_sha256)? {
                Some((t, Some(o))) if t.is_live(now) && o.id == session.official => Some(o),
                _ => None,
            },
            false => None,
        };
        let Some(official) = official else {
            self.store.delete_session(&key)?;
            return Ok(None);
        };
        if !within(session.seen_at, now, TOUCH_EVERY) {
            self.store.touch_session(&key, now)?;
        }
        Ok(Some((session, official)))
    }

    /// Ends the session a cookie names.
    pub fn close_session(&self, cookie: &str, official: &str) -> Result<(), AppError> {
        self.store.delete_session(&digest_hex(cookie.as_bytes()))?;
        self.service_audit(official, AuditAction::SignedOut, "session closed".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_tokens_have_a_hash() {
        let raw = [7u8; 32];
        let presented = b64url().encode(raw);
        assert_eq!(presented.len(), TOKEN_CHARS);
        assert_eq!(token_sha256(&presented), Some(digest_hex(&raw)));
        assert_eq!(token_sha256(&presented[1..]), None);
        assert_eq!(token_sha256(&format!("{}=", &presented[1..])), None);
        assert_eq!(token_sha256(&"!".repeat(TOKEN_CHARS)), None);
    }

    #[test]
    fn a_window_refuses_the_far_future_and_the_old() {
        let now = vouch_core::timestamp::now();
        let max = StdDuration::from_secs(600);
        assert!(within(now, now, max));
        assert!(within(now - StdDuration::from_secs(599), now, max));
        assert!(!within(now - StdDuration::from_secs(600), now, max));
        assert!(within(now + StdDuration::from_secs(60), now, max));
        assert!(!within(now + StdDuration::from_secs(61), now, max));
    }
}
