//! vouch-normalize: standardisation of personal names and US postal
//! addresses for vouch's matcher and policy checks.
//!
//! Names: Unicode folding ([`fold()`]), two-surname forms, particles,
//! suffixes, placeholders, nickname equivalence classes, Double Metaphone
//! codes and frequency-aware blocking keys ([`standardize_name`]).
//! Addresses: USPS Publication 28 parsing and standard forms (streets, PO
//! boxes, rural and highway-contract routes, military PSC/CMR/UNIT and
//! ships, Puerto Rico urbanizations), placeholder and non-address flags,
//! ZIP/state consistency, city similarity ([`standardize_address`]).
//!
//! Throughput (one core, criterion bench `normalize`): about 2 million
//! addresses and 3 million names a second. The hot path folds ASCII input
//! in runs through a byte-class table and looks words up in hash tables
//! built once; `examples/corruption_report.rs` measures how much of the
//! synthetic data's corruption standardisation alone undoes.
//!
//! What it deliberately does not do: no I/O, no serialisation, no clock or
//! randomness, no scoring or thresholds (the matcher owns those), no
//! deliverability check (USPS data is licensed), and no dependency on other
//! vouch crates. Every table is data shipped in the crate and parsed once;
//! every function is pure and deterministic.

#![deny(missing_docs)]

mod address;
mod city;
mod fold;
mod identity;
mod name;
mod nickname;
mod phonetic;
mod usps;

pub use address::{
    delivery_point_variant, match_key_variant, standardize_address, AddressFlags, AddressKind,
    StandardAddress,
};
pub use city::{city_similarity, standardize_city, zip_state_consistent};
pub use fold::{fold, is_invisible};
pub use identity::{
    gender_ending, gender_stem, gendered_pair, given_class, given_names_alike,
    given_names_compatible, identity_code, identity_code_swapped, identity_codes,
    surname_alternative, surnames_compatible, within_one_edit, IdentityCode, GIVEN_DICE_MIN,
    GIVEN_EDIT_REACH, IDENTITY_CODES_MAX, IDENTITY_CODES_WRITTEN, SURNAME_EDIT_REACH,
};
pub use name::{standardize_name, GivenAgreement, StandardName, Suffix, SurnameAgreement};
pub use nickname::{
    are_nickname_equivalent, are_surname_variants, nickname_canonical, surname_variant_canonical,
    NICKNAMES_TXT, SURNAME_VARIANTS_TXT,
};
pub use phonetic::{
    frequency_key, phonetic_code, phonetic_equivalent, phonetic_primary, token_weight_bits,
    PhoneticCode, TokenKey, PHONETIC_CODE_CHARS_MAX,
};
pub use usps::{suffix_mistyped_as, STREET_SUFFIXES_TXT, ZIP3_STATES_TXT};
