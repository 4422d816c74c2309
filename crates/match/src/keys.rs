//! The comparison keys of the exact matcher, hashed to fixed width.
//!
//! Keys are SHA-256 truncations, so an index holds no readable name or
//! address and rows have a fixed size. 128 bits for the address (it is the
//! block: a collision would merge two households), 64 for names (a name
//! collision must also share the 128-bit address to matter).

use sha2::{Digest, Sha256};
use vouch_normalize::{standardize_address, standardize_name, StandardName};

/// Hash of a standardised address.
pub type AddressKey = u128;
/// Hash of a standardised name (without suffix).
pub type NameKey = u64;

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

/// The address key, or `None` when the address is not complete enough to
/// compare (a lookup without a comparable address can never confirm).
pub fn address_key(street: &str, city: &str, state: &str, zip: &str) -> Option<AddressKey> {
    let a = standardize_address(street, city, state, zip);
    let key = a.match_key();
    if key.is_empty() || a.zip5.is_none() {
        return None;
    }
    let h = hash(b"vouch-addr-1\0", &key);
    Some(u128::from_le_bytes(h[..16].try_into().unwrap_or([0; 16])))
}

fn name_key_of(first: &str, surnames: &str) -> NameKey {
    let h = hash(b"vouch-name-1\0", &format!("{first}|{surnames}"));
    u64::from_le_bytes(h[..8].try_into().unwrap_or([0; 8]))
}

/// A standardised name's keys: the full key first, then the paternal-only
/// key of a compound surname (so `GARCIA` finds `GARCIA LOPEZ`).
pub fn name_keys(n: &StandardName) -> Vec<NameKey> {
    let first = vouch_normalize::nickname_canonical(n.first_given());
    let first = first.split(' ').next().unwrap_or(first);
    if first.is_empty() || n.surnames.is_empty() {
        return Vec::new();
    }
    let mut keys = vec![name_key_of(first, &n.surnames.concat())];
    if n.surnames.len() > 1 {
        keys.push(name_key_of(first, &n.surnames[0]));
    }
    keys
}

/// Standardises a name from its four fields.
pub fn name(first: &str, middle: &str, last: &str, suffix: &str) -> StandardName {
    standardize_name(first, middle, last, suffix)
}
