//! The clubsync device: a directory of club records that works offline, and the engine that
//! syncs it with a clubsync server.
//!
//! A coordinator's laptop is a device like a phone: it records, counts and reports offline, and
//! syncs when it can, showing plainly what has reached the server and what has not.
//!
//! # Layout
//!
//! - [`home`]: [`DeviceHome`], the device directory: core's document store plus the clubs joined
//!   and what the server has confirmed of each document.
//! - [`address`]: the server's address as a user types it, the TLS trust (public roots or a
//!   pinned certificate), and the stream to the server.
//! - [`join`]: redeeming an invite for a device token; [`token_rotation`]: swapping it for a
//!   new one now and then.
//! - [`engine`]: [`SyncEngine`], protocol "1" over the device store, with reconnects and
//!   progress events.
//! - [`club_api`]: the coordinators' API of the server (the audit trail).
//! - [`error`]: [`ClientError`], each variant naming the problem and the fix.
#![deny(missing_docs)]

pub mod address;
mod clock;
pub mod club_api;
pub mod engine;
pub mod error;
pub mod home;
mod http;
pub mod join;
pub mod token_rotation;

pub use address::{ServerAddress, Trust};
pub use engine::{SyncEngine, SyncEvent, SyncMode, SyncOptions, SyncSummary};
pub use error::ClientError;
pub use home::{DeviceHome, DocumentStatus, Membership, TokenAge};

/// The time now, by this device's clock: what records made on this device are stamped with.
pub fn now() -> clubsync_core::timestamp::Timestamp {
    clubsync_core::timestamp::Timestamp::from_millis(clock::now_ms())
}
