//! How values of other crates' types are read back from their text columns.
//!
//! `ClubId` and `DeviceId` implement rusqlite's traits themselves (see `ids`); roles, kinds,
//! member ids and document ids belong to other crates, so they are written with their own
//! `to_string`/`as_str` and read back here, a bad value becoming [`IdentityError::Corrupt`].

use clubsync_core::club::Role;
use clubsync_core::document::DocumentKind;
use clubsync_core::ids::MemberId;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;

use super::error::IdentityError;

/// A role column (`"coordinator"`, `"volunteer"`, `"observer"`).
pub(super) fn role(text: String) -> Result<Role, IdentityError> {
    text.parse().map_err(|()| IdentityError::Corrupt {
        what: "role",
        value: text,
    })
}

/// A document kind column (`DocumentKind::as_str`).
pub(super) fn kind(text: String) -> Result<DocumentKind, IdentityError> {
    DocumentKind::parse(&text).ok_or(IdentityError::Corrupt {
        what: "document kind",
        value: text,
    })
}

/// A member id column (hyphenated UUID).
pub(super) fn member(text: String) -> Result<MemberId, IdentityError> {
    text.parse().map_err(|_| IdentityError::Corrupt {
        what: "member id",
        value: text,
    })
}

/// A document id column (bs58check).
pub(super) fn document(text: String) -> Result<DocumentId, IdentityError> {
    text.parse().map_err(|_| IdentityError::Corrupt {
        what: "document id",
        value: text,
    })
}

/// An optional time column.
pub(super) fn time(millis: Option<i64>) -> Option<Timestamp> {
    millis.map(Timestamp::from_millis)
}
