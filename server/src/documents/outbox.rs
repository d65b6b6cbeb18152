//! A connection's queue of what documents send it, bounded, with the slow-consumer policy.
//!
//! Documents never wait for a connection: a document serves every device on it, and one phone
//! that stopped reading must not hold up the others. So sending never blocks; instead the queue
//! keeps a count of the items and bytes waiting and, when a device falls behind:
//! 1. ephemeral messages (presence, cursors) are dropped first, once the queue is half full:
//!    they are meant to be lost;
//! 2. when a sync message or a refusal would pass the limit, the connection is marked as fallen
//!    behind: nothing more is queued and the connection closes with a reason. Nothing is lost by
//!    that: every change is committed before it is sent, the document forgets the connection's
//!    sync state, and the device syncs again from what it has when it reconnects.
//!
//! The memory a stalled reader can hold is so at most [`OutboxLimits::max_bytes`] (or one item,
//! however large: a whole document for a device that has nothing is one sync message; plus the
//! item being written), instead of growing without limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::peer::Outbound;

/// How much may wait for one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutboxLimits {
    /// Items waiting.
    pub max_items: usize,
    /// Bytes waiting, as [`Outbound::approx_bytes`] counts them.
    pub max_bytes: usize,
}

impl Default for OutboxLimits {
    /// 1,024 items or 32 MiB: a device on a few hundred documents, each with a message in
    /// flight, fits; a stalled reader on a busy club is closed in seconds.
    fn default() -> Self {
        Self {
            max_items: 1024,
            max_bytes: 32 << 20,
        }
    }
}

/// What became of an item given to [`Outbox::send`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queued {
    /// It waits for the connection.
    Yes,
    /// An ephemeral message dropped because the connection is behind.
    EphemeralDropped,
    /// The connection fell behind: it closes, and the item is not sent.
    FellBehind,
    /// The connection is gone.
    Closed,
}

struct Backlog {
    items: AtomicUsize,
    bytes: AtomicUsize,
    ephemeral_dropped: AtomicU64,
    limits: OutboxLimits,
    /// Cancelled when the connection fell behind.
    behind: CancellationToken,
}

/// The sending half of a connection's queue: cheap to clone, never blocks.
#[derive(Clone)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<(Outbound, usize)>,
    backlog: Arc<Backlog>,
}

/// The receiving half, read by the connection's task.
pub struct OutboxReader {
    rx: mpsc::UnboundedReceiver<(Outbound, usize)>,
    backlog: Arc<Backlog>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("items", &self.backlog.items.load(Relaxed))
            .field("bytes", &self.backlog.bytes.load(Relaxed))
            .finish()
    }
}

/// A new queue for a connection.
pub fn outbox(limits: OutboxLimits) -> (Outbox, OutboxReader) {
    let (tx, rx) = mpsc::unbounded_channel();
    let backlog = Arc::new(Backlog {
        items: AtomicUsize::new(0),
        bytes: AtomicUsize::new(0),
        ephemeral_dropped: AtomicU64::new(0),
        limits,
        behind: CancellationToken::new(),
    });
    (
        Outbox {
            tx,
            backlog: backlog.clone(),
        },
        OutboxReader { rx, backlog },
    )
}

impl Outbox {
    /// Queues `item` for the connection, or drops it by the policy above.
    pub fn send(&self, item: Outbound) -> Queued {
        let backlog = &self.backlog;
        if backlog.behind.is_cancelled() {
            return Queued::FellBehind;
        }
        let size = item.approx_bytes();
        let ephemeral = matches!(item, Outbound::Ephemeral(_));
        let (max_items, max_bytes) = if ephemeral {
            (backlog.limits.max_items / 2, backlog.limits.max_bytes / 2)
        } else {
            (backlog.limits.max_items, backlog.limits.max_bytes)
        };
        let items = backlog.items.fetch_add(1, Relaxed) + 1;
        let bytes = backlog.bytes.fetch_add(size, Relaxed) + size;
        // One item always fits, however large: a whole document to a device that has nothing
        // is one sync message, and must reach it.
        let alone = items == 1 && !ephemeral;
        if !alone && (items > max_items || bytes > max_bytes) {
            backlog.items.fetch_sub(1, Relaxed);
            backlog.bytes.fetch_sub(size, Relaxed);
            if ephemeral {
                backlog.ephemeral_dropped.fetch_add(1, Relaxed);
                return Queued::EphemeralDropped;
            }
            backlog.behind.cancel();
            return Queued::FellBehind;
        }
        match self.tx.send((item, size)) {
            Ok(()) => Queued::Yes,
            Err(_) => {
                backlog.items.fetch_sub(1, Relaxed);
                backlog.bytes.fetch_sub(size, Relaxed);
                Queued::Closed
            }
        }
    }
}

impl OutboxReader {
    /// The next item; `None` when every sender is gone.
    pub async fn recv(&mut self) -> Option<Outbound> {
        let (item, size) = self.rx.recv().await?;
        self.backlog.items.fetch_sub(1, Relaxed);
        self.backlog.bytes.fetch_sub(size, Relaxed);
        Some(item)
    }

    /// Completes once the connection fell behind (see the module's doc).
    pub fn fell_behind(&self) -> tokio_util::sync::WaitForCancellationFutureOwned {
        self.backlog.behind.clone().cancelled_owned()
    }

    /// Ephemeral messages dropped so far because the connection was behind.
    pub fn ephemeral_dropped(&self) -> u64 {
        self.backlog.ephemeral_dropped.load(Relaxed)
    }

    /// The limits this queue was made with.
    pub fn limits(&self) -> OutboxLimits {
        self.backlog.limits
    }
}

#[cfg(test)]
mod tests {
    use clubsync_protocol::DocumentId;

    use super::*;

    #[tokio::test]
    async fn a_reader_that_keeps_up_gets_everything_in_order() {
        let (tx, mut rx) = outbox(OutboxLimits {
            max_items: 4,
            max_bytes: 1 << 20,
        });
        for round in 0..20 {
            assert_eq!(tx.send(Outbound::Refuse(format!("{round}"))), Queued::Yes);
            assert!(
                matches!(rx.recv().await, Some(Outbound::Refuse(r)) if r == format!("{round}"))
            );
        }
    }

    #[tokio::test]
    async fn a_stalled_reader_loses_ephemerals_first_then_falls_behind() {
        let (tx, rx) = outbox(OutboxLimits {
            max_items: 4,
            max_bytes: 1 << 20,
        });
        let ephemeral = || {
            Outbound::Ephemeral(Box::new(clubsync_protocol::message::Ephemeral {
                sender_id: clubsync_protocol::PeerId::random(),
                target_id: clubsync_protocol::PeerId::random(),
                count: 1,
                session_id: "s".into(),
                document_id: DocumentId::random(),
                data: vec![1, 2, 3],
            }))
        };
        assert_eq!(tx.send(ephemeral()), Queued::Yes);
        assert_eq!(tx.send(ephemeral()), Queued::Yes);
        // Half full: presence goes, sync messages still queue.
        assert_eq!(tx.send(ephemeral()), Queued::EphemeralDropped);
        assert_eq!(
            tx.send(Outbound::Unavailable(DocumentId::random())),
            Queued::Yes
        );
        assert_eq!(
            tx.send(Outbound::Unavailable(DocumentId::random())),
            Queued::Yes
        );
        assert_eq!(rx.ephemeral_dropped(), 1);
        // Full: the connection fell behind, and nothing more is queued.
        assert_eq!(
            tx.send(Outbound::Unavailable(DocumentId::random())),
            Queued::FellBehind
        );
        tokio::time::timeout(std::time::Duration::from_secs(1), rx.fell_behind())
            .await
            .expect("the reader is told");
        assert_eq!(tx.send(Outbound::Refuse("late".into())), Queued::FellBehind);
    }

    #[tokio::test]
    async fn bytes_are_bounded_too_and_freed_as_the_reader_reads() {
        let (tx, mut rx) = outbox(OutboxLimits {
            max_items: 100,
            max_bytes: 100_000,
        });
        let large = || Outbound::Refuse("x".repeat(60_000));
        assert_eq!(tx.send(large()), Queued::Yes);
        rx.recv().await.expect("the first");
        assert_eq!(tx.send(large()), Queued::Yes);
        assert_eq!(tx.send(large()), Queued::FellBehind);
    }

    #[tokio::test]
    async fn one_item_larger_than_the_limit_still_goes_to_an_empty_queue() {
        let (tx, mut rx) = outbox(OutboxLimits {
            max_items: 100,
            max_bytes: 1_000,
        });
        let whole_document = || Outbound::Refuse("x".repeat(50_000));
        assert_eq!(tx.send(whole_document()), Queued::Yes);
        rx.recv().await.expect("it arrives");
        assert_eq!(tx.send(whole_document()), Queued::Yes);
        assert_eq!(
            tx.send(whole_document()),
            Queued::FellBehind,
            "but not a second behind it"
        );
    }

    #[tokio::test]
    async fn a_closed_connection_is_said_so() {
        let (tx, rx) = outbox(OutboxLimits::default());
        drop(rx);
        assert_eq!(tx.send(Outbound::Refuse("gone".into())), Queued::Closed);
        assert_eq!(tx.send(Outbound::Refuse("gone".into())), Queued::Closed);
    }
}
