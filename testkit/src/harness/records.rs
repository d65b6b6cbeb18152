//! Real club records, written through `clubsync-core` as a device would.

use automerge::Automerge;
use clubsync_core::collection::{DonationSource, NewCollection, NewDonation, StreetCollection};
use clubsync_core::currency::Currency;
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::{DonationId, MemberId};
use clubsync_core::money::Money;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;

fn gbp() -> Currency {
    Currency::new("GBP").expect("GBP is a currency")
}

/// A new street collection document.
pub fn new_collection(title: &str) -> Automerge {
    let new = NewCollection {
        club: DocumentId::random(),
        title: title.into(),
        currency: gbp(),
    };
    StreetCollection::create(None, &new, Timestamp(1_764_000_000_000))
        .expect("a valid collection")
        .automerge()
        .clone()
}

/// Records a card donation of `pence` in a collection document.
pub fn record_donation(doc: &mut Automerge, pence: i64) {
    let mut collection =
        StreetCollection::from_automerge(doc.clone()).expect("a collection document");
    let at = Timestamp(1_764_000_000_000 + pence);
    collection
        .record_donation(&NewDonation {
            id: DonationId::new_v7(at),
            source: DonationSource::Card,
            amount: Money::new(pence, gbp()),
            at,
            collector: MemberId::new_v7(at),
            device: "test".into(),
            note: None,
        })
        .expect("a valid donation");
    *doc = collection.automerge().clone();
}

/// The amount of every donation of a collection document.
pub fn amounts(doc: &Automerge) -> std::collections::BTreeSet<i64> {
    let collection = StreetCollection::from_automerge(doc.clone()).expect("a collection document");
    let donations = collection.donations().expect("donations read");
    donations.iter().map(|d| d.amount.minor).collect()
}

/// (number of donations, total in pence) of a collection document.
pub fn donations(doc: &Automerge) -> (usize, i64) {
    let collection = StreetCollection::from_automerge(doc.clone()).expect("a collection document");
    let donations = collection.donations().expect("donations read");
    (
        donations.len(),
        donations.iter().map(|d| d.amount.minor).sum(),
    )
}
