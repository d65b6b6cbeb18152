//! The server side of one connection, as a state machine: frames in, actions out.
//!
//! A [`ServerConnection`] does the handshake, checks every frame (size, shape, claimed sender,
//! automerge data), holds back each document's messages until the server has decided the
//! connection's access to it, refuses changes from a read-only peer, and hands accepted sync
//! messages to the document's [`crate::DocumentSync`] through [`ServerAction::Sync`]. It owns no
//! document, no socket and no clock.
//!
//! # Handling actions
//!
//! Handle the actions of one call in order:
//! - [`ServerAction::Send`]: write the frame to the socket.
//! - [`ServerAction::Joined`]: the handshake is done; note the peer's storage id if you save sync
//!   states.
//! - [`ServerAction::CheckAccess`]: decide, then call [`ServerConnection::access_decided`].
//! - [`ServerAction::Sync`]: give the message to the document's `DocumentSync` (load the document
//!   first if needed); send what it generates back through [`ServerConnection::sync_frame`].
//! - [`ServerAction::Ephemeral`]: offer it to every other connection on that document through
//!   [`ServerConnection::ephemeral_frame`], which sends only where reading is allowed.
//! - [`ServerAction::Report`]: log it; the connection goes on.
//! - [`ServerAction::Close`]: close the socket (an `error` frame was sent before it when due).

use std::collections::HashMap;

use automerge::sync;

use crate::codec;
use crate::doc_sync::Permission;
use crate::error::ProtocolError;
use crate::ids::{DocumentId, PeerId};
use crate::limits::Limits;
use crate::message::*;
use crate::sync_check;

/// How many messages for one document may wait for its access decision.
const MAX_PENDING_PER_DOCUMENT: usize = 64;

/// The server's decision about one connection and one document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No access, or no such document: the peer is told the document is unavailable, so it
    /// cannot learn whether it exists.
    Denied,
    /// The peer may read; its changes are refused.
    ReadOnly,
    /// The peer may read and write.
    ReadWrite,
}

/// What the server must do after a call; see the module documentation for the order.
#[derive(Debug)]
pub enum ServerAction {
    /// Send this frame.
    Send(Vec<u8>),
    /// The handshake completed.
    Joined {
        /// The peer id the client gave (a claim, not an identity).
        peer_id: PeerId,
        /// The client's metadata, with its storage id.
        metadata: Option<PeerMetadata>,
    },
    /// Decide this connection's access to the document and call
    /// [`ServerConnection::access_decided`].
    CheckAccess(DocumentId),
    /// An accepted sync message for the document's `DocumentSync`.
    Sync {
        /// The document.
        document_id: DocumentId,
        /// True for a `request` (the peer does not have the document).
        request: bool,
        /// The connection's permission on the document, for `DocumentSync::add_peer`.
        permission: Permission,
        /// The decoded automerge sync message.
        message: sync::Message,
    },
    /// An ephemeral message to relay to the document's other readers.
    Ephemeral(Ephemeral),
    /// Something wrong that does not end the connection.
    Report(ProtocolError),
    /// Close the connection for this reason.
    Close(ProtocolError),
}

enum Phase {
    AwaitingJoin,
    Joined { remote: PeerId },
    Closed,
}

enum Pending {
    Sync {
        request: bool,
        message: sync::Message,
    },
    Ephemeral(Ephemeral),
}

enum Gate {
    Pending(Vec<Pending>),
    Allowed(Permission),
    Denied,
}

/// The server side of one connection.
pub struct ServerConnection {
    local: PeerId,
    local_metadata: PeerMetadata,
    limits: Limits,
    phase: Phase,
    gates: HashMap<DocumentId, Gate>,
}

impl ServerConnection {
    /// A connection that waits for the client's `join`.
    pub fn new(local: PeerId, local_metadata: PeerMetadata, limits: Limits) -> Self {
        Self {
            local,
            local_metadata,
            limits,
            phase: Phase::AwaitingJoin,
            gates: HashMap::new(),
        }
    }

    /// The peer id the client joined with, once it has.
    pub fn remote(&self) -> Option<&PeerId> {
        match &self.phase {
            Phase::Joined { remote } => Some(remote),
            _ => None,
        }
    }

    /// True once the connection has failed or been refused.
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed)
    }

    /// The connection's permission on a document, once decided and allowed.
    pub fn permission(&self, document_id: &DocumentId) -> Option<Permission> {
        match self.gates.get(document_id) {
            Some(Gate::Allowed(p)) => Some(*p),
            _ => None,
        }
    }

    /// The documents this connection syncs (access decided and allowed).
    pub fn documents(&self) -> impl Iterator<Item = (&DocumentId, Permission)> {
        self.gates.iter().filter_map(|(id, gate)| match gate {
            Gate::Allowed(p) => Some((id, *p)),
            _ => None,
        })
    }

    /// A binary frame arrived.
    pub fn receive_frame(&mut self, frame: &[u8]) -> Vec<ServerAction> {
        if self.is_closed() {
            return Vec::new();
        }
        let message = match codec::decode(frame, self.limits.max_frame_bytes) {
            Ok(m) => m,
            Err(e) if e.is_unknown_type() => return vec![ServerAction::Report(e.into())],
            Err(e) => return self.fail(e.into()),
        };
        match &self.phase {
            Phase::Closed => Vec::new(),
            Phase::AwaitingJoin => self.receive_join(message),
            Phase::Joined { remote } => {
                let remote = remote.clone();
                self.receive_joined(message, remote)
            }
        }
    }

    /// A text frame arrived: not part of the protocol.
    pub fn receive_text_frame(&mut self) -> Vec<ServerAction> {
        if self.is_closed() {
            return Vec::new();
        }
        self.fail(ProtocolError::TextFrame)
    }

    /// The server decided this connection's access to a document it asked about.
    pub fn access_decided(&mut self, document_id: DocumentId, access: Access) -> Vec<ServerAction> {
        if self.is_closed() {
            return Vec::new();
        }
        let gate = match access {
            Access::Denied => Gate::Denied,
            Access::ReadOnly => Gate::Allowed(Permission::ReadOnly),
            Access::ReadWrite => Gate::Allowed(Permission::ReadWrite),
        };
        let Some(Gate::Pending(queued)) = self.gates.insert(document_id, gate) else {
            return Vec::new();
        };
        let mut actions = Vec::new();
        let mut told_unavailable = false;
        for pending in queued {
            let more = match (access, pending) {
                (Access::Denied, Pending::Sync { .. }) if !told_unavailable => {
                    told_unavailable = true;
                    self.unavailable_frame(document_id)
                        .map(ServerAction::Send)
                        .into_iter()
                        .collect()
                }
                (Access::Denied, _) => Vec::new(),
                (_, Pending::Sync { request, message }) => {
                    self.deliver(document_id, request, message)
                }
                (_, Pending::Ephemeral(e)) => vec![ServerAction::Ephemeral(e)],
            };
            actions.extend(more);
            if self.is_closed() {
                break;
            }
        }
        actions
    }

    /// The frame carrying a sync message the document's `DocumentSync` generated for this peer.
    pub fn sync_frame(&self, document_id: DocumentId, message: sync::Message) -> Option<Vec<u8>> {
        let remote = self.remote()?;
        Some(codec::encode(&Message::Sync(SyncData {
            sender_id: self.local.clone(),
            target_id: remote.clone(),
            document_id,
            data: message.encode(),
        })))
    }

    /// The frame telling the peer a document is unavailable.
    pub fn unavailable_frame(&self, document_id: DocumentId) -> Option<Vec<u8>> {
        let remote = self.remote()?;
        Some(codec::encode(&Message::DocUnavailable(DocUnavailable {
            sender_id: self.local.clone(),
            target_id: remote.clone(),
            document_id,
        })))
    }

    /// The frame relaying an ephemeral message to this peer, if it may read the document.
    pub fn ephemeral_frame(&self, message: &Ephemeral) -> Option<Vec<u8>> {
        let remote = self.remote()?;
        self.permission(&message.document_id)?;
        Some(codec::encode(&Message::Ephemeral(Ephemeral {
            sender_id: self.local.clone(),
            target_id: remote.clone(),
            ..message.clone()
        })))
    }

    /// Ends the connection for a reason of the server's own (a revoked device, shutdown): an
    /// `error` frame that says why, then close.
    pub fn refuse(&mut self, reason: impl Into<String>) -> Vec<ServerAction> {
        if self.is_closed() {
            return Vec::new();
        }
        self.fail(ProtocolError::Refused(reason.into()))
    }

    fn receive_join(&mut self, message: Message) -> Vec<ServerAction> {
        let Message::Join(join) = message else {
            return self.fail(ProtocolError::HandshakeExpected {
                expected: "join",
                got: message.type_name(),
            });
        };
        // automerge-repo treats a join without versions as version "1".
        let versions = &join.supported_protocol_versions;
        if !versions.is_empty() && !versions.iter().any(|v| v == PROTOCOL_VERSION) {
            return self.fail(ProtocolError::UnsupportedVersion(versions.clone()));
        }
        let peer = Message::Peer(Peer {
            sender_id: self.local.clone(),
            target_id: join.sender_id.clone(),
            peer_metadata: Some(self.local_metadata.clone()),
            selected_protocol_version: PROTOCOL_VERSION.to_owned(),
        });
        self.phase = Phase::Joined {
            remote: join.sender_id.clone(),
        };
        vec![
            ServerAction::Send(codec::encode(&peer)),
            ServerAction::Joined {
                peer_id: join.sender_id,
                metadata: join.peer_metadata,
            },
        ]
    }

    fn receive_joined(&mut self, message: Message, remote: PeerId) -> Vec<ServerAction> {
        match &message {
            Message::Join(_) | Message::Peer(_) => {
                return self.fail(ProtocolError::RepeatedHandshake(message.type_name()));
            }
            Message::Error(e) => {
                self.phase = Phase::Closed;
                return vec![ServerAction::Close(ProtocolError::Remote(
                    e.message.clone(),
                ))];
            }
            _ => {}
        }
        if let Some(claimed) = message.sender_id()
            && *claimed != remote
        {
            return self.fail(ProtocolError::ForgedSender {
                claimed: claimed.clone(),
                joined: remote,
            });
        }
        if let Some(target) = target_of(&message)
            && *target != self.local
        {
            return vec![ServerAction::Report(ProtocolError::WrongTarget(
                target.clone(),
            ))];
        }
        match message {
            Message::Request(m) | Message::Sync(m) if m.data.is_empty() => {
                self.fail(ProtocolError::BadSyncMessage {
                    document: m.document_id,
                    detail: "empty data".into(),
                })
            }
            Message::Request(m) => self.receive_sync(m, true),
            Message::Sync(m) => self.receive_sync(m, false),
            Message::Ephemeral(e) => self.receive_ephemeral(e),
            // The client has no copy; nothing to do. Heads gossip is not offered by this server.
            Message::DocUnavailable(_)
            | Message::RemoteHeadsChanged(_)
            | Message::RemoteSubscriptionChange(_) => Vec::new(),
            Message::Leave(_) => {
                self.phase = Phase::Closed;
                vec![ServerAction::Close(ProtocolError::Remote(
                    "the client left".into(),
                ))]
            }
            Message::Join(_) | Message::Peer(_) | Message::Error(_) => Vec::new(),
        }
    }

    fn receive_sync(&mut self, m: SyncData, request: bool) -> Vec<ServerAction> {
        let document_id = m.document_id;
        let message = match sync_check::decode(&m.data) {
            Ok(message) => message,
            Err(detail) => {
                return self.fail(ProtocolError::BadSyncMessage {
                    document: document_id,
                    detail,
                });
            }
        };
        match self.gates.get_mut(&document_id) {
            Some(Gate::Allowed(_)) => self.deliver(document_id, request, message),
            Some(Gate::Denied) => self
                .unavailable_frame(document_id)
                .map(ServerAction::Send)
                .into_iter()
                .collect(),
            Some(Gate::Pending(queue)) => {
                if queue.len() >= MAX_PENDING_PER_DOCUMENT {
                    return self.fail(ProtocolError::Refused(format!(
                        "more than {MAX_PENDING_PER_DOCUMENT} messages for document {document_id} \
                         before its access check finished"
                    )));
                }
                queue.push(Pending::Sync { request, message });
                Vec::new()
            }
            None => self.open_gate(document_id, Pending::Sync { request, message }),
        }
    }

    fn receive_ephemeral(&mut self, e: Ephemeral) -> Vec<ServerAction> {
        let document_id = e.document_id;
        match self.gates.get_mut(&document_id) {
            Some(Gate::Allowed(_)) => vec![ServerAction::Ephemeral(e)],
            Some(Gate::Denied) => Vec::new(),
            Some(Gate::Pending(queue)) => {
                if queue.len() < MAX_PENDING_PER_DOCUMENT {
                    queue.push(Pending::Ephemeral(e));
                }
                Vec::new()
            }
            None => self.open_gate(document_id, Pending::Ephemeral(e)),
        }
    }

    fn open_gate(&mut self, document_id: DocumentId, first: Pending) -> Vec<ServerAction> {
        if self.gates.len() >= self.limits.max_documents {
            return self.fail(ProtocolError::TooManyDocuments {
                limit: self.limits.max_documents,
            });
        }
        self.gates.insert(document_id, Gate::Pending(vec![first]));
        vec![ServerAction::CheckAccess(document_id)]
    }

    fn deliver(
        &mut self,
        document_id: DocumentId,
        request: bool,
        message: sync::Message,
    ) -> Vec<ServerAction> {
        let Some(permission) = self.permission(&document_id) else {
            return Vec::new();
        };
        if permission == Permission::ReadOnly && !message.changes.is_empty() {
            return self.fail(ProtocolError::ReadOnlyChange(document_id));
        }
        vec![ServerAction::Sync {
            document_id,
            request,
            permission,
            message,
        }]
    }

    fn fail(&mut self, error: ProtocolError) -> Vec<ServerAction> {
        let frame = codec::encode(&Message::Error(ErrorMessage {
            sender_id: Some(self.local.clone()),
            target_id: self.remote().cloned(),
            message: error.to_string(),
        }));
        self.phase = Phase::Closed;
        vec![ServerAction::Send(frame), ServerAction::Close(error)]
    }
}

/// The peer a message is addressed to, for the message types that name one.
pub(crate) fn target_of(message: &Message) -> Option<&PeerId> {
    match message {
        Message::Request(m) | Message::Sync(m) => Some(&m.target_id),
        Message::DocUnavailable(m) => Some(&m.target_id),
        Message::Ephemeral(m) => Some(&m.target_id),
        Message::RemoteHeadsChanged(m) => Some(&m.target_id),
        Message::RemoteSubscriptionChange(m) => Some(&m.target_id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync_check::message_with_bloom;

    #[test]
    fn a_sync_message_automerge_would_fail_on_later_closes_the_connection() {
        // 1. A client joins.
        let client = PeerId::random();
        let local = PeerId::random();
        let mut server =
            ServerConnection::new(local.clone(), PeerMetadata::default(), Limits::default());
        let join = codec::encode(&Message::Join(Join {
            sender_id: client.clone(),
            peer_metadata: None,
            supported_protocol_versions: vec![PROTOCOL_VERSION.into()],
        }));
        assert_eq!(server.receive_frame(&join).len(), 2);

        // 2. It sends a bloom filter with one entry and no bits, which would make the server's
        //    next generate_sync_message divide by zero: refused before it reaches a document.
        let document_id = DocumentId::random();
        let frame = codec::encode(&Message::Sync(SyncData {
            sender_id: client,
            target_id: local,
            document_id,
            data: message_with_bloom(&[1, 0, 7]).encode(),
        }));
        let actions = server.receive_frame(&frame);
        assert!(matches!(
            actions.as_slice(),
            [
                ServerAction::Send(_),
                ServerAction::Close(ProtocolError::BadSyncMessage { .. })
            ]
        ));
        assert!(server.is_closed());
    }
}
