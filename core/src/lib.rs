//! Club records as Automerge documents: typed, validated, merged without loss, flagged,
//! reported, and stored in SQLite.
//!
//! A collector's phone, a coordinator's laptop and the server all hold the same documents.
//! Each record (a donation, a tin's custody, a count, a signature) is written by this crate's
//! typed API in one Automerge change, after the whole record was validated: a refused record
//! writes nothing. Records live in maps keyed by UUIDs made on the device, so concurrent
//! records all survive a merge and a change delivered twice counts once.
//!
//! # Layout
//!
//! - [`document`]: what every document shares (kind, schema version, containers) and the
//!   [`document::TypedDocument`] trait; [`stage`]: statuses that only move forward.
//! - The documents: [`club`], [`collection`] (street collection), [`petition`], [`event`],
//!   [`sponsorship`], [`stock`].
//! - Values: [`money`], [`currency`], [`ids`], [`timestamp`]; typed amounts read exactly in
//!   [`amount_text`]; errors in [`error`].
//! - [`flags`]: what a merge cannot prevent, for a human to resolve.
//! - [`reports`]: report data and CSV writers.
//! - [`store`]: the SQLite document store behind the [`store::DocumentStore`] interface.
//!
//! The document shapes, for other implementations, are in `docs/schema.md`.
//!
//! **Architecture Invariant:** no IO but the store's SQLite file, no clock (times are
//! arguments), no network, no async runtime.
//!
//! # Example
//!
//! ```
//! use clubsync_core::collection::{DonationSource, NewCollection, NewDonation, StreetCollection};
//! use clubsync_core::currency::Currency;
//! use clubsync_core::document::TypedDocument;
//! use clubsync_core::ids::{DonationId, MemberId};
//! use clubsync_core::money::Money;
//! use clubsync_core::timestamp::Timestamp;
//! use clubsync_protocol::ids::DocumentId;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let gbp = Currency::new("GBP")?;
//! let now = Timestamp::from_millis(1_773_482_400_000);
//! let new = NewCollection { club: DocumentId::random(), title: "Briggate".into(), currency: gbp };
//! let mut phone = StreetCollection::create(None, &new, now)?;
//! let mut laptop = StreetCollection::from_automerge(phone.automerge().fork())?;
//!
//! // Both devices record a card donation while offline.
//! for (device, minor) in [(&mut phone, 500), (&mut laptop, 1_000)] {
//!     device.record_donation(&NewDonation {
//!         id: DonationId::new_v7(now),
//!         source: DonationSource::Card,
//!         amount: Money::new(minor, gbp),
//!         at: now,
//!         collector: MemberId::new_v7(now),
//!         device: "phone".into(),
//!         note: None,
//!     })?;
//! }
//!
//! // After syncing, both are kept and the total is their sum.
//! phone.merge(&mut laptop)?;
//! assert_eq!(phone.donations()?.len(), 2);
//! assert_eq!(phone.donations_outside_tins_total()?.decimal(), "15.00");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod amount_text;
pub mod club;
pub mod collection;
pub mod currency;
pub mod document;
pub mod error;
pub mod event;
mod fields;
pub mod flags;
pub mod ids;
pub mod money;
pub mod petition;
pub mod reports;
pub mod resolution;
pub mod rules;
pub mod sponsorship;
pub mod stage;
pub mod stock;
pub mod store;
mod text_enum;
pub mod time_zone;
pub mod timestamp;
