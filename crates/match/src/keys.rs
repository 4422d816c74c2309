//! Standardised, compact forms of a name and an address, and the blocking
//! keys built from them.
//!
//! Addresses are kept as keys: the exact address, the building, and the
//! delivery point without its street name; the street's words are kept
//! beside them by the index, to bridge a keying error at one delivery
//! point. Names are kept as folded tokens because the scoring measures
//! spelling distance between them. This module does not decide anything;
//! see [`crate::decide`].
//!
//! The keys are XXH3 (128 bits for the exact address, 64 for the rest) of
//! the domain and the length-framed parts: lookup keys, not commitments.
//! They hide nothing (the index holds the street words and names in clear,
//! and a house number is a guess of five digits), and a key made equal on
//! purpose gives a requester nothing (the address it equals would be
//! answered the same if asked outright; the probing guard keys the
//! standardised text with its own secret, never these). What they must do
//! is not collide by chance: 128 bits for the identity of an address
//! (a collision among a billion addresses has odds of 10^-21). They
//! replaced SHA-256 truncations in index format 8: a tenth of the build's
//! time went to hashing keys.
use vouch_normalize::{
    nickname_canonical, phonetic_primary, standardize_address, standardize_name, StandardName,
};

/// Hash of a standardised address (the exact-comparison key).
pub type AddressKey = u128;

/// The keys of one standardised address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressKeys {
    /// Exact key: house number, street, unit and ZIP5 (Publication 28 form).
    pub exact: AddressKey,
    /// Building key: ZIP5, house number and street name, without the unit.
    pub building: u64,
    /// ZIP5 as an integer.
    pub zip5: u32,
    /// The delivery point without its street name (ZIP5, house number,
    /// directionals, unit, urbanization); 0 when the address has none (not
    /// a street address with a house number): it then matches exactly only.
    pub point: u64,
    /// The standardised city, hashed (0: none): what tells a ZIP keyed one
    /// digit off from another town's street.
    pub city: u32,
}

/// Gives `f` the domain and each part framed by its length (so that no
/// two different lists of parts are the same bytes), on the stack when
/// short.
fn framed<R>(domain: &[u8], parts: &[&[u8]], f: impl FnOnce(&[u8]) -> R) -> R {
    const STACK: usize = 256;
    let len = domain.len() + parts.iter().map(|p| 4 + p.len()).sum::<usize>();
    let mut stack = [0u8; STACK];
    let mut heap = Vec::new();
    let buf: &mut [u8] = if len <= STACK {
        &mut stack[..len]
    } else {
        heap.resize(len, 0);
        &mut heap
    };
    buf[..domain.len()].copy_from_slice(domain);
    let mut at = domain.len();
    for p in parts {
        buf[at..at + 4].copy_from_slice(&(p.len() as u32).to_le_bytes());
        buf[at + 4..at + 4 + p.len()].copy_from_slice(p);
        at += 4 + p.len();
    }
    f(buf)
}

/// A 64-bit domain-separated hash of some parts (blocking keys).
pub fn hash64(domain: &[u8], parts: &[&[u8]]) -> u64 {
    framed(domain, parts, xxhash_rust::xxh3::xxh3_64)
}

/// The key of a street spelling in a ZIP5 (which spellings are streets).
pub fn street_key(zip5: u32, words: &str) -> u64 {
    hash64(
        b"vouch-street-1\0",
        &[&zip5.to_le_bytes(), words.as_bytes()],
    )
}

/// The exact key of an address's match key (`StandardAddress::match_key`).
pub fn exact_key(match_key: &str) -> AddressKey {
    framed(
        b"vouch-addr-1\0",
        &[match_key.as_bytes()],
        xxhash_rust::xxh3::xxh3_128,
    )
}

/// The building key of a ZIP5 and a street key (`StandardAddress::street_key`:
/// house number and street name).
pub fn building_key(zip5: &str, street_key: &str) -> u64 {
    hash64(b"vouch-bldg-1\0", &[zip5.as_bytes(), street_key.as_bytes()])
}

/// The address key, or `None` when the address is not complete enough to
/// compare (a lookup without a comparable address can never confirm).
pub fn address_key(street: &str, city: &str, state: &str, zip: &str) -> Option<AddressKey> {
    address_keys(street, city, state, zip).map(|k| k.exact)
}

/// Every key of an address, or `None` when it is not comparable.
pub fn address_keys(street: &str, city: &str, state: &str, zip: &str) -> Option<AddressKeys> {
    let a = standardize_address(street, city, state, zip);
    address_keys_of(&a, &a.match_key())
}

/// [`address_keys`] of an address already standardised, whose match key
/// is `key`.
pub fn address_keys_of(a: &vouch_normalize::StandardAddress, key: &str) -> Option<AddressKeys> {
    keys_with(a, key, &mut String::new())
}

/// The buffers [`address_keys_in`] builds an address's texts in, kept
/// from one address to the next (the index build keys a hundred million).
#[derive(Debug, Default)]
pub struct KeyScratch {
    key: String,
    other: String,
}

/// [`address_keys_of`] an address already standardised, its match key
/// and the other keyed texts built in `scratch`.
pub fn address_keys_in(
    a: &vouch_normalize::StandardAddress,
    scratch: &mut KeyScratch,
) -> Option<AddressKeys> {
    a.match_key_into(&mut scratch.key);
    keys_with(a, &scratch.key, &mut scratch.other)
}

fn keys_with(
    a: &vouch_normalize::StandardAddress,
    key: &str,
    other: &mut String,
) -> Option<AddressKeys> {
    let zip5 = a.zip5.as_deref()?;
    if key.is_empty() {
        return None;
    }
    a.street_key_into(other);
    let building = building_key(zip5, other);
    let point = if a.delivery_point_into(other) {
        point_key(other)
    } else {
        0
    };
    Some(AddressKeys {
        exact: exact_key(key),
        building,
        zip5: zip5.parse().ok()?,
        point,
        city: city_key(&a.city),
    })
}

/// The key of a delivery point (`StandardAddress::delivery_point`), never 0.
pub fn point_key(point: &str) -> u64 {
    hash64(b"vouch-point-1\0", &[point.as_bytes()]).max(1)
}

/// The key of a standardised city (0: none).
pub fn city_key(city: &str) -> u32 {
    if city.is_empty() {
        return 0;
    }
    ((hash64(b"vouch-city-1\0", &[city.as_bytes()]) >> 32) as u32).max(1)
}

/// A name as folded tokens: the parts the scoring compares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameTokens<S = String> {
    /// Tokens of the first-name field.
    pub given: Vec<S>,
    /// Tokens of the middle-name field.
    pub middle: Vec<S>,
    /// Surname tokens without particles.
    pub surnames: Vec<S>,
    /// Particles (`DE`, `LA`) of the surname.
    pub particles: Vec<S>,
}

impl<S: AsRef<str>> NameTokens<S> {
    /// First given token (the middle name when the first field is empty).
    pub fn first_given(&self) -> &str {
        first_given(&self.given, &self.middle)
    }

    /// Paternal (first) surname.
    pub fn paternal(&self) -> &str {
        self.surnames.first().map_or("", AsRef::as_ref)
    }

    /// The surnames joined without spaces (`GARCIALOPEZ`): the term-frequency key.
    pub fn surname_joined(&self) -> String {
        self.surnames.iter().map(AsRef::as_ref).collect()
    }

    /// Whether both a given name and a surname are present.
    pub fn is_usable(&self) -> bool {
        usable(&self.given, &self.middle, &self.surnames)
    }
}

/// Whether a name of these given, middle and surname tokens has both a
/// given name (the first of the given or, without one, the middle names)
/// and a surname: [`NameTokens::is_usable`], for tokens held elsewhere.
pub fn usable<S: AsRef<str>>(given: &[S], middle: &[S], surnames: &[S]) -> bool {
    !first_given(given, middle).is_empty() && !surnames.is_empty()
}

fn first_given<'a, S: AsRef<str>>(given: &'a [S], middle: &'a [S]) -> &'a str {
    given.first().or(middle.first()).map_or("", AsRef::as_ref)
}

impl NameTokens<String> {
    /// The tokens of a standardised name.
    pub fn of(n: &StandardName) -> NameTokens<String> {
        NameTokens {
            given: n.given.clone(),
            middle: n.middle.clone(),
            surnames: n.surnames.clone(),
            particles: n.particles.clone(),
        }
    }
}

impl From<StandardName> for NameTokens<String> {
    /// The tokens of a standardised name, moved out of it.
    fn from(n: StandardName) -> NameTokens<String> {
        NameTokens {
            given: n.given,
            middle: n.middle,
            surnames: n.surnames,
            particles: n.particles,
        }
    }
}

/// Suffix code: 0 for none, else a small integer per suffix.
pub fn suffix_code(n: &StandardName) -> u8 {
    n.suffix.map_or(0, |s| s as u8 + 1)
}

/// Standardises a name from its four fields.
pub fn name(first: &str, middle: &str, last: &str, suffix: &str) -> StandardName {
    standardize_name(first, middle, last, suffix)
}

/// The blocking keys of one (name, date of birth, address) combination.
/// Each is independent of the others so that one typo cannot hide a
/// taxpayer from all of them (field notes, Matching 5).
pub fn block_keys<S: AsRef<str>>(n: &NameTokens<S>, dob: u32, zip5: u32) -> [Option<u64>; 3] {
    let surname = phonetic_primary(n.paternal());
    let first = n.first_given();
    block_keys_of(
        &surname,
        given_initial(first),
        &phonetic_primary(first),
        dob,
        zip5,
    )
}

/// The initial blocking takes of a first given name: that of its
/// nickname class's canonical spelling (none for an empty name).
pub fn given_initial(first: &str) -> Option<u8> {
    nickname_canonical(first).bytes().next()
}

/// [`block_keys`] from what it takes of the name: the paternal surname's
/// primary phonetic code, the first given name's [`given_initial`] and
/// primary phonetic code (the index build computes those once per token).
pub fn block_keys_of(
    surname: &str,
    initial: Option<u8>,
    given_code: &str,
    dob: u32,
    zip5: u32,
) -> [Option<u64>; 3] {
    let initial = initial.as_slice();
    let zip = zip5.to_le_bytes();
    let zip3 = (zip5 / 100).to_le_bytes();
    let zip_surname = (!surname.is_empty())
        .then(|| hash64(b"vouch-blk-zs\0", &[&zip, surname.as_bytes(), initial]));
    let dob_given = (dob != 0 && !initial.is_empty())
        .then(|| hash64(b"vouch-blk-dg\0", &[&dob.to_le_bytes(), initial]));
    let phonetic = (!surname.is_empty() && !given_code.is_empty()).then(|| {
        hash64(
            b"vouch-blk-ph\0",
            &[&zip3, surname.as_bytes(), given_code.as_bytes()],
        )
    });
    [zip_surname, dob_given, phonetic]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_variants_share_the_exact_key_and_units_split_it() {
        let a = address_keys("1234 N Main St Apt 5", "Los Angeles", "CA", "90012").unwrap();
        let b = address_keys(
            "1234 North Main Street #5",
            "LOS ANGELES",
            "CA",
            "90012-1234",
        )
        .unwrap();
        let c = address_keys("1234 N Main St Apt 6", "Los Angeles", "CA", "90012").unwrap();
        assert_eq!(a, b);
        assert_ne!(a.exact, c.exact);
        assert_eq!(a.building, c.building);
        assert_eq!(a.zip5, 90012);
    }

    #[test]
    fn keys_built_in_one_scratch_for_address_after_address_are_each_addresses_own() {
        // Long then short texts, kinds without a delivery point between
        // ones with: nothing of one address may stay in the buffers.
        let lines = [
            (
                "1234 North Martin Luther King Jr Boulevard Apt 1205",
                "Los Angeles",
                "CA",
                "90012",
            ),
            ("PO Box 9", "Austin", "TX", "78702"),
            ("12 Elm St", "Austin", "TX", "78701-1234"),
            ("RR 2 Box 15", "Ames", "IA", "50010"),
            ("", "Austin", "TX", "78701"),
            ("77 Oak Ave", "Dallas", "TX", "75201"),
            ("150 Calle A Urb Las Gladiolas", "San Juan", "PR", "00926"),
            ("9 B St", "Dallas", "TX", "75201"),
        ];
        let mut scratch = KeyScratch::default();
        for _ in 0..2 {
            for (street, city, state, zip) in lines {
                let a = standardize_address(street, city, state, zip);
                assert_eq!(
                    address_keys_in(&a, &mut scratch),
                    address_keys(street, city, state, zip),
                    "{street}"
                );
            }
        }
    }

    #[test]
    fn an_address_without_zip_is_not_comparable() {
        assert!(address_key("1234 Main St", "Austin", "TX", "").is_none());
    }

    #[test]
    fn block_keys_survive_a_typo_in_one_field() {
        let n = NameTokens::of(&name("Jonathan", "", "Garcia", ""));
        let t = NameTokens::of(&name("Jonathn", "", "Garcia", ""));
        let (a, b) = (block_keys(&n, 10, 90012), block_keys(&t, 10, 90012));
        assert_eq!(a[0], b[0]);
        assert_eq!(a[1], b[1]);
    }
}
