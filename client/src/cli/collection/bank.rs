//! `collection bank`, `expense`, `remit` and `ledger`: the money after the count. A deposit
//! (the paying-in slip, who paid it in), an expense (what for, the receipt), a remittance to the
//! NGO, and the ledger with the reconciliation: what there is to bank, what is banked, what is
//! due to the NGO. Every figure is core's (`Reconciliation`).

use clubsync_core::reports::Reconciliation;
use clubsync_core::time_zone::ClubTimeZone;

use super::*;

/// What one of the money commands records.
#[derive(Args, Debug)]
pub struct LedgerArgs {
    /// The collection: its id, the start of its id, or part of its title.
    collection: String,
    /// How much, in the collection's currency: 105.50.
    amount: String,
    /// The reference: the paying-in slip, the receipt, or the NGO's transfer reference.
    #[arg(long, value_name = "REF")]
    reference: Option<String>,
    /// What it was for or about (required for an expense: "permit fee", "seals").
    #[arg(long = "for", value_name = "TEXT")]
    note: Option<String>,
    /// Who paid it in or paid it (default: this device's member).
    #[command(flatten)]
    acting: Acting,
}

/// Records a ledger entry of `kind` from `args`.
pub(super) fn record(context: &Context, kind: LedgerKind, args: LedgerArgs) -> anyhow::Result<()> {
    let (mut home, membership, id) = for_writing(context, &args.collection)?;
    let collection: StreetCollection = home.load(&id)?;
    let amount = parse::amount(&args.amount, collection.currency()?)?;
    let note = args.note.filter(|n| !n.trim().is_empty());
    if kind == LedgerKind::Expense && note.is_none() {
        bail!("say what the expense paid for: --for \"permit fee\"");
    }
    let club = pick::club_if_synced(&home, &membership);
    let by = pick::acting(&args.acting, &membership, club.as_ref())?;
    let at = now();
    let entry = NewLedgerEntry {
        id: LedgerEntryId::new_v7(at),
        kind,
        amount,
        reference: args.reference.filter(|r| !r.trim().is_empty()),
        reverses: None,
        created_by: by,
        device: membership.device_id.clone(),
        at,
        note,
    };
    let after = home.write_to(&id, collection, |c: &mut StreetCollection| {
        c.record_ledger_entry(&entry)?;
        Ok(c.banked_minus_cash()?)
    })?;
    let what = match kind {
        LedgerKind::Deposit => "deposit",
        LedgerKind::Expense => "expense",
        LedgerKind::Remittance => "remittance to the NGO",
        _ => "entry",
    };
    writeln!(context.out(), "Saved {what}: {amount}.")?;
    if kind == LedgerKind::Deposit {
        match after.minor {
            0 => writeln!(
                context.out(),
                "Every pound to bank is banked: `clubsync collection close {id} --stage reconciled` reconciles it."
            )?,
            d if d < 0 => writeln!(
                context.out(),
                "{} still to bank.",
                Money::new(-d, after.currency)
            )?,
            d => writeln!(
                context.out(),
                "{} more banked than counted: check the counts and deposits.",
                Money::new(d, after.currency)
            )?,
        }
    }
    Ok(())
}

/// `clubsync collection ledger COLLECTION`.
pub(super) fn ledger(context: &Context, query: &str) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let id = pick::document(&home, &membership, KIND, query)?;
    let collection: StreetCollection = home.load(&id)?;
    let club = pick::club_if_synced(&home, &membership);
    let zone = club
        .as_ref()
        .map_or_else(ClubTimeZone::utc, |c| c.time_zone());
    let mut out = context.out();
    let entries = collection.ledger()?;
    if entries.is_empty() {
        writeln!(out, "Nothing banked, spent or remitted yet.")?;
    }
    for e in &entries {
        let n = &e.entry;
        writeln!(
            out,
            "  {:<16}  {:<10}  {:>12}  {}{}{}{}",
            zone.date_time(n.at),
            n.kind.as_str(),
            n.amount.to_string(),
            pick::member_name(club.as_ref(), n.created_by),
            n.reference
                .as_deref()
                .map(|r| format!(" · ref {r}"))
                .unwrap_or_default(),
            n.note
                .as_deref()
                .map(|r| format!(" · {r}"))
                .unwrap_or_default(),
            if e.reversed { " (reversed)" } else { "" }
        )?;
    }
    let r = Reconciliation::build(&collection)?;
    writeln!(out)?;
    writeln!(out, "Counted from tins:        {}", r.counted)?;
    writeln!(out, "Cash outside tins:        {}", r.cash_outside_tins)?;
    writeln!(out, "Banked:                   {}", r.banked)?;
    writeln!(out, "Banked minus cash:        {}", r.banked_minus_counted)?;
    writeln!(out, "Expenses:                 {}", r.expenses)?;
    writeln!(out, "Remitted to the NGO:      {}", r.remitted)?;
    writeln!(out, "Remitted minus due:       {}", r.remitted_minus_due)?;
    Ok(())
}
