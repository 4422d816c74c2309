//! A row of the master file: one taxpayer's return for one tax year.
//!
//! Deliberately neither `Display` nor `Serialize`: master-file data must not
//! reach a response, a log line or an error.

use time::Date;

/// A taxpayer identification number (SSN or ITIN): nine digits, kept as an
/// integer so that an index row stays small.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tin(u32);

impl Tin {
    /// Parses exactly nine ASCII digits.
    pub fn parse(s: &str) -> Option<Tin> {
        if s.len() != 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<u32>().ok().map(Tin)
    }

    /// Rebuilds a TIN from its integer form (as stored in an index).
    pub fn from_u32(v: u32) -> Option<Tin> {
        (v <= 999_999_999).then_some(Tin(v))
    }

    /// The integer form.
    pub fn as_u32(self) -> u32 {
        self.0
    }

    /// The nine ASCII digits, for keyed hashing only.
    pub fn digits(self) -> [u8; 9] {
        let mut out = [b'0'; 9];
        let mut v = self.0;
        for slot in out.iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
        out
    }

    /// Whether the number is an ITIN (starts with 9, digits 4-5 in the
    /// IRS ranges 50-65, 70-88, 90-92, 94-99).
    pub fn is_itin(self) -> bool {
        let d = self.digits();
        let group = (d[3] - b'0') * 10 + (d[4] - b'0');
        d[0] == b'9' && matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99)
    }
}

impl std::fmt::Debug for Tin {
    // Never print the number, even in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tin(<redacted>)")
    }
}

/// One master-file row, as filed.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterRecord {
    /// The taxpayer's identification number on the return (never printed,
    /// not even by `Debug`).
    pub tin: Tin,
    /// The return's tax year.
    pub tax_year: u16,
    /// Given name(s) as filed.
    pub first_name: String,
    /// Middle name or initial as filed.
    pub middle_name: String,
    /// Surname(s) as filed.
    pub last_name: String,
    /// Generational suffix as filed.
    pub suffix: String,
    /// Date of birth, when known.
    pub dob: Option<Date>,
    /// Street line as filed.
    pub street: String,
    /// City as filed.
    pub city: String,
    /// State code as filed.
    pub state: String,
    /// ZIP or ZIP+4 as filed.
    pub zip: String,
}

impl std::fmt::Debug for MasterRecord {
    // Only the tax year: every other field is taxpayer data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterRecord")
            .field("tax_year", &self.tax_year)
            .finish_non_exhaustive()
    }
}

/// One master-file row borrowed from the bytes it was read from: what a
/// reader hands to a consumer that needs no copy of its own
/// (the index build standardises it there and then).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MasterRow<'a> {
    /// The taxpayer's identification number on the return.
    pub tin: Tin,
    /// The return's tax year.
    pub tax_year: u16,
    /// Given name(s) as filed.
    pub first_name: &'a str,
    /// Middle name or initial as filed.
    pub middle_name: &'a str,
    /// Surname(s) as filed.
    pub last_name: &'a str,
    /// Generational suffix as filed.
    pub suffix: &'a str,
    /// Date of birth, when known.
    pub dob: Option<Date>,
    /// Street line as filed.
    pub street: &'a str,
    /// City as filed.
    pub city: &'a str,
    /// State code as filed.
    pub state: &'a str,
    /// ZIP or ZIP+4 as filed.
    pub zip: &'a str,
}

impl MasterRecord {
    /// The row, borrowed.
    pub fn row(&self) -> MasterRow<'_> {
        MasterRow {
            tin: self.tin,
            tax_year: self.tax_year,
            first_name: &self.first_name,
            middle_name: &self.middle_name,
            last_name: &self.last_name,
            suffix: &self.suffix,
            dob: self.dob,
            street: &self.street,
            city: &self.city,
            state: &self.state,
            zip: &self.zip,
        }
    }
}

impl MasterRow<'_> {
    /// An owned copy.
    pub fn to_record(&self) -> MasterRecord {
        MasterRecord {
            tin: self.tin,
            tax_year: self.tax_year,
            first_name: self.first_name.to_owned(),
            middle_name: self.middle_name.to_owned(),
            last_name: self.last_name.to_owned(),
            suffix: self.suffix.to_owned(),
            dob: self.dob,
            street: self.street.to_owned(),
            city: self.city.to_owned(),
            state: self.state.to_owned(),
            zip: self.zip.to_owned(),
        }
    }
}

impl std::fmt::Debug for MasterRow<'_> {
    // Only the tax year, as for `MasterRecord`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterRow")
            .field("tax_year", &self.tax_year)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tin_parses_nine_digits_only() {
        assert!(Tin::parse("123456789").is_some());
        assert!(Tin::parse("12345678").is_none());
        assert!(Tin::parse("1234567890").is_none());
        assert!(Tin::parse("12345678a").is_none());
        assert!(Tin::parse("+12345678").is_none());
    }

    #[test]
    fn tin_digits_keep_leading_zeros() {
        let t = Tin::parse("001234567").unwrap();
        assert_eq!(&t.digits(), b"001234567");
        assert_eq!(Tin::from_u32(t.as_u32()), Some(t));
    }

    #[test]
    fn itin_ranges_follow_the_irs_rules() {
        assert!(Tin::parse("912701234").unwrap().is_itin());
        assert!(Tin::parse("900501234").unwrap().is_itin());
        assert!(!Tin::parse("900891234").unwrap().is_itin());
        assert!(!Tin::parse("912931234").unwrap().is_itin());
        assert!(!Tin::parse("123701234").unwrap().is_itin());
    }

    #[test]
    fn debug_output_never_shows_the_number() {
        let t = Tin::parse("123456789").unwrap();
        assert!(!format!("{t:?}").contains("123"));
    }
}
