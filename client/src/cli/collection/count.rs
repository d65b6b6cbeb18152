//! `collection count` and `collection close`: signed counts of returned tins, and the return.

use super::show::stage_name;
use super::tins::check_tin;
use super::*;

pub(super) fn count(context: &Context, args: CountArgs) -> anyhow::Result<()> {
    let (mut home, membership, id) = for_writing(context, &args.collection)?;
    let club = home.club(&membership)?;
    let [first, second] = args.counters.as_slice() else {
        bail!(
            "a count needs exactly two counters, {} given: give --counter twice",
            args.counters.len()
        );
    };
    let counter1 = pick::member(Some(&club), first)?;
    let counter2 = pick::member(Some(&club), second)?;
    if counter1 == counter2 {
        bail!(
            "both counters are {}: a count needs two different people",
            pick::member_name(Some(&club), counter1)
        );
    }
    let collection: StreetCollection = home.load(&id)?;
    let currency = collection.currency()?;
    if args.denominations.is_empty() && !args.empty {
        bail!(
            "no coins or notes given: add --denomination VALUE:COUNT (e.g. 2.00:3), or --empty for an empty tin"
        );
    }
    let denominations = args
        .denominations
        .iter()
        .map(|d| parse::denomination(d, currency))
        .collect::<anyhow::Result<Vec<_>>>()?;
    check_tin(&collection, args.tin)?;
    let tin = args.tin;
    let Some(latest) = collection
        .custody_log()?
        .into_iter()
        .rfind(|e| e.tin == tin)
    else {
        bail!("tin {tin} was never issued: nothing to count");
    };
    if latest.returned.is_none() {
        bail!(
            "tin {tin} is still out with {} (seal {}): record its return first with \
             `clubsync collection return-tin {id} {tin}`",
            pick::member_name(Some(&club), latest.collector),
            latest.seal
        );
    }
    let active: Vec<CountId> = collection
        .counts()?
        .iter()
        .filter(|k| k.custody == latest.id && k.active)
        .map(|k| k.id)
        .collect();
    let supersedes = match (&args.correction, active.is_empty()) {
        (None, true) => None,
        (None, false) => bail!(
            "tin {tin} is already counted: to correct its count, count again with \
             --correction \"why\""
        ),
        (Some(_), true) => bail!("tin {tin} has no count to correct: leave out --correction"),
        (Some(reason), false) => Some(Supersede {
            counts: active,
            reason: reason.clone(),
        }),
    };
    let at = now();
    let count_id = CountId::new_v7(at);
    let new = NewCount {
        id: count_id,
        custody: latest.id,
        place: args.place.trim().to_owned(),
        at,
        counter1,
        counter2,
        related_reason: args.related_reason.clone(),
        denominations,
        non_cash: args.non_cash.clone(),
        supersedes,
    };
    let (status, total) = home.write(&id, |c: &mut StreetCollection| {
        c.record_count(&new, &club)?;
        c.sign_count(count_id, counter1, at)?;
        let status = c.sign_count(count_id, counter2, at)?;
        Ok((status, c.count(count_id)?.map(|k| k.total)))
    })?;
    let total = total.unwrap_or_else(|| Money::zero(currency));
    writeln!(
        context.out(),
        "Saved count {count_id} of tin {tin}: {total}, counted by {} and {}{}",
        pick::member_name(Some(&club), counter1),
        pick::member_name(Some(&club), counter2),
        if status == CountStatus::Locked {
            ", signed by both"
        } else {
            ""
        }
    )?;
    Ok(())
}

pub(super) fn close(context: &Context, args: CloseArgs) -> anyhow::Result<()> {
    let (mut home, membership, id) = for_writing(context, &args.collection)?;
    let collection: StreetCollection = home.load(&id)?;
    let current = collection.status()?;
    let target = match args.stage {
        Some(stage) => stage.stage(),
        None => match Stage::ALL.into_iter().find(|s| *s > current) {
            Some(next) => next,
            None => {
                let returns = collection.returns()?;
                let when = returns
                    .first()
                    .map(|r| format!(" on {}", home.time_zone(&membership).date_time(r.at)))
                    .unwrap_or_default();
                writeln!(
                    context.out(),
                    "The return of this collection was already submitted{when}: its ledger is closed."
                )?;
                return Ok(());
            }
        },
    };
    if target <= current {
        writeln!(
            context.out(),
            "Collection \"{}\" is already {}: a status never goes back.",
            collection.title()?,
            stage_name(current)
        )?;
        return Ok(());
    }
    if args.reference.is_some() && target != Stage::ReturnSubmitted {
        bail!("--reference is recorded with the return: use it with --stage return-submitted");
    }
    for warning in collection.close_warnings(target)? {
        eprintln!("warning: {warning}");
    }
    let at = now();
    let reached = if target == Stage::ReturnSubmitted {
        let club = pick::club_if_synced(&home, &membership);
        let by = pick::acting(&args.acting, &membership, club.as_ref())?;
        let new = NewReturn {
            id: ReturnId::new_v7(at),
            reference: args.reference.clone(),
            by,
            at,
        };
        home.write(&id, |c: &mut StreetCollection| {
            c.submit_return(&new)?;
            Ok(c.status()?)
        })
        .context("the return was not submitted")?
    } else {
        let club = pick::club_if_synced(&home, &membership);
        let by = pick::acting(&args.acting, &membership, club.as_ref())?;
        let device = membership.device_id.clone();
        home.write(&id, |c: &mut StreetCollection| {
            if let Some(reason) = &args.difference
                && target >= Stage::Reconciled
            {
                let difference = c.banked_minus_cash()?;
                if difference.minor != 0 {
                    c.record_ledger_entry(&NewLedgerEntry {
                        id: LedgerEntryId::new_v7(at),
                        kind: LedgerKind::Difference,
                        amount: Money::new(difference.minor.abs(), difference.currency),
                        reference: None,
                        reverses: None,
                        created_by: by,
                        device: device.clone(),
                        at,
                        note: Some(reason.clone()),
                    })?;
                }
            }
            Ok(c.advance_status(target, at)?)
        })
        .context(
            "not moved: `clubsync collection ledger` shows what is banked; bank the rest \
             (`clubsync collection bank`), or give --difference \"why\"",
        )?
    };
    writeln!(
        context.out(),
        "Collection \"{}\" is now {}.",
        collection.title()?,
        stage_name(reached)
    )?;
    match Stage::ALL.into_iter().find(|s| *s > reached) {
        Some(Stage::ReturnSubmitted) => writeln!(
            context.out(),
            "Next: `clubsync collection close {id}` submits the return and closes the ledger \
             (add --reference with the authority's reference)."
        )?,
        Some(next) => writeln!(
            context.out(),
            "Next: `clubsync collection close {id}` moves it to {}.",
            stage_name(next)
        )?,
        None => writeln!(
            context.out(),
            "The ledger is closed: anything recorded now is a post-close adjustment."
        )?,
    }
    Ok(())
}
