//! The lock a serving server holds on its data directory, so that a second server on the same
//! directory, or a restore into it, is refused while it runs (two servers on one store would
//! each hold their own copy of a document and answer devices from it).
//!
//! An advisory `flock` on `server.lock`: the kernel drops it when the process ends, however it
//! ends (SIGKILL and power cuts included), so a crash never leaves a stale lock to clear by hand.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::Path;

/// The lock file inside the data directory.
pub const LOCK_FILE: &str = "server.lock";

/// Why the data directory could not be locked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// A running server holds it.
    #[error(
        "a clubsync server{pid} is serving {path}: stop it first (two servers, or a restore, \
         cannot share one data directory)"
    )]
    InUse {
        /// The directory.
        path: String,
        /// " (pid N)" when the lock file says which process holds it.
        pid: String,
    },
    /// The lock file cannot be opened or locked.
    #[error("cannot lock the data directory {path}: {source}")]
    Io {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Held while the server runs (or a restore writes); released when dropped or the process ends.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Locks `dir` (which must exist), or says who holds it.
    pub fn take(dir: &Path) -> Result<Self, LockError> {
        let path = dir.display().to_string();
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(LOCK_FILE))
            .map_err(io)?;
        #[cfg(unix)]
        {
            use rustix::fs::{FlockOperation, flock};
            if let Err(e) = flock(&file, FlockOperation::NonBlockingLockExclusive) {
                if e == rustix::io::Errno::WOULDBLOCK {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let pid = holder
                        .trim()
                        .parse::<u32>()
                        .map(|p| format!(" (pid {p})"))
                        .unwrap_or_default();
                    return Err(LockError::InUse { path, pid });
                }
                return Err(io(e.into()));
            }
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        Ok(Self { _file: file })
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = DataDirLock::take(dir.path()).expect("locks");
        let err = DataDirLock::take(dir.path()).expect_err("held");
        let text = err.to_string();
        assert!(text.contains("stop it first"), "{text}");
        assert!(
            text.contains(&format!("pid {}", std::process::id())),
            "{text}"
        );
        drop(first);
        DataDirLock::take(dir.path()).expect("free again");
    }
}
