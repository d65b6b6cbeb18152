//! The one list of reports, and the one dispatch the CLI and the coordinators' API share.

mod fixtures;

use automerge::Automerge;
use clubsync_core::document::TypedDocument;
use clubsync_core::reports::catalog::{self, CatalogError, Report};
use fixtures::world;

#[test]
fn every_report_has_a_name_that_reads_back() {
    for report in Report::ALL {
        assert_eq!(Report::from_name(report.name()), Some(report));
    }
    assert_eq!(Report::from_name("totals.csv"), None);
    assert!(!Report::Totals.of_one_document());
    assert!(Report::TinCountSheet.needs_club() && !Report::Reconciliation.needs_club());
}

#[test]
fn a_report_is_made_from_its_documents_or_says_what_is_wrong() {
    let mut w = world();
    let custody = w.issue(1, w.ben, "S-1", 0);
    w.give_back(custody, 10);
    let doc = w.collection.automerge().clone();

    let written =
        catalog::write(Report::TinCountSheet, vec![doc.clone()], Some(&w.club)).expect("made");
    assert_eq!(written.title.as_deref(), Some("Briggate, 14 March"));
    let csv = String::from_utf8(written.csv).expect("text");
    assert!(csv.starts_with("tin,seal,collector"), "{csv}");

    let totals = catalog::write(
        Report::Totals,
        vec![doc.clone(), doc.clone()],
        Some(&w.club),
    )
    .expect("totals of two");
    assert_eq!(totals.title, None, "no one title for several collections");

    assert!(matches!(
        catalog::write(Report::Reconciliation, vec![], None),
        Err(CatalogError::NotOneDocument("reconciliation"))
    ));
    assert!(matches!(
        catalog::write(Report::TinCountSheet, vec![doc.clone()], None),
        Err(CatalogError::NeedsClub(_))
    ));
    assert!(matches!(
        catalog::write(Report::Totals, vec![doc, Automerge::new()], Some(&w.club)),
        Err(CatalogError::Unreadable { index: 1, .. })
    ));
}
