//! The confirm-only decision for one subject.
//!
//! CONFIRMED needs all of: a comparable address; exactly one taxpayer at
//! that address whose name is compatible with the subject's (same surname
//! and given name, a nickname counting as compatible; no conflicting date of
//! birth; no conflicting suffix); and that taxpayer's latest return within
//! the requested periods carries this address under a name that agrees
//! exactly, or through a nickname backed by the same date of birth. A
//! nickname alone never confirms: it may be a relative (JOHN at JACK's). Anything else is NOT_CONFIRMED, and the reason stays
//! internal (the audit record), never in the response.

use crate::index::{IndexRow, MasterIndex};
use crate::keys::{name_parts, suffix_code, AddressKey, NameAgreement, NameParts};
use time::Date;
use vouch_core::{Outcome, Tin};
use vouch_normalize::StandardName;

/// What the matcher knows of a subject.
#[derive(Debug, Clone)]
pub struct MatchQuery {
    /// Name parts: as given, and with the first and last fields swapped.
    pub names: Vec<NameParts>,
    /// Suffix code (0 = none).
    pub suffix: u8,
    /// Address key (`None`: not comparable).
    pub addr: Option<AddressKey>,
    /// Date of birth.
    pub dob: Option<Date>,
    /// Requested tax years.
    pub periods: Vec<u16>,
}

impl MatchQuery {
    /// Builds a query from a subject as received (the matcher standardises).
    pub fn from_subject(s: &vouch_core::Subject, dob: Option<Date>, periods: &[i32]) -> MatchQuery {
        let name = crate::keys::name(&s.first_name, &s.middle_name, &s.last_name, &s.suffix);
        let swapped = crate::keys::name(&s.last_name, &s.middle_name, &s.first_name, &s.suffix);
        let addr = crate::keys::address_key(&s.street, &s.city, &s.state, &s.zip);
        MatchQuery::new(&name, &swapped, addr, dob, periods)
    }

    /// Builds a query from the subject's fields.
    pub fn new(name: &StandardName, swapped: &StandardName, addr: Option<AddressKey>, dob: Option<Date>, periods: &[i32]) -> MatchQuery {
        let names = [name_parts(name), name_parts(swapped)].into_iter().flatten().collect();
        MatchQuery {
            names,
            suffix: suffix_code(name),
            addr,
            dob,
            periods: periods.iter().filter_map(|&y| u16::try_from(y).ok()).collect(),
        }
    }
}

/// Why the decision came out as it did (internal: audit and console only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionReason {
    /// The address could not be standardised into a comparable form.
    AddressNotComparable,
    /// Nobody with a compatible name filed at this address.
    NoCandidate,
    /// More than one taxpayer is compatible: never guess.
    Ambiguous,
    /// The one candidate agrees only through a nickname, without a date of
    /// birth to back it.
    NameEvidenceWeak,
    /// The one candidate filed no return in the requested periods.
    NoReturnInPeriods,
    /// The one candidate's latest return in the periods has another address.
    AddressNotLatest,
    /// Exactly one taxpayer, at this address on the latest return in the periods.
    Unique,
}

/// The matcher's answer for one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// CONFIRMED or NOT_CONFIRMED.
    pub outcome: Outcome,
    /// The matched taxpayer (CONFIRMED only), for the ledger's keyed hash.
    pub tin: Option<Tin>,
    /// Why.
    pub reason: DecisionReason,
    /// Distinct compatible taxpayers at the address.
    pub candidates: u32,
}

fn not_confirmed(reason: DecisionReason, candidates: u32) -> Decision {
    Decision { outcome: Outcome::NotConfirmed, tin: None, reason, candidates }
}

/// The strongest name agreement of a row with no conflicting suffix or DOB.
fn compatible(q: &MatchQuery, r: &IndexRow) -> Option<NameAgreement> {
    let suffix = q.suffix == 0 || r.suffix == 0 || q.suffix == r.suffix;
    let dob = match (q.dob, r.dob) {
        (Some(d), x) if x != 0 => d.to_julian_day() as u32 == x,
        _ => true,
    };
    if !(suffix && dob) {
        return None;
    }
    q.names.iter().filter_map(|n| n.agreement(&r.name)).max()
}

/// Whether a row's agreement is strong enough to confirm on.
fn confirms(q: &MatchQuery, r: &IndexRow) -> bool {
    match compatible(q, r) {
        Some(NameAgreement::Exact) => true,
        Some(NameAgreement::Nickname) => q.dob.is_some() && r.dob != 0,
        None => false,
    }
}

/// Decides one subject against the index.
pub fn decide(index: &MasterIndex, q: &MatchQuery) -> Decision {
    let Some(addr) = q.addr else { return not_confirmed(DecisionReason::AddressNotComparable, 0) };
    if q.names.is_empty() {
        return not_confirmed(DecisionReason::NoCandidate, 0);
    }
    // Rows at one address are sorted by TIN, so distinct TINs are runs.
    let mut tins = index.rows_at(addr).iter().filter(|r| compatible(q, r).is_some()).map(|r| r.tin);
    let Some(first) = tins.next() else { return not_confirmed(DecisionReason::NoCandidate, 0) };
    let others = tins.filter(|&t| t != first).count();
    if others > 0 {
        let mut distinct: Vec<u32> = index.rows_at(addr).iter().filter(|r| compatible(q, r).is_some()).map(|r| r.tin).collect();
        distinct.dedup();
        return not_confirmed(DecisionReason::Ambiguous, distinct.len() as u32);
    }
    let Some(tin) = Tin::from_u32(first) else { return not_confirmed(DecisionReason::NoCandidate, 0) };
    let in_periods: Vec<&IndexRow> = index.history(tin).filter(|r| q.periods.contains(&r.year)).collect();
    let Some(latest) = in_periods.iter().map(|r| r.year).max() else {
        return not_confirmed(DecisionReason::NoReturnInPeriods, 1);
    };
    let latest_here: Vec<&&IndexRow> = in_periods.iter().filter(|r| r.year == latest && r.addr == addr).collect();
    if latest_here.is_empty() {
        return not_confirmed(DecisionReason::AddressNotLatest, 1);
    }
    if !latest_here.iter().any(|r| confirms(q, r)) {
        return not_confirmed(DecisionReason::NameEvidenceWeak, 1);
    }
    Decision { outcome: Outcome::Confirmed, tin: Some(tin), reason: DecisionReason::Unique, candidates: 1 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexBuilder;
    use vouch_core::MasterRecord;

    fn rec(tin: &str, year: u16, first: &str, last: &str, suffix: &str, dob: Option<&str>, street: &str, zip: &str) -> MasterRecord {
        MasterRecord {
            tin: Tin::parse(tin).unwrap(),
            tax_year: year,
            first_name: first.into(),
            middle_name: String::new(),
            last_name: last.into(),
            suffix: suffix.into(),
            dob: dob.map(|d| Date::parse(d, &time::macros::format_description!("[year]-[month]-[day]")).unwrap()),
            street: street.into(),
            city: "Los Angeles".into(),
            state: "CA".into(),
            zip: zip.into(),
        }
    }

    fn index(rows: Vec<MasterRecord>) -> MasterIndex {
        let mut b = IndexBuilder::new();
        b.add_batch(&rows);
        b.finish()
    }

    fn ask(ix: &MasterIndex, first: &str, last: &str, suffix: &str, dob: Option<&str>, street: &str, zip: &str) -> Decision {
        let n = crate::keys::name(first, "", last, suffix);
        let sw = crate::keys::name(last, "", first, suffix);
        let addr = crate::keys::address_key(street, "Los Angeles", "CA", zip);
        let dob = dob.map(|d| Date::parse(d, &time::macros::format_description!("[year]-[month]-[day]")).unwrap());
        decide(ix, &MatchQuery::new(&n, &sw, addr, dob, &[2022, 2023, 2024]))
    }

    const A: &str = "1234 N Main St Apt 5";
    const B: &str = "77 Oak Avenue";

    #[test]
    fn a_unique_taxpayer_at_the_latest_address_is_confirmed_despite_formatting() {
        let ix = index(vec![rec("123456789", 2024, "José", "García López", "", None, A, "90012")]);
        let d = ask(&ix, "JOSE", "Garcia-Lopez", "", None, "1234 North Main Street #5", "90012-1234");
        assert_eq!(d.outcome, Outcome::Confirmed);
        assert_eq!(d.tin, Tin::parse("123456789"));
    }

    #[test]
    fn an_old_address_is_not_confirmed() {
        let ix = index(vec![
            rec("123456789", 2022, "Ann", "Lee", "", None, A, "90012"),
            rec("123456789", 2024, "Ann", "Lee", "", None, B, "90012"),
        ]);
        assert_eq!(ask(&ix, "Ann", "Lee", "", None, A, "90012").reason, DecisionReason::AddressNotLatest);
        assert_eq!(ask(&ix, "Ann", "Lee", "", None, B, "90012").outcome, Outcome::Confirmed);
    }

    #[test]
    fn jr_and_sr_without_suffix_or_dob_are_ambiguous_and_separated_by_either() {
        let ix = index(vec![
            rec("123456789", 2024, "Juan", "Perez", "SR", Some("1950-01-01"), A, "90012"),
            rec("223456789", 2024, "Juan", "Perez", "JR", Some("1980-01-01"), A, "90012"),
        ]);
        assert_eq!(ask(&ix, "Juan", "Perez", "", None, A, "90012").reason, DecisionReason::Ambiguous);
        assert_eq!(ask(&ix, "Juan", "Perez", "JR", None, A, "90012").tin, Tin::parse("223456789"));
        assert_eq!(ask(&ix, "Juan", "Perez", "", Some("1950-01-01"), A, "90012").tin, Tin::parse("123456789"));
    }

    #[test]
    fn a_conflicting_dob_vetoes() {
        let ix = index(vec![rec("123456789", 2024, "Ann", "Lee", "", Some("1970-05-05"), A, "90012")]);
        assert_eq!(ask(&ix, "Ann", "Lee", "", Some("1971-05-05"), A, "90012").reason, DecisionReason::NoCandidate);
    }

    #[test]
    fn a_different_unit_or_house_number_is_another_address() {
        let ix = index(vec![rec("123456789", 2024, "Ann", "Lee", "", None, A, "90012")]);
        assert_eq!(ask(&ix, "Ann", "Lee", "", None, "1234 N Main St Apt 6", "90012").outcome, Outcome::NotConfirmed);
        assert_eq!(ask(&ix, "Ann", "Lee", "", None, "1243 N Main St Apt 5", "90012").outcome, Outcome::NotConfirmed);
        assert_eq!(ask(&ix, "Ann", "Lee", "", None, "1234 N Main St", "90012").outcome, Outcome::NotConfirmed);
    }

    #[test]
    fn returns_outside_the_periods_do_not_count() {
        let ix = index(vec![rec("123456789", 2020, "Ann", "Lee", "", None, A, "90012")]);
        assert_eq!(ask(&ix, "Ann", "Lee", "", None, A, "90012").reason, DecisionReason::NoReturnInPeriods);
    }

    #[test]
    fn a_nickname_confirms_only_with_a_matching_dob() {
        let ix = index(vec![rec("123456789", 2024, "Jack", "Brown", "", Some("1979-12-16"), A, "90012")]);
        assert_eq!(ask(&ix, "John", "Brown", "", None, A, "90012").reason, DecisionReason::NameEvidenceWeak);
        assert_eq!(ask(&ix, "John", "Brown", "", Some("1979-12-16"), A, "90012").outcome, Outcome::Confirmed);
        assert_eq!(ask(&ix, "Jack", "Brown", "", None, A, "90012").outcome, Outcome::Confirmed);
    }

    #[test]
    fn a_hyphenated_given_name_is_a_competitor_of_the_joined_one() {
        let ix = index(vec![
            rec("123456789", 2024, "Sung-Min", "Lee", "SR", Some("1954-01-19"), A, "90012"),
            rec("223456789", 2024, "Sungmin", "Lee", "JR", Some("1992-11-03"), A, "90012"),
        ]);
        assert_eq!(ask(&ix, "SUNGMIN", "LEE", "", None, A, "90012").reason, DecisionReason::Ambiguous);
    }

    #[test]
    fn swapped_fields_and_dropped_second_surname_still_match() {
        let ix = index(vec![rec("123456789", 2024, "Maria", "Garcia Lopez", "", None, A, "90012")]);
        assert_eq!(ask(&ix, "Garcia Lopez", "Maria", "", None, A, "90012").outcome, Outcome::Confirmed);
        assert_eq!(ask(&ix, "Maria", "Garcia", "", None, A, "90012").outcome, Outcome::Confirmed);
    }
}
