//! A software security key for tests: a P-256 (ES256) WebAuthn credential
//! with the CTAP2 wire formats a browser would hand the server (`none`
//! attestation, user present and verified, a counter that goes up), so the
//! application layer and the service are tested without a browser. The
//! console's end-to-end test uses Chromium's own virtual authenticator.

use base64::Engine;
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64url(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .expect("base64url")
}

/// Minimal CBOR: what an attestation object and a COSE key need.
enum Cbor<'a> {
    Int(i64),
    Bytes(&'a [u8]),
    Text(&'a str),
    Map(Vec<(Cbor<'a>, Cbor<'a>)>),
}

fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    if n < 24 {
        out.push(m | n as u8);
    } else if n < 256 {
        out.extend([m | 24, n as u8]);
    } else if n < 65536 {
        out.push(m | 25);
        out.extend((n as u16).to_be_bytes());
    } else {
        out.push(m | 26);
        out.extend((n as u32).to_be_bytes());
    }
}

impl Cbor<'_> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Cbor::Int(i) if *i >= 0 => head(out, 0, *i as u64),
            Cbor::Int(i) => head(out, 1, (-1 - *i) as u64),
            Cbor::Bytes(b) => {
                head(out, 2, b.len() as u64);
                out.extend_from_slice(b);
            }
            Cbor::Text(t) => {
                head(out, 3, t.len() as u64);
                out.extend_from_slice(t.as_bytes());
            }
            Cbor::Map(kv) => {
                head(out, 5, kv.len() as u64);
                for (k, v) in kv {
                    k.encode(out);
                    v.encode(out);
                }
            }
        }
    }
}

/// A software security key holding one credential.
pub struct SoftKey {
    key: EcKey<Private>,
    credential_id: Vec<u8>,
    counter: u32,
    rp_id: String,
    origin: String,
}

impl SoftKey {
    /// A key used from `origin` for relying party `rp_id` (as a browser
    /// would tell it: the page's origin).
    pub fn new(rp_id: &str, origin: &str) -> SoftKey {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = EcKey::generate(&group).unwrap();
        let mut credential_id = vec![0u8; 16];
        openssl::rand::rand_bytes(&mut credential_id).unwrap();
        SoftKey {
            key,
            credential_id,
            counter: 0,
            rp_id: rp_id.into(),
            origin: origin.into(),
        }
    }

    /// The credential id, base64url.
    pub fn credential_id(&self) -> String {
        b64url(&self.credential_id)
    }

    /// A copy of this key whose counter is `by` behind (a cloned key).
    pub fn rewound(&self, by: u32) -> SoftKey {
        SoftKey {
            key: self.key.clone(),
            credential_id: self.credential_id.clone(),
            counter: self.counter.saturating_sub(by),
            rp_id: self.rp_id.clone(),
            origin: self.origin.clone(),
        }
    }

    /// Another origin the key is used from (a phishing page, say).
    pub fn from_origin(mut self, origin: &str) -> SoftKey {
        self.origin = origin.into();
        self
    }

    fn auth_data(&mut self, flags: u8) -> Vec<u8> {
        self.counter += 1;
        let mut d = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        d.push(flags);
        d.extend(self.counter.to_be_bytes());
        d
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false})
            .to_string()
            .into_bytes()
    }

    /// `navigator.credentials.create` with the server's options
    /// (`{"publicKey": {...}}`): the registration response's JSON.
    pub fn create(&mut self, options: &Value) -> Value {
        let challenge = options["publicKey"]["challenge"]
            .as_str()
            .expect("challenge");
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let (mut x, mut y) = (BigNum::new().unwrap(), BigNum::new().unwrap());
        let mut ctx = BigNumContext::new().unwrap();
        self.key
            .public_key()
            .affine_coordinates(&group, &mut x, &mut y, &mut ctx)
            .unwrap();
        let (x, y) = (x.to_vec_padded(32).unwrap(), y.to_vec_padded(32).unwrap());
        let mut cose = Vec::new();
        Cbor::Map(vec![
            (Cbor::Int(1), Cbor::Int(2)),
            (Cbor::Int(3), Cbor::Int(-7)),
            (Cbor::Int(-1), Cbor::Int(1)),
            (Cbor::Int(-2), Cbor::Bytes(&x)),
            (Cbor::Int(-3), Cbor::Bytes(&y)),
        ])
        .encode(&mut cose);
        // User present (1), verified (4), attested credential data (0x40).
        let mut auth = self.auth_data(0x45);
        auth.extend([0u8; 16]);
        auth.extend((self.credential_id.len() as u16).to_be_bytes());
        auth.extend(&self.credential_id);
        auth.extend(&cose);
        let mut att = Vec::new();
        Cbor::Map(vec![
            (Cbor::Text("fmt"), Cbor::Text("none")),
            (Cbor::Text("attStmt"), Cbor::Map(vec![])),
            (Cbor::Text("authData"), Cbor::Bytes(&auth)),
        ])
        .encode(&mut att);
        let id = self.credential_id();
        json!({
            "id": id, "rawId": id, "type": "public-key", "extensions": {},
            "response": {
                "attestationObject": b64url(&att),
                "clientDataJSON": b64url(&self.client_data("webauthn.create", challenge)),
            }
        })
    }

    /// `navigator.credentials.get` with the server's options
    /// (`{"publicKey": {...}}`): the assertion's JSON.
    pub fn get(&mut self, options: &Value) -> Value {
        let challenge = options["publicKey"]["challenge"]
            .as_str()
            .expect("challenge");
        self.assert(&unb64url(challenge))
    }

    /// An assertion over `challenge` (what `get` does once the options are read).
    pub fn assert(&mut self, challenge: &[u8]) -> Value {
        let client = self.client_data("webauthn.get", &b64url(challenge));
        let auth = self.auth_data(0x05);
        let mut signed = auth.clone();
        signed.extend(Sha256::digest(&client));
        let pkey = PKey::from_ec_key(self.key.clone()).unwrap();
        let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), &pkey).unwrap();
        signer.update(&signed).unwrap();
        let sig = signer.sign_to_vec().unwrap();
        let id = self.credential_id();
        json!({
            "id": id, "rawId": id, "type": "public-key", "extensions": {},
            "response": {
                "authenticatorData": b64url(&auth),
                "clientDataJSON": b64url(&client),
                "signature": b64url(&sig),
                "userHandle": null,
            }
        })
    }
}

/// The WebAuthn options a console page carries for its script (the
/// `data-options` attribute of its ceremony button, HTML-unescaped).
pub fn options_in_page(html: &str) -> Value {
    let at = html
        .find("data-options=\"")
        .expect("a ceremony on the page")
        + "data-options=\"".len();
    let raw = &html[at..at + html[at..].find('"').expect("attribute end")];
    let text = raw
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&text).expect("options are JSON")
}

/// The value of the page's first hidden `csrf` field.
pub fn csrf_in_page(html: &str) -> String {
    let at =
        html.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().unwrap_or_default().to_string()
}

/// Percent-encodes a form value.
pub fn form_value(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
