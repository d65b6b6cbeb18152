//! What connections and the server ask of a loaded document.

use automerge::sync;
use clubsync_core::club::{Member, Role};
use clubsync_core::document::DocumentKind;
use clubsync_core::ids::MemberId;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::message::Ephemeral;
use clubsync_protocol::{DocumentId, Permission};

use super::peer::{ConnId, PeerInfo};

/// What a connection (or the server) asks of a document.
#[derive(Debug)]
pub enum DocCommand {
    /// A sync message the connection accepted.
    Sync {
        /// The connection.
        conn: ConnId,
        /// Who it is.
        peer: PeerInfo,
        /// May it write?
        permission: Permission,
        /// True for a `request`.
        request: bool,
        /// The message.
        message: sync::Message,
    },
    /// An ephemeral message to relay to the other connections on the document.
    Ephemeral {
        /// The sending connection.
        from: ConnId,
        /// The message.
        message: Ephemeral,
    },
    /// The connection closed.
    Leave {
        /// The connection.
        conn: ConnId,
    },
    /// To a club document: an edit the server itself makes to it, written with the document's
    /// next commit.
    EditClub(ClubEdit),
}

/// What the server writes into a club document. Each edit is idempotent: one the document
/// already holds (the same id) is skipped.
#[derive(Clone, Debug)]
pub enum ClubEdit {
    /// List a new document of the club in its index. Asked for by the new document once its
    /// first changes are committed.
    Index {
        /// The new document.
        id: DocumentId,
        /// Its kind.
        kind: DocumentKind,
        /// Its title (its root `title`, else the kind's name).
        title: String,
    },
    /// Add a member of the club, as the identity database has them. Sent once an invite's
    /// redemption is committed.
    AddMember(Member),
    /// A coordinator changed a member's role or 16-or-over (as the identity database has it
    /// now). Writing what the document holds already writes nothing.
    UpdateMember {
        /// The member.
        id: MemberId,
        /// Their role now.
        role: Role,
        /// Whether they are 16 or over now.
        age16plus: bool,
    },
    /// The member left the club at `at` (their devices are revoked).
    MemberLeft {
        /// The member.
        id: MemberId,
        /// When.
        at: Timestamp,
    },
    /// A coordinator set the club's time zone (a tz database name).
    SetTimeZone(String),
}

impl std::fmt::Display for ClubEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Index { id, .. } => write!(f, "index entry for document {id}"),
            Self::AddMember(member) => write!(f, "member {}", member.id),
            Self::UpdateMember { id, .. } => write!(f, "role and age of member {id}"),
            Self::MemberLeft { id, .. } => write!(f, "departure of member {id}"),
            Self::SetTimeZone(zone) => write!(f, "time zone {zone}"),
        }
    }
}
