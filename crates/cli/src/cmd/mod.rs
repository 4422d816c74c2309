//! One module per command.

pub mod bench;
pub mod demo;
pub mod holds;
pub mod index;
pub mod ledger;
pub mod model;
pub mod normalize;
pub mod policy;
pub mod registry;
pub mod requests;
pub mod serve;
pub mod synth;
pub mod verify;
