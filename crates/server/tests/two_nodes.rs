//! Two service nodes on one state store (what `--database postgres://...`
//! is for; SQLite shared by two processes on one machine behaves the same),
//! each with its own files directory (no shared file system): a token
//! issued on one works on the other and a revocation on one holds on the
//! other at once; a batch uploaded on one is approved by two officers at
//! the same moment, one on each node, and run (a node fetches the upload
//! from the store); the first node serves the
//! response the second wrote and proves a lookup the second appended (its
//! cached ledger is reopened); a person asked about again through the other
//! node is refused by the probing guard, which sees every node's history.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use ed25519_dalek::Signer;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use vouch_server::{app, AppState, ServerConfig};
use vouch_test_support::http::multipart;
use vouch_test_support::softkey::{csrf_in_page, form_value, options_in_page, SoftKey};
use vouch_test_support::{
    open_store, register_synth_in, reopen_store, synth_fixture, StoreKind, OFFICER, OFFICER_2,
};

const AUDITOR: &str = "irs-aud-1";

async fn call(
    app: &Router,
    method: Method,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let body = match body {
        Some(v) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let r = app.clone().oneshot(b.body(body).unwrap()).await.unwrap();
    let status = r.status();
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn upload(app: &Router, token: &str, parts: &[(&str, Vec<u8>)]) -> StatusCode {
    let (content_type, body) = multipart(parts);
    let req = Request::builder()
        .method(Method::POST)
        .uri("/v1/requests")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    app.clone().oneshot(req).await.unwrap().status()
}

async fn two_nodes_share_one_store(kind: StoreKind) {
    const TEST: &str = "two_nodes";
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let state = dir.join("state");
    let Some(store_a) = open_store(kind, &state, TEST) else {
        return;
    };
    synth_fixture(dir, 2_000, 40, 11);
    register_synth_in(store_a.as_ref(), &dir.join("data"));
    // Every batch of two or more subjects needs two officers.
    let mut policy = vouch_policy::PolicyConfig::defaults();
    policy.large_batch_subjects_min = 2;
    let text = policy.to_toml();
    store_a
        .activate_policy(
            &text,
            &vouch_store::PolicyActivation {
                at: time::macros::datetime!(2025-01-15 00:00 UTC),
                officer: OFFICER.into(),
                reason: "test: two approvals".into(),
                version: policy.version(),
                sha256: "00".repeat(32),
            },
        )
        .unwrap();
    // The keys are made on node A; node B is given a copy of the files.
    let keys = vouch_test_support::keys_of(store_a.as_ref(), &state);
    let (node_a, admin) = AppState::open(
        store_a,
        keys.clone(),
        &dir.join("index"),
        ServerConfig::default(),
    )
    .unwrap();
    let admin = admin.expect("first start");
    // Node B: the same database, its own files directory.
    let state_b = dir.join("state-b");
    let store_b: Box<dyn vouch_store::StateStore> = match kind {
        StoreKind::Sqlite => Box::new(
            vouch_store_sql::SqlStateStore::connect(
                &format!("sqlite://{}?mode=rwc", state.join("vouch.db").display()),
                &state_b,
            )
            .unwrap(),
        ),
        _ => reopen_store(kind, &state_b, TEST),
    };
    let (node_b, again) =
        AppState::open(store_b, keys, &dir.join("index"), ServerConfig::default()).unwrap();
    assert!(
        again.is_none(),
        "the second node issues no second administrator token"
    );
    let (a, b) = (app(node_a.clone()), app(node_b.clone()));

    // Officials and tokens made on A work on B.
    let (s, _) = call(
        &a,
        Method::POST,
        "/v1/officials",
        &admin,
        Some(json!({"id": AUDITOR, "agency": "IRS", "role": "auditor"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut tokens = std::collections::HashMap::new();
    for who in [vouch_synth::RECIPIENT_IDS[0], OFFICER, OFFICER_2, AUDITOR] {
        let (s, v) = call(
            &a,
            Method::POST,
            &format!("/v1/officials/{who}/tokens"),
            &admin,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        tokens.insert(
            who,
            (
                v["token"].as_str().unwrap().to_string(),
                v["token_id"].as_str().unwrap().to_string(),
            ),
        );
    }
    let tok = |who: &str| tokens[who].0.clone();
    assert_eq!(
        call(&b, Method::GET, "/v1/requests", &tok(AUDITOR), None)
            .await
            .0,
        StatusCode::OK
    );

    // A's ledger is opened (and cached) before anything is appended.
    assert_eq!(
        call(
            &a,
            Method::GET,
            "/v1/ledger/public-key",
            &tok(AUDITOR),
            None
        )
        .await
        .0,
        StatusCode::OK
    );
    let _ = call(
        &a,
        Method::GET,
        "/v1/ledger/checkpoint",
        &tok(AUDITOR),
        None,
    )
    .await;

    // Uploaded on A, approved and run on B.
    let req_dir = dir.join("data/request");
    let parts: Vec<(&str, Vec<u8>)> = vouch_server::UPLOAD_PARTS
        .iter()
        .map(|n| (*n, std::fs::read(req_dir.join(n)).unwrap()))
        .collect();
    assert_eq!(
        upload(&a, &tok(vouch_synth::RECIPIENT_IDS[0]), &parts).await,
        StatusCode::ACCEPTED
    );
    node_a.wait_idle().await;
    let id = vouch_synth::request_id(11, 40);
    let uri = format!("/v1/requests/{id}");
    assert_eq!(
        call(&b, Method::GET, &uri, &tok(OFFICER), None).await.1["status"],
        "pending_review"
    );
    // Two officers approve at the same moment, one on each node: both
    // approvals are kept (decisions and runs take the store's writer lock),
    // and the batch is released.
    let approve_uri = format!("{uri}/approve");
    let (tok_1, tok_2) = (tok(OFFICER), tok(OFFICER_2));
    // Each officer signs their own decision's statement.
    let signed = |officer: &str, statement: &Value, comment: &str| {
        let text = statement["statement"].as_str().unwrap_or("");
        json!({
            "comment": comment,
            "at": statement["at"],
            "signature": vouch_test_support::sign_statement(officer, text),
        })
    };
    let statement_uri = format!("{uri}/statement");
    let (c1, c2) = ("first, on node B", "second, on node A");
    let s1 = call(
        &b,
        Method::POST,
        &statement_uri,
        &tok_1,
        Some(json!({"decision": "approve", "comment": c1})),
    )
    .await
    .1;
    let s2 = call(
        &a,
        Method::POST,
        &statement_uri,
        &tok_2,
        Some(json!({"decision": "approve", "comment": c2})),
    )
    .await
    .1;
    let (one, two) = tokio::join!(
        call(
            &b,
            Method::POST,
            &approve_uri,
            &tok_1,
            Some(signed(OFFICER, &s1, c1)),
        ),
        call(
            &a,
            Method::POST,
            &approve_uri,
            &tok_2,
            Some(signed(OFFICER_2, &s2, c2)),
        )
    );
    assert_eq!(one.0, StatusCode::ACCEPTED, "{}", one.1);
    assert_eq!(two.0, StatusCode::ACCEPTED, "{}", two.1);
    node_a.wait_idle().await;
    node_b.wait_idle().await;
    let (_, v) = call(&a, Method::GET, &uri, &tok(OFFICER), None).await;
    assert_eq!(v["status"], "completed", "{v}");
    assert_eq!(v["approved_by"].as_array().unwrap().len(), 2, "{v}");

    // A serves the response B wrote (from the store), and proves a lookup
    // B appended (its cached ledger is reopened).
    assert!(
        state_b
            .join("uploads")
            .join(&id)
            .join("subjects.csv")
            .exists(),
        "node B fetched the upload it never received from the store"
    );
    assert!(state_b
        .join("responses")
        .join(&id)
        .join("response.csv")
        .exists());
    let response_from = |app: &Router| {
        let (app, uri) = (app.clone(), format!("{uri}/response"));
        let auth = format!("Bearer {}", tok(vouch_synth::RECIPIENT_IDS[0]));
        async move {
            let req = Request::builder()
                .uri(uri)
                .header(header::AUTHORIZATION, auth)
                .body(Body::empty())
                .unwrap();
            let r = app.oneshot(req).await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.into_body().collect().await.unwrap().to_bytes()
        }
    };
    let from_b = response_from(&b).await;
    let from_a = response_from(&a).await;
    assert_eq!(from_a, from_b, "both nodes serve the same response");
    let csv = String::from_utf8(from_a.to_vec()).unwrap();
    let subject = csv
        .lines()
        .skip(1)
        .find(|l| !l.contains("REJECTED"))
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let (s, v) = call(
        &a,
        Method::GET,
        &format!("/v1/ledger/proof?request={id}&subject={subject}"),
        &tok(AUDITOR),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, cp) = call(
        &b,
        Method::GET,
        "/v1/ledger/checkpoint",
        &tok(AUDITOR),
        None,
    )
    .await;
    assert_eq!(v["tree_size"], cp["tree_size"], "both nodes see one ledger");

    // The same people asked about again through B, under a new request id:
    // the probing guard (history written by B's run) refuses every one.
    let mut letter: Value = serde_json::from_slice(&parts[0].1).unwrap();
    letter["request_id"] = json!("SYN-11-40-AGAIN");
    let bytes = serde_json::to_vec_pretty(&letter).unwrap();
    let seed = vouch_formats::keys::read_private_seed(&dir.join("data/keys/signer.key")).unwrap();
    let sig = ed25519_dalek::SigningKey::from_bytes(&seed).sign(&bytes);
    let again = vec![
        ("request.json", bytes),
        (
            "request.json.sig",
            vouch_formats::keys::encode_base64_line(&sig.to_bytes()).into_bytes(),
        ),
        ("subjects.csv", parts[2].1.clone()),
    ];
    assert_eq!(
        upload(&b, &tok(vouch_synth::RECIPIENT_IDS[0]), &again).await,
        StatusCode::ACCEPTED
    );
    node_b.wait_idle().await;
    let (s, _) = call(
        &a,
        Method::GET,
        "/v1/requests/SYN-11-40-AGAIN",
        &tok(OFFICER),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "node A sees the request node B checked");
    let (_, first) = call(&a, Method::GET, &uri, &tok(OFFICER), None).await;
    let looked_up = first["counts"]["CONFIRMED"].as_u64().unwrap()
        + first["counts"]["NOT_CONFIRMED"].as_u64().unwrap();
    assert!(looked_up > 0);
    let checks = reopen_store(kind, &state, TEST)
        .request_blob("SYN-11-40-AGAIN", "checks.csv")
        .unwrap()
        .expect("checks of the second request");
    let checks = String::from_utf8(checks).unwrap();
    let repeats = checks
        .lines()
        .filter(|l| l.contains("REPEAT_INQUIRY"))
        .count() as u64;
    assert_eq!(
        repeats, looked_up,
        "every person looked up in the first batch is refused in the second"
    );

    // A console session opened on A is known on B, and signing out on B
    // ends it on A.
    let get = |app: &Router, uri: &str, cookie: Option<String>| {
        let (app, uri) = (app.clone(), uri.to_string());
        async move {
            let mut r = Request::builder().uri(uri);
            if let Some(c) = cookie {
                r = r.header(header::COOKIE, c);
            }
            app.oneshot(r.body(Body::empty()).unwrap()).await.unwrap()
        }
    };
    let form = get(&a, "/console/sign-in", None).await;
    let signin = form.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = signin.split_once('=').unwrap().1.to_string();
    let r = a
        .clone()
        .oneshot(
            Request::builder()
                .method(Method::POST)
                .uri("/console/sign-in")
                .header(header::COOKIE, &signin)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("token={}&csrf={csrf}", tok(AUDITOR))))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let session = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with("vouch_session="))
        .unwrap();
    // The second factor's ceremonies are shared too: a security key is
    // enrolled starting on A and finishing on B, and asserted starting on
    // B and finishing on A.
    let post = |app: &Router, uri: &str, form: String| {
        let (app, uri, cookie) = (app.clone(), uri.to_string(), session.clone());
        async move {
            app.oneshot(
                Request::builder()
                    .method(Method::POST)
                    .uri(uri)
                    .header(header::COOKIE, cookie)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(form))
                    .unwrap(),
            )
            .await
            .unwrap()
        }
    };
    let text = |r: axum::response::Response| async move {
        String::from_utf8(r.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
    };
    let page = get(&b, "/console/requests", Some(session.clone())).await;
    assert_eq!(
        page.headers()[header::LOCATION],
        "/console/second-factor",
        "node B knows node A's session, pending its second factor"
    );
    let (s, v) = call(
        &b,
        Method::POST,
        &format!("/v1/officials/{AUDITOR}/enrolment-codes"),
        &admin,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let code = v["code"].as_str().unwrap().to_string();
    let page = text(get(&a, "/console/enrol", Some(session.clone())).await).await;
    let sf_csrf = form_value(&csrf_in_page(&page));
    let started = text(
        post(
            &a,
            "/console/enrol/start",
            format!("code={code}&csrf={sf_csrf}"),
        )
        .await,
    )
    .await;
    let mut key = SoftKey::new("localhost", "http://localhost:8080");
    let made = key.create(&options_in_page(&started));
    let r = post(
        &b,
        "/console/enrol/finish",
        format!(
            "credential={}&csrf={sf_csrf}",
            form_value(&made.to_string())
        ),
    )
    .await;
    assert_eq!(r.headers()[header::LOCATION], "/console/second-factor");
    let page = text(get(&b, "/console/second-factor", Some(session.clone())).await).await;
    let assertion = key.get(&options_in_page(&page));
    let r = post(
        &a,
        "/console/second-factor",
        format!(
            "credential={}&csrf={sf_csrf}",
            form_value(&assertion.to_string())
        ),
    )
    .await;
    assert_eq!(r.headers()[header::LOCATION], "/console");
    let page = get(&b, "/console/requests", Some(session.clone())).await;
    assert_eq!(
        page.status(),
        StatusCode::OK,
        "node B knows node A's session"
    );
    let html = String::from_utf8(
        page.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    let at = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    let session_csrf = html[at..].split('"').next().unwrap().to_string();
    let r = b
        .clone()
        .oneshot(
            Request::builder()
                .method(Method::POST)
                .uri("/console/sign-out")
                .header(header::COOKIE, &session)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={}",
                    session_csrf.replace('+', "%2B")
                )))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = get(&a, "/console/requests", Some(session)).await;
    assert_eq!(
        page.headers()[header::LOCATION],
        "/console/sign-in",
        "signed out everywhere"
    );

    // Revoked on B: refused on A at once.
    let (s, _) = call(
        &b,
        Method::POST,
        &format!("/v1/tokens/{}/revoke", tokens[AUDITOR].1),
        &admin,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        call(&a, Method::GET, "/v1/requests", &tok(AUDITOR), None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_sqlite() {
    two_nodes_share_one_store(StoreKind::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_postgres() {
    two_nodes_share_one_store(StoreKind::Postgres).await
}
