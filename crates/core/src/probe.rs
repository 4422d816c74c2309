//! The probing guard's history record: keyed hashes only, never plaintext.

/// A 128-bit keyed hash (HMAC-SHA-256 truncated).
pub type ProbeKey = [u8; 16];

/// One past inquiry about one person (one record per person key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeRecord {
    /// Keyed hash of the person.
    pub person: ProbeKey,
    /// Keyed hash of the standardised address asked about.
    pub address: ProbeKey,
    /// Keyed hash of the requesting agency.
    pub agency: ProbeKey,
    /// Keyed hash of the request (so a resumed check ignores its own records).
    pub request: ProbeKey,
    /// Day of the request's `submitted_at` (Julian day number).
    pub day: i32,
    /// Which person key this is: 0 for the primary (A-number), 1 for the
    /// name-with-DOB key. Counting people uses primaries only.
    pub kind: u8,
}

impl ProbeRecord {
    /// Bytes of the fixed-width encoding.
    pub const BYTES: usize = 16 * 4 + 4 + 1;

    /// Fixed-width big-endian encoding.
    pub fn encode(&self) -> [u8; Self::BYTES] {
        let mut b = [0u8; Self::BYTES];
        b[0..16].copy_from_slice(&self.person);
        b[16..32].copy_from_slice(&self.address);
        b[32..48].copy_from_slice(&self.agency);
        b[48..64].copy_from_slice(&self.request);
        b[64..68].copy_from_slice(&self.day.to_be_bytes());
        b[68] = self.kind;
        b
    }

    /// Decodes [`ProbeRecord::encode`]'s output.
    pub fn decode(b: &[u8; Self::BYTES]) -> ProbeRecord {
        let key = |o: usize| {
            let mut k = [0u8; 16];
            k.copy_from_slice(&b[o..o + 16]);
            k
        };
        ProbeRecord {
            person: key(0),
            address: key(16),
            agency: key(32),
            request: key(48),
            day: i32::from_be_bytes([b[64], b[65], b[66], b[67]]),
            kind: b[68],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips() {
        let r = ProbeRecord {
            person: [1; 16],
            address: [2; 16],
            agency: [3; 16],
            request: [4; 16],
            day: -5,
            kind: 1,
        };
        assert_eq!(ProbeRecord::decode(&r.encode()), r);
    }
}
