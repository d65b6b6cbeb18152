//! Count records: a returned tin opened and counted by two different people, both 16 or over.
//!
//! A count is never edited. Both counters sign it (draft -> signed by one -> locked); a
//! correction is a new count that supersedes the old one, with a reason. A count that no other
//! count supersedes is active; two active counts for one issue of a tin are flagged.

use std::collections::HashSet;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType};

use super::{StreetCollection, parse_key};
use crate::club::Club;
use crate::document;
use crate::error::{RecordError, SchemaError};
use crate::fields::{MapReader, Record};
use crate::ids::{CountId, CustodyId, MemberId, TinNumber};
use crate::money::Money;
use crate::timestamp::Timestamp;

/// A number of coins or notes of one value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Denomination {
    /// The value of one coin or note, in minor units (200 for a 2-pound coin).
    pub value_minor: i64,
    /// How many of them.
    pub quantity: i64,
}

/// A correction: the counts this one replaces and why.
///
/// Two counts of one tin made concurrently are resolved by a count superseding both.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Supersede {
    /// The counts replaced: every active count of the same tin issue.
    pub counts: Vec<CountId>,
    /// Why.
    pub reason: String,
}

/// A count to record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NewCount {
    /// The count's id, made on the device.
    pub id: CountId,
    /// The issue of the tin counted (the tin must have been returned).
    pub custody: CustodyId,
    /// Where the count took place.
    pub place: String,
    /// When.
    pub at: Timestamp,
    /// First counter.
    pub counter1: MemberId,
    /// Second counter, a different person.
    pub counter2: MemberId,
    /// Why the counters are related, if they are (two unrelated people is the rule).
    pub related_reason: Option<String>,
    /// Coins and notes found; may be empty for an empty tin.
    pub denominations: Vec<Denomination>,
    /// Non-cash items found (cheques, foreign coins), described.
    pub non_cash: Option<String>,
    /// The count this one corrects, if any.
    pub supersedes: Option<Supersede>,
}

/// Where a count is in its signing.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum CountStatus {
    /// Nobody signed yet.
    Draft,
    /// One counter signed.
    SignedByOne,
    /// Both counters signed: final.
    Locked,
}

/// A count record as read from the document.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Count {
    /// The count's id.
    pub id: CountId,
    /// The issue of the tin counted.
    pub custody: CustodyId,
    /// The tin.
    pub tin: TinNumber,
    /// Where.
    pub place: String,
    /// When.
    pub at: Timestamp,
    /// First counter.
    pub counter1: MemberId,
    /// Second counter.
    pub counter2: MemberId,
    /// Why the counters are related, if they are.
    pub related_reason: Option<String>,
    /// Coins and notes, by value (largest first).
    pub denominations: Vec<Denomination>,
    /// Non-cash items.
    pub non_cash: Option<String>,
    /// The cash total.
    pub total: Money,
    /// The count this one corrects.
    pub supersedes: Option<Supersede>,
    /// The counters who signed.
    pub signed_by: Vec<MemberId>,
    /// Signing status.
    pub status: CountStatus,
    /// Whether no other count supersedes this one.
    pub active: bool,
    /// Whether it reached the document after the return was submitted.
    pub post_close: bool,
}

impl StreetCollection {
    /// Records a count. Refused for: an unknown or unreturned tin issue, the same counter twice,
    /// an unknown counter, a counter under 16, a bad denomination, a second active count of the
    /// same tin issue (supersede it instead), or superseding an unknown or inactive count.
    pub fn record_count(&mut self, new: &NewCount, club: &Club) -> Result<CountId, RecordError> {
        let custody = self
            .custody_entry(new.custody)?
            .ok_or(RecordError::UnknownCustody(new.custody))?;
        if custody.returned.is_none() {
            return Err(RecordError::TinNotReturned(new.custody));
        }
        if new.counter1 == new.counter2 {
            return Err(RecordError::SameCounterTwice(new.counter1));
        }
        for counter in [new.counter1, new.counter2] {
            let member = club
                .member(counter)?
                .ok_or(RecordError::UnknownMember(counter))?;
            if !member.age16plus {
                return Err(RecordError::CounterUnder16(counter));
            }
        }
        if new.place.trim().is_empty() {
            return Err(RecordError::EmptyField("place"));
        }
        let mut total: i64 = 0;
        let mut seen = HashSet::new();
        for d in &new.denominations {
            if d.value_minor <= 0 || d.quantity <= 0 || !seen.insert(d.value_minor) {
                return Err(RecordError::InvalidDenominations(format!(
                    "{} x {} (values and quantities must be positive, each value listed once)",
                    d.quantity, d.value_minor
                )));
            }
            total = d
                .value_minor
                .checked_mul(d.quantity)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(|| RecordError::InvalidDenominations("total too large".into()))?;
        }
        let counts = self.counts()?;
        let replaced: &[CountId] = new.supersedes.as_ref().map_or(&[], |s| &s.counts);
        if let Some(s) = &new.supersedes {
            if s.reason.trim().is_empty() || s.counts.is_empty() {
                return Err(RecordError::EmptyField("reason for superseding"));
            }
            if let Some(unknown) = s.counts.iter().find(|id| {
                !counts
                    .iter()
                    .any(|c| c.id == **id && c.custody == new.custody)
            }) {
                return Err(RecordError::UnknownCount(*unknown));
            }
        }
        if let Some(left) = counts
            .iter()
            .find(|c| c.custody == new.custody && c.active && !replaced.contains(&c.id))
        {
            return Err(RecordError::CountExists {
                custody: new.custody,
                count: left.id,
            });
        }
        if self.reader("counts")?.has(&new.id.key()) {
            return Err(RecordError::DuplicateId(new.id.key()));
        }
        let currency = self.currency()?;
        let record = Record::new()
            .with("custody", new.custody.key())
            .with("tin", i64::from(custody.tin.0))
            .with("place", new.place.trim())
            .with("at", new.at)
            .with("counter1", new.counter1.key())
            .with("counter2", new.counter2.key())
            .with_opt("related_reason", new.related_reason.clone())
            .with_opt("non_cash", new.non_cash.clone())
            .with_money(Money::new(total, currency))
            .with_opt(
                "supersede_reason",
                new.supersedes.as_ref().map(|s| s.reason.clone()),
            );
        let counts_obj = self.container("counts")?;
        let key = new.id.key();
        document::write(&mut self.doc, new.at, |tx| {
            let obj = record.insert(tx, &counts_obj, &key)?;
            let denominations = tx.put_object(&obj, "denominations", ObjType::Map)?;
            for d in &new.denominations {
                tx.put(&denominations, d.value_minor.to_string(), d.quantity)?;
            }
            tx.put_object(&obj, "signatures", ObjType::Map)?;
            let supersedes = tx.put_object(&obj, "supersedes", ObjType::Map)?;
            for id in replaced {
                tx.put(&supersedes, id.key(), true)?;
            }
            Ok(())
        })?;
        Ok(new.id)
    }

    /// A counter signs a count. Signing twice is a no-op; only the two counters may sign.
    pub fn sign_count(
        &mut self,
        id: CountId,
        counter: MemberId,
        at: Timestamp,
    ) -> Result<CountStatus, RecordError> {
        let count = self.count(id)?.ok_or(RecordError::UnknownCount(id))?;
        if counter != count.counter1 && counter != count.counter2 {
            return Err(RecordError::NotACounter(counter));
        }
        if !count.signed_by.contains(&counter) {
            let signatures = self
                .reader("counts")?
                .map(&id.key())?
                .map("signatures")?
                .obj()
                .clone();
            document::write(&mut self.doc, at, |tx| {
                tx.put(&signatures, counter.key(), at.millis())
            })?;
        }
        Ok(self
            .count(id)?
            .map(|c| c.status)
            .unwrap_or(CountStatus::Draft))
    }

    /// The count with this id.
    pub fn count(&self, id: CountId) -> Result<Option<Count>, SchemaError> {
        Ok(self.counts()?.into_iter().find(|c| c.id == id))
    }

    /// Every count record, in time order, with its status and whether it is active.
    pub fn counts(&self) -> Result<Vec<Count>, SchemaError> {
        let at_close = self.keys_at_close("counts")?;
        let mut counts = self
            .reader("counts")?
            .records()?
            .iter()
            .map(|(key, c)| {
                let post_close = at_close.as_ref().is_some_and(|keys| !keys.contains(key));
                read_count(parse_key("counts", key)?, c, post_close)
            })
            .collect::<Result<Vec<_>, SchemaError>>()?;
        let superseded: HashSet<CountId> = counts
            .iter()
            .flat_map(|c| c.supersedes.iter().flat_map(|s| s.counts.iter().copied()))
            .collect();
        for count in &mut counts {
            count.active = !superseded.contains(&count.id);
        }
        counts.sort_by_key(|c| (c.at, c.id));
        Ok(counts)
    }
}

pub(crate) fn read_count(
    id: CountId,
    c: &MapReader<'_, Automerge>,
    post_close: bool,
) -> Result<Count, SchemaError> {
    let invalid = |field: &str, problem: &str| SchemaError::Invalid {
        path: format!("counts/{id}/{field}"),
        problem: problem.into(),
    };
    let tin = u32::try_from(c.i64("tin")?).map_err(|_| invalid("tin", "not a tin number"))?;
    let mut denominations = Vec::new();
    if let Some(d) = c.opt_map("denominations")? {
        for key in d.keys() {
            let value_minor = key
                .parse()
                .map_err(|_| invalid("denominations", "key is not an integer"))?;
            denominations.push(Denomination {
                value_minor,
                quantity: d.i64(&key)?,
            });
        }
    }
    denominations.sort_by_key(|d| std::cmp::Reverse(d.value_minor));
    let counter1: MemberId = c.parse("counter1")?;
    let counter2: MemberId = c.parse("counter2")?;
    let signed_by: Vec<MemberId> = match c.opt_map("signatures")? {
        None => Vec::new(),
        Some(s) => [counter1, counter2]
            .into_iter()
            .filter(|m| s.has(&m.key()))
            .collect(),
    };
    let status = match signed_by.len() {
        0 => CountStatus::Draft,
        1 => CountStatus::SignedByOne,
        _ => CountStatus::Locked,
    };
    let replaced: Vec<CountId> = match c.opt_map("supersedes")? {
        None => Vec::new(),
        Some(map) => map
            .keys()
            .iter()
            .map(|k| {
                k.parse()
                    .map_err(|_| invalid("supersedes", "key is not a count id"))
            })
            .collect::<Result<_, _>>()?,
    };
    let supersedes = if replaced.is_empty() {
        None
    } else {
        Some(Supersede {
            counts: replaced,
            reason: c.opt_str("supersede_reason")?.unwrap_or_default(),
        })
    };
    Ok(Count {
        id,
        custody: c.parse("custody")?,
        tin: TinNumber(tin),
        place: c.str("place")?,
        at: c.time("at")?,
        counter1,
        counter2,
        related_reason: c.opt_str("related_reason")?,
        denominations,
        non_cash: c.opt_str("non_cash")?,
        total: c.money()?,
        supersedes,
        signed_by,
        status,
        active: true,
        post_close,
    })
}
