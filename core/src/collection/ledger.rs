//! Ledger entries of a collection: money banked, remitted to the NGO, spent, and reversals of
//! entries made in error. Append-only; every figure is derived from the entries.

use automerge::Automerge;

use super::{DonationSource, StreetCollection, parse_key};
use crate::document;
use crate::error::{RecordError, SchemaError};
use crate::fields::{MapReader, Record};
use crate::ids::{LedgerEntryId, MemberId};
use crate::money::Money;
use crate::text_enum::text_enum;
use crate::timestamp::Timestamp;

/// What a ledger entry records.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum LedgerKind {
    /// Money paid into the bank.
    Deposit,
    /// Money sent on to the NGO.
    Remittance,
    /// Money spent for the collection (permit fee, seals).
    Expense,
    /// Cancels another ledger entry made in error.
    Reversal,
    /// A coordinator's reasoned difference between the cash to bank and what was banked (a
    /// coin lost, a forged note refused by the bank): its amount is the difference, its note
    /// the reason. No money moves; it lets the collection be reconciled, and stays flagged.
    Difference,
}

text_enum!(LedgerKind {
    Deposit => "deposit",
    Remittance => "remittance",
    Expense => "expense",
    Reversal => "reversal",
    Difference => "difference",
});

/// A ledger entry to record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NewLedgerEntry {
    /// The entry's id, made on the device.
    pub id: LedgerEntryId,
    /// What it records.
    pub kind: LedgerKind,
    /// How much; more than zero (the kind gives the direction).
    pub amount: Money,
    /// A bank or remittance reference.
    pub reference: Option<String>,
    /// For a reversal: the entry it cancels.
    pub reverses: Option<LedgerEntryId>,
    /// Who made the entry.
    pub created_by: MemberId,
    /// The device that recorded it.
    pub device: String,
    /// When.
    pub at: Timestamp,
    /// A note.
    pub note: Option<String>,
}

/// A ledger entry as read from the document.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LedgerEntry {
    /// The entry as written.
    pub entry: NewLedgerEntry,
    /// Whether a reversal cancels it.
    pub reversed: bool,
    /// Whether it reached the document after the return was submitted.
    pub post_close: bool,
}

impl StreetCollection {
    /// Records a ledger entry. Refused for a zero or negative amount, another currency, a
    /// reversal of nothing or of an unknown entry, or an id already used.
    pub fn record_ledger_entry(
        &mut self,
        new: &NewLedgerEntry,
    ) -> Result<LedgerEntryId, RecordError> {
        if new.amount.minor <= 0 {
            return Err(RecordError::AmountNotPositive(new.amount.minor));
        }
        self.check_currency(new.amount.currency)?;
        let ledger = self.reader("ledger")?;
        match (new.kind, new.reverses) {
            (LedgerKind::Reversal, None) => return Err(RecordError::EmptyField("reversed entry")),
            (LedgerKind::Reversal, Some(target)) if !ledger.has(&target.key()) => {
                return Err(RecordError::UnknownLedgerEntry(target));
            }
            (LedgerKind::Difference, _)
                if new.note.as_deref().is_none_or(|n| n.trim().is_empty()) =>
            {
                return Err(RecordError::EmptyField("reason for the difference"));
            }
            _ => {}
        }
        if ledger.has(&new.id.key()) {
            return Err(RecordError::DuplicateId(new.id.key()));
        }
        let obj = self.container("ledger")?;
        let record = Record::new()
            .with("kind", new.kind.as_str())
            .with_money(new.amount)
            .with_opt("reference", new.reference.clone())
            .with_opt("reverses", new.reverses.map(|r| r.key()))
            .with("created_by", new.created_by.key())
            .with("device", new.device.as_str())
            .with("at", new.at)
            .with_opt("note", new.note.clone());
        let key = new.id.key();
        document::write(&mut self.doc, new.at, |tx| {
            record.insert(tx, &obj, &key).map(|_| ())
        })?;
        Ok(new.id)
    }

    /// Every ledger entry, in time order, with reversal and post-close marks.
    pub fn ledger(&self) -> Result<Vec<LedgerEntry>, SchemaError> {
        let at_close = self.keys_at_close("ledger")?;
        let entries = self
            .reader("ledger")?
            .records()?
            .iter()
            .map(|(key, e)| {
                let post_close = at_close.as_ref().is_some_and(|keys| !keys.contains(key));
                Ok(LedgerEntry {
                    entry: read_entry(parse_key("ledger", key)?, e)?,
                    reversed: false,
                    post_close,
                })
            })
            .collect::<Result<Vec<_>, SchemaError>>()?;
        let reversed: std::collections::HashSet<LedgerEntryId> = entries
            .iter()
            .filter(|e| e.entry.kind == LedgerKind::Reversal)
            .filter_map(|e| e.entry.reverses)
            .collect();
        let mut entries: Vec<LedgerEntry> = entries
            .into_iter()
            .map(|mut e| {
                e.reversed = reversed.contains(&e.entry.id);
                e
            })
            .collect();
        entries.sort_by_key(|e| (e.entry.at, e.entry.id));
        Ok(entries)
    }

    /// The cash that should reach the bank: what the tins' active counts counted, and cash
    /// handed over outside tins (card and online money goes to the bank by itself), leaving out
    /// post-close adjustments.
    pub fn cash_to_bank(&self) -> Result<Money, SchemaError> {
        let counted: i64 = self
            .counts()?
            .iter()
            .filter(|c| c.active && !c.post_close)
            .map(|c| c.total.minor)
            .sum();
        let cash: i64 = self
            .donations()?
            .iter()
            .filter(|d| !d.reversed && !d.post_close && d.source == DonationSource::Cash)
            .map(|d| d.amount.minor)
            .sum();
        Ok(Money::new(counted + cash, self.currency()?))
    }

    /// Banked minus the cash to bank: zero once every pound counted is in the bank.
    pub fn banked_minus_cash(&self) -> Result<Money, SchemaError> {
        let banked = self.ledger_total(LedgerKind::Deposit)?;
        let cash = self.cash_to_bank()?;
        Ok(Money::new(banked.minor - cash.minor, banked.currency))
    }

    /// Whether the collection may be reconciled: banked equals the cash to bank, or a
    /// coordinator recorded that difference, with a reason (a `difference` entry of its size).
    pub fn check_reconciled(&self) -> Result<(), RecordError> {
        let difference = self.banked_minus_cash()?;
        if difference.minor == 0 {
            return Ok(());
        }
        let explained = self.ledger()?.iter().any(|e| {
            e.entry.kind == LedgerKind::Difference
                && !e.reversed
                && e.entry.amount.minor == difference.minor.abs()
        });
        if explained {
            return Ok(());
        }
        Err(RecordError::NotReconciled {
            cash: self.cash_to_bank()?,
            banked: self.ledger_total(LedgerKind::Deposit)?,
        })
    }

    /// The sum of entries of `kind` that are not reversed and not post-close adjustments.
    pub fn ledger_total(&self, kind: LedgerKind) -> Result<Money, SchemaError> {
        let minor = self
            .ledger()?
            .iter()
            .filter(|e| e.entry.kind == kind && !e.reversed && !e.post_close)
            .map(|e| e.entry.amount.minor)
            .sum();
        Ok(Money::new(minor, self.currency()?))
    }
}

pub(crate) fn read_entry(
    id: LedgerEntryId,
    e: &MapReader<'_, Automerge>,
) -> Result<NewLedgerEntry, SchemaError> {
    Ok(NewLedgerEntry {
        id,
        kind: e.parse("kind")?,
        amount: e.money()?,
        reference: e.opt_str("reference")?,
        reverses: e.opt_parse("reverses")?,
        created_by: e.parse("created_by")?,
        device: e.str("device")?,
        at: e.time("at")?,
        note: e.opt_str("note")?,
    })
}
