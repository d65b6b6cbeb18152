//! Return submissions: the street collection return sent to the licensing authority.
//!
//! Submitting records the document's heads. The ledger is closed at those heads: reports show
//! the figures as they were then, and entries merged later are post-close adjustments.

use automerge::transaction::Transactable;
use automerge::{ChangeHash, ObjType, ReadDoc};

use super::{StreetCollection, parse_key};
use crate::document;
use crate::error::{RecordError, SchemaError};
use crate::fields::Record;
use crate::ids::{MemberId, ReturnId};
use crate::stage::{self, Stage};
use crate::timestamp::Timestamp;

/// A return submission to record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NewReturn {
    /// The submission's id, made on the device.
    pub id: ReturnId,
    /// The authority's or the bank's reference, if any.
    pub reference: Option<String>,
    /// Who submitted it.
    pub by: MemberId,
    /// When.
    pub at: Timestamp,
}

/// A return submission as read from the document.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReturnSubmission {
    /// The submission's id.
    pub id: ReturnId,
    /// The reference.
    pub reference: Option<String>,
    /// Who submitted it.
    pub by: MemberId,
    /// When.
    pub at: Timestamp,
    /// The document's heads when it was submitted: what the return covers.
    pub heads: Vec<ChangeHash>,
}

impl StreetCollection {
    /// Submits the return, closing the ledger. Refused while a flag that blocks the return
    /// (two active counts of one tin) is open.
    pub fn submit_return(&mut self, new: &NewReturn) -> Result<ReturnId, RecordError> {
        let blocking: Vec<String> = self
            .flags()?
            .iter()
            .filter(|f| f.blocks_return())
            .map(|f| f.to_string())
            .collect();
        if !blocking.is_empty() {
            return Err(RecordError::ReturnBlocked(blocking.join("; ")));
        }
        if self.reader("returns")?.has(&new.id.key()) {
            return Err(RecordError::DuplicateId(new.id.key()));
        }
        let returns = self.container("returns")?;
        let status = self.container("status")?;
        let record = Record::new()
            .with("submitted_at", new.at)
            .with("submitted_by", new.by.key())
            .with_opt("reference", new.reference.clone());
        let key = new.id.key();
        document::write(&mut self.doc, new.at, |tx| {
            let heads = tx.get_heads();
            let obj = record.insert(tx, &returns, &key)?;
            let list = tx.put_object(&obj, "heads", ObjType::List)?;
            for (i, head) in heads.iter().enumerate() {
                tx.insert(&list, i, head.to_string())?;
            }
            stage::reach(tx, &status, Stage::ReturnSubmitted, new.at)
        })?;
        Ok(new.id)
    }

    /// The return submissions, earliest first.
    pub fn returns(&self) -> Result<Vec<ReturnSubmission>, SchemaError> {
        let mut out = Vec::new();
        for (key, r) in self.reader("returns")?.records()? {
            let id: ReturnId = parse_key("returns", &key)?;
            let invalid = |problem: &str| SchemaError::Invalid {
                path: format!("returns/{key}/heads"),
                problem: problem.into(),
            };
            let list = match self.doc.get(r.obj(), "heads") {
                Ok(Some((automerge::Value::Object(ObjType::List), obj))) => obj,
                _ => return Err(invalid("missing or not a list")),
            };
            let mut heads = Vec::new();
            for item in self.doc.list_range(&list, ..) {
                let value = item.value.into_value();
                let text = value.as_str().ok_or_else(|| invalid("head is not text"))?;
                heads.push(
                    text.parse::<ChangeHash>()
                        .map_err(|_| invalid("head is not a hex hash"))?,
                );
            }
            out.push(ReturnSubmission {
                id,
                reference: r.opt_str("reference")?,
                by: r.parse("submitted_by")?,
                at: r.time("submitted_at")?,
                heads,
            });
        }
        out.sort_by_key(|r| (r.at, r.id));
        Ok(out)
    }
}
