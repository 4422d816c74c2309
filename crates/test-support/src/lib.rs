//! Dev-only fixtures shared by vouch's integration tests: a synthetic data
//! set with its master index, and a state directory with the data set's
//! agency and officials registered. Tests only: these helpers panic on any
//! failure, which is what a broken fixture should do in a test.
#![deny(missing_docs)]

use base64::Engine;
use std::path::Path;
use vouch_store::{AgencyRecord, FileStore, OfficialRecord, Role, HOME_AGENCY};

/// The disclosure officer every fixture registers.
pub const OFFICER: &str = "irs-do-1";
/// A second disclosure officer, for two-person approvals.
pub const OFFICER_2: &str = "irs-do-2";

/// Generates `dir/data` (a `vouch synth` data set) and builds `dir/index`.
pub fn synth_fixture(dir: &Path, master_rows: u64, subjects: u64, seed: u64) {
    let cfg = vouch_synth::SynthConfig::new(master_rows, subjects, seed);
    vouch_synth::generate(&cfg, &dir.join("data"), &|_| {}).expect("synth");
    let mut reader = vouch_formats::master::MasterReader::open(&dir.join("data/master.csv"))
        .expect("master.csv");
    let mut rows = Vec::new();
    while reader.read_batch(&mut rows, 10_000).expect("read master") > 0 {}
    let mut b = vouch_match::IndexBuilder::new();
    b.add_batch(&rows);
    b.finish().save(&dir.join("index")).expect("save index");
}

/// Registers the synthetic request's agency, signer (with the data set's
/// key), recipients and two disclosure officers in `state`.
pub fn register_synth(state: &Path, data: &Path) {
    let store = FileStore::open(state).expect("state");
    let at = "2025-01-15T00:00:00Z".to_string();
    store
        .add_agency(AgencyRecord {
            id: vouch_synth::AGENCY.into(),
            ssr_approved: "2025-01-15".into(),
            ai_notifications: vec![],
            findings: vec![],
            registered_at: at.clone(),
        })
        .expect("agency");
    let key =
        vouch_formats::keys::read_public_key(&data.join("keys/signer.pub")).expect("signer.pub");
    let rec = |id: &str, agency: &str, role, public_key| OfficialRecord {
        id: id.into(),
        agency: agency.into(),
        role,
        public_key,
        registered_at: at.clone(),
    };
    let b64 = base64::engine::general_purpose::STANDARD.encode(key);
    store
        .add_official(rec(
            vouch_synth::SIGNER_ID,
            vouch_synth::AGENCY,
            Role::Signer,
            Some(b64),
        ))
        .expect("signer");
    for r in vouch_synth::RECIPIENT_IDS {
        store
            .add_official(rec(r, vouch_synth::AGENCY, Role::Recipient, None))
            .expect("recipient");
    }
    for o in [OFFICER, OFFICER_2] {
        store
            .add_official(rec(o, HOME_AGENCY, Role::DisclosureOfficer, None))
            .expect("officer");
    }
}
