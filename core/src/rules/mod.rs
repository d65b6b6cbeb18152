//! The record rules every change must keep, checked on changes received from another writer.
//!
//! Core's typed documents keep these rules when they write; a device or a client that is not
//! ours (a stock automerge-repo client, a buggy app version, a stolen phone) may not. The server
//! runs [`check_changes`] on every batch of changes a device sends, after applying them in
//! memory and before committing or relaying them, and refuses the whole batch if one change
//! breaks a rule. The CRDT still merges freely: every rule here holds whatever order concurrent
//! changes arrive in, so a valid change made offline is never refused because of another.
//!
//! Two kinds of rule:
//! - **where a change may write** ([`shape`] and `ops`): records are append-only (no record key
//!   deleted or overwritten), a record's fields never change except those the schema marks
//!   last-writer-wins and the fields written once (a tin's return), statuses only move forward,
//!   containers are never replaced, the root fields that fix a document's identity never change;
//! - **what a record holds** (`records`): the types and ranges of its fields, the records it
//!   names exist, and the fields that name the writer (`device`, a count signature) name the
//!   device and member that sent it.
//!
//! Unknown fields, unknown root keys and unknown containers are kept (docs/schema.md promises
//! it, for newer writers). Enumerations (a donation's `source`, a ledger entry's `kind`) are
//! closed in schema version 1: a value this build cannot read would make the whole document
//! unreadable to every device of this version, so it is refused.

mod ops;
pub mod rebase;
mod records;
pub mod shape;

use std::fmt;

use automerge::{ActorId, Automerge, ChangeHash};
use clubsync_protocol::ids::DocumentId;

use crate::document::DocumentKind;
use crate::ids::MemberId;

/// Who sent the changes being checked: the device and the member it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Writer {
    /// The member the device belongs to (a key of the club document's `members`).
    pub member: MemberId,
    /// The device's id, as records name it in their `device` field.
    pub device: String,
    /// The club document of the device's club: a new document must name it as its `club`.
    pub club_document: Option<DocumentId>,
    /// Whether the member is a coordinator: only coordinators resolve flags.
    pub coordinator: bool,
}

/// The rule a refused change broke. [`Rule::code`] names it in `/metrics` and in errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// A record was deleted or overwritten: records are append-only.
    RecordDeleted,
    /// A field that never changes after its record is written was changed or deleted.
    FieldChanged,
    /// A container (`donations`, `tins`, ...) was replaced or deleted.
    ContainerReplaced,
    /// A stage was removed from a status: statuses only move forward.
    StatusMovedBack,
    /// A field has the wrong type, is missing, or is out of range.
    InvalidRecord,
    /// An amount that must be positive is zero or negative.
    AmountNotPositive,
    /// An amount is in another currency than the document's.
    CurrencyMismatch,
    /// A record names a record (a tin, a custody entry, a donation...) that does not exist.
    UnknownReference,
    /// A record's `device` field names another device than the one that sent it.
    WrongDevice,
    /// A count was signed for a member other than the one whose device sent it.
    SignedForAnother,
    /// A count names the same member as both counters.
    SameCounterTwice,
    /// A petition's text changed after its first signature.
    TextFrozen,
    /// A new document is not a clubsync document, or names another club.
    NotAClubsyncDocument,
    /// A change was made under an Automerge actor id another device owns (checked by the
    /// server, which knows which device first used each actor).
    ActorOfAnotherDevice,
    /// A flag was resolved by a member who is not a coordinator, or in another's name.
    NotACoordinator,
}

impl Rule {
    /// The rule's name in `/metrics` and errors (snake case, stable).
    pub fn code(&self) -> &'static str {
        match self {
            Self::RecordDeleted => "record_deleted",
            Self::FieldChanged => "field_changed",
            Self::ContainerReplaced => "container_replaced",
            Self::StatusMovedBack => "status_moved_back",
            Self::InvalidRecord => "invalid_record",
            Self::AmountNotPositive => "amount_not_positive",
            Self::CurrencyMismatch => "currency_mismatch",
            Self::UnknownReference => "unknown_reference",
            Self::WrongDevice => "wrong_device",
            Self::SignedForAnother => "signed_for_another",
            Self::SameCounterTwice => "same_counter_twice",
            Self::TextFrozen => "text_frozen",
            Self::NotAClubsyncDocument => "not_a_clubsync_document",
            Self::ActorOfAnotherDevice => "actor_of_another_device",
            Self::NotACoordinator => "not_a_coordinator",
        }
    }

    /// What the rule says, for a person reading the error.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::RecordDeleted => "records are never deleted or overwritten",
            Self::FieldChanged => "this field never changes once its record is written",
            Self::ContainerReplaced => "a document's containers are never replaced",
            Self::StatusMovedBack => "a status only moves forward",
            Self::InvalidRecord => "the record does not match the schema",
            Self::AmountNotPositive => "amounts must be more than zero",
            Self::CurrencyMismatch => "amounts must be in the document's currency",
            Self::UnknownReference => "the record names a record that does not exist",
            Self::WrongDevice => "a record names the device that wrote it",
            Self::SignedForAnother => "each counter signs a count from their own device",
            Self::SameCounterTwice => "a count needs two different counters",
            Self::TextFrozen => "a petition's text is frozen once it has a signature",
            Self::NotAClubsyncDocument => "new documents must be clubsync documents of your club",
            Self::ActorOfAnotherDevice => "each device writes under its own actor ids",
            Self::NotACoordinator => "only a coordinator resolves a flag, in their own name",
        }
    }
}

/// Why a batch of changes was refused: the record (its path in the document) and the rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Where in the document, e.g. `donations/0194f1a2-...` or `counts/<id>/signatures/<member>`.
    pub path: String,
    /// The rule broken.
    pub rule: Rule,
    /// What exactly was wrong.
    pub detail: String,
}

impl Refusal {
    /// A refusal of the record at `path` for breaking `rule`.
    pub fn new(path: impl Into<String>, rule: Rule, detail: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            rule,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} ({}): {}",
            self.path,
            self.rule.describe(),
            self.rule.code(),
            self.detail
        )
    }
}

impl std::error::Error for Refusal {}

/// What a batch of changes that keeps the rules did, for the audit trail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// The records the changes wrote or touched, as `container/key`, sorted.
    pub records: Vec<String>,
    /// The changes, in the order they were applied.
    pub changes: Vec<CheckedChange>,
}

impl Checked {
    /// The actors of the changes, each once.
    pub fn actors(&self) -> Vec<ActorId> {
        let mut actors: Vec<ActorId> = Vec::new();
        for change in &self.changes {
            if !actors.contains(&change.actor) {
                actors.push(change.actor.clone());
            }
        }
        actors
    }
}

/// One change that keeps the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedChange {
    /// Its hash.
    pub hash: ChangeHash,
    /// Its actor.
    pub actor: ActorId,
    /// What its operations touched: `container/key` for a record, the root key for a root
    /// field, a status or a plain value (`title`, `status`, `permit`), sorted.
    pub records: Vec<String>,
}

/// Checks the changes of `doc` made since `before` (the heads before a batch was applied), all
/// sent by `writer`, against the rules of the document's kind.
///
/// `doc` already holds the changes; on a refusal the caller must discard them (the server
/// goes back to `before`). A document that is new in this batch (`before` is empty) is checked
/// whole.
pub fn check_changes(
    doc: &Automerge,
    before: &[ChangeHash],
    writer: &Writer,
) -> Result<Checked, Refusal> {
    let kind = DocumentKind::of(doc).map_err(|e| {
        Refusal::new(
            "kind",
            Rule::NotAClubsyncDocument,
            format!("the document's root has no known kind: {e}"),
        )
    })?;
    let written = ops::walk(doc, before, kind)?;
    records::check(doc, kind, &written, writer)?;
    let mut records: Vec<String> = written
        .records
        .keys()
        .map(|(container, key)| format!("{container}/{key}"))
        .collect();
    records.sort();
    Ok(Checked {
        records,
        changes: written
            .changes
            .into_iter()
            .map(|(hash, actor, records)| CheckedChange {
                hash,
                actor,
                records: records.into_iter().collect(),
            })
            .collect(),
    })
}
