//! Comparison levels: how one field of a subject agrees with the same field
//! of a master row, strongest level first (the Fellegi-Sunter gamma).
//!
//! Each function returns a level index into [`crate::model::Comparison`]'s
//! level list; it weighs nothing (see [`crate::model`]) and decides nothing
//! (see [`crate::decide`]).

use crate::keys::NameTokens;
use vouch_normalize::{are_nickname_equivalent, are_surname_variants, phonetic_equivalent};

/// Given-name levels.
pub mod given {
    /// Same whole given name (first and middle fields, or their joined form).
    pub const EXACT: u8 = 0;
    /// Same first given token.
    pub const FIRST_TOKEN: u8 = 1;
    /// Nickname-equivalent first tokens (`BILL` / `WILLIAM`).
    pub const NICKNAME: u8 = 2;
    /// Jaro-Winkler >= 0.94 or one edit (substitution, insertion, deletion,
    /// transposition) apart: a typo.
    pub const JW_HIGH: u8 = 3;
    /// Jaro-Winkler >= 0.88.
    pub const JW_MID: u8 = 4;
    /// A given token of one is among the other's given or middle tokens.
    pub const CROSS_TOKEN: u8 = 5;
    /// One first name is the other's initial.
    pub const INITIAL: u8 = 6;
    /// Same Double Metaphone code.
    pub const PHONETIC: u8 = 7;
    /// Nothing in common.
    pub const OTHER: u8 = 8;
    /// Level names, by index.
    pub const NAMES: [&str; 9] = [
        "exact",
        "first_token",
        "nickname",
        "typo_jw_0.94_or_one_edit",
        "jaro_winkler_0.88",
        "cross_token",
        "initial",
        "phonetic",
        "other",
    ];
}

/// Surname levels.
pub mod surname {
    /// Same compound (also joined, particles ignored, or tokens reordered).
    pub const EXACT: u8 = 0;
    /// Same paternal surname, or a token in common (a dropped second surname).
    pub const PARTIAL: u8 = 1;
    /// Jaro-Winkler >= 0.94 or one edit apart, on the joined surname or the paternal one.
    pub const JW_HIGH: u8 = 2;
    /// Jaro-Winkler >= 0.88.
    pub const JW_MID: u8 = 3;
    /// Romanisation variants (`LI` / `LEE`).
    pub const VARIANT: u8 = 4;
    /// Same Double Metaphone code on the paternal surname.
    pub const PHONETIC: u8 = 5;
    /// Nothing in common.
    pub const OTHER: u8 = 6;
    /// Level names, by index.
    pub const NAMES: [&str; 7] = [
        "exact",
        "partial",
        "typo_jw_0.94_or_one_edit",
        "jaro_winkler_0.88",
        "variant",
        "phonetic",
        "other",
    ];
}

/// Date-of-birth levels.
pub mod dob {
    /// Both known and equal.
    pub const EXACT: u8 = 0;
    /// Unknown on either side.
    pub const MISSING: u8 = 1;
    /// Both known and different: a hard veto.
    pub const CONFLICT: u8 = 2;
    /// Level names, by index.
    pub const NAMES: [&str; 3] = ["exact", "missing", "conflict"];
}

/// Generational suffix levels.
pub mod suffix {
    /// Both given and equal.
    pub const AGREE: u8 = 0;
    /// Absent on either side.
    pub const MISSING: u8 = 1;
    /// Both given and different (JR against SR): a hard veto.
    pub const CONFLICT: u8 = 2;
    /// Level names, by index.
    pub const NAMES: [&str; 3] = ["agree", "missing", "conflict"];
}

/// Address levels: the address is ONE comparison (field notes, Matching 9).
pub mod address {
    /// The subject's delivery point on the latest return within the
    /// periods: the standardised address exactly, or the same point with
    /// the street a keying error apart ([`super::streets_alike`]).
    pub const EXACT_LATEST: u8 = 0;
    /// The subject's delivery point on some other return (old, or outside the periods).
    pub const EXACT_EARLIER: u8 = 1;
    /// Same building (ZIP5, house number, street) on the latest return, another unit.
    pub const SAME_BUILDING: u8 = 2;
    /// Same ZIP5 on some return.
    pub const SAME_ZIP: u8 = 3;
    /// Nothing in common.
    pub const OTHER: u8 = 4;
    /// Level names, by index.
    pub const NAMES: [&str; 5] = [
        "exact_latest_in_period",
        "exact_other_return",
        "same_building_other_unit",
        "same_zip5",
        "other",
    ];
}

/// Whether two spellings of a street at one delivery point (same ZIP5,
/// house number, directionals and unit) are a keying error apart, as
/// [`street_words`](vouch_normalize::StandardAddress::street_words) writes
/// them (`NAME|SUFFIX`): equal; the one the other with up to two trailing
/// words added (a locality or building word: `TORRENS STREET` / `TORRENS
/// STREET PROMENADE ARCADE`, the shorter at least two words); otherwise two
/// different suffixes never; equal once spaces are dropped (`KAREELAHV
/// ISTA` / `KAREELAH VISTA`), or the one without a suffix the other's
/// name and suffix run together, split, or with the suffix mistyped
/// (`EYRESTREET`, `ANKAA P LACE`, `FOX PLNACE` / `FOX|PLACE`:
/// `suffix_run_in`); or within a few letter edits of the whole (suffix
/// included: `PERRY RIVE` / `PERRY|DRIVE`): one when both street names
/// have 5 letters or more, two from 14, plus `extra` (a second edit
/// the taxpayer's own earlier returns back). Digits never differ (`11TH`
/// is not `12TH`), and a name under 5 letters must agree exactly (`ELM` is
/// not `ELK`, `MAIN` not `MAINE`).
pub fn streets_alike(a: &str, b: &str, extra: usize) -> bool {
    if a == b {
        return !a.is_empty();
    }
    let (na, sa) = a.split_once('|').unwrap_or((a, ""));
    let (nb, sb) = b.split_once('|').unwrap_or((b, ""));
    if na.is_empty() || nb.is_empty() {
        return false;
    }
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    if digits(a) != digits(b) {
        return false;
    }
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| c.is_whitespace() || c == '|')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (wa, wb) = (words(a), words(b));
    let (short, long) = if wa.len() <= wb.len() {
        (&wa, &wb)
    } else {
        (&wb, &wa)
    };
    if short.len() >= 2 && long.len() - short.len() <= 2 && long.starts_with(short) {
        return true;
    }
    if !sa.is_empty() && !sb.is_empty() && sa != sb {
        return false;
    }
    let squash = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '|')
            .collect::<String>()
    };
    if sa == sb && squash(na) == squash(nb) {
        return true;
    }
    if sa.is_empty() != sb.is_empty()
        && suffix_run_in(if sa.is_empty() {
            (na, nb, sb)
        } else {
            (nb, na, sa)
        })
    {
        return true;
    }
    let shortest = squash(na).len().min(squash(nb).len());
    let budget = match shortest {
        0..=4 => return false,
        5..=13 => 1,
        _ => 2,
    } + extra;
    strsim::osa_distance(&squash(a), &squash(b)) <= budget
}

/// Whether a street written without a suffix (`bare`) is the other
/// spelling's name and suffix (`name`, `suffix` spelled out) run together
/// or split (`EYRESTREET`, `ANKAA P LACE`, `GOYDER ST REET`, which the
/// standardiser reads as `GOYDER SAINT REET`), or that name followed by a
/// word one keying error from that suffix and from no other
/// (`FOX PLNACE`, `NISH PACE`: [`vouch_normalize::suffix_mistyped_as`]).
/// The name itself must agree letter for letter.
fn suffix_run_in((bare, name, suffix): (&str, &str, &str)) -> bool {
    let letters = |s: &str, saint: bool| -> String {
        s.split_whitespace()
            .map(|w| if saint && w == "SAINT" { "ST" } else { w })
            .collect()
    };
    let whole = format!("{}{suffix}", letters(name, false));
    if letters(bare, false) == whole || letters(bare, true) == whole {
        return true;
    }
    bare.rsplit_once(' ').is_some_and(|(head, last)| {
        head == name && vouch_normalize::suffix_mistyped_as(last, suffix)
    })
}

const JW_HIGH: f64 = 0.94;
const JW_MID: f64 = 0.88;
/// Shorter tokens are not compared by Jaro-Winkler: one letter changes too much.
const JW_LEN_MIN: usize = 4;

pub(crate) mod fast;

/// Jaro-Winkler similarity, lifted to the high band when the two are one
/// edit apart (a 4-letter name with one substituted letter scores only
/// about 0.85).
fn jw(a: &str, b: &str) -> f64 {
    if a.len() < JW_LEN_MIN || b.len() < JW_LEN_MIN {
        return 0.0;
    }
    let sim = fast::jaro_winkler(a, b);
    if sim < JW_HIGH && a.len().abs_diff(b.len()) <= 1 && fast::within_one_edit(a, b) {
        return JW_HIGH;
    }
    sim
}

/// Given names this short are too close to other names for one substituted
/// letter alone to identify (`MARK` / `MARY`, `JOHN` / `JOAN`): such a typo
/// needs a date of birth.
pub const TYPO_SAFE_LEN_MIN: usize = 5;

/// Whether two given names differ by one substituted letter and one of
/// them is shorter than [`TYPO_SAFE_LEN_MIN`].
pub fn short_substitution(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.len() < TYPO_SAFE_LEN_MIN
        && a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count() == 1
}

fn all<S: AsRef<str>>(n: &NameTokens<S>) -> impl Iterator<Item = &str> + Clone {
    n.given.iter().chain(&n.middle).map(AsRef::as_ref)
}

/// Whether two token sequences join (without spaces) into the same string,
/// without building either.
fn joined_eq<'a, 'b>(a: impl Iterator<Item = &'a str>, b: impl Iterator<Item = &'b str>) -> bool {
    a.flat_map(str::bytes).eq(b.flat_map(str::bytes))
}

/// Tokens joined without spaces, borrowed when there is at most one.
fn joined<S: AsRef<str>>(t: &[S]) -> std::borrow::Cow<'_, str> {
    match t {
        [] => "".into(),
        [one] => one.as_ref().into(),
        _ => t.iter().map(AsRef::as_ref).collect::<String>().into(),
    }
}

/// Whether two token lists hold the same tokens in any order.
fn same_multiset<A: AsRef<str>, B: AsRef<str>>(a: &[A], b: &[B]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut ta: Vec<&str> = a.iter().map(AsRef::as_ref).collect();
    let mut tb: Vec<&str> = b.iter().map(AsRef::as_ref).collect();
    ta.sort_unstable();
    tb.sort_unstable();
    ta == tb
}

/// The given-name level of `q` (the subject) against `c` (a master name).
pub fn given_level<A: AsRef<str>, B: AsRef<str>>(q: &NameTokens<A>, c: &NameTokens<B>) -> u8 {
    given_level_by(q, c, phonetic_equivalent)
}

/// [`given_level`] with the phonetic test supplied (precomputed codes).
pub(crate) fn given_level_by<A: AsRef<str>, B: AsRef<str>>(
    q: &NameTokens<A>,
    c: &NameTokens<B>,
    phonetic: impl FnOnce(&str, &str) -> bool,
) -> u8 {
    let (fa, fb) = (q.first_given(), c.first_given());
    if fa.is_empty() || fb.is_empty() {
        return given::OTHER;
    }
    if all(q).eq(all(c)) || joined_eq(all(q), all(c)) {
        return given::EXACT;
    }
    let given_a = q.given.iter().map(AsRef::as_ref);
    let given_b = c.given.iter().map(AsRef::as_ref);
    let ga_empty = given_a.clone().all(str::is_empty);
    if fa == fb || (!ga_empty && joined_eq(given_a, given_b)) {
        return given::FIRST_TOKEN;
    }
    if are_nickname_equivalent(fa, fb) {
        return given::NICKNAME;
    }
    // MARIO and MARIA, JUAN and JUANA: two people, not a typo.
    if vouch_normalize::gendered_pair(fa, fb) {
        return given::OTHER;
    }
    let (ga, gb) = (joined(&q.given), joined(&c.given));
    let mut sim = jw(fa, fb);
    if (&*ga, &*gb) != (fa, fb) {
        sim = sim.max(jw(&ga, &gb));
    }
    if sim >= JW_HIGH {
        return given::JW_HIGH;
    }
    if sim >= JW_MID {
        return given::JW_MID;
    }
    if all(q)
        .filter(|t| t.len() > 1)
        .any(|t| all(c).any(|u| u == t))
    {
        return given::CROSS_TOKEN;
    }
    let initial = |x: &str, y: &str| x.len() == 1 && y.starts_with(x);
    if initial(fa, fb) || initial(fb, fa) {
        return given::INITIAL;
    }
    if phonetic(fa, fb) {
        return given::PHONETIC;
    }
    given::OTHER
}

/// The surname level of `q` (the subject) against `c` (a master name).
pub fn surname_level<A: AsRef<str>, B: AsRef<str>>(q: &NameTokens<A>, c: &NameTokens<B>) -> u8 {
    surname_level_by(q, c, phonetic_equivalent)
}

/// [`surname_level`] with the phonetic test supplied (precomputed codes).
pub(crate) fn surname_level_by<A: AsRef<str>, B: AsRef<str>>(
    q: &NameTokens<A>,
    c: &NameTokens<B>,
    phonetic: impl FnOnce(&str, &str) -> bool,
) -> u8 {
    if q.surnames.is_empty() || c.surnames.is_empty() {
        return surname::OTHER;
    }
    let (sa, sb) = (
        q.surnames.iter().map(AsRef::as_ref),
        c.surnames.iter().map(AsRef::as_ref),
    );
    let with_particles_a = q.particles.iter().chain(&q.surnames).map(AsRef::as_ref);
    let with_particles_b = c.particles.iter().chain(&c.surnames).map(AsRef::as_ref);
    if joined_eq(sa.clone(), sb.clone()) || joined_eq(with_particles_a, with_particles_b) {
        return surname::EXACT;
    }
    if same_multiset(&q.surnames, &c.surnames) {
        return surname::EXACT;
    }
    let (pa, pb) = (q.paternal(), c.paternal());
    if pa == pb || sa.clone().any(|t| sb.clone().any(|u| u == t)) {
        return surname::PARTIAL;
    }
    let (ja, jb) = (joined(&q.surnames), joined(&c.surnames));
    let mut sim = jw(&ja, &jb);
    if (&*ja, &*jb) != (pa, pb) {
        sim = sim.max(jw(pa, pb));
    }
    if sim >= JW_HIGH {
        return surname::JW_HIGH;
    }
    if sim >= JW_MID {
        return surname::JW_MID;
    }
    if are_surname_variants(pa, pb) {
        return surname::VARIANT;
    }
    if phonetic(pa, pb) {
        return surname::PHONETIC;
    }
    surname::OTHER
}

/// The date-of-birth level (Julian day numbers, 0 = unknown).
pub fn dob_level(a: u32, b: u32) -> u8 {
    match (a, b) {
        (0, _) | (_, 0) => dob::MISSING,
        (x, y) if x == y => dob::EXACT,
        _ => dob::CONFLICT,
    }
}

/// The suffix level (codes, 0 = none).
pub fn suffix_level(a: u8, b: u8) -> u8 {
    match (a, b) {
        (0, _) | (_, 0) => suffix::MISSING,
        (x, y) if x == y => suffix::AGREE,
        _ => suffix::CONFLICT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::name;

    fn t(first: &str, middle: &str, last: &str) -> NameTokens {
        NameTokens::of(&name(first, middle, last, ""))
    }

    #[test]
    fn given_levels_in_order_of_strength() {
        let base = t("Jonathan", "", "Smith");
        assert_eq!(given_level(&t("JONATHAN", "", "X"), &base), given::EXACT);
        assert_eq!(
            given_level(&t("Jonathan", "Paul", "X"), &base),
            given::FIRST_TOKEN
        );
        assert_eq!(given_level(&t("Jonathn", "", "X"), &base), given::JW_HIGH);
        assert_eq!(
            given_level(&t("Bill", "", "X"), &t("William", "", "X")),
            given::NICKNAME
        );
        assert_eq!(given_level(&t("J", "", "X"), &base), given::INITIAL);
        assert_eq!(given_level(&t("Maria", "", "X"), &base), given::OTHER);
        for (a, b) in [("Mario", "Maria"), ("Juan", "Juana"), ("Daniel", "Daniela")] {
            assert_eq!(
                given_level(&t(a, "", "X"), &t(b, "", "X")),
                given::OTHER,
                "{a} / {b}"
            );
        }
        assert_ne!(
            given_level(&t("Robert", "", "X"), &t("Roberto", "", "X")),
            given::OTHER
        );
        assert_eq!(
            given_level(&t("Sung-Min", "", "X"), &t("Sungmin", "", "X")),
            given::EXACT
        );
        assert_eq!(
            given_level(&t("Guadalupe", "", "X"), &t("Maria", "Guadalupe", "X")),
            given::CROSS_TOKEN
        );
    }

    #[test]
    fn surname_levels_in_order_of_strength() {
        let base = t("A", "", "Garcia Lopez");
        assert_eq!(
            surname_level(&t("A", "", "García-López"), &base),
            surname::EXACT
        );
        assert_eq!(
            surname_level(&t("A", "", "Lopez Garcia"), &base),
            surname::EXACT
        );
        assert_eq!(
            surname_level(&t("A", "", "Garcia"), &base),
            surname::PARTIAL
        );
        assert_eq!(
            surname_level(&t("A", "", "Hernandez"), &t("A", "", "Hernandes")),
            surname::JW_HIGH
        );
        assert_eq!(
            surname_level(&t("A", "", "Li"), &t("A", "", "Lee")),
            surname::VARIANT
        );
        assert_eq!(surname_level(&t("A", "", "Nguyen"), &base), surname::OTHER);
    }

    #[test]
    fn dob_and_suffix_conflicts_are_their_own_level() {
        assert_eq!(dob_level(5, 5), dob::EXACT);
        assert_eq!(dob_level(0, 5), dob::MISSING);
        assert_eq!(dob_level(4, 5), dob::CONFLICT);
        assert_eq!(suffix_level(1, 2), suffix::CONFLICT);
        assert_eq!(suffix_level(0, 2), suffix::MISSING);
        assert_eq!(suffix_level(2, 2), suffix::AGREE);
    }
}
