//! Real club records, written through `clubsync-core` as a device would.

use automerge::Automerge;
use clubsync_core::collection::{DonationSource, NewCollection, NewDonation, StreetCollection};
use clubsync_core::currency::Currency;
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::{DonationId, MemberId};
use clubsync_core::money::Money;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;

/// A device that joined a club: its token, and what it writes into the records it makes (the
/// server checks that a record names the device that sent it, and a new document its club).
#[derive(Clone, Debug)]
pub struct Joined {
    /// The device token.
    pub token: String,
    /// The device's id, as records name it.
    pub device: String,
    /// The member the device belongs to.
    pub member: MemberId,
    /// The club document of the device's club.
    pub club_document: DocumentId,
}

impl Joined {
    /// From the JSON answer of `POST /api/join`.
    pub fn from_answer(body: &serde_json::Value) -> Self {
        let text = |key: &str| {
            body[key]
                .as_str()
                .unwrap_or_else(|| panic!("{key} in {body}"))
                .to_owned()
        };
        Self {
            token: text("token"),
            device: text("device_id"),
            member: text("member_id").parse().expect("a member id"),
            club_document: text("club_document").parse().expect("a document id"),
        }
    }
}

fn gbp() -> Currency {
    Currency::new("GBP").expect("GBP is a currency")
}

/// A new street collection document of `by`'s club.
pub fn new_collection(by: &Joined, title: &str) -> Automerge {
    let new = NewCollection {
        club: by.club_document,
        title: title.into(),
        currency: gbp(),
    };
    StreetCollection::create(None, &new, Timestamp(1_764_000_000_000))
        .expect("a valid collection")
        .automerge()
        .clone()
}

/// Records a card donation of `pence` in a collection document, on the device `by`.
pub fn record_donation(doc: &mut Automerge, by: &Joined, pence: i64) {
    let mut collection =
        StreetCollection::from_automerge(doc.clone()).expect("a collection document");
    let at = Timestamp(1_764_000_000_000 + pence);
    collection
        .record_donation(&NewDonation {
            id: DonationId::new_v7(at),
            source: DonationSource::Card,
            amount: Money::new(pence, gbp()),
            at,
            collector: by.member,
            device: by.device.clone(),
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
