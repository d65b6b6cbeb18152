//! `clubsync-server backup`: SQLite online backups of the data directory's databases.

use std::io::Write;
use std::path::Path;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use clubsync_server::identity::{DATABASE_FILE, INVITE_KEY_FILE, IdentityStore};
use clubsync_server::storage::DOCUMENTS_FILE;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

/// Copies the databases of `data_dir` into the directory `to`, printing what was written.
pub(super) fn backup(data_dir: &Path, to: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    // Opening checks that this is a clubsync data directory before anything is written.
    drop(IdentityStore::open_existing(data_dir)?);
    // Documents first: a document registered between the two copies is then in the registry
    // copy with its records missing (its devices send them again), rather than stored but
    // unregistered, where the registry could not say whose it is.
    let mut files = vec![DATABASE_FILE];
    if data_dir.join(DOCUMENTS_FILE).exists() {
        files.insert(0, DOCUMENTS_FILE);
    }
    std::fs::create_dir_all(to)
        .with_context(|| format!("cannot create the backup directory {}", to.display()))?;
    for file in &files {
        let target = to.join(file);
        if target.exists() {
            bail!(
                "{} already exists: back up into a new, empty directory",
                target.display()
            );
        }
    }
    for file in &files {
        let target = to.join(file);
        let bytes = online_backup(&data_dir.join(file), &target)?;
        writeln!(out, "Wrote {} ({bytes} bytes).", target.display())?;
    }
    if files.len() == 1 {
        writeln!(
            out,
            "No {DOCUMENTS_FILE} in {} yet: no club records to copy.",
            data_dir.display()
        )?;
    }
    writeln!(
        out,
        "To restore: stop the server, then `clubsync-server --data-dir DIR restore {}`.",
        to.display()
    )?;
    writeln!(
        out,
        "The invite key ({INVITE_KEY_FILE}) is not in the backup, so a stolen backup cannot be \
         searched for invite codes: keep a copy apart, or make unused invites again after a \
         restore."
    )?;
    Ok(())
}

/// Copies the SQLite database at `source` to a new file `target` with SQLite's online backup,
/// checks the copy, and returns its size in bytes.
///
/// The copy is made in one step, inside one read transaction: a consistent snapshot that a busy
/// server's writes cannot make restart (WAL lets the server keep writing meanwhile).
pub(super) fn online_backup(source: &Path, target: &Path) -> anyhow::Result<u64> {
    let context = || {
        format!(
            "cannot back up {} to {}",
            source.display(),
            target.display()
        )
    };
    let src = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(context)?;
    src.busy_timeout(Duration::from_secs(5))
        .with_context(context)?;
    let mut dst = Connection::open(target).with_context(context)?;
    {
        let backup = Backup::new(&src, &mut dst).with_context(context)?;
        let mut attempts = 0;
        loop {
            match backup.step(-1).with_context(context)? {
                StepResult::Done => break,
                StepResult::More | StepResult::Busy | StepResult::Locked if attempts < 50 => {
                    attempts += 1;
                    thread::sleep(Duration::from_millis(100));
                }
                _ => bail!("{}: the database stayed busy; try again", context()),
            }
        }
    }
    // A single self-contained file, without a write-ahead log beside it.
    let _mode: String = dst
        .query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0))
        .with_context(context)?;
    let check: String = dst
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .with_context(context)?;
    if check != "ok" {
        bail!("{}: the copy failed SQLite's check: {check}", context());
    }
    drop(dst);
    let size = std::fs::metadata(target).with_context(context)?.len();
    Ok(size)
}
