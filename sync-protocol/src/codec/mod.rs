//! The CBOR codec: [`Message`] to frame bytes and back.
//!
//! Decoding is strict about what matters (a size limit, one well-formed map, the fields each
//! message needs) and lenient where the JS encoder (cbor-x, configured by automerge-repo) differs
//! from the written spec: integers may arrive as floats, a missing `storageId` may arrive as CBOR
//! `undefined`, peer metadata may be called `metadata` or `peerMetadata`, and unknown fields are
//! ignored. A message type we do not know is [`DecodeError::UnknownType`], which a session
//! reports and skips rather than closing the connection.
//!
//! Encoding writes what the JS decoder expects: definite-length maps with text keys, byte strings
//! for sync data, `peerMetadata` for metadata, and integers from 2^32 up (timestamps) as float64,
//! as cbor-x writes them, because cbor-x reads an 8-byte integer as a `BigInt`.

use std::convert::Infallible;

use minicbor::data::Type;
use minicbor::{Decoder, Encoder};

use crate::ids::{DocumentId, IdError, PeerId, StorageId};
use crate::message::*;

/// Why a frame could not be read as a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The frame is bigger than the configured limit.
    #[error("frame of {size} bytes is over the limit of {limit} bytes")]
    FrameTooLarge {
        /// Size of the frame.
        size: usize,
        /// The limit it broke.
        limit: usize,
    },
    /// The bytes are not well-formed CBOR.
    #[error("frame is not valid CBOR: {0}")]
    NotCbor(String),
    /// The frame is CBOR but not a map.
    #[error("frame is CBOR of type {0}, not the map every message is")]
    NotAMap(String),
    /// Bytes follow the message's map.
    #[error("frame has {0} bytes after its message")]
    TrailingBytes(usize),
    /// A map key is not text.
    #[error("message map has a key of type {0}; keys must be text")]
    KeyNotText(String),
    /// A key appears twice.
    #[error("message has the key {0:?} twice")]
    DuplicateKey(String),
    /// The map has no `type`.
    #[error("message has no \"type\" field")]
    MissingType,
    /// A message type this implementation does not know. Not fatal: skip the message.
    #[error("unknown message type {0:?}")]
    UnknownType(String),
    /// A field the message type needs is absent.
    #[error("{message_type} message has no {field:?} field")]
    MissingField {
        /// The message's type.
        message_type: &'static str,
        /// The absent field.
        field: &'static str,
    },
    /// A field holds a value of the wrong kind.
    #[error("field {field:?} of a {message_type} message must be {expected}")]
    WrongType {
        /// The message's type.
        message_type: &'static str,
        /// The field.
        field: &'static str,
        /// What it must hold.
        expected: &'static str,
    },
    /// A field holds an id that does not parse.
    #[error("field {field:?} of a {message_type} message: {source}")]
    BadId {
        /// The message's type.
        message_type: &'static str,
        /// The field.
        field: &'static str,
        /// Why the id is not valid.
        source: IdError,
    },
}

impl DecodeError {
    /// True when the frame was well formed but of a message type we do not know.
    pub fn is_unknown_type(&self) -> bool {
        matches!(self, DecodeError::UnknownType(_))
    }
}

/// The largest integer a JS number holds exactly; floats above it are not integers we accept.
pub(super) const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
/// [`MAX_SAFE_INTEGER`] as an integer.
pub(super) const MAX_SAFE_INTEGER_U64: u64 = (1 << 53) - 1;

/// Reads one message from one frame of at most `max_frame_bytes` bytes.
pub fn decode(frame: &[u8], max_frame_bytes: usize) -> Result<Message, DecodeError> {
    if frame.len() > max_frame_bytes {
        return Err(DecodeError::FrameTooLarge {
            size: frame.len(),
            limit: max_frame_bytes,
        });
    }
    let fields = Fields::read(frame)?;
    let type_name = match fields.raw("type") {
        None => return Err(DecodeError::MissingType),
        Some(_) => fields.text("message", "type")?,
    };
    let message = match type_name.as_str() {
        "join" => {
            let t = "join";
            Message::Join(Join {
                sender_id: fields.peer_id(t, "senderId")?,
                peer_metadata: fields.metadata(t)?,
                supported_protocol_versions: fields
                    .opt_text_list(t, "supportedProtocolVersions")?
                    .unwrap_or_default(),
            })
        }
        "peer" => {
            let t = "peer";
            Message::Peer(Peer {
                sender_id: fields.peer_id(t, "senderId")?,
                target_id: fields.peer_id(t, "targetId")?,
                peer_metadata: fields.metadata(t)?,
                selected_protocol_version: fields.text(t, "selectedProtocolVersion")?,
            })
        }
        "error" => {
            let t = "error";
            Message::Error(ErrorMessage {
                sender_id: fields.opt_peer_id(t, "senderId")?,
                target_id: fields.opt_peer_id(t, "targetId")?,
                message: fields.opt_text(t, "message")?.unwrap_or_default(),
            })
        }
        "request" => Message::Request(fields.sync_data("request")?),
        "sync" => Message::Sync(fields.sync_data("sync")?),
        "doc-unavailable" => {
            let t = "doc-unavailable";
            Message::DocUnavailable(DocUnavailable {
                sender_id: fields.peer_id(t, "senderId")?,
                target_id: fields.peer_id(t, "targetId")?,
                document_id: fields.document_id(t)?,
            })
        }
        "ephemeral" => {
            let t = "ephemeral";
            Message::Ephemeral(Ephemeral {
                sender_id: fields.peer_id(t, "senderId")?,
                target_id: fields.peer_id(t, "targetId")?,
                count: fields.uint(t, "count")?,
                session_id: fields.text(t, "sessionId")?,
                document_id: fields.document_id(t)?,
                data: fields.bytes(t, "data")?,
            })
        }
        "remote-heads-changed" => {
            let t = "remote-heads-changed";
            Message::RemoteHeadsChanged(RemoteHeadsChanged {
                sender_id: fields.peer_id(t, "senderId")?,
                target_id: fields.peer_id(t, "targetId")?,
                document_id: fields.document_id(t)?,
                new_heads: fields.new_heads(t)?,
            })
        }
        "remote-subscription-change" => {
            let t = "remote-subscription-change";
            Message::RemoteSubscriptionChange(RemoteSubscriptionChange {
                sender_id: fields.peer_id(t, "senderId")?,
                target_id: fields.peer_id(t, "targetId")?,
                add: fields.opt_storage_ids(t, "add")?,
                remove: fields.opt_storage_ids(t, "remove")?,
            })
        }
        "leave" => Message::Leave(Leave {
            sender_id: fields.peer_id("leave", "senderId")?,
        }),
        _ => return Err(DecodeError::UnknownType(type_name)),
    };
    Ok(message)
}

/// Writes one message as the bytes of one frame.
pub fn encode(message: &Message) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + payload_len(message));
    let mut e = Encoder::new(&mut out);
    // Writing into a Vec cannot fail: its error type is `Infallible`.
    let written: Result<(), minicbor::encode::Error<Infallible>> = write_message(&mut e, message);
    debug_assert!(written.is_ok());
    out
}

mod read;
#[cfg(test)]
mod tests;
mod write;

use read::*;
use write::*;
