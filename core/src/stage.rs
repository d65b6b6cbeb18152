//! Statuses that only move forward: a map of the stages reached, the furthest one wins.
//!
//! The `status` map holds one key per stage reached, valued with the time it was reached.
//! Keys are only ever added, so a merge is the union of both sides' stages, and the status
//! shown is the furthest stage in the union. No device can move a status backwards.

use std::fmt;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId};

use crate::error::{RecordError, SchemaError};
use crate::fields::MapReader;
use crate::timestamp::Timestamp;

/// The stages of an event or a street collection, in order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
#[non_exhaustive]
pub enum Stage {
    /// Planned, not yet held.
    Planned,
    /// Held (the collection took place).
    Held,
    /// All tins counted.
    Counted,
    /// Counted, banked and remitted figures agree (or their differences are explained).
    Reconciled,
    /// The return to the licensing authority was submitted; the ledger is closed.
    ReturnSubmitted,
}

impl Stage {
    /// All stages, first to last.
    pub const ALL: [Stage; 5] = [
        Stage::Planned,
        Stage::Held,
        Stage::Counted,
        Stage::Reconciled,
        Stage::ReturnSubmitted,
    ];

    /// The key of this stage in a `status` map.
    pub fn as_str(&self) -> &'static str {
        match self {
            Stage::Planned => "planned",
            Stage::Held => "held",
            Stage::Counted => "counted",
            Stage::Reconciled => "reconciled",
            Stage::ReturnSubmitted => "return_submitted",
        }
    }

    /// The stage with this key; keys of a newer schema are `None` and ignored.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The furthest stage recorded in the `status` map `obj` (planned if none is).
pub(crate) fn furthest(doc: &Automerge, obj: &ObjId) -> Result<Stage, SchemaError> {
    let reader = MapReader::new(doc, obj.clone(), "status");
    Ok(reader
        .keys()
        .iter()
        .filter_map(|k| Stage::parse(k))
        .max()
        .unwrap_or(Stage::Planned))
}

/// Records that `stage` was reached at `at`, unless it already was (the first time is kept).
pub(crate) fn reach(
    tx: &mut impl Transactable,
    obj: &ObjId,
    stage: Stage,
    at: Timestamp,
) -> Result<(), automerge::AutomergeError> {
    if tx.get(obj, stage.as_str())?.is_none() {
        tx.put(obj, stage.as_str(), at.millis())?;
    }
    Ok(())
}

/// Moves the status map under root key `status` forward to `stage`; returns the furthest stage.
pub(crate) fn advance(
    doc: &mut Automerge,
    stage: Stage,
    at: Timestamp,
) -> Result<Stage, RecordError> {
    let obj = crate::document::container(doc, "status")?;
    if furthest(doc, &obj)? >= stage
        && MapReader::new(doc, obj.clone(), "status").has(stage.as_str())
    {
        return Ok(furthest(doc, &obj)?);
    }
    crate::document::write(doc, at, |tx| reach(tx, &obj, stage, at))?;
    Ok(furthest(doc, &obj)?)
}

#[cfg(test)]
mod tests {
    use automerge::ROOT;
    use automerge::transaction::Transactable;

    use super::*;

    fn doc_with_status() -> Automerge {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        tx.put_object(ROOT, "status", automerge::ObjType::Map)
            .expect("status map");
        tx.commit();
        doc
    }

    #[test]
    fn stages_are_ordered_and_round_trip_through_their_keys() {
        assert!(Stage::Planned < Stage::Held && Stage::Reconciled < Stage::ReturnSubmitted);
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.as_str()), Some(stage));
        }
        assert_eq!(Stage::parse("archived"), None);
    }

    #[test]
    fn advancing_keeps_the_first_time_and_never_goes_back() {
        let mut doc = doc_with_status();
        assert_eq!(
            advance(&mut doc, Stage::Counted, Timestamp(10)).expect("advanced"),
            Stage::Counted
        );
        assert_eq!(
            advance(&mut doc, Stage::Held, Timestamp(20)).expect("no-op"),
            Stage::Counted
        );
        let heads = doc.get_heads();
        assert_eq!(
            advance(&mut doc, Stage::Counted, Timestamp(30)).expect("no-op"),
            Stage::Counted
        );
        assert_eq!(
            doc.get_heads(),
            heads,
            "reaching a stage again writes nothing"
        );
        let status = crate::document::container(&doc, "status").expect("status");
        let reader = MapReader::new(&doc, status, "status");
        assert_eq!(reader.i64("counted").expect("time"), 10);
    }

    #[test]
    fn unknown_stage_keys_from_a_newer_schema_are_ignored() {
        let mut doc = doc_with_status();
        let status = crate::document::container(&doc, "status").expect("status");
        let mut tx = doc.transaction();
        tx.put(&status, "archived", 5).expect("put");
        tx.put(&status, "held", 5).expect("put");
        tx.commit();
        assert_eq!(furthest(&doc, &status).expect("read"), Stage::Held);
    }
}
