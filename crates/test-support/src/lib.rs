//! Dev-only fixtures shared by vouch's integration tests: a synthetic data
//! set with its master index, and a state directory with the data set's
//! agency and officials registered. Tests only: these helpers panic on any
//! failure, which is what a broken fixture should do in a test.
#![deny(missing_docs)]

pub mod fuzz;
pub mod http;
pub mod softkey;

use std::path::Path;
use vouch_app::{Acting, App, Officer, Parties, Registrar, ServiceKeys};
use vouch_pipeline::{RunConfig, RunReport};
use vouch_store::StateStore;
use vouch_store_sql::SqlStateStore;

/// The disclosure officer every fixture registers.
pub const OFFICER: &str = "irs-do-1";
/// A second disclosure officer, for two-person approvals.
pub const OFFICER_2: &str = "irs-do-2";

/// Generates `dir/data` (a `vouch synth` data set) and builds `dir/index`,
/// its letter dated an hour ago (for tests on the system clock: vouch
/// judges a request at receipt and refuses a letter a week old).
pub fn synth_fixture(dir: &Path, master_rows: u64, subjects: u64, seed: u64) {
    let hour_ago = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    let at = hour_ago.format(&fmt).expect("format a moment");
    synth_fixture_at(dir, master_rows, subjects, seed, &at)
}

/// [`synth_fixture`] with the letter dated `submitted_at` (tests on a
/// fixed clock use [`vouch_synth::SUBMITTED_AT`]).
pub fn synth_fixture_at(
    dir: &Path,
    master_rows: u64,
    subjects: u64,
    seed: u64,
    submitted_at: &str,
) {
    let mut cfg = vouch_synth::SynthConfig::new(master_rows, subjects, seed);
    cfg.submitted_at = submitted_at.to_string();
    vouch_synth::generate(&cfg, &dir.join("data"), &|_| {}).expect("synth");
    let mut reader = vouch_formats::master::MasterReader::open(&dir.join("data/master.csv"))
        .expect("master.csv");
    let mut rows = Vec::new();
    while reader.read_batch(&mut rows, 10_000).expect("read master") > 0 {}
    let mut b = vouch_match::IndexBuilder::new();
    b.add_batch(&rows);
    b.finish()
        .expect("build index")
        .save(&dir.join("index"))
        .expect("save index");
}

/// Copies a closed state directory (or any tree) with each directory's
/// permissions (the key directory is 0700: so is its copy).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
    std::fs::set_permissions(to, std::fs::metadata(from).unwrap().permissions()).unwrap();
}

/// Opens the default store of a state directory (SQLite, `STATE/vouch.db`),
/// as the command line does.
pub fn open_state(state: &Path) -> Box<dyn StateStore> {
    reopen_store(StoreKind::Sqlite, state, "state")
}

/// A test disclosure officer's own signing key (derived from the id, so
/// every test and every process agrees on it).
pub fn officer_key(officer: &str) -> ed25519_dalek::SigningKey {
    use sha2::Digest;
    let seed: [u8; 32] = sha2::Sha256::digest(format!("vouch test officer {officer}")).into();
    ed25519_dalek::SigningKey::from_bytes(&seed)
}

/// Writes `officer`'s key file into `dir` (as `vouch verify --officer-key`
/// reads it) and returns its path.
pub fn officer_key_file(dir: &Path, officer: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).expect("key dir");
    let path = dir.join(format!("{officer}.key"));
    let line = vouch_formats::keys::encode_base64_line(&officer_key(officer).to_bytes());
    std::fs::write(&path, line).expect("officer key");
    path
}

/// `officer`'s signature (base64) of a decision statement, as `vouch
/// sign-decision` makes it.
pub fn sign_statement(officer: &str, statement: &str) -> String {
    use base64::Engine;
    use ed25519_dalek::Signer;
    base64::engine::general_purpose::STANDARD
        .encode(officer_key(officer).sign(statement.as_bytes()).to_bytes())
}

/// Two administrators of the tax agency, with keys (as [`officer_key`]).
pub const ADMIN: &str = "irs-admin-1";
/// The second administrator.
pub const ADMIN_2: &str = "irs-admin-2";

/// Registers [`ADMIN`] and [`ADMIN_2`] with their keys: the registry is
/// sealed from then on (every change needs two people).
pub fn seal_registry(store: &dyn StateStore) {
    for id in [ADMIN, ADMIN_2] {
        let new = vouch_app::NewOfficial {
            id: id.into(),
            agency: vouch_store::HOME_AGENCY.into(),
            role: vouch_store::Role::Administrator,
            public_key: Some(officer_key(id).verifying_key().to_bytes()),
        };
        App::new(store)
            .register_official(&Registrar::Operator, new)
            .expect("register an administrator");
    }
}

/// Registers the synthetic request's agency, signer (with the data set's
/// key), recipients and two disclosure officers in the store of `state`.
pub fn register_synth(state: &Path, data: &Path) {
    register_synth_in(open_state(state).as_ref(), data)
}

/// [`register_synth`] into any state store, through the application layer.
pub fn register_synth_in(store: &dyn StateStore, data: &Path) {
    let key =
        vouch_formats::keys::read_public_key(&data.join("keys/signer.pub")).expect("signer.pub");
    let parties = Parties {
        agency: vouch_synth::AGENCY,
        ssr_approved: time::macros::date!(2025 - 01 - 15),
        signer: vouch_synth::SIGNER_ID,
        signer_key: key,
        recipients: &vouch_synth::RECIPIENT_IDS,
        officers: &[
            (OFFICER, officer_key(OFFICER).verifying_key().to_bytes()),
            (OFFICER_2, officer_key(OFFICER_2).verifying_key().to_bytes()),
        ],
    };
    App::new(store)
        .register_parties(&Registrar::Operator, &parties)
        .expect("register the synthetic parties");
}

/// The service's keys for the state in `state` (`state/keys`): made, and
/// registered in `store`, as `vouch keys init` does, when the store has
/// none yet; else read (a second node copies them from the first, here
/// they are simply read from where the first made them).
pub fn keys_of(store: &dyn StateStore, state: &Path) -> ServiceKeys {
    keys_in(store, &state.join("keys"))
}

/// [`keys_of`] with the keys in `dir`.
pub fn keys_in(store: &dyn StateStore, dir: &Path) -> ServiceKeys {
    if store.service_keys().expect("service keys").is_empty() {
        App::new(store).init_keys(dir).expect("keys init");
    }
    ServiceKeys::load(dir).expect("keys")
}

/// Runs a request with the approvals of `officers` (registered disclosure
/// officers), as `vouch verify --approve-as` does: through the application
/// layer's rules.
pub fn run_approved(
    store: &dyn StateStore,
    cfg: &RunConfig<'_>,
    officers: &[&str],
) -> Result<RunReport, vouch_app::AppError> {
    let app = App::with_keys(store, cfg.keys)?;
    let approvers: Vec<(Acting<Officer>, ed25519_dalek::SigningKey)> = officers
        .iter()
        .map(|o| Ok((app.acting::<Officer>(o)?, officer_key(o))))
        .collect::<Result<_, vouch_app::AppError>>()?;
    app.run_with_approvals(cfg, &approvers, "approved by the test")
}

/// The state stores a test can run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// SQLite, in a file under the test's directory.
    Sqlite,
    /// PostgreSQL on the server `VOUCH_TEST_POSTGRES_URL` names, in a fresh
    /// database per test.
    Postgres,
}

/// Opens a fresh store of `kind` with its files (uploads, responses) in
/// `files_dir`; `None` (with a note) for PostgreSQL when no server is named.
/// `test` names the PostgreSQL database (unique per test, please).
pub fn open_store(kind: StoreKind, files_dir: &Path, test: &str) -> Option<Box<dyn StateStore>> {
    if kind == StoreKind::Postgres {
        postgres_database(test)?;
    }
    Some(reopen_store(kind, files_dir, test))
}

/// Reopens the store of `kind` [`open_store`] opened for the same
/// `files_dir` and `test` (no fresh PostgreSQL database this time).
pub fn reopen_store(kind: StoreKind, files_dir: &Path, test: &str) -> Box<dyn StateStore> {
    match kind {
        StoreKind::Sqlite => {
            let url = format!("sqlite://{}?mode=rwc", files_dir.join("vouch.db").display());
            Box::new(SqlStateStore::connect(&url, files_dir).expect("sqlite store"))
        }
        StoreKind::Postgres => {
            let base = std::env::var("VOUCH_TEST_POSTGRES_URL").expect("postgres url");
            let url = vouch_store_sql::with_database(&base, &pg_name(test));
            Box::new(SqlStateStore::connect(&url, files_dir).expect("postgres store"))
        }
    }
}

fn pg_name(test: &str) -> String {
    let clean: String = test
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let mut name = format!("vouch_{}_{}", std::process::id(), clean);
    name.truncate(63);
    name
}

/// A fresh PostgreSQL database for `test`, or `None` (with a note) when
/// `VOUCH_TEST_POSTGRES_URL` is not set.
pub fn postgres_database(test: &str) -> Option<String> {
    let Some(base) = std::env::var("VOUCH_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("note: VOUCH_TEST_POSTGRES_URL not set; skipping the PostgreSQL run of {test}");
        return None;
    };
    Some(SqlStateStore::create_postgres_database(&base, &pg_name(test)).expect("create database"))
}
