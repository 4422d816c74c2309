//! The subjects of a generated request and their ground truth. Each subject
//! is built from a regenerated household with one known change (a harmless
//! formatting or spelling difference, a wrong house number, an old address, a
//! policy defect...), so its expected outcome follows from how it was built;
//! ambiguity is checked against the other members of the household, who are
//! the only other taxpayers at that address by construction.
//!
//! This module does not write files (see `lib`); it returns the rows.

use std::collections::{BTreeMap, HashMap, HashSet};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::master::MasterWritten;
use crate::people::{
    household, names_far, Address, Date, Delivery, DobFiling, GenSuffix, Household, HouseholdKind,
    Person, PopulationKey,
};
use crate::render::{
    has_two_surnames, row_styles, state_of, text, write_city, write_first, write_last,
    write_middle, write_street, write_zip, AddrStyle, NameStyle, SurnameJoin,
};
use crate::subjects::defects::Defect;
use crate::tables::{tables, Tables};
use crate::{ExpectedCounts, SynthConfig, SynthError, SynthProgress, TAXABLE_PERIODS};

mod defects;

/// Header of `subjects.csv` (formats.md section 2, in order).
pub const SUBJECTS_HEADER: &str = "subject_ref,first_name,middle_name,last_name,suffix,dob,tin,street,city,state,zip,a_number,final_order_date,case_number,relevance";
/// Header of `truth.csv` (formats.md section 4, then extra columns).
pub const TRUTH_HEADER: &str = "subject_ref,tin,expected,category,corruption,reasons,evidence";

/// Shares of the subject categories, in parts per thousand of all subjects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectMix {
    /// True taxpayers at their latest in-period address, clean or with one harmless change.
    pub true_latest: u32,
    /// True taxpayers with a wrong house number, unit or missing unit.
    pub address_identity: u32,
    /// True taxpayers at an address of an earlier return.
    pub old_address: u32,
    /// Taxpayers whose only returns predate the requested periods.
    pub pre_period: u32,
    /// People absent from the master file.
    pub absent: u32,
    /// Non-filing relatives at a taxpayer's address.
    pub relative: u32,
    /// JR/SR pairs, common-name namesakes and conflicting dates of birth.
    pub hard_cases: u32,
    /// Subjects with policy defects (rejected).
    pub policy_defect: u32,
    /// Rows that repeat an A-number (every copy rejected).
    pub duplicate: u32,
}

impl Default for SubjectMix {
    fn default() -> Self {
        SubjectMix {
            true_latest: 470,
            address_identity: 80,
            old_address: 70,
            pre_period: 30,
            absent: 150,
            relative: 50,
            hard_cases: 50,
            policy_defect: 85,
            duplicate: 15,
        }
    }
}

impl SubjectMix {
    pub(crate) fn total(&self) -> u64 {
        [
            self.true_latest,
            self.address_identity,
            self.old_address,
            self.pre_period,
            self.absent,
            self.relative,
            self.hard_cases,
            self.policy_defect,
            self.duplicate,
        ]
        .iter()
        .map(|&x| u64::from(x))
        .sum()
    }
}

/// Expected outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expected {
    Confirmed,
    NotConfirmed,
    Rejected,
}

impl Expected {
    fn text(self) -> &'static str {
        match self {
            Expected::Confirmed => "CONFIRMED",
            Expected::NotConfirmed => "NOT_CONFIRMED",
            Expected::Rejected => "REJECTED",
        }
    }
}

/// One `subjects.csv` row without its reference.
#[derive(Debug, Clone, Default)]
pub(crate) struct SubjectRow {
    pub(crate) first: String,
    pub(crate) middle: String,
    pub(crate) last: String,
    pub(crate) suffix: String,
    pub(crate) dob: String,
    pub(crate) tin: String,
    pub(crate) street: String,
    pub(crate) city: String,
    pub(crate) state: String,
    pub(crate) zip: String,
    pub(crate) a_number: String,
    pub(crate) final_order_date: String,
    pub(crate) case_number: String,
    pub(crate) relevance: String,
}

/// One built subject.
#[derive(Debug, Clone)]
pub(crate) struct Built {
    pub(crate) row: SubjectRow,
    pub(crate) truth_tin: String,
    pub(crate) expected: Expected,
    pub(crate) category: &'static str,
    pub(crate) corruption: String,
    pub(crate) reasons: Vec<&'static str>,
    /// The expected outcome depends on the date of birth given.
    pub(crate) dob_essential: bool,
    /// The name was changed in a way that needs more evidence than the
    /// name to identify (a nickname, a typo, reordered surnames).
    pub(crate) name_variant: bool,
    /// The taxpayer's returns carry their date of birth.
    pub(crate) dob_on_file: bool,
}

impl Built {
    /// The `evidence` column: for a subject a perfect system confirms,
    /// `name` when the name as written identifies the taxpayer (exact after
    /// standardisation), `name+dob` when it is a variant (nickname, typo,
    /// reordered surnames) and the date of birth given agrees with the one
    /// on file, `weak` when it is a variant with nothing to back it (issue
    /// 16: such names need more evidence than the name); empty otherwise.
    fn evidence(&self) -> &'static str {
        match (self.expected, self.name_variant) {
            (Expected::Confirmed, false) => "name",
            (Expected::Confirmed, true) if !self.row.dob.is_empty() && self.dob_on_file => {
                "name+dob"
            }
            (Expected::Confirmed, true) => "weak",
            _ => "",
        }
    }
}

/// Subjects that stand for one person (a duplicate group has several rows).
struct Unit {
    rows: Vec<Built>,
    defects: Vec<Defect>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    TrueLatest,
    AddressIdentity,
    OldAddress,
    PrePeriod,
    Absent,
    Relative,
    JrSr,
    Namesake,
    DobConflict,
    PolicyDefect,
    Duplicate,
}

const PERIOD_FIRST: u16 = TAXABLE_PERIODS[0];
const PERIOD_LAST: u16 = TAXABLE_PERIODS[TAXABLE_PERIODS.len() - 1];
/// Households tried per subject before falling back to an absent person.
const PICK_TRIES_MAX: usize = 96;

/// Draws households for subjects, never the same one twice.
struct Picker<'k> {
    key: &'k PopulationKey,
    rng: ChaCha8Rng,
    used: HashSet<u64>,
    households_full: u64,
    absent_next: u64,
}

impl Picker<'_> {
    /// A household written whole and not used yet, with a person accepted by `accept`.
    fn pick<T>(
        &mut self,
        mut accept: impl FnMut(&mut ChaCha8Rng, &Household) -> Option<T>,
    ) -> Option<(Household, T)> {
        if self.households_full == 0 {
            return None;
        }
        for _ in 0..PICK_TRIES_MAX {
            let index = self.rng.gen_range(0..self.households_full);
            if self.used.contains(&index) {
                continue;
            }
            let h = household(self.key, index);
            if let Some(found) = accept(&mut self.rng, &h) {
                self.used.insert(index);
                return Some((h, found));
            }
        }
        None
    }

    /// A household that is not in the master file.
    fn absent_household(&mut self) -> Household {
        let index = self.absent_next;
        self.absent_next += 1 + self.rng.gen_range(0..4);
        household(self.key, index)
    }
}

/// The rows of one person's return, as filed.
struct Filed {
    name: NameStyle,
    addr: AddrStyle,
    address: Address,
}

fn filed(key: &PopulationKey, h: &Household, p: &Person, year: u16) -> Filed {
    let (name, addr, _) = row_styles(key, h, p, year);
    Filed {
        name,
        addr,
        address: h.addresses[p.address_of(year)],
    }
}

/// Renders a subject from a person, name style, address and address style.
fn render_row(
    t: &Tables,
    p: &Person,
    ns: &NameStyle,
    a: &Address,
    st: &AddrStyle,
    with_suffix: bool,
) -> SubjectRow {
    SubjectRow {
        first: text(|o| write_first(o, t, p, ns)),
        middle: text(|o| write_middle(o, t, p, ns)),
        last: text(|o| write_last(o, t, p, ns)),
        suffix: if with_suffix && p.suffix_filed {
            p.suffix.text().to_string()
        } else {
            String::new()
        },
        street: text(|o| write_street(o, t, a, st)),
        city: text(|o| write_city(o, t, a, st)),
        state: state_of(t, a).to_string(),
        zip: text(|o| write_zip(o, a, st)),
        ..SubjectRow::default()
    }
}

fn tin_text(p: &Person) -> String {
    format!("{:09}", p.tin)
}

fn built(
    row: SubjectRow,
    truth_tin: String,
    expected: Expected,
    category: &'static str,
    corruption: &str,
) -> Built {
    Built {
        row,
        truth_tin,
        expected,
        category,
        corruption: corruption.to_string(),
        reasons: Vec::new(),
        dob_essential: false,
        name_variant: false,
        dob_on_file: true,
    }
}

/// Whether `p` is unambiguous in its household on its own name (far from every other member).
fn stands_out(t: &Tables, h: &Household, p: &Person) -> bool {
    let mine = p.first_token(t);
    h.persons
        .iter()
        .filter(|o| o.slot != p.slot)
        .all(|o| names_far(t, mine, o.first_token(t)))
}

/// A filer with a return in the periods who is not part of a JR/SR pair and stands out.
fn plain_filer<'h>(t: &Tables, h: &'h Household, rng: &mut ChaCha8Rng) -> Option<&'h Person> {
    let candidates: Vec<&Person> = h
        .persons
        .iter()
        .filter(|p| p.latest_in(PERIOD_FIRST, PERIOD_LAST).is_some())
        .filter(|p| !matches!(p.suffix, GenSuffix::Jr | GenSuffix::Sr))
        .filter(|p| stands_out(t, h, p))
        .collect();
    candidates.choose(rng).copied()
}

/// Builds every subject (without references) in final order.
pub(crate) fn build(
    config: &SynthConfig,
    key: &PopulationKey,
    written: &MasterWritten,
    progress: &(dyn Fn(SynthProgress) + Sync),
) -> Vec<Built> {
    let mut rng = ChaCha8Rng::seed_from_u64(crate::people::splitmix(config.seed ^ 0x5ab1_ec75));
    let mut picker = Picker {
        key,
        rng: ChaCha8Rng::seed_from_u64(crate::people::splitmix(config.seed ^ 0x0091_c4e2)),
        used: HashSet::new(),
        households_full: written.households_full,
        absent_next: written.households_touched + 1,
    };
    let plan = plan(config, &mut rng);
    let total = config.subjects;
    let mut units: Vec<Unit> = Vec::with_capacity(plan.len());
    let mut done = 0u64;
    for (i, (category, rows)) in plan.into_iter().enumerate() {
        let unit = build_unit(&mut picker, &mut rng, category, rows);
        done += unit.rows.len() as u64;
        units.push(unit);
        if i % 1024 == 0 {
            progress(SynthProgress::Subjects {
                subjects_done: done,
                subjects_total: total,
            });
        }
    }
    units.shuffle(&mut rng);
    let rows = finish(config, &mut rng, units);
    progress(SynthProgress::Subjects {
        subjects_done: rows.len() as u64,
        subjects_total: total,
    });
    rows
}

/// The category and row count of every unit; row counts add up to the subject count.
fn plan(config: &SynthConfig, rng: &mut ChaCha8Rng) -> Vec<(Category, usize)> {
    let m = &config.mix;
    let n = config.subjects;
    let share = |x: u32| n * u64::from(x) / m.total();
    let hard = share(m.hard_cases);
    let counts = [
        (Category::AddressIdentity, share(m.address_identity)),
        (Category::OldAddress, share(m.old_address)),
        (Category::PrePeriod, share(m.pre_period)),
        (Category::Absent, share(m.absent)),
        (Category::Relative, share(m.relative)),
        (Category::JrSr, hard * 45 / 100),
        (Category::Namesake, hard * 30 / 100),
        (
            Category::DobConflict,
            hard - hard * 45 / 100 - hard * 30 / 100,
        ),
        (Category::PolicyDefect, share(m.policy_defect)),
    ];
    let mut plan: Vec<(Category, usize)> = Vec::new();
    for (c, k) in counts {
        plan.extend(std::iter::repeat_n((c, 1), k as usize));
    }
    // Duplicate groups are pairs; an odd count makes one triple.
    let duplicate_rows = share(m.duplicate);
    for i in 0..duplicate_rows / 2 {
        let rows = if i == 0 && duplicate_rows % 2 == 1 {
            3
        } else {
            2
        };
        plan.push((Category::Duplicate, rows));
    }
    let used: u64 = plan.iter().map(|&(_, r)| r as u64).sum();
    plan.extend(std::iter::repeat_n(
        (Category::TrueLatest, 1),
        n.saturating_sub(used) as usize,
    ));
    plan.shuffle(rng);
    plan
}

fn build_unit(
    picker: &mut Picker<'_>,
    rng: &mut ChaCha8Rng,
    category: Category,
    rows: usize,
) -> Unit {
    let t = tables();
    let single = |b: Option<Built>| {
        b.map(|b| Unit {
            rows: vec![b],
            defects: Vec::new(),
        })
    };
    let unit = match category {
        Category::TrueLatest => single(true_latest(picker, t)),
        Category::AddressIdentity => single(address_identity(picker, t)),
        Category::OldAddress => single(old_address(picker, t)),
        Category::PrePeriod => single(pre_period(picker, t)),
        Category::Absent => Some(Unit {
            rows: vec![absent(picker, t)],
            defects: Vec::new(),
        }),
        Category::Relative => single(relative(picker, t)),
        Category::JrSr => single(jr_sr(picker, t)),
        Category::Namesake => single(namesake(picker, t)),
        Category::DobConflict => single(dob_conflict(picker, t)),
        Category::PolicyDefect => Some(policy_defect(picker, rng, t)),
        Category::Duplicate => Some(duplicate(picker, rng, t, rows)),
    };
    // A tiny master may not hold a fitting household: such a slot becomes an absent person.
    unit.unwrap_or_else(|| Unit {
        rows: vec![absent(picker, t)],
        defects: Vec::new(),
    })
}

/// A clean base subject of a true taxpayer at the latest in-period address.
fn clean_true(picker: &mut Picker<'_>, t: &Tables) -> Option<Built> {
    let key = picker.key;
    let (h, slot) = picker.pick(|rng, h| plain_filer(t, h, rng).map(|p| p.slot))?;
    let p = &h.persons[usize::from(slot)];
    let year = p.latest_in(PERIOD_FIRST, PERIOD_LAST)?;
    let f = filed(key, &h, p, year);
    let row = render_row(t, p, &f.name, &f.address, &f.addr, true);
    let mut b = built(row, tin_text(p), Expected::Confirmed, "true_latest", "none");
    maybe_dob_tin(&mut picker.rng, &mut b, p, true);
    Some(b)
}

/// Gives the true date of birth on about half the subjects and the TIN on a few.
fn maybe_dob_tin(rng: &mut ChaCha8Rng, b: &mut Built, p: &Person, tin_allowed: bool) {
    if rng.gen_range(0..100) < 50 {
        b.row.dob = p.dob.text();
    }
    if tin_allowed && p.tin != 0 && rng.gen_range(0..100) < 4 {
        b.row.tin = tin_text(p);
    }
}

fn true_latest(picker: &mut Picker<'_>, t: &Tables) -> Option<Built> {
    let key = picker.key;
    let (h, slot) = picker.pick(|rng, h| plain_filer(t, h, rng).map(|p| p.slot))?;
    let p = &h.persons[usize::from(slot)];
    let year = p.latest_in(PERIOD_FIRST, PERIOD_LAST)?;
    let f = filed(key, &h, p, year);
    let mut b = built(
        render_row(t, p, &f.name, &f.address, &f.addr, true),
        tin_text(p),
        Expected::Confirmed,
        "true_latest",
        "none",
    );
    maybe_dob_tin(&mut picker.rng, &mut b, p, true);
    b.dob_on_file = p.dob_filing != DobFiling::Never;
    if picker.rng.gen_range(0..100) >= 30 {
        let corruption = harmless_change(&mut picker.rng, t, &h, p, &f, &mut b.row);
        b.corruption = corruption.to_string();
        b.name_variant = matches!(
            corruption,
            "typo_first" | "typo_last" | "nickname" | "swap_surnames"
        );
    }
    with_return_noise(key, &h, p, year, &mut b, "");
    with_household_traits(&h, p, &mut b);
    Some(b)
}

/// Labels a subject whose taxpayer has a near-identical relative at home
/// (`near_named_relative`) or a namesake in another apartment of the
/// building (`apartment_namesake`): neither changes the right answer.
fn with_household_traits(h: &Household, p: &Person, b: &mut Built) {
    for (label, yes) in [
        ("near_named_relative", h.near_named.contains(&p.slot)),
        ("apartment_namesake", h.apartment_namesake == Some(p.slot)),
    ] {
        if yes {
            b.corruption = if b.corruption == "none" {
                label.to_string()
            } else {
                format!("{}+{label}", b.corruption)
            };
        }
    }
}

/// Noise in the taxpayer file itself, on `p`'s return of `year`, added to
/// the subject's `corruption` label (after `prefix`: `rival_` for the
/// return of someone else the subject could be). An unreadable return of
/// the person asked about leaves where they lived then unknown: the right
/// answer is NOT_CONFIRMED. The others still name the same place (a
/// perfect system confirms: vouch confirms a street typo, and a ZIP digit
/// or a lost unit where the taxpayer's earlier returns back it).
fn with_return_noise(
    key: &PopulationKey,
    h: &Household,
    p: &Person,
    year: u16,
    b: &mut Built,
    prefix: &str,
) {
    if let Some((noise, _)) = crate::render::return_noise(key, h, p, year) {
        let label = format!("{prefix}{}", noise.label());
        b.corruption = if b.corruption == "none" {
            label
        } else {
            format!("{}+{label}", b.corruption)
        };
        if noise.unreadable() && prefix.is_empty() {
            b.expected = Expected::NotConfirmed;
        }
    }
}

/// Applies one change that does not alter who or where; returns its name ("none" if none applied).
fn harmless_change(
    rng: &mut ChaCha8Rng,
    t: &Tables,
    h: &Household,
    p: &Person,
    f: &Filed,
    row: &mut SubjectRow,
) -> &'static str {
    let mut kinds = HARMLESS.to_vec();
    kinds.shuffle(rng);
    for kind in kinds {
        let before = row.clone();
        let applied = apply_harmless(rng, t, h, p, f, row, kind);
        if applied && row_differs(&before, row) {
            if kind == "street_suffix" && suffix_run_in(t, f, row) {
                return "street_suffix_run_in";
            }
            return kind;
        }
        *row = before;
    }
    "none"
}

const HARMLESS: [&str; 16] = [
    "typo_street",
    "typo_first",
    "typo_last",
    "nickname",
    "drop_second_surname",
    "swap_surnames",
    "hyphen_space",
    "accents",
    "swap_first_last",
    "case_punctuation",
    "street_suffix",
    "directional",
    "unit_format",
    "zip4",
    "address_case",
    "typo_first",
];

/// One letter of the longest all-letter word of the street line (six
/// letters or more: the street's name, as a requester mistypes it) dropped,
/// swapped with the next or doubled; never a digit or the first letter.
fn typo_street(rng: &mut ChaCha8Rng, row: &mut SubjectRow) -> bool {
    let words: Vec<&str> = row.street.split(' ').collect();
    // Street addresses only (a house number first): a box or a route line
    // mistyped is another kind of error.
    if !words[0].bytes().all(|b| b.is_ascii_digit()) || words[0].is_empty() {
        return false;
    }
    let Some((w, word)) = words
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, x)| x.len() >= 6 && x.bytes().all(|b| b.is_ascii_alphabetic()))
        .max_by_key(|(_, x)| x.len())
    else {
        return false;
    };
    let mut b = word.as_bytes().to_vec();
    let i = rng.gen_range(1..b.len() - 1);
    match rng.gen_range(0..3) {
        0 => {
            b.remove(i);
        }
        1 => b.swap(i, i + 1),
        _ => b.insert(i, b[i]),
    }
    let typed = String::from_utf8(b).unwrap_or_default();
    let mut out: Vec<String> = words.iter().map(|x| x.to_string()).collect();
    out[w] = typed;
    row.street = out.join(" ");
    true
}

/// For one in three requests whose street suffix is spelled out (chosen by
/// a hash of the row, drawing nothing from the generator's stream, so that
/// every other row stays as it was), the suffix keyed into the street's
/// name or split by a stray space (`EYRESTREET`, `MAPLE STR EET`), as
/// FEBRL's keyers do; the place is the same.
fn suffix_run_in(t: &Tables, f: &Filed, row: &mut SubjectRow) -> bool {
    let Delivery::Street { suffix, .. } = f.address.delivery else {
        return false;
    };
    if suffix == 0 {
        return false;
    }
    let sf = &t.suffixes[usize::from(suffix - 1)];
    let h = row
        .street
        .bytes()
        .chain(row.zip.bytes())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            crate::people::splitmix(h ^ u64::from(b))
        });
    if h % 3 != 0 || sf.full.len() < 4 || sf.full == sf.abbr {
        return false;
    }
    for spelled in [sf.full_upper.as_str(), sf.full] {
        // The suffix follows the street's name (the last such word: a name
        // may be a suffix word too, COURT COURT), a whole word.
        let Some(at) = row.street.rfind(&format!(" {spelled}")) else {
            continue;
        };
        let word = at + 1;
        let after = row.street[word + spelled.len()..].chars().next();
        if after.is_some_and(|c| c != ' ') {
            continue;
        }
        if (h >> 8) % 2 == 0 {
            row.street.remove(at);
        } else {
            let cut = 1 + (h >> 16) as usize % (spelled.len() - 1);
            row.street.insert(word + cut, ' ');
        }
        return true;
    }
    false
}

fn row_differs(a: &SubjectRow, b: &SubjectRow) -> bool {
    (&a.first, &a.middle, &a.last, &a.street, &a.city, &a.zip)
        != (&b.first, &b.middle, &b.last, &b.street, &b.city, &b.zip)
}

fn apply_harmless(
    rng: &mut ChaCha8Rng,
    t: &Tables,
    h: &Household,
    p: &Person,
    f: &Filed,
    row: &mut SubjectRow,
    kind: &str,
) -> bool {
    let mut ns = f.name;
    let mut st = f.addr;
    let rename = |row: &mut SubjectRow, ns: &NameStyle| {
        row.first = text(|o| write_first(o, t, p, ns));
        row.middle = text(|o| write_middle(o, t, p, ns));
        row.last = text(|o| write_last(o, t, p, ns));
    };
    let readdress = |row: &mut SubjectRow, st: &AddrStyle| {
        row.street = text(|o| write_street(o, t, &f.address, st));
        row.city = text(|o| write_city(o, t, &f.address, st));
        row.zip = text(|o| write_zip(o, &f.address, st));
    };
    match kind {
        "typo_street" => typo_street(rng, row),
        "typo_first" => typo_first(rng, t, h, p, row),
        "typo_last" => typo_last(rng, row),
        "nickname" => nickname(rng, t, h, p, &ns, row),
        "drop_second_surname" | "swap_surnames" | "hyphen_space" if has_two_surnames(p, &ns) => {
            match kind {
                "drop_second_surname" => ns.join = SurnameJoin::PaternalOnly,
                "swap_surnames" => ns.swapped = true,
                _ => {
                    ns.join = if ns.join == SurnameJoin::Space {
                        SurnameJoin::Hyphen
                    } else {
                        SurnameJoin::Space
                    }
                }
            }
            row.last = text(|o| write_last(o, t, p, &ns));
            true
        }
        "accents" => {
            ns.accents = !ns.accents;
            rename(row, &ns);
            true
        }
        "swap_first_last" => {
            std::mem::swap(&mut row.first, &mut row.last);
            true
        }
        "case_punctuation" => {
            ns.upper = !ns.upper;
            ns.apostrophe = false;
            ns.given_hyphen = !ns.given_hyphen;
            rename(row, &ns);
            true
        }
        "street_suffix" | "directional" | "unit_format" | "zip4" | "address_case" => {
            match kind {
                "street_suffix" => st.suffix_full = !st.suffix_full,
                "directional" => st.dir_full = !st.dir_full,
                "unit_format" => st.unit_hash = !st.unit_hash,
                "zip4" => st.zip4 = !st.zip4,
                _ => st.upper = !st.upper,
            }
            readdress(row, &st);
            true
        }
        _ => false,
    }
}

/// One typo in a token (substitution, deletion, transposition or doubling).
fn typo(rng: &mut ChaCha8Rng, token: &str) -> Option<String> {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() < 4 || !chars.iter().all(|c| c.is_alphabetic()) {
        return None;
    }
    let i = rng.gen_range(1..chars.len() - 1);
    let mut out = chars.clone();
    match rng.gen_range(0..4) {
        0 => {
            let upper = chars[i].is_uppercase();
            let c = (b'a' + rng.gen_range(0..26)) as char;
            out[i] = if upper { c.to_ascii_uppercase() } else { c };
        }
        1 => {
            out.remove(i);
        }
        2 => out.swap(i, i + 1),
        _ => out.insert(i, chars[i]),
    }
    let s: String = out.into_iter().collect();
    (s.to_lowercase() != token.to_lowercase()).then_some(s)
}

fn typo_first(
    rng: &mut ChaCha8Rng,
    t: &Tables,
    h: &Household,
    p: &Person,
    row: &mut SubjectRow,
) -> bool {
    let (head, rest) = row
        .first
        .split_once(' ')
        .map_or((row.first.as_str(), ""), |(a, b)| (a, b));
    let Some(new) = typo(rng, head) else {
        return false;
    };
    let new_upper = deunicode::deunicode(&new).to_uppercase();
    // The misspelt name must stay closer to this person than to anyone else in the household.
    let clear = h.persons.iter().filter(|o| o.slot != p.slot).all(|o| {
        strsim::levenshtein(&new_upper, o.first_token(t)) >= 2
            && !t.nick_related(&new_upper, o.first_token(t))
    });
    if !clear {
        return false;
    }
    row.first = if rest.is_empty() {
        new
    } else {
        format!("{new} {rest}")
    };
    true
}

fn typo_last(rng: &mut ChaCha8Rng, row: &mut SubjectRow) -> bool {
    // Misspell the longest token (never a particle such as `de la`).
    let parts: Vec<&str> = row.last.split(' ').collect();
    let Some((i, longest)) = parts
        .iter()
        .enumerate()
        .max_by_key(|(_, s)| s.chars().count())
    else {
        return false;
    };
    let Some(new) = typo(rng, longest) else {
        return false;
    };
    let mut parts: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
    parts[i] = new;
    row.last = parts.join(" ");
    true
}

fn nickname(
    rng: &mut ChaCha8Rng,
    t: &Tables,
    h: &Household,
    p: &Person,
    ns: &NameStyle,
    row: &mut SubjectRow,
) -> bool {
    let formal = &p.given_list(t).names[usize::from(p.given)].upper_ascii;
    let nicks = t.nicknames_of(formal);
    let Some(&nick) = nicks.choose(rng) else {
        return false;
    };
    let clear = h
        .persons
        .iter()
        .filter(|o| o.slot != p.slot)
        .all(|o| names_far(t, nick, o.first_token(t)));
    if !clear {
        return false;
    }
    row.first = if ns.upper {
        nick.to_string()
    } else {
        title_case(nick)
    };
    true
}

fn title_case(upper: &str) -> String {
    let mut out = String::with_capacity(upper.len());
    for (i, c) in upper.chars().enumerate() {
        if i == 0 {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn address_identity(picker: &mut Picker<'_>, t: &Tables) -> Option<Built> {
    let key = picker.key;
    let (h, (slot, changed, kind)) = picker.pick(|rng, h| {
        let p = plain_filer(t, h, rng)?;
        let year = p.latest_in(PERIOD_FIRST, PERIOD_LAST)?;
        let a = h.addresses[p.address_of(year)];
        let (changed, kind) = identity_change(rng, &a)?;
        // The changed address must not be any address this household ever filed from.
        (!h.addresses.iter().any(|x| x.same_place(&changed))).then_some((p.slot, changed, kind))
    })?;
    let p = &h.persons[usize::from(slot)];
    let year = p.latest_in(PERIOD_FIRST, PERIOD_LAST)?;
    let f = filed(key, &h, p, year);
    let row = render_row(t, p, &f.name, &changed, &f.addr, true);
    let mut b = built(
        row,
        tin_text(p),
        Expected::NotConfirmed,
        "address_identity",
        kind,
    );
    maybe_dob_tin(&mut picker.rng, &mut b, p, true);
    // The latest return keyed without its unit says exactly the address
    // asked without one: the file holds it, so confirming it is right.
    if let Some((noise, _)) = crate::render::return_noise(key, &h, p, year) {
        b.corruption = format!("{}+{}", b.corruption, noise.label());
        if noise == crate::render::ReturnNoise::UnitMissing && kind == "missing_unit" {
            b.expected = Expected::Confirmed;
        }
    }
    Some(b)
}

/// A change of house number or unit: a different place, never partial credit.
fn identity_change(rng: &mut ChaCha8Rng, a: &Address) -> Option<(Address, &'static str)> {
    let mut changed = *a;
    let Delivery::Street { number, .. } = a.delivery else {
        return None;
    };
    let kind = match (a.unit, rng.gen_range(0..4)) {
        (Some(_), 0) => {
            changed.unit = None;
            "missing_unit"
        }
        (Some(mut u), 1) => {
            u.number += rng.gen_range(1..9);
            changed.unit = Some(u);
            "different_unit"
        }
        (_, 2) => {
            let n = transpose_digits(rng, number)?;
            set_number(&mut changed, n);
            "transposed_house_number"
        }
        _ => {
            let n = number + rng.gen_range(2..40);
            set_number(&mut changed, n);
            "different_house_number"
        }
    };
    Some((changed, kind))
}

fn set_number(a: &mut Address, n: u32) {
    if let Delivery::Street { number, .. } = &mut a.delivery {
        *number = n;
    }
}

fn transpose_digits(rng: &mut ChaCha8Rng, number: u32) -> Option<u32> {
    let mut digits: Vec<u8> = number.to_string().into_bytes();
    let pairs: Vec<usize> = (0..digits.len().saturating_sub(1))
        .filter(|&i| digits[i] != digits[i + 1])
        .collect();
    let &i = pairs.choose(rng)?;
    digits.swap(i, i + 1);
    if digits[0] == b'0' {
        return None;
    }
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

fn old_address(picker: &mut Picker<'_>, t: &Tables) -> Option<Built> {
    let key = picker.key;
    let (h, (slot, old_year)) = picker.pick(|rng, h| {
        let p = plain_filer(t, h, rng)?;
        let latest = p.latest_in(PERIOD_FIRST, PERIOD_LAST)?;
        let current = h.addresses[p.address_of(latest)];
        let old_year = p
            .filed_years()
            .filter(|&y| y < latest && !h.addresses[p.address_of(y)].same_place(&current))
            .last()?;
        Some((p.slot, old_year))
    })?;
    let p = &h.persons[usize::from(slot)];
    let f = filed(key, &h, p, old_year);
    let row = render_row(t, p, &f.name, &f.address, &f.addr, true);
    let corruption = if old_year >= PERIOD_FIRST {
        "earlier_in_period"
    } else {
        "before_period"
    };
    let mut b = built(
        row,
        tin_text(p),
        Expected::NotConfirmed,
        "old_address",
        corruption,
    );
    maybe_dob_tin(&mut picker.rng, &mut b, p, true);
    Some(b)
}

fn pre_period(picker: &mut Picker<'_>, t: &Tables) -> Option<Built> {
    let key = picker.key;
    let (h, slot) = picker.pick(|rng, h| {
        let fits: Vec<&Person> = h
            .persons
            .iter()
            .filter(|p| {
                p.is_filer()
                    && p.latest_in(PERIOD_FIRST, PERIOD_LAST).is_none()
                    && stands_out(t, h, p)
            })
            .collect();
        fits.choose(rng).map(|p| p.slot)
    })?;
    let p = &h.persons[usize::from(slot)];
    let year = p.filed_years().last()?;
    let f = filed(key, &h, p, year);
    let mut b = built(
        render_row(t, p, &f.name, &f.address, &f.addr, true),
        tin_text(p),
        Expected::NotConfirmed,
        "pre_period",
        "none",
    );
    maybe_dob_tin(&mut picker.rng, &mut b, p, true);
    Some(b)
}

/// An adult of a household that is not in the master file, at that household's address.
fn absent(picker: &mut Picker<'_>, t: &Tables) -> Built {
    let key = picker.key;
    loop {
        let h = picker.absent_household();
        let adults: Vec<&Person> = h.persons.iter().filter(|p| p.dob.year <= 2006).collect();
        let Some(&p) = adults.choose(&mut picker.rng) else {
            continue;
        };
        let year = p.filed_years().last().unwrap_or(2024);
        let f = filed(key, &h, p, year);
        let mut b = built(
            render_row(t, p, &f.name, &f.address, &f.addr, true),
            String::new(),
            Expected::NotConfirmed,
            "absent",
            "none",
        );
        maybe_dob_tin(&mut picker.rng, &mut b, p, false);
        return b;
    }
}

fn relative(picker: &mut Picker<'_>, t: &Tables) -> Option<Built> {
    let key = picker.key;
    let (h, (rel, tax)) = picker.pick(|rng, h| {
        let rels: Vec<&Person> = h
            .persons
            .iter()
            .filter(|p| !p.is_filer() && p.dob.year <= 2008 && stands_out(t, h, p))
            .collect();
        let r = *rels.choose(rng)?;
        let tax = h.persons.iter().find(|p| {
            p.paternal == r.paternal && p.latest_in(PERIOD_FIRST, PERIOD_LAST).is_some()
        })?;
        Some((r.slot, tax.slot))
    })?;
    let (r, p) = (&h.persons[usize::from(rel)], &h.persons[usize::from(tax)]);
    let year = p.latest_in(PERIOD_FIRST, PERIOD_LAST)?;
    let f = filed(key, &h, p, year);
    let row = render_row(t, r, &f.name, &f.address, &f.addr, true);
    let mut b = built(
        row,
        String::new(),
        Expected::NotConfirmed,
        "relative",
        "same_surname_same_address",
    );
    maybe_dob_tin(&mut picker.rng, &mut b, r, false);
    Some(b)
}

fn jr_sr(picker: &mut Picker<'_>, t: &Tables) -> Option<Built> {
    let key = picker.key;
    let (h, ()) = picker.pick(|_, h| jr_sr_pair(h).map(|_| ()))?;
    let (sr, jr, year) = jr_sr_pair(&h)?;
    let (sr, jr) = (&h.persons[sr], &h.persons[jr]);
    let both_dob = sr.dob_filing == DobFiling::Always && jr.dob_filing == DobFiling::Always;
    let variant = match picker.rng.gen_range(0..4) {
        0 => "no_suffix_no_dob",
        1 if sr.suffix_filed => "suffix_jr",
        2 if both_dob => "dob_given",
        3 => "no_suffix_no_dob",
        _ => "suffix_sr",
    };
    let who = match variant {
        "suffix_sr" => sr,
        "suffix_jr" => jr,
        _ if picker.rng.gen_range(0..2) == 0 => sr,
        _ => jr,
    };
    let f = filed(key, &h, who, year);
    let mut row = render_row(t, who, &f.name, &f.address, &f.addr, false);
    let expected = match variant {
        "suffix_sr" => {
            row.suffix = "SR".into();
            Expected::Confirmed
        }
        "suffix_jr" => {
            row.suffix = "JR".into();
            Expected::Confirmed
        }
        "dob_given" => {
            row.dob = who.dob.text();
            Expected::Confirmed
        }
        _ => Expected::NotConfirmed,
    };
    let mut b = built(row, tin_text(who), expected, "jr_sr", variant);
    b.dob_essential = variant == "dob_given";
    with_return_noise(key, &h, who, year, &mut b, "");
    let other = if std::ptr::eq(who, sr) { jr } else { sr };
    with_return_noise(key, &h, other, year, &mut b, "rival_");
    Some(b)
}

/// The SR and JR of a household who both filed their latest in-period return from one address.
fn jr_sr_pair(h: &Household) -> Option<(usize, usize, u16)> {
    if h.kind != HouseholdKind::JrSr {
        return None;
    }
    let sr = h.persons.iter().position(|p| p.suffix == GenSuffix::Sr)?;
    let jr = h.persons.iter().position(|p| p.suffix == GenSuffix::Jr)?;
    let ys = h.persons[sr].latest_in(PERIOD_FIRST, PERIOD_LAST)?;
    let yj = h.persons[jr].latest_in(PERIOD_FIRST, PERIOD_LAST)?;
    let same = h.addresses[h.persons[sr].address_of(ys)]
        .same_place(&h.addresses[h.persons[jr].address_of(yj)]);
    (same && ys == yj).then_some((sr, jr, ys))
}

fn namesake(picker: &mut Picker<'_>, t: &Tables) -> Option<Built> {
    let key = picker.key;
    let (h, slot) = picker.pick(|rng, h| {
        let p = plain_filer(t, h, rng)?;
        (p.paternal < 6 && p.given < 8).then_some(p.slot)
    })?;
    let p = &h.persons[usize::from(slot)];
    let year = p.latest_in(PERIOD_FIRST, PERIOD_LAST)?;
    let f = filed(key, &h, p, year);
    let mut b = built(
        render_row(t, p, &f.name, &f.address, &f.addr, true),
        tin_text(p),
        Expected::Confirmed,
        "namesake",
        "common_name",
    );
    maybe_dob_tin(&mut picker.rng, &mut b, p, false);
    with_return_noise(key, &h, p, year, &mut b, "");
    Some(b)
}

fn dob_conflict(picker: &mut Picker<'_>, t: &Tables) -> Option<Built> {
    let key = picker.key;
    let (h, slot) = picker.pick(|rng, h| {
        let p = plain_filer(t, h, rng)?;
        (p.dob_filing == DobFiling::Always).then_some(p.slot)
    })?;
    let p = &h.persons[usize::from(slot)];
    let year = p.latest_in(PERIOD_FIRST, PERIOD_LAST)?;
    let f = filed(key, &h, p, year);
    let mut row = render_row(t, p, &f.name, &f.address, &f.addr, true);
    let shift = picker.rng.gen_range(3..12)
        * if picker.rng.gen_range(0..2) == 0 {
            -1
        } else {
            1
        };
    let other = Date {
        year: (i32::from(p.dob.year) + shift) as u16,
        month: (p.dob.month % 12) + 1,
        day: picker.rng.gen_range(1..=28),
    };
    row.dob = other.text();
    let mut b = built(
        row,
        tin_text(p),
        Expected::NotConfirmed,
        "dob_conflict",
        "different_dob",
    );
    b.dob_essential = true;
    Some(b)
}

fn policy_defect(picker: &mut Picker<'_>, rng: &mut ChaCha8Rng, t: &Tables) -> Unit {
    let base = if rng.gen_range(0..100) < 70 {
        clean_true(picker, t)
    } else {
        None
    };
    let mut b = base.unwrap_or_else(|| absent(picker, t));
    let defects = defects::choose(rng);
    b.category = "policy_defect";
    b.corruption = String::new();
    b.expected = Expected::Rejected;
    b.reasons = defects.iter().map(|d| d.code()).collect();
    b.reasons.sort_unstable();
    b.reasons.dedup();
    b.dob_essential = false;
    Unit {
        rows: vec![b],
        defects,
    }
}

fn duplicate(picker: &mut Picker<'_>, rng: &mut ChaCha8Rng, t: &Tables, copies: usize) -> Unit {
    let base = if rng.gen_range(0..100) < 70 {
        clean_true(picker, t)
    } else {
        None
    };
    let mut b = base.unwrap_or_else(|| absent(picker, t));
    b.category = "duplicate";
    b.corruption = "same_a_number".into();
    b.expected = Expected::Rejected;
    b.reasons = vec!["DUPLICATE_SUBJECT"];
    Unit {
        rows: vec![b; copies],
        defects: Vec::new(),
    }
}

/// Fills A-numbers, order dates, case numbers and relevance; applies defects; orders rows.
fn finish(config: &SynthConfig, rng: &mut ChaCha8Rng, mut units: Vec<Unit>) -> Vec<Built> {
    let t = tables();
    let cases = config
        .case_numbers_max
        .min(config.subjects.div_ceil(3))
        .max(1);
    let unit_count = units.len() as u64;
    let case_offset = rng.gen_range(0..1_000_000u64);
    let a_offset = rng.gen_range(0..100_000_000u64);
    let mut out = Vec::with_capacity(config.subjects as usize);
    for (k, unit) in units.iter_mut().enumerate() {
        let k = k as u64;
        let a_number = a_number_for(k, a_offset);
        let case_index = k * cases / unit_count.max(1);
        let case_number = case_number_for(case_index, case_offset);
        for b in unit.rows.iter_mut() {
            b.row.a_number = a_number.clone();
            b.row.case_number = case_number.clone();
            b.row.final_order_date = order_date(rng).text();
            b.row.relevance = relevance(rng, t, &b.row, &case_number);
        }
        let index = out.len() as u64;
        for &d in &unit.defects {
            for b in unit.rows.iter_mut() {
                defects::apply(rng, t, d, b, index);
            }
        }
        out.append(&mut unit.rows);
    }
    resolve_name_dob_duplicates(&mut out);
    out
}

/// 9-digit A-numbers start with 2-9 and 8-digit ones with 1-9: no two are equal even zero-padded.
fn a_number_for(k: u64, offset: u64) -> String {
    // 7919 is prime and coprime to 10^8, so `k -> (k * 7919 + offset) mod 10^8` is a bijection.
    let x = (k * 7919 + offset) % 100_000_000;
    if k.is_multiple_of(5) {
        format!("A{}", 10_000_000 + x % 90_000_000)
    } else {
        format!("A{}", 200_000_000 + x)
    }
}

fn case_number_for(index: u64, offset: u64) -> String {
    let serial = (index * 7919 + offset) % 1_000_000;
    let year = 2023 + index % 3;
    match index % 4 {
        0 => format!("ERO-{year}-{serial:06}"),
        _ => format!("HSI-{year}-{serial:06}"),
    }
}

/// Moves every well-formed final order date by `days` (the letter's date
/// moved from [`crate::SUBMITTED_AT`]); malformed ones stay malformed.
pub(crate) fn shift_order_dates(built: &mut [Built], days: i64) {
    if days == 0 {
        return;
    }
    for b in built {
        let d = &b.row.final_order_date;
        let parts = (d.get(0..4), d.get(5..7), d.get(8..10));
        let (Some(y), Some(m), Some(dd)) = parts else {
            continue;
        };
        let (Ok(year), Ok(month), Ok(day)) = (y.parse::<u16>(), m.parse::<u8>(), dd.parse::<u8>())
        else {
            continue;
        };
        let date = Date { year, month, day };
        if d.len() != 10 || !(1..=12).contains(&month) || Date::from_days(date.to_days()) != date {
            continue;
        }
        b.row.final_order_date = Date::from_days(date.to_days() + days).text();
    }
}

/// A final order date at least 102 days before submission (2015-01-01 ..= 2025-02-20).
fn order_date(rng: &mut ChaCha8Rng) -> Date {
    let first = Date {
        year: 2015,
        month: 1,
        day: 1,
    }
    .to_days();
    let last = Date {
        year: 2025,
        month: 2,
        day: 20,
    }
    .to_days();
    Date::from_days(rng.gen_range(first..=last))
}

const ROLES: [&str; 8] = [
    "a courier",
    "the registered owner of a vehicle used",
    "a co-conspirator",
    "a money transmitter",
    "a recruiter",
    "a document vendor",
    "a lookout",
    "a driver",
];
const SCHEMES: [&str; 8] = [
    "fentanyl distribution network",
    "labor trafficking scheme",
    "document fraud ring",
    "alien smuggling organization",
    "identity theft ring",
    "wire fraud conspiracy",
    "firearms trafficking cell",
    "money laundering operation",
];
const EVIDENCE: [&str; 6] = [
    "a confidential source placed the subject at a stash location",
    "surveillance observed the subject at a controlled delivery",
    "bank records list the subject on structured deposits",
    "a co-defendant named the subject in a proffer",
    "phone extraction shows the subject coordinating pickups",
    "the subject re-entered after removal and was linked by fingerprints",
];

/// A specific relevance statement naming the case, a role, a place and a date.
fn relevance(rng: &mut ChaCha8Rng, t: &Tables, row: &SubjectRow, case: &str) -> String {
    let role = ROLES[rng.gen_range(0..ROLES.len())];
    let scheme = SCHEMES[rng.gen_range(0..SCHEMES.len())];
    let evidence = EVIDENCE[rng.gen_range(0..EVIDENCE.len())];
    let date = Date::from_days(
        rng.gen_range(
            Date {
                year: 2023,
                month: 1,
                day: 1,
            }
            .to_days()..Date {
                year: 2025,
                month: 5,
                day: 1,
            }
            .to_days(),
        ),
    )
    .text();
    let place = t.cities[rng.gen_range(0..t.cities.len())].name;
    let city = if row.city.is_empty() {
        place
    } else {
        row.city.as_str()
    };
    match rng.gen_range(0..3) {
        0 => format!("Subject is identified in {case} as {role} in a {scheme} operating near {city}; {evidence} on {date}."),
        1 => format!("In {case}, {evidence} on {date}; the subject is believed to act as {role} for a {scheme} with ties to {place}."),
        _ => format!("Subject is a named target of {case} ({scheme}, {place} cell); a current address is needed to serve a grand jury subpoena dated {date}."),
    }
}

/// Two different units with the same loose name and date of birth would be
/// rejected as duplicates: drop a date of birth that is not essential, else
/// mark both rows as the duplicates a perfect system would reject.
fn resolve_name_dob_duplicates(rows: &mut [Built]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for i in 0..rows.len() {
        if rows[i].row.dob.is_empty() {
            continue;
        }
        let key = format!(
            "{}|{}|{}",
            first_token_upper(&rows[i].row.first),
            first_token_upper(&rows[i].row.last),
            rows[i].row.dob
        );
        let Some(&j) = seen.get(&key) else {
            seen.insert(key, i);
            continue;
        };
        if rows[j].row.a_number == rows[i].row.a_number {
            continue;
        }
        if !rows[i].dob_essential {
            rows[i].row.dob.clear();
        } else if !rows[j].dob_essential {
            rows[j].row.dob.clear();
            seen.insert(key, i);
        } else {
            for k in [i, j] {
                rows[k].expected = Expected::Rejected;
                rows[k].reasons.push("DUPLICATE_SUBJECT");
                rows[k].reasons.sort_unstable();
                rows[k].reasons.dedup();
            }
        }
    }
}

fn first_token_upper(s: &str) -> String {
    crate::check::name_tokens(s)
        .into_iter()
        .next()
        .unwrap_or_default()
}

fn reference(i: usize) -> String {
    format!("S{:06}", i + 1)
}

fn csv_bytes(
    header: &str,
    rows: impl Iterator<Item = Vec<String>>,
    file: &'static str,
) -> Result<Vec<u8>, SynthError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let enc = |e: csv::Error| SynthError::Encode {
        file,
        reason: e.to_string(),
    };
    w.write_record(header.split(',')).map_err(enc)?;
    for r in rows {
        w.write_record(&r).map_err(enc)?;
    }
    w.into_inner().map_err(|e| SynthError::Encode {
        file,
        reason: e.to_string(),
    })
}

/// The bytes of `subjects.csv`.
pub(crate) fn subjects_csv(rows: &[Built]) -> Result<Vec<u8>, SynthError> {
    csv_bytes(
        SUBJECTS_HEADER,
        rows.iter().enumerate().map(|(i, b)| {
            let r = &b.row;
            vec![
                reference(i),
                r.first.clone(),
                r.middle.clone(),
                r.last.clone(),
                r.suffix.clone(),
                r.dob.clone(),
                r.tin.clone(),
                r.street.clone(),
                r.city.clone(),
                r.state.clone(),
                r.zip.clone(),
                r.a_number.clone(),
                r.final_order_date.clone(),
                r.case_number.clone(),
                r.relevance.clone(),
            ]
        }),
        "subjects.csv",
    )
}

/// The bytes of `truth.csv`.
pub(crate) fn truth_csv(rows: &[Built]) -> Result<Vec<u8>, SynthError> {
    csv_bytes(
        TRUTH_HEADER,
        rows.iter().enumerate().map(|(i, b)| {
            vec![
                reference(i),
                b.truth_tin.clone(),
                b.expected.text().to_string(),
                b.category.to_string(),
                b.corruption.clone(),
                b.reasons.join(";"),
                b.evidence().to_string(),
            ]
        }),
        "truth.csv",
    )
}

/// Counts per expected outcome.
pub(crate) fn expected_counts(rows: &[Built]) -> ExpectedCounts {
    let mut c = ExpectedCounts::default();
    for b in rows {
        match b.expected {
            Expected::Confirmed => c.confirmed += 1,
            Expected::NotConfirmed => c.not_confirmed += 1,
            Expected::Rejected => c.rejected += 1,
        }
    }
    c
}

/// Counts per category.
pub(crate) fn category_counts(rows: &[Built]) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for b in rows {
        *m.entry(b.category.to_string()).or_insert(0) += 1;
    }
    m
}
