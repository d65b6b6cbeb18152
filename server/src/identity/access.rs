//! The access rule: what a member's role may do with a document of their own club.
//!
//! | role        | club document | activity documents | create activity documents |
//! |-------------|---------------|--------------------|---------------------------|
//! | coordinator | read, write   | read, write        | yes                       |
//! | volunteer   | read          | read, write        | yes                       |
//! | observer    | read          | read               | no                        |
//!
//! These functions know nothing of clubs: for a document of **another** club the caller answers
//! [`Access::Denied`] (`doc-unavailable`) before asking them, comparing the device's club with
//! the club from [`super::IdentityStore::document`].

use clubsync_core::club::Role;
use clubsync_core::document::DocumentKind;
use clubsync_protocol::Access;

/// What a device whose member has `role` may do with a document of kind `kind` **of its own
/// club**. A role this build does not know gets [`Access::Denied`].
pub fn access(role: Role, kind: DocumentKind) -> Access {
    match role {
        Role::Coordinator => Access::ReadWrite,
        Role::Volunteer if kind == DocumentKind::Club => Access::ReadOnly,
        Role::Volunteer => Access::ReadWrite,
        Role::Observer => Access::ReadOnly,
        _ => Access::Denied,
    }
}

/// Whether a device whose member has `role` may create a new activity document in its club.
/// Club documents are never created by devices: each club has one, made with the club.
pub fn may_create(role: Role) -> bool {
    matches!(role, Role::Coordinator | Role::Volunteer)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIVITIES: [DocumentKind; 5] = [
        DocumentKind::StreetCollection,
        DocumentKind::Petition,
        DocumentKind::Event,
        DocumentKind::SponsoredActivity,
        DocumentKind::MaterialsStock,
    ];

    #[test]
    fn the_access_table_for_every_role_and_kind() {
        use Access::{ReadOnly, ReadWrite};
        let table: [(Role, Access, Access, bool); 3] = [
            // role, club document, activity documents, may create
            (Role::Coordinator, ReadWrite, ReadWrite, true),
            (Role::Volunteer, ReadOnly, ReadWrite, true),
            (Role::Observer, ReadOnly, ReadOnly, false),
        ];
        for (role, club, activity, create) in table {
            assert_eq!(
                access(role, DocumentKind::Club),
                club,
                "{role} on the club document"
            );
            for kind in ACTIVITIES {
                assert_eq!(access(role, kind), activity, "{role} on {}", kind.as_str());
            }
            assert_eq!(may_create(role), create, "{role} creating");
        }
    }
}
