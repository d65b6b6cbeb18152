//! Petitions and events from the command line, and an observer who may only read.

use super::*;

#[test]
fn observers_read_but_do_not_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let coordinator = dir.path().join("coordinator");
    let observer = dir.path().join("observer");
    device(&coordinator, Role::Coordinator);
    device(&observer, Role::Observer);
    let refusal = "observers can read but not record; ask a coordinator to change your role";
    let error = refused(
        &observer,
        &["collection", "create", "Briggate", "--tins", "1"],
    );
    assert!(error.contains(refusal), "{error}");
    let error = refused(&observer, &["petition", "create", "P", "--text", "T"]);
    assert!(error.contains(refusal), "{error}");

    // Give the observer's device a collection (as a sync would) and try to write to it.
    let id = created_id(
        &ok(
            &coordinator,
            &["collection", "create", "Briggate", "--tins", "1"],
        ),
        "collection",
    );
    let doc = collection(&coordinator, &id);
    let mut home = DeviceHome::open(&observer).expect("home");
    home.create(CLUB, id.parse().expect("id"), &doc)
        .expect("stored");
    drop(home);
    let error = refused(&observer, &["collection", "donate", &id, "5"]);
    assert!(error.contains(refusal), "{error}");
    let error = refused(
        &observer,
        &["collection", "issue-tin", &id, "1", "--seal", "X"],
    );
    assert!(error.contains(refusal), "{error}");
    assert!(ok(&observer, &["collection", "list"]).contains("Briggate"));
    ok(&observer, &["collection", "show", "brig"]);
    assert_eq!(
        collection(&observer, &id)
            .donations()
            .expect("donations")
            .len(),
        0
    );
}

#[test]
fn petitions_and_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    device(home, Role::Coordinator);
    let id = created_id(
        &ok(
            home,
            &[
                "petition",
                "create",
                "Free Them All",
                "--text",
                "We call on the council.",
                "--target",
                "Leeds City Council",
            ],
        ),
        "petition",
    );
    let out = ok(
        home,
        &[
            "petition",
            "sign",
            "free them",
            "--name",
            "Kim Ji-woo",
            "--postcode",
            "LS1 4AP",
            "--email",
            "kim@example.org",
            "--consent",
            "campaign_updates",
            "--wording-version",
            "v2",
        ],
    );
    assert!(
        out.contains("(1 signature)") && out.contains("Consent to campaign_updates"),
        "{out}"
    );
    ok(
        home,
        &[
            "petition", "sign", &id, "--name", "Sam Lee", "--town", "Leeds",
        ],
    );
    let error = refused(home, &["petition", "sign", &id, "--name", "No Place"]);
    assert!(
        error.contains("--postcode") || error.contains("--town"),
        "{error}"
    );
    let error = refused(
        home,
        &[
            "petition",
            "sign",
            &id,
            "--name",
            "X",
            "--town",
            "Y",
            "--consent",
            "news",
        ],
    );
    assert!(error.contains("--wording-version"), "{error}");
    let list = ok(home, &["petition", "list"]);
    assert!(list.contains(&id) && list.contains("frozen"), "{list}");
    let show = ok(home, &["petition", "list", &id]);
    assert!(
        show.contains("Signatures: 2") && show.contains("consents: campaign_updates"),
        "{show}"
    );
    let delivery = ok(home, &["report", "petition-delivery", "--document", &id]);
    assert!(
        delivery.starts_with("name,postcode_or_town,date\n"),
        "{delivery}"
    );
    assert!(
        delivery.contains("Kim Ji-woo,LS1 4AP,") && delivery.contains("Sam Lee,Leeds,"),
        "{delivery}"
    );
    assert!(
        !delivery.contains("example.org"),
        "no email in the delivery list"
    );
    let error = refused(
        home,
        &["report", "tin-count-sheet", "--document", "free them"],
    );
    assert!(
        error.contains("a petition") && error.contains("not a street collection"),
        "{error}"
    );

    let event = created_id(
        &ok(
            home,
            &[
                "event",
                "create",
                "Briggate collection",
                "--type",
                "street-collection",
                "--starts",
                "2026-03-14 10:00",
                "--ends",
                "2026-03-14T16:00Z",
                "--place",
                "Briggate",
            ],
        ),
        "event",
    );
    let out = ok(
        home,
        &[
            "event",
            "shift",
            "briggate",
            "--role",
            "collector",
            "--starts",
            "10:00",
            "--ends",
            "12:00",
            "--capacity",
            "2",
        ],
    );
    assert!(out.starts_with("Added shift 1 "), "{out}");
    ok(home, &["event", "assign", &event, "1", "Ben"]);
    let error = refused(home, &["event", "assign", &event, "1", "Ben"]);
    assert!(error.contains("already on this shift"), "{error}");
    let error = refused(home, &["event", "assign", &event, "5", "Ana"]);
    assert!(error.contains("no shift \"5\""), "{error}");
    let show = ok(home, &["event", "list", &event]);
    assert!(
        show.contains("From 2026-03-14 10:00 to 2026-03-14 16:00 (Europe/London)"),
        "{show}"
    );
    assert!(
        show.contains("Shift 1: collector from 2026-03-14 10:00 to 2026-03-14 12:00"),
        "{show}"
    );
    assert!(
        show.contains("1/2 accepted") && show.contains("Ben Okafor (accepted)"),
        "{show}"
    );
    assert!(ok(home, &["event", "list"]).contains("street-collection"));
}

#[test]
fn record_text_with_terminal_escapes_is_shown_escaped_never_obeyed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    device(home, Role::Coordinator);
    // A signer's name and postcode carrying escape sequences (one clears the screen, one sets
    // the terminal's title), as a hostile client could write them into a shared petition.
    let id = created_id(
        &ok(
            home,
            &[
                "petition",
                "create",
                "Free\u{1b}[2J Them",
                "--text",
                "We call on the council.",
            ],
        ),
        "petition",
    );
    ok(
        home,
        &[
            "petition",
            "sign",
            &id,
            "--name",
            "Kim\u{1b}]0;owned\u{7}",
            "--postcode",
            "LS1\u{1b}[31m",
        ],
    );
    let shown = ok(home, &["petition", "list", &id]);
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
        "{shown:?}"
    );
    assert!(shown.contains("Kim\\u{1b}]0;owned\\u{7}"), "{shown}");
    assert!(shown.contains("Free\\u{1b}[2J Them"), "{shown}");
    let listed = ok(home, &["petition", "list"]);
    assert!(!listed.contains('\u{1b}'), "{listed:?}");
}

#[test]
fn a_club_in_seoul_types_and_reads_times_on_seouls_clock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    device(home, Role::Coordinator);
    {
        let mut device = DeviceHome::open(home).expect("device directory");
        let club = device.membership(None).expect("membership").club_document;
        device
            .write(&club, |c: &mut Club| {
                Ok(c.set_time_zone("Asia/Seoul", now())?)
            })
            .expect("time zone set");
    }
    let event = created_id(
        &ok(
            home,
            &[
                "event",
                "create",
                "Myeongdong stall",
                "--type",
                "petition-stall",
                "--starts",
                "2026-03-14 08:30",
            ],
        ),
        "event",
    );
    ok(
        home,
        &[
            "event",
            "shift",
            &event,
            "--role",
            "stall",
            "--starts",
            "09:00",
            "--ends",
            "10:00",
            "--capacity",
            "2",
        ],
    );
    // Stored as UTC: 08:30 in Seoul is 23:30 the day before.
    let device = DeviceHome::open(home).expect("device directory");
    let stored: clubsync_core::event::Event = device
        .load(&event.parse().expect("an id"))
        .expect("the event");
    let shift = &stored.shifts().expect("shifts")[0];
    assert_eq!(shift.starts_at.to_string(), "2026-03-14T00:00:00Z");
    let show = ok(home, &["event", "list", &event]);
    assert!(
        show.contains("From 2026-03-14 08:30 to 2026-03-14 10:30 (Asia/Seoul)"),
        "{show}"
    );
    assert!(
        show.contains("Shift 1: stall from 2026-03-14 09:00 to 2026-03-14 10:00"),
        "{show}"
    );
    assert!(ok(home, &["event", "list"]).contains("2026-03-14 08:30"));
}
