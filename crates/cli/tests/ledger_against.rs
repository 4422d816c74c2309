//! `vouch ledger verify --against CHECKPOINT_FILE` (formats.md section 5):
//! the ledger's truth checked against a checkpoint kept outside vouch. A
//! writer of the state store who truncates or rewrites the log, and
//! removes the store's own checkpoints with it, is caught by a checkpoint
//! an auditor saved earlier. And `vouch ledger check-proof --witness-key`:
//! an inclusion proof whose checkpoint lacks a named witness's
//! cosignature is refused.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// A state with the golden request answered, and its latest checkpoint
/// saved outside it (as an auditor would).
fn answered(tmp: &Path, name: &str) -> (PathBuf, PathBuf) {
    let g = Golden::new(&tmp.join(format!("data-{name}")));
    let state = tmp.join(format!("state-{name}"));
    g.register(&state);
    g.build_index(&state);
    ok(&g.verify(&state, &tmp.join(format!("r-{name}"))));
    let saved = tmp.join(format!("{name}.checkpoint"));
    std::fs::write(&saved, ok(&vouch(&state, &["ledger", "checkpoint"]))).unwrap();
    (state, saved)
}

fn against(state: &Path, saved: &Path) -> std::process::Output {
    vouch(
        state,
        &["ledger", "verify", "--against", saved.to_str().unwrap()],
    )
}

#[test]
fn the_untouched_log_is_a_consistent_extension_of_the_saved_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, saved) = answered(tmp.path(), "a");
    let out = ok(&against(&state, &saved));
    assert!(
        out.contains("consistent with the outside checkpoint"),
        "{out}"
    );
    // The same checkpoint carrying a witness's cosignature line (C2SP
    // tlog-cosignature: key hash, timestamp, signature) still verifies: an
    // unknown signature is ignored, the ledger's own must be there.
    use base64::Engine;
    let cosig = base64::engine::general_purpose::STANDARD.encode([7u8; 4 + 8 + 64]);
    let text = std::fs::read_to_string(&saved).unwrap();
    let cosigned = tmp.path().join("cosigned.checkpoint");
    std::fs::write(
        &cosigned,
        format!("{text}\u{2014} witness.example/w1 {cosig}\n"),
    )
    .unwrap();
    ok(&against(&state, &cosigned));
}

#[test]
fn a_log_truncated_with_its_checkpoint_fails_against_the_saved_one() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, saved) = answered(tmp.path(), "a");
    sql(
        &state,
        &[
            "DELETE FROM ledger_leaves WHERE idx = (SELECT MAX(idx) FROM ledger_leaves)",
            "DELETE FROM ledger_checkpoints WHERE seq = (SELECT MAX(seq) FROM ledger_checkpoints)",
        ],
    );
    let err = one_line_error(&against(&state, &saved));
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn a_log_rewritten_with_every_checkpoint_removed_fails_against_the_saved_one() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, saved) = answered(tmp.path(), "a");
    // The last lookup's leaf replaced by the one before it (a well-formed
    // leaf, so only the tree can tell), and the store's checkpoints gone.
    sql(
        &state,
        &[
            "UPDATE ledger_leaves SET leaf = (SELECT leaf FROM ledger_leaves WHERE idx = (SELECT MAX(idx) - 1 FROM ledger_leaves)) WHERE idx = (SELECT MAX(idx) FROM ledger_leaves)",
            "DELETE FROM ledger_checkpoints",
        ],
    );
    let err = one_line_error(&against(&state, &saved));
    assert!(err.contains("rewritten"), "{err}");
}

#[test]
fn a_checkpoint_of_another_log_or_altered_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, _) = answered(tmp.path(), "a");
    let (_, other) = answered(tmp.path(), "b");
    let err = one_line_error(&against(&state, &other));
    assert!(err.contains("not signed by this ledger's key"), "{err}");
    // Our own checkpoint with its size changed: the signature breaks.
    let (state_c, saved) = answered(tmp.path(), "c");
    let text = std::fs::read_to_string(&saved).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[1] = format!("{}", lines[1].parse::<u64>().unwrap() - 1);
    let forged = tmp.path().join("forged.checkpoint");
    std::fs::write(&forged, lines.join("\n") + "\n").unwrap();
    let err = one_line_error(&against(&state_c, &forged));
    assert!(err.contains("not signed by this ledger's key"), "{err}");
    // A file that is no checkpoint at all.
    let junk = tmp.path().join("junk.checkpoint");
    std::fs::write(&junk, "not a note").unwrap();
    let err = one_line_error(&against(&state, &junk));
    assert!(err.contains("not a signed checkpoint"), "{err}");
}

#[test]
fn check_proof_requires_the_cosignature_of_each_named_witness() {
    use vouch_ledger::cosignature::Cosigner;
    let tmp = tempfile::tempdir().unwrap();
    let (state, _) = answered(tmp.path(), "a");
    let bundle = ok(&vouch(
        &state,
        &[
            "ledger",
            "prove",
            "--request",
            "GOLDEN-2025-000001",
            "--subject",
            "S01",
        ],
    ));
    let witness = Cosigner::new(
        "tigta.example/witness",
        ed25519_dalek::SigningKey::from_bytes(&[5; 32]),
    )
    .unwrap();
    let other = Cosigner::new(
        "jct.example/witness",
        ed25519_dalek::SigningKey::from_bytes(&[6; 32]),
    )
    .unwrap();
    let parsed = vouch_ledger::InclusionBundle::parse(&bundle).unwrap();
    let line = witness.cosign(&parsed.checkpoint, 1_765_000_000).unwrap();
    let plain = tmp.path().join("plain.proof");
    let cosigned = tmp.path().join("cosigned.proof");
    std::fs::write(&plain, &bundle).unwrap();
    std::fs::write(&cosigned, format!("{bundle}{line}")).unwrap();
    let check = |file: &Path, key: &str| {
        vouch(
            &state,
            &[
                "ledger",
                "check-proof",
                "--proof",
                file.to_str().unwrap(),
                "--witness-key",
                key,
            ],
        )
    };
    let wkey = witness.verifier().to_vkey();
    let out = ok(&check(&cosigned, &wkey));
    assert!(
        out.contains("cosigned by witness tigta.example/witness at 1765000000"),
        "{out}"
    );
    let err = one_line_error(&check(&plain, &wkey));
    assert!(err.contains("no valid cosignature by witness"), "{err}");
    let err = one_line_error(&check(&cosigned, &other.verifier().to_vkey()));
    assert!(
        err.contains("no valid cosignature by witness jct.example/witness"),
        "{err}"
    );
    // Without --witness-key the proof checks as before.
    ok(&vouch(
        &state,
        &["ledger", "check-proof", "--proof", plain.to_str().unwrap()],
    ));
}

#[test]
fn leaves_no_checkpoint_covers_fail_unless_their_batch_is_in_progress() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, _) = answered(tmp.path(), "a");
    ok(&vouch(&state, &["ledger", "verify"]));
    // The checkpoint over the batch removed: its lookups are covered by
    // none, and the batch is finished, so they were not left by a crash.
    sql(
        &state,
        &["DELETE FROM ledger_checkpoints WHERE seq = (SELECT MAX(seq) FROM ledger_checkpoints)"],
    );
    let err = one_line_error(&vouch(&state, &["ledger", "verify"]));
    assert!(err.contains("covered by no checkpoint"), "{err}");
    // As a crash between the append and the checkpoint leaves it: the
    // batch approved, not yet logged; resumable, so reported, not failed.
    sql(
        &state,
        &["UPDATE requests SET status = 'approved' WHERE request_id = 'GOLDEN-2025-000001'"],
    );
    let out = ok(&vouch(&state, &["ledger", "verify"]));
    assert!(out.contains("of 1 interrupted batches"), "{out}");
}
