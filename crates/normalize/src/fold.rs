//! Unicode folding to upper-case ASCII tokens.
//!
//! Every later stage (names, addresses, cities) works on the folded form, so
//! that `José`, `JOSE` and `Jose\u{301}` compare equal. Folding is NFKD
//! decomposition, removal of combining marks, transliteration of letters that
//! have no decomposition (`ß`, `Ł`, Han, Cyrillic) with `deunicode`, and
//! upper-casing. Apostrophes join (`O'Brien` → `OBRIEN`); every other
//! non-alphanumeric character is a token boundary.
//!
//! It deliberately does not interpret anything (no suffixes, no particles):
//! that is the job of `name` and `address`. ASCII input takes a fast path
//! with no Unicode tables touched.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Folds `s` to upper-case ASCII alphanumeric tokens separated by single
/// spaces, with punctuation removed and apostrophes joined.
///
/// ```
/// assert_eq!(vouch_normalize::fold("  José  O'Brien-Muñoz "), "JOSE OBRIEN MUNOZ");
/// assert_eq!(vouch_normalize::fold("Nguyễn"), "NGUYEN");
/// ```
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// Folds `s` into `out` (appending), as [`fold`] does.
pub(crate) fn fold_into(s: &str, out: &mut String) {
    fold_with(s, &PLAIN, out);
}

/// Folds a street line into `out` (appending): like [`fold_into`] but with
/// `#`, `/` and `-` kept as token characters, and `#` always a token of
/// its own, so `APT#5` gives `APT # 5` in the same single pass.
pub(crate) fn fold_street_into(s: &str, out: &mut String) {
    fold_with(s, &STREET, out);
}

/// What an ASCII byte does when folded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Ends a token (punctuation, space, control).
    Boundary,
    /// Joins the letters around it (apostrophes).
    Join,
    /// Part of a token (letters, digits, kept punctuation).
    Token,
    /// A token on its own (`#` in a street line).
    Alone,
}

/// The class of every ASCII byte, with `keep` as token bytes and `alone`
/// as tokens on their own.
const fn classes(keep: &[u8], alone: &[u8]) -> [Class; 128] {
    let mut table = [Class::Boundary; 128];
    let mut b = 0;
    while b < 128 {
        if (b as u8).is_ascii_alphanumeric() {
            table[b] = Class::Token;
        }
        b += 1;
    }
    table[b'\'' as usize] = Class::Join;
    table[b'`' as usize] = Class::Join;
    let mut i = 0;
    while i < keep.len() {
        table[keep[i] as usize] = Class::Token;
        i += 1;
    }
    let mut i = 0;
    while i < alone.len() {
        table[alone[i] as usize] = Class::Alone;
        i += 1;
    }
    table
}

static PLAIN: [Class; 128] = classes(b"", b"");
static STREET: [Class; 128] = classes(b"/-", b"#");

fn fold_with(s: &str, classes: &[Class; 128], out: &mut String) {
    if s.is_ascii() {
        fold_ascii(s, classes, out);
        return;
    }
    let mut state = Folder {
        out,
        classes,
        pending_space: false,
    };
    for c in s.chars() {
        if c.is_ascii() {
            state.push_ascii(c as u8);
        } else if is_apostrophe(c) || is_invisible(c) {
            // An apostrophe joins, like its ASCII form; an invisible
            // character is no character at all (`GAR\u{200B}CIA` is GARCIA).
        } else {
            state.push_unicode(c);
        }
    }
}

/// The common case, ASCII input: the same result as [`Folder`] byte by
/// byte, but runs of token bytes are copied whole and upper-cased at the end.
fn fold_ascii(s: &str, classes: &[Class; 128], out: &mut String) {
    let start = out.len();
    let bytes = s.as_bytes();
    let class = |b: u8| classes[usize::from(b & 0x7F)];
    let mut pending_space = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = class(bytes[i]);
        match c {
            Class::Boundary => pending_space = true,
            Class::Join => {}
            Class::Token | Class::Alone => {
                if (pending_space || c == Class::Alone) && !out.is_empty() {
                    out.push(' ');
                }
                let end = if c == Class::Alone {
                    i + 1
                } else {
                    let run = bytes[i..].iter().position(|&b| class(b) != Class::Token);
                    run.map_or(bytes.len(), |p| i + p)
                };
                out.push_str(&s[i..end]);
                pending_space = c == Class::Alone;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out[start..].make_ascii_uppercase();
}

/// Whether `c` is invisible and formats text only: zero-width characters,
/// bidirectional controls, the soft hyphen, word joiners, variation
/// selectors, the byte-order mark. Two spellings that differ only by these
/// are the same text to a reader, and must be to vouch (intake strips them
/// from every field; folding drops them too).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Apostrophe-like characters that join the letters around them.
fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{00B4}' | '\u{2032}' | '\u{02B9}' | '\u{FF07}'
    )
}

/// Folding state for input with non-ASCII characters.
struct Folder<'a> {
    out: &'a mut String,
    classes: &'a [Class; 128],
    pending_space: bool,
}

impl Folder<'_> {
    fn push_ascii(&mut self, b: u8) {
        let c = self.classes[usize::from(b & 0x7F)];
        match c {
            Class::Boundary => self.pending_space = true,
            Class::Join => {} // O'BRIEN is OBRIEN.
            Class::Token | Class::Alone => {
                let alone = c == Class::Alone;
                if (self.pending_space || alone) && !self.out.is_empty() {
                    self.out.push(' ');
                }
                self.pending_space = alone;
                self.out.push(b.to_ascii_uppercase() as char);
            }
        }
    }

    fn push_unicode(&mut self, c: char) {
        decompose_compatible(c, |d| {
            if d.is_ascii() {
                self.push_ascii(d as u8);
            } else if is_combining_mark(d) {
                // Accents are dropped: MUÑOZ is MUNOZ.
            } else if d.is_alphanumeric() {
                self.push_transliterated(d);
            } else {
                // Symbols and emoji are boundaries, never words.
                self.pending_space = true;
            }
        });
    }

    fn push_transliterated(&mut self, d: char) {
        match deunicode::deunicode_char(d) {
            Some(ascii) => {
                for b in ascii.bytes() {
                    // Transliterations may hold punctuation; keep-set bytes
                    // would change the address grammar, so drop them here.
                    if b.is_ascii_alphanumeric() {
                        self.push_ascii(b);
                    } else if b != b'\'' {
                        self.pending_space = true;
                    }
                }
            }
            None => self.pending_space = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_strips_marks_and_uppercases() {
        assert_eq!(fold("José"), "JOSE");
        assert_eq!(fold("Muñoz"), "MUNOZ");
        assert_eq!(fold("Nguyễn Văn"), "NGUYEN VAN");
        assert_eq!(fold("Ångström"), "ANGSTROM");
    }

    #[test]
    fn fold_joins_apostrophes_and_splits_hyphens() {
        assert_eq!(fold("O'Brien"), "OBRIEN");
        assert_eq!(fold("O\u{2019}Brien"), "OBRIEN");
        assert_eq!(fold("García-López"), "GARCIA LOPEZ");
        assert_eq!(fold("  a . b,,c  "), "A B C");
    }

    #[test]
    fn invisible_characters_are_dropped_without_splitting_a_word() {
        for c in [
            '\u{200B}', '\u{200D}', '\u{00AD}', '\u{202E}', '\u{FE0F}', '\u{FEFF}',
        ] {
            assert_eq!(fold(&format!("Gar{c}cía")), "GARCIA", "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn fold_transliterates_letters_without_decomposition() {
        assert_eq!(fold("Straße"), "STRASSE");
        assert_eq!(fold("Łukasz"), "LUKASZ");
        assert_eq!(fold("Øyvind"), "OYVIND");
    }

    #[test]
    fn fold_drops_symbols_and_emoji() {
        assert_eq!(fold("A\u{1F600}B"), "A B");
        assert_eq!(fold("\u{2603}"), "");
    }

    #[test]
    fn street_fold_keeps_address_punctuation_and_splits_hash() {
        let mut out = String::new();
        fold_street_into("12-B Main Apt#5 1/2", &mut out);
        assert_eq!(out, "12-B MAIN APT # 5 1/2");
        out.clear();
        fold_street_into("Nº 5 – Calle Ñandú #", &mut out);
        assert_eq!(out, "NO 5 CALLE NANDU #");
    }
}
