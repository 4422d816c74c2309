//! Each recipient's assigned cases, as keyed hashes (never the case
//! numbers), kept with each request so that `RECIPIENT_CASELOAD` counts a
//! recipient's distinct cases over the window across letters.
//!
//! Encoding: per recipient, `u16` id length, the id, `u32` count, then
//! that many 16-byte keys; recipients one after another.

use std::collections::{HashMap, HashSet};
use vouch_core::RequestLetter;
use vouch_policy::probing::Keyer;

/// Recipient id to the keyed hashes of their cases.
pub type Caseload = HashMap<String, HashSet<[u8; 16]>>;

/// The caseload a letter assigns.
pub fn of_letter(keyer: &Keyer, letter: &RequestLetter) -> Caseload {
    let mut out = Caseload::new();
    for (r, c) in &letter.cases {
        let k = keyer.key("case", c.trim());
        let mut short = [0u8; 16];
        short.copy_from_slice(&k[..16]);
        out.entry(r.clone()).or_default().insert(short);
    }
    out
}

/// The bytes of a caseload (recipients in id order, keys sorted).
pub fn encode(c: &Caseload) -> Vec<u8> {
    let mut ids: Vec<&String> = c.keys().collect();
    ids.sort();
    let mut out = Vec::new();
    for id in ids {
        let mut keys: Vec<&[u8; 16]> = c[id].iter().collect();
        keys.sort();
        out.extend_from_slice(&(id.len() as u16).to_le_bytes());
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(&(keys.len() as u32).to_le_bytes());
        for k in keys {
            out.extend_from_slice(k);
        }
    }
    out
}

/// Adds the caseload encoded in `bytes` to `into`.
pub fn merge(into: &mut Caseload, mut bytes: &[u8]) -> Result<(), String> {
    let bad = || "stored caseload is malformed".to_string();
    while !bytes.is_empty() {
        let n = u16::from_le_bytes(
            bytes
                .get(..2)
                .ok_or_else(bad)?
                .try_into()
                .map_err(|_| bad())?,
        ) as usize;
        let id = std::str::from_utf8(bytes.get(2..2 + n).ok_or_else(bad)?).map_err(|_| bad())?;
        bytes = &bytes[2 + n..];
        let count = u32::from_le_bytes(
            bytes
                .get(..4)
                .ok_or_else(bad)?
                .try_into()
                .map_err(|_| bad())?,
        ) as usize;
        bytes = &bytes[4..];
        let keys = bytes.get(..count * 16).ok_or_else(bad)?;
        let set = into.entry(id.to_string()).or_default();
        for k in keys.chunks_exact(16) {
            let mut short = [0u8; 16];
            short.copy_from_slice(k);
            set.insert(short);
        }
        bytes = &bytes[count * 16..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caseload_round_trips_and_merges_by_recipient() {
        let mut a = Caseload::new();
        a.entry("r1".into())
            .or_default()
            .extend([[1u8; 16], [2; 16]]);
        a.entry("r2".into()).or_default().insert([3; 16]);
        let mut b = Caseload::new();
        b.entry("r1".into())
            .or_default()
            .extend([[2u8; 16], [4; 16]]);
        let mut merged = Caseload::new();
        merge(&mut merged, &encode(&a)).unwrap();
        merge(&mut merged, &encode(&b)).unwrap();
        assert_eq!(merged["r1"].len(), 3);
        assert_eq!(merged["r2"].len(), 1);
        let bytes = encode(&a);
        assert!(merge(&mut Caseload::new(), &bytes[..bytes.len() - 1]).is_err());
    }
}
