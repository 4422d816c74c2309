//! Limits of different crates that constrain one another, tied at compile
//! time.
//!
//! A batch within vouch-core's limits (enforced at intake) is lawful, and a
//! lawful batch must fit every stage it passes through: a limit further down
//! that is smaller would let it pass intake and matching, then fail at the
//! ledger. vouch-ledger depends on no other vouch crate by design, so each
//! relation between its limits and the others is asserted here, in the
//! lowest crate that sees both sides. Nothing here is enforced at run time:
//! a change to either side that breaks a relation does not compile.

use vouch_core::limits;
use vouch_ledger::leaf;
use vouch_ledger::ledger::BATCH_LEAVES_MAX;

// A request's lookups are appended in one `Ledger::append_batch` call, one
// leaf per subject: the largest lawful batch must be one append.
const _: () = assert!(limits::BATCH_SUBJECTS_MAX <= BATCH_LEAVES_MAX as u64);

// A leaf carries the request id and the subject's reference, both bounded
// by vouch-core's ID_BYTES_MAX at intake (request.json, subjects.csv).
const _: () = assert!(limits::ID_BYTES_MAX <= leaf::ID_BYTES_MAX);

// A leaf names every officer who approved the batch: at most APPROVALS_MAX
// of them (the service and the CLI record no more), each an official's id,
// bounded by ID_BYTES_MAX when the official is registered.
const _: () = assert!(limits::APPROVALS_MAX <= leaf::APPROVERS_MAX);
const _: () = assert!(limits::ID_BYTES_MAX <= leaf::LABEL_BYTES_MAX);

// A leaf records the policy and model versions (labels): every version the
// policy writes, and every one a loaded index may carry, must fit.
const _: () = assert!(vouch_policy::config::POLICY_VERSION_BYTES <= leaf::LABEL_BYTES_MAX);
const _: () = assert!(vouch_match::model::MODEL_VERSION_BYTES_MAX <= leaf::LABEL_BYTES_MAX);

#[cfg(test)]
mod tests {
    use super::*;
    use vouch_ledger::{LeafOutcome, LeafRecord};

    // The synthetic generator makes requests for tests and demos: they must
    // be lawful batches over lawful masters.
    const _: () = assert!(vouch_synth::SUBJECTS_MAX <= limits::BATCH_SUBJECTS_MAX);
    const _: () = assert!(vouch_synth::MASTER_ROWS_MAX <= limits::MASTER_ROWS_MAX);

    #[test]
    fn the_largest_lawful_batch_is_one_ledger_append() {
        let lawful = usize::try_from(limits::BATCH_SUBJECTS_MAX).unwrap();
        vouch_ledger::ledger::check_batch_len(lawful).unwrap();
    }

    #[test]
    fn a_leaf_of_the_longest_lawful_fields_encodes_and_decodes() {
        let id = |c: char| c.to_string().repeat(limits::ID_BYTES_MAX);
        let mut model = vouch_match::Model::default();
        model.m[0][0] = 0.79;
        let leaf = LeafRecord {
            request_id: id('r'),
            subject_ref: id('s'),
            outcome: LeafOutcome::Confirmed,
            time_unix_ms: u64::MAX,
            policy_version: vouch_policy::PolicyConfig::defaults().version(),
            model_version: vouch_match::model::derived_version(&model),
            approvers: (0..limits::APPROVALS_MAX)
                .map(|i| format!("{i}{}", "o".repeat(limits::ID_BYTES_MAX - 1)))
                .collect(),
            tin_hmac: Some([7; 32]),
            approvals_sha256: Some([8; 32]),
        };
        assert_eq!(
            leaf.model_version.len(),
            vouch_match::model::MODEL_VERSION_BYTES_MAX
        );
        let bytes = leaf.encode().unwrap();
        assert!(bytes.len() <= leaf::LEAF_BYTES_MAX);
        assert_eq!(LeafRecord::decode(&bytes).unwrap(), leaf);
    }
}
