//! Permit cases: the permit entered (a full one, one with a date typed as on paper, nothing),
//! and the app's warnings (`web/src/permit.ts`) against core's `permit_warnings` at moments in
//! and out of the permitted days and hours, on a London and a Seoul clock, before the return is
//! due and after.

use clubsync_core::collection::{Permit, PermitWarning, StreetCollection};
use clubsync_core::time_zone::ClubTimeZone;
use serde_json::{Value, json};

use crate::world::{World, at};
use crate::{Case, Outcome};

fn permit() -> Permit {
    Permit {
        authority: Some("Leeds City Council".into()),
        reference: Some("SC/2026/114".into()),
        first_day: Some("2026-03-14".into()),
        last_day: Some("2026-03-15".into()),
        hours: Some("10:00 – 16:30".into()),
        sites: Some("Briggate".into()),
        beneficiary: Some("Freedom Fund".into()),
        holder: Some("Coordinator Ana".into()),
        conditions: Some("No more than 4 collectors".into()),
        return_due: Some("2026-03-20".into()),
    }
}

fn args(p: &Permit) -> Value {
    json!({
        "authority": p.authority, "reference": p.reference, "first_day": p.first_day,
        "last_day": p.last_day, "hours": p.hours, "sites": p.sites, "beneficiary": p.beneficiary,
        "holder": p.holder, "conditions": p.conditions, "return_due": p.return_due,
    })
}

pub fn cases(w: &World) -> Vec<Case> {
    let fresh = w.collections().fresh;
    let set = |name: &str, p: Permit| {
        Case::on(
            name,
            "setPermit",
            args(&p),
            w.writer(w.ana),
            &fresh,
            move |d: &mut StreetCollection| -> Outcome {
                d.set_permit(&p, at(1))?;
                Ok(())
            },
        )
    };
    vec![
        set("permit_entered", permit()),
        set(
            "permit_day_typed_as_on_paper",
            Permit {
                first_day: Some("14/03/2026".into()),
                ..permit()
            },
        ),
        set("permit_with_nothing_given", Permit::default()),
    ]
}

/// The collections whose warnings the app reads: none entered, and `permit()`.
pub fn documents(w: &World) -> Vec<(String, StreetCollection)> {
    let none = w.collections().fresh;
    let mut with = none.clone();
    with.set_permit(&permit(), at(0)).expect("permit");
    vec![("no-permit".into(), none), ("permit".into(), with)]
}

/// Each moment (minutes after 10:00 UTC on 14 March) and zone the warnings are read at.
pub fn moments() -> Vec<(i64, &'static str)> {
    let mut out = Vec::new();
    for zone in ["Europe/London", "Asia/Seoul"] {
        for minutes in [
            -61,
            -60,
            0,
            389,
            390,
            24 * 60,
            2 * 24 * 60,
            6 * 24 * 60,
            7 * 24 * 60,
            -2 * 24 * 60,
        ] {
            out.push((minutes, zone));
        }
    }
    out
}

fn core_json(w: &PermitWarning) -> Value {
    match w {
        PermitWarning::NoPermit => json!({ "kind": "no_permit" }),
        PermitWarning::BeforeFirstDay(v) => json!({ "kind": "before_first_day", "value": v }),
        PermitWarning::AfterLastDay(v) => json!({ "kind": "after_last_day", "value": v }),
        PermitWarning::OutsideHours(v) => json!({ "kind": "outside_hours", "value": v }),
        PermitWarning::ReturnDueIn(days) => json!({ "kind": "return_due_in", "days": days }),
        PermitWarning::ReturnOverdue(v) => json!({ "kind": "return_overdue", "value": v }),
    }
}

/// The spec of the warnings to read: `{file, at, zone}` each.
pub fn spec(docs: &[(String, StreetCollection)]) -> Vec<Value> {
    let mut out = Vec::new();
    for (name, _) in docs {
        for (minutes, zone) in moments() {
            out.push(json!({ "file": format!("{name}.permit"), "at": at(minutes).millis(), "zone": zone }));
        }
    }
    out
}

/// Where the app's warnings differ from core's, in the order of `spec`.
pub fn divergences(docs: &[(String, StreetCollection)], app: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    for (name, doc) in docs {
        for (minutes, zone) in moments() {
            let clock = ClubTimeZone::named(zone).expect("zone");
            let core: Vec<Value> = doc
                .permit_warnings(at(minutes), &clock)
                .expect("warnings")
                .iter()
                .map(core_json)
                .collect();
            if app[i] != Value::Array(core.clone()) {
                out.push(format!(
                    "permit warnings of {name} at {minutes} min in {zone}: core {core:?}, the app {}",
                    app[i]
                ));
            }
            i += 1;
        }
    }
    out
}
