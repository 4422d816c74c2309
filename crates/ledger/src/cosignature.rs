//! C2SP tlog-cosignature v1 with Ed25519 (signature type 0x04): a witness's
//! statement that, as of a time, the checkpoint is the largest consistent
//! tree head it has seen for the log.
//!
//! A cosignature is a signature line of the checkpoint's note:
//! `— <name> base64(key ID || timestamp || signature)`, where the key ID is
//! `SHA-256(name || 0x0A || 0x04 || public key)[:4]`, the timestamp a
//! big-endian u64 of POSIX seconds (at most 2^63 - 1), and the signature an
//! Ed25519 signature over `cosignature/v1\ntime <timestamp>\n` followed by
//! the note body (the checkpoint, extension lines included). The ledger's
//! own signature and the cosignatures live side by side in one note; a
//! verifier of either ignores the other's lines.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::error::NoteError;
use crate::note::{check_key_name, malformed, parse_vkey, SignedCheckpoint};

/// The signature type byte of an Ed25519 cosignature/v1 key.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// The largest timestamp a cosignature may carry (2^63 - 1).
pub const TIMESTAMP_MAX: u64 = i64::MAX as u64;

/// Bytes after the key ID in a cosignature line: timestamp and signature.
const PAYLOAD_BYTES: usize = 8 + 64;

/// The key ID of a cosigner: `SHA-256(name || 0x0A || 0x04 || key)[:4]`.
pub fn cosigner_key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_COSIGNATURE_V1]);
    h.update(key.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The message a cosigner signs for a note body at `timestamp`.
pub fn cosigned_message(body: &str, timestamp: u64) -> Vec<u8> {
    let mut m = format!("cosignature/v1\ntime {timestamp}\n").into_bytes();
    m.extend_from_slice(body.as_bytes());
    m
}

/// A witness's signing key under its name.
pub struct Cosigner {
    name: String,
    key: SigningKey,
}

impl Cosigner {
    /// A cosigner named `name` (a schema-less URL, by convention).
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        check_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key,
        })
    }

    /// The verifier of this cosigner's signatures.
    pub fn verifier(&self) -> CosignerVerifier {
        CosignerVerifier {
            name: self.name.clone(),
            key_id: cosigner_key_id(&self.name, &self.key.verifying_key()),
            key: self.key.verifying_key(),
        }
    }

    /// The signature line (ending in a newline) cosigning `checkpoint` at
    /// `timestamp` (POSIX seconds).
    pub fn cosign(
        &self,
        checkpoint: &SignedCheckpoint,
        timestamp: u64,
    ) -> Result<String, NoteError> {
        if timestamp > TIMESTAMP_MAX {
            return Err(malformed("cosignature", 0, "timestamp beyond 2^63 - 1"));
        }
        let sig = self
            .key
            .sign(&cosigned_message(checkpoint.body(), timestamp));
        let mut blob = Vec::with_capacity(4 + PAYLOAD_BYTES);
        blob.extend_from_slice(&cosigner_key_id(&self.name, &self.key.verifying_key()));
        blob.extend_from_slice(&timestamp.to_be_bytes());
        blob.extend_from_slice(&sig.to_bytes());
        Ok(format!(
            "\u{2014} {} {}\n",
            self.name,
            STANDARD.encode(blob)
        ))
    }
}

/// A trusted witness: name, key ID and public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignerVerifier {
    name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

impl CosignerVerifier {
    /// A verifier for `key` under `name`.
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        check_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key_id: cosigner_key_id(name, &key),
            key,
        })
    }

    /// The witness's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The witness's public key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Parses the verifier key string `name+hexkeyid+base64(0x04||pubkey)`
    /// (C2SP signed-note vkey form with signature type 0x04).
    pub fn parse(s: &str) -> Result<Self, NoteError> {
        let (name, id, key) = parse_vkey(s, "cosigner key", ALG_COSIGNATURE_V1)?;
        let v = Self::new(name, key)?;
        if v.key_id != id {
            return Err(malformed(
                "cosigner key",
                1,
                "key id does not match name and key",
            ));
        }
        Ok(v)
    }

    /// The verifier key string (`parse` reads it back).
    pub fn to_vkey(&self) -> String {
        let mut raw = vec![ALG_COSIGNATURE_V1];
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            STANDARD.encode(raw)
        )
    }

    /// Verifies this witness's cosignature on `checkpoint` and returns its
    /// timestamp. Lines of other keys are ignored; a line of this key that
    /// fails, or none at all, is an error.
    pub fn verify(&self, checkpoint: &SignedCheckpoint) -> Result<u64, NoteError> {
        let mut found = None;
        for s in checkpoint.signatures() {
            if s.key_name != self.name || s.key_id != self.key_id {
                continue;
            }
            let bad = || NoteError::BadSignature {
                key_name: s.key_name.clone(),
            };
            if s.signature.len() != PAYLOAD_BYTES {
                return Err(bad());
            }
            let mut ts = [0u8; 8];
            ts.copy_from_slice(&s.signature[..8]);
            let timestamp = u64::from_be_bytes(ts);
            if timestamp > TIMESTAMP_MAX {
                return Err(bad());
            }
            let sig = Signature::from_slice(&s.signature[8..]).map_err(|_| bad())?;
            self.key
                .verify_strict(&cosigned_message(checkpoint.body(), timestamp), &sig)
                .map_err(|_| bad())?;
            found = Some(found.map_or(timestamp, |t: u64| t.max(timestamp)));
        }
        found.ok_or(NoteError::NoKnownSignature)
    }
}

/// `checkpoint` with `line` (a cosignature line from [`Cosigner::cosign`])
/// added to its signatures.
pub fn add_cosignature(
    checkpoint: &SignedCheckpoint,
    line: &str,
) -> Result<SignedCheckpoint, NoteError> {
    SignedCheckpoint::parse(&format!("{}{line}", checkpoint.text()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{Checkpoint, NoteVerifier};

    fn checkpoint() -> (SignedCheckpoint, NoteVerifier) {
        let log = SigningKey::from_bytes(&[1; 32]);
        let cp = Checkpoint {
            origin: "vouch.local/ledger/test".into(),
            size: 20852163,
            root: [9; 32],
            extensions: vec![],
        };
        let signed = SignedCheckpoint::sign(cp, "vouch.local/ledger/test", &log).unwrap();
        let v = NoteVerifier::from_signing_key("vouch.local/ledger/test", &log).unwrap();
        (signed, v)
    }

    fn witness(seed: u8) -> Cosigner {
        Cosigner::new("witness.example/w1", SigningKey::from_bytes(&[seed; 32])).unwrap()
    }

    #[test]
    fn a_cosignature_verifies_with_its_timestamp_beside_the_logs_own_signature() {
        let (cp, log) = checkpoint();
        let w = witness(2);
        let line = w.cosign(&cp, 1_679_315_147).unwrap();
        let cosigned = add_cosignature(&cp, &line).unwrap();
        assert_eq!(w.verifier().verify(&cosigned).unwrap(), 1_679_315_147);
        cosigned.verify(&log).unwrap();
        assert_eq!(cosigned.checkpoint, cp.checkpoint);
        // The message is the spec's: header, time line, then the body.
        assert!(cosigned_message(cp.body(), 7).starts_with(b"cosignature/v1\ntime 7\nvouch.local"));
    }

    #[test]
    fn another_witness_a_changed_time_or_a_changed_checkpoint_does_not_verify() {
        let (cp, _) = checkpoint();
        let line = witness(2).cosign(&cp, 100).unwrap();
        let cosigned = add_cosignature(&cp, &line).unwrap();
        // Another key under the same name: its line is not this witness's.
        assert!(matches!(
            witness(3).verifier().verify(&cosigned),
            Err(NoteError::NoKnownSignature)
        ));
        // The timestamp bytes changed: the signature no longer covers them.
        let (name, b64) = line.trim_end().rsplit_once(' ').unwrap();
        let mut blob = STANDARD.decode(b64).unwrap();
        blob[11] ^= 1;
        let altered = format!("{name} {}\n", STANDARD.encode(&blob));
        let forged = add_cosignature(&cp, &altered).unwrap();
        assert!(matches!(
            witness(2).verifier().verify(&forged),
            Err(NoteError::BadSignature { .. })
        ));
        // The cosignature of one checkpoint moved onto another.
        let log = SigningKey::from_bytes(&[1; 32]);
        let mut other = cp.checkpoint.clone();
        other.size += 1;
        let other = SignedCheckpoint::sign(other, "vouch.local/ledger/test", &log).unwrap();
        let moved = add_cosignature(&other, &line).unwrap();
        assert!(witness(2).verifier().verify(&moved).is_err());
        // A timestamp beyond 2^63 - 1 is never signed.
        assert!(witness(2).cosign(&cp, TIMESTAMP_MAX + 1).is_err());
    }

    #[test]
    fn the_specification_example_line_carries_its_key_id_and_timestamp() {
        // tlog-cosignature's example cosignature line, whose signed message
        // the specification shows with `time 1679315147`.
        let blob = STANDARD
            .decode("jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==")
            .unwrap();
        assert_eq!(blob.len(), 4 + PAYLOAD_BYTES);
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&blob[4..12]);
        assert_eq!(u64::from_be_bytes(ts), 1_679_315_147);
    }

    #[test]
    fn verifier_keys_read_back_and_refuse_a_log_key_or_a_wrong_id() {
        let v = witness(2).verifier();
        let s = v.to_vkey();
        assert_eq!(CosignerVerifier::parse(&s).unwrap(), v);
        // The same key as a note (log) key, type 0x01: not a cosigner key.
        let note = NoteVerifier::new("witness.example/w1", *witness(2).verifier().key()).unwrap();
        let mut raw = vec![0x01];
        raw.extend_from_slice(note.verifying_key().as_bytes());
        let as_log = format!(
            "witness.example/w1+{}+{}",
            hex::encode(note.key_id()),
            STANDARD.encode(raw)
        );
        assert!(CosignerVerifier::parse(&as_log).is_err());
        // A key ID that does not match the name and key.
        let mut id = cosigner_key_id(v.name(), v.key());
        id[0] ^= 1;
        let wrong = s.replacen(
            &hex::encode(cosigner_key_id(v.name(), v.key())),
            &hex::encode(id),
            1,
        );
        assert_ne!(wrong, s);
        assert!(CosignerVerifier::parse(&wrong).is_err());
    }
}
