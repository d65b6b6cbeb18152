//! The errors of a protocol session: what a peer did wrong, in words a log reader understands.

use crate::codec::DecodeError;
use crate::ids::{DocumentId, PeerId};

/// Something a peer sent that breaks protocol "1" or this endpoint's rules.
///
/// Fatal errors ([`ProtocolError::is_fatal`]) are sent to the peer as an `error` message and the
/// connection is closed; the others are reported and the offending message is skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The frame could not be decoded.
    #[error("{0}")]
    Decode(#[from] DecodeError),
    /// A text frame arrived; protocol "1" uses binary frames only.
    #[error("text frames are not part of automerge-repo protocol 1; send binary CBOR frames")]
    TextFrame,
    /// The first message was not `join` (server) or `peer` (client).
    #[error("expected a {expected} message to start the connection, got {got}")]
    HandshakeExpected {
        /// What the handshake needs.
        expected: &'static str,
        /// What arrived.
        got: &'static str,
    },
    /// The peer does not speak protocol "1".
    #[error("unsupported protocol versions {0:?}: this server speaks \"1\"")]
    UnsupportedVersion(Vec<String>),
    /// A handshake message arrived after the handshake.
    #[error("unexpected {0} message: the handshake is already done")]
    RepeatedHandshake(&'static str),
    /// A message claims a sender other than the peer that joined this connection.
    #[error("message claims sender {claimed}, but this connection joined as {joined}")]
    ForgedSender {
        /// The claimed sender.
        claimed: PeerId,
        /// The peer id this connection joined with.
        joined: PeerId,
    },
    /// A message is addressed to another peer; this endpoint relays nothing by peer id.
    #[error("message is addressed to {0}, not to this peer")]
    WrongTarget(PeerId),
    /// The connection asked for more documents than allowed.
    #[error("too many documents on one connection (the limit is {limit})")]
    TooManyDocuments {
        /// The limit.
        limit: usize,
    },
    /// The `data` of a sync or request message is not an Automerge sync message.
    #[error("document {document}: data is not a valid automerge sync message: {detail}")]
    BadSyncMessage {
        /// The document.
        document: DocumentId,
        /// What automerge said.
        detail: String,
    },
    /// The changes inside a sync message could not be applied.
    #[error("document {document}: malformed automerge changes: {detail}")]
    MalformedChanges {
        /// The document.
        document: DocumentId,
        /// What automerge said.
        detail: String,
    },
    /// A peer with read-only access sent changes.
    #[error("document {0}: this device may only read it; its changes were refused")]
    ReadOnlyChange(DocumentId),
    /// The remote peer sent an `error` message.
    #[error("the other side reported an error: {0}")]
    Remote(String),
    /// The connection was refused by this side's own decision (revocation, shutdown).
    #[error("{0}")]
    Refused(String),
}

impl ProtocolError {
    /// True when the connection must close after this error.
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            ProtocolError::Decode(DecodeError::UnknownType(_)) | ProtocolError::WrongTarget(_)
        )
    }
}
