//! The policy's limits and windows: the versioned TOML policy file, with the
//! defaults of policy.md, validated on load.
//!
//! Validation refuses unknown keys, values outside their range and
//! contradictions between values, each error naming the key. Some ranges are
//! legal floors that no policy file may lower: a final order must be at least
//! 90 days old (8 U.S.C. 1253(a)(1)), a large batch needs at least two
//! approvals, and the output rule is confirm-only.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Every tunable of the policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyConfig {
    /// A human name for this policy (the version adds a hash of the values).
    pub name: String,
    /// Non-tax federal criminal statutes a request may rely on.
    pub statute_allow_list: Vec<String>,
    /// How many tax years back a request may ask about.
    pub lookback_years: i32,
    /// Oldest acceptable Safeguard Security Report approval, in days.
    pub ssr_age_days_max: i64,
    /// Days after a response within which its disposition must be certified.
    pub disposition_days_max: i64,
    /// STALE_REQUEST: most days a letter's `submitted_at` may precede its receipt.
    pub stale_request_days: i64,
    /// SUBMITTED_IN_FUTURE: seconds a letter's `submitted_at` may run ahead
    /// of the receipt (clock skew between the agencies).
    pub clock_skew_seconds: i64,
    /// Days a final order must precede `submitted_at`.
    pub order_age_days_min: i64,
    /// Whether a post office box (or a rural route box) counts as the
    /// address of a person (`subject.residence_required`, default false:
    /// it does). A stricter policy asks for a street address where the
    /// person lives: a box is then ADDRESS_INCOMPLETE.
    pub residence_required: bool,
    /// REPEAT_INQUIRY window, in days.
    pub repeat_window_days: i64,
    /// ADDRESS_PROBING window, in days.
    pub address_window_days: i64,
    /// ADDRESS_FANOUT window, in days.
    pub fanout_window_days: i64,
    /// Most different people asked about at one address within the window.
    pub fanout_people_max: u32,
    /// Relevance text repeated on more subjects than this holds the batch.
    pub boilerplate_subjects_max: usize,
    /// A recipient named for more distinct case numbers than this holds the batch.
    pub recipient_cases_max: usize,
    /// Batches at least this large need `approvals_large_batch` approvals.
    pub large_batch_subjects_min: u64,
    /// Approvals a large batch needs (by different officers).
    pub approvals_large_batch: u32,
    /// Days over which an agency's subjects are added up for LARGE_BATCH
    /// (so splitting a batch does not avoid the second approval).
    pub large_batch_window_days: i64,
    /// Whose address counts.
    pub address_rule: AddressRule,
    /// Highest false-confirmation rate a matching model may show in its
    /// evaluation before it may be activated.
    pub false_confirmation_rate_max: f64,
    /// Cosignatures of configured witnesses a checkpoint needs before a
    /// response is released: `None` means every configured witness (the
    /// default); never fewer than one while any witness is configured.
    pub witness_quorum: Option<u32>,
    /// A subject who gives no unit, where the return at their street
    /// address has one (`matching.unit_missing`).
    pub unit_missing: UnitMissing,
}

/// What a subject without a unit gets when the taxpayer's return at that
/// street address carries one (the building is right, the apartment
/// unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnitMissing {
    /// NOT_CONFIRMED (the default): a building is not a delivery point,
    /// and confirming it would tell the requester that some taxpayer of
    /// that name lives in some apartment there.
    #[default]
    NotConfirmed,
    /// Confirmed as the building (the return's unit is never disclosed).
    Confirm,
}

impl UnitMissing {
    fn as_str(self) -> &'static str {
        match self {
            UnitMissing::NotConfirmed => "not-confirmed",
            UnitMissing::Confirm => "confirm",
        }
    }
}

/// Which return's address a confirmation is judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressRule {
    /// The address on the latest return within the requested taxable periods.
    LatestInPeriods,
}

/// A policy file that cannot be used, naming the key at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy file: {key}: {why}")]
pub struct PolicyFileError {
    /// The TOML key (dotted path), or `file` for a syntax error.
    pub key: String,
    /// What is wrong.
    pub why: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDto {
    name: String,
    output_rule: String,
    request: RequestDto,
    subject: SubjectDto,
    probing: ProbingDto,
    holds: HoldsDto,
    matching: MatchingDto,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ledger: Option<LedgerDto>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestDto {
    statute_allow_list: Vec<String>,
    lookback_years: i64,
    ssr_age_days_max: i64,
    disposition_days_max: i64,
    #[serde(default = "default_stale_request_days")]
    stale_request_days: i64,
    #[serde(default = "default_clock_skew_seconds")]
    clock_skew_seconds: i64,
}

fn default_stale_request_days() -> i64 {
    7
}

fn default_clock_skew_seconds() -> i64 {
    300
}

fn default_large_batch_window_days() -> i64 {
    7
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectDto {
    order_age_days_min: i64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    residence_required: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProbingDto {
    repeat_window_days: i64,
    address_window_days: i64,
    fanout_window_days: i64,
    fanout_people_max: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldsDto {
    boilerplate_subjects_max: i64,
    recipient_cases_max: i64,
    large_batch_subjects_min: i64,
    approvals_large_batch: i64,
    #[serde(default = "default_large_batch_window_days")]
    large_batch_window_days: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchingDto {
    address_rule: String,
    false_confirmation_rate_max: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unit_missing: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LedgerDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    witness_quorum: Option<i64>,
}

/// The most witnesses a quorum may ask for (a checkpoint note carries at
/// most 32 signatures, the log's own among them).
pub const WITNESS_QUORUM_MAX: i64 = 16;

/// Largest accepted policy file, in bytes.
pub const POLICY_FILE_BYTES_MAX: usize = 64 * 1024;

/// The largest `holds.large_batch_subjects_min`: the largest lawful batch.
/// A threshold above it could never apply, silently switching the
/// large-batch approval rule off.
const LARGE_BATCH_SUBJECTS_MIN_MAX: i64 = vouch_core::limits::BATCH_SUBJECTS_MAX as i64;
/// The most approvals `holds.approvals_large_batch` may require: no more
/// than a batch can record ([`vouch_core::limits::APPROVALS_MAX`]), or no
/// large batch could ever be approved.
const APPROVALS_LARGE_BATCH_MAX: i64 = vouch_core::limits::APPROVALS_MAX as i64;
// The legal floor of two approvals for a large batch must be recordable.
const _: () = assert!(APPROVALS_LARGE_BATCH_MAX >= 2);
const _: () = assert!(vouch_core::limits::BATCH_SUBJECTS_MAX <= i64::MAX as u64);

const VERSION_PREFIX: &str = "policy-1+";
/// Hex digits of the values' hash in a policy version.
const VERSION_HASH_HEX: usize = 12;
/// The length of every policy version ([`PolicyConfig::version`]): each
/// lookup records it in its ledger leaf, whose label field is bounded
/// (vouch-pipeline asserts it fits).
pub const POLICY_VERSION_BYTES: usize = VERSION_PREFIX.len() + VERSION_HASH_HEX;

impl PolicyConfig {
    /// The defaults of policy.md.
    pub fn defaults() -> PolicyConfig {
        PolicyConfig {
            name: "policy.md defaults".to_string(),
            statute_allow_list: vec!["8 U.S.C. 1253(a)(1)".to_string()],
            lookback_years: 6,
            ssr_age_days_max: 3 * 365,
            disposition_days_max: 90,
            stale_request_days: default_stale_request_days(),
            clock_skew_seconds: default_clock_skew_seconds(),
            order_age_days_min: 90,
            residence_required: false,
            repeat_window_days: 180,
            address_window_days: 365,
            fanout_window_days: 365,
            fanout_people_max: 4,
            boilerplate_subjects_max: 50,
            recipient_cases_max: 200,
            large_batch_subjects_min: 10_001,
            approvals_large_batch: 2,
            large_batch_window_days: default_large_batch_window_days(),
            address_rule: AddressRule::LatestInPeriods,
            false_confirmation_rate_max: 0.001,
            witness_quorum: None,
            unit_missing: UnitMissing::NotConfirmed,
        }
    }

    /// Parses and validates a policy file.
    pub fn from_toml(text: &str) -> Result<PolicyConfig, PolicyFileError> {
        if text.len() > POLICY_FILE_BYTES_MAX {
            return Err(err(
                "file",
                format!("larger than {POLICY_FILE_BYTES_MAX} bytes"),
            ));
        }
        let dto: FileDto = toml::from_str(text).map_err(|e| {
            let msg = e.message().to_string();
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            err(
                "file",
                match line {
                    Some(l) => format!("line {l}: {msg}"),
                    None => msg,
                },
            )
        })?;
        let p = from_dto(dto)?;
        p.validate()?;
        Ok(p)
    }

    /// The policy as a TOML file (what `vouch policy show` prints).
    pub fn to_toml(&self) -> String {
        let dto = FileDto {
            name: self.name.clone(),
            output_rule: "confirm-only".into(),
            request: RequestDto {
                statute_allow_list: self.statute_allow_list.clone(),
                lookback_years: self.lookback_years.into(),
                ssr_age_days_max: self.ssr_age_days_max,
                disposition_days_max: self.disposition_days_max,
                stale_request_days: self.stale_request_days,
                clock_skew_seconds: self.clock_skew_seconds,
            },
            subject: SubjectDto {
                order_age_days_min: self.order_age_days_min,
                residence_required: self.residence_required,
            },
            probing: ProbingDto {
                repeat_window_days: self.repeat_window_days,
                address_window_days: self.address_window_days,
                fanout_window_days: self.fanout_window_days,
                fanout_people_max: self.fanout_people_max.into(),
            },
            holds: HoldsDto {
                boilerplate_subjects_max: self.boilerplate_subjects_max as i64,
                recipient_cases_max: self.recipient_cases_max as i64,
                large_batch_subjects_min: self.large_batch_subjects_min as i64,
                approvals_large_batch: self.approvals_large_batch.into(),
                large_batch_window_days: self.large_batch_window_days,
            },
            matching: MatchingDto {
                address_rule: "latest-in-periods".into(),
                false_confirmation_rate_max: self.false_confirmation_rate_max,
                // Written only when not the default, so that the version
                // of every policy without it is what it was before.
                unit_missing: (self.unit_missing != UnitMissing::NotConfirmed)
                    .then(|| self.unit_missing.as_str().to_string()),
            },
            // Written only when set, so that the version of every policy
            // without it is what it was before the setting existed.
            ledger: self.witness_quorum.map(|q| LedgerDto {
                witness_quorum: Some(q.into()),
            }),
        };
        let body = toml::to_string_pretty(&dto).unwrap_or_default();
        format!(
            "# vouch policy file. output_rule confirm-only is vouch's policy choice, stricter than\n\
             # 26 U.S.C. 6103(i)(2), which courts have read as allowing address disclosure: vouch\n\
             # never releases anything held by the tax agency, only one outcome per subject.\n{body}"
        )
    }

    fn validate(&self) -> Result<(), PolicyFileError> {
        range("request.lookback_years", self.lookback_years.into(), 1, 10)?;
        range(
            "request.ssr_age_days_max",
            self.ssr_age_days_max,
            1,
            3 * 366,
        )?;
        range(
            "request.disposition_days_max",
            self.disposition_days_max,
            1,
            3650,
        )?;
        range("request.stale_request_days", self.stale_request_days, 1, 30)?;
        range(
            "request.clock_skew_seconds",
            self.clock_skew_seconds,
            0,
            3600,
        )?;
        range(
            "holds.large_batch_window_days",
            self.large_batch_window_days,
            1,
            365,
        )?;
        // The statute's floor: no policy may shorten the 90 days.
        range(
            "subject.order_age_days_min",
            self.order_age_days_min,
            90,
            3650,
        )?;
        range(
            "probing.repeat_window_days",
            self.repeat_window_days,
            1,
            3650,
        )?;
        range(
            "probing.address_window_days",
            self.address_window_days,
            1,
            3650,
        )?;
        range(
            "probing.fanout_window_days",
            self.fanout_window_days,
            1,
            3650,
        )?;
        range(
            "probing.fanout_people_max",
            self.fanout_people_max.into(),
            1,
            100,
        )?;
        range(
            "holds.boilerplate_subjects_max",
            self.boilerplate_subjects_max as i64,
            1,
            1_000_000,
        )?;
        range(
            "holds.recipient_cases_max",
            self.recipient_cases_max as i64,
            1,
            1_000_000,
        )?;
        range(
            "holds.large_batch_subjects_min",
            self.large_batch_subjects_min as i64,
            2,
            LARGE_BATCH_SUBJECTS_MIN_MAX,
        )?;
        range(
            "holds.approvals_large_batch",
            self.approvals_large_batch.into(),
            2,
            APPROVALS_LARGE_BATCH_MAX,
        )?;
        let rate = self.false_confirmation_rate_max;
        if !(rate > 0.0 && rate <= 0.01) {
            return Err(err(
                "matching.false_confirmation_rate_max",
                "must be in (0, 0.01]".into(),
            ));
        }
        if self.statute_allow_list.is_empty()
            || self.statute_allow_list.iter().any(|s| s.trim().is_empty())
        {
            return Err(err(
                "request.statute_allow_list",
                "must name at least one statute, none empty".into(),
            ));
        }
        if self.name.trim().is_empty() || self.name.len() > 128 {
            return Err(err("name", "must be 1 to 128 bytes".into()));
        }
        // Contradiction: an address-variant window shorter than the repeat
        // window would let a variant through that a plain repeat could not.
        if self.address_window_days < self.repeat_window_days {
            return Err(err(
                "probing.address_window_days",
                "must not be shorter than probing.repeat_window_days".into(),
            ));
        }
        Ok(())
    }

    /// A canonical text of every value (what the version hashes).
    pub fn canonical_text(&self) -> String {
        self.to_toml()
    }

    /// The version every lookup records: a name plus a hash of the values,
    /// so two different policies can never share a version.
    pub fn version(&self) -> String {
        let h = Sha256::digest(self.canonical_text().as_bytes());
        format!("{VERSION_PREFIX}{}", &hex::encode(h)[..VERSION_HASH_HEX])
    }

    /// Cosignatures a checkpoint needs from `configured` witnesses before a
    /// response is released: all of them unless the policy names a quorum;
    /// none only when no witness is configured. A quorum above the
    /// configured count stays unmet (fail closed), never lowered.
    pub fn witness_quorum_of(&self, configured: usize) -> usize {
        match (configured, self.witness_quorum) {
            (0, _) => 0,
            (n, None) => n,
            (_, Some(q)) => (q as usize).max(1),
        }
    }

    /// Approvals a batch of `subjects` needs.
    pub fn approvals_required(&self, subjects: u64) -> u32 {
        if subjects >= self.large_batch_subjects_min {
            self.approvals_large_batch
        } else {
            1
        }
    }
}

fn err(key: &str, why: String) -> PolicyFileError {
    PolicyFileError {
        key: key.to_string(),
        why,
    }
}

fn range(key: &str, v: i64, lo: i64, hi: i64) -> Result<(), PolicyFileError> {
    if v < lo || v > hi {
        return Err(err(key, format!("{v} is outside {lo}..={hi}")));
    }
    Ok(())
}

fn from_dto(d: FileDto) -> Result<PolicyConfig, PolicyFileError> {
    if d.output_rule != "confirm-only" {
        return Err(err(
            "output_rule",
            "only confirm-only is supported: vouch never releases taxpayer data".into(),
        ));
    }
    if d.matching.address_rule != "latest-in-periods" {
        return Err(err(
            "matching.address_rule",
            "only latest-in-periods is supported".into(),
        ));
    }
    let int = |key: &str, v: i64, lo: i64, hi: i64| range(key, v, lo, hi).map(|_| v);
    Ok(PolicyConfig {
        name: d.name,
        statute_allow_list: d.request.statute_allow_list,
        lookback_years: int("request.lookback_years", d.request.lookback_years, 1, 10)? as i32,
        ssr_age_days_max: d.request.ssr_age_days_max,
        disposition_days_max: d.request.disposition_days_max,
        stale_request_days: d.request.stale_request_days,
        clock_skew_seconds: d.request.clock_skew_seconds,
        order_age_days_min: d.subject.order_age_days_min,
        residence_required: d.subject.residence_required,
        repeat_window_days: d.probing.repeat_window_days,
        address_window_days: d.probing.address_window_days,
        fanout_window_days: d.probing.fanout_window_days,
        fanout_people_max: int(
            "probing.fanout_people_max",
            d.probing.fanout_people_max,
            1,
            100,
        )? as u32,
        boilerplate_subjects_max: int(
            "holds.boilerplate_subjects_max",
            d.holds.boilerplate_subjects_max,
            1,
            1_000_000,
        )? as usize,
        recipient_cases_max: int(
            "holds.recipient_cases_max",
            d.holds.recipient_cases_max,
            1,
            1_000_000,
        )? as usize,
        large_batch_subjects_min: int(
            "holds.large_batch_subjects_min",
            d.holds.large_batch_subjects_min,
            2,
            LARGE_BATCH_SUBJECTS_MIN_MAX,
        )? as u64,
        approvals_large_batch: int(
            "holds.approvals_large_batch",
            d.holds.approvals_large_batch,
            2,
            APPROVALS_LARGE_BATCH_MAX,
        )? as u32,
        large_batch_window_days: d.holds.large_batch_window_days,
        address_rule: AddressRule::LatestInPeriods,
        false_confirmation_rate_max: d.matching.false_confirmation_rate_max,
        witness_quorum: match d.ledger.and_then(|l| l.witness_quorum) {
            None => None,
            Some(q) => {
                range("ledger.witness_quorum", q, 1, WITNESS_QUORUM_MAX)?;
                Some(q as u32)
            }
        },
        unit_missing: match d.matching.unit_missing.as_deref() {
            None | Some("not-confirmed") => UnitMissing::NotConfirmed,
            Some("confirm") => UnitMissing::Confirm,
            Some(other) => {
                return Err(PolicyFileError {
                    key: "matching.unit_missing".into(),
                    why: format!("{other:?} is not one of \"not-confirmed\", \"confirm\""),
                })
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_missing_is_optional_named_and_round_trips() {
        let defaults = PolicyConfig::defaults();
        assert_eq!(defaults.unit_missing, UnitMissing::NotConfirmed);
        assert!(!defaults.to_toml().contains("unit_missing"));
        let text = defaults
            .to_toml()
            .replace("[matching]\n", "[matching]\nunit_missing = \"confirm\"\n");
        let p = PolicyConfig::from_toml(&text).unwrap();
        assert_eq!(p.unit_missing, UnitMissing::Confirm);
        assert_ne!(p.version(), defaults.version());
        assert_eq!(PolicyConfig::from_toml(&p.to_toml()).unwrap(), p);
        let bad = defaults
            .to_toml()
            .replace("[matching]\n", "[matching]\nunit_missing = \"maybe\"\n");
        assert_eq!(
            PolicyConfig::from_toml(&bad).unwrap_err().key,
            "matching.unit_missing"
        );
    }

    #[test]
    fn version_changes_with_any_value() {
        let a = PolicyConfig::defaults();
        let mut b = a.clone();
        b.lookback_years = 5;
        assert_ne!(a.version(), b.version());
        assert_eq!(a.version(), PolicyConfig::defaults().version());
    }

    #[test]
    fn batches_over_ten_thousand_need_two_approvals() {
        let p = PolicyConfig::defaults();
        assert_eq!(p.approvals_required(10_000), 1);
        assert_eq!(p.approvals_required(10_001), 2);
    }

    #[test]
    fn the_default_file_round_trips() {
        let p = PolicyConfig::defaults();
        assert_eq!(PolicyConfig::from_toml(&p.to_toml()).unwrap(), p);
    }

    #[test]
    fn a_witness_quorum_is_optional_bounded_and_round_trips() {
        let defaults = PolicyConfig::defaults();
        assert!(!defaults.to_toml().contains("[ledger]"));
        assert_eq!(defaults.witness_quorum_of(0), 0);
        assert_eq!(defaults.witness_quorum_of(3), 3);
        let text = format!("{}\n[ledger]\nwitness_quorum = 2\n", defaults.to_toml());
        let p = PolicyConfig::from_toml(&text).unwrap();
        assert_eq!(p.witness_quorum, Some(2));
        assert_eq!(p.witness_quorum_of(3), 2);
        // Never lowered to what is configured: a quorum of 2 over one
        // witness stays unmet.
        assert_eq!(p.witness_quorum_of(1), 2);
        assert_ne!(p.version(), defaults.version());
        assert_eq!(PolicyConfig::from_toml(&p.to_toml()).unwrap(), p);
        for bad in ["0", "-1", "17"] {
            let text = format!("{}\n[ledger]\nwitness_quorum = {bad}\n", defaults.to_toml());
            let e = PolicyConfig::from_toml(&text).unwrap_err();
            assert_eq!(e.key, "ledger.witness_quorum", "{bad}: {e}");
        }
    }

    fn edited(from: &str, to: &str) -> PolicyFileError {
        let text = PolicyConfig::defaults().to_toml();
        assert!(text.contains(from), "{from} not in the default file");
        PolicyConfig::from_toml(&text.replacen(from, to, 1)).unwrap_err()
    }

    #[test]
    fn unknown_keys_are_errors_that_name_them() {
        let e = edited("[probing]\n", "[probing]\nrepeat_window_hours = 3\n");
        assert!(e.why.contains("repeat_window_hours"), "{e}");
        assert!(e.why.contains("line"), "{e}");
    }

    #[test]
    fn out_of_range_values_name_the_key() {
        assert_eq!(
            edited("order_age_days_min = 90", "order_age_days_min = 30").key,
            "subject.order_age_days_min"
        );
        assert_eq!(
            edited("approvals_large_batch = 2", "approvals_large_batch = 1").key,
            "holds.approvals_large_batch"
        );
        assert_eq!(
            edited("fanout_people_max = 4", "fanout_people_max = 0").key,
            "probing.fanout_people_max"
        );
        assert_eq!(
            edited(
                "false_confirmation_rate_max = 0.001",
                "false_confirmation_rate_max = 0.5"
            )
            .key,
            "matching.false_confirmation_rate_max"
        );
    }

    #[test]
    fn contradictions_and_unsupported_rules_are_refused() {
        assert_eq!(
            edited("address_window_days = 365", "address_window_days = 30").key,
            "probing.address_window_days"
        );
        assert_eq!(
            edited(
                "output_rule = \"confirm-only\"",
                "output_rule = \"disclose-address\""
            )
            .key,
            "output_rule"
        );
        assert_eq!(
            edited(
                "statute_allow_list = [\"8 U.S.C. 1253(a)(1)\"]",
                "statute_allow_list = []"
            )
            .key,
            "request.statute_allow_list"
        );
    }

    /// `holds.X = <value>` in the default file, parsed.
    fn with_holds(key: &str, value: u64) -> Result<PolicyConfig, PolicyFileError> {
        let text = PolicyConfig::defaults().to_toml();
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("{key} not in the default file"));
        PolicyConfig::from_toml(&text.replacen(line, &format!("{key} = {value}"), 1))
    }

    #[test]
    fn large_batch_threshold_may_be_the_largest_lawful_batch_and_no_more() {
        let max = vouch_core::limits::BATCH_SUBJECTS_MAX;
        let p = with_holds("large_batch_subjects_min", max).unwrap();
        assert_eq!(p.large_batch_subjects_min, max);
        assert_eq!(p.approvals_required(max), p.approvals_large_batch);
        let e = with_holds("large_batch_subjects_min", max + 1).unwrap_err();
        assert_eq!(e.key, "holds.large_batch_subjects_min");
        assert!(e.why.contains(&format!("..={max}")), "{e}");
    }

    #[test]
    fn a_large_batch_may_need_as_many_approvals_as_a_batch_records_and_no_more() {
        let max = vouch_core::limits::APPROVALS_MAX as u64;
        let p = with_holds("approvals_large_batch", max).unwrap();
        assert_eq!(u64::from(p.approvals_large_batch), max);
        let e = with_holds("approvals_large_batch", max + 1).unwrap_err();
        assert_eq!(e.key, "holds.approvals_large_batch");
        assert!(e.why.contains(&format!("..={max}")), "{e}");
    }

    #[test]
    fn every_version_is_policy_version_bytes_long() {
        let mut p = PolicyConfig::defaults();
        assert_eq!(p.version().len(), POLICY_VERSION_BYTES);
        p.name = "x".repeat(128);
        p.statute_allow_list = vec!["y".repeat(1000); 20];
        assert_eq!(p.version().len(), POLICY_VERSION_BYTES);
    }

    #[test]
    fn a_missing_key_is_an_error() {
        let e = edited("lookback_years = 6\n", "");
        assert!(e.why.contains("lookback_years"), "{e}");
    }
}
