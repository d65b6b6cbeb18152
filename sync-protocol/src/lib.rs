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
#![deny(missing_docs)]

pub mod codec;
pub mod ids;
pub mod message;

pub use ids::{AutomergeUrl, DocumentId, IdError, PeerId, StorageId};
pub use message::Message;
