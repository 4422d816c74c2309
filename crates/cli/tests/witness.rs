//! A witness of one's own, end to end: `vouch witness keys init`,
//! `add-log` and `serve` in its own state directory; vouch's ledger
//! checkpoint submitted over HTTP (C2SP tlog-witness `add-checkpoint`);
//! the cosignature it returns accepted by `ledger verify --against` and
//! required by `ledger check-proof --witness-key`.

mod common;
use common::*;
use std::io::{Read, Write};
use std::path::Path;

fn serve(state: &Path) -> (Served, String) {
    let addr = free_addr();
    (serve_witness(state, &addr), addr)
}

/// POSTs `body` to `/add-checkpoint`: the status code and the body.
fn add_checkpoint(addr: &str, body: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /add-checkpoint HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_string();
    (status, body)
}

#[test]
fn a_witness_cosigns_the_ledgers_checkpoint_and_the_cosignature_is_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let g = Golden::new(&tmp.path().join("data"));
    let state = tmp.path().join("state");
    g.register(&state);
    g.build_index(&state);
    ok(&g.verify(&state, &tmp.path().join("r")));
    let checkpoint = ok(&vouch(&state, &["ledger", "checkpoint"]));
    let origin = checkpoint.lines().next().unwrap().to_string();
    let size: u64 = checkpoint.lines().nth(1).unwrap().parse().unwrap();
    let log_key = ok(&vouch(&state, &["ledger", "public-key"]));

    let wstate = tmp.path().join("witness");
    let wkey = ok(&vouch(
        &wstate,
        &["witness", "keys", "init", "--name", "tigta.example/witness"],
    ));
    let wkey = wkey.trim();
    assert!(!one_line_error(&vouch(
        &wstate,
        &["witness", "keys", "init", "--name", "tigta.example/witness"],
    ))
    .is_empty());
    assert_eq!(ok(&vouch(&wstate, &["witness", "public-key"])).trim(), wkey);
    ok(&vouch(
        &wstate,
        &[
            "witness",
            "add-log",
            "--origin",
            &origin,
            "--verifier",
            log_key.trim(),
        ],
    ));
    let (_served, addr) = serve(&wstate);

    // A first submission with a wrong old size learns the witness's (0).
    let (status, body) = add_checkpoint(&addr, &format!("old {size}\n\n{checkpoint}"));
    assert_eq!((status, body.as_str()), (409, "0\n"));
    let (status, line) = add_checkpoint(&addr, &format!("old 0\n\n{checkpoint}"));
    assert_eq!(status, 200, "{line}");
    assert!(
        line.starts_with("\u{2014} tigta.example/witness "),
        "{line}"
    );

    // The cosigned checkpoint, kept by an auditor: the log extends it.
    let cosigned = tmp.path().join("cosigned.checkpoint");
    std::fs::write(&cosigned, format!("{checkpoint}{line}")).unwrap();
    ok(&vouch(
        &state,
        &["ledger", "verify", "--against", cosigned.to_str().unwrap()],
    ));
    // An inclusion proof under that checkpoint, with the witness required.
    let bundle = prove(&state, "GOLDEN-2025-000001", "S01");
    let proof = tmp.path().join("cosigned.proof");
    std::fs::write(&proof, format!("{bundle}{line}")).unwrap();
    let out = ok(&vouch(
        &state,
        &[
            "ledger",
            "check-proof",
            "--proof",
            proof.to_str().unwrap(),
            "--witness-key",
            wkey,
        ],
    ));
    assert!(
        out.contains("cosigned by witness tigta.example/witness"),
        "{out}"
    );
    // The same checkpoint again is fine; a log it does not know is 404.
    assert_eq!(
        add_checkpoint(&addr, &format!("old {size}\n\n{checkpoint}")).0,
        200
    );
    let other = checkpoint.replacen(&origin, "other.example/log", 1);
    assert_eq!(add_checkpoint(&addr, &format!("old 0\n\n{other}")).0, 404);
}
