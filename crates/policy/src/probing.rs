//! The probing guard: a one-bit answer asked many times must not become an
//! address finder.
//!
//! It decides from the request history alone, never from the master file (a
//! refusal that depended on hidden data would leak it: simulatable auditing,
//! Kenthapadi, Mishra and Nissim). The history holds keyed hashes
//! (HMAC-SHA-256 with a secret of the state store, truncated) of the
//! subject's identity codes, date of birth, A-number and standardised
//! address, never plaintext.
//!
//! **Who is the same person.** Two asks are one person when they share an
//! identity code (`vouch_normalize::identity_codes`: a given-name class and
//! a surname sound, in both field orders) with compatible given names, and
//! neither gave a date of birth, or both gave the same one and the names
//! are no more than a typo apart ([`close`]). The matcher, without a date
//! of birth on file that agrees, confirms a subject only when the
//! taxpayer's own code is among the subject's, so any two subjects it could
//! confirm that way share a code: the guard is at least as coarse as the
//! matcher by construction. Two asks sharing a code with *different* dates
//! of birth, or with the same one and names more than a typo apart
//! (namesakes: `GARCIA` and `GARZA` born on one day), are two people to the
//! guard (a lawful batch of common names must pass), but each is marked
//! `dob_required`: the decision then confirms it only when the taxpayer's
//! date of birth on file is the one asked, so a taxpayer filed without one
//! cannot be walked from address to address by changing the date or the
//! spelling. With the date of birth on file agreeing, the matcher confirms
//! only a name alike the taxpayer's, and the decision compares every ask of
//! the request and of the window with the taxpayer themself
//! ([`ProbeHistory::asked_elsewhere`]). A-numbers and case numbers never
//! separate two asks; an A-number already seen with another person is
//! refused (`A_NUMBER_CONFLICT`).
//!
//! **Whose history.** Refusal codes depend on the requesting agency's own
//! history only; an ask another agency made becomes the batch hold
//! `CROSS_AGENCY_REPEAT` (one agency is never told that another asked).
//! Windows count the day each request was *received*.

use crate::config::PolicyConfig;
use hmac::{Hmac, Mac};
use rayon::prelude::*;
use sha2::Sha256;
use std::collections::HashMap;
use vouch_core::probe::{GivenKeys, GIVEN_DELETIONS, PROBE_NAME_KEYS};
use vouch_core::{ReasonCode, Subject};
use vouch_normalize as norm;

// The surname's deletion keys reach the letters the matcher's surname
// tolerance does (two slots hold whole forms: `Keyer::subject_keys`).
const _: () = assert!(norm::SURNAME_EDIT_REACH == GIVEN_DELETIONS - 3);
const _: () = assert!(norm::GIVEN_EDIT_REACH == GIVEN_DELETIONS - 1);

/// A 128-bit keyed hash.
pub type Key = vouch_core::probe::ProbeKey;
pub use vouch_core::probe::ProbeRecord;

/// Asks of one identity key compared pair by pair at most; past that the
/// guard assumes the worst (every one needs its date of birth on file).
const PAIRWISE_MAX: usize = 64;

/// The same within one request, where a common name's asks are many (a
/// million-subject batch holds hundreds of JOSE GARCIAs).
const IN_REQUEST_PAIRWISE_MAX: usize = 16;

/// Asks of one identity code the decision compares with a taxpayer filed
/// without a date of birth at most; past that it withholds (fail closed).
const CODED_SCAN_MAX: usize = 4096;

/// A subject's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeKeys {
    /// Keyed identity codes (0: unused slot).
    pub names: [u64; PROBE_NAME_KEYS],
    /// Keyed features of the first given name (as written; fields swapped).
    pub given: [GivenKeys; 2],
    /// Keyed deletion neighbourhood of the paternal surname as written.
    pub surname: [u16; GIVEN_DELETIONS],
    /// Keyed date of birth (0: none given).
    pub dob: u64,
    /// Keyed A-number.
    pub a_number: u64,
    /// The address key.
    pub address: Key,
}

impl ProbeKeys {
    fn name_keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.names.iter().copied().filter(|&k| k != 0)
    }
}

/// How an earlier ask relates to a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// No identity code in common (or a record of an earlier version,
    /// which holds none).
    Different,
    /// A code in common and compatible given names, with the same date
    /// of birth and names no more than a typo apart ([`close`]), or
    /// neither giving a date of birth.
    Same,
    /// A code in common, two different dates of birth.
    OtherDob,
    /// A code in common and the same date of birth, but names further
    /// apart than a typo (`GARCIA` / `GARZA`, `LUZ` / `LUIS`): two people
    /// to the guard, as common names with one birthday are in a big batch,
    /// and, like [`Relation::OtherDob`], each is then confirmed only on the
    /// date of birth on file, where the decision compares every ask with
    /// the taxpayer (`ProbeHistory::asked_elsewhere`).
    Namesake,
}

/// Bigram filters at least this similar (Dice) are one given name with a
/// typo or two: [`norm::GIVEN_DICE_MIN`] (the filter's collisions only
/// make the keyed comparison more lenient than the plain one).
const GIVEN_DICE_MIN: f64 = norm::GIVEN_DICE_MIN;

/// Whether two given names could be one person's, as loosely as the
/// matcher's given-name levels below "other": the same sound or nickname
/// class, an initial of the other, or spellings a few typos apart. Unknown
/// on either side (an earlier version's record) counts as agreeing.
pub fn given_compatible(x: &GivenKeys, y: &GivenKeys) -> bool {
    if x.is_empty() || y.is_empty() {
        return true;
    }
    if gendered(x, y) {
        return false;
    }
    let initial = (x.initial | y.initial) & 0x8000 != 0 && x.initial & 0x7fff == y.initial & 0x7fff;
    let bits = x.bigrams.count_ones() + y.bigrams.count_ones();
    let dice = if bits == 0 {
        0.0
    } else {
        2.0 * f64::from((x.bigrams & y.bigrams).count_ones()) / f64::from(bits)
    };
    let one_edit = x
        .deletions
        .iter()
        .any(|&d| d != 0 && y.deletions.contains(&d));
    (x.sound != 0 && x.sound == y.sound)
        || (x.canonical != 0 && x.canonical == y.canonical)
        || initial
        || one_edit
        || dice >= GIVEN_DICE_MIN
}

/// Whether two given names are one name written as a nickname or an
/// initial: the same nickname class, or one the other's initial; never the
/// two genders of one name. Stricter than [`given_compatible`] (no sound,
/// typo or bigram likeness: `MARIA` / `MARTA`, `ANDREA` / `ANDRES` are one
/// edit apart and two people): what makes two asks with one date of birth
/// the same ask rather than two namesakes. A typo of the given name on
/// the same date of birth is left to the decision, which compares each ask
/// with the taxpayer (`ProbeHistory::asked_elsewhere`).
pub fn given_close(x: &GivenKeys, y: &GivenKeys) -> bool {
    if x.is_empty() || y.is_empty() {
        return true;
    }
    if gendered(x, y) {
        return false;
    }
    let initial = (x.initial | y.initial) & 0x8000 != 0 && x.initial & 0x7fff == y.initial & 0x7fff;
    (x.canonical != 0 && x.canonical == y.canonical) || initial
}

/// The keyed form of `vouch_normalize::given_names_alike`: the same
/// nickname class, one the other's initial, or one edit apart; never the
/// two genders of one name. Unknown on either side counts as alike.
pub fn given_alike(x: &GivenKeys, y: &GivenKeys) -> bool {
    if given_close(x, y) {
        return true;
    }
    if x.is_empty() || y.is_empty() || gendered(x, y) {
        return false;
    }
    x.deletions
        .iter()
        .any(|&d| d != 0 && y.deletions.contains(&d))
}

/// `MARIO` and `MARIA`, `JUAN` and `JUANA` (`vouch_normalize::gendered_pair`).
fn gendered(x: &GivenKeys, y: &GivenKeys) -> bool {
    let ending = |k: &GivenKeys| k.stem >> 14;
    let endings = (ending(x).min(ending(y)), ending(x).max(ending(y)));
    x.stem & 0x3fff == y.stem & 0x3fff && matches!(endings, (1, 2) | (0, 1))
}

/// Whether two asks sharing an identity code are the same ask written
/// differently, not two namesakes: as written, surnames at most a typo
/// apart (or one's second or particle form the other's paternal surname)
/// and given names [`given_close`]; or a code in common through a swapped
/// orientation (those codes are exact spellings) with close given names.
pub fn close(
    a: &[u64; PROBE_NAME_KEYS],
    ag: &[GivenKeys; 2],
    asur: &[u16; GIVEN_DELETIONS],
    b: &[u64; PROBE_NAME_KEYS],
    bg: &[GivenKeys; 2],
    bsur: &[u16; GIVEN_DELETIONS],
) -> bool {
    if surname_compatible(asur, bsur) && given_close(&ag[0], &bg[0]) {
        return true;
    }
    [(0, 1), (1, 0), (1, 1)].into_iter().any(|(oa, ob)| {
        a[orientation(oa)]
            .iter()
            .any(|&n| n != 0 && b[orientation(ob)].contains(&n))
            && given_close(&ag[oa], &bg[ob])
    })
}

/// The slots of the codes of one orientation (0: as written, 1: swapped).
fn orientation(o: usize) -> std::ops::Range<usize> {
    if o == 0 {
        0..norm::IDENTITY_CODES_WRITTEN
    } else {
        norm::IDENTITY_CODES_WRITTEN..PROBE_NAME_KEYS
    }
}

/// Whether two asks name one person: an identity code in common, in some
/// pair of orientations, whose given names (in the same orientations) are
/// compatible. An earlier version's record (no codes) names nobody.
pub fn same_name(
    a: &[u64; PROBE_NAME_KEYS],
    ag: &[GivenKeys; 2],
    b: &[u64; PROBE_NAME_KEYS],
    bg: &[GivenKeys; 2],
) -> bool {
    (0..2).any(|oa| {
        (0..2).any(|ob| {
            let shared = a[orientation(oa)]
                .iter()
                .any(|&n| n != 0 && b[orientation(ob)].contains(&n));
            // Both read swapped (the same first name written, surnames as
            // given names): as alike as a typo or a nickname, not by sound
            // or bigram likeness, which would link two surnames that only
            // look alike (and, keyed into a 64-bit filter, would do so
            // differently under each secret).
            let given = if oa == 1 && ob == 1 {
                given_alike(&ag[1], &bg[1])
            } else {
                given_compatible(&ag[oa], &bg[ob])
            };
            shared && given
        })
    })
}

/// How a record (its identity codes, given-name and surname keys and date
/// of birth) relates to a subject's keys.
pub fn relation(
    k: &ProbeKeys,
    names: &[u64; PROBE_NAME_KEYS],
    given: &[GivenKeys; 2],
    surname: &[u16; GIVEN_DELETIONS],
    dob: u64,
) -> Relation {
    if !same_name(&k.names, &k.given, names, given) {
        Relation::Different
    } else if k.dob == dob {
        if dob == 0 || close(&k.names, &k.given, &k.surname, names, given, surname) {
            Relation::Same
        } else {
            Relation::Namesake
        }
    } else if k.dob != 0 && dob != 0 {
        Relation::OtherDob
    } else {
        // One gave a date of birth and the other did not: not refused as
        // one person (one such ask would refuse every namesake of a big
        // batch); the decision withholds a taxpayer both could name
        // (`ProbeHistory::asked_elsewhere`).
        Relation::Different
    }
}

/// Computes keyed hashes with the state store's secret.
pub struct Keyer {
    mac: Hmac<Sha256>,
    /// SipHash-2-4 keys derived from the secret, for the many short keyed
    /// hashes of names (dozens per subject: HMAC-SHA-256 for each would
    /// cost more than the rest of the guard).
    sip: (u64, u64),
    /// The bit of each bigram (`A`..`Z` squared) in a given name's
    /// filter, chosen by the secret.
    bigram_bits: Box<[u8; 26 * 26]>,
}

impl Keyer {
    /// A keyer over a 32-byte secret.
    pub fn new(secret: &[u8; 32]) -> Keyer {
        // HMAC takes keys of any length: this cannot fail.
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
        let mut k = Keyer {
            mac,
            sip: (0, 0),
            bigram_bits: Box::new([0; 26 * 26]),
        };
        let d = k.key_bytes("siphash-keys", &[]);
        let half = |o: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&d[o..o + 8]);
            u64::from_le_bytes(b)
        };
        k.sip = (half(0), half(8));
        let mut bits = [0u8; 26 * 26];
        for (i, b) in bits.iter_mut().enumerate() {
            *b = k.key_bytes("bigram", &(i as u16).to_be_bytes())[0] % 64;
        }
        k.bigram_bits = Box::new(bits);
        k
    }

    /// A keyed 64-bit hash (SipHash-2-4, a pseudo-random function of its
    /// 128-bit key) of `bytes` in `domain`.
    fn sip(&self, domain: &str, bytes: &[u8]) -> u64 {
        Self::sip_on(&self.sip_domain(domain), bytes)
    }

    /// The hasher with `domain` and its separator already written: many
    /// hashes in one domain (a deletion neighbourhood) clone it rather than
    /// hash the domain again. The same bytes, so the same hashes.
    #[allow(deprecated)] // std's SipHasher is deprecated for hash tables, not as a PRF
    fn sip_domain(&self, domain: &str) -> std::hash::SipHasher {
        use std::hash::Hasher;
        let mut h = std::hash::SipHasher::new_with_keys(self.sip.0, self.sip.1);
        h.write(domain.as_bytes());
        h.write_u8(0);
        h
    }

    #[allow(deprecated)]
    fn sip_on(base: &std::hash::SipHasher, bytes: &[u8]) -> u64 {
        use std::hash::Hasher;
        let mut h = base.clone();
        h.write(bytes);
        h.finish()
    }

    fn key32(&self, domain: &str, text: &str) -> u32 {
        ((self.sip(domain, text.as_bytes()) >> 32) as u32).max(1)
    }

    /// Keyed hashes (16 bits) of `text` and of it with one letter deleted
    /// (the first `GIVEN_DELETIONS - 1` positions): two spellings one edit
    /// apart (a letter changed, added, dropped or two swapped) share one.
    fn deletion_keys(&self, domain: &str, text: &str) -> [u16; GIVEN_DELETIONS] {
        let mut out = [0u16; GIVEN_DELETIONS];
        if text.is_empty() {
            return out;
        }
        let base = self.sip_domain(domain);
        let key16 = |t: &[u8]| ((Self::sip_on(&base, t) >> 48) as u16).max(1);
        let b = text.as_bytes();
        out[0] = key16(b);
        let mut scratch = Vec::with_capacity(b.len());
        for (slot, i) in out[1..].iter_mut().zip(0..b.len()) {
            scratch.clear();
            scratch.extend_from_slice(&b[..i]);
            scratch.extend_from_slice(&b[i + 1..]);
            *slot = key16(&scratch);
        }
        out
    }

    /// The keys of a taxpayer as the decision sees them (the name and date
    /// of birth on their latest return), to find earlier asks about them.
    pub fn taxpayer_keys(
        &self,
        first_given: &str,
        given_joined: &str,
        paternal: &str,
        second: &str,
        dob: Option<time::Date>,
    ) -> TaxpayerKeys {
        TaxpayerKeys {
            code: norm::identity_code(first_given, paternal)
                .map_or(0, |c| self.sip("identity", &c.to_be_bytes()).max(1)),
            code_swapped: norm::identity_code_swapped(first_given, paternal)
                .map_or(0, |c| self.sip("identity", &c.to_be_bytes()).max(1)),
            given: self.given_keys(first_given, given_joined),
            surname: self.deletion_keys("surname-deletion", paternal),
            surname_as_given: self.deletion_keys("given-deletion", paternal),
            second: if second.is_empty() {
                0
            } else {
                ((self.sip("surname-deletion", second.as_bytes()) >> 48) as u16).max(1)
            },
            dob: dob.map_or(0, |d| {
                self.sip("dob", vouch_core::timestamp::format_date(d).as_bytes())
                    .max(1)
            }),
        }
    }

    /// Keyed features of one given-name token.
    /// `joined` is the whole first-name field joined (`SUNGMIN` for
    /// `SUNG MIN`): its one-edit neighbourhood fills the deletion slots the
    /// first token leaves, as the matcher also compares the joined form.
    fn given_keys(&self, token: &str, joined: &str) -> GivenKeys {
        if token.is_empty() {
            return GivenKeys::default();
        }
        let canonical = norm::nickname_canonical(token);
        let sound = norm::phonetic_primary(canonical);
        let mut bigrams = 0u64;
        for w in canonical.as_bytes().windows(2) {
            if w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase() {
                let i = usize::from(w[0] - b'A') * 26 + usize::from(w[1] - b'A');
                bigrams |= 1u64 << self.bigram_bits[i];
            }
        }
        let class = norm::given_class(token);
        let initial = ((self.sip("initial", &[class]) >> 48) as u16 & 0x7fff)
            | if token.len() == 1 { 0x8000 } else { 0 };
        // The spelling as written (a typo of `FRANK` is one edit from it, not
        // from its nickname class `FRANCIS`).
        let mut deletions = self.deletion_keys("given-deletion", token);
        if joined != token && !joined.is_empty() {
            let more = self.deletion_keys("given-deletion", joined);
            let free = deletions.iter().filter(|&&d| d == 0).count();
            let start = GIVEN_DELETIONS - free;
            for (slot, d) in deletions[start..].iter_mut().zip(more) {
                *slot = d;
            }
        }
        let stem = {
            let k = self.sip("given-stem", norm::gender_stem(token).as_bytes());
            let ending: u16 = match norm::gender_ending(token) {
                b'A' => 1,
                b'O' => 2,
                _ => 0,
            };
            ((k >> 48) as u16 & 0x3fff) | (ending << 14)
        };
        GivenKeys {
            stem,
            deletions,
            sound: if sound.is_empty() {
                0
            } else {
                self.key32("given-sound", &sound)
            },
            canonical: self.key32("given", canonical),
            bigrams,
            initial: initial.max(1),
        }
    }

    /// The keyed hash of `text` in `domain`.
    pub fn key(&self, domain: &str, text: &str) -> Key {
        self.key_bytes(domain, text.as_bytes())
    }

    fn key_bytes(&self, domain: &str, bytes: &[u8]) -> Key {
        let mut m = self.mac.clone();
        m.update(domain.as_bytes());
        m.update(&[0]);
        m.update(bytes);
        let full = m.finalize().into_bytes();
        let mut k = [0u8; 16];
        k.copy_from_slice(&full[..16]);
        k
    }

    /// A 64-bit keyed hash, never 0 (0 marks "none").
    fn key64(&self, domain: &str, bytes: &[u8]) -> u64 {
        let k = self.key_bytes(domain, bytes);
        let mut b = [0u8; 8];
        b.copy_from_slice(&k[..8]);
        u64::from_be_bytes(b).max(1)
    }

    /// A subject's keys (call only for subjects that passed the other rules);
    /// `address_key` is its standardised address key (`SubjectChecks::address_keys`).
    pub fn subject_keys(&self, s: &Subject, address_key: &str) -> ProbeKeys {
        let (n, w) = standardised(s);
        let mut names = [0u64; PROBE_NAME_KEYS];
        for (slot, code) in names.iter_mut().zip(codes_of(&n, &w)) {
            if code != 0 {
                *slot = self.sip("identity", &code.to_be_bytes()).max(1);
            }
        }
        let first = |x: &norm::StandardName| {
            x.given
                .first()
                .or(x.middle.first())
                .map_or("", String::as_str)
                .to_string()
        };
        let joined = |x: &norm::StandardName| {
            if x.given.is_empty() {
                first(x)
            } else {
                x.given.concat()
            }
        };
        let given = [
            self.given_keys(&first(&n), &joined(&n)),
            self.given_keys(&first(&w), &joined(&w)),
        ];
        let paternal = n.surnames.first().map_or("", String::as_str);
        let mut surname = self.deletion_keys("surname-deletion", paternal);
        // The last two slots (so the deletions reach the first
        // `norm::SURNAME_EDIT_REACH` letters): the paternal surname's other
        // whole form (particles joined or stripped) and the second surname
        // as written, so that an ask with the surnames reordered or the
        // particles written otherwise is found from the taxpayer's paternal
        // surname, as the matcher accepts it (`names_alike`).
        let whole = |t: Option<&str>| {
            t.map_or(0, |t| {
                ((self.sip("surname-deletion", t.as_bytes()) >> 48) as u16).max(1)
            })
        };
        surname[GIVEN_DELETIONS - 2] =
            whole(norm::surname_alternative(&n.surnames, &n.particles).as_deref());
        surname[GIVEN_DELETIONS - 1] = whole(n.surnames.get(1).map(String::as_str));
        let dob = match vouch_core::timestamp::parse_date(s.dob.trim()) {
            Some(d) => self
                .sip("dob", vouch_core::timestamp::format_date(d).as_bytes())
                .max(1),
            None => 0,
        };
        ProbeKeys {
            names,
            given,
            surname,
            dob,
            // The first half of the version-1 A-number key, so that earlier
            // records still tie their A-numbers.
            a_number: self.key64("a-number", s.a_number.trim().as_bytes()),
            address: self.key("address", address_key),
        }
    }
}

/// A subject's identity codes, as the matcher reads them
/// (`vouch_match::MatchQuery::from_subject` calls the same function).
pub fn identity_codes(s: &Subject) -> [norm::IdentityCode; norm::IDENTITY_CODES_MAX] {
    let (n, w) = standardised(s);
    codes_of(&n, &w)
}

/// The name as written and with its first and last fields swapped.
fn standardised(s: &Subject) -> (norm::StandardName, norm::StandardName) {
    (
        norm::standardize_name(&s.first_name, &s.middle_name, &s.last_name, &s.suffix),
        norm::standardize_name(&s.last_name, &s.middle_name, &s.first_name, &s.suffix),
    )
}

fn codes_of(
    n: &norm::StandardName,
    w: &norm::StandardName,
) -> [norm::IdentityCode; norm::IDENTITY_CODES_MAX] {
    norm::identity_codes(
        &n.given,
        &n.middle,
        &n.surnames,
        &n.particles,
        &w.given,
        &w.surnames,
    )
}

/// A taxpayer's keys (see [`Keyer::taxpayer_keys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxpayerKeys {
    /// Keyed identity code (0: none).
    pub code: u64,
    /// Keyed identity code of the name written with its fields swapped
    /// (0: none).
    pub code_swapped: u64,
    /// Keyed features of the first given name.
    pub given: GivenKeys,
    /// Keyed deletion neighbourhood of the paternal surname.
    pub surname: [u16; GIVEN_DELETIONS],
    /// The same keyed as a given name is (`GivenKeys::deletions`): an ask
    /// with its name fields swapped carries the taxpayer's surname in its
    /// first-name field.
    pub surname_as_given: [u16; GIVEN_DELETIONS],
    /// Keyed second surname (0: none).
    pub second: u16,
    /// Keyed date of birth on file (0: none).
    pub dob: u64,
}

/// Whether an ask's surname keys are alike a taxpayer's as the matcher
/// accepts them beside an agreeing date of birth
/// (`vouch_match::MasterIndex::names_alike`): the paternal surname (or its
/// other whole form) the same or one edit apart, or the two surnames
/// swapped.
fn surname_alike(r: &[u16; GIVEN_DELETIONS], t: &TaxpayerKeys) -> bool {
    let paternal = &r[..GIVEN_DELETIONS - 1];
    let second = r[GIVEN_DELETIONS - 1];
    paternal.iter().any(|&d| d != 0 && t.surname.contains(&d))
        || (second != 0 && second == t.surname[0] && t.second != 0 && r[0] == t.second)
}

/// Whether two surnames' deletion neighbourhoods meet: the same surname,
/// or one edit apart.
pub fn surname_compatible(a: &[u16; GIVEN_DELETIONS], b: &[u16; GIVEN_DELETIONS]) -> bool {
    a.iter().any(|&d| d != 0 && b.contains(&d))
}

/// The request being checked.
pub struct ProbeContext {
    /// Keyed hash of the agency.
    pub agency: Key,
    /// Keyed hash of the request.
    pub request: Key,
    /// Julian day of the request's receipt.
    pub day: i32,
}

/// The history within the longest window, indexed for the rules.
#[derive(Debug, Default)]
pub struct ProbeHistory {
    records: Vec<ProbeRecord>,
    /// (name key, dob key, record): sorted, so one name's records are one
    /// run, ordered by date of birth (0, "none given", first).
    by_name: Vec<(u64, u64, u32)>,
    /// Where each name key's run of `by_name` is (a hash lookup, not a
    /// binary search over millions of entries, per key per subject).
    name_runs: RunMap<u64>,
    /// The same, by name key and date of birth key.
    name_dob_runs: RunMap<(u64, u64)>,
    /// (address key, record), sorted.
    by_address: Vec<(Key, u32)>,
    address_runs: RunMap<Key>,
    /// (A-number key, record), sorted.
    by_a_number: Vec<(u64, u32)>,
    a_number_runs: RunMap<u64>,
    /// (date of birth key, record), sorted; records with one only.
    by_dob: Vec<(u64, u32)>,
    dob_runs: RunMap<u64>,
}

/// Hashes a keyed hash by its first eight bytes. The keys are outputs of a
/// keyed function, so they are already uniform and nobody outside can aim
/// them at one bucket; hashing them again (SipHash) only costs time.
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

    fn write_u64(&mut self, v: u64) {
        self.0 ^= v;
    }

    fn write_usize(&mut self, _len: usize) {}
}

/// Runs of a sorted index by key: (start, end).
type RunMap<K> = HashMap<K, (u32, u32), std::hash::BuildHasherDefault<KeyHasher>>;

fn runs_of<K: Copy + Eq + std::hash::Hash, T>(v: &[T], key: impl Fn(&T) -> K) -> RunMap<K> {
    let mut m = RunMap::default();
    let mut start = 0u32;
    for group in v.chunk_by(|a, b| key(a) == key(b)) {
        let end = start + group.len() as u32;
        m.insert(key(&group[0]), (start, end));
        start = end;
    }
    m
}

fn run<'a, K: Eq + std::hash::Hash, T>(m: &RunMap<K>, v: &'a [T], k: &K) -> &'a [T] {
    m.get(k).map_or(&[], |&(a, b)| &v[a as usize..b as usize])
}

impl ProbeHistory {
    /// Indexes the stored records received within the policy's longest
    /// window before `day`, leaving out those of `exclude_request` (a
    /// resumed check ignores its own records).
    pub fn new(
        records: &[ProbeRecord],
        exclude_request: Key,
        day: i32,
        policy: &PolicyConfig,
    ) -> ProbeHistory {
        let window = policy
            .repeat_window_days
            .max(policy.address_window_days)
            .max(policy.fanout_window_days);
        let records: Vec<ProbeRecord> = records
            .iter()
            .filter(|r| r.request != exclude_request)
            .filter(|r| r.day <= day && i64::from(day - r.day) < window)
            .copied()
            .collect();
        Self::index(records)
    }

    /// The asks of one request only (for
    /// [`ProbeHistory::asked_in_request_elsewhere`]).
    pub fn of_request(records: &[ProbeRecord], request: Key) -> ProbeHistory {
        let records = records
            .iter()
            .filter(|r| r.request == request)
            .copied()
            .collect();
        Self::index(records)
    }

    fn index(records: Vec<ProbeRecord>) -> ProbeHistory {
        let mut by_name = Vec::with_capacity(records.len() * 3);
        let mut by_address = Vec::with_capacity(records.len());
        let mut by_a_number = Vec::with_capacity(records.len());
        let mut by_dob = Vec::with_capacity(records.len());
        for (i, r) in records.iter().enumerate() {
            let i = i as u32;
            if r.dob != 0 {
                by_dob.push((r.dob, i));
            }
            by_name.extend(r.name_keys().map(|n| (n, r.dob, i)));
            by_address.push((r.address, i));
            if r.a_number != 0 {
                by_a_number.push((r.a_number, i));
            }
        }
        by_name.par_sort_unstable();
        by_name.dedup();
        by_address.par_sort_unstable();
        by_a_number.par_sort_unstable();
        by_dob.par_sort_unstable();
        ProbeHistory {
            records,
            name_runs: runs_of(&by_name, |e| e.0),
            name_dob_runs: runs_of(&by_name, |e| (e.0, e.1)),
            by_name,
            address_runs: runs_of(&by_address, |e| e.0),
            by_address,
            a_number_runs: runs_of(&by_a_number, |e| e.0),
            by_a_number,
            dob_runs: runs_of(&by_dob, |e| e.0),
            by_dob,
        }
    }

    /// Whether an earlier ask (received within `window` days before
    /// `day`) at another address than `address` could have been confirmed
    /// as this taxpayer, and so named them there:
    /// - it carried the taxpayer's identity code where the matcher decides
    ///   on that code (no date of birth on the ask or on file; or the name
    ///   written with its fields swapped, on any date of birth that does
    ///   not contradict theirs);
    /// - or it gave the taxpayer's date of birth with a name alike theirs
    ///   (`asked_alike`).
    ///
    /// The decision then does not confirm: a one-bit answer about one
    /// taxpayer is given at one address per window, whatever spellings the
    /// asks used (this compares each earlier ask with the taxpayer
    /// themself, so no chain of two spellings can walk around it).
    pub fn asked_elsewhere(&self, t: &TaxpayerKeys, address: Key, day: i32, window: i64) -> bool {
        let counts = |r: &ProbeRecord| {
            r.address != address && r.day <= day && i64::from(day - r.day) < window
        };
        self.asked_coded(t, |r| counts(r), None) || self.asked_alike(t, counts)
    }

    /// The same for the asks of one request (a history built by
    /// [`ProbeHistory::of_request`]), seen from one of them, at `address`,
    /// which gave a date of birth or not (`ask_has_dob`). An ask of the
    /// request without a date of birth counts only for one without (the
    /// guard's known gap: ARCHITECTURE.md invariant 9; counting it for
    /// asks with one would withhold every common name of a big batch).
    pub fn asked_in_request_elsewhere(
        &self,
        t: &TaxpayerKeys,
        address: Key,
        ask_has_dob: bool,
    ) -> bool {
        let counts = |r: &ProbeRecord| r.address != address;
        self.asked_coded(t, counts, Some(ask_has_dob)) || self.asked_alike(t, counts)
    }

    /// An ask carrying the taxpayer's identity code where the matcher
    /// decides on that code: no date of birth on the ask or on file; or
    /// the name written with its fields swapped, on any date of birth that
    /// does not contradict theirs. `with_dob`: only asks that gave a date
    /// of birth (`Some(true)`), only asks that gave none (`Some(false)`),
    /// or either.
    fn asked_coded(
        &self,
        t: &TaxpayerKeys,
        counts: impl Fn(&ProbeRecord) -> bool,
        with_dob: Option<bool>,
    ) -> bool {
        // Each code in the slots of its orientation only: the written
        // slots also hold exact forms (for the guard to meet a swapped
        // ask), which the taxpayer's swapped code equals for every plain
        // ask of a given-name class and surname.
        [(t.code, 0), (t.code_swapped, 1)]
            .into_iter()
            .filter(|&(code, _)| code != 0)
            .any(|(code, o)| {
                let named = |r: &&ProbeRecord| {
                    counts(r)
                        && r.names[orientation(o)].contains(&code)
                        && given_compatible(&r.given[o], &t.given)
                };
                let dob_ok = |d: u64| with_dob.is_none_or(|w| (d != 0) == w);
                if t.dob == 0 && with_dob == Some(false) {
                    return run(&self.name_dob_runs, &self.by_name, &(code, 0))
                        .iter()
                        .map(|e| &self.records[e.2 as usize])
                        .any(|r| named(&r));
                }
                if t.dob == 0 {
                    // On any date of birth: the whole run (fail closed past
                    // a bound: a name asked this often elsewhere is no
                    // name to confirm at one address).
                    let all = run(&self.name_runs, &self.by_name, &code);
                    return all.len() > CODED_SCAN_MAX
                        || all
                            .iter()
                            .map(|e| &self.records[e.2 as usize])
                            .filter(|r| dob_ok(r.dob))
                            .any(|r| named(&r));
                }
                // Asks without a date of birth, and for the swapped code
                // those with the taxpayer's (an exact name on their
                // birthday: counted whoever asks, like `asked_alike`).
                let dobs: &[u64] = if o == 1 { &[0, t.dob] } else { &[0] };
                dobs.iter().filter(|&&d| d == t.dob || dob_ok(d)).any(|&d| {
                    run(&self.name_dob_runs, &self.by_name, &(code, d))
                        .iter()
                        .map(|e| &self.records[e.2 as usize])
                        .any(|r| named(&r))
                })
            })
    }

    /// An ask that gave the taxpayer's date of birth with a name alike
    /// theirs as the matcher accepts it beside that date: as written
    /// (`MasterIndex::names_alike`), or with its name fields swapped
    /// (`MasterIndex::names_alike_swapped`: its swapped given name alike
    /// theirs, its written first name's one-edit neighbourhood meeting
    /// their surname's).
    fn asked_alike(&self, t: &TaxpayerKeys, counts: impl Fn(&ProbeRecord) -> bool) -> bool {
        if t.dob == 0 {
            return false;
        }
        run(&self.dob_runs, &self.by_dob, &t.dob)
            .iter()
            .map(|e| &self.records[e.1 as usize])
            .filter(|r| counts(r))
            .any(|r| {
                (given_alike(&r.given[0], &t.given) && surname_alike(&r.surname, t))
                    || (given_alike(&r.given[1], &t.given)
                        && r.given[0]
                            .deletions
                            .iter()
                            .any(|&d| d != 0 && t.surname_as_given.contains(&d)))
            })
    }

    /// The records sharing a name key with `k` that are the same person
    /// ([`Relation::Same`]), each once; and whether some record shares a
    /// name key with another date of birth, or is a namesake with the same
    /// one ([`Relation::Namesake`]).
    fn related(&self, k: &ProbeKeys, out: &mut Vec<u32>) -> bool {
        out.clear();
        let mut other_dob = false;
        for name in k.name_keys() {
            let whole = run(&self.name_runs, &self.by_name, &name);
            if whole.is_empty() {
                continue;
            }
            let none = run(&self.name_dob_runs, &self.by_name, &(name, 0));
            let same = run(&self.name_dob_runs, &self.by_name, &(name, k.dob));
            out.extend(same.iter().map(|e| e.2));
            if k.dob == 0 {
                continue;
            }
            // Asked with another date of birth: pairwise while cheap, else
            // assumed (fail closed).
            if !other_dob && whole.len() > none.len() + same.len() {
                other_dob = whole.len() > PAIRWISE_MAX
                    || whole
                        .iter()
                        .filter(|e| e.1 != 0 && e.1 != k.dob)
                        .map(|e| &self.records[e.2 as usize])
                        .any(|r| same_name(&k.names, &k.given, &r.names, &r.given));
            }
        }
        out.sort_unstable();
        out.dedup();
        out.retain(|&i| {
            let r = &self.records[i as usize];
            match relation(k, &r.names, &r.given, &r.surname, r.dob) {
                Relation::Same => true,
                Relation::Namesake => {
                    other_dob = true;
                    false
                }
                Relation::Different | Relation::OtherDob => false,
            }
        });
        other_dob
    }
}

/// What the guard decided for a request.
#[derive(Debug, Default)]
pub struct GuardOutcome {
    /// Each subject's added refusal codes.
    pub reasons: Vec<Vec<ReasonCode>>,
    /// Subjects the decision may confirm only on the date of birth on file:
    /// their name was asked with another date of birth, or by a namesake
    /// with the same one.
    pub dob_required: Vec<bool>,
    /// Whether another agency asked about one of the subjects within the
    /// probing window (the `CROSS_AGENCY_REPEAT` hold).
    pub cross_agency: bool,
    /// The records to store for the subjects that passed.
    pub records: Vec<ProbeRecord>,
}

/// One person counted at an address: their keys.
#[derive(Clone, Copy)]
struct Counted {
    names: [u64; PROBE_NAME_KEYS],
    given: [GivenKeys; 2],
    surname: [u16; GIVEN_DELETIONS],
    dob: u64,
    a_number: u64,
}

impl Counted {
    fn of(r: &ProbeRecord) -> Counted {
        Counted {
            names: r.names,
            given: r.given,
            surname: r.surname,
            dob: r.dob,
            a_number: r.a_number,
        }
    }

    /// Whether `k` is this person. A record of an earlier version (no
    /// name keys) is its A-number.
    fn is(&self, k: &ProbeKeys) -> bool {
        if self.names.iter().all(|&n| n == 0) {
            return self.a_number != 0 && self.a_number == k.a_number;
        }
        relation(k, &self.names, &self.given, &self.surname, self.dob) == Relation::Same
    }
}

/// Adds `c` to `people` unless one of them is the same person.
fn count_person(people: &mut Vec<Counted>, c: Counted) {
    let keys = ProbeKeys {
        names: c.names,
        given: c.given,
        surname: c.surname,
        dob: c.dob,
        a_number: c.a_number,
        address: [0; 16],
    };
    if !people.iter().any(|p| p.is(&keys)) {
        people.push(c);
    }
}

/// The record kept for a subject the guard let through.
pub fn record_of(k: &ProbeKeys, ctx: &ProbeContext) -> ProbeRecord {
    ProbeRecord {
        names: k.names,
        given: k.given,
        surname: k.surname,
        dob: k.dob,
        a_number: k.a_number,
        address: k.address,
        agency: ctx.agency,
        request: ctx.request,
        day: ctx.day,
    }
}

/// Marks, within one request, every copy of a person ([`Relation::Same`])
/// as `DUPLICATE_SUBJECT`, and every subject whose identity key appears
/// with another date of birth, or with the same one for a namesake, as
/// `dob_required`.
fn within_request(keys: &[Option<ProbeKeys>], out: &mut GuardOutcome) {
    let mut entries: Vec<(u64, u64, u32)> = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        if let Some(k) = k {
            entries.extend(k.name_keys().map(|n| (n, k.dob, i as u32)));
        }
    }
    entries.par_sort_unstable();
    entries.dedup();
    let mut duplicate = vec![false; keys.len()];
    let mark = |a: u32, b: u32, duplicate: &mut Vec<bool>| {
        if a == b {
            return;
        }
        if let (Some(x), Some(y)) = (&keys[a as usize], &keys[b as usize]) {
            if same_name(&x.names, &x.given, &y.names, &y.given) {
                duplicate[a as usize] = true;
                duplicate[b as usize] = true;
            }
        }
    };
    for run in entries.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 {
            continue;
        }
        let unknown = run.partition_point(|e| e.1 == 0);
        // Without a date of birth: against every other ask of the key.
        // Pairwise while the run is short; in a long run (a common name in
        // a big batch), against the asks whose given name has the same
        // sound or nickname class (one edit or an initial apart with
        // another sound is left to the decision, which compares every ask
        // with the taxpayer: `ProbeHistory::asked_elsewhere`).
        if unknown > 1 && unknown <= IN_REQUEST_PAIRWISE_MAX {
            for (x, u) in run[..unknown].iter().enumerate() {
                for e in &run[x + 1..unknown] {
                    mark(u.2, e.2, &mut duplicate);
                }
            }
        } else if unknown > 1 {
            let mut buckets: HashMap<(u8, u32), Vec<u32>> = HashMap::new();
            for e in run {
                if let Some(k) = &keys[e.2 as usize] {
                    for g in &k.given {
                        for (tag, v) in [(0u8, g.sound), (1, g.canonical)] {
                            if v != 0 {
                                buckets.entry((tag, v)).or_default().push(e.2);
                            }
                        }
                    }
                }
            }
            // Here only asks without a date of birth are marked against one
            // another: one such ask must not refuse every namesake of a big
            // batch who gave one. Whether it names the same taxpayer as one
            // of them is the decision's to check (`asked_elsewhere`: it
            // withholds a taxpayer named at two addresses).
            let no_dob = |i: &u32| keys[*i as usize].as_ref().is_some_and(|k| k.dob == 0);
            for bucket in buckets.values_mut() {
                bucket.retain(no_dob);
                bucket.sort_unstable();
                bucket.dedup();
                if bucket.len() >= 2 {
                    for &i in bucket.iter() {
                        duplicate[i as usize] = true;
                    }
                }
            }
        }
        let same_keys = |a: u32, b: u32| match (&keys[a as usize], &keys[b as usize]) {
            (Some(x), Some(y)) => same_name(&x.names, &x.given, &y.names, &y.given),
            _ => false,
        };
        let known = &run[unknown..];
        let distinct_known = known.chunk_by(|a, b| a.1 == b.1).count();
        for same_dob in known.chunk_by(|a, b| a.1 == b.1) {
            if same_dob.len() > PAIRWISE_MAX {
                // One name and one date of birth asked this often is no
                // lawful batch of people: every copy is refused.
                for e in same_dob {
                    duplicate[e.2 as usize] = true;
                }
                continue;
            }
            // The same ask (names a typo apart) is a copy; namesakes with
            // one birthday are two people, each needing that date of birth
            // on file (`Relation::Namesake`).
            for (x, a) in same_dob.iter().enumerate() {
                for b in &same_dob[x + 1..] {
                    if let (Some(p), Some(q)) = (&keys[a.2 as usize], &keys[b.2 as usize]) {
                        match relation(p, &q.names, &q.given, &q.surname, q.dob) {
                            Relation::Same => {
                                duplicate[a.2 as usize] = true;
                                duplicate[b.2 as usize] = true;
                            }
                            Relation::Namesake => {
                                out.dob_required[a.2 as usize] = true;
                                out.dob_required[b.2 as usize] = true;
                            }
                            Relation::Different | Relation::OtherDob => {}
                        }
                    }
                }
            }
        }
        if distinct_known > 1 {
            // Asks of one name with two dates of birth: each needs its date
            // of birth on file. Pairwise while that is cheap; past
            // `PAIRWISE_MAX` asks of one key, all of them (fail closed).
            if known.len() > IN_REQUEST_PAIRWISE_MAX {
                for e in known {
                    out.dob_required[e.2 as usize] = true;
                }
            } else {
                for (x, a) in known.iter().enumerate() {
                    for b in &known[x + 1..] {
                        if a.1 != b.1 && same_keys(a.2, b.2) {
                            out.dob_required[a.2 as usize] = true;
                            out.dob_required[b.2 as usize] = true;
                        }
                    }
                }
            }
        }
        if unknown > 0 && !known.is_empty() {
            // One name asked with a date of birth and without: the ask with
            // one needs it on file. A taxpayer filed without one could
            // otherwise be confirmed at either address (each ask on the
            // name alone); with one on file, the decision withholds the ask
            // without (it sees the other, alike the taxpayer on their
            // birthday). Pairwise while cheap, else all (fail closed).
            if unknown * known.len() > IN_REQUEST_PAIRWISE_MAX * IN_REQUEST_PAIRWISE_MAX {
                for e in known {
                    out.dob_required[e.2 as usize] = true;
                }
            } else {
                for b in known {
                    if run[..unknown].iter().any(|a| same_keys(a.2, b.2)) {
                        out.dob_required[b.2 as usize] = true;
                    }
                }
            }
        }
    }
    for (i, d) in duplicate.into_iter().enumerate() {
        if d {
            out.reasons[i].push(ReasonCode::DuplicateSubject);
        }
    }
}

/// Applies DUPLICATE_SUBJECT (by identity), REPEAT_INQUIRY,
/// ADDRESS_PROBING, ADDRESS_FANOUT and A_NUMBER_CONFLICT to the subjects
/// that have keys (those that passed every other rule), in request order.
pub fn guard(
    keys: &[Option<ProbeKeys>],
    history: &ProbeHistory,
    ctx: &ProbeContext,
    policy: &PolicyConfig,
) -> GuardOutcome {
    let within =
        |r: &ProbeRecord, window: i64| r.day <= ctx.day && i64::from(ctx.day - r.day) < window;
    let mut out = GuardOutcome {
        reasons: vec![Vec::new(); keys.len()],
        dob_required: vec![false; keys.len()],
        cross_agency: false,
        records: Vec::new(),
    };
    within_request(keys, &mut out);
    // Distinct people this agency asked about at each address within the
    // fanout window: from the history once per address, then grown by this
    // request's subjects.
    let mut people_at: HashMap<Key, Vec<Counted>, std::hash::BuildHasherDefault<KeyHasher>> =
        HashMap::default();
    // An address asked about once in this request and never in the window
    // has nobody else to count: most of a big batch skips the map.
    let mut by_address: Vec<(Key, u32)> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| k.as_ref().map(|k| (k.address, i as u32)))
        .collect();
    by_address.par_sort_unstable();
    let mut shared = vec![false; keys.len()];
    for run in by_address.chunk_by(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            for e in run {
                shared[e.1 as usize] = true;
            }
        }
    }
    drop(by_address);
    let mut related = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let Some(k) = k else { continue };
        let reasons = &mut out.reasons[i];
        if history.related(k, &mut related) {
            out.dob_required[i] = true;
        }
        for &ri in &related {
            let r = &history.records[ri as usize];
            if r.agency != ctx.agency {
                if within(r, policy.address_window_days) {
                    out.cross_agency = true;
                }
                continue;
            }
            if within(r, policy.repeat_window_days) {
                reasons.push(ReasonCode::RepeatInquiry);
            }
            if r.address != k.address && within(r, policy.address_window_days) {
                reasons.push(ReasonCode::AddressProbing);
            }
        }
        let conflict = run(&history.a_number_runs, &history.by_a_number, &k.a_number)
            .iter()
            .map(|e| &history.records[e.1 as usize])
            .filter(|r| r.agency == ctx.agency && within(r, policy.address_window_days))
            .filter(|r| r.name_keys().next().is_some())
            .any(|r| {
                // Another person: another name, another date of birth, or
                // a namesake with the same one (a date of birth given now
                // and not before is no conflict).
                !same_name(&k.names, &k.given, &r.names, &r.given)
                    || matches!(
                        relation(k, &r.names, &r.given, &r.surname, r.dob),
                        Relation::OtherDob | Relation::Namesake
                    )
            });
        if conflict {
            reasons.push(ReasonCode::ANumberConflict);
        }
        let alone = !shared[i]
            && policy.fanout_people_max >= 1
            && run(&history.address_runs, &history.by_address, &k.address).is_empty();
        if alone {
            reasons.sort();
            reasons.dedup();
            if reasons.is_empty() {
                out.records.push(record_of(k, ctx));
            }
            continue;
        }
        let people = people_at.entry(k.address).or_insert_with(|| {
            let mut people = Vec::new();
            for e in run(&history.address_runs, &history.by_address, &k.address) {
                let r = &history.records[e.1 as usize];
                if r.agency == ctx.agency && within(r, policy.fanout_window_days) {
                    count_person(&mut people, Counted::of(r));
                }
            }
            people
        });
        let known = people.iter().any(|p| p.is(k));
        if !known && people.len() >= policy.fanout_people_max as usize {
            reasons.push(ReasonCode::AddressFanout);
        }
        reasons.sort();
        reasons.dedup();
        if reasons.is_empty() {
            let c = Counted {
                names: k.names,
                given: k.given,
                surname: k.surname,
                dob: k.dob,
                a_number: k.a_number,
            };
            if !known {
                people.push(c);
            }
            out.records.push(record_of(k, ctx));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: u8 = 1;
    const OTHER: u8 = 2;

    fn person(name: u64, dob: u64, addr: u8, a: u64) -> Option<ProbeKeys> {
        let mut names = [0; PROBE_NAME_KEYS];
        names[0] = name;
        names[1] = name + 1000;
        // The surname's keys: one name spelt one way.
        let mut surname = [0; GIVEN_DELETIONS];
        surname[0] = (name as u16).max(1);
        Some(ProbeKeys {
            names,
            given: [GivenKeys::default(); 2],
            surname,
            dob,
            a_number: a,
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

    fn run(history: &[ProbeRecord], batch: &[Option<ProbeKeys>], c: &ProbeContext) -> GuardOutcome {
        let p = PolicyConfig::defaults();
        guard(
            batch,
            &ProbeHistory::new(history, c.request, c.day, &p),
            c,
            &p,
        )
    }

    #[test]
    fn a_repeat_within_180_days_for_the_same_agency_is_refused_other_agencies_hold_the_batch() {
        let first = run(&[], &[person(1, 5, 9, 100)], &ctx(1000, OWN)).records;
        assert_eq!(first.len(), 1);
        let again = run(&first, &[person(1, 5, 9, 101)], &ctx(1179, OWN));
        assert_eq!(again.reasons[0], vec![ReasonCode::RepeatInquiry]);
        assert!(!again.cross_agency);
        assert!(run(&first, &[person(1, 5, 9, 100)], &ctx(1180, OWN)).reasons[0].is_empty());
        let other = run(&first, &[person(1, 5, 9, 102)], &ctx(1100, OTHER));
        assert!(other.reasons[0].is_empty(), "another agency is not told");
        assert!(
            other.cross_agency,
            "but the batch waits for the disclosure office"
        );
    }

    #[test]
    fn another_address_for_the_same_person_within_a_year_is_probing_for_the_agency_that_asked() {
        let first = run(&[], &[person(1, 5, 9, 100)], &ctx(1000, OWN)).records;
        assert_eq!(
            run(&first, &[person(1, 5, 8, 777)], &ctx(1300, OWN)).reasons[0],
            vec![ReasonCode::AddressProbing],
            "a fresh A-number does not make a fresh person"
        );
        assert!(run(&first, &[person(1, 5, 8, 100)], &ctx(1365, OWN)).reasons[0].is_empty());
        let other = run(&first, &[person(1, 5, 8, 100)], &ctx(1300, OTHER));
        assert!(other.reasons[0].is_empty() && other.cross_agency);
    }

    #[test]
    fn asks_without_a_date_of_birth_are_one_person_and_one_with_is_left_to_the_decision() {
        let nodob = run(&[], &[person(1, 0, 9, 100)], &ctx(1000, OWN)).records;
        assert_eq!(
            run(&nodob, &[person(1, 0, 8, 200)], &ctx(1200, OWN)).reasons[0],
            vec![ReasonCode::AddressProbing]
        );
        // A namesake who gave a date of birth is not refused for it: the
        // decision withholds a taxpayer both asks could name.
        let dob = run(&nodob, &[person(1, 6, 8, 200)], &ctx(1010, OWN));
        assert!(dob.reasons[0].is_empty(), "{:?}", dob.reasons);
        let first = run(&[], &[person(1, 5, 9, 100)], &ctx(1000, OWN)).records;
        assert!(run(&first, &[person(1, 0, 8, 100)], &ctx(1200, OWN)).reasons[0].is_empty());
        // In one request: neither is refused, and the ask with a date of
        // birth needs it on file (a taxpayer filed without one could be
        // confirmed at either address otherwise); a stranger does not.
        let both = run(
            &[],
            &[
                person(1, 0, 9, 100),
                person(1, 5, 8, 200),
                person(50, 5, 7, 300),
            ],
            &ctx(1000, OWN),
        );
        assert!(both.reasons.iter().all(Vec::is_empty), "{:?}", both.reasons);
        assert_eq!(both.dob_required, vec![false, true, false]);
    }

    #[test]
    fn another_date_of_birth_is_another_person_whose_answer_needs_the_date_on_file() {
        let first = run(&[], &[person(1, 5, 9, 100)], &ctx(1000, OWN)).records;
        let second = run(&first, &[person(1, 6, 8, 200)], &ctx(1010, OWN));
        assert!(second.reasons[0].is_empty(), "{:?}", second.reasons);
        assert!(second.dob_required[0]);
        let stranger = run(&first, &[person(50, 6, 8, 300)], &ctx(1010, OWN));
        assert!(!stranger.dob_required[0]);
    }

    #[test]
    fn a_fifth_person_at_one_address_is_refused_within_and_across_batches() {
        let batch: Vec<_> = (1..=6).map(|p| person(p * 10, p, 9, 100 + p)).collect();
        let first = run(&[], &batch, &ctx(1000, OWN));
        let fanout = vec![ReasonCode::AddressFanout];
        assert_eq!(
            first.reasons,
            vec![
                vec![],
                vec![],
                vec![],
                vec![],
                fanout.clone(),
                fanout.clone()
            ]
        );
        assert_eq!(first.records.len(), 4);
        // Later, a new person is refused; one already counted is not.
        let later = run(
            &first.records,
            &[person(70, 7, 9, 107), person(20, 2, 9, 102)],
            &ctx(1200, OWN),
        );
        assert_eq!(later.reasons[0], fanout);
        assert!(!later.reasons[1].contains(&ReasonCode::AddressFanout));
    }

    #[test]
    fn a_reused_a_number_is_a_conflict_and_buys_no_place_in_the_fanout_count() {
        let batch: Vec<_> = (1..=4).map(|p| person(p * 10, p, 9, 100 + p)).collect();
        let first = run(&[], &batch, &ctx(1000, OWN)).records;
        // The fifth person, with an A-number already counted at the address.
        let fifth = run(&first, &[person(50, 5, 9, 101)], &ctx(1001, OWN));
        assert!(fifth.reasons[0].contains(&ReasonCode::ANumberConflict));
        assert!(fifth.reasons[0].contains(&ReasonCode::AddressFanout));
        // The same A-number for the same person is no conflict.
        let same = run(&first, &[person(10, 1, 9, 101)], &ctx(1200, OWN));
        assert!(!same.reasons[0].contains(&ReasonCode::ANumberConflict));
    }

    #[test]
    fn copies_of_a_person_within_one_request_are_all_refused() {
        let out = run(
            &[],
            &[
                person(1, 5, 9, 100),
                person(1, 5, 8, 101),
                person(1, 6, 7, 102),
                person(2, 5, 6, 103),
            ],
            &ctx(1000, OWN),
        );
        assert_eq!(out.reasons[0], vec![ReasonCode::DuplicateSubject]);
        assert_eq!(out.reasons[1], vec![ReasonCode::DuplicateSubject]);
        assert!(out.reasons[2].is_empty() && out.dob_required[2]);
        assert!(out.reasons[3].is_empty() && !out.dob_required[3]);
        let nodob = run(
            &[],
            &[
                person(1, 0, 9, 100),
                person(1, 0, 8, 101),
                person(1, 5, 7, 102),
            ],
            &ctx(1000, OWN),
        );
        assert_eq!(nodob.reasons[0], vec![ReasonCode::DuplicateSubject]);
        assert_eq!(nodob.reasons[1], vec![ReasonCode::DuplicateSubject]);
        assert!(nodob.reasons[2].is_empty(), "left to the decision");
    }

    #[test]
    fn a_resumed_check_ignores_its_own_records() {
        let c = ctx(1000, OWN);
        let recs = run(&[], &[person(1, 5, 9, 100)], &c).records;
        assert!(run(&recs, &[person(1, 5, 9, 100)], &c).reasons[0].is_empty());
    }

    #[test]
    fn a_record_of_an_earlier_version_counts_its_person_by_a_number() {
        let mut legacy = run(&[], &[person(1, 5, 9, 100)], &ctx(1000, OWN)).records[0];
        legacy.names = [0; PROBE_NAME_KEYS];
        legacy.given = [GivenKeys::default(); 2];
        legacy.dob = 0;
        let p = PolicyConfig::defaults();
        let hist = vec![legacy; 1];
        let mut four = hist.clone();
        for a in 101..104 {
            four.push(ProbeRecord {
                a_number: a,
                ..legacy
            });
        }
        let out = guard(
            &[person(2, 5, 9, 200)],
            &ProbeHistory::new(&four, [0; 16], 1001, &p),
            &ctx(1001, OWN),
            &p,
        );
        assert_eq!(out.reasons[0], vec![ReasonCode::AddressFanout]);
        let out = guard(
            &[person(2, 5, 9, 100)],
            &ProbeHistory::new(&four, [0; 16], 1001, &p),
            &ctx(1001, OWN),
            &p,
        );
        assert!(out.reasons[0].is_empty(), "{:?}", out.reasons[0]);
    }

    #[test]
    fn subjects_without_keys_are_not_judged_or_recorded() {
        let out = run(&[], &[None, person(1, 5, 9, 100)], &ctx(1000, OWN));
        assert!(out.reasons[0].is_empty());
        assert_eq!(out.records.len(), 1);
    }

    fn subject(first: &str, middle: &str, last: &str, suffix: &str, dob: &str, a: &str) -> Subject {
        Subject {
            first_name: first.into(),
            middle_name: middle.into(),
            last_name: last.into(),
            suffix: suffix.into(),
            dob: dob.into(),
            a_number: a.into(),
            ..Subject::default()
        }
    }

    #[test]
    fn the_spellings_of_the_walk_arounds_are_one_person_to_the_guard() {
        let k = Keyer::new(&[7; 32]);
        let base = k.subject_keys(
            &subject("Jose", "", "Garcia Lopez", "", "1980-02-03", "A123456789"),
            "x",
        );
        for (i, variant) in [
            subject("Garcia Lopez", "", "Jose", "", "1980-02-03", "A000000001"),
            subject("Jose", "", "Garcia Lopez", "Jr", "1980-02-03", "A000000002"),
            subject("Jose", "", "Garcia Lopes", "", "1980-02-03", "A000000003"),
            subject(
                "Jose",
                "",
                "Gar\u{200b}cia Lopez",
                "",
                "1980-02-03",
                "A000000004",
            ),
            subject("Pepe", "", "Garcia", "", "1980-02-03", "A000000005"),
            subject("JOSÉ", "", "GARCÍA-LÓPEZ", "", "1980-02-03", "A000000006"),
        ]
        .iter()
        .enumerate()
        {
            let v = k.subject_keys(variant, "y");
            assert_eq!(
                relation(&v, &base.names, &base.given, &base.surname, base.dob),
                Relation::Same,
                "variant {i}"
            );
        }
        for other in [
            subject("Maria", "", "Nguyen", "", "1980-02-03", "A1"),
            subject("Juan", "", "Garcia Lopez", "", "1980-02-03", "A1"),
        ] {
            let o = k.subject_keys(&other, "x");
            assert_eq!(
                relation(&o, &base.names, &base.given, &base.surname, base.dob),
                Relation::Different
            );
        }
        let elsewhen = k.subject_keys(&subject("Jose", "", "Garcia", "", "1991-07-08", "A2"), "x");
        assert_eq!(
            relation(&elsewhen, &base.names, &base.given, &base.surname, base.dob),
            Relation::OtherDob
        );
    }

    #[test]
    fn namesakes_with_one_birthday_are_two_people_who_each_need_it_on_file() {
        let k = Keyer::new(&[7; 32]);
        let ask = |first: &str, last: &str, addr: &str| {
            let a = format!("A-{first}-{last}-{addr}");
            Some(k.subject_keys(&subject(first, "", last, "", "1980-02-03", &a), addr))
        };
        let base = ask("Jose", "Garcia", "x").unwrap();
        for (first, last) in [("Jose", "Garza"), ("Luis", "Garcia"), ("Jose", "Gonzalez")] {
            let o = ask(first, last, "y").unwrap();
            let rel = relation(&o, &base.names, &base.given, &base.surname, base.dob);
            assert!(
                matches!(rel, Relation::Namesake | Relation::Different),
                "{first} {last}: {rel:?}"
            );
        }
        let garza = ask("Jose", "Garza", "y").unwrap();
        assert_eq!(
            relation(&garza, &base.names, &base.given, &base.surname, base.dob),
            Relation::Namesake,
            "same sound, same birthday, two people"
        );
        // In one request: neither refused, both need the date on file.
        let out = run(
            &[],
            &[ask("Jose", "Garcia", "x"), ask("Jose", "Garza", "y")],
            &ctx(1000, OWN),
        );
        assert!(out.reasons.iter().all(Vec::is_empty), "{:?}", out.reasons);
        assert_eq!(out.dob_required, vec![true, true]);
        // Across requests: the same.
        let later = run(
            &out.records[..1],
            &[ask("Jose", "Garza", "z")],
            &ctx(1001, OWN),
        );
        assert!(later.reasons[0].is_empty(), "{:?}", later.reasons);
        assert!(later.dob_required[0]);
        // A typo of the same name on the same birthday is the same ask.
        let typo = run(
            &[],
            &[ask("Jose", "Garcia", "x"), ask("Jose", "Garcai", "y")],
            &ctx(1000, OWN),
        );
        assert_eq!(typo.reasons[0], vec![ReasonCode::DuplicateSubject]);
        assert_eq!(typo.reasons[1], vec![ReasonCode::DuplicateSubject]);
        let again = run(
            &out.records[..1],
            &[ask("Jose", "Garcai", "y")],
            &ctx(1001, OWN),
        );
        assert!(again.reasons[0].contains(&ReasonCode::AddressProbing));
    }

    #[test]
    fn the_decision_finds_in_one_request_the_asks_alike_a_taxpayer_with_their_birthday() {
        let k = Keyer::new(&[7; 32]);
        let dob = time::Date::from_calendar_date(1980, time::Month::February, 3).ok();
        let t = k.taxpayer_keys("JOSE", "JOSE", "GARCIA", "", dob);
        let record = |first: &str, last: &str, birth: &str, addr: &str| {
            let s = k.subject_keys(&subject(first, "", last, "", birth, "A1"), addr);
            record_of(
                &s,
                &ProbeContext {
                    agency: [1; 16],
                    request: [4; 16],
                    day: 1000,
                },
            )
        };
        let here = k.key("address", "here");
        // GARCIO and GARSIA: each one edit from GARCIA, two from each other.
        let asks = [record("Jose", "Garsia", "1980-02-03", "elsewhere")];
        let h = ProbeHistory::of_request(&asks, [4; 16]);
        assert!(h.asked_in_request_elsewhere(&t, here, true));
        // A namesake on that birthday (not alike) or on another: not.
        for r in [
            record("Jose", "Garza", "1980-02-03", "elsewhere"),
            record("Jose", "Garcia", "1990-01-01", "elsewhere"),
        ] {
            let h = ProbeHistory::of_request(&[r], [4; 16]);
            assert!(!h.asked_in_request_elsewhere(&t, here, true));
        }
        // The same ask at this address: not elsewhere.
        let h =
            ProbeHistory::of_request(&[record("Jose", "Garsia", "1980-02-03", "here")], [4; 16]);
        assert!(!h.asked_in_request_elsewhere(&t, here, true));
        // An ask without a date of birth counts for asks without one only.
        let h = ProbeHistory::of_request(&[record("Jose", "Garcia", "", "elsewhere")], [4; 16]);
        assert!(h.asked_in_request_elsewhere(&t, here, false));
        assert!(!h.asked_in_request_elsewhere(&t, here, true));
    }

    #[test]
    fn given_names_of_one_person_are_compatible_and_two_peoples_are_not() {
        let k = Keyer::new(&[3; 32]);
        let g = |first: &str| {
            k.subject_keys(&subject(first, "", "Smith", "", "", "A1"), "x")
                .given
        };
        for (a, b) in [
            ("Jonathan", "Jonathn"),
            ("Jonathan", "J"),
            ("Bill", "William"),
            ("Catherine", "Katherine"),
            ("Jose", "Josue"),
            ("Maria", "Maira"),
            ("Robert", "Roberto"),
        ] {
            assert!(given_compatible(&g(a)[0], &g(b)[0]), "{a} / {b}");
        }
        for (a, b) in [
            ("Jose", "Juan"),
            ("Mario", "Maria"),
            ("Juan", "Juana"),
            ("Daniel", "Daniela"),
            ("Ana", "Rosa"),
            ("Jose", "Luis"),
            ("J", "Maria"),
        ] {
            assert!(!given_compatible(&g(a)[0], &g(b)[0]), "{a} / {b}");
        }
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
        let s = subject("Ann", "", "Lee", "", "1975-05-05", "A12345678");
        assert_ne!(a.subject_keys(&s, "x").names, b.subject_keys(&s, "x").names);
    }
}
