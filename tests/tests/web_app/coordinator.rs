//! A coordinator runs the club from the app (issue 15, item 2): invites by a QR link, a second
//! device for herself, a lost phone revoked in two taps, which erases its club data.

use super::*;

#[test]
fn a_coordinator_invites_by_link_adds_her_laptop_and_a_revoked_phone_erases_the_club() {
    if !browser_enabled() {
        return;
    }
    let club = WebClub::start();
    // Kim's laptop (the CLI) took her demo invite: her phone joins as another device of hers.
    let code = club.kims_device_invite();
    let script = BrowserScript::start(
        "coordinator.mjs",
        &[
            "--base",
            &club.base(),
            "--invite",
            &code,
            "--screens",
            &screens(),
        ],
        &fail_dir("coordinator"),
    );
    let result = script.finish();
    let asha = result["asha_device"].as_str().expect("Asha's device");
    let laptop = result["laptop_device"]
        .as_str()
        .expect("the laptop's device");
    // The server agrees: Asha's phone is revoked, and Kim is one member with her devices.
    let devices = club.kim.ok(&["devices"]);
    let row = |id: &str| {
        devices
            .lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("no device {id} in\n{devices}"))
            .to_owned()
    };
    assert!(row(asha).contains("revoked"), "{devices}");
    assert!(row(laptop).contains("Coordinator Kim"), "{devices}");
    let members = club.kim.ok(&["members"]);
    assert_eq!(members.matches("Coordinator Kim").count(), 1, "{members}");
    assert!(members.contains("Asha Khan"), "{members}");
}
