//! The comparison keys of the exact matcher, hashed to fixed width.
//!
//! Keys are SHA-256 truncations, so an index holds no readable name or
//! address and rows have a fixed size. 128 bits for the address (it is the
//! block: a collision would merge two households), 64 bits for each name part
//! (a name collision must also share the 128-bit address to matter).

use sha2::{Digest, Sha256};
use vouch_normalize::{standardize_address, standardize_name, StandardName};

/// Hash of a standardised address.
pub type AddressKey = u128;

/// Hashed parts of a standardised name, compared part by part so that a
/// hyphenated given name (`SUNG-MIN`), a dropped second surname and a
/// nickname each meet their own rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NameParts {
    /// First given token (`SUNG` of `SUNG-MIN`, `MARIA` of `MARIA GUADALUPE`).
    pub given_first: u64,
    /// Every token of the first-name field joined (`SUNGMIN`, `MARIAGUADALUPE`).
    pub given_joined: u64,
    /// Nickname-canonical first given token (`WILLIAM` for `BILL`).
    pub given_nick: u64,
    /// Surname compound without particles, joined (`GARCIALOPEZ`).
    pub surname_full: u64,
    /// Paternal (first) surname (`GARCIA`).
    pub surname_paternal: u64,
}

/// How two names agree, if they do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameAgreement {
    /// Same surname and the same given name only through a nickname class:
    /// evidence that supports a match but never confirms alone.
    Nickname,
    /// Same surname (or one side's paternal surname) and the same given name.
    Exact,
}

impl NameParts {
    /// How `self` (the subject) agrees with `other` (a master row).
    pub fn agreement(&self, other: &NameParts) -> Option<NameAgreement> {
        let surname = self.surname_full == other.surname_full
            || self.surname_full == other.surname_paternal
            || self.surname_paternal == other.surname_full;
        if !surname {
            return None;
        }
        let (a, b) = ([self.given_first, self.given_joined], [other.given_first, other.given_joined]);
        if a.iter().any(|x| b.contains(x)) {
            Some(NameAgreement::Exact)
        } else if self.given_nick == other.given_nick {
            Some(NameAgreement::Nickname)
        } else {
            None
        }
    }
}

/// Suffix code: 0 for none, else a small integer per suffix.
pub fn suffix_code(n: &StandardName) -> u8 {
    n.suffix.map_or(0, |s| s as u8 + 1)
}

fn hash(domain: &[u8], text: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(domain);
    h.update(text.as_bytes());
    h.finalize().into()
}

fn hash64(domain: &[u8], text: &str) -> u64 {
    let h = hash(domain, text);
    u64::from_le_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]])
}

/// The address key, or `None` when the address is not complete enough to
/// compare (a lookup without a comparable address can never confirm).
pub fn address_key(street: &str, city: &str, state: &str, zip: &str) -> Option<AddressKey> {
    let a = standardize_address(street, city, state, zip);
    let key = a.match_key();
    if key.is_empty() || a.zip5.is_none() {
        return None;
    }
    let h = hash(b"vouch-addr-1\0", &key);
    let mut k = [0u8; 16];
    k.copy_from_slice(&h[..16]);
    Some(u128::from_le_bytes(k))
}

/// A standardised name's hashed parts; `None` without a given name and a surname.
pub fn name_parts(n: &StandardName) -> Option<NameParts> {
    let first = n.first_given();
    if first.is_empty() || n.surnames.is_empty() {
        return None;
    }
    let joined: String = if n.given.is_empty() { first.to_string() } else { n.given.concat() };
    let nick = vouch_normalize::nickname_canonical(first);
    let nick = nick.split(' ').next().unwrap_or(nick);
    Some(NameParts {
        given_first: hash64(b"vouch-given-1\0", first),
        given_joined: hash64(b"vouch-given-1\0", &joined),
        given_nick: hash64(b"vouch-nick-1\0", nick),
        surname_full: hash64(b"vouch-surname-1\0", &n.surnames.concat()),
        surname_paternal: hash64(b"vouch-surname-1\0", &n.surnames[0]),
    })
}

/// Standardises a name from its four fields.
pub fn name(first: &str, middle: &str, last: &str, suffix: &str) -> StandardName {
    standardize_name(first, middle, last, suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(first: &str, last: &str) -> NameParts {
        name_parts(&name(first, "", last, "")).unwrap()
    }

    #[test]
    fn hyphenated_and_joined_given_names_agree_exactly() {
        assert_eq!(parts("SUNGMIN", "LEE").agreement(&parts("Sung-Min", "Lee")), Some(NameAgreement::Exact));
        assert_eq!(parts("MARIA", "LEE").agreement(&parts("Maria Guadalupe", "Lee")), Some(NameAgreement::Exact));
    }

    #[test]
    fn a_dropped_second_surname_agrees_but_a_different_one_does_not() {
        assert!(parts("Ana", "Garcia").agreement(&parts("Ana", "García López")).is_some());
        assert!(parts("Ana", "Garcia Lopez").agreement(&parts("Ana", "Garcia")).is_some());
        assert!(parts("Ana", "Garcia Lopez").agreement(&parts("Ana", "Garcia Martinez")).is_none());
    }

    #[test]
    fn nicknames_agree_only_at_the_nickname_level() {
        assert_eq!(parts("Bill", "Smith").agreement(&parts("William", "Smith")), Some(NameAgreement::Nickname));
        assert_eq!(parts("Bill", "Smith").agreement(&parts("Robert", "Smith")), None);
    }
}
