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
}
