//! The front door of a real `vouch serve` process (issue 14): a refused
//! upload costs little memory and leaves nothing behind; a flood of stalled
//! connections does not keep `/healthz` from answering; console sign-in is
//! limited per source and every failure is audited. Loopback only, and
//! bounded (3,000 connections, one 40 MB upload).

mod serve;
use serve::{http, json_of, token_for, Server};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};
use vouch_test_support::http::multipart;
use vouch_test_support::{open_store, register_synth_in, synth_fixture, StoreKind};

const TEST: &str = "front_door";

/// A registered service over a small synthetic data set.
fn service(dir: &Path) -> Server {
    let state = dir.join("state");
    synth_fixture(dir, 500, 10, 5);
    {
        let store = open_store(StoreKind::Sqlite, &state, TEST).unwrap();
        register_synth_in(store.as_ref(), &dir.join("data"));
        vouch_test_support::keys_of(store.as_ref(), &state);
    }
    Server::start(&state, &dir.join("index"), &dir.join("serve.log"))
}

/// A process's resident memory and its peak, in kB (`/proc/PID/status`).
fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[test]
fn a_40_mb_upload_with_a_bad_signature_costs_little_memory_and_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let server = service(dir);
    let admin = server.admin.clone().unwrap();
    let recipient = token_for(server.addr, &admin, vouch_synth::RECIPIENT_IDS[0]);
    // Warm up the paths an upload takes, then measure from there.
    let _ = http(server.addr, "GET", "/healthz", None, None);
    let (rss_before, _) = memory_kb(server.pid());
    let letter = std::fs::read(dir.join("data/request/request.json")).unwrap();
    let signature = format!("{}\n", "A".repeat(86) + "==");
    let mut subjects = b"subject_ref,first_name,last_name\n".to_vec();
    while subjects.len() < 40 << 20 {
        subjects.extend_from_slice(b"S0000001,Maria,Garcia Lopez,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
    }
    let (ct, body) = multipart(&[
        ("request.json", letter),
        ("request.json.sig", signature.into_bytes()),
        ("subjects.csv", subjects),
    ]);
    let r = http(
        server.addr,
        "POST",
        "/v1/requests",
        Some(&recipient),
        Some((&ct, &body)),
    );
    drop(body);
    assert_eq!(r.0, 403, "{:?}", json_of(&r));
    assert_eq!(
        json_of(&r)["error"],
        "signature_refused",
        "{:?}",
        json_of(&r)
    );
    // Whether refused at once or by the job that checks it, it ends
    // refused: the uploader is told why, and nothing of it is kept.
    let id = vouch_synth::request_id(5, 10);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = http(
            server.addr,
            "GET",
            &format!("/v1/requests/{id}"),
            Some(&recipient),
            None,
        );
        let v = json_of(&s);
        let failed = v["processing"]["state"] == "failed";
        if s.0 == 404 || failed {
            if failed {
                assert_eq!(v["processing"]["error"], "signature_refused", "{v}");
            }
            break;
        }
        assert!(Instant::now() < deadline, "still {}: {v}", s.0);
        std::thread::sleep(Duration::from_millis(200));
    }
    let (_, peak) = memory_kb(server.pid());
    let growth_mb = peak.saturating_sub(rss_before) as f64 / 1024.0;
    eprintln!("server peak RSS grew {growth_mb:.1} MB for a 40 MB refused upload");
    assert!(growth_mb < 64.0, "peak RSS grew {growth_mb:.1} MB");
    let uploads = dir.join("state/uploads");
    let left: Vec<_> = std::fs::read_dir(&uploads)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "files left behind: {left:?}");
    server.stop();
}

/// `GET /healthz` within `limit`, on a fresh connection.
fn healthz_within(addr: SocketAddr, limit: Duration) -> Result<Duration, String> {
    let t = Instant::now();
    let mut s = TcpStream::connect_timeout(&addr, limit).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(limit)).map_err(|e| e.to_string())?;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&buf);
    if !text.starts_with("HTTP/1.1 200") {
        return Err(format!("answered {:?}", text.lines().next()));
    }
    Ok(t.elapsed())
}

#[test]
fn healthz_answers_within_two_seconds_under_3000_stalled_connections() {
    let tmp = tempfile::tempdir().unwrap();
    let server = service(tmp.path());
    let addr = server.addr;
    let mut stalled = Vec::with_capacity(3_000);
    for i in 0..3_000 {
        let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
            continue;
        };
        // Half of them start a request and never finish its headers.
        if i % 2 == 0 {
            let _ = s.write_all(b"GET /v1/requests HTTP/1.1\r\nHost: x\r\n");
        }
        stalled.push(s);
    }
    assert!(stalled.len() > 2_000, "only {} connected", stalled.len());
    for _ in 0..5 {
        let took = healthz_within(addr, Duration::from_secs(2)).expect("healthz answers");
        assert!(took < Duration::from_secs(2), "took {took:?}");
    }
    // The stalled connections are closed by the server (cap and header
    // timeout), not kept open.
    std::thread::sleep(Duration::from_secs(11));
    let open = stalled
        .iter()
        .filter(|s| {
            let _ = s.set_read_timeout(Some(Duration::from_millis(5)));
            let mut b = [0u8; 1];
            let mut r: &TcpStream = s;
            match r.read(&mut b) {
                // Still waiting: the server kept it open.
                Err(e) => matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
                // Closed (0 bytes), or answered and closed.
                Ok(_bytes) => false,
            }
        })
        .count();
    assert!(
        open < 100,
        "{open} stalled connections still open after the header timeout"
    );
    server.stop();
}

#[test]
fn wrong_console_sign_ins_get_429_with_retry_after_and_each_failure_is_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let server = service(dir);
    let mut codes = Vec::new();
    let mut retry_after = None;
    for i in 0..300 {
        let body = format!("token=vouch_wrong_{i:04}&csrf=x");
        let req = format!(
            "POST /console/sign-in HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.write_all(req.as_bytes()).unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        let text = String::from_utf8_lossy(&buf).to_string();
        let code: u16 = text[9..12].parse().unwrap();
        if code == 429 && retry_after.is_none() {
            retry_after = text
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("retry-after:"))
                .map(|l| l[12..].trim().to_string());
        }
        codes.push(code);
    }
    let refused = codes.iter().filter(|&&c| c == 401).count();
    let limited = codes.iter().filter(|&&c| c == 429).count();
    assert_eq!(refused, 10, "the first attempts are answered: {codes:?}");
    assert_eq!(limited, 290, "then 429");
    let wait: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=300).contains(&wait), "Retry-After {wait}");
    server.stop();
    let store = vouch_test_support::reopen_store(StoreKind::Sqlite, &dir.join("state"), TEST);
    let audited = store
        .service_audit_trail()
        .unwrap()
        .into_iter()
        .filter(|e| e.action == vouch_store::AuditAction::SignInRefused)
        .collect::<Vec<_>>();
    assert_eq!(audited.len(), 300, "every failure audited");
    assert!(audited
        .iter()
        .all(|e| e.detail.contains("127.0.0.1") && !e.detail.contains("vouch_wrong")));
}
