//! Reason codes (why a subject was rejected) and hold codes (why a batch waits
//! for a human), with the rule and the legal source of each.
//!
//! The spellings are the stable `reasons` values of `response.csv`: never
//! rename one; add new ones at the end.

/// Whether a rule is checked once per request or once per subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleLevel {
    /// A failure rejects every subject of the request.
    Request,
    /// A failure rejects one subject.
    Subject,
}

macro_rules! reason_codes {
    ($( $variant:ident = $text:literal, $level:ident, $rule:literal, $source:literal; )*) => {
        /// Why a subject was rejected.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ReasonCode { $(
            #[doc = $rule]
            $variant,
        )* }

        impl ReasonCode {
            /// Every code, in declaration (and report) order.
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$variant),*];

            /// The stable spelling used in `response.csv`.
            pub fn as_str(self) -> &'static str {
                match self { $(ReasonCode::$variant => $text,)* }
            }

            /// Whether the rule is checked per request or per subject.
            pub fn level(self) -> RuleLevel {
                match self { $(ReasonCode::$variant => RuleLevel::$level,)* }
            }

            /// The rule, in one sentence.
            pub fn rule(self) -> &'static str {
                match self { $(ReasonCode::$variant => $rule,)* }
            }

            /// Where the rule comes from.
            pub fn source(self) -> &'static str {
                match self { $(ReasonCode::$variant => $source,)* }
            }
        }
    };
}

reason_codes! {
    SignatureInvalid = "SIGNATURE_INVALID", Request,
        "request.json.sig verifies with the registered key of the signer",
        "6103(i)(2)(B): request in writing";
    SignerNotAuthorized = "SIGNER_NOT_AUTHORIZED", Request,
        "the signer holds the signer role for the requesting agency",
        "6103(i)(2)(A)";
    PathwayUnsupported = "PATHWAY_UNSUPPORTED", Request,
        "pathway is 6103(i)(2)",
        "6103(a); (i)(1) needs a court order";
    ScopeRequiresCourtOrder = "SCOPE_REQUIRES_COURT_ORDER", Request,
        "requested_items is exactly [\"address_confirmation\"]",
        "6103(i)(1) vs (i)(2)";
    StatuteNotAllowed = "STATUTE_NOT_ALLOWED", Request,
        "statutory_authority is on the allow-list and investigation is criminal",
        "6103(i)(2)(A), (B)(iii)";
    PeriodsInvalid = "PERIODS_INVALID", Request,
        "taxable_periods non-empty, each a past tax year within the look-back",
        "6103(i)(2)(B)(ii)";
    RecipientsMissing = "RECIPIENTS_MISSING", Request,
        "at least one named recipient, each registered with the agency",
        "6103(i)(2)(A): personally and directly engaged";
    AttestationMissing = "ATTESTATION_MISSING", Request,
        "the use attestation is present",
        "the agreement";
    SafeguardsNotCurrent = "SAFEGUARDS_NOT_CURRENT", Request,
        "the agency has a current approved Safeguard Security Report",
        "6103(p)(4), Publication 1075";
    AiNotificationMissing = "AI_NOTIFICATION_MISSING", Request,
        "when ai_analysis is true, ai_notification_id names a notification on file",
        "the agreement";
    SubmittedInFuture = "SUBMITTED_IN_FUTURE", Request,
        "submitted_at is not later than the moment the request was received (a few minutes' skew allowed)",
        "vouch: every rule is judged at receipt";
    StaleRequest = "STALE_REQUEST", Request,
        "submitted_at is no more than the policy's age limit (default 7 days) before the request was received",
        "a letter cannot be dated back to escape the history or the safeguards rules";
    NameMissing = "NAME_MISSING", Subject,
        "first and last name present and not a placeholder",
        "6103(i)(2)(B)(i)";
    AddressIncomplete = "ADDRESS_INCOMPLETE", Subject,
        "a complete, standardisable US postal address",
        "6103(i)(2)(B)(i); the court's findings";
    ANumberInvalid = "A_NUMBER_INVALID", Subject,
        "A followed by 8 or 9 digits",
        "the agreement";
    OrderDateMissing = "ORDER_DATE_MISSING", Subject,
        "a valid final_order_date not after submitted_at",
        "the agreement";
    OrderUnder90Days = "ORDER_UNDER_90_DAYS", Subject,
        "final_order_date at least 90 days before submitted_at",
        "8 U.S.C. 1253(a)(1), the agreement";
    CaseNumberMissing = "CASE_NUMBER_MISSING", Subject,
        "a criminal case number",
        "6103(i)(2)(A), the agreement";
    RelevanceMissing = "RELEVANCE_MISSING", Subject,
        "a specific relevance statement",
        "6103(i)(2)(B)(iv)";
    DuplicateSubject = "DUPLICATE_SUBJECT", Subject,
        "the same person appears once only in a request; every copy is rejected",
        "probing guard";
    RepeatInquiry = "REPEAT_INQUIRY", Subject,
        "the same person was not looked up for this agency within the window",
        "probing guard";
    AddressProbing = "ADDRESS_PROBING", Subject,
        "the same person was not asked about with a different address within the window",
        "probing guard";
    AddressFanout = "ADDRESS_FANOUT", Subject,
        "no more than N different people asked about at one address within the window",
        "probing guard";
    ANumberConflict = "A_NUMBER_CONFLICT", Subject,
        "an A-number not already seen within the window with a different person",
        "probing guard: identifiers the requester chooses cannot buy a fresh identity";
    DobInvalid = "DOB_INVALID", Subject,
        "a date of birth, when given, is a valid past date",
        "vouch: fail closed on a value that cannot be compared";
    TinInvalid = "TIN_INVALID", Subject,
        "a TIN, when given, is 9 digits",
        "vouch: fail closed on a value that cannot be compared";
    OrderHalted = "ORDER_HALTED", Request,
        "no court order on file halts disclosures in the request's scope (agency, pathway) at receipt",
        "court orders (D.D.C. Nov 2025, D. Mass. Feb 2026)";
    RecipientNotOnCase = "RECIPIENT_NOT_ON_CASE", Subject,
        "at least one recipient of the request is assigned (by the agency's signed assignment) to the subject's case number",
        "court order of Nov 2025: only people working on the investigation may receive";
}

impl ReasonCode {
    /// Parses the stable spelling.
    pub fn parse(s: &str) -> Option<ReasonCode> {
        ReasonCode::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

/// Why a batch waits in `pending_review` for a disclosure officer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HoldCode {
    /// The same relevance text on too many subjects.
    BoilerplateRelevance,
    /// One recipient named for implausibly many case numbers.
    RecipientCaseload,
    /// More subjects from one agency within the policy's window (7 days)
    /// than one officer may release: two approvals by different officers.
    LargeBatch,
    /// A subject another agency asked about within the probing window
    /// (the requester is not told; the disclosure office decides).
    CrossAgencyRepeat,
}

impl HoldCode {
    /// The stable spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            HoldCode::BoilerplateRelevance => "BOILERPLATE_RELEVANCE",
            HoldCode::RecipientCaseload => "RECIPIENT_CASELOAD",
            HoldCode::LargeBatch => "LARGE_BATCH",
            HoldCode::CrossAgencyRepeat => "CROSS_AGENCY_REPEAT",
        }
    }

    /// Parses the stable spelling.
    pub fn parse(s: &str) -> Option<HoldCode> {
        [
            HoldCode::BoilerplateRelevance,
            HoldCode::RecipientCaseload,
            HoldCode::LargeBatch,
            HoldCode::CrossAgencyRepeat,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// Serialises a code as its stable spelling and reads only known spellings:
/// a stored record naming a code this build does not know is corrupt, and
/// is refused rather than dropped.
macro_rules! spelled_serde {
    ($t:ty, $what:literal) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                <$t>::parse(&text).ok_or_else(|| {
                    <D::Error as serde::de::Error>::custom(concat!("unknown ", $what))
                })
            }
        }
    };
}
pub(crate) use spelled_serde;

spelled_serde!(ReasonCode, "reason code");
spelled_serde!(HoldCode, "hold code");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_code_round_trips_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for &c in ReasonCode::ALL {
            assert_eq!(ReasonCode::parse(c.as_str()), Some(c));
            assert!(seen.insert(c.as_str()), "duplicate spelling {}", c.as_str());
            assert!(!c.rule().is_empty() && !c.source().is_empty());
        }
    }

    #[test]
    fn policy_md_codes_are_all_present() {
        for code in [
            "SIGNATURE_INVALID",
            "SIGNER_NOT_AUTHORIZED",
            "PATHWAY_UNSUPPORTED",
            "SCOPE_REQUIRES_COURT_ORDER",
            "STATUTE_NOT_ALLOWED",
            "PERIODS_INVALID",
            "RECIPIENTS_MISSING",
            "ATTESTATION_MISSING",
            "SAFEGUARDS_NOT_CURRENT",
            "AI_NOTIFICATION_MISSING",
            "NAME_MISSING",
            "ADDRESS_INCOMPLETE",
            "A_NUMBER_INVALID",
            "ORDER_DATE_MISSING",
            "ORDER_UNDER_90_DAYS",
            "CASE_NUMBER_MISSING",
            "RELEVANCE_MISSING",
            "DUPLICATE_SUBJECT",
            "REPEAT_INQUIRY",
            "ADDRESS_PROBING",
            "ADDRESS_FANOUT",
        ] {
            assert!(ReasonCode::parse(code).is_some(), "{code} missing");
        }
    }

    #[test]
    fn hold_codes_round_trip() {
        for c in [
            HoldCode::BoilerplateRelevance,
            HoldCode::RecipientCaseload,
            HoldCode::LargeBatch,
        ] {
            assert_eq!(HoldCode::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn stored_codes_read_back_and_unknown_ones_are_refused() {
        let json = serde_json::to_string(&vec![ReasonCode::RepeatInquiry]).unwrap();
        assert_eq!(json, r#"["REPEAT_INQUIRY"]"#);
        let back: Vec<ReasonCode> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, vec![ReasonCode::RepeatInquiry]);
        let held: Vec<HoldCode> = serde_json::from_str(r#"["LARGE_BATCH"]"#).unwrap();
        assert_eq!(held, vec![HoldCode::LargeBatch]);
        assert!(
            serde_json::from_str::<Vec<HoldCode>>(r#"["LARGE_BATCH","SOMETHING_NEW"]"#).is_err()
        );
        assert!(serde_json::from_str::<Vec<ReasonCode>>(r#"["repeat_inquiry"]"#).is_err());
    }
}
