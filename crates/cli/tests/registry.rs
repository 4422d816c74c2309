//! The two-person registry at the command line: once two administrators
//! with keys are registered, one person cannot register anyone, change the
//! hold list or activate a policy; a proposal signed with one
//! administrator's key takes effect only when a second confirms with
//! theirs; `ledger verify` replays it and says the registry is sealed.

mod common;

use common::{ok, vouch, Golden};

#[test]
fn a_sealed_registry_needs_a_proposal_and_a_second_administrator() {
    let tmp = tempfile::tempdir().unwrap();
    let g = Golden::new(tmp.path());
    let state = tmp.path().join("state");
    g.register(&state);
    let verify = ok(&vouch(&state, &["ledger", "verify"]));
    assert!(verify.contains("NOT sealed"), "{verify}");
    g.seal(&state);

    let auditor = [
        "officials",
        "add",
        "--id",
        "irs-aud-1",
        "--agency",
        "IRS",
        "--role",
        "auditor",
    ];
    let alone = vouch(&state, &auditor);
    assert!(!alone.status.success());
    let err = String::from_utf8_lossy(&alone.stderr);
    assert!(err.contains("sealed"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // Proposed by the first administrator, with their own key.
    let key1 = g.officer_key("irs-admin-1");
    let mut args = auditor.to_vec();
    args.extend(["--as", "irs-admin-1", "--key", key1.to_str().unwrap()]);
    let out = ok(&vouch(&state, &args));
    assert!(out.contains("waiting for a second administrator"), "{out}");
    let change = out
        .split_whitespace()
        .nth(3)
        .expect("the change id")
        .to_string();
    let listed = ok(&vouch(&state, &["officials", "list"]));
    assert!(!listed.contains("irs-aud-1"), "pending: {listed}");

    // The proposer cannot confirm; a key not the confirmer's is refused.
    for (who, key) in [
        ("irs-admin-1", "irs-admin-1"),
        ("irs-admin-2", "irs-admin-1"),
    ] {
        let key = g.officer_key(key);
        let out = vouch(
            &state,
            &[
                "registry",
                "confirm",
                &change,
                "--as",
                who,
                "--key",
                key.to_str().unwrap(),
            ],
        );
        assert!(!out.status.success(), "{who}");
    }
    let key2 = g.officer_key("irs-admin-2");
    let out = ok(&vouch(
        &state,
        &[
            "registry",
            "confirm",
            &change,
            "--as",
            "irs-admin-2",
            "--key",
            key2.to_str().unwrap(),
        ],
    ));
    assert!(out.contains("in effect, ledger entry"), "{out}");
    assert!(ok(&vouch(&state, &["officials", "list"])).contains("irs-aud-1"));
    let list = ok(&vouch(&state, &["registry", "list"]));
    assert!(
        list.contains("sealed (every change needs two people)"),
        "{list}"
    );
    assert!(
        list.contains(&format!(
            "{change}\tofficial\tin effect\tproposed by irs-admin-1\tconfirmed by irs-admin-2"
        )),
        "{list}"
    );

    // The hold list too: alone refused, proposed and confirmed it holds.
    let tins = tmp.path().join("tins.txt");
    std::fs::write(&tins, "123456789\n").unwrap();
    let holds = [
        "holds",
        "add",
        "--tins",
        tins.to_str().unwrap(),
        "--as",
        "irs-do-1",
    ];
    assert!(!vouch(&state, &holds).status.success());
    let do_key = g.officer_key("irs-do-1");
    let mut args = holds.to_vec();
    args.extend(["--key", do_key.to_str().unwrap()]);
    let out = ok(&vouch(&state, &args));
    let change = out.split_whitespace().nth(3).unwrap().to_string();
    assert!(ok(&vouch(&state, &["holds", "count"])).starts_with("0 "));
    ok(&vouch(
        &state,
        &[
            "registry",
            "confirm",
            &change,
            "--as",
            "irs-admin-1",
            "--key",
            key1.to_str().unwrap(),
        ],
    ));
    assert!(ok(&vouch(&state, &["holds", "count"])).starts_with("1 "));

    let verify = ok(&vouch(&state, &["ledger", "verify"]));
    assert!(
        verify.contains("2 changes confirmed by two; sealed at ledger entry"),
        "{verify}"
    );
}
