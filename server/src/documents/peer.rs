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
use tokio::sync::mpsc;

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

/// The sending half of a connection's queue of [`Outbound`] items.
pub type Outbox = mpsc::UnboundedSender<Outbound>;

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
}

impl PeerInfo {
    /// The writer of the changes this peer sends, as core's record rules see it.
    pub fn writer(&self) -> Writer {
        Writer {
            member: self.member,
            device: self.device.to_string(),
            club_document: self.club_document,
        }
    }
}
