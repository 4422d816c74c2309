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
    fold_into(s, b"", &mut out);
    out
}

/// Folds `s` into `out` (appending), keeping the ASCII bytes in `keep` as
/// token characters (the address parser keeps `#`, `/` and `-`).
pub(crate) fn fold_into(s: &str, keep: &[u8], out: &mut String) {
    let mut state = Folder {
        out,
        keep,
        pending_space: false,
    };
    for c in s.chars() {
        if c.is_ascii() {
            state.push_ascii(c as u8);
        } else if is_apostrophe(c) {
            // An apostrophe joins, like its ASCII form.
        } else {
            state.push_unicode(c);
        }
    }
}

/// Apostrophe-like characters that join the letters around them.
fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{00B4}' | '\u{2032}' | '\u{02B9}' | '\u{FF07}'
    )
}

struct Folder<'a> {
    out: &'a mut String,
    keep: &'a [u8],
    pending_space: bool,
}

impl Folder<'_> {
    fn push_ascii(&mut self, b: u8) {
        if b.is_ascii_alphanumeric() || self.keep.contains(&b) {
            if self.pending_space && !self.out.is_empty() {
                self.out.push(' ');
            }
            self.pending_space = false;
            self.out.push(b.to_ascii_uppercase() as char);
        } else if b == b'\'' || b == b'`' {
            // Joins: O'BRIEN is OBRIEN.
        } else {
            self.pending_space = true;
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
    fn fold_into_keeps_requested_bytes() {
        let mut out = String::new();
        fold_into("12-B Main #5 1/2", b"#/-", &mut out);
        assert_eq!(out, "12-B MAIN #5 1/2");
    }
}
