//! Moments and dates as records keep them.
//!
//! A moment is a [`time::OffsetDateTime`] in UTC with microsecond precision,
//! written in one canonical RFC 3339 form, `YYYY-MM-DDThh:mm:ss.ffffffZ`,
//! so that two stored moments compare the same way as text (a SQL `ORDER BY`)
//! as they do as values. Reading accepts any RFC 3339 text (records written
//! before the canonical form had other precisions). A date is a
//! [`time::Date`] written `YYYY-MM-DD`.
//!
//! The `serde` helpers are for `#[serde(with = "...")]` on record fields.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

/// The canonical text of a moment.
const MOMENT: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
/// The text of a date.
const DATE: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

/// `t` in UTC, truncated to the precision records keep (microseconds).
pub fn canonical(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(UtcOffset::UTC);
    let micros = t.microsecond();
    t.replace_microsecond(micros).unwrap_or(t)
}

/// The current moment, at the precision records keep.
///
/// Debug builds (the test suite's) read `VOUCH_TEST_NOW` (RFC 3339) when it
/// is set, so that end-to-end tests of the receipt clock can run a letter
/// dated in 2025 as if it had just arrived; release builds never look.
pub fn now() -> OffsetDateTime {
    #[cfg(debug_assertions)]
    if let Some(t) = std::env::var("VOUCH_TEST_NOW").ok().and_then(|s| parse(&s)) {
        return t;
    }
    canonical(OffsetDateTime::now_utc())
}

/// The canonical text of a moment (UTC, six subsecond digits).
pub fn format(t: OffsetDateTime) -> String {
    // Formatting a UTC moment with a fixed description only fails for years
    // outside 0..=9999, which `canonical` cannot produce from a clock; the
    // RFC 3339 fallback keeps such a value readable rather than empty.
    let t = canonical(t);
    t.format(MOMENT)
        .or_else(|_| t.format(&Rfc3339))
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Reads a moment written in any RFC 3339 form.
pub fn parse(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok().map(canonical)
}

/// The text of a date, `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    d.format(DATE).unwrap_or_default()
}

/// Reads a `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, DATE).ok()
}

/// Whole-second RFC 3339 in UTC, for people (`2026-12-05T22:01:51Z`).
pub fn format_seconds(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// `#[serde(with = "vouch_core::timestamp::moment")]`.
pub mod moment {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;

    /// Writes the canonical text.
    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format(*t))
    }

    /// Reads any RFC 3339 text.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::parse(&text).ok_or_else(|| D::Error::custom("not an RFC 3339 moment"))
    }
}

/// `#[serde(with = "vouch_core::timestamp::moment_opt")]`.
pub mod moment_opt {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;

    /// Writes the canonical text, or null.
    pub fn serialize<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&super::format(*t)),
            None => s.serialize_none(),
        }
    }

    /// Reads any RFC 3339 text, or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        let text = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
        text.map(|t| super::parse(&t).ok_or_else(|| D::Error::custom("not an RFC 3339 moment")))
            .transpose()
    }
}

/// `#[serde(with = "vouch_core::timestamp::date")]`.
pub mod date {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};
    use time::Date;

    /// Writes `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_date(*d))
    }

    /// Reads `YYYY-MM-DD`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::parse_date(&text).ok_or_else(|| D::Error::custom("not a YYYY-MM-DD date"))
    }
}

/// `#[serde(with = "vouch_core::timestamp::date_opt")]`.
pub mod date_opt {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};
    use time::Date;

    /// Writes `YYYY-MM-DD`, or null.
    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&super::format_date(*d)),
            None => s.serialize_none(),
        }
    }

    /// Reads `YYYY-MM-DD`, or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        let text = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
        text.map(|t| super::parse_date(&t).ok_or_else(|| D::Error::custom("not a YYYY-MM-DD date")))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_canonical_form_has_six_digits_and_orders_as_text() {
        let a = datetime!(2026-12-05 22:01:51 UTC);
        let b = datetime!(2026-12-05 22:01:51.5 UTC);
        let c = datetime!(2026-12-05 22:01:51.000_001_9 UTC);
        assert_eq!(format(a), "2026-12-05T22:01:51.000000Z");
        assert_eq!(format(b), "2026-12-05T22:01:51.500000Z");
        assert_eq!(format(c), "2026-12-05T22:01:51.000001Z");
        let mut texts = [format(b), format(c), format(a)];
        texts.sort();
        assert_eq!(texts, [format(a), format(c), format(b)]);
    }

    #[test]
    fn reading_accepts_every_rfc3339_form_and_round_trips() {
        let want = datetime!(2026-12-05 22:01:51.25 UTC);
        for text in [
            "2026-12-05T22:01:51.25Z",
            "2026-12-05T22:01:51.250000Z",
            "2026-12-05T23:01:51.25+01:00",
        ] {
            assert_eq!(parse(text), Some(want), "{text}");
        }
        let t = now();
        assert_eq!(parse(&format(t)), Some(t));
        assert_eq!(parse("2026-12-05"), None);
        assert_eq!(parse("yesterday"), None);
    }

    #[test]
    fn dates_round_trip_and_refuse_nonsense() {
        let d = parse_date("2025-01-15").unwrap();
        assert_eq!(format_date(d), "2025-01-15");
        assert_eq!(parse_date("2025-02-30"), None);
        assert_eq!(parse_date("2025-1-5"), None);
    }

    #[test]
    fn people_read_whole_seconds() {
        let t = datetime!(2026-12-05 22:01:51.987 +02:00);
        assert_eq!(format_seconds(t), "2026-12-05T20:01:51Z");
    }
}
