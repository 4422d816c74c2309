//! The leaf record (one per lookup) and its canonical, versioned binary
//! encoding: a version byte, then fields in a fixed order, text as u16 BE
//! length + UTF-8 bytes, integers fixed-width big-endian, every length bounded.
//!
//! Deliberately holds no plaintext personal data: the TIN arrives already
//! keyed-hashed (`tin_hmac`), computed by the caller with a secret key.

use crate::error::LeafError;

/// The encoding of a leaf without an approvals digest (as every leaf was
/// before approvals were signed).
pub const LEAF_VERSION: u8 = 1;
/// The encoding of a leaf that commits to its batch's signed approvals
/// (version 1's fields, then the digest).
pub const LEAF_VERSION_APPROVALS: u8 = 2;
/// The encoding of a registry entry (not a lookup): a change to who may
/// act (an official and their key, the active policy, the hold list),
/// confirmed by two people. See [`RegistryEntry`].
pub const LEAF_VERSION_REGISTRY: u8 = 3;
/// Limit on `request_id` and `subject_ref`, in bytes.
pub const ID_BYTES_MAX: usize = 256;
/// Limit on `policy_version`, `model_version` and each approver, in bytes.
pub const LABEL_BYTES_MAX: usize = 128;
/// Limit on the number of approvers.
pub const APPROVERS_MAX: usize = 16;
// Text lengths and the approver count are written as u16: every limit
// must fit one, or a value within its limit would be encoded truncated.
const _: () = assert!(ID_BYTES_MAX <= u16::MAX as usize);
const _: () = assert!(LABEL_BYTES_MAX <= u16::MAX as usize);
const _: () = assert!(APPROVERS_MAX <= u16::MAX as usize);

/// Upper bound of an encoded leaf, implied by the limits above.
pub const LEAF_BYTES_MAX: usize = 1
    + 2 * (2 + ID_BYTES_MAX)
    + 1
    + 8
    + 2 * (2 + LABEL_BYTES_MAX)
    + 2
    + APPROVERS_MAX * (2 + LABEL_BYTES_MAX)
    + 1
    + 32
    + 32;

/// What one lookup answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeafOutcome {
    /// The subject was confirmed at the address.
    Confirmed,
    /// Not confirmed.
    NotConfirmed,
    /// Forced NOT_CONFIRMED because the taxpayer is under a confidential hold.
    NotConfirmedHeld,
}

impl LeafOutcome {
    fn tag(self) -> u8 {
        match self {
            Self::Confirmed => 1,
            Self::NotConfirmed => 2,
            Self::NotConfirmedHeld => 3,
        }
    }

    fn from_tag(tag: u8) -> Result<Self, LeafError> {
        match tag {
            1 => Ok(Self::Confirmed),
            2 => Ok(Self::NotConfirmed),
            3 => Ok(Self::NotConfirmedHeld),
            value => Err(LeafError::BadTag {
                field: "outcome",
                value,
            }),
        }
    }
}

/// One lookup as recorded in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeafRecord {
    /// The request (batch) the lookup belongs to.
    pub request_id: String,
    /// The subject's reference within the request.
    pub subject_ref: String,
    /// The answer given.
    pub outcome: LeafOutcome,
    /// When the lookup was made, supplied by the caller (the ledger has no clock).
    pub time_unix_ms: u64,
    /// Version of the policy applied.
    pub policy_version: String,
    /// Version of the matching model used.
    pub model_version: String,
    /// Officials who approved the batch.
    pub approvers: Vec<String>,
    /// Keyed hash of the matched TIN, if one was matched.
    pub tin_hmac: Option<[u8; 32]>,
    /// SHA-256 of the batch's signed approvals (their statements and
    /// signatures), so that an approval altered, added or removed after the
    /// lookups is caught by anyone holding the log. `None` in leaves written
    /// before approvals were signed.
    pub approvals_sha256: Option<[u8; 32]>,
}

fn put_text(out: &mut Vec<u8>, field: &'static str, s: &str, max: usize) -> Result<(), LeafError> {
    if s.len() > max {
        return Err(LeafError::FieldTooLong {
            field,
            len: s.len(),
            max,
        });
    }
    // Lengths fit in u16 because every limit is below 65536.
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

impl LeafRecord {
    /// Canonical encoding. Fails if a field exceeds its limit or an identifier is empty.
    pub fn encode(&self) -> Result<Vec<u8>, LeafError> {
        let mut out = Vec::with_capacity(self.encoded_len_hint());
        self.encode_into(&mut out)?;
        Ok(out)
    }

    /// Appends the canonical encoding to `out` (nothing is appended on error).
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), LeafError> {
        let start = out.len();
        let r = self.write_fields(out);
        if r.is_err() {
            out.truncate(start);
        }
        r
    }

    fn write_fields(&self, out: &mut Vec<u8>) -> Result<(), LeafError> {
        if self.request_id.is_empty() {
            return Err(LeafError::FieldEmpty {
                field: "request_id",
            });
        }
        if self.approvers.len() > APPROVERS_MAX {
            return Err(LeafError::FieldTooLong {
                field: "approvers",
                len: self.approvers.len(),
                max: APPROVERS_MAX,
            });
        }
        out.push(match self.approvals_sha256 {
            None => LEAF_VERSION,
            Some(_) => LEAF_VERSION_APPROVALS,
        });
        put_text(out, "request_id", &self.request_id, ID_BYTES_MAX)?;
        put_text(out, "subject_ref", &self.subject_ref, ID_BYTES_MAX)?;
        out.push(self.outcome.tag());
        out.extend_from_slice(&self.time_unix_ms.to_be_bytes());
        put_text(out, "policy_version", &self.policy_version, LABEL_BYTES_MAX)?;
        put_text(out, "model_version", &self.model_version, LABEL_BYTES_MAX)?;
        out.extend_from_slice(&(self.approvers.len() as u16).to_be_bytes());
        for a in &self.approvers {
            put_text(out, "approver", a, LABEL_BYTES_MAX)?;
        }
        match &self.tin_hmac {
            None => out.push(0),
            Some(h) => {
                out.push(1);
                out.extend_from_slice(h);
            }
        }
        if let Some(d) = &self.approvals_sha256 {
            out.extend_from_slice(d);
        }
        Ok(())
    }

    /// Exact encoded length when valid (an upper bound when `tin_hmac` is None).
    pub(crate) fn encoded_len_hint(&self) -> usize {
        let texts = self.request_id.len()
            + self.subject_ref.len()
            + self.policy_version.len()
            + self.model_version.len();
        let approvers: usize = self.approvers.iter().map(|a| 2 + a.len()).sum();
        1 + 8 + 1 + 8 + texts + 2 + approvers + 33 + 32
    }

    /// Decodes a canonical encoding; rejects unknown versions, over-long
    /// fields, bad tags, invalid UTF-8 and trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, LeafError> {
        let mut r = Reader { bytes, pos: 0 };
        let version = r.version()?;
        let request_id = r.text("request_id", ID_BYTES_MAX)?;
        if request_id.is_empty() {
            return Err(LeafError::FieldEmpty {
                field: "request_id",
            });
        }
        let subject_ref = r.text("subject_ref", ID_BYTES_MAX)?;
        let outcome = LeafOutcome::from_tag(r.take("outcome", 1)?[0])?;
        let time_unix_ms = u64::from_be_bytes(r.array("time_unix_ms")?);
        let policy_version = r.text("policy_version", LABEL_BYTES_MAX)?;
        let model_version = r.text("model_version", LABEL_BYTES_MAX)?;
        let count = usize::from(u16::from_be_bytes(r.array("approvers")?));
        if count > APPROVERS_MAX {
            return Err(LeafError::FieldTooLong {
                field: "approvers",
                len: count,
                max: APPROVERS_MAX,
            });
        }
        let approvers = (0..count)
            .map(|_| r.text("approver", LABEL_BYTES_MAX))
            .collect::<Result<Vec<_>, _>>()?;
        let tin_hmac = match r.take("tin_hmac", 1)?[0] {
            0 => None,
            1 => Some(r.array("tin_hmac")?),
            value => {
                return Err(LeafError::BadTag {
                    field: "tin_hmac",
                    value,
                })
            }
        };
        let approvals_sha256 = match version {
            LEAF_VERSION_APPROVALS => Some(r.array("approvals_sha256")?),
            _ => None,
        };
        r.finish()?;
        Ok(Self {
            request_id,
            subject_ref,
            outcome,
            time_unix_ms,
            policy_version,
            model_version,
            approvers,
            tin_hmac,
            approvals_sha256,
        })
    }

    /// Reads only the request id of an encoded leaf (for side indexes).
    pub fn peek_request_id(bytes: &[u8]) -> Result<&str, LeafError> {
        let mut r = Reader { bytes, pos: 0 };
        r.version()?;
        let len = usize::from(u16::from_be_bytes(r.array("request_id")?));
        if len > ID_BYTES_MAX {
            return Err(LeafError::FieldTooLong {
                field: "request_id",
                len,
                max: ID_BYTES_MAX,
            });
        }
        std::str::from_utf8(r.take("request_id", len)?).map_err(|_| LeafError::BadUtf8 {
            field: "request_id",
        })
    }
}

/// A registry change as the ledger records it: which change, of what kind,
/// and the SHA-256 of its full record (its content, who proposed and who
/// confirmed it, when, and both signatures), kept in the state store. No
/// personal data: officials are identified by registry id, held TINs only
/// inside the digested record, as keyed hashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegistryEntry {
    /// The change's id.
    pub change_id: String,
    /// The kind of change (`official`, `policy`, `holds`).
    pub kind: String,
    /// When it took effect, supplied by the caller.
    pub time_unix_ms: u64,
    /// SHA-256 of the change's canonical record.
    pub record_sha256: [u8; 32],
}

impl RegistryEntry {
    /// Canonical encoding: the registry version byte, then the fields.
    pub fn encode(&self) -> Result<Vec<u8>, LeafError> {
        if self.change_id.is_empty() {
            return Err(LeafError::FieldEmpty { field: "change_id" });
        }
        let mut out = Vec::with_capacity(1 + 4 + self.change_id.len() + self.kind.len() + 40);
        out.push(LEAF_VERSION_REGISTRY);
        put_text(&mut out, "change_id", &self.change_id, ID_BYTES_MAX)?;
        put_text(&mut out, "kind", &self.kind, LABEL_BYTES_MAX)?;
        out.extend_from_slice(&self.time_unix_ms.to_be_bytes());
        out.extend_from_slice(&self.record_sha256);
        Ok(out)
    }

    /// Decodes a canonical registry entry; anything else is an error.
    pub fn decode(bytes: &[u8]) -> Result<Self, LeafError> {
        let mut r = Reader { bytes, pos: 0 };
        let version = r.take("version", 1)?[0];
        if version != LEAF_VERSION_REGISTRY {
            return Err(LeafError::BadVersion { version });
        }
        let change_id = r.text("change_id", ID_BYTES_MAX)?;
        if change_id.is_empty() {
            return Err(LeafError::FieldEmpty { field: "change_id" });
        }
        let kind = r.text("kind", LABEL_BYTES_MAX)?;
        let time_unix_ms = u64::from_be_bytes(r.array("time_unix_ms")?);
        let record_sha256 = r.array("record_sha256")?;
        r.finish()?;
        Ok(Self {
            change_id,
            kind,
            time_unix_ms,
            record_sha256,
        })
    }

    /// Whether encoded leaf bytes are a registry entry (by version byte).
    pub fn is_registry(bytes: &[u8]) -> bool {
        bytes.first() == Some(&LEAF_VERSION_REGISTRY)
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, field: &'static str, n: usize) -> Result<&'a [u8], LeafError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or(LeafError::Truncated { field })?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], LeafError> {
        let s = self.take(field, N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn version(&mut self) -> Result<u8, LeafError> {
        let v = self.take("version", 1)?[0];
        if v != LEAF_VERSION && v != LEAF_VERSION_APPROVALS {
            return Err(LeafError::BadVersion { version: v });
        }
        Ok(v)
    }

    fn text(&mut self, field: &'static str, max: usize) -> Result<String, LeafError> {
        let len = usize::from(u16::from_be_bytes(self.array(field)?));
        if len > max {
            return Err(LeafError::FieldTooLong { field, len, max });
        }
        let s = self.take(field, len)?;
        String::from_utf8(s.to_vec()).map_err(|_| LeafError::BadUtf8 { field })
    }

    fn finish(&self) -> Result<(), LeafError> {
        match self.bytes.len() - self.pos {
            0 => Ok(()),
            count => Err(LeafError::TrailingBytes { count }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LeafRecord {
        LeafRecord {
            request_id: "REQ-2025-000042".into(),
            subject_ref: "S-17".into(),
            outcome: LeafOutcome::NotConfirmedHeld,
            time_unix_ms: 1_750_000_000_123,
            policy_version: "policy-3".into(),
            model_version: "fs-2025.1".into(),
            approvers: vec!["officer-a".into(), "officer-b".into()],
            tin_hmac: Some([7u8; 32]),
            approvals_sha256: None,
        }
    }

    #[test]
    fn round_trips_and_is_canonical() {
        let rec = sample();
        let bytes = rec.encode().unwrap();
        assert_eq!(bytes[0], LEAF_VERSION);
        assert_eq!(LeafRecord::decode(&bytes).unwrap(), rec);
        assert_eq!(LeafRecord::decode(&bytes).unwrap().encode().unwrap(), bytes);
        assert_eq!(
            LeafRecord::peek_request_id(&bytes).unwrap(),
            "REQ-2025-000042"
        );
        assert!(bytes.len() <= LEAF_BYTES_MAX);
    }

    #[test]
    fn a_leaf_with_an_approvals_digest_is_version_2_and_round_trips() {
        let mut rec = sample();
        rec.approvals_sha256 = Some([9u8; 32]);
        let bytes = rec.encode().unwrap();
        assert_eq!(bytes[0], LEAF_VERSION_APPROVALS);
        assert_eq!(&bytes[bytes.len() - 32..], &[9u8; 32]);
        assert_eq!(LeafRecord::decode(&bytes).unwrap(), rec);
        assert!(bytes.len() <= LEAF_BYTES_MAX);
        // Without it, the bytes are version 1's, unchanged.
        assert_eq!(sample().encode().unwrap()[0], LEAF_VERSION);
    }

    #[test]
    fn known_encoding_of_a_minimal_record() {
        let rec = LeafRecord {
            request_id: "R".into(),
            subject_ref: String::new(),
            outcome: LeafOutcome::Confirmed,
            time_unix_ms: 0x0102,
            policy_version: "p".into(),
            model_version: String::new(),
            approvers: vec!["a".into()],
            tin_hmac: None,
            approvals_sha256: None,
        };
        let want: Vec<u8> = vec![
            1, 0, 1, b'R', 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2, 0, 1, b'p', 0, 0, 0, 1, 0, 1, b'a', 0,
        ];
        assert_eq!(rec.encode().unwrap(), want);
    }

    #[test]
    fn rejects_bad_version_trailing_bytes_and_bad_tags() {
        let mut bytes = sample().encode().unwrap();
        bytes.push(0);
        assert_eq!(
            LeafRecord::decode(&bytes),
            Err(LeafError::TrailingBytes { count: 1 })
        );
        bytes.pop();
        let mut v3 = bytes.clone();
        v3[0] = 3;
        assert_eq!(
            LeafRecord::decode(&v3),
            Err(LeafError::BadVersion { version: 3 })
        );
        // A version-2 leaf needs its approvals digest.
        let mut v2 = bytes.clone();
        v2[0] = LEAF_VERSION_APPROVALS;
        assert_eq!(
            LeafRecord::decode(&v2),
            Err(LeafError::Truncated {
                field: "approvals_sha256"
            })
        );
        for cut in 0..bytes.len() {
            assert!(LeafRecord::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn over_long_fields_are_refused_both_ways() {
        let mut rec = sample();
        rec.subject_ref = "x".repeat(ID_BYTES_MAX + 1);
        assert!(matches!(
            rec.encode(),
            Err(LeafError::FieldTooLong {
                field: "subject_ref",
                ..
            })
        ));
        let mut rec = sample();
        rec.approvers = vec!["a".into(); APPROVERS_MAX + 1];
        assert!(rec.encode().is_err());
        // Hand-built encoding whose request_id length exceeds the limit.
        let mut bytes = vec![LEAF_VERSION];
        bytes.extend_from_slice(&((ID_BYTES_MAX + 1) as u16).to_be_bytes());
        bytes.extend(std::iter::repeat_n(b'x', ID_BYTES_MAX + 1));
        assert!(matches!(
            LeafRecord::decode(&bytes),
            Err(LeafError::FieldTooLong {
                field: "request_id",
                ..
            })
        ));
    }

    #[test]
    fn invalid_utf8_is_rejected() {
        let mut bytes = sample().encode().unwrap();
        bytes[3] = 0xff; // first byte of request_id
        assert_eq!(
            LeafRecord::decode(&bytes),
            Err(LeafError::BadUtf8 {
                field: "request_id"
            })
        );
    }
}
