//! Getting a device unstuck after the server refused one of its changes.
//!
//! A refused change stays in the device's copy of the document, and every later change of that
//! device depends on it, so the server would refuse them all, for ever. [`rebase`] rebuilds the
//! copy on top of what the server has (the copy at the heads the server last confirmed) and
//! writes again, one record per change under a new actor, every record, status stage and field
//! of the device's copy that the server's lacks, checking each as the server will. Records are
//! keyed by UUIDs made on the device, so writing them again cannot clash with anyone's; a record
//! that breaks a rule is left out and reported, and the refused copy itself is the caller's to
//! keep aside for a human.

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, Value};

use super::shape::{self, Entries};
use super::{Refusal, Writer, check_changes};
use crate::document::DocumentKind;
use crate::error::SchemaError;

/// What [`rebase`] made.
#[derive(Debug)]
pub struct Rebased {
    /// The rebuilt copy: the server's state plus everything of the device's that keeps the
    /// rules.
    pub doc: Automerge,
    /// What was written again (`container/key`, or a root key), in order.
    pub kept: Vec<String>,
    /// What was left out, and why.
    pub dropped: Vec<Refusal>,
}

/// Rebuilds `local` (the device's copy, holding a refused change) on top of `base` (the same
/// document as the server has it), writing as `writer`.
pub fn rebase(
    local: &Automerge,
    base: &Automerge,
    writer: &Writer,
) -> Result<Rebased, SchemaError> {
    let kind = DocumentKind::of(local)?;
    let shape = shape::of(kind);
    let mut out = Rebased {
        doc: base.fork(),
        kept: Vec::new(),
        dropped: Vec::new(),
    };
    for container in shape.containers {
        let (Some(from), Some(to)) = (
            map_at(local, &ROOT, container.name),
            map_at(&out.doc, &ROOT, container.name),
        ) else {
            continue;
        };
        for key in local.keys(&from).collect::<Vec<_>>() {
            let path = format!("{}/{key}", container.name);
            let missing = out.doc.get(&to, key.as_str()).ok().flatten().is_none();
            match container.entries {
                Entries::Records {
                    lww,
                    once,
                    add_only,
                } => {
                    if missing {
                        out.write(&path, writer, |tx| copy_entry(local, &from, tx, &to, &key));
                    } else if let (Some(record), Some(target)) =
                        (map_at(local, &from, &key), map_at(&out.doc, &to, &key))
                    {
                        // The fields that may change, in one change: a tin's return fields
                        // are written together.
                        let fields: Vec<&str> = lww
                            .iter()
                            .chain(once)
                            .copied()
                            .filter(|f| differs(local, &record, &out.doc, &target, f))
                            .collect();
                        if !fields.is_empty() {
                            out.write(&path, writer, |tx| {
                                fields
                                    .iter()
                                    .try_for_each(|f| copy_entry(local, &record, tx, &target, f))
                            });
                        }
                        for map in add_only {
                            copy_missing_keys(
                                local, &record, &mut out, &target, map, &path, writer,
                            );
                        }
                    }
                }
                Entries::Stages | Entries::Values => {
                    if missing || differs(local, &from, &out.doc, &to, &key) {
                        out.write(&path, writer, |tx| copy_entry(local, &from, tx, &to, &key));
                    }
                }
            }
        }
    }
    for key in local.keys(ROOT).collect::<Vec<_>>() {
        if shape.container(&key).is_none() && differs(local, &ROOT, &out.doc, &ROOT, &key) {
            out.write(&key.clone(), writer, |tx| {
                copy_entry(local, &ROOT, tx, &ROOT, &key)
            });
        }
    }
    Ok(out)
}

impl Rebased {
    /// Writes one thing in its own change and checks it; a refusal undoes it and is kept.
    fn write(
        &mut self,
        what: &str,
        writer: &Writer,
        edit: impl FnOnce(
            &mut automerge::transaction::Transaction<'_>,
        ) -> Result<(), automerge::AutomergeError>,
    ) {
        let before: Vec<ChangeHash> = self.doc.get_heads();
        let mut tx = self.doc.transaction();
        if let Err(e) = edit(&mut tx) {
            tx.rollback();
            self.dropped.push(Refusal::new(
                what,
                super::Rule::InvalidRecord,
                e.to_string(),
            ));
            return;
        }
        tx.commit();
        match check_changes(&self.doc, &before, writer) {
            Ok(_) => self.kept.push(what.to_owned()),
            Err(refusal) => {
                if let Ok(doc) = self.doc.fork_at(&before) {
                    self.doc = doc;
                }
                self.dropped.push(refusal);
            }
        }
    }
}

/// Keys of the add-only map `map` of `record` (a count's `signatures`) that `target` lacks.
fn copy_missing_keys(
    local: &Automerge,
    record: &ObjId,
    out: &mut Rebased,
    target: &ObjId,
    map: &str,
    path: &str,
    writer: &Writer,
) {
    let (Some(from), Some(to)) = (map_at(local, record, map), map_at(&out.doc, target, map)) else {
        return;
    };
    for key in local.keys(&from).collect::<Vec<_>>() {
        if out.doc.get(&to, key.as_str()).ok().flatten().is_none() {
            out.write(&format!("{path}/{map}/{key}"), writer, |tx| {
                copy_entry(local, &from, tx, &to, &key)
            });
        }
    }
}

/// The map under `key` of `obj`, if it is one.
fn map_at(doc: &Automerge, obj: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(obj, key).ok().flatten() {
        Some((Value::Object(ObjType::Map), id)) => Some(id),
        _ => None,
    }
}

/// Whether `key` holds different values in the two maps (objects compared by their contents
/// as JSON-like values, scalars by value).
fn differs(a: &Automerge, a_obj: &ObjId, b: &Automerge, b_obj: &ObjId, key: &str) -> bool {
    let a_value = a.get(a_obj, key).ok().flatten();
    let b_value = b.get(b_obj, key).ok().flatten();
    match (a_value, b_value) {
        (None, None) => false,
        (Some((Value::Scalar(x), _)), Some((Value::Scalar(y), _))) => x != y,
        (Some((Value::Object(ObjType::Text), x)), Some((Value::Object(ObjType::Text), y))) => {
            a.text(&x).ok() != b.text(&y).ok()
        }
        (Some((Value::Object(_), _)), Some((Value::Object(_), _))) => false,
        (Some(_), None) => true,
        _ => true,
    }
}

/// Copies the value under `key` of `from` in `local` to `key` of `to` in the transaction,
/// objects deeply (maps, lists, text as text).
fn copy_entry(
    local: &Automerge,
    from: &ObjId,
    tx: &mut automerge::transaction::Transaction<'_>,
    to: &ObjId,
    key: &str,
) -> Result<(), automerge::AutomergeError> {
    match local.get(from, key)? {
        None => Ok(()),
        Some((Value::Scalar(s), _)) => tx.put(to, key, s.into_owned()),
        Some((Value::Object(kind), id)) => {
            let made = tx.put_object(to, key, kind)?;
            copy_object(local, &id, kind, tx, &made)
        }
    }
}

fn copy_object(
    local: &Automerge,
    from: &ObjId,
    kind: ObjType,
    tx: &mut automerge::transaction::Transaction<'_>,
    to: &ObjId,
) -> Result<(), automerge::AutomergeError> {
    match kind {
        ObjType::Map | ObjType::Table => {
            for key in local.keys(from).collect::<Vec<_>>() {
                copy_entry(local, from, tx, to, &key)?;
            }
            Ok(())
        }
        ObjType::Text => {
            let text = local.text(from)?;
            tx.splice_text(to, 0, 0, &text)
        }
        ObjType::List => {
            for index in 0..local.length(from) {
                match local.get(from, index)? {
                    None => {}
                    Some((Value::Scalar(s), _)) => tx.insert(to, index, s.into_owned())?,
                    Some((Value::Object(inner), id)) => {
                        let made = tx.insert_object(to, index, inner)?;
                        copy_object(local, &id, inner, tx, &made)?;
                    }
                }
            }
            Ok(())
        }
    }
}
