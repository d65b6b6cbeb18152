//! The club document's members, kept by the server from its identity database: a member made by
//! redeeming an invite is added to the club document, so core's record rules (who may take a
//! tin, who may count) and every device know them.

use clubsync_testkit::harness as common;

use std::time::Duration;

use automerge::Automerge;
use clubsync_core::club::{Club, Member, Role};
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::MemberId;
use clubsync_protocol::DocumentId;
use clubsync_server::identity::IdentityStore;
use common::{LIMIT, QUIET, ServerProcess, admin, connect, printed_code};
use tokio::io::{AsyncRead, AsyncWrite};

/// What `POST /api/join` answered.
struct Joined {
    token: String,
    club_document: DocumentId,
    member_id: MemberId,
    member_name: String,
}

fn join(server: &ServerProcess, invite: &str, device_name: &str) -> Joined {
    let (status, body) = server.join(invite, device_name);
    assert_eq!(status, 200, "joining with {device_name}: {body}");
    let text = |key: &str| {
        body[key]
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in {body}"))
            .to_owned()
    };
    Joined {
        token: text("token"),
        club_document: text("club_document").parse().expect("a document id"),
        member_id: text("member_id").parse().expect("a member id (UUID)"),
        member_name: text("member_name"),
    }
}

/// The members of a club document as a device holds it, by name.
fn members(doc: &Automerge) -> Vec<Member> {
    let mut members = Club::from_automerge(doc.clone())
        .expect("a club document")
        .members()
        .expect("the members read");
    members.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    members
}

/// Syncs until the device's copy of the club document has `count` members, or `LIMIT` passes;
/// returns the members as they then are.
async fn members_once<S: AsyncRead + AsyncWrite + Unpin>(
    device: &mut common::Device<S>,
    club_document: DocumentId,
    count: usize,
) -> Vec<Member> {
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        device.sync(QUIET, Duration::from_secs(2)).await;
        assert_eq!(device.seen.closed, None);
        let now = members(&device.docs[&club_document]);
        if now.len() >= count || tokio::time::Instant::now() >= deadline {
            return now;
        }
    }
}

fn member(joined: &Joined, role: Role, age16plus: bool) -> Member {
    Member {
        id: joined.member_id,
        display_name: joined.member_name.clone(),
        contact: None,
        role,
        age16plus,
    }
}

#[tokio::test]
async fn members_who_join_are_in_the_club_document_with_role_name_and_age() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (lee, expected) = {
        let server = ServerProcess::start(dir.path(), &[]);
        let kim = join(&server, &server.invites["Coordinator Kim"], "Kim's phone");
        let lee = join(&server, &server.invites["Volunteer Lee"], "Lee's phone");
        assert_eq!(
            (kim.member_name.as_str(), lee.member_name.as_str()),
            ("Coordinator Kim", "Volunteer Lee")
        );
        assert_ne!(kim.member_id, lee.member_id);

        // A member under 16, invited with the admin CLI while the server runs.
        let (ok, out) = admin(
            &server.data_dir,
            &[
                "invite",
                "--club",
                "Demo Club",
                "--role",
                "volunteer",
                "--name",
                "Junior Jo",
                "--under-16",
            ],
        );
        assert!(ok && out.contains("under 16"), "{out}");
        let jo = join(&server, &printed_code(&out), "Jo's phone");

        let expected = vec![
            member(&kim, Role::Coordinator, true),
            member(&jo, Role::Volunteer, false),
            member(&lee, Role::Volunteer, true),
        ];
        // A volunteer's device, syncing the club document alone, sees every member, with the
        // ids the join answers gave.
        let mut phone = connect(&server.ws_url(Some(&lee.token)))
            .await
            .expect("Lee connects");
        phone.want(lee.club_document);
        let seen = members_once(&mut phone, lee.club_document, 3).await;
        assert_eq!(seen, expected);

        let status = server.terminate();
        assert!(status.success(), "graceful shutdown exits 0: {status}");
        (lee, expected)
    };

    // After a restart, a fresh copy of the club document has them all, and only them.
    let server = ServerProcess::start(dir.path(), &[]);
    let mut laptop = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("Lee reconnects");
    laptop.want(lee.club_document);
    laptop.sync(QUIET, LIMIT).await;
    assert_eq!(laptop.seen.closed, None);
    assert_eq!(members(&laptop.docs[&lee.club_document]), expected);
}

#[tokio::test]
async fn a_member_missing_from_the_club_document_is_added_when_it_loads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lee = {
        let server = ServerProcess::start(dir.path(), &[]);
        let lee = join(&server, &server.invites["Volunteer Lee"], "Lee's phone");
        let status = server.terminate();
        assert!(status.success(), "graceful shutdown exits 0: {status}");
        lee
    };

    // A member made while the server was not running to write the club document, as when it
    // dies between redeeming an invite and writing the member, or for a club made before
    // servers wrote members.
    let park = {
        let identity = IdentityStore::open(dir.path()).expect("identity store");
        let club = identity
            .find_club_by_name("Demo Club")
            .expect("query")
            .expect("the demo club");
        let invite = identity
            .create_invite(
                club.id,
                Role::Observer,
                "Observer Park",
                false,
                Duration::from_secs(3600),
                now_ms(),
            )
            .expect("invite");
        let (device, _) = identity
            .redeem_invite(invite.as_str(), "Park's phone", now_ms())
            .expect("redeemed");
        device.member
    };

    let server = ServerProcess::start(dir.path(), &[]);
    let mut phone = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("Lee connects");
    phone.want(lee.club_document);
    let seen = members_once(&mut phone, lee.club_document, 2).await;
    assert_eq!(
        seen,
        vec![
            Member {
                id: park,
                display_name: "Observer Park".into(),
                contact: None,
                role: Role::Observer,
                age16plus: false,
            },
            member(&lee, Role::Volunteer, true),
        ]
    );
}

/// Now, in unix milliseconds.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .expect("a clock after 1970")
}
