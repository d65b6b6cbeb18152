//! `--demo`: a data directory with a ready club, so a first-time user can try clubsync with one
//! command. Idempotent: run it again and the same club is reused, with fresh invites.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use automerge::Automerge;
use clubsync_core::club::{Club, ClubProfile, ClubType, Role};
use clubsync_core::currency::Currency;
use clubsync_core::document::TypedDocument;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;

use crate::identity::{IdentityError, IdentityStore, InviteCode};
use crate::storage::SharedStore;
use clubsync_core::store::StoreError;

/// The demo club's name.
pub const DEMO_CLUB: &str = "Demo Club";

/// How long demo invites stay valid.
const DEMO_INVITE_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// Why the demo could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The identity store refused.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// The document store refused.
    #[error(transparent)]
    Storage(#[from] StoreError),
    /// The club document could not be made.
    #[error("cannot make the demo club document: {0}")]
    Document(String),
    /// The server id file could not be read or written.
    #[error("cannot read or write {path}: {source}")]
    IdFile {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// One printed invite.
pub struct DemoInvite {
    /// Who it is for.
    pub name: &'static str,
    /// Their role.
    pub role: Role,
    /// The code to redeem.
    pub code: InviteCode,
}

/// Makes the demo club (once) and fresh invites for a coordinator, two volunteers and an
/// observer.
pub fn set_up(
    identity: &IdentityStore,
    storage: &SharedStore,
) -> Result<Vec<DemoInvite>, DemoError> {
    let now = crate::clock::now_ms();
    let club = match identity.find_club_by_name(DEMO_CLUB)? {
        Some(club) => club.id,
        None => {
            let (document, bytes) = demo_club_document(now)?;
            storage.commit(&[(document, bytes)], &[])?;
            identity.create_club(DEMO_CLUB, document, now)?
        }
    };
    let people = [
        ("Coordinator Kim", Role::Coordinator),
        ("Volunteer Lee", Role::Volunteer),
        ("Volunteer Park", Role::Volunteer),
        ("Observer Choi", Role::Observer),
    ];
    people
        .into_iter()
        .map(|(name, role)| {
            // Demo members are adults: any of them may handle money.
            let code = identity.create_invite(club, role, name, true, DEMO_INVITE_TTL, now)?;
            Ok(DemoInvite { name, role, code })
        })
        .collect()
}

fn demo_club_document(now: i64) -> Result<(DocumentId, Vec<u8>), DemoError> {
    let profile = ClubProfile {
        name: DEMO_CLUB.into(),
        club_type: ClubType::Community,
        country: "GB".into(),
        time_zone: "Europe/London".into(),
        currency: Currency::new("GBP").map_err(|e| DemoError::Document(e.to_string()))?,
    };
    let club = Club::create(None, &profile, Timestamp(now))
        .map_err(|e| DemoError::Document(e.to_string()))?;
    let doc: &Automerge = club.automerge();
    Ok((DocumentId::random(), doc.save()))
}

/// Prints the demo invites and how to use them.
pub fn print_invites(invites: &[DemoInvite], scheme: &str, addr: SocketAddr) {
    println!();
    println!("Demo club \"{DEMO_CLUB}\" is ready. One-time invite codes (valid 7 days):");
    for invite in invites {
        println!(
            "  {:<18} {:<12} {}",
            invite.name,
            format!("{:?}", invite.role).to_lowercase(),
            invite.code
        );
    }
    println!();
    println!(
        "A device joins with:  curl -X POST {scheme}://{addr}/api/join -H 'content-type: application/json' \\\n      -d '{{\"invite\": \"<code>\", \"device_name\": \"my phone\"}}'"
    );
    println!("Stop the server with Ctrl-C; everything is saved in the data directory.");
}

/// The server's storage id: made once, kept in the data directory, so devices that saved sync
/// states with this server find them again after a restart.
pub fn server_storage_id(data_dir: &Path) -> Result<String, DemoError> {
    let path = data_dir.join("server-storage-id");
    match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => Ok(text.trim().to_owned()),
        _ => {
            let id = uuid::Uuid::new_v4().to_string();
            std::fs::write(&path, &id).map_err(|source| DemoError::IdFile {
                path: path.display().to_string(),
                source,
            })?;
            Ok(id)
        }
    }
}
