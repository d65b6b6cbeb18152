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
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
/// [`MAX_SAFE_INTEGER`] as an integer.
const MAX_SAFE_INTEGER_U64: u64 = (1 << 53) - 1;

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

fn payload_len(message: &Message) -> usize {
    match message {
        Message::Request(m) | Message::Sync(m) => m.data.len(),
        Message::Ephemeral(m) => m.data.len(),
        _ => 0,
    }
}

type W<'a> = Encoder<&'a mut Vec<u8>>;
type WResult = Result<(), minicbor::encode::Error<Infallible>>;

fn write_message(e: &mut W<'_>, message: &Message) -> WResult {
    let kind = message.type_name();
    match message {
        Message::Join(m) => {
            e.map(3 + u64::from(m.peer_metadata.is_some()))?;
            e.str("type")?.str(kind)?;
            e.str("senderId")?.str(m.sender_id.as_str())?;
            e.str("supportedProtocolVersions")?;
            e.array(m.supported_protocol_versions.len() as u64)?;
            for v in &m.supported_protocol_versions {
                e.str(v)?;
            }
            if let Some(meta) = &m.peer_metadata {
                write_metadata(e, meta)?;
            }
        }
        Message::Peer(m) => {
            e.map(4 + u64::from(m.peer_metadata.is_some()))?;
            e.str("type")?.str(kind)?;
            e.str("senderId")?.str(m.sender_id.as_str())?;
            e.str("targetId")?.str(m.target_id.as_str())?;
            e.str("selectedProtocolVersion")?
                .str(&m.selected_protocol_version)?;
            if let Some(meta) = &m.peer_metadata {
                write_metadata(e, meta)?;
            }
        }
        Message::Error(m) => {
            let n = 2 + u64::from(m.sender_id.is_some()) + u64::from(m.target_id.is_some());
            e.map(n)?;
            e.str("type")?.str(kind)?;
            e.str("message")?.str(&m.message)?;
            if let Some(id) = &m.sender_id {
                e.str("senderId")?.str(id.as_str())?;
            }
            if let Some(id) = &m.target_id {
                e.str("targetId")?.str(id.as_str())?;
            }
        }
        Message::Request(m) | Message::Sync(m) => {
            e.map(5)?;
            e.str("type")?.str(kind)?;
            e.str("senderId")?.str(m.sender_id.as_str())?;
            e.str("targetId")?.str(m.target_id.as_str())?;
            e.str("documentId")?.str(&m.document_id.to_string())?;
            e.str("data")?.bytes(&m.data)?;
        }
        Message::DocUnavailable(m) => {
            e.map(4)?;
            e.str("type")?.str(kind)?;
            e.str("senderId")?.str(m.sender_id.as_str())?;
            e.str("targetId")?.str(m.target_id.as_str())?;
            e.str("documentId")?.str(&m.document_id.to_string())?;
        }
        Message::Ephemeral(m) => {
            e.map(7)?;
            e.str("type")?.str(kind)?;
            e.str("senderId")?.str(m.sender_id.as_str())?;
            e.str("targetId")?.str(m.target_id.as_str())?;
            e.str("count")?;
            write_uint(e, m.count)?;
            e.str("sessionId")?.str(&m.session_id)?;
            e.str("documentId")?.str(&m.document_id.to_string())?;
            e.str("data")?.bytes(&m.data)?;
        }
        Message::RemoteHeadsChanged(m) => {
            e.map(5)?;
            e.str("type")?.str(kind)?;
            e.str("senderId")?.str(m.sender_id.as_str())?;
            e.str("targetId")?.str(m.target_id.as_str())?;
            e.str("documentId")?.str(&m.document_id.to_string())?;
            e.str("newHeads")?.map(m.new_heads.len() as u64)?;
            for (storage, heads) in &m.new_heads {
                e.str(storage.as_str())?.map(2)?;
                e.str("heads")?.array(heads.heads.len() as u64)?;
                for h in &heads.heads {
                    e.str(h)?;
                }
                e.str("timestamp")?;
                write_uint(e, heads.timestamp)?;
            }
        }
        Message::RemoteSubscriptionChange(m) => {
            let n = 3 + u64::from(m.add.is_some()) + u64::from(m.remove.is_some());
            e.map(n)?;
            e.str("type")?.str(kind)?;
            e.str("senderId")?.str(m.sender_id.as_str())?;
            e.str("targetId")?.str(m.target_id.as_str())?;
            for (key, list) in [("add", &m.add), ("remove", &m.remove)] {
                if let Some(list) = list {
                    e.str(key)?.array(list.len() as u64)?;
                    for id in list {
                        e.str(id.as_str())?;
                    }
                }
            }
        }
        Message::Leave(m) => {
            e.map(2)?;
            e.str("type")?.str(kind)?;
            e.str("senderId")?.str(m.sender_id.as_str())?;
        }
    }
    Ok(())
}

/// Writes a non-negative integer as cbor-x writes a JS number, so that a JS peer reads a number.
///
/// cbor-x decodes every 8-byte CBOR integer as a `BigInt`, whatever its value, and a `BigInt`
/// timestamp or count breaks JS code that expects a number (`new Date(t)` throws). cbor-x itself
/// writes numbers from 2^32 up as float64. So: up to `u32::MAX` an integer; above it a float64,
/// exact up to 2^53 - 1; beyond that, where no JS number is exact, an 8-byte integer. [`decode`]
/// reads all three.
fn write_uint(e: &mut W<'_>, n: u64) -> WResult {
    if n <= u64::from(u32::MAX) || n > MAX_SAFE_INTEGER_U64 {
        e.u64(n)?;
    } else {
        // Exact: n < 2^53.
        e.f64(n as f64)?;
    }
    Ok(())
}

fn write_metadata(e: &mut W<'_>, meta: &PeerMetadata) -> WResult {
    e.str("peerMetadata")?;
    e.map(1 + u64::from(meta.storage_id.is_some()))?;
    if let Some(id) = &meta.storage_id {
        e.str("storageId")?.str(id.as_str())?;
    }
    e.str("isEphemeral")?.bool(meta.is_ephemeral)?;
    Ok(())
}

/// The entries of one CBOR map: each text key with the raw bytes of its value.
struct Fields<'b> {
    entries: Vec<(&'b str, &'b [u8])>,
}

fn cbor_error(e: minicbor::decode::Error) -> DecodeError {
    DecodeError::NotCbor(e.to_string())
}

/// Reads a text string, definite or indefinite.
fn read_text(d: &mut Decoder<'_>) -> Result<Option<String>, minicbor::decode::Error> {
    match d.datatype()? {
        Type::String => Ok(Some(d.str()?.to_owned())),
        Type::StringIndef => {
            let mut s = String::new();
            for part in d.str_iter()? {
                s.push_str(part?);
            }
            Ok(Some(s))
        }
        _ => Ok(None),
    }
}

/// Reads a byte string, definite or indefinite.
fn read_bytes(d: &mut Decoder<'_>) -> Result<Option<Vec<u8>>, minicbor::decode::Error> {
    match d.datatype()? {
        Type::Bytes => Ok(Some(d.bytes()?.to_vec())),
        Type::BytesIndef => {
            let mut v = Vec::new();
            for part in d.bytes_iter()? {
                v.extend_from_slice(part?);
            }
            Ok(Some(v))
        }
        _ => Ok(None),
    }
}

/// Reads a non-negative integer, accepting the integral floats a JS encoder may send.
fn read_uint(d: &mut Decoder<'_>) -> Result<Option<u64>, minicbor::decode::Error> {
    let float = match d.datatype()? {
        Type::U8 | Type::U16 | Type::U32 | Type::U64 => return Ok(Some(d.u64()?)),
        Type::F16 => f64::from(d.f16()?),
        Type::F32 => f64::from(d.f32()?),
        Type::F64 => d.f64()?,
        _ => return Ok(None),
    };
    if float.is_finite() && float >= 0.0 && float.fract() == 0.0 && float <= MAX_SAFE_INTEGER {
        Ok(Some(float as u64))
    } else {
        Ok(None)
    }
}

/// An array header, definite or not; `None` length means indefinite (read until break).
fn read_array_len(d: &mut Decoder<'_>) -> Result<Option<Option<u64>>, minicbor::decode::Error> {
    match d.datatype()? {
        Type::Array | Type::ArrayIndef => Ok(Some(d.array()?)),
        _ => Ok(None),
    }
}

/// True when the decoder stands at the end of an indefinite array or map.
fn at_break(d: &Decoder<'_>) -> Result<bool, minicbor::decode::Error> {
    Ok(d.datatype()? == Type::Break)
}

/// Iterates the items of an array or map whose header said `len`, calling `item` on each.
fn for_each_item<'b>(
    d: &mut Decoder<'b>,
    len: Option<u64>,
    mut item: impl FnMut(&mut Decoder<'b>) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    match len {
        Some(n) => {
            for _ in 0..n {
                item(d)?;
            }
        }
        None => {
            while !at_break(d).map_err(cbor_error)? {
                item(d)?;
            }
            d.skip().map_err(cbor_error)?; // the break byte
        }
    }
    Ok(())
}

fn is_absent(d: &Decoder<'_>) -> Result<bool, minicbor::decode::Error> {
    Ok(matches!(d.datatype()?, Type::Null | Type::Undefined))
}

impl<'b> Fields<'b> {
    fn read(frame: &'b [u8]) -> Result<Self, DecodeError> {
        let mut d = Decoder::new(frame);
        let len = match d.datatype().map_err(cbor_error)? {
            Type::Map | Type::MapIndef => d.map().map_err(cbor_error)?,
            other => return Err(DecodeError::NotAMap(other.to_string())),
        };
        let mut entries: Vec<(&'b str, &'b [u8])> = Vec::new();
        for_each_item(&mut d, len, |d| {
            let key = match d.datatype().map_err(cbor_error)? {
                Type::String => d.str().map_err(cbor_error)?,
                other => return Err(DecodeError::KeyNotText(other.to_string())),
            };
            let start = d.position();
            d.skip().map_err(cbor_error)?;
            let value = &frame[start..d.position()];
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(DecodeError::DuplicateKey(key.to_owned()));
            }
            entries.push((key, value));
            Ok(())
        })?;
        let rest = frame.len() - d.position();
        if rest != 0 {
            return Err(DecodeError::TrailingBytes(rest));
        }
        Ok(Self { entries })
    }

    fn raw(&self, key: &str) -> Option<&'b [u8]> {
        self.entries
            .iter()
            .find_map(|(k, v)| (*k == key).then_some(*v))
    }

    /// A decoder on the field's value, or `None` when the field is absent, null or undefined.
    fn present(&self, key: &str) -> Result<Option<Decoder<'b>>, DecodeError> {
        match self.raw(key) {
            None => Ok(None),
            Some(raw) => {
                let d = Decoder::new(raw);
                if is_absent(&d).map_err(cbor_error)? {
                    Ok(None)
                } else {
                    Ok(Some(d))
                }
            }
        }
    }

    fn opt_with<T>(
        &self,
        t: &'static str,
        field: &'static str,
        expected: &'static str,
        read: impl FnOnce(&mut Decoder<'b>) -> Result<Option<T>, minicbor::decode::Error>,
    ) -> Result<Option<T>, DecodeError> {
        let Some(mut d) = self.present(field)? else {
            return Ok(None);
        };
        match read(&mut d).map_err(cbor_error)? {
            Some(v) => Ok(Some(v)),
            None => Err(DecodeError::WrongType {
                message_type: t,
                field,
                expected,
            }),
        }
    }

    fn required<T>(
        &self,
        t: &'static str,
        field: &'static str,
        v: Option<T>,
    ) -> Result<T, DecodeError> {
        v.ok_or(DecodeError::MissingField {
            message_type: t,
            field,
        })
    }

    fn opt_text(
        &self,
        t: &'static str,
        field: &'static str,
    ) -> Result<Option<String>, DecodeError> {
        self.opt_with(t, field, "text", read_text)
    }

    fn text(&self, t: &'static str, field: &'static str) -> Result<String, DecodeError> {
        let v = self.opt_text(t, field)?;
        self.required(t, field, v)
    }

    fn bytes(&self, t: &'static str, field: &'static str) -> Result<Vec<u8>, DecodeError> {
        let v = self.opt_with(t, field, "a byte string", read_bytes)?;
        self.required(t, field, v)
    }

    fn uint(&self, t: &'static str, field: &'static str) -> Result<u64, DecodeError> {
        let v = self.opt_with(t, field, "a non-negative integer", read_uint)?;
        self.required(t, field, v)
    }

    fn opt_peer_id(
        &self,
        t: &'static str,
        field: &'static str,
    ) -> Result<Option<PeerId>, DecodeError> {
        self.opt_text(t, field)?
            .map(|s| {
                PeerId::new(s).map_err(|source| DecodeError::BadId {
                    message_type: t,
                    field,
                    source,
                })
            })
            .transpose()
    }

    fn peer_id(&self, t: &'static str, field: &'static str) -> Result<PeerId, DecodeError> {
        let v = self.opt_peer_id(t, field)?;
        self.required(t, field, v)
    }

    fn document_id(&self, t: &'static str) -> Result<DocumentId, DecodeError> {
        let text = self.text(t, "documentId")?;
        text.parse().map_err(|source| DecodeError::BadId {
            message_type: t,
            field: "documentId",
            source,
        })
    }

    fn sync_data(&self, t: &'static str) -> Result<SyncData, DecodeError> {
        Ok(SyncData {
            sender_id: self.peer_id(t, "senderId")?,
            target_id: self.peer_id(t, "targetId")?,
            document_id: self.document_id(t)?,
            data: self.bytes(t, "data")?,
        })
    }

    fn opt_text_list(
        &self,
        t: &'static str,
        field: &'static str,
    ) -> Result<Option<Vec<String>>, DecodeError> {
        let Some(mut d) = self.present(field)? else {
            return Ok(None);
        };
        let wrong = DecodeError::WrongType {
            message_type: t,
            field,
            expected: "an array of text",
        };
        let Some(len) = read_array_len(&mut d).map_err(cbor_error)? else {
            return Err(wrong);
        };
        let mut out = Vec::new();
        for_each_item(&mut d, len, |d| match read_text(d).map_err(cbor_error)? {
            Some(s) => {
                out.push(s);
                Ok(())
            }
            None => Err(wrong.clone()),
        })?;
        Ok(Some(out))
    }

    fn opt_storage_ids(
        &self,
        t: &'static str,
        field: &'static str,
    ) -> Result<Option<Vec<StorageId>>, DecodeError> {
        let Some(list) = self.opt_text_list(t, field)? else {
            return Ok(None);
        };
        list.into_iter()
            .map(|s| {
                StorageId::new(s).map_err(|source| DecodeError::BadId {
                    message_type: t,
                    field,
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// Peer metadata under `peerMetadata` (what JS sends) or `metadata` (what the spec says).
    fn metadata(&self, t: &'static str) -> Result<Option<PeerMetadata>, DecodeError> {
        let field = if self.raw("peerMetadata").is_some() {
            "peerMetadata"
        } else {
            "metadata"
        };
        let Some(raw) = self.present(field)?.map(|d| &d.input()[d.position()..]) else {
            return Ok(None);
        };
        let inner = match Fields::read(raw) {
            Ok(f) => f,
            Err(_) => {
                return Err(DecodeError::WrongType {
                    message_type: t,
                    field,
                    expected: "a map with storageId and isEphemeral",
                });
            }
        };
        let storage_id = inner
            .opt_text(t, "storageId")?
            .map(|s| {
                StorageId::new(s).map_err(|source| DecodeError::BadId {
                    message_type: t,
                    field: "storageId",
                    source,
                })
            })
            .transpose()?;
        let is_ephemeral = inner
            .opt_with(t, "isEphemeral", "a boolean", |d| match d.datatype()? {
                Type::Bool => Ok(Some(d.bool()?)),
                _ => Ok(None),
            })?
            .unwrap_or(false);
        Ok(Some(PeerMetadata {
            storage_id,
            is_ephemeral,
        }))
    }

    fn new_heads(&self, t: &'static str) -> Result<Vec<(StorageId, RemoteHeads)>, DecodeError> {
        let field = "newHeads";
        let wrong = DecodeError::WrongType {
            message_type: t,
            field,
            expected: "a map of storage id to {heads, timestamp}",
        };
        let Some(d) = self.present(field)? else {
            return Err(DecodeError::MissingField {
                message_type: t,
                field,
            });
        };
        let outer = Fields::read(&d.input()[d.position()..]).map_err(|_| wrong.clone())?;
        let mut out = Vec::with_capacity(outer.entries.len());
        for (storage, raw) in &outer.entries {
            let storage = StorageId::new(*storage).map_err(|source| DecodeError::BadId {
                message_type: t,
                field,
                source,
            })?;
            let inner = Fields::read(raw).map_err(|_| wrong.clone())?;
            let heads = inner
                .opt_text_list(t, "heads")?
                .ok_or_else(|| wrong.clone())?;
            let timestamp = inner.uint(t, "timestamp")?;
            out.push((storage, RemoteHeads { heads, timestamp }));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 1 << 20;

    fn peer(s: &str) -> PeerId {
        PeerId::new(s).expect("valid peer id")
    }

    fn every_message() -> Vec<Message> {
        let doc = DocumentId::random();
        vec![
            Message::Join(Join {
                sender_id: peer("client"),
                peer_metadata: Some(PeerMetadata {
                    storage_id: Some(StorageId::random()),
                    is_ephemeral: false,
                }),
                supported_protocol_versions: vec!["1".into()],
            }),
            Message::Peer(Peer {
                sender_id: peer("server"),
                target_id: peer("client"),
                peer_metadata: Some(PeerMetadata::default()),
                selected_protocol_version: "1".into(),
            }),
            Message::Error(ErrorMessage {
                sender_id: Some(peer("server")),
                target_id: None,
                message: "device revoked".into(),
            }),
            Message::Request(SyncData {
                sender_id: peer("a"),
                target_id: peer("b"),
                document_id: doc,
                data: vec![0x42, 1, 2],
            }),
            Message::Sync(SyncData {
                sender_id: peer("a"),
                target_id: peer("b"),
                document_id: doc,
                data: vec![],
            }),
            Message::DocUnavailable(DocUnavailable {
                sender_id: peer("a"),
                target_id: peer("b"),
                document_id: doc,
            }),
            Message::Ephemeral(Ephemeral {
                sender_id: peer("a"),
                target_id: peer("b"),
                count: 1 << 40,
                session_id: "s".into(),
                document_id: doc,
                data: vec![0xa0],
            }),
            Message::RemoteHeadsChanged(RemoteHeadsChanged {
                sender_id: peer("a"),
                target_id: peer("b"),
                document_id: doc,
                new_heads: vec![(
                    StorageId::random(),
                    RemoteHeads {
                        heads: vec!["x".into()],
                        timestamp: 1_764_000_000_000,
                    },
                )],
            }),
            Message::RemoteSubscriptionChange(RemoteSubscriptionChange {
                sender_id: peer("a"),
                target_id: peer("b"),
                add: Some(vec![StorageId::random()]),
                remove: None,
            }),
            Message::Leave(Leave {
                sender_id: peer("a"),
            }),
        ]
    }

    #[test]
    fn every_message_round_trips() {
        for m in every_message() {
            assert_eq!(decode(&encode(&m), LIMIT), Ok(m));
        }
    }

    #[test]
    fn large_integers_are_written_as_js_numbers_the_way_cbor_x_writes_them() {
        let ephemeral = |count| {
            Message::Ephemeral(Ephemeral {
                sender_id: peer("a"),
                target_id: peer("b"),
                count,
                session_id: "s".into(),
                document_id: DocumentId::from_bytes([0; 16]),
                data: vec![],
            })
        };
        // The bytes after the "count" key, as cbor-x 1.6 writes the same JS number.
        let after_count = |count| {
            let frame = encode(&ephemeral(count));
            let key = b"\x65count";
            let at = frame
                .windows(key.len())
                .position(|w| w == key)
                .expect("count key written");
            frame[at + key.len()..].to_vec()
        };
        assert!(after_count(1).starts_with(&[0x01]));
        assert!(after_count(u64::from(u32::MAX)).starts_with(&[0x1a, 0xff, 0xff, 0xff, 0xff]));
        assert!(after_count((1 << 32) + 7).starts_with(&[0xfb, 0x41, 0xf0, 0, 0, 0, 0x70, 0, 0]));
        assert!(after_count(MAX_SAFE_INTEGER_U64).starts_with(&[0xfb, 0x43, 0x3f, 0xff, 0xff]));
        // Past 2^53 - 1 no float is exact: an 8-byte integer (a BigInt to JS), still exact here.
        assert!(after_count(1 << 53).starts_with(&[0x1b, 0, 0x20, 0, 0, 0, 0, 0, 0]));
        for count in [
            0,
            u64::from(u32::MAX) + 1,
            MAX_SAFE_INTEGER_U64,
            1 << 53,
            u64::MAX,
        ] {
            assert_eq!(
                decode(&encode(&ephemeral(count)), LIMIT),
                Ok(ephemeral(count))
            );
        }
    }

    #[test]
    fn an_oversized_frame_is_refused_before_parsing() {
        let frame = vec![0u8; 100];
        assert_eq!(
            decode(&frame, 99),
            Err(DecodeError::FrameTooLarge {
                size: 100,
                limit: 99
            })
        );
    }

    fn cbor(build: impl FnOnce(&mut Encoder<&mut Vec<u8>>) -> WResult) -> Vec<u8> {
        let mut out = Vec::new();
        let mut e = Encoder::new(&mut out);
        assert!(build(&mut e).is_ok());
        out
    }

    #[test]
    fn floats_for_integers_and_undefined_storage_ids_are_accepted() {
        let doc = DocumentId::random();
        let frame = cbor(|e| {
            e.map(7)?;
            e.str("type")?.str("ephemeral")?;
            e.str("senderId")?.str("a")?;
            e.str("targetId")?.str("b")?;
            e.str("count")?.f64(3.0)?;
            e.str("sessionId")?.str("s")?;
            e.str("documentId")?.str(&doc.to_string())?;
            e.str("data")?.bytes(&[1])?;
            Ok(())
        });
        match decode(&frame, LIMIT) {
            Ok(Message::Ephemeral(m)) => assert_eq!(m.count, 3),
            other => panic!("expected an ephemeral message, got {other:?}"),
        }

        let join = cbor(|e| {
            e.map(4)?;
            e.str("type")?.str("join")?;
            e.str("senderId")?.str("a")?;
            e.str("supportedProtocolVersions")?.array(1)?.str("1")?;
            e.str("metadata")?.map(2)?;
            e.str("storageId")?.undefined()?;
            e.str("isEphemeral")?.bool(true)?;
            Ok(())
        });
        match decode(&join, LIMIT) {
            Ok(Message::Join(j)) => assert_eq!(
                j.peer_metadata,
                Some(PeerMetadata {
                    storage_id: None,
                    is_ephemeral: true
                })
            ),
            other => panic!("expected a join, got {other:?}"),
        }
    }

    #[test]
    fn a_fractional_or_negative_count_is_refused() {
        let doc = DocumentId::random();
        for bad in [1.5f64, -1.0, f64::NAN] {
            let frame = cbor(|e| {
                e.map(7)?;
                e.str("type")?.str("ephemeral")?;
                e.str("senderId")?.str("a")?;
                e.str("targetId")?.str("b")?;
                e.str("count")?.f64(bad)?;
                e.str("sessionId")?.str("s")?;
                e.str("documentId")?.str(&doc.to_string())?;
                e.str("data")?.bytes(&[1])?;
                Ok(())
            });
            assert!(matches!(
                decode(&frame, LIMIT),
                Err(DecodeError::WrongType { field: "count", .. })
            ));
        }
    }

    #[test]
    fn malformed_frames_name_their_problem() {
        assert!(matches!(decode(&[], LIMIT), Err(DecodeError::NotCbor(_))));
        assert!(matches!(
            decode(&[0xbf, 0x61], LIMIT),
            Err(DecodeError::NotCbor(_))
        ));
        assert!(matches!(
            decode(&[0xff], LIMIT),
            Err(DecodeError::NotAMap(_))
        ));
        assert!(matches!(
            decode(&[0x01], LIMIT),
            Err(DecodeError::NotAMap(_))
        ));
        assert_eq!(decode(&[0xa0], LIMIT), Err(DecodeError::MissingType));
        let unknown = cbor(|e| {
            e.map(1)?.str("type")?.str("hello")?;
            Ok(())
        });
        let err = decode(&unknown, LIMIT).expect_err("unknown type");
        assert!(err.is_unknown_type());
        let no_doc = cbor(|e| {
            e.map(4)?.str("type")?.str("sync")?;
            e.str("senderId")?.str("a")?;
            e.str("targetId")?.str("b")?;
            e.str("data")?.bytes(&[])?;
            Ok(())
        });
        assert_eq!(
            decode(&no_doc, LIMIT),
            Err(DecodeError::MissingField {
                message_type: "sync",
                field: "documentId"
            })
        );
        let mut trailing = encode(&every_message()[9]);
        trailing.push(0);
        assert_eq!(decode(&trailing, LIMIT), Err(DecodeError::TrailingBytes(1)));
        let dup = cbor(|e| {
            e.map(2)?
                .str("type")?
                .str("leave")?
                .str("type")?
                .str("leave")?;
            Ok(())
        });
        assert_eq!(
            decode(&dup, LIMIT),
            Err(DecodeError::DuplicateKey("type".into()))
        );
    }

    #[test]
    fn indefinite_length_maps_and_strings_are_read() {
        let frame = cbor(|e| {
            e.begin_map()?;
            e.str("type")?.begin_str()?.str("lea")?.str("ve")?.end()?;
            e.str("senderId")?.str("a")?;
            e.end()?;
            Ok(())
        });
        assert_eq!(
            decode(&frame, LIMIT),
            Ok(Message::Leave(Leave {
                sender_id: peer("a")
            }))
        );
    }
}
