//! What the engine tells a progress display ([`SyncEvent`]) and what a run did ([`SyncSummary`]).

use std::time::Duration;

use clubsync_protocol::DocumentId;

/// What the engine is doing, for a progress display.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SyncEvent {
    /// Connecting (the first attempt is 1).
    Connecting {
        /// The server.
        server: String,
        /// Which attempt.
        attempt: u32,
    },
    /// The server said this device was revoked: the club's records were erased from it.
    Erased {
        /// How many documents were erased.
        documents: usize,
    },
    /// Connected and joined; syncing this many documents.
    Connected {
        /// Documents in the sync.
        documents: usize,
    },
    /// Changes from the server were saved on this device.
    Received {
        /// The document.
        document: DocumentId,
        /// How many changes.
        changes: usize,
        /// Their size in bytes.
        bytes: usize,
    },
    /// Bytes sent to the server.
    Sent {
        /// How many.
        bytes: usize,
    },
    /// The server confirmed heads of a document: this many of the device's changes to it are
    /// still not on the server.
    Pending {
        /// The document.
        document: DocumentId,
        /// Changes not yet on the server.
        changes: usize,
    },
    /// A document is in sync: the server has confirmed every change of it on this device.
    DocumentSynced {
        /// The document.
        document: DocumentId,
    },
    /// The club's index listed documents this device did not have yet.
    Discovered {
        /// How many.
        documents: usize,
    },
    /// The server does not have a document, or will not share it.
    Unavailable {
        /// The document.
        document: DocumentId,
    },
    /// Every document is in sync.
    AllSynced,
    /// The server refused this device's changes to a document by one of the club's record
    /// rules; the device kept its refused copy aside and rebuilt the document on the server's
    /// state with every record that keeps the rules written again, and syncs on.
    Rebuilt {
        /// What the rebuild did.
        rebuilt: crate::home::Rebuilt,
        /// What the server said.
        reason: String,
    },
    /// The connection ended; the engine tries again after `retry_in`.
    Disconnected {
        /// Why.
        reason: String,
        /// When it tries again.
        retry_in: Duration,
    },
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct SyncSummary {
    /// Documents in the sync at the end.
    pub documents: usize,
    /// Changes received and saved.
    pub received_changes: usize,
    /// Bytes received.
    pub received_bytes: usize,
    /// Bytes sent.
    pub sent_bytes: usize,
    /// Connections made.
    pub connections: u32,
    /// The run ended with every document in sync (rather than stopped).
    pub in_sync: bool,
    /// Documents with records on this device that the server refused (not a clubsync document,
    /// no access): their records stay on this device only.
    pub refused_documents: Vec<DocumentId>,
}
