//! Fuzzes the `master.csv` table reader with the master file's columns:
//! any bytes must give rows or a typed error, never a panic, and the
//! per-field parsers the master reader applies (TIN, date of birth) must be
//! total over whatever a field holds.
//!
//! It reads from memory through `Table`, so `MasterReader`'s skip
//! bookkeeping (which needs a file) is not covered here.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_formats_fuzz::check_master_csv(data));
