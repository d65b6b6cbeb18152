//! Identifiers of the automerge-repo protocol: documents, `automerge:` URLs, peers and storages.
//!
//! A [`DocumentId`] is a 16-byte UUID; on the wire and in URLs it is written in bs58check, exactly
//! as `@automerge/automerge-repo` writes it, so a document created by a JS client and one created
//! here are named the same way. Peer and storage ids are opaque strings chosen by each peer.

use std::fmt;
use std::str::FromStr;

use automerge::ChangeHash;

/// The prefix of every Automerge document URL.
pub const URL_PREFIX: &str = "automerge:";

/// The longest peer or storage id we accept. JS peers use ids of about 30 characters.
pub const MAX_PEER_ID_LEN: usize = 256;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The text is not bs58check: a wrong alphabet character or a bad checksum.
    #[error("document id {0:?} is not valid bs58check (a typing error, or not an automerge id)")]
    NotBs58Check(String),
    /// The text decodes, but not to the 16 bytes of a UUID.
    #[error("document id {text:?} holds {len} bytes; a document id holds 16")]
    WrongLength {
        /// The text given.
        text: String,
        /// How many bytes it decoded to.
        len: usize,
    },
    /// The URL does not start with `automerge:`.
    #[error("{0:?} is not an automerge URL: it must start with \"automerge:\"")]
    NotAnAutomergeUrl(String),
    /// A head in a URL is not a bs58check-encoded 32-byte change hash.
    #[error("head {0:?} in the URL is not a bs58check-encoded change hash")]
    BadHead(String),
    /// The URL points into a document (`automerge:<id>/path`), which clubsync does not use.
    #[error("URL {0:?} points into a document; clubsync only uses whole-document URLs")]
    PathNotSupported(String),
    /// A peer or storage id is empty or longer than [`MAX_PEER_ID_LEN`].
    #[error("peer or storage id must be 1 to {MAX_PEER_ID_LEN} characters, got {0}")]
    BadPeerIdLength(usize),
}

/// The id of an Automerge document: 16 random bytes (a UUID), written as bs58check.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

impl DocumentId {
    /// A new random (version 4 UUID) document id.
    pub fn random() -> Self {
        Self(*uuid::Uuid::new_v4().as_bytes())
    }

    /// The id made of these 16 bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The 16 bytes of this id.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The id as a UUID.
    pub fn as_uuid(&self) -> uuid::Uuid {
        uuid::Uuid::from_bytes(self.0)
    }

    /// The `automerge:` URL of this document, without heads.
    pub fn url(&self) -> AutomergeUrl {
        AutomergeUrl {
            document_id: *self,
            heads: None,
        }
    }
}

impl From<uuid::Uuid> for DocumentId {
    fn from(uuid: uuid::Uuid) -> Self {
        Self(*uuid.as_bytes())
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(&self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = IdError;

    fn from_str(text: &str) -> Result<Self, IdError> {
        let bytes = bs58::decode(text)
            .with_check(None)
            .into_vec()
            .map_err(|_| IdError::NotBs58Check(text.to_owned()))?;
        let array: [u8; 16] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| IdError::WrongLength {
                text: text.to_owned(),
                len: bytes.len(),
            })?;
        Ok(Self(array))
    }
}

/// An `automerge:` URL: a document, and optionally the heads of one version of it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AutomergeUrl {
    /// The document the URL names.
    pub document_id: DocumentId,
    /// The heads of the version the URL pins, if it pins one (`#head|head`).
    pub heads: Option<Vec<ChangeHash>>,
}

impl fmt::Display for AutomergeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{URL_PREFIX}{}", self.document_id)?;
        if let Some(heads) = &self.heads {
            // Sorted, as automerge-repo sorts them, so equal versions give equal URLs.
            let mut encoded: Vec<String> = heads.iter().map(encode_head).collect();
            encoded.sort();
            write!(f, "#{}", encoded.join("|"))?;
        }
        Ok(())
    }
}

impl FromStr for AutomergeUrl {
    type Err = IdError;

    fn from_str(text: &str) -> Result<Self, IdError> {
        let rest = text
            .strip_prefix(URL_PREFIX)
            .ok_or_else(|| IdError::NotAnAutomergeUrl(text.to_owned()))?;
        let (id_part, heads_part) = match rest.split_once('#') {
            Some((id, heads)) => (id, Some(heads)),
            None => (rest, None),
        };
        if id_part.contains('/') {
            return Err(IdError::PathNotSupported(text.to_owned()));
        }
        let document_id = id_part.parse()?;
        let heads = match heads_part {
            None => None,
            Some("") => Some(Vec::new()),
            Some(list) => Some(list.split('|').map(decode_head).collect::<Result<_, _>>()?),
        };
        Ok(Self { document_id, heads })
    }
}

/// Writes a change hash as automerge-repo does in URLs and heads gossip: bs58check.
pub fn encode_head(hash: &ChangeHash) -> String {
    bs58::encode(hash.0).with_check().into_string()
}

/// Reads a change hash written by [`encode_head`].
pub fn decode_head(text: &str) -> Result<ChangeHash, IdError> {
    let bytes = bs58::decode(text)
        .with_check(None)
        .into_vec()
        .map_err(|_| IdError::BadHead(text.to_owned()))?;
    let array: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| IdError::BadHead(text.to_owned()))?;
    Ok(ChangeHash(array))
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Checks the length (1 to [`MAX_PEER_ID_LEN`] bytes) and wraps the text.
            pub fn new(text: impl Into<String>) -> Result<Self, IdError> {
                let text = text.into();
                if text.is_empty() || text.len() > MAX_PEER_ID_LEN {
                    return Err(IdError::BadPeerIdLength(text.len()));
                }
                Ok(Self(text))
            }

            /// A new random id, as a JS repo would make one.
            pub fn random() -> Self {
                Self(bs58::encode(uuid::Uuid::new_v4().as_bytes()).into_string())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, IdError> {
                Self::new(text)
            }
        }
    };
}

string_id!(
    /// The ephemeral id a peer gives itself for one process or browser tab.
    ///
    /// It is a claim, never a credential: the server binds a connection to the device that
    /// authenticated it, whatever `senderId` the peer announces.
    PeerId
);

string_id!(
    /// The id of a peer's persistent storage (one per device store or IndexedDB), under which
    /// sync states are saved between connections.
    StorageId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_id_round_trips_through_bs58check() {
        let id = DocumentId::random();
        let text = id.to_string();
        assert_eq!(text.parse::<DocumentId>(), Ok(id));
    }

    #[test]
    fn a_known_js_document_id_parses() {
        // The example id from automerge-repo's own documentation.
        let id: DocumentId = "4NMNnkMhL8jXrdJ9jamS58PAVdXu".parse().expect("valid id");
        assert_eq!(id.to_string(), "4NMNnkMhL8jXrdJ9jamS58PAVdXu");
    }

    #[test]
    fn a_typo_is_caught_by_the_checksum() {
        let err = "4NMNnkMhL8jXrdJ9jamS58PAVdXv".parse::<DocumentId>();
        assert!(matches!(err, Err(IdError::NotBs58Check(_))));
    }

    #[test]
    fn an_id_of_the_wrong_length_is_refused() {
        let text = bs58::encode([1u8; 8]).with_check().into_string();
        assert_eq!(
            text.parse::<DocumentId>(),
            Err(IdError::WrongLength {
                text: text.clone(),
                len: 8
            })
        );
    }

    #[test]
    fn urls_round_trip_with_and_without_heads() {
        let id = DocumentId::random();
        let plain = id.url();
        assert_eq!(plain.to_string(), format!("automerge:{id}"));
        assert_eq!(plain.to_string().parse::<AutomergeUrl>(), Ok(plain));

        let pinned = AutomergeUrl {
            document_id: id,
            heads: Some(vec![ChangeHash([7; 32]), ChangeHash([1; 32])]),
        };
        let parsed: AutomergeUrl = pinned.to_string().parse().expect("valid url");
        assert_eq!(parsed.document_id, id);
        let mut heads = parsed.heads.expect("heads kept");
        heads.sort();
        assert_eq!(heads, vec![ChangeHash([1; 32]), ChangeHash([7; 32])]);
    }

    #[test]
    fn bad_urls_name_their_problem() {
        let id = DocumentId::random();
        assert!(matches!(
            id.to_string().parse::<AutomergeUrl>(),
            Err(IdError::NotAnAutomergeUrl(_))
        ));
        assert!(matches!(
            format!("automerge:{id}/tins/3").parse::<AutomergeUrl>(),
            Err(IdError::PathNotSupported(_))
        ));
        assert!(matches!(
            format!("automerge:{id}#notahead").parse::<AutomergeUrl>(),
            Err(IdError::BadHead(_))
        ));
    }

    #[test]
    fn peer_ids_have_bounded_length() {
        assert!(PeerId::new("").is_err());
        assert!(PeerId::new("x".repeat(MAX_PEER_ID_LEN + 1)).is_err());
        assert_eq!(
            PeerId::new("peer-1").map(|p| p.to_string()),
            Ok("peer-1".into())
        );
    }
}
