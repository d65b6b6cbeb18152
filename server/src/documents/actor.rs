//! The tokio shell around one document's [`DocumentHost`]: it gathers the commands that have
//! arrived into a batch, feeds them to the host with the time, and performs the effects the host
//! returns (frames to connections, registration, group commit, reload, index requests,
//! compaction), feeding each outcome back in.
//!
//! Everything that decides anything is in the host; this file only waits and carries.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use clubsync_protocol::DocumentId;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, warn};

use super::actor_book::ActorBook;
use super::command::{ClubEdit, DocCommand};
use super::committer::Committer;
use super::effects::HostLimits;
use super::effects::{Effects, Input};
use super::host::DocumentHost;
use super::load;
use super::outbox::Outbox;
use super::peer::{ConnId, Outbound};
use crate::identity::IdentityStore;
use crate::metrics::Metrics;
use crate::storage::SharedStore;

/// A day, for the quota of new documents per device.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The most commands handled in one batch (and so committed in one transaction).
const MAX_BATCH: usize = 512;

/// A command on its way to a document, with the queue of the connection that sent it (where
/// the document's answers go).
#[derive(Debug)]
pub struct Delivery {
    /// The command.
    pub command: DocCommand,
    /// The sending connection's queue, for commands from a connection.
    pub outbox: Option<Outbox>,
    /// One of the sending connection's permits for messages in flight, held until the
    /// command is handled: a connection that sends faster than its documents take in is made
    /// to wait (and so stops reading its socket) instead of filling the actors' queues.
    pub permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// How an actor reaches the other documents and its own entry among the loaded ones.
pub(crate) trait Mail: Send + Sync {
    /// Sends a command to a document, loading it if need be.
    fn send(&self, document: DocumentId, command: DocCommand);
    /// Removes this document from the loaded ones if no command waits in `rx`. True when the
    /// actor may stop.
    fn try_unload(&self, document: &DocumentId, rx: &mpsc::UnboundedReceiver<Delivery>) -> bool;
}

/// What every actor shares.
pub(crate) struct ActorEnv {
    pub storage: Arc<SharedStore>,
    pub identity: Arc<IdentityStore>,
    pub metrics: Arc<Metrics>,
    pub committer: Committer,
    pub idle_unload: Duration,
    pub limits: HostLimits,
    pub actors: Arc<ActorBook>,
    /// New documents one device may create in 24 hours.
    pub max_new_documents_per_day: u64,
    pub shutdown: CancellationToken,
}

/// Runs a document's actor until it is idle and unloaded, or the server shuts down.
pub(crate) async fn run(
    id: DocumentId,
    mut rx: mpsc::UnboundedReceiver<Delivery>,
    env: Arc<ActorEnv>,
    mail: Arc<dyn Mail>,
) {
    env.metrics.loaded_documents.fetch_add(1, Relaxed);
    let ended = match load::load(id, &env.storage, &env.identity).await {
        Ok(loaded) => {
            let mut shell = Shell {
                id,
                host: DocumentHost::new(id, loaded, env.limits, env.actors.clone()),
                outboxes: HashMap::new(),
                env: env.clone(),
                mail: mail.clone(),
            };
            shell.serve(&mut rx).await
        }
        Err(reason) => {
            error!(document = %id, %reason, "could not load document");
            Ended::Failed
        }
    };
    if ended == Ended::Failed {
        // Tell everyone waiting; the next command starts a fresh attempt.
        mail.try_unload(&id, &rx);
        rx.close();
        while let Some(delivery) = rx.recv().await {
            match delivery.command {
                DocCommand::Sync { .. } => {
                    if let Some(outbox) = delivery.outbox {
                        let _ = outbox.send(Outbound::Refuse(format!(
                            "the server could not load document {id}; try again later"
                        )));
                    }
                }
                DocCommand::EditClub(edit) => {
                    // Written when the club document next loads (see `load::missing_edits`).
                    warn!(document = %id, %edit, "could not write to the club document: it did not load");
                }
                DocCommand::Ephemeral { .. } | DocCommand::Leave { .. } => {}
            }
        }
    }
    env.metrics.loaded_documents.fetch_sub(1, Relaxed);
    debug!(document = %id, "unloaded");
}

/// Why an actor's loop ended.
#[derive(PartialEq, Eq)]
enum Ended {
    /// Idle and unloaded, or every sender is gone.
    Unloaded,
    /// The document could not be loaded (or reloaded): answer what waits, then stop.
    Failed,
}

struct Shell {
    id: DocumentId,
    host: DocumentHost,
    /// Where each connection that spoke to this document gets its frames.
    outboxes: HashMap<ConnId, Outbox>,
    env: Arc<ActorEnv>,
    mail: Arc<dyn Mail>,
}

impl Shell {
    /// Serves commands until the document is unloaded or fails.
    async fn serve(&mut self, rx: &mut mpsc::UnboundedReceiver<Delivery>) -> Ended {
        loop {
            let idle = tokio::time::sleep(self.env.idle_unload);
            let first = tokio::select! {
                delivery = rx.recv() => delivery,
                _ = idle, if self.host.is_idle() => {
                    if self.mail.try_unload(&self.id, rx) { self.compact_before_unload().await; return Ended::Unloaded } else { continue }
                }
                _ = self.env.shutdown.cancelled(), if self.host.is_idle() => {
                    if self.mail.try_unload(&self.id, rx) { self.compact_before_unload().await; return Ended::Unloaded } else { continue }
                }
            };
            let Some(first) = first else {
                return Ended::Unloaded;
            };
            let mut deliveries = vec![first];
            while deliveries.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(delivery) => deliveries.push(delivery),
                    Err(_) => break,
                }
            }
            let mut commands = Vec::with_capacity(deliveries.len());
            let mut left = Vec::new();
            let mut permits = Vec::new();
            for mut delivery in deliveries {
                permits.extend(delivery.permit.take());
                match (&delivery.command, delivery.outbox) {
                    (DocCommand::Sync { conn, .. }, Some(outbox)) => {
                        self.outboxes.entry(*conn).or_insert(outbox);
                    }
                    (DocCommand::Leave { conn }, _) => left.push(*conn),
                    _ => {}
                }
                commands.push(delivery.command);
            }
            let effects = self.host.handle(Input::Batch {
                commands,
                now_ms: crate::clock::now_ms(),
            });
            if self.perform(effects).await.is_err() {
                return Ended::Failed;
            }
            drop(permits);
            for conn in left {
                self.outboxes.remove(&conn);
            }
        }
    }

    /// Performs effects, and those that their answers bring, until the host is ready again.
    async fn perform(&mut self, mut effects: Effects) -> Result<(), String> {
        loop {
            for (conn, frame) in std::mem::take(&mut effects.frames) {
                if let Some(outbox) = self.outboxes.get(&conn) {
                    let _ = outbox.send(frame);
                }
            }
            for rule in std::mem::take(&mut effects.refused) {
                self.env.metrics.refused(rule);
            }
            if let Some(request) = effects.index.take() {
                let identity = self.env.identity.clone();
                let club = request.club;
                match tokio::task::spawn_blocking(move || identity.club_document(club)).await {
                    Ok(Ok(club_document)) => self.mail.send(
                        club_document,
                        DocCommand::EditClub(ClubEdit::Index {
                            id: self.id,
                            kind: request.kind,
                            title: request.title,
                        }),
                    ),
                    failed => {
                        // Asked again after the next commit, or listed when the club document
                        // loads.
                        warn!(document = %self.id, ?failed, "could not find the club document to index a new document");
                        effects.then(self.host.handle(Input::IndexNotDelivered));
                        continue;
                    }
                }
            }
            if let Some(reason) = effects.failed.take() {
                return Err(reason);
            }
            let answer = if let Some(registration) = effects.register.take() {
                let identity = self.env.identity.clone();
                let (id, now) = (self.id, crate::clock::now_ms());
                let quota = self.env.max_new_documents_per_day;
                let registered = tokio::task::spawn_blocking(move || {
                    let device = registration.device;
                    let recent = identity.documents_created_since(device, now - DAY_MS)?;
                    if recent >= quota {
                        return Ok(Err(format!(
                            "this device created {recent} new documents in the last 24 hours, \
                             the most this server allows (--max-new-documents-per-day); the new \
                             document stays on the device and is sent again later"
                        )));
                    }
                    identity
                        .register_document(&id, registration.club, registration.kind, device, now)
                        .map(Ok)
                })
                .await;
                Input::Registered(match registered {
                    Ok(Ok(Ok(()))) => Ok(()),
                    Ok(Ok(Err(quota))) => {
                        self.env.metrics.refused("new_document_quota");
                        Err(quota)
                    }
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(e) => Err(e.to_string()),
                })
            } else if let Some(commit) = effects.commit.take() {
                let chunks = commit.chunks.into_iter().map(|c| (self.id, c)).collect();
                match self
                    .env
                    .committer
                    .commit(chunks, commit.change_count, commit.provenance)
                    .await
                {
                    Ok(()) => Input::Committed,
                    Err(reason) => Input::CommitFailed(reason),
                }
            } else if effects.reload {
                effects.reload = false;
                Input::Reloaded(
                    load::committed(self.id, &self.env.storage)
                        .await
                        .map(Box::new),
                )
            } else if effects.compact {
                effects.compact = false;
                Input::Compacted(self.compact().await)
            } else {
                return Ok(());
            };
            effects = self.host.handle(answer);
        }
    }

    async fn compact(&self) -> Result<u64, String> {
        let storage = self.env.storage.clone();
        let id = self.id;
        match tokio::task::spawn_blocking(move || storage.compact(&id)).await {
            Ok(Ok(done)) => {
                debug!(document = %id, folded = done.chunks_folded, bytes = done.snapshot_bytes, "compacted");
                Ok(done.snapshot_bytes as u64)
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn compact_before_unload(&self) {
        if self.host.worth_compacting_on_unload()
            && let Err(reason) = self.compact().await
        {
            warn!(document = %self.id, %reason, "compaction failed; the chunks stay as they are");
        }
    }
}
