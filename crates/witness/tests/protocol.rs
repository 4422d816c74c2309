//! The witness service over HTTP, as a log would call it: each answer of
//! the C2SP tlog-witness protocol, and the latest checkpoint remembered
//! across restarts.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use vouch_ledger::cosignature::add_cosignature;
use vouch_ledger::witness::AddCheckpoint;
use vouch_ledger::{leaf_hash, Checkpoint, MerkleTree, NoteVerifier, SignedCheckpoint};
use vouch_witness::{init_key, Witness};

const ORIGIN: &str = "vouch.local/ledger/test";

struct Log {
    tree: MerkleTree,
    key: ed25519_dalek::SigningKey,
}

impl Log {
    fn new(seed: u8) -> Log {
        Log {
            tree: MerkleTree::new(),
            key: ed25519_dalek::SigningKey::from_bytes(&[seed; 32]),
        }
    }
    fn grow(&mut self, n: u64) {
        let size = self.tree.size();
        let leaves: Vec<_> = (size..size + n)
            .map(|i| leaf_hash(&i.to_be_bytes()))
            .collect();
        self.tree.extend(&leaves);
    }
    fn checkpoint(&self) -> SignedCheckpoint {
        let cp = Checkpoint {
            origin: ORIGIN.into(),
            size: self.tree.size(),
            root: self.tree.root(),
            extensions: vec![],
        };
        SignedCheckpoint::sign(cp, ORIGIN, &self.key).unwrap()
    }
    fn body(&self, old: u64) -> String {
        let proof = if old == 0 {
            vec![]
        } else {
            self.tree.consistency_proof(old, self.tree.size()).unwrap()
        };
        AddCheckpoint {
            old_size: old,
            proof,
            checkpoint: self.checkpoint(),
        }
        .to_body()
    }
    fn verifier(&self) -> String {
        NoteVerifier::from_signing_key(ORIGIN, &self.key)
            .unwrap()
            .to_string()
    }
}

async fn post(w: &Witness, body: String) -> (StatusCode, String, String) {
    let res = w
        .clone()
        .router()
        .oneshot(
            Request::post("/add-checkpoint")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, ct, String::from_utf8(bytes.to_vec()).unwrap())
}

/// A witness with its key in `dir` that knows an empty log's origin and key.
async fn witnessing(dir: &std::path::Path) -> (Witness, Log) {
    init_key(dir, "tigta.example/witness", [4; 32]).unwrap();
    let w = Witness::open(dir).await.unwrap();
    let log = Log::new(1);
    w.add_log(ORIGIN, &log.verifier()).await.unwrap();
    (w, log)
}

#[tokio::test]
async fn a_witness_cosigns_consistent_growth_and_answers_each_refusal_as_the_protocol_says() {
    let dir = tempfile::tempdir().unwrap();
    let vkey = init_key(dir.path(), "tigta.example/witness", [4; 32]).unwrap();
    assert!(
        init_key(dir.path(), "tigta.example/witness", [5; 32]).is_err(),
        "made once"
    );
    let w = Witness::open(dir.path()).await.unwrap();
    assert_eq!(w.verifier().to_vkey(), vkey);
    let mut log = Log::new(1);
    log.grow(5);
    // Unknown log: 404.
    assert_eq!(post(&w, log.body(0)).await.0, StatusCode::NOT_FOUND);
    w.add_log(ORIGIN, &log.verifier()).await.unwrap();
    // Signed by another key: 403.
    let mut impostor = Log::new(9);
    impostor.grow(5);
    assert_eq!(post(&w, impostor.body(0)).await.0, StatusCode::FORBIDDEN);
    // First checkpoint: a cosignature that verifies on the checkpoint.
    let (status, _, line) = post(&w, log.body(0)).await;
    assert_eq!(status, StatusCode::OK, "{line}");
    let cosigned = add_cosignature(&log.checkpoint(), &line).unwrap();
    w.verifier().verify(&cosigned).unwrap();
    // Growth with a consistency proof.
    log.grow(7);
    let (status, _, _) = post(&w, log.body(5)).await;
    assert_eq!(status, StatusCode::OK);
    // A stale old size: 409 with the witness's size, as text/x.tlog.size.
    log.grow(1);
    let (status, ct, body) = post(&w, log.body(5)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(ct, "text/x.tlog.size");
    assert_eq!(body, "12\n");
    // A proof that does not verify: 422.
    let mut bad = AddCheckpoint::parse(&log.body(12)).unwrap();
    bad.proof[0][0] ^= 1;
    assert_eq!(
        post(&w, bad.to_body()).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Not a request at all: 400.
    assert_eq!(post(&w, "hello".into()).await.0, StatusCode::BAD_REQUEST);
    // Restarted, the witness remembers size 12: a fork of the log
    // (another root at size 12) is refused.
    drop(w);
    let w = Witness::open(dir.path()).await.unwrap();
    assert_eq!(w.latest(ORIGIN).await.unwrap().unwrap().0, 12);
    let mut fork = Log::new(1);
    fork.grow(11);
    fork.tree.extend(&[[7; 32]]);
    let (status, _, body) = post(&w, fork.body(12)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // And the honest log goes on.
    assert_eq!(post(&w, log.body(12)).await.0, StatusCode::OK);
    assert_eq!(w.latest(ORIGIN).await.unwrap().unwrap().0, 13);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_submissions_from_one_size_one_wins_the_others_get_409() {
    let dir = tempfile::tempdir().unwrap();
    let (w, mut log) = witnessing(dir.path()).await;
    log.grow(5);
    assert_eq!(post(&w, log.body(0)).await.0, StatusCode::OK);
    // Eight submissions, each growing the log from size 5 by a different
    // amount, all claiming the witness is at 5: exactly one is cosigned.
    let bodies: Vec<String> = (1..=8)
        .map(|n| {
            let mut l = Log::new(1);
            l.grow(5 + n);
            l.body(5)
        })
        .collect();
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|b| {
            let w = w.clone();
            tokio::spawn(async move { post(&w, b).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        let (status, _, body) = t.await.unwrap();
        statuses.push((status, body));
    }
    let ok = statuses
        .iter()
        .filter(|(s, _)| *s == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "{statuses:?}");
    let latest = w.latest(ORIGIN).await.unwrap().unwrap().0;
    for (s, body) in &statuses {
        if *s != StatusCode::OK {
            assert_eq!(*s, StatusCode::CONFLICT);
            assert_eq!(body, &format!("{latest}\n"));
        }
    }
}

#[tokio::test]
async fn a_cosignature_lost_between_persisting_and_answering_is_recovered_by_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (w, mut log) = witnessing(dir.path()).await;
    log.grow(5);
    assert_eq!(post(&w, log.body(0)).await.0, StatusCode::OK);
    log.grow(4);
    // The witness stores size 9 and then dies before its answer reaches
    // the log (the answer is dropped; the process restarts).
    let _lost = post(&w, log.body(5)).await;
    drop(w);
    let w = Witness::open(dir.path()).await.unwrap();
    assert_eq!(w.latest(ORIGIN).await.unwrap().unwrap().0, 9);
    // The log, still believing 5, learns 9 from the 409 and submits the
    // same checkpoint from 9: cosigned again, the same tree.
    let (status, _, body) = post(&w, log.body(5)).await;
    assert_eq!((status, body.as_str()), (StatusCode::CONFLICT, "9\n"));
    let (status, _, line) = post(&w, log.body(9)).await;
    assert_eq!(status, StatusCode::OK, "{line}");
    let cosigned = add_cosignature(&log.checkpoint(), &line).unwrap();
    assert!(w.verifier().verify(&cosigned).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_connections_neither_stay_nor_shut_the_witness_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let (w, mut log) = witnessing(dir.path()).await;
    log.grow(3);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = vouch_front_door::FrontDoor {
        max_connections: 4,
        header_timeout: std::time::Duration::from_millis(300),
        // A request in flight (its checkpoint stored and synced) may take
        // longer than a stalled connection is given.
        idle_timeout: std::time::Duration::from_secs(5),
    };
    tokio::spawn(w.serve_with(listener, limits));
    // Twenty connections that never send a byte: more than the cap.
    let mut stalled = Vec::new();
    for _ in 0..20 {
        stalled.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    // Once the witness has taken them in (and holds its cap with them), a
    // real submission still gets its cosignature.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let body = log.body(0);
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST /add-checkpoint HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        s.read_to_string(&mut answer),
    )
    .await
    .expect("answered while stalled connections wait")
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // And every stalled connection is closed by the witness (EOF or reset).
    for mut c in stalled {
        let mut buf = [0u8; 16];
        let r = tokio::time::timeout(std::time::Duration::from_secs(5), c.read(&mut buf)).await;
        assert!(
            matches!(r, Ok(Ok(0)) | Ok(Err(_))),
            "a stalled connection stayed open"
        );
    }
}
