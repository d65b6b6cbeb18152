//! The event document: what, when and where, a forward-only status, shifts, and members'
//! assignments to shifts. Assignments are add-wins (never deleted); their status is
//! last-writer-wins; overbooking is flagged after a merge.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{ActorId, Automerge};
use clubsync_protocol::ids::DocumentId;

use crate::club::Club;
use crate::collection::parse_key;
use crate::document::{self, DocumentKind, TypedDocument};
use crate::error::{RecordError, SchemaError};
use crate::fields::{MapReader, Record};
use crate::flags::Flag;
use crate::ids::{AssignmentId, MemberId, ShiftId};
use crate::stage::{self, Stage};
use crate::text_enum::text_enum;
use crate::timestamp::Timestamp;

const CONTAINERS: &[&str] = &["status", "shifts", "assignments"];

/// What kind of event.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum EventType {
    /// A street collection.
    StreetCollection,
    /// A protest.
    Protest,
    /// A petition stall.
    PetitionStall,
    /// A concert.
    Concert,
    /// A sponsored activity.
    SponsoredActivity,
    /// Letter-writing to politicians.
    LetterWriting,
}

text_enum!(EventType {
    StreetCollection => "street_collection",
    Protest => "protest",
    PetitionStall => "petition_stall",
    Concert => "concert",
    SponsoredActivity => "sponsored_activity",
    LetterWriting => "letter_writing",
});

/// A role on a shift.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ShiftRole {
    /// Holds a tin.
    Collector,
    /// Counts tins.
    Counter,
    /// Looks after people and the site.
    Steward,
    /// Runs a stall.
    Stall,
}

text_enum!(ShiftRole { Collector => "collector", Counter => "counter", Steward => "steward", Stall => "stall" });

/// A member's answer to an assignment.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum AssignmentStatus {
    /// Will come.
    Accepted,
    /// Might come.
    Tentative,
    /// Will not come.
    Declined,
    /// Has not answered.
    NeedsAction,
}

text_enum!(AssignmentStatus {
    Accepted => "accepted",
    Tentative => "tentative",
    Declined => "declined",
    NeedsAction => "needs_action",
});

/// What a new event starts with.
#[derive(Clone, Debug)]
pub struct NewEvent {
    /// The club document.
    pub club: DocumentId,
    /// Title.
    pub title: String,
    /// Type.
    pub event_type: EventType,
    /// Start.
    pub starts_at: Timestamp,
    /// End.
    pub ends_at: Timestamp,
    /// Place.
    pub place: String,
    /// The street collection document holding the permit, for a street collection.
    pub collection: Option<DocumentId>,
}

/// A shift.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Shift {
    /// The shift's id, made on the device.
    pub id: ShiftId,
    /// The role.
    pub role: ShiftRole,
    /// Where.
    pub place: String,
    /// Start.
    pub starts_at: Timestamp,
    /// End.
    pub ends_at: Timestamp,
    /// How many people it needs.
    pub people_needed: i64,
    /// Whether only members of 16 or over may take it (always for money roles).
    pub adults_only: bool,
}

/// An assignment of a member to a shift.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Assignment {
    /// The assignment's id, made on the device.
    pub id: AssignmentId,
    /// The shift.
    pub shift: ShiftId,
    /// The member.
    pub member: MemberId,
    /// Their answer.
    pub status: AssignmentStatus,
    /// Whether they came, once known.
    pub attended: Option<bool>,
}

/// An event document.
#[derive(Debug, Clone)]
pub struct Event {
    doc: Automerge,
}

crate::document::typed_document!(Event, DocumentKind::Event, CONTAINERS);

impl Event {
    /// A new, planned event.
    pub fn create(
        actor: Option<ActorId>,
        new: &NewEvent,
        at: Timestamp,
    ) -> Result<Self, RecordError> {
        if new.title.trim().is_empty() {
            return Err(RecordError::EmptyField("title"));
        }
        let fields = Record::new()
            .with("club", new.club.to_string())
            .with("title", new.title.as_str())
            .with("event_type", new.event_type.as_str())
            .with("starts_at", new.starts_at)
            .with("ends_at", new.ends_at)
            .with("place", new.place.as_str())
            .with_opt("collection", new.collection.map(|c| c.to_string()));
        let mut doc = document::new_document(
            actor,
            Self::KIND,
            &[CONTAINERS, &[crate::resolution::CONTAINER]].concat(),
            at,
            fields,
        )?;
        stage::advance(&mut doc, Stage::Planned, at)?;
        Ok(Self { doc })
    }

    fn root(&self) -> MapReader<'_, Automerge> {
        MapReader::root(&self.doc)
    }

    /// The title.
    pub fn title(&self) -> Result<String, SchemaError> {
        self.root().str("title")
    }

    /// The street collection document holding the permit, if linked.
    pub fn collection(&self) -> Result<Option<DocumentId>, SchemaError> {
        self.root().opt_parse("collection")
    }

    /// The event type.
    pub fn event_type(&self) -> Result<EventType, SchemaError> {
        self.root().parse("event_type")
    }

    /// The furthest stage reached.
    pub fn status(&self) -> Result<Stage, SchemaError> {
        stage::furthest(&self.doc, &document::container(&self.doc, "status")?)
    }

    /// Moves the status forward (a no-op if already there or further).
    pub fn advance_status(&mut self, stage: Stage, at: Timestamp) -> Result<Stage, RecordError> {
        stage::advance(&mut self.doc, stage, at)
    }

    /// Adds a shift. Refused if it ends before it starts or needs nobody.
    pub fn add_shift(&mut self, shift: &Shift, at: Timestamp) -> Result<ShiftId, RecordError> {
        if shift.ends_at <= shift.starts_at {
            return Err(RecordError::InvalidShift(
                "it must end after it starts".into(),
            ));
        }
        if shift.people_needed < 1 {
            return Err(RecordError::InvalidShift(
                "it must need at least one person".into(),
            ));
        }
        let shifts = document::container(&self.doc, "shifts")?;
        if self.root().map("shifts")?.has(&shift.id.key()) {
            return Err(RecordError::DuplicateId(shift.id.key()));
        }
        let money_role = matches!(shift.role, ShiftRole::Collector | ShiftRole::Counter);
        let record = Record::new()
            .with("role", shift.role.as_str())
            .with("place", shift.place.as_str())
            .with("starts_at", shift.starts_at)
            .with("ends_at", shift.ends_at)
            .with("people_needed", shift.people_needed)
            .with("adults_only", shift.adults_only || money_role);
        document::write(&mut self.doc, at, |tx| {
            record.insert(tx, &shifts, &shift.id.key()).map(|_| ())
        })?;
        Ok(shift.id)
    }

    /// The shifts, by start time.
    pub fn shifts(&self) -> Result<Vec<Shift>, SchemaError> {
        let mut out = self
            .root()
            .map("shifts")?
            .records()?
            .iter()
            .map(|(key, s)| {
                Ok(Shift {
                    id: parse_key("shifts", key)?,
                    role: s.parse("role")?,
                    place: s.str("place")?,
                    starts_at: s.time("starts_at")?,
                    ends_at: s.time("ends_at")?,
                    people_needed: s.i64("people_needed")?,
                    adults_only: s.opt_bool("adults_only")?.unwrap_or(false),
                })
            })
            .collect::<Result<Vec<_>, SchemaError>>()?;
        out.sort_by_key(|s| (s.starts_at, s.id));
        Ok(out)
    }

    /// Assigns a member to a shift. Refused for an unknown shift or member, or an under-16
    /// member on an adults-only shift.
    pub fn assign(
        &mut self,
        a: &Assignment,
        club: &Club,
        at: Timestamp,
    ) -> Result<AssignmentId, RecordError> {
        let shift = self
            .shifts()?
            .into_iter()
            .find(|s| s.id == a.shift)
            .ok_or(RecordError::UnknownShift(a.shift))?;
        let member = club
            .member(a.member)?
            .ok_or(RecordError::UnknownMember(a.member))?;
        if shift.adults_only && !member.age16plus {
            return Err(RecordError::CollectorUnder16(a.member));
        }
        let assignments = document::container(&self.doc, "assignments")?;
        if self.root().map("assignments")?.has(&a.id.key()) {
            return Err(RecordError::DuplicateId(a.id.key()));
        }
        let record = Record::new()
            .with("shift", a.shift.key())
            .with("member", a.member.key())
            .with("status", a.status.as_str())
            .with_opt("attended", a.attended);
        document::write(&mut self.doc, at, |tx| {
            record.insert(tx, &assignments, &a.id.key()).map(|_| ())
        })?;
        Ok(a.id)
    }

    /// Changes an assignment's answer and attendance (last writer wins per field).
    pub fn update_assignment(
        &mut self,
        id: AssignmentId,
        status: AssignmentStatus,
        attended: Option<bool>,
        at: Timestamp,
    ) -> Result<(), RecordError> {
        let obj = self
            .root()
            .map("assignments")?
            .opt_map(&id.key())?
            .ok_or(RecordError::UnknownAssignment(id))?
            .obj()
            .clone();
        let record = Record::new()
            .with("status", status.as_str())
            .with_opt("attended", attended);
        document::write(&mut self.doc, at, |tx| record.put_into(tx, &obj))
    }

    /// Every assignment.
    pub fn assignments(&self) -> Result<Vec<Assignment>, SchemaError> {
        self.root()
            .map("assignments")?
            .records()?
            .iter()
            .map(|(key, a)| {
                Ok(Assignment {
                    id: parse_key("assignments", key)?,
                    shift: a.parse("shift")?,
                    member: a.parse("member")?,
                    status: a.parse("status")?,
                    attended: a.opt_bool("attended")?,
                })
            })
            .collect()
    }

    /// Overbooked shifts: more distinct members accepted than the shift needs.
    pub fn flags(&self) -> Result<Vec<Flag>, SchemaError> {
        let mut accepted: BTreeMap<ShiftId, BTreeSet<MemberId>> = BTreeMap::new();
        for a in self
            .assignments()?
            .iter()
            .filter(|a| a.status == AssignmentStatus::Accepted)
        {
            accepted.entry(a.shift).or_default().insert(a.member);
        }
        Ok(self
            .shifts()?
            .into_iter()
            .filter_map(|s| {
                let n = accepted.get(&s.id).map_or(0, |m| m.len() as i64);
                (n > s.people_needed).then_some(Flag::OverbookedShift {
                    shift: s.id,
                    needed: s.people_needed,
                    accepted: n,
                })
            })
            .collect())
    }
}
