//! Shared helpers of the end-to-end tests: each test gets a fresh temporary
//! directory and drives the real `vouch` binary.
#![allow(dead_code)]

use ed25519_dalek::Signer;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const SIGNER_SEED: [u8; 32] = [7u8; 32];

pub fn vouch(state: &Path, args: &[&str]) -> Output {
    vouch_at(state, args, None)
}

/// Runs `vouch` with its clock at `now` (RFC 3339; the debug build reads
/// `VOUCH_TEST_NOW`), or on the system clock.
pub fn vouch_at(state: &Path, args: &[&str], now: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vouch"));
    c.arg("--state")
        .arg(state)
        .args(args)
        .env_remove("VOUCH_HOME")
        .env_remove("VOUCH_TEST_NOW");
    if let Some(t) = now {
        c.env("VOUCH_TEST_NOW", t);
    }
    c.output().expect("run vouch")
}

/// An hour after a letter's `submitted_at`: when the golden tests say it
/// was received (`None` for a letter that does not parse: the tests of bad
/// input run on the system clock).
pub fn receipt_of(request_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(request_dir.join("request.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let at = v["submitted_at"].as_str()?;
    let rfc = time::format_description::well_known::Rfc3339;
    let t = time::OffsetDateTime::parse(at, &rfc).ok()? + time::Duration::hours(1);
    t.format(&rfc).ok()
}

/// The error of a command that must fail: one line on stderr.
#[allow(dead_code)] // not every test binary that includes this module uses it
pub fn one_line_error(out: &Output) -> String {
    assert!(!out.status.success(), "the command must fail");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "vouch failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/golden")
}

/// A golden request in `dir`: master.csv, request/ (signed), keys/signer.pub.
pub struct Golden {
    pub dir: PathBuf,
}

impl Golden {
    pub fn new(dir: &Path) -> Golden {
        let g = golden_dir();
        std::fs::create_dir_all(dir.join("request")).unwrap();
        std::fs::create_dir_all(dir.join("keys")).unwrap();
        std::fs::copy(g.join("master.csv"), dir.join("master.csv")).unwrap();
        std::fs::copy(g.join("subjects.csv"), dir.join("request/subjects.csv")).unwrap();
        let key = ed25519_dalek::SigningKey::from_bytes(&SIGNER_SEED);
        std::fs::write(
            dir.join("keys/signer.pub"),
            b64line(key.verifying_key().as_bytes()),
        )
        .unwrap();
        let golden = Golden {
            dir: dir.to_path_buf(),
        };
        golden.reseal();
        golden
    }

    pub fn request(&self) -> PathBuf {
        self.dir.join("request")
    }

    /// Rewrites request.json with the subjects file's current hash, and re-signs it.
    pub fn reseal(&self) {
        let subjects = std::fs::read(self.request().join("subjects.csv")).unwrap();
        let template = std::fs::read_to_string(golden_dir().join("request.template.json")).unwrap();
        let letter = template.replace("@SHA256@", &hex::encode(Sha256::digest(&subjects)));
        std::fs::write(self.request().join("request.json"), &letter).unwrap();
        self.resign();
    }

    /// Edits request.json (after a reseal) and signs it again.
    pub fn edit_letter(&self, f: impl FnOnce(String) -> String) {
        let p = self.request().join("request.json");
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, f(text)).unwrap();
        self.resign();
    }

    /// Verifies with a chosen response directory and officers.
    pub fn verify_as(&self, state: &Path, out: &Path, officers: &[&str]) -> Output {
        let idx = self.dir.join("index");
        let mut args: Vec<String> = [
            "verify",
            "--index",
            idx.to_str().unwrap(),
            "--request",
            self.request().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for o in officers {
            args.push("--approve-as".into());
            args.push(o.to_string());
            args.push("--officer-key".into());
            args.push(self.officer_key(o).to_str().unwrap().to_string());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        vouch_at(state, &refs, receipt_of(&self.request()).as_deref())
    }

    /// An officer's own key file (their secret; registered by its public half).
    pub fn officer_key(&self, officer: &str) -> PathBuf {
        vouch_test_support::officer_key_file(&self.dir.join("keys"), officer)
    }

    /// The public half of an officer's key, as `officials add --public-key` reads it.
    pub fn officer_pub(&self, officer: &str) -> PathBuf {
        let public = self.dir.join("keys").join(format!("{officer}.pub"));
        let key = vouch_test_support::officer_key(officer);
        std::fs::create_dir_all(self.dir.join("keys")).unwrap();
        std::fs::write(&public, b64line(key.verifying_key().as_bytes())).unwrap();
        public
    }

    /// Signs the current request.json.
    pub fn resign(&self) {
        let letter = std::fs::read(self.request().join("request.json")).unwrap();
        let sig = ed25519_dalek::SigningKey::from_bytes(&SIGNER_SEED).sign(&letter);
        std::fs::write(
            self.request().join("request.json.sig"),
            b64line(&sig.to_bytes()),
        )
        .unwrap();
    }

    /// Makes the state's keys, then registers the agency, signer, recipient
    /// and two disclosure officers.
    pub fn register(&self, state: &Path) {
        ok(&vouch(state, &["keys", "init"]));
        ok(&vouch(
            state,
            &[
                "agencies",
                "add",
                "--id",
                "DHS-ICE",
                "--ssr-approved",
                "2025-01-15",
            ],
        ));
        let key = self.dir.join("keys/signer.pub");
        ok(&vouch(
            state,
            &[
                "officials",
                "add",
                "--id",
                "ice-director",
                "--agency",
                "DHS-ICE",
                "--role",
                "signer",
                "--public-key",
                key.to_str().unwrap(),
            ],
        ));
        ok(&vouch(
            state,
            &[
                "officials",
                "add",
                "--id",
                "ice-agent-0001",
                "--agency",
                "DHS-ICE",
                "--role",
                "recipient",
            ],
        ));
        for o in ["irs-do-1", "irs-do-2"] {
            let public = self.officer_pub(o);
            ok(&vouch(
                state,
                &[
                    "officials",
                    "add",
                    "--id",
                    o,
                    "--agency",
                    "IRS",
                    "--role",
                    "disclosure-officer",
                    "--public-key",
                    public.to_str().unwrap(),
                ],
            ));
        }
    }

    /// Registers two administrators with keys (`irs-admin-1`, `irs-admin-2`):
    /// the registry is sealed from then on.
    #[allow(dead_code)] // not every test binary that includes this module uses it
    pub fn seal(&self, state: &Path) {
        for id in ["irs-admin-1", "irs-admin-2"] {
            let public = self.officer_pub(id);
            ok(&vouch(
                state,
                &[
                    "officials",
                    "add",
                    "--id",
                    id,
                    "--agency",
                    "IRS",
                    "--role",
                    "administrator",
                    "--public-key",
                    public.to_str().unwrap(),
                ],
            ));
        }
    }

    pub fn build_index(&self, state: &Path) -> PathBuf {
        let idx = self.dir.join("index");
        ok(&vouch(
            state,
            &[
                "index",
                "build",
                "--master",
                self.dir.join("master.csv").to_str().unwrap(),
                "--out",
                idx.to_str().unwrap(),
            ],
        ));
        idx
    }

    pub fn verify(&self, state: &Path, out: &Path) -> Output {
        self.verify_as(state, out, &["irs-do-1"])
    }
}

/// A golden request in `tmp/data`, registered in the state `tmp/state`
/// with its index built: what most command-line tests start from.
#[allow(dead_code)] // not every test binary that includes this module uses it
pub fn golden_state(tmp: &Path) -> (Golden, PathBuf) {
    let g = Golden::new(&tmp.join("data"));
    let state = tmp.join("state");
    g.register(&state);
    g.build_index(&state);
    (g, state)
}

pub fn b64line(bytes: &[u8]) -> String {
    use base64::Engine;
    format!(
        "{}\n",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// Reads response.csv as (subject_ref, outcome, reasons) rows.
pub fn rows(out: &Path) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(out.join("response.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let mut f = l.splitn(3, ',');
            (
                f.next().unwrap().to_string(),
                f.next().unwrap().to_string(),
                f.next().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Runs SQL on a state directory's SQLite store, as a writer of the
/// database would.
pub fn sql(state: &Path, statements: &[&str]) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite://{}", state.join("vouch.db").display());
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        for s in statements {
            sqlx::query(s).execute(&mut c).await.unwrap();
        }
        c.close().await.unwrap();
    });
}

/// A background `vouch` process, killed when dropped.
pub struct Served(pub std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback address no one listens on (yet).
pub fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("127.0.0.1:{}", l.local_addr().unwrap().port())
}

/// `vouch witness serve` on `addr` with the witness state `state`, once it accepts connections.
pub fn serve_witness(state: &Path, addr: &str) -> Served {
    let child = Command::new(env!("CARGO_BIN_EXE_vouch"))
        .args(["--state", state.to_str().unwrap(), "witness", "serve"])
        .args(["--listen", addr])
        .env_remove("VOUCH_HOME")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let served = Served(child);
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "the witness did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    served
}

/// An inclusion proof bundle of one golden lookup (`ledger prove`).
pub fn prove(state: &Path, request: &str, subject: &str) -> String {
    ok(&vouch(
        state,
        &[
            "ledger",
            "prove",
            "--request",
            request,
            "--subject",
            subject,
        ],
    ))
}
