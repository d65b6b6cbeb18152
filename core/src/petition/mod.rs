//! The petition document: its text (frozen, with its SHA-256 hash, once signing starts), its
//! targets, deadline and retention date, the signatures, and consent events.

mod consent;
mod signatures;

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ROOT};
use clubsync_protocol::ids::DocumentId;
use sha2::{Digest, Sha256};

use crate::document::{self, DocumentKind, TypedDocument};
use crate::error::{RecordError, SchemaError};
use crate::fields::{MapReader, Record};
use crate::flags::Flag;
use crate::ids::TargetId;
use crate::timestamp::Timestamp;

pub use consent::{Consent, ConsentMethod, NewConsent};
pub use signatures::{NewSignature, Signature, SignatureSource};

pub(crate) use consent::read_consent;
pub(crate) use signatures::read_signature;

const CONTAINERS: &[&str] = &["targets", "signatures", "consents"];

/// What a new petition starts with.
#[derive(Clone, Debug)]
pub struct NewPetition {
    /// The club document it belongs to.
    pub club: DocumentId,
    /// A short title.
    pub title: String,
    /// The text people sign (editable until the first signature).
    pub text: String,
    /// No signature is accepted after this time.
    pub deadline: Option<Timestamp>,
    /// Personal fields are deleted after this time.
    pub retain_until: Option<Timestamp>,
}

/// A petition document.
#[derive(Debug, Clone)]
pub struct Petition {
    doc: Automerge,
}

crate::document::typed_document!(Petition, DocumentKind::Petition, CONTAINERS);

/// The SHA-256 hash of a petition text (its UTF-8 bytes), in lowercase hex.
pub fn text_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl Petition {
    /// A new petition, open for edits of its text until the first signature.
    pub fn create(
        actor: Option<ActorId>,
        new: &NewPetition,
        at: Timestamp,
    ) -> Result<Self, RecordError> {
        if new.title.trim().is_empty() {
            return Err(RecordError::EmptyField("title"));
        }
        if new.text.trim().is_empty() {
            return Err(RecordError::EmptyField("petition text"));
        }
        let fields = Record::new()
            .with("club", new.club.to_string())
            .with("title", new.title.as_str())
            .with("text", new.text.as_str())
            .with("text_hash", text_hash(&new.text))
            .with_opt("deadline", new.deadline)
            .with_opt("retain_until", new.retain_until);
        let doc = document::new_document(
            actor,
            Self::KIND,
            &[CONTAINERS, &[crate::resolution::CONTAINER]].concat(),
            at,
            fields,
        )?;
        Ok(Self { doc })
    }

    fn root(&self) -> MapReader<'_, Automerge> {
        MapReader::root(&self.doc)
    }

    /// The text people sign.
    pub fn text(&self) -> Result<String, SchemaError> {
        self.root().str("text")
    }

    /// The hash of the current text.
    pub fn text_hash(&self) -> Result<String, SchemaError> {
        self.root().str("text_hash")
    }

    /// The hash of the text when signing started (written once, by the first signature).
    pub fn frozen_hash(&self) -> Result<Option<String>, SchemaError> {
        self.root().opt_str("frozen_hash")
    }

    /// When signing started and the text froze, if it has.
    pub fn frozen_at(&self) -> Result<Option<Timestamp>, SchemaError> {
        self.root().opt_time("frozen_at")
    }

    /// The deadline, if any.
    pub fn deadline(&self) -> Result<Option<Timestamp>, SchemaError> {
        self.root().opt_time("deadline")
    }

    /// The retention date, if any.
    pub fn retain_until(&self) -> Result<Option<Timestamp>, SchemaError> {
        self.root().opt_time("retain_until")
    }

    /// Replaces the text. Refused once signing has started.
    pub fn set_text(&mut self, text: &str, at: Timestamp) -> Result<(), RecordError> {
        if self.frozen_at()?.is_some() || !self.root().map("signatures")?.keys().is_empty() {
            return Err(RecordError::PetitionTextFrozen);
        }
        if text.trim().is_empty() {
            return Err(RecordError::EmptyField("petition text"));
        }
        let record = Record::new()
            .with("text", text)
            .with("text_hash", text_hash(text));
        document::write(&mut self.doc, at, |tx| record.put_into(tx, &ROOT))
    }

    /// Adds a target (a politician, a council) the petition will be delivered to.
    pub fn add_target(
        &mut self,
        id: TargetId,
        name: &str,
        at: Timestamp,
    ) -> Result<(), RecordError> {
        if name.trim().is_empty() {
            return Err(RecordError::EmptyField("target name"));
        }
        let targets = document::container(&self.doc, "targets")?;
        if self.root().map("targets")?.has(&id.key()) {
            return Err(RecordError::DuplicateId(id.key()));
        }
        document::write(&mut self.doc, at, |tx| tx.put(&targets, id.key(), name))
    }

    /// The targets' names.
    pub fn targets(&self) -> Result<Vec<String>, SchemaError> {
        let targets = self.root().map("targets")?;
        targets.keys().iter().map(|k| targets.str(k)).collect()
    }

    /// Likely duplicate signatures, and a text changed after signing started.
    pub fn flags(&self) -> Result<Vec<Flag>, SchemaError> {
        let mut flags = Vec::new();
        let current = text_hash(&self.text()?);
        let signatures = self.signatures()?;
        let frozen_differs = self.frozen_hash()?.is_some_and(|h| h != current);
        if frozen_differs || signatures.iter().any(|s| s.text_hash != current) {
            flags.push(Flag::PetitionTextChanged {
                text_hash: current.clone(),
            });
        }
        let mut groups: std::collections::BTreeMap<(String, String), Vec<_>> = Default::default();
        for s in signatures {
            let place = s
                .postcode
                .as_deref()
                .or(s.town.as_deref())
                .unwrap_or_default();
            groups
                .entry((normalise(&s.name), normalise(place)))
                .or_default()
                .push(s.id);
        }
        for signatures in groups.into_values().filter(|g| g.len() > 1) {
            flags.push(Flag::LikelyDuplicateSignatures { signatures });
        }
        Ok(flags)
    }
}

/// Lower case, letters and digits only: "Kim  Ji-woo" and "kim jiwoo" compare equal.
fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}
