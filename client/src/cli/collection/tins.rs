//! `collection add-tins`, `issue-tin` and `return-tin`: the numbered tins and who holds each.

use super::*;

pub(super) fn add_tins(context: &Context, query: &str, tins: &str) -> anyhow::Result<()> {
    let tins = parse::tin_list(tins)?;
    let (mut home, _membership, id) = for_writing(context, query)?;
    let existing = tin_numbers(&home.load(&id)?)?;
    let taken: Vec<TinNumber> = tins
        .iter()
        .filter(|t| existing.contains(t))
        .copied()
        .collect();
    if !taken.is_empty() {
        bail!(
            "tin(s) {} already exist in this collection (it has {}); nothing added",
            parse::tin_ranges(&taken),
            parse::tin_ranges(&existing)
        );
    }
    let at = now();
    home.write(&id, |c: &mut StreetCollection| {
        for tin in &tins {
            c.add_tin(*tin, None, at)?;
        }
        Ok(())
    })?;
    writeln!(context.out(), "Tins {} added.", parse::tin_ranges(&tins))?;
    Ok(())
}

/// The collection's tin numbers, in order.
pub(super) fn tin_numbers(c: &StreetCollection) -> anyhow::Result<Vec<TinNumber>> {
    Ok(c.tins()?.into_iter().map(|t| t.number).collect())
}

/// Refuses a tin the collection does not have, listing the ones it has.
pub(super) fn check_tin(c: &StreetCollection, tin: TinNumber) -> anyhow::Result<()> {
    let tins = tin_numbers(c)?;
    if tins.contains(&tin) {
        return Ok(());
    }
    if tins.is_empty() {
        bail!(
            "tin {tin} is not part of this collection: it has no tins yet (add them with \
             `clubsync collection add-tins`)"
        );
    }
    bail!(
        "tin {tin} is not part of this collection (its tins are {}): add it with \
         `clubsync collection add-tins`",
        parse::tin_ranges(&tins)
    )
}

pub(super) fn issue_tin(context: &Context, args: IssueArgs) -> anyhow::Result<()> {
    let (mut home, membership, id) = for_writing(context, &args.collection)?;
    let club = home.club(&membership)?;
    let issued_by = pick::acting(&args.acting, &membership, Some(&club))?;
    let collector = match &args.collector {
        Some(query) => pick::member(Some(&club), query)?,
        None => issued_by,
    };
    let collection: StreetCollection = home.load(&id)?;
    check_tin(&collection, args.tin)?;
    if let Some(out) = collection.active_custody(args.tin)? {
        bail!(
            "tin {} is already out with {} (seal {}): return it first with \
             `clubsync collection return-tin {id} {}`",
            args.tin,
            pick::member_name(Some(&club), out.collector),
            out.seal,
            args.tin
        );
    }
    let at = now();
    let issue = IssueTin {
        id: CustodyId::new_v7(at),
        tin: args.tin,
        collector,
        seal: args.seal.clone(),
        issued_by,
        at,
    };
    home.write(&id, |c: &mut StreetCollection| {
        Ok(c.issue_tin(&issue, &club)?)
    })?;
    writeln!(
        context.out(),
        "Tin {} issued to {} with seal {}.",
        args.tin,
        pick::member_name(Some(&club), collector),
        issue.seal.trim()
    )?;
    Ok(())
}

pub(super) fn return_tin(context: &Context, args: ReturnArgs) -> anyhow::Result<()> {
    let (mut home, membership, id) = for_writing(context, &args.collection)?;
    let club = pick::club_if_synced(&home, &membership);
    let to = pick::acting(&args.acting, &membership, club.as_ref())?;
    let collection: StreetCollection = home.load(&id)?;
    check_tin(&collection, args.tin)?;
    let Some(out) = collection.active_custody(args.tin)? else {
        bail!("tin {} is not out with anyone: nothing to return", args.tin);
    };
    let ret = TinReturn {
        at: now(),
        to,
        seal_intact: !args.seal_broken,
    };
    home.write(&id, |c: &mut StreetCollection| {
        Ok(c.return_tin(out.id, &ret)?)
    })?;
    writeln!(
        context.out(),
        "Tin {} returned by {}, seal {}.",
        args.tin,
        pick::member_name(club.as_ref(), out.collector),
        if args.seal_broken { "BROKEN" } else { "intact" }
    )?;
    Ok(())
}
