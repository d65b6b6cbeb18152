//! The documents loaded in memory: one actor task per document, found by id, started on demand
//! and stopped when the document has been idle for a while.
//!
//! The reference automerge-repo server never unloads a document and runs out of memory; here a
//! document with no connection left is unloaded after `idle_unload` (its state is all committed
//! by then, so nothing is lost).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clubsync_protocol::DocumentId;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::committer::Committer;
use crate::doc_actor::{self, DocCommand};
use crate::identity::IdentityStore;
use crate::metrics::Metrics;
use crate::storage::SharedStore;

/// Finds or starts the actor of a document and sends it commands.
#[derive(Clone)]
pub struct DocumentHub {
    pub(crate) inner: Arc<HubInner>,
}

pub(crate) struct HubInner {
    /// The running actors. A std mutex: it is held only to look up, insert or remove a sender,
    /// never across an await.
    actors: Mutex<HashMap<DocumentId, mpsc::UnboundedSender<DocCommand>>>,
    pub(crate) storage: Arc<SharedStore>,
    /// Group commit across documents.
    pub(crate) committer: Committer,
    pub(crate) identity: Arc<IdentityStore>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) idle_unload: Duration,
    /// The largest a stored document may grow, in bytes.
    pub(crate) max_document_bytes: u64,
    /// Cancelled when the server shuts down: actors with no peers stop at once.
    pub(crate) shutdown: CancellationToken,
    /// Every actor task, so shutdown can wait until each has committed and stopped.
    tracker: TaskTracker,
}

impl DocumentHub {
    /// A hub with no document loaded.
    pub fn new(
        storage: Arc<SharedStore>,
        identity: Arc<IdentityStore>,
        metrics: Arc<Metrics>,
        idle_unload: Duration,
        max_document_bytes: u64,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            inner: Arc::new(HubInner {
                actors: Mutex::new(HashMap::new()),
                committer: Committer::start(storage.clone(), metrics.clone()),
                storage,
                identity,
                metrics,
                idle_unload,
                max_document_bytes,
                shutdown,
                tracker: TaskTracker::new(),
            }),
        }
    }

    /// Sends a command to a document's actor, starting the actor if the document is not loaded.
    pub fn send(&self, document: DocumentId, command: DocCommand) {
        let mut actors = self.inner.actors.lock().unwrap_or_else(|e| e.into_inner());
        let command = match actors.get(&document) {
            Some(tx) => match tx.send(command) {
                Ok(()) => return,
                // The actor stopped (a storage failure); start a new one.
                Err(mpsc::error::SendError(command)) => command,
            },
            None => command,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        // A fresh channel whose receiver we hold cannot be closed.
        let _ = tx.send(command);
        actors.insert(document, tx);
        self.inner
            .tracker
            .spawn(doc_actor::run(document, rx, self.clone()));
    }

    /// Removes a document's actor if no command waits for it. Returns true when the actor may
    /// stop: from then on a new command starts a new actor.
    pub(crate) fn try_unload(
        &self,
        document: &DocumentId,
        rx: &mpsc::UnboundedReceiver<DocCommand>,
    ) -> bool {
        let mut actors = self.inner.actors.lock().unwrap_or_else(|e| e.into_inner());
        if !rx.is_empty() {
            return false;
        }
        actors.remove(document);
        true
    }

    /// How many documents are loaded.
    pub fn loaded(&self) -> usize {
        self.inner.actors.lock().map(|a| a.len()).unwrap_or(0)
    }

    /// Waits until every actor has committed its work and stopped. Call after the connections
    /// are closed and the shutdown token is cancelled.
    pub async fn drain(&self) {
        self.inner.tracker.close();
        self.inner.tracker.wait().await;
    }
}
