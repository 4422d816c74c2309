//! USPS Publication 28 tables: street suffixes (C1), secondary unit
//! designators (C2), directionals, state and territory codes, and the ZIP
//! prefix to state table.
//!
//! The large tables are text files under `data/` compiled in with
//! `include_str!` and parsed once (`LazyLock`) into `FxHashMap`s keyed by
//! `&'static str`, so a lookup is one hash of a short token and no
//! allocation. This module deliberately holds data and lookups only; the
//! grammar that uses them is in `address`.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

/// Publication 28 Appendix C1 as shipped (see the file header for format).
pub const STREET_SUFFIXES_TXT: &str = include_str!("../data/street_suffixes.txt");

/// ZIP prefix ranges to state codes as shipped.
pub const ZIP3_STATES_TXT: &str = include_str!("../data/zip3_states.txt");

/// One C1 suffix: the standard abbreviation and the spelled-out name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StreetSuffix {
    pub(crate) standard: &'static str,
    pub(crate) primary: &'static str,
}

static SUFFIXES: LazyLock<FxHashMap<&'static str, StreetSuffix>> = LazyLock::new(|| {
    let mut map = FxHashMap::default();
    for line in STREET_SUFFIXES_TXT.lines() {
        let Some((head, forms)) = line.split_once(':') else {
            continue;
        };
        if line.starts_with('#') {
            continue;
        }
        let mut head = head.split_whitespace();
        let (Some(standard), Some(primary)) = (head.next(), head.next()) else {
            continue;
        };
        let suffix = StreetSuffix { standard, primary };
        map.entry(standard).or_insert(suffix);
        map.entry(primary).or_insert(suffix);
        for form in forms.split_whitespace() {
            map.entry(form).or_insert(suffix);
        }
    }
    map
});

/// The C1 entry for a folded token written as a street suffix.
pub(crate) fn street_suffix(token: &str) -> Option<StreetSuffix> {
    SUFFIXES.get(token).copied()
}

/// Spelled-out suffixes long enough that one keying error cannot make
/// another word of them (six letters or more: AVENUE, STREET, BOULEVARD;
/// not DRIVE, COURT, PLACE, whose one-letter neighbours are real names).
static LONG_SUFFIXES: LazyLock<Vec<StreetSuffix>> = LazyLock::new(|| {
    let mut v: Vec<StreetSuffix> = SUFFIXES
        .values()
        .filter(|s| s.primary.len() >= 6)
        .copied()
        .collect();
    v.sort_unstable_by_key(|s| s.primary);
    v.dedup();
    v
});

/// A street suffix mistyped as a spelled-out word (`AVEUNE`, `STRREET`,
/// `SRTEET`, `BULEVARD`): a token of five letters or more, itself no C1
/// form, one edit (a letter changed, added, dropped, or two neighbours
/// swapped) from exactly one spelled-out suffix of six letters or more.
pub(crate) fn street_suffix_mistyped(token: &str) -> Option<StreetSuffix> {
    if token.len() < 5 || !token.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    if SUFFIXES.contains_key(token) || directional(token).is_some() {
        return None;
    }
    let mut found: Option<StreetSuffix> = None;
    for s in LONG_SUFFIXES.iter() {
        if crate::identity::within_one_edit(token, s.primary) {
            if found.is_some_and(|f| f.standard != s.standard) {
                return None;
            }
            found = Some(*s);
        }
    }
    found
}

/// Whether `word`, written where a street's suffix would be but no C1
/// form itself, is one keying error from the spelled-out suffix `primary`
/// and from no other spelled-out suffix (`PLNACE` and `PACE` for `PLACE`,
/// `DRIVVE` for `DRIVE`; not `PARS`, one edit from both `PARK` and
/// `PASS`). Unlike the standardiser's own correction of mistyped suffixes
/// (six letters or more, whatever the other spelling) this knows
/// which suffix the other spelling of the street has (the matcher
/// compares a request's street with a return's at one delivery point),
/// so shorter suffixes qualify: a word of four letters or more.
pub fn suffix_mistyped_as(word: &str, primary: &str) -> bool {
    if word.len() < 4 || word == primary || SUFFIXES.contains_key(word) {
        return false;
    }
    let Some(target) = street_suffix(primary).filter(|s| s.primary == primary) else {
        return false;
    };
    if !crate::identity::within_one_edit(word, primary) {
        return false;
    }
    !SPELLED_SUFFIXES
        .iter()
        .any(|s| s.standard != target.standard && crate::identity::within_one_edit(word, s.primary))
}

/// Every spelled-out suffix, once.
static SPELLED_SUFFIXES: LazyLock<Vec<StreetSuffix>> = LazyLock::new(|| {
    let mut v: Vec<StreetSuffix> = SUFFIXES.values().copied().collect();
    v.sort_unstable_by_key(|s| s.primary);
    v.dedup();
    v
});

/// An intercardinal directional mistyped (`SUOTHWEST`, `NORTHWET`,
/// `NRTHWEST`): one edit from exactly one of NORTHEAST, NORTHWEST,
/// SOUTHEAST, SOUTHWEST (nine letters; the shorter ones are left alone).
pub(crate) fn directional_mistyped(token: &str) -> Option<&'static str> {
    if token.len() < 8 || directional(token).is_some() {
        return None;
    }
    let mut found = None;
    for (word, code) in [
        ("NORTHEAST", "NE"),
        ("NORTHWEST", "NW"),
        ("SOUTHEAST", "SE"),
        ("SOUTHWEST", "SW"),
    ] {
        if crate::identity::within_one_edit(token, word) {
            if found.is_some() {
                return None;
            }
            found = Some(code);
        }
    }
    found
}

/// Publication 28 Appendix C2: secondary unit designators, `(form,
/// standard, needs a number)`. `#` is the designator when none is written.
const UNIT_DESIGNATORS: &[(&str, &str, bool)] = &[
    ("APARTMENT", "APT", true),
    ("APT", "APT", true),
    ("APTS", "APT", true),
    ("BASEMENT", "BSMT", false),
    ("BSMT", "BSMT", false),
    ("BUILDING", "BLDG", true),
    ("BLDG", "BLDG", true),
    ("DEPARTMENT", "DEPT", true),
    ("DEPT", "DEPT", true),
    ("FLOOR", "FL", true),
    ("FL", "FL", true),
    ("FLR", "FL", true),
    ("FRONT", "FRNT", false),
    ("FRNT", "FRNT", false),
    ("HANGAR", "HNGR", true),
    ("HNGR", "HNGR", true),
    ("KEY", "KEY", true),
    ("LOBBY", "LBBY", false),
    ("LBBY", "LBBY", false),
    ("LOT", "LOT", true),
    ("LOWER", "LOWR", false),
    ("LOWR", "LOWR", false),
    ("OFFICE", "OFC", false),
    ("OFC", "OFC", false),
    ("PENTHOUSE", "PH", false),
    ("PH", "PH", false),
    ("PIER", "PIER", true),
    ("REAR", "REAR", false),
    ("ROOM", "RM", true),
    ("RM", "RM", true),
    ("SIDE", "SIDE", false),
    ("SLIP", "SLIP", true),
    ("SPACE", "SPC", true),
    ("SPC", "SPC", true),
    ("STOP", "STOP", true),
    ("SUITE", "STE", true),
    ("STE", "STE", true),
    ("TRAILER", "TRLR", true),
    ("TRLR", "TRLR", true),
    ("UNIT", "UNIT", true),
    ("UPPER", "UPPR", false),
    ("UPPR", "UPPR", false),
    ("#", "#", true),
    ("NO", "#", true),
    ("NUM", "#", true),
];

static UNIT_BY_FORM: LazyLock<FxHashMap<&'static str, (&'static str, bool)>> =
    LazyLock::new(|| {
        UNIT_DESIGNATORS
            .iter()
            .map(|&(form, standard, numbered)| (form, (standard, numbered)))
            .collect()
    });

/// A C2 designator: its standard form and whether a number must follow.
pub(crate) fn unit_designator(token: &str) -> Option<(&'static str, bool)> {
    UNIT_BY_FORM.get(token).copied()
}

/// Directionals (Publication 28 §233) to their standard abbreviation.
pub(crate) fn directional(token: &str) -> Option<&'static str> {
    Some(match token {
        "N" | "NORTH" => "N",
        "S" | "SOUTH" => "S",
        "E" | "EAST" => "E",
        "W" | "WEST" => "W",
        "NE" | "NORTHEAST" => "NE",
        "NW" | "NORTHWEST" => "NW",
        "SE" | "SOUTHEAST" => "SE",
        "SW" | "SOUTHWEST" => "SW",
        _ => return None,
    })
}

/// Joins a two-token directional (`NORTH EAST`, `N E`) into one code.
pub(crate) fn directional_pair(a: &str, b: &str) -> Option<&'static str> {
    match (directional(a)?, directional(b)?) {
        ("N", "E") => Some("NE"),
        ("N", "W") => Some("NW"),
        ("S", "E") => Some("SE"),
        ("S", "W") => Some("SW"),
        _ => None,
    }
}

/// State, district, territory and military codes with their names and
/// common abbreviations (folded, spaces removed).
const STATES: &[(&str, &[&str])] = &[
    ("AL", &["ALABAMA", "ALA"]),
    ("AK", &["ALASKA", "ALAS"]),
    ("AZ", &["ARIZONA", "ARIZ"]),
    ("AR", &["ARKANSAS", "ARK"]),
    ("CA", &["CALIFORNIA", "CALIF", "CAL"]),
    ("CO", &["COLORADO", "COLO"]),
    ("CT", &["CONNECTICUT", "CONN"]),
    ("DE", &["DELAWARE", "DEL"]),
    ("DC", &["DISTRICTOFCOLUMBIA", "WASHINGTONDC"]),
    ("FL", &["FLORIDA", "FLA"]),
    ("GA", &["GEORGIA"]),
    ("HI", &["HAWAII"]),
    ("ID", &["IDAHO"]),
    ("IL", &["ILLINOIS", "ILL"]),
    ("IN", &["INDIANA", "IND"]),
    ("IA", &["IOWA"]),
    ("KS", &["KANSAS", "KAN", "KANS"]),
    ("KY", &["KENTUCKY"]),
    ("LA", &["LOUISIANA"]),
    ("ME", &["MAINE"]),
    ("MD", &["MARYLAND"]),
    ("MA", &["MASSACHUSETTS", "MASS"]),
    ("MI", &["MICHIGAN", "MICH"]),
    ("MN", &["MINNESOTA", "MINN"]),
    ("MS", &["MISSISSIPPI", "MISS"]),
    ("MO", &["MISSOURI"]),
    ("MT", &["MONTANA", "MONT"]),
    ("NE", &["NEBRASKA", "NEBR", "NEB"]),
    ("NV", &["NEVADA", "NEV"]),
    ("NH", &["NEWHAMPSHIRE"]),
    ("NJ", &["NEWJERSEY"]),
    ("NM", &["NEWMEXICO"]),
    ("NY", &["NEWYORK"]),
    ("NC", &["NORTHCAROLINA"]),
    ("ND", &["NORTHDAKOTA"]),
    ("OH", &["OHIO"]),
    ("OK", &["OKLAHOMA", "OKLA"]),
    ("OR", &["OREGON", "ORE"]),
    ("PA", &["PENNSYLVANIA", "PENN", "PENNA"]),
    ("RI", &["RHODEISLAND"]),
    ("SC", &["SOUTHCAROLINA"]),
    ("SD", &["SOUTHDAKOTA"]),
    ("TN", &["TENNESSEE", "TENN"]),
    ("TX", &["TEXAS", "TEX"]),
    ("UT", &["UTAH"]),
    ("VT", &["VERMONT"]),
    ("VA", &["VIRGINIA"]),
    ("WA", &["WASHINGTON", "WASH"]),
    ("WV", &["WESTVIRGINIA"]),
    ("WI", &["WISCONSIN", "WIS", "WISC"]),
    ("WY", &["WYOMING", "WYO"]),
    ("AS", &["AMERICANSAMOA"]),
    ("GU", &["GUAM"]),
    ("MP", &["NORTHERNMARIANAISLANDS", "NORTHERNMARIANAS"]),
    ("PR", &["PUERTORICO"]),
    ("VI", &["VIRGINISLANDS", "USVIRGINISLANDS"]),
    ("FM", &["FEDERATEDSTATESOFMICRONESIA", "MICRONESIA"]),
    ("MH", &["MARSHALLISLANDS"]),
    ("PW", &["PALAU"]),
    ("AA", &["ARMEDFORCESAMERICAS"]),
    ("AE", &["ARMEDFORCESEUROPE"]),
    ("AP", &["ARMEDFORCESPACIFIC"]),
];

static STATE_BY_FORM: LazyLock<FxHashMap<&'static str, &'static str>> = LazyLock::new(|| {
    let mut map = FxHashMap::default();
    for &(code, names) in STATES {
        map.insert(code, code);
        for name in names {
            map.insert(*name, code);
        }
    }
    map
});

/// The two-letter code for a state written as a code or a name, folded
/// with spaces removed (`NEWYORK`, `NY`, `WASHINGTONDC`).
pub(crate) fn state_code(joined: &str) -> Option<&'static str> {
    STATE_BY_FORM.get(joined).copied()
}

/// Whether `code` is a military state code (AA, AE, AP).
pub(crate) fn is_military_state(code: &str) -> bool {
    matches!(code, "AA" | "AE" | "AP")
}

/// For each ZIP prefix 000-999, a bit set over [`STATES`] indices.
static ZIP3_STATES: LazyLock<Vec<u64>> = LazyLock::new(|| {
    const _: () = assert!(STATES.len() <= 64, "state bit set must fit a u64");
    let mut table = vec![0u64; 1000];
    for line in ZIP3_STATES_TXT.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(range), Some(state)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Some((lo, hi)) = range.split_once('-') else {
            continue;
        };
        let (Ok(lo), Ok(hi)) = (lo.parse::<usize>(), hi.parse::<usize>()) else {
            continue;
        };
        let Some(bit) = STATES.iter().position(|(c, _)| *c == state) else {
            continue;
        };
        for slot in &mut table[lo..=hi.min(999)] {
            *slot |= 1 << bit;
        }
    }
    table
});

/// Whether a ZIP prefix is allocated to any state in the table.
pub(crate) fn zip3_known(zip3: usize) -> bool {
    ZIP3_STATES.get(zip3).is_some_and(|&bits| bits != 0)
}

/// Index into [`STATES`] plus one for each two-letter code, by
/// `26 * first letter + second letter` (0: not a code), so the bit of a
/// code is found without string comparisons.
static STATE_INDEX: LazyLock<[u8; 26 * 26]> = LazyLock::new(|| {
    let mut table = [0u8; 26 * 26];
    for (i, (code, _)) in STATES.iter().enumerate() {
        if let (Some(slot), Ok(index)) = (code_slot(code), u8::try_from(i + 1)) {
            table[slot] = index;
        }
    }
    table
});

fn code_slot(code: &str) -> Option<usize> {
    match code.as_bytes() {
        &[a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => {
            Some(usize::from(a - b'A') * 26 + usize::from(b - b'A'))
        }
        _ => None,
    }
}

/// Whether the ZIP prefix `zip3` serves the state `code`.
pub(crate) fn zip3_serves(zip3: usize, code: &str) -> bool {
    let index = code_slot(code).map_or(0, |slot| STATE_INDEX[slot]);
    let Some(bit) = usize::from(index).checked_sub(1) else {
        return false;
    };
    ZIP3_STATES
        .get(zip3)
        .is_some_and(|&bits| bits & (1 << bit) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c1_table_maps_common_forms() {
        assert_eq!(street_suffix("AVENUE").map(|s| s.standard), Some("AVE"));
        assert_eq!(street_suffix("AV").map(|s| s.standard), Some("AVE"));
        assert_eq!(street_suffix("BOULV").map(|s| s.standard), Some("BLVD"));
        assert_eq!(street_suffix("HILLS").map(|s| s.standard), Some("HLS"));
        assert_eq!(street_suffix("PARKS").map(|s| s.standard), Some("PARK"));
        assert_eq!(street_suffix("TRLRS").map(|s| s.primary), Some("TRAILER"));
        assert_eq!(street_suffix("MAIN"), None);
    }

    #[test]
    fn a_suffix_mistyped_is_known_only_where_one_suffix_is_near() {
        assert!(suffix_mistyped_as("PLNACE", "PLACE"));
        assert!(suffix_mistyped_as("PACE", "PLACE"));
        assert!(suffix_mistyped_as("DRIVVE", "DRIVE"));
        assert!(suffix_mistyped_as("CUORT", "COURT"));
        // One edit from two suffixes: which one was meant is unknown.
        assert!(!suffix_mistyped_as("PARS", "PARK"));
        assert!(!suffix_mistyped_as("PARS", "PASS"));
        // A C1 form is a suffix of its own, not a typo of another.
        assert!(!suffix_mistyped_as("PARK", "PLACE"));
        assert!(!suffix_mistyped_as("PL", "PLACE"));
        // Too short, too far, or no suffix at all.
        assert!(!suffix_mistyped_as("PLC", "PLACE"));
        assert!(!suffix_mistyped_as("PLAZZA", "PLACE"));
        assert!(!suffix_mistyped_as("MAINE", "MAIN"));
    }

    #[test]
    fn c1_table_is_complete_enough() {
        let standards: std::collections::BTreeSet<_> =
            SUFFIXES.values().map(|s| s.standard).collect();
        assert!(standards.len() >= 195, "{}", standards.len());
        assert!(SUFFIXES.len() >= 490, "{}", SUFFIXES.len());
    }

    #[test]
    fn states_and_territories() {
        assert_eq!(STATES.len(), 62);
        assert_eq!(state_code("CALIFORNIA"), Some("CA"));
        assert_eq!(state_code("PUERTORICO"), Some("PR"));
        assert_eq!(state_code("AE"), Some("AE"));
        assert_eq!(state_code("XX"), None);
    }

    #[test]
    fn zip_prefixes_serve_their_states() {
        assert!(zip3_serves(900, "CA"));
        assert!(zip3_serves(100, "NY"));
        assert!(zip3_serves(55, "MA"));
        assert!(zip3_serves(733, "TX"));
        assert!(zip3_serves(969, "GU"));
        assert!(zip3_serves(96, "AE"));
        assert!(!zip3_serves(900, "NY"));
        assert!(!zip3_known(0));
        assert!(!zip3_known(269));
        assert!(zip3_known(606));
    }

    #[test]
    fn mistyped_suffixes_and_directionals() {
        for (typo, standard) in [
            ("AVEUNE", "AVE"),
            ("AVEUE", "AVE"),
            ("STRREET", "ST"),
            ("SRTEET", "ST"),
            ("STERET", "ST"),
            ("BULEVARD", "BLVD"),
            ("TERARCE", "TER"),
        ] {
            assert_eq!(
                street_suffix_mistyped(typo).map(|s| s.standard),
                Some(standard),
                "{typo}"
            );
        }
        // Real suffixes, short words and names are not typos.
        for word in ["AVENUE", "AVE", "DRIVR", "PLACER", "COURTS", "MAIN", "ELM"] {
            assert_eq!(street_suffix_mistyped(word), None, "{word}");
        }
        for (typo, code) in [
            ("SUOTHWEST", "SW"),
            ("NORTHWET", "NW"),
            ("NRTHWEST", "NW"),
            ("SOUTEAST", "SE"),
        ] {
            assert_eq!(directional_mistyped(typo), Some(code), "{typo}");
        }
        for word in ["NORTHWEST", "NORTHERN", "SOUTHERN", "NORTH"] {
            assert_eq!(directional_mistyped(word), None, "{word}");
        }
    }

    #[test]
    fn directionals() {
        assert_eq!(directional("NORTHEAST"), Some("NE"));
        assert_eq!(directional_pair("NORTH", "WEST"), Some("NW"));
        assert_eq!(directional_pair("E", "W"), None);
    }

    #[test]
    fn unit_designators() {
        assert_eq!(unit_designator("APARTMENT"), Some(("APT", true)));
        assert_eq!(unit_designator("REAR"), Some(("REAR", false)));
        assert_eq!(unit_designator("#"), Some(("#", true)));
        assert_eq!(unit_designator("MAIN"), None);
    }
}
