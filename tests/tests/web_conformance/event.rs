//! Event cases: each record the events screens write (a new event, a shift, a member on it,
//! their answer and attendance, the event held), valid and refused, and the app's reading of
//! overbooked shifts against core's `Event::flags`.

use clubsync_core::club::Member;
use clubsync_core::document::TypedDocument;
use clubsync_core::event::{
    Assignment, AssignmentStatus, Event, EventType, NewEvent, Shift, ShiftRole,
};
use clubsync_core::flags::Flag;
use clubsync_core::ids::{AssignmentId, ShiftId};
use clubsync_core::stage::Stage;
use clubsync_core::timestamp::Timestamp;
use serde_json::{Value, json};

use crate::world::{World, at};
use crate::{Case, Outcome};

/// The events the cases start from.
pub struct Events {
    /// Planned, one steward shift (`shift`, needs 1) and one collector shift (`collectors`).
    pub planned: Event,
    pub shift: ShiftId,
    pub collectors: ShiftId,
    /// `planned` with Ben on the steward shift, not answered yet (`ben_on_shift`).
    pub assigned: Event,
    pub ben_on_shift: AssignmentId,
    /// `assigned` with Ana and Ben both accepted on the steward shift: overbooked.
    pub overbooked: Event,
}

fn shift(id: ShiftId, role: ShiftRole, needed: i64) -> Shift {
    Shift {
        id,
        role,
        place: "Briggate".into(),
        starts_at: at(60),
        ends_at: at(120),
        people_needed: needed,
        adults_only: false,
    }
}

impl Events {
    pub fn new(w: &World) -> Self {
        let new = NewEvent {
            club: w.club_id,
            title: "Vigil for the forcibly returned".into(),
            event_type: EventType::Protest,
            starts_at: at(60),
            ends_at: at(180),
            place: "Park Square".into(),
            collection: None,
        };
        let mut planned = Event::create(None, &new, at(0)).expect("an event");
        let (steward, collectors) = (ShiftId::new_v7(at(1)), ShiftId::new_v7(at(2)));
        planned
            .add_shift(&shift(steward, ShiftRole::Steward, 1), at(1))
            .expect("a shift");
        planned
            .add_shift(&shift(collectors, ShiftRole::Collector, 2), at(2))
            .expect("a shift");
        let mut assigned = planned.clone();
        let ben_on_shift = AssignmentId::new_v7(at(3));
        let on = |id, member| Assignment {
            id,
            shift: steward,
            member,
            status: AssignmentStatus::NeedsAction,
            attended: None,
        };
        assigned
            .assign(&on(ben_on_shift, w.ben), &w.club, at(3))
            .expect("assigned");
        let mut overbooked = assigned.clone();
        let ana_on_shift = AssignmentId::new_v7(at(4));
        overbooked
            .assign(&on(ana_on_shift, w.ana), &w.club, at(4))
            .expect("assigned");
        for id in [ben_on_shift, ana_on_shift] {
            overbooked
                .update_assignment(id, AssignmentStatus::Accepted, None, at(5))
                .expect("accepted");
        }
        Events {
            planned,
            shift: steward,
            collectors,
            assigned,
            ben_on_shift,
            overbooked,
        }
    }
}

pub fn cases(w: &World) -> Vec<Case> {
    let e = Events::new(w);
    let writer = || w.writer(w.ana);
    let new_event = |name: &str, title: &str| {
        let args = json!({
            "club": w.club_id.to_string(), "title": title, "eventType": "protest",
            "startsAt": at(60).millis(), "endsAt": at(180).millis(), "place": "Park Square",
            "at": at(0).millis(),
        });
        let new = NewEvent {
            club: w.club_id,
            title: title.into(),
            event_type: EventType::Protest,
            starts_at: at(60),
            ends_at: at(180),
            place: "Park Square".into(),
            collection: None,
        };
        Case::new_document(name, "newEvent", args, writer(), move || {
            Ok(Event::create(None, &new, at(0))?.automerge().clone())
        })
    };
    let add_shift = |name: &str, role: ShiftRole, starts: Timestamp, ends: Timestamp, needed| {
        let id = ShiftId::new_v7(at(9));
        let args = json!({
            "id": id.key(), "role": role.as_str(), "place": "Briggate", "startsAt": starts.millis(),
            "endsAt": ends.millis(), "peopleNeeded": needed, "adultsOnly": false, "at": at(9).millis(),
        });
        let s = Shift {
            starts_at: starts,
            ends_at: ends,
            ..shift(id, role, needed)
        };
        Case::on(name, "addShift", args, writer(), &e.planned, move |d| {
            d.add_shift(&s, at(9))?;
            Ok(())
        })
    };
    let assign = |name: &str, shift: ShiftId, member: clubsync_core::ids::MemberId| {
        let id = AssignmentId::new_v7(at(10));
        let args = json!({ "id": id.key(), "shift": shift.key(), "member": member.key(), "status": "needs_action" });
        let a = Assignment {
            id,
            shift,
            member,
            status: AssignmentStatus::NeedsAction,
            attended: None,
        };
        let club = w.club.clone();
        Case::on(name, "assign", args, writer(), &e.planned, move |d| {
            d.assign(&a, &club, at(10))?;
            Ok(())
        })
    };
    let answer =
        |name: &str, id: AssignmentId, status: AssignmentStatus, attended: Option<bool>| {
            let args = json!({ "id": id.key(), "status": status.as_str(), "attended": attended });
            Case::on(
                name,
                "answer",
                args,
                w.writer(w.ben),
                &e.assigned,
                move |d| -> Outcome {
                    d.update_assignment(id, status, attended, at(11))?;
                    Ok(())
                },
            )
        };
    let stranger = Member {
        id: clubsync_core::ids::MemberId::new_v7(at(0)),
        display_name: "Stranger".into(),
        contact: None,
        role: clubsync_core::club::Role::Volunteer,
        age16plus: true,
    };
    vec![
        new_event("new_event", "Vigil for the forcibly returned"),
        new_event("new_event_without_a_title", "   "),
        add_shift("steward_shift", ShiftRole::Steward, at(60), at(120), 3),
        add_shift(
            "collector_shift_is_adults_only",
            ShiftRole::Collector,
            at(60),
            at(120),
            2,
        ),
        add_shift(
            "shift_ending_before_it_starts",
            ShiftRole::Stall,
            at(120),
            at(60),
            1,
        ),
        add_shift("shift_needing_nobody", ShiftRole::Stall, at(60), at(120), 0),
        assign("ben_on_the_steward_shift", e.shift, w.ben),
        assign("kid_on_the_steward_shift", e.shift, w.kid),
        assign("kid_on_the_collector_shift", e.collectors, w.kid),
        assign("on_an_unknown_shift", ShiftId::new_v7(at(0)), w.ben),
        assign("a_stranger_on_the_shift", e.shift, stranger.id),
        answer(
            "ben_accepts",
            e.ben_on_shift,
            AssignmentStatus::Accepted,
            None,
        ),
        answer(
            "ben_declines",
            e.ben_on_shift,
            AssignmentStatus::Declined,
            None,
        ),
        answer(
            "ben_came",
            e.ben_on_shift,
            AssignmentStatus::Accepted,
            Some(true),
        ),
        answer(
            "an_unknown_assignment",
            AssignmentId::new_v7(at(0)),
            AssignmentStatus::Accepted,
            None,
        ),
        Case::on(
            "event_held",
            "advanceEvent",
            json!({ "stage": "held", "at": at(200).millis() }),
            writer(),
            &e.assigned,
            |d| {
                d.advance_status(Stage::Held, at(200))?;
                Ok(())
            },
        ),
        Case::on(
            "event_planned_again",
            "advanceEvent",
            json!({ "stage": "planned", "at": at(200).millis() }),
            writer(),
            &e.assigned,
            |d| {
                d.advance_status(Stage::Planned, at(200))?;
                Ok(())
            },
        ),
    ]
}

/// The events whose overbooked shifts the app reads, by file name.
pub fn documents(w: &World) -> Vec<(String, Event)> {
    let e = Events::new(w);
    vec![
        ("assigned".into(), e.assigned),
        ("overbooked".into(), e.overbooked),
    ]
}

/// Where the app's overbooked shifts differ from core's flags.
pub fn divergences(docs: &[(String, Event)], app: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (name, event) in docs {
        let core: Vec<Value> = event
            .flags()
            .expect("flags")
            .into_iter()
            .filter_map(|f| match f {
                Flag::OverbookedShift {
                    shift,
                    needed,
                    accepted,
                } => Some(json!({ "shift": shift.key(), "needed": needed, "accepted": accepted })),
                _ => None,
            })
            .collect();
        let file = format!("{name}.event");
        if app[&file] != Value::Array(core.clone()) {
            out.push(format!(
                "overbooked shifts of {name}: core {core:?}, the app {}",
                app[&file]
            ));
        }
    }
    out
}
