//! The console end to end in headless Chromium, driven over WebDriver
//! (`chromedriver`, spoken to directly with a few lines of HTTP/JSON), each
//! browser with WebDriver's virtual authenticator (a CTAP2 security key):
//! an officer enrols a security key with a one-time code, signs in with
//! token and key (a token alone opens nothing), and approves with the key a
//! batch that needs two approvals; a second officer in another browser does
//! the same and the batch runs; the page shows the batch finish and its
//! outcome counts, and an auditor (signed in with two factors too) checks a
//! lookup's inclusion proof in the page (WebCrypto), not only on the
//! server. The approvals hold offline (`check_all_approvals`, as `vouch
//! ledger verify`). Screenshots go to `$CARGO_TARGET_TMPDIR/console-e2e/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs
//! them). Without them the test says so and passes, unless
//! `VOUCH_E2E_REQUIRED` is set (as in CI), where it fails.

use base64::Engine;
use serde_json::{json, Value};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use vouch_server::{app, AppState, ServerConfig};
use vouch_store::{OfficialRecord, Role, StateStore};
use vouch_test_support::http::{multipart, request as http};
use vouch_test_support::{
    open_store, register_synth_in, synth_fixture, StoreKind, OFFICER, OFFICER_2,
};

const AUDITOR: &str = "irs-aud-1";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

fn api(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let auth = format!("Bearer {token}");
    let bytes = body.map(|v| v.to_string().into_bytes()).unwrap_or_default();
    let (status, b) = http(
        addr,
        method,
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &bytes,
    );
    (status, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

/// A WebDriver session on chromedriver.
struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: String,
    authenticator: String,
}

impl Browser {
    fn start(shots: &Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = shots.join(format!("profile-{port}"));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,1600",
                         // No calls home: the machine's network is closed.
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--disable-quic",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let (status, b) = http(
            addr,
            "POST",
            "/session",
            &[("Content-Type", "application/json")],
            caps.to_string().as_bytes(),
        );
        let v: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
        assert_eq!(status, 200, "new session: {v}");
        let session = v["value"]["sessionId"]
            .as_str()
            .expect("session id")
            .to_string();
        let mut b = Browser {
            driver,
            addr,
            session,
            authenticator: String::new(),
        };
        // A security key of this browser's own (WebDriver's virtual
        // authenticator: user present and verified without a touch).
        let id = b.cmd(
            "POST",
            "/webauthn/authenticator",
            json!({"protocol": "ctap2", "transport": "usb", "hasResidentKey": true,
                   "hasUserVerification": true, "isUserVerified": true}),
        );
        b.authenticator = id.as_str().expect("authenticator id").to_string();
        b
    }

    /// How many credentials this browser's security key holds.
    fn credentials(&self) -> usize {
        let path = format!("/webauthn/authenticator/{}/credentials", self.authenticator);
        self.cmd("GET", &path, json!({}))
            .as_array()
            .map_or(0, Vec::len)
    }

    fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        let path = format!("/session/{}{path}", self.session);
        let (status, b) = http(
            self.addr,
            method,
            &path,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        );
        let v: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
        assert_eq!(status, 200, "{method} {path}: {v}");
        v["value"].clone()
    }

    /// Runs a script in the page and returns its value.
    fn script(&self, js: &str) -> Value {
        self.cmd("POST", "/execute/sync", json!({ "script": js, "args": [] }))
    }

    /// Marks the document shown now, so that a new one can be told from it.
    fn mark(&self) {
        self.script("window.__vouchSeen = true;");
    }

    /// Waits until a document other than the marked one has loaded whole.
    /// (Under load, a navigation command can return, and a click always
    /// returns, before the next document is there; reading the page then
    /// would read the old one.)
    fn wait_new_page(&self, what: &str) {
        wait_for(what, 30, || {
            self.script("return document.readyState === 'complete' && !window.__vouchSeen;")
                .as_bool()
                == Some(true)
        });
    }

    /// Navigates to `url` and waits until its document (or the one it
    /// redirects to) has loaded.
    fn go(&self, url: &str) {
        self.mark();
        self.cmd("POST", "/url", json!({ "url": url }));
        self.wait_new_page(url);
    }

    /// Clicks a form's submit button and waits for the page it leads to.
    fn submit(&self, css: &str) {
        self.mark();
        self.click(css);
        self.wait_new_page(css);
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            json!({"using": "css selector", "value": css}),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{el}/value"),
            json!({ "text": text }),
        );
    }

    fn click(&self, css: &str) {
        let el = self.find(css);
        self.cmd("POST", &format!("/element/{el}/click"), json!({}));
    }

    fn text(&self, css: &str) -> String {
        let el = self.find(css);
        self.cmd("GET", &format!("/element/{el}/text"), json!({}))
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    fn attr(&self, css: &str, name: &str) -> Option<String> {
        let el = self.find(css);
        self.cmd("GET", &format!("/element/{el}/attribute/{name}"), json!({}))
            .as_str()
            .map(str::to_string)
    }

    fn page(&self) -> String {
        self.cmd("GET", "/source", json!({}))
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    fn screenshot(&self, path: &Path) {
        let png = self.cmd("GET", "/screenshot", json!({}));
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or(""))
            .unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    /// On the signing page, signs the statement shown with the officer's
    /// security key (the page's script asks the key for an assertion whose
    /// challenge is SHA-256 of the statement, and posts it).
    fn sign_decision_with_key(&self) {
        let statement = self.text("pre#statement");
        assert!(statement.starts_with("vouch-approval-v1"), "{statement}");
        // The Ed25519 paste form stays as the fallback.
        assert!(self.page().contains("<textarea id=\"signature\""));
        self.submit("#webauthn-sign");
    }

    /// Submits the sign-in form with `token`; returns the page it led to.
    fn try_sign_in(&self, base: &str, token: &str) -> String {
        self.go(&format!("{base}/console/sign-in"));
        self.type_into("input[name=token]", token);
        self.submit("form[action='/console/sign-in'] button[type=submit]");
        self.page()
    }

    /// Signs in with a token the service accepts and the security key
    /// enrolled on this browser's authenticator.
    fn sign_in(&self, base: &str, token: &str) {
        let page = self.try_sign_in(base, token);
        assert!(
            page.contains("Confirm with your security key"),
            "the token alone leads to the second factor: {}",
            self.text("h1")
        );
        self.second_factor();
    }

    /// On the second-factor page: asserts with this browser's security key.
    fn second_factor(&self) {
        self.submit("#webauthn-button");
        let page = self.page();
        assert!(
            page.contains("Signed in as"),
            "signed in with the security key: {} {}",
            self.text("h1"),
            self.text("main")
        );
    }

    /// Signs in with the token only, then enrols this browser's security
    /// key with a one-time `code` and completes the sign-in with it.
    fn enrol_and_sign_in(&self, base: &str, token: &str, code: &str) {
        let page = self.try_sign_in(base, token);
        assert!(page.contains("no security key enrolled"), "{page}");
        // Skipping the second factor is refused: every page leads back.
        self.go(&format!("{base}/console/requests"));
        assert_eq!(self.text("h1"), "Confirm with your security key");
        let before = self.credentials();
        self.go(&format!("{base}/console/enrol"));
        self.type_into("input[name=code]", code);
        self.submit("form[action='/console/enrol/start'] button[type=submit]");
        self.submit("#webauthn-button");
        assert_eq!(self.credentials(), before + 1, "a credential on the key");
        assert_eq!(self.text("h1"), "Confirm with your security key");
        self.second_factor();
    }

    fn sign_out(&self) {
        self.submit("form[action='/console/sign-out'] button[type=submit]");
        let p = self.page();
        assert!(p.contains("name=\"token\"") && !p.contains("Signed in as"));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let path = format!("/session/{}", self.session);
        let _ = std::panic::catch_unwind(|| http(self.addr, "DELETE", &path, &[], b""));
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn wait_for(what: &str, secs: u64, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn available() -> bool {
    let there = Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists();
    if !there {
        assert!(
            std::env::var_os("VOUCH_E2E_REQUIRED").is_none(),
            "VOUCH_E2E_REQUIRED is set but {CHROMIUM} or {CHROMEDRIVER} is missing"
        );
        eprintln!(
            "note: chromium/chromedriver not installed; skipping the console end-to-end test"
        );
    }
    there
}

#[test]
fn an_officer_pair_approves_in_the_browser_and_an_auditor_checks_a_proof_in_the_page() {
    if !available() {
        return;
    }
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-e2e");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    synth_fixture(dir, 2_000, 40, 11);
    let state = dir.join("state");
    let store = open_store(StoreKind::Sqlite, &state, "console_e2e").unwrap();
    register_synth_in(store.as_ref(), &dir.join("data"));
    let keys = vouch_test_support::keys_of(store.as_ref(), &state);
    store
        .add_official(OfficialRecord {
            id: AUDITOR.into(),
            agency: "IRS".into(),
            role: Role::Auditor,
            public_key: None,
            registered_at: time::macros::datetime!(2025-01-15 00:00 UTC),
        })
        .unwrap();
    // Every batch of two or more subjects needs two officers.
    let mut policy = vouch_policy::PolicyConfig::defaults();
    policy.large_batch_subjects_min = 2;
    activate(store.as_ref(), &policy);
    // WebAuthn relying-party ids cannot be IP addresses: the browser goes
    // to http://localhost:PORT, the relying party's origin.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let config = ServerConfig {
        rp_id: "localhost".into(),
        rp_origin: format!("http://localhost:{}", addr.port()),
        ..ServerConfig::default()
    };
    let (app_state, admin) = AppState::open(store, keys, &dir.join("index"), config).unwrap();
    let admin = admin.unwrap();

    listener.set_nonblocking(true).unwrap();
    let server_state = app_state.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(l, app(server_state)).await.unwrap();
        });
    });
    let base = format!("http://localhost:{}", addr.port());
    let code_for = |who: &str| {
        let (status, v) = api(
            addr,
            "POST",
            &format!("/v1/officials/{who}/enrolment-codes"),
            &admin,
            None,
        );
        assert_eq!(status, 201, "{v}");
        v["code"].as_str().unwrap().to_string()
    };

    let mut tokens = std::collections::HashMap::new();
    for who in [vouch_synth::RECIPIENT_IDS[0], OFFICER, OFFICER_2, AUDITOR] {
        let (status, v) = api(
            addr,
            "POST",
            &format!("/v1/officials/{who}/tokens"),
            &admin,
            None,
        );
        assert_eq!(status, 201, "{v}");
        tokens.insert(who, v["token"].as_str().unwrap().to_string());
    }
    let req_dir = dir.join("data/request");
    let parts: Vec<(&str, Vec<u8>)> = vouch_server::UPLOAD_PARTS
        .iter()
        .map(|n| (*n, std::fs::read(req_dir.join(n)).unwrap()))
        .collect();
    let (ct, body) = multipart(&parts);
    let auth = format!("Bearer {}", tokens[vouch_synth::RECIPIENT_IDS[0]]);
    let (status, _) = http(
        addr,
        "POST",
        "/v1/requests",
        &[("Authorization", &auth), ("Content-Type", &ct)],
        &body,
    );
    assert_eq!(status, 202);
    let id = vouch_synth::request_id(11, 40);
    wait_for("the batch to be checked", 60, || {
        api(
            addr,
            "GET",
            &format!("/v1/requests/{id}"),
            &tokens[OFFICER],
            None,
        )
        .1["status"]
            == "pending_review"
    });

    let b = Browser::start(&shots);
    // Unauthenticated pages send the browser to sign in.
    b.go(&format!("{base}/console/review"));
    assert!(
        b.page().contains("name=\"token\""),
        "the review queue needs a session"
    );
    b.try_sign_in(&base, "not-a-token");
    assert!(b.text("p.error").contains("not accepted"));

    // First officer: enrols a security key with the code an administrator
    // issued, and signs in with token and key.
    b.enrol_and_sign_in(&base, &tokens[OFFICER], &code_for(OFFICER));
    b.sign_out();
    // Next time: the token alone is refused every page, token and key open them.
    b.try_sign_in(&base, &tokens[OFFICER]);
    b.go(&format!("{base}/console/review"));
    assert_eq!(b.text("h1"), "Confirm with your security key");
    assert!(
        !b.page().contains(&id),
        "nothing of the queue without the second factor"
    );
    b.second_factor();
    // The queue shows the batch and the two-person rule.
    b.go(&format!("{base}/console/review"));
    let queue = b.page();
    assert!(queue.contains(&id), "the pending batch is in the queue");
    assert!(
        queue.contains("0 of 2 approvals"),
        "the two-person rule is shown"
    );
    b.screenshot(&shots.join("1-review-queue.png"));
    b.type_into(
        "form.approve textarea[name=comment]",
        "Statutory basis checked; first of two.",
    );
    b.submit("form.approve button[type=submit]");
    // The signing page: the officer signs the statement with their security key.
    b.screenshot(&shots.join("1b-sign-decision.png"));
    b.sign_decision_with_key();
    // Recorded, and the re-check it started is over (a second approval
    // while it runs would be answered "being processed").
    wait_for("the first approval", 30, || {
        let v = api(
            addr,
            "GET",
            &format!("/v1/requests/{id}"),
            &tokens[OFFICER],
            None,
        )
        .1;
        v["approved_by"].as_array().is_some_and(|a| a.len() == 1) && v["processing"].is_null()
    });
    // The same officer cannot approve twice: the button is disabled and says why.
    b.go(&format!("{base}/console/review"));
    assert!(b.page().contains("1 of 2 approvals"));
    b.sign_out();

    // Second officer, in another browser with a security key of their own,
    // enrols, signs in and releases it; the request page shows it finish.
    let b2 = Browser::start(&shots);
    b2.enrol_and_sign_in(&base, &tokens[OFFICER_2], &code_for(OFFICER_2));
    b2.go(&format!("{base}/console/review"));
    b2.type_into(
        "form.approve textarea[name=comment]",
        "Second approval: release.",
    );
    b2.submit("form.approve button[type=submit]");
    b2.sign_decision_with_key();
    drop(b2);
    // The first officer follows the batch in their own browser (token and key).
    b.sign_in(&base, &tokens[OFFICER]);
    // The approval is recorded.
    wait_for("the second approval", 30, || {
        let v = api(
            addr,
            "GET",
            &format!("/v1/requests/{id}"),
            &tokens[OFFICER],
            None,
        )
        .1;
        v["approved_by"].as_array().is_some_and(|a| a.len() == 2)
    });
    wait_for("the request page to show the batch completed", 90, || {
        b.go(&format!("{base}/console/requests/{id}"));
        b.attr("#status", "data-status").as_deref() == Some("completed")
    });
    let page = b.page();
    assert!(page.contains("Outcomes"));
    let (_, v) = api(
        addr,
        "GET",
        &format!("/v1/requests/{id}"),
        &tokens[OFFICER],
        None,
    );
    for code in ["CONFIRMED", "NOT_CONFIRMED", "REJECTED"] {
        let n = v["counts"][code].as_u64().unwrap_or(0);
        let row = format!("<code>{code}</code></th><td class=\"num\">{n}</td>");
        assert!(
            page.contains(&row),
            "outcome count of {code} ({n}) is on the page"
        );
    }
    b.screenshot(&shots.join("2-request-completed.png"));
    // Both approvals are security-key assertions, and they hold offline
    // with the stored credentials only (as `vouch ledger verify` checks).
    {
        let store = vouch_test_support::reopen_store(StoreKind::Sqlite, &state, "console_e2e");
        let rec = store.request(&id).unwrap().unwrap();
        assert_eq!(rec.approvals.len(), 2);
        assert!(rec.approvals.iter().all(|a| a
            .signature
            .as_deref()
            .is_some_and(|s| s.starts_with("webauthn:"))));
        let ledger = store.open_ledger().unwrap();
        assert_eq!(
            vouch_app::App::new(store.as_ref())
                .check_all_approvals(&ledger)
                .unwrap(),
            1
        );
    }
    // The officer asks why one looked-up subject got its answer: a waterfall
    // of each field's weight, as recorded when it was looked up (audited).
    let subject = first_looked_up(&state, &id);
    b.type_into("#explain-subject", &subject);
    b.submit("form[action$='/console/requests/SYN-11-40'] button[type=submit]");
    wait_for("the explanation", 30, || {
        b.page().contains("id=\"waterfall\"")
    });
    let page = b.page();
    assert_eq!(
        page.matches("<g class=\"term\"").count(),
        5,
        "one bar per compared field"
    );
    let csv =
        std::fs::read_to_string(state.join("responses").join(&id).join("response.csv")).unwrap();
    let answered = csv
        .lines()
        .find(|l| l.starts_with(&format!("{subject},")))
        .and_then(|l| l.split(',').nth(1))
        .unwrap()
        .to_string();
    assert!(
        page.contains(&format!("<strong>{answered}</strong>")),
        "the explanation shows the answer the response gave ({answered})"
    );
    b.screenshot(&shots.join("2b-waterfall.png"));
    let (_, v) = api(
        addr,
        "GET",
        &format!("/v1/requests/{id}"),
        &tokens[OFFICER],
        None,
    );
    let explained = v["audit"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "explained" && e["detail"] == format!("subject {subject}"));
    assert!(explained, "the explanation is in the audit trail");
    // A rejected subject was never looked up: nothing to explain.
    b.go(&format!("{base}/console/requests/{id}?subject=S000004"));
    assert!(b.page().contains("was not looked up"));
    b.sign_out();

    // Auditor: a lookup's inclusion proof, checked by the page's own script.
    let subject = first_looked_up(&state, &id);
    b.enrol_and_sign_in(&base, &tokens[AUDITOR], &code_for(AUDITOR));
    b.go(&format!(
        "{base}/console/ledger?request={id}&subject={subject}"
    ));
    b.click("#proof-check");
    wait_for("the in-browser proof check", 20, || {
        b.attr("#proof-result", "data-verified").is_some()
    });
    assert_eq!(
        b.attr("#proof-result", "data-verified").as_deref(),
        Some("true")
    );
    assert!(b.text("#proof-result").contains("root matches"));
    b.screenshot(&shots.join("3-ledger-proof.png"));
    // The oversight report and the accounting CSV are there for auditors.
    b.go(&format!("{base}/console/oversight"));
    let oversight = b.page();
    assert!(oversight.contains(vouch_synth::AGENCY));
    // The rejection-reason trend has this week's row with the batch's codes.
    let trend = &oversight[oversight
        .find("class=\"reason-weeks\"")
        .expect("the trend table")..];
    assert!(
        trend.contains("<code>NAME_MISSING</code>"),
        "the trend's columns"
    );
    b.screenshot(&shots.join("4-oversight.png"));
    // A court order put on file over the API (another agency's scope, so
    // nothing above changes) and an incident past its 24 hours: a banner
    // on every page, and the orders page lists the order.
    let doc = base64::engine::general_purpose::STANDARD.encode(b"ORDER: stayed.\n");
    let (st, v) = api(
        addr,
        "POST",
        "/v1/orders",
        &tokens[OFFICER],
        Some(json!({ "change": { "add": {
            "id": "DMA-26-cv-77", "court": "D. Mass.", "date": "2026-02-01",
            "scope": "agency:DHS-CBP", "effect": "halt", "document": doc } } })),
    );
    assert_eq!(st, 201, "{v}");
    let discovered =
        vouch_core::timestamp::format(time::OffsetDateTime::now_utc() - time::Duration::hours(30));
    let (st, v) = api(
        addr,
        "POST",
        "/v1/incidents",
        &tokens[OFFICER],
        Some(json!({ "kind": "loss", "discovered_at": discovered,
                     "summary": "A laptop holding a response was lost." })),
    );
    assert_eq!(st, 201, "{v}");
    b.go(&format!("{base}/console/orders"));
    let orders = b.page();
    assert!(orders.contains("DMA-26-cv-77") && orders.contains("in force"));
    assert!(b.text(".banner").contains("not reported within 24 hours"));
    assert!(orders.contains("halts disclosures to agency:DHS-CBP"));
    assert!(orders.contains("was not reported within 24 hours"));
    b.screenshot(&shots.join("5-orders.png"));
    for f in [
        "1-review-queue.png",
        "2-request-completed.png",
        "2b-waterfall.png",
        "3-ledger-proof.png",
        "4-oversight.png",
        "5-orders.png",
    ] {
        let png = std::fs::read(shots.join(f)).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{f} is a PNG");
    }
}

fn activate(store: &dyn StateStore, p: &vouch_policy::PolicyConfig) {
    use sha2::Digest;
    let text = p.to_toml();
    store
        .activate_policy(
            &text,
            &vouch_store::PolicyActivation {
                at: time::macros::datetime!(2025-01-15 00:00 UTC),
                officer: OFFICER.into(),
                reason: "test: two approvals for every batch".into(),
                version: p.version(),
                sha256: hex::encode(sha2::Sha256::digest(text.as_bytes())),
            },
        )
        .unwrap();
}

/// A subject of the request that the response shows was looked up.
fn first_looked_up(state: &Path, id: &str) -> String {
    let csv =
        std::fs::read_to_string(state.join("responses").join(id).join("response.csv")).unwrap();
    csv.lines()
        .skip(1)
        .find(|l| !l.contains("REJECTED"))
        .and_then(|l| l.split(',').next())
        .expect("a looked-up subject")
        .to_string()
}
