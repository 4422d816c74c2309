//! A disclosure officer's own key: made with `vouch keygen` (never
//! overwritten, readable by its owner only), registered by its public half,
//! and used with `vouch sign-decision`, which signs decision statements and
//! nothing else.

mod common;

use common::{ok, vouch, Golden};
use ed25519_dalek::Verifier;

fn statement(request_id: &str) -> String {
    format!(
        "vouch-approval-v1\nrequest_id {request_id}\nletter_sha256 {l}\nsubjects_sha256 {s}\n\
         decision approve\nat 2026-12-05T10:00:00Z\nofficer irs-do-3\ncomment_sha256 {c}\n",
        l = "a".repeat(64),
        s = "b".repeat(64),
        c = "c".repeat(64),
    )
}

#[test]
fn keygen_makes_a_private_key_and_its_public_half_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let key = tmp.path().join("irs-do-3.key");
    let k = key.to_str().unwrap();
    let out = ok(&vouch(&state, &["keygen", "--out", k]));
    assert!(out.contains("irs-do-3.key.pub"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let public =
        vouch_formats::keys::read_public_key(&tmp.path().join("irs-do-3.key.pub")).unwrap();
    assert!(out.contains(&hex::encode(public)), "{out}");
    let before = std::fs::read(&key).unwrap();
    let again = vouch(&state, &["keygen", "--out", k]);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("never overwritten"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert_eq!(std::fs::read(&key).unwrap(), before, "the key is untouched");
}

#[test]
fn sign_decision_signs_a_statement_and_refuses_anything_else() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let key = tmp.path().join("o.key");
    ok(&vouch(&state, &["keygen", "--out", key.to_str().unwrap()]));
    let public = vouch_formats::keys::read_public_key(&tmp.path().join("o.key.pub")).unwrap();
    let public = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
    let text = statement("REQ-1");
    let file = tmp.path().join("statement.txt");
    let sign = |body: &str| {
        std::fs::write(&file, body).unwrap();
        vouch(
            &state,
            &[
                "sign-decision",
                "--key",
                key.to_str().unwrap(),
                "--statement",
                file.to_str().unwrap(),
            ],
        )
    };
    let sig = ok(&sign(&text));
    let sig: [u8; 64] = vouch_formats::keys::decode_base64_line(
        std::path::Path::new("stdout"),
        "signature",
        sig.as_bytes(),
    )
    .unwrap();
    assert!(public
        .verify(text.as_bytes(), &ed25519_dalek::Signature::from_bytes(&sig))
        .is_ok());
    // A copy that lost its last newline, or gained CRs, signs the same text.
    let trimmed = ok(&sign(text.trim_end()));
    let crlf = ok(&sign(&text.replace('\n', "\r\n")));
    let first = vouch_formats::keys::encode_base64_line(&sig);
    assert_eq!(trimmed, first);
    assert_eq!(crlf, first);
    // Anything else is refused, with nothing printed: the key cannot be
    // made to sign a letter or a forged statement with extra lines.
    for other in [
        "{\"request_id\":\"REQ-1\"}\n".to_string(),
        format!("{text}extra line\n"),
        text.replace("vouch-approval-v1", "vouch-approval-v2"),
    ] {
        let out = sign(&other);
        assert!(!out.status.success());
        assert!(out.stdout.is_empty());
        assert!(String::from_utf8_lossy(&out.stderr)
            .contains("not a vouch decision or registry statement"));
    }
}

#[test]
fn a_keygen_key_registers_an_officer_whose_signed_approval_releases_the_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let g = Golden::new(&tmp.path().join("data"));
    let state = tmp.path().join("state");
    g.register(&state);
    g.build_index(&state);
    let key = tmp.path().join("irs-do-3.key");
    ok(&vouch(&state, &["keygen", "--out", key.to_str().unwrap()]));
    let public = tmp.path().join("irs-do-3.key.pub");
    ok(&vouch(
        &state,
        &[
            "officials",
            "add",
            "--id",
            "irs-do-3",
            "--agency",
            "IRS",
            "--role",
            "disclosure-officer",
            "--public-key",
            public.to_str().unwrap(),
        ],
    ));
    let verify = |officer_key: &std::path::Path, out: &std::path::Path| {
        vouch(
            &state,
            &[
                "verify",
                "--index",
                g.dir.join("index").to_str().unwrap(),
                "--request",
                g.request().to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--approve-as",
                "irs-do-3",
                "--officer-key",
                officer_key.to_str().unwrap(),
            ],
        )
    };
    // Another officer's key does not sign for irs-do-3.
    let wrong = verify(&g.officer_key("irs-do-1"), &tmp.path().join("out-wrong"));
    assert!(!wrong.status.success());
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(err.contains("--officer-key"), "{err}");
    assert!(!tmp.path().join("out-wrong/response.csv").exists());
    let out = tmp.path().join("out");
    ok(&verify(&key, &out));
    assert!(out.join("response.csv").exists());
    let report = ok(&vouch(&state, &["ledger", "verify"]));
    assert!(report.contains("carry their signed approvals"), "{report}");
}
