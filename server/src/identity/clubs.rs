//! Clubs and their members.

use clubsync_core::club::Role;
use clubsync_core::document::DocumentKind;
use clubsync_core::ids::MemberId;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;
use rusqlite::{Connection, OptionalExtension, params};

use super::error::IdentityError;
use super::ids::ClubId;
use super::{IdentityStore, columns, names};

/// A club on this server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClubInfo {
    /// Its id.
    pub id: ClubId,
    /// Its name, unique on this server (ignoring ASCII case).
    pub name: String,
    /// Its club document (profile, members, index of the other documents).
    pub club_document: DocumentId,
    /// When it was created.
    pub created_at: Timestamp,
}

/// A member of a club, as the server knows them (the club document holds the rest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberInfo {
    /// The member's id, the same as in the club document.
    pub id: MemberId,
    /// The club.
    pub club: ClubId,
    /// The name given on the invite.
    pub display_name: String,
    /// The member's role, which decides what their devices may read and write.
    pub role: Role,
    /// Whether the member is 16 or over, as their invite said. Under-16s never handle money.
    pub age16plus: bool,
    /// When the member's first invite was redeemed.
    pub created_at: Timestamp,
    /// When the member left the club (their devices revoked); `None` while a member.
    pub left_at: Option<Timestamp>,
}

const CLUB_COLUMNS: &str = "id, name, club_document, created_at";

type ClubRow = (ClubId, String, String, i64);

fn club_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ClubRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn club_info((id, name, document, created_at): ClubRow) -> Result<ClubInfo, IdentityError> {
    Ok(ClubInfo {
        id,
        name,
        club_document: columns::document(document)?,
        created_at: Timestamp::from_millis(created_at),
    })
}

/// The club with this id, inside a transaction or not.
pub(super) fn club_by_id(conn: &Connection, id: ClubId) -> Result<Option<ClubInfo>, IdentityError> {
    conn.query_row(
        &format!("SELECT {CLUB_COLUMNS} FROM clubs WHERE id = ?1"),
        [id],
        club_row,
    )
    .optional()?
    .map(club_info)
    .transpose()
}

/// The member with this id.
pub(super) fn member_by_id(
    conn: &Connection,
    id: MemberId,
) -> Result<Option<MemberInfo>, IdentityError> {
    conn.query_row(
        &format!("SELECT {MEMBER_COLUMNS} FROM members WHERE id = ?1"),
        [id.key()],
        member_row,
    )
    .optional()?
    .map(member_info)
    .transpose()
}

const MEMBER_COLUMNS: &str = "id, club, display_name, role, age16plus, created_at, left_at";

type MemberRow = (String, ClubId, String, String, bool, i64, Option<i64>);

fn member_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<MemberRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

fn member_info(
    (id, club, display_name, role, age16plus, created_at, left_at): MemberRow,
) -> Result<MemberInfo, IdentityError> {
    Ok(MemberInfo {
        id: columns::member(id)?,
        club,
        display_name,
        role: columns::role(role)?,
        age16plus,
        created_at: Timestamp::from_millis(created_at),
        left_at: columns::time(left_at),
    })
}

impl IdentityStore {
    /// Creates a club named `name` whose club document is `club_document`, and registers that
    /// document as the club's document of kind `club`. Returns the new club's id.
    ///
    /// Refuses an empty or taken name, and a document id already registered. The caller stores
    /// the document itself (see [`super::new_club_document`]).
    pub fn create_club(
        &self,
        name: &str,
        club_document: DocumentId,
        now_ms: i64,
    ) -> Result<ClubId, IdentityError> {
        let name = names::clean("club name", name)?;
        self.write(|tx| {
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM clubs WHERE name = ?1)",
                [&name],
                |r| r.get(0),
            )?;
            if taken {
                return Err(IdentityError::ClubNameTaken(name.clone()));
            }
            let document = club_document.to_string();
            let registered: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM documents WHERE id = ?1)",
                [&document],
                |r| r.get(0),
            )?;
            if registered {
                return Err(IdentityError::DocumentAlreadyRegistered(club_document));
            }
            let id = ClubId::random();
            tx.execute(
                "INSERT INTO clubs (id, name, club_document, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, name, document, now_ms],
            )?;
            tx.execute(
                "INSERT INTO documents (id, club, kind, created_at, created_by_device)
                 VALUES (?1, ?2, ?3, ?4, NULL)",
                params![document, id, DocumentKind::Club.as_str(), now_ms],
            )?;
            Ok(id)
        })
    }

    /// The club with this id, if there is one.
    pub fn club(&self, id: ClubId) -> Result<Option<ClubInfo>, IdentityError> {
        self.read(|conn| club_by_id(conn, id))
    }

    /// The id of a club's club document, the first document its devices sync.
    pub fn club_document(&self, club: ClubId) -> Result<DocumentId, IdentityError> {
        Ok(self
            .club(club)?
            .ok_or(IdentityError::UnknownClub(club))?
            .club_document)
    }

    /// Every club on this server, by name.
    pub fn list_clubs(&self) -> Result<Vec<ClubInfo>, IdentityError> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare(&format!("SELECT {CLUB_COLUMNS} FROM clubs ORDER BY name"))?;
            let rows = stmt
                .query_map([], club_row)?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter().map(club_info).collect()
        })
    }

    /// The club with this name (surrounding spaces and ASCII case ignored), if there is one.
    pub fn find_club_by_name(&self, name: &str) -> Result<Option<ClubInfo>, IdentityError> {
        self.read(|conn| {
            conn.query_row(
                &format!("SELECT {CLUB_COLUMNS} FROM clubs WHERE name = ?1"),
                [name.trim()],
                club_row,
            )
            .optional()?
            .map(club_info)
            .transpose()
        })
    }

    /// The member with this id, if there is one.
    pub fn member(&self, id: MemberId) -> Result<Option<MemberInfo>, IdentityError> {
        self.read(|conn| member_by_id(conn, id))
    }

    /// Changes a member's role; every device of the member has the new role from its next
    /// authentication. (Connections already open keep the access they were given: the caller
    /// closes them if the role lost rights.) The club document's copy of the role is the
    /// caller's to update.
    pub fn set_member_role(&self, member: MemberId, role: Role) -> Result<(), IdentityError> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE members SET role = ?1 WHERE id = ?2",
                params![role.as_str(), member.key()],
            )?;
            if changed == 0 {
                return Err(IdentityError::UnknownMember(member));
            }
            Ok(())
        })
    }

    /// The members of a club, by name.
    pub fn list_members(&self, club: ClubId) -> Result<Vec<MemberInfo>, IdentityError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {MEMBER_COLUMNS} FROM members WHERE club = ?1 ORDER BY display_name, id"
            ))?;
            let rows = stmt
                .query_map([club], member_row)?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter().map(member_info).collect()
        })
    }
}
