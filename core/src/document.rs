//! What every clubsync document shares: its kind, its schema version, its containers, and the
//! rule that each record is written in one Automerge transaction.
//!
//! A document is created with every container map it will ever need (`donations`, `tins`, ...)
//! in its first change. Containers are never created later: two devices creating the same map
//! key concurrently would make two objects, and one of them (with its entries) would be hidden.

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{ActorId, Automerge, AutomergeError, ChangeHash, ObjId, ObjType, ROOT};

use crate::error::{RecordError, SchemaError};
use crate::fields::MapReader;
use crate::timestamp::Timestamp;

/// The schema version this build writes and the newest it reads.
pub const SCHEMA_VERSION: i64 = 1;

/// The kinds of clubsync document.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum DocumentKind {
    /// The club: profile, members, index of the other documents.
    Club,
    /// A street collection: permit, tins, custody, donations, counts, ledger, returns.
    StreetCollection,
    /// A petition: frozen text, signatures, consent events.
    Petition,
    /// An event: shifts and assignments.
    Event,
    /// A sponsored activity: pledges and payments.
    SponsoredActivity,
    /// The club's materials stock.
    MaterialsStock,
}

impl DocumentKind {
    /// The value of the root `kind` field.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Club => "club",
            Self::StreetCollection => "street_collection",
            Self::Petition => "petition",
            Self::Event => "event",
            Self::SponsoredActivity => "sponsored_activity",
            Self::MaterialsStock => "materials_stock",
        }
    }

    /// The kind named by a root `kind` field.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Club,
            Self::StreetCollection,
            Self::Petition,
            Self::Event,
            Self::SponsoredActivity,
            Self::MaterialsStock,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }

    /// The kind of any Automerge document, as its root says.
    pub fn of(doc: &Automerge) -> Result<Self, SchemaError> {
        let root = MapReader::root(doc);
        let found = root.opt_str("kind")?.unwrap_or_default();
        Self::parse(&found).ok_or(SchemaError::WrongKind {
            expected: "a clubsync document".into(),
            found,
        })
    }
}

/// Implements [`TypedDocument`] for a struct `{ doc: Automerge }` holding documents of `$kind`
/// created with the containers `$containers`.
macro_rules! typed_document {
    ($name:ident, $kind:expr, $containers:expr) => {
        impl $crate::document::TypedDocument for $name {
            const KIND: $crate::document::DocumentKind = $kind;

            fn from_automerge(
                doc: automerge::Automerge,
            ) -> Result<Self, $crate::error::SchemaError> {
                $crate::document::check_document(&doc, Self::KIND, $containers)?;
                Ok(Self { doc })
            }
            fn automerge(&self) -> &automerge::Automerge {
                &self.doc
            }
            fn automerge_mut(&mut self) -> &mut automerge::Automerge {
                &mut self.doc
            }
        }
    };
}
pub(crate) use typed_document;

/// A clubsync document of one kind, wrapping its Automerge document.
pub trait TypedDocument: Sized {
    /// The kind of document this type reads and writes.
    const KIND: DocumentKind;

    /// Wraps an Automerge document after checking its kind, version and containers.
    fn from_automerge(doc: Automerge) -> Result<Self, SchemaError>;

    /// The Automerge document, for syncing and storing.
    fn automerge(&self) -> &Automerge;

    /// The Automerge document, for applying changes received from peers.
    fn automerge_mut(&mut self) -> &mut Automerge;

    /// Loads a document from saved bytes (a snapshot, change chunks, or both concatenated).
    fn load(bytes: &[u8]) -> Result<Self, RecordError> {
        let doc = Automerge::load(bytes)?;
        Ok(Self::from_automerge(doc)?)
    }

    /// Merges every change of `other` into this document (what syncing achieves).
    fn merge(&mut self, other: &mut Self) -> Result<(), RecordError> {
        self.automerge_mut().merge(other.automerge_mut())?;
        Ok(())
    }

    /// The heads of the document: the version it is at.
    fn heads(&self) -> Vec<ChangeHash> {
        self.automerge().get_heads()
    }

    /// The changes made since `heads`, encoded as one chunk for the store.
    fn changes_since(&self, heads: &[ChangeHash]) -> Vec<u8> {
        self.automerge().save_after(heads)
    }
}

/// Creates the root of a new document: kind, schema version, and every container map.
pub(crate) fn new_document(
    actor: Option<ActorId>,
    kind: DocumentKind,
    containers: &[&str],
    at: Timestamp,
    fields: crate::fields::Record,
) -> Result<Automerge, RecordError> {
    let mut doc = Automerge::new();
    if let Some(actor) = actor {
        doc.set_actor(actor);
    }
    write(&mut doc, at, |tx| {
        tx.put(ROOT, "kind", kind.as_str())?;
        tx.put(ROOT, "schema_version", SCHEMA_VERSION)?;
        tx.put(ROOT, "created_at", at.millis())?;
        for container in containers {
            tx.put_object(ROOT, *container, ObjType::Map)?;
        }
        fields.put_into(tx, &ROOT)
    })?;
    Ok(doc)
}

/// Checks kind, schema version and containers of a document being opened.
pub(crate) fn check_document(
    doc: &Automerge,
    kind: DocumentKind,
    containers: &[&str],
) -> Result<(), SchemaError> {
    let root = MapReader::root(doc);
    let found = root.opt_str("kind")?.unwrap_or_default();
    if found != kind.as_str() {
        return Err(SchemaError::WrongKind {
            expected: kind.as_str().into(),
            found,
        });
    }
    let version = root.i64("schema_version")?;
    if version > SCHEMA_VERSION {
        return Err(SchemaError::TooNew(version));
    }
    for container in containers {
        root.map(container)?;
    }
    Ok(())
}

/// The container map under `key` of the root.
pub(crate) fn container(doc: &Automerge, key: &str) -> Result<ObjId, SchemaError> {
    Ok(MapReader::root(doc).map(key)?.obj().clone())
}

/// Runs `f` in one Automerge transaction: all its writes become one change, or none do.
pub(crate) fn write<T>(
    doc: &mut Automerge,
    at: Timestamp,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<T, AutomergeError>,
) -> Result<T, RecordError> {
    let options = CommitOptions::default().with_time(at.millis().div_euclid(1000));
    doc.transact_with(|_| options, f)
        .map(|ok| ok.result)
        .map_err(|fail| fail.error.into())
}

/// The root `title` of any document, as written: a string, or a collaborative text object (as a
/// stock automerge-repo client writes a plain JS string). `None` when there is none. Every
/// surface that shows or indexes a document's title reads it here.
pub fn root_title(doc: &Automerge) -> Option<String> {
    use automerge::ReadDoc;
    match doc.get(ROOT, "title").ok()?? {
        (automerge::Value::Scalar(s), _) => match s.as_ref() {
            automerge::ScalarValue::Str(text) => Some(text.to_string()),
            _ => None,
        },
        (automerge::Value::Object(ObjType::Text), text) => doc.text(&text).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_created_in_one_change_with_all_its_containers() {
        let at = Timestamp(1_000);
        let doc = new_document(
            None,
            DocumentKind::Petition,
            &["a", "b"],
            at,
            crate::fields::Record::new(),
        )
        .expect("created");
        assert_eq!(doc.get_changes(&[]).len(), 1);
        assert_eq!(
            DocumentKind::of(&doc).expect("kind"),
            DocumentKind::Petition
        );
        check_document(&doc, DocumentKind::Petition, &["a", "b"]).expect("valid");
        assert_eq!(
            check_document(&doc, DocumentKind::Petition, &["c"]),
            Err(SchemaError::Missing { path: "c".into() })
        );
        assert!(matches!(
            check_document(&doc, DocumentKind::Event, &[]),
            Err(SchemaError::WrongKind { .. })
        ));
    }

    #[test]
    fn an_empty_document_has_no_kind() {
        assert!(matches!(
            DocumentKind::of(&Automerge::new()),
            Err(SchemaError::WrongKind { .. })
        ));
    }
}
