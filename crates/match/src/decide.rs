//! The confirm-only decision for one subject.
//!
//! Candidates come from several independent blocks (the exact address, ZIP5
//! with the phonetic surname, date of birth with the given initial, ZIP3
//! with both phonetic names); each candidate taxpayer is scored with the
//! Fellegi-Sunter model over its whole history. CONFIRMED needs all of:
//! the best candidate is not vetoed (conflicting date of birth or suffix),
//! scores at least the threshold, and its latest return within the
//! requested periods carries the subject's delivery point (the standardised
//! address exactly, or its street a keying error apart: `point_of`), and
//! no return of the periods as late as that one is unreadable;
//! no other candidate comes within the margin (a competitor whose date of
//! birth or suffix is unknown is given the benefit of the doubt: it might
//! be the subject); and the name agreement is more than a nickname,
//! initial, variant or sound-alike unless the date of birth backs it.
//! Anything else is NOT_CONFIRMED; the reason and the explanation stay
//! internal (audit record, console), never in the response.

use crate::compare::fast::{codes, codes_equivalent, Codes};
use crate::compare::{
    address, dob, dob_level, given, given_level_by, short_substitution, streets_alike, suffix,
    suffix_level, surname, surname_level_by,
};
use crate::index::{IndexRow, MasterIndex, BLOCK_TINS_MAX};
use crate::keys::{block_keys, suffix_code, AddressKeys, NameTokens};
use crate::model::{Comparison, Model, Pattern};
use std::cell::OnceCell;
use std::fmt::Write as _;
use time::Date;
use vouch_core::{Outcome, Tin};
use vouch_normalize::StandardName;

/// Candidates kept per subject after scoring.
const TOP_KEPT: usize = 4;
/// Taxpayers read from one address, at most (a large building).
const ADDRESS_TINS_MAX: usize = 2_000;

/// What the matcher knows of a subject.
#[derive(Debug, Clone)]
pub struct MatchQuery {
    /// Name tokens as given (`None`: no usable name).
    pub name: Option<NameTokens>,
    /// Name tokens with the first and last fields swapped.
    pub swapped: Option<NameTokens>,
    /// Suffix code (0 = none).
    pub suffix: u8,
    /// Address keys (`None`: not comparable).
    pub addr: Option<AddressKeys>,
    /// Date of birth.
    pub dob: Option<Date>,
    /// Requested tax years.
    pub periods: Vec<u16>,
    /// The standardised address's match key, as the probing history keys
    /// it (`None`: not built from a subject as received).
    pub address_text: Option<String>,
    /// The subject's identity codes (`vouch_normalize::identity_codes`):
    /// a taxpayer whose own code is not among them is never confirmed, so
    /// the probing guard, which treats subjects sharing a code as one
    /// person, is at least as coarse as this matcher.
    pub identity: [vouch_normalize::IdentityCode; vouch_normalize::IDENTITY_CODES_MAX],
    /// The probing guard saw this name asked with another date of birth:
    /// confirm only on the date of birth on file.
    pub dob_required: bool,
    /// The street's words (`StandardAddress::street_words`) when the
    /// address has a delivery point: a return at that point whose street
    /// is a keying error apart names the same address. Empty: exact only.
    pub street_words: String,
    /// The policy's `unit_missing` setting: a subject who gave no unit is
    /// at the delivery point of a return at the same street address with
    /// one (the building). Off by default: NOT_CONFIRMED.
    pub unit_missing_ok: bool,
}

impl MatchQuery {
    /// Builds a query from a subject as received (the matcher standardises).
    pub fn from_subject(s: &vouch_core::Subject, dob: Option<Date>, periods: &[i32]) -> MatchQuery {
        let name = crate::keys::name(&s.first_name, &s.middle_name, &s.last_name, &s.suffix);
        let swapped = crate::keys::name(&s.last_name, &s.middle_name, &s.first_name, &s.suffix);
        let a = vouch_normalize::standardize_address(&s.street, &s.city, &s.state, &s.zip);
        let text = a.match_key();
        let addr = crate::keys::address_keys_of(&a, &text);
        let mut q = MatchQuery::new(&name, &swapped, addr, dob, periods);
        if addr.is_some_and(|k| k.point != 0) {
            q.street_words = a.street_words();
        }
        q.address_text = Some(text);
        q
    }

    /// Builds a query from the subject's standardised fields.
    pub fn new(
        name: &StandardName,
        swapped: &StandardName,
        addr: Option<AddressKeys>,
        dob: Option<Date>,
        periods: &[i32],
    ) -> MatchQuery {
        let usable = |n: &StandardName| Some(NameTokens::of(n)).filter(NameTokens::is_usable);
        let identity = vouch_normalize::identity_codes(
            &name.given,
            &name.middle,
            &name.surnames,
            &name.particles,
            &swapped.given,
            &swapped.surnames,
        );
        MatchQuery {
            identity,
            dob_required: false,
            unit_missing_ok: false,
            street_words: String::new(),
            address_text: None,
            name: usable(name),
            swapped: usable(swapped),
            suffix: suffix_code(name),
            addr,
            dob,
            periods: periods
                .iter()
                .filter_map(|&y| u16::try_from(y).ok())
                .collect(),
        }
    }

    fn dob_day(&self) -> u32 {
        self.dob.map_or(0, |d| d.to_julian_day().max(0) as u32)
    }
}

/// Why the decision came out as it did (internal: audit and console only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionReason {
    /// The address could not be standardised into a comparable form.
    AddressNotComparable,
    /// No candidate taxpayer (or every candidate vetoed).
    NoCandidate,
    /// More than one taxpayer within the margin: never guess.
    Ambiguous,
    /// The best candidate agrees by nickname, initial, variant or sound
    /// only, without a date of birth to back it.
    NameEvidenceWeak,
    /// The best candidate filed no return in the requested periods.
    NoReturnInPeriods,
    /// The best candidate's latest return in the periods has another address.
    AddressNotLatest,
    /// The best candidate's match weight is below the threshold.
    WeightBelowThreshold,
    /// Every candidate with this name is vetoed (conflicting DOB or suffix).
    Vetoed,
    /// The subject's name does not identify the taxpayer as the probing
    /// guard and history can see it: with the date of birth on file
    /// agreeing, the names are not alike (given names incompatible, or the
    /// surname more than a typo away); otherwise the taxpayer's identity
    /// code (given-name class, paternal surname sound) is not among the
    /// subject's. The matcher may not call them one.
    IdentityMismatch,
    /// The probing guard saw this name asked with another date of birth,
    /// and the taxpayer's date of birth on file is not the one asked.
    DobRequired,
    /// The taxpayer was asked about at another address within the probing
    /// window (found by the pipeline from the request history).
    AskedElsewhere,
    /// The best candidate filed a return in the periods, as late as the
    /// one at this address or later, that exists but cannot be read (its
    /// name or address unusable): where they lived then is unknown.
    LatestReturnUnreadable,
    /// Exactly one taxpayer, at this address on the latest return in the periods.
    Unique,
}

/// The match weight of the best candidate, term by term (a waterfall):
/// prior plus one weight per comparison. Internal: audit record only.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Explanation {
    /// Prior, log2 odds.
    pub prior: f32,
    /// Level per comparison, in [`crate::model::COMPARISONS`] order.
    pub levels: Pattern,
    /// Weight per comparison.
    pub weights: [f32; 5],
    /// Whether the surname weight is term-frequency adjusted.
    pub surname_tf: bool,
    /// Weight for swapped name fields (0 when not swapped).
    pub swap: f32,
    /// The match weight: prior, weights and `swap` summed, log2 odds; what
    /// the threshold and margin are compared with.
    pub total: f32,
    /// The runner-up's weight, as credited for the margin (NaN when none).
    pub runner_up: f32,
}

impl Explanation {
    /// One line per term, level names only: no personal data.
    pub fn describe(&self) -> String {
        let mut s = format!("prior {:+.2}", self.prior);
        for c in crate::model::COMPARISONS {
            let level = c
                .levels()
                .get(self.levels[c as usize] as usize)
                .copied()
                .unwrap_or("?");
            let tf = if c == Comparison::Surname && self.surname_tf {
                " (tf)"
            } else {
                ""
            };
            let _ = write!(
                s,
                "; {}={}{} {:+.2}",
                c.name(),
                level,
                tf,
                self.weights[c as usize]
            );
        }
        if self.swap != 0.0 {
            let _ = write!(s, "; name_fields=swapped {:+.2}", self.swap);
        }
        let _ = write!(
            s,
            "; total {:+.2}; runner-up {:+.2}",
            self.total, self.runner_up
        );
        s
    }
}

/// The matcher's answer for one subject.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// CONFIRMED or NOT_CONFIRMED.
    pub outcome: Outcome,
    /// The matched taxpayer (CONFIRMED only), for the ledger's keyed hash.
    pub tin: Option<Tin>,
    /// The matched taxpayer's first row in the index (CONFIRMED only), for
    /// reading their latest return again without a search
    /// ([`crate::MasterIndex::latest_name_at`]).
    pub row: Option<u32>,
    /// Which rule gave the outcome.
    pub reason: DecisionReason,
    /// Distinct non-vetoed taxpayers scoring within the margin of the threshold.
    pub candidates: u32,
    /// Blocks skipped because they held more than [`BLOCK_TINS_MAX`] taxpayers.
    pub blocks_capped: u8,
    /// The best candidate's weights (None when nobody was scored).
    pub explanation: Option<Explanation>,
}

impl Decision {
    /// This decision turned into NOT_CONFIRMED for `reason`.
    pub fn withheld(mut self, reason: DecisionReason) -> Decision {
        self.outcome = Outcome::NotConfirmed;
        self.tin = None;
        self.row = None;
        self.reason = reason;
        self
    }
}

fn not_confirmed(
    reason: DecisionReason,
    candidates: u32,
    capped: u8,
    ex: Option<Explanation>,
) -> Decision {
    Decision {
        outcome: Outcome::NotConfirmed,
        tin: None,
        row: None,
        reason,
        candidates,
        blocks_capped: capped,
        explanation: ex,
    }
}

/// One scored candidate taxpayer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored {
    pub(crate) tin: u32,
    /// The taxpayer's first index row.
    pub(crate) start: u32,
    pub(crate) levels: Pattern,
    pub(crate) weights: [f64; 5],
    pub(crate) surname_tf: bool,
    pub(crate) swapped: bool,
    /// The given names are a short one-letter substitution apart ([`short_substitution`]).
    pub(crate) short_typo: bool,
    pub(crate) has_period_return: bool,
    /// Its latest return is perhaps at the subject's delivery point (a
    /// keying error away: [`AtPoint::Backed`] without the taxpayer's own
    /// returns to back it, or [`AtPoint::Perhaps`]): scored at the point,
    /// so that it is a rival to whoever is, but never itself confirmed.
    pub(crate) unbacked: bool,
    /// The given names agree on their first token and may agree on the
    /// rest ([`middles_compatible`]).
    pub(crate) middle_compatible: bool,
    pub(crate) total: f64,
}

impl Scored {
    fn vetoed(&self) -> bool {
        self.levels[Comparison::Dob as usize] == dob::CONFLICT
            || self.levels[Comparison::Suffix as usize] == suffix::CONFLICT
    }

    /// The weight if every field this taxpayer left unknown had agreed:
    /// how close a competitor could really be.
    fn optimistic(&self, w: &Weights, q: &MatchQuery) -> f64 {
        let mut total = self.total;
        if q.dob.is_some() && self.levels[Comparison::Dob as usize] == dob::MISSING {
            total += (w.of(Comparison::Dob, dob::EXACT) - self.weights[Comparison::Dob as usize])
                .max(0.0);
        }
        if q.suffix != 0 && self.levels[Comparison::Suffix as usize] == suffix::MISSING {
            total += (w.of(Comparison::Suffix, suffix::AGREE)
                - self.weights[Comparison::Suffix as usize])
                .max(0.0);
        }
        // A middle name dropped or written as its initial (RAYMOND A for
        // RAYMOND ALLEN): the rival may be the very name asked.
        if self.middle_compatible {
            total += (w.of(Comparison::Given, given::EXACT)
                - self.weights[Comparison::Given as usize])
                .max(0.0);
        }
        total
    }

    /// Whether the name agreement identifies on its own (no DOB needed):
    /// exact or typo-level on both parts, never a nickname, initial,
    /// variant, sound-alike or the looser Jaro-Winkler band.
    fn name_strong(&self) -> bool {
        let g = self.levels[Comparison::Given as usize];
        let s = self.levels[Comparison::Surname as usize];
        if self.swapped {
            return matches!(g, given::EXACT | given::FIRST_TOKEN) && s == surname::EXACT;
        }
        let given_ok = matches!(g, given::EXACT | given::FIRST_TOKEN)
            || (g == given::JW_HIGH && !self.short_typo);
        given_ok && matches!(s, surname::EXACT | surname::PARTIAL | surname::JW_HIGH)
    }

    /// Whether the names agree at all: a given name or surname with
    /// nothing in common never confirms, whatever else agrees.
    fn name_related(&self) -> bool {
        self.levels[Comparison::Given as usize] != given::OTHER
            && self.levels[Comparison::Surname as usize] != surname::OTHER
    }

    fn explanation(&self, model: &Model, runner_up: f64) -> Explanation {
        Explanation {
            prior: model.prior() as f32,
            levels: self.levels,
            weights: self.weights.map(|w| w as f32),
            surname_tf: self.surname_tf,
            swap: if self.swapped {
                model.swap_weight as f32
            } else {
                0.0
            },
            total: self.total as f32,
            runner_up: runner_up as f32,
        }
    }
}

/// Candidate taxpayers (first rows) from every block, deduplicated; and blocks capped.
pub(crate) fn candidates(
    ix: &MasterIndex,
    q: &MatchQuery,
    addr: &AddressKeys,
    point: &Point,
) -> (Vec<u32>, u8) {
    let mut tins: Vec<u32> = Vec::with_capacity(64);
    let mut capped = 0u8;
    for &id in point.all() {
        tins.extend(ix.tins_at(id).take(ADDRESS_TINS_MAX));
    }
    for n in [&q.name, &q.swapped].into_iter().flatten() {
        for key in block_keys(n, q.dob_day(), addr.zip5).into_iter().flatten() {
            let b = ix.block(key);
            if b.len() > BLOCK_TINS_MAX {
                capped = capped.saturating_add(1);
                continue;
            }
            tins.extend(b.iter().copied());
        }
    }
    tins.sort_unstable();
    tins.dedup();
    (tins, capped)
}

/// The model's level weights, computed once per subject (no log2 per candidate).
pub(crate) struct Weights {
    level: [[f64; LEVELS_MAX]; 5],
    best: [f64; 5],
    prior: f64,
}

/// Most levels of any comparison.
const LEVELS_MAX: usize = 9;

impl Weights {
    pub(crate) fn from_model(m: &Model) -> Weights {
        let mut w = Weights {
            level: [[0.0; LEVELS_MAX]; 5],
            best: [f64::NEG_INFINITY; 5],
            prior: m.prior(),
        };
        for c in crate::model::COMPARISONS {
            for l in 0..c.levels().len().min(LEVELS_MAX) {
                let x = m.weight(c, l as u8);
                w.level[c as usize][l] = x;
                w.best[c as usize] = w.best[c as usize].max(x);
            }
        }
        w
    }

    fn of(&self, c: Comparison, level: u8) -> f64 {
        self.level[c as usize][level as usize]
    }
}

/// Per-subject scoring state: weights, name scores already computed (by
/// name id), a reused buffer for master names, and the subject's phonetic
/// codes (computed only if some comparison gets that far).
pub(crate) struct NameCache<'a> {
    seen: Vec<(u32, NameScore)>,
    buf: NameTokens<&'a str>,
    /// First given name and paternal surname, as given and swapped.
    codes: [OnceCell<Codes>; 4],
    pub(crate) w: Weights,
}

#[derive(Clone, Copy)]
struct NameScore {
    given: u8,
    surname: u8,
    weights: [f64; 2],
    tf: bool,
    swapped: bool,
    short_typo: bool,
    /// The first given tokens agree and the rest does not contradict
    /// (one side has no middle name, or one's is the other's initial):
    /// RAYMOND ALLEN and RAYMOND A may be one person.
    middle_compatible: bool,
    total: f64,
}

/// Whether the given names after the first (further given tokens, then
/// the middle name) of two names can be one person's: either side has
/// none, or the first of them agree, whole or as an initial.
fn middles_compatible<S: AsRef<str>, T: AsRef<str>>(a: &NameTokens<S>, b: &NameTokens<T>) -> bool {
    let rest_a = a
        .given
        .iter()
        .skip(1)
        .chain(&a.middle)
        .map(AsRef::as_ref)
        .next();
    let rest_b = b
        .given
        .iter()
        .skip(1)
        .chain(&b.middle)
        .map(AsRef::as_ref)
        .next();
    match (rest_a, rest_b) {
        (Some(x), Some(y)) => {
            x == y
                || (x.as_bytes().first() == y.as_bytes().first() && (x.len() == 1 || y.len() == 1))
        }
        _ => true,
    }
}

impl<'a> NameCache<'a> {
    pub(crate) fn new(ix: &MasterIndex) -> NameCache<'a> {
        NameCache {
            seen: Vec::with_capacity(32),
            buf: NameTokens::default(),
            codes: Default::default(),
            w: Weights::from_model(&ix.model),
        }
    }

    fn score(&mut self, ix: &'a MasterIndex, q: &MatchQuery, name: u32) -> NameScore {
        if let Some((_, s)) = self.seen.iter().find(|(id, _)| *id == name) {
            return *s;
        }
        let m = &ix.model;
        let (first_id, paternal_id) = ix.name_into(name, &mut self.buf);
        let c = &self.buf;
        let w = &self.w;
        let qcodes = &self.codes;
        let cand_codes = |id: Option<u32>| id.map_or([0, 0], |t| ix.token_codes(t));
        let mut best: Option<NameScore> = None;
        for (k, (swapped, n)) in [(false, &q.name), (true, &q.swapped)]
            .into_iter()
            .enumerate()
        {
            let Some(n) = n else { continue };
            let g = given_level_by(n, c, |a, _| {
                codes_equivalent(
                    *qcodes[2 * k].get_or_init(|| codes(a)),
                    cand_codes(first_id),
                )
            });
            let s = surname_level_by(n, c, |a, _| {
                codes_equivalent(
                    *qcodes[2 * k + 1].get_or_init(|| codes(a)),
                    cand_codes(paternal_id),
                )
            });
            let wg = w.of(Comparison::Given, g);
            let tf = s == surname::EXACT;
            let ws = if tf {
                m.surname_tf_weight(ix.surname_share(ix.surname_token(name)))
            } else {
                w.of(Comparison::Surname, s)
            };
            let total = wg + ws + if swapped { m.swap_weight } else { 0.0 };
            if best.is_none_or(|b| total > b.total) {
                let short_typo = matches!(g, given::JW_HIGH | given::JW_MID)
                    && short_substitution(n.first_given(), c.first_given());
                best = Some(NameScore {
                    given: g,
                    surname: s,
                    weights: [wg, ws],
                    tf,
                    swapped,
                    short_typo,
                    middle_compatible: g == given::FIRST_TOKEN && middles_compatible(n, c),
                    total,
                });
            }
        }
        let s = best.unwrap_or(NameScore {
            given: given::OTHER,
            surname: surname::OTHER,
            weights: [0.0; 2],
            tf: false,
            swapped: false,
            short_typo: false,
            middle_compatible: false,
            total: f64::MIN,
        });
        self.seen.push((name, s));
        s
    }
}

/// The index's addresses that name the subject's delivery point.
#[derive(Debug, Clone, Default)]
pub(crate) struct Point {
    /// The exact address and, at the same delivery point, spellings of the
    /// street a keying error apart ([`streets_alike`]).
    all: Vec<u32>,
    /// How many of `all` are that (the rest are a second edit apart: they
    /// count only where the taxpayer's own returns hold one of the first).
    strict: usize,
    /// The exact key of the subject's address without its unit (`None`:
    /// the subject gave no unit), computed when first needed.
    bare: OnceCell<Option<u128>>,
}

impl Point {
    fn all(&self) -> &[u32] {
        &self.all
    }
    fn strict(&self, addr: u32) -> bool {
        self.all[..self.strict].contains(&addr)
    }
    fn loose(&self, addr: u32) -> bool {
        self.all[self.strict..].contains(&addr)
    }
}

/// Address ids at most this many are compared at one delivery point.
const POINT_ADDRS_MAX: usize = 64;

/// The addresses naming the subject's delivery point. A spelling filed
/// from by two or more taxpayers in the ZIP is a street of its own: it
/// never stands for the subject's street when that one is a street too
/// (MAIN and MAINE), only for a spelling no one else uses (a typo).
pub(crate) fn point_of(ix: &MasterIndex, q: &MatchQuery, addr: &AddressKeys) -> Point {
    let exact = ix.addr_id(addr.exact);
    let mut strict: Vec<u32> = exact.into_iter().collect();
    let mut loose = Vec::new();
    if addr.point != 0 && !q.street_words.is_empty() {
        let at = ix.at_point(addr.point);
        let asked_is_street = || ix.street_taxpayers(addr.zip5, &q.street_words) >= 2;
        let mut asked_real: Option<bool> = None;
        for &id in at.iter().take(POINT_ADDRS_MAX) {
            if Some(id) == exact {
                continue;
            }
            let words = ix.street_of(id);
            let close = if streets_alike(&q.street_words, words, 0) {
                Some(true)
            } else if streets_alike(&q.street_words, words, 1) {
                Some(false)
            } else {
                None
            };
            let Some(strictly) = close else {
                continue;
            };
            if words != q.street_words
                && *asked_real.get_or_insert_with(asked_is_street)
                && ix.street_taxpayers(addr.zip5, words) >= 2
            {
                continue;
            }
            if strictly {
                strict.push(id);
            } else {
                loose.push(id);
            }
        }
    }
    let n = strict.len();
    strict.extend(loose);
    Point {
        all: strict,
        strict: n,
        bare: OnceCell::new(),
    }
}

/// How one return's address stands to the subject's delivery point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AtPoint {
    /// The point itself: the exact address, a street one keying error
    /// apart, the same address in the same city with its ZIP one digit
    /// off (where that street is no real one in the other ZIP), or, under
    /// the `unit_missing` setting, the same street address with a unit
    /// where the subject gave none.
    Strict,
    /// A keying error away on the return (a second street edit, one wrong
    /// ZIP digit with another city or none, the unit left out): the point
    /// only where the taxpayer's own returns hold it strictly.
    Backed,
    /// Perhaps the point (the same house and street with a unit where the
    /// subject gave none, or in a ZIP one digit off with another unit or
    /// where that street is real): never confirmed, a rival to whoever is.
    Perhaps,
}

/// Whether two ZIP5s differ in exactly one digit.
fn one_digit_apart(a: u32, b: u32) -> bool {
    let (mut a, mut b, mut diff) = (a, b, 0);
    for _ in 0..5 {
        diff += u32::from(a % 10 != b % 10);
        a /= 10;
        b /= 10;
    }
    diff == 1 && a == b
}

/// How the address `id` of a return stands to the subject's delivery
/// point (`None`: another place).
pub(crate) fn at_point(
    ix: &MasterIndex,
    q: &MatchQuery,
    addr: &AddressKeys,
    point: &Point,
    id: u32,
) -> Option<AtPoint> {
    if point.strict(id) {
        return Some(AtPoint::Strict);
    }
    if point.loose(id) {
        return Some(AtPoint::Backed);
    }
    if addr.point == 0 {
        return None;
    }
    let text = q.address_text.as_deref()?;
    let rec = ix.addr(id);
    if rec.building == addr.building {
        // The same ZIP, house number and street name; not the same address.
        let fields: Vec<&str> = text.split('|').collect();
        let subject_unit = fields.get(5).is_some_and(|f| !f.is_empty())
            || fields.get(6).is_some_and(|f| !f.is_empty());
        if !subject_unit {
            // The return has a unit (or another suffix) the subject left out.
            let same_street = ix.street_of(id) == q.street_words;
            return Some(if q.unit_missing_ok && same_street {
                AtPoint::Strict
            } else {
                AtPoint::Perhaps
            });
        }
        // The subject's unit left out on the return.
        let bare = *point.bare.get_or_init(|| {
            vouch_normalize::match_key_variant(text, None, true).map(|k| crate::keys::exact_key(&k))
        });
        return (bare == Some(rec.exact)).then_some(AtPoint::Backed);
    }
    if one_digit_apart(rec.zip5, addr.zip5) {
        let zip = format!("{:05}", rec.zip5);
        let same_city = addr.city != 0 && ix.city_of(id) == addr.city;
        let mut fields = text.split('|');
        let (house, name) = (fields.next()?, fields.nth(1)?);
        if rec.building != crate::keys::building_key(&zip, &format!("{house} {name}")) {
            // Another spelling of the street: in the subject's city, at the
            // same house, directionals and unit, a street a keying error
            // apart is the subject's point with its ZIP keyed wrong too
            // (each field's tolerance holds on its own).
            if !same_city || q.street_words.is_empty() {
                return None;
            }
            let words = ix.street_of(id);
            let at_house = vouch_normalize::delivery_point_variant(text, &zip)
                .is_some_and(|p| ix.at_point(crate::keys::point_key(&p)).contains(&id));
            if !at_house || !streets_alike(&q.street_words, words, 0) {
                return None;
            }
            // The asked spelling a street of the other ZIP, or both
            // spellings streets of their own ZIPs (MAIN and MAINE): another
            // place, perhaps.
            let real = ix.street_taxpayers(rec.zip5, &q.street_words) >= 2
                || (ix.street_taxpayers(addr.zip5, &q.street_words) >= 2
                    && ix.street_taxpayers(rec.zip5, words) >= 2);
            return Some(if real {
                AtPoint::Perhaps
            } else {
                AtPoint::Strict
            });
        }
        let same = vouch_normalize::match_key_variant(text, Some(&zip), false)
            .is_some_and(|k| crate::keys::exact_key(&k) == rec.exact);
        // A street of that spelling filed from by others in the other ZIP
        // is a real one there: the house may be another town's.
        let real = ix.street_taxpayers(rec.zip5, &q.street_words) >= 2;
        // In the same city as well, the ZIP is the one keyed wrong: a house
        // number on a street names one house in a town (ARCHITECTURE.md,
        // invariant 22).
        return Some(if same && !real && same_city {
            AtPoint::Strict
        } else if same && !real {
            AtPoint::Backed
        } else {
            AtPoint::Perhaps
        });
    }
    None
}

/// The address level of a taxpayer's history, and whether that level is
/// only perhaps the point (unbacked: a rival, never confirmed).
fn address_level(
    ix: &MasterIndex,
    q: &MatchQuery,
    rows: &[IndexRow],
    latest: Option<u16>,
    addr: &AddressKeys,
    point: &Point,
) -> (u8, bool) {
    let last_year = latest.or_else(|| rows.last().map(|r| r.year));
    let is_latest = |r: &&IndexRow| Some(r.year) == last_year;
    let here = |r: &&IndexRow| point.strict(r.addr);
    // A keying error on the latest return (a second street edit, a ZIP
    // digit, the unit left out) counts where the taxpayer's own returns
    // also hold the subject's point: a mistake on one return.
    if latest.is_some() {
        let mut perhaps = false;
        for r in rows.iter().filter(is_latest) {
            match at_point(ix, q, addr, point, r.addr) {
                Some(AtPoint::Strict) => return (address::EXACT_LATEST, false),
                Some(AtPoint::Backed) if rows.iter().any(|o| here(&o)) => {
                    return (address::EXACT_LATEST, false)
                }
                Some(_) => perhaps = true,
                None => {}
            }
        }
        if perhaps {
            return (address::EXACT_LATEST, true);
        }
    }
    let level = if rows.iter().any(|r| here(&r)) {
        address::EXACT_EARLIER
    } else if rows
        .iter()
        .filter(is_latest)
        .any(|r| ix.addr(r.addr).building == addr.building)
    {
        address::SAME_BUILDING
    } else if rows.iter().any(|r| ix.addr(r.addr).zip5 == addr.zip5) {
        address::SAME_ZIP
    } else {
        address::OTHER
    };
    (level, false)
}

/// The date-of-birth and suffix levels of a taxpayer's history against
/// the query (each over every row of the history, as [`history_level`]).
fn dob_and_suffix_levels(q: &MatchQuery, rows: &[IndexRow]) -> (u8, u8) {
    let qd = q.dob_day();
    let d = history_level(
        rows,
        |r| dob_level(qd, r.dob),
        dob::EXACT,
        dob::CONFLICT,
        dob::MISSING,
    );
    let sf = history_level(
        rows,
        |r| suffix_level(q.suffix, r.suffix),
        suffix::AGREE,
        suffix::CONFLICT,
        suffix::MISSING,
    );
    (d, sf)
}

/// Agreement over a taxpayer's history: agree if any row agrees, conflict
/// if some row is known and none agrees, missing otherwise.
fn history_level(
    rows: &[IndexRow],
    field: impl Fn(&IndexRow) -> u8,
    agree: u8,
    conflict: u8,
    missing: u8,
) -> u8 {
    let levels = rows.iter().map(field);
    let mut out = missing;
    for l in levels {
        if l == agree {
            return agree;
        }
        if l == conflict {
            out = conflict;
        }
    }
    out
}

/// Scores one candidate taxpayer against the subject.
pub(crate) fn score<'a>(
    ix: &'a MasterIndex,
    q: &MatchQuery,
    start: u32,
    addr: &AddressKeys,
    point: &Point,
    cache: &mut NameCache<'a>,
) -> Option<Scored> {
    let rows = ix.history_at(start);
    let tin = rows.first()?.tin;
    let m = &ix.model;
    let latest = rows
        .iter()
        .filter(|r| q.periods.contains(&r.year))
        .map(|r| r.year)
        .max();
    let mut name: Option<NameScore> = None;
    for r in rows {
        let s = cache.score(ix, q, r.name);
        if name.is_none_or(|b| s.total > b.total) {
            name = Some(s);
        }
    }
    let name = name?;
    let (d, sf) = dob_and_suffix_levels(q, rows);
    let (a, unbacked) = address_level(ix, q, rows, latest, addr, point);
    let levels: Pattern = [name.given, name.surname, d, sf, a];
    let w = &cache.w;
    let weights = [
        name.weights[0],
        name.weights[1],
        w.of(Comparison::Dob, d),
        w.of(Comparison::Suffix, sf),
        w.of(Comparison::Address, a),
    ];
    let swap = if name.swapped { m.swap_weight } else { 0.0 };
    let total = w.prior + weights.iter().sum::<f64>() + swap;
    Some(Scored {
        tin,
        start,
        levels,
        weights,
        surname_tf: name.tf,
        swapped: name.swapped,
        short_typo: name.short_typo,
        has_period_return: latest.is_some(),
        unbacked,
        middle_compatible: name.middle_compatible,
        total,
    })
}

/// Every candidate of a subject, scored (vetoed ones included).
pub(crate) fn score_all(ix: &MasterIndex, q: &MatchQuery) -> Option<(Vec<Scored>, u8)> {
    let addr = q.addr.as_ref()?;
    q.name.as_ref()?;
    let point = point_of(ix, q, addr);
    let (tins, capped) = candidates(ix, q, addr, &point);
    let mut cache = NameCache::new(ix);
    let scored = tins
        .iter()
        .filter_map(|&t| score(ix, q, t, addr, &point, &mut cache))
        .collect();
    Some((scored, capped))
}

/// An upper bound of a candidate's optimistic weight without comparing
/// names letter by letter: the best name weight the model allows (the
/// surname's term-frequency weight included), plus the other fields as
/// they are, unknown ones credited as agreeing.
fn bound(
    ix: &MasterIndex,
    q: &MatchQuery,
    start: u32,
    addr: &AddressKeys,
    point: &Point,
    w: &Weights,
) -> f64 {
    let m = &ix.model;
    let rows = ix.history_at(start);
    let latest = rows
        .iter()
        .filter(|r| q.periods.contains(&r.year))
        .map(|r| r.year)
        .max();
    let best_level = |c: Comparison| w.best[c as usize];
    // The term-frequency weight falls as the surname's share rises: the
    // rarest surname of the history gives the largest one.
    let rarest = ix.rarest_surname_tins(start, rows.len()).unwrap_or(0);
    let surname = best_level(Comparison::Surname).max(m.surname_tf_weight(ix.share_of(rarest)));
    let (d, sf) = dob_and_suffix_levels(q, rows);
    let dw = if d == dob::MISSING {
        best_level(Comparison::Dob)
    } else {
        w.of(Comparison::Dob, d)
    };
    let sw = if sf == suffix::MISSING {
        best_level(Comparison::Suffix)
    } else {
        w.of(Comparison::Suffix, sf)
    };
    let (a, _) = address_level(ix, q, rows, latest, addr, point);
    w.prior
        + best_level(Comparison::Given)
        + surname
        + dw.max(0.0)
        + sw.max(0.0)
        + w.of(Comparison::Address, a)
}

/// Scores the taxpayers who filed from the subject's address, then the
/// candidates of the other blocks that could come within the margin of
/// the best of them that could be confirmed; when none could, those whose
/// latest return could be bridged to the point (`may_bridge`: a return
/// keyed with a ZIP digit off in the subject's city is not at the point's
/// key) and, if one of them could be confirmed, every other within the
/// margin of it (the rest cannot change the outcome: pruning is exact).
fn score_pruned<'a>(
    ix: &'a MasterIndex,
    q: &MatchQuery,
    addr: &AddressKeys,
    cache: &mut NameCache<'a>,
) -> (Vec<Scored>, u8) {
    let point = point_of(ix, q, addr);
    let mut at: Vec<u32> = Vec::new();
    for &id in point.all() {
        at.extend(
            ix.tins_at(id)
                .take(ADDRESS_TINS_MAX - at.len().min(ADDRESS_TINS_MAX)),
        );
    }
    at.sort_unstable();
    at.dedup();
    let mut scored: Vec<Scored> = at
        .iter()
        .filter_map(|&t| score(ix, q, t, addr, &point, cache))
        .collect();
    let best = scored
        .iter()
        .filter(|s| confirmable(s))
        .map(|s| s.total)
        .fold(f64::NEG_INFINITY, f64::max);
    let nobody = best == f64::NEG_INFINITY;
    let (tins, capped) = candidates(ix, q, addr, &point);
    if !nobody {
        let floor = best - ix.model.margin;
        for t in tins {
            if at.binary_search(&t).is_ok() || bound(ix, q, t, addr, &point, &cache.w) < floor {
                continue;
            }
            scored.extend(score(ix, q, t, addr, &point, cache));
        }
        return (scored, capped);
    }
    // Nobody confirmable at the point: only a candidate whose latest return
    // no point lookup finds can still be confirmed (a ZIP digit off in the
    // subject's city; under the `unit_missing` setting, a unit the subject
    // left out: `may_bridge`, a cheap look at that return); and if one can,
    // its rivals are every other candidate within the margin of it.
    let mut others: Vec<u32> = Vec::new();
    for t in tins {
        if at.binary_search(&t).is_ok() {
            continue;
        }
        if may_bridge(ix, q, addr, t) {
            scored.extend(score(ix, q, t, addr, &point, cache));
        } else {
            others.push(t);
        }
    }
    let best = scored
        .iter()
        .filter(|s| confirmable(s))
        .map(|s| s.total)
        .fold(f64::NEG_INFINITY, f64::max);
    if best > f64::NEG_INFINITY {
        let floor = best - ix.model.margin;
        for t in others {
            if bound(ix, q, t, addr, &point, &cache.w) >= floor {
                scored.extend(score(ix, q, t, addr, &point, cache));
            }
        }
    }
    (scored, capped)
}

/// Whether the latest return in the periods of the taxpayer whose first
/// row is `start` could name the subject's point though no return is at
/// its key (`at_point`): a ZIP one digit off in the subject's city, or,
/// under the `unit_missing` setting, the same building. A necessary
/// condition only, read from the return's address record alone.
fn may_bridge(ix: &MasterIndex, q: &MatchQuery, addr: &AddressKeys, start: u32) -> bool {
    let rows = ix.history_at(start);
    let Some(latest) = rows
        .iter()
        .filter(|r| q.periods.contains(&r.year))
        .map(|r| r.year)
        .max()
    else {
        return false;
    };
    rows.iter().filter(|r| r.year == latest).any(|r| {
        let a = ix.addr(r.addr);
        (q.unit_missing_ok && a.building == addr.building)
            || (addr.city != 0
                && one_digit_apart(a.zip5, addr.zip5)
                && ix.city_of(r.addr) == addr.city)
    })
}

/// Whether a scored candidate could be the one confirmed (the delivery
/// point on its latest return, not vetoed).
fn confirmable(s: &Scored) -> bool {
    !s.vetoed() && !s.unbacked && s.levels[Comparison::Address as usize] == address::EXACT_LATEST
}

/// Decides one subject against the index.
pub fn decide(ix: &MasterIndex, q: &MatchQuery) -> Decision {
    let Some(addr) = q.addr.as_ref() else {
        return not_confirmed(DecisionReason::AddressNotComparable, 0, 0, None);
    };
    if q.name.is_none() {
        return not_confirmed(DecisionReason::NoCandidate, 0, 0, None);
    }
    let mut cache = NameCache::new(ix);
    let (scored, capped) = score_pruned(ix, q, addr, &mut cache);
    let m = &ix.model;
    let w = &cache.w;
    let vetoed = scored.iter().filter(|s| s.vetoed()).count();
    // Taxpayers at the subject's delivery point with the subject's surname
    // and a given name near the subject's (a nickname, a typo, a sound, an
    // initial): a household whose members' names the subject's could be.
    let kin: Vec<u32> = scored
        .iter()
        .filter(|s| {
            s.levels[Comparison::Address as usize] <= address::EXACT_EARLIER
                && s.levels[Comparison::Surname as usize] == surname::EXACT
                && s.levels[Comparison::Given as usize] != given::OTHER
        })
        .map(|s| s.tin)
        .collect();
    let mut live: Vec<(f64, Scored)> = scored
        .into_iter()
        .filter(|s| !s.vetoed())
        .map(|s| (s.total, s))
        .collect();
    // Equal weights (the model may credit a nickname or a typo as much as
    // the exact name): the closer name first, then the TIN, so that the
    // exact name is the one judged against its rivals.
    let closeness = |s: &Scored| {
        (
            s.levels[Comparison::Given as usize],
            s.levels[Comparison::Surname as usize],
        )
    };
    live.sort_unstable_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(closeness(&a.1).cmp(&closeness(&b.1)))
            .then(a.1.tin.cmp(&b.1.tin))
    });
    live.truncate(TOP_KEPT);
    let Some(&(_, best)) = live.first() else {
        let reason = if vetoed > 0 {
            DecisionReason::Vetoed
        } else {
            DecisionReason::NoCandidate
        };
        return not_confirmed(reason, 0, capped, None);
    };
    // The subject's exact name (standardised) at their exact delivery
    // point on the latest return: relatives at that address whose given
    // names are a nickname, a typo or a sound apart (JAMES, JAMIE, JAMEL)
    // are other people, not rivals: the requester wrote this one's name.
    // A rival is anyone the written name could equally be: the same name,
    // a first token, an initial or a cross token.
    let exact_at_point = !best.swapped
        && !best.unbacked
        && best.levels[Comparison::Given as usize] == given::EXACT
        && best.levels[Comparison::Surname as usize] == surname::EXACT
        && best.levels[Comparison::Address as usize] == address::EXACT_LATEST;
    // A namesake in another apartment of the building (both units given)
    // or on another street of that name (MAIN ST, MAIN AVE) lives at
    // another delivery point: no more a rival than a namesake elsewhere.
    let rival = |s: &Scored| {
        if !exact_at_point {
            return true;
        }
        match s.levels[Comparison::Address as usize] {
            address::SAME_BUILDING => false,
            address::EXACT_LATEST => matches!(
                s.levels[Comparison::Given as usize],
                given::EXACT | given::FIRST_TOKEN | given::INITIAL | given::CROSS_TOKEN
            ),
            _ => true,
        }
    };
    let runner_up = live
        .iter()
        .skip(1)
        .filter(|(_, s)| rival(s))
        .map(|(_, s)| s.optimistic(w, q))
        .fold(f64::NEG_INFINITY, f64::max);
    let ex = Some(best.explanation(m, runner_up));
    let near = live
        .iter()
        .filter(|(w, _)| *w >= m.threshold - m.margin)
        .count() as u32;
    let fail = |reason| not_confirmed(reason, near, capped, ex);
    if runner_up > best.total - m.margin {
        return fail(DecisionReason::Ambiguous);
    }
    // A given name that is not the taxpayer's exactly (a nickname, a typo,
    // an initial) in a household of that surname, without the date of
    // birth to say which member: it could be a relative's name mistyped.
    let given_exact = matches!(
        best.levels[Comparison::Given as usize],
        given::EXACT | given::FIRST_TOKEN
    );
    if !given_exact
        && best.levels[Comparison::Dob as usize] != dob::EXACT
        && kin.iter().any(|&t| t != best.tin)
    {
        return fail(DecisionReason::Ambiguous);
    }
    if best.levels[Comparison::Address as usize] != address::EXACT_LATEST || best.unbacked {
        return fail(if best.has_period_return {
            DecisionReason::AddressNotLatest
        } else {
            DecisionReason::NoReturnInPeriods
        });
    }
    // A return that exists but cannot be read, as late as the one at this
    // address or later: where the taxpayer lived then is unknown.
    let latest_year = ix
        .history_at(best.start)
        .iter()
        .filter(|r| q.periods.contains(&r.year))
        .map(|r| r.year)
        .max();
    if latest_year.is_some_and(|y| ix.unreadable_since(best.tin, y, &q.periods)) {
        return fail(DecisionReason::LatestReturnUnreadable);
    }
    if best.total < m.threshold {
        return fail(DecisionReason::WeightBelowThreshold);
    }
    if !best.name_related()
        || (!best.name_strong() && best.levels[Comparison::Dob as usize] != dob::EXACT)
    {
        return fail(DecisionReason::NameEvidenceWeak);
    }
    if q.dob_required && best.levels[Comparison::Dob as usize] != dob::EXACT {
        return fail(DecisionReason::DobRequired);
    }
    // Without a date of birth on file that agrees, the taxpayer's identity
    // code must be among the subject's (so the probing guard, keyed on
    // those codes, is at least as coarse as this decision). With one, the
    // name must be alike the taxpayer's (`MasterIndex::names_alike`: a
    // compatible given name, the surname at most a typo away), and the
    // pipeline compares every ask of this request and the earlier ones
    // with the taxpayer themself (`ProbeHistory::asked_elsewhere`), which
    // finds exactly the asks alike the taxpayer with their date of birth.
    // A name matched with its fields swapped counts through the swapped
    // codes (an exact agreement), or, beside the date of birth on file,
    // when alike the taxpayer's with its fields swapped back
    // (`MasterIndex::names_alike_swapped`, which the probing history also
    // compares, keyed).
    let slots = if best.swapped {
        &q.identity[vouch_normalize::IDENTITY_CODES_WRITTEN..]
    } else {
        &q.identity[..vouch_normalize::IDENTITY_CODES_WRITTEN]
    };
    let coded = || {
        ix.identity_code(best.start, best.swapped)
            .is_some_and(|c| slots.contains(&c))
    };
    let dob_agrees = best.levels[Comparison::Dob as usize] == dob::EXACT;
    let identified = if best.swapped {
        coded() || (dob_agrees && ix.names_alike_swapped(best.start, q))
    } else if dob_agrees {
        ix.names_alike(best.start, q)
    } else {
        coded() && ix.given_compatible(best.start, q)
    };
    if !identified {
        return fail(DecisionReason::IdentityMismatch);
    }
    // A namesake whose return on this street cannot be read (its ZIP or
    // house number keyed wrong) may live here too.
    let hidden = q.address_text.as_deref().is_some_and(|text| {
        ix.hidden_rival(
            text,
            &q.identity[..vouch_normalize::IDENTITY_CODES_WRITTEN],
            q.dob_day(),
            q.suffix,
            best.tin,
        )
    });
    if hidden {
        return fail(DecisionReason::Ambiguous);
    }
    let Some(tin) = Tin::from_u32(best.tin) else {
        return fail(DecisionReason::NoCandidate);
    };
    Decision {
        outcome: Outcome::Confirmed,
        tin: Some(tin),
        row: Some(best.start),
        reason: DecisionReason::Unique,
        candidates: near.max(1),
        blocks_capped: capped,
        explanation: ex,
    }
}

#[cfg(test)]
mod tests;
