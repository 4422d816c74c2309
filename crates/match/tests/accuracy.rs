//! Accuracy regression on a fixed small synthetic set (30k master rows,
//! 2k subjects): zero false confirmations, and floors for precision and
//! recall, reported per corruption kind.

mod common;

#[test]
fn synthetic_accuracy_has_no_false_confirmations_and_high_recall() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ix, build) = common::generate_and_build(&data, 30_000, 2_000, 7);
    let mut e = common::evaluate(&ix, &data);
    e.build = build;
    println!("{}", e.table());
    for (kind, why) in &e.false_confirmations {
        println!("FALSE CONFIRMATION {kind}: {why}");
    }
    assert_eq!(e.all.false_confirmed, 0, "false confirmations");
    assert!(e.precision() >= 0.999);
    assert!(e.recall() >= 0.955, "recall {}", e.recall());
}
