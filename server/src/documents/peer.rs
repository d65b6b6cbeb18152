//! Who is on the other end of a connection, as a document sees them, and what a document sends
//! back to a connection.
//!
//! These types sit below both the connections and the documents, so that a connection depends on
//! the documents it talks to and never the other way round.

use automerge::sync;
use clubsync_core::ids::MemberId;
use clubsync_core::rules::Writer;
use clubsync_protocol::DocumentId;
use clubsync_protocol::message::Ephemeral;

use crate::identity::{ClubId, DeviceId};

/// A connection's number, unique for the server's lifetime.
pub type ConnId = u64;

/// What documents and the server send to a connection.
///
/// The large payloads are boxed: every connection's queue allocates room for 32 items when it
/// is made, so the item's size is paid on every idle connection (boxing them saved 3 KiB of
/// the 14.6 KiB an idle connection cost, BENCHMARKS.md S1).
#[derive(Debug)]
pub enum Outbound {
    /// A sync message for the peer.
    Sync(DocumentId, Box<sync::Message>),
    /// The document is unavailable to the peer.
    Unavailable(DocumentId),
    /// An ephemeral message from another connection on a document.
    Ephemeral(Box<Ephemeral>),
    /// End the connection with an `error` that says why.
    Refuse(String),
}

impl Outbound {
    /// About how many bytes the item holds: what a connection's queue counts against its
    /// limit (see `outbox`).
    pub fn approx_bytes(&self) -> usize {
        const ITEM: usize = 64;
        ITEM + match self {
            Outbound::Sync(_, message) => {
                message.changes.iter().map(|c| c.len()).sum::<usize>()
                    + 32 * (message.heads.len() + message.need.len())
                    + message
                        .have
                        .iter()
                        .map(|h| 32 * h.last_sync.len() + 256)
                        .sum::<usize>()
            }
            Outbound::Unavailable(_) => 0,
            Outbound::Ephemeral(e) => e.data.len() + e.session_id.len(),
            Outbound::Refuse(reason) => reason.len(),
        }
    }
}

/// Who is on the other end of a connection, as a document needs to know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerInfo {
    /// The club of the connection's device.
    pub club: ClubId,
    /// The device.
    pub device: DeviceId,
    /// The member the device belongs to: the writer core's record rules check against.
    pub member: MemberId,
    /// The club document of the device's club, which a new document must name (`None` when
    /// the identity database could not say; the registry still ties the document to the club).
    pub club_document: Option<DocumentId>,
    /// Whether the member is a coordinator (a role change cuts the member's connections, so
    /// this is the role now).
    pub coordinator: bool,
}

impl PeerInfo {
    /// The writer of the changes this peer sends, as core's record rules see it.
    pub fn writer(&self) -> Writer {
        Writer {
            member: self.member,
            device: self.device.to_string(),
            club_document: self.club_document,
            coordinator: self.coordinator,
        }
    }
}
