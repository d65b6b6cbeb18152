//! The sponsored activity document: one participant's sponsors, their pledges (flat or per
//! unit, e.g. per km) and payments. A pledge is frozen once a payment is recorded against it;
//! paid and outstanding amounts are derived, never stored.

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ROOT};
use clubsync_protocol::ids::DocumentId;

use crate::collection::parse_key;
use crate::currency::Currency;
use crate::document::{self, DocumentKind, TypedDocument};
use crate::error::{RecordError, SchemaError};
use crate::fields::{MapReader, Record};
use crate::ids::{MemberId, PaymentId, PledgeId};
use crate::money::Money;
use crate::text_enum::text_enum;
use crate::timestamp::Timestamp;

const CONTAINERS: &[&str] = &["pledges", "payments"];

/// How pledges are measured.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum PledgeUnit {
    /// A flat amount.
    Flat,
    /// An amount per kilometre completed.
    PerKm,
}

text_enum!(PledgeUnit { Flat => "flat", PerKm => "per_km" });

/// What a new sponsored activity starts with.
#[derive(Clone, Debug)]
pub struct NewSponsoredActivity {
    /// The club document.
    pub club: DocumentId,
    /// Title, e.g. "Sponsored walk 2026".
    pub title: String,
    /// The participant.
    pub participant: MemberId,
    /// Flat or per km.
    pub unit: PledgeUnit,
    /// The currency of every pledge and payment.
    pub currency: Currency,
}

/// A pledge (personal data).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NewPledge {
    /// The pledge's id, made on the device.
    pub id: PledgeId,
    /// The sponsor's name.
    pub sponsor_name: String,
    /// House number or name (for Gift Aid).
    pub house: Option<String>,
    /// Postcode (for Gift Aid).
    pub postcode: Option<String>,
    /// The flat amount, or the rate per unit.
    pub amount: Money,
    /// Whether the sponsor ticked Gift Aid.
    pub gift_aid: bool,
    /// When.
    pub at: Timestamp,
}

/// A pledge with its derived figures.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Pledge {
    /// The pledge as written.
    pub pledge: NewPledge,
    /// What the sponsor owes: the flat amount, or rate x units completed.
    pub pledged: Money,
    /// What was paid.
    pub paid: Money,
    /// Pledged minus paid.
    pub outstanding: Money,
    /// When the last payment came.
    pub last_paid_at: Option<Timestamp>,
}

/// A payment against a pledge.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NewPayment {
    /// The payment's id, made on the device.
    pub id: PaymentId,
    /// The pledge paid.
    pub pledge: PledgeId,
    /// How much.
    pub amount: Money,
    /// When.
    pub at: Timestamp,
    /// Who received it.
    pub received_by: MemberId,
    /// The device that recorded it.
    pub device: String,
}

/// A sponsored activity document.
#[derive(Debug, Clone)]
pub struct SponsoredActivity {
    doc: Automerge,
}

crate::document::typed_document!(
    SponsoredActivity,
    DocumentKind::SponsoredActivity,
    CONTAINERS
);

impl SponsoredActivity {
    /// A new sponsored activity.
    pub fn create(
        actor: Option<ActorId>,
        new: &NewSponsoredActivity,
        at: Timestamp,
    ) -> Result<Self, RecordError> {
        if new.title.trim().is_empty() {
            return Err(RecordError::EmptyField("title"));
        }
        let fields = Record::new()
            .with("club", new.club.to_string())
            .with("title", new.title.as_str())
            .with("participant", new.participant.key())
            .with("unit", new.unit.as_str())
            .with("currency", new.currency.code())
            .with("units_completed", 0i64);
        let doc = document::new_document(actor, Self::KIND, CONTAINERS, at, fields)?;
        Ok(Self { doc })
    }

    fn root(&self) -> MapReader<'_, Automerge> {
        MapReader::root(&self.doc)
    }

    /// The title.
    pub fn title(&self) -> Result<String, SchemaError> {
        self.root().str("title")
    }

    /// The participant.
    pub fn participant(&self) -> Result<MemberId, SchemaError> {
        self.root().parse("participant")
    }

    /// The currency.
    pub fn currency(&self) -> Result<Currency, SchemaError> {
        let code = self.root().str("currency")?;
        Currency::new(&code).map_err(|_| SchemaError::Invalid {
            path: "currency".into(),
            problem: code,
        })
    }

    fn check_money(&self, amount: Money) -> Result<(), RecordError> {
        if amount.minor <= 0 {
            return Err(RecordError::AmountNotPositive(amount.minor));
        }
        let expected = self.currency()?;
        if amount.currency != expected {
            return Err(RecordError::CurrencyMismatch {
                expected: expected.code().into(),
                given: amount.currency.code().into(),
            });
        }
        Ok(())
    }

    /// Records the units (km) completed (last writer wins).
    pub fn set_units_completed(&mut self, units: i64, at: Timestamp) -> Result<(), RecordError> {
        if units < 0 {
            return Err(RecordError::QuantityNotPositive(units));
        }
        document::write(&mut self.doc, at, |tx| {
            tx.put(ROOT, "units_completed", units)
        })
    }

    /// Records a pledge. Refused for a zero amount, another currency, no sponsor name, or
    /// Gift Aid without the house and postcode HMRC's schedule needs.
    pub fn record_pledge(&mut self, new: &NewPledge) -> Result<PledgeId, RecordError> {
        self.check_money(new.amount)?;
        if new.sponsor_name.trim().is_empty() {
            return Err(RecordError::EmptyField("sponsor name"));
        }
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        if new.gift_aid && (blank(&new.house) || blank(&new.postcode)) {
            return Err(RecordError::EmptyField(
                "house and postcode (Gift Aid needs the sponsor's house number or name and postcode)",
            ));
        }
        let pledges = document::container(&self.doc, "pledges")?;
        if self.root().map("pledges")?.has(&new.id.key()) {
            return Err(RecordError::DuplicateId(new.id.key()));
        }
        let record = Record::new()
            .with("sponsor_name", new.sponsor_name.as_str())
            .with_opt("house", new.house.clone())
            .with_opt("postcode", new.postcode.clone())
            .with_money(new.amount)
            .with("gift_aid", new.gift_aid)
            .with("at", new.at);
        document::write(&mut self.doc, new.at, |tx| {
            record.insert(tx, &pledges, &new.id.key()).map(|_| ())
        })?;
        Ok(new.id)
    }

    /// Changes a pledge's amount. Refused once a payment was recorded against it.
    pub fn amend_pledge(
        &mut self,
        id: PledgeId,
        amount: Money,
        at: Timestamp,
    ) -> Result<(), RecordError> {
        self.check_money(amount)?;
        let obj = self
            .root()
            .map("pledges")?
            .opt_map(&id.key())?
            .ok_or(RecordError::UnknownPledge(id))?
            .obj()
            .clone();
        if self.payments()?.iter().any(|p| p.pledge == id) {
            return Err(RecordError::PledgeFrozen(id));
        }
        document::write(&mut self.doc, at, |tx| {
            Record::new().with_money(amount).put_into(tx, &obj)
        })
    }

    /// Records a payment against a pledge.
    pub fn record_payment(&mut self, new: &NewPayment) -> Result<PaymentId, RecordError> {
        self.check_money(new.amount)?;
        if !self.root().map("pledges")?.has(&new.pledge.key()) {
            return Err(RecordError::UnknownPledge(new.pledge));
        }
        let payments = document::container(&self.doc, "payments")?;
        if self.root().map("payments")?.has(&new.id.key()) {
            return Err(RecordError::DuplicateId(new.id.key()));
        }
        let record = Record::new()
            .with("pledge", new.pledge.key())
            .with_money(new.amount)
            .with("at", new.at)
            .with("received_by", new.received_by.key())
            .with("device", new.device.as_str());
        document::write(&mut self.doc, new.at, |tx| {
            record.insert(tx, &payments, &new.id.key()).map(|_| ())
        })?;
        Ok(new.id)
    }

    /// Every payment.
    pub fn payments(&self) -> Result<Vec<NewPayment>, SchemaError> {
        self.root()
            .map("payments")?
            .records()?
            .iter()
            .map(|(key, p)| {
                Ok(NewPayment {
                    id: parse_key("payments", key)?,
                    pledge: p.parse("pledge")?,
                    amount: p.money()?,
                    at: p.time("at")?,
                    received_by: p.parse("received_by")?,
                    device: p.str("device")?,
                })
            })
            .collect()
    }

    /// Every pledge with pledged, paid and outstanding amounts.
    pub fn pledges(&self) -> Result<Vec<Pledge>, SchemaError> {
        let root = self.root();
        let unit: PledgeUnit = root.parse("unit")?;
        let units = root.opt_i64("units_completed")?.unwrap_or(0);
        let payments = self.payments()?;
        let mut out = Vec::new();
        for (key, p) in root.map("pledges")?.records()? {
            let pledge = NewPledge {
                id: parse_key("pledges", &key)?,
                sponsor_name: p.str("sponsor_name")?,
                house: p.opt_str("house")?,
                postcode: p.opt_str("postcode")?,
                amount: p.money()?,
                gift_aid: p.bool("gift_aid")?,
                at: p.time("at")?,
            };
            let currency = pledge.amount.currency;
            let pledged = match unit {
                PledgeUnit::Flat => pledge.amount.minor,
                PledgeUnit::PerKm => pledge.amount.minor.saturating_mul(units),
            };
            let mine: Vec<_> = payments.iter().filter(|x| x.pledge == pledge.id).collect();
            let paid: i64 = mine.iter().map(|x| x.amount.minor).sum();
            out.push(Pledge {
                pledged: Money::new(pledged, currency),
                paid: Money::new(paid, currency),
                outstanding: Money::new(pledged - paid, currency),
                last_paid_at: mine.iter().map(|x| x.at).max(),
                pledge,
            });
        }
        out.sort_by_key(|p| (p.pledge.at, p.pledge.id));
        Ok(out)
    }
}
