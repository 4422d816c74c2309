//! Fuzzes `checks.csv` parsing: any bytes must give rows or a typed error,
//! never a panic, and parsed rows must survive `render_checks` and a second
//! parse unchanged (the file is how a resumed batch remembers its verdicts).
//!
//! It does not judge whether the codes make sense for a subject.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_formats_fuzz::check_checks_csv(data));
