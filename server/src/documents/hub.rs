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

use super::actor::{self, ActorEnv, Delivery, Mail};
use super::command::DocCommand;
use super::committer::Committer;
use tracing::error;

use super::actor_book::ActorBook;
use super::effects::HostLimits;
use super::outbox::Outbox;
use crate::identity::IdentityStore;
use crate::metrics::Metrics;
use crate::storage::SharedStore;

/// Finds or starts the actor of a document and sends it commands.
#[derive(Clone)]
pub struct DocumentHub {
    inner: Arc<HubInner>,
}

struct HubInner {
    /// The running actors. A std mutex: it is held only to look up, insert or remove a sender,
    /// never across an await.
    actors: Mutex<HashMap<DocumentId, mpsc::UnboundedSender<Delivery>>>,
    env: Arc<ActorEnv>,
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
        max_new_documents_per_day: u64,
        shutdown: CancellationToken,
    ) -> Self {
        let book = match storage.actor_devices() {
            Ok(stored) => ActorBook::from_stored(stored),
            Err(e) => {
                error!(%e, "could not read which device owns each actor id; starting with none");
                ActorBook::new()
            }
        };
        Self {
            inner: Arc::new(HubInner {
                actors: Mutex::new(HashMap::new()),
                env: Arc::new(ActorEnv {
                    committer: Committer::start(storage.clone(), metrics.clone()),
                    storage,
                    identity,
                    metrics,
                    idle_unload,
                    limits: HostLimits { max_document_bytes },
                    actors: Arc::new(book),
                    max_new_documents_per_day,
                    shutdown,
                }),
                tracker: TaskTracker::new(),
            }),
        }
    }

    /// Sends a command of the server's own to a document's actor, starting the actor if the
    /// document is not loaded.
    pub fn send(&self, document: DocumentId, command: DocCommand) {
        self.deliver(
            document,
            Delivery {
                command,
                outbox: None,
                permit: None,
            },
        );
    }

    /// Sends a connection's command; the document answers through `outbox`. `permit` is one of
    /// the connection's permits for messages in flight, given back once the command is handled.
    pub fn send_from(
        &self,
        document: DocumentId,
        outbox: &Outbox,
        command: DocCommand,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) {
        self.deliver(
            document,
            Delivery {
                command,
                outbox: Some(outbox.clone()),
                permit: Some(permit),
            },
        );
    }

    fn deliver(&self, document: DocumentId, delivery: Delivery) {
        let mut actors = self.inner.actors.lock().unwrap_or_else(|e| e.into_inner());
        let delivery = match actors.get(&document) {
            Some(tx) => match tx.send(delivery) {
                Ok(()) => return,
                // The actor stopped (a storage failure); start a new one.
                Err(mpsc::error::SendError(delivery)) => delivery,
            },
            None => delivery,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        // A fresh channel whose receiver we hold cannot be closed.
        let _ = tx.send(delivery);
        actors.insert(document, tx);
        let mail: Arc<dyn Mail> = Arc::new(self.clone());
        self.inner
            .tracker
            .spawn(actor::run(document, rx, self.inner.env.clone(), mail));
    }

    /// The document store the documents are loaded from and committed to.
    pub(crate) fn storage(&self) -> &Arc<SharedStore> {
        &self.inner.env.storage
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

impl Mail for DocumentHub {
    fn send(&self, document: DocumentId, command: DocCommand) {
        DocumentHub::send(self, document, command);
    }

    fn try_unload(&self, document: &DocumentId, rx: &mpsc::UnboundedReceiver<Delivery>) -> bool {
        let mut actors = self.inner.actors.lock().unwrap_or_else(|e| e.into_inner());
        if !rx.is_empty() {
            return false;
        }
        actors.remove(document);
        true
    }
}
