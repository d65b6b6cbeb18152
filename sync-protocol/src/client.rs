//! The client side of one connection, as a state machine: frames in, actions out.
//!
//! A [`ClientSession`] sends `join`, waits for `peer`, and then syncs each document the device
//! opens with the server, one [`DocumentSync`] per document with the server as its only peer. The
//! device owns its documents and passes them in; the session owns no socket, store or clock.
//!
//! # Handling actions
//!
//! - [`ClientAction::Send`]: write the frame.
//! - [`ClientAction::Joined`]: the handshake is done; call [`ClientSession::sync_document`] for
//!   every document to sync.
//! - [`ClientAction::Sync`]: call [`ClientSession::apply`] with the document; commit the
//!   receipt's changes to the device store; then call [`ClientSession::committed`] and send what
//!   it returns. A change is "saved on the server" once the server's heads include it.
//! - [`ClientAction::Unavailable`]: the server does not have the document (or will not share it).
//! - [`ClientAction::Ephemeral`]: hand it to the application.
//! - [`ClientAction::Report`], [`ClientAction::Close`]: as for the server.

use std::collections::HashMap;

use automerge::{Automerge, ChangeHash, sync};

use crate::codec;
use crate::doc_sync::{DocSyncError, DocumentSync, Permission, Receipt};
use crate::error::ProtocolError;
use crate::ids::{DocumentId, PeerId};
use crate::limits::Limits;
use crate::message::*;
use crate::server::target_of;
use crate::sync_check;

/// What the device must do after a call; see the module documentation.
#[derive(Debug)]
pub enum ClientAction {
    /// Send this frame.
    Send(Vec<u8>),
    /// The server answered the handshake.
    Joined {
        /// The server's peer id.
        server: PeerId,
        /// The server's metadata.
        metadata: Option<PeerMetadata>,
    },
    /// A sync message from the server: apply it with [`ClientSession::apply`].
    Sync {
        /// The document.
        document_id: DocumentId,
        /// The decoded message.
        message: sync::Message,
    },
    /// The server does not have the document, or will not share it.
    Unavailable(DocumentId),
    /// An ephemeral message for the application.
    Ephemeral(Ephemeral),
    /// Something wrong that does not end the connection.
    Report(ProtocolError),
    /// The connection is over for this reason.
    Close(ProtocolError),
}

enum Phase {
    AwaitingPeer,
    Joined { server: PeerId },
    Closed,
}

struct ClientDoc {
    sync: DocumentSync<()>,
    /// The server has sent something about this document since the connection began.
    heard_from_server: bool,
}

impl ClientDoc {
    fn new() -> Self {
        Self::resumed(None)
    }

    fn resumed(saved: Option<sync::State>) -> Self {
        let mut sync = DocumentSync::new();
        sync.add_peer((), Permission::ReadWrite, saved);
        Self {
            sync,
            heard_from_server: false,
        }
    }
}

/// The client side of one connection.
pub struct ClientSession {
    local: PeerId,
    limits: Limits,
    phase: Phase,
    docs: HashMap<DocumentId, ClientDoc>,
}

impl ClientSession {
    /// Starts a connection: returns the session and the `join` frame to send first.
    pub fn connect(local: PeerId, metadata: PeerMetadata, limits: Limits) -> (Self, Vec<u8>) {
        let join = codec::encode(&Message::Join(Join {
            sender_id: local.clone(),
            peer_metadata: Some(metadata),
            supported_protocol_versions: vec![PROTOCOL_VERSION.to_owned()],
        }));
        let session = Self {
            local,
            limits,
            phase: Phase::AwaitingPeer,
            docs: HashMap::new(),
        };
        (session, join)
    }

    /// The server's peer id, once joined.
    pub fn server(&self) -> Option<&PeerId> {
        match &self.phase {
            Phase::Joined { server } => Some(server),
            _ => None,
        }
    }

    /// True once the connection has failed or closed.
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed)
    }

    /// The heads the server last told us it has for a document (they are committed there).
    pub fn server_heads(&self, document_id: &DocumentId) -> Option<&[ChangeHash]> {
        self.docs.get(document_id)?.sync.their_heads(&())
    }

    /// A binary frame arrived.
    pub fn receive_frame(&mut self, frame: &[u8]) -> Vec<ClientAction> {
        if self.is_closed() {
            return Vec::new();
        }
        let message = match codec::decode(frame, self.limits.max_frame_bytes) {
            Ok(m) => m,
            Err(e) if e.is_unknown_type() => return vec![ClientAction::Report(e.into())],
            Err(e) => return self.fail(e.into()),
        };
        if let Message::Error(e) = &message {
            self.phase = Phase::Closed;
            return vec![ClientAction::Close(ProtocolError::Remote(
                e.message.clone(),
            ))];
        }
        let server = match &self.phase {
            Phase::Closed => return Vec::new(),
            Phase::AwaitingPeer => return self.receive_peer(message),
            Phase::Joined { server } => server.clone(),
        };
        if let Some(target) = target_of(&message)
            && *target != self.local
        {
            return vec![ClientAction::Report(ProtocolError::WrongTarget(
                target.clone(),
            ))];
        }
        match message {
            Message::Sync(m) | Message::Request(m) => {
                if m.sender_id != server {
                    return self.fail(ProtocolError::ForgedSender {
                        claimed: m.sender_id,
                        joined: server,
                    });
                }
                match sync_check::decode(&m.data) {
                    Ok(message) => {
                        self.doc_mut(m.document_id).heard_from_server = true;
                        vec![ClientAction::Sync {
                            document_id: m.document_id,
                            message,
                        }]
                    }
                    Err(detail) => self.fail(ProtocolError::BadSyncMessage {
                        document: m.document_id,
                        detail,
                    }),
                }
            }
            Message::DocUnavailable(m) => {
                // Start afresh: a later sync of this document begins a new exchange.
                self.docs.insert(m.document_id, ClientDoc::new());
                vec![ClientAction::Unavailable(m.document_id)]
            }
            Message::Ephemeral(e) => vec![ClientAction::Ephemeral(e)],
            Message::Join(_) | Message::Peer(_) => {
                self.fail(ProtocolError::RepeatedHandshake(message.type_name()))
            }
            Message::Leave(_) => {
                self.phase = Phase::Closed;
                vec![ClientAction::Close(ProtocolError::Remote(
                    "the server left".into(),
                ))]
            }
            Message::Error(_)
            | Message::RemoteHeadsChanged(_)
            | Message::RemoteSubscriptionChange(_) => Vec::new(),
        }
    }

    /// Applies a sync message from [`ClientAction::Sync`] to the document. Commit the receipt's
    /// changes, then call [`ClientSession::committed`].
    pub fn apply(
        &mut self,
        document_id: DocumentId,
        message: sync::Message,
        doc: &mut Automerge,
    ) -> Result<Receipt, ProtocolError> {
        self.doc_mut(document_id)
            .sync
            .receive(&(), false, message, doc)
            .map_err(|e| match e {
                DocSyncError::MalformedChanges(detail) => ProtocolError::MalformedChanges {
                    document: document_id,
                    detail,
                },
                DocSyncError::BadSyncMessage(detail) => ProtocolError::BadSyncMessage {
                    document: document_id,
                    detail,
                },
                other => ProtocolError::Refused(other.to_string()),
            })
    }

    /// The receipt's changes are committed on the device: continue the exchange.
    pub fn committed(&mut self, document_id: DocumentId, doc: &Automerge) -> Vec<ClientAction> {
        self.doc_mut(document_id).sync.committed();
        self.sync_document(document_id, doc)
    }

    /// Offers a document to the server: call it after joining and after every committed local
    /// change. Sends a `request` when the device has nothing of the document yet.
    pub fn sync_document(&mut self, document_id: DocumentId, doc: &Automerge) -> Vec<ClientAction> {
        let Some(server) = self.server().cloned() else {
            return Vec::new();
        };
        let local = self.local.clone();
        let entry = self.doc_mut(document_id);
        let Some(message) = entry.sync.generate_for(&(), doc) else {
            return Vec::new();
        };
        let body = SyncData {
            sender_id: local,
            target_id: server,
            document_id,
            data: message.encode(),
        };
        let frame = if doc.get_heads().is_empty() && !entry.heard_from_server {
            Message::Request(body)
        } else {
            Message::Sync(body)
        };
        vec![ClientAction::Send(codec::encode(&frame))]
    }

    /// Starts a document's exchange from the sync state saved at the end of an earlier connection
    /// to the same server (see [`ClientSession::sync_state`]), so that the first messages carry
    /// only what changed since, not a summary of the whole document. Call it before the first
    /// [`ClientSession::sync_document`] of the document on this connection.
    pub fn resume_document(&mut self, document_id: DocumentId, saved: sync::State) {
        self.docs
            .insert(document_id, ClientDoc::resumed(Some(saved)));
    }

    /// The sync state of a document with the server, to save when the connection ends (automerge
    /// keeps only the heads both sides share), or `None` if the document was not synced on this
    /// connection.
    pub fn sync_state(&self, document_id: &DocumentId) -> Option<&sync::State> {
        self.docs.get(document_id)?.sync.state(&())
    }

    /// Stops syncing a document on this connection.
    pub fn forget_document(&mut self, document_id: &DocumentId) {
        self.docs.remove(document_id);
    }

    /// The frame of an ephemeral message about a document, once joined.
    pub fn ephemeral_frame(
        &self,
        document_id: DocumentId,
        session_id: &str,
        count: u64,
        data: Vec<u8>,
    ) -> Option<Vec<u8>> {
        let server = self.server()?;
        Some(codec::encode(&Message::Ephemeral(Ephemeral {
            sender_id: self.local.clone(),
            target_id: server.clone(),
            count,
            session_id: session_id.to_owned(),
            document_id,
            data,
        })))
    }

    /// The frame announcing that this client is leaving.
    pub fn leave_frame(&mut self) -> Vec<u8> {
        self.phase = Phase::Closed;
        codec::encode(&Message::Leave(Leave {
            sender_id: self.local.clone(),
        }))
    }

    fn doc_mut(&mut self, document_id: DocumentId) -> &mut ClientDoc {
        self.docs.entry(document_id).or_insert_with(ClientDoc::new)
    }

    fn receive_peer(&mut self, message: Message) -> Vec<ClientAction> {
        let Message::Peer(peer) = message else {
            return self.fail(ProtocolError::HandshakeExpected {
                expected: "peer",
                got: message.type_name(),
            });
        };
        if peer.selected_protocol_version != PROTOCOL_VERSION {
            return self.fail(ProtocolError::UnsupportedVersion(vec![
                peer.selected_protocol_version,
            ]));
        }
        self.phase = Phase::Joined {
            server: peer.sender_id.clone(),
        };
        vec![ClientAction::Joined {
            server: peer.sender_id,
            metadata: peer.peer_metadata,
        }]
    }

    fn fail(&mut self, error: ProtocolError) -> Vec<ClientAction> {
        let frame = codec::encode(&Message::Error(ErrorMessage {
            sender_id: Some(self.local.clone()),
            target_id: self.server().cloned(),
            message: error.to_string(),
        }));
        self.phase = Phase::Closed;
        vec![ClientAction::Send(frame), ClientAction::Close(error)]
    }
}
