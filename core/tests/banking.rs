//! Banking a collection: the cash to bank (the tins' counts and cash outside tins), deposits,
//! and "reconciled" only when banked equals it or a coordinator records the difference with a
//! reason, which stays flagged until someone resolves the flag.

mod fixtures;

use clubsync_core::collection::{DonationSource, LedgerKind, NewLedgerEntry};
use clubsync_core::document::TypedDocument;
use clubsync_core::error::RecordError;
use clubsync_core::flags::Flag;
use clubsync_core::ids::{LedgerEntryId, ResolutionId};
use clubsync_core::reports::Reconciliation;
use clubsync_core::resolution::{NewResolution, Resolvable, Resolved};
use clubsync_core::rules::{Rule, Writer, check_changes};
use clubsync_core::stage::Stage;
use fixtures::*;

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
        reference: Some("SLIP-0042".into()),
        reverses: None,
        created_by: w.ana,
        device: "laptop".into(),
        at: at(minute),
        note: note.map(str::to_owned),
    }
}

/// Tin 1 counted at 8.50 and 2.00 of cash handed over outside tins: 10.50 to bank.
fn counted() -> World {
    let mut w = world();
    let custody = w.issue(1, w.cho, "S-1", 0);
    w.give_back(custody, 100);
    w.collection
        .record_count(&w.count(custody, 110), &w.club)
        .expect("counted");
    let mut cash = card_donation(200, w.ana, 5);
    cash.source = DonationSource::Cash;
    w.collection.record_donation(&cash).expect("cash");
    w.collection
        .record_donation(&card_donation(1500, w.ana, 6))
        .expect("card money goes to the bank by itself");
    w
}

#[test]
fn a_collection_is_reconciled_once_its_cash_is_banked() {
    let mut w = counted();
    assert_eq!(w.collection.cash_to_bank().expect("cash").minor, 1050);
    assert!(matches!(
        w.collection.advance_status(Stage::Reconciled, at(200)),
        Err(RecordError::NotReconciled { cash, banked }) if cash.minor == 1050 && banked.minor == 0
    ));
    w.collection
        .record_ledger_entry(&entry(&w, LedgerKind::Deposit, 1050, 210, None))
        .expect("banked");
    w.collection
        .advance_status(Stage::Reconciled, at(220))
        .expect("reconciled");
    assert!(w.collection.flags().expect("flags").is_empty());
    let r = Reconciliation::build(&w.collection).expect("built");
    assert_eq!(
        (
            r.counted.minor,
            r.cash_outside_tins.minor,
            r.banked_minus_counted.minor
        ),
        (850, 200, 0)
    );
    assert_eq!(r.outside_tins.minor, 1700);
}

#[test]
fn a_reasoned_difference_reconciles_and_stays_flagged_until_resolved() {
    let mut w = counted();
    w.collection
        .record_ledger_entry(&entry(&w, LedgerKind::Deposit, 1000, 210, None))
        .expect("banked");
    assert!(matches!(
        w.collection.advance_status(Stage::Reconciled, at(220)),
        Err(RecordError::NotReconciled { .. })
    ));
    // A difference needs a reason, and of the right size to count.
    assert!(matches!(
        w.collection
            .record_ledger_entry(&entry(&w, LedgerKind::Difference, 50, 215, Some("  "))),
        Err(RecordError::EmptyField(_))
    ));
    w.collection
        .record_ledger_entry(&entry(
            &w,
            LedgerKind::Difference,
            40,
            216,
            Some("a coin lost"),
        ))
        .expect("a difference of another size");
    assert!(
        w.collection
            .advance_status(Stage::Reconciled, at(220))
            .is_err()
    );
    w.collection
        .record_ledger_entry(&entry(
            &w,
            LedgerKind::Difference,
            50,
            217,
            Some("the bank refused a forged 50p coin"),
        ))
        .expect("the difference");
    w.collection
        .advance_status(Stage::Reconciled, at(220))
        .expect("reconciled with a reasoned difference");

    let flags = w.collection.flags().expect("flags");
    let flag = flags
        .iter()
        .find(|f| {
            matches!(f, Flag::BankedDiffersFromCash { cash, banked }
            if cash.minor == 1050 && banked.minor == 1000)
        })
        .expect("the difference is flagged")
        .clone();
    w.collection
        .resolve_flag(&NewResolution {
            id: ResolutionId::new_v7(at(230)),
            flag: &flag,
            how: Resolved::Explained,
            note: "head office accepts the bank's letter",
            by: w.ana,
            device: "laptop",
            at: at(230),
        })
        .expect("resolved");
    let open = w
        .collection
        .open_flags(w.collection.flags().expect("flags"))
        .expect("open");
    assert!(open.is_empty(), "{open:?}");
}

#[test]
fn the_rules_refuse_a_difference_without_a_reason() {
    let w = counted();
    let before = w.collection.heads();
    let mut forged = replica(&w.collection);
    {
        use automerge::transaction::Transactable;
        let doc = forged.automerge_mut();
        let ledger = match automerge::ReadDoc::get(doc, automerge::ROOT, "ledger") {
            Ok(Some((_, id))) => id,
            _ => panic!("a ledger"),
        };
        let mut tx = doc.transaction();
        let e = tx
            .put_object(
                &ledger,
                LedgerEntryId::new_v7(at(300)).key(),
                automerge::ObjType::Map,
            )
            .expect("entry");
        for (k, v) in [
            ("kind", "difference"),
            ("currency", "GBP"),
            ("device", "laptop"),
        ] {
            tx.put(&e, k, v).expect("put");
        }
        tx.put(&e, "created_by", w.ana.key()).expect("put");
        tx.put(&e, "amount_minor", 50).expect("put");
        tx.put(&e, "at", at(300).millis()).expect("put");
        tx.commit();
    }
    let writer = Writer {
        member: w.ana,
        device: "laptop".into(),
        club_document: None,
        coordinator: true,
    };
    let refusal = check_changes(forged.automerge(), &before, &writer).expect_err("refused");
    assert_eq!(refusal.rule, Rule::InvalidRecord, "{refusal}");
}
