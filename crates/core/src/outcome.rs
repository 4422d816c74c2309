//! The three answers vouch can give about a subject.

/// One subject's answer. Nothing else about the master file ever leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Exactly one taxpayer matches the name and had the given address.
    Confirmed,
    /// The checks passed, but no unique, certain match was found (one answer
    /// for every reason, so the response never says which).
    NotConfirmed,
    /// A legal or policy check failed; nothing was looked up.
    Rejected,
}

impl Outcome {
    /// All outcomes, in the order reports list them.
    pub const ALL: [Outcome; 3] = [Outcome::Confirmed, Outcome::NotConfirmed, Outcome::Rejected];

    /// The stable spelling used in `response.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Confirmed => "CONFIRMED",
            Outcome::NotConfirmed => "NOT_CONFIRMED",
            Outcome::Rejected => "REJECTED",
        }
    }

    /// Parses the stable spelling.
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

crate::reason::spelled_serde!(Outcome, "outcome");

/// How many subjects got each outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutcomeCounts([u64; 3]);

impl OutcomeCounts {
    /// Counts one more subject with `o`.
    pub fn add(&mut self, o: Outcome, n: u64) {
        self.0[o as usize] += n;
    }

    /// Subjects with `o`.
    pub fn get(&self, o: Outcome) -> u64 {
        self.0[o as usize]
    }

    /// Subjects looked up (CONFIRMED and NOT_CONFIRMED).
    pub fn lookups(&self) -> u64 {
        self.get(Outcome::Confirmed) + self.get(Outcome::NotConfirmed)
    }

    /// Every subject.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Adds another set of counts.
    pub fn merge(&mut self, other: &OutcomeCounts) {
        for o in Outcome::ALL {
            self.add(o, other.get(o));
        }
    }

    /// Each outcome with its count, in [`Outcome::ALL`] order (zeros included).
    pub fn iter(&self) -> impl Iterator<Item = (Outcome, u64)> + '_ {
        Outcome::ALL.into_iter().map(|o| (o, self.get(o)))
    }
}

impl FromIterator<Outcome> for OutcomeCounts {
    fn from_iter<I: IntoIterator<Item = Outcome>>(it: I) -> Self {
        let mut c = OutcomeCounts::default();
        for o in it {
            c.add(o, 1);
        }
        c
    }
}

/// Written as `response.json` writes its counts: `{"CONFIRMED": n, ...}`,
/// every outcome present.
impl serde::Serialize for OutcomeCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(3))?;
        for (o, n) in self.iter() {
            m.serialize_entry(o.as_str(), &n)?;
        }
        m.end()
    }
}

/// Read from `{"CONFIRMED": n, ...}`: an unknown outcome is an error, a
/// missing one counts zero.
impl<'de> serde::Deserialize<'de> for OutcomeCounts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = <std::collections::BTreeMap<Outcome, u64>>::deserialize(d)?;
        let mut c = OutcomeCounts::default();
        for (o, n) in m {
            c.add(o, n);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_round_trips_for_every_outcome() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(Outcome::parse("confirmed"), None);
    }

    #[test]
    fn counts_are_keyed_by_outcome_and_read_the_response_json_form() {
        let c: OutcomeCounts = [Outcome::Confirmed, Outcome::Rejected, Outcome::Rejected]
            .into_iter()
            .collect();
        assert_eq!(c.get(Outcome::Confirmed), 1);
        assert_eq!(c.get(Outcome::NotConfirmed), 0);
        assert_eq!(c.get(Outcome::Rejected), 2);
        assert_eq!((c.lookups(), c.total()), (1, 3));
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, r#"{"CONFIRMED":1,"NOT_CONFIRMED":0,"REJECTED":2}"#);
        let back: OutcomeCounts = serde_json::from_str(r#"{"REJECTED":2,"CONFIRMED":1}"#).unwrap();
        assert_eq!(back, c);
        assert!(serde_json::from_str::<OutcomeCounts>(r#"{"MAYBE":1}"#).is_err());
    }
}
