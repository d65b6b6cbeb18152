//! Reading CBOR leniently where the JS encoder differs from the written spec: the fields of one
//! map, texts, bytes and integers in every shape cbor-x may write them.

use super::*;

/// The entries of one CBOR map: each text key with the raw bytes of its value.
pub(super) struct Fields<'b> {
    entries: Vec<(&'b str, &'b [u8])>,
}

pub(super) fn cbor_error(e: minicbor::decode::Error) -> DecodeError {
    DecodeError::NotCbor(e.to_string())
}

/// Reads a text string, definite or indefinite.
pub(super) fn read_text(d: &mut Decoder<'_>) -> Result<Option<String>, minicbor::decode::Error> {
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
pub(super) fn read_bytes(d: &mut Decoder<'_>) -> Result<Option<Vec<u8>>, minicbor::decode::Error> {
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
pub(super) fn read_uint(d: &mut Decoder<'_>) -> Result<Option<u64>, minicbor::decode::Error> {
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
pub(super) fn read_array_len(
    d: &mut Decoder<'_>,
) -> Result<Option<Option<u64>>, minicbor::decode::Error> {
    match d.datatype()? {
        Type::Array | Type::ArrayIndef => Ok(Some(d.array()?)),
        _ => Ok(None),
    }
}

/// True when the decoder stands at the end of an indefinite array or map.
pub(super) fn at_break(d: &Decoder<'_>) -> Result<bool, minicbor::decode::Error> {
    Ok(d.datatype()? == Type::Break)
}

/// Iterates the items of an array or map whose header said `len`, calling `item` on each.
pub(super) fn for_each_item<'b>(
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

pub(super) fn is_absent(d: &Decoder<'_>) -> Result<bool, minicbor::decode::Error> {
    Ok(matches!(d.datatype()?, Type::Null | Type::Undefined))
}

impl<'b> Fields<'b> {
    pub(super) fn read(frame: &'b [u8]) -> Result<Self, DecodeError> {
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

    pub(super) fn raw(&self, key: &str) -> Option<&'b [u8]> {
        self.entries
            .iter()
            .find_map(|(k, v)| (*k == key).then_some(*v))
    }

    /// A decoder on the field's value, or `None` when the field is absent, null or undefined.
    pub(super) fn present(&self, key: &str) -> Result<Option<Decoder<'b>>, DecodeError> {
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

    pub(super) fn opt_with<T>(
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

    pub(super) fn required<T>(
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

    pub(super) fn opt_text(
        &self,
        t: &'static str,
        field: &'static str,
    ) -> Result<Option<String>, DecodeError> {
        self.opt_with(t, field, "text", read_text)
    }

    pub(super) fn text(&self, t: &'static str, field: &'static str) -> Result<String, DecodeError> {
        let v = self.opt_text(t, field)?;
        self.required(t, field, v)
    }

    pub(super) fn bytes(
        &self,
        t: &'static str,
        field: &'static str,
    ) -> Result<Vec<u8>, DecodeError> {
        let v = self.opt_with(t, field, "a byte string", read_bytes)?;
        self.required(t, field, v)
    }

    pub(super) fn uint(&self, t: &'static str, field: &'static str) -> Result<u64, DecodeError> {
        let v = self.opt_with(t, field, "a non-negative integer", read_uint)?;
        self.required(t, field, v)
    }

    pub(super) fn opt_peer_id(
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

    pub(super) fn peer_id(
        &self,
        t: &'static str,
        field: &'static str,
    ) -> Result<PeerId, DecodeError> {
        let v = self.opt_peer_id(t, field)?;
        self.required(t, field, v)
    }

    pub(super) fn document_id(&self, t: &'static str) -> Result<DocumentId, DecodeError> {
        let text = self.text(t, "documentId")?;
        text.parse().map_err(|source| DecodeError::BadId {
            message_type: t,
            field: "documentId",
            source,
        })
    }

    pub(super) fn sync_data(&self, t: &'static str) -> Result<SyncData, DecodeError> {
        Ok(SyncData {
            sender_id: self.peer_id(t, "senderId")?,
            target_id: self.peer_id(t, "targetId")?,
            document_id: self.document_id(t)?,
            data: self.bytes(t, "data")?,
        })
    }

    pub(super) fn opt_text_list(
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

    pub(super) fn opt_storage_ids(
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
    pub(super) fn metadata(&self, t: &'static str) -> Result<Option<PeerMetadata>, DecodeError> {
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

    pub(super) fn new_heads(
        &self,
        t: &'static str,
    ) -> Result<Vec<(StorageId, RemoteHeads)>, DecodeError> {
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
