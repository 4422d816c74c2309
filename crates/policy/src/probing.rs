//! The probing guard: a one-bit answer asked many times must not become an
//! address finder.
//!
//! It decides from the request history alone, never from the master file (a
//! refusal that depended on hidden data would leak it: simulatable auditing,
//! Kenthapadi, Mishra and Nissim). The history holds keyed hashes
//! (HMAC-SHA-256 with a secret of the state store, truncated to 128 bits) of
//! the person (A-number; standardised name with date of birth) and of the
//! standardised address, never plaintext. Budgets are keyed on the subject,
//! not on the requester, so spreading variants over officials or agencies
//! does not help.

use crate::config::PolicyConfig;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::{HashMap, HashSet};
use vouch_core::{ReasonCode, Subject};
use vouch_normalize as norm;

/// A 128-bit keyed hash.
pub type Key = vouch_core::probe::ProbeKey;
pub use vouch_core::probe::ProbeRecord;

/// A subject's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeKeys {
    /// Person keys: the A-number's, and the name-with-DOB's when a DOB is given.
    pub persons: Vec<Key>,
    /// The address key.
    pub address: Key,
}

/// Computes keyed hashes with the state store's secret.
pub struct Keyer {
    mac: Hmac<Sha256>,
}

impl Keyer {
    /// A keyer over a 32-byte secret.
    pub fn new(secret: &[u8; 32]) -> Keyer {
        // HMAC takes keys of any length: this cannot fail.
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
        Keyer { mac }
    }

    /// The keyed hash of `text` in `domain`.
    pub fn key(&self, domain: &str, text: &str) -> Key {
        let mut m = self.mac.clone();
        m.update(domain.as_bytes());
        m.update(&[0]);
        m.update(text.as_bytes());
        let full = m.finalize().into_bytes();
        let mut k = [0u8; 16];
        k.copy_from_slice(&full[..16]);
        k
    }

    /// A subject's keys (call only for subjects that passed the other rules);
    /// `address_key` is its standardised address key (`SubjectChecks::address_keys`).
    pub fn subject_keys(&self, s: &Subject, address_key: &str) -> ProbeKeys {
        let mut persons = vec![self.key("a-number", s.a_number.trim())];
        if !s.dob.is_empty() {
            let n = norm::standardize_name(&s.first_name, &s.middle_name, &s.last_name, &s.suffix);
            persons.push(self.key("name-dob", &format!("{}|{}", n.match_key(), s.dob)));
        }
        ProbeKeys {
            persons,
            address: self.key("address", address_key),
        }
    }
}

/// Hashes a [`Key`] by its first eight bytes. Keys are HMAC outputs under a
/// secret, so they are already uniform and nobody outside can aim them at
/// one bucket; hashing them again (SipHash) only costs time.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // `[u8; 16]` hashes as its length, then its bytes: keep the bytes.
        if bytes.len() >= 8 {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[..8]);
            self.0 ^= u64::from_le_bytes(b);
        }
    }

    fn write_usize(&mut self, _len: usize) {}
}

type KeyMap<V> = HashMap<Key, V, std::hash::BuildHasherDefault<KeyHasher>>;
type KeySet = HashSet<Key, std::hash::BuildHasherDefault<KeyHasher>>;

/// The history, indexed for the three rules.
#[derive(Debug, Default)]
pub struct ProbeHistory {
    by_person: KeyMap<Vec<ProbeRecord>>,
    by_address: KeyMap<Vec<ProbeRecord>>,
}

impl ProbeHistory {
    /// Indexes stored records, leaving out those of `exclude_request`.
    pub fn new(records: &[ProbeRecord], exclude_request: Key) -> ProbeHistory {
        let mut h = ProbeHistory::default();
        for r in records.iter().filter(|r| r.request != exclude_request) {
            h.by_person.entry(r.person).or_default().push(*r);
            h.by_address.entry(r.address).or_default().push(*r);
        }
        h
    }
}

/// The request being checked.
pub struct ProbeContext {
    /// Keyed hash of the agency.
    pub agency: Key,
    /// Keyed hash of the request.
    pub request: Key,
    /// Julian day of `submitted_at`.
    pub day: i32,
}

/// Applies REPEAT_INQUIRY, ADDRESS_PROBING and ADDRESS_FANOUT to the subjects
/// that have keys (those that passed every other rule), in request order.
/// Returns each subject's added codes and the records to store for the
/// subjects that passed.
pub fn guard(
    keys: &[Option<ProbeKeys>],
    history: &ProbeHistory,
    ctx: &ProbeContext,
    policy: &PolicyConfig,
) -> (Vec<Vec<ReasonCode>>, Vec<ProbeRecord>) {
    let within =
        |r: &ProbeRecord, window: i64| r.day <= ctx.day && i64::from(ctx.day - r.day) < window;
    let mut reasons = vec![Vec::new(); keys.len()];
    let mut records = Vec::new();
    // Distinct people at each address within the fanout window: from the
    // history once per address, then grown by this request's subjects.
    let mut people_at: KeyMap<KeySet> = KeyMap::default();
    for (i, k) in keys.iter().enumerate() {
        let Some(k) = k else { continue };
        let past: Vec<&ProbeRecord> = k
            .persons
            .iter()
            .flat_map(|p| history.by_person.get(p))
            .flatten()
            .collect();
        if past
            .iter()
            .any(|r| r.agency == ctx.agency && within(r, policy.repeat_window_days))
        {
            reasons[i].push(ReasonCode::RepeatInquiry);
        }
        if past
            .iter()
            .any(|r| r.address != k.address && within(r, policy.address_window_days))
        {
            reasons[i].push(ReasonCode::AddressProbing);
        }
        let people = people_at.entry(k.address).or_insert_with(|| {
            let past_here = history.by_address.get(&k.address).into_iter().flatten();
            past_here
                .filter(|r| r.kind == 0 && within(r, policy.fanout_window_days))
                .map(|r| r.person)
                .collect()
        });
        let known = k.persons.iter().any(|p| people.contains(p));
        if !known && people.len() >= policy.fanout_people_max as usize {
            reasons[i].push(ReasonCode::AddressFanout);
        }
        if reasons[i].is_empty() {
            people.insert(k.persons[0]);
            for (kind, &p) in k.persons.iter().enumerate() {
                records.push(ProbeRecord {
                    person: p,
                    address: k.address,
                    agency: ctx.agency,
                    request: ctx.request,
                    day: ctx.day,
                    kind: kind as u8,
                });
            }
        }
    }
    (reasons, records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(person: u8, addr: u8) -> Option<ProbeKeys> {
        Some(ProbeKeys {
            persons: vec![[person; 16]],
            address: [addr; 16],
        })
    }

    fn ctx(day: i32, agency: u8) -> ProbeContext {
        ProbeContext {
            agency: [agency; 16],
            request: [day as u8; 16],
            day,
        }
    }

    fn run(
        history: &[ProbeRecord],
        batch: &[Option<ProbeKeys>],
        c: &ProbeContext,
    ) -> (Vec<Vec<ReasonCode>>, Vec<ProbeRecord>) {
        guard(
            batch,
            &ProbeHistory::new(history, c.request),
            c,
            &PolicyConfig::defaults(),
        )
    }

    #[test]
    fn a_repeat_within_180_days_for_the_same_agency_is_refused() {
        let (_, first) = run(&[], &[keys(1, 9)], &ctx(1000, 1));
        assert_eq!(first.len(), 1);
        assert_eq!(
            run(&first, &[keys(1, 9)], &ctx(1179, 1)).0[0],
            vec![ReasonCode::RepeatInquiry]
        );
        assert!(
            run(&first, &[keys(1, 9)], &ctx(1180, 1)).0[0].is_empty(),
            "window ended"
        );
        assert!(
            run(&first, &[keys(1, 9)], &ctx(1100, 2)).0[0].is_empty(),
            "another agency, same address"
        );
    }

    #[test]
    fn another_address_for_the_same_person_within_a_year_is_probing_whoever_asks() {
        let (_, first) = run(&[], &[keys(1, 9)], &ctx(1000, 1));
        assert_eq!(
            run(&first, &[keys(1, 8)], &ctx(1300, 2)).0[0],
            vec![ReasonCode::AddressProbing]
        );
        assert!(run(&first, &[keys(1, 8)], &ctx(1365, 2)).0[0].is_empty());
    }

    #[test]
    fn a_fifth_person_at_one_address_is_refused_within_and_across_batches() {
        let batch: Vec<_> = (1..=6).map(|p| keys(p, 9)).collect();
        let (r, recs) = run(&[], &batch, &ctx(1000, 1));
        let fanout = vec![ReasonCode::AddressFanout];
        assert_eq!(
            r,
            vec![
                vec![],
                vec![],
                vec![],
                vec![],
                fanout.clone(),
                fanout.clone()
            ]
        );
        assert_eq!(recs.len(), 4);
        // Later, a new person is refused; one already counted is not refused for fanout.
        let (r, _) = run(&recs, &[keys(7, 9), keys(2, 9)], &ctx(1200, 2));
        assert_eq!(r[0], fanout);
        assert!(!r[1].contains(&ReasonCode::AddressFanout));
    }

    #[test]
    fn a_resumed_check_ignores_its_own_records() {
        let c = ctx(1000, 1);
        let (_, recs) = run(&[], &[keys(1, 9)], &c);
        assert!(run(&recs, &[keys(1, 9)], &c).0[0].is_empty());
    }

    #[test]
    fn a_person_with_two_keys_counts_once_at_an_address() {
        let two = |p: u8| {
            Some(ProbeKeys {
                persons: vec![[p; 16], [p + 100; 16]],
                address: [9; 16],
            })
        };
        let (r, recs) = run(&[], &[two(1), two(2), two(3), two(4)], &ctx(1000, 1));
        assert!(r.iter().all(Vec::is_empty));
        assert_eq!(recs.len(), 8);
        let (r, _) = run(&recs, &[two(5)], &ctx(1001, 2));
        assert_eq!(
            r[0],
            vec![ReasonCode::AddressFanout],
            "the fifth person, not the third"
        );
        let (r, _) = run(&recs[..4], &[two(5)], &ctx(1001, 2));
        assert!(
            r[0].is_empty(),
            "two people with two keys each are two people"
        );
    }

    #[test]
    fn subjects_without_keys_are_not_judged_or_recorded() {
        let (r, recs) = run(&[], &[None, keys(1, 9)], &ctx(1000, 1));
        assert!(r[0].is_empty());
        assert_eq!(recs.len(), 1);
    }

    #[test]
    fn keys_are_keyed_hashes_that_depend_on_the_secret() {
        let a = Keyer::new(&[1; 32]);
        let b = Keyer::new(&[2; 32]);
        assert_ne!(
            a.key("address", "1 MAIN ST 78701"),
            b.key("address", "1 MAIN ST 78701")
        );
        assert_eq!(a.key("address", "x"), a.key("address", "x"));
        assert_ne!(a.key("address", "x"), a.key("a-number", "x"));
    }
}
