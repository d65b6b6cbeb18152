//! Signatures: append-only, each made against the frozen text's hash. The first signature
//! freezes the text in the same change.

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};
use clubsync_protocol::ids::DocumentId;

use super::Petition;
use crate::collection::parse_key;
use crate::document;
use crate::error::{RecordError, SchemaError};
use crate::fields::{MapReader, Record};
use crate::ids::{MemberId, SignatureId};
use crate::timestamp::Timestamp;

/// Where a signature was taken.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum SignatureSource {
    /// Typed into a device.
    Device,
    /// Copied from a paper sheet.
    Paper {
        /// The sheet's number or label.
        sheet: String,
        /// The line on the sheet.
        line: i64,
    },
}

/// A signature to record. Personal data: only what the target needs, plus optional contact.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NewSignature {
    /// The signature's id, made on the device.
    pub id: SignatureId,
    /// The signer's name.
    pub name: String,
    /// The signer's postcode (or give a town).
    pub postcode: Option<String>,
    /// The signer's town (or give a postcode).
    pub town: Option<String>,
    /// Optional email; never exported for delivery.
    pub email: Option<String>,
    /// Optional phone; never exported for delivery.
    pub phone: Option<String>,
    /// When it was signed.
    pub at: Timestamp,
    /// Who collected it.
    pub collector: MemberId,
    /// The event it was collected at.
    pub event: Option<DocumentId>,
    /// Device or paper sheet.
    pub source: SignatureSource,
    /// The signer's comment.
    pub comment: Option<String>,
}

/// A signature as read from the document.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Signature {
    /// The signature's id.
    pub id: SignatureId,
    /// The hash of the text signed.
    pub text_hash: String,
    /// The signer's name.
    pub name: String,
    /// Postcode.
    pub postcode: Option<String>,
    /// Town.
    pub town: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// When.
    pub at: Timestamp,
    /// Who collected it.
    pub collector: MemberId,
    /// The event.
    pub event: Option<DocumentId>,
    /// Device or paper.
    pub source: SignatureSource,
    /// Comment.
    pub comment: Option<String>,
}

/// A free-text field as the signer gave it: trimmed, and absent when blank.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Petition {
    /// Records a signature; the first one freezes the text. Refused past the deadline, without
    /// a name, or without a postcode or town.
    pub fn sign(&mut self, new: &NewSignature) -> Result<SignatureId, RecordError> {
        if let Some(deadline) = self.deadline()?.filter(|d| new.at > *d) {
            return Err(RecordError::PastDeadline {
                deadline,
                at: new.at,
            });
        }
        if new.name.trim().is_empty() {
            return Err(RecordError::EmptyField("name"));
        }
        let (postcode, town) = (given(&new.postcode), given(&new.town));
        if postcode.is_none() && town.is_none() {
            return Err(RecordError::NoPostcodeOrTown);
        }
        let signatures = document::container(&self.doc, "signatures")?;
        if self.root().map("signatures")?.has(&new.id.key()) {
            return Err(RecordError::DuplicateId(new.id.key()));
        }
        let frozen = self.frozen_at()?.is_some();
        let hash = self.text_hash()?;
        let (sheet, line) = match &new.source {
            SignatureSource::Device => (None, None),
            SignatureSource::Paper { sheet, line } => (Some(sheet.clone()), Some(*line)),
        };
        let record = Record::new()
            .with("text_hash", self.text_hash()?)
            .with("name", new.name.trim())
            .with_opt("postcode", postcode)
            .with_opt("town", town)
            .with_opt("email", given(&new.email))
            .with_opt("phone", given(&new.phone))
            .with("at", new.at)
            .with("collector", new.collector.key())
            .with_opt("event", new.event.map(|e| e.to_string()))
            .with("source", if sheet.is_some() { "paper" } else { "device" })
            .with_opt("sheet", sheet)
            .with_opt("line", line)
            .with_opt("comment", given(&new.comment));
        document::write(&mut self.doc, new.at, |tx| {
            if !frozen {
                tx.put(ROOT, "frozen_at", new.at.millis())?;
                tx.put(ROOT, "frozen_hash", hash.as_str())?;
            }
            record.insert(tx, &signatures, &new.id.key()).map(|_| ())
        })?;
        Ok(new.id)
    }

    /// Every signature, in time order.
    pub fn signatures(&self) -> Result<Vec<Signature>, SchemaError> {
        let mut out = self
            .root()
            .map("signatures")?
            .records()?
            .iter()
            .map(|(key, s)| read_signature(parse_key("signatures", key)?, s))
            .collect::<Result<Vec<_>, SchemaError>>()?;
        out.sort_by_key(|s| (s.at, s.id));
        Ok(out)
    }
}

pub(crate) fn read_signature(
    id: SignatureId,
    s: &MapReader<'_, Automerge>,
) -> Result<Signature, SchemaError> {
    let source = match s.opt_str("source")?.as_deref() {
        Some("paper") => SignatureSource::Paper {
            sheet: s.str("sheet")?,
            line: s.i64("line")?,
        },
        _ => SignatureSource::Device,
    };
    Ok(Signature {
        id,
        text_hash: s.str("text_hash")?,
        name: s.str("name")?,
        postcode: s.opt_str("postcode")?,
        town: s.opt_str("town")?,
        email: s.opt_str("email")?,
        phone: s.opt_str("phone")?,
        at: s.time("at")?,
        collector: s.parse("collector")?,
        event: s.opt_parse("event")?,
        source,
        comment: s.opt_str("comment")?,
    })
}
