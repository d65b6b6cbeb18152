//! The data directory's privacy: its databases hold members' names and contacts, petition
//! signers, device token hashes and invite codes, so no other user of the machine may read them.
//!
//! The server creates the directory `0700` and every file `0600` (a process umask of `077`,
//! which SQLite's own files, their WAL and shared-memory files, and backups all follow), puts
//! its known database files back to `0600` at start, and refuses to start on a directory that
//! other users can list or read unless told it is meant to be shared
//! (`--allow-readable-data-dir`).

use std::path::Path;

/// Why the data directory cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataDirError {
    /// Other users can list or read it.
    #[error(
        "the data directory {path} can be read by other users of this machine (mode {mode:o}), \
         and it holds members' names, petition signers and device tokens: make it private with \
         `chmod 700 {path}` (or start with --allow-readable-data-dir if that is meant)"
    )]
    Readable {
        /// The directory.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// It cannot be created or its mode read or set.
    #[error("cannot prepare the data directory {path}: {source}")]
    Io {
        /// The directory or file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Files this process creates from now on are readable by its own user alone.
pub fn private_new_files() {
    #[cfg(unix)]
    {
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    }
}

/// Creates `dir` if it does not exist (mode `0700`), refuses it when other users can read it
/// (unless `allow_readable`), and puts the database files in it back to `0600`.
pub fn prepare(dir: &Path, allow_readable: bool) -> Result<(), DataDirError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| DataDirError::Io { path, source }
    };
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(io(dir))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)
            .map_err(io(dir))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 && !allow_readable {
            return Err(DataDirError::Readable {
                path: dir.display().to_string(),
                mode,
            });
        }
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let path = entry.map_err(io(dir))?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.contains(".sqlite") || name.ends_with("-key.pem") {
                let private = std::fs::Permissions::from_mode(0o600);
                std::fs::set_permissions(&path, private).map_err(io(&path))?;
            }
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn a_new_directory_is_private_and_an_open_one_is_refused_unless_allowed() {
        let root = tempfile::tempdir().expect("temp dir");
        let new = root.path().join("data");
        prepare(&new, false).expect("created");
        assert_eq!(mode(&new), 0o700);

        let open = root.path().join("open");
        std::fs::create_dir(&open).expect("created");
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::write(open.join("server.sqlite"), b"").expect("written");
        std::fs::set_permissions(
            open.join("server.sqlite"),
            std::fs::Permissions::from_mode(0o644),
        )
        .expect("chmod");
        let err = prepare(&open, false).expect_err("refused");
        assert!(err.to_string().contains("chmod 700"), "{err}");
        prepare(&open, true).expect("allowed when asked");
        assert_eq!(mode(&open.join("server.sqlite")), 0o600);
    }
}
