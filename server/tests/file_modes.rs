//! The data directory is the server's user's alone: created `0700`, every database, WAL and
//! backup file `0600`, and a directory other users can read is refused at start with the fix.

#![cfg(unix)]

use clubsync_testkit::harness as common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::{ServerProcess, admin, server_bin};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn every_file_the_server_makes_is_private_and_an_open_directory_is_refused() {
    let root = tempfile::tempdir().expect("temp dir");
    // The temp dir itself is private; the server creates its own data directory inside.
    let data = root.path().join("data");
    let server = ServerProcess::start(&data, &[]);
    let _ = server.joined("Volunteer Lee");
    assert_eq!(mode(&data), 0o700, "the data directory");
    let files: Vec<_> = std::fs::read_dir(&data)
        .expect("listed")
        .map(|e| e.expect("entry").path())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("server.sqlite")),
        "{files:?}"
    );
    for file in &files {
        assert_eq!(mode(file) & 0o077, 0, "{} is private", file.display());
    }
    drop(server);

    let backup = root.path().join("backup");
    let (ok, out) = admin(&data, &["backup", &backup.to_string_lossy()]);
    assert!(ok, "{out}");
    assert_eq!(mode(&backup) & 0o077, 0, "the backup directory");
    for entry in std::fs::read_dir(&backup).expect("listed") {
        let file = entry.expect("entry").path();
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }

    // A data directory others can read is refused, with the fix; the flag allows it.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = Command::new(server_bin())
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .env("CLUBSYNC_LOG", "warn")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "refused");
    assert!(
        stderr.contains("can be read by other users") && stderr.contains("chmod 700"),
        "{stderr}"
    );
    let (ok, out) = admin(
        &data,
        &[
            "devices",
            "--club",
            "Demo Club",
            "--allow-readable-data-dir",
        ],
    );
    assert!(ok, "{out}");
}
