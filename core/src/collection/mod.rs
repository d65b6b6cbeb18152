//! The street collection document: permit, tins and their custody, the donation ledger, count
//! records, ledger entries (deposits, remittances, expenses), and return submissions.
//!
//! Every record lives in a root map keyed by its UUID (tins by their number). Once a return is
//! submitted, the document's heads at that moment close the ledger: any entry not visible at
//! those heads (made later, or made earlier offline and merged later) is a post-close adjustment.

mod close;
mod counts;
mod donations;
mod flags;
mod import;
mod ledger;
mod permit;
mod permit_check;
mod returns;
mod tins;

use std::collections::HashSet;

use automerge::{ActorId, Automerge, ChangeHash, ReadDoc};
use clubsync_protocol::ids::DocumentId;

use crate::currency::Currency;
use crate::document::{self, DocumentKind, TypedDocument};
use crate::error::{RecordError, SchemaError};
use crate::fields::{MapReader, Record};
use crate::stage::{self, Stage};
use crate::timestamp::Timestamp;

pub use close::CloseWarning;
pub use counts::{Count, CountStatus, Denomination, NewCount, Supersede};
pub use donations::{Donation, DonationSource, NewDonation};
pub use import::{ImportError, ImportRow, read_donation_rows};
pub use ledger::{LedgerEntry, LedgerKind, NewLedgerEntry};
pub use permit::Permit;
pub use permit_check::{PermitWarning, RETURN_REMINDER_DAYS, permitted_hours};
pub use returns::{NewReturn, ReturnSubmission};
pub use tins::{Custody, IssueTin, Tin, TinReturn};

pub(crate) use counts::read_count;
pub(crate) use donations::read_donation;
pub(crate) use ledger::read_entry;
pub(crate) use tins::read_custody;

const CONTAINERS: &[&str] = &[
    "permit",
    "status",
    "tins",
    "custody",
    "donations",
    "reversals",
    "counts",
    "ledger",
    "returns",
];

/// What a new street collection starts with.
#[derive(Clone, Debug)]
pub struct NewCollection {
    /// The club document this collection belongs to.
    pub club: DocumentId,
    /// A title, e.g. "High Street, 14 March".
    pub title: String,
    /// The currency every amount of this collection is in.
    pub currency: Currency,
}

/// A street collection document.
#[derive(Debug, Clone)]
pub struct StreetCollection {
    doc: Automerge,
}

impl TypedDocument for StreetCollection {
    const KIND: DocumentKind = DocumentKind::StreetCollection;

    fn from_automerge(doc: Automerge) -> Result<Self, SchemaError> {
        document::check_document(&doc, Self::KIND, CONTAINERS)?;
        let collection = Self { doc };
        collection.currency()?;
        Ok(collection)
    }
    fn automerge(&self) -> &Automerge {
        &self.doc
    }
    fn automerge_mut(&mut self) -> &mut Automerge {
        &mut self.doc
    }
}

impl StreetCollection {
    /// A new, planned street collection written by the device `actor` (random if `None`).
    pub fn create(
        actor: Option<ActorId>,
        new: &NewCollection,
        at: Timestamp,
    ) -> Result<Self, RecordError> {
        if new.title.trim().is_empty() {
            return Err(RecordError::EmptyField("title"));
        }
        let fields = Record::new()
            .with("club", new.club.to_string())
            .with("title", new.title.trim())
            .with("currency", new.currency.code());
        let mut doc = document::new_document(
            actor,
            Self::KIND,
            &[CONTAINERS, &[crate::resolution::CONTAINER]].concat(),
            at,
            fields,
        )?;
        stage::advance(&mut doc, Stage::Planned, at)?;
        Ok(Self { doc })
    }

    /// The collection's title.
    pub fn title(&self) -> Result<String, SchemaError> {
        MapReader::root(&self.doc).str("title")
    }

    /// The currency every amount of this collection is in.
    pub fn currency(&self) -> Result<Currency, SchemaError> {
        let code = MapReader::root(&self.doc).str("currency")?;
        Currency::new(&code).map_err(|_| SchemaError::Invalid {
            path: "currency".into(),
            problem: format!("{code:?} is not ISO 4217"),
        })
    }

    /// The furthest stage reached: merges of concurrent changes keep the furthest.
    pub fn status(&self) -> Result<Stage, SchemaError> {
        stage::furthest(&self.doc, &document::container(&self.doc, "status")?)
    }

    /// Moves the status forward to `stage` (a no-op if it is already there or further).
    /// Reconciled is refused until banked equals the cash to bank or a coordinator records the
    /// difference with a reason ([`StreetCollection::check_reconciled`]).
    ///
    /// `ReturnSubmitted` is reached only through [`StreetCollection::submit_return`].
    pub fn advance_status(&mut self, stage: Stage, at: Timestamp) -> Result<Stage, RecordError> {
        if stage == Stage::ReturnSubmitted {
            return Err(RecordError::ReturnBlocked(
                "use submit_return, which records what the return covers".into(),
            ));
        }
        if stage >= Stage::Reconciled && self.status()? < Stage::Reconciled {
            self.check_reconciled()?;
        }
        stage::advance(&mut self.doc, stage, at)
    }

    fn check_currency(&self, given: Currency) -> Result<(), RecordError> {
        let expected = self.currency()?;
        if given != expected {
            return Err(RecordError::CurrencyMismatch {
                expected: expected.code().into(),
                given: given.code().into(),
            });
        }
        Ok(())
    }

    fn container(&self, key: &str) -> Result<automerge::ObjId, SchemaError> {
        document::container(&self.doc, key)
    }

    fn reader(&self, key: &str) -> Result<MapReader<'_, Automerge>, SchemaError> {
        MapReader::root(&self.doc).map(key)
    }

    /// The keys of `container` that were visible when the return closed the ledger, or `None`
    /// while no return is submitted. Entries not among them are post-close adjustments.
    fn keys_at_close(&self, container: &str) -> Result<Option<HashSet<String>>, SchemaError> {
        let Some(heads) = self.closing_heads()? else {
            return Ok(None);
        };
        let obj = self.container(container)?;
        Ok(Some(self.doc.keys_at(&obj, &heads).collect()))
    }

    /// The heads recorded by the earliest return submission.
    fn closing_heads(&self) -> Result<Option<Vec<ChangeHash>>, SchemaError> {
        Ok(self
            .returns()?
            .into_iter()
            .min_by_key(|r| (r.at, r.id))
            .map(|r| r.heads))
    }
}

/// The id under `key` of a record map, parsed.
pub(crate) fn parse_key<T: std::str::FromStr>(
    container: &str,
    key: &str,
) -> Result<T, SchemaError> {
    key.parse().map_err(|_| SchemaError::Invalid {
        path: format!("{container}/{key}"),
        problem: "key is not a valid id".into(),
    })
}
