//! Who may do what: the roles an official can hold and the sets of roles
//! ([`Permit`]s) each use case needs. The application layer (`vouch-app`)
//! checks these before it changes anything; the command line, the API and
//! the console hold no role rules of their own.

use serde::{Deserialize, Serialize};

/// The tax agency's own id in the registry.
pub const HOME_AGENCY: &str = "IRS";

/// A role an official holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Signs requests for a requesting agency (agency head or delegate).
    Signer,
    /// Named in requests as a user of the response.
    Recipient,
    /// Releases batches at the tax agency.
    DisclosureOfficer,
    /// Reads everything, changes nothing.
    Auditor,
    /// Manages the registry.
    Administrator,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Signer,
        Role::Recipient,
        Role::DisclosureOfficer,
        Role::Auditor,
        Role::Administrator,
    ];

    /// The spelling on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Signer => "signer",
            Role::Recipient => "recipient",
            Role::DisclosureOfficer => "disclosure-officer",
            Role::Auditor => "auditor",
            Role::Administrator => "administrator",
        }
    }

    /// Parses the command-line spelling.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the role belongs to the tax agency (officer, auditor,
    /// administrator) rather than to a requesting agency.
    pub fn is_home(self) -> bool {
        matches!(
            self,
            Role::DisclosureOfficer | Role::Auditor | Role::Administrator
        )
    }

    /// Whether an official of `agency` may hold this role: the tax agency's
    /// roles only at the tax agency, a requester's only elsewhere.
    pub fn fits_agency(self, agency: &str) -> bool {
        self.is_home() == (agency == HOME_AGENCY)
    }
}

/// A set of officials allowed to do something, by role and agency.
pub trait Permit: Send + Sync + 'static {
    /// What the set is called in a refusal ("a disclosure officer").
    const WHO: &'static str;
    /// Whether an official with `role` at `agency` is in the set.
    fn allows(role: Role, agency: &str) -> bool;
}

/// Signers and recipients of a requesting agency: upload requests, follow
/// their agency's requests, download their agency's responses.
pub struct Requester;
/// Disclosure officers of the tax agency: approve or deny batches, record
/// dispositions, keep the hold list.
pub struct Officer;
/// Auditors of the tax agency: read everything, change nothing.
pub struct Auditor;
/// Administrators of the tax agency: the registry and credentials.
pub struct Admin;
/// Disclosure officers and auditors: read every request, the ledger and
/// the oversight reports, and see explanations.
pub struct Overseer;
/// Disclosure officers and administrators: activate a policy.
pub struct PolicyOwner;
/// Any registered official (each then sees what their role allows).
pub struct AnyOfficial;
/// Every official of the tax agency (disclosure officers, auditors,
/// administrators): read the court orders on file.
pub struct TaxAgencyStaff;

impl Permit for Requester {
    const WHO: &'static str = "a registered signer or recipient of a requesting agency";
    fn allows(role: Role, agency: &str) -> bool {
        matches!(role, Role::Signer | Role::Recipient) && agency != HOME_AGENCY
    }
}

impl Permit for Officer {
    const WHO: &'static str = "a registered disclosure officer of the tax agency";
    fn allows(role: Role, agency: &str) -> bool {
        role == Role::DisclosureOfficer && agency == HOME_AGENCY
    }
}

impl Permit for Auditor {
    const WHO: &'static str = "a registered auditor of the tax agency";
    fn allows(role: Role, agency: &str) -> bool {
        role == Role::Auditor && agency == HOME_AGENCY
    }
}

impl Permit for Admin {
    const WHO: &'static str = "a registered administrator of the tax agency";
    fn allows(role: Role, agency: &str) -> bool {
        role == Role::Administrator && agency == HOME_AGENCY
    }
}

impl Permit for Overseer {
    const WHO: &'static str = "a registered disclosure officer or auditor of the tax agency";
    fn allows(role: Role, agency: &str) -> bool {
        Officer::allows(role, agency) || Auditor::allows(role, agency)
    }
}

impl Permit for PolicyOwner {
    const WHO: &'static str = "a registered disclosure officer or administrator of the tax agency";
    fn allows(role: Role, agency: &str) -> bool {
        Officer::allows(role, agency) || Admin::allows(role, agency)
    }
}

impl Permit for TaxAgencyStaff {
    const WHO: &'static str = "a registered official of the tax agency";
    fn allows(role: Role, agency: &str) -> bool {
        role.is_home() && agency == HOME_AGENCY
    }
}

impl Permit for AnyOfficial {
    const WHO: &'static str = "a registered official";
    fn allows(_role: Role, _agency: &str) -> bool {
        true
    }
}

/// Whether an official with `role` at `agency` may see a request of
/// `request_agency`: overseers see every request, requesters their
/// agency's only, nobody else any.
pub fn may_see_request(role: Role, agency: &str, request_agency: &str) -> bool {
    Overseer::allows(role, agency) || (Requester::allows(role, agency) && agency == request_agency)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed<P: Permit>() -> Vec<(Role, bool)> {
        let mut out = Vec::new();
        for r in Role::ALL {
            for home in [true, false] {
                let agency = if home { HOME_AGENCY } else { "DHS-ICE" };
                if P::allows(r, agency) {
                    out.push((r, home));
                }
            }
        }
        out
    }

    #[test]
    fn every_permit_is_exactly_its_roles_at_the_right_agency() {
        use Role::{Administrator, DisclosureOfficer, Recipient, Signer};
        assert_eq!(
            allowed::<Requester>(),
            [(Signer, false), (Recipient, false)]
        );
        assert_eq!(allowed::<Officer>(), [(DisclosureOfficer, true)]);
        assert_eq!(allowed::<Auditor>(), [(Role::Auditor, true)]);
        assert_eq!(allowed::<Admin>(), [(Administrator, true)]);
        assert_eq!(
            allowed::<Overseer>(),
            [(DisclosureOfficer, true), (Role::Auditor, true)]
        );
        assert_eq!(
            allowed::<PolicyOwner>(),
            [(DisclosureOfficer, true), (Administrator, true)]
        );
    }

    #[test]
    fn requesters_see_their_own_agency_only_and_overseers_all() {
        assert!(may_see_request(Role::Recipient, "DHS-ICE", "DHS-ICE"));
        assert!(!may_see_request(Role::Recipient, "DHS-ICE", "DOJ-FBI"));
        assert!(may_see_request(Role::Auditor, HOME_AGENCY, "DHS-ICE"));
        assert!(!may_see_request(
            Role::Administrator,
            HOME_AGENCY,
            "DHS-ICE"
        ));
        // A disclosure officer registered at a requesting agency is nobody.
        assert!(!may_see_request(
            Role::DisclosureOfficer,
            "DHS-ICE",
            "DHS-ICE"
        ));
    }

    #[test]
    fn roles_spell_and_fit_their_agencies() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert!(Role::Signer.fits_agency("DHS-ICE"));
        assert!(!Role::Signer.fits_agency(HOME_AGENCY));
        assert!(Role::Auditor.fits_agency(HOME_AGENCY));
        assert!(!Role::Auditor.fits_agency("DHS-ICE"));
    }
}
