//! The first pass over a batch of changes: every operation of every new change, placed by its
//! path in the document, against where the document's [`Shape`] lets a change write.
//!
//! Operations are read from the changes themselves (so a deletion or an overwrite is seen even
//! when a later operation hides it), and placed with the document that already holds them. An
//! operation inside an object that the same batch created is part of a new record and is
//! checked with that record, whole, in `records`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use automerge::legacy::{self, OpType};
use automerge::{ActorId, Automerge, ChangeHash, ObjId, Prop, ReadDoc};

use super::shape::{self, Entries, Shape};
use super::{Refusal, Rule};
use crate::document::DocumentKind;

/// How a batch touched a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Touch {
    /// The batch wrote the record.
    New,
    /// The batch changed a field the schema lets change.
    Changed,
}

/// What the changes of a batch wrote, once every operation is allowed where it writes.
#[derive(Debug, Default)]
pub(crate) struct Written {
    /// The document is new in this batch: every record is checked.
    pub whole: bool,
    /// Root keys written: root fields, and containers of plain values or stages.
    pub root: BTreeSet<String>,
    /// Records written or changed, by (container, key).
    pub records: BTreeMap<(String, String), Touch>,
    /// Keys added to an add-only map of an existing record: (container, record, map, key).
    pub added: Vec<(String, String, String, String)>,
    /// Each change, its actor, and the records its operations touched (`container/key`, or
    /// the root key for root fields, statuses and plain values), in the order applied.
    pub changes: Vec<(ChangeHash, ActorId, BTreeSet<String>)>,
}

/// One step of a path: a map key, or a position in a list or text.
enum Step {
    Key(String),
    Seq,
}

impl Step {
    fn as_key(&self) -> Option<&str> {
        match self {
            Step::Key(k) => Some(k),
            Step::Seq => None,
        }
    }
}

/// Where an operation writes: the steps from the root, and the object holding each step.
struct Place {
    steps: Vec<Step>,
    holders: Vec<ObjId>,
}

impl Place {
    fn text(&self) -> String {
        self.steps
            .iter()
            .map(|s| s.as_key().unwrap_or("#"))
            .collect::<Vec<_>>()
            .join("/")
    }

    fn key(&self, i: usize) -> &str {
        self.steps.get(i).and_then(Step::as_key).unwrap_or("")
    }
}

/// The operation counters each actor used in the batch's changes.
struct MadeHere(HashMap<ActorId, Vec<(u64, u64)>>);

impl MadeHere {
    fn contains(&self, obj: &ObjId) -> bool {
        match obj {
            ObjId::Root => false,
            ObjId::Id(counter, actor, _) => self
                .0
                .get(actor)
                .is_some_and(|ranges| ranges.iter().any(|(s, e)| counter >= s && counter < e)),
        }
    }
}

/// Checks every operation of the changes since `before`; returns what they wrote.
pub(crate) fn walk(
    doc: &Automerge,
    before: &[ChangeHash],
    kind: DocumentKind,
) -> Result<Written, Refusal> {
    let shape = shape::of(kind);
    let changes = doc.get_changes(before);
    let mut written = Written {
        whole: before.is_empty(),
        ..Written::default()
    };
    let mut made = MadeHere(HashMap::new());
    for change in &changes {
        let start = change.start_op().get();
        made.0
            .entry(change.actor_id().clone())
            .or_default()
            .push((start, start + change.len() as u64));
    }
    let mut paths: HashMap<ObjId, Vec<(ObjId, Prop)>> = HashMap::new();
    for change in &changes {
        let mut touched = BTreeSet::new();
        let expanded = change.decode();
        for op in &expanded.operations {
            let obj = match &op.obj {
                legacy::ObjectId::Root => ObjId::Root,
                legacy::ObjectId::Id(id) => ObjId::Id(id.counter(), id.actor().clone(), 0),
            };
            let path = match paths.get(&obj) {
                Some(path) => path,
                None => {
                    let path = doc
                        .parents(&obj)
                        .map_err(|e| {
                            Refusal::new("", Rule::InvalidRecord, format!("unknown object: {e}"))
                        })?
                        .path();
                    paths.entry(obj.clone()).or_insert(path)
                }
            };
            let mut place = Place {
                steps: path.iter().map(|(_, p)| step(p)).collect(),
                holders: path.iter().map(|(o, _)| o.clone()).collect(),
            };
            place.steps.push(match &op.key {
                legacy::Key::Map(k) => Step::Key(k.to_string()),
                legacy::Key::Seq(_) => Step::Seq,
            });
            place.holders.push(obj);
            touched.insert(record_of(shape, &place));
            if !written.whole {
                allow(doc, shape, &made, &place, op, &mut written)?;
            }
        }
        written
            .changes
            .push((change.hash(), change.actor_id().clone(), touched));
    }
    Ok(written)
}

/// The record an operation at `place` belongs to, for the audit trail.
fn record_of(shape: &Shape, place: &Place) -> String {
    let top = place.key(0);
    match shape.container(top).map(|c| c.entries) {
        Some(Entries::Records { .. }) if place.steps.len() >= 2 => {
            format!("{top}/{}", place.key(1))
        }
        _ => top.to_owned(),
    }
}

fn step(prop: &Prop) -> Step {
    match prop {
        Prop::Map(k) => Step::Key(k.clone()),
        Prop::Seq(_) => Step::Seq,
    }
}

/// Whether the operation `op` at `place` may be written; notes what it touched.
fn allow(
    doc: &Automerge,
    shape: &Shape,
    made: &MadeHere,
    place: &Place,
    op: &legacy::Op,
    written: &mut Written,
) -> Result<(), Refusal> {
    let deletes = matches!(op.action, OpType::Delete);
    let overwrites = !op.pred.is_empty();
    let top = place.key(0);
    let refuse = |rule: Rule, detail: &str| Err(Refusal::new(place.text(), rule, detail));
    let Some(container) = shape.container(top) else {
        // A root field (or an object under one, such as a title written as text).
        if shape.fixed.contains(&top) {
            return refuse(
                Rule::FieldChanged,
                "a field that fixes what the document is",
            );
        }
        if shape.once.contains(&top) && (deletes || overwrites || place.steps.len() > 1) {
            return refuse(Rule::FieldChanged, "a field written once");
        }
        written.root.insert(top.to_owned());
        return Ok(());
    };
    let depth = place.steps.len();
    if depth == 1 {
        return refuse(
            Rule::ContainerReplaced,
            "the container was replaced or deleted",
        );
    }
    match container.entries {
        Entries::Values => {
            if deletes && depth == 2 {
                return refuse(Rule::FieldChanged, "a value was deleted");
            }
            written.root.insert(top.to_owned());
            Ok(())
        }
        Entries::Stages => {
            if deletes || overwrites || depth > 2 {
                return refuse(Rule::StatusMovedBack, "a stage was removed or changed");
            }
            written.root.insert(top.to_owned());
            Ok(())
        }
        Entries::Records {
            lww,
            once,
            add_only,
        } => {
            let record = (top.to_owned(), place.key(1).to_owned());
            if depth == 2 {
                let fresh = matches!(op.action, OpType::Make(automerge::ObjType::Map))
                    && !overwrites
                    && doc
                        .get_all(&place.holders[1], record.1.as_str())
                        .map(|v| v.len())
                        .unwrap_or(0)
                        == 1;
                if !fresh {
                    let detail = if deletes {
                        "the record was deleted"
                    } else {
                        "the record was overwritten"
                    };
                    return refuse(Rule::RecordDeleted, detail);
                }
                written.records.insert(record, Touch::New);
                return Ok(());
            }
            if made.contains(&place.holders[2]) {
                // Inside a record this batch wrote: checked whole with it.
                return Ok(());
            }
            let field = place.key(2);
            let allowed = if lww.contains(&field) {
                true
            } else if once.contains(&field) {
                depth == 3 && !deletes && !overwrites
            } else if add_only.contains(&field) && depth == 4 && !deletes && !overwrites {
                written.added.push((
                    record.0.clone(),
                    record.1.clone(),
                    field.to_owned(),
                    place.key(3).to_owned(),
                ));
                true
            } else {
                false
            };
            if !allowed {
                return refuse(Rule::FieldChanged, "a field of an existing record");
            }
            written.records.entry(record).or_insert(Touch::Changed);
            Ok(())
        }
    }
}
