//! Devices and their tokens: roles, last seen, revocation, and only a token's hash on disk.

use super::*;

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
