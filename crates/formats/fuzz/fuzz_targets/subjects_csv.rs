//! Fuzzes the `subjects.csv` table reader: any bytes must give rows or a
//! typed error naming the line and field, never a panic, with every field
//! read under the same limits as `read_subjects` uses.
//!
//! It reads from memory through `Table` (no temporary file), so it does not
//! cover the streaming SHA-256 check of `read_subjects`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_formats_fuzz::check_subjects_csv(data));
