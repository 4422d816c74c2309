//! Phonetic codes and frequency-aware blocking keys for name tokens.
//!
//! The phonetic code is **Double Metaphone** (Philips 2000, via `rphonetic`,
//! a port of Apache commons-codec). Why it and not NYSIIS or Soundex:
//! - it has explicit Spanish rules (`J` → `H` as the alternate code, so JOSE
//!   and HOSE share a key; `LL` in -ILLO/-ILLA; soft `G` in GUE/GUI; `CH`),
//!   as well as Germanic, Slavic, Italian and Chinese-romanisation rules,
//!   where NYSIIS and Soundex only model English;
//! - it yields two codes (primary, alternate), so one spelling is indexed
//!   under both its English and its Spanish reading;
//! - it ignores vowels after the first letter, which absorbs most
//!   transliteration noise (NGUYEN/NGUYN).
//!   Beider-Morse would be finer but is an order of magnitude slower and needs
//!   large rule files. Codes are cut at 4 characters, the standard length.
//!
//! This module deliberately does not pick thresholds: the caller passes the
//! frequency lookup and the rarity cut-off.

use std::sync::LazyLock;

use rphonetic::DoubleMetaphone;

static DOUBLE_METAPHONE: LazyLock<DoubleMetaphone> =
    LazyLock::new(|| DoubleMetaphone::new(Some(PHONETIC_CODE_CHARS_MAX)));

/// Length of the Double Metaphone codes produced here.
pub const PHONETIC_CODE_CHARS_MAX: usize = 4;

/// The primary and alternate Double Metaphone codes of one token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneticCode {
    /// Primary code (the most likely English reading).
    pub primary: String,
    /// Alternate code (often the Spanish, Germanic or Slavic reading);
    /// equal to `primary` when the token has only one reading.
    pub alternate: String,
}

/// Double Metaphone codes of one folded token (upper-case ASCII letters;
/// other characters are ignored). Empty codes for an empty token.
pub fn phonetic_code(token: &str) -> PhoneticCode {
    with_phonetic_code(token, PhoneticCode::clone)
}

/// Applies `f` to the codes of `token`, computed once per thread (names
/// repeat: a batch of a million holds a few tens of thousands of distinct
/// tokens), without copying both codes out of the cache.
fn with_phonetic_code<R>(token: &str, f: impl Fn(&PhoneticCode) -> R) -> R {
    thread_local! {
        static CACHE: std::cell::RefCell<std::collections::HashMap<String, PhoneticCode>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    if let Some(hit) = CACHE.with(|c| c.borrow().get(token).map(&f)) {
        return hit;
    }
    let code = compute(token);
    let out = f(&code);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= PHONETIC_CACHE_MAX {
            c.clear();
        }
        c.insert(token.to_string(), code);
    });
    out
}

fn compute(token: &str) -> PhoneticCode {
    // rphonetic indexes by byte; keep it on ASCII letters only.
    let letters: String = token.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    let result = DOUBLE_METAPHONE.double_metaphone(&letters);
    PhoneticCode {
        primary: result.primary(),
        alternate: result.alternate(),
    }
}

/// Tokens whose codes a thread keeps, at most.
const PHONETIC_CACHE_MAX: usize = 1 << 16;

/// Primary Double Metaphone code of one folded token.
pub fn phonetic_primary(token: &str) -> String {
    with_phonetic_code(token, |c| c.primary.clone())
}

/// Whether two folded tokens share a Double Metaphone code (primary or
/// alternate on either side).
pub fn phonetic_equivalent(a: &str, b: &str) -> bool {
    let cb = phonetic_code(b);
    with_phonetic_code(a, |ca| {
        !ca.primary.is_empty()
            && !cb.primary.is_empty()
            && [&ca.primary, &ca.alternate]
                .iter()
                .any(|x| **x == cb.primary || **x == cb.alternate)
    })
}

/// A blocking key for one token, chosen by how common the token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKey {
    /// A common token keys on its exact spelling: a phonetic key for GARCIA
    /// would also gather GARZA, GRACIA, GARCES... and blow the block up.
    Exact(String),
    /// A rare token keys on its primary phonetic code, which tolerates
    /// spelling errors while the block stays small because the name is rare.
    Phonetic(String),
}

impl TokenKey {
    /// The key as one string, tagged so exact and phonetic keys never collide.
    pub fn as_key(&self) -> String {
        match self {
            TokenKey::Exact(s) => format!("={s}"),
            TokenKey::Phonetic(s) => format!("~{s}"),
        }
    }
}

/// Chooses a blocking key for a folded token from its frequency.
///
/// `frequency` returns the share of records carrying the token (0.0-1.0),
/// typically counted on the master file (never the batch: field-notes §4).
/// A token whose share exceeds `share_common_min` keys exactly; a rarer one
/// keys phonetically.
pub fn frequency_key<F>(token: &str, frequency: F, share_common_min: f64) -> TokenKey
where
    F: Fn(&str) -> f64,
{
    if frequency(token) > share_common_min {
        TokenKey::Exact(token.to_owned())
    } else {
        TokenKey::Phonetic(phonetic_primary(token))
    }
}

/// The information weight of a token in bits, `-log2(share)`, with the share
/// floored at `share_min` so unseen tokens get a finite weight. Useful for
/// term-frequency-adjusted comparison levels.
pub fn token_weight_bits<F>(token: &str, frequency: F, share_min: f64) -> f64
where
    F: Fn(&str) -> f64,
{
    debug_assert!(share_min > 0.0, "share_min must be positive");
    -frequency(token).max(share_min).min(1.0).log2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_j_has_h_alternate() {
        assert!(phonetic_equivalent("JOSE", "HOSE"));
        assert!(phonetic_equivalent("JIMENEZ", "GIMENEZ"));
    }

    #[test]
    fn common_misspellings_share_codes() {
        assert!(phonetic_equivalent("NGUYEN", "NGUYN"));
        assert!(phonetic_equivalent("HERNANDEZ", "HERNANDES"));
        assert!(phonetic_equivalent("GONZALEZ", "GONZALES"));
        assert!(phonetic_equivalent("SMITH", "SMYTH"));
        assert!(!phonetic_equivalent("SMITH", "JONES"));
    }

    #[test]
    fn empty_token_has_empty_code_and_no_equivalent() {
        assert_eq!(phonetic_primary(""), "");
        assert!(!phonetic_equivalent("", ""));
    }

    #[test]
    fn frequency_key_switches_on_share() {
        let freq = |t: &str| if t == "GARCIA" { 0.01 } else { 0.000_001 };
        assert_eq!(
            frequency_key("GARCIA", freq, 0.001),
            TokenKey::Exact("GARCIA".into())
        );
        let rare = frequency_key("ZAVALETA", freq, 0.001);
        assert_eq!(rare, TokenKey::Phonetic(phonetic_primary("ZAVALETA")));
        assert!(rare.as_key().starts_with('~'));
    }

    #[test]
    fn token_weight_is_finite_for_unseen() {
        let w = token_weight_bits("X", |_| 0.0, 1e-9);
        assert!(w.is_finite() && w > 29.0);
        assert_eq!(token_weight_bits("X", |_| 0.5, 1e-9), 1.0);
    }
}
