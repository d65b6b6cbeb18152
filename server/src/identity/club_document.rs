//! The club document a new club starts with.

use clubsync_core::club::{Club, ClubProfile};
use clubsync_core::document::TypedDocument;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;

use super::error::IdentityError;

/// A new club document for `profile`, made at `now_ms`: its new random id and its saved bytes.
///
/// The document is core's [`Club`] (kind, schema version, every container, the profile), so
/// every device reads it as a club document. Store the bytes in the document store and pass the
/// id to [`super::IdentityStore::create_club`].
pub fn new_club_document(
    profile: &ClubProfile,
    now_ms: i64,
) -> Result<(DocumentId, Vec<u8>), IdentityError> {
    let club = Club::create(None, profile, Timestamp::from_millis(now_ms))
        .map_err(IdentityError::ClubDocument)?;
    Ok((DocumentId::random(), club.automerge().save()))
}

#[cfg(test)]
mod tests {
    use clubsync_core::club::ClubType;
    use clubsync_core::currency::Currency;

    use super::*;

    #[test]
    fn the_saved_bytes_load_as_the_same_club() {
        let profile = ClubProfile {
            name: "Leeds".into(),
            club_type: ClubType::Community,
            country: "GB".into(),
            time_zone: "Europe/London".into(),
            currency: Currency::new("GBP").expect("a currency"),
        };
        let (_, bytes) = new_club_document(&profile, 1_795_600_000_000).expect("created");
        let club = Club::load(&bytes).expect("loads as a club document");
        assert_eq!(club.profile().expect("has a profile"), profile);
    }
}
