//! Consent events: append-only grants and withdrawals of consent to be contacted.
//!
//! Each event lists the events for the same person and purpose that its device saw as current
//! (`supersedes`). The current events are those no other event supersedes; if any of them is a
//! withdrawal, consent is withdrawn. So a grant and a withdrawal made concurrently resolve to
//! withdrawn, whatever the devices' clocks say.

use std::collections::HashSet;

use automerge::Automerge;
use automerge::ObjType;
use automerge::transaction::Transactable;

use super::Petition;
use crate::collection::parse_key;
use crate::document;
use crate::error::{RecordError, SchemaError};
use crate::fields::{MapReader, Record};
use crate::ids::{ConsentId, MemberId};
use crate::text_enum::text_enum;
use crate::timestamp::Timestamp;

/// How consent was given or withdrawn.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ConsentMethod {
    /// A separate, unticked box on a device.
    Device,
    /// A box on a paper sheet.
    Paper,
    /// Said in person (withdrawals).
    InPerson,
    /// By email (withdrawals).
    Email,
}

text_enum!(ConsentMethod { Device => "device", Paper => "paper", InPerson => "in_person", Email => "email" });

/// A consent event to record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NewConsent {
    /// The event's id, made on the device.
    pub id: ConsentId,
    /// Who the consent is about: the id of one of the petition's signatures, as text.
    pub person: String,
    /// What it is for, e.g. `"campaign_updates"`.
    pub purpose: String,
    /// The version of the exact wording shown.
    pub wording_version: String,
    /// How.
    pub method: ConsentMethod,
    /// When.
    pub at: Timestamp,
    /// Who recorded it.
    pub collector: MemberId,
    /// Given (`true`) or withdrawn (`false`).
    pub given: bool,
}

/// A consent event as read, with what it superseded.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Consent {
    /// The event.
    pub event: NewConsent,
    /// The events it replaced.
    pub supersedes: Vec<ConsentId>,
}

impl Petition {
    /// Records a consent event, superseding the current events for that person and purpose.
    /// Refused for a person who is not one of the petition's signatures.
    pub fn record_consent(&mut self, new: &NewConsent) -> Result<ConsentId, RecordError> {
        for (value, name) in [
            (&new.person, "person"),
            (&new.purpose, "purpose"),
            (&new.wording_version, "wording version"),
        ] {
            if value.trim().is_empty() {
                return Err(RecordError::EmptyField(name));
            }
        }
        if !self.root().map("signatures")?.has(&new.person) {
            return Err(RecordError::UnknownSignature(new.person.clone()));
        }
        let consents = document::container(&self.doc, "consents")?;
        if self.root().map("consents")?.has(&new.id.key()) {
            return Err(RecordError::DuplicateId(new.id.key()));
        }
        let current = self.current_consents(&new.person, &new.purpose)?;
        let record = Record::new()
            .with("person", new.person.as_str())
            .with("purpose", new.purpose.as_str())
            .with("wording_version", new.wording_version.as_str())
            .with("method", new.method.as_str())
            .with("at", new.at)
            .with("collector", new.collector.key())
            .with("given", new.given);
        document::write(&mut self.doc, new.at, |tx| {
            let obj = record.insert(tx, &consents, &new.id.key())?;
            let supersedes = tx.put_object(&obj, "supersedes", ObjType::Map)?;
            for c in &current {
                tx.put(&supersedes, c.event.id.key(), true)?;
            }
            Ok(())
        })?;
        Ok(new.id)
    }

    /// Every consent event.
    pub fn consents(&self) -> Result<Vec<Consent>, SchemaError> {
        let mut out = self
            .root()
            .map("consents")?
            .records()?
            .iter()
            .map(|(key, c)| read_consent(parse_key("consents", key)?, c))
            .collect::<Result<Vec<_>, SchemaError>>()?;
        out.sort_by_key(|c| (c.event.at, c.event.id));
        Ok(out)
    }

    fn current_consents(&self, person: &str, purpose: &str) -> Result<Vec<Consent>, SchemaError> {
        let events: Vec<Consent> = self
            .consents()?
            .into_iter()
            .filter(|c| c.event.person == person && c.event.purpose == purpose)
            .collect();
        let superseded: HashSet<ConsentId> = events
            .iter()
            .flat_map(|c| c.supersedes.iter().copied())
            .collect();
        Ok(events
            .into_iter()
            .filter(|c| !superseded.contains(&c.event.id))
            .collect())
    }

    /// Whether `person` currently consents to `purpose`: `false` if never asked, and `false`
    /// if any current event is a withdrawal (a concurrent withdrawal beats a grant).
    pub fn consent_given(&self, person: &str, purpose: &str) -> Result<bool, SchemaError> {
        let current = self.current_consents(person, purpose)?;
        Ok(!current.is_empty() && current.iter().all(|c| c.event.given))
    }
}

pub(crate) fn read_consent(
    id: ConsentId,
    c: &MapReader<'_, Automerge>,
) -> Result<Consent, SchemaError> {
    let supersedes = match c.opt_map("supersedes")? {
        None => Vec::new(),
        Some(m) => m
            .keys()
            .iter()
            .map(|k| parse_key("supersedes", k))
            .collect::<Result<_, _>>()?,
    };
    Ok(Consent {
        event: NewConsent {
            id,
            person: c.str("person")?,
            purpose: c.str("purpose")?,
            wording_version: c.str("wording_version")?,
            method: c.parse("method")?,
            at: c.time("at")?,
            collector: c.parse("collector")?,
            given: c.bool("given")?,
        },
        supersedes,
    })
}
