//! Interoperability of the signed-note code with Go's golang.org/x/mod/sumdb/note:
//! the published example must be reproduced byte for byte and verify.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::SigningKey;
use vouch_ledger::note::{NoteVerifier, SignedNote};

struct Kat {
    signer_seed: [u8; 32],
    verifier: String,
    note: String,
}

fn kat() -> Kat {
    let table = include_str!("data/go_sumdb_note_kat.txt");
    let mut lines = table.lines().filter(|l| !l.starts_with('#'));
    let signer = lines.next().unwrap().strip_prefix("signer ").unwrap();
    let verifier = lines.next().unwrap().strip_prefix("verifier ").unwrap();
    assert_eq!(lines.next(), Some("note"));
    let note: String = lines.map(|l| format!("{l}\n")).collect();
    // PRIVATE+KEY+name+id+base64(0x01 || seed); the base64 may contain '+'.
    let b64 = signer.splitn(5, '+').nth(4).unwrap();
    let raw = STANDARD.decode(b64).unwrap();
    assert_eq!(raw[0], 1);
    Kat {
        signer_seed: raw[1..].try_into().unwrap(),
        verifier: verifier.to_owned(),
        note,
    }
}

#[test]
fn go_example_note_is_reproduced_and_verifies() {
    let k = kat();
    let key = SigningKey::from_bytes(&k.signer_seed);
    let text = k.note.split_once("\n\n").unwrap().0.to_owned() + "\n";
    let signed = SignedNote::sign(&text, "PeterNeumann", &key).unwrap();
    assert_eq!(signed.text(), k.note);
    let v = NoteVerifier::parse(&k.verifier).unwrap();
    assert_eq!(
        NoteVerifier::from_signing_key("PeterNeumann", &key).unwrap(),
        v
    );
    assert_eq!(v.to_string(), k.verifier);
    let parsed = SignedNote::parse(&k.note).unwrap();
    assert!(parsed.verify_any(std::slice::from_ref(&v)).is_ok());
    let altered = k.note.replace("cryptography", "cryptographY");
    assert!(SignedNote::parse(&altered)
        .unwrap()
        .verify_any(&[v])
        .is_err());
}
