//! A coordinator changes a member, and a member leaves: every device revoked, the member kept.

use super::*;

#[test]
fn a_member_who_leaves_has_every_device_revoked_and_cannot_be_changed_or_invited() {
    let (_dir, store) = store();
    let club = club(&store, "Leeds");
    let (phone, _) = join(&store, club, Role::Volunteer, "Asha");
    let laptop_invite = store
        .create_device_invite(phone.member, DAY, NOW + 2 * MINUTE)
        .expect("device invite");
    let (laptop, _) = store
        .redeem_invite(laptop_invite.as_str(), "Asha's laptop", NOW + 3 * MINUTE)
        .expect("second device");
    let pending = store
        .create_device_invite(phone.member, DAY, NOW + 4 * MINUTE)
        .expect("another device invite");

    let changed = store
        .update_member(phone.member, Some(Role::Coordinator), Some(false))
        .expect("updated");
    assert_eq!(
        (changed.role, changed.age16plus),
        (Role::Coordinator, false)
    );
    let unchanged_age = store
        .update_member(phone.member, Some(Role::Volunteer), None)
        .expect("updated");
    assert_eq!(
        (unchanged_age.role, unchanged_age.age16plus),
        (Role::Volunteer, false)
    );

    let left_at = NOW + 10 * MINUTE;
    let (info, mut revoked) = store.member_leaves(phone.member, left_at).expect("left");
    revoked.sort();
    let mut both = vec![phone.id, laptop.id];
    both.sort();
    assert_eq!(revoked, both);
    assert_eq!(info.left_at, Some(Timestamp::from_millis(left_at)));
    for device in [phone.id, laptop.id] {
        let d = store.device(device).expect("read").expect("kept");
        assert_eq!(d.revoked_at, Some(Timestamp::from_millis(left_at)));
    }
    assert!(
        store
            .redeem_invite(pending.as_str(), "tablet", left_at + MINUTE)
            .is_err(),
        "a former member's pending invite is withdrawn"
    );
    assert!(matches!(
        store.update_member(phone.member, Some(Role::Volunteer), None),
        Err(IdentityError::MemberLeft(_))
    ));
    assert!(matches!(
        store.create_device_invite(phone.member, DAY, left_at + MINUTE),
        Err(IdentityError::MemberLeft(_))
    ));
    // Leaving again changes nothing; the member is still listed, as former.
    let (again, none) = store
        .member_leaves(phone.member, left_at + DAY.as_millis() as i64)
        .expect("left again");
    assert_eq!(again.left_at, Some(Timestamp::from_millis(left_at)));
    assert!(none.is_empty());
    let listed = store.list_members(club).expect("members");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].left_at.is_some());
}
