//! Reconciliation of a collection: counted vs banked vs remitted, with the differences.

use std::io::Write;

use super::{ReportError, write_rows};
use crate::collection::{LedgerKind, StreetCollection};
use crate::money::Money;

/// Counted, banked and remitted figures of one collection, as closed by its return.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Reconciliation {
    /// The collection's title.
    pub collection: String,
    /// Cash counted from tins (active counts).
    pub counted: Money,
    /// Donations outside tins (card, online, cash, other).
    pub outside_tins: Money,
    /// Of them, cash handed over: it goes to the bank with the tins' cash.
    pub cash_outside_tins: Money,
    /// Expenses paid.
    pub expenses: Money,
    /// Deposited in the bank.
    pub banked: Money,
    /// Remitted to the NGO.
    pub remitted: Money,
    /// Banked minus the cash to bank (counted from tins, and cash outside them): zero once all
    /// cash is banked ([`StreetCollection::banked_minus_cash`]).
    pub banked_minus_counted: Money,
    /// Remitted minus (banked + card, online and other money - expenses): zero once remitted.
    pub remitted_minus_due: Money,
    /// Sum of post-close adjustments (donations, counts, ledger entries merged after the return).
    pub post_close_adjustments: i64,
}

impl Reconciliation {
    /// Builds the reconciliation from the collection's records.
    pub fn build(collection: &StreetCollection) -> Result<Self, ReportError> {
        let currency = collection.currency()?;
        let counted: i64 = collection
            .counts()?
            .iter()
            .filter(|c| c.active && !c.post_close)
            .map(|c| c.total.minor)
            .sum();
        let outside = collection.donations_outside_tins_total()?.minor;
        let cash_outside = collection.cash_to_bank()?.minor - counted;
        let expenses = collection.ledger_total(LedgerKind::Expense)?.minor;
        let banked = collection.ledger_total(LedgerKind::Deposit)?.minor;
        let remitted = collection.ledger_total(LedgerKind::Remittance)?.minor;
        let post_close = collection
            .donations()?
            .iter()
            .filter(|d| d.post_close)
            .count()
            + collection.counts()?.iter().filter(|c| c.post_close).count()
            + collection.ledger()?.iter().filter(|e| e.post_close).count();
        let m = |minor| Money::new(minor, currency);
        Ok(Self {
            collection: collection.title()?,
            counted: m(counted),
            outside_tins: m(outside),
            cash_outside_tins: m(cash_outside),
            expenses: m(expenses),
            banked: m(banked),
            remitted: m(remitted),
            banked_minus_counted: collection.banked_minus_cash()?,
            remitted_minus_due: m(remitted - (banked + outside - cash_outside - expenses)),
            post_close_adjustments: post_close as i64,
        })
    }

    /// Writes the figures as CSV, one per row; differences that are not zero are marked.
    pub fn write_csv<W: Write>(&self, out: W) -> Result<(), ReportError> {
        let row = |figure: &str, money: Money, check: bool| {
            let flag = if check && money.minor != 0 {
                "DIFFERENCE"
            } else {
                ""
            };
            vec![
                figure.into(),
                money.decimal(),
                money.currency.code().into(),
                flag.into(),
            ]
        };
        let rows = vec![
            row("counted", self.counted, false),
            row("donations_outside_tins", self.outside_tins, false),
            row("cash_outside_tins", self.cash_outside_tins, false),
            row("expenses", self.expenses, false),
            row("banked", self.banked, false),
            row("remitted", self.remitted, false),
            row("banked_minus_counted", self.banked_minus_counted, true),
            row("remitted_minus_due", self.remitted_minus_due, true),
            vec![
                "post_close_entries".into(),
                self.post_close_adjustments.to_string(),
                String::new(),
                if self.post_close_adjustments > 0 {
                    "REVIEW"
                } else {
                    ""
                }
                .into(),
            ],
        ];
        write_rows(out, &["figure", "amount", "currency", "check"], rows)
    }
}
