//! Bad input on the whole batch path: each case exits non-zero with one line
//! of error naming the file (and line and field where there is one), and
//! leaves no response behind.

mod common;
use common::*;
use std::path::Path;

struct Case {
    tmp: tempfile::TempDir,
    g: Golden,
    state: std::path::PathBuf,
}

fn setup() -> Case {
    let tmp = tempfile::tempdir().unwrap();
    let g = Golden::new(&tmp.path().join("data"));
    let state = tmp.path().join("state");
    g.register(&state);
    g.build_index(&state);
    Case { tmp, g, state }
}

/// Runs verify, expects failure; returns the single stderr line.
fn fails(c: &Case) -> String {
    let out = c.tmp.path().join("response");
    let o = c.g.verify(&c.state, &out);
    assert!(!o.status.success(), "verify succeeded on bad input");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr).trim_end().to_string();
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    assert!(!out.exists(), "a response was written");
    leftovers(c.tmp.path());
    err
}

/// No temporary files may be left next to the outputs.
fn leftovers(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        assert!(
            !name.starts_with(".response-") && !name.starts_with(".tmp-"),
            "left behind: {name}"
        );
    }
}

fn edit_subjects(c: &Case, f: impl FnOnce(String) -> String) {
    let p = c.g.request().join("subjects.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, f(text)).unwrap();
}

#[test]
fn a_missing_subjects_file_is_named() {
    let c = setup();
    std::fs::remove_file(c.g.request().join("subjects.csv")).unwrap();
    let e = fails(&c);
    assert!(
        e.contains("subjects.csv") && e.contains("cannot access file"),
        "{e}"
    );
}

#[test]
fn a_missing_signature_file_is_named() {
    let c = setup();
    std::fs::remove_file(c.g.request().join("request.json.sig")).unwrap();
    let e = fails(&c);
    assert!(e.contains("request.json.sig"), "{e}");
}

#[test]
fn a_wrong_header_names_the_missing_column() {
    let c = setup();
    edit_subjects(&c, |t| t.replacen("a_number", "alien_number", 1));
    c.g.reseal();
    let e = fails(&c);
    assert!(
        e.contains("subjects.csv: line 1: field a_number: required column missing"),
        "{e}"
    );
}

#[test]
fn a_malformed_row_names_its_line() {
    let c = setup();
    edit_subjects(&c, |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
        lines[3] = "S03,Juan,,Perez".into();
        lines.join("\n") + "\n"
    });
    c.g.reseal();
    let e = fails(&c);
    assert!(
        e.contains("subjects.csv: line 4: field row: row has 4 fields, header has 15"),
        "{e}"
    );
}

#[test]
fn an_over_long_field_names_line_and_field() {
    let c = setup();
    let long = "x".repeat(5000);
    edit_subjects(&c, |t| {
        t.replacen("Named target of the smuggling", &long, 1)
    });
    c.g.reseal();
    let e = fails(&c);
    assert!(
        e.contains(
            "subjects.csv: line 2: field relevance: value longer than the limit of 4096 bytes"
        ),
        "{e}"
    );
    assert!(!e.contains(&long[..50]));
}

#[test]
fn a_bad_signature_is_refused() {
    let c = setup();
    let p = c.g.request().join("request.json");
    let mut letter = std::fs::read(&p).unwrap();
    letter.extend_from_slice(b"\n");
    std::fs::write(&p, letter).unwrap(); // changed after signing
    let e = fails(&c);
    assert!(
        e.contains("request.json.sig: line 1: field signature: SIGNATURE_INVALID"),
        "{e}"
    );
}

#[test]
fn a_subjects_hash_mismatch_is_refused() {
    let c = setup();
    edit_subjects(&c, |t| t.replacen("Peter", "Petra", 1));
    let e = fails(&c);
    assert!(
        e.contains("subjects.csv: sha256 of the file differs from subjects_sha256"),
        "{e}"
    );
}

#[test]
fn a_letter_whose_signature_fails_is_refused_before_its_subjects_are_read() {
    let c = setup();
    // 40 MB of what is not CSV at all: had it been read, it would be named.
    let p = c.g.request().join("subjects.csv");
    let junk: Vec<u8> = (0..40u32 << 20).map(|i| (i % 251) as u8).collect();
    std::fs::write(&p, junk).unwrap();
    let l = c.g.request().join("request.json");
    let mut letter = std::fs::read(&l).unwrap();
    letter.extend_from_slice(b"\n");
    std::fs::write(&l, letter).unwrap(); // changed after signing
    let e = fails(&c);
    assert!(
        e.contains("request.json.sig: line 1: field signature: SIGNATURE_INVALID"),
        "{e}"
    );
    assert!(!e.contains("subjects.csv"), "{e}");
}

#[test]
fn a_subjects_file_that_is_not_the_signed_one_is_refused_before_a_row_is_parsed() {
    let c = setup();
    // A malformed row, not resealed: the hash is compared before any row.
    edit_subjects(&c, |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
        lines[3] = "S03,Juan,,Perez".into();
        lines.join("\n") + "\n"
    });
    let e = fails(&c);
    assert!(
        e.contains("subjects.csv: sha256 of the file differs from subjects_sha256"),
        "{e}"
    );
    assert!(!e.contains("line 4"), "{e}");
}

#[test]
fn a_subject_ref_a_spreadsheet_would_run_is_refused_naming_its_line() {
    for bad in ["=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)"] {
        let c = setup();
        edit_subjects(&c, |t| {
            let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
            let rest = lines[2].split_once(',').unwrap().1.to_string();
            lines[2] = format!("\"{}\",{rest}", bad.replace('"', "\"\""));
            lines.join("\n") + "\n"
        });
        c.g.reseal();
        let e = fails(&c);
        assert!(
            e.contains("subjects.csv: line 3: field subject_ref: must not begin with"),
            "{bad}: {e}"
        );
        assert!(!e.contains("HYPERLINK"), "the value is never echoed: {e}");
    }
}

#[test]
fn an_unregistered_signer_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let g = Golden::new(&tmp.path().join("data"));
    let state = tmp.path().join("state");
    ok(&vouch(&state, &["keys", "init"]));
    ok(&vouch(
        &state,
        &[
            "agencies",
            "add",
            "--id",
            "DHS-ICE",
            "--ssr-approved",
            "2025-01-15",
        ],
    ));
    let public = g.officer_pub("irs-do-1");
    ok(&vouch(
        &state,
        &[
            "officials",
            "add",
            "--id",
            "irs-do-1",
            "--agency",
            "IRS",
            "--role",
            "disclosure-officer",
            "--public-key",
            public.to_str().unwrap(),
        ],
    ));
    g.build_index(&state);
    let c = Case { tmp, g, state };
    let e = fails(&c);
    assert!(
        e.contains("SIGNER_NOT_AUTHORIZED: signer ice-director is not a registered official"),
        "{e}"
    );
}

#[test]
fn an_unregistered_approving_officer_is_refused() {
    let c = setup();
    let out = c.tmp.path().join("response");
    let idx = c.g.dir.join("index");
    let o = vouch(
        &c.state,
        &[
            "verify",
            "--index",
            idx.to_str().unwrap(),
            "--request",
            c.g.request().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--approve-as",
            "nobody",
            "--officer-key",
            c.g.officer_key("nobody").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("--approve-as nobody: not a registered disclosure officer"),
        "{e}"
    );
    assert!(!out.exists());
}

/// `vouch verify ... --approve-as OFFICER` with extra arguments.
fn verify_with(c: &Case, out: &Path, extra: &[&str]) -> std::process::Output {
    let idx = c.g.dir.join("index");
    let request = c.g.request();
    let mut args = vec![
        "verify",
        "--index",
        idx.to_str().unwrap(),
        "--request",
        request.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    vouch(&c.state, &args)
}

#[test]
fn an_approval_without_the_officers_own_key_is_refused_and_writes_nothing() {
    let c = setup();
    let out = c.tmp.path().join("response");
    let o = verify_with(&c, &out, &["--approve-as", "irs-do-1"]);
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("--officer-key") && e.lines().count() == 1, "{e}");
    assert!(!out.exists());
    // Another officer's key under this officer's name: refused as well.
    let other = c.g.officer_key("irs-do-2");
    let o = verify_with(
        &c,
        &out,
        &[
            "--approve-as",
            "irs-do-1",
            "--officer-key",
            other.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("not the key registered for irs-do-1"), "{e}");
    assert!(!out.exists(), "nothing written");
}

#[test]
fn malformed_json_names_the_line() {
    let c = setup();
    let p = c.g.request().join("request.json");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("\"pathway\": \"6103(i)(2)\",", "\"pathway\": ,");
    std::fs::write(&p, text).unwrap();
    c.g.resign();
    let e = fails(&c);
    assert!(e.contains("request.json: line 3: field json"), "{e}");
}

#[test]
fn a_master_file_with_a_wrong_header_is_refused_and_writes_no_index() {
    let tmp = tempfile::tempdir().unwrap();
    let master = tmp.path().join("master.csv");
    std::fs::write(
        &master,
        "tin,year,first_name,last_name,street,city,state,zip\n",
    )
    .unwrap();
    let idx = tmp.path().join("idx");
    let o = vouch(
        &tmp.path().join("state"),
        &[
            "index",
            "build",
            "--master",
            master.to_str().unwrap(),
            "--out",
            idx.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("master.csv: line 1: field tax_year: required column missing"),
        "{e}"
    );
    assert!(!idx.join("master.idx").exists());
}

#[test]
fn a_build_memory_too_small_or_unreadable_is_refused_before_anything_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("idx");
    for (memory, says) in [
        ("10MiB", "the build needs at least 64MiB"),
        ("8XB", "unknown unit"),
        ("lots", "is not a memory size"),
    ] {
        let o = vouch(
            &tmp.path().join("state"),
            &[
                "index",
                "build",
                "--master",
                "/nonexistent/master.csv",
                "--out",
                idx.to_str().unwrap(),
                "--memory",
                memory,
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{memory}");
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(e.contains(says), "{memory}: {e}");
        assert!(!idx.exists());
    }
}

#[test]
fn a_corrupt_index_stops_verify_with_a_clear_error() {
    let c = setup();
    let p = c.g.dir.join("index/master.idx");
    let mut b = std::fs::read(&p).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0x01;
    std::fs::write(&p, b).unwrap();
    let e = fails(&c);
    assert!(e.contains("corrupt: checksum mismatch"), "{e}");
}
