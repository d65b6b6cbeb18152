//! Donations from a CSV file: all or nothing, every bad line named.

mod fixtures;

use clubsync_core::collection::{DonationSource, ImportError, read_donation_rows};
use clubsync_core::ids::TinNumber;
use fixtures::world;

#[test]
fn a_good_file_reads_every_row_with_its_source() {
    let mut w = world();
    w.issue(2, w.ben, "S-2", 0);
    let file = "Amount,Tin,Note,Source\n5.00,2,,\n12.50,,contactless,card\n3,,,cash\n";
    let rows = read_donation_rows(file.as_bytes(), &w.collection).expect("read");
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[0].line, rows[0].amount.minor), (2, 500));
    assert_eq!(rows[0].source, DonationSource::Tin(TinNumber(2)));
    assert_eq!(rows[1].source, DonationSource::Card);
    assert_eq!(rows[1].note.as_deref(), Some("contactless"));
    assert_eq!(rows[2].source, DonationSource::Cash);
}

#[test]
fn bad_rows_are_named_by_line_and_refuse_the_file() {
    let w = world();
    let file = "amount,tin\n5.00,\n-1,\n2.001,\n4,1\n4,99\n";
    let Err(ImportError::Rows(problems)) = read_donation_rows(file.as_bytes(), &w.collection)
    else {
        panic!("refused by rows");
    };
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert!(
        problems[0].starts_with("line 3: the amount \"-1\" is negative"),
        "{problems:?}"
    );
    assert!(problems[1].starts_with("line 4: the amount \"2.001\" has 3 decimals"));
    assert_eq!(problems[2], "line 5: tin 1 is not out with a collector");
    assert_eq!(problems[3], "line 6: tin 99 is not part of this collection");
    let shown = ImportError::Rows(problems).to_string();
    assert!(shown.starts_with("4 bad rows:\n  line 3:"), "{shown}");
}

#[test]
fn a_wrong_header_is_refused_on_line_1() {
    let w = world();
    for (file, expected) in [
        ("amt,tin\n5,\n", "unknown column \"amt\""),
        ("tin,note\n1,x\n", "no `amount` column"),
        ("amount,Amount\n5,5\n", "appears twice"),
    ] {
        let err = read_donation_rows(file.as_bytes(), &w.collection).expect_err("refused");
        let text = err.to_string();
        assert!(
            text.starts_with("line 1: ") && text.contains(expected),
            "{text}"
        );
    }
}
