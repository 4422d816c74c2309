//! Court orders on file (issue 17): put on file and lifted as registry
//! changes (two people once the registry is sealed, each a ledger entry),
//! their documents kept by SHA-256. What an order does is the pipeline's:
//! a halt refuses intake in its scope (`ORDER_HALTED`) and holds approved
//! batches unreleased; a restriction puts its policy in force in scope.

use crate::{Acting, App, AppError, PolicyOwner, Proposal};
use sha2::{Digest, Sha256};
use vouch_pipeline::changes::{self as rules, Order, OrderPayload};

/// Where order documents are kept among the store's documents (named by
/// their SHA-256).
pub const ORDER_DOCUMENTS: &str = "court-orders";

/// Largest order document accepted (a court's PDF).
pub const ORDER_DOCUMENT_BYTES_MAX: usize = 64 << 20;

/// A court order to put on file.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// Its id.
    pub id: String,
    /// The court.
    pub court: String,
    /// The day it takes effect.
    pub date: time::Date,
    /// `all`, `agency:AGENCY` or `pathway:PATHWAY`.
    pub scope: String,
    /// `halt` or `restrict`.
    pub effect: String,
    /// The order's document (PDF or text).
    pub document: Vec<u8>,
    /// For `restrict`: the policy file it puts in force in scope.
    pub policy: Option<String>,
}

/// A change to the orders on file.
#[derive(Debug, Clone)]
pub enum OrderChange {
    /// Put an order on file.
    Add(NewOrder),
    /// Lift one from a day on.
    Lift {
        /// The order.
        id: String,
        /// The first day it no longer has effect.
        date: time::Date,
    },
}

impl OrderChange {
    /// The registry payload (and the summary listings show).
    pub(crate) fn payload(&self) -> Result<(OrderPayload, String), AppError> {
        let invalid = |why: String| {
            let field = match why.split(':').next() {
                Some("id") => "id",
                Some("court") => "court",
                Some("date") => "date",
                Some("scope") => "scope",
                Some("effect") => "effect",
                Some("policy") => "policy",
                _ => "document",
            };
            AppError::Invalid { field, why }
        };
        Ok(match self {
            OrderChange::Add(n) => {
                if n.document.is_empty() || n.document.len() > ORDER_DOCUMENT_BYTES_MAX {
                    return Err(AppError::Invalid {
                        field: "document",
                        why: format!(
                            "empty, or larger than {} MiB",
                            ORDER_DOCUMENT_BYTES_MAX >> 20
                        ),
                    });
                }
                let p = OrderPayload::Add {
                    id: n.id.trim().into(),
                    court: n.court.trim().into(),
                    date: vouch_core::timestamp::format_date(n.date),
                    scope: n.scope.trim().into(),
                    effect: n.effect.trim().into(),
                    document_sha256: hex::encode(Sha256::digest(&n.document)),
                    policy: n.policy.clone(),
                };
                let o = rules::order_of(&p, "")
                    .map_err(invalid)?
                    .ok_or_else(|| invalid("payload: not an order".into()))?;
                let summary = format!(
                    "court order {}: {} {} from {} ({})",
                    o.id,
                    o.effect.as_str(),
                    o.scope.as_text(),
                    vouch_core::timestamp::format_date(o.date),
                    o.court
                );
                (p, summary)
            }
            OrderChange::Lift { id, date } => {
                rules::check_order_id(id).map_err(invalid)?;
                let p = OrderPayload::Lift {
                    id: id.clone(),
                    date: vouch_core::timestamp::format_date(*date),
                };
                let summary = format!(
                    "court order {id}: lifted from {}",
                    vouch_core::timestamp::format_date(*date)
                );
                (p, summary)
            }
        })
    }
}

impl App<'_> {
    /// Puts an order on file or lifts one while the registry is not sealed
    /// (logged as a founding change). Once it is sealed, an order change is
    /// proposed and confirmed by two people ([`App::propose`]).
    pub fn change_order(
        &self,
        by: &Acting<PolicyOwner>,
        change: OrderChange,
    ) -> Result<(), AppError> {
        self.found(by.id(), &Proposal::Order(change))?;
        Ok(())
    }

    /// Every court order on file, as the ledger's registry vouches for it.
    pub fn orders(&self, ledger: &vouch_ledger::DynLedger) -> Result<Vec<Order>, AppError> {
        Ok(self.vetted(ledger)?.orders().cloned().collect())
    }

    /// The orders halting disclosures anywhere today, for the console's
    /// banner: replayed from the store's record of what was logged (no
    /// ledger reopened on every page; every decision that relies on an
    /// order replays the ledger itself).
    pub fn orders_in_force(&self) -> Result<Vec<Order>, AppError> {
        let today = self.now().date();
        Ok(self
            .vetted_as_recorded()?
            .orders()
            .filter(|o| o.in_force(today))
            .cloned()
            .collect())
    }

    /// An order's document, checked against the SHA-256 on file.
    pub fn order_document(&self, sha256: &str) -> Result<Vec<u8>, AppError> {
        let bytes = self
            .store
            .request_blob(ORDER_DOCUMENTS, sha256)?
            .ok_or_else(|| AppError::NotFound {
                what: "court order document",
                id: sha256.into(),
            })?;
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(AppError::Store(vouch_store::StoreError::Corrupt {
                table: "request_documents",
                why: format!("court order document {sha256} does not hash to its name"),
            }));
        }
        Ok(bytes)
    }

    /// Keeps an order's document before its change is recorded
    /// (content-addressed: storing it twice changes nothing).
    pub(crate) fn keep_order_document(&self, proposal: &Proposal) -> Result<(), AppError> {
        if let Proposal::Order(OrderChange::Add(n)) = proposal {
            let sha = hex::encode(Sha256::digest(&n.document));
            if self.store.request_blob(ORDER_DOCUMENTS, &sha)?.is_none() {
                self.store
                    .put_request_blob(ORDER_DOCUMENTS, &sha, &n.document)?;
            }
        }
        Ok(())
    }
}
