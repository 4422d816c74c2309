//! The console's refusals, without a browser: pages need a session, a
//! session needs a live token and the sign-in form's CSRF secret, each page
//! keeps the API's role rules, changes need the session's CSRF secret, and
//! a revoked token ends its session at once.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;
use vouch_server::{app, AppState, ServerConfig};
use vouch_test_support::softkey::{csrf_in_page, options_in_page, SoftKey};
use vouch_test_support::{
    open_store, register_synth_in, synth_fixture, StoreKind, OFFICER, OFFICER_2,
};

struct Reply {
    status: StatusCode,
    location: Option<String>,
    cookies: Vec<String>,
    body: String,
}

async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> Reply {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    let body = match form {
        Some(f) => {
            b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(f.to_string())
        }
        None => Body::empty(),
    };
    let resp = app.clone().oneshot(b.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string());
    let cookies = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect();
    let body =
        String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).to_string();
    Reply {
        status,
        location,
        cookies,
        body,
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An API token for `who`, issued by the administrator over the API:
/// (token, token id).
async fn issue_token(app: &Router, admin: &str, who: &str) -> (String, String) {
    let r = app
        .clone()
        .oneshot(
            Request::builder()
                .method(Method::POST)
                .uri(format!("/v1/officials/{who}/tokens"))
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&r.into_body().collect().await.unwrap().to_bytes()).unwrap();
    (
        v["token"].as_str().unwrap().to_string(),
        v["token_id"].as_str().unwrap().to_string(),
    )
}

/// The token half of signing in: returns the (pending) session cookie.
async fn sign_in_token(app: &Router, token: &str) -> String {
    let form = send(app, Method::GET, "/console/sign-in", None, None).await;
    let signin = form.cookies[0].clone();
    let csrf = signin.split_once('=').unwrap().1.to_string();
    let r = send(
        app,
        Method::POST,
        "/console/sign-in",
        Some(&signin),
        Some(&format!("token={}&csrf={}", enc(token), enc(&csrf))),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/console/second-factor"));
    r.cookies
        .iter()
        .find(|c| c.starts_with("vouch_session="))
        .unwrap()
        .clone()
}

/// An enrolment code for `who`, issued over the API by the administrator.
async fn enrolment_code(app: &Router, admin: &str, who: &str) -> String {
    let r = app
        .clone()
        .oneshot(
            Request::builder()
                .method(Method::POST)
                .uri(format!("/v1/officials/{who}/enrolment-codes"))
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: serde_json::Value =
        serde_json::from_slice(&r.into_body().collect().await.unwrap().to_bytes()).unwrap();
    v["code"].as_str().unwrap().to_string()
}

/// Enrols `key` in a (pending or complete) session with `code`.
async fn enrol(app: &Router, session: &str, code: &str, key: &mut SoftKey) -> Reply {
    let page = send(app, Method::GET, "/console/enrol", Some(session), None).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_in_page(&page.body);
    let r = send(
        app,
        Method::POST,
        "/console/enrol/start",
        Some(session),
        Some(&format!("code={}&csrf={}", enc(code), enc(&csrf))),
    )
    .await;
    if r.status != StatusCode::OK {
        return r;
    }
    let made = key.create(&options_in_page(&r.body));
    send(
        app,
        Method::POST,
        "/console/enrol/finish",
        Some(session),
        Some(&format!(
            "credential={}&csrf={}",
            enc(&made.to_string()),
            enc(&csrf)
        )),
    )
    .await
}

/// The second factor: an assertion by `key` on the second-factor page.
async fn assert_with(app: &Router, session: &str, key: &mut SoftKey) -> Reply {
    let page = send(
        app,
        Method::GET,
        "/console/second-factor",
        Some(session),
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = csrf_in_page(&page.body);
    let assertion = key.get(&options_in_page(&page.body));
    send(
        app,
        Method::POST,
        "/console/second-factor",
        Some(session),
        Some(&format!(
            "credential={}&csrf={}",
            enc(&assertion.to_string()),
            enc(&csrf)
        )),
    )
    .await
}

/// Signs in through the form with both factors (enrolling a security key
/// with a code the administrator issues); returns the session cookie and
/// the page's CSRF secret.
async fn sign_in(app: &Router, admin: &str, who: &str, token: &str) -> (String, String) {
    let session = sign_in_token(app, token).await;
    let mut key = SoftKey::new("localhost", "http://localhost:8080");
    let code = enrolment_code(app, admin, who).await;
    let r = enrol(app, &session, &code, &mut key).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/console/second-factor"));
    let r = assert_with(app, &session, &mut key).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/console"));
    let page = send(app, Method::GET, "/console/requests", Some(&session), None).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_in_page(&page.body);
    (session, csrf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_refuses_what_the_api_refuses() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    synth_fixture(dir, 2_000, 40, 11);
    let state = dir.join("state");
    let store = open_store(StoreKind::Sqlite, &state, "console_routes").unwrap();
    register_synth_in(store.as_ref(), &dir.join("data"));
    let keys = vouch_test_support::keys_of(store.as_ref(), &state);
    let (app_state, admin) =
        AppState::open(store, keys, &dir.join("index"), ServerConfig::default()).unwrap();
    let admin = admin.unwrap();
    let app = app(app_state);
    let token_of = |who: &'static str| {
        let (app, admin) = (app.clone(), admin.clone());
        async move { issue_token(&app, &admin, who).await }
    };

    // No session: every page sends the browser to sign in.
    for page in [
        "/console",
        "/console/review",
        "/console/requests",
        "/console/ledger",
        "/console/oversight",
        "/console/oversight/accounting.csv",
    ] {
        let r = send(&app, Method::GET, page, None, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(r.location.as_deref(), Some("/console/sign-in"), "{page}");
    }
    let r = send(&app, Method::GET, "/console/sign-in", None, None).await;
    assert!(r.body.contains("name=\"token\""));
    assert!(send(
        &app,
        Method::GET,
        "/console/requests",
        Some("vouch_session=forged"),
        None
    )
    .await
    .location
    .is_some());

    // A sign-in without the form's CSRF cookie, or with a bad token, is refused.
    let (officer_token, officer_token_id) = token_of(OFFICER).await;
    let r = send(
        &app,
        Method::POST,
        "/console/sign-in",
        None,
        Some(&format!("token={}&csrf=x", enc(&officer_token))),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.cookies.iter().all(|c| !c.starts_with("vouch_session=")));
    let form = send(&app, Method::GET, "/console/sign-in", None, None).await;
    let csrf = form.cookies[0].split_once('=').unwrap().1.to_string();
    let r = send(
        &app,
        Method::POST,
        "/console/sign-in",
        Some(&form.cookies[0]),
        Some(&format!("token=nope&csrf={csrf}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // A requester sees its agency's pages but not the officers' or auditors'.
    let (recipient_token, _) = token_of(vouch_synth::RECIPIENT_IDS[0]).await;
    let (rs, rcsrf) = sign_in(
        &app,
        &admin,
        vouch_synth::RECIPIENT_IDS[0],
        &recipient_token,
    )
    .await;
    for page in [
        "/console/review",
        "/console/ledger",
        "/console/oversight",
        "/console/oversight/accounting.csv",
    ] {
        let r = send(&app, Method::GET, page, Some(&rs), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{page}");
    }
    let r = send(
        &app,
        Method::POST,
        "/console/requests/SYN-11-40/approve",
        Some(&rs),
        Some(&format!("comment=ok&csrf={}", enc(&rcsrf))),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a requester cannot approve"
    );

    // An officer's change needs the session's CSRF secret.
    let (os, ocsrf) = sign_in(&app, &admin, OFFICER, &officer_token).await;
    assert_eq!(
        send(&app, Method::GET, "/console/review", Some(&os), None)
            .await
            .status,
        StatusCode::OK
    );
    let r = send(
        &app,
        Method::POST,
        "/console/requests/SYN-11-40/deny",
        Some(&os),
        Some("comment=no&at=2026-01-01T00:00:00Z&signature=x&csrf=wrong"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a forged form is refused");
    let r = send(
        &app,
        Method::POST,
        "/console/requests/SYN-11-40/deny",
        Some(&os),
        Some(&format!(
            "comment=&at={}&signature=x&csrf={}",
            enc(&vouch_core::timestamp::format(vouch_core::timestamp::now())),
            enc(&ocsrf)
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "a comment is required");

    // Revoking the token ends the session at once.
    let r = app
        .clone()
        .oneshot(
            Request::builder()
                .method(Method::POST)
                .uri(format!("/v1/tokens/{officer_token_id}/revoke"))
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = send(&app, Method::GET, "/console/review", Some(&os), None).await;
    assert_eq!(r.location.as_deref(), Some("/console/sign-in"));

    // Signing out ends a session.
    let r = send(
        &app,
        Method::POST,
        "/console/sign-out",
        Some(&rs),
        Some(&format!("csrf={}", enc(&rcsrf))),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = send(&app, Method::GET, "/console/requests", Some(&rs), None).await;
    assert_eq!(r.location.as_deref(), Some("/console/sign-in"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_administrator_registers_issues_and_revokes_in_the_console() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    synth_fixture(dir, 500, 10, 5);
    let state = dir.join("state");
    let store = open_store(StoreKind::Sqlite, &state, "console_admin").unwrap();
    register_synth_in(store.as_ref(), &dir.join("data"));
    let keys = vouch_test_support::keys_of(store.as_ref(), &state);
    let (app_state, admin) =
        AppState::open(store, keys, &dir.join("index"), ServerConfig::default()).unwrap();
    let admin = admin.unwrap();
    let app = app(app_state);

    let (session, csrf) = sign_in(&app, &admin, vouch_app::BOOTSTRAP_ADMIN, &admin).await;
    let r = send(&app, Method::GET, "/console", Some(&session), None).await;
    assert_eq!(r.location.as_deref(), Some("/console/officials"));
    let r = send(
        &app,
        Method::GET,
        "/console/officials",
        Some(&session),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(OFFICER), "the registry is listed");

    // Register an auditor, then issue a token: shown once, working at once.
    let form = format!(
        "id=irs-aud-9&agency=IRS&role=auditor&public_key=&csrf={}",
        enc(&csrf)
    );
    let r = send(
        &app,
        Method::POST,
        "/console/officials",
        Some(&session),
        Some(&form),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("irs-aud-9"));
    let r = send(
        &app,
        Method::POST,
        "/console/officials",
        Some(&session),
        Some(&form),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "registered once");
    let r = send(
        &app,
        Method::POST,
        "/console/officials/irs-aud-9/tokens",
        Some(&session),
        Some(&format!("csrf={}", enc(&csrf))),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let at = r
        .body
        .find("<code class=\"token\">")
        .expect("the new token")
        + "<code class=\"token\">".len();
    let token = r.body[at..].split('<').next().unwrap().to_string();
    let api = |token: String| {
        let app = app.clone();
        async move {
            app.oneshot(
                Request::builder()
                    .uri("/v1/requests")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap()
            .status()
        }
    };
    assert_eq!(api(token.clone()).await, StatusCode::OK);
    let page = send(
        &app,
        Method::GET,
        "/console/officials",
        Some(&session),
        None,
    )
    .await;
    assert!(!page.body.contains(&token), "a token is shown once only");

    // Revoke it from the page: refused at once. (Its id is the first 16
    // hex digits of the SHA-256 of its bytes; the page lists it so.)
    use base64::Engine;
    use sha2::Digest;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&token)
        .unwrap();
    let token_id = hex::encode(sha2::Sha256::digest(&raw))[..16].to_string();
    assert!(page
        .body
        .contains(&format!("/console/tokens/{token_id}/revoke")));
    let r = send(
        &app,
        Method::POST,
        &format!("/console/tokens/{token_id}/revoke"),
        Some(&session),
        Some(&format!("csrf={}", enc(&csrf))),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(api(token.clone()).await, StatusCode::UNAUTHORIZED);
    let page = send(
        &app,
        Method::GET,
        "/console/officials",
        Some(&session),
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page
        .body
        .contains(&format!("/console/tokens/{token_id}/revoke")));
    assert!(page.body.contains("revoked <time"));

    // Nobody else manages the registry, and forged forms are refused.
    let r = send(
        &app,
        Method::POST,
        "/console/officials",
        Some(&session),
        Some("id=x&agency=IRS&role=auditor&csrf=forged"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_cookies_are_http_only_strict_and_secure_over_https() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    synth_fixture(dir, 200, 5, 3);
    for secure in [false, true] {
        let state = dir.join(format!("state-{secure}"));
        let store = open_store(StoreKind::Sqlite, &state, "console_cookies").unwrap();
        let config = ServerConfig {
            secure_cookies: secure,
            ..ServerConfig::default()
        };
        let keys = vouch_test_support::keys_of(store.as_ref(), &state);
        let (app_state, _) = AppState::open(store, keys, &dir.join("index"), config).unwrap();
        let r = app(app_state)
            .oneshot(
                Request::builder()
                    .uri("/console/sign-in")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let cookie = r.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(cookie.contains("; HttpOnly; SameSite=Strict"), "{cookie}");
        assert_eq!(cookie.contains("; Secure"), secure, "{cookie}");
        let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_alone_opens_no_page_and_a_code_enrols_only_its_official() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    synth_fixture(dir, 500, 10, 5);
    let state = dir.join("state");
    let store = open_store(StoreKind::Sqlite, &state, "console_second_factor").unwrap();
    register_synth_in(store.as_ref(), &dir.join("data"));
    let keys = vouch_test_support::keys_of(store.as_ref(), &state);
    let (app_state, admin) =
        AppState::open(store, keys, &dir.join("index"), ServerConfig::default()).unwrap();
    let admin = admin.unwrap();
    let app = app(app_state);
    let token_of = |who: &'static str| {
        let (app, admin) = (app.clone(), admin.clone());
        async move {
            let r = app
                .oneshot(
                    Request::builder()
                        .method(Method::POST)
                        .uri(format!("/v1/officials/{who}/tokens"))
                        .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let v: serde_json::Value =
                serde_json::from_slice(&r.into_body().collect().await.unwrap().to_bytes()).unwrap();
            v["token"].as_str().unwrap().to_string()
        }
    };
    // Only an administrator issues enrolment codes.
    let officer_token = token_of(OFFICER).await;
    let r = app
        .clone()
        .oneshot(
            Request::builder()
                .method(Method::POST)
                .uri(format!("/v1/officials/{OFFICER}/enrolment-codes"))
                .header(header::AUTHORIZATION, format!("Bearer {officer_token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The token alone: every page sends the session to the second factor,
    // and every form but the second factor's, enrolment's and sign-out's is
    // refused.
    let session = sign_in_token(&app, &officer_token).await;
    for page in [
        "/console",
        "/console/review",
        "/console/requests",
        "/console/ledger",
        "/console/oversight",
        "/console/officials",
    ] {
        let r = send(&app, Method::GET, page, Some(&session), None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(
            r.location.as_deref(),
            Some("/console/second-factor"),
            "{page}"
        );
    }
    let page = send(
        &app,
        Method::GET,
        "/console/second-factor",
        Some(&session),
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("data-webauthn"), "no key enrolled yet");
    let csrf = csrf_in_page(&page.body);
    let r = send(
        &app,
        Method::POST,
        "/console/requests/SYN-5-10/sign",
        Some(&session),
        Some(&format!("decision=approve&comment=ok&csrf={}", enc(&csrf))),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a pending session changes nothing"
    );
    // An assertion without a ceremony, or a made-up one, completes nothing.
    let r = send(
        &app,
        Method::POST,
        "/console/second-factor",
        Some(&session),
        Some(&format!("credential=%7B%7D&csrf={}", enc(&csrf))),
    )
    .await;
    assert_ne!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        send(&app, Method::GET, "/console/review", Some(&session), None)
            .await
            .location
            .as_deref(),
        Some("/console/second-factor")
    );

    // A code issued for OFFICER_2 does not enrol OFFICER; OFFICER's own does, once.
    let mut key = SoftKey::new("localhost", "http://localhost:8080");
    let theirs = enrolment_code(&app, &admin, OFFICER_2).await;
    let r = enrol(&app, &session, &theirs, &mut key).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("not valid for you"), "{}", r.body);
    let mine = enrolment_code(&app, &admin, OFFICER).await;
    let r = enrol(&app, &session, &mine, &mut key).await;
    assert_eq!(r.location.as_deref(), Some("/console/second-factor"));
    let r = enrol(
        &app,
        &session,
        &mine,
        &mut SoftKey::new("localhost", "http://localhost:8080"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "a code works once");
    // Another key than the one enrolled does not complete the sign-in.
    let r = assert_with(
        &app,
        &session,
        &mut SoftKey::new("localhost", "http://localhost:8080"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // The enrolled one does: every page opens.
    let r = assert_with(&app, &session, &mut key).await;
    assert_eq!(r.location.as_deref(), Some("/console"));
    let r = send(&app, Method::GET, "/console/review", Some(&session), None).await;
    assert_eq!(r.status, StatusCode::OK);
    // A new sign-in with the same token is pending again.
    let again = sign_in_token(&app, &officer_token).await;
    let r = send(&app, Method::GET, "/console/review", Some(&again), None).await;
    assert_eq!(r.location.as_deref(), Some("/console/second-factor"));
    // A pending session can sign out.
    let page = send(
        &app,
        Method::GET,
        "/console/second-factor",
        Some(&again),
        None,
    )
    .await;
    let r = send(
        &app,
        Method::POST,
        "/console/sign-out",
        Some(&again),
        Some(&format!("csrf={}", enc(&csrf_in_page(&page.body)))),
    )
    .await;
    assert_eq!(r.location.as_deref(), Some("/console/sign-in"));
}

/// A sealed registry in the console: the officials page lists a pending
/// change and says the registry is sealed; a second administrator opens
/// its signing page, signs the exact statement with their own key, and
/// the change takes effect; the proposer cannot confirm their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_administrator_confirms_a_registry_change_in_the_console() {
    use vouch_test_support::{seal_registry, sign_statement, ADMIN, ADMIN_2};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    synth_fixture(dir, 500, 10, 5);
    let state = dir.join("state");
    let store = open_store(StoreKind::Sqlite, &state, "console_registry").unwrap();
    register_synth_in(store.as_ref(), &dir.join("data"));
    seal_registry(store.as_ref());
    // ADMIN proposes an auditor, signed with their own key.
    let p = vouch_app::Proposal::Official(vouch_app::NewOfficial {
        id: "irs-aud-7".into(),
        agency: "IRS".into(),
        role: vouch_store::Role::Auditor,
        public_key: None,
    });
    let proposal = {
        let a = vouch_app::App::new(store.as_ref());
        let now = vouch_core::timestamp::now();
        let draft = a.draft(&p, ADMIN, now).unwrap();
        let text = a.change_statement(&draft, vouch_app::Step::Propose, ADMIN, draft.proposed_at);
        let step = vouch_app::SignedStep {
            official: ADMIN.into(),
            at: now,
            signature: sign_statement(ADMIN, &text),
        };
        a.propose(&p, step).unwrap().id
    };
    let keys = vouch_test_support::keys_of(store.as_ref(), &state);
    let (app_state, admin) =
        AppState::open(store, keys, &dir.join("index"), ServerConfig::default()).unwrap();
    let admin = admin.unwrap();
    let app = app(app_state.clone());

    for (who, signs_as, ok) in [(ADMIN, ADMIN, false), (ADMIN_2, ADMIN_2, true)] {
        let r = app
            .clone()
            .oneshot(
                Request::builder()
                    .method(Method::POST)
                    .uri(format!("/v1/officials/{who}/tokens"))
                    .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let body = r.into_body().collect().await.unwrap().to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let token = v["token"].as_str().unwrap().to_string();
        let (session, csrf) = sign_in(&app, &admin, who, &token).await;
        let page = send(
            &app,
            Method::GET,
            "/console/officials",
            Some(&session),
            None,
        )
        .await;
        assert!(page.body.contains("Sealed:"), "{}", page.body);
        assert!(
            page.body.contains(&proposal),
            "the pending change is listed"
        );
        let uri = format!("/console/registry/{proposal}/sign");
        let form = format!("csrf={}", enc(&csrf));
        let page = send(&app, Method::POST, &uri, Some(&session), Some(&form)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let start = page.body.find("Statement to sign\">").unwrap() + "Statement to sign\">".len();
        let statement = page.body[start..]
            .split("</pre>")
            .next()
            .unwrap()
            .to_string();
        assert!(statement.starts_with("vouch-registry-v1\n"), "{statement}");
        let at_start =
            page.body.find("name=\"at\" value=\"").unwrap() + "name=\"at\" value=\"".len();
        let at = page.body[at_start..].split('"').next().unwrap().to_string();
        let form = format!(
            "at={}&signature={}&csrf={}",
            enc(&at),
            enc(&sign_statement(signs_as, &statement)),
            enc(&csrf)
        );
        let uri = format!("/console/registry/{proposal}/confirm");
        let r = send(&app, Method::POST, &uri, Some(&session), Some(&form)).await;
        let held = app_state.store_for_tests().official("irs-aud-7").unwrap();
        if ok {
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert!(r.body.contains("in effect"), "{}", r.body);
            assert!(held.is_some());
        } else {
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "the proposer: {}",
                r.body
            );
            assert!(held.is_none());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_court_order_in_force_is_a_banner_on_every_page_and_listed_with_its_document() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    synth_fixture(dir, 2_000, 40, 12);
    let state = dir.join("state");
    let store = open_store(StoreKind::Sqlite, &state, "console_orders").unwrap();
    register_synth_in(store.as_ref(), &dir.join("data"));
    let keys = vouch_test_support::keys_of(store.as_ref(), &state);
    let document = b"ORDER: disclosures to DHS-ICE are stayed.\n".to_vec();
    {
        let app = vouch_app::App::with_checked_keys(store.as_ref(), &keys);
        let by = app.acting::<vouch_app::PolicyOwner>(OFFICER).unwrap();
        app.change_order(
            &by,
            vouch_app::OrderChange::Add(vouch_app::NewOrder {
                id: "DDC-25-cv-1234".into(),
                court: "D.D.C.".into(),
                date: time::macros::date!(2025 - 11 - 21),
                scope: "agency:DHS-ICE".into(),
                effect: "halt".into(),
                document: document.clone(),
                policy: None,
            }),
        )
        .unwrap();
        // An incident discovered an hour ago: its clock shows the time left.
        let staff = app.acting::<vouch_app::TaxAgencyStaff>(OFFICER).unwrap();
        app.open_incident(
            &staff,
            vouch_app::IncidentKind::UnauthorizedAccess,
            time::OffsetDateTime::now_utc() - time::Duration::hours(1),
            "An account was used by someone not assigned to the case.",
            &[],
        )
        .unwrap();
        // An incident discovered 25 hours ago and not reported: overdue.
        app.open_incident(
            &staff,
            vouch_app::IncidentKind::Loss,
            time::OffsetDateTime::now_utc() - time::Duration::hours(25),
            "A laptop holding a response was lost.",
            &[],
        )
        .unwrap();
    }
    let (app_state, admin) =
        AppState::open(store, keys, &dir.join("index"), ServerConfig::default()).unwrap();
    let admin = admin.unwrap();
    let app = app(app_state);
    let metrics = send(&app, Method::GET, "/metrics", None, None).await;
    assert!(
        metrics.body.contains("vouch_incidents_overdue 1"),
        "{}",
        metrics.body
    );
    assert!(
        metrics.body.contains("vouch_incidents_open 2"),
        "{}",
        metrics.body
    );
    let (token, _) = issue_token(&app, &admin, OFFICER).await;
    let (session, _) = sign_in(&app, &admin, OFFICER, &token).await;
    for page in ["/console/review", "/console/requests", "/console/orders"] {
        let r = send(&app, Method::GET, page, Some(&session), None).await;
        assert_eq!(r.status, StatusCode::OK, "{page}");
        assert!(r.body.contains("class=\"banner\""), "{page}: no banner");
        assert!(r.body.contains("DDC-25-cv-1234"), "{page}");
        assert!(
            r.body.contains("must be reported to the inspector general") && r.body.contains(" h "),
            "{page}: no incident clock"
        );
        assert!(
            r.body.contains("was not reported within 24 hours"),
            "{page}: no incident banner"
        );
    }
    let doc = send(
        &app,
        Method::GET,
        "/console/orders/DDC-25-cv-1234/document",
        Some(&session),
        None,
    )
    .await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.body.as_bytes(), &document[..]);
    let missing = send(
        &app,
        Method::GET,
        "/console/orders/NO-SUCH/document",
        Some(&session),
        None,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
