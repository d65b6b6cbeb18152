//! The identity store as the server and the admin commands use it: invites, tokens, revocation,
//! the document registry, and the files it refuses to touch. Each test is a short story on a
//! fresh data directory, with the time given explicitly.

use std::path::Path;
use std::time::Duration;

use clubsync_core::club::Role;
use clubsync_core::document::DocumentKind;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;
use clubsync_server::identity::{
    ClubId, DATABASE_FILE, DeviceRecord, DeviceToken, IdentityError, IdentityStore, SCHEMA_VERSION,
};

/// 2026-11-25T09:46:40Z.
const NOW: i64 = 1_795_600_000_000;
const MINUTE: i64 = 60_000;
const DAY: Duration = Duration::from_secs(86_400);

fn store() -> (tempfile::TempDir, IdentityStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = IdentityStore::open(dir.path()).expect("a new store opens");
    (dir, store)
}

fn club(store: &IdentityStore, name: &str) -> ClubId {
    store
        .create_club(name, DocumentId::random(), NOW)
        .expect("club created")
}

fn join(
    store: &IdentityStore,
    club: ClubId,
    role: Role,
    name: &str,
) -> (DeviceRecord, DeviceToken) {
    let invite = store
        .create_invite(club, role, name, true, DAY, NOW)
        .expect("invite created");
    store
        .redeem_invite(invite.as_str(), &format!("{name}'s phone"), NOW + MINUTE)
        .expect("redeemed")
}

#[test]
fn an_invite_is_redeemed_for_a_device_and_its_token_authenticates() {
    let (_dir, store) = store();
    let leeds = club(&store, "Leeds");

    // 1. A coordinator invites Asha as a volunteer for a week.
    let invite = store
        .create_invite(leeds, Role::Volunteer, " Asha Khan ", true, 7 * DAY, NOW)
        .expect("invite");
    assert_eq!(invite.club, leeds);
    assert_eq!(invite.role, Role::Volunteer);
    assert_eq!(invite.expires_at, Timestamp(NOW + 7 * 86_400_000));
    let shown = invite.as_str();
    assert_eq!(shown.len(), 12, "grouped as XXXX-XXXX-XX: {shown}");

    // 2. Asha types it in lower case on her phone, which gets a device and a token.
    let (device, token) = store
        .redeem_invite(&shown.to_lowercase(), "Asha's phone", NOW + MINUTE)
        .expect("redeemed");
    assert_eq!(device.club, leeds);
    assert_eq!(device.role, Role::Volunteer);
    assert_eq!(device.name, "Asha's phone");
    assert!(token.as_str().starts_with("cst_"));

    // 3. She is now a member, named as on the invite.
    let members = store.list_members(leeds).expect("members");
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].id, device.member);
    assert_eq!(members[0].display_name, "Asha Khan");
    assert_eq!(members[0].role, Role::Volunteer);

    // 4. Her token names her device, with her role.
    assert_eq!(
        store
            .authenticate(token.as_str(), NOW + 2 * MINUTE)
            .expect("authenticated"),
        device
    );

    // 5. A second device for Asha keeps her member and role.
    let laptop_invite = store
        .create_device_invite(device.member, DAY, NOW)
        .expect("device invite");
    assert_eq!(laptop_invite.role, Role::Volunteer);
    let (laptop, laptop_token) = store
        .redeem_invite(laptop_invite.as_str(), "Asha's laptop", NOW + MINUTE)
        .expect("redeemed");
    assert_eq!(
        (laptop.member, laptop.club, laptop.role),
        (device.member, leeds, Role::Volunteer)
    );
    assert_ne!(laptop_token, token);
    assert_eq!(store.list_devices(leeds).expect("devices").len(), 2);
    assert_eq!(store.list_members(leeds).expect("members").len(), 1);
}

#[test]
fn an_invite_says_whether_its_new_member_is_16_or_over() {
    let (_dir, store) = store();
    let leeds = club(&store, "Leeds");
    let adult = store
        .create_invite(leeds, Role::Volunteer, "Asha", true, DAY, NOW)
        .expect("invite");
    let young = store
        .create_invite(leeds, Role::Volunteer, "Min", false, DAY, NOW)
        .expect("invite");
    let invites = store.list_invites(leeds).expect("invites");
    let age = |id| invites.iter().find(|i| i.id == id).map(|i| i.age16plus);
    assert_eq!((age(adult.id), age(young.id)), (Some(true), Some(false)));

    let (asha, _) = store
        .redeem_invite(adult.as_str(), "Asha's phone", NOW + MINUTE)
        .expect("redeemed");
    let (min, _) = store
        .redeem_invite(young.as_str(), "Min's phone", NOW + MINUTE)
        .expect("redeemed");
    let member = |id| store.member(id).expect("query").expect("a member");
    assert!(member(asha.member).age16plus);
    assert!(!member(min.member).age16plus);

    // Another device of Min is listed as Min is: under 16.
    let laptop = store
        .create_device_invite(min.member, DAY, NOW)
        .expect("device invite");
    let invites = store.list_invites(leeds).expect("invites");
    let listed = invites.iter().find(|i| i.id == laptop.id).expect("listed");
    assert!(!listed.age16plus);
}

#[test]
fn an_expired_invite_is_refused_and_says_when_it_expired() {
    let (_dir, store) = store();
    let leeds = club(&store, "Leeds");
    let invite = store
        .create_invite(leeds, Role::Volunteer, "Asha", true, DAY, NOW)
        .expect("invite");

    let expiry = NOW + 86_400_000;
    let err = store
        .redeem_invite(invite.as_str(), "phone", expiry)
        .expect_err("expired");
    assert!(
        matches!(err, IdentityError::InviteExpired { expired_at } if expired_at == Timestamp(expiry)),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("expired at 2026-11-26T09:46:40Z"),
        "{err}"
    );
    assert!(
        store.list_devices(leeds).expect("devices").is_empty(),
        "no device was made"
    );
    assert!(
        store.list_members(leeds).expect("members").is_empty(),
        "no member was made"
    );
}

#[test]
fn a_used_invite_is_refused_the_second_time() {
    let (_dir, store) = store();
    let leeds = club(&store, "Leeds");
    let invite = store
        .create_invite(leeds, Role::Coordinator, "Sam", true, DAY, NOW)
        .expect("invite");
    store
        .redeem_invite(invite.as_str(), "first phone", NOW + MINUTE)
        .expect("first use");

    let err = store
        .redeem_invite(invite.as_str(), "second phone", NOW + 2 * MINUTE)
        .expect_err("reused");
    assert!(
        matches!(err, IdentityError::InviteAlreadyUsed { used_at } if used_at == Timestamp(NOW + MINUTE)),
        "{err:?}"
    );
    assert!(err.to_string().contains("already used"), "{err}");
    assert_eq!(store.list_devices(leeds).expect("devices").len(), 1);
}

#[test]
fn unknown_and_malformed_codes_are_told_apart() {
    let (_dir, store) = store();
    let leeds = club(&store, "Leeds");
    store
        .create_invite(leeds, Role::Volunteer, "Asha", true, DAY, NOW)
        .expect("invite");

    let err = store
        .redeem_invite("ABCD-EFGH-JK", "phone", NOW)
        .expect_err("unknown");
    assert!(matches!(err, IdentityError::InviteNotFound), "{err:?}");
    let err = store
        .redeem_invite("hello", "phone", NOW)
        .expect_err("malformed");
    assert!(matches!(err, IdentityError::MalformedInvite(_)), "{err:?}");
    let err = store
        .create_invite(ClubId::random(), Role::Volunteer, "Asha", true, DAY, NOW)
        .expect_err("no club");
    assert!(matches!(err, IdentityError::UnknownClub(_)), "{err:?}");
    let err = store
        .create_invite(
            leeds,
            Role::Volunteer,
            "Asha",
            true,
            Duration::from_secs(1),
            NOW,
        )
        .expect_err("ttl");
    assert!(
        matches!(err, IdentityError::InviteLifetime { .. }),
        "{err:?}"
    );
}

#[test]
fn invites_are_listed_without_codes_and_can_be_withdrawn() {
    let (_dir, store) = store();
    let leeds = club(&store, "Leeds");
    let for_asha = store
        .create_invite(leeds, Role::Volunteer, "Asha", true, DAY, NOW)
        .expect("invite");
    let for_ben = store
        .create_invite(leeds, Role::Observer, "Ben", true, DAY, NOW + 1)
        .expect("invite");
    let (ben, _) = store
        .redeem_invite(for_ben.as_str(), "Ben's phone", NOW + 2)
        .expect("redeemed");

    // 1. Both are listed, newest first; Ben's as used by his phone.
    let listed = store.list_invites(leeds).expect("list");
    assert_eq!(
        listed.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![for_ben.id, for_asha.id]
    );
    assert_eq!(listed[0].used, Some((Timestamp(NOW + 2), ben.id)));
    assert_eq!(
        (listed[1].display_name.as_str(), listed[1].role),
        ("Asha", Role::Volunteer)
    );
    assert!(listed[1].is_pending(NOW + 3) && !listed[0].is_pending(NOW + 3));
    assert!(!listed[1].is_pending(NOW + 86_400_000), "expired");

    // 2. Asha's is withdrawn (twice, harmlessly); her code is then refused, saying so.
    store
        .withdraw_invite(for_asha.id, NOW + MINUTE)
        .expect("withdrawn");
    store
        .withdraw_invite(for_asha.id, NOW + 2 * MINUTE)
        .expect("again");
    let err = store
        .redeem_invite(for_asha.as_str(), "phone", NOW + 3 * MINUTE)
        .expect_err("withdrawn");
    assert!(
        matches!(err, IdentityError::InviteWithdrawn { withdrawn_at } if withdrawn_at == Timestamp(NOW + MINUTE)),
        "{err:?}"
    );

    // 3. A used invite cannot be withdrawn: the device is revoked instead.
    let err = store.withdraw_invite(for_ben.id, NOW).expect_err("used");
    assert!(
        matches!(err, IdentityError::InviteUsedCannotWithdraw { .. }),
        "{err:?}"
    );
}

#[test]
fn a_new_role_applies_from_the_next_authentication() {
    let (_dir, store) = store();
    let leeds = club(&store, "Leeds");
    let (device, token) = join(&store, leeds, Role::Volunteer, "Asha");
    store
        .set_member_role(device.member, Role::Coordinator)
        .expect("promoted");
    assert_eq!(
        store.authenticate(token.as_str(), NOW).expect("auth").role,
        Role::Coordinator
    );
    let unknown = clubsync_core::ids::MemberId::new_v7(Timestamp(NOW));
    assert!(matches!(
        store.set_member_role(unknown, Role::Observer),
        Err(IdentityError::UnknownMember(_))
    ));
}

#[test]
fn tokens_are_checked_and_last_seen_is_written_at_most_once_a_minute() {
    let (_dir, store) = store();
    let leeds = club(&store, "Leeds");
    let (device, token) = join(&store, leeds, Role::Observer, "Olu");

    // A token of the right shape that no device holds, and text that is no token at all.
    let stranger = format!("cst_{}", "0".repeat(64));
    assert!(matches!(
        store.authenticate(&stranger, NOW),
        Err(IdentityError::UnknownToken)
    ));
    assert!(matches!(
        store.authenticate("Bearer nonsense", NOW),
        Err(IdentityError::MalformedToken)
    ));

    let seen = |store: &IdentityStore| {
        store
            .device(device.id)
            .expect("query")
            .expect("the device")
            .last_seen_at
    };
    assert_eq!(seen(&store), None);
    store
        .authenticate(token.as_str(), NOW + 10 * MINUTE)
        .expect("first");
    assert_eq!(seen(&store), Some(Timestamp(NOW + 10 * MINUTE)));
    store
        .authenticate(token.as_str(), NOW + 10 * MINUTE + 30_000)
        .expect("within the minute");
    assert_eq!(
        seen(&store),
        Some(Timestamp(NOW + 10 * MINUTE)),
        "not written again within a minute"
    );
    store
        .authenticate(token.as_str(), NOW + 11 * MINUTE)
        .expect("a minute later");
    assert_eq!(seen(&store), Some(Timestamp(NOW + 11 * MINUTE)));
}

#[test]
fn a_revoked_device_is_refused_with_when_it_was_revoked() {
    let (_dir, store) = store();
    let leeds = club(&store, "Leeds");
    let (lost_phone, token) = join(&store, leeds, Role::Volunteer, "Asha");
    let (_other, other_token) = join(&store, leeds, Role::Volunteer, "Ben");

    let revoked_at = NOW + 60 * MINUTE;
    store
        .revoke_device(lost_phone.id, revoked_at)
        .expect("revoked");
    let err = store
        .authenticate(token.as_str(), revoked_at + 1)
        .expect_err("refused");
    assert!(
        matches!(&err, IdentityError::DeviceRevoked { device, revoked_at: at }
            if *device == lost_phone.id && *at == Timestamp(revoked_at)),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("was revoked at 2026-11-25T10:46:40Z"),
        "{message}"
    );

    // Revoking again keeps the first time; the other device is untouched; a server polling
    // for revocations sees it.
    store
        .revoke_device(lost_phone.id, revoked_at + MINUTE)
        .expect("idempotent");
    let info = store
        .device(lost_phone.id)
        .expect("query")
        .expect("the device");
    assert_eq!(info.revoked_at, Some(Timestamp(revoked_at)));
    store
        .authenticate(other_token.as_str(), revoked_at + 1)
        .expect("Ben still syncs");
    assert_eq!(
        store.revoked_since(revoked_at - MINUTE).expect("poll"),
        vec![(lost_phone.id, Timestamp(revoked_at))]
    );
    assert!(
        store
            .revoked_since(revoked_at + 1)
            .expect("poll")
            .is_empty()
    );
    let unknown = clubsync_server::identity::DeviceId::random();
    assert!(matches!(
        store.revoke_device(unknown, NOW),
        Err(IdentityError::UnknownDevice(_))
    ));
}

/// Every file of the data directory, concatenated (the database and its write-ahead log).
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        bytes.extend(std::fs::read(&path).expect("read file"));
    }
    bytes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn only_the_hash_of_a_token_is_stored() {
    let (dir, store) = store();
    let leeds = club(&store, "Leeds");
    let (device, token) = join(&store, leeds, Role::Coordinator, "Sam");
    let secret_hex = token.as_str().strip_prefix("cst_").expect("prefix");
    let secret = hex::decode(secret_hex).expect("hex");

    // The table holds the SHA-256 of the token's bytes...
    let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).expect("open");
    let stored: Vec<u8> = conn
        .query_row(
            "SELECT token_hash FROM devices WHERE id = ?1",
            [device.id],
            |r| r.get(0),
        )
        .expect("row");
    use sha2::Digest;
    assert_eq!(stored, sha2::Sha256::digest(&secret).to_vec());
    drop(conn);

    // ...and the token itself is nowhere in the files, as text or as bytes.
    let bytes = all_bytes(dir.path());
    assert!(
        !contains(&bytes, secret_hex.as_bytes()),
        "token text found in the data directory"
    );
    assert!(!contains(&bytes, secret_hex.to_uppercase().as_bytes()));
    assert!(
        !contains(&bytes, &secret),
        "token bytes found in the data directory"
    );
    assert!(
        contains(&bytes, &stored),
        "the hash is there (the check above looks in the right place)"
    );
}

#[test]
fn a_document_belongs_to_one_club_for_ever() {
    let (_dir, store) = store();
    let leeds_document = DocumentId::random();
    let leeds = store
        .create_club("Leeds", leeds_document, NOW)
        .expect("club");
    let york = club(&store, "York");
    let (leeds_device, _) = join(&store, leeds, Role::Volunteer, "Asha");
    let (york_device, _) = join(&store, york, Role::Volunteer, "Yan");

    // The club document is registered with the club.
    assert_eq!(
        store.document(&leeds_document).expect("query"),
        Some((leeds, DocumentKind::Club))
    );
    assert_eq!(
        store.club_document(leeds).expect("club document"),
        leeds_document
    );

    // 1. A Leeds device creates a collection; registering it again is harmless.
    let collection = DocumentId::random();
    store
        .register_document(
            &collection,
            leeds,
            DocumentKind::StreetCollection,
            leeds_device.id,
            NOW,
        )
        .expect("registered");
    store
        .register_document(
            &collection,
            leeds,
            DocumentKind::StreetCollection,
            leeds_device.id,
            NOW + 1,
        )
        .expect("idempotent");
    assert_eq!(
        store.document(&collection).expect("query"),
        Some((leeds, DocumentKind::StreetCollection))
    );

    // 2. York cannot claim it, nor can Leeds change its kind.
    let err = store
        .register_document(
            &collection,
            york,
            DocumentKind::StreetCollection,
            york_device.id,
            NOW,
        )
        .expect_err("another club");
    assert!(
        matches!(err, IdentityError::DocumentOfAnotherClub { .. }),
        "{err:?}"
    );
    let err = store
        .register_document(
            &collection,
            leeds,
            DocumentKind::Petition,
            leeds_device.id,
            NOW,
        )
        .expect_err("another kind");
    assert!(
        matches!(err, IdentityError::DocumentKindConflict { .. }),
        "{err:?}"
    );

    // 3. No second club document, and no registering for another club's device.
    let err = store
        .register_document(
            &DocumentId::random(),
            leeds,
            DocumentKind::Club,
            leeds_device.id,
            NOW,
        )
        .expect_err("second club document");
    assert!(
        matches!(err, IdentityError::SecondClubDocument { .. }),
        "{err:?}"
    );
    let err = store
        .register_document(
            &DocumentId::random(),
            leeds,
            DocumentKind::Petition,
            york_device.id,
            NOW,
        )
        .expect_err("device of York");
    assert!(
        matches!(err, IdentityError::DeviceOfAnotherClub { .. }),
        "{err:?}"
    );
    let err = store
        .create_club("Hull", collection, NOW)
        .expect_err("document taken");
    assert!(
        matches!(err, IdentityError::DocumentAlreadyRegistered(_)),
        "{err:?}"
    );

    // 4. Each club lists its own documents, club document first.
    let listed: Vec<_> = store
        .list_documents(leeds)
        .expect("list")
        .into_iter()
        .map(|d| (d.id, d.kind))
        .collect();
    assert_eq!(
        listed,
        vec![
            (leeds_document, DocumentKind::Club),
            (collection, DocumentKind::StreetCollection)
        ]
    );
    assert_eq!(store.list_documents(york).expect("list").len(), 1);
    assert_eq!(store.document(&DocumentId::random()).expect("query"), None);
}

#[test]
fn clubs_have_unique_names_and_survive_a_reopen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let leeds = {
        let store = IdentityStore::open(dir.path()).expect("open");
        let leeds = club(&store, "Leeds Uni");
        let err = store
            .create_club(" leeds uni ", DocumentId::random(), NOW)
            .expect_err("taken");
        assert!(matches!(err, IdentityError::ClubNameTaken(_)), "{err:?}");
        assert!(matches!(
            store.create_club("  ", DocumentId::random(), NOW),
            Err(IdentityError::EmptyName { .. })
        ));
        leeds
    };
    let store = IdentityStore::open_existing(dir.path()).expect("reopen");
    let clubs = store.list_clubs().expect("clubs");
    assert_eq!(clubs.len(), 1);
    assert_eq!(clubs[0].id, leeds);
    assert_eq!(
        store
            .find_club_by_name("LEEDS UNI")
            .expect("query")
            .map(|c| c.id),
        Some(leeds)
    );
}

#[test]
fn files_that_are_not_ours_are_refused_and_left_unchanged() {
    // Another program's SQLite database.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(DATABASE_FILE);
    let conn = rusqlite::Connection::open(&path).expect("create");
    conn.execute_batch("CREATE TABLE photos (id INTEGER PRIMARY KEY, data BLOB);")
        .expect("table");
    drop(conn);
    let before = std::fs::read(&path).expect("read");
    let err = IdentityStore::open(dir.path()).expect_err("foreign file");
    assert!(
        matches!(err, IdentityError::NotAServerDatabase { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("is not a clubsync server database"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "the file was not changed"
    );

    // Not SQLite at all.
    std::fs::write(
        &path,
        b"these are my holiday notes, not a database at all, no",
    )
    .expect("write");
    let err = IdentityStore::open(dir.path()).expect_err("not sqlite");
    assert!(
        matches!(err, IdentityError::NotAServerDatabase { .. }),
        "{err:?}"
    );

    // A directory that was never initialised, for admin commands.
    let empty = tempfile::tempdir().expect("temp dir");
    let err = IdentityStore::open_existing(empty.path()).expect_err("nothing there");
    assert!(
        matches!(err, IdentityError::NotInitialised { .. }),
        "{err:?}"
    );
}

#[test]
fn a_database_from_a_newer_server_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    drop(IdentityStore::open(dir.path()).expect("create"));
    let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).expect("open");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("bump");
    drop(conn);

    let err = IdentityStore::open(dir.path()).expect_err("too new");
    assert!(
        matches!(err, IdentityError::SchemaTooNew { found, supported, .. }
            if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{err:?}"
    );
    assert!(err.to_string().contains("newer clubsync-server"), "{err}");
}

#[test]
fn the_database_is_in_wal_mode() {
    let (dir, _store) = store();
    let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).expect("open");
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}
