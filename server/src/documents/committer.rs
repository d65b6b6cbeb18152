//! Group commit across documents: one task that writes, in one SQLite transaction, the changes
//! of every document actor that asked to commit while the previous transaction was running.
//!
//! Each document's actor already batches its own commands; this batches the actors. With many
//! devices writing to different documents at once (a reconnect storm), one fsync then covers
//! many documents instead of one each. A failed transaction fails every job in it: none of its
//! changes is acknowledged, and each actor reloads its document from storage.

use std::sync::Arc;
use std::time::Instant;

use clubsync_core::store::Provenance;
use clubsync_protocol::DocumentId;
use tokio::sync::{mpsc, oneshot};

use crate::metrics::Metrics;
use crate::storage::SharedStore;

/// One actor's changes, and where to say whether they are committed.
struct Job {
    chunks: Vec<(DocumentId, Vec<u8>)>,
    provenance: Vec<Provenance>,
    change_count: u64,
    done: oneshot::Sender<Result<(), String>>,
}

/// The handle actors commit through.
#[derive(Clone)]
pub struct Committer {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Committer {
    /// Starts the committing task.
    pub fn start(storage: Arc<SharedStore>, metrics: Arc<Metrics>) -> Self {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut waiting = vec![first];
                while let Ok(job) = rx.try_recv() {
                    waiting.push(job);
                }
                let mut chunks = Vec::new();
                let mut provenance = Vec::new();
                let mut changes = 0;
                let mut replies = Vec::with_capacity(waiting.len());
                for job in waiting {
                    chunks.extend(job.chunks);
                    provenance.extend(job.provenance);
                    changes += job.change_count;
                    replies.push(job.done);
                }
                let storage = storage.clone();
                let started = Instant::now();
                let result =
                    match tokio::task::spawn_blocking(move || storage.commit(&chunks, &provenance))
                        .await
                    {
                        Ok(Ok(())) => {
                            metrics.committed(changes, started.elapsed().as_micros() as u64);
                            Ok(())
                        }
                        Ok(Err(e)) => Err(e.to_string()),
                        Err(e) => Err(e.to_string()),
                    };
                for reply in replies {
                    let _ = reply.send(result.clone());
                }
            }
        });
        Self { jobs }
    }

    /// Commits one actor's chunks and their provenance, with whatever else is waiting; returns
    /// once they are on disk.
    pub async fn commit(
        &self,
        chunks: Vec<(DocumentId, Vec<u8>)>,
        change_count: u64,
        provenance: Vec<Provenance>,
    ) -> Result<(), String> {
        let (done, answer) = oneshot::channel();
        self.jobs
            .send(Job {
                chunks,
                provenance,
                change_count,
                done,
            })
            .map_err(|_| "the committer has stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "the committer stopped before answering".to_owned())?
    }
}
