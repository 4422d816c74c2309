//! C2SP checkpoints (tlog-checkpoint) and signed notes (signed-note) with
//! Ed25519 keys: signing, strict parsing, verification, and the verifier key
//! string `name+hexkeyid+base64(0x01||pubkey)`.
//!
//! Deliberately not here: key types other than Ed25519, and timestamps (a
//! checkpoint carries no time). Witness cosignatures are in
//! [`crate::cosignature`].

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::error::NoteError;
use crate::hash::Hash;

/// Limit on a whole signed note, in bytes.
pub const NOTE_BYTES_MAX: usize = 16 * 1024;
/// Limit on the number of signature lines of a note.
pub const SIGNATURES_MAX: usize = 32;
/// Limit on key names and origins, in bytes.
pub const NAME_BYTES_MAX: usize = 256;
/// Limit on checkpoint extension lines.
pub const EXTENSIONS_MAX: usize = 16;

/// C2SP signature type byte for Ed25519.
const ALG_ED25519: u8 = 0x01;
/// The em dash and space that open every signature line.
const SIG_PREFIX: &str = "\u{2014} ";

pub(crate) fn malformed(what: &'static str, line: usize, reason: &'static str) -> NoteError {
    NoteError::Malformed { what, line, reason }
}

/// Checks a key name: non-empty, bounded, no whitespace and no '+'.
pub(crate) fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty()
        || name.len() > NAME_BYTES_MAX
        || name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
    {
        return Err(NoteError::BadKeyName);
    }
    Ok(())
}

/// C2SP key ID: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key).
pub fn key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_ED25519]);
    h.update(key.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// A checkpoint body: the log's origin, its size and its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Log identity, e.g. `vouch.example/ledger`.
    pub origin: String,
    /// Tree size.
    pub size: u64,
    /// Root hash at that size.
    pub root: Hash,
    /// Optional extension lines after the root (kept, never interpreted).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The body text `<origin>\n<size>\n<base64 root>\n[extension\n...]`.
    pub fn body(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    fn check_origin(origin: &str) -> Result<(), NoteError> {
        if origin.is_empty()
            || origin.len() > NAME_BYTES_MAX
            || origin.chars().any(char::is_control)
        {
            return Err(malformed(
                "checkpoint",
                1,
                "origin is empty, too long or has control characters",
            ));
        }
        Ok(())
    }

    /// Parses a checkpoint body (the text before the blank line of a note).
    pub fn parse_body(body: &str) -> Result<Self, NoteError> {
        let lines = body
            .strip_suffix('\n')
            .ok_or_else(|| malformed("checkpoint", 0, "body does not end with a newline"))?;
        let mut it = lines.split('\n');
        let origin = it.next().unwrap_or_default();
        Self::check_origin(origin)?;
        let size_text = it
            .next()
            .ok_or_else(|| malformed("checkpoint", 2, "missing size line"))?;
        let size = parse_decimal(size_text)
            .ok_or_else(|| malformed("checkpoint", 2, "size is not a canonical decimal u64"))?;
        let root_text = it
            .next()
            .ok_or_else(|| malformed("checkpoint", 3, "missing root line"))?;
        let root = STANDARD
            .decode(root_text)
            .ok()
            .and_then(|b| Hash::try_from(b.as_slice()).ok())
            .ok_or_else(|| malformed("checkpoint", 3, "root is not base64 of 32 bytes"))?;
        let extensions: Vec<String> = it.map(str::to_owned).collect();
        if extensions.len() > EXTENSIONS_MAX {
            return Err(malformed("checkpoint", 4, "too many extension lines"));
        }
        if let Some(pos) = extensions.iter().position(String::is_empty) {
            return Err(malformed("checkpoint", 4 + pos, "empty extension line"));
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }
}

/// Decimal without sign or leading zeros ("0" itself allowed).
fn parse_decimal(s: &str) -> Option<u64> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if canonical {
        s.parse().ok()
    } else {
        None
    }
}

/// One `— name base64(keyid || signature)` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// Key name.
    pub key_name: String,
    /// Key ID (4 bytes).
    pub key_id: [u8; 4],
    /// Signature bytes (64 for Ed25519; unknown keys may differ).
    pub signature: Vec<u8>,
}

/// A C2SP signed note: text, blank line, signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    /// Every signature line, known keys or not.
    pub signatures: Vec<NoteSignature>,
    text: String,
    body_len: usize,
}

impl SignedNote {
    /// Signs `body` (non-empty, ending in a newline) with `key` under `key_name`.
    pub fn sign(body: &str, key_name: &str, key: &SigningKey) -> Result<Self, NoteError> {
        check_key_name(key_name)?;
        if body.is_empty() || !body.ends_with('\n') {
            return Err(malformed(
                "signed note",
                0,
                "text is empty or does not end with a newline",
            ));
        }
        let sig: Signature = key.sign(body.as_bytes());
        let id = key_id(key_name, &key.verifying_key());
        let mut blob = id.to_vec();
        blob.extend_from_slice(&sig.to_bytes());
        let text = format!(
            "{body}\n{SIG_PREFIX}{key_name} {}\n",
            STANDARD.encode(&blob)
        );
        // Parse what we wrote: one code path decides what a valid note is.
        Self::parse(&text)
    }

    /// Parses a signed note. Checks syntax only; call [`SignedNote::verify_any`].
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        if text.len() > NOTE_BYTES_MAX {
            return Err(NoteError::TooLong {
                what: "signed note",
                len: text.len(),
                max: NOTE_BYTES_MAX,
            });
        }
        if text.chars().any(|c| c.is_control() && c != '\n') {
            return Err(malformed("signed note", 0, "control character"));
        }
        // Signature lines are never empty, so the last blank line ends the text.
        let split = text
            .rfind("\n\n")
            .ok_or_else(|| malformed("signed note", 0, "no blank line before signatures"))?;
        let body_lines = text[..=split].matches('\n').count();
        let sig_lines = text[split + 2..]
            .strip_suffix('\n')
            .ok_or_else(|| malformed("signed note", 0, "does not end with a newline"))?;
        let mut signatures = Vec::new();
        for (i, line) in sig_lines.split('\n').enumerate() {
            if signatures.len() == SIGNATURES_MAX {
                return Err(malformed(
                    "signed note",
                    body_lines + 2 + i,
                    "too many signatures",
                ));
            }
            signatures.push(parse_sig_line(line, body_lines + 2 + i)?);
        }
        Ok(Self {
            signatures,
            text: text.to_owned(),
            body_len: split + 1,
        })
    }

    /// The signed text (everything before the blank line, with its final newline).
    pub fn body(&self) -> &str {
        &self.text[..self.body_len]
    }

    /// The whole note.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Verifies against trusted keys: lines of other keys are ignored; a line
    /// of a trusted key that fails is an error; at least one valid line of a
    /// trusted key is required.
    pub fn verify_any(&self, verifiers: &[NoteVerifier]) -> Result<(), NoteError> {
        let body = self.body().as_bytes();
        let mut verified = false;
        for s in &self.signatures {
            let Some(v) = verifiers
                .iter()
                .find(|v| v.name == s.key_name && v.key_id == s.key_id)
            else {
                continue;
            };
            let bad = || NoteError::BadSignature {
                key_name: s.key_name.clone(),
            };
            let sig = Signature::from_slice(&s.signature).map_err(|_| bad())?;
            v.key.verify_strict(body, &sig).map_err(|_| bad())?;
            verified = true;
        }
        if verified {
            Ok(())
        } else {
            Err(NoteError::NoKnownSignature)
        }
    }
}

/// A checkpoint together with the signed note that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The parsed body.
    pub checkpoint: Checkpoint,
    note: SignedNote,
}

impl SignedCheckpoint {
    /// Signs `checkpoint` with `key` under `key_name`.
    pub fn sign(
        checkpoint: Checkpoint,
        key_name: &str,
        key: &SigningKey,
    ) -> Result<Self, NoteError> {
        Checkpoint::check_origin(&checkpoint.origin)?;
        let note = SignedNote::sign(&checkpoint.body(), key_name, key)?;
        Self::from_note(note)
    }

    /// Parses a signed note holding a checkpoint (syntax only).
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        Self::from_note(SignedNote::parse(text)?)
    }

    fn from_note(note: SignedNote) -> Result<Self, NoteError> {
        let checkpoint = Checkpoint::parse_body(note.body())?;
        Ok(Self { checkpoint, note })
    }

    /// The full note text (body, blank line, signature lines).
    pub fn text(&self) -> &str {
        self.note.text()
    }

    /// The note body exactly as signed (the checkpoint's lines).
    pub fn body(&self) -> &str {
        self.note.body()
    }

    /// The signature lines.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.note.signatures
    }

    /// Verifies against one trusted key (see [`SignedNote::verify_any`]).
    pub fn verify(&self, verifier: &NoteVerifier) -> Result<(), NoteError> {
        self.note.verify_any(std::slice::from_ref(verifier))
    }

    /// Verifies against any of several trusted keys.
    pub fn verify_any(&self, verifiers: &[NoteVerifier]) -> Result<(), NoteError> {
        self.note.verify_any(verifiers)
    }
}

fn parse_sig_line(line: &str, line_no: usize) -> Result<NoteSignature, NoteError> {
    let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(|| {
        malformed(
            "signed note",
            line_no,
            "signature line does not start with an em dash and space",
        )
    })?;
    let (name, b64) = rest.split_once(' ').ok_or_else(|| {
        malformed(
            "signed note",
            line_no,
            "signature line has no space after the key name",
        )
    })?;
    check_key_name(name).map_err(|_| malformed("signed note", line_no, "invalid key name"))?;
    let blob = STANDARD
        .decode(b64)
        .map_err(|_| malformed("signed note", line_no, "signature is not base64"))?;
    if blob.len() < 5 {
        return Err(malformed("signed note", line_no, "signature too short"));
    }
    Ok(NoteSignature {
        key_name: name.to_owned(),
        key_id: [blob[0], blob[1], blob[2], blob[3]],
        signature: blob[4..].to_vec(),
    })
}

/// Splits a C2SP verifier key string `name+hexkeyid+base64(alg||pubkey)`
/// for an Ed25519 key of signature type `alg` (0x01 a note key, 0x04 a
/// cosigner's): the name, the key ID as written, the key. The caller checks
/// the key ID against the name and key, as its type computes it.
pub(crate) fn parse_vkey<'a>(
    s: &'a str,
    what: &'static str,
    alg: u8,
) -> Result<(&'a str, [u8; 4], VerifyingKey), NoteError> {
    if s.len() > NAME_BYTES_MAX + 64 {
        return Err(NoteError::TooLong {
            what,
            len: s.len(),
            max: NAME_BYTES_MAX + 64,
        });
    }
    let bad = |reason| malformed(what, 1, reason);
    // The base64 key may itself contain '+': split off name and id only.
    let mut parts = s.splitn(3, '+');
    let (Some(name), Some(id_hex), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("expected name+keyid+key"));
    };
    check_key_name(name)?;
    if id_hex.len() != 8 || id_hex.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(bad("key id is not 8 lower-case hex digits"));
    }
    let id = <[u8; 4]>::try_from(
        hex::decode(id_hex)
            .map_err(|_| bad("key id is not hex"))?
            .as_slice(),
    )
    .map_err(|_| bad("key id is not 4 bytes"))?;
    let raw = STANDARD.decode(b64).map_err(|_| bad("key is not base64"))?;
    let (found, pk) = raw.split_first().ok_or_else(|| bad("key is empty"))?;
    if *found != alg {
        return Err(bad("key type is not the one expected"));
    }
    let pk = <[u8; 32]>::try_from(pk).map_err(|_| bad("ed25519 key is not 32 bytes"))?;
    let key = VerifyingKey::from_bytes(&pk).map_err(|_| bad("invalid ed25519 point"))?;
    Ok((name, id, key))
}

/// A trusted Ed25519 note key: name, key ID and public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifier {
    /// A verifier for `key` under `name`.
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        check_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, &key),
            key,
        })
    }

    /// The verifier matching a signing key.
    pub fn from_signing_key(name: &str, key: &SigningKey) -> Result<Self, NoteError> {
        Self::new(name, key.verifying_key())
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Key ID.
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// Public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Parses the C2SP verifier key string `name+hexkeyid+base64(0x01||pubkey)`.
    pub fn parse(s: &str) -> Result<Self, NoteError> {
        let (name, id, key) = parse_vkey(s, "verifier key", ALG_ED25519)?;
        let v = Self::new(name, key)?;
        if v.key_id != id {
            return Err(malformed(
                "verifier key",
                1,
                "key id does not match name and key",
            ));
        }
        Ok(v)
    }
}

impl std::fmt::Display for NoteVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            STANDARD.encode(raw)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn sample() -> SignedCheckpoint {
        let cp = Checkpoint {
            origin: "vouch.example/ledger".into(),
            size: 42,
            root: [9u8; 32],
            extensions: vec![],
        };
        SignedCheckpoint::sign(cp, "vouch-log", &key(1)).unwrap()
    }

    #[test]
    fn sign_parse_verify_round_trip() {
        let sc = sample();
        let text = sc.text();
        assert!(text.starts_with("vouch.example/ledger\n42\nCQkJ"));
        assert!(text.contains("\n\n\u{2014} vouch-log "));
        let parsed = SignedCheckpoint::parse(text).unwrap();
        assert_eq!(parsed, sc);
        let v = NoteVerifier::from_signing_key("vouch-log", &key(1)).unwrap();
        assert!(parsed.verify(&v).is_ok());
    }

    #[test]
    fn tampered_body_and_signature_fail() {
        let sc = sample();
        let v = NoteVerifier::from_signing_key("vouch-log", &key(1)).unwrap();
        let body_tampered = sc.text().replacen("\n42\n", "\n43\n", 1);
        let parsed = SignedCheckpoint::parse(&body_tampered).unwrap();
        assert!(matches!(
            parsed.verify(&v),
            Err(NoteError::BadSignature { .. })
        ));
        // Flip a bit of the signature itself (inside the base64 blob).
        let mut sig_tampered = sc.clone();
        sig_tampered.note.signatures[0].signature[10] ^= 1;
        assert!(matches!(
            sig_tampered.verify(&v),
            Err(NoteError::BadSignature { .. })
        ));
        // A different key under the same name has another key ID: unknown.
        let other = NoteVerifier::from_signing_key("vouch-log", &key(2)).unwrap();
        assert_eq!(sc.verify(&other), Err(NoteError::NoKnownSignature));
    }

    #[test]
    fn unknown_key_lines_are_ignored_but_one_known_is_required() {
        let sc = sample();
        let foreign = SignedNote::sign(sc.note.body(), "witness", &key(3)).unwrap();
        let foreign_line = foreign.text().rsplit_once("\n\n").unwrap().1;
        let both = format!("{}{}", sc.text(), foreign_line);
        let parsed = SignedCheckpoint::parse(&both).unwrap();
        assert_eq!(parsed.signatures().len(), 2);
        let v = NoteVerifier::from_signing_key("vouch-log", &key(1)).unwrap();
        let w = NoteVerifier::from_signing_key("witness", &key(3)).unwrap();
        assert!(parsed.verify(&v).is_ok());
        assert!(parsed.verify(&w).is_ok());
        let stranger = NoteVerifier::from_signing_key("stranger", &key(4)).unwrap();
        assert_eq!(parsed.verify(&stranger), Err(NoteError::NoKnownSignature));
    }

    #[test]
    fn malformed_notes_and_bodies_are_rejected() {
        let good = sample().text().to_owned();
        let bad = [
            good.replace("\n\n", "\n"),
            good.trim_end().to_owned(),
            good.replace('\u{2014}', "-"),
            good.replacen("\n42\n", "\n042\n", 1),
            good.replacen("\n42\n", "\n-1\n", 1),
            good.replacen("\n42\n", "\n99999999999999999999\n", 1),
            good.replacen("vouch.example/ledger", "", 1),
            good.replacen("CQkJ", "CQk", 1),
            good.replacen("\n42\n", "\n42\r\n", 1),
            format!("{good}\u{2014} x\n"),
            "x".repeat(NOTE_BYTES_MAX + 1),
        ];
        for (i, text) in bad.iter().enumerate() {
            assert!(SignedCheckpoint::parse(text).is_err(), "case {i} accepted");
        }
    }

    #[test]
    fn verifier_key_string_round_trips_and_is_checked() {
        let v = NoteVerifier::from_signing_key("vouch-log", &key(1)).unwrap();
        let s = v.to_string();
        assert_eq!(NoteVerifier::parse(&s).unwrap(), v);
        let parts: Vec<&str> = s.split('+').collect();
        assert_eq!(parts[1], hex::encode(v.key_id()));
        let wrong_id = format!("{}+00000000+{}", parts[0], parts[2]);
        assert!(NoteVerifier::parse(&wrong_id).is_err());
        let renamed = format!("other+{}+{}", parts[1], parts[2]);
        assert!(NoteVerifier::parse(&renamed).is_err());
        assert!(NoteVerifier::parse("a+b").is_err());
        assert!(NoteVerifier::new("bad name", v.verifying_key().to_owned()).is_err());
        assert!(NoteVerifier::new("bad+name", v.verifying_key().to_owned()).is_err());
    }

    #[test]
    fn verifier_keys_whose_base64_holds_a_plus_parse() {
        // Regression: the key part was split on every '+'.
        let with_plus = (0u8..=255)
            .map(|seed| NoteVerifier::from_signing_key("vouch-log", &key(seed)).unwrap())
            .filter(|v| v.to_string().matches('+').count() > 2)
            .take(5)
            .collect::<Vec<_>>();
        assert!(!with_plus.is_empty());
        for v in with_plus {
            assert_eq!(NoteVerifier::parse(&v.to_string()).unwrap(), v);
        }
    }
}
