//! Property test of the request parsers at the HTTP boundary: whatever a
//! requester sends to `POST /v1/requests` — random bytes, a valid upload cut
//! short, bytes flipped, parts renamed, dropped or repeated — the service
//! answers 202 or a 4xx, never a 5xx, and nothing but accepted requests is
//! left behind in its uploads.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use proptest::prelude::*;
use tower::ServiceExt;
use vouch_server::{app, AppState, ServerConfig, UPLOAD_PARTS};
use vouch_test_support::{open_store, register_synth_in, synth_fixture, StoreKind};

/// The multipart body of `parts` (the shared builder, for owned names).
fn multipart(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let parts: Vec<(&str, Vec<u8>)> = parts.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    vouch_test_support::http::multipart(&parts).1
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    RenamePart(usize, String),
    DropPart(usize),
    RepeatPart(usize),
    Random(Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1u8..=255).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (0usize..3, "[a-z.\"\\r\\n/]{0,12}").prop_map(|(i, n)| Mutation::RenamePart(i, n)),
        (0usize..3).prop_map(Mutation::DropPart),
        (0usize..3).prop_map(Mutation::RepeatPart),
        proptest::collection::vec(any::<u8>(), 0..2048).prop_map(Mutation::Random),
    ]
}

/// Rebuilds the valid upload with one part renamed, dropped or repeated.
fn apply(valid: &[(String, Vec<u8>)], m: &Mutation) -> Vec<u8> {
    let mut parts = valid.to_vec();
    match m {
        Mutation::RenamePart(i, name) => parts[*i].0 = name.clone(),
        Mutation::DropPart(i) => {
            parts.remove(*i);
        }
        Mutation::RepeatPart(i) => {
            let p = parts[*i].clone();
            parts.push(p);
        }
        _ => {}
    }
    multipart(&parts)
}

struct Env {
    _tmp: tempfile::TempDir,
    uploads: std::path::PathBuf,
    app: Router,
    token: String,
    valid: Vec<(String, Vec<u8>)>,
    rt: tokio::runtime::Runtime,
}

fn env() -> Env {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    synth_fixture(dir, 500, 10, 5);
    let state = dir.join("state");
    let store = open_store(StoreKind::Sqlite, &state, "upload_fuzz").unwrap();
    register_synth_in(store.as_ref(), &dir.join("data"));
    let keys = vouch_test_support::keys_of(store.as_ref(), &state);
    let (st, admin) =
        AppState::open(store, keys, &dir.join("index"), ServerConfig::default()).unwrap();
    let app = app(st);
    let recipient = vouch_synth::RECIPIENT_IDS[0];
    let token = rt.block_on(async {
        let r = app
            .clone()
            .oneshot(
                Request::builder()
                    .method(Method::POST)
                    .uri(format!("/v1/officials/{recipient}/tokens"))
                    .header(header::AUTHORIZATION, format!("Bearer {}", admin.unwrap()))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let b = http_body_util::BodyExt::collect(r.into_body())
            .await
            .unwrap()
            .to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        v["token"].as_str().unwrap().to_string()
    });
    let valid = UPLOAD_PARTS
        .iter()
        .map(|n| {
            (
                n.to_string(),
                std::fs::read(dir.join("data/request").join(n)).unwrap(),
            )
        })
        .collect();
    Env {
        uploads: state.join("uploads"),
        _tmp: tmp,
        app,
        token,
        valid,
        rt,
    }
}

fn post(env: &Env, body: Vec<u8>) -> StatusCode {
    env.rt.block_on(async {
        env.app
            .clone()
            .oneshot(
                Request::builder()
                    .method(Method::POST)
                    .uri("/v1/requests")
                    .header(header::AUTHORIZATION, format!("Bearer {}", env.token))
                    .header(
                        header::CONTENT_TYPE,
                        format!(
                            "multipart/form-data; boundary={}",
                            vouch_test_support::http::BOUNDARY
                        ),
                    )
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
            .unwrap()
            .status()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_upload_is_answered_202_or_4xx_and_leaves_only_accepted_requests(
        muts in proptest::collection::vec(mutation(), 1..4)
    ) {
        thread_local! { static ENV: Env = env(); }
        ENV.with(|env| {
            let mut body = multipart(&env.valid);
            for m in &muts {
                body = match m {
                    Mutation::Truncate(_) | Mutation::Flip(..) | Mutation::Random(_) => {
                        mutate_raw(&body, m)
                    }
                    _ => apply(&env.valid, m),
                };
            }
            let status = post(env, body);
            prop_assert!(
                status == StatusCode::ACCEPTED
                    || status == StatusCode::CONFLICT
                    || status.is_client_error(),
                "answered {status}"
            );
            // Staged uploads are removed unless accepted: only request ids remain.
            if let Ok(entries) = std::fs::read_dir(&env.uploads) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().to_string();
                    prop_assert!(!name.starts_with('.'), "a staged upload was left behind: {name}");
                }
            }
            Ok(())
        })?;
    }
}

/// Applies a raw-byte mutation to a whole body.
fn mutate_raw(body: &[u8], m: &Mutation) -> Vec<u8> {
    match m {
        Mutation::Truncate(at) => body[..at % body.len().max(1)].to_vec(),
        Mutation::Flip(at, x) => {
            let mut b = body.to_vec();
            if !b.is_empty() {
                let i = at % b.len();
                b[i] ^= x;
            }
            b
        }
        Mutation::Random(bytes) => bytes.clone(),
        _ => body.to_vec(),
    }
}
