//! Writing a message as CBOR the way the JS decoder (cbor-x) expects it.

use super::*;

pub(super) fn payload_len(message: &Message) -> usize {
    match message {
        Message::Request(m) | Message::Sync(m) => m.data.len(),
        Message::Ephemeral(m) => m.data.len(),
        _ => 0,
    }
}

pub(super) type W<'a> = Encoder<&'a mut Vec<u8>>;
pub(super) type WResult = Result<(), minicbor::encode::Error<Infallible>>;

pub(super) fn write_message(e: &mut W<'_>, message: &Message) -> WResult {
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
pub(super) fn write_uint(e: &mut W<'_>, n: u64) -> WResult {
    if n <= u64::from(u32::MAX) || n > MAX_SAFE_INTEGER_U64 {
        e.u64(n)?;
    } else {
        // Exact: n < 2^53.
        e.f64(n as f64)?;
    }
    Ok(())
}

pub(super) fn write_metadata(e: &mut W<'_>, meta: &PeerMetadata) -> WResult {
    e.str("peerMetadata")?;
    e.map(1 + u64::from(meta.storage_id.is_some()))?;
    if let Some(id) = &meta.storage_id {
        e.str("storageId")?.str(id.as_str())?;
    }
    e.str("isEphemeral")?.bool(meta.is_ephemeral)?;
    Ok(())
}
