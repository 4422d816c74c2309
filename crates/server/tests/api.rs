//! The API end to end, through `app(state).oneshot(..)` (no socket): each
//! test has a fresh state directory over a tiny synthetic data set and a
//! master index built from it, as the pipeline's recovery tests do.

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use base64::Engine;
use ed25519_dalek::Signer;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use time::macros::{date, datetime};
use tower::ServiceExt;
use vouch_server::{app, route_table, AppState, ServerConfig};
use vouch_store::{AgencyRecord, StateStore};
use vouch_test_support::http::multipart;
use vouch_test_support::{open_store, reopen_store, StoreKind};

const OTHER_AGENCY: &str = "DHS-CBP";
const RECIPIENT: &str = "ice-agent-0001";
const OFFICER_1: &str = "irs-do-1";
const OFFICER_2: &str = "irs-do-2";
const AUDITOR: &str = "irs-aud-1";
const OTHER_REQUESTER: &str = "cbp-agent-1";
const ADMIN: &str = "vouch-admin";

struct Env {
    _dir: tempfile::TempDir,
    kind: StoreKind,
    test: &'static str,
    dir: PathBuf,
    state: AppState,
    app: Router,
    tokens: HashMap<&'static str, String>,
    request_id: String,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

fn fixture(dir: &Path) {
    vouch_test_support::synth_fixture(dir, 2_000, 40, 11);
}

fn register_agencies(store: &dyn StateStore, policy: Option<&vouch_policy::PolicyConfig>) {
    for id in [vouch_synth::AGENCY, OTHER_AGENCY] {
        store
            .add_agency(AgencyRecord {
                id: id.into(),
                ssr_approved: date!(2025 - 01 - 15),
                ai_notifications: vec![],
                findings: vec![],
                registered_at: datetime!(2025-01-15 00:00 UTC),
            })
            .unwrap();
    }
    if let Some(p) = policy {
        use sha2::Digest;
        let text = p.to_toml();
        store
            .activate_policy(
                &text,
                &vouch_store::PolicyActivation {
                    at: datetime!(2025-01-15 00:00 UTC),
                    officer: OFFICER_1.into(),
                    reason: "test: two approvals for every batch".into(),
                    version: p.version(),
                    sha256: hex::encode(sha2::Sha256::digest(text.as_bytes())),
                },
            )
            .unwrap();
    }
}

fn signer_key_b64(data: &Path) -> String {
    let key = vouch_formats::keys::read_public_key(&data.join("keys/signer.pub")).unwrap();
    base64::engine::general_purpose::STANDARD.encode(key)
}

/// A fresh service on a store of `kind`; `None` when that store is not
/// available here (PostgreSQL without `VOUCH_TEST_POSTGRES_URL`).
async fn setup(
    kind: StoreKind,
    test: &'static str,
    config: ServerConfig,
    policy: Option<vouch_policy::PolicyConfig>,
) -> Option<Env> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    fixture(&dir);
    let store = open_store(kind, &dir.join("state"), &format!("api_{test}"))?;
    assert_eq!(
        store.backend(),
        match kind {
            StoreKind::Sqlite => "sqlite",
            StoreKind::Postgres => "postgres",
        }
    );
    register_agencies(store.as_ref(), policy.as_ref());
    let keys = vouch_test_support::keys_of(store.as_ref(), &dir.join("state"));
    let (state, admin) = AppState::open(store, keys, &dir.join("index"), config).unwrap();
    let admin = admin.expect("first start issues an administrator token");
    let letter: Value =
        serde_json::from_slice(&std::fs::read(dir.join("data/request/request.json")).unwrap())
            .unwrap();
    let mut env = Env {
        _dir: tmp,
        kind,
        test,
        app: app(state.clone()),
        state,
        tokens: HashMap::from([(ADMIN, admin)]),
        request_id: letter["request_id"].as_str().unwrap().to_string(),
        dir,
    };
    let key = signer_key_b64(&env.dir.join("data"));
    let officer_pub = |o: &str| {
        base64::engine::general_purpose::STANDARD.encode(
            vouch_test_support::officer_key(o)
                .verifying_key()
                .to_bytes(),
        )
    };
    let (do1, do2) = (officer_pub(OFFICER_1), officer_pub(OFFICER_2));
    let officials: [(&'static str, &str, &str, Option<&str>); 7] = [
        (
            vouch_synth::SIGNER_ID,
            vouch_synth::AGENCY,
            "signer",
            Some(&key),
        ),
        (RECIPIENT, vouch_synth::AGENCY, "recipient", None),
        (
            vouch_synth::RECIPIENT_IDS[1],
            vouch_synth::AGENCY,
            "recipient",
            None,
        ),
        (OFFICER_1, "IRS", "disclosure-officer", Some(&do1)),
        (OFFICER_2, "IRS", "disclosure-officer", Some(&do2)),
        (AUDITOR, "IRS", "auditor", None),
        (OTHER_REQUESTER, OTHER_AGENCY, "recipient", None),
    ];
    for (id, agency, role, public_key) in officials {
        let mut body = json!({ "id": id, "agency": agency, "role": role });
        if let Some(k) = public_key {
            body["public_key"] = json!(k);
        }
        let r = env
            .send_json(Method::POST, "/v1/officials", ADMIN, body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{id}: {:?}", r.json());
    }
    env.send_json(Method::POST, "/v1/officials", ADMIN, json!({"id": vouch_synth::RECIPIENT_IDS[2], "agency": vouch_synth::AGENCY, "role": "recipient"})).await;
    for id in [RECIPIENT, OFFICER_1, OFFICER_2, AUDITOR, OTHER_REQUESTER] {
        let r = env
            .call(
                Method::POST,
                &format!("/v1/officials/{id}/tokens"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let token = r.json()["token"].as_str().unwrap().to_string();
        env.tokens.insert(id, token);
    }
    Some(env)
}

impl Env {
    async fn request(&self, req: Request<Body>) -> Reply {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn call(
        &self,
        method: Method,
        uri: &str,
        who: Option<&str>,
        json: Option<Value>,
    ) -> Reply {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(who) = who {
            b = b.header(
                header::AUTHORIZATION,
                format!("Bearer {}", self.tokens[who]),
            );
        }
        let body = match json {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(serde_json::to_vec(&v).unwrap())
            }
            None => Body::empty(),
        };
        self.request(b.body(body).unwrap()).await
    }

    async fn send_json(&self, method: Method, uri: &str, who: &str, v: Value) -> Reply {
        self.call(method, uri, Some(who), Some(v)).await
    }

    async fn get(&self, uri: &str, who: &str) -> Reply {
        self.call(Method::GET, uri, Some(who), None).await
    }

    fn request_parts(&self) -> Vec<(&'static str, Vec<u8>)> {
        let d = self.dir.join("data/request");
        ["request.json", "request.json.sig", "subjects.csv"]
            .into_iter()
            .map(|n| (n, std::fs::read(d.join(n)).unwrap()))
            .collect()
    }

    async fn upload_parts(&self, who: &str, parts: &[(&str, Vec<u8>)]) -> Reply {
        let (ct, body) = multipart(parts);
        let req = Request::builder()
            .method(Method::POST)
            .uri("/v1/requests")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", self.tokens[who]),
            )
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap();
        self.request(req).await
    }

    async fn upload(&self, who: &str) -> Reply {
        self.upload_parts(who, &self.request_parts()).await
    }

    /// The same request under another id, re-signed with the synth signer's key.
    fn second_request_parts(&self, new_id: &str) -> Vec<(&'static str, Vec<u8>)> {
        let mut parts = self.request_parts();
        let mut letter: Value = serde_json::from_slice(&parts[0].1).unwrap();
        letter["request_id"] = json!(new_id);
        let bytes = serde_json::to_vec_pretty(&letter).unwrap();
        let seed =
            vouch_formats::keys::read_private_seed(&self.dir.join("data/keys/signer.key")).unwrap();
        let sig = ed25519_dalek::SigningKey::from_bytes(&seed).sign(&bytes);
        parts[1].1 = vouch_formats::keys::encode_base64_line(&sig.to_bytes()).into_bytes();
        parts[0].1 = bytes;
        parts
    }

    async fn status(&self, who: &str) -> Value {
        let r = self
            .get(&format!("/v1/requests/{}", self.request_id), who)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
        r.json()
    }

    /// Asks for the statement of a decision, signs it with `who`'s own key
    /// (as `vouch sign-decision` would) and posts the signed decision; a
    /// refusal of the statement is the answer.
    async fn decide(&self, who: &str, what: &str, comment: &str) -> Reply {
        let uri = format!("/v1/requests/{}/statement", self.request_id);
        let body = json!({ "decision": what, "comment": comment });
        let st = self.send_json(Method::POST, &uri, who, body).await;
        if st.status != StatusCode::OK {
            return st;
        }
        let v = st.json();
        let signature =
            vouch_test_support::sign_statement(who, v["statement"].as_str().unwrap_or(""));
        let uri = format!("/v1/requests/{}/{what}", self.request_id);
        let body = json!({ "comment": comment, "at": v["at"], "signature": signature });
        self.send_json(Method::POST, &uri, who, body).await
    }
}

fn small() -> ServerConfig {
    ServerConfig {
        batches_max: 2,
        ..ServerConfig::default()
    }
}

/// What `vouch verify --approve-as irs-do-1` writes for the same request in
/// a state directory of its own.
fn reference_response(env: &Env) -> (Vec<u8>, Value) {
    let state = env.dir.join("ref-state");
    let store = vouch_test_support::open_state(&state);
    let key = vouch_formats::keys::read_public_key(&env.dir.join("data/keys/signer.pub")).unwrap();
    let parties = vouch_app::Parties {
        agency: vouch_synth::AGENCY,
        ssr_approved: date!(2025 - 01 - 15),
        signer: vouch_synth::SIGNER_ID,
        signer_key: key,
        recipients: &vouch_synth::RECIPIENT_IDS,
        officers: &[(
            OFFICER_1,
            vouch_test_support::officer_key(OFFICER_1)
                .verifying_key()
                .to_bytes(),
        )],
    };
    vouch_app::App::new(store.as_ref())
        .register_parties(&vouch_app::Registrar::Operator, &parties)
        .unwrap();
    let policy = vouch_pipeline::active_policy(store.as_ref()).unwrap();
    let out = env.dir.join("ref-out");
    let keys = vouch_test_support::keys_of(store.as_ref(), &state);
    let cfg = vouch_pipeline::RunConfig {
        keys: &keys,
        request_dir: &env.dir.join("data/request"),
        index_dir: &env.dir.join("index"),
        out_dir: &out,
        policy: &policy,
        now: time::OffsetDateTime::now_utc(),
        fault: None,
        progress: None,
    };
    let report = vouch_test_support::run_approved(store.as_ref(), &cfg, &[OFFICER_1]).unwrap();
    assert_eq!(report.status, vouch_pipeline::RunStatus::Completed);
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("response.json")).unwrap()).unwrap();
    (std::fs::read(out.join("response.csv")).unwrap(), json)
}

/// Parses a C2SP verifier string. `NoteVerifier::parse` splits on every '+'
/// and so fails when the base64 key itself contains one; split at most twice.
fn verifier_of(text: &str) -> vouch_ledger::NoteVerifier {
    let mut parts = text.splitn(3, '+');
    let (name, _id, b64) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(raw[0], 1, "ed25519");
    let key = ed25519_dalek::VerifyingKey::from_bytes(&raw[1..].try_into().unwrap()).unwrap();
    let v = vouch_ledger::NoteVerifier::new(name, key).unwrap();
    assert_eq!(v.to_string(), text);
    v
}

fn actions(detail: &Value) -> Vec<(String, String)> {
    detail["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn serve_refuses_an_index_that_is_not_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let listen = "127.0.0.1:0".parse().unwrap();
    let state = dir.path().join("state");
    let store = vouch_test_support::open_state(&state);
    let keys = vouch_test_support::keys_of(store.as_ref(), &state);
    let r = vouch_server::serve(listen, store, keys, dir.path().join("no-index")).await;
    assert!(matches!(
        r,
        Err(vouch_server::ServerError::Config { field: "index", .. })
    ));
}

async fn a_restarted_service_shows_no_second_admin_token(kind: StoreKind) {
    let Some(env) = setup(kind, "restarted", small(), None).await else {
        return;
    };
    drop(env.app);
    let Env {
        state,
        dir,
        _dir,
        kind,
        test,
        ..
    } = env;
    drop(state);
    let store = reopen_store(kind, &dir.join("state"), &format!("api_{test}"));
    let keys = vouch_test_support::keys_of(store.as_ref(), &dir.join("state"));
    let (_, token) = AppState::open(store, keys, &dir.join("index"), small()).unwrap();
    assert!(
        token.is_none(),
        "the administrator token is shown on first start only"
    );
    drop(_dir);
}

async fn health_metrics_and_openapi_need_no_token(kind: StoreKind) {
    let Some(env) = setup(
        kind,
        "health_metrics_and_openapi_need_no_token",
        small(),
        None,
    )
    .await
    else {
        return;
    };
    let r = env.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, b"ok\n");
    assert!(r.headers.contains_key("x-request-id"));

    let r = env.call(Method::GET, "/v1/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    for (method, path) in route_table() {
        assert!(
            doc["paths"][path][method.to_ascii_lowercase()].is_object(),
            "{method} {path} missing from the served openapi.json"
        );
    }

    let r = env.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = String::from_utf8(r.body).unwrap();
    assert!(
        text.contains("vouch_requests{status=\"completed\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("vouch_http_responses_total{code=\"201\"}"),
        "{text}"
    );
    assert!(text.contains("vouch_batches_max 2"), "{text}");
}

async fn every_v1_route_refuses_a_missing_or_bad_token_with_one_fixed_body(kind: StoreKind) {
    let Some(env) = setup(
        kind,
        "every_v1_route_refuses_a_missing_or_bad_",
        small(),
        None,
    )
    .await
    else {
        return;
    };
    let mut bodies = std::collections::HashSet::new();
    for (method, path) in route_table() {
        if !path.starts_with("/v1/") || path == "/v1/openapi.json" {
            continue;
        }
        let uri = path.replace("{id}", &env.request_id);
        let uri = if path == "/v1/ledger/proof" {
            format!("{uri}?request=x&subject=y")
        } else {
            uri
        };
        let m: Method = method.parse().unwrap();
        for auth in [
            None,
            Some("Bearer not-a-token"),
            Some("Basic YTpi"),
            Some("Bearer "),
        ] {
            let mut b = Request::builder().method(m.clone()).uri(&uri);
            if let Some(a) = auth {
                b = b.header(header::AUTHORIZATION, a);
            }
            let r = env.request(b.body(Body::empty()).unwrap()).await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{method} {uri} with {auth:?}"
            );
            assert_eq!(r.headers[header::WWW_AUTHENTICATE], "Bearer");
            bodies.insert(r.body);
        }
    }
    assert_eq!(bodies.len(), 1, "every 401 has the same body");
}

async fn upload_review_approve_and_download_end_to_end(kind: StoreKind) {
    // A JSON limit below the upload's size: the upload route has its own.
    let cfg = ServerConfig {
        json_body_bytes_max: 1024,
        ..small()
    };
    let Some(env) = setup(kind, "upload_review_approve_and_download_end_t", cfg, None).await else {
        return;
    };
    assert!(env.request_parts()[2].1.len() > 1024);
    let r = env.upload(RECIPIENT).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.json());
    assert_eq!(r.json()["request_id"], env.request_id.as_str());
    env.state.wait_idle().await;

    let s = env.status(RECIPIENT).await;
    assert_eq!(s["status"], "pending_review");
    assert_eq!(s["subjects"], 40);
    assert_eq!(s["approvals"], 0);
    assert_eq!(s["approvals_required"], 1);
    assert!(
        s.get("audit").is_none(),
        "requesters do not see the audit trail"
    );
    for who in [RECIPIENT, OFFICER_1, AUDITOR] {
        let list = env.get("/v1/requests", who).await.json();
        assert_eq!(list["requests"].as_array().unwrap().len(), 1, "{who}");
    }
    let uri = format!("/v1/requests/{}/response", env.request_id);
    assert_eq!(env.get(&uri, RECIPIENT).await.status, StatusCode::CONFLICT);

    let r = env.decide(OFFICER_1, "approve", "relevance reviewed").await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.json());
    env.state.wait_idle().await;
    let s = env.status(OFFICER_1).await;
    assert_eq!(s["status"], "completed", "{s}");
    let total = s["subjects"].as_u64().unwrap();
    assert_eq!(
        s["progress"],
        json!({ "done": total, "total": total }),
        "{s}"
    );
    let seen_by_requester = env.status(RECIPIENT).await;
    assert!(seen_by_requester["progress"].is_object());
    let trail = actions(&s);
    for expected in [
        (RECIPIENT, "uploaded"),
        (vouch_synth::SIGNER_ID, "received"),
        (OFFICER_1, "approved"),
        ("system", "responded"),
    ] {
        assert!(
            trail.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} not in {trail:?}"
        );
    }
    assert_eq!(s["approved_by"][0]["comment"], "relevance reviewed");

    // The downloads equal what `vouch verify` writes for the same request.
    // A recipient downloads the rows of the cases the letter assigns them,
    // in order; the signer gets no rows.
    let (ref_csv, ref_json) = reference_response(&env);
    let csv = env.get(&uri, RECIPIENT).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let letter: Value =
        serde_json::from_slice(&std::fs::read(env.dir.join("data/request/request.json")).unwrap())
            .unwrap();
    let mine: std::collections::HashSet<String> = letter["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["id"] == RECIPIENT)
        .flat_map(|r| r["cases"].as_array().unwrap().iter())
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    let assigned: Vec<bool> =
        vouch_formats::request::read_request_dir(&env.dir.join("data/request"))
            .unwrap()
            .subjects
            .iter()
            .map(|s| mine.contains(s.case_number.trim()))
            .collect();
    let ref_text = String::from_utf8(ref_csv.clone()).unwrap();
    let mut ref_lines = ref_text.lines();
    let expected: String = std::iter::once(ref_lines.next().unwrap())
        .chain(
            ref_lines
                .zip(&assigned)
                .filter(|(_, a)| **a)
                .map(|(l, _)| l),
        )
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(assigned.iter().any(|a| *a) && assigned.iter().any(|a| !*a));
    assert_eq!(String::from_utf8(csv.body.clone()).unwrap(), expected);
    let json = env.get(&format!("{uri}.json"), RECIPIENT).await.json();
    assert_eq!(json["counts"], ref_json["counts"]);
    assert_eq!(json["reason_counts"], ref_json["reason_counts"]);
    assert_eq!(env.status(RECIPIENT).await["counts"], ref_json["counts"]);
    let trail = actions(&env.status(AUDITOR).await);
    assert!(trail.contains(&(RECIPIENT.to_string(), "downloaded".to_string())));

    // The ledger: checkpoint, a proof that verifies with the public key.
    let cp = env.get("/v1/ledger/checkpoint", AUDITOR).await;
    assert_eq!(cp.status, StatusCode::OK);
    assert!(cp.json()["tree_size"].as_u64().unwrap() > 0);
    assert_eq!(
        env.get("/v1/ledger/checkpoint", OFFICER_1).await.status,
        StatusCode::OK
    );
    let verifier = env.get("/v1/ledger/public-key", RECIPIENT).await.json()["verifier"]
        .as_str()
        .unwrap()
        .to_string();
    let text = String::from_utf8(ref_csv).unwrap();
    let confirmed = text
        .lines()
        .find(|l| l.contains(",CONFIRMED,"))
        .and_then(|l| l.split(',').next())
        .expect("a confirmed subject")
        .to_string();
    let proof_uri = format!(
        "/v1/ledger/proof?request={}&subject={confirmed}",
        env.request_id
    );
    let p = env.get(&proof_uri, AUDITOR).await;
    assert_eq!(p.status, StatusCode::OK, "{:?}", p.json());
    let bundle =
        vouch_ledger::InclusionBundle::parse(p.json()["bundle"].as_str().unwrap()).unwrap();
    bundle.verify(&verifier_of(&verifier)).unwrap();
    let missing = format!(
        "/v1/ledger/proof?request={}&subject=NO-SUCH",
        env.request_id
    );
    assert_eq!(
        env.get(&missing, AUDITOR).await.status,
        StatusCode::NOT_FOUND
    );

    let metrics = env.call(Method::GET, "/metrics", None, None).await;
    let text = String::from_utf8(metrics.body).unwrap();
    assert!(
        text.contains("vouch_requests{status=\"completed\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("vouch_requests{status=\"pending_review\"} 0"),
        "{text}"
    );
}

async fn another_agency_sees_nothing_of_a_request_and_cannot_submit_it(kind: StoreKind) {
    let Some(env) = setup(
        kind,
        "another_agency_sees_nothing_of_a_request",
        small(),
        None,
    )
    .await
    else {
        return;
    };
    assert_eq!(
        env.upload(OTHER_REQUESTER).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(env.upload(RECIPIENT).await.status, StatusCode::ACCEPTED);
    env.state.wait_idle().await;
    let list = env.get("/v1/requests", OTHER_REQUESTER).await.json();
    assert!(list["requests"].as_array().unwrap().is_empty());
    let theirs = env
        .get(&format!("/v1/requests/{}", env.request_id), OTHER_REQUESTER)
        .await;
    let unknown = env
        .get("/v1/requests/NO-SUCH-REQUEST", OTHER_REQUESTER)
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(
        theirs.body, unknown.body,
        "another agency's request looks unknown"
    );
    let resp = format!("/v1/requests/{}/response", env.request_id);
    assert_eq!(
        env.get(&resp, OTHER_REQUESTER).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        env.get("/v1/requests/..%2F..%2Fregistry.json", RECIPIENT)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn each_role_is_refused_what_it_may_not_do(kind: StoreKind) {
    let Some(env) = setup(
        kind,
        "each_role_is_refused_what_it_may_not_do",
        small(),
        None,
    )
    .await
    else {
        return;
    };
    assert_eq!(env.upload(RECIPIENT).await.status, StatusCode::ACCEPTED);
    env.state.wait_idle().await;
    let id = env.request_id.clone();
    let new_official = json!({"id": "x-1", "agency": "IRS", "role": "auditor"});
    let forbidden: Vec<(&str, Method, String, Option<Value>)> = vec![
        // The auditor changes nothing.
        (
            AUDITOR,
            Method::POST,
            format!("/v1/requests/{id}/approve"),
            Some(json!({"comment": "c"})),
        ),
        (
            AUDITOR,
            Method::POST,
            format!("/v1/requests/{id}/deny"),
            Some(json!({"comment": "c"})),
        ),
        (
            AUDITOR,
            Method::POST,
            "/v1/officials".into(),
            Some(new_official.clone()),
        ),
        (
            AUDITOR,
            Method::POST,
            format!("/v1/officials/{RECIPIENT}/tokens"),
            None,
        ),
        (
            AUDITOR,
            Method::GET,
            format!("/v1/requests/{id}/response"),
            None,
        ),
        // Requesters neither decide nor read the ledger's internals.
        (
            RECIPIENT,
            Method::POST,
            format!("/v1/requests/{id}/approve"),
            Some(json!({"comment": "c"})),
        ),
        (
            RECIPIENT,
            Method::POST,
            "/v1/officials".into(),
            Some(new_official.clone()),
        ),
        (RECIPIENT, Method::GET, "/v1/ledger/checkpoint".into(), None),
        (
            RECIPIENT,
            Method::GET,
            format!("/v1/ledger/proof?request={id}&subject=S1"),
            None,
        ),
        // Officers neither register officials, prove lookups nor take responses.
        (
            OFFICER_1,
            Method::POST,
            "/v1/officials".into(),
            Some(new_official.clone()),
        ),
        (
            OFFICER_1,
            Method::GET,
            format!("/v1/ledger/proof?request={id}&subject=S1"),
            None,
        ),
        (
            OFFICER_1,
            Method::GET,
            format!("/v1/requests/{id}/response.json"),
            None,
        ),
        // Only the administrator lists or revokes tokens.
        (
            AUDITOR,
            Method::GET,
            format!("/v1/officials/{OFFICER_1}/tokens"),
            None,
        ),
        (
            OFFICER_1,
            Method::POST,
            "/v1/tokens/0123456789abcdef/revoke".into(),
            None,
        ),
        (
            RECIPIENT,
            Method::POST,
            "/v1/tokens/0123456789abcdef/revoke".into(),
            None,
        ),
        // The administrator manages the registry only.
        (ADMIN, Method::GET, "/v1/requests".into(), None),
        (
            ADMIN,
            Method::POST,
            format!("/v1/requests/{id}/approve"),
            Some(json!({"comment": "c"})),
        ),
    ];
    for (who, method, uri, body) in forbidden {
        let r = env.call(method.clone(), &uri, Some(who), body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} {method} {uri}");
    }
    for who in [AUDITOR, OFFICER_1] {
        assert_eq!(
            env.upload(who).await.status,
            StatusCode::FORBIDDEN,
            "{who} uploads"
        );
    }
    let s = env.status(OFFICER_1).await;
    assert_eq!(s["status"], "pending_review", "nothing changed");
    assert_eq!(s["approvals"], 0);
}

async fn a_revoked_token_stops_working_and_listings_never_show_tokens(kind: StoreKind) {
    let Some(env) = setup(kind, "a_revoked_token_stops_working", small(), None).await else {
        return;
    };
    let r = env
        .get(&format!("/v1/officials/{AUDITOR}/tokens"), ADMIN)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let listed = r.json();
    let tokens = listed["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["live"], true);
    assert!(
        tokens[0]["expires_at"].is_string(),
        "tokens expire by default"
    );
    let text = String::from_utf8_lossy(&r.body).to_string();
    assert!(
        !text.contains(&env.tokens[AUDITOR]),
        "a listing never shows a token"
    );
    let id = tokens[0]["token_id"].as_str().unwrap().to_string();
    assert_eq!(
        env.get("/v1/requests", AUDITOR).await.status,
        StatusCode::OK
    );
    let r = env
        .call(
            Method::POST,
            &format!("/v1/tokens/{id}/revoke"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    assert_eq!(
        env.get("/v1/requests", AUDITOR).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = env
        .call(
            Method::POST,
            &format!("/v1/tokens/{id}/revoke"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "revoked once");
    let r = env
        .get(&format!("/v1/officials/{AUDITOR}/tokens"), ADMIN)
        .await;
    assert_eq!(r.json()["tokens"][0]["live"], false);
}

async fn two_approvals_need_two_officers_and_nobody_approves_twice(kind: StoreKind) {
    let mut policy = vouch_policy::PolicyConfig::defaults();
    policy.large_batch_subjects_min = 2;
    let Some(env) = setup(
        kind,
        "two_approvals_need_two_officers_and_nobo",
        small(),
        Some(policy),
    )
    .await
    else {
        return;
    };
    assert_eq!(env.upload(RECIPIENT).await.status, StatusCode::ACCEPTED);
    env.state.wait_idle().await;
    assert_eq!(env.status(RECIPIENT).await["approvals_required"], 2);
    let r = env.decide(OFFICER_1, "approve", "").await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a comment is required"
    );
    assert_eq!(
        env.decide(OFFICER_1, "approve", "first").await.status,
        StatusCode::ACCEPTED
    );
    env.state.wait_idle().await;
    let s = env.status(RECIPIENT).await;
    assert_eq!(
        (s["status"].as_str(), s["approvals"].as_u64()),
        (Some("pending_review"), Some(1))
    );
    let again = env.decide(OFFICER_1, "approve", "again").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        env.status(RECIPIENT).await["approvals"],
        1,
        "the second try changed nothing"
    );
    assert_eq!(
        env.decide(OFFICER_2, "approve", "second").await.status,
        StatusCode::ACCEPTED
    );
    env.state.wait_idle().await;
    assert_eq!(env.status(RECIPIENT).await["status"], "completed");
    assert_eq!(
        env.decide(OFFICER_2, "deny", "late").await.status,
        StatusCode::CONFLICT
    );
}

async fn a_denied_batch_is_never_looked_up(kind: StoreKind) {
    let Some(env) = setup(kind, "a_denied_batch_is_never_looked_up", small(), None).await else {
        return;
    };
    assert_eq!(env.upload(RECIPIENT).await.status, StatusCode::ACCEPTED);
    env.state.wait_idle().await;
    assert_eq!(
        env.decide(OFFICER_1, "deny", "  ").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = env.decide(OFFICER_1, "deny", "relevance not shown").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    let s = env.status(AUDITOR).await;
    assert_eq!(s["status"], "denied");
    assert_eq!(s["denial"]["comment"], "relevance not shown");
    assert!(actions(&s).contains(&(OFFICER_1.to_string(), "denied".to_string())));
    assert_eq!(
        env.decide(OFFICER_2, "approve", "no").await.status,
        StatusCode::CONFLICT
    );
    let resp = format!("/v1/requests/{}/response", env.request_id);
    assert_eq!(env.get(&resp, RECIPIENT).await.status, StatusCode::CONFLICT);
    // No lookup: the log holds only the registry's entries.
    let ledger = env.state.store_for_tests().open_ledger().unwrap();
    assert_eq!(ledger.lookups(), 0);
    assert!(ledger
        .leaves_for_request(&env.request_id)
        .unwrap()
        .is_empty());
}

async fn a_full_queue_answers_429_with_retry_after_and_duplicates_409(kind: StoreKind) {
    let cfg = ServerConfig {
        batches_max: 1,
        retry_after_s: 17,
        ..ServerConfig::default()
    };
    let Some(env) = setup(kind, "a_full_queue_answers_429_with_retry_afte", cfg, None).await else {
        return;
    };
    let second = env.second_request_parts("REQ-SECOND-1");
    {
        let _paused = env.state.pause_writer();
        assert_eq!(env.upload(RECIPIENT).await.status, StatusCode::ACCEPTED);
        let busy = env.upload_parts(RECIPIENT, &second).await;
        assert_eq!(busy.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(busy.headers[header::RETRY_AFTER], "17");
        let s = env.status(RECIPIENT).await;
        assert_eq!(s["processing"]["state"], "queued");
    }
    env.state.wait_idle().await;
    assert_eq!(env.status(RECIPIENT).await["status"], "pending_review");
    let dup = env.upload(RECIPIENT).await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "an id is received once");
    assert_eq!(
        env.upload_parts(RECIPIENT, &second).await.status,
        StatusCode::ACCEPTED
    );
    env.state.wait_idle().await;
    let list = env.get("/v1/requests", RECIPIENT).await.json();
    assert_eq!(list["requests"].as_array().unwrap().len(), 2);
}

async fn uploads_are_bounded_complete_and_signed(kind: StoreKind) {
    // Room for the letter (with its recipients' cases) and its signature,
    // not for the subjects file.
    let cfg = ServerConfig {
        upload_bytes_max: 4096,
        ..small()
    };
    let Some(env) = setup(kind, "uploads_are_bounded_complete_and_signed", cfg, None).await else {
        return;
    };
    let parts = env.request_parts();
    assert!(parts[0].1.len() + parts[1].1.len() < 3_500 && parts[2].1.len() > 4096);
    assert_eq!(
        env.upload(RECIPIENT).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let r = env.upload_parts(RECIPIENT, &parts[..2]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("subjects.csv"));
    let mut extra = parts[..2].to_vec();
    extra.push(("notes.txt", b"x".to_vec()));
    assert_eq!(
        env.upload_parts(RECIPIENT, &extra).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A case-assignment file the letter does not name is refused.
    let mut unnamed = parts[..2].to_vec();
    unnamed.push(("subjects.csv", b"subject_ref\n".to_vec()));
    unnamed.push(("cases.csv", b"recipient_id,case_number\n".to_vec()));
    let r = env.upload_parts(RECIPIENT, &unnamed).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("names no cases_file"));
    let mut bad = parts[..2].to_vec();
    bad[0].1 = b"{not json".to_vec();
    bad.push(("subjects.csv", b"subject_ref\n".to_vec()));
    let r = env.upload_parts(RECIPIENT, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!String::from_utf8_lossy(&r.body).contains(env.dir.to_str().unwrap()));

    // A letter whose signature does not verify is refused at upload, before
    // anything of it is kept.
    let Some(env) = setup(
        kind,
        "uploads_are_bounded_complete_and_signed2",
        small(),
        None,
    )
    .await
    else {
        return;
    };
    let mut forged = env.request_parts();
    let mut sig = forged[1].1.clone();
    sig[0] = if sig[0] == b'A' { b'B' } else { b'A' };
    forged[1].1 = sig;
    let r = env.upload_parts(RECIPIENT, &forged).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"], "signature_refused", "{:?}", r.json());
    env.state.wait_idle().await;
    let id = env.request_parts()[0].1.clone();
    let id: serde_json::Value = serde_json::from_slice(&id).unwrap();
    let id = id["request_id"].as_str().unwrap().to_string();
    let store = env.state.store_for_tests();
    let mut sink = Vec::new();
    assert!(!store
        .request_document(&id, "upload:subjects.csv", &mut sink)
        .unwrap());
    assert!(!store.files_dir().join("uploads").join(&id).exists());
    assert!(env.get("/v1/requests", OFFICER_1).await.json()["requests"]
        .as_array()
        .unwrap()
        .is_empty());
}

/// The insider of issue 13, with every administrator credential there is:
/// the bootstrap token, an administrator's own key, and the power to issue
/// a token for anyone. Once the registry is sealed (two administrators
/// with keys), no sequence of API calls — register, token, upload,
/// approve, download — produces a released response.
async fn a_lone_administrator_cannot_produce_a_released_response(kind: StoreKind) {
    let Some(mut env) = setup(kind, "a_lone_administrator_cannot_produce", small(), None).await
    else {
        return;
    };
    let b64 = |k: &ed25519_dalek::SigningKey| {
        base64::engine::general_purpose::STANDARD.encode(k.verifying_key().to_bytes())
    };
    let (insider, colleague) = (vouch_test_support::ADMIN, vouch_test_support::ADMIN_2);
    for a in [insider, colleague] {
        let body = json!({ "id": a, "agency": "IRS", "role": "administrator",
            "public_key": b64(&vouch_test_support::officer_key(a)) });
        let r = env
            .send_json(Method::POST, "/v1/officials", ADMIN, body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    }
    let r = env.get("/v1/registry", ADMIN).await;
    assert_eq!(r.json()["sealed"], true, "{:?}", r.json());
    for who in [insider, colleague] {
        let r = env
            .call(
                Method::POST,
                &format!("/v1/officials/{who}/tokens"),
                Some(ADMIN),
                None,
            )
            .await;
        let token = r.json()["token"].as_str().unwrap().to_string();
        env.tokens.insert(who, token);
    }
    // The insider's key and a signer key of his own making.
    let mine = vouch_test_support::officer_key(insider);
    let sign = |text: &str| {
        base64::engine::general_purpose::STANDARD.encode(mine.sign(text.as_bytes()).to_bytes())
    };
    let evil_signer = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let signer = json!({ "id": "ice-evil", "agency": vouch_synth::AGENCY, "role": "signer",
        "public_key": b64(&evil_signer) });

    // 1. Register a signer (or an officer) alone: refused, sealed.
    let r = env
        .send_json(Method::POST, "/v1/officials", insider, signer.clone())
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.json());
    let officer = json!({ "id": "irs-do-evil", "agency": "IRS", "role": "disclosure-officer",
        "public_key": b64(&mine) });
    let r = env
        .send_json(Method::POST, "/v1/officials", ADMIN, officer)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.json());

    // 2. Propose the signer, signed: pending.
    let at = vouch_core::timestamp::format(vouch_core::timestamp::now());
    let st = env
        .send_json(
            Method::POST,
            "/v1/registry/statement",
            insider,
            json!({ "official": signer.clone(), "at": at }),
        )
        .await;
    assert_eq!(st.status, StatusCode::OK, "{:?}", st.json());
    let change = st.json()["change_id"].as_str().unwrap().to_string();
    let mut body = signer.clone();
    body["at"] = json!(at);
    body["signature"] = json!(sign(st.json()["statement"].as_str().unwrap()));
    let r = env
        .send_json(Method::POST, "/v1/officials", insider, body)
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.json());
    assert_eq!(r.json()["state"], "pending");

    // 3. Confirm it himself, and as his colleague (with the token he
    // issued, but his own key): both refused.
    for who in [insider, colleague] {
        let uri = format!("/v1/registry/{change}/statement");
        let st = env
            .send_json(Method::POST, &uri, who, json!({ "at": at }))
            .await;
        assert_eq!(st.status, StatusCode::OK);
        let signature = sign(st.json()["statement"].as_str().unwrap());
        let uri = format!("/v1/registry/{change}/confirm");
        let r = env
            .send_json(
                Method::POST,
                &uri,
                who,
                json!({ "at": at, "signature": signature }),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{who}: {:?}",
            r.json()
        );
    }
    let list = env.get("/v1/registry", ADMIN).await.json();
    let pending = list["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["change_id"] == change.as_str())
        .unwrap()
        .clone();
    assert_eq!(pending["state"], "pending");

    // 4. Upload a letter signed by his own signer key: refused.
    let mut parts = env.request_parts();
    let mut letter: Value = serde_json::from_slice(&parts[0].1).unwrap();
    letter["signer"]["id"] = json!("ice-evil");
    letter["request_id"] = json!("EVIL-2025-000001");
    let bytes = serde_json::to_vec_pretty(&letter).unwrap();
    parts[1].1 =
        vouch_formats::keys::encode_base64_line(&evil_signer.sign(&bytes).to_bytes()).into_bytes();
    parts[0].1 = bytes;
    let r = env.upload_parts(RECIPIENT, &parts).await;
    assert!(
        r.status.is_client_error() || r.status == StatusCode::ACCEPTED,
        "{:?} {:?}",
        r.status,
        r.json()
    );
    env.state.wait_idle().await;
    let evil = env.get("/v1/requests/EVIL-2025-000001", RECIPIENT).await;
    assert!(
        evil.status == StatusCode::NOT_FOUND
            || evil.json()["processing"]["error"] == "signature_refused",
        "a letter from a signer the registry does not hold is refused: {:?}",
        evil.json()
    );
    // Its files are not kept, on the node or in the store; the refusal is
    // in the audit trail.
    let store = env.state.store_for_tests();
    let mut sink = Vec::new();
    for name in ["request.json", "request.json.sig", "subjects.csv"] {
        let doc = format!("upload:{name}");
        assert!(!store
            .request_document("EVIL-2025-000001", &doc, &mut sink)
            .unwrap());
    }
    assert!(!store.files_dir().join("uploads/EVIL-2025-000001").exists());
    let trail: Vec<_> = store
        .audit_trail("EVIL-2025-000001")
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        trail.contains(&vouch_store::AuditAction::Refused),
        "{trail:?}"
    );
    // Refused at upload, nothing was kept: nothing to discard.

    // 5. The genuine request: he cannot approve it, not as administrator,
    // not as the officer he issued a token for (his key is not theirs).
    let r = env.upload(RECIPIENT).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    env.state.wait_idle().await;
    let r = env.decide(ADMIN, "approve", "as the administrator").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let uri = format!("/v1/requests/{}/statement", env.request_id);
    let st = env
        .send_json(
            Method::POST,
            &uri,
            OFFICER_1,
            json!({ "decision": "approve", "comment": "x" }),
        )
        .await;
    let v = st.json();
    let uri = format!("/v1/requests/{}/approve", env.request_id);
    let body = json!({ "comment": "x", "at": v["at"],
        "signature": sign(v["statement"].as_str().unwrap()) });
    let r = env.send_json(Method::POST, &uri, OFFICER_1, body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.json());
    env.state.wait_idle().await;

    // 6. Nothing to download, by anyone.
    let uri = format!("/v1/requests/{}/response", env.request_id);
    for who in [ADMIN, insider, colleague] {
        assert_eq!(
            env.get(&uri, who).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    assert_eq!(env.get(&uri, RECIPIENT).await.status, StatusCode::CONFLICT);
    assert_eq!(env.status(RECIPIENT).await["status"], "pending_review");
    let store = env.state.store_for_tests();
    assert_eq!(
        store.open_ledger().unwrap().lookups(),
        0,
        "nothing looked up"
    );
    assert!(store.official("ice-evil").unwrap().is_none());
}

/// Runs each API test against every state store: SQLite, and PostgreSQL
/// when `VOUCH_TEST_POSTGRES_URL` names a server.
async fn court_orders_and_incidents_over_the_api(kind: StoreKind) {
    let Some(env) = setup(
        kind,
        "court_orders_and_incidents_over_the_api",
        small(),
        None,
    )
    .await
    else {
        return;
    };
    use base64::Engine;
    let doc = base64::engine::general_purpose::STANDARD.encode(b"ORDER: stayed.\n");
    let order = json!({ "change": { "add": {
        "id": "DDC-25-cv-1234", "court": "D.D.C.", "date": "2025-01-01",
        "scope": "agency:DHS-ICE", "effect": "halt", "document": doc } } });
    // A requester may not put an order on file; an officer may.
    let r = env
        .send_json(Method::POST, "/v1/orders", RECIPIENT, order.clone())
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = env
        .send_json(Method::POST, "/v1/orders", OFFICER_1, order.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    let again = env
        .send_json(Method::POST, "/v1/orders", OFFICER_1, order)
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        again.json()
    );
    assert!(again.json()["message"]
        .as_str()
        .unwrap()
        .contains("on file already"));
    let listed = env.get("/v1/orders", AUDITOR).await.json();
    assert_eq!(listed["orders"][0]["id"], "DDC-25-cv-1234");
    assert_eq!(listed["orders"][0]["in_force"], true);
    assert_eq!(
        env.get("/v1/orders", RECIPIENT).await.status,
        StatusCode::FORBIDDEN
    );
    // The agency's upload is refused whole, naming the order in its trail.
    assert_eq!(env.upload(RECIPIENT).await.status, StatusCode::ACCEPTED);
    env.state.wait_idle().await;
    let st = env.status(RECIPIENT).await;
    assert_eq!(st["status"], "rejected", "{st}");
    assert!(st.to_string().contains("ORDER_HALTED"), "{st}");

    let discovered =
        vouch_core::timestamp::format(time::OffsetDateTime::now_utc() - time::Duration::hours(3));
    let opened = env
        .send_json(
            Method::POST,
            "/v1/incidents",
            OFFICER_1,
            json!({ "kind": "unauthorized-access", "discovered_at": discovered,
                    "summary": "An account was used by someone not assigned to the case.",
                    "requests": [env.request_id] }),
        )
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:?}", opened.json());
    let id = opened.json()["id"].as_str().unwrap().to_string();
    assert_eq!(opened.json()["overdue"], false);
    assert_eq!(
        env.get("/v1/incidents", RECIPIENT).await.status,
        StatusCode::FORBIDDEN
    );
    let early = env
        .send_json(
            Method::POST,
            &format!("/v1/incidents/{id}/close"),
            OFFICER_1,
            json!({ "corrective": ["Access revoked."] }),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    let report = env
        .send_json(
            Method::POST,
            &format!("/v1/incidents/{id}/report"),
            AUDITOR,
            json!({}),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{:?}", report.json());
    assert_eq!(report.json()["reported_on_time"], true);
    assert_eq!(
        report.json()["affected"][0]["request_id"],
        env.request_id.as_str()
    );
    assert_eq!(report.json()["recipients"][0], RECIPIENT);
    let closed = env
        .send_json(
            Method::POST,
            &format!("/v1/incidents/{id}/close"),
            OFFICER_1,
            json!({ "corrective": ["Access revoked."] }),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.json());
    assert!(
        env.get("/v1/incidents", AUDITOR).await.json()["incidents"][0]["closed_at"].is_string()
    );
}

macro_rules! on_every_store {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::StoreKind::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::StoreKind::Postgres).await
                }
            )*
        }
    };
}

on_every_store!(
    a_revoked_token_stops_working_and_listings_never_show_tokens,
    a_restarted_service_shows_no_second_admin_token,
    health_metrics_and_openapi_need_no_token,
    every_v1_route_refuses_a_missing_or_bad_token_with_one_fixed_body,
    upload_review_approve_and_download_end_to_end,
    another_agency_sees_nothing_of_a_request_and_cannot_submit_it,
    each_role_is_refused_what_it_may_not_do,
    two_approvals_need_two_officers_and_nobody_approves_twice,
    a_denied_batch_is_never_looked_up,
    a_full_queue_answers_429_with_retry_after_and_duplicates_409,
    uploads_are_bounded_complete_and_signed,
    a_lone_administrator_cannot_produce_a_released_response,
    court_orders_and_incidents_over_the_api,
);
