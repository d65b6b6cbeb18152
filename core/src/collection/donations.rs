//! The donation ledger: append-only entries keyed by UUIDs made on the device, and reversals.
//!
//! A donation put in a tin is recorded against the tin for the collector's own tally; its money
//! is counted when the tin is opened, so totals count the tin's count, never both.

use automerge::Automerge;

use super::{StreetCollection, parse_key};
use crate::document;
use crate::error::{RecordError, SchemaError};
use crate::fields::{MapReader, Record};
use crate::ids::{CustodyId, DonationId, MemberId, ReversalId, TinNumber};
use crate::money::Money;
use crate::timestamp::Timestamp;

/// Where a donation came in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum DonationSource {
    /// Into a sealed tin (counted when the tin is opened).
    Tin(TinNumber),
    /// By card on a reader.
    Card,
    /// Online (a QR code on the tin or stall).
    Online,
    /// Cash handed over outside a tin (a note given at the stall).
    Cash,
    /// Anything else (a cheque, a bank transfer).
    Other,
}

impl DonationSource {
    fn kind(&self) -> &'static str {
        match self {
            Self::Tin(_) => "tin",
            Self::Card => "card",
            Self::Online => "online",
            Self::Cash => "cash",
            Self::Other => "other",
        }
    }
}

/// A donation to record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NewDonation {
    /// The entry's id, made on the device ([`DonationId::new_v7`]).
    pub id: DonationId,
    /// Where the money came in.
    pub source: DonationSource,
    /// How much; more than zero, in the collection's currency.
    pub amount: Money,
    /// When.
    pub at: Timestamp,
    /// Who took it.
    pub collector: MemberId,
    /// The device that recorded it.
    pub device: String,
    /// An optional note.
    pub note: Option<String>,
}

/// A donation entry as read from the document.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Donation {
    /// The entry's id.
    pub id: DonationId,
    /// Where the money came in.
    pub source: DonationSource,
    /// The custody entry of the tin, for a tin donation.
    pub custody: Option<CustodyId>,
    /// How much.
    pub amount: Money,
    /// When.
    pub at: Timestamp,
    /// Who took it.
    pub collector: MemberId,
    /// The device that recorded it.
    pub device: String,
    /// The note.
    pub note: Option<String>,
    /// Whether a reversal cancels it.
    pub reversed: bool,
    /// Whether it reached the document after the return was submitted.
    pub post_close: bool,
}

impl StreetCollection {
    /// Records a donation in one change. Refused for a zero or negative amount, another
    /// currency, an unknown tin, a tin not issued, or an id already used.
    pub fn record_donation(&mut self, new: &NewDonation) -> Result<DonationId, RecordError> {
        if new.amount.minor <= 0 {
            return Err(RecordError::AmountNotPositive(new.amount.minor));
        }
        self.check_currency(new.amount.currency)?;
        let custody = match new.source {
            DonationSource::Tin(tin) => {
                if !self.reader("tins")?.has(&tin.key()) {
                    return Err(RecordError::UnknownTin(tin));
                }
                let custody = self
                    .active_custody(tin)?
                    .ok_or(RecordError::TinNotIssued(tin))?;
                Some(custody.id)
            }
            _ => None,
        };
        let donations = self.container("donations")?;
        let key = new.id.key();
        if self.reader("donations")?.has(&key) {
            return Err(RecordError::DuplicateId(key));
        }
        let tin = match new.source {
            DonationSource::Tin(tin) => Some(i64::from(tin.0)),
            _ => None,
        };
        let record = Record::new()
            .with("source", new.source.kind())
            .with_opt("tin", tin)
            .with_opt("custody", custody.map(|c| c.key()))
            .with_money(new.amount)
            .with("at", new.at)
            .with("collector", new.collector.key())
            .with("device", new.device.as_str())
            .with_opt("note", new.note.clone());
        document::write(&mut self.doc, new.at, |tx| {
            record.insert(tx, &donations, &key).map(|_| ())
        })?;
        Ok(new.id)
    }

    /// Reverses a donation recorded in error: a new entry with a reason, never a deletion.
    pub fn reverse_donation(
        &mut self,
        id: ReversalId,
        donation: DonationId,
        reason: &str,
        by: MemberId,
        at: Timestamp,
    ) -> Result<ReversalId, RecordError> {
        if reason.trim().is_empty() {
            return Err(RecordError::EmptyField("reason"));
        }
        if !self.reader("donations")?.has(&donation.key()) {
            return Err(RecordError::UnknownDonation(donation));
        }
        if self.reversed_donations()?.contains(&donation) {
            return Err(RecordError::AlreadyReversed(donation));
        }
        let reversals = self.container("reversals")?;
        if self.reader("reversals")?.has(&id.key()) {
            return Err(RecordError::DuplicateId(id.key()));
        }
        let record = Record::new()
            .with("donation", donation.key())
            .with("reason", reason.trim())
            .with("by", by.key())
            .with("at", at);
        document::write(&mut self.doc, at, |tx| {
            record.insert(tx, &reversals, &id.key()).map(|_| ())
        })?;
        Ok(id)
    }

    fn reversed_donations(&self) -> Result<std::collections::HashSet<DonationId>, SchemaError> {
        self.reader("reversals")?
            .records()?
            .iter()
            .map(|(_, r)| r.parse("donation"))
            .collect()
    }

    /// Every donation entry, in time order (then by id), with its reversal and post-close marks.
    pub fn donations(&self) -> Result<Vec<Donation>, SchemaError> {
        let reversed = self.reversed_donations()?;
        let at_close = self.keys_at_close("donations")?;
        let mut out = self
            .reader("donations")?
            .records()?
            .iter()
            .map(|(key, d)| {
                let id: DonationId = parse_key("donations", key)?;
                let post_close = at_close.as_ref().is_some_and(|keys| !keys.contains(key));
                read_donation(id, d, reversed.contains(&id), post_close)
            })
            .collect::<Result<Vec<_>, SchemaError>>()?;
        out.sort_by_key(|d| (d.at, d.id));
        Ok(out)
    }

    /// The sum of donations not reversed, outside tins (tin money is in the tins' counts),
    /// leaving out post-close adjustments.
    pub fn donations_outside_tins_total(&self) -> Result<Money, SchemaError> {
        let currency = self.currency()?;
        let minor = self
            .donations()?
            .iter()
            .filter(|d| !d.reversed && !d.post_close && !matches!(d.source, DonationSource::Tin(_)))
            .map(|d| d.amount.minor)
            .sum();
        Ok(Money::new(minor, currency))
    }
}

pub(crate) fn read_donation(
    id: DonationId,
    d: &MapReader<'_, Automerge>,
    reversed: bool,
    post_close: bool,
) -> Result<Donation, SchemaError> {
    let source = match d.str("source")?.as_str() {
        "tin" => {
            let tin = u32::try_from(d.i64("tin")?).map_err(|_| SchemaError::Invalid {
                path: format!("donations/{id}/tin"),
                problem: "not a tin number".into(),
            })?;
            DonationSource::Tin(TinNumber(tin))
        }
        "card" => DonationSource::Card,
        "online" => DonationSource::Online,
        "cash" => DonationSource::Cash,
        "other" => DonationSource::Other,
        other => {
            return Err(SchemaError::Invalid {
                path: format!("donations/{id}/source"),
                problem: format!("unknown source {other:?}"),
            });
        }
    };
    Ok(Donation {
        id,
        source,
        custody: d.opt_parse("custody")?,
        amount: d.money()?,
        at: d.time("at")?,
        collector: d.parse("collector")?,
        device: d.str("device")?,
        note: d.opt_str("note")?,
        reversed,
        post_close,
    })
}
