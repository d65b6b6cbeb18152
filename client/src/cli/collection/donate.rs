//! `collection donate` and `collection import`: donations one by one, or from a CSV file.

use super::show::after_return_note;
use super::tins::check_tin;
use super::*;
use clubsync_core::collection::read_donation_rows;

pub(super) fn donate(context: &Context, args: DonateArgs) -> anyhow::Result<()> {
    let (mut home, membership, id) = for_writing(context, &args.collection)?;
    let collection: StreetCollection = home.load(&id)?;
    let currency = collection.currency()?;
    let amount = parse::amount(&args.amount, currency)?;
    if let Some(tin) = args.tin {
        check_tin(&collection, tin)?;
        if collection.active_custody(tin)?.is_none() {
            bail!(
                "tin {tin} is not out with a collector: issue it first with \
                 `clubsync collection issue-tin`, or leave out --tin"
            );
        }
    }
    let club = pick::club_if_synced(&home, &membership);
    let collector = pick::acting(&args.acting, &membership, club.as_ref())?;
    let at = now();
    let donation = NewDonation {
        id: DonationId::new_v7(at),
        source: match args.tin {
            Some(tin) => DonationSource::Tin(tin),
            None => args.source.donation_source(),
        },
        amount,
        at,
        collector,
        device: membership.device_id.clone(),
        note: args.note.filter(|n| !n.trim().is_empty()),
    };
    after_return_note(&collection, &home.time_zone(&membership))?;
    let saved = home.write_to(&id, collection, |c: &mut StreetCollection| {
        Ok(c.record_donation(&donation)?)
    })?;
    writeln!(context.out(), "Saved donation {saved}: {amount}")?;
    Ok(())
}

pub(super) fn import(context: &Context, args: ImportArgs) -> anyhow::Result<()> {
    let (mut home, membership, id) = for_writing(context, &args.collection)?;
    let collection: StreetCollection = home.load(&id)?;
    let currency = collection.currency()?;
    let club = pick::club_if_synced(&home, &membership);
    let collector = pick::acting(&args.acting, &membership, club.as_ref())?;
    let file = args.file.display().to_string();
    let opened = std::fs::File::open(&args.file)
        .with_context(|| format!("{file}: cannot open the file: nothing was recorded"))?;
    let rows = read_donation_rows(std::io::BufReader::new(opened), &collection)
        .with_context(|| format!("{file}: nothing was recorded"))?;
    if rows.is_empty() {
        bail!("{file} has a header but no rows: nothing to record");
    }
    after_return_note(&collection, &home.time_zone(&membership))?;
    let at = now();
    let total: i64 = rows.iter().map(|r| r.amount.minor).sum();
    let count = rows.len();
    let device = membership.device_id.clone();
    let mut failed_line = None;
    home.write_to(&id, collection, |c: &mut StreetCollection| {
        for row in &rows {
            failed_line = Some(row.line);
            c.record_donation(&NewDonation {
                id: DonationId::new_v7(at),
                source: row.source,
                amount: row.amount,
                at,
                collector,
                device: device.clone(),
                note: row.note.clone(),
            })?;
        }
        failed_line = None;
        Ok(())
    })
    .with_context(|| match failed_line {
        Some(line) => format!("{file}: line {line}: nothing was recorded"),
        None => format!("{file}: nothing was recorded"),
    })?;
    writeln!(
        context.out(),
        "Saved {count} donations (total {})",
        Money::new(total, currency)
    )?;
    Ok(())
}
