//! The probing guard's history record: keyed hashes only, never plaintext.

/// A 128-bit keyed hash (HMAC-SHA-256 truncated).
pub type ProbeKey = [u8; 16];

/// Identity keys one record holds, at most (the guard's name codes).
pub const PROBE_NAME_KEYS: usize = 10;

/// Keyed features of one given name, for telling namesakes apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GivenKeys {
    /// Keyed sound (Double Metaphone of the nickname-canonical form); 0: none.
    pub sound: u32,
    /// Keyed nickname-canonical spelling; 0: none.
    pub canonical: u32,
    /// Keyed bigram filter of the canonical spelling (64 bits).
    pub bigrams: u64,
    /// Keyed first-letter class (15 bits), with `0x8000` set when the name
    /// is an initial only; 0: none.
    pub initial: u16,
    /// Keyed hashes (16 bits) of the canonical spelling and of it with one
    /// letter deleted, one per position (the first 11): two spellings one
    /// edit apart share one. 0: unused.
    pub deletions: [u16; GIVEN_DELETIONS],
    /// Keyed hash (14 bits) of the name without its gender ending, in the
    /// low bits, and the ending in the top two (1: `A`, 2: `O`, 0: none);
    /// 0: none.
    pub stem: u16,
}

/// Deletion-neighbourhood entries kept per given name.
pub const GIVEN_DELETIONS: usize = 12;

impl GivenKeys {
    /// Bytes of the fixed-width encoding.
    pub const BYTES: usize = 4 + 4 + 8 + 2 + 2 * GIVEN_DELETIONS + 2;

    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        // Every known given name has a nickname-class key: the common case
        // answers on one field.
        self.canonical == 0 && *self == GivenKeys::default()
    }

    fn encode(&self, b: &mut [u8]) {
        b[0..4].copy_from_slice(&self.sound.to_be_bytes());
        b[4..8].copy_from_slice(&self.canonical.to_be_bytes());
        b[8..16].copy_from_slice(&self.bigrams.to_be_bytes());
        b[16..18].copy_from_slice(&self.initial.to_be_bytes());
        for (i, d) in self.deletions.iter().enumerate() {
            b[18 + 2 * i..20 + 2 * i].copy_from_slice(&d.to_be_bytes());
        }
        let o = 18 + 2 * GIVEN_DELETIONS;
        b[o..o + 2].copy_from_slice(&self.stem.to_be_bytes());
    }

    fn decode(b: &[u8]) -> GivenKeys {
        GivenKeys {
            sound: u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            canonical: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            bigrams: u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]),
            initial: u16::from_be_bytes([b[16], b[17]]),
            deletions: std::array::from_fn(|i| u16::from_be_bytes([b[18 + 2 * i], b[19 + 2 * i]])),
            stem: u16::from_be_bytes([b[18 + 2 * GIVEN_DELETIONS], b[19 + 2 * GIVEN_DELETIONS]]),
        }
    }
}

/// One past inquiry about one subject.
///
/// "The same person" is decided from `names` and `dob`: two asks are one
/// person when they share a name key and their dates of birth agree or one
/// of them gave none (see `vouch_policy::probing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeRecord {
    /// Keyed hashes (64-bit) of the subject's identity codes
    /// (`vouch_normalize::identity_codes`); 0 marks an unused slot.
    pub names: [u64; PROBE_NAME_KEYS],
    /// Keyed features of the first given name, as written and with the
    /// name fields swapped.
    pub given: [GivenKeys; 2],
    /// Keyed hashes (16 bits) of the paternal surname as written and of it
    /// with one letter deleted (as [`GivenKeys::deletions`]).
    pub surname: [u16; GIVEN_DELETIONS],
    /// Keyed hash of the date of birth; 0 when none was given.
    pub dob: u64,
    /// Keyed hash of the A-number; 0 when unknown.
    pub a_number: u64,
    /// Keyed hash of the standardised address asked about.
    pub address: ProbeKey,
    /// Keyed hash of the requesting agency.
    pub agency: ProbeKey,
    /// Keyed hash of the request (so a resumed check ignores its own records).
    pub request: ProbeKey,
    /// Day the request was received (Julian day number): the windows count
    /// receipts, whatever date a letter bears.
    pub day: i32,
}

impl ProbeRecord {
    /// Bytes of the fixed-width encoding.
    pub const BYTES: usize =
        8 * PROBE_NAME_KEYS + 2 * GivenKeys::BYTES + 2 * GIVEN_DELETIONS + 8 + 8 + 16 * 3 + 4;

    /// Bytes of the version-1 encoding (schema versions 1 to 9).
    pub const LEGACY_BYTES: usize = 16 * 4 + 4 + 1;

    /// The name keys in use.
    pub fn name_keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.names.iter().copied().filter(|&k| k != 0)
    }

    /// Fixed-width big-endian encoding.
    pub fn encode(&self) -> [u8; Self::BYTES] {
        let mut b = [0u8; Self::BYTES];
        for (i, k) in self.names.iter().enumerate() {
            b[8 * i..8 * i + 8].copy_from_slice(&k.to_be_bytes());
        }
        let g = 8 * PROBE_NAME_KEYS;
        self.given[0].encode(&mut b[g..g + GivenKeys::BYTES]);
        self.given[1].encode(&mut b[g + GivenKeys::BYTES..g + 2 * GivenKeys::BYTES]);
        let sn = g + 2 * GivenKeys::BYTES;
        for (i, d) in self.surname.iter().enumerate() {
            b[sn + 2 * i..sn + 2 * i + 2].copy_from_slice(&d.to_be_bytes());
        }
        let o = sn + 2 * GIVEN_DELETIONS;
        b[o..o + 8].copy_from_slice(&self.dob.to_be_bytes());
        b[o + 8..o + 16].copy_from_slice(&self.a_number.to_be_bytes());
        b[o + 16..o + 32].copy_from_slice(&self.address);
        b[o + 32..o + 48].copy_from_slice(&self.agency);
        b[o + 48..o + 64].copy_from_slice(&self.request);
        b[o + 64..o + 68].copy_from_slice(&self.day.to_be_bytes());
        b
    }

    /// Decodes [`ProbeRecord::encode`]'s output.
    pub fn decode(b: &[u8; Self::BYTES]) -> ProbeRecord {
        let u64_at = |o: usize| {
            let mut k = [0u8; 8];
            k.copy_from_slice(&b[o..o + 8]);
            u64::from_be_bytes(k)
        };
        let key = |o: usize| {
            let mut k = [0u8; 16];
            k.copy_from_slice(&b[o..o + 16]);
            k
        };
        let mut names = [0u64; PROBE_NAME_KEYS];
        for (i, n) in names.iter_mut().enumerate() {
            *n = u64_at(8 * i);
        }
        let g = 8 * PROBE_NAME_KEYS;
        let given = [
            GivenKeys::decode(&b[g..g + GivenKeys::BYTES]),
            GivenKeys::decode(&b[g + GivenKeys::BYTES..g + 2 * GivenKeys::BYTES]),
        ];
        let sn = g + 2 * GivenKeys::BYTES;
        let surname =
            std::array::from_fn(|i| u16::from_be_bytes([b[sn + 2 * i], b[sn + 2 * i + 1]]));
        let o = sn + 2 * GIVEN_DELETIONS;
        ProbeRecord {
            names,
            given,
            surname,
            dob: u64_at(o),
            a_number: u64_at(o + 8),
            address: key(o + 16),
            agency: key(o + 32),
            request: key(o + 48),
            day: i32::from_be_bytes([b[o + 64], b[o + 65], b[o + 66], b[o + 67]]),
        }
    }

    /// Reads a version-1 record (a person key, an address, an agency, a
    /// request, a day and a kind). Its A-number record (kind 0) is kept
    /// with no name keys: it still counts a person at its address and
    /// still ties its A-number, but its name-with-date key (kind 1) was a
    /// hash of another identity and cannot be compared: `None`.
    pub fn decode_legacy(b: &[u8; Self::LEGACY_BYTES]) -> Option<ProbeRecord> {
        if b[68] != 0 {
            return None;
        }
        let key = |o: usize| {
            let mut k = [0u8; 16];
            k.copy_from_slice(&b[o..o + 16]);
            k
        };
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[0..8]);
        Some(ProbeRecord {
            names: [0; PROBE_NAME_KEYS],
            given: [GivenKeys::default(); 2],
            surname: [0; GIVEN_DELETIONS],
            dob: 0,
            a_number: u64::from_be_bytes(a),
            address: key(16),
            agency: key(32),
            request: key(48),
            day: i32::from_be_bytes([b[64], b[65], b[66], b[67]]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips() {
        let r = ProbeRecord {
            names: [1, 2, 3, 0, 0, 0, 0, 0, 0, u64::MAX],
            given: [
                GivenKeys {
                    sound: 1,
                    canonical: 2,
                    bigrams: u64::MAX - 1,
                    initial: 0x8003,
                    deletions: [7; GIVEN_DELETIONS],
                    stem: 0x4001,
                },
                GivenKeys::default(),
            ],
            surname: [5; GIVEN_DELETIONS],
            dob: 7,
            a_number: 9,
            address: [2; 16],
            agency: [3; 16],
            request: [4; 16],
            day: -5,
        };
        assert_eq!(ProbeRecord::decode(&r.encode()), r);
        assert_eq!(r.name_keys().collect::<Vec<_>>(), [1, 2, 3, u64::MAX]);
    }

    #[test]
    fn a_legacy_a_number_record_keeps_its_a_number_and_address() {
        let mut b = [0u8; ProbeRecord::LEGACY_BYTES];
        b[0..16].copy_from_slice(&[5; 16]);
        b[16..32].copy_from_slice(&[6; 16]);
        b[64..68].copy_from_slice(&100i32.to_be_bytes());
        let r = ProbeRecord::decode_legacy(&b).unwrap();
        assert_eq!(r.a_number, u64::from_be_bytes([5; 8]));
        assert_eq!((r.address, r.day), ([6; 16], 100));
        assert_eq!(r.name_keys().count(), 0);
        b[68] = 1;
        assert!(ProbeRecord::decode_legacy(&b).is_none());
    }
}
