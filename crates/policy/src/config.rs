//! The policy's limits and windows, with the defaults of policy.md.
//!
//! The versioned TOML policy file of a later stage fills this struct; until
//! then the defaults are the active policy, and the version names them.

use sha2::{Digest, Sha256};

/// Every tunable of the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyConfig {
    /// Non-tax federal criminal statutes a request may rely on.
    pub statute_allow_list: Vec<String>,
    /// How many tax years back a request may ask about.
    pub lookback_years: i32,
    /// Oldest acceptable Safeguard Security Report approval, in days.
    pub ssr_age_days_max: i64,
    /// Days a final order must precede `submitted_at`.
    pub order_age_days_min: i64,
    /// Relevance text repeated on more subjects than this holds the batch.
    pub boilerplate_subjects_max: usize,
    /// A recipient named for more distinct case numbers than this holds the batch.
    pub recipient_cases_max: usize,
    /// Batches larger than this need `approvals_large_batch` approvals.
    pub large_batch_subjects_min: u64,
    /// Approvals a large batch needs (by different officers).
    pub approvals_large_batch: u32,
    /// Whose address counts: the latest return within the requested periods.
    pub address_rule: AddressRule,
}

/// Which return's address a confirmation is judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressRule {
    /// The address on the latest return within the requested taxable periods.
    LatestInPeriods,
}

impl PolicyConfig {
    /// The defaults of policy.md.
    pub fn defaults() -> PolicyConfig {
        PolicyConfig {
            statute_allow_list: vec!["8 U.S.C. 1253(a)(1)".to_string()],
            lookback_years: 6,
            ssr_age_days_max: 3 * 365,
            order_age_days_min: 90,
            boilerplate_subjects_max: 50,
            recipient_cases_max: 200,
            large_batch_subjects_min: 10_001,
            approvals_large_batch: 2,
            address_rule: AddressRule::LatestInPeriods,
        }
    }

    /// A canonical text of every value (what the version hashes).
    pub fn canonical_text(&self) -> String {
        format!(
            "output_rule = confirm-only\nstatute_allow_list = {:?}\nlookback_years = {}\nssr_age_days_max = {}\n\
             order_age_days_min = {}\nboilerplate_subjects_max = {}\nrecipient_cases_max = {}\n\
             large_batch_subjects_min = {}\napprovals_large_batch = {}\naddress_rule = {:?}\n",
            self.statute_allow_list,
            self.lookback_years,
            self.ssr_age_days_max,
            self.order_age_days_min,
            self.boilerplate_subjects_max,
            self.recipient_cases_max,
            self.large_batch_subjects_min,
            self.approvals_large_batch,
            self.address_rule,
        )
    }

    /// The version every lookup records: a name plus a hash of the values,
    /// so two different policies can never share a version.
    pub fn version(&self) -> String {
        let h = Sha256::digest(self.canonical_text().as_bytes());
        format!("policy-1+{}", &hex::encode(h)[..12])
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
