//! Subject-level rules and batch holds.
//!
//! Every rule is checked for every subject and every failure is collected,
//! so a response row lists all of a subject's deficiencies. The address rule
//! uses the standardisation library: an address is acceptable only when it
//! parses into a complete US postal address, which is what makes
//! `Don't Care 12345` fail where a ZIP-pattern test passed it.

use crate::config::PolicyConfig;
use rayon::prelude::*;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use vouch_core::{HoldCode, ReasonCode, RequestLetter, Subject};
use vouch_normalize as norm;

/// Each subject's failed rules, in request order (empty: may be looked up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectChecks {
    /// Reason codes per subject.
    pub reasons: Vec<Vec<ReasonCode>>,
    /// Each subject's standardised address key (reused by the probing guard).
    pub address_keys: Vec<String>,
    /// Each subject's relevance and case-number hashes, as [`holds`] counts
    /// them (reused by [`holds_of`], so the texts are folded once).
    pub texts: Vec<TextHashes>,
}

/// A subject's relevance statement and case number, folded and hashed:
/// 0 for an empty statement, `None` for a case number that is missing or a
/// placeholder.
pub type TextHashes = (u64, Option<u64>);

impl SubjectChecks {
    /// Subjects that passed every rule.
    pub fn passed(&self) -> usize {
        self.reasons.iter().filter(|r| r.is_empty()).count()
    }
}

/// Placeholders that are not a name.
const NAME_PLACEHOLDERS: &[&str] = &[
    "UNKNOWN",
    "UNK",
    "NA",
    "N A",
    "NONE",
    "FNU",
    "LNU",
    "NFN",
    "NLN",
    "NMN",
    "XXX",
    "XX",
    "TEST",
    "NULL",
    "NOT PROVIDED",
    "NOT GIVEN",
    "NAME",
    "FIRST",
    "LAST",
    "DOE",
    "JOHN DOE",
    "JANE DOE",
    "ANONYMOUS",
    "REFUSED",
    "NO NAME",
    "NONAME",
    "TBD",
    "BABY",
    "INFANT",
];

/// Placeholders that are not a case number or a relevance statement.
const TEXT_PLACEHOLDERS: &[&str] = &[
    "NA",
    "N A",
    "NONE",
    "UNKNOWN",
    "TBD",
    "PENDING",
    "NULL",
    "TEST",
    "XXX",
    "0",
    "00",
    "000",
    "NIL",
    "SEE ABOVE",
    "SAME",
];

/// Checks every subject-level rule for every subject (in parallel).
pub fn check_subjects(
    letter: &RequestLetter,
    subjects: &[Subject],
    policy: &PolicyConfig,
) -> SubjectChecks {
    let submitted = letter.submitted_at;
    // Only people assigned to a subject's investigation may receive its
    // answer (the court's order of Nov 2025): by the letter's signed
    // assignments, each recipient's `cases` and the `cases_file`.
    let assigned = letter.assigned_cases();
    let checked: Vec<(Vec<ReasonCode>, String, TextHashes)> = subjects
        .par_iter()
        .map(|s| {
            let mut c = check_one(s, submitted, policy);
            if !c.0.contains(&ReasonCode::CaseNumberMissing)
                && !assigned.contains(s.case_number.trim())
            {
                c.0.push(ReasonCode::RecipientNotOnCase);
            }
            c
        })
        .collect();
    let mut reasons = Vec::with_capacity(checked.len());
    let mut address_keys = Vec::with_capacity(checked.len());
    let mut texts = Vec::with_capacity(checked.len());
    for (r, a, t) in checked {
        reasons.push(r);
        address_keys.push(a);
        texts.push(t);
    }
    mark_duplicates(subjects, &mut reasons);
    for r in &mut reasons {
        r.sort();
        r.dedup();
    }
    SubjectChecks {
        reasons,
        address_keys,
        texts,
    }
}

fn check_one(
    s: &Subject,
    submitted: OffsetDateTime,
    policy: &PolicyConfig,
) -> (Vec<ReasonCode>, String, TextHashes) {
    let mut out = Vec::new();
    if !name_present(&s.first_name) || !name_present(&s.last_name) {
        out.push(ReasonCode::NameMissing);
    }
    let address = norm::standardize_address(&s.street, &s.city, &s.state, &s.zip);
    let boxed = matches!(
        address.kind,
        norm::AddressKind::PoBox
            | norm::AddressKind::RuralRoute
            | norm::AddressKind::HighwayContract
    );
    if !address.is_complete() || (policy.residence_required && boxed) {
        out.push(ReasonCode::AddressIncomplete);
    }
    if !a_number_valid(&s.a_number) {
        out.push(ReasonCode::ANumberInvalid);
    }
    let today = submitted.date();
    match parse_date(&s.final_order_date).filter(|d| *d <= today) {
        None => out.push(ReasonCode::OrderDateMissing),
        Some(d) if (today - d).whole_days() < policy.order_age_days_min => {
            out.push(ReasonCode::OrderUnder90Days)
        }
        Some(_) => {}
    }
    let case = norm::fold(&s.case_number);
    let case_present = folded_text_present(&case, 3);
    if !case_present {
        out.push(ReasonCode::CaseNumberMissing);
    }
    let relevance = norm::fold(&s.relevance);
    if !folded_relevance_specific(&relevance) {
        out.push(ReasonCode::RelevanceMissing);
    }
    let texts = (
        if relevance.is_empty() {
            0
        } else {
            text_hash(&relevance)
        },
        case_present.then(|| text_hash(&case)),
    );
    if !s.dob.is_empty()
        && parse_date(&s.dob)
            .filter(|d| *d <= today && d.year() >= 1900)
            .is_none()
    {
        out.push(ReasonCode::DobInvalid);
    }
    if !s.tin.is_empty() && vouch_core::Tin::parse(&s.tin.replace('-', "")).is_none() {
        out.push(ReasonCode::TinInvalid);
    }
    (out, address.match_key(), texts)
}

fn name_present(raw: &str) -> bool {
    let folded = norm::fold(raw);
    let letters = folded.bytes().filter(|b| b.is_ascii_alphabetic()).count();
    letters >= 2 && !NAME_PLACEHOLDERS.contains(&folded.as_str())
}

fn folded_text_present(folded: &str, min_chars: usize) -> bool {
    folded.bytes().filter(u8::is_ascii_alphanumeric).count() >= min_chars
        && !TEXT_PLACEHOLDERS.contains(&folded)
}

fn folded_relevance_specific(folded: &str) -> bool {
    // "Specific" means at least a short sentence, not a word or a placeholder.
    folded_text_present(folded, 15) && folded.split(' ').count() >= 4
}

fn a_number_valid(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.first() == Some(&b'A') && (9..=10).contains(&b.len()) && b[1..].iter().all(u8::is_ascii_digit)
}

fn parse_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    (s.len() == 10).then(|| Date::parse(s, &fmt).ok()).flatten()
}

/// Rejects every copy of a person who appears more than once: the same
/// A-number, or the same standardised name and date of birth.
fn mark_duplicates(subjects: &[Subject], reasons: &mut [Vec<ReasonCode>]) {
    // Sorting (key, index) pairs finds every group without a map entry
    // (and an allocation) per subject.
    let mut a_numbers: Vec<(&str, usize)> = subjects
        .iter()
        .enumerate()
        .filter(|(_, s)| a_number_valid(&s.a_number))
        .map(|(i, s)| (s.a_number.as_str(), i))
        .collect();
    let name_keys: Vec<(String, usize)> = subjects
        .par_iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let d = parse_date(&s.dob)?;
            let name =
                norm::standardize_name(&s.first_name, &s.middle_name, &s.last_name, &s.suffix);
            Some((format!("{}|{d}", name.match_key()), i))
        })
        .collect();
    let mut names: Vec<(&str, usize)> = name_keys.iter().map(|(k, i)| (k.as_str(), *i)).collect();
    a_numbers.par_sort_unstable();
    names.par_sort_unstable();
    for sorted in [&a_numbers, &names] {
        for group in sorted.chunk_by(|x, y| x.0 == y.0).filter(|g| g.len() > 1) {
            for &(_, i) in group {
                reasons[i].push(ReasonCode::DuplicateSubject);
            }
        }
    }
}

fn text_hash(folded: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    folded.hash(&mut h);
    h.finish()
}

/// The holds a batch triggers (it then waits for a disclosure officer).
/// `earlier_subjects` is how many subjects the agency sent in the batches
/// it sent within the policy's `large_batch_window_days` before this one:
/// `LARGE_BATCH` counts them with this batch's, so splitting a batch does
/// not avoid the second approval.
///
/// Texts are compared by a 64-bit hash of their folded form: a collision can
/// only add a hold (a human look), never remove a rejection.
pub fn holds(
    letter: &RequestLetter,
    subjects: &[Subject],
    policy: &PolicyConfig,
    earlier_subjects: u64,
) -> Vec<HoldCode> {
    let hashed: Vec<TextHashes> = subjects
        .par_iter()
        .map(|s| {
            let relevance = norm::fold(&s.relevance);
            let relevance = if relevance.is_empty() {
                0
            } else {
                text_hash(&relevance)
            };
            // Only real case numbers count: a placeholder is already CASE_NUMBER_MISSING.
            let case = norm::fold(&s.case_number);
            (
                relevance,
                folded_text_present(&case, 3).then(|| text_hash(&case)),
            )
        })
        .collect();
    holds_of(letter, &hashed, policy, earlier_subjects)
}

/// [`holds`] from the texts [`check_subjects`] already hashed.
pub fn holds_of(
    letter: &RequestLetter,
    hashed: &[TextHashes],
    policy: &PolicyConfig,
    earlier_subjects: u64,
) -> Vec<HoldCode> {
    let mut out = Vec::new();
    let mut relevance: HashMap<u64, usize> = HashMap::new();
    for (r, _) in hashed {
        *relevance.entry(*r).or_default() += 1;
    }
    if relevance
        .iter()
        .any(|(&text, &n)| text != 0 && n > policy.boilerplate_subjects_max)
    {
        out.push(HoldCode::BoilerplateRelevance);
    }
    // Each recipient's distinct cases, by the letter's assignments.
    let mut caseload: HashMap<&str, std::collections::HashSet<&str>> = HashMap::new();
    for (r, c) in &letter.cases {
        caseload.entry(r.as_str()).or_default().insert(c.as_str());
    }
    if caseload
        .values()
        .any(|c| c.len() > policy.recipient_cases_max)
    {
        out.push(HoldCode::RecipientCaseload);
    }
    if policy.approvals_required(hashed.len() as u64 + earlier_subjects) > 1 {
        out.push(HoldCode::LargeBatch);
    }
    out
}

#[cfg(test)]
mod tests;
