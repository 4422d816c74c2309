//! One module per command.

pub mod bench;
pub mod demo;
pub mod index;
pub mod ledger;
pub mod normalize;
pub mod registry;
pub mod synth;
pub mod verify;
