//! `vouch normalize name|address`: show how values standardise, one JSON
//! object per input line, so the disclosure office can see why two values
//! compare as they do. Reads CSV lines (no header) on stdin.

use anyhow::{Context, Result};
use serde_json::{json, Value};
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use vouch_normalize::{standardize_address, standardize_name, StandardAddress, StandardName};

#[derive(clap::Subcommand, Debug)]
pub enum NormalizeCommand {
    /// Lines `street,city,state,zip`.
    Address,
    /// Lines `first,middle,last,suffix`.
    Name,
}

/// Longest accepted input line, in bytes (of its fields, without separators).
const LINE_BYTES_MAX: usize = 4096;
// A line of four fields each within FIELD_BYTES_MAX (what a request or the
// master may hold) must be one this command can show.
const _: () = assert!(4 * vouch_core::limits::FIELD_BYTES_MAX <= LINE_BYTES_MAX);

pub fn run(c: NormalizeCommand) -> Result<ExitCode> {
    let stdin = std::io::stdin();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(stdin.lock());
    let mut out = BufWriter::new(std::io::stdout().lock());
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 1;
        let rec = rec.with_context(|| format!("stdin: line {line}: not valid CSV"))?;
        if rec.as_slice().len() > LINE_BYTES_MAX {
            anyhow::bail!("stdin: line {line}: longer than {LINE_BYTES_MAX} bytes");
        }
        let f = |k: usize| rec.get(k).unwrap_or("");
        let v = match c {
            NormalizeCommand::Address => address_json(&standardize_address(f(0), f(1), f(2), f(3))),
            NormalizeCommand::Name => name_json(&standardize_name(f(0), f(1), f(2), f(3))),
        };
        serde_json::to_writer(&mut out, &v)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn address_json(a: &StandardAddress) -> Value {
    let f = &a.flags;
    json!({
        "standard": a.standard_line(),
        "complete": a.is_complete(),
        "kind": format!("{:?}", a.kind),
        "house_number": a.house_number, "predir": a.predir, "street_name": a.street_name,
        "suffix": a.suffix, "postdir": a.postdir, "unit_type": a.unit_type, "unit": a.unit,
        "po_box": a.po_box, "rural_route": a.rural_route, "urbanization": a.urbanization, "care_of": a.care_of, "firm": a.firm,
        "city": a.city, "state": a.state, "zip5": a.zip5, "zip4": a.zip4,
        "flags": {
            "incomplete": f.incomplete, "placeholder": f.placeholder, "general_delivery": f.general_delivery,
            "care_of": f.care_of, "facility": f.facility, "facility_only": f.facility_only,
            "zip_state_mismatch": f.zip_state_mismatch, "invalid_state": f.invalid_state,
            "invalid_zip": f.invalid_zip, "zip_padded": f.zip_padded,
        },
        "match_key": a.match_key(),
        "street_key": a.street_key(),
    })
}

fn name_json(n: &StandardName) -> Value {
    json!({
        "given": n.given, "middle": n.middle, "surnames": n.surnames, "particles": n.particles,
        "suffix": n.suffix.map(|s| s.as_str()),
        "placeholder": n.is_placeholder(),
        "first_given": n.first_given(),
        "surname_full": n.surname_full(),
        "surname_paternal": n.surname_paternal(),
        "surname_maternal": n.surname_maternal(),
        "keys": {
            "match": n.match_key(),
            "surname": n.surname_keys(),
            "given": n.given_keys(),
            "phonetic_surname": n.phonetic_surname(),
            "phonetic_given": n.phonetic_given(),
        },
    })
}
