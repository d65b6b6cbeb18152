//! The materials stock document: items (a leaflet in one language and version) and signed
//! stock movements. Stock is derived from the movements; negative stock is flagged.

use std::collections::BTreeMap;

use automerge::{ActorId, Automerge};
use clubsync_protocol::ids::DocumentId;

use crate::collection::parse_key;
use crate::document::{self, DocumentKind, TypedDocument};
use crate::error::{RecordError, SchemaError};
use crate::fields::{MapReader, Record};
use crate::flags::Flag;
use crate::ids::{ItemId, MemberId, MovementId};
use crate::text_enum::text_enum;
use crate::timestamp::Timestamp;

const CONTAINERS: &[&str] = &["items", "movements"];

/// What a stock movement is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum MovementKind {
    /// Delivered to the club (adds).
    Received,
    /// Taken out to an event (removes).
    IssuedToEvent,
    /// Brought back from an event (adds).
    Returned,
    /// Handed out to the public (removes).
    HandedOut,
    /// Lost or spoilt (removes).
    Lost,
}

text_enum!(MovementKind {
    Received => "received",
    IssuedToEvent => "issued_to_event",
    Returned => "returned",
    HandedOut => "handed_out",
    Lost => "lost",
});

impl MovementKind {
    fn sign(&self) -> i64 {
        match self {
            Self::Received | Self::Returned => 1,
            Self::IssuedToEvent | Self::HandedOut | Self::Lost => -1,
        }
    }
}

/// A stock item.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Item {
    /// The item's id, made on the device.
    pub id: ItemId,
    /// What it is, e.g. "Campaign leaflet".
    pub name: String,
    /// Its language, e.g. "en", "ko".
    pub language: String,
    /// Its version.
    pub version: String,
}

/// A stock movement to record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NewMovement {
    /// The movement's id, made on the device.
    pub id: MovementId,
    /// The item.
    pub item: ItemId,
    /// What happened.
    pub kind: MovementKind,
    /// How many (more than zero; the kind gives the direction).
    pub quantity: i64,
    /// The event the stock went to or came from.
    pub event: Option<DocumentId>,
    /// When.
    pub at: Timestamp,
    /// Who recorded it.
    pub by: MemberId,
}

/// The club's materials stock document.
#[derive(Debug, Clone)]
pub struct MaterialsStock {
    doc: Automerge,
}

crate::document::typed_document!(MaterialsStock, DocumentKind::MaterialsStock, CONTAINERS);

impl MaterialsStock {
    /// A new, empty stock for the club.
    pub fn create(
        actor: Option<ActorId>,
        club: DocumentId,
        at: Timestamp,
    ) -> Result<Self, RecordError> {
        let fields = Record::new().with("club", club.to_string());
        let doc = document::new_document(
            actor,
            Self::KIND,
            &[CONTAINERS, &[crate::resolution::CONTAINER]].concat(),
            at,
            fields,
        )?;
        Ok(Self { doc })
    }

    fn root(&self) -> MapReader<'_, Automerge> {
        MapReader::root(&self.doc)
    }

    /// Adds an item.
    pub fn add_item(&mut self, item: &Item, at: Timestamp) -> Result<ItemId, RecordError> {
        if item.name.trim().is_empty() {
            return Err(RecordError::EmptyField("item name"));
        }
        let items = document::container(&self.doc, "items")?;
        if self.root().map("items")?.has(&item.id.key()) {
            return Err(RecordError::DuplicateId(item.id.key()));
        }
        let record = Record::new()
            .with("name", item.name.as_str())
            .with("language", item.language.as_str())
            .with("version", item.version.as_str());
        document::write(&mut self.doc, at, |tx| {
            record.insert(tx, &items, &item.id.key()).map(|_| ())
        })?;
        Ok(item.id)
    }

    /// Records a movement. Refused for an unknown item or a quantity that is not positive.
    pub fn record_movement(&mut self, m: &NewMovement) -> Result<MovementId, RecordError> {
        if m.quantity <= 0 {
            return Err(RecordError::QuantityNotPositive(m.quantity));
        }
        if !self.root().map("items")?.has(&m.item.key()) {
            return Err(RecordError::UnknownItem(m.item));
        }
        let movements = document::container(&self.doc, "movements")?;
        if self.root().map("movements")?.has(&m.id.key()) {
            return Err(RecordError::DuplicateId(m.id.key()));
        }
        let record = Record::new()
            .with("item", m.item.key())
            .with("kind", m.kind.as_str())
            .with("quantity", m.kind.sign() * m.quantity)
            .with_opt("event", m.event.map(|e| e.to_string()))
            .with("at", m.at)
            .with("by", m.by.key());
        document::write(&mut self.doc, m.at, |tx| {
            record.insert(tx, &movements, &m.id.key()).map(|_| ())
        })?;
        Ok(m.id)
    }

    /// Every item.
    pub fn items(&self) -> Result<Vec<Item>, SchemaError> {
        self.root()
            .map("items")?
            .records()?
            .iter()
            .map(|(key, i)| {
                Ok(Item {
                    id: parse_key("items", key)?,
                    name: i.str("name")?,
                    language: i.str("language")?,
                    version: i.str("version")?,
                })
            })
            .collect()
    }

    /// The stock of each item: the sum of its signed movements.
    pub fn stock(&self) -> Result<BTreeMap<ItemId, i64>, SchemaError> {
        let mut stock: BTreeMap<ItemId, i64> =
            self.items()?.into_iter().map(|i| (i.id, 0)).collect();
        for (_, m) in self.root().map("movements")?.records()? {
            *stock.entry(m.parse("item")?).or_default() += m.i64("quantity")?;
        }
        Ok(stock)
    }

    /// Items whose stock went below zero (movements recorded on several devices).
    pub fn flags(&self) -> Result<Vec<Flag>, SchemaError> {
        Ok(self
            .stock()?
            .into_iter()
            .filter(|(_, q)| *q < 0)
            .map(|(item, quantity)| Flag::NegativeStock { item, quantity })
            .collect())
    }
}
