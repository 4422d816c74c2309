//! Nickname and diminutive equivalence classes, and surname romanisation
//! variants.
//!
//! The tables are text files shipped in the crate (`data/nicknames.txt`,
//! `data/surname_variants.txt`), compiled in with `include_str!` and parsed
//! once into hash maps on first use. A variant may belong to several classes
//! (AL is ALBERT, ALFRED, ALAN...); equivalence holds only within one class
//! and is never closed transitively, so ALBERT and ALFRED stay apart.
//!
//! This module deliberately does not decide matches: an equivalence here is
//! one comparison level among several, never a confirmation on its own.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

/// The nickname table as shipped: one class per line, `CANONICAL: VARIANT ...`.
pub const NICKNAMES_TXT: &str = include_str!("../data/nicknames.txt");

/// The surname romanisation variant table, same format as [`NICKNAMES_TXT`].
pub const SURNAME_VARIANTS_TXT: &str = include_str!("../data/surname_variants.txt");

/// Equivalence classes parsed from one table.
#[derive(Debug)]
pub(crate) struct ClassTable {
    /// Canonical form of each class, by class id.
    canonical: Vec<&'static str>,
    /// Every member (canonical and variants, spaces removed too) to the
    /// classes it belongs to, in file order.
    classes_by_member: FxHashMap<&'static str, Vec<u32>>,
    /// Canonical forms written with a space (`JOSE LUIS`) keyed without it.
    joined_canonical: FxHashMap<String, u32>,
    /// Number of (variant, canonical) pairs in the file.
    pair_count: usize,
}

impl ClassTable {
    fn parse(text: &'static str) -> ClassTable {
        let mut table = ClassTable {
            canonical: Vec::new(),
            classes_by_member: FxHashMap::default(),
            joined_canonical: FxHashMap::default(),
            pair_count: 0,
        };
        let mut id_by_canonical: FxHashMap<&'static str, u32> = FxHashMap::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // A line without a colon is a programmer error in shipped data;
            // the unit tests parse the file, so skipping it here is safe.
            let Some((canonical, variants)) = line.split_once(':') else {
                continue;
            };
            let canonical = canonical.trim();
            let id = *id_by_canonical.entry(canonical).or_insert_with(|| {
                table.canonical.push(canonical);
                (table.canonical.len() - 1) as u32
            });
            table.add_member(canonical, id);
            if canonical.contains(' ') {
                table
                    .joined_canonical
                    .insert(canonical.replace(' ', ""), id);
            }
            for variant in variants.split_whitespace() {
                table.add_member(variant, id);
                table.pair_count += 1;
            }
        }
        table
    }

    fn add_member(&mut self, member: &'static str, id: u32) {
        let ids = self.classes_by_member.entry(member).or_default();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }

    fn classes(&self, token: &str) -> &[u32] {
        if let Some(ids) = self.classes_by_member.get(token) {
            return ids;
        }
        match self.joined_canonical.get(token) {
            Some(id) => std::slice::from_ref(id),
            None => &[],
        }
    }

    /// The canonical form of `token`: the class where it is canonical, else
    /// the first class listing it, else `None`.
    pub(crate) fn canonical(&self, token: &str) -> Option<&'static str> {
        let ids = self.classes(token);
        let own = ids.iter().find(|&&id| self.canonical[id as usize] == token);
        own.or(ids.first()).map(|&id| self.canonical[id as usize])
    }

    /// Whether `a` and `b` are equal or share a class.
    pub(crate) fn equivalent(&self, a: &str, b: &str) -> bool {
        if a == b {
            return true;
        }
        let classes_a = self.classes(a);
        !classes_a.is_empty() && self.classes(b).iter().any(|id| classes_a.contains(id))
    }

    /// Number of (variant, canonical) pairs the table holds.
    #[cfg(test)]
    pub(crate) fn pair_count(&self) -> usize {
        self.pair_count
    }

    /// Number of equivalence classes.
    #[cfg(test)]
    pub(crate) fn class_count(&self) -> usize {
        self.canonical.len()
    }
}

pub(crate) static NICKNAMES: LazyLock<ClassTable> =
    LazyLock::new(|| ClassTable::parse(NICKNAMES_TXT));

pub(crate) static SURNAME_VARIANTS: LazyLock<ClassTable> =
    LazyLock::new(|| ClassTable::parse(SURNAME_VARIANTS_TXT));

/// The canonical given name for a folded token (`BILL` → `WILLIAM`,
/// `PACO` → `FRANCISCO`, `CHUY` → `JESUS`); the token itself when the table
/// does not know it. Input should be [`fold`](crate::fold())ed already.
///
/// An ambiguous diminutive resolves to the first class listing it in the
/// table (`AL` → `ALBERT`); use [`are_nickname_equivalent`] to compare.
pub fn nickname_canonical(token: &str) -> &str {
    NICKNAMES.canonical(token).unwrap_or(token)
}

/// Whether two folded given names are equal or belong to one nickname class
/// (`BILL`/`WILLIAM`, `PEPE`/`JOSE`, `AL`/`ALFRED`). Not transitive.
pub fn are_nickname_equivalent(a: &str, b: &str) -> bool {
    NICKNAMES.equivalent(a, b)
}

/// The canonical spelling of a folded surname across romanisation variants
/// (`NGUYN` → `NGUYEN`, `CHEUNG` → `ZHANG`); the token itself when unknown.
pub fn surname_variant_canonical(token: &str) -> &str {
    SURNAME_VARIANTS.canonical(token).unwrap_or(token)
}

/// Whether two folded surnames are equal or romanisation variants of one
/// family name (`LI`/`LEE`, `WONG`/`HUANG`). Not transitive.
pub fn are_surname_variants(a: &str, b: &str) -> bool {
    SURNAME_VARIANTS.equivalent(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fold;

    #[test]
    fn nickname_table_has_at_least_500_pairs() {
        assert!(NICKNAMES.pair_count() >= 500, "{}", NICKNAMES.pair_count());
        assert!(NICKNAMES.class_count() >= 150);
    }

    #[test]
    fn nickname_table_is_folded_ascii() {
        for line in NICKNAMES_TXT.lines().chain(SURNAME_VARIANTS_TXT.lines()) {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let (canonical, variants) = line.split_once(':').expect("class line has a colon");
            assert_eq!(fold(canonical), canonical.trim(), "line {line}");
            for v in variants.split_whitespace() {
                assert_eq!(fold(v), v, "line {line}");
            }
        }
    }

    #[test]
    fn issue_examples_are_equivalent() {
        for (a, b) in [
            ("BILL", "WILLIAM"),
            ("WILL", "WILLIAM"),
            ("BOB", "ROBERT"),
            ("LIZ", "ELIZABETH"),
            ("BETTY", "ELIZABETH"),
            ("PEPE", "JOSE"),
            ("PACO", "FRANCISCO"),
            ("PANCHO", "FRANCISCO"),
            ("LUPE", "GUADALUPE"),
            ("CHUY", "JESUS"),
            ("NACHO", "IGNACIO"),
            ("CONCHA", "CONCEPCION"),
            ("CHAYO", "ROSARIO"),
        ] {
            assert!(are_nickname_equivalent(a, b), "{a} {b}");
            assert!(are_nickname_equivalent(b, a), "{b} {a}");
            assert_eq!(nickname_canonical(a), b, "{a}");
        }
    }

    #[test]
    fn equivalence_is_not_transitive_across_classes() {
        assert!(are_nickname_equivalent("AL", "ALBERT"));
        assert!(are_nickname_equivalent("AL", "ALFRED"));
        assert!(!are_nickname_equivalent("ALBERT", "ALFRED"));
        assert!(!are_nickname_equivalent("BILL", "ROBERT"));
    }

    #[test]
    fn unknown_token_is_its_own_canonical() {
        assert_eq!(nickname_canonical("ZXQV"), "ZXQV");
        assert!(!are_nickname_equivalent("ZXQV", "WILLIAM"));
        assert!(are_nickname_equivalent("ZXQV", "ZXQV"));
    }

    #[test]
    fn compound_canonical_is_found_joined() {
        assert_eq!(nickname_canonical("JOSELUIS"), "JOSE LUIS");
        assert!(are_nickname_equivalent("MAITE", "MARIA TERESA"));
    }

    #[test]
    fn surname_variants_resolve() {
        assert!(are_surname_variants("LI", "LEE"));
        assert!(are_surname_variants("NGUYN", "NGUYEN"));
        assert_eq!(surname_variant_canonical("NGUYN"), "NGUYEN");
        assert!(!are_surname_variants("LI", "WANG"));
    }
}
