//! The record commands of the `clubsync` binary, run for real against a device directory set up
//! without a server: a made-up membership and a club document stored through the library.

use std::path::Path;
use std::process::{Command, Output};

use clubsync_client::{DeviceHome, Membership, ServerAddress, now};
use clubsync_core::club::{Club, ClubProfile, ClubType, Member, Role};
use clubsync_core::collection::StreetCollection;
use clubsync_core::currency::Currency;
use clubsync_core::ids::MemberId;
use clubsync_protocol::DocumentId;

mod money;
mod petitions_events_and_observers;
mod street_collections;

const CLUB: &str = "club-test";

/// A device directory joined to a club of two adults: Ana (this device's member, with `role`)
/// and Ben. Returns Ana's and Ben's ids.
fn device(dir: &Path, role: Role) -> (MemberId, MemberId) {
    let mut home = DeviceHome::open(dir).expect("device directory");
    let at = now();
    let ana = MemberId::new_v7(at);
    let ben = MemberId::new_v7(at);
    let club_document = DocumentId::random();
    home.add_membership(&Membership {
        club_id: CLUB.into(),
        server: ServerAddress::parse("127.0.0.1:9").expect("address"),
        pinned_pem: None,
        device_id: "device-test".into(),
        token: "made-up-token".into(),
        role,
        member_id: Some(ana),
        member_name: Some("Ana Park".into()),
        club_document,
        joined_at: at,
        refused: None,
    })
    .expect("membership");
    let profile = ClubProfile {
        name: "Leeds Community".into(),
        club_type: ClubType::Community,
        country: "GB".into(),
        time_zone: "Europe/London".into(),
        currency: Currency::new("GBP").expect("GBP"),
    };
    let mut club = Club::create(None, &profile, at).expect("club");
    for (id, name) in [(ana, "Ana Park"), (ben, "Ben Okafor")] {
        let member = Member {
            id,
            display_name: name.into(),
            contact: None,
            role: Role::Coordinator,
            age16plus: true,
        };
        club.add_member(&member, at).expect("member");
    }
    home.create(CLUB, club_document, &club)
        .expect("club document");
    (ana, ben)
}

fn clubsync(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clubsync"))
        .arg("--home")
        .arg(home)
        .args(args)
        .env_remove("CLUBSYNC_HOME")
        .env_remove("CLUBSYNC_CLUB")
        .output()
        .expect("run clubsync")
}

/// Runs a command that must succeed; returns its standard output.
fn ok(home: &Path, args: &[&str]) -> String {
    let out = clubsync(home, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "clubsync {args:?} failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    stdout
}

/// Runs a command that must fail; returns its standard error.
fn refused(home: &Path, args: &[&str]) -> String {
    let out = clubsync(home, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "clubsync {args:?} should have failed\nstdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// The id in `Created <kind> <ID> "<title>"`.
fn created_id(stdout: &str, kind: &str) -> String {
    let first = stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!("Created {kind} ")),
        "unexpected first line {first:?}"
    );
    first
        .split_whitespace()
        .nth(2)
        .expect("an id after `Created <kind>`")
        .to_owned()
}

/// The value after `label` on its line of `text`.
fn line_value<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no line {label:?} in\n{text}"))
        .trim()
}

fn collection(home: &Path, id: &str) -> StreetCollection {
    let home = DeviceHome::open(home).expect("device directory");
    home.load(&id.parse().expect("document id"))
        .expect("collection")
}
