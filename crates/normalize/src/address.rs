//! US postal address parsing and standardisation to USPS Publication 28.
//!
//! A street line is folded into tokens, scanned for where the delivery
//! address starts (a house number, PO BOX, RR/HC route, military PSC/CMR/
//! UNIT, a USS/USNS/USCGC ship, GENERAL DELIVERY), and parsed right to left
//! for unit, postdirectional and suffix, then left to right for
//! predirectional, so that `AVENUE N`, `N ST` and `123 MAIN ST 5` come out
//! right. Anything before the start is a firm or care-of line; a Puerto
//! Rico urbanization (`URB LAS GLADIOLAS`) is taken out first, wherever it
//! is written. Placeholders and non-addresses are flagged, never silently
//! dropped, so the policy stage can reject them (`ADDRESS_INCOMPLETE`).
//!
//! The hot path allocates only the output fields, the folded line and one
//! token list, and looks each word up once in a hash table.
//!
//! Deliberately absent: deliverability (USPS ZIP+4 data is licensed), city
//! lists, geocoding, and any partial-credit scoring: equality of standard
//! forms is the only address comparison offered (field-notes, Addresses).

use crate::city::zip3_of;
use std::fmt::Write as _;
use std::sync::LazyLock;

use rustc_hash::FxHashMap;

use crate::fold::{fold_into, fold_street_into};
use crate::usps::{
    self, directional, directional_mistyped, directional_pair, street_suffix,
    street_suffix_mistyped, unit_designator,
};

/// What kind of delivery address a street line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressKind {
    /// House number and street.
    Street,
    /// Post office box.
    PoBox,
    /// Rural route and box (`RR 2 BOX 15`).
    RuralRoute,
    /// Highway contract route and box (`HC 3 BOX 20`).
    HighwayContract,
    /// Military: PSC/CMR/UNIT and box, with APO/FPO/DPO and AA/AE/AP.
    Military,
    /// A ship (`USS NIMITZ CVN 68`, `USNS`, `USCGC`), with FPO/APO and
    /// AA/AE/AP: Publication 28 military addressing for ships.
    Ship,
    /// GENERAL DELIVERY: no address at all.
    GeneralDelivery,
    /// No delivery address could be found.
    Unknown,
}

/// Problems found while standardising; any one of them makes
/// [`StandardAddress::is_complete`] false except where noted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressFlags {
    /// A required part is missing (house number, street, box, city, state, ZIP).
    pub incomplete: bool,
    /// A placeholder such as `Failed to Provide`, `Unknown`, `NA NA`, `00000`.
    pub placeholder: bool,
    /// `GENERAL DELIVERY`.
    pub general_delivery: bool,
    /// An in-care-of line; fine only when a street address follows.
    pub care_of: bool,
    /// A jail, detention centre, shelter or similar is named (informational).
    pub facility: bool,
    /// A facility is named with no street address.
    pub facility_only: bool,
    /// The ZIP prefix does not serve the state.
    pub zip_state_mismatch: bool,
    /// The state is not a USPS state, district, territory or military code.
    pub invalid_state: bool,
    /// The ZIP is malformed or its prefix is not allocated.
    pub invalid_zip: bool,
    /// A 4-digit ZIP had its lost leading zero restored (informational).
    pub zip_padded: bool,
}

impl AddressFlags {
    const NONE: AddressFlags = AddressFlags {
        incomplete: false,
        placeholder: false,
        general_delivery: false,
        care_of: false,
        facility: false,
        facility_only: false,
        zip_state_mismatch: false,
        invalid_state: false,
        invalid_zip: false,
        zip_padded: false,
    };

    /// Whether any flag forbids treating the address as complete.
    pub fn any_blocking(&self) -> bool {
        self.incomplete
            || self.placeholder
            || self.general_delivery
            || self.facility_only
            || self.zip_state_mismatch
            || self.invalid_state
            || self.invalid_zip
    }
}

/// A standardised US postal address. Every text field is upper-case ASCII
/// in Publication 28 form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardAddress {
    /// House number, with letters and fractions (`12B`, `123 1/2`, `123-45`).
    pub house_number: Option<String>,
    /// Predirectional (`N`, `SW`).
    pub predir: Option<String>,
    /// Street name without suffix or directionals (`MAIN`, `1ST`,
    /// `AVENUE B`, `STATE HIGHWAY 10`, `CALLE LUNA`). For a ship: its name
    /// (`NIMITZ`). For an unparseable line: its folded text.
    pub street_name: String,
    /// C1 standard street suffix (`ST`, `AVE`).
    pub suffix: Option<String>,
    /// Postdirectional, the direction after the street name (`NW` in
    /// `100 MAIN ST NW`).
    pub postdir: Option<String>,
    /// C2 secondary unit designator (`APT`, `STE`, `#`); for military
    /// addresses `PSC`, `CMR` or `UNIT`; for a ship `USS`, `USNS` or `USCGC`.
    pub unit_type: Option<String>,
    /// Secondary unit number (`5B`); for military the PSC/CMR/UNIT number;
    /// for a ship its hull number when written (`CVN 68`).
    pub unit: Option<String>,
    /// Box number of a PO BOX, rural route, highway contract or military address.
    pub po_box: Option<String>,
    /// Rural route or highway contract number.
    pub rural_route: Option<String>,
    /// Text of an in-care-of line (`JOHN SMITH` from `C/O John Smith`).
    pub care_of: Option<String>,
    /// Text before the delivery address (a firm or facility name).
    pub firm: Option<String>,
    /// Puerto Rico urbanization name (`LAS GLADIOLAS` from `URB LAS
    /// GLADIOLAS`): part of the address, since the same street address can
    /// exist in several urbanizations of one ZIP (Publication 28 §29).
    pub urbanization: Option<String>,
    /// Standardised city (abbreviations expanded: `SAINT LOUIS`).
    pub city: String,
    /// Two-letter USPS state code.
    pub state: Option<String>,
    /// 5-digit ZIP.
    pub zip5: Option<String>,
    /// ZIP+4 add-on.
    pub zip4: Option<String>,
    /// What kind of address this is.
    pub kind: AddressKind,
    /// Problems found.
    pub flags: AddressFlags,
}

/// Standardises an address from its four fields as filed.
///
/// ```
/// use vouch_normalize::standardize_address;
/// let a = standardize_address("1234 North Main Street Apt. 5", "Los Angeles", "California", "90012-3456");
/// assert_eq!(a.standard_line(), "1234 N MAIN ST APT 5, LOS ANGELES, CA 90012-3456");
/// assert!(a.is_complete());
/// ```
pub fn standardize_address(street: &str, city: &str, state: &str, zip: &str) -> StandardAddress {
    let mut folded = String::with_capacity(street.len() + 8);
    fold_street_into(street, &mut folded);
    let mut tokens = Tokens::with_capacity(16);
    // The folded line holds single spaces and no other whitespace.
    for t in folded.split_ascii_whitespace() {
        let t = t.trim_matches(|c| c == '-' || c == '/');
        match split_route_token(t).or_else(|| split_ordinal_suffix(t)) {
            Some((first, second)) => tokens.extend([first, second]),
            None if !t.is_empty() => tokens.push(t),
            None => {}
        }
    }
    drop_dangling_hashes(&mut tokens);
    let mut address = StandardAddress::empty();
    let classes = word_classes(tokens.iter().copied());
    address.flags.placeholder = is_placeholder_line(&tokens, classes);
    address.flags.facility = classes & WORD_FACILITY != 0;
    address.urbanization = extract_urbanization(&mut tokens);
    if address.urbanization.is_some() {
        // `150 CALLE A # URB X`: the `#` may dangle now.
        drop_dangling_hashes(&mut tokens);
    }
    parse_delivery(&tokens, &mut address);
    apply_city(city, &mut address);
    apply_state(state, &mut address);
    apply_zip(zip, &mut address);
    check_consistency(&mut address);
    address
}

/// The tokens of one line.
type Tokens<'a> = Vec<&'a str>;

/// A `#` means "number follows": one with nothing after it, or doubled,
/// carries no information.
fn drop_dangling_hashes(tokens: &mut Tokens) {
    let mut i = 0;
    while i < tokens.len() {
        let dangling = tokens[i] == "#" && tokens.get(i + 1).is_none_or(|n| *n == "#");
        if dangling {
            tokens.remove(i);
        } else {
            i += 1;
        }
    }
}

/// Splits an ordinal run into its street suffix (`14THBOULEVARD`,
/// `9THST`: a keying error) in two.
fn split_ordinal_suffix(t: &str) -> Option<(&str, &str)> {
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || t.len() < digits + 4 {
        return None;
    }
    let at = digits + 2;
    let (ordinal, rest) = (t.get(..at)?, t.get(at..)?);
    (is_numeric_ordinal(ordinal) && street_suffix(rest).is_some()).then_some((ordinal, rest))
}

/// Splits a hyphenated route number (`I-95`, `US-101`, `SR-9`) in two.
fn split_route_token(t: &str) -> Option<(&str, &str)> {
    let (route, number) = split_at_byte(t, b'-')?;
    let is_route = matches!(
        route,
        "I" | "IH"
            | "US"
            | "SR"
            | "CR"
            | "FM"
            | "HWY"
            | "SH"
            | "RT"
            | "RTE"
            | "ROUTE"
            | "HC"
            | "RR"
    );
    (is_route && is_digit_led(number)).then_some((route, number))
}

impl StandardAddress {
    fn empty() -> StandardAddress {
        StandardAddress {
            house_number: None,
            predir: None,
            street_name: String::new(),
            suffix: None,
            postdir: None,
            unit_type: None,
            unit: None,
            po_box: None,
            rural_route: None,
            care_of: None,
            firm: None,
            urbanization: None,
            city: String::new(),
            state: None,
            zip5: None,
            zip4: None,
            kind: AddressKind::Unknown,
            flags: AddressFlags::NONE,
        }
    }
}

/// Words that name a facility rather than a residence.
const FACILITY_WORDS: &[&str] = &[
    "JAIL",
    "PRISON",
    "DETENTION",
    "CORRECTIONAL",
    "CORRECTIONS",
    "PENITENTIARY",
    "STOCKADE",
    "CUSTODY",
    "INMATE",
    "INCARCERATED",
    "SHERIFF",
    "SHERIFFS",
    "SHELTER",
    "HOSPITAL",
    "FCI",
    "USP",
    "MDC",
    "ICE",
    "PROCESSING",
];

/// Phrases that mark a placeholder wherever they occur in a street line.
const PLACEHOLDER_PHRASES: &[&str] = &[
    "FAILED TO PROVIDE",
    "NOT PROVIDED",
    "UNKNOWN",
    "UNK",
    "NO ADDRESS",
    "DONT CARE",
    "DO NOT CARE",
    "NOT AVAILABLE",
    "REFUSED",
    "DECLINED",
    "HOMELESS",
    "TRANSIENT",
    "NO FIXED",
    "NONE",
    "NULL",
    "N/A",
    "TBD",
    "WHEREABOUTS",
    "TEST",
    "XXX",
    "SAME AS ABOVE",
    "NOT APPLICABLE",
    "NOT GIVEN",
    "UNDELIVERABLE",
    "RETURN TO SENDER",
    "ANYTOWN",
    "FAKE",
];

/// Words that, when a line consists of nothing else, make it a placeholder
/// (`NA NA`, `N A`, `X`, `ADDRESS`).
const PLACEHOLDER_WORDS: &[&str] = &[
    "NA", "N/A", "N", "A", "X", "XX", "NIL", "ADDRESS", "STREET", "SAME", "BLANK", "NO", "EMPTY",
];

/// A token is a facility word.
const WORD_FACILITY: u8 = 1;
/// A token is a placeholder word (see [`PLACEHOLDER_WORDS`]).
const WORD_PLACEHOLDER: u8 = 2;
/// A token starts a placeholder phrase (see [`PLACEHOLDER_PHRASES`]).
const WORD_PHRASE_START: u8 = 4;

/// Every word of the facility and placeholder tables with its classes, so
/// that a token is looked up once rather than compared with each table.
static WORD_CLASSES: LazyLock<FxHashMap<&'static str, u8>> = LazyLock::new(|| {
    let mut map = FxHashMap::default();
    let tables = [
        (FACILITY_WORDS, WORD_FACILITY),
        (PLACEHOLDER_WORDS, WORD_PLACEHOLDER),
    ];
    for (words, class) in tables {
        for word in words {
            *map.entry(*word).or_insert(0) |= class;
        }
    }
    for words in PLACEHOLDER_PHRASE_WORDS.iter() {
        *map.entry(words[0]).or_insert(0) |= WORD_PHRASE_START;
    }
    map
});

fn word_class(token: &str) -> u8 {
    // No listed word starts with a digit (a unit test holds the tables to
    // that), and most tokens that do are numbers: skip the hash for them.
    if token.as_bytes().first().is_none_or(u8::is_ascii_digit) {
        return 0;
    }
    WORD_CLASSES.get(token).copied().unwrap_or(0)
}

/// The union of the classes of `tokens`, with [`WORD_PLACEHOLDER`] set
/// only when *every* token is a placeholder word (so also when there are none).
fn word_classes<'a>(tokens: impl IntoIterator<Item = &'a str>) -> u8 {
    let mut any = 0;
    let mut all = WORD_PLACEHOLDER;
    for t in tokens {
        let class = word_class(t);
        any |= class;
        all &= class;
    }
    (any & !WORD_PLACEHOLDER) | all
}

fn is_placeholder_line(tokens: &[&str], classes: u8) -> bool {
    if classes & WORD_PLACEHOLDER != 0 {
        return true; // also the empty line
    }
    classes & WORD_PHRASE_START != 0 && contains_placeholder_phrase(tokens)
}

/// The placeholder phrases split into words once, for a cheap scan.
static PLACEHOLDER_PHRASE_WORDS: LazyLock<Vec<Vec<&'static str>>> = LazyLock::new(|| {
    PLACEHOLDER_PHRASES
        .iter()
        .map(|p| p.split(' ').collect())
        .collect()
});

/// Whether any placeholder phrase occurs as whole tokens.
fn contains_placeholder_phrase(tokens: &[&str]) -> bool {
    (0..tokens.len()).any(|i| {
        word_class(tokens[i]) & WORD_PHRASE_START != 0
            && PLACEHOLDER_PHRASE_WORDS
                .iter()
                .any(|words| words[0] == tokens[i] && tokens[i..].starts_with(words))
    })
}

/// Where the delivery address starts, and what kind it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    Street,
    NameOnly,
    PoBox { len: usize },
    Route { kind: AddressKind, len: usize },
    Military { len: usize },
    Ship,
    GeneralDelivery,
}

fn parse_delivery(tokens: &[&str], a: &mut StandardAddress) {
    let mut found = (0..tokens.len()).find_map(|i| start_at(tokens, i).map(|s| (i, s)));
    // `USS NIMITZ UNIT 100 BOX 5`: a unit and box after a ship's name are
    // the delivery address, and the ship's name a firm line before it.
    if let Some((i, Start::Ship)) = found {
        let military = (i + 1..tokens.len()).find_map(|j| match keyword_start(&tokens[j..]) {
            Some(start @ Start::Military { .. }) => Some((j, start)),
            _ => None,
        });
        found = military.or(found);
    }
    // With no recognisable start the whole line is parsed as a street
    // name with no house number (`MAIN ST`, `DONT CARE 12345`).
    let (start_index, start) = match found {
        Some(found) => found,
        None => (0, Start::NameOnly),
    };
    assign_prefix(&tokens[..start_index], a);
    // A care-of line with no address after it is still a care-of line.
    a.flags.care_of |= care_of_marker_len(tokens) > 0;
    let rest = &tokens[start_index..];
    match start {
        Start::Street => parse_street(rest, true, a),
        Start::NameOnly => parse_street(rest, false, a),
        Start::PoBox { len } => parse_box(rest, len, a),
        Start::Route { kind, len } => parse_route(rest, kind, len, a),
        Start::Military { len } => parse_military(rest, len, a),
        Start::Ship => parse_ship(rest, a),
        Start::GeneralDelivery => {
            a.kind = AddressKind::GeneralDelivery;
            a.flags.general_delivery = true;
        }
    }
    let has_delivery = match a.kind {
        AddressKind::Street => a.house_number.is_some() && !a.street_name.is_empty(),
        AddressKind::PoBox => a.po_box.is_some(),
        AddressKind::RuralRoute | AddressKind::HighwayContract => {
            a.rural_route.is_some() && a.po_box.is_some()
        }
        AddressKind::Military => a.unit.is_some() && a.po_box.is_some(),
        AddressKind::Ship => !a.street_name.is_empty(),
        AddressKind::GeneralDelivery | AddressKind::Unknown => false,
    };
    a.flags.incomplete |= !has_delivery;
    a.flags.facility_only = a.flags.facility && (!has_delivery || names_a_facility(tokens, a));
}

/// Words that number a bed or a prisoner, not a house (`POD 3`, `INMATE 123456`).
const HOUSING_WORDS: &[&str] = &[
    "INMATE", "POD", "DORM", "CELL", "BUNK", "TIER", "BOOKING", "BED", "HOUSING", "BLOCK",
];

/// A street line that is a facility's name with a bed or booking number in
/// front (`CELL 12 COOK COUNTY JAIL`), or whose "street" is itself the
/// facility (`123 HARRIS COUNTY JAIL`, `5 KROME DETENTION CENTER`), is no
/// street address. A real street named after one (`1200 HOSPITAL DR`) keeps
/// its street suffix and passes.
fn names_a_facility(tokens: &[&str], a: &StandardAddress) -> bool {
    let housing_first = tokens.first().is_some_and(|t| HOUSING_WORDS.contains(t));
    let street_is_facility = a
        .street_name
        .split(' ')
        .any(|w| word_classes([w]) & WORD_FACILITY != 0)
        && a.suffix
            .as_deref()
            .is_none_or(|s| s == "CTR" || s == "CTRS");
    housing_first || street_is_facility
}

/// Text before the delivery address: an in-care-of line or a firm name.
fn assign_prefix(prefix: &[&str], a: &mut StandardAddress) {
    if prefix.is_empty() {
        return;
    }
    let marker_len = care_of_marker_len(prefix);
    if marker_len > 0 {
        a.flags.care_of = true;
        a.care_of = Some(prefix[marker_len..].join(" "));
    } else {
        a.firm = Some(prefix.join(" "));
    }
}

/// Length of an in-care-of marker at the start of `tokens` (0 if none).
fn care_of_marker_len(tokens: &[&str]) -> usize {
    match tokens {
        ["C/O", ..] | ["ATTN", ..] | ["ATTENTION", ..] | ["CO", "OF", ..] => {
            if tokens[0] == "CO" {
                2
            } else {
                1
            }
        }
        ["IN", "CARE", "OF", ..] => 3,
        ["CARE", "OF", ..] => 2,
        _ => 0,
    }
}

/// `str::split_once` for one ASCII byte: a plain scan, cheaper than the
/// general searcher on tokens a few bytes long.
fn split_at_byte(t: &str, byte: u8) -> Option<(&str, &str)> {
    debug_assert!(byte.is_ascii());
    let at = t.bytes().position(|b| b == byte)?;
    // An ASCII byte is always a char boundary, so both slices are valid.
    Some((t.get(..at)?, t.get(at + 1..)?))
}

fn is_digit_led(t: &str) -> bool {
    t.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

/// A house number: digit-led, a Wisconsin/Illinois grid number
/// (`N123W4567`), or a grid number with one direction letter (`N3140`,
/// `W5881`: rural Wisconsin and other grid systems).
fn is_house_number(t: &str) -> bool {
    // `1ST` is a street name, never a house number.
    (is_digit_led(t) && !is_numeric_ordinal(t)) || is_grid_number(t) || is_lettered_grid_number(t)
}

/// `N3140`, `W5881`: one direction letter and at least two digits (a
/// letter alone, `N1` or `NE12` is not a house number).
fn is_lettered_grid_number(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 3
        && matches!(b[0], b'N' | b'S' | b'E' | b'W')
        && b[1..].iter().all(u8::is_ascii_digit)
}

/// `1ST`, `22ND`, `3RD`, `40TH`: what spelled ordinals standardise to.
fn is_numeric_ordinal(t: &str) -> bool {
    is_digit_led(t)
        && matches!(
            t.trim_start_matches(|c: char| c.is_ascii_digit()),
            "ST" | "ND" | "RD" | "TH"
        )
}

fn is_grid_number(t: &str) -> bool {
    let b = t.as_bytes();
    let dir = |c: u8| matches!(c, b'N' | b'S' | b'E' | b'W');
    let Some(second_dir) = b.iter().skip(1).position(|&c| dir(c)).map(|p| p + 1) else {
        return false;
    };
    b.len() > second_dir + 1
        && dir(b[0])
        && second_dir > 1
        && b[1..second_dir].iter().all(u8::is_ascii_digit)
        && b[second_dir + 1..].iter().all(u8::is_ascii_digit)
}

/// What delivery address, if any, starts at token `i`.
fn start_at(tokens: &[&str], i: usize) -> Option<Start> {
    let t = &tokens[i..];
    if let Some(start) = keyword_start(t) {
        return Some(start);
    }
    if !is_house_number(t[0]) {
        return None;
    }
    // A street name follows: some later word starting with a letter
    // (`12-B` or `1ST` alone after a number is not a street).
    let street_follows = t[1..]
        .iter()
        .any(|u| u.as_bytes()[0].is_ascii_alphabetic() || is_numeric_ordinal(u));
    let after_designator = i > 0 && unit_designator(tokens[i - 1]).is_some();
    (street_follows && !after_designator).then_some(Start::Street)
}

/// A PO box, route, military or general-delivery keyword at `t[0]`.
fn keyword_start(t: &[&str]) -> Option<Start> {
    match t {
        ["GENERAL", "DELIVERY", ..] | ["GEN", "DEL", ..] => Some(Start::GeneralDelivery),
        ["PO" | "POB" | "POBOX" | "BOX" | "BX", ..] => {
            po_box_len(t).map(|len| Start::PoBox { len })
        }
        ["P", "O", ..] | ["POST", "OFFICE" | "BOX", ..] => {
            po_box_len(t).map(|len| Start::PoBox { len })
        }
        ["RR" | "RURAL" | "RT" | "RTE" | "ROUTE" | "R", ..] => {
            route_len(t, ROUTE_RURAL).map(|len| Start::Route {
                kind: AddressKind::RuralRoute,
                len,
            })
        }
        ["HC" | "HIGHWAY" | "HWY" | "STAR", ..] => {
            route_len(t, ROUTE_CONTRACT).map(|len| Start::Route {
                kind: AddressKind::HighwayContract,
                len,
            })
        }
        [ship, name, ..] if is_ship_prefix(ship) && is_ship_name_word(name) => Some(Start::Ship),
        ["PSC" | "CMR" | "UNIT", number, "BOX" | "BX", box_number, ..]
            if is_box_number(number) && is_box_number(box_number) =>
        {
            Some(Start::Military { len: 1 })
        }
        _ => None,
    }
}

/// Length of a PO box keyword (`PO BOX`, `P O BOX`, `POST OFFICE BOX`,
/// `POB`, `BOX`) when a box number follows it.
fn po_box_len(t: &[&str]) -> Option<usize> {
    const FORMS: &[&[&str]] = &[
        &["POST", "OFFICE", "BOX"],
        &["P", "O", "BOX"],
        &["P", "O", "B"],
        &["PO", "BOX"],
        &["PO", "BX"],
        &["POST", "BOX"],
        &["P", "O"],
        &["POBOX"],
        &["POB"],
        &["PO"],
        &["BOX"],
        &["BX"],
    ];
    let len = FORMS
        .iter()
        .find(|form| t.len() > form.len() && t[..form.len()] == ***form)?
        .len();
    let number_at = len + usize::from(t[len] == "#");
    t.get(number_at).filter(|n| is_box_number(n)).map(|_| len)
}

fn is_box_number(t: &str) -> bool {
    // Letters alone are not taken: `BOX N` and `BOX NORTH` must decide alike.
    is_digit_led(t) && !is_numeric_ordinal(t)
}

const ROUTE_RURAL: &[&[&str]] = &[
    &["RURAL", "ROUTE"],
    &["RURAL", "RTE"],
    &["RURAL", "RT"],
    &["R", "R"],
    &["RR"],
    &["RTE"],
    &["RT"],
    &["ROUTE"],
];

const ROUTE_CONTRACT: &[&[&str]] = &[
    &["HIGHWAY", "CONTRACT"],
    &["HWY", "CONTRACT"],
    &["STAR", "ROUTE"],
    &["HC"],
];

/// Length of a route keyword when `keyword number BOX number` follows; a
/// bare `RR 2` (no box) is accepted for RR/HC so it is flagged incomplete
/// rather than read as a street.
fn route_len(t: &[&str], forms: &[&[&str]]) -> Option<usize> {
    let form = forms
        .iter()
        .find(|form| t.len() > form.len() && t[..form.len()] == ***form)?;
    let len = form.len();
    if !is_digit_led(t[len]) || is_numeric_ordinal(t[len]) {
        return None;
    }
    let boxed = matches!(t.get(len + 1), Some(&"BOX" | &"BX"));
    let explicit = matches!(
        form[0],
        "RR" | "RURAL" | "R" | "HC" | "HIGHWAY" | "HWY" | "STAR"
    );
    let bare_route = explicit && t.len() == len + 1;
    (boxed || bare_route).then_some(len)
}

fn parse_box(t: &[&str], len: usize, a: &mut StandardAddress) {
    a.kind = AddressKind::PoBox;
    let at = len + usize::from(t.get(len) == Some(&"#"));
    a.po_box = t.get(at).map(|n| clean_number(n));
    let rest = &t[(at + 1).min(t.len())..];
    if rest.first().and_then(|d| unit_designator(d)).is_some() {
        parse_trailing_unit(rest, a);
    } else if !rest.is_empty() {
        // Words after the box number make the line ambiguous (a box and a
        // street?): keep them, and fail closed.
        a.street_name = rest.join(" ");
        a.flags.incomplete = true;
    }
}

fn parse_route(t: &[&str], kind: AddressKind, len: usize, a: &mut StandardAddress) {
    a.kind = kind;
    a.rural_route = t.get(len).map(|n| clean_number(n));
    let box_at = len + 2 + usize::from(t.get(len + 2) == Some(&"#"));
    if matches!(t.get(len + 1), Some(&"BOX" | &"BX")) {
        a.po_box = t.get(box_at).map(|n| clean_number(n));
    }
}

fn parse_military(t: &[&str], len: usize, a: &mut StandardAddress) {
    a.kind = AddressKind::Military;
    a.unit_type = Some(t[0].to_owned());
    a.unit = t.get(len).map(|n| clean_number(n));
    a.po_box = t.get(len + 2).map(|n| clean_number(n));
}

/// A word that can begin a ship's name: the same kind of word as an
/// urbanization's, so that `USS 2ND FLOOR` (standard form `USS FL 2`) is
/// no ship and `USS KEY` (`USS KY`) one either way.
fn is_ship_name_word(t: &str) -> bool {
    is_urbanization_name_word(t)
}

fn is_ship_prefix(t: &str) -> bool {
    matches!(t, "USS" | "USNS" | "USCGC")
}

/// Hull classification symbols written after a ship's name (`CVN 68`,
/// `DDG-51`, `T-AH 19`): Navy, Military Sealift Command and Coast Guard.
const HULL_CLASSES: &[&str] = &[
    "AGF", "AH", "AKE", "AO", "AS", "CG", "CV", "CVN", "DDG", "EPF", "ESB", "ESD", "FFG", "LCC",
    "LCS", "LHA", "LHD", "LPD", "LSD", "MCM", "PC", "SSBN", "SSGN", "SSN", "T-AH", "T-AKE", "T-AO",
    "T-EPF", "T-ESB", "WAGB", "WHEC", "WLB", "WMEC", "WMSL", "WPC",
];

/// The hull number ending a ship's name (`CVN 68`, `CVN-68`, `CVN68`),
/// standard form `CVN 68`, and how many tokens it used.
fn trailing_hull(name: &[&str]) -> Option<(String, usize)> {
    let (&last, before) = name.split_last()?;
    let digits_at = last.bytes().position(|b| b.is_ascii_digit())?;
    let (class, number) = last.split_at(digits_at);
    if !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let class = class.strip_suffix('-').unwrap_or(class);
    let (class, used) = match (class, before.last()) {
        ("", Some(&previous)) => (previous, 2),
        ("", None) => return None,
        (class, _) => (class, 1),
    };
    // The name must keep at least one word.
    (HULL_CLASSES.contains(&class) && name.len() > used)
        .then(|| (format!("{class} {number}"), used))
}

fn parse_ship(t: &[&str], a: &mut StandardAddress) {
    a.kind = AddressKind::Ship;
    a.unit_type = Some(t[0].to_owned());
    let mut name = &t[1..];
    if let Some((hull, used)) = trailing_hull(name) {
        a.unit = Some(hull);
        name = &name[..name.len() - used];
    }
    a.street_name = name.join(" ");
}

/// Words that introduce a Puerto Rico urbanization.
fn is_urbanization_word(t: &str) -> bool {
    matches!(t, "URB" | "URBANIZACION" | "URBANIZATION")
}

/// A word that can be part of an urbanization's name: one starting with
/// a letter that cannot start a delivery address or a unit. It is judged
/// without hyphens, as a unit value is written (`TWENTY-FIRST` →
/// `TWENTYFIRST`), and so that standardising leaves a word of the same
/// kind (a spelled ordinal becomes `21ST`; `KEY`, a unit and a suffix, may
/// become `KY`).
fn is_urbanization_name_word(t: &str) -> bool {
    let joined: String = t.chars().filter(|&c| c != '-').collect();
    let t = joined.as_str();
    t.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && !is_urbanization_word(t)
        && !is_grid_number(t)
        && !is_lettered_grid_number(t)
        && !is_keyword_word(t)
        && ordinal_number(t).is_none()
        && lookup(TENS, t).is_none()
        && (unit_designator(t).is_none() || street_suffix(t).is_some())
        && !matches!(t, "CALLE" | "AVENIDA" | "AVDA" | "CARRETERA" | "CALLEJON")
}

/// Words that can begin a delivery keyword (see [`keyword_start`]).
fn is_keyword_word(t: &str) -> bool {
    matches!(
        t,
        "GENERAL"
            | "GEN"
            | "PO"
            | "POB"
            | "POBOX"
            | "BOX"
            | "BX"
            | "P"
            | "POST"
            | "RR"
            | "RURAL"
            | "RT"
            | "RTE"
            | "ROUTE"
            | "R"
            | "HC"
            | "HIGHWAY"
            | "HWY"
            | "STAR"
            | "PSC"
            | "CMR"
            | "UNIT"
    ) || is_ship_prefix(t)
}

/// Takes a Puerto Rico urbanization (`URB LAS GLADIOLAS`) out of the
/// tokens, wherever it is written, and returns its name: the words after
/// the last `URB` up to one that cannot be part of a name. The standard
/// line writes it last, so standardising that line again finds the same
/// name and leaves the same delivery address.
fn extract_urbanization(tokens: &mut Tokens) -> Option<String> {
    let at = tokens.iter().rposition(|t| is_urbanization_word(t))?;
    let end = (at + 1..tokens.len())
        .find(|&i| !is_urbanization_name_word(tokens[i]))
        .unwrap_or(tokens.len());
    if end == at + 1 {
        return None; // `URB 150 CALLE A`: no name to take.
    }
    let name = tokens[at + 1..end].join(" ");
    tokens.drain(at..end);
    Some(name)
}

/// Any unit after a PO box (`PO BOX 5 APT 2` is rare but seen).
fn parse_trailing_unit(t: &[&str], a: &mut StandardAddress) {
    if let Some((designator, _)) = t.first().and_then(|d| unit_designator(d)) {
        a.unit_type = Some(designator.to_owned());
        let skip = 1 + usize::from(t.get(1) == Some(&"#") && t[0] != "#");
        a.unit = unit_values(&t[skip.min(t.len())..]);
    }
}

/// Removes a hyphen that joins digits to letters (`12-B` → `12B`); a
/// hyphen between digits is significant (Queens `123-45`) and stays.
fn clean_number(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    push_clean_number(&mut out, t);
    out
}

/// [`clean_number`] appending to `out`.
fn push_clean_number(out: &mut String, t: &str) {
    let b = t.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'-' {
            let digits_both =
                i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !digits_both {
                continue;
            }
        }
        out.push(c as char);
    }
}

fn is_fraction(t: &str) -> bool {
    match split_at_byte(t, b'/') {
        Some((n, d)) => {
            !n.is_empty()
                && !d.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && d.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

fn parse_street(t: &[&str], with_house: bool, a: &mut StandardAddress) {
    let mut rest = t;
    let house = rest
        .first()
        .filter(|f| with_house && is_house_number(f) && rest.len() > 1);
    if let Some(first) = house {
        let mut number = clean_number(first);
        rest = &rest[1..];
        if let Some(fraction) = rest.first().filter(|f| is_fraction(f) && rest.len() > 1) {
            number.push(' ');
            number.push_str(fraction);
            rest = &rest[1..];
        }
        a.house_number = Some(number);
        a.kind = AddressKind::Street;
    }
    let unit_at = find_unit(rest);
    if let Some(at) = unit_at {
        assign_unit(&rest[at..], rest.get(at.wrapping_sub(1)).copied(), a);
    }
    let street_end = match unit_at {
        // `2ND FLOOR`: the ordinal before the designator is the unit value.
        Some(at) if is_floor_ordinal(rest, at) => at - 1,
        Some(at) => at,
        None => rest.len(),
    };
    let street_end = trailing_bare_unit(&rest[..street_end], a);
    parse_street_name(&rest[..street_end], a);
}

/// Index of the first secondary unit designator that starts the unit part.
fn find_unit(rest: &[&str]) -> Option<usize> {
    (1..rest.len()).find(|&i| {
        let Some((_, numbered)) = unit_designator(rest[i]) else {
            return false;
        };
        // `APT # 5`: the value is after the `#`.
        let value_at = i + 1 + usize::from(rest.get(i + 1) == Some(&"#"));
        match rest.get(value_at) {
            _ if is_floor_ordinal(rest, i) => i >= 2,
            Some(value) if numbered => rest[i] == "#" || is_unit_value(value),
            None => !numbered && i >= 2,
            Some(next) => !numbered && i >= 2 && unit_designator(next).is_some(),
        }
    })
}

/// `2ND FL`/`3RD FLOOR` at the end of the line.
fn is_floor_ordinal(rest: &[&str], i: usize) -> bool {
    i >= 2
        && i + 1 == rest.len()
        && matches!(rest[i], "FL" | "FLR" | "FLOOR")
        && ordinal_number(rest[i - 1]).is_some()
}

fn is_unit_value(t: &str) -> bool {
    // A spelled directional counts like its one-letter code, so that the
    // decision is the same before and after standardisation.
    let numbered = t.bytes().any(|b| b.is_ascii_digit()) && !is_numeric_ordinal(t);
    numbered || t.len() == 1 || directional(t).is_some()
}

fn assign_unit(t: &[&str], before: Option<&str>, a: &mut StandardAddress) {
    let Some((designator, _)) = unit_designator(t[0]) else {
        return;
    };
    a.unit_type = Some(designator.to_owned());
    // Only the `#` right after the designator is noise (`APT # 5`); later
    // ones are kept so that the standard line parses back the same.
    let skip = 1 + usize::from(t.get(1) == Some(&"#") && t[0] != "#");
    let values = unit_values(&t[skip.min(t.len())..]);
    if values.is_none() {
        // `2ND FLOOR` → `FL 2`.
        if let Some(n) = before.and_then(ordinal_number) {
            if matches!(designator, "FL") {
                a.unit = Some(n.to_string());
            }
        }
        return;
    }
    a.unit = values;
}

/// The unit value tokens cleaned and joined by spaces; `None` when empty.
fn unit_values(values: &[&str]) -> Option<String> {
    let (first, rest) = values.split_first()?;
    let mut out = clean_number(first);
    for v in rest {
        out.push(' ');
        push_clean_number(&mut out, v);
    }
    Some(out)
}

/// `123 MAIN ST 5`: a bare trailing value after a suffix or directional is
/// a unit with the `#` designator. Returns where the street part ends.
fn trailing_bare_unit(rest: &[&str], a: &mut StandardAddress) -> usize {
    if a.unit_type.is_some() || rest.len() < 3 {
        return rest.len();
    }
    let last = rest[rest.len() - 1];
    let before = rest[rest.len() - 2];
    let value_like = (is_digit_led(last) && !is_numeric_ordinal(last))
        || (last.len() == 1 && directional(last).is_none());
    let after_type = street_suffix(before).is_some() || directional(before).is_some();
    // `N US HIGHWAY R`: the letter is the highway's, after a predirectional too.
    let after_predir = leading_directional(rest).map_or(0, |(_, used)| used);
    if value_like && after_type && !is_highway_name(&rest[after_predir..]) {
        a.unit_type = Some("#".to_owned());
        a.unit = Some(clean_number(last));
        return rest.len() - 1;
    }
    rest.len()
}

/// Street name prefixes after which no suffix is taken (Spanish street
/// types and route names: the type leads, Pub 28 keeps it in the name).
const NAME_LEADING_TYPES: &[&str] = &[
    "CALLE",
    "AVENIDA",
    "AVDA",
    "CAMINO",
    "PASEO",
    "CARRETERA",
    "CALLEJON",
    "CALZADA",
    "PRIVADA",
    "CERRADA",
    "CIRCUITO",
    "VIA",
    "RUE",
];

fn is_highway_name(name: &[&str]) -> bool {
    highway_name(name).is_some()
}

/// The Publication 28 form of a highway or route name (`HWY 10` →
/// `HIGHWAY 10`, `SR 9` → `STATE ROUTE 9`), with the count of tokens used.
fn highway_name(name: &[&str]) -> Option<(&'static str, usize)> {
    let (form, len) = match name {
        ["SH", ..] => ("STATE HIGHWAY", 1),
        ["STATE", "HWY" | "HIGHWAY" | "HIWAY", ..] => ("STATE HIGHWAY", 2),
        ["STATE", "ROUTE" | "RT" | "RTE", ..] => ("STATE ROUTE", 2),
        ["STATE", "ROAD" | "RD", ..] => ("STATE ROAD", 2),
        ["SR", ..] => ("STATE ROUTE", 1),
        ["U", "S", "HWY" | "HIGHWAY" | "HIWAY" | "ROUTE" | "RT", ..] => ("US HIGHWAY", 3),
        ["U", "S", ..] => ("US HIGHWAY", 2),
        ["US" | "USHWY", "HWY" | "HIGHWAY" | "HIWAY" | "ROUTE" | "RT", ..] => ("US HIGHWAY", 2),
        ["US" | "USHWY", ..] => ("US HIGHWAY", 1),
        ["COUNTY" | "CO", "ROAD" | "RD", ..] => ("COUNTY ROAD", 2),
        ["COUNTY" | "CO", "HWY" | "HIGHWAY", ..] => ("COUNTY HIGHWAY", 2),
        ["COUNTY" | "CO", "ROUTE" | "RT" | "RTE", ..] => ("COUNTY ROUTE", 2),
        ["CR", ..] => ("COUNTY ROAD", 1),
        ["INTERSTATE" | "I" | "IH", ..] => ("INTERSTATE", 1),
        ["HWY" | "HIGHWAY" | "HIWAY" | "HWAY", ..] => ("HIGHWAY", 1),
        ["ROUTE" | "RT" | "RTE", ..] => ("ROUTE", 1),
        ["FM", ..] => ("FM", 1),
        ["RANCH", "ROAD" | "RD", ..] => ("RANCH ROAD", 2),
        _ => return None,
    };
    let number = name.get(len)?;
    let number_like = is_digit_led(number) && !is_numeric_ordinal(number);
    (number_like || number.len() == 1).then_some((form, len))
}

fn parse_street_name(name: &[&str], a: &mut StandardAddress) {
    let mut name = name;
    if name.is_empty() {
        return;
    }
    // A spelled-out suffix split by a stray space (`PALM CIRCL E`, `SANTA
    // FE BOULEVA RD`, `MAIN ST REET`): its two pieces are not both suffix
    // forms (`PARK WAY` is a street called PARK WAY), nor a suffix and a
    // directional (`CENTRAL PARK S`).
    if let [.., head, w, t] = name {
        let joined = format!("{w}{t}");
        let (w_suffix, t_suffix) = (street_suffix(w).is_some(), street_suffix(t).is_some());
        let t_dir = directional(t).is_some();
        let spelled = street_suffix(&joined).filter(|s| s.primary == joined && joined.len() >= 5);
        if let Some(suffix) = spelled {
            if !(w_suffix && (t_suffix || t_dir)) && directional(w).is_none() && !head.is_empty() {
                a.suffix = Some(suffix.standard.to_owned());
                a.street_name = standard_street_name(&name[..name.len() - 2], true);
                let rest = &name[..name.len() - 2];
                let leading = leading_directional(rest);
                if let Some((dir, used)) = leading.filter(|(_, used)| rest.len() > *used) {
                    a.predir = Some(dir.to_owned());
                    a.street_name = standard_street_name(&rest[used..], true);
                }
                return;
            }
        }
    }
    // Postdirectional: never the only name token, never after a lone type
    // word (`AVENUE N` is a street called AVENUE N).
    if let Some((dir, used)) = trailing_directional(name)
        .or_else(|| directional_mistyped(name[name.len() - 1]).map(|d| (d, 1)))
    {
        let before = &name[..name.len() - used];
        let type_word = |w: &str| street_suffix(w).is_some() || matches!(w, "SAINT" | "SNT");
        let lone_type = before.len() == 1 && type_word(before[0]);
        if !before.is_empty() && !lone_type {
            a.postdir = Some(dir.to_owned());
            name = before;
        }
    }
    let leading_type = name
        .iter()
        .position(|t| directional(t).is_none())
        .is_some_and(|i| {
            NAME_LEADING_TYPES.contains(&name[i]) || highway_name(&name[i..]).is_some()
        });
    if !leading_type && name.len() >= 2 {
        let last = name[name.len() - 1];
        if let Some(suffix) = street_suffix(last).or_else(|| street_suffix_mistyped(last)) {
            a.suffix = Some(suffix.standard.to_owned());
            name = &name[..name.len() - 1];
        }
    }
    let leading = leading_directional(name).or_else(|| {
        name.first()
            .and_then(|t| directional_mistyped(t))
            .map(|d| (d, 1))
    });
    if let Some((dir, used)) = leading {
        if name.len() > used {
            a.predir = Some(dir.to_owned());
            name = &name[used..];
        }
    }
    a.street_name = standard_street_name(name, a.suffix.is_some());
}

fn trailing_directional(name: &[&str]) -> Option<(&'static str, usize)> {
    let n = name.len();
    if n >= 3 {
        if let Some(dir) = directional_pair(name[n - 2], name[n - 1]) {
            return Some((dir, 2));
        }
    }
    directional(name[n - 1]).map(|d| (d, 1))
}

fn leading_directional(name: &[&str]) -> Option<(&'static str, usize)> {
    if name.len() >= 3 {
        if let Some(dir) = directional_pair(name[0], name[1]) {
            return Some((dir, 2));
        }
    }
    name.first().and_then(|t| directional(t)).map(|d| (d, 1))
}

/// Standard spelling of the street name tokens: highway forms, ordinals,
/// SAINT/MOUNT/FORT, and a leading type word spelled out (`AVENUE B`).
fn standard_street_name(name: &[&str], has_suffix: bool) -> String {
    if let Some((form, used)) = highway_name(name) {
        let mut out = String::from(form);
        for t in &name[used..] {
            out.push(' ');
            out.push_str(t);
        }
        return out;
    }
    let mut out = String::with_capacity(16 * name.len());
    let mut i = 0;
    while i < name.len() {
        if i > 0 {
            out.push(' ');
        }
        if let Some((n, used)) = spelled_ordinal(&name[i..]) {
            push_ordinal(&mut out, n);
            i += used;
            continue;
        }
        out.push_str(&standard_name_token(name, i, has_suffix));
        i += 1;
    }
    out
}

fn standard_name_token<'a>(
    name: &[&'a str],
    i: usize,
    has_suffix: bool,
) -> std::borrow::Cow<'a, str> {
    use std::borrow::Cow;
    let t = name[i];
    // Inside a street name, type words are spelled out (Pub 28: only the
    // suffix is abbreviated): `AVE B` → `AVENUE B`, `LOMA PT` → `LOMA POINT`.
    // `DR` stays (DR MARTIN LUTHER KING JR); Spanish/French types stay.
    if name.len() > 1 {
        match t {
            "ST" | "SNT" => return Cow::Borrowed("SAINT"),
            "AVDA" => return Cow::Borrowed("AVENIDA"),
            "DR" | "VIA" | "RUE" => return Cow::Borrowed(t),
            _ => {}
        }
        if let Some(suffix) = street_suffix(t) {
            // Past the first word, not into a unit designator (`V KY A`
            // stays, not `V KEY A`): the standard form read again would
            // take it for a unit, and standardising twice must give what
            // standardising once gave. A first word is the street's own.
            if i == 0 || unit_designator(suffix.primary).is_none() || unit_designator(t).is_some() {
                return Cow::Borrowed(suffix.primary);
            }
        }
    }
    // A lone number before a suffix is an ordinal street (`5 AVE` → `5TH AVE`).
    if name.len() == 1 && has_suffix && t.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = t.parse::<u32>() {
            let mut s = String::new();
            push_ordinal(&mut s, n);
            return Cow::Owned(s);
        }
    }
    match t {
        "2D" => Cow::Borrowed("2ND"),
        "3D" => Cow::Borrowed("3RD"),
        _ => Cow::Borrowed(t),
    }
}

fn push_ordinal(out: &mut String, n: u32) {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "TH",
        (1, _) => "ST",
        (2, _) => "ND",
        (3, _) => "RD",
        _ => "TH",
    };
    // Writing to a String cannot fail.
    let _ = write!(out, "{n}{suffix}");
}

const ORDINAL_UNITS: &[(&str, u32)] = &[
    ("FIRST", 1),
    ("SECOND", 2),
    ("THIRD", 3),
    ("FOURTH", 4),
    ("FIFTH", 5),
    ("SIXTH", 6),
    ("SEVENTH", 7),
    ("EIGHTH", 8),
    ("NINTH", 9),
    ("TENTH", 10),
    ("ELEVENTH", 11),
    ("TWELFTH", 12),
    ("THIRTEENTH", 13),
    ("FOURTEENTH", 14),
    ("FIFTEENTH", 15),
    ("SIXTEENTH", 16),
    ("SEVENTEENTH", 17),
    ("EIGHTEENTH", 18),
    ("NINETEENTH", 19),
    ("TWENTIETH", 20),
    ("THIRTIETH", 30),
    ("FORTIETH", 40),
    ("FIFTIETH", 50),
    ("SIXTIETH", 60),
    ("SEVENTIETH", 70),
    ("EIGHTIETH", 80),
    ("NINETIETH", 90),
];

const TENS: &[(&str, u32)] = &[
    ("TWENTY", 20),
    ("THIRTY", 30),
    ("FORTY", 40),
    ("FIFTY", 50),
    ("SIXTY", 60),
    ("SEVENTY", 70),
    ("EIGHTY", 80),
    ("NINETY", 90),
];

fn lookup(table: &[(&str, u32)], t: &str) -> Option<u32> {
    table.iter().find(|(w, _)| *w == t).map(|&(_, n)| n)
}

/// A spelled ordinal at the start of `t` (`FIRST`, `TWENTY FIRST`,
/// `TWENTY-FIRST`) and the tokens it used.
fn spelled_ordinal(t: &[&str]) -> Option<(u32, usize)> {
    let first = *t.first()?;
    if let Some((tens, unit)) = split_at_byte(first, b'-') {
        let n = lookup(TENS, tens)? + lookup(ORDINAL_UNITS, unit).filter(|&u| u < 10)?;
        return Some((n, 1));
    }
    if let Some(n) = lookup(ORDINAL_UNITS, first) {
        return Some((n, 1));
    }
    let tens = lookup(TENS, first)?;
    let unit = t
        .get(1)
        .and_then(|u| lookup(ORDINAL_UNITS, u))
        .filter(|&u| u < 10)?;
    Some((tens + unit, 2))
}

/// The number of a numeric ordinal token (`2ND` → 2), or of a spelled one.
fn ordinal_number(t: &str) -> Option<u32> {
    let digits = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let letters = &t[digits.len()..];
    if !digits.is_empty() && matches!(letters, "ST" | "ND" | "RD" | "TH" | "D") {
        return digits.parse().ok();
    }
    spelled_ordinal(&[t]).map(|(n, _)| n)
}

fn apply_city(city: &str, a: &mut StandardAddress) {
    let folded = crate::fold::fold(city);
    // `N/A` or `N.A.` would expand to `NORTH A`: judge the folded text
    // before any expansion too (its letters and digits, without spaces).
    let mut raw = [0u8; 8];
    let mut len = 0;
    for b in folded.bytes().filter(u8::is_ascii_alphanumeric) {
        if len == raw.len() {
            len = 0;
            break;
        }
        raw[len] = b;
        len += 1;
    }
    let raw_placeholder = matches!(
        &raw[..len],
        b"NA" | b"NONE" | b"UNKNOWN" | b"UNK" | b"NULL" | b"TBD" | b"XX" | b"XXX"
    );
    a.city = crate::city::expand_city(folded);
    if a.city.is_empty() {
        a.flags.incomplete = true;
        return;
    }
    if raw_placeholder {
        a.flags.placeholder = true;
    }
    let digits_only = a.city.bytes().all(|b| b.is_ascii_digit() || b == b' ');
    // The standard city has single spaces; its tokens are listed only
    // when a placeholder phrase may start among them.
    let classes = word_classes(a.city.split_ascii_whitespace());
    let phrase = classes & WORD_PHRASE_START != 0 && {
        let tokens: Tokens = a.city.split_ascii_whitespace().collect();
        contains_placeholder_phrase(&tokens)
    };
    let placeholder = classes & WORD_PLACEHOLDER != 0
        || phrase
        || matches!(a.city.as_str(), "CITY" | "SOMEWHERE" | "ANYWHERE");
    a.flags.placeholder |= placeholder || digits_only;
}

fn apply_state(state: &str, a: &mut StandardAddress) {
    match state_lookup(state) {
        StateLookup::Empty => a.flags.incomplete = true,
        StateLookup::Code(code) => a.state = Some(code.to_owned()),
        StateLookup::Unknown => a.flags.invalid_state = true,
    }
}

/// What a state field holds.
pub(crate) enum StateLookup {
    /// Nothing once folded.
    Empty,
    /// A USPS code or a name of one.
    Code(&'static str),
    /// Something else.
    Unknown,
}

/// Longest folded state form in the table is shorter than this.
const STATE_FOLDED_BYTES_MAX: usize = 32;

/// The state code of a field written as a code or a name, compared folded
/// with spaces removed (`New York`, `N.Y.`, `WASHINGTON DC`).
pub(crate) fn state_lookup(state: &str) -> StateLookup {
    if !state.is_ascii() {
        let mut joined = String::with_capacity(state.len());
        fold_into(state, &mut joined);
        joined.retain(|c| c != ' ');
        return state_of_joined(&joined);
    }
    // ASCII folds to its letters and digits upper-cased; every other byte
    // is a boundary or joins, and boundaries are removed here anyway.
    let mut buf = [0u8; STATE_FOLDED_BYTES_MAX];
    let mut len = 0;
    for b in state.bytes().filter(u8::is_ascii_alphanumeric) {
        if len == buf.len() {
            return StateLookup::Unknown;
        }
        buf[len] = b.to_ascii_uppercase();
        len += 1;
    }
    match std::str::from_utf8(&buf[..len]) {
        Ok(joined) => state_of_joined(joined),
        Err(_) => StateLookup::Unknown,
    }
}

fn state_of_joined(joined: &str) -> StateLookup {
    if joined.is_empty() {
        return StateLookup::Empty;
    }
    usps::state_code(joined).map_or(StateLookup::Unknown, StateLookup::Code)
}

fn apply_zip(zip: &str, a: &mut StandardAddress) {
    let zip = zip.trim();
    if zip.is_empty() {
        a.flags.incomplete = true;
        return;
    }
    let well_formed = zip
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'-' || b == b' ');
    let digit_count = zip.bytes().filter(u8::is_ascii_digit).count();
    // A lost leading zero (spreadsheets) is restored.
    let padded = matches!(digit_count, 4 | 8);
    a.flags.zip_padded |= padded;
    let len = digit_count + usize::from(padded);
    if !well_formed || !(len == 5 || len == 9) {
        a.flags.invalid_zip = true;
        return;
    }
    let mut buf = *b"000000000";
    for (slot, b) in buf[usize::from(padded)..]
        .iter_mut()
        .zip(zip.bytes().filter(u8::is_ascii_digit))
    {
        *slot = b;
    }
    let Ok(digits) = std::str::from_utf8(&buf[..len]) else {
        a.flags.invalid_zip = true;
        return;
    };
    let zip5 = &digits[..5];
    if zip5 == "00000" || zip5 == "99999" {
        a.flags.placeholder = true;
    }
    if !zip3_of(zip5).is_some_and(usps::zip3_known) || zip5 == "00000" {
        a.flags.invalid_zip = true;
    }
    a.zip5 = Some(zip5.to_owned());
    a.zip4 = (digits.len() == 9 && &digits[5..] != "0000").then(|| digits[5..].to_owned());
}

fn check_consistency(a: &mut StandardAddress) {
    if let (Some(zip5), Some(state)) = (&a.zip5, &a.state) {
        let serves = zip3_of(zip5).is_some_and(|z| usps::zip3_serves(z, state));
        a.flags.zip_state_mismatch = !serves && !a.flags.invalid_zip;
    }
    let military_state = a.state.as_deref().is_some_and(usps::is_military_state);
    let military_city = matches!(a.city.as_str(), "APO" | "FPO" | "DPO");
    let military_kind = matches!(a.kind, AddressKind::Military | AddressKind::Ship);
    // APO/FPO/DPO, AA/AE/AP and a PSC/CMR/UNIT line go together or not at all.
    if military_state != military_city || (military_kind && !military_state) {
        a.flags.incomplete = true;
    }
    if military_state && !military_kind && a.kind != AddressKind::PoBox {
        a.flags.incomplete = true;
    }
}

impl StandardAddress {
    /// The delivery line in Publication 28 form (`1234 N MAIN ST APT 5`,
    /// `PO BOX 12`, `RR 2 BOX 15`, `PSC 1234 BOX 5678`), with any care-of
    /// or firm text first. Standardising it again gives the same address.
    pub fn street_line(&self) -> String {
        let mut parts: Vec<&str> = Vec::with_capacity(12);
        if let Some(care_of) = &self.care_of {
            parts.push("C/O");
            parts.push(care_of);
        }
        if let Some(firm) = &self.firm {
            parts.push(firm);
        }
        match self.kind {
            AddressKind::PoBox => {
                parts.push("PO BOX");
                parts.extend(self.po_box.as_deref());
                parts.push(&self.street_name);
                parts.extend(self.unit_type.as_deref());
                parts.extend(self.unit.as_deref());
            }
            AddressKind::RuralRoute | AddressKind::HighwayContract => {
                let keyword = if self.kind == AddressKind::RuralRoute {
                    "RR"
                } else {
                    "HC"
                };
                parts.push(keyword);
                parts.extend(self.rural_route.as_deref());
                if let Some(b) = &self.po_box {
                    parts.push("BOX");
                    parts.push(b);
                }
            }
            AddressKind::Military => {
                parts.extend(self.unit_type.as_deref());
                parts.extend(self.unit.as_deref());
                parts.push("BOX");
                parts.extend(self.po_box.as_deref());
            }
            AddressKind::Ship => {
                parts.extend(self.unit_type.as_deref());
                parts.push(&self.street_name);
                parts.extend(self.unit.as_deref());
            }
            AddressKind::GeneralDelivery => parts.push("GENERAL DELIVERY"),
            AddressKind::Street | AddressKind::Unknown => self.street_parts(&mut parts),
        }
        // Publication 28 puts the urbanization on a line of its own above
        // the delivery line; on one line it goes last, where it cannot be
        // read as part of a street name.
        if let Some(urbanization) = &self.urbanization {
            parts.push("URB");
            parts.push(urbanization);
        }
        parts.retain(|p| !p.is_empty());
        parts.join(" ")
    }

    fn street_parts<'a>(&'a self, parts: &mut Vec<&'a str>) {
        parts.extend(self.house_number.as_deref());
        parts.extend(self.predir.as_deref());
        parts.push(&self.street_name);
        parts.extend(self.suffix.as_deref());
        parts.extend(self.postdir.as_deref());
        parts.extend(self.unit_type.as_deref());
        parts.extend(self.unit.as_deref());
    }

    /// The whole address on one line in Publication 28 form:
    /// `1234 N MAIN ST APT 5, LOS ANGELES, CA 90012` (`-1234` appended
    /// when a ZIP+4 is known).
    pub fn standard_line(&self) -> String {
        let mut line = self.street_line();
        line.push_str(", ");
        line.push_str(&self.city);
        line.push_str(", ");
        line.push_str(self.state.as_deref().unwrap_or(""));
        if let Some(zip5) = &self.zip5 {
            line.push(' ');
            line.push_str(zip5);
            if let Some(zip4) = &self.zip4 {
                line.push('-');
                line.push_str(zip4);
            }
        }
        line
    }

    /// True only for a complete, deliverable-looking US address: a house
    /// number and street name (or PO box, rural route or highway contract
    /// with box, or military unit with box); a city; a valid state; a valid
    /// ZIP served by that state; and no placeholder or non-address flag.
    /// This is policy.md `ADDRESS_INCOMPLETE` negated.
    pub fn is_complete(&self) -> bool {
        !self.flags.any_blocking()
            && !self.city.is_empty()
            && self.state.is_some()
            && self.zip5.is_some()
            && !matches!(
                self.kind,
                AddressKind::Unknown | AddressKind::GeneralDelivery
            )
    }

    /// The canonical key for exact address equality:
    /// `house|predir|street name|suffix|postdir|unit|zip5` for a street,
    /// `PO BOX|n|zip5`, `RR|route|box|zip5`, `HC|...`, `PSC|unit|box|zip5`,
    /// `USS|ship name|zip5`; `|URB name` appended when a Puerto Rico
    /// urbanization is known.
    ///
    /// The city is **not** included: within one ZIP5 the street line already
    /// identifies the delivery point, and the written city varies (vanity
    /// names such as HOLLYWOOD for LOS ANGELES, `ST`/`SAINT`, misspellings)
    /// where the ZIP does not; compare cities with [`crate::city_similarity`]
    /// when wanted. The ZIP+4 is not included either: it is often missing.
    /// Unit designators are folded into classes so that `APT 5`, `UNIT 5`,
    /// `STE 5` and `#5` agree while `BLDG 5`, `FL 5` stay distinct (another
    /// axis); the unit number itself must match exactly.
    pub fn match_key(&self) -> String {
        let mut key = String::with_capacity(64);
        self.match_key_into(&mut key);
        key
    }

    /// [`StandardAddress::match_key`] written into `key` (cleared first),
    /// so that a caller keying many addresses reuses one buffer.
    pub fn match_key_into(&self, key: &mut String) {
        key.clear();
        let zip5 = self.zip5.as_deref().unwrap_or("");
        match self.kind {
            AddressKind::PoBox => push_fields(key, &["PO BOX", opt(&self.po_box), zip5]),
            AddressKind::RuralRoute => push_fields(
                key,
                &["RR", opt(&self.rural_route), opt(&self.po_box), zip5],
            ),
            AddressKind::HighwayContract => push_fields(
                key,
                &["HC", opt(&self.rural_route), opt(&self.po_box), zip5],
            ),
            AddressKind::Military => push_fields(
                key,
                &[
                    opt(&self.unit_type),
                    opt(&self.unit),
                    opt(&self.po_box),
                    zip5,
                ],
            ),
            // The hull number is often left out; the name and ZIP suffice.
            AddressKind::Ship => push_fields(key, &[opt(&self.unit_type), &self.street_name, zip5]),
            _ => {
                let unit_class = self.unit_type.as_deref().map_or("", unit_class);
                push_fields(
                    key,
                    &[
                        opt(&self.house_number),
                        opt(&self.predir),
                        &self.street_name,
                        opt(&self.suffix),
                        opt(&self.postdir),
                        unit_class,
                        opt(&self.unit),
                        zip5,
                    ],
                )
            }
        }
        if let Some(urbanization) = &self.urbanization {
            key.push_str("|URB ");
            key.push_str(urbanization);
        }
    }

    /// The delivery point without its street name: ZIP5, house number,
    /// directionals, unit (class and number) and urbanization, for a street address with a
    /// house number and a ZIP (`None` otherwise). Two addresses at one
    /// point whose streets are alike (a keying error apart) name the same
    /// delivery point.
    pub fn delivery_point(&self) -> Option<String> {
        let mut key = String::with_capacity(32);
        self.delivery_point_into(&mut key).then_some(key)
    }

    /// [`StandardAddress::delivery_point`] written into `key` (cleared
    /// first); false, with `key` empty, where there is none.
    pub fn delivery_point_into(&self, key: &mut String) -> bool {
        key.clear();
        if !matches!(self.kind, AddressKind::Street | AddressKind::Unknown) {
            return false;
        }
        let (Some(house), Some(zip5)) = (self.house_number.as_deref(), self.zip5.as_deref()) else {
            return false;
        };
        let unit_class = self.unit_type.as_deref().map_or("", unit_class);
        push_fields(
            key,
            &[
                zip5,
                house,
                opt(&self.predir),
                opt(&self.postdir),
                unit_class,
                opt(&self.unit),
                opt(&self.urbanization),
            ],
        );
        true
    }

    /// The street for comparing spellings: the street name, then `|` and
    /// the suffix spelled out when there is one (`PERRY|DRIVE`,
    /// `PERRY RIVE`), without directionals (part of the delivery point).
    pub fn street_words(&self) -> String {
        let mut out = String::with_capacity(self.street_name.len() + 12);
        self.street_words_into(&mut out);
        out
    }

    /// [`StandardAddress::street_words`] appended to `out`.
    pub fn street_words_into(&self, out: &mut String) {
        out.push_str(&self.street_name);
        if let Some(suffix) = self.suffix.as_deref() {
            let long = crate::usps::street_suffix(suffix).map_or(suffix, |s| s.primary);
            out.push('|');
            out.push_str(long);
        }
    }

    /// A coarse key for blocking: house number and street name, without
    /// suffix, directionals, unit or ZIP (`1234 MAIN`); `PO BOX 12` for a
    /// box, `RR 2 BOX 15` for a route.
    pub fn street_key(&self) -> String {
        let mut key = String::with_capacity(32);
        self.street_key_into(&mut key);
        key
    }

    /// [`StandardAddress::street_key`] written into `key` (cleared first).
    pub fn street_key_into(&self, key: &mut String) {
        key.clear();
        match self.kind {
            AddressKind::Street | AddressKind::Unknown => {
                if let Some(house) = &self.house_number {
                    key.push_str(house);
                    key.push(' ');
                }
                key.push_str(&self.street_name);
            }
            _ => key.push_str(&self.street_line()),
        }
    }
}

/// A street address's match key ([`StandardAddress::match_key`]) as the
/// same address would read with one keying error: its ZIP5 replaced by
/// `zip5`, and/or its unit (class and number) left out. `None` when `key`
/// is not the match key of a street address with a house number and a
/// five-digit ZIP, or `zip5` is not five digits.
///
/// The matcher uses it to recognise a return keyed with a wrong ZIP digit
/// or without its apartment, without keeping the standardised address of
/// every subject.
pub fn match_key_variant(key: &str, zip5: Option<&str>, drop_unit: bool) -> Option<String> {
    let five = |z: &str| z.len() == 5 && z.bytes().all(|b| b.is_ascii_digit());
    let mut fields: Vec<&str> = key.split('|').collect();
    let street = match fields.len() {
        8 => true,
        9 => fields[8].starts_with("URB "),
        _ => false,
    };
    if !street || fields[0].is_empty() || fields[2].is_empty() || !five(fields[7]) {
        return None;
    }
    if let Some(z) = zip5 {
        if !five(z) {
            return None;
        }
        fields[7] = z;
    }
    if drop_unit {
        fields[5] = "";
        fields[6] = "";
    }
    Some(fields.join("|"))
}

/// The delivery point ([`StandardAddress::delivery_point`]) of the street
/// address whose match key is `key`, in ZIP `zip5` instead of its own
/// (`None` for a key that is no street address with a house number).
pub fn delivery_point_variant(key: &str, zip5: &str) -> Option<String> {
    let k = match_key_variant(key, Some(zip5), false)?;
    let f: Vec<&str> = k.split('|').collect();
    let urbanization = f.get(8).map_or("", |u| u.strip_prefix("URB ").unwrap_or(u));
    let mut out = String::with_capacity(32);
    push_fields(
        &mut out,
        &[f[7], f[0], f[1], f[4], f[5], f[6], urbanization],
    );
    Some(out)
}

fn opt(field: &Option<String>) -> &str {
    field.as_deref().unwrap_or("")
}

fn push_fields(key: &mut String, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            key.push('|');
        }
        key.push_str(f);
    }
}

/// Designators that name the same kind of thing (a dwelling or office
/// within the building) share a class in the match key.
fn unit_class(designator: &str) -> &str {
    match designator {
        "APT" | "UNIT" | "STE" | "#" | "RM" | "SPC" | "LOT" | "TRLR" | "SLIP" | "PIER" | "HNGR"
        | "OFC" | "STOP" | "KEY" | "DEPT" => "#",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_point_in_another_zip_is_the_one_that_address_would_have() {
        for street in [
            "9 Pinkerton Cir",
            "1200 N Main St Apt 4B",
            "77 SW 161st St Unit 2",
            "N3140 Silver Eagle Cir",
            "12 Calle Luna Urb Villa Nevarez",
        ] {
            let a = standardize_address(street, "Los Angeles", "CA", "90031");
            let b = standardize_address(street, "Los Angeles", "CA", "90032");
            assert_eq!(
                delivery_point_variant(&a.match_key(), "90032"),
                b.delivery_point(),
                "{street}"
            );
        }
        let box_ = standardize_address("PO Box 12", "Los Angeles", "CA", "90031");
        assert_eq!(delivery_point_variant(&box_.match_key(), "90032"), None);
        let a = standardize_address("9 Pinkerton Cir", "Los Angeles", "CA", "90031");
        assert_eq!(delivery_point_variant(&a.match_key(), "9003"), None);
    }

    #[test]
    fn no_class_word_starts_with_a_digit() {
        // `word_class` skips the lookup for digit-led tokens.
        let phrase_words = PLACEHOLDER_PHRASES.iter().flat_map(|p| p.split(' '));
        let all = FACILITY_WORDS
            .iter()
            .chain(PLACEHOLDER_WORDS)
            .copied()
            .chain(phrase_words);
        for word in all {
            assert!(!word.as_bytes()[0].is_ascii_digit(), "{word}");
        }
    }

    #[test]
    fn word_classes_need_every_token_for_placeholder() {
        assert_ne!(word_classes(["NA", "NA"]) & WORD_PLACEHOLDER, 0);
        assert_eq!(word_classes(["NA", "MAIN"]) & WORD_PLACEHOLDER, 0);
        assert_ne!(word_classes([]) & WORD_PLACEHOLDER, 0);
        assert_ne!(word_classes(["12", "JAIL"]) & WORD_FACILITY, 0);
        assert_ne!(word_classes(["FAILED", "TO"]) & WORD_PHRASE_START, 0);
    }

    #[test]
    fn hull_numbers_end_ship_names() {
        let hull = |name: &[&str]| trailing_hull(name);
        assert_eq!(hull(&["NIMITZ", "CVN", "68"]), Some(("CVN 68".into(), 2)));
        assert_eq!(hull(&["NIMITZ", "CVN-68"]), Some(("CVN 68".into(), 1)));
        assert_eq!(hull(&["BURKE", "DDG51"]), Some(("DDG 51".into(), 1)));
        assert_eq!(hull(&["MERCY", "T-AH", "19"]), Some(("T-AH 19".into(), 2)));
        assert_eq!(hull(&["CVN", "68"]), None, "the name keeps a word");
        assert_eq!(hull(&["NIMITZ", "68"]), None, "no class, no hull");
        assert_eq!(hull(&["NIMITZ", "XYZ", "68"]), None);
    }

    #[test]
    fn urbanization_is_taken_before_or_after_the_street() {
        let mut before = vec!["URB", "LAS", "GLADIOLAS", "150", "CALLE", "A"];
        assert_eq!(
            extract_urbanization(&mut before).as_deref(),
            Some("LAS GLADIOLAS")
        );
        assert_eq!(before, ["150", "CALLE", "A"]);
        let mut after = vec!["150", "CALLE", "A", "URB", "LAS", "GLADIOLAS", "APT", "2"];
        assert_eq!(
            extract_urbanization(&mut after).as_deref(),
            Some("LAS GLADIOLAS")
        );
        assert_eq!(after, ["150", "CALLE", "A", "APT", "2"]);
        let mut nameless = vec!["URB", "150", "CALLE", "A"];
        assert_eq!(extract_urbanization(&mut nameless), None);
        assert_eq!(nameless.len(), 4);
    }

    #[test]
    fn split_at_byte_matches_split_once() {
        for t in ["I-95", "-", "A-", "-B", "AB", "", "1/2", "N-Ñ-"] {
            assert_eq!(split_at_byte(t, b'-'), t.split_once('-'), "{t}");
        }
    }
}
