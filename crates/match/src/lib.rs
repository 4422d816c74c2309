//! vouch's matcher: the master index, blocking, Fellegi-Sunter scoring and
//! the confirm-only decision.
//!
//! The master is standardised once into an index ([`index`]): taxpayer
//! histories by tax year, addresses as keys, interned name tokens, surname
//! term frequencies, several independent blocking keys, and a model
//! ([`model`]) whose u comes from random master pairs and whose m can be
//! re-estimated by EM ([`train`]). A subject's candidates from every block
//! are scored field by field ([`compare`]) in log2 match-weight space, and
//! [`decide::decide`] confirms only one clear, unvetoed taxpayer whose latest
//! in-period return carries exactly the subject's address.
//!
//! Training ([`train::train_model`]) estimates u and m without labels and
//! gives the model a version derived from its parameters;
//! [`train::evaluate`] is the labelled gate before a model is activated.
//! [`index::MasterIndex::extend`] adds a new tax year's rows without
//! re-standardising the indexed ones.
//!
//! Modules depend one way only: [`keys`] ← [`compare`] ← [`model`] ←
//! [`index`] ← [`decide`] ← [`train`]. u is sampled where the rows are
//! ([`index::estimate_u`]), and the rules that shape any estimated model
//! (missing fields are uninformative, no level outweighs the first) live
//! in [`model`], so the index never calls into training.
//!
//! The only I/O is the index directory ([`index::IndexBuilder::finish_into`],
//! [`index::MasterIndex::save`] and [`index::MasterIndex::load`], which maps
//! the file) and the build's unnamed spill files in the directory it is
//! given. Nothing here implements `Display` for
//! master data, and explanations carry level names and weights only.
#![deny(missing_docs)]

pub mod compare;
pub mod decide;
pub mod index;
pub mod keys;
pub mod model;
pub mod train;

pub use decide::{Decision, DecisionReason, Explanation, MatchQuery};
pub use index::{
    BuildReport, IndexBuilder, IndexError, LatestName, MasterIndex, StagedRow, Stager,
    BUILD_MEMORY_DEFAULT, INDEX_FILE,
};
pub use model::{model_report, Model};
pub use train::{evaluate, train_model, Evaluation, TrainError, TrainReport};

/// The version of the matching model, recorded with every lookup.
pub const MODEL_VERSION: &str = "fs-1";
