//! The log asks its witnesses (issue 15), end to end with two witnesses on
//! loopback, each a `vouch witness serve` with its own state directory: a
//! batch's response is released only with both cosignatures, waits while
//! one is down (and completes when it returns), and carries them; a store
//! writer's truncation, rewrite or restored older copy is caught by `ledger
//! verify --witnesses` and `--against`, and the witness refuses the forked
//! log's next checkpoint.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// One witness: its own state directory, key and address.
struct W {
    state: PathBuf,
    addr: String,
    key: String,
}

/// A vouch state with the golden parties, an administrator, and `n`
/// witnesses made, told of the log, and configured (none served yet).
/// The golden subjects are split into two requests (`data-1`, `data-2`).
fn setup(tmp: &Path, n: usize) -> (PathBuf, Golden, Golden, Vec<W>) {
    let g1 = Golden::new(&tmp.join("data-1"));
    let g2 = Golden::new(&tmp.join("data-2"));
    let all = std::fs::read_to_string(g1.request().join("subjects.csv")).unwrap();
    let lines: Vec<&str> = all.lines().collect();
    let (head, rows) = (lines[0], &lines[1..]);
    let half = rows.len() / 2;
    for (g, part, id) in [
        (&g1, &rows[..half], "GOLDEN-2025-000001"),
        (&g2, &rows[half..], "GOLDEN-2025-000002"),
    ] {
        let text = format!("{head}\n{}\n", part.join("\n"));
        std::fs::write(g.request().join("subjects.csv"), text).unwrap();
        g.reseal();
        g.edit_letter(|t| t.replace("GOLDEN-2025-000001", id));
    }
    let state = tmp.join("state");
    g1.register(&state);
    g1.build_index(&state);
    g2.build_index(&state);
    ok(&vouch(
        &state,
        &[
            "officials",
            "add",
            "--id",
            "irs-admin-1",
            "--agency",
            "IRS",
            "--role",
            "administrator",
        ],
    ));
    let origin = ok(&vouch(&state, &["ledger", "origin"]));
    let origin = origin.trim().to_string();
    let log_key = ok(&vouch(&state, &["ledger", "public-key"]));
    let mut witnesses = Vec::new();
    for i in 0..n {
        let wstate = tmp.join(format!("witness-{i}"));
        let name = format!("oversight{i}.example/witness");
        let key = ok(&vouch(
            &wstate,
            &["witness", "keys", "init", "--name", &name],
        ));
        let key = key.trim().to_string();
        ok(&vouch(
            &wstate,
            &["witness", "add-log", "--origin", &origin]
                .into_iter()
                .chain(["--verifier", log_key.trim()])
                .collect::<Vec<_>>(),
        ));
        let addr = free_addr();
        let url = format!("http://{addr}");
        ok(&vouch(
            &state,
            &[
                "witnesses",
                "add",
                "--url",
                &url,
                "--verifier",
                &key,
                "--as",
                "irs-admin-1",
            ],
        ));
        witnesses.push(W {
            state: wstate,
            addr,
            key,
        });
    }
    (state, g1, g2, witnesses)
}

fn cosigners(note: &str) -> usize {
    note.lines()
        .filter(|l| l.starts_with("\u{2014} oversight"))
        .count()
}

#[test]
fn a_response_waits_for_both_witnesses_and_carries_their_cosignatures() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, g1, _, ws) = setup(tmp.path(), 2);
    let listed = ok(&vouch(&state, &["witnesses", "list"]));
    assert!(
        listed.contains("2 witnesses; a response needs 2 cosignatures"),
        "{listed}"
    );
    // Only the first witness is up: the batch is looked up and logged, but
    // no response is released.
    let _a = serve_witness(&ws[0].state, &ws[0].addr);
    let out = tmp.path().join("r1");
    let err = one_line_error(&g1.verify(&state, &out));
    assert!(err.contains("1 of the 2 cosignatures"), "{err}");
    assert!(
        err.contains("oversight1.example/witness: unreachable"),
        "{err}"
    );
    assert!(!out.join("response.csv").exists());
    assert!(!out.join("response.json").exists());
    // The second returns: the same batch, run again, completes without
    // looking anything up twice.
    let _b = serve_witness(&ws[1].state, &ws[1].addr);
    let done = ok(&g1.verify(&state, &out));
    assert!(
        done.contains("lookups replayed from the ledger, 0 new"),
        "{done}"
    );
    assert!(out.join("response.csv").exists());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("response.json")).unwrap()).unwrap();
    let note = json["ledger_checkpoint"]["signed_note"].as_str().unwrap();
    assert_eq!(cosigners(note), 2, "{note}");
    let published = ok(&vouch(&state, &["ledger", "checkpoint"]));
    assert_eq!(published, note);
    // An inclusion proof under it, both witnesses required.
    let bundle = prove(&state, "GOLDEN-2025-000001", "S01");
    let proof = tmp.path().join("s01.proof");
    std::fs::write(&proof, bundle).unwrap();
    ok(&vouch(
        &state,
        &["ledger", "check-proof", "--proof", proof.to_str().unwrap()]
            .into_iter()
            .chain(["--witness-key", &ws[0].key, "--witness-key", &ws[1].key])
            .collect::<Vec<_>>(),
    ));
    let size = published.lines().nth(1).unwrap();
    let listed = ok(&vouch(&state, &["witnesses", "list"]));
    assert_eq!(
        listed
            .matches(&format!("last cosigned size {size}"))
            .count(),
        2,
        "{listed}"
    );
    let verified = ok(&vouch(&state, &["ledger", "verify", "--witnesses"]));
    assert_eq!(
        verified.matches("is a consistent extension").count(),
        2,
        "{verified}"
    );
    // The witnesses share no state with the log: their directories hold
    // their own database and key only, the log's holds none of theirs.
    for w in &ws {
        assert!(!w.state.starts_with(&state) && !state.starts_with(&w.state));
        assert!(!w.state.join("vouch.db").exists());
        let names: Vec<String> = std::fs::read_dir(&w.state)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| n.starts_with("witness")), "{names:?}");
    }
    let log_files: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        log_files.iter().all(|n| !n.starts_with("witness")),
        "{log_files:?}"
    );
}

#[test]
fn truncation_rewrite_and_a_restored_copy_are_caught_by_the_witnesses() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, g1, g2, ws) = setup(tmp.path(), 1);
    let _w = serve_witness(&ws[0].state, &ws[0].addr);
    ok(&g1.verify(&state, &tmp.path().join("r1")));
    let old_copy = tmp.path().join("state-copy");
    vouch_test_support::copy_dir(&state, &old_copy);
    ok(&g2.verify(&state, &tmp.path().join("r2")));
    let saved = tmp.path().join("saved.checkpoint");
    let latest = ok(&vouch(&state, &["ledger", "checkpoint"]));
    assert_eq!(cosigners(&latest), 1, "{latest}");
    std::fs::write(&saved, &latest).unwrap();
    let saved = saved.to_str().unwrap();
    ok(&vouch(
        &state,
        &["ledger", "verify", "--witnesses", "--against", saved],
    ));

    // Truncated, with every checkpoint removed.
    let t = tmp.path().join("truncated");
    vouch_test_support::copy_dir(&state, &t);
    sql(
        &t,
        &[
            "DELETE FROM ledger_leaves WHERE idx = (SELECT MAX(idx) FROM ledger_leaves)",
            "DELETE FROM ledger_checkpoints",
        ],
    );
    let err = one_line_error(&vouch(&t, &["ledger", "verify", "--witnesses"]));
    assert!(err.contains("truncated or rolled back"), "{err}");
    let err = one_line_error(&vouch(&t, &["ledger", "verify", "--against", saved]));
    assert!(err.contains("truncated"), "{err}");

    // Rewritten (a leaf replaced by a well-formed other), every checkpoint
    // removed: re-signed by the log's key, refused by the witness.
    let r = tmp.path().join("rewritten");
    vouch_test_support::copy_dir(&state, &r);
    sql(
        &r,
        &[
            "UPDATE ledger_leaves SET leaf = (SELECT leaf FROM ledger_leaves WHERE idx = (SELECT MAX(idx) - 1 FROM ledger_leaves)) WHERE idx = (SELECT MAX(idx) FROM ledger_leaves)",
            "DELETE FROM ledger_checkpoints",
        ],
    );
    let err = one_line_error(&vouch(&r, &["ledger", "verify", "--witnesses"]));
    assert!(err.contains("not an extension"), "{err}");
    let err = one_line_error(&vouch(&r, &["ledger", "verify", "--against", saved]));
    assert!(err.contains("rewritten"), "{err}");

    // A copy of the database from before the second batch, restored: the
    // witness remembers the larger tree; another batch run on it forks the
    // log (the same batch again would rebuild the same leaves under the
    // tests' fixed clock), and the witness refuses its checkpoint, so
    // nothing is released.
    let err = one_line_error(&vouch(&old_copy, &["ledger", "verify", "--witnesses"]));
    assert!(err.contains("truncated or rolled back"), "{err}");
    let err = one_line_error(&vouch(&old_copy, &["ledger", "verify", "--against", saved]));
    assert!(err.contains("truncated"), "{err}");
    let out = tmp.path().join("r2-fork");
    g2.edit_letter(|t| t.replace("GOLDEN-2025-000002", "GOLDEN-2025-000003"));
    let err = one_line_error(&g2.verify(&old_copy, &out));
    assert!(err.contains("not what the witnesses cosigned"), "{err}");
    assert!(!out.join("response.csv").exists());
}
