//! What a coordinator is warned of before a collection moves on: one definition, in core, that
//! the CLI and the app show.

mod fixtures;

use clubsync_core::collection::CloseWarning;
use clubsync_core::ids::{TinNumber, tin_ranges};
use clubsync_core::stage::Stage;
use fixtures::world;

#[test]
fn tins_out_tins_not_counted_and_unsigned_counts_are_named() {
    let mut w = world();
    assert!(
        w.collection
            .close_warnings(Stage::Counted)
            .expect("read")
            .is_empty()
    );

    // Tin 1 is out; tin 2 came back and is not counted; tin 3 is counted by one counter only.
    w.issue(1, w.ben, "S-1", 0);
    let back = w.issue(2, w.cho, "S-2", 1);
    w.give_back(back, 50);
    let counted = w.issue(3, w.cho, "S-3", 2);
    w.give_back(counted, 60);
    let count = w.count(counted, 70);
    w.collection
        .record_count(&count, &w.club)
        .expect("count recorded");

    // Nothing to warn of before the counting stage.
    assert!(
        w.collection
            .close_warnings(Stage::Held)
            .expect("read")
            .is_empty()
    );
    let warnings = w.collection.close_warnings(Stage::Counted).expect("read");
    assert_eq!(
        warnings,
        vec![
            CloseWarning::TinsOut(vec![TinNumber(1)]),
            CloseWarning::TinsNotCounted(vec![TinNumber(2)]),
            CloseWarning::CountsNotSigned(1),
        ]
    );
    assert_eq!(
        warnings[0].to_string(),
        "tin(s) 1 are still out with collectors"
    );
    assert_eq!(
        warnings[2].to_string(),
        "1 count(s) are not signed by both counters"
    );
}

#[test]
fn tin_lists_are_written_as_ranges() {
    let tins: Vec<TinNumber> = [1, 2, 3, 5, 7, 8].into_iter().map(TinNumber).collect();
    assert_eq!(tin_ranges(&tins), "1-3, 5, 7-8");
    assert_eq!(tin_ranges(&[]), "");
}
