//! The collection screen's figures (`web/src/figures.ts`) against core's reconciliation and
//! donation marks on the same documents: open, counted, and closed by a return with entries
//! after it (one made later, one made offline before the return and merged after).

use clubsync_core::collection::{DonationSource, StreetCollection};
use clubsync_core::reports::Reconciliation;
use serde_json::{Value, json};

use crate::world::World;

pub fn documents(w: &World) -> Vec<(String, StreetCollection)> {
    let c = w.collections();
    vec![
        ("fresh".into(), c.fresh),
        ("out".into(), c.out),
        ("returned".into(), c.returned),
        ("counted".into(), c.counted),
        ("closed".into(), c.closed),
        ("banked".into(), crate::ledger::banked(w)),
    ]
}

/// The figures as core reads them, in the app's shape (`CollectionFigures`).
fn core_figures(c: &StreetCollection) -> Value {
    let r = Reconciliation::build(c).expect("core reconciles its own collection");
    let donations = c.donations().expect("core reads its own donations");
    let kept: Vec<_> = donations
        .iter()
        .filter(|d| !d.reversed && !d.post_close)
        .collect();
    let in_tins: Vec<_> = kept
        .iter()
        .filter(|d| matches!(d.source, DonationSource::Tin(_)))
        .collect();
    let counts = c.counts().expect("core reads its own counts");
    let counted = counts.iter().filter(|k| k.active && !k.post_close).count();
    json!({
        "recorded": kept.len(),
        "inTins": in_tins.len(),
        "outside": kept.len() - in_tins.len(),
        "tallyMinor": in_tins.iter().map(|d| d.amount.minor).sum::<i64>(),
        "outsideMinor": r.outside_tins.minor,
        "countedTins": counted,
        "countedMinor": r.counted.minor,
        "postClose": r.post_close_adjustments,
        "cashOutsideMinor": r.cash_outside_tins.minor,
        "cashToBankMinor": c.cash_to_bank().expect("cash").minor,
        "bankedMinor": r.banked.minor,
        "expensesMinor": r.expenses.minor,
        "remittedMinor": r.remitted.minor,
        "bankedMinusCashMinor": r.banked_minus_counted.minor,
        "remittedMinusDueMinor": r.remitted_minus_due.minor,
    })
}

pub fn divergences(docs: &[(String, StreetCollection)], app: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (name, doc) in docs {
        let core = core_figures(doc);
        let web = &app[format!("{name}.figures")];
        if &core != web {
            out.push(format!(
                "figures of the {name} collection: core {core}; the app {web}"
            ));
        }
    }
    // The closed collection must really have entries after its return, or this proves nothing.
    if let Some((_, closed)) = docs.iter().find(|(n, _)| n == "closed") {
        let r = Reconciliation::build(closed).expect("reconciled");
        assert!(
            r.post_close_adjustments >= 3,
            "the closed collection has post-close entries"
        );
    }
    out
}
