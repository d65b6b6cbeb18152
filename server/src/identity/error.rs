//! Why an identity operation failed, each in words an admin or a coordinator can act on.

use std::path::PathBuf;

use clubsync_core::ids::MemberId;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;

use super::ids::{ClubId, DeviceId, InviteId};

/// Why an identity operation failed. Nothing is written when one of these is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The data directory could not be created or read.
    #[error(
        "cannot use the data directory {path}: {source}. Check that the path is right and writable"
    )]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// There is no server database in the data directory yet.
    #[error(
        "no server database at {path}: this data directory has not been initialised. \
         Run `clubsync-server init` with the same --data-dir, or check the --data-dir path"
    )]
    NotInitialised {
        /// Where the database was looked for.
        path: PathBuf,
    },
    /// The file is not a clubsync server database (another program's SQLite file, or not SQLite).
    #[error(
        "{path} is not a clubsync server database (it is not SQLite, or another program made it). \
         Point --data-dir at a clubsync data directory, or move the file out of the way"
    )]
    NotAServerDatabase {
        /// The file.
        path: PathBuf,
    },
    /// The database was written by a newer clubsync-server whose schema this build cannot read.
    #[error(
        "{path} has schema version {found}, but this clubsync-server reads versions up to {supported}: \
         a newer clubsync-server wrote it. Run that newer version (or newer), or restore a backup"
    )]
    SchemaTooNew {
        /// The file.
        path: PathBuf,
        /// The schema version in the file.
        found: i32,
        /// The newest schema version this build reads.
        supported: i32,
    },
    /// SQLite could not put the database into write-ahead-log mode (some network filesystems).
    #[error(
        "{path} cannot use SQLite's write-ahead log (journal mode stayed {mode:?}). \
         Put the data directory on a local disk"
    )]
    WalUnavailable {
        /// The file.
        path: PathBuf,
        /// The journal mode SQLite reported.
        mode: String,
    },
    /// SQLite failed (disk full, permissions, a lock held too long by another process, ...).
    #[error(
        "the server database failed: {0}. Check free disk space and the data directory's permissions"
    )]
    Database(#[from] rusqlite::Error),
    /// The database holds a value this build cannot read: damage or a bug.
    #[error(
        "the server database holds an unreadable {what}: {value:?}. \
         Restore the data directory from a backup, and please report this"
    )]
    Corrupt {
        /// What kind of value.
        what: &'static str,
        /// The value found.
        value: String,
    },
    /// The operating system's random number generator failed.
    #[error(
        "the operating system's random number generator failed: {0}. No secret was made; try again"
    )]
    Randomness(String),
    /// A name was empty or only spaces.
    #[error("the {what} is empty: give a name that people will recognise")]
    EmptyName {
        /// Which name (club name, display name, device name).
        what: &'static str,
    },
    /// A name was longer than allowed.
    #[error("the {what} is {len} characters long; the limit is {max}. Give a shorter name")]
    NameTooLong {
        /// Which name.
        what: &'static str,
        /// Its length in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Another club on this server has that name already.
    #[error("a club named {0:?} already exists on this server: choose another name")]
    ClubNameTaken(String),
    /// No club has this id.
    #[error("no club {0} on this server. `clubsync-server club list` shows the clubs")]
    UnknownClub(ClubId),
    /// No member has this id.
    #[error("no member {0} on this server")]
    UnknownMember(MemberId),
    /// The member left the club: they are kept in its history, and nothing of theirs changes.
    #[error("{0} has left the club: a former member gets no role, device or invite")]
    MemberLeft(String),
    /// No device has this id.
    #[error("no device {0} on this server. `clubsync-server devices CLUB` lists a club's devices")]
    UnknownDevice(DeviceId),
    /// An invite's lifetime is outside the allowed range.
    #[error(
        "an invite must stay valid for between {min_minutes} minute(s) and {max_days} days; \
         {given_minutes} minute(s) was asked for"
    )]
    InviteLifetime {
        /// The lifetime asked for, in whole minutes.
        given_minutes: u64,
        /// The shortest lifetime, in minutes.
        min_minutes: u64,
        /// The longest lifetime, in days.
        max_days: u64,
    },
    /// The text cannot be an invite code (wrong length or characters).
    #[error(
        "{0:?} is not an invite code: a code has 10 letters and digits, like K7QM-X2PA-9F. \
         Check it was typed as shown"
    )]
    MalformedInvite(String),
    /// No invite has this code (a typing mistake, or a code from another server).
    #[error(
        "this invite code is not known to this server: check it was typed as shown, \
         or ask a coordinator for a new invite"
    )]
    InviteNotFound,
    /// The invite's time ran out before it was used.
    #[error(
        "this invite expired at {expired_at} without being used: ask a coordinator for a new invite"
    )]
    InviteExpired {
        /// When it expired.
        expired_at: Timestamp,
    },
    /// A coordinator withdrew the invite before it was used.
    #[error("this invite was withdrawn at {withdrawn_at}: ask a coordinator for a new invite")]
    InviteWithdrawn {
        /// When it was withdrawn.
        withdrawn_at: Timestamp,
    },
    /// The coordinator who made the invite can no longer invite: their device was revoked, or
    /// they are no longer a coordinator.
    #[error(
        "this invite's maker can no longer invite (their device was revoked or they are no \
         longer a coordinator): ask a coordinator for a new invite"
    )]
    InviteMakerGone,
    /// No invite has this id (withdrawing an invite).
    #[error("no invite {0} on this server")]
    UnknownInvite(InviteId),
    /// The invite was redeemed already, so it cannot be withdrawn; revoke the device instead.
    #[error("invite {invite} was already used by device {device}: revoke that device instead")]
    InviteUsedCannotWithdraw {
        /// The invite.
        invite: InviteId,
        /// The device that redeemed it.
        device: DeviceId,
    },
    /// The invite was already redeemed by a device; each invite connects one device.
    #[error(
        "this invite was already used at {used_at}: each invite connects one device. \
         Ask a coordinator for a new invite"
    )]
    InviteAlreadyUsed {
        /// When it was used.
        used_at: Timestamp,
    },
    /// The text presented as a device token does not have a token's shape.
    #[error(
        "the device token is malformed: a token is \"cst_\" followed by 64 hex digits. \
         Sign this device in again with an invite"
    )]
    MalformedToken,
    /// No device holds this token (a wrong token, or one from another server).
    #[error(
        "this device token is not known to this server: sign the device in again with a new invite"
    )]
    UnknownToken,
    /// The device was revoked; its token is refused from then on.
    #[error(
        "device {device} was revoked at {revoked_at} and may no longer sync. \
         If this is a mistake, ask a coordinator for a new invite for this device"
    )]
    DeviceRevoked {
        /// The device.
        device: DeviceId,
        /// When it was revoked.
        revoked_at: Timestamp,
    },
    /// The token is older than the server's token lifetime (`--token-lifetime-days`).
    #[error(
        "this device's token was issued on {} and tokens on this server last {days} days; \
         devices that sync swap theirs for a new one in time, this one did not: ask a \
         coordinator for a new invite for device {device}", issued_at.date()
    )]
    TokenExpired {
        /// The device.
        device: DeviceId,
        /// When the token was issued.
        issued_at: Timestamp,
        /// The lifetime, in days.
        days: i64,
    },
    /// The device belongs to another club than the one named.
    #[error("device {device} does not belong to club {club}")]
    DeviceOfAnotherClub {
        /// The device.
        device: DeviceId,
        /// The club named in the request.
        club: ClubId,
    },
    /// The member belongs to another club than the one named.
    #[error("member {member} does not belong to club {club}")]
    MemberOfAnotherClub {
        /// The member.
        member: MemberId,
        /// The club named in the request.
        club: ClubId,
    },
    /// The document is already registered to another club. Callers answering a device must not
    /// reveal this: they answer as if the document did not exist.
    #[error("document {document} belongs to another club")]
    DocumentOfAnotherClub {
        /// The document.
        document: DocumentId,
    },
    /// The document is registered to this club with another kind.
    #[error("document {document} is registered as {registered:?}, not {requested:?}")]
    DocumentKindConflict {
        /// The document.
        document: DocumentId,
        /// The kind it is registered with (`clubsync_core::document::DocumentKind::as_str`).
        registered: &'static str,
        /// The kind asked for.
        requested: &'static str,
    },
    /// A club has exactly one club document, registered when the club is created.
    #[error(
        "club {club} already has its club document; only activity documents \
         (collections, petitions, events, ...) can be added"
    )]
    SecondClubDocument {
        /// The club.
        club: ClubId,
    },
    /// The document id is already registered (creating a club with a used document id).
    #[error("document {0} is already registered; a new club needs a new document")]
    DocumentAlreadyRegistered(DocumentId),
    /// The new club's document could not be made (an invalid profile).
    #[error("the club document could not be created: {0}")]
    ClubDocument(#[source] clubsync_core::error::RecordError),
}
