//! What can go wrong on a device, each with the problem and, where there is one, the fix.

use clubsync_core::error::{RecordError, SchemaError};
use clubsync_core::store::StoreError;
use clubsync_protocol::DocumentId;

/// An error of the device library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The device directory cannot be used.
    #[error("the device directory {path}: {detail}")]
    Home {
        /// The directory.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The device's own bookkeeping database failed.
    #[error("the device database: {0}")]
    Database(#[from] rusqlite::Error),
    /// The document store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A record was refused: nothing was written.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// A stored document does not have the shape expected.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The device has not joined any club yet.
    #[error("this device has not joined a club yet: run `clubsync join <server> <invite code>`")]
    NotJoined,
    /// Several clubs are joined and none was chosen.
    #[error("this device belongs to several clubs ({0}): choose one with --club")]
    WhichClub(String),
    /// No joined club matches what was given.
    #[error("no club joined on this device matches {0:?}: `clubsync clubs` lists them")]
    UnknownClub(String),
    /// The club is already joined on this device.
    #[error("this device has already joined club {0}")]
    AlreadyJoined(String),
    /// The document is not on this device.
    #[error("document {0} is not on this device: `clubsync status` lists the ones that are")]
    UnknownDocument(String),
    /// The document is of another kind than the command needs.
    #[error("document {document} is a {actual}, not a {expected}")]
    WrongKind {
        /// The document.
        document: DocumentId,
        /// What it is.
        actual: String,
        /// What was needed.
        expected: String,
    },
    /// The server address cannot be used.
    #[error("the server address {address:?}: {detail}")]
    Address {
        /// What was given.
        address: String,
        /// What is wrong.
        detail: String,
    },
    /// The certificate file to trust cannot be used.
    #[error("the certificate file {path}: {detail}")]
    Certificate {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The server cannot be reached (it may be down, or the device offline).
    #[error("cannot reach the server at {address}: {detail}")]
    Unreachable {
        /// The server.
        address: String,
        /// What failed.
        detail: String,
    },
    /// The server refused the request with a reason.
    #[error("the server refused: {0}")]
    Refused(String),
    /// The server says the device was revoked: it will not be let in again.
    #[error("{0}")]
    Revoked(String),
    /// The server does not know the device's token (the server's data was reset, or the token
    /// is wrong): it will not be let in with it.
    #[error("the server does not accept this device's token ({0}); join again with a new invite")]
    TokenRefused(String),
    /// The server broke the protocol, or the connection failed in the middle.
    #[error("the connection failed: {0}")]
    Connection(String),
    /// A sync did not finish in the time given.
    #[error("the sync did not finish within {0:?}; what arrived is saved, run it again to go on")]
    Timeout(std::time::Duration),
}

impl ClientError {
    /// True when retrying cannot help: the server will not let this device in again.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Revoked(_) | Self::TokenRefused(_))
    }
}
