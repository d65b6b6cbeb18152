//! `collection list` and `collection show`: what a collection holds, and its figures from core's
//! reconciliation.

use super::*;
use clubsync_core::time_zone::ClubTimeZone;

/// A stage as people say it: "return submitted".
pub(super) fn stage_name(stage: Stage) -> String {
    stage.as_str().replace('_', " ")
}

/// A note when records made now come after the submitted return (they stay out of its figures).
pub(super) fn after_return_note(
    collection: &StreetCollection,
    zone: &ClubTimeZone,
) -> anyhow::Result<()> {
    if let Some(first) = collection.returns()?.first() {
        eprintln!(
            "note: the return of this collection was submitted on {}: what is recorded now is a \
             post-close adjustment, kept apart from the submitted figures",
            zone.date_time(first.at)
        );
    }
    Ok(())
}

/// Counted from tins, donations outside tins, and their sum: the figures of core's
/// reconciliation report, so the screen and the report never disagree.
pub(super) struct Figures {
    counted: Money,
    outside: Money,
    total: Money,
}

pub(super) fn figures(collection: &StreetCollection) -> anyhow::Result<Figures> {
    let reconciliation = Reconciliation::build(collection)?;
    let total = Money::new(
        reconciliation.counted.minor + reconciliation.outside_tins.minor,
        reconciliation.counted.currency,
    );
    Ok(Figures {
        counted: reconciliation.counted,
        outside: reconciliation.outside_tins,
        total,
    })
}

pub(super) fn list(context: &Context) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let listed = pick::documents_of_kind(&home, &membership, KIND)?;
    if listed.is_empty() {
        writeln!(
            context.out(),
            "No street collections on this device yet: `clubsync collection create TITLE` \
             starts one (`clubsync sync` fetches the club's)."
        )?;
        return Ok(());
    }
    writeln!(
        context.out(),
        "{:<28}  {:<16}  {:>14}  title",
        "id",
        "status",
        "total"
    )?;
    for d in listed {
        let collection: StreetCollection = home.load(&d.id)?;
        let total = figures(&collection)?.total;
        writeln!(
            context.out(),
            "{:<28}  {:<16}  {:>14}  {}",
            d.id,
            stage_name(collection.status()?),
            total.to_string(),
            d.title
        )?;
    }
    Ok(())
}

pub(super) fn show(context: &Context, query: &str) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let id = pick::document(&home, &membership, KIND, query)?;
    let collection: StreetCollection = home.load(&id)?;
    let club = pick::club_if_synced(&home, &membership);
    let zone = club
        .as_ref()
        .map_or_else(ClubTimeZone::utc, |c| c.time_zone());
    let club = club.as_ref();
    let currency = collection.currency()?;
    let name = |m: MemberId| pick::member_name(club, m);
    writeln!(
        context.out(),
        "Collection {id} \"{}\": {}, amounts in {currency}",
        crate::cli::terminal_text::safe(&collection.title()?),
        stage_name(collection.status()?)
    )?;
    super::permit::print_warnings(context, &collection, &zone)?;

    let custody = collection.custody_log()?;
    let donations = collection.donations()?;
    let counts = collection.counts()?;
    let tins = collection.tins()?;
    let mut tally: BTreeMap<TinNumber, (usize, i64)> = BTreeMap::new();
    for d in donations.iter().filter(|d| !d.reversed) {
        if let DonationSource::Tin(tin) = d.source {
            let entry = tally.entry(tin).or_default();
            entry.0 += 1;
            entry.1 += d.amount.minor;
        }
    }
    writeln!(context.out())?;
    if tins.is_empty() {
        writeln!(
            context.out(),
            "No tins yet: `clubsync collection add-tins {id} 1-20` adds them."
        )?;
    } else {
        writeln!(context.out(), "Tins ({}):", tins.len())?;
        writeln!(
            context.out(),
            "  {:>4}  {:<24}  {:<12}  {:<22}  tally",
            "tin",
            "with",
            "seal",
            "since"
        )?;
        for tin in &tins {
            let latest = custody.iter().rev().find(|c| c.tin == tin.number);
            let (with, seal, since) = match latest {
                None => ("(not issued)".to_owned(), String::new(), String::new()),
                Some(c) => match &c.returned {
                    None => (
                        name(c.collector),
                        c.seal.clone(),
                        zone.date_time(c.issued_at),
                    ),
                    Some(r) => {
                        let counted = counts.iter().any(|k| k.custody == c.id && k.active);
                        let state = match (counted, r.seal_intact) {
                            (true, _) => "returned, counted",
                            (false, true) => "returned, to count",
                            (false, false) => "returned, SEAL BROKEN",
                        };
                        (state.to_owned(), c.seal.clone(), zone.date_time(r.at))
                    }
                },
            };
            let tally = tally
                .get(&tin.number)
                .map(|(n, minor)| format!("{n} ({})", Money::new(*minor, currency).decimal()))
                .unwrap_or_default();
            writeln!(
                context.out(),
                "  {:>4}  {:<24}  {:<12}  {:<22}  {tally}",
                tin.number.0,
                with,
                seal,
                since
            )?;
        }
    }

    if !counts.is_empty() {
        writeln!(context.out())?;
        writeln!(context.out(), "Counts:")?;
        for c in &counts {
            writeln!(context.out(), "  {}", describe_count(c, &name, &zone))?;
        }
    }

    let figures = figures(&collection)?;
    let outside = donations
        .iter()
        .filter(|d| !matches!(d.source, DonationSource::Tin(_)))
        .count();
    let reversed = donations.iter().filter(|d| d.reversed).count();
    let post_close = donations.iter().filter(|d| d.post_close).count();
    writeln!(context.out())?;
    writeln!(
        context.out(),
        "Donations: {} recorded ({outside} outside tins, {} tin tallies){}{}",
        donations.len(),
        donations.len() - outside,
        if reversed > 0 {
            format!(", {reversed} reversed")
        } else {
            String::new()
        },
        if post_close > 0 {
            format!(", {post_close} after the return (not in the totals)")
        } else {
            String::new()
        },
    )?;
    writeln!(context.out(), "Counted from tins:      {}", figures.counted)?;
    writeln!(context.out(), "Donations outside tins: {}", figures.outside)?;
    writeln!(context.out(), "Total:                  {}", figures.total)?;
    let mut flags = collection.flags()?;
    if let Some(club) = club {
        flags.extend(collection.age_flags(club)?);
    }
    crate::cli::flags::print_for_record(context, &collection, flags, club)?;
    Ok(())
}

pub(super) fn describe_count(
    c: &Count,
    name: &impl Fn(MemberId) -> String,
    zone: &ClubTimeZone,
) -> String {
    let status = match c.status {
        CountStatus::Draft => "not signed",
        CountStatus::SignedByOne => "signed by one counter",
        CountStatus::Locked => "signed by both",
    };
    let mut text = format!(
        "tin {}: {} by {} and {} at {} on {}, {status}",
        c.tin,
        c.total,
        name(c.counter1),
        name(c.counter2),
        crate::cli::terminal_text::safe(&c.place),
        zone.date_time(c.at)
    );
    if !c.active {
        text.push_str(" (superseded)");
    }
    if c.post_close {
        text.push_str(" (after the return)");
    }
    text
}
