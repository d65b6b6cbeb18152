//! Flags in the app (issue 15, item 5): a tin out twice (Park's phone and Kim's laptop, each
//! unaware of the other) is flagged on the collection screen of Park's phone; Kim resolves it
//! with a note from her browser's list of flags; the flag disappears from Park's screen, and the
//! CLI and core agree that it is resolved.

use super::*;
use clubsync_core::resolution::Resolvable;

#[test]
fn a_flag_resolved_on_one_device_disappears_on_another() {
    if !browser_enabled() {
        return;
    }
    let club = WebClub::start();
    let code = club.kims_device_invite();
    let mut script = BrowserScript::start(
        "flags.mjs",
        &[
            "--base",
            &club.base(),
            "--coordinator",
            &code,
            "--volunteer",
            club.invite("Volunteer Park"),
            "--collection",
            &club.collection.to_string(),
            "--screens",
            &screens(),
        ],
        &fail_dir("flags"),
    );
    // Park's phone has tin 5; Kim's laptop, which has not heard of it, gives tin 5 to Kim.
    script.checkpoint("park-has-tin");
    club.kim
        .ok(&["collection", "issue-tin", COLLECTION, "5", "--seal", "K-5"]);
    club.kim.ok(&["sync"]);
    let listed = club.kim.ok(&["flags"]);
    assert!(
        listed.contains("tin 5 is issued to 2 collectors"),
        "{listed}"
    );
    script.resume(Value::Null);
    script.finish();

    club.kim.ok(&["sync"]);
    assert!(club.kim.ok(&["flags"]).contains("No open flags"));
    let (collection, _) = club.on_server();
    let resolutions = collection.resolutions().expect("resolutions");
    assert_eq!(resolutions.len(), 1);
    assert_eq!(resolutions[0].kind, "tin_issued_twice");
    assert_eq!(resolutions[0].by, club.member("Coordinator Kim"));
    assert!(resolutions[0].note.starts_with("Kim took tin 5 back"));
}
