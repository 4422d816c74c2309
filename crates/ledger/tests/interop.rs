//! Interoperability with Cloudflare's C2SP implementations (the azul
//! project's `signed_note` and `tlog_tiles` crates), in both directions:
//! their note verifier accepts vouch's signed checkpoints and vouch's
//! parser and verifier accept notes their signer made; their checkpoint
//! parser reads vouch's bodies and vouch reads theirs; and a witness's
//! cosignature line (tlog-cosignature v1) sits in a note their parser
//! reads, under the key id their `key_id` computes for a 0x04 key, and
//! one made through their signer interface verifies in vouch.
//!
//! Their 0.2 releases know Ed25519 note keys (0x01) only, not
//! cosignature keys: the cosignature's signature is checked through their
//! `Verifier`/`Signer` traits with the spec's message, written here from
//! the spec (c2sp.org/tlog-cosignature), not from vouch's code.

use base64::Engine;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use vouch_ledger::cosignature::{add_cosignature, Cosigner, CosignerVerifier};
use vouch_ledger::note::{Checkpoint, NoteVerifier, SignedCheckpoint};

const ORIGIN: &str = "vouch.local/ledger/interop";

fn ours() -> (SignedCheckpoint, NoteVerifier) {
    let key = SigningKey::from_bytes(&[3; 32]);
    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size: 123_456,
        root: [0xab; 32],
        extensions: vec![],
    };
    let signed = SignedCheckpoint::sign(cp, "vouch-ledger", &key).unwrap();
    let v = NoteVerifier::from_signing_key("vouch-ledger", &key).unwrap();
    (signed, v)
}

/// A tlog-cosignature v1 verifier written from the spec for `signed_note`.
struct SpecCosignatureVerifier {
    name: String,
    key: VerifyingKey,
}

impl signed_note::Verifier for SpecCosignatureVerifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        let mut raw = vec![0x04];
        raw.extend_from_slice(self.key.as_bytes());
        signed_note::key_id(&self.name, &raw)
    }
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        if sig.len() != 72 {
            return false;
        }
        let t = u64::from_be_bytes(sig[..8].try_into().unwrap());
        let mut m = format!("cosignature/v1\ntime {t}\n").into_bytes();
        m.extend_from_slice(msg);
        let Ok(s) = ed25519_dalek::Signature::from_slice(&sig[8..]) else {
            return false;
        };
        self.key.verify_strict(&m, &s).is_ok()
    }
}

/// A tlog-cosignature v1 signer written from the spec for `signed_note`.
struct SpecCosigner {
    name: String,
    key: SigningKey,
    time: u64,
}

impl signed_note::Signer for SpecCosigner {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        let mut raw = vec![0x04];
        raw.extend_from_slice(self.key.verifying_key().as_bytes());
        signed_note::key_id(&self.name, &raw)
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        let mut m = format!("cosignature/v1\ntime {}\n", self.time).into_bytes();
        m.extend_from_slice(msg);
        let mut out = self.time.to_be_bytes().to_vec();
        out.extend_from_slice(&self.key.sign(&m).to_bytes());
        Ok(out)
    }
}

#[test]
fn their_verifier_accepts_vouchs_signed_checkpoint_and_their_parser_its_body() {
    let (cp, v) = ours();
    let theirs = signed_note::StandardVerifier::new(&v.to_string()).unwrap();
    let note = signed_note::Note::from_bytes(cp.text().as_bytes()).unwrap();
    let list = signed_note::VerifierList::new(vec![Box::new(theirs)]);
    let (verified, unverified) = note.verify(&list).unwrap();
    assert_eq!((verified.len(), unverified.len()), (1, 0));
    assert_eq!(verified[0].name(), "vouch-ledger");
    let body = tlog_tiles::Checkpoint::from_bytes(note.text()).unwrap();
    assert_eq!(body.origin(), ORIGIN);
    assert_eq!(body.size(), 123_456);
    assert_eq!(body.hash().0, [0xab; 32]);
    // And a changed body fails their verifier.
    let forged = cp.text().replacen("123456", "123457", 1);
    let note = signed_note::Note::from_bytes(forged.as_bytes()).unwrap();
    assert!(note.verify(&list).is_err());
}

#[test]
fn vouch_accepts_a_checkpoint_their_signer_made() {
    let mut rng = rand::rngs::OsRng;
    let (skey, vkey) = signed_note::generate_key(&mut rng, "other.example/log");
    let signer = signed_note::StandardSigner::new(&skey).unwrap();
    let body = tlog_tiles::Checkpoint::new("other.example/log", 42, tlog_tiles::Hash([7; 32]), "")
        .unwrap();
    let mut note = signed_note::Note::new(&body.to_bytes(), &[]).unwrap();
    note.add_sigs(&[&signer]).unwrap();
    let text = String::from_utf8(note.to_bytes()).unwrap();
    let parsed = SignedCheckpoint::parse(&text).unwrap();
    assert_eq!(parsed.checkpoint.origin, "other.example/log");
    assert_eq!(parsed.checkpoint.size, 42);
    assert_eq!(parsed.checkpoint.root, [7; 32]);
    let v = NoteVerifier::parse(&vkey).unwrap();
    parsed.verify(&v).unwrap();
    assert_eq!(v.to_string(), vkey);
}

#[test]
fn a_vouch_cosignature_reads_in_their_note_under_their_key_id_and_back() {
    let (cp, log) = ours();
    let wkey = SigningKey::from_bytes(&[5; 32]);
    let w = Cosigner::new("tigta.example/witness", wkey.clone()).unwrap();
    let cosigned = add_cosignature(&cp, &w.cosign(&cp, 1_765_000_000).unwrap()).unwrap();
    // Their parser reads the cosigned note; with the log's key and the
    // witness's (key id per their key_id over 0x04 || key) both verify.
    let note = signed_note::Note::from_bytes(cosigned.text().as_bytes()).unwrap();
    let spec = SpecCosignatureVerifier {
        name: "tigta.example/witness".into(),
        key: wkey.verifying_key(),
    };
    let vkey = w.verifier().to_vkey();
    let id_hex = vkey.split('+').nth(1).unwrap();
    assert_eq!(
        format!("{:08x}", signed_note::Verifier::key_id(&spec)),
        id_hex
    );
    let list = signed_note::VerifierList::new(vec![
        Box::new(signed_note::StandardVerifier::new(&log.to_string()).unwrap()),
        Box::new(spec),
    ]);
    let (verified, unverified) = note.verify(&list).unwrap();
    assert_eq!((verified.len(), unverified.len()), (2, 0));

    // A cosignature added through their note's signer interface verifies
    // in vouch, with its timestamp.
    let mut note = signed_note::Note::from_bytes(cp.text().as_bytes()).unwrap();
    let other = SigningKey::from_bytes(&[6; 32]);
    note.add_sigs(&[&SpecCosigner {
        name: "jct.example/witness".into(),
        key: other.clone(),
        time: 1_765_000_123,
    }])
    .unwrap();
    let text = String::from_utf8(note.to_bytes()).unwrap();
    let theirs = SignedCheckpoint::parse(&text).unwrap();
    theirs.verify(&log).unwrap();
    let v = CosignerVerifier::new("jct.example/witness", other.verifying_key()).unwrap();
    assert_eq!(v.verify(&theirs).unwrap(), 1_765_000_123);
    // Their base64 and ours agree on the line's bytes.
    let line = text.lines().last().unwrap();
    let sig = line.rsplit(' ').next().unwrap();
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(sig)
            .unwrap()
            .len(),
        4 + 8 + 64
    );
}
