//! Text of names and addresses "as filed": each row picks a writing style
//! (case, accents, surname joining, suffix and directional forms, unit
//! designator, ZIP+4) from hash bits of `(seed, household, person, year)`, so
//! the same row renders identically whenever it is regenerated.
//!
//! Writers append bytes to a caller's buffer (no per-field allocation on the
//! master path). This module decides nothing about who or where.

use crate::people::{
    splitmix, Address, Delivery, Designator, DobFiling, Household, Middle, Person, PopulationKey,
    YEAR_FIRST,
};
use crate::tables::{NameForms, Tables};

/// How two surnames are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SurnameJoin {
    Space,
    Hyphen,
    PaternalOnly,
}

/// How a filer writes a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NameStyle {
    pub(crate) upper: bool,
    pub(crate) accents: bool,
    pub(crate) join: SurnameJoin,
    /// Surnames in reverse order (a subject corruption only).
    pub(crate) swapped: bool,
    pub(crate) given_hyphen: bool,
    pub(crate) apostrophe: bool,
    pub(crate) middle_initial: bool,
}

impl NameStyle {
    /// A style from hash bits.
    pub(crate) fn from_bits(bits: u64) -> Self {
        let upper = bits % 100 < 68;
        let accents = if upper {
            (bits >> 8) % 100 < 25
        } else {
            (bits >> 8) % 100 < 65
        };
        let join = match (bits >> 16) % 100 {
            0..=69 => SurnameJoin::Space,
            70..=84 => SurnameJoin::Hyphen,
            _ => SurnameJoin::PaternalOnly,
        };
        NameStyle {
            upper,
            accents,
            join,
            swapped: false,
            given_hyphen: (bits >> 24) % 100 < 80,
            apostrophe: (bits >> 32) % 100 < 93,
            middle_initial: (bits >> 40) % 100 < 55,
        }
    }
}

/// How a filer writes an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AddrStyle {
    pub(crate) upper: bool,
    pub(crate) suffix_full: bool,
    pub(crate) suffix_dot: bool,
    pub(crate) dir_full: bool,
    pub(crate) dir_dot: bool,
    pub(crate) unit_hash: bool,
    pub(crate) unit_dot: bool,
    pub(crate) comma_unit: bool,
    pub(crate) zip4: bool,
    pub(crate) box_form: u8,
}

impl AddrStyle {
    /// A style from hash bits.
    pub(crate) fn from_bits(bits: u64) -> Self {
        AddrStyle {
            upper: bits % 100 < 55,
            suffix_full: (bits >> 8) % 100 < 35,
            suffix_dot: (bits >> 12) % 100 < 15,
            dir_full: (bits >> 16) % 100 < 30,
            dir_dot: (bits >> 20) % 100 < 25,
            unit_hash: (bits >> 24) % 100 < 30,
            unit_dot: (bits >> 28) % 100 < 10,
            comma_unit: (bits >> 32) % 100 < 8,
            zip4: (bits >> 40) % 100 < 30,
            box_form: ((bits >> 48) % 3) as u8,
        }
    }
}

/// The styles of one master row (person `p` of household `h`, tax `year`).
pub(crate) fn row_styles(
    key: &PopulationKey,
    h: &Household,
    p: &Person,
    year: u16,
) -> (NameStyle, AddrStyle, bool) {
    let person_bits =
        splitmix(key.style ^ h.index.wrapping_mul(0x9e37_79b9) ^ (u64::from(p.slot) << 56));
    let row_bits = splitmix(person_bits ^ u64::from(year));
    let addr_index = p.address_of(year) as u64;
    let addr_bits =
        splitmix(key.style ^ h.index.wrapping_mul(0x2545_f491) ^ (addr_index << 58) ^ 0xadd0);
    // Most rows keep the person's habits; some are written differently (a preparer, a new form).
    let name = if row_bits % 100 < 15 {
        NameStyle::from_bits(row_bits >> 7)
    } else {
        NameStyle::from_bits(person_bits)
    };
    let addr = if (row_bits >> 60) < 4 {
        AddrStyle::from_bits(splitmix(row_bits))
    } else {
        AddrStyle::from_bits(addr_bits)
    };
    let dob = match p.dob_filing {
        DobFiling::Always => true,
        DobFiling::Sometimes => (row_bits >> 52) & 1 == 1,
        DobFiling::Never => false,
    };
    (name, addr, dob)
}

fn form<'a>(n: &'a NameForms, style: &NameStyle) -> &'a str {
    match (style.upper, style.accents) {
        (true, true) => &n.upper,
        (true, false) => &n.upper_ascii,
        (false, true) => &n.title,
        (false, false) => &n.title_ascii,
    }
}

/// Appends a name form, dropping hyphens/apostrophes when the style does.
fn push_name(out: &mut Vec<u8>, text: &str, keep_hyphen: bool, keep_apostrophe: bool) {
    if keep_hyphen && keep_apostrophe {
        out.extend_from_slice(text.as_bytes());
    } else {
        out.extend(
            text.bytes()
                .filter(|&b| (keep_hyphen || b != b'-') && (keep_apostrophe || b != b'\'')),
        );
    }
}

/// First name field: given name(s).
pub(crate) fn write_first(out: &mut Vec<u8>, t: &Tables, p: &Person, s: &NameStyle) {
    let given = &p.given_list(t).names[usize::from(p.given)];
    push_name(out, form(given, s), s.given_hyphen, s.apostrophe);
    if let Some(g2) = p.given2 {
        out.push(b' ');
        push_name(
            out,
            form(&p.given2_list(t).names[usize::from(g2)], s),
            true,
            s.apostrophe,
        );
    }
}

/// Middle name field (full or initial).
pub(crate) fn write_middle(out: &mut Vec<u8>, t: &Tables, p: &Person, s: &NameStyle) {
    match p.middle {
        Middle::None => {}
        Middle::Name(i) => {
            let text = form(&t.middles(p.female).names[usize::from(i)], s);
            if s.middle_initial {
                out.extend_from_slice(&text.as_bytes()[..1]);
            } else {
                out.extend_from_slice(text.as_bytes());
            }
        }
        Middle::Viet => {
            let text = match (p.female, s.upper, s.accents) {
                (false, true, true) => "VĂN",
                (false, true, false) => "VAN",
                (false, false, true) => "Văn",
                (false, false, false) => "Van",
                (true, true, true) => "THỊ",
                (true, true, false) => "THI",
                (true, false, true) => "Thị",
                (true, false, false) => "Thi",
            };
            out.extend_from_slice(text.as_bytes());
        }
    }
}

/// Last name field: one or two surnames.
pub(crate) fn write_last(out: &mut Vec<u8>, t: &Tables, p: &Person, s: &NameStyle) {
    let surnames = &t.origin(p.origin).surnames.names;
    let paternal = form(&surnames[usize::from(p.paternal)], s);
    let maternal = p.maternal.map(|m| form(&surnames[usize::from(m)], s));
    let (first, second) = match (maternal, s.join, s.swapped) {
        (Some(m), SurnameJoin::Space | SurnameJoin::Hyphen, false) => (paternal, Some(m)),
        (Some(m), SurnameJoin::Space | SurnameJoin::Hyphen, true) => (m, Some(paternal)),
        _ => (paternal, None),
    };
    push_name(out, first, true, s.apostrophe);
    if let Some(second) = second {
        out.push(if s.join == SurnameJoin::Hyphen {
            b'-'
        } else {
            b' '
        });
        push_name(out, second, true, s.apostrophe);
    }
}

/// Whether the name is written with two surnames under this style.
pub(crate) fn has_two_surnames(p: &Person, s: &NameStyle) -> bool {
    p.maternal.is_some() && s.join != SurnameJoin::PaternalOnly
}

/// Suffix field (only when filed).
pub(crate) fn write_suffix(out: &mut Vec<u8>, p: &Person) {
    if p.suffix_filed {
        out.extend_from_slice(p.suffix.text().as_bytes());
    }
}

const DIR_ABBR: [&str; 9] = ["", "N", "S", "E", "W", "NE", "NW", "SE", "SW"];
const DIR_FULL: [&str; 9] = [
    "",
    "North",
    "South",
    "East",
    "West",
    "Northeast",
    "Northwest",
    "Southeast",
    "Southwest",
];
const DIR_FULL_UPPER: [&str; 9] = [
    "",
    "NORTH",
    "SOUTH",
    "EAST",
    "WEST",
    "NORTHEAST",
    "NORTHWEST",
    "SOUTHEAST",
    "SOUTHWEST",
];

fn write_dir(out: &mut Vec<u8>, dir: u8, s: &AddrStyle) {
    let d = usize::from(dir);
    if s.dir_full {
        out.extend_from_slice(
            if s.upper {
                DIR_FULL_UPPER[d]
            } else {
                DIR_FULL[d]
            }
            .as_bytes(),
        );
    } else {
        out.extend_from_slice(DIR_ABBR[d].as_bytes());
        if s.dir_dot && d <= 4 {
            out.push(b'.');
        }
    }
}

fn push_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Whether the street field holds a comma (and so must be quoted).
pub(crate) fn street_needs_quotes(a: &Address, s: &AddrStyle) -> bool {
    a.unit.is_some() && s.comma_unit
}

/// Street field: house number, directionals, street, suffix, unit; or PO box / rural route.
pub(crate) fn write_street(out: &mut Vec<u8>, t: &Tables, a: &Address, s: &AddrStyle) {
    match a.delivery {
        Delivery::Street {
            number,
            predir,
            street,
            suffix,
            postdir,
        } => {
            push_u32(out, number);
            out.push(b' ');
            if predir != 0 {
                write_dir(out, predir, s);
                out.push(b' ');
            }
            let st = &t.streets[usize::from(street)];
            out.extend_from_slice(if s.upper { st.upper.as_str() } else { st.name }.as_bytes());
            if suffix != 0 {
                out.push(b' ');
                let sf = &t.suffixes[usize::from(suffix - 1)];
                let text = match (s.suffix_full, s.upper) {
                    (true, true) => sf.full_upper.as_str(),
                    (true, false) => sf.full,
                    (false, true) => sf.abbr_upper.as_str(),
                    (false, false) => sf.abbr,
                };
                out.extend_from_slice(text.as_bytes());
                if !s.suffix_full && s.suffix_dot && sf.abbr != sf.full {
                    out.push(b'.');
                }
            }
            if postdir != 0 {
                out.push(b' ');
                write_dir(out, postdir, s);
            }
        }
        Delivery::PoBox { number } => {
            let text = match (s.box_form, s.upper) {
                (0, true) => "PO BOX ",
                (0, false) => "PO Box ",
                (1, true) => "P.O. BOX ",
                (1, false) => "P.O. Box ",
                (_, true) => "POST OFFICE BOX ",
                (_, false) => "Post Office Box ",
            };
            out.extend_from_slice(text.as_bytes());
            push_u32(out, number);
        }
        Delivery::Rural { route, number } => {
            let text = match s.box_form {
                0 => "RR ",
                1 => "R.R. ",
                _ if s.upper => "RURAL ROUTE ",
                _ => "Rural Route ",
            };
            out.extend_from_slice(text.as_bytes());
            push_u32(out, u32::from(route));
            out.extend_from_slice(if s.upper { b" BOX " } else { b" Box " });
            push_u32(out, u32::from(number));
        }
    }
    write_unit(out, a, s);
}

fn write_unit(out: &mut Vec<u8>, a: &Address, s: &AddrStyle) {
    let Some(u) = a.unit else { return };
    out.extend_from_slice(if s.comma_unit { b", " } else { b" " });
    if s.unit_hash || u.designator == Designator::Hash {
        out.push(b'#');
    } else {
        let text = match (u.designator, s.upper) {
            (Designator::Unit, true) => "UNIT",
            (Designator::Unit, false) => "Unit",
            (_, true) => "APT",
            (_, false) => "Apt",
        };
        out.extend_from_slice(text.as_bytes());
        if s.unit_dot && u.designator == Designator::Apt {
            out.push(b'.');
        }
        out.push(b' ');
    }
    push_u32(out, u32::from(u.number));
    if u.letter != 0 {
        out.push(u.letter);
    }
}

/// City field.
pub(crate) fn write_city(out: &mut Vec<u8>, t: &Tables, a: &Address, s: &AddrStyle) {
    let c = &t.cities[usize::from(a.city)];
    out.extend_from_slice(if s.upper { c.upper.as_str() } else { c.name }.as_bytes());
}

/// State field.
pub(crate) fn state_of<'t>(t: &'t Tables, a: &Address) -> &'t str {
    t.cities[usize::from(a.city)].state
}

/// ZIP field: ZIP5 or ZIP+4.
pub(crate) fn write_zip(out: &mut Vec<u8>, a: &Address, s: &AddrStyle) {
    write_padded(out, u64::from(a.zip5), 5);
    if s.zip4 {
        out.push(b'-');
        write_padded(out, u64::from(a.zip4), 4);
    }
}

/// Zero-padded decimal.
pub(crate) fn write_padded(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut n = n;
    let mut i = buf.len();
    while n > 0 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let start = buf.len().saturating_sub(width).min(i);
    out.extend_from_slice(&buf[start..]);
}

/// Renders a closure's bytes as a `String`.
pub(crate) fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut v = Vec::new();
    f(&mut v);
    String::from_utf8(v).unwrap_or_default()
}

/// Appends one master row (`tin,tax_year,first_name,middle_name,last_name,suffix,dob,street,city,state,zip`).
pub(crate) fn write_master_row(
    out: &mut Vec<u8>,
    t: &Tables,
    key: &PopulationKey,
    h: &Household,
    p: &Person,
    year: u16,
) {
    let (ns, st, with_dob) = row_styles(key, h, p, year);
    let a = &h.addresses[p.address_of(year)];
    write_padded(out, u64::from(p.tin), 9);
    out.push(b',');
    write_padded(out, u64::from(year), 4);
    out.push(b',');
    write_first(out, t, p, &ns);
    out.push(b',');
    write_middle(out, t, p, &ns);
    out.push(b',');
    write_last(out, t, p, &ns);
    out.push(b',');
    write_suffix(out, p);
    out.push(b',');
    if with_dob {
        p.dob.write(out);
    }
    out.push(b',');
    let quoted = street_needs_quotes(a, &st);
    if quoted {
        out.push(b'"');
    }
    let noise = return_noise(key, h, p, year);
    let mut line = Vec::with_capacity(48);
    match noise {
        Some((ReturnNoise::UnitMissing, _)) => {
            let bare = Address { unit: None, ..*a };
            write_street(&mut line, t, &bare, &st);
        }
        _ => write_street(&mut line, t, a, &st),
    }
    match noise {
        Some((ReturnNoise::StreetTypo, bits)) => mistype_street_name(&mut line, t, a, &st, bits),
        Some((ReturnNoise::HouseMissing, _)) => {
            if let Some(sp) = line.iter().position(|&b| b == b' ') {
                line.drain(..=sp);
            }
        }
        _ => {}
    }
    out.extend_from_slice(&line);
    if quoted {
        out.push(b'"');
    }
    out.push(b',');
    write_city(out, t, a, &st);
    out.push(b',');
    out.extend_from_slice(state_of(t, a).as_bytes());
    out.push(b',');
    let mut zip = Vec::with_capacity(10);
    write_zip(&mut zip, a, &st);
    match noise {
        // A digit of the ZIP's last two keyed wrong (the state stays right).
        Some((ReturnNoise::ZipDigit, bits)) => {
            let i = 3 + (bits % 2) as usize;
            zip[i] = b'0' + (zip[i] - b'0' + 1 + (bits >> 8) as u8 % 9) % 10;
        }
        // A letter for a digit: `980Z3`.
        Some((ReturnNoise::ZipMalformed, bits)) => zip[1 + (bits % 4) as usize] = b'Z',
        _ => {}
    }
    out.extend_from_slice(&zip);
    out.push(b'\n');
}

/// Keying errors in the taxpayer file: what a preparer got wrong on one
/// return (its street address only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReturnNoise {
    /// One typo in the street name (3% of returns): the same delivery point.
    StreetTypo,
    /// One digit of the ZIP's last two wrong (1%).
    ZipDigit,
    /// A letter for a ZIP digit (0.5%): the return cannot be read.
    ZipMalformed,
    /// The house number left out (0.5%): the return cannot be read.
    HouseMissing,
    /// The apartment left out (1% of returns of an address with one).
    UnitMissing,
}

impl ReturnNoise {
    /// Its name in the ground truth's `corruption` column.
    pub(crate) fn label(self) -> &'static str {
        match self {
            ReturnNoise::StreetTypo => "return_street_typo",
            ReturnNoise::ZipDigit => "return_zip_digit",
            ReturnNoise::ZipMalformed => "return_zip_malformed",
            ReturnNoise::HouseMissing => "return_house_missing",
            ReturnNoise::UnitMissing => "return_unit_missing",
        }
    }

    /// Whether the return can no longer be read (its address unusable):
    /// then no older address may be confirmed as the taxpayer's latest.
    pub(crate) fn unreadable(self) -> bool {
        matches!(self, ReturnNoise::ZipMalformed | ReturnNoise::HouseMissing)
    }
}

/// The keying error on this return, if any (and bits that say how): a pure
/// function of the population, so the subjects' ground truth can name the
/// noise on the taxpayer's latest return. Street addresses only.
pub(crate) fn return_noise(
    key: &PopulationKey,
    h: &Household,
    p: &Person,
    year: u16,
) -> Option<(ReturnNoise, u64)> {
    let a = &h.addresses[p.address_of(year)];
    if !matches!(a.delivery, Delivery::Street { .. }) {
        return None;
    }
    let bits = splitmix(
        key.style
            ^ h.index.wrapping_mul(0x51_7cc1_b727_220a)
            ^ (u64::from(p.slot) << 48)
            ^ (u64::from(year) << 32)
            ^ 0x7e90,
    );
    let kind = match bits % 1000 {
        0..=29 => ReturnNoise::StreetTypo,
        30..=39 => ReturnNoise::ZipDigit,
        40..=44 => ReturnNoise::ZipMalformed,
        45..=49 => ReturnNoise::HouseMissing,
        50..=59 if a.unit.is_some() => ReturnNoise::UnitMissing,
        _ => return None,
    };
    Some((kind, bits >> 10))
}

/// One typo inside the street name of a written street line: names of six
/// letters or more, never a digit, never the first letter.
fn mistype_street_name(line: &mut Vec<u8>, t: &Tables, a: &Address, s: &AddrStyle, bits: u64) {
    let Delivery::Street { street, .. } = a.delivery else {
        return;
    };
    let st = &t.streets[usize::from(street)];
    let name = if s.upper { st.upper.as_str() } else { st.name }.as_bytes();
    if name.len() < 6 || !name.iter().all(u8::is_ascii_alphabetic) {
        return;
    }
    let Some(at) = line.windows(name.len()).position(|w| w == name) else {
        return;
    };
    let i = at + 1 + (bits as usize % (name.len() - 2));
    match (bits >> 16) % 3 {
        0 => {
            line.remove(i);
        }
        1 => line.swap(i, i + 1),
        _ => {
            let c = line[i];
            let base = if c.is_ascii_uppercase() { b'A' } else { b'a' };
            line[i] = base + (c - base + 1 + ((bits >> 24) % 24) as u8) % 26;
        }
    }
}

/// Appends every master row of a household; returns the byte offset after each row.
pub(crate) fn write_household_rows(
    out: &mut Vec<u8>,
    ends: &mut Vec<usize>,
    t: &Tables,
    key: &PopulationKey,
    h: &Household,
) {
    for p in &h.persons {
        for year in p.filed_years() {
            debug_assert!(year >= YEAR_FIRST);
            write_master_row(out, t, key, h, p, year);
            ends.push(out.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_numbers_have_fixed_width() {
        let mut v = Vec::new();
        write_padded(&mut v, 1_234_567, 9);
        write_padded(&mut v, 2024, 4);
        write_padded(&mut v, 7, 5);
        assert_eq!(String::from_utf8(v).unwrap(), "001234567202400007");
    }
}
