//! `clubsync-server restore`: puts the databases of a backup (`clubsync-server backup`) into a
//! data directory, safely.
//!
//! Nothing is overwritten and nothing is lost on the way: the directory is locked (a running
//! server holds the same lock, so a restore into a live server's data is refused), the backup
//! is copied into a staging directory and checked there (SQLite's integrity check, and the
//! server's own checks of its database), and only then are the databases that were there moved
//! aside, into `before-restore-<time>/`, and the checked copies renamed into place.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clubsync_core::store::SqliteStore;
use clubsync_core::timestamp::Timestamp;
use clubsync_server::data_dir_lock::DataDirLock;
use clubsync_server::identity::{DATABASE_FILE, INVITE_KEY_FILE, IdentityStore};
use clubsync_server::storage::DOCUMENTS_FILE;

use super::backup::online_backup;

/// Where the backup is staged inside the data directory while it is checked.
const STAGING: &str = "restore-staging";

/// Restores the backup in `from` into `data_dir`, printing what was done.
pub(super) fn restore(
    data_dir: &Path,
    from: &Path,
    now_ms: i64,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if !from.join(DATABASE_FILE).is_file() {
        bail!(
            "{} holds no {DATABASE_FILE}: it is not a clubsync backup (make one with \
             `clubsync-server backup DIR`)",
            from.display()
        );
    }
    let mut files = vec![DATABASE_FILE];
    if from.join(DOCUMENTS_FILE).is_file() {
        files.push(DOCUMENTS_FILE);
    }
    if same_directory(data_dir, from) {
        bail!("the backup and the data directory are the same directory");
    }
    let _lock = DataDirLock::take(data_dir)?;

    // 1. Copy and check, touching nothing of the data directory's databases yet.
    let staging = data_dir.join(STAGING);
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| {
            format!(
                "cannot clear {} left by an earlier restore",
                staging.display()
            )
        })?;
    }
    std::fs::create_dir(&staging)
        .with_context(|| format!("cannot create {}", staging.display()))?;
    let staged = files
        .iter()
        .try_for_each(|file| {
            online_backup(&from.join(file), &staging.join(file))
                .map(|_bytes| ())
                .with_context(|| {
                    format!(
                        "cannot read the backup's {file}: it is damaged or not a clubsync backup"
                    )
                })
        })
        .and_then(|()| check_staged(&staging, &files));
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }

    // 2. Move what is there aside, then the checked copies in.
    let aside = set_aside(data_dir, now_ms)?;
    for file in &files {
        let target = data_dir.join(file);
        std::fs::rename(staging.join(file), &target)
            .with_context(|| format!("cannot move the restored {file} into place"))?;
        let bytes = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
        writeln!(out, "Restored {} ({bytes} bytes).", target.display())?;
    }
    sync_directory(data_dir);
    let _ = std::fs::remove_dir_all(&staging);

    if files.len() == 1 {
        writeln!(
            out,
            "The backup holds no {DOCUMENTS_FILE}: the server starts with no club records and \
             devices send theirs again when they sync."
        )?;
    }
    match &aside {
        Some(dir) => writeln!(
            out,
            "The databases that were there are kept in {} (delete it once the restore is \
             checked).",
            dir.display()
        )?,
        None => writeln!(out, "The data directory held no databases before.")?,
    }
    if !data_dir.join(INVITE_KEY_FILE).exists() {
        writeln!(
            out,
            "There is no invite key ({INVITE_KEY_FILE}) here: copy the one kept apart from the \
             backup into {} before starting, or make unused invites again after it starts.",
            data_dir.display()
        )?;
    }
    writeln!(
        out,
        "Start the server on {}. Devices keep their own copies of the records: changes made \
         after the backup come back when they next sync. Devices that joined after the backup \
         need a new invite.",
        data_dir.display()
    )?;
    Ok(())
}

/// Checks the staged copies as the server will open them.
fn check_staged(staging: &Path, files: &[&str]) -> anyhow::Result<()> {
    drop(IdentityStore::open_existing(staging).context(
        "the backup's server database does not open as one: the backup is damaged or not a \
         clubsync backup",
    )?);
    if files.contains(&DOCUMENTS_FILE) {
        let store = SqliteStore::open_read_only(staging.join(DOCUMENTS_FILE)).context(
            "the backup's document store does not open as one: the backup is damaged or not a \
             clubsync backup",
        )?;
        store
            .check_integrity()
            .context("the backup's document store fails SQLite's integrity check")?;
    }
    Ok(())
}

/// Moves the databases in `data_dir` (with their write-ahead logs, which belong to them and
/// must never be replayed into the restored files) into a new `before-restore-<time>`
/// directory. `None` when there was nothing to move.
fn set_aside(data_dir: &Path, now_ms: i64) -> anyhow::Result<Option<PathBuf>> {
    let mut present = Vec::new();
    for base in [DATABASE_FILE, DOCUMENTS_FILE] {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let name = format!("{base}{suffix}");
            if data_dir.join(&name).exists() {
                present.push(name);
            }
        }
    }
    if present.is_empty() {
        return Ok(None);
    }
    let stamp = Timestamp(now_ms).to_string().replace(':', "-");
    let aside = data_dir.join(format!("before-restore-{stamp}"));
    std::fs::create_dir(&aside).with_context(|| format!("cannot create {}", aside.display()))?;
    for name in present {
        std::fs::rename(data_dir.join(&name), aside.join(&name))
            .with_context(|| format!("cannot move {name} aside into {}", aside.display()))?;
    }
    Ok(Some(aside))
}

fn same_directory(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Makes the renames durable (a crash right after the restore keeps it).
fn sync_directory(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}
