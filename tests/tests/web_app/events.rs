//! Events, shifts and rosters from the app (issue 15, item 4): a protest with a shift, a
//! volunteer's answer, the overbooking, attendance and status, and the calendar files.

use super::*;
use clubsync_core::event::{AssignmentStatus, Event};
use clubsync_core::flags::Flag;
use clubsync_core::stage::Stage;

#[test]
fn a_coordinator_runs_an_event_and_a_volunteer_answers_their_shift() {
    if !browser_enabled() {
        return;
    }
    let club = WebClub::start();
    let code = club.kims_device_invite();
    let script = BrowserScript::start(
        "events.mjs",
        &[
            "--base",
            &club.base(),
            "--coordinator",
            &code,
            "--volunteer",
            club.invite("Volunteer Park"),
            "--screens",
            &screens(),
        ],
        &fail_dir("events"),
    );
    let result = script.finish();
    let id: DocumentId = result["event"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("the event's id");
    // What the phones recorded is on the server, read by core.
    club.kim.ok(&["sync"]);
    let event: Event = club
        .kim
        .home()
        .load(&id)
        .expect("the event on Kim's laptop");
    assert_eq!(
        event.title().expect("title"),
        "Vigil for the forcibly returned"
    );
    assert_eq!(event.status().expect("status"), Stage::Held);
    let park = club.member("Volunteer Park");
    let answers = event.assignments().expect("assignments");
    let parks = answers
        .iter()
        .find(|a| a.member == park)
        .expect("Park is on the shift");
    assert_eq!(
        (parks.status, parks.attended),
        (AssignmentStatus::Accepted, Some(true))
    );
    assert!(
        event.flags().expect("flags").iter().any(|f| matches!(
            f,
            Flag::OverbookedShift {
                accepted: 2,
                needed: 1,
                ..
            }
        )),
        "core flags the shift the app showed as overbooked"
    );
}
