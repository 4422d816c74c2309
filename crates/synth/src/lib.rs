//! `vouch-synth`: synthetic, realistic data sets for vouch — a master file of
//! taxpayer returns (`master.csv`), a signed request (`request/`), the
//! signer's keys (`keys/`) and the ground truth (`truth.csv`), exactly as
//! `docs/formats.md` describes them.
//!
//! The population is a pure function of the seed: household `i` is drawn from
//! its own ChaCha stream, so the files are byte-identical for a seed whatever
//! the thread count, and any household can be regenerated on demand (subjects
//! are drawn that way, without keeping the master in memory).
//!
//! What it deliberately does not do: it does not depend on other vouch crates
//! (it writes the formats itself), does not match, standardise for matching
//! or apply policy; the `expected` outcomes of `truth.csv` are derived from
//! how each subject was built, not computed by a matcher.

#![deny(missing_docs)]

mod master;
mod output;
mod people;
mod render;
mod request;
mod subjects;
mod tables;

pub mod check;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use master::MASTER_HEADER;
pub use request::{request_id, signer_key};
pub use subjects::{SubjectMix, SUBJECTS_HEADER, TRUTH_HEADER};

/// Requesting agency of generated requests.
pub const AGENCY: &str = "DHS-ICE";
/// Id of the official who signs generated requests.
pub const SIGNER_ID: &str = "ice-director";
/// Name of the signing official (fictional).
pub const SIGNER_NAME: &str = "Jordan A. Whitfield";
/// Title of the signing official.
pub const SIGNER_TITLE: &str = "Director";
/// Recipients named on generated requests: `(id, name)`.
pub const RECIPIENTS: [(&str, &str); 3] = [
    ("ice-agent-0001", "Dana R. Morales"),
    ("ice-agent-0002", "Kevin T. Okafor"),
    ("ice-agent-0003", "Lisa M. Chen"),
];
/// Ids of the recipients.
pub const RECIPIENT_IDS: [&str; 3] = [RECIPIENTS[0].0, RECIPIENTS[1].0, RECIPIENTS[2].0];
/// Title of every recipient.
pub const RECIPIENT_TITLE: &str = "Special Agent";
/// Disclosure pathway.
pub const PATHWAY: &str = "6103(i)(2)";
/// Statutory authority cited.
pub const STATUTORY_AUTHORITY: &str = "8 U.S.C. 1253(a)(1)";
/// Kind of investigation.
pub const INVESTIGATION: &str = "criminal";
/// Requested taxable periods.
pub const TAXABLE_PERIODS: [u16; 3] = [2022, 2023, 2024];
/// The only requested item.
pub const REQUESTED_ITEM: &str = "address_confirmation";
/// Submission instant of generated requests (RFC 3339 UTC).
pub const SUBMITTED_AT: &str = "2025-06-02T14:00:00Z";
/// Subjects file name inside `request/`.
pub const SUBJECTS_FILE: &str = "subjects.csv";
/// The use attestation of generated requests.
pub const ATTESTATION: &str = "The information will be used only by the officers and employees named in this request, \
solely for the criminal investigations identified for each subject under 8 U.S.C. 1253(a)(1), and will not be \
disclosed to any other person or used for any other purpose.";

/// Master rows at most: the unique-TIN space allows about 211 million
/// households (the first 22 million with ITINs, the rest with packed
/// SSNs), about 760 million rows.
pub const MASTER_ROWS_MAX: u64 = 750_000_000;
/// Subjects at most (a lawful batch's largest).
pub const SUBJECTS_MAX: u64 = 10_000_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Data rows of `master.csv` (exactly).
    pub master_rows: u64,
    /// Rows of `subjects.csv` (exactly).
    pub subjects: u64,
    /// Seed of everything.
    pub seed: u64,
    /// Shares of the subject categories.
    pub mix: SubjectMix,
    /// Distinct case numbers at most: the default policy holds a batch whose
    /// recipient is named for more than 200 case numbers (`RECIPIENT_CASELOAD`).
    pub case_numbers_max: u64,
    /// Households generated per parallel work item (speed only; never changes the output).
    pub households_per_chunk: u64,
    /// The letter's `submitted_at` (RFC 3339 UTC, `YYYY-MM-DDThh:mm:ssZ`).
    /// Final order dates move with it, so that every expected outcome holds
    /// whenever the letter is dated; dates of birth and tax years do not.
    /// vouch judges a request at its receipt and refuses a letter dated
    /// more than 7 days before it (`STALE_REQUEST`): `vouch synth` dates
    /// its letter now, tests on a fixed clock keep [`SUBMITTED_AT`].
    pub submitted_at: String,
    /// Fails after writing the master file (crash tests of the atomic output).
    #[doc(hidden)]
    pub fault_after_master: bool,
}

/// The whole days from [`SUBMITTED_AT`]'s date to `submitted_at`'s, or
/// `None` when it is not `YYYY-MM-DDThh:mm:ssZ`.
fn submitted_offset_days(submitted_at: &str) -> Option<i64> {
    let b = submitted_at.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u16> {
        let s = submitted_at.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let shape = b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z';
    if !shape || digits(11..13)? > 23 || digits(14..16)? > 59 || digits(17..19)? > 59 {
        return None;
    }
    let date = people::Date {
        year: digits(0..4)?,
        month: u8::try_from(digits(5..7)?)
            .ok()
            .filter(|m| (1..=12).contains(m))?,
        day: u8::try_from(digits(8..10)?)
            .ok()
            .filter(|d| (1..=31).contains(d))?,
    };
    if people::Date::from_days(date.to_days()) != date {
        return None;
    }
    let base = people::Date {
        year: 2025,
        month: 6,
        day: 2,
    };
    Some(date.to_days() - base.to_days())
}

impl SynthConfig {
    /// A configuration with the default subject mix.
    pub fn new(master_rows: u64, subjects: u64, seed: u64) -> Self {
        SynthConfig {
            master_rows,
            subjects,
            seed,
            mix: SubjectMix::default(),
            case_numbers_max: 200,
            households_per_chunk: 1024,
            submitted_at: SUBMITTED_AT.to_string(),
            fault_after_master: false,
        }
    }

    fn validate(&self) -> Result<(), SynthError> {
        let bad = |field, reason| Err(SynthError::Config { field, reason });
        if self.master_rows > MASTER_ROWS_MAX {
            return bad("master_rows", "exceeds MASTER_ROWS_MAX");
        }
        if self.subjects == 0 || self.subjects > SUBJECTS_MAX {
            return bad("subjects", "must be between 1 and SUBJECTS_MAX");
        }
        if submitted_offset_days(&self.submitted_at).is_none() {
            return bad("submitted_at", "must be YYYY-MM-DDThh:mm:ssZ");
        }
        if self.case_numbers_max == 0 {
            return bad("case_numbers_max", "must be at least 1");
        }
        if self.households_per_chunk == 0 || self.households_per_chunk > 1 << 20 {
            return bad("households_per_chunk", "must be between 1 and 2^20");
        }
        if self.mix.total() == 0 {
            return bad("mix", "all shares are zero");
        }
        Ok(())
    }
}

/// Expected outcomes of the generated subjects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpectedCounts {
    /// Subjects a perfect system confirms.
    pub confirmed: u64,
    /// Subjects a perfect system does not confirm.
    pub not_confirmed: u64,
    /// Subjects a perfect system rejects.
    pub rejected: u64,
}

/// What was generated.
#[derive(Debug, Clone)]
pub struct SynthSummary {
    /// Data rows of `master.csv`.
    pub master_rows: u64,
    /// Bytes of `master.csv`.
    pub master_bytes: u64,
    /// Distinct TINs in `master.csv`.
    pub taxpayers: u64,
    /// Households with at least one row looked at (the last may be cut).
    pub households: u64,
    /// Rows of `subjects.csv`.
    pub subjects: u64,
    /// Expected outcomes.
    pub expected_counts: ExpectedCounts,
    /// Subjects per category of `truth.csv`.
    pub category_counts: BTreeMap<String, u64>,
    /// `request_id` of `request.json`.
    pub request_id: String,
    /// The output directory.
    pub out: PathBuf,
}

/// Progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SynthProgress {
    /// Master rows written so far.
    Master {
        /// Rows written.
        rows_written: u64,
        /// Rows to write.
        rows_total: u64,
    },
    /// Subjects built so far.
    Subjects {
        /// Subjects built.
        subjects_done: u64,
        /// Subjects to build.
        subjects_total: u64,
    },
    /// Signing, syncing and renaming.
    Finishing,
}

/// Why generation failed. Messages never contain generated personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// The output directory exists and is not empty.
    #[error("output directory is not empty: {path}")]
    OutputNotEmpty {
        /// The output directory given, which already holds files (generation
        /// never writes into a used directory).
        path: PathBuf,
    },
    /// The output path exists and is not a directory.
    #[error("output path exists and is not a directory: {path}")]
    OutputNotDirectory {
        /// The output path given, which is a file or something else that is not
        /// a directory.
        path: PathBuf,
    },
    /// A configuration value is out of range.
    #[error("invalid configuration: {field} {reason}")]
    Config {
        /// The [`SynthConfig`] field out of range (e.g. `subjects`).
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// Reading or writing a file failed.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be encoded.
    #[error("could not encode {file}: {reason}")]
    Encode {
        /// The output file being encoded (`subjects.csv` or `truth.csv`).
        file: &'static str,
        /// The CSV writer's message.
        reason: String,
    },
    /// A fault injected by the configuration (tests only).
    #[error("injected fault after {stage}")]
    InjectedFault {
        /// The stage after which generation stopped (`master`).
        stage: &'static str,
    },
}

pub(crate) fn io_err(path: &Path, source: std::io::Error) -> SynthError {
    SynthError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Generates a data set into `out` (which must not exist, or be an empty
/// directory). Everything is written into a temporary sibling directory,
/// synced, then renamed to `out`, so a failure never leaves a partial data set.
pub fn generate(
    config: &SynthConfig,
    out: &Path,
    progress: &(dyn Fn(SynthProgress) + Sync),
) -> Result<SynthSummary, SynthError> {
    config.validate()?;
    output::check_target(out)?;
    let staging = output::Staging::create(out, config.seed)?;
    let summary = write_all(config, staging.path(), out, progress)?;
    progress(SynthProgress::Finishing);
    staging.commit(out)?;
    Ok(summary)
}

fn write_all(
    config: &SynthConfig,
    dir: &Path,
    out: &Path,
    progress: &(dyn Fn(SynthProgress) + Sync),
) -> Result<SynthSummary, SynthError> {
    let key = people::PopulationKey::new(config.seed);
    let written = master::write_master(
        &dir.join("master.csv"),
        &key,
        config.master_rows,
        config.households_per_chunk,
        progress,
    )?;
    if config.fault_after_master {
        return Err(SynthError::InjectedFault { stage: "master" });
    }
    let mut built = subjects::build(config, &key, &written, progress);
    subjects::shift_order_dates(
        &mut built,
        submitted_offset_days(&config.submitted_at).unwrap_or(0),
    );
    let request_id = request::request_id(config.seed, config.subjects);
    let subjects_csv = subjects::subjects_csv(&built)?;
    let truth_csv = subjects::truth_csv(&built)?;
    let assigned = request::assignments(built.iter().map(|b| b.row.case_number.as_str()));
    let cases_csv =
        (assigned.len() > request::INLINE_CASES_MAX).then(|| request::cases_csv(&assigned));
    let letter = request::cover_letter(
        &request_id,
        &config.submitted_at,
        &subjects_csv,
        &assigned,
        cases_csv.as_deref(),
    )?;
    let signing = request::signer_key(config.seed);
    let (public, secret) = request::key_lines(&signing);
    let request_dir = dir.join("request");
    let keys_dir = dir.join("keys");
    output::create_dir(&request_dir)?;
    output::create_dir(&keys_dir)?;
    output::write_file(&request_dir.join(SUBJECTS_FILE), &subjects_csv)?;
    if let Some(cases) = &cases_csv {
        output::write_file(&request_dir.join(request::CASES_FILE), cases)?;
    }
    output::write_file(&request_dir.join("request.json"), &letter)?;
    output::write_file(
        &request_dir.join("request.json.sig"),
        request::signature_line(&signing, &letter).as_bytes(),
    )?;
    output::write_file(&keys_dir.join("signer.pub"), public.as_bytes())?;
    output::write_file(&keys_dir.join("signer.key"), secret.as_bytes())?;
    output::write_file(&dir.join("truth.csv"), &truth_csv)?;
    output::sync_dir(&request_dir)?;
    output::sync_dir(&keys_dir)?;
    output::sync_dir(dir)?;
    Ok(SynthSummary {
        master_rows: written.rows,
        master_bytes: written.bytes,
        taxpayers: written.taxpayers,
        households: written.households_touched,
        subjects: built.len() as u64,
        expected_counts: subjects::expected_counts(&built),
        category_counts: subjects::category_counts(&built),
        request_id,
        out: out.to_path_buf(),
    })
}
