//! The service's keys live outside the store, are never made silently, and
//! everything vouch creates is its user's alone. Each test is an attack
//! that worked before: a key deleted from the store was quietly replaced
//! (and a held taxpayer came back CONFIRMED), and the database was readable
//! by any local user.

mod common;

use common::{ok, one_line_error, rows, vouch, Golden};
use std::path::Path;

/// A state with the golden request's parties and keys, TIN 123456789 (the
/// golden request's first subject) on the hold list.
fn held_state(dir: &Path) -> (Golden, std::path::PathBuf) {
    let g = Golden::new(&dir.join("data"));
    let state = dir.join("state");
    g.register(&state);
    g.build_index(&state);
    let tins = dir.join("held.txt");
    std::fs::write(&tins, "123456789\n").unwrap();
    let t = tins.to_str().unwrap();
    ok(&vouch(
        &state,
        &["holds", "add", "--tins", t, "--as", "irs-do-1"],
    ));
    (g, state)
}

#[test]
fn a_deleted_or_replaced_key_stops_every_command_and_a_held_taxpayer_is_never_confirmed() {
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = held_state(tmp.path());
    let key = state.join("keys/tin-hmac.key");
    let saved = std::fs::read(&key).unwrap();

    // Deleted: verify stops, naming the file; nothing is written; no key
    // is made in its place.
    std::fs::remove_file(&key).unwrap();
    let out = g.verify(&state, &tmp.path().join("r1"));
    let err = one_line_error(&out);
    assert!(
        err.contains("tin-hmac.key") && err.contains("missing"),
        "{err}"
    );
    assert!(!tmp.path().join("r1").exists(), "no response");
    assert!(!key.exists(), "no key was made");
    let held = one_line_error(&vouch(
        &state,
        &["holds", "remove", "--tins", "x", "--as", "irs-do-1"],
    ));
    assert!(held.contains("tin-hmac.key"), "{held}");

    // Replaced by another key (readable by its owner only): refused too.
    let other = vouch_formats::keys::encode_base64_line(&[9u8; 32]);
    write_private(&key, other.as_bytes());
    let err = one_line_error(&g.verify(&state, &tmp.path().join("r2")));
    assert!(err.contains("is not the one this store uses"), "{err}");
    assert!(!tmp.path().join("r2").exists());

    // Readable by others: refused.
    write_private(&key, &saved);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = one_line_error(&g.verify(&state, &tmp.path().join("r3")));
        assert!(err.contains("mode 644"), "{err}");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    // The right key back: the held taxpayer is NOT_CONFIRMED, the others
    // answered as ever.
    ok(&g.verify(&state, &tmp.path().join("r")));
    let r = rows(&tmp.path().join("r"));
    assert_eq!(r[0].1, "NOT_CONFIRMED", "held");
    assert_eq!(r[3].1, "CONFIRMED", "others unaffected");
}

#[test]
fn keys_are_made_once_and_never_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    ok(&vouch(&state, &["keys", "init"]));
    let before = std::fs::read(state.join("keys/ledger.key")).unwrap();
    let err = one_line_error(&vouch(&state, &["keys", "init"]));
    assert!(err.contains("registered already"), "{err}");
    // Even with the store's record gone, the files are not overwritten.
    let other = tmp.path().join("other-state");
    let err = one_line_error(&vouch(
        &other,
        &[
            "--keys",
            state.join("keys").to_str().unwrap(),
            "keys",
            "init",
        ],
    ));
    assert!(err.contains("never overwritten"), "{err}");
    assert_eq!(
        std::fs::read(state.join("keys/ledger.key")).unwrap(),
        before
    );
    let listed = ok(&vouch(&state, &["keys", "list"]));
    assert!(
        listed.contains("tin-hmac") && listed.contains("are the store's"),
        "{listed}"
    );
    assert!(!listed.contains(&String::from_utf8_lossy(&before).trim().to_string()));
}

#[test]
fn a_rotated_ledger_key_signs_new_checkpoints_and_the_old_ones_still_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let g = Golden::new(&tmp.path().join("data"));
    let state = tmp.path().join("state");
    g.register(&state);
    g.build_index(&state);
    ok(&g.verify(&state, &tmp.path().join("r1")));
    let origin = |s: &str| s.lines().next().unwrap_or("").to_string();
    let first = ok(&vouch(&state, &["ledger", "checkpoint"]));
    ok(&vouch(&state, &["keys", "rotate", "--key", "ledger"]));
    assert!(!one_line_error(&vouch(&state, &["keys", "rotate", "--key", "tin-hmac"])).is_empty());
    // A second request about other people (new A-numbers, new names: a
    // letter added to a given name alone would be the same person to the
    // probing guard), so that it is looked up and the tree grows: its
    // checkpoint is signed with the new key.
    let subjects = g.request().join("subjects.csv");
    let text = std::fs::read_to_string(&subjects).unwrap();
    let other: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                return format!("{l}\n");
            }
            let mut f: Vec<String> = l.split(',').map(str::to_string).collect();
            f[1] = format!("{}Q", f[1]);
            f[3] = format!("Q{}", f[3]);
            f[11] = f[11].replacen("A0123", "A0987", 1);
            format!("{}\n", f.join(","))
        })
        .collect();
    std::fs::write(&subjects, other).unwrap();
    g.reseal();
    g.edit_letter(|t| t.replace("GOLDEN-2025-000001", "GOLDEN-2025-000009"));
    ok(&g.verify(&state, &tmp.path().join("r2")));
    let second = ok(&vouch(&state, &["ledger", "checkpoint"]));
    assert_eq!(origin(&first), origin(&second), "one log, one origin");
    // The signature line starts with the signing key's 4-byte hash: another key.
    let key_hash = |s: &str| {
        let line = s.lines().last().unwrap_or("").to_string();
        let b64 = line.rsplit(' ').next().unwrap_or("").to_string();
        b64[..5].to_string()
    };
    assert_ne!(
        key_hash(&first),
        key_hash(&second),
        "signed with the new key"
    );
    let verified = ok(&vouch(&state, &["ledger", "verify"]));
    assert!(verified.contains("2 checkpoints verified"), "{verified}");
}

#[cfg(unix)]
#[test]
fn everything_vouch_creates_is_its_users_alone() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let (g, state) = held_state(tmp.path());
    let index = g.dir.join("index");
    let out = tmp.path().join("response");
    ok(&g.verify(&state, &out));
    let mut seen = 0;
    for root in [&state, &index, &out] {
        let mut stack = vec![root.clone()];
        while let Some(p) = stack.pop() {
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o077, 0, "{} has mode {mode:o}", p.display());
            seen += 1;
            if p.is_dir() {
                stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            }
        }
    }
    assert!(seen > 12, "{seen} paths checked");
}

fn write_private(path: &Path, bytes: &[u8]) {
    let _ = std::fs::remove_file(path);
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    std::io::Write::write_all(&mut o.open(path).unwrap(), bytes).unwrap();
}
