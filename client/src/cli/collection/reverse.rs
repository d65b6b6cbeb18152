//! `collection donations` and `collection reverse`: every donation of a collection with its id,
//! and the reversal of one recorded in error (a card payment typed as 500.00 for 5.00), with a
//! reason. A reversal is a new record; the donation stays, marked reversed, out of every total.

use clubsync_core::collection::Donation;
use clubsync_core::ids::ReversalId;
use clubsync_core::time_zone::ClubTimeZone;

use super::*;

/// How many characters of a donation's id the list shows: its end, the random part (ids are
/// UUID version 7, whose start is the time, shared by donations made in the same moment).
const SHORT_ID: usize = 12;
/// The fewest characters of an id that `reverse` takes.
const MIN_ID: usize = 8;

/// The end of a donation's id, as the list shows it.
fn short(d: &Donation) -> String {
    let key = d.id.key();
    key[key.len() - SHORT_ID..].to_owned()
}

fn source_name(source: DonationSource) -> String {
    match source {
        DonationSource::Tin(tin) => format!("tin {tin}"),
        DonationSource::Card => "card".into(),
        DonationSource::Online => "online".into(),
        DonationSource::Cash => "cash".into(),
        _ => "other".into(),
    }
}

/// `clubsync collection donations COLLECTION`.
pub(super) fn donations(context: &Context, query: &str) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let id = pick::document(&home, &membership, KIND, query)?;
    let collection: StreetCollection = home.load(&id)?;
    let club = pick::club_if_synced(&home, &membership);
    let zone = club
        .as_ref()
        .map_or_else(ClubTimeZone::utc, |c| c.time_zone());
    let all = collection.donations()?;
    let mut out = context.out();
    if all.is_empty() {
        writeln!(out, "No donations yet.")?;
        return Ok(());
    }
    writeln!(
        out,
        "  {:<12}  {:<16}  {:<8}  {:>12}  collector",
        "id", "when", "source", "amount"
    )?;
    for d in &all {
        writeln!(
            out,
            "  {:<12}  {:<16}  {:<8}  {:>12}  {}{}",
            short(d),
            zone.date_time(d.at),
            source_name(d.source),
            d.amount.to_string(),
            pick::member_name(club.as_ref(), d.collector),
            if d.reversed { "  (reversed)" } else { "" }
        )?;
    }
    writeln!(
        out,
        "\nReverse one recorded in error: clubsync collection reverse {query:?} ID --reason \"why\""
    )?;
    Ok(())
}

/// The donation `text` names: its whole id, or the end of it as the list shows it (at least
/// 8 characters).
fn named<'a>(all: &'a [Donation], text: &str) -> anyhow::Result<&'a Donation> {
    let text = text.trim().to_ascii_lowercase();
    if text.len() < MIN_ID {
        bail!(
            "give at least {MIN_ID} characters of the donation's id, as `clubsync collection donations` lists them"
        );
    }
    let found: Vec<&Donation> = all
        .iter()
        .filter(|d| {
            let key = d.id.key();
            key == text || key.ends_with(&text)
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => bail!(
            "no donation {text} in this collection: `clubsync collection donations` lists them"
        ),
        _ => bail!(
            "{} donations end with {text}: give more of the id",
            found.len()
        ),
    }
}

/// `clubsync collection reverse COLLECTION DONATION --reason TEXT`.
pub(super) fn reverse(context: &Context, args: ReverseArgs) -> anyhow::Result<()> {
    let (mut home, membership, id) = for_writing(context, &args.collection)?;
    let collection: StreetCollection = home.load(&id)?;
    let all = collection.donations()?;
    let donation = named(&all, &args.donation)?.clone();
    if donation.reversed {
        bail!("donation {} was already reversed", short(&donation));
    }
    let club = pick::club_if_synced(&home, &membership);
    let by = pick::acting(&args.acting, &membership, club.as_ref())?;
    let at = now();
    home.write_to(&id, collection, |c: &mut StreetCollection| {
        Ok(c.reverse_donation(ReversalId::new_v7(at), donation.id, &args.reason, by, at)?)
    })?;
    writeln!(
        context.out(),
        "Reversed donation {} ({}, {}): it stays in the list, out of every total.",
        short(&donation),
        source_name(donation.source),
        donation.amount
    )?;
    Ok(())
}
