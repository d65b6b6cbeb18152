//! Who may sync what: clubs, members and their roles, devices and their tokens, one-time invites,
//! and the registry of documents (document -> club, kind), in the server's own SQLite file
//! `server.sqlite` in the data directory.
//!
//! The flow, as a coordinator sees it:
//!
//! 1. the admin creates a club ([`IdentityStore::create_club`], with the id of its club document
//!    from [`new_club_document`]);
//! 2. someone creates a one-time, expiring invite for a new member with a role
//!    ([`IdentityStore::create_invite`]) and hands the code over (`K7QM-X2PA-9F`);
//! 3. the member's device redeems it ([`IdentityStore::redeem_invite`]) and receives its
//!    [`DeviceToken`], shown once and stored here only as a SHA-256;
//! 4. every connection presents the token ([`IdentityStore::authenticate`]), which names the
//!    device, its club and its member's role; [`access`] turns role and document kind into what
//!    the connection may do, and [`IdentityStore::document`] says which club a document is in;
//! 5. a lost phone is revoked ([`IdentityStore::revoke_device`]) and refused from then on;
//! 6. devices swap their tokens for new ones now and then ([`IdentityStore::rotate_token`]),
//!    and a server may refuse tokens past a lifetime ([`IdentityStore::set_token_lifetime`]).
//!
//! Time is never read here: every call that records or compares a time takes `now_ms`
//! (milliseconds since the Unix epoch), so tests control it.
//!
//! ```
//! # use std::time::Duration;
//! # use clubsync_core::club::Role;
//! # use clubsync_server::identity::IdentityStore;
//! # use clubsync_protocol::DocumentId;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = std::env::temp_dir().join(format!("clubsync-doc-{}", std::process::id()));
//! let store = IdentityStore::open(&dir)?;
//! let now = 1_795_600_000_000;
//! let club = store.create_club("Leeds", DocumentId::random(), now)?;
//! let invite = store.create_invite(club, Role::Volunteer, "Asha", true, Duration::from_secs(3600), now)?;
//! let (device, token) = store.redeem_invite(invite.as_str(), "Asha's phone", now + 1000)?;
//! assert_eq!(store.authenticate(token.as_str(), now + 2000)?, device);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(()) }
//! ```

mod access;
mod club_document;
mod clubs;
mod columns;
mod devices;
mod error;
mod ids;
mod invite;
mod invite_code;
mod members;
mod names;
mod registry;
mod rotation;
mod schema;
mod token;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, Transaction, TransactionBehavior};

pub use access::{access, may_create};
pub use club_document::new_club_document;
pub use clubs::{ClubInfo, MemberInfo};
pub use devices::{DeviceInfo, DeviceRecord};
pub use error::IdentityError;
pub use ids::{ClubId, DeviceId, InviteId};
pub use invite::{INVITE_MAX_LIFETIME, INVITE_MIN_LIFETIME, InviteInfo};
pub use invite_code::{INVITE_KEY_FILE, InviteCode};
pub use names::MAX_NAME_CHARS;
pub use registry::DocumentInfo;
pub use schema::SCHEMA_VERSION;
pub use token::{DeviceToken, TOKEN_PREFIX};

/// The name of the server database in the data directory.
pub const DATABASE_FILE: &str = "server.sqlite";

/// The server's identity database. Cheap to share: wrap it in an `Arc`; it is `Send + Sync`.
pub struct IdentityStore {
    /// One connection behind a `std::sync::Mutex`, not a pool and not tokio's mutex: every call
    /// is a few indexed statements that take microseconds (plus an fsync when it writes), and
    /// it is never held across an `.await`, so a blocking lock is cheaper and simpler. SQLite
    /// serialises writers anyway.
    conn: Mutex<Connection>,
    /// The database file, for messages.
    path: PathBuf,
    /// The key of the invite codes' hashes (a file beside the database, not in it).
    invite_key: invite_code::InviteKey,
    /// How long device tokens live.
    token_lifetime: rotation::TokenLifetime,
}

impl std::fmt::Debug for IdentityStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl IdentityStore {
    /// Opens `server.sqlite` in `data_dir`, creating the directory and the database if they do
    /// not exist yet, and migrating an older schema.
    ///
    /// Refuses a file that is not a clubsync server database
    /// ([`IdentityError::NotAServerDatabase`]) or was written by a newer build
    /// ([`IdentityError::SchemaTooNew`]) without changing it.
    pub fn open(data_dir: &Path) -> Result<Self, IdentityError> {
        std::fs::create_dir_all(data_dir).map_err(|source| IdentityError::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
        Self::open_file(data_dir.join(DATABASE_FILE))
    }

    /// Opens `server.sqlite` in `data_dir` like [`IdentityStore::open`], but refuses with
    /// [`IdentityError::NotInitialised`] when there is none, instead of creating it: for admin
    /// commands, where a mistyped `--data-dir` must not start an empty server database.
    pub fn open_existing(data_dir: &Path) -> Result<Self, IdentityError> {
        let path = data_dir.join(DATABASE_FILE);
        match std::fs::metadata(&path) {
            Ok(_) => Self::open_file(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(IdentityError::NotInitialised { path })
            }
            Err(source) => Err(IdentityError::DataDir { path, source }),
        }
    }

    fn open_file(path: PathBuf) -> Result<Self, IdentityError> {
        let mut conn = Connection::open(&path)?;
        schema::prepare(&mut conn, &path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let invite_key = invite_code::InviteKey::load_or_create(dir)?;
        Ok(Self {
            conn: Mutex::new(conn),
            path,
            invite_key,
            token_lifetime: Default::default(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection. A panic while it was held cannot have left a transaction open (a
    /// `Transaction` rolls back when dropped), so a poisoned lock is still safe to use.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the connection outside an explicit transaction: for reads, and for single
    /// statements that are atomic on their own.
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, IdentityError>,
    ) -> Result<T, IdentityError> {
        f(&self.lock())
    }

    /// Runs `f` in one transaction, committed only if `f` succeeds. IMMEDIATE takes the write
    /// lock at the start, so a read-then-write cannot fail half way on another process's lock.
    fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, IdentityError>,
    ) -> Result<T, IdentityError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_can_be_shared_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<IdentityStore>();
    }
}
