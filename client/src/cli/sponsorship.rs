//! `clubsync sponsorship`: sponsored activities (a sponsored walk, a silence) on this device:
//! the participant and how pledges are measured, each sponsor's pledge (with the Gift Aid
//! tick, house and postcode it needs), the distance completed, payments received, and the sheet
//! with what is pledged, paid and outstanding. Every figure is core's (`SponsorshipSheet`).

use std::io::Write as _;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use clubsync_client::now;
use clubsync_core::currency::Currency;
use clubsync_core::document::DocumentKind;
use clubsync_core::ids::{PaymentId, PledgeId};
use clubsync_core::reports::SponsorshipSheet;
use clubsync_core::sponsorship::{
    NewPayment, NewPledge, NewSponsoredActivity, PledgeUnit, SponsoredActivity,
};
use clubsync_protocol::DocumentId;

use super::pick::{self, Acting};
use super::{Context, parse};

const KIND: DocumentKind = DocumentKind::SponsoredActivity;

#[derive(Subcommand, Debug)]
pub enum SponsorshipCommand {
    /// Start a sponsored activity for a member
    ///
    ///   clubsync sponsorship create "Sponsored walk 2026" --participant "Min-ji" --unit per-km
    #[command(verbatim_doc_comment)]
    Create(CreateArgs),
    /// List the sponsored activities on this device
    List,
    /// Record a sponsor's pledge (a flat amount, or so much per km)
    ///
    ///   clubsync sponsorship pledge "walk" 2.00 --sponsor "Jo Bloggs" --house 12 --postcode "LS1 4AP" --gift-aid
    #[command(verbatim_doc_comment)]
    Pledge(PledgeArgs),
    /// Record the distance completed (km), for pledges per km
    Distance {
        /// The activity: its id, the start of its id, or part of its title.
        activity: String,
        /// Whole kilometres completed.
        km: i64,
    },
    /// Record money received against a sponsor's pledge
    ///
    ///   clubsync sponsorship pay "walk" "Jo Bloggs" 20.00
    #[command(verbatim_doc_comment)]
    Pay(PayArgs),
    /// Show the sheet: each sponsor, pledged, paid, outstanding, Gift Aid
    Show {
        /// The activity: its id, the start of its id, or part of its title.
        activity: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum UnitArg {
    /// A flat amount per sponsor.
    Flat,
    /// So much per kilometre completed.
    PerKm,
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// The title, e.g. "Sponsored walk 2026".
    title: String,
    /// Who does the activity: a member (id or part of the name).
    #[arg(long)]
    participant: String,
    /// How pledges are measured.
    #[arg(long, value_enum, default_value = "flat")]
    unit: UnitArg,
    /// The currency (ISO 4217): defaults to the club's.
    #[arg(long, value_name = "CODE")]
    currency: Option<String>,
}

#[derive(Args, Debug)]
pub struct PledgeArgs {
    /// The activity: its id, the start of its id, or part of its title.
    activity: String,
    /// The flat amount, or the amount per km.
    amount: String,
    /// The sponsor's full name.
    #[arg(long)]
    sponsor: String,
    /// House number or name (Gift Aid needs it).
    #[arg(long)]
    house: Option<String>,
    /// Postcode (Gift Aid needs it).
    #[arg(long)]
    postcode: Option<String>,
    /// The sponsor is a UK taxpayer and ticked Gift Aid.
    #[arg(long)]
    gift_aid: bool,
}

#[derive(Args, Debug)]
pub struct PayArgs {
    /// The activity: its id, the start of its id, or part of its title.
    activity: String,
    /// The sponsor: part of their name, as the sheet lists it.
    sponsor: String,
    /// How much was received.
    amount: String,
    #[command(flatten)]
    acting: Acting,
}

pub fn run(context: &Context, command: SponsorshipCommand) -> anyhow::Result<()> {
    match command {
        SponsorshipCommand::Create(args) => create(context, args),
        SponsorshipCommand::List => list(context),
        SponsorshipCommand::Pledge(args) => pledge(context, args),
        SponsorshipCommand::Distance { activity, km } => distance(context, &activity, km),
        SponsorshipCommand::Pay(args) => pay(context, args),
        SponsorshipCommand::Show { activity } => show(context, &activity),
    }
}

fn create(context: &Context, args: CreateArgs) -> anyhow::Result<()> {
    let (mut home, membership) = context.club()?;
    pick::require_writer(&membership)?;
    let club = home.club(&membership).map_err(|_| {
        anyhow::anyhow!("the club's members are not on this device yet: run `clubsync sync` first")
    })?;
    let participant = pick::member(Some(&club), &args.participant)?;
    let currency = match &args.currency {
        Some(code) => Currency::new(&code.trim().to_uppercase())
            .map_err(|_| anyhow::anyhow!("{code:?} is not an ISO 4217 currency code"))?,
        None => club.profile()?.currency,
    };
    let new = NewSponsoredActivity {
        club: membership.club_document,
        title: args.title.trim().to_owned(),
        participant,
        unit: match args.unit {
            UnitArg::Flat => PledgeUnit::Flat,
            UnitArg::PerKm => PledgeUnit::PerKm,
        },
        currency,
    };
    let activity = SponsoredActivity::create(None, &new, now())
        .context("could not create the sponsored activity")?;
    let id = DocumentId::random();
    home.create(&membership.club_id, id, &activity)?;
    writeln!(
        context.out(),
        "Created sponsored activity {id} \"{}\" for {}, pledges {}",
        new.title,
        pick::member_name(Some(&club), participant),
        match new.unit {
            PledgeUnit::PerKm => "per km",
            _ => "flat",
        }
    )?;
    Ok(())
}

fn list(context: &Context) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let listed = pick::documents_of_kind(&home, &membership, KIND)?;
    if listed.is_empty() {
        writeln!(
            context.out(),
            "No sponsored activities: `clubsync sponsorship create` starts one."
        )?;
    }
    for doc in listed {
        let activity: SponsoredActivity = home.load(&doc.id)?;
        let sheet = SponsorshipSheet::build(&activity, &home.time_zone(&membership))?;
        writeln!(
            context.out(),
            "{}  {}  {} sponsor(s), {} pledged, {} paid",
            doc.id,
            doc.title,
            sheet.rows.len(),
            sheet.pledged,
            sheet.paid
        )?;
    }
    Ok(())
}

fn pledge(context: &Context, args: PledgeArgs) -> anyhow::Result<()> {
    let (mut home, membership) = context.club()?;
    pick::require_writer(&membership)?;
    let id = pick::document(&home, &membership, KIND, &args.activity)?;
    let activity: SponsoredActivity = home.load(&id)?;
    let amount = parse::amount(&args.amount, activity.currency()?)?;
    let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let (house, postcode) = (clean(args.house), clean(args.postcode));
    let at = now();
    let new = NewPledge {
        id: PledgeId::new_v7(at),
        sponsor_name: args.sponsor.trim().to_owned(),
        house,
        postcode,
        amount,
        gift_aid: args.gift_aid,
        at,
    };
    home.write_to(&id, activity, |a: &mut SponsoredActivity| {
        Ok(a.record_pledge(&new)?)
    })?;
    writeln!(
        context.out(),
        "Saved {}'s pledge: {amount}{}",
        new.sponsor_name,
        if new.gift_aid { ", with Gift Aid" } else { "" }
    )?;
    Ok(())
}

fn distance(context: &Context, query: &str, km: i64) -> anyhow::Result<()> {
    let (mut home, membership) = context.club()?;
    pick::require_writer(&membership)?;
    let id = pick::document(&home, &membership, KIND, query)?;
    home.write(&id, |a: &mut SponsoredActivity| {
        Ok(a.set_units_completed(km, now())?)
    })?;
    writeln!(context.out(), "Saved: {km} km completed.")?;
    Ok(())
}

fn pay(context: &Context, args: PayArgs) -> anyhow::Result<()> {
    let (mut home, membership) = context.club()?;
    pick::require_writer(&membership)?;
    let id = pick::document(&home, &membership, KIND, &args.activity)?;
    let activity: SponsoredActivity = home.load(&id)?;
    let amount = parse::amount(&args.amount, activity.currency()?)?;
    let wanted = args.sponsor.trim().to_lowercase();
    let pledges = activity.pledges()?;
    let found: Vec<_> = pledges
        .iter()
        .filter(|p| p.pledge.sponsor_name.to_lowercase().contains(&wanted))
        .collect();
    let pledge = match found.as_slice() {
        [one] => *one,
        [] => bail!(
            "no sponsor matches {:?}: `clubsync sponsorship show` lists them",
            args.sponsor
        ),
        _ => bail!(
            "{} sponsors match {:?}: give more of the name",
            found.len(),
            args.sponsor
        ),
    };
    let club = pick::club_if_synced(&home, &membership);
    let received_by = pick::acting(&args.acting, &membership, club.as_ref())?;
    let at = now();
    let new = NewPayment {
        id: PaymentId::new_v7(at),
        pledge: pledge.pledge.id,
        amount,
        at,
        received_by,
        device: membership.device_id.clone(),
    };
    home.write_to(&id, activity, |a: &mut SponsoredActivity| {
        Ok(a.record_payment(&new)?)
    })?;
    writeln!(
        context.out(),
        "Saved {amount} from {}; {} outstanding before this payment.",
        pledge.pledge.sponsor_name,
        pledge.outstanding
    )?;
    Ok(())
}

fn show(context: &Context, query: &str) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let id = pick::document(&home, &membership, KIND, query)?;
    let activity: SponsoredActivity = home.load(&id)?;
    let sheet = SponsorshipSheet::build(&activity, &home.time_zone(&membership))?;
    let mut out = context.out();
    writeln!(out, "{}", super::terminal_text::safe(&sheet.title))?;
    for row in &sheet.rows {
        writeln!(
            out,
            "  {:<24} {:>12} pledged {:>12} paid{}",
            super::terminal_text::safe(&row.sponsor),
            row.pledged.to_string(),
            row.paid.to_string(),
            if row.gift_aid { "  Gift Aid" } else { "" }
        )?;
    }
    writeln!(
        out,
        "Pledged {}, paid {}, outstanding {}",
        sheet.pledged, sheet.paid, sheet.outstanding
    )?;
    Ok(())
}
