//! Allocation-free string measures for folded ASCII tokens: Jaro-Winkler
//! exactly as `strsim` computes it (same arithmetic, so the same f64), the
//! "at most one edit" test that `strsim::osa_distance(a, b) <= 1` answers,
//! and packed Double Metaphone codes compared as integers. Non-ASCII or
//! over-long input falls back to `strsim`. Nothing here weighs or decides.

/// Tokens longer than this go to `strsim` (the flags live on the stack).
const FAST_LEN_MAX: usize = 64;

/// `strsim::jaro_winkler(a, b)`, without allocating for short ASCII tokens.
pub(crate) fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a.len() > FAST_LEN_MAX || b.len() > FAST_LEN_MAX || !a.is_ascii() || !b.is_ascii() {
        return strsim::jaro_winkler(a, b);
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let sim = jaro(a, b);
    if sim > 0.7 {
        let prefix = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// `strsim::generic_jaro` on bytes (each at most [`FAST_LEN_MAX`] long).
fn jaro(a: &[u8], b: &[u8]) -> f64 {
    let (a_len, b_len) = (a.len(), b.len());
    if a_len == 0 && b_len == 0 {
        return 1.0;
    } else if a_len == 0 || b_len == 0 {
        return 0.0;
    }
    let search_range = (a_len.max(b_len) / 2).saturating_sub(1);
    let mut a_flags = [false; FAST_LEN_MAX];
    let mut b_flags = [false; FAST_LEN_MAX];
    let mut matches = 0usize;
    for (i, &x) in a.iter().enumerate() {
        let lo = i.saturating_sub(search_range);
        let hi = b_len.min(i + search_range + 1);
        for j in lo..hi {
            if x == b[j] && !b_flags[j] {
                a_flags[i] = true;
                b_flags[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, &x) in a.iter().enumerate() {
        if !a_flags[i] {
            continue;
        }
        while !b_flags[j] {
            j += 1;
        }
        if x != b[j] {
            transpositions += 1;
        }
        j += 1;
    }
    transpositions /= 2;
    ((matches as f64 / a_len as f64)
        + (matches as f64 / b_len as f64)
        + ((matches - transpositions) as f64 / matches as f64))
        / 3.0
}

/// Whether the optimal-string-alignment distance of `a` and `b` is at most
/// one: equal, or one substitution, insertion, deletion or adjacent
/// transposition apart.
pub(crate) fn within_one_edit(a: &str, b: &str) -> bool {
    if !a.is_ascii() || !b.is_ascii() {
        return strsim::osa_distance(a, b) <= 1;
    }
    vouch_normalize::within_one_edit(a, b)
}

/// A token's primary and alternate Double Metaphone codes, each packed
/// into a `u32` (codes are at most four ASCII bytes; 0 = empty).
pub(crate) type Codes = [u32; 2];

// A code packs exactly into a u32 only if it has at most 4 bytes; a longer
// one is hashed, and two different hashed codes could compare equal.
const _: () = assert!(vouch_normalize::PHONETIC_CODE_CHARS_MAX <= 4);

fn pack(code: &str) -> u32 {
    let b = code.as_bytes();
    if b.len() > 4 {
        // Longer than the configured code length: never equal to a packed
        // short code, and distinct codes stay distinct with high probability.
        let h = crate::keys::hash64(b"vouch-phon\0", &[b]);
        return (h as u32) | 0x8000_0000;
    }
    b.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x))
}

/// The packed Double Metaphone codes of a folded token.
pub(crate) fn codes(token: &str) -> Codes {
    let c = vouch_normalize::phonetic_code(token);
    [pack(&c.primary), pack(&c.alternate)]
}

/// `vouch_normalize::phonetic_equivalent` on packed codes.
pub(crate) fn codes_equivalent(a: Codes, b: Codes) -> bool {
    a[0] != 0 && b[0] != 0 && a.iter().any(|x| *x == b[0] || *x == b[1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]
        #[test]
        fn fast_measures_equal_strsim(a in "[A-F]{0,9}", b in "[A-F]{0,9}") {
            prop_assert_eq!(jaro_winkler(&a, &b).to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
            prop_assert_eq!(within_one_edit(&a, &b), strsim::osa_distance(&a, &b) <= 1);
        }

        #[test]
        fn packed_codes_agree_with_phonetic_equivalent(a in "[A-Z]{0,8}", b in "[A-Z]{0,8}") {
            prop_assert_eq!(
                codes_equivalent(codes(&a), codes(&b)),
                vouch_normalize::phonetic_equivalent(&a, &b)
            );
        }
    }

    #[test]
    fn known_pairs() {
        for (a, b) in [
            ("MARTHA", "MARHTA"),
            ("JONATHAN", "JONATHN"),
            ("HERNANDEZ", "HERNANDES"),
            ("É", "E"),
            ("", ""),
        ] {
            assert_eq!(
                jaro_winkler(a, b).to_bits(),
                strsim::jaro_winkler(a, b).to_bits()
            );
            assert_eq!(within_one_edit(a, b), strsim::osa_distance(a, b) <= 1);
        }
        assert!(codes_equivalent(codes("JOSE"), codes("HOSE")));
    }
}
