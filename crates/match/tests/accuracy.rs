//! Accuracy regression on a fixed small synthetic set (30k master rows,
//! 2k subjects): zero false confirmations, and floors for precision and
//! recall, reported per corruption kind; then the same set after training
//! the model on the request's own (unlabelled) subjects: the evaluation
//! gate still finds no false confirmation and precision does not drop.

mod common;

use vouch_match::{evaluate, train::FALSE_CONFIRMATION_RATE_MAX, train_model, MasterIndex};

#[test]
fn synthetic_accuracy_has_no_false_confirmations_and_high_recall() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut ix, build) = common::generate_and_build(&data, 30_000, 2_000, 7);
    let mut e = common::evaluate(&ix, &data);
    e.build = build;
    println!("{}", e.table());
    for (kind, why) in &e.false_confirmations {
        println!("FALSE CONFIRMATION {kind}: {why}");
    }
    assert_eq!(e.all.false_confirmed, 0, "false confirmations");
    assert!(e.precision() >= 0.999);
    // 0.969 before the probing guard's identity (issue 14): without a date
    // of birth on file that agrees, a subject must now carry the
    // taxpayer's identity code, so surname typos that change its sound,
    // reordered surnames and first-letter typos in the given name are no
    // longer confirmed on the name alone (BENCHMARKS.md, "The probing
    // guard's identity").
    // 0.947 with street typos on either side bridged (issue 16); 0.936
    // once the generator also keys 1% of returns with a wrong ZIP digit
    // and 1% of apartments' returns without the unit, which vouch refuses
    // by design (ARCHITECTURE.md invariant 22): those subjects count as
    // confirmable and are missed.
    assert!(e.recall() >= 0.93, "recall {}", e.recall());

    let labelled = common::labelled_queries(&data);
    let before = evaluate(&ix, &labelled);
    assert_eq!(before.false_confirmations, e.all.false_confirmed);
    assert!(before.within(FALSE_CONFIRMATION_RATE_MAX));
    let queries: Vec<_> = labelled.iter().map(|(q, _)| q.clone()).collect();
    let report = train_model(&mut ix, &queries).unwrap();
    println!("{report:#?}");
    assert!(report.em.iterations > 0 && report.em.log_likelihood.is_finite());
    assert_ne!(report.version, report.version_before);
    assert_eq!(ix.model().model_version, report.version);
    let after = evaluate(&ix, &labelled);
    println!("before {before:?}\nafter  {after:?}");
    assert_eq!(
        after.false_confirmations, 0,
        "false confirmations after training"
    );
    let precision = |x: &vouch_match::Evaluation| 1.0 - x.rate;
    assert!(precision(&after) >= precision(&before));
    assert!(after.within(FALSE_CONFIRMATION_RATE_MAX));
    let saved = dir.path().join("index");
    ix.save(&saved).unwrap();
    assert_eq!(MasterIndex::load(&saved).unwrap().model(), ix.model());
}
