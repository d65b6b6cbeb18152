//! Starting `clubsync-server --demo` and reading what it prints: the one launcher of the tests'
//! [`ServerProcess`](super::ServerProcess) and of the bench.
//!
//! It fails with a [`LaunchError`] instead of panicking, so the bench (an `anyhow` binary) can
//! say what went wrong; the tests' wrapper turns the error into a test failure.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The people of the demo club, whose invite codes the server prints at start.
pub const DEMO_PEOPLE: [&str; 4] = [
    "Coordinator Kim",
    "Volunteer Lee",
    "Volunteer Park",
    "Observer Choi",
];

/// How to start the server.
pub struct Launch<'a> {
    /// The `clubsync-server` binary.
    pub bin: &'a Path,
    /// Its data directory (made private first: the server refuses one others can read).
    pub data_dir: &'a Path,
    /// Flags besides `--demo`, `--listen 127.0.0.1:0` and `--data-dir`.
    pub extra: &'a [String],
    /// `CLUBSYNC_JOINS_PER_MINUTE`: tests and the bench join many devices from one address.
    pub joins_per_minute: u32,
    /// `CLUBSYNC_LOG`.
    pub log: String,
    /// How long the server may take to print its address and invites.
    pub startup_limit: Duration,
}

/// Why the server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The data directory could not be made private.
    #[error("cannot make the data directory {0} private: {1}")]
    DataDir(PathBuf, std::io::Error),
    /// The binary did not start.
    #[error("cannot start {0}: {1}")]
    Spawn(PathBuf, std::io::Error),
    /// It started but did not print its banner in time (or exited).
    #[error("the server did not print its address and invites within {0:?}")]
    NoBanner(Duration),
    /// The banner's address line could not be read.
    #[error("the server printed an address that is not one: {0:?}")]
    BadAddress(String),
}

/// A server that has started and printed its banner.
pub struct Launched {
    /// The process.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// `http` or `https`.
    pub scheme: String,
    /// Demo invite codes by person ([`DEMO_PEOPLE`]).
    pub invites: BTreeMap<String, String>,
    /// What it printed up to its invite codes.
    pub banner: Vec<String>,
    /// The lines it prints after the banner.
    pub stdout_rest: mpsc::Receiver<String>,
}

/// Makes an existing data directory (a temporary directory, made `0755`) private, as an admin
/// does before starting the server: the server refuses one other users can read.
pub fn make_data_dir_private(data_dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if data_dir.is_dir() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

impl Launch<'_> {
    /// Starts the server and waits until it has printed its address and invites.
    pub fn start(&self) -> Result<Launched, LaunchError> {
        make_data_dir_private(self.data_dir)
            .map_err(|e| LaunchError::DataDir(self.data_dir.to_owned(), e))?;
        let mut child = Command::new(self.bin)
            .args(["--demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(self.data_dir)
            .args(self.extra)
            .env("CLUBSYNC_LOG", &self.log)
            .env(
                "CLUBSYNC_JOINS_PER_MINUTE",
                self.joins_per_minute.to_string(),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| LaunchError::Spawn(self.bin.to_owned(), e))?;
        let rx = stdout_lines(&mut child);
        match read_banner(&rx, self.startup_limit) {
            Ok((addr, scheme, invites, banner)) => Ok(Launched {
                child,
                addr,
                scheme,
                invites,
                banner,
                stdout_rest: rx,
            }),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(e)
            }
        }
    }
}

/// The lines a child prints on its piped standard output, read by a thread of their own (so
/// the child never blocks on a full pipe while the caller waits on something else). Empty when
/// its output is not piped.
pub fn stdout_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    rx
}

/// The banner's address, scheme, invites and lines.
type Banner = (SocketAddr, String, BTreeMap<String, String>, Vec<String>);

/// Reads the banner up to "Stop the server".
fn read_banner(rx: &mpsc::Receiver<String>, limit: Duration) -> Result<Banner, LaunchError> {
    let deadline = std::time::Instant::now() + limit;
    let mut addr = None;
    let mut invites = BTreeMap::new();
    let mut banner = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let line = rx
            .recv_timeout(left)
            .map_err(|_| LaunchError::NoBanner(limit))?;
        banner.push(line.clone());
        if let Some(rest) = line.strip_prefix("clubsync-server listening on ") {
            let (scheme, a) = rest
                .split_once("://")
                .ok_or_else(|| LaunchError::BadAddress(rest.to_owned()))?;
            let a: SocketAddr = a
                .parse()
                .map_err(|_| LaunchError::BadAddress(rest.to_owned()))?;
            addr = Some((a, scheme.to_owned()));
        }
        for name in DEMO_PEOPLE {
            if let Some(rest) = line.trim_start().strip_prefix(name)
                && let Some(code) = rest.split_whitespace().last()
            {
                invites.insert(name.to_owned(), code.to_owned());
            }
        }
        if line.starts_with("Stop the server") {
            break;
        }
    }
    let (addr, scheme) = addr.ok_or_else(|| LaunchError::BadAddress("(none)".into()))?;
    Ok((addr, scheme, invites, banner))
}

/// Asks a child process to stop with SIGTERM (through `kill`, as the workspace forbids
/// `unsafe`) and waits up to `limit` for it; kills it when it has not stopped by then.
/// Returns its exit status, or `None` when it had to be killed.
pub fn terminate_within(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let asked = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    if asked {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// The first invite code (`XXXX-XXXX-XXXX-XXXXX`) in an admin command's output.
pub fn find_invite_code(output: &str) -> Option<String> {
    output
        .split_whitespace()
        .find(|w| {
            let b = w.as_bytes();
            w.len() == 20 && b[4] == b'-' && b[9] == b'-' && b[14] == b'-'
        })
        .map(str::to_owned)
}
