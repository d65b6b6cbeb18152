//! `clubsync event`: events on this device, their volunteer shifts and who is on them.

use std::io::Write as _;
use std::str::FromStr;

use anyhow::{Context as _, bail};
use automerge::ReadDoc;
use clap::{Args, Subcommand};
use clubsync_client::now;
use clubsync_core::document::{DocumentKind, TypedDocument};
use clubsync_core::event::{
    Assignment, AssignmentStatus, Event, EventType, NewEvent, Shift, ShiftRole,
};
use clubsync_core::ids::{AssignmentId, ShiftId};
use clubsync_core::time_zone::ClubTimeZone;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;

use super::Context;
use super::parse::{self, TypedTime};
use super::pick;
use super::terminal_text::safe;

const KIND: DocumentKind = DocumentKind::Event;

/// How long an event lasts when --ends is not given.
const DEFAULT_LENGTH_MS: i64 = 2 * 3_600_000;

#[derive(Subcommand, Debug)]
pub enum EventCommand {
    /// Plan an event: what, when and where
    ///
    /// The first line printed is `Created event <ID> "<title>"`. Times are on the club's clock
    /// (its time zone) unless they carry an offset (2026-03-14T10:00+01:00). Without --ends
    /// the event lasts two hours.
    ///
    /// Types: street-collection, protest, petition-stall, concert, sponsored-activity,
    /// letter-writing.
    ///
    /// Example:
    ///   clubsync event create "Briggate collection" --type street-collection \
    ///     --starts "2026-03-14 10:00" --ends "2026-03-14 16:00" --place "Briggate" \
    ///     --collection "Briggate"
    #[command(verbatim_doc_comment)]
    Create(CreateArgs),

    /// Add a volunteer shift to an event
    ///
    /// --starts and --ends are a date and time, or just a time (10:00) on the event's first
    /// day. Roles: collector, counter, steward, stall (collectors and counters are always 16
    /// or over).
    ///
    /// Example:
    ///   clubsync event shift "Briggate" --role collector --starts 10:00 --ends 12:00 --capacity 4
    #[command(verbatim_doc_comment)]
    Shift(ShiftArgs),

    /// Put a member on a shift
    ///
    /// SHIFT is the shift's number in `clubsync event list EVENT`, or the start of its id.
    ///
    /// Example:
    ///   clubsync event assign "Briggate" 1 "Min-ji"
    #[command(verbatim_doc_comment)]
    Assign(AssignArgs),

    /// List the events on this device, or show one with its shifts and who is on them.
    List {
        /// An event to show in full: its id, the start of its id, or part of its title.
        event: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// The title.
    title: String,
    /// The kind of event.
    #[arg(long = "type", value_name = "TYPE", value_parser = event_type)]
    event_type: EventType,
    /// When it starts: 2026-03-14 10:00 (on the club's clock) or 2026-03-14T10:00+01:00.
    #[arg(long, value_name = "DATETIME", value_parser = time)]
    starts: TypedTime,
    /// When it ends (default: two hours after the start).
    #[arg(long, value_name = "DATETIME", value_parser = time)]
    ends: Option<TypedTime>,
    /// Where.
    #[arg(long, default_value = "")]
    place: String,
    /// The street collection holding the permit (its id, start of its id, or part of its title).
    #[arg(long, value_name = "COLLECTION")]
    collection: Option<String>,
}

#[derive(Args, Debug)]
pub struct ShiftArgs {
    /// The event: its id, the start of its id, or part of its title.
    event: String,
    /// When the shift starts: a date and time, or a time on the event's first day.
    #[arg(long, value_name = "DATETIME")]
    starts: String,
    /// When the shift ends: a date and time, or a time on the event's first day.
    #[arg(long, value_name = "DATETIME")]
    ends: String,
    /// The role: collector, counter, steward or stall.
    #[arg(long, value_parser = shift_role)]
    role: ShiftRole,
    /// How many people the shift needs.
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
    capacity: i64,
    /// Where (default: the event's place).
    #[arg(long)]
    place: Option<String>,
    /// Only members of 16 or over (always so for collectors and counters).
    #[arg(long)]
    adults_only: bool,
}

#[derive(Args, Debug)]
pub struct AssignArgs {
    /// The event: its id, the start of its id, or part of its title.
    event: String,
    /// The shift: its number in `clubsync event list EVENT`, or the start of its id.
    shift: String,
    /// The member (a member id or part of the name).
    member: String,
    /// Their answer: accepted, tentative, declined or needs-action.
    #[arg(long, default_value = "accepted", value_parser = assignment_status)]
    status: AssignmentStatus,
}

fn time(text: &str) -> Result<TypedTime, String> {
    parse::datetime(text).map_err(|e| e.to_string())
}

fn event_type(text: &str) -> Result<EventType, String> {
    EventType::from_str(&text.trim().to_lowercase().replace('-', "_")).map_err(|()| {
        format!(
            "{text:?} is not an event type: street-collection, protest, petition-stall, concert, \
             sponsored-activity or letter-writing"
        )
    })
}

fn shift_role(text: &str) -> Result<ShiftRole, String> {
    ShiftRole::from_str(&text.trim().to_lowercase())
        .map_err(|()| format!("{text:?} is not a shift role: collector, counter, steward or stall"))
}

fn assignment_status(text: &str) -> Result<AssignmentStatus, String> {
    AssignmentStatus::from_str(&text.trim().to_lowercase().replace('-', "_")).map_err(|()| {
        format!("{text:?} is not an answer: accepted, tentative, declined or needs-action")
    })
}

pub fn run(context: &Context, command: EventCommand) -> anyhow::Result<()> {
    match command {
        EventCommand::Create(args) => create(context, args),
        EventCommand::Shift(args) => shift(context, args),
        EventCommand::Assign(args) => assign(context, args),
        EventCommand::List { event: None } => list(context),
        EventCommand::List { event: Some(query) } => show(context, &query),
    }
}

/// The event's root fields that core reads but does not expose: start, end and place.
struct When {
    starts: Option<Timestamp>,
    ends: Option<Timestamp>,
    place: String,
}

fn when(event: &Event) -> When {
    let doc = event.automerge();
    let scalar = |key: &str| match doc.get(automerge::ROOT, key) {
        Ok(Some((automerge::Value::Scalar(s), _))) => Some(s.into_owned()),
        _ => None,
    };
    let time = |key: &str| match scalar(key) {
        Some(automerge::ScalarValue::Int(v)) => Some(Timestamp::from_millis(v)),
        Some(automerge::ScalarValue::F64(v)) if v.fract() == 0.0 => {
            Some(Timestamp::from_millis(v as i64))
        }
        _ => None,
    };
    let place = match scalar("place") {
        Some(automerge::ScalarValue::Str(s)) => s.to_string(),
        _ => String::new(),
    };
    When {
        starts: time("starts_at"),
        ends: time("ends_at"),
        place,
    }
}

fn create(context: &Context, args: CreateArgs) -> anyhow::Result<()> {
    let (mut home, membership) = context.club()?;
    pick::require_writer(&membership)?;
    let zone = home.time_zone(&membership);
    let starts = args.starts.on(&zone);
    let ends = args.ends.map_or(
        Timestamp::from_millis(starts.millis() + DEFAULT_LENGTH_MS),
        |t| t.on(&zone),
    );
    if ends <= starts {
        bail!(
            "the event must end after it starts ({} is not after {})",
            zone.date_time(ends),
            zone.date_time(starts)
        );
    }
    let collection = args
        .collection
        .as_deref()
        .map(|q| pick::document(&home, &membership, DocumentKind::StreetCollection, q))
        .transpose()?;
    let new = NewEvent {
        club: membership.club_document,
        title: args.title.trim().to_owned(),
        event_type: args.event_type,
        starts_at: starts,
        ends_at: ends,
        place: args.place.trim().to_owned(),
        collection,
    };
    let event = Event::create(None, &new, now()).context("could not create the event")?;
    let id = DocumentId::random();
    home.create(&membership.club_id, id, &event)?;
    writeln!(context.out(), "Created event {id} \"{}\"", new.title)?;
    writeln!(
        context.out(),
        "{} from {} to {} ({})",
        new.event_type.as_str().replace('_', "-"),
        zone.date_time(new.starts_at),
        zone.date_time(new.ends_at),
        zone.name()
    )?;
    Ok(())
}

/// A shift time as typed: a full date and time, or `HH:MM` on the club's day `day` is in.
fn shift_time(
    text: &str,
    day: Option<Timestamp>,
    zone: &ClubTimeZone,
) -> anyhow::Result<Timestamp> {
    if let Some(seconds) = parse::time_of_day(text.trim()) {
        let Some(day) = day else {
            bail!(
                "{text:?} is a time without a date, and the event's date is unknown: give a date too"
            );
        };
        return i32::try_from(seconds)
            .ok()
            .and_then(|s| zone.on_day_of(day, s))
            .with_context(|| format!("{text:?} is not a time on the event's day"));
    }
    Ok(parse::datetime(text)?.on(zone))
}

fn shift(context: &Context, args: ShiftArgs) -> anyhow::Result<()> {
    let (mut home, membership) = context.club()?;
    pick::require_writer(&membership)?;
    let id = pick::document(&home, &membership, KIND, &args.event)?;
    let event: Event = home.load(&id)?;
    let when = when(&event);
    let zone = home.time_zone(&membership);
    let starts = shift_time(&args.starts, when.starts, &zone).context("--starts")?;
    let ends = shift_time(&args.ends, when.starts, &zone).context("--ends")?;
    if ends <= starts {
        bail!(
            "the shift must end after it starts ({} is not after {})",
            zone.date_time(ends),
            zone.date_time(starts)
        );
    }
    let at = now();
    let shift = Shift {
        id: ShiftId::new_v7(at),
        role: args.role,
        place: args.place.unwrap_or(when.place).trim().to_owned(),
        starts_at: starts,
        ends_at: ends,
        people_needed: args.capacity,
        adults_only: args.adults_only,
    };
    let number = home.write(&id, |e: &mut Event| {
        e.add_shift(&shift, at)?;
        Ok(e.shifts()?
            .iter()
            .position(|s| s.id == shift.id)
            .map_or(0, |i| i + 1))
    })?;
    writeln!(
        context.out(),
        "Added shift {number} ({}) to {}: {} from {starts} to {ends}, {} needed",
        shift.id,
        event.title()?,
        shift.role,
        shift.people_needed
    )?;
    Ok(())
}

fn assign(context: &Context, args: AssignArgs) -> anyhow::Result<()> {
    let (mut home, membership) = context.club()?;
    pick::require_writer(&membership)?;
    let id = pick::document(&home, &membership, KIND, &args.event)?;
    let club = home.club(&membership)?;
    let zone = club.time_zone();
    let member = pick::member(Some(&club), &args.member)?;
    let event: Event = home.load(&id)?;
    let shifts = event.shifts()?;
    let wanted = args.shift.trim();
    let shift = match wanted.parse::<usize>() {
        Ok(n) if (1..=shifts.len()).contains(&n) => &shifts[n - 1],
        _ => {
            let matching: Vec<&Shift> = shifts
                .iter()
                .filter(|s| !wanted.is_empty() && s.id.key().starts_with(&wanted.to_lowercase()))
                .collect();
            match matching.as_slice() {
                [one] => *one,
                [] => bail!(
                    "no shift {wanted:?} in this event ({} shift{}): `clubsync event list {id}` \
                     numbers them",
                    shifts.len(),
                    if shifts.len() == 1 { "" } else { "s" }
                ),
                _ => bail!("{wanted:?} matches several shifts: give more of the id"),
            }
        }
    };
    if let Some(existing) = event
        .assignments()?
        .iter()
        .find(|a| a.shift == shift.id && a.member == member)
    {
        bail!(
            "{} is already on this shift ({}, assignment {})",
            pick::member_name(Some(&club), member),
            existing.status,
            existing.id
        );
    }
    let at = now();
    let assignment = Assignment {
        id: AssignmentId::new_v7(at),
        shift: shift.id,
        member,
        status: args.status,
        attended: None,
    };
    home.write(&id, |e: &mut Event| Ok(e.assign(&assignment, &club, at)?))?;
    writeln!(
        context.out(),
        "{} is on the {} shift from {} to {} ({}).",
        pick::member_name(Some(&club), member),
        shift.role,
        zone.date_time(shift.starts_at),
        zone.date_time(shift.ends_at),
        assignment.status
    )?;
    Ok(())
}

fn list(context: &Context) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let listed = pick::documents_of_kind(&home, &membership, KIND)?;
    if listed.is_empty() {
        writeln!(
            context.out(),
            "No events on this device yet: `clubsync event create TITLE --type ... --starts ...` \
             plans one (`clubsync sync` fetches the club's)."
        )?;
        return Ok(());
    }
    writeln!(
        context.out(),
        "{:<28}  {:<18}  {:<10}  {:<20}  title",
        "id",
        "type",
        "status",
        "starts"
    )?;
    let zone = home.time_zone(&membership);
    for d in listed {
        let event: Event = home.load(&d.id)?;
        let starts = when(&event)
            .starts
            .map(|t| zone.date_time(t))
            .unwrap_or_default();
        writeln!(
            context.out(),
            "{:<28}  {:<18}  {:<10}  {:<20}  {}",
            d.id,
            event.event_type()?.as_str().replace('_', "-"),
            event.status()?.as_str(),
            starts,
            d.title
        )?;
    }
    Ok(())
}

fn show(context: &Context, query: &str) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let id = pick::document(&home, &membership, KIND, query)?;
    let event: Event = home.load(&id)?;
    let club = pick::club_if_synced(&home, &membership);
    let when = when(&event);
    writeln!(
        context.out(),
        "Event {id} \"{}\": {}, {}",
        safe(&event.title()?),
        event.event_type()?.as_str().replace('_', "-"),
        event.status()?
    )?;
    let zone = home.time_zone(&membership);
    if let (Some(starts), Some(ends)) = (when.starts, when.ends) {
        writeln!(
            context.out(),
            "From {} to {} ({})",
            zone.date_time(starts),
            zone.date_time(ends),
            zone.name()
        )?;
    }
    if !when.place.is_empty() {
        writeln!(context.out(), "At {}", safe(&when.place))?;
    }
    if let Some(collection) = event.collection()? {
        writeln!(context.out(), "Street collection: {collection}")?;
    }
    let shifts = event.shifts()?;
    let assignments = event.assignments()?;
    writeln!(context.out())?;
    if shifts.is_empty() {
        writeln!(
            context.out(),
            "No shifts yet: `clubsync event shift {id} --role ... --starts ... --ends ... --capacity N` adds one."
        )?;
    }
    for (i, s) in shifts.iter().enumerate() {
        let on: Vec<&Assignment> = assignments.iter().filter(|a| a.shift == s.id).collect();
        let accepted = on
            .iter()
            .filter(|a| a.status == AssignmentStatus::Accepted)
            .count();
        writeln!(
            context.out(),
            "Shift {}: {} from {} to {}{}, {accepted}/{} accepted{}  ({})",
            i + 1,
            s.role,
            zone.date_time(s.starts_at),
            zone.date_time(s.ends_at),
            if s.place.is_empty() {
                String::new()
            } else {
                format!(" at {}", safe(&s.place))
            },
            s.people_needed,
            if s.adults_only { ", 16+" } else { "" },
            s.id
        )?;
        for a in on {
            writeln!(
                context.out(),
                "    {} ({})",
                pick::member_name(club.as_ref(), a.member),
                a.status
            )?;
        }
    }
    super::flags::print_for_record(context, &event, event.flags()?, club.as_ref())
}
