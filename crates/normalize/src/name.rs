//! Personal name standardisation: given names, two-surname forms, particles,
//! suffixes, placeholders, and the keys built from them.
//!
//! Input is the four fields as filed (`first`, `middle`, `last`, `suffix`);
//! output is a [`StandardName`] of folded tokens plus the keys the matcher
//! compares. Comparison *levels* are offered ([`SurnameAgreement`],
//! [`GivenAgreement`]) but no weights: scoring belongs to the matcher.
//!
//! Deliberately absent: guessing the sex or origin of a name, splitting a
//! one-token `GARCIALOPEZ` (no dictionary can do that safely: DELGADO is not
//! DEL GADO), and any I/O.

use crate::fold::fold_into;
use crate::nickname::{are_nickname_equivalent, are_surname_variants, nickname_canonical};
use crate::phonetic::{phonetic_equivalent, phonetic_primary};

/// A generational suffix. It separates a father from a son who share a
/// name and an address, so it is kept in its own field wherever written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Suffix {
    /// Junior (JR, JNR, JUNIOR).
    Jr,
    /// Senior (SR, SNR, SENIOR).
    Sr,
    /// The second (II, 2ND).
    II,
    /// The third (III, 3RD).
    III,
    /// The fourth (IV, 4TH).
    IV,
    /// The fifth (V, 5TH).
    V,
    /// The sixth (VI, 6TH).
    VI,
}

impl Suffix {
    /// The standard written form (`JR`, `SR`, `II`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Suffix::Jr => "JR",
            Suffix::Sr => "SR",
            Suffix::II => "II",
            Suffix::III => "III",
            Suffix::IV => "IV",
            Suffix::V => "V",
            Suffix::VI => "VI",
        }
    }

    /// Parses one folded token written in the suffix field, where bare
    /// digits (`2`, `3`) are accepted too.
    pub fn parse(token: &str) -> Option<Suffix> {
        match token {
            "2" => Some(Suffix::II),
            "3" => Some(Suffix::III),
            "4" => Some(Suffix::IV),
            "5" => Some(Suffix::V),
            "6" => Some(Suffix::VI),
            _ => Self::parse_in_name(token),
        }
    }

    /// Parses a token found at the end of a name field; `V` and `VI` are
    /// left to the caller's judgement since `V` is also an initial.
    fn parse_in_name(token: &str) -> Option<Suffix> {
        Some(match token {
            "JR" | "JNR" | "JUNIOR" => Suffix::Jr,
            "SR" | "SNR" | "SENIOR" => Suffix::Sr,
            "II" | "2ND" => Suffix::II,
            "III" | "3RD" => Suffix::III,
            "IV" | "4TH" => Suffix::IV,
            "V" | "5TH" => Suffix::V,
            "VI" | "6TH" => Suffix::VI,
            _ => return None,
        })
    }
}

/// Surname particles: compared both with and without them.
const PARTICLES: &[&str] = &[
    "AL", "BEN", "BIN", "BINT", "BINTI", "D", "DA", "DAL", "DAS", "DE", "DEGLI", "DEI", "DEL",
    "DELA", "DELLA", "DELLE", "DELLO", "DEN", "DER", "DES", "DI", "DO", "DOS", "DU", "EL", "LA",
    "LAS", "LE", "LES", "LO", "LOS", "TEN", "TER", "VAN", "VANDE", "VANDEN", "VANDER", "VOM",
    "VON", "ZU",
];

/// Prefixes kept as part of the surname and joined to the next token when
/// written apart (`MC DONALD` → `MCDONALD`, `O BRIEN` → `OBRIEN`).
const JOINED_PREFIXES: &[&str] = &["MC", "MAC", "O", "FITZ", "ST", "STE", "SAINT"];

/// Honorifics dropped from the front of the first-name field.
const TITLES: &[&str] = &[
    "MR", "MRS", "MS", "MISS", "DR", "REV", "PROF", "SR", "SRA", "SRTA",
];

/// Values that stand for "no name" (policy.md `NAME_MISSING`), compared on
/// the field with spaces removed.
const PLACEHOLDERS: &[&str] = &[
    "UNKNOWN",
    "UNK",
    "UNKN",
    "NA",
    "NONE",
    "NULL",
    "NIL",
    "FNU",
    "LNU",
    "NFN",
    "NLN",
    "NMN",
    "TEST",
    "TESTING",
    "NAME",
    "NONAME",
    "FIRST",
    "LAST",
    "FIRSTNAME",
    "LASTNAME",
    "BLANK",
    "REFUSED",
    "NOTPROVIDED",
    "NOTGIVEN",
    "NOTAPPLICABLE",
    "NOTAVAILABLE",
    "TBD",
    "DUMMY",
    "SAMPLE",
    "UNKNOWNUNKNOWN",
    "NANA",
    "NOFIRSTNAME",
    "NOLASTNAME",
    "FAILEDTOPROVIDE",
];

/// A standardised personal name. Every token is folded upper-case ASCII.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardName {
    /// Given-name tokens from the first-name field, in order (`MARIA`,
    /// `GUADALUPE`); titles and suffixes removed.
    pub given: Vec<String>,
    /// Tokens of the middle-name field (may be initials).
    pub middle: Vec<String>,
    /// Surname tokens without particles, in written order (`GARCIA`, `LOPEZ`).
    pub surnames: Vec<String>,
    /// The particles found in the surname (`DE`, `LA`), in written order.
    pub particles: Vec<String>,
    /// The surname as written, particles included, connector `Y` removed
    /// (`GARCIA`, `DE`, `LA`, `CRUZ`).
    pub surname_tokens: Vec<String>,
    /// Generational suffix, wherever it was written.
    pub suffix: Option<Suffix>,
}

/// Standardises a name from its four fields as filed.
///
/// ```
/// use vouch_normalize::{standardize_name, Suffix};
/// let n = standardize_name("José Luis", "", "García-López Jr.", "");
/// assert_eq!(n.given, ["JOSE", "LUIS"]);
/// assert_eq!(n.surname_full(), "GARCIA LOPEZ");
/// assert_eq!(n.suffix, Some(Suffix::Jr));
/// ```
pub fn standardize_name(first: &str, middle: &str, last: &str, suffix: &str) -> StandardName {
    let mut scratch = String::with_capacity(64);
    let mut given = tokens(first, &mut scratch);
    let mut middle = tokens(middle, &mut scratch);
    let mut last = tokens(last, &mut scratch);
    let suffix_tokens = tokens(suffix, &mut scratch);

    let suffix = extract_suffix(&suffix_tokens, &mut given, &mut middle, &mut last);
    drop_title(&mut given);
    let surname_tokens = surname_tokens(last);
    let (surnames, particles) = split_particles(&surname_tokens);
    StandardName {
        given,
        middle,
        surnames,
        particles,
        surname_tokens,
        suffix,
    }
}

fn tokens(field: &str, scratch: &mut String) -> Vec<String> {
    scratch.clear();
    fold_into(field, scratch);
    scratch
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Finds the suffix (suffix field first, then the end of the last, middle
/// and first fields) and removes every copy of it from the name fields.
fn extract_suffix(
    suffix_field: &[String],
    given: &mut Vec<String>,
    middle: &mut Vec<String>,
    last: &mut Vec<String>,
) -> Option<Suffix> {
    let from_field = suffix_field
        .iter()
        .find_map(|t| Suffix::parse(t))
        .or_else(|| Suffix::parse(&suffix_field.concat()));
    let found = from_field
        .or_else(|| trailing_suffix(last, 2, true))
        .or_else(|| trailing_suffix(middle, 1, false))
        .or_else(|| trailing_suffix(given, 2, false))?;
    // Every trailing copy goes, so that standardising again is a no-op; a
    // given name keeps at least one token.
    for (field, len_min) in [(last, 2), (middle, 1), (given, 2)] {
        while field.len() >= len_min
            && field.last().and_then(|t| Suffix::parse_in_name(t)) == Some(found)
        {
            field.pop();
        }
    }
    Some(found)
}

/// The suffix ending `field`, when the field has at least `len_min` tokens.
/// `V`/`VI` count only where `roman_ok` (the end of a surname): at the end
/// of a given or middle name `V` is an initial.
fn trailing_suffix(field: &[String], len_min: usize, roman_ok: bool) -> Option<Suffix> {
    if field.len() < len_min {
        return None;
    }
    let suffix = Suffix::parse_in_name(field.last()?)?;
    let initial_like = matches!(suffix, Suffix::V | Suffix::VI);
    (roman_ok || !initial_like).then_some(suffix)
}

fn drop_title(given: &mut Vec<String>) {
    while given.len() >= 2 && TITLES.contains(&given[0].as_str()) {
        given.remove(0);
    }
}

/// Joins split prefixes (`MC DONALD`), drops the connector `Y` between two
/// surnames (`GARCIA Y LOPEZ`), keeps everything else in order.
fn surname_tokens(last: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(last.len());
    let mut join_next = false;
    let count = last.len();
    for (i, token) in last.into_iter().enumerate() {
        if join_next {
            if let Some(prev) = out.last_mut() {
                prev.push_str(&token);
            }
            join_next = false;
            continue;
        }
        let is_last = i + 1 == count;
        if token == "Y" && i > 0 && !is_last {
            continue;
        }
        if !is_last && JOINED_PREFIXES.contains(&token.as_str()) {
            join_next = true;
            let prefix = match token.as_str() {
                "SAINT" | "STE" => "ST".to_owned(),
                _ => token,
            };
            out.push(prefix);
            continue;
        }
        out.push(token);
    }
    out
}

/// Splits surname tokens into surnames and particles. A particle is a
/// particle only before another token: a surname that is just `DE` or
/// `LA` stays a surname.
fn split_particles(tokens: &[String]) -> (Vec<String>, Vec<String>) {
    let mut surnames = Vec::with_capacity(tokens.len());
    let mut particles = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if i + 1 < tokens.len() && PARTICLES.contains(&t.as_str()) {
            particles.push(t.clone());
        } else {
            surnames.push(t.clone());
        }
    }
    (surnames, particles)
}

/// Whether a field's tokens stand for "no name".
fn is_placeholder_field(tokens: &[String]) -> bool {
    if tokens.is_empty() || tokens.iter().all(|t| t.len() == 1) {
        return true;
    }
    if tokens
        .iter()
        .any(|t| t.bytes().all(|b| b.is_ascii_digit()) || t == "TEST")
    {
        return true;
    }
    let joined = tokens.concat();
    let repeated = joined.len() >= 2 && joined.bytes().all(|b| b == joined.as_bytes()[0]);
    repeated
        || PLACEHOLDERS.contains(&joined.as_str())
        || tokens.iter().all(|t| PLACEHOLDERS.contains(&t.as_str()))
}

fn push_unique(keys: &mut Vec<String>, key: String) {
    if !key.is_empty() && !keys.contains(&key) {
        keys.push(key);
    }
}

impl StandardName {
    /// The first given-name token (falls back to the middle name when the
    /// first-name field was empty); `""` when there is none.
    pub fn first_given(&self) -> &str {
        self.given
            .first()
            .or_else(|| self.middle.first())
            .map_or("", String::as_str)
    }

    /// Given and middle tokens in order: the whole given name whichever
    /// field each part was written in.
    pub fn given_all(&self) -> impl Iterator<Item = &str> {
        self.given.iter().chain(&self.middle).map(String::as_str)
    }

    /// The compound surname without particles, space-separated
    /// (`GARCIA LOPEZ`).
    pub fn surname_full(&self) -> String {
        self.surnames.join(" ")
    }

    /// The first (paternal) surname; `""` when there is none.
    pub fn surname_paternal(&self) -> &str {
        self.surnames.first().map_or("", String::as_str)
    }

    /// The second (maternal) surname of a compound, i.e. its last token;
    /// `None` for a single surname.
    pub fn surname_maternal(&self) -> Option<&str> {
        match self.surnames.len() {
            0 | 1 => None,
            n => Some(&self.surnames[n - 1]),
        }
    }

    /// Every surname comparison key: the full compound, its joined form
    /// (`GARCIALOPEZ`), paternal, maternal, and the same with particles
    /// (`DE LA CRUZ`, `DELACRUZ`). Deduplicated, most specific first.
    pub fn surname_keys(&self) -> Vec<String> {
        let mut keys = Vec::with_capacity(6);
        push_unique(&mut keys, self.surname_full());
        push_unique(&mut keys, self.surnames.concat());
        push_unique(&mut keys, self.surname_paternal().to_owned());
        if let Some(m) = self.surname_maternal() {
            push_unique(&mut keys, m.to_owned());
        }
        push_unique(&mut keys, self.surname_tokens.join(" "));
        push_unique(&mut keys, self.surname_tokens.concat());
        keys
    }

    /// Given-name comparison keys: the first token, the whole given name
    /// (first and middle fields together), its joined form (`JIHOON`), and
    /// the nickname-canonical first name. Deduplicated.
    pub fn given_keys(&self) -> Vec<String> {
        let mut keys = Vec::with_capacity(4);
        let first = self.first_given();
        push_unique(&mut keys, first.to_owned());
        let all: Vec<&str> = self.given_all().collect();
        push_unique(&mut keys, all.join(" "));
        push_unique(&mut keys, all.concat());
        push_unique(&mut keys, canonical_first(first).to_owned());
        keys
    }

    /// Double Metaphone primary codes of the surname tokens (no particles),
    /// space-separated (`KRS LPS`).
    pub fn phonetic_surname(&self) -> String {
        let codes: Vec<String> = self.surnames.iter().map(|t| phonetic_primary(t)).collect();
        codes.join(" ")
    }

    /// Double Metaphone primary code of the first given name.
    pub fn phonetic_given(&self) -> String {
        phonetic_primary(self.first_given())
    }

    /// Canonical key for exact comparison:
    /// `nickname-canonical first given | surname compound joined without
    /// spaces or particles | suffix`. `BILL GARCIA-LOPEZ JR` and
    /// `William Garcia Lopez, Jr.` share `WILLIAM|GARCIALOPEZ|JR`.
    pub fn match_key(&self) -> String {
        let first = canonical_first(self.first_given());
        let suffix = self.suffix.map_or("", Suffix::as_str);
        let mut key = String::with_capacity(first.len() + 24);
        key.push_str(first);
        key.push('|');
        for s in &self.surnames {
            key.push_str(s);
        }
        key.push('|');
        key.push_str(suffix);
        key
    }

    /// True when the first or last name is missing or a placeholder
    /// (`UNKNOWN`, `NA`, `N/A`, `FNU`, `LNU`, `XXX`, `TEST`, single
    /// letters, digits, empty): policy.md `NAME_MISSING`.
    pub fn is_placeholder(&self) -> bool {
        is_placeholder_field(&self.given) || is_placeholder_field(&self.surname_tokens)
    }

    /// The standard form as four fields (first, middle, last, suffix);
    /// standardising them again gives back the same `StandardName`.
    pub fn standard_fields(&self) -> [String; 4] {
        [
            self.given.join(" "),
            self.middle.join(" "),
            self.surname_tokens.join(" "),
            self.suffix.map_or("", Suffix::as_str).to_owned(),
        ]
    }

    /// How closely two surnames agree, strongest level first.
    pub fn surname_agreement(&self, other: &StandardName) -> SurnameAgreement {
        surname_agreement(self, other)
    }

    /// How closely two given names agree, strongest level first.
    pub fn given_agreement(&self, other: &StandardName) -> GivenAgreement {
        given_agreement(self, other)
    }

    /// True when given and family names were swapped between the fields:
    /// this first name is the other's surname and vice versa.
    pub fn is_swapped_with(&self, other: &StandardName) -> bool {
        let (a_first, b_first) = (self.first_given(), other.first_given());
        !a_first.is_empty()
            && !b_first.is_empty()
            && other.surnames.iter().any(|s| s == a_first)
            && self.surnames.iter().any(|s| s == b_first)
    }
}

/// Nickname-canonical first name; a compound canonical (`JOSE LUIS`) keeps
/// its first word so that `JOSELUIS` and `JOSE LUIS` key alike.
fn canonical_first(first: &str) -> &str {
    let canonical = nickname_canonical(first);
    canonical.split(' ').next().unwrap_or(canonical)
}

/// Surname comparison levels (field-notes: exact full → same token set →
/// paternal → any token), plus joined, variant and phonetic levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SurnameAgreement {
    /// Same compound, same order.
    Exact,
    /// Same once spaces and particles are ignored (`GARCIALOPEZ`,
    /// `DELACRUZ` / `DE LA CRUZ`).
    Joined,
    /// Same tokens in another order (`LOPEZ GARCIA`).
    TokenSet,
    /// Same paternal surname (`GARCIA` / `GARCIA LOPEZ`).
    Paternal,
    /// Some surname token in common (maternal only, or crossed).
    AnyToken,
    /// Romanisation variants of each other (`LI` / `LEE`).
    Variant,
    /// Same Double Metaphone code on the paternal surname.
    Phonetic,
    /// Nothing in common.
    None,
}

fn surname_agreement(a: &StandardName, b: &StandardName) -> SurnameAgreement {
    if a.surnames.is_empty() || b.surnames.is_empty() {
        return SurnameAgreement::None;
    }
    if a.surnames == b.surnames {
        return SurnameAgreement::Exact;
    }
    let a_joined = [a.surnames.concat(), a.surname_tokens.concat()];
    let b_joined = [b.surnames.concat(), b.surname_tokens.concat()];
    if a_joined.iter().any(|x| b_joined.contains(x)) {
        return SurnameAgreement::Joined;
    }
    let mut a_sorted = a.surnames.clone();
    let mut b_sorted = b.surnames.clone();
    a_sorted.sort_unstable();
    b_sorted.sort_unstable();
    if a_sorted == b_sorted {
        return SurnameAgreement::TokenSet;
    }
    if a.surname_paternal() == b.surname_paternal() {
        return SurnameAgreement::Paternal;
    }
    if a.surnames.iter().any(|t| b.surnames.contains(t)) {
        return SurnameAgreement::AnyToken;
    }
    if are_surname_variants(a.surname_paternal(), b.surname_paternal()) {
        return SurnameAgreement::Variant;
    }
    if phonetic_equivalent(a.surname_paternal(), b.surname_paternal()) {
        return SurnameAgreement::Phonetic;
    }
    SurnameAgreement::None
}

/// Given-name comparison levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GivenAgreement {
    /// Same whole given name (first and middle fields together).
    Exact,
    /// Same first given token.
    FirstToken,
    /// Nickname-equivalent first tokens (`BILL` / `WILLIAM`).
    Nickname,
    /// A given token of one appears among the other's given or middle
    /// tokens (a middle name moved, `MARIA GUADALUPE` / `GUADALUPE`).
    CrossToken,
    /// One first name is the initial of the other (`J` / `JOHN`).
    Initial,
    /// Same Double Metaphone code on the first given name.
    Phonetic,
    /// Nothing in common.
    None,
}

fn given_agreement(a: &StandardName, b: &StandardName) -> GivenAgreement {
    let (fa, fb) = (a.first_given(), b.first_given());
    if fa.is_empty() || fb.is_empty() {
        return GivenAgreement::None;
    }
    if a.given_all().eq(b.given_all()) {
        return GivenAgreement::Exact;
    }
    if fa == fb {
        return GivenAgreement::FirstToken;
    }
    if are_nickname_equivalent(fa, fb) {
        return GivenAgreement::Nickname;
    }
    let long = |t: &&str| t.len() > 1;
    if a.given_all()
        .filter(long)
        .any(|t| b.given_all().any(|u| u == t))
    {
        return GivenAgreement::CrossToken;
    }
    let initial = |x: &str, y: &str| x.len() == 1 && y.starts_with(x);
    if initial(fa, fb) || initial(fb, fa) {
        return GivenAgreement::Initial;
    }
    if phonetic_equivalent(fa, fb) {
        return GivenAgreement::Phonetic;
    }
    GivenAgreement::None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(first: &str, middle: &str, last: &str, suffix: &str) -> StandardName {
        standardize_name(first, middle, last, suffix)
    }

    #[test]
    fn accents_fold() {
        let a = n("José", "", "Muñoz", "");
        assert_eq!(a.given, ["JOSE"]);
        assert_eq!(a.surnames, ["MUNOZ"]);
        assert_eq!(n("Thị", "", "Nguyễn", "").surname_full(), "NGUYEN");
    }

    #[test]
    fn apostrophe_and_split_prefix_join() {
        for last in ["O'Brien", "OBRIEN", "O Brien", "O\u{2019}Brien"] {
            assert_eq!(n("Pat", "", last, "").surname_full(), "OBRIEN", "{last}");
        }
        assert_eq!(n("A", "", "Mc Donald", "").surname_full(), "MCDONALD");
    }

    #[test]
    fn two_surname_forms_give_same_parts() {
        for last in ["GARCIA LOPEZ", "García-López", "GARCIA Y LOPEZ"] {
            let s = n("ANA", "", last, "");
            assert_eq!(s.surname_full(), "GARCIA LOPEZ", "{last}");
            assert_eq!(s.surname_paternal(), "GARCIA");
            assert_eq!(s.surname_maternal(), Some("LOPEZ"));
            assert!(s.surname_keys().contains(&"GARCIALOPEZ".to_owned()));
        }
    }

    #[test]
    fn particles_kept_and_stripped() {
        let s = n("Juan", "", "de la Cruz", "");
        assert_eq!(s.surnames, ["CRUZ"]);
        assert_eq!(s.particles, ["DE", "LA"]);
        let keys = s.surname_keys();
        for k in ["CRUZ", "DE LA CRUZ", "DELACRUZ"] {
            assert!(keys.contains(&k.to_owned()), "{k} in {keys:?}");
        }
        assert_eq!(n("A", "", "DE", "").surnames, ["DE"]);
    }

    #[test]
    fn suffix_extracted_wherever_written() {
        assert_eq!(n("JOHN", "", "SMITH JR", "").suffix, Some(Suffix::Jr));
        assert_eq!(n("JOHN", "", "SMITH JR", "").surnames, ["SMITH"]);
        assert_eq!(n("JOHN", "JR", "SMITH", "").suffix, Some(Suffix::Jr));
        assert!(n("JOHN", "JR", "SMITH", "").middle.is_empty());
        assert_eq!(n("JOHN III", "", "SMITH", "").given, ["JOHN"]);
        assert_eq!(n("JOHN", "", "SMITH", "3rd").suffix, Some(Suffix::III));
        assert_eq!(n("JOHN", "", "SMITH, Jr.", "JR").surnames, ["SMITH"]);
        assert_eq!(n("JOHN", "V", "SMITH", "").suffix, None);
    }

    #[test]
    fn placeholders_detected() {
        for (f, l) in [
            ("UNKNOWN", "SMITH"),
            ("JOHN", "NA"),
            ("N/A", "SMITH"),
            ("FNU", "GARCIA"),
            ("JOHN", "LNU"),
            ("XXX", "XXX"),
            ("TEST", "TEST"),
            ("J", "SMITH"),
            ("", "SMITH"),
            ("JOHN", ""),
        ] {
            assert!(n(f, "", l, "").is_placeholder(), "{f} {l}");
        }
        assert!(!n("JO", "", "LI", "").is_placeholder());
    }

    #[test]
    fn match_key_uses_nickname_and_suffix() {
        let a = n("Bill", "", "García-López", "Jr.");
        let b = n("WILLIAM", "H", "GARCIA LOPEZ", "JR");
        assert_eq!(a.match_key(), "WILLIAM|GARCIALOPEZ|JR");
        assert_eq!(a.match_key(), b.match_key());
        assert_ne!(
            a.match_key(),
            n("WILLIAM", "", "GARCIA LOPEZ", "SR").match_key()
        );
    }

    #[test]
    fn agreement_levels() {
        let a = n("MARIA GUADALUPE", "", "GARCIA LOPEZ", "");
        assert_eq!(
            a.surname_agreement(&n("X", "", "LOPEZ GARCIA", "")),
            SurnameAgreement::TokenSet
        );
        assert_eq!(
            a.surname_agreement(&n("X", "", "GARCIA", "")),
            SurnameAgreement::Paternal
        );
        assert_eq!(
            a.surname_agreement(&n("X", "", "GARCIALOPEZ", "")),
            SurnameAgreement::Joined
        );
        assert_eq!(
            a.given_agreement(&n("MARIA", "GUADALUPE", "X", "")),
            GivenAgreement::Exact
        );
        assert_eq!(
            a.given_agreement(&n("LUPE", "", "X", "")),
            GivenAgreement::None
        );
        assert_eq!(
            a.given_agreement(&n("GUADALUPE", "", "X", "")),
            GivenAgreement::CrossToken
        );
        let bill = n("BILL", "", "X", "");
        assert_eq!(
            bill.given_agreement(&n("WILLIAM", "", "X", "")),
            GivenAgreement::Nickname
        );
    }

    #[test]
    fn swapped_fields_recognised() {
        let a = n("JUAN", "", "PEREZ", "");
        assert!(a.is_swapped_with(&n("PEREZ", "", "JUAN", "")));
        assert!(!a.is_swapped_with(&n("JUAN", "", "PEREZ", "")));
    }

    #[test]
    fn standard_fields_round_trip() {
        let a = n("Sr. José", "Ma.", "de la Cruz y Pérez", "iii");
        let [f, m, l, s] = a.standard_fields();
        assert_eq!(standardize_name(&f, &m, &l, &s), a);
    }
}
