//! Invites: redeemed once for a device and a token, expiring, listed without codes, withdrawn.

use super::*;

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
    assert_eq!(shown.len(), 20, "grouped as XXXX-XXXX-XXXX-XXXXX: {shown}");

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
        .redeem_invite("ABCD-EFGH-JKMN-PQRST", "phone", NOW)
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
fn codes_are_stored_under_the_servers_key_and_a_code_made_before_still_redeems() {
    use sha2::Digest;
    let (dir, store) = store();
    let leeds = club(&store, "Leeds");
    let invite = store
        .create_invite(leeds, Role::Volunteer, "Asha", true, DAY, NOW)
        .expect("invite");
    let db = rusqlite::Connection::open(dir.path().join(clubsync_server::identity::DATABASE_FILE))
        .expect("the database");
    let stored: Vec<u8> = db
        .query_row(
            "SELECT code_hash FROM invites WHERE id = ?1",
            [invite.id.to_string()],
            |r| r.get(0),
        )
        .expect("stored");
    let plain = invite.as_str().replace('-', "");
    assert_ne!(
        stored,
        sha2::Sha256::digest(plain.as_bytes()).to_vec(),
        "not a plain hash that a copy of the database could be searched with"
    );

    // An invite made before the keyed hash (10 characters, plain SHA-256) still redeems.
    let legacy = "K7QMX2PA9F";
    db.execute(
        "UPDATE invites SET code_hash = ?1 WHERE id = ?2",
        rusqlite::params![
            sha2::Sha256::digest(legacy.as_bytes()).to_vec(),
            invite.id.to_string()
        ],
    )
    .expect("made legacy");
    let (device, _) = store
        .redeem_invite("k7qm-x2pa-9f", "Asha's old phone", NOW + MINUTE)
        .expect("a legacy code redeems");
    assert_eq!(device.club, leeds);
}

/// Kim, a coordinator of `club`, joined from a laptop.
fn coordinator_laptop(store: &IdentityStore, club: ClubId) -> DeviceRecord {
    let invite = store
        .create_invite(club, Role::Coordinator, "Kim", true, DAY, NOW)
        .expect("invite");
    store
        .redeem_invite(invite.as_str(), "Kim's laptop", NOW)
        .expect("Kim joins")
        .0
}

#[test]
fn an_invite_dies_with_its_makers_right_to_invite() {
    let (_dir, store) = store();
    let leeds = club(&store, "Leeds");
    let kim = coordinator_laptop(&store, leeds);
    let by_kim = |name: &str| {
        store
            .create_invite_made_by(Some(kim.id), leeds, Role::Volunteer, name, true, DAY, NOW)
            .expect("Kim invites")
    };

    // Kim's laptop is revoked (stolen): what Kim made on it no longer redeems.
    let asha = by_kim("Asha");
    store.revoke_device(kim.id, NOW + MINUTE).expect("revoked");
    let err = store
        .redeem_invite(asha.as_str(), "Asha's phone", NOW + 2 * MINUTE)
        .expect_err("the maker's device was revoked");
    assert!(matches!(err, IdentityError::InviteMakerGone), "{err:?}");
    assert!(err.to_string().contains("ask a coordinator"), "{err}");

    // The admin's invites do not depend on anyone's device.
    let admin = store
        .create_invite(leeds, Role::Volunteer, "Ben", true, DAY, NOW)
        .expect("the admin invites");
    store
        .redeem_invite(admin.as_str(), "Ben's phone", NOW + 2 * MINUTE)
        .expect("redeemed");
}

#[test]
fn an_invite_of_a_coordinator_who_is_demoted_no_longer_redeems() {
    let (_dir, store) = store();
    let leeds = club(&store, "Leeds");
    let kim = coordinator_laptop(&store, leeds);
    let invite = store
        .create_invite_made_by(Some(kim.id), leeds, Role::Volunteer, "Asha", true, DAY, NOW)
        .expect("Kim invites");
    store
        .set_member_role(kim.member, Role::Volunteer)
        .expect("demoted");
    let err = store
        .redeem_invite(invite.as_str(), "Asha's phone", NOW + MINUTE)
        .expect_err("the maker is no longer a coordinator");
    assert!(matches!(err, IdentityError::InviteMakerGone), "{err:?}");
}
