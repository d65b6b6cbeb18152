//! Ledger cases: deposits, expenses, remittances, a reversal and a reasoned difference, each
//! valid and refused; reconciling once the cash is banked, refused before, and allowed with a
//! difference of the right size. The figures of a banked collection are in `figures`.

use clubsync_core::collection::{
    DonationSource, LedgerKind, NewDonation, NewLedgerEntry, StreetCollection,
};
use clubsync_core::currency::Currency;
use clubsync_core::ids::{DonationId, LedgerEntryId};
use clubsync_core::money::Money;
use clubsync_core::stage::Stage;
use serde_json::json;

use crate::world::{World, at, device_of};
use crate::{Case, Outcome};

fn gbp(minor: i64) -> Money {
    Money::new(minor, Currency::new("GBP").expect("GBP"))
}

fn entry(
    w: &World,
    kind: LedgerKind,
    minor: i64,
    minute: i64,
    note: Option<&str>,
) -> NewLedgerEntry {
    NewLedgerEntry {
        id: LedgerEntryId::new_v7(at(minute)),
        kind,
        amount: gbp(minor),
        reference: Some("slip 0042".into()),
        reverses: None,
        created_by: w.ana,
        device: device_of(w.ana),
        at: at(minute),
        note: note.map(str::to_owned),
    }
}

/// The counted collection (tin 1 counted at 8.50) with 2.00 of cash outside tins: 10.50 to bank.
fn to_bank(w: &World) -> StreetCollection {
    let mut c = w.collections().counted;
    c.record_donation(&NewDonation {
        id: DonationId::new_v7(at(70)),
        source: DonationSource::Cash,
        amount: gbp(200),
        at: at(70),
        collector: w.ana,
        device: device_of(w.ana),
        note: None,
    })
    .expect("cash");
    c
}

/// `to_bank` with 10.00 banked, a 3.00 expense, an expense reversed, and 20.00 remitted.
pub fn banked(w: &World) -> StreetCollection {
    let mut c = to_bank(w);
    for e in [
        entry(w, LedgerKind::Deposit, 1000, 71, None),
        entry(w, LedgerKind::Expense, 300, 72, Some("permit fee")),
        entry(w, LedgerKind::Remittance, 2000, 74, None),
    ] {
        c.record_ledger_entry(&e).expect("entry");
    }
    let wrong = entry(w, LedgerKind::Expense, 900, 73, Some("typed wrong"));
    c.record_ledger_entry(&wrong).expect("entry");
    let mut reversal = entry(w, LedgerKind::Reversal, 900, 75, None);
    reversal.reverses = Some(wrong.id);
    c.record_ledger_entry(&reversal).expect("reversal");
    c
}

pub fn cases(w: &World) -> Vec<Case> {
    let base = to_bank(w);
    let mut exact = base.clone();
    exact
        .record_ledger_entry(&entry(w, LedgerKind::Deposit, 1050, 71, None))
        .expect("banked");
    let short = banked(w);
    let mut explained = short.clone();
    explained
        .record_ledger_entry(&entry(
            w,
            LedgerKind::Difference,
            50,
            76,
            Some("a forged coin"),
        ))
        .expect("difference");

    let record = |name: &str, doc: &StreetCollection, e: NewLedgerEntry| {
        let args = json!({
            "id": e.id.key(), "kind": e.kind.as_str(), "amountMinor": e.amount.minor,
            "currency": e.amount.currency.code(), "reference": e.reference, "reverses": e.reverses.map(|r| r.key()),
            "createdBy": e.created_by.key(), "device": e.device, "at": e.at.millis(), "note": e.note,
        });
        Case::on(
            name,
            "recordLedgerEntry",
            args,
            w.writer(w.ana),
            doc,
            move |d| -> Outcome {
                d.record_ledger_entry(&e)?;
                Ok(())
            },
        )
    };
    let reconcile = |name: &str, doc: &StreetCollection| {
        Case::on(
            name,
            "reconcile",
            json!({ "at": at(80).millis() }),
            w.writer(w.ana),
            doc,
            |d| -> Outcome {
                d.advance_status(Stage::Reconciled, at(80))?;
                Ok(())
            },
        )
    };
    let mut in_euros = entry(w, LedgerKind::Deposit, 100, 77, None);
    in_euros.amount = Money::new(100, Currency::new("EUR").expect("EUR"));
    let mut reversal_of_nothing = entry(w, LedgerKind::Reversal, 100, 77, None);
    reversal_of_nothing.reverses = Some(LedgerEntryId::new_v7(at(1)));
    vec![
        record(
            "deposit",
            &base,
            entry(w, LedgerKind::Deposit, 1050, 77, None),
        ),
        record(
            "expense",
            &base,
            entry(w, LedgerKind::Expense, 1200, 77, Some("seals")),
        ),
        record(
            "remittance",
            &base,
            entry(w, LedgerKind::Remittance, 5000, 77, None),
        ),
        record(
            "deposit_of_nothing",
            &base,
            entry(w, LedgerKind::Deposit, 0, 77, None),
        ),
        record("deposit_in_euros", &base, in_euros),
        record("reversal_of_nothing", &base, reversal_of_nothing),
        record(
            "difference_with_a_reason",
            &short,
            entry(w, LedgerKind::Difference, 50, 77, Some("a forged coin")),
        ),
        record(
            "difference_without_a_reason",
            &short,
            entry(w, LedgerKind::Difference, 50, 77, Some(" ")),
        ),
        reconcile("reconciled_once_banked", &exact),
        reconcile("reconciled_before_banking", &base),
        reconcile("reconciled_short_without_a_reason", &short),
        reconcile("reconciled_short_with_a_reason", &explained),
    ]
}
