//! API tokens: 32 random bytes shown once as base64url, kept in the state
//! store only as SHA-256 hashes with the official they authenticate, when
//! they expire and whether they were revoked. Every request looks its token
//! up in the store, so a revocation on one node holds on every node at once.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use vouch_store::{StateStore, StoreError, TokenRecord};

/// Length of a token as presented (base64url of 32 bytes, no padding).
pub const TOKEN_CHARS: usize = 43;
// A token is 32 random bytes in unpadded base64url.
const _: () = assert!(TOKEN_CHARS == (32 * 4usize).div_ceil(3));

fn b64url() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

fn decode_token(presented: &str) -> Option<[u8; 32]> {
    if presented.len() != TOKEN_CHARS {
        return None;
    }
    b64url().decode(presented).ok()?.try_into().ok()
}

fn digest_hex(raw: &[u8; 32]) -> String {
    hex::encode(Sha256::digest(raw))
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The hex SHA-256 a presented token is stored under, if it is well formed.
pub(crate) fn sha256_hex(presented: &str) -> Option<String> {
    decode_token(presented).map(|raw| digest_hex(&raw))
}

/// Issues a token for `official`, valid for `ttl` from `now` (forever when
/// `None`), and stores its hash. Returns the token (the only time it exists
/// outside the caller's hands) and its record.
pub(crate) fn issue(
    store: &dyn StateStore,
    official: &str,
    issued_by: &str,
    now: OffsetDateTime,
    ttl: Option<Duration>,
) -> Result<(String, TokenRecord), StoreError> {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let rec = TokenRecord {
        sha256: digest_hex(&raw),
        official: official.into(),
        issued_at: rfc3339(now),
        issued_by: issued_by.into(),
        expires_at: ttl.map(|d| rfc3339(now + d)),
        revoked_at: None,
    };
    store.add_token(&rec)?;
    Ok((b64url().encode(raw), rec))
}

/// Whether a stored token authenticates at `now`: not revoked, not expired
/// (an expiry that does not parse counts as expired: fail closed).
pub(crate) fn is_live(rec: &TokenRecord, now: OffsetDateTime) -> bool {
    if rec.revoked_at.is_some() {
        return false;
    }
    match &rec.expires_at {
        None => true,
        Some(t) => OffsetDateTime::parse(t, &Rfc3339).is_ok_and(|exp| now < exp),
    }
}

/// The registered official a presented token authenticates at `now`, if
/// any, in one store read where the store can.
pub(crate) fn lookup_official(
    store: &dyn StateStore,
    presented: &str,
    now: OffsetDateTime,
) -> Result<Option<vouch_store::OfficialRecord>, StoreError> {
    let Some(raw) = decode_token(presented) else {
        return Ok(None);
    };
    Ok(match store.token_and_official(&digest_hex(&raw))? {
        Some((t, official)) if is_live(&t, now) => official,
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vouch_store::FileStore;

    /// A directory store with the officials the tests issue tokens for.
    fn store_at(dir: &std::path::Path) -> FileStore {
        let store = FileStore::open(dir).unwrap();
        for id in ["irs-do-1", "a"] {
            if store.official(id).unwrap().is_none() {
                store
                    .add_official(vouch_store::OfficialRecord {
                        id: id.into(),
                        agency: vouch_store::HOME_AGENCY.into(),
                        role: vouch_store::Role::Auditor,
                        public_key: None,
                        registered_at: "2026-01-01T00:00:00Z".into(),
                    })
                    .unwrap();
            }
        }
        store
    }

    /// The id of the official a token authenticates.
    fn lookup(
        store: &dyn StateStore,
        presented: &str,
        now: OffsetDateTime,
    ) -> Result<Option<String>, StoreError> {
        Ok(lookup_official(store, presented, now)?.map(|o| o.id))
    }

    fn t0() -> OffsetDateTime {
        OffsetDateTime::parse("2026-01-01T00:00:00Z", &Rfc3339).unwrap()
    }

    #[test]
    fn issued_tokens_resolve_after_reopen_and_only_hashes_are_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_at(dir.path());
        let (tok, rec) = issue(&store, "irs-do-1", "vouch-admin", t0(), None).unwrap();
        assert_eq!(tok.len(), TOKEN_CHARS);
        assert_eq!(
            lookup(&store, &tok, t0()).unwrap().as_deref(),
            Some("irs-do-1")
        );
        drop(store);
        let text = std::fs::read_to_string(dir.path().join(vouch_store::TOKEN_FILE)).unwrap();
        assert!(!text.contains(&tok), "the token itself is never stored");
        assert!(text.contains(&rec.sha256));
        let store = store_at(dir.path());
        assert_eq!(
            lookup(&store, &tok, t0()).unwrap().as_deref(),
            Some("irs-do-1")
        );
    }

    #[test]
    fn wrong_or_malformed_tokens_resolve_to_nobody() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_at(dir.path());
        let (tok, _) = issue(&store, "a", "b", t0(), None).unwrap();
        let mut other = tok.clone().into_bytes();
        other[0] = if other[0] == b'A' { b'B' } else { b'A' };
        let other = String::from_utf8(other).unwrap();
        for bad in [
            other.as_str(),
            "",
            &format!("{tok}x"),
            &"!".repeat(TOKEN_CHARS),
        ] {
            assert_eq!(lookup(&store, bad, t0()).unwrap(), None);
        }
    }

    #[test]
    fn expired_and_revoked_tokens_resolve_to_nobody() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_at(dir.path());
        let (tok, rec) = issue(&store, "a", "b", t0(), Some(Duration::hours(1))).unwrap();
        assert!(lookup(&store, &tok, t0() + Duration::minutes(59))
            .unwrap()
            .is_some());
        assert!(lookup(&store, &tok, t0() + Duration::hours(1))
            .unwrap()
            .is_none());
        let (tok2, rec2) = issue(&store, "a", "b", t0(), None).unwrap();
        assert!(store
            .revoke_token(rec2.id(), "2026-01-01T00:00:01Z")
            .unwrap());
        assert!(lookup(&store, &tok2, t0()).unwrap().is_none());
        assert!(
            !store.revoke_token(rec2.id(), "x").unwrap(),
            "already revoked"
        );
        assert!(!store.revoke_token("0000000000000000", "x").unwrap());
        let mut broken = rec;
        broken.expires_at = Some("not a time".into());
        assert!(!is_live(&broken, t0()), "an unreadable expiry fails closed");
    }
}
