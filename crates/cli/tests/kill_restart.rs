//! A real `vouch serve` process killed with SIGKILL while a batch runs, then
//! started again on the same state: the restarted service resumes the batch,
//! the response has one row per subject, the ledger verifies and holds
//! exactly one leaf per looked-up subject (nothing looked up twice).
//!
//! The kill is timed, not injected: the test waits until the batch is
//! running (status `approved`, or `logged`) and kills the process a little
//! later. Which phase the kill landed in is printed (run with
//! `--nocapture`), and a batch that finished before the kill fails the test
//! rather than passing without having tested a restart.

mod serve;
use serde_json::{json, Value};
use serve::{http, json_of, token_for, Server};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use vouch_test_support::http::multipart;
use vouch_test_support::{open_store, register_synth_in, reopen_store, synth_fixture, StoreKind};

const TEST: &str = "kill_restart";
/// Sized so that the batch (index load and matching) runs for a few seconds
/// in a debug build; over 10,000 subjects, so it needs two approvals.
const MASTER_ROWS: u64 = 100_000;
const SUBJECTS: u64 = 12_000;
const SEED: u64 = 29;
const RECIPIENT: &str = vouch_synth::RECIPIENT_IDS[0];
const OFFICERS: [&str; 2] = [vouch_test_support::OFFICER, vouch_test_support::OFFICER_2];

fn status(addr: SocketAddr, token: &str, id: &str) -> Value {
    let r = http(
        addr,
        "GET",
        &format!("/v1/requests/{id}"),
        Some(token),
        None,
    );
    assert_eq!(r.0, 200, "{:?}", json_of(&r));
    json_of(&r)
}

fn status_str(v: &Value) -> String {
    v["status"].as_str().unwrap_or("").to_string()
}

fn wait_for(
    addr: SocketAddr,
    token: &str,
    id: &str,
    timeout: Duration,
    done: impl Fn(&str) -> bool,
) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let v = status(addr, token, id);
        if done(&status_str(&v)) {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out; last status {v}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn vouch(state: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vouch"))
        .arg("--state")
        .arg(state)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_killed_service_resumes_its_batch_on_restart_without_looking_up_twice() {
    let t0 = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let state: PathBuf = dir.join("state");
    let index = dir.join("index");
    synth_fixture(dir, MASTER_ROWS, SUBJECTS, SEED);
    {
        let store = open_store(StoreKind::Sqlite, &state, TEST).unwrap();
        register_synth_in(store.as_ref(), &dir.join("data"));
        // The keys, in STATE/keys where `vouch serve` reads them.
        vouch_test_support::keys_of(store.as_ref(), &state);
    }
    eprintln!("fixture ready in {:.1?}", t0.elapsed());
    let request_id = vouch_synth::request_id(SEED, SUBJECTS);

    // First start: tokens, upload, two approvals.
    let first = Server::start(&state, &index, &dir.join("serve-1.log"));
    let addr = first.addr;
    let admin = first
        .admin
        .clone()
        .expect("first start prints an admin token");
    let recipient = token_for(addr, &admin, RECIPIENT);
    let officers: Vec<String> = OFFICERS
        .iter()
        .map(|o| token_for(addr, &admin, o))
        .collect();
    let parts: Vec<(&str, Vec<u8>)> = vouch_server::UPLOAD_PARTS
        .iter()
        .map(|n| (*n, std::fs::read(dir.join("data/request").join(n)).unwrap()))
        .collect();
    let (ct, body) = multipart(&parts);
    let r = http(
        addr,
        "POST",
        "/v1/requests",
        Some(&recipient),
        Some((&ct, &body)),
    );
    assert_eq!(r.0, 202, "upload: {:?}", json_of(&r));
    let v = wait_for(
        addr,
        &officers[0],
        &request_id,
        Duration::from_secs(60),
        |s| s != "received",
    );
    assert_eq!(status_str(&v), "pending_review", "{v}");
    // Each officer signs their own decision: the statement first, then
    // the approval with its signature.
    let approve = |officer: &str, token: &str, comment: &str| {
        let b = serde_json::to_vec(&json!({ "decision": "approve", "comment": comment })).unwrap();
        let st = json_of(&http(
            addr,
            "POST",
            &format!("/v1/requests/{request_id}/statement"),
            Some(token),
            Some(("application/json", &b)),
        ));
        let text = st["statement"].as_str().unwrap_or("");
        let body = json!({
            "comment": comment,
            "at": st["at"],
            "signature": vouch_test_support::sign_statement(officer, text),
        });
        let b = serde_json::to_vec(&body).unwrap();
        http(
            addr,
            "POST",
            &format!("/v1/requests/{request_id}/approve"),
            Some(token),
            Some(("application/json", &b)),
        )
    };
    // The run that checked the upload (then the first approval's run) may
    // hold the request a moment after its status shows: retry while 409.
    let approve_retrying = |officer: &str, token: &str, comment: &str| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let r = approve(officer, token, comment);
            if r.0 == 409 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            assert!(r.0 < 300, "{comment}: {} {:?}", r.0, json_of(&r));
            return;
        }
    };
    approve_retrying(OFFICERS[0], &officers[0], "first approval");
    approve_retrying(OFFICERS[1], &officers[1], "second approval");
    let approved_at = Instant::now();

    // Kill it while the batch runs.
    let v = wait_for(
        addr,
        &officers[0],
        &request_id,
        Duration::from_secs(60),
        |s| s != "pending_review",
    );
    let seen = status_str(&v);
    std::thread::sleep(Duration::from_millis(300));
    let before_kill = status_str(&status(addr, &officers[0], &request_id));
    let killed_after = approved_at.elapsed();
    first.kill();
    eprintln!(
        "killed {killed_after:.1?} after the second approval; status first seen running: \
         {seen}, at the kill: {before_kill}"
    );
    assert!(
        before_kill == "approved" || before_kill == "logged",
        "the batch was not running at the kill (status {before_kill}): make it bigger"
    );

    // Restart on the same state: the batch is resumed and finishes.
    let resumed_at = Instant::now();
    let second = Server::start(&state, &index, &dir.join("serve-2.log"));
    assert!(second.admin.is_none(), "no second admin token");
    let addr = second.addr;
    let v = wait_for(
        addr,
        &officers[0],
        &request_id,
        Duration::from_secs(120),
        |s| !matches!(s, "approved" | "logged"),
    );
    assert_eq!(status_str(&v), "completed", "{v}");
    eprintln!("completed {:.1?} after the restart", resumed_at.elapsed());
    let trail = v["audit"].as_array().cloned().unwrap_or_default();
    assert!(
        trail.iter().any(|e| e["action"] == "resumed"),
        "the trail records the resumption: {v}"
    );
    let r = http(
        addr,
        "GET",
        &format!("/v1/requests/{request_id}/response"),
        Some(&recipient),
        None,
    );
    assert_eq!(r.0, 200);
    let csv = String::from_utf8(r.1).unwrap();
    assert!(
        csv.starts_with("subject_ref,outcome,reasons"),
        "{}",
        &csv[..80.min(csv.len())]
    );
    // The recipient gets the rows of their cases; response.json counts
    // every subject, each answered once.
    let rows = csv.lines().filter(|l| !l.is_empty()).count() as u64;
    assert!(rows > 1 && rows <= SUBJECTS + 1, "{rows} rows");
    let r = http(
        addr,
        "GET",
        &format!("/v1/requests/{request_id}/response.json"),
        Some(&recipient),
        None,
    );
    assert_eq!(r.0, 200);
    let json: serde_json::Value = serde_json::from_slice(&r.1).unwrap();
    let counted: u64 = json["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counted, SUBJECTS, "one answer per subject: {json}");
    second.stop();

    let out = vouch(&state, &["ledger", "verify"]);
    assert!(
        out.status.success(),
        "ledger verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Exactly one leaf per looked-up subject, none twice.
    let store = reopen_store(StoreKind::Sqlite, &state, TEST);
    let ledger = store.open_ledger().unwrap();
    let leaves = ledger.leaves_for_request(&request_id).unwrap();
    let refs: HashSet<&str> = leaves.iter().map(|(_, l)| l.subject_ref.as_str()).collect();
    assert_eq!(refs.len(), leaves.len(), "a subject was looked up twice");
    assert_eq!(
        ledger.lookups(),
        leaves.len() as u64,
        "only this batch's leaves"
    );
    let subjects = std::fs::read_to_string(dir.join("data/request/subjects.csv")).unwrap();
    let submitted = subjects.lines().skip(1).filter(|l| !l.is_empty()).count();
    assert_eq!(submitted as u64, SUBJECTS);
    let record = store.request(&request_id).unwrap().unwrap();
    eprintln!(
        "ledger: {} leaves for {} subjects; status at kill {before_kill}; total {:.1?}",
        leaves.len(),
        SUBJECTS,
        t0.elapsed()
    );
    // Every subject that passed the per-subject checks (its row of the
    // whole response, as the service wrote it, gives no reasons) was looked
    // up exactly once, and no other.
    let whole = std::fs::read_to_string(
        state
            .join("responses")
            .join(&request_id)
            .join("response.csv"),
    )
    .unwrap();
    let looked_up: HashSet<&str> = whole
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            let subject = f.next()?;
            let _outcome = f.next()?;
            f.next().unwrap_or("").is_empty().then_some(subject)
        })
        .collect();
    assert!(!looked_up.is_empty());
    assert_eq!(refs, looked_up, "leaves and looked-up subjects differ");
    assert_eq!(record.status, vouch_store::RequestStatus::Completed);
}
