//! The automerge-repo wire protocol "1", without IO.
//!
//! clubsync speaks the protocol of `@automerge/automerge-repo` so that any stock Automerge client
//! can sync with a clubsync server. This crate holds everything about that protocol that does not
//! need a socket, a clock or a disk, so it can be tested deterministically and embedded anywhere.
//!
//! # Layout
//!
//! - [`ids`]: document ids (bs58check UUIDs), `automerge:` URLs, peer and storage ids.
//! - [`message`]: the messages of protocol "1" as Rust values.
//! - [`codec`]: CBOR frames to messages and back, tolerant of what the JS encoder really sends.
//! - [`server`]: [`ServerConnection`], the server side of one connection (handshake, checks,
//!   access gating, read-only refusal).
//! - [`client`]: [`ClientSession`], the client side of one connection.
//! - [`doc_sync`]: [`DocumentSync`], the sync states of one document with its peers, and the
//!   durability rule (no heads advertised before they are committed).
//! - [`limits`], [`error`]: what a peer may send, and what happens when it breaks the rules.
//! - [`http_api`]: the JSON of the HTTP endpoints beside the websocket (`/api/join`, refusals),
//!   which server and devices share.
//! - [`sync_check`]: checks on a peer's automerge sync message that automerge does not make
//!   itself, so that no message can make our next `generate_sync_message` panic or exhaust
//!   memory (and [`sync_check::check_saved_bytes`], the same bound for a device's uploaded copy).
//!
//! # Example
//!
//! A client and a server connection, joined by hand:
//!
//! ```
//! use clubsync_protocol::{ClientAction, ClientSession, Limits, PeerId, ServerAction, ServerConnection};
//! use clubsync_protocol::message::PeerMetadata;
//!
//! let (mut client, join) =
//!     ClientSession::connect(PeerId::random(), PeerMetadata::default(), Limits::default());
//! let mut server =
//!     ServerConnection::new(PeerId::random(), PeerMetadata::default(), Limits::default());
//! let reply = server.receive_frame(&join);
//! let ServerAction::Send(peer_frame) = &reply[0] else { panic!("the server answers join") };
//! let actions = client.receive_frame(peer_frame);
//! assert!(matches!(actions[0], ClientAction::Joined { .. }));
//! ```
#![deny(missing_docs)]

pub mod client;
pub mod club_api;
pub mod codec;
pub mod doc_sync;
pub mod error;
pub mod flag_api;
pub mod http_api;
pub mod ids;
pub mod limits;
pub mod message;
pub mod refusal;
pub mod server;
pub mod sync_check;

pub use client::{ClientAction, ClientSession};
pub use doc_sync::{DocSyncError, DocumentSync, Permission, Receipt};
pub use error::ProtocolError;
pub use ids::{AutomergeUrl, DocumentId, IdError, PeerId, StorageId};
pub use limits::Limits;
pub use message::Message;
pub use server::{Access, ServerAction, ServerConnection};
