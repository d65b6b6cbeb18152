//! `clubsync flags`: what merges left for a coordinator (a tin with two collectors at once, an
//! overbooked shift, two signatures that look alike), read from this device's copies, numbered;
//! `clubsync flags resolve N --note "..."` writes a coordinator's resolution on this device, sent
//! with the next sync, after which the flag is gone on every device.
//!
//! The flags and the rule that a resolution hides one are core's (`resolution`); this file
//! lists and names them.

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use clubsync_client::{DeviceHome, Membership, now};
use clubsync_core::club::{Club, Role};
use clubsync_core::collection::StreetCollection;
use clubsync_core::document::DocumentKind;
use clubsync_core::event::Event;
use clubsync_core::flags::Flag;
use clubsync_core::ids::ResolutionId;
use clubsync_core::petition::Petition;
use clubsync_core::resolution::{NewResolution, Resolvable, Resolved, document_flags};
use clubsync_core::stock::MaterialsStock;
use clubsync_core::store::DocumentStore as _;
use clubsync_protocol::DocumentId;

use super::{Context, pick};

/// `clubsync flags resolve`.
#[derive(Subcommand, Debug)]
pub enum FlagsCommand {
    /// Resolve flag N of the list with a note (coordinators): who, when and how are recorded
    ///
    ///   clubsync flags resolve 1 --note "Ben handed tin 7 to Cho at 11:00"
    ///   clubsync flags resolve 2 --corrected --note "Reversed the 500.00 typed for 5.00"
    #[command(verbatim_doc_comment)]
    Resolve(ResolveArgs),
}

/// `clubsync flags resolve N --note TEXT [--corrected]`.
#[derive(Args, Debug)]
pub struct ResolveArgs {
    /// The flag's number in `clubsync flags`.
    pub number: usize,
    /// What you found or did (required).
    #[arg(long)]
    pub note: String,
    /// A record was put right (a reversal, a correcting count); without it, the flag was
    /// checked and nothing needed correcting.
    #[arg(long)]
    pub corrected: bool,
}

/// A resolution and the title of its document.
type TitledResolution = (String, clubsync_core::resolution::FlagResolution);

/// A flag of a document on this device.
struct Listed {
    document: DocumentId,
    kind: DocumentKind,
    title: String,
    flag: Flag,
}

/// The open flags of the club's documents on this device, in document order, and the
/// resolutions.
fn open_flags(
    home: &DeviceHome,
    membership: &Membership,
    club: &Club,
) -> anyhow::Result<(Vec<Listed>, Vec<TitledResolution>)> {
    let mut open = Vec::new();
    let mut resolved = Vec::new();
    for doc in pick::documents(home, membership)? {
        let Some(stored) = home.store().load(&doc.id)? else {
            continue;
        };
        let flags = document_flags(stored, club)
            .with_context(|| format!("cannot read the flags of {}", doc.title))?;
        open.extend(flags.open.into_iter().map(|flag| Listed {
            document: doc.id,
            kind: doc.kind,
            title: doc.title.clone(),
            flag,
        }));
        resolved.extend(
            flags
                .resolutions
                .into_iter()
                .map(|r| (doc.title.clone(), r)),
        );
    }
    Ok((open, resolved))
}

/// `clubsync flags [--resolved]`.
pub fn list(context: &Context, show_resolved: bool) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let club = home.club(&membership)?;
    let zone = home.time_zone(&membership);
    let (open, resolved) = open_flags(&home, &membership, &club)?;
    let mut out = context.out();
    if open.is_empty() {
        writeln!(
            out,
            "No open flags on this device (sync first to see the newest)."
        )?;
    }
    for (n, listed) in open.iter().enumerate() {
        let how = if listed.flag.resolvable() {
            ""
        } else {
            " (resolve it with a count that supersedes the others)"
        };
        writeln!(
            out,
            "{:>3}. {} ({}): {}{how}",
            n + 1,
            listed.title,
            pick::kind_name(listed.kind).0,
            describe(&listed.flag, Some(&club))
        )?;
    }
    if !open.is_empty() && membership.role == Role::Coordinator {
        writeln!(
            out,
            "\nResolve one: clubsync flags resolve N --note \"what you found\""
        )?;
    }
    if show_resolved {
        writeln!(out, "\nResolved:")?;
        if resolved.is_empty() {
            writeln!(out, "  none")?;
        }
        for (title, r) in resolved {
            writeln!(
                out,
                "  - {title}: {} {} by {}, {}: {}",
                r.kind.replace('_', " "),
                r.how,
                pick::member_name(Some(&club), r.by),
                zone.date_time(r.at),
                r.note
            )?;
        }
    }
    Ok(())
}

/// A flag in words, members by name (once the club document is here).
fn describe(flag: &Flag, club: Option<&Club>) -> String {
    match flag {
        Flag::MoneyHandledByUnder16 { member, records } => format!(
            "{} is not recorded as 16 or over, yet {} record(s) have them carrying or counting money: {}",
            pick::member_name(club, *member),
            records.len(),
            records.join(", ")
        ),
        _ => flag.to_string(),
    }
}

/// The flags block of a record's `show`: its open flags (`flags` less what `doc`'s resolutions
/// cover), and how many were resolved.
pub fn print_for_record<D: Resolvable>(
    context: &Context,
    doc: &D,
    flags: Vec<Flag>,
    club: Option<&Club>,
) -> anyhow::Result<()> {
    let resolutions = doc.resolutions()?;
    let open = clubsync_core::resolution::open(flags, &resolutions);
    let mut out = context.out();
    writeln!(out)?;
    let resolved = if resolutions.is_empty() {
        String::new()
    } else {
        format!(
            " ({} resolved: clubsync flags --resolved)",
            resolutions.len()
        )
    };
    if open.is_empty() {
        writeln!(out, "Flags: none{resolved}")?;
        return Ok(());
    }
    writeln!(
        out,
        "Flags (for a coordinator to resolve: clubsync flags){resolved}:"
    )?;
    for flag in open {
        let blocks = if flag.blocks_return() {
            " (blocks the return)"
        } else {
            ""
        };
        writeln!(out, "  - {}{blocks}", describe(&flag, club))?;
    }
    Ok(())
}

/// `clubsync flags resolve N --note TEXT`.
pub fn resolve(context: &Context, args: ResolveArgs) -> anyhow::Result<()> {
    let (mut home, membership) = context.club()?;
    if membership.role != Role::Coordinator {
        bail!("only coordinators resolve flags; tell a coordinator what you found");
    }
    let club = home.club(&membership)?;
    let (open, _) = open_flags(&home, &membership, &club)?;
    let Some(listed) = args.number.checked_sub(1).and_then(|i| open.get(i)) else {
        bail!(
            "there is no flag {} on this device: `clubsync flags` lists {} open flag(s)",
            args.number,
            open.len()
        );
    };
    let at = now();
    let new = NewResolution {
        id: ResolutionId::new_v7(at),
        flag: &listed.flag,
        how: if args.corrected {
            Resolved::Corrected
        } else {
            Resolved::Explained
        },
        note: &args.note,
        by: membership.member()?,
        device: &membership.device_id,
        at,
    };
    let id = listed.document;
    match listed.kind {
        DocumentKind::StreetCollection => write::<StreetCollection>(&mut home, &id, &new),
        DocumentKind::Event => write::<Event>(&mut home, &id, &new),
        DocumentKind::Petition => write::<Petition>(&mut home, &id, &new),
        DocumentKind::MaterialsStock => write::<MaterialsStock>(&mut home, &id, &new),
        other => bail!("a {} has no flags", pick::kind_name(other).0),
    }
    .with_context(|| format!("could not resolve flag {}", args.number))?;
    writeln!(
        context.out(),
        "Resolved on this device: {} ({}). `clubsync sync` sends it; then it is gone on every device.",
        describe(&listed.flag, Some(&club)),
        listed.title
    )?;
    Ok(())
}

fn write<T: Resolvable>(
    home: &mut DeviceHome,
    id: &DocumentId,
    new: &NewResolution<'_>,
) -> anyhow::Result<()> {
    home.write(id, |doc: &mut T| Ok(doc.resolve_flag(new)?))?;
    Ok(())
}
