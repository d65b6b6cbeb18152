//! What a [`DocumentHost`](super::host::DocumentHost) is told ([`Input`]) and what it asks its
//! shell to do ([`Effects`]).
//!
//! The host never performs IO: registering a document, committing chunks, reloading from
//! storage, compacting and asking the club document for an index entry are all requests in an
//! `Effects` value, and their outcome comes back as the next `Input`.

use automerge::Automerge;
use clubsync_core::document::DocumentKind;
use clubsync_core::store::{Provenance, StoredSize};

use super::command::{ClubEdit, DocCommand};
use super::peer::{ConnId, Outbound};
use crate::identity::{ClubId, DeviceId};

/// What a document's host is allowed.
#[derive(Clone, Copy, Debug)]
pub struct HostLimits {
    /// The largest a stored document may grow, in bytes.
    pub max_document_bytes: u64,
}

/// A document as storage and the registry know it when it is loaded.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The committed document (empty when nothing is stored).
    pub doc: Automerge,
    /// How much of it is stored.
    pub size: StoredSize,
    /// Its club and kind, when it is registered.
    pub registered: Option<(ClubId, DocumentKind)>,
    /// For a club document: what the identity database has and the document lacks.
    pub missing_edits: Vec<ClubEdit>,
}

/// One thing that happened to a document.
#[derive(Debug)]
pub enum Input {
    /// Commands that arrived, handled as one batch (committed in one transaction). `now_ms` is
    /// the wall clock, for the server's own changes.
    Batch {
        /// The commands, in arrival order.
        commands: Vec<DocCommand>,
        /// Milliseconds since the Unix epoch.
        now_ms: i64,
    },
    /// The answer to [`Effects::register`].
    Registered(Result<(), String>),
    /// The chunks of [`Effects::commit`] are on disk.
    Committed,
    /// The chunks of [`Effects::commit`] could not be written; nothing of them is stored.
    CommitFailed(String),
    /// The answer to [`Effects::reload`]: the committed document.
    Reloaded(Result<Box<Automerge>, String>),
    /// The answer to [`Effects::compact`]: the snapshot's size in bytes.
    Compacted(Result<u64, String>),
    /// [`Effects::index`] could not be delivered (the club document was not found); ask again
    /// after the next commit.
    IndexNotDelivered,
}

/// A new document to register to a club, before its first changes are committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Registration {
    /// The club of the device whose changes created it.
    pub club: ClubId,
    /// Its kind, from its first changes.
    pub kind: DocumentKind,
    /// The device.
    pub device: DeviceId,
}

/// Chunks to commit to storage, all or nothing, with where the peers' changes came from.
#[derive(Debug, Default)]
pub struct Commit {
    /// The chunks, each one `Automerge::load_incremental` input.
    pub chunks: Vec<Vec<u8>>,
    /// How many changes they hold.
    pub change_count: u64,
    /// One row per change a peer sent (the server's own edits have none), committed in the
    /// same transaction as the chunks.
    pub provenance: Vec<Provenance>,
}

/// An entry for the club's index of documents: send [`super::ClubEdit::Index`] with these to the
/// club document of `club`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexRequest {
    /// The club.
    pub club: ClubId,
    /// The document's kind.
    pub kind: DocumentKind,
    /// Its title.
    pub title: String,
}

/// What the shell must do, in this order: deliver the frames, count the refusals, then carry
/// out the one request (if any) and give the host its answer.
#[derive(Debug, Default)]
#[must_use = "effects are what the host asks for; dropping them loses frames and commits"]
pub struct Effects {
    /// Frames for connections, in order.
    pub frames: Vec<(ConnId, Outbound)>,
    /// Refusals to count in `/metrics`, by rule.
    pub refused: Vec<&'static str>,
    /// Register the document (answer with [`Input::Registered`]).
    pub register: Option<Registration>,
    /// Commit these chunks (answer with [`Input::Committed`] or [`Input::CommitFailed`]).
    pub commit: Option<Commit>,
    /// Load the committed document again (answer with [`Input::Reloaded`]).
    pub reload: bool,
    /// Ask the club document to list this one (answer only on failure, with
    /// [`Input::IndexNotDelivered`]).
    pub index: Option<IndexRequest>,
    /// Fold the stored chunks into one snapshot (answer with [`Input::Compacted`]).
    pub compact: bool,
    /// The document cannot go on (its reload failed): stop, and answer every later command as
    /// for a document that could not load.
    pub failed: Option<String>,
}

impl Effects {
    /// Sends `outbound` to `conn`.
    pub(crate) fn send(&mut self, conn: ConnId, outbound: Outbound) {
        self.frames.push((conn, outbound));
    }

    /// Appends what `later` asks for after what `self` asks for.
    pub(crate) fn then(&mut self, later: Effects) {
        self.frames.extend(later.frames);
        self.refused.extend(later.refused);
        self.register = self.register.or(later.register);
        if later.commit.is_some() {
            self.commit = later.commit;
        }
        self.reload |= later.reload;
        if later.index.is_some() {
            self.index = later.index;
        }
        self.compact |= later.compact;
        if later.failed.is_some() {
            self.failed = later.failed;
        }
    }
}
