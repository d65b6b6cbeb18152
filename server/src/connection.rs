//! One authenticated websocket: reads frames into the protocol's `ServerConnection`, carries out
//! its actions, and writes what the documents send back.
//!
//! The task ends when the peer closes, the protocol fails, the device is revoked, or the server
//! shuts down (then with close code 1001, "going away"). On the way out it tells every document
//! it used, so their sync states go too.

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use clubsync_protocol::message::PeerMetadata;
use clubsync_protocol::{Access, DocumentId, ProtocolError, ServerAction, ServerConnection};
use futures_util::{SinkExt, StreamExt};
use tracing::{debug, info, warn};

use crate::documents::{self, ConnId, DocCommand, Outbound, Outbox, PeerInfo};
use crate::identity::{self, DeviceRecord};
use crate::log_text::capped;
use crate::state::AppState;

/// Close codes (RFC 6455).
const CLOSE_NORMAL: u16 = 1000;
const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_PROTOCOL_ERROR: u16 = 1002;
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;

/// A token bucket: `per_second` messages a second, up to twice that in a burst.
struct MessageRate {
    per_second: f64,
    tokens: f64,
    last: tokio::time::Instant,
}

impl MessageRate {
    fn new(per_second: u32) -> Self {
        let per_second = f64::from(per_second);
        Self {
            per_second,
            tokens: 2.0 * per_second,
            last: tokio::time::Instant::now(),
        }
    }

    /// Takes one message's token; false when the peer sends too fast.
    fn allow(&mut self) -> bool {
        let now = tokio::time::Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + refill).min(2.0 * self.per_second);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The most connections one device may have open at once (a phone, its tabs, a retry).
pub const MAX_CONNECTIONS_PER_DEVICE: usize = 8;

/// Serves one websocket of an authenticated device until it ends.
pub async fn serve(socket: WebSocket, device: DeviceRecord, state: AppState) {
    let _running = state.live.track();
    let conn = state.next_conn_id();
    let (outbox, mut inbox) = documents::outbox(state.outbox);
    if !state
        .live
        .register(device.id, conn, outbox.clone(), MAX_CONNECTIONS_PER_DEVICE)
    {
        // Others of this device's connections passed the check before the upgrade with it.
        state.metrics.refused("too_many_connections");
        let (mut sink, _) = socket.split();
        let _ = sink
            .send(WsMessage::Close(Some(CloseFrame {
                code: CLOSE_POLICY,
                reason: format!(
                    "this device already has {} open connections; close one",
                    MAX_CONNECTIONS_PER_DEVICE
                )
                .into(),
            })))
            .await;
        return;
    }
    state.metrics.connections.fetch_add(1, Relaxed);
    info!(conn, device = %device.id, "connected");

    let mut session = ServerConnection::new(
        state.peer_id.clone(),
        PeerMetadata {
            storage_id: Some(state.storage_id.clone()),
            is_ephemeral: false,
        },
        state.limits.clone(),
    );
    let identity = state.identity.clone();
    let club = device.club;
    let club_document = match tokio::task::spawn_blocking(move || identity.club_document(club))
        .await
    {
        Ok(Ok(document)) => Some(document),
        Ok(Err(e)) => {
            warn!(conn, %e, "could not read the club's document id; new documents are not matched to it");
            None
        }
        Err(_) => None,
    };
    let link = Link {
        conn,
        peer: PeerInfo {
            club: device.club,
            device: device.id,
            member: device.member,
            club_document,
            coordinator: device.role == clubsync_core::club::Role::Coordinator,
        },
        outbox,
        new_documents: AtomicUsize::new(0),
        in_flight: std::sync::Arc::new(tokio::sync::Semaphore::new(MESSAGES_IN_FLIGHT)),
    };
    let (mut sink, mut stream) = socket.split();
    let shutdown = state.shutdown.clone();
    let mut rate = MessageRate::new(state.messages_per_second);
    let mut ephemeral_rate = MessageRate::new(EPHEMERAL_PER_SECOND);
    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + state.http.ping_every,
        state.http.ping_every,
    );
    let mut last_heard = tokio::time::Instant::now();
    let mut fell_behind = std::pin::pin!(inbox.fell_behind());

    let close: (u16, String) = loop {
        let actions = tokio::select! {
            frame = stream.next() => { last_heard = tokio::time::Instant::now(); match frame {
                Some(Ok(WsMessage::Binary(bytes))) => {
                    state.metrics.bytes_in.fetch_add(bytes.len() as u64, Relaxed);
                    if rate.allow() {
                        session.receive_frame(&bytes)
                    } else {
                        state.metrics.refused("rate_limited");
                        session.refuse(format!(
                            "more than {} messages a second from this connection; slow down and reconnect",
                            state.messages_per_second
                        ))
                    }
                }
                Some(Ok(WsMessage::Text(_))) => session.receive_text_frame(),
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
                Some(Ok(WsMessage::Close(_))) | None => break (CLOSE_NORMAL, String::new()),
                Some(Err(e)) => {
                    let text = e.to_string();
                    if text.contains("too long") || text.contains("Space limit") || text.contains("capacity") {
                        state.metrics.refused("frame_too_large");
                        break (CLOSE_TOO_BIG, format!("frame over the limit of {} bytes", state.limits.max_frame_bytes));
                    }
                    debug!(conn, %e, "websocket error");
                    break (CLOSE_NORMAL, String::new());
                }
            }},
            out = inbox.recv() => match out {
                Some(Outbound::Sync(doc, message)) => frames(session.sync_frame(doc, *message)),
                Some(Outbound::Unavailable(doc)) => frames(session.unavailable_frame(doc)),
                Some(Outbound::Ephemeral(e)) => frames(session.ephemeral_frame(&e)),
                Some(Outbound::Refuse(reason)) => session.refuse(reason),
                None => break (CLOSE_NORMAL, String::new()),
            },
            _ = ping.tick() => {
                let silent = last_heard.elapsed();
                if silent > state.http.silence_limit() {
                    state.metrics.refused("silent_connection");
                    break (CLOSE_GOING_AWAY, format!("nothing heard from this device for {} s, not even a pong", silent.as_secs()));
                }
                match tokio::time::timeout(state.http.write_timeout, sink.send(WsMessage::Ping(Default::default()))).await {
                    Ok(Ok(())) => continue,
                    Ok(Err(_)) => break (CLOSE_NORMAL, String::new()),
                    Err(_) => {
                        state.metrics.refused("slow_reader");
                        break (CLOSE_GOING_AWAY, "this device stopped reading".into());
                    }
                }
            }
            _ = &mut fell_behind => break fell_behind_close(&state, &inbox),
            _ = shutdown.cancelled() => break (CLOSE_GOING_AWAY, "the server is shutting down".into()),
        };
        if let Some(close) = carry_out(
            actions,
            &mut session,
            &link,
            &device,
            &state,
            &mut ephemeral_rate,
            Wire {
                sink: &mut sink,
                fell_behind: fell_behind.as_mut(),
                inbox: &inbox,
            },
        )
        .await
        {
            break close;
        }
    };

    let reason: axum::extract::ws::Utf8Bytes = truncate(&close.1).into();
    let goodbye = sink.send(WsMessage::Close(Some(CloseFrame {
        code: close.0,
        reason,
    })));
    let _ = tokio::time::timeout(state.http.write_timeout, goodbye).await;
    for (doc, _) in session.documents() {
        state.hub.send(*doc, DocCommand::Leave { conn });
    }
    for _ in 0..inbox.ephemeral_dropped() {
        state.metrics.refused("ephemeral_dropped");
    }
    state.live.unregister(device.id, conn);
    state.metrics.connections.fetch_sub(1, Relaxed);
    info!(conn, device = %device.id, code = close.0, reason = %capped(&close.1), "disconnected");
}

/// The slowest link a write is allowed for: 8 KiB a second (about 64 kbit/s, a phone on a weak
/// signal). A large frame (a whole document to a phone that has nothing) gets the write timeout
/// plus the time it takes at that rate, so a slow phone still receives it while a reader that
/// stopped reading is still closed in bounded time.
const SLOWEST_LINK_BYTES_PER_SECOND: u64 = 8 * 1024;

/// How long writing a frame of `len` bytes may take.
fn write_deadline(write_timeout: std::time::Duration, len: usize) -> std::time::Duration {
    write_timeout + std::time::Duration::from_secs(len as u64 / SLOWEST_LINK_BYTES_PER_SECOND)
}

fn frames(frame: Option<Vec<u8>>) -> Vec<ServerAction> {
    frame.map(ServerAction::Send).into_iter().collect()
}

/// The socket's writing half, and how a connection learns in the middle of a write that it
/// fell behind.
struct Wire<'a> {
    sink: &'a mut futures_util::stream::SplitSink<WebSocket, WsMessage>,
    fell_behind: std::pin::Pin<&'a mut tokio_util::sync::WaitForCancellationFutureOwned>,
    inbox: &'a documents::OutboxReader,
}

/// The close of a connection that fell behind (see `documents::outbox`), counted.
fn fell_behind_close(state: &AppState, inbox: &documents::OutboxReader) -> (u16, String) {
    state.metrics.refused("fell_behind");
    let limits = inbox.limits();
    (
        CLOSE_GOING_AWAY,
        format!(
            "this device fell behind by more than {} messages or {} MiB; reconnect to sync again",
            limits.max_items,
            limits.max_bytes >> 20
        ),
    )
}

/// This connection as the documents know it.
struct Link {
    conn: ConnId,
    peer: PeerInfo,
    /// Where documents send their frames for this connection.
    outbox: Outbox,
    /// Documents the registry did not know that this connection named so far: each starts a
    /// document's host, so there are at most [`MAX_NEW_DOCUMENTS_PER_CONNECTION`].
    new_documents: AtomicUsize,
    /// Permits for this connection's sync messages that documents have not handled yet.
    in_flight: std::sync::Arc<tokio::sync::Semaphore>,
}

/// Sync messages of one connection that may wait in documents' queues at once: what a device
/// sends past it waits in its socket (TCP pushes back on the device), so a flood from any
/// number of devices holds at most this many messages each in the server's memory.
const MESSAGES_IN_FLIGHT: usize = 64;

/// The most documents unknown to the server one connection may name (new documents it offers,
/// or ids it asks for that do not exist). A device with more new documents than this sends the
/// rest on its next connection, once these are registered.
const MAX_NEW_DOCUMENTS_PER_CONNECTION: usize = 1000;

/// Carries out a session's actions in order. Returns the close code and reason when the
/// connection must end.
async fn carry_out(
    actions: Vec<ServerAction>,
    session: &mut ServerConnection,
    link: &Link,
    device: &DeviceRecord,
    state: &AppState,
    ephemeral_rate: &mut MessageRate,
    mut wire: Wire<'_>,
) -> Option<(u16, String)> {
    let conn = link.conn;
    let mut work: std::collections::VecDeque<ServerAction> = actions.into();
    while let Some(action) = work.pop_front() {
        match action {
            ServerAction::Send(frame) => {
                state
                    .metrics
                    .bytes_out
                    .fetch_add(frame.len() as u64, Relaxed);
                let deadline = write_deadline(state.http.write_timeout, frame.len());
                let write =
                    tokio::time::timeout(deadline, wire.sink.send(WsMessage::Binary(frame.into())));
                // A large frame to a slow phone may take minutes; if what waits behind it passes
                // the outbox's limit meanwhile, the device is too far behind to wait for.
                let written = tokio::select! {
                    written = write => written,
                    _ = wire.fell_behind.as_mut() => return Some(fell_behind_close(state, wire.inbox)),
                };
                match written {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => return Some((CLOSE_NORMAL, String::new())),
                    // The device stopped reading: close it rather than let what waits for it
                    // grow; it resyncs when it reconnects.
                    Err(_) => {
                        state.metrics.refused("slow_reader");
                        return Some((CLOSE_GOING_AWAY, "this device stopped reading".into()));
                    }
                }
            }
            ServerAction::Joined { peer_id, metadata } => {
                debug!(conn, %peer_id, ?metadata, "joined");
            }
            ServerAction::CheckAccess(doc) => {
                let (mut access, unknown) = decide_access(state, device, doc).await;
                if unknown
                    && access != Access::Denied
                    && link.new_documents.fetch_add(1, Relaxed) >= MAX_NEW_DOCUMENTS_PER_CONNECTION
                {
                    state.metrics.refused("new_documents_per_connection");
                    debug!(conn, document = %doc, "too many unknown documents on one connection");
                    access = Access::Denied;
                }
                work.extend(session.access_decided(doc, access));
            }
            ServerAction::Sync {
                document_id,
                request,
                permission,
                message,
            } => {
                // Waits while this connection has MESSAGES_IN_FLIGHT messages not yet handled.
                let Ok(permit) = link.in_flight.clone().acquire_owned().await else {
                    return Some((CLOSE_NORMAL, String::new()));
                };
                state.hub.send_from(
                    document_id,
                    &link.outbox,
                    DocCommand::Sync {
                        conn,
                        peer: link.peer,
                        permission,
                        request,
                        message,
                    },
                    permit,
                )
            }
            ServerAction::Ephemeral(message) => {
                // Every ephemeral message is copied to each other connection on the document,
                // so one sender is held to a small size and rate; what is past them is dropped
                // (ephemeral messages may be lost by definition), not an error.
                if message.data.len() > MAX_EPHEMERAL_BYTES {
                    state.metrics.refused("ephemeral_too_large");
                    debug!(
                        conn,
                        bytes = message.data.len(),
                        "dropped an ephemeral message over the size limit"
                    );
                } else if !ephemeral_rate.allow() {
                    state.metrics.refused("ephemeral_rate");
                } else {
                    state.hub.send(
                        message.document_id,
                        DocCommand::Ephemeral {
                            from: conn,
                            message,
                        },
                    )
                }
            }
            ServerAction::Report(e) => {
                state.metrics.refused(reason_label(&e));
                debug!(conn, e = %capped(&e), "skipped a message");
            }
            ServerAction::Close(e) => {
                state.metrics.refused(reason_label(&e));
                info!(conn, e = %capped(&e), "closing");
                let code = match e {
                    ProtocolError::Refused(_) | ProtocolError::ReadOnlyChange(_) => CLOSE_POLICY,
                    ProtocolError::Remote(_) => CLOSE_NORMAL,
                    _ => CLOSE_PROTOCOL_ERROR,
                };
                return Some((code, e.to_string()));
            }
        }
    }
    None
}

/// The access of a device to a document: its club's documents by role, a new document if the
/// role may create, nothing of another club's; and whether the registry knows no such document.
async fn decide_access(state: &AppState, device: &DeviceRecord, doc: DocumentId) -> (Access, bool) {
    let identity = state.identity.clone();
    let found = tokio::task::spawn_blocking(move || identity.document(&doc)).await;
    let unknown = matches!(found, Ok(Ok(None)));
    let access = match found {
        Ok(Ok(Some((club, kind)))) if club == device.club => identity::access(device.role, kind),
        Ok(Ok(Some(_))) => Access::Denied,
        Ok(Ok(None)) if identity::may_create(device.role) => Access::ReadWrite,
        Ok(Ok(None)) => Access::Denied,
        Ok(Err(e)) => {
            tracing::error!(%e, "access check failed; denying");
            Access::Denied
        }
        Err(e) => {
            tracing::error!(%e, "access check task failed; denying");
            Access::Denied
        }
    };
    (access, unknown)
}

/// The largest ephemeral message relayed (presence and cursors are a few hundred bytes).
const MAX_EPHEMERAL_BYTES: usize = 16 * 1024;

/// Ephemeral messages relayed per second from one connection (twice that in a burst).
const EPHEMERAL_PER_SECOND: u32 = 20;

/// A short, fixed label for the refusals metric.
fn reason_label(e: &ProtocolError) -> &'static str {
    match e {
        ProtocolError::Decode(d) if d.is_unknown_type() => "unknown_message_type",
        ProtocolError::Decode(_) => "malformed_frame",
        ProtocolError::TextFrame => "text_frame",
        ProtocolError::HandshakeExpected { .. } | ProtocolError::RepeatedHandshake(_) => {
            "handshake"
        }
        ProtocolError::UnsupportedVersion(_) => "unsupported_version",
        ProtocolError::ForgedSender { .. } => "forged_sender",
        ProtocolError::WrongTarget(_) => "wrong_target",
        ProtocolError::TooManyDocuments { .. } => "too_many_documents",
        ProtocolError::BadSyncMessage { .. } | ProtocolError::MalformedChanges { .. } => {
            "malformed_automerge"
        }
        ProtocolError::ReadOnlyChange(_) => "read_only_change",
        ProtocolError::Remote(_) => "peer_closed",
        _ => "refused",
    }
}

/// A close reason must fit in 123 bytes.
fn truncate(text: &str) -> String {
    let mut end = text.len().min(120);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::write_deadline;

    #[test]
    fn a_large_frame_gets_the_time_a_phone_on_a_weak_signal_needs() {
        let base = Duration::from_secs(30);
        assert_eq!(write_deadline(base, 2_000), base);
        // A 1 MiB document at 8 KiB/s: 128 s more.
        assert_eq!(
            write_deadline(base, 1 << 20),
            base + Duration::from_secs(128)
        );
    }
}
