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

mod devices;
mod invites;
mod members;
mod stores;

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
