//! The permit's warnings on the club's clock: no permit, outside the days or hours, and the
//! return due soon or overdue.

mod fixtures;

use clubsync_core::collection::{Permit, PermitWarning, permitted_hours};
use clubsync_core::time_zone::ClubTimeZone;
use fixtures::*;

fn permit() -> Permit {
    Permit {
        authority: Some("Leeds City Council".into()),
        reference: Some("SC/2026/114".into()),
        first_day: Some("2026-03-14".into()),
        last_day: Some("2026-03-14".into()),
        hours: Some("10:00-16:00".into()),
        sites: Some("Briggate".into()),
        return_due: Some("2026-03-20".into()),
        ..Permit::default()
    }
}

#[test]
fn the_permit_warns_outside_its_days_and_hours_and_before_the_return_is_due() {
    let mut w = world();
    let london = ClubTimeZone::named("Europe/London").expect("zone");
    assert_eq!(
        w.collection.permit_warnings(at(0), &london).expect("read"),
        [PermitWarning::NoPermit]
    );
    w.collection.set_permit(&permit(), at(0)).expect("permit");
    let warn = |minutes: i64, zone: &ClubTimeZone| {
        w.collection
            .permit_warnings(at(minutes), zone)
            .expect("read")
    };
    // T0 is 10:00 in London on 14 March: within the permit; the return is due in 6 days.
    assert_eq!(warn(0, &london), [PermitWarning::ReturnDueIn(6)]);
    assert!(warn(-60, &london).contains(&PermitWarning::OutsideHours("10:00-16:00".into())));
    assert!(warn(6 * 60, &london).contains(&PermitWarning::OutsideHours("10:00-16:00".into())));
    assert!(
        !warn(6 * 60 - 1, &london).contains(&PermitWarning::OutsideHours("10:00-16:00".into()))
    );
    assert!(warn(24 * 60, &london).contains(&PermitWarning::AfterLastDay("2026-03-14".into())));
    assert!(warn(-24 * 60, &london).contains(&PermitWarning::BeforeFirstDay("2026-03-14".into())));
    assert!(
        warn(7 * 24 * 60, &london).contains(&PermitWarning::ReturnOverdue("2026-03-20".into()))
    );
    // The same moment is 19:00 in Seoul: outside the hours on the club's clock.
    let seoul = ClubTimeZone::named("Asia/Seoul").expect("zone");
    assert!(warn(0, &seoul).contains(&PermitWarning::OutsideHours("10:00-16:00".into())));
}

#[test]
fn hours_read_as_printed_or_not_at_all() {
    assert_eq!(permitted_hours("10:00-16:00"), Some((600, 960)));
    assert_eq!(permitted_hours("10.00 – 16.30"), Some((600, 990)));
    assert_eq!(permitted_hours("9:30 to 17:00"), Some((570, 1020)));
    assert_eq!(permitted_hours("daylight hours"), None);
    assert_eq!(permitted_hours("16:00-10:00"), None);
}
