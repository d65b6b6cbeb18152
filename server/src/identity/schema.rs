//! The server database's schema, its migrations, and the checks made before touching a file.
//!
//! A clubsync server database is marked twice in its SQLite header: `PRAGMA application_id`
//! says "this is a clubsync server database" and `PRAGMA user_version` holds the schema version.
//! A file is only changed (journal mode, migrations) after both say it is ours, or it is empty.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, TransactionBehavior};

use super::error::IdentityError;

/// The `PRAGMA application_id` of a clubsync server database: "CSSV" in ASCII.
pub const APPLICATION_ID: i32 = 0x4353_5356;

/// The schema version this build writes, and the newest it reads.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// How long a statement waits for another process's lock (an admin command run while the
/// server is running) before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// `MIGRATIONS[n]` takes the schema from version `n` to `n + 1`. Append; never edit one that
/// has shipped.
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5];

/// Version 1: clubs, members, devices, invites, and the document registry.
///
/// Ids are text (hyphenated UUIDs, bs58check document ids) so the file reads well in the
/// `sqlite3` shell; times are unix milliseconds. Secrets (device tokens, invite codes) are only
/// ever stored as their SHA-256.
const V1: &str = "
CREATE TABLE clubs (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    club_document TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE members (
    id           TEXT PRIMARY KEY NOT NULL,
    club         TEXT NOT NULL REFERENCES clubs(id),
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('coordinator', 'volunteer', 'observer')),
    created_at   INTEGER NOT NULL,
    UNIQUE (id, club)
) STRICT;
CREATE INDEX members_by_club ON members(club);

-- A device's club is its member's club: the composite key makes that a schema rule.
CREATE TABLE devices (
    id           TEXT PRIMARY KEY NOT NULL,
    club         TEXT NOT NULL REFERENCES clubs(id),
    member       TEXT NOT NULL,
    name         TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER,
    revoked_at   INTEGER,
    FOREIGN KEY (member, club) REFERENCES members(id, club)
) STRICT;
CREATE INDEX devices_by_club ON devices(club);
CREATE INDEX devices_by_revocation ON devices(revoked_at) WHERE revoked_at IS NOT NULL;

-- An invite either makes a new member (role and display_name) or adds a device to an existing
-- member (member).
CREATE TABLE invites (
    id             TEXT PRIMARY KEY NOT NULL,
    code_hash      BLOB NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    club           TEXT NOT NULL REFERENCES clubs(id),
    role           TEXT CHECK (role IN ('coordinator', 'volunteer', 'observer')),
    display_name   TEXT,
    member         TEXT,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER,
    used_by_device TEXT REFERENCES devices(id),
    withdrawn_at   INTEGER,
    FOREIGN KEY (member, club) REFERENCES members(id, club),
    CHECK ((member IS NULL AND role IS NOT NULL AND display_name IS NOT NULL)
        OR (member IS NOT NULL AND role IS NULL AND display_name IS NULL)),
    CHECK ((used_at IS NULL) = (used_by_device IS NULL)),
    CHECK (used_at IS NULL OR withdrawn_at IS NULL)
) STRICT;
CREATE INDEX invites_by_club ON invites(club);

-- The registry: which club a document belongs to and what kind it is, so access checks never
-- load a document. created_by_device is NULL for a club document made by the admin.
CREATE TABLE documents (
    id                TEXT PRIMARY KEY NOT NULL,
    club              TEXT NOT NULL REFERENCES clubs(id),
    kind              TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    created_by_device TEXT REFERENCES devices(id)
) STRICT;
CREATE INDEX documents_by_club ON documents(club);
";

/// Version 2: whether a member is 16 or over (`age16plus`, 1 or 0), on the member and on the
/// invite that makes them (ignored on an invite for another device of a member). Members and
/// invites made before are adults. Under-16s never handle money (tins, counts).
const V2: &str = "
ALTER TABLE members ADD COLUMN age16plus INTEGER NOT NULL DEFAULT 1 CHECK (age16plus IN (0, 1));
ALTER TABLE invites ADD COLUMN age16plus INTEGER NOT NULL DEFAULT 1 CHECK (age16plus IN (0, 1));
";

/// Version 3: the device of the coordinator who made an invite through the coordinators' API
/// (`NULL` for the admin's invites and those made before): the invite stops working when that
/// device is revoked or its member is no longer a coordinator.
const V3: &str = "
ALTER TABLE invites ADD COLUMN made_by_device TEXT REFERENCES devices(id);
";

/// Version 4: token rotation and lifetime (`identity::rotation`). `token_issued_at` is when the
/// current token was issued (`NULL`: when the device joined); `next_token_hash` is the hash of
/// the token a rotation made, which replaces the current one at its first use.
const V4: &str = "
ALTER TABLE devices ADD COLUMN token_issued_at INTEGER;
ALTER TABLE devices ADD COLUMN next_token_hash BLOB
    CHECK (next_token_hash IS NULL OR length(next_token_hash) = 32);
CREATE UNIQUE INDEX devices_by_next_token ON devices(next_token_hash)
    WHERE next_token_hash IS NOT NULL;
";

/// Version 5: when a member left the club (`NULL`: still a member). A former member's devices
/// are revoked and they are kept, so the records they made still name them.
const V5: &str = "
ALTER TABLE members ADD COLUMN left_at INTEGER;
";

/// Checks that the file at `path` (opened as `conn`) is empty or a clubsync server database
/// this build can read, then sets it up (WAL, `synchronous=FULL`, foreign keys) and migrates it
/// to [`SCHEMA_VERSION`].
pub(super) fn prepare(conn: &mut Connection, path: &Path) -> Result<(), IdentityError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    check_ours(conn, path)?;

    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(IdentityError::WalUnavailable {
            path: path.to_owned(),
            mode,
        });
    }
    // FULL: a committed token or revocation survives a power cut, like the documents do.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;

    // IMMEDIATE takes the write lock first, so two processes opening a new file at once
    // migrate it once; the version is read again under the lock.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    check_ours(&tx, path)?;
    let from: i32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let start = usize::try_from(from).unwrap_or(0);
    for migration in MIGRATIONS.iter().skip(start) {
        tx.execute_batch(migration)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Refuses a file that is not SQLite, another program's database, or a newer schema.
fn check_ours(conn: &Connection, path: &Path) -> Result<(), IdentityError> {
    let foreign = || IdentityError::NotAServerDatabase {
        path: path.to_owned(),
    };
    let read = |pragma: &str| -> Result<i32, IdentityError> {
        conn.pragma_query_value(None, pragma, |row| row.get(0))
            .map_err(|e| {
                if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) {
                    foreign()
                } else {
                    IdentityError::Database(e)
                }
            })
    };
    let application_id = read("application_id")?;
    let version = read("user_version")?;
    let objects: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))?;

    if application_id == 0 && version == 0 && objects == 0 {
        return Ok(()); // a new, empty file
    }
    if application_id != APPLICATION_ID {
        return Err(foreign());
    }
    if version > SCHEMA_VERSION {
        return Err(IdentityError::SchemaTooNew {
            path: path.to_owned(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_1_members_and_invites_become_adults() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("server.sqlite");
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(V1).expect("version 1");
            conn.execute_batch(
                "INSERT INTO clubs VALUES ('c', 'Leeds', 'doc', 1);
                 INSERT INTO members VALUES ('m', 'c', 'Asha', 'volunteer', 1);
                 INSERT INTO invites (id, code_hash, club, role, display_name, created_at, expires_at)
                 VALUES ('i', zeroblob(32), 'c', 'observer', 'Ben', 1, 2);",
            )
            .expect("rows");
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .expect("id");
            conn.pragma_update(None, "user_version", 1)
                .expect("version");
        }
        let mut conn = Connection::open(&path).expect("open");
        prepare(&mut conn, &path).expect("migrated");
        let version: i32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
        let member: (String, i64) = conn
            .query_row("SELECT display_name, age16plus FROM members", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .expect("the member is kept");
        assert_eq!(member, ("Asha".to_owned(), 1));
        let invite: (String, i64) = conn
            .query_row("SELECT display_name, age16plus FROM invites", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .expect("the invite is kept");
        assert_eq!(invite, ("Ben".to_owned(), 1));
        assert!(
            conn.execute("UPDATE members SET age16plus = 2", [])
                .is_err(),
            "age16plus is 0 or 1"
        );
    }
}
