//! The messages of automerge-repo protocol "1", as plain Rust values.
//!
//! One message travels in one binary websocket frame as one CBOR map; [`crate::codec`] turns these
//! values into frames and back. Field names follow the JS implementation
//! (`@automerge/automerge-repo`), which is what stock clients really send.

use crate::ids::{DocumentId, PeerId, StorageId};

/// The only protocol version there is.
pub const PROTOCOL_VERSION: &str = "1";

/// What a peer says about itself in `join` and `peer`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    /// The id of the peer's persistent storage, if it has one; sync states are saved under it.
    pub storage_id: Option<StorageId>,
    /// True when the peer will not come back with this storage (a throw-away tab).
    pub is_ephemeral: bool,
}

/// The first message of a connection, from the initiating peer (the client).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Join {
    /// The id the client gives itself.
    pub sender_id: PeerId,
    /// What the client says about itself.
    pub peer_metadata: Option<PeerMetadata>,
    /// The protocol versions the client can speak; must contain "1".
    pub supported_protocol_versions: Vec<String>,
}

/// The server's answer to [`Join`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    /// The server's own peer id.
    pub sender_id: PeerId,
    /// The client's peer id, as it gave it.
    pub target_id: PeerId,
    /// What the server says about itself.
    pub peer_metadata: Option<PeerMetadata>,
    /// Always "1".
    pub selected_protocol_version: String,
}

/// A protocol error; the sender closes the connection after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorMessage {
    /// Who sends the error, when it knows its own id by then.
    pub sender_id: Option<PeerId>,
    /// Whom the error is for, when the sender knows.
    pub target_id: Option<PeerId>,
    /// What went wrong, for a human.
    pub message: String,
}

/// The body shared by `request` and `sync`: one Automerge sync message for one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncData {
    /// The sending peer.
    pub sender_id: PeerId,
    /// The receiving peer.
    pub target_id: PeerId,
    /// The document this sync message is about.
    pub document_id: DocumentId,
    /// An encoded `automerge::sync::Message`.
    pub data: Vec<u8>,
}

/// The sender does not have the document (or will not say that it has).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocUnavailable {
    /// The sending peer.
    pub sender_id: PeerId,
    /// The receiving peer.
    pub target_id: PeerId,
    /// The document that is unavailable.
    pub document_id: DocumentId,
}

/// Application data about a document that is relayed but never stored (presence, cursors).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ephemeral {
    /// The sending peer.
    pub sender_id: PeerId,
    /// The receiving peer.
    pub target_id: PeerId,
    /// Sequence number within the session, increasing.
    pub count: u64,
    /// The sender's ephemeral session, chosen at random when it starts.
    pub session_id: String,
    /// The document the data is about.
    pub document_id: DocumentId,
    /// The data (in practice CBOR chosen by the application).
    pub data: Vec<u8>,
}

/// Heads of one storage, as gossiped in [`RemoteHeadsChanged`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteHeads {
    /// bs58check-encoded change hashes, kept as the sender wrote them.
    pub heads: Vec<String>,
    /// Milliseconds since the Unix epoch on the node that first saw these heads.
    pub timestamp: u64,
}

/// The heads of a document changed on a storage the receiver subscribed to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteHeadsChanged {
    /// The sending peer.
    pub sender_id: PeerId,
    /// The receiving peer.
    pub target_id: PeerId,
    /// The document whose heads changed.
    pub document_id: DocumentId,
    /// The new heads, per storage id, in the order they were sent.
    pub new_heads: Vec<(StorageId, RemoteHeads)>,
}

/// The sender changes which storages' heads it wants to hear about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteSubscriptionChange {
    /// The sending peer.
    pub sender_id: PeerId,
    /// The receiving peer.
    pub target_id: PeerId,
    /// Storage ids to add, if the sender gave the field.
    pub add: Option<Vec<StorageId>>,
    /// Storage ids to remove, if the sender gave the field.
    pub remove: Option<Vec<StorageId>>,
}

/// The sender is about to disconnect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leave {
    /// The sending peer.
    pub sender_id: PeerId,
}

/// Every message of protocol "1".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// `join`: the client's handshake.
    Join(Join),
    /// `peer`: the server's handshake answer.
    Peer(Peer),
    /// `error`: a protocol error; the connection closes after it.
    Error(ErrorMessage),
    /// `request`: a sync message from a peer that does not have the document yet.
    Request(SyncData),
    /// `sync`: a sync message.
    Sync(SyncData),
    /// `doc-unavailable`: the sender does not have the document.
    DocUnavailable(DocUnavailable),
    /// `ephemeral`: relayed, never stored.
    Ephemeral(Ephemeral),
    /// `remote-heads-changed`: heads gossip.
    RemoteHeadsChanged(RemoteHeadsChanged),
    /// `remote-subscription-change`: heads gossip subscription.
    RemoteSubscriptionChange(RemoteSubscriptionChange),
    /// `leave`: the sender is going.
    Leave(Leave),
}

impl Message {
    /// The `type` field of this message on the wire.
    pub fn type_name(&self) -> &'static str {
        match self {
            Message::Join(_) => "join",
            Message::Peer(_) => "peer",
            Message::Error(_) => "error",
            Message::Request(_) => "request",
            Message::Sync(_) => "sync",
            Message::DocUnavailable(_) => "doc-unavailable",
            Message::Ephemeral(_) => "ephemeral",
            Message::RemoteHeadsChanged(_) => "remote-heads-changed",
            Message::RemoteSubscriptionChange(_) => "remote-subscription-change",
            Message::Leave(_) => "leave",
        }
    }

    /// The document this message is about, if it is about one.
    pub fn document_id(&self) -> Option<DocumentId> {
        match self {
            Message::Request(m) | Message::Sync(m) => Some(m.document_id),
            Message::DocUnavailable(m) => Some(m.document_id),
            Message::Ephemeral(m) => Some(m.document_id),
            Message::RemoteHeadsChanged(m) => Some(m.document_id),
            _ => None,
        }
    }

    /// The peer id the sender claims, if the message carries one.
    pub fn sender_id(&self) -> Option<&PeerId> {
        match self {
            Message::Join(m) => Some(&m.sender_id),
            Message::Peer(m) => Some(&m.sender_id),
            Message::Error(m) => m.sender_id.as_ref(),
            Message::Request(m) | Message::Sync(m) => Some(&m.sender_id),
            Message::DocUnavailable(m) => Some(&m.sender_id),
            Message::Ephemeral(m) => Some(&m.sender_id),
            Message::RemoteHeadsChanged(m) => Some(&m.sender_id),
            Message::RemoteSubscriptionChange(m) => Some(&m.sender_id),
            Message::Leave(m) => Some(&m.sender_id),
        }
    }
}
