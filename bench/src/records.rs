//! Real club records, written through `clubsync-core` as a collector's phone writes them: a
//! street collection document, and card donations recorded in it one change each.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail};
use automerge::{Automerge, ChangeHash};
use clubsync_core::collection::{DonationSource, NewCollection, NewDonation, StreetCollection};
use clubsync_core::currency::Currency;
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::{DonationId, MemberId};
use clubsync_core::money::Money;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;

fn gbp() -> anyhow::Result<Currency> {
    Currency::new("GBP").map_err(|e| anyhow!("GBP: {e}"))
}

fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    Timestamp(ms)
}

/// A new street collection document of the club whose document is `club`: clubsync-server
/// refuses a new document that names another club than the sending device's
/// (`not_a_clubsync_document`), so this is the `club` of [`crate::server::Writer`].
pub fn new_collection(title: &str, club: DocumentId) -> anyhow::Result<Automerge> {
    let new = NewCollection {
        club,
        title: title.into(),
        currency: gbp()?,
    };
    let collection = StreetCollection::create(None, &new, now())
        .map_err(|e| anyhow!("cannot create a collection: {e}"))?;
    Ok(collection.automerge().clone())
}

/// Records a card donation of `pence` from `device` in a collection document, as one change;
/// returns the hash of that change. `device` must be the id of the device whose token will
/// send the change (the `device` of [`crate::server::Writer`]): clubsync-server refuses a new
/// record naming another device (`wrong_device`).
pub fn record_donation(
    doc: &mut Automerge,
    pence: i64,
    device: &str,
) -> anyhow::Result<ChangeHash> {
    let mut collection = StreetCollection::from_automerge(std::mem::take(doc))
        .map_err(|e| anyhow!("not a collection document: {e}"))?;
    let at = now();
    let recorded = collection.record_donation(&NewDonation {
        id: DonationId::new_v7(at),
        source: DonationSource::Card,
        amount: Money::new(pence, gbp()?),
        at,
        collector: MemberId::new_v7(at),
        device: device.into(),
        note: None,
    });
    *doc = std::mem::take(collection.automerge_mut());
    recorded.map_err(|e| anyhow!("cannot record a donation: {e}"))?;
    // A local change depends on every head there was, so it is now the only head.
    let heads = doc.get_heads();
    match heads.as_slice() {
        [head] => Ok(*head),
        _ => bail!(
            "after a local change the document has {} heads",
            heads.len()
        ),
    }
}
