//! `clubsync members`, `clubsync invite` and `clubsync time-zone`: a coordinator runs the club's
//! membership from a laptop, through the server's coordinators' API (so these need a
//! connection; the records commands do not).

use std::io::Write as _;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use clubsync_client::{Membership, club_api};
use clubsync_protocol::club_api::{ClubChange, ClubMember, MemberChange, NewInvite};
use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

use super::parse::on_club_clock as when;
use super::{Context, runtime, terminal_text::safe};

#[derive(Subcommand, Debug)]
pub enum MembersCommand {
    /// Change a member's role: coordinator, volunteer or observer
    ///
    ///   clubsync members role "Asha" coordinator
    #[command(verbatim_doc_comment)]
    Role {
        /// The member: part of their name, or the start of their id.
        member: String,
        /// coordinator, volunteer or observer.
        role: String,
    },
    /// Record that a member is now 16 or over (they may handle money: tins, counts)
    Adult {
        /// The member: part of their name, or the start of their id.
        member: String,
    },
    /// A member leaves the club: every device of theirs is revoked at once; they stay in the
    /// club's history as a former member, so the records they made still name them
    Leave {
        /// The member: part of their name, or the start of their id.
        member: String,
    },
}

/// `clubsync invite`.
#[derive(Args, Debug)]
pub struct InviteArgs {
    /// The role of a new member: coordinator, volunteer or observer.
    #[arg(long, requires = "name", conflicts_with = "device_for")]
    role: Option<String>,
    /// The new member's name, as the club will see it.
    #[arg(long, requires = "role")]
    name: Option<String>,
    /// The new member is under 16: they will never handle money (tins, counts).
    #[arg(long, requires = "role")]
    under_16: bool,
    /// Another device (a laptop, a new phone) for an existing member, who keeps their role:
    /// part of their name, or the start of their id.
    #[arg(long, value_name = "MEMBER")]
    device_for: Option<String>,
    /// How many hours the code works (1 to 2160).
    #[arg(long, default_value_t = 72)]
    hours: u64,
}

/// Lists the members: `clubsync members`.
pub fn list(context: &Context) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let members = fetch_members(&runtime()?, &membership)?;
    let zone = home.time_zone(&membership);
    let mut out = context.out();
    writeln!(
        out,
        "{:<28}  {:<12}  {:<5}  {:>7}  {:<16}  id",
        "name", "role", "16+", "devices", "since"
    )?;
    for m in &members {
        let since = when(&m.created_at, &zone);
        let role = match &m.left_at {
            Some(left) => format!("former (left {})", when(left, &zone)),
            None => m.role.clone(),
        };
        writeln!(
            out,
            "{:<28}  {:<12}  {:<5}  {:>7}  {:<16}  {}",
            safe(&m.display_name),
            role,
            if m.age16plus { "yes" } else { "no" },
            m.active_devices,
            since,
            m.id
        )?;
    }
    Ok(())
}

/// Runs `clubsync members role|adult|leave`.
pub fn run(context: &Context, command: MembersCommand) -> anyhow::Result<()> {
    let (_, membership) = context.club()?;
    let rt = runtime()?;
    let members = fetch_members(&rt, &membership)?;
    match command {
        MembersCommand::Role { member, role } => {
            let m = pick_member(&members, &member)?;
            let change = MemberChange {
                role: Some(role.trim().to_lowercase()),
                age16plus: None,
            };
            let now = rt
                .block_on(club_api::update_member(&membership, &m.id, &change))
                .context("the server did not change the role")?;
            writeln!(
                context.out(),
                "{} is now {}: their devices reconnect with it.",
                safe(&now.display_name),
                now.role
            )?;
        }
        MembersCommand::Adult { member } => {
            let m = pick_member(&members, &member)?;
            let change = MemberChange {
                role: None,
                age16plus: Some(true),
            };
            let now = rt
                .block_on(club_api::update_member(&membership, &m.id, &change))
                .context("the server did not record it")?;
            writeln!(
                context.out(),
                "{} is recorded as 16 or over: they may now take tins and count.",
                safe(&now.display_name)
            )?;
        }
        MembersCommand::Leave { member } => {
            let m = pick_member(&members, &member)?;
            let left = rt
                .block_on(club_api::member_leaves(&membership, &m.id))
                .context("the server did not record the departure")?;
            writeln!(
                context.out(),
                "{} has left the club: {} device(s) revoked, {} connection(s) closed. They stay \
                 in the club's history as a former member.",
                safe(&left.member.display_name),
                left.revoked_devices.len(),
                left.closed_connections
            )?;
        }
    }
    Ok(())
}

/// Makes an invite and shows its code, the link for a phone and that link as a QR code.
pub fn invite(context: &Context, args: InviteArgs) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let rt = runtime()?;
    let new = match (&args.device_for, &args.role, &args.name) {
        (Some(member), _, _) => {
            let members = fetch_members(&rt, &membership)?;
            NewInvite {
                member_id: Some(pick_member(&members, member)?.id.clone()),
                ttl_hours: Some(args.hours),
                ..NewInvite::default()
            }
        }
        (None, Some(role), Some(name)) => NewInvite {
            role: Some(role.trim().to_lowercase()),
            name: Some(name.clone()),
            under_16: args.under_16,
            ttl_hours: Some(args.hours),
            ..NewInvite::default()
        },
        _ => bail!(
            "say who the invite is for: --role ROLE --name NAME for a new member, or \
             --device-for MEMBER for another device of a member"
        ),
    };
    let made = rt
        .block_on(club_api::invite(&membership, &new))
        .context("the server did not make the invite")?;
    let zone = home.time_zone(&membership);
    let link = membership.server.join_link(&made.code);
    let mut out = context.out();
    let what = if made.member_id.is_some() {
        format!("another device of {}", safe(&made.name))
    } else {
        format!(
            "{} ({}{})",
            safe(&made.name),
            made.role,
            if made.under_16 { ", under 16" } else { "" }
        )
    };
    writeln!(
        out,
        "Invite for {what}, until {}:",
        when(&made.expires_at, &zone)
    )?;
    writeln!(out, "    {}", made.code)?;
    writeln!(out, "Link for a phone: {link}")?;
    if let Ok(qr) = QrCode::new(link.as_bytes()) {
        let picture = qr
            .render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build();
        writeln!(out, "{picture}")?;
    }
    writeln!(
        out,
        "The code works once. Give it only to {}.",
        safe(&made.name)
    )?;
    Ok(())
}

/// `clubsync time-zone [ZONE]`: shows the club's clock, or sets it.
pub fn time_zone(context: &Context, zone: Option<String>) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    match zone {
        None => {
            let zone = home.time_zone(&membership);
            writeln!(
                context.out(),
                "{}: every date of the club is shown and typed on this clock.",
                zone.name()
            )?;
        }
        Some(zone) => {
            let change = ClubChange {
                time_zone: Some(zone.trim().to_owned()),
            };
            runtime()?
                .block_on(club_api::change_club(&membership, &change))
                .context("the server did not set the time zone")?;
            writeln!(
                context.out(),
                "The club's clock is now {}; `clubsync sync` brings it to this device.",
                zone.trim()
            )?;
        }
    }
    Ok(())
}

/// The club's members, as the server lists them.
fn fetch_members(
    rt: &tokio::runtime::Runtime,
    membership: &Membership,
) -> anyhow::Result<Vec<ClubMember>> {
    rt.block_on(club_api::members(membership))
        .context("could not read the members from the server")
}

/// The member named by part of their name or the start of their id: exactly one, or an error
/// that lists the candidates.
pub(super) fn pick_member<'a>(
    members: &'a [ClubMember],
    query: &str,
) -> anyhow::Result<&'a ClubMember> {
    let wanted = query.trim().to_lowercase();
    if wanted.is_empty() {
        bail!("name the member: part of their name, or the start of their id");
    }
    if let Some(exact) = members
        .iter()
        .find(|m| m.id == wanted || m.display_name.to_lowercase() == wanted)
    {
        return Ok(exact);
    }
    let matching: Vec<&ClubMember> = members
        .iter()
        .filter(|m| m.id.starts_with(&wanted) || m.display_name.to_lowercase().contains(&wanted))
        .collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => bail!("no member {query:?} in the club: `clubsync members` lists them"),
        several => bail!(
            "{query:?} matches {}: {}; give more of the name or the id",
            several.len(),
            several
                .iter()
                .map(|m| safe(&m.display_name).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
