//! Naming things on the command line: documents (by id, a unique start of the id, or a unique
//! part of the title), members (by id, start of the id, or part of the name), and who is acting.
//!
//! One resolver for every command, so `collection show`, `petition sign` and `report` read
//! their `ID` argument the same way.

use anyhow::bail;
use clap::Args;
use clubsync_client::{DeviceHome, Membership};
use clubsync_core::club::{Club, Role};
use clubsync_core::document::DocumentKind;
use clubsync_core::ids::MemberId;
use clubsync_protocol::DocumentId;

/// Who is recording: `--member`, or the member this device belongs to.
#[derive(Args, Debug, Clone, Default)]
pub struct Acting {
    /// Who is recording (a member id, the start of one, or part of the name): defaults to the
    /// member this device belongs to.
    #[arg(long, value_name = "MEMBER")]
    pub member: Option<String>,
}

/// Refuses a write from an observer's device, before anything is written.
pub fn require_writer(membership: &Membership) -> anyhow::Result<()> {
    if membership.role == Role::Observer {
        bail!("observers can read but not record; ask a coordinator to change your role");
    }
    Ok(())
}

/// What a document is called in messages and which command lists it.
pub fn kind_name(kind: DocumentKind) -> (&'static str, &'static str) {
    match kind {
        DocumentKind::Club => ("club document", "clubsync clubs"),
        DocumentKind::StreetCollection => ("street collection", "clubsync collection list"),
        DocumentKind::Petition => ("petition", "clubsync petition list"),
        DocumentKind::Event => ("event", "clubsync event list"),
        DocumentKind::SponsoredActivity => ("sponsored activity", "clubsync sponsorship list"),
        DocumentKind::MaterialsStock => ("materials stock", "clubsync status"),
        _ => ("document", "clubsync status"),
    }
}

/// A document of the club on this device.
#[derive(Clone, Debug)]
pub struct Listed {
    /// Its id.
    pub id: DocumentId,
    /// Its kind.
    pub kind: DocumentKind,
    /// Its title.
    pub title: String,
}

/// The club's activity documents on this device (the club document left out), in id order.
pub fn documents(home: &DeviceHome, membership: &Membership) -> anyhow::Result<Vec<Listed>> {
    let mut out = Vec::new();
    for described in home.describe(&membership.club_id)? {
        let Some(kind) = described.kind else {
            continue;
        };
        if kind == DocumentKind::Club {
            continue;
        }
        let title = described.title.map_or_else(
            || kind.as_str().replace('_', " "),
            |t| super::terminal_text::safe(&t).into_owned(),
        );
        out.push(Listed {
            id: described.id,
            kind,
            title,
        });
    }
    Ok(out)
}

/// The documents of `kind` on this device.
pub fn documents_of_kind(
    home: &DeviceHome,
    membership: &Membership,
    kind: DocumentKind,
) -> anyhow::Result<Vec<Listed>> {
    Ok(documents(home, membership)?
        .into_iter()
        .filter(|d| d.kind == kind)
        .collect())
}

/// The document of `kind` that `query` names: its id, a unique start of its id, or a unique
/// case-insensitive part of its title (a title equal to `query` wins over titles containing it).
pub fn document(
    home: &DeviceHome,
    membership: &Membership,
    kind: DocumentKind,
    query: &str,
) -> anyhow::Result<DocumentId> {
    resolve(&documents(home, membership)?, kind, query).map(|d| d.id)
}

/// The document of any kind that `query` names (as for [`document`]).
pub fn any_document(
    home: &DeviceHome,
    membership: &Membership,
    query: &str,
) -> anyhow::Result<DocumentId> {
    resolve_in(&documents(home, membership)?, None, query).map(|d| d.id)
}

/// [`document`] over a list already read.
pub fn resolve<'a>(
    all: &'a [Listed],
    kind: DocumentKind,
    query: &str,
) -> anyhow::Result<&'a Listed> {
    resolve_in(all, Some(kind), query)
}

/// [`resolve`], of one kind or (`None`) of any.
fn resolve_in<'a>(
    all: &'a [Listed],
    kind: Option<DocumentKind>,
    query: &str,
) -> anyhow::Result<&'a Listed> {
    let (what, lister) = kind.map_or(("document", "clubsync status"), kind_name);
    let of_kind = |d: &&Listed| kind.is_none_or(|k| d.kind == k);
    let wanted = query.trim();
    if wanted.is_empty() {
        bail!(
            "no {what} named: give its id, the start of its id, or part of its title (`{lister}`)"
        );
    }
    let lower = wanted.to_lowercase();
    let by_id = |d: &&Listed| d.id.to_string().starts_with(wanted);
    let by_title = |d: &&Listed| d.title.to_lowercase().contains(&lower);
    // An exact id or an exact title settles it.
    let exact: Vec<&Listed> = all
        .iter()
        .filter(of_kind)
        .filter(|d| d.id.to_string() == wanted || d.title.to_lowercase() == lower)
        .collect();
    if let [one] = exact.as_slice() {
        return Ok(one);
    }
    let matching: Vec<&Listed> = all
        .iter()
        .filter(of_kind)
        .filter(|d| by_id(d) || by_title(d))
        .collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => {
            let elsewhere: Vec<&Listed> = all.iter().filter(|d| by_id(d) || by_title(d)).collect();
            if let [other, ..] = elsewhere.as_slice() {
                let (other_what, _) = kind_name(other.kind);
                bail!(
                    "{query:?} names {} {other_what} {} {:?}, not a {what}: `{lister}` lists the \
                     {what}s on this device",
                    article(other_what),
                    other.id,
                    other.title
                );
            }
            bail!(
                "no {what} on this device matches {query:?}: `{lister}` lists them (run \
                 `clubsync sync` to fetch the club's newest)"
            )
        }
        several => bail!(
            "{query:?} matches {} {what}s: {}; give more of the id or title",
            several.len(),
            several
                .iter()
                .map(|d| format!("{} {:?}", d.id, d.title))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The member `query` names: a member id, or (with the club document) a unique start of an id
/// or a unique case-insensitive part of a display name (an equal name wins).
pub fn member(club: Option<&Club>, query: &str) -> anyhow::Result<MemberId> {
    let wanted = query.trim();
    if let Ok(id) = wanted.parse::<MemberId>() {
        if let Some(club) = club
            && club.member(id)?.is_none()
        {
            bail!(
                "{id} is not a member of the club (as this device knows it: `clubsync sync` fetches new members)"
            );
        }
        return Ok(id);
    }
    let Some(club) = club else {
        bail!(
            "{query:?} is not a member id, and the club's member list has not arrived on this \
             device yet: give the member's id, or run `clubsync sync` first"
        );
    };
    if wanted.is_empty() {
        bail!("no member named: give a member id or part of a name");
    }
    let lower = wanted.to_lowercase();
    let members = club.members()?;
    let exact: Vec<_> = members
        .iter()
        .filter(|m| m.display_name.to_lowercase() == lower)
        .collect();
    if let [one] = exact.as_slice() {
        return Ok(one.id);
    }
    let matching: Vec<_> = members
        .iter()
        .filter(|m| {
            m.id.key().starts_with(&lower) || m.display_name.to_lowercase().contains(&lower)
        })
        .collect();
    match matching.as_slice() {
        [one] => Ok(one.id),
        [] => bail!("no member of the club matches {query:?}: give a member id or part of a name"),
        several => bail!(
            "{query:?} matches {} members: {}; give more of the name or the id",
            several.len(),
            several
                .iter()
                .map(|m| format!("{} ({})", m.display_name, m.id))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The member acting: `--member`, or the member this device belongs to.
pub fn acting(
    acting: &Acting,
    membership: &Membership,
    club: Option<&Club>,
) -> anyhow::Result<MemberId> {
    match &acting.member {
        Some(query) => member(club, query),
        None => Ok(membership.member()?),
    }
}

/// The club document if it is on this device (member names, the club's currency), else `None`.
pub fn club_if_synced(home: &DeviceHome, membership: &Membership) -> Option<Club> {
    home.club(membership).ok()
}

/// A member's display name, or their id when the club document does not know them.
pub fn member_name(club: Option<&Club>, id: MemberId) -> String {
    club.and_then(|c| c.member(id).ok().flatten()).map_or_else(
        || id.to_string(),
        |m| super::terminal_text::safe(&m.display_name).into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(kind: DocumentKind, title: &str) -> Listed {
        Listed {
            id: DocumentId::random(),
            kind,
            title: title.into(),
        }
    }

    #[test]
    fn documents_are_named_by_id_prefix_or_title() {
        let all = vec![
            listed(DocumentKind::StreetCollection, "High Street, Sat"),
            listed(DocumentKind::StreetCollection, "High Street"),
            listed(DocumentKind::StreetCollection, "Briggate"),
            listed(DocumentKind::Petition, "Free Them All"),
        ];
        let kind = DocumentKind::StreetCollection;
        assert_eq!(resolve(&all, kind, "brig").expect("title").id, all[2].id);
        assert_eq!(
            resolve(&all, kind, "high street").expect("exact").id,
            all[1].id
        );
        let id = all[0].id.to_string();
        assert_eq!(resolve(&all, kind, &id).expect("id").id, all[0].id);
        assert_eq!(
            resolve(&all, kind, &id[..12]).expect("prefix").id,
            all[0].id
        );
        let several = resolve(&all, kind, "high").expect_err("two").to_string();
        assert!(
            several.contains("matches 2 street collections"),
            "{several}"
        );
        let none = resolve(&all, kind, "nowhere")
            .expect_err("none")
            .to_string();
        assert!(
            none.contains("no street collection on this device matches"),
            "{none}"
        );
        let other = resolve(&all, kind, "free them")
            .expect_err("petition")
            .to_string();
        assert!(
            other.contains("a petition") && other.contains("not a street collection"),
            "{other}"
        );
    }
}
